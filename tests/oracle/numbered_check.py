#!/usr/bin/env python3
"""Numbered-transaction workload and exactly-once checker for live capture.

Python 3 standard library only. Two commands share one deterministic
workload generator, so the checker knows every row each transaction wrote:

  numbered_check.py sql N [--seed S] [--big-every B] [--pace SECONDS]
      prints the workload as SQL for the mariadb client, one transaction at a
      time (flushed; with --pace it sleeps between transactions so a live
      archiver sees them arrive over time).

  numbered_check.py check --cat FILE N [--seed S] [--big-every B]
                          [--server ROWS:CRCSUM] [--max-report K] [--selftest]
      reads `binvault cat` JSON lines (FILE, or - for stdin) and checks them
      against the same workload. Prints TAP-ish "ok"/"not ok" lines and
      "#" comments; exits 1 when a check fails, 2 on usage errors.
      --selftest then proves the checks can fail: the archive's first 40
      transactions must pass alone, and each of ten damaged copies of them
      (a transaction lost, doubled, swapped with the next, merged with it; a
      row lost, doubled, changed, or from a rolled back transaction; a torn
      transaction without commit, alone at the end or followed by its retry)
      must fail at least one check.

  numbered_check.py state-sql
      prints the SQL whose answer --server takes (see below).

The workload. Table t.seq(id BIGINT PRIMARY KEY, txn INT, k INT,
payload VARCHAR(200)) in utf8mb4. Transaction number i (1..N) is one
BEGIN..COMMIT that inserts r >= 1 new rows with txn=i (ids are globally
increasing; r is 1 about a third of the time, often 2..12, sometimes
50..120 or 200..600, and every B-th transaction 2,000..3,500 rows split over
INSERTs of at most 1,000 rows), and sometimes also:
  - UPDATEs rows it inserted itself (k = k + 1000, in id order),
  - UPDATEs one row of an earlier transaction (k+1, payload 'u<i>:...'),
  - DELETEs one row of an earlier transaction,
  - SAVEPOINT sp; INSERT rows with txn=-1; ROLLBACK TO SAVEPOINT sp.
Between numbered transactions there are sometimes whole transactions that
end in ROLLBACK: they insert rows with txn=-1 and set txn=-1 on an earlier
row. Nothing with txn=-1 may ever reach the archive. Payloads are NULL now
and then, of varying length, with quotes, backslashes and non-ASCII.

What `check` verifies:
  - the events form begin..commit groups (no nesting, no row outside a
    group, the archive ends after a commit); every event of a group carries
    its begin's GTID;
  - GTIDs (MariaDB domain-server-seq) strictly increase per domain, no
    duplicates;
  - each group holding t.seq rows is exactly one numbered transaction i
    (all its inserted rows have txn=i) and holds exactly that transaction's
    row events (same multiset of insert/update/delete with old and new
    images: missing and duplicated rows are counted); groups without rows
    hold only DDL;
  - every i in 1..N appears exactly once, in increasing order;
  - no image holds txn=-1;
  - replaying the archived insert/update/delete events gives the final state
    the workload produces (every update/delete finds its old image, no
    insert finds its id taken); and, with --server, that state's row count
    and checksum equal the server's
      SELECT COUNT(*), COALESCE(SUM(CRC32(CONCAT_WS('|', id, txn, k,
             COALESCE(payload, 'NULL')))), 0) FROM t.seq
The last line "# RESULT transactions=.. rows=.. events=.. missing=..
duplicated=.. out_of_order=.. unexpected=.." sums it up for scripts.
"""
import argparse
import collections
import json
import random
import sys
import time
import zlib

SCHEMA_SQL = [
    "CREATE DATABASE IF NOT EXISTS t",
    "CREATE TABLE t.seq (id BIGINT PRIMARY KEY, txn INT, k INT, payload VARCHAR(200)) DEFAULT CHARSET=utf8mb4",
]
STATE_SQL = ("SELECT COUNT(*), COALESCE(SUM(CRC32(CONCAT_WS('|', id, txn, k, COALESCE(payload, 'NULL')))), 0) "
             "FROM t.seq")

FILLER = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.,;:!?()[]{}"
POOL = "".join(random.Random(20240101).choices(FILLER, k=65536))  # payload bodies are slices of it
SPECIAL = ["'", '"', "\\", "é", "ß", "€", "日本", "😀", "%", "\t"]


def sql_str(s):
    if s is None:
        return "NULL"
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'").replace("\t", "\\t") + "'"


def make_payload(rng, i, j):
    if rng.random() < 0.06:
        return None
    head = "p%d-%d:" % (i, j)
    n = rng.choice((0, 0, 3, 10, 40, 90, 150, 200 - len(head)))
    start = rng.randrange(len(POOL) - n)
    body = list(POOL[start:start + n])
    if n and rng.random() < 0.5:
        for _ in range(rng.randint(1, 3)):
            body[rng.randrange(n)] = rng.choice(SPECIAL)
    s = head + "".join(body)
    return s[:200]


class Txn:
    """One numbered transaction: its SQL and the row events it must produce."""

    def __init__(self, i):
        self.i = i
        self.pre_sql = []   # a rolled-back transaction sent before it (never archived)
        self.sql = []       # statements between BEGIN and COMMIT
        self.events = []    # (type, old row or None, new row or None); row = (id, txn, k, payload)


def workload(n, seed, big_every):
    """Yields Txn 1..n; the final state is left in the generator's return value."""
    rng = random.Random("binvault-numbered-%s" % seed)
    state = {}                 # id -> (id, txn, k, payload)
    alive = []                 # ids in state (list for random choice; lazily cleaned)
    next_id = 1
    for i in range(1, n + 1):
        t = Txn(i)
        # a transaction that is rolled back: nothing of it may be archived
        if rng.random() < 0.08:
            rb = ["BEGIN"]
            vals = []
            for _ in range(rng.choice((1, 3, 30))):
                vals.append("(%d,-1,%d,%s)" % (next_id + 10_000_000 + len(vals), len(vals), sql_str("rolled back %d" % i)))
            rb.append("INSERT INTO t.seq (id, txn, k, payload) VALUES " + ",".join(vals))
            if alive:
                rb.append("UPDATE t.seq SET txn=-1, payload='rolled back' WHERE id=%d" % rng.choice(alive))
            rb.append("ROLLBACK")
            t.pre_sql = rb
        # how many rows
        if big_every and i % big_every == 0:
            r = rng.randint(2000, 3500)
        else:
            x = rng.random()
            r = 1 if x < 0.35 else rng.randint(2, 12) if x < 0.75 else rng.randint(50, 120) if x < 0.95 \
                else rng.randint(200, 600)
        rows = []
        for j in range(r):
            row = (next_id, i, j, make_payload(rng, i, j))
            next_id += 1
            rows.append(row)
        # some transactions touch an earlier row first
        if alive and rng.random() < 0.10:
            vid = pick_alive(rng, alive, state)
            if vid is not None:
                old = state[vid]
                new = (vid, old[1], old[2] + 1, "u%d:%s" % (i, (old[3] or "")[:20]))
                t.sql.append("UPDATE t.seq SET k=k+1, payload=%s WHERE id=%d" % (sql_str(new[3]), vid))
                t.events.append(("update", old, new))
                state[vid] = new
        for c in range(0, r, 1000):
            chunk = rows[c:c + 1000]
            t.sql.append("INSERT INTO t.seq (id, txn, k, payload) VALUES " +
                         ",".join("(%d,%d,%d,%s)" % (a, b, k, sql_str(p)) for a, b, k, p in chunk))
            for row in chunk:
                t.events.append(("insert", None, row))
                state[row[0]] = row
                alive.append(row[0])
        if r >= 3 and rng.random() < 0.15:
            # rows of this transaction, updated in it (id order, as InnoDB scans the primary key)
            lo = rows[0][0]
            hi = rows[min(len(rows) - 1, rng.randint(1, 60))][0]
            t.sql.append("UPDATE t.seq SET k=k+1000 WHERE txn=%d AND id BETWEEN %d AND %d" % (i, lo, hi))
            for rid in range(lo, hi + 1):
                old = state[rid]
                new = (rid, old[1], old[2] + 1000, old[3])
                t.events.append(("update", old, new))
                state[rid] = new
        if rng.random() < 0.05:
            # a savepoint rolled back inside a committed transaction
            sp_id = next_id + 20_000_000
            t.sql.append("SAVEPOINT sp")
            t.sql.append("INSERT INTO t.seq (id, txn, k, payload) VALUES (%d,-1,0,'savepoint rolled back')" % sp_id)
            t.sql.append("ROLLBACK TO SAVEPOINT sp")
        if rng.random() < 0.05:
            vid = pick_alive(rng, alive, state, exclude_from=rows[0][0])  # an earlier transaction's row
            if vid is not None:
                t.sql.append("DELETE FROM t.seq WHERE id=%d" % vid)
                t.events.append(("delete", None, state[vid]))  # binvault cat gives a delete's image as "data"
                del state[vid]
        yield t
    return state


def pick_alive(rng, alive, state, exclude_from=None):
    """A random id still in state (below exclude_from), or None."""
    for _ in range(8):
        if not alive:
            return None
        vid = rng.choice(alive)
        if vid in state and (exclude_from is None or vid < exclude_from):
            return vid
    return None


def expected(n, seed, big_every):
    txns = []
    gen = workload(n, seed, big_every)
    while True:
        try:
            txns.append(next(gen))
        except StopIteration as e:
            return txns, e.value


def row_crc(row):
    id_, txn, k, payload = row
    return zlib.crc32(("%d|%d|%d|%s" % (id_, txn, k, "NULL" if payload is None else payload)).encode("utf-8"))


# ------------------------------------------------------------------ sql

def cmd_sql(a):
    out = sys.stdout
    for s in SCHEMA_SQL:
        out.write(s + ";\n")
    out.flush()
    for t in workload(a.n, a.seed, a.big_every):
        lines = []
        if t.pre_sql:
            lines.extend(t.pre_sql)
        lines.append("BEGIN")
        lines.extend(t.sql)
        lines.append("COMMIT")
        out.write(";\n".join(lines) + ";\n")
        out.flush()
        if a.pace > 0:
            time.sleep(a.pace)
    return 0


# ------------------------------------------------------------------ check

def parse_gtid(g):
    try:
        d, s, n = g.split("-")
        return int(d), int(s), int(n)
    except (ValueError, AttributeError):
        return None


Ev = collections.namedtuple("Ev", "ln type db table old new sql")  # one archived event, compactly


def img(d):
    if d is None:
        return None
    return (d.get("id"), d.get("txn"), d.get("k"), d.get("payload"))


class Report:
    def __init__(self, max_report, quiet=False):
        self.failed = 0
        self.failures = []
        self.max = max_report
        self.quiet = quiet

    def note(self, text):
        if not self.quiet:
            print("# " + text)

    def ok(self, cond, what, details=()):
        if not cond:
            self.failed += 1
            self.failures.append(what)
        if self.quiet:
            return
        print(("ok - " if cond else "not ok - ") + what)
        if not cond:
            for d in list(details)[: self.max]:
                print("#   " + d)
            if len(details) > self.max:
                print("#   ... %d more" % (len(details) - self.max))


def check(f, n, txns, final, server, R):
    """Checks the `binvault cat` lines f against transactions 1..n; reports through R."""

    events = 0
    bad_json = []
    structure = []         # grouping problems
    gtid_problems = []
    groups = []            # (gtid, [events])
    cur = None
    counts = collections.Counter()
    for ln, line in enumerate(f, 1):
        line = line.strip()
        if not line:
            continue
        try:
            e = json.loads(line)
        except ValueError as ex:
            bad_json.append("line %d: %s" % (ln, ex))
            continue
        events += 1
        ty = e.get("type")
        counts[ty] += 1
        if ty == "begin":
            if cur is not None:
                structure.append("line %d: begin inside the transaction begun at %s" % (ln, cur[2]))
                groups.append((cur[0], cur[1], cur[2], False))
            cur = (e.get("gtid"), [], "line %d (%s:%s)" % (ln, e.get("file"), e.get("offset")))
        elif ty == "commit":
            if cur is None:
                structure.append("line %d: commit without begin" % ln)
                continue
            if e.get("gtid") != cur[0]:
                gtid_problems.append("line %d: commit GTID %s in the transaction of GTID %s" % (ln, e.get("gtid"), cur[0]))
            groups.append((cur[0], cur[1], cur[2], True))
            cur = None
        elif ty in ("insert", "update", "delete", "ddl"):
            if cur is None:
                structure.append("line %d: %s outside a transaction" % (ln, ty))
                continue
            if e.get("gtid") != cur[0]:
                gtid_problems.append("line %d: %s GTID %s in the transaction of GTID %s" % (ln, ty, e.get("gtid"), cur[0]))
            cur[1].append(Ev(ln, ty, e.get("database"), e.get("table"), img(e.get("old")), img(e.get("data")),
                             e.get("sql")))
        elif ty in ("rotate", "note"):
            if ty == "note":
                R.note("note: %s" % json.dumps(e)[:300])
        else:
            structure.append("line %d: unknown event type %r" % (ln, ty))
    if cur is not None:
        structure.append("the archive ends inside the transaction begun at %s (GTID %s)" % (cur[2], cur[0]))

    R.ok(not bad_json, "every line is JSON (%d events)" % events, bad_json)
    R.ok(not structure, "events form begin..commit transactions (%d transactions)" % len(groups), structure)

    # GTIDs
    last = {}
    seen_g = collections.Counter()
    dup_g = 0
    for gt, _, where, _ in groups:
        p = parse_gtid(gt)
        if p is None:
            gtid_problems.append("%s: GTID %r is not domain-server-seq" % (where, gt))
            continue
        seen_g[gt] += 1
        if seen_g[gt] == 2:
            dup_g += 1
        if p[0] in last and p[2] <= last[p[0]][0]:
            gtid_problems.append("%s: GTID %s after %s" % (where, gt, last[p[0]][1]))
        last[p[0]] = (p[2], gt)
    R.ok(not gtid_problems, "GTIDs strictly increase without duplicates (%d duplicated)" % dup_g, gtid_problems)

    # numbered transactions
    by_i = {t.i: t for t in txns}
    seen = collections.Counter()
    order = []
    other_groups = 0
    content = []
    attribution = []
    rolled_back = []
    miss_rows = dup_rows = unexpected = 0
    for gt, evs, where, _ in groups:
        rows = [e for e in evs if e.type != "ddl"]
        for e in rows:
            for key, d in (("old", e.old), ("data", e.new)):
                if d is not None and d[1] == -1:
                    rolled_back.append("line %d: %s %s of a rolled back transaction: %s" % (e.ln, e.type, key, d))
        if not rows:
            other_groups += 1
            continue
        nums = set()
        for e in rows:
            if e.db != "t" or e.table != "seq":
                attribution.append("line %d: row of %s.%s" % (e.ln, e.db, e.table))
            elif e.type == "insert":
                nums.add(e.new[1] if e.new else None)
        for e in evs:
            if e.type == "ddl" and not str(e.sql or "").upper().startswith("SAVEPOINT"):
                content.append("line %d: DDL %r inside numbered transaction" % (e.ln, e.sql))
        if len(nums) != 1 or next(iter(nums)) not in by_i:
            attribution.append("%s (GTID %s): inserts of transactions %s, want exactly one of 1..%d" %
                               (where, gt, sorted(nums, key=str), n))
            unexpected += len(rows)
            continue
        i = next(iter(nums))
        seen[i] += 1
        order.append((i, where, gt))
        want = collections.Counter((ty, old, new) for ty, old, new in by_i[i].events)
        got = collections.Counter((e.type, e.old, e.new) for e in rows)
        for key in set(want) | set(got):
            w, g = want.get(key, 0), got.get(key, 0)
            if g < w:
                miss_rows += w - g
                content.append("txn %d (%s): %s %s/%s %dx, want %dx" % (i, where, key[0], key[1], key[2], g, w))
            elif g > w:
                if w:
                    dup_rows += g - w
                else:
                    unexpected += g - w
                content.append("txn %d (%s): %s %s/%s %dx, want %dx" % (i, where, key[0], key[1], key[2], g, w))
        # row order inside the transaction: each statement's rows in the order written
        exp_seq = [(ty, old, new) for ty, old, new in by_i[i].events]
        got_seq = [(e.type, e.old, e.new) for e in rows]
        if want == got and exp_seq != got_seq:
            content.append("txn %d (%s): its row events are out of order" % (i, where))

    dup_txn = sum(c - 1 for c in seen.values() if c > 1)
    missing = [i for i in range(1, n + 1) if seen[i] == 0]
    ooo = []
    hi = 0
    for i, where, gt in order:
        if i < hi:
            ooo.append("txn %d (%s, GTID %s) after txn %d" % (i, where, gt, hi))
        hi = max(hi, i)
    archived_rows = sum(len(by_i[i].events) for i in seen)

    R.ok(not attribution, "each transaction with rows is one numbered transaction", attribution)
    R.ok(not missing, "every committed transaction 1..%d is archived (%d missing)" % (n, len(missing)),
         ["missing transactions: " + compress(missing)])
    R.ok(dup_txn == 0, "no transaction is archived twice (%d duplicated)" % dup_txn,
         ["txn %d archived %dx" % (i, c) for i, c in sorted(seen.items()) if c > 1])
    R.ok(not ooo, "transactions are in commit order (%d out of order)" % len(ooo), ooo)
    R.ok(not content, "each transaction holds exactly its row events (%d row events; %d missing, %d duplicated, "
         "%d unexpected)" % (archived_rows, miss_rows, dup_rows, unexpected), content)
    R.ok(not rolled_back, "no row of a rolled back transaction or savepoint is archived (%d)" % len(rolled_back),
         rolled_back)

    # replay into a final state
    state = {}
    replay = []
    for gt, evs, where, _ in groups:
        for e in evs:
            ty, ln, old, new = e.type, e.ln, e.old, e.new
            if ty not in ("insert", "update", "delete") or e.table != "seq":
                continue
            if (ty != "insert" and ty != "delete" and old is None) or new is None:
                replay.append("line %d: %s without its row image" % (ln, ty))
                continue
            if ty == "insert":
                if new[0] in state:
                    replay.append("line %d: insert of id %s, which exists" % (ln, new[0]))
                state[new[0]] = new
            elif ty == "update":
                if state.get(old[0]) != old:
                    replay.append("line %d: update of id %s: old image %s, state %s" % (ln, old[0], old, state.get(old[0])))
                state.pop(old[0], None)
                state[new[0]] = new
            else:
                # a delete's image is under "data"
                if state.get(new[0]) != new:
                    replay.append("line %d: delete of id %s: image %s, state %s" % (ln, new[0], new, state.get(new[0])))
                state.pop(new[0], None)
    R.ok(not replay, "replaying the archive, every update/delete finds its row and no insert its id taken", replay)
    crc = sum(row_crc(r) for r in state.values())
    want_crc = sum(row_crc(r) for r in final.values())
    diff = ["id %d: archive %s, workload %s" % (k, state.get(k), final.get(k))
            for k in sorted(set(state) | set(final)) if state.get(k) != final.get(k)]
    R.ok(state == final, "the archive's final state is the workload's (%d rows, checksum %d)" % (len(state), crc), diff)
    if server:
        srows, scrc = server.split(":")
        R.ok(int(srows) == len(state) and int(scrc) == crc,
             "the archive's final state equals the server's (rows %d/%s, checksum %d/%s)" % (len(state), srows, crc, scrc))
    R.note("archive: %d events (%s), %d transactions (%d numbered, %d DDL)" % (
        events, ", ".join("%s %d" % kv for kv in sorted(counts.items())), len(groups), len(order), other_groups))
    R.note("RESULT transactions=%d rows=%d events=%d missing=%d duplicated=%d out_of_order=%d unexpected=%d "
          "missing_rows=%d duplicated_rows=%d state_rows=%d state_crc=%d workload_crc=%d" % (
              len(order), archived_rows, events, len(missing), dup_txn, len(ooo), unexpected + len(rolled_back),
              miss_rows, dup_rows, len(state), crc, want_crc))
    return R


def cmd_check(a):
    R = Report(a.max_report)
    txns, final = expected(a.n, a.seed, a.big_every)
    if a.cat == "-":
        check(sys.stdin, a.n, txns, final, a.server, R)
    else:
        with open(a.cat, encoding="utf-8") as f:
            check(f, a.n, txns, final, a.server, R)
    if a.selftest:
        selftest(a, R)
    return 1 if R.failed else 0


def selftest(a, R):
    """The checks must fail on damaged archives: the first K numbered
    transactions of the archive, changed one way at a time."""
    k = min(a.n, 40)
    lines, groups, cur, numbered = [], [], None, 0
    with open(a.cat, encoding="utf-8") as f:
        for line in f:
            lines.append(line)
            e = json.loads(line)
            if e["type"] == "begin":
                cur = [len(lines) - 1, None]
            elif e["type"] == "insert" and cur is not None and cur[1] is None:
                cur[1] = e["data"]["txn"]
            elif e["type"] == "commit" and cur is not None:
                groups.append((cur[0], len(lines), cur[1]))  # [start, end) and txn number (None: DDL)
                cur = None
                if groups[-1][2] == k:
                    break
    txns, final = expected(k, a.seed, a.big_every)
    base = Report(a.max_report, quiet=True)
    check(lines, k, txns, final, None, base)
    R.ok(base.failed == 0, "self-test: the first %d transactions of the archive pass alone%s" % (
        k, "" if not base.failed else " (failed: %s)" % "; ".join(base.failures)))
    if base.failed:
        return
    num = [g for g in groups if g[2] is not None]
    if len(num) < 8:
        R.note("self-test skipped: it needs at least 8 numbered transactions")
        return
    big = max(num[len(num) // 4:-2], key=lambda g: g[1] - g[0])   # a transaction with many rows
    mid, nxt = num[len(num) // 2], num[len(num) // 2 + 1]

    def without(i):
        return lines[:i] + lines[i + 1:]

    def edit(i, fn):
        e = json.loads(lines[i])
        fn(e)
        return lines[:i] + [json.dumps(e) + "\n"] + lines[i + 1:]

    def rolled_back_row(e):
        e["data"] = dict(e["data"], id=99999999, txn=-1)

    def change_k(e):
        e["data"] = dict(e["data"], k=e["data"]["k"] + 1)

    cases = [
        ("a transaction is lost", lines[:mid[0]] + lines[mid[1]:]),
        ("a transaction is archived twice", lines[:mid[1]] + lines[mid[0]:mid[1]] + lines[mid[1]:]),
        ("two transactions are swapped", lines[:mid[0]] + lines[nxt[0]:nxt[1]] + lines[mid[0]:mid[1]] + lines[nxt[1]:]),
        ("a row of a transaction is lost", without(big[0] + 5)),
        ("a row is archived twice", lines[:big[0] + 5] + [lines[big[0] + 5]] + lines[big[0] + 5:]),
        ("a row of a rolled back transaction appears", edit(big[0] + 5, rolled_back_row)),
        ("a value changes", edit(big[0] + 3, change_k)),
        ("two transactions are merged (commit and begin lost)", lines[:mid[1] - 1] + lines[nxt[0] + 1:]),
        ("the archive ends inside a transaction", lines[:groups[-1][1] - 1]),
        ("a torn transaction (no commit) is followed by its retry",
         lines[:big[0]] + lines[big[0]:(big[0] + big[1]) // 2] + lines[big[0]:]),
    ]
    for what, mutated in cases:
        r = Report(a.max_report, quiet=True)
        check(mutated, k, txns, final, None, r)
        R.ok(r.failed > 0, "self-test: the checker notices when %s (%s)" % (
            what, "; ".join(f.split(" (")[0] for f in r.failures) or "nothing failed"))


def compress(nums):
    out = []
    for x in nums:
        if out and out[-1][1] == x - 1:
            out[-1][1] = x
        else:
            out.append([x, x])
    return ",".join(str(a) if a == b else "%d-%d" % (a, b) for a, b in out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("sql", "check"):
        p = sub.add_parser(name)
        p.add_argument("n", type=int, help="number of numbered transactions")
        p.add_argument("--seed", default="1")
        p.add_argument("--big-every", type=int, default=8, help="every B-th transaction has 2,000..3,500 rows (0: none)")
        if name == "sql":
            p.add_argument("--pace", type=float, default=0.0, help="seconds to sleep after each transaction")
        else:
            p.add_argument("--cat", required=True, help="binvault cat output (- for stdin)")
            p.add_argument("--server", help="ROWS:CRCSUM of the server's t.seq (see STATE_SQL)")
            p.add_argument("--max-report", type=int, default=12)
            p.add_argument("--selftest", action="store_true",
                           help="also check that damaged copies of the archive's first transactions fail")
    p = sub.add_parser("state-sql")
    a = ap.parse_args()
    if a.cmd == "state-sql":
        print(STATE_SQL)
        return 0
    if a.cmd == "check" and a.selftest and a.cat == "-":
        ap.error("--selftest needs --cat FILE")
    if a.n < 1:
        ap.error("N must be at least 1")
    return cmd_sql(a) if a.cmd == "sql" else cmd_check(a)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        sys.exit(1)
