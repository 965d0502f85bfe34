#!/usr/bin/env bash
# The binvault command line: help and usage errors, ls / ls --json / stat /
# cat agree with each other on a bv-gen archive, verify finds a flipped byte,
# cat's ranges select what filtering the full output selects, and the
# directory errors (missing, empty, foreign file).
set -u
. "$(dirname "$0")/lib.sh"
BV="$BV_BIN/binvault"
GEN="$BV_BIN/bv-gen"

# run CMD...: sets OUT, ERR and RC
run() {
  RC=0
  "$@" >"$T_TMP/out" 2>"$T_TMP/err" || RC=$?
  OUT=$(cat "$T_TMP/out")
  ERR=$(cat "$T_TMP/err")
}

# ------------------------------------------------------------ help and usage
ok "binvault --help exits 0" "$BV" --help
run "$BV" --help
expect_match "binvault --help lists the commands" "$OUT" 'ls DIR.*'
expect_match "binvault --help mentions verify, cat and stat" "$(echo "$OUT" | tr '\n' ' ')" 'verify .*cat .*stat '
for c in ls verify cat stat; do
  run "$BV" "$c" --help
  expect_eq "binvault $c --help exits 0" "$RC" 0
  expect_match "binvault $c --help prints its usage" "$OUT" "^usage: binvault $c"
done
fails "binvault with no command exits 2" 2 "$BV"
run "$BV" frobnicate /tmp
expect_eq "unknown command exits 2" "$RC" 2
expect_match "unknown command is named" "$ERR" "unknown command 'frobnicate'"
fails "ls without a directory exits 2" 2 "$BV" ls
fails "verify without a directory exits 2" 2 "$BV" verify
fails "cat without a directory exits 2" 2 "$BV" cat
fails "stat without a directory exits 2" 2 "$BV" stat
ok "bv-gen --help exits 0" "$GEN" --help

# ------------------------------------------------------------ an archive: 6+ sealed segments and an open one
A="$T_TMP/arch"
mkdir -p "$T_TMP"
run "$GEN" --archive "$A" --txns 400 --seed 3 --block-size 4096 --segment-size 20000 --ddl-every 50 --rotate-every 60000
expect_eq "bv-gen writes an archive" "$RC" 0
run "$GEN" --archive "$A" --txns 40 --seed 4 --block-size 4096
expect_eq "bv-gen continues it (leaving an open segment)" "$RC" 0
nseg=$(ls "$A" | grep -c '\.bvseg')
nsealed=$(ls "$A" | grep -c '\.bvseg$')
npart=$(ls "$A" | grep -c '\.bvseg\.part$')
expect_eq "the archive has one open segment" "$npart" 1
ok "the archive has at least 5 sealed segments ($nsealed)" test "$nsealed" -ge 5

run "$BV" ls "$A"
expect_eq "ls exits 0" "$RC" 0
LS=$OUT
expect_eq "ls prints one line per segment" "$(echo "$LS" | grep -c '\.bvseg')" "$nseg"
expect_eq "ls: every sealed segment is 'sealed'" "$(echo "$LS" | grep -c '\.bvseg  *sealed ')" "$nsealed"
expect_eq "ls: the .part is 'open'" "$(echo "$LS" | grep -c '\.bvseg\.part  *open ')" 1
# ls lists the files of the directory in order
expect_eq "ls names the segments in archive order" "$(echo "$LS" | grep '\.bvseg' | awk '{print $1}')" "$(ls "$A" | grep '\.bvseg')"
ls_events=$(echo "$LS" | grep '\.bvseg' | awk '{s += $7} END {print s}')

run "$BV" stat "$A"
expect_eq "stat exits 0" "$RC" 0
STAT=$OUT
stat_events=$(echo "$STAT" | awk '/^events:/ {print $2}')
expect_match "stat counts the segments" "$STAT" "segments: +$nseg \\($nsealed sealed, 1 open\\)"
expect_eq "ls event counts add up to stat's total" "$ls_events" "$stat_events"

run "$BV" cat "$A"
expect_eq "cat exits 0" "$RC" 0
cp "$T_TMP/out" "$T_TMP/all.jsonl"
expect_eq "cat prints stat's number of events" "$(wc -l <"$T_TMP/all.jsonl" | tr -d ' ')" "$stat_events"
ok "cat prints valid JSON lines" python3 -c '
import json, sys
for line in open(sys.argv[1]): json.loads(line)' "$T_TMP/all.jsonl"
# per type, stat agrees with cat
for t in begin insert update delete ddl commit rotate; do
  want=$(echo "$STAT" | awk -v t="$t" '$1 == t {print $2}')
  got=$(grep -c "^{\"type\":\"$t\"" "$T_TMP/all.jsonl")
  expect_eq "stat's $t count equals cat's" "$got" "$want"
done
expect_match "stat's end GTID set covers the 440 transactions" "$STAT" 'end GTIDs: +3e11fa47-71ca-11e1-9e33-c80aa9429562:1-440'

run "$BV" ls --json "$A"
expect_eq "ls --json exits 0" "$RC" 0
cp "$T_TMP/out" "$T_TMP/ls.jsonl"
run python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(len(rows), sum(r["events"] for r in rows), sum(r["state"] == "open" for r in rows),
      all(r["seq"] == i for i, r in enumerate(rows)),
      all(rows[i]["end"] == rows[i + 1]["start"] and rows[i]["end_gtid"] == rows[i + 1]["start_gtid"] for i in range(len(rows) - 1)))
' "$T_TMP/ls.jsonl"
expect_eq "ls --json parses: segments, events, open segments, sequence, continuity" "$OUT" "$nseg $stat_events 1 True True"

run "$BV" cat "$A" --limit 7
expect_eq "cat --limit 7 prints 7 lines" "$(echo "$OUT" | wc -l | tr -d ' ')" 7
expect_eq "cat --limit 7 prints the first 7 events" "$OUT" "$(head -7 "$T_TMP/all.jsonl")"

# ------------------------------------------------------------ verify
run "$BV" verify "$A"
expect_eq "verify of a clean archive exits 0" "$RC" 0
expect_match "verify says clean" "$OUT" ": $nseg segments, [0-9]+ blocks, $stat_events events, [0-9]+ bytes: clean"
run "$BV" verify --quiet "$A"
expect_eq "verify --quiet of a clean archive exits 0" "$RC" 0

SEG2=$(ls "$A" | grep '\.bvseg$' | sed -n 2p)
SEG3=$(ls "$A" | grep '\.bvseg$' | sed -n 3p)
size2=$(stat -c %s "$A/$SEG2")
pos=$((size2 / 2))
flip() { # file pos : xor the byte at pos with 0x20
  python3 -c '
import sys
p, pos = sys.argv[1], int(sys.argv[2])
with open(p, "r+b") as f:
    f.seek(pos); b = f.read(1); f.seek(pos); f.write(bytes([b[0] ^ 0x20]))' "$1" "$2"
}
cp "$A/$SEG2" "$T_TMP/seg2.orig"
flip "$A/$SEG2" "$pos"
run "$BV" verify "$A"
expect_eq "verify after a flipped byte exits 1" "$RC" 1
expect_match "verify names the damaged segment and an offset" "$OUT" "$SEG2: offset [0-9]+: "
expect_match "verify counts the problem" "$OUT" ': [0-9]+ problems?$'
ok "verify does not blame the other segments" bash -c "! grep -q '$SEG3' '$T_TMP/out'"
run "$BV" verify "$A" "$SEG2"
expect_eq "verify DIR SEG of the damaged segment exits 1" "$RC" 1
expect_match "verify DIR SEG names it" "$OUT" "$SEG2: offset [0-9]+: "
run "$BV" verify "$A" "$SEG3"
expect_eq "verify DIR SEG of an undamaged segment exits 0" "$RC" 0
expect_match "verify DIR SEG checks one segment" "$OUT" ': 1 segments, .*: clean'
run "$BV" cat "$A"
expect_eq "cat over the damaged segment exits 1" "$RC" 1
expect_match "cat names the damaged segment" "$ERR" "$SEG2"
ok "cat printed only undamaged events before failing" bash -c "cmp -s <(head -c \$(stat -c %s '$T_TMP/out') '$T_TMP/all.jsonl') '$T_TMP/out'"
cp "$T_TMP/seg2.orig" "$A/$SEG2"
ok "verify is clean again after restoring the byte" "$BV" verify "$A"

# ------------------------------------------------------------ cat ranges against filtering the full output
# One python run picks positions and times from the full output and writes,
# for each range, the lines the documented rules select (cases.tsv, want.N).
python3 - "$T_TMP" <<'EOF'
import json, sys, datetime
tmp = sys.argv[1]
lines = open(tmp + "/all.jsonl").read().splitlines()
ev = [json.loads(l) for l in lines]
def ts(s):  # ISO-8601 with optional fraction, or @seconds -> microseconds
    if s.startswith("@"):
        return int(s[1:]) * 1000000
    d = datetime.datetime.fromisoformat(s.rstrip("Z")).replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp()) * 1000000 + d.microsecond
def select(frm, to, since, until):
    k, end = 0, len(ev)
    if frm != "-":
        f, o = frm.rsplit(":", 1)
        idx = [i for i, e in enumerate(ev) if e["file"] == f]
        ge = [i for i in idx if ev[i]["offset"] >= int(o)]
        k = ge[0] if ge else idx[-1] + 1
    if to != "-":
        f, o = to.rsplit(":", 1)
        seen = False
        for i, e in enumerate(ev):
            inf = e["file"] == f
            if i >= k and ((inf and e["offset"] >= int(o)) or (not inf and seen)):
                end = i
                break
            seen = seen or inf
    return [lines[i] for i in range(k, end)
            if (since == "-" or ts(ev[i]["ts"]) >= ts(since)) and (until == "-" or ts(ev[i]["ts"]) < ts(until))]
def at(i):
    return ev[i]["file"], ev[i]["offset"], ev[i]["ts"]
cases = []
n = len(ev)
for frac in (1, 3, 5, 7, 9):
    i = n * frac // 10
    f, o, t = at(i)
    cases += [("--from at event %d" % i, "%s:%d" % (f, o), "-", "-", "-"),
              ("--from just after event %d" % i, "%s:%d" % (f, o + 1), "-", "-", "-"),
              ("--to at event %d (exclusive)" % i, "-", "%s:%d" % (f, o), "-", "-"),
              ("--since event %d's time (inclusive)" % i, "-", "-", t, "-"),
              ("--until event %d's time (exclusive)" % i, "-", "-", "-", t)]
f1, o1, t1 = at(n // 5)
f2, o2, t2 = at(n * 3 // 5)
p1, p2 = "%s:%d" % (f1, o1), "%s:%d" % (f2, o2)
cases += [("--from/--to across binlog files", p1, p2, "-", "-"),
          ("--since/--until", "-", "-", t1, t2),
          ("--from with --until", p1, "-", "-", t2),
          ("--to with --since", "-", p2, t1, "-"),
          ("all four", p1, p2, t1, t2),
          ("--to before --from: nothing", p2, p1, "-", "-"),
          ("--since as @seconds", "-", "-", "@1767225601", "-"),
          ("--until as whole seconds", "-", "-", "-", "2026-01-01T00:00:01Z")]
with open(tmp + "/cases.tsv", "w") as out:
    for k, c in enumerate(cases):
        want = select(*c[1:])
        open("%s/want.%d" % (tmp, k), "w").write("".join(l + "\n" for l in want))
        out.write("\t".join(c) + "\n")
EOF
k=0
while IFS=$'\t' read -r label frm to since until; do
  args=()
  [ "$frm" = - ] || args+=(--from "$frm")
  [ "$to" = - ] || args+=(--to "$to")
  [ "$since" = - ] || args+=(--since "$since")
  [ "$until" = - ] || args+=(--until "$until")
  run "$BV" cat "$A" "${args[@]}"
  n=$(wc -l <"$T_TMP/want.$k" | tr -d ' ')
  if [ "$RC" -eq 0 ] && cmp -s "$T_TMP/out" "$T_TMP/want.$k"; then
    _t_result 0 "cat ${args[*]}: $label ($n events)"
  else
    _t_result 1 "cat ${args[*]}: $label"
    echo "# exit $RC, $(wc -l <"$T_TMP/out" | tr -d ' ') lines, want $n: $(echo "$ERR" | head -c 200)"
  fi
  k=$((k + 1))
done <"$T_TMP/cases.tsv"
ok "cat range cases were run ($k)" test "$k" -ge 30
run "$BV" cat "$A" --from "mysql-bin.999999:4"
expect_eq "cat --from a file not in the archive exits 1" "$RC" 1
expect_match "and says the position is not in the archive" "$ERR" 'mysql-bin.999999:4 is not in the archive'

# ------------------------------------------------------------ bad option values
run "$BV" cat "$A" --from nocolon
expect_eq "cat --from without :POS exits 2" "$RC" 2
expect_match "the message names --from" "$ERR" "--from 'nocolon'"
run "$BV" cat "$A" --from "mysql-bin.000001:12x"
expect_eq "cat --from FILE:12x exits 2" "$RC" 2
expect_match "the message names --from" "$ERR" '--from'
run "$BV" cat "$A" --to ":5"
expect_eq "cat --to without a file exits 2" "$RC" 2
expect_match "the message names --to" "$ERR" '--to'
run "$BV" cat "$A" --since yesterday
expect_eq "cat --since yesterday exits 2" "$RC" 2
expect_match "the message names --since" "$ERR" '--since'
run "$BV" cat "$A" --until 2026-13-01
expect_eq "cat --until with month 13 exits 2" "$RC" 2
expect_match "the message names --until" "$ERR" '--until'
run "$BV" cat "$A" --limit -1
expect_eq "cat --limit -1 exits 2" "$RC" 2
expect_match "the message names --limit" "$ERR" '--limit'
fails "cat with an unknown option exits 2" 2 "$BV" cat "$A" --bogus

# ------------------------------------------------------------ missing, empty and foreign directories
M="$T_TMP/no-such-archive"
for c in ls verify cat stat; do
  run "$BV" "$c" "$M"
  expect_eq "$c on a missing directory exits 1" "$RC" 1
  expect_match "$c names the missing directory" "$ERR" "$M"
done
E="$T_TMP/empty"
mkdir "$E"
run "$BV" verify "$E"
expect_eq "verify of an empty directory exits 0" "$RC" 0
expect_match "verify says 0 segments" "$OUT" ': 0 segments, 0 blocks, 0 events, 0 bytes: clean'
run "$BV" ls "$E"
expect_eq "ls of an empty directory exits 0" "$RC" 0
expect_match "ls says there are no segments" "$OUT" 'no segments'
run "$BV" cat "$E"
expect_eq "cat of an empty directory exits 0 with no output" "$RC:$OUT" "0:"

F="$T_TMP/foreign"
mkdir "$F"
cp "$A"/*.bvseg "$F"/
echo hello >"$F/README.txt"
run "$BV" ls "$F"
expect_eq "ls with a foreign file exits 1" "$RC" 1
expect_match "ls names the foreign file" "$ERR" 'README.txt'
run "$BV" verify "$F"
expect_eq "verify with a foreign file exits 1" "$RC" 1
expect_match "verify names the foreign file" "$OUT$ERR" 'README.txt'
run "$BV" cat "$F"
expect_eq "cat with a foreign file exits 1" "$RC" 1
expect_match "cat names the foreign file" "$ERR" 'README.txt'
rm "$F/README.txt"
ok "without it the copy of the sealed segments verifies clean" "$BV" verify "$F"

done_testing
