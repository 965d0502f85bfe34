#!/usr/bin/env python3
"""bvread.py - an independent reader of binvault archives.

Written from format/FORMAT.md alone, with nothing but the Python 3 standard
library and the `zstd` command-line tool (for decompression). It exists to
prove the specification: it reads an archive directory, verifies every
checksum and every rule of FORMAT.md ("Validity rules", "Stream rules",
"Continuity between segments"), and prints the events as JSON lines.

Usage:
    bvread.py [--schemas] [--segments FILE] [--quiet] DIR

Exit status: 0 when the archive is valid and every event was printed;
1 when a rule is broken (a message on stderr names the segment, the byte
offset and the rule); 2 on a usage error.

Output: one JSON object per line, per event, in archive order:

    type      "begin" "insert" "update" "delete" "ddl" "commit" "rotate" "note"
    file      binlog file (current-file rule of FORMAT.md)
    offset    binlog offset (int)
    row       row index (row events only)
    ts_us     event time, microseconds since the Unix epoch (int)
    gtid      GTID text ("uuid:gno", "uuid:tag:gno", "d-s-n"): on a BEGIN with
              a GTID, and on the INSERT/UPDATE/DELETE/DDL/COMMIT events of its
              transaction (copied from the BEGIN)
    begin:    server_id, thread_id, flags
    insert/update/delete:
              database, table, schema ([segment seq, schema id]),
              before (update, delete), after (insert, update): objects
              mapping column name -> normalised value (ABSENT columns left
              out), and kinds: {"before": {col: kind}, "after": {...}} with
              the value kind name of every column (ABSENT included)
    ddl:      database, sql
    commit:   kind ("xid" "commit" "rollback" "implicit"), xid, end_offset
    rotate:   new_file, end_offset
    note:     level ("info" "warning"), text

With --schemas, every SCHEMA record is printed too, as a line of type
"schema" (segment, id, database, table, source, columns, pk) where it occurs
in the stream; it is not an event.

With --segments FILE, one JSON line per segment is written to FILE:
segment, state, seq, start, end, events, blocks, bytes, raw_bytes,
torn_bytes, start_gtid, end_gtid (for an open segment, "end" and "end_gtid"
are the state at its last transaction boundary).

Normalised values (by value kind):
    null                         null
    int uint year bit            integer
    enum                         integer (1-based member index, 0 = '')
    set                          integer (member bit mask)
    float double                 number; non-finite: "nan", "inf", "-inf"
                                 (float: the exact binary32 value)
    decimal                      the decimal text, as a string
    date                         "YYYY-MM-DD"
    time                         "[-]HH:MM:SS.ffffff" (hours: 2+ digits)
    datetime                     "YYYY-MM-DD HH:MM:SS.ffffff"
    timestamp                    "YYYY-MM-DD HH:MM:SS.ffffff" in UTC
                                 ("@SECONDS.ffffff" past year 9999)
    string json                  the text when the bytes are valid UTF-8,
                                 else {"hex": "<lower-case hex>"}
    bytes geometry vector        lower-case hex of the bytes
Names and texts (file, database, table, column names, sql, note text,
new_file, enum/set member names) are bytes decoded as UTF-8 where valid,
each invalid byte becoming the character U+0000+byte.
"""

import json
import os
import re
import struct
import subprocess
import sys
import time

# ---------------------------------------------------------------- errors


class FormatError(Exception):
    """A rule of FORMAT.md is broken."""


class Truncated(FormatError):
    """The data ends before a structure is complete."""


# ---------------------------------------------------------------- XXH64
# "Checksum": XXH64 with seed 0, stored as u64 little-endian.

_M = (1 << 64) - 1
P1 = 11400714785074694791
P2 = 14029467366897019727
P3 = 1609587929392839161
P4 = 9650029242287828579
P5 = 2870177450012600261


def _rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & _M


def xxh64(data, seed=0):
    n = len(data)
    p = 0
    if n >= 32:
        v1 = (seed + P1 + P2) & _M
        v2 = (seed + P2) & _M
        v3 = seed & _M
        v4 = (seed - P1) & _M
        stripes = n // 32
        for a, b, c, d in struct.iter_unpack("<4Q", memoryview(data)[: stripes * 32]):
            v1 = (v1 + a * P2) & _M
            v1 = (((v1 << 31) | (v1 >> 33)) & _M) * P1 & _M
            v2 = (v2 + b * P2) & _M
            v2 = (((v2 << 31) | (v2 >> 33)) & _M) * P1 & _M
            v3 = (v3 + c * P2) & _M
            v3 = (((v3 << 31) | (v3 >> 33)) & _M) * P1 & _M
            v4 = (v4 + d * P2) & _M
            v4 = (((v4 << 31) | (v4 >> 33)) & _M) * P1 & _M
        p = stripes * 32
        h = (_rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)) & _M
        for v in (v1, v2, v3, v4):
            k = _rotl((v * P2) & _M, 31) * P1 & _M
            h ^= k
            h = (h * P1 + P4) & _M
    else:
        h = (seed + P5) & _M
    h = (h + n) & _M
    while p + 8 <= n:
        (k,) = struct.unpack_from("<Q", data, p)
        k = _rotl((k * P2) & _M, 31) * P1 & _M
        h ^= k
        h = (_rotl(h, 27) * P1 + P4) & _M
        p += 8
    if p + 4 <= n:
        (k,) = struct.unpack_from("<I", data, p)
        h ^= (k * P1) & _M
        h = (_rotl(h, 23) * P2 + P3) & _M
        p += 4
    while p < n:
        h ^= (data[p] * P5) & _M
        h = _rotl(h, 11) * P1 & _M
        p += 1
    h ^= h >> 33
    h = (h * P2) & _M
    h ^= h >> 29
    h = (h * P3) & _M
    h ^= h >> 32
    return h


# ---------------------------------------------------------------- cursor
# "Conventions": little-endian fixed-width integers, varint (LEB128, at
# most 10 bytes, canonical), varint32, svarint (zigzag), str(max).

LIM_NAME = 255
LIM_TAG = 32
LIM_TEXT = 1 << 30
LIM_VALUE = (1 << 32) - 1
LIM_MEMBER = 65535
LIM_MEMBERS = 65535
LIM_COLUMNS = 4096
LIM_HEADER_BODY = 1 << 20
LIM_FOOTER = 1 << 30


class Cur:
    __slots__ = ("d", "p", "end")

    def __init__(self, data, pos=0, end=None):
        self.d = data
        self.p = pos
        self.end = len(data) if end is None else end

    def left(self):
        return self.end - self.p

    def need(self, n, what):
        if self.end - self.p < n:
            raise Truncated("%s: need %d bytes, %d left" % (what, n, self.end - self.p))

    def u8(self, what="u8"):
        if self.p >= self.end:
            raise Truncated(what + ": truncated")
        v = self.d[self.p]
        self.p += 1
        return v

    def u16(self, what="u16"):
        self.need(2, what)
        (v,) = struct.unpack_from("<H", self.d, self.p)
        self.p += 2
        return v

    def u32(self, what="u32"):
        self.need(4, what)
        (v,) = struct.unpack_from("<I", self.d, self.p)
        self.p += 4
        return v

    def u64(self, what="u64"):
        self.need(8, what)
        (v,) = struct.unpack_from("<Q", self.d, self.p)
        self.p += 8
        return v

    def raw(self, n, what="bytes"):
        self.need(n, what)
        v = bytes(self.d[self.p : self.p + n])
        self.p += n
        return v

    def varint(self, what="varint"):
        d = self.d
        p = self.p
        if p < self.end:
            b = d[p]
            if b < 0x80:
                self.p = p + 1
                return b
        r = 0
        for i in range(10):
            if p + i >= self.end:
                raise Truncated(what + ": varint truncated")
            b = d[p + i]
            if i == 9 and b > 1:
                raise FormatError(what + ": varint longer than 64 bits")
            r |= (b & 0x7F) << (7 * i)
            if not b & 0x80:
                if b == 0 and i > 0:
                    raise FormatError(what + ": non-canonical varint")
                self.p = p + i + 1
                return r
        raise FormatError(what + ": varint longer than 10 bytes")

    def varint32(self, what="varint32"):
        v = self.varint(what)
        if v > 0xFFFFFFFF:
            raise FormatError(what + ": value %d does not fit 32 bits" % v)
        return v

    def svarint(self, what="svarint"):
        u = self.varint(what)
        return (u >> 1) ^ -(u & 1)

    def str(self, limit, what="str"):
        n = self.varint(what + " length")
        if n > limit:
            raise FormatError("%s: length %d exceeds %d" % (what, n, limit))
        return self.raw(n, what)


# ---------------------------------------------------------------- text helpers


def lossy(b):
    """Bytes as text: valid UTF-8 kept, each invalid byte -> U+00XX."""
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        pass
    out = []
    i = 0
    n = len(b)
    while i < n:
        c = b[i]
        ln = 0
        if c < 0x80:
            ln = 1
        elif 0xC2 <= c <= 0xDF:
            ln = 2
        elif 0xE0 <= c <= 0xEF:
            ln = 3
        elif 0xF0 <= c <= 0xF4:
            ln = 4
        if ln > 1:
            try:
                out.append(b[i : i + ln].decode("utf-8"))
                i += ln
                continue
            except UnicodeDecodeError:
                pass
        elif ln == 1:
            out.append(chr(c))
            i += 1
            continue
        out.append(chr(c))
        i += 1
    return "".join(out)


def text_or_hex(b):
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return {"hex": b.hex()}


def uuid_text(u):
    h = u.hex()
    return "%s-%s-%s-%s-%s" % (h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])


# ---------------------------------------------------------------- GTID sets
# "GTID set text" and "End position and GTID set".

NONE, MYSQL, MARIADB = 0, 1, 2
_TAG_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}\Z")
_DEC_RE = re.compile(r"[0-9]{1,20}\Z")
_SPACE = " \t\r\n"


def _ascii_lower(s):
    """Tags are compared and printed in lower case (ASCII letters only)."""
    return s.translate(_LOWER)


_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def _dec(s, what):
    if not _DEC_RE.match(s):
        raise FormatError("GTID set: bad number %r in %s" % (s, what))
    v = int(s)
    if v >= 1 << 64:
        raise FormatError("GTID set: number %s too large" % s)
    return v


def _parse_uuid(s):
    if len(s) == 36:
        if s[8] != "-" or s[13] != "-" or s[18] != "-" or s[23] != "-":
            raise FormatError("GTID set: bad uuid %r" % s)
        h = s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
    elif len(s) == 32:
        h = s
    else:
        raise FormatError("GTID set: bad uuid %r" % s)
    if not re.match(r"[0-9A-Fa-f]{32}\Z", h):
        raise FormatError("GTID set: bad uuid %r" % s)
    return bytes.fromhex(h)


class GtidSet:
    def __init__(self):
        self.flavor = NONE
        self.mysql = {}  # (uuid bytes, tag str) -> sorted list of [lo, hi]
        self.maria = {}  # domain -> (server_id, seq)

    def copy(self):
        g = GtidSet()
        g.flavor = self.flavor
        g.mysql = {k: [list(iv) for iv in v] for k, v in self.mysql.items()}
        g.maria = dict(self.maria)
        return g

    def empty(self):
        return not self.mysql and not self.maria

    def _add_interval(self, key, lo, hi):
        ivs = self.mysql.setdefault(key, [])
        ivs.append([lo, hi])
        ivs.sort()
        merged = []
        for a, b in ivs:
            if merged and a <= merged[-1][1] + 1:
                if b > merged[-1][1]:
                    merged[-1][1] = b
            else:
                merged.append([a, b])
        self.mysql[key] = merged

    def add(self, g):
        """Add one GTID (at its transaction's COMMIT)."""
        if g["flavor"] == NONE:
            return
        if self.flavor != NONE and self.flavor != g["flavor"]:
            raise FormatError("GTID flavor differs from the set's")
        if g["flavor"] == MYSQL:
            if g["gno"] == 0:
                raise FormatError("MySQL GTID number 0 cannot be added to the set")
            self._add_interval((g["uuid"], _ascii_lower(g["tag"])), g["gno"], g["gno"])
        else:
            self.maria[g["domain"]] = (g["server_id"], g["seq"])
        self.flavor = g["flavor"]

    @classmethod
    def parse(cls, text):
        s = cls()
        if isinstance(text, bytes):
            try:
                text = text.decode("ascii")
            except UnicodeDecodeError:
                raise FormatError("GTID set text is not ASCII")
        for elem in text.split(","):
            elem = elem.strip(_SPACE)
            if not elem:
                continue
            if ":" in elem:
                if s.flavor == MARIADB:
                    raise FormatError("GTID set mixes MySQL and MariaDB elements")
                parts = elem.split(":")
                uuid = _parse_uuid(parts[0])
                tag = ""
                any_iv = False
                for item in parts[1:]:
                    if item and (item[0].isalpha() or item[0] == "_") and item[0].isascii():
                        if not _TAG_RE.match(item):
                            raise FormatError("GTID set: bad tag %r" % item)
                        tag = _ascii_lower(item)
                        continue
                    if "-" in item:
                        a, b = item.split("-", 1)
                        lo, hi = _dec(a, elem), _dec(b, elem)
                    else:
                        lo = hi = _dec(item, elem)
                    if lo == 0 or hi < lo:
                        raise FormatError("GTID set: bad interval %r" % item)
                    s._add_interval((uuid, tag), lo, hi)
                    any_iv = True
                if not any_iv:
                    raise FormatError("GTID set: element %r has no interval" % elem)
                s.flavor = MYSQL
            else:
                if s.flavor == MYSQL:
                    raise FormatError("GTID set mixes MySQL and MariaDB elements")
                f = elem.split("-")
                if len(f) != 3:
                    raise FormatError("GTID set: bad MariaDB element %r" % elem)
                d, sv, n = _dec(f[0], elem), _dec(f[1], elem), _dec(f[2], elem)
                if d > 0xFFFFFFFF or sv > 0xFFFFFFFF:
                    raise FormatError("GTID set: bad MariaDB element %r" % elem)
                if d in s.maria:
                    raise FormatError("GTID set: domain %d twice" % d)
                s.maria[d] = (sv, n)
                s.flavor = MARIADB
        return s

    def text(self):
        """Canonical text."""
        out = []
        last_uuid = None
        for (uuid, tag) in sorted(self.mysql, key=lambda k: (k[0], k[1].encode("latin-1"))):
            piece = ""
            if uuid != last_uuid:
                if out:
                    out.append(",")
                piece = uuid_text(uuid)
                last_uuid = uuid
            if tag:
                piece += ":" + tag
            for lo, hi in self.mysql[(uuid, tag)]:
                piece += ":%d" % lo if lo == hi else ":%d-%d" % (lo, hi)
            out.append(piece)
        doms = ["%d-%d-%d" % (d, self.maria[d][0], self.maria[d][1]) for d in sorted(self.maria)]
        return "".join(out) + ",".join(doms)

    def __eq__(self, other):
        if self.empty() or other.empty():
            return self.empty() and other.empty()
        return self.flavor == other.flavor and self.mysql == other.mysql and self.maria == other.maria


def gtid_text(g):
    if g["flavor"] == MYSQL:
        t = uuid_text(g["uuid"])
        if g["tag"]:
            t += ":" + g["tag"]
        return "%s:%d" % (t, g["gno"])
    if g["flavor"] == MARIADB:
        return "%d-%d-%d" % (g["domain"], g["server_id"], g["seq"])
    return ""


# ---------------------------------------------------------------- directory
# "The archive directory".

_NAME_OK = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")


def segment_name(seq, start_file, start_offset, part):
    enc = "".join(chr(c) if c in _NAME_OK else "%%%02X" % c for c in start_file)
    return "%010d-%s-%012d.bvseg%s" % (seq, enc, start_offset, ".part" if part else "")


def parse_segment_name(name):
    """(seq, start offset, sealed) or None."""
    part = name.endswith(".part")
    base = name[:-5] if part else name
    if not base.endswith(".bvseg"):
        return None
    base = base[:-6]
    n = len(base)
    if n < 25 or base[10] != "-" or base[n - 13] != "-":
        return None
    if not (base[:10].isdigit() and base[:10].isascii()):
        return None
    if not (base[n - 12 :].isdigit() and base[n - 12 :].isascii()):
        return None
    return int(base[:10]), int(base[n - 12 :]), not part


def list_archive(path):
    try:
        names = os.listdir(path)
    except OSError as e:
        raise FormatError("%s: cannot list archive directory: %s" % (path, e))
    segs = []
    for nm in names:
        if nm == "LOCK":
            continue
        if nm.endswith(".tmp") and parse_segment_name(nm[:-4]) is not None:
            continue  # leftover of an interrupted segment creation: ignored
        p = parse_segment_name(nm)
        if p is None:
            raise FormatError("%s/%s: unexpected entry in archive directory" % (path, nm))
        segs.append((nm.encode("utf-8", "surrogateescape"), nm, p))
    segs.sort()
    out = []
    for i, (_, nm, (seq, off, sealed)) in enumerate(segs):
        if i and seq != out[-1][1] + 1:
            raise FormatError("%s: %s follows %s: sequence numbers must increase by one" % (path, nm, out[-1][0]))
        if not sealed and i != len(segs) - 1:
            raise FormatError("%s/%s: open segment that is not the newest" % (path, nm))
        out.append((nm, seq, off, sealed))
    return out


# ---------------------------------------------------------------- zstd
# "Block payload": exactly one zstd frame, Frame_Content_Size == raw_len,
# compressed size == payload_len, no dictionary.


def check_zstd_frame(p, raw_len):
    c = Cur(p)
    if c.left() < 4 or c.u32() != 0xFD2FB528:
        raise FormatError("payload is not a zstd frame")
    fhd = c.u8("frame header")
    fcs_flag = fhd >> 6
    single = (fhd >> 5) & 1
    if fhd & 0x08:
        raise FormatError("zstd frame header reserved bit set")
    has_checksum = (fhd >> 2) & 1
    did_flag = fhd & 3
    if not single:
        c.u8("window descriptor")
    did_size = (0, 1, 2, 4)[did_flag]
    did = int.from_bytes(c.raw(did_size, "dictionary id"), "little") if did_size else 0
    if did:
        raise FormatError("zstd frame needs a dictionary")
    fcs_size = (1 if single else 0, 2, 4, 8)[fcs_flag]
    if fcs_size == 0:
        raise FormatError("zstd frame has no content size")
    fcs = int.from_bytes(c.raw(fcs_size, "content size"), "little")
    if fcs_size == 2:
        fcs += 256
    if fcs != raw_len:
        raise FormatError("zstd frame content size %d, raw_len %d" % (fcs, raw_len))
    while True:
        bh = int.from_bytes(c.raw(3, "zstd block header"), "little")
        last, btype, bsize = bh & 1, (bh >> 1) & 3, bh >> 3
        if btype == 3:
            raise FormatError("zstd block type reserved")
        c.raw(1 if btype == 1 else bsize, "zstd block")
        if last:
            break
    if has_checksum:
        c.raw(4, "zstd content checksum")
    if c.left() != 0:
        raise FormatError("%d bytes after the zstd frame" % c.left())


def zstd_decompress(frames):
    """Decompress a concatenation of frames with the zstd tool."""
    try:
        r = subprocess.run(["zstd", "-d", "-c", "-q"], input=frames, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, check=False)
    except OSError as e:
        raise SystemExit("bvread: cannot run zstd: %s" % e)
    if r.returncode != 0:
        raise FormatError("zstd: %s" % r.stderr.decode(errors="replace").strip())
    return r.stdout


# ---------------------------------------------------------------- header
# "Segment header".

SEG_MAGIC = b"\x89BVSEG\r\n"
BLOCK_MAGIC = b"BVBK"
FOOTER_MAGIC = b"BVFT"
TRAILER_MAGIC = b"BVSEGEND"


def parse_header(d):
    if len(d) < 16:
        raise Truncated("segment header truncated")
    if d[:8] != SEG_MAGIC:
        raise FormatError("bad magic: not a binvault segment")
    c = Cur(d, 8)
    version, flags, body_len = c.u16(), c.u16(), c.u32()
    if body_len > LIM_HEADER_BODY:
        raise FormatError("header body_len %d too large" % body_len)
    total = 16 + body_len + 8
    if len(d) < total:
        raise Truncated("segment header truncated")
    (stored,) = struct.unpack_from("<Q", d, 16 + body_len)
    if xxh64(d[: 16 + body_len]) != stored:
        raise FormatError("header checksum mismatch")
    if version != 1:
        raise FormatError("format version %d not supported" % version)
    if flags != 0:
        raise FormatError("unknown header flags 0x%04x" % flags)
    c = Cur(d, 16, 16 + body_len)
    h = {}
    h["seq"] = c.varint("seq")
    h["created_us"] = c.varint("created_us")
    h["flavor"] = c.u8("source_flavor")
    h["server_id"] = c.varint32("source_server_id")
    h["server_uuid"] = c.str(LIM_NAME, "source_server_uuid")
    h["server_version"] = c.str(LIM_NAME, "source_server_version")
    h["start_file"] = c.str(LIM_NAME, "start_file")
    h["start_offset"] = c.varint("start_offset")
    h["start_gtid"] = c.str(LIM_TEXT, "start_gtid")
    if c.left():
        raise FormatError("header body has %d extra bytes" % c.left())
    if h["flavor"] > 2:
        raise FormatError("header source_flavor %d" % h["flavor"])
    if not h["start_file"]:
        raise FormatError("header start_file is empty")
    if b"\0" in h["start_file"]:
        raise FormatError("header start_file contains NUL")
    h["len"] = total
    return h


# ---------------------------------------------------------------- block metadata
# "Block metadata".

F_STARTS, F_ENDS, F_SCHEMA = 1, 2, 4
EV_NAMES = {1: "begin", 2: "insert", 3: "update", 4: "delete", 5: "ddl", 6: "commit", 7: "rotate", 8: "note"}


def parse_meta(c):
    m = {}
    m["flags"] = c.varint32("meta flags")
    m["events"] = c.varint32("meta events")
    m["schemas"] = c.varint32("meta schemas")
    m["first_index"] = c.varint("meta first_index")
    m["min_ts"] = c.varint("meta min_ts")
    m["max_ts"] = c.varint("meta max_ts")
    m["first_file"] = c.str(LIM_NAME, "meta first_file")
    m["first_offset"] = c.varint("meta first_offset")
    m["first_row"] = c.varint32("meta first_row")
    m["last_file"] = c.str(LIM_NAME, "meta last_file")
    m["last_offset"] = c.varint("meta last_offset")
    m["last_row"] = c.varint32("meta last_row")
    m["counts"] = [c.varint("meta count") for _ in range(8)]
    if m["flags"] & ~7:
        raise FormatError("block flags 0x%x has unknown bits" % m["flags"])
    if sum(m["counts"]) != m["events"]:
        raise FormatError("block counts do not add up to events")
    if m["min_ts"] > m["max_ts"]:
        raise FormatError("block min_ts > max_ts")
    if not m["first_file"] or not m["last_file"]:
        raise FormatError("block first/last file empty")
    if m["events"] == 0 and m["schemas"] == 0:
        raise FormatError("block has neither events nor schemas")
    if bool(m["flags"] & F_SCHEMA) != (m["schemas"] > 0):
        raise FormatError("HAS_SCHEMA flag disagrees with the schema count")
    return m


def parse_block(d, at, avail_end):
    """Check a block at d[at:] (rules 1-4 of "A block is valid iff").
    Returns (length, meta, payload bytes, raw_len)."""
    if avail_end - at < 16:
        raise Truncated("block header truncated")
    if d[at : at + 4] != BLOCK_MAGIC:
        raise FormatError("bad block magic")
    codec, reserved, meta_len, payload_len, raw_len = struct.unpack_from("<BBHII", d, at + 4)
    length = 16 + meta_len + payload_len + 8
    if length > avail_end - at:
        raise Truncated("block length %d exceeds the %d bytes available" % (length, avail_end - at))
    body = 16 + meta_len + payload_len
    (stored,) = struct.unpack_from("<Q", d, at + body)
    if xxh64(d[at : at + body]) != stored:
        raise FormatError("block checksum mismatch")
    if codec != 1 or reserved != 0:
        raise FormatError("unknown block codec %d / reserved byte %d" % (codec, reserved))
    c = Cur(d, at + 16, at + 16 + meta_len)
    meta = parse_meta(c)
    if c.left():
        raise FormatError("block metadata has %d extra bytes" % c.left())
    payload = bytes(d[at + 16 + meta_len : at + body])
    return length, meta, payload, raw_len, payload_len


# ---------------------------------------------------------------- footer, trailer
# "Footer", "Trailer".


def parse_footer(d, hlen, size):
    if size < hlen + 40:
        raise Truncated("sealed segment too short for a trailer")
    t = size - 40
    foff, flen, fsum = struct.unpack_from("<QQQ", d, t)
    if d[t + 24 : t + 32] != TRAILER_MAGIC:
        raise Truncated("no trailer at the end of a sealed segment")
    (tsum,) = struct.unpack_from("<Q", d, t + 32)
    if xxh64(d[t : t + 32]) != tsum:
        raise FormatError("trailer checksum mismatch")
    if flen > LIM_FOOTER or foff < hlen or foff > t or t - foff != flen:
        raise FormatError("trailer locates the footer at %d+%d, outside the file" % (foff, flen))
    if xxh64(d[foff : foff + flen]) != fsum:
        raise FormatError("footer checksum mismatch")
    c = Cur(d, foff, foff + flen)
    if c.raw(4, "footer magic") != FOOTER_MAGIC:
        raise FormatError("bad footer magic")
    f = {"off": foff, "len": flen}
    nblocks = c.varint32("footer nblocks")
    if nblocks > c.left() // 20 + 1:
        raise FormatError("footer nblocks %d too large" % nblocks)
    entries = []
    for _ in range(nblocks):
        e = {}
        e["offset"] = c.varint("entry offset")
        e["length"] = c.varint("entry length")
        e["payload_len"] = c.varint32("entry payload_len")
        e["raw_len"] = c.varint32("entry raw_len")
        e["meta"] = parse_meta(c)
        entries.append(e)
    f["blocks"] = entries
    f["end_file"] = c.str(LIM_NAME, "footer end_file")
    f["end_offset"] = c.varint("footer end_offset")
    f["end_gtid"] = c.str(LIM_TEXT, "footer end_gtid")
    f["events"] = c.varint("footer events")
    f["counts"] = [c.varint("footer count") for _ in range(8)]
    f["raw_bytes"] = c.varint("footer raw_bytes")
    f["min_ts"] = c.varint("footer min_ts")
    f["max_ts"] = c.varint("footer max_ts")
    if c.left():
        raise FormatError("footer has %d extra bytes" % c.left())
    if sum(f["counts"]) != f["events"]:
        raise FormatError("footer counts do not add up to events")
    if sum(e["meta"]["events"] for e in entries) != f["events"]:
        raise FormatError("footer block events do not add up to events")
    if sum(e["raw_len"] for e in entries) != f["raw_bytes"]:
        raise FormatError("footer raw_len values do not add up to raw_bytes")
    if not f["end_file"]:
        raise FormatError("footer end_file is empty")
    at = hlen
    for i, e in enumerate(entries):
        if e["offset"] != at or e["length"] < 24 or e["length"] > foff - at:
            raise FormatError("footer entry %d does not match the layout" % i)
        at += e["length"]
    if at != foff:
        raise FormatError("%d bytes between the last block and the footer" % (foff - at))
    return f


# ---------------------------------------------------------------- values
# "Values".

KIND_NAMES = ["null", "absent", "int", "uint", "float", "double", "decimal", "date", "time", "datetime",
              "timestamp", "year", "string", "bytes", "json", "bit", "enum", "set", "geometry", "vector", "json_diff"]
_DECIMAL_RE = re.compile(rb"-?(0|[1-9][0-9]*)(\.[0-9]+)?\Z")
_EPOCH_MAX = 253402300799  # 9999-12-31 23:59:59


def _float_norm(x):
    if x != x:
        return "nan"
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    return x


def read_value(c):
    """(kind, normalised value)."""
    kind = c.u8("value kind")
    if kind == 0 or kind == 1:
        return kind, None
    if kind == 2:
        return kind, c.svarint("int value")
    if kind in (3, 15, 17):
        return kind, c.varint("value")
    if kind == 11:
        v = c.varint("year")
        if v > 9999:
            raise FormatError("YEAR %d out of range" % v)
        return kind, v
    if kind == 16:
        v = c.varint("enum")
        if v > LIM_MEMBERS:
            raise FormatError("ENUM index %d out of range" % v)
        return kind, v
    if kind == 4:
        (v,) = struct.unpack("<f", c.raw(4, "float"))
        return kind, _float_norm(v)
    if kind == 5:
        (v,) = struct.unpack("<d", c.raw(8, "double"))
        return kind, _float_norm(v)
    if kind in (7, 9):
        y = c.varint32("year")
        mo = c.u8("month")
        dd = c.u8("day")
        if y > 9999 or mo > 12 or dd > 31:
            raise FormatError("date %d-%d-%d out of range" % (y, mo, dd))
        if kind == 7:
            return kind, "%04d-%02d-%02d" % (y, mo, dd)
        hh, mi, ss = c.u8("hour"), c.u8("minute"), c.u8("second")
        us = c.varint32("usec")
        if hh > 23 or mi > 59 or ss > 59 or us > 999999:
            raise FormatError("datetime time part out of range")
        return kind, "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (y, mo, dd, hh, mi, ss, us)
    if kind == 8:
        neg = c.u8("negative")
        hh = c.varint32("hour")
        mi, ss = c.u8("minute"), c.u8("second")
        us = c.varint32("usec")
        if neg > 1 or hh > 9999 or mi > 59 or ss > 59 or us > 999999:
            raise FormatError("time out of range")
        return kind, "%s%02d:%02d:%02d.%06d" % ("-" if neg else "", hh, mi, ss, us)
    if kind == 10:
        sec = c.varint("timestamp seconds")
        us = c.varint32("timestamp usec")
        if us > 999999:
            raise FormatError("timestamp usec out of range")
        if sec > _EPOCH_MAX:
            return kind, "@%d.%06d" % (sec, us)
        return kind, time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(sec)) + ".%06d" % us
    if 6 <= kind <= 20:  # string-like: 6, 12, 13, 14, 18, 19, 20
        b = c.str(LIM_VALUE, KIND_NAMES[kind] + " value")
        if kind == 6:
            if len(b) > 128 or not _DECIMAL_RE.match(b):
                raise FormatError("bad DECIMAL text %r" % b[:40])
            return kind, b.decode("ascii")
        if kind == 18 and len(b) < 4:
            raise FormatError("GEOMETRY shorter than its SRID")
        if kind == 19 and len(b) % 4:
            raise FormatError("VECTOR length not a multiple of 4")
        if kind in (12, 14, 20):
            return kind, text_or_hex(b)
        return kind, b.hex()
    raise FormatError("unknown value kind %d" % kind)


# ---------------------------------------------------------------- schemas
# "Schema body".


def read_schema(c):
    start = c.p
    s = {}
    s["database"] = c.str(LIM_NAME, "schema database")
    s["table"] = c.str(LIM_NAME, "schema table")
    s["source"] = c.u8("schema source")
    ncols = c.varint32("schema ncols")
    if s["source"] > 2 or ncols > LIM_COLUMNS:
        raise FormatError("schema source %d / %d columns" % (s["source"], ncols))
    cols = []
    for _ in range(ncols):
        col = {}
        col["name"] = c.str(LIM_NAME, "column name")
        col["type"] = c.u8("column type")
        col["real_type"] = c.u8("column real_type")
        col["flags"] = c.varint32("column flags")
        col["meta"] = c.varint32("column meta")
        col["precision"] = c.varint32("column precision")
        col["scale"] = c.varint32("column scale")
        col["charset"] = c.varint32("column charset")
        col["geometry_type"] = c.varint32("column geometry_type")
        col["vector_dims"] = c.varint32("column vector_dims")
        nm = c.varint32("column nmembers")
        if col["flags"] & ~0x1F or col["precision"] > 0xFFFF or col["scale"] > 0xFFFF or nm > LIM_MEMBERS:
            raise FormatError("column field out of range")
        col["members"] = [c.str(LIM_MEMBER, "member") for _ in range(nm)]
        col["type_name"] = c.str(LIM_NAME, "column type_name")
        cols.append(col)
    s["columns"] = cols
    npk = c.varint32("schema npk")
    if npk > ncols:
        raise FormatError("schema has more key parts than columns")
    pk = []
    for _ in range(npk):
        col = c.varint32("pk column")
        prefix = c.varint32("pk prefix")
        if col >= ncols:
            raise FormatError("pk column %d out of range" % col)
        pk.append((col, prefix))
    s["pk"] = pk
    in_pk = {k for k, _ in pk}
    for i, col in enumerate(cols):
        if bool(col["flags"] & 4) != (i in in_pk):
            raise FormatError("PRIMARY_KEY flag of column %d disagrees with the key list" % i)
    # canonical encoding: varints were checked canonical while reading, and
    # every field was read with its own length, so re-encoding gives back
    # exactly these bytes.
    s["body"] = bytes(c.d[start : c.p])
    return s


def schema_json(seq, sid, s):
    return {
        "type": "schema", "segment": seq, "id": sid,
        "database": lossy(s["database"]), "table": lossy(s["table"]), "source": s["source"],
        "columns": [{
            "name": lossy(col["name"]), "type": col["type"], "real_type": col["real_type"],
            "flags": col["flags"], "meta": col["meta"], "precision": col["precision"],
            "scale": col["scale"], "charset": col["charset"], "geometry_type": col["geometry_type"],
            "vector_dims": col["vector_dims"], "members": [lossy(m) for m in col["members"]],
            "type_name": lossy(col["type_name"]),
        } for col in s["columns"]],
        "pk": [list(p) for p in s["pk"]],
    }


# ---------------------------------------------------------------- records
# "Records".

COMMIT_KINDS = ["xid", "commit", "rollback", "implicit"]


def read_gtid(c):
    flavor = c.u8("gtid flavor")
    g = {"flavor": flavor}
    if flavor == MYSQL:
        g["uuid"] = c.raw(16, "gtid uuid")
        tag = c.str(LIM_TAG, "gtid tag")
        if b"\0" in tag:
            raise FormatError("GTID tag contains NUL")
        g["tag"] = tag.decode("latin-1")
        g["gno"] = c.varint("gtid gno")
    elif flavor == MARIADB:
        g["domain"] = c.varint32("gtid domain")
        g["server_id"] = c.varint32("gtid server_id")
        g["seq"] = c.varint("gtid seq")
    elif flavor != NONE:
        raise FormatError("unknown GTID flavor %d" % flavor)
    return g


def read_record(c, schemas):
    """Returns ("schema", schema) or ("event", event dict)."""
    t = c.u8("record type")
    if t == 9:
        sid = c.varint32("schema id")
        s = read_schema(c)
        if sid != len(schemas):
            raise FormatError("schema record id %d out of sequence (expected %d)" % (sid, len(schemas)))
        schemas.append(s)
        return "schema", (sid, s)
    if t < 1 or t > 8:
        raise FormatError("unknown record type %d" % t)
    ev = {"t": t, "row": 0}
    if t == 1:
        ev["offset"] = c.varint("offset")
        ev["ts_us"] = c.varint("ts_us")
        ev["server_id"] = c.varint32("server_id")
        ev["thread_id"] = c.varint("thread_id")
        ev["flags"] = c.varint32("flags")
        ev["gtid"] = read_gtid(c)
    elif t <= 4:
        ev["offset"] = c.varint("offset")
        ev["row"] = c.varint32("row")
        ev["ts_us"] = c.varint("ts_us")
        sid = c.varint32("schema_id")
        ncols = c.varint32("ncols")
        if sid >= len(schemas):
            raise FormatError("row refers to schema %d, not defined before it" % sid)
        if ncols != len(schemas[sid]["columns"]):
            raise FormatError("row has %d columns, schema %d has %d" % (ncols, sid, len(schemas[sid]["columns"])))
        ev["sid"] = sid
        if t != 2:
            ev["before"] = [read_value(c) for _ in range(ncols)]
        if t != 4:
            ev["after"] = [read_value(c) for _ in range(ncols)]
    elif t == 5:
        ev["offset"] = c.varint("offset")
        ev["ts_us"] = c.varint("ts_us")
        ev["database"] = c.str(LIM_NAME, "ddl database")
        ev["sql"] = c.str(LIM_TEXT, "ddl sql")
    elif t == 6:
        ev["offset"] = c.varint("offset")
        ev["end_offset"] = c.varint("end_offset")
        ev["ts_us"] = c.varint("ts_us")
        ev["kind"] = c.u8("commit_kind")
        ev["xid"] = c.varint("xid")
        if ev["kind"] > 3:
            raise FormatError("commit_kind %d" % ev["kind"])
        if ev["end_offset"] < ev["offset"]:
            raise FormatError("commit end_offset before its offset")
    elif t == 7:
        ev["offset"] = c.varint("offset")
        ev["ts_us"] = c.varint("ts_us")
        ev["new_file"] = c.str(LIM_NAME, "rotate new_file")
        ev["end_offset"] = c.varint("end_offset")
        if not ev["new_file"] or b"\0" in ev["new_file"]:
            raise FormatError("rotate new_file empty or with NUL")
    else:
        ev["offset"] = c.varint("offset")
        ev["ts_us"] = c.varint("ts_us")
        ev["level"] = c.u8("note level")
        ev["text"] = c.str(LIM_TEXT, "note text")
        if ev["level"] > 1:
            raise FormatError("note level %d" % ev["level"])
    return "event", ev


# ---------------------------------------------------------------- stream state
# "Stream rules", "End position and GTID set".


class Walk:
    def __init__(self, file, offset, gtid_text_):
        self.file = file
        self.end_offset = offset
        self.last_offset = offset
        self.gtid = GtidSet.parse(gtid_text_)
        self.in_txn = False
        self.txn = None  # BEGIN event of the open transaction
        self.events = 0
        self.counts = [0] * 8
        self.min_ts = self.max_ts = 0

    def snapshot(self):
        w = Walk.__new__(Walk)
        w.__dict__.update(self.__dict__)
        w.gtid = self.gtid.copy()
        w.counts = list(self.counts)
        return w

    def event(self, ev):
        t = ev["t"]
        if ev["offset"] < self.last_offset:
            raise FormatError("%s at offset %d goes back before offset %d" % (EV_NAMES[t], ev["offset"], self.last_offset))
        if t == 1:
            if self.in_txn:
                raise FormatError("begin inside an open transaction")
            fl = ev["gtid"]["flavor"]
            if fl != NONE and not self.gtid.empty() and self.gtid.flavor != fl:
                raise FormatError("begin: GTID flavor differs from the stream's")
        elif t in (2, 3, 4, 5):
            if not self.in_txn:
                raise FormatError("%s outside a transaction" % EV_NAMES[t])
        elif t == 6:
            if not self.in_txn:
                raise FormatError("commit without a begin")
        elif t == 7:
            if self.in_txn:
                raise FormatError("rotate inside a transaction")
        # apply
        if t == 6:
            self.gtid.add(self.txn["gtid"])
        self.last_offset = ev["offset"]
        if t == 1:
            self.in_txn = True
            self.txn = ev
        elif t == 6:
            self.in_txn = False
            self.txn = None
            self.end_offset = ev["end_offset"]
            self.last_offset = ev["end_offset"]
        elif t == 7:
            self.file = ev["new_file"]
            self.end_offset = ev["end_offset"]
            self.last_offset = ev["end_offset"]
        if self.events == 0 or ev["ts_us"] < self.min_ts:
            self.min_ts = ev["ts_us"]
        if self.events == 0 or ev["ts_us"] > self.max_ts:
            self.max_ts = ev["ts_us"]
        self.events += 1
        self.counts[t - 1] += 1


# ---------------------------------------------------------------- output


def event_json(ev, file, seq, schemas, ctx):
    t = ev["t"]
    o = {"type": EV_NAMES[t], "file": lossy(file), "offset": ev["offset"]}
    if 2 <= t <= 4:
        o["row"] = ev["row"]
    o["ts_us"] = ev["ts_us"]
    if t in (1, 2, 3, 4, 5, 6) and ctx is not None and ctx["gtid"]["flavor"] != NONE:
        o["gtid"] = gtid_text(ctx["gtid"])
    if t == 1:
        o["server_id"] = ev["server_id"]
        o["thread_id"] = ev["thread_id"]
        o["flags"] = ev["flags"]
    elif t <= 4:
        s = schemas[ev["sid"]]
        o["database"] = lossy(s["database"])
        o["table"] = lossy(s["table"])
        o["schema"] = [seq, ev["sid"]]
        kinds = {}
        for img in ("before", "after"):
            if img not in ev:
                continue
            vals = {}
            ks = {}
            for col, (k, v) in zip(s["columns"], ev[img]):
                name = lossy(col["name"])
                ks[name] = KIND_NAMES[k]
                if k != 1:
                    vals[name] = v
            o[img] = vals
            kinds[img] = ks
        o["kinds"] = kinds
    elif t == 5:
        o["database"] = lossy(ev["database"])
        o["sql"] = lossy(ev["sql"])
    elif t == 6:
        o["kind"] = COMMIT_KINDS[ev["kind"]]
        o["xid"] = ev["xid"]
        o["end_offset"] = ev["end_offset"]
    elif t == 7:
        o["new_file"] = lossy(ev["new_file"])
        o["end_offset"] = ev["end_offset"]
    else:
        o["level"] = "warning" if ev["level"] else "info"
        o["text"] = lossy(ev["text"])
    return o


# ---------------------------------------------------------------- segments


class Reader:
    def __init__(self, path, out, want_schemas, seg_out):
        self.path = path
        self.out = out
        self.want_schemas = want_schemas
        self.seg_out = seg_out
        self.nevents = 0

    def fail(self, seg, at, msg):
        raise FormatError("%s/%s: offset %s: %s" % (self.path, seg, at, msg))

    def run(self):
        segs = list_archive(self.path)
        prev = None  # Walk at the end of the previous segment
        for name, seq, off, sealed in segs:
            prev = self.segment(name, seq, sealed, prev)

    def segment(self, name, seq, sealed, prev):
        try:
            with open(os.path.join(self.path, name), "rb") as fh:
                d = fh.read()
        except OSError as e:
            self.fail(name, 0, "cannot read: %s" % e)
        size = len(d)
        try:
            h = parse_header(d)
        except FormatError as e:
            self.fail(name, 0, "header: %s" % e)
        hlen = h["len"]
        if segment_name(h["seq"], h["start_file"], h["start_offset"], not sealed) != name:
            self.fail(name, 0, "file name does not match the header")
        try:
            walk = Walk(h["start_file"], h["start_offset"], h["start_gtid"])
        except FormatError as e:
            self.fail(name, 0, "header start GTID set: %s" % e)
        if prev is not None:
            if (h["start_file"] != prev.file or h["start_offset"] != prev.end_offset
                    or not (walk.gtid == prev.gtid)):
                self.fail(name, 0, "starts at %s:%d but the previous segment ends at %s:%d (or GTID sets differ)"
                          % (lossy(h["start_file"]), h["start_offset"], lossy(prev.file), prev.end_offset))
        # locate the blocks
        footer = None
        blocks = []  # (offset, length, meta, payload, raw_len, payload_len)
        if sealed:
            try:
                footer = parse_footer(d, hlen, size)
            except FormatError as e:
                self.fail(name, size - 40, "footer/trailer: %s" % e)
            for i, e in enumerate(footer["blocks"]):
                try:
                    length, meta, payload, raw_len, payload_len = parse_block(d, e["offset"], e["offset"] + e["length"])
                except FormatError as ex:
                    self.fail(name, e["offset"], "block %d: %s" % (i, ex))
                if (length != e["length"] or payload_len != e["payload_len"] or raw_len != e["raw_len"]
                        or meta != e["meta"]):
                    self.fail(name, e["offset"], "block %d does not match its index entry" % i)
                blocks.append((e["offset"], length, meta, payload, raw_len))
            valid_end = footer["off"]
        else:
            at = hlen
            while True:
                try:
                    length, meta, payload, raw_len, payload_len = parse_block(d, at, size)
                except FormatError:
                    break  # torn tail (or damage indistinguishable from it)
                blocks.append((at, length, meta, payload, raw_len))
                at += length
            valid_end = at
        # decompress: every frame checked, then all at once
        for i, (at, length, meta, payload, raw_len) in enumerate(blocks):
            try:
                check_zstd_frame(payload, raw_len)
            except FormatError as e:
                self.fail(name, at, "block %d payload: %s" % (i, e))
        raws = []
        if blocks:
            try:
                allraw = zstd_decompress(b"".join(b[3] for b in blocks))
                if len(allraw) != sum(b[4] for b in blocks):
                    raise FormatError("decompressed size differs from the sum of raw_len")
            except FormatError as e:
                self.fail(name, blocks[0][0], "payloads: %s" % e)
            p = 0
            for b in blocks:
                raws.append(memoryview(allraw)[p : p + b[4]])
                p += b[4]
        # decode every block
        schemas = []
        index = 0
        boundary = walk.snapshot()
        lines = []
        for i, (at, length, meta, payload, raw_len) in enumerate(blocks):
            got = {"flags": F_STARTS if walk.in_txn else 0, "events": 0, "schemas": 0, "first_index": index,
                   "min_ts": 0, "max_ts": 0, "first_file": b"", "first_offset": 0, "first_row": 0,
                   "last_file": b"", "last_offset": 0, "last_row": 0, "counts": [0] * 8}
            c = Cur(raws[i])
            while c.left():
                rec_at = c.p
                try:
                    kind, r = read_record(c, schemas)
                except FormatError as e:
                    self.fail(name, at, "block %d, payload byte %d: %s" % (i, rec_at, e))
                if kind == "schema":
                    got["schemas"] += 1
                    if self.want_schemas:
                        lines.append(schema_json(seq, r[0], r[1]))
                    continue
                ev = r
                file = walk.file
                if got["events"] == 0:
                    got["first_file"] = file
                    got["first_offset"] = ev["offset"]
                    got["first_row"] = ev["row"]
                if got["events"] == 0 or ev["ts_us"] < got["min_ts"]:
                    got["min_ts"] = ev["ts_us"]
                if got["events"] == 0 or ev["ts_us"] > got["max_ts"]:
                    got["max_ts"] = ev["ts_us"]
                got["last_file"] = file
                got["last_offset"] = ev["offset"]
                got["last_row"] = ev["row"]
                got["events"] += 1
                got["counts"][ev["t"] - 1] += 1
                ctx = ev if ev["t"] == 1 else walk.txn
                try:
                    walk.event(ev)
                except FormatError as e:
                    self.fail(name, at, "block %d, payload byte %d: %s" % (i, rec_at, e))
                lines.append(event_json(ev, file, seq, schemas, ctx))
                if not walk.in_txn:
                    boundary = walk.snapshot()
            if walk.in_txn:
                got["flags"] |= F_ENDS
            if got["schemas"]:
                got["flags"] |= F_SCHEMA
            if got != meta:
                diff = sorted(k for k in got if got[k] != meta[k])
                self.fail(name, at, "block %d: metadata does not describe its records (%s)" % (i, ", ".join(diff)))
            index += got["events"]
            self.emit(lines)
            lines = []
        if sealed:
            if blocks and blocks[0][2]["flags"] & F_STARTS:
                self.fail(name, blocks[0][0], "sealed segment does not start at a transaction")
            if walk.in_txn:
                self.fail(name, valid_end, "sealed segment ends inside a transaction")
            if footer["end_file"] != walk.file or footer["end_offset"] != walk.end_offset:
                self.fail(name, valid_end, "footer end position %s:%d, events end at %s:%d"
                          % (lossy(footer["end_file"]), footer["end_offset"], lossy(walk.file), walk.end_offset))
            try:
                fg = GtidSet.parse(footer["end_gtid"])
            except FormatError as e:
                self.fail(name, valid_end, "footer end GTID set: %s" % e)
            if not (fg == walk.gtid):
                self.fail(name, valid_end, "footer end GTID set differs from the events'")
            if (footer["events"] != walk.events or footer["counts"] != walk.counts
                    or (walk.events and (footer["min_ts"] != walk.min_ts or footer["max_ts"] != walk.max_ts))):
                self.fail(name, valid_end, "footer totals do not match the blocks")
        if self.seg_out is not None:
            end = walk if sealed else boundary
            self.seg_out.write(json.dumps({
                "segment": name, "state": "sealed" if sealed else "open", "seq": h["seq"],
                "start": "%s:%d" % (lossy(h["start_file"]), h["start_offset"]),
                "end": "%s:%d" % (lossy(end.file), end.end_offset),
                "events": walk.events, "blocks": len(blocks), "bytes": size,
                "raw_bytes": sum(b[4] for b in blocks), "torn_bytes": 0 if sealed else size - valid_end,
                "start_gtid": lossy(h["start_gtid"]),
                "end_gtid": lossy(footer["end_gtid"]) if sealed else end.gtid.text(),
            }) + "\n")
        return walk

    def emit(self, lines):
        w = self.out.write
        for o in lines:
            if o["type"] != "schema":
                self.nevents += 1
            w(json.dumps(o, ensure_ascii=False, separators=(",", ":")) + "\n")


def main(argv):
    args = argv[1:]
    want_schemas = False
    seg_path = None
    quiet = False
    rest = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--schemas":
            want_schemas = True
        elif a == "--quiet":
            quiet = True
        elif a == "--segments" and i + 1 < len(args):
            seg_path = args[i + 1]
            i += 1
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        elif a.startswith("-"):
            print("bvread: unknown option %s" % a, file=sys.stderr)
            return 2
        else:
            rest.append(a)
        i += 1
    if len(rest) != 1:
        print("usage: bvread.py [--schemas] [--segments FILE] [--quiet] DIR", file=sys.stderr)
        return 2
    out = open(os.devnull, "w") if quiet else sys.stdout
    seg_out = open(seg_path, "w") if seg_path else None
    r = Reader(rest[0], out, want_schemas, seg_out)
    try:
        r.run()
    except FormatError as e:
        out.flush()
        print("bvread: %s" % e, file=sys.stderr)
        return 1
    finally:
        if seg_out:
            seg_out.close()
    out.flush()
    print("bvread: %s: %d events, archive valid" % (rest[0], r.nevents), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
