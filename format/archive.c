/* Reading archives: listing, deep verification and the event reader. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zstd.h>

#include "archive_dir.h"
#include "internal.h"

/* ------------------------------------------------------------ deep segment walk */

typedef struct problems {
    bv_problem_fn fn;
    void *ctx;
    uint64_t count;
    bv_progress_fn progress;
    bv_verify_stats *st;
} problems;

static void report(problems *p, const char *file, uint64_t off, int code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void report(problems *p, const char *file, uint64_t off, int code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (code != BV_OK)
        p->count++;
    if (p->fn)
        p->fn(p->ctx, file, off, code, msg);
}

static int meta_equal(const bv_block_meta *a, const bv_block_meta *b)
{
    return a->flags == b->flags && a->events == b->events && a->schemas == b->schemas &&
           a->first_index == b->first_index && a->min_ts == b->min_ts && a->max_ts == b->max_ts &&
           a->first_file.len == b->first_file.len && !memcmp(a->first_file.ptr, b->first_file.ptr, a->first_file.len) &&
           a->first_offset == b->first_offset && a->first_row == b->first_row && a->last_file.len == b->last_file.len &&
           !memcmp(a->last_file.ptr, b->last_file.ptr, a->last_file.len) && a->last_offset == b->last_offset &&
           a->last_row == b->last_row && !memcmp(a->counts, b->counts, sizeof(a->counts));
}

/* Decode every complete block of s, checking each record against the
 * stream rules and each block against its metadata. wk starts at the
 * header's start state and ends at the last event. Returns the number of
 * problems reported (0 = clean). For an open segment, *boundary gets the walk
 * state at the last transaction boundary when non-NULL. */
static uint64_t deep_walk(bv_segment *s, const char *name, bv_walk *wk, problems *pr, bv_verify_stats *st,
                          bv_walk *boundary)
{
    bv_buf blk, raw;
    bv_schemas schemas;
    bv_rec_ctx ctx;
    uint64_t before = pr->count;
    uint64_t index = 0;
    ZSTD_DCtx *zd = ZSTD_createDCtx();
    bv_buf_init(&blk);
    bv_buf_init(&raw);
    bv_schemas_init(&schemas);
    memset(&ctx, 0, sizeof(ctx));
    ctx.schemas = &schemas;
    if (!zd) {
        report(pr, name, UINT64_MAX, BV_E_NOMEM, "out of memory");
        goto out;
    }
    for (uint32_t i = 0; i < s->nblocks; i++) {
        const bv_block_ref *ref = &s->blocks[i];
        bv_block_meta meta, got;
        char msg[512];
        int rc;
        if ((rc = bv_segment_read_block(s, i, &blk, &raw, zd, &meta, msg, sizeof(msg)))) {
            report(pr, name, ref->offset, rc, "%s", msg);
            goto out; /* the walk cannot continue past a lost block */
        }
        if (st)
            st->blocks++;
        if (s->sealed && !meta_equal(&meta, &ref->meta))
            report(pr, name, ref->offset, BV_E_CORRUPT, "block %u: metadata differs from the footer's index entry", i);
        memset(&got, 0, sizeof(got));
        got.first_index = index;
        if (wk->in_txn)
            got.flags |= BV_BLK_STARTS_IN_TXN;
        bv_cur c = bv_cur_make(raw.data, raw.len);
        uint32_t rec = 0;
        char first_file[BV_MAX_NAME + 1] = "", last_file[BV_MAX_NAME + 1] = "";
        while (c.left) {
            bv_event ev;
            int is_schema;
            size_t at = (size_t)(c.p - raw.data);
            ctx.file = wk->file;
            ctx.file_len = wk->file_len;
            if ((rc = bv_record_decode(&c, &ctx, &ev, &is_schema, msg, sizeof(msg)))) {
                report(pr, name, ref->offset, rc, "block %u, record %u (payload byte %zu): %s", i, rec, at, msg);
                goto out;
            }
            rec++;
            if (is_schema) {
                got.schemas++;
                continue;
            }
            if (got.events == 0) {
                memcpy(first_file, wk->file, wk->file_len + 1);
                got.first_offset = ev.pos.offset;
                got.first_row = ev.pos.row;
            }
            if (got.events == 0 || ev.ts_us < got.min_ts)
                got.min_ts = ev.ts_us;
            if (got.events == 0 || ev.ts_us > got.max_ts)
                got.max_ts = ev.ts_us;
            memcpy(last_file, wk->file, wk->file_len + 1);
            got.last_offset = ev.pos.offset;
            got.last_row = ev.pos.row;
            got.events++;
            got.counts[ev.type]++;
            if ((rc = bv_walk_event(wk, &ev, msg, sizeof(msg)))) {
                report(pr, name, ref->offset, BV_E_CORRUPT, "block %u, record %u: %s", i, rec - 1, msg);
                goto out;
            }
            if (boundary && !wk->in_txn && bv_walk_copy(boundary, wk) != BV_OK) {
                report(pr, name, UINT64_MAX, BV_E_NOMEM, "out of memory");
                goto out;
            }
        }
        if (wk->in_txn)
            got.flags |= BV_BLK_ENDS_IN_TXN;
        if (got.schemas)
            got.flags |= BV_BLK_HAS_SCHEMA;
        got.first_file.ptr = first_file;
        got.first_file.len = strlen(first_file);
        got.last_file.ptr = last_file;
        got.last_file.len = strlen(last_file);
        if (!meta_equal(&got, &meta))
            report(pr, name, ref->offset, BV_E_CORRUPT, "block %u: metadata does not describe its records", i);
        index += got.events;
        if (st)
            st->events += got.events;
        if (pr->progress && pr->st)
            pr->progress(pr->ctx, pr->st);
    }
out:
    bv_buf_release(&blk);
    bv_buf_release(&raw);
    bv_schemas_release(&schemas);
    bv_rec_ctx_release(&ctx);
    ZSTD_freeDCtx(zd);
    return pr->count - before;
}

static int gtid_text_equal(bv_str a, bv_str b)
{
    bv_gtid_set *x = bv_gtid_set_new(), *y = bv_gtid_set_new();
    int eq = x && y && bv_gtid_set_parse(x, a.ptr, a.len, NULL, 0) == BV_OK &&
             bv_gtid_set_parse(y, b.ptr, b.len, NULL, 0) == BV_OK && bv_gtid_set_equal(x, y);
    bv_gtid_set_free(x);
    bv_gtid_set_free(y);
    return eq;
}

/* Verify one segment; fills end state into *end (caller releases) when
 * non-NULL and the segment could be walked. */
static void verify_segment(const char *dir, const bv_dir_entry *e, problems *pr, bv_verify_stats *st, bv_walk *end,
                           int *have_end)
{
    char path[4096], msg[1024], expect[320];
    bv_segment *s = NULL;
    bv_walk wk;
    int rc;
    memset(&wk, 0, sizeof(wk));
    *have_end = 0;
    snprintf(path, sizeof(path), "%s/%s", dir, e->name);
    if (st)
        st->segments++;
    if ((rc = bv_segment_open(&s, path, e->sealed, msg, sizeof(msg)))) {
        report(pr, e->name, UINT64_MAX, rc, "%s", msg);
        return;
    }
    if (st)
        st->bytes += s->size;
    if (bv_segment_name(expect, sizeof(expect), s->hdr.seq, s->hdr.start_file, s->hdr.start_offset, !e->sealed) ||
        strcmp(expect, e->name) != 0)
        report(pr, e->name, 0, BV_E_CORRUPT, "file name does not match the header (expected %s)", expect);
    if ((rc = bv_walk_init(&wk, s->hdr.start_file, s->hdr.start_offset, s->hdr.start_gtid, msg, sizeof(msg)))) {
        report(pr, e->name, 0, BV_E_CORRUPT, "header start state: %s", msg);
        goto out;
    }
    uint64_t n = deep_walk(s, e->name, &wk, pr, st, NULL);
    if (n)
        goto out;
    if (s->sealed) {
        const bv_seg_footer *f = &s->footer;
        char *gt = bv_walk_gtid_text(&wk, NULL);
        bv_str g = {gt, gt ? strlen(gt) : 0};
        if (f->nblocks && (f->blocks[0].meta.flags & BV_BLK_STARTS_IN_TXN))
            report(pr, e->name, f->blocks[0].offset, BV_E_CORRUPT, "sealed segment does not start at a transaction");
        if (wk.in_txn)
            report(pr, e->name, s->valid_end, BV_E_CORRUPT, "sealed segment ends inside a transaction");
        if (f->end_file.len != wk.file_len || memcmp(f->end_file.ptr, wk.file, wk.file_len) ||
            f->end_offset != wk.end_offset)
            report(pr, e->name, s->valid_end, BV_E_CORRUPT, "footer end position %.*s:%llu, events end at %s:%llu",
                   (int)f->end_file.len, f->end_file.ptr, (unsigned long long)f->end_offset, wk.file,
                   (unsigned long long)wk.end_offset);
        if (!gt || !gtid_text_equal(f->end_gtid, g))
            report(pr, e->name, s->valid_end, BV_E_CORRUPT, "footer end GTID set '%.*s' differs from the events' '%s'",
                   (int)(f->end_gtid.len > 300 ? 300 : f->end_gtid.len), f->end_gtid.ptr, gt ? gt : "?");
        if (f->events != wk.events || memcmp(f->counts, wk.counts, sizeof(f->counts)) ||
            (wk.events && (f->min_ts != wk.min_ts || f->max_ts != wk.max_ts)))
            report(pr, e->name, s->valid_end, BV_E_CORRUPT, "footer totals do not match the blocks");
        free(gt);
    } else if (s->size > s->valid_end) {
        uint64_t at = 0;
        char m2[512];
        int hit = bv_segment_valid_block_after(s, &at, m2, sizeof(m2));
        if (hit < 0)
            report(pr, e->name, s->valid_end, hit, "%s", m2);
        else if (hit)
            report(pr, e->name, s->valid_end, BV_E_CORRUPT,
                   "damaged block: a valid block follows at offset %llu, so this is not a torn write",
                   (unsigned long long)at);
        else
            report(pr, e->name, s->valid_end, BV_OK,
               "open segment: %llu bytes after the last complete block (a torn write; the writer discards them on recovery)",
               (unsigned long long)(s->size - s->valid_end));
    }
    if (end) {
        *end = wk;
        memset(&wk, 0, sizeof(wk));
        *have_end = 1;
    }
out:
    bv_walk_release(&wk);
    bv_segment_close(s);
}

static uint64_t file_size(const char *dir, const char *name)
{
    char path[4096];
    struct stat sb;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
}

int bv_archive_verify(const char *dir, const char *const *names, size_t nnames, const bv_verify_cb *cb,
                      bv_verify_stats *st, char *err, size_t errlen)
{
    bv_verify_stats local;
    problems pr;
    bv_dir_list list;
    int rc;
    if (!st)
        st = &local;
    memset(st, 0, sizeof(*st));
    memset(&pr, 0, sizeof(pr));
    if (cb) {
        pr.fn = cb->problem;
        pr.ctx = cb->ctx;
        pr.progress = cb->progress;
    }
    pr.st = st;
    for (size_t i = 0; names && i < nnames; i++)
        st->total_bytes += file_size(dir, names[i]);
    if (names) {
        for (size_t i = 0; i < nnames; i++) {
            bv_dir_entry e;
            memset(&e, 0, sizeof(e));
            int kind = bv_segment_name_parse(names[i], &e.seq, &e.offset);
            snprintf(e.name, sizeof(e.name), "%s", names[i]);
            if (kind < 0) {
                report(&pr, names[i], UINT64_MAX, BV_E_INVAL, "not a segment file name");
                continue;
            }
            e.sealed = kind == 1;
            bv_walk end;
            int have = 0;
            verify_segment(dir, &e, &pr, st, &end, &have);
            if (have)
                bv_walk_release(&end);
        }
    } else {
        if ((rc = bv_dir_scan(dir, 0, &list, err, errlen))) {
            if (rc == BV_E_CORRUPT)
                report(&pr, dir, UINT64_MAX, rc, "%s", err ? err : "bad archive directory");
            else
                return rc;
        } else {
            bv_walk prev;
            int have_prev = 0;
            memset(&prev, 0, sizeof(prev));
            for (size_t i = 0; i < list.n; i++)
                st->total_bytes += file_size(dir, list.e[i].name);
            for (size_t i = 0; i < list.n; i++) {
                bv_walk end;
                int have = 0;
                char path[4096], msg[512];
                /* continuity: this segment starts where the previous ended */
                if (have_prev) {
                    bv_segment *s = NULL;
                    snprintf(path, sizeof(path), "%s/%s", dir, list.e[i].name);
                    if (bv_segment_open(&s, path, list.e[i].sealed, msg, sizeof(msg)) == BV_OK) {
                        char *gt = bv_walk_gtid_text(&prev, NULL);
                        bv_str g = {gt, gt ? strlen(gt) : 0};
                        if (s->hdr.start_file.len != prev.file_len ||
                            memcmp(s->hdr.start_file.ptr, prev.file, prev.file_len) ||
                            s->hdr.start_offset != prev.end_offset || !gt || !gtid_text_equal(s->hdr.start_gtid, g))
                            report(&pr, list.e[i].name, 0, BV_E_CORRUPT,
                                   "starts at %.*s:%llu but %s ends at %s:%llu (gap or overlap between segments)",
                                   (int)s->hdr.start_file.len, s->hdr.start_file.ptr,
                                   (unsigned long long)s->hdr.start_offset, list.e[i - 1].name, prev.file,
                                   (unsigned long long)prev.end_offset);
                        free(gt);
                        bv_segment_close(s);
                    }
                    bv_walk_release(&prev);
                    have_prev = 0;
                }
                verify_segment(dir, &list.e[i], &pr, st, &end, &have);
                if (have) {
                    prev = end;
                    have_prev = 1;
                }
            }
            if (have_prev)
                bv_walk_release(&prev);
            bv_dir_list_release(&list);
        }
    }
    st->problems = pr.count;
    return pr.count ? BV_E_CORRUPT : BV_OK;
}

/* ------------------------------------------------------------ listing */

struct bv_archive {
    bv_segment_info *seg;
    size_t n;
    bv_segment **open;   /* kept open so that info strings stay valid */
    char **strs;
    size_t nstrs;
};

static const char *keep_str(bv_archive *a, const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = 0;
    char **v = realloc(a->strs, (a->nstrs + 1) * sizeof(*v));
    if (!v) {
        free(d);
        return NULL;
    }
    a->strs = v;
    a->strs[a->nstrs++] = d;
    return d;
}

int bv_archive_open(bv_archive **out, const char *dir, char *err, size_t errlen)
{
    bv_dir_list list;
    int rc;
    *out = NULL;
    if ((rc = bv_dir_scan(dir, 0, &list, err, errlen)))
        return rc;
    bv_archive *a = calloc(1, sizeof(*a));
    if (!a || (list.n && (!(a->seg = calloc(list.n, sizeof(*a->seg))) || !(a->open = calloc(list.n, sizeof(*a->open)))))) {
        rc = bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
        goto out;
    }
    a->n = list.n;
    for (size_t i = 0; i < list.n; i++) {
        bv_segment_info *si = &a->seg[i];
        char path[4096], msg[1024];
        bv_segment *s = NULL;
        snprintf(si->name, sizeof(si->name), "%s", list.e[i].name);
        si->seq = list.e[i].seq;
        si->sealed = list.e[i].sealed;
        snprintf(path, sizeof(path), "%s/%s", dir, list.e[i].name);
        if ((rc = bv_segment_open(&s, path, si->sealed, msg, sizeof(msg)))) {
            si->problem = (char *)keep_str(a, msg, strlen(msg));
            continue;
        }
        a->open[i] = s;
        si->source = s->hdr.source;
        si->start_file = s->hdr.start_file;
        si->start_offset = s->hdr.start_offset;
        si->start_gtid_set = s->hdr.start_gtid;
        si->blocks = s->nblocks;
        si->file_bytes = s->size;
        for (uint32_t b = 0; b < s->nblocks; b++)
            si->raw_bytes += s->blocks[b].raw_len;
        if (s->sealed) {
            const bv_seg_footer *f = &s->footer;
            si->end_file = f->end_file;
            si->end_offset = f->end_offset;
            si->end_gtid_set = f->end_gtid;
            si->min_ts_us = f->min_ts;
            si->max_ts_us = f->max_ts;
            si->events = f->events;
            memcpy(si->counts, f->counts, sizeof(si->counts));
        } else {
            /* Open segment: decode it to find where its last complete
             * transaction ends. */
            bv_walk wk, bound;
            problems pr;
            memset(&pr, 0, sizeof(pr));
            memset(&bound, 0, sizeof(bound));
            si->torn_bytes = s->size - s->valid_end;
            if (bv_walk_init(&wk, s->hdr.start_file, s->hdr.start_offset, s->hdr.start_gtid, msg, sizeof(msg)) ||
                bv_walk_copy(&bound, &wk)) {
                si->problem = (char *)keep_str(a, "bad header start state", 22);
                bv_walk_release(&wk);
                continue;
            }
            if (deep_walk(s, si->name, &wk, &pr, NULL, &bound))
                si->problem = (char *)keep_str(a, "damaged block (run binvault verify)", 35);
            char *gt = bv_walk_gtid_text(&bound, NULL);
            si->end_file.ptr = keep_str(a, bound.file, bound.file_len);
            si->end_file.len = bound.file_len;
            si->end_offset = bound.end_offset;
            si->end_gtid_set.ptr = gt ? keep_str(a, gt, strlen(gt)) : NULL;
            si->end_gtid_set.len = gt ? strlen(gt) : 0;
            free(gt);
            si->min_ts_us = wk.min_ts;
            si->max_ts_us = wk.max_ts;
            si->events = wk.events;
            memcpy(si->counts, wk.counts, sizeof(si->counts));
            bv_walk_release(&wk);
            bv_walk_release(&bound);
        }
    }
    *out = a;
    a = NULL;
    rc = BV_OK;
out:
    bv_dir_list_release(&list);
    bv_archive_free(a);
    return rc;
}

size_t bv_archive_count(const bv_archive *a) { return a->n; }
const bv_segment_info *bv_archive_segment(const bv_archive *a, size_t i) { return i < a->n ? &a->seg[i] : NULL; }

void bv_archive_free(bv_archive *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++)
        bv_segment_close(a->open ? a->open[i] : NULL);
    for (size_t i = 0; i < a->nstrs; i++)
        free(a->strs[i]);
    free(a->strs);
    free(a->open);
    free(a->seg);
    free(a);
}

/* ------------------------------------------------------------ reader */

struct bv_reader {
    char *dir;
    bv_dir_list list;
    size_t seg_i;
    bv_segment *seg;
    uint32_t blk_i;
    bv_range range;
    char *from_file, *to_file;
    bv_schemas *tables;      /* one schema table per segment visited (kept: events point into them) */
    size_t ntables;
    bv_rec_ctx ctx;
    bv_buf blk, raw;
    bv_cur cur;
    int have_block;
    ZSTD_DCtx *zd;
    char file[BV_MAX_NAME + 1];
    size_t file_len;
    char ev_file[BV_MAX_NAME + 1];
    bv_event ev;
    /* transaction context */
    uint32_t server_id;
    uint64_t thread_id;
    bv_gtid gtid;
    uint32_t txn_flags;
    int started, done, seen_from, seen_to;
    char segname[320];
};

static int str_eq(const char *a, size_t alen, const char *b)
{
    return b && strlen(b) == alen && memcmp(a, b, alen) == 0;
}

static int reader_open_segment(bv_reader *r, char *err, size_t errlen)
{
    char path[4096];
    int rc;
    bv_segment_close(r->seg);
    r->seg = NULL;
    r->have_block = 0;
    r->blk_i = 0;
    const bv_dir_entry *e = &r->list.e[r->seg_i];
    snprintf(path, sizeof(path), "%s/%s", r->dir, e->name);
    if ((rc = bv_segment_open(&r->seg, path, e->sealed, err, errlen)))
        return rc;
    bv_schemas *t = realloc(r->tables, (r->ntables + 1) * sizeof(*t));
    if (!t)
        return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
    r->tables = t;
    bv_schemas_init(&r->tables[r->ntables]);
    r->ntables++;
    snprintf(r->segname, sizeof(r->segname), "%s", e->name);
    memcpy(r->file, r->seg->hdr.start_file.ptr, r->seg->hdr.start_file.len);
    r->file[r->seg->hdr.start_file.len] = 0;
    r->file_len = r->seg->hdr.start_file.len;
    return BV_OK;
}

/* Can block i be skipped without decoding? Only when it defines no schema,
 * leaves no transaction open, and lies wholly before the range start. */
static int block_skippable(const bv_reader *r, const bv_block_ref *b)
{
    const bv_block_meta *m = &b->meta;
    if (m->flags & (BV_BLK_HAS_SCHEMA | BV_BLK_ENDS_IN_TXN | BV_BLK_STARTS_IN_TXN))
        return 0;
    if (r->range.has_from && !r->started) {
        /* entirely inside from_file, before from_offset */
        if (str_eq(m->first_file.ptr, m->first_file.len, r->from_file) &&
            str_eq(m->last_file.ptr, m->last_file.len, r->from_file) && m->last_offset < r->range.from_offset)
            return 1;
    }
    /* Until the "to" file has been seen, a rotation must be decoded: it may
     * lead into or past that file. */
    if (r->range.has_to && !r->seen_to && m->counts[BV_EV_ROTATE])
        return 0;
    if (r->range.has_since && m->max_ts < r->range.since_us && (!r->range.has_from || r->started))
        return 1;
    if (r->range.has_until && m->min_ts >= r->range.until_us && (!r->range.has_from || r->started))
        return 1;
    return 0;
}

int bv_reader_open(bv_reader **out, const char *dir, const bv_range *range, char *err, size_t errlen)
{
    int rc;
    *out = NULL;
    bv_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
    bv_buf_init(&r->blk);
    bv_buf_init(&r->raw);
    r->dir = strdup(dir);
    r->zd = ZSTD_createDCtx();
    if (!r->dir || !r->zd) {
        rc = bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
        goto out;
    }
    if (range) {
        r->range = *range;
        if (range->has_from && !(r->from_file = strndup(range->from_file.ptr, range->from_file.len))) {
            rc = bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
            goto out;
        }
        if (range->has_to && !(r->to_file = strndup(range->to_file.ptr, range->to_file.len))) {
            rc = bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
            goto out;
        }
    }
    r->started = !r->range.has_from;
    if ((rc = bv_dir_scan(dir, 0, &r->list, err, errlen)))
        goto out;
    if (r->list.n == 0) {
        r->done = 1;
    } else {
        /* Start at the newest segment whose start is at or before "from" in
         * from_file; otherwise from the first segment. */
        r->seg_i = 0;
        if (r->range.has_from) {
            for (size_t i = r->list.n; i-- > 0;) {
                char want[320];
                bv_str f = {r->from_file, strlen(r->from_file)};
                /* names carry the encoded file: compare by rebuilding */
                if (bv_segment_name(want, sizeof(want), r->list.e[i].seq, f, r->list.e[i].offset,
                                    !r->list.e[i].sealed) == BV_OK &&
                    strcmp(want, r->list.e[i].name) == 0 && r->list.e[i].offset <= r->range.from_offset) {
                    r->seg_i = i;
                    break;
                }
            }
        }
        /* Segments jumped over may hold the "to" file: then "to" comes
         * before "from" and the range is empty. */
        for (size_t i = 0; r->range.has_to && i < r->seg_i && !r->seen_to; i++) {
            char path[4096];
            bv_segment *s = NULL;
            snprintf(path, sizeof(path), "%s/%s", dir, r->list.e[i].name);
            if ((rc = bv_segment_open(&s, path, r->list.e[i].sealed, err, errlen)))
                goto out;
            int hit = str_eq(s->hdr.start_file.ptr, s->hdr.start_file.len, r->to_file) ||
                      (s->sealed && str_eq(s->footer.end_file.ptr, s->footer.end_file.len, r->to_file));
            for (uint32_t b = 0; b < s->nblocks && !hit; b++)
                hit = str_eq(s->blocks[b].meta.first_file.ptr, s->blocks[b].meta.first_file.len, r->to_file) ||
                      str_eq(s->blocks[b].meta.last_file.ptr, s->blocks[b].meta.last_file.len, r->to_file);
            bv_segment_close(s);
            r->seen_to = hit;
        }
        if ((rc = reader_open_segment(r, err, errlen)))
            goto out;
    }
    *out = r;
    r = NULL;
    rc = BV_OK;
out:
    bv_reader_free(r);
    return rc;
}

/* Load the next block with events; 0 = loaded, 1 = no more, <0 error. */
static int next_block(bv_reader *r, char *err, size_t errlen)
{
    int rc;
    for (;;) {
        while (r->blk_i >= r->seg->nblocks) {
            if (r->seg_i + 1 >= r->list.n)
                return 1;
            r->seg_i++;
            if ((rc = reader_open_segment(r, err, errlen)))
                return rc;
        }
        uint32_t i = r->blk_i++;
        const bv_block_ref *b = &r->seg->blocks[i];
        if (block_skippable(r, b)) {
            /* A skipped block still counts for the "to" bound. */
            if (r->range.has_to) {
                int first_in = str_eq(b->meta.first_file.ptr, b->meta.first_file.len, r->to_file);
                if (first_in && b->meta.first_offset >= r->range.to_offset)
                    return 1;
                if (first_in || str_eq(b->meta.last_file.ptr, b->meta.last_file.len, r->to_file))
                    r->seen_to = 1;
                else if (r->seen_to)
                    return 1; /* wholly after the "to" file */
            }
            /* keep the current file right across a skipped block */
            memcpy(r->file, b->meta.last_file.ptr, b->meta.last_file.len);
            r->file[b->meta.last_file.len] = 0;
            r->file_len = b->meta.last_file.len;
            if (r->range.has_from && str_eq(r->file, r->file_len, r->from_file))
                r->seen_from = 1;
            continue;
        }
        bv_block_meta meta;
        if ((rc = bv_segment_read_block(r->seg, i, &r->blk, &r->raw, r->zd, &meta, err, errlen)))
            return rc;
        /* The first event of a block is in the block's first file. */
        if (meta.events) {
            memcpy(r->file, meta.first_file.ptr, meta.first_file.len);
            r->file[meta.first_file.len] = 0;
            r->file_len = meta.first_file.len;
        }
        r->cur = bv_cur_make(r->raw.data, r->raw.len);
        r->have_block = 1;
        return 0;
    }
}

int bv_reader_next(bv_reader *r, const bv_event **evp, char *err, size_t errlen)
{
    int rc;
    if (!r || !evp)
        return bv_seterr(err, errlen, BV_E_INVAL, "bv_reader_next: NULL argument");
    for (;;) {
        if (r->done)
            goto end;
        if (!r->have_block || r->cur.left == 0) {
            r->have_block = 0;
            rc = next_block(r, err, errlen);
            if (rc < 0)
                return rc;
            if (rc == 1) {
                r->done = 1;
                goto end;
            }
        }
        bv_event *ev = &r->ev;
        int is_schema;
        char msg[512];
        size_t at = (size_t)(r->cur.p - r->raw.data);
        memcpy(r->ev_file, r->file, r->file_len + 1);
        r->ctx.file = r->ev_file;
        r->ctx.file_len = r->file_len;
        r->ctx.schemas = &r->tables[r->ntables - 1];
        if ((rc = bv_record_decode(&r->cur, &r->ctx, ev, &is_schema, msg, sizeof(msg))))
            return bv_seterr(err, errlen, rc, "%s/%s: block %u at offset %llu, payload byte %zu: %s", r->dir,
                             r->segname, r->blk_i - 1, (unsigned long long)r->seg->blocks[r->blk_i - 1].offset, at,
                             msg);
        if (is_schema)
            continue;
        /* transaction context */
        if (ev->type == BV_EV_BEGIN) {
            r->server_id = ev->server_id;
            r->thread_id = ev->thread_id;
            r->gtid = ev->gtid;
            r->txn_flags = ev->flags;
        } else if (ev->type != BV_EV_ROTATE && ev->type != BV_EV_NOTE) {
            ev->server_id = r->server_id;
            ev->thread_id = r->thread_id;
            ev->gtid = r->gtid;
            ev->flags = r->txn_flags;
        }
        if (ev->type == BV_EV_ROTATE) {
            if (r->range.has_from && str_eq(r->file, r->file_len, r->from_file))
                r->seen_from = 1;
            if (r->range.has_to && str_eq(r->file, r->file_len, r->to_file))
                r->seen_to = 1;
            memcpy(r->file, ev->new_file.ptr, ev->new_file.len);
            r->file[ev->new_file.len] = 0;
            r->file_len = ev->new_file.len;
        }
        /* range */
        int in_from = r->range.has_from && str_eq(ev->pos.file.ptr, ev->pos.file.len, r->from_file);
        if (!r->started) {
            if (in_from) {
                r->seen_from = 1;
                if (ev->pos.offset >= r->range.from_offset)
                    r->started = 1;
            } else if (r->seen_from) {
                r->started = 1; /* from_offset was past the end of from_file */
            }
            if (!r->started)
                continue;
        }
        if (r->range.has_to) {
            int in_to = str_eq(ev->pos.file.ptr, ev->pos.file.len, r->to_file);
            if ((in_to && ev->pos.offset >= r->range.to_offset) || (!in_to && r->seen_to)) {
                r->done = 1;
                goto end;
            }
            if (in_to)
                r->seen_to = 1;
        }
        if (r->range.has_since && ev->ts_us < r->range.since_us)
            continue;
        if (r->range.has_until && ev->ts_us >= r->range.until_us)
            continue;
        *evp = ev;
        return 1;
    }
end:
    if (r->range.has_from && !r->started && !r->seen_from)
        return bv_seterr(err, errlen, BV_E_NOTFOUND, "%s: start position %s:%llu is not in the archive", r->dir,
                         r->from_file, (unsigned long long)r->range.from_offset);
    return 0;
}

const char *bv_reader_segment(const bv_reader *r) { return r->segname; }

void bv_reader_free(bv_reader *r)
{
    if (!r)
        return;
    bv_segment_close(r->seg);
    for (size_t i = 0; i < r->ntables; i++)
        bv_schemas_release(&r->tables[i]);
    free(r->tables);
    bv_rec_ctx_release(&r->ctx);
    bv_buf_release(&r->blk);
    bv_buf_release(&r->raw);
    ZSTD_freeDCtx(r->zd);
    bv_dir_list_release(&r->list);
    free(r->from_file);
    free(r->to_file);
    free(r->dir);
    free(r);
}
