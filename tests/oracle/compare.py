#!/usr/bin/env python3
"""compare.py - compare the oracle's events with `binvault cat`.

Usage:
    compare.py ORACLE.jsonl BINVAULT.jsonl
    compare.py --segments ORACLE_SEGMENTS.jsonl BINVAULT_LS.jsonl

ORACLE.jsonl is the output of `bvread.py --schemas DIR`; BINVAULT.jsonl the
output of `binvault cat DIR`. The second form compares bvread.py's
`--segments` file with `binvault ls --json DIR`.

binvault's JSON is parsed with parse_float=str so that decimals (printed as
JSON numbers) compare exactly. Every event must have the same type, file,
offset, row, time, GTID and type-specific fields, and row events the same
database, table and values for every column. The oracle's normalised values
(see bvread.py) are turned into what binvault prints for the same value and
column: temporal values cut to the column's fractional digits, ENUM/SET as
member names, binary-charset strings and bytes as base64, invalid UTF-8 as
\\u00XX characters, floats compared as binary32/binary64, non-finite floats
as null.

Prints one line per difference (at most 20) and a summary; exits 0 when
everything matched, 1 otherwise.
"""

import base64
import calendar
import json
import struct
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
from bvread import lossy  # noqa: E402  (same lossy rule as binvault's JSON)

MAX_REPORT = 20


def _int(s):
    """JSON integers as ints, except "-0" (a float or decimal minus zero),
    kept as text like the parse_float=str numbers."""
    return s if s == "-0" else int(s)


def ts_to_us(s):
    # "YYYY-MM-DDTHH:MM:SS.ffffffZ"
    main, frac = s.rstrip("Z").split(".")
    t = calendar.timegm((int(main[0:4]), int(main[5:7]), int(main[8:10]), int(main[11:13]), int(main[14:16]),
                         int(main[17:19]), 0, 0, 0))
    return t * 1000000 + int(frac)


def raw_bytes(v):
    """The bytes behind an oracle string value."""
    if isinstance(v, dict):
        return bytes.fromhex(v["hex"])
    return v.encode("utf-8")


def cut_frac(s, fsp):
    """Oracle temporal text (always .ffffff) as binvault prints it."""
    head, frac = s.rsplit(".", 1)
    if 1 <= fsp <= 6:
        return head + "." + frac[:fsp]
    return head


def value_matches(kind, ov, bv, col):
    """Does binvault's printed value bv show the oracle's value ov?"""
    if kind == "null":
        return bv is None
    if kind in ("int", "uint", "year", "bit"):
        return isinstance(bv, int) and not isinstance(bv, bool) and bv == ov
    if kind in ("float", "double"):
        if isinstance(ov, str):  # non-finite: binvault prints null
            return bv is None
        if bv is None or isinstance(bv, bool):
            return False
        got = float(bv)
        if kind == "float":
            return struct.pack("<f", got) == struct.pack("<f", ov)
        return struct.pack("<d", got) == struct.pack("<d", ov)
    if kind == "decimal":
        return isinstance(bv, (str, int)) and not isinstance(bv, bool) and str(bv) == ov
    if kind == "date":
        return bv == ov
    if kind in ("time", "datetime", "timestamp"):
        if ov.startswith("@"):
            return False  # beyond what binvault can print
        return bv == cut_frac(ov, col["scale"])
    if kind == "string":
        b = raw_bytes(ov)
        if col["charset"] == 63:
            return isinstance(bv, str) and base64.b64decode(bv) == b
        return bv == lossy(b)
    if kind in ("bytes", "geometry", "vector"):
        return isinstance(bv, str) and base64.b64decode(bv) == bytes.fromhex(ov)
    if kind == "json":
        try:
            return json.loads(raw_bytes(ov), parse_float=str, parse_int=_int) == bv
        except ValueError:
            return False
    if kind == "enum":
        members = col["members"]
        if 1 <= ov <= len(members):
            return bv == members[ov - 1]
        if ov == 0:
            return bv == ""
        return bv == ov
    if kind == "set":
        members = col["members"]
        want = [members[i] if i < len(members) else i for i in range(64) if ov >> i & 1]
        return bv == want
    return False


def compare_image(o, b, img, key, schema, where, report):
    ovals = o.get(img, {})
    kinds = o["kinds"][img]
    bvals = b.get(key)
    if not isinstance(bvals, dict):
        report(where, "binvault has no '%s' image" % key)
        return
    present = [n for n, k in kinds.items() if k != "absent"]
    if sorted(present) != sorted(bvals):
        report(where, "%s columns differ: oracle %s, binvault %s" % (img, sorted(present), sorted(bvals)))
        return
    cols = {c["name"]: c for c in schema["columns"]}
    for name in present:
        if not value_matches(kinds[name], ovals.get(name), bvals[name], cols[name]):
            report(where, "%s.%s (%s): oracle %r, binvault %r" % (img, name, kinds[name], ovals.get(name), bvals[name]))


def compare_events(opath, bpath):
    schemas = {}
    oevents = []
    with open(opath, encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            if o["type"] == "schema":
                schemas[(o["segment"], o["id"])] = o
            else:
                oevents.append(o)
    bevents = []
    with open(bpath, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                bevents.append(json.loads(line, parse_float=str, parse_int=_int))
            except ValueError as e:
                print("binvault line %d is not valid JSON: %s" % (n, e))
                return 1
    problems = []

    def report(where, msg):
        problems.append("event %d: %s" % (where, msg))

    if len(oevents) != len(bevents):
        problems.append("event counts differ: oracle %d, binvault %d" % (len(oevents), len(bevents)))
    counts = {}
    for i, (o, b) in enumerate(zip(oevents, bevents)):
        if len(problems) > MAX_REPORT:
            break
        t = o["type"]
        counts[t] = counts.get(t, 0) + 1
        if b.get("type") != t:
            report(i, "type: oracle %s, binvault %s" % (t, b.get("type")))
            continue
        for k in ("file", "offset"):
            if b.get(k) != o[k]:
                report(i, "%s: oracle %r, binvault %r" % (k, o[k], b.get(k)))
        if ("row" in o) != ("row" in b) or o.get("row") != b.get("row"):
            report(i, "row: oracle %r, binvault %r" % (o.get("row"), b.get("row")))
        if ts_to_us(b["ts"]) != o["ts_us"]:
            report(i, "time: oracle %d, binvault %s" % (o["ts_us"], b["ts"]))
        if o.get("gtid") != b.get("gtid"):
            report(i, "gtid: oracle %r, binvault %r" % (o.get("gtid"), b.get("gtid")))
        if t == "begin":
            fields = ("server_id", "thread_id")
        elif t == "ddl":
            fields = ("database", "sql")
        elif t == "commit":
            fields = ("kind", "xid", "end_offset")
        elif t == "rotate":
            fields = ("new_file", "end_offset")
        elif t == "note":
            fields = ("level", "text")
        else:
            fields = ("database", "table")
        for k in fields:
            if o[k] != b.get(k):
                report(i, "%s: oracle %r, binvault %r" % (k, o[k], b.get(k)))
        if t in ("insert", "update", "delete"):
            schema = schemas[tuple(o["schema"])]
            if t == "update":
                compare_image(o, b, "before", "old", schema, i, report)
            if t != "insert":
                compare_image(o, b, "before" if t == "delete" else "after", "data", schema, i, report)
            else:
                compare_image(o, b, "after", "data", schema, i, report)
    for p in problems[:MAX_REPORT]:
        print(p)
    summary = ", ".join("%d %s" % (counts[k], k) for k in sorted(counts))
    if problems:
        print("MISMATCH: %d problem(s) among %d oracle / %d binvault events" % (len(problems), len(oevents), len(bevents)))
        return 1
    print("match: %d events (%s), %d schemas" % (len(oevents), summary, len(schemas)))
    return 0


def compare_segments(opath, bpath):
    with open(opath, encoding="utf-8") as f:
        osegs = [json.loads(x) for x in f]
    with open(bpath, encoding="utf-8") as f:
        bsegs = [json.loads(x) for x in f]
    keys = ("segment", "state", "seq", "start", "end", "events", "blocks", "bytes", "raw_bytes", "torn_bytes",
            "start_gtid", "end_gtid")
    bad = 0
    if len(osegs) != len(bsegs):
        print("segment counts differ: oracle %d, binvault %d" % (len(osegs), len(bsegs)))
        bad += 1
    for o, b in zip(osegs, bsegs):
        for k in keys:
            if o[k] != b.get(k):
                print("%s: %s: oracle %r, binvault %r" % (o["segment"], k, o[k], b.get(k)))
                bad += 1
    if bad:
        return 1
    print("match: %d segments" % len(osegs))
    return 0


def main(argv):
    if len(argv) == 4 and argv[1] == "--segments":
        return compare_segments(argv[2], argv[3])
    if len(argv) == 3:
        return compare_events(argv[1], argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
