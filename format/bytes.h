/* Byte buffers and the bounds-checked cursor used by every parser in
 * format/. Internal to the library (not installed).
 *
 * Cursor rule: every read checks the remaining length with unsigned
 * arithmetic first and advances only on success; a failed read leaves the
 * cursor where it was and returns a negative bv_err.
 */
#ifndef BV_BYTES_H
#define BV_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "binvault/error.h"

/* ------------------------------------------------------------ growable buffer */

typedef struct bv_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    int oom; /* sticky: set when a growth failed; every later put is a no-op */
} bv_buf;

void bv_buf_init(bv_buf *b);
void bv_buf_release(bv_buf *b);
static inline void bv_buf_reset(bv_buf *b) { b->len = 0; b->oom = 0; }
int bv_buf_grow(bv_buf *b, size_t extra); /* slow path of bv_buf_reserve */
static inline int bv_buf_reserve(bv_buf *b, size_t extra)
{
    if (!b->oom && extra <= b->cap - b->len)
        return BV_OK;
    return bv_buf_grow(b, extra);
}
static inline void bv_buf_put(bv_buf *b, const void *p, size_t n)
{
    if (n == 0 || bv_buf_reserve(b, n) != BV_OK)
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}
static inline void bv_buf_put_u8(bv_buf *b, uint8_t v)
{
    if (bv_buf_reserve(b, 1) != BV_OK)
        return;
    b->data[b->len++] = v;
}
void bv_buf_put_u16le(bv_buf *b, uint16_t v);
void bv_buf_put_u32le(bv_buf *b, uint32_t v);
void bv_buf_put_u64le(bv_buf *b, uint64_t v);
/* v as a varint at p, which has room for 10 bytes; returns the end. */
static inline uint8_t *bv_put_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}
static inline void bv_buf_put_varint(bv_buf *b, uint64_t v)
{
    if (bv_buf_reserve(b, 10) != BV_OK)
        return;
    b->len = (size_t)(bv_put_varint(b->data + b->len, v) - b->data);
}
void bv_buf_put_svarint(bv_buf *b, int64_t v); /* zigzag */
void bv_buf_put_str(bv_buf *b, const void *p, size_t n); /* varint length + bytes */
/* Text helpers for renderers (JSON, logs): a C string, or printf output of
 * any length, appended without a terminating NUL. */
static inline void bv_buf_puts(bv_buf *b, const char *s) { bv_buf_put(b, s, strlen(s)); }
extern const char bv_digit_pairs[201];  /* "00" "01" ... "99" */
extern const uint64_t bv_pow10_u64[20];  /* 10^0 .. 10^19 */
/* v (< 10^nd) as exactly nd digits at d, zero-padded on the left (no NUL);
 * two digits at a time. */
static inline void bv_dec_fixed(char *d, uint64_t v, unsigned nd)
{
    while (nd >= 2) {
        nd -= 2;
        memcpy(d + nd, bv_digit_pairs + 2 * (v % 100), 2);
        v /= 100;
    }
    if (nd)
        d[0] = (char)('0' + v % 10);
}
/* v in decimal at t (no NUL, no printf); returns the length, 1..20. */
static inline size_t bv_u64_text(char t[20], uint64_t v)
{
    if (v < 10) {
        t[0] = (char)('0' + v);
        return 1;
    }
    /* digits = floor(log10(v)) + 1, from the bit length (1233 / 4096 ~ log10(2)) */
    unsigned lg = (unsigned)((64 - __builtin_clzll(v)) * 1233) >> 12;
    size_t len = lg + (v >= bv_pow10_u64[lg]);
    bv_dec_fixed(t, v, (unsigned)len);
    return len;
}
static inline void bv_buf_put_dec(bv_buf *b, uint64_t v)
{
    char t[20];
    bv_buf_put(b, t, bv_u64_text(t, v));
}
void bv_buf_printf(bv_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* BV_OK, or BV_E_NOMEM when any put since the last reset failed. */
static inline int bv_buf_status(const bv_buf *b) { return b->oom ? BV_E_NOMEM : BV_OK; }

/* ------------------------------------------------------------ cursor */

typedef struct bv_cur {
    const uint8_t *p;
    size_t left;
} bv_cur;

static inline bv_cur bv_cur_make(const void *p, size_t n)
{
    bv_cur c;
    c.p = (const uint8_t *)p;
    c.left = n;
    return c;
}

static inline int bv_cur_u8(bv_cur *c, uint8_t *v)
{
    if (c->left < 1)
        return BV_E_TRUNCATED;
    *v = c->p[0];
    c->p += 1;
    c->left -= 1;
    return BV_OK;
}
int bv_cur_u16le(bv_cur *c, uint16_t *v);
int bv_cur_u32le(bv_cur *c, uint32_t *v);
int bv_cur_u64le(bv_cur *c, uint64_t *v);
/* LEB128-style unsigned varint, at most 10 bytes, no overflow, canonical
 * (no redundant trailing zero groups). */
int bv_cur_varint_slow(bv_cur *c, uint64_t *v);
static inline int bv_cur_varint(bv_cur *c, uint64_t *v)
{
    if (c->left && c->p[0] < 0x80) { /* one-byte fast path */
        *v = c->p[0];
        c->p += 1;
        c->left -= 1;
        return BV_OK;
    }
    if (c->left >= 2 && c->p[1] < 0x80 && c->p[1] != 0) { /* two bytes, canonical */
        *v = (uint64_t)(c->p[0] & 0x7f) | ((uint64_t)c->p[1] << 7);
        c->p += 2;
        c->left -= 2;
        return BV_OK;
    }
    return bv_cur_varint_slow(c, v);
}
int bv_cur_varint32(bv_cur *c, uint32_t *v); /* varint that must fit 32 bits */
int bv_cur_svarint(bv_cur *c, int64_t *v);
/* n raw bytes: *p points into the cursor's memory. */
static inline int bv_cur_bytes(bv_cur *c, size_t n, const uint8_t **p)
{
    if (c->left < n) {
        *p = NULL;
        return BV_E_TRUNCATED;
    }
    *p = c->p;
    c->p += n;
    c->left -= n;
    return BV_OK;
}
/* varint length (<= max) followed by that many bytes. */
int bv_cur_str(bv_cur *c, size_t max, const uint8_t **p, size_t *n);
int bv_cur_skip(bv_cur *c, size_t n);

/* ------------------------------------------------------------ fixed-width LE */

static inline uint16_t bv_rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t bv_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t bv_rd64(const uint8_t *p) { return (uint64_t)bv_rd32(p) | ((uint64_t)bv_rd32(p + 4) << 32); }
static inline void bv_wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void bv_wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline void bv_wr64(uint8_t *p, uint64_t v) { bv_wr32(p, (uint32_t)v); bv_wr32(p + 4, (uint32_t)(v >> 32)); }

/* XXH64 with seed 0: the format's only checksum. */
uint64_t bv_xxh64(const void *p, size_t n);

/* Write a formatted message into a caller-owned buffer (may be NULL/0) and
 * return code. */
int bv_seterr(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
