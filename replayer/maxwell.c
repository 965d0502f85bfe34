/* Maxwell-compatible JSON (maxwell.h). Field order, names and value
 * encodings follow Maxwell 1.45 (RowMap.toJSON and the column definitions);
 * replayer/README.md lists them with examples. */
#include "maxwell.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jsonl.h"


/* Decimal text of an integer without printf (the replayer's hot path). */
static void put_u64(bv_buf *b, uint64_t v) { bv_buf_put_dec(b, v); }

static void put_i64(bv_buf *b, int64_t v)
{
    if (v < 0) {
        bv_buf_put_u8(b, '-');
        put_u64(b, (uint64_t)0 - (uint64_t)v);
    } else {
        put_u64(b, (uint64_t)v);
    }
}

/* v zero-padded to width digits (v < 10^width, width <= 10). */
static void put_pad(bv_buf *b, unsigned v, unsigned width)
{
    char t[10];
    bv_dec_fixed(t, v, width);
    bv_buf_put(b, t, width);
}

/* YYYY-MM-DD[sep]HH:MM:SS (time part when sep != 0), built in place and
 * appended once (the replayer's hot path: every DATETIME). y <= 9999, the
 * other parts <= 99. */
static void put_ymdhms(bv_buf *b, unsigned y, unsigned mo, unsigned d, char sep, unsigned h, unsigned mi,
                       unsigned sec)
{
    char t[19] = {(char)('0' + y / 1000 % 10), (char)('0' + y / 100 % 10), (char)('0' + y / 10 % 10),
                  (char)('0' + y % 10), '-', (char)('0' + mo / 10 % 10), (char)('0' + mo % 10), '-',
                  (char)('0' + d / 10 % 10), (char)('0' + d % 10), sep, (char)('0' + h / 10 % 10),
                  (char)('0' + h % 10), ':', (char)('0' + mi / 10 % 10), (char)('0' + mi % 10), ':',
                  (char)('0' + sec / 10 % 10), (char)('0' + sec % 10)};
    bv_buf_put(b, t, sep ? 19 : 10);
}

void bv_mx_opts_init(bv_mx_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->commit_info = 1;
    o->xoffset = 1;
    o->nulls = 1;
}

/* ------------------------------------------------------------ numbers */

/* Shortest decimal digits of d that read back to d (as a float when
 * is_float): digits without a point, and the decimal exponent of the first. */
static void shortest_digits(double d, int is_float, char *digits, size_t dlen, int *exp10)
{
    char e[48];
    /* The correctly rounded 15 (float: 6) significant digits with trailing
     * zeros removed are the shortest form whenever that many digits round
     * trip; otherwise one more digit at a time (at most 17, or 9). */
    for (int p = is_float ? 5 : 14; p <= 16; p++) {
        snprintf(e, sizeof(e), "%.*e", p, fabs(d));
        double back = strtod(e, NULL);
        if (is_float ? (float)back == (float)d : back == fabs(d))
            break;
    }
    /* e is D[.DDD]e[+-]XX */
    size_t n = 0;
    const char *s = e;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9' && n + 1 < dlen)
            digits[n++] = *s;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = 0;
    *exp10 = *s == 'e' ? atoi(s + 1) : 0;
}

/* Fast path for a double between 1e-3 and 1e7 with at most 15 significant
 * digits: the smallest k with d = m / 10^k exactly as IEEE rounds it (m an
 * integer below 2^53, 10^k exact) gives the shortest digits that read back
 * to d (Clinger's exact case of decimal to binary). Writes the plain Java
 * form and returns 1, or returns 0 to take the general path. */
static int put_plain_fast(bv_buf *b, double d)
{
    static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};
    double a = fabs(d);
    if (!(a >= 1e-3 && a < 1e7))
        return 0;
    for (int k = 1; k <= 18; k++) {
        double t = a * p10[k];
        if (t >= 9007199254740992.0)
            return 0;
        double m = rint(t);
        if (m / p10[k] != a)
            continue;
        uint64_t u = (uint64_t)m;
        char dig[24];
        int n = 0;
        do {
            dig[23 - n++] = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        const char *p = dig + 24 - n;
        if (d < 0)
            bv_buf_put_u8(b, '-');
        if (n > k) {
            bv_buf_put(b, p, (size_t)(n - k));
            bv_buf_put_u8(b, '.');
            bv_buf_put(b, p + n - k, (size_t)k);
        } else {
            bv_buf_puts(b, "0.");
            for (int i = n; i < k; i++)
                bv_buf_put_u8(b, '0');
            bv_buf_put(b, p, (size_t)n);
        }
        return 1;
    }
    return 0;
}

/* dig (n digits, the first with decimal exponent x) as a plain decimal;
 * integral values get ".0" when java_zero, else nothing. */
static void put_digits_plain(bv_buf *b, const char *dig, size_t n, int x, int java_zero)
{
    int ip = x + 1; /* digits before the point */
    if (ip <= 0) {
        bv_buf_puts(b, "0.");
        for (int i = 0; i < -ip; i++)
            bv_buf_put_u8(b, '0');
        bv_buf_put(b, dig, n);
    } else if ((size_t)ip >= n) {
        bv_buf_put(b, dig, n);
        for (size_t i = n; i < (size_t)ip; i++)
            bv_buf_put_u8(b, '0');
        if (java_zero)
            bv_buf_puts(b, ".0");
    } else {
        bv_buf_put(b, dig, (size_t)ip);
        bv_buf_put_u8(b, '.');
        bv_buf_put(b, dig + ip, n - (size_t)ip);
    }
}

/* Java's Double.toString / Float.toString: plain with at least one
 * fractional digit for 1e-3 <= |d| < 1e7, else d.dddE[-]n. */
static void put_java_double(bv_buf *b, double d, int is_float)
{
    char dig[40];
    int x;
    if (!isfinite(d)) {
        bv_buf_puts(b, "null"); /* MySQL stores no NaN or infinity */
        return;
    }
    if (d == 0) {
        bv_buf_puts(b, signbit(d) ? "-0.0" : "0.0");
        return;
    }
    double a = fabs(d);
    if (a < 1e7 && a == (double)(int64_t)a) {
        /* integral and below 10^7: Java prints the integer and ".0" */
        put_i64(b, (int64_t)d);
        bv_buf_puts(b, ".0");
        return;
    }
    if (!is_float && put_plain_fast(b, d))
        return;
    shortest_digits(d, is_float, dig, sizeof(dig), &x);
    size_t n = strlen(dig);
    if (d < 0)
        bv_buf_put_u8(b, '-');
    if (a >= 1e-3 && a < 1e7) {
        put_digits_plain(b, dig, n, x, 1);
    } else {
        bv_buf_put_u8(b, (uint8_t)dig[0]);
        bv_buf_put_u8(b, '.');
        if (n > 1)
            bv_buf_put(b, dig + 1, n - 1);
        else
            bv_buf_put_u8(b, '0');
        bv_buf_printf(b, "E%d", x);
    }
}

/* A plain decimal without exponent, shortest round trip, integral values
 * without ".0" (as JTS's WKT writer prints ordinates). */
static void put_plain_double(bv_buf *b, double d)
{
    char dig[40];
    int x;
    if (!isfinite(d)) {
        bv_buf_puts(b, "NaN");
        return;
    }
    if (d == 0) {
        bv_buf_put_u8(b, '0');
        return;
    }
    shortest_digits(d, 0, dig, sizeof(dig), &x);
    if (d < 0)
        bv_buf_put_u8(b, '-');
    put_digits_plain(b, dig, strlen(dig), x, 0);
}

/* Java's BigDecimal.toString of the archive's exact DECIMAL text: plain
 * unless the adjusted exponent is below -6 (0.00000001 -> 1E-8). */
static void put_decimal(bv_buf *b, const char *p, size_t n)
{
    size_t i = 0, scale = 0;
    int neg = n && p[0] == '-';
    /* the archive's text has no leading zeros: a nonzero first digit means
     * an exponent >= 0, which BigDecimal prints as it is */
    if ((size_t)neg < n && p[neg] != '0') {
        bv_buf_put(b, p, n);
        return;
    }
    char un[140];
    size_t un_n = 0;
    int in_frac = 0;
    for (i = neg; i < n; i++) {
        if (p[i] == '.') {
            in_frac = 1;
            continue;
        }
        if (in_frac)
            scale++;
        if (un_n == 0 && p[i] == '0')
            continue; /* leading zeros of the unscaled value */
        if (un_n < sizeof(un) - 1)
            un[un_n++] = p[i];
    }
    if (un_n == 0)
        un[un_n++] = '0';
    long adjusted = (long)un_n - 1 - (long)scale;
    if (adjusted >= -6) {
        bv_buf_put(b, p, n);
        return;
    }
    if (neg && !(un_n == 1 && un[0] == '0'))
        bv_buf_put_u8(b, '-');
    bv_buf_put_u8(b, (uint8_t)un[0]);
    if (un_n > 1) {
        bv_buf_put_u8(b, '.');
        bv_buf_put(b, un + 1, un_n - 1);
    }
    bv_buf_printf(b, "E%ld", adjusted);
}

/* ------------------------------------------------------------ GEOMETRY */

typedef struct wkb {
    const uint8_t *p;
    size_t left;
} wkb;

static int wkb_u32(wkb *w, int le, uint32_t *v)
{
    if (w->left < 4)
        return -1;
    const uint8_t *p = w->p;
    *v = le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
            : (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
    w->p += 4;
    w->left -= 4;
    return 0;
}

static int wkb_f64(wkb *w, int le, double *v)
{
    if (w->left < 8)
        return -1;
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u |= (uint64_t)w->p[le ? i : 7 - i] << (8 * i);
    memcpy(v, &u, 8);
    w->p += 8;
    w->left -= 8;
    return 0;
}

static int wkb_points(bv_buf *b, wkb *w, int le, int paren_each)
{
    uint32_t n;
    if (wkb_u32(w, le, &n) || n > w->left / 16)
        return -1;
    if (n == 0) {
        bv_buf_puts(b, "EMPTY");
        return 0;
    }
    bv_buf_put_u8(b, '(');
    for (uint32_t i = 0; i < n; i++) {
        double x, y;
        if (wkb_f64(w, le, &x) || wkb_f64(w, le, &y))
            return -1;
        if (i)
            bv_buf_puts(b, ", ");
        if (paren_each)
            bv_buf_put_u8(b, '(');
        put_plain_double(b, x);
        bv_buf_put_u8(b, ' ');
        put_plain_double(b, y);
        if (paren_each)
            bv_buf_put_u8(b, ')');
    }
    bv_buf_put_u8(b, ')');
    return 0;
}

static int wkb_geom(bv_buf *b, wkb *w, int depth, int with_name);

/* n sub-geometries (MULTI* and collections): each has its own header. */
static int wkb_parts(bv_buf *b, wkb *w, int le, int depth, int with_names)
{
    uint32_t n;
    if (wkb_u32(w, le, &n) || n > w->left / 5)
        return -1;
    if (n == 0) {
        bv_buf_puts(b, "EMPTY");
        return 0;
    }
    bv_buf_put_u8(b, '(');
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            bv_buf_puts(b, ", ");
        if (wkb_geom(b, w, depth + 1, with_names))
            return -1;
    }
    bv_buf_put_u8(b, ')');
    return 0;
}

static int wkb_geom(bv_buf *b, wkb *w, int depth, int with_name)
{
    static const char *const names[] = {"", "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING",
                                        "MULTIPOLYGON", "GEOMETRYCOLLECTION"};
    uint32_t type;
    if (depth > 32 || w->left < 1)
        return -1;
    int le = w->p[0] == 1;
    if (w->p[0] > 1)
        return -1;
    w->p++;
    w->left--;
    if (wkb_u32(w, le, &type) || type < 1 || type > 7)
        return -1;
    if (with_name) {
        bv_buf_puts(b, names[type]);
        bv_buf_put_u8(b, ' ');
    }
    switch (type) {
    case 1: {
        double x, y;
        if (wkb_f64(w, le, &x) || wkb_f64(w, le, &y))
            return -1;
        if (isnan(x) && isnan(y)) {
            bv_buf_puts(b, "EMPTY");
            return 0;
        }
        bv_buf_put_u8(b, '(');
        put_plain_double(b, x);
        bv_buf_put_u8(b, ' ');
        put_plain_double(b, y);
        bv_buf_put_u8(b, ')');
        return 0;
    }
    case 2:
        return wkb_points(b, w, le, 0);
    case 3: {
        uint32_t rings;
        if (wkb_u32(w, le, &rings) || rings > w->left / 4)
            return -1;
        if (!rings) {
            bv_buf_puts(b, "EMPTY");
            return 0;
        }
        bv_buf_put_u8(b, '(');
        for (uint32_t i = 0; i < rings; i++) {
            if (i)
                bv_buf_puts(b, ", ");
            if (wkb_points(b, w, le, 0))
                return -1;
        }
        bv_buf_put_u8(b, ')');
        return 0;
    }
    case 7:
        return wkb_parts(b, w, le, depth, 1);
    default: /* MULTIPOINT (each point in parentheses), MULTILINESTRING, MULTIPOLYGON */
        return wkb_parts(b, w, le, depth, 0);
    }
}

/* SRID (4 bytes) + WKB as WKT; base64 if the WKB cannot be read. */
static void put_geometry(bv_buf *b, const uint8_t *p, size_t n)
{
    bv_buf t;
    bv_buf_init(&t);
    wkb w = {p + 4, n >= 4 ? n - 4 : 0};
    if (n >= 4 && wkb_geom(&t, &w, 0, 1) == 0 && w.left == 0 && !t.oom)
        bv_json_string(b, (const char *)t.data, t.len);
    else
        bv_json_base64(b, p, n);
    bv_buf_release(&t);
}

/* ------------------------------------------------------------ values */

static void put_frac(bv_buf *b, uint32_t usec, unsigned fsp)
{
    if (fsp == 0 || fsp > 6)
        return;
    char d[6];
    bv_dec_fixed(d, usec % 1000000u, 6);
    bv_buf_put_u8(b, '.');
    bv_buf_put(b, d, fsp);
}

/* A UTC instant's calendar parts (proleptic Gregorian), without gmtime_r
 * and its time-zone lock: days since the epoch to a date by the era
 * arithmetic of days_from_civil below, run backwards. */
typedef struct utc {
    unsigned y, mo, d, h, mi, s;
} utc;

/* 0 for instants after 9999-12-31 23:59:59 (not representable as text) */
static int utc_of(uint64_t sec, utc *u)
{
    if (sec > 253402300799ull)
        return 0;
    uint64_t days = sec / 86400u, rem = sec % 86400u;
    u->h = (unsigned)(rem / 3600u);
    u->mi = (unsigned)(rem / 60u % 60u);
    u->s = (unsigned)(rem % 60u);
    uint64_t z = days + 719468u; /* days since 0000-03-01 */
    uint64_t era = z / 146097u;
    unsigned doe = (unsigned)(z - era * 146097u);                            /* [0, 146096] */
    unsigned yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u; /* [0, 399] */
    unsigned doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);                /* [0, 365], from March 1 */
    unsigned mp = (5u * doy + 2u) / 153u;                                     /* [0, 11], March = 0 */
    u->d = doy - (153u * mp + 2u) / 5u + 1u;
    u->mo = mp < 10u ? mp + 3u : mp - 9u;
    u->y = (unsigned)(era * 400u + yoe) + (u->mo <= 2u);
    return 1;
}

/* The value's text without JSON quoting, for dates and times. */
static void put_temporal(bv_buf *b, const bv_value *v, unsigned fsp)
{
    switch (v->kind) {
    case BV_VAL_DATE:
        put_ymdhms(b, v->v.dt.year, v->v.dt.month, v->v.dt.day, 0, 0, 0, 0);
        break;
    case BV_VAL_DATETIME:
        put_ymdhms(b, v->v.dt.year, v->v.dt.month, v->v.dt.day, ' ', v->v.dt.hour, v->v.dt.minute, v->v.dt.second);
        put_frac(b, v->v.dt.usec, fsp);
        break;
    case BV_VAL_TIME:
        if (v->v.time.negative)
            bv_buf_put_u8(b, '-');
        put_pad(b, v->v.time.hour, v->v.time.hour > 99 ? (v->v.time.hour > 999 ? 4 : 3) : 2);
        bv_buf_put_u8(b, ':');
        put_pad(b, v->v.time.minute, 2);
        bv_buf_put_u8(b, ':');
        put_pad(b, v->v.time.second, 2);
        put_frac(b, v->v.time.usec, fsp);
        break;
    case BV_VAL_TIMESTAMP: {
        utc u;
        if ((v->v.ts.sec == 0 && v->v.ts.usec == 0) || !utc_of(v->v.ts.sec, &u)) {
            bv_buf_puts(b, "0000-00-00 00:00:00"); /* MySQL's zero TIMESTAMP */
            put_frac(b, 0, fsp);
            break;
        }
        put_ymdhms(b, u.y, u.mo, u.d, ' ', u.h, u.mi, u.s);
        put_frac(b, v->v.ts.usec, fsp);
        break;
    }
    default:
        break;
    }
}

void bv_mx_value(bv_buf *b, const bv_value *v, const bv_column *c)
{
    unsigned fsp = c ? c->scale : 0;
    switch (v->kind) {
    case BV_VAL_NULL:
    case BV_VAL_ABSENT:
        bv_buf_puts(b, "null");
        break;
    case BV_VAL_INT: put_i64(b, v->v.i); break;
    case BV_VAL_UINT:
    case BV_VAL_YEAR:
    case BV_VAL_BIT: put_u64(b, v->v.u); break;
    case BV_VAL_FLOAT: put_java_double(b, (double)v->v.f, 1); break;
    case BV_VAL_DOUBLE: put_java_double(b, v->v.d, 0); break;
    case BV_VAL_DECIMAL: put_decimal(b, v->v.s.ptr, v->v.s.len); break;
    case BV_VAL_DATE:
    case BV_VAL_DATETIME:
    case BV_VAL_TIME:
    case BV_VAL_TIMESTAMP:
        bv_buf_put_u8(b, '"');
        put_temporal(b, v, fsp);
        bv_buf_put_u8(b, '"');
        break;
    case BV_VAL_STRING: bv_json_text(b, v->v.s.ptr, v->v.s.len, c ? c->charset : 0); break;
    case BV_VAL_JSON:
        if (v->v.s.len)
            bv_buf_put(b, v->v.s.ptr, v->v.s.len);
        else
            bv_buf_puts(b, "null");
        break;
    case BV_VAL_JSON_DIFF:
        /* Maxwell has no partial-JSON form: the operations, marked */
        bv_buf_puts(b, "{\"json_diff\":");
        bv_buf_put(b, v->v.s.ptr, v->v.s.len);
        bv_buf_put_u8(b, '}');
        break;
    case BV_VAL_ENUM:
        if (c && v->v.u >= 1 && v->v.u <= c->nmembers)
            bv_json_string(b, c->members[v->v.u - 1].ptr, c->members[v->v.u - 1].len);
        else if (v->v.u == 0)
            bv_buf_puts(b, "null"); /* the '' error value, as Maxwell */
        else
            bv_buf_printf(b, "%llu", (unsigned long long)v->v.u);
        break;
    case BV_VAL_SET: bv_json_set(b, v->v.u, c); break;
    case BV_VAL_GEOMETRY: put_geometry(b, (const uint8_t *)v->v.s.ptr, v->v.s.len); break;
    case BV_VAL_VECTOR: {
        bv_buf_put_u8(b, '[');
        for (size_t i = 0; i + 4 <= v->v.s.len; i += 4) {
            const uint8_t *q = (const uint8_t *)v->v.s.ptr + i;
            uint32_t u = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
            float f;
            memcpy(&f, &u, 4);
            if (i)
                bv_buf_put_u8(b, ',');
            put_java_double(b, (double)f, 1);
        }
        bv_buf_put_u8(b, ']');
        break;
    }
    default: /* BYTES */
        bv_json_base64(b, (const uint8_t *)v->v.s.ptr, v->v.s.len);
        break;
    }
}

void bv_mx_value_text(bv_buf *b, const bv_value *v, const bv_column *c)
{
    if (v->kind == BV_VAL_NULL || v->kind == BV_VAL_ABSENT) {
        bv_buf_puts(b, "null");
        return;
    }
    if (v->kind == BV_VAL_STRING && c && c->charset != 63) {
        /* the text itself, as Java's toString of the decoded string */
        bv_buf_put(b, v->v.s.ptr, v->v.s.len);
        return;
    }
    /* everything else: the JSON rendering without its quotes */
    bv_buf t;
    bv_buf_init(&t);
    if (v->kind == BV_VAL_DATE || v->kind == BV_VAL_DATETIME || v->kind == BV_VAL_TIME || v->kind == BV_VAL_TIMESTAMP)
        put_temporal(&t, v, c ? c->scale : 0);
    else
        bv_mx_value(&t, v, c);
    size_t s = 0, n = t.len;
    if (n >= 2 && t.data[0] == '"' && t.data[n - 1] == '"')
        s = 1, n -= 2;
    bv_buf_put(b, t.data + s, n);
    bv_buf_release(&t);
}

/* ------------------------------------------------------------ messages */

/* The JSON texts of a schema's column names ("name"), rendered once per
 * schema rather than once per row. Keyed by the schema's content hash (an
 * xxh64 of its encoding, names included), so a schema freed and another
 * allocated at the same address cannot be mistaken for it. */
typedef struct names {
    uint64_t hash;
    uint32_t ncols; /* 0: empty slot */
    uint32_t *off;  /* ncols + 1 offsets into text */
    bv_buf text;
    bv_buf head;    /* {"database":"..","table":"..", */
} names;

#define NAMES_SLOTS 32
static _Thread_local names g_names[NAMES_SLOTS];
/* before / after texts of an UPDATE's column, kept for reuse */
static _Thread_local bv_buf g_old_x, g_old_y;

void bv_mx_release_caches(void)
{
    for (size_t i = 0; i < NAMES_SLOTS; i++) {
        free(g_names[i].off);
        bv_buf_release(&g_names[i].text);
        bv_buf_release(&g_names[i].head);
        memset(&g_names[i], 0, sizeof(g_names[i]));
    }
    bv_buf_release(&g_old_x);
    bv_buf_release(&g_old_y);
}

/* {"database":"..","table":"..", of a Maxwell row */
static void put_head(bv_buf *b, const bv_schema *s)
{
    bv_str db = bv_schema_database(s), tb = bv_schema_table(s);
    bv_buf_puts(b, "{\"database\":");
    bv_json_string(b, db.ptr, db.len);
    bv_buf_puts(b, ",\"table\":");
    bv_json_string(b, tb.ptr, tb.len);
    bv_buf_put_u8(b, ',');
}

/* NULL when out of memory (the caller renders the names itself). */
static const names *names_for(const bv_schema *s)
{
    uint64_t h = bv_schema_hash(s);
    uint32_t n = bv_schema_ncols(s);
    names *e = &g_names[h % NAMES_SLOTS];
    if (e->ncols == n && e->hash == h && n)
        return e;
    uint32_t *off = realloc(e->off, ((size_t)n + 1) * sizeof(*off));
    if (!off || n == 0) {
        free(off);
        e->off = NULL;
        e->ncols = 0;
        return NULL;
    }
    e->off = off;
    bv_buf_reset(&e->text);
    for (uint32_t i = 0; i < n; i++) {
        const bv_column *c = bv_schema_column(s, i);
        off[i] = (uint32_t)e->text.len;
        bv_buf_put_u8(&e->text, ','); /* put_name skips it for the first member */
        bv_json_string(&e->text, c->name.ptr, c->name.len);
        bv_buf_put_u8(&e->text, ':');
    }
    off[n] = (uint32_t)e->text.len;
    bv_buf_reset(&e->head);
    put_head(&e->head, s);
    if (e->text.oom || e->head.oom || e->text.len > UINT32_MAX) {
        e->ncols = 0;
        return NULL;
    }
    e->hash = h;
    e->ncols = n;
    return e;
}

/* [,]"name": of column i (the comma unless first) */
static void put_name(bv_buf *b, const names *nm, const bv_column *c, uint32_t i, int first)
{
    if (nm) {
        bv_buf_put(b, nm->text.data + nm->off[i] + (first ? 1 : 0), nm->off[i + 1] - nm->off[i] - (first ? 1 : 0));
        return;
    }
    if (!first)
        bv_buf_put_u8(b, ',');
    bv_json_string(b, c->name.ptr, c->name.len);
    bv_buf_put_u8(b, ':');
}

static const char *row_type(int t)
{
    return t == BV_EV_INSERT ? "insert" : t == BV_EV_UPDATE ? "update" : "delete";
}

void bv_mx_row_head(bv_buf *b, const bv_event *ev)
{
    const names *nm = names_for(ev->schema);
    if (nm)
        bv_buf_put(b, nm->head.data, nm->head.len);
    else
        put_head(b, ev->schema);
    bv_buf_puts(b, "\"type\":\"");
    bv_buf_puts(b, row_type(ev->type));
    bv_buf_puts(b, "\",\"ts\":");
    put_u64(b, ev->ts_us / 1000000u);
}

void bv_mx_commit(bv_buf *b, const bv_mx_txn *t, const bv_mx_opts *o)
{
    if (!o->commit_info)
        return;
    if (t->has_xid)
    {
        bv_buf_puts(b, ",\"xid\":");
        put_u64(b, t->xid);
    }
    if (o->xoffset && !t->last)
    {
        bv_buf_puts(b, ",\"xoffset\":");
        put_u64(b, t->xoffset);
    }
    if (t->last)
        bv_buf_puts(b, ",\"commit\":true");
}

static void put_gtid(bv_buf *b, const bv_event *ev)
{
    if (ev->gtid.flavor == BV_GTID_NONE) {
        bv_buf_puts(b, ",\"gtid\":null");
        return;
    }
    /* every row of a transaction has the same GTID: keep its JSON text */
    static _Thread_local struct {
        bv_gtid g;
        char json[160];
        size_t n;
    } last;
    const bv_gtid *g = &ev->gtid;
    if (!last.n || last.g.flavor != g->flavor || last.g.seq != g->seq || last.g.domain != g->domain ||
        last.g.server_id != g->server_id || memcmp(last.g.uuid, g->uuid, 16) != 0 ||
        strcmp(last.g.tag, g->tag) != 0) {
        char t[128];
        bv_buf j;
        bv_gtid_format(g, t, sizeof(t));
        bv_buf_init(&j);
        bv_json_string(&j, t, strlen(t));
        last.n = 0;
        if (!j.oom && j.len <= sizeof(last.json)) {
            memcpy(last.json, j.data, j.len);
            last.n = j.len;
            last.g = *g;
        }
        bv_buf_puts(b, ",\"gtid\":");
        bv_buf_put(b, j.data, j.len);
        bv_buf_release(&j);
        return;
    }
    bv_buf_puts(b, ",\"gtid\":");
    bv_buf_put(b, last.json, last.n);
}

static int excluded(const bv_mx_opts *o, const bv_column *c)
{
    return o->exclude && o->exclude(o->exclude_ctx, c->name.ptr, c->name.len);
}

/* 1 when two values are the same (so that neither can render differently). */
static int same_value(const bv_value *a, const bv_value *b)
{
    if (a->kind != b->kind)
        return 0;
    switch (a->kind) {
    case BV_VAL_NULL:
    case BV_VAL_ABSENT: return 1;
    case BV_VAL_INT: return a->v.i == b->v.i;
    case BV_VAL_UINT:
    case BV_VAL_YEAR:
    case BV_VAL_BIT:
    case BV_VAL_ENUM:
    case BV_VAL_SET: return a->v.u == b->v.u;
    case BV_VAL_FLOAT: return memcmp(&a->v.f, &b->v.f, sizeof(a->v.f)) == 0;
    case BV_VAL_DOUBLE: return memcmp(&a->v.d, &b->v.d, sizeof(a->v.d)) == 0;
    case BV_VAL_DATE:
    case BV_VAL_DATETIME:
        return a->v.dt.year == b->v.dt.year && a->v.dt.month == b->v.dt.month && a->v.dt.day == b->v.dt.day &&
               a->v.dt.hour == b->v.dt.hour && a->v.dt.minute == b->v.dt.minute && a->v.dt.second == b->v.dt.second &&
               a->v.dt.usec == b->v.dt.usec;
    case BV_VAL_TIME:
        return a->v.time.negative == b->v.time.negative && a->v.time.hour == b->v.time.hour &&
               a->v.time.minute == b->v.time.minute && a->v.time.second == b->v.time.second &&
               a->v.time.usec == b->v.time.usec;
    case BV_VAL_TIMESTAMP: return a->v.ts.sec == b->v.ts.sec && a->v.ts.usec == b->v.ts.usec;
    default:
        return a->v.s.len == b->v.s.len && (a->v.s.len == 0 || memcmp(a->v.s.ptr, b->v.s.ptr, a->v.s.len) == 0);
    }
}

void bv_mx_row_tail(bv_buf *b, const bv_event *ev, const bv_mx_opts *o)
{
    bv_buf *const x = &g_old_x, *const y = &g_old_y;
    const bv_schema *s = ev->schema;
    if (o->binlog_position) {
        bv_buf_puts(b, ",\"position\":\"");
        bv_buf_put(b, ev->pos.file.ptr, ev->pos.file.len);
        bv_buf_put_u8(b, ':');
        put_u64(b, ev->pos.offset);
        bv_buf_put_u8(b, '"');
    }
    if (o->gtid_position)
        put_gtid(b, ev);
    if (o->server_id) {
        bv_buf_puts(b, ",\"server_id\":");
        put_u64(b, ev->server_id);
    }
    if (o->thread_id) {
        bv_buf_puts(b, ",\"thread_id\":");
        put_u64(b, ev->thread_id);
    }
    const bv_value *img = ev->type == BV_EV_DELETE ? ev->before : ev->after;
    if (o->primary_keys) {
        bv_buf_puts(b, ",\"primary_key\":[");
        for (uint32_t k = 0; k < bv_schema_pk_count(s); k++) {
            uint32_t i = bv_schema_pk_column(s, k);
            if (k)
                bv_buf_put_u8(b, ',');
            const bv_value *v = &img[i];
            if (v->kind == BV_VAL_ABSENT && ev->before)
                v = &ev->before[i];
            bv_mx_value(b, v, bv_schema_column(s, i));
        }
        bv_buf_put_u8(b, ']');
    }
    if (o->primary_key_columns) {
        bv_buf_puts(b, ",\"primary_key_columns\":[");
        for (uint32_t k = 0; k < bv_schema_pk_count(s); k++) {
            const bv_column *c = bv_schema_column(s, bv_schema_pk_column(s, k));
            if (k)
                bv_buf_put_u8(b, ',');
            bv_json_string(b, c->name.ptr, c->name.len);
        }
        bv_buf_put_u8(b, ']');
    }
    /* data: the after image (before for DELETE); with a MINIMAL after
     * image, before-image columns it lacks go into data as well */
    const names *nm = names_for(s);
    bv_buf_puts(b, ",\"data\":{");
    int first = 1;
    for (uint32_t i = 0; i < ev->ncols; i++) {
        const bv_column *c = bv_schema_column(s, i);
        const bv_value *v = &img[i];
        if (v->kind == BV_VAL_ABSENT && ev->type == BV_EV_UPDATE)
            v = &ev->before[i];
        if (v->kind == BV_VAL_ABSENT || excluded(o, c) || (v->kind == BV_VAL_NULL && !o->nulls))
            continue;
        put_name(b, nm, c, i, first);
        first = 0;
        bv_mx_value(b, v, c);
    }
    bv_buf_put_u8(b, '}');
    if (ev->type == BV_EV_UPDATE) {
        /* old: the before values of the columns whose value changed */
        int any = 0, members = 0;
        for (uint32_t i = 0; i < ev->ncols; i++) {
            const bv_column *c = bv_schema_column(s, i);
            const bv_value *bv = &ev->before[i], *av = &ev->after[i];
            if (bv->kind == BV_VAL_ABSENT || av->kind == BV_VAL_ABSENT || same_value(bv, av) || excluded(o, c))
                continue;
            bv_buf_reset(x);
            bv_buf_reset(y);
            bv_mx_value(x, bv, c);
            bv_mx_value(y, av, c);
            if (x->len == y->len && (x->len == 0 || memcmp(x->data, y->data, x->len) == 0))
                continue;
            /* as Maxwell, "old" is written once a column changed, even when
             * its only members are NULLs that --no-output-nulls leaves out */
            if (!any)
                bv_buf_puts(b, ",\"old\":{");
            any = 1;
            if (bv->kind == BV_VAL_NULL && !o->nulls)
                continue;
            put_name(b, nm, c, i, !members++);
            bv_buf_put(b, x->data, x->len);
        }
        if (any)
            bv_buf_put_u8(b, '}');
        if (x->oom || y->oom)
            b->oom = 1; /* a value text could not be rendered */
    }
    bv_buf_put_u8(b, '}');
}

void bv_mx_ddl(bv_buf *b, const bv_event *ev, const bv_mx_opts *o)
{
    bv_buf_puts(b, "{\"type\":\"ddl\",\"database\":");
    bv_json_string(b, ev->database.ptr, ev->database.len);
    bv_buf_puts(b, ",\"sql\":");
    bv_json_string(b, ev->sql.ptr, ev->sql.len);
    bv_buf_puts(b, ",\"ts\":");
    put_u64(b, ev->ts_us / 1000u);
    if (o->binlog_position) {
        bv_buf_puts(b, ",\"position\":\"");
        bv_buf_put(b, ev->pos.file.ptr, ev->pos.file.len);
        bv_buf_put_u8(b, ':');
        put_u64(b, ev->pos.offset);
        bv_buf_put_u8(b, '"');
    }
    if (o->gtid_position)
        put_gtid(b, ev);
    bv_buf_put_u8(b, '}');
}

/* A random (version 4) UUID: xorshift128+ seeded once from /dev/urandom
 * (these keys only need to differ, as Maxwell's random "_uuid"). */
static void put_uuid(bv_buf *b)
{
    static uint64_t st[2];
    static int seeded;
    static const char hex[] = "0123456789abcdef";
    if (!seeded) {
        FILE *f = fopen("/dev/urandom", "rb");
        if (!f || fread(st, 1, sizeof(st), f) != sizeof(st)) {
            st[0] = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull;
            st[1] = (uint64_t)getpid() * 0xbf58476d1ce4e5b9ull + 1;
        }
        if (f)
            fclose(f);
        seeded = 1;
    }
    uint8_t r[16];
    for (int h = 0; h < 2; h++) {
        uint64_t x = st[0], y = st[1];
        st[0] = y;
        x ^= x << 23;
        st[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
        uint64_t v = st[1] + y;
        for (int i = 0; i < 8; i++)
            r[h * 8 + i] = (uint8_t)(v >> (8 * i));
    }
    r[6] = (uint8_t)((r[6] & 0x0f) | 0x40);
    r[8] = (uint8_t)((r[8] & 0x3f) | 0x80);
    char t[38];
    size_t n = 0;
    t[n++] = '"';
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            t[n++] = '-';
        t[n++] = hex[r[i] >> 4];
        t[n++] = hex[r[i] & 15];
    }
    t[n++] = '"';
    bv_buf_put(b, t, n);
}

void bv_mx_key(bv_buf *b, const bv_event *ev)
{
    const bv_schema *s = ev->schema;
    bv_str db = bv_schema_database(s), tb = bv_schema_table(s);
    const bv_value *img = ev->type == BV_EV_DELETE ? ev->before : ev->after;
    bv_buf_puts(b, "{\"database\":");
    bv_json_string(b, db.ptr, db.len);
    bv_buf_puts(b, ",\"table\":");
    bv_json_string(b, tb.ptr, tb.len);
    uint32_t npk = bv_schema_pk_count(s);
    if (npk == 0) {
        bv_buf_puts(b, ",\"_uuid\":");
        put_uuid(b);
    }
    for (uint32_t k = 0; k < npk; k++) {
        uint32_t i = bv_schema_pk_column(s, k);
        const bv_column *c = bv_schema_column(s, i);
        char name[300];
        size_t n = c->name.len < 255 ? c->name.len : 255;
        memcpy(name, "pk.", 3);
        for (size_t j = 0; j < n; j++) {
            char ch = c->name.ptr[j];
            name[3 + j] = ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
        }
        bv_buf_put_u8(b, ',');
        bv_json_string(b, name, 3 + n);
        bv_buf_put_u8(b, ':');
        const bv_value *v = &img[i];
        if (v->kind == BV_VAL_ABSENT && ev->before)
            v = &ev->before[i];
        bv_mx_value(b, v, c);
    }
    bv_buf_put_u8(b, '}');
}

int32_t bv_java_hash(const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s;
    uint32_t h = 0;
    size_t i = 0;
    while (i < n) {
        uint32_t cp = p[i], len = 1;
        if (cp >= 0xf0 && i + 4 <= n) {
            cp = (uint32_t)(p[i] & 7) << 18 | (uint32_t)(p[i + 1] & 63) << 12 | (uint32_t)(p[i + 2] & 63) << 6 |
                 (p[i + 3] & 63);
            len = 4;
        } else if (cp >= 0xe0 && i + 3 <= n) {
            cp = (uint32_t)(p[i] & 15) << 12 | (uint32_t)(p[i + 1] & 63) << 6 | (p[i + 2] & 63);
            len = 3;
        } else if (cp >= 0xc0 && i + 2 <= n) {
            cp = (uint32_t)(p[i] & 31) << 6 | (p[i + 1] & 63);
            len = 2;
        }
        i += len;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            h = h * 31u + (0xd800u + (cp >> 10));
            h = h * 31u + (0xdc00u + (cp & 0x3ff));
        } else {
            h = h * 31u + cp;
        }
    }
    return (int32_t)h;
}

int32_t bv_mx_partition(int32_t hash, int32_t npartitions)
{
    if (npartitions <= 0)
        return 0;
    int32_t r = hash % npartitions; /* C and Java agree: the sign of the dividend */
    return r < 0 ? -r : r;
}

/* ------------------------------------------------------------ Debezium */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* days since 1970-01-01 of a proleptic Gregorian date */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void dbz_one(bv_buf *b, const bv_value *v, const bv_column *c)
{
    unsigned fsp = c ? c->scale : 0;
    switch (v->kind) {
    case BV_VAL_DECIMAL:
        bv_json_string(b, v->v.s.ptr, v->v.s.len);
        break;
    case BV_VAL_DATE:
        if (v->v.dt.month == 0 || v->v.dt.day == 0)
            bv_buf_puts(b, "null"); /* zero dates have no epoch day */
        else
            bv_buf_printf(b, "%lld", (long long)days_from_civil(v->v.dt.year, v->v.dt.month, v->v.dt.day));
        break;
    case BV_VAL_DATETIME: {
        if (v->v.dt.month == 0 || v->v.dt.day == 0) {
            bv_buf_puts(b, "null");
            break;
        }
        int64_t s = days_from_civil(v->v.dt.year, v->v.dt.month, v->v.dt.day) * 86400 + v->v.dt.hour * 3600 +
                    v->v.dt.minute * 60 + v->v.dt.second;
        if (fsp <= 3) /* io.debezium.time.Timestamp: epoch milliseconds */
            bv_buf_printf(b, "%lld", (long long)(s * 1000 + v->v.dt.usec / 1000));
        else /* io.debezium.time.MicroTimestamp */
            bv_buf_printf(b, "%lld", (long long)(s * 1000000 + v->v.dt.usec));
        break;
    }
    case BV_VAL_TIME: { /* io.debezium.time.MicroTime */
        int64_t us = ((int64_t)v->v.time.hour * 3600 + v->v.time.minute * 60 + v->v.time.second) * 1000000 +
                     v->v.time.usec;
        bv_buf_printf(b, "%lld", (long long)(v->v.time.negative ? -us : us));
        break;
    }
    case BV_VAL_TIMESTAMP: { /* io.debezium.time.ZonedTimestamp: ISO-8601 UTC */
        utc u;
        if ((v->v.ts.sec == 0 && v->v.ts.usec == 0) || !utc_of(v->v.ts.sec, &u)) {
            bv_buf_puts(b, "null");
            break;
        }
        bv_buf_put_u8(b, '"');
        put_ymdhms(b, u.y, u.mo, u.d, 'T', u.h, u.mi, u.s);
        put_frac(b, v->v.ts.usec, fsp);
        bv_buf_puts(b, "Z\"");
        break;
    }
    case BV_VAL_SET: { /* a comma-separated string of the members */
        bv_buf t;
        bv_buf_init(&t);
        for (unsigned i = 0, first = 1; i < 64; i++) {
            if (!(v->v.u >> i & 1))
                continue;
            if (!first)
                bv_buf_put_u8(&t, ',');
            first = 0;
            if (c && i < c->nmembers)
                bv_buf_put(&t, c->members[i].ptr, c->members[i].len);
        }
        bv_json_string(b, t.data ? (const char *)t.data : "", t.len);
        bv_buf_release(&t);
        break;
    }
    case BV_VAL_JSON: /* io.debezium.data.Json: the document as a string */
        bv_json_string(b, v->v.s.ptr, v->v.s.len);
        break;
    case BV_VAL_BIT:
        if (c && (c->meta & 0xff) + ((c->meta >> 8) & 0xff) * 8 == 1) {
            bv_buf_puts(b, v->v.u ? "true" : "false"); /* BIT(1) is a boolean */
        } else { /* bytes, little-endian, base64 */
            unsigned nbytes = c ? ((c->meta >> 8) & 0xff) + ((c->meta & 0xff) != 0) : 8;
            uint8_t le[8];
            for (unsigned i = 0; i < 8; i++)
                le[i] = (uint8_t)(v->v.u >> (8 * i));
            bv_json_base64(b, le, nbytes && nbytes <= 8 ? nbytes : 8);
        }
        break;
    case BV_VAL_GEOMETRY: { /* io.debezium.data.geometry.Geometry */
        const uint8_t *p = (const uint8_t *)v->v.s.ptr;
        uint32_t srid = v->v.s.len >= 4 ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                                              (uint32_t)p[3] << 24
                                        : 0;
        bv_buf_puts(b, "{\"wkb\":");
        bv_json_base64(b, v->v.s.len >= 4 ? p + 4 : p, v->v.s.len >= 4 ? v->v.s.len - 4 : 0);
        bv_buf_printf(b, ",\"srid\":%u}", srid);
        break;
    }
    case BV_VAL_DOUBLE:
    case BV_VAL_FLOAT: {
        double d = v->kind == BV_VAL_FLOAT ? (double)v->v.f : v->v.d;
        if (!isfinite(d))
            bv_buf_puts(b, "null");
        else
            put_java_double(b, d, v->kind == BV_VAL_FLOAT);
        break;
    }
    case BV_VAL_ENUM:
        if (c && v->v.u >= 1 && v->v.u <= c->nmembers)
            bv_json_string(b, c->members[v->v.u - 1].ptr, c->members[v->v.u - 1].len);
        else
            bv_buf_puts(b, "\"\"");
        break;
    default: /* integers, YEAR, strings, bytes (base64), NULL */
        bv_mx_value(b, v, c);
        break;
    }
}

static void dbz_image(bv_buf *b, const bv_event *ev, const bv_value *img)
{
    if (!img) {
        bv_buf_puts(b, "null");
        return;
    }
    bv_json_image(b, ev, img, dbz_one);
}

void bv_dbz_value(bv_buf *b, const bv_event *ev, const char *name)
{
    bv_str db = bv_schema_database(ev->schema), tb = bv_schema_table(ev->schema);
    bv_buf_puts(b, "{\"before\":");
    dbz_image(b, ev, ev->type == BV_EV_INSERT ? NULL : ev->before);
    bv_buf_puts(b, ",\"after\":");
    dbz_image(b, ev, ev->type == BV_EV_DELETE ? NULL : ev->after);
    bv_buf_puts(b, ",\"source\":{\"version\":\"binvault-1\",\"connector\":\"mysql\",\"name\":");
    bv_json_string(b, name, strlen(name));
    bv_buf_printf(b, ",\"ts_ms\":%llu,\"snapshot\":\"false\",\"db\":", (unsigned long long)(ev->ts_us / 1000u));
    bv_json_string(b, db.ptr, db.len);
    bv_buf_puts(b, ",\"table\":");
    bv_json_string(b, tb.ptr, tb.len);
    bv_buf_printf(b, ",\"server_id\":%u", ev->server_id);
    put_gtid(b, ev);
    bv_buf_puts(b, ",\"file\":");
    bv_json_string(b, ev->pos.file.ptr, ev->pos.file.len);
    bv_buf_printf(b, ",\"pos\":%llu,\"row\":%u,\"thread\":%llu,\"query\":null}", (unsigned long long)ev->pos.offset,
         ev->pos.row, (unsigned long long)ev->thread_id);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    bv_buf_printf(b, ",\"op\":\"%s\",\"ts_ms\":%lld}",
         ev->type == BV_EV_INSERT ? "c" : ev->type == BV_EV_UPDATE ? "u" : "d",
         (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000);
}

void bv_dbz_key(bv_buf *b, const bv_event *ev)
{
    const bv_schema *s = ev->schema;
    const bv_value *img = ev->type == BV_EV_DELETE ? ev->before : ev->after;
    bv_buf_put_u8(b, '{');
    for (uint32_t k = 0; k < bv_schema_pk_count(s); k++) {
        uint32_t i = bv_schema_pk_column(s, k);
        const bv_column *c = bv_schema_column(s, i);
        const bv_value *v = &img[i];
        if (v->kind == BV_VAL_ABSENT && ev->before)
            v = &ev->before[i];
        if (k)
            bv_buf_put_u8(b, ',');
        bv_json_string(b, c->name.ptr, c->name.len);
        bv_buf_put_u8(b, ':');
        dbz_one(b, v, c);
    }
    bv_buf_put_u8(b, '}');
}
