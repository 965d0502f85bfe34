#!/usr/bin/env bash
# binvault-replayer --exactly-once against a real Kafka 4.x broker (KRaft,
# from the Maven jars, tools/kafka.sh).
#
# A synthetic archive (bv-gen: keys inserted, updated many times, deleted)
# is published with Kafka transactions whose progress record goes to the
# progress topic in the same transaction. Then:
#  1. kill -9 at random instants, EOS_KILLS times (default 5; make chaos
#     runs 50), then a run to the end: Kafka's own console consumer with
#     isolation.level=read_committed sees every row event exactly once, in
#     per-key order (tests/oracle/replay_check.py --mode exact); a
#     read_uncommitted consumer sees more (the aborted transactions), which
#     shows that the kills did land inside transactions; the same kills in
#     the default mode (checkpoint file): nothing missing, and duplicates
#     only after the checkpoint each restart resumed from;
#  2. a second instance of the same --job fences the first (exit 1, "fenced")
#     and finishes its work: still exactly once;
#  3. the broker is killed (-9) and restarted during a replay: exactly once;
#  4. --follow: what bv-gen appends while the replayer runs is published,
#     exactly once, and SIGTERM commits and exits 0;
#  5. usage errors: no --job, not Kafka, with --checkpoint, a bad job name.
# Prints "# eos-table fault trials events lost duplicated" lines that
# make chaos gathers into its table.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. tests/sh/lib.sh
. tests/sh/kafka_lib.sh
BV=$BV_BIN/binvault
RP=$BV_BIN/binvault-replayer
GEN=$BV_BIN/bv-gen
KILLS=${EOS_KILLS:-5}
W=$T_TMP/eos
mkdir -p "$W"
RPID=
RPID2=
trap '[ -n "$RPID" ] && kill -9 "$RPID" 2>/dev/null; [ -n "$RPID2" ] && kill -9 "$RPID2" 2>/dev/null; _kafka_cleanup; [ -n "${BV_KEEP_TMP:-}" ] || rm -rf "$T_TMP"' EXIT
SEED=${EOS_SEED:-$RANDOM}
echo "# seed $SEED (EOS_SEED=$SEED reproduces the kill instants)"
RANDOM=$SEED

# enough events that every killed run is still publishing (1500 messages/s, 0.5..2.5 s each)
TXNS=$((KILLS * 500 > 3000 ? KILLS * 500 : 3000))
"$GEN" --archive "$W/a" --txns "$TXNS" --seed 11 >/dev/null
"$BV" cat "$W/a" >"$W/cat.jsonl"
nrows=$(grep -c '"type":"\(insert\|update\|delete\)"' "$W/cat.jsonl")
ok "the archive holds row events ($nrows)" test "$nrows" -gt 5000

kafka_start "$W/k" || { echo "not ok - Kafka starts"; done_testing; exit 1; }
ok "a real Kafka broker runs at $KAFKA_BROKERS" kafka_status
for t in eo1 eo2 eo3 eo4 eo5; do
  kafka_topics --create --topic "$t" --partitions 3 >/dev/null 2>&1
done

# consume TOPIC ISOLATION OUT: every record, "TOPIC<TAB>line"
consume() {
  kafka_consume "$1" --from-beginning --isolation "$2" --timeout-ms 6000 2>/dev/null | sed "s/^/$1\t/" >"$3"
}
# check TOPIC CAT OUT: replay_check exact on the read_committed records
check() {
  consume "$1" read_committed "$W/$1.rc.tsv"
  python3 tests/oracle/replay_check.py "$2" "$W/$1.rc.tsv" --partitions "$1=3" --topic-template "$1" \
    --partition-by primary_key >"$3"
}
# table FAULT TRIALS CHECKOUT: the chaos table line from replay_check's output
table() {
  python3 - "$@" <<'PY'
import re, sys
fault, trials, out = sys.argv[1], sys.argv[2], open(sys.argv[3]).read()
m = re.search(r"\((\d+) expected, (\d+) missing", out)
d = re.search(r"each exactly once \((\d+) duplicated", out)
print("# eos-table %s %s %s %s %s" % (fault, trials, m.group(1) if m else "?", m.group(2) if m else "?", d.group(1) if d else "?"))
PY
}
eo() { # eo TOPIC JOB [ARGS...]: the replayer in exactly-once mode
  local t=$1 j=$2; shift 2
  "$RP" --archive "$W/a" --brokers "$KAFKA_BROKERS" --topic "$t" --partition-by primary_key \
    --exactly-once --job "$j" "$@"
}

# 1. kill -9 at random instants
starts=0
for i in $(seq 1 "$KILLS"); do
  eo eo1 k1 --max-rate 1500 --txn-messages 250 --txn-interval-ms 300 --quiet 2>>"$W/k1.err" &
  RPID=$!
  # 1.5 .. 3.5 s: init_transactions and the progress read take about 1 s of it
  sleep "$(awk -v r=$RANDOM 'BEGIN {printf "%.2f", 1.5 + r / 32767 * 2}')"
  kill -9 "$RPID" 2>/dev/null && starts=$((starts + 1))
  wait "$RPID" 2>/dev/null; RPID=
done
rc=0
eo eo1 k1 2>"$W/k1.last.err" || rc=$?
expect_eq "after $KILLS kill -9, the job runs to the end (exit 0)" "$rc" "0"
expect_match "it resumes after its committed progress" "$(head -1 "$W/k1.last.err")" \
  "job k1 (resumes after mysql-bin\.[0-9]+:[0-9]+ \(committed in binvault\.progress\)|has no committed progress)"
check eo1 "$W/cat.jsonl" "$W/check1.out"
expect_eq "read_committed after $KILLS kill -9: every row event exactly once, keys, partitions, per-key order" "$?" "0"
grep -E "^not ok|^#" "$W/check1.out" | sed 's/^/#   /'
table "replayer-kill9-exactly-once" "$KILLS" "$W/check1.out"
consume eo1 read_uncommitted "$W/eo1.ru.tsv"
ru=$(wc -l <"$W/eo1.ru.tsv")
ok "read_uncommitted sees the aborted transactions' messages too ($ru > $nrows): the kills landed inside transactions" \
  test "$ru" -gt "$nrows"
# the progress topic is compacted and holds the job's last position
last=$(python3 -c 'import json,sys
c=[json.loads(l) for l in open(sys.argv[1]) if "\"commit\"" in l][-1]
print("%s:%d" % (c["file"], c["end_offset"]))' "$W/cat.jsonl")
expect_match "the summary names the archive's end as committed" "$(cat "$W/k1.last.err")" "committed up to $last"
cfg=$("$KAFKA_SH" java org.apache.kafka.tools.ConfigCommand --bootstrap-server "$KAFKA_BROKERS" --describe \
  --entity-type topics --entity-name binvault.progress 2>/dev/null)
expect_match "the progress topic is compacted" "$cfg" "cleanup.policy=compact"

# 1b. the default mode (idempotent producer + checkpoint file): kill -9 as
# often; at least once, and a restart republishes only what follows the
# checkpoint it resumed from: an event may appear at most 1 + (number of
# restarts whose checkpoint precedes it) times
: >"$W/cps"
for i in $(seq 1 "$KILLS"); do
  "$RP" --archive "$W/a" --brokers "$KAFKA_BROKERS" --topic eo5 --partition-by primary_key \
    --checkpoint "$W/ck5.json" --max-rate 1500 2>>"$W/d1.err" &
  RPID=$!
  sleep "$(awk -v r=$RANDOM 'BEGIN {printf "%.2f", 0.8 + r / 32767 * 2}')"
  kill -9 "$RPID" 2>/dev/null
  wait "$RPID" 2>/dev/null; RPID=
done
rc=0
"$RP" --archive "$W/a" --brokers "$KAFKA_BROKERS" --topic eo5 --partition-by primary_key \
  --checkpoint "$W/ck5.json" 2>>"$W/d1.err" || rc=$?
expect_eq "default mode: after $KILLS kill -9, the replay runs to the end with its checkpoint (exit 0)" "$rc" "0"
sed -n 's/^binvault-replayer: resuming after \([^ ]*\) (checkpoint.*/\1/p' "$W/d1.err" >"$W/cps"
consume eo5 read_uncommitted "$W/eo5.tsv"
python3 tests/oracle/replay_check.py "$W/cat.jsonl" "$W/eo5.tsv" --partitions eo5=3 --topic-template eo5 \
  --partition-by primary_key --mode atleast >"$W/check5.out"
expect_eq "default mode after $KILLS kill -9: nothing missing, keys, partitions, values" "$?" "0"
grep -E "^not ok" "$W/check5.out" | sed 's/^/#   /'
dup=$(python3 - "$W/cat.jsonl" "$W/eo5.tsv" "$W/cps" "$((KILLS + 1))" <<'PY'
import json, sys
order = {}
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["type"] in ("insert", "update", "delete"):
        order[(e["file"], e["offset"], e["row"])] = len(order)
# a checkpoint FILE:OFF is the end of a transaction: events at offsets >= OFF follow it
cps = [l.strip().rsplit(":", 1) for l in open(sys.argv[3]) if l.strip()]
cps = [(f, int(o)) for f, o in cps]
copies = {}
for line in open(sys.argv[2]):
    h = line.rstrip("\n").split("\t")[3]
    d = dict(x.split(":", 1) for x in h.split(","))
    f, o, r = d["binvault.id"].rsplit(":", 2)
    eid = (f, int(o), int(r))
    copies[eid] = copies.get(eid, 0) + 1
# a run killed before its first checkpoint leaves none: the next run starts
# from the archive's beginning again, as the first one did
scratch = int(sys.argv[4]) - len(cps)
bad = 0
for eid, n in copies.items():
    allowed = scratch + sum(1 for f, o in cps if (eid[0], eid[1]) >= (f, o))
    if n > allowed:
        bad += 1
dups = sum(n - 1 for n in copies.values())
print(bad, dups, len(cps), scratch)
PY
)
read -r bad dups ncps nscratch <<<"$dup"
expect_eq "default mode: duplicates ($dups) only after each restart's checkpoint ($ncps resumed, $nscratch from the start)" \
  "$bad" "0"
echo "# eos-table replayer-kill9-at-least-once $KILLS $nrows 0 $dups"

# 2. fencing: a second instance of the job takes over
eo eo2 f1 --max-rate 3000 --txn-messages 200 --quiet 2>"$W/f1.err" &
RPID=$!
sleep 3
eo eo2 f1 --quiet 2>"$W/f2.err" &
RPID2=$!
rc1=0; wait "$RPID" || rc1=$?; RPID=
rc2=0; wait "$RPID2" || rc2=$?; RPID2=
expect_eq "the older instance is fenced and exits 1" "$rc1" "1"
expect_match "it says it was fenced by another instance of the job" "$(cat "$W/f1.err")" "fenced: another binvault-replayer with --job f1"
expect_eq "the newer instance finishes the job (exit 0)" "$rc2" "0"
check eo2 "$W/cat.jsonl" "$W/check2.out"
expect_eq "after fencing: exactly once, per-key order" "$?" "0"
grep -E "^not ok" "$W/check2.out" | sed 's/^/#   /'
table "replayer-fenced-by-new-instance" 1 "$W/check2.out"

# 3. the broker dies and comes back during the replay
eo eo3 b1 --max-rate 8000 --txn-messages 300 --quiet 2>"$W/b1.err" &
RPID=$!
sleep 2
kafka_kill9
sleep 2
kafka_restart >/dev/null || echo "# broker restart failed"
rc=0; wait "$RPID" || rc=$?; RPID=
if [ "$rc" != 0 ]; then # the replayer may give up while the broker is away: a rerun continues
  echo "# the replayer exited $rc during the outage: $(tail -1 "$W/b1.err")"
  rc=0; eo eo3 b1 --quiet 2>>"$W/b1.err" || rc=$?
fi
expect_eq "the replay survives a broker kill -9 and restart (exit 0)" "$rc" "0"
check eo3 "$W/cat.jsonl" "$W/check3.out"
expect_eq "after the broker restart: exactly once, per-key order" "$?" "0"
grep -E "^not ok" "$W/check3.out" | sed 's/^/#   /'
table "broker-kill9-restart" 1 "$W/check3.out"

# 4. --follow: publish what is appended, commit on SIGTERM
cp -r "$W/a" "$W/af"
"$RP" --archive "$W/af" --brokers "$KAFKA_BROKERS" --topic eo4 --partition-by primary_key --exactly-once \
  --job w1 --follow --txn-interval-ms 200 --quiet 2>"$W/w1.err" &
RPID=$!
sleep 3
"$GEN" --archive "$W/af" --txns 400 --seed 12 >/dev/null
"$BV" cat "$W/af" >"$W/catf.jsonl"
nf=$(grep -c '"type":"\(insert\|update\|delete\)"' "$W/catf.jsonl")
for i in $(seq 1 60); do
  got=$(kafka_offsets eo4 | awk -F: '{n += $3} END {print n + 0}')
  [ "$got" -ge "$nf" ] && break
  sleep 0.5
done
kill -TERM "$RPID"
rc=0; wait "$RPID" || rc=$?; RPID=
expect_eq "--follow --exactly-once stops on SIGTERM with exit 0" "$rc" "0"
check eo4 "$W/catf.jsonl" "$W/check4.out"
expect_eq "--follow: the appended transactions too, exactly once ($nf row events)" "$?" "0"
grep -E "^not ok" "$W/check4.out" | sed 's/^/#   /'

# 5. usage errors
rc=0; out=$("$RP" --archive "$W/a" --brokers "$KAFKA_BROKERS" --exactly-once 2>&1) || rc=$?
expect_eq "--exactly-once without --job: exit 2" "$rc" "2"
expect_match "and it asks for --job" "$out" "needs --job NAME"
rc=0; out=$("$RP" --archive "$W/a" --output stdout --exactly-once --job x 2>&1) || rc=$?
expect_eq "--exactly-once to stdout: exit 2" "$rc" "2"
expect_match "and it says Kafka is needed" "$out" "publishes to Kafka"
rc=0; out=$("$RP" --archive "$W/a" --brokers "$KAFKA_BROKERS" --exactly-once --job x --checkpoint "$W/c.json" 2>&1) || rc=$?
expect_eq "--exactly-once with --checkpoint: exit 2" "$rc" "2"
rc=0; out=$("$RP" --archive "$W/a" --brokers "$KAFKA_BROKERS" --exactly-once --job 'a b' 2>&1) || rc=$?
expect_eq "a job name with a space: exit 2" "$rc" "2"
rc=0; out=$("$RP" --archive "$W/a" --brokers "$KAFKA_BROKERS" --job x 2>&1) || rc=$?
expect_eq "--job without --exactly-once: exit 2" "$rc" "2"
done_testing
