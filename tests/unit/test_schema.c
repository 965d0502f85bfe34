/* Unit tests for table schemas: builder, accessors, canonical encoding and
 * bv_schema_decode. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "internal.h"

static bv_str S(const char *s)
{
    bv_str r;
    r.ptr = s;
    r.len = s ? strlen(s) : 0;
    return r;
}

static int str_is(bv_str a, const char *b)
{
    return a.len == strlen(b) && memcmp(a.ptr, b, a.len) == 0 && a.ptr[a.len] == 0;
}

/* ------------------------------------------------------------ the sample schema */

#define NCOLS 8

static bv_schema *sample(uint32_t variant)
{
    /* Mutable buffers: the test overwrites them after adding the columns to
     * prove the schema made copies. */
    static char name_buf[NCOLS][32];
    static char member_buf[6][16];
    static bv_str enum_members[3], set_members[3];
    static const char *names[NCOLS] = {"id", "name", "status", "tags", "price", "geo", "emb", "created"};
    for (int i = 0; i < NCOLS; i++)
        snprintf(name_buf[i], sizeof(name_buf[i]), "%s", names[i]);
    static const char *members[6] = {"new", "paid", "shipped", "a", "b", "c"};
    for (int i = 0; i < 6; i++)
        snprintf(member_buf[i], sizeof(member_buf[i]), "%s", members[i]);
    for (int i = 0; i < 3; i++) {
        enum_members[i] = S(member_buf[i]);
        set_members[i] = S(member_buf[3 + i]);
    }

    bv_schema *s = bv_schema_new(S("shop"), S("orders"), BV_SCHEMA_FROM_TABLE_MAP);
    if (!s)
        return NULL;
    bv_column c[NCOLS];
    memset(c, 0, sizeof(c));
    for (int i = 0; i < NCOLS; i++)
        c[i].name = S(name_buf[i]);
    c[0].type = c[0].real_type = BV_MYSQL_TYPE_LONGLONG;
    c[0].flags = BV_COL_UNSIGNED;
    c[0].type_name = S("bigint unsigned");
    c[1].type = c[1].real_type = BV_MYSQL_TYPE_VARCHAR;
    c[1].flags = BV_COL_NULLABLE;
    c[1].meta = 1020;
    c[1].charset = 255;
    c[2].type = BV_MYSQL_TYPE_STRING;
    c[2].real_type = BV_MYSQL_TYPE_ENUM;
    c[2].meta = 0xf701;
    c[2].charset = 45;
    c[2].nmembers = 3;
    c[2].members = enum_members;
    c[3].type = BV_MYSQL_TYPE_STRING;
    c[3].real_type = BV_MYSQL_TYPE_SET;
    c[3].meta = 0xf801;
    c[3].flags = BV_COL_NULLABLE | BV_COL_INVISIBLE;
    c[3].nmembers = 3;
    c[3].members = set_members;
    c[4].type = c[4].real_type = BV_MYSQL_TYPE_NEWDECIMAL;
    c[4].precision = 65;
    c[4].scale = 30;
    c[4].meta = (65u << 8) | 30u;
    c[5].type = c[5].real_type = BV_MYSQL_TYPE_GEOMETRY;
    c[5].geometry_type = 1;
    c[5].meta = 4;
    c[5].flags = BV_COL_BINARY;
    c[5].charset = 63;
    c[6].type = c[6].real_type = BV_MYSQL_TYPE_VECTOR;
    c[6].vector_dims = 3;
    c[6].meta = 12;
    c[7].type = c[7].real_type = BV_MYSQL_TYPE_DATETIME2;
    c[7].scale = 6;
    c[7].meta = 6;
    c[7].type_name = S("datetime(6)");
    if (variant == 1)
        c[7].scale = 5; /* one field differs */
    for (int i = 0; i < NCOLS; i++)
        if (bv_schema_add_column(s, &c[i], NULL, 0) != BV_OK) {
            bv_schema_free(s);
            return NULL;
        }
    uint32_t pk[2] = {0, 1}, prefix[2] = {0, 10};
    if (variant == 2)
        prefix[1] = 11;
    if (bv_schema_set_primary_key(s, pk, prefix, 2, NULL, 0) != BV_OK) {
        bv_schema_free(s);
        return NULL;
    }
    /* scribble over the caller's buffers */
    memset(name_buf, 'X', sizeof(name_buf));
    memset(member_buf, 'Y', sizeof(member_buf));
    return s;
}

/* Check every accessor of s against the sample's contents. */
static void check_sample(const char *who, const bv_schema *s)
{
    T_OK(str_is(bv_schema_database(s), "shop"), "%s: database", who);
    T_OK(str_is(bv_schema_table(s), "orders"), "%s: table", who);
    T_EQ_INT(bv_schema_get_source(s), BV_SCHEMA_FROM_TABLE_MAP, "source");
    T_EQ_U64(bv_schema_ncols(s), NCOLS, "ncols");
    static const char *names[NCOLS] = {"id", "name", "status", "tags", "price", "geo", "emb", "created"};
    static const uint8_t types[NCOLS] = {BV_MYSQL_TYPE_LONGLONG, BV_MYSQL_TYPE_VARCHAR, BV_MYSQL_TYPE_STRING,
                                         BV_MYSQL_TYPE_STRING,   BV_MYSQL_TYPE_NEWDECIMAL, BV_MYSQL_TYPE_GEOMETRY,
                                         BV_MYSQL_TYPE_VECTOR,   BV_MYSQL_TYPE_DATETIME2};
    static const uint8_t real[NCOLS] = {BV_MYSQL_TYPE_LONGLONG, BV_MYSQL_TYPE_VARCHAR, BV_MYSQL_TYPE_ENUM,
                                        BV_MYSQL_TYPE_SET,      BV_MYSQL_TYPE_NEWDECIMAL, BV_MYSQL_TYPE_GEOMETRY,
                                        BV_MYSQL_TYPE_VECTOR,   BV_MYSQL_TYPE_DATETIME2};
    static const uint16_t flags[NCOLS] = {BV_COL_UNSIGNED | BV_COL_PRIMARY_KEY,
                                          BV_COL_NULLABLE | BV_COL_PRIMARY_KEY,
                                          0,
                                          BV_COL_NULLABLE | BV_COL_INVISIBLE,
                                          0,
                                          BV_COL_BINARY,
                                          0,
                                          0};
    static const uint32_t meta[NCOLS] = {0, 1020, 0xf701, 0xf801, (65u << 8) | 30u, 4, 12, 6};
    for (uint32_t i = 0; i < NCOLS; i++) {
        const bv_column *c = bv_schema_column(s, i);
        if (!T_OK(c != NULL, "%s: column %u exists", who, i))
            return;
        T_OK(str_is(c->name, names[i]), "%s: column %u name %s", who, i, names[i]);
        T_EQ_U64(c->type, types[i], "column type");
        T_EQ_U64(c->real_type, real[i], "column real_type");
        T_EQ_U64(c->flags, flags[i], "column flags (PK flag from the key)");
        T_EQ_U64(c->meta, meta[i], "column meta");
    }
    const bv_column *c = bv_schema_column(s, 0);
    T_OK(str_is(c->type_name, "bigint unsigned"), "%s: col 0 type_name", who);
    T_EQ_U64(c->nmembers, 0, "col 0 has no members");
    c = bv_schema_column(s, 1);
    T_EQ_U64(c->charset, 255, "col 1 charset");
    T_OK(c->type_name.len == 0 && c->type_name.ptr && c->type_name.ptr[0] == 0, "%s: col 1 empty type_name is \"\"",
         who);
    c = bv_schema_column(s, 2);
    T_EQ_U64(c->charset, 45, "col 2 charset");
    T_OK(c->nmembers == 3 && c->members && str_is(c->members[0], "new") && str_is(c->members[1], "paid") &&
             str_is(c->members[2], "shipped"),
         "%s: enum members new,paid,shipped", who);
    c = bv_schema_column(s, 3);
    T_OK(c->nmembers == 3 && c->members && str_is(c->members[0], "a") && str_is(c->members[1], "b") &&
             str_is(c->members[2], "c"),
         "%s: set members a,b,c", who);
    c = bv_schema_column(s, 4);
    T_OK(c->precision == 65 && c->scale == 30, "%s: decimal(65,30)", who);
    c = bv_schema_column(s, 5);
    T_OK(c->geometry_type == 1 && c->charset == 63, "%s: geometry type 1, charset 63", who);
    c = bv_schema_column(s, 6);
    T_EQ_U64(c->vector_dims, 3, "vector dims");
    c = bv_schema_column(s, 7);
    T_OK(c->scale == 6 && str_is(c->type_name, "datetime(6)"), "%s: datetime(6)", who);
    T_OK(bv_schema_column(s, NCOLS) == NULL, "%s: column out of range is NULL", who);
    T_EQ_U64(bv_schema_pk_count(s), 2, "pk count");
    T_EQ_U64(bv_schema_pk_column(s, 0), 0, "pk part 0 column");
    T_EQ_U64(bv_schema_pk_prefix(s, 0), 0, "pk part 0 prefix");
    T_EQ_U64(bv_schema_pk_column(s, 1), 1, "pk part 1 column");
    T_EQ_U64(bv_schema_pk_prefix(s, 1), 10, "pk part 1 prefix");
    T_EQ_U64(bv_schema_pk_column(s, 2), 0, "pk part out of range: 0");
    T_EQ_U64(bv_schema_pk_prefix(s, 2), 0, "pk prefix out of range: 0");
}

static void test_build_and_roundtrip(void)
{
    bv_schema *s = sample(0);
    if (!T_OK(s != NULL, "sample schema built"))
        return;
    check_sample("built", s);
    char err[200] = "";
    T_EQ_INT(bv_schema_finish(s, err, sizeof(err)), BV_OK, "finish");
    T_EQ_INT(bv_schema_finish(s, NULL, 0), BV_OK, "finish twice is OK");
    check_sample("finished", s);
    const bv_buf *e = bv_schema_encoding(s);
    T_OK(e->len > 0, "encoding non-empty");
    T_EQ_U64(bv_schema_hash(s), bv_xxh64(e->data, e->len), "hash = XXH64(encoding)");

    /* the encoding starts with the db and table strings and the source */
    static const uint8_t head[] = {4, 's', 'h', 'o', 'p', 6, 'o', 'r', 'd', 'e', 'r', 's', 0, NCOLS, 2, 'i', 'd'};
    T_OK(e->len > sizeof(head) && memcmp(e->data, head, sizeof(head)) == 0,
         "encoding starts: str db, str table, source, ncols, first column name");
    /* and ends with the key list: npk 2, (0,0), (1,10) */
    static const uint8_t tail[] = {2, 0, 0, 1, 10};
    T_OK(e->len > sizeof(tail) && memcmp(e->data + e->len - sizeof(tail), tail, sizeof(tail)) == 0,
         "encoding ends with the key list");

    /* decode with trailing bytes after it */
    bv_buf in;
    bv_buf_init(&in);
    bv_buf_put(&in, e->data, e->len);
    bv_buf_put_u8(&in, 0xee);
    bv_cur c = bv_cur_make(in.data, in.len);
    bv_schema *d = NULL;
    int rc = bv_schema_decode(&c, &d);
    if (T_OK(rc == BV_OK && d, "decode of the encoding")) {
        T_OK(c.left == 1 && c.p == in.data + e->len, "decode consumed exactly the encoding");
        check_sample("decoded", d);
        T_EQ_U64(bv_schema_hash(d), bv_schema_hash(s), "decoded hash equal");
        const bv_buf *e2 = bv_schema_encoding(d);
        T_OK(e2->len == e->len && memcmp(e2->data, e->data, e->len) == 0, "decoded re-encodes to the same bytes");
        T_EQ_INT(bv_schema_add_column(d, bv_schema_column(s, 0), NULL, 0), BV_E_STATE,
                 "decoded schema is finished");
    } else {
        t_note("  rc %d", rc);
    }
    bv_schema_free(d);
    bv_buf_release(&in);

    /* hash identity */
    bv_schema *s2 = sample(0), *s3 = sample(1), *s4 = sample(2);
    T_OK(s2 && s3 && s4, "variants built");
    if (s2 && s3 && s4) {
        bv_schema_finish(s2, NULL, 0);
        bv_schema_finish(s3, NULL, 0);
        bv_schema_finish(s4, NULL, 0);
        T_EQ_U64(bv_schema_hash(s2), bv_schema_hash(s), "same schema built twice: same hash");
        T_OK(bv_schema_hash(s3) != bv_schema_hash(s), "one column's scale differs: different hash");
        T_OK(bv_schema_hash(s4) != bv_schema_hash(s), "PK prefix differs: different hash");
    }
    bv_schema_free(s2);
    bv_schema_free(s3);
    bv_schema_free(s4);
    bv_schema_free(s);
}

/* ------------------------------------------------------------ builder errors */

static void test_builder_errors(void)
{
    char err[256];
    bv_column col;
    memset(&col, 0, sizeof(col));
    col.name = S("a");
    col.type = col.real_type = BV_MYSQL_TYPE_LONG;

    bv_schema *s = bv_schema_new(S("db"), S("t"), BV_SCHEMA_NO_NAMES);
    T_OK(s != NULL, "new");
    if (!s)
        return;
    T_EQ_INT(bv_schema_add_column(s, &col, NULL, 0), BV_OK, "add col 0");
    T_EQ_INT(bv_schema_add_column(s, &col, NULL, 0), BV_OK, "add col 1");
    T_EQ_INT(bv_schema_add_column(s, &col, NULL, 0), BV_OK, "add col 2");
    uint32_t bad[1] = {3};
    err[0] = 0;
    T_EQ_INT(bv_schema_set_primary_key(s, bad, NULL, 1, err, sizeof(err)), BV_E_RANGE, "PK column 3 of 3: RANGE");
    T_OK(err[0] != 0, "PK range error has a message");
    T_EQ_U64(bv_schema_pk_count(s), 0, "failed PK leaves no key");
    uint32_t big[1] = {UINT32_MAX};
    T_EQ_INT(bv_schema_set_primary_key(s, big, NULL, 1, NULL, 0), BV_E_RANGE, "PK column UINT32_MAX: RANGE");
    T_EQ_INT(bv_schema_set_primary_key(s, NULL, NULL, 1, NULL, 0), BV_E_INVAL, "PK NULL cols with n=1: INVAL");

    /* re-setting the key moves the PK flag */
    uint32_t k0[1] = {0}, k2[1] = {2};
    T_EQ_INT(bv_schema_set_primary_key(s, k0, NULL, 1, NULL, 0), BV_OK, "PK (0)");
    T_OK(bv_schema_column(s, 0)->flags & BV_COL_PRIMARY_KEY, "col 0 has PK flag");
    T_EQ_INT(bv_schema_set_primary_key(s, k2, NULL, 1, NULL, 0), BV_OK, "PK (2)");
    T_OK(!(bv_schema_column(s, 0)->flags & BV_COL_PRIMARY_KEY), "col 0 lost the PK flag");
    T_OK(bv_schema_column(s, 2)->flags & BV_COL_PRIMARY_KEY, "col 2 has the PK flag");
    T_OK(bv_schema_pk_count(s) == 1 && bv_schema_pk_column(s, 0) == 2 && bv_schema_pk_prefix(s, 0) == 0,
         "key is (2) with prefix 0 (NULL prefix array)");

    T_EQ_INT(bv_schema_finish(s, NULL, 0), BV_OK, "finish");
    err[0] = 0;
    T_EQ_INT(bv_schema_add_column(s, &col, err, sizeof(err)), BV_E_STATE, "add after finish: STATE");
    T_OK(err[0] != 0, "STATE error has a message");
    T_EQ_U64(bv_schema_ncols(s), 3, "ncols unchanged after refused add");
    T_EQ_INT(bv_schema_set_primary_key(s, k0, NULL, 1, NULL, 0), BV_E_STATE, "set PK after finish: STATE");
    T_EQ_U64(bv_schema_pk_column(s, 0), 2, "key unchanged after refused set");
    bv_schema_free(s);

    /* names too long */
    s = bv_schema_new(S("db"), S("t"), BV_SCHEMA_FROM_LIVE);
    char longname[300];
    memset(longname, 'n', sizeof(longname));
    bv_column c2 = col;
    c2.name.ptr = longname;
    c2.name.len = 256;
    T_EQ_INT(bv_schema_add_column(s, &c2, NULL, 0), BV_E_RANGE, "column name of 256 bytes: RANGE");
    c2.name.len = 255;
    T_EQ_INT(bv_schema_add_column(s, &c2, NULL, 0), BV_OK, "column name of 255 bytes: OK");
    c2 = col;
    c2.type_name.ptr = longname;
    c2.type_name.len = 256;
    T_EQ_INT(bv_schema_add_column(s, &c2, NULL, 0), BV_E_RANGE, "type name of 256 bytes: RANGE");
    /* too many members */
    bv_str *many = calloc(65536, sizeof(*many));
    if (many) {
        for (size_t i = 0; i < 65536; i++)
            many[i] = S("m");
        c2 = col;
        c2.type = BV_MYSQL_TYPE_STRING;
        c2.real_type = BV_MYSQL_TYPE_ENUM;
        c2.members = many;
        c2.nmembers = 65536;
        T_EQ_INT(bv_schema_add_column(s, &c2, NULL, 0), BV_E_RANGE, "65536 enum members: RANGE");
        c2.nmembers = 65535;
        T_EQ_INT(bv_schema_add_column(s, &c2, NULL, 0), BV_OK, "65535 enum members: OK");
        free(many);
    }
    T_EQ_U64(bv_schema_ncols(s), 2, "two columns accepted");
    T_EQ_INT(bv_schema_finish(s, NULL, 0), BV_OK, "finish with 65535 members");
    /* that big schema round trips */
    const bv_buf *e = bv_schema_encoding(s);
    bv_cur c = bv_cur_make(e->data, e->len);
    bv_schema *d = NULL;
    T_OK(bv_schema_decode(&c, &d) == BV_OK && d && bv_schema_hash(d) == bv_schema_hash(s) &&
             bv_schema_column(d, 1)->nmembers == 65535 && str_is(bv_schema_column(d, 1)->members[65534], "m"),
         "65535-member schema round trips");
    bv_schema_free(d);
    bv_schema_free(s);

    /* unknown column flag */
    s = bv_schema_new(S("db"), S("t"), BV_SCHEMA_FROM_LIVE);
    c2 = col;
    c2.flags = 0x20;
    T_EQ_INT(bv_schema_add_column(s, &c2, NULL, 0), BV_OK, "add column with flag 0x20");
    T_EQ_INT(bv_schema_finish(s, NULL, 0), BV_E_INVAL, "finish refuses unknown column flag 0x20");
    bv_schema_free(s);

    /* column limit */
    s = bv_schema_new(S("db"), S("wide"), BV_SCHEMA_NO_NAMES);
    int ok = 1;
    for (uint32_t i = 0; i < BV_MAX_COLUMNS && ok; i++)
        ok = bv_schema_add_column(s, &col, NULL, 0) == BV_OK;
    T_OK(ok, "4096 columns accepted");
    err[0] = 0;
    T_EQ_INT(bv_schema_add_column(s, &col, err, sizeof(err)), BV_E_RANGE, "4097th column: RANGE");
    T_OK(err[0] != 0, "column limit error has a message");
    T_EQ_U64(bv_schema_ncols(s), 4096, "still 4096 columns");
    uint32_t last[1] = {4095};
    T_EQ_INT(bv_schema_set_primary_key(s, last, NULL, 1, NULL, 0), BV_OK, "PK on column 4095");
    T_EQ_INT(bv_schema_finish(s, NULL, 0), BV_OK, "finish wide");
    e = bv_schema_encoding(s);
    c = bv_cur_make(e->data, e->len);
    d = NULL;
    T_OK(bv_schema_decode(&c, &d) == BV_OK && d && bv_schema_ncols(d) == 4096 &&
             bv_schema_hash(d) == bv_schema_hash(s) && bv_schema_pk_column(d, 0) == 4095,
         "4096-column schema round trips");
    bv_schema_free(d);
    bv_schema_free(s);

    /* NULL strings are empty strings */
    s = bv_schema_new(S(NULL), S(NULL), BV_SCHEMA_NO_NAMES);
    T_OK(s && bv_schema_database(s).len == 0 && bv_schema_database(s).ptr &&
             bv_schema_table(s).ptr && bv_schema_table(s).len == 0,
         "NULL db/table become empty strings");
    bv_schema_free(s);
    bv_schema_free(NULL);
}

/* Whatever bv_schema_finish() accepts must decode again (the writer writes
 * the encoding; a reader must be able to read it back). */
static void finish_implies_decodable(const char *what, bv_schema *s)
{
    int rc = bv_schema_finish(s, NULL, 0);
    if (rc != BV_OK) {
        T_OK(rc == BV_E_RANGE || rc == BV_E_INVAL, "%s: finish refuses it (%d)", what, rc);
        return;
    }
    const bv_buf *e = bv_schema_encoding(s);
    bv_cur c = bv_cur_make(e->data, e->len);
    bv_schema *d = NULL;
    rc = bv_schema_decode(&c, &d);
    if (!T_OK(rc == BV_OK, "%s: finish accepted it, so its encoding must decode", what))
        t_note("  bv_schema_decode -> %d (%s)", rc, bv_strerror(rc));
    bv_schema_free(d);
}

static void test_finish_consistency(void)
{
    bv_column col;
    memset(&col, 0, sizeof(col));
    col.name = S("a");
    col.type = col.real_type = BV_MYSQL_TYPE_LONG;

    /* PK flag passed in by the caller without a key */
    bv_schema *s = bv_schema_new(S("db"), S("t"), BV_SCHEMA_FROM_LIVE);
    bv_column c2 = col;
    c2.flags = BV_COL_PRIMARY_KEY;
    T_EQ_INT(bv_schema_add_column(s, &c2, NULL, 0), BV_OK, "add column with PK flag but no key");
    finish_implies_decodable("column flagged PK, no key set", s);
    bv_schema_free(s);

    /* database name longer than BV_MAX_NAME */
    char longname[300];
    memset(longname, 'd', sizeof(longname));
    bv_str ln = {longname, 256};
    s = bv_schema_new(ln, S("t"), BV_SCHEMA_FROM_LIVE);
    bv_schema_add_column(s, &col, NULL, 0);
    finish_implies_decodable("database name of 256 bytes", s);
    bv_schema_free(s);
    s = bv_schema_new(S("db"), ln, BV_SCHEMA_FROM_LIVE);
    bv_schema_add_column(s, &col, NULL, 0);
    finish_implies_decodable("table name of 256 bytes", s);
    bv_schema_free(s);

    /* source outside the enum */
    s = bv_schema_new(S("db"), S("t"), (bv_schema_source)3);
    bv_schema_add_column(s, &col, NULL, 0);
    finish_implies_decodable("source 3", s);
    bv_schema_free(s);

    /* a valid corner: no columns at all */
    s = bv_schema_new(S("db"), S("t"), BV_SCHEMA_NO_NAMES);
    T_EQ_INT(bv_schema_finish(s, NULL, 0), BV_OK, "finish with no columns");
    finish_implies_decodable("no columns", s);
    bv_schema_free(s);
}

/* ------------------------------------------------------------ hand-made encodings */

typedef struct hcol {
    const char *name;
    uint32_t flags;
    uint64_t prec;
    uint32_t nmembers;
} hcol;

/* Write a schema encoding by hand: 2 columns unless told otherwise. */
static void hand_encode(bv_buf *b, uint64_t source, uint64_t ncols, const hcol *cols, uint32_t ncols_written,
                        uint64_t npk, const uint64_t *pk)
{
    bv_buf_put_str(b, "db", 2);
    bv_buf_put_str(b, "t", 1);
    bv_buf_put_u8(b, (uint8_t)source);
    bv_buf_put_varint(b, ncols);
    for (uint32_t i = 0; i < ncols_written; i++) {
        bv_buf_put_str(b, cols[i].name, strlen(cols[i].name));
        bv_buf_put_u8(b, BV_MYSQL_TYPE_LONG);
        bv_buf_put_u8(b, BV_MYSQL_TYPE_LONG);
        bv_buf_put_varint(b, cols[i].flags);
        bv_buf_put_varint(b, 0);              /* meta */
        bv_buf_put_varint(b, cols[i].prec);   /* precision */
        bv_buf_put_varint(b, 0);              /* scale */
        bv_buf_put_varint(b, 0);              /* charset */
        bv_buf_put_varint(b, 0);              /* geometry */
        bv_buf_put_varint(b, 0);              /* vector */
        bv_buf_put_varint(b, cols[i].nmembers);
        for (uint32_t m = 0; m < cols[i].nmembers; m++)
            bv_buf_put_str(b, "x", 1);
        bv_buf_put_str(b, "", 0);             /* type name */
    }
    bv_buf_put_varint(b, npk);
    for (uint64_t i = 0; i < npk; i++) {
        bv_buf_put_varint(b, pk[2 * i]);
        bv_buf_put_varint(b, pk[2 * i + 1]);
    }
}

static void expect_decode(const char *what, const bv_buf *b, int want)
{
    uint8_t *copy = malloc(b->len ? b->len : 1);
    if (!copy)
        abort();
    memcpy(copy, b->data, b->len);
    bv_cur c = bv_cur_make(copy, b->len);
    bv_schema *d = (bv_schema *)0x1;
    int rc = bv_schema_decode(&c, &d);
    if (!T_OK(rc == want, "%s: decode returns %d", what, want))
        t_note("  got %d", rc);
    if (want != BV_OK) {
        T_OK(c.p == copy && c.left == b->len, "%s: cursor unchanged", what);
        T_OK(d == (bv_schema *)0x1, "%s: *out not written on failure", what);
    } else if (rc == BV_OK) {
        bv_schema_free(d);
    }
    free(copy);
}

static void test_hand_encodings(void)
{
    bv_buf b;
    bv_buf_init(&b);
    hcol cols[2] = {{"id", BV_COL_PRIMARY_KEY, 0, 0}, {"v", BV_COL_NULLABLE, 0, 2}};
    uint64_t pk0[2] = {0, 0};

    /* the hand encoding of a valid schema equals the library's */
    hand_encode(&b, BV_SCHEMA_FROM_LIVE, 2, cols, 2, 1, pk0);
    expect_decode("valid hand-made encoding", &b, BV_OK);
    {
        bv_schema *s = bv_schema_new(S("db"), S("t"), BV_SCHEMA_FROM_LIVE);
        bv_column c;
        memset(&c, 0, sizeof(c));
        c.type = c.real_type = BV_MYSQL_TYPE_LONG;
        c.name = S("id");
        bv_schema_add_column(s, &c, NULL, 0);
        bv_str mem[2] = {S("x"), S("x")};
        c.name = S("v");
        c.flags = BV_COL_NULLABLE;
        c.members = mem;
        c.nmembers = 2;
        bv_schema_add_column(s, &c, NULL, 0);
        uint32_t k[1] = {0};
        bv_schema_set_primary_key(s, k, NULL, 1, NULL, 0);
        bv_schema_finish(s, NULL, 0);
        const bv_buf *e = bv_schema_encoding(s);
        T_OK(e->len == b.len && memcmp(e->data, b.data, b.len) == 0, "library encoding = hand-made encoding");
        bv_schema_free(s);
    }

    /* PK flag without the key list */
    bv_buf_reset(&b);
    hand_encode(&b, BV_SCHEMA_FROM_LIVE, 2, cols, 2, 0, NULL);
    expect_decode("PK flag on col 0 but empty key list", &b, BV_E_CORRUPT);

    /* key list without the flag */
    hcol noflag[2] = {{"id", 0, 0, 0}, {"v", 0, 0, 0}};
    bv_buf_reset(&b);
    hand_encode(&b, BV_SCHEMA_FROM_LIVE, 2, noflag, 2, 1, pk0);
    expect_decode("key list names col 0 without its PK flag", &b, BV_E_CORRUPT);

    /* flag on the wrong column */
    uint64_t pk1[2] = {1, 0};
    bv_buf_reset(&b);
    hand_encode(&b, BV_SCHEMA_FROM_LIVE, 2, cols, 2, 1, pk1);
    expect_decode("key is col 1 but flag on col 0", &b, BV_E_CORRUPT);

    /* key column out of range */
    hcol both[2] = {{"id", BV_COL_PRIMARY_KEY, 0, 0}, {"v", BV_COL_PRIMARY_KEY, 0, 0}};
    uint64_t pk_oob[4] = {0, 0, 2, 0};
    bv_buf_reset(&b);
    hand_encode(&b, BV_SCHEMA_FROM_LIVE, 2, both, 2, 2, pk_oob);
    expect_decode("key column 2 of 2", &b, BV_E_CORRUPT);

    /* npk > ncols */
    uint64_t pk3[6] = {0, 0, 1, 0, 0, 0};
    bv_buf_reset(&b);
    hand_encode(&b, BV_SCHEMA_FROM_LIVE, 2, both, 2, 3, pk3);
    expect_decode("3 key parts for 2 columns", &b, BV_E_CORRUPT);

    /* source 3 */
    bv_buf_reset(&b);
    hand_encode(&b, 3, 2, cols, 2, 1, pk0);
    expect_decode("source 3", &b, BV_E_CORRUPT);

    /* unknown column flag */
    hcol f20[2] = {{"id", BV_COL_PRIMARY_KEY | 0x20, 0, 0}, {"v", 0, 0, 0}};
    bv_buf_reset(&b);
    hand_encode(&b, BV_SCHEMA_FROM_LIVE, 2, f20, 2, 1, pk0);
    expect_decode("column flag 0x20", &b, BV_E_CORRUPT);

    /* precision over 16 bits */
    hcol p17[2] = {{"id", BV_COL_PRIMARY_KEY, 0x10000, 0}, {"v", 0, 0, 0}};
    bv_buf_reset(&b);
    hand_encode(&b, BV_SCHEMA_FROM_LIVE, 2, p17, 2, 1, pk0);
    expect_decode("precision 65536", &b, BV_E_CORRUPT);

    /* 4097 columns announced */
    bv_buf_reset(&b);
    hand_encode(&b, BV_SCHEMA_FROM_LIVE, 4097, cols, 2, 1, pk0);
    expect_decode("ncols 4097", &b, BV_E_CORRUPT);

    /* more members announced than bytes */
    hcol manym[1] = {{"id", 0, 0, 0}};
    bv_buf_reset(&b);
    hand_encode(&b, BV_SCHEMA_FROM_LIVE, 1, manym, 1, 0, NULL);
    /* patch nmembers (the byte before the type-name string) to 100 */
    b.data[b.len - 3] = 100;
    expect_decode("100 members announced, none present", &b, BV_E_CORRUPT);

    /* non-canonical encodings: a redundant varint group */
    bv_buf_reset(&b);
    bv_buf_put_str(&b, "db", 2);
    bv_buf_put_str(&b, "t", 1);
    bv_buf_put_u8(&b, BV_SCHEMA_FROM_LIVE);
    bv_buf_put_u8(&b, 0x80); /* ncols 0 written as 80 00 */
    bv_buf_put_u8(&b, 0x00);
    bv_buf_put_varint(&b, 0);
    expect_decode("ncols as non-canonical varint 80 00", &b, BV_E_CORRUPT);
    bv_buf_reset(&b);
    bv_buf_put_str(&b, "db", 2);
    bv_buf_put_str(&b, "t", 1);
    bv_buf_put_u8(&b, BV_SCHEMA_FROM_LIVE);
    bv_buf_put_varint(&b, 0);
    bv_buf_put_u8(&b, 0x80); /* npk 0 written as 80 00 */
    bv_buf_put_u8(&b, 0x00);
    expect_decode("npk as non-canonical varint 80 00", &b, BV_E_CORRUPT);
    bv_buf_reset(&b);
    bv_buf_put_u8(&b, 0x82); /* db length 2 as 82 00 */
    bv_buf_put_u8(&b, 0x00);
    bv_buf_put(&b, "db", 2);
    bv_buf_put_str(&b, "t", 1);
    bv_buf_put_u8(&b, BV_SCHEMA_FROM_LIVE);
    bv_buf_put_varint(&b, 0);
    bv_buf_put_varint(&b, 0);
    expect_decode("db length as non-canonical varint", &b, BV_E_CORRUPT);

    /* a minimal valid encoding, for contrast */
    bv_buf_reset(&b);
    bv_buf_put_str(&b, "db", 2);
    bv_buf_put_str(&b, "t", 1);
    bv_buf_put_u8(&b, BV_SCHEMA_FROM_LIVE);
    bv_buf_put_varint(&b, 0);
    bv_buf_put_varint(&b, 0);
    expect_decode("minimal valid encoding (no columns)", &b, BV_OK);

    /* name length 256 */
    bv_buf_reset(&b);
    char n256[256];
    memset(n256, 'q', sizeof(n256));
    bv_buf_put_str(&b, n256, 256);
    bv_buf_put_str(&b, "t", 1);
    bv_buf_put_u8(&b, BV_SCHEMA_FROM_LIVE);
    bv_buf_put_varint(&b, 0);
    bv_buf_put_varint(&b, 0);
    expect_decode("database name of 256 bytes", &b, BV_E_CORRUPT);

    /* truncated: every prefix of a valid encoding of the sample */
    bv_schema *s = sample(0);
    if (s && bv_schema_finish(s, NULL, 0) == BV_OK) {
        const bv_buf *e = bv_schema_encoding(s);
        int all_fail = 1, all_still = 1;
        for (size_t n = 0; n < e->len; n++) {
            uint8_t *copy = malloc(n ? n : 1);
            if (!copy)
                abort();
            memcpy(copy, e->data, n);
            bv_cur c = bv_cur_make(copy, n);
            bv_schema *d = NULL;
            int rc = bv_schema_decode(&c, &d);
            if (rc >= 0) {
                all_fail = 0;
                bv_schema_free(d);
                t_note("  prefix %zu of %zu decoded", n, e->len);
            }
            if (d && rc < 0)
                all_fail = 0;
            if (c.p != copy || c.left != n)
                all_still = 0;
            free(copy);
        }
        T_OK(all_fail, "every truncation of the %zu-byte sample encoding is rejected", e->len);
        T_OK(all_still, "truncations leave the cursor unchanged");
    } else {
        T_OK(0, "sample finished");
    }
    bv_schema_free(s);
    bv_buf_release(&b);
}

int main(void)
{
    test_build_and_roundtrip();
    test_builder_errors();
    test_finish_consistency();
    test_hand_encodings();
    return t_done();
}
