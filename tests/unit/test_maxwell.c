/* Unit tests for the Maxwell renderer and filters (replayer/maxwell.c,
 * replayer/filter.c). Expected texts are what Java / Maxwell print:
 * Double.toString and Float.toString, BigDecimal.toString, String.hashCode
 * (computed independently with Python over UTF-16 code units), JTS WKT. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "harness.h"
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

int main(void)
{
    test_numbers();
    test_double_roundtrip();
    test_hash();
    test_geometry();
    test_filter();
    return t_done();
}
