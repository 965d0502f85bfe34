/* Unit tests for blocks (build / parse / decompress / meta), the segment
 * header, footer and trailer codecs, and segment file names. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "harness.h"
#include "internal.h"

static bv_str S(const char *s)
{
    bv_str r;
    r.ptr = s;
    r.len = s ? strlen(s) : 0;
    return r;
}

static int bstr_eq(bv_str a, bv_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static ZSTD_CCtx *cctx;
static ZSTD_DCtx *dctx;

static bv_block_meta mk_meta(void)
{
    bv_block_meta m;
    memset(&m, 0, sizeof(m));
    m.flags = BV_BLK_HAS_SCHEMA | BV_BLK_ENDS_IN_TXN;
    m.events = 5;
    m.schemas = 1;
    m.first_index = 100;
    m.min_ts = 10;
    m.max_ts = 20;
    m.first_file = S("mysql-bin.000001");
    m.first_offset = 4;
    m.first_row = 0;
    m.last_file = S("mysql-bin.000002");
    m.last_offset = 500;
    m.last_row = 3;
    m.counts[BV_EV_BEGIN] = 1;
    m.counts[BV_EV_INSERT] = 3;
    m.counts[BV_EV_COMMIT] = 1;
    return m;
}

static int meta_eq(const bv_block_meta *a, const bv_block_meta *b)
{
    if (a->flags != b->flags || a->events != b->events || a->schemas != b->schemas ||
        a->first_index != b->first_index || a->min_ts != b->min_ts || a->max_ts != b->max_ts ||
        !bstr_eq(a->first_file, b->first_file) || a->first_offset != b->first_offset ||
        a->first_row != b->first_row || !bstr_eq(a->last_file, b->last_file) || a->last_offset != b->last_offset ||
        a->last_row != b->last_row)
        return 0;
    for (int t = 1; t <= BV_EV_TYPE_MAX; t++)
        if (a->counts[t] != b->counts[t])
            return 0;
    return 1;
}

static void fill_raw(uint8_t *raw, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        raw[i] = (uint8_t)((i % 7 == 0) ? (i * seed) >> 3 : 'a' + i % 5);
}

/* Level 0 is binvault's profile (fast strategy, 5-byte minimum matches),
 * not zstd's default level: on data whose only repeats are 5 bytes long
 * it finds matches that level 1 (6-byte minimum) cannot. Every level
 * round-trips, and the CCtx carries no parameter from one block to the
 * next (level 1 after level 0 gives level 1's bytes). */
static void test_block_levels(void)
{
    enum { N = 64 * 1024 };
    static uint8_t raw[N];
    uint32_t x = 12345;
    for (size_t i = 0; i < N; i += 6) { /* a 5-byte word from a dictionary of 64, then a random byte */
        x = x * 1103515245u + 12345u;
        for (size_t k = 0; k < 5 && i + k < N; k++)
            raw[i + k] = (uint8_t)('a' + ((x >> 16) % 64 + k * 7) % 26);
        x = x * 1103515245u + 12345u;
        if (i + 5 < N)
            raw[i + 5] = (uint8_t)(x >> 16);
    }
    bv_block_meta m = mk_meta(), got;
    size_t plen_at[20] = {0};
    uint8_t *first_l1 = NULL;
    size_t first_l1_len = 0;
    static const int levels[] = {1, 0, 3, 19, 1};
    for (size_t li = 0; li < sizeof(levels) / sizeof(levels[0]); li++) {
        int lv = levels[li];
        bv_buf blk, out;
        bv_buf_init(&blk);
        bv_buf_init(&out);
        T_OK(bv_block_build(&blk, &m, raw, N, lv, cctx) == BV_OK, "build at level %d", lv);
        const uint8_t *payload = NULL;
        uint32_t plen = 0, rlen = 0;
        T_OK(bv_block_parse(blk.data, blk.len, &got, &payload, &plen, &rlen, NULL, 0) == BV_OK, "parse level %d", lv);
        T_OK(bv_block_decompress(payload, plen, rlen, &out, dctx) == BV_OK, "decompress level %d", lv);
        T_OK(out.len == N && memcmp(out.data, raw, N) == 0, "level %d round-trips", lv);
        if (li == 0) {
            first_l1 = malloc(blk.len);
            if (first_l1)
                memcpy(first_l1, blk.data, blk.len);
            first_l1_len = blk.len;
        } else if (lv == 1) {
            T_OK(first_l1 && blk.len == first_l1_len && memcmp(blk.data, first_l1, blk.len) == 0,
                 "level 1 after levels 0, 3 and 19: the same bytes as the first level 1 block");
        }
        plen_at[lv] = plen;
        bv_buf_release(&blk);
        bv_buf_release(&out);
    }
    free(first_l1);
    T_OK(plen_at[0] * 10 < plen_at[1] * 9, "level 0 payload %zu bytes < 90%% of level 1's %zu (5-byte matches)",
         plen_at[0], plen_at[1]);
}

/* Recompute a block's trailing checksum in place. */
static void reseal_block(uint8_t *p, size_t n)
{
    bv_wr64(p + n - 8, bv_xxh64(p, n - 8));
}

/* ------------------------------------------------------------ blocks */

static void test_block_roundtrip(void)
{
    bv_block_meta m = mk_meta(), got;
    uint8_t raw[3000];
    fill_raw(raw, sizeof(raw), 13);
    bv_buf blk, out;
    bv_buf_init(&blk);
    bv_buf_init(&out);
    bv_buf_put(&blk, "prefix", 6); /* build appends */
    int rc = bv_block_build(&blk, &m, raw, sizeof(raw), 3, cctx);
    T_EQ_INT(rc, BV_OK, "block build");
    T_OK(memcmp(blk.data, "prefix", 6) == 0, "build appends after existing bytes");
    const uint8_t *b = blk.data + 6;
    size_t n = blk.len - 6;
    T_OK(memcmp(b, "BVBK", 4) == 0, "block magic BVBK");
    T_EQ_U64(b[4], BV_CODEC_ZSTD, "codec byte 1");
    T_EQ_U64(b[5], 0, "reserved byte 0");
    bv_buf menc;
    bv_buf_init(&menc);
    bv_block_meta_encode(&menc, &m);
    T_EQ_U64(bv_rd16(b + 6), menc.len, "meta_len = encoded meta length");
    T_OK(memcmp(b + BV_BLOCK_FIXED, menc.data, menc.len) == 0, "meta bytes follow the fixed header");
    T_EQ_U64(bv_rd32(b + 12), sizeof(raw), "raw_len field");
    T_EQ_U64(n, BV_BLOCK_FIXED + menc.len + bv_rd32(b + 8) + 8, "block = fixed + meta + payload + 8");
    T_OK(bv_rd32(b + 8) < sizeof(raw), "payload compressed");
    T_EQ_U64(bv_rd64(b + n - 8), bv_xxh64(b, n - 8), "checksum = XXH64 of everything before it");
    uint64_t len = 0;
    T_EQ_INT(bv_block_length(b, &len), BV_OK, "block_length");
    T_EQ_U64(len, n, "block_length from the fixed header");

    const uint8_t *payload = NULL;
    uint32_t plen = 0, rlen = 0;
    char err[200] = "";
    rc = bv_block_parse(b, n, &got, &payload, &plen, &rlen, err, sizeof(err));
    if (!T_OK(rc == BV_OK, "block parse OK (rc %d)", rc))
        t_note("  %s", err);
    T_OK(meta_eq(&m, &got), "parsed meta equals built meta");
    T_OK(got.first_file.ptr >= (const char *)b && got.first_file.ptr < (const char *)b + n,
         "meta strings point into the block");
    T_OK(payload == b + BV_BLOCK_FIXED + menc.len, "payload pointer");
    T_EQ_U64(plen, bv_rd32(b + 8), "payload_len");
    T_EQ_U64(rlen, sizeof(raw), "raw_len");
    rc = bv_block_decompress(payload, plen, rlen, &out, dctx);
    T_EQ_INT(rc, BV_OK, "decompress");
    T_OK(out.len == sizeof(raw) && memcmp(out.data, raw, sizeof(raw)) == 0, "decompressed payload equals raw");

    /* decompress errors */
    T_EQ_INT(bv_block_decompress(payload, plen, rlen + 1, &out, dctx), BV_E_CORRUPT, "decompress wrong raw_len");
    T_EQ_INT(bv_block_decompress(payload, plen, rlen - 1, &out, dctx), BV_E_CORRUPT, "decompress raw_len - 1");
    T_EQ_INT(bv_block_decompress(payload, plen - 1, rlen, &out, dctx), BV_E_CORRUPT, "decompress short payload");

    /* length mismatches */
    T_EQ_INT(bv_block_parse(b, n - 1, &got, &payload, &plen, &rlen, NULL, 0), BV_E_TRUNCATED, "parse n-1: TRUNCATED");
    T_EQ_INT(bv_block_parse(b, BV_BLOCK_FIXED + 7, &got, &payload, &plen, &rlen, NULL, 0), BV_E_TRUNCATED,
             "parse 23 bytes: TRUNCATED");
    T_EQ_INT(bv_block_parse(b, 0, &got, &payload, &plen, &rlen, NULL, 0), BV_E_TRUNCATED, "parse 0 bytes: TRUNCATED");
    bv_buf_put_u8(&blk, 0);
    b = blk.data + 6;
    T_EQ_INT(bv_block_parse(b, n + 1, &got, &payload, &plen, &rlen, NULL, 0), BV_E_TRUNCATED,
             "parse with one extra byte: length mismatch");

    /* empty raw payload with only a schema record count */
    bv_block_meta m0 = mk_meta();
    m0.events = 0;
    memset(m0.counts, 0, sizeof(m0.counts));
    m0.flags = BV_BLK_HAS_SCHEMA;
    bv_buf_reset(&blk);
    T_EQ_INT(bv_block_build(&blk, &m0, raw, 0, 1, cctx), BV_OK, "build with 0 raw bytes");
    rc = bv_block_parse(blk.data, blk.len, &got, &payload, &plen, &rlen, NULL, 0);
    T_EQ_INT(rc, BV_OK, "parse 0-raw block");
    T_OK(rc == BV_OK && meta_eq(&m0, &got) && rlen == 0, "0-raw block meta");
    if (rc == BV_OK) {
        T_EQ_INT(bv_block_decompress(payload, plen, rlen, &out, dctx), BV_OK, "decompress 0 bytes");
        T_EQ_U64(out.len, 0, "0 bytes out");
    }

    /* meta larger than 0xffff bytes: RANGE, nothing appended */
    {
        char *huge = malloc(70000);
        if (huge) {
            memset(huge, 'f', 70000);
            bv_block_meta mh = mk_meta();
            mh.first_file = (bv_str){huge, 70000};
            size_t before = blk.len;
            T_EQ_INT(bv_block_build(&blk, &mh, raw, 10, 1, cctx), BV_E_RANGE, "meta of 70000+ bytes: RANGE");
            T_EQ_U64(blk.len, before, "nothing appended on RANGE");
            free(huge);
        }
    }
    bv_buf_release(&menc);
    bv_buf_release(&blk);
    bv_buf_release(&out);
}

static void test_block_flips(void)
{
    bv_block_meta m = mk_meta(), got;
    uint8_t raw[64];
    fill_raw(raw, sizeof(raw), 7);
    bv_buf blk;
    bv_buf_init(&blk);
    T_EQ_INT(bv_block_build(&blk, &m, raw, sizeof(raw), 1, cctx), BV_OK, "build small block");
    size_t n = blk.len;
    uint8_t *copy = malloc(n);
    if (!copy)
        abort();
    static const uint8_t masks[] = {0x01, 0x80, 0xff};
    unsigned wrong = 0, accepted = 0;
    for (size_t mi = 0; mi < sizeof(masks); mi++) {
        for (size_t i = 0; i < n; i++) {
            memcpy(copy, blk.data, n);
            copy[i] ^= masks[mi];
            const uint8_t *payload;
            uint32_t plen, rlen;
            int rc = bv_block_parse(copy, n, &got, &payload, &plen, &rlen, NULL, 0);
            /* bytes 6..11 hold meta_len and payload_len: the block's length
             * no longer matches; elsewhere the magic or the checksum fails */
            int want = (i >= 6 && i < 12) ? BV_E_TRUNCATED : BV_E_CORRUPT;
            if (rc == BV_OK) {
                accepted++;
                t_note("  flip 0x%02x at byte %zu accepted", masks[mi], i);
            } else if (rc != want) {
                wrong++;
                t_note("  flip 0x%02x at byte %zu: rc %d, want %d", masks[mi], i, rc, want);
            }
        }
    }
    T_EQ_U64(accepted, 0, "no single flipped byte (3 masks x every position) is accepted");
    T_EQ_U64(wrong, 0, "each flip fails with CORRUPT (or TRUNCATED for the length fields)");
    T_OK(n > 40, "the small block has %zu bytes", n);
    free(copy);
    bv_buf_release(&blk);
}

/* Build a block from meta m and check that parse refuses it (checksum is
 * right, so the meta checks are what refuses it). */
static void expect_meta_reject(const char *what, const bv_block_meta *m)
{
    uint8_t raw[16] = {0};
    bv_buf blk;
    bv_buf_init(&blk);
    T_EQ_INT(bv_block_build(&blk, m, raw, sizeof(raw), 1, cctx), BV_OK, "build (no meta validation at build)");
    bv_block_meta got;
    const uint8_t *payload;
    uint32_t plen, rlen;
    int rc = bv_block_parse(blk.data, blk.len, &got, &payload, &plen, &rlen, NULL, 0);
    if (!T_OK(rc == BV_E_CORRUPT, "%s: block parse CORRUPT", what))
        t_note("  rc %d", rc);
    /* and directly through the meta decoder */
    bv_buf e;
    bv_buf_init(&e);
    bv_block_meta_encode(&e, m);
    bv_cur c = bv_cur_make(e.data, e.len);
    rc = bv_block_meta_decode(&c, &got);
    T_OK(rc == BV_E_CORRUPT, "%s: meta decode CORRUPT", what);
    bv_buf_release(&e);
    bv_buf_release(&blk);
}

static void test_block_meta(void)
{
    bv_block_meta m;

    m = mk_meta();
    m.counts[BV_EV_INSERT] = 4; /* sum 6, events 5 */
    expect_meta_reject("counts sum 6 != events 5", &m);
    m = mk_meta();
    m.events = 6;
    expect_meta_reject("events 6, counts sum 5", &m);
    m = mk_meta();
    m.flags |= 8;
    expect_meta_reject("unknown flag bit 8", &m);
    m = mk_meta();
    m.flags |= 1u << 31;
    expect_meta_reject("unknown flag bit 31", &m);
    m = mk_meta();
    m.min_ts = 21;
    expect_meta_reject("min_ts 21 > max_ts 20", &m);
    m = mk_meta();
    m.first_file = S("");
    expect_meta_reject("empty first_file", &m);
    m = mk_meta();
    m.last_file = S("");
    expect_meta_reject("empty last_file", &m);
    m = mk_meta();
    m.events = 0;
    m.schemas = 0;
    m.flags = 0;
    memset(m.counts, 0, sizeof(m.counts));
    expect_meta_reject("no events and no schemas", &m);
    m = mk_meta();
    m.schemas = 0;
    expect_meta_reject("HAS_SCHEMA flag with 0 schemas", &m);
    m = mk_meta();
    m.flags &= ~(uint32_t)BV_BLK_HAS_SCHEMA;
    expect_meta_reject("1 schema without HAS_SCHEMA", &m);

    /* valid corner: min_ts == max_ts, all flags */
    m = mk_meta();
    m.min_ts = m.max_ts = UINT64_MAX;
    m.flags = BV_BLK_FLAGS_KNOWN;
    bv_buf e;
    bv_buf_init(&e);
    bv_block_meta_encode(&e, &m);
    bv_cur c = bv_cur_make(e.data, e.len);
    bv_block_meta got;
    T_EQ_INT(bv_block_meta_decode(&c, &got), BV_OK, "meta with all known flags and min_ts == max_ts");
    T_OK(meta_eq(&m, &got) && c.left == 0, "meta round trip");
    /* every truncation of the meta fails and leaves the cursor */
    int all_fail = 1;
    for (size_t k = 0; k < e.len; k++) {
        uint8_t *copy = malloc(k ? k : 1);
        if (!copy)
            abort();
        memcpy(copy, e.data, k);
        c = bv_cur_make(copy, k);
        if (bv_block_meta_decode(&c, &got) >= 0)
            all_fail = 0;
        free(copy);
    }
    T_OK(all_fail, "every truncation of the meta (%zu bytes) is rejected", e.len);
    bv_buf_release(&e);

    /* codec and reserved byte, with a correct checksum: VERSION */
    uint8_t raw[32];
    fill_raw(raw, sizeof(raw), 3);
    m = mk_meta();
    bv_buf blk;
    bv_buf_init(&blk);
    bv_block_build(&blk, &m, raw, sizeof(raw), 1, cctx);
    const uint8_t *payload;
    uint32_t plen, rlen;
    blk.data[4] = 2;
    reseal_block(blk.data, blk.len);
    T_EQ_INT(bv_block_parse(blk.data, blk.len, &got, &payload, &plen, &rlen, NULL, 0), BV_E_VERSION,
             "codec 2 (checksum fixed): VERSION");
    blk.data[4] = BV_CODEC_ZSTD;
    blk.data[5] = 1;
    reseal_block(blk.data, blk.len);
    T_EQ_INT(bv_block_parse(blk.data, blk.len, &got, &payload, &plen, &rlen, NULL, 0), BV_E_VERSION,
             "reserved byte 1 (checksum fixed): VERSION");
    blk.data[5] = 0;
    reseal_block(blk.data, blk.len);
    T_EQ_INT(bv_block_parse(blk.data, blk.len, &got, &payload, &plen, &rlen, NULL, 0), BV_OK, "restored block parses");

    /* meta_len one larger than the meta (a stray byte inside the meta area) */
    {
        uint16_t ml = bv_rd16(blk.data + 6);
        bv_buf x;
        bv_buf_init(&x);
        bv_buf_put(&x, blk.data, BV_BLOCK_FIXED + ml);
        bv_buf_put_u8(&x, 0);
        bv_buf_put(&x, blk.data + BV_BLOCK_FIXED + ml, blk.len - BV_BLOCK_FIXED - ml);
        bv_wr16(x.data + 6, (uint16_t)(ml + 1));
        reseal_block(x.data, x.len);
        T_EQ_INT(bv_block_parse(x.data, x.len, &got, &payload, &plen, &rlen, NULL, 0), BV_E_CORRUPT,
                 "meta area with a trailing byte: CORRUPT");
        bv_buf_release(&x);
    }
    /* bad magic */
    blk.data[0] = 'X';
    reseal_block(blk.data, blk.len);
    T_EQ_INT(bv_block_parse(blk.data, blk.len, &got, &payload, &plen, &rlen, NULL, 0), BV_E_CORRUPT,
             "magic XVBK: CORRUPT");
    uint64_t len;
    T_EQ_INT(bv_block_length(blk.data, &len), BV_E_CORRUPT, "block_length with bad magic");
    bv_buf_release(&blk);
}

/* ------------------------------------------------------------ segment header */

static bv_seg_header mk_header(void)
{
    bv_seg_header h;
    memset(&h, 0, sizeof(h));
    h.version = 1;
    h.seq = 42;
    h.created_us = 1767225600000000ull;
    h.source.flavor = BV_GTID_MYSQL;
    h.source.server_id = 4000000000u;
    h.source.server_uuid = S("3e11fa47-71ca-11e1-9e33-c80aa9429562");
    h.source.server_version = S("8.4.3");
    h.start_file = S("mysql-bin.000007");
    h.start_offset = 123456789012ull;
    h.start_gtid = S("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-100");
    return h;
}

/* Rewrite the header checksum after editing bytes of the encoded header. */
static void reseal_header(uint8_t *p, size_t total)
{
    bv_wr64(p + total - 8, bv_xxh64(p, total - 8));
}

static void test_header(void)
{
    bv_seg_header h = mk_header(), g;
    bv_buf b;
    bv_buf_init(&b);
    bv_seg_header_encode(&b, &h);
    T_EQ_INT(bv_buf_status(&b), BV_OK, "header encode");
    T_OK(b.len > 24 && memcmp(b.data, "\x89" "BVSEG\r\n", 8) == 0, "header magic \\x89BVSEG\\r\\n");
    T_EQ_U64(bv_rd16(b.data + 8), 1, "version 1 at offset 8");
    T_EQ_U64(bv_rd16(b.data + 10), 0, "flags 0 at offset 10");
    T_EQ_U64(bv_rd32(b.data + 12), b.len - 24, "body length at offset 12");
    T_EQ_U64(bv_rd64(b.data + b.len - 8), bv_xxh64(b.data, b.len - 8), "checksum at the end");

    size_t hlen = 0;
    char err[200] = "";
    /* with trailing bytes after the header */
    bv_buf_put(&b, "BVBKxxxx", 8);
    int rc = bv_seg_header_parse(b.data, b.len, &g, &hlen, err, sizeof(err));
    if (!T_OK(rc == BV_OK, "header parse"))
        t_note("  rc %d: %s", rc, err);
    T_EQ_U64(hlen, b.len - 8, "hlen = header length (trailing bytes ignored)");
    T_EQ_U64(g.version, 1, "version");
    T_EQ_U64(g.seq, 42, "seq");
    T_EQ_U64(g.created_us, h.created_us, "created_us");
    T_EQ_U64(g.source.flavor, BV_GTID_MYSQL, "source flavor");
    T_EQ_U64(g.source.server_id, 4000000000u, "source server_id");
    T_OK(bstr_eq(g.source.server_uuid, h.source.server_uuid), "server_uuid");
    T_OK(bstr_eq(g.source.server_version, h.source.server_version), "server_version");
    T_OK(bstr_eq(g.start_file, h.start_file), "start_file");
    T_EQ_U64(g.start_offset, h.start_offset, "start_offset");
    T_OK(bstr_eq(g.start_gtid, h.start_gtid), "start_gtid");
    size_t total = hlen;
    b.len = total;

    /* MariaDB, empty strings where allowed */
    bv_seg_header h2 = mk_header();
    h2.source.flavor = BV_GTID_MARIADB;
    h2.source.server_uuid = S("");
    h2.start_gtid = S("");
    bv_buf b2;
    bv_buf_init(&b2);
    bv_seg_header_encode(&b2, &h2);
    rc = bv_seg_header_parse(b2.data, b2.len, &g, &hlen, NULL, 0);
    T_OK(rc == BV_OK && g.source.flavor == BV_GTID_MARIADB && g.source.server_uuid.len == 0 && g.start_gtid.len == 0 &&
             hlen == b2.len,
         "MariaDB header with empty uuid and gtid");

    /* every truncation: TRUNCATED */
    int all = 1;
    for (size_t k = 0; k < total; k++) {
        uint8_t *copy = malloc(k ? k : 1);
        if (!copy)
            abort();
        memcpy(copy, b.data, k);
        rc = bv_seg_header_parse(copy, k, &g, &hlen, NULL, 0);
        if (rc != BV_E_TRUNCATED) {
            all = 0;
            t_note("  prefix %zu: rc %d", k, rc);
        }
        free(copy);
    }
    T_OK(all, "every truncation of the header is TRUNCATED");

    uint8_t *p = malloc(total);
    if (!p)
        abort();
    /* wrong magic */
    memcpy(p, b.data, total);
    p[1] = 'X';
    T_EQ_INT(bv_seg_header_parse(p, total, &g, &hlen, NULL, 0), BV_E_FOREIGN, "wrong magic: FOREIGN");
    T_EQ_INT(bv_seg_header_parse(p, 12, &g, &hlen, NULL, 0), BV_E_FOREIGN, "wrong magic, 12 bytes: FOREIGN");
    memcpy(p, "PK\x03\x04 not a segment", 18);
    T_EQ_INT(bv_seg_header_parse(p, 18, &g, &hlen, NULL, 0), BV_E_FOREIGN, "zip file: FOREIGN");
    /* version 2 with a correct checksum */
    memcpy(p, b.data, total);
    bv_wr16(p + 8, 2);
    reseal_header(p, total);
    err[0] = 0;
    T_EQ_INT(bv_seg_header_parse(p, total, &g, &hlen, err, sizeof(err)), BV_E_VERSION, "version 2: VERSION");
    T_OK(err[0] != 0, "version error message");
    bv_wr16(p + 8, 0);
    reseal_header(p, total);
    T_EQ_INT(bv_seg_header_parse(p, total, &g, &hlen, NULL, 0), BV_E_VERSION, "version 0: VERSION");
    /* version 2 without fixing the checksum: the checksum is checked first */
    memcpy(p, b.data, total);
    bv_wr16(p + 8, 2);
    T_EQ_INT(bv_seg_header_parse(p, total, &g, &hlen, NULL, 0), BV_E_CORRUPT, "version 2, stale checksum: CORRUPT");
    /* non-zero flags, checksum fixed */
    memcpy(p, b.data, total);
    bv_wr16(p + 10, 1);
    reseal_header(p, total);
    T_EQ_INT(bv_seg_header_parse(p, total, &g, &hlen, NULL, 0), BV_E_VERSION, "flags 0x0001: VERSION (unknown feature)");
    bv_wr16(p + 10, 0x8000);
    reseal_header(p, total);
    T_EQ_INT(bv_seg_header_parse(p, total, &g, &hlen, NULL, 0), BV_E_VERSION, "flags 0x8000: VERSION");
    /* checksum mismatch in the body and in the checksum itself */
    memcpy(p, b.data, total);
    p[20] ^= 0x40;
    T_EQ_INT(bv_seg_header_parse(p, total, &g, &hlen, NULL, 0), BV_E_CORRUPT, "flipped body byte: CORRUPT");
    memcpy(p, b.data, total);
    p[total - 1] ^= 0x01;
    T_EQ_INT(bv_seg_header_parse(p, total, &g, &hlen, NULL, 0), BV_E_CORRUPT, "flipped checksum byte: CORRUPT");
    /* body length over 1 MiB */
    memcpy(p, b.data, total);
    bv_wr32(p + 12, (1u << 20) + 1);
    T_EQ_INT(bv_seg_header_parse(p, total, &g, &hlen, NULL, 0), BV_E_CORRUPT, "body length 1 MiB + 1: CORRUPT");
    free(p);

    /* structurally bad bodies with a correct checksum */
    bv_seg_header bad = mk_header();
    bad.start_file = S("");
    bv_buf_reset(&b2);
    bv_seg_header_encode(&b2, &bad);
    T_EQ_INT(bv_seg_header_parse(b2.data, b2.len, &g, &hlen, NULL, 0), BV_E_CORRUPT, "empty start_file: CORRUPT");
    bad = mk_header();
    bad.source.flavor = 3;
    bv_buf_reset(&b2);
    bv_seg_header_encode(&b2, &bad);
    T_EQ_INT(bv_seg_header_parse(b2.data, b2.len, &g, &hlen, NULL, 0), BV_E_CORRUPT, "source flavor 3: CORRUPT");
    /* header strings are limited to 255 bytes (BV_MAX_NAME) on parse */
    {
        char v256[256];
        memset(v256, 'v', sizeof(v256));
        bad = mk_header();
        bad.source.server_version = (bv_str){v256, 255};
        bv_buf_reset(&b2);
        bv_seg_header_encode(&b2, &bad);
        T_EQ_INT(bv_seg_header_parse(b2.data, b2.len, &g, &hlen, NULL, 0), BV_OK, "server_version of 255 bytes: OK");
        bad.source.server_version = (bv_str){v256, 256};
        bv_buf_reset(&b2);
        bv_seg_header_encode(&b2, &bad);
        T_EQ_INT(bv_seg_header_parse(b2.data, b2.len, &g, &hlen, NULL, 0), BV_E_CORRUPT,
                 "server_version of 256 bytes: CORRUPT (writers must not produce it)");
    }
    /* one extra byte inside the body */
    {
        bv_buf x;
        bv_buf_init(&x);
        bv_buf_put(&x, b.data, total - 8);
        bv_buf_put_u8(&x, 0);
        bv_wr32(x.data + 12, bv_rd32(x.data + 12) + 1);
        bv_buf_put_u64le(&x, bv_xxh64(x.data, x.len));
        T_EQ_INT(bv_seg_header_parse(x.data, x.len, &g, &hlen, NULL, 0), BV_E_CORRUPT, "body with a trailing byte: CORRUPT");
        bv_buf_release(&x);
    }
    bv_buf_release(&b2);
    bv_buf_release(&b);
}

/* ------------------------------------------------------------ footer */

static void test_footer(void)
{
    bv_block_ref refs[3];
    memset(refs, 0, sizeof(refs));
    for (int i = 0; i < 3; i++) {
        refs[i].meta = mk_meta();
        refs[i].meta.first_index = 5u * (uint64_t)i;
        refs[i].offset = 100 + 1000u * (uint64_t)i;
        refs[i].length = 1000;
        refs[i].payload_len = 900 + (uint32_t)i;
        refs[i].raw_len = 4000 + (uint32_t)i;
    }
    refs[2].meta.flags = 0;
    refs[2].meta.schemas = 0;
    refs[2].meta.last_file = S("mysql-bin.000003");
    bv_seg_footer f, g;
    memset(&f, 0, sizeof(f));
    f.nblocks = 3;
    f.blocks = refs;
    f.end_file = S("mysql-bin.000003");
    f.end_offset = 9999;
    f.end_gtid = S("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-300");
    f.events = 15;
    f.counts[BV_EV_BEGIN] = 3;
    f.counts[BV_EV_INSERT] = 9;
    f.counts[BV_EV_COMMIT] = 3;
    f.raw_bytes = 4000 + 4001 + 4002;
    f.min_ts = 10;
    f.max_ts = 20;

    bv_buf b;
    bv_buf_init(&b);
    bv_seg_footer_encode(&b, &f);
    T_OK(b.len > 4 && memcmp(b.data, "BVFT", 4) == 0 && b.data[4] == 3, "footer starts BVFT, nblocks 3");
    char err[200] = "";
    int rc = bv_seg_footer_decode(b.data, b.len, &g, err, sizeof(err));
    if (!T_OK(rc == BV_OK, "footer decode"))
        t_note("  rc %d: %s", rc, err);
    if (rc == BV_OK) {
        T_EQ_U64(g.nblocks, 3, "nblocks");
        int ok = 1;
        for (int i = 0; i < 3; i++)
            ok = ok && g.blocks[i].offset == refs[i].offset && g.blocks[i].length == refs[i].length &&
                 g.blocks[i].payload_len == refs[i].payload_len && g.blocks[i].raw_len == refs[i].raw_len &&
                 meta_eq(&g.blocks[i].meta, &refs[i].meta);
        T_OK(ok, "every block ref equal");
        T_OK(bstr_eq(g.end_file, f.end_file) && g.end_offset == 9999 && bstr_eq(g.end_gtid, f.end_gtid),
             "end position and gtid");
        T_EQ_U64(g.events, 15, "events");
        int cok = 1;
        for (int t = 0; t <= BV_EV_TYPE_MAX; t++)
            cok = cok && g.counts[t] == f.counts[t];
        T_OK(cok, "counts equal");
        T_EQ_U64(g.raw_bytes, 12003, "raw_bytes");
        T_OK(g.min_ts == 10 && g.max_ts == 20, "ts range");
        free(g.blocks);
    }

    /* every truncation fails */
    int all = 1;
    for (size_t k = 0; k < b.len; k++) {
        uint8_t *copy = malloc(k ? k : 1);
        if (!copy)
            abort();
        memcpy(copy, b.data, k);
        rc = bv_seg_footer_decode(copy, k, &g, NULL, 0);
        if (rc >= 0) {
            all = 0;
            free(g.blocks);
        } else if (g.blocks != NULL) {
            all = 0;
        }
        free(copy);
    }
    T_OK(all, "every truncation of the footer (%zu bytes) is rejected", b.len);

    /* trailing byte */
    bv_buf_put_u8(&b, 0);
    T_EQ_INT(bv_seg_footer_decode(b.data, b.len, &g, NULL, 0), BV_E_CORRUPT, "footer with a trailing byte: CORRUPT");
    b.len--;
    /* bad magic */
    b.data[0] = 'X';
    T_EQ_INT(bv_seg_footer_decode(b.data, b.len, &g, NULL, 0), BV_E_CORRUPT, "footer magic XVFT: CORRUPT");
    b.data[0] = 'B';

    /* inconsistent totals */
    bv_seg_footer h = f;
    h.events = 16;
    h.counts[BV_EV_NOTE] = 1;
    bv_buf_reset(&b);
    bv_seg_footer_encode(&b, &h);
    T_EQ_INT(bv_seg_footer_decode(b.data, b.len, &g, NULL, 0), BV_E_CORRUPT, "events 16 but blocks hold 15: CORRUPT");
    h = f;
    h.counts[BV_EV_INSERT] = 8;
    bv_buf_reset(&b);
    bv_seg_footer_encode(&b, &h);
    T_EQ_INT(bv_seg_footer_decode(b.data, b.len, &g, NULL, 0), BV_E_CORRUPT, "counts sum 14 != events 15: CORRUPT");
    h = f;
    h.raw_bytes++;
    bv_buf_reset(&b);
    bv_seg_footer_encode(&b, &h);
    T_EQ_INT(bv_seg_footer_decode(b.data, b.len, &g, NULL, 0), BV_E_CORRUPT, "raw_bytes off by one: CORRUPT");
    h = f;
    h.end_file = S("");
    bv_buf_reset(&b);
    bv_seg_footer_encode(&b, &h);
    T_EQ_INT(bv_seg_footer_decode(b.data, b.len, &g, NULL, 0), BV_E_CORRUPT, "empty end_file: CORRUPT");
    h = f;
    refs[1].meta.min_ts = 30; /* block meta invariant inside the footer */
    bv_buf_reset(&b);
    bv_seg_footer_encode(&b, &h);
    T_EQ_INT(bv_seg_footer_decode(b.data, b.len, &g, NULL, 0), BV_E_CORRUPT, "block meta min_ts > max_ts: CORRUPT");
    refs[1].meta.min_ts = 10;

    /* nblocks far larger than the input */
    bv_buf_reset(&b);
    bv_buf_put(&b, "BVFT", 4);
    bv_buf_put_varint(&b, 1000000);
    bv_buf_put_u8(&b, 0);
    T_EQ_INT(bv_seg_footer_decode(b.data, b.len, &g, NULL, 0), BV_E_CORRUPT, "nblocks 1000000 in 6 bytes: CORRUPT");

    /* no blocks */
    bv_seg_footer z;
    memset(&z, 0, sizeof(z));
    z.end_file = S("mysql-bin.000001");
    z.end_offset = 4;
    bv_buf_reset(&b);
    bv_seg_footer_encode(&b, &z);
    rc = bv_seg_footer_decode(b.data, b.len, &g, NULL, 0);
    T_OK(rc == BV_OK && g.nblocks == 0 && g.events == 0 && g.end_offset == 4, "empty footer round trip");
    if (rc == BV_OK)
        free(g.blocks);
    bv_buf_release(&b);
}

/* ------------------------------------------------------------ trailer */

static void test_trailer(void)
{
    uint8_t t[BV_TRAILER_LEN];
    bv_seg_trailer_encode(t, 0x0102030405060708ull, 77, 0xfedcba9876543210ull);
    T_EQ_U64(bv_rd64(t), 0x0102030405060708ull, "footer offset at 0");
    T_EQ_U64(bv_rd64(t + 8), 77, "footer length at 8");
    T_EQ_U64(bv_rd64(t + 16), 0xfedcba9876543210ull, "footer checksum at 16");
    T_OK(memcmp(t + 24, "BVSEGEND", 8) == 0, "magic BVSEGEND at 24");
    T_EQ_U64(bv_rd64(t + 32), bv_xxh64(t, 32), "trailer checksum at 32");
    uint64_t off = 0, len = 0, sum = 0;
    T_EQ_INT(bv_seg_trailer_parse(t, &off, &len, &sum), BV_OK, "trailer parse");
    T_OK(off == 0x0102030405060708ull && len == 77 && sum == 0xfedcba9876543210ull, "trailer fields round trip");

    unsigned accepted = 0, wrong = 0;
    for (size_t i = 0; i < BV_TRAILER_LEN; i++) {
        for (int bit = 0; bit < 8; bit++) {
            uint8_t c[BV_TRAILER_LEN];
            memcpy(c, t, sizeof(c));
            c[i] ^= (uint8_t)(1u << bit);
            off = len = sum = 0;
            int rc = bv_seg_trailer_parse(c, &off, &len, &sum);
            int want = (i >= 24 && i < 32) ? BV_E_TRUNCATED : BV_E_CORRUPT;
            if (rc == BV_OK)
                accepted++;
            else if (rc != want)
                wrong++;
        }
    }
    T_EQ_U64(accepted, 0, "no single flipped trailer bit is accepted");
    T_EQ_U64(wrong, 0, "flips fail with CORRUPT (TRUNCATED = no trailer magic)");
    uint8_t zero[BV_TRAILER_LEN] = {0};
    T_EQ_INT(bv_seg_trailer_parse(zero, &off, &len, &sum), BV_E_TRUNCATED, "all-zero trailer: no trailer");
}

/* ------------------------------------------------------------ names */

static void test_names(void)
{
    char name[1024];
    uint64_t seq = 99, off = 99;
    int rc = bv_segment_name(name, sizeof(name), 0, S("mysql-bin.000001"), 4, 0);
    T_EQ_INT(rc, BV_OK, "name");
    T_EQ_STR(name, "0000000000-mysql-bin.000001-000000000004.bvseg", "sealed segment name");
    T_EQ_INT(bv_segment_name_parse(name, &seq, &off), 1, "parse sealed name: 1");
    T_OK(seq == 0 && off == 4, "parsed seq 0, offset 4");

    rc = bv_segment_name(name, sizeof(name), 123, S("mysql-bin.000001"), 4, 1);
    T_EQ_STR(name, "0000000123-mysql-bin.000001-000000000004.bvseg.part", "open segment name");
    T_EQ_INT(bv_segment_name_parse(name, &seq, &off), 0, "parse part name: 0");
    T_OK(seq == 123 && off == 4, "parsed seq 123, offset 4");

    rc = bv_segment_name(name, sizeof(name), 9999999999ull, S("host/a:b c%d\xff"), 999999999999ull, 0);
    T_EQ_INT(rc, BV_OK, "name with max seq/offset");
    T_EQ_STR(name, "9999999999-host%2Fa%3Ab%20c%25d%FF-999999999999.bvseg", "'/', ':', ' ', '%', 0xff are %XX");
    T_EQ_INT(bv_segment_name_parse(name, &seq, &off), 1, "parse encoded name");
    T_OK(seq == 9999999999ull && off == 999999999999ull, "parsed max seq and offset");

    rc = bv_segment_name(name, sizeof(name), 5, S("my-bin-x.000009"), 1234567, 1);
    T_EQ_STR(name, "0000000005-my-bin-x.000009-000001234567.bvseg.part", "file name with dashes");
    T_OK(bv_segment_name_parse(name, &seq, &off) == 0 && seq == 5 && off == 1234567, "dashes in the file name parse");

    T_EQ_INT(bv_segment_name(name, sizeof(name), 10000000000ull, S("f"), 4, 0), BV_E_RANGE, "seq 10^10: RANGE");
    T_EQ_INT(bv_segment_name(name, sizeof(name), 0, S("f"), 1000000000000ull, 0), BV_E_RANGE, "offset 10^12: RANGE");
    char f256[256];
    memset(f256, '/', sizeof(f256));
    T_EQ_INT(bv_segment_name(name, sizeof(name), 0, (bv_str){f256, 256}, 4, 0), BV_E_RANGE, "file of 256 bytes: RANGE");
    T_EQ_INT(bv_segment_name(name, sizeof(name), 0, (bv_str){f256, 255}, 4, 0), BV_OK,
             "file of 255 '/' (765 encoded chars)");
    T_EQ_U64(strlen(name), 10 + 1 + 765 + 1 + 12 + 6, "255 encoded slashes: length 795");
    /* output buffer size */
    size_t need = strlen("0000000000-f-000000000004.bvseg");
    T_EQ_INT(bv_segment_name(name, need, 0, S("f"), 4, 0), BV_E_RANGE, "buffer one byte short: RANGE");
    T_EQ_INT(bv_segment_name(name, need + 1, 0, S("f"), 4, 0), BV_OK, "exact buffer: OK");
    T_EQ_STR(name, "0000000000-f-000000000004.bvseg", "exact buffer content");

    /* a name the builder produces must parse back */
    rc = bv_segment_name(name, sizeof(name), 1, S(""), 4, 0);
    if (rc == BV_OK)
        T_OK(bv_segment_name_parse(name, &seq, &off) == 1,
             "empty file name: bv_segment_name accepted it (\"%s\"), so it must parse back", name);
    else
        T_OK(rc == BV_E_RANGE || rc == BV_E_INVAL, "empty file name refused");

    static const char *garbage[] = {
        "",
        "x",
        ".bvseg",
        "bvseg",
        "0000000000-a-000000000004.bvse",
        "0000000000-a-000000000004.bvseg.tmp",
        "0000000000-a-000000000004.part",
        "0000000000-a-000000000004.bvseg.part.part",
        "000000000a-a-000000000004.bvseg",
        "0000000000-a-00000000000x.bvseg",
        "0000000000_a-000000000004.bvseg",
        "0000000000-a_000000000004.bvseg",
        "000000000-a-000000000004.bvseg",
        "00000000000-a-000000000004.bvseg",
        "0000000000-a-0000000000004.bvseg",
        "0000000000--000000000004.bvseg",
        "0000000000-000000000004.bvseg",
        "-000000000-a-000000000004.bvseg",
        "0000000000-a--00000000004.bvseg",
        "0000000000-a-00000000 004.bvseg",
    };
    for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
        seq = off = 77;
        rc = bv_segment_name_parse(garbage[i], &seq, &off);
        T_OK(rc < 0 && seq == 77 && off == 77, "garbage name \"%s\" rejected", garbage[i]);
    }
}

int main(void)
{
    cctx = ZSTD_createCCtx();
    dctx = ZSTD_createDCtx();
    if (!cctx || !dctx)
        return 1;
    test_block_roundtrip();
    test_block_flips();
    test_block_levels();
    test_block_meta();
    test_header();
    test_footer();
    test_trailer();
    test_names();
    ZSTD_freeCCtx(cctx);
    ZSTD_freeDCtx(dctx);
    return t_done();
}
