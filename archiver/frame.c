/* Binlog event framing: the v4 common header, CRC32 verification and the
 * FORMAT_DESCRIPTION event that governs both. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libdeflate.h>

#include "binlog.h"

/* CRC-32 (ISO-HDLC, as zlib's crc32()) by libdeflate, which picks a
 * carry-less-multiply implementation at run time where the CPU has one. */
uint32_t bv_crc32(const uint8_t *p, size_t n) { return libdeflate_crc32(0, p, n); }

/* (X*256+Y)*256+Z of a server version string "X.Y.Z..." (0 when it does
 * not start that way). Suffixes such as "-MariaDB-log" are ignored. */
static unsigned version_product(const char *v)
{
    unsigned part[3] = {0, 0, 0};
    const char *p = v;
    for (int i = 0; i < 3; i++) {
        char *end;
        unsigned long x = strtoul(p, &end, 10);
        if (end == p || x > 255)
            return 0;
        part[i] = (unsigned)x;
        if (i < 2) {
            if (*end != '.')
                return 0;
            p = end + 1;
        }
    }
    return (part[0] * 256 + part[1]) * 256 + part[2];
}

/* An FDE from a server that writes checksums (MySQL >= 5.6.1, MariaDB >=
 * 5.3.0) always ends with the algorithm byte and a CRC32. */
static int fde_checksum_aware(const char *version)
{
    unsigned v = version_product(version);
    if (strstr(version, "MariaDB"))
        return v >= (5u * 256 + 3) * 256 + 0;
    return v >= (5u * 256 + 6) * 256 + 1;
}

static void fde_version(const uint8_t *body, size_t n, char out[51])
{
    size_t k = 0;
    if (n >= 2)
        for (; k < 50 && 2 + k < n && body[2 + k]; k++)
            out[k] = (char)body[2 + k];
    out[k] = 0;
}

int bv_binlog_frame(const uint8_t *p, size_t n, uint64_t off, const bv_fde *fde, int inner, bv_rawev *ev,
                    size_t *need, char *err, size_t errlen)
{
    memset(ev, 0, sizeof(*ev));
    *need = 0;
    if (n < BV_BL_HEADER_LEN) {
        *need = BV_BL_HEADER_LEN;
        return bv_seterr(err, errlen, BV_E_TRUNCATED, "offset %llu: event header truncated (%zu of 19 bytes)",
                         (unsigned long long)off, n);
    }
    ev->offset = off;
    ev->ts = (uint32_t)bv_rdle(p, 4);
    ev->type = p[4];
    ev->server_id = (uint32_t)bv_rdle(p + 5, 4);
    ev->size = (uint32_t)bv_rdle(p + 9, 4);
    ev->log_pos = (uint32_t)bv_rdle(p + 13, 4);
    ev->flags = (uint16_t)bv_rdle(p + 17, 2);
    ev->inner = inner;
    if (ev->size < BV_BL_HEADER_LEN)
        return bv_seterr(err, errlen, BV_E_CORRUPT, "offset %llu: event size %u is smaller than its header",
                         (unsigned long long)off, ev->size);
    if (ev->size > n) {
        *need = ev->size;
        return bv_seterr(err, errlen, BV_E_TRUNCATED, "offset %llu: event of %u bytes (type %u) is truncated: %zu bytes remain",
                         (unsigned long long)off, ev->size, ev->type, n);
    }
    size_t hdr = BV_BL_HEADER_LEN;
    size_t crc = 0;
    if (ev->type == BV_BL_FDE) {
        char ver[51];
        fde_version(p + BV_BL_HEADER_LEN, ev->size - BV_BL_HEADER_LEN, ver);
        if (!inner && fde_checksum_aware(ver)) {
            if (ev->size < BV_BL_HEADER_LEN + 57 + 5)
                return bv_seterr(err, errlen, BV_E_CORRUPT, "offset %llu: format description of %u bytes is too short",
                                 (unsigned long long)off, ev->size);
            /* The CRC is computed with the in-use flag cleared. */
            uint8_t h[BV_BL_HEADER_LEN];
            memcpy(h, p, sizeof(h));
            h[17] &= (uint8_t)~BV_BL_F_IN_USE;
            uint32_t c = libdeflate_crc32(bv_crc32(h, sizeof(h)), p + BV_BL_HEADER_LEN, ev->size - 4 - BV_BL_HEADER_LEN);
            uint32_t want = (uint32_t)bv_rdle(p + ev->size - 4, 4);
            if (c != want)
                return bv_seterr(err, errlen, BV_E_CORRUPT,
                                 "offset %llu: format description checksum mismatch (stored %08x, computed %08x)",
                                 (unsigned long long)off, want, c);
            crc = 4;
        }
    } else {
        if (fde && fde->header_len > BV_BL_HEADER_LEN && ev->type != BV_BL_ROTATE && !inner)
            hdr = fde->header_len;
        if (!inner && fde && fde->checksum) {
            if (ev->size < hdr + 4)
                return bv_seterr(err, errlen, BV_E_CORRUPT, "offset %llu: event of %u bytes has no room for its checksum",
                                 (unsigned long long)off, ev->size);
            uint32_t c = bv_crc32(p, ev->size - 4);
            uint32_t want = (uint32_t)bv_rdle(p + ev->size - 4, 4);
            if (c != want)
                return bv_seterr(err, errlen, BV_E_CORRUPT,
                                 "offset %llu: checksum mismatch in event type %u of %u bytes (stored %08x, computed %08x)",
                                 (unsigned long long)off, ev->type, ev->size, want, c);
            crc = 4;
        }
    }
    if (ev->size < hdr + crc)
        return bv_seterr(err, errlen, BV_E_CORRUPT, "offset %llu: event size %u smaller than its header",
                         (unsigned long long)off, ev->size);
    ev->body = p + hdr;
    ev->body_len = ev->size - hdr - crc;
    return BV_OK;
}

int bv_binlog_parse_fde(const bv_rawev *ev, bv_fde *fde, char *err, size_t errlen)
{
    bv_fde f;
    memset(&f, 0, sizeof(f));
    if (ev->body_len < 57)
        return bv_seterr(err, errlen, BV_E_DECODE, "offset %llu: format description body of %zu bytes is too short",
                         (unsigned long long)ev->offset, ev->body_len);
    f.binlog_version = (uint16_t)bv_rdle(ev->body, 2);
    fde_version(ev->body, ev->body_len, f.server_version);
    f.header_len = ev->body[56];
    if (f.binlog_version != 4 || f.header_len < BV_BL_HEADER_LEN)
        return bv_seterr(err, errlen, BV_E_DECODE, "offset %llu: binlog version %u with header length %u is not supported",
                         (unsigned long long)ev->offset, f.binlog_version, f.header_len);
    size_t n = ev->body_len - 57;
    int aware = fde_checksum_aware(f.server_version);
    if (aware) {
        if (n < 1)
            return bv_seterr(err, errlen, BV_E_DECODE, "offset %llu: format description lacks its checksum byte",
                             (unsigned long long)ev->offset);
        uint8_t alg = ev->body[ev->body_len - 1];
        if (alg != 0 && alg != 1)
            return bv_seterr(err, errlen, BV_E_DECODE, "offset %llu: unknown binlog checksum algorithm %u",
                             (unsigned long long)ev->offset, alg);
        f.checksum = alg == 1;
        n--;
    }
    if (n > 255)
        n = 255;
    f.n_post = (unsigned)n;
    for (unsigned i = 0; i < n; i++)
        f.post_header[i + 1] = ev->body[57 + i];
    f.mariadb = strstr(f.server_version, "MariaDB") != NULL;
    f.seen = 1;
    *fde = f;
    return BV_OK;
}
