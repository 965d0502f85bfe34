#!/usr/bin/env bash
# The decoder against real binlogs written by MySQL 5.0-9.6 and MariaDB
# 10.0-11.8 (../shared/fixtures/binlog, see its MANIFEST.md; BV_FIXTURES
# overrides the directory).
#
# Every binary binlog is imported into an archive of its own with
# binvault-archiver. Valid files must import (exit 0) into an archive that
# `binvault verify` finds clean, holding exactly the rows, transactions
# (by commit kind, with XIDs and GTIDs), DDL statements and closing ROTATE
# that an independent Python scanner (tests/oracle/fixtures_check.py) finds
# in the file, and starting at the file's PREVIOUS_GTIDS / GTID_LIST set.
# The gzip-compressed file must be refused as such and import once
# gunzipped. Damaged files must be refused (exit 1) with a message naming the
# file and the offset of the damage, leaving only the transactions completed
# before it.
#
# Decoded values are compared with what the references say, never with
# binvault's own output: mysqlbinlog -vv decodings (zalora), MySQL's SELECT
# output for the DECIMAL edge cases (go-mysql), the values asserted by
# rust_mysql_common's tests and MANIFEST.md (JSON, TIME, BIT, ENUM/SET,
# VECTOR, invisible columns, minimal row metadata, MariaDB FULL metadata),
# the SQL script of the maxwell file, msmp's Erlang-term vectors (the
# test.t1 row, 27 binary-JSON documents and an 8.1 GTID event, assembled
# into a binlog here), and the GTIDs and start GTID sets of the references.
set -u
export PYTHONDONTWRITEBYTECODE=1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FIX=${BV_FIXTURES:-$ROOT/../shared/fixtures/binlog}
cd "$ROOT"
. tests/sh/lib.sh

PY=${PYTHON:-python3}
CHK=tests/oracle/fixtures_check.py
ORACLE=tests/oracle/bvread.py
ARCH=$BV_BIN/binvault-archiver
BV=$BV_BIN/binvault
W=$T_TMP/w
mkdir -p "$W" "$T_TMP/gunzipped"

# pycheck ARGS...: runs the helper; its "ok"/"not ok" lines count as checks here
pycheck() {
  local rc=0 line n=0
  "$PY" "$CHK" "$@" >"$T_TMP/py.out" 2>"$T_TMP/py.err" || rc=$?
  while IFS= read -r line; do
    case $line in
      "ok "*) _t_result 0 "${line#ok }"; n=$((n + 1)) ;;
      "not ok "*) _t_result 1 "${line#not ok }"; n=$((n + 1)) ;;
      "#"*) echo "$line" ;;
    esac
  done <"$T_TMP/py.out"
  if [ "$rc" -gt 1 ] || [ -s "$T_TMP/py.err" ]; then
    _t_result 1 "fixtures_check.py $1 runs to the end"
    sed 's/^/# /' "$T_TMP/py.err" | tail -20
  fi
}

if [ ! -d "$FIX" ] || [ ! -f "$FIX/MANIFEST.md" ]; then
  expect_eq "the fixtures directory exists ($FIX; set BV_FIXTURES)" "missing" "present"
  done_testing
  exit
fi
if [ ! -x "$ARCH" ] || [ ! -x "$BV" ]; then
  expect_eq "binvault-archiver and binvault are built in $BV_BIN" "missing" "present"
  done_testing
  exit
fi

"$PY" "$CHK" list "$FIX" >"$W/list"
nvalid=$(grep -c '^valid' "$W/list")
ndamaged=$(grep -c '^damaged' "$W/list")
ngz=$(grep -c '^gz' "$W/list")
expect_eq "78 binary binlogs among the fixtures (MANIFEST)" "$(wc -l <"$W/list" | tr -d ' ')" 78
expect_eq "every binary fixture is a binlog, a gzip-compressed one, or known damaged" \
  "$(grep -vc '^\(valid\|damaged\|gz\)' "$W/list")" 0
expect_eq "5 known-damaged or non-decodable files" "$ndamaged" 5
expect_eq "1 gzip-compressed binlog" "$ngz" 1
echo "# $nvalid valid, $ndamaged damaged, $ngz gzipped"

: >"$W/index"
while IFS=$'\t' read -r cls rel; do
  id=$(printf '%s' "$rel" | tr '/' '_')
  src=$FIX/$rel
  if [ "$cls" = gz ]; then
    # the raw .gz is refused: it is not a binlog (the Java test asserts the same)
    rc=0
    "$ARCH" --archive "$W/$id.rawgz" "$src" >/dev/null 2>"$W/$id.rawgz.err" || rc=$?
    expect_eq "$rel: the raw .gz is refused (exit 1)" "$rc" 1
    expect_match "$rel: the refusal says it is gzip-compressed" "$(cat "$W/$id.rawgz.err")" '[Gg]zip'
    expect_match "$rel: the refusal names the file and offset 0" "$(cat "$W/$id.rawgz.err")" \
      "$(basename "$rel").*offset 0"
    base=$(basename "$rel" .gz)
    gzip -dc "$src" >"$T_TMP/gunzipped/$base"
    src=$T_TMP/gunzipped/$base
  fi
  printf '%s\n' "$src" >"$W/$id.src"
  rc=0
  "$ARCH" --archive "$W/$id.a" "$src" >"$W/$id.out" 2>"$W/$id.err" || rc=$?
  if [ "$cls" != damaged ]; then
    expect_eq "$rel: imports (exit 0)" "$rc" 0
    [ "$rc" -eq 0 ] || sed 's/^/# /' "$W/$id.err" | grep -v 'has no column names' | head -5
  fi
  if [ -d "$W/$id.a" ]; then
    vrc=0
    "$BV" verify --quiet "$W/$id.a" >"$W/$id.verify" 2>&1 || vrc=$?
    expect_eq "$rel: binvault verify finds the archive clean" "$vrc" 0
    [ "$vrc" -eq 0 ] || sed 's/^/# /' "$W/$id.verify" | head -5
    "$BV" cat "$W/$id.a" >"$W/$id.cat" 2>/dev/null
    "$BV" ls --json "$W/$id.a" >"$W/$id.ls" 2>/dev/null
  else
    # nothing decodable before the damage may leave no archive at all
    [ "$cls" = damaged ] || expect_eq "$rel: an archive directory is written" "none" "$W/$id.a"
    : >"$W/$id.cat"
    : >"$W/$id.ls"
  fi
  case $rel in
    # the files whose checks read the archived schemas (names, flags, charsets)
    */binlog-invisible-columns.000001 | */minimal_row_metadata.000001 | */mariadb-bin.000001 | \
      */vector.binlog | */mysql-enum-string-set.000001 | msmp/binlog.000001 | */mysql-bin.sakila.gz)
      "$PY" "$ORACLE" --schemas "$W/$id.a" >"$W/$id.schemas" 2>"$W/$id.schemas.err" ||
        expect_eq "$rel: the oracle reader reads the archive" "failed: $(head -c 300 "$W/$id.schemas.err")" "ok"
      ;;
  esac
  printf '%s\t%s\t%s\t%s\n' "$cls" "$rel" "$id" "$rc" >>"$W/index"
done <"$W/list"

# msmp's Erlang-term vectors, assembled into a binlog of their own
if "$PY" "$CHK" synth "$FIX" "$W/synth-msmp.000001" "$W/synth.expect.json" 2>"$W/synth.err"; then
  rc=0
  "$ARCH" --archive "$W/synth.a" "$W/synth-msmp.000001" >/dev/null 2>>"$W/synth.err" || rc=$?
  echo "$rc" >"$W/synth.rc"
  "$BV" cat "$W/synth.a" >"$W/synth.cat" 2>/dev/null
  [ "$rc" -eq 0 ] || sed 's/^/# /' "$W/synth.err" | head -5
else
  expect_eq "msmp terms assemble into a binlog" "failed: $(head -c 300 "$W/synth.err")" "ok"
fi

pycheck check "$FIX" "$W"
done_testing
