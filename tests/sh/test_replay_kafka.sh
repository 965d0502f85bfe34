#!/usr/bin/env bash
# binvault-replayer against a real Kafka 4.x broker (KRaft, from the Maven
# jars, tools/kafka.sh) and a real MariaDB.
#
# A private MariaDB writes a workload (three tables, one without a primary
# key, keys updated many times, multi-row transactions, DDL); the binlog is
# imported into an archive. Then:
#  1. the archive is replayed to topics "bv.%{database}.%{table}" (3
#     partitions each, created first) partitioned by primary key; Kafka's own
#     console consumer reads everything back and tests/oracle/replay_check.py
#     checks every row event exactly once, topic, key, partition (Java
#     String.hashCode), values, old, commit/xoffset and per-key order;
#  2. --output stdout gives the same JSON values as Kafka got;
#  3. kill -9 during a throttled replay, then a restart with the checkpoint:
#     nothing missing, duplicates only after the checkpoint;
#  4. the broker is killed during a replay: the replayer stops with exit 1
#     and a delivery error, the checkpoint does not pass what was delivered;
#     after the broker restarts, a rerun completes with nothing missing.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. tests/sh/lib.sh
. tests/sh/mariadb_lib.sh
. tests/sh/kafka_lib.sh
ARCH=$BV_BIN/binvault-archiver
BV=$BV_BIN/binvault
RP=$BV_BIN/binvault-replayer
W=$T_TMP/rk
mkdir -p "$W"
RPID=
trap '[ -n "$RPID" ] && kill -9 "$RPID" 2>/dev/null; mdb_stop; _kafka_cleanup; [ -n "${BV_KEEP_TMP:-}" ] || rm -rf "$T_TMP"' EXIT

mdb_start "$W/m" || { echo "not ok 1 - MariaDB starts"; exit 1; }
"${MDB_SQL[@]}" -e "RESET MASTER"
python3 - <<'PY' | "${MDB_SQL[@]}"
import random
r = random.Random(7)
print("CREATE DATABASE shop;")
print("CREATE TABLE shop.orders (id INT PRIMARY KEY, customer VARCHAR(40), amount DECIMAL(12,2), qty INT, "
      "price DOUBLE, placed DATETIME(3), tags SET('gift','express','fragile'), note TEXT) DEFAULT CHARSET=utf8mb4;")
print("CREATE TABLE shop.items (order_id INT, line INT, sku VARCHAR(20), PRIMARY KEY (order_id, line));")
print("CREATE TABLE shop.log (msg VARCHAR(100), at TIMESTAMP(6) DEFAULT '2026-01-01 00:00:00');")
for t in range(300):
    print("BEGIN;")
    for _ in range(r.randint(1, 6)):
        i = r.randint(1, 60)
        op = r.random()
        if op < 0.5:
            print("INSERT INTO shop.orders (id, customer, amount, qty, price, placed, tags, note) "
                  "VALUES (%d, 'cust %d \u00e9', %d.%02d, %d, %s, '2026-01-%02d 10:00:%02d.%03d', '%s', %s) "
                  "ON DUPLICATE KEY UPDATE qty = qty + 1, amount = amount + 1.25, note = CONCAT(IFNULL(note, ''), 'x');"
                  % (i, i, r.randint(0, 9999), r.randint(0, 99), r.randint(1, 9), repr(r.random() * 100), r.randint(1, 28),
                     r.randint(0, 59), r.randint(0, 999), r.choice(["", "gift", "gift,express", "fragile"]),
                     r.choice(["NULL", "'note'"])))
        elif op < 0.8:
            print("UPDATE shop.orders SET qty = qty + 1, price = price * 2 WHERE id = %d;" % i)
        elif op < 0.9:
            print("DELETE FROM shop.orders WHERE id = %d;" % i)
        else:
            print("INSERT INTO shop.items VALUES (%d, %d, 'SKU-%d') ON DUPLICATE KEY UPDATE sku = CONCAT(sku, '+');"
                  % (i, r.randint(1, 3), r.randint(1, 999)))
    print("INSERT INTO shop.log (msg) VALUES ('txn %d');" % t)
    print("COMMIT;")
    if t == 150:
        print("ALTER TABLE shop.orders ADD COLUMN flag TINYINT DEFAULT 1;")
        print("FLUSH BINARY LOGS;")
PY
"${MDB_SQL[@]}" -e "FLUSH BINARY LOGS"
mapfile -t FILES < <(mdb_binlogs)
"$ARCH" --quiet --archive "$W/a" "${FILES[@]}"
expect_eq "the workload is archived" "$?" "0"
"$BV" cat "$W/a" >"$W/cat.jsonl"
nrows=$(grep -c '"type":"\(insert\|update\|delete\)"' "$W/cat.jsonl")
ok "the archive holds row events ($nrows)" test "$nrows" -gt 500
mdb_stop

kafka_start "$W/k" || { echo "not ok - Kafka starts"; done_testing; exit 1; }
ok "a real Kafka broker runs at $KAFKA_BROKERS" kafka_status
for t in bv.shop.orders bv.shop.items bv.shop.log; do
  kafka_topics --create --topic "$t" --partitions 3 >/dev/null 2>&1
done

# consume_all OUT TOPIC...: every record of the topics, "TOPIC<TAB>line"
consume_all() {
  local out=$1 t; shift
  : >"$out"
  for t in "$@"; do
    kafka_consume "$t" --from-beginning --timeout-ms 6000 2>/dev/null | sed "s/^/$t\t/" >>"$out"
  done
}

# 1. the whole archive, exactly once
rc=0
"$RP" --archive "$W/a" --brokers "$KAFKA_BROKERS" --topic 'bv.%{database}.%{table}' --partition-by primary_key \
  --checkpoint "$W/ck1.json" --quiet 2>"$W/rp1.err" || rc=$?
expect_eq "replay to Kafka exits 0" "$rc" "0"
[ "$rc" = 0 ] || sed 's/^/# /' "$W/rp1.err" | tail -5
consume_all "$W/c1.tsv" bv.shop.orders bv.shop.items bv.shop.log
python3 tests/oracle/replay_check.py "$W/cat.jsonl" "$W/c1.tsv" --partitions bv.shop.orders=3 \
  --partitions bv.shop.items=3 --partitions bv.shop.log=3 --topic-template 'bv.%{database}.%{table}' \
  --partition-by primary_key >"$W/check1.out"
expect_eq "replay_check: exactly once, topics, keys, partitions, values, order" "$?" "0"
sed 's/^/#   /' "$W/check1.out"
end=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print("%s:%d" % (c["file"], c["offset"]))' "$W/ck1.json")
last=$(python3 -c 'import json,sys
c=[json.loads(l) for l in open(sys.argv[1]) if "\"commit\"" in l][-1]
print("%s:%d" % (c["file"], c["end_offset"]))' "$W/cat.jsonl")
expect_eq "the checkpoint records the end of the archive's last transaction" "$end" "$last"

# 2. the same JSON on stdout
"$RP" --archive "$W/a" --output stdout --quiet >"$W/stdout.jsonl"
cut -f6 "$W/c1.tsv" | sort >"$W/kafka.values"
sort "$W/stdout.jsonl" >"$W/stdout.sorted"
ok "--output stdout prints the values Kafka received" cmp -s "$W/kafka.values" "$W/stdout.sorted"

# 2b. --format debezium: envelope, op codes, source ids, DATETIME(3) as epoch ms, DECIMAL as text
"$RP" --archive "$W/a" --output stdout --format debezium --server-name dbz1 --quiet >"$W/dbz.jsonl"
dbz=$(python3 - "$W/cat.jsonl" "$W/dbz.jsonl" <<'PY'
import json, sys, calendar, datetime
cat = [json.loads(l) for l in open(sys.argv[1]) if '"type":"insert"' in l or '"type":"update"' in l or '"type":"delete"' in l]
dbz = [json.loads(l) for l in open(sys.argv[2])]
bad = []
if len(cat) != len(dbz):
    bad.append("count %d vs %d" % (len(cat), len(dbz)))
for e, d in zip(cat, dbz):
    s = d["source"]
    if (s["file"], s["pos"], s["row"], s["db"], s["table"], s["name"]) != (e["file"], e["offset"], e["row"], e["database"], e["table"], "dbz1"):
        bad.append("source of %s:%s" % (e["file"], e["offset"])); continue
    if d["op"] != {"insert": "c", "update": "u", "delete": "d"}[e["type"]]:
        bad.append("op"); continue
    img = d["after"] if e["type"] != "delete" else d["before"]
    if (d["before"] is None) != (e["type"] == "insert") or (d["after"] is None) != (e["type"] == "delete"):
        bad.append("before/after presence"); continue
    if e["table"] == "orders":
        p = e["data"].get("placed")
        if p is not None:
            dt = datetime.datetime.strptime(p, "%Y-%m-%d %H:%M:%S.%f")
            ms = calendar.timegm(dt.timetuple()) * 1000 + dt.microsecond // 1000
            if img["placed"] != ms:
                bad.append("placed %s -> %s, want %s" % (p, img["placed"], ms))
        a = e["data"].get("amount")
        if a is not None and img["amount"] != str(a) and img["amount"] != ("%.2f" % a):
            bad.append("amount %r vs %r" % (a, img["amount"]))
print("ok" if not bad else "not ok: %s" % bad[:3])
PY
)
expect_eq "--format debezium: envelope, op, source ids, DATETIME(3) as epoch ms, DECIMAL as text" "$dbz" "ok"

# 2c. --follow: publish what the archiver appends while the replayer runs
"$ARCH" --quiet --archive "$W/af" "${FILES[0]}"
"$RP" --archive "$W/af" --output "$W/follow.jsonl" --follow --checkpoint "$W/ckf.json" --quiet 2>"$W/follow.err" &
RPID=$!
sleep 1
"$ARCH" --quiet --archive "$W/af" "${FILES[@]:1}"
want=$(wc -l <"$W/stdout.jsonl")
for i in $(seq 1 100); do [ "$(wc -l <"$W/follow.jsonl")" -ge "$want" ] && break; sleep 0.1; done
# while idle, the file is fsynced and the checkpoint reaches the archive's end
ckf=
for i in $(seq 1 50); do
  ckf=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print("%s:%d" % (c["file"], c["offset"]))' \
    "$W/ckf.json" 2>/dev/null)
  [ "$ckf" = "$last" ] && break
  sleep 0.1
done
expect_eq "an idle --follow to a file brings its checkpoint to the archive's end within 5 s" "$ckf" "$last"
kill -TERM "$RPID"; rc=0; wait "$RPID" || rc=$?; RPID=
expect_eq "--follow stops cleanly on SIGTERM (exit 0)" "$rc" "0"
ok "--follow published the events appended after it started, once each ($(wc -l <"$W/follow.jsonl") of $want)" \
  cmp -s <(sort "$W/follow.jsonl") "$W/stdout.sorted"

# 3. kill -9 mid-replay, resume from the checkpoint (at least once)
"$RP" --archive "$W/a" --brokers "$KAFKA_BROKERS" --topic bv2 --checkpoint "$W/ck2.json" --max-rate 150 \
  --quiet 2>"$W/rp2.err" &
RPID=$!
sleep 2.5
kill -9 "$RPID"; wait "$RPID" 2>/dev/null; RPID=
ok "a checkpoint was written before the kill" test -s "$W/ck2.json"
cp_pos=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print("%s:%d" % (c["file"], c["offset"]))' "$W/ck2.json")
rc=0
"$RP" --archive "$W/a" --brokers "$KAFKA_BROKERS" --topic bv2 --checkpoint "$W/ck2.json" 2>"$W/rp2b.err" || rc=$?
expect_eq "the restart with the checkpoint exits 0" "$rc" "0"
expect_match "it says where it resumes" "$(cat "$W/rp2b.err")" "resuming after $cp_pos"
consume_all "$W/c2.tsv" bv2
python3 tests/oracle/replay_check.py "$W/cat.jsonl" "$W/c2.tsv" --partitions bv2=1 --topic-template bv2 \
  --mode atleast --checkpoint-pos "$cp_pos" >"$W/check2.out"
expect_eq "after kill -9 and resume: nothing missing, duplicates only after the checkpoint ($cp_pos)" "$?" "0"
grep -E "^not ok|duplicates" "$W/check2.out" | sed 's/^/#   /'

# 3b. --no-headers: the same messages without the binvault.* headers
rc=0
"$RP" --archive "$W/a" --brokers "$KAFKA_BROKERS" --topic bvnh --no-headers --quiet 2>"$W/rpnh.err" || rc=$?
expect_eq "--no-headers replay exits 0" "$rc" "0"
consume_all "$W/cnh.tsv" bvnh
expect_eq "--no-headers: every message has no header" \
  "$(cut -f4 "$W/cnh.tsv" | sort | uniq -c | awk '{print $2 " " ($1 > 0)}')" "NO_HEADERS 1"
expect_eq "--no-headers: as many messages as row events" "$(wc -l <"$W/cnh.tsv")" \
  "$(grep -c -E '"type":"(insert|update|delete)"' "$W/cat.jsonl")"

# 4. the broker dies during a replay: the replayer stops, never skips
"$RP" --archive "$W/a" --brokers "$KAFKA_BROKERS" --topic bv3 --checkpoint "$W/ck3.json" --max-rate 200 \
  -X message.timeout.ms=4000 --quiet 2>"$W/rp3.err" &
RPID=$!
sleep 2
kafka_kill9
t0=$SECONDS
rc=0; wait "$RPID" || rc=$?; RPID=
expect_eq "the replayer exits 1 when Kafka cannot take its messages" "$rc" "1"
ok "and stops within 30 s ($((SECONDS - t0)) s)" test $((SECONDS - t0)) -lt 30
expect_match "the message names the Kafka failure" "$(cat "$W/rp3.err")" "Kafka|delivery|timed out"
kafka_restart >/dev/null || echo "# broker restart failed"
rc=0
"$RP" --archive "$W/a" --brokers "$KAFKA_BROKERS" --topic bv3 --checkpoint "$W/ck3.json" --quiet 2>"$W/rp3b.err" || rc=$?
expect_eq "after the broker restarts, the rerun completes (exit 0)" "$rc" "0"
consume_all "$W/c3.tsv" bv3
python3 tests/oracle/replay_check.py "$W/cat.jsonl" "$W/c3.tsv" --partitions bv3=1 --topic-template bv3 \
  --mode atleast >"$W/check3.out"
expect_eq "after the broker failure: every row event delivered at least once" "$?" "0"
grep -E "^not ok" "$W/check3.out" | sed 's/^/#   /'
done_testing
