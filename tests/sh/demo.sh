#!/usr/bin/env bash
# make demo: what the project does so far, end to end on local defaults.
# 1. Writes a synthetic CDC stream into an archive, simulates a crash that
#    tears the open segment, lets the writer recover it, and shows ls /
#    verify / cat / stat.
# 2. Starts a private MariaDB (binlog_format=ROW, row metadata FULL), runs a
#    small workload with a DDL between writes, imports its binlog files with
#    binvault-archiver and prints the archived row events.
#    (Live capture as a replica is issue #4; DEMO_SKIP_MARIADB=1 skips this.)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BV_BIN:-bin}
DIR=${DEMO_DIR:-demo-archive}
rm -rf "$DIR"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "write 20000 synthetic transactions (segments sealed every 512 KiB)"
"$BIN/bv-gen" --archive "$DIR" --txns 20000 --segment-size 524288 --ddl-every 7000 --rotate-every 3000000

step "crash: append 300 more without flushing the last block, then tear the open segment's tail"
"$BIN/bv-gen" --archive "$DIR" --txns 300 --block-size 16384 --no-close
part=$(ls "$DIR"/*.part)
size=$(stat -c %s "$part")
truncate -s $((size - 100)) "$part"
echo "truncated $(basename "$part") from $size to $((size - 100)) bytes"

step "binvault verify (the torn tail is reported as a note, not corruption)"
"$BIN/binvault" verify "$DIR" || true

step "reopen the writer: recovery cuts back to the last complete transaction, then 100 more"
"$BIN/bv-gen" --archive "$DIR" --txns 100

step "binvault ls"
"$BIN/binvault" ls "$DIR"

step "binvault verify"
"$BIN/binvault" verify "$DIR"

step "binvault cat --limit 4"
"$BIN/binvault" cat "$DIR" --limit 4

step "binvault stat"
"$BIN/binvault" stat "$DIR"

if [ -z "${DEMO_SKIP_MARIADB:-}" ]; then
  . tests/sh/mariadb_lib.sh
  MDIR=$(mktemp -d "${TMPDIR:-/tmp}/bvdemo.XXXXXX")
  trap 'mdb_stop; rm -rf "$MDIR"' EXIT
  step "a private MariaDB with --binlog-format=ROW --binlog-row-metadata=FULL, and a small workload"
  mdb_start "$MDIR/m"
  "${MDB_SQL[@]}" -e "RESET MASTER"
  "${MDB_SQL[@]}" <<'SQL'
CREATE DATABASE shop;
CREATE TABLE shop.orders (id INT PRIMARY KEY, customer VARCHAR(40), amount DECIMAL(10,2), placed DATETIME(3), tags SET('gift','express'), doc JSON) DEFAULT CHARSET=utf8mb4;
INSERT INTO shop.orders VALUES (1, 'Zoë', 19.99, '2026-11-26 10:00:00.125', 'gift', '{"items": 2}'), (2, 'Ada', 5.00, '2026-11-26 10:05:00', '', NULL);
BEGIN; UPDATE shop.orders SET amount = amount * 2 WHERE id = 1; DELETE FROM shop.orders WHERE id = 2; COMMIT;
ALTER TABLE shop.orders ADD COLUMN note TEXT;
INSERT INTO shop.orders VALUES (3, 'Linus', -0.50, NOW(3), 'express,gift', '[1, 2.5, "x"]', 'after the ALTER');
FLUSH BINARY LOGS;
SQL
  mapfile -t FILES < <(mdb_binlogs)
  step "binvault-archiver --archive $DIR.mariadb ${FILES[*]##*/}"
  rm -rf "$DIR.mariadb"
  "$BIN/binvault-archiver" --archive "$DIR.mariadb" "${FILES[@]}"
  step "binvault cat $DIR.mariadb (row events)"
  "$BIN/binvault" cat "$DIR.mariadb" | grep -E '"type":"(insert|update|delete|ddl)"'
  "$BIN/binvault" verify "$DIR.mariadb"
fi
echo
echo "demo archives left in $DIR and $DIR.mariadb"
