#!/usr/bin/env bash
# Live capture: binvault-archiver as a replica of a private MariaDB
# (tests/sh/mariadb_lib.sh: its own datadir, socket and loopback port, ROW
# binlogs with FULL row image and metadata).
#
# The reference for every live archive is an offline import of the server's
# own binlog files (SHOW BINARY LOGS order) with the same archiver: the live
# archive's begin/insert/update/delete/ddl/commit/rotate events must equal
# the reference's, line for line as `binvault cat` prints them, over the
# live archive's [start, end) range, so a duplicated or lost transaction
# shows. Covered:
#   1. capture in the background while a workload runs: 7 tables, integers
#      at their limits, DECIMALs, FLOAT/DOUBLE, BIT, YEAR, DATE/TIME/DATETIME(6)/
#      TIMESTAMP(6), utf8mb4 and latin1 text, BINARY/VARBINARY/BLOB, JSON,
#      ENUM/SET, UUID, INET6, NULLs, a table without a primary key, multi-row
#      transactions, a rolled-back one, a 20,000-row transaction (> 1 MiB of
#      binlog, several blocks), ALTER TABLE and RENAME TABLE between writes,
#      FLUSH BINARY LOGS between writes; stopped with SIGTERM (exit 0, fast)
#   2. --stop-at-end twice with writes between: no duplicate, no gap
#   3. the server restarts (same datadir and port) under a running capture:
#      it reconnects by itself and ends with every transaction once
#   4. --status-file: JSON, state, position = the archive's end, counters
#   5. SIGHUP seals the open segment, and capture continues
#   6. refusals, exit 3: a purged binlog, binlog_format=STATEMENT (and
#      --accept-non-row), another server_id (and --allow-new-source)
#   7. --password refused (exit 2), --config, a wrong password (exit 1, the
#      password in no output), BINVAULT_PASSWORD, --log-format json
#   8. --start now, --start FILE:POS, --start-gtid
set -u
export PYTHONDONTWRITEBYTECODE=1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. tests/sh/lib.sh
. tests/sh/mariadb_lib.sh

PY=${PYTHON:-python3}
ARCH=$BV_BIN/binvault-archiver
BV=$BV_BIN/binvault
M=$T_TMP/mdb
T_START=$SECONDS

BGPID=
cleanup() {
  [ -n "$BGPID" ] && kill -KILL "$BGPID" 2>/dev/null
  mdb_stop
  [ -n "${BV_KEEP_TMP:-}" ] || rm -rf "$T_TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mdb_require "$ARCH" "$BV"

# ------------------------------------------------------------ helpers
# lv.py: JSON reading for the checks (python3 standard library only)
cat >"$T_TMP/lv.py" <<'PYEOF'
import json, sys

TYPES = {"begin", "commit", "insert", "update", "delete", "ddl", "rotate"}


def pos(s):
    f, o = s.rsplit(":", 1)
    return (f, int(o))


def events(path):
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line:
                out.append((json.loads(line), line))
    return out


def seq(g):
    return int(g.rsplit("-", 1)[1])


cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "status":  # FILE KEY...: values ("pos" = file:offset); fails unless valid JSON
    with open(args[0], encoding="utf-8") as fh:
        st = json.load(fh)
    res = []
    for k in args[1:]:
        if k == "pos":
            res.append("%s:%d" % (st["position"]["file"], st["position"]["offset"]))
        else:
            v = st
            for p in k.split("."):
                v = v[p]
            res.append(str(v))
    print(" ".join(res))
elif cmd == "cmp":  # LIVE REF [FROM TO]: LIVE's events = REF's in [FROM, TO)
    live = [l for e, l in events(args[0]) if e["type"] in TYPES]
    ref = events(args[1])
    if len(args) > 2:
        lo, hi = pos(args[2]), pos(args[3])
        ref = [(e, l) for e, l in ref if lo <= (e["file"], e["offset"]) < hi]
    ref = [l for e, l in ref if e["type"] in TYPES]
    if live == ref:
        print("same %d" % len(live))
    else:
        print("differ: live %d events, reference %d" % (len(live), len(ref)))
        for i in range(max(len(live), len(ref))):
            a = live[i] if i < len(live) else "(none)"
            b = ref[i] if i < len(ref) else "(none)"
            if a != b:
                print("# first difference at event %d\n# live: %s\n# ref:  %s" % (i, a[:400], b[:400]))
                break
elif cmd == "count":  # CAT TYPE[:TABLE]...: the number of events of each TYPE (of TABLE)
    n = {}
    for e, _ in events(args[0]):
        for k in (e["type"], "%s:%s" % (e["type"], e.get("table"))):
            n[k] = n.get(k, 0) + 1
    print(" ".join(str(n.get(k, 0)) for k in args[1:]))
elif cmd == "begins":  # CAT: "N DUPLICATES FIRST_FILE:OFFSET FIRST_GTID MIN_SEQ"
    b = [e for e, _ in events(args[0]) if e["type"] == "begin"]
    g = [e["gtid"] for e in b]
    if not b:
        print("0 0 - - -")
    else:
        print(len(b), len(g) - len(set(g)), "%s:%d" % (b[0]["file"], b[0]["offset"]), g[0],
              min(seq(x) for x in g))
elif cmd == "ddl":  # CAT: the DDL statements, one a line
    for e, _ in events(args[0]):
        if e["type"] == "ddl":
            print(e["sql"].replace("\n", " "))
elif cmd == "grep":  # CAT TABLE KEY VALUE: rows of TABLE whose after (or before) image has KEY=VALUE
    n = 0
    for e, _ in events(args[0]):
        if e.get("table") != args[1]:
            continue
        for img in ("data", "old", "before", "after"):
            d = e.get(img)
            if isinstance(d, dict) and str(d.get(args[2])) == args[3]:
                n += 1
    print(n)
elif cmd == "segs":  # LS_JSON: "SEALED OPEN LAST_STATE LAST_END" and the first sealed one's end
    segs = [json.loads(l) for l in open(args[0], encoding="utf-8") if l.strip()]
    sealed = [s for s in segs if s["state"] == "sealed"]
    print(len(sealed), sum(1 for s in segs if s["state"] == "open"),
          segs[-1]["state"] if segs else "-", segs[-1]["end"] if segs else "-",
          sealed[0]["end"] if sealed else "-")
elif cmd == "jsonlines":  # FILE: "N" when every line is a JSON object with level and msg
    n = 0
    for i, line in enumerate(open(args[0], encoding="utf-8", errors="replace")):
        try:
            o = json.loads(line)
            assert isinstance(o, dict) and "level" in o and "msg" in o
        except Exception:
            print("line %d is not a JSON log record: %s" % (i + 1, line[:200].rstrip()))
            sys.exit(0)
        n += 1
    print(n)
PYEOF
lv() { "$PY" "$T_TMP/lv.py" "$@"; }

q() { "${MDB_SQL[@]}" -N -e "$1"; }
master_pos() { q 'SHOW MASTER STATUS' | awk '{print $1 ":" $2}'; }
gtid_pos() { q 'SELECT @@gtid_binlog_pos'; }
# logged_end: where the server's last complete transaction (or the last
# ROTATE) ends: the end of an up-to-date archive. SHOW MASTER STATUS can be
# further: MariaDB writes a Binlog_checkpoint event some time after a
# rotation, and such events are not archived.
logged_end() {
  local f
  f=$(q 'SHOW MASTER STATUS' | cut -f1)
  q "SHOW BINLOG EVENTS IN '$f'" |
    awk -F'\t' -v f="$f" 'BEGIN {e = 4} $3 == "Xid" || ($3 == "Query" && $6 != "BEGIN") {e = $5} END {print f ":" e}'
}
# status_pos FILE: the status file's position.file:offset ("" while it does not exist)
status_pos() { sed -n 's/.*"position":{"file":"\([^"]*\)","offset":\([0-9]*\).*/\1:\2/p' "$1" 2>/dev/null; }
status_state() { sed -n 's/.*"state":"\([^"]*\)".*/\1/p' "$1" 2>/dev/null; }
# stat_pos DIR start|end
stat_pos() { "$BV" stat "$1" 2>/dev/null | sed -n "s/^$2: *//p"; }
# wait_until SECONDS CMD...: polls CMD every 0.2 s
wait_until() {
  local end=$((SECONDS + $1)); shift
  while [ "$SECONDS" -le "$end" ]; do "$@" && return 0; sleep 0.2; done
  return 1
}
_caught_up() { [ "$(status_pos "$1")" = "$(logged_end)" ]; }
_in_state() { [ "$(status_state "$1")" = "$2" ]; }
# run_sql NAME: the SQL on stdin through the client (stops at the first error)
run_sql() {
  local rc=0
  "${MDB_SQL[@]}" --batch >"$T_TMP/$1.sqlout" 2>"$T_TMP/$1.sqlerr" || rc=$?
  expect_eq "workload $1 runs on the server" "$rc" 0
  [ "$rc" -eq 0 ] || grep -a '^ERROR' "$T_TMP/$1.sqlerr" | head -3 | sed 's/^/# /'
}
# run_arch NAME ARGS...: the archiver in the foreground (30 s at most); sets RC, ERR
run_arch() {
  local n=$1; shift
  RC=0
  timeout -k 5 30 "$ARCH" "$@" >"$T_TMP/$n.out" 2>"$T_TMP/$n.err" || RC=$?
  ERR=$(cat "$T_TMP/$n.err")
}
# bg_start NAME ARGS...: the archiver in the background (BGPID)
bg_start() {
  local n=$1; shift
  "$ARCH" "$@" >"$T_TMP/$n.out" 2>"$T_TMP/$n.err" &
  BGPID=$!
}
# bg_stop [SIG]: signal it and wait up to 15 s; sets BG_RC (137 if it had to be killed) and BG_MS
bg_stop() {
  local t0 i
  t0=$(date +%s%N)
  { # (no "Killed" job notice from bash)
    kill "-${1:-TERM}" "$BGPID"
    for i in $(seq 1 300); do kill -0 "$BGPID" || break; sleep 0.05; done
    BG_MS=$((($(date +%s%N) - t0) / 1000000))
    if kill -0 "$BGPID"; then kill -KILL "$BGPID"; wait "$BGPID"; BG_RC=137
    else BG_RC=0; wait "$BGPID" || BG_RC=$?; fi
  } 2>/dev/null
  BGPID=
}
# reference NAME: an offline import of every binlog file on the server, in order, and its cat
reference() {
  local rc=0
  mdb_binlogs >"$T_TMP/$1.files"
  mapfile -t _files <"$T_TMP/$1.files"
  "$ARCH" --archive "$T_TMP/$1" --quiet "${_files[@]}" >"$T_TMP/$1.out" 2>"$T_TMP/$1.err" || rc=$?
  expect_eq "offline import of the server's ${#_files[@]} binlog files ($1) exits 0" "$rc" 0
  [ "$rc" -eq 0 ] || sed 's/^/# /' "$T_TMP/$1.err" | head -5
  "$BV" cat "$T_TMP/$1" >"$T_TMP/$1.cat" 2>/dev/null
}
# same_events DESCRIPTION LIVE_DIR REF [FROM TO]: the live archive's events equal the reference's
same_events() {
  local d=$1 live=$2 ref=$3 out; shift 3
  "$BV" cat "$live" >"$live.cat" 2>/dev/null
  out=$(lv cmp "$live.cat" "$T_TMP/$ref.cat" "$@" 2>&1)
  expect_match "$d: $(echo "$out" | head -1)" "$(echo "$out" | head -1)" '^same [1-9][0-9]*$'
  echo "$out" | tail -n +2
}
verify_clean() { # DESCRIPTION DIR
  local rc=0
  "$BV" verify "$2" >"$T_TMP/verify.out" 2>&1 || rc=$?
  expect_eq "$1" "$rc" 0
  [ "$rc" -eq 0 ] || sed 's/^/# /' "$T_TMP/verify.out" | head -5
}

# ------------------------------------------------------------ the server
# (the InnoDB options only make it faster; mdb_restart starts it the same way)
MDB_EXTRA=(--innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --innodb-buffer-pool-size=64M)
if ! mdb_start "$M" "${MDB_EXTRA[@]}"; then
  expect_eq "a private MariaDB starts" "no" "yes"
  done_testing
  exit
fi
_t_result 0 "mariadbd starts on 127.0.0.1:$MDB_PORT ($(q 'SELECT VERSION()'))"
LIVE=(--host 127.0.0.1 --port "$MDB_PORT" --user root)

# mdb_restart: the server again on the same datadir, socket and port (the
# command line of mdb_start in mariadb_lib.sh, which initialises a new datadir)
mdb_restart() {
  local i
  "$MDB_SERVER" --no-defaults --log-basename=mdb --user="$(id -un)" --datadir="$MDB_DATA" --socket="$MDB_SOCK" \
    --pid-file="$M/mdb.pid" --bind-address=127.0.0.1 --port="$MDB_PORT" --log-error="$M/err.log" \
    --log-bin --binlog-format=ROW --binlog-row-image=FULL --binlog-row-metadata=FULL --server-id=1 \
    --skip-name-resolve --default-time-zone=+00:00 --max-allowed-packet=256M "${MDB_EXTRA[@]}" \
    >>"$M/server.out" 2>&1 &
  MDB_PID=$!
  for i in $(seq 1 240); do
    kill -0 "$MDB_PID" 2>/dev/null || break
    "$MDB_ADMIN" --no-defaults --socket="$MDB_SOCK" --user=root ping >/dev/null 2>&1 && return 0
    sleep 0.25
  done
  tail -5 "$M/err.log" | sed 's/^/# /'
  return 1
}

# ------------------------------------------------------------ the workload
W1=$(cat <<'EOF'
CREATE DATABASE lv CHARACTER SET utf8mb4;
USE lv;
CREATE TABLE nums (id INT PRIMARY KEY, ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, mu MEDIUMINT UNSIGNED,
  i INT, bu BIGINT UNSIGNED, bi BIGINT, d1 DECIMAL(10,2), d2 DECIMAL(38,12), f FLOAT, db DOUBLE, bt BIT(12), y YEAR);
CREATE TABLE times (id INT PRIMARY KEY, d DATE, t TIME(3), dt DATETIME(6), ts TIMESTAMP(6) NULL DEFAULT NULL, dt0 DATETIME);
CREATE TABLE texts (id INT PRIMARY KEY, c CHAR(8), vc VARCHAR(200), l1 VARCHAR(50) CHARACTER SET latin1,
  tx TEXT, bn BINARY(4), vb VARBINARY(64), bl BLOB);
CREATE TABLE docs (id INT PRIMARY KEY, j JSON, e ENUM('a','b','c😀'), s SET('x','y','z'), u UUID, ip INET6);
CREATE TABLE big (id INT PRIMARY KEY, k INT NOT NULL, pad VARCHAR(200), KEY (k));
CREATE TABLE ren_a (id INT PRIMARY KEY, v VARCHAR(20));
CREATE TABLE nopk (a INT, b TEXT);
CREATE TABLE small (id INT AUTO_INCREMENT PRIMARY KEY, tag VARCHAR(40), at DATETIME(6));
INSERT INTO nums VALUES
  (1, -128, 255, -32768, 16777215, -2147483648, 18446744073709551615, -9223372036854775808, -12345678.90,
   12345678901234567890.123456789012, 1.5, -2.25e300, b'101010101010', 1901),
  (2, 127, 0, 32767, 0, 2147483647, 0, 9223372036854775807, 0.01, -0.000000000001, -3.4e38, 1e-300, b'0', 2155),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (4, 0, 1, 2, 3, 4, 5, 6, 7.50, 8.000000000009, 0, 0, b'111111111111', 2000);
INSERT INTO times VALUES
  (1, '2024-02-29', '-838:59:59.000', '1000-01-01 00:00:00.000001', '1970-01-01 00:00:01.000000', '9999-12-31 23:59:59'),
  (2, '0000-00-00', '838:59:59.999', '2026-01-01 12:34:56.789012', '2038-01-19 03:14:07.999999', '2000-01-01 00:00:00'),
  (3, NULL, NULL, NULL, NULL, NULL);
INSERT INTO texts VALUES
  (1, 'abc', 'héllo wörld 😀 ✓', 'café', REPEAT('long text ', 100), x'00010203', x'ff00fe', x'deadbeef00'),
  (2, '', '', '', '', x'00000000', x'', x''),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (4, 'quote''s', 'tab\there\nnewline "dq" \\ bs', 'plain', 'émoji 🎉', x'41424344', x'00', REPEAT(x'a5', 3000));
INSERT INTO docs VALUES
  (1, '{"a": 1, "b": [1, 2.5, "x", null, true], "c": {"d": "é"}}', 'a', 'x,z', '123e4567-e89b-12d3-a456-426614174000', '::1'),
  (2, '[]', 'c😀', '', NULL, '2001:db8::ff00:42:8329'),
  (3, NULL, NULL, NULL, NULL, NULL),
  (4, '"just a string"', 'b', 'x,y,z', '00000000-0000-0000-0000-000000000000', '::ffff:192.0.2.1');
INSERT INTO nopk VALUES (1, 'one'), (1, 'one'), (2, NULL);
BEGIN;
INSERT INTO ren_a VALUES (1, 'first'), (2, 'second'), (3, 'third');
UPDATE nums SET ti = ti - 1, d1 = d1 * 2, bt = b'1' WHERE id IN (2, 4);
DELETE FROM texts WHERE id = 2;
INSERT INTO times VALUES (4, '2026-06-30', '00:00:00.5', '2026-06-30 23:59:59.999999', '2026-06-30 23:59:59.5', NULL);
COMMIT;
FLUSH BINARY LOGS;
UPDATE docs SET j = JSON_SET(j, '$.a', 2, '$.new', 'v'), s = 'y' WHERE id = 1;
UPDATE nopk SET b = 'uno' WHERE a = 1;
ALTER TABLE ren_a ADD COLUMN extra VARCHAR(10) DEFAULT 'dflt', ADD COLUMN n DECIMAL(5,1);
INSERT INTO ren_a VALUES (4, 'fourth', 'x', 4.5), (5, NULL, NULL, NULL);
BEGIN;
INSERT INTO ren_a (id, v) VALUES (99, 'rolled back');
ROLLBACK;
RENAME TABLE ren_a TO ren_b;
UPDATE ren_b SET extra = 'upd' WHERE id <= 4;
ALTER TABLE ren_b DROP COLUMN v;
DELETE FROM ren_b WHERE id IN (1, 5);
FLUSH BINARY LOGS;
INSERT INTO nums (id, ti, d2) VALUES (5, 5, 5.5), (6, 6, 6.6), (7, 7, 7.7);
EOF
)
W2=$(cat <<'EOF'
USE lv;
BEGIN;
INSERT INTO big SELECT seq, seq % 97, CONCAT(REPEAT('p', seq % 150), 'é', seq) FROM seq_1_to_20000;
UPDATE big SET k = k + 1000 WHERE id <= 300;
DELETE FROM big WHERE id > 19950;
INSERT INTO docs VALUES (5, '{"big": true}', 'a', 'z', NULL, NULL);
COMMIT;
FLUSH BINARY LOGS;
UPDATE docs SET j = JSON_REMOVE(j, '$.b'), e = 'c😀' WHERE id = 1;
UPDATE big SET pad = CONCAT(pad, '+') WHERE id % 1000 = 0;
DELETE FROM nums WHERE id >= 5;
ALTER TABLE big ADD COLUMN flag BOOL NOT NULL DEFAULT 0;
UPDATE big SET flag = 1 WHERE id BETWEEN 10 AND 14;
DELETE FROM nopk WHERE b IS NULL;
FLUSH BINARY LOGS;
INSERT INTO times (id, dt) VALUES (10, '2026-11-27 10:00:00.123456');
UPDATE texts SET vc = CONCAT(vc, ' ✓'), bl = NULL WHERE id IN (1, 4);
EOF
)
# small transactions: txns N TAG -> N single-row transactions into lv.small, plus a multi-row one
txns() {
  local i sql="USE lv;"
  for i in $(seq 1 "$1"); do sql+="INSERT INTO small (tag, at) VALUES ('$2-$i', NOW(6));"; done
  sql+="BEGIN; INSERT INTO small (tag) VALUES ('$2-m1'), ('$2-m2'), (NULL); UPDATE small SET at = NULL WHERE tag LIKE '$2-%'; COMMIT;"
  q "$sql"
}

# ============================================================ 1, 4, 5: capture while the workload runs
echo "# 1. live capture during a workload, SIGHUP, SIGTERM ($((SECONDS - T_START)) s)"
A1=$T_TMP/live1
S1=$T_TMP/live1.status
FIRST_FILE=$(q 'SHOW BINARY LOGS' | head -1 | cut -f1)
bg_start live1 --archive "$A1" "${LIVE[@]}" --status-file "$S1" --segment-size 64K
ok "the archiver connects and its status file says streaming" wait_until 15 _in_state "$S1" streaming
run_sql w1 <<<"$W1"
ok "capture catches up with the server after workload 1 ($(logged_end))" wait_until 20 _caught_up "$S1"
run_arch lock --archive "$A1" "${LIVE[@]}" --stop-at-end
expect_eq "a second archiver on the same archive: exit 1" "$RC" 1
expect_match "... the archive is locked" "$ERR" 'locked by another writer'
"$BV" ls --json "$A1" >"$T_TMP/ls1.json" 2>&1
read -r n_sealed n_open _ <<<"$(lv segs "$T_TMP/ls1.json")"
expect_eq "before SIGHUP: no sealed segment, one open" "$n_sealed $n_open" "0 1"
HUP_POS=$(logged_end)
kill -HUP "$BGPID"
_sealed() { "$BV" ls --json "$A1" >"$T_TMP/ls1.json" 2>&1 && [ "$(lv segs "$T_TMP/ls1.json" | cut -d' ' -f1)" = 1 ]; }
ok "after SIGHUP binvault ls shows a sealed segment" wait_until 10 _sealed
read -r n_sealed n_open _ _ sealed_end <<<"$(lv segs "$T_TMP/ls1.json")"
expect_eq "the sealed segment ends at the server's position at SIGHUP" "$sealed_end" "$HUP_POS"
ok "the archiver still runs after SIGHUP" kill -0 "$BGPID"

BIG_FROM=$(master_pos)
run_sql w2 <<<"$W2"
# the 20,000-row transaction is the first of its file's tail: its size is the file's growth up to the rotation
big_bytes=$(q 'SHOW BINARY LOGS' | awk -v f="${BIG_FROM%%:*}" -v p="${BIG_FROM##*:}" '$1 == f {print $2 - p}')
ok "the 20,000-row transaction takes more than 1 MiB of binlog ($big_bytes bytes)" test "${big_bytes:-0}" -gt 1048576
ok "capture catches up with the server after workload 2 ($(logged_end))" wait_until 20 _caught_up "$S1"

# 4. the status file of a running capture
st=$(lv status "$S1" state pos events reconnects 2>&1)
read -r st_state st_pos st_events st_rec <<<"$st"
expect_match "the status file is JSON with state, position, events ($st)" "$st" '^[a-z]+ [^ ]+:[0-9]+ [0-9]+ [0-9]+$'
expect_eq "status state while running" "$st_state" streaming
expect_eq "status position is the server's end" "$st_pos" "$(logged_end)"
ok "status events > 20,000 ($st_events)" test "${st_events:-0}" -gt 20000
expect_eq "status reconnects" "$st_rec" 0

# 5. capture went on after SIGHUP: the segments after the sealed one hold workload 2
# (on disk within --fsync-interval, 1 s)
LE=$(logged_end)
_on_disk() { "$BV" ls --json "$A1" >"$T_TMP/ls1.json" 2>&1 && [ "$(lv segs "$T_TMP/ls1.json" | cut -d' ' -f3,4)" = "open $LE" ]; }
ok "after workload 2, within 5 s: binvault ls's newest segment is open and ends at $LE" wait_until 5 _on_disk
read -r n_sealed n_open last_state last_end _ <<<"$(lv segs "$T_TMP/ls1.json")"
[ "$last_end" = "$LE" ] || echo "# binvault ls: the newest segment is $last_state and ends at $last_end"
ok "the 64K segment size sealed more segments during workload 2 ($n_sealed sealed)" test "$n_sealed" -ge 2

bg_stop TERM
expect_eq "SIGTERM: the archiver exits 0" "$BG_RC" 0
ok "SIGTERM: it stops within 5 s (${BG_MS} ms)" test "$BG_MS" -lt 5000
[ "$BG_RC" -eq 0 ] || tail -5 "$T_TMP/live1.err" | sed 's/^/# /'
END1=$(logged_end)
expect_eq "status after SIGTERM: state stopped, position the archive's end" \
  "$(lv status "$S1" state pos 2>&1)" "stopped $(stat_pos "$A1" end)"
expect_eq "binvault stat's end is the server's end" "$(stat_pos "$A1" end)" "$END1"
"$BV" ls --json "$A1" >"$T_TMP/ls1.json" 2>&1
expect_eq "binvault ls: the newest segment ends at the status file's position" \
  "$(lv segs "$T_TMP/ls1.json" | cut -d' ' -f4)" "$(lv status "$S1" pos 2>&1)"
expect_eq "the live archive starts at the oldest binlog" "$(stat_pos "$A1" start)" "$FIRST_FILE:4"
expect_eq "status events = the archive's events" "$(lv status "$S1" events 2>&1)" \
  "$("$BV" stat "$A1" 2>/dev/null | sed -n 's/^events: *//p')"

reference ref1
same_events "live archive = offline import of the same binlog files" "$A1" ref1
verify_clean "binvault verify: the live archive is clean" "$A1"
verify_clean "binvault verify: the offline import is clean" "$T_TMP/ref1"
expect_eq "the live archive has the 20,000 inserts into big and its 50 deletes" \
  "$(lv count "$A1.cat" insert:big delete:big)" "20000 50"
expect_eq "one rotate per FLUSH BINARY LOGS (4)" "$(lv count "$A1.cat" rotate)" 4
expect_eq "the rolled-back row is not archived" "$(lv grep "$A1.cat" ren_a id 99)" 0
expect_match "the RENAME and both ALTERs are archived as DDL" "$(lv ddl "$A1.cat" | tr '\n' ' ')" \
  'ALTER TABLE ren_a ADD COLUMN.*RENAME TABLE ren_a TO ren_b.*ALTER TABLE ren_b DROP COLUMN v'
expect_eq "rows after the RENAME are archived as ren_b (4 updates, 2 deletes)" \
  "$(lv count "$A1.cat" update:ren_b delete:ren_b)" "4 2"

# ============================================================ 2. --stop-at-end twice
echo "# 2. SIGKILL mid-stream, --stop-at-end, writes, --stop-at-end again ($((SECONDS - T_START)) s)"
A2=$T_TMP/live2
# a capture from the oldest binlog, killed while it streams (likely inside
# the 20,000-row transaction: then the next run cuts it and asks for it again)
bg_start r2k --archive "$A2" "${LIVE[@]}"
sleep 0.15
bg_stop KILL
expect_eq "an archiver killed with SIGKILL mid-stream dies with 137" "$BG_RC" 137
echo "# after SIGKILL: $("$BV" cat "$A2" 2>/dev/null | wc -l) events on disk, the last one: $("$BV" cat "$A2" 2>/dev/null | tail -1 | cut -c 1-60)"
run_arch r2a --archive "$A2" "${LIVE[@]}" --stop-at-end
expect_eq "first --stop-at-end run after the SIGKILL exits 0" "$RC" 0
[ "$RC" -eq 0 ] || echo "$ERR" | tail -5 | sed 's/^/# /'
echo "$ERR" | grep 'recovered' | sed 's/^/# /'
E2A=$(stat_pos "$A2" end)
expect_eq "it ends at the server's end" "$E2A" "$(logged_end)"
txns 3 r2
q "FLUSH BINARY LOGS"
txns 2 r2b
run_arch r2b --archive "$A2" "${LIVE[@]}" --stop-at-end
expect_eq "second --stop-at-end run exits 0" "$RC" 0
[ "$RC" -eq 0 ] || echo "$ERR" | tail -5 | sed 's/^/# /'
expect_eq "it ends at the server's new end" "$(stat_pos "$A2" end)" "$(logged_end)"
expect_match "it continued from the first run's end" "$ERR" "replicating from $(echo "$E2A" | sed 's/\./\\./g') "
"$BV" cat "$A2" >"$T_TMP/a2.before" 2>/dev/null
run_arch r2c --archive "$A2" "${LIVE[@]}" --stop-at-end
expect_eq "a third run with nothing new exits 0" "$RC" 0
"$BV" cat "$A2" >"$T_TMP/a2.after" 2>/dev/null
ok "... and leaves the archive's events unchanged" cmp -s "$T_TMP/a2.before" "$T_TMP/a2.after"
reference ref2
same_events "two runs = offline import (no duplicate, no gap)" "$A2" ref2
read -r nb dups _ <<<"$(lv begins "$A2.cat")"
expect_eq "no GTID twice among the $nb transactions" "$dups" 0
verify_clean "binvault verify: clean after three runs" "$A2"

# ============================================================ 3. the server restarts under a running capture
echo "# 3. server restart during capture ($((SECONDS - T_START)) s)"
A3=$T_TMP/live3
S3=$T_TMP/live3.status
bg_start live3 --archive "$A3" "${LIVE[@]}" --status-file "$S3" --retry-max 1
ok "capture 3 catches up with the server" wait_until 20 _caught_up "$S3"
txns 3 r3a
ok "capture 3 follows new writes" wait_until 15 _caught_up "$S3"
# a transaction of 19,950 updates (about 4 MB of binlog), and the server
# shut down at once: the capture may be cut inside it
q "USE lv; UPDATE big SET k = k + 1"
mdb_stop
ok "with the server down the status says reconnecting" wait_until 15 _in_state "$S3" reconnecting
ok "the archiver keeps running while the server is down" kill -0 "$BGPID"
if ! mdb_restart; then
  _t_result 1 "the server restarts on the same datadir and port $MDB_PORT"
  bg_stop TERM
  done_testing
  exit
fi
_t_result 0 "the server restarts on the same datadir and port $MDB_PORT"
txns 4 r3b
q "FLUSH BINARY LOGS"
q "USE lv; UPDATE big SET k = k + 1 WHERE id <= 2000"
txns 2 r3c
ok "capture 3 catches up after the restart ($(logged_end))" wait_until 30 _caught_up "$S3"
st_rec=$(lv status "$S3" reconnects 2>&1)
ok "status reconnects > 0 ($st_rec)" test "${st_rec:-0}" -gt 0 2>/dev/null
# a crash: SIGKILL, the binlog file ends without ROTATE or STOP
txns 2 r3d
{ kill -KILL "$MDB_PID"; wait "$MDB_PID"; } 2>/dev/null
MDB_PID=
if ! mdb_restart; then
  _t_result 1 "the server restarts after SIGKILL"
  bg_stop TERM
  done_testing
  exit
fi
_t_result 0 "the server restarts after SIGKILL"
txns 2 r3e
ok "capture 3 catches up after the crash ($(logged_end))" wait_until 30 _caught_up "$S3"
st_rec2=$(lv status "$S3" reconnects 2>&1)
ok "status reconnects grew again ($st_rec2 > $st_rec)" test "${st_rec2:-0}" -gt "${st_rec:-0}" 2>/dev/null
grep 'recovered' "$T_TMP/live3.err" | sed 's/^/# /'
bg_stop TERM
expect_eq "SIGTERM after the restart: exit 0" "$BG_RC" 0
ok "it stops within 5 s (${BG_MS} ms)" test "$BG_MS" -lt 5000
reference ref3
same_events "capture across a server restart = offline import" "$A3" ref3
expect_eq "the crashed binlog file gets the same warning note in both (live, offline)" \
  "$(grep -c 'without a ROTATE or STOP event' "$A3.cat") $(grep -c 'without a ROTATE or STOP event' "$T_TMP/ref3.cat")" "1 1"
read -r nb dups _ <<<"$(lv begins "$A3.cat")"
expect_eq "no GTID twice among the $nb transactions" "$dups" 0
verify_clean "binvault verify: clean after the restart" "$A3"

# ============================================================ 8. where an empty archive starts
echo "# 8. --start now, --start FILE:POS, --start-gtid ($((SECONDS - T_START)) s)"
A8=$T_TMP/live8now
S8=$T_TMP/live8now.status
NOW_POS=$(master_pos)
G0=$(gtid_pos)
bg_start live8 --archive "$A8" "${LIVE[@]}" --status-file "$S8" --start now --segment-age 1
ok "--start now: capture runs" wait_until 15 _in_state "$S8" streaming
txns 2 now
ok "--start now: capture catches up" wait_until 15 _caught_up "$S8"
T_CAUGHT=$SECONDS
# --segment-age 1: the segment is sealed about a second after it was opened
_age_sealed() { "$BV" ls --json "$A8" >"$T_TMP/ls8.json" 2>&1 && [ "$(lv segs "$T_TMP/ls8.json" | cut -d' ' -f1)" = 1 ]; }
ok "--segment-age 1: binvault ls shows the segment sealed within 5 s" wait_until 5 _age_sealed
# the server is idle and everything is archived: the status file's lag stays near 0
while [ $((SECONDS - T_CAUGHT)) -lt 2 ]; do sleep 0.2; done
sleep 1.1
# lag_seconds was once "now - timestamp of the last event", which grew while the capture was
# idle and fully caught up; it must stay 0 like Seconds_Behind_Master
expect_eq "status lag_seconds is 0 while caught up with an idle server (state, position, lag)" \
  "$(lv status "$S8" state pos lag_seconds 2>&1)" "streaming $(logged_end) 0"
bg_stop INT
expect_eq "--start now: exit 0 on SIGINT" "$BG_RC" 0
expect_eq "--start now: the archive starts at the server's position when it started" "$(stat_pos "$A8" start)" "$NOW_POS"
"$BV" cat "$A8" >"$A8.cat" 2>/dev/null
read -r nb _ _ first_gtid _ <<<"$(lv begins "$A8.cat")"
expect_eq "--start now: only the 3 new transactions, the first one after $G0" \
  "$nb $first_gtid" "3 0-1-$((${G0##*-} + 1))"

txns 2 fp1
FP=$(master_pos)
G1=$(gtid_pos)
txns 2 fp2
q "FLUSH BINARY LOGS"
txns 1 fp3
A8b=$T_TMP/live8pos
run_arch r8b --archive "$A8b" "${LIVE[@]}" --stop-at-end --start "$FP"
expect_eq "--start $FP: exit 0" "$RC" 0
[ "$RC" -eq 0 ] || echo "$ERR" | tail -3 | sed 's/^/# /'
expect_eq "--start FILE:POS: the archive starts there" "$(stat_pos "$A8b" start)" "$FP"
"$BV" cat "$A8b" >"$A8b.cat" 2>/dev/null
read -r nb _ first_at first_gtid _ <<<"$(lv begins "$A8b.cat")"
ok "--start FILE:POS: the first transaction is at or after $FP ($first_at)" \
  test "${first_at%%:*}" = "${FP%%:*}" -a "${first_at##*:}" -ge "${FP##*:}" 2>/dev/null
expect_eq "--start FILE:POS: 5 transactions, the first one after $G1" "$nb $first_gtid" "5 0-1-$((${G1##*-} + 1))"

A8c=$T_TMP/live8gtid
run_arch r8c --archive "$A8c" "${LIVE[@]}" --stop-at-end --start-gtid "$G1"
expect_eq "--start-gtid $G1: exit 0" "$RC" 0
[ "$RC" -eq 0 ] || echo "$ERR" | tail -3 | sed 's/^/# /'
"$BV" cat "$A8c" >"$A8c.cat" 2>/dev/null
read -r nb _ first_at first_gtid min_seq <<<"$(lv begins "$A8c.cat")"
expect_eq "--start-gtid: 5 transactions, all after $G1" "$nb $first_gtid $min_seq" \
  "5 0-1-$((${G1##*-} + 1)) $((${G1##*-} + 1))"
expect_eq "--start-gtid: the archive ends at the server's end" "$(stat_pos "$A8c" end)" "$(logged_end)"

reference ref8
for a in "$A8" "$A8b" "$A8c"; do
  same_events "$(basename "$a") = the offline import over its range" "$a" ref8 "$(stat_pos "$a" start)" "$(stat_pos "$a" end)"
  verify_clean "binvault verify: $(basename "$a") is clean" "$a"
done

# ============================================================ 7. options, configuration, passwords, logs
echo "# 7. usage, --config, passwords, --log-format json ($((SECONDS - T_START)) s)"
run_arch pw1 --archive "$T_TMP/pw" "${LIVE[@]}" --password secret
expect_eq "--password VALUE on the command line: exit 2" "$RC" 2
expect_match "... which names --password-file and BINVAULT_PASSWORD" "$ERR" 'password-file.*BINVAULT_PASSWORD'
run_arch pw2 --archive "$T_TMP/pw" "${LIVE[@]}" --password=secret
expect_eq "--password=VALUE: exit 2" "$RC" 2
run_arch badstart --archive "$T_TMP/badstart" "${LIVE[@]}" --stop-at-end --start nowhere
expect_eq "--start nowhere: exit 2" "$RC" 2
printf 'archive = %s\nhost = 127.0.0.1\npassword = Conf-pw-93\n' "$T_TMP/confpw" >"$T_TMP/pw.conf"
run_arch confpw --config "$T_TMP/pw.conf"
expect_eq "password = ... in a --config file: exit 2" "$RC" 2
expect_match "... the message names the line and password-file" "$ERR" 'pw\.conf:3: .*password-file'
expect_eq "... and does not show the password" "$(grep -c -F Conf-pw-93 "$T_TMP/confpw.err")" 0
printf 'archive = %s\nstop-at-the-end = true\n' "$T_TMP/confx" >"$T_TMP/bad.conf"
run_arch confbad --config "$T_TMP/bad.conf"
expect_eq "an unknown option in a --config file: exit 2" "$RC" 2
expect_match "... named with its line" "$ERR" 'bad\.conf:2: unknown option stop-at-the-end'

# a server that is not there: the capture retries (status reconnecting) and stops on SIGTERM
SNX=$T_TMP/nosrv.status
bg_start nosrv --archive "$T_TMP/nosrv" --socket "$T_TMP/no-such.sock" --status-file "$SNX" --retry-max 1
ok "no server: the status file says reconnecting" wait_until 10 _in_state "$SNX" reconnecting
bg_stop TERM
expect_eq "no server: SIGTERM during the reconnect backoff exits 0" "$BG_RC" 0
ok "... within 2 s (${BG_MS} ms)" test "$BG_MS" -lt 2000
expect_eq "... the status file says stopped" "$(status_state "$SNX")" stopped
ok "... and the last error names the socket" grep -q 'no-such\.sock' "$SNX"

CONF=$T_TMP/bv.conf
A7=$T_TMP/live7conf
cat >"$CONF" <<EOF
# binvault-archiver configuration
archive = $A7
host = 127.0.0.1
port = $MDB_PORT
user = root
stop-at-end = true
status-file = $T_TMP/live7.status
EOF
run_arch conf --config "$CONF"
expect_eq "--config FILE alone (archive, host, port, user, stop-at-end): exit 0" "$RC" 0
[ "$RC" -eq 0 ] || echo "$ERR" | tail -3 | sed 's/^/# /'
expect_eq "--config: the archive ends at the server's end" "$(stat_pos "$A7" end)" "$(logged_end)"
expect_eq "--config: status-file from the file, state stopped" "$(lv status "$T_TMP/live7.status" state 2>&1)" stopped
run_arch conf2 --config "$CONF" --archive "$T_TMP/live7cli"
expect_eq "--config with --archive on the command line: exit 0" "$RC" 0
expect_eq "the command line's --archive wins" "$(stat_pos "$T_TMP/live7cli" end)" "$(logged_end)"

q "CREATE USER bv@'127.0.0.1' IDENTIFIED BY 'secret'; GRANT REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.* TO bv@'127.0.0.1'"
WRONG=Wr0ng-pa55-q7Zx
echo "$WRONG" >"$T_TMP/wrong.pw"
run_arch wrongpw --archive "$T_TMP/live7pw" --host 127.0.0.1 --port "$MDB_PORT" --user bv \
  --password-file "$T_TMP/wrong.pw" --stop-at-end --status-file "$T_TMP/wrongpw.status"
expect_eq "a wrong password (--password-file): exit 1" "$RC" 1
expect_match "... the message says access is denied" "$ERR" '[Aa]ccess denied'
expect_eq "... the password is not in stderr, stdout or the status file" \
  "$(cat "$T_TMP/wrongpw.err" "$T_TMP/wrongpw.out" "$T_TMP/wrongpw.status" 2>/dev/null | grep -c -F -- "$WRONG")" 0
echo secret >"$T_TMP/right.pw"
run_arch rightpw --archive "$T_TMP/live7pw" --host 127.0.0.1 --port "$MDB_PORT" --user bv \
  --password-file "$T_TMP/right.pw" --stop-at-end
expect_eq "the right password in --password-file: exit 0" "$RC" 0
[ "$RC" -eq 0 ] || echo "$ERR" | tail -3 | sed 's/^/# /'
txns 1 pwenv
RC=0
BINVAULT_PASSWORD=secret timeout -k 5 30 "$ARCH" --archive "$T_TMP/live7pw" --host 127.0.0.1 --port "$MDB_PORT" \
  --user bv --stop-at-end >"$T_TMP/envpw.out" 2>"$T_TMP/envpw.err" || RC=$?
expect_eq "the right password in BINVAULT_PASSWORD: exit 0" "$RC" 0
expect_eq "... and the archive ends at the server's end" "$(stat_pos "$T_TMP/live7pw" end)" "$(logged_end)"
RC=0
BINVAULT_PASSWORD=$WRONG timeout -k 5 30 "$ARCH" --archive "$T_TMP/live7pw" --host 127.0.0.1 --port "$MDB_PORT" \
  --user bv --stop-at-end --log-format json >"$T_TMP/envbad.out" 2>"$T_TMP/envbad.err" || RC=$?
expect_eq "a wrong password in BINVAULT_PASSWORD: exit 1" "$RC" 1
expect_eq "... not in its output" "$(grep -c -F -- "$WRONG" "$T_TMP/envbad.err" "$T_TMP/envbad.out" | awk -F: '{s += $NF} END {print s}')" 0
expect_match "--log-format json, a failure: every stderr line is a JSON log record" \
  "$(lv jsonlines "$T_TMP/envbad.err")" '^[1-9][0-9]*$'

txns 1 json
run_arch json --archive "$A2" "${LIVE[@]}" --stop-at-end --log-format json
expect_eq "--log-format json run: exit 0" "$RC" 0
n=$(lv jsonlines "$T_TMP/json.err")
expect_match "--log-format json: every stderr line is a JSON log record ($n)" "$n" '^([3-9]|[1-9][0-9]+)$'
expect_match "--log-format json: the records carry the messages" "$(cat "$T_TMP/json.err")" '"level":"info","msg":"replicating from '

# ============================================================ 6. refusals
echo "# 6. refusals: another server_id, binlog_format, a purged binlog ($((SECONDS - T_START)) s)"
"$BV" cat "$A2" >"$T_TMP/a2.before" 2>/dev/null
E_SID1=$(stat_pos "$A2" end)
q "SET GLOBAL server_id = 2"
txns 1 sid2
run_arch sid --archive "$A2" "${LIVE[@]}" --stop-at-end
expect_eq "an archive of server_id 1, the server now server_id 2: exit 3" "$RC" 3
expect_match "... the message names both server ids" "$ERR" 'server_id 1.*server_id 2'
"$BV" cat "$A2" >"$T_TMP/a2.after" 2>/dev/null
ok "... and the archive is unchanged" cmp -s "$T_TMP/a2.before" "$T_TMP/a2.after"
run_arch sid2 --archive "$A2" "${LIVE[@]}" --stop-at-end --allow-new-source
expect_eq "--allow-new-source: exit 0" "$RC" 0
[ "$RC" -eq 0 ] || echo "$ERR" | tail -3 | sed 's/^/# /'
"$BV" cat "$A2" >"$A2.cat" 2>/dev/null
expect_eq "... it archives server_id 2's 2 transactions" "$(grep -c '"type":"begin".*"server_id":2,' "$A2.cat")" 2
"$BV" ls --json "$A2" >"$T_TMP/ls2.json" 2>&1
expect_eq "... in a new segment that starts where server_id 1's history ends" \
  "$(tail -1 "$T_TMP/ls2.json" | sed -n 's/.*"start":"\([^"]*\)".*/\1/p')" "$E_SID1"
txns 1 sid2b
run_arch sid3 --archive "$A2" "${LIVE[@]}" --stop-at-end
expect_eq "after that, server_id 2 continues the archive without --allow-new-source: exit 0" "$RC" 0
q "SET GLOBAL server_id = 1"
verify_clean "binvault verify: clean after --allow-new-source" "$A2"

# while a capture runs: binlog_format becomes STATEMENT and its connection is killed; it
# reconnects, sees the format, and stops by itself with exit 3
S6=$T_TMP/live6.status
bg_start live6 --archive "$A3" "${LIVE[@]}" --status-file "$S6" --retry-max 1
ok "capture 6 catches up" wait_until 15 _caught_up "$S6"
q "SET GLOBAL binlog_format = 'STATEMENT'"
DUMP_ID=$(q "SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND = 'Binlog Dump'" | head -1)
ok "KILL the capture's Binlog Dump connection ($DUMP_ID)" q "KILL $DUMP_ID"
_exited() { ! kill -0 "$BGPID" 2>/dev/null; }
ok "the capture exits by itself after reconnecting to a STATEMENT server" wait_until 10 _exited
bg_stop TERM
expect_eq "... with exit 3" "$BG_RC" 3
expect_match "... after a reconnect, naming binlog_format" "$(tr '\n' ' ' <"$T_TMP/live6.err")" \
  'reconnecting in.*binlog_format is STATEMENT, not ROW'
expect_eq "... status state failed" "$(status_state "$S6")" failed
verify_clean "binvault verify: clean after the refused reconnect" "$A3"

A6b=$T_TMP/live6fmt
run_arch fmt --archive "$A6b" "${LIVE[@]}" --stop-at-end
expect_eq "binlog_format=STATEMENT: exit 3" "$RC" 3
expect_match "... the message says it is not ROW" "$ERR" 'binlog_format is STATEMENT, not ROW'
expect_eq "... and archives nothing" "$(ls "$A6b" 2>/dev/null | grep -c '\.bvseg')" 0
q "USE lv; INSERT INTO small (tag) VALUES ('stmt-1'), ('stmt-2')"
run_arch fmt2 --archive "$A6b" "${LIVE[@]}" --stop-at-end --accept-non-row
expect_eq "--accept-non-row with binlog_format=STATEMENT: exit 0" "$RC" 0
[ "$RC" -eq 0 ] || echo "$ERR" | tail -3 | sed 's/^/# /'
expect_match "... with a warning that statements are archived only as SQL text" "$ERR" 'warn.*STATEMENT.*archived only as SQL text'
"$BV" cat "$A6b" >"$A6b.cat" 2>/dev/null
expect_eq "... the statement-logged INSERT is not archived as rows" "$(lv grep "$A6b.cat" small tag stmt-1)" 0
ok "... while the row-logged workload before it is" test "$(lv count "$A6b.cat" insert:big)" = 20000
q "SET GLOBAL binlog_format = 'ROW'"
verify_clean "binvault verify: the --accept-non-row archive is clean" "$A6b"

A6a=$T_TMP/live6purge
PF=$(master_pos)
PF=${PF%%:*}
txns 1 purge1
run_arch purge1 --archive "$A6a" "${LIVE[@]}" --stop-at-end --start "$PF:4"
expect_eq "an archive ending in $PF: exit 0" "$RC" 0
expect_match "... it ends in $PF" "$(stat_pos "$A6a" end)" "^$PF:"
q "FLUSH BINARY LOGS"
txns 1 purge2
NEWEST=$(master_pos)
NEWEST=${NEWEST%%:*}
# (the server keeps a binlog until InnoDB's checkpoint is past it: try again until it is gone)
_purged() { q "PURGE BINARY LOGS TO '$NEWEST'" 2>/dev/null && [ "$(q 'SHOW BINARY LOGS' | wc -l)" = 1 ]; }
ok "PURGE BINARY LOGS TO '$NEWEST' removes every older file" wait_until 15 _purged
"$BV" cat "$A6a" >"$T_TMP/a6.before" 2>/dev/null
run_arch purge2 --archive "$A6a" "${LIVE[@]}" --stop-at-end
expect_eq "continuing after the archive's binlog was purged: exit 3" "$RC" 3
expect_match "... the message says the binlog was purged and changes are lost" "$ERR" 'purged.*lost'
expect_match "... and names where the archive ends" "$ERR" "ends at $PF:[0-9]+"
"$BV" cat "$A6a" >"$T_TMP/a6.after" 2>/dev/null
ok "... and the archive is unchanged" cmp -s "$T_TMP/a6.before" "$T_TMP/a6.after"
verify_clean "binvault verify: clean after the refusal" "$A6a"

echo "# test_live.sh: $((SECONDS - T_START)) s"
done_testing
