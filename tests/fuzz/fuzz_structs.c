/* Fuzz target: the fixed structures of a segment file (format/segment.c,
 * format/schema.c, format/record.c values).
 *
 * The first input byte selects a parser (modulo the number of parsers), the
 * rest is its input:
 *   0 block metadata     bv_block_meta_decode
 *   1 footer body        bv_seg_footer_decode ("BVFT" ...)
 *   2 header body        bv_seg_header_parse on magic + version 1 + flags 0 +
 *                        length + the input + a correct XXH64, so that the
 *                        checksum never stops the parser
 *   3 raw header         bv_seg_header_parse on the input as a whole header,
 *                        with the checksum patched in where its length field
 *                        puts it (reaches the version/flag/length checks)
 *   4 trailer            bv_seg_trailer_parse on 40 bytes (input, zero
 *                        padded), as given and with its checksum fixed
 *   5 whole block        bv_block_parse on the input as a block, its length
 *                        fields made consistent and its checksum fixed, then
 *                        bv_block_decompress of the payload
 *   6 schema body        bv_schema_decode
 *   7 values             bv_value_decode, repeatedly
 *   8 segment name       bv_segment_name_parse on a NUL-terminated copy, and
 *                        bv_segment_name -> parse round trip with the input as
 *                        binlog file name
 * Whatever decodes must re-encode to exactly the bytes it was decoded from
 * (the format is canonical), checked with abort().
 */
#include <string.h>
#include <zstd.h>

#include "fuzz.h"
#include "internal.h"

FUZZ_UBSAN_DEFAULTS

enum { SEL_META, SEL_FOOTER, SEL_HEADER, SEL_HEADER_RAW, SEL_TRAILER, SEL_BLOCK, SEL_SCHEMA, SEL_VALUE,
       SEL_NAME, SEL_COUNT };

/* Largest block payload the harness decompresses (the format allows up to
 * 4 GiB; bigger claims would only measure the allocator). */
#define MAX_RAW (64u << 20)

static uint8_t *dup_bytes(const uint8_t *p, size_t n, size_t extra)
{
    uint8_t *d = malloc(n + extra ? n + extra : 1);
    FUZZ_CHECK(d != NULL);
    if (n)
        memcpy(d, p, n);
    if (extra)
        memset(d + n, 0, extra);
    return d;
}

static void fuzz_meta(const uint8_t *p, size_t n)
{
    bv_cur c = bv_cur_make(p, n);
    bv_block_meta m;
    if (bv_block_meta_decode(&c, &m) != BV_OK)
        return;
    size_t used = n - c.left;
    FUZZ_CHECK(c.p == p + used);
    FUZZ_CHECK(m.first_file.len > 0 && m.last_file.len > 0);
    FUZZ_CHECK(m.first_file.len <= BV_MAX_NAME && m.last_file.len <= BV_MAX_NAME);
    FUZZ_CHECK((const uint8_t *)m.first_file.ptr >= p && (const uint8_t *)m.first_file.ptr + m.first_file.len <= c.p);
    FUZZ_CHECK((const uint8_t *)m.last_file.ptr >= p && (const uint8_t *)m.last_file.ptr + m.last_file.len <= c.p);
    bv_buf b;
    bv_buf_init(&b);
    bv_block_meta_encode(&b, &m);
    FUZZ_CHECK(bv_buf_status(&b) == BV_OK);
    FUZZ_CHECK(b.len == used && memcmp(b.data, p, used) == 0);
    bv_buf_release(&b);
}

static void fuzz_footer(const uint8_t *p, size_t n)
{
    bv_seg_footer f;
    char err[256] = "";
    int rc = bv_seg_footer_decode(p, n, &f, err, sizeof(err));
    FUZZ_CHECK(strlen(err) < sizeof(err));
    if (rc != BV_OK) {
        FUZZ_CHECK(f.blocks == NULL);
        return;
    }
    FUZZ_CHECK(f.blocks != NULL);
    FUZZ_CHECK(f.end_file.len > 0);
    uint64_t events = 0;
    for (uint32_t i = 0; i < f.nblocks; i++)
        events += f.blocks[i].meta.events;
    FUZZ_CHECK(events == f.events);
    bv_buf b;
    bv_buf_init(&b);
    bv_seg_footer_encode(&b, &f);
    FUZZ_CHECK(bv_buf_status(&b) == BV_OK);
    FUZZ_CHECK(b.len == n && memcmp(b.data, p, n) == 0);
    bv_buf_release(&b);
    free(f.blocks);
}

/* Parse a header buffer; on success it must re-encode to the same bytes. */
static void parse_header(const uint8_t *h, size_t n)
{
    bv_seg_header hdr;
    size_t hlen = 0;
    char err[256] = "";
    int rc = bv_seg_header_parse(h, n, &hdr, &hlen, err, sizeof(err));
    FUZZ_CHECK(strlen(err) < sizeof(err));
    if (rc != BV_OK)
        return;
    FUZZ_CHECK(hlen <= n && hlen >= 16 + 8);
    FUZZ_CHECK(hdr.version == BV_FORMAT_VERSION && hdr.start_file.len > 0);
    FUZZ_CHECK(hdr.source.flavor <= BV_GTID_MARIADB);
    bv_buf b;
    bv_buf_init(&b);
    bv_seg_header_encode(&b, &hdr);
    FUZZ_CHECK(bv_buf_status(&b) == BV_OK);
    FUZZ_CHECK(b.len == hlen && memcmp(b.data, h, hlen) == 0);
    bv_buf_release(&b);
}

static void fuzz_header_body(const uint8_t *p, size_t n)
{
    if (n > BV_MAX_HEADER)
        n = BV_MAX_HEADER;
    size_t total = 16 + n + 8;
    uint8_t *h = malloc(total);
    FUZZ_CHECK(h != NULL);
    memcpy(h, BV_SEG_MAGIC, BV_SEG_MAGIC_LEN);
    bv_wr16(h + 8, BV_FORMAT_VERSION);
    bv_wr16(h + 10, 0);
    bv_wr32(h + 12, (uint32_t)n);
    if (n)
        memcpy(h + 16, p, n);
    bv_wr64(h + 16 + n, bv_xxh64(h, 16 + n));
    parse_header(h, total);
    /* and every truncation of it fails cleanly */
    parse_header(h, total - 1);
    parse_header(h, n % 16);
    free(h);
}

static void fuzz_header_raw(const uint8_t *p, size_t n)
{
    parse_header(p, n); /* as given (checksum almost always wrong) */
    if (n < 16 + 8)
        return;
    uint8_t *h = dup_bytes(p, n, 0);
    uint32_t body_len = bv_rd32(h + 12);
    if ((uint64_t)body_len + 16 + 8 <= n)
        bv_wr64(h + 16 + body_len, bv_xxh64(h, 16 + (size_t)body_len));
    parse_header(h, n);
    free(h);
}

static void fuzz_trailer(const uint8_t *p, size_t n)
{
    uint8_t t[BV_TRAILER_LEN];
    uint64_t off, len, sum;
    memset(t, 0, sizeof(t));
    memcpy(t, p, n < sizeof(t) ? n : sizeof(t));
    for (int fix = 0; fix < 2; fix++) {
        if (fix)
            bv_wr64(t + 32, bv_xxh64(t, 32));
        if (bv_seg_trailer_parse(t, &off, &len, &sum) == BV_OK) {
            uint8_t again[BV_TRAILER_LEN];
            bv_seg_trailer_encode(again, off, len, sum);
            FUZZ_CHECK(memcmp(again, t, sizeof(t)) == 0);
        }
    }
}

static void fuzz_block(const uint8_t *p, size_t n)
{
    bv_block_meta m;
    const uint8_t *payload;
    uint32_t plen, rlen;
    char err[256] = "";
    /* as given: nearly always a checksum or length error */
    (void)bv_block_parse(p, n, &m, &payload, &plen, &rlen, err, sizeof(err));
    FUZZ_CHECK(strlen(err) < sizeof(err));
    if (n < BV_BLOCK_FIXED)
        return;
    /* Make the lengths consistent: the input is the block without its
     * checksum; meta_len is clamped to what is there, payload_len is the
     * rest. Then append the right checksum. */
    size_t body = n;
    uint8_t *b = dup_bytes(p, n, 8);
    uint16_t meta_len = bv_rd16(b + 6);
    if (meta_len > body - BV_BLOCK_FIXED)
        meta_len = (uint16_t)(body - BV_BLOCK_FIXED > 0xffff ? 0xffff : body - BV_BLOCK_FIXED);
    size_t payload_len = body - BV_BLOCK_FIXED - meta_len;
    if (payload_len > UINT32_MAX) {
        free(b);
        return;
    }
    bv_wr16(b + 6, meta_len);
    bv_wr32(b + 8, (uint32_t)payload_len);
    bv_wr64(b + body, bv_xxh64(b, body));
    uint64_t len;
    if (bv_block_length(b, &len) == BV_OK)
        FUZZ_CHECK(len == body + 8);
    int rc = bv_block_parse(b, body + 8, &m, &payload, &plen, &rlen, err, sizeof(err));
    FUZZ_CHECK(strlen(err) < sizeof(err));
    if (rc == BV_OK) {
        FUZZ_CHECK(plen == payload_len && payload == b + BV_BLOCK_FIXED + meta_len);
        FUZZ_CHECK((const uint8_t *)m.first_file.ptr >= b && (const uint8_t *)m.last_file.ptr >= b);
        if (rlen <= MAX_RAW) {
            ZSTD_DCtx *zd = ZSTD_createDCtx();
            bv_buf raw;
            FUZZ_CHECK(zd != NULL);
            bv_buf_init(&raw);
            if (bv_block_decompress(payload, plen, rlen, &raw, zd) == BV_OK)
                FUZZ_CHECK(raw.len == rlen);
            bv_buf_release(&raw);
            ZSTD_freeDCtx(zd);
        }
    }
    free(b);
}

static void fuzz_schema(const uint8_t *p, size_t n)
{
    bv_cur c = bv_cur_make(p, n);
    bv_schema *s = NULL;
    int rc = bv_schema_decode(&c, &s);
    if (rc != BV_OK) {
        FUZZ_CHECK(c.p == p && c.left == n);
        return;
    }
    FUZZ_CHECK(s != NULL);
    size_t used = n - c.left;
    const bv_buf *e = bv_schema_encoding(s);
    FUZZ_CHECK(e->len == used && memcmp(e->data, p, used) == 0);
    FUZZ_CHECK(bv_schema_ncols(s) <= BV_MAX_COLUMNS);
    FUZZ_CHECK(bv_schema_get_source(s) <= BV_SCHEMA_NO_NAMES);
    for (uint32_t i = 0; i < bv_schema_ncols(s); i++) {
        const bv_column *col = bv_schema_column(s, i);
        FUZZ_CHECK(col && strlen(col->name.ptr) <= col->name.len);
    }
    /* A finished schema refuses changes. */
    bv_column col;
    memset(&col, 0, sizeof(col));
    FUZZ_CHECK(bv_schema_add_column(s, &col, NULL, 0) == BV_E_STATE);
    bv_schema_free(s);
}

static void fuzz_values(const uint8_t *p, size_t n)
{
    bv_cur c = bv_cur_make(p, n);
    bv_buf b;
    bv_buf_init(&b);
    while (c.left) {
        bv_value v;
        const uint8_t *at = c.p;
        size_t left = c.left;
        if (bv_value_decode(&c, &v) != BV_OK) {
            FUZZ_CHECK(c.p == at && c.left == left);
            break;
        }
        size_t used = left - c.left;
        FUZZ_CHECK(v.kind <= BV_VAL_KIND_MAX);
        FUZZ_CHECK(strcmp(bv_value_kind_name(v.kind), "unknown") != 0);
        bv_buf_reset(&b);
        bv_value_encode(&b, &v);
        FUZZ_CHECK(bv_buf_status(&b) == BV_OK);
        FUZZ_CHECK(b.len == used && memcmp(b.data, at, used) == 0);
    }
    bv_buf_release(&b);
}

static void fuzz_name(const uint8_t *p, size_t n)
{
    char *name = (char *)dup_bytes(p, n, 1); /* NUL-terminated */
    uint64_t seq = 0, off = 0;
    int kind = bv_segment_name_parse(name, &seq, &off);
    FUZZ_CHECK(kind >= -1 && kind <= 1);
    if (kind >= 0)
        FUZZ_CHECK(seq <= 9999999999ull && off <= 999999999999ull);
    free(name);

    /* Any non-empty file name builds a name that parses back. The first 8
     * bytes (if any) choose the numbers. */
    uint64_t want_seq = 0, want_off = 0;
    if (n >= 8) {
        uint64_t x = bv_rd64(p);
        want_seq = x % 10000000000ull;
        want_off = (x >> 20) % 1000000000000ull;
        p += 8;
        n -= 8;
    }
    if (n == 0 || n > BV_MAX_NAME)
        return;
    bv_str file = {(const char *)p, n};
    char buf[1024];
    for (int part = 0; part < 2; part++) {
        FUZZ_CHECK(bv_segment_name(buf, sizeof(buf), want_seq, file, want_off, part) == BV_OK);
        FUZZ_CHECK(bv_segment_name_parse(buf, &seq, &off) == !part);
        FUZZ_CHECK(seq == want_seq && off == want_off);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    switch (data[0] % SEL_COUNT) {
    case SEL_META: fuzz_meta(p, n); break;
    case SEL_FOOTER: fuzz_footer(p, n); break;
    case SEL_HEADER: fuzz_header_body(p, n); break;
    case SEL_HEADER_RAW: fuzz_header_raw(p, n); break;
    case SEL_TRAILER: fuzz_trailer(p, n); break;
    case SEL_BLOCK: fuzz_block(p, n); break;
    case SEL_SCHEMA: fuzz_schema(p, n); break;
    case SEL_VALUE: fuzz_values(p, n); break;
    case SEL_NAME: fuzz_name(p, n); break;
    }
    return 0;
}
