#!/usr/bin/env bash
# Importing binlog files into an archive that already holds some of them:
# the same command can run again (a cron job over the server's binlog
# directory, or a rerun after a failure) and adds exactly what is missing.
#  - files wholly before the archive's end file are skipped (and counted);
#  - the file the archive ends in continues from the archive's end offset;
#  - the result equals one import of all the files, event for event;
#  - a file before the archive's start, or after a gap, is refused with the
#    archive left as it was.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. tests/sh/lib.sh
. tests/sh/mariadb_lib.sh
ARCH=$BV_BIN/binvault-archiver
BV=$BV_BIN/binvault
trap 'mdb_stop; [ -n "${BV_KEEP_TMP:-}" ] || rm -rf "$T_TMP"' EXIT
mdb_require || { done_testing; exit 1; }

mdb_start "$T_TMP/m" --innodb-flush-log-at-trx-commit=2 || { echo "not ok 1 - MariaDB starts"; done_testing; exit 1; }
"${MDB_SQL[@]}" -e "CREATE DATABASE t; CREATE TABLE t.x (id INT PRIMARY KEY, v VARCHAR(20))"
# 50 rows per file: one transaction in files 1 and 3, five in file 2. The
# rows events of files 2 and 3 start at the same offset.
for f in 1 2 3; do
  if [ $f = 2 ]; then
    for k in 0 1 2 3 4; do
      "${MDB_SQL[@]}" t -e "INSERT INTO x SELECT seq + 2000 + $k * 10, 'file 2' FROM seq_1_to_10"
    done
    "${MDB_SQL[@]}" -e "FLUSH BINARY LOGS"
  else
    "${MDB_SQL[@]}" t -e "INSERT INTO x SELECT seq + $f * 1000, 'file $f' FROM seq_1_to_50; FLUSH BINARY LOGS"
  fi
done
mapfile -t F < <(mdb_binlogs | head -n 3)
mdb_stop
expect_eq "three closed binlog files to import" "${#F[@]}" "3"
rows() { "$BV" cat "$1" | grep -c '"type":"insert"'; }
events() { "$BV" cat "$1" | grep -v '"type":"note"'; }
segsum() { cat "$1"/*.bvseg* | md5sum | cut -d' ' -f1; }

# the reference: all three files in one run
"$ARCH" --quiet --archive "$T_TMP/ref" "${F[@]}"
expect_eq "reference import holds 150 inserted rows" "$(rows "$T_TMP/ref")" "150"
expect_eq "row indexes restart in each file's rows events (file 3's first row is row 0)" \
  "$("$BV" cat "$T_TMP/ref" | grep "\"file\":\"$(basename "${F[2]}")\"" | grep -m1 -o '"row":[0-9]*')" '"row":0'

# files 1 and 2, then the same command over 1, 2, 3
A=$T_TMP/a
"$ARCH" --quiet --archive "$A" "${F[0]}" "${F[1]}"
expect_eq "first run: 100 rows" "$(rows "$A")" "100"
rc=0; out=$("$ARCH" --archive "$A" "${F[@]}" 2>&1) || rc=$?
expect_eq "a second run over files 1-3 exits 0" "$rc" "0"
expect_match "... skips the files already archived (1, and 2 which ends with its rotate) and says so" "$out" \
  "3 file\(s\) \(2 already archived: skipped\)"
expect_eq "... and the archive equals the one-run import, event for event" "$(events "$A" | md5sum)" \
  "$(events "$T_TMP/ref" | md5sum)"
ok "binvault verify passes" "$BV" verify --quiet "$A"

# the same command once more: nothing to add, nothing rewritten
before=$(segsum "$A")
rc=0; out=$("$ARCH" --archive "$A" "${F[@]}" 2>&1) || rc=$?
expect_eq "a third run exits 0" "$rc" "0"
expect_match "... skips all three (the archive ends at file 4's start)" "$out" "\(3 already archived: skipped\)"
expect_match "... and finds no new row in file 3" "$out" " 0 rows;"
expect_eq "... and leaves the segment bytes as they were" "$(segsum "$A")" "$before"
rc=0; out=$("$ARCH" --archive "$A" "${F[0]}" "${F[1]}" 2>&1) || rc=$?
expect_eq "only older files given: exit 0" "$rc" "0"
expect_match "... both skipped" "$out" "2 file\(s\) \(2 already archived: skipped\)"

# an import cut inside file 2 (its copy ends after its third transaction's
# first event, as a file the server is still writing), then the whole files:
# file 2 continues at the archive's end offset
C=$T_TMP/cut
mkdir -p "$C"
python3 - "${F[1]}" "$C/$(basename "${F[1]}")" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
at, xids = 4, 0
while at < len(data) and xids < 2:   # event length: 4 bytes LE at +9; XID event type 16
    if data[at + 4] == 16:
        xids += 1
    at += int.from_bytes(data[at + 9:at + 13], "little")
open(sys.argv[2], "wb").write(data[:at + 19 + 40])   # and a torn piece of the next event
PY
B=$T_TMP/b
rc=0; out=$("$ARCH" --quiet --archive "$B" "${F[0]}" "$C/$(basename "${F[1]}")" 2>&1) || rc=$?
expect_eq "the cut copy's torn last event stops the import (exit 1)" "$rc" "1"
expect_match "... naming the file and the offset" "$out" "$(basename "${F[1]}"): offset [0-9]+: .*truncated"
expect_eq "the archive keeps file 1 and file 2's first two transactions" "$(rows "$B")" "70"
rc=0; out=$("$ARCH" --archive "$B" "${F[@]}" 2>&1) || rc=$?
expect_eq "rerun with the whole files exits 0" "$rc" "0"
expect_eq "... and the archive equals the one-run import" "$(events "$B" | md5sum)" "$(events "$T_TMP/ref" | md5sum)"

# an archive that starts at file 2: file 1 cannot be added
S=$T_TMP/s
"$ARCH" --quiet --archive "$S" "${F[1]}" "${F[2]}"
before=$(segsum "$S")
rc=0; out=$("$ARCH" --archive "$S" "${F[@]}" 2>&1) || rc=$?
expect_eq "a file before the archive's start: exit 1" "$rc" "1"
expect_match "... named, with the archive's start" "$out" \
  "$(basename "${F[0]}") comes before the archive's start \($(basename "${F[1]}"):4\)"
expect_eq "... and the archive is unchanged" "$(segsum "$S")" "$before"

# a gap: the archive ends in file 2 (at its start, after file 1's rotate);
# file 3 alone is refused
G=$T_TMP/g
"$ARCH" --quiet --archive "$G" "${F[0]}"
rc=0; out=$("$ARCH" --archive "$G" "${F[2]}" 2>&1) || rc=$?
expect_eq "a file after a gap: exit 1" "$rc" "1"
expect_match "... says where the archive ends and what to import" "$out" \
  "the archive ends at $(basename "${F[1]}"):4; import $(basename "${F[1]}")"

# another server (server id 2) with binlog files of the same names: its files
# are not this archive's, neither to skip nor to continue
mdb_start "$T_TMP/m2" --server-id=2 || { echo "not ok - a second MariaDB starts"; done_testing; exit 1; }
"${MDB_SQL[@]}" -e "CREATE DATABASE t; CREATE TABLE t.x (id INT PRIMARY KEY); INSERT INTO t.x VALUES (1); FLUSH BINARY LOGS"
"${MDB_SQL[@]}" -e "INSERT INTO t.x VALUES (2); FLUSH BINARY LOGS; INSERT INTO t.x VALUES (3); FLUSH BINARY LOGS"
mapfile -t O < <(mdb_binlogs | head -n 3)
mdb_stop
expect_eq "the other server's files have the same names" "$(basename "${O[0]}") $(basename "${O[2]}")" \
  "$(basename "${F[0]}") $(basename "${F[2]}")"
before=$(segsum "$A")
rc=0; out=$("$ARCH" --archive "$A" "${O[@]}" 2>&1) || rc=$?
expect_eq "the other server's files: exit 1" "$rc" "1"
expect_match "... naming both server ids" "$out" \
  "$(basename "${O[0]}") was written by server id 2, the archive's last segment by server id 1"
expect_eq "... and the archive is unchanged" "$(segsum "$A")" "$before"
rc=0; out=$("$ARCH" --archive "$G" "${O[1]}" 2>&1) || rc=$?
expect_eq "the other server's file named as the one the archive ends in: exit 1 (not continued)" "$rc" "1"
expect_match "... naming both server ids" "$out" "written by server id 2, .* by server id 1"
done_testing
