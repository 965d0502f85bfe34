#!/usr/bin/env bash
# The Kafka test tooling works against a real Kafka 4.x broker (KRaft, from
# Maven Central jars): start, a 3-partition topic, keyed records placed by the
# Java client's murmur2 partitioner, consume them back, a transactional
# producer read with read_committed, kill -9 and restart on the same storage,
# stop. Brokers live under T_TMP on free ports, so two runs can go in parallel.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/sh/lib.sh
. tests/sh/kafka_lib.sh
t_start=$SECONDS

bail() { echo "Bail out! $*"; done_testing; exit 1; }
# a process is gone once it has exited (a zombie waiting for init counts as gone)
gone() { ! [ -d "/proc/$1" ] || grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

# The test command fetches the jars itself (once; later runs use the cache).
rc=0; kafka_fetch || rc=$?
expect_eq "Kafka jars fetched from Maven Central (or cached)" "$rc" 0
[ "$rc" -eq 0 ] || bail "no Kafka jars"

t0=$(date +%s%N)
rc=0; kafka_start "$T_TMP/kafka" || rc=$?
echo "# kafka: broker (format + start) ready in $((($(date +%s%N) - t0) / 1000000)) ms"
expect_eq "broker starts" "$rc" 0
[ "$rc" -eq 0 ] || bail "broker did not start"
expect_match "KAFKA_BROKERS is 127.0.0.1:PORT" "$KAFKA_BROKERS" '^127\.0\.0\.1:[0-9]+$'
expect_eq "port file matches" "127.0.0.1:$(cat "$KAFKA_DIR/port")" "$KAFKA_BROKERS"
ok "status: running" kafka_status
fails "a second start on the same DIR is refused" 1 "$KAFKA_SH" start "$KAFKA_DIR"

ok "create topic with 3 partitions" kafka_topics --create --topic bv.test --partitions 3 --replication-factor 1
desc=$(kafka_topics --describe --topic bv.test 2>&1)
expect_match "topic has 3 partitions" "$desc" 'PartitionCount: 3'

# 10 keyed records; keys repeat so that a key's records share a partition.
records=$'k1\tv1\nk2\tv2\nk3\tv3\nk4\tv4\nk5\tv5\nk1\tv6\nk2\tv7\nk3\tv8\nk6\tv9\nk7\tv10'
ok "produce 10 keyed records" kafka_produce bv.test --keyed <<<"$records"
ok "produce 1 record with headers" kafka_produce bv.test --keyed --headers <<<$'src:binlog,gtid:0-1-7\tk8\tv11'

out=$(kafka_consume bv.test --from-beginning --max-messages 11 --timeout-ms 20000 2>"$T_TMP/consume.err")
expect_eq "consumed 11 records" "$(printf '%s\n' "$out" | grep -c .)" 11
# Parse the lines: check each record sits on the partition the Java client's
# default partitioner (murmur2 of the key) picks, offsets are dense from 0 in
# each partition, and keys/values/headers came back unchanged.
check=$(printf '%s\n' "$out" | python3 -c '
import sys
def murmur2(data):
    m, h, n = 0x5BD1E995, 0x9747B28C ^ len(data), len(data)
    for i in range(0, n - n % 4, 4):
        k = int.from_bytes(data[i:i + 4], "little")
        k = (k * m) & 0xFFFFFFFF; k ^= k >> 24; k = (k * m) & 0xFFFFFFFF
        h = ((h * m) & 0xFFFFFFFF) ^ k
    t = n - n % 4
    if n % 4 == 3: h ^= data[t + 2] << 16
    if n % 4 >= 2: h ^= data[t + 1] << 8
    if n % 4 >= 1: h = ((h ^ data[t]) * m) & 0xFFFFFFFF
    h ^= h >> 13; h = (h * m) & 0xFFFFFFFF; h ^= h >> 15
    return h
recs, bad = [], []
for line in sys.stdin.read().splitlines():
    part, off, headers, key, value = line.split("\t", 4)
    part = int(part.split(":", 1)[1]); off = int(off.split(":", 1)[1])
    headers = {} if headers == "NO_HEADERS" else dict(h.split(":", 1) for h in headers.split(","))
    recs.append((part, off, key, value, headers))
    if part != (murmur2(key.encode()) & 0x7FFFFFFF) % 3:
        bad.append("%s on partition %d" % (key, part))
for p in range(3):
    offs = sorted(r[1] for r in recs if r[0] == p)
    if offs != list(range(len(offs))):
        bad.append("partition %d offsets %s" % (p, offs))
print("partitions=%d" % len({r[0] for r in recs}))
print("pairs=" + " ".join(sorted("%s=%s" % (r[2], r[3]) for r in recs)))
print("headers=" + ";".join("%s:%s" % (r[2], sorted(r[4].items())) for r in recs if r[4]))
print("bad=" + ",".join(bad))
')
expect_eq "keys and values" "$(sed -n 's/^pairs=//p' <<<"$check")" \
  "k1=v1 k1=v6 k2=v2 k2=v7 k3=v3 k3=v8 k4=v4 k5=v5 k6=v9 k7=v10 k8=v11"
expect_eq "each record on its murmur2 partition, dense offsets" "$(sed -n 's/^bad=//p' <<<"$check")" ""
expect_eq "records spread over the 3 partitions" "$(sed -n 's/^partitions=//p' <<<"$check")" 3
expect_eq "headers" "$(sed -n 's/^headers=//p' <<<"$check")" "k8:[('gtid', '0-1-7'), ('src', 'binlog')]"
expect_match "end offsets add up to 11" \
  "$(kafka_offsets bv.test 2>/dev/null | awk -F: '{s += $3} END {print s}')" '^11$'
only_kv=$(kafka_consume bv.test --from-beginning --max-messages 11 --timeout-ms 20000 --print-key 2>/dev/null | sort | tr '\t\n' '= ')
expect_eq "--print-key prints KEY<TAB>VALUE" "$only_kv" "k1=v1 k1=v6 k2=v2 k2=v7 k3=v3 k3=v8 k4=v4 k5=v5 k6=v9 k7=v10 k8=v11 "

# Transactions: Kafka's producer-perf-test commits every 100 ms; read_committed
# sees all 20 values, and the commit markers take offsets of their own.
# (--producer-props rather than --bootstrap-server: Kafka before 4.2 lacks the latter.)
ok "transactional producer (20 records)" kafka_java org.apache.kafka.tools.ProducerPerformance \
  --producer-props "bootstrap.servers=$KAFKA_BROKERS" --topic bv.tx --num-records 20 --throughput -1 --payload-monotonic \
  --transactional-id bv-test-tx --transaction-duration-ms 100
tx=$(kafka_consume bv.tx --from-beginning --isolation read_committed --max-messages 20 --timeout-ms 20000 \
  --print-offset 2>/dev/null)
expect_eq "read_committed: 20 values in order" "$(cut -f2 <<<"$tx" | tr '\n' ' ')" \
  "0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 "
last=$(tail -1 <<<"$tx" | sed 's/^Offset:\([0-9]*\).*/\1/')
expect_match "commit markers occupy offsets (last offset > 19)" "$last" '^(2[0-9]|[3-9][0-9]|[0-9]{3,})$'

# kill -9, restart on the same storage and port: everything is still there.
pid=$(cat "$KAFKA_DIR/broker.pid")
ok "kill -9 the broker" kafka_kill9
ok "the JVM is gone" gone "$pid"
fails "status: stopped" 1 kafka_status
before=$KAFKA_BROKERS
t0=$(date +%s%N)
rc=0; kafka_restart || rc=$?
echo "# kafka: restart after kill -9 ready in $((($(date +%s%N) - t0) / 1000000)) ms"
expect_eq "restart after kill -9" "$rc" 0
expect_eq "same address after restart" "$KAFKA_BROKERS" "$before"
expect_eq "not re-formatted (same cluster id)" \
  "$(sed -n 's/^cluster.id=//p' "$KAFKA_DIR/data/meta.properties")" "$(cat "$KAFKA_DIR/cluster.id")"
again=$(kafka_consume bv.test --from-beginning --max-messages 11 --timeout-ms 20000 2>/dev/null | sort)
expect_eq "records survive kill -9 + restart" "$again" "$(sort <<<"$out")"
tx2=$(kafka_consume bv.tx --from-beginning --isolation read_committed --max-messages 20 --timeout-ms 20000 \
  --print-offset 2>/dev/null)
expect_eq "committed transactions survive kill -9 + restart" "$tx2" "$tx"

pid=$(cat "$KAFKA_DIR/broker.pid")
ok "stop" kafka_stop
ok "the JVM is gone after stop" gone "$pid"
ok "no pid file after stop" test ! -e "$KAFKA_DIR/broker.pid"
fails "status: stopped" 1 kafka_status

echo "# kafka: test took $((SECONDS - t_start))s"
expect_match "whole test under 90 s" "$((SECONDS - t_start))" '^([0-9]|[1-8][0-9])$'
done_testing
