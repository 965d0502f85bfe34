#!/usr/bin/env bash
# make demo: what the project does so far, end to end on local defaults.
# Writes a synthetic CDC stream into an archive, simulates a crash that tears
# the open segment, lets the writer recover it, and shows ls / verify / cat /
# stat. (The live archiver arrives with the binlog decoder; the demo will then
# start a private MariaDB instead of the synthetic stream.)
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
echo
echo "demo archive left in $DIR"
