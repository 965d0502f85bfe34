/* Unit tests for format/bytes.[ch]: the bounds-checked cursor, varints,
 * the growable buffer and the XXH64 checksum. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "harness.h"

/* The cursor is unchanged: same pointer, same remaining length. */
static int cur_at(const bv_cur *c, const uint8_t *p, size_t left)
{
    return c->p == p && c->left == left;
}

/* ------------------------------------------------------------ fixed width */

static void test_fixed(void)
{
    static const uint8_t d[8] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x88};
    bv_cur c;
    uint8_t u8 = 0;
    uint16_t u16 = 0;
    uint32_t u32 = 0;
    uint64_t u64 = 0;

    /* exact length */
    c = bv_cur_make(d, 1);
    T_EQ_INT(bv_cur_u8(&c, &u8), BV_OK, "u8 at exact length");
    T_EQ_U64(u8, 0x01, "u8 value");
    T_OK(cur_at(&c, d + 1, 0), "u8 advanced by 1");
    c = bv_cur_make(d, 2);
    T_EQ_INT(bv_cur_u16le(&c, &u16), BV_OK, "u16le at exact length");
    T_EQ_U64(u16, 0x0201, "u16le is little-endian");
    T_OK(cur_at(&c, d + 2, 0), "u16le advanced by 2");
    c = bv_cur_make(d, 4);
    T_EQ_INT(bv_cur_u32le(&c, &u32), BV_OK, "u32le at exact length");
    T_EQ_U64(u32, 0x04030201, "u32le is little-endian");
    T_OK(cur_at(&c, d + 4, 0), "u32le advanced by 4");
    c = bv_cur_make(d, 8);
    T_EQ_INT(bv_cur_u64le(&c, &u64), BV_OK, "u64le at exact length");
    T_EQ_U64(u64, 0x8807060504030201ull, "u64le is little-endian (high bit set)");
    T_OK(cur_at(&c, d + 8, 0), "u64le advanced by 8");

    /* one byte short */
    u8 = 0xaa;
    c = bv_cur_make(d, 0);
    T_EQ_INT(bv_cur_u8(&c, &u8), BV_E_TRUNCATED, "u8 on empty cursor");
    T_OK(cur_at(&c, d, 0), "u8 failure leaves cursor unchanged");
    T_EQ_U64(u8, 0xaa, "u8 failure does not write output");
    c = bv_cur_make(d, 1);
    T_EQ_INT(bv_cur_u16le(&c, &u16), BV_E_TRUNCATED, "u16le one byte short");
    T_OK(cur_at(&c, d, 1), "u16le failure leaves cursor unchanged");
    c = bv_cur_make(d, 3);
    T_EQ_INT(bv_cur_u32le(&c, &u32), BV_E_TRUNCATED, "u32le one byte short");
    T_OK(cur_at(&c, d, 3), "u32le failure leaves cursor unchanged");
    c = bv_cur_make(d, 7);
    T_EQ_INT(bv_cur_u64le(&c, &u64), BV_E_TRUNCATED, "u64le one byte short");
    T_OK(cur_at(&c, d, 7), "u64le failure leaves cursor unchanged");

    /* sequential reads */
    c = bv_cur_make(d, 8);
    T_OK(bv_cur_u8(&c, &u8) == BV_OK && bv_cur_u16le(&c, &u16) == BV_OK && bv_cur_u32le(&c, &u32) == BV_OK,
         "u8,u16,u32 in sequence");
    T_EQ_U64(u8, 0x01, "seq u8");
    T_EQ_U64(u16, 0x0302, "seq u16");
    T_EQ_U64(u32, 0x07060504, "seq u32");
    T_EQ_INT(bv_cur_u16le(&c, &u16), BV_E_TRUNCATED, "u16 with 1 byte left");
    T_OK(cur_at(&c, d + 7, 1), "cursor at byte 7 after failed u16");
    T_EQ_INT(bv_cur_u8(&c, &u8), BV_OK, "last u8");
    T_EQ_U64(u8, 0x88, "last u8 value");

    /* bytes / skip */
    const uint8_t *p = NULL;
    c = bv_cur_make(d, 8);
    T_EQ_INT(bv_cur_bytes(&c, 8, &p), BV_OK, "bytes at exact length");
    T_OK(p == d && cur_at(&c, d + 8, 0), "bytes points into input and advances");
    c = bv_cur_make(d, 8);
    p = NULL;
    T_EQ_INT(bv_cur_bytes(&c, 9, &p), BV_E_TRUNCATED, "bytes one short");
    T_OK(p == NULL && cur_at(&c, d, 8), "bytes failure: cursor unchanged, no output");
    T_EQ_INT(bv_cur_bytes(&c, SIZE_MAX, &p), BV_E_TRUNCATED, "bytes SIZE_MAX");
    T_OK(cur_at(&c, d, 8), "bytes SIZE_MAX: cursor unchanged");
    T_EQ_INT(bv_cur_bytes(&c, 0, &p), BV_OK, "bytes 0");
    T_OK(cur_at(&c, d, 8), "bytes 0 does not move");
    T_EQ_INT(bv_cur_skip(&c, 8), BV_OK, "skip exact");
    T_OK(cur_at(&c, d + 8, 0), "skip advanced");
    c = bv_cur_make(d, 5);
    T_EQ_INT(bv_cur_skip(&c, 6), BV_E_TRUNCATED, "skip one short");
    T_OK(cur_at(&c, d, 5), "skip failure: cursor unchanged");
    T_EQ_INT(bv_cur_skip(&c, SIZE_MAX), BV_E_TRUNCATED, "skip SIZE_MAX");
    T_OK(cur_at(&c, d, 5), "skip SIZE_MAX: cursor unchanged");
}

/* ------------------------------------------------------------ varints */

static void test_varint_roundtrip(void)
{
    static const struct {
        uint64_t v;
        size_t len;
        uint8_t enc[10];
    } cases[] = {
        {0, 1, {0x00}},
        {1, 1, {0x01}},
        {127, 1, {0x7f}},
        {128, 2, {0x80, 0x01}},
        {300, 2, {0xac, 0x02}},
        {16383, 2, {0xff, 0x7f}},
        {16384, 3, {0x80, 0x80, 0x01}},
        {UINT32_MAX, 5, {0xff, 0xff, 0xff, 0xff, 0x0f}},
        {1ull << 32, 5, {0x80, 0x80, 0x80, 0x80, 0x10}},
        {(1ull << 63) - 1, 9, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}},
        {1ull << 63, 10, {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}},
        {UINT64_MAX, 10, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bv_buf b;
        bv_buf_init(&b);
        bv_buf_put_varint(&b, cases[i].v);
        T_EQ_INT(bv_buf_status(&b), BV_OK, "put_varint status");
        T_EQ_U64(b.len, cases[i].len, "varint encoded length");
        T_OK(b.len == cases[i].len && memcmp(b.data, cases[i].enc, b.len) == 0, "varint %llu exact bytes",
             (unsigned long long)cases[i].v);

        bv_cur c = bv_cur_make(b.data, b.len);
        uint64_t v = 12345;
        T_EQ_INT(bv_cur_varint(&c, &v), BV_OK, "varint decodes");
        T_EQ_U64(v, cases[i].v, "varint value round trip");
        T_EQ_U64(c.left, 0, "varint consumed every byte");

        /* every truncation */
        for (size_t n = 0; n < b.len; n++) {
            c = bv_cur_make(b.data, n);
            v = 777;
            int rc = bv_cur_varint(&c, &v);
            if (!T_OK(rc == BV_E_TRUNCATED && cur_at(&c, b.data, n) && v == 777,
                      "varint %llu truncated to %zu bytes: TRUNCATED, cursor unchanged",
                      (unsigned long long)cases[i].v, n))
                t_note("  rc %d", rc);
        }

        /* varint32 */
        uint32_t v32 = 99;
        c = bv_cur_make(b.data, b.len);
        {
            int rc = bv_cur_varint32(&c, &v32);
            if (cases[i].v <= UINT32_MAX) {
                T_EQ_INT(rc, BV_OK, "varint32 accepts value <= UINT32_MAX");
                T_EQ_U64(v32, cases[i].v, "varint32 value");
                T_EQ_U64(c.left, 0, "varint32 consumed");
            } else {
                T_EQ_INT(rc, BV_E_CORRUPT, "varint32 rejects value > UINT32_MAX");
                T_OK(cur_at(&c, b.data, b.len), "varint32 rejection leaves cursor unchanged");
                T_EQ_U64(v32, 99, "varint32 rejection does not write output");
            }
        }
        bv_buf_release(&b);
    }
}

static void test_varint_bad(void)
{
    static const struct {
        const char *what;
        size_t len;
        uint8_t enc[12];
        int rc;
    } cases[] = {
        {"0x80 0x00 (non-canonical zero)", 2, {0x80, 0x00}, BV_E_CORRUPT},
        {"0x81 0x00 (non-canonical 1)", 2, {0x81, 0x00}, BV_E_CORRUPT},
        {"0xff 0x80 0x00 (non-canonical)", 3, {0xff, 0x80, 0x00}, BV_E_CORRUPT},
        {"10-byte non-canonical zero", 10, {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, BV_E_CORRUPT},
        {"10-byte with 10th byte 0x02 (65 bits)", 10, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02},
         BV_E_CORRUPT},
        {"10-byte with 10th byte 0x7f (overflow)", 10, {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f},
         BV_E_CORRUPT},
        {"11-byte varint", 11, {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, BV_E_CORRUPT},
        {"11-byte varint of 0xff", 11, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00},
         BV_E_CORRUPT},
        {"12 continuation bytes", 12, {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80},
         BV_E_CORRUPT},
        {"lone continuation byte", 1, {0x80}, BV_E_TRUNCATED},
        {"9 continuation bytes", 9, {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80}, BV_E_TRUNCATED},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bv_cur c = bv_cur_make(cases[i].enc, cases[i].len);
        uint64_t v = 4242;
        int rc = bv_cur_varint(&c, &v);
        if (!T_OK(rc == cases[i].rc, "varint %s rejected with %d", cases[i].what, cases[i].rc))
            t_note("  got rc %d value %llu", rc, (unsigned long long)v);
        T_OK(cur_at(&c, cases[i].enc, cases[i].len) && v == 4242, "varint %s: cursor and output unchanged",
             cases[i].what);
        /* the same through svarint and varint32 */
        int64_t sv = 5;
        c = bv_cur_make(cases[i].enc, cases[i].len);
        T_OK(bv_cur_svarint(&c, &sv) == cases[i].rc && cur_at(&c, cases[i].enc, cases[i].len) && sv == 5,
             "svarint %s rejected, cursor unchanged", cases[i].what);
        uint32_t v32 = 6;
        c = bv_cur_make(cases[i].enc, cases[i].len);
        T_OK(bv_cur_varint32(&c, &v32) == cases[i].rc && cur_at(&c, cases[i].enc, cases[i].len) && v32 == 6,
             "varint32 %s rejected, cursor unchanged", cases[i].what);
    }

    /* With 8 or more bytes left the decoder reads a word at a time: the same
     * values and the same refusals when more bytes follow the varint. */
    {
        static const struct {
            size_t len;
            uint8_t enc[8];
            int rc;
            uint64_t v;
        } w[] = {
            {3, {0x80, 0x80, 0x01}, BV_OK, 16384},
            {5, {0xff, 0xff, 0xff, 0xff, 0x0f}, BV_OK, UINT32_MAX},
            {8, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, BV_OK, (1ull << 56) - 1},
            {8, {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, BV_OK, 1ull << 49},
            {3, {0xff, 0x80, 0x00}, BV_E_CORRUPT, 0},
            {8, {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, BV_E_CORRUPT, 0},
        };
        for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
            uint8_t buf[16];
            memset(buf, 0x01, sizeof(buf));
            memcpy(buf, w[i].enc, w[i].len);
            bv_cur wc = bv_cur_make(buf, sizeof(buf));
            uint64_t wv = 4242;
            int rc = bv_cur_varint(&wc, &wv);
            if (w[i].rc == BV_OK)
                T_OK(rc == BV_OK && wv == w[i].v && wc.left == sizeof(buf) - w[i].len,
                     "%zu-byte varint with bytes after it: value %llu, exactly %zu bytes consumed", w[i].len,
                     (unsigned long long)w[i].v, w[i].len);
            else
                T_OK(rc == w[i].rc && wc.left == sizeof(buf) && wv == 4242,
                     "non-canonical %zu-byte varint with bytes after it: CORRUPT, cursor and output unchanged",
                     w[i].len);
        }
    }

    /* A varint followed by more bytes only consumes its own bytes. */
    static const uint8_t two[] = {0xac, 0x02, 0x05};
    bv_cur c = bv_cur_make(two, sizeof(two));
    uint64_t v;
    T_EQ_INT(bv_cur_varint(&c, &v), BV_OK, "varint then more");
    T_EQ_U64(v, 300, "varint 300");
    T_OK(cur_at(&c, two + 2, 1), "varint consumed exactly 2 bytes");

    /* varint32 boundaries */
    static const uint8_t v32max[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
    static const uint8_t v32over[] = {0x80, 0x80, 0x80, 0x80, 0x10};
    uint32_t u32 = 0;
    c = bv_cur_make(v32max, sizeof(v32max));
    T_EQ_INT(bv_cur_varint32(&c, &u32), BV_OK, "varint32 UINT32_MAX");
    T_EQ_U64(u32, UINT32_MAX, "varint32 UINT32_MAX value");
    c = bv_cur_make(v32over, sizeof(v32over));
    u32 = 1;
    T_EQ_INT(bv_cur_varint32(&c, &u32), BV_E_CORRUPT, "varint32 2^32 rejected");
    T_OK(cur_at(&c, v32over, sizeof(v32over)) && u32 == 1, "varint32 2^32: cursor and output unchanged");
}

static void test_svarint(void)
{
    static const struct {
        int64_t v;
        size_t len;
        uint8_t enc[10];
    } cases[] = {
        {0, 1, {0x00}},
        {-1, 1, {0x01}},
        {1, 1, {0x02}},
        {-2, 1, {0x03}},
        {63, 1, {0x7e}},
        {-64, 1, {0x7f}},
        {64, 2, {0x80, 0x01}},
        {INT64_MAX, 10, {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
        {INT64_MIN, 10, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
        {INT64_MIN + 1, 10, {0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bv_buf b;
        bv_buf_init(&b);
        bv_buf_put_svarint(&b, cases[i].v);
        T_OK(b.len == cases[i].len && memcmp(b.data, cases[i].enc, b.len) == 0, "svarint %lld exact zigzag bytes",
             (long long)cases[i].v);
        bv_cur c = bv_cur_make(b.data, b.len);
        int64_t v = 99;
        T_EQ_INT(bv_cur_svarint(&c, &v), BV_OK, "svarint decodes");
        T_OK(v == cases[i].v, "svarint %lld round trip", (long long)cases[i].v);
        T_EQ_U64(c.left, 0, "svarint consumed");
        for (size_t n = 0; n < b.len; n++) {
            c = bv_cur_make(b.data, n);
            v = 99;
            T_OK(bv_cur_svarint(&c, &v) == BV_E_TRUNCATED && cur_at(&c, b.data, n) && v == 99,
                 "svarint %lld truncated at %zu: TRUNCATED, cursor unchanged", (long long)cases[i].v, n);
        }
        bv_buf_release(&b);
    }
}

/* ------------------------------------------------------------ str */

static void test_str(void)
{
    bv_buf b;
    bv_buf_init(&b);
    bv_buf_put_str(&b, "hello", 5);
    static const uint8_t want[] = {0x05, 'h', 'e', 'l', 'l', 'o'};
    T_OK(b.len == sizeof(want) && memcmp(b.data, want, sizeof(want)) == 0, "put_str: varint length + bytes");

    const uint8_t *p = NULL;
    size_t n = 0;
    bv_cur c = bv_cur_make(b.data, b.len);
    T_EQ_INT(bv_cur_str(&c, 5, &p, &n), BV_OK, "str with max == length");
    T_OK(n == 5 && p == b.data + 1 && memcmp(p, "hello", 5) == 0, "str points at the bytes");
    T_OK(cur_at(&c, b.data + 6, 0), "str consumed 6 bytes");

    c = bv_cur_make(b.data, b.len);
    p = NULL;
    n = 77;
    T_EQ_INT(bv_cur_str(&c, 4, &p, &n), BV_E_CORRUPT, "str longer than max rejected");
    T_OK(cur_at(&c, b.data, b.len) && p == NULL && n == 77, "str over max: cursor and outputs unchanged");

    for (size_t k = 0; k < b.len; k++) {
        c = bv_cur_make(b.data, k);
        p = NULL;
        n = 77;
        T_OK(bv_cur_str(&c, 100, &p, &n) == BV_E_TRUNCATED && cur_at(&c, b.data, k) && p == NULL && n == 77,
             "str truncated at %zu: TRUNCATED, cursor unchanged", k);
    }

    /* empty string */
    bv_buf_reset(&b);
    bv_buf_put_str(&b, NULL, 0);
    T_OK(b.len == 1 && b.data[0] == 0, "put_str of empty = single 0 byte");
    c = bv_cur_make(b.data, b.len);
    T_EQ_INT(bv_cur_str(&c, 0, &p, &n), BV_OK, "empty str with max 0");
    T_EQ_U64(n, 0, "empty str length");
    T_EQ_U64(c.left, 0, "empty str consumed");

    /* huge length prefix: truncated, not a wild read */
    static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 'x'};
    c = bv_cur_make(huge, sizeof(huge));
    T_EQ_INT(bv_cur_str(&c, SIZE_MAX, &p, &n), BV_E_TRUNCATED, "str with length UINT64_MAX: TRUNCATED");
    T_OK(cur_at(&c, huge, sizeof(huge)), "str with huge length: cursor unchanged");
    c = bv_cur_make(huge, sizeof(huge));
    T_EQ_INT(bv_cur_str(&c, 1000, &p, &n), BV_E_CORRUPT, "str with length UINT64_MAX over max: CORRUPT");
    T_OK(cur_at(&c, huge, sizeof(huge)), "str over max: cursor unchanged");

    /* bad length varint */
    static const uint8_t badlen[] = {0x80, 0x00, 'a'};
    c = bv_cur_make(badlen, sizeof(badlen));
    T_EQ_INT(bv_cur_str(&c, 100, &p, &n), BV_E_CORRUPT, "str with non-canonical length varint");
    T_OK(cur_at(&c, badlen, sizeof(badlen)), "str bad length: cursor unchanged");

    /* 200-byte string: 2-byte length */
    uint8_t big[200];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)i;
    bv_buf_reset(&b);
    bv_buf_put_str(&b, big, sizeof(big));
    T_OK(b.len == 202 && b.data[0] == 0xc8 && b.data[1] == 0x01 && memcmp(b.data + 2, big, 200) == 0,
         "put_str 200 bytes: c8 01 + data");
    c = bv_cur_make(b.data, b.len);
    T_OK(bv_cur_str(&c, 200, &p, &n) == BV_OK && n == 200 && memcmp(p, big, 200) == 0, "str 200 round trip");
    c = bv_cur_make(b.data, b.len - 1);
    T_OK(bv_cur_str(&c, 200, &p, &n) == BV_E_TRUNCATED && cur_at(&c, b.data, b.len - 1),
         "str 200 one byte short");
    bv_buf_release(&b);
}

/* ------------------------------------------------------------ buffer */

static void test_buf(void)
{
    bv_buf b;
    bv_buf_init(&b);
    T_OK(b.data == NULL && b.len == 0 && b.cap == 0 && b.oom == 0, "init: empty");
    T_EQ_INT(bv_buf_status(&b), BV_OK, "init: status ok");

    bv_buf_put_u8(&b, 0xab);
    bv_buf_put_u16le(&b, 0x1234);
    bv_buf_put_u32le(&b, 0xdeadbeef);
    bv_buf_put_u64le(&b, 0x0102030405060708ull);
    static const uint8_t want[] = {0xab, 0x34, 0x12, 0xef, 0xbe, 0xad, 0xde, 0x08,
                                   0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01};
    T_EQ_U64(b.len, sizeof(want), "put_u8/16/32/64 length 15");
    T_OK(b.len == sizeof(want) && memcmp(b.data, want, sizeof(want)) == 0, "put_* exact little-endian bytes");
    T_OK(b.cap >= b.len, "cap >= len");

    /* growth: 100000 bytes through many small puts */
    bv_buf_reset(&b);
    T_EQ_U64(b.len, 0, "reset: len 0");
    for (uint32_t i = 0; i < 25000; i++)
        bv_buf_put_u32le(&b, i * 2654435761u);
    T_EQ_INT(bv_buf_status(&b), BV_OK, "growth: no oom");
    T_EQ_U64(b.len, 100000, "growth: 100000 bytes");
    T_OK(b.cap >= 100000, "growth: cap >= 100000");
    int ok = 1;
    for (uint32_t i = 0; i < 25000 && ok; i++)
        ok = bv_rd32(b.data + 4 * i) == i * 2654435761u;
    T_OK(ok, "growth: every u32 preserved across reallocations");

    /* one big put */
    size_t big = 3u << 20;
    uint8_t *src = malloc(big);
    T_OK(src != NULL, "malloc");
    if (src) {
        for (size_t i = 0; i < big; i++)
            src[i] = (uint8_t)(i * 31 + 7);
        bv_buf_reset(&b);
        bv_buf_put(&b, src, big);
        T_OK(b.len == big && memcmp(b.data, src, big) == 0, "put 3 MiB at once");
        free(src);
    }

    /* reserve */
    bv_buf_release(&b);
    T_OK(b.data == NULL && b.len == 0 && b.cap == 0, "release: empty again");
    T_EQ_INT(bv_buf_reserve(&b, 1000), BV_OK, "reserve 1000");
    T_OK(b.cap >= 1000 && b.len == 0, "reserve: cap >= 1000, len unchanged");
    uint8_t *before = b.data;
    size_t cap = b.cap;
    T_EQ_INT(bv_buf_reserve(&b, cap), BV_OK, "reserve within capacity");
    T_OK(b.data == before && b.cap == cap, "reserve within capacity does not reallocate");
    T_EQ_INT(bv_buf_reserve(&b, SIZE_MAX), BV_E_NOMEM, "reserve SIZE_MAX fails");
    T_EQ_INT(bv_buf_status(&b), BV_E_NOMEM, "status sticky NOMEM");
    bv_buf_put_u8(&b, 1);
    T_EQ_U64(b.len, 0, "put after oom is a no-op");
    bv_buf_reset(&b);
    T_EQ_INT(bv_buf_status(&b), BV_OK, "reset clears oom");
    bv_buf_put_u8(&b, 9);
    T_OK(b.len == 1 && b.data[0] == 9, "put after reset works");
    bv_buf_put(&b, NULL, 0);
    T_EQ_U64(b.len, 1, "put of 0 bytes is a no-op");
    bv_buf_release(&b);

    /* fixed-width helpers */
    uint8_t t[8];
    bv_wr16(t, 0xbeef);
    T_OK(t[0] == 0xef && t[1] == 0xbe && bv_rd16(t) == 0xbeef, "wr16/rd16");
    bv_wr32(t, 0x80000001u);
    T_OK(t[0] == 0x01 && t[3] == 0x80 && bv_rd32(t) == 0x80000001u, "wr32/rd32");
    bv_wr64(t, 0xf1e2d3c4b5a69788ull);
    T_OK(t[0] == 0x88 && t[7] == 0xf1 && bv_rd64(t) == 0xf1e2d3c4b5a69788ull, "wr64/rd64");
}

/* ------------------------------------------------------------ xxh64 */

static void test_xxh64(void)
{
    /* Expected values computed with `xxhsum -H1` (xxhsum 0.8.1), seed 0. */
    T_EQ_U64(bv_xxh64("", 0), 0xef46db3751d8e999ull, "XXH64('') seed 0");
    T_EQ_U64(bv_xxh64(NULL, 0), 0xef46db3751d8e999ull, "XXH64(NULL, 0) seed 0");
    T_EQ_U64(bv_xxh64("a", 1), 0xd24ec4f1a98c6e5bull, "XXH64('a')");
    T_EQ_U64(bv_xxh64("abc", 3), 0x44bc2cf5ad770999ull, "XXH64('abc')");
    const char *fox = "The quick brown fox jumps over the lazy dog";
    T_EQ_U64(bv_xxh64(fox, strlen(fox)), 0x0b242d361fda71bcull, "XXH64(quick brown fox, 43 bytes)");
    uint8_t all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    T_EQ_U64(bv_xxh64(all, sizeof(all)), 0x1facbe8406cd904bull, "XXH64(bytes 0..255)");
    T_OK(bv_xxh64("abd", 3) != bv_xxh64("abc", 3), "XXH64 differs for one changed byte");
}

static void test_strerror(void)
{
    T_EQ_STR(bv_strerror(BV_OK), "success", "strerror(OK)");
    T_EQ_STR(bv_strerror(BV_E_CORRUPT), "corrupt data", "strerror(CORRUPT)");
    T_EQ_STR(bv_strerror(BV_E_TRUNCATED), "truncated data", "strerror(TRUNCATED)");
    T_EQ_STR(bv_strerror(12345), "unknown error", "strerror(unknown)");
    char msg[8];
    T_EQ_INT(bv_seterr(msg, sizeof(msg), BV_E_IO, "abc%d", 123456), BV_E_IO, "seterr returns the code");
    T_EQ_STR(msg, "abc1234", "seterr truncates to the buffer");
    T_EQ_INT(bv_seterr(NULL, 0, BV_E_RANGE, "x"), BV_E_RANGE, "seterr with NULL buffer");
}

static void test_printf(void)
{
    bv_buf b;
    char big[1001];
    bv_buf_init(&b);
    bv_buf_puts(&b, "x=");
    bv_buf_printf(&b, "%d,", 42);
    memset(big, 'a', 1000);
    big[1000] = 0;
    bv_buf_printf(&b, "%s|%u", big, 7u); /* longer than the stack buffer */
    T_OK(!b.oom && b.len == 2 + 3 + 1000 + 2 && memcmp(b.data, "x=42,a", 6) == 0 &&
             memcmp(b.data + b.len - 3, "a|7", 3) == 0,
         "bv_buf_puts / bv_buf_printf append exactly, of any length (%zu bytes)", b.len);
    bv_buf_release(&b);
}

/* bv_u64_text against snprintf: every power of ten and its neighbours, and a
 * pseudo-random sample; bv_buf_put_dec appends the same text. */
static void test_dec(void)
{
    int bad = 0, n = 0;
    uint64_t x = 0x9e3779b97f4a7c15ull, p = 1;
    for (int i = 0; i < 2000; i++) {
        uint64_t v;
        if (i < 60) {
            v = p + (uint64_t)(i % 3) - 1; /* p-1, p, p+1 */
            if (i % 3 == 2)
                p = p > UINT64_MAX / 10 ? UINT64_MAX : p * 10;
        } else {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            v = x >> (x % 64);
        }
        char t[20], want[24];
        size_t len = bv_u64_text(t, v);
        int wl = snprintf(want, sizeof(want), "%llu", (unsigned long long)v);
        n++;
        if (len != (size_t)wl || memcmp(t, want, len) != 0) {
            if (bad++ < 3)
                T_OK(0, "bv_u64_text(%s) gave %.*s", want, (int)len, t);
        }
    }
    T_OK(bad == 0, "%d of %d bv_u64_text results equal snprintf's", n - bad, n);
    bv_buf b;
    bv_buf_init(&b);
    bv_buf_put_dec(&b, 0);
    bv_buf_put_u8(&b, ',');
    bv_buf_put_dec(&b, UINT64_MAX);
    T_OK(b.len == 22 && memcmp(b.data, "0,18446744073709551615", 22) == 0, "bv_buf_put_dec appends 0 and UINT64_MAX");
    bv_buf_release(&b);
}

int main(void)
{
    test_dec();
    test_printf();
    test_fixed();
    test_varint_roundtrip();
    test_varint_bad();
    test_svarint();
    test_str();
    test_buf();
    test_xxh64();
    test_strerror();
    return t_done();
}
