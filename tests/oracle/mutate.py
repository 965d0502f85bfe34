#!/usr/bin/env python3
"""mutate.py - rule-by-rule agreement between the oracle and `binvault verify`.

Usage: mutate.py SEGMENT BINVAULT WORKDIR

SEGMENT is the worked example of FORMAT.md (rebuilt by doc_example.py):
one sealed segment holding BEGIN, SCHEMA, INSERT, COMMIT. Each case below
changes one thing the way a writer or a damaged disk could, keeping every
checksum right (so that the structural rule, not the checksum, has to catch
it): records inside the block payload (the payload is recompressed with the
zstd tool and the block rebuilt, in an open .part segment), or fields of the
header, footer and trailer of the sealed segment (checksums recomputed).
For every case the expected verdict is written down from FORMAT.md; the
oracle (bvread.py, run in-process) and `binvault verify` must both give it.
Prints one line per case; exits 0 when all agree, 1 otherwise.
"""

import io
import os
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bvread  # noqa: E402

SEALED = "0000000000-binlog.000001-000000000004.bvseg"


def oracle_ok(d):
    r = bvread.Reader(d, io.StringIO(), False, None)
    try:
        r.run()
        return True, ""
    except bvread.FormatError as e:
        return False, str(e)


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    seg = open(argv[1], "rb").read()
    bv, work = argv[2], argv[3]
    h = bvread.parse_header(seg)
    hl = h["len"]
    _, _, meta_len, plen, rlen = struct.unpack_from("<BBHII", seg, hl + 4)
    meta = seg[hl + 16 : hl + 16 + meta_len]
    payload = seg[hl + 16 + meta_len : hl + 16 + meta_len + plen]
    raw = bvread.zstd_decompress(payload)
    assert len(raw) == rlen
    os.makedirs(work, exist_ok=True)

    def open_segment(raw2):
        """The header and one block holding raw2, as an open segment."""
        tmp = os.path.join(work, "raw.bin")
        with open(tmp, "wb") as f:
            f.write(raw2)
        p = subprocess.run(["zstd", "-q", "-c", "--no-check", tmp], stdout=subprocess.PIPE, check=True).stdout
        b = b"BVBK" + struct.pack("<BBHII", 1, 0, len(meta), len(p), len(raw2)) + meta + p
        b += struct.pack("<Q", bvread.xxh64(b))
        return {SEALED + ".part": seg[:hl] + b}

    def sealed(changes):
        """The sealed segment with bytes replaced, checksums recomputed."""
        d = bytearray(seg)
        for at, old, new in changes:
            assert d[at : at + len(old)] == old, (hex(at), d[at : at + len(old)].hex())
            d[at : at + len(old)] = new
        body_len = struct.unpack_from("<I", d, 12)[0]
        struct.pack_into("<Q", d, 16 + body_len, bvread.xxh64(bytes(d[: 16 + body_len])))
        _, _, ml, pl, _ = struct.unpack_from("<BBHII", d, hl + 4)
        end = hl + 16 + ml + pl
        struct.pack_into("<Q", d, end, bvread.xxh64(bytes(d[hl:end])))
        t = len(d) - 40
        foff, flen = struct.unpack_from("<QQ", d, t)
        struct.pack_into("<Q", d, t + 16, bvread.xxh64(bytes(d[foff : foff + flen])))
        struct.pack_into("<Q", d, t + 32, bvread.xxh64(bytes(d[t : t + 32])))
        return {SEALED: bytes(d)}

    def sub(at, old, new):
        r = bytearray(raw)
        assert r[at : at + len(old)] == old, (hex(at), r[at : at + len(old)].hex())
        r[at : at + len(old)] = new
        return bytes(r)

    # (name, files, valid?) - offsets are those of FORMAT.md's worked example
    cases = [
        ("unchanged (open)", open_segment(raw), True),
        ("unchanged (sealed)", sealed([]), True),
        ("record type 0 after the last record", open_segment(raw + b"\x00"), False),
        ("non-canonical varint (offset 04 -> 84 00)", open_segment(sub(0x01, b"\x04", b"\x84\x00")), False),
        ("10-byte varint ending in 01 (xid)", open_segment(sub(0x7E, b"\x11", b"\x91" + b"\x80" * 8 + b"\x01")), True),
        ("10-byte varint ending in 02 (xid)", open_segment(sub(0x7E, b"\x11", b"\x91" + b"\x80" * 8 + b"\x02")), False),
        ("PRIMARY_KEY flag missing on a key column", open_segment(sub(0x30, b"\x04", b"\x00")), False),
        ("PRIMARY_KEY flag on a non-key column", open_segment(sub(0x43, b"\x02", b"\x06")), False),
        ("unknown column flag bit 5", open_segment(sub(0x43, b"\x02", b"\x22")), False),
        ("schema source 3", open_segment(sub(0x29, b"\x00", b"\x03")), False),
        ("SCHEMA id 1 first", open_segment(sub(0x21, b"\x00", b"\x01")), False),
        ("row refers to an undefined schema", open_segment(sub(0x68, b"\x00", b"\x01")), False),
        ("row ncols differs from the schema", open_segment(sub(0x69, b"\x02", b"\x03")), False),
        ("value kind 21", open_segment(sub(0x6C, b"\x0c", b"\x15")), False),
        ("STRING -> JSON_DIFF (unchecked text)", open_segment(sub(0x6C, b"\x0c", b"\x14")), True),
        ("DECIMAL text 'hi'", open_segment(sub(0x6C, b"\x0c", b"\x06")), False),
        ("GEOMETRY of 2 bytes", open_segment(sub(0x6C, b"\x0c", b"\x12")), False),
        ("VECTOR of 2 bytes", open_segment(sub(0x6C, b"\x0c", b"\x13")), False),
        ("STRING -> BYTES", open_segment(sub(0x6C, b"\x0c", b"\x0d")), True),
        ("STRING -> JSON (unchecked text)", open_segment(sub(0x6C, b"\x0c", b"\x0e")), True),
        ("INT 1 -> -5", open_segment(sub(0x6A, b"\x02\x02", b"\x02\x09")), True),
        ("GTID flavor 3", open_segment(sub(0x0D, b"\x01", b"\x03")), False),
        ("GTID tag with NUL", open_segment(sub(0x1E, b"\x00", b"\x01\x00")), False),
        ("GTID tag 'X'", open_segment(sub(0x1E, b"\x00", b"\x01X")), True),
        ("MySQL gno 0", open_segment(sub(0x1F, b"\x06", b"\x00")), False),
        ("commit_kind 4", open_segment(sub(0x7D, b"\x00", b"\x04")), False),
        ("COMMIT end_offset before its offset", open_segment(sub(0x73, b"\xd1\x02", b"\xd1\x01")), False),
        ("INSERT -> DELETE (block counts now wrong)", open_segment(sub(0x5C, b"\x02", b"\x04")), False),
        ("COMMIT offset 306 -> 200 (goes back)", open_segment(sub(0x71, b"\xb2\x02", b"\xc8\x01")), False),
        ("header version 2", sealed([(8, b"\x01", b"\x02")]), False),
        ("header flags 1", sealed([(10, b"\x00", b"\x01")]), False),
        ("header source_flavor 3", sealed([(0x19, b"\x01", b"\x03")]), False),
        ("header seq 1 (file name says 0)", sealed([(0x10, b"\x00", b"\x01")]), False),
        ("header start_offset 5 (name and continuity)", sealed([(0x54, b"\x04", b"\x05")]), False),
        ("block codec 2", sealed([(0x8A, b"\x01", b"\x02")]), False),
        ("block reserved byte 1", sealed([(0x8B, b"\x00", b"\x01")]), False),
        ("block metadata flag bit 3", sealed([(0x96, b"\x04", b"\x0c")]), False),
        ("block metadata HAS_SCHEMA cleared", sealed([(0x96, b"\x04", b"\x00")]), False),
        ("block metadata ENDS_IN_TXN set", sealed([(0x96, b"\x04", b"\x06")]), False),
        ("footer end_offset 338", sealed([(0x1AE, b"\xd1\x02", b"\xd2\x02")]), False),
        ("footer end GTID set :1-7", sealed([(0x1D8, b"6", b"7")]), False),
        ("footer index first_offset 5", sealed([(0x163 + 34, b"\x04", b"\x05")]), False),
        ("footer events 3 -> 4", sealed([(0x1D9, b"\x03", b"\x04")]), False),
        ("footer min_ts - 1", sealed([(0x1E3, b"\x80", b"\xff")]), False),
    ]
    bad = 0
    for name, files, want in cases:
        d = os.path.join(work, "case")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for fn, data in files.items():
            with open(os.path.join(d, fn), "wb") as f:
                f.write(data)
        v = subprocess.run([bv, "verify", "--quiet", d], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        o, why = oracle_ok(d)
        got_v = v.returncode == 0
        status = "ok" if got_v == want and o == want else "MISMATCH"
        if status != "ok":
            bad += 1
        print("%-8s %-45s want %-7s verify %-7s oracle %-7s %s" % (
            status, name, "valid" if want else "invalid", "valid" if got_v else "invalid",
            "valid" if o else "invalid", why[-80:]))
    print("%d cases, %d mismatches" % (len(cases), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
