/* The crash test: an open (.part) segment cut at every byte offset of its
 * last two blocks must recover to exactly the complete transactions whose
 * COMMIT lies in a complete block before the cut, in order, with the end
 * position and GTID set of the last one, verify clean and accept new
 * transactions. Also: damaged headers, leftover temporary files, open
 * segments without a complete transaction, and sealed segments with a torn
 * tail (never repaired). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "binvault/archive.h"
#include "binvault/error.h"
#include "binvault/event.h"
#include "binvault/gtid.h"
#include "harness.h"
#include "internal.h"
#include "synth.h"
#include "testutil.h"

/* ------------------------------------------------------------ small file helpers */

/* Remove every file of dir, then dir. */
static void rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    if (!d)
        return;
    while ((de = readdir(d)) != NULL) {
        char p[4096];
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        tu_pathf(p, sizeof(p), "%s/%s", dir, de->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static uint8_t *read_file(const char *path, size_t *n)
{
    long long sz = tu_file_size(path);
    int fd = open(path, O_RDONLY);
    uint8_t *p = sz >= 0 ? malloc((size_t)sz + 1) : NULL;
    if (fd < 0 || !p || read(fd, p, (size_t)sz) != (ssize_t)sz) {
        if (fd >= 0)
            close(fd);
        free(p);
        return NULL;
    }
    close(fd);
    *n = (size_t)sz;
    return p;
}

/* ------------------------------------------------------------ the master archive */

#define MAXB 256

typedef struct master {
    char dir[4096];
    char sealed[320];          /* the one sealed segment */
    char part[320];            /* the open segment */
    uint8_t *part_bytes;
    size_t part_len, hdr_len;
    uint32_t nblocks;
    uint64_t boff[MAXB], blen[MAXB];
    uint64_t cum[MAXB + 1];    /* events in blocks before block k */
    uint32_t bflags[MAXB];
    tu_model m;
    size_t base;               /* model index of the open segment's first event */
    bv_writer_opts o;
    bv_schema *sc;             /* a small table for the transactions appended after recovery */
} master;

static bv_schema *small_schema(void)
{
    bv_schema *s = bv_schema_new(tu_str("t"), tu_str("after_crash"), BV_SCHEMA_FROM_TABLE_MAP);
    bv_column c;
    memset(&c, 0, sizeof(c));
    c.name = tu_str("id");
    c.type = c.real_type = BV_MYSQL_TYPE_LONGLONG;
    c.flags = BV_COL_UNSIGNED;
    if (bv_schema_add_column(s, &c, NULL, 0) != BV_OK)
        abort();
    c.name = tu_str("v");
    c.type = c.real_type = BV_MYSQL_TYPE_VARCHAR;
    c.flags = BV_COL_NULLABLE;
    c.meta = 64;
    if (bv_schema_add_column(s, &c, NULL, 0) != BV_OK)
        abort();
    uint32_t pk = 0;
    if (bv_schema_set_primary_key(s, &pk, NULL, 1, NULL, 0) != BV_OK || bv_schema_finish(s, NULL, 0) != BV_OK)
        abort();
    return s;
}

/* One transaction of our own: BEGIN, nrows rows of sc (or a DDL), COMMIT,
 * at *off in file; advances *off and *ts. */
static int own_txn(bv_writer *w, tu_model *m, const bv_schema *sc, const char *file, uint64_t *off, uint64_t *ts,
                   uint64_t seq, int nrows, int ddl)
{
    bv_event e;
    bv_value v[2];
    char text[80];
    int rc;
    memset(&e, 0, sizeof(e));
    e.type = BV_EV_BEGIN;
    e.pos.file = tu_str(file);
    e.pos.offset = *off;
    e.ts_us = *ts;
    e.server_id = 2;
    e.thread_id = 77;
    if (bv_gtid_parse(&e.gtid, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee:1", 38, NULL, 0) != BV_OK)
        abort();
    e.gtid.seq = seq;
    if ((rc = tu_append(w, m, &e)))
        return rc;
    for (int i = 0; i < nrows; i++) {
        memset(&e, 0, sizeof(e));
        memset(v, 0, sizeof(v));
        v[0].kind = BV_VAL_UINT;
        v[0].v.u = seq * 1000 + (uint64_t)i;
        for (int k = 0; k < 60; k++)
            text[k] = (char)('a' + (seq * 7 + (uint64_t)i * 13 + (uint64_t)k * (uint64_t)k) % 26);
        v[1].kind = BV_VAL_STRING;
        v[1].v.s.ptr = text;
        v[1].v.s.len = 60;
        e.type = BV_EV_INSERT;
        e.pos.file = tu_str(file);
        e.pos.offset = *off + 100 + (uint64_t)(i / 4) * 40;
        e.pos.row = (uint32_t)(i % 4);
        e.ts_us = *ts;
        e.schema = sc;
        e.ncols = 2;
        e.after = v;
        if ((rc = tu_append(w, m, &e)))
            return rc;
    }
    if (ddl) {
        memset(&e, 0, sizeof(e));
        e.type = BV_EV_DDL;
        e.pos.file = tu_str(file);
        e.pos.offset = *off + 100;
        e.ts_us = *ts;
        e.database = tu_str("t");
        e.sql = tu_str("ALTER TABLE after_crash ADD COLUMN w INT");
        if ((rc = tu_append(w, m, &e)))
            return rc;
    }
    memset(&e, 0, sizeof(e));
    e.type = BV_EV_COMMIT;
    e.pos.file = tu_str(file);
    e.pos.offset = *off + 100 + (uint64_t)(nrows / 4 + 1) * 40;
    e.end_offset = e.pos.offset + 31;
    e.ts_us = *ts;
    e.commit_kind = ddl ? BV_COMMIT_IMPLICIT : BV_COMMIT_XID;
    e.xid = seq;
    if ((rc = tu_append(w, m, &e)))
        return rc;
    *off = e.end_offset;
    *ts += 1000;
    return BV_OK;
}

/* The open segment's tail: a block boundary at a COMMIT (flush), then a block
 * holding a transaction on a table new to the segment (its SCHEMA record), a
 * rotation, a DDL transaction, a whole transaction and the start of one that
 * ends in the last block. */
static int own_tail(bv_writer *w, tu_model *m, const bv_schema *sc)
{
    bv_str f;
    uint64_t off, ts = m->ev[m->n - 1].ts + 1000;
    char file[64], nf[64] = "mysql-bin.000777";
    int rc;
    if ((rc = bv_writer_flush(w, NULL, 0)))
        return rc;
    bv_writer_end(w, &f, &off);
    snprintf(file, sizeof(file), "%.*s", (int)f.len, f.ptr);
    if ((rc = own_txn(w, m, sc, file, &off, &ts, 1, 2, 0)))
        return rc;
    bv_event e;
    memset(&e, 0, sizeof(e));
    e.type = BV_EV_ROTATE;
    e.pos.file = tu_str(file);
    e.pos.offset = off;
    e.ts_us = ts;
    e.new_file = tu_str(nf);
    e.end_offset = 4;
    if ((rc = tu_append(w, m, &e)))
        return rc;
    off = 4;
    if ((rc = own_txn(w, m, sc, nf, &off, &ts, 2, 0, 1)) || (rc = own_txn(w, m, sc, nf, &off, &ts, 3, 6, 0)) ||
        (rc = own_txn(w, m, sc, nf, &off, &ts, 4, 28, 0)))
        return rc;
    return BV_OK;
}

static int build_master(master *ms, const char *root)
{
    char err[1024] = "", path[4096];
    bv_writer *w = NULL;
    bv_synth_opts so;
    int rc;
    memset(ms, 0, sizeof(*ms));
    tu_pathf(ms->dir, sizeof(ms->dir), "%s/master", root);
    tu_model_init(&ms->m, TU_FILE1, 4, "");
    ms->sc = small_schema();
    bv_synth_opts_init(&so);
    so.seed = 21;
    so.max_rows_per_txn = 30;  /* transactions larger than a block */
    so.ddl_every = 4;          /* schema changes: SCHEMA records inside the open segment */
    so.rotate_every = 40000;   /* and binlog rotations */
    bv_synth *syn = bv_synth_new(&so);
    tu_wopts(&ms->o, 2048, 0, "", BV_GTID_MYSQL);
    if ((rc = bv_writer_open(&w, ms->dir, &ms->o, err, sizeof(err))) != BV_OK) {
        t_note("master: %s", err);
        return rc;
    }
    rc = tu_feed(w, &ms->m, syn, 10, 0);
    if (!rc)
        rc = bv_writer_seal(w, err, sizeof(err));
    ms->base = ms->m.n;
    if (!rc)
        rc = tu_feed(w, &ms->m, syn, 12, 0);
    if (!rc)
        rc = own_tail(w, &ms->m, ms->sc);
    if (!rc)
        rc = bv_writer_close(w, err, sizeof(err));
    else
        bv_writer_free(w);
    bv_synth_free(syn);
    if (rc) {
        t_note("master: %s (%s)", bv_strerror(rc), err);
        return rc;
    }
    /* names, layout */
    bv_archive *a = NULL;
    if ((rc = bv_archive_open(&a, ms->dir, err, sizeof(err))) != BV_OK)
        return rc;
    if (bv_archive_count(a) != 2 || !bv_archive_segment(a, 0)->sealed || bv_archive_segment(a, 1)->sealed) {
        t_note("master: unexpected layout (%zu segments)", bv_archive_count(a));
        bv_archive_free(a);
        return BV_E_STATE;
    }
    snprintf(ms->sealed, sizeof(ms->sealed), "%s", bv_archive_segment(a, 0)->name);
    snprintf(ms->part, sizeof(ms->part), "%s", bv_archive_segment(a, 1)->name);
    T_EQ_U64(bv_archive_segment(a, 0)->events, ms->base, "master: the sealed segment holds the first 10 transactions");
    T_EQ_U64(bv_archive_segment(a, 1)->events, ms->m.n - ms->base, "master: the open segment holds the rest");
    bv_archive_free(a);
    tu_pathf(path, sizeof(path), "%s/%s", ms->dir, ms->part);
    ms->part_bytes = read_file(path, &ms->part_len);
    bv_segment *seg = NULL;
    if (!ms->part_bytes || (rc = bv_segment_open(&seg, path, 0, err, sizeof(err))) != BV_OK) {
        t_note("master: %s", err);
        return BV_E_IO;
    }
    ms->hdr_len = seg->hdr_len;
    ms->nblocks = seg->nblocks;
    if (ms->nblocks > MAXB) {
        bv_segment_close(seg);
        return BV_E_RANGE;
    }
    for (uint32_t i = 0; i < seg->nblocks; i++) {
        ms->boff[i] = seg->blocks[i].offset;
        ms->blen[i] = seg->blocks[i].length;
        ms->bflags[i] = seg->blocks[i].meta.flags;
        ms->cum[i + 1] = ms->cum[i] + seg->blocks[i].meta.events;
    }
    T_EQ_U64(seg->valid_end, ms->part_len, "master: the open segment ends with a complete block");
    bv_segment_close(seg);
    return BV_OK;
}

/* ------------------------------------------------------------ helpers for runs */

/* A fresh copy of the master archive in root/NAME with the open segment's
 * first `cut` bytes (all of it when cut >= its size). */
static int make_run(const master *ms, const char *dir, uint64_t cut, int with_part)
{
    char a[4096], b[4096];
    rm_dir(dir);
    if (mkdir(dir, 0750) != 0)
        return -1;
    tu_pathf(a, sizeof(a), "%s/%s", ms->dir, ms->sealed);
    tu_pathf(b, sizeof(b), "%s/%s", dir, ms->sealed);
    if (tu_copy_file(a, b) != 0)
        return -1;
    if (!with_part)
        return 0;
    tu_pathf(b, sizeof(b), "%s/%s", dir, ms->part);
    return tu_write_file(b, ms->part_bytes, cut < ms->part_len ? (size_t)cut : ms->part_len);
}

/* Append one small transaction at the writer's end; add it to nm. */
static int append_txn(bv_writer *w, tu_model *nm, const bv_schema *sc, uint64_t seq, uint64_t ts)
{
    bv_event e;
    bv_value v[2];
    bv_str f;
    uint64_t off;
    char file[64];
    int rc;
    bv_writer_end(w, &f, &off);
    snprintf(file, sizeof(file), "%.*s", (int)f.len, f.ptr);
    memset(&e, 0, sizeof(e));
    e.type = BV_EV_BEGIN;
    e.pos.file = tu_str(file);
    e.pos.offset = off;
    e.ts_us = ts;
    e.server_id = 1;
    e.thread_id = 9;
    e.gtid.flavor = BV_GTID_MYSQL;
    if (bv_gtid_parse(&e.gtid, TU_SYNTH_UUID ":1", strlen(TU_SYNTH_UUID ":1"), NULL, 0) != BV_OK)
        abort();
    e.gtid.seq = seq;
    if ((rc = tu_append(w, nm, &e)))
        return rc;
    memset(&e, 0, sizeof(e));
    memset(v, 0, sizeof(v));
    v[0].kind = BV_VAL_UINT;
    v[0].v.u = seq;
    v[1].kind = BV_VAL_STRING;
    v[1].v.s = tu_str("after the crash");
    e.type = BV_EV_INSERT;
    e.pos.file = tu_str(file);
    e.pos.offset = off + 153;
    e.ts_us = ts;
    e.schema = sc;
    e.ncols = 2;
    e.after = v;
    if ((rc = tu_append(w, nm, &e)))
        return rc;
    memset(&e, 0, sizeof(e));
    e.type = BV_EV_COMMIT;
    e.pos.file = tu_str(file);
    e.pos.offset = off + 300;
    e.end_offset = off + 331;
    e.ts_us = ts;
    e.xid = seq;
    return tu_append(w, nm, &e);
}

typedef struct vcount {
    unsigned problems, notes;
    char first[1024];
} vcount;

static void count_problem(void *ctx, const char *file, uint64_t off, int code, const char *msg)
{
    vcount *v = ctx;
    if (code == BV_OK)
        v->notes++;
    else
        v->problems++;
    if (!v->first[0])
        snprintf(v->first, sizeof(v->first), "%s @%llu: %s", file, (unsigned long long)off, msg);
}

/* verify dir: 0 problems and 0 notes */
static int verify_clean(const char *dir, char *why, size_t whylen)
{
    vcount v;
    char err[1024] = "";
    memset(&v, 0, sizeof(v));
    bv_verify_cb cb = {count_problem, NULL, &v};
    int rc = bv_archive_verify(dir, NULL, 0, &cb, NULL, err, sizeof(err));
    if (rc != BV_OK || v.problems || v.notes) {
        snprintf(why, whylen, "rc %d, %u problems, %u notes: %s %s", rc, v.problems, v.notes, v.first, err);
        return 0;
    }
    return 1;
}

/* Read all of dir and compare with m's first `keep` events followed by extra's events. */
static int read_matches(const char *dir, const tu_model *m, size_t keep, const tu_model *extra, char *why, size_t whylen)
{
    bv_reader *r = NULL;
    const bv_event *ev;
    char err[1024] = "";
    tu_sb b = {0};
    size_t i = 0, total = keep + (extra ? extra->n : 0);
    int rc = bv_reader_open(&r, dir, NULL, err, sizeof(err)), ok = 1;
    if (rc != BV_OK) {
        snprintf(why, whylen, "reader open: %s", err);
        return 0;
    }
    while ((rc = bv_reader_next(r, &ev, err, sizeof(err))) == 1) {
        if (ok) {
            tu_sb_reset(&b);
            tu_render_event(&b, ev);
            const char *want = i < keep ? m->ev[i].render : i < total ? extra->ev[i - keep].render : NULL;
            if (!want || strcmp(want, b.p) != 0) {
                ok = 0;
                snprintf(why, whylen, "event %zu: got %.160s, want %.160s", i, b.p, want ? want : "(end)");
            }
        }
        i++;
    }
    bv_reader_free(r);
    free(b.p);
    if (rc != 0) {
        snprintf(why, whylen, "reader: %s", err);
        return 0;
    }
    if (ok && i != total) {
        snprintf(why, whylen, "%zu events, want %zu", i, total);
        return 0;
    }
    return ok;
}

/* ------------------------------------------------------------ the crash loop */

enum { C_OPEN, C_REC, C_FILE, C_END, C_VERIFY1, C_APPEND, C_VERIFY2, C_READ, NCAT };
static const char *const cat_what[NCAT] = {
    "bv_writer_open recovers",
    "bv_writer_recovery() numbers (recovered, segment, events_cut, blocks_kept, valid_bytes, bytes_cut, removed_*)",
    "the open segment on disk is cut to valid_bytes (or removed when empty)",
    "end position and GTID set are those of the last kept transaction",
    "bv_archive_verify is clean after recovery (no problem, no torn-tail note)",
    "a new transaction appends at the end position",
    "bv_archive_verify is clean after appending",
    "the archive reads back as exactly the kept transactions plus the new one",
};

typedef struct cstats {
    unsigned offsets, fails[NCAT], noted[NCAT];
    unsigned whole, reappend, removed, with_cut_events, torn;
} cstats;

static void cfail(cstats *st, int cat, uint64_t cut, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void cfail(cstats *st, int cat, uint64_t cut, const char *fmt, ...)
{
    char msg[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    st->fails[cat]++;
    if (st->noted[cat]++ < 4)
        t_note("cut at %llu: %s", (unsigned long long)cut, msg);
}

static void crash_one(const master *ms, const char *dir, uint64_t cut, cstats *st)
{
    char err[1024] = "", why[1400] = "", path[4096];
    bv_writer *w = NULL;
    tu_model nm;
    /* the expectation, from the block layout */
    uint32_t K = 0;
    while (K < ms->nblocks && ms->boff[K] + ms->blen[K] <= cut)
        K++;
    uint64_t ec = ms->cum[K];
    size_t L = 0;
    for (size_t j = (size_t)ec; j > 0; j--)
        if (ms->m.ev[ms->base + j - 1].boundary) {
            L = j;
            break;
        }
    uint32_t b = 0;
    while (b < ms->nblocks && ms->cum[b + 1] < L)
        b++;
    int whole = L > 0 && ms->cum[b + 1] == L;
    size_t keep = ms->base + L;
    const tu_evmeta *last = &ms->m.ev[keep - 1];
    st->offsets++;
    if (L == 0)
        st->removed++;
    else if (whole)
        st->whole++;
    else
        st->reappend++;
    if (ec > L)
        st->with_cut_events++;
    if (cut > (K ? ms->boff[K - 1] + ms->blen[K - 1] : ms->hdr_len))
        st->torn++;

    if (make_run(ms, dir, cut, 1) != 0) {
        cfail(st, C_OPEN, cut, "cannot set up %s", dir);
        return;
    }
    tu_pathf(path, sizeof(path), "%s/%s", dir, ms->part);
    int rc = bv_writer_open(&w, dir, &ms->o, err, sizeof(err));
    if (rc != BV_OK) {
        cfail(st, C_OPEN, cut, "bv_writer_open: %s (%s)", bv_strerror(rc), err);
        return;
    }
    const bv_recovery *rec = bv_writer_recovery(w);
    long long size = tu_file_size(path);
    if (!rec->recovered || strcmp(rec->segment, ms->part) != 0 || rec->removed_tmp != 0 ||
        rec->removed_empty != (L == 0) || rec->events_cut != ec - L ||
        (L > 0 && (rec->blocks_kept != b + 1 || (long long)rec->valid_bytes != size ||
                   rec->bytes_cut != cut - rec->valid_bytes || rec->valid_bytes <= ms->boff[b] ||
                   (whole && rec->valid_bytes != ms->boff[b] + ms->blen[b]))) ||
        (L == 0 && rec->bytes_cut != cut))
        cfail(st, C_REC, cut,
              "recovered %d segment %s removed_empty %d removed_tmp %d events_cut %llu (want %llu) blocks_kept %u "
              "(want %u) valid_bytes %llu (file %lld, block %u ends at %llu%s) bytes_cut %llu",
              rec->recovered, rec->segment, rec->removed_empty, rec->removed_tmp, (unsigned long long)rec->events_cut,
              (unsigned long long)(ec - L), rec->blocks_kept, b + 1, (unsigned long long)rec->valid_bytes, size, b,
              (unsigned long long)(ms->boff[b] + ms->blen[b]), whole ? ", whole" : ", re-appended",
              (unsigned long long)rec->bytes_cut);
    if (L > 0 ? size < 0 : size >= 0)
        cfail(st, C_FILE, cut, "open segment size %lld", size);
    bv_str f;
    uint64_t off;
    char file[300], g[4096];
    bv_writer_end(w, &f, &off);
    snprintf(file, sizeof(file), "%.*s", (int)f.len, f.ptr);
    bv_gtid_set_format(bv_writer_gtid_set(w), g, sizeof(g));
    if (strcmp(file, last->end_file) != 0 || off != last->end_off || strcmp(g, last->gtid_text) != 0)
        cfail(st, C_END, cut, "end %s:%llu [%s], want %s:%llu [%s]", file, (unsigned long long)off, g,
              last->end_file, (unsigned long long)last->end_off, last->gtid_text);
    if (!verify_clean(dir, why, sizeof(why)))
        cfail(st, C_VERIFY1, cut, "%s", why);
    /* a new transaction after the recovered end */
    tu_model_init(&nm, file, off, g);
    rc = append_txn(w, &nm, ms->sc, 1000000 + cut, last->ts + 1000);
    if (rc == BV_OK) {
        bv_writer_end(w, &f, &off);
        if (off != last->end_off + 331)
            rc = BV_E_STATE;
    }
    int rc2 = bv_writer_close(w, err, sizeof(err));
    if (rc != BV_OK || rc2 != BV_OK)
        cfail(st, C_APPEND, cut, "append %d, close %d (%s)", rc, rc2, err);
    if (!verify_clean(dir, why, sizeof(why)))
        cfail(st, C_VERIFY2, cut, "%s", why);
    if (!read_matches(dir, &ms->m, keep, &nm, why, sizeof(why)))
        cfail(st, C_READ, cut, "%s", why);
    tu_model_free(&nm);
}

static void test_every_offset(const master *ms, const char *root)
{
    char dir[4096];
    cstats st;
    memset(&st, 0, sizeof(st));
    tu_pathf(dir, sizeof(dir), "%s/run", root);
    T_OK(ms->nblocks >= 3, "the open segment has %u blocks (at least 3)", ms->nblocks);
    unsigned spanning = 0;
    for (uint32_t i = 0; i < ms->nblocks; i++)
        spanning += (ms->bflags[i] & 1u) != 0; /* BV_BLK_STARTS_IN_TXN */
    T_OK(spanning >= 2, "%u of its blocks start inside a transaction", spanning);
    uint64_t from = ms->boff[ms->nblocks - 2];
    double t0 = tu_now_s();
    for (uint64_t cut = from; cut <= ms->part_len; cut++)
        crash_one(ms, dir, cut, &st);
    t_note("%u cuts from byte %llu to %llu in %.2f s: %u whole-block, %u re-appended boundary blocks, %u removed, "
           "%u with events cut, %u with torn bytes",
           st.offsets, (unsigned long long)from, (unsigned long long)ms->part_len, tu_now_s() - t0, st.whole, st.reappend,
           st.removed, st.with_cut_events, st.torn);
    T_EQ_U64(st.offsets, ms->part_len - from + 1, "every offset of the last two blocks was cut");
    T_OK(st.whole > 0 && st.reappend > 0 && st.with_cut_events > 0 && st.torn > 0,
         "the cuts cover both recovery paths (kept whole blocks, re-appended partial blocks)");
    for (int c = 0; c < NCAT; c++)
        T_OK(st.fails[c] == 0, "all %u cuts: %s (%u failed)", st.offsets, cat_what[c], st.fails[c]);
    rm_dir(dir);
}

/* ------------------------------------------------------------ damaged headers */

static void test_damaged_header(const master *ms, const char *root)
{
    char dir[4096], path[4096], err[1024];
    unsigned refused = 0, corrupt = 0, named = 0, unchanged = 0, verify_named = 0, n = 0;
    char other[512] = "";
    size_t used = 0;
    tu_pathf(dir, sizeof(dir), "%s/hdr", root);
    for (size_t p = 0; p < ms->hdr_len; p++) {
        bv_writer *w = NULL;
        make_run(ms, dir, ms->part_len, 0);
        tu_pathf(path, sizeof(path), "%s/%s", dir, ms->part);
        ms->part_bytes[p] ^= 0xff;
        tu_write_file(path, ms->part_bytes, ms->part_len);
        err[0] = 0;
        int rc = bv_writer_open(&w, dir, &ms->o, err, sizeof(err));
        bv_writer_free(w);
        size_t len = 0;
        uint8_t *now = read_file(path, &len);
        n++;
        refused += rc < 0;
        corrupt += rc == BV_E_CORRUPT;
        named += tu_has(err, ms->part);
        unchanged += now && len == ms->part_len && memcmp(now, ms->part_bytes, len) == 0;
        if (rc != BV_E_CORRUPT && used < sizeof(other) - 40)
            used += (size_t)snprintf(other + used, sizeof(other) - used, " byte %zu: %s;", p, bv_strerror(rc));
        free(now);
        vcount v;
        memset(&v, 0, sizeof(v));
        bv_verify_cb cb = {count_problem, NULL, &v};
        rc = bv_archive_verify(dir, NULL, 0, &cb, NULL, err, sizeof(err));
        verify_named += rc == BV_E_CORRUPT && tu_has(v.first, ms->part);
        ms->part_bytes[p] ^= 0xff;
    }
    T_EQ_U64(refused, n, "damaged .part header (each of its bytes): bv_writer_open refuses");
    T_EQ_U64(corrupt, n, "damaged .part header: bv_writer_open fails with BV_E_CORRUPT");
    if (corrupt != n)
        t_note("other codes:%s", other);
    T_EQ_U64(named, n, "damaged .part header: the message names the segment");
    T_EQ_U64(unchanged, n, "damaged .part header: the segment is left as it was (not cut, not removed)");
    T_EQ_U64(verify_named, n, "damaged .part header: verify reports it, naming the segment");
    rm_dir(dir);
}

/* ------------------------------------------------------------ leftover temporary files */

static void test_leftover_tmp(const master *ms, const char *root)
{
    char dir[4096], tmp[4096], name[400], err[1024];
    bv_writer *w = NULL;
    int rc;
    /* 1. next to the open segment */
    tu_pathf(dir, sizeof(dir), "%s/tmp1", root);
    make_run(ms, dir, ms->part_len, 1);
    tu_pathf(tmp, sizeof(tmp), "%s/0000000002-mysql-bin.000009-000000000004.bvseg.part.tmp", dir);
    tu_write_file(tmp, ms->part_bytes, ms->hdr_len / 2);
    rc = bv_writer_open(&w, dir, &ms->o, err, sizeof(err));
    T_EQ_INT(rc, BV_OK, "a leftover .part.tmp: the writer opens");
    if (w) {
        T_EQ_INT(bv_writer_recovery(w)->removed_tmp, 1, "the leftover .part.tmp is counted");
        T_EQ_U64(bv_writer_recovery(w)->bytes_cut, 0, "the open segment is untouched");
        bv_writer_free(w);
    }
    T_OK(tu_file_size(tmp) < 0, "the leftover .part.tmp is removed");
    rm_dir(dir);

    /* 2. a crash while creating the next segment: only the .tmp of its header */
    const tu_evmeta *sealed_end = &ms->m.ev[ms->base - 1];
    tu_pathf(dir, sizeof(dir), "%s/tmp2", root);
    make_run(ms, dir, 0, 0);
    snprintf(name, sizeof(name), "0000000001-%s-%012llu.bvseg.part", sealed_end->end_file,
             (unsigned long long)sealed_end->end_off);
    T_OK(strcmp(name, ms->part) == 0, "the open segment's name is sequence 1 at the sealed end (%s)", name);
    tu_pathf(tmp, sizeof(tmp), "%s/%s.tmp", dir, name);
    tu_write_file(tmp, ms->part_bytes, ms->hdr_len - 3);
    T_EQ_INT(bv_archive_verify(dir, NULL, 0, NULL, NULL, err, sizeof(err)), BV_OK,
             "verify ignores a leftover .part.tmp");
    rc = bv_writer_open(&w, dir, &ms->o, err, sizeof(err));
    T_EQ_INT(rc, BV_OK, "header-only .part.tmp: the writer opens");
    if (w) {
        tu_model nm;
        T_EQ_INT(bv_writer_recovery(w)->removed_tmp, 1, "the .tmp is counted");
        T_EQ_INT(bv_writer_recovery(w)->recovered, 0, "no open segment to recover");
        tu_model_init(&nm, sealed_end->end_file, sealed_end->end_off, sealed_end->gtid_text);
        rc = append_txn(w, &nm, ms->sc, 500000, sealed_end->ts + 1);
        rc |= bv_writer_close(w, err, sizeof(err));
        T_EQ_INT(rc, BV_OK, "a transaction appends");
        char p[4096];
        tu_pathf(p, sizeof(p), "%s/%s", dir, name);
        T_OK(tu_file_size(p) > 0, "the new open segment reuses sequence 1 (%s)", name);
        T_OK(tu_file_size(tmp) < 0, "the .tmp is gone");
        char why[1400] = "";
        T_OK(verify_clean(dir, why, sizeof(why)), "verify clean (%s)", why);
        T_OK(read_matches(dir, &ms->m, ms->base, &nm, why, sizeof(why)), "reads back (%s)", why);
        tu_model_free(&nm);
    }
    rm_dir(dir);
}

/* ------------------------------------------------------------ open segments without a complete transaction */

static void test_no_complete_txn(const master *ms, const char *root)
{
    char dir[4096], path[4096], err[1024], why[1400];
    bv_writer *w = NULL;
    int rc;
    const tu_evmeta *sealed_end = &ms->m.ev[ms->base - 1];

    /* 1. a header only (crash right after the segment was created), and a header and a partial block */
    uint64_t cuts[3] = {ms->hdr_len, ms->hdr_len + 7, ms->boff[0] + ms->blen[0] - 1};
    for (int k = 0; k < 3; k++) {
        tu_pathf(dir, sizeof(dir), "%s/empty%d", root, k);
        make_run(ms, dir, cuts[k], 1);
        tu_pathf(path, sizeof(path), "%s/%s", dir, ms->part);
        rc = bv_writer_open(&w, dir, &ms->o, err, sizeof(err));
        t_note("open segment cut at byte %llu (header %zu, first block ends at %llu)", (unsigned long long)cuts[k],
               ms->hdr_len, (unsigned long long)(ms->boff[0] + ms->blen[0]));
        T_EQ_INT(rc, BV_OK, "open segment without a complete block: the writer opens");
        if (!w)
            continue;
        const bv_recovery *rec = bv_writer_recovery(w);
        T_EQ_INT(rec->removed_empty, 1, "the open segment without a complete transaction is removed");
        T_EQ_U64(rec->bytes_cut, cuts[k], "bytes_cut is its whole size");
        T_EQ_U64(rec->events_cut, 0, "no complete block: no decoded events cut");
        T_OK(tu_file_size(path) < 0, "the file is gone");
        tu_model nm;
        tu_model_init(&nm, sealed_end->end_file, sealed_end->end_off, sealed_end->gtid_text);
        rc = append_txn(w, &nm, ms->sc, 600000, sealed_end->ts + 1);
        rc |= bv_writer_close(w, err, sizeof(err));
        T_EQ_INT(rc, BV_OK, "a new transaction appends");
        T_OK(tu_file_size(path) > 0, "the new open segment reuses the removed one's sequence number and name (%s)",
             ms->part);
        T_OK(verify_clean(dir, why, sizeof(why)), "verify clean (%s)", why);
        T_OK(read_matches(dir, &ms->m, ms->base, &nm, why, sizeof(why)), "reads back (%s)", why);
        tu_model_free(&nm);
        rm_dir(dir);
    }

    /* 2. complete blocks, all inside one unfinished transaction */
    {
        bv_synth_opts so;
        tu_model m2;
        size_t n_app = 0;
        tu_pathf(dir, sizeof(dir), "%s/unfinished", root);
        make_run(ms, dir, 0, 0);
        bv_synth_opts_init(&so);
        so.seed = 21;
        so.max_rows_per_txn = 30;
        so.ddl_every = 4;
        so.rotate_every = 40000;
        bv_synth *syn = bv_synth_new(&so);
        for (size_t i = 0; i < ms->base; i++)
            bv_synth_next(syn);
        tu_model_init(&m2, sealed_end->end_file, sealed_end->end_off, sealed_end->gtid_text);
        rc = bv_writer_open(&w, dir, &ms->o, err, sizeof(err));
        if (T_OK(rc == BV_OK, "writer opens (%s)", rc ? err : "ok")) {
            /* the next transaction but its COMMIT; a big enough one */
            const bv_event *ev;
            while ((ev = bv_synth_next(syn))->type != BV_EV_COMMIT) {
                if (tu_append(w, &m2, ev))
                    break;
                n_app++;
            }
            rc = bv_writer_flush(w, err, sizeof(err));
            T_EQ_INT(rc, BV_OK, "flush inside a transaction");
            bv_writer_free(w); /* crash */
            bv_archive *a = NULL;
            uint32_t blocks = 0;
            if (bv_archive_open(&a, dir, err, sizeof(err)) == BV_OK) {
                blocks = bv_archive_segment(a, bv_archive_count(a) - 1)->blocks;
                bv_archive_free(a);
            }
            T_OK(blocks >= 2, "the unfinished transaction fills %u complete blocks", blocks);
            tu_pathf(path, sizeof(path), "%s/%s", dir, ms->part);
            long long size = tu_file_size(path);
            rc = bv_writer_open(&w, dir, &ms->o, err, sizeof(err));
            T_EQ_INT(rc, BV_OK, "reopen after the crash");
            if (w) {
                const bv_recovery *rec = bv_writer_recovery(w);
                T_EQ_INT(rec->recovered, 1, "recovered");
                T_EQ_INT(rec->removed_empty, 1, "removed: no complete transaction");
                T_EQ_U64(rec->events_cut, n_app, "events_cut = the unfinished transaction's events");
                T_EQ_U64(rec->bytes_cut, (uint64_t)size, "bytes_cut = the file's size");
                T_OK(tu_file_size(path) < 0, "the file is gone");
                bv_str f;
                uint64_t off;
                bv_writer_end(w, &f, &off);
                T_OK(f.len == strlen(sealed_end->end_file) && !memcmp(f.ptr, sealed_end->end_file, f.len) &&
                         off == sealed_end->end_off,
                     "the end is the sealed segment's end");
                tu_model nm;
                tu_model_init(&nm, sealed_end->end_file, sealed_end->end_off, sealed_end->gtid_text);
                rc = append_txn(w, &nm, ms->sc, 700000, sealed_end->ts + 1);
                rc |= bv_writer_close(w, err, sizeof(err));
                T_EQ_INT(rc, BV_OK, "a new transaction appends");
                T_OK(tu_file_size(path) > 0, "sequence number 1 is reused (%s)", ms->part);
                T_OK(verify_clean(dir, why, sizeof(why)), "verify clean (%s)", why);
                T_OK(read_matches(dir, &ms->m, ms->base, &nm, why, sizeof(why)), "reads back (%s)", why);
                tu_model_free(&nm);
            }
        }
        bv_synth_free(syn);
        tu_model_free(&m2);
        rm_dir(dir);
    }

    /* 3. the only segment of the archive is such an open segment: its header
     * holds the archive's start, which must survive the removal */
    {
        bv_writer_opts o = ms->o;
        tu_model nm;
        tu_pathf(dir, sizeof(dir), "%s/onlypart", root);
        rm_dir(dir);
        mkdir(dir, 0750);
        char name0[400];
        snprintf(name0, sizeof(name0), "0000000000-%s-000000000004.bvseg.part", TU_FILE1);
        tu_pathf(path, sizeof(path), "%s/%s", dir, name0);
        /* the master's sealed segment starts at TU_FILE1:4 with an empty GTID set: reuse its header */
        char sp[4096];
        size_t slen = 0;
        tu_pathf(sp, sizeof(sp), "%s/%s", ms->dir, ms->sealed);
        uint8_t *sb0 = read_file(sp, &slen);
        bv_segment *seg = NULL;
        size_t hl = 0;
        if (bv_segment_open(&seg, sp, 1, err, sizeof(err)) == BV_OK) {
            hl = seg->hdr_len;
            bv_segment_close(seg);
        }
        tu_write_file(path, sb0, hl);
        free(sb0);
        o.start_file = tu_str("");
        o.start_offset = 0;
        rc = bv_writer_open(&w, dir, &o, err, sizeof(err));
        T_EQ_INT(rc, BV_OK, "only an empty .part, no start position given: the writer opens from its header");
        if (rc != BV_OK)
            t_note("  %s; the .part %s", err, tu_file_size(path) < 0 ? "was removed anyway" : "is still there");
        if (w) {
            bv_str f;
            uint64_t off;
            bv_writer_end(w, &f, &off);
            T_OK(f.len == strlen(TU_FILE1) && !memcmp(f.ptr, TU_FILE1, f.len) && off == 4,
                 "the end is the removed segment's start");
            bv_writer_free(w);
            w = NULL;
        }
        /* with a start position given, the archive still starts at its header's */
        if (tu_file_size(path) < 0)
            tu_write_file(path, ms->part_bytes, 0); /* placeholder, replaced below */
        {
            uint8_t *h = NULL;
            size_t hn = 0;
            h = read_file(sp, &hn);
            tu_write_file(path, h, hl);
            free(h);
        }
        o = ms->o;
        o.start_file = tu_str("other-bin.000042");
        o.start_offset = 777;
        rc = bv_writer_open(&w, dir, &o, err, sizeof(err));
        T_EQ_INT(rc, BV_OK, "only an empty .part, another start position given: the writer opens");
        if (w) {
            bv_str f;
            uint64_t off;
            T_EQ_INT(bv_writer_recovery(w)->removed_empty, 1, "the empty .part is removed");
            bv_writer_end(w, &f, &off);
            T_OK(f.len == strlen(TU_FILE1) && !memcmp(f.ptr, TU_FILE1, f.len) && off == 4,
                 "the archive keeps its own start (%.*s:%llu), not the option's", (int)f.len, f.ptr,
                 (unsigned long long)off);
            tu_model_init(&nm, TU_FILE1, 4, "");
            rc = append_txn(w, &nm, ms->sc, 1, 1);
            rc |= bv_writer_close(w, err, sizeof(err));
            T_EQ_INT(rc, BV_OK, "a transaction appends");
            int seq0 = 0, seq1 = 0;
            DIR *d = opendir(dir);
            struct dirent *de;
            while (d && (de = readdir(d)) != NULL) {
                seq0 += !strncmp(de->d_name, "0000000000-", 11);
                seq1 += !strncmp(de->d_name, "0000000001-", 11);
            }
            if (d)
                closedir(d);
            T_OK(seq0 == 1 && seq1 == 0, "sequence number 0 is reused");
            tu_model_free(&nm);
        }
        rm_dir(dir);
    }
}

/* ------------------------------------------------------------ sealed segments are never repaired */

static void test_sealed_torn_tail(const master *ms, const char *root)
{
    char dir[4096], path[4096], err[1024];
    static const size_t extra[3] = {1, 40, 1000};
    for (int k = 0; k < 3; k++) {
        bv_writer *w = NULL;
        bv_reader *r = NULL;
        tu_pathf(dir, sizeof(dir), "%s/sealtail%d", root, k);
        make_run(ms, dir, ms->part_len, 1);
        tu_pathf(path, sizeof(path), "%s/%s", dir, ms->sealed);
        long long before = tu_file_size(path);
        int fd = open(path, O_WRONLY | O_APPEND);
        char junk[1000];
        for (size_t i = 0; i < sizeof(junk); i++)
            junk[i] = (char)(i * 7 + 3);
        if (fd < 0 || write(fd, junk, extra[k]) != (ssize_t)extra[k])
            t_note("cannot append to %s", path);
        if (fd >= 0)
            close(fd);
        vcount v;
        memset(&v, 0, sizeof(v));
        bv_verify_cb cb = {count_problem, NULL, &v};
        int rc = bv_archive_verify(dir, NULL, 0, &cb, NULL, err, sizeof(err));
        T_EQ_INT(rc, BV_E_CORRUPT, "garbage after a sealed segment's trailer: verify fails");
        T_OK(v.problems >= 1 && tu_has(v.first, ms->sealed), "verify names the sealed segment (%s)", v.first);
        err[0] = 0;
        rc = bv_reader_open(&r, dir, NULL, err, sizeof(err));
        if (rc == BV_OK) {
            const bv_event *ev;
            while ((rc = bv_reader_next(r, &ev, err, sizeof(err))) == 1)
                ;
            bv_reader_free(r);
        }
        T_OK(rc < 0 && tu_has(err, ms->sealed), "the reader fails naming the sealed segment (%s)", err);
        err[0] = 0;
        rc = bv_writer_open(&w, dir, &ms->o, err, sizeof(err));
        T_OK(rc < 0, "the writer refuses to open (%s: %s)", bv_strerror(rc), err);
        T_OK(tu_has(err, ms->sealed), "the writer's message names the sealed segment");
        bv_writer_free(w);
        T_EQ_U64(tu_file_size(path), before + (long long)extra[k], "the sealed segment is not repaired");
        rm_dir(dir);
    }
}

int main(void)
{
    /* The crash loop opens, recovers, appends and closes hundreds of archives:
     * every step fsyncs. On a disk file system that takes tens of seconds, on
     * tmpfs a second: use /dev/shm unless TMPDIR says otherwise. */
    struct stat shm;
    if (!getenv("TMPDIR") && stat("/dev/shm", &shm) == 0 && S_ISDIR(shm.st_mode) && access("/dev/shm", W_OK) == 0)
        setenv("TMPDIR", "/dev/shm", 1);
    const char *root = t_tmpdir();
    master ms;
    double t0 = tu_now_s();
    if (!T_OK(build_master(&ms, root) == BV_OK, "master archive: a sealed segment and an open one")) {
        return t_done();
    }
    t_note("open segment %s: %zu bytes, header %zu, %u blocks, %zu events", ms.part, ms.part_len, ms.hdr_len,
           ms.nblocks, ms.m.n - ms.base);
    for (uint32_t i = 0; i < ms.nblocks; i++) {
        char types[512] = "";
        size_t used = 0;
        for (uint64_t e = ms.cum[i]; e < ms.cum[i + 1] && used < sizeof(types) - 4; e++) {
            uint8_t t = ms.m.ev[ms.base + e].type;
            types[used++] = "?BIUDXCRN"[t];
        }
        types[used] = 0;
        t_note("  block %u at %llu+%llu flags %u: %s", i, (unsigned long long)ms.boff[i],
               (unsigned long long)ms.blen[i], ms.bflags[i], types);
    }
    test_every_offset(&ms, root);
    test_damaged_header(&ms, root);
    test_leftover_tmp(&ms, root);
    test_no_complete_txn(&ms, root);
    test_sealed_torn_tail(&ms, root);
    t_note("test_recovery took %.2f s", tu_now_s() - t0);
    free(ms.part_bytes);
    bv_schema_free(ms.sc);
    tu_model_free(&ms.m);
    return t_done();
}
