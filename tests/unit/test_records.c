/* Unit tests for the record codec: bv_record_encode, bv_record_encode_schema,
 * bv_record_decode with a bv_rec_ctx and a bv_schemas table. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "internal.h"

static const char *const FILE1 = "mysql-bin.000042";

static bv_str S(const char *s)
{
    bv_str r;
    r.ptr = s;
    r.len = s ? strlen(s) : 0;
    return r;
}

static int bstr_eq(bv_str a, bv_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static int value_eq(const bv_value *a, const bv_value *b)
{
    if (a->kind != b->kind)
        return 0;
    switch (a->kind) {
    case BV_VAL_NULL:
    case BV_VAL_ABSENT:
        return 1;
    case BV_VAL_INT:
        return a->v.i == b->v.i;
    case BV_VAL_UINT:
    case BV_VAL_ENUM:
    case BV_VAL_SET:
    case BV_VAL_YEAR:
        return a->v.u == b->v.u;
    case BV_VAL_TIMESTAMP:
        return a->v.ts.sec == b->v.ts.sec && a->v.ts.usec == b->v.ts.usec;
    case BV_VAL_TIME:
        return a->v.time.negative == b->v.time.negative && a->v.time.hour == b->v.time.hour &&
               a->v.time.minute == b->v.time.minute && a->v.time.second == b->v.time.second &&
               a->v.time.usec == b->v.time.usec;
    case BV_VAL_DOUBLE:
        return memcmp(&a->v.d, &b->v.d, 8) == 0;
    case BV_VAL_DATETIME:
        return memcmp(&a->v.dt, &b->v.dt, sizeof(a->v.dt)) == 0;
    case BV_VAL_STRING:
    case BV_VAL_BYTES:
        return bstr_eq(a->v.s, b->v.s);
    default:
        return 0; /* not used here */
    }
}

/* One decoding context: a schema table and the current file. */
typedef struct ctx_t {
    bv_schemas tab;
    bv_rec_ctx ctx;
} ctx_t;

static void ctx_init(ctx_t *c)
{
    memset(c, 0, sizeof(*c));
    bv_schemas_init(&c->tab);
    c->ctx.schemas = &c->tab;
    c->ctx.file = FILE1;
    c->ctx.file_len = strlen(FILE1);
}

static void ctx_release(ctx_t *c)
{
    bv_rec_ctx_release(&c->ctx);
    bv_schemas_release(&c->tab);
}

/* A finished 3-column schema: id BIGINT, name VARCHAR, at DATETIME. */
static bv_schema *mk_schema(const char *table, uint32_t ncols)
{
    bv_schema *s = bv_schema_new(S("db"), S(table), BV_SCHEMA_FROM_TABLE_MAP);
    static const char *names[] = {"id", "name", "at", "d4", "d5"};
    static const uint8_t types[] = {BV_MYSQL_TYPE_LONGLONG, BV_MYSQL_TYPE_VARCHAR, BV_MYSQL_TYPE_DATETIME2,
                                    BV_MYSQL_TYPE_DOUBLE, BV_MYSQL_TYPE_BLOB};
    for (uint32_t i = 0; i < ncols && i < 5; i++) {
        bv_column c;
        memset(&c, 0, sizeof(c));
        c.name = S(names[i]);
        c.type = c.real_type = types[i];
        bv_schema_add_column(s, &c, NULL, 0);
    }
    uint32_t pk[1] = {0};
    bv_schema_set_primary_key(s, pk, NULL, 1, NULL, 0);
    if (bv_schema_finish(s, NULL, 0) != BV_OK) {
        bv_schema_free(s);
        return NULL;
    }
    return s;
}

static void hexnote(const uint8_t *p, size_t n)
{
    char hex[256];
    size_t k = 0;
    for (size_t i = 0; i < n && k + 4 < sizeof(hex); i++)
        k += (size_t)snprintf(hex + k, sizeof(hex) - k, "%02x ", p[i]);
    hex[k] = 0;
    t_note("  bytes: %s", hex);
}

/* Every truncation of rec[0..n) fails and leaves the cursor unchanged; the
 * prefix is a heap copy of exactly that many bytes (ASan sees overreads). */
static void check_truncations(const char *what, ctx_t *cx, const uint8_t *rec, size_t n)
{
    int all_fail = 1, all_still = 1;
    uint32_t nschemas = cx->tab.n;
    for (size_t k = 0; k < n; k++) {
        uint8_t *copy = malloc(k ? k : 1);
        if (!copy)
            abort();
        memcpy(copy, rec, k);
        bv_cur c = bv_cur_make(copy, k);
        bv_event ev;
        int is_schema = -1;
        int rc = bv_record_decode(&c, &cx->ctx, &ev, &is_schema, NULL, 0);
        if (rc >= 0) {
            all_fail = 0;
            t_note("  %s: prefix %zu of %zu decoded", what, k, n);
        }
        if (c.p != copy || c.left != k)
            all_still = 0;
        free(copy);
    }
    T_OK(all_fail, "%s: every truncation (of %zu bytes) is rejected", what, n);
    T_OK(all_still, "%s: truncations leave the cursor unchanged", what);
    T_EQ_U64(cx->tab.n, nschemas, "truncations add no schema");
}

/* Encode ev, decode it, check is_schema == 0, full consumption and
 * truncations. The decoded event goes to *out (pointers into *buf). */
static int enc_dec(const char *what, ctx_t *cx, const bv_event *ev, uint32_t sid, bv_buf *buf, bv_event *out)
{
    bv_buf_reset(buf);
    int rc = bv_record_encode(buf, ev, sid);
    if (!T_OK(rc == BV_OK, "%s: encode", what))
        return 0;
    T_EQ_U64(buf->data[0], ev->type, "first byte is the record type");
    check_truncations(what, cx, buf->data, buf->len);
    bv_cur c = bv_cur_make(buf->data, buf->len);
    int is_schema = -1;
    char err[200] = "";
    rc = bv_record_decode(&c, &cx->ctx, out, &is_schema, err, sizeof(err));
    if (!T_OK(rc == BV_OK, "%s: decode", what)) {
        t_note("  rc %d: %s", rc, err);
        hexnote(buf->data, buf->len);
        return 0;
    }
    T_EQ_INT(is_schema, 0, "event record is not a schema");
    T_OK(c.left == 0, "%s: decode consumed all %zu bytes", what, buf->len);
    T_EQ_U64(out->type, ev->type, "type");
    T_OK(out->pos.file.ptr == cx->ctx.file && out->pos.file.len == cx->ctx.file_len,
         "%s: pos.file is the context's current file", what);
    T_EQ_U64(out->pos.offset, ev->pos.offset, "pos.offset");
    T_EQ_U64(out->ts_us, ev->ts_us, "ts_us");
    return 1;
}

static void gtid_mysql(bv_gtid *g, const char *tag, uint64_t seq)
{
    static const uint8_t uuid[16] = {0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1,
                                     0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62};
    memset(g, 0, sizeof(*g));
    g->flavor = BV_GTID_MYSQL;
    memcpy(g->uuid, uuid, 16);
    snprintf(g->tag, sizeof(g->tag), "%s", tag);
    g->seq = seq;
}

/* ------------------------------------------------------------ event records */

static void test_begin(ctx_t *cx, bv_buf *buf)
{
    bv_event ev, out;
    memset(&ev, 0, sizeof(ev));
    ev.type = BV_EV_BEGIN;
    ev.pos.file = S(FILE1);
    ev.pos.offset = 1234567;
    ev.ts_us = 1767225600123456ull;
    ev.server_id = UINT32_MAX;
    ev.thread_id = UINT64_MAX;
    ev.flags = 0x8000000fu;

    /* MySQL GTID with a 32-char tag */
    gtid_mysql(&ev.gtid, "tag_a_0123456789_0123456789_abcd", 1ull << 63);
    T_EQ_U64(strlen(ev.gtid.tag), 32, "tag is 32 chars");
    if (enc_dec("BEGIN mysql+tag", cx, &ev, 0, buf, &out)) {
        T_EQ_U64(out.server_id, UINT32_MAX, "server_id");
        T_EQ_U64(out.thread_id, UINT64_MAX, "thread_id");
        T_EQ_U64(out.flags, 0x8000000fu, "flags");
        T_EQ_U64(out.gtid.flavor, BV_GTID_MYSQL, "gtid flavor");
        T_OK(memcmp(out.gtid.uuid, ev.gtid.uuid, 16) == 0, "gtid uuid");
        T_EQ_STR(out.gtid.tag, "tag_a_0123456789_0123456789_abcd", "gtid tag");
        T_EQ_U64(out.gtid.seq, 1ull << 63, "gtid seq");
        T_OK(out.schema == NULL && out.before == NULL && out.after == NULL && out.sql.len == 0 &&
                 out.new_file.len == 0 && out.text.len == 0 && out.xid == 0,
             "BEGIN: other fields zero");
    }

    /* MySQL GTID without a tag */
    gtid_mysql(&ev.gtid, "", 77);
    if (enc_dec("BEGIN mysql", cx, &ev, 0, buf, &out)) {
        T_EQ_STR(out.gtid.tag, "", "no tag");
        T_EQ_U64(out.gtid.seq, 77, "seq 77");
        T_OK(memcmp(out.gtid.uuid, ev.gtid.uuid, 16) == 0, "uuid");
    }
    /* exact bytes of a small BEGIN */
    {
        bv_event e;
        memset(&e, 0, sizeof(e));
        e.type = BV_EV_BEGIN;
        e.pos.offset = 4;
        e.ts_us = 1;
        e.server_id = 2;
        e.thread_id = 3;
        e.flags = 0;
        gtid_mysql(&e.gtid, "t", 5);
        bv_buf_reset(buf);
        bv_record_encode(buf, &e, 0);
        static const uint8_t want[] = {1,    4,    1,    2,    3,    0,    1,    0x3e, 0x11, 0xfa, 0x47, 0x71,
                                       0xca, 0x11, 0xe1, 0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62, 1,
                                       't',  5};
        if (!T_OK(buf->len == sizeof(want) && memcmp(buf->data, want, sizeof(want)) == 0,
                  "BEGIN exact bytes: type off ts server thread flags | flavor uuid16 str(tag) seq"))
            hexnote(buf->data, buf->len);
    }

    /* MariaDB GTID */
    memset(&ev.gtid, 0, sizeof(ev.gtid));
    ev.gtid.flavor = BV_GTID_MARIADB;
    ev.gtid.domain = UINT32_MAX;
    ev.gtid.server_id = 1;
    ev.gtid.seq = UINT64_MAX;
    ev.flags = 3;
    if (enc_dec("BEGIN mariadb", cx, &ev, 0, buf, &out)) {
        T_EQ_U64(out.gtid.flavor, BV_GTID_MARIADB, "gtid flavor mariadb");
        T_EQ_U64(out.gtid.domain, UINT32_MAX, "domain");
        T_EQ_U64(out.gtid.server_id, 1, "gtid server_id");
        T_EQ_U64(out.gtid.seq, UINT64_MAX, "gtid seq");
        T_EQ_U64(out.flags, 3, "flags");
        T_EQ_STR(out.gtid.tag, "", "mariadb: no tag");
    }

    /* no GTID */
    memset(&ev.gtid, 0, sizeof(ev.gtid));
    if (enc_dec("BEGIN no gtid", cx, &ev, 0, buf, &out))
        T_EQ_U64(out.gtid.flavor, BV_GTID_NONE, "flavor none");

    /* bad GTIDs, hand-made */
    static const uint8_t head[] = {BV_EV_BEGIN, 4, 1, 2, 3, 0};
    bv_buf_reset(buf);
    bv_buf_put(buf, head, sizeof(head));
    bv_buf_put_u8(buf, 3); /* flavor 3 */
    bv_buf_put_varint(buf, 1);
    bv_cur c = bv_cur_make(buf->data, buf->len);
    int is_schema;
    T_EQ_INT(bv_record_decode(&c, &cx->ctx, &out, &is_schema, NULL, 0), BV_E_CORRUPT, "BEGIN gtid flavor 3: CORRUPT");
    T_OK(c.p == buf->data && c.left == buf->len, "BEGIN gtid flavor 3: cursor unchanged");

    static const uint8_t uuid[16] = {1};
    bv_buf_reset(buf);
    bv_buf_put(buf, head, sizeof(head));
    bv_buf_put_u8(buf, BV_GTID_MYSQL);
    bv_buf_put(buf, uuid, 16);
    bv_buf_put_str(buf, "a\0b", 3);
    bv_buf_put_varint(buf, 1);
    c = bv_cur_make(buf->data, buf->len);
    T_EQ_INT(bv_record_decode(&c, &cx->ctx, &out, &is_schema, NULL, 0), BV_E_CORRUPT, "BEGIN tag with NUL: CORRUPT");
    T_OK(c.p == buf->data && c.left == buf->len, "BEGIN tag with NUL: cursor unchanged");

    char tag33[33];
    memset(tag33, 'a', sizeof(tag33));
    bv_buf_reset(buf);
    bv_buf_put(buf, head, sizeof(head));
    bv_buf_put_u8(buf, BV_GTID_MYSQL);
    bv_buf_put(buf, uuid, 16);
    bv_buf_put_str(buf, tag33, 33);
    bv_buf_put_varint(buf, 1);
    c = bv_cur_make(buf->data, buf->len);
    T_EQ_INT(bv_record_decode(&c, &cx->ctx, &out, &is_schema, NULL, 0), BV_E_CORRUPT, "BEGIN tag of 33 bytes: CORRUPT");

    bv_buf_reset(buf);
    bv_buf_put(buf, head, sizeof(head));
    bv_buf_put_u8(buf, BV_GTID_MARIADB);
    bv_buf_put_varint(buf, 1ull << 32); /* domain over 32 bits */
    bv_buf_put_varint(buf, 1);
    bv_buf_put_varint(buf, 1);
    c = bv_cur_make(buf->data, buf->len);
    T_EQ_INT(bv_record_decode(&c, &cx->ctx, &out, &is_schema, NULL, 0), BV_E_CORRUPT, "BEGIN domain 2^32: CORRUPT");

    bv_buf_reset(buf);
    static const uint8_t sid_big[] = {BV_EV_BEGIN, 4, 1, 0x80, 0x80, 0x80, 0x80, 0x10, 3, 0, 0};
    bv_buf_put(buf, sid_big, sizeof(sid_big));
    c = bv_cur_make(buf->data, buf->len);
    T_EQ_INT(bv_record_decode(&c, &cx->ctx, &out, &is_schema, NULL, 0), BV_E_CORRUPT, "BEGIN server_id 2^32: CORRUPT");
}

static void test_rows(ctx_t *cx, bv_buf *buf)
{
    /* define two schemas: ids 0 and 1 */
    bv_schema *s0 = mk_schema("t0", 3), *s1 = mk_schema("t1", 5);
    if (!T_OK(s0 && s1, "schemas built"))
        return;
    uint64_t h0 = bv_schema_hash(s0), h1 = bv_schema_hash(s1);
    bv_buf_reset(buf);
    bv_record_encode_schema(buf, 0, s0);
    size_t first_len = buf->len;
    bv_record_encode_schema(buf, 1, s1);
    T_EQ_U64(buf->data[0], BV_REC_SCHEMA, "schema record type byte 9");
    T_EQ_U64(buf->data[1], 0, "schema record id 0");
    T_OK(first_len == 2 + bv_schema_encoding(s0)->len &&
             memcmp(buf->data + 2, bv_schema_encoding(s0)->data, bv_schema_encoding(s0)->len) == 0,
         "schema record = 09, varint id, schema encoding");
    check_truncations("SCHEMA record", cx, buf->data, first_len);

    /* a schema record with id 1 before id 0 is refused */
    bv_cur c = bv_cur_make(buf->data + first_len, buf->len - first_len);
    bv_event ev, out;
    int is_schema = -1;
    T_EQ_INT(bv_record_decode(&c, &cx->ctx, &out, &is_schema, NULL, 0), BV_E_CORRUPT, "schema id 1 before 0: CORRUPT");
    T_OK(c.p == buf->data + first_len, "out-of-order schema: cursor unchanged");
    T_EQ_U64(cx->tab.n, 0, "no schema added");

    c = bv_cur_make(buf->data, buf->len);
    T_EQ_INT(bv_record_decode(&c, &cx->ctx, &out, &is_schema, NULL, 0), BV_OK, "schema 0 decodes");
    T_EQ_INT(is_schema, 1, "is_schema = 1");
    T_EQ_U64(cx->tab.n, 1, "table has 1 schema");
    T_EQ_INT(bv_record_decode(&c, &cx->ctx, &out, &is_schema, NULL, 0), BV_OK, "schema 1 decodes");
    T_EQ_INT(is_schema, 1, "is_schema = 1");
    T_EQ_U64(c.left, 0, "both schema records consumed");
    if (!T_OK(cx->tab.n == 2, "table has 2 schemas, in id order"))
        return;
    T_EQ_U64(bv_schema_hash(cx->tab.v[0]), h0, "schema 0 hash");
    T_EQ_U64(bv_schema_hash(cx->tab.v[1]), h1, "schema 1 hash");
    T_EQ_U64(bv_schema_ncols(cx->tab.v[1]), 5, "schema 1 has 5 columns");

    /* the same id again is refused */
    c = bv_cur_make(buf->data, first_len);
    T_EQ_INT(bv_record_decode(&c, &cx->ctx, &out, &is_schema, NULL, 0), BV_E_CORRUPT, "schema id 0 again: CORRUPT");
    T_OK(c.p == buf->data && c.left == first_len, "duplicate schema id: cursor unchanged");
    T_EQ_U64(cx->tab.n, 2, "still 2 schemas");

    /* a schema record without a table */
    {
        bv_rec_ctx nctx = cx->ctx;
        nctx.schemas = NULL;
        c = bv_cur_make(buf->data, first_len);
        T_EQ_INT(bv_record_decode(&c, &nctx, &out, &is_schema, NULL, 0), BV_E_CORRUPT,
                 "schema record with no schema table: CORRUPT");
        T_OK(c.p == buf->data, "cursor unchanged");
    }

    /* rows against schema 0 (3 columns) */
    bv_value before[3], after[3];
    memset(before, 0, sizeof(before));
    memset(after, 0, sizeof(after));
    before[0].kind = BV_VAL_INT;
    before[0].v.i = INT64_MIN;
    before[1].kind = BV_VAL_STRING;
    before[1].v.s = (bv_str){"old\0name", 8};
    before[2].kind = BV_VAL_NULL;
    after[0].kind = BV_VAL_INT;
    after[0].v.i = INT64_MAX;
    after[1].kind = BV_VAL_ABSENT;
    after[2].kind = BV_VAL_DATETIME;
    after[2].v.dt.year = 2026;
    after[2].v.dt.month = 1;
    after[2].v.dt.day = 2;
    after[2].v.dt.hour = 3;
    after[2].v.dt.minute = 4;
    after[2].v.dt.second = 5;
    after[2].v.dt.usec = 678901;

    memset(&ev, 0, sizeof(ev));
    ev.pos.file = S(FILE1);
    ev.pos.offset = 5000;
    ev.pos.row = 17;
    ev.ts_us = 99;
    ev.schema = s0;
    ev.ncols = 3;

    ev.type = BV_EV_INSERT;
    ev.after = after;
    if (enc_dec("INSERT", cx, &ev, 0, buf, &out)) {
        T_OK(out.schema == cx->tab.v[0], "INSERT: schema is table entry 0");
        T_EQ_U64(out.ncols, 3, "INSERT ncols");
        T_EQ_U64(out.pos.row, 17, "INSERT row");
        T_OK(out.before == NULL && out.after != NULL, "INSERT: only an after image");
        int ok = out.after != NULL;
        for (int i = 0; ok && i < 3; i++)
            ok = value_eq(&out.after[i], &after[i]);
        T_OK(ok, "INSERT: after image equal");
    }

    ev.type = BV_EV_DELETE;
    ev.after = NULL;
    ev.before = before;
    if (enc_dec("DELETE", cx, &ev, 0, buf, &out)) {
        T_OK(out.schema == cx->tab.v[0], "DELETE: schema 0");
        T_OK(out.after == NULL && out.before != NULL, "DELETE: only a before image");
        int ok = out.before != NULL;
        for (int i = 0; ok && i < 3; i++)
            ok = value_eq(&out.before[i], &before[i]);
        T_OK(ok, "DELETE: before image equal");
        T_EQ_U64(out.pos.row, 17, "DELETE row");
    }

    ev.type = BV_EV_UPDATE;
    ev.before = before;
    ev.after = after;
    ev.pos.row = UINT32_MAX;
    if (enc_dec("UPDATE", cx, &ev, 0, buf, &out)) {
        T_OK(out.before && out.after, "UPDATE: both images");
        int ok = out.before && out.after;
        for (int i = 0; ok && i < 3; i++)
            ok = value_eq(&out.before[i], &before[i]) && value_eq(&out.after[i], &after[i]);
        T_OK(ok, "UPDATE: before and after images equal");
        T_EQ_U64(out.pos.row, UINT32_MAX, "UPDATE row UINT32_MAX");
    }
    /* exact bytes of the UPDATE header: type off(5000) row ts sid ncols */
    static const uint8_t uhead[] = {BV_EV_UPDATE, 0x88, 0x27, 0xff, 0xff, 0xff, 0xff, 0x0f, 99, 0, 3};
    T_OK(buf->len > sizeof(uhead) && memcmp(buf->data, uhead, sizeof(uhead)) == 0,
         "UPDATE exact header bytes: 03 88 27 ff ff ff ff 0f 63 00 03");

    /* rows against schema 1 (5 columns) */
    bv_value v5[5];
    memset(v5, 0, sizeof(v5));
    v5[0].kind = BV_VAL_UINT;
    v5[0].v.u = UINT64_MAX;
    v5[1].kind = BV_VAL_STRING;
    v5[1].v.s = S("x");
    v5[2].kind = BV_VAL_NULL;
    v5[3].kind = BV_VAL_DOUBLE;
    v5[3].v.d = -0.0;
    v5[4].kind = BV_VAL_BYTES;
    v5[4].v.s = (bv_str){"\xff\x00\x01", 3};
    memset(&ev, 0, sizeof(ev));
    ev.type = BV_EV_INSERT;
    ev.pos.file = S(FILE1);
    ev.pos.offset = 6000;
    ev.schema = s1;
    ev.ncols = 5;
    ev.after = v5;
    if (enc_dec("INSERT schema 1", cx, &ev, 1, buf, &out)) {
        T_OK(out.schema == cx->tab.v[1], "schema is table entry 1");
        int ok = out.after != NULL;
        for (int i = 0; ok && i < 5; i++)
            ok = value_eq(&out.after[i], &v5[i]);
        T_OK(ok, "5-column image equal");
    }

    /* undefined schema id */
    bv_buf_reset(buf);
    T_EQ_INT(bv_record_encode(buf, &ev, 2), BV_OK, "encode row with schema id 2");
    c = bv_cur_make(buf->data, buf->len);
    T_EQ_INT(bv_record_decode(&c, &cx->ctx, &out, &is_schema, NULL, 0), BV_E_CORRUPT,
             "row referencing undefined schema id 2: CORRUPT");
    T_OK(c.p == buf->data && c.left == buf->len, "undefined schema: cursor unchanged");
    {
        bv_rec_ctx nctx = cx->ctx;
        nctx.schemas = NULL;
        bv_buf_reset(buf);
        bv_record_encode(buf, &ev, 0);
        c = bv_cur_make(buf->data, buf->len);
        T_EQ_INT(bv_record_decode(&c, &nctx, &out, &is_schema, NULL, 0), BV_E_CORRUPT,
                 "row with no schema table: CORRUPT");
    }

    /* ncols differing from the schema */
    ev.ncols = 4; /* schema 1 has 5 */
    bv_buf_reset(buf);
    bv_record_encode(buf, &ev, 1);
    c = bv_cur_make(buf->data, buf->len);
    T_EQ_INT(bv_record_decode(&c, &cx->ctx, &out, &is_schema, NULL, 0), BV_E_CORRUPT,
             "row with 4 values for a 5-column schema: CORRUPT");
    T_OK(c.p == buf->data && c.left == buf->len, "ncols mismatch: cursor unchanged");
    ev.ncols = 3;
    ev.schema = s0;
    bv_buf_reset(buf);
    bv_record_encode(buf, &ev, 1); /* 3 values, but id 1 has 5 columns */
    c = bv_cur_make(buf->data, buf->len);
    T_EQ_INT(bv_record_decode(&c, &cx->ctx, &out, &is_schema, NULL, 0), BV_E_CORRUPT,
             "row with 3 values against 5-column schema id 1: CORRUPT");

    /* a bad value inside a row */
    bv_value badv[3];
    memcpy(badv, after, sizeof(badv));
    badv[2].v.dt.month = 13;
    ev.type = BV_EV_INSERT;
    ev.schema = s0;
    ev.ncols = 3;
    ev.after = badv;
    bv_buf_reset(buf);
    bv_record_encode(buf, &ev, 0);
    c = bv_cur_make(buf->data, buf->len);
    T_EQ_INT(bv_record_decode(&c, &cx->ctx, &out, &is_schema, NULL, 0), BV_E_CORRUPT,
             "row with a month-13 DATETIME: CORRUPT");
    T_OK(c.p == buf->data && c.left == buf->len, "bad value: cursor unchanged");

    bv_schema_free(s0);
    bv_schema_free(s1);
}

static void test_misc_events(ctx_t *cx, bv_buf *buf)
{
    bv_event ev, out;
    bv_cur c;
    int is_schema;

    /* DDL */
    memset(&ev, 0, sizeof(ev));
    ev.type = BV_EV_DDL;
    ev.pos.file = S(FILE1);
    ev.pos.offset = 777;
    ev.ts_us = 1;
    ev.database = S("shop");
    static const char sql[] = "ALTER TABLE t ADD c INT /* \xff\x00 */";
    ev.sql = (bv_str){sql, sizeof(sql) - 1};
    if (enc_dec("DDL", cx, &ev, 0, buf, &out)) {
        T_OK(bstr_eq(out.database, ev.database), "DDL database");
        T_OK(bstr_eq(out.sql, ev.sql), "DDL sql (with NUL and non-UTF-8)");
    }
    ev.database = S("");
    if (enc_dec("DDL without database", cx, &ev, 0, buf, &out))
        T_EQ_U64(out.database.len, 0, "DDL empty database");
    char db256[256];
    memset(db256, 'd', sizeof(db256));
    ev.database = (bv_str){db256, 256};
    bv_buf_reset(buf);
    bv_record_encode(buf, &ev, 0);
    c = bv_cur_make(buf->data, buf->len);
    T_EQ_INT(bv_record_decode(&c, &cx->ctx, &out, &is_schema, NULL, 0), BV_E_CORRUPT, "DDL database of 256 bytes: CORRUPT");
    ev.database = (bv_str){db256, 255};
    enc_dec("DDL database of 255 bytes", cx, &ev, 0, buf, &out);

    /* COMMIT, each kind */
    static const uint8_t kinds[] = {BV_COMMIT_XID, BV_COMMIT_QUERY, BV_COMMIT_ROLLBACK, BV_COMMIT_IMPLICIT};
    for (size_t i = 0; i < sizeof(kinds); i++) {
        memset(&ev, 0, sizeof(ev));
        ev.type = BV_EV_COMMIT;
        ev.pos.file = S(FILE1);
        ev.pos.offset = 1000 + i;
        ev.end_offset = 2000 + i;
        ev.ts_us = 5;
        ev.commit_kind = kinds[i];
        ev.xid = kinds[i] == BV_COMMIT_XID ? UINT64_MAX : 0;
        char what[40];
        snprintf(what, sizeof(what), "COMMIT kind %u", kinds[i]);
        if (enc_dec(what, cx, &ev, 0, buf, &out)) {
            T_EQ_U64(out.commit_kind, kinds[i], "commit kind");
            T_EQ_U64(out.end_offset, 2000 + i, "end_offset");
            T_EQ_U64(out.xid, ev.xid, "xid");
        }
    }
    memset(&ev, 0, sizeof(ev));
    ev.type = BV_EV_COMMIT;
    ev.pos.offset = 100;
    ev.end_offset = 131;
    ev.ts_us = 5;
    ev.xid = 7;
    bv_buf_reset(buf);
    bv_record_encode(buf, &ev, 0);
    static const uint8_t cwant[] = {BV_EV_COMMIT, 100, 0x83, 0x01, 5, 0, 7};
    if (!T_OK(buf->len == sizeof(cwant) && memcmp(buf->data, cwant, sizeof(cwant)) == 0,
              "COMMIT exact bytes 06 64 83 01 05 00 07"))
        hexnote(buf->data, buf->len);
    ev.end_offset = 100;
    enc_dec("COMMIT end_offset == offset", cx, &ev, 0, buf, &out);
    ev.commit_kind = 4;
    bv_buf_reset(buf);
    bv_record_encode(buf, &ev, 0);
    c = bv_cur_make(buf->data, buf->len);
    T_EQ_INT(bv_record_decode(&c, &cx->ctx, &out, &is_schema, NULL, 0), BV_E_CORRUPT, "COMMIT kind 4: CORRUPT");
    T_OK(c.p == buf->data, "COMMIT kind 4: cursor unchanged");
    ev.commit_kind = 0;
    ev.end_offset = 99;
    bv_buf_reset(buf);
    bv_record_encode(buf, &ev, 0);
    c = bv_cur_make(buf->data, buf->len);
    T_EQ_INT(bv_record_decode(&c, &cx->ctx, &out, &is_schema, NULL, 0), BV_E_CORRUPT,
             "COMMIT end_offset before offset: CORRUPT");

    /* ROTATE */
    memset(&ev, 0, sizeof(ev));
    ev.type = BV_EV_ROTATE;
    ev.pos.file = S(FILE1);
    ev.pos.offset = 1073741824;
    ev.ts_us = 12;
    ev.new_file = S("mysql-bin.000043");
    ev.end_offset = 4;
    if (enc_dec("ROTATE", cx, &ev, 0, buf, &out)) {
        T_OK(bstr_eq(out.new_file, ev.new_file), "ROTATE new_file");
        T_EQ_U64(out.end_offset, 4, "ROTATE end_offset");
        T_OK(out.pos.file.ptr == FILE1, "ROTATE itself is positioned in the old file");
    }
    ev.new_file = S("");
    bv_buf_reset(buf);
    bv_record_encode(buf, &ev, 0);
    c = bv_cur_make(buf->data, buf->len);
    T_EQ_INT(bv_record_decode(&c, &cx->ctx, &out, &is_schema, NULL, 0), BV_E_CORRUPT, "ROTATE to empty file: CORRUPT");
    T_OK(c.p == buf->data, "ROTATE empty: cursor unchanged");
    ev.new_file = (bv_str){"bin\0x", 5};
    bv_buf_reset(buf);
    bv_record_encode(buf, &ev, 0);
    c = bv_cur_make(buf->data, buf->len);
    T_EQ_INT(bv_record_decode(&c, &cx->ctx, &out, &is_schema, NULL, 0), BV_E_CORRUPT, "ROTATE file with NUL: CORRUPT");

    /* NOTE */
    memset(&ev, 0, sizeof(ev));
    ev.type = BV_EV_NOTE;
    ev.pos.file = S(FILE1);
    ev.pos.offset = 3;
    ev.ts_us = UINT64_MAX;
    ev.note_level = BV_NOTE_WARNING;
    ev.text = S("gap in binlog: skipped 12 events");
    if (enc_dec("NOTE warning", cx, &ev, 0, buf, &out)) {
        T_EQ_U64(out.note_level, BV_NOTE_WARNING, "note level");
        T_OK(bstr_eq(out.text, ev.text), "note text");
        T_EQ_U64(out.ts_us, UINT64_MAX, "ts UINT64_MAX");
    }
    ev.note_level = BV_NOTE_INFO;
    ev.text = S("");
    if (enc_dec("NOTE info, empty", cx, &ev, 0, buf, &out))
        T_OK(out.note_level == BV_NOTE_INFO && out.text.len == 0, "note info, empty text");
    ev.note_level = 2;
    bv_buf_reset(buf);
    bv_record_encode(buf, &ev, 0);
    c = bv_cur_make(buf->data, buf->len);
    T_EQ_INT(bv_record_decode(&c, &cx->ctx, &out, &is_schema, NULL, 0), BV_E_CORRUPT, "NOTE level 2: CORRUPT");
    T_OK(c.p == buf->data, "NOTE level 2: cursor unchanged");
}

static void test_types(ctx_t *cx, bv_buf *buf)
{
    bv_event ev, out;
    memset(&ev, 0, sizeof(ev));
    int is_schema;

    ev.type = 0;
    bv_buf_reset(buf);
    T_EQ_INT(bv_record_encode(buf, &ev, 0), BV_E_INVAL, "encode type 0: INVAL");
    T_EQ_U64(buf->len, 0, "nothing written for type 0");
    ev.type = BV_REC_SCHEMA;
    T_EQ_INT(bv_record_encode(buf, &ev, 0), BV_E_INVAL, "encode type 9 as event: INVAL");
    ev.type = 200;
    T_EQ_INT(bv_record_encode(buf, &ev, 0), BV_E_INVAL, "encode type 200: INVAL");
    T_EQ_U64(buf->len, 0, "nothing written");

    static const uint8_t types[] = {0, 10, 200, 255};
    for (size_t i = 0; i < sizeof(types); i++) {
        uint8_t rec[8] = {types[i], 1, 2, 3, 4, 5, 6, 7};
        bv_cur c = bv_cur_make(rec, sizeof(rec));
        char err[100] = "";
        int rc = bv_record_decode(&c, &cx->ctx, &out, &is_schema, err, sizeof(err));
        T_OK(rc == BV_E_CORRUPT, "record type %u: CORRUPT", types[i]);
        T_OK(err[0] != 0, "record type %u: error message set", types[i]);
        if (!T_OK(c.p == rec && c.left == sizeof(rec), "record type %u: cursor unchanged", types[i]))
            t_note("  cursor moved by %zu", (size_t)(c.p - rec));
    }
    bv_cur c = bv_cur_make(buf->data, 0);
    T_EQ_INT(bv_record_decode(&c, &cx->ctx, &out, &is_schema, NULL, 0), BV_E_TRUNCATED, "empty input: TRUNCATED");

    /* several records in one stream */
    bv_buf_reset(buf);
    memset(&ev, 0, sizeof(ev));
    ev.type = BV_EV_BEGIN;
    ev.pos.offset = 10;
    gtid_mysql(&ev.gtid, "", 1);
    bv_record_encode(buf, &ev, 0);
    memset(&ev, 0, sizeof(ev));
    ev.type = BV_EV_DDL;
    ev.pos.offset = 20;
    ev.sql = S("CREATE TABLE x (a INT)");
    bv_record_encode(buf, &ev, 0);
    memset(&ev, 0, sizeof(ev));
    ev.type = BV_EV_COMMIT;
    ev.pos.offset = 30;
    ev.end_offset = 40;
    ev.commit_kind = BV_COMMIT_IMPLICIT;
    bv_record_encode(buf, &ev, 0);
    c = bv_cur_make(buf->data, buf->len);
    uint8_t seen[3] = {0, 0, 0};
    uint64_t offs[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        if (bv_record_decode(&c, &cx->ctx, &out, &is_schema, NULL, 0) != BV_OK)
            break;
        seen[i] = out.type;
        offs[i] = out.pos.offset;
    }
    T_OK(seen[0] == BV_EV_BEGIN && seen[1] == BV_EV_DDL && seen[2] == BV_EV_COMMIT && c.left == 0,
         "BEGIN, DDL, COMMIT decoded in sequence");
    T_OK(offs[0] == 10 && offs[1] == 20 && offs[2] == 30, "offsets 10, 20, 30");
    T_EQ_STR(bv_event_type_name(BV_EV_COMMIT), "commit", "event type name commit");
    T_EQ_STR(bv_event_type_name(0), "unknown", "event type name 0");
    T_EQ_STR(bv_value_kind_name(BV_VAL_VECTOR), "vector", "kind name vector");
    T_EQ_STR(bv_value_kind_name(BV_VAL_JSON_DIFF), "json_diff", "kind name json_diff");
    T_EQ_STR(bv_value_kind_name(21), "unknown", "kind name 21");
}

/* The row encoder reserves 16 bytes for every value that is not a str and
 * then writes without checks: the longest encoding of each such kind must
 * fit, and decode back. */
static void test_value_widths(void)
{
    bv_value v[8];
    memset(v, 0, sizeof(v));
    v[0].kind = BV_VAL_INT;
    v[0].v.i = INT64_MIN;
    v[1].kind = BV_VAL_UINT;
    v[1].v.u = UINT64_MAX;
    v[2].kind = BV_VAL_TIMESTAMP;
    v[2].v.ts.sec = UINT64_MAX;
    v[2].v.ts.usec = 999999;
    v[3].kind = BV_VAL_TIME;
    v[3].v.time.negative = 1;
    v[3].v.time.hour = 9999;
    v[3].v.time.minute = 59;
    v[3].v.time.second = 59;
    v[3].v.time.usec = 999999;
    v[4].kind = BV_VAL_DATETIME;
    v[4].v.dt.year = 9999;
    v[4].v.dt.month = 12;
    v[4].v.dt.day = 31;
    v[4].v.dt.hour = 23;
    v[4].v.dt.minute = 59;
    v[4].v.dt.second = 59;
    v[4].v.dt.usec = 999999;
    v[5].kind = BV_VAL_DOUBLE;
    v[5].v.d = -1.5e300;
    v[6].kind = BV_VAL_SET;
    v[6].v.u = UINT64_MAX;
    v[7].kind = BV_VAL_YEAR;
    v[7].v.u = 9999;
    size_t longest = 0;
    int round_trip = 1;
    for (int i = 0; i < 8; i++) {
        bv_buf b;
        bv_buf_init(&b);
        bv_value_encode(&b, &v[i]);
        if (b.len > longest)
            longest = b.len;
        bv_cur c = bv_cur_make(b.data, b.len);
        bv_value out;
        round_trip &= bv_value_decode(&c, &out) == BV_OK && c.left == 0 && value_eq(&out, &v[i]);
        bv_buf_release(&b);
    }
    T_EQ_U64(longest, 14, "the longest valid fixed-size value encoding is 14 bytes (TIMESTAMP at its maximum)");
    T_OK(round_trip, "every extreme fixed-size value decodes back equal");
    /* out of range (the writer refuses it, the encoder must still stay
     * within its reservation): TIMESTAMP with usec UINT32_MAX, 16 bytes */
    v[2].v.ts.usec = UINT32_MAX;
    bv_buf b;
    bv_buf_init(&b);
    bv_value_encode(&b, &v[2]);
    T_EQ_U64(b.len, 16, "TIMESTAMP with every field at its type's maximum: 16 bytes, the reserved maximum");
    bv_buf_release(&b);
}

int main(void)
{
    ctx_t cx;
    bv_buf buf;
    bv_buf_init(&buf);
    ctx_init(&cx);
    test_begin(&cx, &buf);
    test_rows(&cx, &buf);
    test_misc_events(&cx, &buf);
    test_types(&cx, &buf);
    test_value_widths();
    ctx_release(&cx);
    bv_buf_release(&buf);
    return t_done();
}
