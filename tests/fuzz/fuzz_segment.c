/* Fuzz target: whole segment files (format/segment.c, and through them
 * format/record.c, format/schema.c, format/walk.c, format/gtid.c,
 * format/archive.c, format/archive_dir.c).
 *
 * Input: the bytes of one segment file. Each input is run twice: as given
 * (which exercises the checksum checks: a mutated file nearly always fails
 * one), and with every checksum recomputed (header, blocks, footer,
 * trailer; see fix_checksums()) so that mutations reach the structure
 * parsers behind the checksums. For each version:
 *   - the bytes are written to a file in a private temporary directory (on
 *     tmpfs when /dev/shm is writable). bv_segment_open() opens files with
 *     O_NOFOLLOW, so a memfd's /proc/self/fd/N link cannot be used;
 *   - bv_segment_open() as sealed (1) and as open (0); every block is read
 *     with bv_segment_read_block() and its records decoded with
 *     bv_record_decode() as the reader does (a bv_schemas table per segment,
 *     the current file starting at the block's first file and following
 *     ROTATE records);
 *   - the archive layer runs on the directory, where the file is named as a
 *     sealed segment when it ends in a trailer magic, else as an open (.part)
 *     one: bv_archive_verify() (of that name, or of the whole directory),
 *     bv_archive_open() (the listing, which walks open segments) and a
 *     bv_reader over everything and over a range built from the segment's
 *     block index. For some inputs (chosen by a hash of the input) the
 *     directory holds the input twice, as segments 0 (sealed) and 1, which
 *     exercises the continuity checks and the reader's segment change.
 * Blocks claiming more than MAX_RAW uncompressed bytes are not decompressed
 * (the format allows 4 GiB; the harness does not measure the allocator).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "fuzz.h"
#include "internal.h"

FUZZ_UBSAN_DEFAULTS

#define MAX_RAW (64u << 20)
#define SEG0 "0000000000-mysql-bin.000001-000000000004.bvseg"
#define SEG1 "0000000001-mysql-bin.000001-000000000004.bvseg"

static char dir[PATH_MAX];
static const char *const names[4] = {SEG0, SEG0 ".part", SEG1, SEG1 ".part"};
static ZSTD_DCtx *zd;

static void path_of(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/%s", dir, name);
}

static void remove_files(void)
{
    char p[PATH_MAX + 64];
    for (int i = 0; i < 4; i++) {
        path_of(p, sizeof(p), names[i]);
        unlink(p);
    }
}

static void cleanup(void)
{
    if (!dir[0])
        return;
    remove_files();
    rmdir(dir);
    dir[0] = 0;
}

static void setup(void)
{
    if (dir[0])
        return;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    snprintf(dir, sizeof(dir), "%s/bvfuzz-segment.XXXXXX", base);
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        abort();
    }
    zd = ZSTD_createDCtx();
    FUZZ_CHECK(zd != NULL);
    atexit(cleanup);
}

static void write_file(const char *name, const uint8_t *p, size_t n)
{
    char path[PATH_MAX + 64];
    path_of(path, sizeof(path), name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        perror(path);
        abort();
    }
    FUZZ_CHECK(bv_write_all(fd, p, n, path, NULL, 0) == BV_OK);
    close(fd);
}

/* Recompute every checksum the layout points at. */
static void fix_checksums(uint8_t *p, size_t n)
{
    if (n < 16 + 8)
        return;
    uint64_t body_len = bv_rd32(p + 12);
    if (body_len > BV_MAX_HEADER || 16 + body_len + 8 > n)
        return;
    size_t hlen = 16 + (size_t)body_len + 8;
    bv_wr64(p + hlen - 8, bv_xxh64(p, hlen - 8));

    size_t end = n; /* where blocks stop: the footer when the trailer locates one */
    uint8_t *tr = NULL;
    uint64_t foff = 0, flen = 0;
    int footer_ok = 0;
    if (n >= hlen + BV_TRAILER_LEN && memcmp(p + n - 16, BV_TRAILER_MAGIC, 8) == 0) {
        tr = p + n - BV_TRAILER_LEN;
        foff = bv_rd64(tr);
        flen = bv_rd64(tr + 8);
        footer_ok = foff >= hlen && foff <= n - BV_TRAILER_LEN && flen == n - BV_TRAILER_LEN - foff;
        end = footer_ok ? (size_t)foff : n - BV_TRAILER_LEN;
    }
    size_t at = hlen;
    while (at < end && end - at >= BV_BLOCK_FIXED + 8) {
        uint64_t len;
        if (bv_block_length(p + at, &len) != BV_OK || len > end - at)
            break;
        bv_wr64(p + at + len - 8, bv_xxh64(p + at, (size_t)len - 8));
        at += (size_t)len;
    }
    if (tr) {
        if (footer_ok)
            bv_wr64(tr + 16, bv_xxh64(p + foff, (size_t)flen));
        bv_wr64(tr + 32, bv_xxh64(tr, 32));
    }
}

/* Decode the records of one block as the reader does. */
static void decode_block(const bv_buf *raw, const bv_block_meta *meta, bv_schemas *schemas, bv_rec_ctx *ctx,
                         char *file, size_t *file_len)
{
    if (meta->events) {
        FUZZ_CHECK(meta->first_file.len > 0 && meta->first_file.len <= BV_MAX_NAME);
        memcpy(file, meta->first_file.ptr, meta->first_file.len);
        file[meta->first_file.len] = 0;
        *file_len = meta->first_file.len;
    }
    bv_cur c = bv_cur_make(raw->data, raw->len);
    while (c.left) {
        bv_event ev;
        int is_schema;
        char msg[512] = "";
        const uint8_t *at = c.p;
        ctx->file = file;
        ctx->file_len = *file_len;
        ctx->schemas = schemas;
        if (bv_record_decode(&c, ctx, &ev, &is_schema, msg, sizeof(msg)) != BV_OK) {
            FUZZ_CHECK(c.p == at && strlen(msg) < sizeof(msg));
            break;
        }
        if (is_schema)
            continue;
        if (ev.type == BV_EV_ROTATE) {
            FUZZ_CHECK(ev.new_file.len > 0 && ev.new_file.len <= BV_MAX_NAME);
            memcpy(file, ev.new_file.ptr, ev.new_file.len);
            file[ev.new_file.len] = 0;
            *file_len = ev.new_file.len;
        }
    }
}

/* A reader range built from a segment's block index. */
typedef struct range_hint {
    int have;
    char from_file[BV_MAX_NAME + 1], to_file[BV_MAX_NAME + 1];
    uint64_t from_offset, to_offset, since, until;
} range_hint;

static void make_hint(const bv_segment *s, uint64_t h, range_hint *rh)
{
    memset(rh, 0, sizeof(*rh));
    if (!s->nblocks)
        return;
    const bv_block_meta *a = &s->blocks[(h >> 8) % s->nblocks].meta;
    const bv_block_meta *b = &s->blocks[(h >> 24) % s->nblocks].meta;
    memcpy(rh->from_file, a->first_file.ptr, a->first_file.len);
    memcpy(rh->to_file, b->last_file.ptr, b->last_file.len);
    rh->from_offset = a->first_offset + ((h >> 16) & 1);
    rh->to_offset = b->last_offset + ((h >> 17) & 1);
    rh->since = a->min_ts + ((h >> 18) & 1);
    rh->until = b->max_ts + ((h >> 19) & 1);
    rh->have = 1;
}

/* Open path as sealed or open; read and decode every block. Sets *big when
 * a block was too large to read; fills *rh when rh is non-NULL. */
static void run_segment(const char *name, size_t size, int sealed, int *big, uint64_t h, range_hint *rh)
{
    bv_segment *s = NULL;
    char err[1024] = "", path[PATH_MAX + 64];
    path_of(path, sizeof(path), name);
    int rc = bv_segment_open(&s, path, sealed, err, sizeof(err));
    FUZZ_CHECK(strlen(err) < sizeof(err));
    if (rc != BV_OK) {
        FUZZ_CHECK(rc < 0 && s == NULL);
        return;
    }
    FUZZ_CHECK(s != NULL && s->size == size && s->sealed == sealed);
    FUZZ_CHECK(s->hdr_len <= size && s->valid_end <= size && s->valid_end >= s->hdr_len);
    FUZZ_CHECK(s->hdr.start_file.len > 0 && s->hdr.start_file.len <= BV_MAX_NAME);
    uint64_t at = s->hdr_len;
    for (uint32_t i = 0; i < s->nblocks; i++) {
        FUZZ_CHECK(s->blocks[i].offset == at);
        FUZZ_CHECK(s->blocks[i].meta.first_file.len > 0 && s->blocks[i].meta.first_file.len <= BV_MAX_NAME);
        FUZZ_CHECK(s->blocks[i].meta.last_file.len > 0 && s->blocks[i].meta.last_file.len <= BV_MAX_NAME);
        at += s->blocks[i].length;
    }
    FUZZ_CHECK(at == s->valid_end);
    if (rh)
        make_hint(s, h, rh);

    bv_schemas schemas;
    bv_rec_ctx ctx;
    bv_buf blk, raw;
    char file[BV_MAX_NAME + 1];
    size_t file_len = s->hdr.start_file.len;
    bv_schemas_init(&schemas);
    memset(&ctx, 0, sizeof(ctx));
    bv_buf_init(&blk);
    bv_buf_init(&raw);
    memcpy(file, s->hdr.start_file.ptr, file_len);
    file[file_len] = 0;
    for (uint32_t i = 0; i < s->nblocks; i++) {
        bv_block_meta meta;
        if (s->blocks[i].raw_len > MAX_RAW) {
            *big = 1;
            break;
        }
        rc = bv_segment_read_block(s, i, &blk, &raw, zd, &meta, err, sizeof(err));
        FUZZ_CHECK(strlen(err) < sizeof(err));
        if (rc != BV_OK)
            break; /* the reader stops at a damaged block */
        FUZZ_CHECK(raw.len == s->blocks[i].raw_len && blk.len == s->blocks[i].length);
        decode_block(&raw, &meta, &schemas, &ctx, file, &file_len);
    }
    bv_buf_release(&blk);
    bv_buf_release(&raw);
    bv_rec_ctx_release(&ctx);
    bv_schemas_release(&schemas);
    bv_segment_close(s);
}

static void on_problem(void *ctx, const char *file, uint64_t offset, int code, const char *msg)
{
    size_t *n = ctx;
    (void)offset;
    FUZZ_CHECK(code <= 0 && strlen(file) > 0);
    *n += strlen(msg);
}

static size_t read_all(const bv_range *range)
{
    bv_reader *r = NULL;
    char err[1024] = "";
    size_t sink = 0;
    if (bv_reader_open(&r, dir, range, err, sizeof(err)) == BV_OK) {
        const bv_event *ev;
        while (bv_reader_next(r, &ev, err, sizeof(err)) == 1) {
            FUZZ_CHECK(ev->type >= 1 && ev->type <= BV_EV_TYPE_MAX);
            sink += ev->pos.file.len + strlen(ev->pos.file.ptr);
        }
        sink += strlen(bv_reader_segment(r));
        bv_reader_free(r);
    }
    FUZZ_CHECK(strlen(err) < sizeof(err));
    return sink;
}

/* The archive layer on the directory. */
static void run_archive(const char *name, size_t nsegs, uint64_t h, const range_hint *rh)
{
    char err[1024] = "";
    size_t sink = 0;
    bv_verify_cb cb = {on_problem, NULL, &sink};
    bv_verify_stats st;
    const char *vnames[1] = {name};
    int whole = nsegs > 1 || (h >> 2) & 1;
    int rc = bv_archive_verify(dir, whole ? NULL : vnames, 1, &cb, &st, err, sizeof(err));
    FUZZ_CHECK(strlen(err) < sizeof(err));
    FUZZ_CHECK(rc == BV_OK || rc == BV_E_CORRUPT);
    FUZZ_CHECK((rc == BV_OK) == (st.problems == 0));
    FUZZ_CHECK(st.segments == nsegs || (whole && rc == BV_E_CORRUPT));

    bv_archive *a = NULL;
    if (bv_archive_open(&a, dir, err, sizeof(err)) == BV_OK) {
        FUZZ_CHECK(bv_archive_count(a) == nsegs);
        for (size_t i = 0; i < nsegs; i++) {
            const bv_segment_info *si = bv_archive_segment(a, i);
            FUZZ_CHECK(si != NULL);
            if (!si->problem) {
                sink += si->start_file.len + si->end_file.len + si->start_gtid_set.len + si->end_gtid_set.len;
                if (si->end_file.ptr)
                    sink += strlen(si->end_file.ptr);
            } else {
                sink += strlen(si->problem);
            }
        }
        bv_archive_free(a);
    }

    sink += read_all(NULL);
    if (rh->have && ((h >> 3) & 1)) {
        bv_range range;
        memset(&range, 0, sizeof(range));
        range.has_from = (h >> 32) & 1;
        range.from_file.ptr = rh->from_file;
        range.from_file.len = strlen(rh->from_file);
        range.from_offset = rh->from_offset;
        range.has_to = (h >> 33) & 1;
        range.to_file.ptr = rh->to_file;
        range.to_file.len = strlen(rh->to_file);
        range.to_offset = rh->to_offset;
        range.has_since = (h >> 34) & 1;
        range.since_us = rh->since;
        range.has_until = (h >> 35) & 1;
        range.until_us = rh->until;
        sink += read_all(&range);
    }
    volatile size_t keep = sink;
    (void)keep;
}

static void run_input(const uint8_t *p, size_t n)
{
    uint64_t h = bv_xxh64(p, n);
    int big = 0;
    int sealed_like = n >= BV_TRAILER_LEN && memcmp(p + n - 16, BV_TRAILER_MAGIC, 8) == 0;
    int two = (h & 3) == 0;
    const char *name0 = two || sealed_like ? names[0] : names[1];
    const char *name1 = sealed_like ? names[2] : names[3];
    range_hint rh;
    memset(&rh, 0, sizeof(rh));
    remove_files();
    write_file(name0, p, n);
    if (two)
        write_file(name1, p, n);
    run_segment(name0, n, 1, &big, h, sealed_like ? &rh : NULL);
    run_segment(name0, n, 0, &big, h, sealed_like ? NULL : &rh);
    if (!big)
        run_archive(two ? name1 : name0, two ? 2 : 1, h, &rh);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    run_input(data, size);
    uint8_t *fixed = malloc(size ? size : 1);
    FUZZ_CHECK(fixed != NULL);
    if (size)
        memcpy(fixed, data, size);
    fix_checksums(fixed, size);
    if (size && memcmp(fixed, data, size) != 0)
        run_input(fixed, size);
    free(fixed);
    return 0;
}
