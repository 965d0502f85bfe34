/* Maxwell's Daemon-compatible JSON for archived row events (replayer/README.md
 * "Output format" documents every type with an example). */
#ifndef BV_MAXWELL_H
#define BV_MAXWELL_H

#include <stdint.h>

#include "binvault/event.h"
#include "bytes.h"

typedef struct bv_mx_opts {
    int binlog_position;     /* output_binlog_position: "position":"file:offset" (default off) */
    int gtid_position;       /* output_gtid_position: "gtid" (default off) */
    int commit_info;         /* output_commit_info: "xid", "xoffset", "commit" (default on) */
    int xoffset;             /* output_xoffset (default on, as Maxwell's code) */
    int nulls;               /* output_nulls: null columns in data/old (default on) */
    int server_id;           /* output_server_id (default off) */
    int thread_id;           /* output_thread_id (default off) */
    int primary_keys;        /* output_primary_keys (default off) */
    int primary_key_columns; /* output_primary_key_columns (default off) */
    /* columns left out of data and old (--exclude-columns); NULL = none */
    int (*exclude)(void *ctx, const char *name, size_t len);
    void *exclude_ctx;
} bv_mx_opts;

void bv_mx_opts_init(bv_mx_opts *o);

/* Where a row stands in its transaction, for the commit info. */
typedef struct bv_mx_txn {
    int has_xid;
    uint64_t xid;
    uint64_t xoffset; /* index of this row among the transaction's published rows */
    int last;         /* the transaction's last published row: "commit":true */
} bv_mx_txn;

/* The row message is rendered in two parts around the commit info, so that
 * rows can be rendered before their transaction's xid is known:
 *   head: {"database":..,"table":..,"type":..,"ts":N
 *   tail: [,"position"..][,"gtid"..]..,"data":{..}[,"old":{..}]}
 * and bv_mx_commit() appends the part between them. */
void bv_mx_row_head(bv_buf *b, const bv_event *ev);
void bv_mx_commit(bv_buf *b, const bv_mx_txn *t, const bv_mx_opts *o);
void bv_mx_row_tail(bv_buf *b, const bv_event *ev, const bv_mx_opts *o);

/* A DDL message (output_ddl): {"type":"ddl","database":..,"sql":..,"ts":ms,..}.
 * Maxwell classifies DDL into table-create etc. from its own schema
 * tracking; binvault keeps the statement and says "ddl" (README). */
void bv_mx_ddl(bv_buf *b, const bv_event *ev, const bv_mx_opts *o);

/* The Kafka key: {"database":..,"table":..,"pk.col":value,...}; a table
 * without a primary key gets "_uuid" with a random UUID (as Maxwell). */
void bv_mx_key(bv_buf *b, const bv_event *ev);

/* One value as Maxwell renders it (column c gives the charset, fsp, ENUM
 * and SET members). ABSENT must not be passed. */
void bv_mx_value(bv_buf *b, const bv_value *v, const bv_column *c);

/* The text a value contributes to a partition string (Java toString of
 * Maxwell's value: strings without quotes, NULL as "null"). */
void bv_mx_value_text(bv_buf *b, const bv_value *v, const bv_column *c);

/* Java String.hashCode of UTF-8 text (over its UTF-16 code units). */
int32_t bv_java_hash(const char *p, size_t n);
/* Maxwell's partition for a hash: abs(hash % n). */
int32_t bv_mx_partition(int32_t hash, int32_t npartitions);

/* Frees the renderer's per-thread caches (column-name texts, scratch
 * buffers); rendering after it rebuilds them. Call once when done. */
void bv_mx_release_caches(void);

/* ---------------------------------------------------------------- Debezium */

/* --format debezium: the Debezium MySQL connector's change event value
 * (JSON converter without schemas): {"before","after","source","op","ts_ms"}
 * with source {version, connector, name, ts_ms, snapshot, db, table,
 * server_id, gtid, file, pos, row, thread, query}; op c/u/d. Values follow
 * Debezium's defaults except DECIMAL, which is a string (as with
 * decimal.handling.mode=string): replayer/README.md has the table. name is
 * the logical server name (--server-name). */
void bv_dbz_value(bv_buf *b, const bv_event *ev, const char *name);
/* Debezium's key: {"col":value,...} of the primary key ({} without one). */
void bv_dbz_key(bv_buf *b, const bv_event *ev);

#endif
