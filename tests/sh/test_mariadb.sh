#!/usr/bin/env bash
# binvault against a real MariaDB server (Debian's mariadb-server).
#
# A private server is initialised and started under $T_TMP (its own datadir,
# socket and pid file, bound to 127.0.0.1 on a free port) with ROW binlogs,
# FULL row images and FULL row metadata, and stopped at the end. The
# workload (tests/oracle/mariadb_check.py sql PHASE) writes a table with
# every MariaDB column type (integers signed and unsigned at their limits,
# DECIMALs up to (65,30), FLOAT, DOUBLE, BIT, YEAR, DATE with zero dates,
# TIME/DATETIME/TIMESTAMP with 0..6 fractional digits, CHAR/VARCHAR in
# utf8mb4 and latin1, BINARY, VARBINARY, the TEXT and BLOB sizes, ENUMs and
# SETs of 1..8 bytes, JSON, GEOMETRY/POINT, INET6, UUID, INET4) and a table
# of the pre-5.6 temporal types, with extreme values and NULLs: multi-row
# INSERTs, UPDATEs of several columns, DELETEs, one transaction of 20,000
# row changes, ALTER TABLE ADD/DROP COLUMN and RENAME TABLE between writes.
# Then phases with compressed binlog events (log_bin_compress), with
# binlog_checksum=NONE, and with both, each in new binlog files.
#
# All the binlog files are imported in order with binvault-archiver; the
# archive must verify clean, and the oracle compares (a) every decoded row
# value with the server's own `mariadb-binlog -vv` decoding of the same
# files and (b) the tables rebuilt from the archived events with the
# server's final SELECT. Last, a file holding MariaDB 5.3's fractional
# temporal formats (whose width the binlog does not record) must either be
# refused with the file and offset named, leaving the archive clean and
# unchanged before it, or be decoded correctly.
set -u
export PYTHONDONTWRITEBYTECODE=1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. tests/sh/lib.sh

PY=${PYTHON:-python3}
CHK=tests/oracle/mariadb_check.py
ARCH=$BV_BIN/binvault-archiver
BV=$BV_BIN/binvault
M=$T_TMP/mdb
mkdir -p "$M"

# pycheck ARGS...: runs the oracle; its "ok"/"not ok" lines count as checks here
pycheck() {
  local rc=0 line
  "$PY" "$CHK" "$@" >"$T_TMP/py.out" 2>"$T_TMP/py.err" || rc=$?
  while IFS= read -r line; do
    case $line in
      "ok "*) _t_result 0 "${line#ok }" ;;
      "not ok "*) _t_result 1 "${line#not ok }" ;;
      "#"*) echo "$line" ;;
    esac
  done <"$T_TMP/py.out"
  if [ "$rc" -gt 1 ] || [ -s "$T_TMP/py.err" ]; then
    _t_result 1 "mariadb_check.py $1 runs to the end"
    sed 's/^/# /' "$T_TMP/py.err" | tail -20
  fi
}

findprog() { # NAME...: the first one on PATH or in /usr/sbin, /usr/bin
  local n
  for n in "$@"; do
    if command -v "$n" >/dev/null 2>&1; then command -v "$n"; return 0; fi
    for d in /usr/sbin /usr/bin /usr/local/sbin /usr/local/bin; do
      [ -x "$d/$n" ] && { echo "$d/$n"; return 0; }
    done
  done
  return 1
}
MARIADBD=$(findprog mariadbd mysqld) || MARIADBD=
INSTALLDB=$(findprog mariadb-install-db mysql_install_db) || INSTALLDB=
CLIENT=$(findprog mariadb mysql) || CLIENT=
BINLOGTOOL=$(findprog mariadb-binlog mysqlbinlog) || BINLOGTOOL=
ADMIN=$(findprog mariadb-admin mysqladmin) || ADMIN=
if [ -z "$MARIADBD" ] || [ -z "$INSTALLDB" ] || [ -z "$CLIENT" ] || [ -z "$BINLOGTOOL" ] || [ -z "$ADMIN" ]; then
  expect_eq "mariadb-server and mariadb-client are installed (tests/sh/deps.sh)" "missing" "present"
  done_testing
  exit
fi
if [ ! -x "$ARCH" ] || [ ! -x "$BV" ]; then
  expect_eq "binvault-archiver and binvault are built in $BV_BIN" "missing" "present"
  done_testing
  exit
fi

USER_OPT=--user=$(id -un)
SOCK=$M/sock
SQL=("$CLIENT" --no-defaults --socket="$SOCK" --user=root --default-character-set=utf8mb4)
SPID=
stop_server() {
  [ -n "$SPID" ] || return 0
  "$ADMIN" --no-defaults --socket="$SOCK" --user=root shutdown >/dev/null 2>&1 || kill "$SPID" 2>/dev/null
  local i
  for i in $(seq 1 60); do
    kill -0 "$SPID" 2>/dev/null || break
    sleep 0.5
  done
  kill -9 "$SPID" 2>/dev/null
  wait "$SPID" 2>/dev/null
  SPID=
}
trap 'stop_server; [ -n "${BV_KEEP_TMP:-}" ] || rm -rf "$T_TMP"' EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------ a private server
rc=0
"$INSTALLDB" --no-defaults --datadir="$M/data" "$USER_OPT" --auth-root-authentication-method=normal \
  --skip-test-db >"$M/install.log" 2>&1 || rc=$?
expect_eq "mariadb-install-db initialises a datadir" "$rc" 0
[ "$rc" -eq 0 ] || sed 's/^/# /' "$M/install.log" | tail -10

# a free port: a random one (BV_MARIADB_PORT for the first try), another if it is taken
PORT=
for try in 1 2 3 4 5 6; do
  port=$((20000 + (RANDOM * 7 + $$ + try * 131) % 40000))
  [ "$try" = 1 ] && [ -n "${BV_MARIADB_PORT:-}" ] && port=$BV_MARIADB_PORT
  : >"$M/err.log"
  # --log-basename must come first after --no-defaults
  "$MARIADBD" --no-defaults --log-basename=mdb "$USER_OPT" --datadir="$M/data" --socket="$SOCK" \
    --pid-file="$M/mdb.pid" --bind-address=127.0.0.1 --port="$port" --log-error="$M/err.log" \
    --log-bin --binlog-format=ROW --binlog-row-image=FULL --binlog-row-metadata=FULL --server-id=1 \
    --skip-name-resolve --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=0 \
    --innodb-doublewrite=0 --max-allowed-packet=256M --default-time-zone=+00:00 \
    >>"$M/server.out" 2>&1 &
  SPID=$!
  up=0
  for i in $(seq 1 120); do
    if ! kill -0 "$SPID" 2>/dev/null; then break; fi
    if "$ADMIN" --no-defaults --socket="$SOCK" --user=root ping >/dev/null 2>&1; then up=1; break; fi
    sleep 0.25
  done
  if [ "$up" = 1 ]; then PORT=$port; break; fi
  stop_server
  grep -q -i 'address already in use\|bind on tcp/ip port' "$M/err.log" || break
  echo "# port $port is taken, trying another"
done
if [ -z "$PORT" ]; then
  expect_eq "the server starts" "no" "yes"
  sed 's/^/# /' "$M/err.log" | tail -20
  done_testing
  exit
fi
_t_result 0 "mariadbd starts on 127.0.0.1:$PORT"
VERSION=$("${SQL[@]}" -N -e 'SELECT VERSION()')
echo "# server: $VERSION"
expect_eq "the server answers on 127.0.0.1:$PORT" \
  "$("$CLIENT" --no-defaults --protocol=TCP --host=127.0.0.1 --port="$PORT" --user=root -N -e 'SELECT 1+1' 2>&1)" 2
expect_eq "log_bin on, binlog_format=ROW, row image FULL, row metadata FULL" \
  "$("${SQL[@]}" -N -e 'SELECT CONCAT_WS(",", @@log_bin, @@binlog_format, @@binlog_row_image, @@binlog_row_metadata)')" \
  "ON,ROW,FULL,FULL"

# ------------------------------------------------------------ the workload
server() { "${SQL[@]}" -N -e "$1"; }
curfile() { server 'SHOW MASTER STATUS' | cut -f1; }
# run_phase N DESCRIPTION: the phase's SQL through the client (which stops at the first error)
PHASEFILE=()
run_phase() {
  local rc=0
  PHASEFILE[$1]=$(curfile)
  "$PY" "$CHK" sql "$1" >"$M/phase$1.sql"
  "${SQL[@]}" --batch <"$M/phase$1.sql" >"$M/phase$1.out" 2>"$M/phase$1.err" || rc=$?
  expect_eq "phase $1 ($2) runs on the server" "$rc" 0
  [ "$rc" -eq 0 ] || grep -a '^ERROR' "$M/phase$1.err" | head -3 | cut -c 1-300 | sed 's/^/# /'
}
t0=$SECONDS
run_phase 1 "every column type, the 20,000-row transaction, ADD/DROP COLUMN, RENAME"
ok "log_bin_compress=ON, FLUSH BINARY LOGS" \
  server "SET GLOBAL log_bin_compress=ON; SET GLOBAL log_bin_compress_min_len=10; FLUSH BINARY LOGS"
run_phase 2 "compressed events"
ok "log_bin_compress=OFF, binlog_checksum=NONE, FLUSH BINARY LOGS" \
  server "SET GLOBAL log_bin_compress=OFF; SET GLOBAL binlog_checksum=NONE; FLUSH BINARY LOGS"
run_phase 3 "binlog_checksum=NONE"
ok "log_bin_compress=ON, FLUSH BINARY LOGS" server "SET GLOBAL log_bin_compress=ON; FLUSH BINARY LOGS"
run_phase 4 "compressed events without checksums"
# changing binlog_checksum rotates the binlog by itself: no FLUSH, and phase 5 starts a file
ok "log_bin_compress=OFF, binlog_checksum=CRC32" \
  server "SET GLOBAL log_bin_compress=OFF; SET GLOBAL binlog_checksum=CRC32"
run_phase 5 "MariaDB 5.3 fractional temporal columns"
HIRES_FIRST=${PHASEFILE[5]}
ok "FLUSH BINARY LOGS" server "FLUSH BINARY LOGS"
echo "# workload: $((SECONDS - t0))s"

# the files, in order; those before HIRES_FIRST make the main archive
server 'SHOW BINARY LOGS' | cut -f1 >"$M/binlogs"
MAIN=()
HIRES=()
seen=0
while read -r f; do
  [ "$f" = "$HIRES_FIRST" ] && seen=1
  if [ "$seen" = 0 ]; then MAIN+=("$M/data/$f"); else HIRES+=("$M/data/$f"); fi
done <"$M/binlogs"
ok "the phases wrote at least 5 binlog files before the last phase (${#MAIN[@]})" test "${#MAIN[@]}" -ge 5
# headers: what mariadb-binlog says of each phase's file
for p in 1 2 3 4; do
  "$BINLOGTOOL" --no-defaults "$M/data/${PHASEFILE[$p]}" 2>/dev/null | grep -a -E '^#[0-9]{6} ' >"$M/hdr$p" || true
done
expect_eq "phase 1 wrote plain row events with CRC32 checksums" \
  "$(grep -c 'Write_rows: ' "$M/hdr1" | sed 's/^[1-9][0-9]*$/some/'),$(grep -c 'CRC32 0x' "$M/hdr1" | sed 's/^[1-9][0-9]*$/some/')" some,some
expect_eq "phase 2 wrote compressed row events (and no plain ones)" \
  "$(grep -c '_compressed_rows: ' "$M/hdr2" | sed 's/^[1-9][0-9]*$/some/'),$(grep -c -E '\t(Write|Update|Delete)_rows: ' "$M/hdr2")" some,0
expect_eq "phase 3 wrote plain row events without checksums" \
  "$(grep -c 'Update_rows: ' "$M/hdr3" | sed 's/^[1-9][0-9]*$/some/'),$(grep -c 'CRC32 0x' "$M/hdr3")" some,0
expect_eq "phase 4 wrote compressed row events without checksums" \
  "$(grep -c '_compressed_rows: ' "$M/hdr4" | sed 's/^[1-9][0-9]*$/some/'),$(grep -c 'CRC32 0x' "$M/hdr4")" some,0

# the final state, read before the server stops
"$PY" "$CHK" select t_all_r >"$M/sel_all.sql"
"$PY" "$CHK" select t_old >"$M/sel_old.sql"
"$PY" "$CHK" select t_hires >"$M/sel_hires.sql"
rc=0
"${SQL[@]}" --batch --skip-column-names <"$M/sel_all.sql" >"$M/state_all.tsv" 2>"$M/sel.err" || rc=$?
"${SQL[@]}" --batch --skip-column-names <"$M/sel_old.sql" >"$M/state_old.tsv" 2>>"$M/sel.err" || rc=$?
"${SQL[@]}" --batch --skip-column-names <"$M/sel_hires.sql" >"$M/state_hires.tsv" 2>>"$M/sel.err" || rc=$?
expect_eq "the final SELECTs run" "$rc" 0
echo "# final rows on the server: t_all_r $(wc -l <"$M/state_all.tsv"), t_old $(wc -l <"$M/state_old.tsv")"
stop_server
ok "the server stops" test -z "$SPID"

# ------------------------------------------------------------ import and compare
A=$T_TMP/archive
t0=$SECONDS
rc=0
"$ARCH" --archive "$A" "${MAIN[@]}" >"$M/import.out" 2>"$M/import.err" || rc=$?
expect_eq "binvault-archiver imports the ${#MAIN[@]} binlog files (exit 0)" "$rc" 0
[ "$rc" -eq 0 ] || sed 's/^/# /' "$M/import.err" | head -5
sed 's/^/# /' "$M/import.out"
echo "# import: $((SECONDS - t0))s"
rc=0
"$BV" verify "$A" >"$M/verify.out" 2>&1 || rc=$?
expect_eq "binvault verify finds the archive clean" "$rc" 0
[ "$rc" -eq 0 ] || sed 's/^/# /' "$M/verify.out" | head -5
rc=0
"$BV" cat "$A" >"$M/cat.jsonl" 2>"$M/cat.err" || rc=$?
expect_eq "binvault cat prints the archive" "$rc" 0
ok "the archive ends in the last file imported" grep -q "\"file\":\"$(basename "${MAIN[-1]}")\"" "$M/cat.jsonl"

t0=$SECONDS
pycheck rows --cat "$M/cat.jsonl" --binlog-tool "$BINLOGTOOL" "${MAIN[@]}"
echo "# (a): $((SECONDS - t0))s"
t0=$SECONDS
pycheck state --cat "$M/cat.jsonl" t_all_r="$M/state_all.tsv" t_old="$M/state_old.tsv"
echo "# (b): $((SECONDS - t0))s"
# the checks can fail: binvault's events of the last file, changed one thing at a time, must be noticed
t0=$SECONDS
pycheck selftest --cat "$M/cat.jsonl" --binlog-tool "$BINLOGTOOL" --binlog "${MAIN[-1]}" --work "$M" \
  t_all_r="$M/state_all.tsv" t_old="$M/state_old.tsv"
echo "# self-test: $((SECONDS - t0))s"

# ------------------------------------------------------------ MariaDB 5.3 fractional temporal formats
cp "$M/cat.jsonl" "$M/cat.before"
rc=0
"$ARCH" --archive "$A" "${HIRES[@]}" >"$M/hires.out" 2>"$M/hires.err" || rc=$?
echo "# the 5.3-format file: exit $rc: $(head -c 300 "$M/hires.err")"
rc2=0
"$BV" verify "$A" >"$M/verify2.out" 2>&1 || rc2=$?
expect_eq "after it, binvault verify finds the archive clean" "$rc2" 0
"$BV" cat "$A" >"$M/cat.after" 2>/dev/null
expect_eq "the events archived before it are unchanged" \
  "$(head -n "$(wc -l <"$M/cat.before")" "$M/cat.after" | cmp - "$M/cat.before" >/dev/null 2>&1 && echo same)" same
if [ "$rc" -eq 1 ]; then
  expect_match "its refusal names the file and an offset" "$(cat "$M/hires.err")" \
    "$(basename "${HIRES[0]}").*offset [0-9]+"
  expect_eq "no row of the refused table is archived" "$(grep -c '"table":"t_hires"' "$M/cat.after")" 0
else
  expect_eq "the 5.3-format file imports (exit 0) when it is not refused" "$rc" 0
  pycheck state --cat "$M/cat.after" t_hires="$M/state_hires.tsv"
fi

done_testing
