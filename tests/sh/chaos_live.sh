#!/usr/bin/env bash
# Chaos for live capture: tests/sh/test_live_crash.sh at a larger scale,
# once per fault kind, and a table of the outcomes.
#
#   BV_BIN=bin bash tests/sh/chaos_live.sh
#
# Each fault kind gets its own private MariaDB, workload and archive (see
# test_live_crash.sh): FAULTS (default "kill9 netcut term mixed restart";
# restart: MariaDB itself stopped cleanly / killed -9 and started again), each hit
# KILLS times (default 100; more while the writer is still writing) during a
# workload of N numbered transactions (default 1500). Other knobs are passed
# through (BIG_EVERY, RATE, PACE, BLOCK_SIZE, SEGMENT_SIZE, DEADLINE); SEED
# fixes the first scenario's seed (the next ones use SEED+1, ...). Full
# output of each scenario goes to CHAOS_LOG_DIR (default a new
# /tmp/bv-chaos-live.XXXXXX), failing scenarios keep their evidence under
# /tmp (the scenario's output names the directory).
#
# The table: fault; trials (faults injected); events (in the final
# archive); lost (committed transactions missing + row events missing from
# archived transactions); duplicated (transactions archived more than once +
# duplicated row events); detected (restarts/reconnects whose recovery found
# and cut a torn transaction at the archive's end); result (every check of
# the scenario passed, or FAIL with the count of failed checks).
# Exit status 0 when every scenario passed.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export BV_BIN=${BV_BIN:-bin}
FAULTS=${FAULTS:-kill9 netcut term mixed restart}
export KILLS=${KILLS:-100}
export N=${N:-1500}
export BIG_EVERY=${BIG_EVERY:-12}
export DEADLINE=${DEADLINE:-900}
export SELFTEST=${SELFTEST:-0}
LOGDIR=${CHAOS_LOG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/bv-chaos-live.XXXXXX")}
mkdir -p "$LOGDIR"
seed=${SEED:-$(( (RANDOM << 15 | RANDOM) % 1000000 ))}
echo "chaos: live capture, FAULTS=\"$FAULTS\" KILLS=$KILLS N=$N BIG_EVERY=$BIG_EVERY BV_BIN=$BV_BIN; logs in $LOGDIR"

rows=()
fail=0
t0=$SECONDS
for f in $FAULTS; do
  out=$LOGDIR/$f.out
  ts=$SECONDS
  FAULT=$f SEED=$seed bash tests/sh/test_live_crash.sh >"$out" 2>&1
  rc=$?
  r=$(sed -n 's/^# RESULT fault=/fault=/p' "$out" | tail -1)
  get() { printf '%s\n' "$r" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
  nfail=$(sed -n -E 's/^[0-9]+ passed, ([0-9]+) failed$/\1/p' "$out")
  if [ "$rc" -eq 0 ] && [ -n "$r" ] && [ "${nfail:-1}" = 0 ]; then result=ok; else result="FAIL(${nfail:-?})"; fail=1; fi
  rows+=("$(printf '%-8s %7s %10s %6s %11s %9s  %-8s %5ss  %s' "$f" "$(get trials)" "$(get events)" "$(get lost)" \
    "$(get duplicated)" "$(get detected)" "$result" "$((SECONDS - ts))" "$seed")")
  echo "# $f: $result in $((SECONDS - ts))s ($(grep -c '^ok ' "$out") ok, $(grep -c '^not ok ' "$out") not ok)"
  grep -E '^not ok |^# (evidence|kills/faults|note: no fault)' "$out" | sed 's/^/#   /'
  seed=$((seed + 1))
done

echo
printf '%-8s %7s %10s %6s %11s %9s  %-8s %6s  %s\n' fault trials events lost duplicated detected result time seed
printf '%s\n' "${rows[@]}"
echo "total $((SECONDS - t0))s; lost/duplicated count transactions plus row events; detected = torn transactions found and cut on recovery"
exit $fail
