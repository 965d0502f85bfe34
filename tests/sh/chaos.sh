#!/usr/bin/env bash
# make chaos: every fault the guarantees in README.md are about, at full
# scale, against real MariaDB and real Kafka on loopback, and one table.
#
#   BV_BIN=bin bash tests/sh/chaos.sh
#
# Parts (each also runs, smaller, inside make test):
#   live      tests/sh/chaos_live.sh: the archiver under kill -9, network
#             cuts, SIGTERM, mixed faults and MariaDB restarts (KILLS each,
#             default 100) during a numbered-transaction workload
#   replay    tests/sh/test_replay_eos.sh with EOS_KILLS (default 50): the
#             replayer killed -9 in --exactly-once mode and in the default
#             mode, fenced by a second instance, the broker killed -9
#   archive   tests/sh/test_archive_faults.sh with CORRUPT_TRIALS (default
#             1000): random byte flips in sealed segments, truncation of the
#             newest segment at every byte of its last block
#   disk      tests/sh/test_disk_full.sh: ENOSPC while archiving
# PARTS selects some of them (default "live replay archive disk"). Each
# part's full output goes to CHAOS_LOG_DIR (default a new directory under
# /tmp). Exit status 0 when every part passed.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export BV_BIN=${BV_BIN:-bin}
PARTS=${PARTS:-live replay archive disk}
LOGDIR=${CHAOS_LOG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/bv-chaos.XXXXXX")}
mkdir -p "$LOGDIR"
echo "chaos: PARTS=\"$PARTS\", logs in $LOGDIR ($(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'))"
rows=()
fail=0
t0=$SECONDS
# row FAULT TRIALS EVENTS LOST DUPLICATED DETECTED RESULT
row() { rows+=("$(printf '%-34s %7s %10s %6s %11s %9s  %s' "$@")"); }
result() { # OUT RC: ok or FAIL(n)
  local n
  n=$(sed -n -E 's/^[0-9]+ passed, ([0-9]+) failed$/\1/p' "$1" | tail -1)
  if [ "$2" -eq 0 ] && [ "${n:-1}" = 0 ]; then echo ok; else echo "FAIL(${n:-?})"; fi
}

for part in $PARTS; do
  ts=$SECONDS
  case $part in
    live)
      out=$LOGDIR/live.out
      CHAOS_LOG_DIR=$LOGDIR/live bash tests/sh/chaos_live.sh >"$out" 2>&1
      rc=$?
      [ "$rc" -eq 0 ] || fail=1
      # chaos_live prints its own table: fault trials events lost duplicated detected result time seed
      while read -r f tr ev lo du de re _; do
        case $f in
          kill9) f="archiver kill -9" ;; netcut) f="archiver network cut" ;; term) f="archiver SIGTERM" ;;
          mixed) f="archiver mixed (kill/cut/TERM/HUP)" ;; restart) f="MariaDB restart (clean / kill -9)" ;;
        esac
        row "$f" "$tr" "$ev" "$lo" "$du" "$de" "$re"
      done < <(awk '/^fault +trials/ {t = 1; next} t && $2 ~ /^[0-9]+$/' "$out")
      ;;
    replay)
      out=$LOGDIR/replay.out
      EOS_KILLS=${EOS_KILLS:-50} bash tests/sh/test_replay_eos.sh >"$out" 2>&1
      rc=$?
      r=$(result "$out" "$rc")
      [ "$r" = ok ] || fail=1
      while read -r _ _ f tr ev lo du; do
        row "$f" "$tr" "$ev" "$lo" "$du" "-" "$r"
      done < <(grep '^# eos-table ' "$out")
      ;;
    archive|disk)
      t=tests/sh/test_archive_faults.sh
      [ "$part" = disk ] && t=tests/sh/test_disk_full.sh
      out=$LOGDIR/$part.out
      CORRUPT_TRIALS=${CORRUPT_TRIALS:-1000} bash "$t" >"$out" 2>&1
      rc=$?
      r=$(result "$out" "$rc")
      [ "$r" = ok ] || fail=1
      while read -r _ _ f tr ev lo du de; do
        row "$f" "$tr" "$ev" "$lo" "$du" "$de" "$r"
      done < <(grep '^# fault-table ' "$out")
      ;;
    *) echo "unknown part $part (live replay archive disk)" >&2; fail=1; continue ;;
  esac
  echo "# $part: exit $rc in $((SECONDS - ts)) s ($(grep -c '^ok ' "$out") ok, $(grep -c '^not ok ' "$out") not ok)"
  grep -E '^not ok ' "$out" | head -5 | sed 's/^/#   /'
done

echo
printf '%-34s %7s %10s %6s %11s %9s  %s\n' fault trials events lost duplicated detected result
printf '%s\n' "${rows[@]}"
echo "chaos: $((SECONDS - t0)) s, $([ "$fail" = 0 ] && echo "every part passed" || echo "FAILED")"
exit "$fail"
