/* Unit tests for the Maxwell renderer and filters (replayer/maxwell.c,
 * replayer/filter.c). Expected texts are what Java / Maxwell print:
 * Double.toString and Float.toString, BigDecimal.toString, String.hashCode
 * (computed independently with Python over UTF-16 code units), JTS WKT. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filter.h"
#include "harness.h"
#include "jsonl.h"
#include "maxwell.h"

static char g_out[1024];

static const char *render(const bv_value *v, const bv_column *c)
{
    bv_buf b;
    bv_buf_init(&b);
    bv_mx_value(&b, v, c);
    size_t n = b.len < sizeof(g_out) - 1 ? b.len : sizeof(g_out) - 1;
    memcpy(g_out, b.data, n);
    g_out[n] = 0;
    bv_buf_release(&b);
    return g_out;
}

static void dbl(double d, const char *want)
{
    bv_value v;
    memset(&v, 0, sizeof(v));
    v.kind = BV_VAL_DOUBLE;
    v.v.d = d;
    T_EQ_STR(render(&v, NULL), want, "Double.toString");
}

static void flt(float f, const char *want)
{
    bv_value v;
    memset(&v, 0, sizeof(v));
    v.kind = BV_VAL_FLOAT;
    v.v.f = f;
    T_EQ_STR(render(&v, NULL), want, "Float.toString");
}

static void dec(const char *text, const char *want)
{
    bv_value v;
    memset(&v, 0, sizeof(v));
    v.kind = BV_VAL_DECIMAL;
    v.v.s.ptr = text;
    v.v.s.len = strlen(text);
    T_EQ_STR(render(&v, NULL), want, "BigDecimal.toString");
}

static void test_numbers(void)
{
    dbl(100.0, "100.0");
    dbl(1.1, "1.1");
    dbl(-2.5, "-2.5");
    dbl(1e20, "1.0E20");
    dbl(0.0001, "1.0E-4");
    dbl(0.001, "0.001");
    dbl(1e7, "1.0E7");
    dbl(9999999.0, "9999999.0");
    dbl(123456.789, "123456.789");
    dbl(0.1 + 0.2, "0.30000000000000004");
    dbl(1.7976931348623157e308, "1.7976931348623157E308");
    dbl(0.0, "0.0");
    dbl(-0.0, "-0.0");
    flt(1.1f, "1.1");
    flt(3.4028235e38f, "3.4028235E38");
    flt(0.1f, "0.1");
    flt(16777216.0f, "1.6777216E7");
    dec("1.50", "1.50");
    dec("-0.50", "-0.50");
    dec("0.00000100", "0.00000100");      /* adjusted exponent -6: plain */
    dec("0.0000000100", "1.00E-8");       /* below -6: scientific, as BigDecimal */
    dec("0.00000000", "0E-8");
    dec("-0.000000012", "-1.2E-8");
    dec("12345678901234567890.123", "12345678901234567890.123");
}

/* Random doubles: the text reads back to the same double and has as few
 * significant digits as the shortest %.Ng that does (computed here by
 * search, independently of the renderer). */
static void test_double_roundtrip(void)
{
    uint64_t x = 88172645463325252ull;
    int bad = 0, n = 0;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double d;
        switch (i % 4) {
        case 0: d = (double)(x % 100000000) / 100.0; break;              /* cents */
        case 1: d = (double)(int64_t)(x % 2000001) / 1000.0 - 1000.0; break; /* negative, 3 decimals */
        case 2: { uint64_t u = x & 0x7fefffffffffffffull; memcpy(&d, &u, 8); break; } /* any magnitude */
        default: d = (double)(x % 1000000007) / 7.0; break;              /* long fractions */
        }
        const char *t = render(&(bv_value){.kind = BV_VAL_DOUBLE, .v.d = d}, NULL);
        char *end;
        double back = strtod(t, &end);
        int sig = 0, lead = 1;
        for (const char *q = t; *q && *q != 'E'; q++)
            if (*q >= '0' && *q <= '9') {
                if (*q != '0')
                    lead = 0;
                if (!lead)
                    sig++;
            }
        /* trailing zeros after the point do not count ("100.0", "0.5") */
        const char *dot = strchr(t, '.');
        const char *e = strchr(t, 'E');
        const char *last = e ? e - 1 : t + strlen(t) - 1;
        while (dot && last > dot && *last == '0' && sig > 1)
            last--, sig--;
        int shortest = 17;
        char g[40];
        for (int p = 1; p <= 17; p++) {
            snprintf(g, sizeof(g), "%.*g", p, d);
            if (strtod(g, NULL) == d) {
                shortest = p;
                break;
            }
        }
        n++;
        if (back != d || (sig > shortest && !(d == (double)(int64_t)d && fabs(d) < 1e7))) {
            if (bad++ < 3)
                t_note("double %.17g rendered %s (%d digits, shortest %d)", d, t, sig, shortest);
        }
    }
    T_OK(bad == 0, "%d random doubles read back exactly with the fewest digits (%d wrong)", n, bad);
}

static void test_hash(void)
{
    T_EQ_INT(bv_java_hash("1", 1), 49, "\"1\".hashCode()");
    T_EQ_INT(bv_java_hash("shop", 4), 3529462, "\"shop\".hashCode()");
    T_EQ_INT(bv_java_hash("orders", 6), -1008770331, "\"orders\".hashCode() (negative)");
    T_EQ_INT(bv_java_hash("Zo\xc3\xab", 4), 90166, "non-ASCII: UTF-16 units");
    T_EQ_INT(bv_java_hash("\xf0\x9f\x98\x80x", 5), 54959989, "astral: a surrogate pair");
    T_EQ_INT(bv_mx_partition(-1008770331, 3), 0, "abs(hash % n) for a negative hash");
    T_EQ_INT(bv_mx_partition(-1008770331, 7), 2, "abs(-1008770331 % 7) = 2 (Java truncates toward 0)");
    T_EQ_INT(bv_mx_partition(49, 3), 1, "49 % 3");
}

static void test_geometry(void)
{
    /* SRID 0 + WKB POINT(3 2), little-endian */
    static const uint8_t pt[] = {0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x40};
    bv_value v;
    memset(&v, 0, sizeof(v));
    v.kind = BV_VAL_GEOMETRY;
    v.v.s.ptr = (const char *)pt;
    v.v.s.len = sizeof(pt);
    T_EQ_STR(render(&v, NULL), "\"POINT (3 2)\"", "GEOMETRY as WKT");
    v.v.s.len = sizeof(pt) - 1;
    T_OK(render(&v, NULL)[0] == '"' && !strstr(g_out, "POINT"), "a truncated WKB falls back to base64 (%s)", g_out);
}

static void test_filter(void)
{
    char err[256] = "";
    bv_filter *f = bv_filter_parse("exclude: *.*, include: shop.orders, include: db./^log_/", err, sizeof(err));
    T_OK(f != NULL, "filter parses (%s)", err);
    T_OK(bv_filter_parse("include shop.orders", err, sizeof(err)) == NULL && strstr(err, "include shop.orders"),
         "a rule without ':' is refused, naming it (%s)", err);
    T_OK(bv_filter_parse("allow: a.b", err, sizeof(err)) == NULL && strstr(err, "allow"),
         "an unknown rule type is refused (%s)", err);
    T_OK(bv_filter_parse("include: a./[/", err, sizeof(err)) == NULL, "a bad regex is refused (%s)", err);
    bv_filter_free(f);
    bv_colset *c = bv_colset_parse("password, /secret_.*/", err, sizeof(err));
    T_OK(c && bv_colset_has(c, "password", 8) && bv_colset_has(c, "secret_x", 8) && !bv_colset_has(c, "pass", 4) &&
             !bv_colset_has(c, "my_secret_x", 11),
         "exclude-columns: exact names and whole-name regexes (as Java matches())");
    bv_colset_free(c);
}

/* TIMESTAMP text (computed without gmtime_r) against gmtime_r, over a
 * spread of instants: epoch, leap days, century rules, the last second of
 * 9999, and a pseudo-random sample; TIME widths and integer texts. */
static void test_temporal_and_ints(void)
{
    bv_column col;
    memset(&col, 0, sizeof(col));
    col.scale = 3;
    uint64_t fixed[] = {1, 59, 86399, 86400, 951782400 /* 2000-02-29 */, 951868800, 4107542400 /* 2100-03-01 */,
                        4107456000, 253402300799ull, 68169600 /* 1972-02-29 */, 1234567890};
    uint64_t x = 88172645463325252ull;
    int bad = 0, n = 0;
    for (int i = 0; i < 20000; i++) {
        uint64_t sec;
        if (i < (int)(sizeof(fixed) / sizeof(fixed[0]))) {
            sec = fixed[i];
        } else {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            sec = x % 253402300800ull;
        }
        bv_value v;
        memset(&v, 0, sizeof(v));
        v.kind = BV_VAL_TIMESTAMP;
        v.v.ts.sec = sec;
        v.v.ts.usec = 123456;
        time_t t = (time_t)sec;
        struct tm tm;
        char want[64];
        gmtime_r(&t, &tm);
        snprintf(want, sizeof(want), "\"%04d-%02d-%02d %02d:%02d:%02d.123\"", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        n++;
        if (strcmp(render(&v, &col), want) != 0 && bad++ < 3)
            T_EQ_STR(g_out, want, "TIMESTAMP text");
    }
    T_OK(bad == 0, "%d of %d TIMESTAMP texts match gmtime_r", n - bad, n);
    bv_value v;
    memset(&v, 0, sizeof(v));
    v.kind = BV_VAL_TIMESTAMP;
    v.v.ts.sec = 253402300800ull;
    T_EQ_STR(render(&v, &col), "\"0000-00-00 00:00:00.000\"", "TIMESTAMP after 9999 is the zero text");
    memset(&v, 0, sizeof(v));
    v.kind = BV_VAL_TIME;
    v.v.time.negative = 1;
    v.v.time.hour = 838;
    v.v.time.minute = 59;
    v.v.time.second = 5;
    T_EQ_STR(render(&v, NULL), "\"-838:59:05\"", "TIME with three hour digits, negative");
    v.v.time.negative = 0;
    v.v.time.hour = 7;
    v.v.time.usec = 500000;
    T_EQ_STR(render(&v, &col), "\"07:59:05.500\"", "TIME with two hour digits and fsp 3");
    v.v.time.hour = 1234;
    T_EQ_STR(render(&v, NULL), "\"1234:59:05\"", "TIME with four hour digits");
    memset(&v, 0, sizeof(v));
    v.kind = BV_VAL_UINT;
    uint64_t us[] = {0, 9, 10, 99, 100, 101, 999, 1000, 4294967295u, 18446744073709551615ull};
    for (size_t i = 0; i < sizeof(us) / sizeof(us[0]); i++) {
        char want[32];
        snprintf(want, sizeof(want), "%llu", (unsigned long long)us[i]);
        v.v.u = us[i];
        T_EQ_STR(render(&v, NULL), want, "unsigned integer text");
    }
    v.kind = BV_VAL_INT;
    v.v.i = INT64_MIN;
    T_EQ_STR(render(&v, NULL), "-9223372036854775808", "INT64_MIN text");
}

/* The word-at-a-time JSON string path against a byte-at-a-time model: a
 * special byte at every position of strings of length 0..40. */
static void test_json_escape_positions(void)
{
    const char specials[] = {'"', '\\', '\n', 0x01, 0x1f, 0x7f, (char)0xc3, (char)0xff};
    int bad = 0, n = 0;
    for (size_t len = 0; len <= 40; len++) {
        for (size_t pos = 0; pos <= len; pos++) {
            for (size_t k = 0; k < sizeof(specials); k++) {
                char in[48], want[512];
                size_t w = 0;
                for (size_t i = 0; i < len; i++)
                    in[i] = (char)('a' + i % 26);
                if (pos < len)
                    in[pos] = specials[k];
                want[w++] = '"';
                for (size_t i = 0; i < len; i++) {
                    unsigned char c = (unsigned char)in[i];
                    if (c == '"' || c == '\\') {
                        want[w++] = '\\';
                        want[w++] = (char)c;
                    } else if (c == '\n') {
                        want[w++] = '\\';
                        want[w++] = 'n';
                    } else if (c < 0x20 || c >= 0x80) { /* lone 0xc3 / 0xff are not UTF-8 */
                        w += (size_t)snprintf(want + w, sizeof(want) - w, "\\u%04x", c);
                    } else {
                        want[w++] = (char)c;
                    }
                }
                want[w++] = '"';
                bv_buf b;
                bv_buf_init(&b);
                bv_buf_puts(&b, "x"); /* not at the start of the buffer */
                bv_json_string(&b, in, len);
                n++;
                if (b.len != w + 1 || memcmp(b.data + 1, want, w) != 0) {
                    if (bad++ < 3)
                        T_OK(0, "json string of length %zu with byte %02x at %zu: %.*s", len,
                             (unsigned char)specials[k], pos, (int)b.len, (const char *)b.data);
                }
                bv_buf_release(&b);
            }
        }
    }
    T_OK(bad == 0, "%d of %d JSON strings escaped as the byte-at-a-time model", n - bad, n);
}

int main(void)
{
    test_temporal_and_ints();
    test_json_escape_positions();
    test_numbers();
    test_double_roundtrip();
    test_hash();
    test_geometry();
    test_filter();
    return t_done();
}
