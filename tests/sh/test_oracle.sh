#!/usr/bin/env bash
# The format specification checked by an independent reader.
#
# tests/oracle/bvread.py is a reader written from format/FORMAT.md alone
# (Python standard library + the zstd tool). This test writes archives with
# the C writer (bin/bv-gen, and tests/oracle/gen_kinds.c for every value kind
# and record type), reads them with the oracle (which verifies every checksum
# and rule) and with `binvault cat` / `binvault ls --json`, and requires the
# same events, field for field and value for value, and the same segment
# summaries. It also checks the worked example of FORMAT.md byte for byte,
# rule by rule agreement on mutations of it (tests/oracle/mutate.py), a torn
# open segment, recovery, and that damage is detected.
set -u
export PYTHONDONTWRITEBYTECODE=1
cd "$(dirname "$0")/../.."
. tests/sh/lib.sh

PY=${PYTHON:-python3}
ORACLE=tests/oracle/bvread.py
CMP=tests/oracle/compare.py
BV=$BV_BIN/binvault
GEN=$BV_BIN/bv-gen

# compare_archive LABEL DIR: oracle vs binvault cat (events) and ls (segments)
compare_archive() {
  local label=$1 dir=$2 base=$T_TMP/$1 rc out
  rc=0; $PY $ORACLE --schemas --segments "$base.oseg" "$dir" >"$base.ocat" 2>"$base.oerr" || rc=$?
  expect_eq "$label: oracle reads the archive and every checksum and rule holds" "$rc" 0
  [ "$rc" -eq 0 ] || sed 's/^/# /' "$base.oerr"
  rc=0; "$BV" cat "$dir" >"$base.bcat" 2>"$base.berr" || rc=$?
  expect_eq "$label: binvault cat reads the archive" "$rc" 0
  "$BV" ls --json "$dir" >"$base.bls" 2>/dev/null
  out=$($PY $CMP "$base.ocat" "$base.bcat" 2>&1)
  expect_match "$label: same events, fields and values as binvault cat" "$out" '^match: [1-9][0-9]* events'
  case $out in match:*) echo "# $out" ;; *) echo "$out" | head -25 | sed 's/^/# /' ;; esac
  out=$($PY $CMP --segments "$base.oseg" "$base.bls" 2>&1)
  expect_match "$label: same segment summaries as binvault ls --json" "$out" '^match: [1-9][0-9]* segments'
  case $out in match:*) ;; *) echo "$out" | head -10 | sed 's/^/# /' ;; esac
}

# count FILE EXPR: evaluate a Python expression over the segment summaries
count() {
  $PY -c 'import json,sys; s=[json.loads(l) for l in open(sys.argv[1])]; print('"$2"')' "$1"
}

# ------------------------------------------------------------------ bv-gen, MySQL
A=$T_TMP/mysql
ok "bv-gen writes a MySQL archive (3000 txns, small blocks and segments, DDL, rotates)" \
  "$GEN" --archive "$A" --txns 3000 --block-size 20000 --segment-size 200000 --ddl-every 97 --rotate-every 300000
compare_archive mysql "$A"
expect_match "mysql: several segments" "$(count "$T_TMP/mysql.oseg" 'len(s)')" '^([5-9]|[1-9][0-9]+)$'
expect_match "mysql: many blocks" "$(count "$T_TMP/mysql.oseg" 'sum(x["blocks"] for x in s)')" '^[1-9][0-9]{2,}$'
expect_match "mysql: DDL and rotate events present" \
  "$(grep -c '"type":"ddl"' "$T_TMP/mysql.ocat") $(grep -c '"type":"rotate"' "$T_TMP/mysql.ocat")" '^[1-9][0-9]* [1-9][0-9]*$'

# ------------------------------------------------------------------ bv-gen, MariaDB
M=$T_TMP/mariadb
ok "bv-gen writes a MariaDB archive" \
  "$GEN" --archive "$M" --txns 1500 --block-size 20000 --segment-size 150000 --ddl-every 50 --rotate-every 200000 --mariadb
compare_archive mariadb "$M"
expect_match "mariadb: GTIDs are domain-server-seq" "$(grep -m1 -o '"gtid":"[^"]*"' "$T_TMP/mariadb.ocat")" '"gtid":"[0-9]+-[0-9]+-[0-9]+"'

# ------------------------------------------------------------------ torn open segment, then recovery
part=$(ls "$A"/*.part 2>/dev/null | head -1)
if [ -n "$part" ]; then
  size=$(stat -c %s "$part")
  truncate -s $((size - 1000)) "$part"
  compare_archive torn "$A"
  expect_match "torn: the open segment reports torn bytes" "$(count "$T_TMP/torn.oseg" 's[-1]["torn_bytes"]')" '^[1-9][0-9]*$'
  ok "bv-gen recovers the torn segment and appends 400 transactions" "$GEN" --archive "$A" --txns 400 --block-size 20000 \
    --segment-size 200000 --ddl-every 97 --rotate-every 300000
  compare_archive recovered "$A"
else
  _t_result 1 "mysql: the archive has an open segment to tear"
fi

# ------------------------------------------------------------------ every value kind and record type
GK=$T_TMP/gen_kinds
if cc -std=c11 -O1 -D_GNU_SOURCE -Iinclude -Iformat tests/oracle/gen_kinds.c format/*.c \
    $(pkg-config --cflags --libs libzstd libxxhash) -lm -o "$GK" 2>"$T_TMP/gk.err"; then
  _t_result 0 "gen_kinds builds"
  ok "gen_kinds writes a MySQL archive with every value kind" "$GK" "$T_TMP/kinds"
  compare_archive kinds "$T_TMP/kinds"
  ok "gen_kinds writes a MariaDB archive with every value kind" "$GK" "$T_TMP/kinds-m" --mariadb
  compare_archive kinds-mariadb "$T_TMP/kinds-m"
  expect_match "kinds: segment names with %XX-encoded binlog files" "$(ls "$T_TMP/kinds")" '%20log%2F%C3%BC'
else
  _t_result 1 "gen_kinds builds"
  sed 's/^/# /' "$T_TMP/gk.err" | head -20
fi

# ------------------------------------------------------------------ the worked example of FORMAT.md
X=$T_TMP/example
ok "FORMAT.md worked example: the hex dump rebuilds a segment" $PY tests/oracle/doc_example.py format/FORMAT.md "$X"
rc=0; $PY $ORACLE "$X" >"$T_TMP/example.ocat" 2>"$T_TMP/example.oerr" || rc=$?
expect_eq "FORMAT.md worked example: valid for the oracle" "$rc" 0
ok "FORMAT.md worked example: binvault verify finds it clean" "$BV" verify "$X"
expect_eq "FORMAT.md worked example: binvault cat prints what the text shows" \
  "$("$BV" cat "$X" 2>&1)" "$(cat "$T_TMP/example.cat")"

# one rule at a time: the example with one field changed and every checksum
# recomputed; the oracle and binvault verify must give FORMAT.md's verdict
out=$($PY tests/oracle/mutate.py "$X/$(ls "$X" | grep bvseg)" "$BV" "$T_TMP/mutate" 2>&1)
expect_match "rule by rule: oracle and binvault verify give FORMAT.md's verdict on every mutation" "$out" ' 0 mismatches$'
echo "$out" | grep -v '^ok ' | sed 's/^/# /'

# ------------------------------------------------------------------ damage is detected
D=$T_TMP/damaged
cp -r "$A" "$D"
seg=$(ls "$D"/*.bvseg | sed -n 2p)
$PY - "$seg" <<'EOF'
import sys
p = sys.argv[1]
d = bytearray(open(p, "rb").read())
d[len(d) // 2] ^= 0x10
open(p, "wb").write(d)
EOF
rc=0; $PY $ORACLE --quiet "$D" 2>"$T_TMP/damaged.err" || rc=$?
expect_eq "damaged: one flipped bit in a sealed segment fails the oracle" "$rc" 1
expect_match "damaged: the oracle names the segment and a checksum" "$(cat "$T_TMP/damaged.err")" "$(basename "$seg").*checksum"
fails "damaged: binvault verify agrees" 1 "$BV" verify "$D"

J=$T_TMP/junk
if [ -d "$T_TMP/kinds" ]; then cp -r "$T_TMP/kinds" "$J"; else cp -r "$A" "$J"; fi
touch "$J/$(ls "$J" | grep bvseg | head -1).tmp"
ok "leftover .tmp files are ignored" $PY $ORACLE --quiet "$J"
touch "$J/notes.txt"
fails "an unknown file makes the archive invalid" 1 $PY $ORACLE --quiet "$J"

done_testing
