#!/usr/bin/env bash
# Live capture across a primary failover (MariaDB GTIDs).
#
# Two private MariaDB servers: A (server_id 1, the primary) and B (server_id
# 2), a GTID replica of A with log_slave_updates, so that B's binlog holds
# A's transactions under the same GTIDs but in B's own files and offsets.
# The archiver follows A; A is stopped; B is promoted and takes writes. The
# archiver pointed at B must refuse (exit 3) without --allow-new-source, and
# with it continue by GTID: every transaction exactly once, the NOTE and
# ROTATE that record the switch, a new segment whose header names B, and a
# table rebuilt from the archive equal to B's. A GTID that B does not have
# (B diverged) must be refused with exit 3 as well.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. tests/sh/lib.sh
. tests/sh/mariadb_lib.sh
ARCH=$BV_BIN/binvault-archiver
BV=$BV_BIN/binvault
W=$T_TMP/fo
mkdir -p "$W"

# the two servers' handles (mariadb_lib.sh keeps one in globals)
save() { eval "$1_PID=\$MDB_PID $1_SOCK=\$MDB_SOCK $1_PORT=\$MDB_PORT"; }
use() { eval "MDB_PID=\$$1_PID MDB_SOCK=\$$1_SOCK MDB_PORT=\$$1_PORT"
  MDB_SQL=("$MDB_CLIENT" --no-defaults --socket="$MDB_SOCK" --user=root --default-character-set=utf8mb4); }
A_PID= B_PID=
cleanup() { use A; mdb_stop; use B; mdb_stop; }
trap 'cleanup; [ -n "${BV_KEEP_TMP:-}" ] || rm -rf "$T_TMP"' EXIT

mdb_start "$W/a" --gtid-strict-mode=1 || { echo "not ok 1 - server A starts"; exit 1; }
save A
mdb_start "$W/b" --server-id=2 --log-slave-updates --gtid-strict-mode=1 || { echo "not ok 1 - server B starts"; exit 1; }
save B

use A
"${MDB_SQL[@]}" -e "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, src CHAR(1), n INT)"
for i in $(seq 1 30); do echo "INSERT INTO d.t VALUES ($i, 'A', $i);"; done | "${MDB_SQL[@]}"
"${MDB_SQL[@]}" -e "FLUSH BINARY LOGS; UPDATE d.t SET n = n + 100 WHERE id <= 5"
apos=$("${MDB_SQL[@]}" -N -e "SELECT @@gtid_binlog_pos")

use B
"${MDB_SQL[@]}" -e "CHANGE MASTER TO master_host='127.0.0.1', master_port=$A_PORT, master_user='root', master_use_gtid=slave_pos; START SLAVE"
got=$("${MDB_SQL[@]}" -N -e "SELECT MASTER_GTID_WAIT('$apos', 30)")
expect_eq "replica B caught up with A ($apos)" "$got" "0"

# archive A to its end
use A
"$ARCH" --archive "$W/arch" --host 127.0.0.1 --port "$A_PORT" --user root --stop-at-end --log-level warn \
  2>"$W/a1.err"
expect_eq "archiver on A exits 0" "$?" "0"
a_rows=$("$BV" cat "$W/arch" | grep -c '"type":"\(insert\|update\)"')
expect_eq "A's 30 inserts and 5 updates archived" "$a_rows" "35"

# failover: A goes away, B is promoted and takes writes
use A
mdb_stop
A_PID=
use B
"${MDB_SQL[@]}" -e "STOP SLAVE; RESET SLAVE ALL"
for i in $(seq 31 40); do echo "INSERT INTO d.t VALUES ($i, 'B', $i);"; done | "${MDB_SQL[@]}"
"${MDB_SQL[@]}" -e "DELETE FROM d.t WHERE id = 1"

rc=0
"$ARCH" --archive "$W/arch" --host 127.0.0.1 --port "$B_PORT" --user root --stop-at-end 2>"$W/b0.err" || rc=$?
expect_eq "without --allow-new-source the archiver refuses B (exit 3)" "$rc" "3"
expect_match "the message names both servers" "$(cat "$W/b0.err")" "server_id 1 .*server_id 2"

rc=0
"$ARCH" --archive "$W/arch" --host 127.0.0.1 --port "$B_PORT" --user root --stop-at-end --allow-new-source \
  2>"$W/b1.err" || rc=$?
expect_eq "with --allow-new-source it continues on B (exit 0)" "$rc" "0"
[ "$rc" = 0 ] || sed 's/^/# /' "$W/b1.err"
ok "binvault verify is clean" "$BV" verify "$W/arch"
"$BV" cat "$W/arch" >"$W/cat.jsonl"

python3 - "$W/cat.jsonl" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
n = 0
def check(ok, what):
    global n
    n += 1
    print(("ok" if ok else "not ok"), n, "-", what)
gtids = [e["gtid"] for e in evs if e["type"] == "begin"]
check(len(gtids) == len(set(gtids)), "every GTID once (%d transactions)" % len(gtids))
seqs = [int(g.split("-")[2]) for g in gtids]
check(seqs == sorted(seqs) and seqs == list(range(seqs[0], seqs[0] + len(seqs))),
      "GTID sequence numbers contiguous, no gap: %d..%d" % (seqs[0], seqs[-1]))
rows = {}
for e in evs:
    if e["type"] in ("insert", "update"):
        rows[e["data"]["id"]] = e["data"]
    elif e["type"] == "delete":
        rows.pop(e["data"]["id"], None)
check(sorted(rows) == list(range(2, 41)), "rebuilt table holds ids 2..40 (%d rows)" % len(rows))
check(all(rows[i]["src"] == ("A" if i <= 30 else "B") for i in rows) and rows[2]["n"] == 102,
      "rebuilt values match the writes on A and on B")
notes = [e for e in evs if e["type"] == "note" and "source changed" in e.get("text", "")]
check(len(notes) == 1, "one note records the source change")
rot = [i for i, e in enumerate(evs) if e["type"] == "rotate"]
after = [i for i, e in enumerate(evs) if e["type"] == "note" and "source changed" in e.get("text", "")]
check(after and after[0] + 1 in rot, "a rotate to B's binlog follows the note")
b_gtids = [g for g in gtids if g.startswith("0-2-")]
check(len(b_gtids) == 11, "B's 11 own transactions archived (%d)" % len(b_gtids))
print("%d passed, %d failed" % (n, 0), file=sys.stderr)
PY
pyrc=$?
expect_eq "failover oracle" "$pyrc" "0"
last=$("$BV" ls --json "$W/arch" | tail -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["source"]["server_id"])')
first=$("$BV" ls --json "$W/arch" | head -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["source"]["server_id"])')
expect_eq "the first segment's header names server A" "$first" "1"
expect_eq "the newest segment's header names server B" "$last" "2"
nseg=$("$BV" ls "$W/arch" | grep -c bvseg)
ok "the switch sealed A's segment: at least 2 segments ($nseg)" test "$nseg" -ge 2

# a later run on B is a normal continuation (no flag needed now)
"${MDB_SQL[@]}" -e "INSERT INTO d.t VALUES (41, 'B', 41)"
rc=0
"$ARCH" --archive "$W/arch" --host 127.0.0.1 --port "$B_PORT" --user root --stop-at-end 2>"$W/b2.err" || rc=$?
expect_eq "the next run on B needs no flag (exit 0)" "$rc" "0"
expect_eq "row 41 archived once" "$("$BV" cat "$W/arch" | grep -c '"id":41,')" "1"

# B diverged from the archive: an archive ahead of B is refused
"$ARCH" --archive "$W/ahead" --host 127.0.0.1 --port "$B_PORT" --user root --stop-at-end --log-level error 2>/dev/null
"${MDB_SQL[@]}" -e "SET GLOBAL server_id = 3; RESET MASTER; INSERT INTO d.t VALUES (50, 'C', 50)"
rc=0
"$ARCH" --archive "$W/ahead" --host 127.0.0.1 --port "$B_PORT" --user root --stop-at-end --allow-new-source \
  2>"$W/c.err" || rc=$?
expect_eq "a server that lacks the archive's GTIDs is refused (exit 3)" "$rc" "3"
expect_match "the message says the binlog cannot continue the archive" "$(cat "$W/c.err")" "cannot send the binlog"
done_testing
