/* Byte buffers, the bounds-checked cursor, the checksum and error messages. */
#include "bytes.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

void bv_buf_init(bv_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->oom = 0;
}

void bv_buf_release(bv_buf *b)
{
    free(b->data);
    bv_buf_init(b);
}

int bv_buf_grow(bv_buf *b, size_t extra)
{
    if (b->oom)
        return BV_E_NOMEM;
    if (extra <= b->cap - b->len)
        return BV_OK;
    if (extra > SIZE_MAX / 2 - b->len) {
        b->oom = 1;
        return BV_E_NOMEM;
    }
    size_t need = b->len + extra;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    uint8_t *n = realloc(b->data, cap);
    if (!n) {
        b->oom = 1;
        return BV_E_NOMEM;
    }
    b->data = n;
    b->cap = cap;
    return BV_OK;
}

void bv_buf_put_u16le(bv_buf *b, uint16_t v)
{
    uint8_t t[2];
    bv_wr16(t, v);
    bv_buf_put(b, t, 2);
}

void bv_buf_put_u32le(bv_buf *b, uint32_t v)
{
    uint8_t t[4];
    bv_wr32(t, v);
    bv_buf_put(b, t, 4);
}

void bv_buf_put_u64le(bv_buf *b, uint64_t v)
{
    uint8_t t[8];
    bv_wr64(t, v);
    bv_buf_put(b, t, 8);
}

void bv_buf_put_svarint(bv_buf *b, int64_t v)
{
    bv_buf_put_varint(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void bv_buf_put_str(bv_buf *b, const void *p, size_t n)
{
    bv_buf_put_varint(b, n);
    bv_buf_put(b, p, n);
}

const char bv_digit_pairs[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                 "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                 "8081828384858687888990919293949596979899";

const uint64_t bv_pow10_u64[20] = {1ull,
                                   10ull,
                                   100ull,
                                   1000ull,
                                   10000ull,
                                   100000ull,
                                   1000000ull,
                                   10000000ull,
                                   100000000ull,
                                   1000000000ull,
                                   10000000000ull,
                                   100000000000ull,
                                   1000000000000ull,
                                   10000000000000ull,
                                   100000000000000ull,
                                   1000000000000000ull,
                                   10000000000000000ull,
                                   100000000000000000ull,
                                   1000000000000000000ull,
                                   10000000000000000000ull};

void bv_buf_printf(bv_buf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(tmp)) {
        bv_buf_put(b, tmp, (size_t)n);
        return;
    }
    if (bv_buf_reserve(b, (size_t)n + 1) != BV_OK)
        return; /* b->oom is set */
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* ------------------------------------------------------------ cursor */

int bv_cur_u16le(bv_cur *c, uint16_t *v)
{
    if (c->left < 2)
        return BV_E_TRUNCATED;
    *v = bv_rd16(c->p);
    c->p += 2;
    c->left -= 2;
    return BV_OK;
}

int bv_cur_u32le(bv_cur *c, uint32_t *v)
{
    if (c->left < 4)
        return BV_E_TRUNCATED;
    *v = bv_rd32(c->p);
    c->p += 4;
    c->left -= 4;
    return BV_OK;
}

int bv_cur_u64le(bv_cur *c, uint64_t *v)
{
    if (c->left < 8)
        return BV_E_TRUNCATED;
    *v = bv_rd64(c->p);
    c->p += 8;
    c->left -= 8;
    return BV_OK;
}

int bv_cur_varint_slow(bv_cur *c, uint64_t *v)
{
    const uint8_t *p = c->p;
    if (c->left >= 8) {
        /* word at a time: the first byte without its top bit ends the varint */
        uint64_t w = bv_rd64(p), stop = ~w & 0x8080808080808080ull;
        if (stop) {
            unsigned n = (unsigned)__builtin_ctzll(stop) / 8 + 1; /* bytes, 1..8 */
            if (n > 1 && p[n - 1] == 0)
                return BV_E_CORRUPT; /* non-canonical */
            uint64_t x = (n == 8 ? w : w & ((1ull << (8 * n)) - 1)) & 0x7f7f7f7f7f7f7f7full;
            x = ((x & 0x7f007f007f007f00ull) >> 1) | (x & 0x007f007f007f007full);
            x = ((x & 0x3fff00003fff0000ull) >> 2) | (x & 0x00003fff00003fffull);
            x = ((x & 0x0fffffff00000000ull) >> 4) | (x & 0x000000000fffffffull);
            c->p += n;
            c->left -= n;
            *v = x;
            return BV_OK;
        }
    }
    size_t lim = c->left < 10 ? c->left : 10;
    uint64_t r = 0;
    for (size_t i = 0; i < lim; i++) {
        uint8_t byte = p[i];
        r |= (uint64_t)(byte & 0x7f) << (7 * i);
        if (byte < 0x80) {
            if (i == 9 && byte > 1)
                return BV_E_CORRUPT; /* more than 64 bits */
            if (byte == 0 && i > 0)
                return BV_E_CORRUPT; /* non-canonical */
            c->p += i + 1;
            c->left -= i + 1;
            *v = r;
            return BV_OK;
        }
    }
    return lim < 10 ? BV_E_TRUNCATED : BV_E_CORRUPT; /* ran out, or a 10th byte with more to come */
}

int bv_cur_varint32(bv_cur *c, uint32_t *v)
{
    bv_cur save = *c;
    uint64_t t;
    int rc = bv_cur_varint(c, &t);
    if (rc != BV_OK)
        return rc;
    if (t > UINT32_MAX) {
        *c = save;
        return BV_E_CORRUPT;
    }
    *v = (uint32_t)t;
    return BV_OK;
}

int bv_cur_svarint(bv_cur *c, int64_t *v)
{
    uint64_t u;
    int rc = bv_cur_varint(c, &u);
    if (rc != BV_OK)
        return rc;
    *v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
    return BV_OK;
}

int bv_cur_str(bv_cur *c, size_t max, const uint8_t **p, size_t *n)
{
    bv_cur save = *c;
    uint64_t len;
    int rc = bv_cur_varint(c, &len);
    if (rc != BV_OK)
        return rc;
    if (len > max) {
        *c = save;
        return BV_E_CORRUPT;
    }
    if (c->left < len) {
        *c = save;
        return BV_E_TRUNCATED;
    }
    *p = c->p;
    *n = (size_t)len;
    c->p += len;
    c->left -= (size_t)len;
    return BV_OK;
}

int bv_cur_skip(bv_cur *c, size_t n)
{
    if (c->left < n)
        return BV_E_TRUNCATED;
    c->p += n;
    c->left -= n;
    return BV_OK;
}

uint64_t bv_xxh64(const void *p, size_t n)
{
    return XXH64(p, n, 0);
}

int bv_seterr(char *err, size_t errlen, int code, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

const char *bv_strerror(int code)
{
    switch (code) {
    case BV_OK: return "success";
    case BV_E_INVAL: return "invalid argument";
    case BV_E_NOMEM: return "out of memory";
    case BV_E_IO: return "input/output error";
    case BV_E_NOSPC: return "no space left on device";
    case BV_E_CORRUPT: return "corrupt data";
    case BV_E_TRUNCATED: return "truncated data";
    case BV_E_VERSION: return "unsupported format version";
    case BV_E_FOREIGN: return "not a binvault file";
    case BV_E_LOCKED: return "archive locked by another writer";
    case BV_E_NOTFOUND: return "not found";
    case BV_E_STATE: return "not allowed in this state";
    case BV_E_RANGE: return "value out of range";
    case BV_E_DECODE: return "cannot decode input";
    default: return "unknown error";
    }
}
