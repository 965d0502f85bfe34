#!/usr/bin/env bash
# Archive faults against archives made by the real command-line tools:
#
#  1. corrupt-sealed-segment: CORRUPT_TRIALS times (default 150; make chaos
#     runs 1000), one random byte of a random sealed segment of a bv-gen
#     archive (MySQL GTIDs, DDL, rotations; 4 sealed segments of ~200 kB)
#     is xor-ed with a random nonzero value (one trial in 8 aims at the
#     header, footer or trailer, ~1% of the bytes). `binvault verify` must
#     exit 1 naming that segment (and no other) and the damaged structure
#     (an offset inside the damaged header / block / footer / trailer, or
#     for the header the word header/magic); `binvault-replayer --output ...
#     --quiet` must exit non-zero naming the same, and what it wrote before
#     failing must be a whole-line prefix of the clean archive's replay that
#     ends at a transaction's last row and holds no row of the damaged block
#     or of anything after it.
#  2. truncate-last-block: the newest segment of a bv-gen --no-close archive
#     (MariaDB GTIDs, DDL, rotations; a crash: an open .part whose last
#     blocks end inside a transaction) is truncated at every byte offset of
#     its last block. Before recovery `binvault verify` must exit 0 and
#     report exactly the torn bytes; the recovery a writer performs on open
#     (bv-gen --txns 0: bv_writer_open + close, as binvault-archiver does)
#     must report the bytes and events it cut; afterwards the archive must
#     verify clean with no torn tail and `binvault cat` must equal the
#     untruncated archive's cat up to the last transaction boundary inside
#     the complete blocks that were kept, with no torn transaction.
#
# Last lines before the count (for make chaos's table):
#   # fault-table corrupt-sealed-segment TRIALS EVENTS LOST DUPLICATED DETECTED
#   # fault-table truncate-last-block TRIALS EVENTS LOST DUPLICATED DETECTED
# corrupt: EVENTS = events in the archive, LOST/DUPLICATED = replayed rows
# silently lost / published twice, DETECTED = trials refused by both verify
# and the replayer. truncate: EVENTS = events in the untruncated archive,
# LOST/DUPLICATED = complete transactions in the kept bytes missing from /
# repeated in the recovered archive, DETECTED = truncated copies whose
# recovery cut a torn tail (torn bytes and/or the torn transaction).
#
# Environment: CORRUPT_TRIALS (150), CORRUPT_SEED (random, printed),
# FAULT_JOBS (2 parallel workers), REPLAY_FILE_TRIALS (2: that many corrupt
# trials replay with --output FILE, which fsyncs; the others with --output
# stdout into a file, same sink without the fsync, ~50x faster on disk).
set -u
. "$(dirname "$0")/lib.sh"
BV="$BV_BIN/binvault"
GEN="$BV_BIN/bv-gen"
REP="$BV_BIN/binvault-replayer"
TRIALS=${CORRUPT_TRIALS:-150}
SEED=${CORRUPT_SEED:-$(((RANDOM << 15 | RANDOM) % 1000000))}
JOBS=${FAULT_JOBS:-2}
FILE_TRIALS=${REPLAY_FILE_TRIALS:-2}
TO="timeout 60"
echo "# CORRUPT_TRIALS=$TRIALS CORRUPT_SEED=$SEED FAULT_JOBS=$JOBS (CORRUPT_SEED=$SEED repeats this run)"

# ------------------------------------------------------------ helpers
# The segment layout, read from FORMAT.md's rules (independently of the C
# code): per segment its header length, footer and trailer offsets, and per
# block its byte range, flags, events and row events (INSERT+UPDATE+DELETE,
# one replayed line each).
cat >"$T_TMP/h.py" <<'EOF'
import os, random, struct, sys

def varint(b, i):
    v = s = 0
    while True:
        c = b[i]; i += 1
        v |= (c & 0x7F) << s; s += 7
        if not c & 0x80:
            return v, i

def meta(b, i):
    f = []
    for _ in range(6):
        v, i = varint(b, i); f.append(v)
    flags, events = f[0], f[1]
    n, i = varint(b, i); i += n          # first_file
    _, i = varint(b, i); _, i = varint(b, i)
    n, i = varint(b, i); i += n          # last_file
    _, i = varint(b, i); _, i = varint(b, i)
    counts = []
    for _ in range(8):
        v, i = varint(b, i); counts.append(v)
    return flags, events, counts[1] + counts[2] + counts[3]

def layout(path):
    b = open(path, "rb").read()
    body_len = struct.unpack_from("<I", b, 12)[0]
    hlen = 16 + body_len + 8
    sealed = not path.endswith(".part")
    stop = len(b)
    if sealed:
        stop = struct.unpack_from("<Q", b, len(b) - 40)[0]
    at, blocks = hlen, []
    while at + 16 <= stop and b[at:at + 4] == b"BVBK":
        meta_len = struct.unpack_from("<H", b, at + 6)[0]
        plen = struct.unpack_from("<I", b, at + 8)[0]
        ln = 16 + meta_len + plen + 8
        if at + ln > stop:
            break
        blocks.append((at, at + ln) + meta(b, at + 16))
        at += ln
    if sealed and at != stop:
        sys.exit("%s: blocks do not tile [hlen, footer_off)" % path)
    return len(b), hlen, (stop if sealed else None), blocks

def segs(d):
    return sorted(n for n in os.listdir(d) if ".bvseg" in n and not n.endswith(".tmp"))

cmd = sys.argv[1]
if cmd == "corrupt-trials":           # DIR TRIALS SEED OUT -> rows in the archive
    d, trials, seed, out = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    names = segs(d)
    lay = {n: layout(os.path.join(d, n)) for n in names}
    rows_before, tot = {}, 0
    for n in names:
        rows_before[n] = tot
        tot += sum(x[4] for x in lay[n][3])
    sealed = [n for n in names if n.endswith(".bvseg")]
    rnd = random.Random(seed)
    with open(out, "w") as f:
        for i in range(trials):
            n = rnd.choice(sealed)
            size, hlen, foff, blocks = lay[n]
            if i % 8 == 7:  # one trial in 8 hits the header, the footer or the trailer in turn (~1% of the bytes)
                lo, hi = [(0, hlen), (foff, size - 40), (size - 40, size)][(i // 8) % 3]
                off = rnd.randrange(lo, hi)
            else:
                off = rnd.randrange(size)
            xor = rnd.randrange(1, 256)
            after = rows_before[n] + sum(x[4] for x in blocks)
            if off < hlen:
                what, lo, hi, key, bound = "header", 0, hlen, "header|magic", rows_before[n]
            elif off < foff:
                k = next(k for k, x in enumerate(blocks) if x[0] <= off < x[1])
                lo, hi = blocks[k][0], blocks[k][1]
                what, key = "block-%d" % k, "block %d( |:|$)" % k
                bound = rows_before[n] + sum(x[4] for x in blocks[:k])
            elif off < size - 40:
                what, lo, hi, key, bound = "footer", foff, size - 40, "footer", after
            else:
                what, lo, hi, key, bound = "trailer", size - 40, size, "trailer", after
            f.write("%d %s %d %d %s %d %d %d %s\n" % (i, n, off, xor, what, lo, hi, bound, key))
    print(tot)
elif cmd == "part-blocks":            # PART -> "start end flags events" per block
    size, hlen, _, blocks = layout(sys.argv[2])
    print("size", size, "hlen", hlen)
    for x in blocks:
        print(*x[:4])
elif cmd == "expected":               # CAT N OUT: first N lines cut to the last transaction boundary
    lines = open(sys.argv[2]).read().splitlines(True)[: int(sys.argv[3])]
    keep, in_txn = 0, False
    for i, l in enumerate(lines):
        t = l.split('"', 4)[3]
        if t == "begin":
            in_txn = True
        elif t == "commit":
            in_txn = False
        if not in_txn and t in ("commit", "rotate", "note"):
            keep = i + 1
    open(sys.argv[4], "w").write("".join(lines[:keep]))
    print(keep)
elif cmd == "count":                  # GOT WANT EXITED_OK UNIT -> "lost dup altered"
    got = open(sys.argv[2]).read().splitlines()
    want = open(sys.argv[3]).read().splitlines()
    exited_ok, unit = sys.argv[4] == "1", sys.argv[5]
    if unit == "txn":   # transactions by their commit lines
        got = [l for l in got if l.startswith('{"type":"commit"')]
        want = [l for l in want if l.startswith('{"type":"commit"')]
    from collections import Counter
    cg, cw = Counter(got), Counter(want)
    dup = sum(max(0, c - cw[l]) for l, c in cg.items() if l in cw)
    altered = sum(c for l, c in cg.items() if l not in cw)
    # lost: wanted lines before the last one that was published (all of
    # them when the tool claimed success) that were not published
    idx = {}
    for k, l in enumerate(want):
        idx.setdefault(l, k)
    last = max([idx[l] for l in got if l in idx], default=-1)
    span = want if exited_ok else want[: last + 1]
    lost = sum(max(0, c - cg[l]) for l, c in Counter(span).items())
    print(lost, dup, altered)
EOF
py() { python3 "$T_TMP/h.py" "$@"; }
# slurp FILE: its text in S, without a process
slurp() { S=; IFS= read -r -d '' S <"$1" || true; }
not() { ! "$@"; }

# flip FILE OFFSET XOR: xor one byte in place
flip() {
  local b
  b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "\\x$(printf %02x $((b ^ $3)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
# where_ok FILE SEG LO HI KEYRE: some line of FILE names SEG and an offset in
# [LO, HI); for the header (KEYRE header|magic) naming the header also does,
# since a damaged length field moves the offset the reader reports
where_ok() {
  local l n rest
  while IFS= read -r l; do
    [[ $l == *"$2"* ]] || continue
    if [ "$5" = "header|magic" ] && [[ $l =~ $5 ]]; then return 0; fi
    rest=$l
    while [[ $rest =~ offset\ ([0-9]+)(.*) ]]; do
      n=${BASH_REMATCH[1]}
      rest=${BASH_REMATCH[2]}
      if ((n >= $3 && n < $4)); then return 0; fi
    done
  done <"$1"
  return 1
}
# only_seg TEXT SEG: every segment file name in TEXT is SEG
only_seg() {
  local rest=$1 re='[0-9]{10}-[A-Za-z0-9._%-]+-[0-9]{12}\.bvseg(\.part)?'
  while [[ $rest =~ $re ]]; do
    [ "${BASH_REMATCH[0]}" = "$2" ] || return 1
    rest=${rest#*"${BASH_REMATCH[0]}"}
  done
}
# prefix_of_ref OUT: OUT is whole lines and a byte prefix of the reference
# replay $REF (REF_LINE_AT[bytes] = lines for each of its whole-line
# prefixes); PLINES = its lines, -1 when its size is no line end of $REF
prefix_of_ref() {
  local size
  size=$(stat -c %s "$1")
  PLINES=${REF_LINE_AT[$size]:--1}
  ((PLINES >= 0)) && cmp -s -n "$size" "$1" "$REF"
}
# torn_free CAT: every BEGIN has its COMMIT, no row outside a transaction
torn_free() {
  awk -F'"' '{ t = $4
    if (t == "begin") { if (o) exit 1; o = 1 }
    else if (t == "commit") { if (!o) exit 1; o = 0 }
    else if (t == "insert" || t == "update" || t == "delete" || t == "ddl") { if (!o) exit 1 }
    else if (t == "rotate") { if (o) exit 1 }
  } END { exit o }' "$1"
}

# ============================================================ 1. corrupt a sealed segment
A="$T_TMP/corrupt"
"$GEN" --archive "$A" --txns 3000 --segment-size 200000 --block-size 16384 --seed 11 --ddl-every 97 --rotate-every 1000000 \
  >"$T_TMP/gen.out" 2>&1
expect_eq "bv-gen writes the archive to corrupt" "$?" 0
SEALED=($(cd "$A" && ls | grep '\.bvseg$'))
ok "it has at least 3 sealed segments (${#SEALED[@]})" test "${#SEALED[@]}" -ge 3
"$BV" verify "$A" >"$T_TMP/v.out" 2>&1
expect_eq "the clean archive verifies clean" "$?" 0
"$BV" cat "$A" >"$T_TMP/cat.ref" 2>"$T_TMP/cat.err"
expect_eq "binvault cat of the clean archive exits 0" "$?" 0
C_EVENTS=$(wc -l <"$T_TMP/cat.ref" | tr -d ' ')
REF="$T_TMP/replay.ref"
$TO "$REP" --archive "$A" --output "$REF" --quiet 2>"$T_TMP/rep.err"
expect_eq "the replayer replays the clean archive with --output FILE" "$?" 0
$TO "$REP" --archive "$A" --output stdout --quiet >"$T_TMP/replay.stdout" 2>>"$T_TMP/rep.err"
expect_eq "... and with --output stdout" "$?" 0
ok "both give the same lines" cmp -s "$REF" "$T_TMP/replay.stdout"
REF_LINES=$(wc -l <"$REF" | tr -d ' ')
ok "the reference replay is not empty ($REF_LINES rows)" test "$REF_LINES" -gt 1000
# transaction ends in the reference: line numbers of "commit":true rows
declare -A TXN_END=()
while IFS=: read -r n _; do TXN_END[$n]=1; done < <(grep -n '"commit":true' "$REF")
ok "the reference marks transaction ends (${#TXN_END[@]})" test "${#TXN_END[@]}" -gt 100
# REF_LINE_AT[bytes] = lines: the byte sizes of the reference's whole-line prefixes
declare -A REF_LINE_AT=([0]=0)
while read -r n b; do REF_LINE_AT[$b]=$n; done < <(LC_ALL=C awk '{b += length($0) + 1; print NR, b}' "$REF")
expect_eq "the line ends of the reference add up to its size" "${REF_LINE_AT[$(stat -c %s "$REF")]:-}" "$REF_LINES"
ROWS=$(py corrupt-trials "$A" "$TRIALS" "$SEED" "$T_TMP/ctrials")
expect_eq "the layout walk counts as many row events as the replay has lines" "$ROWS" "$REF_LINES"
expect_eq "$TRIALS trials drawn" "$(wc -l <"$T_TMP/ctrials" | tr -d ' ')" "$TRIALS"

# the checks themselves can fail
printf 'x%s' "$(head -c 300 "$REF")" >"$T_TMP/notprefix"; echo >>"$T_TMP/notprefix"
ok "self-test: an altered first line is not a prefix" not prefix_of_ref "$T_TMP/notprefix"
head -c 300 "$REF" >"$T_TMP/halfline"
ok "self-test: a torn last line is not a whole-line prefix" not prefix_of_ref "$T_TMP/halfline"
{ head -3 "$REF"; sed -n 5p "$REF"; } >"$T_TMP/skip4"
ok "self-test: lines 1-3 and 5 (line 4 skipped) are not a prefix" not prefix_of_ref "$T_TMP/skip4"
head -3 "$REF" >"$T_TMP/prefix3"
ok "self-test: lines 1-3 are a prefix" prefix_of_ref "$T_TMP/prefix3"
: >"$T_TMP/empty"
ok "self-test: nothing is a prefix" prefix_of_ref "$T_TMP/empty"
S1=0000000001-mysql-bin.000001-000000000004.bvseg S2=0000000002-mysql-bin.000001-000000000999.bvseg
ok "self-test: a message naming two segments does not name only one" not only_seg "$S1: x; $S2: y" "$S1"
ok "self-test: ... naming one twice does" only_seg "$S1: x; $S1: y" "$S1"
echo "x.bvseg: block 4 at offset 100: block checksum mismatch" >"$T_TMP/msg"
ok "self-test: a message with an offset outside the damaged block is refused" not where_ok "$T_TMP/msg" x.bvseg 200 300 'block 3( |:|$)'
ok "self-test: ... and one inside it is accepted" where_ok "$T_TMP/msg" x.bvseg 50 150 'block 4( |:|$)'

# corrupt_worker K: trials i with i % JOBS == K, one result line each:
#  1 i  2 seg  3 off  4 xor  5 what  6 vrc  7 vname  8 vwhere  9 vonly  10 rrc  11 rname
#  12 rwhere  13 prefix  14 lines  15 bound  16 txnend  17 changed  18 ronly
corrupt_worker() {
  local k=$1 W="$T_TMP/cw.$1" out="$T_TMP/cw.$1.out" i seg off xor what lo hi bound key
  local vrc rrc vname vwhere vonly rname rwhere ronly prefix lines txnend changed
  cp -r --reflink=auto "$A" "$W"
  while read -r i seg off xor what lo hi bound key; do
    ((i % JOBS == k)) || continue
    flip "$W/$seg" "$off" "$xor"
    changed=1; cmp -s "$W/$seg" "$A/$seg" && changed=0
    vrc=0; $TO "$BV" verify "$W" >"$W.v" 2>&1 || vrc=$?
    slurp "$W.v"
    vname=0; [[ $S == *"$seg"* ]] && vname=1
    vwhere=0; where_ok "$W.v" "$seg" "$lo" "$hi" "$key" && vwhere=1
    vonly=0; only_seg "$S" "$seg" && vonly=1
    rm -f "$out"
    rrc=0
    if ((i < FILE_TRIALS)); then
      $TO "$REP" --archive "$W" --output "$out" --quiet >/dev/null 2>"$W.r" || rrc=$?
      [ -f "$out" ] || : >"$out"
    else
      $TO "$REP" --archive "$W" --output stdout --quiet >"$out" 2>"$W.r" || rrc=$?
    fi
    slurp "$W.r"
    rname=0; [[ $S == *"$seg"* ]] && rname=1
    rwhere=0; where_ok "$W.r" "$seg" "$lo" "$hi" "$key" && rwhere=1
    ronly=0; only_seg "$S" "$seg" && ronly=1
    prefix=0; prefix_of_ref "$out" && prefix=1
    lines=$PLINES
    ((lines >= 0)) || lines=$(wc -l <"$out")
    txnend=1; ((lines == 0)) || [ -n "${TXN_END[$lines]:-}" ] || txnend=0
    if [ "$vrc" = 0 ] || [ "$rrc" = 0 ] || ((lines > bound)) ||
      [ "$vname$vwhere$vonly$rname$rwhere$ronly$prefix$txnend$changed" != 111111111 ]; then
      cp "$W.v" "$T_TMP/bad.$i.v"; cp "$W.r" "$T_TMP/bad.$i.r"; cp "$out" "$T_TMP/bad.$i.out"
    fi
    echo "$i $seg $off $xor $what $vrc $vname $vwhere $vonly $rrc $rname $rwhere $prefix $lines $bound $txnend $changed $ronly"
    cp "$A/$seg" "$W/$seg"
  done <"$T_TMP/ctrials" >"$T_TMP/cres.$k"
}
t0=$SECONDS
for ((k = 0; k < JOBS; k++)); do corrupt_worker "$k" & done
wait
t_corrupt=$((SECONDS - t0))
cat "$T_TMP"/cres.* | sort -n >"$T_TMP/cres"
echo "# corrupt: $TRIALS trials in ${t_corrupt} s"
expect_eq "every corrupt trial ran" "$(wc -l <"$T_TMP/cres" | tr -d ' ')" "$TRIALS"

# tally and report the trials that fail a check (first 10 of each)
show() { # FIELD-TEST DESCRIPTION: awk condition on the result fields
  awk "$1" "$T_TMP/cres" | head -10 | while read -r i seg off xor what vrc _ _ _ rrc _ _ _ lines bound _; do
    echo "#   trial $i: $seg offset $off xor $xor ($what): verify exit $vrc; replayer exit $rrc, $lines rows (at most $bound allowed)"
    sed 's/^/#     verify: /' "$T_TMP/bad.$i.v" | head -3
    sed 's/^/#     replayer: /' "$T_TMP/bad.$i.r" | head -2
  done
}
cnt() { awk "$1 {n++} END {print n+0}" "$T_TMP/cres"; }
n_changed=$(cnt '$17 == 1')
expect_eq "every flip changed its segment" "$n_changed" "$TRIALS"
n=$(cnt '$6 == 0'); expect_eq "verify exits non-zero for every damaged copy" "$n" 0; [ "$n" = 0 ] || show '$6 == 0'
n=$(cnt '$6 != 1'); expect_eq "... with exit status 1" "$n" 0; [ "$n" = 0 ] || show '$6 != 1'
n=$(cnt '$7 == 0'); expect_eq "verify names the damaged segment" "$n" 0; [ "$n" = 0 ] || show '$7 == 0'
n=$(cnt '$8 == 0'); expect_eq "verify's offset is inside the damaged structure" "$n" 0; [ "$n" = 0 ] || show '$8 == 0'
n=$(cnt '$9 == 0'); expect_eq "verify names no other segment" "$n" 0; [ "$n" = 0 ] || show '$9 == 0'
n=$(cnt '$10 == 0'); expect_eq "the replayer exits non-zero for every damaged copy" "$n" 0; [ "$n" = 0 ] || show '$10 == 0'
n=$(cnt '$11 == 0'); expect_eq "the replayer names the damaged segment" "$n" 0; [ "$n" = 0 ] || show '$11 == 0'
n=$(cnt '$12 == 0'); expect_eq "the replayer's offset is inside the damaged structure" "$n" 0; [ "$n" = 0 ] || show '$12 == 0'
n=$(cnt '$18 == 0'); expect_eq "the replayer names no other segment" "$n" 0; [ "$n" = 0 ] || show '$18 == 0'
n_silent=$(cnt '$13 == 0')
expect_eq "the replayer's output is always a whole-line prefix of the clean replay (silent trials)" "$n_silent" 0
[ "$n_silent" = 0 ] || show '$13 == 0'
n=$(cnt '$14 > $15')
expect_eq "the replayer never publishes a row of the damaged block or after it" "$n" 0
[ "$n" = 0 ] || show '$14 > $15'
n=$(cnt '$16 == 0'); expect_eq "the replayer's output ends at a transaction's last row" "$n" 0; [ "$n" = 0 ] || show '$16 == 0'
C_DETECTED=$(cnt '$6 != 0 && $10 != 0')
C_UNDETECTED=$((TRIALS - C_DETECTED))
# how the trials spread over the structures, and how much the replayer published
awk '{ split($5, w, "-"); s[w[1]]++; if ($14 > 0) p++ }
  END { printf "# corrupt: damaged"; for (x in s) printf " %s %d", x, s[x]; printf "; replay published rows before failing in %d trials\n", p }' "$T_TMP/cres"
C_LOST=0 C_DUP=0 C_ALT=0
while read -r i _ _ _ _ _ _ _ _ rrc _ _ _; do
  read -r l d a < <(py count "$T_TMP/bad.$i.out" "$REF" "$([ "$rrc" = 0 ] && echo 1 || echo 0)" line)
  C_LOST=$((C_LOST + l)) C_DUP=$((C_DUP + d)) C_ALT=$((C_ALT + a))
done < <(awk '$13 == 0 || $10 == 0' "$T_TMP/cres")
echo "# corrupt: trials $TRIALS, detected $C_DETECTED, undetected $C_UNDETECTED, silent $n_silent; rows lost $C_LOST, duplicated $C_DUP, altered $C_ALT"
# the readers left the copies alone: after restoring each damaged segment, every copy equals the source
for ((k = 0; k < JOBS; k++)); do
  ok "worker $k's copy is byte-identical to the clean archive afterwards (readers wrote nothing)" \
    diff -r "$A" "$T_TMP/cw.$k"
done
ok "the clean archive still verifies clean" "$BV" verify "$A"

# ============================================================ 2. truncate the open segment's last block
B="$T_TMP/trunc"
BS=512
# MariaDB GTIDs, DDL and binlog rotations (part 1 is MySQL)
GOPT=(--block-size $BS --mariadb --ddl-every 7 --rotate-every 30000)
"$GEN" --archive "$B" --txns 60 --segment-size 12000 --seed 7 "${GOPT[@]}" >"$T_TMP/gen2.out" 2>&1
expect_eq "bv-gen writes the archive to truncate (sealed segments)" "$?" 0
"$GEN" --archive "$B" --txns 30 --seed 8 --no-close "${GOPT[@]}" >>"$T_TMP/gen2.out" 2>&1
expect_eq "bv-gen --no-close appends an open segment and drops the writer as a crash would" "$?" 0
PARTS=($(cd "$B" && ls | grep '\.bvseg\.part$'))
expect_eq "the newest segment is open (one .part)" "${#PARTS[@]}" 1
PART=${PARTS[0]}
ok "there are sealed segments before it" test "$(ls "$B" | grep -c '\.bvseg$')" -ge 1
"$BV" cat "$B" >"$T_TMP/tcat.full" 2>"$T_TMP/tcat.err"
expect_eq "binvault cat of the untruncated archive exits 0" "$?" 0
T_EVENTS=$(wc -l <"$T_TMP/tcat.full" | tr -d ' ')
SEALED_EVENTS=$("$BV" ls --json "$B" | grep '"state":"sealed"' | grep -o '"events":[0-9]*' | awk -F: '{s += $2} END {print s + 0}')
py part-blocks "$B/$PART" >"$T_TMP/blocks"
read -r _ PSIZE _ _ <"$T_TMP/blocks"
mapfile -t BLK < <(tail -n +2 "$T_TMP/blocks")
NB=${#BLK[@]}
ok "the open segment has several blocks ($NB)" test "$NB" -ge 3
read -r LSTART LEND LFLAGS _ <<<"${BLK[NB - 1]}"
expect_eq "its last block ends the file" "$LEND" "$PSIZE"
ok "its last block ends inside a transaction (flags $LFLAGS), so recovery must cut a torn transaction" test $((LFLAGS & 2)) -eq 2
P_EVENTS=0 BLK_END=() BLK_EV=()
for b in "${BLK[@]}"; do
  read -r _ e _ ev <<<"$b"
  BLK_END+=("$e") BLK_EV+=("$ev")
  P_EVENTS=$((P_EVENTS + ev))
done
expect_eq "sealed + open blocks' events = the untruncated archive's cat" "$((SEALED_EVENTS + P_EVENTS))" "$T_EVENTS"
ok "self-test: the untruncated archive's cat ends in a torn transaction" not torn_free "$T_TMP/tcat.full"
# kept events for a cut at t: sealed events + events of the blocks ending at or before t
kept_events() {
  local t=$1 j
  KEPT=$SEALED_EVENTS
  for ((j = 0; j < NB; j++)); do ((BLK_END[j] <= t)) && KEPT=$((KEPT + BLK_EV[j])); done
}
declare -A EXP=()
for t in "$LSTART" "$PSIZE"; do
  kept_events "$t"; n=$KEPT
  EXP[$n]=$(py expected "$T_TMP/tcat.full" "$n" "$T_TMP/texp.$n")
done
kept_events "$LSTART"; KEPT_TORN=$KEPT
kept_events "$PSIZE"; KEPT_ALL=$KEPT
ok "self-test: the expected archive after a cut is free of torn transactions" torn_free "$T_TMP/texp.$KEPT_TORN"
ok "a cut inside the last block leaves a torn transaction in the complete blocks (${EXP[$KEPT_TORN]} of $KEPT_TORN events complete)" \
  test "${EXP[$KEPT_TORN]}" -lt "$KEPT_TORN"

# the untruncated crash image recovered, as a control (not counted)
C="$T_TMP/tctl"
cp -r "$B" "$C"
"$GEN" --archive "$C" --txns 0 "${GOPT[@]}" >"$T_TMP/tctl.gen" 2>&1
expect_eq "control: recovery of the untruncated crash image exits 0" "$?" 0
"$BV" cat "$C" >"$T_TMP/tctl.cat" 2>&1
ok "control: it keeps every complete transaction (${EXP[$KEPT_ALL]} events)" \
  cmp -s "$T_TMP/tctl.cat" "$T_TMP/texp.$KEPT_ALL"

# trunc_worker K: offsets t in [LSTART, PSIZE) with (t - LSTART) % JOBS == K, one line each:
#  1 t  2 torn bytes  3 kept events (complete blocks)  4 wanted events (to the last boundary)
#  5 verify exit before recovery  6 it noted exactly the torn bytes  7 bv-gen exit
#  8 recovery reported  9 bytes cut  10 events cut  11 verify exit after  12 clean, no torn tail
#  13 cat exit  14 cat as wanted  15 no torn transaction
trunc_worker() {
  local k=$1 W="$T_TMP/tw.$1" t torn n vbrc vbnote grc rec cut ecut varc vaclean crc same tornfree
  mkdir -p "$W"
  cp "$B"/*.bvseg "$W"/
  for ((t = LSTART + k; t < PSIZE; t += JOBS)); do
    torn=$((t - LSTART))
    kept_events "$t"; n=$KEPT
    rm -f "$W/$PART"
    head -c "$t" "$B/$PART" >"$W/$PART"
    vbrc=0; "$BV" verify "$W" >"$W.vb" 2>&1 || vbrc=$?
    slurp "$W.vb"; vbnote=0
    if ((torn > 0)); then
      [[ $S == *"$PART: open segment: $torn bytes after the last complete block"* ]] && vbnote=1
    else
      [[ $S == *"after the last complete block"* ]] || vbnote=1
    fi
    grc=0; "$GEN" --archive "$W" --txns 0 "${GOPT[@]}" >"$W.g" 2>&1 || grc=$?
    slurp "$W.g"; rec=0 cut=-1 ecut=-1
    if [[ $S =~ recovered\ open\ segment\ $PART:.*\ cut\ ([0-9]+)\ bytes\ \(([0-9]+)\ events ]]; then
      rec=1 cut=${BASH_REMATCH[1]} ecut=${BASH_REMATCH[2]}
    fi
    varc=0; "$BV" verify "$W" >"$W.va" 2>&1 || varc=$?
    slurp "$W.va"; vaclean=0
    [[ $S == *": clean"$'\n' && $S != *"after the last complete block"* ]] && vaclean=1
    crc=0; "$BV" cat "$W" >"$W.cat" 2>"$W.cerr" || crc=$?
    same=0; cmp -s "$W.cat" "$T_TMP/texp.$n" && same=1
    tornfree=0; torn_free "$W.cat" && tornfree=1
    if [ "$same$tornfree$grc$varc$vaclean$vbrc$vbnote" != 1100101 ]; then
      cp "$W.cat" "$T_TMP/tbad.$t.cat"
      cat "$W.vb" "$W.g" "$W.va" "$W.cerr" >"$T_TMP/tbad.$t.log"
    fi
    echo "$t $torn $n ${EXP[$n]} $vbrc $vbnote $grc $rec $cut $ecut $varc $vaclean $crc $same $tornfree"
  done >"$T_TMP/tres.$k"
}
t0=$SECONDS
for ((k = 0; k < JOBS; k++)); do trunc_worker "$k" & done
wait
t_trunc=$((SECONDS - t0))
cat "$T_TMP"/tres.* | sort -n >"$T_TMP/tres"
TT=$((PSIZE - LSTART))
echo "# truncate: $TT offsets [$LSTART, $PSIZE) of $PART in ${t_trunc} s"
expect_eq "every offset of the last block was tried" "$(wc -l <"$T_TMP/tres" | tr -d ' ')" "$TT"
tcnt() { awk "$1 {n++} END {print n+0}" "$T_TMP/tres"; }
tshow() {
  awk "$1" "$T_TMP/tres" | head -5 | while read -r t torn n e rest; do
    echo "#   cut at $t ($torn torn bytes; want $e events of $n kept): $rest"
    [ -f "$T_TMP/tbad.$t.log" ] && sed 's/^/#     /' "$T_TMP/tbad.$t.log" | head -6
  done
}
tcheck() { # DESCRIPTION AWK-CONDITION-OF-FAILURE
  local n
  n=$(tcnt "$2")
  expect_eq "$1" "$n" 0
  [ "$n" = 0 ] || tshow "$2"
}
tcheck "verify of the truncated copy exits 0 (a torn tail is not damage)" '$5 != 0'
tcheck "... and reports exactly the torn bytes" '$6 == 0'
tcheck "the writer's recovery (bv-gen --txns 0) exits 0" '$7 != 0'
tcheck "it reports the open segment it recovered" '$8 == 0'
tcheck "it cut at least the torn bytes" '$9 < $2'
tcheck "it cut exactly the events of the incomplete transaction" '$10 != $3 - $4'
tcheck "the recovered archive verifies clean" '$11 != 0 || $12 == 0'
tcheck "binvault cat of the recovered archive exits 0" '$13 != 0'
tcheck "it holds exactly the complete transactions of the kept blocks" '$14 == 0'
tcheck "no transaction is torn in the recovered archive" '$15 == 0'
for ((k = 0; k < JOBS; k++)); do
  ok "recovery left worker $k's sealed segments byte-identical" \
    bash -c "cd '$B' && for s in *.bvseg; do cmp -s \"\$s\" '$T_TMP/tw.$k'/\"\$s\" || exit 1; done"
done
T_DETECTED=$(tcnt '$9 > 0')
T_LOST=0 T_DUP=0
while read -r t _ n _; do
  read -r l d _ < <(py count "$T_TMP/tbad.$t.cat" "$T_TMP/texp.$n" 1 txn)
  T_LOST=$((T_LOST + l)) T_DUP=$((T_DUP + d))
done < <(awk '$14 == 0' "$T_TMP/tres")
echo "# truncate: trials $TT, recoveries that cut a torn tail $T_DETECTED, transactions lost $T_LOST, duplicated $T_DUP"

echo "# total ${SECONDS}s (corrupt ${t_corrupt}s, truncate ${t_trunc}s)"
echo "# fault-table corrupt-sealed-segment $TRIALS $C_EVENTS $C_LOST $C_DUP $C_DETECTED"
echo "# fault-table truncate-last-block $TT $T_EVENTS $T_LOST $T_DUP $T_DETECTED"
done_testing
