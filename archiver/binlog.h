/* The binlog decoder (internal to binvault-archiver): framing, event
 * parsers, TABLE_MAP schemas, row images, column values and binary JSON.
 * Every parser reads through the bounds-checked cursor of format/bytes.h;
 * nothing here logs or exits. Byte layouts follow MySQL's and MariaDB's
 * binlog v4 format (see archiver/README.md for the sources of each fact). */
#ifndef BV_BINLOG_H
#define BV_BINLOG_H

#include <stddef.h>
#include <stdint.h>

#include "binvault/event.h"
#include "bytes.h"

/* ------------------------------------------------------------ arena */

/* Stable storage for decoded strings (decimal text, JSON text, padded
 * binary): pointers stay valid until bv_arena_reset(). */
typedef struct bv_arena_chunk bv_arena_chunk;
typedef struct bv_arena {
    bv_arena_chunk *head; /* newest chunk first */
    uint8_t *cur;         /* free space of the newest chunk */
    size_t left;
    size_t used_total;
} bv_arena;

void bv_arena_init(bv_arena *a);
void *bv_arena_alloc_slow(bv_arena *a, size_t n);
/* n bytes (8-byte aligned), or NULL when out of memory. */
static inline void *bv_arena_alloc(bv_arena *a, size_t n)
{
    size_t need = (n + 7) & ~(size_t)7;
    if (need < n || need > a->left)
        return bv_arena_alloc_slow(a, n);
    void *p = a->cur;
    a->cur += need;
    a->left -= need;
    a->used_total += need;
    return p;
}
void bv_arena_reset(bv_arena *a);   /* keeps the first chunk for reuse */
void bv_arena_release(bv_arena *a);

/* ------------------------------------------------------------ big-endian reads */

static inline uint64_t bv_rdbe(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static inline uint64_t bv_rdle(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

/* MySQL length-encoded ("packed") integer: 0..250, 0xFC+2, 0xFD+3, 0xFE+8.
 * 0xFB (NULL) and 0xFF are errors here. */
int bv_cur_packed(bv_cur *c, uint64_t *v);

/* ------------------------------------------------------------ column values */

/* Decode the length and real type hidden in a STRING (254) column's
 * metadata: real type 254 (CHAR/BINARY), 247 (ENUM) or 248 (SET); length is
 * the maximum byte length (CHAR) or the pack length (ENUM/SET). */
void bv_string_meta(uint32_t meta, uint8_t *real_type, uint32_t *length);

/* Decode one non-NULL column value of a row image. col gives the binlog
 * type, real_type, meta (the TABLE_MAP metadata as one integer, e.g.
 * precision << 8 | scale for NEWDECIMAL), BV_COL_UNSIGNED and charset
 * (63 = binary). On success the cursor has advanced past the value and *out
 * holds it; strings point into the cursor's memory or into arena. On failure
 * the cursor is unchanged and *out holds no usable value.
 * Mapping (FORMAT.md "MySQL column types"): integers -> INT/UINT, FLOAT,
 * DOUBLE, NEWDECIMAL -> DECIMAL text, YEAR, DATE, TIME/TIME2, DATETIME/
 * DATETIME2, TIMESTAMP/TIMESTAMP2 -> TIMESTAMP, character data -> STRING,
 * binary charset -> BYTES (BINARY(n) re-padded with 0x00 to n), ENUM, SET,
 * BIT, JSON -> JSON text, GEOMETRY (SRID + WKB), VECTOR.
 * Errors: BV_E_TRUNCATED (value runs past the image), BV_E_DECODE (a type
 * or metadata this decoder does not understand, an invalid encoding). */
int bv_binlog_value(bv_cur *c, const bv_column *col, bv_arena *arena, bv_value *out, char *err,
                    size_t errlen);

/* The decoder of one column, chosen once per TABLE_MAP column by
 * bv_coldec_init from the column's type and metadata (one small decoder
 * per type behind a table). The fields are its own; callers use
 * bv_coldec_value. */
typedef struct bv_coldec bv_coldec;
/* What a column decoder works on besides the value: the row image's
 * cursor, the arena for converted text, and the caller's error buffer. */
typedef struct bv_dec_io {
    bv_cur c;
    bv_arena *arena;
    char *err;
    size_t errlen;
} bv_dec_io;
typedef int (*bv_coldec_fn)(const bv_coldec *cd, bv_dec_io *io, bv_value *out);
struct bv_coldec {
    bv_coldec_fn fn;
    const bv_column *col; /* borrowed: type and meta for messages */
    const char *bad;      /* metadata refused: the reason every value reports */
    uint32_t n;           /* width, length-prefix bytes, pack length or DECIMAL binary size */
    uint32_t max;         /* CHAR/VARCHAR maximum byte length */
    uint16_t prec, scale; /* DECIMAL precision and scale; fsp of TIME2/DATETIME2/TIMESTAMP2 */
    uint8_t kind;         /* the value kind where the type has a choice (INT/UINT, STRING/BYTES, ENUM/SET) */
    uint8_t ngroups, nint; /* DECIMAL up to 18 digits: its digit groups, the first nint integral */
    uint8_t gdigits[6];   /* digits of each group (1..9) */
    uint8_t goff[6];      /* its first byte in the value */
    uint8_t gshift[6];    /* 64 - 8 * its bytes: moves it down from the top of a big-endian word */
};

/* Choose col's decoder. Never fails: metadata that bv_binlog_value would
 * refuse gives a decoder that refuses every value with the same message
 * (a TABLE_MAP with such a column is accepted; its non-NULL values are
 * not). col must outlive cd. */
void bv_coldec_init(bv_coldec *cd, const bv_column *col);

/* Decode one non-NULL value with cd: bv_binlog_value's contract, except
 * that it reads from and advances io->c, and after a failure io->c and
 * *out are unspecified (the caller gives up on the row). */
static inline int bv_coldec_value(const bv_coldec *cd, bv_dec_io *io, bv_value *out)
{
    return cd->fn(cd, io, out);
}

/* NEWDECIMAL binary (precision, scale) at p (n bytes available) to text
 * "-?D+(.D{scale})?" without leading zeros; *used = bytes consumed. The
 * text is written into out (NUL-terminated); outlen >= 70 suffices. */
int bv_decimal_bin_to_text(const uint8_t *p, size_t n, unsigned precision, unsigned scale, char *out,
                           size_t outlen, size_t *used);
/* Bytes of a NEWDECIMAL(precision, scale) value. */
size_t bv_decimal_bin_size(unsigned precision, unsigned scale);

/* MySQL binary JSON (the JSON column format) to JSON text exactly as MySQL
 * prints it (", " and ": " separators, doubles in shortest round-trip form
 * with ".0" added to integral values, opaque DECIMAL unquoted, temporal
 * opaque values with 6 fractional digits). An empty input is "null". */
int bv_json_binary_to_text(const uint8_t *p, size_t n, bv_buf *out, char *err, size_t errlen);

/* ------------------------------------------------------------ events */

enum {
    BV_BL_QUERY = 2, BV_BL_STOP = 3, BV_BL_ROTATE = 4, BV_BL_INTVAR = 5, BV_BL_RAND = 13,
    BV_BL_USER_VAR = 14, BV_BL_FDE = 15, BV_BL_XID = 16, BV_BL_TABLE_MAP = 19,
    BV_BL_WRITE_V1 = 23, BV_BL_UPDATE_V1 = 24, BV_BL_DELETE_V1 = 25, BV_BL_INCIDENT = 26,
    BV_BL_HEARTBEAT = 27, BV_BL_IGNORABLE = 28, BV_BL_ROWS_QUERY = 29, BV_BL_WRITE_V2 = 30,
    BV_BL_UPDATE_V2 = 31, BV_BL_DELETE_V2 = 32, BV_BL_GTID = 33, BV_BL_ANON_GTID = 34,
    BV_BL_PREV_GTIDS = 35, BV_BL_TRX_CONTEXT = 36, BV_BL_VIEW_CHANGE = 37, BV_BL_XA_PREPARE = 38,
    BV_BL_PARTIAL_UPDATE = 39, BV_BL_PAYLOAD = 40, BV_BL_HEARTBEAT_V2 = 41, BV_BL_GTID_TAGGED = 42,
    BV_BL_MARIA_ANNOTATE = 160, BV_BL_MARIA_CHECKPOINT = 161, BV_BL_MARIA_GTID = 162,
    BV_BL_MARIA_GTID_LIST = 163, BV_BL_MARIA_START_ENCRYPTION = 164, BV_BL_MARIA_QUERY_Z = 165,
    BV_BL_MARIA_WRITE_Z1 = 166, BV_BL_MARIA_UPDATE_Z1 = 167, BV_BL_MARIA_DELETE_Z1 = 168,
    BV_BL_MARIA_WRITE_Z2 = 169, BV_BL_MARIA_UPDATE_Z2 = 170, BV_BL_MARIA_DELETE_Z2 = 171
};

#define BV_BL_HEADER_LEN 19
#define BV_BL_F_IN_USE 0x0001
#define BV_BL_F_ARTIFICIAL 0x0020
#define BV_BL_MAGIC "\xfe" "bin"

/* The format description in force (from the last FORMAT_DESCRIPTION). */
typedef struct bv_fde {
    int seen;
    uint16_t binlog_version;
    char server_version[51];
    uint8_t header_len;
    uint8_t post_header[256]; /* post_header[type] */
    unsigned n_post;
    int checksum;             /* 1 = every event after this FDE ends with a CRC32 */
    int mariadb;              /* server version mentions MariaDB */
} bv_fde;

/* One framed event: the 19-byte header's fields and its body (after the
 * common header, without the CRC). */
typedef struct bv_rawev {
    uint64_t offset;          /* of the event in its file (or of the outer event) */
    uint32_t ts;
    uint8_t type;
    uint32_t server_id;
    uint32_t size;
    uint32_t log_pos;
    uint16_t flags;
    const uint8_t *body;
    size_t body_len;
    int inner;                /* 1 inside a TRANSACTION_PAYLOAD */
} bv_rawev;

/* Frame the event at p (n bytes available, at file offset off) under fde:
 * checks the size fields and, when the FDE says so, the CRC32 (for an FDE
 * itself: decided by its own server version, with the in-use flag cleared
 * first). Returns BV_OK, BV_E_TRUNCATED when the event continues past n
 * (*need = bytes needed), or BV_E_CORRUPT / BV_E_DECODE with a message. */
int bv_binlog_frame(const uint8_t *p, size_t n, uint64_t off, const bv_fde *fde, int inner, bv_rawev *ev,
                    size_t *need, char *err, size_t errlen);

/* Parse a FORMAT_DESCRIPTION body into fde. */
int bv_binlog_parse_fde(const bv_rawev *ev, bv_fde *fde, char *err, size_t errlen);

/* CRC-32 (zlib) of n bytes. */
uint32_t bv_crc32(const uint8_t *p, size_t n);

/* ------------------------------------------------------------ decoder */

typedef struct bv_decoder bv_decoder;

/* Receives each archive event in stream order. Returning non-zero stops
 * decoding with that code. Pointers in ev are valid during the call. */
typedef int (*bv_sink_fn)(void *ctx, const bv_event *ev, char *err, size_t errlen);

typedef struct bv_decoder_stats {
    uint64_t events;                 /* binlog events framed (incl. inner) */
    uint64_t rows;
    uint64_t transactions;
    uint64_t skipped[256];           /* known events skipped knowingly, by type */
    uint64_t unknown[256];           /* unknown event types skipped by size */
    uint64_t bytes;
} bv_decoder_stats;

bv_decoder *bv_decoder_new(bv_sink_fn sink, void *ctx);
void bv_decoder_free(bv_decoder *d);

/* Start a binlog file: name is its base name (positions carry it). The
 * first event must be a FORMAT_DESCRIPTION after the 4-byte magic. */
int bv_decoder_begin_file(bv_decoder *d, const char *name, char *err, size_t errlen);

/* Decode one framed top-level event of the current file. */
int bv_decoder_event(bv_decoder *d, const bv_rawev *ev, char *err, size_t errlen);

/* The file ended (file_size = its length). If it ended without a ROTATE
 * and next_name is non-NULL, a ROTATE to next_name:4 is emitted. */
int bv_decoder_end_file(bv_decoder *d, uint64_t file_size, const char *next_name, char *err, size_t errlen);

/* State read by the archiver before opening its writer. */
const bv_fde *bv_decoder_fde(const bv_decoder *d);
/* GTID set text from the first PREVIOUS_GTIDS / GTID_LIST ("" if none). */
const char *bv_decoder_start_gtids(const bv_decoder *d);
/* BV_GTID_MYSQL / BV_GTID_MARIADB when known from the events, else NONE. */
int bv_decoder_flavor(const bv_decoder *d);
uint32_t bv_decoder_server_id(const bv_decoder *d);
/* server_id of the current file's FORMAT_DESCRIPTION event (0 before it). */
uint32_t bv_decoder_file_server_id(const bv_decoder *d);
int bv_decoder_in_transaction(const bv_decoder *d);
const bv_decoder_stats *bv_decoder_get_stats(const bv_decoder *d);
/* Skip events before this position of the first file (resume). */
void bv_decoder_resume_at(bv_decoder *d, uint64_t offset);

/* Called for a TABLE_MAP without column names (binlog_row_metadata is not
 * FULL), with the schema decoded from it (names @1..@n; owned by the
 * decoder). It may set *out to a finished schema with the same number of
 * columns (names, signedness, charsets, ENUM/SET members, key from another
 * source; ownership passes to the decoder) or leave it NULL; a non-empty
 * note is archived as a warning NOTE. A non-zero return stops decoding
 * with that code (note holds the reason). */
typedef int (*bv_schema_fn)(void *ctx, const bv_schema *from_table_map, bv_schema **out, char *note,
                            size_t notelen);
void bv_decoder_set_schema_resolver(bv_decoder *d, bv_schema_fn fn, void *ctx);

/* ------------------------------------------------------------ TABLE_MAP */

/* A decoded TABLE_MAP: the schema (finished; owned) and the column
 * nullability the row images need. */
typedef struct bv_tablemap {
    uint64_t table_id;
    bv_schema *schema;
    uint32_t ncols;
} bv_tablemap;

/* Parse a TABLE_MAP body (post-header length from the FDE) into tm. */
int bv_binlog_parse_table_map(const bv_rawev *ev, const bv_fde *fde, bv_tablemap *tm, char *err,
                              size_t errlen);
void bv_tablemap_release(bv_tablemap *tm);

#endif
