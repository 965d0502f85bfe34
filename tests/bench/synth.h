/* Deterministic synthetic CDC stream: transactions of row events on a
 * realistic 10-column table, occasional DDL (a new table version) and
 * binlog rotations. Used by the demo, tests and benchmarks. */
#ifndef BV_SYNTH_H
#define BV_SYNTH_H

#include <stdint.h>
#include "binvault/error.h"
#include "binvault/event.h"

typedef struct bv_synth bv_synth;

typedef struct bv_synth_opts {
    uint64_t seed;
    const char *file;          /* first binlog file name, e.g. "mysql-bin.000001" */
    uint64_t start_offset;     /* default 4 */
    uint64_t start_ts_us;      /* default 2026-01-01T00:00:00Z */
    uint32_t max_rows_per_txn; /* default 8 */
    uint64_t rotate_every;     /* rotate when the offset passes this; default 1 GiB */
    uint64_t ddl_every;        /* a DDL transaction every N transactions; 0 = never; default 0 */
    int gtid_flavor;           /* BV_GTID_MYSQL (default) or BV_GTID_MARIADB */
} bv_synth_opts;

void bv_synth_opts_init(bv_synth_opts *o);
bv_synth *bv_synth_new(const bv_synth_opts *o);
/* Next event (owned by the generator, valid until the next call). */
const bv_event *bv_synth_next(bv_synth *s);
/* Number of row events and transactions produced so far. */
uint64_t bv_synth_rows(const bv_synth *s);
uint64_t bv_synth_txns(const bv_synth *s);
void bv_synth_free(bv_synth *s);

#endif
