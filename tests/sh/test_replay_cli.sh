#!/usr/bin/env bash
# binvault-replayer without Kafka: JSON-lines output, ranges, filters,
# checkpoint files, and bad input (each must fail with a clear message and
# a non-zero exit): unknown filter syntax, bad ranges, a range outside the
# archive, unreachable brokers, an unknown topic placeholder, a corrupt
# segment in the range (nothing after the damage is published).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. tests/sh/lib.sh
RP=$BV_BIN/binvault-replayer
BV=$BV_BIN/binvault
A=$T_TMP/a
"$BV_BIN/bv-gen" --archive "$A" --txns 3000 --segment-size 65536 --block-size 16384 --rotate-every 400000 >/dev/null
nseg=$(ls "$A" | grep -c '\.bvseg$')
ok "a synthetic archive of $nseg sealed segments" test "$nseg" -ge 3
"$BV" cat "$A" >"$T_TMP/cat.jsonl"
rows=$(grep -c '"type":"\(insert\|update\|delete\)"' "$T_TMP/cat.jsonl")

run() { OUT=$("$@" 2>&1); RC=$?; }

# the whole archive to a file: one line per row event, valid JSON, archive order
run "$RP" --archive "$A" --output "$T_TMP/all.jsonl" --quiet
expect_eq "replay to a file exits 0" "$RC" 0
expect_eq "one message per archived row event" "$(wc -l <"$T_TMP/all.jsonl")" "$rows"
ok "every line is JSON with database, table, type, ts, data" python3 -c '
import json, sys
for l in open(sys.argv[1]):
    m = json.loads(l)
    assert list(m)[:4] == ["database", "table", "type", "ts"] and "data" in m, l
' "$T_TMP/all.jsonl"

# ranges: FILE:POS, time, gtid
f2=$(grep '"type":"begin"' "$T_TMP/cat.jsonl" | sed -n 500p | python3 -c 'import json,sys; e=json.loads(sys.stdin.read()); print("%s:%d %s %s" % (e["file"], e["offset"], e["gtid"], e["ts"]))')
read -r pos gtid ts <<<"$f2"
run "$RP" --archive "$A" --from "$pos" --output "$T_TMP/from.jsonl" --quiet
want=$(python3 - "$T_TMP/cat.jsonl" "$pos" <<'PY'
import json, sys
f, o = sys.argv[2].rsplit(":", 1)
evs = [json.loads(l) for l in open(sys.argv[1])]
i = next(i for i, e in enumerate(evs) if e["file"] == f and e["offset"] >= int(o))
print(sum(1 for e in evs[i:] if e["type"] in ("insert", "update", "delete")))
PY
)
expect_eq "--from FILE:POS publishes the rows from there ($pos)" "$(wc -l <"$T_TMP/from.jsonl")" "$want"
last=${gtid##*:}
uuid=${gtid%:*}
run "$RP" --archive "$A" --to "gtid:$uuid:1-$last" --output "$T_TMP/to.jsonl" --quiet
before=$(python3 - "$T_TMP/cat.jsonl" "$pos" <<'PY'
import json, sys
f, o = sys.argv[2].rsplit(":", 1)
evs = [json.loads(l) for l in open(sys.argv[1])]
i = next(i for i, e in enumerate(evs) if e["file"] == f and e["offset"] >= int(o))
# up to and including the transaction that begins at pos
j = next(k for k in range(i, len(evs)) if evs[k]["type"] == "commit")
print(sum(1 for e in evs[:j] if e["type"] in ("insert", "update", "delete")))
PY
)
expect_eq "--to gtid:SET publishes up to the last transaction in SET" "$(wc -l <"$T_TMP/to.jsonl")" "$before"
run "$RP" --archive "$A" --from "gtid:$uuid:1-$((last - 1))" --output "$T_TMP/fromg.jsonl" --quiet
expect_eq "--from gtid:SET starts at the first transaction not in SET" "$(wc -l <"$T_TMP/fromg.jsonl")" "$want"

# filters
"$RP" --archive "$A" --output "$T_TMP/filt.jsonl" --quiet --filter 'exclude: *.*, include: shop.orders'
tables=$(python3 -c 'import json,sys; print(" ".join(sorted({json.loads(l)["table"] for l in sys.stdin if l.strip()})))' <"$T_TMP/filt.jsonl")
expect_eq "--filter keeps only the included table" "$tables" "orders"
"$RP" --archive "$A" --output "$T_TMP/excl.jsonl" --quiet --exclude-columns 'email,/na.*/'
ok "--exclude-columns removes the columns from data and old" python3 -c '
import json, re, sys
n = 0
for l in open(sys.argv[1]):
    m = json.loads(l)
    for img in (m["data"], m.get("old", {})):
        assert not [c for c in img if c == "email" or re.fullmatch("na.*", c)], l
    n += 1
assert n > 0
' "$T_TMP/excl.jsonl"

# checkpoint: a second run publishes nothing more
rm -f "$T_TMP/ck"
"$RP" --archive "$A" --output "$T_TMP/ck.jsonl" --checkpoint "$T_TMP/ck" --quiet
run "$RP" --archive "$A" --output "$T_TMP/ck.jsonl" --checkpoint "$T_TMP/ck"
expect_eq "a rerun with the checkpoint exits 0" "$RC" 0
expect_eq "and publishes nothing twice" "$(wc -l <"$T_TMP/ck.jsonl")" "$rows"
expect_match "it says where it resumes" "$OUT" "resuming after"
# a damaged checkpoint is refused, never taken as "start from the beginning"
for bad in 'garbage' '{"file":"mysql-bin.000001","offset":x}' '{"file":"","offset":4}'; do
  printf '%s\n' "$bad" >"$T_TMP/ckbad"
  run "$RP" --archive "$A" --output "$T_TMP/ckbad.jsonl" --checkpoint "$T_TMP/ckbad"
  expect_eq "a checkpoint holding '$bad' is refused (exit 1)" "$RC" 1
  expect_match "... naming the file and what is wrong" "$OUT" "ckbad: (not a binvault-replayer position|bad offset|bad file name)"
  ok "... and nothing was published" test ! -s "$T_TMP/ckbad.jsonl"
done

# bad input
run "$RP" --archive "$A" --output stdout --filter 'include shop.orders'
expect_eq "a filter rule without ':' exits 2" "$RC" 2
expect_match "and names the rule" "$OUT" "include shop.orders"
run "$RP" --archive "$A" --output stdout --filter 'permit: a.b'
expect_eq "an unknown filter keyword exits 2" "$RC" 2
run "$RP" --archive "$A" --output stdout --from 'mysql-bin.000001:abc'
expect_eq "a bad --from exits 2" "$RC" 2
expect_match "and says what is expected" "$OUT" "FILE:POS, gtid:SET or a UTC time"
run "$RP" --archive "$A" --output stdout --from 'gtid:not-a-gtid'
expect_eq "a bad GTID set exits 2" "$RC" 2
run "$RP" --archive "$A" --output stdout --from 'mysql-bin.999999:4' --quiet
expect_eq "a range outside the archive exits 1" "$RC" 1
expect_match "and says so" "$OUT" "not in the archive"
run "$RP" --archive "$A" --output stdout --topic 'cdc.%{db}'
expect_eq "an unknown topic placeholder exits 2" "$RC" 2
expect_match "and names it" "$OUT" "unknown placeholder"
run "$RP" --archive "$A" --brokers 127.0.0.1:1 --connect-timeout 2 --quiet
expect_eq "unreachable brokers: exit 1" "$RC" 1
expect_match "the message says the brokers do not answer" "$OUT" "do not answer"
run "$RP" --archive "$A" --output stdout --partition-by shoe
expect_eq "an unknown --partition-by exits 2" "$RC" 2
run "$RP" --archive "$T_TMP/nowhere" --output stdout
expect_eq "a missing archive exits 1" "$RC" 1

# a corrupt segment in the range: exit 1 naming it; nothing after the damage
SEG2=$(ls "$A" | grep '\.bvseg$' | sed -n 2p)
python3 - "$A/$SEG2" <<'PY'
import sys
p = sys.argv[1]
with open(p, "r+b") as f:
    data = f.read()
    pos = data.find(b"BVBK", 200) + 40   # inside the first block's payload
    f.seek(pos); b = f.read(1); f.seek(pos); f.write(bytes([b[0] ^ 0x20]))
PY
run "$RP" --archive "$A" --output "$T_TMP/bad.jsonl" --quiet
expect_eq "a corrupt segment in the range: exit 1" "$RC" 1
expect_match "the message names the segment and an offset" "$OUT" "$SEG2.*offset [0-9]+"
first2=$(python3 -c 'import sys; n=sys.argv[1]; print(n.split("-",1)[1].rsplit("-",1)[0] + ":" + str(int(n.rsplit("-",1)[1].split(".")[0])))' "$SEG2")
ok "nothing from the damaged segment or after it was published" python3 - "$T_TMP/all.jsonl" "$T_TMP/bad.jsonl" <<'PY'
import sys
allm = open(sys.argv[1]).read().splitlines()
bad = open(sys.argv[2]).read().splitlines()
# the output is a prefix of the full replay, shorter than it
assert len(bad) < len(allm) and allm[:len(bad)] == bad, (len(bad), len(allm))
PY
done_testing
