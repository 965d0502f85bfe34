/* Segment files: header, blocks, footer and trailer codecs; opening a
 * segment file and reading its blocks. See FORMAT.md. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <zstd.h>

#include "internal.h"

/* ------------------------------------------------------------ io helpers */

uint64_t bv_now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

int bv_write_all(int fd, const void *p, size_t n, const char *path, char *err, size_t errlen)
{
    const uint8_t *q = p;
    while (n) {
        ssize_t w = write(fd, q, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            return bv_seterr(err, errlen, e == ENOSPC || e == EDQUOT ? BV_E_NOSPC : BV_E_IO,
                             "%s: write failed: %s", path, strerror(e));
        }
        q += w;
        n -= (size_t)w;
    }
    return BV_OK;
}

int bv_pread_all(int fd, void *p, size_t n, uint64_t off, const char *path, char *err, size_t errlen)
{
    uint8_t *q = p;
    while (n) {
        ssize_t r = pread(fd, q, n, (off_t)off);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return bv_seterr(err, errlen, BV_E_IO, "%s: read at offset %llu failed: %s", path,
                             (unsigned long long)off, strerror(errno));
        }
        if (r == 0)
            return bv_seterr(err, errlen, BV_E_TRUNCATED, "%s: unexpected end of file at offset %llu", path,
                             (unsigned long long)off);
        q += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return BV_OK;
}

int bv_fsync_dir(const char *dir, char *err, size_t errlen)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return bv_seterr(err, errlen, BV_E_IO, "%s: cannot open directory: %s", dir, strerror(errno));
    int rc = BV_OK;
    if (fsync(fd) != 0)
        rc = bv_seterr(err, errlen, BV_E_IO, "%s: fsync of directory failed: %s", dir, strerror(errno));
    close(fd);
    return rc;
}

/* ------------------------------------------------------------ names */

static int name_char_ok(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

int bv_segment_name(char *out, size_t outlen, uint64_t seq, bv_str file, uint64_t offset, int part)
{
    char enc[3 * BV_MAX_NAME + 1];
    size_t k = 0;
    if (file.len == 0 || file.len > BV_MAX_NAME || seq > 9999999999ull || offset > 999999999999ull)
        return BV_E_RANGE;
    for (size_t i = 0; i < file.len; i++) {
        unsigned char c = (unsigned char)file.ptr[i];
        if (name_char_ok(c)) {
            enc[k++] = (char)c;
        } else {
            snprintf(enc + k, 4, "%%%02X", c);
            k += 3;
        }
    }
    enc[k] = 0;
    int n = snprintf(out, outlen, "%010llu-%s-%012llu.bvseg%s", (unsigned long long)seq, enc,
                     (unsigned long long)offset, part ? ".part" : "");
    return n < 0 || (size_t)n >= outlen ? BV_E_RANGE : BV_OK;
}

int bv_segment_name_parse(const char *name, uint64_t *seq, uint64_t *offset)
{
    size_t n = strlen(name);
    int part = 0;
    if (n > 5 && strcmp(name + n - 5, ".part") == 0) {
        part = 1;
        n -= 5;
    }
    if (n < 6 || strncmp(name + n - 6, ".bvseg", 6) != 0)
        return -1;
    n -= 6;
    /* SSSSSSSSSS-<file>-OOOOOOOOOOOO */
    if (n < 10 + 1 + 1 + 1 + 12 || name[10] != '-' || name[n - 13] != '-')
        return -1;
    uint64_t s = 0, o = 0;
    for (size_t i = 0; i < 10; i++) {
        if (name[i] < '0' || name[i] > '9')
            return -1;
        s = s * 10 + (uint64_t)(name[i] - '0');
    }
    for (size_t i = n - 12; i < n; i++) {
        if (name[i] < '0' || name[i] > '9')
            return -1;
        o = o * 10 + (uint64_t)(name[i] - '0');
    }
    *seq = s;
    *offset = o;
    return part ? 0 : 1;
}

/* ------------------------------------------------------------ header */

void bv_seg_header_encode(bv_buf *b, const bv_seg_header *h)
{
    bv_buf body;
    bv_buf_init(&body);
    bv_buf_put_varint(&body, h->seq);
    bv_buf_put_varint(&body, h->created_us);
    bv_buf_put_u8(&body, h->source.flavor);
    bv_buf_put_varint(&body, h->source.server_id);
    bv_buf_put_str(&body, h->source.server_uuid.ptr, h->source.server_uuid.len);
    bv_buf_put_str(&body, h->source.server_version.ptr, h->source.server_version.len);
    bv_buf_put_str(&body, h->start_file.ptr, h->start_file.len);
    bv_buf_put_varint(&body, h->start_offset);
    bv_buf_put_str(&body, h->start_gtid.ptr, h->start_gtid.len);
    size_t start = b->len;
    bv_buf_put(b, BV_SEG_MAGIC, BV_SEG_MAGIC_LEN);
    bv_buf_put_u16le(b, BV_FORMAT_VERSION);
    bv_buf_put_u16le(b, 0);
    bv_buf_put_u32le(b, (uint32_t)body.len);
    bv_buf_put(b, body.data, body.len);
    if (body.oom)
        b->oom = 1;
    if (!b->oom)
        bv_buf_put_u64le(b, bv_xxh64(b->data + start, b->len - start));
    bv_buf_release(&body);
}

static int strv(bv_cur *c, size_t max, bv_str *s)
{
    const uint8_t *p;
    size_t n;
    int rc = bv_cur_str(c, max, &p, &n);
    if (rc == BV_OK) {
        s->ptr = (const char *)p;
        s->len = n;
    }
    return rc;
}

#define HDR_FIXED (BV_SEG_MAGIC_LEN + 2 + 2 + 4)

int bv_seg_header_parse(const uint8_t *p, size_t n, bv_seg_header *h, size_t *hlen, char *err,
                        size_t errlen)
{
    memset(h, 0, sizeof(*h));
    if (n < HDR_FIXED)
        return bv_seterr(err, errlen, memcmp(p, BV_SEG_MAGIC, n < BV_SEG_MAGIC_LEN ? n : BV_SEG_MAGIC_LEN) ? BV_E_FOREIGN
                                                                                                        : BV_E_TRUNCATED,
                         "segment header truncated (%zu bytes)", n);
    if (memcmp(p, BV_SEG_MAGIC, BV_SEG_MAGIC_LEN) != 0)
        return bv_seterr(err, errlen, BV_E_FOREIGN, "bad magic at offset 0: not a binvault segment");
    uint16_t version = bv_rd16(p + 8), flags = bv_rd16(p + 10);
    uint32_t body_len = bv_rd32(p + 12);
    if (body_len > BV_MAX_HEADER)
        return bv_seterr(err, errlen, BV_E_CORRUPT, "header length %u at offset 12 is too large", body_len);
    size_t total = HDR_FIXED + (size_t)body_len + 8;
    if (n < total)
        return bv_seterr(err, errlen, BV_E_TRUNCATED, "segment header truncated: need %zu bytes, have %zu",
                         total, n);
    if (bv_xxh64(p, total - 8) != bv_rd64(p + total - 8))
        return bv_seterr(err, errlen, BV_E_CORRUPT, "header checksum mismatch at offset %zu", total - 8);
    if (version != BV_FORMAT_VERSION)
        return bv_seterr(err, errlen, BV_E_VERSION, "format version %u is not supported (this build reads %u)",
                         version, BV_FORMAT_VERSION);
    if (flags != 0)
        return bv_seterr(err, errlen, BV_E_VERSION, "unknown header flags 0x%04x at offset 10", flags);
    bv_cur c = bv_cur_make(p + HDR_FIXED, body_len);
    int rc;
    h->version = version;
    if ((rc = bv_cur_varint(&c, &h->seq)) || (rc = bv_cur_varint(&c, &h->created_us)) ||
        (rc = bv_cur_u8(&c, &h->source.flavor)) || (rc = bv_cur_varint32(&c, &h->source.server_id)) ||
        (rc = strv(&c, BV_MAX_NAME, &h->source.server_uuid)) ||
        (rc = strv(&c, BV_MAX_NAME, &h->source.server_version)) || (rc = strv(&c, BV_MAX_NAME, &h->start_file)) ||
        (rc = bv_cur_varint(&c, &h->start_offset)) || (rc = strv(&c, BV_MAX_TEXT, &h->start_gtid)))
        return bv_seterr(err, errlen, BV_E_CORRUPT, "header body malformed (%s)", bv_strerror(rc));
    if (c.left != 0 || h->source.flavor > BV_GTID_MARIADB || h->start_file.len == 0)
        return bv_seterr(err, errlen, BV_E_CORRUPT, "header body malformed at offset %zu",
                         (size_t)(c.p - p));
    *hlen = total;
    return BV_OK;
}

/* ------------------------------------------------------------ blocks */

void bv_block_meta_encode(bv_buf *b, const bv_block_meta *m)
{
    bv_buf_put_varint(b, m->flags);
    bv_buf_put_varint(b, m->events);
    bv_buf_put_varint(b, m->schemas);
    bv_buf_put_varint(b, m->first_index);
    bv_buf_put_varint(b, m->min_ts);
    bv_buf_put_varint(b, m->max_ts);
    bv_buf_put_str(b, m->first_file.ptr, m->first_file.len);
    bv_buf_put_varint(b, m->first_offset);
    bv_buf_put_varint(b, m->first_row);
    bv_buf_put_str(b, m->last_file.ptr, m->last_file.len);
    bv_buf_put_varint(b, m->last_offset);
    bv_buf_put_varint(b, m->last_row);
    for (int t = 1; t <= BV_EV_TYPE_MAX; t++)
        bv_buf_put_varint(b, m->counts[t]);
}

int bv_block_meta_decode(bv_cur *c, bv_block_meta *m)
{
    int rc;
    uint64_t sum = 0;
    memset(m, 0, sizeof(*m));
    if ((rc = bv_cur_varint32(c, &m->flags)) || (rc = bv_cur_varint32(c, &m->events)) ||
        (rc = bv_cur_varint32(c, &m->schemas)) || (rc = bv_cur_varint(c, &m->first_index)) ||
        (rc = bv_cur_varint(c, &m->min_ts)) || (rc = bv_cur_varint(c, &m->max_ts)) ||
        (rc = strv(c, BV_MAX_NAME, &m->first_file)) || (rc = bv_cur_varint(c, &m->first_offset)) ||
        (rc = bv_cur_varint32(c, &m->first_row)) || (rc = strv(c, BV_MAX_NAME, &m->last_file)) ||
        (rc = bv_cur_varint(c, &m->last_offset)) || (rc = bv_cur_varint32(c, &m->last_row)))
        return rc;
    for (int t = 1; t <= BV_EV_TYPE_MAX; t++) {
        if ((rc = bv_cur_varint(c, &m->counts[t])))
            return rc;
        sum += m->counts[t];
    }
    if ((m->flags & ~BV_BLK_FLAGS_KNOWN) || sum != m->events || m->min_ts > m->max_ts ||
        m->first_file.len == 0 || m->last_file.len == 0 || (m->events == 0 && m->schemas == 0) ||
        !!(m->flags & BV_BLK_HAS_SCHEMA) != (m->schemas > 0))
        return BV_E_CORRUPT;
    return BV_OK;
}

/* Level 0, the default: zstd's level 1 with 5-byte minimum matches
 * instead of 6. Row records repeat short runs (kind bytes, small varints,
 * date parts) that 6-byte matches miss. Measured on 1 MiB blocks of the
 * bench binlog's records and of bench_format's synthetic ones: 5.3 % and
 * 4.2 % smaller than level 1 at about its speed; against level 3, 2 %
 * smaller and 5 % larger, in 55-60 % of its time (tests/bench/README.md).
 * Levels 1..19 are zstd's own. */
static size_t set_zparams(ZSTD_CCtx *zc, int level)
{
    size_t r = ZSTD_CCtx_reset(zc, ZSTD_reset_session_and_parameters);
    if (!ZSTD_isError(r))
        r = ZSTD_CCtx_setParameter(zc, ZSTD_c_compressionLevel, level > 0 ? level : 1);
    if (!ZSTD_isError(r) && level == 0)
        r = ZSTD_CCtx_setParameter(zc, ZSTD_c_minMatch, 5);
    return r;
}

int bv_block_build(bv_buf *out, const bv_block_meta *m, const uint8_t *raw, size_t raw_len, int level,
                   void *zcctx)
{
    bv_buf meta;
    int rc = BV_OK;
    bv_buf_init(&meta);
    bv_block_meta_encode(&meta, m);
    if (meta.oom) {
        bv_buf_release(&meta);
        return BV_E_NOMEM;
    }
    if (meta.len > 0xffff || raw_len > BV_MAX_BLOCK_RAW) {
        rc = BV_E_RANGE;
        goto out;
    }
    size_t bound = ZSTD_compressBound(raw_len);
    size_t start = out->len;
    if ((rc = bv_buf_reserve(out, BV_BLOCK_FIXED + meta.len + bound + 8)))
        goto out;
    uint8_t *h = out->data + start;
    memcpy(h, BV_BLOCK_MAGIC, 4);
    h[4] = BV_CODEC_ZSTD;
    h[5] = 0;
    bv_wr16(h + 6, (uint16_t)meta.len);
    memcpy(h + BV_BLOCK_FIXED, meta.data, meta.len);
    uint8_t *payload = h + BV_BLOCK_FIXED + meta.len;
    size_t clen = set_zparams((ZSTD_CCtx *)zcctx, level);
    if (!ZSTD_isError(clen))
        clen = ZSTD_compress2((ZSTD_CCtx *)zcctx, payload, bound, raw, raw_len);
    if (ZSTD_isError(clen) || clen > UINT32_MAX) {
        rc = BV_E_NOMEM;
        goto out;
    }
    bv_wr32(h + 8, (uint32_t)clen);
    bv_wr32(h + 12, (uint32_t)raw_len);
    size_t body = BV_BLOCK_FIXED + meta.len + clen;
    bv_wr64(h + body, bv_xxh64(h, body));
    out->len = start + body + 8;
out:
    bv_buf_release(&meta);
    return rc;
}

int bv_block_length(const uint8_t *hdr, uint64_t *len)
{
    if (memcmp(hdr, BV_BLOCK_MAGIC, 4) != 0)
        return BV_E_CORRUPT;
    *len = (uint64_t)BV_BLOCK_FIXED + bv_rd16(hdr + 6) + bv_rd32(hdr + 8) + 8;
    return BV_OK;
}

int bv_block_parse(const uint8_t *p, size_t n, bv_block_meta *m, const uint8_t **payload,
                   uint32_t *payload_len, uint32_t *raw_len, char *err, size_t errlen)
{
    uint64_t len;
    if (n < BV_BLOCK_FIXED + 8)
        return bv_seterr(err, errlen, BV_E_TRUNCATED, "block truncated");
    if (bv_block_length(p, &len) != BV_OK)
        return bv_seterr(err, errlen, BV_E_CORRUPT, "bad block magic");
    if (len != n)
        return bv_seterr(err, errlen, BV_E_TRUNCATED, "block length %llu, have %zu bytes",
                         (unsigned long long)len, n);
    /* Checksum before anything else is trusted. */
    if (bv_xxh64(p, n - 8) != bv_rd64(p + n - 8))
        return bv_seterr(err, errlen, BV_E_CORRUPT, "block checksum mismatch");
    if (p[4] != BV_CODEC_ZSTD || p[5] != 0)
        return bv_seterr(err, errlen, BV_E_VERSION, "unknown block codec %u / reserved byte %u", p[4], p[5]);
    uint16_t meta_len = bv_rd16(p + 6);
    bv_cur c = bv_cur_make(p + BV_BLOCK_FIXED, meta_len);
    int rc = bv_block_meta_decode(&c, m);
    if (rc != BV_OK || c.left != 0)
        return bv_seterr(err, errlen, BV_E_CORRUPT, "block metadata malformed");
    *payload = p + BV_BLOCK_FIXED + meta_len;
    *payload_len = bv_rd32(p + 8);
    *raw_len = bv_rd32(p + 12);
    return BV_OK;
}

int bv_block_decompress(const uint8_t *payload, uint32_t payload_len, uint32_t raw_len, bv_buf *out,
                        void *zdctx)
{
    unsigned long long fcs = ZSTD_getFrameContentSize(payload, payload_len);
    if (fcs != raw_len)
        return BV_E_CORRUPT;
    if (ZSTD_findFrameCompressedSize(payload, payload_len) != payload_len)
        return BV_E_CORRUPT;
    bv_buf_reset(out);
    if (bv_buf_reserve(out, raw_len ? raw_len : 1))
        return BV_E_NOMEM;
    size_t r = ZSTD_decompressDCtx((ZSTD_DCtx *)zdctx, out->data, raw_len, payload, payload_len);
    if (ZSTD_isError(r) || r != raw_len)
        return BV_E_CORRUPT;
    out->len = raw_len;
    return BV_OK;
}

/* ------------------------------------------------------------ footer, trailer */

static void put_ref(bv_buf *b, const bv_block_ref *r)
{
    bv_buf_put_varint(b, r->offset);
    bv_buf_put_varint(b, r->length);
    bv_buf_put_varint(b, r->payload_len);
    bv_buf_put_varint(b, r->raw_len);
    bv_block_meta_encode(b, &r->meta);
}

void bv_seg_footer_encode(bv_buf *b, const bv_seg_footer *f)
{
    bv_buf_put(b, BV_FOOTER_MAGIC, 4);
    bv_buf_put_varint(b, f->nblocks);
    for (uint32_t i = 0; i < f->nblocks; i++)
        put_ref(b, &f->blocks[i]);
    bv_buf_put_str(b, f->end_file.ptr, f->end_file.len);
    bv_buf_put_varint(b, f->end_offset);
    bv_buf_put_str(b, f->end_gtid.ptr, f->end_gtid.len);
    bv_buf_put_varint(b, f->events);
    for (int t = 1; t <= BV_EV_TYPE_MAX; t++)
        bv_buf_put_varint(b, f->counts[t]);
    bv_buf_put_varint(b, f->raw_bytes);
    bv_buf_put_varint(b, f->min_ts);
    bv_buf_put_varint(b, f->max_ts);
}

int bv_seg_footer_decode(const uint8_t *p, size_t n, bv_seg_footer *f, char *err, size_t errlen)
{
    bv_cur c = bv_cur_make(p, n);
    const uint8_t *magic;
    int rc;
    memset(f, 0, sizeof(*f));
    if (bv_cur_bytes(&c, 4, &magic) || memcmp(magic, BV_FOOTER_MAGIC, 4) != 0)
        return bv_seterr(err, errlen, BV_E_CORRUPT, "bad footer magic");
    if ((rc = bv_cur_varint32(&c, &f->nblocks)))
        goto bad;
    /* each block entry takes at least 20 bytes: bound the allocation by input */
    if (f->nblocks > c.left / 20 + 1) {
        rc = BV_E_CORRUPT;
        goto bad;
    }
    f->blocks = calloc(f->nblocks ? f->nblocks : 1, sizeof(*f->blocks));
    if (!f->blocks)
        return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
    uint64_t sum_events = 0, sum_raw = 0;
    for (uint32_t i = 0; i < f->nblocks; i++) {
        bv_block_ref *r = &f->blocks[i];
        if ((rc = bv_cur_varint(&c, &r->offset)) || (rc = bv_cur_varint(&c, &r->length)) ||
            (rc = bv_cur_varint32(&c, &r->payload_len)) || (rc = bv_cur_varint32(&c, &r->raw_len)) ||
            (rc = bv_block_meta_decode(&c, &r->meta)))
            goto bad;
        sum_events += r->meta.events;
        sum_raw += r->raw_len;
    }
    if ((rc = strv(&c, BV_MAX_NAME, &f->end_file)) || (rc = bv_cur_varint(&c, &f->end_offset)) ||
        (rc = strv(&c, BV_MAX_TEXT, &f->end_gtid)) || (rc = bv_cur_varint(&c, &f->events)))
        goto bad;
    uint64_t sum = 0;
    for (int t = 1; t <= BV_EV_TYPE_MAX; t++) {
        if ((rc = bv_cur_varint(&c, &f->counts[t])))
            goto bad;
        sum += f->counts[t];
    }
    if ((rc = bv_cur_varint(&c, &f->raw_bytes)) || (rc = bv_cur_varint(&c, &f->min_ts)) ||
        (rc = bv_cur_varint(&c, &f->max_ts)))
        goto bad;
    if (c.left != 0 || sum != f->events || sum_events != f->events || sum_raw != f->raw_bytes ||
        f->end_file.len == 0) {
        rc = BV_E_CORRUPT;
        goto bad;
    }
    return BV_OK;
bad:
    free(f->blocks);
    f->blocks = NULL;
    return bv_seterr(err, errlen, BV_E_CORRUPT, "footer malformed at footer byte %zu (%s)",
                     (size_t)(c.p - p), bv_strerror(rc));
}

void bv_seg_trailer_encode(uint8_t out[BV_TRAILER_LEN], uint64_t footer_off, uint64_t footer_len,
                           uint64_t footer_sum)
{
    bv_wr64(out, footer_off);
    bv_wr64(out + 8, footer_len);
    bv_wr64(out + 16, footer_sum);
    memcpy(out + 24, BV_TRAILER_MAGIC, 8);
    bv_wr64(out + 32, bv_xxh64(out, 32));
}

int bv_seg_trailer_parse(const uint8_t in[BV_TRAILER_LEN], uint64_t *footer_off, uint64_t *footer_len,
                         uint64_t *footer_sum)
{
    if (memcmp(in + 24, BV_TRAILER_MAGIC, 8) != 0)
        return BV_E_TRUNCATED; /* no trailer: not sealed (or torn) */
    if (bv_xxh64(in, 32) != bv_rd64(in + 32))
        return BV_E_CORRUPT;
    *footer_off = bv_rd64(in);
    *footer_len = bv_rd64(in + 8);
    *footer_sum = bv_rd64(in + 16);
    return BV_OK;
}

/* ------------------------------------------------------------ segment files */

static char *dup_str(bv_segment *s, bv_str v)
{
    char *d = malloc(v.len + 1);
    if (!d)
        return NULL;
    memcpy(d, v.ptr, v.len);
    d[v.len] = 0;
    char **n = realloc(s->meta_strs, (s->nmeta_strs + 1) * sizeof(*n));
    if (!n) {
        free(d);
        return NULL;
    }
    s->meta_strs = n;
    s->meta_strs[s->nmeta_strs++] = d;
    return d;
}

void bv_segment_close(bv_segment *s)
{
    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    free(s->path);
    free(s->hdr_bytes);
    free(s->footer_bytes);
    free(s->footer.blocks);
    for (size_t i = 0; i < s->nmeta_strs; i++)
        free(s->meta_strs[i]);
    free(s->meta_strs);
    bv_buf_release(&s->strings);
    free(s);
}

static int open_sealed(bv_segment *s, char *err, size_t errlen)
{
    uint8_t tr[BV_TRAILER_LEN];
    uint64_t foff, flen, fsum;
    int rc;
    if (s->size < s->hdr_len + BV_TRAILER_LEN)
        return bv_seterr(err, errlen, BV_E_TRUNCATED, "%s: sealed segment too short for a trailer (%llu bytes)",
                         s->path, (unsigned long long)s->size);
    uint64_t toff = s->size - BV_TRAILER_LEN;
    if ((rc = bv_pread_all(s->fd, tr, BV_TRAILER_LEN, toff, s->path, err, errlen)))
        return rc;
    rc = bv_seg_trailer_parse(tr, &foff, &flen, &fsum);
    if (rc != BV_OK)
        return bv_seterr(err, errlen, rc == BV_E_TRUNCATED ? BV_E_TRUNCATED : BV_E_CORRUPT,
                         "%s: offset %llu: %s", s->path, (unsigned long long)toff,
                         rc == BV_E_TRUNCATED ? "no trailer at end of sealed segment (truncated?)"
                                              : "trailer checksum mismatch");
    if (flen > BV_MAX_FOOTER || foff < s->hdr_len || foff > toff || toff - foff != flen)
        return bv_seterr(err, errlen, BV_E_CORRUPT, "%s: offset %llu: trailer locates footer at %llu+%llu, outside the file",
                         s->path, (unsigned long long)toff, (unsigned long long)foff, (unsigned long long)flen);
    s->footer_bytes = malloc(flen ? flen : 1);
    if (!s->footer_bytes)
        return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
    if ((rc = bv_pread_all(s->fd, s->footer_bytes, flen, foff, s->path, err, errlen)))
        return rc;
    if (bv_xxh64(s->footer_bytes, flen) != fsum)
        return bv_seterr(err, errlen, BV_E_CORRUPT, "%s: offset %llu: footer checksum mismatch", s->path,
                         (unsigned long long)foff);
    char msg[200];
    if ((rc = bv_seg_footer_decode(s->footer_bytes, flen, &s->footer, msg, sizeof(msg))))
        return bv_seterr(err, errlen, rc, "%s: offset %llu: %s", s->path, (unsigned long long)foff, msg);
    /* Blocks must tile the space between header and footer exactly. */
    uint64_t at = s->hdr_len;
    for (uint32_t i = 0; i < s->footer.nblocks; i++) {
        const bv_block_ref *r = &s->footer.blocks[i];
        if (r->offset != at || r->length < BV_BLOCK_FIXED + 8 || r->length > foff - at)
            return bv_seterr(err, errlen, BV_E_CORRUPT, "%s: offset %llu: footer entry for block %u does not match the layout",
                             s->path, (unsigned long long)foff, i);
        at += r->length;
    }
    if (at != foff)
        return bv_seterr(err, errlen, BV_E_CORRUPT, "%s: offset %llu: %llu bytes between the last block and the footer",
                         s->path, (unsigned long long)at, (unsigned long long)(foff - at));
    s->blocks = s->footer.blocks;
    s->nblocks = s->footer.nblocks;
    s->valid_end = foff;
    return BV_OK;
}

/* Scan an open segment's blocks: stop at the first incomplete or invalid one. */
static int scan_part(bv_segment *s, char *err, size_t errlen)
{
    uint64_t at = s->hdr_len;
    uint32_t cap = 0;
    bv_buf blk;
    int rc = BV_OK;
    bv_buf_init(&blk);
    for (;;) {
        uint8_t fixed[BV_BLOCK_FIXED];
        uint64_t len;
        if (s->size - at < BV_BLOCK_FIXED)
            break;
        if ((rc = bv_pread_all(s->fd, fixed, BV_BLOCK_FIXED, at, s->path, err, errlen)))
            goto out;
        if (bv_block_length(fixed, &len) != BV_OK || len > s->size - at)
            break;
        bv_buf_reset(&blk);
        if ((rc = bv_buf_reserve(&blk, (size_t)len))) {
            rc = bv_seterr(err, errlen, rc, "out of memory");
            goto out;
        }
        if ((rc = bv_pread_all(s->fd, blk.data, (size_t)len, at, s->path, err, errlen)))
            goto out;
        bv_block_ref r;
        const uint8_t *payload;
        memset(&r, 0, sizeof(r));
        if (bv_block_parse(blk.data, (size_t)len, &r.meta, &payload, &r.payload_len, &r.raw_len, NULL, 0))
            break;
        r.offset = at;
        r.length = len;
        r.meta.first_file.ptr = dup_str(s, r.meta.first_file);
        r.meta.last_file.ptr = dup_str(s, r.meta.last_file);
        if (!r.meta.first_file.ptr || !r.meta.last_file.ptr) {
            rc = bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
            goto out;
        }
        if (s->nblocks == cap) {
            cap = cap ? cap * 2 : 16;
            bv_block_ref *n = realloc(s->footer.blocks, cap * sizeof(*n));
            if (!n) {
                rc = bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
                goto out;
            }
            s->footer.blocks = n;
        }
        s->footer.blocks[s->nblocks++] = r;
        at += len;
    }
    s->blocks = s->footer.blocks;
    s->footer.nblocks = s->nblocks;
    s->valid_end = at;
out:
    bv_buf_release(&blk);
    return rc;
}

int bv_segment_open(bv_segment **out, const char *path, int sealed, char *err, size_t errlen)
{
    int rc;
    struct stat st;
    bv_segment *s = calloc(1, sizeof(*s));
    *out = NULL;
    if (!s)
        return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
    s->fd = -1;
    bv_buf_init(&s->strings);
    s->path = strdup(path);
    if (!s->path) {
        rc = bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
        goto out;
    }
    s->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (s->fd < 0 && errno == ELOOP) {
        rc = bv_seterr(err, errlen, BV_E_IO, "%s: is a symbolic link: refused (segments must be regular files in "
                                             "the archive directory)", path);
        goto out;
    }
    if (s->fd < 0) {
        rc = bv_seterr(err, errlen, errno == ENOENT ? BV_E_NOTFOUND : BV_E_IO, "%s: cannot open: %s", path,
                       strerror(errno));
        goto out;
    }
    if (fstat(s->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = bv_seterr(err, errlen, BV_E_IO, "%s: not a regular file", path);
        goto out;
    }
    s->size = (uint64_t)st.st_size;
    /* Header: read the fixed part, then the whole header. */
    uint8_t fixed[HDR_FIXED];
    size_t have = s->size < HDR_FIXED ? (size_t)s->size : HDR_FIXED;
    if (have && (rc = bv_pread_all(s->fd, fixed, have, 0, path, err, errlen)))
        goto out;
    char msg[256];
    size_t hlen;
    bv_seg_header h;
    if (have < HDR_FIXED) {
        rc = bv_seg_header_parse(fixed, have, &h, &hlen, msg, sizeof(msg));
        rc = bv_seterr(err, errlen, rc, "%s: %s", path, msg);
        goto out;
    }
    uint32_t body_len = bv_rd32(fixed + 12);
    size_t want = HDR_FIXED + (size_t)(body_len > BV_MAX_HEADER ? 0 : body_len) + 8;
    if (want > s->size)
        want = (size_t)s->size;
    s->hdr_bytes = malloc(want);
    if (!s->hdr_bytes) {
        rc = bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = bv_pread_all(s->fd, s->hdr_bytes, want, 0, path, err, errlen)))
        goto out;
    if ((rc = bv_seg_header_parse(s->hdr_bytes, want, &s->hdr, &s->hdr_len, msg, sizeof(msg)))) {
        rc = bv_seterr(err, errlen, rc, "%s: %s", path, msg);
        goto out;
    }
    s->sealed = sealed;
    rc = sealed ? open_sealed(s, err, errlen) : scan_part(s, err, errlen);
out:
    if (rc != BV_OK)
        bv_segment_close(s);
    else
        *out = s;
    return rc;
}

int bv_segment_valid_block_after(bv_segment *s, uint64_t *found, char *err, size_t errlen)
{
    uint64_t from = s->valid_end;
    if (s->size <= from + BV_BLOCK_FIXED + 8)
        return 0;
    size_t n = (size_t)(s->size - from);
    uint8_t *tail = malloc(n);
    int hit = 0;
    if (!tail)
        return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
    int rc = bv_pread_all(s->fd, tail, n, from, s->path, err, errlen);
    if (rc != BV_OK) {
        free(tail);
        return rc;
    }
    /* Hashing every candidate to the end of the file could be quadratic in
     * the tail size; past a budget the answer is "cannot rule it out", which
     * callers treat like damage (never cut fsynced data on a guess). */
    uint64_t budget = 4 * (uint64_t)n + (64u << 20);
    for (size_t i = 1; i + BV_BLOCK_FIXED + 8 <= n && !hit; i++) {
        uint64_t len;
        bv_block_meta m;
        const uint8_t *payload;
        uint32_t pl, rl;
        if (tail[i] != 'B' || bv_block_length(tail + i, &len) != BV_OK || len > n - i)
            continue;
        if (len > budget) {
            *found = from + i;
            hit = 1;
            break;
        }
        budget -= len;
        if (bv_block_parse(tail + i, (size_t)len, &m, &payload, &pl, &rl, NULL, 0) == BV_OK) {
            *found = from + i;
            hit = 1;
        }
    }
    free(tail);
    return hit;
}

int bv_segment_read_block(bv_segment *s, uint32_t i, bv_buf *blk, bv_buf *raw, void *zdctx, bv_block_meta *meta,
                          char *err, size_t errlen)
{
    int rc;
    const bv_block_ref *r = &s->blocks[i];
    const uint8_t *payload;
    uint32_t plen, rlen;
    char msg[200];
    bv_buf_reset(blk);
    if ((rc = bv_buf_reserve(blk, (size_t)r->length)))
        return bv_seterr(err, errlen, rc, "out of memory");
    if ((rc = bv_pread_all(s->fd, blk->data, (size_t)r->length, r->offset, s->path, err, errlen)))
        return rc;
    blk->len = (size_t)r->length;
    if ((rc = bv_block_parse(blk->data, blk->len, meta, &payload, &plen, &rlen, msg, sizeof(msg))))
        return bv_seterr(err, errlen, rc, "%s: block %u at offset %llu: %s", s->path, i,
                         (unsigned long long)r->offset, msg);
    if (plen != r->payload_len || rlen != r->raw_len || meta->events != r->meta.events ||
        meta->first_index != r->meta.first_index || meta->flags != r->meta.flags)
        return bv_seterr(err, errlen, BV_E_CORRUPT, "%s: block %u at offset %llu does not match its index entry",
                         s->path, i, (unsigned long long)r->offset);
    if ((rc = bv_block_decompress(payload, plen, rlen, raw, zdctx)))
        return bv_seterr(err, errlen, rc, "%s: block %u at offset %llu: payload does not decompress to %u bytes",
                         s->path, i, (unsigned long long)r->offset, rlen);
    return BV_OK;
}
