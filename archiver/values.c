/* Column values of row images: one decoder per MySQL/MariaDB binlog column
 * type (see binlog.h and format/FORMAT.md "MySQL column types").
 *
 * Every read goes through a private copy of the caller's cursor that is
 * committed only on success, so a failed decode leaves the cursor where it
 * was. Lengths are checked with unsigned arithmetic before any byte is
 * touched. Values that the archive format would refuse (month 13, minute
 * 61, usec >= 10^6, ...) are rejected here as BV_E_DECODE. */
#include <string.h>

#include "binlog.h"

/* ------------------------------------------------------------ NEWDECIMAL */

/* Bytes needed for a group of 0..9 decimal digits. */
static const uint8_t dig2bytes[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
static const uint32_t pow10_u32[10] = {1u,      10u,      100u,      1000u,      10000u,
                                       100000u, 1000000u, 10000000u, 100000000u, 1000000000u};

#define DEC_MAX_PRECISION 65u
#define DEC_DIG_PER_GROUP 9u

size_t bv_decimal_bin_size(unsigned precision, unsigned scale)
{
    if (scale > precision)
        return 0;
    unsigned intg = precision - scale;
    return (size_t)(intg / DEC_DIG_PER_GROUP) * 4 + dig2bytes[intg % DEC_DIG_PER_GROUP] +
           (size_t)(scale / DEC_DIG_PER_GROUP) * 4 + dig2bytes[scale % DEC_DIG_PER_GROUP];
}

/* Number of decimal digits of v > 0 (1..10). */
static unsigned count_digits(uint32_t v)
{
    unsigned n = 1;
    while (n < 10 && v >= pow10_u32[n])
        n++;
    return n;
}

/* The digit groups of a NEWDECIMAL: at most 1 + 7 integer groups and
 * 1 + 7 fractional ones for precision <= 65. */
typedef struct dec_groups {
    uint32_t v[16];
    uint8_t nd[16];
    unsigned n, nint; /* groups, of which integer groups */
} dec_groups;

/* The group of nd digits (0..9) stored big-endian at p + *q, as an integer,
 * or -1 when it is out of range; mask is the sign mask (all ones for a
 * negative value) and *flip the bit to invert besides (the top bit of the
 * value's first byte: it is cleared once the first group is read). A group
 * of 0 digits takes no bytes and is 0. */
static inline int64_t group_value(const uint8_t *p, size_t *q, unsigned nd, uint32_t mask, uint32_t *flip)
{
    unsigned nb = dig2bytes[nd];
    if (nb == 0)
        return 0;
    uint32_t v = (uint32_t)bv_rdbe(p + *q, nb);
    v = (v ^ (mask >> (32 - 8 * nb))) ^ (*flip << (8 * nb - 8));
    *flip = 0;
    *q += nb;
    return v < pow10_u32[nd] ? (int64_t)v : -1;
}

/* Append that group to g (nothing for a group of 0 digits). */
static int dec_group(dec_groups *g, const uint8_t *p, size_t *q, unsigned nd, uint32_t mask, uint32_t *flip)
{
    if (dig2bytes[nd] == 0)
        return BV_OK;
    int64_t v = group_value(p, q, nd, mask, flip);
    if (v < 0)
        return BV_E_DECODE;
    g->v[g->n] = (uint32_t)v;
    g->nd[g->n++] = (uint8_t)nd;
    return BV_OK;
}

/* The common case, precision <= 18: the integer and the fractional digits
 * each fit a uint64. Same contract as decimal_text. */
static int decimal_text_small(const uint8_t *p, unsigned precision, unsigned scale, size_t size, uint32_t mask,
                              char *out, size_t outlen, size_t *textlen)
{
    unsigned intg = precision - scale;
    uint32_t flip = 0x80;
    size_t q = 0;
    uint64_t ip = 0, fp = 0;
    int64_t g;
    if ((g = group_value(p, &q, intg % DEC_DIG_PER_GROUP, mask, &flip)) < 0)
        return BV_E_DECODE;
    ip = (uint64_t)g;
    for (unsigned i = 0; i < intg / DEC_DIG_PER_GROUP; i++) {
        if ((g = group_value(p, &q, DEC_DIG_PER_GROUP, mask, &flip)) < 0)
            return BV_E_DECODE;
        ip = ip * 1000000000u + (uint64_t)g;
    }
    for (unsigned i = 0; i < scale / DEC_DIG_PER_GROUP; i++) {
        if ((g = group_value(p, &q, DEC_DIG_PER_GROUP, mask, &flip)) < 0)
            return BV_E_DECODE;
        fp = fp * 1000000000u + (uint64_t)g;
    }
    unsigned last = scale % DEC_DIG_PER_GROUP;
    if ((g = group_value(p, &q, last, mask, &flip)) < 0)
        return BV_E_DECODE;
    fp = fp * pow10_u32[last] + (uint64_t)g;
    (void)size; /* q == size */

    int neg = mask && (ip | fp); /* MySQL never writes -0; print it as 0 */
    char t[20];
    size_t ilen = bv_u64_text(t, ip);
    size_t need = (size_t)neg + ilen + (scale ? 1 + (size_t)scale : 0) + 1;
    if (!out || outlen < need)
        return BV_E_INVAL;
    char *o = out;
    if (neg)
        *o++ = '-';
    memcpy(o, t, ilen);
    o += ilen;
    if (scale) {
        *o++ = '.';
        bv_dec_fixed(o, fp, scale);
        o += scale;
    }
    *o = '\0';
    *textlen = (size_t)(o - out);
    return BV_OK;
}

/* bv_decimal_bin_to_text, also giving the text's length. */
static int decimal_text(const uint8_t *p, size_t n, unsigned precision, unsigned scale, char *out, size_t outlen,
                        size_t *used, size_t *textlen)
{
    if (precision > DEC_MAX_PRECISION || scale > precision)
        return BV_E_DECODE;
    size_t size = bv_decimal_bin_size(precision, scale);
    if (n < size)
        return BV_E_TRUNCATED;
    /* positive values have the top bit of the first byte set; negative
     * ones are stored with every bit inverted */
    uint32_t mask = size && !(p[0] & 0x80) ? 0xffffffffu : 0, flip = 0x80;
    if (precision <= 18 && precision > 0) {
        size_t tl;
        int rc = decimal_text_small(p, precision, scale, size, mask, out, outlen, &tl);
        if (rc == BV_OK) {
            if (used)
                *used = size;
            if (textlen)
                *textlen = tl;
        }
        return rc;
    }
    unsigned intg = precision - scale;
    dec_groups g;
    size_t q = 0;
    int rc;
    g.n = 0;
    if ((rc = dec_group(&g, p, &q, intg % DEC_DIG_PER_GROUP, mask, &flip)))
        return rc;
    for (unsigned i = 0; i < intg / DEC_DIG_PER_GROUP; i++)
        if ((rc = dec_group(&g, p, &q, DEC_DIG_PER_GROUP, mask, &flip)))
            return rc;
    g.nint = g.n;
    for (unsigned i = 0; i < scale / DEC_DIG_PER_GROUP; i++)
        if ((rc = dec_group(&g, p, &q, DEC_DIG_PER_GROUP, mask, &flip)))
            return rc;
    if ((rc = dec_group(&g, p, &q, scale % DEC_DIG_PER_GROUP, mask, &flip)))
        return rc;

    unsigned first = 0; /* first integer group that is not zero */
    while (first < g.nint && g.v[first] == 0)
        first++;
    uint32_t any = 0;
    for (unsigned i = first; i < g.n; i++)
        any |= g.v[i];
    int neg = mask && any; /* MySQL never writes -0; print it as 0 */
    size_t int_digits = 0;
    unsigned lead = 0; /* digits of the first non-zero integer group */
    if (first < g.nint) {
        lead = count_digits(g.v[first]);
        int_digits = lead;
        for (unsigned i = first + 1; i < g.nint; i++)
            int_digits += g.nd[i];
    }
    size_t need = (size_t)neg + (int_digits ? int_digits : 1) + (scale ? 1 + (size_t)scale : 0) + 1;
    if (!out || outlen < need)
        return BV_E_INVAL;
    char *o = out;
    if (neg)
        *o++ = '-';
    if (int_digits) {
        bv_dec_fixed(o, g.v[first], lead);
        o += lead;
        for (unsigned i = first + 1; i < g.nint; i++) {
            bv_dec_fixed(o, g.v[i], g.nd[i]);
            o += g.nd[i];
        }
    } else {
        *o++ = '0';
    }
    if (scale) {
        *o++ = '.';
        for (unsigned i = g.nint; i < g.n; i++) {
            bv_dec_fixed(o, g.v[i], g.nd[i]);
            o += g.nd[i];
        }
    }
    *o = '\0';
    if (used)
        *used = size;
    if (textlen)
        *textlen = (size_t)(o - out);
    return BV_OK;
}

int bv_decimal_bin_to_text(const uint8_t *p, size_t n, unsigned precision, unsigned scale, char *out,
                           size_t outlen, size_t *used)
{
    return decimal_text(p, n, precision, scale, out, outlen, used, NULL);
}

/* ------------------------------------------------------------ STRING metadata */

void bv_string_meta(uint32_t meta, uint8_t *real_type, uint32_t *length)
{
    if (meta < 256) {
        *real_type = BV_MYSQL_TYPE_STRING;
        *length = meta;
        return;
    }
    uint32_t b0 = (meta >> 8) & 0xff, b1 = meta & 0xff;
    if ((b0 & 0x30) != 0x30) {
        /* CHAR/BINARY longer than 255 bytes: bits 4-5 of the length are
         * stored inverted in bits 4-5 of the type byte */
        *length = b1 | (((b0 & 0x30) ^ 0x30) << 4);
        *real_type = (uint8_t)(b0 | 0x30);
    } else {
        *length = b1;
        *real_type = (uint8_t)b0;
    }
}

/* ------------------------------------------------------------ helpers */

typedef struct vctx {
    const bv_column *col;
    char *err;
    size_t errlen;
} vctx;

#define TYPE_META(x) (unsigned)(x)->col->type, (unsigned)(x)->col->meta

static int v_bytes(const vctx *x, bv_cur *c, size_t n, const uint8_t **p)
{
    if (bv_cur_bytes(c, n, p) != BV_OK)
        return bv_seterr(x->err, x->errlen, BV_E_TRUNCATED,
                         "column type %u meta %u: value needs %zu bytes, %zu left", TYPE_META(x), n, c->left);
    return BV_OK;
}

static int v_bad(const vctx *x, const char *what)
{
    return bv_seterr(x->err, x->errlen, BV_E_DECODE, "column type %u meta %u: %s", TYPE_META(x), what);
}

/* A little-endian length prefix of lenbytes (1..4) followed by that many
 * bytes. */
static int v_lenpref(const vctx *x, bv_cur *c, unsigned lenbytes, const uint8_t **data, size_t *len)
{
    const uint8_t *p;
    int rc;
    if ((rc = v_bytes(x, c, lenbytes, &p)))
        return rc;
    uint64_t n = bv_rdle(p, lenbytes);
    if (n > c->left)
        return bv_seterr(x->err, x->errlen, BV_E_TRUNCATED,
                         "column type %u meta %u: value length %llu exceeds the %zu bytes left", TYPE_META(x),
                         (unsigned long long)n, c->left);
    *len = (size_t)n;
    return bv_cur_bytes(c, *len, data);
}

/* Fractional seconds of TIME2/DATETIME2/TIMESTAMP2: (fsp+1)/2 big-endian
 * bytes, scaled to microseconds. */
static uint32_t frac_usec(const uint8_t *p, unsigned fsp)
{
    switch ((fsp + 1) / 2) {
    case 1: return (uint32_t)p[0] * 10000u;
    case 2: return (uint32_t)bv_rdbe(p, 2) * 100u;
    case 3: return (uint32_t)bv_rdbe(p, 3);
    default: return 0;
    }
}

static void *arena_copy(bv_arena *a, const void *p, size_t n, size_t total)
{
    /* total >= n bytes, zero-filled past n, plus a NUL */
    if (total == SIZE_MAX)
        return NULL;
    uint8_t *d = bv_arena_alloc(a, total + 1);
    if (!d)
        return NULL;
    if (n)
        memcpy(d, p, n);
    memset(d + n, 0, total + 1 - n);
    return d;
}

/* ------------------------------------------------------------ one value */

static int dec_value(const vctx *x, bv_cur *c, bv_arena *arena, bv_value *v)
{
    const bv_column *col = x->col;
    uint32_t meta = col->meta;
    int is_unsigned = (col->flags & BV_COL_UNSIGNED) != 0;
    int binary = col->charset == 63 || (col->flags & BV_COL_BINARY);
    const uint8_t *p;
    size_t n;
    int rc;

    switch (col->type) {
    case BV_MYSQL_TYPE_TINY:
    case BV_MYSQL_TYPE_SHORT:
    case BV_MYSQL_TYPE_INT24:
    case BV_MYSQL_TYPE_LONG:
    case BV_MYSQL_TYPE_LONGLONG: {
        unsigned w = col->type == BV_MYSQL_TYPE_TINY    ? 1
                     : col->type == BV_MYSQL_TYPE_SHORT ? 2
                     : col->type == BV_MYSQL_TYPE_INT24 ? 3
                     : col->type == BV_MYSQL_TYPE_LONG  ? 4
                                                        : 8;
        if ((rc = v_bytes(x, c, w, &p)))
            return rc;
        uint64_t u = bv_rdle(p, w);
        if (is_unsigned) {
            v->kind = BV_VAL_UINT;
            v->v.u = u;
        } else {
            v->kind = BV_VAL_INT;
            if (w < 8 && (u >> (w * 8 - 1)) & 1)
                u |= ~(uint64_t)0 << (w * 8); /* sign-extend */
            v->v.i = (int64_t)u;
        }
        return BV_OK;
    }
    case BV_MYSQL_TYPE_FLOAT: {
        if (meta != 0 && meta != 4)
            return v_bad(x, "FLOAT metadata must be 4");
        if ((rc = v_bytes(x, c, 4, &p)))
            return rc;
        uint32_t u = bv_rd32(p);
        v->kind = BV_VAL_FLOAT;
        memcpy(&v->v.f, &u, 4);
        return BV_OK;
    }
    case BV_MYSQL_TYPE_DOUBLE: {
        if (meta != 0 && meta != 8)
            return v_bad(x, "DOUBLE metadata must be 8");
        if ((rc = v_bytes(x, c, 8, &p)))
            return rc;
        uint64_t u = bv_rd64(p);
        v->kind = BV_VAL_DOUBLE;
        memcpy(&v->v.d, &u, 8);
        return BV_OK;
    }
    case BV_MYSQL_TYPE_NEWDECIMAL: {
        unsigned prec = (meta >> 8) & 0xff, scale = meta & 0xff;
        size_t used;
        if (meta > 0xffff || prec == 0 || prec > DEC_MAX_PRECISION || scale > prec)
            return v_bad(x, "impossible DECIMAL precision/scale");
        size_t bin = bv_decimal_bin_size(prec, scale);
        if ((rc = v_bytes(x, c, bin, &p)))
            return rc;
        /* sign, digits, point, NUL: the text goes straight into the arena */
        char *s = bv_arena_alloc(arena, prec + 4);
        if (!s)
            return bv_seterr(x->err, x->errlen, BV_E_NOMEM, "out of memory");
        size_t len;
        if (decimal_text(p, bin, prec, scale, s, prec + 4, &used, &len))
            return v_bad(x, "invalid DECIMAL digits");
        v->kind = BV_VAL_DECIMAL;
        v->v.s.ptr = s;
        v->v.s.len = len;
        return BV_OK;
    }
    case BV_MYSQL_TYPE_DECIMAL:
        return v_bad(x, "old DECIMAL (type 0) has no metadata and cannot be decoded");
    case BV_MYSQL_TYPE_NULL:
        /* a NULL-typed column occupies no bytes */
        v->kind = BV_VAL_NULL;
        return BV_OK;
    case BV_MYSQL_TYPE_YEAR:
        if ((rc = v_bytes(x, c, 1, &p)))
            return rc;
        v->kind = BV_VAL_YEAR;
        v->v.u = p[0] ? 1900u + p[0] : 0;
        return BV_OK;
    case BV_MYSQL_TYPE_DATE:
    case BV_MYSQL_TYPE_NEWDATE: {
        if ((rc = v_bytes(x, c, 3, &p)))
            return rc;
        uint32_t d = (uint32_t)bv_rdle(p, 3);
        unsigned year = d >> 9, month = (d >> 5) & 15, day = d & 31;
        if (year > 9999 || month > 12)
            return v_bad(x, "invalid DATE");
        v->kind = BV_VAL_DATE;
        v->v.dt.year = (uint16_t)year;
        v->v.dt.month = (uint8_t)month;
        v->v.dt.day = (uint8_t)day;
        return BV_OK;
    }
    case BV_MYSQL_TYPE_TIME: {
        if ((rc = v_bytes(x, c, 3, &p)))
            return rc;
        int32_t t = (int32_t)bv_rdle(p, 3);
        if (t & 0x800000)
            t -= 0x1000000; /* sint3korr */
        int neg = t < 0;
        uint32_t a = neg ? (uint32_t)(-(int64_t)t) : (uint32_t)t;
        unsigned sec = a % 100, min = a / 100 % 100;
        if (sec > 59 || min > 59)
            return v_bad(x, "invalid TIME");
        v->kind = BV_VAL_TIME;
        v->v.time.negative = (uint8_t)neg;
        v->v.time.hour = a / 10000;
        v->v.time.minute = (uint8_t)min;
        v->v.time.second = (uint8_t)sec;
        v->v.time.usec = 0;
        return BV_OK;
    }
    case BV_MYSQL_TYPE_TIME2: {
        if (meta > 6)
            return v_bad(x, "TIME2 fractional digits > 6");
        if ((rc = v_bytes(x, c, 3 + (meta + 1) / 2, &p)))
            return rc;
        int64_t tmp;
        if (meta >= 5) {
            tmp = (int64_t)bv_rdbe(p, 6) - (int64_t)0x800000000000;
        } else {
            int64_t ip = (int64_t)bv_rdbe(p, 3) - 0x800000;
            int64_t f = 0;
            if (meta >= 1) {
                unsigned fb = meta <= 2 ? 1 : 2;
                f = (int64_t)bv_rdbe(p + 3, fb);
                if (ip < 0 && f != 0) {
                    /* negative values store the fraction reversed */
                    ip += 1;
                    f -= (int64_t)1 << (8 * fb);
                }
                f *= meta <= 2 ? 10000 : 100;
            }
            tmp = ip * ((int64_t)1 << 24) + f;
        }
        int neg = tmp < 0;
        uint64_t a = neg ? (uint64_t)0 - (uint64_t)tmp : (uint64_t)tmp;
        uint64_t hms = a >> 24;
        uint32_t usec = (uint32_t)(a & 0xffffff);
        unsigned sec = hms & 63, min = (hms >> 6) & 63;
        if (usec > 999999 || sec > 59 || min > 59 || (hms >> 22) != 0)
            return v_bad(x, "invalid TIME2");
        v->kind = BV_VAL_TIME;
        v->v.time.negative = (uint8_t)neg;
        v->v.time.hour = (uint32_t)(hms >> 12);
        v->v.time.minute = (uint8_t)min;
        v->v.time.second = (uint8_t)sec;
        v->v.time.usec = usec;
        return BV_OK;
    }
    case BV_MYSQL_TYPE_DATETIME: {
        if ((rc = v_bytes(x, c, 8, &p)))
            return rc;
        uint64_t u = bv_rd64(p);
        uint64_t d = u / 1000000, t = u % 1000000;
        uint64_t year = d / 10000;
        unsigned month = (unsigned)(d / 100 % 100), day = (unsigned)(d % 100);
        unsigned hour = (unsigned)(t / 10000), min = (unsigned)(t / 100 % 100), sec = (unsigned)(t % 100);
        if (year > 9999 || month > 12 || day > 31 || hour > 23 || min > 59 || sec > 59)
            return v_bad(x, "invalid DATETIME");
        v->kind = BV_VAL_DATETIME;
        v->v.dt.year = (uint16_t)year;
        v->v.dt.month = (uint8_t)month;
        v->v.dt.day = (uint8_t)day;
        v->v.dt.hour = (uint8_t)hour;
        v->v.dt.minute = (uint8_t)min;
        v->v.dt.second = (uint8_t)sec;
        v->v.dt.usec = 0;
        return BV_OK;
    }
    case BV_MYSQL_TYPE_DATETIME2: {
        if (meta > 6)
            return v_bad(x, "DATETIME2 fractional digits > 6");
        if ((rc = v_bytes(x, c, 5 + (meta + 1) / 2, &p)))
            return rc;
        uint64_t raw = bv_rdbe(p, 5);
        if (!(raw & 0x8000000000ull))
            return v_bad(x, "negative DATETIME2");
        uint64_t ip = raw - 0x8000000000ull;
        uint64_t ymd = ip >> 17, hms = ip & 0x1ffff, ym = ymd >> 5;
        uint64_t year = ym / 13;
        unsigned month = (unsigned)(ym % 13), day = (unsigned)(ymd & 31);
        unsigned hour = (unsigned)(hms >> 12), min = (unsigned)((hms >> 6) & 63), sec = (unsigned)(hms & 63);
        uint32_t usec = frac_usec(p + 5, meta);
        if (year > 9999 || hour > 23 || min > 59 || sec > 59 || usec > 999999)
            return v_bad(x, "invalid DATETIME2");
        v->kind = BV_VAL_DATETIME;
        v->v.dt.year = (uint16_t)year;
        v->v.dt.month = (uint8_t)month;
        v->v.dt.day = (uint8_t)day;
        v->v.dt.hour = (uint8_t)hour;
        v->v.dt.minute = (uint8_t)min;
        v->v.dt.second = (uint8_t)sec;
        v->v.dt.usec = usec;
        return BV_OK;
    }
    case BV_MYSQL_TYPE_TIMESTAMP:
        if ((rc = v_bytes(x, c, 4, &p)))
            return rc;
        v->kind = BV_VAL_TIMESTAMP;
        v->v.ts.sec = bv_rd32(p);
        v->v.ts.usec = 0;
        return BV_OK;
    case BV_MYSQL_TYPE_TIMESTAMP2: {
        if (meta > 6)
            return v_bad(x, "TIMESTAMP2 fractional digits > 6");
        if ((rc = v_bytes(x, c, 4 + (meta + 1) / 2, &p)))
            return rc;
        uint32_t usec = frac_usec(p + 4, meta);
        if (usec > 999999)
            return v_bad(x, "invalid TIMESTAMP2 fraction");
        v->kind = BV_VAL_TIMESTAMP;
        v->v.ts.sec = bv_rdbe(p, 4);
        v->v.ts.usec = usec;
        return BV_OK;
    }
    case BV_MYSQL_TYPE_VARCHAR:
    case BV_MYSQL_TYPE_VAR_STRING:
        if (meta > 0xffff)
            return v_bad(x, "impossible VARCHAR metadata");
        if ((rc = v_lenpref(x, c, meta < 256 ? 1 : 2, &p, &n)))
            return rc;
        if (n > meta)
            return v_bad(x, "VARCHAR value longer than the column maximum");
        v->kind = binary ? BV_VAL_BYTES : BV_VAL_STRING;
        v->v.s.ptr = (const char *)p;
        v->v.s.len = n;
        return BV_OK;
    case BV_MYSQL_TYPE_STRING:
    case BV_MYSQL_TYPE_ENUM:
    case BV_MYSQL_TYPE_SET: {
        uint8_t real;
        uint32_t len;
        if (meta > 0xffff)
            return v_bad(x, "impossible STRING metadata");
        if (col->type == BV_MYSQL_TYPE_STRING || meta >= 256) {
            bv_string_meta(meta, &real, &len);
        } else {
            real = col->type; /* ENUM/SET given directly: meta = pack length */
            len = meta;
        }
        if (real == BV_MYSQL_TYPE_ENUM) {
            if (len != 1 && len != 2)
                return v_bad(x, "ENUM pack length must be 1 or 2");
            if ((rc = v_bytes(x, c, len, &p)))
                return rc;
            v->kind = BV_VAL_ENUM;
            v->v.u = bv_rdle(p, len);
            return BV_OK;
        }
        if (real == BV_MYSQL_TYPE_SET) {
            if (len < 1 || len > 8)
                return v_bad(x, "SET pack length must be 1..8");
            if ((rc = v_bytes(x, c, len, &p)))
                return rc;
            v->kind = BV_VAL_SET;
            v->v.u = bv_rdle(p, len);
            return BV_OK;
        }
        if (real != BV_MYSQL_TYPE_STRING)
            return v_bad(x, "unknown real type in STRING metadata");
        if ((rc = v_lenpref(x, c, len < 256 ? 1 : 2, &p, &n)))
            return rc;
        if (n > len)
            return v_bad(x, "CHAR value longer than the column maximum");
        v->kind = binary ? BV_VAL_BYTES : BV_VAL_STRING;
        if (binary && n < len) {
            /* BINARY(n): the server strips trailing 0x00 bytes; restore them */
            char *s = arena_copy(arena, p, n, len);
            if (!s)
                return bv_seterr(x->err, x->errlen, BV_E_NOMEM, "out of memory");
            v->v.s.ptr = s;
            v->v.s.len = len;
        } else {
            v->v.s.ptr = (const char *)p;
            v->v.s.len = n;
        }
        return BV_OK;
    }
    case BV_MYSQL_TYPE_TINY_BLOB:
    case BV_MYSQL_TYPE_MEDIUM_BLOB:
    case BV_MYSQL_TYPE_LONG_BLOB:
    case BV_MYSQL_TYPE_BLOB:
    case BV_MYSQL_TYPE_GEOMETRY:
    case BV_MYSQL_TYPE_VECTOR:
    case BV_MYSQL_TYPE_JSON:
        if (meta < 1 || meta > 4)
            return v_bad(x, "pack length must be 1..4");
        if ((rc = v_lenpref(x, c, meta, &p, &n)))
            return rc;
        if (col->type == BV_MYSQL_TYPE_GEOMETRY) {
            if (n < 4)
                return v_bad(x, "GEOMETRY value shorter than its 4-byte SRID");
            v->kind = BV_VAL_GEOMETRY;
        } else if (col->type == BV_MYSQL_TYPE_VECTOR) {
            if (n % 4)
                return v_bad(x, "VECTOR length is not a multiple of 4");
            v->kind = BV_VAL_VECTOR;
        } else if (col->type == BV_MYSQL_TYPE_JSON) {
            char jerr[160];
            bv_buf jb;
            jerr[0] = '\0';
            bv_buf_init(&jb);
            if ((rc = bv_json_binary_to_text(p, n, &jb, jerr, sizeof(jerr)))) {
                bv_buf_release(&jb);
                return bv_seterr(x->err, x->errlen, rc, "column type %u meta %u: %s", TYPE_META(x), jerr);
            }
            char *s = arena_copy(arena, jb.data, jb.len, jb.len);
            v->v.s.len = jb.len;
            bv_buf_release(&jb);
            if (!s)
                return bv_seterr(x->err, x->errlen, BV_E_NOMEM, "out of memory");
            v->kind = BV_VAL_JSON;
            v->v.s.ptr = s;
            return BV_OK;
        } else {
            v->kind = binary ? BV_VAL_BYTES : BV_VAL_STRING;
        }
        v->v.s.ptr = (const char *)p;
        v->v.s.len = n;
        return BV_OK;
    case BV_MYSQL_TYPE_BIT: {
        unsigned bits = meta & 0xff, bytes = (meta >> 8) & 0xff;
        unsigned nbytes = bytes + (bits > 0);
        if (meta > 0xffff || bits > 7 || nbytes == 0 || bytes * 8 + bits > 64)
            return v_bad(x, "impossible BIT metadata");
        if ((rc = v_bytes(x, c, nbytes, &p)))
            return rc;
        v->kind = BV_VAL_BIT;
        v->v.u = bv_rdbe(p, nbytes);
        return BV_OK;
    }
    default:
        return v_bad(x, "unsupported column type");
    }
}

int bv_binlog_value(bv_cur *c, const bv_column *col, bv_arena *arena, bv_value *out, char *err, size_t errlen)
{
    vctx x = {col, err, errlen};
    bv_cur work = *c;
    int rc;

    /* decoded in place: on failure *out is zeroed/partial and *c unchanged */
    memset(out, 0, sizeof(*out));
    if ((rc = dec_value(&x, &work, arena, out)))
        return rc;
    *c = work;
    return BV_OK;
}
