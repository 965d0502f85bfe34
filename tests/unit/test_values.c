/* Unit tests for the value codec (bv_value_encode / bv_value_decode). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "internal.h"

static int cur_at(const bv_cur *c, const uint8_t *p, size_t left)
{
    return c->p == p && c->left == left;
}

/* Field-by-field equality for the meaningful part of a value of its kind;
 * floats are compared by their bits. */
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
    case BV_VAL_YEAR:
    case BV_VAL_BIT:
    case BV_VAL_ENUM:
    case BV_VAL_SET:
        return a->v.u == b->v.u;
    case BV_VAL_FLOAT:
        return memcmp(&a->v.f, &b->v.f, sizeof(float)) == 0;
    case BV_VAL_DOUBLE:
        return memcmp(&a->v.d, &b->v.d, sizeof(double)) == 0;
    case BV_VAL_DATE:
        return a->v.dt.year == b->v.dt.year && a->v.dt.month == b->v.dt.month && a->v.dt.day == b->v.dt.day;
    case BV_VAL_DATETIME:
        return a->v.dt.year == b->v.dt.year && a->v.dt.month == b->v.dt.month && a->v.dt.day == b->v.dt.day &&
               a->v.dt.hour == b->v.dt.hour && a->v.dt.minute == b->v.dt.minute &&
               a->v.dt.second == b->v.dt.second && a->v.dt.usec == b->v.dt.usec;
    case BV_VAL_TIME:
        return a->v.time.negative == b->v.time.negative && a->v.time.hour == b->v.time.hour &&
               a->v.time.minute == b->v.time.minute && a->v.time.second == b->v.time.second &&
               a->v.time.usec == b->v.time.usec;
    case BV_VAL_TIMESTAMP:
        return a->v.ts.sec == b->v.ts.sec && a->v.ts.usec == b->v.ts.usec;
    default:
        return a->v.s.len == b->v.s.len && (a->v.s.len == 0 || memcmp(a->v.s.ptr, b->v.s.ptr, a->v.s.len) == 0);
    }
}

/* Encode v, decode it back, compare; then check that every truncation of
 * the encoding fails without moving the cursor. Returns the encoded length. */
static size_t roundtrip(const char *what, const bv_value *v)
{
    bv_buf b;
    bv_buf_init(&b);
    bv_value_encode(&b, v);
    T_EQ_INT(bv_buf_status(&b), BV_OK, "encode status");
    bv_value out;
    memset(&out, 0xa5, sizeof(out));
    bv_cur c = bv_cur_make(b.data, b.len);
    int rc = bv_value_decode(&c, &out);
    if (!T_OK(rc == BV_OK, "%s: decodes", what))
        t_note("  rc %d", rc);
    T_OK(rc == BV_OK && value_eq(v, &out), "%s: round trip equal", what);
    T_OK(c.left == 0, "%s: decode consumed all %zu bytes", what, b.len);
    T_EQ_U64(b.data[0], v->kind, "first byte is the kind");
    if (rc == BV_OK && v->kind >= BV_VAL_DECIMAL && v->kind != BV_VAL_DATE && v->kind != BV_VAL_TIME &&
        v->kind != BV_VAL_DATETIME && v->kind != BV_VAL_TIMESTAMP && v->kind != BV_VAL_YEAR &&
        v->kind != BV_VAL_BIT && v->kind != BV_VAL_ENUM && v->kind != BV_VAL_SET)
        T_OK((const uint8_t *)out.v.s.ptr >= b.data && (const uint8_t *)out.v.s.ptr + out.v.s.len == b.data + b.len,
             "%s: string value points into the input", what);

    /* every truncation: error, cursor unchanged, no read past the end (a
     * heap copy of exactly n bytes lets ASan catch overreads) */
    int all_fail = 1, all_still = 1;
    for (size_t n = 0; n < b.len; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        if (!copy)
            abort();
        memcpy(copy, b.data, n);
        c = bv_cur_make(copy, n);
        rc = bv_value_decode(&c, &out);
        if (rc >= 0) {
            all_fail = 0;
            t_note("  %s: truncation to %zu of %zu bytes decoded OK", what, n, b.len);
        }
        if (!cur_at(&c, copy, n))
            all_still = 0;
        free(copy);
    }
    T_OK(all_fail, "%s: every truncation (%zu) is rejected", what, b.len);
    T_OK(all_still, "%s: truncation leaves the cursor unchanged", what);
    size_t len = b.len;
    bv_buf_release(&b);
    return len;
}

static bv_value mk(uint8_t kind)
{
    bv_value v;
    memset(&v, 0, sizeof(v));
    v.kind = kind;
    return v;
}

static bv_value mk_i(int64_t i)
{
    bv_value v = mk(BV_VAL_INT);
    v.v.i = i;
    return v;
}

static bv_value mk_u(uint8_t kind, uint64_t u)
{
    bv_value v = mk(kind);
    v.v.u = u;
    return v;
}

static bv_value mk_s(uint8_t kind, const char *p, size_t n)
{
    bv_value v = mk(kind);
    v.v.s.ptr = p;
    v.v.s.len = n;
    return v;
}

static bv_value mk_dt(uint8_t kind, uint16_t y, uint8_t mo, uint8_t d, uint8_t h, uint8_t mi, uint8_t s, uint32_t us)
{
    bv_value v = mk(kind);
    v.v.dt.year = y;
    v.v.dt.month = mo;
    v.v.dt.day = d;
    v.v.dt.hour = h;
    v.v.dt.minute = mi;
    v.v.dt.second = s;
    v.v.dt.usec = us;
    return v;
}

static bv_value mk_time(int neg, uint32_t h, uint8_t mi, uint8_t s, uint32_t us)
{
    bv_value v = mk(BV_VAL_TIME);
    v.v.time.negative = (uint8_t)neg;
    v.v.time.hour = h;
    v.v.time.minute = mi;
    v.v.time.second = s;
    v.v.time.usec = us;
    return v;
}

static bv_value mk_ts(uint64_t sec, uint32_t us)
{
    bv_value v = mk(BV_VAL_TIMESTAMP);
    v.v.ts.sec = sec;
    v.v.ts.usec = us;
    return v;
}

static bv_value mk_f(uint32_t bits)
{
    bv_value v = mk(BV_VAL_FLOAT);
    memcpy(&v.v.f, &bits, 4);
    return v;
}

static bv_value mk_d(uint64_t bits)
{
    bv_value v = mk(BV_VAL_DOUBLE);
    memcpy(&v.v.d, &bits, 8);
    return v;
}

/* ------------------------------------------------------------ round trips */

static void test_roundtrips(void)
{
    bv_value v;

    /* strings of every length up to 70 (the encoder copies up to 32 bytes
     * with overlapping fixed-size moves): exact heap copies, so ASan sees
     * any read outside them */
    for (size_t n = 0; n <= 70; n++) {
        char *p = malloc(n ? n : 1), what[48];
        if (!p)
            abort();
        for (size_t i = 0; i < n; i++)
            p[i] = (char)('A' + (i * 7 + n) % 26);
        snprintf(what, sizeof(what), "STRING of %zu bytes", n);
        v = mk_s(BV_VAL_STRING, p, n);
        T_EQ_U64(roundtrip(what, &v), 1 + (n < 128 ? 1 : 2) + n, "STRING is kind + length + bytes");
        free(p);
    }

    v = mk(BV_VAL_NULL);
    T_EQ_U64(roundtrip("NULL", &v), 1, "NULL is 1 byte");
    v = mk(BV_VAL_ABSENT);
    T_EQ_U64(roundtrip("ABSENT", &v), 1, "ABSENT is 1 byte");

    v = mk_i(0);
    roundtrip("INT 0", &v);
    v = mk_i(-1);
    roundtrip("INT -1", &v);
    v = mk_i(INT64_MIN);
    T_EQ_U64(roundtrip("INT INT64_MIN", &v), 11, "INT64_MIN is 11 bytes");
    v = mk_i(INT64_MAX);
    T_EQ_U64(roundtrip("INT INT64_MAX", &v), 11, "INT64_MAX is 11 bytes");

    v = mk_u(BV_VAL_UINT, 0);
    roundtrip("UINT 0", &v);
    v = mk_u(BV_VAL_UINT, UINT64_MAX);
    T_EQ_U64(roundtrip("UINT UINT64_MAX", &v), 11, "UINT64_MAX is 11 bytes");

    /* float: bit exact */
    static const uint32_t fbits[] = {
        0x00000000u, /* +0 */
        0x80000000u, /* -0 */
        0x00000001u, /* smallest denormal */
        0x807fffffu, /* largest negative denormal */
        0x7f7fffffu, /* FLT_MAX */
        0x7f800000u, /* +inf */
        0xff800000u, /* -inf */
        0x7fc00000u, /* quiet NaN */
        0x7fc12345u, /* quiet NaN with payload */
        0xffc00001u, /* negative quiet NaN with payload */
        0x3f800000u, /* 1.0 */
    };
    for (size_t i = 0; i < sizeof(fbits) / sizeof(fbits[0]); i++) {
        char what[64];
        snprintf(what, sizeof(what), "FLOAT bits 0x%08x", fbits[i]);
        v = mk_f(fbits[i]);
        T_EQ_U64(roundtrip(what, &v), 5, "FLOAT is 5 bytes");
    }
    {
        bv_buf b;
        bv_buf_init(&b);
        v = mk_f(0x80000000u);
        bv_value_encode(&b, &v);
        static const uint8_t want[] = {0x04, 0x00, 0x00, 0x00, 0x80};
        T_OK(b.len == 5 && memcmp(b.data, want, 5) == 0, "FLOAT -0.0 => 04 00 00 00 80");
        bv_value out;
        bv_cur c = bv_cur_make(b.data, b.len);
        T_OK(bv_value_decode(&c, &out) == BV_OK && signbit(out.v.f) && out.v.f == 0.0f, "FLOAT -0.0 keeps its sign");
        bv_buf_release(&b);
    }
    static const uint64_t dbits[] = {
        0x0000000000000000ull, 0x8000000000000000ull, /* +-0 */
        0x0000000000000001ull,                        /* smallest denormal */
        0x000fffffffffffffull,                        /* largest denormal */
        0x7fefffffffffffffull,                        /* DBL_MAX */
        0x7ff0000000000000ull, 0xfff0000000000000ull, /* +-inf */
        0x7ff8000000000000ull,                        /* quiet NaN */
        0x7ff8dead0000beefull,                        /* quiet NaN payload */
        0xfff0000000000001ull,                        /* negative NaN, low payload */
        0x3ff0000000000000ull,                        /* 1.0 */
    };
    for (size_t i = 0; i < sizeof(dbits) / sizeof(dbits[0]); i++) {
        char what[64];
        snprintf(what, sizeof(what), "DOUBLE bits 0x%016llx", (unsigned long long)dbits[i]);
        v = mk_d(dbits[i]);
        T_EQ_U64(roundtrip(what, &v), 9, "DOUBLE is 9 bytes");
    }
    {
        bv_buf b;
        bv_buf_init(&b);
        v = mk_d(0x3ff0000000000000ull);
        bv_value_encode(&b, &v);
        static const uint8_t want[] = {0x05, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f};
        T_OK(b.len == 9 && memcmp(b.data, want, 9) == 0, "DOUBLE 1.0 => 05 00*6 f0 3f");
        bv_buf_release(&b);
    }

    /* DECIMAL */
    static const char *decs[] = {
        "0",
        "-0.5",
        "123.456",
        "-99999999999999999999999999999999999.999999999999999999999999999999",
        "99999999999999999999999999999999999.999999999999999999999999999999",
        "12345678901234567890123456789012345678901234567890123456789012345",
        "-12345678901234567890123456789012345678901234567890123456789012345",
        "0.000",
    };
    for (size_t i = 0; i < sizeof(decs) / sizeof(decs[0]); i++) {
        char what[120];
        snprintf(what, sizeof(what), "DECIMAL \"%s\"", decs[i]);
        v = mk_s(BV_VAL_DECIMAL, decs[i], strlen(decs[i]));
        T_EQ_U64(roundtrip(what, &v), 2 + strlen(decs[i]), "DECIMAL is kind + len + text");
    }
    T_EQ_U64(strlen(decs[3]), 67, "65-digit decimal with 30 scale is 67 chars");

    /* DATE */
    v = mk_dt(BV_VAL_DATE, 0, 0, 0, 0, 0, 0, 0);
    T_EQ_U64(roundtrip("DATE 0000-00-00", &v), 4, "DATE 0000-00-00 is 4 bytes");
    v = mk_dt(BV_VAL_DATE, 9999, 12, 31, 0, 0, 0, 0);
    T_EQ_U64(roundtrip("DATE 9999-12-31", &v), 5, "DATE 9999-12-31 is 5 bytes");
    v = mk_dt(BV_VAL_DATE, 1000, 1, 1, 0, 0, 0, 0);
    roundtrip("DATE 1000-01-01", &v);

    /* TIME */
    v = mk_time(1, 838, 59, 59, 0);
    roundtrip("TIME -838:59:59.000000", &v);
    v = mk_time(0, 838, 59, 59, 999999);
    roundtrip("TIME 838:59:59.999999", &v);
    v = mk_time(0, 0, 0, 0, 0);
    T_EQ_U64(roundtrip("TIME 00:00:00", &v), 6, "TIME 0 is 6 bytes");
    v = mk_time(1, 0, 0, 0, 1);
    roundtrip("TIME -00:00:00.000001", &v);

    /* DATETIME */
    v = mk_dt(BV_VAL_DATETIME, 2024, 2, 29, 23, 59, 59, 999999);
    roundtrip("DATETIME 2024-02-29 23:59:59.999999", &v);
    v = mk_dt(BV_VAL_DATETIME, 0, 0, 0, 0, 0, 0, 0);
    roundtrip("DATETIME zero", &v);
    v = mk_dt(BV_VAL_DATETIME, 9999, 12, 31, 23, 59, 59, 123456);
    roundtrip("DATETIME 9999-12-31 23:59:59.123456", &v);

    /* TIMESTAMP */
    v = mk_ts(0, 0);
    T_EQ_U64(roundtrip("TIMESTAMP 0", &v), 3, "TIMESTAMP 0 is 3 bytes");
    v = mk_ts(UINT32_MAX, 999999);
    roundtrip("TIMESTAMP 2^32-1.999999", &v);
    v = mk_ts(1700000000, 1);
    roundtrip("TIMESTAMP 1700000000.000001", &v);

    /* YEAR */
    v = mk_u(BV_VAL_YEAR, 0);
    roundtrip("YEAR 0", &v);
    v = mk_u(BV_VAL_YEAR, 1901);
    roundtrip("YEAR 1901", &v);
    v = mk_u(BV_VAL_YEAR, 2155);
    roundtrip("YEAR 2155", &v);

    /* STRING / BYTES / JSON */
    static const char sbytes[] = {'a', 0, 'b', (char)0xff, (char)0xfe, (char)0xc3, 0, (char)0x80};
    v = mk_s(BV_VAL_STRING, sbytes, sizeof(sbytes));
    T_EQ_U64(roundtrip("STRING with NUL and non-UTF-8", &v), 10, "STRING 8 bytes is 10 bytes");
    v = mk_s(BV_VAL_STRING, "", 0);
    T_EQ_U64(roundtrip("STRING empty", &v), 2, "empty STRING is 2 bytes");
    v = mk_s(BV_VAL_STRING, NULL, 0);
    T_EQ_U64(roundtrip("STRING NULL ptr, len 0", &v), 2, "NULL-ptr STRING is 2 bytes");
    char *big = malloc(70000);
    if (big) {
        for (size_t i = 0; i < 70000; i++)
            big[i] = (char)(i % 251);
        v = mk_s(BV_VAL_BYTES, big, 70000);
        bv_buf b;
        bv_buf_init(&b);
        bv_value_encode(&b, &v);
        T_EQ_U64(b.len, 1 + 3 + 70000, "BYTES 70000: kind + 3-byte length + data");
        bv_cur c = bv_cur_make(b.data, b.len);
        bv_value out;
        T_OK(bv_value_decode(&c, &out) == BV_OK && value_eq(&v, &out) && c.left == 0, "BYTES 70000 round trip");
        c = bv_cur_make(b.data, b.len - 1);
        T_OK(bv_value_decode(&c, &out) == BV_E_TRUNCATED && cur_at(&c, b.data, b.len - 1),
             "BYTES 70000 one byte short: TRUNCATED, cursor unchanged");
        bv_buf_release(&b);
        free(big);
    }
    static const char bin[] = {0, 1, 2, (char)0xff};
    v = mk_s(BV_VAL_BYTES, bin, sizeof(bin));
    roundtrip("BYTES 00 01 02 ff", &v);
    const char *json = "{\"a\":[1,2.5,null,true],\"b\":\"\\u00e9\"}";
    v = mk_s(BV_VAL_JSON, json, strlen(json));
    roundtrip("JSON", &v);

    /* BIT / ENUM / SET */
    v = mk_u(BV_VAL_BIT, UINT64_MAX);
    T_EQ_U64(roundtrip("BIT 64 bits set", &v), 11, "BIT(64) all ones is 11 bytes");
    v = mk_u(BV_VAL_BIT, 0x8000000000000001ull);
    roundtrip("BIT high and low", &v);
    v = mk_u(BV_VAL_ENUM, 65535);
    T_EQ_U64(roundtrip("ENUM 65535", &v), 4, "ENUM 65535 is 4 bytes");
    v = mk_u(BV_VAL_ENUM, 0);
    roundtrip("ENUM 0 (error value)", &v);
    v = mk_u(BV_VAL_SET, UINT64_MAX);
    roundtrip("SET all 64 members", &v);

    /* GEOMETRY / VECTOR */
    static const char geo[] = {(char)0xe6, 0x10, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, (char)0xf0, 0x3f,
                               0, 0, 0, 0, 0, 0, 0, 0x40};
    v = mk_s(BV_VAL_GEOMETRY, geo, sizeof(geo));
    roundtrip("GEOMETRY SRID 4326 POINT", &v);
    v = mk_s(BV_VAL_GEOMETRY, geo, 4);
    roundtrip("GEOMETRY exactly 4 bytes", &v);
    static const float vec[3] = {1.0f, -2.5f, 0.0f};
    v = mk_s(BV_VAL_VECTOR, (const char *)vec, sizeof(vec));
    T_EQ_U64(roundtrip("VECTOR 3 floats", &v), 14, "VECTOR 12 bytes is 14 bytes");
    v = mk_s(BV_VAL_VECTOR, "", 0);
    roundtrip("VECTOR empty", &v);
    static const char diff[] = "[{\"op\":\"replace\",\"path\":\"$.age\",\"value\":26}]";
    v = mk_s(BV_VAL_JSON_DIFF, diff, sizeof(diff) - 1);
    T_EQ_U64(roundtrip("JSON_DIFF replace $.age", &v), 2 + sizeof(diff) - 1, "JSON_DIFF is kind + length + text");
}

/* ------------------------------------------------------------ exact bytes */

static void expect_bytes(const char *what, const bv_value *v, const uint8_t *want, size_t n)
{
    bv_buf b;
    bv_buf_init(&b);
    bv_value_encode(&b, v);
    int ok = b.len == n && memcmp(b.data, want, n) == 0;
    if (!T_OK(ok, "%s: exact encoding", what)) {
        char hex[200];
        size_t k = 0;
        for (size_t i = 0; i < b.len && k + 4 < sizeof(hex); i++)
            k += (size_t)snprintf(hex + k, sizeof(hex) - k, "%02x ", b.data[i]);
        hex[k] = 0;
        t_note("  got %s", hex);
    }
    bv_buf_release(&b);
}

static void test_exact(void)
{
    bv_value v;
    v = mk_i(-1);
    expect_bytes("INT -1", &v, (const uint8_t *)"\x02\x01", 2);
    v = mk_i(1);
    expect_bytes("INT 1", &v, (const uint8_t *)"\x02\x02", 2);
    v = mk_i(-65);
    expect_bytes("INT -65", &v, (const uint8_t *)"\x02\x81\x01", 3);
    v = mk_u(BV_VAL_UINT, 300);
    expect_bytes("UINT 300", &v, (const uint8_t *)"\x03\xac\x02", 3);
    v = mk(BV_VAL_NULL);
    expect_bytes("NULL", &v, (const uint8_t *)"\x00", 1);
    v = mk(BV_VAL_ABSENT);
    expect_bytes("ABSENT", &v, (const uint8_t *)"\x01", 1);
    v = mk_dt(BV_VAL_DATE, 2024, 2, 29, 0, 0, 0, 0);
    expect_bytes("DATE 2024-02-29", &v, (const uint8_t *)"\x07\xe8\x0f\x02\x1d", 5);
    v = mk_dt(BV_VAL_DATETIME, 2024, 2, 29, 13, 14, 15, 500000);
    expect_bytes("DATETIME 2024-02-29 13:14:15.5", &v,
                 (const uint8_t *)"\x09\xe8\x0f\x02\x1d\x0d\x0e\x0f\xa0\xc2\x1e", 11);
    v = mk_time(1, 838, 59, 59, 0);
    expect_bytes("TIME -838:59:59", &v, (const uint8_t *)"\x08\x01\xc6\x06\x3b\x3b\x00", 7);
    v = mk_ts(1, 2);
    expect_bytes("TIMESTAMP 1.000002", &v, (const uint8_t *)"\x0a\x01\x02", 3);
    v = mk_u(BV_VAL_YEAR, 2155);
    expect_bytes("YEAR 2155", &v, (const uint8_t *)"\x0b\xeb\x10", 3);
    v = mk_s(BV_VAL_STRING, "a\0b", 3);
    expect_bytes("STRING a\\0b", &v, (const uint8_t *)"\x0c\x03" "a\0b", 5);
    v = mk_s(BV_VAL_DECIMAL, "-1.5", 4);
    expect_bytes("DECIMAL -1.5", &v, (const uint8_t *)"\x06\x04-1.5", 6);
    v = mk_u(BV_VAL_ENUM, 65535);
    expect_bytes("ENUM 65535", &v, (const uint8_t *)"\x10\xff\xff\x03", 4);
    v = mk_f(0x3f800000u);
    expect_bytes("FLOAT 1.0", &v, (const uint8_t *)"\x04\x00\x00\x80\x3f", 5);
}

/* ------------------------------------------------------------ rejections */

static void expect_reject(const char *what, const uint8_t *p, size_t n, int want_rc)
{
    /* heap copy of exactly n bytes so ASan sees any read past the end */
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy)
        abort();
    memcpy(copy, p, n);
    bv_cur c = bv_cur_make(copy, n);
    bv_value out;
    int rc = bv_value_decode(&c, &out);
    if (!T_OK(rc == want_rc, "%s: rejected with %d", what, want_rc))
        t_note("  got rc %d", rc);
    T_OK(cur_at(&c, copy, n), "%s: cursor unchanged", what);
    free(copy);
}

static void reject_value(const char *what, const bv_value *v, int want_rc)
{
    bv_buf b;
    bv_buf_init(&b);
    bv_value_encode(&b, v);
    expect_reject(what, b.data, b.len, want_rc);
    bv_buf_release(&b);
}

static void test_rejects(void)
{
    bv_value v;

    /* unknown kinds */
    static const uint8_t k21[] = {21, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    expect_reject("kind 21", k21, sizeof(k21), BV_E_CORRUPT);
    static const uint8_t k255[] = {255, 1, 1};
    expect_reject("kind 255", k255, sizeof(k255), BV_E_CORRUPT);
    static const uint8_t k128[] = {128};
    expect_reject("kind 128", k128, sizeof(k128), BV_E_CORRUPT);
    expect_reject("empty input", k128, 0, BV_E_TRUNCATED);

    /* dates */
    v = mk_dt(BV_VAL_DATE, 2024, 13, 1, 0, 0, 0, 0);
    reject_value("DATE month 13", &v, BV_E_CORRUPT);
    v = mk_dt(BV_VAL_DATE, 2024, 1, 32, 0, 0, 0, 0);
    reject_value("DATE day 32", &v, BV_E_CORRUPT);
    v = mk_dt(BV_VAL_DATE, 10000, 1, 1, 0, 0, 0, 0);
    reject_value("DATE year 10000", &v, BV_E_CORRUPT);
    static const uint8_t date_y2_32[] = {BV_VAL_DATE, 0x80, 0x80, 0x80, 0x80, 0x10, 1, 1};
    expect_reject("DATE year 2^32 (varint32 overflow)", date_y2_32, sizeof(date_y2_32), BV_E_CORRUPT);
    v = mk_dt(BV_VAL_DATETIME, 2024, 13, 1, 0, 0, 0, 0);
    reject_value("DATETIME month 13", &v, BV_E_CORRUPT);
    v = mk_dt(BV_VAL_DATETIME, 2024, 1, 32, 0, 0, 0, 0);
    reject_value("DATETIME day 32", &v, BV_E_CORRUPT);
    v = mk_dt(BV_VAL_DATETIME, 2024, 1, 1, 24, 0, 0, 0);
    reject_value("DATETIME hour 24", &v, BV_E_CORRUPT);
    v = mk_dt(BV_VAL_DATETIME, 2024, 1, 1, 0, 60, 0, 0);
    reject_value("DATETIME minute 60", &v, BV_E_CORRUPT);
    v = mk_dt(BV_VAL_DATETIME, 2024, 1, 1, 0, 0, 60, 0);
    reject_value("DATETIME second 60", &v, BV_E_CORRUPT);
    v = mk_dt(BV_VAL_DATETIME, 2024, 1, 1, 0, 0, 0, 1000000);
    reject_value("DATETIME usec 1000000", &v, BV_E_CORRUPT);

    /* time */
    v = mk_time(0, 1, 0, 0, 1000000);
    reject_value("TIME usec 1000000", &v, BV_E_CORRUPT);
    v = mk_time(0, 1, 60, 0, 0);
    reject_value("TIME minute 60", &v, BV_E_CORRUPT);
    v = mk_time(0, 1, 0, 60, 0);
    reject_value("TIME second 60", &v, BV_E_CORRUPT);
    static const uint8_t time_neg2[] = {BV_VAL_TIME, 2, 1, 0, 0, 0};
    expect_reject("TIME negative flag 2", time_neg2, sizeof(time_neg2), BV_E_CORRUPT);

    /* timestamp */
    v = mk_ts(5, 1000000);
    reject_value("TIMESTAMP usec 1000000", &v, BV_E_CORRUPT);
    static const uint8_t ts_us_big[] = {BV_VAL_TIMESTAMP, 1, 0x80, 0x80, 0x80, 0x80, 0x10};
    expect_reject("TIMESTAMP usec 2^32", ts_us_big, sizeof(ts_us_big), BV_E_CORRUPT);

    /* year / enum ranges */
    v = mk_u(BV_VAL_YEAR, 10000);
    reject_value("YEAR 10000", &v, BV_E_CORRUPT);
    v = mk_u(BV_VAL_ENUM, 65536);
    reject_value("ENUM 65536", &v, BV_E_CORRUPT);

    /* decimal texts */
    static const char *bad_dec[] = {"000.000", "007", "-01.5", "", "-", "1.", ".5", "1e5", "--1", "+1", "1.2.3", " 1", "1 ", "-.5", "1,5",
                                    "0x10", "1.-5", "NaN"};
    for (size_t i = 0; i < sizeof(bad_dec) / sizeof(bad_dec[0]); i++) {
        char what[64];
        snprintf(what, sizeof(what), "DECIMAL \"%s\"", bad_dec[i]);
        v = mk_s(BV_VAL_DECIMAL, bad_dec[i], strlen(bad_dec[i]));
        reject_value(what, &v, BV_E_CORRUPT);
    }
    v = mk_s(BV_VAL_DECIMAL, "1\0", 2);
    reject_value("DECIMAL with trailing NUL", &v, BV_E_CORRUPT);

    /* geometry / vector sizes */
    v = mk_s(BV_VAL_GEOMETRY, "abc", 3);
    reject_value("GEOMETRY of 3 bytes", &v, BV_E_CORRUPT);
    v = mk_s(BV_VAL_GEOMETRY, "", 0);
    reject_value("GEOMETRY of 0 bytes", &v, BV_E_CORRUPT);
    v = mk_s(BV_VAL_VECTOR, "abcdef", 6);
    reject_value("VECTOR of 6 bytes", &v, BV_E_CORRUPT);
    v = mk_s(BV_VAL_VECTOR, "a", 1);
    reject_value("VECTOR of 1 byte", &v, BV_E_CORRUPT);

    /* non-canonical varints inside values */
    static const uint8_t int_nc[] = {BV_VAL_INT, 0x80, 0x00};
    expect_reject("INT non-canonical varint", int_nc, sizeof(int_nc), BV_E_CORRUPT);
    static const uint8_t uint_11[] = {BV_VAL_UINT, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00};
    expect_reject("UINT 11-byte varint", uint_11, sizeof(uint_11), BV_E_CORRUPT);
    static const uint8_t str_nc[] = {BV_VAL_STRING, 0x81, 0x00, 'a'};
    expect_reject("STRING non-canonical length", str_nc, sizeof(str_nc), BV_E_CORRUPT);
    static const uint8_t str_long[] = {BV_VAL_STRING, 0x05, 'a', 'b'};
    expect_reject("STRING length past the end", str_long, sizeof(str_long), BV_E_TRUNCATED);
}

/* The reference rule for DECIMAL text, one byte at a time. */
static int ref_decimal(const char *p, size_t n)
{
    size_t i = 0, d = 0, f = 0;
    if (i < n && p[i] == '-')
        i++;
    size_t st = i;
    while (i < n && p[i] >= '0' && p[i] <= '9')
        i++, d++;
    if (!d || (d > 1 && p[st] == '0'))
        return 0;
    if (i < n && p[i] == '.') {
        for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++)
            f++;
        if (!f)
            return 0;
    }
    return i == n && n <= 128;
}

/* bv_value_check on DECIMAL text (checked eight bytes at a time) against
 * the byte-at-a-time rule: random texts over digits, the bytes next to
 * them ('/' and ':'), sign, point and high bytes, at lengths 0..140. */
static void test_decimal_rule(void)
{
    static const char alpha[] = "0123456789012345678901234567890123456789-./:\x80\xb0\xb9\xba\xc6\xff";
    uint32_t x = 7;
    size_t cases = 0, agree = 0, valid = 0;
    char buf[160];
    for (int r = 0; r < 400000; r++) {
        x = x * 1103515245u + 12345u;
        size_t n = (x >> 16) % 141;
        int mostly_digits = (x >> 8) & 1;
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            unsigned k = (x >> 16) % (sizeof(alpha) - 1);
            buf[i] = mostly_digits && ((x >> 4) % 16) ? (char)('1' + (x >> 8) % 9) : alpha[k];
        }
        if (n && mostly_digits && ((x >> 12) % 3) == 0)
            buf[(x >> 20) % n] = '.';
        bv_value v;
        memset(&v, 0, sizeof(v));
        v.kind = BV_VAL_DECIMAL;
        v.v.s.ptr = buf;
        v.v.s.len = n;
        int want = ref_decimal(buf, n);
        cases++;
        valid += want;
        agree += (bv_value_check(&v) == BV_OK) == want;
    }
    T_EQ_U64(agree, cases, "DECIMAL text rule agrees with the byte-at-a-time rule on every random text");
    T_OK(valid > 10000 && valid < cases / 2, "the random texts include %zu valid ones of %zu", valid, cases);
}

int main(void)
{
    test_decimal_rule();
    test_roundtrips();
    test_exact();
    test_rejects();
    return t_done();
}
