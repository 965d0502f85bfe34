/* Internal interfaces of the format library: record, block and segment
 * codecs. Used by the writer, readers, tools' tests and the fuzz targets.
 * Nothing here logs, reads configuration or exits. */
#ifndef BV_INTERNAL_H
#define BV_INTERNAL_H

#include <stdint.h>
#include <stddef.h>

#include "binvault/archive.h"
#include "binvault/error.h"
#include "binvault/event.h"
#include "binvault/gtid.h"
#include "bytes.h"

/* ------------------------------------------------------------ limits */
#define BV_FORMAT_VERSION 1
#define BV_MAX_NAME 255            /* binlog file names, db/table/column names */
#define BV_MAX_COLUMNS 4096
#define BV_MAX_MEMBERS 65535
#define BV_MAX_TEXT (1u << 30)     /* SQL text, notes, GTID set text */
#define BV_MAX_VALUE 0xffffffffu   /* one string/bytes value */
#define BV_MAX_BLOCK_RAW 0xffffffffu
#define BV_MAX_HEADER (1u << 20)
#define BV_MAX_FOOTER (1u << 30)

/* Record types inside a block payload: the event types plus SCHEMA. */
#define BV_REC_SCHEMA 9
#define BV_REC_MAX 9

/* ------------------------------------------------------------ schema codec */

/* Canonical encoding of a finished schema's body (no id). */
const bv_buf *bv_schema_encoding(const bv_schema *s);
/* Decode a schema body; *out is a new finished schema owned by the caller. */
int bv_schema_decode(bv_cur *c, bv_schema **out);

/* ------------------------------------------------------------ value codec */
void bv_value_encode(bv_buf *b, const bv_value *v);
/* BV_OK when v satisfies every rule bv_value_decode checks. */
int bv_value_check(const bv_value *v);
int bv_value_decode(bv_cur *c, bv_value *v);

/* ------------------------------------------------------------ record codec */

/* Per-block decoding state: the current binlog file (starts as the block's
 * first position file, changed by ROTATE) and the schemas by segment-local id. */
typedef struct bv_schemas {
    bv_schema **v;   /* indexed by schema id; owned */
    uint32_t n, cap;
} bv_schemas;

void bv_schemas_init(bv_schemas *t);
void bv_schemas_release(bv_schemas *t);
/* Takes ownership of s. Id must be exactly t->n (ids are dense, in order). */
int bv_schemas_add(bv_schemas *t, uint32_t id, bv_schema *s);

typedef struct bv_rec_ctx {
    bv_schemas *schemas;
    const char *file;      /* current binlog file (NUL-terminated, not owned) */
    size_t file_len;
    /* scratch for row images (owned) */
    bv_value *vals;
    size_t vals_cap;
} bv_rec_ctx;

/* Encode one event record (type byte first). schema_id is the segment-local
 * id of ev->schema for row events. */
int bv_record_encode(bv_buf *b, const bv_event *ev, uint32_t schema_id);
/* Check every value of a row event's images (the rules of bv_value_check)
 * and bound the bytes of its record: BV_OK and *max, or BV_E_RANGE
 * (BV_E_INVAL for an unknown kind) naming the first bad value's column and
 * kind. */
int bv_row_check(const bv_event *ev, uint64_t *max, uint32_t *bad_col, uint8_t *bad_kind);
/* bv_record_encode for a row event that bv_row_check accepted, with its
 * bound. */
int bv_record_encode_row(bv_buf *b, const bv_event *ev, uint32_t schema_id, uint64_t max);
/* Encode a SCHEMA record. */
void bv_record_encode_schema(bv_buf *b, uint32_t id, const bv_schema *s);

/* Decode one record. For event records *ev is filled (pointers into the
 * cursor's memory, ctx->vals and ctx->schemas) and *is_schema = 0; a SCHEMA
 * record is added to ctx->schemas and *is_schema = 1. */
int bv_record_decode(bv_cur *c, bv_rec_ctx *ctx, bv_event *ev, int *is_schema,
                     char *err, size_t errlen);
void bv_rec_ctx_release(bv_rec_ctx *ctx);

/* ------------------------------------------------------------ blocks */

#define BV_BLOCK_MAGIC "BVBK"
#define BV_BLOCK_FIXED 16          /* magic, codec, reserved, meta_len, payload_len, raw_len */
#define BV_CODEC_ZSTD 1

enum {
    BV_BLK_STARTS_IN_TXN = 1u << 0, /* first record continues a transaction */
    BV_BLK_ENDS_IN_TXN = 1u << 1,   /* a transaction is still open after the last record */
    BV_BLK_HAS_SCHEMA = 1u << 2,    /* holds at least one SCHEMA record */
    BV_BLK_FLAGS_KNOWN = 7u
};

typedef struct bv_block_meta {
    uint32_t flags;
    uint32_t events;           /* event records (SCHEMA records not counted) */
    uint32_t schemas;          /* SCHEMA records */
    uint64_t first_index;      /* index of the first event within the segment */
    uint64_t min_ts, max_ts;
    bv_str first_file; uint64_t first_offset; uint32_t first_row;
    bv_str last_file; uint64_t last_offset; uint32_t last_row;
    uint64_t counts[BV_EV_TYPE_MAX + 1];
} bv_block_meta;

/* A located block inside a segment file. */
typedef struct bv_block_ref {
    uint64_t offset;           /* of its magic */
    uint64_t length;           /* whole block incl. checksum */
    uint32_t payload_len, raw_len;
    bv_block_meta meta;        /* strings point into owned storage of the segment */
} bv_block_ref;

/* Encode the metadata section. */
void bv_block_meta_encode(bv_buf *b, const bv_block_meta *m);
int bv_block_meta_decode(bv_cur *c, bv_block_meta *m);

/* Build a whole block (header, meta, zstd payload, checksum) into out.
 * level: 0 for the default compression profile, 1..19 for that zstd level. */
int bv_block_build(bv_buf *out, const bv_block_meta *m, const uint8_t *raw, size_t raw_len,
                   int level, void *zcctx);

/* Parse a whole block in memory (p, n = exactly the block's bytes as given
 * by its header). Verifies the checksum first, then the structure. meta
 * strings point into p. */
int bv_block_parse(const uint8_t *p, size_t n, bv_block_meta *m, const uint8_t **payload,
                   uint32_t *payload_len, uint32_t *raw_len, char *err, size_t errlen);
/* From the fixed header (BV_BLOCK_FIXED bytes), the block's total length. */
int bv_block_length(const uint8_t *hdr, uint64_t *len);
/* Decompress a verified payload into out (exactly raw_len bytes). */
int bv_block_decompress(const uint8_t *payload, uint32_t payload_len, uint32_t raw_len,
                        bv_buf *out, void *zdctx);

/* ------------------------------------------------------------ segment header / footer */

#define BV_SEG_MAGIC "\x89" "BVSEG\r\n"
#define BV_SEG_MAGIC_LEN 8
#define BV_TRAILER_MAGIC "BVSEGEND"
#define BV_TRAILER_LEN 40
#define BV_FOOTER_MAGIC "BVFT"

typedef struct bv_seg_header {
    uint16_t version;
    uint64_t seq;
    uint64_t created_us;
    bv_source source;
    bv_str start_file;
    uint64_t start_offset;
    bv_str start_gtid;
} bv_seg_header;

typedef struct bv_seg_footer {
    uint32_t nblocks;
    bv_block_ref *blocks;      /* owned by whoever decoded it */
    bv_str end_file;
    uint64_t end_offset;
    bv_str end_gtid;
    uint64_t events;
    uint64_t counts[BV_EV_TYPE_MAX + 1];
    uint64_t raw_bytes;
    uint64_t min_ts, max_ts;
} bv_seg_footer;

void bv_seg_header_encode(bv_buf *b, const bv_seg_header *h);
/* Parse a header at the start of p; *hlen gets its total length. Strings
 * point into p. */
int bv_seg_header_parse(const uint8_t *p, size_t n, bv_seg_header *h, size_t *hlen,
                        char *err, size_t errlen);

void bv_seg_footer_encode(bv_buf *b, const bv_seg_footer *f);
/* Decode a footer body (checksum already verified); allocates f->blocks. */
int bv_seg_footer_decode(const uint8_t *p, size_t n, bv_seg_footer *f, char *err, size_t errlen);
void bv_seg_trailer_encode(uint8_t out[BV_TRAILER_LEN], uint64_t footer_off, uint64_t footer_len,
                           uint64_t footer_sum);
int bv_seg_trailer_parse(const uint8_t in[BV_TRAILER_LEN], uint64_t *footer_off,
                         uint64_t *footer_len, uint64_t *footer_sum);

/* ------------------------------------------------------------ segment files */

/* An opened segment file: header, located blocks, footer (if sealed). */
typedef struct bv_segment {
    int fd;
    char *path;
    uint64_t size;
    uint8_t *hdr_bytes;        /* owned copy of the header */
    size_t hdr_len;
    bv_seg_header hdr;
    int sealed;
    uint8_t *footer_bytes;     /* owned copy of the footer (sealed) */
    bv_seg_footer footer;      /* sealed: decoded footer; open: built from a scan */
    bv_block_ref *blocks;      /* = footer.blocks */
    uint32_t nblocks;
    uint64_t valid_end;        /* end of the last complete block (open segments) */
    bv_buf strings;            /* storage for block meta strings found by scanning */
    char **meta_strs;          /* owned strings for scanned block metas */
    size_t nmeta_strs;
} bv_segment;

/* Open a segment: verify and parse header; for a sealed segment the trailer
 * and footer; for an open one, scan blocks up to the last complete valid one
 * (a damaged block stops the scan: the bytes after it are torn_bytes). */
int bv_segment_open(bv_segment **out, const char *path, int sealed, char *err, size_t errlen);
void bv_segment_close(bv_segment *s);
/* For an open segment with bytes after its last complete block: 1 (and the
 * offset in *found) when a valid block lies somewhere after the first bad
 * one — damage, not a torn write — 0 when none does, or a negative error.
 * The search hashes at most 4x the tail plus 64 MiB; past that it answers 1
 * with the offset of the candidate it could not afford to check. */
int bv_segment_valid_block_after(bv_segment *s, uint64_t *found, char *err, size_t errlen);
/* Read and verify block i into blk (raw bytes) and decompress into raw. */
int bv_segment_read_block(bv_segment *s, uint32_t i, bv_buf *blk, bv_buf *raw, void *zdctx,
                          bv_block_meta *meta, char *err, size_t errlen);


/* ------------------------------------------------------------ names */

/* Build "SSSSSSSSSS-<file>-OOOOOOOOOOOO.bvseg" into out. File-name bytes
 * outside [A-Za-z0-9._-] are written as %XX. */
int bv_segment_name(char *out, size_t outlen, uint64_t seq, bv_str file, uint64_t offset,
                    int part);
/* Parse a segment name; returns 1 sealed, 0 part, negative if not a segment name. */
int bv_segment_name_parse(const char *name, uint64_t *seq, uint64_t *offset);


/* ------------------------------------------------------------ stream walker */

/* Validates the event stream rules (transaction structure, positions) and
 * tracks the resume position, executed GTID set and counters. Shared by the
 * writer (checking what it is given), recovery and verify. */
typedef struct bv_walk {
    bv_gtid_set *gtid;                 /* owned */
    char file[BV_MAX_NAME + 1];        /* current binlog file */
    size_t file_len;
    uint64_t end_offset;               /* resume offset in file */
    uint64_t last_offset;              /* offset of the last event (ordering) */
    int in_txn;
    bv_gtid txn_gtid;
    uint64_t events;                   /* counters since the last bv_walk_reset_counts() */
    uint64_t counts[BV_EV_TYPE_MAX + 1];
    uint64_t min_ts, max_ts;
} bv_walk;

int bv_walk_init(bv_walk *w, bv_str file, uint64_t offset, bv_str gtid_text, char *err, size_t errlen);
void bv_walk_release(bv_walk *w);
int bv_walk_copy(bv_walk *dst, const bv_walk *src);
void bv_walk_reset_counts(bv_walk *w);
/* Check ev against the rules without changing w. */
int bv_walk_check(const bv_walk *w, const bv_event *ev, char *err, size_t errlen);
/* Apply a checked event; fails only with BV_E_NOMEM. */
int bv_walk_apply(bv_walk *w, const bv_event *ev, char *err, size_t errlen);
/* Check ev against the rules and apply it; on a rule error w is unchanged. */
int bv_walk_event(bv_walk *w, const bv_event *ev, char *err, size_t errlen);
/* The executed GTID set as text (malloc'ed, caller frees). */
char *bv_walk_gtid_text(const bv_walk *w, size_t *len);

/* ------------------------------------------------------------ misc */
uint64_t bv_now_us(void);
int bv_fsync_dir(const char *dir, char *err, size_t errlen);
int bv_write_all(int fd, const void *p, size_t n, const char *path, char *err, size_t errlen);
int bv_pread_all(int fd, void *p, size_t n, uint64_t off, const char *path, char *err,
                 size_t errlen);

#endif
