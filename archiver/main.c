/* binvault-archiver: archive MySQL/MariaDB binlog events.
 *
 *   live capture:  binvault-archiver --archive DIR --host H [--port P] ...
 *   offline:       binvault-archiver --archive DIR FILE...
 *
 * Exit codes (README): 0 success or clean stop; 1 an error (the archive
 * then ends at the last complete transaction before it); 2 usage or
 * configuration error; 3 the server cannot continue the archive faithfully
 * (purged binlog, another source, non-ROW format).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "applog.h"
#include "binlog.h"
#include "binvault/archive.h"
#include "live.h"
#include "progress.h"

#define EXIT_FAIL BV_EXIT_FAIL
#define EXIT_USAGE BV_EXIT_USAGE

static void usage(FILE *f)
{
    fprintf(f,
            "usage: binvault-archiver --archive DIR --host HOST [--port PORT] [--user USER] [OPTIONS]\n"
            "       binvault-archiver --archive DIR --binlog-file FILE [--binlog-file FILE ...] [OPTIONS]\n"
            "       binvault-archiver --config FILE [OPTIONS]\n"
            "\n"
            "Live capture: connect to a MySQL/MariaDB server as a replica and append every row change to the\n"
            "archive DIR until stopped (SIGTERM/SIGINT finish the current block, fsync and exit 0; SIGHUP seals\n"
            "the open segment). A non-empty archive continues exactly where it ends.\n"
            "Offline import: decode binlog files, in the order given (each must end with a ROTATE to the next).\n"
            "Into a non-empty archive, files before the one it ends in are skipped as archived and that one\n"
            "continues at the archive's end, so the same command can run again (cron, after a failure).\n"
            "\n"
            "Archive options:\n"
            "  --archive DIR            archive directory (created if missing)\n"
            "  --segment-size BYTES     seal segments at about this size (default 256M; K/M/G suffixes)\n"
            "  --segment-age SECONDS    live: seal a segment this old at a transaction boundary (default 600; 0 = never)\n"
            "  --fsync-interval SECONDS live: an archived event is fsynced within this time (default 1)\n"
            "  --block-size BYTES       uncompressed bytes per block (default 1M)\n"
            "  --zstd-level N           zstd level 1..19; default 0: level 1 with 5-byte matches, tuned\n"
            "                           for row records (about level 3's size at level 1's speed)\n"
            "  --compress-threads N     0: compress blocks in the decoding thread; 1 (default): in a second\n"
            "                           thread (same archive bytes either way)\n"
            "  --file-mode MODE         octal permissions of new archive files (default 0640; owner rw needed)\n"
            "  --dir-mode MODE          octal permissions of a new archive directory (default 0750; owner rwx)\n"
            "Server (live capture):\n"
            "  --host HOST              server address (default 127.0.0.1)\n"
            "  --port PORT              default 3306\n"
            "  --socket PATH            Unix socket instead of TCP\n"
            "  --user USER              default root; needs REPLICATION SLAVE (and REPLICATION CLIENT)\n"
            "  --password-file FILE     the password is the file's first line; or set BINVAULT_PASSWORD\n"
            "  --ssl-mode MODE          disabled (default), required, verify-ca, verify-identity\n"
            "  --ssl-ca FILE, --ssl-cert FILE, --ssl-key FILE\n"
            "  --server-id N            replica server id (default: derived from host name and archive path)\n"
            "  --start WHERE            empty archive only: earliest (default: the oldest binlog on the server),\n"
            "                           now, or FILE:POS\n"
            "  --start-gtid SET         empty archive only: start after this GTID set (MariaDB)\n"
            "  --heartbeat SECONDS      server heartbeat when idle (default 1)\n"
            "  --retry-max SECONDS      cap of the reconnect backoff (default 30)\n"
            "  --connect-timeout SECONDS (default 10)\n"
            "  --stop-at-end            exit 0 once everything the server has logged is archived\n"
            "  --accept-non-row         archive even if binlog_format is not ROW (statements are not archived)\n"
            "  --allow-new-source       continue the archive from a different server (after a failover)\n"
            "  --status-file FILE       JSON status (position, GTID set, lag, rates), replaced atomically each second\n"
            "Offline import:\n"
            "  --binlog-file FILE       a binlog file to import (repeatable; plain arguments work too)\n"
            "General:\n"
            "  --config FILE            read options from FILE: one \"name = value\" per line, names as the long\n"
            "                           options without --, # starts a comment; the command line wins\n"
            "  --log-format text|json   (default text)\n"
            "  --log-level LEVEL        error, warn, info (default), debug\n"
            "  --quiet                  no summary on stdout (import)\n"
            "  --help\n"
            "\n"
            "Exit status: 0 success or a clean stop; 1 an error (the message names the file and offset; the\n"
            "archive keeps every transaction completed before it); 2 usage or configuration error; 3 the server\n"
            "cannot continue the archive (purged binlog, another source, binlog_format not ROW).\n");
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
    int no_names_warned;
    int positioned;       /* the import reached the archive's end position */
    size_t files_skipped; /* given files wholly inside the archive already */
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
static int open_writer(run *r, const char *file, char *err, size_t errlen)
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
    return BV_OK;
}

/* Binlog file names BASE.NNNNNN: the base's length and the number; 0 when
 * the name has no numeric extension. */
static int binlog_seq(const char *name, size_t len, size_t *base, uint64_t *num)
{
    const char *dot = memrchr(name, '.', len);
    if (!dot || dot + 1 == name + len || (size_t)(name + len - dot - 1) > 18)
        return 0;
    uint64_t n = 0;
    for (const char *p = dot + 1; p < name + len; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        n = n * 10 + (uint64_t)(*p - '0');
    }
    *base = (size_t)(dot - name);
    *num = n;
    return 1;
}

/* -1, 0, 1 as binlog file a comes before, is, or comes after b; 2 when
 * they are not of the same series (different base names). */
static int binlog_order(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t ab, bb;
    uint64_t an, bn;
    if (alen == blen && memcmp(a, b, alen) == 0)
        return 0;
    if (!binlog_seq(a, alen, &ab, &an) || !binlog_seq(b, blen, &bb, &bn) || ab != bb || memcmp(a, b, ab) != 0 ||
        an == bn)
        return 2;
    return an < bn ? -1 : 1;
}

/* Where the given file stands against the archive, at its first event that
 * is not a header: 0 = import it, from *resume on (the archive's end offset
 * when the archive ends in this file); 1 = it is wholly archived already
 * (before the archive's end file and not before its start): skip it; < 0 =
 * an error code: a file before the archive's start cannot be added, one
 * after its end would leave a gap. */
static int position_file(run *r, const char *file, uint64_t *resume, char *err, size_t errlen)
{
    bv_str ef;
    uint64_t eo;
    size_t flen = strlen(file);
    bv_writer_end(r->w, &ef, &eo);
    *resume = 0;
    int ord = binlog_order(file, flen, ef.ptr, ef.len);
    if (ord != 0 && ord != -1)
        return bv_seterr(err, errlen, BV_E_INVAL,
                         "%s: the archive ends at %.*s:%llu; import %.*s (or continue from it), not %s", r->dir,
                         (int)ef.len, ef.ptr, (unsigned long long)eo, (int)ef.len, ef.ptr, file);
    /* a file of the same name from another server is not this archive's */
    const bv_writer_found *a = bv_writer_existing(r->w);
    uint32_t sid = bv_decoder_file_server_id(r->d);
    int rc;
    if (a->found && a->source.server_id && sid && sid != a->source.server_id) {
        rc = bv_seterr(err, errlen, BV_E_INVAL,
                       "%s: %s was written by server id %u, the archive's last segment by server id %u: not the "
                       "binlog of the server this archive holds",
                       r->dir, file, sid, a->source.server_id);
    } else if (ord == 0) {
        if (eo > 4)
            *resume = eo;
        rc = 0;
    } else if (a->found && binlog_order(file, flen, a->start_file.ptr, a->start_file.len) != -1) {
        rc = 1; /* between the archive's start and its end file: archived */
    } else if (a->found) {
        rc = bv_seterr(err, errlen, BV_E_INVAL,
                       "%s: %s comes before the archive's start (%.*s:%llu): it is not archived, and an archive "
                       "only grows at its end; import it into another archive",
                       r->dir, file, (int)a->start_file.len, a->start_file.ptr, (unsigned long long)a->start_offset);
    } else {
        rc = bv_seterr(err, errlen, BV_E_INVAL, "%s: the archive has no segment to check %s against", r->dir, file);
    }
    return rc;
}

/* Open the writer if needed and place this file against the archive (see
 * position_file): 0 = go on, 1 = skip the file, < 0 an error code. */
static int place_file(run *r, const char *file, char *err, size_t errlen)
{
    uint64_t resume;
    int rc;
    if (!r->w && (rc = open_writer(r, file, err, errlen)))
        return rc;
    if ((rc = position_file(r, file, &resume, err, errlen)) < 0)
        return rc;
    if (rc == 1) {
        r->files_skipped++;
        return 1;
    }
    bv_decoder_resume_at(r->d, resume);
    r->positioned = 1;
    return 0;
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
    int place;
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
        if (!r->positioned && !is_header_event(ev.type)) {
            if ((place = place_file(r, name, err, errlen)) < 0) {
                rc = place;
                goto out;
            }
            if (place == 1) { /* already archived */
                *done_bytes += m.n - at;
                goto out;
            }
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
    if (!r->positioned) { /* a file of header events only */
        if ((place = place_file(r, name, err, errlen)) < 0) {
            rc = place;
            goto out;
        }
        if (place == 1)
            goto out;
    }
    rc = bv_decoder_end_file(r->d, m.n, next ? base_name(next) : NULL, err, errlen);
out:
    if (m.p)
        munmap(m.p, m.n);
    return rc;
}

/* ------------------------------------------------------------ options */

static int import_main(run *rp, const char **files, size_t nfiles, int quiet, char *err, size_t errlen);

typedef struct cfg {
    run r;
    bv_live_opts lo;
    const char **files;
    size_t nfiles, capfiles;
    int quiet, log_json, log_level, live;
    const char *password_file;
    char *strs[256];             /* strings read from the config file */
    size_t nstrs;
} cfg;

static const struct {
    const char *name;
    int flag; /* takes no value on the command line */
} options[] = {
    {"archive", 0},        {"binlog-file", 0},     {"segment-size", 0}, {"segment-age", 0},
    {"fsync-interval", 0}, {"block-size", 0},      {"zstd-level", 0},   {"compress-threads", 0},
    {"host", 0},           {"port", 0},            {"socket", 0},       {"user", 0},
    {"password-file", 0},  {"ssl-mode", 0},        {"ssl-ca", 0},       {"ssl-cert", 0},
    {"ssl-key", 0},        {"server-id", 0},       {"start", 0},        {"start-gtid", 0},
    {"heartbeat", 0},      {"retry-max", 0},       {"connect-timeout", 0}, {"status-file", 0},
    {"log-format", 0},     {"log-level", 0},       {"stop-at-end", 1},  {"accept-non-row", 1},
    {"allow-new-source", 1}, {"quiet", 1},     {"file-mode", 0},    {"dir-mode", 0},
};

/* An octal permission mode without set-id or sticky bits (e.g. 0640). */
static int parse_mode(const char *v, unsigned *mode)
{
    char *end;
    errno = 0;
    unsigned long m = strtoul(v, &end, 8);
    if (errno || end == v || *end || m > 0777)
        return -1;
    *mode = (unsigned)m;
    return 0;
}

static int parse_seconds(const char *s, double *v)
{
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (errno || end == s || *end || !(x >= 0) || x > 1e9)
        return -1;
    *v = x;
    return 0;
}

static int parse_bool(const char *s, int *v)
{
    if (!strcmp(s, "1") || !strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on"))
        *v = 1;
    else if (!strcmp(s, "0") || !strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off"))
        *v = 0;
    else
        return -1;
    return 0;
}

/* Apply option name = val (val "1" for a flag given on the command line).
 * where names the source for messages. 0, or -1 after printing why. */
static int set_opt(cfg *c, const char *name, const char *val, const char *where)
{
    uint64_t x;
    double d;
    unsigned mode;
    int b;
    bv_live_opts *lo = &c->lo;
    if (!strcmp(name, "archive")) {
        c->r.dir = lo->archive = val;
    } else if (!strcmp(name, "binlog-file")) {
        if (c->nfiles == c->capfiles) {
            size_t cap = c->capfiles ? c->capfiles * 2 : 16;
            const char **n = realloc(c->files, cap * sizeof(*n));
            if (!n)
                goto bad;
            c->files = n;
            c->capfiles = cap;
        }
        c->files[c->nfiles++] = val;
    } else if (!strcmp(name, "segment-size") && !parse_size(val, &x)) {
        c->r.wo.segment_size = lo->wo.segment_size = x;
    } else if (!strcmp(name, "segment-age") && !parse_seconds(val, &d)) {
        lo->segment_age = d;
    } else if (!strcmp(name, "fsync-interval") && !parse_seconds(val, &d)) {
        lo->fsync_interval = d;
    } else if (!strcmp(name, "block-size") && !parse_size(val, &x) && x && x <= (256u << 20)) {
        c->r.wo.block_size = lo->wo.block_size = (size_t)x;
    } else if (!strcmp(name, "zstd-level") && !parse_size(val, &x) && x <= 19) {
        c->r.wo.zstd_level = lo->wo.zstd_level = (int)x;
    } else if (!strcmp(name, "compress-threads") && !parse_size(val, &x) && x <= 1) {
        c->r.wo.compress_threads = lo->wo.compress_threads = (unsigned)x;
    } else if (!strcmp(name, "file-mode") && !parse_mode(val, &mode) && (mode & 0600) == 0600) {
        c->r.wo.file_mode = lo->wo.file_mode = mode;
    } else if (!strcmp(name, "dir-mode") && !parse_mode(val, &mode) && (mode & 0700) == 0700) {
        c->r.wo.dir_mode = lo->wo.dir_mode = mode;
    } else if (!strcmp(name, "host")) {
        lo->host = val;
        c->live = 1;
    } else if (!strcmp(name, "port") && !parse_size(val, &x) && x >= 1 && x <= 65535) {
        lo->port = (unsigned)x;
        c->live = 1;
    } else if (!strcmp(name, "socket")) {
        lo->socket = val;
        c->live = 1;
    } else if (!strcmp(name, "user")) {
        lo->user = val;
    } else if (!strcmp(name, "password-file")) {
        c->password_file = val;
    } else if (!strcmp(name, "ssl-mode") && (!strcmp(val, "disabled") || !strcmp(val, "required") ||
                                             !strcmp(val, "verify-ca") || !strcmp(val, "verify-identity"))) {
        lo->ssl_mode = val;
    } else if (!strcmp(name, "ssl-ca")) {
        lo->ssl_ca = val;
    } else if (!strcmp(name, "ssl-cert")) {
        lo->ssl_cert = val;
    } else if (!strcmp(name, "ssl-key")) {
        lo->ssl_key = val;
    } else if (!strcmp(name, "server-id") && !parse_size(val, &x) && x >= 1 && x <= UINT32_MAX) {
        lo->server_id = (uint32_t)x;
    } else if (!strcmp(name, "start")) {
        lo->start = val;
    } else if (!strcmp(name, "start-gtid")) {
        lo->start_gtid = val;
    } else if (!strcmp(name, "heartbeat") && !parse_seconds(val, &d) && d >= 0.01 && d <= 4294) {
        lo->heartbeat = d;
    } else if (!strcmp(name, "retry-max") && !parse_seconds(val, &d) && d >= 0.1) {
        lo->retry_max = d;
    } else if (!strcmp(name, "connect-timeout") && !parse_seconds(val, &d) && d >= 1) {
        lo->connect_timeout = d;
    } else if (!strcmp(name, "status-file")) {
        lo->status_file = val;
    } else if (!strcmp(name, "log-format") && (!strcmp(val, "text") || !strcmp(val, "json"))) {
        c->log_json = !strcmp(val, "json");
    } else if (!strcmp(name, "log-level") && bv_log_level_parse(val) >= 0) {
        c->log_level = bv_log_level_parse(val);
    } else if (!strcmp(name, "stop-at-end") && !parse_bool(val, &b)) {
        lo->stop_at_end = b;
    } else if (!strcmp(name, "accept-non-row") && !parse_bool(val, &b)) {
        lo->accept_non_row = b;
    } else if (!strcmp(name, "allow-new-source") && !parse_bool(val, &b)) {
        lo->allow_new_source = b;
    } else if (!strcmp(name, "quiet") && !parse_bool(val, &b)) {
        c->quiet = b;
    } else {
        goto bad;
    }
    return 0;
bad:
    fprintf(stderr, "binvault-archiver: %s: invalid value for %s: %s\n", where, name, val);
    return -1;
}

static int known_option(const char *name, int *flag)
{
    for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
        if (!strcmp(options[i].name, name)) {
            *flag = options[i].flag;
            return 1;
        }
    return 0;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = 0;
    return s;
}

static int load_config(cfg *c, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[4096], where[4200];
    int lineno = 0, rc = 0;
    if (!f) {
        fprintf(stderr, "binvault-archiver: --config %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        lineno++;
        snprintf(where, sizeof(where), "%s:%d", path, lineno);
        char *l = trim(line);
        if (!*l || *l == '#')
            continue;
        char *eq = strchr(l, '=');
        int flag;
        if (!eq) {
            fprintf(stderr, "binvault-archiver: %s: expected \"name = value\"\n", where);
            rc = -1;
            break;
        }
        *eq = 0;
        char *k = trim(l), *v = trim(eq + 1);
        size_t vn = strlen(v);
        if (vn >= 2 && (v[0] == '"' || v[0] == '\'') && v[vn - 1] == v[0]) {
            v[vn - 1] = 0;
            v++;
        }
        if (!known_option(k, &flag)) {
            fprintf(stderr, "binvault-archiver: %s: unknown option %s%s\n", where, k,
                    !strcmp(k, "password") ? " (use password-file, or the BINVAULT_PASSWORD environment variable)" : "");
            rc = -1;
            break;
        }
        if (c->nstrs == sizeof(c->strs) / sizeof(c->strs[0]) || !(c->strs[c->nstrs] = strdup(v))) {
            fprintf(stderr, "binvault-archiver: %s: too many options\n", where);
            rc = -1;
            break;
        }
        rc = set_opt(c, k, c->strs[c->nstrs++], where);
    }
    fclose(f);
    return rc;
}

/* The password: --password-file's first line, else BINVAULT_PASSWORD. */
static int read_password(cfg *c, char *buf, size_t len)
{
    buf[0] = 0;
    if (c->password_file) {
        FILE *f = fopen(c->password_file, "r");
        if (!f) {
            bv_log(BV_LOG_ERROR, "--password-file %s: %s", c->password_file, strerror(errno));
            return -1;
        }
        if (!fgets(buf, (int)len, f))
            buf[0] = 0;
        fclose(f);
        buf[strcspn(buf, "\r\n")] = 0;
        c->lo.password = buf;
    } else if (getenv("BINVAULT_PASSWORD")) {
        snprintf(buf, len, "%s", getenv("BINVAULT_PASSWORD"));
        c->lo.password = buf;
    }
    return 0;
}

static int parse_args(cfg *c, int argc, char **argv)
{
    /* the config file first, so that the command line overrides it */
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--config")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "binvault-archiver: --config needs a file\n");
                return -1;
            }
            if (load_config(c, argv[i + 1]))
                return -1;
        }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int flag;
        if (!strcmp(a, "--config")) {
            i++;
            continue;
        }
        if (a[0] != '-') {
            if (set_opt(c, "binlog-file", a, "argument"))
                return -1;
            continue;
        }
        if (!strcmp(a, "--password") || !strncmp(a, "--password=", 11)) {
            fprintf(stderr, "binvault-archiver: --password is not accepted (it would be visible to every user "
                            "in the process list): use --password-file FILE or BINVAULT_PASSWORD\n");
            return -1;
        }
        if (strncmp(a, "--", 2) != 0 || !known_option(a + 2, &flag)) {
            fprintf(stderr, "binvault-archiver: unknown option: %s\n", a);
            return -1;
        }
        if (flag) {
            if (set_opt(c, a + 2, "1", "command line"))
                return -1;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "binvault-archiver: %s needs a value\n", a);
            return -1;
        }
        if (set_opt(c, a + 2, argv[++i], "command line"))
            return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    cfg c;
    int status = 0;
    char err[2048] = "", password[1024];
    memset(&c, 0, sizeof(c));
    bv_writer_opts_init(&c.r.wo);
    c.r.wo.compress_threads = 1;
    bv_live_opts_init(&c.lo);
    c.log_level = BV_LOG_INFO;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
    if (parse_args(&c, argc, argv)) {
        usage(stderr);
        status = EXIT_USAGE;
        goto done;
    }
    bv_log_setup(c.log_json, c.log_level);
    if (!c.r.dir) {
        fprintf(stderr, "binvault-archiver: --archive DIR is required\n");
        usage(stderr);
        status = EXIT_USAGE;
        goto done;
    }
    if (c.nfiles && c.live) {
        fprintf(stderr, "binvault-archiver: give either binlog files (offline import) or a server (--host, --port, "
                        "--socket), not both\n");
        status = EXIT_USAGE;
        goto done;
    }
    if (!c.nfiles) {
        if (read_password(&c, password, sizeof(password))) {
            status = EXIT_USAGE;
            goto done;
        }
        if (c.lo.start && c.lo.start_gtid) {
            bv_log(BV_LOG_ERROR, "--start and --start-gtid exclude each other");
            status = EXIT_USAGE;
            goto done;
        }
        c.lo.progress = !c.quiet;
        status = bv_live_run(&c.lo);
        memset(password, 0, sizeof(password));
        goto done;
    }
    status = import_main(&c.r, c.files, c.nfiles, c.quiet, err, sizeof(err));
done:
    for (size_t i = 0; i < c.nstrs; i++)
        free(c.strs[i]);
    free(c.files);
    return status;
}

static int import_main(run *rp, const char **files, size_t nfiles, int quiet, char *err, size_t errlen)
{
    run r = *rp;
    int status = 0;
    uint64_t total = 0, done = 0;
    for (size_t i = 0; i < nfiles; i++) {
        struct stat st;
        if (stat(files[i], &st) == 0)
            total += (uint64_t)st.st_size;
    }
    r.d = bv_decoder_new(sink, &r);
    if (!r.d) {
        fprintf(stderr, "binvault-archiver: out of memory\n");
        return EXIT_FAIL;
    }
    bv_progress pg;
    bv_progress_init(&pg, "import");
    int rc = BV_OK;
    for (size_t i = 0; i < nfiles && rc == BV_OK; i++)
        rc = import_file(&r, files[i], i + 1 < nfiles ? files[i + 1] : NULL, &pg, &done, total, err, errlen);
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
        char skipped_files[96] = "";
        if (r.files_skipped)
            snprintf(skipped_files, sizeof(skipped_files), " (%zu already archived: skipped)", r.files_skipped);
        printf("binvault-archiver: %zu file(s)%s, %llu binlog events, %llu bytes: %llu transactions, %llu rows; "
               "%llu events skipped knowingly, %llu of unknown types%s\n",
               nfiles, skipped_files, (unsigned long long)st->events, (unsigned long long)done, (unsigned long long)st->transactions,
               (unsigned long long)st->rows, (unsigned long long)skipped, (unsigned long long)unknown,
               partial ? "; the last transaction was incomplete and is not archived" : "");
    }
    bv_decoder_free(r.d);
    return status;
}
