/* MySQL binary JSON (the storage format of JSON columns, as logged in row
 * images) to JSON text, printed the way MySQL's Json_wrapper::to_string()
 * prints it:
 *   - ", " between members/elements and ": " after keys;
 *   - strings double-quoted, escaping '"', '\\', \b \f \n \r \t and other
 *     bytes <= 0x1f as \u00xx; everything else (including '/' and non-ASCII
 *     UTF-8) verbatim;
 *   - doubles in the shortest round-trip digits, fixed notation for decimal
 *     exponents -14..15 (or 16 with a fractional digit), else d.ddde[-]N,
 *     with ".0" appended when neither '.' nor 'e' was printed;
 *   - opaque DECIMAL unquoted with its scale; opaque DATE "YYYY-MM-DD",
 *     TIME "[-]hh:mm:ss.ffffff", DATETIME/TIMESTAMP
 *     "YYYY-MM-DD hh:mm:ss.ffffff"; opaque VAR_STRING as a string; any other
 *     opaque value "base64:type<N>:<base64>" (MySQL's base64 breaks lines
 *     every 76 characters, which appear escaped as \n).
 *
 * Layout (sql-common/json_binary.h): doc = type byte + value. Containers:
 * count and size (u16 small / u32 large), key entries (offset u16/u32, length
 * u16) for objects, value entries (type u8, offset-or-inline u16/u32), then
 * keys and values. Offsets are relative to the container body (the byte after
 * its type). literal/int16/uint16 are always inlined, int32/uint32 only in
 * large containers.
 *
 * Malformed input is rejected with BV_E_DECODE and the byte offset of the
 * problem: every offset and length is checked against the enclosing
 * container, nesting is limited to 100 containers (MySQL's
 * JSON_DOCUMENT_MAX_DEPTH), strings must be valid UTF-8, and the text may be
 * at most 8 bytes per input byte (+64) so that containers sharing one
 * sub-value cannot blow up the output. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binlog.h"

#define JSON_MAX_DEPTH 100

enum {
    JB_SMALL_OBJECT = 0x00,
    JB_LARGE_OBJECT = 0x01,
    JB_SMALL_ARRAY = 0x02,
    JB_LARGE_ARRAY = 0x03,
    JB_LITERAL = 0x04,
    JB_INT16 = 0x05,
    JB_UINT16 = 0x06,
    JB_INT32 = 0x07,
    JB_UINT32 = 0x08,
    JB_INT64 = 0x09,
    JB_UINT64 = 0x0a,
    JB_DOUBLE = 0x0b,
    JB_STRING = 0x0c,
    JB_OPAQUE = 0x0f
};

enum { JB_NULL = 0x00, JB_TRUE = 0x01, JB_FALSE = 0x02 };

typedef struct jctx {
    const uint8_t *doc; /* start of the document, for error offsets */
    bv_buf *out;
    size_t limit; /* out->len may not grow past this */
    int over;     /* the limit was hit */
    char *err;
    size_t errlen;
} jctx;

static int jerr(const jctx *x, const uint8_t *at, const char *what)
{
    return bv_seterr(x->err, x->errlen, BV_E_DECODE, "binary JSON: %s at byte offset %zu", what,
                     (size_t)(at - x->doc));
}

static void jput(jctx *x, const void *p, size_t n)
{
    if (x->over)
        return;
    if (n > x->limit - x->out->len) {
        x->over = 1;
        return;
    }
    bv_buf_put(x->out, p, n);
}

static void jputs(jctx *x, const char *s) { jput(x, s, strlen(s)); }

/* Stop early once the output is over its limit or out of memory. */
static int jcheck(const jctx *x, const uint8_t *at)
{
    if (x->out->oom)
        return bv_seterr(x->err, x->errlen, BV_E_NOMEM, "binary JSON: out of memory");
    if (x->over)
        return jerr(x, at, "JSON text too large for its binary size (shared values?)");
    return BV_OK;
}

/* ------------------------------------------------------------ strings */

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint8_t lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f; /* no surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

static int jstring(jctx *x, const uint8_t *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n;) {
        size_t l = utf8_seq(s + i, n - i);
        if (!l)
            return jerr(x, s + i, "invalid UTF-8 in a string");
        i += l;
    }
    jput(x, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (c > 0x1f && c != '"' && c != '\\')
            continue;
        jput(x, s + run, i - run);
        run = i + 1;
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t el = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            el = 6;
            break;
        }
        jput(x, esc, el);
    }
    jput(x, s + run, n - run);
    jput(x, "\"", 1);
    return BV_OK;
}

/* MySQL's variable-length string length: 1..5 bytes of 7 bits, low group
 * first, high bit = more; must fit 32 bits. */
static int jvarlen(const jctx *x, const uint8_t *p, size_t n, uint32_t *len, size_t *used)
{
    uint64_t v = 0;
    for (size_t i = 0; i < 5; i++) {
        if (i >= n)
            return jerr(x, p + i, "truncated string length");
        v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if (!(p[i] & 0x80)) {
            if (v > UINT32_MAX)
                return jerr(x, p, "string length too large");
            *len = (uint32_t)v;
            *used = i + 1;
            return BV_OK;
        }
    }
    return jerr(x, p, "string length longer than 5 bytes");
}

/* ------------------------------------------------------------ numbers */

static void jint(jctx *x, int64_t v)
{
    char b[24];
    int k = snprintf(b, sizeof(b), "%lld", (long long)v);
    jput(x, b, (size_t)k);
}

static void juint(jctx *x, uint64_t v)
{
    char b[24];
    int k = snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
    jput(x, b, (size_t)k);
}

/* Shortest decimal digits that read back as |d| (d finite, non-zero):
 * the first precision whose correctly rounded %e form round-trips. */
static void shortest_digits(double d, char *digits, int *nd, int *decpt)
{
    char b[40];
    double a = fabs(d);
    int prec;
    for (prec = 1; prec < 17; prec++) {
        snprintf(b, sizeof(b), "%.*e", prec - 1, a);
        if (strtod(b, NULL) == a)
            break;
    }
    if (prec == 17)
        snprintf(b, sizeof(b), "%.*e", 16, a);
    int n = 0;
    const char *s = b;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9')
            digits[n++] = *s;
    int exp10 = *s == 'e' ? atoi(s + 1) : 0;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    *nd = n;
    *decpt = exp10 + 1;
}

/* my_gcvt(d, MY_GCVT_ARG_DOUBLE, 34) plus the ".0" of Json_wrapper. */
static int jdouble(jctx *x, double d, const uint8_t *at)
{
    char digits[24], b[64];
    int nd, decpt;
    size_t o = 0;

    if (!isfinite(d))
        return jerr(x, at, "non-finite double");
    if (d == 0) {
        digits[0] = '0';
        digits[1] = '\0';
        nd = 1;
        decpt = 1;
    } else {
        shortest_digits(d, digits, &nd, &decpt);
    }
    if (signbit(d))
        b[o++] = '-';
    if (decpt >= -14 && (decpt <= 15 || nd > decpt)) {
        /* fixed notation */
        if (decpt <= 0) {
            b[o++] = '0';
            b[o++] = '.';
            for (int i = decpt; i < 0; i++)
                b[o++] = '0';
            for (int i = 0; i < nd; i++)
                b[o++] = digits[i];
        } else {
            for (int i = 0; i < nd; i++) {
                b[o++] = digits[i];
                if (i + 1 == decpt && i + 1 < nd)
                    b[o++] = '.';
            }
            for (int i = nd; i < decpt; i++)
                b[o++] = '0';
        }
    } else {
        int e = decpt - 1;
        b[o++] = digits[0];
        if (nd > 1) {
            b[o++] = '.';
            for (int i = 1; i < nd; i++)
                b[o++] = digits[i];
        }
        b[o++] = 'e';
        if (e < 0) {
            b[o++] = '-';
            e = -e;
        }
        int k = snprintf(b + o, sizeof(b) - o, "%d", e);
        o += (size_t)k;
    }
    if (!memchr(b, '.', o) && !memchr(b, 'e', o)) {
        b[o++] = '.';
        b[o++] = '0';
    }
    jput(x, b, o);
    return BV_OK;
}

/* ------------------------------------------------------------ opaque */

static void jbase64(jctx *x, const uint8_t *p, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t group = 0;
    for (size_t i = 0; i < n && !x->over; i += 3, group++) {
        char q[6];
        size_t o = 0;
        if (group && group % 19 == 0) { /* MySQL inserts '\n' every 76 characters */
            q[o++] = '\\';
            q[o++] = 'n';
        }
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        q[o++] = tab[(v >> 18) & 63];
        q[o++] = tab[(v >> 12) & 63];
        q[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        q[o++] = i + 2 < n ? tab[v & 63] : '=';
        jput(x, q, o);
    }
}

/* A packed temporal (my_time packed longlong) as MySQL prints it. */
static int jtemporal(jctx *x, unsigned ftype, const uint8_t *p, size_t n, const uint8_t *at)
{
    char b[64];
    int k;
    if (n != 8)
        return jerr(x, at, "temporal opaque value is not 8 bytes");
    int64_t v = (int64_t)bv_rd64(p);
    int neg = v < 0;
    uint64_t a = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    uint32_t usec = (uint32_t)(a & 0xffffff);
    uint64_t ip = a >> 24;
    if (usec > 999999)
        return jerr(x, at, "invalid fractional seconds in a temporal value");
    if (ftype == BV_MYSQL_TYPE_TIME) {
        uint64_t hour = ip >> 12;
        unsigned min = (unsigned)((ip >> 6) & 63), sec = (unsigned)(ip & 63);
        if (hour > 1023 || min > 59 || sec > 59)
            return jerr(x, at, "invalid TIME value");
        k = snprintf(b, sizeof(b), "\"%s%02u:%02u:%02u.%06u\"", neg ? "-" : "", (unsigned)hour, min, sec,
                     (unsigned)usec);
    } else {
        uint64_t ymd = ip >> 17, hms = ip & 0x1ffff, ym = ymd >> 5;
        uint64_t year = ym / 13;
        unsigned month = (unsigned)(ym % 13), day = (unsigned)(ymd & 31);
        unsigned hour = (unsigned)(hms >> 12), min = (unsigned)((hms >> 6) & 63), sec = (unsigned)(hms & 63);
        if (neg || year > 9999 || hour > 23 || min > 59 || sec > 59)
            return jerr(x, at, "invalid date/time value");
        if (ftype == BV_MYSQL_TYPE_DATE)
            k = snprintf(b, sizeof(b), "\"%04u-%02u-%02u\"", (unsigned)year, month, day);
        else
            k = snprintf(b, sizeof(b), "\"%04u-%02u-%02u %02u:%02u:%02u.%06u\"", (unsigned)year, month, day,
                         hour, min, sec, (unsigned)usec);
    }
    jput(x, b, (size_t)k);
    return BV_OK;
}

static int jopaque(jctx *x, const uint8_t *p, size_t n)
{
    uint32_t len;
    size_t used;
    int rc;
    if (n < 1)
        return jerr(x, p, "truncated opaque value");
    unsigned ftype = p[0];
    if ((rc = jvarlen(x, p + 1, n - 1, &len, &used)))
        return rc;
    if (len > n - 1 - used)
        return jerr(x, p, "opaque value runs past its container");
    const uint8_t *d = p + 1 + used;
    switch (ftype) {
    case BV_MYSQL_TYPE_NEWDECIMAL: {
        char text[80];
        size_t dused;
        if (len < 2)
            return jerr(x, p, "truncated opaque DECIMAL");
        unsigned prec = d[0], scale = d[1];
        if (prec > 65 || scale > prec || bv_decimal_bin_size(prec, scale) != (size_t)len - 2)
            return jerr(x, p, "opaque DECIMAL with impossible precision/scale/size");
        if (bv_decimal_bin_to_text(d + 2, len - 2, prec, scale, text, sizeof(text), &dused))
            return jerr(x, p, "invalid opaque DECIMAL digits");
        jputs(x, text);
        return BV_OK;
    }
    case BV_MYSQL_TYPE_DATE:
    case BV_MYSQL_TYPE_TIME:
    case BV_MYSQL_TYPE_DATETIME:
    case BV_MYSQL_TYPE_TIMESTAMP:
        return jtemporal(x, ftype, d, len, p);
    case BV_MYSQL_TYPE_VAR_STRING:
        return jstring(x, d, len);
    default: {
        char b[32];
        int k = snprintf(b, sizeof(b), "\"base64:type%u:", ftype);
        jput(x, b, (size_t)k);
        jbase64(x, d, len);
        jput(x, "\"", 1);
        return BV_OK;
    }
    }
}

/* ------------------------------------------------------------ values */

static int jvalue(jctx *x, unsigned type, const uint8_t *p, size_t n, unsigned depth);

/* A scalar stored inline in a value entry slot (w bytes at p). */
static int jinline(jctx *x, unsigned type, const uint8_t *p)
{
    switch (type) {
    case JB_LITERAL:
        if (p[0] == JB_NULL)
            jputs(x, "null");
        else if (p[0] == JB_TRUE)
            jputs(x, "true");
        else if (p[0] == JB_FALSE)
            jputs(x, "false");
        else
            return jerr(x, p, "invalid literal");
        return BV_OK;
    case JB_INT16: jint(x, (int16_t)bv_rd16(p)); return BV_OK;
    case JB_UINT16: juint(x, bv_rd16(p)); return BV_OK;
    case JB_INT32: jint(x, (int32_t)bv_rd32(p)); return BV_OK;
    case JB_UINT32: juint(x, bv_rd32(p)); return BV_OK;
    default: return jerr(x, p, "not an inlined type");
    }
}

static int jcontainer(jctx *x, unsigned type, const uint8_t *p, size_t n, unsigned depth)
{
    int large = type == JB_LARGE_OBJECT || type == JB_LARGE_ARRAY;
    int object = type == JB_SMALL_OBJECT || type == JB_LARGE_OBJECT;
    size_t w = large ? 4 : 2; /* offset/size width */
    int rc;

    if (depth >= JSON_MAX_DEPTH)
        return jerr(x, p, "containers nested more than 100 deep");
    if (n < 2 * w)
        return jerr(x, p, "truncated container header");
    uint64_t count = bv_rdle(p, (unsigned)w), size = bv_rdle(p + w, (unsigned)w);
    if (size > n)
        return jerr(x, p, "container size exceeds the bytes available");
    uint64_t key_entry = w + 2, value_entry = 1 + w;
    uint64_t header = 2 * w + count * ((object ? key_entry : 0) + value_entry);
    if (header > size)
        return jerr(x, p, "element count too large for the container size");
    const uint8_t *keys = p + 2 * w;
    const uint8_t *vals = keys + (object ? count * key_entry : 0);

    jput(x, object ? "{" : "[", 1);
    for (uint64_t i = 0; i < count; i++) {
        if ((rc = jcheck(x, p)))
            return rc;
        if (i)
            jput(x, ", ", 2);
        if (object) {
            const uint8_t *ke = keys + i * key_entry;
            uint64_t koff = bv_rdle(ke, (unsigned)w), klen = bv_rd16(ke + w);
            if (koff > size || klen > size - koff)
                return jerr(x, ke, "key outside its container");
            if ((rc = jstring(x, p + koff, (size_t)klen)))
                return rc;
            jput(x, ": ", 2);
        }
        const uint8_t *ve = vals + i * value_entry;
        unsigned vt = ve[0];
        if (vt == JB_LITERAL || vt == JB_INT16 || vt == JB_UINT16 ||
            (large && (vt == JB_INT32 || vt == JB_UINT32))) {
            if ((rc = jinline(x, vt, ve + 1)))
                return rc;
            continue;
        }
        uint64_t voff = bv_rdle(ve + 1, (unsigned)w);
        if (voff >= size)
            return jerr(x, ve, "value offset outside its container");
        if ((rc = jvalue(x, vt, p + voff, (size_t)(size - voff), depth + 1)))
            return rc;
    }
    jput(x, object ? "}" : "]", 1);
    return jcheck(x, p);
}

/* The value of the given type at p; n bytes are available up to the end of
 * the enclosing container (or document). depth = enclosing containers. */
static int jvalue(jctx *x, unsigned type, const uint8_t *p, size_t n, unsigned depth)
{
    int rc;
    if ((rc = jcheck(x, p)))
        return rc;
    switch (type) {
    case JB_SMALL_OBJECT:
    case JB_LARGE_OBJECT:
    case JB_SMALL_ARRAY:
    case JB_LARGE_ARRAY:
        return jcontainer(x, type, p, n, depth);
    case JB_LITERAL:
        if (n < 1)
            return jerr(x, p, "truncated literal");
        return jinline(x, type, p);
    case JB_INT16:
    case JB_UINT16:
        if (n < 2)
            return jerr(x, p, "truncated 16-bit integer");
        return jinline(x, type, p);
    case JB_INT32:
    case JB_UINT32:
        if (n < 4)
            return jerr(x, p, "truncated 32-bit integer");
        return jinline(x, type, p);
    case JB_INT64:
    case JB_UINT64:
        if (n < 8)
            return jerr(x, p, "truncated 64-bit integer");
        if (type == JB_INT64)
            jint(x, (int64_t)bv_rd64(p));
        else
            juint(x, bv_rd64(p));
        return BV_OK;
    case JB_DOUBLE: {
        if (n < 8)
            return jerr(x, p, "truncated double");
        uint64_t u = bv_rd64(p);
        double d;
        memcpy(&d, &u, sizeof(d));
        return jdouble(x, d, p);
    }
    case JB_STRING: {
        uint32_t len;
        size_t used;
        if ((rc = jvarlen(x, p, n, &len, &used)))
            return rc;
        if (len > n - used)
            return jerr(x, p, "string runs past its container");
        return jstring(x, p + used, len);
    }
    case JB_OPAQUE:
        return jopaque(x, p, n);
    default: {
        char what[40];
        snprintf(what, sizeof(what), "unknown value type 0x%02x", type);
        return jerr(x, p, what);
    }
    }
}

int bv_json_binary_to_text(const uint8_t *p, size_t n, bv_buf *out, char *err, size_t errlen)
{
    size_t start = out->len;
    int rc;
    jctx x;

    if (n == 0) {
        bv_buf_put(out, "null", 4);
        return bv_buf_status(out) ? bv_seterr(err, errlen, BV_E_NOMEM, "binary JSON: out of memory") : BV_OK;
    }
    x.doc = p;
    x.out = out;
    x.over = 0;
    x.err = err;
    x.errlen = errlen;
    x.limit = n > (SIZE_MAX - start - 64) / 8 ? SIZE_MAX : start + 8 * n + 64;
    rc = jvalue(&x, p[0], p + 1, n - 1, 0);
    if (rc == BV_OK)
        rc = jcheck(&x, p + n);
    if (rc != BV_OK)
        out->len = start;
    return rc;
}
