/* bench_format: the segment format against JSON lines + zstd -3.
 *
 * 1. Generates N synthetic row events (default 1,000,000) with their BEGIN
 *    and COMMIT events from tests/bench/synth.c into memory (deep copies in
 *    an arena), so generation is not part of any timed figure.
 * 2. WRITE (timed): bv_writer_open on a fresh archive directory, one
 *    bv_writer_append per event, bv_writer_seal, bv_writer_close (the seal
 *    fsyncs the segment and the directory). Default writer options.
 * 3. READ (timed): bv_reader_open .. bv_reader_next until 0 .. bv_reader_free
 *    (warm page cache), folding every event into a cheap checksum (count per
 *    type, sum of row ids, offsets, times, xids) that must equal the
 *    generated data's.
 * 4. VERIFY (not timed, --no-verify skips it): a second read compares every
 *    field of every event with the generated one.
 * 5. REFERENCE: the same generated events rendered as JSON lines
 *    (bv_json_event + '\n') into memory, compressed in process with
 *    ZSTD_compress(level 3), and, when the zstd CLI is on PATH, with
 *    `zstd -3 -T1` on a file holding those JSON lines.
 *
 * Prints the figures and PASS/MISS for the targets; exits 0 whatever the
 * figures (non-zero only when something fails or the data read back differs).
 * MB = 10^6 bytes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "binvault/archive.h"
#include "binvault/error.h"
#include "binvault/event.h"
#include "jsonl.h"
#include "synth.h"

extern char **environ;

#define TARGET_RATIO 1.0
#define TARGET_WRITE_EPS 1000000.0
#define TARGET_READ_EPS 3000000.0

/* ------------------------------------------------------------ timing */

static double now_s(clockid_t clk)
{
    struct timespec ts;
    if (clock_gettime(clk, &ts) != 0)
        return 0.0;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double mono(void) { return now_s(CLOCK_MONOTONIC); }
static double cpu(void) { return now_s(CLOCK_THREAD_CPUTIME_ID); }

/* ------------------------------------------------------------ arena */

#define ARENA_CHUNK (64u << 20)

typedef struct arena {
    uint8_t **chunks;
    size_t nchunks, capchunks;
    uint8_t *cur;
    size_t left;
    size_t used;
} arena;

static void arena_release(arena *a)
{
    for (size_t i = 0; i < a->nchunks; i++)
        free(a->chunks[i]);
    free(a->chunks);
    memset(a, 0, sizeof(*a));
}

/* 16-byte aligned allocation; NULL when out of memory. */
static void *arena_alloc(arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n > a->left) {
        size_t sz = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        if (a->nchunks == a->capchunks) {
            size_t cap = a->capchunks ? a->capchunks * 2 : 16;
            uint8_t **c = realloc(a->chunks, cap * sizeof(*c));
            if (!c)
                return NULL;
            a->chunks = c;
            a->capchunks = cap;
        }
        uint8_t *p = malloc(sz);
        if (!p)
            return NULL;
        a->chunks[a->nchunks++] = p;
        a->cur = p;
        a->left = sz;
    }
    void *r = a->cur;
    a->cur += n;
    a->left -= n;
    a->used += n;
    return r;
}

/* Copy s into the arena (NUL-terminated); 0 on success. */
static int arena_str(arena *a, bv_str *s)
{
    if (!s->ptr) {
        s->len = 0;
        return 0;
    }
    char *d = arena_alloc(a, s->len + 1);
    if (!d)
        return -1;
    memcpy(d, s->ptr, s->len);
    d[s->len] = 0;
    s->ptr = d;
    return 0;
}

static int is_str_kind(uint8_t k)
{
    return k == BV_VAL_DECIMAL || k == BV_VAL_STRING || k == BV_VAL_BYTES || k == BV_VAL_JSON ||
           k == BV_VAL_GEOMETRY || k == BV_VAL_VECTOR;
}

static const bv_value *arena_image(arena *a, const bv_value *img, uint32_t ncols)
{
    if (!img)
        return NULL;
    bv_value *v = arena_alloc(a, (size_t)ncols * sizeof(*v));
    if (!v)
        return NULL;
    memcpy(v, img, (size_t)ncols * sizeof(*v));
    for (uint32_t i = 0; i < ncols; i++)
        if (is_str_kind(v[i].kind) && arena_str(a, &v[i].v.s))
            return NULL;
    return v;
}

/* ------------------------------------------------------------ the events */

typedef struct sums {
    uint64_t events;
    uint64_t by_type[BV_EV_TYPE_MAX + 1];
    uint64_t id_sum;     /* first column (id) of every row image */
    uint64_t pos_sum;    /* offset * 8 + row of every event */
    uint64_t ts_sum;
    uint64_t xid_sum;
} sums;

static void sums_add(sums *s, const bv_event *ev)
{
    s->events++;
    s->by_type[ev->type <= BV_EV_TYPE_MAX ? ev->type : 0]++;
    s->pos_sum += ev->pos.offset * 8u + ev->pos.row;
    s->ts_sum += ev->ts_us;
    s->xid_sum += ev->xid;
    if (ev->before && ev->ncols)
        s->id_sum += ev->before[0].v.u;
    if (ev->after && ev->ncols)
        s->id_sum += ev->after[0].v.u;
}

static int sums_equal(const sums *a, const sums *b)
{
    return a->events == b->events && !memcmp(a->by_type, b->by_type, sizeof(a->by_type)) &&
           a->id_sum == b->id_sum && a->pos_sum == b->pos_sum && a->ts_sum == b->ts_sum && a->xid_sum == b->xid_sum;
}

typedef struct dataset {
    arena mem;
    bv_event **ev;
    size_t n, cap;
    uint64_t rows;
    sums sum;
    bv_synth *synth; /* owns the schemas the row events point to */
} dataset;

static void dataset_release(dataset *d)
{
    arena_release(&d->mem);
    free(d->ev);
    bv_synth_free(d->synth);
    memset(d, 0, sizeof(*d));
}

static int dataset_push(dataset *d, const bv_event *src, const char **last_file)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 1u << 20;
        bv_event **n = realloc(d->ev, cap * sizeof(*n));
        if (!n)
            return -1;
        d->ev = n;
        d->cap = cap;
    }
    bv_event *e = arena_alloc(&d->mem, sizeof(*e));
    if (!e)
        return -1;
    *e = *src;
    /* binlog file names are shared between events of one file */
    if (*last_file && strlen(*last_file) == e->pos.file.len && !memcmp(*last_file, e->pos.file.ptr, e->pos.file.len))
        e->pos.file.ptr = *last_file;
    else if (arena_str(&d->mem, &e->pos.file))
        return -1;
    else
        *last_file = e->pos.file.ptr;
    if (arena_str(&d->mem, &e->database) || arena_str(&d->mem, &e->sql) || arena_str(&d->mem, &e->new_file) ||
        arena_str(&d->mem, &e->text))
        return -1;
    if ((src->before && !(e->before = arena_image(&d->mem, src->before, src->ncols))) ||
        (src->after && !(e->after = arena_image(&d->mem, src->after, src->ncols))))
        return -1;
    d->ev[d->n++] = e;
    sums_add(&d->sum, e);
    return 0;
}

/* Exactly nrows row events: rows the generator puts in the last transaction
 * after the nrows-th are dropped, so that transaction still commits. */
static int dataset_generate(dataset *d, uint64_t nrows)
{
    bv_synth_opts so;
    bv_synth_opts_init(&so);
    d->synth = bv_synth_new(&so);
    if (!d->synth)
        return -1;
    const char *last_file = NULL;
    int in_txn = 0;
    for (;;) {
        const bv_event *ev = bv_synth_next(d->synth);
        int is_row = ev->type >= BV_EV_INSERT && ev->type <= BV_EV_DELETE;
        if (!in_txn && d->rows >= nrows)
            break;
        if (is_row && d->rows >= nrows)
            continue;
        if (dataset_push(d, ev, &last_file))
            return -1;
        if (is_row)
            d->rows++;
        if (ev->type == BV_EV_BEGIN)
            in_txn = 1;
        else if (ev->type == BV_EV_COMMIT)
            in_txn = 0;
    }
    return 0;
}

/* ------------------------------------------------------------ full comparison */

static int str_eq(bv_str a, bv_str b)
{
    return a.len == b.len && (a.len == 0 || !memcmp(a.ptr, b.ptr, a.len));
}

static int value_eq(const bv_value *a, const bv_value *b)
{
    if (a->kind != b->kind)
        return 0;
    switch (a->kind) {
    case BV_VAL_NULL:
    case BV_VAL_ABSENT:
        return 1;
    case BV_VAL_INT:
        return a->v.i == b->v.i;
    case BV_VAL_UINT:
    case BV_VAL_YEAR:
    case BV_VAL_BIT:
    case BV_VAL_ENUM:
    case BV_VAL_SET:
        return a->v.u == b->v.u;
    case BV_VAL_FLOAT:
        return !memcmp(&a->v.f, &b->v.f, sizeof(a->v.f));
    case BV_VAL_DOUBLE:
        return !memcmp(&a->v.d, &b->v.d, sizeof(a->v.d));
    case BV_VAL_DATE:
        return a->v.dt.year == b->v.dt.year && a->v.dt.month == b->v.dt.month && a->v.dt.day == b->v.dt.day;
    case BV_VAL_DATETIME:
        return a->v.dt.year == b->v.dt.year && a->v.dt.month == b->v.dt.month && a->v.dt.day == b->v.dt.day &&
               a->v.dt.hour == b->v.dt.hour && a->v.dt.minute == b->v.dt.minute &&
               a->v.dt.second == b->v.dt.second && a->v.dt.usec == b->v.dt.usec;
    case BV_VAL_TIME:
        return a->v.time.negative == b->v.time.negative && a->v.time.hour == b->v.time.hour &&
               a->v.time.minute == b->v.time.minute && a->v.time.second == b->v.time.second &&
               a->v.time.usec == b->v.time.usec;
    case BV_VAL_TIMESTAMP:
        return a->v.ts.sec == b->v.ts.sec && a->v.ts.usec == b->v.ts.usec;
    default:
        return str_eq(a->v.s, b->v.s);
    }
}

static int image_eq(const bv_value *a, const bv_value *b, uint32_t n)
{
    if (!a || !b)
        return a == b;
    for (uint32_t i = 0; i < n; i++)
        if (!value_eq(&a[i], &b[i]))
            return 0;
    return 1;
}

/* g: generated (as appended); r: read back (carries its transaction's
 * BEGIN context on every event, so that is compared on BEGIN only). */
static int event_eq(const bv_event *g, const bv_event *r)
{
    if (g->type != r->type || !str_eq(g->pos.file, r->pos.file) || g->pos.offset != r->pos.offset ||
        g->pos.row != r->pos.row || g->ts_us != r->ts_us)
        return 0;
    switch (g->type) {
    case BV_EV_BEGIN:
        return g->server_id == r->server_id && g->thread_id == r->thread_id && g->flags == r->flags &&
               !memcmp(&g->gtid, &r->gtid, sizeof(g->gtid));
    case BV_EV_INSERT:
    case BV_EV_UPDATE:
    case BV_EV_DELETE:
        return g->ncols == r->ncols && bv_schema_hash(g->schema) == bv_schema_hash(r->schema) &&
               image_eq(g->before, r->before, g->ncols) && image_eq(g->after, r->after, g->ncols);
    case BV_EV_DDL:
        return str_eq(g->database, r->database) && str_eq(g->sql, r->sql);
    case BV_EV_COMMIT:
        return g->commit_kind == r->commit_kind && g->xid == r->xid && g->end_offset == r->end_offset;
    case BV_EV_ROTATE:
        return str_eq(g->new_file, r->new_file) && g->end_offset == r->end_offset;
    case BV_EV_NOTE:
        return g->note_level == r->note_level && str_eq(g->text, r->text);
    default:
        return 0;
    }
}

/* ------------------------------------------------------------ files */

static int write_file(const char *path, const uint8_t *p, size_t n)
{
    int rc = -1;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "bench_format: %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            fprintf(stderr, "bench_format: %s: write: %s\n", path, strerror(errno));
            goto out;
        }
        p += w;
        n -= (size_t)w;
    }
    rc = 0;
out:
    if (close(fd) != 0 && rc == 0) {
        fprintf(stderr, "bench_format: %s: close: %s\n", path, strerror(errno));
        rc = -1;
    }
    return rc;
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* Remove a directory and the plain files in it (what this program made). */
static int remove_tree(const char *dir)
{
    int rc = 0;
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "bench_format: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (remove_tree(path))
                rc = -1;
        } else if (unlink(path) != 0) {
            fprintf(stderr, "bench_format: cannot remove %s: %s\n", path, strerror(errno));
            rc = -1;
        }
    }
    closedir(d);
    if (rmdir(dir) != 0) {
        fprintf(stderr, "bench_format: cannot remove %s: %s\n", dir, strerror(errno));
        rc = -1;
    }
    return rc;
}

/* Run argv; returns its exit status, or -1 when it could not run. */
static int run(char *const argv[])
{
    pid_t pid;
    int st;
    int e = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
    if (e != 0)
        return -1;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void cpu_model(char *out, size_t len)
{
    snprintf(out, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "model name", 10)) {
            char *p = strchr(line, ':');
            if (p) {
                p++;
                while (*p == ' ' || *p == '\t')
                    p++;
                size_t n = strcspn(p, "\n");
                snprintf(out, len, "%.*s", (int)n, p);
            }
            break;
        }
    }
    fclose(f);
}

/* ------------------------------------------------------------ reference */

typedef struct ref_result {
    size_t json_bytes, zstd_bytes;
    double render_s, zstd_s;
    double cli_s;            /* < 0: the CLI did not run */
    long long cli_bytes;
} ref_result;

/* Render the events as JSON lines, compress them with ZSTD_compress level 3
 * and with the zstd CLI (on a file at jpath, output at zpath). */
static int run_reference(const dataset *d, const char *jpath, const char *zpath, ref_result *res)
{
    int rc = -1;
    bv_buf json;
    uint8_t *zbuf = NULL;
    bv_buf_init(&json);
    res->cli_s = -1.0;
    res->cli_bytes = -1;

    double j0 = mono();
    for (size_t i = 0; i < d->n; i++) {
        bv_json_event(&json, d->ev[i]);
        bv_buf_put_u8(&json, '\n');
    }
    res->render_s = mono() - j0;
    if (bv_buf_status(&json)) {
        fprintf(stderr, "bench_format: out of memory rendering JSON lines\n");
        goto out;
    }
    res->json_bytes = json.len;
    size_t zcap = ZSTD_compressBound(json.len);
    zbuf = malloc(zcap);
    if (!zbuf) {
        fprintf(stderr, "bench_format: out of memory for %zu bytes\n", zcap);
        goto out;
    }
    double z0 = mono();
    size_t zlen = ZSTD_compress(zbuf, zcap, json.data, json.len, 3);
    res->zstd_s = mono() - z0;
    if (ZSTD_isError(zlen)) {
        fprintf(stderr, "bench_format: ZSTD_compress: %s\n", ZSTD_getErrorName(zlen));
        goto out;
    }
    res->zstd_bytes = zlen;
    free(zbuf);
    zbuf = NULL;
    /* the CLI, single-threaded, on a file holding the same JSON lines */
    if (write_file(jpath, json.data, json.len))
        goto out;
    bv_buf_release(&json);
    char *zargv[] = {"zstd", "-3", "-T1", "-q", "-f", "-o", (char *)zpath, (char *)jpath, NULL};
    double c0 = mono();
    int st = run(zargv);
    double c1 = mono();
    if (st == 0) {
        res->cli_s = c1 - c0;
        res->cli_bytes = file_size(zpath);
    }
    rc = 0;
out:
    bv_buf_release(&json);
    free(zbuf);
    return rc;
}

/* ------------------------------------------------------------ main */

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_format [--events N] [--dir DIR] [--keep] [--no-verify] [--no-reference]\n"
               "  --events N    row events to generate (default 1000000), plus their BEGIN/COMMIT\n"
               "  --dir DIR     where to create the scratch directory (default $TMPDIR, else /tmp)\n"
               "  --keep        keep the scratch directory (archive, JSON lines, .zst)\n"
               "  --no-verify   skip the untimed field-by-field comparison of the read-back events\n"
               "  --no-reference  skip the JSON lines + zstd reference (and the size ratio target)\n"
               "  --zstd-level L, --block-size BYTES   writer options for experiments (default 0 = level 1 with 5-byte matches, 1 MiB)\n");
}

static double mb(double bytes) { return bytes / 1e6; }

static const char *verdict(int ok) { return ok ? "PASS" : "MISS"; }

int main(int argc, char **argv)
{
    int rc = 1;
    uint64_t nrows = 1000000;
    const char *parent = getenv("TMPDIR");
    int keep = 0, verify = 1, reference = 1;
    long zlevel = 0;         /* 0: writer default */
    unsigned long long block_size = 0;
    char err[1024];
    char scratch[4096] = "", adir[4200], jpath[4200], zpath[4200];
    dataset d;
    bv_writer *w = NULL;
    bv_reader *r = NULL;
    bv_archive *a = NULL;
    memset(&d, 0, sizeof(d));

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--keep")) {
            keep = 1;
        } else if (!strcmp(argv[i], "--no-verify")) {
            verify = 0;
        } else if (!strcmp(argv[i], "--no-reference")) {
            reference = 0;
        } else if (!strcmp(argv[i], "--events") && i + 1 < argc) {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(argv[++i], &end, 10);
            if (errno || *end || !v) {
                fprintf(stderr, "bench_format: bad --events %s\n", argv[i]);
                return 2;
            }
            nrows = v;
        } else if (!strcmp(argv[i], "--zstd-level") && i + 1 < argc) {
            char *end;
            zlevel = strtol(argv[++i], &end, 10);
            if (*end || zlevel < 0 || zlevel > 19) {
                fprintf(stderr, "bench_format: bad --zstd-level %s\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(argv[i], "--block-size") && i + 1 < argc) {
            char *end;
            errno = 0;
            block_size = strtoull(argv[++i], &end, 10);
            if (errno || *end || !block_size) {
                fprintf(stderr, "bench_format: bad --block-size %s\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(argv[i], "--dir") && i + 1 < argc) {
            parent = argv[++i];
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (!parent || !*parent)
        parent = "/tmp";

    /* ---------------------------------------------------------- machine */
    char model[256], date[64];
    time_t t0 = time(NULL);
    struct tm tm;
    gmtime_r(&t0, &tm);
    if (!strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm))
        date[0] = 0;
    cpu_model(model, sizeof(model));
    printf("binvault format benchmark  %s  nproc=%ld  cpu=%s  zstd=%s\n", date, sysconf(_SC_NPROCESSORS_ONLN), model,
           ZSTD_versionString());

    /* ---------------------------------------------------------- generate */
    double g0 = mono();
    if (dataset_generate(&d, nrows)) {
        fprintf(stderr, "bench_format: out of memory generating events\n");
        goto out;
    }
    double gen_s = mono() - g0;
    const double nev = (double)d.n;
    printf("\ndata: %" PRIu64 " row events (%" PRIu64 " insert, %" PRIu64 " update, %" PRIu64 " delete) + %" PRIu64
           " begin + %" PRIu64 " commit = %zu events\n",
           d.rows, d.sum.by_type[BV_EV_INSERT], d.sum.by_type[BV_EV_UPDATE], d.sum.by_type[BV_EV_DELETE],
           d.sum.by_type[BV_EV_BEGIN], d.sum.by_type[BV_EV_COMMIT], d.n);
    printf("      generated into memory first (%.2f s, %.0f MB of event structs, not timed)\n", gen_s,
           mb((double)d.mem.used));

    snprintf(scratch, sizeof(scratch), "%s/bvbench.XXXXXX", parent);
    if (!mkdtemp(scratch)) {
        fprintf(stderr, "bench_format: cannot create %s: %s\n", scratch, strerror(errno));
        scratch[0] = 0;
        goto out;
    }
    snprintf(adir, sizeof(adir), "%s/archive", scratch);
    snprintf(jpath, sizeof(jpath), "%s/events.jsonl", scratch);
    snprintf(zpath, sizeof(zpath), "%s/events.jsonl.zst", scratch);

    /* ---------------------------------------------------------- write */
    bv_writer_opts wo;
    bv_writer_opts_init(&wo);
    wo.source.flavor = BV_GTID_MYSQL;
    wo.source.server_id = 1;
    wo.source.server_version.ptr = "synthetic-1.0";
    wo.source.server_version.len = strlen(wo.source.server_version.ptr);
    wo.start_file.ptr = "mysql-bin.000001";
    wo.start_file.len = strlen(wo.start_file.ptr);
    wo.start_offset = 4;
    if (zlevel >= 0)
        wo.zstd_level = (int)zlevel;
    if (block_size)
        wo.block_size = (size_t)block_size;
    printf("writer: block size %zu bytes, zstd level %d, segment size %" PRIu64 " bytes%s\n", wo.block_size,
           wo.zstd_level, wo.segment_size, zlevel > 0 || block_size ? " (NOT the defaults)" : " (defaults)");

    double w0 = mono(), wc0 = cpu();
    if (bv_writer_open(&w, adir, &wo, err, sizeof(err))) {
        fprintf(stderr, "bench_format: writer open: %s\n", err);
        goto out;
    }
    for (size_t i = 0; i < d.n; i++) {
        if (bv_writer_append(w, d.ev[i], err, sizeof(err))) {
            fprintf(stderr, "bench_format: append event %zu: %s\n", i, err);
            goto out;
        }
    }
    double w1 = mono();
    if (bv_writer_seal(w, err, sizeof(err))) {
        fprintf(stderr, "bench_format: seal: %s\n", err);
        goto out;
    }
    int crc = bv_writer_close(w, err, sizeof(err));
    w = NULL;
    if (crc) {
        fprintf(stderr, "bench_format: close: %s\n", err);
        goto out;
    }
    double w2 = mono(), wc2 = cpu();
    double write_s = w2 - w0, write_cpu = wc2 - wc0, seal_s = w2 - w1;

    /* archive size (not timed) */
    if (bv_archive_open(&a, adir, err, sizeof(err))) {
        fprintf(stderr, "bench_format: archive open: %s\n", err);
        goto out;
    }
    uint64_t file_bytes = 0, raw_bytes = 0, blocks = 0, aevents = 0;
    size_t nseg = bv_archive_count(a);
    for (size_t i = 0; i < nseg; i++) {
        const bv_segment_info *si = bv_archive_segment(a, i);
        if (si->problem || !si->sealed) {
            fprintf(stderr, "bench_format: segment %s: %s\n", si->name, si->problem ? si->problem : "not sealed");
            goto out;
        }
        file_bytes += si->file_bytes;
        raw_bytes += si->raw_bytes;
        blocks += si->blocks;
        aevents += si->events;
    }
    bv_archive_free(a);
    a = NULL;
    if (aevents != d.n) {
        fprintf(stderr, "bench_format: the archive lists %" PRIu64 " events, %zu were written\n", aevents, d.n);
        goto out;
    }

    /* ---------------------------------------------------------- read */
    sums got;
    memset(&got, 0, sizeof(got));
    double r0 = mono(), rc0 = cpu();
    if (bv_reader_open(&r, adir, NULL, err, sizeof(err))) {
        fprintf(stderr, "bench_format: reader open: %s\n", err);
        goto out;
    }
    for (;;) {
        const bv_event *ev;
        int n = bv_reader_next(r, &ev, err, sizeof(err));
        if (n < 0) {
            fprintf(stderr, "bench_format: read: %s\n", err);
            goto out;
        }
        if (n == 0)
            break;
        sums_add(&got, ev);
    }
    bv_reader_free(r);
    r = NULL;
    double r1 = mono(), rc1 = cpu();
    double read_s = r1 - r0, read_cpu = rc1 - rc0;
    if (!sums_equal(&got, &d.sum)) {
        fprintf(stderr,
                "bench_format: READ BACK DIFFERS: events %" PRIu64 "/%" PRIu64 ", rows %" PRIu64 "/%" PRIu64
                ", id sum %" PRIu64 "/%" PRIu64 ", position sum %" PRIu64 "/%" PRIu64 ", time sum %" PRIu64
                "/%" PRIu64 ", xid sum %" PRIu64 "/%" PRIu64 " (read/generated)\n",
                got.events, d.sum.events,
                got.by_type[BV_EV_INSERT] + got.by_type[BV_EV_UPDATE] + got.by_type[BV_EV_DELETE], d.rows,
                got.id_sum, d.sum.id_sum, got.pos_sum, d.sum.pos_sum, got.ts_sum, d.sum.ts_sum, got.xid_sum,
                d.sum.xid_sum);
        goto out;
    }

    /* ---------------------------------------------------------- verify (untimed) */
    if (verify) {
        if (bv_reader_open(&r, adir, NULL, err, sizeof(err))) {
            fprintf(stderr, "bench_format: reader open: %s\n", err);
            goto out;
        }
        size_t i = 0;
        for (;; i++) {
            const bv_event *ev;
            int n = bv_reader_next(r, &ev, err, sizeof(err));
            if (n < 0) {
                fprintf(stderr, "bench_format: read: %s\n", err);
                goto out;
            }
            if (n == 0)
                break;
            if (i >= d.n || !event_eq(d.ev[i], ev)) {
                fprintf(stderr, "bench_format: READ BACK DIFFERS at event %zu (%s at %.*s:%" PRIu64 ")\n", i,
                        bv_event_type_name(ev->type), (int)ev->pos.file.len, ev->pos.file.ptr, ev->pos.offset);
                goto out;
            }
        }
        bv_reader_free(r);
        r = NULL;
        if (i != d.n) {
            fprintf(stderr, "bench_format: read %zu events, wrote %zu\n", i, d.n);
            goto out;
        }
    }

    /* ---------------------------------------------------------- JSON lines reference */
    ref_result ref;
    memset(&ref, 0, sizeof(ref));
    if (reference && run_reference(&d, jpath, zpath, &ref))
        goto out;

    /* ---------------------------------------------------------- report */
    double rows = (double)d.rows;
    double ratio = reference ? (double)file_bytes / (double)ref.zstd_bytes : 0.0;
    double weps = nev / write_s, reps = nev / read_s;
    printf("\narchive: %zu segment(s), %" PRIu64 " blocks, %" PRIu64 " bytes on disk (%.1f MB), %" PRIu64
           " raw record bytes (%.1f MB), compression %.2fx\n",
           nseg, blocks, file_bytes, mb((double)file_bytes), raw_bytes, mb((double)raw_bytes),
           (double)raw_bytes / (double)file_bytes);
    printf("         %.2f bytes/event, %.2f bytes/row event on disk; raw %.2f bytes/event\n",
           (double)file_bytes / nev, (double)file_bytes / rows, (double)raw_bytes / nev);
    printf("\n%-7s %10s %10s %12s %12s %12s %12s %10s\n", "", "wall s", "cpu s", "events/s", "rows/s", "raw MB/s",
           "archive MB/s", "");
    printf("%-7s %10.3f %10.3f %12.0f %12.0f %12.1f %12.1f   (open, append x%zu, seal %.3f s incl. fsync, close)\n",
           "write", write_s, write_cpu, weps, rows / write_s, mb((double)raw_bytes) / write_s,
           mb((double)file_bytes) / write_s, d.n, seal_s);
    printf("%-7s %10.3f %10.3f %12.0f %12.0f %12.1f %12.1f   (open, next until end, free; warm page cache)\n",
           "read", read_s, read_cpu, reps, rows / read_s, mb((double)raw_bytes) / read_s,
           mb((double)file_bytes) / read_s);
    printf("read-back check: count, types, id/offset/time/xid sums match%s\n",
           verify ? "; every field of every event matches (untimed pass)" : "");
    if (reference) {
        printf("\nreference: the same %zu events as JSON lines (bv_json_event + newline)\n", d.n);
        printf("  JSON lines            %12zu bytes (%.1f MB, %.1f bytes/event), rendered in %.3f s\n", ref.json_bytes,
               mb((double)ref.json_bytes), (double)ref.json_bytes / nev, ref.render_s);
        printf("  zstd -3 (libzstd)     %12zu bytes (%.1f MB, %.2f bytes/event, %.2fx), %.3f s, %.1f MB/s in, %.0f "
               "events/s\n",
               ref.zstd_bytes, mb((double)ref.zstd_bytes), (double)ref.zstd_bytes / nev,
               (double)ref.json_bytes / (double)ref.zstd_bytes, ref.zstd_s, mb((double)ref.json_bytes) / ref.zstd_s,
               nev / ref.zstd_s);
        if (ref.cli_s >= 0 && ref.cli_bytes >= 0)
            printf("  zstd -3 -T1 (CLI)     %12lld bytes (%.1f MB), %.3f s, %.1f MB/s in\n", ref.cli_bytes,
                   mb((double)ref.cli_bytes), ref.cli_s, mb((double)ref.json_bytes) / ref.cli_s);
        else
            printf("  zstd -3 -T1 (CLI)     not run (zstd not on PATH or it failed)\n");
    }
    printf("\ntargets:\n");
    if (reference)
        printf("  archive / zstd-3(JSONL) size  %10.3f    target <= %.1f          %s\n", ratio, TARGET_RATIO,
               verdict(ratio <= TARGET_RATIO));
    printf("  write events/s                %10.0f    target >= %.0f    %s  (rows/s %.0f)\n", weps,
           TARGET_WRITE_EPS, verdict(weps >= TARGET_WRITE_EPS), rows / write_s);
    printf("  read events/s                 %10.0f    target >= %.0f    %s  (rows/s %.0f)\n", reps,
           TARGET_READ_EPS, verdict(reps >= TARGET_READ_EPS), rows / read_s);
    printf("\nsummary: events=%zu rows=%" PRIu64 " archive_bytes=%" PRIu64 " bytes_per_event=%.2f write_s=%.3f "
           "write_eps=%.0f read_s=%.3f read_eps=%.0f",
           d.n, d.rows, file_bytes, (double)file_bytes / nev, write_s, weps, read_s, reps);
    if (reference)
        printf(" jsonl_bytes=%zu zstd3_bytes=%zu zstd3_s=%.3f cli_s=%.3f ratio=%.3f", ref.json_bytes, ref.zstd_bytes,
               ref.zstd_s, ref.cli_s, ratio);
    printf("\n");
    rc = 0;

out:
    bv_writer_free(w);
    bv_reader_free(r);
    bv_archive_free(a);
    dataset_release(&d);
    if (scratch[0]) {
        if (keep)
            printf("\nkept %s\n", scratch);
        else if (remove_tree(scratch))
            rc = rc ? rc : 1;
    }
    if (fflush(stdout) != 0 || ferror(stdout))
        rc = rc ? rc : 1;
    return rc;
}
