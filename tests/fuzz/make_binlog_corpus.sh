#!/usr/bin/env bash
# Regenerate the seed corpora of the binlog decoder fuzz targets
# (tests/fuzz/corpus/binlog, binlog_events, binlog_values) from the real
# MySQL/MariaDB binlogs in ../shared/fixtures/binlog (see its MANIFEST.md).
# Run from anywhere after `make` (the helper links build/default's
# libraries):
#
#   tests/fuzz/make_binlog_corpus.sh [FIXTURES_DIR]
#
# A helper program (compiled into a temporary directory from the source
# below, linked with the archiver and format libraries) frames every fixture
# with the decoder's own bv_binlog_frame() and cuts:
#   binlog/         whole files up to 20 KB; of larger ones a head (magic,
#                   the first events up to 8 KB) and a tail (magic, the FDE
#                   and its header events, the last events up to 8 KB from a
#                   transaction start); hand-made malformed variants of a few
#                   small files (gen-bad-*)
#   binlog_events/  single events with the selector bytes of
#                   fuzz_binlog_events.c (the source file's post-header
#                   lengths, the TABLE_MAP of row events, in-transaction
#                   flag), events from inside TRANSACTION_PAYLOADs, payloads
#                   to be recompressed by the harness, MariaDB events turned
#                   into compressed ones, truncated variants (gen-bad-*)
#   binlog_values/  single column values cut out of the row images (mode 0),
#                   NEWDECIMAL values (mode 1), binary JSON documents of JSON
#                   columns and of msmp/jsonb.terms (mode 2), a few hand-made
#                   edge cases (gen-bad-*)
# Only files named gen-* are replaced; inputs found by fuzzing (fuzz-*) and
# regression inputs (crash-*) are kept.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
fixtures=${1:-$root/../shared/fixtures/binlog}
corpus=$root/tests/fuzz/corpus
[ -d "$fixtures" ] || { echo "no fixtures at $fixtures" >&2; exit 1; }
[ -f build/default/libbvarchiver.a ] && [ -f build/default/libbvformat.a ] || { echo "run make first" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bv-blcorpus.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/tool.c" <<'EOF'
/* blcorpus OUTDIR (PATH TAG)...: cut fuzz seeds out of binlog files.
 * TAG "jsonb-terms" marks msmp/jsonb.terms (binary JSON test vectors). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include "binlog.h"
#include "internal.h"

#define WHOLE_MAX 20480
#define SLICE_MAX 8192
#define EVENT_MAX 3000
#define VALUE_MAX 1500

/* Same table as tests/fuzz/fuzz_binlog_events.c (selector byte 0). */
static const uint8_t event_types[32] = {
    2, 3, 4, 15, 16, 19, 23, 24, 25, 26, 30, 31, 32, 33, 34, 35, 38, 39, 40, 42, 162, 163, 164, 165,
    166, 167, 168, 169, 170, 171, 100, 29,
};

static const char *outdir;
static const char *tag;

static int type_index(unsigned t)
{
    for (int i = 0; i < 32; i++)
        if (event_types[i] == t)
            return i;
    return -1;
}

static void put(const char *target, const char *name, const bv_buf *b)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s/gen-%s", outdir, target, name);
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); exit(1); }
    if (b->len && fwrite(b->data, 1, b->len, f) != b->len) { perror(path); exit(1); }
    fclose(f);
}

static void putraw(const char *target, const char *name, const void *p, size_t n)
{
    bv_buf b;
    bv_buf_init(&b);
    bv_buf_put(&b, p, n);
    put(target, name, &b);
    bv_buf_release(&b);
}

/* ------------------------------------------------------------ framing */

typedef struct ev_t {
    bv_rawev ev;
    const uint8_t *raw;   /* the whole event */
    bv_fde fde;           /* in force for it */
} ev_t;

static ev_t *evs;
static size_t nevs, capevs;

static void add_ev(const bv_rawev *ev, const uint8_t *raw, const bv_fde *fde)
{
    if (nevs == capevs) {
        capevs = capevs ? capevs * 2 : 1024;
        evs = realloc(evs, capevs * sizeof(*evs));
        if (!evs) abort();
    }
    evs[nevs].ev = *ev;
    evs[nevs].raw = raw;
    evs[nevs].fde = *fde;
    nevs++;
}

/* ------------------------------------------------------------ quotas */

typedef struct quota { unsigned key; unsigned n; } quota;
static quota quotas[8192];
static unsigned nquotas;

/* 1 (and count it) while fewer than max seeds were written for key. */
static int take(unsigned key, unsigned max)
{
    for (unsigned i = 0; i < nquotas; i++)
        if (quotas[i].key == key) {
            if (quotas[i].n >= max)
                return 0;
            quotas[i].n++;
            return 1;
        }
    if (nquotas == 8192)
        return 0;
    quotas[nquotas].key = key;
    quotas[nquotas++].n = 1;
    return 1;
}

/* ------------------------------------------------------------ tables */

typedef struct tmap { uint64_t id; uint8_t *body; size_t len; bv_tablemap tm; int ok; } tmap;
static tmap tables[512];
static size_t ntables;

static void tables_clear(void)
{
    for (size_t i = 0; i < ntables; i++) {
        free(tables[i].body);
        if (tables[i].ok)
            bv_tablemap_release(&tables[i].tm);
    }
    ntables = 0;
}

static unsigned idlen_of(const bv_fde *fde, unsigned type)
{
    return fde->post_header[type] == 6 ? 4 : 6;
}

static void table_add(const bv_rawev *ev, const bv_fde *fde)
{
    unsigned il = idlen_of(fde, BV_BL_TABLE_MAP);
    if (ev->body_len < il)
        return;
    uint64_t id = bv_rdle(ev->body, il);
    tmap *t = NULL;
    for (size_t i = 0; i < ntables; i++)
        if (tables[i].id == id)
            t = &tables[i];
    if (!t) {
        if (ntables == 512)
            return;
        t = &tables[ntables++];
    } else {
        free(t->body);
        if (t->ok)
            bv_tablemap_release(&t->tm);
    }
    memset(t, 0, sizeof(*t));
    t->id = id;
    t->body = malloc(ev->body_len);
    memcpy(t->body, ev->body, ev->body_len);
    t->len = ev->body_len;
    t->ok = bv_binlog_parse_table_map(ev, fde, &t->tm, NULL, 0) == BV_OK;
}

static int is_rows(unsigned t)
{
    return (t >= 23 && t <= 25) || (t >= 30 && t <= 32) || t == 39 || (t >= 166 && t <= 171);
}

static int is_update(unsigned t)
{
    return t == 24 || t == 31 || t == 39 || t == 167 || t == 170;
}

static int is_v2(const bv_fde *fde, unsigned t)
{
    return fde->post_header[t] == 10 || (t >= 30 && t <= 32) || t == 39 || (t >= 169 && t <= 171);
}

static tmap *table_of(const bv_rawev *ev, const bv_fde *fde)
{
    unsigned il = idlen_of(fde, ev->type);
    if (ev->body_len < il)
        return NULL;
    uint64_t id = bv_rdle(ev->body, il);
    for (size_t i = 0; i < ntables; i++)
        if (tables[i].id == id)
            return &tables[i];
    return NULL;
}

/* Offset of the row data in a rows event body (after the column bitmaps). */
static size_t rows_data_at(const bv_rawev *ev, const bv_fde *fde, uint64_t *width, const uint8_t **cols,
                           const uint8_t **cols_ai)
{
    bv_cur c = bv_cur_make(ev->body, ev->body_len);
    uint16_t flags, extra = 0;
    if (bv_cur_skip(&c, idlen_of(fde, ev->type)) || bv_cur_u16le(&c, &flags))
        return 0;
    if (is_v2(fde, ev->type) && (bv_cur_u16le(&c, &extra) || extra < 2 || bv_cur_skip(&c, extra - 2u)))
        return 0;
    if (bv_cur_packed(&c, width) || *width == 0 || *width > 4096 || bv_cur_bytes(&c, (*width + 7) / 8, cols))
        return 0;
    *cols_ai = NULL;
    if (is_update(ev->type) && bv_cur_bytes(&c, (*width + 7) / 8, cols_ai))
        return 0;
    return ev->body_len - c.left;
}

/* ------------------------------------------------------------ values */

static unsigned nvalues, njson, ndecimal;

static uint8_t flag_byte(const bv_column *col)
{
    unsigned cs = col->charset == 0 ? 0 : col->charset == 63 ? 1 : col->charset == 255 ? 3 : 2;
    return (uint8_t)(((col->flags & BV_COL_UNSIGNED) ? 1 : 0) | ((col->flags & BV_COL_BINARY) ? 2 : 0) | cs << 2);
}

static void value_seed(const bv_column *col, const uint8_t *p, size_t n)
{
    char name[600];
    bv_buf b;
    if (n > VALUE_MAX)
        return;
    uint8_t fb = flag_byte(col);
    unsigned key = 0x10000000u | (unsigned)col->type << 20 | (col->meta & 0xffff) << 4 | (fb & 15);
    bv_buf_init(&b);
    if (take(key, 2)) {
        bv_buf_put_u8(&b, 0);
        bv_buf_put_u8(&b, col->type);
        bv_buf_put_u8(&b, (uint8_t)col->meta);
        bv_buf_put_u8(&b, (uint8_t)(col->meta >> 8));
        bv_buf_put_u8(&b, fb);
        bv_buf_put(&b, p, n);
        snprintf(name, sizeof(name), "%s-value-t%u-%u", tag, col->type, nvalues++);
        put("binlog_values", name, &b);
    }
    if (col->type == BV_MYSQL_TYPE_NEWDECIMAL && take(0x20000000u | (col->meta & 0xffff), 1) && ndecimal < 30) {
        bv_buf_reset(&b);
        bv_buf_put_u8(&b, 1);
        bv_buf_put_u8(&b, (uint8_t)(col->meta >> 8));
        bv_buf_put_u8(&b, (uint8_t)col->meta);
        bv_buf_put(&b, p, n);
        snprintf(name, sizeof(name), "%s-decimal-%u", tag, ndecimal++);
        put("binlog_values", name, &b);
    }
    if (col->type == BV_MYSQL_TYPE_JSON && col->meta >= 1 && col->meta <= 4 && n >= col->meta && njson < 40 &&
        take(0x30000000u | (unsigned)p[col->meta], 4)) {
        bv_buf_reset(&b);
        bv_buf_put_u8(&b, 2);
        bv_buf_put(&b, p + col->meta, n - col->meta);
        snprintf(name, sizeof(name), "%s-json-%u", tag, njson++);
        put("binlog_values", name, &b);
    }
    bv_buf_release(&b);
}

static void cut_values(const bv_rawev *ev, const bv_fde *fde)
{
    tmap *t = table_of(ev, fde);
    uint64_t width;
    const uint8_t *cols, *cols_ai;
    if (!t || !t->ok || ev->type == BV_BL_PARTIAL_UPDATE || ev->type >= 166)
        return;
    size_t at = rows_data_at(ev, fde, &width, &cols, &cols_ai);
    if (!at)
        return;
    const bv_schema *s = t->tm.schema;
    uint32_t ncols = bv_schema_ncols(s);
    if (width > ncols)
        return;
    bv_arena arena;
    bv_arena_init(&arena);
    bv_cur c = bv_cur_make(ev->body + at, ev->body_len - at);
    while (c.left) {
        for (int img = 0; img < (cols_ai ? 2 : 1); img++) {
            const uint8_t *present = img ? cols_ai : cols;
            uint32_t npresent = 0;
            const uint8_t *nulls;
            for (uint32_t i = 0; i < width; i++)
                npresent += (present[i / 8] >> (i % 8)) & 1;
            if (bv_cur_bytes(&c, (npresent + 7) / 8, &nulls))
                goto out;
            uint32_t k = 0;
            for (uint32_t i = 0; i < width; i++) {
                if (!((present[i / 8] >> (i % 8)) & 1))
                    continue;
                int isnull = (nulls[k / 8] >> (k % 8)) & 1;
                k++;
                if (isnull)
                    continue;
                const uint8_t *from = c.p;
                bv_value v;
                if (bv_binlog_value(&c, bv_schema_column(s, i), &arena, &v, NULL, 0))
                    goto out;
                value_seed(bv_schema_column(s, i), from, (size_t)(c.p - from));
            }
        }
        bv_arena_reset(&arena);
    }
out:
    bv_arena_release(&arena);
}

/* ------------------------------------------------------------ events */

static unsigned nevents;
static int in_txn;
static unsigned per_file[256]; /* event seeds of this file, by type */

static int fde_fixture(const bv_fde *fde)
{
    if (fde->mariadb)
        return 2;
    if (!fde->checksum)
        return 1;
    return atoi(fde->server_version) >= 9 ? 3 : 0;
}

/* Write an event seed for fuzz_binlog_events. */
static void event_seed(const char *what, unsigned type, uint8_t opt, uint8_t hflags, uint8_t ph_type, uint8_t ph_tm,
                       const uint8_t *tm, size_t tmlen, const uint8_t *pre, size_t prelen, const uint8_t *body, size_t n)
{
    char name[600];
    bv_buf b;
    int idx = type_index(type);
    if (idx < 0 || tmlen > 0xffff)
        return;
    bv_buf_init(&b);
    bv_buf_put_u8(&b, (uint8_t)idx);
    bv_buf_put_u8(&b, opt);
    bv_buf_put_u8(&b, hflags);
    bv_buf_put_u8(&b, ph_type);
    bv_buf_put_u8(&b, ph_tm);
    bv_buf_put_u16le(&b, (uint16_t)tmlen);
    bv_buf_put(&b, tm, tmlen);
    bv_buf_put(&b, pre, prelen);
    bv_buf_put(&b, body, n);
    snprintf(name, sizeof(name), "%s-%s-%u", tag, what, nevents++);
    put("binlog_events", name, &b);
    bv_buf_release(&b);
}

static uint8_t base_opt(const bv_rawev *ev, const bv_fde *fde, int begin)
{
    return (uint8_t)(fde_fixture(fde) | (begin ? 4 : 0) | (ev->ts == 0 && ev->log_pos == 0 ? 8 : 0));
}

static void maria_compress(bv_buf *out, const uint8_t *p, size_t n)
{
    uLongf cap = compressBound((uLong)n);
    uint8_t *z = malloc(cap ? cap : 1);
    if (!z || compress(z, &cap, p, (uLong)n) != Z_OK) abort();
    unsigned lenlen = n < 256 ? 1 : n < 65536 ? 2 : 3;
    bv_buf_put_u8(out, (uint8_t)(0x80 | lenlen));
    for (unsigned i = lenlen; i-- > 0;)
        bv_buf_put_u8(out, (uint8_t)(n >> (8 * i)));
    bv_buf_put(out, z, cap);
    free(z);
}

static void one_event(const bv_rawev *ev, const bv_fde *fde, int inner);

/* The inner events of a TRANSACTION_PAYLOAD (decompressed into out). */
static int payload_inner(const bv_rawev *ev, bv_buf *out)
{
    bv_cur c = bv_cur_make(ev->body, ev->body_len);
    uint64_t type, len, v, psize = UINT64_MAX, ctype = UINT64_MAX;
    for (;;) {
        if (bv_cur_packed(&c, &type))
            return -1;
        if (type == 0)
            break;
        if (bv_cur_packed(&c, &len) || len > c.left)
            return -1;
        bv_cur f = bv_cur_make(c.p, (size_t)len);
        bv_cur_skip(&c, (size_t)len);
        if ((type == 1 || type == 2) && !bv_cur_packed(&f, &v))
            *(type == 1 ? &psize : &ctype) = v;
    }
    if (psize > c.left || ctype != 0)
        return -1;
    ZSTD_DStream *zs = ZSTD_createDStream();
    ZSTD_inBuffer in = {c.p, (size_t)psize, 0};
    size_t zr = 1;
    bv_buf_reset(out);
    while (zr != 0) {
        if (bv_buf_reserve(out, 1u << 16) || out->len > (1u << 24))
            break;
        ZSTD_outBuffer o = {out->data + out->len, out->cap - out->len, 0};
        size_t before = in.pos;
        zr = ZSTD_decompressStream(zs, &o, &in);
        out->len += o.pos;
        if (ZSTD_isError(zr) || (o.pos == 0 && in.pos == before))
            break;
    }
    ZSTD_freeDStream(zs);
    return zr == 0 ? 0 : -1;
}

static void one_event(const bv_rawev *ev, const bv_fde *fde, int inner)
{
    unsigned t = ev->type;
    uint8_t ph = fde->post_header[t], phtm = fde->post_header[BV_BL_TABLE_MAP];
    int begin = in_txn;
    char what[64];
    snprintf(what, sizeof(what), "%sev%u", inner ? "inner-" : "", t);

    /* the transaction state a decoder would be in before this event */
    if (t == BV_BL_QUERY && ev->body_len > 13) {
        unsigned dbl = ev->body[8], svl = (unsigned)bv_rdle(ev->body + 11, 2);
        size_t q = (size_t)(fde->post_header[2] ? fde->post_header[2] : 13) + svl + dbl + 1;
        if (q <= ev->body_len) {
            const char *sql = (const char *)ev->body + q;
            size_t sn = ev->body_len - q;
            if (sn >= 5 && strncasecmp(sql, "BEGIN", 5) == 0)
                in_txn = 1;
            else if ((sn >= 6 && strncasecmp(sql, "COMMIT", 6) == 0) || (sn >= 8 && strncasecmp(sql, "ROLLBACK", 8) == 0))
                in_txn = 0;
            /* MariaDB QUERY as a compressed QUERY_Z, split before the text */
            if (fde->mariadb && q <= 255 && take(0x40000000u, 3)) {
                uint8_t k = (uint8_t)q;
                event_seed("wrap-query-z", BV_BL_MARIA_QUERY_Z, (uint8_t)(base_opt(ev, fde, begin) | 32), (uint8_t)ev->flags,
                           fde->post_header[2], phtm, NULL, 0, &k, 1, ev->body, ev->body_len);
                bv_buf z;
                bv_buf_init(&z);
                bv_buf_put(&z, ev->body, q);
                maria_compress(&z, ev->body + q, ev->body_len - q);
                event_seed("query-z", BV_BL_MARIA_QUERY_Z, base_opt(ev, fde, begin), (uint8_t)ev->flags, fde->post_header[2], phtm,
                           NULL, 0, NULL, 0, z.data, z.len);
                bv_buf_release(&z);
            }
        }
    } else if (t == BV_BL_XID) {
        in_txn = 0;
    } else if (t == BV_BL_MARIA_GTID && ev->body_len >= 13) {
        in_txn = !(ev->body[12] & 1);
    }

    if (t == BV_BL_TABLE_MAP)
        table_add(ev, fde);

    const uint8_t *tm = NULL;
    size_t tmlen = 0;
    if (is_rows(t)) {
        tmap *tb = table_of(ev, fde);
        if (!tb)
            return;
        tm = tb->body;
        tmlen = tb->len;
        cut_values(ev, fde);
    }
    unsigned per_type = is_rows(t) ? 12 : t == BV_BL_QUERY ? 10 : t == BV_BL_TABLE_MAP ? 10 : 5;
    if (ev->body_len <= EVENT_MAX && per_file[t] < (is_rows(t) ? 2u : 1u) && take((inner ? 0x58000000u : 0x50000000u) | t, per_type) &&
        ++per_file[t])
        event_seed(what, t, base_opt(ev, fde, begin), (uint8_t)ev->flags, ph, phtm, tm, tmlen, NULL, 0, ev->body, ev->body_len);

    /* rows as MariaDB compressed rows (v1 from MariaDB, v2 from MySQL) */
    if (is_rows(t) && t != 39 && t < 160 && ev->body_len <= EVENT_MAX) {
        uint64_t width;
        const uint8_t *cols, *cols_ai;
        size_t at = rows_data_at(ev, fde, &width, &cols, &cols_ai);
        unsigned zt = t >= 30 ? t - 30 + 169 : t - 23 + 166;
        if (at && at <= 255 && take(0x70000000u | zt, 2)) {
            uint8_t k = (uint8_t)at;
            uint8_t opt = (uint8_t)((base_opt(ev, fde, begin) & ~3) | 2 | 32);
            event_seed("wrap-rows-z", zt, opt, (uint8_t)ev->flags, ph, phtm, tm, tmlen, &k, 1, ev->body, ev->body_len);
            bv_buf z;
            bv_buf_init(&z);
            bv_buf_put(&z, ev->body, at);
            maria_compress(&z, ev->body + at, ev->body_len - at);
            event_seed("rows-z", zt, (uint8_t)(opt & ~32), (uint8_t)ev->flags, ph, phtm, tm, tmlen, NULL, 0, z.data, z.len);
            bv_buf_release(&z);
        }
    }

    /* truncated variants of a few parsers' inputs */
    if (!inner && ev->body_len >= 2 && ev->body_len <= EVENT_MAX &&
        (t == 33 || t == 42 || t == 35 || t == 162 || t == 163 || t == 4 || t == 19 || t == 2 || t == 30 ||
         t == 40 || t == 16) &&
        take(0x80000000u | t, 1)) {
        snprintf(what, sizeof(what), "bad-ev%u-trunc", t);
        event_seed(what, t, base_opt(ev, fde, begin), (uint8_t)ev->flags, ph, phtm, tm, tmlen, NULL, 0, ev->body, ev->body_len - 1);
    }

    if (t == BV_BL_PAYLOAD) {
        bv_buf raw;
        bv_buf_init(&raw);
        if (payload_inner(ev, &raw) == 0) {
            /* the harness recompresses the inner events (wrap) */
            if (raw.len <= EVENT_MAX)
                event_seed("wrap-payload", t, (uint8_t)(base_opt(ev, fde, begin) | 32), (uint8_t)ev->flags, ph, phtm, NULL, 0, NULL, 0,
                           raw.data, raw.len);
            /* uncompressed payload (compression type 255), hand-made */
            if (raw.len <= EVENT_MAX && take(0x90000000u, 1)) {
                bv_buf u;
                bv_buf_init(&u);
                /* compression type 255 (none): packed 0xfc ff 00 */
                bv_buf_put_u8(&u, 2); bv_buf_put_u8(&u, 3); bv_buf_put_u8(&u, 0xfc); bv_buf_put_u16le(&u, 255);
                bv_buf_put_u8(&u, 1);
                bv_buf_put_u8(&u, raw.len < 251 ? 1 : 3);
                if (raw.len < 251) {
                    bv_buf_put_u8(&u, (uint8_t)raw.len);
                } else {
                    bv_buf_put_u8(&u, 0xfc);
                    bv_buf_put_u16le(&u, (uint16_t)raw.len);
                }
                bv_buf_put_u8(&u, 0);
                bv_buf_put(&u, raw.data, raw.len);
                event_seed("payload-uncompressed", t, base_opt(ev, fde, begin), (uint8_t)ev->flags, ph, phtm, NULL, 0, NULL, 0, u.data,
                           u.len);
                bv_buf_release(&u);
            }
            /* the inner events one by one */
            size_t at = 0;
            while (at < raw.len) {
                bv_rawev in;
                size_t need;
                if (bv_binlog_frame(raw.data + at, raw.len - at, ev->offset, fde, 1, &in, &need, NULL, 0))
                    break;
                one_event(&in, fde, 1);
                at += in.size;
            }
        }
        bv_buf_release(&raw);
    }
}

/* ------------------------------------------------------------ files */

static int txn_start(const ev_t *e)
{
    unsigned t = e->ev.type;
    if (t == 33 || t == 34 || t == 42 || t == 162)
        return 1;
    return t == BV_BL_QUERY && e->ev.body_len > 13 &&
           memmem(e->ev.body, e->ev.body_len, "BEGIN", 5) == e->ev.body + e->ev.body_len - 5;
}

static void process(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    bv_buf d;
    bv_buf_init(&d);
    uint8_t chunk[65536];
    size_t r;
    while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
        bv_buf_put(&d, chunk, r);
    fclose(f);
    char name[600];

    if (d.len <= WHOLE_MAX) {
        snprintf(name, sizeof(name), "%s", tag);
        put("binlog", name, &d);
    }
    if (d.len < 4 || memcmp(d.data, BV_BL_MAGIC, 4) != 0) {
        bv_buf_release(&d);
        return;
    }
    bv_fde fde;
    memset(&fde, 0, sizeof(fde));
    nevs = 0;
    size_t at = 4;
    while (at < d.len) {
        bv_rawev ev;
        size_t need;
        if (bv_binlog_frame(d.data + at, d.len - at, at, &fde, 0, &ev, &need, NULL, 0))
            break;
        if (ev.type == BV_BL_FDE && bv_binlog_parse_fde(&ev, &fde, NULL, 0))
            break;
        add_ev(&ev, d.data + at, &fde);
        at += ev.size;
    }
    if (d.len > WHOLE_MAX && nevs) {
        /* head: the first events up to SLICE_MAX */
        size_t end = 4, i = 0;
        for (; i < nevs && evs[i].ev.offset + evs[i].ev.size <= SLICE_MAX; i++)
            end = evs[i].ev.offset + evs[i].ev.size;
        snprintf(name, sizeof(name), "%s-head", tag);
        putraw("binlog", name, d.data, end);
        /* tail: FDE and header events, then the last events from a
         * transaction start */
        size_t hdr = 0, hend = 4;
        while (hdr < nevs && (evs[hdr].ev.type == 15 || evs[hdr].ev.type == 35 || evs[hdr].ev.type == 163 ||
                              evs[hdr].ev.type == 161)) {
            hend = evs[hdr].ev.offset + evs[hdr].ev.size;
            hdr++;
        }
        size_t j = nevs, total = hend;
        while (j > hdr && total + evs[j - 1].ev.size <= SLICE_MAX) {
            total += evs[j - 1].ev.size;
            j--;
        }
        while (j < nevs && !txn_start(&evs[j]))
            j++;
        if (j > i && j < nevs) {
            bv_buf b;
            bv_buf_init(&b);
            bv_buf_put(&b, d.data, hend);
            bv_buf_put(&b, evs[j].raw, (size_t)(evs[nevs - 1].ev.offset + evs[nevs - 1].ev.size - evs[j].ev.offset));
            snprintf(name, sizeof(name), "%s-tail", tag);
            put("binlog", name, &b);
            bv_buf_release(&b);
        }
    }
    /* single events and values (events of big files: only those of the
     * head and tail windows above would be representative; take all) */
    tables_clear();
    in_txn = 0;
    memset(per_file, 0, sizeof(per_file));
    for (size_t i = 0; i < nevs; i++)
        if (evs[i].ev.type != BV_BL_FDE || i > 0)
            one_event(&evs[i].ev, &evs[i].fde, 0);
    tables_clear();
    bv_buf_release(&d);
}

/* msmp/jsonb.terms: Erlang binaries <<N,N,...>> holding a 4-byte length and
 * a binary JSON document. */
static void jsonb_terms(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    bv_buf t;
    bv_buf_init(&t);
    int ch, comment = 0;
    while ((ch = fgetc(f)) != EOF) {
        if (ch == '%')
            comment = 1;
        if (ch == '\n')
            comment = 0;
        if (!comment)
            bv_buf_put_u8(&t, (uint8_t)ch);
    }
    fclose(f);
    bv_buf_put_u8(&t, 0);
    unsigned k = 0;
    for (char *s = (char *)t.data; (s = strstr(s, "<<")) != NULL;) {
        char *e = strstr(s + 2, ">>");
        if (!e)
            break;
        if (strspn(s + 2, "0123456789, \t\r\n") == (size_t)(e - s - 2)) {
            bv_buf b;
            bv_buf_init(&b);
            bv_buf_put_u8(&b, 2);
            for (char *p = s + 2; p < e;) {
                char *q;
                unsigned long v = strtoul(p, &q, 10);
                if (q == p) { p++; continue; }
                bv_buf_put_u8(&b, (uint8_t)v);
                p = q;
            }
            if (b.len > 5 && bv_rd32(b.data + 1) == b.len - 5) {
                bv_buf c;
                bv_buf_init(&c);
                bv_buf_put_u8(&c, 2);
                bv_buf_put(&c, b.data + 5, b.len - 5);
                char name[64];
                snprintf(name, sizeof(name), "jsonb-terms-%u", k++);
                put("binlog_values", name, &c);
                bv_buf_release(&c);
            }
            bv_buf_release(&b);
        }
        s = e + 2;
    }
    bv_buf_release(&t);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc % 2) { fprintf(stderr, "usage: blcorpus OUTDIR (PATH TAG)...\n"); return 2; }
    outdir = argv[1];
    for (int i = 2; i + 1 < argc; i += 2) {
        tag = argv[i + 1];
        if (strcmp(tag, "jsonb-terms") == 0)
            jsonb_terms(argv[i]);
        else
            process(argv[i]);
    }
    return 0;
}
EOF

cc -std=c11 -O1 -g -D_GNU_SOURCE -Iinclude -Iformat -Iarchiver "$tmp/tool.c" build/default/libbvarchiver.a \
    build/default/libbvformat.a $(pkg-config --libs libzstd libxxhash zlib 2>/dev/null || echo -lzstd -lxxhash -lz) \
    -lm -o "$tmp/blcorpus"

for t in binlog binlog_events binlog_values; do
    mkdir -p "$corpus/$t"
    rm -f "$corpus/$t"/gen-*
done

# Every binlog of the fixtures (sakila.gz decompressed first), smallest
# first (the per-type quotas fill from small files); the tag names the seeds.
args=()
while IFS= read -r rel; do
    f=$fixtures/$rel
    tagname=$(printf '%s' "$rel" | tr '/' '-')
    if [[ $rel == *.gz ]]; then
        tagname=${tagname%.gz}
        gzip -dc "$f" > "$tmp/$tagname"
        f=$tmp/$tagname
    fi
    [ "$(head -c 4 "$f" | od -An -tx1 | tr -d ' \n')" = fe62696e ] || continue
    # same server and workload as mariadb-repl-bin.000004: nothing new
    case "$rel" in */mariadb-repl-bin.00000[567]) continue ;; esac
    args+=("$f" "$tagname")
done < <(cd "$fixtures" && find . -type f -printf '%s %P\n' | LC_ALL=C sort -k1,1n -k2 | cut -d' ' -f2-)
[ -f "$fixtures/msmp/jsonb.terms" ] && args+=("$fixtures/msmp/jsonb.terms" jsonb-terms)
"$tmp/blcorpus" "$corpus" "${args[@]}"

# ------------------------------------------------------------------ hand-made
python3 - "$fixtures" "$corpus" <<'PY'
import struct, sys
fixtures, corpus = sys.argv[1], sys.argv[2]

def put(target, name, data):
    with open(f"{corpus}/{target}/gen-{name}", "wb") as f:
        f.write(bytes(data))

# binlog: malformed variants of a small real file
try:
    d = open(f"{fixtures}/rust_mysql_common/binlog_transaction_with_GTID_TAG.000001", "rb").read()
except OSError:
    d = None
if d:
    fde = struct.unpack_from("<I", d, 4 + 9)[0]
    put("binlog", "bad-truncated-last-event", d[:-7])
    flipped = bytearray(d)
    flipped[len(d) // 2] ^= 0x5A  # pass 1: CRC mismatch; pass 2 decodes the changed event
    put("binlog", "bad-flipped-byte", flipped)
    put("binlog", "bad-no-fde", d[:4] + d[4 + fde:])
    small = bytearray(d)
    struct.pack_into("<I", small, 4 + fde + 9, 12)  # event size below its header
    put("binlog", "bad-event-size", small)
    inuse = bytearray(d)
    inuse[4 + 17] ^= 1  # FDE in-use flag toggled: its CRC is computed without it
    put("binlog", "fde-in-use-toggled", inuse)

# binlog_values
dig2bytes = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4]
def dec_bin(text, prec, scale):
    neg = text.startswith("-")
    ip, _, fp = text.lstrip("-").partition(".")
    intg = prec - scale
    digits = ip.rjust(intg, "0")[-intg:] if intg else ""
    digits += fp.ljust(scale, "0")
    out = bytearray()
    groups = [intg % 9] + [9] * (intg // 9) + [9] * (scale // 9) + [scale % 9]
    at = 0
    for g in groups:
        if g:
            out += int(digits[at:at + g]).to_bytes(dig2bytes[g], "big")
            at += g
    if out:
        out[0] ^= 0x80
        if neg:
            out = bytearray(b ^ 0xFF for b in out)
    return out

def value(ty, meta, flags, data):
    return bytes([0, ty, meta & 0xFF, meta >> 8, flags]) + bytes(data)

put("binlog_values", "decimal-65-30", bytes([1, 65, 30]) + dec_bin("-" + "9" * 35 + "." + "0" * 29 + "1", 65, 30))
put("binlog_values", "decimal-18-9", bytes([1, 18, 9]) + dec_bin("-123456789.000000001", 18, 9))
put("binlog_values", "bad-decimal-negative-zero", bytes([1, 5, 2]) + bytes([0x7F, 0xFF, 0xFF]))
put("binlog_values", "bad-decimal-group-overflow", bytes([1, 5, 2]) + bytes([0x9A, 0x00, 0x00]))
put("binlog_values", "value-decimal-10-4", value(246, 10 << 8 | 4, 0, dec_bin("-12345.6789", 10, 4)))
# temporal values with fractional seconds (no fixture has fsp > 0)
def time2(neg, h, m, s, us, fsp):
    # my_time_packed_to_binary(): integer part (arithmetic shift) + 0x800000,
    # fraction as C's truncating remainder and division
    v = (h << 12 | m << 6 | s) << 24 | us
    v = -v if neg else v
    if fsp >= 5:
        return (v + 0x800000000000).to_bytes(6, "big")
    ip = v >> 24
    frac = -((-v) & 0xFFFFFF) if v < 0 else v & 0xFFFFFF
    fb = (fsp + 1) // 2
    div = 10000 if fsp <= 2 else 100
    f = -((-frac) // div) if frac < 0 else frac // div
    return (ip + 0x800000).to_bytes(3, "big") + ((f & ((1 << (8 * fb)) - 1)).to_bytes(fb, "big") if fb else b"")
put("binlog_values", "value-time2-fsp6-negative", value(19, 6, 0, time2(True, 838, 59, 58, 999999, 6)))
put("binlog_values", "value-time2-fsp3-negative", value(19, 3, 0, time2(True, 1, 2, 3, 456700, 3)))
put("binlog_values", "value-time2-fsp1", value(19, 1, 0, time2(False, 12, 0, 1, 500000, 1)))
def datetime2(y, mo, d, h, mi, s, us, fsp):
    ip = ((y * 13 + mo) << 5 | d) << 17 | (h << 12 | mi << 6 | s)
    fb = (fsp + 1) // 2
    frac = us // [1, 10000, 100, 1][fb] if fb else 0
    return (ip + 0x8000000000).to_bytes(5, "big") + (frac.to_bytes(fb, "big") if fb else b"")
put("binlog_values", "value-datetime2-fsp3", value(18, 3, 0, datetime2(2024, 2, 29, 23, 59, 59, 123000, 3)))
put("binlog_values", "value-datetime2-fsp6", value(18, 6, 0, datetime2(9999, 12, 31, 0, 0, 0, 999999, 6)))
put("binlog_values", "value-timestamp2-fsp4", value(17, 4, 0, (1700000000).to_bytes(4, "big") + (9999).to_bytes(2, "big")))
put("binlog_values", "value-bit-13", value(16, 1 << 8 | 5, 0, b"\x1f\xff"))
put("binlog_values", "value-year-2155", value(13, 0, 0, b"\xff"))
put("binlog_values", "value-binary-padded", value(254, 254 << 8 | 8, 1 << 2, b"\x03abc"))
put("binlog_values", "value-geometry-point", value(255, 4, 0, struct.pack("<I", 25) + struct.pack("<I", 0) +
                                                  b"\x01\x01\x00\x00\x00" + struct.pack("<dd", 1.0, 2.0)))
put("binlog_values", "value-vector", value(242, 4, 1 << 2, struct.pack("<I", 8) + struct.pack("<ff", 1.5, -2.0)))
# binary JSON edge cases
put("binlog_values", "json-double", b"\x02\x0b" + struct.pack("<d", 1.0))
put("binlog_values", "json-double-denormal", b"\x02\x0b" + struct.pack("<d", 5e-324))
put("binlog_values", "json-double-1e16", b"\x02\x0b" + struct.pack("<d", 1e16))
put("binlog_values", "json-double-negative-zero", b"\x02\x0b" + struct.pack("<d", -0.0))
put("binlog_values", "json-opaque-decimal", b"\x02\x0f\xf6\x04\x04\x02\x81\x00")
put("binlog_values", "json-opaque-datetime", b"\x02\x0f\x0c\x08" + struct.pack("<q", (((2012 * 13 + 3) << 5 | 18) << 17 | (11 << 12 | 30 << 6 | 45)) << 24))
put("binlog_values", "json-opaque-blob", b"\x02\x0f\xfc\x05hello")
put("binlog_values", "json-string-escapes", b"\x02\x0c\x08a\"b\\\n\x01/\x7f")
put("binlog_values", "bad-json-utf8", b"\x02\x0c\x02\xc3\x28")
# 101 nested one-element small arrays: deeper than MySQL's 100
inner = bytes([1, 0, 7, 0, 4, 0, 0])  # [null]: count 1, size 7, one inline literal entry
for _ in range(100):
    size = 4 + 3 + len(inner)
    inner = struct.pack("<HH", 1, size) + bytes([2]) + struct.pack("<H", 7) + inner
put("binlog_values", "bad-json-deep", b"\x02\x02" + inner)
PY
ls "$corpus"/binlog* -d | while read -r d; do
    printf '%s: %s files, %s bytes\n' "${d#"$root"/}" "$(ls "$d" | wc -l)" "$(cat "$d"/* | wc -c)"
done
