#!/usr/bin/env bash
# Disk full while archiving: a clear error, a valid (shorter) archive, and
# a rerun that continues where the archive ends once there is space again.
#
# The real binvault-archiver writes into small tmpfs file systems mounted in
# a private mount namespace (the script re-executes itself under
# `unshare -m` and makes every mount private, so nothing is visible to the
# host; without the privilege for that it prints "# SKIP" lines and exits
# 0, as tests/unit/test_archive.c does for its ENOSPC test of the writer).
#
# Input: the binlog files of a private MariaDB (tests/sh/mariadb_lib.sh):
# ~4,000 transactions, ~8,000 row changes (single-row ones, updates,
# deletes, a 300-row transaction every 500, an ALTER TABLE) over 3 files,
# ~4.5 MB of binlog. The reference is an offline import into ordinary
# space with the default options: `binvault-archiver --quiet --archive REF
# FILES...`, and its `binvault cat`.
#
# The archiver documents exit 1 for archive I/O errors (archiver/main.c
# usage text, README "Exit status"). For every run that hits ENOSPC the test
# requires: exit 1; a stderr line "<archive dir>/<segment file>: write
# failed|cannot create: No space left on device" (or the archive directory /
# LOCK for the inode-exhaustion cases); no *.tmp file left behind;
# `binvault verify` clean; the archive's `binvault cat` a prefix of the
# reference's (an offline import also ends at a transaction boundary).
# After space comes back, the rerun exits 0 and the final archive's
# `binvault cat` must equal the reference's line for line: same events, same
# order, same positions, GTIDs and values. Nothing needs to be ignored:
# segment names and sizes (which differ: the tmpfs runs use 64K segments and
# 16K blocks, the reference one segment) are not part of `binvault cat`.
#
# Scenarios (all archives below are on tmpfs; 4 runs first, while the
# server is up, and is checked against the reference once it exists):
#   1. fixed sizes: 256k..640k, with and without the compression thread,
#      and once with the default options (1 MiB blocks). Each: the failing
#      run; a rerun with no more space (fails again the same way, loses
#      nothing); then more space and the SAME command again, which must
#      finish the archive whether it ended in the first file given or in a
#      later one (the files before that one are skipped: already archived).
#   2. staircase: one archive, the tmpfs grows by 40k after each ENOSPC
#      (alternating --compress-threads 1/0), so the disk fills at many
#      different points (block, footer while sealing, new segment header),
#      until a run completes.
#   3. filler file: the tmpfs is filled so that the first segment cannot be
#      created (the default import command); then inodes exhausted so that
#      the archive directory, then its LOCK, then the first segment cannot be
#      created. Deleting the filler lets the same command finish.
#   4. live capture (--host ... --stop-at-end) into a 256k and a 448k tmpfs
#      (with and without the compression thread): exit 1 with the same
#      clear message, the status file says failed with the error, verify
#      clean; then more space and --stop-at-end again equals the reference.
#   5. `binvault cat` of the reference into a 64k tmpfs: exit 1 with "No
#      space left on device", not an exit 0 with a truncated output.
#
# Last lines: "# fault-table disk-full TRIALS EVENTS LOST DUPLICATED DETECTED"
# (TRIALS: archiver runs that hit ENOSPC; EVENTS: events in the final
# archives of all scenarios, summed; LOST / DUPLICATED: their events missing
# from / in excess of the reference, summed; DETECTED: ENOSPC runs that
# exited 1 with a message naming the file and "No space left on device"),
# then "N passed, N failed".
set -u
export PYTHONDONTWRITEBYTECODE=1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
SELF=$ROOT/tests/sh/test_disk_full.sh

# ------------------------------------------------------------ a private mount namespace
skip() {
  echo "# SKIP disk-full test: $1"
  echo "# SKIP (the writer's ENOSPC handling is still covered by tests/unit/test_archive.c where it can mount)"
  echo "0 passed, 0 failed"
  exit 0
}
my_ns=$(readlink /proc/self/ns/mnt 2>/dev/null)
if [ -z "${BV_DISKFULL_PARENT_NS:-}" ]; then
  [ -n "$my_ns" ] || skip "cannot read /proc/self/ns/mnt"
  if ! unshare -m true 2>/dev/null; then
    skip "unshare -m is not permitted here (needs CAP_SYS_ADMIN; running as $(id -un))"
  fi
  exec unshare -m env BV_DISKFULL_PARENT_NS="$my_ns" bash "$SELF" "$@"
fi
# never touch the mounts of the namespace we were started from
[ -n "$my_ns" ] && [ "$my_ns" != "$BV_DISKFULL_PARENT_NS" ] || skip "not in a private mount namespace ($my_ns)"
mount --make-rprivate / 2>/dev/null || skip "cannot make the mounts private (mount --make-rprivate /)"

. tests/sh/lib.sh
. tests/sh/mariadb_lib.sh

PY=${PYTHON:-python3}
ARCH=$BV_BIN/binvault-archiver
BV=$BV_BIN/binvault
T_START=$SECONDS
MOUNTS=()
cleanup() {
  local m
  mdb_stop
  for m in "${MOUNTS[@]}"; do umount -l "$m" 2>/dev/null; done
  [ -n "${BV_KEEP_TMP:-}" ] || rm -rf "$T_TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# mount_small NAME SIZE [OPTIONS]: a tmpfs of SIZE at $T_TMP/NAME (sets MNT)
mount_small() {
  MNT=$T_TMP/$1
  mkdir -p "$MNT"
  mount -t tmpfs -o "size=$2${3:+,$3}" "bvdf-$1" "$MNT" || return 1
  MOUNTS+=("$MNT")
}
grow() { mount -o "remount,size=$2" "$1"; }

mkdir -p "$T_TMP/probe"
if ! mount -t tmpfs -o size=64k bvdf-probe "$T_TMP/probe" 2>"$T_TMP/probe.err"; then
  skip "cannot mount a tmpfs: $(head -1 "$T_TMP/probe.err")"
fi
umount "$T_TMP/probe"
mdb_require "$ARCH" "$BV"

# ------------------------------------------------------------ helpers
cat >"$T_TMP/df.py" <<'PYEOF'
import collections, json, sys

def lines(p):
    with open(p, encoding="utf-8") as f:
        return f.read().splitlines()

cmd, got, ref = sys.argv[1], lines(sys.argv[2]), lines(sys.argv[3])
if cmd == "prefix":  # GOT REF: "N prefix|notprefix LAST_TYPE"
    try:
        last = json.loads(got[-1])["type"] if got else "none"
    except ValueError:
        last = "not-json"
    ok = got == ref[:len(got)]
    print(len(got), "prefix" if ok else "notprefix", last)
    if not ok:
        for i, (a, b) in enumerate(zip(got, ref)):
            if a != b:
                print("# first difference at event %d\n# got: %s\n# ref: %s" % (i, a[:300], b[:300]))
                break
elif cmd == "final":  # GOT REF: "N LOST DUPLICATED same|differ"
    cg, cr = collections.Counter(got), collections.Counter(ref)
    lost = sum((cr - cg).values())
    dup = sum((cg - cr).values())  # events twice, or not in the reference at all
    print(len(got), lost, dup, "same" if got == ref else "differ")
    if got != ref:
        for i in range(max(len(got), len(ref))):
            a = got[i] if i < len(got) else "(none)"
            b = ref[i] if i < len(ref) else "(none)"
            if a != b:
                print("# first difference at event %d\n# got: %s\n# ref: %s" % (i, a[:300], b[:300]))
                break
PYEOF
df_py() { "$PY" "$T_TMP/df.py" "$@"; }
re_escape() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'; }

TRIALS=0 DETECTED=0 EVENTS=0 LOST=0 DUP=0 SAN=0
# run_arch NAME ARGS...: the archiver in the foreground (30 s at most); sets RC, ERR (stderr)
run_arch() {
  local n=$1; shift
  RC=0
  timeout -k 5 30 "$ARCH" "$@" >"$T_TMP/$n.out" 2>"$T_TMP/$n.err" || RC=$?
  ERR=$(cat "$T_TMP/$n.err")
  if grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T_TMP/$n.err"; then
    SAN=$((SAN + 1))
    grep -E -A3 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T_TMP/$n.err" | head -6 | sed 's/^/# /'
  fi
}
# nospc_line DIR [WHAT_RE]: stderr lines "DIR/<segment>(.part)(.tmp): (write failed|cannot create): No space left
# on device" (after "binvault-archiver: " or a log prefix, and the binlog file being imported when the message
# does not already name it); WHAT_RE replaces the part after DIR
nospc_line() {
  local what=${2:-'/[0-9]{10}-[^ /]+\.bvseg(\.part)?(\.tmp)?: (write failed|cannot create)'}
  printf '%s\n' "$ERR" | grep -E "^(binvault-archiver: |[0-9TZ:.-]+ error +)?($(re_escape "$BINLOG_DIR")/[^ /]+: )?$(re_escape "$1")$what: No space left on device\$" | head -1
}
# enospc_run NAME DIR [WHAT_RE]: after a run meant to hit ENOSPC: counts TRIALS/DETECTED, sets LINE
enospc_run() {
  TRIALS=$((TRIALS + 1))
  LINE=$(nospc_line "$2" "${3:-}")
  if [ "$RC" -eq 1 ] && [ -n "$LINE" ]; then DETECTED=$((DETECTED + 1)); fi
  echo "# $1: exit $RC: ${LINE:-$(printf '%s' "$ERR" | head -2 | tr '\n' ' ')}"
}
verify_rc() { local rc=0; "$BV" verify "$1" >"$T_TMP/verify.out" 2>&1 || rc=$?; echo "$rc"; }
verify_clean() { # DESCRIPTION DIR
  local rc
  rc=$(verify_rc "$2")
  expect_eq "$1" "$rc" 0
  [ "$rc" -eq 0 ] || sed 's/^/# /' "$T_TMP/verify.out" | head -5
}
# catf DIR: where DIR's `binvault cat` is kept (outside the small file systems)
catf() { echo "$T_TMP/cat$(printf '%s' "${1#"$T_TMP"}" | tr / _).jsonl"; }
# cat_to DIR: binvault cat DIR into $(catf DIR); a failure is a failed check
cat_to() {
  local rc=0
  "$BV" cat "$1" >"$(catf "$1")" 2>"$T_TMP/cat.err" || rc=$?
  [ "$rc" -eq 0 ] || _t_result 1 "binvault cat $1 exits 0 (exit $rc: $(head -1 "$T_TMP/cat.err"))"
}
# free_k MOUNT: KiB free. After an ENOSPC run with 16K blocks, recovery may only have cut the failed write
# and an incomplete transaction (the 300-row ones span a few blocks): far less than a 64K segment
free_k() { df -k --output=avail "$1" | tail -1 | tr -d ' '; }
SLACK_K=48
tmp_left() { find "$1" -name '*.tmp' 2>/dev/null | wc -l; }
# partial_ok DESCRIPTION DIR [boundary]: DIR's events are a prefix of the reference (ending at a
# transaction boundary with "boundary"); sets PN (its event count)
partial_ok() {
  local out n p last
  cat_to "$2"
  out=$(df_py prefix "$(catf "$2")" "$REF.cat")
  read -r n p last <<<"$(echo "$out" | head -1)"
  PN=$n
  if [ "${3:-}" = boundary ]; then
    expect_match "$1: a prefix of the reference ($n of $REF_N events), ending at a transaction boundary ($last)" \
      "$p $last" '^prefix (commit|rotate|none)$'
  else
    expect_eq "$1: a prefix of the reference ($n of $REF_N events)" "$p" prefix
  fi
  echo "$out" | tail -n +2
}
# final_ok DESCRIPTION DIR: DIR's events equal the reference's; adds to EVENTS, LOST, DUP
final_ok() {
  local out n l d s
  cat_to "$2"
  out=$(df_py final "$(catf "$2")" "$REF.cat")
  read -r n l d s <<<"$(echo "$out" | head -1)"
  EVENTS=$((EVENTS + n)) LOST=$((LOST + l)) DUP=$((DUP + d))
  expect_eq "$1: the same $REF_N events as the reference, in order (got $n, lost $l, duplicated $d)" "$s" same
  echo "$out" | tail -n +2
}
end_of() { "$BV" stat "$1" 2>/dev/null | sed -n 's/^end: *//p'; }
# resume_files DIR: the binlog files from the one the archive ends in (all of them for an empty archive)
resume_files() {
  local e f on=
  e=$(end_of "$1")
  [ -n "$e" ] || { printf '%s\n' "${FILES[@]}"; return; }
  for f in "${FILES[@]}"; do
    [ "$(basename "$f")" = "${e%:*}" ] && on=1
    [ -n "$on" ] && echo "$f"
  done
}

# ------------------------------------------------------------ binlogs from a private MariaDB
echo "# a private MariaDB writes ~4,000 transactions over 3 binlog files"
if ! mdb_start "$T_TMP/mdb" --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --innodb-buffer-pool-size=64M; then
  expect_eq "a private MariaDB starts" "no" "yes"
  done_testing
  exit
fi
rc=0
"${MDB_SQL[@]}" >"$T_TMP/sql.out" 2>"$T_TMP/sql.err" <<'SQL' || rc=$?
CREATE DATABASE df;
USE df;
CREATE TABLE t (id INT PRIMARY KEY, k INT NOT NULL, v VARCHAR(600), d DECIMAL(12,2), ts DATETIME(6)) ENGINE=InnoDB;
CREATE TABLE big (id INT PRIMARY KEY, txn INT NOT NULL, pad VARCHAR(200)) ENGINE=InnoDB;
DELIMITER //
CREATE PROCEDURE w(a INT, b INT)
BEGIN
  DECLARE i INT DEFAULT a;
  WHILE i < b DO
    START TRANSACTION;
    INSERT INTO t (id, k, v, d, ts)
      VALUES (i, i % 97, CONCAT(SHA2(i, 256), MD5(i), SHA2(i * 7, 512)), i / 3, '2026-01-01' + INTERVAL i SECOND);
    IF i % 3 = 0 THEN UPDATE t SET k = k + 1, v = CONCAT(MD5(i), SHA2(-i, 256)) WHERE id = i - 2; END IF;
    IF i % 10 = 0 THEN DELETE FROM t WHERE id = i - 5; END IF;
    IF i % 500 = 250 THEN
      INSERT INTO big SELECT i * 1000 + seq, i, CONCAT(SHA2(i * 1000 + seq, 256), MD5(seq)) FROM seq_1_to_300;
    END IF;
    COMMIT;
    SET i = i + 1;
  END WHILE;
END//
DELIMITER ;
CALL w(1, 1500);
FLUSH BINARY LOGS;
ALTER TABLE t ADD COLUMN note VARCHAR(20) DEFAULT 'n';
CALL w(1500, 2800);
FLUSH BINARY LOGS;
CALL w(2800, 4000);
SQL
expect_eq "the workload runs on the server" "$rc" 0
[ "$rc" -eq 0 ] || head -3 "$T_TMP/sql.err" | sed 's/^/# /'
mapfile -t FILES < <(mdb_binlogs)
BINLOG_DIR=$MDB_DATA
BINLOG_BYTES=$(cat "${FILES[@]}" | wc -c)
ok "3 binlog files, more than 3 MB (${#FILES[@]} files, $BINLOG_BYTES bytes)" \
  test "${#FILES[@]}" -eq 3 -a "$BINLOG_BYTES" -gt 3000000

# ============================================================ 4. live capture (while the server runs)
echo "# 4. live capture into a small tmpfs ($((SECONDS - T_START)) s)"
LIVE=(--host 127.0.0.1 --port "$MDB_PORT" --user root --stop-at-end --segment-size 64K --block-size 16K)
LIVE_DIRS=()
for spec in 256k:1 448k:0; do
  size=${spec%:*} thr=${spec#*:}
  mount_small "live$size" "$size" || { _t_result 1 "mount a $size tmpfs"; continue; }
  A=$MNT/a
  S=$T_TMP/live$size.status
  run_arch "live$size" --archive "$A" "${LIVE[@]}" --compress-threads "$thr" --status-file "$S"
  enospc_run "live capture, $size tmpfs, --compress-threads $thr" "$A"
  expect_eq "live, $size: exit 1 (archive I/O error)" "$RC" 1
  ok "live, $size: stderr names the segment file and says No space left on device" test -n "$LINE"
  ok "live, $size: the status file says failed" grep -q '"state":"failed"' "$S"
  ok "live, $size: the status file's last_error says No space left on device" \
    grep -q '"last_error":"[^"]*No space left on device' "$S"
  expect_eq "live, $size: no temporary file left" "$(tmp_left "$A")" 0
  ok "live, $size: what was written stays: the file system is still full ($(free_k "$MNT") KiB free, at most $SLACK_K)" \
    test "$(free_k "$MNT")" -le "$SLACK_K"
  verify_clean "live, $size: binvault verify is clean" "$A"
  grep -h '^note:' "$T_TMP/verify.out" | sed 's/^/# verify: /'
  # (compared with the reference once the server is stopped)
  cat_to "$A"
  mv "$(catf "$A")" "$T_TMP/live$size.partial.cat"
  grow "$MNT" 16m
  run_arch "live$size.2" --archive "$A" "${LIVE[@]}" --compress-threads "$thr"
  expect_eq "live, $size: with space again, --stop-at-end exits 0" "$RC" 0
  [ "$RC" -eq 0 ] || tail -3 "$T_TMP/live$size.2.err" | sed 's/^/# /'
  grep -h 'recovered' "$T_TMP/live$size.2.err" | sed 's/^[^ ]* /# /'
  LIVE_DIRS+=("$size")
done
mdb_stop

# ------------------------------------------------------------ the reference
REF=$T_TMP/ref
rc=0
"$ARCH" --quiet --archive "$REF" "${FILES[@]}" >"$T_TMP/ref.out" 2>"$T_TMP/ref.err" || rc=$?
expect_eq "reference: offline import into ordinary space exits 0" "$rc" 0
[ "$rc" -eq 0 ] || head -3 "$T_TMP/ref.err" | sed 's/^/# /'
verify_clean "reference: binvault verify is clean" "$REF"
"$BV" cat "$REF" >"$REF.cat" 2>/dev/null
REF_N=$(wc -l <"$REF.cat")
REF_BYTES=$(du -cb "$REF"/*.bvseg* | tail -1 | cut -f1)
ok "reference: more than 10,000 events ($REF_N), $REF_BYTES bytes of archive" test "$REF_N" -gt 10000
expect_eq "reference: 4,004 transactions (3,999 of the procedure, 5 DDL), 2,400 rows in big, 2 rotations" \
  "$(grep -c '"type":"begin"' "$REF.cat") $(grep -c '"type":"insert".*"table":"big"' "$REF.cat") $(grep -c '"type":"rotate"' "$REF.cat")" \
  "4004 2400 2"

for size in "${LIVE_DIRS[@]}"; do
  A=$T_TMP/live$size/a
  out=$(df_py prefix "$T_TMP/live$size.partial.cat" "$REF.cat")
  read -r n p last <<<"$(echo "$out" | head -1)"
  expect_eq "live, $size: after ENOSPC the archive was a prefix of the reference ($n of $REF_N events)" "$p" prefix
  echo "$out" | tail -n +2
  ok "live, $size: ... holding some but not all events" test "$n" -gt 0 -a "$n" -lt "$REF_N"
  tail_n=$(tac "$T_TMP/live$size.partial.cat" | grep -n -m1 -E '"type":"(commit|rotate)"' | cut -d: -f1)
  [ "${tail_n:-1}" -eq 1 ] || echo "# note: live, $size: after ENOSPC binvault cat showed $((tail_n - 1)) event(s) of an" \
    "incomplete transaction after the last commit (cut by the next start's recovery; offline import cuts them at once)"
  verify_clean "live, $size: binvault verify is clean after the rerun" "$A"
  final_ok "live, $size: resumed archive" "$A"
done

# ============================================================ 1. fixed sizes
echo "# 1. offline import into a small tmpfs, fixed sizes ($((SECONDS - T_START)) s)"
SMALL=(--segment-size 64K --block-size 16K)
SAME_OK=0 SAME_SKIPPED=0
# build_cmd VAR FILES...: the import command of this trial (uses A, opt, thr)
build_cmd() {
  local -n v=$1; shift
  if [ "$opt" = small ]; then v=(--quiet --archive "$A" "${SMALL[@]}" --compress-threads "$thr" "$@")
  else v=(--quiet --archive "$A" "$@"); fi
}
for spec in 256k:1:small 320k:0:small 448k:1:small 512k:0:small 640k:1:small 512k:1:default; do
  IFS=: read -r size thr opt <<<"$spec"
  name=imp$size-$thr-$opt
  mount_small "$name" "$size" || { _t_result 1 "mount a $size tmpfs"; continue; }
  A=$MNT/a
  build_cmd CMD "${FILES[@]}"
  d="import, $size tmpfs, $opt options, --compress-threads $thr"
  run_arch "$name.1" "${CMD[@]}"
  enospc_run "$d" "$A"
  expect_eq "$d: exit 1" "$RC" 1
  ok "$d: stderr names the segment file being written and says No space left on device" test -n "$LINE"
  expect_eq "$d: no temporary file left" "$(tmp_left "$A")" 0
  verify_clean "$d: binvault verify is clean" "$A"
  partial_ok "$d: the archive" "$A" boundary
  N1=$PN
  if [ "$opt" = small ]; then
    ok "$d: what was written stays: the file system is still full ($(free_k "$MNT") KiB free, at most $SLACK_K)" \
      test "$(free_k "$MNT")" -le "$SLACK_K"
  fi
  # the same again without more space: the same clear failure, nothing lost
  mapfile -t RF < <(resume_files "$A")
  build_cmd RCMD "${RF[@]}"
  run_arch "$name.2" "${RCMD[@]}"
  enospc_run "$d, rerun without space" "$A"
  ok "$d: a rerun without more space fails the same way (exit $RC)" test "$RC" -eq 1 -a -n "$LINE"
  verify_clean "$d: binvault verify is clean after that" "$A"
  partial_ok "$d: after the rerun, the archive" "$A" boundary
  ok "$d: ... and lost nothing ($N1 -> $PN events)" test "$PN" -ge "$N1"
  # space again: the same command
  grow "$MNT" 16m
  END1=$(end_of "$A")
  first=$(basename "${FILES[0]}")
  cp "$(catf "$A")" "$T_TMP/$name.before"
  run_arch "$name.3" "${CMD[@]}"
  if [ -z "$END1" ] || [ "${END1%:*}" = "$first" ]; then
    SAME_OK=$((SAME_OK + 1))
    expect_eq "$d: with space again, the same command exits 0 (the archive ended in $first)" "$RC" 0
  else
    SAME_SKIPPED=$((SAME_SKIPPED + 1))
    expect_eq "$d: with space again, the same command exits 0 (ended at $END1: earlier files skipped)" "$RC" 0
  fi
  [ "$RC" -eq 0 ] || echo "$ERR" | head -3 | sed 's/^/# /'
  verify_clean "$d: binvault verify is clean after resuming" "$A"
  final_ok "$d: resumed archive" "$A"
  umount "$MNT" && unset 'MOUNTS[${#MOUNTS[@]}-1]'
done
echo "# the same command after space came back finished $SAME_OK archive(s) ending in the first file" \
  "and $SAME_SKIPPED ending in a later one (the files before it skipped)"
ok "both cases of the same command after ENOSPC were seen ($SAME_OK, $SAME_SKIPPED)" \
  test "$SAME_OK" -gt 0 -a "$SAME_SKIPPED" -gt 0

# ============================================================ 2. staircase
echo "# 2. one archive, the tmpfs grows by 40k after each ENOSPC ($((SECONDS - T_START)) s)"
mount_small stair 100k || _t_result 1 "mount a 100k tmpfs"
A=$MNT/a
size=100 slack=0 runs=0 fails=0 bad_rc=0 bad_msg=0 bad_verify=0 bad_prefix=0 shrank=0 tmp=0 prev=0 done_rc=
declare -A WHERE=()
while [ "$runs" -lt 30 ]; do
  runs=$((runs + 1))
  thr=$((runs % 2))
  mapfile -t RF < <(resume_files "$A")
  run_arch "stair$runs" --quiet --archive "$A" "${SMALL[@]}" --compress-threads "$thr" "${RF[@]}"
  if [ "$RC" -eq 0 ]; then done_rc=0; break; fi
  fails=$((fails + 1))
  enospc_run "staircase run $runs, ${size}k, --compress-threads $thr, ${#RF[@]} file(s)" "$A"
  [ "$RC" -eq 1 ] || bad_rc=$((bad_rc + 1))
  if [ -z "$LINE" ]; then bad_msg=$((bad_msg + 1)); else
    case $LINE in
      *.part.tmp:*) WHERE[new-segment-header]=$((${WHERE[new-segment-header]:-0} + 1)) ;;
      *.part:*) WHERE[block-or-footer]=$((${WHERE[block-or-footer]:-0} + 1)) ;;
      *) WHERE[other]=$((${WHERE[other]:-0} + 1)) ;;
    esac
  fi
  [ "$(verify_rc "$A")" -eq 0 ] || { bad_verify=$((bad_verify + 1)); sed 's/^/# /' "$T_TMP/verify.out" | head -3; }
  tmp=$((tmp + $(tmp_left "$A")))
  cat_to "$A"
  read -r PN p last <<<"$(df_py prefix "$(catf "$A")" "$REF.cat" | head -1)"
  if [ "$p" != prefix ] || ! [[ $last =~ ^(commit|rotate|none)$ ]]; then
    bad_prefix=$((bad_prefix + 1)); echo "# staircase run $runs: $PN events, $p, last $last"
  fi
  [ "$PN" -ge "$prev" ] || shrank=$((shrank + 1))
  prev=$PN
  [ "$(free_k "$MNT")" -le "$SLACK_K" ] || { slack=$((slack + 1)); echo "# staircase run $runs: $(free_k "$MNT") KiB free"; }
  size=$((size + 40))
  grow "$MNT" "${size}k"
done
echo "# staircase: $fails ENOSPC runs before one finished, at: $(for k in "${!WHERE[@]}"; do printf '%s %s ' "$k" "${WHERE[$k]}"; done)"
ok "staircase: at least 5 runs hit ENOSPC ($fails)" test "$fails" -ge 5
expect_eq "staircase: a run finished (exit 0) within 30 runs" "${done_rc:-none}" 0
expect_eq "staircase: every ENOSPC run exited 1 (runs with another status)" "$bad_rc" 0
expect_eq "staircase: every ENOSPC run named the file and said No space left on device (runs without)" "$bad_msg" 0
expect_eq "staircase: binvault verify clean after every ENOSPC run (runs not clean)" "$bad_verify" 0
expect_eq "staircase: no temporary file left after any run" "$tmp" 0
expect_eq "staircase: after every ENOSPC run a prefix of the reference ending at a transaction boundary (runs not)" \
  "$bad_prefix" 0
expect_eq "staircase: the archive never lost events between runs (runs where it shrank)" "$shrank" 0
expect_eq "staircase: what was written stays: at most $SLACK_K KiB free after each ENOSPC run (runs with more)" "$slack" 0
verify_clean "staircase: binvault verify is clean at the end" "$A"
final_ok "staircase: final archive" "$A"
echo "# staircase: $(ls "$A" | grep -c '\.bvseg') segments in the final archive"

# ============================================================ 3. filler files
echo "# 3. a full tmpfs: the first segment, the archive directory, its LOCK ($((SECONDS - T_START)) s)"
mount_small filler 4m || _t_result 1 "mount a 4m tmpfs"
A=$MNT/a
dd if=/dev/zero of="$MNT/filler" bs=4k >/dev/null 2>&1
ok "the filler file fills the tmpfs ($(du -k "$MNT/filler" | cut -f1) KiB, $(free_k "$MNT") KiB free)" \
  test "$(free_k "$MNT")" -lt 4
CMD=(--quiet --archive "$A" "${FILES[@]}")
run_arch filler1 "${CMD[@]}"
enospc_run "filler: the first segment" "$A" '/0000000000-[^ /]+\.bvseg\.part\.tmp: (write failed|cannot create)'
expect_eq "filler: exit 1" "$RC" 1
ok "filler: the message names the first segment's temporary file and says No space left on device" test -n "$LINE"
expect_eq "filler: no segment and no temporary file left" "$(ls "$A" | grep -c -v '^LOCK$')" 0
verify_clean "filler: binvault verify is clean (an empty archive)" "$A"
expect_match "filler: ... which it reports as empty" "$(cat "$T_TMP/verify.out")" ': 0 segments, 0 blocks, 0 events'
rm -f "$MNT/filler"
run_arch filler2 "${CMD[@]}"
expect_eq "filler: after deleting the filler, the same command exits 0" "$RC" 0
[ "$RC" -eq 0 ] || echo "$ERR" | head -3 | sed 's/^/# /'
verify_clean "filler: binvault verify is clean" "$A"
final_ok "filler: archive" "$A"

# no inode left: the archive directory, then its LOCK, then the first segment cannot be created
mount_small inodes 4m nr_inodes=8
A=$MNT/a
i=0
while touch "$MNT/f$i" 2>/dev/null; do i=$((i + 1)); done
CMD=(--quiet --archive "$A" "${FILES[@]}")
run_arch inodes1 "${CMD[@]}"
enospc_run "no inode: the archive directory" "$A" ': cannot create archive directory'
expect_eq "no inode: exit 1" "$RC" 1
ok "no inode: the message names the archive directory and says No space left on device" test -n "$LINE"
ok "no inode: the archive directory does not exist" test ! -e "$A"
rm -f "$MNT/f0"
run_arch inodes2 "${CMD[@]}"
enospc_run "no inode: LOCK" "$A" '/LOCK: cannot open lock file'
expect_eq "no inode for LOCK: exit 1" "$RC" 1
ok "no inode for LOCK: the message names LOCK and says No space left on device" test -n "$LINE"
rm -f "$MNT/f1"
run_arch inodes3 "${CMD[@]}"
enospc_run "no inode: the first segment" "$A"
expect_eq "no inode for the first segment: exit 1" "$RC" 1
ok "no inode for the first segment: the message names it and says No space left on device" test -n "$LINE"
verify_clean "no inode: binvault verify is clean (an empty archive)" "$A"
rm -f "$MNT"/f*
run_arch inodes4 "${CMD[@]}"
expect_eq "no inode: with inodes again, the same command exits 0" "$RC" 0
final_ok "no inode: archive" "$A"

# binvault cat into the full file system: the reader's output hits ENOSPC too; it must not look complete
mount_small catout 64k
rc=0
"$BV" cat "$REF" >"$MNT/out.jsonl" 2>"$T_TMP/catout.err" || rc=$?
echo "# binvault cat REF > a 64k tmpfs: exit $rc, $(wc -c <"$MNT/out.jsonl") of $(wc -c <"$REF.cat") bytes written," \
  "stderr: $(head -1 "$T_TMP/catout.err")"
expect_eq "binvault cat into a full file system: exit 1 (not a silently truncated output)" "$rc" 1
expect_match "... and says No space left on device" "$(cat "$T_TMP/catout.err")" 'No space left on device'

# ------------------------------------------------------------ totals
expect_eq "no sanitizer report in any archiver run" "$SAN" 0
expect_eq "every ENOSPC run was detected: exit 1 and a clear message ($DETECTED of $TRIALS)" "$DETECTED" "$TRIALS"
expect_eq "no event lost or duplicated in any final archive (lost, duplicated)" "$LOST $DUP" "0 0"
echo "# test_disk_full.sh: $((SECONDS - T_START)) s"
echo "# fault-table disk-full $TRIALS $EVENTS $LOST $DUP $DETECTED"
done_testing
