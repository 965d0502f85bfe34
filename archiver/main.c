/* binvault-archiver: decode MySQL/MariaDB binlog files into a binvault
 * archive (offline import). Live capture from a server comes next.
 *
 * Exit codes: 0 success, 1 a file could not be decoded or archived (the
 * archive then ends at the last complete transaction before the problem),
 * 2 usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "binlog.h"
#include "binvault/archive.h"
#include "progress.h"

#define EXIT_FAIL 1
#define EXIT_USAGE 2

static void usage(FILE *f)
{
    fprintf(f,
            "usage: binvault-archiver --archive DIR --binlog-file FILE [--binlog-file FILE ...] [OPTIONS]\n"
            "       binvault-archiver --archive DIR FILE...\n"
            "\n"
            "Decode binlog files (MySQL 5.6-9.x, MariaDB 10.x-11.x) into the archive DIR, in the order given;\n"
            "consecutive files must follow each other (each ends with a ROTATE to the next). An archive that\n"
            "already holds events continues where it ends: give the file it ends in, or the next one.\n"
            "\n"
            "Options:\n"
            "  --archive DIR          archive directory (created if missing)\n"
            "  --binlog-file FILE     a binlog file to import (repeatable; plain arguments work too)\n"
            "  --segment-size BYTES   seal segments at about this size (default 256M; K/M/G suffixes)\n"
            "  --block-size BYTES     uncompressed bytes per block (default 1M)\n"
            "  --zstd-level N         1..19 (default 3)\n"
            "  --compress-threads N   0: compress blocks in the decoding thread; 1 (default):\n"
            "                         in a second thread (same archive bytes either way)\n"
            "  --quiet                no summary on stdout\n"
            "  --help\n"
            "\n"
            "Exit status: 0 success; 1 a file could not be decoded (the message names the file and offset;\n"
            "the archive keeps every transaction completed before it); 2 usage error.\n");
}

static int parse_size(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || end == s)
        return -1;
    uint64_t mul = 1;
    if (*end == 'K' || *end == 'k')
        mul = 1024, end++;
    else if (*end == 'M' || *end == 'm')
        mul = 1024 * 1024, end++;
    else if (*end == 'G' || *end == 'g')
        mul = 1024ull * 1024 * 1024, end++;
    if (*end || x > UINT64_MAX / mul)
        return -1;
    *v = x * mul;
    return 0;
}

typedef struct run {
    const char *dir;
    bv_writer_opts wo;
    bv_writer *w;
    bv_decoder *d;
    char first_file[256];
    int no_names_warned;
    uint64_t appended;
} run;

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int sink(void *ctx, const bv_event *ev, char *err, size_t errlen)
{
    run *r = ctx;
    if (!r->w)
        return bv_seterr(err, errlen, BV_E_STATE, "internal: event before the archive was opened");
    if (ev->schema && !r->no_names_warned && bv_schema_get_source(ev->schema) == BV_SCHEMA_NO_NAMES) {
        bv_str db = bv_schema_database(ev->schema), tb = bv_schema_table(ev->schema);
        fprintf(stderr,
                "binvault-archiver: warning: %.*s.%.*s (and perhaps others) has no column names in the binlog "
                "(binlog_row_metadata is not FULL): columns are archived as @1..@n\n",
                (int)db.len, db.ptr, (int)tb.len, tb.ptr);
        r->no_names_warned = 1;
    }
    r->appended++;
    return bv_writer_append(r->w, ev, err, errlen);
}

static int is_header_event(uint8_t t)
{
    return t == BV_BL_FDE || t == BV_BL_PREV_GTIDS || t == BV_BL_MARIA_GTID_LIST || t == BV_BL_MARIA_CHECKPOINT ||
           t == BV_BL_ROTATE || t == BV_BL_STOP;
}

/* Open the writer once the first file's header events are known. */
static int open_writer(run *r, const char *file, uint64_t *resume, char *err, size_t errlen)
{
    const bv_fde *fde = bv_decoder_fde(r->d);
    const char *gt = bv_decoder_start_gtids(r->d);
    r->wo.source.flavor = (uint8_t)bv_decoder_flavor(r->d);
    r->wo.source.server_id = bv_decoder_server_id(r->d);
    r->wo.source.server_version.ptr = fde->server_version;
    r->wo.source.server_version.len = strlen(fde->server_version);
    r->wo.start_file.ptr = file;
    r->wo.start_file.len = strlen(file);
    r->wo.start_offset = 4;
    r->wo.start_gtid_set.ptr = gt;
    r->wo.start_gtid_set.len = strlen(gt);
    int rc = bv_writer_open(&r->w, r->dir, &r->wo, err, errlen);
    if (rc)
        return rc;
    const bv_recovery *rec = bv_writer_recovery(r->w);
    if (rec->recovered && (rec->bytes_cut || rec->removed_empty))
        fprintf(stderr, "binvault-archiver: recovered %s: cut %llu bytes (%llu events of an incomplete transaction)\n",
                rec->segment, (unsigned long long)rec->bytes_cut, (unsigned long long)rec->events_cut);
    bv_str ef;
    uint64_t eo;
    bv_writer_end(r->w, &ef, &eo);
    *resume = 0;
    if (ef.len == strlen(file) && memcmp(ef.ptr, file, ef.len) == 0) {
        if (eo > 4)
            *resume = eo;
        return BV_OK;
    }
    return bv_seterr(err, errlen, BV_E_INVAL,
                     "%s: the archive ends at %.*s:%llu; import %.*s (or continue from it), not %s", r->dir,
                     (int)ef.len, ef.ptr, (unsigned long long)eo, (int)ef.len, ef.ptr, file);
}

typedef struct mapped {
    uint8_t *p;
    size_t n;
} mapped;

static int map_file(const char *path, mapped *m, char *err, size_t errlen)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    m->p = NULL;
    m->n = 0;
    if (fd < 0)
        return bv_seterr(err, errlen, errno == ENOENT ? BV_E_NOTFOUND : BV_E_IO, "%s: cannot open: %s", path,
                         strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return bv_seterr(err, errlen, BV_E_IO, "%s: not a regular file", path);
    }
    m->n = (size_t)st.st_size;
    if (m->n) {
        m->p = mmap(NULL, m->n, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m->p == MAP_FAILED) {
            m->p = NULL;
            close(fd);
            return bv_seterr(err, errlen, BV_E_IO, "%s: cannot map: %s", path, strerror(errno));
        }
        madvise(m->p, m->n, MADV_SEQUENTIAL);
    }
    close(fd);
    return BV_OK;
}

static int import_file(run *r, const char *path, const char *next, bv_progress *pg, uint64_t *done_bytes,
                       uint64_t total_bytes, char *err, size_t errlen)
{
    mapped m;
    int rc = map_file(path, &m, err, errlen);
    const char *name = base_name(path);
    uint64_t resume = 0;
    if (rc)
        return rc;
    if (m.n < 4 || memcmp(m.p, "\xfe" "bin", 4) != 0) {
        int gz = m.n >= 2 && m.p[0] == 0x1f && m.p[1] == 0x8b;
        rc = bv_seterr(err, errlen, BV_E_DECODE, "%s: offset 0: not a binlog file (%s)", path,
                       gz ? "gzip-compressed: decompress it first" : m.n < 4 ? "shorter than the 4-byte magic"
                                                                              : "bad magic, expected fe 62 69 6e");
        goto out;
    }
    if ((rc = bv_decoder_begin_file(r->d, name, err, errlen)))
        goto out;
    size_t at = 4;
    while (at < m.n) {
        bv_rawev ev;
        size_t need;
        char msg[400];
        rc = bv_binlog_frame(m.p + at, m.n - at, at, bv_decoder_fde(r->d), 0, &ev, &need, msg, sizeof(msg));
        if (rc) {
            rc = bv_seterr(err, errlen, rc == BV_E_TRUNCATED ? BV_E_TRUNCATED : BV_E_CORRUPT, "%s: %s", path, msg);
            goto out;
        }
        if (at == 4 && ev.type != BV_BL_FDE) {
            rc = bv_seterr(err, errlen, BV_E_DECODE, "%s: offset 4: the first event is type %u, not a FORMAT_DESCRIPTION",
                           path, ev.type);
            goto out;
        }
        if (!r->w && !is_header_event(ev.type)) {
            if ((rc = open_writer(r, name, &resume, err, errlen)))
                goto out;
            bv_decoder_resume_at(r->d, resume);
        }
        if ((rc = bv_decoder_event(r->d, &ev, err, errlen))) {
            if (!strstr(err, path) && !strstr(err, name)) {
                /* prefix the path: shift the message right in place */
                size_t pl = strlen(path) + 2, ml = strlen(err);
                if (pl + ml + 1 <= errlen) {
                    memmove(err + pl, err, ml + 1);
                    memcpy(err, path, pl - 2);
                    memcpy(err + pl - 2, ": ", 2);
                }
            }
            goto out;
        }
        at += ev.size;
        *done_bytes += ev.size;
        bv_progress_update(pg, r->appended, *done_bytes, total_bytes);
    }
    if (!r->w && (rc = open_writer(r, name, &resume, err, errlen)))
        goto out;
    rc = bv_decoder_end_file(r->d, m.n, next ? base_name(next) : NULL, err, errlen);
out:
    if (m.p)
        munmap(m.p, m.n);
    return rc;
}

int main(int argc, char **argv)
{
    run r;
    const char **files = calloc((size_t)argc, sizeof(*files));
    size_t nfiles = 0;
    int quiet = 0, status = 0;
    char err[2048] = "";
    memset(&r, 0, sizeof(r));
    bv_writer_opts_init(&r.wo);
    r.wo.compress_threads = 1;
    if (!files)
        return EXIT_FAIL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t x;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            free(files);
            return 0;
        } else if (!strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (!strcmp(a, "--archive") && v) {
            r.dir = v;
            i++;
        } else if (!strcmp(a, "--binlog-file") && v) {
            files[nfiles++] = v;
            i++;
        } else if (!strcmp(a, "--segment-size") && v && !parse_size(v, &x)) {
            r.wo.segment_size = x;
            i++;
        } else if (!strcmp(a, "--block-size") && v && !parse_size(v, &x) && x && x <= (256u << 20)) {
            r.wo.block_size = (size_t)x;
            i++;
        } else if (!strcmp(a, "--zstd-level") && v && !parse_size(v, &x) && x >= 1 && x <= 19) {
            r.wo.zstd_level = (int)x;
            i++;
        } else if (!strcmp(a, "--compress-threads") && v && !parse_size(v, &x) && x <= 1) {
            r.wo.compress_threads = (unsigned)x;
            i++;
        } else if (a[0] != '-') {
            files[nfiles++] = a;
        } else {
            fprintf(stderr, "binvault-archiver: bad option or missing value: %s\n", a);
            usage(stderr);
            free(files);
            return EXIT_USAGE;
        }
    }
    if (!r.dir || nfiles == 0) {
        fprintf(stderr, "binvault-archiver: --archive DIR and at least one binlog file are required "
                        "(live capture from a server is not available yet)\n");
        usage(stderr);
        free(files);
        return EXIT_USAGE;
    }
    uint64_t total = 0, done = 0;
    for (size_t i = 0; i < nfiles; i++) {
        struct stat st;
        if (stat(files[i], &st) == 0)
            total += (uint64_t)st.st_size;
    }
    r.d = bv_decoder_new(sink, &r);
    if (!r.d) {
        fprintf(stderr, "binvault-archiver: out of memory\n");
        free(files);
        return EXIT_FAIL;
    }
    bv_progress pg;
    bv_progress_init(&pg, "import");
    int rc = BV_OK;
    for (size_t i = 0; i < nfiles && rc == BV_OK; i++)
        rc = import_file(&r, files[i], i + 1 < nfiles ? files[i + 1] : NULL, &pg, &done, total, err, sizeof(err));
    bv_progress_done(&pg);
    if (rc) {
        fprintf(stderr, "binvault-archiver: %s\n", err);
        status = EXIT_FAIL;
    }
    int partial = bv_decoder_in_transaction(r.d);
    if (r.w) {
        char cerr[1024];
        if (bv_writer_close(r.w, cerr, sizeof(cerr))) {
            fprintf(stderr, "binvault-archiver: %s\n", cerr);
            status = EXIT_FAIL;
        }
        r.w = NULL;
        if (status || partial) {
            /* Reopening recovers the open segment to its last complete
             * transaction: nothing past it stays in the archive. */
            bv_writer *w = NULL;
            if (bv_writer_open(&w, r.dir, &r.wo, cerr, sizeof(cerr)) || bv_writer_close(w, cerr, sizeof(cerr))) {
                fprintf(stderr, "binvault-archiver: %s\n", cerr);
                status = EXIT_FAIL;
            }
        }
    }
    if (!quiet) {
        const bv_decoder_stats *st = bv_decoder_get_stats(r.d);
        uint64_t skipped = 0, unknown = 0;
        for (int t = 0; t < 256; t++) {
            skipped += st->skipped[t];
            unknown += st->unknown[t];
        }
        printf("binvault-archiver: %zu file(s), %llu binlog events, %llu bytes: %llu transactions, %llu rows; "
               "%llu events skipped knowingly, %llu of unknown types%s\n",
               nfiles, (unsigned long long)st->events, (unsigned long long)done, (unsigned long long)st->transactions,
               (unsigned long long)st->rows, (unsigned long long)skipped, (unsigned long long)unknown,
               partial ? "; the last transaction was incomplete and is not archived" : "");
    }
    bv_decoder_free(r.d);
    free(files);
    return status;
}
