#!/usr/bin/env bash
# Live capture across crashes: every committed transaction reaches the
# archive exactly once, in order, whatever moment binvault-archiver dies at.
#
# A private MariaDB (tests/sh/mariadb_lib.sh) receives the numbered workload
# of tests/oracle/numbered_check.py: N transactions committed one by one
# (1 row, a few, 50..600, and every BIG_EVERY-th 2,000..3,500 rows, some
# updating or deleting earlier rows, some with a savepoint rolled back) with
# whole transactions rolled back in between. Meanwhile binvault-archiver
# captures it live into an archive with small blocks and segments (so blocks
# flush and segments seal inside big transactions) and is hit by a fault at
# random moments (a random 0.05..0.7 s after each start or fault):
#   kill9   kill -9, then start it again (the default)
#   term    SIGTERM (must exit 0), then start it again
#   netcut  drop its server connection (it reconnects by itself)
#   mixed   one of kill9, term, netcut, SIGHUP (seal) at random each time
# The archiver reaches the server through a small TCP relay (started here)
# that caps the server-to-archiver rate at RATE bytes/s, so the archiver is
# still taking a big transaction in when the fault comes: most faults land
# inside a transaction, and the next start must cut it off and ask for it
# again. After the writer ends, one run with --stop-at-end catches up (and a
# second one must find nothing to add); then binvault verify must pass,
# numbered_check.py must find every transaction exactly once and in order,
# and the state rebuilt from the archive must equal the server's table
# (row count and a CRC32 sum over id, txn, k, payload).
#
# Knobs (environment): KILLS (faults, default 20; more while the writer is
# still writing), N (transactions, 400), FAULT (kill9), BIG_EVERY (8), RATE
# (relay cap in bytes/s, 4000000; 0 = no cap), PACE (seconds between the
# writer's transactions, 0.02), SEED (bash and workload randomness; printed),
# BLOCK_SIZE (16K), SEGMENT_SIZE (64K), DEADLINE (seconds for the fault
# phase, 60), SELFTEST (1: the checker also proves, on damaged copies of the
# archive's first 40 transactions, that it notices a lost, doubled,
# reordered, merged or torn transaction or row).
# On failure the archive, the logs and the server's binlogs are copied to
# /tmp/bv-live-crash.SEED.PID (or EVIDENCE_DIR). The line before the count is
# "# RESULT fault=... trials=... events=... lost=... duplicated=... detected=..."
# for tests/sh/chaos_live.sh, which runs this at a larger scale.
set -u
export PYTHONDONTWRITEBYTECODE=1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. tests/sh/lib.sh
. tests/sh/mariadb_lib.sh

KILLS=${KILLS:-20}
N=${N:-400}
FAULT=${FAULT:-kill9}
BIG_EVERY=${BIG_EVERY:-8}
RATE=${RATE:-4000000}
PACE=${PACE:-0.02}
SEED=${SEED:-$(( (RANDOM << 15 | RANDOM) % 1000000 ))}
BLOCK_SIZE=${BLOCK_SIZE:-16K}
SEGMENT_SIZE=${SEGMENT_SIZE:-64K}
DEADLINE=${DEADLINE:-60}
SELFTEST=${SELFTEST:-1}
RANDOM=$SEED
PY=${PYTHON:-python3}
CHK=tests/oracle/numbered_check.py
ARCH=$BV_BIN/binvault-archiver
BV=$BV_BIN/binvault
W=$T_TMP/w
A=$T_TMP/archive
L=$T_TMP/logs
mkdir -p "$W" "$L"
echo "# live capture under faults: FAULT=$FAULT KILLS=$KILLS N=$N SEED=$SEED BIG_EVERY=$BIG_EVERY RATE=$RATE" \
  "PACE=$PACE BLOCK_SIZE=$BLOCK_SIZE SEGMENT_SIZE=$SEGMENT_SIZE BV_BIN=$BV_BIN"

APID= RPID= GPID= CPID=
cleanup() {
  local p
  for p in $APID $RPID $GPID $CPID; do kill -9 "$p" 2>/dev/null; done
  for p in $APID $RPID $GPID $CPID; do wait "$p" 2>/dev/null; done
  mdb_stop
  [ -n "${BV_KEEP_TMP:-}" ] || rm -rf "$T_TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "$MDB_SERVER" ] || [ -z "$MDB_CLIENT" ]; then
  expect_eq "mariadb-server and mariadb-client are installed (tests/sh/deps.sh)" missing present
  done_testing; exit
fi
if [ ! -x "$ARCH" ] || [ ! -x "$BV" ]; then
  expect_eq "binvault-archiver and binvault are built in $BV_BIN" missing present
  done_testing; exit
fi
case $FAULT in kill9 | term | netcut | mixed) ;; *)
  expect_eq "FAULT is kill9, term, netcut or mixed" "$FAULT" kill9; done_testing; exit ;;
esac

t_start=$SECONDS
if ! mdb_start "$T_TMP/mdb" --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
  --innodb-buffer-pool-size=256M; then
  expect_eq "a private MariaDB starts" no yes
  done_testing; exit
fi
_t_result 0 "a private MariaDB starts on 127.0.0.1:$MDB_PORT"

# ------------------------------------------------------------ the relay
# python3 relay.py UPSTREAM_PORT RATE PORTFILE: listens on 127.0.0.1 (port
# written to PORTFILE), relays each connection to UPSTREAM_PORT, the
# server-to-client direction capped at RATE bytes/s (0: no cap); SIGUSR1
# drops every open connection.
cat >"$W/relay.py" <<'EOF'
import os, signal, socket, struct, sys, threading, time
up, rate, portfile = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
lock = threading.Lock()
conns = set()
def drop(*_):
    # wakes both pumps of every connection; they reset and close both sides
    with lock:
        for s in list(conns):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
signal.signal(signal.SIGUSR1, drop)
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
def pump(src, dst, capped):
    try:
        while True:
            b = src.recv(8192 if capped else 65536)
            if not b:
                break
            dst.sendall(b)
            if capped:
                time.sleep(len(b) / rate)
    except OSError:
        pass
    # a clean cut: RST to both peers, so the server's dump thread ends at once
    # (a half-open connection would keep it until net_write_timeout)
    for s in (src, dst):
        with lock:
            conns.discard(s)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(16)
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % ls.getsockname()[1])
os.rename(portfile + ".tmp", portfile)
while True:
    c, _ = ls.accept()
    try:
        u = socket.create_connection(("127.0.0.1", up))
    except OSError:
        c.close()
        continue
    for s in (c, u):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    with lock:
        conns.update((c, u))
    threading.Thread(target=pump, args=(c, u, False), daemon=True).start()
    threading.Thread(target=pump, args=(u, c, rate > 0), daemon=True).start()
    del c, u
EOF
"$PY" "$W/relay.py" "$MDB_PORT" "$RATE" "$W/relay.port" 2>"$W/relay.err" &
RPID=$!
for _ in $(seq 1 100); do [ -s "$W/relay.port" ] && break; sleep 0.05; done
RPORT=$(cat "$W/relay.port" 2>/dev/null)
ok "the rate-capped relay listens (port ${RPORT:-none})" test -n "$RPORT"

# ------------------------------------------------------------ writer and faults
# the workload, one transaction at a time, through a FIFO into the client
mkfifo "$W/sql.fifo"
"$PY" "$CHK" sql "$N" --seed "$SEED" --big-every "$BIG_EVERY" --pace "$PACE" >"$W/sql.fifo" 2>"$W/gen.err" &
GPID=$!
"${MDB_SQL[@]}" --batch <"$W/sql.fifo" >"$W/client.out" 2>"$W/client.err" &
CPID=$!

ARGS=(--archive "$A" --host 127.0.0.1 --user root --block-size "$BLOCK_SIZE" --segment-size "$SEGMENT_SIZE"
  --fsync-interval 0.2 --retry-max 1 --status-file "$W/status.json")
RUNS=0
start_archiver() {
  RUNS=$((RUNS + 1))
  "$ARCH" "${ARGS[@]}" --port "$RPORT" >"$L/run$RUNS.log" 2>&1 &
  APID=$!
}
# wait_exit SECONDS: waits for the archiver; sets ST (its exit status, or "hang")
wait_exit() {
  local i
  for i in $(seq 1 $(($1 * 20))); do kill -0 "$APID" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "$APID" 2>/dev/null; then
    kill -9 "$APID" 2>/dev/null; wait "$APID" 2>/dev/null; ST=hang
  else
    ST=0; wait "$APID" 2>/dev/null || ST=$?
  fi
  APID=
}
T_WRITER=
writer_alive() {
  if kill -0 "$GPID" 2>/dev/null || kill -0 "$CPID" 2>/dev/null; then return 0; fi
  [ -n "$T_WRITER" ] || T_WRITER=$((SECONDS - t_start))
  return 1
}
# started: the archiver has exec'ed (a signal sent before that would reach the forked shell instead)
started() {
  local i
  for i in $(seq 1 100); do
    [ "$(readlink "/proc/$APID/exe" 2>/dev/null)" = "$ARCH_EXE" ] && return 0
    kill -0 "$APID" 2>/dev/null || return 1
    sleep 0.02
  done
  return 1
}
ARCH_EXE=$(readlink -f "$ARCH")

TRIALS=0 UNEXPECTED=0 TIMED_OUT=0
declare -A NF=()
: >"$W/faults"
start_archiver
while [ "$TRIALS" -lt "$KILLS" ] || writer_alive; do
  if [ $((SECONDS - t_start)) -ge "$DEADLINE" ]; then TIMED_OUT=1; break; fi
  sleep "$(printf '0.%03d' $((50 + RANDOM % 651)))"
  f=$FAULT
  [ "$f" = mixed ] && { fs=(kill9 kill9 term netcut hup); f=${fs[RANDOM % 5]}; }
  if ! kill -0 "$APID" 2>/dev/null; then
    # it ended by itself: never expected while it captures
    ST=0; wait "$APID" 2>/dev/null || ST=$?
    echo "run $RUNS ended by itself: $ST" >>"$W/faults"
    UNEXPECTED=$((UNEXPECTED + 1)); APID=
    start_archiver
    continue
  fi
  TRIALS=$((TRIALS + 1))
  NF[$f]=$((${NF[$f]:-0} + 1))
  case $f in
    kill9)
      kill -9 "$APID"; ST=0; wait "$APID" 2>/dev/null || ST=$?; APID=
      echo "run $RUNS kill9: $ST" >>"$W/faults"
      [ "$ST" = 137 ] || UNEXPECTED=$((UNEXPECTED + 1))
      start_archiver ;;
    term)
      # 0, or 143 when it comes before the archiver has installed its handler
      started; kill -TERM "$APID"; wait_exit 20
      echo "run $RUNS term: $ST" >>"$W/faults"
      [ "$ST" = 0 ] || [ "$ST" = 143 ] || UNEXPECTED=$((UNEXPECTED + 1))
      start_archiver ;;
    netcut)
      kill -USR1 "$RPID"
      echo "run $RUNS netcut" >>"$W/faults" ;;
    hup)
      # only once it logs (after installing its handlers): before, SIGHUP would end it
      for _ in $(seq 1 100); do [ -s "$L/run$RUNS.log" ] && break; sleep 0.02; done
      kill -HUP "$APID"
      echo "run $RUNS hup" >>"$W/faults" ;;
  esac
done
# stop the last run cleanly (it must still be alive)
if [ -n "$APID" ]; then
  if kill -0 "$APID" 2>/dev/null; then
    started; sleep 0.3; t0=$SECONDS; kill -TERM "$APID"; wait_exit 20
    echo "run $RUNS final term: $ST" >>"$W/faults"
    [ $((SECONDS - t0)) -lt 3 ] || echo "# the last run took $((SECONDS - t0))s to stop on SIGTERM"
  else
    ST=0; wait "$APID" 2>/dev/null || ST=$?; APID=
    echo "run $RUNS ended by itself: $ST" >>"$W/faults"
    UNEXPECTED=$((UNEXPECTED + 1))
  fi
  [ "$ST" = 0 ] || UNEXPECTED=$((UNEXPECTED + 1))
fi
t_faults=$((SECONDS - t_start))
expect_eq "the writer and $KILLS faults finish within DEADLINE=$DEADLINE s" "$TIMED_OUT" 0
if [ "$TIMED_OUT" = 1 ]; then kill -9 "$GPID" "$CPID" 2>/dev/null; fi
GST=0; wait "$GPID" || GST=$?; GPID=
CST=0; wait "$CPID" || CST=$?; CPID=
expect_eq "the writer committed its $N transactions (generator and client exit 0)" "$GST,$CST" 0,0
[ "$CST" = 0 ] || sed 's/^/# client: /' "$W/client.err" | head -5
statuses=$(sed -E 's/^run [0-9]+ //' "$W/faults" | sort | uniq -c |
  awk '{c = $1; $1 = ""; printf "%s%s x%d", sep, substr($0, 2), c; sep = ", "}')
echo "# $TRIALS faults in ${t_faults}s over $RUNS archiver runs (the writer ended after ${T_WRITER:-?}s); outcomes: $statuses"
expect_eq "every archiver run was alive at its fault and exited as expected (kill -9: 137, SIGTERM: 0 or 143)" \
  "$UNEXPECTED" 0
[ "$UNEXPECTED" = 0 ] || grep -v -E 'kill9: 137$|term: (0|143)$|netcut$|hup$' "$W/faults" | head -5 | sed 's/^/# /'

# ------------------------------------------------------------ catch up and check
RUNS=$((RUNS + 1))
rc=0 t0=$SECONDS
timeout 120 "$ARCH" "${ARGS[@]}" --port "$MDB_PORT" --stop-at-end >"$L/run$RUNS.log" 2>&1 || rc=$?
expect_eq "a run with --stop-at-end catches up and exits 0 ($((SECONDS - t0))s)" "$rc" 0
[ "$rc" = 0 ] || tail -5 "$L/run$RUNS.log" | sed 's/^/# /'
ok "the status file says stopped" grep -q '"state":"stopped"' "$W/status.json"
"$BV" cat "$A" >"$W/cat1.jsonl" 2>/dev/null
RUNS=$((RUNS + 1))
rc=0
timeout 60 "$ARCH" "${ARGS[@]}" --port "$MDB_PORT" --stop-at-end >"$L/run$RUNS.log" 2>&1 || rc=$?
expect_eq "a second run with --stop-at-end exits 0" "$rc" 0

rc=0
"$BV" verify "$A" >"$W/verify.out" 2>&1 || rc=$?
expect_eq "binvault verify finds the archive clean" "$rc" 0
[ "$rc" = 0 ] || head -5 "$W/verify.out" | sed 's/^/# /'
tail -1 "$W/verify.out" | sed 's/^/# /'
rc=0
"$BV" cat "$A" >"$W/cat.jsonl" 2>"$W/cat.err" || rc=$?
expect_eq "binvault cat prints the archive" "$rc" 0
ok "the second --stop-at-end run added nothing" cmp -s "$W/cat1.jsonl" "$W/cat.jsonl"

server_state=$("${MDB_SQL[@]}" -N -e "$("$PY" "$CHK" state-sql)" | tr '\t' :)
# the writer committed all N transactions: the last one's rows are on the
# server (earlier transactions' rows may have been updated or deleted by
# later ones, so not every txn number need remain in the final table)
expect_eq "the writer committed all $N numbered transactions" \
  "$("${MDB_SQL[@]}" -N -e 'SELECT MAX(txn) FROM t.seq')" "$N"
rc=0
"$PY" "$CHK" check "$N" --seed "$SEED" --big-every "$BIG_EVERY" --cat "$W/cat.jsonl" --server "$server_state" \
  $([ "$SELFTEST" = 1 ] && echo --selftest) >"$W/check.out" 2>"$W/check.err" || rc=$?
while IFS= read -r line; do
  case $line in
    "ok - "*) _t_result 0 "${line#ok - }" ;;
    "not ok - "*) _t_result 1 "${line#not ok - }" ;;
    "#"*) echo "$line" ;;
  esac
done <"$W/check.out"
if [ "$rc" -gt 1 ] || [ -s "$W/check.err" ]; then
  _t_result 1 "numbered_check.py runs to the end"
  tail -5 "$W/check.err" | sed 's/^/# /'
fi

# what the logs say: recoveries that cut a torn transaction, errors, sanitizer reports
cuts=0 cut_bytes=0 removed=0
while read -r n; do
  cuts=$((cuts + 1)); cut_bytes=$((cut_bytes + n))
done < <(cat "$L"/run*.log | sed -n -E 's/.*recovered .*: cut ([0-9]+) bytes.*/\1/p' | awk '$1 > 0')
removed=$(cat "$L"/run*.log | grep -c 'held nothing complete and was removed')
reconnects=$(cat "$L"/run*.log | grep -c 'reconnecting in')
errors=$(cat "$L"/run*.log | grep -c -E '^[0-9T:.-]+Z error ')
san=$(cat "$L"/run*.log | grep -c -E 'ERROR: (Address|Leak)Sanitizer|runtime error:')
expect_eq "no archiver run logged an error" "$errors" 0
[ "$errors" = 0 ] || grep -h -E '^[0-9T:.-]+Z error ' "$L"/run*.log | sort | uniq -c | sort -rn | head -5 | sed 's/^/# /'
expect_eq "no sanitizer report in any archiver run" "$san" 0
[ "$san" = 0 ] || grep -h -A3 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$L"/run*.log | head -12 | sed 's/^/# /'
events=$(wc -l <"$W/cat.jsonl")
segs=$(ls "$A" | grep -c '\.bvseg')
binlog_bytes=$(cat "$MDB_DATA"/mdb-bin.[0-9]* | wc -c)
echo "# kills/faults $TRIALS ($(for k in "${!NF[@]}"; do printf '%s %s ' "$k" "${NF[$k]}"; done)), archiver runs $RUNS," \
  "events $events, segments $segs, binlog $binlog_bytes bytes, recovery cuts $cuts ($cut_bytes bytes)," \
  "empty segments removed $removed, in-process reconnects $reconnects"
if [ "$cuts" -eq 0 ]; then
  echo "# note: no fault landed inside a transaction in this run (SEED=$SEED); raise KILLS or lower RATE"
fi

# one line for chaos_live.sh
r=$(sed -n 's/^# RESULT //p' "$W/check.out")
getr() { printf '%s\n' "$r" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
lost=$(( $(getr missing || echo 0) + $(getr missing_rows || echo 0) ))
dup=$(( $(getr duplicated || echo 0) + $(getr duplicated_rows || echo 0) ))
[ -n "$r" ] || { lost=?; dup=?; }
echo "# RESULT fault=$FAULT trials=$TRIALS events=$events lost=$lost duplicated=$dup detected=$cuts" \
  "seed=$SEED failed=$T_FAIL seconds=$((SECONDS - t_start))"

if [ "$T_FAIL" -gt 0 ]; then
  EV=${EVIDENCE_DIR:-/tmp/bv-live-crash.$SEED.$$}
  mkdir -p "$EV"
  cp -a "$A" "$L" "$W" "$EV"/ 2>/dev/null
  mkdir -p "$EV/binlogs"
  cp -a "$MDB_DATA"/mdb-bin.* "$EV/binlogs"/ 2>/dev/null
  cp -a "$T_TMP/mdb/err.log" "$EV"/ 2>/dev/null
  echo "# evidence saved in $EV (reproduce: SEED=$SEED FAULT=$FAULT KILLS=$KILLS N=$N BV_BIN=$BV_BIN bash $0)"
fi
done_testing
