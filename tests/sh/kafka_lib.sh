# shellcheck shell=bash
# A private, real Kafka 4.x broker for tests (source this file); wraps tools/kafka.sh.
#   kafka_fetch                   copy the Kafka jars from Maven Central once (cached)
#   kafka_start DIR [PORT] [K=V]  start a single-node KRaft broker with its state in DIR;
#                                 sets KAFKA_DIR and KAFKA_BROKERS (127.0.0.1:PORT)
#   kafka_stop                    controlled shutdown (SIGTERM, then SIGKILL)
#   kafka_kill9                   kill -9 the broker (fault tests)
#   kafka_restart                 start again on the same DIR and port, storage kept
#   kafka_topics ARGS...          TopicCommand, e.g. kafka_topics --create --topic t --partitions 3
#   kafka_produce TOPIC [--keyed] [--headers] [--sync]   records from stdin, one per line
#   kafka_consume TOPIC [OPTIONS] lines "Partition:P<TAB>Offset:O<TAB>HEADERS<TAB>KEY<TAB>VALUE"
#   kafka_offsets TOPIC           end offsets, "topic:partition:offset" lines
#   kafka_java CLASS ARGS...      any main class on the Kafka classpath
# (tools/kafka.sh documents the options and the output format.) Every broker
# started here is stopped when the sourcing shell exits, before the EXIT trap
# that was in place when kafka_start was first called (lib.sh's rm of T_TMP).
KAFKA_SH=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../tools" && pwd)/kafka.sh
KAFKA_DIR=
KAFKA_BROKERS=
_KAFKA_DIRS=()
_KAFKA_TRAP=

# The jars are fetched by the test run itself: mvn copies them from Maven
# Central into the cache on the first call, later calls find the cache.
kafka_fetch() {
  local t0=$SECONDS lib
  lib=$("$KAFKA_SH" fetch) || return 1
  [ $((SECONDS - t0)) -lt 2 ] || echo "# kafka: jars fetched into $lib in $((SECONDS - t0))s"
}

_kafka_cleanup() {
  local d
  for d in ${_KAFKA_DIRS[@]+"${_KAFKA_DIRS[@]}"}; do
    [ -d "$d" ] && "$KAFKA_SH" stop "$d" >/dev/null 2>&1
  done
  return 0
}

_kafka_install_trap() {
  [ -z "$_KAFKA_TRAP" ] || return 0
  local prev='' cur
  cur=$(trap -p EXIT)
  # cur is "trap -- 'COMMAND' EXIT" with COMMAND quoted for the shell
  [ -z "$cur" ] || { eval "cur=( $cur )"; prev=${cur[2]}; }
  _KAFKA_TRAP=1
  # shellcheck disable=SC2064
  trap "_kafka_cleanup; $prev" EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

kafka_start() {
  [ $# -ge 1 ] || { echo "usage: kafka_start DIR [PORT] [KEY=VALUE...]" >&2; return 2; }
  kafka_fetch || return 1
  mkdir -p "$1" || return 1
  KAFKA_DIR=$(cd "$1" && pwd)
  _kafka_install_trap
  _KAFKA_DIRS+=("$KAFKA_DIR")
  shift
  KAFKA_BROKERS=$("$KAFKA_SH" start "$KAFKA_DIR" "$@") || { KAFKA_BROKERS=; return 1; }
  export KAFKA_DIR KAFKA_BROKERS
}

kafka_stop() { [ -n "$KAFKA_DIR" ] || return 0; "$KAFKA_SH" stop "$KAFKA_DIR"; }
kafka_kill9() { "$KAFKA_SH" kill9 "${KAFKA_DIR:?no broker started}"; }
kafka_restart() {
  KAFKA_BROKERS=$("$KAFKA_SH" restart "${KAFKA_DIR:?no broker started}") || { KAFKA_BROKERS=; return 1; }
  export KAFKA_BROKERS
}
kafka_status() { "$KAFKA_SH" status "${KAFKA_DIR:?no broker started}"; }
kafka_topics() { "$KAFKA_SH" topics "${KAFKA_DIR:?no broker started}" "$@"; }
kafka_produce() { "$KAFKA_SH" produce "${KAFKA_DIR:?no broker started}" "$@"; }
kafka_consume() { "$KAFKA_SH" consume "${KAFKA_DIR:?no broker started}" "$@"; }
kafka_offsets() { "$KAFKA_SH" offsets "${KAFKA_DIR:?no broker started}" "$@"; }
kafka_java() { "$KAFKA_SH" java "$@"; }
