#!/usr/bin/env python3
"""mariadb_check.py - the workload and the oracle of tests/sh/test_mariadb.sh.

Python 3 standard library only. It never reads a snapshot of binvault's own
output: the references are the real server (its SELECT output) and the
server's own `mariadb-binlog -vv` decoding of the same binlog files.

    mariadb_check.py sql PHASE
        the SQL of workload phase 1..5 (the shell runs it with the mariadb
        client; rotating the binlog and the global settings between phases
        are the shell's)
    mariadb_check.py select TABLE
        the SELECT that prints TABLE's final state in a form the `state`
        check reads exactly (HEX() for every string, binary, JSON, ENUM, SET
        and spatial column, CAST(f AS DOUBLE) for FLOAT, +0 for BIT/YEAR)
    mariadb_check.py rows --cat CAT.jsonl --binlog-tool PROG BINLOG...
        (a): every row image binvault decoded (`binvault cat` output) equals
        what PROG --no-defaults -vv --base64-output=decode-rows prints for the
        same row, file by file and row by row
    mariadb_check.py state --cat CAT.jsonl TABLE=SELECT_OUTPUT...
        (b): the tables rebuilt from binvault's row events (by primary key,
        in order) equal the server's final SELECT output
    mariadb_check.py selftest --cat CAT.jsonl --binlog LASTFILE --work DIR TABLE=SELECT_OUTPUT...
        proof that the checks can fail: binvault's events of LASTFILE are
        changed one thing at a time (a value of each category, a NULL, a
        GTID, a column name, a row number, a table name, a dropped INSERT, a
        before image) and (a) and (b) must each report the change

The checks print "ok DESCRIPTION" / "not ok DESCRIPTION" lines, with
"# detail" lines (counts, and the first discrepancies of each column) that
the shell relays.

How the two sides are normalised (mariadb-binlog's printing is in
sql/log_event_client.cc, log_event_print_value()):
  integers     "@N=-1 (255)": the parenthesised unsigned reading is shown for
               negative values; which one applies is the column's signedness
               (known here from the schema)
  DECIMAL      the exact text, all scale digits, on both sides
  FLOAT        printed "%g" of the float widened to double; compared as
               "%g" % binvault's value rounded to float32
  DOUBLE       printed "%.20g"; compared as "%.20g" % binvault's value
  BIT          b'0101' -> integer
  YEAR         printed as 1900 + the stored byte, so 1900 stands for 0000
  DATE         'YYYY:MM:DD' (colons) -> 'YYYY-MM-DD'
  TIME/DATETIME quoted text, same layout as binvault's
  TIMESTAMP    seconds since the epoch[.fraction]; binvault's UTC text is
               turned into that (a zero date into 0)
  strings      between quotes, every byte < 0x20 as \\xNN and every other
               byte raw (nothing else escaped); binvault's text is encoded
               in the column's character set (its binary values base64-
               decoded) and escaped the same way. BINARY(n) (and INET6,
               UUID, INET4, which MariaDB logs as BINARY): the server strips
               trailing zero bytes from the binlog image, so they are
               stripped from binvault's value first
  ENUM         the 1-based index (0 for the empty error value)
  SET          b'...': the stored little-endian bytes in storage order, each
               printed most significant bit first; bit 0 = first member

The final state (b) is read with the SELECT of `select` (session time zone
+00:00) and compared per type: integers and DECIMALs as text, FLOAT as the
float32 of CAST(f AS DOUBLE) (exact, unlike the 6-digit default), DOUBLE as
a double, BIT and YEAR as integers, DATE/TIME/DATETIME/TIMESTAMP as the
server's text (so TIMESTAMP's zero value is '0000-00-00 00:00:00'), strings
decoded from HEX() in the column's character set, binary and spatial values
and INET6/UUID/INET4 byte for byte, ENUM by member name, SET by member list,
JSON as text. Rows written before a column was added take its DEFAULT.

latin1 text stays out of 0x80-0x9f, where MariaDB's latin1 (really cp1252)
and ISO 8859-1 differ.
"""

import argparse
import base64
import calendar
import ipaddress
import json
import random
import re
import struct
import subprocess
import sys
import uuid
from decimal import Decimal

# ---------------------------------------------------------------- schema


class Col:
    def __init__(self, name, sql, kind, **kw):
        self.name = name
        self.sql = sql
        self.kind = kind
        self.unsigned = kw.get("unsigned", False)
        self.bits = kw.get("bits", 0)  # integer and BIT width
        self.prec = kw.get("prec", 0)
        self.scale = kw.get("scale", 0)
        self.fsp = kw.get("fsp", 0)
        self.charset = kw.get("charset", "utf8mb4")
        self.length = kw.get("length", 0)  # characters (text) or bytes (binary)
        self.maxbytes = kw.get("maxbytes", 0)  # TEXT/BLOB byte limit
        self.fixed = kw.get("fixed", False)
        self.members = kw.get("members", [])
        self.geo = kw.get("geo", "any")
        self.default = kw.get("default")  # final-state value of rows written before the column existed
        self.nullable = kw.get("nullable", True)

    @property
    def binary(self):
        """binvault prints these as base64"""
        return self.kind in ("bin", "geom", "inet6", "uuid", "inet4")

    @property
    def codec(self):
        return {"utf8mb4": "utf-8", "latin1": "latin-1"}[self.charset]


def int_col(name, bits, unsigned):
    sqlname = {8: "TINYINT", 16: "SMALLINT", 24: "MEDIUMINT", 32: "INT", 64: "BIGINT"}[bits]
    return Col(name, sqlname + (" UNSIGNED" if unsigned else ""), "int", bits=bits, unsigned=unsigned)


def int_range(c):
    if c.unsigned:
        return 0, (1 << c.bits) - 1
    return -(1 << (c.bits - 1)), (1 << (c.bits - 1)) - 1


ENUM_M = ["a", "b", "c😀", "it's", "x,y", "Ünïcödé", "z"]
ENUM2_M = ["m%d" % i for i in range(300)]  # more than 255 members: a 2-byte ENUM
SET_M = ["x", "y", "z", "w", "😀", "a b"]
SET64_M = ["s%d" % i for i in range(64)]  # 64 members: an 8-byte SET
SET20_M = ["t%d" % i for i in range(20)]  # 3 bytes


def sql_str(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "''") + "'"


def enum_sql(kw, members):
    return "%s(%s)" % (kw, ",".join(sql_str(m) for m in members))


def base_columns():
    cols = [Col("id", "INT NOT NULL", "int", bits=32, nullable=False)]
    for bits in (8, 16, 24, 32, 64):
        cols.append(int_col("i%d" % bits, bits, False))
        cols.append(int_col("u%d" % bits, bits, True))
    cols += [
        Col("dec65", "DECIMAL(65,30)", "dec", prec=65, scale=30),
        Col("dec10", "DECIMAL(10,0)", "dec", prec=10, scale=0),
        Col("dec52", "DECIMAL(5,2)", "dec", prec=5, scale=2),
        Col("dec189", "DECIMAL(18,9)", "dec", prec=18, scale=9),
        Col("dec3u", "DECIMAL(30,3) UNSIGNED", "dec", prec=30, scale=3, unsigned=True),
        Col("f", "FLOAT", "float"),
        Col("d", "DOUBLE", "double"),
        Col("bit1", "BIT(1)", "bit", bits=1),
        Col("bit10", "BIT(10)", "bit", bits=10),
        Col("bit64", "BIT(64)", "bit", bits=64),
        Col("yr", "YEAR", "year"),
        Col("dt", "DATE", "date"),
        Col("drop_me", "MEDIUMINT", "int", bits=24),  # dropped by the second schema change
    ]
    for n in range(7):
        cols.append(Col("tm%d" % n, "TIME(%d)" % n, "time", fsp=n))
    for n in range(7):
        cols.append(Col("dtm%d" % n, "DATETIME(%d)" % n, "datetime", fsp=n))
    for n in range(7):
        cols.append(Col("ts%d" % n, "TIMESTAMP(%d) NULL DEFAULT NULL" % n, "timestamp", fsp=n))
    cols += [
        Col("ch", "CHAR(20)", "text", length=20, fixed=True),
        Col("ch255", "CHAR(255)", "text", length=255, fixed=True),  # 1020 bytes: STRING metadata > 255
        Col("vs", "VARCHAR(20)", "text", length=20),  # 80 bytes: 1-byte length
        Col("vc", "VARCHAR(300)", "text", length=300),  # 1200 bytes: 2-byte length
        Col("l1", "VARCHAR(40) CHARACTER SET latin1", "text", length=40, charset="latin1"),
        Col("l1c", "CHAR(8) CHARACTER SET latin1", "text", length=8, charset="latin1", fixed=True),
        Col("bn16", "BINARY(16)", "bin", length=16, fixed=True),
        Col("vbs", "VARBINARY(20)", "bin", length=20),
        Col("vb", "VARBINARY(300)", "bin", length=300),
        Col("tt", "TINYTEXT", "text", maxbytes=255),
        Col("tx", "TEXT", "text", maxbytes=65535),
        Col("mt", "MEDIUMTEXT", "text", maxbytes=(1 << 24) - 1),
        Col("lt", "LONGTEXT", "text", maxbytes=(1 << 32) - 1),
        Col("tb", "TINYBLOB", "bin", maxbytes=255),
        Col("bl", "BLOB", "bin", maxbytes=65535),
        Col("mb", "MEDIUMBLOB", "bin", maxbytes=(1 << 24) - 1),
        Col("lb", "LONGBLOB", "bin", maxbytes=(1 << 32) - 1),
        Col("en", enum_sql("ENUM", ENUM_M), "enum", members=ENUM_M),
        Col("en2", enum_sql("ENUM", ENUM2_M), "enum", members=ENUM2_M),
        Col("st", enum_sql("SET", SET_M), "set", members=SET_M),
        Col("st20", enum_sql("SET", SET20_M), "set", members=SET20_M),
        Col("st64", enum_sql("SET", SET64_M), "set", members=SET64_M),
        Col("js", "JSON", "json"),
        Col("g", "GEOMETRY", "geom"),
        Col("pt", "POINT", "geom", geo="point"),
        Col("ip6", "INET6", "inet6", length=16),
        Col("uu", "UUID", "uuid", length=16),
        Col("ip4", "INET4", "inet4", length=4),
    ]
    return cols


# Table t_old is created with mysql56_temporal_format=OFF: the pre-5.6 TIME,
# DATETIME and TIMESTAMP binlog types (11, 12, 7), beside latin1 strings.
OLD_COLS = [
    Col("id", "INT NOT NULL", "int", bits=32, nullable=False),
    Col("ot", "TIME", "time"),
    Col("odt", "DATETIME", "datetime"),
    Col("ots", "TIMESTAMP NULL DEFAULT NULL", "timestamp"),
    Col("l1", "VARCHAR(30) CHARACTER SET latin1", "text", length=30, charset="latin1"),
    Col("d41", "DECIMAL(4,1)", "dec", prec=4, scale=1),
]

# Table t_hires (phase 5) uses MariaDB 5.3's own fractional TIME/DATETIME/
# TIMESTAMP formats (mysql56_temporal_format=OFF): logged as types 11/12/7
# with no metadata, so the binlog alone does not tell their width.
HIRES_COLS = [
    Col("id", "INT NOT NULL", "int", bits=32, nullable=False),
    Col("ht3", "TIME(3)", "time", fsp=3),
    Col("hdt6", "DATETIME(6)", "datetime", fsp=6),
    Col("hts2", "TIMESTAMP(2) NULL DEFAULT NULL", "timestamp", fsp=2),
    Col("n", "INT", "int", bits=32),
]

# The schema changes of phases 1 and 2, in order: (sql, op, args). The
# archive must decode each row with the columns of its own time.
ADDED = Col("added", "VARCHAR(10) DEFAULT 'dflt'", "text", length=10, default="dflt")
LATE = Col("late", "INT DEFAULT 7", "int", bits=32, default=7)
DDL = [
    ("ALTER TABLE t_all ADD COLUMN added VARCHAR(10) DEFAULT 'dflt' AFTER i8", "add", (ADDED, "i8")),
    ("ALTER TABLE t_all DROP COLUMN drop_me", "drop", ("drop_me",)),
    ("RENAME TABLE t_all TO t_all_r", "rename", ("t_all", "t_all_r")),
    ("ALTER TABLE t_all_r ADD COLUMN late INT DEFAULT 7", "add", (LATE, None)),
]
FINAL_NAME = {"t_all": "t_all_r", "t_all_r": "t_all_r", "t_old": "t_old", "t_hires": "t_hires"}


def schemas_by_epoch():
    """[(table name, [Col])] for epoch 0..len(DDL): epoch k = after k DDLs"""
    name, cols = "t_all", base_columns()
    out = [(name, list(cols))]
    for _sql, op, args in DDL:
        if op == "add":
            col, after = args
            if after is None:
                cols = cols + [col]
            else:
                i = [c.name for c in cols].index(after)
                cols = cols[: i + 1] + [col] + cols[i + 1 :]
        elif op == "drop":
            cols = [c for c in cols if c.name != args[0]]
        elif op == "rename":
            name = args[1]
        out.append((name, list(cols)))
    return out


EPOCHS = schemas_by_epoch()
ALL_COLS = {}
for _n, _cols in EPOCHS:
    for _c in _cols:
        ALL_COLS.setdefault(_c.name, _c)


def table_cols(table, epoch):
    if table == "t_old":
        return OLD_COLS
    if table == "t_hires":
        return HIRES_COLS
    name, cols = EPOCHS[epoch]
    return cols if name == table else None


def final_cols(table):
    if table == "t_old":
        return OLD_COLS
    if table == "t_hires":
        return HIRES_COLS
    return EPOCHS[-1][1]


# ---------------------------------------------------------------- values (SQL literals)

U8_ALPHA = (
    list("abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789")
    + ["'", '"', "\\", "\n", "\t", "\r", "\x00", "\x01", "\x1f", "\x7f", "é", "ß", "Ω", "中", "文", "€"]
    + ["\u2028", "😀", "🎉", "𝄞", "\\x41", "/*", "*/", "' /* x */", "\\'", "%", "_", "\ufeff"]
)
# latin1 text avoids 0x80-0x9f, where MariaDB's latin1 (cp1252) and ISO 8859-1 differ
L1_ALPHA = list("abcxyz ABC0189'\"\\\n\t\x00\x1f") + [chr(c) for c in range(0xA0, 0x100)] + ["Ã©", "Ã"]


def lit_text(s, charset="utf8mb4"):
    codec = "utf-8" if charset == "utf8mb4" else "latin-1"
    return "_%s X'%s'" % (charset, s.encode(codec).hex())


def lit_bin(b):
    return "X'%s'" % b.hex()


def rtext(rng, col, maxchars=None):
    alpha = L1_ALPHA if col.charset == "latin1" else U8_ALPHA
    limit = col.length or 40
    if maxchars is not None:
        limit = min(limit, maxchars)
    if col.maxbytes:
        limit = rng.choice([0, 1, 5, 40, 200, 255]) if maxchars is None else maxchars
    n = rng.randint(0, limit)
    out, nbytes, nchars = [], 0, 0
    for _ in range(n * 2):
        piece = rng.choice(alpha)
        b = len(piece.encode(col.codec))
        if nchars + len(piece) > limit or (col.maxbytes and nbytes + b > col.maxbytes):
            break
        out.append(piece)
        nbytes += b
        nchars += len(piece)
        if nchars >= n:
            break
    return "".join(out)


def rbytes(rng, n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def rdecimal(rng, c):
    intg = c.prec - c.scale
    ni = rng.randint(0, intg)
    s = "".join(rng.choice("0123456789") for _ in range(ni)) or "0"
    if c.scale:
        s += "." + "".join(rng.choice("0123456789") for _ in range(c.scale))
    if not c.unsigned and rng.random() < 0.5:
        s = "-" + s
    return s


def rjson(rng, depth=0):
    r = rng.random()
    if depth >= 3 or r < 0.45:
        k = rng.randrange(7)
        if k == 0:
            return rng.randint(-(1 << 62), 1 << 62)
        if k == 1:
            return rng.uniform(-1e6, 1e6)
        if k == 2:
            return rng.choice([True, False, None])
        if k == 3:
            return rng.choice([0, -1, 1e308, -1e-300, 0.5, 18446744073709551615])
        return "".join(rng.choice(U8_ALPHA) for _ in range(rng.randint(0, 8)))
    if r < 0.7:
        return [rjson(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {"".join(rng.choice("abcé😀\"\\") for _ in range(rng.randint(0, 4))) + str(i): rjson(rng, depth + 1)
            for i in range(rng.randint(0, 4))}


def rfloat32(rng):
    while True:
        x = struct.unpack("<f", struct.pack("<I", rng.getrandbits(32)))[0]
        if x == x and abs(x) != float("inf"):
            return x


def rdouble(rng):
    while True:
        x = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
        if x == x and abs(x) != float("inf"):
            return x


def wkt_geom(rng, geo):
    def num():
        return repr(rng.choice([rng.uniform(-1e6, 1e6), 0.0, -0.5, 1e300, rng.uniform(-1, 1)]))

    def pt():
        return "%s %s" % (num(), num())

    k = 0 if geo == "point" else rng.randrange(5)
    srid = rng.choice([0, 4326, 3857])
    if k == 0:
        w = "POINT(%s)" % pt()
    elif k == 1:
        w = "LINESTRING(%s)" % ",".join(pt() for _ in range(rng.randint(2, 5)))
    elif k == 2:
        w = "POLYGON((0 0,10 0,10 10,0 10,0 0),(1 1,2 1,2 2,1 1))"
    elif k == 3:
        w = "MULTIPOINT(%s)" % ",".join("(%s)" % pt() for _ in range(rng.randint(1, 4)))
    else:
        w = "GEOMETRYCOLLECTION(POINT(%s),LINESTRING(%s,%s))" % (pt(), pt(), pt())
    return "ST_GeomFromText('%s', %d)" % (w, srid)


def random_value(rng, c):
    """an SQL literal for column c"""
    if c.nullable and rng.random() < 0.1:
        return "NULL"
    k = c.kind
    if k == "int":
        lo, hi = int_range(c)
        return str(rng.choice([lo, hi, 0, 1, rng.randint(lo, hi), rng.randint(lo, hi), lo + 1 if lo else 2]))
    if k == "dec":
        return rdecimal(rng, c)
    if k == "float":
        return "%.9e" % rfloat32(rng)
    if k == "double":
        return "%.17e" % rdouble(rng)
    if k == "bit":
        return str(rng.getrandbits(c.bits))
    if k == "year":
        return str(rng.choice([0, 1901, 2155, rng.randint(1901, 2155)]))
    if k == "date":
        if rng.random() < 0.1:
            return rng.choice(["'0000-00-00'", "'2020-00-00'", "'2021-07-00'", "'0000-03-04'"])
        return "'%04d-%02d-%02d'" % (rng.randint(1000, 9999), rng.randint(1, 12), rng.randint(1, 28))
    if k == "time":
        h = rng.choice([0, 1, 23, 24, 100, 838, rng.randint(0, 838)])
        return "'%s%d:%02d:%02d.%06d'" % (rng.choice(["", "-"]), h, rng.randint(0, 59), rng.randint(0, 59),
                                          rng.choice([0, 1, 999999, 500000, rng.randint(0, 999999)]))
    if k == "datetime":
        if rng.random() < 0.1:
            return rng.choice(["'0000-00-00 00:00:00'", "'2020-00-00 01:02:03.5'", "'9999-12-31 23:59:59.999999'"])
        return "'%04d-%02d-%02d %02d:%02d:%02d.%06d'" % (
            rng.randint(1000, 9999), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
            rng.randint(0, 59), rng.randint(0, 59), rng.randint(0, 999999))
    if k == "timestamp":
        if rng.random() < 0.1:
            return rng.choice(["'0000-00-00 00:00:00'", "'1970-01-01 00:00:01'", "'2038-01-19 03:14:07.999999'"])
        return "FROM_UNIXTIME(%d.%06d)" % (rng.randint(1, 2147483646), rng.randint(0, 999999))
    if k == "text":
        return lit_text(rtext(rng, c), c.charset)
    if k == "bin":
        if c.maxbytes:
            n = rng.choice([0, 1, 16, 100, min(c.maxbytes, 255)])
        else:
            n = rng.randint(0, c.length)
        b = rbytes(rng, n)
        if n and rng.random() < 0.3:
            b = b[: max(0, n - 3)] + b"\x00" * min(3, n)  # trailing zero bytes
        return lit_bin(b)
    if k == "enum":
        if rng.random() < 0.1:
            return "'no such member'"  # the empty error value, index 0
        return lit_text(rng.choice(c.members))
    if k == "set":
        if len(c.members) > 20:
            return str(rng.getrandbits(64))
        return lit_text(",".join(m for m in c.members if rng.random() < 0.4))
    if k == "json":
        return lit_text(json.dumps(rjson(rng), ensure_ascii=False))
    if k == "geom":
        return wkt_geom(rng, c.geo)
    if k == "inet6":
        return sql_str(str(ipaddress.IPv6Address(rbytes(rng, 16))))
    if k == "uuid":
        return rng.choice(["UUID()", sql_str(str(uuid.UUID(bytes=rbytes(rng, 16))))])
    if k == "inet4":
        return sql_str(str(ipaddress.IPv4Address(rbytes(rng, 4))))
    raise ValueError(k)


def specials(c):
    """extreme values of column c, as SQL literals"""
    k = c.kind
    if k == "int":
        lo, hi = int_range(c)
        return [str(v) for v in (lo, hi, 0, -1 if lo else 1, hi - 1, lo + 1)]
    if k == "dec":
        intg = c.prec - c.scale
        mx = "9" * intg + ("." + "9" * c.scale if c.scale else "")
        tiny = ("0." + "0" * (c.scale - 1) + "1") if c.scale else "1"
        out = [mx, "0", tiny, "1", "123.5" if intg >= 3 else "0.5"]
        if not c.unsigned:
            out += ["-" + mx, "-" + tiny, "-1"]
        return out
    if k == "float":
        return ["3.40282347e38", "-3.40282347e38", "1.17549435e-38", "1.40129846e-45", "0", "-1.5", "16777217",
                "0.1", "-0e0", "1e-10"]
    if k == "double":
        return ["1.7976931348623157e308", "-1.7976931348623157e308", "2.2250738585072014e-308", "4.9e-324",
                "0e0", "0.1e0", "-0e0", "123456789012345678e0"]
    if k == "bit":
        return [str(v) for v in (0, (1 << c.bits) - 1, 1 << (c.bits - 1), 1)]
    if k == "year":
        return ["0", "1901", "2155", "2000", "1999"]
    if k == "date":
        return ["'0000-00-00'", "'1000-01-01'", "'9999-12-31'", "'2020-00-00'", "'2024-02-29'", "'0001-01-01'"]
    if k == "time":
        return ["'-838:59:59'", "'838:59:59'", "'00:00:00'", "'-00:00:00.5'", "'-00:00:01.000001'",
                "'-12:34:56.789012'", "'23:59:59.999999'", "'-00:00:00.000001'", "'100:00:00.1'"]
    if k == "datetime":
        return ["'0000-00-00 00:00:00'", "'1000-01-01 00:00:00'", "'9999-12-31 23:59:59.999999'",
                "'2020-00-00 00:00:00'", "'1970-01-01 00:00:00.000001'", "'2001-02-03 04:05:06.5'"]
    if k == "timestamp":
        return ["'0000-00-00 00:00:00'", "'1970-01-01 00:00:01'", "'2038-01-19 03:14:07.999999'",
                "'2000-02-29 12:00:00.5'", "'1970-01-01 00:00:01.000001'", "'2001-09-09 01:46:40'"]
    if k == "text":
        long_n = c.length or min(c.maxbytes // 4, 40000)
        out = ["''", lit_text("a", c.charset), lit_text("trailing  ", c.charset), lit_text("   ", c.charset)]
        if c.charset == "latin1":
            out += [lit_text("Ã©", c.charset), lit_text("café ÿ\x00\n\\'\"", c.charset),
                    lit_text(("àÿ" * 40)[: c.length], c.charset)]
        else:
            out += [lit_text("😀🎉 é中 'q' \"d\" \\b \\x41 \x00\x1f\n\r\t\x7f", c.charset),
                    lit_text(("😀" * long_n)[: max(1, long_n)], c.charset),
                    lit_text(("' /* */ x" * 40)[: c.length or 360], c.charset)]
        return out
    if k == "bin":
        n = c.length if c.length else 300
        out = ["X''", lit_bin(b"\x00" * n), lit_bin(b"\xff" * n), lit_bin(b"ab\x00\x00"),
               lit_bin(b"    "), lit_bin(b"\x00\x01\x7f\x80\n'\\\x00z")]
        if c.maxbytes > 65535:
            out.append(lit_bin(bytes(range(256)) * (300 if c.maxbytes > (1 << 24) else 280)))
        return out
    if k == "enum":
        return ["'no such member'"] + [lit_text(m) for m in (c.members[0], c.members[-1], c.members[2 % len(c.members)])]
    if k == "set":
        return ["''", lit_text(",".join(c.members)), lit_text(c.members[0]), lit_text(c.members[-1]),
                str((1 << len(c.members)) - 1)]
    if k == "json":
        docs = ["{}", "[]", "null", "true", '"str"', "-0", "1e308", "18446744073709551615",
                '{"a":[1,2.5,"x",null,true,false],"é😀":{"n":{"m":[[]]}},"esc":"\\"\\\\\\n\\u0000"}',
                json.dumps({"big": "x" * 3000, "arr": list(range(200))})]
        return [lit_text(d) for d in docs]
    if k == "geom":
        if c.geo == "point":
            return ["POINT(0,0)", "ST_GeomFromText('POINT(-1e300 1e-300)', 4326)", "POINT(1.5,-2.25)"]
        return ["ST_GeomFromText('POINT(1 2)')", "ST_GeomFromText('LINESTRING(0 0,1 1,2 2)', 4326)",
                "ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 10,0 0))')",
                "ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1),LINESTRING(0 0,1 1))', 3857)",
                "ST_GeomFromText('MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))')"]
    if k == "inet6":
        return ["'::'", "'::1'", "'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'", "'::ffff:192.168.0.1'",
                "'2001:db8::ff00:42:8329'", "'1::'"]
    if k == "uuid":
        return ["'00000000-0000-0000-0000-000000000000'", "'ffffffff-ffff-ffff-ffff-ffffffffffff'",
                "'6ccd780c-baba-1026-9564-5b8c656024db'", "'01234567-89ab-4def-8123-456789abcdef'",
                "'12345678-9abc-def0-1234-000000000000'", "UUID()"]
    if k == "inet4":
        return ["'0.0.0.0'", "'255.255.255.255'", "'10.0.0.1'", "'1.0.0.0'"]
    raise ValueError(k)


def seq_expr(c):
    """an expression of `seq` (the SEQUENCE engine's column) for column c"""
    k = c.kind
    if k == "int":
        lo, hi = int_range(c)
        if c.bits == 64:
            e = "18446744073709551615 - seq * 1000000007" if c.unsigned else "-9223372036854775807 + seq * 1000000007"
        else:
            e = "(CAST(seq AS SIGNED) * 2654435761) %% %d + %d" % (hi - lo + 1, lo)
    elif k == "dec":
        mult = Decimal("3.14159265358979323846264338327950288419716939937510").scaleb(c.prec - c.scale - 4)
        e = "CAST(%s * %s AS DECIMAL(%d,%d))" % ("(seq % 2000)" if c.unsigned else "((seq % 2000) - 1000)",
                                                 format(mult, "f"), c.prec, c.scale)
    elif k == "float":
        e = "(seq - 5000) / 7e0 * POW(10, seq % 60 - 30)"
    elif k == "double":
        e = "(seq - 5000) / 3e0 * POW(10, seq % 600 - 300)"
    elif k == "bit":
        e = "18446744073709551615 - seq * 1000000007" if c.bits == 64 else "(seq * 2654435761) %% %d" % (1 << c.bits)
    elif k == "year":
        e = "1901 + seq % 255"
    elif k == "date":
        e = "DATE('1000-01-01') + INTERVAL (seq * 137) DAY"
    elif k == "time":
        e = "SEC_TO_TIME((seq - 10000) * 150.123457)"
    elif k == "datetime":
        e = "TIMESTAMP('1000-01-01 00:00:00') + INTERVAL (seq * 1577846) SECOND + INTERVAL (seq * 37) MICROSECOND"
    elif k == "timestamp":
        e = "FROM_UNIXTIME(1 + seq * 107374 + (seq * 7919 % 1000000) * 0.000001)"
    elif k == "text":
        if c.charset == "latin1":
            e = "LEFT(CONCAT('l', seq, _latin1 X'C3A9E9FF20', seq %% 7), %d)" % c.length
        else:
            e = "CONCAT('s', seq, ' ', SUBSTRING(_utf8mb4 X'%s', 1 + seq %% 9))" % "😀é中\\x41'\n\"z".encode().hex()
            if c.length:
                e = "LEFT(%s, %d)" % (e, c.length)
            elif c.maxbytes == 255:
                e = "LEFT(%s, 60)" % e
            else:
                e = "CONCAT(%s, REPEAT('ab', seq %% 50))" % e
    elif k == "bin":
        e = "REPEAT(UNHEX(SHA2(seq, 256)), 1 + seq % 3)"
        if c.fixed:
            e = "LEFT(UNHEX(SHA2(seq, 256)), seq %% %d)" % (c.length + 1)
        elif c.length or c.maxbytes == 255:
            e = "LEFT(%s, %d)" % (e, c.length or 255)
    elif k == "enum":
        e = "1 + seq %% %d" % len(c.members)
    elif k == "set":
        e = "CAST(seq AS UNSIGNED) * 2654435761" if len(c.members) == 64 else "seq %% %d" % (1 << len(c.members))
    elif k == "json":
        e = "JSON_OBJECT('seq', seq, 'f', seq / 3e0, 's', CONCAT(_utf8mb4 X'c3a9f09f9880', seq), 'a', JSON_ARRAY(seq, NULL, TRUE))"
    elif k == "geom":
        e = "POINT(seq, -seq / 3e0)" if c.geo == "point" else \
            "IF(seq % 2, POINT(seq, seq), ST_GeomFromText(CONCAT('LINESTRING(0 0,', seq, ' 1)'), 4326))"
    elif k == "inet6":
        e = "CONCAT('2001:db8::', HEX(seq))"
    elif k == "uuid":
        e = "UUID()"
    elif k == "inet4":
        e = "CONCAT('10.', seq % 256, '.', seq DIV 256 % 256, '.', seq % 7)"
    else:
        raise ValueError(k)
    if c.nullable:
        e = "IF(seq %% 11 = %d, NULL, %s)" % (len(c.name) % 11, e)
    return e


# ---------------------------------------------------------------- workload

HEADER = """SET SESSION sql_mode='';
SET SESSION time_zone='+00:00';
SET SESSION max_statement_time=0;
"""


class Work:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.out = [HEADER]

    def emit(self, s):
        self.out.append(s.rstrip().rstrip(";") + ";\n")

    def insert(self, table, cols, rows):
        names = ",".join(c.name for c in cols)
        self.emit("INSERT INTO %s (%s) VALUES\n%s" % (table, names, ",\n".join("(" + ",".join(r) + ")" for r in rows)))

    def random_rows(self, table, cols, ids):
        self.insert(table, cols, [[str(i)] + [random_value(self.rng, c) for c in cols[1:]] for i in ids])

    def special_rows(self, table, cols, first_id):
        sp = {c.name: specials(c) for c in cols[1:]}
        n = max(len(v) for v in sp.values())
        rows = [[str(first_id + k)] + [sp[c.name][k % len(sp[c.name])] for c in cols[1:]] for k in range(n)]
        self.insert(table, cols, rows)
        return n

    def random_update(self, table, cols, where, ncols=6):
        pick = self.rng.sample(cols[1:], min(ncols, len(cols) - 1))
        sets = ", ".join("%s=%s" % (c.name, random_value(self.rng, c)) for c in pick)
        self.emit("UPDATE %s SET %s WHERE %s" % (table, sets, where))

    def seq_insert(self, table, cols, first_id, n):
        names = ",".join(c.name for c in cols)
        exprs = ",".join(["%d + seq" % (first_id - 1)] + [seq_expr(c) for c in cols[1:]])
        self.emit("INSERT INTO %s (%s) SELECT %s FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_%d) s" % (
            table, names, exprs, n))

    def text(self):
        return "".join(self.out)


def create_table(name, cols, extra=""):
    body = ",\n  ".join("%s %s" % (c.name, c.sql) for c in cols)
    return "CREATE TABLE %s (\n  %s,\n  PRIMARY KEY (id)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin%s" % (
        name, body, extra)


def phase_sql(phase):
    w = Work(1000 + phase)
    rng = w.rng
    e0 = EPOCHS[0][1]
    if phase == 1:
        w.emit("CREATE DATABASE bvt CHARACTER SET utf8mb4")
        w.emit("USE bvt")
        w.emit(create_table("t_all", e0))
        w.emit("SET GLOBAL mysql56_temporal_format=OFF")
        w.emit(create_table("t_old", OLD_COLS))
        w.emit("SET GLOBAL mysql56_temporal_format=ON")
        # extreme values, one multi-row INSERT; a row of NULLs
        n = w.special_rows("t_all", e0, 1)
        w.emit("INSERT INTO t_all (id) VALUES (%d)" % (n + 1))
        w.insert("t_old", OLD_COLS, [
            ["1", "'-838:59:59'", "'9999-12-31 23:59:59'", "'2038-01-19 03:14:07'", lit_text("Ã©", "latin1"), "-999.9"],
            ["2", "'838:59:59'", "'0000-00-00 00:00:00'", "'0000-00-00 00:00:00'", lit_text("caf\xe9", "latin1"), "999.9"],
            ["3", "'-00:00:01'", "'1000-01-01 00:00:00'", "'1970-01-01 00:00:01'", "''", "-0.1"],
            ["4", "'00:00:00'", "'2020-00-00 10:11:12'", "'2001-09-09 01:46:40'", lit_text("   ", "latin1"), "0"],
            ["5"] + ["NULL"] * (len(OLD_COLS) - 1)])
        # random rows over two transactions of several statements
        for t in range(2):
            w.emit("BEGIN")
            for s in range(3):
                base = 100 + t * 150 + s * 50
                w.random_rows("t_all", e0, range(base, base + 50))
            w.random_rows("t_old", OLD_COLS, range(10 + t * 20, 30 + t * 20))
            w.emit("COMMIT")
        # UPDATEs changing several columns, to and from NULL, and of the extremes
        w.emit("BEGIN")
        for _ in range(12):
            lo = rng.randrange(100, 400)
            w.random_update("t_all", e0, "id BETWEEN %d AND %d" % (lo, lo + rng.randrange(1, 15)))
        w.random_update("t_all", e0, "id = %d" % (n + 1), ncols=40)  # the NULL row gets values
        w.emit("UPDATE t_all SET i8 = NULL, vc = NULL, ts6 = NULL, js = NULL, g = NULL WHERE id = 1")
        w.emit("UPDATE t_all SET i64 = IF(i64 < 0, i64 + 1, -i64), u64 = u64 DIV 2, dec65 = -dec65, f = -f, d = d / 3, "
               "bit64 = bit64 >> 1, tm6 = '-01:02:03.000004', ts3 = '2000-01-01 00:00:00.123' WHERE id BETWEEN 2 AND 6")
        w.random_update("t_old", OLD_COLS, "id < 40", ncols=4)
        w.emit("COMMIT")
        w.emit("DELETE FROM t_all WHERE id % 7 = 0 AND id BETWEEN 100 AND 399")
        w.emit("DELETE FROM t_old WHERE id % 3 = 0")
        # one transaction of more than 20,000 row changes
        w.emit("BEGIN")
        w.seq_insert("t_all", e0, 100001, 13000)
        w.emit("UPDATE t_all SET i32 = i32 DIV 2, vc = CONCAT('u', id), ts6 = ts6 + INTERVAL 1 SECOND, "
               "js = JSON_SET(js, '$.u', id), st = st | 1, u64 = u64 DIV 3, d = d * 2, tm3 = NULL, "
               "bn16 = UNHEX(HEX(id)) WHERE id > 100000 AND id % 13 < 5")
        w.emit("DELETE FROM t_all WHERE id > 100000 AND id % 13 IN (7, 8)")
        w.emit("COMMIT")
        # schema changes between writes
        e = 0
        for sql, op, args in DDL[:3]:
            w.emit(sql)
            e += 1
            name, cols = EPOCHS[e]
            base = 1000 + e * 100
            w.emit("BEGIN")
            w.random_rows(name, cols, range(base, base + 30))
            w.random_update(name, cols, "id BETWEEN 100 AND 140")
            w.random_update(name, cols, "id BETWEEN %d AND %d" % (base, base + 10))
            w.emit("DELETE FROM %s WHERE id BETWEEN %d AND %d OR id BETWEEN 141 AND %d" % (name, base + 20, base + 24, 141 + e))
            w.emit("COMMIT")
            w.random_rows("t_old", OLD_COLS, range(100 + e * 10, 105 + e * 10))
        # a primary key change
        w.emit("UPDATE t_all_r SET id = id + 500000, i8 = 1 WHERE id BETWEEN 200 AND 205")
    elif phase in (2, 3, 4):
        name, cols = EPOCHS[3]
        w.emit("USE bvt")
        base = 10000 * phase
        w.emit("BEGIN")
        w.random_rows(name, cols, range(base, base + 40))
        w.random_update(name, cols, "id BETWEEN %d AND %d" % (base, base + 20))
        w.random_update(name, cols, "id BETWEEN 100 AND 180")
        w.emit("DELETE FROM %s WHERE id BETWEEN %d AND %d" % (name, base + 30, base + 35))
        w.random_rows("t_old", OLD_COLS, range(base, base + 10))
        w.emit("COMMIT")
        if phase == 2:
            # large values and a medium transaction, compressed
            w.emit("BEGIN")
            w.seq_insert(name, cols, 200001, 3000)
            w.emit("UPDATE %s SET lb = REPEAT(UNHEX(SHA2(id, 256)), 4000), lt = REPEAT(_utf8mb4 X'f09f9880', 30000), "
                   "mb = REPEAT('z', 70000) WHERE id BETWEEN 200001 AND 200003" % name)
            w.emit("DELETE FROM %s WHERE id BETWEEN 200100 AND 200199" % name)
            w.emit("COMMIT")
            sql, _op, _args = DDL[3]
            w.emit(sql)
            name, cols = EPOCHS[4]
            w.random_rows(name, cols, range(base + 50, base + 60))
            w.random_update(name, cols, "id BETWEEN 1 AND 20")
        else:
            name, cols = EPOCHS[4]
            w.random_rows(name, cols, range(base + 50, base + 60))
            w.random_update(name, cols, "id BETWEEN 100 AND 180")
            w.emit("DELETE FROM %s WHERE id BETWEEN %d AND %d" % (name, base + 50, base + 52))
            w.emit("UPDATE t_old SET l1 = CONCAT(l1, _latin1 X'C3A9') WHERE id < 30")
    elif phase == 5:
        w.emit("USE bvt")
        w.emit("SET GLOBAL mysql56_temporal_format=OFF")
        w.emit(create_table("t_hires", HIRES_COLS))
        w.emit("SET GLOBAL mysql56_temporal_format=ON")
        w.insert("t_hires", HIRES_COLS, [
            ["1", "'-838:59:59.999'", "'9999-12-31 23:59:59.999999'", "'2038-01-19 03:14:07.99'", "7"],
            ["2", "'12:34:56.789'", "'2001-02-03 04:05:06.000007'", "'1970-01-01 00:00:01.5'", "8"],
            ["3", "NULL", "NULL", "NULL", "NULL"]])
    return w.text()


# ---------------------------------------------------------------- reading binvault's output


class Raw(str):
    """a JSON number, kept as its text"""


def load_json(s):
    return json.loads(s, parse_int=Raw, parse_float=Raw)


def cat_events(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            yield load_json(line)


# ---------------------------------------------------------------- normalisation helpers


def f32(x):
    return struct.unpack("<f", struct.pack("<f", float(x)))[0]


def escape_bytes(b):
    """mariadb-binlog's my_b_write_quoted()"""
    out = bytearray()
    for ch in b:
        if ch > 0x1F:
            out.append(ch)
        else:
            out += b"\\x%02x" % ch
    return bytes(out)


def bv_bytes(c, v):
    """the bytes of binvault's value v of string-like column c"""
    if c.binary:
        return base64.b64decode(v, validate=True)
    if c.kind == "json" and not isinstance(v, str):
        raise ValueError("embedded JSON")
    return v.encode(c.codec)


TS_RE = re.compile(r"^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?$")


def ts_to_epoch_text(v):
    m = TS_RE.match(v)
    if not m:
        raise ValueError("not a timestamp: %r" % v)
    y, mo, d, h, mi, s = (int(x) for x in m.groups()[:6])
    if y == 0 and mo == 0 and d == 0:
        sec = 0
    else:
        sec = calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0))
    return "%d" % sec + ("." + m.group(7) if m.group(7) else "")


def set_mask(c, v):
    mask = 0
    for name in v:
        mask |= 1 << c.members.index(name)
    return mask


def enum_index(c, v):
    return 0 if v == "" else c.members.index(v) + 1


# ---------------------------------------------------------------- (a) rows against mariadb-binlog

VAL_RE = re.compile(rb"^###   @(\d+)=(.*) /\* (.*) meta=(\d+) nullable=(\d) is_null=(\d) \*/$", re.S)
HDR_RE = re.compile(rb"^#\d{6} [ \d]\d:\d\d:\d\d server id ")
ROWS_HDR_RE = re.compile(rb"\t(Write|Update|Delete)(_compressed)?_rows(_v1)?: table id \d+( flags: STMT_END_F)?")
GTID_RE = re.compile(rb"\tGTID (\d+-\d+-\d+)")


def compare_binlog_value(c, typ, raw, v):
    """None if binvault's value v equals mariadb-binlog's printed raw value
    of a column of mariadb-binlog type typ; else the normalised pair"""
    t = typ.decode()
    r = raw.rstrip(b" ")
    if r.startswith(b"'"):
        if not r.endswith(b"'") or len(r) < 2:
            return ("unterminated %r" % raw, v)
        q = r[1:-1]
    else:
        q = None
    k = c.kind
    if k == "int":
        m = re.match(rb"^(-?\d+)(?: \((\d+)\))?$", r)
        if not m:
            return (r, v)
        want = int(m.group(2)) if (c.unsigned and m.group(2)) else int(m.group(1))
        return None if int(v) == want and isinstance(v, Raw) else (want, v)
    if k == "dec":
        return None if isinstance(v, Raw) and str(v) == r.decode() else (r.decode(), v)
    if k == "float":
        want = r.decode()
        got = "%g" % f32(v)
        return None if got == want else (want, "%s -> %s" % (v, got))
    if k == "double":
        want = r.decode()
        got = "%.20g" % float(v)
        return None if got == want else (want, "%s -> %s" % (v, got))
    if k == "bit":
        m = re.match(rb"^b'([01]+)'$", r)
        if not m:
            return (r, v)
        want = int(m.group(1), 2)
        return None if int(v) == want else (want, v)
    if k == "year":
        want = int(r)
        if want == 1900:
            want = 0
        return None if int(v) == want else (want, v)
    if k == "date":
        want = q.decode().replace(":", "-")
        return None if v == want else (want, v)
    if k in ("time", "datetime"):
        want = q.decode()
        return None if v == want else (want, v)
    if k == "timestamp":
        want = r.decode()
        try:
            got = ts_to_epoch_text(v)
        except (ValueError, TypeError):
            return (want, v)
        return None if got == want else (want, "%s -> %s" % (v, got))
    if k == "enum":
        want = int(r)
        try:
            got = enum_index(c, v)
        except ValueError:
            return (want, v)
        return None if got == want else (want, "%s -> %d" % (v, got))
    if k == "set":
        m = re.match(rb"^b'([01]+)'$", r)
        if not m or len(m.group(1)) % 8:
            return (r, v)
        # the stored bytes (little-endian) in storage order, each byte's bits MSB first
        bits = m.group(1)
        want = int.from_bytes(bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8)), "little")
        try:
            got = set_mask(c, v)
        except (ValueError, TypeError):
            return (want, v)
        return None if got == want else (want, "%s -> %d" % (v, got))
    # strings, binary, JSON, spatial, INET6/UUID/INET4
    if q is None:
        return (r, v)
    if k == "json" and not isinstance(v, str):
        try:
            same = load_json(q.decode()) == v
        except ValueError:
            same = False
        return None if same else (q, v)
    try:
        b = bv_bytes(c, v)
    except UnicodeError:
        return (q, "%r (not %s text)" % (v, c.charset))
    except (ValueError, TypeError) as e:
        return (q, "%r (%s)" % (v, e))
    if c.binary and t.startswith("STRING("):
        b = b.rstrip(b"\x00")  # fixed BINARY: the binlog image has no trailing zeros
    got = escape_bytes(b)
    return None if got == q else (short(q), short(got))


def short(x, n=160):
    s = repr(x)
    return s if len(s) <= n else s[:n] + "...(%d chars)" % len(s)


CATEGORIES = ["integer", "DECIMAL", "FLOAT", "DOUBLE", "BIT", "YEAR", "DATE", "TIME", "DATETIME", "TIMESTAMP",
              "utf8mb4 string", "latin1 string", "binary string", "ENUM", "SET", "JSON", "spatial", "INET6", "UUID",
              "INET4"]


def category(c):
    k = c.kind
    if k == "text":
        return "%s string" % c.charset
    return {"int": "integer", "dec": "DECIMAL", "float": "FLOAT", "double": "DOUBLE", "bit": "BIT", "year": "YEAR",
            "date": "DATE", "time": "TIME", "datetime": "DATETIME", "timestamp": "TIMESTAMP", "bin": "binary string",
            "enum": "ENUM", "set": "SET", "json": "JSON", "geom": "spatial", "inet6": "INET6", "uuid": "UUID",
            "inet4": "INET4"}[k]


def col_label(table, c):
    return "%s.%s %s" % (table, c.name, c.sql.split(" DEFAULT")[0].split(" NULL")[0][:40])


class Report:
    """discrepancies by check, then by a detail key (a column, say)"""

    def __init__(self):
        self.fails = {}  # check -> key -> [count, [examples]]
        self.values = {}  # check -> values compared

    def add(self, check, key, example, keep=3):
        ent = self.fails.setdefault(check, {}).setdefault(key, [0, []])
        ent[0] += 1
        if len(ent[1]) < keep:
            ent[1].append(example)

    def seen(self, check, n=1):
        self.values[check] = self.values.get(check, 0) + n

    def count(self, check):
        return sum(e[0] for e in self.fails.get(check, {}).values())

    def total(self):
        return sum(self.count(c) for c in self.fails)

    def verdict(self, check, desc, need_values=True):
        """prints ok / not ok DESC and the details; True when clean"""
        n = self.count(check)
        good = n == 0 and (not need_values or self.values.get(check, 0) > 0)
        print(("ok " if good else "not ok ") + desc)
        if need_values and not self.values.get(check, 0):
            print("#   nothing was compared")
        for key in sorted(self.fails.get(check, {}))[:12]:
            cnt, ex = self.fails[check][key]
            print("#   %s: %d discrepancies" % (key, cnt))
            for e in ex:
                print("#     %s" % e)
        return good


def binlog_rows(tool, path, report):
    """rows of one binlog file as mariadb-binlog prints them: dicts with kind,
    db, table, images [(N, raw, type, is_null)], gtid, epoch, group (the
    offsets of the rows events of the statement)"""
    ddl_lines = {sql.encode(): i for i, (sql, _o, _a) in enumerate(DDL)}
    env = {"TZ": "UTC", "PATH": "/usr/bin:/bin:/usr/sbin:/sbin"}
    proc = subprocess.Popen([tool, "--no-defaults", "-vv", "--base64-output=decode-rows", path],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    at, nhdr = [], 0
    group, pending_group = [], None
    gtid = None
    row = None
    image = None
    for line in proc.stdout:
        line = line.rstrip(b"\n")
        if line.startswith(b"###"):
            if line.startswith(b"###   @"):
                m = VAL_RE.match(line)
                if not m or image is None:
                    report.add("tool", "output not understood", short(line))
                    continue
                image.append((int(m.group(1)), m.group(2), m.group(3), m.group(6) == b"1"))
                continue
            m = re.match(rb"^### (INSERT INTO|UPDATE|DELETE FROM) `(.*)`\.`(.*)`$", line)
            if m:
                if row:
                    yield row
                kind = {b"INSERT INTO": "insert", b"UPDATE": "update", b"DELETE FROM": "delete"}[m.group(1)]
                row = {"kind": kind, "db": m.group(2).decode(), "table": m.group(3).decode(), "before": None,
                       "after": None, "gtid": gtid, "epoch": epoch_now[0], "group": pending_group}
                image = None
                continue
            if line == b"### SET" and row:
                row["after"] = image = []
                continue
            if line == b"### WHERE" and row:
                row["before"] = image = []
                continue
            report.add("tool", "output not understood", short(line))
            continue
        if row:
            yield row
            row = None
            image = None
        if line.startswith(b"# at "):
            at.append(int(line[5:]))
        elif HDR_RE.match(line):
            off = at[nhdr] if nhdr < len(at) else None
            nhdr += 1
            g = GTID_RE.search(line)
            if g:
                gtid = g.group(1).decode()
            rm = ROWS_HDR_RE.search(line)
            if rm:
                group.append(off)
                if rm.group(4):
                    pending_group = group
                    group = []
        elif line in ddl_lines:
            epoch_now[0] = ddl_lines[line] + 1
    if row:
        yield row
    err = proc.stderr.read()
    rc = proc.wait()
    if rc != 0:
        report.add("tool", "exit status", "%s: exit %d %s" % (path, rc, short(err)))


epoch_now = [0]  # epoch of the schema: number of DDL statements seen so far in the binlogs


def run_rows(cat, tool, binlogs, start_epoch=0):
    """(a) as a Report; also the numbers of rows and values compared"""
    import os

    report = Report()
    nrows = nvals = 0
    epoch_now[0] = start_epoch
    bv_iter = cat_events(cat)
    bv_ddl = []
    pushed = []

    def next_bv_row():
        while True:
            e = pushed.pop() if pushed else next(bv_iter, None)
            if e is None:
                return None
            if e["type"] in ("insert", "update", "delete"):
                return e
            if e["type"] == "ddl":
                bv_ddl.append(e["sql"])

    for path in binlogs:
        base = os.path.basename(path)
        report.seen("tool")
        groups = {}  # id(group) -> (offsets of the statement's rows events, [binvault (offset, row)])
        for mrow in binlog_rows(tool, path, report):
            report.seen("pair")
            e = next_bv_row()
            where = "%s row %d" % (base, nrows)
            nrows += 1
            if e is None:
                report.add("pair", "rows missing in binvault", "%s: %s %s.%s" % (where, mrow["kind"], mrow["db"], mrow["table"]))
                continue
            if e["file"] != base:
                report.add("pair", "rows missing in binvault", "%s: binvault's next row is in %s at %s" % (where, e["file"], e["offset"]))
                pushed.append(e)
                continue
            where = "%s@%s row %s" % (base, e["offset"], e["row"])
            ent = groups.setdefault(id(mrow["group"]), (mrow["group"], []))
            ent[1].append((int(e["offset"]), int(e["row"])))
            if (e["type"], e["database"], e["table"]) != (mrow["kind"], mrow["db"], mrow["table"]):
                report.add("pair", "kind or table differs", "%s: binvault %s %s.%s, mariadb-binlog %s %s.%s" % (
                    where, e["type"], e["database"], e["table"], mrow["kind"], mrow["db"], mrow["table"]))
                continue
            report.seen("gtid")
            if e.get("gtid") != mrow["gtid"]:
                report.add("gtid", mrow["table"], "%s: binvault %s, mariadb-binlog %s" % (where, e.get("gtid"), mrow["gtid"]))
            report.seen("schema")
            cols = table_cols(mrow["table"], mrow["epoch"])
            if cols is None:
                report.add("schema", "table name", "%s: table %s in schema epoch %d" % (where, mrow["table"], mrow["epoch"]))
                continue
            if e["type"] == "insert":
                pairs = [("data", e.get("data"), mrow["after"])]
            elif e["type"] == "update":
                pairs = [("old", e.get("old"), mrow["before"]), ("data", e.get("data"), mrow["after"])]
            else:
                pairs = [("data", e.get("data"), mrow["before"])]
            for key, img, mimg in pairs:
                if img is None or mimg is None:
                    report.add("schema", "row image missing", "%s: %s" % (where, key))
                    continue
                names = list(img.keys())
                if names != [c.name for c in cols]:
                    report.add("schema", "%s column names" % mrow["table"], "%s %s: %s, want %s" % (
                        where, key, short(",".join(names), 300), short(",".join(c.name for c in cols), 300)))
                    continue
                if [m[0] for m in mimg] != list(range(1, len(cols) + 1)):
                    report.add("schema", "%s column count" % mrow["table"], "%s %s: mariadb-binlog has %d values, the schema %d columns" % (
                        where, key, len(mimg), len(cols)))
                    continue
                for c, (n, raw, typ, is_null) in zip(cols, mimg):
                    nvals += 1
                    v = img[c.name]
                    report.seen("null")
                    if is_null or v is None:
                        if not (is_null and v is None):
                            report.add("null", col_label(mrow["table"], c), "%s %s: mariadb-binlog %s, binvault %s" % (
                                where, key, "NULL" if is_null else short(raw), short(v)))
                        continue
                    cat = category(c)
                    report.seen(cat)
                    diff = compare_binlog_value(c, typ, raw, v)
                    if diff:
                        report.add(cat, col_label(mrow["table"], c), "%s %s: mariadb-binlog %s, binvault %s" % (
                            where, key, short(diff[0]), short(diff[1])))
        # the rows of each statement sit in its rows events, numbered from 0 in each
        for goffs, bvpos in groups.values():
            report.seen("offsets")
            if goffs is None:
                report.add("offsets", "statement without rows events", "%s: %s" % (base, short(bvpos[:6])))
                continue
            offs = [o for o, _r in bvpos]
            good = offs == sorted(offs) and set(offs) == set(goffs)
            nextrow = {}
            for o, r in bvpos:
                if r != nextrow.get(o, 0):
                    good = False
                nextrow[o] = r + 1
            if not good:
                report.add("offsets", base, "rows events at %s, binvault rows at %s" % (short(goffs, 200), short(bvpos[:12], 200)))
    extra = 0
    while next_bv_row() is not None:
        extra += 1
    if extra:
        report.add("pair", "rows binvault has beyond mariadb-binlog's", "%d rows" % extra)
    want_ddl = [sql for sql, _o, _a in DDL]
    got_ddl = [x for x in bv_ddl if x in want_ddl]
    if got_ddl != want_ddl:
        report.add("ddl", "statements", short(got_ddl, 400))
    return report, nrows, nvals


def cmd_rows(args):
    report, nrows, nvals = run_rows(args.cat, args.binlog_tool, args.binlogs, args.start_epoch)
    print("# (a) rows compared with mariadb-binlog: %d; values compared: %d; discrepancies: %d" % (nrows, nvals, report.total()))
    ok = report.verdict("tool", "mariadb-binlog decodes every file (exit 0, output understood)")
    ok &= report.verdict("pair", "(a) binvault's rows pair up with mariadb-binlog's, file by file and in order: same kind, "
                                 "database and table (%d rows)" % nrows)
    ok &= report.verdict("gtid", "(a) each row carries its transaction's GTID")
    ok &= report.verdict("schema", "(a) each row has the columns of its own time (names, count) across ADD/DROP COLUMN and RENAME")
    ok &= report.verdict("offsets", "(a) row offsets are their statement's rows events, rows numbered from 0 in each")
    ok &= report.verdict("ddl", "(a) binvault archived the %d schema changes, in order" % len(DDL), need_values=False)
    ok &= report.verdict("null", "(a) NULL exactly where mariadb-binlog has NULL (%d values)" % report.values.get("null", 0))
    for cat in CATEGORIES:
        ok &= report.verdict(cat, "(a) %s values equal mariadb-binlog's (%d values)" % (cat, report.values.get(cat, 0)))
    return 0 if ok else 1


# ---------------------------------------------------------------- (b) final state against SELECT


def select_sql(table):
    exprs = []
    for c in final_cols(table):
        k = c.kind
        if k in ("int", "dec", "double", "date", "time", "datetime", "timestamp"):
            exprs.append(c.name)
        elif k == "float":
            exprs.append("CAST(%s AS DOUBLE)" % c.name)
        elif k in ("bit", "year"):
            exprs.append("%s + 0" % c.name)
        else:
            exprs.append("HEX(%s)" % c.name)
    return "SET SESSION time_zone='+00:00';\nSELECT %s FROM bvt.%s ORDER BY id;\n" % (", ".join(exprs), table)


def compare_server_value(c, s, v):
    """None when binvault's v equals the server's printed s (both non-NULL)"""
    k = c.kind
    try:
        if k == "int":
            return None if isinstance(v, Raw) and int(v) == int(s) else (s, v)
        if k == "dec":
            return None if isinstance(v, Raw) and str(v) == s else (s, v)
        if k == "float":
            return None if f32(v) == f32(s) else (s, v)
        if k == "double":
            return None if float(v) == float(s) else (s, v)
        if k in ("bit", "year"):
            return None if int(v) == int(s) else (s, v)
        if k in ("date", "time", "datetime", "timestamp"):
            return None if v == s else (s, v)
        b = bytes.fromhex(s)
        if k == "enum":
            return None if v == b.decode() else (b.decode(), v)
        if k == "set":
            want = b.decode().split(",") if b else []
            return None if v == want else (want, v)
        if k == "json" and not isinstance(v, str):
            return None if load_json(b.decode()) == v else (b.decode(), v)
        if c.binary:
            got = base64.b64decode(v, validate=True)
            return None if got == b else (b.hex(), got.hex())
        want = b.decode(c.codec)
        return None if v == want else (short(want), short(v))
    except (ValueError, TypeError, UnicodeError) as e:
        return (s, "%s (%s)" % (short(v), e))


def run_state(cat, tables):
    """(b) as a Report; tables: {table: file of its SELECT output}"""
    report = Report()
    state = {t: {} for t in tables}
    nev = 0
    for e in cat_events(cat):
        if e["type"] not in ("insert", "update", "delete") or e.get("database") != "bvt":
            continue
        t = FINAL_NAME.get(e["table"])
        if t not in state:
            continue
        nev += 1
        rows = state[t]
        where = "%s@%s row %s" % (e["file"], e["offset"], e["row"])
        report.seen("images")
        if e["type"] in ("update", "delete"):
            old = e["old"] if e["type"] == "update" else e["data"]
            pk = int(old["id"])
            cur = rows.get(pk)
            if cur is None:
                report.add("images", "%s: %s of a missing row" % (t, e["type"]), "%s: id %d" % (where, pk))
            else:
                bad = [k for k in old if k in cur and cur[k] != old[k]]
                if bad:
                    report.add("images", "%s: before image differs from the rebuilt row" % t, "%s: id %d columns %s" % (
                        where, pk, short(bad[:6])))
                del rows[pk]
        if e["type"] in ("insert", "update"):
            new = e["data"]
            pk = int(new["id"])
            if pk in rows:
                report.add("images", "%s: %s over an existing row" % (t, e["type"]), "%s: id %d" % (where, pk))
            rows[pk] = new
    nrows = nvals = 0
    for t, path in tables.items():
        cols = final_cols(t)
        server = {}
        report.seen("keys")
        with open(path, encoding="utf-8") as f:
            for line in f:
                fields = line.rstrip("\n").split("\t")
                if len(fields) != len(cols):
                    report.add("keys", "%s: SELECT output lines" % t, short(line))
                    continue
                server[int(fields[0])] = fields
        rebuilt = state[t]
        for pk in sorted(set(server) | set(rebuilt)):
            if pk not in rebuilt:
                report.add("keys", "%s: rows on the server, not in the archive" % t, "id %d" % pk)
                continue
            if pk not in server:
                report.add("keys", "%s: rows in the archive, not on the server" % t, "id %d" % pk)
                continue
            nrows += 1
            row = rebuilt[pk]
            for c, s in zip(cols, server[pk]):
                nvals += 1
                if c.name in row:
                    v = row[c.name]
                elif c.default is not None:
                    v = Raw(c.default) if c.kind == "int" else c.default  # written before the column existed
                else:
                    report.add("keys", "%s.%s missing from archived rows" % (t, c.name), "id %d" % pk)
                    continue
                report.seen("null")
                if s == "NULL" or v is None:
                    if not (s == "NULL" and v is None):
                        report.add("null", col_label(t, c), "id %d: server %s, binvault %s" % (pk, short(s), short(v)))
                    continue
                cat = category(c)
                report.seen(cat)
                diff = compare_server_value(c, s, v)
                if diff:
                    report.add(cat, col_label(t, c), "id %d: server %s, binvault %s" % (pk, short(diff[0]), short(diff[1])))
    return report, nev, nrows, nvals


def cmd_state(args):
    tables = dict(spec.split("=", 1) for spec in args.tables)
    report, nev, nrows, nvals = run_state(args.cat, tables)
    names = ", ".join(tables)
    print("# (b) %s: row events applied: %d; final rows compared: %d; values compared: %d; discrepancies: %d" % (
        names, nev, nrows, nvals, report.total()))
    ok = report.verdict("keys", "(b) %s: the archive's rebuilt tables hold exactly the server's rows (%d)" % (names, nrows))
    ok &= report.verdict("images", "(b) %s: before images of updates and deletes equal the rebuilt rows, inserts are new (%d events)" % (
        names, nev))
    ok &= report.verdict("null", "(b) %s: NULL exactly where the server has NULL (%d values)" % (names, report.values.get("null", 0)))
    for cat in CATEGORIES:
        if any(category(c) == cat for t in tables for c in final_cols(t)):
            ok &= report.verdict(cat, "(b) %s: %s values equal the server's (%d values)" % (names, cat, report.values.get(cat, 0)))
    return 0 if ok else 1


# ---------------------------------------------------------------- the checks can fail


def dump(v):
    """JSON text of a value read by load_json (numbers keep their text)"""
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if v is None:
        return "null"
    if v is True or v is False:
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ",".join(dump(x) for x in v) + "]"
    return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + dump(x) for k, x in v.items()) + "}"


def other_digit(s):
    i = max(i for i, ch in enumerate(s) if ch.isdigit())
    return s[:i] + str((int(s[i]) + 1) % 10) + s[i + 1:]


def mutated(c, v):
    """a value of column c different from v, of the same JSON kind"""
    k = c.kind
    if k == "int":
        return Raw(str(int(v) - 1 if int(v) == int_range(c)[1] else int(v) + 1))
    if k == "dec":
        return Raw(other_digit(str(v)))
    if k in ("float", "double"):
        x = float(v)
        return Raw(repr(x / 2 if abs(x) > 1 else x + 1))
    if k == "bit":
        return Raw(str(int(v) ^ 1))
    if k == "year":
        return Raw("1902" if int(v) == 1901 else "1901")
    if k in ("date", "time", "datetime", "timestamp"):
        return other_digit(v)
    if c.binary:
        b = base64.b64decode(v)
        b = bytes([b[0] ^ 1]) + b[1:] if b else b"\x01"
        return base64.b64encode(b).decode()
    if k == "enum":
        return c.members[1] if v == c.members[0] else c.members[0]
    if k == "set":
        return [m for m in c.members if (m in v) != (m == c.members[0])]
    if k == "json" and not isinstance(v, str):
        return [v]
    return v + "x"


def make_mutants(cat, target, table, out):
    """copies the events of binlog file `target` from cat to out, changing
    one thing per check; returns [(report, check, key, what)] that each
    change must add discrepancies to"""
    lines = []
    with open(cat, encoding="utf-8") as f:
        for line in f:
            if ('"file":"%s"' % target) in line:
                lines.append(line)
    evs = [load_json(x) for x in lines]
    rowev = [i for i, e in enumerate(evs) if e["type"] in ("insert", "update", "delete")]
    last, deleted = {}, set()
    for i in rowev:
        e = evs[i]
        key = (e["table"], int((e.get("old") or e["data"])["id"]))
        if e["type"] == "delete":
            deleted.add(key)
            last.pop(key, None)
        else:
            nk = (e["table"], int(e["data"]["id"]))
            if e["type"] == "update" and nk != key:
                last.pop(key, None)
            deleted.discard(nk)
            last[nk] = i
    survivors = sorted(i for k, i in last.items() if k[0] == table)
    used = set()
    expect = []
    cols = {c.name: c for c in final_cols(table)}

    def pick(cands, want):
        # ASCII strings first: the change must be the only discrepancy of its value
        for ascii_only in (True, False):
            for i in cands:
                if i in used:
                    continue
                for name, v in evs[i]["data"].items():
                    c = cols.get(name)
                    if c is None or name == "id" or v is None or not want(c):
                        continue
                    if ascii_only and isinstance(v, str) and not v.isascii():
                        continue
                    used.add(i)
                    return i, c
        return None, None

    for cat_name in CATEGORIES:
        i, c = pick(survivors, lambda c, cn=cat_name: category(c) == cn)
        if i is None:
            continue
        evs[i]["data"][c.name] = mutated(c, evs[i]["data"][c.name])
        lab = col_label(table, c)
        expect.append(("a", cat_name, lab, "a changed %s value" % cat_name))
        expect.append(("b", cat_name, lab, "a changed %s value" % cat_name))
    i, c = pick(survivors, lambda c: c.kind == "int")
    if i is not None:
        evs[i]["data"][c.name] = None
        expect.append(("a", "null", col_label(table, c), "a value turned NULL"))
        expect.append(("b", "null", col_label(table, c), "a value turned NULL"))
    i, c = pick(survivors, lambda c: c.kind == "int")
    if i is not None:
        evs[i]["gtid"] = "9-9-9"
        expect.append(("a", "gtid", table, "a changed GTID"))
    i, c = pick(rowev, lambda c: c.name == "vc")
    if i is not None:
        evs[i]["data"] = {(k + "_" if k == "vc" else k): v for k, v in evs[i]["data"].items()}
        expect.append(("a", "schema", "%s column names" % table, "a renamed column"))
    i, c = pick([j for j in rowev if evs[j]["type"] != "delete"], lambda c: True)
    if i is not None:
        evs[i]["row"] = Raw(str(int(evs[i]["row"]) + 1))
        expect.append(("a", "offsets", target, "a changed row number"))
    i, c = pick([j for j in rowev if evs[j]["type"] != "delete"], lambda c: True)
    if i is not None:
        evs[i]["table"] = "t_nope"
        expect.append(("a", "pair", "kind or table differs", "a changed table name"))
    i, c = pick([j for j in survivors if evs[j]["type"] == "insert"], lambda c: True)
    if i is not None:
        drop = i
        expect.append(("b", "keys", "%s: rows on the server, not in the archive" % table, "a dropped INSERT"))
    else:
        drop = None
    i, c = pick([j for j in rowev if evs[j]["type"] == "update" and evs[j]["table"] == table], lambda c: c.kind == "text")
    if i is not None:
        evs[i]["old"][c.name] = mutated(c, evs[i]["old"][c.name] or "")
        expect.append(("b", "images", "%s: before image differs from the rebuilt row" % table, "a changed before image"))
    with open(out, "w", encoding="utf-8") as f:
        for j, e in enumerate(evs):
            if j != drop:
                f.write(dump(e) + "\n")
    return expect


def cmd_selftest(args):
    """changes binvault's output one thing at a time: every check must notice"""
    import os

    target = os.path.basename(args.binlog)
    tables = dict(spec.split("=", 1) for spec in args.tables)
    tmp = args.work
    base_cat = os.path.join(tmp, "selftest.base.jsonl")
    mut_cat = os.path.join(tmp, "selftest.mut.jsonl")
    with open(args.cat, encoding="utf-8") as f, open(base_cat, "w", encoding="utf-8") as g:
        for line in f:
            if ('"file":"%s"' % target) in line:
                g.write(line)
    expect = make_mutants(args.cat, target, "t_all_r", mut_cat)
    ra0 = run_rows(base_cat, args.binlog_tool, [args.binlog], args.start_epoch)[0]
    ra1 = run_rows(mut_cat, args.binlog_tool, [args.binlog], args.start_epoch)[0]
    # (b) on the whole archive with the mutated file's events replaced
    full_mut = os.path.join(tmp, "selftest.full.jsonl")
    with open(args.cat, encoding="utf-8") as f, open(full_mut, "w", encoding="utf-8") as g:
        done = False
        for line in f:
            if ('"file":"%s"' % target) in line:
                if not done:
                    with open(mut_cat, encoding="utf-8") as m:
                        g.write(m.read())
                    done = True
            else:
                g.write(line)
    rb0 = run_state(args.cat, tables)[0]
    rb1 = run_state(full_mut, tables)[0]
    good = True
    print("# self-test: %d changes to binvault's output in %s" % (len(expect), target))

    def cnt(r, check, key):
        return r.fails.get(check, {}).get(key, [0])[0]

    for part, check, key, what in expect:
        r0, r1 = (ra0, ra1) if part == "a" else (rb0, rb1)
        ok = cnt(r1, check, key) > cnt(r0, check, key)
        good &= ok
        print(("ok " if ok else "not ok ") + "self-test: (%s) notices %s (%s)" % (part, what, key))
    ncat = len({c for p, c, _k, _w in expect if c in CATEGORIES})
    ok = ncat == len(CATEGORIES)
    print(("ok " if ok else "not ok ") + "self-test: a value of every category was changed (%d of %d)" % (ncat, len(CATEGORIES)))
    return 0 if good and ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("sql")
    p.add_argument("phase", type=int)
    p = sub.add_parser("select")
    p.add_argument("table")
    p = sub.add_parser("rows")
    p.add_argument("--cat", required=True)
    p.add_argument("--binlog-tool", default="mariadb-binlog")
    p.add_argument("binlogs", nargs="+")
    p.add_argument("--start-epoch", type=int, default=0, help="schema changes before the first file")
    p = sub.add_parser("selftest")
    p.add_argument("--cat", required=True)
    p.add_argument("--binlog-tool", default="mariadb-binlog")
    p.add_argument("--binlog", required=True, help="the file whose events are changed (the last one)")
    p.add_argument("--start-epoch", type=int, default=len(DDL))
    p.add_argument("--work", required=True, help="a directory for the changed copies")
    p.add_argument("tables", nargs="+", metavar="TABLE=FILE")
    p = sub.add_parser("state")
    p.add_argument("--cat", required=True)
    p.add_argument("tables", nargs="+", metavar="TABLE=FILE")
    args = ap.parse_args()
    if args.cmd == "sql":
        sys.stdout.write(phase_sql(args.phase))
        return 0
    if args.cmd == "select":
        sys.stdout.write(select_sql(args.table))
        return 0
    if args.cmd == "rows":
        return cmd_rows(args)
    if args.cmd == "selftest":
        return cmd_selftest(args)
    return cmd_state(args)


if __name__ == "__main__":
    sys.exit(main())
