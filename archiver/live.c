/* Live capture (live.h).
 *
 * One *session* is: connect, check the server, open the archive (which
 * recovers its newest segment to the last complete transaction), ask the
 * server for the binlog from the archive's end, and append decoded events
 * until the connection ends. The archive's end is the only checkpoint: a
 * session that ends inside a transaction closes the writer, and the next
 * session's open cuts the partial transaction and asks the server for it
 * again from its first event. So a transaction is in the archive once,
 * whatever kills the process or the connection.
 *
 * Transport: mariadb_rpl_open sends COM_BINLOG_DUMP; the packets are then
 * read with mysql_net_read_packet (Connector/C 3.3's mariadb_rpl_fetch
 * misparses ROTATE events and refuses event types it does not know). Each
 * packet is 0x00 + one event, 0xFE (short) at the end of a non-blocking
 * dump, or 0xFF + an error.
 *
 * Positions in the stream: an event's offset in its binlog file is
 * log_pos - event size (log_pos is the end of the event). Artificial events
 * (the fake ROTATE that names the file at the start of a dump, flag 0x20 or
 * log_pos 0) only carry the file name.
 */
#include <errno.h>
#include <fcntl.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <errmsg.h>
#include <mariadb_rpl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "applog.h"
#include "binlog.h"
#include "binvault/gtid.h"
#include "live.h"
#include "progress.h"

/* Session outcomes besides the exit codes. */
#define S_RETRY 100 /* reconnect after a backoff */

static volatile sig_atomic_t g_stop, g_seal;

static void on_stop(int sig)
{
    (void)sig;
    g_stop = 1;
}

static void on_hup(int sig)
{
    (void)sig;
    g_seal = 1;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void bv_live_opts_init(bv_live_opts *o)
{
    memset(o, 0, sizeof(*o));
    bv_writer_opts_init(&o->wo);
    o->wo.compress_threads = 1;
    o->port = 3306;
    o->user = "root";
    o->ssl_mode = "disabled";
    o->heartbeat = 1.0;
    o->fsync_interval = 1.0;
    o->segment_age = 600.0;
    o->retry_max = 30.0;
    o->connect_timeout = 10.0;
}

uint32_t bv_live_default_server_id(const char *archive)
{
    char host[256] = "", path[4096];
    uint32_t h = 2166136261u;
    gethostname(host, sizeof(host) - 1);
    if (!realpath(archive, path))
        snprintf(path, sizeof(path), "%s", archive);
    for (const char *s = host; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    h = (h ^ ':') * 16777619u;
    for (const char *s = path; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return 0x40000000u | (h & 0x3fffffffu);
}

/* ------------------------------------------------------------ state */

typedef struct server_info {
    char version[128];
    int mariadb;
    uint32_t server_id;
    char uuid[64];
    char log_bin[8];
    char format[32];
    char row_image[32];
    char row_metadata[32];
    char gtid_mode[32];
    char checksum[32];
} server_info;

typedef struct live {
    const bv_live_opts *o;
    MYSQL *my;
    MARIADB_RPL *rpl;
    server_info si;
    int si_reported;
    bv_writer *w;
    bv_decoder *d;
    int archive_empty;
    /* empty archive: where it starts (decided once) */
    char start_file[256];
    uint64_t start_pos;
    char *start_gtid;          /* GTID set text at the start; NULL = from the stream */
    int start_by_gtid;         /* the dump starts from a GTID state */
    /* the stream */
    char file[256];            /* current binlog file ("" before the first ROTATE) */
    bv_fde pre_fde;            /* frames events before the file's FDE */
    int rotated;               /* a real ROTATE ended the current file */
    uint64_t last_ts;          /* timestamp of the last non-artificial event */
    uint64_t last_end;         /* log_pos of the last non-artificial event */
    int caught_up;             /* a heartbeat came after the last event: nothing is pending */
    int streaming;             /* the dump started in this session */
    unsigned long prev_thread; /* the previous session's connection id on the server */
    char end_file[256];        /* the archive's end when the writer was last closed */
    uint64_t end_offset;
    char *end_gtid;
    /* counters */
    uint64_t events, rows, txns, bytes, reconnects;
    double t_start, last_flush, seg_opened, last_status;
    int dirty;                 /* appended since the last flush */
    char last_error[512];
    bv_progress pg;
    bv_schema_src *ss;         /* column names when the binlog has none */
    /* failover to another server: continue by GTID, then ROTATE across */
    int failover;              /* this session continues the archive on a new source */
    int failover_pending;      /* the NOTE + ROTATE are not appended yet */
    char *failover_gtid;       /* the archive's GTID set, sent as the connect state */
    char failover_from[300];   /* old source, for the note */
} live;

/* Keep msg (truncated) as the last error for the status file. */
static void set_err(live *L, const char *msg)
{
    size_t n = strlen(msg);
    if (n >= sizeof(L->last_error))
        n = sizeof(L->last_error) - 1;
    memcpy(L->last_error, msg, n);
    L->last_error[n] = 0;
}

static int sink(void *ctx, const bv_event *ev, char *err, size_t errlen)
{
    live *L = ctx;
    int rc;
    if (!L->w)
        return bv_seterr(err, errlen, BV_E_STATE, "internal: event before the archive was opened");
    if ((rc = bv_writer_append(L->w, ev, err, errlen)))
        return rc;
    L->events++;
    L->dirty = 1;
    if (ev->type == BV_EV_DDL)
        bv_schema_src_invalidate(L->ss); /* names are asked again after any DDL */
    if (ev->type >= BV_EV_INSERT && ev->type <= BV_EV_DELETE)
        L->rows++;
    if (ev->type == BV_EV_COMMIT)
        L->txns++;
    return BV_OK;
}

/* ------------------------------------------------------------ SQL helpers */

/* First column of the first row of q into out ("" for NULL). Returns 0,
 * or the server's error number (1193 = unknown variable). */
static unsigned query1(live *L, const char *q, char *out, size_t outlen)
{
    out[0] = 0;
    if (mysql_query(L->my, q))
        return mysql_errno(L->my) ? mysql_errno(L->my) : 1;
    MYSQL_RES *res = mysql_store_result(L->my);
    if (!res)
        return mysql_errno(L->my);
    MYSQL_ROW row = mysql_fetch_row(res);
    if (row && mysql_num_fields(res) > 0 && row[0])
        snprintf(out, outlen, "%s", row[0]);
    mysql_free_result(res);
    return 0;
}

static unsigned exec(live *L, const char *q)
{
    if (mysql_query(L->my, q))
        return mysql_errno(L->my) ? mysql_errno(L->my) : 1;
    MYSQL_RES *res = mysql_store_result(L->my);
    mysql_free_result(res);
    return 0;
}

/* Errors that a reconnect may fix: the network, the server going away or
 * restarting, timeouts. */
static int transient(unsigned e)
{
    return e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST || e == CR_CONNECTION_ERROR ||
           e == CR_CONN_HOST_ERROR || e == CR_SERVER_LOST_EXTENDED || e == ER_SERVER_SHUTDOWN ||
           e == ER_CONNECTION_KILLED || e == ER_NET_READ_ERROR || e == ER_NET_READ_INTERRUPTED ||
           e == ER_NET_ERROR_ON_WRITE || e == ER_NET_WRITE_INTERRUPTED || e == ER_CON_COUNT_ERROR ||
           e == ER_TOO_MANY_USER_CONNECTIONS || e == 1927 /* ER_CONNECTION_KILLED (MariaDB) */ ||
           e == CR_UNKNOWN_ERROR;
}

/* ------------------------------------------------------------ connect */

void bv_live_client_options(const bv_live_opts *o, MYSQL *my)
{
    unsigned ct = (unsigned)(o->connect_timeout > 0 ? o->connect_timeout : 10);
    /* a dump is silent only between heartbeats: a read that waits much
     * longer means the connection is dead */
    unsigned rt = (unsigned)(o->heartbeat * 3 + 2);
    mysql_optionsv(my, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
    mysql_optionsv(my, MYSQL_OPT_READ_TIMEOUT, &rt);
    mysql_optionsv(my, MYSQL_OPT_WRITE_TIMEOUT, &rt);
    mysql_optionsv(my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    unsigned long maxpk = 1ul << 30; /* the largest event a server can log */
    mysql_optionsv(my, MYSQL_OPT_MAX_ALLOWED_PACKET, &maxpk);
    if (strcmp(o->ssl_mode, "disabled") != 0) {
        my_bool on = 1, verify = strcmp(o->ssl_mode, "verify-ca") == 0 || strcmp(o->ssl_mode, "verify-identity") == 0;
        mysql_ssl_set(my, o->ssl_key, o->ssl_cert, o->ssl_ca, NULL, NULL);
        mysql_optionsv(my, MYSQL_OPT_SSL_ENFORCE, &on);
        mysql_optionsv(my, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
    }
}

const char *bv_live_host(const bv_live_opts *o)
{
    return o->socket && !o->host ? "localhost" : (o->host ? o->host : "127.0.0.1");
}

static int do_connect(live *L)
{
    const bv_live_opts *o = L->o;
    L->my = mysql_init(NULL);
    if (!L->my) {
        bv_log(BV_LOG_ERROR, "out of memory");
        return BV_EXIT_FAIL;
    }
    bv_live_client_options(o, L->my);
    const char *host = bv_live_host(o);
    if (!mysql_real_connect(L->my, host, o->user, o->password, NULL, o->port, o->socket, 0)) {
        unsigned e = mysql_errno(L->my);
        snprintf(L->last_error, sizeof(L->last_error), "cannot connect to %s:%u: %s (error %u)",
                 o->socket ? o->socket : host, o->port, mysql_error(L->my), e);
        if (e == ER_ACCESS_DENIED_ERROR || e == ER_DBACCESS_DENIED_ERROR) {
            bv_log(BV_LOG_ERROR, "%s: check --user and the password (--password-file or BINVAULT_PASSWORD)",
                   L->last_error);
            return BV_EXIT_FAIL;
        }
        if (strcmp(o->ssl_mode, "disabled") != 0 && e == 2026 /* CR_SSL_CONNECTION_ERROR */) {
            bv_log(BV_LOG_ERROR, "%s: TLS failed (--ssl-mode %s)", L->last_error, o->ssl_mode);
            return BV_EXIT_FAIL;
        }
        bv_log(BV_LOG_WARN, "%s", L->last_error);
        return S_RETRY;
    }
    if (strcmp(o->ssl_mode, "disabled") != 0) {
        const char *cipher = mysql_get_ssl_cipher(L->my);
        if (!cipher) {
            snprintf(L->last_error, sizeof(L->last_error), "the connection is not encrypted (--ssl-mode %s)",
                     o->ssl_mode);
            bv_log(BV_LOG_ERROR, "%s", L->last_error);
            return BV_EXIT_FAIL;
        }
        bv_log(BV_LOG_DEBUG, "TLS cipher %s", cipher);
    }
    return BV_OK;
}

/* Read and check the server's replication settings. */
static int check_server(live *L)
{
    server_info *s = &L->si;
    char v[128];
    unsigned e;
    memset(s, 0, sizeof(*s));
    if ((e = query1(L, "SELECT @@version", s->version, sizeof(s->version))))
        goto err;
    s->mariadb = strstr(s->version, "MariaDB") != NULL;
    if ((e = query1(L, "SELECT @@server_id", v, sizeof(v))))
        goto err;
    s->server_id = (uint32_t)strtoul(v, NULL, 10);
    if (!s->mariadb)
        query1(L, "SELECT @@server_uuid", s->uuid, sizeof(s->uuid));
    if ((e = query1(L, "SELECT @@log_bin", s->log_bin, sizeof(s->log_bin))))
        goto err;
    if ((e = query1(L, "SELECT @@binlog_format", s->format, sizeof(s->format))))
        goto err;
    if (query1(L, "SELECT @@binlog_row_image", s->row_image, sizeof(s->row_image)))
        snprintf(s->row_image, sizeof(s->row_image), "FULL (not configurable)");
    if (query1(L, "SELECT @@binlog_row_metadata", s->row_metadata, sizeof(s->row_metadata)))
        snprintf(s->row_metadata, sizeof(s->row_metadata), "(none)");
    if (s->mariadb)
        snprintf(s->gtid_mode, sizeof(s->gtid_mode), "MariaDB GTID");
    else if (query1(L, "SELECT @@gtid_mode", s->gtid_mode, sizeof(s->gtid_mode)))
        snprintf(s->gtid_mode, sizeof(s->gtid_mode), "OFF");
    if (query1(L, "SELECT @@binlog_checksum", s->checksum, sizeof(s->checksum)))
        snprintf(s->checksum, sizeof(s->checksum), "NONE");
    if (!L->si_reported) {
        bv_log(BV_LOG_INFO,
               "server %s: version %s, server_id %u%s%s, log_bin %s, binlog_format %s, binlog_row_image %s, "
               "binlog_row_metadata %s, gtid %s, binlog_checksum %s",
               L->o->socket ? L->o->socket : (L->o->host ? L->o->host : "127.0.0.1"), s->version, s->server_id,
               s->uuid[0] ? ", server_uuid " : "", s->uuid, s->log_bin, s->format, s->row_image, s->row_metadata,
               s->gtid_mode, s->checksum);
        L->si_reported = 1;
    }
    if (strcmp(s->log_bin, "1") != 0 && strcasecmp(s->log_bin, "ON") != 0) {
        bv_log(BV_LOG_ERROR, "the server does not write a binary log (log_bin is %s): start it with --log-bin",
               s->log_bin);
        return BV_EXIT_REFUSED;
    }
    if (strcasecmp(s->format, "ROW") != 0) {
        if (!L->o->accept_non_row) {
            bv_log(BV_LOG_ERROR,
                   "binlog_format is %s, not ROW: statements are not row changes and cannot be archived faithfully; "
                   "set binlog_format=ROW on the server, or pass --accept-non-row (changes logged as statements "
                   "are then archived only as their SQL text, in DDL-type events, without row images)",
                   s->format);
            return BV_EXIT_REFUSED;
        }
        bv_log(BV_LOG_WARN,
               "binlog_format is %s: changes logged as statements are archived only as SQL text (DDL-type events), "
               "not as rows (--accept-non-row)",
               s->format);
    }
    if (strcasecmp(s->row_image, "FULL") != 0 && strncmp(s->row_image, "FULL ", 5) != 0)
        bv_log(BV_LOG_WARN, "binlog_row_image is %s: row images lack unchanged columns (archived as absent)",
               s->row_image);
    if (strcasecmp(s->row_metadata, "FULL") != 0)
        bv_log(BV_LOG_WARN,
               "binlog_row_metadata is %s: column names are not in the binlog; columns are archived as @1..@n "
               "(set binlog_row_metadata=FULL)",
               s->row_metadata);
    return BV_OK;
err:
    snprintf(L->last_error, sizeof(L->last_error), "reading server settings: %s (error %u)", mysql_error(L->my), e);
    bv_log(BV_LOG_WARN, "%s", L->last_error);
    return transient(e) ? S_RETRY : BV_EXIT_FAIL;
}

/* ------------------------------------------------------------ start position */

static int parse_file_pos(const char *s, char *file, size_t filelen, uint64_t *pos)
{
    const char *colon = strrchr(s, ':');
    char *end;
    if (!colon || colon == s || (size_t)(colon - s) >= filelen)
        return -1;
    errno = 0;
    unsigned long long p = strtoull(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || p < 4)
        return -1;
    memcpy(file, s, (size_t)(colon - s));
    file[colon - s] = 0;
    *pos = p;
    return 0;
}

/* Decide where an empty archive starts (once). */
static int decide_start(live *L)
{
    const bv_live_opts *o = L->o;
    char buf[4096];
    free(L->start_gtid);
    L->start_gtid = NULL;
    L->start_by_gtid = 0;
    if (o->start_gtid) {
        if (!L->si.mariadb) {
            bv_log(BV_LOG_ERROR, "--start-gtid needs COM_BINLOG_DUMP_GTID, which this archiver implements only for "
                                 "MariaDB so far; use --start FILE:POS");
            return BV_EXIT_USAGE;
        }
        bv_gtid_set *s = bv_gtid_set_new();
        char err[256];
        if (!s || bv_gtid_set_parse(s, o->start_gtid, strlen(o->start_gtid), err, sizeof(err))) {
            bv_log(BV_LOG_ERROR, "--start-gtid %s: %s", o->start_gtid, s ? err : "out of memory");
            bv_gtid_set_free(s);
            return BV_EXIT_USAGE;
        }
        bv_gtid_set_free(s);
        L->start_gtid = strdup(o->start_gtid);
        L->start_by_gtid = 1;
        L->start_file[0] = 0;
        L->start_pos = 4;
        bv_log(BV_LOG_INFO, "empty archive: starting after GTID set %s", o->start_gtid);
        return BV_OK;
    }
    if (o->start && strcmp(o->start, "now") == 0) {
        MYSQL_RES *res;
        MYSQL_ROW row;
        if (mysql_query(L->my, "SHOW MASTER STATUS") || !(res = mysql_store_result(L->my))) {
            bv_log(BV_LOG_WARN, "SHOW MASTER STATUS: %s", mysql_error(L->my));
            return transient(mysql_errno(L->my)) ? S_RETRY : BV_EXIT_FAIL;
        }
        row = mysql_fetch_row(res);
        if (!row || !row[0] || !row[1]) {
            mysql_free_result(res);
            bv_log(BV_LOG_ERROR, "SHOW MASTER STATUS returned no binlog position");
            return BV_EXIT_REFUSED;
        }
        snprintf(L->start_file, sizeof(L->start_file), "%s", row[0]);
        L->start_pos = strtoull(row[1], NULL, 10);
        if (!L->si.mariadb && mysql_num_fields(res) >= 5 && row[4])
            L->start_gtid = strdup(row[4]);
        mysql_free_result(res);
    } else if (o->start && strcmp(o->start, "earliest") != 0) {
        if (parse_file_pos(o->start, L->start_file, sizeof(L->start_file), &L->start_pos)) {
            bv_log(BV_LOG_ERROR, "--start %s: expected FILE:POS (POS >= 4), now or earliest", o->start);
            return BV_EXIT_USAGE;
        }
    } else {
        MYSQL_RES *res;
        MYSQL_ROW row;
        if (mysql_query(L->my, "SHOW BINARY LOGS") || !(res = mysql_store_result(L->my))) {
            bv_log(BV_LOG_WARN, "SHOW BINARY LOGS: %s", mysql_error(L->my));
            return transient(mysql_errno(L->my)) ? S_RETRY : BV_EXIT_FAIL;
        }
        row = mysql_fetch_row(res);
        if (!row || !row[0]) {
            mysql_free_result(res);
            bv_log(BV_LOG_ERROR, "SHOW BINARY LOGS lists no binlog file");
            return BV_EXIT_REFUSED;
        }
        snprintf(L->start_file, sizeof(L->start_file), "%s", row[0]);
        L->start_pos = 4;
        mysql_free_result(res);
    }
    if (L->si.mariadb && L->start_pos > 4 && !L->start_gtid) {
        /* the GTID state at that position, as the server computes it */
        char q[600];
        snprintf(q, sizeof(q), "SELECT BINLOG_GTID_POS('%s', %llu)", L->start_file,
                 (unsigned long long)L->start_pos);
        if (strchr(L->start_file, '\'') || strchr(L->start_file, '\\') || query1(L, q, buf, sizeof(buf))) {
            bv_log(BV_LOG_ERROR, "cannot get the GTID state at %s:%llu: %s", L->start_file,
                   (unsigned long long)L->start_pos, mysql_error(L->my));
            return BV_EXIT_REFUSED;
        }
        L->start_gtid = strdup(buf);
    }
    bv_log(BV_LOG_INFO, "empty archive: starting at %s:%llu%s%s", L->start_file, (unsigned long long)L->start_pos,
           L->start_gtid ? ", GTID state " : "", L->start_gtid ? L->start_gtid : "");
    return BV_OK;
}

/* ------------------------------------------------------------ archive */

/* Whether the archive has no segment at all; otherwise check that this
 * server is the one the archive comes from (its newest segment's source). */
static int check_archive(live *L)
{
    bv_archive *a = NULL;
    char err[1024];
    int rc = bv_archive_open(&a, L->o->archive, err, sizeof(err));
    L->archive_empty = 0;
    if (rc == BV_E_NOTFOUND) {
        L->archive_empty = 1;
        return BV_OK;
    }
    if (rc) {
        bv_log(BV_LOG_ERROR, "%s", err);
        return BV_EXIT_FAIL;
    }
    L->archive_empty = bv_archive_count(a) == 0;
    if (!L->archive_empty) {
        const bv_segment_info *si = bv_archive_segment(a, bv_archive_count(a) - 1);
        int mariadb = si->source.flavor == BV_GTID_MARIADB;
        int other = si->source.server_id != L->si.server_id || mariadb != L->si.mariadb;
        if (other && L->o->allow_new_source) {
            if (!mariadb || !L->si.mariadb) {
                bv_log(BV_LOG_ERROR,
                       "%s: --allow-new-source continues the archive by GTID, which this archiver implements for "
                       "MariaDB only (archive source %s, server %s)",
                       L->o->archive, mariadb ? "MariaDB" : "MySQL", L->si.mariadb ? "MariaDB" : "MySQL");
                bv_archive_free(a);
                return BV_EXIT_REFUSED;
            }
            L->failover = 1;
            snprintf(L->failover_from, sizeof(L->failover_from), "server_id %u (%.*s)", si->source.server_id,
                     (int)si->source.server_version.len, si->source.server_version.ptr);
        }
        if (other && !L->o->allow_new_source) {
            bv_log(BV_LOG_ERROR,
                   "%s: the archive comes from server_id %u (%s, segment %s), this server is server_id %u (%s): "
                   "continuing it from another server would mix two binlog histories. Use another --archive "
                   "directory, or --allow-new-source after a failover to a server that has the same binlog "
                   "history",
                   L->o->archive, si->source.server_id, mariadb ? "MariaDB" : "MySQL", si->name, L->si.server_id,
                   L->si.mariadb ? "MariaDB" : "MySQL");
            bv_archive_free(a);
            return BV_EXIT_REFUSED;
        }
    }
    bv_archive_free(a);
    return BV_OK;
}

static void fill_source(live *L, bv_writer_opts *wo)
{
    wo->source.flavor = L->si.mariadb ? BV_GTID_MARIADB : BV_GTID_MYSQL;
    wo->source.server_id = L->si.server_id;
    wo->source.server_uuid.ptr = L->si.uuid;
    wo->source.server_uuid.len = strlen(L->si.uuid);
    wo->source.server_version.ptr = L->si.version;
    wo->source.server_version.len = strlen(L->si.version);
}

static int open_writer(live *L, const char *file, uint64_t pos, const char *gtid)
{
    bv_writer_opts wo = L->o->wo;
    char err[2048];
    fill_source(L, &wo);
    wo.start_file.ptr = file;
    wo.start_file.len = strlen(file);
    wo.start_offset = pos;
    wo.start_gtid_set.ptr = gtid ? gtid : "";
    wo.start_gtid_set.len = gtid ? strlen(gtid) : 0;
    int rc = bv_writer_open(&L->w, L->o->archive, &wo, err, sizeof(err));
    if (rc) {
        bv_log(BV_LOG_ERROR, "%s", err);
        set_err(L, err); /* for the status file's last_error */
        return BV_EXIT_FAIL;
    }
    const bv_recovery *rec = bv_writer_recovery(L->w);
    if (rec->recovered && (rec->bytes_cut || rec->removed_empty))
        bv_log(BV_LOG_INFO, "recovered %s: cut %llu bytes (%llu events of an incomplete transaction)%s", rec->segment,
               (unsigned long long)rec->bytes_cut, (unsigned long long)rec->events_cut,
               rec->removed_empty ? "; the segment held nothing complete and was removed" : "");
    L->seg_opened = now_s();
    return BV_OK;
}

/* The writer's GTID set as text (malloc'ed; NULL when out of memory). */
static char *gtid_text(const bv_writer *w)
{
    const bv_gtid_set *g = bv_writer_gtid_set(w);
    size_t n = g ? bv_gtid_set_format(g, NULL, 0) : 0;
    char *t = malloc(n + 1);
    if (t) {
        t[0] = 0;
        if (g)
            bv_gtid_set_format(g, t, n + 1);
    }
    return t;
}

static int close_writer(live *L)
{
    char err[2048];
    int rc = BV_OK;
    if (L->w) {
        bv_str ef;
        bv_writer_end(L->w, &ef, &L->end_offset);
        snprintf(L->end_file, sizeof(L->end_file), "%.*s", (int)ef.len, ef.ptr);
        free(L->end_gtid);
        L->end_gtid = gtid_text(L->w);
    }
    if (L->w && bv_writer_close(L->w, err, sizeof(err))) {
        bv_log(BV_LOG_ERROR, "%s", err);
        rc = BV_EXIT_FAIL;
    }
    L->w = NULL;
    return rc;
}

static int decode_err(live *L, int rc, const char *err);

/* Continue the archive on another server (a new primary after a failover):
 * seal the open segment (its header names the old source; the next one gets
 * the new source), and ask the new server for the transactions after the
 * archive's GTID set. The first event it sends is preceded in the archive
 * by a NOTE and a ROTATE from the old position to the new one. */
static int begin_failover(live *L)
{
    char err[2048];
    free(L->failover_gtid);
    L->failover_gtid = gtid_text(L->w);
    if (!L->failover_gtid || !L->failover_gtid[0]) {
        bv_log(BV_LOG_ERROR, "%s: the archive has no GTID set: it cannot be continued on another server without a "
                             "gap or a duplicate", L->o->archive);
        return BV_EXIT_REFUSED;
    }
    if (bv_writer_seal(L->w, err, sizeof(err))) {
        bv_log(BV_LOG_ERROR, "%s", err);
        return BV_EXIT_FAIL;
    }
    L->failover_pending = 1;
    bv_log(BV_LOG_WARN, "the archive's source was %s; this server is server_id %u (%s): continuing after GTID set %s "
                        "(--allow-new-source)", L->failover_from, L->si.server_id, L->si.version, L->failover_gtid);
    return BV_OK;
}

/* The first event from the new source arrives at file:off. */
static int finish_failover(live *L, uint64_t off, uint32_t ts)
{
    char err[2048], text[1024];
    bv_str ef;
    uint64_t eo;
    bv_event e;
    int rc;
    bv_writer_end(L->w, &ef, &eo);
    snprintf(text, sizeof(text),
             "source changed: %s -> server_id %u (%s) after GTID set %s; the stream continues at %s:%llu "
             "(positions before this note are the old server's)",
             L->failover_from, L->si.server_id, L->si.version, L->failover_gtid, L->file, (unsigned long long)off);
    memset(&e, 0, sizeof(e));
    e.type = BV_EV_NOTE;
    e.pos.file = ef;
    e.pos.offset = eo;
    e.ts_us = (uint64_t)ts * 1000000u;
    e.note_level = BV_NOTE_WARNING;
    e.text.ptr = text;
    e.text.len = strlen(text);
    if ((rc = bv_writer_append(L->w, &e, err, sizeof(err))))
        return decode_err(L, rc, err);
    memset(&e, 0, sizeof(e));
    e.type = BV_EV_ROTATE;
    e.pos.file = ef;
    e.pos.offset = eo;
    e.ts_us = (uint64_t)ts * 1000000u;
    e.new_file.ptr = L->file;
    e.new_file.len = strlen(L->file);
    e.end_offset = off;
    if ((rc = bv_writer_append(L->w, &e, err, sizeof(err))))
        return decode_err(L, rc, err);
    L->failover_pending = 0;
    bv_log(BV_LOG_INFO, "%s", text);
    return BV_OK;
}

/* ------------------------------------------------------------ status */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void write_status(live *L, const char *state)
{
    const char *path = L->o->status_file;
    if (!path)
        return;
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    /* not through a symlink planted at the temporary name; 0640 as the archive */
    int tfd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
    FILE *f = tfd >= 0 ? fdopen(tfd, "w") : NULL;
    if (!f && tfd >= 0)
        close(tfd);
    if (!f) {
        bv_log(BV_LOG_WARN, "%s: cannot write the status file: %s", tmp, strerror(errno));
        return;
    }
    double el = now_s() - L->t_start;
    time_t t = time(NULL);
    struct tm tm;
    char ts[40];
    gmtime_r(&t, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(f, "{\"updated\":\"%s\",\"state\":", ts);
    json_str(f, state);
    fprintf(f, ",\"pid\":%ld,\"archive\":", (long)getpid());
    json_str(f, L->o->archive);
    fprintf(f, ",\"server\":{\"version\":");
    json_str(f, L->si.version);
    fprintf(f, ",\"server_id\":%u,\"server_uuid\":", L->si.server_id);
    json_str(f, L->si.uuid);
    fprintf(f, "},\"position\":{\"file\":");
    bv_str ef = {L->end_file, strlen(L->end_file)};
    uint64_t eo = L->end_offset;
    char *gt = NULL;
    if (L->w) {
        bv_writer_end(L->w, &ef, &eo);
        gt = gtid_text(L->w);
    } else if (L->end_gtid) {
        gt = strdup(L->end_gtid);
    }
    char fb[300];
    snprintf(fb, sizeof(fb), "%.*s", (int)ef.len, ef.ptr);
    json_str(f, fb);
    fprintf(f, ",\"offset\":%llu,\"gtid_set\":", (unsigned long long)eo);
    json_str(f, gt ? gt : "");
    free(gt);
    /* like Seconds_Behind_Master: the age of the last event received, or 0
     * when the server has nothing more to send */
    double lag = L->last_ts && !L->caught_up ? (double)time(NULL) - (double)L->last_ts : 0;
    fprintf(f,
            "},\"lag_seconds\":%.0f,\"events\":%llu,\"rows\":%llu,\"transactions\":%llu,\"binlog_bytes\":%llu,"
            "\"events_per_second\":%.1f,\"binlog_bytes_per_second\":%.1f,\"reconnects\":%llu,\"last_error\":",
            lag < 0 ? 0 : lag, (unsigned long long)L->events, (unsigned long long)L->rows,
            (unsigned long long)L->txns, (unsigned long long)L->bytes, el > 0 ? (double)L->events / el : 0,
            el > 0 ? (double)L->bytes / el : 0, (unsigned long long)L->reconnects);
    json_str(f, L->last_error);
    fprintf(f, "}\n");
    int bad = ferror(f) != 0;
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        bv_log(BV_LOG_WARN, "%s: cannot replace the status file: %s", path, strerror(errno));
        unlink(tmp);
    }
}

/* ------------------------------------------------------------ the stream */

static int is_header_event(uint8_t t)
{
    return t == BV_BL_FDE || t == BV_BL_PREV_GTIDS || t == BV_BL_MARIA_GTID_LIST || t == BV_BL_MARIA_CHECKPOINT ||
           t == BV_BL_ROTATE || t == BV_BL_STOP || t == BV_BL_HEARTBEAT || t == BV_BL_HEARTBEAT_V2;
}

/* The writer for an empty archive opens at the first event that belongs
 * in it. */
static int ensure_writer(live *L, uint64_t first_offset)
{
    if (L->w)
        return BV_OK;
    const char *gt = L->start_gtid ? L->start_gtid : bv_decoder_start_gtids(L->d);
    /* from a GTID the server skips to the transaction after it: the
     * archive starts at the first event it sends */
    uint64_t pos = L->start_by_gtid ? first_offset : L->start_pos;
    if (pos < 4)
        pos = 4;
    return open_writer(L, L->file, pos, gt);
}

static int decode_err(live *L, int rc, const char *err)
{
    (void)rc;
    set_err(L, err);
    bv_log(BV_LOG_ERROR, "%s", err);
    return BV_EXIT_FAIL;
}

/* A new binlog file begins (named by a ROTATE). */
static int switch_file(live *L, const char *name, uint64_t prev_end)
{
    char err[2048];
    int rc;
    if (L->file[0]) {
        if (!L->rotated)
            bv_log(BV_LOG_WARN, "%s ended without a ROTATE event; continuing in %s", L->file, name);
        if ((rc = ensure_writer(L, prev_end)))
            return rc;
        if ((rc = bv_decoder_end_file(L->d, prev_end, name, err, sizeof(err))))
            return decode_err(L, rc, err);
    }
    snprintf(L->file, sizeof(L->file), "%s", name);
    L->rotated = 0;
    if ((rc = bv_decoder_begin_file(L->d, name, err, sizeof(err))))
        return decode_err(L, rc, err);
    bv_log(BV_LOG_DEBUG, "reading %s", name);
    return BV_OK;
}

/* ROTATE body: position u64, then the file name (to the end). */
static int rotate_target(const bv_rawev *ev, char *name, size_t namelen, uint64_t *pos)
{
    if (ev->body_len < 9 || ev->body_len - 8 >= namelen || memchr(ev->body + 8, 0, ev->body_len - 8))
        return -1;
    uint64_t p = 0;
    for (int i = 7; i >= 0; i--)
        p = p << 8 | ev->body[i];
    memcpy(name, ev->body + 8, ev->body_len - 8);
    name[ev->body_len - 8] = 0;
    *pos = p;
    return 0;
}

static int handle_event(live *L, const uint8_t *p, size_t n)
{
    char err[2048], msg[600];
    bv_rawev ev;
    size_t need;
    int rc;
    if (n < BV_BL_HEADER_LEN) {
        snprintf(err, sizeof(err), "%s: event of %zu bytes from the server, shorter than a header", L->file, n);
        return decode_err(L, BV_E_DECODE, err);
    }
    uint32_t size = (uint32_t)p[9] | (uint32_t)p[10] << 8 | (uint32_t)p[11] << 16 | (uint32_t)p[12] << 24;
    uint32_t log_pos = (uint32_t)p[13] | (uint32_t)p[14] << 8 | (uint32_t)p[15] << 16 | (uint32_t)p[16] << 24;
    uint16_t flags = (uint16_t)(p[17] | p[18] << 8);
    uint8_t type = p[4];
    int artificial = (flags & BV_BL_F_ARTIFICIAL) || log_pos == 0;
    uint64_t off = !artificial && log_pos >= size ? log_pos - size : 0;
    const bv_fde *fde = bv_decoder_fde(L->d);
    if (!fde->seen || type == BV_BL_FDE)
        fde = &L->pre_fde;
    if ((rc = bv_binlog_frame(p, n, off, fde, 0, &ev, &need, msg, sizeof(msg)))) {
        snprintf(err, sizeof(err), "%s: %s%s", L->file[0] ? L->file : "(stream)", msg,
                 !L->w && L->start_pos > 4 && !L->start_by_gtid
                     ? " (the first event after --start: is that position the start of an event? Take positions "
                       "from SHOW BINLOG EVENTS or SHOW MASTER STATUS)"
                     : "");
        return decode_err(L, rc, err);
    }
    if (ev.size != n) {
        snprintf(err, sizeof(err), "%s: offset %llu: event size %u but the server sent %zu bytes", L->file,
                 (unsigned long long)off, ev.size, n);
        return decode_err(L, BV_E_DECODE, err);
    }
    L->bytes += n;
    if (type == BV_BL_ROTATE && artificial) {
        char name[256];
        uint64_t pos;
        if (rotate_target(&ev, name, sizeof(name), &pos)) {
            snprintf(err, sizeof(err), "%s: the server's ROTATE names an invalid file", L->file);
            return decode_err(L, BV_E_DECODE, err);
        }
        int first = !L->file[0];
        if (strcmp(name, L->file) != 0 && (rc = switch_file(L, name, L->last_end)))
            return rc;
        /* the session's first ROTATE names where the dump starts: if that
         * file ends (a crashed server left it without a ROTATE) before any
         * event of it arrives, it ended there, not at offset 0 */
        if (first)
            L->last_end = pos;
        return BV_OK;
    }
    if (type == BV_BL_HEARTBEAT || type == BV_BL_HEARTBEAT_V2) {
        /* the server sends heartbeats only while it waits for new events:
         * everything it has logged has been received */
        L->caught_up = 1;
        return BV_OK;
    }
    if (!L->file[0]) {
        snprintf(err, sizeof(err), "the server sent event type %u before naming the binlog file", type);
        return decode_err(L, BV_E_DECODE, err);
    }
    if (!artificial) {
        L->last_ts = ev.ts;
        L->last_end = log_pos;
        L->caught_up = 0;
    }
    if (!L->w && (!is_header_event(type) || (type == BV_BL_ROTATE && !artificial)) && (rc = ensure_writer(L, off)))
        return rc;
    if (L->failover_pending && !is_header_event(type) && (rc = finish_failover(L, off, ev.ts)))
        return rc;
    if ((rc = bv_decoder_event(L->d, &ev, err, sizeof(err))))
        return decode_err(L, rc, err);
    if (type == BV_BL_ROTATE) {
        /* a real ROTATE ends the file: the next events are the new file's */
        char name[256];
        uint64_t pos;
        if (rotate_target(&ev, name, sizeof(name), &pos) == 0) {
            L->rotated = 1;
            if ((rc = switch_file(L, name, log_pos)))
                return rc;
        }
    }
    return BV_OK;
}

/* Periodic work between events: fsync, segment age, SIGHUP, status. */
static int housekeeping(live *L, int idle)
{
    char err[2048];
    double t = now_s();
    if (L->w && L->dirty && (idle || t - L->last_flush >= L->o->fsync_interval)) {
        if (bv_writer_flush(L->w, err, sizeof(err))) {
            set_err(L, err);
            bv_log(BV_LOG_ERROR, "%s", err);
            return BV_EXIT_FAIL;
        }
        L->dirty = 0;
        L->last_flush = t;
    }
    if (L->w && !bv_writer_in_transaction(L->w) &&
        (g_seal || (L->o->segment_age > 0 && t - L->seg_opened >= L->o->segment_age))) {
        if (g_seal)
            bv_log(BV_LOG_INFO, "SIGHUP: sealing the open segment");
        g_seal = 0;
        if (bv_writer_seal(L->w, err, sizeof(err))) {
            set_err(L, err);
            bv_log(BV_LOG_ERROR, "%s", err);
            return BV_EXIT_FAIL;
        }
        L->seg_opened = t;
        L->dirty = 0;
    }
    if (t - L->last_status >= 1.0) {
        write_status(L, "streaming");
        L->last_status = t;
    }
    if (L->o->progress)
        bv_progress_update(&L->pg, L->events, L->bytes, 0);
    return BV_OK;
}

static int start_dump(live *L)
{
    char q[4600];
    const bv_live_opts *o = L->o;
    unsigned e;
    /* After a network cut the server may not notice that the previous dump
     * connection is gone until net_write_timeout (60 s); end it now. Errors
     * (it is gone already, another server) do not matter. */
    unsigned long tid = mysql_thread_id(L->my);
    if (L->prev_thread && L->prev_thread != tid) {
        snprintf(q, sizeof(q), "KILL CONNECTION %lu", L->prev_thread);
        if (exec(L, q) == 0)
            bv_log(BV_LOG_INFO, "ended the previous dump connection %lu on the server", L->prev_thread);
    }
    L->prev_thread = tid;
    /* the server sends checksums as configured; our framer verifies them */
    if ((e = exec(L, "SET @master_binlog_checksum = @@global.binlog_checksum")))
        goto err;
    snprintf(q, sizeof(q), "SET @master_heartbeat_period = %llu",
             (unsigned long long)(o->heartbeat * 1e9 > 1e6 ? o->heartbeat * 1e9 : 1e6));
    if ((e = exec(L, q)))
        goto err;
    if (L->si.mariadb) {
        /* 4 = MARIA_SLAVE_CAPABILITY_GTID: GTID events, annotate, checkpoints */
        if ((e = exec(L, "SET @mariadb_slave_capability = 4")))
            goto err;
    }
    const char *file = NULL;
    uint64_t pos = 4;
    bv_str ef;
    const char *by_gtid = L->w ? (L->failover_pending ? L->failover_gtid : NULL)
                               : (L->start_by_gtid ? L->start_gtid : NULL);
    if (L->w && !by_gtid) {
        bv_writer_end(L->w, &ef, &pos);
        snprintf(L->start_file, sizeof(L->start_file), "%.*s", (int)ef.len, ef.ptr);
        file = L->start_file;
    } else if (by_gtid) {
        if (strchr(by_gtid, '\'') || strchr(by_gtid, '\\') || strlen(by_gtid) > 4000) {
            bv_log(BV_LOG_ERROR, "invalid GTID set %s", by_gtid);
            return BV_EXIT_USAGE;
        }
        snprintf(q, sizeof(q), "SET @slave_connect_state = '%s'", by_gtid);
        if ((e = exec(L, q)) || (e = exec(L, "SET @slave_gtid_strict_mode = 1")) ||
            (e = exec(L, "SET @slave_gtid_ignore_duplicates = 0")))
            goto err;
        file = "";
        pos = 4;
    } else {
        file = L->start_file;
        pos = L->start_pos;
    }
    L->rpl = mariadb_rpl_init(L->my);
    if (!L->rpl) {
        bv_log(BV_LOG_ERROR, "out of memory");
        return BV_EXIT_FAIL;
    }
    uint32_t sid = o->server_id ? o->server_id : bv_live_default_server_id(o->archive);
    unsigned int flags = o->stop_at_end ? MARIADB_RPL_BINLOG_DUMP_NON_BLOCK : 0;
    mariadb_rpl_optionsv(L->rpl, MARIADB_RPL_FILENAME, file, strlen(file));
    mariadb_rpl_optionsv(L->rpl, MARIADB_RPL_START, (unsigned long)pos);
    mariadb_rpl_optionsv(L->rpl, MARIADB_RPL_SERVER_ID, sid);
    mariadb_rpl_optionsv(L->rpl, MARIADB_RPL_FLAGS, flags);
    if (mariadb_rpl_open(L->rpl)) {
        e = mysql_errno(L->my);
        goto err;
    }
    if (by_gtid)
        bv_log(BV_LOG_INFO, "replicating after GTID set %s as server_id %u", by_gtid, sid);
    else
        bv_log(BV_LOG_INFO, "replicating from %s:%llu as server_id %u", file, (unsigned long long)pos, sid);
    return BV_OK;
err:
    snprintf(L->last_error, sizeof(L->last_error), "starting the binlog dump: %s (error %u)", mysql_error(L->my), e);
    bv_log(BV_LOG_WARN, "%s", L->last_error);
    return transient(e) ? S_RETRY : BV_EXIT_REFUSED;
}

/* Map a dump error to an outcome; the server's replication errors (1236:
 * purged or missing binlog, position past the end, GTID not in the binlog)
 * mean a gap: refuse. */
static int dump_error(live *L, unsigned e, const char *what)
{
    snprintf(L->last_error, sizeof(L->last_error), "%s (error %u)", what, e);
    if ((e == ER_MASTER_FATAL_ERROR_READING_BINLOG || e == 1236) && !L->w) {
        char where[4400];
        if (L->start_by_gtid)
            snprintf(where, sizeof(where), "after GTID set %s", L->start_gtid);
        else
            snprintf(where, sizeof(where), "%s:%llu", L->start_file, (unsigned long long)L->start_pos);
        bv_log(BV_LOG_ERROR,
               "the server cannot start the binlog at the requested place (%s): %s. Take a position from SHOW "
               "BINARY LOGS / SHOW MASTER STATUS, or use --start earliest",
               where, L->last_error);
        return BV_EXIT_REFUSED;
    }
    if (e == ER_MASTER_FATAL_ERROR_READING_BINLOG || e == 1236) {
        bv_str ef = {"", 0};
        uint64_t eo = 0;
        if (L->w)
            bv_writer_end(L->w, &ef, &eo);
        bv_log(BV_LOG_ERROR,
               "the server cannot send the binlog that continues the archive (it ends at %.*s:%llu): %s. "
               "If that binlog was purged, the changes between the archive's end and the oldest binlog still on "
               "the server are lost to this archive: start a new archive (another --archive directory, with "
               "--start earliest or --start now), or restore the missing binlog files on the server",
               (int)ef.len, ef.ptr, (unsigned long long)eo, L->last_error);
        return BV_EXIT_REFUSED;
    }
    bv_log(transient(e) ? BV_LOG_WARN : BV_LOG_ERROR, "binlog stream: %s", L->last_error);
    return transient(e) || e == 0 ? S_RETRY : BV_EXIT_FAIL;
}

static int session(live *L)
{
    int rc;
    char err[2048];
    L->file[0] = 0;
    L->rotated = 0;
    L->failover = L->failover_pending = 0;
    if ((rc = do_connect(L)) || (rc = check_server(L)))
        return rc;
    memset(&L->pre_fde, 0, sizeof(L->pre_fde));
    L->pre_fde.checksum = strcasecmp(L->si.checksum, "CRC32") == 0;
    L->pre_fde.mariadb = L->si.mariadb;
    L->pre_fde.post_header[BV_BL_ROTATE] = 8;
    if ((rc = check_archive(L)))
        return rc;
    if (!L->archive_empty) {
        if ((rc = open_writer(L, "", 4, NULL)))
            return rc;
        if (L->failover && (rc = begin_failover(L)))
            return rc;
    } else if (!L->start_file[0] && !L->start_by_gtid && (rc = decide_start(L))) {
        return rc;
    }
    L->d = bv_decoder_new(sink, L);
    if (!L->d) {
        bv_log(BV_LOG_ERROR, "out of memory");
        return BV_EXIT_FAIL;
    }
    /* Always: even with binlog_row_metadata=FULL now, older binlogs may
     * lack it; the resolver is only asked for TABLE_MAPs without names. */
    if (!L->ss && !(L->ss = bv_schema_src_new(L->o))) {
        bv_log(BV_LOG_ERROR, "out of memory");
        return BV_EXIT_FAIL;
    }
    bv_decoder_set_schema_resolver(L->d, bv_schema_src_resolve, L->ss);
    if ((rc = start_dump(L)))
        return rc;
    L->last_flush = now_s();
    L->streaming = 1;
    write_status(L, "streaming");
    for (;;) {
        if (g_stop) {
            bv_log(BV_LOG_INFO, "stopping on signal");
            return BV_EXIT_OK;
        }
        /* Connector/C's mariadb_rpl_fetch parses every event and fails on
         * valid ones (ROTATE with short file names, types it does not
         * know), so the packets are read here and only framed by us. */
        unsigned long len = mysql_net_read_packet(L->my);
        const uint8_t *pk = len == packet_error ? NULL : (const uint8_t *)L->my->net.read_pos;
        if (!pk || len == 0 || pk[0] == 0xff) {
            unsigned e = mysql_errno(L->my);
            if (g_stop) {
                bv_log(BV_LOG_INFO, "stopping on signal");
                return BV_EXIT_OK;
            }
            return dump_error(L, e, e ? mysql_error(L->my) : "the server closed the binlog stream");
        }
        if (pk[0] == 0xfe && len < 9) {
            /* end of the binlog: only sent with BINLOG_DUMP_NON_BLOCK */
            bv_log(BV_LOG_INFO, "reached the end of the server's binlog (--stop-at-end)");
            if (L->w && bv_writer_in_transaction(L->w))
                bv_log(BV_LOG_WARN, "the last transaction is still being written by the server; it is not "
                                    "archived yet");
            return BV_EXIT_OK;
        }
        if (pk[0] != 0x00) {
            snprintf(err, sizeof(err), "%s: unexpected packet 0x%02x from the server in the binlog stream",
                     L->file[0] ? L->file : "(stream)", pk[0]);
            return decode_err(L, BV_E_DECODE, err);
        }
        int hb = len > 5 && (pk[5] == BV_BL_HEARTBEAT || pk[5] == BV_BL_HEARTBEAT_V2);
        if ((rc = handle_event(L, pk + 1, len - 1)))
            return rc;
        if ((rc = housekeeping(L, hb)))
            return rc;
    }
}

static void end_session(live *L)
{
    if (L->rpl) {
        mariadb_rpl_close(L->rpl);
        L->rpl = NULL;
    }
    if (L->my) {
        mysql_close(L->my);
        L->my = NULL;
    }
    bv_decoder_free(L->d);
    L->d = NULL;
}

int bv_live_run(const bv_live_opts *o)
{
    live L;
    memset(&L, 0, sizeof(L));
    L.o = o;
    L.t_start = now_s();
    bv_progress_init(&L.pg, "capture");
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (mysql_library_init(0, NULL, NULL)) {
        bv_log(BV_LOG_ERROR, "cannot initialise the MySQL client library");
        return BV_EXIT_FAIL;
    }
    double backoff = 0.5;
    int rc, failures = 0;
    for (;;) {
        rc = session(&L);
        end_session(&L);
        /* Close (flush) the writer: a partial transaction is cut by the
         * next open, and the next session asks for it again. */
        int crc = close_writer(&L);
        if (rc == BV_EXIT_OK && crc)
            rc = crc;
        if (rc != S_RETRY)
            break;
        if (L.streaming) {
            backoff = 0.5; /* the last session worked: start the backoff over */
            failures = 0;
        }
        L.streaming = 0;
        if (o->stop_at_end && ++failures > 5) {
            /* a one-shot run does not wait forever for a server */
            bv_log(BV_LOG_ERROR, "giving up after %d failed attempts (--stop-at-end): %s", failures - 1,
                   L.last_error);
            rc = BV_EXIT_FAIL;
            break;
        }
        if (g_stop) {
            rc = BV_EXIT_OK;
            break;
        }
        L.reconnects++;
        write_status(&L, "reconnecting");
        bv_log(BV_LOG_INFO, "reconnecting in %.1f s", backoff);
        double until = now_s() + backoff;
        while (!g_stop && now_s() < until) {
            struct timespec ts = {0, 50 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        backoff = backoff * 2 > o->retry_max ? o->retry_max : backoff * 2;
        if (g_stop) {
            rc = BV_EXIT_OK;
            break;
        }
    }
    if (o->progress)
        bv_progress_done(&L.pg);
    write_status(&L, rc == BV_EXIT_OK ? "stopped" : "failed");
    bv_log(rc == BV_EXIT_OK ? BV_LOG_INFO : BV_LOG_ERROR,
           "%s: %llu events (%llu rows, %llu transactions), %llu binlog bytes, %llu reconnects",
           rc == BV_EXIT_OK ? "stopped" : "exiting after an error", (unsigned long long)L.events,
           (unsigned long long)L.rows, (unsigned long long)L.txns, (unsigned long long)L.bytes,
           (unsigned long long)L.reconnects);
    free(L.start_gtid);
    free(L.end_gtid);
    bv_schema_src_free(L.ss);
    free(L.failover_gtid);
    mysql_library_end();
    return rc;
}
