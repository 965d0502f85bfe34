#!/usr/bin/env bash
# File hygiene: what binvault creates and what it refuses to follow.
#  1. an archive made by binvault-archiver: directory 0750, segments and
#     LOCK 0640 by default; --file-mode / --dir-mode change them; modes that
#     would lock the owner out, or are not octal, are refused (exit 2);
#  2. a segment replaced by a symbolic link (to a copy outside the archive)
#     is refused by binvault verify / ls / cat and by the replayer, each
#     naming the file and saying it is a symbolic link;
#  3. the replayer's checkpoint is written through a temporary file that is
#     never a symlink target: a symlink planted at FILE.tmp makes the write
#     fail (exit 1, naming the file) and leaves the symlink's target intact.
# (Passwords: tests/sh/test_live.sh checks --password is refused and that no
# password reaches stderr, stdout or the status file; TLS to MariaDB with a
# CA the test makes: tests/sh/test_live_tls.sh.)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. tests/sh/lib.sh
ARCH=$BV_BIN/binvault-archiver
BV=$BV_BIN/binvault
RP=$BV_BIN/binvault-replayer
GEN=$BV_BIN/bv-gen
trap '[ -n "${BV_KEEP_TMP:-}" ] || rm -rf "$T_TMP"' EXIT
FIX=${BV_FIXTURES:-$ROOT/../shared/fixtures/binlog}
BINLOG=$FIX/mariadb-operator-poc/domain_id_0/mariadb-repl-bin.000004
umask 022

mode() { stat -c %a "$1"; }

# 1. modes
if [ -f "$BINLOG" ]; then
  "$ARCH" --quiet --archive "$T_TMP/m1" "$BINLOG"
  expect_eq "import of a real binlog exits 0" "$?" "0"
  expect_eq "the archive directory is 0750" "$(mode "$T_TMP/m1")" "750"
  seg=$(ls "$T_TMP"/m1/*.bvseg* | head -1)
  expect_eq "a segment is 0640" "$(mode "$seg")" "640"
  expect_eq "LOCK is 0640" "$(mode "$T_TMP/m1/LOCK")" "640"
  "$ARCH" --quiet --archive "$T_TMP/m2" --file-mode 0600 --dir-mode 0700 "$BINLOG"
  expect_eq "--file-mode 0600 --dir-mode 0700 exits 0" "$?" "0"
  expect_eq "... the directory is 0700" "$(mode "$T_TMP/m2")" "700"
  seg=$(ls "$T_TMP"/m2/*.bvseg* | head -1)
  expect_eq "... a segment is 0600" "$(mode "$seg")" "600"
  expect_eq "... LOCK is 0600" "$(mode "$T_TMP/m2/LOCK")" "600"
  ok "... and binvault verify reads it" "$BV" verify --quiet "$T_TMP/m2"
else
  echo "# SKIP modes: no fixture $BINLOG"
fi
for bad in 0999 abc 0044 0600x; do
  rc=0; out=$("$ARCH" --quiet --archive "$T_TMP/m3" --file-mode "$bad" "$BINLOG" 2>&1) || rc=$?
  expect_eq "--file-mode $bad is refused (exit 2)" "$rc" "2"
  expect_match "... naming the option" "$out" "file-mode"
done
rc=0; out=$("$ARCH" --quiet --archive "$T_TMP/m3" --dir-mode 0600 "$BINLOG" 2>&1) || rc=$?
expect_eq "--dir-mode 0600 (no search permission for the owner) is refused (exit 2)" "$rc" "2"
ok "... and nothing was created" test ! -e "$T_TMP/m3"

# 2. a symlinked segment
"$GEN" --archive "$T_TMP/s" --txns 1500 --segment-size 100000 >/dev/null
first=$(ls "$T_TMP"/s/*.bvseg | head -1)
mkdir "$T_TMP/outside"
mv "$first" "$T_TMP/outside/"
ln -s "$T_TMP/outside/$(basename "$first")" "$first"
name=$(basename "$first")
for cmd in "verify" "ls" "cat"; do
  rc=0; out=$("$BV" $cmd "$T_TMP/s" 2>&1) || rc=$?
  ok "binvault $cmd refuses the symlinked segment (exit $rc)" test "$rc" -ne 0
  expect_match "... naming it as a symbolic link" "$out" "$name: is a symbolic link: refused"
done
rc=0; out=$("$RP" --archive "$T_TMP/s" --output "$T_TMP/s.jsonl" --quiet 2>&1) || rc=$?
expect_eq "the replayer refuses it (exit 1)" "$rc" "1"
expect_match "... naming it as a symbolic link" "$out" "$name: is a symbolic link: refused"
ok "... and published nothing from it" test ! -s "$T_TMP/s.jsonl"

# 3. a symlink planted at the checkpoint's temporary name
"$GEN" --archive "$T_TMP/c" --txns 200 >/dev/null
echo "precious" >"$T_TMP/victim"
ln -s "$T_TMP/victim" "$T_TMP/ck.json.tmp"
rc=0; out=$("$RP" --archive "$T_TMP/c" --output "$T_TMP/c.jsonl" --checkpoint "$T_TMP/ck.json" --quiet 2>&1) || rc=$?
expect_eq "a symlink at the checkpoint's temporary name: exit 1" "$rc" "1"
expect_match "... naming the file" "$out" "ck.json.tmp: cannot write the checkpoint"
expect_eq "... the symlink's target is untouched" "$(cat "$T_TMP/victim")" "precious"
rm -f "$T_TMP/ck.json.tmp"
rc=0; "$RP" --archive "$T_TMP/c" --output "$T_TMP/c2.jsonl" --checkpoint "$T_TMP/ck.json" --quiet || rc=$?
expect_eq "without it the checkpoint is written (exit 0)" "$rc" "0"
expect_eq "... with mode 0640" "$(mode "$T_TMP/ck.json")" "640"
done_testing
