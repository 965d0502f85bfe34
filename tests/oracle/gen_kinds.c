/* gen_kinds: write an archive that uses every part of the format, for the
 * oracle test (tests/sh/test_oracle.sh): every value kind with its edge
 * values (NaN, -0.0, INT64_MIN, zero dates, negative times, invalid UTF-8,
 * ENUM/SET indexes past the members, ABSENT columns), UPDATE and DELETE
 * images, DDL with non-UTF-8 text, NOTE inside and outside transactions,
 * every commit kind, GTID-less transactions, MySQL GTID tags and several
 * uuids (or MariaDB domains and flags), schemas without names and with a
 * non-UTF-8 column name, a rotate to a binlog file whose name needs %XX in
 * segment names, tiny blocks (transactions split across blocks), many
 * segments, and two writer sessions (the second continues the open segment).
 *
 * usage: gen_kinds DIR [--mariadb] [--txns N]
 * Built by the test from this file and the format library sources; not part
 * of the product. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binvault/archive.h"

static bv_str S(const char *p) { bv_str s = {p, strlen(p)}; return s; }
static bv_str B(const char *p, size_t n) { bv_str s = {p, n}; return s; }

static char err[1024];
static void die(const char *what)
{
    fprintf(stderr, "gen_kinds: %s: %s\n", what, err);
    exit(1);
}

enum { C_INT, C_UINT, C_FLOAT, C_DOUBLE, C_DEC, C_DATE, C_TIME, C_DT, C_TS, C_YEAR, C_STR, C_BINSTR, C_VARBIN,
       C_BLOB, C_JSON, C_BIT, C_ENUM, C_SET, C_GEO, C_VEC, C_NULL, C_MISS, C_CAFE, NCOLS };

static bv_schema *schema_all(int version)
{
    static const bv_str enum_m[] = {{"a", 1}, {"b", 1}, {"c d", 3}};
    static const bv_str set_m[] = {{"x", 1}, {"y", 1}, {"z", 1}};
    struct { const char *name; uint8_t type, real; uint16_t flags; uint32_t meta; uint16_t prec, scale; uint32_t cs; } d[NCOLS] = {
        [C_INT] = {"c_int", BV_MYSQL_TYPE_LONGLONG, 0, 0, 0, 0, 0, 0},
        [C_UINT] = {"c_uint", BV_MYSQL_TYPE_LONGLONG, 0, BV_COL_UNSIGNED, 0, 0, 0, 0},
        [C_FLOAT] = {"c_float", BV_MYSQL_TYPE_FLOAT, 0, BV_COL_NULLABLE, 4, 0, 0, 0},
        [C_DOUBLE] = {"c_double", BV_MYSQL_TYPE_DOUBLE, 0, BV_COL_NULLABLE, 8, 0, 0, 0},
        [C_DEC] = {"c_dec", BV_MYSQL_TYPE_NEWDECIMAL, 0, BV_COL_NULLABLE, 0x2009, 32, 9, 0},
        [C_DATE] = {"c_date", BV_MYSQL_TYPE_DATE, 0, 0, 0, 0, 0, 0},
        [C_TIME] = {"c_time", BV_MYSQL_TYPE_TIME2, 0, 0, 3, 0, 3, 0},
        [C_DT] = {"c_dt", BV_MYSQL_TYPE_DATETIME2, 0, 0, 6, 0, 6, 0},
        [C_TS] = {"c_ts", BV_MYSQL_TYPE_TIMESTAMP2, 0, 0, 2, 0, 2, 0},
        [C_YEAR] = {"c_year", BV_MYSQL_TYPE_YEAR, 0, 0, 0, 0, 0, 0},
        [C_STR] = {"c_str", BV_MYSQL_TYPE_VARCHAR, 0, BV_COL_NULLABLE, 1020, 0, 0, 255},
        [C_BINSTR] = {"c_binstr", BV_MYSQL_TYPE_STRING, 0, BV_COL_BINARY, 0xfe10, 0, 0, 63},
        [C_VARBIN] = {"c_varbin", BV_MYSQL_TYPE_VARCHAR, 0, BV_COL_BINARY, 64, 0, 0, 63},
        [C_BLOB] = {"c_blob", BV_MYSQL_TYPE_BLOB, 0, BV_COL_BINARY | BV_COL_NULLABLE, 2, 0, 0, 63},
        [C_JSON] = {"c_json", BV_MYSQL_TYPE_JSON, 0, BV_COL_NULLABLE, 4, 0, 0, 63},
        [C_BIT] = {"c_bit", BV_MYSQL_TYPE_BIT, 0, 0, 0x0800, 0, 0, 0},
        [C_ENUM] = {"c_enum", BV_MYSQL_TYPE_STRING, BV_MYSQL_TYPE_ENUM, 0, 0xf701, 0, 0, 255},
        [C_SET] = {"c_set", BV_MYSQL_TYPE_STRING, BV_MYSQL_TYPE_SET, 0, 0xf801, 0, 0, 255},
        [C_GEO] = {"c_geo", BV_MYSQL_TYPE_GEOMETRY, 0, BV_COL_NULLABLE, 4, 0, 0, 63},
        [C_VEC] = {"c_vec", BV_MYSQL_TYPE_VECTOR, 0, BV_COL_NULLABLE, 12, 0, 0, 63},
        [C_NULL] = {"c_null", BV_MYSQL_TYPE_NULL, 0, BV_COL_NULLABLE | BV_COL_INVISIBLE, 0, 0, 0, 0},
        [C_MISS] = {"c_miss", BV_MYSQL_TYPE_LONG, 0, BV_COL_NULLABLE, 0, 0, 0, 0},
        [C_CAFE] = {"caf\xe9", BV_MYSQL_TYPE_LONG, 0, BV_COL_NULLABLE, 0, 0, 0, 0},
    };
    bv_schema *s = bv_schema_new(S("kinds"), S(version ? "all_v2" : "all"), BV_SCHEMA_FROM_TABLE_MAP);
    for (int i = 0; i < NCOLS; i++) {
        bv_column c;
        memset(&c, 0, sizeof(c));
        c.name = S(d[i].name);
        c.type = d[i].type;
        c.real_type = d[i].real ? d[i].real : d[i].type;
        c.flags = d[i].flags;
        c.meta = d[i].meta;
        c.precision = d[i].prec;
        c.scale = d[i].scale;
        c.charset = d[i].cs;
        if (i == C_ENUM) { c.nmembers = 3; c.members = enum_m; }
        if (i == C_SET) { c.nmembers = 3; c.members = set_m; }
        if (i == C_GEO) c.geometry_type = 1;
        if (i == C_VEC) c.vector_dims = 3;
        if (i == C_UINT) c.type_name = S("bigint(20) unsigned");
        if (bv_schema_add_column(s, &c, err, sizeof(err)))
            die("add column");
    }
    uint32_t pk[2] = {C_INT, C_STR}, prefix[2] = {0, 10};
    if (bv_schema_set_primary_key(s, pk, prefix, 2, err, sizeof(err)) || bv_schema_finish(s, err, sizeof(err)))
        die("schema");
    return s;
}

static bv_schema *schema_noname(void)
{
    bv_schema *s = bv_schema_new(S("kinds"), S("anon"), BV_SCHEMA_NO_NAMES);
    for (int i = 0; i < 2; i++) {
        bv_column c;
        memset(&c, 0, sizeof(c));
        c.name = S(i ? "@2" : "@1");
        c.type = c.real_type = i ? BV_MYSQL_TYPE_VAR_STRING : BV_MYSQL_TYPE_LONG;
        c.charset = i ? 33 : 0;
        if (bv_schema_add_column(s, &c, err, sizeof(err)))
            die("add column");
    }
    if (bv_schema_finish(s, err, sizeof(err)))
        die("schema");
    return s;
}

/* ------------------------------------------------------------ values */

static const char *const strs[] = {
    "plain", "quote\" back\\slash /", "tab\tnl\ncr\r\x01\x1f ctl", "\xc3\xa9 \xc3\xbc \xe6\xbc\xa2 \xf0\x9f\x98\x80",
    "\xff\xfe a \xc3", "\xc0\xaf overlong", "\xed\xa0\x80 surrogate", "", "\xf4\x90\x80\x80 too big", "x\xe2\x82",
};
static const char *const decs[] = {"-0.5", "0", "12345678901234567890.123456789", "-1", "3.140", "99999999.000000001"};
static const char *const jsons[] = {"{\"a\":1.50,\"b\":[true,null,\"x\"],\"c\":-0.0e1}", "[]", "\"s\\u00e9\"",
                                    "12345678901234567890", "{\"k\":{\"n\":-12.5E-3}}"};

static char geo[32], vec[12];

static void fill(bv_value *v, unsigned i, int absent)
{
    memset(v, 0, sizeof(bv_value) * NCOLS);
    unsigned k = i % 7;
    v[C_INT].kind = BV_VAL_INT;
    v[C_INT].v.i = k == 0 ? INT64_MIN : k == 1 ? -1 : k == 2 ? INT64_MAX : (int64_t)i * 7 - 50;
    v[C_UINT].kind = BV_VAL_UINT;
    v[C_UINT].v.u = k == 0 ? UINT64_MAX : k == 1 ? 0 : k == 2 ? (1ull << 63) : i * 1000003ull;
    static const float fl[] = {NAN, INFINITY, -0.0f, 0.1f, 3.4e38f, 1e-45f, -123.25f, 16777217.0f};
    v[C_FLOAT].kind = BV_VAL_FLOAT;
    v[C_FLOAT].v.f = fl[i % 8];
    static const double db[] = {NAN, -INFINITY, 0.1, 1e300, 5e-324, -0.0, 123456789.125, 1.0 / 3};
    if (i % 9 == 4)
        v[C_DOUBLE].kind = BV_VAL_NULL;
    else {
        v[C_DOUBLE].kind = BV_VAL_DOUBLE;
        v[C_DOUBLE].v.d = db[i % 8];
    }
    v[C_DEC].kind = BV_VAL_DECIMAL;
    v[C_DEC].v.s = S(decs[i % 6]);
    v[C_DATE].kind = BV_VAL_DATE;
    if (k == 0) { v[C_DATE].v.dt.year = 0; v[C_DATE].v.dt.month = 0; v[C_DATE].v.dt.day = 0; }
    else if (k == 1) { v[C_DATE].v.dt.year = 9999; v[C_DATE].v.dt.month = 12; v[C_DATE].v.dt.day = 31; }
    else { v[C_DATE].v.dt.year = 2024; v[C_DATE].v.dt.month = 2; v[C_DATE].v.dt.day = (uint8_t)(1 + i % 29); }
    v[C_TIME].kind = BV_VAL_TIME;
    v[C_TIME].v.time.negative = (uint8_t)(i & 1);
    v[C_TIME].v.time.hour = k == 0 ? 838 : k == 1 ? 0 : i % 24;
    v[C_TIME].v.time.minute = (uint8_t)(k == 0 ? 59 : i % 60);
    v[C_TIME].v.time.second = (uint8_t)(k == 0 ? 59 : (i * 7) % 60);
    v[C_TIME].v.time.usec = k == 1 ? 1 : (i * 123457u) % 1000000u;
    v[C_DT].kind = BV_VAL_DATETIME;
    if (k == 0) {
        /* all zero */
    } else if (k == 1) {
        v[C_DT].v.dt.year = 9999; v[C_DT].v.dt.month = 12; v[C_DT].v.dt.day = 31;
        v[C_DT].v.dt.hour = 23; v[C_DT].v.dt.minute = 59; v[C_DT].v.dt.second = 59; v[C_DT].v.dt.usec = 999999;
    } else {
        v[C_DT].v.dt.year = (uint16_t)(1000 + i); v[C_DT].v.dt.month = (uint8_t)(1 + i % 12);
        v[C_DT].v.dt.day = (uint8_t)(1 + i % 28); v[C_DT].v.dt.hour = (uint8_t)(i % 24);
        v[C_DT].v.dt.minute = (uint8_t)(i % 60); v[C_DT].v.dt.second = (uint8_t)((i * 13) % 60);
        v[C_DT].v.dt.usec = (i * 7919u) % 1000000u;
    }
    v[C_TS].kind = BV_VAL_TIMESTAMP;
    v[C_TS].v.ts.sec = k == 0 ? 0 : k == 1 ? 2147483647u : k == 2 ? 4102444800ull : 1700000000ull + i * 86399ull;
    v[C_TS].v.ts.usec = k == 1 ? 990000 : (i * 31337u) % 1000000u;
    v[C_YEAR].kind = BV_VAL_YEAR;
    v[C_YEAR].v.u = k == 0 ? 0 : k == 1 ? 1901 : 2155;
    if (i % 11 == 3)
        v[C_STR].kind = BV_VAL_NULL;
    else {
        v[C_STR].kind = BV_VAL_STRING;
        v[C_STR].v.s = S(strs[i % 10]);
    }
    v[C_BINSTR].kind = BV_VAL_STRING; /* STRING kind in a binary-charset column */
    v[C_BINSTR].v.s = B("\x00\x01\xff\x80", (size_t)(i % 5));
    v[C_VARBIN].kind = BV_VAL_BYTES;
    v[C_VARBIN].v.s = B(strs[i % 10], strlen(strs[i % 10]));
    v[C_BLOB].kind = i % 4 == 1 ? BV_VAL_NULL : BV_VAL_BYTES;
    v[C_BLOB].v.s = B("\x00blob\x00\xfe", i % 4 == 2 ? 0 : 7);
    v[C_JSON].kind = BV_VAL_JSON;
    v[C_JSON].v.s = S(jsons[i % 5]);
    v[C_BIT].kind = BV_VAL_BIT;
    v[C_BIT].v.u = k == 0 ? 0 : k == 1 ? UINT64_MAX : 0x1ff;
    v[C_ENUM].kind = BV_VAL_ENUM;
    v[C_ENUM].v.u = i % 5 == 4 ? 7 : i % 5; /* 0 = '', 1..3 members, 7 past them */
    v[C_SET].kind = BV_VAL_SET;
    v[C_SET].v.u = k == 0 ? 0 : k == 1 ? 5 : k == 2 ? ((1ull << 63) | 1) : 7;
    memcpy(geo, "\xe6\x10\x00\x00\x01\x01\x00\x00\x00", 9);
    double xy[2] = {i * 0.5, -1.25};
    memcpy(geo + 9, xy, 16);
    v[C_GEO].kind = BV_VAL_GEOMETRY;
    v[C_GEO].v.s = B(geo, 25);
    float fv[3] = {1.5f, -2.0f, (float)i};
    memcpy(vec, fv, 12);
    v[C_VEC].kind = i % 6 == 5 ? BV_VAL_NULL : BV_VAL_VECTOR;
    v[C_VEC].v.s = B(vec, 12);
    v[C_NULL].kind = BV_VAL_NULL;
    v[C_MISS].kind = absent ? BV_VAL_ABSENT : BV_VAL_INT;
    v[C_MISS].v.i = -(int64_t)i;
    v[C_CAFE].kind = BV_VAL_INT;
    v[C_CAFE].v.i = (int64_t)i;
}

/* ------------------------------------------------------------ stream */

typedef struct gen {
    bv_writer *w;
    int mariadb;
    char file[64];
    uint64_t off, ts, seq, seq2, xid;
    bv_schema *all[2], *anon;
} gen;

static void put(gen *g, bv_event *ev)
{
    ev->pos.file = S(g->file);
    ev->pos.offset = g->off;
    ev->ts_us = g->ts;
    if (bv_writer_append(g->w, ev, err, sizeof(err)))
        die("append");
    g->off += 17;
}

static void txn(gen *g, unsigned n)
{
    bv_event ev;
    bv_value before[NCOLS], after[NCOLS];
    g->ts += 1000003;
    memset(&ev, 0, sizeof(ev));
    ev.type = BV_EV_BEGIN;
    ev.server_id = 7 + n % 3;
    ev.thread_id = 1000 + n;
    if (n % 10 == 9) {
        ev.gtid.flavor = BV_GTID_NONE; /* a transaction without a GTID */
    } else if (g->mariadb) {
        ev.gtid.flavor = BV_GTID_MARIADB;
        ev.gtid.domain = n % 3 == 0 ? 1 : 0;
        ev.gtid.server_id = ev.server_id;
        ev.gtid.seq = n % 3 == 0 ? ++g->seq2 : ++g->seq;
        ev.flags = n % 4 == 0 ? 0x08 : 0x01;
    } else {
        static const uint8_t u1[16] = {0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1, 0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62};
        static const uint8_t u0[16] = {0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
        ev.gtid.flavor = BV_GTID_MYSQL;
        if (n % 3 == 0) {
            memcpy(ev.gtid.uuid, u0, 16);
            ev.gtid.seq = ++g->seq2;
        } else {
            memcpy(ev.gtid.uuid, u1, 16);
            ev.gtid.seq = ++g->seq;
            if (n % 3 == 2)
                strcpy(ev.gtid.tag, n % 2 ? "blue" : "_T9");
        }
    }
    put(g, &ev);
    unsigned kind = n % 8;
    if (kind == 5) { /* DDL, non-UTF-8 text */
        memset(&ev, 0, sizeof(ev));
        ev.type = BV_EV_DDL;
        ev.database = S(n % 2 ? "kinds" : "");
        ev.sql = S("ALTER TABLE `all` COMMENT '\xff\xfe caf\xc3\xa9 \"q\"'");
        put(g, &ev);
        memset(&ev, 0, sizeof(ev));
        ev.type = BV_EV_COMMIT;
        ev.commit_kind = BV_COMMIT_IMPLICIT;
        ev.end_offset = g->off + 30;
        put(g, &ev);
        g->off += 30;
        return;
    }
    unsigned rows = 1 + n % 4;
    for (unsigned r = 0; r < rows; r++) {
        unsigned i = n * 4 + r;
        memset(&ev, 0, sizeof(ev));
        ev.pos.row = r;
        if (kind == 6) {
            bv_value a[2];
            memset(a, 0, sizeof(a));
            a[0].kind = BV_VAL_INT;
            a[0].v.i = (int64_t)i;
            a[1].kind = r % 2 ? BV_VAL_NULL : BV_VAL_STRING;
            a[1].v.s = S("anon");
            ev.type = BV_EV_INSERT;
            ev.schema = g->anon;
            ev.ncols = 2;
            ev.after = a;
            ev.pos.offset = g->off;
            ev.pos.file = S(g->file);
            ev.ts_us = g->ts;
            if (bv_writer_append(g->w, &ev, err, sizeof(err)))
                die("append");
            continue;
        }
        ev.type = (uint8_t)(BV_EV_INSERT + (i % 3));
        ev.schema = g->all[(n / 16) % 2];
        ev.ncols = NCOLS;
        fill(before, i, i % 2);
        fill(after, i + 1, i % 3 == 0);
        if (ev.type != BV_EV_INSERT)
            ev.before = before;
        if (ev.type != BV_EV_DELETE)
            ev.after = after;
        ev.pos.file = S(g->file);
        ev.pos.offset = g->off; /* rows of one rows event share the offset */
        ev.ts_us = g->ts + r;
        if (bv_writer_append(g->w, &ev, err, sizeof(err)))
            die("append");
        if (r == 1) {
            memset(&ev, 0, sizeof(ev));
            ev.type = BV_EV_NOTE;
            ev.note_level = BV_NOTE_WARNING;
            ev.text = S("note inside a transaction: \xe2\x9c\x93");
            ev.pos.file = S(g->file);
            ev.pos.offset = g->off;
            ev.ts_us = g->ts + r;
            if (bv_writer_append(g->w, &ev, err, sizeof(err)))
                die("append");
        }
    }
    g->off += 100;
    memset(&ev, 0, sizeof(ev));
    ev.type = BV_EV_COMMIT;
    ev.commit_kind = (uint8_t)(n % 3); /* XID, COMMIT, ROLLBACK */
    ev.xid = ev.commit_kind == BV_COMMIT_XID ? ++g->xid : 0;
    ev.end_offset = g->off + 31;
    put(g, &ev);
    g->off += 14;
}

static void outside(gen *g, unsigned n)
{
    bv_event ev;
    memset(&ev, 0, sizeof(ev));
    if (n % 2) {
        ev.type = BV_EV_NOTE;
        ev.note_level = BV_NOTE_INFO;
        ev.text = S("skipped an event \x01 \xff");
        put(g, &ev);
        return;
    }
    ev.type = BV_EV_ROTATE;
    char nf[64];
    snprintf(nf, sizeof(nf), n % 4 ? "bin log/\xc3\xbc.%06u" : "mysql-bin.%06u", 2 + n);
    ev.new_file = S(nf);
    ev.end_offset = 4;
    put(g, &ev);
    snprintf(g->file, sizeof(g->file), "%s", nf);
    g->off = 4;
}

static void open_writer(gen *g, const char *dir)
{
    bv_writer_opts o;
    bv_writer_opts_init(&o);
    o.source.flavor = (uint8_t)(g->mariadb ? BV_GTID_MARIADB : BV_GTID_MYSQL);
    o.source.server_id = 7;
    o.source.server_uuid = S(g->mariadb ? "" : "3e11fa47-71ca-11e1-9e33-c80aa9429562");
    o.source.server_version = S(g->mariadb ? "11.4.2-MariaDB" : "8.4.3");
    o.start_file = S("mysql-bin.000001");
    o.start_offset = 4;
    o.start_gtid_set = S(g->mariadb ? "0-7-0" : "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-100:200");
    o.block_size = 700;
    o.segment_size = 6000;
    if (bv_writer_open(&g->w, dir, &o, err, sizeof(err)))
        die("open");
    bv_str f;
    uint64_t off;
    bv_writer_end(g->w, &f, &off);
    snprintf(g->file, sizeof(g->file), "%.*s", (int)f.len, f.ptr);
    g->off = off;
}

int main(int argc, char **argv)
{
    gen g;
    unsigned txns = 120;
    memset(&g, 0, sizeof(g));
    if (argc < 2) {
        fprintf(stderr, "usage: gen_kinds DIR [--mariadb] [--txns N]\n");
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--mariadb"))
            g.mariadb = 1;
        else if (!strcmp(argv[i], "--txns") && i + 1 < argc)
            txns = (unsigned)strtoul(argv[++i], NULL, 10);
    }
    g.seq = g.mariadb ? 0 : 100;
    g.seq2 = 0;
    g.ts = 1767225600000000ull;
    g.all[0] = schema_all(0);
    g.all[1] = schema_all(1);
    g.anon = schema_noname();
    open_writer(&g, argv[1]);
    for (unsigned n = 0; n < txns; n++) {
        if (n == txns / 2) { /* a second writer session continues the open segment */
            if (bv_writer_close(g.w, err, sizeof(err)))
                die("close");
            open_writer(&g, argv[1]);
        }
        txn(&g, n);
        if (n % 7 == 3)
            outside(&g, n);
    }
    if (bv_writer_close(g.w, err, sizeof(err)))
        die("close");
    bv_schema_free(g.all[0]);
    bv_schema_free(g.all[1]);
    bv_schema_free(g.anon);
    printf("gen_kinds: %u transactions written to %s\n", txns, argv[1]);
    return 0;
}
