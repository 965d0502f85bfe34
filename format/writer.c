/* The segment writer: appends events into blocks, seals segments, and on
 * open recovers a torn newest segment to its last complete transaction.
 *
 * Durability sequence (FORMAT.md "Crash safety"):
 *   new segment:  write header to NAME.part.tmp, fsync, rename to NAME.part, fsync dir
 *   block:        write the whole block at the end of NAME.part (fsync on flush)
 *   seal:         write footer + trailer, fsync, rename NAME.part -> NAME, fsync dir
 *
 * Background compression (opts.compress_threads = 1): a full block is handed
 * to one worker thread, which compresses it, writes it at the end of the open
 * segment and records it in the block index, in submission order, while the
 * caller goes on encoding the next block. The worker owns seg_bytes,
 * seg_events, blocks/nblocks and the zstd context between drain points;
 * every operation that reads them (seal, flush, the segment-size check near
 * the limit, close) first waits until the queue is empty (drain), so the
 * archive written is byte for byte the one written without the thread. A
 * worker error is sticky and is reported by the next call of the caller.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "internal.h"
#include "archive_dir.h"

typedef struct wblock {
    bv_block_ref ref;
    char first[BV_MAX_NAME + 1];
    char last[BV_MAX_NAME + 1];
} wblock;

/* A block handed to the background worker: raw records to compress, or,
 * when built, the finished block in blk (compressed by the appending
 * thread while the worker was busy). */
typedef struct wjob {
    bv_buf raw;
    bv_buf blk;
    int built;
    bv_block_meta meta;
    char first[BV_MAX_NAME + 1];
    char last[BV_MAX_NAME + 1];
} wjob;

#define WQ_CAP 2u

/* Open-addressing map from schema hash (never 0 for a finished schema) to
 * segment-local schema id. */
typedef struct smap {
    uint64_t *keys;
    uint32_t *ids;
    uint32_t cap, n; /* cap is 0 or a power of two */
} smap;

static int smap_find(const smap *m, uint64_t h, uint32_t *id)
{
    if (!m->cap)
        return 0;
    for (uint32_t i = (uint32_t)h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == 0)
            return 0;
        if (m->keys[i] == h) {
            *id = m->ids[i];
            return 1;
        }
    }
}

static int smap_put(smap *m, uint64_t h, uint32_t id)
{
    if ((m->n + 1) * 2 > m->cap) {
        uint32_t cap = m->cap ? m->cap * 2 : 64;
        smap g = {calloc(cap, sizeof(uint64_t)), calloc(cap, sizeof(uint32_t)), cap, 0};
        if (!g.keys || !g.ids) {
            free(g.keys);
            free(g.ids);
            return BV_E_NOMEM;
        }
        for (uint32_t i = 0; i < m->cap; i++)
            if (m->keys[i])
                smap_put(&g, m->keys[i], m->ids[i]);
        free(m->keys);
        free(m->ids);
        *m = g;
    }
    uint32_t i = (uint32_t)h & (m->cap - 1);
    while (m->keys[i] != 0 && m->keys[i] != h)
        i = (i + 1) & (m->cap - 1);
    if (m->keys[i] == 0)
        m->n++;
    m->keys[i] = h;
    m->ids[i] = id;
    return BV_OK;
}

static void smap_clear(smap *m)
{
    if (m->cap) {
        memset(m->keys, 0, m->cap * sizeof(uint64_t));
    }
    m->n = 0;
}

static void smap_release(smap *m)
{
    free(m->keys);
    free(m->ids);
    memset(m, 0, sizeof(*m));
}

struct bv_writer {
    char *dir;
    int lock_fd;
    int failed;                /* sticky: a write failed; reopen to recover */
    bv_writer_opts opts;
    char *src_uuid, *src_version;
    bv_writer_found found;       /* what bv_writer_open found (bv_writer_existing) */
    char *found_start, *found_uuid, *found_version;
    bv_walk walk;              /* cumulative stream state; counters per segment */
    uint64_t next_seq;
    /* open segment */
    int seg_fd;
    char seg_name[320];
    char seg_path[4096];
    uint64_t seg_seq;
    uint64_t seg_bytes;        /* bytes in the file */
    uint64_t seg_events;       /* events in written blocks */
    wblock *blocks;
    uint32_t nblocks, capblocks;
    smap schemas;              /* schema hash -> segment-local id */
    uint32_t nschemas;         /* ids handed out in the open segment */
    uint64_t last_hash;        /* one-entry cache in front of the map */
    uint32_t last_id;
    /* pending block */
    bv_buf raw;
    bv_block_meta pend;
    char pend_first[BV_MAX_NAME + 1];
    char pend_last[BV_MAX_NAME + 1];
    bv_buf blk;
    ZSTD_CCtx *zc;
    bv_buf mblk;               /* async: a block the appending thread built itself, */
    ZSTD_CCtx *mzc;            /* with its own context (created when first needed) */
    bv_recovery rec;
    uint64_t sub_events;       /* events in blocks submitted (written or queued) */
    /* background compression: the fields below are shared under mu */
    int async;                 /* the worker thread runs */
    pthread_t thr;
    pthread_mutex_t mu;
    pthread_cond_t cv;         /* broadcast on every queue or state change */
    wjob q[WQ_CAP];
    unsigned qhead, qcount;    /* q[qhead] is the block being written */
    uint64_t q_raw;            /* raw bytes of queued blocks */
    int stop;
    int werr;                  /* first error of the worker, sticky */
    char werrmsg[512];
};

void bv_writer_opts_init(bv_writer_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->block_size = 1u << 20;
    o->zstd_level = 0;
    o->segment_size = 256ull << 20;
    o->file_mode = 0640;
    o->dir_mode = 0750;
}

static char *dup_bv(bv_str s)
{
    char *d = malloc(s.len + 1);
    if (!d)
        return NULL;
    if (s.len)
        memcpy(d, s.ptr, s.len);
    d[s.len] = 0;
    return d;
}

/* Remember the archive's start (first segment) or its newest segment's
 * source, from a header bv_writer_open read (bv_writer_existing). */
static int found_start(bv_writer *w, const bv_seg_header *h)
{
    char *f = dup_bv(h->start_file);
    if (!f)
        return BV_E_NOMEM;
    free(w->found_start);
    w->found_start = f;
    w->found.found = 1;
    w->found.start_file = (bv_str){f, h->start_file.len};
    w->found.start_offset = h->start_offset;
    return BV_OK;
}

static int found_source(bv_writer *w, const bv_seg_header *h)
{
    char *u = dup_bv(h->source.server_uuid), *v = dup_bv(h->source.server_version);
    if (!u || !v) {
        free(u);
        free(v);
        return BV_E_NOMEM;
    }
    free(w->found_uuid);
    free(w->found_version);
    w->found_uuid = u;
    w->found_version = v;
    w->found.source = h->source;
    w->found.source.server_uuid = (bv_str){u, h->source.server_uuid.len};
    w->found.source.server_version = (bv_str){v, h->source.server_version.len};
    return BV_OK;
}

static int fail(bv_writer *w, int rc)
{
    if (rc == BV_E_IO || rc == BV_E_NOSPC || rc == BV_E_NOMEM)
        w->failed = rc;
    return rc;
}

/* ------------------------------------------------------------ blocks */

static void pend_reset(bv_writer *w)
{
    bv_buf_reset(&w->raw);
    memset(&w->pend, 0, sizeof(w->pend));
}

/* Compress the block (meta, raw) into out with the compression context zc.
 * Touches no writer state: the appending thread and the worker build
 * blocks at the same time, each with its own context and buffer. */
static int build_block(const bv_writer *w, bv_buf *out, const bv_block_meta *m, const bv_buf *raw, ZSTD_CCtx *zc,
                       char *err, size_t errlen)
{
    int rc;
    bv_buf_reset(out);
    if ((rc = bv_block_build(out, m, raw->data, raw->len, w->opts.zstd_level, zc)))
        return bv_seterr(err, errlen, rc, "%s: cannot build block: %s", w->seg_path, bv_strerror(rc));
    return BV_OK;
}

/* Write the built block blk (of raw_len raw bytes) at the end of the open
 * segment and record it in the block index. Runs on the worker thread in
 * async mode, which then owns every field it touches. */
static int commit_block(bv_writer *w, const bv_buf *blk, const bv_block_meta *m, size_t raw_len, const char *first,
                        const char *last, char *err, size_t errlen)
{
    int rc;
    if (w->nblocks == w->capblocks) {
        uint32_t cap = w->capblocks ? w->capblocks * 2 : 64;
        wblock *n = realloc(w->blocks, cap * sizeof(*n));
        if (!n)
            return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
        w->blocks = n;
        w->capblocks = cap;
    }
    if ((rc = bv_write_all(w->seg_fd, blk->data, blk->len, w->seg_path, err, errlen)))
        return rc;
#ifdef SYNC_FILE_RANGE_WRITE
    /* Start writing the block back now (no wait, no durability promise):
     * dirty pages do not pile up until the next fsync, which then stalls
     * only for the last blocks. Errors surface at that fsync. */
    (void)sync_file_range(w->seg_fd, (off_t)w->seg_bytes, (off_t)blk->len, SYNC_FILE_RANGE_WRITE);
#endif
    wblock *b = &w->blocks[w->nblocks++];
    memset(b, 0, sizeof(*b));
    b->ref.offset = w->seg_bytes;
    b->ref.length = blk->len;
    b->ref.payload_len = bv_rd32(blk->data + 8);
    b->ref.raw_len = (uint32_t)raw_len;
    b->ref.meta = *m;
    memcpy(b->first, first, sizeof(b->first));
    memcpy(b->last, last, sizeof(b->last));
    w->seg_bytes += blk->len;
    w->seg_events += m->events;
    return BV_OK;
}

static int emit_block(bv_writer *w, const bv_block_meta *m, const bv_buf *raw, const char *first, const char *last,
                      char *err, size_t errlen)
{
    int rc = build_block(w, &w->blk, m, raw, w->zc, err, errlen);
    return rc ? rc : commit_block(w, &w->blk, m, raw->len, first, last, err, errlen);
}

static void *worker_main(void *arg)
{
    bv_writer *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->qcount && !w->stop)
            pthread_cond_wait(&w->cv, &w->mu);
        if (!w->qcount)
            break; /* stop requested and nothing left */
        wjob *j = &w->q[w->qhead];
        int skip = w->werr != 0;
        pthread_mutex_unlock(&w->mu);
        char msg[sizeof(w->werrmsg)];
        int rc = skip      ? BV_OK
                 : j->built ? commit_block(w, &j->blk, &j->meta, j->raw.len, j->first, j->last, msg, sizeof(msg))
                            : emit_block(w, &j->meta, &j->raw, j->first, j->last, msg, sizeof(msg));
        pthread_mutex_lock(&w->mu);
        if (rc && !w->werr) {
            w->werr = rc;
            memcpy(w->werrmsg, msg, sizeof(msg));
        }
        w->q_raw -= j->raw.len;
        bv_buf_reset(&j->raw);
        w->qhead = (w->qhead + 1) % WQ_CAP;
        w->qcount--;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* The worker's first error, if any, as this call's error (sticky). */
static int worker_error(bv_writer *w, char *err, size_t errlen)
{
    if (!w->werr)
        return BV_OK;
    return fail(w, bv_seterr(err, errlen, w->werr, "%s", w->werrmsg));
}

/* Wait until every submitted block is written (or the worker failed). */
static int drain(bv_writer *w, char *err, size_t errlen)
{
    if (!w->async)
        return BV_OK;
    pthread_mutex_lock(&w->mu);
    while (w->qcount)
        pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
    return worker_error(w, err, errlen);
}

static int write_block(bv_writer *w, char *err, size_t errlen)
{
    int rc;
    if (w->raw.len == 0)
        return BV_OK;
    bv_block_meta *m = &w->pend;
    m->first_index = w->sub_events;
    m->first_file.len = strlen(w->pend_first);
    m->last_file.len = strlen(w->pend_last);
    if (w->walk.in_txn)
        m->flags |= BV_BLK_ENDS_IN_TXN;
    if (m->schemas)
        m->flags |= BV_BLK_HAS_SCHEMA;
    if (!w->async) {
        m->first_file.ptr = w->pend_first;
        m->last_file.ptr = w->pend_last;
        if ((rc = emit_block(w, m, &w->raw, w->pend_first, w->pend_last, err, errlen)))
            return fail(w, rc);
    } else {
        /* When the worker is behind (its queue is full), this thread
         * compresses the block itself instead of waiting: the two share
         * the compression, and the worker only writes the block, in order.
         * Either way the block's bytes are the same. */
        int built = 0;
        pthread_mutex_lock(&w->mu);
        int full = w->qcount == WQ_CAP;
        pthread_mutex_unlock(&w->mu);
        if (full) {
            if (!w->mzc && !(w->mzc = ZSTD_createCCtx()))
                return fail(w, bv_seterr(err, errlen, BV_E_NOMEM, "out of memory"));
            m->first_file.ptr = w->pend_first;
            m->last_file.ptr = w->pend_last;
            if ((rc = build_block(w, &w->mblk, m, &w->raw, w->mzc, err, errlen)))
                return fail(w, rc);
            built = 1;
        }
        pthread_mutex_lock(&w->mu);
        while (w->qcount == WQ_CAP)
            pthread_cond_wait(&w->cv, &w->mu);
        rc = w->werr;
        if (!rc) {
            wjob *j = &w->q[(w->qhead + w->qcount) % WQ_CAP];
            bv_buf t = j->raw; /* an empty buffer: swap it with the full one */
            j->raw = w->raw;
            w->raw = t;
            j->built = built;
            if (built) {
                t = j->blk;
                j->blk = w->mblk;
                w->mblk = t;
            }
            j->meta = *m;
            memcpy(j->first, w->pend_first, sizeof(j->first));
            memcpy(j->last, w->pend_last, sizeof(j->last));
            j->meta.first_file.ptr = j->first;
            j->meta.last_file.ptr = j->last;
            w->q_raw += j->raw.len;
            w->qcount++;
            pthread_cond_broadcast(&w->cv);
        }
        pthread_mutex_unlock(&w->mu);
        if (rc)
            return worker_error(w, err, errlen);
    }
    w->sub_events += m->events;
    pend_reset(w);
    return BV_OK;
}

/* The sealing rule is "seg_bytes + raw.len / 4 >= segment_size", with
 * seg_bytes counting written blocks. With the worker, queued blocks are not
 * yet counted: this returns an upper bound of what seg_bytes will be (a
 * compressed block is at most ZSTD_compressBound of its raw bytes plus its
 * fixed part, metadata and checksum, far below 4 KiB), so that the caller
 * drains and applies the exact rule whenever it could hold. */
static uint64_t seg_upper_bound(bv_writer *w)
{
    if (!w->async)
        return w->seg_bytes + w->raw.len / 4;
    pthread_mutex_lock(&w->mu);
    uint64_t n = w->seg_bytes + (w->qcount ? ZSTD_compressBound(w->q_raw) + w->qcount * 4096u : 0);
    pthread_mutex_unlock(&w->mu);
    return n + w->raw.len / 4;
}

/* ------------------------------------------------------------ segments */

static int create_segment(bv_writer *w, char *err, size_t errlen)
{
    int rc, fd = -1;
    char tmp[4096 + 8];
    bv_buf hb;
    char *gt = NULL;
    size_t gl;
    bv_buf_init(&hb);
    bv_str file = {w->walk.file, w->walk.file_len};
    if ((rc = bv_segment_name(w->seg_name, sizeof(w->seg_name), w->next_seq, file, w->walk.end_offset, 1)))
        return bv_seterr(err, errlen, rc, "cannot name a segment for %s:%llu (sequence %llu)", w->walk.file,
                         (unsigned long long)w->walk.end_offset, (unsigned long long)w->next_seq);
    snprintf(w->seg_path, sizeof(w->seg_path), "%s/%s", w->dir, w->seg_name);
    snprintf(tmp, sizeof(tmp), "%s.tmp", w->seg_path);
    gt = bv_walk_gtid_text(&w->walk, &gl);
    if (!gt)
        return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
    bv_seg_header h;
    memset(&h, 0, sizeof(h));
    h.version = BV_FORMAT_VERSION;
    h.seq = w->next_seq;
    h.created_us = bv_now_us();
    h.source = w->opts.source;
    h.start_file = file;
    h.start_offset = w->walk.end_offset;
    h.start_gtid.ptr = gt;
    h.start_gtid.len = gl;
    bv_seg_header_encode(&hb, &h);
    if ((rc = bv_buf_status(&hb))) {
        rc = bv_seterr(err, errlen, rc, "out of memory");
        goto out;
    }
    if (hb.len > BV_MAX_HEADER) {
        rc = bv_seterr(err, errlen, BV_E_RANGE, "%s: header of %zu bytes (GTID set text) exceeds the %u-byte limit",
                       w->seg_name, hb.len, BV_MAX_HEADER);
        goto out;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, w->opts.file_mode);
    if (fd < 0) {
        rc = bv_seterr(err, errlen, errno == ENOSPC ? BV_E_NOSPC : BV_E_IO, "%s: cannot create: %s", tmp,
                       strerror(errno));
        goto out;
    }
    if ((rc = bv_write_all(fd, hb.data, hb.len, tmp, err, errlen)))
        goto out;
    if (fsync(fd) != 0) {
        rc = bv_seterr(err, errlen, BV_E_IO, "%s: fsync failed: %s", tmp, strerror(errno));
        goto out;
    }
    if (rename(tmp, w->seg_path) != 0) {
        rc = bv_seterr(err, errlen, BV_E_IO, "%s: rename to %s failed: %s", tmp, w->seg_name, strerror(errno));
        goto out;
    }
    if ((rc = bv_fsync_dir(w->dir, err, errlen)))
        goto out;
    w->seg_fd = fd;
    fd = -1;
    w->seg_seq = w->next_seq++;
    w->seg_bytes = hb.len;
    w->seg_events = 0;
    w->sub_events = 0;
    w->nblocks = 0;
    w->nschemas = 0;
    smap_clear(&w->schemas);
    w->last_hash = 0;
    bv_walk_reset_counts(&w->walk);
out:
    if (fd >= 0) {
        close(fd);
        unlink(tmp);
    }
    free(gt);
    bv_buf_release(&hb);
    return rc;
}

static int seal_segment(bv_writer *w, char *err, size_t errlen)
{
    int rc;
    bv_buf fb;
    char sealed_path[4096];
    char *gt = NULL;
    size_t gl;
    bv_buf_init(&fb);
    if ((rc = write_block(w, err, errlen)) || (rc = drain(w, err, errlen)))
        return rc;
    bv_seg_footer f;
    memset(&f, 0, sizeof(f));
    f.nblocks = w->nblocks;
    f.blocks = calloc(w->nblocks ? w->nblocks : 1, sizeof(*f.blocks));
    gt = bv_walk_gtid_text(&w->walk, &gl);
    if (!f.blocks || !gt) {
        rc = fail(w, bv_seterr(err, errlen, BV_E_NOMEM, "out of memory"));
        goto out;
    }
    for (uint32_t i = 0; i < w->nblocks; i++) {
        f.blocks[i] = w->blocks[i].ref;
        f.blocks[i].meta.first_file.ptr = w->blocks[i].first;
        f.blocks[i].meta.last_file.ptr = w->blocks[i].last;
        f.raw_bytes += w->blocks[i].ref.raw_len;
    }
    f.end_file.ptr = w->walk.file;
    f.end_file.len = w->walk.file_len;
    f.end_offset = w->walk.end_offset;
    f.end_gtid.ptr = gt;
    f.end_gtid.len = gl;
    f.events = w->walk.events;
    memcpy(f.counts, w->walk.counts, sizeof(f.counts));
    f.min_ts = w->walk.min_ts;
    f.max_ts = w->walk.max_ts;
    bv_seg_footer_encode(&fb, &f);
    uint8_t tr[BV_TRAILER_LEN];
    if ((rc = bv_buf_status(&fb))) {
        rc = fail(w, bv_seterr(err, errlen, rc, "out of memory"));
        goto out;
    }
    bv_seg_trailer_encode(tr, w->seg_bytes, fb.len, bv_xxh64(fb.data, fb.len));
    bv_buf_put(&fb, tr, sizeof(tr));
    if ((rc = bv_buf_status(&fb)) || (rc = bv_write_all(w->seg_fd, fb.data, fb.len, w->seg_path, err, errlen))) {
        rc = fail(w, rc);
        goto out;
    }
    if (fsync(w->seg_fd) != 0) {
        rc = fail(w, bv_seterr(err, errlen, BV_E_IO, "%s: fsync failed: %s", w->seg_path, strerror(errno)));
        goto out;
    }
    snprintf(sealed_path, sizeof(sealed_path), "%.*s", (int)(strlen(w->seg_path) - 5), w->seg_path);
    if (rename(w->seg_path, sealed_path) != 0) {
        rc = fail(w, bv_seterr(err, errlen, BV_E_IO, "%s: rename failed: %s", w->seg_path, strerror(errno)));
        goto out;
    }
    if ((rc = bv_fsync_dir(w->dir, err, errlen))) {
        rc = fail(w, rc);
        goto out;
    }
    close(w->seg_fd);
    w->seg_fd = -1;
    w->nblocks = 0;
    w->nschemas = 0;
    smap_clear(&w->schemas);
    w->last_hash = 0;
out:
    free(f.blocks);
    free(gt);
    bv_buf_release(&fb);
    return rc;
}

/* ------------------------------------------------------------ append */

static int schema_id(bv_writer *w, const bv_schema *s, uint32_t *id)
{
    uint64_t h = bv_schema_hash(s);
    if (h == w->last_hash && w->last_hash) {
        *id = w->last_id;
        return BV_OK;
    }
    if (!smap_find(&w->schemas, h, id)) {
        if (smap_put(&w->schemas, h, w->nschemas))
            return BV_E_NOMEM;
        *id = w->nschemas++;
        bv_record_encode_schema(&w->raw, *id, s);
        w->pend.schemas++;
        if (bv_buf_status(&w->raw))
            return BV_E_NOMEM;
    }
    w->last_hash = h;
    w->last_id = *id;
    return BV_OK;
}

static void note_pos(char *dst, const bv_walk *wk)
{
    memcpy(dst, wk->file, wk->file_len + 1);
}

int bv_writer_append(bv_writer *w, const bv_event *ev, char *err, size_t errlen)
{
    int rc;
    uint32_t sid = 0;
    uint64_t row_max = 0;
    if (!w || !ev)
        return bv_seterr(err, errlen, BV_E_INVAL, "bv_writer_append: NULL argument");
    if (w->failed)
        return bv_seterr(err, errlen, BV_E_STATE, "%s: an earlier write failed (%s); reopen the archive to recover",
                         w->dir, bv_strerror(w->failed));
    if (ev->type >= BV_EV_INSERT && ev->type <= BV_EV_DELETE) {
        if (!ev->schema || bv_schema_hash(ev->schema) == 0 || ev->ncols != bv_schema_ncols(ev->schema) ||
            (ev->type != BV_EV_INSERT && !ev->before) || (ev->type != BV_EV_DELETE && !ev->after))
            return bv_seterr(err, errlen, BV_E_INVAL, "%s event at %.*s:%llu: missing or unfinished schema or image",
                             bv_event_type_name(ev->type), (int)ev->pos.file.len, ev->pos.file.ptr,
                             (unsigned long long)ev->pos.offset);
        uint32_t bad_col;
        uint8_t bad_kind;
        if (bv_row_check(ev, &row_max, &bad_col, &bad_kind) != BV_OK)
            return bv_seterr(err, errlen, BV_E_INVAL, "%s at %.*s:%llu row %u: column %u: invalid %s value",
                             bv_event_type_name(ev->type), (int)ev->pos.file.len, ev->pos.file.ptr,
                             (unsigned long long)ev->pos.offset, ev->pos.row, bad_col, bv_value_kind_name(bad_kind));
    }
    if ((ev->type == BV_EV_DDL && (ev->database.len > BV_MAX_NAME || ev->sql.len > BV_MAX_TEXT)) ||
        (ev->type == BV_EV_NOTE && (ev->text.len > BV_MAX_TEXT || ev->note_level > BV_NOTE_WARNING)) ||
        (ev->type == BV_EV_BEGIN && (ev->gtid.flavor > BV_GTID_MARIADB || memchr(ev->gtid.tag, 0, sizeof(ev->gtid.tag)) == NULL)))
        return bv_seterr(err, errlen, BV_E_INVAL, "%s event at %.*s:%llu: field out of range",
                         bv_event_type_name(ev->type), (int)ev->pos.file.len, ev->pos.file.ptr,
                         (unsigned long long)ev->pos.offset);
    /* Check the stream rules first, so that nothing is written for an
     * event that would be refused. */
    if ((rc = bv_walk_check(&w->walk, ev, err, errlen)))
        return rc;
    if (w->seg_fd < 0 && (rc = create_segment(w, err, errlen)))
        return fail(w, rc);
    if (w->raw.len == 0) {
        memset(&w->pend, 0, sizeof(w->pend));
        if (w->walk.in_txn)
            w->pend.flags |= BV_BLK_STARTS_IN_TXN;
        note_pos(w->pend_first, &w->walk);
        w->pend.first_offset = ev->pos.offset;
        w->pend.first_row = ev->pos.row;
    }
    if (ev->type >= BV_EV_INSERT && ev->type <= BV_EV_DELETE && (rc = schema_id(w, ev->schema, &sid)))
        return fail(w, bv_seterr(err, errlen, rc, "out of memory"));
    if ((rc = ev->type >= BV_EV_INSERT && ev->type <= BV_EV_DELETE ? bv_record_encode_row(&w->raw, ev, sid, row_max)
                                                                   : bv_record_encode(&w->raw, ev, sid)))
        return fail(w, bv_seterr(err, errlen, rc, "cannot encode %s event", bv_event_type_name(ev->type)));
    bv_block_meta *m = &w->pend;
    if (m->events == 0 || ev->ts_us < m->min_ts)
        m->min_ts = ev->ts_us;
    if (m->events == 0 || ev->ts_us > m->max_ts)
        m->max_ts = ev->ts_us;
    m->events++;
    m->counts[ev->type]++;
    note_pos(w->pend_last, &w->walk);
    m->last_offset = ev->pos.offset;
    m->last_row = ev->pos.row;
    if ((rc = bv_walk_apply(&w->walk, ev, err, errlen)))
        return fail(w, rc);
    if (w->raw.len >= w->opts.block_size && (rc = write_block(w, err, errlen)))
        return rc;
    if (!w->walk.in_txn && w->opts.segment_size && seg_upper_bound(w) >= w->opts.segment_size) {
        /* possibly at the limit: wait for the queued blocks so that the
         * decision uses the real sizes, exactly as without the worker */
        if ((rc = drain(w, err, errlen)))
            return rc;
        if (w->seg_bytes + w->raw.len / 4 >= w->opts.segment_size)
            return seal_segment(w, err, errlen);
    }
    return BV_OK;
}

int bv_writer_flush(bv_writer *w, char *err, size_t errlen)
{
    int rc;
    if (!w)
        return bv_seterr(err, errlen, BV_E_INVAL, "bv_writer_flush: NULL writer");
    if (w->failed)
        return bv_seterr(err, errlen, BV_E_STATE, "%s: an earlier write failed; reopen the archive to recover", w->dir);
    if (w->seg_fd < 0)
        return BV_OK;
    if ((rc = write_block(w, err, errlen)) || (rc = drain(w, err, errlen)))
        return rc;
    if (fsync(w->seg_fd) != 0)
        return fail(w, bv_seterr(err, errlen, BV_E_IO, "%s: fsync failed: %s", w->seg_path, strerror(errno)));
    return BV_OK;
}

int bv_writer_seal(bv_writer *w, char *err, size_t errlen)
{
    if (!w)
        return bv_seterr(err, errlen, BV_E_INVAL, "bv_writer_seal: NULL writer");
    if (w->failed)
        return bv_seterr(err, errlen, BV_E_STATE, "%s: an earlier write failed; reopen the archive to recover", w->dir);
    if (w->walk.in_txn)
        return bv_seterr(err, errlen, BV_E_STATE, "cannot seal %s inside a transaction", w->seg_name);
    if (w->seg_fd < 0)
        return BV_OK;
    return seal_segment(w, err, errlen);
}

void bv_writer_end(const bv_writer *w, bv_str *file, uint64_t *offset)
{
    file->ptr = w->walk.file;
    file->len = w->walk.file_len;
    *offset = w->walk.end_offset;
}

const bv_gtid_set *bv_writer_gtid_set(const bv_writer *w) { return w->walk.gtid; }
int bv_writer_in_transaction(const bv_writer *w) { return w->walk.in_txn; }
const bv_recovery *bv_writer_recovery(const bv_writer *w) { return &w->rec; }
const bv_writer_found *bv_writer_existing(const bv_writer *w) { return &w->found; }

static void stop_worker(bv_writer *w)
{
    if (!w->async)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thr, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    w->async = 0;
}

void bv_writer_free(bv_writer *w)
{
    if (!w)
        return;
    stop_worker(w); /* blocks still queued are written: they are valid */
    for (unsigned i = 0; i < WQ_CAP; i++) {
        bv_buf_release(&w->q[i].raw);
        bv_buf_release(&w->q[i].blk);
    }
    bv_buf_release(&w->mblk);
    ZSTD_freeCCtx(w->mzc);
    if (w->seg_fd >= 0)
        close(w->seg_fd);
    if (w->lock_fd >= 0)
        close(w->lock_fd); /* releases the flock */
    bv_walk_release(&w->walk);
    bv_buf_release(&w->raw);
    bv_buf_release(&w->blk);
    ZSTD_freeCCtx(w->zc);
    free(w->blocks);
    smap_release(&w->schemas);
    free(w->src_uuid);
    free(w->src_version);
    free(w->found_start);
    free(w->found_uuid);
    free(w->found_version);
    free(w->dir);
    free(w);
}

int bv_writer_close(bv_writer *w, char *err, size_t errlen)
{
    if (!w)
        return BV_OK;
    int rc = w->failed ? bv_seterr(err, errlen, w->failed, "%s: an earlier write failed (%s); nothing more was written",
                                   w->dir, bv_strerror(w->failed))
                       : bv_writer_flush(w, err, errlen);
    bv_writer_free(w);
    return rc;
}

/* ------------------------------------------------------------ recovery */

typedef struct recov {
    bv_segment *seg;
    bv_schemas schemas;
    bv_rec_ctx ctx;
    bv_buf blk, raw;
    ZSTD_DCtx *zd;
    char file[BV_MAX_NAME + 1];
} recov;

/* Decode the records of a block: feed events to walk; remember the last
 * transaction boundary (byte offset in raw and walk snapshot). */
static int walk_block(recov *r, bv_walk *wk, const bv_block_meta *meta, int *has_boundary, size_t *boundary_off,
                      bv_walk *at_boundary, uint64_t *events_after, char *err, size_t errlen)
{
    bv_cur c = bv_cur_make(r->raw.data, r->raw.len);
    char msg[256];
    int rc;
    uint64_t since = 0;
    (void)meta;
    while (c.left) {
        bv_event ev;
        int is_schema;
        r->ctx.file = wk->file;
        r->ctx.file_len = wk->file_len;
        if ((rc = bv_record_decode(&c, &r->ctx, &ev, &is_schema, msg, sizeof(msg))))
            return bv_seterr(err, errlen, BV_E_CORRUPT, "%s", msg);
        if (is_schema)
            continue;
        if ((rc = bv_walk_event(wk, &ev, msg, sizeof(msg))))
            return bv_seterr(err, errlen, BV_E_CORRUPT, "%s", msg);
        since++;
        if (!wk->in_txn) {
            if ((rc = bv_walk_copy(at_boundary, wk)))
                return bv_seterr(err, errlen, rc, "out of memory");
            *has_boundary = 1;
            *boundary_off = (size_t)(c.p - r->raw.data);
            since = 0;
        }
    }
    *events_after = since;
    return BV_OK;
}

static int recover_part(bv_writer *w, const char *name, const bv_walk *prev_end, bv_walk *start_out, char *err,
                        size_t errlen)
{
    recov r;
    int rc;
    char path[4096];
    bv_walk wk, at_block, at_bound;
    int has_boundary = 0;
    uint32_t bound_block = 0;
    size_t bound_off = 0;
    uint64_t pending_after = 0, cut_events = 0;
    memset(&r, 0, sizeof(r));
    memset(&wk, 0, sizeof(wk));
    memset(&at_block, 0, sizeof(at_block));
    memset(&at_bound, 0, sizeof(at_bound));
    bv_schemas_init(&r.schemas);
    r.ctx.schemas = &r.schemas;
    bv_buf_init(&r.blk);
    bv_buf_init(&r.raw);
    snprintf(path, sizeof(path), "%s/%s", w->dir, name);
    w->rec.recovered = 1;
    snprintf(w->rec.segment, sizeof(w->rec.segment), "%s", name);
    if ((rc = bv_segment_open(&r.seg, path, 0, err, errlen))) {
        if (rc == BV_E_FOREIGN || rc == BV_E_TRUNCATED)
            rc = BV_E_CORRUPT; /* a .part always has a whole header (tmp + rename) */
        goto out;
    }
    {
        uint64_t at = 0;
        int hit = bv_segment_valid_block_after(r.seg, &at, err, errlen);
        if (hit < 0) {
            rc = hit;
            goto out;
        }
        if (hit) {
            rc = bv_seterr(err, errlen, BV_E_CORRUPT,
                           "%s: the block at offset %llu is damaged but a valid block follows at offset %llu: this is "
                           "not a torn write, so nothing is cut (restore the segment from a copy or move it away)",
                           path, (unsigned long long)r.seg->valid_end, (unsigned long long)at);
            goto out;
        }
    }
    r.zd = ZSTD_createDCtx();
    if (!r.zd) {
        rc = bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
        goto out;
    }
    const bv_seg_header *h = &r.seg->hdr;
    if ((rc = found_source(w, h)) || (!prev_end && (rc = found_start(w, h)))) {
        rc = bv_seterr(err, errlen, rc, "out of memory");
        goto out;
    }
    if ((rc = bv_walk_init(&wk, h->start_file, h->start_offset, h->start_gtid, err, errlen)))
        goto out;
    if (prev_end) {
        if (prev_end->file_len != h->start_file.len || memcmp(prev_end->file, h->start_file.ptr, prev_end->file_len) ||
            prev_end->end_offset != h->start_offset || !bv_gtid_set_equal(prev_end->gtid, wk.gtid)) {
            rc = bv_seterr(err, errlen, BV_E_CORRUPT,
                           "%s: starts at %.*s:%llu, but the previous segment ends at %s:%llu (or GTID sets differ)",
                           path, (int)h->start_file.len, h->start_file.ptr, (unsigned long long)h->start_offset,
                           prev_end->file, (unsigned long long)prev_end->end_offset);
            goto out;
        }
    }
    if ((rc = bv_walk_copy(&at_block, &wk)))
        goto oom;
    /* Walk every complete block; remember the last transaction boundary. */
    bv_walk block_start_of_bound;
    memset(&block_start_of_bound, 0, sizeof(block_start_of_bound));
    for (uint32_t i = 0; i < r.seg->nblocks; i++) {
        bv_block_meta meta;
        int hb = 0;
        size_t off = 0;
        uint64_t after = 0;
        char msg[512];
        if ((rc = bv_walk_copy(&at_block, &wk)))
            goto oom;
        if ((rc = bv_segment_read_block(r.seg, i, &r.blk, &r.raw, r.zd, &meta, msg, sizeof(msg))) ||
            (rc = walk_block(&r, &wk, &meta, &hb, &off, &at_bound, &after, msg, sizeof(msg)))) {
            rc = bv_seterr(err, errlen, BV_E_CORRUPT, "%s: block %u at offset %llu: %s", path, i,
                           (unsigned long long)r.seg->blocks[i].offset, msg);
            goto out;
        }
        if (hb) {
            has_boundary = 1;
            bound_block = i;
            bound_off = off;
            pending_after = after;
            if ((rc = bv_walk_copy(&block_start_of_bound, &at_block)))
                goto oom;
        } else {
            pending_after += after;
        }
    }
    cut_events = pending_after;
    uint64_t orig_size = r.seg->size;
    if (!has_boundary) {
        /* No complete transaction: the segment holds nothing worth keeping. */
        if (unlink(path) != 0) {
            rc = bv_seterr(err, errlen, BV_E_IO, "%s: cannot remove: %s", path, strerror(errno));
            goto out;
        }
        if ((rc = bv_fsync_dir(w->dir, err, errlen)))
            goto out;
        w->rec.removed_empty = 1;
        w->rec.bytes_cut = orig_size;
        w->rec.events_cut = cut_events;
        bv_walk_release(&block_start_of_bound);
        /* The archive still starts where this segment started. */
        rc = bv_walk_init(start_out, h->start_file, h->start_offset, h->start_gtid, err, errlen);
        goto out;
    }
    /* Keep blocks [0, bound_block) whole; block bound_block is kept whole if
     * the boundary is its end, else re-appended up to the boundary. */
    int whole;
    /* r.raw holds the last block read, which may not be bound_block: reload. */
    {
        bv_block_meta meta;
        char msg[512];
        if ((rc = bv_segment_read_block(r.seg, bound_block, &r.blk, &r.raw, r.zd, &meta, msg, sizeof(msg)))) {
            rc = bv_seterr(err, errlen, rc, "%s", msg);
            goto out;
        }
        whole = bound_off == r.raw.len;
    }
    uint32_t keep = whole ? bound_block + 1 : bound_block;
    uint64_t cut_at = keep < r.seg->nblocks ? r.seg->blocks[keep].offset : r.seg->valid_end;
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        rc = bv_seterr(err, errlen, BV_E_IO, "%s: cannot open for writing: %s", path, strerror(errno));
        goto out;
    }
    if (ftruncate(fd, (off_t)cut_at) != 0 || lseek(fd, 0, SEEK_END) < 0 || fsync(fd) != 0) {
        rc = bv_seterr(err, errlen, BV_E_IO, "%s: cannot truncate to %llu: %s", path, (unsigned long long)cut_at,
                       strerror(errno));
        close(fd);
        goto out;
    }
    /* Adopt the segment as the writer's open segment. */
    w->seg_fd = fd;
    snprintf(w->seg_name, sizeof(w->seg_name), "%s", name);
    snprintf(w->seg_path, sizeof(w->seg_path), "%s", path);
    w->seg_seq = h->seq;
    w->next_seq = h->seq + 1;
    w->seg_bytes = cut_at;
    w->seg_events = 0;
    w->nblocks = 0;
    for (uint32_t i = 0; i < keep; i++) {
        if (w->nblocks == w->capblocks) {
            uint32_t cap = w->capblocks ? w->capblocks * 2 : 64;
            wblock *n = realloc(w->blocks, cap * sizeof(*n));
            if (!n)
                goto oom;
            w->blocks = n;
            w->capblocks = cap;
        }
        wblock *b = &w->blocks[w->nblocks++];
        memset(b, 0, sizeof(*b));
        b->ref = r.seg->blocks[i];
        snprintf(b->first, sizeof(b->first), "%.*s", (int)b->ref.meta.first_file.len, b->ref.meta.first_file.ptr);
        snprintf(b->last, sizeof(b->last), "%.*s", (int)b->ref.meta.last_file.len, b->ref.meta.last_file.ptr);
        w->seg_events += b->ref.meta.events;
    }
    w->sub_events = w->seg_events;
    /* Schemas defined in the kept blocks keep their ids. */
    uint32_t kept_schemas = 0;
    for (uint32_t i = 0; i < keep; i++)
        kept_schemas += r.seg->blocks[i].meta.schemas;
    w->nschemas = 0;
    smap_clear(&w->schemas);
    w->last_hash = 0;
    for (uint32_t i = 0; i < kept_schemas && i < r.schemas.n; i++) {
        if (smap_put(&w->schemas, bv_schema_hash(r.schemas.v[i]), i))
            goto oom;
        w->nschemas = i + 1;
    }
    bv_walk_release(&w->walk);
    if (whole) {
        w->walk = at_bound;
        memset(&at_bound, 0, sizeof(at_bound));
    } else {
        /* Re-append the complete part of the boundary block. */
        w->walk = block_start_of_bound;
        memset(&block_start_of_bound, 0, sizeof(block_start_of_bound));
        /* Re-decoding defines the boundary block's schemas again. */
        while (r.schemas.n > kept_schemas)
            bv_schema_free(r.schemas.v[--r.schemas.n]);
        bv_cur c = bv_cur_make(r.raw.data, bound_off);
        char file[BV_MAX_NAME + 1];
        while (c.left) {
            bv_event ev;
            int is_schema;
            memcpy(file, w->walk.file, w->walk.file_len + 1);
            r.ctx.file = file;
            r.ctx.file_len = w->walk.file_len;
            if ((rc = bv_record_decode(&c, &r.ctx, &ev, &is_schema, err, errlen)))
                goto out;
            if (!is_schema && (rc = bv_writer_append(w, &ev, err, errlen)))
                goto out;
        }
        if ((rc = bv_writer_flush(w, err, errlen)))
            goto out;
    }
    bv_walk_release(&block_start_of_bound);
    w->rec.blocks_kept = w->nblocks;
    w->rec.valid_bytes = w->seg_bytes;
    w->rec.bytes_cut = orig_size > w->seg_bytes ? orig_size - w->seg_bytes : 0;
    w->rec.events_cut = cut_events;
    rc = BV_OK;
    goto out;
oom:
    rc = bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
out:
    bv_walk_release(&wk);
    bv_walk_release(&at_block);
    bv_walk_release(&at_bound);
    bv_segment_close(r.seg);
    bv_schemas_release(&r.schemas);
    bv_rec_ctx_release(&r.ctx);
    bv_buf_release(&r.blk);
    bv_buf_release(&r.raw);
    ZSTD_freeDCtx(r.zd);
    return rc;
}

int bv_writer_open(bv_writer **out, const char *dir, const bv_writer_opts *opts, char *err, size_t errlen)
{
    int rc;
    bv_writer *w = NULL;
    bv_dir_list list;
    bv_walk prev;
    int have_prev = 0;
    memset(&prev, 0, sizeof(prev));
    memset(&list, 0, sizeof(list));
    *out = NULL;
    if (!dir || !opts)
        return bv_seterr(err, errlen, BV_E_INVAL, "bv_writer_open: NULL argument");
    if (opts->block_size == 0 || opts->block_size > (256u << 20) || opts->zstd_level < 0 || opts->zstd_level > 19)
        return bv_seterr(err, errlen, BV_E_INVAL, "block size must be 1 byte..256 MiB and zstd level 0..19");
    if (opts->compress_threads > 1)
        return bv_seterr(err, errlen, BV_E_INVAL, "compress_threads must be 0 or 1");
    w = calloc(1, sizeof(*w));
    if (!w)
        return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
    w->seg_fd = -1;
    w->lock_fd = -1;
    bv_buf_init(&w->raw);
    bv_buf_init(&w->blk);
    bv_buf_init(&w->mblk);
    w->opts = *opts;
    w->dir = strdup(dir);
    w->src_uuid = dup_bv(opts->source.server_uuid);
    w->src_version = dup_bv(opts->source.server_version);
    w->zc = ZSTD_createCCtx();
    if (!w->dir || !w->src_uuid || !w->src_version || !w->zc) {
        rc = bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
        goto out;
    }
    w->opts.source.server_uuid.ptr = w->src_uuid;
    w->opts.source.server_version.ptr = w->src_version;
    w->opts.start_file.ptr = NULL;
    w->opts.start_gtid_set.ptr = NULL;
    if (opts->source.flavor > BV_GTID_MARIADB || opts->source.server_uuid.len > BV_MAX_NAME ||
        opts->source.server_version.len > BV_MAX_NAME || opts->start_file.len > BV_MAX_NAME ||
        opts->start_gtid_set.len > (BV_MAX_HEADER >> 1)) {
        rc = bv_seterr(err, errlen, BV_E_INVAL,
                       "source flavor, server uuid/version (max %d bytes), start file or start GTID set out of range",
                       BV_MAX_NAME);
        goto out;
    }
    if (mkdir(dir, opts->dir_mode ? opts->dir_mode : 0750) != 0 && errno != EEXIST) {
        rc = bv_seterr(err, errlen, errno == ENOENT ? BV_E_NOTFOUND : BV_E_IO, "%s: cannot create archive directory: %s",
                       dir, strerror(errno));
        goto out;
    }
    if ((rc = bv_dir_lock(dir, opts->file_mode, &w->lock_fd, err, errlen)))
        goto out;
    if ((rc = bv_dir_scan(dir, 1, &list, err, errlen)))
        goto out;
    w->rec.removed_tmp = list.removed_tmp;
    size_t nsealed = list.n;
    if (list.n && !list.e[list.n - 1].sealed)
        nsealed--;
    if (nsealed) {
        /* The newest sealed segment gives the archive end. */
        char path[4096];
        bv_segment *s = NULL;
        snprintf(path, sizeof(path), "%s/%s", dir, list.e[nsealed - 1].name);
        if ((rc = bv_segment_open(&s, path, 1, err, errlen))) {
            if (rc == BV_E_FOREIGN || rc == BV_E_TRUNCATED)
                rc = BV_E_CORRUPT;
            goto out;
        }
        rc = bv_walk_init(&prev, s->footer.end_file, s->footer.end_offset, s->footer.end_gtid, err, errlen);
        if (!rc && ((rc = found_source(w, &s->hdr)) || (nsealed == 1 && (rc = found_start(w, &s->hdr)))))
            rc = bv_seterr(err, errlen, rc, "out of memory");
        w->next_seq = s->hdr.seq + 1;
        bv_segment_close(s);
        if (rc)
            goto out;
        have_prev = 1;
    }
    if (nsealed > 1) {
        /* the archive's start: the first segment's header */
        char path[4096];
        bv_segment *s = NULL;
        snprintf(path, sizeof(path), "%s/%s", dir, list.e[0].name);
        if ((rc = bv_segment_open(&s, path, 1, err, errlen))) {
            if (rc == BV_E_FOREIGN || rc == BV_E_TRUNCATED)
                rc = BV_E_CORRUPT;
            goto out;
        }
        if ((rc = found_start(w, &s->hdr)))
            rc = bv_seterr(err, errlen, rc, "out of memory");
        bv_segment_close(s);
        if (rc)
            goto out;
    }
    if (list.n && !list.e[list.n - 1].sealed) {
        bv_walk start;
        memset(&start, 0, sizeof(start));
        if ((rc = recover_part(w, list.e[list.n - 1].name, have_prev ? &prev : NULL, &start, err, errlen))) {
            bv_walk_release(&start);
            goto out;
        }
        if (w->rec.removed_empty == 0) {
            rc = BV_OK;
            goto done;
        }
        w->next_seq = list.e[list.n - 1].seq; /* reuse the removed segment's number */
        if (!have_prev) {
            /* The removed segment was the archive's first: keep its start. */
            prev = start;
            have_prev = 1;
        } else {
            bv_walk_release(&start);
        }
    }
    if (have_prev) {
        w->walk = prev;
        memset(&prev, 0, sizeof(prev));
    } else {
        if (!opts->start_file.len) {
            rc = bv_seterr(err, errlen, BV_E_INVAL, "%s: the archive is empty: a start position (binlog file) is required",
                           dir);
            goto out;
        }
        if ((rc = bv_walk_init(&w->walk, opts->start_file, opts->start_offset, opts->start_gtid_set, err, errlen)))
            goto out;
    }
done:
    if (opts->compress_threads) {
        if (pthread_mutex_init(&w->mu, NULL) != 0) {
            rc = bv_seterr(err, errlen, BV_E_NOMEM, "cannot create a mutex");
            goto out;
        }
        if (pthread_cond_init(&w->cv, NULL) != 0) {
            pthread_mutex_destroy(&w->mu);
            rc = bv_seterr(err, errlen, BV_E_NOMEM, "cannot create a condition variable");
            goto out;
        }
        if ((rc = pthread_create(&w->thr, NULL, worker_main, w)) != 0) {
            pthread_cond_destroy(&w->cv);
            pthread_mutex_destroy(&w->mu);
            rc = bv_seterr(err, errlen, BV_E_NOMEM, "cannot start the compression thread: %s", strerror(rc));
            goto out;
        }
        w->async = 1;
    }
    *out = w;
    w = NULL;
    rc = BV_OK;
out:
    bv_walk_release(&prev);
    bv_dir_list_release(&list);
    bv_writer_free(w);
    return rc;
}
