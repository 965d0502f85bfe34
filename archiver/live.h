/* Live capture: binvault-archiver as a replica of a MySQL/MariaDB server.
 * Connector/C's mariadb_rpl_* is only the transport; every event is framed,
 * checksummed and decoded by binvault's own decoder (binlog.h). */
#ifndef BV_LIVE_H
#define BV_LIVE_H

#include <stdint.h>

#include "binvault/archive.h"

/* Exit codes of binvault-archiver (README "Exit status"). */
enum {
    BV_EXIT_OK = 0,      /* stopped by a signal or --stop-at-end, archive consistent */
    BV_EXIT_FAIL = 1,    /* an error that retrying does not fix (decode, archive, I/O) */
    BV_EXIT_USAGE = 2,   /* bad options or configuration */
    BV_EXIT_REFUSED = 3  /* the server cannot continue the archive faithfully: gap,
                            purged binlog, other source, non-ROW format */
};

typedef struct bv_live_opts {
    const char *archive;
    bv_writer_opts wo;        /* block size, zstd level, segment size, threads */
    const char *host;         /* default 127.0.0.1 (unless socket) */
    unsigned port;            /* default 3306 */
    const char *socket;
    const char *user;         /* default root */
    const char *password;     /* NULL = none; never logged */
    const char *ssl_mode;     /* disabled | required | verify-ca | verify-identity */
    const char *ssl_ca, *ssl_cert, *ssl_key;
    uint32_t server_id;       /* 0 = derived (see bv_live_default_server_id) */
    const char *start;        /* NULL/"earliest", "now" or "FILE:POS" (empty archive only) */
    const char *start_gtid;   /* GTID set to start after (empty archive only) */
    double heartbeat;         /* seconds between server heartbeats when idle */
    double fsync_interval;    /* max seconds an event stays unflushed */
    double segment_age;       /* seal a segment this old at a transaction boundary; 0 = never */
    double retry_max;         /* cap of the reconnect backoff, seconds */
    double connect_timeout;
    int stop_at_end;          /* exit 0 once the server's current end is archived */
    int accept_non_row;       /* archive even when binlog_format is not ROW */
    int allow_new_source;     /* continue an archive from another server (GTID failover) */
    const char *status_file;  /* JSON, atomically replaced about once a second */
    int progress;             /* status line on a terminal */
} bv_live_opts;

void bv_live_opts_init(bv_live_opts *o);

/* The server id used when none is given: 0x40000000 plus 30 bits of
 * FNV-1a over "hostname:archive-path" (stable per host and archive, and
 * far from the small ids people give their servers). */
uint32_t bv_live_default_server_id(const char *archive);

/* Client options every connection of the archiver uses (timeouts, utf8mb4,
 * max packet, TLS), and the host to connect to. */
struct st_mysql;
void bv_live_client_options(const bv_live_opts *o, struct st_mysql *my);
const char *bv_live_host(const bv_live_opts *o);

/* Column names for TABLE_MAPs without metadata, from the server's
 * information_schema over a second connection (opened when first needed).
 * Answers are cached per table until bv_schema_src_invalidate (called after
 * every DDL). bv_schema_src_resolve is a bv_schema_fn (binlog.h) with the
 * source as its context. */
typedef struct bv_schema_src bv_schema_src;
bv_schema_src *bv_schema_src_new(const bv_live_opts *o); /* NULL: out of memory */
void bv_schema_src_free(bv_schema_src *s);               /* accepts NULL */
void bv_schema_src_invalidate(bv_schema_src *s);
int bv_schema_src_resolve(void *src, const bv_schema *from_table_map, bv_schema **out, char *note,
                          size_t notelen);

/* Run until stopped (SIGTERM/SIGINT), --stop-at-end, or a fatal error.
 * Returns a BV_EXIT_* code; messages go to the log (applog.h). */
int bv_live_run(const bv_live_opts *o);

#endif
