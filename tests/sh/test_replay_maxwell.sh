#!/usr/bin/env bash
# binvault-replayer's Maxwell JSON against what Maxwell's Daemon documents,
# field by field, for a table holding every MariaDB column type.
#
# A private MariaDB (UTC, ROW binlogs, FULL image and metadata) writes, with
# fixed SET timestamp values so each transaction's binlog time is known:
#   T1 1767225600 (2026-01-01T00:00:00Z)  BEGIN; INSERT row 1 (extremes);
#      INSERT rows 2 (zero-ish values) and 3 (NULLs) in one statement; COMMIT
#   T2 1767225661  UPDATE of 2 columns of row 3 (one from 42, one from NULL)
#   T3 1767225722  DELETE of row 2
#   T4 1767225783  BEGIN; UPDATE row 1 (a value to NULL, a latin1 text);
#      UPDATE row 3 (one column from NULL); COMMIT
# The binlog files are imported with binvault-archiver and replayed with
# --output stdout three times: default options; --output-binlog-position
# --output-gtid-position --output-primary-keys --output-primary-key-columns
# --no-output-xoffset; --no-output-nulls. Every line is parsed with Python's
# json (floats as decimal.Decimal, keeping each number's text) and compared
# with the expected objects below, which are written BY HAND from Maxwell's
# documented format (Maxwell 1.45, RowMap.toJSON and the column defs):
#   - compact JSON; keys in the order database, table, type, ts, xid,
#     xoffset (every row but a transaction's last) | commit:true (the last
#     row only, never false), position "file:offset" (of the rows event),
#     gtid "domain-server-seq", primary_key, primary_key_columns, data, old;
#   - data in column order; old only the changed columns with their before
#     values (a change from NULL is "col":null), omitted when empty; with
#     output_nulls=false NULLs are left out of data AND old (so an old that
#     held only NULLs is {} -- Maxwell writes old whenever it is non-empty);
#   - integers exact (BIGINT UNSIGNED max too); DECIMAL as BigDecimal's
#     toString (scale digits, scientific when the adjusted exponent < -6:
#     0.0000000100 -> 1.00E-8, 0 at scale 10 -> 0E-10); FLOAT/DOUBLE as
#     Java's Float/Double.toString (1.1, 100.0, 1.0E20, 1.0E-4, 0.0); BIT
#     and YEAR numbers; DATE/DATETIME/TIMESTAMP/TIME strings with exactly
#     fsp fractional digits, TIMESTAMP in UTC; latin1 text decoded as
#     Windows-1252 (0x80 is the euro sign); binary strings base64 (BINARY(4)
#     padded with 0x00); ENUM the member; SET an array in definition order;
#     MariaDB JSON (a LONGTEXT) a string; GEOMETRY as JTS WKT "POINT (3 2)".
# ts must also equal the rows event's time in `binvault cat`, xid the
# transaction's XID in `binvault cat` and in mariadb-binlog, and position
# the rows event's offset as mariadb-binlog prints it.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. tests/sh/lib.sh
. tests/sh/mariadb_lib.sh
ARCH=$BV_BIN/binvault-archiver
BV=$BV_BIN/binvault
RP=$BV_BIN/binvault-replayer
W=$T_TMP/rm
mkdir -p "$W"
trap 'mdb_stop; [ -n "${BV_KEEP_TMP:-}" ] || rm -rf "$T_TMP"' EXIT

mdb_start "$W/m" || { echo "not ok 1 - MariaDB starts"; exit 1; }
"${MDB_SQL[@]}" -e "RESET MASTER"
"${MDB_SQL[@]}" >"$W/sql.out" 2>&1 <<'SQL'
CREATE DATABASE shop;
CREATE TABLE shop.t (
  id INT NOT NULL PRIMARY KEY,
  ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, mu MEDIUMINT UNSIGNED, i INT, bi BIGINT, bu BIGINT UNSIGNED,
  d1 DECIMAL(10,2), d2 DECIMAL(30,10), f FLOAT, db DOUBLE, b1 BIT(1), b12 BIT(12), y YEAR, dt DATE, tm TIME(3),
  dtm DATETIME, dtm6 DATETIME(6), ts2 TIMESTAMP(2) NULL DEFAULT NULL, ch CHAR(5), vc VARCHAR(20) CHARACTER SET utf8mb4,
  tx TEXT CHARACTER SET latin1, bn BINARY(4), vb VARBINARY(10), bl BLOB, en ENUM('a','b'), st SET('x','y','z'),
  js JSON, g GEOMETRY, p POINT
) DEFAULT CHARSET=utf8mb4;
SET timestamp = 1767225600;
BEGIN;
SET time_zone = '+01:00';
INSERT INTO shop.t VALUES (1, -128, 255, -32768, 16777215, -2147483648, -9223372036854775808, 18446744073709551615,
  19.90, 0.0000000100, 1.1, 100, b'1', b'101', 2026, '2026-01-31', '12:34:56.789', '2026-01-31 10:00:00',
  '2026-01-31 10:00:00.123456', '2026-01-31 10:00:00.12', 'abc', '😀 é', 'é€', 0x00010203, 0x00ff, 0xdeadbeef,
  'b', 'z,x', '{"items": 2}', ST_GeomFromText('POINT(3 2)'), POINT(3, 2));
SET time_zone = '+00:00';
INSERT INTO shop.t VALUES
  (2, 0, 0, 0, 0, 0, 0, 0, -0.50, 0, 0, 1e20, b'0', b'111111111111', 1901, '1970-01-01', '00:00:00.000',
   '2000-01-01 00:00:00', '2000-01-01 00:00:00.000001', '1970-01-01 00:00:01.00', '', '', '', 0x0102, '', '',
   'a', '', '[]', ST_GeomFromText('POINT(-1.5 0.25)'), POINT(0, 0)),
  (3, NULL, NULL, NULL, NULL, 42, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
COMMIT;
SET timestamp = 1767225661;
UPDATE shop.t SET si = 7, i = 43, db = 0.0001 WHERE id = 3;
SET timestamp = 1767225722;
DELETE FROM shop.t WHERE id = 2;
SET timestamp = 1767225783;
BEGIN;
UPDATE shop.t SET vc = NULL, tx = 'z' WHERE id = 1;
UPDATE shop.t SET ch = 'q' WHERE id = 3;
COMMIT;
FLUSH BINARY LOGS;
SQL
expect_eq "the workload runs" "$?" "0"
[ -s "$W/sql.out" ] && sed 's/^/# /' "$W/sql.out" | head -5
mapfile -t FILES < <(mdb_binlogs)
"$MDB_BINLOG" --no-defaults "${FILES[@]}" >"$W/binlog.txt" 2>"$W/binlog.err"
expect_eq "mariadb-binlog reads the binlog files" "$?" "0"
mdb_stop

rc=0
"$ARCH" --quiet --archive "$W/a" "${FILES[@]}" >"$W/arch.out" 2>&1 || rc=$?
expect_eq "binvault-archiver imports the binlog files" "$rc" "0"
[ "$rc" = 0 ] || sed 's/^/# /' "$W/arch.out" | tail -5
"$BV" cat "$W/a" >"$W/cat.jsonl"
expect_eq "binvault cat reads the archive" "$?" "0"
for run in 1 2 3; do
  case $run in
    1) opts=() ;;
    2) opts=(--output-binlog-position --output-gtid-position --output-primary-keys --output-primary-key-columns
             --no-output-xoffset) ;;
    3) opts=(--no-output-nulls) ;;
  esac
  rc=0
  "$RP" --archive "$W/a" --output stdout --quiet "${opts[@]}" >"$W/r$run.jsonl" 2>"$W/r$run.err" || rc=$?
  expect_eq "binvault-replayer ${opts[*]:-(defaults)} exits 0" "$rc" "0"
  [ "$rc" = 0 ] || sed 's/^/# /' "$W/r$run.err" | tail -5
  [ -s "$W/r$run.err" ] && { _t_result 1 "binvault-replayer ${opts[*]:-(defaults)} writes nothing on stderr"; sed 's/^/# /' "$W/r$run.err" | head -5; }
done

# The checker prints "ok DESC" / "not ok DESC" / "# ..." lines; they count here.
python3 - "$W/r1.jsonl" "$W/r2.jsonl" "$W/r3.jsonl" "$W/cat.jsonl" "$W/binlog.txt" >"$W/py.out" 2>"$W/py.err" <<'PY'
import datetime, decimal, json, re, sys

R1, R2, R3, CAT, BINLOG = sys.argv[1:6]

class JNum(decimal.Decimal):
    """A JSON number with a fraction or exponent, remembering its exact text."""
    def __new__(cls, text):
        o = decimal.Decimal.__new__(cls, text)
        o.raw = text
        return o

class Obj:
    """A JSON object as its (key, value) pairs in order."""
    def __init__(self, pairs):
        self.pairs = pairs
    def keys(self):
        return [k for k, _ in self.pairs]
    def get(self, k, dflt=None):
        for kk, v in self.pairs:
            if kk == k:
                return v
        return dflt

def parse(line):
    return json.loads(line, parse_float=JNum, object_pairs_hook=Obj)

N = JNum   # N("1.00E-8"): Maxwell writes this number with exactly this text

def show(v):
    if isinstance(v, JNum):
        return v.raw
    if isinstance(v, Obj):
        return "{" + ",".join("%s:%s" % (json.dumps(k), show(x)) for k, x in v.pairs) + "}"
    if isinstance(v, dict):
        return "{" + ",".join("%s:%s" % (json.dumps(k), show(x)) for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ",".join(show(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)

def diff(got, want, path, errs):
    """Appends to errs every difference of type, value, number text or key order."""
    if isinstance(want, JNum):
        if not isinstance(got, JNum):
            errs.append("%s: want number %s, got %s" % (path, want.raw, show(got)))
        elif got.raw != want.raw or decimal.Decimal(got) != decimal.Decimal(want):
            errs.append("%s: want %s, got %s" % (path, want.raw, got.raw))
    elif isinstance(want, bool):
        if got is not want:
            errs.append("%s: want %s, got %s" % (path, show(want), show(got)))
    elif isinstance(want, int):
        if type(got) is not int or got != want:
            errs.append("%s: want integer %d, got %s" % (path, want, show(got)))
    elif want is None:
        if got is not None:
            errs.append("%s: want null, got %s" % (path, show(got)))
    elif isinstance(want, str):
        if type(got) is not str or got != want:
            errs.append("%s: want %s, got %s" % (path, show(want), show(got)))
    elif isinstance(want, list):
        if type(got) is not list:
            errs.append("%s: want %s, got %s" % (path, show(want), show(got)))
        elif len(got) != len(want):
            errs.append("%s: want %s, got %s" % (path, show(want), show(got)))
        else:
            for n, (g, w) in enumerate(zip(got, want)):
                diff(g, w, "%s[%d]" % (path, n), errs)
    elif isinstance(want, dict):
        if not isinstance(got, Obj):
            errs.append("%s: want object %s, got %s" % (path, show(want), show(got)))
            return
        if got.keys() != list(want.keys()):
            errs.append("%s: want keys %s, got %s" % (path, ",".join(want.keys()), ",".join(got.keys())))
        for k, w in want.items():
            if k in got.keys():
                diff(got.get(k), w, "%s.%s" % (path, k), errs)
    else:
        raise TypeError(path)

n_checks = 0
def check(desc, errs):
    global n_checks
    n_checks += 1
    if errs:
        print("not ok %s" % desc)
        for e in errs:
            print("#   %s" % e)
    else:
        print("ok %s" % desc)

def compact(line):
    """True when the line has no whitespace outside strings."""
    in_str = esc = False
    for c in line:
        if in_str:
            if esc: esc = False
            elif c == "\\": esc = True
            elif c == '"': in_str = False
        elif c == '"': in_str = True
        elif c in " \t\r\n": return False
    return True

# ---------------------------------------------------------------- expectations (by hand)
COLS = ["id", "ti", "tu", "si", "mu", "i", "bi", "bu", "d1", "d2", "f", "db", "b1", "b12", "y", "dt", "tm",
        "dtm", "dtm6", "ts2", "ch", "vc", "tx", "bn", "vb", "bl", "en", "st", "js", "g", "p"]
ROW1 = {"id": 1, "ti": -128, "tu": 255, "si": -32768, "mu": 16777215, "i": -2147483648,
        "bi": -9223372036854775808, "bu": 18446744073709551615,
        "d1": N("19.90"), "d2": N("1.00E-8"), "f": N("1.1"), "db": N("100.0"),
        "b1": 1, "b12": 5, "y": 2026, "dt": "2026-01-31", "tm": "12:34:56.789",
        "dtm": "2026-01-31 10:00:00", "dtm6": "2026-01-31 10:00:00.123456",
        "ts2": "2026-01-31 09:00:00.12",            # written as 10:00:00.12 at +01:00: UTC
        "ch": "abc", "vc": "\U0001F600 \u00e9", "tx": "\u00e9\u20ac",   # latin1 0xE9 0x80 as Windows-1252
        "bn": "AAECAw==", "vb": "AP8=", "bl": "3q2+7w==", "en": "b", "st": ["x", "z"],
        "js": "{\"items\": 2}", "g": "POINT (3 2)", "p": "POINT (3 2)"}
ROW2 = {"id": 2, "ti": 0, "tu": 0, "si": 0, "mu": 0, "i": 0, "bi": 0, "bu": 0,
        "d1": N("-0.50"), "d2": N("0E-10"), "f": N("0.0"), "db": N("1.0E20"),
        "b1": 0, "b12": 4095, "y": 1901, "dt": "1970-01-01", "tm": "00:00:00.000",
        "dtm": "2000-01-01 00:00:00", "dtm6": "2000-01-01 00:00:00.000001", "ts2": "1970-01-01 00:00:01.00",
        "ch": "", "vc": "", "tx": "", "bn": "AQIAAA==", "vb": "", "bl": "", "en": "a", "st": [],
        "js": "[]", "g": "POINT (-1.5 0.25)", "p": "POINT (0 0)"}
ROW3 = {c: None for c in COLS}
ROW3.update({"id": 3, "i": 42})
ROW3b = dict(ROW3, si=7, i=43, db=N("1.0E-4"))
ROW1b = dict(ROW1, vc=None, tx="z")
ROW3c = dict(ROW3b, ch="q")
for r in (ROW1, ROW2, ROW3, ROW3b, ROW1b, ROW3c):
    assert list(r.keys()) == COLS

T1, T2, T3, T4 = 1767225600, 1767225661, 1767225722, 1767225783
# one entry per published row: type, ts, transaction (1..4), xoffset or None
# for the commit row, rows event (index among the binlog's rows events), gtid,
# primary key, data, old (None: no "old")
EXPECT = [
    ("insert", T1, 1, 0,    0, "0-1-3", 1, ROW1,  None),
    ("insert", T1, 1, 1,    1, "0-1-3", 2, ROW2,  None),
    ("insert", T1, 1, None, 1, "0-1-3", 3, ROW3,  None),
    ("update", T2, 2, None, 2, "0-1-4", 3, ROW3b, {"si": None, "i": 42, "db": None}),
    ("delete", T3, 3, None, 3, "0-1-5", 2, ROW2,  None),
    ("update", T4, 4, 0,    4, "0-1-6", 1, ROW1b, {"vc": "\U0001F600 \u00e9", "tx": "\u00e9\u20ac"}),
    ("update", T4, 4, None, 5, "0-1-6", 3, ROW3c, {"ch": None}),
]

# ---------------------------------------------------------------- independent facts
# mariadb-binlog: the "# at N" lines and the event header lines come in the same order
ats, heads = [], []
for l in open(BINLOG, encoding="utf-8", errors="replace"):
    m = re.match(r"# at (\d+)$", l.rstrip("\n"))
    if m:
        ats.append(int(m.group(1)))
    elif re.match(r"#\d{6} +\d+:\d\d:\d\d server id ", l):
        heads.append(l.rstrip("\n"))
rows_pos = [a for a, h in zip(ats, heads) if re.search(r"\t(Write|Update|Delete)_rows", h)]
xids_binlog = [int(m.group(1)) for h in heads for m in [re.search(r"\tXid = (\d+)", h)] if m]
gtids_binlog = [m.group(1) for h in heads for m in [re.search(r"\tGTID (\d+-\d+-\d+) trans", h)] if m]
binlog_file = None
for l in open(CAT, encoding="utf-8"):
    binlog_file = binlog_file or json.loads(l)["file"]
check("mariadb-binlog shows 6 rows events, 4 XIDs, GTIDs 0-1-3..0-1-6",
      [] if (len(rows_pos), len(xids_binlog), gtids_binlog) == (6, 4, ["0-1-3", "0-1-4", "0-1-5", "0-1-6"])
      else ["rows events at %s, xids %s, gtids %s" % (rows_pos, xids_binlog, gtids_binlog)])

# binvault cat: the rows events' times and the commits' xids
cat = [json.loads(l) for l in open(CAT, encoding="utf-8")]
cat_rows = [e for e in cat if e["type"] in ("insert", "update", "delete")]
cat_xids = [e["xid"] for e in cat if e["type"] == "commit" and e.get("kind") == "xid"]
def epoch(iso):
    d = datetime.datetime.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp())
check("binvault cat shows 7 row changes and 4 XID commits (the same XIDs as mariadb-binlog)",
      [] if len(cat_rows) == 7 and cat_xids == xids_binlog else
      ["cat rows %d, cat xids %s, mariadb-binlog xids %s" % (len(cat_rows), cat_xids, xids_binlog)])

# ---------------------------------------------------------------- the three runs
def expected(k, run):
    typ, ts, tx, xoff, ev, gtid, pk, data, old = EXPECT[k]
    o = {"database": "shop", "table": "t", "type": typ, "ts": ts,
         "xid": cat_xids[tx - 1] if tx - 1 < len(cat_xids) else -1}
    if xoff is None:
        o["commit"] = True
    elif run != 2:                                    # run 2: --no-output-xoffset
        o["xoffset"] = xoff
    if run == 2:
        o["position"] = "%s:%d" % (binlog_file, rows_pos[ev] if ev < len(rows_pos) else -1)
        o["gtid"] = gtid
        o["primary_key"] = [pk]
        o["primary_key_columns"] = ["id"]
    if run == 3:                                      # --no-output-nulls: null columns left out
        data = {c: v for c, v in data.items() if v is not None}
        if old is not None:
            old = {c: v for c, v in old.items() if v is not None}
    o["data"] = data
    if old is not None:
        o["old"] = old
    return o

NAMES = {1: "defaults", 2: "position/gtid/primary keys, no xoffset", 3: "--no-output-nulls"}
for run, path in ((1, R1), (2, R2), (3, R3)):
    raw = open(path, "rb").read()
    try:
        lines = raw.decode("utf-8").split("\n")
        utf8 = []
    except UnicodeDecodeError as e:
        lines, utf8 = raw.decode("utf-8", "replace").split("\n"), [str(e)]
    check("[%s] output is UTF-8 ending in a newline" % NAMES[run],
          utf8 + ([] if raw.endswith(b"\n") else ["no final newline"]))
    lines = [l for l in lines if l]
    check("[%s] %d JSON lines, one per row change" % (NAMES[run], len(EXPECT)),
          [] if len(lines) == len(EXPECT) else ["got %d lines" % len(lines)])
    for k, line in enumerate(lines[:len(EXPECT)]):
        tag = "[%s] line %d (%s id=%s)" % (NAMES[run], k + 1, EXPECT[k][0], EXPECT[k][6])
        try:
            got = parse(line)
        except ValueError as e:
            check("%s is JSON" % tag, [str(e), line[:300]])
            continue
        want = expected(k, run)
        check("%s is compact JSON (no whitespace outside strings)" % tag,
              [] if compact(line) else [line[:300]])
        check("%s top-level keys in Maxwell's order: %s" % (tag, ",".join(want.keys())),
              [] if isinstance(got, Obj) and got.keys() == list(want.keys())
              else ["got %s" % (",".join(got.keys()) if isinstance(got, Obj) else show(got))])
        if not isinstance(got, Obj):
            continue
        commit = got.get("commit", "absent")
        check("%s commit is true on the transaction's last row only, never false" % tag,
              [] if (commit is True) == (EXPECT[k][3] is None) and (commit is True or commit == "absent")
              else ["commit: %s" % show(commit)])
        # ts: the hand-written SET timestamp, and the rows event's time in binvault cat
        errs = []
        diff(got.get("ts"), want["ts"], "ts", errs)
        if k < len(cat_rows) and got.get("ts") != epoch(cat_rows[k]["ts"]):
            errs.append("ts %s != binvault cat's %s" % (show(got.get("ts")), cat_rows[k]["ts"]))
        check("%s ts = %d, the rows event's binlog time in seconds" % (tag, want["ts"]), errs)
        for key in [x for x in want if x not in ("ts", "data", "old")]:
            errs = []
            diff(got.get(key, "(absent)"), want[key], key, errs)
            check("%s %s = %s" % (tag, key, show(want[key])), errs)
        for part in ("data", "old"):
            if part not in want:
                check("%s has no %s" % (tag, part), [] if part not in got.keys() else ["%s: %s" % (part, show(got.get(part)))])
                continue
            g, w = got.get(part), want[part]
            if not isinstance(g, Obj):
                check("%s %s is an object" % (tag, part), ["got %s" % show(g)])
                continue
            check("%s %s keys: %s" % (tag, part, ",".join(w.keys()) or "(none)"),
                  [] if g.keys() == list(w.keys()) else ["got %s" % ",".join(g.keys())])
            if run == 1:          # field by field
                for c, v in w.items():
                    errs = []
                    diff(g.get(c, "(absent)"), v, "%s.%s" % (part, c), errs)
                    check("%s %s.%s = %s" % (tag, part, c, show(v)), errs)
            else:                 # the whole object (every difference listed)
                errs = []
                diff(g, w, part, errs)
                check("%s %s values, types and number texts" % (tag, part), errs)
    # xoffset counts 0,1,.. within each transaction on the rows before its last
    if run != 2:
        errs, seen = [], {}
        for k, line in enumerate(lines[:len(EXPECT)]):
            try:
                o = parse(line)
            except ValueError:
                continue
            x = o.get("xid")
            if o.get("commit") is True:
                seen.pop(x, None)
            else:
                n = seen.get(x, 0)
                if o.get("xoffset") != n:
                    errs.append("line %d: xoffset %s, want %d" % (k + 1, show(o.get("xoffset")), n))
                seen[x] = n + 1
        check("[%s] xoffset counts 0,1,.. within each transaction" % NAMES[run], errs)
PY
pyrc=$?
while IFS= read -r line; do
  case $line in
    "ok "*) _t_result 0 "${line#ok }" ;;
    "not ok "*) _t_result 1 "${line#not ok }" ;;
    "#"*) echo "$line" ;;
  esac
done <"$W/py.out"
if [ "$pyrc" -ne 0 ] || [ -s "$W/py.err" ]; then
  _t_result 1 "the Maxwell format checker runs to the end"
  sed 's/^/# /' "$W/py.err" | tail -20
fi
done_testing
