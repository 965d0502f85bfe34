#!/usr/bin/env python3
"""Checks Kafka messages published by binvault-replayer against the archive.

usage: replay_check.py CAT.jsonl CONSUMED.tsv --partitions TOPIC=N ... [--mode exact|atleast]
                       [--checkpoint-pos FILE:OFFSET] [--topic-template T] [--partition-by primary_key]

CAT.jsonl is `binvault cat` of the archive (the expectation); CONSUMED.tsv
holds tools/kafka.sh consume lines "Partition:P<TAB>Offset:O<TAB>HEADERS<TAB>
KEY<TAB>VALUE", each prefixed by "TOPIC<TAB>". The checks are written from
Maxwell's documented format and Java's String.hashCode, not from the
replayer's code. Prints TAP lines and exits 1 on any failure.
"""
import argparse
import json
import sys
from decimal import Decimal

n = 0
failed = 0


def check(ok, what):
    global n, failed
    n += 1
    if not ok:
        failed += 1
    print(("ok" if ok else "not ok"), n, "-", what)


def java_hash(s):
    data = s.encode("utf-16-be")
    h = 0
    for i in range(0, len(data), 2):
        h = (31 * h + int.from_bytes(data[i:i + 2], "big")) & 0xFFFFFFFF
    return h - (1 << 32) if h >= 1 << 31 else h


def java_mod(a, b):
    r = abs(a) % b
    return -r if a < 0 else r


def text(v):
    """Java toString of a Maxwell value (for the partition string)."""
    if v is None:
        return "null"
    if isinstance(v, str):
        return v
    return json.dumps(v) if not isinstance(v, Decimal) else str(v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cat")
    ap.add_argument("consumed")
    ap.add_argument("--partitions", action="append", default=[])
    ap.add_argument("--mode", default="exact")
    ap.add_argument("--checkpoint-pos")
    ap.add_argument("--topic-template", default="maxwell")
    ap.add_argument("--partition-by", default="database")
    a = ap.parse_args()
    parts = dict((p.split("=")[0], int(p.split("=")[1])) for p in a.partitions)

    # expectation from the archive: row events in archive order
    expected = []
    txn_rows = {}
    for line in open(a.cat, encoding="utf-8"):
        e = json.loads(line, parse_float=Decimal)
        if e["type"] in ("insert", "update", "delete"):
            eid = (e["file"], e["offset"], e["row"])
            expected.append((eid, e))
            txn_rows.setdefault(e.get("gtid"), []).append(eid)
    order = dict((eid, i) for i, (eid, _) in enumerate(expected))
    by_id = dict(expected)

    got = {}
    seq = []
    for line in open(a.consumed, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line:
            continue
        topic, p, off, headers, key, value = line.split("\t", 5)
        p = int(p.split(":", 1)[1])
        off = int(off.split(":", 1)[1])
        h = {} if headers == "NO_HEADERS" else dict(x.split(":", 1) for x in headers.split(","))
        # the event id header: FILE:OFFSET:ROW
        f, o, r = h.get("binvault.id", "?:-1:-1").rsplit(":", 2)
        eid = (f, int(o), int(r))
        m = json.loads(value, parse_float=Decimal)
        k = json.loads(key, parse_float=Decimal)
        got.setdefault(eid, []).append((topic, p, off, k, m, h))
        seq.append((topic, p, off, eid))

    missing = [eid for eid, _ in expected if eid not in got]
    unknown = [eid for eid in got if eid not in by_id]
    dups = [eid for eid, v in got.items() if len(v) > 1]
    check(not missing, "every archived row event was published (%d expected, %d missing%s)"
          % (len(expected), len(missing), (", first %s" % (missing[0],)) if missing else ""))
    check(not unknown, "no message that is not an archived row event (%d)" % len(unknown))
    if a.mode == "exact":
        check(not dups, "each exactly once (%d duplicated)" % len(dups))
    else:
        cp = None
        if a.checkpoint_pos:
            f, o = a.checkpoint_pos.rsplit(":", 1)
            cp = (f, int(o))
        bad = [d for d in dups if cp and (d[0], d[1]) < cp and d[0] == cp[0]]
        check(not bad, "duplicates (%d) only after the checkpoint %s (%d before it)" % (len(dups), a.checkpoint_pos, len(bad)))

    bad_topic = bad_key = bad_part = bad_val = bad_commit = bad_hdr = 0
    for eid, lst in got.items():
        if eid not in by_id:
            continue
        e = by_id[eid]
        for topic, p, off, k, m, h in lst:
            # headers: exactly the event id and, when the transaction has one, its GTID
            want_h = {"binvault.id": "%s:%d:%d" % eid}
            if e.get("gtid"):
                want_h["binvault.gtid"] = e["gtid"]
            if h != want_h:
                bad_hdr += 1
            want_topic = a.topic_template.replace("%{database}", e["database"]).replace("%{table}", e["table"]) \
                .replace("%{type}", e["type"])
            if topic != want_topic:
                bad_topic += 1
            # the key: database, table, pk.<lowercased column> in key order
            if k.get("database") != e["database"] or k.get("table") != e["table"]:
                bad_key += 1
            pk = [(c[3:], v) for c, v in k.items() if c.startswith("pk.")]
            img = e["data"]
            if any(img.get(c, img.get(c.upper())) != v for c, v in pk):
                bad_key += 1
            if a.partition_by == "primary_key":
                s = "".join(text(v) for _, v in pk) if pk else e["database"] + e["table"]
            elif a.partition_by == "table":
                s = e["table"]
            else:
                s = e["database"]
            want_p = abs(java_mod(java_hash(s), parts.get(topic, 1)))
            if p != want_p:
                bad_part += 1
            if m.get("database") != e["database"] or m.get("table") != e["table"] or m.get("type") != e["type"] \
                    or m.get("data") != e["data"]:
                bad_val += 1
            if e["type"] == "update":
                changed = dict((c, v) for c, v in e["old"].items() if e["data"].get(c) != v)
                if m.get("old", {}) != changed:
                    bad_val += 1
            last = txn_rows[e.get("gtid")][-1] == eid
            if bool(m.get("commit")) != last or ("xoffset" in m) == last:
                bad_commit += 1
    check(bad_hdr == 0, "headers binvault.id (FILE:OFFSET:ROW) and binvault.gtid (when the transaction has one) "
          "(%d wrong)" % bad_hdr)
    check(bad_topic == 0, "topic template applied (%d wrong)" % bad_topic)
    check(bad_key == 0, "keys are {database, table, pk.col} with the row's key values (%d wrong)" % bad_key)
    check(bad_part == 0, "partition = abs(String.hashCode(%s) %% partitions) (%d wrong)" % (a.partition_by, bad_part))
    check(bad_val == 0, "type, data and old (changed columns only) equal the archived row (%d wrong)" % bad_val)
    check(bad_commit == 0, "commit:true on each transaction's last row, xoffset on the others (%d wrong)" % bad_commit)

    # per-key order: within a (topic, partition), messages of one key follow archive order
    last = {}
    out_of_order = 0
    for topic, p, off, eid in sorted(seq, key=lambda x: (x[0], x[1], x[2])):
        if eid not in by_id:
            continue
        k = json.dumps(got[eid][0][3], sort_keys=True, default=str)
        i = order[eid]
        if (topic, k) in last and i < last[(topic, k)] and a.mode == "exact":
            out_of_order += 1
        last[(topic, k)] = max(i, last.get((topic, k), -1))
    check(out_of_order == 0, "per-key order preserved within each partition (%d out of order)" % out_of_order)
    print("# %d messages, %d row events, %d keys" % (len(seq), len(expected), len(last)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
