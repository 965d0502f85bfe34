#!/usr/bin/env bash
# Sum the "N passed, N failed" lines of every test program in a results
# file and print the total as the last line. Exit 1 if anything failed or no
# test ran.
set -euo pipefail
f=${1:?results file}
read -r p q < <(awk '/^[0-9]+ passed, [0-9]+ failed$/ {p += $1; q += $3} END {print p+0, q+0}' "$f")
echo
echo "make test: all passes combined"
echo "$p passed, $q failed"
[ "$q" -eq 0 ] && [ "$p" -gt 0 ]
