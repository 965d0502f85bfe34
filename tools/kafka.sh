#!/usr/bin/env bash
# A private, real Apache Kafka 4.x broker (single node, KRaft, combined
# broker+controller) for tests, run from Maven Central jars on the machine's
# Java 17. No Docker, no tarballs: tools/kafka/pom.xml names the jars and
# `mvn dependency:copy-dependencies` copies them into a cache directory.
#
#   tools/kafka.sh fetch                     copy the jars once; prints the lib dir
#   tools/kafka.sh start DIR [PORT] [K=V..]  format DIR (first time) and start a broker;
#                                            prints 127.0.0.1:PORT when it answers
#   tools/kafka.sh stop DIR                  SIGTERM (controlled shutdown), then SIGKILL
#   tools/kafka.sh kill9 DIR                 SIGKILL, for fault tests
#   tools/kafka.sh restart DIR               stop if running, start again: same DIR,
#                                            same ports, storage kept (no re-format)
#   tools/kafka.sh status DIR                exit 0 when the broker runs and answers
#   tools/kafka.sh bootstrap DIR             prints 127.0.0.1:PORT
#   tools/kafka.sh topics DIR ARGS...        Kafka's TopicCommand (kafka-topics.sh)
#   tools/kafka.sh produce DIR TOPIC [--keyed] [--headers] [--sync] [ARGS...]
#                                            Kafka's ConsoleProducer, one record per
#                                            stdin line (see "produce" below)
#   tools/kafka.sh consume DIR TOPIC [OPTIONS]  Kafka's ConsoleConsumer (see below)
#   tools/kafka.sh offsets DIR TOPIC         end offsets, "topic:partition:offset" lines
#   tools/kafka.sh java CLASS ARGS...        any main class on the Kafka classpath
#                                            (e.g. org.apache.kafka.tools.ProducerPerformance)
#
# consume prints one record per line on stdout, fields separated by a TAB, in
# the order (this is Kafka's DefaultMessageFormatter):
#     Partition:P  Offset:O  HEADERS  KEY  VALUE
# HEADERS is "k1:v1,k2:v2" or NO_HEADERS; a null key or value prints as "null".
# By default every field is printed. Naming any of --print-partition,
# --print-offset, --print-headers, --print-key keeps only those (value is
# always last). Options: --from-beginning, --isolation read_committed (or
# --isolation-level), --max-messages N, --timeout-ms N (exit 0 after N ms
# without a record; default 15000, "none" waits forever), --group G,
# --partition P, --offset O; other arguments go to ConsoleConsumer as they are.
# "Processed a total of N messages" goes to stderr. Values must not contain
# TAB or newline for the lines to parse. In Python:
#     for line in out.splitlines():
#         part, off, headers, key, value = line.split("\t", 4)
#         part = int(part.split(":", 1)[1]); off = int(off.split(":", 1)[1])
#         headers = {} if headers == "NO_HEADERS" else \
#             dict(h.split(":", 1) for h in headers.split(","))
#
# produce reads stdin, one record per line: "VALUE", or with --keyed
# "KEY<TAB>VALUE", or with --headers "h1:v1,h2:v2<TAB>[KEY<TAB>]VALUE".
# acks=all; --sync sends each record synchronously.
#
# Environment:
#   BV_KAFKA_VERSION   Kafka release from Maven Central (default 4.4.0; any 4.x)
#   BV_KAFKA_CACHE     cache dir holding lib/ (default
#                      ${XDG_CACHE_HOME:-$HOME/.cache}/binvault/kafka-VERSION)
#   BV_KAFKA_HEAP      broker heap flags (default "-Xms256m -Xmx512m")
#   BV_KAFKA_START_TIMEOUT  seconds to wait for the broker (default 60)
#   BV_KAFKA_STOP_TIMEOUT   seconds between SIGTERM and SIGKILL (default 30)
#   BV_MAVEN_ARGS      extra arguments for mvn (e.g. -Dmaven.repo.local=...)
#   JAVA               the java to run (default: java on PATH)
# DIR gets: server.properties, log4j2.properties, data/ (log.dirs), broker.log
# (the broker's output), broker.pid, port, controller.port, cluster.id.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KAFKA_VERSION=${BV_KAFKA_VERSION:-4.4.0}
CACHE=${BV_KAFKA_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/binvault/kafka-$KAFKA_VERSION}
LIB=$CACHE/lib
MARKER=$CACHE/lib.complete
JAVA=${JAVA:-java}
START_TIMEOUT=${BV_KAFKA_START_TIMEOUT:-60}
STOP_TIMEOUT=${BV_KAFKA_STOP_TIMEOUT:-30}
# Startup matters more than throughput here: C1 only, serial GC, no perf data.
JVM_FAST=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Xshare:auto -Djava.awt.headless=true)

TAB=$'\t'
die() { echo "kafka.sh: $*" >&2; exit 1; }

need_java() {
  command -v "$JAVA" >/dev/null 2>&1 ||
    die "java not found (Kafka 4.x needs Java 17+: apt-get install openjdk-17-jre-headless, or set JAVA=)"
  local v
  v=$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
  { [ -n "$v" ] && [ "$v" -ge 17 ] 2>/dev/null; } || die "Kafka 4.x needs Java 17 or newer; $JAVA is version '${v:-unknown}'"
}

# Option names were renamed in Kafka 4.2 (KIP-1147); older 4.x only knows the old ones.
new_opts() { local mm=${KAFKA_VERSION#4.}; mm=${mm%%.*}; [ "${KAFKA_VERSION%%.*}" -gt 4 ] || [ "$mm" -ge 2 ]; }

# ------------------------------------------------------------------ fetch
fetch() {
  if [ -f "$MARKER" ]; then echo "$LIB"; return 0; fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found (apt-get install maven), needed once to fetch Kafka $KAFKA_VERSION"
  need_java
  mkdir -p "$CACHE" || die "cannot create cache dir $CACHE"
  # one fetch at a time (tests may run in parallel)
  exec 9>"$CACHE/.lock"
  flock -w 900 9 || die "timed out waiting for another fetch into $CACHE"
  if [ ! -f "$MARKER" ]; then
    local tmp=$CACHE/lib.tmp.$$ log=$CACHE/fetch.log t0=$SECONDS
    rm -rf "$tmp"
    echo "kafka.sh: fetching Kafka $KAFKA_VERSION from Maven Central into $LIB (once)" >&2
    local extra=()
    read -ra extra <<<"${BV_MAVEN_ARGS:-}"
    local mvn=(mvn -B -q -Dstyle.color=never -f "$HERE/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION"
      -Dkafka.lib="$tmp" ${extra[@]+"${extra[@]}"} dependency:copy-dependencies)
    # offline first: a warm ~/.m2 needs no network at all
    if ! "${mvn[@]}" -o >"$log" 2>&1; then
      rm -rf "$tmp"
      if ! "${mvn[@]}" >"$log" 2>&1; then
        rm -rf "$tmp"
        tail -25 "$log" >&2
        die "mvn failed to fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION (log: $log); try BV_KAFKA_VERSION=4.3.1 or another 4.x"
      fi
    fi
    local j
    for j in "kafka_2.13-$KAFKA_VERSION.jar" "kafka-tools-$KAFKA_VERSION.jar" "kafka-clients-$KAFKA_VERSION.jar"; do
      [ -f "$tmp/$j" ] || { rm -rf "$tmp"; die "mvn finished but $j is missing"; }
    done
    rm -rf "$LIB"
    mv "$tmp" "$LIB"
    echo "kafka $KAFKA_VERSION fetched in $((SECONDS - t0))s on $(date -u +%FT%TZ)" >"$MARKER"
    echo "kafka.sh: fetched in $((SECONDS - t0))s" >&2
  fi
  exec 9>&-
  echo "$LIB"
}

ensure_lib() {
  [ -f "$MARKER" ] || fetch >/dev/null
  command -v "$JAVA" >/dev/null 2>&1 || need_java
  # the tools log (warnings and errors only) to stderr, never into the records on stdout
  if [ ! -f "$CACHE/tools-log4j2.properties" ]; then
    cat >"$CACHE/tools-log4j2.properties.$$" <<'EOF'
status = error
appender.err.type = Console
appender.err.name = ERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = ERR
EOF
    mv "$CACHE/tools-log4j2.properties.$$" "$CACHE/tools-log4j2.properties"
  fi
}

# java for a command-line tool: small heap, fast start
tool() {
  ensure_lib
  "$JAVA" -Xmx256m "${JVM_FAST[@]}" -Dlog4j2.configurationFile="$CACHE/tools-log4j2.properties" \
    -cp "$LIB/*" "$@"
}

# ------------------------------------------------------------------ broker state
absdir() { mkdir -p "$1" && (cd "$1" && pwd); }
need_dir() { [ -n "${1:-}" ] || die "usage: kafka.sh ${CMD} DIR ..."; [ -d "$1" ] || die "no such directory: $1"; (cd "$1" && pwd); }

# the broker's pid when DIR's broker is alive (checked against its command line, so a
# recycled pid is never signalled); empty otherwise
broker_pid() {
  local dir=$1 pid st
  [ -f "$dir/broker.pid" ] || return 0
  pid=$(cat "$dir/broker.pid" 2>/dev/null) || return 0
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  [ -r "/proc/$pid/cmdline" ] || return 0
  st=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$pid/status" 2>/dev/null) || return 0
  [ "$st" != Z ] || return 0
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "kafka.Kafka $dir/server.properties" || return 0
  echo "$pid"
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# two distinct free loopback ports
free_ports() {
  if command -v python3 >/dev/null 2>&1; then
    python3 - <<'EOF'
import socket
s = [socket.socket() for _ in range(2)]
for x in s:
    x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])
EOF
    return
  fi
  local a b
  while :; do a=$((20000 + RANDOM % 30000)); port_busy "$a" || break; done
  while :; do b=$((20000 + RANDOM % 30000)); [ "$b" != "$a" ] && ! port_busy "$b" && break; done
  echo "$a $b"
}

# 0 when the broker on PORT answers a Metadata request (v4, "all topics") listing
# node 1: the data-plane listener only opens once the broker has caught up with
# the metadata log and is unfenced, so an answer means it serves requests.
probe() {
  local port=$1 hex
  hex=$( (exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
    # size 17 | api_key 3 | version 4 | correlation 7 | client "bv" | topics null (-1) | auto-create 0
    printf '\x00\x00\x00\x11\x00\x03\x00\x04\x00\x00\x00\x07\x00\x02bv\xff\xff\xff\xff\x00' >&3
    timeout 5 head -c 20 <&3 | od -An -tx1 | tr -d ' \n') 2>/dev/null) || return 1
  # size(4) correlation(4)=7 throttle(4) brokers(4)>=1 node_id(4)=1
  [[ "$hex" =~ ^[0-9a-f]{8}00000007[0-9a-f]{8}0000000[1-9]00000001$ ]]
}

write_config() { # dir port cport extra-props...
  local dir=$1 port=$2 cport=$3; shift 3
  cat >"$dir/server.properties" <<EOF
# written by tools/kafka.sh: single-node KRaft (combined broker + controller)
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=1
auto.create.topics.enable=true
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
# one partition for the internal topics: creating 50 of each slows the first group join
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# after a kill -9 the restarted node cannot register again before its previous
# session expires (DUPLICATE_BROKER_REGISTRATION): keep that session short
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=3000
log.flush.interval.messages=9223372036854775807
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
log.cleaner.threads=1
EOF
  local kv
  for kv in "$@"; do
    [[ "$kv" == *=* ]] || die "not a KEY=VALUE property: $kv"
    echo "$kv" >>"$dir/server.properties"
  done
  cat >"$dir/log4j2.properties" <<'EOF'
status = error
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.network.name = kafka.network.RequestChannel$
logger.network.level = WARN
EOF
  echo "$port" >"$dir/port"
  echo "$cport" >"$dir/controller.port"
}

format_storage() { # dir
  local dir=$1 id
  # a Kafka Uuid: 16 random bytes, base64url without padding; like Kafka's own
  # Uuid.randomUuid, never one starting with "-" (the option parser takes it for a flag)
  id=-
  while [[ "$id" == -* ]]; do id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='); done
  echo "$id" >"$dir/cluster.id"
  # Kafka 4.x needs the initial controller set at format time: --standalone makes
  # this node the only voter of a dynamic (kraft.version 1) quorum
  if ! "$JAVA" -Xmx256m "${JVM_FAST[@]}" -Dlog4j2.configurationFile="$CACHE/tools-log4j2.properties" \
      -cp "$LIB/*" kafka.tools.StorageTool format -t "$id" -c "$dir/server.properties" --standalone \
      >"$dir/format.log" 2>&1; then
    cat "$dir/format.log" >&2
    die "formatting $dir/data failed"
  fi
}

STARTING_PID=
cleanup_start() { # on any failure in start: never leave a stray JVM behind
  if [ -n "$STARTING_PID" ]; then
    kill -9 "$STARTING_PID" 2>/dev/null || true
    rm -f "$START_DIR/broker.pid"
  fi
}

launch() { # dir -> 0 when up; 2 when the port was taken; 1 otherwise
  local dir=$1 port cport pid t0 deadline
  port=$(cat "$dir/port"); cport=$(cat "$dir/controller.port")
  port_busy "$port" && { echo "kafka.sh: port $port is in use" >&2; return 2; }
  port_busy "$cport" && { echo "kafka.sh: controller port $cport is in use" >&2; return 2; }
  echo "==== $(date -u +%FT%TZ) kafka.sh start (Kafka $KAFKA_VERSION, port $port, controller $cport)" >>"$dir/broker.log"
  START_DIR=$dir
  # shellcheck disable=SC2086
  "$JAVA" ${BV_KAFKA_HEAP:--Xms256m -Xmx512m} "${JVM_FAST[@]}" -XX:+ExitOnOutOfMemoryError \
    -Dlog4j2.configurationFile="$dir/log4j2.properties" -Dkafka.logs.dir="$dir/data" \
    -cp "$LIB/*" kafka.Kafka "$dir/server.properties" </dev/null >>"$dir/broker.log" 2>&1 9>&- &
  pid=$!
  STARTING_PID=$pid
  echo "$pid" >"$dir/broker.pid"
  t0=$(date +%s%N)
  deadline=$((SECONDS + START_TIMEOUT))
  while [ $SECONDS -lt $deadline ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      STARTING_PID=; rm -f "$dir/broker.pid"
      if grep -q 'Address already in use' "$dir/broker.log"; then return 2; fi
      echo "kafka.sh: the broker exited during startup; last lines of $dir/broker.log:" >&2
      tail -30 "$dir/broker.log" >&2
      return 1
    fi
    if probe "$port"; then
      STARTING_PID=
      echo "kafka.sh: broker up in $(( ($(date +%s%N) - t0) / 1000000 )) ms (pid $pid)" >>"$dir/broker.log"
      [ -z "${BV_KAFKA_VERBOSE:-}" ] || echo "kafka.sh: broker up in $(( ($(date +%s%N) - t0) / 1000000 )) ms" >&2
      return 0
    fi
    sleep 0.2
  done
  echo "kafka.sh: the broker did not answer within ${START_TIMEOUT}s; last lines of $dir/broker.log:" >&2
  tail -30 "$dir/broker.log" >&2
  cleanup_start; STARTING_PID=
  return 1
}

cmd_start() {
  [ $# -ge 1 ] || die "usage: kafka.sh start DIR [PORT] [KEY=VALUE...]"
  local dir port='' ports rc _
  dir=$(absdir "$1") || die "cannot create $1"; shift
  if [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]*$ ]]; then port=$1; shift; fi
  [ "$port" != 0 ] || port=
  [ -z "$(broker_pid "$dir")" ] || die "a broker already runs on $dir (pid $(cat "$dir/broker.pid")); use stop or restart"
  ensure_lib
  need_java
  trap cleanup_start EXIT
  if [ -f "$dir/data/meta.properties" ] && [ -f "$dir/server.properties" ]; then
    # already formatted: same config, same ports, storage kept
    [ -z "$port" ] || [ "$port" = "$(cat "$dir/port")" ] || die "$dir is set up for port $(cat "$dir/port"), not $port"
    [ $# -eq 0 ] || die "$dir is already set up; extra properties are only taken on the first start"
    launch "$dir" || { rc=$?; [ $rc -ne 2 ] || echo "kafka.sh: port in use: $(cat "$dir/port") or $(cat "$dir/controller.port")" >&2; exit 1; }
  else
    if [ -n "$port" ] && port_busy "$port"; then die "port $port is in use"; fi
    # auto-picked ports can be taken between picking and binding: pick again
    for _ in 1 2 3 4 5; do
      rm -rf "$dir/data"
      ports=$(free_ports)
      local p=${ports% *} c=${ports#* }
      if [ -n "$port" ]; then [ "$c" != "$port" ] || c=$p; p=$port; fi
      write_config "$dir" "$p" "$c" "$@"
      format_storage "$dir"
      rc=0; launch "$dir" || rc=$?
      [ $rc -eq 2 ] || break
      [ -z "$port" ] || ! port_busy "$port" || die "port $port is in use"
      echo "kafka.sh: a port was taken meanwhile, trying others" >&2
    done
    [ $rc -eq 0 ] || exit 1
  fi
  trap - EXIT
  echo "127.0.0.1:$(cat "$dir/port")"
}

wait_gone() { # pid seconds
  local i n=$(($2 * 10))
  for ((i = 0; i < n; i++)); do
    [ -d "/proc/$1" ] || return 0
    [ "$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)" != Z ] || return 0
    sleep 0.1
  done
  return 1
}

cmd_stop() {
  local dir pid
  dir=$(need_dir "${1:-}")
  pid=$(broker_pid "$dir")
  if [ -z "$pid" ]; then rm -f "$dir/broker.pid"; return 0; fi
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_gone "$pid" "$STOP_TIMEOUT"; then
    echo "kafka.sh: broker $pid ignored SIGTERM for ${STOP_TIMEOUT}s; SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 10 || die "broker $pid does not die"
  fi
  rm -f "$dir/broker.pid"
}

cmd_kill9() {
  local dir pid
  dir=$(need_dir "${1:-}")
  pid=$(broker_pid "$dir")
  [ -n "$pid" ] || die "no broker runs on $dir"
  kill -KILL "$pid"
  wait_gone "$pid" 10 || die "broker $pid does not die"
  echo "==== $(date -u +%FT%TZ) kafka.sh kill9 (pid $pid)" >>"$dir/broker.log"
  rm -f "$dir/broker.pid"
}

cmd_restart() {
  local dir
  dir=$(need_dir "${1:-}")
  { [ -f "$dir/data/meta.properties" ] && [ -f "$dir/server.properties" ]; } || die "$dir holds no formatted broker: use start"
  cmd_stop "$dir"
  cmd_start "$dir"
}

bootstrap() { local dir; dir=$(need_dir "${1:-}"); [ -f "$dir/port" ] || die "$dir holds no broker"; echo "127.0.0.1:$(cat "$dir/port")"; }

cmd_status() {
  local dir pid
  dir=$(need_dir "${1:-}")
  pid=$(broker_pid "$dir")
  [ -n "$pid" ] || { echo "stopped"; return 1; }
  probe "$(cat "$dir/port")" || { echo "running (pid $pid) but not answering"; return 1; }
  echo "running (pid $pid) on 127.0.0.1:$(cat "$dir/port")"
}

cmd_topics() {
  [ $# -ge 1 ] || die "usage: kafka.sh topics DIR ARGS..."
  local b; b=$(bootstrap "$1"); shift
  tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$b" "$@"
}

cmd_produce() {
  [ $# -ge 2 ] || die "usage: kafka.sh produce DIR TOPIC [--keyed] [--headers] [--sync] [ARGS...] <records"
  local b topic=$2 keyed=false headers=false args=() rp=--reader-property cp=--command-property
  b=$(bootstrap "$1"); shift 2
  new_opts || { rp=--property; cp=--producer-property; }
  while [ $# -gt 0 ]; do
    case $1 in
      --keyed) keyed=true ;;
      --headers) headers=true ;;
      *) args+=("$1") ;;
    esac
    shift
  done
  tool org.apache.kafka.tools.ConsoleProducer --bootstrap-server "$b" --topic "$topic" \
    $rp parse.key=$keyed $rp parse.headers=$headers $rp "key.separator=$TAB" \
    $rp "headers.delimiter=$TAB" $rp headers.separator=, $rp headers.key.separator=: \
    $rp ignore.error=false $cp acks=all ${args[@]+"${args[@]}"}
}

cmd_consume() {
  [ $# -ge 2 ] || die "usage: kafka.sh consume DIR TOPIC [--from-beginning] [--isolation read_committed] [--max-messages N] [--timeout-ms N] [--print-key] [--print-headers] [--print-partition] [--print-offset]"
  local b topic=$2 args=() sel=() max='' tmo='' fp=--formatter-property f
  b=$(bootstrap "$1"); shift 2
  new_opts || fp=--property
  while [ $# -gt 0 ]; do
    case $1 in
      --print-key|--print-headers|--print-partition|--print-offset) sel+=("${1#--print-}") ;;
      --isolation|--isolation-level) [ $# -ge 2 ] || die "$1 needs a value"; args+=(--isolation-level "$2"); shift ;;
      --max-messages) [ $# -ge 2 ] || die "$1 needs a value"; max=$2; shift ;;
      --timeout-ms) [ $# -ge 2 ] || die "$1 needs a value"; tmo=$2; shift ;;
      *) args+=("$1") ;;
    esac
    shift
  done
  [ ${#sel[@]} -gt 0 ] || sel=(partition offset headers key)
  [ -z "$max" ] || args+=(--max-messages "$max")
  [ "${tmo:-15000}" = none ] || args+=(--timeout-ms "${tmo:-15000}")
  local fmt=()
  for f in partition offset headers key timestamp; do
    if [[ " ${sel[*]} " == *" $f "* ]]; then fmt+=("$fp" "print.$f=true"); else fmt+=("$fp" "print.$f=false"); fi
  done
  # Quiet the expected stderr noise: the KIP-848 advert, and the TimeoutException
  # ConsoleConsumer reports as an ERROR when --timeout-ms ends it (it exits 0).
  { tool org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$b" --topic "$topic" \
      "${fmt[@]}" "$fp" print.value=true "$fp" "key.separator=$TAB" "$fp" headers.separator=, \
      "$fp" null.literal=null ${args[@]+"${args[@]}"} 2>&1 1>&3 3>&- |
      sed -u -e '/consumer rebalance protocol (KIP-848) is production-ready/d' \
        -e '/ERROR Error processing message, terminating consumer process: *(org.apache.kafka.tools.consumer.ConsoleConsumer)$/d' \
        -e '/^org.apache.kafka.common.errors.TimeoutException$/d' >&2; } 3>&1
}

cmd_offsets() {
  [ $# -ge 2 ] || die "usage: kafka.sh offsets DIR TOPIC [ARGS...]"
  local b topic=$2; b=$(bootstrap "$1"); shift 2
  tool org.apache.kafka.tools.GetOffsetShell --bootstrap-server "$b" --topic "$topic" "$@"
}

CMD=${1:-}
[ $# -gt 0 ] && shift
case $CMD in
  fetch) fetch ;;
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  kill9) cmd_kill9 "$@" ;;
  restart) cmd_restart "$@" ;;
  status) cmd_status "$@" ;;
  bootstrap) bootstrap "$@" ;;
  topics) cmd_topics "$@" ;;
  produce) cmd_produce "$@" ;;
  consume) cmd_consume "$@" ;;
  offsets) cmd_offsets "$@" ;;
  java) [ $# -ge 1 ] || die "usage: kafka.sh java CLASS ARGS..."; tool "$@" ;;
  -h|--help|help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' ;;
  *) die "unknown command '${CMD}' (fetch|start|stop|kill9|restart|status|bootstrap|topics|produce|consume|offsets|java|help)" ;;
esac
