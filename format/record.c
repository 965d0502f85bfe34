/* Event records: typed values and one small codec per record type, behind
 * a table indexed by the record type byte. See FORMAT.md "Records". */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ------------------------------------------------------------ names */

static const char *const ev_names[] = {
    "unknown", "begin", "insert", "update", "delete", "ddl", "commit", "rotate", "note",
};

const char *bv_event_type_name(int type)
{
    return type >= 1 && type <= BV_EV_TYPE_MAX ? ev_names[type] : "unknown";
}

static const char *const kind_names[] = {
    "null", "absent", "int", "uint", "float", "double", "decimal", "date", "time", "datetime",
    "timestamp", "year", "string", "bytes", "json", "bit", "enum", "set", "geometry", "vector",
    "json_diff",
};

const char *bv_value_kind_name(int kind)
{
    return kind >= 0 && kind <= BV_VAL_KIND_MAX ? kind_names[kind] : "unknown";
}

/* ------------------------------------------------------------ values */

/* What checking a value's kind takes: nothing (kinds 0-5, BIT, SET), the
 * ranges of bv_value_check (YEAR, ENUM, dates and times), a length (str
 * kinds), a length and the text (DECIMAL, GEOMETRY, VECTOR). The first two
 * classes are the fixed-size kinds; put_value writes every other kind as a
 * str. */
enum { VC_FIXED, VC_FIXED_RANGE, VC_STR, VC_STR_RULE };
static const uint8_t value_class[BV_VAL_KIND_MAX + 1] = {
    [BV_VAL_YEAR] = VC_FIXED_RANGE,    [BV_VAL_ENUM] = VC_FIXED_RANGE,     [BV_VAL_DATE] = VC_FIXED_RANGE,
    [BV_VAL_DATETIME] = VC_FIXED_RANGE, [BV_VAL_TIME] = VC_FIXED_RANGE,    [BV_VAL_TIMESTAMP] = VC_FIXED_RANGE,
    [BV_VAL_STRING] = VC_STR,          [BV_VAL_BYTES] = VC_STR,            [BV_VAL_JSON] = VC_STR,
    [BV_VAL_JSON_DIFF] = VC_STR,       [BV_VAL_DECIMAL] = VC_STR_RULE,     [BV_VAL_GEOMETRY] = VC_STR_RULE,
    [BV_VAL_VECTOR] = VC_STR_RULE,
};

static inline int kind_is_fixed(uint8_t kind)
{
    return kind <= BV_VAL_KIND_MAX && value_class[kind] <= VC_FIXED_RANGE;
}

/* The encoder reserves room once per record and then writes through a raw
 * pointer: value_max() bounds what put_value() writes. At most this many
 * bytes for a value that is not a str: kind + TIMESTAMP
 * (varint + varint32) is the longest, 16. */
#define VALUE_FIXED_MAX 16u

static inline size_t value_max(const bv_value *v)
{
    if (kind_is_fixed(v->kind))
        return VALUE_FIXED_MAX;
    return v->v.s.len <= SIZE_MAX / 4 ? 1 + 10 + v->v.s.len : SIZE_MAX / 4; /* the reservation then fails */
}

/* memcpy for the short strings of most columns (up to 32 bytes): two
 * fixed-size moves that overlap, not a library call (reads stay inside
 * s[0..n)). */
static inline void put_bytes(uint8_t *d, const char *s, size_t n)
{
    if (n > 32) {
        memcpy(d, s, n);
    } else if (n > 16) {
        memcpy(d, s, 16);
        memcpy(d + n - 16, s + n - 16, 16);
    } else if (n >= 8) {
        memcpy(d, s, 8);
        memcpy(d + n - 8, s + n - 8, 8);
    } else if (n >= 4) {
        memcpy(d, s, 4);
        memcpy(d + n - 4, s + n - 4, 4);
    } else if (n) {
        d[0] = (uint8_t)s[0];
        d[n / 2] = (uint8_t)s[n / 2];
        d[n - 1] = (uint8_t)s[n - 1];
    }
}

static inline __attribute__((always_inline)) uint8_t *put_value(uint8_t *p, const bv_value *v)
{
    *p++ = v->kind;
    switch (v->kind) {
    case BV_VAL_NULL:
    case BV_VAL_ABSENT:
        return p;
    case BV_VAL_INT:
        return bv_put_varint(p, ((uint64_t)v->v.i << 1) ^ (uint64_t)(v->v.i >> 63)); /* zigzag */
    case BV_VAL_UINT:
    case BV_VAL_YEAR:
    case BV_VAL_BIT:
    case BV_VAL_ENUM:
    case BV_VAL_SET:
        return bv_put_varint(p, v->v.u);
    case BV_VAL_FLOAT: {
        uint32_t u;
        memcpy(&u, &v->v.f, 4);
        bv_wr32(p, u);
        return p + 4;
    }
    case BV_VAL_DOUBLE: {
        uint64_t u;
        memcpy(&u, &v->v.d, 8);
        bv_wr64(p, u);
        return p + 8;
    }
    case BV_VAL_DATE:
    case BV_VAL_DATETIME:
        p = bv_put_varint(p, v->v.dt.year);
        *p++ = v->v.dt.month;
        *p++ = v->v.dt.day;
        if (v->kind == BV_VAL_DATE)
            return p;
        *p++ = v->v.dt.hour;
        *p++ = v->v.dt.minute;
        *p++ = v->v.dt.second;
        return bv_put_varint(p, v->v.dt.usec);
    case BV_VAL_TIME:
        *p++ = v->v.time.negative ? 1 : 0;
        p = bv_put_varint(p, v->v.time.hour);
        *p++ = v->v.time.minute;
        *p++ = v->v.time.second;
        return bv_put_varint(p, v->v.time.usec);
    case BV_VAL_TIMESTAMP:
        p = bv_put_varint(p, v->v.ts.sec);
        return bv_put_varint(p, v->v.ts.usec);
    default: /* DECIMAL, STRING, BYTES, JSON, GEOMETRY, VECTOR, JSON_DIFF */
        p = bv_put_varint(p, v->v.s.len);
        put_bytes(p, v->v.s.ptr, v->v.s.len);
        return p + v->v.s.len;
    }
}

void bv_value_encode(bv_buf *b, const bv_value *v)
{
    if (bv_buf_reserve(b, value_max(v)) != BV_OK)
        return;
    uint8_t *end = put_value(b->data + b->len, v);
    b->len = (size_t)(end - b->data);
}

/* Number of ASCII digits at the start of p[0..n). Eight bytes at a time
 * on little-endian machines: a byte is not a digit when subtracting '0'
 * borrows or adding 0x46 carries into its top bit; borrows and carries
 * only travel upwards, so the lowest such byte is found exactly. */
static size_t digit_run(const uint8_t *p, size_t n)
{
    size_t i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (n >= 8) {
        for (; n - i >= 8; i += 8) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            uint64_t t = ((w - 0x3030303030303030ull) | (w + 0x4646464646464646ull) | w) & 0x8080808080808080ull;
            if (t)
                return i + ((unsigned)__builtin_ctzll(t) >> 3);
        }
        if (i == n)
            return n;
        /* the last word overlaps digits already seen, which stay clear */
        uint64_t w;
        memcpy(&w, p + n - 8, 8);
        uint64_t t = ((w - 0x3030303030303030ull) | (w + 0x4646464646464646ull) | w) & 0x8080808080808080ull;
        return t ? n - 8 + ((unsigned)__builtin_ctzll(t) >> 3) : n;
    }
#endif
    while (i < n && (unsigned)(p[i] - '0') < 10u)
        i++;
    return i;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?, at most 128 bytes */
static int valid_decimal(const uint8_t *p, size_t n)
{
    if (n == 0 || n > 128)
        return 0;
    const uint8_t *e = p + n;
    p += *p == '-';
    size_t d = digit_run(p, (size_t)(e - p));
    if (!d || (d > 1 && *p == '0'))
        return 0; /* no leading zeros: the text is a valid JSON number */
    p += d;
    if (p == e)
        return 1;
    if (*p++ != '.' || p == e)
        return 0;
    return digit_run(p, (size_t)(e - p)) == (size_t)(e - p);
}

static int get_date(bv_cur *c, bv_value *v)
{
    uint32_t year;
    int rc;
    if ((rc = bv_cur_varint32(c, &year)) || (rc = bv_cur_u8(c, &v->v.dt.month)) ||
        (rc = bv_cur_u8(c, &v->v.dt.day)))
        return rc;
    if (year > 9999 || v->v.dt.month > 12 || v->v.dt.day > 31)
        return BV_E_CORRUPT;
    v->v.dt.year = (uint16_t)year;
    return BV_OK;
}

int bv_value_decode(bv_cur *c, bv_value *v)
{
    bv_cur save = *c;
    int rc;
    uint8_t kind;
    memset(v, 0, sizeof(*v));
    if ((rc = bv_cur_u8(c, &kind)))
        return rc;
    v->kind = kind;
    switch (kind) {
    case BV_VAL_NULL:
    case BV_VAL_ABSENT:
        break;
    case BV_VAL_INT:
        rc = bv_cur_svarint(c, &v->v.i);
        break;
    case BV_VAL_UINT:
    case BV_VAL_BIT:
    case BV_VAL_SET:
        rc = bv_cur_varint(c, &v->v.u);
        break;
    case BV_VAL_YEAR:
        if (!(rc = bv_cur_varint(c, &v->v.u)) && v->v.u > 9999)
            rc = BV_E_CORRUPT;
        break;
    case BV_VAL_ENUM:
        if (!(rc = bv_cur_varint(c, &v->v.u)) && v->v.u > BV_MAX_MEMBERS)
            rc = BV_E_CORRUPT;
        break;
    case BV_VAL_FLOAT: {
        uint32_t u;
        if (!(rc = bv_cur_u32le(c, &u)))
            memcpy(&v->v.f, &u, 4);
        break;
    }
    case BV_VAL_DOUBLE: {
        uint64_t u;
        if (!(rc = bv_cur_u64le(c, &u)))
            memcpy(&v->v.d, &u, 8);
        break;
    }
    case BV_VAL_DATE:
        rc = get_date(c, v);
        break;
    case BV_VAL_DATETIME:
        if ((rc = get_date(c, v)) || (rc = bv_cur_u8(c, &v->v.dt.hour)) ||
            (rc = bv_cur_u8(c, &v->v.dt.minute)) || (rc = bv_cur_u8(c, &v->v.dt.second)) ||
            (rc = bv_cur_varint32(c, &v->v.dt.usec)))
            break;
        if (v->v.dt.hour > 23 || v->v.dt.minute > 59 || v->v.dt.second > 59 || v->v.dt.usec > 999999)
            rc = BV_E_CORRUPT;
        break;
    case BV_VAL_TIME:
        if ((rc = bv_cur_u8(c, &v->v.time.negative)) || (rc = bv_cur_varint32(c, &v->v.time.hour)) ||
            (rc = bv_cur_u8(c, &v->v.time.minute)) || (rc = bv_cur_u8(c, &v->v.time.second)) ||
            (rc = bv_cur_varint32(c, &v->v.time.usec)))
            break;
        if (v->v.time.negative > 1 || v->v.time.hour > 9999 || v->v.time.minute > 59 ||
            v->v.time.second > 59 || v->v.time.usec > 999999)
            rc = BV_E_CORRUPT;
        break;
    case BV_VAL_TIMESTAMP:
        if ((rc = bv_cur_varint(c, &v->v.ts.sec)) || (rc = bv_cur_varint32(c, &v->v.ts.usec)))
            break;
        if (v->v.ts.usec > 999999)
            rc = BV_E_CORRUPT;
        break;
    case BV_VAL_DECIMAL:
    case BV_VAL_STRING:
    case BV_VAL_BYTES:
    case BV_VAL_JSON:
    case BV_VAL_GEOMETRY:
    case BV_VAL_VECTOR:
    case BV_VAL_JSON_DIFF: {
        const uint8_t *p;
        size_t n;
        if ((rc = bv_cur_str(c, BV_MAX_VALUE, &p, &n)))
            break;
        if (kind == BV_VAL_DECIMAL && !valid_decimal(p, n))
            rc = BV_E_CORRUPT;
        else if (kind == BV_VAL_GEOMETRY && n < 4)
            rc = BV_E_CORRUPT;
        else if (kind == BV_VAL_VECTOR && n % 4)
            rc = BV_E_CORRUPT;
        v->v.s.ptr = (const char *)p;
        v->v.s.len = n;
        break;
    }
    default:
        rc = BV_E_CORRUPT;
        break;
    }
    if (rc != BV_OK)
        *c = save;
    return rc;
}

/* The constraints bv_value_decode enforces, checked before encoding so that
 * the writer never stores a value that cannot be read back. */
int bv_value_check(const bv_value *v)
{
    switch (v->kind) {
    case BV_VAL_NULL:
    case BV_VAL_ABSENT:
    case BV_VAL_INT:
    case BV_VAL_UINT:
    case BV_VAL_FLOAT:
    case BV_VAL_DOUBLE:
    case BV_VAL_BIT:
    case BV_VAL_SET:
        return BV_OK;
    case BV_VAL_YEAR:
        return v->v.u <= 9999 ? BV_OK : BV_E_RANGE;
    case BV_VAL_ENUM:
        return v->v.u <= BV_MAX_MEMBERS ? BV_OK : BV_E_RANGE;
    case BV_VAL_DATE:
    case BV_VAL_DATETIME:
        if (v->v.dt.year > 9999 || v->v.dt.month > 12 || v->v.dt.day > 31)
            return BV_E_RANGE;
        if (v->kind == BV_VAL_DATETIME && (v->v.dt.hour > 23 || v->v.dt.minute > 59 || v->v.dt.second > 59 ||
                                           v->v.dt.usec > 999999))
            return BV_E_RANGE;
        return BV_OK;
    case BV_VAL_TIME:
        return v->v.time.negative <= 1 && v->v.time.hour <= 9999 && v->v.time.minute <= 59 &&
                       v->v.time.second <= 59 && v->v.time.usec <= 999999
                   ? BV_OK
                   : BV_E_RANGE;
    case BV_VAL_TIMESTAMP:
        return v->v.ts.usec <= 999999 ? BV_OK : BV_E_RANGE;
    case BV_VAL_DECIMAL:
    case BV_VAL_STRING:
    case BV_VAL_BYTES:
    case BV_VAL_JSON:
    case BV_VAL_GEOMETRY:
    case BV_VAL_VECTOR:
    case BV_VAL_JSON_DIFF:
        if (v->v.s.len > BV_MAX_VALUE || (v->v.s.len && !v->v.s.ptr))
            return BV_E_RANGE;
        if (v->kind == BV_VAL_DECIMAL && !valid_decimal((const uint8_t *)v->v.s.ptr, v->v.s.len))
            return BV_E_RANGE;
        if (v->kind == BV_VAL_GEOMETRY && v->v.s.len < 4)
            return BV_E_RANGE;
        if (v->kind == BV_VAL_VECTOR && v->v.s.len % 4)
            return BV_E_RANGE;
        return BV_OK;
    default:
        return BV_E_INVAL;
    }
}

/* ------------------------------------------------------------ schema table */

void bv_schemas_init(bv_schemas *t)
{
    t->v = NULL;
    t->n = t->cap = 0;
}

void bv_schemas_release(bv_schemas *t)
{
    for (uint32_t i = 0; i < t->n; i++)
        bv_schema_free(t->v[i]);
    free(t->v);
    bv_schemas_init(t);
}

int bv_schemas_add(bv_schemas *t, uint32_t id, bv_schema *s)
{
    if (id != t->n)
        return BV_E_CORRUPT;
    if (t->n == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 16;
        bv_schema **n = realloc(t->v, cap * sizeof(*n));
        if (!n)
            return BV_E_NOMEM;
        t->v = n;
        t->cap = cap;
    }
    t->v[t->n++] = s;
    return BV_OK;
}

void bv_rec_ctx_release(bv_rec_ctx *ctx)
{
    free(ctx->vals);
    ctx->vals = NULL;
    ctx->vals_cap = 0;
}

/* ------------------------------------------------------------ record codecs */

typedef struct rec_codec {
    void (*enc)(bv_buf *b, const bv_event *ev, uint32_t schema_id);
    int (*dec)(bv_cur *c, bv_rec_ctx *ctx, bv_event *ev);
} rec_codec;

static int get_strv(bv_cur *c, size_t max, bv_str *s)
{
    const uint8_t *p;
    size_t n;
    int rc = bv_cur_str(c, max, &p, &n);
    if (rc == BV_OK) {
        s->ptr = (const char *)p;
        s->len = n;
    }
    return rc;
}

static void put_gtid(bv_buf *b, const bv_gtid *g)
{
    bv_buf_put_u8(b, g->flavor);
    if (g->flavor == BV_GTID_MYSQL) {
        bv_buf_put(b, g->uuid, 16);
        bv_buf_put_str(b, g->tag, strnlen(g->tag, BV_GTID_TAG_MAX));
        bv_buf_put_varint(b, g->seq);
    } else if (g->flavor == BV_GTID_MARIADB) {
        bv_buf_put_varint(b, g->domain);
        bv_buf_put_varint(b, g->server_id);
        bv_buf_put_varint(b, g->seq);
    }
}

static int get_gtid(bv_cur *c, bv_gtid *g)
{
    int rc;
    memset(g, 0, sizeof(*g));
    if ((rc = bv_cur_u8(c, &g->flavor)))
        return rc;
    if (g->flavor == BV_GTID_MYSQL) {
        const uint8_t *p;
        size_t n;
        if ((rc = bv_cur_bytes(c, 16, &p)))
            return rc;
        memcpy(g->uuid, p, 16);
        if ((rc = bv_cur_str(c, BV_GTID_TAG_MAX, &p, &n)))
            return rc;
        if (memchr(p, 0, n))
            return BV_E_CORRUPT;
        memcpy(g->tag, p, n);
        g->tag[n] = 0;
        return bv_cur_varint(c, &g->seq);
    }
    if (g->flavor == BV_GTID_MARIADB) {
        if ((rc = bv_cur_varint32(c, &g->domain)) || (rc = bv_cur_varint32(c, &g->server_id)))
            return rc;
        return bv_cur_varint(c, &g->seq);
    }
    return g->flavor == BV_GTID_NONE ? BV_OK : BV_E_CORRUPT;
}

static void enc_begin(bv_buf *b, const bv_event *ev, uint32_t sid)
{
    (void)sid;
    bv_buf_put_varint(b, ev->pos.offset);
    bv_buf_put_varint(b, ev->ts_us);
    bv_buf_put_varint(b, ev->server_id);
    bv_buf_put_varint(b, ev->thread_id);
    bv_buf_put_varint(b, ev->flags);
    put_gtid(b, &ev->gtid);
}

static int dec_begin(bv_cur *c, bv_rec_ctx *ctx, bv_event *ev)
{
    int rc;
    (void)ctx;
    if ((rc = bv_cur_varint(c, &ev->pos.offset)) || (rc = bv_cur_varint(c, &ev->ts_us)) ||
        (rc = bv_cur_varint32(c, &ev->server_id)) || (rc = bv_cur_varint(c, &ev->thread_id)) ||
        (rc = bv_cur_varint32(c, &ev->flags)))
        return rc;
    return get_gtid(c, &ev->gtid);
}

int bv_row_check(const bv_event *ev, uint64_t *max, uint32_t *bad_col, uint8_t *bad_kind)
{
    const bv_value *img[2] = {ev->type != BV_EV_INSERT ? ev->before : NULL, ev->type != BV_EV_DELETE ? ev->after : NULL};
    uint64_t m = 5 * 10; /* the five varints before the images */
    for (int k = 0; k < 2; k++) {
        const bv_value *v = img[k];
        for (uint32_t i = 0; v && i < ev->ncols; i++) {
            uint8_t kind = v[i].kind;
            int ok;
            if (kind > BV_VAL_KIND_MAX)
                ok = 0;
            else if (value_class[kind] == VC_FIXED)
                ok = 1;
            else if (value_class[kind] == VC_STR)
                ok = v[i].v.s.len <= BV_MAX_VALUE && (v[i].v.s.len == 0 || v[i].v.s.ptr);
            else
                ok = bv_value_check(&v[i]) == BV_OK;
            m += value_max(&v[i]);
            if (!ok) {
                *bad_col = i;
                *bad_kind = kind;
                return kind > BV_VAL_KIND_MAX ? BV_E_INVAL : BV_E_RANGE;
            }
        }
    }
    *max = m;
    return BV_OK;
}

/* The row record after its type byte, into room for max bytes (a bound
 * from bv_row_check). */
static void enc_row_sized(bv_buf *b, const bv_event *ev, uint32_t sid, uint64_t max)
{
    const bv_value *img[2] = {ev->type != BV_EV_INSERT ? ev->before : NULL, ev->type != BV_EV_DELETE ? ev->after : NULL};
    if (max > SIZE_MAX / 2 || bv_buf_reserve(b, (size_t)max) != BV_OK) {
        b->oom = 1;
        return;
    }
    uint8_t *p = b->data + b->len;
    p = bv_put_varint(p, ev->pos.offset);
    p = bv_put_varint(p, ev->pos.row);
    p = bv_put_varint(p, ev->ts_us);
    p = bv_put_varint(p, sid);
    p = bv_put_varint(p, ev->ncols);
    for (int k = 0; k < 2; k++)
        for (uint32_t i = 0; img[k] && i < ev->ncols; i++)
            p = put_value(p, &img[k][i]);
    b->len = (size_t)(p - b->data);
}

static void enc_row(bv_buf *b, const bv_event *ev, uint32_t sid)
{
    const bv_value *img[2] = {ev->type != BV_EV_INSERT ? ev->before : NULL, ev->type != BV_EV_DELETE ? ev->after : NULL};
    uint64_t max = 5 * 10;
    for (int k = 0; k < 2; k++)
        for (uint32_t i = 0; img[k] && i < ev->ncols && max <= SIZE_MAX / 4; i++)
            max += value_max(&img[k][i]); /* stops past SIZE_MAX / 4: the reservation fails */
    enc_row_sized(b, ev, sid, max);
}

int bv_record_encode_row(bv_buf *b, const bv_event *ev, uint32_t schema_id, uint64_t max)
{
    if (ev->type < BV_EV_INSERT || ev->type > BV_EV_DELETE)
        return BV_E_INVAL;
    bv_buf_put_u8(b, ev->type);
    enc_row_sized(b, ev, schema_id, max);
    return bv_buf_status(b);
}

static int dec_row(bv_cur *c, bv_rec_ctx *ctx, bv_event *ev)
{
    uint32_t sid, ncols;
    int rc;
    if ((rc = bv_cur_varint(c, &ev->pos.offset)) || (rc = bv_cur_varint32(c, &ev->pos.row)) ||
        (rc = bv_cur_varint(c, &ev->ts_us)) || (rc = bv_cur_varint32(c, &sid)) ||
        (rc = bv_cur_varint32(c, &ncols)))
        return rc;
    if (!ctx->schemas || sid >= ctx->schemas->n)
        return BV_E_CORRUPT; /* row refers to a schema not defined before it */
    ev->schema = ctx->schemas->v[sid];
    if (ncols != bv_schema_ncols(ev->schema))
        return BV_E_CORRUPT;
    ev->ncols = ncols;
    size_t nimg = ev->type == BV_EV_UPDATE ? 2 : 1;
    if (ncols > c->left) /* each value takes at least one byte */
        return BV_E_TRUNCATED;
    if (!ctx->vals || (size_t)ncols * nimg > ctx->vals_cap) {
        size_t cap = (size_t)ncols * 2 + 1; /* never 0: a zero-column image still needs a pointer */
        bv_value *n = realloc(ctx->vals, (cap ? cap : 1) * sizeof(*n));
        if (!n)
            return BV_E_NOMEM;
        ctx->vals = n;
        ctx->vals_cap = cap;
    }
    bv_value *img = ctx->vals;
    for (size_t k = 0; k < nimg * ncols; k++)
        if ((rc = bv_value_decode(c, &img[k])))
            return rc;
    if (ev->type == BV_EV_INSERT)
        ev->after = img;
    else if (ev->type == BV_EV_DELETE)
        ev->before = img;
    else {
        ev->before = img;
        ev->after = img + ncols;
    }
    return BV_OK;
}

static void enc_ddl(bv_buf *b, const bv_event *ev, uint32_t sid)
{
    (void)sid;
    bv_buf_put_varint(b, ev->pos.offset);
    bv_buf_put_varint(b, ev->ts_us);
    bv_buf_put_str(b, ev->database.ptr, ev->database.len);
    bv_buf_put_str(b, ev->sql.ptr, ev->sql.len);
}

static int dec_ddl(bv_cur *c, bv_rec_ctx *ctx, bv_event *ev)
{
    int rc;
    (void)ctx;
    if ((rc = bv_cur_varint(c, &ev->pos.offset)) || (rc = bv_cur_varint(c, &ev->ts_us)) ||
        (rc = get_strv(c, BV_MAX_NAME, &ev->database)))
        return rc;
    return get_strv(c, BV_MAX_TEXT, &ev->sql);
}

static void enc_commit(bv_buf *b, const bv_event *ev, uint32_t sid)
{
    (void)sid;
    bv_buf_put_varint(b, ev->pos.offset);
    bv_buf_put_varint(b, ev->end_offset);
    bv_buf_put_varint(b, ev->ts_us);
    bv_buf_put_u8(b, ev->commit_kind);
    bv_buf_put_varint(b, ev->xid);
}

static int dec_commit(bv_cur *c, bv_rec_ctx *ctx, bv_event *ev)
{
    int rc;
    (void)ctx;
    if ((rc = bv_cur_varint(c, &ev->pos.offset)) || (rc = bv_cur_varint(c, &ev->end_offset)) ||
        (rc = bv_cur_varint(c, &ev->ts_us)) || (rc = bv_cur_u8(c, &ev->commit_kind)) ||
        (rc = bv_cur_varint(c, &ev->xid)))
        return rc;
    if (ev->commit_kind > BV_COMMIT_IMPLICIT || ev->end_offset < ev->pos.offset)
        return BV_E_CORRUPT;
    return BV_OK;
}

static void enc_rotate(bv_buf *b, const bv_event *ev, uint32_t sid)
{
    (void)sid;
    bv_buf_put_varint(b, ev->pos.offset);
    bv_buf_put_varint(b, ev->ts_us);
    bv_buf_put_str(b, ev->new_file.ptr, ev->new_file.len);
    bv_buf_put_varint(b, ev->end_offset);
}

static int dec_rotate(bv_cur *c, bv_rec_ctx *ctx, bv_event *ev)
{
    int rc;
    if ((rc = bv_cur_varint(c, &ev->pos.offset)) || (rc = bv_cur_varint(c, &ev->ts_us)) ||
        (rc = get_strv(c, BV_MAX_NAME, &ev->new_file)) || (rc = bv_cur_varint(c, &ev->end_offset)))
        return rc;
    if (ev->new_file.len == 0 || memchr(ev->new_file.ptr, 0, ev->new_file.len))
        return BV_E_CORRUPT;
    (void)ctx;
    return BV_OK;
}

static void enc_note(bv_buf *b, const bv_event *ev, uint32_t sid)
{
    (void)sid;
    bv_buf_put_varint(b, ev->pos.offset);
    bv_buf_put_varint(b, ev->ts_us);
    bv_buf_put_u8(b, ev->note_level);
    bv_buf_put_str(b, ev->text.ptr, ev->text.len);
}

static int dec_note(bv_cur *c, bv_rec_ctx *ctx, bv_event *ev)
{
    int rc;
    (void)ctx;
    if ((rc = bv_cur_varint(c, &ev->pos.offset)) || (rc = bv_cur_varint(c, &ev->ts_us)) ||
        (rc = bv_cur_u8(c, &ev->note_level)) || (rc = get_strv(c, BV_MAX_TEXT, &ev->text)))
        return rc;
    return ev->note_level > BV_NOTE_WARNING ? BV_E_CORRUPT : BV_OK;
}

/* Indexed by record type; SCHEMA is handled separately (it is not an event). */
static const rec_codec codecs[BV_EV_TYPE_MAX + 1] = {
    [BV_EV_BEGIN] = {enc_begin, dec_begin},   [BV_EV_INSERT] = {enc_row, dec_row},
    [BV_EV_UPDATE] = {enc_row, dec_row},      [BV_EV_DELETE] = {enc_row, dec_row},
    [BV_EV_DDL] = {enc_ddl, dec_ddl},         [BV_EV_COMMIT] = {enc_commit, dec_commit},
    [BV_EV_ROTATE] = {enc_rotate, dec_rotate}, [BV_EV_NOTE] = {enc_note, dec_note},
};

int bv_record_encode(bv_buf *b, const bv_event *ev, uint32_t schema_id)
{
    if (ev->type < 1 || ev->type > BV_EV_TYPE_MAX)
        return BV_E_INVAL;
    bv_buf_put_u8(b, ev->type);
    codecs[ev->type].enc(b, ev, schema_id);
    return bv_buf_status(b);
}

void bv_record_encode_schema(bv_buf *b, uint32_t id, const bv_schema *s)
{
    const bv_buf *e = bv_schema_encoding(s);
    bv_buf_put_u8(b, BV_REC_SCHEMA);
    bv_buf_put_varint(b, id);
    bv_buf_put(b, e->data, e->len);
}

int bv_record_decode(bv_cur *c, bv_rec_ctx *ctx, bv_event *ev, int *is_schema, char *err,
                     size_t errlen)
{
    bv_cur save = *c;
    uint8_t type;
    int rc;
    memset(ev, 0, sizeof(*ev));
    *is_schema = 0;
    if ((rc = bv_cur_u8(c, &type)))
        return bv_seterr(err, errlen, rc, "record truncated");
    if (type == BV_REC_SCHEMA) {
        uint32_t id;
        bv_schema *s = NULL;
        if ((rc = bv_cur_varint32(c, &id)) || (rc = bv_schema_decode(c, &s))) {
            *c = save;
            return bv_seterr(err, errlen, rc, "bad schema record: %s", bv_strerror(rc));
        }
        if (!ctx->schemas || (rc = bv_schemas_add(ctx->schemas, id, s))) {
            bv_schema_free(s);
            *c = save;
            return bv_seterr(err, errlen, BV_E_CORRUPT, "schema record id %u out of sequence", id);
        }
        *is_schema = 1;
        return BV_OK;
    }
    if (type < 1 || type > BV_EV_TYPE_MAX) {
        *c = save;
        return bv_seterr(err, errlen, BV_E_CORRUPT, "unknown record type %u", type);
    }
    ev->type = type;
    ev->pos.file.ptr = ctx->file;
    ev->pos.file.len = ctx->file_len;
    if ((rc = codecs[type].dec(c, ctx, ev))) {
        *c = save;
        return bv_seterr(err, errlen, rc, "bad %s record: %s", bv_event_type_name(type), bv_strerror(rc));
    }
    return BV_OK;
}
