/* Fuzz target: one binlog event body at a time through the decoder's event
 * parsers (archiver/decoder.c, tablemap.c, values.c, json.c, frame.c),
 * without the CRC32 and file structure in the way.
 *
 * Input layout:
 *   [0]     event type: index (mod 32) into event_types[] below
 *   [1]     options:
 *             bits 0-1  FORMAT_DESCRIPTION taken from a fixture (fdes[]):
 *                       0 MySQL 8.0.22, 1 MySQL 5.1.34 (no checksums),
 *                       2 MariaDB 10.5.15, 3 MySQL 9.6.0
 *             bit 2     a "BEGIN" QUERY event first (inside a transaction)
 *             bit 3     timestamp and log_pos 0 in the event's header
 *             bit 4     feed the event twice
 *             bit 5     wrap: the harness compresses the body itself —
 *                       TRANSACTION_PAYLOAD: the rest is the uncompressed
 *                       inner events, the harness writes the payload
 *                       header fields and a zstd frame; MariaDB compressed
 *                       QUERY/rows (165-171): one more byte k follows, the
 *                       first k bytes of the rest stay as they are and the
 *                       remainder is zlib-compressed behind MariaDB's
 *                       header (0x80|lenlen, big-endian length)
 *             bit 6     end the file with a next file name (else without)
 *             bit 7     an XID event after the event (its COMMIT)
 *   [2]     the event's header flags (low byte: 0x01 in use, 0x20
 *           artificial, 0x80 ignorable, ...)
 *   [3]     post-header length of the event's type in the FDE (0xff: the
 *           fixture's own)
 *   [4]     post-header length of TABLE_MAP in the FDE (0xff: the fixture's)
 *   [5..6]  L, little-endian: length of a TABLE_MAP body fed before the
 *           event (0: none); for row events, the table of the seed
 *   [7..]   L bytes of TABLE_MAP body, then the event body (after the
 *           19-byte common header, without a checksum).
 *
 * Every event is framed by the harness (common header, CRC32 when the FDE
 * in force has checksums, the FDE's own CRC with the in-use flag cleared)
 * and goes through bv_binlog_frame(), which must accept it, then
 * bv_decoder_event(); the first decoder error stops the input. The file
 * ends with bv_decoder_end_file(). For an eighth of the inputs (by a hash)
 * the sink fails with BV_E_IO at one of the first 4 events, and the decoder
 * must return that error. Emitted events are checked by fz_sink
 * (binlog_check.h): storable by the format (abort), record round trip
 * (abort), stream rules (not fatal unless BV_FUZZ_RULES=1).
 */
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "binlog_check.h"

FUZZ_UBSAN_DEFAULTS

/* Selector byte 0 (mod 32); tests/fuzz/make_binlog_corpus.sh has the same
 * table. */
static const uint8_t event_types[32] = {
    BV_BL_QUERY, BV_BL_STOP, BV_BL_ROTATE, BV_BL_FDE, BV_BL_XID, BV_BL_TABLE_MAP,
    BV_BL_WRITE_V1, BV_BL_UPDATE_V1, BV_BL_DELETE_V1, BV_BL_INCIDENT, BV_BL_WRITE_V2, BV_BL_UPDATE_V2,
    BV_BL_DELETE_V2, BV_BL_GTID, BV_BL_ANON_GTID, BV_BL_PREV_GTIDS, BV_BL_XA_PREPARE, BV_BL_PARTIAL_UPDATE,
    BV_BL_PAYLOAD, BV_BL_GTID_TAGGED, BV_BL_MARIA_GTID, BV_BL_MARIA_GTID_LIST, BV_BL_MARIA_START_ENCRYPTION,
    BV_BL_MARIA_QUERY_Z, BV_BL_MARIA_WRITE_Z1, BV_BL_MARIA_UPDATE_Z1, BV_BL_MARIA_DELETE_Z1,
    BV_BL_MARIA_WRITE_Z2, BV_BL_MARIA_UPDATE_Z2, BV_BL_MARIA_DELETE_Z2,
    100, /* unknown type (Amazon Aurora padding): skipped by size with a NOTE */
    BV_BL_ROWS_QUERY,
};

/* FORMAT_DESCRIPTION events copied byte for byte from the fixtures in
 * ../shared/fixtures/binlog (whole events: common header, body, CRC32). */

/* MySQL 8.0.22, CRC32, in-use flag set: rust_mysql_common/json.binlog.000001 */
static const uint8_t fde_mysql80[] = {
    0xdc, 0x1d, 0x4f, 0x60, 0x0f, 0x01, 0x00, 0x00, 0x00, 0x79, 0x00, 0x00, 0x00, 0x7d, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x04, 0x00, 0x38, 0x2e, 0x30, 0x2e, 0x32, 0x32, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xdc, 0x1d, 0x4f, 0x60, 0x13, 0x00, 0x0d, 0x00, 0x08,
    0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x04, 0x00, 0x00, 0x00, 0x61, 0x00, 0x04, 0x1a, 0x08, 0x00,
    0x00, 0x00, 0x08, 0x08, 0x08, 0x02, 0x00, 0x00, 0x00, 0x0a, 0x0a, 0x0a, 0x2a, 0x2a, 0x00, 0x12,
    0x34, 0x00, 0x0a, 0x28, 0x01, 0xb4, 0x9e, 0xea, 0x21,
};

/* MySQL 5.1.34, no checksum: canal/mysql-bin.000001 */
static const uint8_t fde_mysql51[] = {
    0x5c, 0x95, 0xd5, 0x4e, 0x0f, 0x01, 0x00, 0x00, 0x00, 0x66, 0x00, 0x00, 0x00, 0x6a, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x04, 0x00, 0x35, 0x2e, 0x31, 0x2e, 0x33, 0x34, 0x73, 0x70, 0x31, 0x2d, 0x65,
    0x6e, 0x74, 0x65, 0x72, 0x70, 0x72, 0x69, 0x73, 0x65, 0x2d, 0x67, 0x70, 0x6c, 0x2d, 0x61, 0x64,
    0x76, 0x61, 0x6e, 0x63, 0x65, 0x64, 0x2d, 0x6c, 0x6f, 0x67, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5c, 0x95, 0xd5, 0x4e, 0x13, 0x38, 0x0d, 0x00, 0x08,
    0x00, 0x12, 0x00, 0x04, 0x04, 0x04, 0x04, 0x12, 0x00, 0x00, 0x53, 0x00, 0x04, 0x1a, 0x08, 0x00,
    0x00, 0x00, 0x08, 0x08, 0x08, 0x02,
};

/* MariaDB 10.5.15, CRC32, in-use flag set: rust_mysql_common/mariadb-bin.000001 */
static const uint8_t fde_mariadb105[] = {
    0x8f, 0x86, 0x60, 0x62, 0x0f, 0x01, 0x00, 0x00, 0x00, 0xfc, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
    0x00, 0x01, 0x00, 0x04, 0x00, 0x31, 0x30, 0x2e, 0x35, 0x2e, 0x31, 0x35, 0x2d, 0x4d, 0x61, 0x72,
    0x69, 0x61, 0x44, 0x42, 0x2d, 0x31, 0x3a, 0x31, 0x30, 0x2e, 0x35, 0x2e, 0x31, 0x35, 0x2b, 0x6d,
    0x61, 0x72, 0x69, 0x61, 0x7e, 0x66, 0x6f, 0x63, 0x61, 0x6c, 0x2d, 0x6c, 0x6f, 0x67, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x8f, 0x86, 0x60, 0x62, 0x13, 0x38, 0x0d, 0x00, 0x08,
    0x00, 0x12, 0x00, 0x04, 0x04, 0x04, 0x04, 0x12, 0x00, 0x00, 0xe4, 0x00, 0x04, 0x1a, 0x08, 0x00,
    0x00, 0x00, 0x08, 0x08, 0x08, 0x02, 0x00, 0x00, 0x00, 0x0a, 0x0a, 0x0a, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x13, 0x04, 0x00,
    0x0d, 0x08, 0x08, 0x08, 0x0a, 0x0a, 0x0a, 0x01, 0xa0, 0x3a, 0x2d, 0x5b,
};

/* MySQL 9.6.0, CRC32: rust_mysql_common/binlog_transaction_with_GTID_TAG.000001 */
static const uint8_t fde_mysql96[] = {
    0x9b, 0xae, 0x85, 0x69, 0x0f, 0x01, 0x00, 0x00, 0x00, 0x7b, 0x00, 0x00, 0x00, 0x7f, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x04, 0x00, 0x39, 0x2e, 0x36, 0x2e, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x13, 0x00, 0x0d, 0x00, 0x08,
    0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x04, 0x00, 0x00, 0x00, 0x63, 0x00, 0x04, 0x1a, 0x08, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0a, 0x0a, 0x0a, 0x2a, 0x2a, 0x00, 0x12,
    0x34, 0x00, 0x0a, 0x28, 0x00, 0x00, 0x01, 0xc9, 0xb0, 0x05, 0xaa,
};

static const struct {
    const uint8_t *p;
    size_t n;
} fdes[4] = {
    {fde_mysql80, sizeof(fde_mysql80)},
    {fde_mysql51, sizeof(fde_mysql51)},
    {fde_mariadb105, sizeof(fde_mariadb105)},
    {fde_mysql96, sizeof(fde_mysql96)},
};

#define FILE1 "binlog.000001"

typedef struct feeder {
    bv_decoder *d;
    const fz_blcheck *chk;
    uint64_t off;      /* file offset of the next event */
    int stopped;       /* the decoder returned an error */
    bv_buf ev;         /* the framed event */
} feeder;

/* Frame one event (header, body, CRC32 as the FDE in force wants) and hand
 * it to the decoder. */
static void feed(feeder *f, uint8_t type, uint16_t flags, int zero_ts, const uint8_t *body, size_t n)
{
    if (f->stopped)
        return;
    const bv_fde *fde = bv_decoder_fde(f->d);
    int crc = type == BV_BL_FDE ? fz_fde_has_crc(body, n) : fde->seen && fde->checksum;
    size_t size = BV_BL_HEADER_LEN + n + (crc ? 4 : 0);
    FUZZ_CHECK(size <= UINT32_MAX);
    bv_buf_reset(&f->ev);
    FUZZ_CHECK(bv_buf_reserve(&f->ev, size) == BV_OK);
    uint8_t *p = f->ev.data;
    bv_wr32(p, zero_ts ? 0 : 1700000000u + (uint32_t)f->off);
    p[4] = type;
    bv_wr32(p + 5, 1);
    bv_wr32(p + 9, (uint32_t)size);
    bv_wr32(p + 13, zero_ts ? 0 : (uint32_t)(f->off + size));
    bv_wr16(p + 17, flags);
    if (n)
        memcpy(p + BV_BL_HEADER_LEN, body, n);
    if (crc && type == BV_BL_FDE)
        fz_fde_set_crc(p, size);
    else if (crc)
        bv_wr32(p + size - 4, bv_crc32(p, size - 4));
    f->ev.len = size;

    bv_rawev ev;
    size_t need;
    char msg[400] = "", err[1024] = "";
    int rc = bv_binlog_frame(p, size, f->off, fde, 0, &ev, &need, msg, sizeof(msg));
    if (rc != BV_OK) {
        /* A well-formed event must frame, unless the FDE in force (or the
         * one being framed) is itself odd: a header longer than 19 bytes, or
         * an FDE too short to hold its checksum. */
        if (type != BV_BL_FDE && fde->header_len == BV_BL_HEADER_LEN) {
            fprintf(stderr, "bv_binlog_frame refused a well-formed %zu-byte event of type %u: %s\n", size, type, msg);
            abort();
        }
        f->stopped = 1;
        return;
    }
    FUZZ_CHECK(ev.type == type && ev.size == size && ev.offset == f->off);
    if (fde->header_len == BV_BL_HEADER_LEN || type == BV_BL_FDE || type == BV_BL_ROTATE)
        FUZZ_CHECK(ev.body == p + BV_BL_HEADER_LEN && ev.body_len == n);
    rc = bv_decoder_event(f->d, &ev, err, sizeof(err));
    FUZZ_CHECK(strlen(err) < sizeof(err));
    FUZZ_CHECK(!f->chk->sink_failed || rc == BV_E_IO);
    if (rc != BV_OK) {
        FUZZ_CHECK(rc < 0);
        f->stopped = 1;
        if (fz_verbose())
            fprintf(stderr, "  event type %u: %s\n", type, err);
    }
    f->off += size;
}

/* The FDE of fixture which, with post-header lengths patched: type gets
 * ph_type and TABLE_MAP ph_tm (0xff: unchanged). Returns the body length
 * written to out (57 + entries + checksum algorithm byte when it has one). */
static size_t build_fde(uint8_t *out, unsigned which, uint8_t type, uint8_t ph_type, uint8_t ph_tm, uint16_t *flags)
{
    const uint8_t *ev = fdes[which].p;
    size_t size = fdes[which].n;
    const uint8_t *body = ev + BV_BL_HEADER_LEN;
    int crc = fz_fde_has_crc(body, size - BV_BL_HEADER_LEN);
    size_t blen = size - BV_BL_HEADER_LEN - (crc ? 4 : 0);
    size_t npost = blen - 57 - (crc ? 1 : 0);
    uint8_t post[256];
    memset(post, 0, sizeof(post));
    memcpy(post + 1, body + 57, npost);
    if (ph_tm != 0xff) {
        post[BV_BL_TABLE_MAP] = ph_tm;
        if (npost < BV_BL_TABLE_MAP)
            npost = BV_BL_TABLE_MAP;
    }
    if (ph_type != 0xff && type != BV_BL_FDE) {
        post[type] = ph_type;
        if (npost < type)
            npost = type;
    }
    memcpy(out, body, 57);
    memcpy(out + 57, post + 1, npost);
    if (crc)
        out[57 + npost] = body[blen - 1];
    *flags = (uint16_t)bv_rdle(ev + 17, 2);
    return 57 + npost + (crc ? 1 : 0);
}

/* A QUERY event body for sql under the decoder's QUERY post-header length. */
static size_t build_query(uint8_t *out, size_t cap, const bv_fde *fde, const char *sql)
{
    unsigned ph = fde->post_header[BV_BL_QUERY] ? fde->post_header[BV_BL_QUERY] : 13;
    size_t n = strlen(sql);
    FUZZ_CHECK(ph + 1 + n <= cap);
    memset(out, 0, ph);
    bv_wr32(out, 7); /* thread id */
    /* exec time 0, database length 0, error code 0, status variables 0, padding */
    out[ph] = 0; /* the database name's NUL */
    memcpy(out + ph + 1, sql, n);
    return ph + 1 + n;
}

static void put_packed(bv_buf *b, uint64_t v)
{
    if (v < 251) {
        bv_buf_put_u8(b, (uint8_t)v);
    } else if (v < 65536) {
        bv_buf_put_u8(b, 0xfc);
        bv_buf_put_u16le(b, (uint16_t)v);
    } else if (v < (1u << 24)) {
        bv_buf_put_u8(b, 0xfd);
        bv_buf_put_u16le(b, (uint16_t)v);
        bv_buf_put_u8(b, (uint8_t)(v >> 16));
    } else {
        bv_buf_put_u8(b, 0xfe);
        bv_buf_put_u64le(b, v);
    }
}

static size_t packed_len(uint64_t v)
{
    return v < 251 ? 1 : v < 65536 ? 3 : v < (1u << 24) ? 4 : 9;
}

/* TRANSACTION_PAYLOAD body: header fields (compression type zstd,
 * uncompressed size, payload size, end mark) and one zstd frame of p. */
static void wrap_payload(bv_buf *out, const uint8_t *p, size_t n)
{
    size_t cap = ZSTD_compressBound(n);
    uint8_t *z = malloc(cap ? cap : 1);
    FUZZ_CHECK(z != NULL);
    size_t zn = ZSTD_compress(z, cap, p, n, 1);
    FUZZ_CHECK(!ZSTD_isError(zn));
    put_packed(out, 2); /* compression type */
    put_packed(out, 1);
    put_packed(out, 0); /* zstd */
    put_packed(out, 3); /* uncompressed size */
    put_packed(out, packed_len(n));
    put_packed(out, n);
    put_packed(out, 1); /* payload size */
    put_packed(out, packed_len(zn));
    put_packed(out, zn);
    put_packed(out, 0); /* end of the header */
    bv_buf_put(out, z, zn);
    free(z);
}

/* MariaDB compressed data: 0x80 | lenlen, the length big-endian in lenlen
 * bytes, a zlib stream. */
static void wrap_mariadb(bv_buf *out, const uint8_t *p, size_t n)
{
    uLongf cap = compressBound((uLong)n);
    uint8_t *z = malloc(cap ? cap : 1);
    FUZZ_CHECK(z != NULL);
    FUZZ_CHECK(compress(z, &cap, p, (uLong)n) == Z_OK);
    unsigned lenlen = n < (1u << 8) ? 1 : n < (1u << 16) ? 2 : n < (1u << 24) ? 3 : 4;
    bv_buf_put_u8(out, (uint8_t)(0x80 | lenlen));
    for (unsigned i = lenlen; i-- > 0;)
        bv_buf_put_u8(out, (uint8_t)(n >> (8 * i)));
    bv_buf_put(out, z, cap);
    free(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 7 || size > (1u << 20))
        return 0;
    fz_set_input(data, size);
    uint8_t type = event_types[data[0] % 32];
    uint8_t opt = data[1], ph_type = data[3], ph_tm = data[4];
    uint16_t evflags = data[2];
    size_t tmlen = bv_rd16(data + 5);
    const uint8_t *tm = data + 7, *body;
    size_t blen;
    if (tmlen > size - 7)
        return 0;
    body = tm + tmlen;
    blen = size - 7 - tmlen;
    int zero_ts = (opt & 8) != 0;

    fz_blcheck chk;
    fz_blcheck_init(&chk, FILE1);
    feeder f;
    memset(&f, 0, sizeof(f));
    bv_buf_init(&f.ev);
    uint32_t hash = 2166136261u;
    for (size_t i = 0; i < size; i++)
        hash = (hash ^ data[i]) * 16777619u;
    if ((hash >> 8) % 8 == 0)
        chk.fail_at = 1 + (hash >> 11) % 4; /* an eighth of the inputs: the writer fails */
    f.chk = &chk;
    f.d = bv_decoder_new(fz_sink, &chk);
    FUZZ_CHECK(f.d != NULL);
    f.off = 4;
    char err[1024] = "";
    FUZZ_CHECK(bv_decoder_begin_file(f.d, FILE1, err, sizeof(err)) == BV_OK);

    /* the format description */
    uint8_t fde[57 + 256 + 1];
    uint16_t fflags;
    size_t flen = build_fde(fde, opt & 3, type, ph_type, ph_tm, &fflags);
    feed(&f, BV_BL_FDE, fflags, 0, fde, flen);
    FUZZ_CHECK(!f.stopped && bv_decoder_fde(f.d)->seen);

    if (opt & 4) {
        uint8_t q[300];
        size_t qn = build_query(q, sizeof(q), bv_decoder_fde(f.d), "BEGIN");
        feed(&f, BV_BL_QUERY, 0, 0, q, qn);
    }
    if (tmlen)
        feed(&f, BV_BL_TABLE_MAP, 0, 0, tm, tmlen);

    bv_buf wrapped;
    bv_buf_init(&wrapped);
    if ((opt & 32) && type == BV_BL_PAYLOAD) {
        wrap_payload(&wrapped, body, blen);
        body = wrapped.data;
        blen = wrapped.len;
    } else if ((opt & 32) && type >= BV_BL_MARIA_QUERY_Z && type <= BV_BL_MARIA_DELETE_Z2 && blen >= 1) {
        size_t k = body[0];
        body++;
        blen--;
        if (k > blen)
            k = blen;
        bv_buf_put(&wrapped, body, k);
        wrap_mariadb(&wrapped, body + k, blen - k);
        body = wrapped.data;
        blen = wrapped.len;
    }
    FUZZ_CHECK(bv_buf_status(&wrapped) == BV_OK);
    feed(&f, type, evflags, zero_ts, body, blen);
    if (opt & 16)
        feed(&f, type, evflags, zero_ts, body, blen);
    bv_buf_release(&wrapped);
    if (opt & 128) {
        static const uint8_t xid[8] = {42};
        feed(&f, BV_BL_XID, 0, 0, xid, sizeof(xid));
    }

    if (!f.stopped) {
        int rc = bv_decoder_end_file(f.d, f.off, (opt & 64) ? "binlog.000002" : NULL, err, sizeof(err));
        FUZZ_CHECK(rc == BV_OK || rc == BV_E_INVAL || (chk.sink_failed && rc == BV_E_IO));
    }
    if (fz_verbose())
        fprintf(stderr, "  type %u: %lu events, %lu rows, %lu rule violations %s%s\n", type, chk.events, chk.rows,
                chk.violations, chk.violation, f.stopped ? " (stopped)" : "");
    fz_check_start_gtids(&chk, bv_decoder_start_gtids(f.d));
    FUZZ_CHECK(bv_decoder_get_stats(f.d)->rows == chk.rows);
    bv_decoder_free(f.d);
    bv_buf_release(&f.ev);
    fz_blcheck_release(&chk);
    return 0;
}
