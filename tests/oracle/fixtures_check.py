#!/usr/bin/env python3
"""fixtures_check.py - expectations for the real binlog fixtures, computed
without binvault, and the comparisons of binvault's output against them.

Python 3 standard library only (plus the `zstd` command-line tool to open
TRANSACTION_PAYLOAD events). Used by tests/sh/test_fixtures.sh.

    fixtures_check.py list FIXDIR
        one line per binary binlog: CLASS TAB RELPATH, CLASS = valid | damaged | gz
    fixtures_check.py scan FILE
        what an independent scanner finds in one binlog (JSON, for debugging)
    fixtures_check.py synth FIXDIR OUT.binlog OUT.expect.json
        a binlog assembled from msmp's Erlang-term vectors (jsonb.terms and
        binlog-gtid-log.terms), with the expected values
    fixtures_check.py check FIXDIR WORKDIR
        every content check; WORKDIR/index has one line per imported file:
        CLASS TAB RELPATH TAB ID TAB EXIT, and WORKDIR/ID.{cat,ls,err,out}
        hold binvault's outputs. Prints "ok DESCRIPTION" / "not ok
        DESCRIPTION" lines (with "# detail" lines after failures).

Sources of every expected value are named next to it: the fixtures'
MANIFEST.md, the reference files shipped with the fixtures (mysqlbinlog -vv
outputs, SQL scripts, Erlang terms), and the upstream tests that own the
files (go-mysql replication/row_event_test.go, rust_mysql_common
src/binlog/mod.rs). None is taken from binvault's output.
"""

import base64
import datetime
import gzip
import json
import os
import re
import struct
import subprocess
import sys
from decimal import Decimal

MAGIC = b"\xfebin"

# Known-damaged or non-decodable files, with the offsets at which a correct
# decoder may stop (the file's damage; for the pre-GA 5.2 tree files also the
# FORMAT_DESCRIPTION event that announces the non-standard numbering).
DAMAGED = {
    # magic + 10 of 19 header bytes (MANIFEST "Negative tests")
    "rust_mysql_common/binlog_truncated_event.000001": (4,),
    # FDE then 9 bytes of a PREVIOUS_GTIDS header (MANIFEST "Negative tests")
    "rust_mysql_common/binlog_truncated_prev_gtid_event.000001": (120,),
    # QUERY of size 171 whose status_vars_len exceeds its body (MANIFEST;
    # rust_mysql_common binlog_event_roundtrip skips it as UnexpectedEof)
    "rust_mysql_common/corrupt-relay-bin.000624": (91204,),
    # "broken XID event of size 0x26" (rust_mysql_common test; notes section 11)
    "rust_mysql_common/ver_5_1-wl2325_r.001": (4, 428),
    # same pre-GA 5.2 tree: type 20 at 411 is its XID, standard numbering reads
    # it as a PRE_GA_WRITE_ROWS event nobody can decode (notes section 11)
    "rust_mysql_common/ver_5_1-wl2325_s.001": (4, 411),
}

REF_SUFFIXES = (".md", ".sql", ".json", ".terms")


# ====================================================================== scanner

def packed(b, p):
    c = b[p]
    if c < 251:
        return c, p + 1
    if c == 252:
        return b[p + 1] | b[p + 2] << 8, p + 3
    if c == 253:
        return int.from_bytes(b[p + 1:p + 4], "little"), p + 4
    if c == 254:
        return int.from_bytes(b[p + 1:p + 9], "little"), p + 9
    raise ValueError("bad packed integer 0x%02x" % c)


def uuid_text(u):
    h = u.hex()
    return "%s-%s-%s-%s-%s" % (h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])


def version_tuple(sv):
    """strtoul-style X.Y.Z split, as the server does (0.0.0 if unparsable)."""
    m = re.match(r"(\d+)\.(\d+)\.(\d+)", sv)
    return tuple(int(x) for x in m.groups()) if m else (0, 0, 0)


DIG2BYTES = (0, 1, 1, 2, 2, 3, 3, 4, 4, 4)


def decimal_size(prec, scale):
    intg = prec - scale
    return (intg // 9) * 4 + DIG2BYTES[intg % 9] + (scale // 9) * 4 + DIG2BYTES[scale % 9]


def ser_varlen(b, p):
    """mysql::serialization variable-length unsigned integer."""
    b0 = b[p]
    n = 1
    while n < 9 and (b0 >> (n - 1)) & 1:
        n += 1
    if n == 9:
        return int.from_bytes(b[p + 1:p + 9], "little"), p + 9
    rest = int.from_bytes(b[p + 1:p + n], "little") if n > 1 else 0
    return (b0 >> n) | (rest << (8 - n)), p + n


class Damage(Exception):
    def __init__(self, offset, why):
        Exception.__init__(self, "offset %d: %s" % (offset, why))
        self.offset = offset
        self.why = why


class Table:
    def __init__(self, db, name, types, meta, nullable):
        self.db, self.name, self.types, self.meta, self.nullable = db, name, types, meta, nullable


def parse_table_map(body, idlen):
    p = idlen + 2
    dblen = body[p]
    db = body[p + 1:p + 1 + dblen].decode("utf-8", "replace")
    p += 1 + dblen + 1
    tlen = body[p]
    name = body[p + 1:p + 1 + tlen].decode("utf-8", "replace")
    p += 1 + tlen + 1
    n, p = packed(body, p)
    types = list(body[p:p + n])
    p += n
    meta = []
    if p < len(body):
        mlen, p = packed(body, p)
        q = p
        for t in types:
            if t in (4, 5, 252, 245, 255, 242, 17, 18, 19):
                meta.append(body[q])
                q += 1
            elif t in (15, 253, 16):
                meta.append(body[q] | body[q + 1] << 8)
                q += 2
            elif t in (246, 254, 247, 248):
                meta.append(body[q] << 8 | body[q + 1])  # byte0 first (STRING) / prec, scale
                q += 2
            else:
                meta.append(0)
        p += mlen
    else:
        meta = [0] * n
    nb = body[p:p + (n + 7) // 8]
    nullable = [bool(nb[i // 8] >> (i % 8) & 1) for i in range(n)] if len(nb) == (n + 7) // 8 else [True] * n
    return int.from_bytes(body[:idlen], "little"), Table(db, name, types, meta, nullable)


def string_real(meta):
    if meta < 256:
        return 254, meta
    b0, b1 = meta >> 8, meta & 0xFF
    if (b0 & 0x30) != 0x30:
        return b0 | 0x30, b1 | (((b0 & 0x30) ^ 0x30) << 4)
    return b0, b1


def value_size(b, p, t, meta):
    """Bytes taken by one value of binlog type t at b[p:]."""
    fixed = {1: 1, 2: 2, 3: 4, 8: 8, 9: 3, 4: 4, 5: 8, 13: 1, 10: 3, 11: 3, 12: 8, 7: 4, 6: 0}
    if t in fixed:
        return fixed[t]
    if t in (15, 253):
        return (1 + b[p]) if meta < 256 else (2 + (b[p] | b[p + 1] << 8))
    if t == 16:
        return (meta >> 8) + (1 if meta & 0xFF else 0)
    if t == 246:
        return decimal_size(meta >> 8, meta & 0xFF)
    if t in (254, 247, 248):
        real, ln = string_real(meta)
        if real in (247, 248):
            return ln
        return (1 + b[p]) if ln < 256 else (2 + (b[p] | b[p + 1] << 8))
    if t in (252, 245, 255, 242):
        return meta + int.from_bytes(b[p:p + meta], "little")
    if t == 17:
        return 4 + (meta + 1) // 2
    if t == 18:
        return 5 + (meta + 1) // 2
    if t == 19:
        return 3 + (meta + 1) // 2
    raise ValueError("type %d has no known size" % t)


def image_size(b, p, table, present, width):
    cols = [i for i in range(width) if present[i // 8] >> (i % 8) & 1]
    nb = (len(cols) + 7) // 8
    nulls = b[p:p + nb]
    q = p + nb
    for k, i in enumerate(cols):
        if nulls[k // 8] >> (k % 8) & 1:
            continue
        q += value_size(b, q, table.types[i], table.meta[i])
    if q > len(b):
        raise ValueError("row image runs past the event")
    return q


ROWS_KIND = {23: "insert", 30: "insert", 24: "update", 31: "update", 39: "update", 25: "delete", 32: "delete"}


def count_rows(body, ev_type, ph, tables, offset):
    idlen = 4 if ph == 6 else 6
    tid = int.from_bytes(body[:idlen], "little")
    p = idlen + 2
    if ev_type in (30, 31, 32, 39):
        extra = body[p] | body[p + 1] << 8
        p += extra
    width, p = packed(body, p)
    nbm = (width + 7) // 8
    cols = body[p:p + nbm]
    p += nbm
    cols_ai = cols
    if ev_type in (24, 31, 39):
        cols_ai = body[p:p + nbm]
        p += nbm
    t = tables.get(tid)
    if t is None:
        raise Damage(offset, "rows event for table id %d without a TABLE_MAP" % tid)
    n = 0
    json_cols = [i for i, ty in enumerate(t.types) if ty == 245]
    while p < len(body):
        p = image_size(body, p, t, cols, width)
        if ev_type in (24, 31, 39):
            if ev_type == 39:
                opts, p = packed(body, p)
                if opts & 1:
                    p += (len(json_cols) + 7) // 8
            p = image_size(body, p, t, cols_ai, width)
        n += 1
    return tid, t, n


class Scan:
    """Walks a binlog by event sizes and assembles transactions the way the
    server writes them: BEGIN ... XID|COMMIT|ROLLBACK, a statement outside a
    group commits itself, a MariaDB GTID event opens a group (or, flagged
    standalone, precedes one self-committing statement). A group left open
    when the next one starts is recorded as abandoned (rolled back); a group
    still open at the end of the file is incomplete."""

    def __init__(self, data, name):
        self.data = data
        self.name = name
        self.events = 0            # outer events
        self.inner_events = 0      # events inside TRANSACTION_PAYLOADs
        self.types = {}            # outer type -> count
        self.inner_types = {}
        self.groups = []           # complete groups, in order
        self.cur = None
        self.pending_gtid = None
        self.pending_gtid_offset = None
        self.prev_gtids = None     # text of the first PREVIOUS_GTIDS / GTID_LIST
        self.damage = None
        self.fde_versions = []
        self.tables = {}
        self.row_events = []       # (offset, kind, nrows, db, table)
        self.end_rotate = None
        self.unknown = {}
        self.nonstandard = None    # a pre-GA FDE: where a decoder may refuse the file
        self.ts_at = {}            # outer event offset -> (header timestamp, type)
        self.ev_sid = None

    # -- groups
    def _open(self, offset, how):
        self.cur = {"begin": offset, "gtid": self.pending_gtid, "server_id": self.ev_sid, "thread_id": None,
                    "rows": {"insert": 0, "update": 0, "delete": 0},
                    "ddl": 0, "end": None, "kind": None, "xid": None, "how": how, "row_events": []}
        self.pending_gtid = None

    def _close(self, offset, end_offset, kind, xid=None):
        g = self.cur
        g["end"], g["end_offset"], g["kind"], g["xid"] = offset, end_offset, kind, xid
        self.groups.append(g)
        self.cur = None

    def _abandon(self, offset):
        if self.cur is not None:
            self._close(offset, offset, "abandoned")

    # -- walk
    def run(self):
        d = self.data
        if d[:4] != MAGIC:
            raise Damage(0, "no binlog magic")
        pos = 4
        fde = None
        try:
            while pos < len(d):
                if len(d) - pos < 19:
                    raise Damage(pos, "truncated event header (%d of 19 bytes)" % (len(d) - pos))
                ts, typ, sid, size, logpos, flags = struct.unpack_from("<IBIIIH", d, pos)
                if size < 19 or pos + size > len(d):
                    raise Damage(pos, "event size %d runs past the end of the file" % size)
                ev = d[pos:pos + size]
                if typ == 15:
                    fde = self._fde(ev, pos)
                elif fde is None:
                    raise Damage(pos, "event before any FORMAT_DESCRIPTION")
                # CRC32 trails every event after a CRC32 FDE; the FDE body is
                # parsed whole by _fde
                body = ev[19:size - 4] if (fde["crc"] and typ != 15) else ev[19:]
                self.events += 1
                self.types[typ] = self.types.get(typ, 0) + 1
                self.ts_at[pos] = (ts, typ)
                self._event(typ, body, pos, size, ts, sid, flags, logpos, fde, inner=False)
                pos += size
        except Damage as e:
            self.damage = e
        return self

    def _fde(self, ev, pos):
        sv = ev[21:71].split(b"\0")[0].decode("latin1")
        self.fde_versions.append(sv)
        maria = "mariadb" in sv.lower()
        aware = version_tuple(sv) >= ((5, 3, 0) if maria else (5, 6, 1))
        n = len(ev) - 76 - (5 if aware else 0)
        ph = [0] + list(ev[76:76 + n])  # ph[type]
        alg = ev[-5] if aware else 0
        # XID has no post-header in every GA numbering; a value there means a
        # pre-GA tree whose type codes mean other things (notes section 11).
        if len(ph) > 16 and ph[16] != 0 and self.nonstandard is None:
            self.nonstandard = Damage(pos, "FORMAT_DESCRIPTION announces non-standard event numbering "
                                      "(post-header of type 16 is %d)" % ph[16])
        return {"ph": ph, "aware": aware, "crc": aware and alg == 1, "version": sv}

    def _event(self, typ, body, pos, size, ts, sid, flags, logpos, fde, inner):
        ph = fde["ph"]
        self.ev_sid = sid
        if typ == 2:
            self._query(body, pos, size, ph)
        elif typ == 16:
            if len(body) != 8:
                raise Damage(pos, "XID body is %d bytes" % len(body))
            if self.cur is not None:
                self._close(pos, pos + size, "xid", int.from_bytes(body, "little"))
        elif typ == 38:
            if self.cur is not None:
                self._close(pos, pos + size, "xid", 0)
        elif typ in (33, 34):
            self._abandon(pos)
            if typ == 33:
                self.pending_gtid = "%s:%d" % (uuid_text(body[1:17]), struct.unpack_from("<q", body, 17)[0])
            else:
                self.pending_gtid = None
            self.pending_gtid_offset = pos
        elif typ == 42:
            self._abandon(pos)
            self.pending_gtid = self._tagged_gtid(body)
            self.pending_gtid_offset = pos
        elif typ == 35:
            if self.prev_gtids is None:
                self.prev_gtids = self._prev_gtids(body, pos)
        elif typ == 162:
            self._abandon(pos)
            seq, domain, fl = struct.unpack_from("<QIB", body, 0)
            self.pending_gtid = "%d-%d-%d" % (domain, sid, seq)
            self.pending_gtid_offset = pos
            if not fl & 1:  # FL_STANDALONE: one self-committing statement follows
                self._open(pos, "mariadb-gtid")
                self.cur["maria"] = True
        elif typ == 163:
            if self.prev_gtids is None and not flags & 0x20:
                (w,) = struct.unpack_from("<I", body, 0)
                items = []
                for i in range(w & 0x0FFFFFFF):
                    dom, srv, seq = struct.unpack_from("<IIQ", body, 4 + 16 * i)
                    items.append("%d-%d-%d" % (dom, srv, seq))
                self.prev_gtids = ",".join(items)
        elif typ == 19:
            idlen = 4 if ph[19] == 6 else 6
            tid, t = parse_table_map(body, idlen)
            self.tables[tid] = t
        elif typ in ROWS_KIND:
            if self.cur is None:
                self._open(pos, "rows-outside")
            tid, t, n = count_rows(body, typ, ph[typ], self.tables, pos)
            kind = ROWS_KIND[typ]
            self.cur["rows"][kind] += n
            self.cur["row_events"].append((pos, kind, n, t.db, t.name))
            self.row_events.append((pos, kind, n, t.db, t.name))
            rflags = body[(4 if ph[typ] == 6 else 6)] | body[(4 if ph[typ] == 6 else 6) + 1] << 8
            if self.cur["how"] == "rows-outside" and rflags & 1:
                # non-transactional rows logged without BEGIN (MyISAM in 5.1):
                # the statement (STMT_END_F) commits itself
                self._close(pos, pos + size, "implicit")
        elif typ == 40:
            self._payload(body, pos, size, fde)
        elif typ == 4:
            rp = struct.unpack_from("<Q", body, 0)[0] if ph[4] >= 8 else 4
            name = body[8 if ph[4] >= 8 else 0:].decode("latin1")
            artificial = (ts == 0 and logpos == 0) or bool(flags & 0x20)
            self.end_rotate = None if artificial else {"offset": pos, "new_file": name, "end_offset": rp, "ts": ts}
            return
        elif typ in (3, 5, 9, 13, 14, 15, 17, 18, 26, 29, 160, 161, 100):
            pass
        else:
            self.unknown[typ] = self.unknown.get(typ, 0) + 1
        if not inner and typ != 4:
            self.end_rotate = None

    def _query(self, body, pos, size, ph):
        p = ph[2] if ph[2] else 13
        if len(body) < 11:
            raise Damage(pos, "QUERY body too short")
        dblen = body[8]
        svlen = struct.unpack_from("<H", body, 11)[0] if p >= 13 else 0
        if p + svlen + dblen + 1 > len(body):
            raise Damage(pos, "QUERY status vars (%d) + db (%d) exceed its %d-byte body" % (svlen, dblen, len(body)))
        q = body[p + svlen + dblen + 1:].lstrip()
        word = q.rstrip(b"; \t\r\n").upper()
        if word == b"BEGIN" or word.startswith(b"XA START") or word.startswith(b"XA BEGIN"):
            if self.cur is not None and self.cur.get("maria") and self.cur["ddl"] == 0 and not self.cur["row_events"]:
                return  # MariaDB GTID opened it already
            self._abandon(pos)
            self._open(pos, "begin")
            self.cur["thread_id"] = struct.unpack_from("<I", body, 0)[0]
            return
        if word == b"COMMIT" and self.cur is not None:
            self._close(pos, pos + size, "commit")
            return
        if word == b"ROLLBACK" and self.cur is not None:
            self._close(pos, pos + size, "rollback")
            return
        if word.startswith(b"XA END") and self.cur is not None:
            return
        if self.cur is None:
            self._open(pos, "statement")
            self.cur["thread_id"] = struct.unpack_from("<I", body, 0)[0]
            self.cur["ddl"] += 1
            self._close(pos, pos + size, "implicit")
        else:
            self.cur["ddl"] += 1

    def _tagged_gtid(self, body):
        p = 0
        _, p = ser_varlen(body, p)
        size, p = ser_varlen(body, p)
        _, p = ser_varlen(body, p)
        uuid = b""
        gno = None
        tag = ""
        end = min(size, len(body))
        while p < end:
            fid, p = ser_varlen(body, p)
            if fid == 1:
                u = []
                for _ in range(16):
                    v, p = ser_varlen(body, p)
                    u.append(v)
                uuid = bytes(u)
            elif fid == 2:
                v, p = ser_varlen(body, p)
                gno = (v >> 1) ^ -(v & 1)
            elif fid == 3:
                ln, p = ser_varlen(body, p)
                tag = body[p:p + ln].decode()
                p += ln
            else:
                _, p = ser_varlen(body, p)
        return "%s:%s%d" % (uuid_text(uuid), tag + ":" if tag else "", gno)

    def _prev_gtids(self, body, pos):
        (w0,) = struct.unpack_from("<Q", body, 0)
        fmt = w0 >> 56
        n = ((w0 & 0x00FFFFFFFFFFFF00) >> 8) if fmt == 1 else (w0 & 0x00FFFFFFFFFFFFFF)
        p = 8
        out = {}
        for _ in range(n):
            u = uuid_text(body[p:p + 16])
            p += 16
            tag = ""
            if fmt == 1:
                ln, p = ser_varlen(body, p)
                tag = body[p:p + ln].decode()
                p += ln
            (ni,) = struct.unpack_from("<Q", body, p)
            p += 8
            for _ in range(ni):
                lo, hi = struct.unpack_from("<qq", body, p)
                p += 16
                out.setdefault((u, tag), []).append((lo, hi - 1))
        return gtid_set_text(out)

    def _payload(self, body, pos, size, fde):
        p = 0
        psize = ctype = None
        while True:
            t, p = packed(body, p)
            if t == 0:
                break
            ln, p = packed(body, p)
            v, _ = packed(body, p) if ln else (0, p)
            if t == 1:
                psize = v
            elif t == 2:
                ctype = v
            p += ln
        raw = body[p:p + psize]
        if ctype == 0:
            r = subprocess.run(["zstd", "-dcq"], input=raw, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            if r.returncode != 0:
                raise Damage(pos, "payload does not decompress: %s" % r.stderr.decode(errors="replace"))
            raw = r.stdout
        q = 0
        while q < len(raw):
            ts, typ, sid, isz, logpos, flags = struct.unpack_from("<IBIIIH", raw, q)
            self.inner_events += 1
            self.inner_types[typ] = self.inner_types.get(typ, 0) + 1
            # inner events: no CRC; positions are the payload event's
            self._event(typ, raw[q + 19:q + isz], pos, size, ts, sid, flags, logpos, fde, inner=True)
            q += isz

    def result(self):
        """JSON-able summary."""
        return {
            "events": self.events, "inner_events": self.inner_events,
            "types": {str(k): v for k, v in sorted(self.types.items())},
            "inner_types": {str(k): v for k, v in sorted(self.inner_types.items())},
            "groups": len(self.groups),
            "kinds": kind_counts(self.groups),
            "rows": row_counts(self.groups),
            "incomplete": self.cur is not None,
            "damage": None if self.damage is None else {"offset": self.damage.offset, "why": self.damage.why},
            "prev_gtids": self.prev_gtids,
            "gtids": [g["gtid"] for g in self.groups],
            "end_rotate": self.end_rotate,
            "unknown_types": self.unknown,
            "nonstandard": None if self.nonstandard is None else str(self.nonstandard),
            "versions": self.fde_versions,
        }


def kind_counts(groups):
    k = {"xid": 0, "commit": 0, "rollback": 0, "implicit": 0, "abandoned": 0}
    for g in groups:
        k[g["kind"]] += 1
    return k


def row_counts(groups):
    r = {"insert": 0, "update": 0, "delete": 0}
    for g in groups:
        for key in r:
            r[key] += g["rows"][key]
    return r


def load_binlog(path):
    data = open(path, "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data


def scan_file(path, name=None):
    return Scan(load_binlog(path), name or os.path.basename(path)).run()


# ====================================================================== GTID sets

def gtid_set_text(d):
    """{(uuid, tag): [(lo, hi)...]} -> MySQL text uuid:1-5:tag:1-2,uuid2:..."""
    by_uuid = {}
    for (u, tag), ivs in d.items():
        by_uuid.setdefault(u, {})[tag] = sorted(ivs)
    parts = []
    for u in sorted(by_uuid):
        s = u
        for tag in sorted(by_uuid[u]):
            if tag:
                s += ":" + tag
            for lo, hi in by_uuid[u][tag]:
                s += ":%d" % lo if lo == hi else ":%d-%d" % (lo, hi)
        parts.append(s)
    return ",".join(parts)


def parse_gtid_set(text):
    """Accepts MySQL (uuid:1-3:tag:5) and MariaDB (d-s-n,...) texts; returns a
    normalised comparable value."""
    text = (text or "").strip()
    if not text:
        return ()
    if re.fullmatch(r"\d+-\d+-\d+(,\d+-\d+-\d+)*", text.replace(" ", "")):
        return tuple(sorted(text.replace(" ", "").split(",")))
    out = {}
    for part in text.replace("\n", "").split(","):
        fields = part.strip().split(":")
        u = fields[0].lower()
        tag = ""
        for f in fields[1:]:
            m = re.fullmatch(r"(\d+)(?:-(\d+))?", f)
            if m:
                lo = int(m.group(1))
                hi = int(m.group(2) or lo)
                for n in range(lo, hi + 1):
                    out.setdefault((u, tag), set()).add(n)
            else:
                tag = f.lower()
    return tuple(sorted((k, tuple(sorted(v))) for k, v in out.items()))


# ====================================================================== Erlang terms

class Atom(str):
    pass


def erl_parse_all(text):
    """Parses a file of Erlang terms `T1. T2. ...` (maps, lists, tuples,
    binaries, integers, floats, atoms). Binaries become bytes."""
    toks = erl_tokens(text)
    out = []
    i = 0
    while i < len(toks):
        v, i = erl_term(toks, i)
        if toks[i] != ".":
            raise ValueError("expected '.' after a term, got %r" % (toks[i],))
        i += 1
        out.append(v)
    return out


def erl_tokens(text):
    toks = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "%":
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith("#{", i) or text.startswith("=>", i) or text.startswith("<<", i) or text.startswith(">>", i):
            toks.append(text[i:i + 2])
            i += 2
        elif c in "{}[],/":
            toks.append(c)
            i += 1
        elif c == "." and (i + 1 >= n or not text[i + 1].isdigit()):
            toks.append(".")
            i += 1
        elif c == '"':
            j = i + 1
            s = []
            while text[j] != '"':
                if text[j] == "\\":
                    j += 1
                    s.append({"n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\", '"': '"'}.get(text[j], text[j]))
                else:
                    s.append(text[j])
                j += 1
            toks.append(("str", "".join(s)))
            i = j + 1
        elif c.isdigit() or (c == "-" and i + 1 < n and text[i + 1].isdigit()):
            m = re.match(r"-?[0-9_]+(\.[0-9_]+(e[-+]?\d+)?)?", text[i:])
            s = m.group(0).replace("_", "")
            toks.append(("num", float(s) if "." in s else int(s)))
            i += len(m.group(0))
        elif c.isalpha():
            m = re.match(r"[A-Za-z_][A-Za-z0-9_@]*", text[i:])
            toks.append(("atom", m.group(0)))
            i += len(m.group(0))
        else:
            raise ValueError("unexpected character %r in Erlang terms" % c)
    return toks


def erl_term(t, i):
    tok = t[i]
    if tok == "#{":
        i += 1
        m = {}
        while t[i] != "}":
            k, i = erl_term(t, i)
            assert t[i] == "=>", t[i]
            v, i = erl_term(t, i + 1)
            m[k] = v
            if t[i] == ",":
                i += 1
        return m, i + 1
    if tok in ("[", "{"):
        close = "]" if tok == "[" else "}"
        i += 1
        lst = []
        while t[i] != close:
            v, i = erl_term(t, i)
            lst.append(v)
            if t[i] == ",":
                i += 1
        return (lst if tok == "[" else tuple(lst)), i + 1
    if tok == "<<":
        i += 1
        b = bytearray()
        while t[i] != ">>":
            if t[i][0] == "str":
                s = t[i][1]
                i += 1
                if t[i] == "/":  # /utf8
                    i += 2
                    b += s.encode("utf-8")
                else:
                    b += s.encode("latin-1")
            else:
                b.append(t[i][1] & 0xFF)
                i += 1
            if t[i] == ",":
                i += 1
        return bytes(b), i + 1
    if tok[0] == "num":
        return tok[1], i + 1
    if tok[0] == "str":  # a plain Erlang string (list of characters)
        return tok[1], i + 1
    if tok[0] == "atom":
        return Atom(tok[1]), i + 1
    raise ValueError("unexpected token %r" % (tok,))


def erl_to_json(v):
    """Erlang JSON term (msmp jsonb.terms) -> Python JSON value."""
    if isinstance(v, dict):
        return {k.decode("utf-8"): erl_to_json(x) for k, x in v.items()}
    if isinstance(v, list):
        return [erl_to_json(x) for x in v]
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, Atom):
        return {"true": True, "false": False, "null": None}[v]
    return v


# ====================================================================== synthetic binlog

def crc_event(typ, body, log_pos, ts=1700000000, server_id=1, flags=0):
    import zlib
    size = 19 + len(body) + 4
    hdr = struct.pack("<IBIIIH", ts, typ, server_id, size, log_pos, flags)
    ev = hdr + body
    return ev + struct.pack("<I", zlib.crc32(ev) & 0xFFFFFFFF)


def synth(fixdir, out, expect_out):
    """msmp jsonb.terms: {Expected, <<4-byte length + binary JSON>>, 4}; each
    vector becomes one row of t.j(a JSON) in its own transaction. The first
    transaction is led by the GTID event of binlog-gtid-log.terms (raw bytes
    with their CRC, as sent by 8.1.0). The FDE is msmp/binlog.000001's."""
    fde = open(os.path.join(fixdir, "msmp/binlog.000001"), "rb").read()[4:4 + 122]
    assert fde[4] == 15
    vectors = erl_parse_all(open(os.path.join(fixdir, "msmp/jsonb.terms"), encoding="utf-8").read())
    gterm = erl_parse_all(open(os.path.join(fixdir, "msmp/binlog-gtid-log.terms"), encoding="utf-8").read())[0]
    gmap, graw = gterm
    gev = graw[5:]  # 3-byte length, sequence, OK byte
    gevt = gmap[Atom("packet")][Atom("event")]
    gtid_text = "%s:%d" % (uuid_text(gevt[Atom("sid")]), gevt[Atom("gno")])
    buf = bytearray(MAGIC + fde)
    expect = {"gtid": gtid_text, "rows": []}
    xid = 100
    for n, (want, raw, packlen) in enumerate(vectors):
        assert packlen == 4 and int.from_bytes(raw[:4], "little") == len(raw) - 4
        start = len(buf)
        if n == 0:
            buf += gev
        q = struct.pack("<IIBHH", 1, 0, 1, 0, 0) + b"t\0" + b"BEGIN"
        buf += crc_event(2, q, len(buf) + 19 + len(q) + 4, flags=8)
        tm = (struct.pack("<Q", 7)[:6] + b"\x01\x00" + b"\x01t\0" + b"\x01j\0" + b"\x01" + bytes([245]) +
              b"\x01\x04" + b"\x01")
        buf += crc_event(19, tm, len(buf) + 19 + len(tm) + 4)
        rows_off = len(buf)
        wr = struct.pack("<Q", 7)[:6] + b"\x01\x00" + b"\x02\x00" + b"\x01" + b"\x01" + b"\x00" + raw
        buf += crc_event(30, wr, len(buf) + 19 + len(wr) + 4)
        xid += 1
        buf += crc_event(16, struct.pack("<Q", xid), len(buf) + 19 + 8 + 4)
        expect["rows"].append({"offset": rows_off, "begin": start, "value": erl_to_json(want), "xid": xid})
    open(out, "wb").write(buf)
    json.dump(expect, open(expect_out, "w"))


# ====================================================================== mysqlbinlog -vv

def unescape_mysqlbinlog(s):
    out = bytearray()
    i = 0
    b = s.encode("utf-8")
    while i < len(b):
        c = b[i]
        if c == 0x5C and i + 1 < len(b):
            n = chr(b[i + 1])
            if n == "x":
                out.append(int(b[i + 2:i + 4], 16))
                i += 4
                continue
            out += {"n": b"\n", "r": b"\r", "t": b"\t", "b": b"\b", "f": b"\f", "\\": b"\\", "'": b"'",
                    "0": b"\0"}.get(n, bytes([b[i + 1]]))
            i += 2
        else:
            out.append(c)
            i += 1
    return bytes(out)


def parse_plaintext(path):
    """mysqlbinlog -vv output -> rows (offset, kind, table, before, after),
    xids [(offset, xid)], gtids, statements [(offset, db, timestamp, text)]."""
    rows, xids, gtids, stmts = [], [], [], []
    at = None
    cur = None
    section = None
    query = None  # (offset, lines) while inside a Query event's output
    db = ts = None
    line_re = re.compile(r"^###   @(\d+)=(.*) /\* (.*?) meta=(\d+) nullable=(\d) is_null=(\d) \*/$")
    for line in open(path, encoding="utf-8", errors="surrogateescape"):
        line = line.rstrip("\n")
        if query is not None:
            m = re.match(r"^use `(.*)`/\*!\*/;$", line)
            if m:
                db = m.group(1)
            m = re.match(r"^SET TIMESTAMP=(\d+)(?:\.\d+)?/\*!\*/;$", line)
            if m:
                ts = int(m.group(1))
            if line == "/*!*/;":
                text = "\n".join(query[1])
                if text.strip().upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
                    # database statements are logged with LOG_EVENT_SUPPRESS_USE_F:
                    # mysqlbinlog prints no `use` for them, so their database is unknown
                    sup = re.match(r"(?i)\s*(create|drop|alter)\s+(database|schema)\b", text)
                    stmts.append((query[0], None if sup else db, ts, text))
                query = None
            elif line.endswith("/*!*/;"):
                query[1][:] = []  # a statement mysqlbinlog generated (SET, use, charset)
            else:
                query[1].append(line)
            continue
        if re.match(r"^#\d{6} [ \d]\d:\d\d:\d\d server id \d+\s+end_log_pos \d+.*\tQuery\t", line):
            query = (at, [])
            continue
        m = re.match(r"^# at (\d+)$", line)
        if m:
            at = int(m.group(1))
            continue
        m = re.match(r"^#\d{6} [ \d]\d:\d\d:\d\d server id \d+\s+end_log_pos (\d+).*\tXid = (\d+)$", line)
        if m:
            xids.append((at, int(m.group(2))))
            continue
        m = re.match(r"^SET @@SESSION.GTID_NEXT= '([^']+)'", line)
        if m and m.group(1) != "AUTOMATIC":
            gtids.append(m.group(1))
            continue
        m = re.match(r"^#\d{6} [ \d]\d:\d\d:\d\d server id \d+\s+end_log_pos \d+\s+GTID (\d+-\d+-\d+)", line)
        if m:
            gtids.append(m.group(1))
            continue
        m = re.match(r"^### (INSERT INTO|UPDATE|DELETE FROM) (`[^`]*`\.`[^`]*`)$", line)
        if m:
            kind = {"INSERT INTO": "insert", "UPDATE": "update", "DELETE FROM": "delete"}[m.group(1)]
            cur = {"offset": at, "kind": kind, "table": m.group(2).replace("`", ""), "before": {}, "after": {}}
            rows.append(cur)
            section = "after" if kind == "insert" else "before"
            continue
        if line == "### SET":
            section = "after"
            continue
        if line == "### WHERE":
            section = "before"
            continue
        m = line_re.match(line)
        if m and cur is not None:
            cur[section][int(m.group(1))] = (m.group(3), m.group(2))
    return rows, xids, gtids, stmts


def mysqlbinlog_value(typ, text):
    """A mysqlbinlog -vv value -> comparable Python value."""
    if text == "NULL":
        return None
    if typ == "DATE":
        return text.strip("'").replace(":", "-")
    if typ.startswith("TIMESTAMP"):
        # epoch seconds (TIMESTAMP(0)); binvault prints UTC text
        sec = Decimal(text)
        t = datetime.datetime.fromtimestamp(int(sec), datetime.timezone.utc)
        return t.strftime("%Y-%m-%d %H:%M:%S")
    if typ.startswith(("TINYINT", "SHORTINT", "MEDIUMINT", "INT", "LONGINT")):
        m = re.fullmatch(r"(-?\d+)(?: \((\d+)\))?", text)
        return ("int", int(m.group(1)), int(m.group(2)) if m.group(2) else None)
    if typ.startswith("DECIMAL"):
        return Decimal(text)
    if text.startswith("'") and text.endswith("'"):
        return unescape_mysqlbinlog(text[1:-1])
    return text


def same_value(ref, got):
    """ref from mysqlbinlog_value, got from binvault JSON (json.loads with
    parse_float=Decimal)."""
    if isinstance(ref, tuple) and ref and ref[0] == "int":
        return isinstance(got, int) and got in (ref[1], ref[2])
    if ref is None:
        return got is None
    if isinstance(ref, bytes):
        if not isinstance(got, str):
            return False
        if got.encode("utf-8") == ref:
            return True
        try:
            return base64.b64decode(got, validate=True) == ref
        except Exception:
            return False
    if isinstance(ref, Decimal):
        return isinstance(got, (Decimal, int)) and Decimal(got) == ref
    return ref == got


# ====================================================================== reporting

class Report:
    def __init__(self):
        self.n_ok = 0
        self.n_bad = 0

    def check(self, cond, desc, detail=None):
        if cond:
            self.n_ok += 1
            print("ok " + desc)
        else:
            self.n_bad += 1
            print("not ok " + desc)
            if detail:
                for line in str(detail).splitlines()[:30]:
                    print("# " + line[:600])
        sys.stdout.flush()
        return cond

    def eq(self, got, want, desc):
        return self.check(got == want, desc, "got:  %r\nwant: %r" % (got, want))


def read_cat(path):
    evs = []
    if not os.path.exists(path):
        return evs
    for line in open(path, encoding="utf-8", errors="surrogateescape"):
        line = line.strip()
        if line:
            ev = json.loads(line, parse_float=Decimal)
            ev["_raw"] = line
            evs.append(ev)
    return evs


def read_ls(path):
    segs = []
    if os.path.exists(path):
        for line in open(path):
            if line.strip():
                segs.append(json.loads(line))
    return segs


# ====================================================================== manifest

def manifest_types(fixdir):
    """MANIFEST.md per-file table: relpath -> ({type: count}, {inner type: count})."""
    out = {}
    for line in open(os.path.join(fixdir, "MANIFEST.md"), encoding="utf-8"):
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 8:
            continue
        rel = cells[0].strip("`")
        spec = cells[6]
        if not re.match(r"^\d+×\d+", spec):
            continue
        outer, _, inner = spec.partition("; in payload:")
        def counts(s):
            return {int(a): int(b) for a, b in re.findall(r"(\d+)×(\d+)", s)}
        out[rel] = (counts(outer), counts(inner))
    return out


# ====================================================================== the checks

def rows_of(evs):
    return [e for e in evs if e["type"] in ("insert", "update", "delete")]


def commits_of(evs):
    return [e for e in evs if e["type"] == "commit"]


def expected_groups(scan, stop_at=None):
    """Complete groups; with stop_at, only those whose last event starts before it."""
    if stop_at is None:
        return scan.groups
    return [g for g in scan.groups if g["end"] < stop_at]


def check_counts(R, rel, scan, evs, stop_at=None):
    groups = expected_groups(scan, stop_at)
    want_rows = row_counts(groups)
    got_rows = {k: sum(1 for e in evs if e["type"] == k) for k in want_rows}
    R.eq(got_rows, want_rows, "%s: archived rows per kind = rows in the file's complete transactions" % rel)
    kinds = kind_counts(groups)
    want_kinds = {"xid": kinds["xid"], "commit": kinds["commit"], "rollback": kinds["rollback"] + kinds["abandoned"],
                  "implicit": kinds["implicit"]}
    got_kinds = {k: sum(1 for e in commits_of(evs) if e.get("kind") == k) for k in want_kinds}
    R.eq(got_kinds, want_kinds, "%s: transactions archived (by commit kind) = complete transactions in the file (%d)"
         % (rel, len(groups)))
    # every row event of the file: same offset, kind and number of rows
    want_re = {}
    for g in groups:
        for (off, kind, n, db, tb) in g["row_events"]:
            k = (off, kind, db, tb)
            want_re[k] = want_re.get(k, 0) + n
    got_re = {}
    for e in rows_of(evs):
        k = (e["offset"], e["type"], e.get("database"), e.get("table"))
        got_re[k] = got_re.get(k, 0) + 1
    diff = sorted(set(want_re.items()) ^ set(got_re.items()))[:8]
    R.check(want_re == got_re, "%s: rows per row event (offset, kind, table) match the file" % rel,
            "differences (offset, kind, db, table), count: %r" % diff)
    # the row index counts 0.. within each event
    bad = []
    seen = {}
    for e in rows_of(evs):
        k = e["offset"]
        if e.get("row") != seen.get(k, 0):
            bad.append((k, e.get("row"), seen.get(k, 0)))
        seen[k] = seen.get(k, 0) + 1
    R.check(not bad, "%s: row indexes count 0.. within each row event" % rel, "offset, got, want: %r" % bad[:5])
    # commits: XIDs and positions
    want_x = [(g["end"], g["xid"]) for g in groups if g["kind"] == "xid" and g["xid"] is not None]
    got_x = [(e["offset"], e["xid"]) for e in commits_of(evs) if e.get("kind") == "xid" and e["xid"]]
    if want_x or got_x:
        R.eq(got_x, want_x, "%s: XID commits at the XID events' offsets with their xid values" % rel)
    # GTIDs of the transactions, in order
    want_g = [g["gtid"] for g in groups if g["kind"] != "abandoned"]
    got_g = [e.get("gtid") for e in evs if e["type"] == "begin"]
    if any(want_g) or any(got_g):
        # abandoned groups: binvault synthesizes their end; compare begin GTIDs of all groups
        want_all = [g["gtid"] for g in groups]
        R.eq(got_g, want_all, "%s: GTID of every transaction (from the GTID events)" % rel)
    # server id of every transaction; thread id of those a QUERY opens
    want_b = [(g["server_id"], g["thread_id"]) for g in groups]
    got_b = [(e.get("server_id"), e.get("thread_id")) for e in evs if e["type"] == "begin"]
    got_b = [(sv, th if w[1] is not None else None) for (sv, th), w in zip(got_b, want_b)] + got_b[len(want_b):]
    R.eq(got_b, want_b, "%s: server id (and thread id of BEGIN/statement) of every transaction" % rel)
    # every transaction is balanced: begin ... commit
    depth, ok_bal = 0, True
    for e in evs:
        if e["type"] == "begin":
            ok_bal &= depth == 0
            depth = 1
        elif e["type"] == "commit":
            ok_bal &= depth == 1
            depth = 0
        elif e["type"] in ("insert", "update", "delete", "ddl"):
            ok_bal &= depth == 1
    R.check(ok_bal and depth == 0, "%s: events nest as begin, rows/ddl, commit" % rel)
    # event times: a row, statement or XID commit carries its binlog event's header timestamp
    bad_ts = []
    for e in evs:
        if e["type"] in ("insert", "update", "delete", "ddl") or (e["type"] == "commit" and e.get("kind") == "xid"):
            at = scan.ts_at.get(e["offset"])
            if at is None or at[1] == 40:  # inside a TRANSACTION_PAYLOAD: inner events have their own
                continue
            t = datetime.datetime.fromtimestamp(at[0], datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
            if not e["ts"].startswith(t):
                bad_ts.append("%s at %d: %s, event header says %s" % (e["type"], e["offset"], e["ts"], t))
    R.check(not bad_ts, "%s: rows, statements and XID commits carry their event's timestamp" % rel, "\n".join(bad_ts[:5]))
    want_ddl = sum(g["ddl"] for g in groups)
    R.eq(sum(1 for e in evs if e["type"] == "ddl"), want_ddl,
         "%s: one ddl event per statement (QUERY other than BEGIN/COMMIT/ROLLBACK)" % rel)


def check_valid(R, rel, scan, evs, segs, out, man):
    check_counts(R, rel, scan, evs)
    # summary line: N file(s), N binlog events, N bytes: N transactions, N rows
    m = re.search(r"(\d+) file\(s\), (\d+) binlog events, (\d+) bytes: (\d+) transactions, (\d+) rows", out)
    if R.check(m is not None, "%s: summary line printed" % rel, out):
        got = tuple(int(x) for x in m.groups())
        want = (1, scan.events + scan.inner_events, len(scan.data) - 4, len(scan.groups),
                sum(row_counts(scan.groups).values()))
        R.eq(got, want, "%s: summary counts files, events (outer + in payloads), bytes, transactions, rows" % rel)
    # the last event of the file is a ROTATE: archived as the rotate to the next file
    if scan.end_rotate:
        rot = [e for e in evs if e["type"] == "rotate"]
        got = [(e["offset"], e.get("new_file"), e.get("end_offset")) for e in rot]
        want = [(scan.end_rotate["offset"], scan.end_rotate["new_file"], scan.end_rotate["end_offset"])]
        R.eq(got, want, "%s: the closing ROTATE is archived (offset, next file, position)" % rel)
    # the archive ends at a transaction boundary
    if evs:
        R.check(evs[-1]["type"] in ("commit", "rotate", "note"), "%s: the archive ends with a commit or rotate" % rel,
                evs[-1]["_raw"][:300])
    check_end(R, rel, scan, segs, None)
    # start GTID set = PREVIOUS_GTIDS / GTID_LIST of the file
    if segs:
        R.eq(parse_gtid_set(segs[0].get("start_gtid", "")), parse_gtid_set(scan.prev_gtids or ""),
             "%s: start_gtid of the archive = the file's PREVIOUS_GTIDS/GTID_LIST (%s)" % (rel, scan.prev_gtids or "empty"))
    # scanner agrees with the MANIFEST table (keeps the scanner honest)
    if rel in man or rel.replace(".gunzipped", "") in man:
        mo, mi = man.get(rel) or man[rel.replace(".gunzipped", "")]
        R.eq(({k: v for k, v in scan.types.items()}, {k: v for k, v in scan.inner_types.items()}), (mo, mi),
             "%s: independent scan finds the MANIFEST's event types and counts" % rel)


def check_end(R, rel, scan, segs, stop):
    """binvault ls: the archive ends after the last complete transaction, or at
    the next file when the closing ROTATE was archived."""
    groups = expected_groups(scan, stop)
    if scan.end_rotate and stop is None:
        want = "%s:%d" % (scan.end_rotate["new_file"], scan.end_rotate["end_offset"])
    elif groups:
        want = "%s:%d" % (scan.name, groups[-1]["end_offset"])
    else:
        return
    R.eq(segs[-1].get("end") if segs else None, want,
         "%s: the archive ends at %s (after its last complete transaction)" % (rel, want))


def check_damaged(R, rel, scan, evs, err, rc, allowed, segs):
    base = os.path.basename(rel)
    R.eq(rc, 1, "%s: damaged file is refused (exit 1)" % rel)
    m = re.search(r"offset (\d+)", err)
    named = base in err and m is not None
    R.check(named, "%s: the message names the file and an offset" % rel, err)
    off = int(m.group(1)) if m else None
    R.check(off in allowed, "%s: the offset named is where the file is damaged (%s)" %
            (rel, " or ".join(str(a) for a in allowed)), "message: %s" % err.strip())
    stop = off if off in allowed else min(allowed)
    check_counts(R, rel, scan, evs, stop_at=stop)
    check_end(R, rel, scan, segs, stop)
    if evs:
        R.check(evs[-1]["type"] in ("commit", "rotate"), "%s: the archive ends with a complete transaction" % rel,
                evs[-1]["_raw"][:300])


# ---------------------------------------------------------------------- value checks

def rows_in(evs, db=None, table=None, kind=None):
    return [e for e in rows_of(evs) if (db is None or e["database"] == db) and
            (table is None or e["table"] == table) and (kind is None or e["type"] == kind)]


def img(e, key="data"):
    return e.get(key) or {}


def b64(s):
    try:
        return base64.b64decode(s, validate=True)
    except Exception:
        return None


def cols(image, names):
    return [image.get(n, "<absent>") for n in names]


# go-mysql replication/row_event_test.go TestDecodeDecimal: MySQL's SELECT
# output for the decodedecimal table of tcb-eval002c-bin.003320 (id, v4_2,
# v5_0, v7_3, v10_2, v10_3, v13_2, v15_14, v20_10, v30_5, v30_20, v30_25, prec, scale).
GOMYSQL_DECIMALS = """
|  1 | -10.55 |   -11 |   -10.550 |      -10.55 |     -10.550 |         -10.55 | -9.99999999999999 |        -10.5500000000 |           -10.55000 |        -10.55000000000000000000 |   -10.5500000000000000000000000 |    4 |     2 |
|  2 |   0.01 |     0 |     0.012 |        0.01 |       0.012 |           0.01 |  0.01234567890123 |          0.0123456789 |             0.01235 |          0.01234567890123456789 |     0.0123456789012345678912345 |   30 |    25 |
|  3 |  99.99 | 12345 |  9999.999 |    12345.00 |   12345.000 |       12345.00 |  9.99999999999999 |      12345.0000000000 |         12345.00000 |      12345.00000000000000000000 | 12345.0000000000000000000000000 |    5 |     0 |
|  4 |  99.99 | 12345 |  9999.999 |    12345.00 |   12345.000 |       12345.00 |  9.99999999999999 |      12345.0000000000 |         12345.00000 |      12345.00000000000000000000 | 12345.0000000000000000000000000 |   10 |     3 |
|  5 |  99.99 |   123 |   123.450 |      123.45 |     123.450 |         123.45 |  9.99999999999999 |        123.4500000000 |           123.45000 |        123.45000000000000000000 |   123.4500000000000000000000000 |   10 |     3 |
|  6 | -99.99 |  -123 |  -123.450 |     -123.45 |    -123.450 |        -123.45 | -9.99999999999999 |       -123.4500000000 |          -123.45000 |       -123.45000000000000000000 |  -123.4500000000000000000000000 |   20 |    10 |
|  7 |   0.00 |     0 |     0.000 |        0.00 |       0.000 |           0.00 |  0.00012345000099 |          0.0001234500 |             0.00012 |          0.00012345000098765000 |     0.0001234500009876500000000 |   15 |    14 |
|  8 |   0.00 |     0 |     0.000 |        0.00 |       0.000 |           0.00 |  0.00012345000099 |          0.0001234500 |             0.00012 |          0.00012345000098765000 |     0.0001234500009876500000000 |   22 |    20 |
|  9 |   0.12 |     0 |     0.123 |        0.12 |       0.123 |           0.12 |  0.12345000098765 |          0.1234500010 |             0.12345 |          0.12345000098765000000 |     0.1234500009876500000000000 |   30 |    20 |
| 10 |   0.00 |     0 |     0.000 |        0.00 |       0.000 |           0.00 | -0.00000001234500 |         -0.0000000123 |             0.00000 |         -0.00000001234500009877 |    -0.0000000123450000987650000 |   30 |    20 |
| 11 |  99.99 | 99999 |  9999.999 | 99999999.99 | 9999999.999 | 99999999999.99 |  9.99999999999999 | 9999999999.9999999999 | 1234500009876.50000 | 9999999999.99999999999999999999 | 99999.9999999999999999999999999 |   30 |     5 |
| 12 |  99.99 | 99999 |  9999.999 | 99999999.99 | 9999999.999 |   111111111.11 |  9.99999999999999 |  111111111.1100000000 |     111111111.11000 |  111111111.11000000000000000000 | 99999.9999999999999999999999999 |   10 |     2 |
| 13 |   0.01 |     0 |     0.010 |        0.01 |       0.010 |           0.01 |  0.01000000000000 |          0.0100000000 |             0.01000 |          0.01000000000000000000 |     0.0100000000000000000000000 |    7 |     3 |
| 14 |  99.99 |   123 |   123.400 |      123.40 |     123.400 |         123.40 |  9.99999999999999 |        123.4000000000 |           123.40000 |        123.40000000000000000000 |   123.4000000000000000000000000 |   10 |     2 |
| 15 | -99.99 |  -563 |  -562.580 |     -562.58 |    -562.580 |        -562.58 | -9.99999999999999 |       -562.5800000000 |          -562.58000 |       -562.58000000000000000000 |  -562.5800000000000000000000000 |   13 |     2 |
| 16 | -99.99 | -3699 | -3699.010 |    -3699.01 |   -3699.010 |       -3699.01 | -9.99999999999999 |      -3699.0100000000 |         -3699.01000 |      -3699.01000000000000000000 | -3699.0100000000000000000000000 |   13 |     2 |
| 17 | -99.99 | -1948 | -1948.140 |    -1948.14 |   -1948.140 |       -1948.14 | -9.99999999999999 |      -1948.1400000000 |         -1948.14000 |      -1948.14000000000000000000 | -1948.1400000000000000000000000 |   13 |     2 |
"""


def decimal_text(v):
    """binvault prints DECIMAL unquoted; json.loads(parse_float=Decimal) keeps
    the digits. Integers (scale 0) come back as int."""
    if isinstance(v, Decimal):
        return format(v, "f")
    return str(v) if isinstance(v, int) and not isinstance(v, bool) else repr(v)


def check_gomysql_decimal(R, evs):
    rel = "go-mysql/tcb-eval002c-bin.003320"
    want = []
    for line in GOMYSQL_DECIMALS.strip().splitlines():
        want.append([c.strip() for c in line.strip().strip("|").split("|")])
    rows = rows_in(evs, "test", "decodedecimal", "insert")
    got = [[decimal_text(img(e).get("@%d" % i)) for i in range(1, 15)] for e in rows]
    R.eq(len(got), 17, "%s: 17 rows in test.decodedecimal" % rel)
    for i, (g, w) in enumerate(zip(got, want)):
        R.eq(g, w, "%s: row %d: id, DECIMAL(4,2)..DECIMAL(30,25), prec, scale as MySQL's SELECT prints them "
             "(go-mysql TestDecodeDecimal)" % (rel, i + 1))


# rust_mysql_common src/binlog/mod.rs binlog_event_roundtrip, mysql-enum-string-set.000001
RUST_300 = "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456780123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456780123456789012345678901234567890123456789"



def check_rust(R, rel, evs, schemas):
    name = os.path.basename(rel)
    if name == "mysql-enum-string-set.000001":
        # columns from the CREATE TABLE in MANIFEST; ENUM/SET members by name
        # (index 1 = 'var1', set bits 0b0101 = one,three; 2 = 'variant2', 0b1010 = two,four)
        names = ["f1", "f2", "f3", "f4", "f5"]
        w = rows_in(evs, "mysql", "t", "insert")
        u = rows_in(evs, "mysql", "t", "update")
        d = rows_in(evs, "mysql", "t", "delete")
        first = ["0123456789" * 10, RUST_300, "var1", ["one", "three"], "0123456789"]
        second = ["field1", "field_2", "variant2", ["two", "four"], RUST_300]
        R.eq([cols(img(e), names) for e in w], [first], "%s: WRITE row (CHAR(128), VARCHAR(300), ENUM, SET, TEXT)" % rel)
        R.eq([(cols(img(e, "old"), names), cols(img(e), names)) for e in u], [(first, second)],
             "%s: UPDATE before and after images" % rel)
        R.eq([cols(img(e), names) for e in d], [second], "%s: DELETE row = the updated row" % rel)
        sch = schema_for(schemas, "mysql", "t")
        if R.check(sch is not None, "%s: schema of mysql.t archived" % rel):
            R.eq([c["name"] for c in sch["columns"]], names, "%s: COLUMN_NAME metadata gives f1..f5" % rel)
            R.eq([c["members"] for c in sch["columns"]][2:4], [["var1", "variant2", "foo"],
                                                               ["one", "two", "three", "four"]],
                 "%s: ENUM_STR_VALUE / SET_STR_VALUE members" % rel)
            R.eq([c["real_type"] for c in sch["columns"]], [254, 15, 247, 248, 252],
                 "%s: ENUM and SET resolved from STRING metadata" % rel)
    elif name == "mysql_type_bit.000001":
        w = rows_in(evs, "mysql", "foo", "insert")
        # rust: (bytes[0b100], 'foo', bytes[0b100000]); BIT archived as its integer value
        R.eq([cols(img(e), ["a", "b", "c"]) for e in w], [[0b100, "foo", 0b100000]],
             "%s: BIT(3) b'100', TEXT 'foo', BIT(8) b'00100000'" % rel)
    elif name == "time_issue.000001":
        # rust: Time(negative, 21 days, 03:48:27) = -507:48:27
        w = rows_in(evs, "noria", "t", "insert")
        R.eq([img(e).get("@1") for e in w], ["-507:48:27"], "%s: negative TIME2(0) -507:48:27" % rel)
    elif name == "minimal_row_metadata.000001":
        # MANIFEST: image has table columns 1, 3, 5 = (1, 'a', 3230202323 unsigned)
        w = rows_in(evs, "noria", "t1", "insert")
        R.eq([img(e) for e in w], [{"@1": 1, "@3": "a", "@5": 3230202323}],
             "%s: partial image {1,3,5} = (1, 'a', 3230202323 UNSIGNED)" % rel)
        s = schema_for(schemas, "noria", "t1")
        if R.check(s is not None, "%s: schema of noria.t1 archived" % rel):
            cs = [c.get("charset") for c in s["columns"]]
            R.eq((cs[1], cs[2]), (63, 255), "%s: COLUMN_CHARSET: col 2 binary (63), col 3 utf8mb4_0900_ai_ci (255)" % rel)
            R.check(s["columns"][4]["flags"] & 1 and not s["columns"][0]["flags"] & 1,
                    "%s: SIGNEDNESS: col 5 unsigned, col 1 signed" % rel, s["columns"])
    elif name == "binlog-invisible-columns.000001":
        names = ["f1", "f2", "f3", "f4", "f5", "f6"]
        w = rows_in(evs, "mysql", "t1", "insert")
        u = rows_in(evs, "mysql", "t1", "update")
        r1 = [1, 2, -3, "4", b"\x05", 6000000000]
        r2 = [None, None, -33, "44", b"U", None]
        r3 = [111, 222, -333, "444", b"U", None]

        def norm(image):
            v = cols(image, names)
            v[4] = b64(v[4]) if isinstance(v[4], str) else v[4]
            return v
        R.eq([norm(img(e)) for e in w], [r1, r2], "%s: two rows incl. INVISIBLE columns f1, f2, f6 by name" % rel)
        R.eq([(norm(img(e, "old")), norm(img(e))) for e in u], [(r2, r3)], "%s: UPDATE of the second row" % rel)
        s = schema_for(schemas, "mysql", "t1")
        if R.check(s is not None, "%s: schema of mysql.t1 archived" % rel):
            R.eq([c["name"] for c in s["columns"]], names, "%s: COLUMN_NAME metadata gives f1..f6" % rel)
            R.eq([bool(c["flags"] & 8) for c in s["columns"]], [True, True, False, False, False, True],
                 "%s: COLUMN_VISIBILITY: f1, f2, f6 invisible" % rel)
            R.eq([bool(c["flags"] & 1) for c in s["columns"]], [True, True, False, False, False, True],
                 "%s: SIGNEDNESS: f1, f2, f6 unsigned" % rel)
    elif name == "vector.binlog":
        # rust: TABLE_MAP foo dims [3], bar [2,4]; first row id 1 vector bytes below
        foo = rows_in(evs, "dtb", "foo", "insert")
        want1 = bytes([205, 204, 140, 63, 205, 204, 12, 64, 51, 51, 83, 64])
        want2 = struct.pack("<3f", 1, -1, 0)  # notes: (2, [1, -1, 0])
        got = [(img(e).get("id"), b64(img(e).get("vector_column", ""))) for e in foo]
        R.eq(got[:2], [(1, want1), (2, want2)], "%s: VECTOR(3) rows of dtb.foo (float32 LE bytes)" % rel)
        bar = rows_in(evs, "dtb", "bar")
        R.check(bar and all(len(b64(img(e).get("vector_column")) or b"") == 8 and
                            len(b64(img(e).get("vector_column2")) or b"") == 16 for e in bar),
                "%s: dtb.bar VECTOR(2) / VECTOR(4) values are 8 / 16 bytes" % rel,
                [e["_raw"][:300] for e in bar[:2]])
        R.eq(len(rows_in(evs, "dtb", "bar", "delete")), 1, "%s: one DELETE" % rel)
        sf, sb = schema_for(schemas, "dtb", "foo"), schema_for(schemas, "dtb", "bar")
        if R.check(sf is not None and sb is not None, "%s: schemas of dtb.foo and dtb.bar archived" % rel):
            # rust: VECTOR_DIMENSIONALITY foo [3], bar [2, 4]; SIMPLE_PRIMARY_KEY [0]
            R.eq([c["vector_dims"] for c in sf["columns"] if c["type"] == 242], [3],
                 "%s: dtb.foo VECTOR dimensionality [3]" % rel)
            R.eq([c["vector_dims"] for c in sb["columns"] if c["type"] == 242], [2, 4],
                 "%s: dtb.bar VECTOR dimensionality [2, 4]" % rel)
            R.eq([bool(c["flags"] & 4) for c in sf["columns"]], [True, False], "%s: SIMPLE_PRIMARY_KEY id" % rel)
    elif name == "json-opaque.binlog":
        # MySQL's JSON text of the 8 documents (notes section 11; rust asserts
        # the same values through serde: {"a":"base64:type15:VQ=="} ...)
        want = ['{"a": "base64:type15:VQ=="}', '{"b": "2012-03-18"}', '{"c": "2012-03-18 11:30:45.000000"}',
                '{"c": "87:31:46.654321"}', '{"d": 123.456}', '{"e": 9.00}', '{"e": [0, 1, true, false]}',
                '{"e": null}']
        got = []
        for e in rows_in(evs, "foo", "test", "insert"):
            m = re.search(r'"data":\{"a":(.*)\}\}$', e["_raw"])
            got.append(m.group(1) if m else e["_raw"])
        R.eq(got, want, "%s: JSON documents with OPAQUE scalars, as MySQL prints them" % rel)
    elif name == "json.binlog.000001":
        # notes: mysql.t(id, JSON, name, age); rows (1, {"age": 24, "data": "xxxxxxxxxx", "name": "Joe"},
        # Joe, 24), (2, ... Sue 32), (3, ... Pete 40), 4-6 the same; UPDATE age+1; then
        # PARTIAL_UPDATE (6 rows): JSON_REPLACE $.age, 26|34|42
        w = rows_in(evs, "mysql", "t", "insert")
        ages = {"Joe": 24, "Sue": 32, "Pete": 40}
        got = [(img(e).get("@1"), (img(e).get("@2") or {}).get("age"), (img(e).get("@2") or {}).get("name"),
                img(e).get("@3"), img(e).get("@4")) for e in w]
        want = [(i + 1, ages[n], n, n, ages[n]) for i, n in enumerate(["Joe", "Sue", "Pete"] * 2)]
        R.eq(got, want, "%s: six WRITE rows (id, JSON age and name, name, age)" % rel)
        R.eq(img(w[0]).get("@2") if w else None, {"age": 24, "data": "xxxxxxxxxx", "name": "Joe"},
             "%s: first JSON document" % rel)
        u = rows_in(evs, "mysql", "t", "update")
        R.eq(len(u), 12, "%s: 6 UPDATE rows + 6 PARTIAL_UPDATE rows archived" % rel)
        first = [(img(e, "old").get("@4"), img(e).get("@4")) for e in u[:6]]
        R.eq(first, [(ages[n], ages[n] + 1) for n in ["Joe", "Sue", "Pete"] * 2], "%s: UPDATE age+1" % rel)
        part = [img(e).get("@4") for e in u[6:]]
        R.eq(part, [26, 34, 42, 26, 34, 42], "%s: PARTIAL_UPDATE after images: age 26|34|42" % rel)
        R.eq([img(e, "old") for e in u[6:]], [{"@1": i} for i in range(1, 7)],
             "%s: PARTIAL_UPDATE before images are the primary key only (MINIMAL)" % rel)
        R.eq([img(e).get("@3") for e in u[6:]], ["Joe", "Sue", "Pete"] * 2, "%s: PARTIAL_UPDATE names" % rel)

        def diff(v):
            ops = v.get("json_diff") if isinstance(v, dict) else None
            return [(str(o.get("op")).lower(), o.get("path"), o.get("value")) for o in ops] if isinstance(ops, list) else v
        R.eq([diff(img(e).get("@2")) for e in u[6:]], [[("replace", "$.age", a)] for a in (26, 34, 42, 26, 34, 42)],
             "%s: PARTIAL_UPDATE JSON column: the diff JSON_REPLACE(@2, '$.age', N), not a document" % rel)
    elif name == "mariadb-bin.000001":
        # rust: columns id,topic,event_type,event,created; id PRI_KEY; charsets [?, 45, 45, 63, ?];
        # notes: rows (62,'foo','JSON','{"foo":1}',1650493084) and (63, ..., 1650493195)
        names = ["id", "topic", "event_type", "event", "created"]
        w = rows_in(evs, "toddy_test", "outbox", "insert")

        def norm(image):
            v = cols(image, names)
            v[3] = b64(v[3]) if isinstance(v[3], str) else v[3]
            return v
        R.eq([norm(img(e)) for e in w], [[62, "foo", "JSON", b'{"foo":1}', "2022-04-20 22:18:04"],
                                         [63, "foo", "JSON", b'{"foo":1}', "2022-04-20 22:19:55"]],
             "%s: MariaDB v1 rows with FULL metadata (ENUM by name, BLOB, TIMESTAMP)" % rel)
        R.eq([e.get("gtid") for e in evs if e["type"] == "begin"], ["0-1-1", "0-1-2"], "%s: MariaDB GTIDs" % rel)
        s = schema_for(schemas, "toddy_test", "outbox")
        if R.check(s is not None, "%s: schema of toddy_test.outbox archived" % rel):
            R.eq([c["name"] for c in s["columns"]], names, "%s: column names" % rel)
            R.eq([bool(c["flags"] & 4) for c in s["columns"]], [True, False, False, False, False],
                 "%s: SIMPLE_PRIMARY_KEY: id" % rel)
            R.eq([c.get("charset") for c in s["columns"]][1:4], [45, 45, 63],
                 "%s: charsets of topic, event_type, event: 45, 45, 63" % rel)
            R.eq(s["columns"][2]["members"], ["BLOB", "JSON", "PROTOBUF"],
                 "%s: ENUM_STR_VALUE of event_type" % rel)
    elif name == "binlog_transaction_with_GTID_TAG.000001":
        R.eq([e.get("gtid") for e in evs if e["type"] == "begin"], ["55778904-0299-11f1-b1b8-4ef0c4956feb:mytag:3"],
             "%s: tagged GTID uuid:mytag:3" % rel)
        w = rows_in(evs, "test", "orders", "insert")
        R.eq([[decimal_text(img(e).get("@%d" % i)) for i in (1, 2, 3)] for e in w], [["3", "100", "250.00"]],
             "%s: row (3, 100, 250.00)" % rel)
    elif name == "binlog_56_gtid_reserved_word.000001":
        R.eq([e.get("gtid") for e in evs if e["type"] == "begin"],
             ["11111111-1111-1111-1111-111111111111:%d" % i for i in range(1, 7)], "%s: GTIDs 1..6" % rel)
        R.eq([img(e) for e in rows_in(evs, "test", "GENERATED")], [{"@1": 65}], "%s: row test.GENERATED = 65" % rel)
    elif name == "transaction_compression.000001":
        R.eq([img(e) for e in rows_in(evs, "test", "tb1", "insert")], [{"@1": 1}],
             "%s: the row inside the zstd payload" % rel)


def schema_for(schemas, db, table):
    for s in schemas:
        if s.get("database") == db and s.get("table") == table:
            return s
    return None


def check_misc(R, rel, evs):
    if rel == "binlogvisualizer/minimal.binlog":
        # create_fixture.sh: INSERT (1,'alice'), (2,'bob'); UPDATE 1 -> alice_updated; DELETE 2
        got = [(e["type"], img(e, "old") if e["type"] == "update" else None, img(e)) for e in rows_of(evs)]
        want = [("insert", None, {"@1": 1, "@2": "alice"}), ("insert", None, {"@1": 2, "@2": "bob"}),
                ("update", {"@1": 1, "@2": "alice"}, {"@1": 1, "@2": "alice_updated"}),
                ("delete", None, {"@1": 2, "@2": "bob"})]
        R.eq(got, want, "%s: the four rows of create_fixture.sh" % rel)
    elif rel.startswith("percona-binlog-server/") and rel.endswith("binlog.000001"):
        # MANIFEST: ids 1..6 in 4 transactions
        R.eq([img(e).get("@1") for e in rows_in(evs, "test", "t1", "insert")], [1, 2, 3, 4, 5, 6],
             "%s: INSERTs of ids 1..6 (BIGINT UNSIGNED)" % rel)
        if "gtid" in rel:
            R.eq([e.get("gtid") for e in evs if e["type"] == "begin"],
                 ["396e294c-1ca4-11f1-9ae7-00155da79c6b:%d" % i for i in range(1, 5)], "%s: GTIDs 1..4" % rel)
    elif rel.startswith("percona-binlog-server/") and rel.endswith("binlog.000002"):
        R.eq([(img(e, "old").get("@1"), img(e).get("@1")) for e in rows_in(evs, "test", "t1", "update")],
             [(1, 101), (2, 102), (3, 103)], "%s: UPDATE id = id + 100 WHERE id <= 3" % rel)
        R.eq([img(e).get("@1") for e in rows_in(evs, "test", "t1", "delete")], [4, 5, 6],
             "%s: DELETE WHERE id < 100 removes 4, 5, 6" % rel)
        if "gtid" in rel:
            R.eq([e.get("gtid") for e in evs if e["type"] == "begin"],
                 ["396e294c-1ca4-11f1-9ae7-00155da79c6b:5", "396e294c-1ca4-11f1-9ae7-00155da79c6b:6"],
                 "%s: GTIDs 5, 6" % rel)
    elif rel == "mysql-binlog-connector-java/mysql-bin.compressed":
        u = rows_in(evs, "demo", "movies", "update")
        got = [(cols(img(e, "old"), ["@1", "@2", "@3", "@4", "@5"]), img(e).get("@5")) for e in u]
        R.eq(got, [([1, "Once Upon a Time in the West", 1968, "Italy", "Western"], "Western|Action")],
             "%s: UPDATE in the zstd payload: genre Western -> Western|Action" % rel)
    elif rel == "mysql-binlog-connector-rust/mysql-bin.000057":
        R.eq([img(e) for e in rows_in(evs, "a", "b", "insert")], [{"@1": 1}], "%s: payload 1: a.b = 1" % rel)
        u = rows_in(evs, "a", "test_table_3", "update")
        w = rows_in(evs, "a", "test_table_3", "insert")
        R.check(len(u) == 1 and len(w) == 1 and img(w[0]).get("@1") == 6666 and img(u[0]).get("@10") == {"c": 1},
                "%s: payload 2: UPDATE of a.test_table_3 (JSON {\"c\": 1}) and WRITE of id 6666" % rel,
                [e["_raw"][:300] for e in u + w])
    elif rel == "mysql-binlog-connector-java/mysql-bin.sakila.gz":
        # readme.md: the binlog of sakila-schema.sql + sakila-data.sql; the
        # documented Sakila row counts and first rows of sakila-data.sql
        counts = {"actor": 200, "address": 603, "category": 16, "city": 600, "country": 109, "customer": 599,
                  "film": 1000, "film_actor": 5462, "film_category": 1000, "film_text": 1000, "inventory": 4581,
                  "language": 6, "payment": 16049, "rental": 16044, "staff": 2, "store": 2}
        got = {}
        for e in rows_in(evs, "sakila", kind="insert"):
            got[e["table"]] = got.get(e["table"], 0) + 1
        R.eq(got, counts, "%s: rows inserted per table = sakila-data.sql's" % rel)
        first = {}
        for e in rows_in(evs, "sakila", kind="insert"):
            first.setdefault(e["table"], img(e))
        a = first.get("actor", {})
        R.eq(cols(a, ["@1", "@2", "@3"]), [1, "PENELOPE", "GUINESS"], "%s: actor 1" % rel)
        f = first.get("film", {})
        R.eq([decimal_text(x) if isinstance(x, Decimal) else x for x in
              cols(f, ["@1", "@2", "@4", "@5", "@6", "@7", "@8", "@9", "@10"])],
             [1, "ACADEMY DINOSAUR", 2006, 1, None, 6, "0.99", 86, "20.99"],
             "%s: film 1: title, YEAR 2006, languages, rental_duration, DECIMAL(4,2) 0.99, length, "
             "DECIMAL(5,2) 20.99" % rel)
        # rating ENUM('G','PG',...) = 'PG'; special_features SET('Trailers','Commentaries',
        # 'Deleted Scenes','Behind the Scenes') = bits 2 and 3 (no member names in a 5.5 binlog)
        R.check(f.get("@11") in (2, "PG") and f.get("@12") in ([2, 3], 12, ["Deleted Scenes", "Behind the Scenes"]),
                "%s: film 1: rating 'PG', special_features 'Deleted Scenes,Behind the Scenes'" % rel,
                "got %r, %r" % (f.get("@11"), f.get("@12")))
        pay = first.get("payment", {})
        R.eq([decimal_text(x) if isinstance(x, Decimal) else x for x in cols(pay, ["@1", "@2", "@3", "@4", "@5", "@6"])],
             [1, 1, 1, 76, "2.99", "2005-05-25 11:30:37"], "%s: payment 1 (DECIMAL, old DATETIME)" % rel)
        ren = first.get("rental", {})
        R.eq(cols(ren, ["@1", "@2", "@3", "@4", "@5", "@6"]), [1, "2005-05-24 22:53:30", 367, 130,
                                                              "2005-05-26 22:04:30", 1], "%s: rental 1" % rel)
    elif rel == "canal/mysql-bin.000002":
        # notes: retl.xdual UPDATE v1 (1, 1341818483) -> (1, 1341820524); TIMESTAMP as UTC text
        u = rows_in(evs, "retl", "xdual", "update")
        R.eq([(img(e, "old"), img(e)) for e in u],
             [({"@1": 1, "@2": "2012-07-09 07:21:23"}, {"@1": 1, "@2": "2012-07-09 07:55:24"})],
             "%s: UPDATE v1 with old TIMESTAMP 1341818483 -> 1341820524" % rel)


def check_msmp(R, rel, evs, fixdir, schemas):
    # binlog-event.terms: the commented write_rows of test.t1 after the TABLE_MAP
    # ending at log_pos 3040923: integer 1, "test1", date {2023,7,28}, time2, datetime2
    terms = open(os.path.join(fixdir, "msmp/binlog-event.terms"), encoding="utf-8").read()
    tm = [t for t in erl_parse_all(terms) if isinstance(t, tuple) and isinstance(t[0], dict) and
          t[0][Atom("packet")][Atom("header")].get(Atom("log_pos")) == 3040923]
    if not R.check(len(tm) == 1, "%s: binlog-event.terms holds the TABLE_MAP ending at 3040923" % rel):
        return
    ev = tm[0][0][Atom("packet")][Atom("event")]
    db, table = ev[Atom("database")].decode(), ev[Atom("table")].decode()
    w = [e for e in rows_in(evs, db, table, "insert")]
    R.eq([e["offset"] for e in w], [3040923], "%s: the WRITE_ROWS of %s.%s follows the TABLE_MAP (offset 3040923)"
         % (rel, db, table))
    # values from the annotated bytes in the terms file: 1, "test1", date {2023, 7 28},
    # time2 128,142,207 and datetime2 153,176,184,142,196 (decoded by hand: 08:59:15,
    # 2023-07-28 08:59:04)
    R.eq([img(e) for e in w], [{"@1": 1, "@2": "test1", "@3": "2023-07-28", "@4": "08:59:15",
                                 "@5": "2023-07-28 08:59:04"}], "%s: row values of test.t1" % rel)
    # the decoded TABLE_MAP of the terms file against the archived schema
    codes = {"long": 3, "varchar": 15, "date": 10, "time2": 19, "datetime2": 18, "string": 254, "longlong": 8,
             "blob": 252, "float": 4, "tiny": 1}
    sch = schema_for(schemas, db, table)
    if R.check(sch is not None, "%s: schema of %s.%s archived" % (rel, db, table)):
        c = sch["columns"]
        R.eq([x["type"] for x in c], [codes[str(a)] for a in ev[Atom("coltypes")]],
             "%s: column types as binlog-event.terms decodes them" % rel)
        nb = ev[Atom("null_bitmap")][0]
        R.eq([bool(x["flags"] & 2) for x in c], [bool(nb >> i & 1) for i in range(len(c))],
             "%s: nullable columns = null_bitmap %d" % (rel, nb))
        fm = ev[Atom("field_metadata")]
        R.eq(c[1]["meta"], fm[2], "%s: VARCHAR metadata %d" % (rel, fm[2]))
        R.eq(c[1]["charset"], ev[Atom("metadata")][Atom("default_charset")][0],
             "%s: DEFAULT_CHARSET of the VARCHAR column" % rel)
        R.eq(bool(c[0]["flags"] & 1), str(ev[Atom("metadata")][Atom("unsignedness")][1]) == "true",
             "%s: SIGNEDNESS of column 1" % rel)


def check_maxwell(R, rel, evs, fixdir):
    sql = open(os.path.join(fixdir, "maxwell/mysql-test-replay.sql"), encoding="utf-8").read()
    # The objects the script creates: (database, name) for CREATE DATABASE and
    # (current `use` database, table) for CREATE TABLE. The file's DDL was run
    # through DBeaver (comments, CREATE SCHEMA), so compare what is created.
    want = set()
    db = ""
    for stmt in (x.strip() for x in sql.split(";")):
        m = re.match(r"(?is)use\s+`?(\w+)`?$", stmt)
        if m:
            db = m.group(1)
        m = re.match(r"(?is)create\s+(?:database|schema)\s+`?(\w+)`?", stmt)
        if m:
            want.add(("database", m.group(1)))
        m = re.match(r"(?is)create\s+table\s+`?(\w+)`?", stmt)
        if m:
            want.add(("table", db, m.group(1)))
    got = set()
    for e in evs:
        if e["type"] != "ddl":
            continue
        text = re.sub(r"(?s)/\*.*?\*/|--[^\n]*", " ", e["sql"]).strip()
        m = re.match(r"(?is)create\s+(?:database|schema)\s+`?(\w+)`?", text)
        if m:
            got.add(("database", m.group(1)))
        m = re.match(r"(?is)create\s+table\s+`?(\w+)`?", text)
        if m:
            got.add(("table", e.get("database"), m.group(1)))
    R.check(want and want <= got, "%s: every database and table mysql-test-replay.sql creates has its CREATE "
            "archived with its database (%d)" % (rel, len(want)), "missing: %r" % sorted(want - got))
    uuid_re = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$")
    for tb in ("bac_history", "bac_schema"):
        ins = rows_in(evs, "bac_schema", tb, "insert")
        ids = [img(e).get("@1") for e in ins]
        R.eq(ids, list(range(1, len(ids) + 1)) if len(ids) >= 5 else list(range(1, 6)),
             "%s: %s inserts: ids 1.. (auto_increment), at least 5 rows" % (rel, tb))
        R.check(ins and all(uuid_re.match(str(img(e).get("@2"))) and uuid_re.match(str(img(e).get("@3"))) and
                            img(e).get("@4") == 1 for e in ins),
                "%s: %s inserts: (uuid(), uuid(), 1)" % (rel, tb), [e["_raw"][:250] for e in ins[:2]])
        up = rows_in(evs, "bac_schema", tb, "update")
        inserted = {img(e).get("@1"): img(e) for e in ins}
        ok_up = (up and sorted(img(e, "old").get("@1") for e in up) == [i for i in sorted(inserted) if i > 1] and
                 all(img(e, "old") == inserted.get(img(e, "old").get("@1")) and
                     img(e).get("@2") != img(e, "old").get("@2") and uuid_re.match(str(img(e).get("@2"))) and
                     (img(e).get("@1"), img(e).get("@3"), img(e).get("@4")) ==
                     (img(e, "old").get("@1"), img(e, "old").get("@3"), img(e, "old").get("@4")) for e in up))
        R.check(ok_up, "%s: update %s set name=uuid() where id > 1: before = inserted row, only name changes" % (rel, tb),
                [e["_raw"][:300] for e in up[:2]])
    R.eq([e.get("gtid") for e in evs if e["type"] == "begin"],
         ["83759871-1141-11ed-b12d-0242ac130003:%d" % i for i in range(6, 27)], "%s: 21 GTIDs from gno 6" % rel)


def check_plaintext(R, rel, evs, fixdir, plain_rel):
    rows, xids, gtids, stmts = parse_plaintext(os.path.join(fixdir, plain_rel))
    got_rows = rows_of(evs)
    R.eq(len(got_rows), len(rows), "%s: as many rows as mysqlbinlog -vv prints (%s)" % (rel, plain_rel))
    mism = []
    for i, (ref, got) in enumerate(zip(rows, got_rows)):
        where = "row %d (%s at %s)" % (i, ref["kind"], ref["offset"])
        if (got["type"], got["offset"], "%s.%s" % (got["database"], got["table"])) != (ref["kind"], ref["offset"], ref["table"]):
            mism.append("%s: binvault has %s at %s on %s.%s" % (where, got["type"], got["offset"], got["database"],
                                                              got["table"]))
            continue
        for side, key in (("before", "old" if ref["kind"] == "update" else "data"), ("after", "data")):
            if not ref[side]:
                continue
            image = img(got, key)
            if set(image) != {"@%d" % n for n in ref[side]}:
                mism.append("%s %s: columns %s vs mysqlbinlog %s" % (where, side, sorted(image),
                                                                     ["@%d" % n for n in sorted(ref[side])]))
            for n, (typ, text) in sorted(ref[side].items()):
                v = image.get("@%d" % n, "<absent>")
                if not same_value(mysqlbinlog_value(typ, text), v):
                    mism.append("%s %s @%d %s: mysqlbinlog %s, binvault %r" % (where, side, n, typ, text, v))
    R.check(not mism, "%s: every row value equals mysqlbinlog -vv's (%d rows)" % (rel, len(rows)),
            "\n".join(mism[:15]))
    got_x = [(e["offset"], e["xid"]) for e in commits_of(evs) if e.get("kind") == "xid"]
    R.eq(got_x, xids, "%s: XID commits (offset, xid) as mysqlbinlog prints them" % rel)
    if gtids:
        R.eq([e.get("gtid") for e in evs if e["type"] == "begin" and e.get("gtid")], gtids,
             "%s: GTIDs as mysqlbinlog prints them" % rel)
    ddl = [e for e in evs if e["type"] == "ddl"]
    got_s = [(e["offset"], e.get("database"), e["ts"], e["sql"]) for e in ddl]
    want_s = [(off, d if d is not None or i >= len(ddl) else ddl[i].get("database"), datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
               text) for i, (off, d, t, text) in enumerate(stmts)]
    R.eq(got_s, want_s, "%s: statements (offset, database, time, text) as mysqlbinlog prints them (%d)"
         % (rel, len(stmts)))


def check_synth(R, expect_path, cat_path, err_path, rc):
    exp = json.load(open(expect_path))
    evs = read_cat(cat_path)
    R.eq(rc, 0, "msmp vectors: the assembled binlog imports (exit 0)")
    got = {e["offset"]: e for e in rows_of(evs)}
    bad = []
    for n, row in enumerate(exp["rows"]):
        e = got.get(row["offset"])
        v = img(e).get("@1", "<absent>") if e else "<no row>"
        want = row["value"]
        if not json_equal(v, want):
            bad.append("vector %d: want %r, got %r" % (n + 1, want, v))
    R.check(not bad, "msmp jsonb.terms: all %d binary JSON vectors decode to the expected values" % len(exp["rows"]),
            "\n".join(bad[:20]))
    begins = [e for e in evs if e["type"] == "begin"]
    R.eq(begins[0].get("gtid") if begins else None, exp["gtid"],
         "msmp binlog-gtid-log.terms: the 8.1 GTID event gives %s" % exp["gtid"])


def json_equal(a, b):
    if isinstance(b, bool) or b is None:
        return a is b
    if isinstance(b, float):
        return isinstance(a, (Decimal, float, int)) and not isinstance(a, bool) and float(a) == b
    if isinstance(b, int):
        return isinstance(a, int) and not isinstance(a, bool) and a == b
    if isinstance(b, str):
        return a == b
    if isinstance(b, list):
        return isinstance(a, list) and len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if isinstance(b, dict):
        return isinstance(a, dict) and set(a) == set(b) and all(json_equal(a[k], b[k]) for k in b)
    return False


PLAINTEXT = {
    "zalora-binlog-parser/fixtures/mysql-bin.01": "zalora-binlog-parser/fixtures/plaintext-mysql-bin.01",
    "zalora-binlog-parser/fixtures/mysql-bin.02": "zalora-binlog-parser/fixtures/plaintext-mysql-bin.02",
    "zalora-binlog-parser/fixtures/mysql-bin.03": "zalora-binlog-parser/fixtures/plaintext-mysql-bin.03",
    "zalora-binlog-parser/fixtures/mysql-bin.05": "zalora-binlog-parser/fixtures/plaintext-mysql-bin.05",
    "zalora-binlog-parser/fixtures/mysql-bin.06": "zalora-binlog-parser/fixtures/plaintext-mysql-bin.06",
    "zalora-binlog-parser/fixtures/mysql-bin.07": "zalora-binlog-parser/fixtures/plaintext-mysql-bin.07",
    "zalora-binlog-parser/fixtures/mysql-bin.empty": "zalora-binlog-parser/fixtures/plaintext-mysql-bin.empty",
    "zalora-binlog-parser/gtid-fixtures/mysql-bin.01": "zalora-binlog-parser/gtid-fixtures/plaintext-mysql-bin.01",
}

# PREVIOUS_GTIDS start sets stated by the references (MANIFEST; rust tests
# untagged_previous_gtids_event_from_binlog / gtid_tagged_log_event_from_binlog)
START_GTIDS = {
    "rust_mysql_common/binlog_transaction_previous_GTID_no_tag.000001": "b9b88c66-0755-11f1-9899-4a9da94c4d71:1-2",
    "rust_mysql_common/binlog_transaction_with_GTID_TAG.000001":
        "55778904-0299-11f1-b1b8-4ef0c4956feb:1-13:mytag:1-2",
    "maxwell/binlog.000004": "83759871-1141-11ed-b12d-0242ac130003:1-5",
    "zalora-binlog-parser/gtid-fixtures/mysql-bin.01": "10440e47-3885-11eb-ac5b-0242ac110002:1-5",
    "mysql-binlog-connector-rust/mysql-bin.000057": "76f3e7be-6720-11ed-9cad-0242ac110002:1-10",
    "percona-binlog-server/data_80045_gtid/binlog.000002": "396e294c-1ca4-11f1-9ae7-00155da79c6b:1-4",
    "percona-binlog-server/data_80045_gtid/binlog.000001": "",
    # plaintext-mysql-bin.07: "Gtid list [0-3704-2814]"
    "zalora-binlog-parser/fixtures/mysql-bin.07": "0-3704-2814",
}

# Event counts asserted by the owners' tests (outer events; MANIFEST)
OWNER_EVENT_COUNTS = {
    "mysql-binlog-connector-java/mysql-bin.sakila.gz": 1462,
    "mysql-binlog-connector-java/mysql-bin.checksum-none": 191,
    "mysql-binlog-connector-java/mysql-bin.checksum-crc32": 303,
    "mysql-binlog-connector-java/mysql-bin.compressed": 5,
    "mysql-binlog-connector-rust/mysql-bin.000057": 8,
    "mysql-binlog-connector-rust/mysql-bin.000080": 37,
    "rust_mysql_common/binlog_transaction.000001": 20,
}


def run_checks(fixdir, work):
    R = Report()
    man = manifest_types(fixdir)
    index = [line.rstrip("\n").split("\t") for line in open(os.path.join(work, "index")) if line.strip()]
    for cls, rel, ident, rc in index:
        rc = int(rc)
        src = os.path.join(work, ident + ".src")
        path = open(src).read().strip() if os.path.exists(src) else os.path.join(fixdir, rel)
        evs = read_cat(os.path.join(work, ident + ".cat"))
        segs = read_ls(os.path.join(work, ident + ".ls"))
        err = open(os.path.join(work, ident + ".err"), errors="replace").read()
        out = open(os.path.join(work, ident + ".out"), errors="replace").read()
        try:
            scan = scan_file(path, os.path.basename(path))
        except Exception as e:  # the scanner itself failed: say so, do not hide it
            R.check(False, "%s: independent scan of the file" % rel, repr(e))
            continue
        if rel in OWNER_EVENT_COUNTS:
            R.eq(scan.events, OWNER_EVENT_COUNTS[rel], "%s: scanner finds the %d events the owner's test asserts"
                 % (rel, OWNER_EVENT_COUNTS[rel]))
        if cls == "damaged":
            found = [x.offset for x in (scan.damage, scan.nonstandard) if x is not None]
            R.check(any(o in DAMAGED[rel] for o in found), "%s: independent scan finds the damage" % rel,
                    "%s / %s" % (scan.damage, scan.nonstandard))
            check_damaged(R, rel, scan, evs, err, rc, DAMAGED[rel], segs)
            continue
        if not R.check(scan.damage is None and scan.nonstandard is None,
                       "%s: independent scan reads the whole file" % rel, scan.damage or scan.nonstandard):
            continue
        check_valid(R, rel, scan, evs, segs, out, man if cls != "gz" else {})
        if rel in START_GTIDS and segs:
            R.eq(parse_gtid_set(segs[0].get("start_gtid", "")), parse_gtid_set(START_GTIDS[rel]),
                 "%s: start_gtid = %s (reference)" % (rel, START_GTIDS[rel] or "empty"))
        schemas, oracle = [], []
        sch = os.path.join(work, ident + ".schemas")
        if os.path.exists(sch):
            for line in open(sch):
                o = json.loads(line)
                (schemas if o.get("type") == "schema" else oracle).append(o)
        if rel == "go-mysql/tcb-eval002c-bin.003320":
            check_gomysql_decimal(R, evs)
        elif rel.startswith("rust_mysql_common/"):
            check_rust(R, rel, evs, schemas)
        elif rel == "maxwell/binlog.000004":
            check_maxwell(R, rel, evs, fixdir)
        elif rel == "msmp/binlog.000001":
            check_msmp(R, rel, evs, fixdir, schemas)
        if rel in PLAINTEXT:
            check_plaintext(R, rel, evs, fixdir, PLAINTEXT[rel])
        check_misc(R, rel, evs)
        if rel == "mysql-binlog-connector-java/mysql-bin.sakila.gz":
            # the oracle reader's view of the archived bytes: staff 1's picture BLOB is a PNG
            pics = [o for o in oracle if o.get("table") == "staff"]
            v = pics[0].get("after", {}).get("@5") if pics else None
            R.check(isinstance(v, dict) and v.get("hex", "").startswith("89504e470d0a1a0a"),
                    "%s: staff 1 picture BLOB archived byte for byte (PNG signature 89 50 4e 47 0d 0a 1a 0a)" % rel,
                    repr(v)[:200])
    synth_exp = os.path.join(work, "synth.expect.json")
    if os.path.exists(synth_exp):
        rc = int(open(os.path.join(work, "synth.rc")).read().strip() or 1)
        check_synth(R, synth_exp, os.path.join(work, "synth.cat"), os.path.join(work, "synth.err"), rc)
    return R


def list_fixtures(fixdir):
    out = []
    for root, dirs, files in os.walk(fixdir):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(root, f)
            rel = os.path.relpath(p, fixdir)
            if f.endswith(REF_SUFFIXES) or f.startswith("plaintext-") or f.lower() == "readme.md":
                continue
            head = open(p, "rb").read(4)
            if rel in DAMAGED:
                out.append(("damaged", rel))
            elif head[:2] == b"\x1f\x8b":
                out.append(("gz", rel))
            elif head == MAGIC:
                out.append(("valid", rel))
            elif len(head) >= 4:
                out.append(("unknown", rel))
    return out


def main(argv):
    if len(argv) >= 2 and argv[0] == "list":
        for cls, rel in list_fixtures(argv[1]):
            print("%s\t%s" % (cls, rel))
        return 0
    if len(argv) == 2 and argv[0] == "scan":
        s = scan_file(argv[1])
        print(json.dumps(s.result(), indent=1))
        return 0
    if len(argv) == 4 and argv[0] == "synth":
        synth(argv[1], argv[2], argv[3])
        return 0
    if len(argv) == 3 and argv[0] == "check":
        R = run_checks(argv[1], argv[2])
        return 0 if R.n_bad == 0 else 1
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
