/* Damage detection: a small sealed archive; flip one bit of one byte at a
 * time, at every position of every segment file (or a deterministic spread
 * plus random positions when the archive is larger): bv_archive_verify must
 * report a problem naming that segment and return BV_E_CORRUPT, and a full
 * reader pass must fail naming the segment, never return different data.
 * Also truncated and substituted sealed segments. */
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
#include <time.h>
#include <unistd.h>

#include "binvault/archive.h"
#include "binvault/error.h"
#include "binvault/event.h"
#include "binvault/gtid.h"
#include "harness.h"
#include "synth.h"

#define SYNTH_UUID "3e11fa47-71ca-11e1-9e33-c80aa9429562"
#define FILE1 "mysql-bin.000001"

static bv_str S(const char *p)
{
    bv_str s = {p, strlen(p)};
    return s;
}

/* snprintf for paths: the result must fit (a test bug otherwise). */
static void pathf(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void pathf(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(out, n, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= n) {
        fprintf(stderr, "path too long: %s\n", out);
        abort();
    }
}

/* ------------------------------------------------------------ string builder */

typedef struct sb {
    char *p;
    size_t len, cap;
} sb;

static void sb_reserve(sb *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *n = realloc(b->p, cap);
    if (!n)
        abort();
    b->p = n;
    b->cap = cap;
}

static void sb_raw(sb *b, const char *p, size_t n)
{
    sb_reserve(b, n);
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void sb_s(sb *b, const char *s) { sb_raw(b, s, strlen(s)); }

static void sb_u(sb *b, uint64_t v)
{
    char t[24];
    int i = 24;
    do {
        t[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sb_raw(b, t + i, (size_t)(24 - i));
}

static void sb_i(sb *b, int64_t v)
{
    if (v < 0) {
        sb_s(b, "-");
        sb_u(b, (uint64_t)0 - (uint64_t)v);
    } else {
        sb_u(b, (uint64_t)v);
    }
}

static void sb_hex(sb *b, uint64_t v, int digits)
{
    static const char hx[] = "0123456789abcdef";
    char t[16];
    for (int i = digits - 1; i >= 0; i--, v >>= 4)
        t[i] = hx[v & 15];
    sb_raw(b, t, (size_t)digits);
}

/* length-prefixed hex of arbitrary bytes */
static void sb_bytes(sb *b, const char *p, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    sb_u(b, n);
    sb_s(b, ":");
    sb_reserve(b, 2 * n);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        b->p[b->len++] = hx[c >> 4];
        b->p[b->len++] = hx[c & 15];
    }
    b->p[b->len] = 0;
}

static void sb_reset(sb *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = 0;
}

/* ------------------------------------------------------------ event rendering
 * Our own rendering of everything an event means: equal renderings mean equal
 * events field by field (doubles and floats by bit pattern, strings as hex). */

static void render_value(sb *b, const bv_value *v)
{
    sb_u(b, v->kind);
    sb_s(b, "=");
    switch (v->kind) {
    case BV_VAL_NULL:
    case BV_VAL_ABSENT:
        break;
    case BV_VAL_INT:
        sb_i(b, v->v.i);
        break;
    case BV_VAL_UINT:
    case BV_VAL_YEAR:
    case BV_VAL_BIT:
    case BV_VAL_ENUM:
    case BV_VAL_SET:
        sb_u(b, v->v.u);
        break;
    case BV_VAL_FLOAT: {
        uint32_t u;
        memcpy(&u, &v->v.f, 4);
        sb_s(b, "f");
        sb_hex(b, u, 8);
        break;
    }
    case BV_VAL_DOUBLE: {
        uint64_t u;
        memcpy(&u, &v->v.d, 8);
        sb_s(b, "d");
        sb_hex(b, u, 16);
        break;
    }
    case BV_VAL_DATE:
    case BV_VAL_DATETIME:
        sb_u(b, v->v.dt.year);
        sb_s(b, "-");
        sb_u(b, v->v.dt.month);
        sb_s(b, "-");
        sb_u(b, v->v.dt.day);
        if (v->kind == BV_VAL_DATETIME) {
            sb_s(b, " ");
            sb_u(b, v->v.dt.hour);
            sb_s(b, ":");
            sb_u(b, v->v.dt.minute);
            sb_s(b, ":");
            sb_u(b, v->v.dt.second);
            sb_s(b, ".");
            sb_u(b, v->v.dt.usec);
        }
        break;
    case BV_VAL_TIME:
        sb_s(b, v->v.time.negative ? "-" : "+");
        sb_u(b, v->v.time.hour);
        sb_s(b, ":");
        sb_u(b, v->v.time.minute);
        sb_s(b, ":");
        sb_u(b, v->v.time.second);
        sb_s(b, ".");
        sb_u(b, v->v.time.usec);
        break;
    case BV_VAL_TIMESTAMP:
        sb_u(b, v->v.ts.sec);
        sb_s(b, ".");
        sb_u(b, v->v.ts.usec);
        break;
    default:
        sb_bytes(b, v->v.s.ptr, v->v.s.len);
        break;
    }
    sb_s(b, ";");
}

static void render_gtid(sb *b, const bv_gtid *g)
{
    sb_s(b, "g");
    sb_u(b, g->flavor);
    sb_s(b, ":");
    for (int i = 0; i < 16; i++)
        sb_hex(b, g->uuid[i], 2);
    sb_s(b, ":");
    sb_raw(b, g->tag, strnlen(g->tag, sizeof(g->tag)));
    sb_s(b, ":");
    sb_u(b, g->domain);
    sb_s(b, ":");
    sb_u(b, g->server_id);
    sb_s(b, ":");
    sb_u(b, g->seq);
}

/* The fields meaningful for the event's type (event.h), plus the transaction
 * context (server id, thread id, GTID, flags) that a reader copies from the
 * BEGIN into every event of the transaction but ROTATE and NOTE. */
static void render_event(sb *b, const bv_event *e)
{
    sb_s(b, bv_event_type_name(e->type));
    sb_s(b, "@");
    sb_raw(b, e->pos.file.ptr, e->pos.file.len);
    sb_s(b, ":");
    sb_u(b, e->pos.offset);
    sb_s(b, ":");
    sb_u(b, e->pos.row);
    sb_s(b, " ts=");
    sb_u(b, e->ts_us);
    if (e->type != BV_EV_ROTATE && e->type != BV_EV_NOTE) {
        sb_s(b, " sid=");
        sb_u(b, e->server_id);
        sb_s(b, " tid=");
        sb_u(b, e->thread_id);
        sb_s(b, " fl=");
        sb_u(b, e->flags);
        sb_s(b, " ");
        render_gtid(b, &e->gtid);
    }
    switch (e->type) {
    case BV_EV_INSERT:
    case BV_EV_UPDATE:
    case BV_EV_DELETE: {
        bv_str db = bv_schema_database(e->schema), tb = bv_schema_table(e->schema);
        sb_s(b, " ");
        sb_raw(b, db.ptr, db.len);
        sb_s(b, ".");
        sb_raw(b, tb.ptr, tb.len);
        sb_s(b, " n=");
        sb_u(b, e->ncols);
        sb_s(b, " h=");
        sb_hex(b, bv_schema_hash(e->schema), 16);
        if (e->type != BV_EV_INSERT) {
            sb_s(b, " B[");
            for (uint32_t i = 0; i < e->ncols; i++)
                render_value(b, &e->before[i]);
            sb_s(b, "]");
        }
        if (e->type != BV_EV_DELETE) {
            sb_s(b, " A[");
            for (uint32_t i = 0; i < e->ncols; i++)
                render_value(b, &e->after[i]);
            sb_s(b, "]");
        }
        break;
    }
    case BV_EV_DDL:
        sb_s(b, " db=");
        sb_bytes(b, e->database.ptr, e->database.len);
        sb_s(b, " sql=");
        sb_bytes(b, e->sql.ptr, e->sql.len);
        break;
    case BV_EV_COMMIT:
        sb_s(b, " kind=");
        sb_u(b, e->commit_kind);
        sb_s(b, " xid=");
        sb_u(b, e->xid);
        sb_s(b, " end=");
        sb_u(b, e->end_offset);
        break;
    case BV_EV_ROTATE:
        sb_s(b, " new=");
        sb_raw(b, e->new_file.ptr, e->new_file.len);
        sb_s(b, " end=");
        sb_u(b, e->end_offset);
        break;
    case BV_EV_NOTE:
        sb_s(b, " level=");
        sb_u(b, e->note_level);
        sb_s(b, " text=");
        sb_bytes(b, e->text.ptr, e->text.len);
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------------ the model: our copy of what was appended */

typedef struct evmeta {
    char *render;
    char file[40];
    uint64_t off;
    uint64_t ts;
    uint8_t type;
} evmeta;

typedef struct model {
    evmeta *ev;
    size_t n, cap;
    int in_txn;
    uint32_t server_id, flags;
    uint64_t thread_id;
    bv_gtid gtid;
    bv_gtid_set *gset;
    char end_file[64];
    uint64_t end_off;
    uint64_t counts[BV_EV_TYPE_MAX + 1];
    uint64_t commits;
} model;

static void model_init(model *m, const char *start_file, uint64_t start_off, const char *start_gtid)
{
    memset(m, 0, sizeof(*m));
    m->gset = bv_gtid_set_new();
    if (!m->gset || bv_gtid_set_parse(m->gset, start_gtid, strlen(start_gtid), NULL, 0) != BV_OK)
        abort();
    snprintf(m->end_file, sizeof(m->end_file), "%s", start_file);
    m->end_off = start_off;
}

static void model_free(model *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->ev[i].render);
    free(m->ev);
    bv_gtid_set_free(m->gset);
    memset(m, 0, sizeof(*m));
}

static void model_add(model *m, const bv_event *ev)
{
    bv_event v = *ev;
    sb b = {0};
    if (ev->type == BV_EV_BEGIN) {
        m->in_txn = 1;
        m->gtid = ev->gtid;
        m->server_id = ev->server_id;
        m->thread_id = ev->thread_id;
        m->flags = ev->flags;
    } else if (ev->type != BV_EV_ROTATE && ev->type != BV_EV_NOTE) {
        v.gtid = m->gtid;
        v.server_id = m->server_id;
        v.thread_id = m->thread_id;
        v.flags = m->flags;
    }
    render_event(&b, &v);
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 1024;
        m->ev = realloc(m->ev, m->cap * sizeof(*m->ev));
        if (!m->ev)
            abort();
    }
    evmeta *e = &m->ev[m->n++];
    e->render = b.p;
    snprintf(e->file, sizeof(e->file), "%.*s", (int)ev->pos.file.len, ev->pos.file.ptr);
    e->off = ev->pos.offset;
    e->ts = ev->ts_us;
    e->type = ev->type;
    m->counts[ev->type]++;
    if (ev->type == BV_EV_COMMIT) {
        if (m->gtid.flavor != BV_GTID_NONE && bv_gtid_set_add(m->gset, &m->gtid, NULL, 0) != BV_OK)
            abort();
        m->in_txn = 0;
        m->commits++;
        snprintf(m->end_file, sizeof(m->end_file), "%.*s", (int)ev->pos.file.len, ev->pos.file.ptr);
        m->end_off = ev->end_offset;
    } else if (ev->type == BV_EV_ROTATE) {
        snprintf(m->end_file, sizeof(m->end_file), "%.*s", (int)ev->new_file.len, ev->new_file.ptr);
        m->end_off = ev->end_offset;
    }
}

static unsigned append_failures;

static int app(bv_writer *w, model *m, const bv_event *ev)
{
    char err[1024] = "";
    int rc = bv_writer_append(w, ev, err, sizeof(err));
    if (rc != BV_OK) {
        if (append_failures++ < 5)
            t_note("append of %s at %.*s:%llu failed: %s (%s)", bv_event_type_name(ev->type), (int)ev->pos.file.len,
                   ev->pos.file.ptr, (unsigned long long)ev->pos.offset, bv_strerror(rc), err);
        return rc;
    }
    model_add(m, ev);
    return BV_OK;
}

/* Append synthetic events until ntxns more transactions are committed. */
static int feed(bv_writer *w, model *m, bv_synth *s, uint64_t ntxns, int flush_each)
{
    uint64_t done = 0;
    while (done < ntxns) {
        const bv_event *ev = bv_synth_next(s);
        int rc = app(w, m, ev);
        if (rc)
            return rc;
        if (ev->type == BV_EV_COMMIT) {
            done++;
            if (flush_each && (rc = bv_writer_flush(w, NULL, 0)))
                return rc;
        }
    }
    return BV_OK;
}

/* ------------------------------------------------------------ writer options */

static void wopts(bv_writer_opts *o, size_t block, uint64_t segment, const char *start_gtid, int flavor)
{
    bv_writer_opts_init(o);
    o->source.flavor = (uint8_t)flavor;
    o->source.server_id = 1;
    o->source.server_uuid = flavor == BV_GTID_MYSQL ? S(SYNTH_UUID) : S("");
    o->source.server_version = S("8.0.36-test");
    o->start_file = S(FILE1);
    o->start_offset = 4;
    o->start_gtid_set = S(start_gtid);
    o->block_size = block;
    o->segment_size = segment;
}

static int has(const char *msg, const char *needle) { return msg && needle && strstr(msg, needle) != NULL; }

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

#define NSEG 3

typedef struct arch {
    char dir[4096];
    char name[NSEG][320];
    char path[NSEG][4096];
    uint64_t size[NSEG];
    model m;
} arch;

/* Three sealed segments of a synthetic stream with DDL and rotations. */
static int build(arch *a, const char *root)
{
    bv_writer *w = NULL;
    bv_writer_opts o;
    bv_synth_opts so;
    char err[1024] = "";
    int rc;
    memset(a, 0, sizeof(*a));
    pathf(a->dir, sizeof(a->dir), "%s/sealed", root);
    model_init(&a->m, FILE1, 4, "");
    bv_synth_opts_init(&so);
    so.seed = 99;
    so.ddl_every = 5;
    so.rotate_every = 4000;
    bv_synth *syn = bv_synth_new(&so);
    wopts(&o, 1024, 0, "", BV_GTID_MYSQL);
    rc = bv_writer_open(&w, a->dir, &o, err, sizeof(err));
    for (int s = 0; rc == BV_OK && s < NSEG; s++) {
        rc = feed(w, &a->m, syn, 4, 0);
        if (rc == BV_OK)
            rc = bv_writer_seal(w, err, sizeof(err));
    }
    if (rc == BV_OK)
        rc = bv_writer_close(w, err, sizeof(err));
    else
        bv_writer_free(w);
    bv_synth_free(syn);
    if (rc != BV_OK) {
        t_note("build: %s (%s)", bv_strerror(rc), err);
        return rc;
    }
    bv_archive *ar = NULL;
    if ((rc = bv_archive_open(&ar, a->dir, err, sizeof(err))) != BV_OK)
        return rc;
    if (bv_archive_count(ar) != NSEG) {
        bv_archive_free(ar);
        return BV_E_STATE;
    }
    for (int s = 0; s < NSEG; s++) {
        const bv_segment_info *si = bv_archive_segment(ar, (size_t)s);
        snprintf(a->name[s], sizeof(a->name[s]), "%s", si->name);
        pathf(a->path[s], sizeof(a->path[s]), "%s/%s", a->dir, si->name);
        a->size[s] = si->file_bytes;
        if (!si->sealed)
            rc = BV_E_STATE;
    }
    bv_archive_free(ar);
    return rc;
}

typedef struct vres {
    unsigned problems;
    int named;                 /* a problem names the segment */
    const char *want;
    char first[1024];
} vres;

static void on_problem(void *ctx, const char *file, uint64_t off, int code, const char *msg)
{
    vres *v = ctx;
    if (code == BV_OK)
        return;
    v->problems++;
    if (has(file, v->want) || has(msg, v->want))
        v->named = 1;
    if (!v->first[0])
        snprintf(v->first, sizeof(v->first), "%s @%llu: %s", file, (unsigned long long)off, msg);
}

/* verify: 1 when it fails with BV_E_CORRUPT and a problem names `name` */
static int verify_names(const char *dir, const char *name, char *why, size_t whylen)
{
    vres v;
    char err[1024] = "";
    memset(&v, 0, sizeof(v));
    v.want = name;
    bv_verify_cb cb = {on_problem, NULL, &v};
    int rc = bv_archive_verify(dir, NULL, 0, &cb, NULL, err, sizeof(err));
    if (rc == BV_E_CORRUPT && v.problems > 0 && v.named)
        return 1;
    snprintf(why, whylen, "verify rc %d, %u problems, named %d: %s", rc, v.problems, v.named, v.first);
    return 0;
}

/* Read everything. Returns 1 when the reader fails naming `name` after
 * returning only events equal to the original's (a prefix); 0 otherwise. */
static int reader_fails_clean(const char *dir, const model *m, const char *name, int *silent, char *why,
                              size_t whylen)
{
    bv_reader *r = NULL;
    const bv_event *ev;
    char err[1024] = "";
    sb b = {0};
    size_t i = 0;
    int same = 1;
    *silent = 0;
    int rc = bv_reader_open(&r, dir, NULL, err, sizeof(err));
    if (rc == BV_OK) {
        while ((rc = bv_reader_next(r, &ev, err, sizeof(err))) == 1) {
            if (same) {
                sb_reset(&b);
                render_event(&b, ev);
                if (i >= m->n || strcmp(b.p, m->ev[i].render) != 0) {
                    same = 0;
                    snprintf(why, whylen, "event %zu differs from the original: %.200s", i, b.p);
                }
            }
            i++;
        }
        bv_reader_free(r);
    }
    free(b.p);
    if (!same) {
        *silent = rc >= 0;
        return 0;
    }
    if (rc >= 0) {
        *silent = 1;
        snprintf(why, whylen, "the reader succeeded (%zu events%s)", i, i == m->n ? ", all identical" : "");
        return 0;
    }
    if (!has(err, name)) {
        snprintf(why, whylen, "reader error does not name %s: %s", name, err);
        return 0;
    }
    return 1;
}

static int flip_at(const char *path, uint64_t pos, uint8_t mask, uint8_t *orig)
{
    int fd = open(path, O_RDWR);
    uint8_t c;
    int rc = -1;
    if (fd < 0)
        return -1;
    if (pread(fd, &c, 1, (off_t)pos) == 1) {
        *orig = c;
        c ^= mask;
        rc = pwrite(fd, &c, 1, (off_t)pos) == 1 ? 0 : -1;
    }
    close(fd);
    return rc;
}

static int restore_at(const char *path, uint64_t pos, uint8_t orig)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -1;
    int rc = pwrite(fd, &orig, 1, (off_t)pos) == 1 ? 0 : -1;
    close(fd);
    return rc;
}

static uint64_t rng_state = 0x5eed;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

#define ALL_LIMIT 12000 /* flip every byte when the archive is at most this big */

static void test_flips(arch *a)
{
    uint64_t total = 0;
    unsigned trials = 0, v_ok = 0, r_ok = 0, silent = 0, noted = 0, restored = 1;
    unsigned per_seg[NSEG] = {0};
    char why[1400];
    for (int s = 0; s < NSEG; s++)
        total += a->size[s];
    int all = total <= ALL_LIMIT;
    t_note("archive: %s, %s, %s: %llu, %llu, %llu bytes; flipping %s", a->name[0], a->name[1], a->name[2],
           (unsigned long long)a->size[0], (unsigned long long)a->size[1], (unsigned long long)a->size[2],
           all ? "one bit of every byte" : "a spread of 1200 positions and 600 random ones");
    double t0 = now_s();
    for (int s = 0; s < NSEG; s++) {
        uint64_t n = all ? a->size[s] : (1800 * a->size[s]) / total + 1;
        for (uint64_t k = 0; k < n; k++) {
            uint64_t pos;
            if (all)
                pos = k;
            else if (k < n * 2 / 3)
                pos = k * a->size[s] / (n * 2 / 3); /* spread, including byte 0 */
            else
                pos = rnd() % a->size[s];
            if (!all && k == n - 1)
                pos = a->size[s] - 1; /* and the last byte */
            uint8_t orig, mask = (uint8_t)(1u << ((pos * 5 + (uint64_t)s) % 8));
            if (flip_at(a->path[s], pos, mask, &orig) != 0) {
                restored = 0;
                continue;
            }
            trials++;
            per_seg[s]++;
            int v = verify_names(a->dir, a->name[s], why, sizeof(why));
            if (!v && noted++ < 8)
                t_note("%s byte %llu ^0x%02x: %s", a->name[s], (unsigned long long)pos, mask, why);
            int sil = 0;
            int r = reader_fails_clean(a->dir, &a->m, a->name[s], &sil, why, sizeof(why));
            if (!r && noted++ < 8)
                t_note("%s byte %llu ^0x%02x: %s", a->name[s], (unsigned long long)pos, mask, why);
            v_ok += v;
            r_ok += r;
            silent += sil;
            if (restore_at(a->path[s], pos, orig) != 0)
                restored = 0;
        }
    }
    t_note("%u trials in %.2f s", trials, now_s() - t0);
    T_OK(trials >= 1000, "%u single-byte damages (at least 1000)", trials);
    T_OK(per_seg[0] && per_seg[1] && per_seg[2], "every segment damaged (%u, %u, %u)", per_seg[0], per_seg[1],
         per_seg[2]);
    if (all)
        T_EQ_U64(trials, total, "every byte of every segment");
    T_EQ_U64(v_ok, trials, "each damage: verify fails with BV_E_CORRUPT and a problem naming the segment");
    T_EQ_U64(r_ok, trials, "each damage: the reader fails naming the segment, after only original events");
    T_EQ_U64(silent, 0, "no damage is read back silently");
    T_OK(restored, "every byte restored");
    char err[1024];
    T_EQ_INT(bv_archive_verify(a->dir, NULL, 0, NULL, NULL, err, sizeof(err)), BV_OK,
             "after the trials the archive verifies clean again");
}

static int truncate_to(const char *path, uint64_t size)
{
    return truncate(path, (off_t)size);
}

static uint8_t *slurp(const char *path, size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    int fd = open(path, O_RDONLY);
    if (!p || fd < 0 || read(fd, p, n) != (ssize_t)n) {
        free(p);
        p = NULL;
    }
    if (fd >= 0)
        close(fd);
    return p;
}

static int spill(const char *path, const uint8_t *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
    if (fd < 0)
        return -1;
    int rc = write(fd, p, n) == (ssize_t)n ? 0 : -1;
    close(fd);
    return rc;
}

static void test_truncations(arch *a)
{
    char why[1400] = "";
    for (int s = 0; s < NSEG; s++) {
        uint8_t *orig = slurp(a->path[s], a->size[s]);
        uint64_t sizes[4] = {a->size[s] - 1, a->size[s] / 2, 41, 0};
        static const char *const what[4] = {"by 1 byte", "by half", "to 41 bytes", "to 0 bytes"};
        for (int k = 0; k < 4; k++) {
            int silent = 0;
            truncate_to(a->path[s], sizes[k]);
            int v = verify_names(a->dir, a->name[s], why, sizeof(why));
            T_OK(v, "segment %d truncated %s: verify fails naming it (%s)", s, what[k], v ? "" : why);
            int r = reader_fails_clean(a->dir, &a->m, a->name[s], &silent, why, sizeof(why));
            T_OK(r, "segment %d truncated %s: the reader fails naming it (%s)", s, what[k], r ? "" : why);
            spill(a->path[s], orig, a->size[s]);
        }
        free(orig);
    }
    /* a segment replaced by another, valid one */
    uint8_t *s0 = slurp(a->path[0], a->size[0]), *s1 = slurp(a->path[1], a->size[1]);
    spill(a->path[1], s0, a->size[0]);
    T_OK(verify_names(a->dir, a->name[1], why, sizeof(why)),
         "segment 1 replaced by a copy of segment 0: verify fails naming it");
    spill(a->path[1], s1, a->size[1]);
    /* two segments swapped */
    spill(a->path[1], s0, a->size[0]);
    spill(a->path[0], s1, a->size[1]);
    T_OK(verify_names(a->dir, a->name[0], why, sizeof(why)), "segments 0 and 1 swapped: verify names segment 0");
    T_OK(verify_names(a->dir, a->name[1], why, sizeof(why)), "segments 0 and 1 swapped: verify names segment 1");
    spill(a->path[0], s0, a->size[0]);
    spill(a->path[1], s1, a->size[1]);
    free(s0);
    free(s1);
    char err[1024];
    T_EQ_INT(bv_archive_verify(a->dir, NULL, 0, NULL, NULL, err, sizeof(err)), BV_OK, "restored: verify clean");
}

int main(void)
{
    const char *root = t_tmpdir();
    arch a;
    char err[1024];
    double t0 = now_s();
    if (!T_OK(build(&a, root) == BV_OK, "a small archive of %d sealed segments", NSEG))
        return t_done();
    T_EQ_INT(bv_archive_verify(a.dir, NULL, 0, NULL, NULL, err, sizeof(err)), BV_OK, "it verifies clean");
    {
        char why[1400] = "";
        int silent = 0;
        /* the reader check itself: an undamaged archive reads back identical */
        int r = reader_fails_clean(a.dir, &a.m, a.name[0], &silent, why, sizeof(why));
        T_OK(!r && silent && has(why, "all identical"), "undamaged: the reader returns every original event (%s)", why);
    }
    test_flips(&a);
    test_truncations(&a);
    t_note("test_corrupt took %.2f s", now_s() - t0);
    model_free(&a.m);
    return t_done();
}
