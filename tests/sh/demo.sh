#!/usr/bin/env bash
# make demo: what the project does so far, end to end on local defaults.
# 1. Writes a synthetic CDC stream into an archive, simulates a crash that
#    tears the open segment, lets the writer recover it, and shows ls /
#    verify / cat / stat.
# 2. Starts a private MariaDB (binlog_format=ROW, row metadata FULL) and
#    binvault-archiver as its replica; writes a workload with a DDL between
#    writes, kills the archiver with -9 in the middle, restarts it (it
#    continues from the archive's end), stops it with SIGTERM, shows ls / cat /
#    verify, and checks that an offline import of the same binlog files holds
#    the same events. (DEMO_SKIP_MARIADB=1 skips this part.)
# 3. Starts a private Kafka 4 broker (tools/kafka.sh, jars from Maven) and
#    replays the live archive into it with binvault-replayer, then prints
#    what Kafka's own console consumer reads back. (DEMO_SKIP_KAFKA=1 skips.)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BV_BIN:-bin}
DIR=${DEMO_DIR:-demo-archive}
rm -rf "$DIR"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "write 20000 synthetic transactions (segments sealed every 512 KiB)"
"$BIN/bv-gen" --archive "$DIR" --txns 20000 --segment-size 524288 --ddl-every 7000 --rotate-every 3000000

step "crash: append 300 more without flushing the last block, then tear the open segment's tail"
"$BIN/bv-gen" --archive "$DIR" --txns 300 --block-size 16384 --no-close
part=$(ls "$DIR"/*.part)
size=$(stat -c %s "$part")
truncate -s $((size - 100)) "$part"
echo "truncated $(basename "$part") from $size to $((size - 100)) bytes"

step "binvault verify (the torn tail is reported as a note, not corruption)"
"$BIN/binvault" verify "$DIR" || true

step "reopen the writer: recovery cuts back to the last complete transaction, then 100 more"
"$BIN/bv-gen" --archive "$DIR" --txns 100

step "binvault ls"
"$BIN/binvault" ls "$DIR"

step "binvault verify"
"$BIN/binvault" verify "$DIR"

step "binvault cat --limit 4"
"$BIN/binvault" cat "$DIR" --limit 4

step "binvault stat"
"$BIN/binvault" stat "$DIR"

if [ -z "${DEMO_SKIP_MARIADB:-}" ]; then
  . tests/sh/mariadb_lib.sh
  MDIR=$(mktemp -d "${TMPDIR:-/tmp}/bvdemo.XXXXXX")
  APID=
  trap 'set +e; [ -n "$APID" ] && kill -9 "$APID" 2>/dev/null; mdb_stop; rm -rf "$MDIR"' EXIT
  LIVE=$DIR.live
  rm -rf "$LIVE"
  # wait_caught_up: until the archiver's status file shows the server's current binlog position
  wait_caught_up() {
    local want got i
    want=$("${MDB_SQL[@]}" -N -e "SHOW MASTER STATUS" | awk '{print $1 ":" $2}')
    for i in $(seq 1 200); do
      got=$(python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["position"]; print("%s:%s" % (p["file"], p["offset"]))' \
        "$MDIR/status.json" 2>/dev/null || true)
      [ "$got" = "$want" ] && { echo "archiver caught up at $got"; return 0; }
      sleep 0.1
    done
    echo "archiver did not reach $want (at $got)" >&2; return 1
  }
  start_archiver() {
    "$BIN/binvault-archiver" --archive "$LIVE" --host 127.0.0.1 --port "$MDB_PORT" --user root \
      --status-file "$MDIR/status.json" --fsync-interval 0.2 --log-level warn &
    APID=$!
  }
  step "a private MariaDB (--binlog-format=ROW --binlog-row-metadata=FULL) and binvault-archiver following it as a replica"
  mdb_start "$MDIR/m"
  "${MDB_SQL[@]}" -e "RESET MASTER"
  start_archiver
  "${MDB_SQL[@]}" <<'SQL'
CREATE DATABASE shop;
CREATE TABLE shop.orders (id INT PRIMARY KEY, customer VARCHAR(40), amount DECIMAL(10,2), placed DATETIME(3), tags SET('gift','express'), doc JSON) DEFAULT CHARSET=utf8mb4;
INSERT INTO shop.orders VALUES (1, 'Zoë', 19.99, '2026-11-26 10:00:00.125', 'gift', '{"items": 2}'), (2, 'Ada', 5.00, '2026-11-26 10:05:00', '', NULL);
SQL
  wait_caught_up

  step "kill -9 the archiver, keep writing while it is down (the binlog keeps the changes)"
  kill -9 "$APID"; wait "$APID" 2>/dev/null || true; APID=
  "${MDB_SQL[@]}" <<'SQL'
BEGIN; UPDATE shop.orders SET amount = amount * 2 WHERE id = 1; DELETE FROM shop.orders WHERE id = 2; COMMIT;
ALTER TABLE shop.orders ADD COLUMN note TEXT;
FLUSH BINARY LOGS;
SQL

  step "restart it: it recovers the archive and continues from the archive's own end"
  start_archiver
  "${MDB_SQL[@]}" -e "INSERT INTO shop.orders VALUES (3, 'Linus', -0.50, NOW(3), 'express,gift', '[1, 2.5, \"x\"]', 'after the ALTER')"
  wait_caught_up
  step "SIGTERM: the archiver finishes its block, fsyncs and exits 0"
  kill -TERM "$APID"; wait "$APID"; echo "exit status $?"; APID=

  step "binvault ls $LIVE"
  "$BIN/binvault" ls "$LIVE"
  step "binvault cat $LIVE (row events and DDL)"
  "$BIN/binvault" cat "$LIVE" | grep -E '"type":"(insert|update|delete|ddl)"'
  step "binvault verify $LIVE"
  "$BIN/binvault" verify "$LIVE"
  step "the same binlog files imported offline give the same events"
  mapfile -t FILES < <(mdb_binlogs)
  rm -rf "$DIR.offline"
  "$BIN/binvault-archiver" --quiet --archive "$DIR.offline" "${FILES[@]}"
  if diff <("$BIN/binvault" cat "$LIVE" | grep -v '"type":"note"') <("$BIN/binvault" cat "$DIR.offline" | grep -v '"type":"note"') >/dev/null; then
    echo "identical: $("$BIN/binvault" cat "$LIVE" | wc -l) events"
  else
    echo "the live and offline archives differ" >&2; exit 1
  fi

  if [ -z "${DEMO_SKIP_KAFKA:-}" ]; then
    . tests/sh/kafka_lib.sh
    step "a private Kafka 4 broker (KRaft, jars from Maven Central; the first run fetches them)"
    kafka_start "$MDIR/kafka"
    echo "broker at $KAFKA_BROKERS"
    kafka_topics --create --topic demo.shop.orders --partitions 3 >/dev/null
    step "binvault-replayer --archive $LIVE --brokers $KAFKA_BROKERS --topic 'demo.%{database}.%{table}' --partition-by primary_key"
    "$BIN/binvault-replayer" --archive "$LIVE" --brokers "$KAFKA_BROKERS" --topic 'demo.%{database}.%{table}' \
      --partition-by primary_key --checkpoint "$MDIR/replay.ckpt"
    step "what Kafka holds (Kafka's own console consumer: partition, headers, key, Maxwell JSON)"
    kafka_consume demo.shop.orders --from-beginning --timeout-ms 5000 --print-partition --print-headers --print-key \
      2>/dev/null | sort
    kafka_stop >/dev/null
  fi
fi
echo
echo "demo archives left in $DIR, $DIR.live and $DIR.offline"
