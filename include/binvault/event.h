/* binvault — the decoded event model: typed values, table schemas, GTIDs
 * and events. This is what the archiver hands to the segment writer and what
 * a segment reader hands back. The on-disk encoding is specified in
 * format/FORMAT.md.
 */
#ifndef BINVAULT_EVENT_H
#define BINVAULT_EVENT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A byte string that is not necessarily NUL-terminated and not necessarily
 * UTF-8. Strings handed out by the library are NUL-terminated as well (the
 * NUL is not counted in len). */
typedef struct bv_str {
    const char *ptr;
    size_t len;
} bv_str;

/* ---------------------------------------------------------------- values */

typedef enum bv_value_kind {
    BV_VAL_NULL = 0,     /* SQL NULL */
    BV_VAL_ABSENT = 1,   /* column not present in this row image (MINIMAL/NOBLOB) */
    BV_VAL_INT = 2,      /* signed integer: v.i */
    BV_VAL_UINT = 3,     /* unsigned integer: v.u */
    BV_VAL_FLOAT = 4,    /* v.f */
    BV_VAL_DOUBLE = 5,   /* v.d */
    BV_VAL_DECIMAL = 6,  /* exact decimal as ASCII text "-?D+(.D+)?": v.s */
    BV_VAL_DATE = 7,     /* v.dt (year, month, day; zero parts allowed) */
    BV_VAL_TIME = 8,     /* v.time */
    BV_VAL_DATETIME = 9, /* v.dt */
    BV_VAL_TIMESTAMP = 10, /* v.ts: seconds since the Unix epoch, UTC */
    BV_VAL_YEAR = 11,    /* v.u: 0..9999 (MySQL YEAR holds 0 and 1901..2155) */
    BV_VAL_STRING = 12,  /* character data in the column's charset: v.s */
    BV_VAL_BYTES = 13,   /* binary data: v.s */
    BV_VAL_JSON = 14,    /* JSON document as UTF-8 JSON text: v.s */
    BV_VAL_BIT = 15,     /* v.u (bit width in the column's meta) */
    BV_VAL_ENUM = 16,    /* v.u: 1-based member index, 0 = the '' error value */
    BV_VAL_SET = 17,     /* v.u: member bitmask, bit 0 = first member */
    BV_VAL_GEOMETRY = 18,/* 4-byte little-endian SRID followed by WKB: v.s */
    BV_VAL_VECTOR = 19,  /* little-endian float32 array: v.s */
    BV_VAL_JSON_DIFF = 20, /* a partial JSON update (MySQL PARTIAL_JSON) as UTF-8 JSON text: an
                              array of {"op":"replace"|"insert"|"remove","path":P[,"value":V]} */
    BV_VAL_KIND_MAX = 20
} bv_value_kind;

typedef struct bv_value {
    uint8_t kind; /* bv_value_kind */
    union {
        int64_t i;
        uint64_t u;
        float f;
        double d;
        bv_str s;
        struct { uint16_t year; uint8_t month, day, hour, minute, second; uint32_t usec; } dt;
        struct { uint8_t negative; uint32_t hour; uint8_t minute, second; uint32_t usec; } time;
        struct { uint64_t sec; uint32_t usec; } ts;
    } v;
} bv_value;

/* ---------------------------------------------------------------- schema */

/* MySQL binlog column type codes (enum_field_types), as they appear in a
 * TABLE_MAP event. */
enum {
    BV_MYSQL_TYPE_DECIMAL = 0, BV_MYSQL_TYPE_TINY = 1, BV_MYSQL_TYPE_SHORT = 2,
    BV_MYSQL_TYPE_LONG = 3, BV_MYSQL_TYPE_FLOAT = 4, BV_MYSQL_TYPE_DOUBLE = 5,
    BV_MYSQL_TYPE_NULL = 6, BV_MYSQL_TYPE_TIMESTAMP = 7, BV_MYSQL_TYPE_LONGLONG = 8,
    BV_MYSQL_TYPE_INT24 = 9, BV_MYSQL_TYPE_DATE = 10, BV_MYSQL_TYPE_TIME = 11,
    BV_MYSQL_TYPE_DATETIME = 12, BV_MYSQL_TYPE_YEAR = 13, BV_MYSQL_TYPE_NEWDATE = 14,
    BV_MYSQL_TYPE_VARCHAR = 15, BV_MYSQL_TYPE_BIT = 16, BV_MYSQL_TYPE_TIMESTAMP2 = 17,
    BV_MYSQL_TYPE_DATETIME2 = 18, BV_MYSQL_TYPE_TIME2 = 19, BV_MYSQL_TYPE_TYPED_ARRAY = 20,
    BV_MYSQL_TYPE_VECTOR = 242, BV_MYSQL_TYPE_JSON = 245, BV_MYSQL_TYPE_NEWDECIMAL = 246,
    BV_MYSQL_TYPE_ENUM = 247, BV_MYSQL_TYPE_SET = 248, BV_MYSQL_TYPE_TINY_BLOB = 249,
    BV_MYSQL_TYPE_MEDIUM_BLOB = 250, BV_MYSQL_TYPE_LONG_BLOB = 251, BV_MYSQL_TYPE_BLOB = 252,
    BV_MYSQL_TYPE_VAR_STRING = 253, BV_MYSQL_TYPE_STRING = 254, BV_MYSQL_TYPE_GEOMETRY = 255
};

/* Column flags (bv_column.flags). */
enum {
    BV_COL_UNSIGNED = 1u << 0,
    BV_COL_NULLABLE = 1u << 1,
    BV_COL_PRIMARY_KEY = 1u << 2,
    BV_COL_INVISIBLE = 1u << 3,
    BV_COL_BINARY = 1u << 4 /* binary charset / collation 63 */
};

/* Where a schema's column names came from (bv_schema_source). */
typedef enum bv_schema_source {
    BV_SCHEMA_FROM_TABLE_MAP = 0, /* binlog_row_metadata=FULL: exact for its time */
    BV_SCHEMA_FROM_LIVE = 1,      /* taken from a live server's information_schema */
    BV_SCHEMA_NO_NAMES = 2        /* no source: columns are named @1..@n */
} bv_schema_source;

/* One column. When passed to bv_schema_add_column() every pointer is copied;
 * when returned by bv_schema_column() every pointer is owned by the schema. */
typedef struct bv_column {
    bv_str name;          /* UTF-8 column name */
    uint8_t type;         /* BV_MYSQL_TYPE_* as in the TABLE_MAP */
    uint8_t real_type;    /* ENUM/SET hidden in STRING resolved; else == type */
    uint16_t flags;       /* BV_COL_* */
    uint32_t meta;        /* TABLE_MAP column metadata as an integer (length, bits, fsp...) */
    uint16_t precision;   /* DECIMAL precision; 0 when not applicable */
    uint16_t scale;       /* DECIMAL scale or fractional-second digits */
    uint32_t charset;     /* collation id; 0 = unknown, 63 = binary */
    uint32_t geometry_type;
    uint32_t vector_dims;
    uint32_t nmembers;    /* ENUM/SET member count */
    const bv_str *members;/* ENUM/SET member names, nmembers entries */
    bv_str type_name;     /* SQL type text when known ("inet6", "int(10) unsigned"), else empty */
} bv_column;

/* A table schema: database, table, columns and primary key. Immutable once
 * finished; written once per table version per segment. */
typedef struct bv_schema bv_schema;

/* Start building a schema. Returns NULL on allocation failure. The strings
 * are copied. The caller owns the result and frees it with bv_schema_free(). */
bv_schema *bv_schema_new(bv_str database, bv_str table, bv_schema_source source);

/* Append a column (all its strings are copied). Fails with BV_E_STATE after
 * bv_schema_finish() and BV_E_RANGE past 4096 columns. */
int bv_schema_add_column(bv_schema *s, const bv_column *col, char *err, size_t errlen);

/* Set the primary key: ncols column indexes in key order; prefix[i] is the
 * prefix length of key part i, or 0 for the whole column (prefix may be NULL).
 * Marks those columns with BV_COL_PRIMARY_KEY. */
int bv_schema_set_primary_key(bv_schema *s, const uint32_t *cols, const uint32_t *prefix,
                              uint32_t ncols, char *err, size_t errlen);

/* Freeze the schema and compute its identity hash. Required before use in a
 * writer. */
int bv_schema_finish(bv_schema *s, char *err, size_t errlen);

/* Free a schema; accepts NULL. Schemas returned by a reader are owned by the
 * reader and must not be freed by the caller. */
void bv_schema_free(bv_schema *s);

/* Accessors. Returned pointers are owned by the schema and live as long as it. */
bv_str bv_schema_database(const bv_schema *s);
bv_str bv_schema_table(const bv_schema *s);
bv_schema_source bv_schema_get_source(const bv_schema *s);
uint32_t bv_schema_ncols(const bv_schema *s);
const bv_column *bv_schema_column(const bv_schema *s, uint32_t i);
/* All columns as one array of bv_schema_ncols() entries (NULL when there are
 * none): bv_schema_columns(s)[i] is bv_schema_column(s, i). */
const bv_column *bv_schema_columns(const bv_schema *s);
uint32_t bv_schema_pk_count(const bv_schema *s);
/* Column index of primary key part i (i < bv_schema_pk_count()). */
uint32_t bv_schema_pk_column(const bv_schema *s, uint32_t i);
uint32_t bv_schema_pk_prefix(const bv_schema *s, uint32_t i);
/* XXH64 of the schema's canonical encoding: equal hashes mean equal schemas. */
uint64_t bv_schema_hash(const bv_schema *s);

/* ---------------------------------------------------------------- GTIDs */

typedef enum bv_gtid_flavor {
    BV_GTID_NONE = 0,
    BV_GTID_MYSQL = 1,   /* uuid[:tag]:gno */
    BV_GTID_MARIADB = 2  /* domain-server-seq */
} bv_gtid_flavor;

#define BV_GTID_TAG_MAX 32

typedef struct bv_gtid {
    uint8_t flavor;                  /* bv_gtid_flavor */
    uint8_t uuid[16];                /* MySQL source uuid */
    char tag[BV_GTID_TAG_MAX + 1];   /* MySQL 8.4+ tag, NUL-terminated, "" when none */
    uint32_t domain;                 /* MariaDB domain id */
    uint32_t server_id;              /* MariaDB originating server id */
    uint64_t seq;                    /* MySQL gno or MariaDB seq_no */
} bv_gtid;

/* Render a GTID as text ("3e11fa47-71ca-11e1-9e33-c80aa9429562:23",
 * "...:tag:23" or "0-1-100"; "" for BV_GTID_NONE) into buf (always
 * NUL-terminated when len > 0). Returns the length it needed. */
size_t bv_gtid_format(const bv_gtid *g, char *buf, size_t len);

/* ---------------------------------------------------------------- events */

typedef enum bv_event_type {
    BV_EV_BEGIN = 1,   /* transaction start: gtid, server_id, thread_id, flags */
    BV_EV_INSERT = 2,  /* row insert: after image */
    BV_EV_UPDATE = 3,  /* row update: before and after images */
    BV_EV_DELETE = 4,  /* row delete: before image */
    BV_EV_DDL = 5,     /* statement other than row changes: database, sql */
    BV_EV_COMMIT = 6,  /* transaction end: commit_kind, xid, end_offset */
    BV_EV_ROTATE = 7,  /* the source moved to binlog file new_file at end_offset */
    BV_EV_NOTE = 8,    /* a warning or notice recorded in the archive: text */
    BV_EV_TYPE_MAX = 8
} bv_event_type;

typedef enum bv_commit_kind {
    BV_COMMIT_XID = 0,      /* XID event */
    BV_COMMIT_QUERY = 1,    /* COMMIT statement (non-transactional engines) */
    BV_COMMIT_ROLLBACK = 2, /* ROLLBACK statement */
    BV_COMMIT_IMPLICIT = 3  /* end of a DDL or other self-committing statement */
} bv_commit_kind;

typedef enum bv_note_level {
    BV_NOTE_INFO = 0,
    BV_NOTE_WARNING = 1
} bv_note_level;

/* A binlog position: the binlog file, the byte offset of the binlog event
 * that produced this archive event, and the row index within that binlog
 * event (0 for non-row events). (file, offset, row) is the stable event id. */
typedef struct bv_pos {
    bv_str file;
    uint64_t offset;
    uint32_t row;
} bv_pos;

/* One decoded event. Which fields are meaningful depends on type; the others
 * are zero. For events returned by a reader every pointer is owned by the
 * reader and valid until the next bv_reader_next() call (schemas: until
 * bv_reader_free()). For events passed to a writer, the writer copies what it
 * needs before returning. */
typedef struct bv_event {
    uint8_t type;          /* bv_event_type */
    bv_pos pos;
    uint64_t ts_us;        /* event time, microseconds since the Unix epoch */

    /* BEGIN (and, when returned by a reader, every event of the transaction
     * except NOTE: copied from its BEGIN) */
    uint32_t server_id;
    uint64_t thread_id;
    bv_gtid gtid;
    uint32_t flags;        /* source-specific transaction flags (MariaDB GTID flags) */

    /* INSERT / UPDATE / DELETE */
    const bv_schema *schema;
    uint32_t ncols;        /* == bv_schema_ncols(schema) */
    const bv_value *before;/* UPDATE, DELETE: ncols values */
    const bv_value *after; /* INSERT, UPDATE: ncols values */

    /* DDL */
    bv_str database;
    bv_str sql;            /* statement text as bytes (not necessarily UTF-8) */

    /* COMMIT */
    uint8_t commit_kind;   /* bv_commit_kind */
    uint64_t xid;
    /* COMMIT: the binlog offset just past the transaction (where a replica
     * resumes); ROTATE: the offset to start at in new_file. */
    uint64_t end_offset;

    /* ROTATE */
    bv_str new_file;

    /* NOTE */
    uint8_t note_level;    /* bv_note_level */
    bv_str text;
} bv_event;

/* Name of an event type ("begin", "insert", ...); "unknown" otherwise. */
const char *bv_event_type_name(int type);
/* Name of a value kind ("null", "int", ...); "unknown" otherwise. */
const char *bv_value_kind_name(int kind);

#ifdef __cplusplus
}
#endif
#endif
