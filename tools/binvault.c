/* binvault — list, verify, print and summarise binvault archives.
 *
 * Exit codes: 0 success (verify: clean), 1 the archive has a problem or an
 * operation failed, 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "binvault/archive.h"
#include "binvault/error.h"
#include "binvault/event.h"
#include "bytes.h"
#include "jsonl.h"
#include "progress.h"

#define EXIT_PROBLEM 1
#define EXIT_USAGE 2

static const char *prog = "binvault";

static void usage_main(FILE *f)
{
    fprintf(f,
            "usage: binvault COMMAND [OPTIONS] DIR ...\n"
            "\n"
            "Commands:\n"
            "  ls DIR               one line per segment: name, state, positions, times, events, bytes, ratio, GTIDs\n"
            "  verify DIR [SEG...]  check every checksum and structural rule; exit 0 only when clean\n"
            "  cat DIR              print events as JSON lines (--from/--to FILE:POS, --since/--until TIME)\n"
            "  stat DIR             totals for the whole archive\n"
            "\n"
            "Run 'binvault COMMAND --help' for a command's options.\n"
            "Exit status: 0 success, 1 problem found or operation failed, 2 usage error.\n");
}

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-')
        return -1;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *v = x;
    return 0;
}

/* FILE:POS (split at the last colon). */
static int parse_pos(const char *s, bv_str *file, uint64_t *off)
{
    const char *c = strrchr(s, ':');
    if (!c || c == s || parse_u64(c + 1, off))
        return -1;
    file->ptr = s;
    file->len = (size_t)(c - s);
    return 0;
}

static int64_t days_from_civil(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int64_t)era * 146097 + (int64_t)doe - 719468;
}

/* ISO-8601 UTC time "YYYY-MM-DD[(T| )HH:MM[:SS[.ffffff]]][Z]" or "@UNIXSECONDS". */
static int parse_time(const char *s, uint64_t *us)
{
    if (s[0] == '@') {
        uint64_t secs;
        if (parse_u64(s + 1, &secs) || secs > UINT64_MAX / 1000000u)
            return -1;
        *us = secs * 1000000u;
        return 0;
    }
    int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
    unsigned frac = 0, fdig = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
        return -1;
    const char *p = s + n;
    if (*p == 'T' || *p == ' ') {
        int k = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &k) != 2 || k != 5)
            return -1;
        p += 1 + k;
        if (*p == ':') {
            if (sscanf(p + 1, "%2d%n", &sec, &k) != 1 || k != 2)
                return -1;
            p += 1 + k;
            if (*p == '.') {
                p++;
                while (*p >= '0' && *p <= '9') {
                    if (fdig < 6) {
                        frac = frac * 10 + (unsigned)(*p - '0');
                        fdig++;
                    }
                    p++;
                }
                while (fdig < 6) {
                    frac *= 10;
                    fdig++;
                }
            }
        }
    }
    if (*p == 'Z')
        p++;
    if (*p || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return -1;
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    *us = ((uint64_t)days * 86400u + (uint64_t)h * 3600u + (uint64_t)mi * 60u + (uint64_t)sec) * 1000000u + frac;
    return 0;
}

static void fmt_time(char *out, size_t n, uint64_t us)
{
    if (!us) {
        snprintf(out, n, "-");
        return;
    }
    time_t t = (time_t)(us / 1000000u);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void fmt_bytes(char *out, size_t n, uint64_t b)
{
    if (b >= (1ull << 30))
        snprintf(out, n, "%.1fG", (double)b / (double)(1ull << 30));
    else if (b >= (1ull << 20))
        snprintf(out, n, "%.1fM", (double)b / (double)(1ull << 20));
    else if (b >= 1024)
        snprintf(out, n, "%.1fK", (double)b / 1024.0);
    else
        snprintf(out, n, "%lluB", (unsigned long long)b);
}

static int want_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    return 0;
}

/* ------------------------------------------------------------ ls */

static int cmd_ls(int argc, char **argv)
{
    const char *help = "usage: binvault ls [--json] DIR\n"
                       "One line per segment: name, state (sealed/open), start and end position, first and last\n"
                       "event time (UTC), events, bytes on disk, compression ratio, start -> end GTID set.\n";
    int json = 0;
    if (want_help(argc, argv)) {
        fputs(help, stdout);
        return 0;
    }
    int i = 1;
    if (i < argc && !strcmp(argv[i], "--json")) {
        json = 1;
        i++;
    }
    if (argc - i != 1) {
        fprintf(stderr, "%s ls: expected one archive directory\n%s", prog, help);
        return EXIT_USAGE;
    }
    const char *dir = argv[i];
    char err[1024];
    bv_archive *a = NULL;
    int rc = bv_archive_open(&a, dir, err, sizeof(err));
    if (rc) {
        fprintf(stderr, "%s ls: %s\n", prog, err);
        return EXIT_PROBLEM;
    }
    int status = 0;
    bv_buf b;
    bv_buf_init(&b);
    if (!json && bv_archive_count(a))
        printf("%-50s %-6s %-28s %-28s %-20s %-20s %10s %8s %6s %s\n", "SEGMENT", "STATE", "START", "END",
               "FIRST", "LAST", "EVENTS", "BYTES", "RATIO", "GTID");
    for (size_t k = 0; k < bv_archive_count(a); k++) {
        const bv_segment_info *s = bv_archive_segment(a, k);
        if (s->problem) {
            fprintf(stderr, "%s ls: %s: %s\n", prog, s->name, s->problem);
            status = EXIT_PROBLEM;
            if (!json)
                printf("%-50s %-6s %s\n", s->name, "BAD", s->problem);
            continue;
        }
        char first[32], last[32], bytes[16], start[300], end[300];
        fmt_time(first, sizeof(first), s->min_ts_us);
        fmt_time(last, sizeof(last), s->max_ts_us);
        fmt_bytes(bytes, sizeof(bytes), s->file_bytes);
        snprintf(start, sizeof(start), "%.*s:%llu", (int)s->start_file.len, s->start_file.ptr,
                 (unsigned long long)s->start_offset);
        snprintf(end, sizeof(end), "%.*s:%llu", (int)s->end_file.len, s->end_file.ptr,
                 (unsigned long long)s->end_offset);
        double ratio = s->file_bytes ? (double)s->raw_bytes / (double)s->file_bytes : 0;
        if (json) {
            bv_buf_reset(&b);
            bv_buf_put(&b, "{\"segment\":", 11);
            bv_json_string(&b, s->name, strlen(s->name));
            char tmp[512];
            snprintf(tmp, sizeof(tmp), ",\"state\":\"%s\",\"seq\":%llu,\"start\":", s->sealed ? "sealed" : "open",
                     (unsigned long long)s->seq);
            bv_buf_put(&b, tmp, strlen(tmp));
            bv_json_string(&b, start, strlen(start));
            bv_buf_put(&b, ",\"end\":", 7);
            bv_json_string(&b, end, strlen(end));
            snprintf(tmp, sizeof(tmp),
                     ",\"first_ts\":\"%s\",\"last_ts\":\"%s\",\"events\":%llu,\"blocks\":%u,\"bytes\":%llu,"
                     "\"raw_bytes\":%llu,\"torn_bytes\":%llu,\"start_gtid\":",
                     first, last, (unsigned long long)s->events, s->blocks, (unsigned long long)s->file_bytes,
                     (unsigned long long)s->raw_bytes, (unsigned long long)s->torn_bytes);
            bv_buf_put(&b, tmp, strlen(tmp));
            bv_json_string(&b, s->start_gtid_set.ptr ? s->start_gtid_set.ptr : "", s->start_gtid_set.len);
            bv_buf_put(&b, ",\"end_gtid\":", 12);
            bv_json_string(&b, s->end_gtid_set.ptr ? s->end_gtid_set.ptr : "", s->end_gtid_set.len);
            static const char *const flavors[] = {"none", "mysql", "mariadb"};
            snprintf(tmp, sizeof(tmp), ",\"source\":{\"flavor\":\"%s\",\"server_id\":%u,\"server_uuid\":",
                     s->source.flavor <= 2 ? flavors[s->source.flavor] : "?", s->source.server_id);
            bv_buf_put(&b, tmp, strlen(tmp));
            bv_json_string(&b, s->source.server_uuid.ptr ? s->source.server_uuid.ptr : "", s->source.server_uuid.len);
            bv_buf_put(&b, ",\"server_version\":", 18);
            bv_json_string(&b, s->source.server_version.ptr ? s->source.server_version.ptr : "",
                           s->source.server_version.len);
            bv_buf_put(&b, "}}\n", 3);
            fwrite(b.data, 1, b.len, stdout);
        } else {
            printf("%-50s %-6s %-28s %-28s %-20s %-20s %10llu %8s %5.1fx %.*s -> %.*s\n", s->name,
                   s->sealed ? "sealed" : "open", start, end, first, last, (unsigned long long)s->events, bytes,
                   ratio, (int)s->start_gtid_set.len, s->start_gtid_set.ptr ? s->start_gtid_set.ptr : "",
                   (int)s->end_gtid_set.len, s->end_gtid_set.ptr ? s->end_gtid_set.ptr : "");
            if (s->torn_bytes)
                printf("  (open segment: %llu bytes after the last complete block)\n",
                       (unsigned long long)s->torn_bytes);
        }
    }
    if (!json && bv_archive_count(a) == 0)
        printf("%s: no segments\n", dir);
    bv_buf_release(&b);
    bv_archive_free(a);
    return status;
}

/* ------------------------------------------------------------ verify */

typedef struct vctx {
    bv_progress prog;
    int quiet;
} vctx;

static void on_problem(void *ctx, const char *file, uint64_t off, int code, const char *msg)
{
    vctx *v = ctx;
    bv_progress_done(&v->prog);
    if (code == BV_OK) {
        if (!v->quiet)
            printf("note: %s: %s\n", file, msg);
        return;
    }
    if (off != UINT64_MAX)
        printf("%s: offset %llu: %s\n", file, (unsigned long long)off, msg);
    else
        printf("%s: %s\n", file, msg);
}

static void on_progress(void *ctx, const bv_verify_stats *st)
{
    vctx *v = ctx;
    bv_progress_update(&v->prog, st->events, st->bytes, st->total_bytes);
}

static int cmd_verify(int argc, char **argv)
{
    const char *help = "usage: binvault verify [--quiet] DIR [SEGMENT...]\n"
                       "Check every checksum and structural rule of the archive (or of the named segments):\n"
                       "header, each block's checksum, metadata and records, transaction structure, footer and\n"
                       "trailer, and that each segment starts where the previous one ended. Prints one line per\n"
                       "problem with the file and byte offset. Exit 0 only when clean, 1 otherwise.\n";
    if (want_help(argc, argv)) {
        fputs(help, stdout);
        return 0;
    }
    vctx v;
    memset(&v, 0, sizeof(v));
    int i = 1;
    if (i < argc && !strcmp(argv[i], "--quiet")) {
        v.quiet = 1;
        i++;
    }
    if (argc - i < 1) {
        fprintf(stderr, "%s verify: expected an archive directory\n%s", prog, help);
        return EXIT_USAGE;
    }
    const char *dir = argv[i++];
    bv_progress_init(&v.prog, "verify");
    bv_verify_cb cb = {on_problem, on_progress, &v};
    bv_verify_stats st;
    char err[1024] = "";
    int rc = bv_archive_verify(dir, argc > i ? (const char *const *)&argv[i] : NULL, (size_t)(argc - i), &cb, &st,
                               err, sizeof(err));
    bv_progress_done(&v.prog);
    if (rc != BV_OK && rc != BV_E_CORRUPT) {
        fprintf(stderr, "%s verify: %s\n", prog, err);
        return EXIT_PROBLEM;
    }
    printf("%s: %llu segments, %llu blocks, %llu events, %llu bytes: %s", dir, (unsigned long long)st.segments,
           (unsigned long long)st.blocks, (unsigned long long)st.events, (unsigned long long)st.bytes,
           st.problems ? "" : "clean\n");
    if (st.problems)
        printf("%llu problem%s\n", (unsigned long long)st.problems, st.problems == 1 ? "" : "s");
    return st.problems ? EXIT_PROBLEM : 0;
}

/* ------------------------------------------------------------ cat */

/* errno of a failed fwrite to stdout (stdio may clear errno before main sees it) */
static int g_write_errno;

static int cmd_cat(int argc, char **argv)
{
    const char *help =
        "usage: binvault cat DIR [--from FILE:POS] [--to FILE:POS] [--since TIME] [--until TIME] [--limit N]\n"
        "Print events as JSON lines, one object per event, with type, position (file, offset, row), time and\n"
        "values. --from is inclusive and --to exclusive, both within one binlog file; TIME is UTC ISO-8601\n"
        "(2026-01-01T12:00:00Z, fractions allowed) or @UNIXSECONDS; --since is inclusive, --until exclusive.\n";
    static const struct option opts[] = {
        {"from", required_argument, 0, 'f'}, {"to", required_argument, 0, 't'},
        {"since", required_argument, 0, 's'}, {"until", required_argument, 0, 'u'},
        {"limit", required_argument, 0, 'n'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    bv_range range;
    uint64_t limit = UINT64_MAX;
    memset(&range, 0, sizeof(range));
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (parse_pos(optarg, &range.from_file, &range.from_offset)) {
                fprintf(stderr, "%s cat: --from '%s': expected FILE:POS\n", prog, optarg);
                return EXIT_USAGE;
            }
            range.has_from = 1;
            break;
        case 't':
            if (parse_pos(optarg, &range.to_file, &range.to_offset)) {
                fprintf(stderr, "%s cat: --to '%s': expected FILE:POS\n", prog, optarg);
                return EXIT_USAGE;
            }
            range.has_to = 1;
            break;
        case 's':
            if (parse_time(optarg, &range.since_us)) {
                fprintf(stderr, "%s cat: --since '%s': expected YYYY-MM-DDTHH:MM:SS[.ffffff]Z or @SECONDS\n", prog,
                        optarg);
                return EXIT_USAGE;
            }
            range.has_since = 1;
            break;
        case 'u':
            if (parse_time(optarg, &range.until_us)) {
                fprintf(stderr, "%s cat: --until '%s': expected YYYY-MM-DDTHH:MM:SS[.ffffff]Z or @SECONDS\n", prog,
                        optarg);
                return EXIT_USAGE;
            }
            range.has_until = 1;
            break;
        case 'n':
            if (parse_u64(optarg, &limit)) {
                fprintf(stderr, "%s cat: --limit '%s': expected a number\n", prog, optarg);
                return EXIT_USAGE;
            }
            break;
        case 'h':
            fputs(help, stdout);
            return 0;
        default:
            fputs(help, stderr);
            return EXIT_USAGE;
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "%s cat: expected one archive directory\n%s", prog, help);
        return EXIT_USAGE;
    }
    const char *dir = argv[optind];
    char err[1024];
    bv_reader *r = NULL;
    int rc = bv_reader_open(&r, dir, &range, err, sizeof(err));
    if (rc) {
        fprintf(stderr, "%s cat: %s\n", prog, err);
        return EXIT_PROBLEM;
    }
    bv_progress p;
    bv_progress_init(&p, "cat");
    if (isatty(STDOUT_FILENO))
        p.enabled = 0; /* the events themselves are the progress */
    bv_buf b;
    bv_buf_init(&b);
    uint64_t n = 0, bytes = 0;
    int status = 0;
    const bv_event *ev;
    while (n < limit && (rc = bv_reader_next(r, &ev, err, sizeof(err))) == 1) {
        bv_json_event(&b, ev);
        bv_buf_put_u8(&b, '\n');
        n++;
        if (b.len >= (1u << 16)) {
            if (fwrite(b.data, 1, b.len, stdout) != b.len) {
                g_write_errno = errno;
                break; /* main reports the write error */
            }
            bytes += b.len;
            bv_buf_reset(&b);
            bv_progress_update(&p, n, bytes, 0);
        }
    }
    if (b.len && fwrite(b.data, 1, b.len, stdout) != b.len)
        g_write_errno = errno;
    bv_progress_done(&p);
    if (rc < 0) {
        fflush(stdout);
        fprintf(stderr, "%s cat: %s\n", prog, err);
        status = EXIT_PROBLEM;
    }
    bv_buf_release(&b);
    bv_reader_free(r);
    return status;
}

/* ------------------------------------------------------------ stat */

static int cmd_stat(int argc, char **argv)
{
    const char *help = "usage: binvault stat DIR\n"
                       "Totals for the archive: segments, events by type, bytes on disk and uncompressed,\n"
                       "time range, start and end position and GTID sets.\n";
    if (want_help(argc, argv)) {
        fputs(help, stdout);
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "%s stat: expected one archive directory\n%s", prog, help);
        return EXIT_USAGE;
    }
    char err[1024];
    bv_archive *a = NULL;
    if (bv_archive_open(&a, argv[1], err, sizeof(err))) {
        fprintf(stderr, "%s stat: %s\n", prog, err);
        return EXIT_PROBLEM;
    }
    uint64_t counts[BV_EV_TYPE_MAX + 1] = {0}, events = 0, bytes = 0, raw = 0, min_ts = 0, max_ts = 0;
    size_t nsealed = 0, nopen = 0, nbad = 0, n = bv_archive_count(a);
    const bv_segment_info *first = NULL, *last = NULL;
    for (size_t i = 0; i < n; i++) {
        const bv_segment_info *s = bv_archive_segment(a, i);
        if (s->problem) {
            nbad++;
            fprintf(stderr, "%s stat: %s: %s\n", prog, s->name, s->problem);
            continue;
        }
        s->sealed ? nsealed++ : nopen++;
        if (!first)
            first = s;
        last = s;
        events += s->events;
        bytes += s->file_bytes;
        raw += s->raw_bytes;
        for (int t = 1; t <= BV_EV_TYPE_MAX; t++)
            counts[t] += s->counts[t];
        if (s->events && (!min_ts || s->min_ts_us < min_ts))
            min_ts = s->min_ts_us;
        if (s->max_ts_us > max_ts)
            max_ts = s->max_ts_us;
    }
    char t1[32], t2[32];
    fmt_time(t1, sizeof(t1), min_ts);
    fmt_time(t2, sizeof(t2), max_ts);
    printf("archive:      %s\n", argv[1]);
    printf("segments:     %zu (%zu sealed, %zu open%s)\n", n, nsealed, nopen, nbad ? ", some unreadable" : "");
    printf("events:       %llu\n", (unsigned long long)events);
    for (int t = 1; t <= BV_EV_TYPE_MAX; t++)
        printf("  %-10s  %llu\n", bv_event_type_name(t), (unsigned long long)counts[t]);
    printf("bytes:        %llu on disk, %llu uncompressed (%.2fx)\n", (unsigned long long)bytes,
           (unsigned long long)raw, bytes ? (double)raw / (double)bytes : 0.0);
    printf("time range:   %s .. %s\n", t1, t2);
    if (first) {
        printf("start:        %.*s:%llu\n", (int)first->start_file.len, first->start_file.ptr,
               (unsigned long long)first->start_offset);
        printf("end:          %.*s:%llu\n", (int)last->end_file.len, last->end_file.ptr,
               (unsigned long long)last->end_offset);
        printf("start GTIDs:  %.*s\n", (int)first->start_gtid_set.len,
               first->start_gtid_set.ptr ? first->start_gtid_set.ptr : "");
        printf("end GTIDs:    %.*s\n", (int)last->end_gtid_set.len, last->end_gtid_set.ptr ? last->end_gtid_set.ptr : "");
    }
    bv_archive_free(a);
    return nbad ? EXIT_PROBLEM : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage_main(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage_main(stdout);
        return 0;
    }
    int status = -1;
    if (!strcmp(cmd, "ls"))
        status = cmd_ls(argc - 1, argv + 1);
    else if (!strcmp(cmd, "verify"))
        status = cmd_verify(argc - 1, argv + 1);
    else if (!strcmp(cmd, "cat"))
        status = cmd_cat(argc - 1, argv + 1);
    else if (!strcmp(cmd, "stat"))
        status = cmd_stat(argc - 1, argv + 1);
    if (status >= 0) {
        /* output that could not be written (a full disk, /dev/full) is an
         * error, not a short success; a reader that went away (EPIPE) is not */
        errno = 0;
        if ((fflush(stdout) != 0 || ferror(stdout)) && errno != EPIPE && g_write_errno != EPIPE) {
            int e = errno ? errno : g_write_errno;
            fprintf(stderr, "%s %s: cannot write the output: %s\n", prog, cmd, e ? strerror(e) : "write error");
            if (status == 0)
                status = EXIT_PROBLEM;
        }
        return status;
    }
    fprintf(stderr, "%s: unknown command '%s'\n", prog, cmd);
    usage_main(stderr);
    return EXIT_USAGE;
}
