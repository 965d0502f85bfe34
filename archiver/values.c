/* Column values of row images: one decoder per MySQL/MariaDB binlog column
 * type (see binlog.h and format/FORMAT.md "MySQL column types").
 *
 * bv_coldec_init picks each column's decoder once (per TABLE_MAP) and
 * checks its metadata then; bv_binlog_value decodes through a private copy
 * of the caller's cursor that is committed only on success, so a failed
 * decode leaves the cursor where it was. Lengths are checked with unsigned
 * arithmetic before any byte is touched. Values that the archive format would refuse (month 13, minute
 * 61, usec >= 10^6, ...) are rejected here as BV_E_DECODE. */
#include <string.h>

#include "binlog.h"

/* ------------------------------------------------------------ NEWDECIMAL */

/* Bytes needed for a group of 0..9 decimal digits. */
static const uint8_t dig2bytes[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};

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
    while (n < 10 && v >= bv_pow10_u64[n])
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
    return v < bv_pow10_u64[nd] ? (int64_t)v : -1;
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

/* "-?INT(.FRAC)" of a DECIMAL of at most 18 digits, whose integral and
 * fractional digits are ip and fp (fp < 10^scale), at o; room for
 * precision + 3 bytes is the caller's. Returns the end (no NUL). */
static char *small_text(char *o, int neg, uint64_t ip, uint64_t fp, unsigned scale)
{
    if (neg && (ip | fp)) /* MySQL never writes -0; print it as 0 */
        *o++ = '-';
    o += bv_u64_text(o, ip);
    if (scale) {
        *o++ = '.';
        bv_dec_fixed(o, fp, scale);
        o += scale;
    }
    return o;
}

/* The common case, precision <= 18: the integer and the fractional digits
 * each fit a uint64. Same contract as decimal_text. */
static int decimal_text_small(const uint8_t *p, unsigned precision, unsigned scale, uint32_t mask, char *out,
                              size_t outlen, size_t *textlen)
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
    fp = fp * bv_pow10_u64[last] + (uint64_t)g;

    /* the longest text: sign, max(intg, 1) digits, point, scale digits, NUL */
    char tmp[24], *o = out && outlen >= (size_t)precision + 4 ? out : tmp;
    size_t len = (size_t)(small_text(o, mask != 0, ip, fp, scale) - o);
    if (o == tmp) {
        if (!out || outlen < len + 1)
            return BV_E_INVAL;
        memcpy(out, tmp, len);
    }
    out[len] = '\0';
    *textlen = len;
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
        int rc = decimal_text_small(p, precision, scale, mask, out, outlen, &tl);
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

#define TYPE_META(cd) (unsigned)(cd)->col->type, (unsigned)(cd)->col->meta

static int v_trunc(const bv_coldec *cd, const bv_cur *c, size_t n, char *err, size_t errlen)
{
    return bv_seterr(err, errlen, BV_E_TRUNCATED, "column type %u meta %u: value needs %zu bytes, %zu left",
                     TYPE_META(cd), n, c->left);
}

static int v_bytes(const bv_coldec *cd, bv_cur *c, size_t n, const uint8_t **p, char *err, size_t errlen)
{
    if (bv_cur_bytes(c, n, p) != BV_OK)
        return v_trunc(cd, c, n, err, errlen);
    return BV_OK;
}

static int v_bad(const bv_coldec *cd, const char *what, char *err, size_t errlen)
{
    return bv_seterr(err, errlen, BV_E_DECODE, "column type %u meta %u: %s", TYPE_META(cd), what);
}

/* A little-endian length prefix of cd->n (1..4) bytes followed by that many
 * bytes. */
static inline int v_lenpref(const bv_coldec *cd, bv_cur *c, const uint8_t **data, size_t *len, char *err,
                            size_t errlen)
{
    const uint8_t *p;
    *data = NULL;
    *len = 0;
    if (bv_cur_bytes(c, cd->n, &p) != BV_OK)
        return v_trunc(cd, c, cd->n, err, errlen);
    uint64_t n = cd->n == 1 ? p[0] : bv_rdle(p, cd->n);
    if (n > c->left)
        return bv_seterr(err, errlen, BV_E_TRUNCATED,
                         "column type %u meta %u: value length %llu exceeds the %zu bytes left", TYPE_META(cd),
                         (unsigned long long)n, c->left);
    *len = (size_t)n;
    return bv_cur_bytes(c, *len, data);
}

static int v_nomem(char *err, size_t errlen)
{
    return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
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

static void set_dt(bv_value *v, unsigned year, unsigned month, unsigned day, unsigned hour, unsigned min,
                   unsigned sec, uint32_t usec)
{
    v->kind = BV_VAL_DATETIME;
    v->v.dt.year = (uint16_t)year;
    v->v.dt.month = (uint8_t)month;
    v->v.dt.day = (uint8_t)day;
    v->v.dt.hour = (uint8_t)hour;
    v->v.dt.minute = (uint8_t)min;
    v->v.dt.second = (uint8_t)sec;
    v->v.dt.usec = usec;
}

static void set_time(bv_value *v, int neg, uint32_t hour, unsigned min, unsigned sec, uint32_t usec)
{
    v->kind = BV_VAL_TIME;
    v->v.time.negative = (uint8_t)neg;
    v->v.time.hour = hour;
    v->v.time.minute = (uint8_t)min;
    v->v.time.second = (uint8_t)sec;
    v->v.time.usec = usec;
}

/* ------------------------------------------------------------ one decoder per type
 *
 * Each reads one non-NULL value. cd->n, cd->max, cd->prec, cd->scale and
 * cd->kind were derived from the column's metadata, and checked, by
 * bv_coldec_init. */

#define DEC_ARGS const bv_coldec *cd, bv_dec_io *io, bv_value *v
#define DEC_LOCALS                                                                                                 \
    bv_cur *c = &io->c;                                                                                            \
    bv_arena *arena = io->arena;                                                                                   \
    char *err = io->err;                                                                                           \
    size_t errlen = io->errlen;                                                                                    \
    (void)c, (void)arena, (void)err, (void)errlen

/* Metadata this decoder refuses: every value reports why. */
static int dec_bad(DEC_ARGS)
{
    DEC_LOCALS;
    (void)v;
    return v_bad(cd, cd->bad, err, errlen);
}

static int dec_int(DEC_ARGS) /* TINY, SHORT, INT24, LONG, LONGLONG: n = width */
{
    DEC_LOCALS;
    const uint8_t *p;
    if (bv_cur_bytes(c, cd->n, &p) != BV_OK)
        return v_trunc(cd, c, cd->n, err, errlen);
    uint64_t u = cd->n == 8 ? bv_rd64(p) : bv_rdle(p, cd->n);
    if (cd->kind == BV_VAL_INT && cd->n < 8 && (u >> (cd->n * 8 - 1)) & 1)
        u |= ~(uint64_t)0 << (cd->n * 8); /* sign-extend */
    v->kind = cd->kind;
    v->v.u = u; /* INT: the same bits as v.i */
    return BV_OK;
}

static int dec_float(DEC_ARGS)
{
    DEC_LOCALS;
    const uint8_t *p;
    int rc;
    if ((rc = v_bytes(cd, c, 4, &p, err, errlen)))
        return rc;
    uint32_t u = bv_rd32(p);
    v->kind = BV_VAL_FLOAT;
    memcpy(&v->v.f, &u, 4);
    return BV_OK;
}

static int dec_double(DEC_ARGS)
{
    DEC_LOCALS;
    const uint8_t *p;
    int rc;
    if ((rc = v_bytes(cd, c, 8, &p, err, errlen)))
        return rc;
    uint64_t u = bv_rd64(p);
    v->kind = BV_VAL_DOUBLE;
    memcpy(&v->v.d, &u, 8);
    return BV_OK;
}

static int dec_newdecimal(DEC_ARGS) /* n = binary size */
{
    DEC_LOCALS;
    const uint8_t *p;
    int rc;
    if ((rc = v_bytes(cd, c, cd->n, &p, err, errlen)))
        return rc;
    /* sign, digits, point, NUL: the text goes straight into the arena */
    char *s = bv_arena_alloc(arena, cd->prec + 4u);
    if (!s)
        return v_nomem(err, errlen);
    size_t len;
    if (decimal_text(p, cd->n, cd->prec, cd->scale, s, cd->prec + 4u, NULL, &len))
        return v_bad(cd, "invalid DECIMAL digits", err, errlen);
    v->kind = BV_VAL_DECIMAL;
    v->v.s.ptr = s;
    v->v.s.len = len;
    return BV_OK;
}

/* DECIMAL of at most 18 digits, groups from cd->gdigits: one word read per
 * group when the row goes on for 8 bytes past the value, else the general
 * converter. */
static int dec_newdecimal18(DEC_ARGS)
{
    DEC_LOCALS;
    if (c->left < (size_t)cd->n + 8)
        return dec_newdecimal(cd, io, v);
    const uint8_t *p = c->p;
    /* negative values are stored with every bit inverted; the sign bit
     * (the top bit of the first byte) is inverted besides */
    uint64_t inv = p[0] & 0x80 ? 0 : ~(uint64_t)0, top = (uint64_t)1 << 63;
    uint64_t acc[2] = {0, 0};
    for (unsigned k = 0; k < cd->ngroups; k++) {
        uint64_t w;
        memcpy(&w, p + cd->goff[k], 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        w = __builtin_bswap64(w);
#endif
        uint64_t g = (w ^ inv ^ top) >> cd->gshift[k];
        top = 0;
        if (g >= bv_pow10_u64[cd->gdigits[k]])
            return v_bad(cd, "invalid DECIMAL digits", err, errlen);
        uint64_t *a = &acc[k >= cd->nint];
        *a = *a * bv_pow10_u64[cd->gdigits[k]] + g;
    }
    char *s = bv_arena_alloc(arena, cd->prec + 4u), *o;
    if (!s)
        return v_nomem(err, errlen);
    o = small_text(s, inv != 0, acc[0], acc[1], cd->scale);
    *o = '\0';
    c->p += cd->n;
    c->left -= cd->n;
    v->kind = BV_VAL_DECIMAL;
    v->v.s.ptr = s;
    v->v.s.len = (size_t)(o - s);
    return BV_OK;
}

static int dec_null(DEC_ARGS) /* a NULL-typed column occupies no bytes */
{
    DEC_LOCALS;
    (void)cd;
    memset(v, 0, sizeof(*v));
    v->kind = BV_VAL_NULL;
    return BV_OK;
}

static int dec_year(DEC_ARGS)
{
    DEC_LOCALS;
    const uint8_t *p;
    int rc;
    if ((rc = v_bytes(cd, c, 1, &p, err, errlen)))
        return rc;
    v->kind = BV_VAL_YEAR;
    v->v.u = p[0] ? 1900u + p[0] : 0;
    return BV_OK;
}

static int dec_date(DEC_ARGS)
{
    DEC_LOCALS;
    const uint8_t *p;
    int rc;
    if ((rc = v_bytes(cd, c, 3, &p, err, errlen)))
        return rc;
    uint32_t d = (uint32_t)bv_rdle(p, 3);
    unsigned year = d >> 9, month = (d >> 5) & 15, day = d & 31;
    if (year > 9999 || month > 12)
        return v_bad(cd, "invalid DATE", err, errlen);
    set_dt(v, year, month, day, 0, 0, 0, 0);
    v->kind = BV_VAL_DATE;
    return BV_OK;
}

static int dec_time(DEC_ARGS) /* old TIME: HHMMSS as a signed 3-byte integer */
{
    DEC_LOCALS;
    const uint8_t *p;
    int rc;
    if ((rc = v_bytes(cd, c, 3, &p, err, errlen)))
        return rc;
    int32_t t = (int32_t)bv_rdle(p, 3);
    if (t & 0x800000)
        t -= 0x1000000; /* sint3korr */
    int neg = t < 0;
    uint32_t a = neg ? (uint32_t)(-(int64_t)t) : (uint32_t)t;
    unsigned sec = a % 100, min = a / 100 % 100;
    if (sec > 59 || min > 59)
        return v_bad(cd, "invalid TIME", err, errlen);
    set_time(v, neg, a / 10000, min, sec, 0);
    return BV_OK;
}

static int dec_time2(DEC_ARGS) /* scale = fsp */
{
    DEC_LOCALS;
    const uint8_t *p;
    int rc;
    unsigned fsp = cd->scale;
    if ((rc = v_bytes(cd, c, 3 + (fsp + 1) / 2, &p, err, errlen)))
        return rc;
    int64_t tmp;
    if (fsp >= 5) {
        tmp = (int64_t)bv_rdbe(p, 6) - (int64_t)0x800000000000;
    } else {
        int64_t ip = (int64_t)bv_rdbe(p, 3) - 0x800000;
        int64_t f = 0;
        if (fsp >= 1) {
            unsigned fb = fsp <= 2 ? 1 : 2;
            f = (int64_t)bv_rdbe(p + 3, fb);
            if (ip < 0 && f != 0) {
                /* negative values store the fraction reversed */
                ip += 1;
                f -= (int64_t)1 << (8 * fb);
            }
            f *= fsp <= 2 ? 10000 : 100;
        }
        tmp = ip * ((int64_t)1 << 24) + f;
    }
    int neg = tmp < 0;
    uint64_t a = neg ? (uint64_t)0 - (uint64_t)tmp : (uint64_t)tmp;
    uint64_t hms = a >> 24;
    uint32_t usec = (uint32_t)(a & 0xffffff);
    unsigned sec = hms & 63, min = (hms >> 6) & 63;
    if (usec > 999999 || sec > 59 || min > 59 || (hms >> 22) != 0)
        return v_bad(cd, "invalid TIME2", err, errlen);
    set_time(v, neg, (uint32_t)(hms >> 12), min, sec, usec);
    return BV_OK;
}

static int dec_datetime(DEC_ARGS) /* old DATETIME: YYYYMMDDhhmmss as an integer */
{
    DEC_LOCALS;
    const uint8_t *p;
    int rc;
    if ((rc = v_bytes(cd, c, 8, &p, err, errlen)))
        return rc;
    uint64_t u = bv_rd64(p);
    uint64_t d = u / 1000000, t = u % 1000000;
    uint64_t year = d / 10000;
    unsigned month = (unsigned)(d / 100 % 100), day = (unsigned)(d % 100);
    unsigned hour = (unsigned)(t / 10000), min = (unsigned)(t / 100 % 100), sec = (unsigned)(t % 100);
    if (year > 9999 || month > 12 || day > 31 || hour > 23 || min > 59 || sec > 59)
        return v_bad(cd, "invalid DATETIME", err, errlen);
    set_dt(v, (unsigned)year, month, day, hour, min, sec, 0);
    return BV_OK;
}

static int dec_datetime2(DEC_ARGS) /* scale = fsp */
{
    DEC_LOCALS;
    const uint8_t *p;
    int rc;
    if ((rc = v_bytes(cd, c, 5 + (cd->scale + 1u) / 2, &p, err, errlen)))
        return rc;
    uint64_t raw = bv_rdbe(p, 5);
    if (!(raw & 0x8000000000ull))
        return v_bad(cd, "negative DATETIME2", err, errlen);
    uint64_t ip = raw - 0x8000000000ull;
    uint64_t ymd = ip >> 17, hms = ip & 0x1ffff, ym = ymd >> 5;
    uint64_t year = ym / 13;
    unsigned month = (unsigned)(ym % 13), day = (unsigned)(ymd & 31);
    unsigned hour = (unsigned)(hms >> 12), min = (unsigned)((hms >> 6) & 63), sec = (unsigned)(hms & 63);
    uint32_t usec = frac_usec(p + 5, cd->scale);
    if (year > 9999 || hour > 23 || min > 59 || sec > 59 || usec > 999999)
        return v_bad(cd, "invalid DATETIME2", err, errlen);
    set_dt(v, (unsigned)year, month, day, hour, min, sec, usec);
    return BV_OK;
}

static int dec_timestamp(DEC_ARGS)
{
    DEC_LOCALS;
    const uint8_t *p;
    int rc;
    if ((rc = v_bytes(cd, c, 4, &p, err, errlen)))
        return rc;
    v->kind = BV_VAL_TIMESTAMP;
    v->v.ts.sec = bv_rd32(p);
    v->v.ts.usec = 0;
    return BV_OK;
}

static int dec_timestamp2(DEC_ARGS) /* scale = fsp */
{
    DEC_LOCALS;
    const uint8_t *p;
    int rc;
    if ((rc = v_bytes(cd, c, 4 + (cd->scale + 1u) / 2, &p, err, errlen)))
        return rc;
    uint32_t usec = frac_usec(p + 4, cd->scale);
    if (usec > 999999)
        return v_bad(cd, "invalid TIMESTAMP2 fraction", err, errlen);
    v->kind = BV_VAL_TIMESTAMP;
    v->v.ts.sec = bv_rdbe(p, 4);
    v->v.ts.usec = usec;
    return BV_OK;
}

static int dec_varchar(DEC_ARGS) /* n = length bytes, max = column maximum, kind = STRING or BYTES */
{
    DEC_LOCALS;
    const uint8_t *p;
    size_t n;
    int rc;
    if ((rc = v_lenpref(cd, c, &p, &n, err, errlen)))
        return rc;
    if (n > cd->max)
        return v_bad(cd, "VARCHAR value longer than the column maximum", err, errlen);
    v->kind = cd->kind;
    v->v.s.ptr = (const char *)p;
    v->v.s.len = n;
    return BV_OK;
}

static int dec_char(DEC_ARGS) /* as VARCHAR; BINARY(n) (kind BYTES) is padded back to max */
{
    DEC_LOCALS;
    const uint8_t *p;
    size_t n;
    int rc;
    if ((rc = v_lenpref(cd, c, &p, &n, err, errlen)))
        return rc;
    if (n > cd->max)
        return v_bad(cd, "CHAR value longer than the column maximum", err, errlen);
    v->kind = cd->kind;
    if (cd->kind == BV_VAL_BYTES && n < cd->max) {
        /* BINARY(n): the server strips trailing 0x00 bytes; restore them */
        char *s = arena_copy(arena, p, n, cd->max);
        if (!s)
            return v_nomem(err, errlen);
        v->v.s.ptr = s;
        v->v.s.len = cd->max;
    } else {
        v->v.s.ptr = (const char *)p;
        v->v.s.len = n;
    }
    return BV_OK;
}

static int dec_enum_set(DEC_ARGS) /* n = pack length, kind = ENUM or SET */
{
    DEC_LOCALS;
    const uint8_t *p;
    int rc;
    if ((rc = v_bytes(cd, c, cd->n, &p, err, errlen)))
        return rc;
    v->kind = cd->kind;
    v->v.u = bv_rdle(p, cd->n);
    return BV_OK;
}

static int dec_blob(DEC_ARGS) /* BLOB/TEXT: n = length bytes, kind = STRING or BYTES */
{
    DEC_LOCALS;
    const uint8_t *p;
    size_t n;
    int rc;
    if ((rc = v_lenpref(cd, c, &p, &n, err, errlen)))
        return rc;
    v->kind = cd->kind;
    v->v.s.ptr = (const char *)p;
    v->v.s.len = n;
    return BV_OK;
}

static int dec_geometry(DEC_ARGS)
{
    DEC_LOCALS;
    int rc = dec_blob(cd, io, v);
    if (rc == BV_OK && v->v.s.len < 4)
        return v_bad(cd, "GEOMETRY value shorter than its 4-byte SRID", err, errlen);
    return rc;
}

static int dec_vector(DEC_ARGS)
{
    DEC_LOCALS;
    int rc = dec_blob(cd, io, v);
    if (rc == BV_OK && v->v.s.len % 4)
        return v_bad(cd, "VECTOR length is not a multiple of 4", err, errlen);
    return rc;
}

static int dec_json(DEC_ARGS)
{
    DEC_LOCALS;
    const uint8_t *p;
    size_t n;
    int rc;
    if ((rc = v_lenpref(cd, c, &p, &n, err, errlen)))
        return rc;
    char jerr[160];
    bv_buf jb;
    jerr[0] = '\0';
    bv_buf_init(&jb);
    if ((rc = bv_json_binary_to_text(p, n, &jb, jerr, sizeof(jerr)))) {
        bv_buf_release(&jb);
        return bv_seterr(err, errlen, rc, "column type %u meta %u: %s", TYPE_META(cd), jerr);
    }
    char *s = arena_copy(arena, jb.data, jb.len, jb.len);
    v->v.s.len = jb.len;
    bv_buf_release(&jb);
    if (!s)
        return v_nomem(err, errlen);
    v->kind = BV_VAL_JSON;
    v->v.s.ptr = s;
    return BV_OK;
}

static int dec_bit(DEC_ARGS) /* n = bytes */
{
    DEC_LOCALS;
    const uint8_t *p;
    int rc;
    if ((rc = v_bytes(cd, c, cd->n, &p, err, errlen)))
        return rc;
    v->kind = BV_VAL_BIT;
    v->v.u = bv_rdbe(p, cd->n);
    return BV_OK;
}

/* ------------------------------------------------------------ choosing the decoder */

static void bad(bv_coldec *cd, const char *why)
{
    cd->fn = dec_bad;
    cd->bad = why;
}

static void init_int(bv_coldec *cd, const bv_column *col)
{
    cd->fn = dec_int;
    cd->n = col->type == BV_MYSQL_TYPE_TINY    ? 1
            : col->type == BV_MYSQL_TYPE_SHORT ? 2
            : col->type == BV_MYSQL_TYPE_INT24 ? 3
            : col->type == BV_MYSQL_TYPE_LONG  ? 4
                                               : 8;
    cd->kind = (col->flags & BV_COL_UNSIGNED) ? BV_VAL_UINT : BV_VAL_INT;
}

static void init_float(bv_coldec *cd, const bv_column *col)
{
    if (col->meta != 0 && col->meta != 4)
        bad(cd, "FLOAT metadata must be 4");
    else
        cd->fn = dec_float;
}

static void init_double(bv_coldec *cd, const bv_column *col)
{
    if (col->meta != 0 && col->meta != 8)
        bad(cd, "DOUBLE metadata must be 8");
    else
        cd->fn = dec_double;
}

static void init_newdecimal(bv_coldec *cd, const bv_column *col)
{
    unsigned prec = (col->meta >> 8) & 0xff, scale = col->meta & 0xff;
    if (col->meta > 0xffff || prec == 0 || prec > DEC_MAX_PRECISION || scale > prec)
        return bad(cd, "impossible DECIMAL precision/scale");
    cd->fn = dec_newdecimal;
    cd->prec = (uint16_t)prec;
    cd->scale = (uint16_t)scale;
    cd->n = (uint32_t)bv_decimal_bin_size(prec, scale);
    if (prec > 18)
        return;
    /* the groups in storage order: leading integral digits, whole groups of
     * 9, then whole fractional groups of 9 and the trailing digits */
    unsigned intg = prec - scale, n = 0;
    if (intg % DEC_DIG_PER_GROUP)
        cd->gdigits[n++] = (uint8_t)(intg % DEC_DIG_PER_GROUP);
    for (unsigned i = 0; i < intg / DEC_DIG_PER_GROUP; i++)
        cd->gdigits[n++] = DEC_DIG_PER_GROUP;
    cd->nint = (uint8_t)n;
    for (unsigned i = 0; i < scale / DEC_DIG_PER_GROUP; i++)
        cd->gdigits[n++] = DEC_DIG_PER_GROUP;
    if (scale % DEC_DIG_PER_GROUP)
        cd->gdigits[n++] = (uint8_t)(scale % DEC_DIG_PER_GROUP);
    cd->ngroups = (uint8_t)n;
    for (unsigned k = 0, off = 0; k < n; k++) {
        cd->goff[k] = (uint8_t)off;
        cd->gshift[k] = (uint8_t)(64 - 8 * dig2bytes[cd->gdigits[k]]);
        off += dig2bytes[cd->gdigits[k]];
    }
    cd->fn = dec_newdecimal18;
}

static void init_decimal(bv_coldec *cd, const bv_column *col)
{
    (void)col;
    bad(cd, "old DECIMAL (type 0) has no metadata and cannot be decoded");
}

static void init_null(bv_coldec *cd, const bv_column *col) { (void)col, cd->fn = dec_null; }
static void init_year(bv_coldec *cd, const bv_column *col) { (void)col, cd->fn = dec_year; }
static void init_date(bv_coldec *cd, const bv_column *col) { (void)col, cd->fn = dec_date; }
static void init_time(bv_coldec *cd, const bv_column *col) { (void)col, cd->fn = dec_time; }
static void init_datetime(bv_coldec *cd, const bv_column *col) { (void)col, cd->fn = dec_datetime; }
static void init_timestamp(bv_coldec *cd, const bv_column *col) { (void)col, cd->fn = dec_timestamp; }

/* TIME2, DATETIME2, TIMESTAMP2: meta = fsp 0..6 */
static void init_fsp(bv_coldec *cd, const bv_column *col)
{
    static const char *const too_many[] = {
        [BV_MYSQL_TYPE_TIME2] = "TIME2 fractional digits > 6",
        [BV_MYSQL_TYPE_DATETIME2] = "DATETIME2 fractional digits > 6",
        [BV_MYSQL_TYPE_TIMESTAMP2] = "TIMESTAMP2 fractional digits > 6",
    };
    if (col->meta > 6)
        return bad(cd, too_many[col->type]);
    cd->scale = (uint16_t)col->meta;
    cd->fn = col->type == BV_MYSQL_TYPE_TIME2       ? dec_time2
             : col->type == BV_MYSQL_TYPE_DATETIME2 ? dec_datetime2
                                                    : dec_timestamp2;
}

static uint8_t str_kind(const bv_column *col)
{
    return col->charset == 63 || (col->flags & BV_COL_BINARY) ? BV_VAL_BYTES : BV_VAL_STRING;
}

static void init_varchar(bv_coldec *cd, const bv_column *col)
{
    if (col->meta > 0xffff)
        return bad(cd, "impossible VARCHAR metadata");
    cd->fn = dec_varchar;
    cd->n = col->meta < 256 ? 1 : 2;
    cd->max = col->meta;
    cd->kind = str_kind(col);
}

/* STRING (CHAR/BINARY, or ENUM/SET hidden in its metadata), ENUM, SET */
static void init_string(bv_coldec *cd, const bv_column *col)
{
    uint8_t real;
    uint32_t len;
    if (col->meta > 0xffff)
        return bad(cd, "impossible STRING metadata");
    if (col->type == BV_MYSQL_TYPE_STRING || col->meta >= 256) {
        bv_string_meta(col->meta, &real, &len);
    } else {
        real = col->type; /* ENUM/SET given directly: meta = pack length */
        len = col->meta;
    }
    if (real == BV_MYSQL_TYPE_ENUM || real == BV_MYSQL_TYPE_SET) {
        if (real == BV_MYSQL_TYPE_ENUM && len != 1 && len != 2)
            return bad(cd, "ENUM pack length must be 1 or 2");
        if (real == BV_MYSQL_TYPE_SET && (len < 1 || len > 8))
            return bad(cd, "SET pack length must be 1..8");
        cd->fn = dec_enum_set;
        cd->n = len;
        cd->kind = real == BV_MYSQL_TYPE_ENUM ? BV_VAL_ENUM : BV_VAL_SET;
        return;
    }
    if (real != BV_MYSQL_TYPE_STRING)
        return bad(cd, "unknown real type in STRING metadata");
    cd->fn = dec_char;
    cd->n = len < 256 ? 1 : 2;
    cd->max = len;
    cd->kind = str_kind(col);
}

/* BLOB/TEXT, GEOMETRY, VECTOR, JSON: meta = length bytes 1..4 */
static void init_blob(bv_coldec *cd, const bv_column *col)
{
    if (col->meta < 1 || col->meta > 4)
        return bad(cd, "pack length must be 1..4");
    cd->n = col->meta;
    cd->kind = col->type == BV_MYSQL_TYPE_GEOMETRY ? BV_VAL_GEOMETRY
               : col->type == BV_MYSQL_TYPE_VECTOR ? BV_VAL_VECTOR
                                                   : str_kind(col);
    cd->fn = col->type == BV_MYSQL_TYPE_GEOMETRY ? dec_geometry
             : col->type == BV_MYSQL_TYPE_VECTOR ? dec_vector
             : col->type == BV_MYSQL_TYPE_JSON   ? dec_json
                                                 : dec_blob;
}

static void init_bit(bv_coldec *cd, const bv_column *col)
{
    unsigned bits = col->meta & 0xff, bytes = (col->meta >> 8) & 0xff;
    unsigned nbytes = bytes + (bits > 0);
    if (col->meta > 0xffff || bits > 7 || nbytes == 0 || bytes * 8 + bits > 64)
        return bad(cd, "impossible BIT metadata");
    cd->fn = dec_bit;
    cd->n = nbytes;
}

/* The decoder of each binlog column type; types not listed are refused. */
static void (*const init_by_type[256])(bv_coldec *, const bv_column *) = {
    [BV_MYSQL_TYPE_TINY] = init_int,          [BV_MYSQL_TYPE_SHORT] = init_int,
    [BV_MYSQL_TYPE_INT24] = init_int,         [BV_MYSQL_TYPE_LONG] = init_int,
    [BV_MYSQL_TYPE_LONGLONG] = init_int,      [BV_MYSQL_TYPE_FLOAT] = init_float,
    [BV_MYSQL_TYPE_DOUBLE] = init_double,     [BV_MYSQL_TYPE_NEWDECIMAL] = init_newdecimal,
    [BV_MYSQL_TYPE_DECIMAL] = init_decimal,   [BV_MYSQL_TYPE_NULL] = init_null,
    [BV_MYSQL_TYPE_YEAR] = init_year,         [BV_MYSQL_TYPE_DATE] = init_date,
    [BV_MYSQL_TYPE_NEWDATE] = init_date,      [BV_MYSQL_TYPE_TIME] = init_time,
    [BV_MYSQL_TYPE_TIME2] = init_fsp,         [BV_MYSQL_TYPE_DATETIME] = init_datetime,
    [BV_MYSQL_TYPE_DATETIME2] = init_fsp,     [BV_MYSQL_TYPE_TIMESTAMP] = init_timestamp,
    [BV_MYSQL_TYPE_TIMESTAMP2] = init_fsp,    [BV_MYSQL_TYPE_VARCHAR] = init_varchar,
    [BV_MYSQL_TYPE_VAR_STRING] = init_varchar, [BV_MYSQL_TYPE_STRING] = init_string,
    [BV_MYSQL_TYPE_ENUM] = init_string,       [BV_MYSQL_TYPE_SET] = init_string,
    [BV_MYSQL_TYPE_TINY_BLOB] = init_blob,    [BV_MYSQL_TYPE_MEDIUM_BLOB] = init_blob,
    [BV_MYSQL_TYPE_LONG_BLOB] = init_blob,    [BV_MYSQL_TYPE_BLOB] = init_blob,
    [BV_MYSQL_TYPE_GEOMETRY] = init_blob,     [BV_MYSQL_TYPE_VECTOR] = init_blob,
    [BV_MYSQL_TYPE_JSON] = init_blob,         [BV_MYSQL_TYPE_BIT] = init_bit,
};

void bv_coldec_init(bv_coldec *cd, const bv_column *col)
{
    memset(cd, 0, sizeof(*cd));
    cd->col = col;
    if (init_by_type[col->type])
        init_by_type[col->type](cd, col);
    else
        bad(cd, "unsupported column type");
}

int bv_binlog_value(bv_cur *c, const bv_column *col, bv_arena *arena, bv_value *out, char *err, size_t errlen)
{
    bv_coldec cd;
    bv_dec_io io = {*c, arena, err, errlen};
    int rc;

    /* decoded in place: on failure *out is zeroed/partial and *c unchanged */
    memset(out, 0, sizeof(*out));
    bv_coldec_init(&cd, col);
    if ((rc = bv_coldec_value(&cd, &io, out)))
        return rc;
    *c = io.c;
    return BV_OK;
}
