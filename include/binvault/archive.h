/* binvault — archive directories: segment writer (with crash recovery),
 * readers, listing and verification. The file format is format/FORMAT.md.
 *
 * An archive directory holds one replication stream as a run of segment
 * files named
 *     SSSSSSSSSS-<binlog file>-OOOOOOOOOOOO.bvseg        (sealed)
 *     SSSSSSSSSS-<binlog file>-OOOOOOOOOOOO.bvseg.part   (open, newest only)
 * where S is the archive sequence number and O the start offset, both
 * zero-padded decimal, so that names sort in archive order. A file LOCK is
 * flock()ed by the one writer.
 */
#ifndef BINVAULT_ARCHIVE_H
#define BINVAULT_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>
#include "event.h"
#include "gtid.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- writer */

/* Identity of the replication source, written into every segment header. */
typedef struct bv_source {
    uint8_t flavor;        /* bv_gtid_flavor: BV_GTID_MYSQL, BV_GTID_MARIADB or NONE (unknown) */
    uint32_t server_id;
    bv_str server_uuid;    /* MySQL @@server_uuid text; empty for MariaDB */
    bv_str server_version;
} bv_source;

typedef struct bv_writer_opts {
    bv_source source;
    /* Start of the stream; used only when the archive holds no segment. */
    bv_str start_file;
    uint64_t start_offset;
    bv_str start_gtid_set; /* text accepted by bv_gtid_set_parse() */
    size_t block_size;     /* uncompressed bytes that trigger a block flush; default 1 MiB */
    int zstd_level;        /* 0 (default): zstd level 1 with 5-byte minimum matches,
                              tuned for row records (about level 3's size at level 1's
                              speed); 1..19: that zstd level. Readers do not depend on it. */
    uint64_t segment_size; /* seal at the next transaction boundary once the segment
                              holds this many bytes; default 256 MiB; 0 = never */
    unsigned file_mode;    /* default 0640 */
    unsigned dir_mode;     /* default 0750 (used when the directory is created) */
    unsigned compress_threads; /* 0 (default): compress and write blocks in the calling
                              thread; 1: in one background thread, overlapping with
                              encoding; when it falls behind (two blocks queued), the
                              calling thread compresses the next block itself and the
                              background thread only writes it (same bytes on disk
                              either way; flush, seal and close wait for it) */
} bv_writer_opts;

/* Fill o with the defaults above (zeroes elsewhere). */
void bv_writer_opts_init(bv_writer_opts *o);

/* What opening an archive for writing did to a torn newest segment. */
typedef struct bv_recovery {
    int recovered;          /* 1 when an open (.part) segment was found and checked */
    char segment[320];      /* its file name */
    uint64_t valid_bytes;   /* bytes kept */
    uint64_t bytes_cut;     /* bytes removed from its tail (torn block, partial transaction) */
    uint64_t events_cut;    /* decoded events dropped because their transaction was incomplete */
    uint32_t blocks_kept;
    int removed_empty;      /* 1 when the segment held no complete transaction and was removed */
    int removed_tmp;        /* number of leftover *.tmp files removed */
} bv_recovery;

typedef struct bv_writer bv_writer;

/* Open (creating it if missing, parent must exist) the archive directory for
 * appending, take its lock and recover the newest segment (see bv_recovery).
 * On success *out is owned by the caller: finish with bv_writer_close() or
 * bv_writer_free(). Fails with BV_E_LOCKED when another writer holds the
 * archive and BV_E_CORRUPT when damage is found anywhere but in the torn tail
 * of the newest open segment. */
int bv_writer_open(bv_writer **out, const char *dir, const bv_writer_opts *opts,
                   char *err, size_t errlen);

/* Append one event. The writer copies everything it needs; ev and its
 * pointers may be reused after the call. Transaction structure is enforced:
 * BEGIN, then INSERT/UPDATE/DELETE/DDL/NOTE, then COMMIT; ROTATE and NOTE
 * outside transactions. Row events need a finished schema (the caller keeps
 * it alive for the call). Events must carry the writer's current binlog file
 * (see bv_writer_end) and non-decreasing offsets. */
int bv_writer_append(bv_writer *w, const bv_event *ev, char *err, size_t errlen);

/* Write the buffered events as a block (if any) and fsync the segment. */
int bv_writer_flush(bv_writer *w, char *err, size_t errlen);

/* Flush, then seal the open segment (footer, trailer, fsync, rename, fsync
 * directory). Only at a transaction boundary (BV_E_STATE inside one). A no-op
 * when no segment is open. */
int bv_writer_seal(bv_writer *w, char *err, size_t errlen);

/* Flush, release the lock and free the writer; the open segment stays open
 * (.part) and is continued by the next bv_writer_open(). Frees w even on
 * error. Accepts NULL. */
int bv_writer_close(bv_writer *w, char *err, size_t errlen);

/* Free without flushing: buffered events are dropped as in a crash.
 * Accepts NULL. */
void bv_writer_free(bv_writer *w);

/* The archive's end: the position to resume from (binlog file, offset just
 * past the last complete transaction or rotate) and the executed GTID set.
 * Pointers are owned by the writer and valid until its next call. */
void bv_writer_end(const bv_writer *w, bv_str *file, uint64_t *offset);
const bv_gtid_set *bv_writer_gtid_set(const bv_writer *w);
/* 1 while a transaction is open (BEGIN appended, no COMMIT yet). */
int bv_writer_in_transaction(const bv_writer *w);
/* What bv_writer_open() recovered (owned by the writer). */
const bv_recovery *bv_writer_recovery(const bv_writer *w);

/* What bv_writer_open() found in the directory, read from the segment
 * headers it opens anyway: the archive's start (the first segment's start
 * position) and the source recorded by its newest segment. found is 0 for
 * an archive that had no segment. Owned by the writer, valid until it is
 * freed. */
typedef struct bv_writer_found {
    int found;
    bv_str start_file;
    uint64_t start_offset;
    bv_source source;
} bv_writer_found;
const bv_writer_found *bv_writer_existing(const bv_writer *w);

/* ---------------------------------------------------------------- listing */

typedef struct bv_segment_info {
    char name[320];          /* file name within the archive directory */
    uint64_t seq;            /* archive sequence number */
    int sealed;              /* 1 = .bvseg with footer, 0 = .part */
    char *problem;           /* NULL, or why the segment could not be read */
    bv_source source;
    bv_str start_file;
    uint64_t start_offset;
    bv_str end_file;         /* resume position after the segment */
    uint64_t end_offset;
    bv_str start_gtid_set;
    bv_str end_gtid_set;
    uint64_t min_ts_us, max_ts_us; /* event time range; 0 when empty */
    uint64_t events;
    uint64_t counts[BV_EV_TYPE_MAX + 1]; /* events by bv_event_type */
    uint32_t blocks;
    uint64_t file_bytes;     /* size on disk */
    uint64_t raw_bytes;      /* uncompressed size of the block payloads */
    uint64_t torn_bytes;     /* .part only: bytes after the last complete block */
} bv_segment_info;

typedef struct bv_archive bv_archive;

/* List the segments of an archive directory without modifying anything:
 * reads every header and footer (and, for an open segment, its complete
 * blocks). A segment that cannot be read still appears, with problem set.
 * Fails with BV_E_NOTFOUND for a missing directory and BV_E_CORRUPT when a
 * file in the directory is not a segment or names are out of order. */
int bv_archive_open(bv_archive **out, const char *dir, char *err, size_t errlen);
size_t bv_archive_count(const bv_archive *a);
/* Segment i in archive order (owned by the archive). */
const bv_segment_info *bv_archive_segment(const bv_archive *a, size_t i);
void bv_archive_free(bv_archive *a); /* accepts NULL */

/* ---------------------------------------------------------------- verify */

/* Called once per problem found: file name, byte offset in it (or
 * UINT64_MAX when none applies), error code and message. */
typedef void (*bv_problem_fn)(void *ctx, const char *file, uint64_t offset, int code,
                              const char *msg);

typedef struct bv_verify_stats {
    uint64_t segments, blocks, events, bytes, problems;
    uint64_t total_bytes;    /* size of everything to verify, known before the first segment */
} bv_verify_stats;

/* Called after each block with the running totals (for progress display). */
typedef void (*bv_progress_fn)(void *ctx, const bv_verify_stats *st);

typedef struct bv_verify_cb {
    bv_problem_fn problem;   /* may be NULL */
    bv_progress_fn progress; /* may be NULL */
    void *ctx;
} bv_verify_cb;

/* Check every checksum and structural rule of the named segments (names
 * relative to dir), or of the whole archive (and the continuity between its
 * segments) when names is NULL: headers, every block's checksum and
 * metadata, every record, transaction structure, footers against the
 * blocks, and each segment's start against the previous one's end.
 * Problems go to cb->problem (code BV_OK marks an informational note, such
 * as a torn tail of the open segment, which is not a problem). Returns
 * BV_OK when clean, BV_E_CORRUPT when any problem was reported, or another
 * code when verification itself could not run. cb and st may be NULL. */
int bv_archive_verify(const char *dir, const char *const *names, size_t nnames,
                      const bv_verify_cb *cb, bv_verify_stats *st,
                      char *err, size_t errlen);

/* ---------------------------------------------------------------- reader */

/* A range of events. Positions compare within one binlog file: "from" starts
 * at the first event of from_file whose offset >= from_offset (inclusive);
 * "to" stops before the first event of to_file whose offset >= to_offset, or
 * at the first event after to_file (exclusive). Times filter each event:
 * since <= ts < until. */
typedef struct bv_range {
    int has_from;
    bv_str from_file;
    uint64_t from_offset;
    int has_to;
    bv_str to_file;
    uint64_t to_offset;
    int has_since;
    uint64_t since_us;
    int has_until;
    uint64_t until_us;
} bv_range;

typedef struct bv_reader bv_reader;

/* Open a reader over an archive directory (range NULL = everything). Reads
 * sealed segments and an open segment up to its last complete block. Never
 * modifies the archive. */
int bv_reader_open(bv_reader **out, const char *dir, const bv_range *range,
                   char *err, size_t errlen);

/* Next event: returns 1 and sets *ev (owned by the reader, valid until the
 * next call), 0 at the end of the range, or a negative bv_err naming the
 * segment and byte offset of the damage. */
int bv_reader_next(bv_reader *r, const bv_event **ev, char *err, size_t errlen);

/* Name of the segment the last event came from ("" before the first). */
const char *bv_reader_segment(const bv_reader *r);

void bv_reader_free(bv_reader *r); /* accepts NULL */

#ifdef __cplusplus
}
#endif
#endif
