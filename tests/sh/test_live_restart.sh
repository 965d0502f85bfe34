#!/usr/bin/env bash
# Live capture across MariaDB restarts.
#  1. the archive ends exactly at the end of a binlog file the server never
#     finished (killed -9: no ROTATE, no STOP) and the server now writes the
#     next file: a NEW archiver process continues the archive (it used to
#     place the end of the crashed file at offset 0 and refuse: "goes back
#     before offset N"), a second one finds nothing to add;
#  2. tests/sh/test_live_crash.sh with FAULT=restart, small (make chaos runs
#     100 restarts): the server stopped cleanly or killed -9 and started
#     again while the workload runs and the archiver captures; every
#     committed transaction archived exactly once.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. tests/sh/lib.sh
. tests/sh/mariadb_lib.sh
ARCH=$BV_BIN/binvault-archiver
BV=$BV_BIN/binvault
trap 'mdb_stop; [ -n "${BV_KEEP_TMP:-}" ] || rm -rf "$T_TMP"' EXIT

# 1. a crashed binlog file as the archive's end
mdb_start "$T_TMP/m" --innodb-flush-log-at-trx-commit=2 || { echo "not ok 1 - MariaDB starts"; done_testing; exit 1; }
"${MDB_SQL[@]}" -e "CREATE DATABASE t; CREATE TABLE t.x (id INT PRIMARY KEY); INSERT INTO t.x VALUES (1),(2),(3)"
A=$T_TMP/a
LIVE=(--archive "$A" --host 127.0.0.1 --port "$MDB_PORT" --user root --stop-at-end)
rc=0; "$ARCH" "${LIVE[@]}" 2>"$T_TMP/r1.err" || rc=$?
expect_eq "the first run archives the server's binlog (exit 0)" "$rc" "0"
mdb_bounce kill9 || echo "# the server did not come back"
files=$("${MDB_SQL[@]}" -N -e "SHOW BINARY LOGS" | wc -l)
ok "after kill -9 the server writes a new binlog file ($files files)" test "$files" -ge 2
"${MDB_SQL[@]}" -e "INSERT INTO t.x VALUES (4)"
rc=0; "$ARCH" "${LIVE[@]}" 2>"$T_TMP/r2.err" || rc=$?
expect_eq "a new archiver process continues past the crashed file's end (exit 0)" "$rc" "0"
grep -E "error" "$T_TMP/r2.err" | sed 's/^/#   /'
expect_match "... and says the file ended without a ROTATE" "$(cat "$T_TMP/r2.err")" "ended without a ROTATE event"
rc=0; "$ARCH" "${LIVE[@]}" 2>"$T_TMP/r3.err" || rc=$?
expect_eq "a third run finds nothing new (exit 0)" "$rc" "0"
expect_match "... and archives 0 transactions" "$(cat "$T_TMP/r3.err")" "stopped: 0 events"
ok "binvault verify passes" "$BV" verify --quiet "$A"
expect_eq "the archive holds the 4 inserted rows once each" \
  "$("$BV" cat "$A" | grep '"type":"insert"' | grep -o '"id":[0-9]*' | sort | tr '\n' ' ')" \
  '"id":1 "id":2 "id":3 "id":4 '
mdb_stop

# 2. restarts during a workload
out=$T_TMP/crash.out
FAULT=restart KILLS=${RESTARTS:-4} N=${N:-200} bash tests/sh/test_live_crash.sh >"$out" 2>&1
rc=$?
grep -E '^(not ok|# RESULT)' "$out"
expect_eq "live capture across MariaDB restarts (clean and kill -9): test_live_crash.sh FAULT=restart passes" "$rc" "0"
n=$(sed -n -E 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$out" | tail -1)
expect_match "... with all its checks ($n)" "$n" "^[1-9][0-9]* 0$"
done_testing
