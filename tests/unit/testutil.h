/* Helpers shared by the archive-level unit tests (test_archive.c,
 * test_recovery.c, test_corrupt.c): an independent rendering of events, a
 * model of what was appended to a writer, the synthetic-stream feeder, the
 * writer options they all start from, and small file helpers.
 *
 * Everything here aborts on out-of-memory or on a test bug (a path that does
 * not fit); none of it counts as a check. Linked into every unit test
 * (Makefile), like harness.c. */
#ifndef BV_TESTUTIL_H
#define BV_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "binvault/archive.h"
#include "binvault/event.h"
#include "binvault/gtid.h"
#include "synth.h"

/* The source server UUID of tu_wopts() archives (MySQL flavour) and the
 * first binlog file name of the streams the tests write. */
#define TU_SYNTH_UUID "3e11fa47-71ca-11e1-9e33-c80aa9429562"
#define TU_FILE1 "mysql-bin.000001"

/* A bv_str viewing the NUL-terminated string p (not NULL). */
bv_str tu_str(const char *p);

/* snprintf for paths: the result must fit (a test bug otherwise: aborts). */
void tu_pathf(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------ string builder
 * A growable NUL-terminated string; start from tu_sb b = {0} and free(b.p). */

typedef struct tu_sb {
    char *p;
    size_t len, cap;
} tu_sb;

/* Make room for extra more bytes (and the NUL). */
void tu_sb_reserve(tu_sb *b, size_t extra);
/* Append n bytes of p. */
void tu_sb_raw(tu_sb *b, const char *p, size_t n);
/* Append the string s. */
void tu_sb_s(tu_sb *b, const char *s);
/* Append v in decimal. */
void tu_sb_u(tu_sb *b, uint64_t v);
void tu_sb_i(tu_sb *b, int64_t v);
/* Append the low digits hex digits of v, zero-padded, lower case. */
void tu_sb_hex(tu_sb *b, uint64_t v, int digits);
/* Append length-prefixed hex of arbitrary bytes: "<n>:<hex>". */
void tu_sb_bytes(tu_sb *b, const char *p, size_t n);
/* Empty the string (keeps the buffer). */
void tu_sb_reset(tu_sb *b);

/* ------------------------------------------------------------ event rendering
 * Our own rendering of everything an event means: equal renderings mean equal
 * events field by field (doubles and floats by bit pattern, strings as hex). */

void tu_render_value(tu_sb *b, const bv_value *v);
void tu_render_gtid(tu_sb *b, const bv_gtid *g);
/* The fields meaningful for the event's type (event.h), plus the transaction
 * context (server id, thread id, GTID, flags) that a reader copies from the
 * BEGIN into every event of the transaction but ROTATE and NOTE. */
void tu_render_event(tu_sb *b, const bv_event *e);

/* ------------------------------------------------------------ the model: our copy of what was appended */

/* One appended event, as a reader must return it. */
typedef struct tu_evmeta {
    char *render;              /* tu_render_event() of the event with its transaction context */
    char file[40];             /* position */
    uint64_t off;
    uint64_t ts;
    uint8_t type;
    /* the stream state after this event */
    int boundary;              /* outside a transaction */
    char end_file[64];         /* end position (as tu_model.end_file/end_off) */
    uint64_t end_off;
    char *gtid_text;           /* the GTID set, formatted */
} tu_evmeta;

typedef struct tu_model {
    tu_evmeta *ev;             /* every event appended, in order */
    size_t n, cap;
    int in_txn;
    uint32_t server_id, flags; /* context of the current transaction (from its BEGIN) */
    uint64_t thread_id;
    bv_gtid gtid;
    bv_gtid_set *gset;         /* start set plus every committed GTID */
    char end_file[64];         /* end of the last COMMIT or ROTATE */
    uint64_t end_off;
    uint64_t counts[BV_EV_TYPE_MAX + 1]; /* events per type */
    uint64_t commits;
} tu_model;

/* An empty model for a stream starting at start_file:start_off with the
 * GTID set start_gtid (text). Free with tu_model_free(). */
void tu_model_init(tu_model *m, const char *start_file, uint64_t start_off, const char *start_gtid);
void tu_model_free(tu_model *m);
/* Record ev as appended: its rendering and the stream state after it. */
void tu_model_add(tu_model *m, const bv_event *ev);

/* Failed appends so far; tu_append() notes the first five. Tests that
 * expect failures reset it to 0. */
extern unsigned tu_append_failures;

/* bv_writer_append(w, ev); on success record ev in m. Returns the writer's code. */
int tu_append(bv_writer *w, tu_model *m, const bv_event *ev);
/* Append synthetic events until ntxns more transactions are committed,
 * flushing after each COMMIT when flush_each. Stops at the first error. */
int tu_feed(bv_writer *w, tu_model *m, bv_synth *s, uint64_t ntxns, int flush_each);

/* ------------------------------------------------------------ writer options */

/* Writer options for a test archive: server id 1, TU_SYNTH_UUID (MySQL
 * flavour) or no UUID, version "8.0.36-test", starting at TU_FILE1:4 with
 * the GTID set start_gtid; the given block and segment sizes. */
void tu_wopts(bv_writer_opts *o, size_t block, uint64_t segment, const char *start_gtid, int flavor);

/* ------------------------------------------------------------ small helpers */

/* Whether msg (may be NULL) contains needle. */
int tu_has(const char *msg, const char *needle);
/* Monotonic clock in seconds. */
double tu_now_s(void);
/* Copy the file src to dst (created or truncated, mode 0640); 0 or -1. */
int tu_copy_file(const char *src, const char *dst);
/* Size of path, or -1 when it cannot be stat'ed. */
long long tu_file_size(const char *path);
/* Write exactly the n bytes of p to path (created or truncated, mode 0640); 0 or -1. */
int tu_write_file(const char *path, const void *p, size_t n);

#endif
