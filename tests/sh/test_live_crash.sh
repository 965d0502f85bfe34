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
#   restart not the archiver but the server: stopped cleanly or killed -9
#           (in turn), then started again on the same datadir and port
#           (mdb_bounce), a random 0.2..1.5 s after it was last back; half
#           of the time the relay's connections are also dropped first, so
#           what the server sent is lost in flight. The archiver runs once
#           and must reconnect by itself; the writer reconnects too and sends
#           again any transaction the restart interrupted before it
#           committed (it asks the server, see writer.py below). The server
#           runs with --innodb-flush-log-at-trx-commit=2 here, so a killed
#           server keeps every transaction its binlog has.
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
# (relay cap in bytes/s, 4000000; for restart 1000000, so that the archiver
# lags and a cut often lands inside a transaction; 0 = no cap), PACE
# (seconds between the writer's transactions, 0.02), SEED (bash and workload
# randomness; printed), BLOCK_SIZE (16K), SEGMENT_SIZE (64K), DEADLINE
# (seconds for the fault phase, 60), SELFTEST (1: the checker also proves,
# on damaged copies of the archive's first 40 transactions, that it notices
# a lost, doubled, reordered, merged or torn transaction or row).
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
RATE_DEFAULT=4000000
[ "$FAULT" = restart ] && RATE_DEFAULT=1000000
RATE=${RATE:-$RATE_DEFAULT}
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

mdb_require "$ARCH" "$BV"
case $FAULT in kill9 | term | netcut | mixed | restart) ;; *)
  expect_eq "FAULT is kill9, term, netcut, mixed or restart" "$FAULT" kill9; done_testing; exit ;;
esac

t_start=$SECONDS
# FAULT=restart kills the server itself: InnoDB must then keep every
# transaction the binlog has (flush-log-at-trx-commit=2 writes its log to the
# OS at each commit, which a killed process cannot lose; 0 would lose up to a
# second of them, which the binlog and so the archive still hold) and no page
# may be torn (the doublewrite buffer stays on)
MDB_DURABILITY=(--innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0)
[ "$FAULT" = restart ] && MDB_DURABILITY=(--innodb-flush-log-at-trx-commit=2)
if ! mdb_start "$T_TMP/mdb" "${MDB_DURABILITY[@]}" --innodb-buffer-pool-size=256M; then
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
if [ "$FAULT" != restart ]; then
# the workload, one transaction at a time, through a FIFO into the client
mkfifo "$W/sql.fifo"
"$PY" "$CHK" sql "$N" --seed "$SEED" --big-every "$BIG_EVERY" --pace "$PACE" >"$W/sql.fifo" 2>"$W/gen.err" &
GPID=$!
"${MDB_SQL[@]}" --batch <"$W/sql.fifo" >"$W/client.out" 2>"$W/client.err" &
CPID=$!
else
# FAULT=restart: the server goes away under the writer too. writer.py sends
# the same workload (numbered_check.py's generator), one unit (the schema, or
# a numbered transaction with the rolled back one before it) at a time,
# through a mariadb client with --skip-reconnect (a reconnecting client would
# run the rest of a torn transaction in autocommit), each unit followed by a
# marker SELECT. When the client dies of a connection error (2002, 2006,
# 2013, 1053 shutdown, 1927 killed), it starts a new one (waiting for the
# server) and asks the server whether the unit committed: numbered
# transaction i committed iff t.seq has a row with txn=i (a transaction
# deletes only rows of earlier ones, and none has run after i yet), the
# schema iff t.seq exists. If not, it sends the whole unit again; if yes, it goes on. So each
# of the N transactions commits exactly once whatever a restart interrupted,
# COMMIT included, and the checks below (MAX(txn) = N, the archive equals
# the workload and the server's table) stay as they are; a transaction
# committed twice would fail its INSERTs (duplicate ids) and stop the writer.
# Any other SQL error stops the writer (exit 1). Its log: one line per
# interruption, then "# writer: ..." totals.
cat >"$W/writer.py" <<'EOF'
import os, re, subprocess, sys, time
root, n, seed, big_every, pace, logpath = sys.argv[1:7]
client = sys.argv[7:]
n, big_every, pace = int(n), int(big_every), float(pace)
sys.path.insert(0, os.path.join(root, "tests", "oracle"))
import numbered_check as nc
CONN = {1053, 1927, 1152, 2002, 2003, 2006, 2012, 2013, 2055}
log = open(logpath, "w", buffering=1)
class Lost(Exception):
    pass
class Client:
    def __init__(self):
        self.p = None
        self.starts = 0
    def start(self):
        self.starts += 1
        self.err = logpath + ".client.err"
        self.p = subprocess.Popen(client, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=open(self.err, "wb"), bufsize=0)
    def died(self):
        """the client ended: Lost on a connection error, exit otherwise"""
        try:
            self.p.stdin.close()
        except OSError:
            pass
        rc = self.p.wait()
        self.p = None
        text = open(self.err, "rb").read().decode("utf-8", "replace").strip()
        m = re.search(r"ERROR (\d+)", text)
        if m and int(m.group(1)) in CONN:
            raise Lost(text.splitlines()[-1][:160])
        log.write("fatal: the client exited %d: %s\n" % (rc, text[:500]))
        sys.stderr.write("writer: the client exited %d: %s\n" % (rc, text[:500]))
        sys.exit(1)
    def run(self, sql, tag):
        """runs sql then SELECT 'tag'; returns the output lines before the marker"""
        if self.p is None:
            self.start()
        try:
            self.p.stdin.write((sql + "SELECT '%s';\n" % tag).encode("utf-8"))
        except BrokenPipeError:
            self.died()
        out = []
        while True:
            line = self.p.stdout.readline()
            if not line:
                self.died()
            line = line.decode("utf-8", "replace").rstrip("\n")
            if line == tag:
                return out
            out.append(line)
    def ask(self, sql, tag):
        """like run, but waits for the server (up to 120 s) across connection errors"""
        t0 = time.time()
        while True:
            try:
                return self.run(sql, tag)
            except Lost as e:
                if time.time() - t0 > 120:
                    sys.stderr.write("writer: no server for 120 s: %s\n" % e)
                    sys.exit(1)
                time.sleep(0.05)
def unit_list():
    """(name, SQL, the query whose answer is not 0 once it committed)"""
    yield ("schema", ";\n".join(nc.SCHEMA_SQL) + ";\n",
           "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='t' AND table_name='seq';\n")
    for t in nc.workload(n, seed, big_every):
        lines = list(t.pre_sql) + ["BEGIN"] + t.sql + ["COMMIT"]
        yield ("txn %d" % t.i, ";\n".join(lines) + ";\n", "SELECT COUNT(*) FROM t.seq WHERE txn=%d;\n" % t.i)
c = Client()
lost = found = resent = 0
for k, (name, sql, probe) in enumerate(unit_list()):
    attempt = 0
    while True:
        attempt += 1
        try:
            c.run(sql, "bv-done-%d-%d" % (k, attempt))
            break
        except Lost as e:
            lost += 1
            t0 = time.time()
            got = c.ask(probe, "bv-probe-%d-%d" % (k, attempt))
            committed = got and got[0].strip() not in ("", "0")
            log.write("%s: connection lost (%s); the server is back after %.2f s; %s\n" % (
                name, e, time.time() - t0, "it committed" if committed else "not committed, sent again"))
            if committed:
                found += 1
                break
            resent += 1
    if pace > 0 and k > 0:
        time.sleep(pace)
c.p.stdin.close()
rc = c.p.wait()
log.write("# writer: %d units (the schema and %d transactions), %d interrupted by a restart: %d had committed, "
          "%d had not and were sent again; %d clients started (with those that found no server); last exit %d\n" % (
              n + 1, n, lost, found, resent, c.starts, rc))
sys.exit(rc)
EOF
"$PY" "$W/writer.py" "$ROOT" "$N" "$SEED" "$BIG_EVERY" "$PACE" "$W/writer.log" \
  "${MDB_SQL[@]}" --batch --skip-reconnect --skip-column-names --unbuffered >"$W/client.out" 2>"$W/client.err" &
GPID=$!
fi

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

TRIALS=0 UNEXPECTED=0 TIMED_OUT=0 SERVER_LOST=0
declare -A NF=()
: >"$W/faults"
RS_NEXT=0   # restart: 0 clean first, 1 kill -9 first; then they alternate
[ "$FAULT" = restart ] && RS_NEXT=$((RANDOM % 2))
RS_MS=()
start_archiver
while [ "$TRIALS" -lt "$KILLS" ] || writer_alive; do
  if [ $((SECONDS - t_start)) -ge "$DEADLINE" ]; then TIMED_OUT=1; break; fi
  if [ "$FAULT" = restart ]; then
    # 0.2..1.5 s after the server is back: the archiver (backoff 0.5 s, then
    # --retry-max 1) is sometimes still reconnecting, mostly streaming again
    ms=$((200 + RANDOM % 1301))
    sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
  else
    sleep "$(printf '0.%03d' $((50 + RANDOM % 651)))"
  fi
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
  [ "$f" = restart ] && { f=restart-clean; [ $(((TRIALS + RS_NEXT) % 2)) = 0 ] && f=restart-kill9; }
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
    restart-*)
      # the server, not the archiver: stopped cleanly or killed -9 (in turn),
      # started again on the same datadir and port; the archiver (through the
      # relay) and the writer must reconnect by themselves. What the server
      # sent before it went is still delivered (the relay's socket buffers
      # grow to many MB, so the archiver mostly gets each binlog file to its
      # last whole transaction); half of the time (at random) the relay also
      # drops its connections first ("+ cut"), losing what is in flight, so
      # the archiver's stream ends where it is, often inside a transaction
      m=${f#restart-} cut=
      if [ $((RANDOM % 2)) = 1 ]; then kill -USR1 "$RPID"; cut=" + cut"; fi
      if mdb_bounce "$m" 2>>"$W/bounce.err"; then
        echo "run $RUNS restart $m$cut" >>"$W/faults"
        RS_MS+=("$m:$MDB_BOUNCE_MS")
      else
        echo "run $RUNS restart $m: the server did not start again" >>"$W/faults"
        UNEXPECTED=$((UNEXPECTED + 1)) SERVER_LOST=1
        break
      fi ;;
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
if [ "$TIMED_OUT" = 1 ] || [ "$SERVER_LOST" = 1 ]; then kill -9 $GPID $CPID 2>/dev/null; fi
GST=0; wait "$GPID" || GST=$?; GPID=
CST=0; [ -z "$CPID" ] || wait "$CPID" || CST=$?; CPID=
expect_eq "the writer committed its $N transactions (generator and client exit 0)" "$GST,$CST" 0,0
[ "$CST" = 0 ] || sed 's/^/# client: /' "$W/client.err" | head -5
if [ "$FAULT" = restart ]; then
  [ "$GST" = 0 ] || sed 's/^/# writer: /' "$W/client.err" | head -5
  grep '^# writer:' "$W/writer.log"
  sort "$W/bounce.err" 2>/dev/null | uniq -c | head -3 | sed 's/^/# mdb_bounce: /'
  printf '%s\n' "${RS_MS[@]}" | awk -F: '{n[$1]++; s[$1] += $2; if ($2 > mx[$1]) mx[$1] = $2}
    END {for (m in n) printf "# server restarts %s: %d, %.2f s on average, at most %.2f s\n", m, n[m], s[m] / n[m] / 1000, mx[m] / 1000}'
fi
statuses=$(sed -E 's/^run [0-9]+ //' "$W/faults" | sort | uniq -c |
  awk '{c = $1; $1 = ""; printf "%s%s x%d", sep, substr($0, 2), c; sep = ", "}')
echo "# $TRIALS faults in ${t_faults}s over $RUNS archiver runs (the writer ended after ${T_WRITER:-?}s); outcomes: $statuses"
expect_eq "every archiver run was alive at its fault and exited as expected (kill -9: 137, SIGTERM: 0 or 143)" \
  "$UNEXPECTED" 0
[ "$UNEXPECTED" = 0 ] || grep -v -E 'kill9: 137$|term: (0|143)$|netcut$|hup$|restart (clean|kill9)( \+ cut)?$' "$W/faults" |
  head -5 | sed 's/^/# /'

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
