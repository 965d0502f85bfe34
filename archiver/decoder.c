/* The binlog decoder: one small parser per event type behind a table, and
 * the transaction assembly that turns binlog events into archive events
 * (BEGIN, rows, DDL, COMMIT, ROTATE, NOTE). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "binlog.h"
#include "binvault/gtid.h"

typedef struct tmap_entry {
    uint64_t id;
    bv_tablemap tm;
    uint8_t *key;      /* the TABLE_MAP body after the table id: same bytes, same table */
    size_t keylen;
    bv_coldec *plan;   /* the decoder of each column of tm.schema */
} tmap_entry;

struct bv_decoder {
    bv_sink_fn sink;
    void *ctx;
    bv_schema_fn resolve;      /* names for TABLE_MAPs without metadata */
    void *resolve_ctx;
    bv_fde fde;
    char file[256];
    int file_started;
    int saw_stop;
    /* a ROTATE counts only if it is the last event of its file */
    int pending_rotate;
    char rotate_name[256];
    uint64_t rotate_pos, rotate_offset, rotate_ts;
    uint64_t resume_at;
    tmap_entry *tables;
    size_t ntables, captables;
    /* the next transaction's GTID */
    int have_gtid;
    bv_gtid gtid;
    uint64_t gtid_offset;
    uint32_t gtid_flags;
    int standalone;            /* MariaDB FL_STANDALONE: one statement, no BEGIN/COMMIT */
    int maria_begun;           /* the transaction was begun by a MariaDB GTID event */
    int synth_txn;             /* begun for rows without a BEGIN: ends at STMT_END_F */
    int in_txn;
    uint64_t row_offset;       /* binlog event the row index counts in */
    uint32_t row_index;
    char *start_gtids;
    int any_txn;
    int flavor;
    uint32_t server_id;
    uint32_t file_server_id; /* of the current file's FORMAT_DESCRIPTION */
    int warned_unknown[256];
    bv_arena arena;
    bv_value *before, *after;
    size_t vcap;
    bv_buf zbuf;
    bv_decoder_stats st;
};

typedef int (*parse_fn)(bv_decoder *d, const bv_rawev *ev, char *err, size_t errlen);

/* ------------------------------------------------------------ emitting */

static int emit(bv_decoder *d, bv_event *e, const bv_rawev *ev, char *err, size_t errlen)
{
    e->pos.file.ptr = d->file;
    e->pos.file.len = strlen(d->file);
    if (!e->ts_us)
        e->ts_us = (uint64_t)ev->ts * 1000000u;
    return d->sink(d->ctx, e, err, errlen);
}

static int emit_note(bv_decoder *d, const bv_rawev *ev, int level, const char *text, char *err, size_t errlen)
{
    bv_event e;
    memset(&e, 0, sizeof(e));
    e.type = BV_EV_NOTE;
    /* a note never goes ahead of the pending GTID (the BEGIN's position) */
    e.pos.offset = d->have_gtid && d->gtid_offset < ev->offset ? d->gtid_offset : ev->offset;
    e.note_level = (uint8_t)level;
    e.text.ptr = text;
    e.text.len = strlen(text);
    return emit(d, &e, ev, err, errlen);
}

static int emit_begin(bv_decoder *d, const bv_rawev *ev, uint64_t thread_id, char *err, size_t errlen)
{
    bv_event e;
    memset(&e, 0, sizeof(e));
    e.type = BV_EV_BEGIN;
    e.pos.offset = d->have_gtid && d->gtid_offset <= ev->offset ? d->gtid_offset : ev->offset;
    e.server_id = ev->server_id;
    e.thread_id = thread_id;
    if (d->have_gtid) {
        e.gtid = d->gtid;
        e.flags = d->gtid_flags;
    }
    d->have_gtid = 0;
    d->in_txn = 1;
    d->any_txn = 1;
    d->server_id = ev->server_id;
    return emit(d, &e, ev, err, errlen);
}

static int emit_commit(bv_decoder *d, const bv_rawev *ev, int kind, uint64_t xid, char *err, size_t errlen)
{
    d->maria_begun = 0;
    d->synth_txn = 0;
    bv_event e;
    memset(&e, 0, sizeof(e));
    e.type = BV_EV_COMMIT;
    e.pos.offset = ev->offset;
    e.end_offset = ev->offset + ev->size;
    e.commit_kind = (uint8_t)kind;
    e.xid = xid;
    d->in_txn = 0;
    d->standalone = 0;
    d->st.transactions++;
    return emit(d, &e, ev, err, errlen);
}

/* A new group starts while the previous one never committed (a relay log
 * after a reconnect, or a file cut short): record it as rolled back. */
static int close_incomplete(bv_decoder *d, const bv_rawev *ev, char *err, size_t errlen)
{
    if (!d->in_txn)
        return BV_OK;
    char msg[640];
    snprintf(msg, sizeof(msg), "%s:%llu: a transaction never committed before the next one began; recorded as rolled back",
             d->file, (unsigned long long)ev->offset);
    int rc = emit_note(d, ev, BV_NOTE_WARNING, msg, err, errlen);
    if (rc)
        return rc;
    bv_rawev at = *ev;
    at.size = 0;
    return emit_commit(d, &at, BV_COMMIT_ROLLBACK, 0, err, errlen);
}

/* ------------------------------------------------------------ QUERY */

static int word_is(const char *s, size_t n, const char *w)
{
    size_t k = strlen(w);
    if (n < k || strncasecmp(s, w, k) != 0)
        return 0;
    for (size_t i = k; i < n; i++)
        if (!isspace((unsigned char)s[i]) && s[i] != ';')
            return 0;
    return 1;
}

static int prefix_is(const char *s, size_t n, const char *w)
{
    size_t k = strlen(w);
    return n >= k && strncasecmp(s, w, k) == 0 && (n == k || isspace((unsigned char)s[k]));
}

/* MariaDB compressed payload: header byte 0x80 | alg << 4 | lenlen, the
 * uncompressed length big-endian, then a zlib stream. */
static int maria_uncompress(bv_decoder *d, const uint8_t *p, size_t n, const uint8_t **out, size_t *outlen, char *err,
                            size_t errlen, uint64_t off)
{
    if (n < 1 || (p[0] & 0xe0) != 0x80 || (p[0] & 0x07) < 1 || (p[0] & 0x07) > 4 || n < 1u + (p[0] & 0x07))
        return bv_seterr(err, errlen, BV_E_DECODE, "offset %llu: bad MariaDB compression header", (unsigned long long)off);
    unsigned lenlen = p[0] & 0x07;
    uint64_t len = bv_rdbe(p + 1, lenlen);
    /* zlib cannot expand more than about 1032:1 */
    if (len > (1ull << 32) || len > (uint64_t)(n - 1 - lenlen) * 1032 + 1024)
        return bv_seterr(err, errlen, BV_E_DECODE, "offset %llu: compressed event claims %llu bytes",
                         (unsigned long long)off, (unsigned long long)len);
    bv_buf_reset(&d->zbuf);
    if (bv_buf_reserve(&d->zbuf, (size_t)len + 1))
        return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
    uLongf got = (uLongf)len;
    int zr = uncompress(d->zbuf.data, &got, p + 1 + lenlen, (uLong)(n - 1 - lenlen));
    if (zr != Z_OK || got != len)
        return bv_seterr(err, errlen, BV_E_DECODE, "offset %llu: MariaDB compressed event does not inflate (zlib %d)",
                         (unsigned long long)off, zr);
    d->zbuf.len = (size_t)len;
    *out = d->zbuf.data;
    *outlen = (size_t)len;
    return BV_OK;
}

static int parse_query(bv_decoder *d, const bv_rawev *ev, char *err, size_t errlen)
{
    bv_cur c = bv_cur_make(ev->body, ev->body_len);
    uint32_t thread_id = 0, exec_time = 0;
    uint8_t dblen = 0;
    uint16_t errcode, svlen = 0;
    const uint8_t *db, *sv, *skip;
    int rc;
    unsigned ph = d->fde.post_header[BV_BL_QUERY] ? d->fde.post_header[BV_BL_QUERY] : 13;
    if (ev->type == BV_BL_MARIA_QUERY_Z && d->fde.post_header[BV_BL_MARIA_QUERY_Z])
        ph = d->fde.post_header[BV_BL_MARIA_QUERY_Z];
    if (ph < 11 || (rc = bv_cur_u32le(&c, &thread_id)) || (rc = bv_cur_u32le(&c, &exec_time)) ||
        (rc = bv_cur_u8(&c, &dblen)) || (rc = bv_cur_u16le(&c, &errcode)) ||
        (ph >= 13 && (rc = bv_cur_u16le(&c, &svlen))) || (ph > 13 && (rc = bv_cur_bytes(&c, ph - 13, &skip))) ||
        (rc = bv_cur_bytes(&c, svlen, &sv)) || (rc = bv_cur_bytes(&c, dblen, &db)) || (rc = bv_cur_skip(&c, 1)))
        return bv_seterr(err, errlen, BV_E_DECODE, "%s: offset %llu: QUERY event malformed (status variables %u bytes, "
                         "database %u bytes, in a %zu-byte body)", d->file, (unsigned long long)ev->offset, svlen,
                         dblen, ev->body_len);
    (void)exec_time;
    (void)errcode;
    const uint8_t *q = c.p;
    size_t qn = c.left;
    if (ev->type == BV_BL_MARIA_QUERY_Z && (rc = maria_uncompress(d, q, qn, &q, &qn, err, errlen, ev->offset)))
        return rc;
    const char *sql = (const char *)q;
    while (qn && isspace((unsigned char)*sql)) {
        sql++;
        qn--;
    }
    int maria_begun = d->maria_begun;
    d->maria_begun = 0;
    if (word_is(sql, qn, "BEGIN") || prefix_is(sql, qn, "XA START") || prefix_is(sql, qn, "XA BEGIN")) {
        if (maria_begun && d->in_txn)
            return BV_OK; /* the GTID event already began it */
        if ((rc = close_incomplete(d, ev, err, errlen)))
            return rc;
        return emit_begin(d, ev, thread_id, err, errlen);
    }
    if (word_is(sql, qn, "COMMIT") && d->in_txn)
        return emit_commit(d, ev, BV_COMMIT_QUERY, 0, err, errlen);
    if (word_is(sql, qn, "ROLLBACK") && d->in_txn)
        return emit_commit(d, ev, BV_COMMIT_ROLLBACK, 0, err, errlen);
    if (prefix_is(sql, qn, "XA END") && d->in_txn)
        return BV_OK; /* the group ends with XA_PREPARE or XA COMMIT ONE PHASE */
    /* Any other statement: DDL, or statement-based DML. Outside a
     * transaction it commits itself. */
    int self = !d->in_txn;
    if (self && (rc = emit_begin(d, ev, thread_id, err, errlen)))
        return rc;
    bv_event e;
    memset(&e, 0, sizeof(e));
    e.type = BV_EV_DDL;
    e.pos.offset = ev->offset;
    e.database.ptr = (const char *)db;
    e.database.len = dblen;
    e.sql.ptr = sql;
    e.sql.len = qn;
    if ((rc = emit(d, &e, ev, err, errlen)))
        return rc;
    if (self || (d->standalone && prefix_is(sql, qn, "XA COMMIT")))
        return emit_commit(d, ev, BV_COMMIT_IMPLICIT, 0, err, errlen);
    return BV_OK;
}

/* ------------------------------------------------------------ XID, XA */

static int parse_xid(bv_decoder *d, const bv_rawev *ev, char *err, size_t errlen)
{
    if (ev->body_len != 8)
        return bv_seterr(err, errlen, BV_E_DECODE, "%s: offset %llu: XID event body is %zu bytes, not 8", d->file,
                         (unsigned long long)ev->offset, ev->body_len);
    if (!d->in_txn) {
        char msg[640];
        snprintf(msg, sizeof(msg), "%s:%llu: XID without a transaction (ignored)", d->file,
                 (unsigned long long)ev->offset);
        return emit_note(d, ev, BV_NOTE_WARNING, msg, err, errlen);
    }
    return emit_commit(d, ev, BV_COMMIT_XID, bv_rdle(ev->body, 8), err, errlen);
}

static int parse_xa_prepare(bv_decoder *d, const bv_rawev *ev, char *err, size_t errlen)
{
    if (ev->body_len < 13)
        return bv_seterr(err, errlen, BV_E_DECODE, "%s: offset %llu: XA_PREPARE event too short", d->file,
                         (unsigned long long)ev->offset);
    if (!d->in_txn)
        return BV_OK;
    /* The prepared branch is durable on the source; its XA COMMIT follows
     * as a statement of its own. */
    return emit_commit(d, ev, BV_COMMIT_XID, 0, err, errlen);
}

/* ------------------------------------------------------------ GTIDs */

static int parse_gtid(bv_decoder *d, const bv_rawev *ev, char *err, size_t errlen)
{
    bv_cur c = bv_cur_make(ev->body, ev->body_len);
    uint8_t flags;
    const uint8_t *sid;
    uint64_t gno;
    int rc;
    if ((rc = bv_cur_u8(&c, &flags)) || (rc = bv_cur_bytes(&c, 16, &sid)) || (rc = bv_cur_u64le(&c, &gno)))
        return bv_seterr(err, errlen, BV_E_DECODE, "%s: offset %llu: GTID event truncated", d->file,
                         (unsigned long long)ev->offset);
    if ((rc = close_incomplete(d, ev, err, errlen)))
        return rc;
    memset(&d->gtid, 0, sizeof(d->gtid));
    d->have_gtid = 1;
    d->gtid_offset = ev->offset;
    d->gtid_flags = 0;
    d->standalone = 0;
    if (ev->type == BV_BL_GTID) {
        if (gno == 0 || gno >= (1ull << 63))
            return bv_seterr(err, errlen, BV_E_DECODE, "%s: offset %llu: GTID number %llu out of range", d->file,
                             (unsigned long long)ev->offset, (unsigned long long)gno);
        d->gtid.flavor = BV_GTID_MYSQL;
        memcpy(d->gtid.uuid, sid, 16);
        d->gtid.seq = gno;
        d->flavor = BV_GTID_MYSQL;
    }
    return BV_OK;
}

/* mysql::serialization variable-length unsigned integer (MySQL 8.3+). */
static int ser_varlen(bv_cur *c, uint64_t *v)
{
    uint8_t b0;
    int rc = bv_cur_u8(c, &b0);
    if (rc)
        return rc;
    unsigned n = 1;
    while (n < 9 && (b0 >> (n - 1) & 1))
        n++;
    const uint8_t *p = NULL;
    if (n > 1 && (rc = bv_cur_bytes(c, n - 1, &p)))
        return rc;
    if (n == 9) {
        *v = bv_rdle(p, 8);
        return BV_OK;
    }
    uint64_t rest = n > 1 ? bv_rdle(p, n - 1) : 0;
    *v = ((uint64_t)b0 >> n) | (rest << (8 - n));
    return BV_OK;
}

static int parse_gtid_tagged(bv_decoder *d, const bv_rawev *ev, char *err, size_t errlen)
{
    bv_cur c = bv_cur_make(ev->body, ev->body_len);
    uint64_t version, size, last_id, id, v;
    bv_gtid g;
    int rc, have_gno = 0;
    memset(&g, 0, sizeof(g));
    g.flavor = BV_GTID_MYSQL;
    if ((rc = ser_varlen(&c, &version)) || (rc = ser_varlen(&c, &size)) || (rc = ser_varlen(&c, &last_id)))
        goto bad;
    if (size > ev->body_len)
        goto bad;
    bv_cur fields = bv_cur_make(ev->body, (size_t)size);
    if ((rc = bv_cur_skip(&fields, ev->body_len - c.left)))
        goto bad;
    while (fields.left) {
        if ((rc = ser_varlen(&fields, &id)))
            goto bad;
        switch (id) {
        case 1:
            for (int i = 0; i < 16; i++) {
                if ((rc = ser_varlen(&fields, &v)) || v > 255)
                    goto bad;
                g.uuid[i] = (uint8_t)v;
            }
            break;
        case 2:
            if ((rc = ser_varlen(&fields, &v)))
                goto bad;
            g.seq = (v >> 1) ^ -(v & 1);
            have_gno = 1;
            break;
        case 3: {
            const uint8_t *t;
            if ((rc = ser_varlen(&fields, &v)) || v > BV_GTID_TAG_MAX || (rc = bv_cur_bytes(&fields, (size_t)v, &t)))
                goto bad;
            memcpy(g.tag, t, (size_t)v);
            g.tag[v] = 0;
            break;
        }
        default:
            if (id > 11)
                goto bad; /* unknown field: its encoding cannot be skipped */
            if ((rc = ser_varlen(&fields, &v)))
                goto bad;
            break;
        }
    }
    if (!have_gno || g.seq == 0 || !bv_gtid_valid(&g))
        goto bad;
    if ((rc = close_incomplete(d, ev, err, errlen)))
        return rc;
    d->gtid = g;
    d->have_gtid = 1;
    d->gtid_offset = ev->offset;
    d->gtid_flags = 0;
    d->standalone = 0;
    d->flavor = BV_GTID_MYSQL;
    return BV_OK;
bad:
    return bv_seterr(err, errlen, BV_E_DECODE, "%s: offset %llu: GTID_TAGGED_LOG event malformed", d->file,
                     (unsigned long long)ev->offset);
}

static void set_start_gtids(bv_decoder *d, const char *text)
{
    if (d->any_txn || d->start_gtids)
        return;
    d->start_gtids = strdup(text);
}

static int parse_prev_gtids(bv_decoder *d, const bv_rawev *ev, char *err, size_t errlen)
{
    bv_cur c = bv_cur_make(ev->body, ev->body_len);
    uint64_t w0, nsids;
    bv_buf t;
    int rc = BV_OK;
    bv_buf_init(&t);
    if (bv_cur_u64le(&c, &w0))
        goto bad;
    int tagged = (w0 >> 56) == 1;
    if ((w0 >> 56) > 1)
        goto bad;
    nsids = tagged ? (w0 & 0x00ffffffffffff00ull) >> 8 : (w0 & 0x00ffffffffffffffull);
    if (nsids > c.left / 16)
        goto bad;
    for (uint64_t i = 0; i < nsids; i++) {
        const uint8_t *u, *tag = NULL;
        uint64_t taglen = 0, nint;
        char buf[128];
        if (bv_cur_bytes(&c, 16, &u))
            goto bad;
        if (tagged && (ser_varlen(&c, &taglen) || taglen > BV_GTID_TAG_MAX || bv_cur_bytes(&c, (size_t)taglen, &tag)))
            goto bad;
        if (bv_cur_u64le(&c, &nint) || nint > c.left / 16)
            goto bad;
        snprintf(buf, sizeof(buf), "%s%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                 i ? "," : "", u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
                 u[14], u[15]);
        bv_buf_put(&t, buf, strlen(buf));
        if (taglen) {
            bv_buf_put_u8(&t, ':');
            bv_buf_put(&t, tag, (size_t)taglen);
        }
        for (uint64_t k = 0; k < nint; k++) {
            uint64_t lo, hi;
            if (bv_cur_u64le(&c, &lo) || bv_cur_u64le(&c, &hi) || lo == 0 || hi <= lo)
                goto bad;
            snprintf(buf, sizeof(buf), hi - 1 == lo ? ":%llu" : ":%llu-%llu", (unsigned long long)lo,
                     (unsigned long long)(hi - 1));
            bv_buf_put(&t, buf, strlen(buf));
        }
    }
    bv_buf_put_u8(&t, 0);
    if (bv_buf_status(&t)) {
        rc = bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
        goto out;
    }
    if (nsids)
        d->flavor = BV_GTID_MYSQL;
    set_start_gtids(d, (const char *)t.data);
    goto out;
bad:
    rc = bv_seterr(err, errlen, BV_E_DECODE, "%s: offset %llu: PREVIOUS_GTIDS event malformed", d->file,
                   (unsigned long long)ev->offset);
out:
    bv_buf_release(&t);
    return rc;
}

static int parse_maria_gtid(bv_decoder *d, const bv_rawev *ev, char *err, size_t errlen)
{
    bv_cur c = bv_cur_make(ev->body, ev->body_len);
    uint64_t seq;
    uint32_t domain;
    uint8_t flags;
    int rc;
    if (bv_cur_u64le(&c, &seq) || bv_cur_u32le(&c, &domain) || bv_cur_u8(&c, &flags) || seq == 0)
        return bv_seterr(err, errlen, BV_E_DECODE, "%s: offset %llu: MariaDB GTID event malformed", d->file,
                         (unsigned long long)ev->offset);
    if ((rc = close_incomplete(d, ev, err, errlen)))
        return rc;
    memset(&d->gtid, 0, sizeof(d->gtid));
    d->gtid.flavor = BV_GTID_MARIADB;
    d->gtid.domain = domain;
    d->gtid.server_id = ev->server_id;
    d->gtid.seq = seq;
    d->gtid_flags = flags;
    d->gtid_offset = ev->offset;
    d->have_gtid = 1;
    d->standalone = flags & 1;
    d->flavor = BV_GTID_MARIADB;
    if (d->standalone)
        return BV_OK;
    /* A MariaDB GTID event begins its transaction; no BEGIN query need
     * follow (row events may come right after it). */
    if ((rc = emit_begin(d, ev, 0, err, errlen)))
        return rc;
    d->maria_begun = 1;
    return BV_OK;
}

typedef struct glist_entry {
    uint32_t domain, server;
    uint64_t seq;
} glist_entry;

static int cmp_glist(const void *a, const void *b)
{
    const glist_entry *x = a, *y = b;
    if (x->domain != y->domain)
        return x->domain < y->domain ? -1 : 1;
    if (x->seq != y->seq)
        return x->seq > y->seq ? -1 : 1;
    return x->server < y->server ? -1 : x->server > y->server;
}

static int parse_maria_gtid_list(bv_decoder *d, const bv_rawev *ev, char *err, size_t errlen)
{
    bv_cur c = bv_cur_make(ev->body, ev->body_len);
    uint32_t w;
    bv_buf t;
    bv_buf_init(&t);
    if (bv_cur_u32le(&c, &w))
        goto bad;
    uint32_t n = w & 0x0fffffff;
    if (n > c.left / 16)
        goto bad;
    /* The list is the binlog state: one entry per (domain, server). The
     * position of a domain is its entry with the highest sequence number. */
    glist_entry *e = malloc((n ? n : 1) * sizeof(*e));
    if (!e) {
        bv_buf_release(&t);
        return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
    }
    for (uint32_t i = 0; i < n; i++) {
        e[i].domain = (uint32_t)bv_rdle(c.p + 16 * i, 4);
        e[i].server = (uint32_t)bv_rdle(c.p + 16 * i + 4, 4);
        e[i].seq = bv_rdle(c.p + 16 * i + 8, 8);
    }
    qsort(e, n, sizeof(*e), cmp_glist);
    for (uint32_t i = 0; i < n; i++) {
        if (i && e[i].domain == e[i - 1].domain)
            continue; /* sorted by domain, then highest seq first */
        char buf[64];
        snprintf(buf, sizeof(buf), "%s%u-%u-%llu", t.len ? "," : "", e[i].domain, e[i].server,
                 (unsigned long long)e[i].seq);
        bv_buf_put(&t, buf, strlen(buf));
    }
    free(e);
    bv_buf_put_u8(&t, 0);
    d->flavor = BV_GTID_MARIADB;
    if (!bv_buf_status(&t) && !(ev->flags & BV_BL_F_ARTIFICIAL))
        set_start_gtids(d, (const char *)t.data);
    bv_buf_release(&t);
    return BV_OK;
bad:
    bv_buf_release(&t);
    return bv_seterr(err, errlen, BV_E_DECODE, "%s: offset %llu: GTID_LIST event malformed", d->file,
                     (unsigned long long)ev->offset);
}

/* ------------------------------------------------------------ ROTATE, FDE, misc */

static int parse_rotate(bv_decoder *d, const bv_rawev *ev, char *err, size_t errlen)
{
    uint64_t pos = 4;
    size_t skip = 0;
    if (d->fde.post_header[BV_BL_ROTATE] >= 8 || !d->fde.seen) {
        if (ev->body_len < 8)
            return bv_seterr(err, errlen, BV_E_DECODE, "%s: offset %llu: ROTATE event truncated", d->file,
                             (unsigned long long)ev->offset);
        pos = bv_rdle(ev->body, 8);
        skip = 8;
    }
    size_t n = ev->body_len - skip;
    if (n == 0 || n >= sizeof(d->rotate_name) || memchr(ev->body + skip, 0, n))
        return bv_seterr(err, errlen, BV_E_DECODE, "%s: offset %llu: ROTATE names an invalid file", d->file,
                         (unsigned long long)ev->offset);
    if ((ev->ts == 0 && ev->log_pos == 0) || (ev->flags & BV_BL_F_ARTIFICIAL)) {
        d->st.skipped[ev->type]++;
        return BV_OK; /* artificial: names the source's file in a relay log */
    }
    d->pending_rotate = 1;
    memcpy(d->rotate_name, ev->body + skip, n);
    d->rotate_name[n] = 0;
    d->rotate_pos = pos;
    d->rotate_offset = ev->offset;
    d->rotate_ts = ev->ts;
    return BV_OK;
}

static int parse_fde_ev(bv_decoder *d, const bv_rawev *ev, char *err, size_t errlen)
{
    char msg[640];
    int rc = bv_binlog_parse_fde(ev, &d->fde, msg, sizeof(msg));
    if (rc)
        return bv_seterr(err, errlen, rc, "%s: %s", d->file, msg);
    if (!d->server_id)
        d->server_id = ev->server_id;
    d->file_server_id = ev->server_id;
    if (d->fde.mariadb && d->flavor == BV_GTID_NONE)
        d->flavor = BV_GTID_MARIADB;
    return BV_OK;
}

static int parse_skip(bv_decoder *d, const bv_rawev *ev, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    d->st.skipped[ev->type]++;
    return BV_OK;
}

static int parse_stop(bv_decoder *d, const bv_rawev *ev, char *err, size_t errlen)
{
    d->saw_stop = 1;
    return parse_skip(d, ev, err, errlen);
}

static int parse_incident(bv_decoder *d, const bv_rawev *ev, char *err, size_t errlen)
{
    char msg[400];
    uint16_t kind = ev->body_len >= 2 ? (uint16_t)bv_rdle(ev->body, 2) : 0;
    int mlen = ev->body_len >= 3 ? ev->body[2] : 0;
    if ((size_t)mlen > ev->body_len - 3)
        mlen = 0;
    snprintf(msg, sizeof(msg), "%s:%llu: INCIDENT %u on the source (%.*s): events may be missing from the binlog",
             d->file, (unsigned long long)ev->offset, kind, mlen, mlen ? (const char *)ev->body + 3 : "");
    return emit_note(d, ev, BV_NOTE_WARNING, msg, err, errlen);
}

static int parse_encrypted(bv_decoder *d, const bv_rawev *ev, char *err, size_t errlen)
{
    return bv_seterr(err, errlen, BV_E_DECODE, "%s: offset %llu: the binlog is encrypted (START_ENCRYPTION); "
                     "binvault cannot decode encrypted binlogs", d->file, (unsigned long long)ev->offset);
}

/* ------------------------------------------------------------ TABLE_MAP */

static tmap_entry *find_table(bv_decoder *d, uint64_t id)
{
    for (size_t i = d->ntables; i-- > 0;)
        if (d->tables[i].id == id)
            return &d->tables[i];
    return NULL;
}

static int parse_table_map(bv_decoder *d, const bv_rawev *ev, char *err, size_t errlen)
{
    unsigned idlen = d->fde.post_header[BV_BL_TABLE_MAP] == 6 ? 4 : 6;
    if (ev->body_len < idlen)
        return bv_seterr(err, errlen, BV_E_DECODE, "%s: offset %llu: TABLE_MAP truncated", d->file,
                         (unsigned long long)ev->offset);
    uint64_t id = bv_rdle(ev->body, idlen);
    const uint8_t *key = ev->body + idlen;
    size_t keylen = ev->body_len - idlen;
    tmap_entry *t = find_table(d, id);
    if (t && t->keylen == keylen && memcmp(t->key, key, keylen) == 0)
        return BV_OK; /* the same table version again */
    bv_tablemap tm;
    char msg[300];
    int rc = bv_binlog_parse_table_map(ev, &d->fde, &tm, msg, sizeof(msg));
    if (rc)
        return bv_seterr(err, errlen, rc, "%s: %s", d->file, msg);
    if (d->resolve && bv_schema_get_source(tm.schema) == BV_SCHEMA_NO_NAMES) {
        bv_schema *named = NULL;
        char note[600] = "";
        rc = d->resolve(d->resolve_ctx, tm.schema, &named, note, sizeof(note));
        if (rc) {
            bv_schema_free(named);
            bv_tablemap_release(&tm);
            return bv_seterr(err, errlen, rc, "%s: offset %llu: %s", d->file, (unsigned long long)ev->offset,
                             note[0] ? note : "cannot name the columns of a TABLE_MAP");
        }
        if (named) {
            if (bv_schema_ncols(named) != tm.ncols) {
                bv_schema_free(named);
            } else {
                bv_schema_free(tm.schema);
                tm.schema = named;
            }
        }
        if (note[0] && (rc = emit_note(d, ev, BV_NOTE_WARNING, note, err, errlen))) {
            bv_tablemap_release(&tm);
            return rc;
        }
    }
    uint32_t nc = bv_schema_ncols(tm.schema);
    const bv_column *cl = bv_schema_columns(tm.schema);
    uint8_t *k = malloc(keylen ? keylen : 1);
    bv_coldec *plan = malloc((nc ? nc : 1) * sizeof(*plan));
    if (!k || !plan) {
        free(k);
        free(plan);
        bv_tablemap_release(&tm);
        return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
    }
    memcpy(k, key, keylen);
    for (uint32_t i = 0; i < nc; i++)
        bv_coldec_init(&plan[i], &cl[i]);
    if (!t) {
        if (d->ntables == d->captables) {
            size_t cap = d->captables ? d->captables * 2 : 32;
            tmap_entry *n = realloc(d->tables, cap * sizeof(*n));
            if (!n) {
                free(k);
                free(plan);
                bv_tablemap_release(&tm);
                return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
            }
            d->tables = n;
            d->captables = cap;
        }
        t = &d->tables[d->ntables++];
        memset(t, 0, sizeof(*t));
    } else {
        bv_tablemap_release(&t->tm);
        free(t->key);
        free(t->plan);
    }
    t->id = id;
    t->tm = tm;
    t->key = k;
    t->keylen = keylen;
    t->plan = plan;
    return BV_OK;
}

/* ------------------------------------------------------------ rows */

/* 1 when p[0..n) is valid UTF-8 (no overlongs, surrogates or > U+10FFFF). */
static int utf8_valid(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        size_t len;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            len = 2, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef)
            len = 3, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4)
            len = 4, cp = c & 0x07;
        else
            return 0;
        if (n - i < len)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (p[i + k] & 0x3f);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
            return 0;
        i += len;
    }
    return 1;
}

/* Append s (valid UTF-8) as a JSON string literal. */
static void json_str(bv_buf *b, const uint8_t *p, size_t n)
{
    bv_buf_put_u8(b, '"');
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = p[i];
        if (ch == '"' || ch == '\\') {
            bv_buf_put_u8(b, '\\');
            bv_buf_put_u8(b, ch);
        } else if (ch < 0x20) {
            char t[8];
            snprintf(t, sizeof(t), "\\u%04x", ch);
            bv_buf_put(b, t, 6);
        } else {
            bv_buf_put_u8(b, ch);
        }
    }
    bv_buf_put_u8(b, '"');
}

/* A partial JSON value (PARTIAL_UPDATE_ROWS): length per the column's pack
 * length, then { op u8, path (packed length), [value (packed length, binary
 * JSON)] }* — rendered as a JSON array of operations. */
static int json_diff_value(bv_decoder *d, bv_cur *c, const bv_column *col, bv_value *out, char *msg, size_t msglen)
{
    unsigned pl = col->meta >= 1 && col->meta <= 4 ? col->meta : 4;
    const uint8_t *lp, *p;
    bv_cur save = *c;
    bv_buf t, v;
    int rc = BV_OK;
    if (bv_cur_bytes(c, pl, &lp) || bv_cur_bytes(c, (size_t)bv_rdle(lp, pl), &p)) {
        *c = save;
        return bv_seterr(msg, msglen, BV_E_DECODE, "partial JSON value truncated");
    }
    bv_cur dc = bv_cur_make(p, (size_t)bv_rdle(lp, pl));
    bv_buf_init(&t);
    bv_buf_init(&v);
    bv_buf_put_u8(&t, '[');
    for (int first = 1; dc.left; first = 0) {
        static const char *const ops[] = {"replace", "insert", "remove"};
        uint8_t op;
        uint64_t plen, vlen;
        const uint8_t *path, *val;
        if (bv_cur_u8(&dc, &op) || op > 2 || bv_cur_packed(&dc, &plen) || plen > dc.left ||
            bv_cur_bytes(&dc, (size_t)plen, &path) || !utf8_valid(path, (size_t)plen)) {
            rc = bv_seterr(msg, msglen, BV_E_DECODE, "partial JSON diff malformed");
            goto out;
        }
        if (!first)
            bv_buf_put_u8(&t, ',');
        bv_buf_put(&t, "{\"op\":\"", 7);
        bv_buf_put(&t, ops[op], strlen(ops[op]));
        bv_buf_put(&t, "\",\"path\":", 9);
        json_str(&t, path, (size_t)plen);
        if (op != 2) {
            if (bv_cur_packed(&dc, &vlen) || vlen > dc.left || bv_cur_bytes(&dc, (size_t)vlen, &val)) {
                rc = bv_seterr(msg, msglen, BV_E_DECODE, "partial JSON diff value truncated");
                goto out;
            }
            bv_buf_reset(&v);
            if ((rc = bv_json_binary_to_text(val, (size_t)vlen, &v, msg, msglen)))
                goto out;
            bv_buf_put(&t, ",\"value\":", 9);
            bv_buf_put(&t, v.data, v.len);
        }
        bv_buf_put_u8(&t, '}');
    }
    bv_buf_put_u8(&t, ']');
    if (bv_buf_status(&t)) {
        rc = bv_seterr(msg, msglen, BV_E_NOMEM, "out of memory");
        goto out;
    }
    char *dst = bv_arena_alloc(&d->arena, t.len);
    if (!dst) {
        rc = bv_seterr(msg, msglen, BV_E_NOMEM, "out of memory");
        goto out;
    }
    memcpy(dst, t.data, t.len);
    out->kind = BV_VAL_JSON_DIFF;
    out->v.s.ptr = dst;
    out->v.s.len = t.len;
out:
    if (rc)
        *c = save;
    bv_buf_release(&t);
    bv_buf_release(&v);
    return rc;
}

/* The columns-present bitmap of a rows event (one for each image of an
 * UPDATE), summarised once per event. */
typedef struct img_shape {
    const uint8_t *present;
    uint32_t width;    /* columns in the bitmap (<= the table's) */
    uint32_t npresent; /* bits set */
    uint32_t njson;    /* JSON columns of the table (PARTIAL_UPDATE_ROWS: one diff bit each) */
    int full;          /* every column of the table present */
} img_shape;

static void shape_of(img_shape *sh, const uint8_t *present, uint32_t width, const bv_column *cols, uint32_t ncols)
{
    sh->present = present;
    sh->width = width;
    sh->npresent = 0;
    sh->njson = 0;
    for (uint32_t i = 0; i < width; i++)
        sh->npresent += (present[i / 8] >> (i % 8)) & 1;
    for (uint32_t i = 0; i < ncols; i++)
        sh->njson += cols[i].type == BV_MYSQL_TYPE_JSON;
    sh->full = width == ncols && sh->npresent == ncols;
}

static int row_image(bv_decoder *d, bv_cur *c, const tmap_entry *t, const img_shape *sh, bv_value *out,
                     const bv_rawev *ev, int partial, char *err, size_t errlen)
{
    const bv_schema *s = t->tm.schema;
    uint32_t ncols = bv_schema_ncols(s);
    const bv_column *cols = bv_schema_columns(s);
    const uint8_t *pbits = NULL, *present = sh->present;
    uint32_t width = sh->width, i;
    char msg[640];
    int rc;
    if (sh->npresent == 0) /* a row would take no bytes: the event cannot be read */
        return bv_seterr(err, errlen, BV_E_DECODE, "%s: offset %llu: rows event with no column in its image", d->file,
                         (unsigned long long)ev->offset);
    if (partial) {
        /* PARTIAL_UPDATE_ROWS after image: value options, then one bit per
         * JSON column of the table saying whether it holds a diff. */
        uint64_t opts;
        if (bv_cur_packed(c, &opts) || ((opts & 1) && bv_cur_bytes(c, (sh->njson + 7) / 8, &pbits)))
            return bv_seterr(err, errlen, BV_E_DECODE, "%s: offset %llu: partial update image truncated", d->file,
                             (unsigned long long)ev->offset);
    }
    const uint8_t *nulls;
    if (bv_cur_bytes(c, (sh->npresent + 7) / 8, &nulls))
        return bv_seterr(err, errlen, BV_E_DECODE, "%s: offset %llu: row image truncated (null bitmap)", d->file,
                         (unsigned long long)ev->offset);
    bv_dec_io io = {*c, &d->arena, msg, sizeof(msg)};
    const bv_coldec *plan = t->plan;
    if (sh->full && !pbits) {
        /* FULL row image: column i is null bit i */
        for (i = 0; i < ncols; i++) {
            if ((nulls[i / 8] >> (i % 8)) & 1) {
                memset(&out[i], 0, sizeof(out[i]));
                out[i].kind = BV_VAL_NULL;
            } else if ((rc = bv_coldec_value(&plan[i], &io, &out[i]))) {
                goto fail;
            }
        }
        *c = io.c;
        return BV_OK;
    }
    uint32_t k = 0, jk = 0;
    for (i = 0; i < ncols; i++) {
        int diff = 0;
        if (pbits && cols[i].type == BV_MYSQL_TYPE_JSON) {
            diff = (pbits[jk / 8] >> (jk % 8)) & 1;
            jk++;
            memset(&out[i], 0, sizeof(out[i]));
        }
        if (i >= width || !((present[i / 8] >> (i % 8)) & 1)) {
            memset(&out[i], 0, sizeof(out[i]));
            out[i].kind = BV_VAL_ABSENT;
            continue;
        }
        int isnull = (nulls[k / 8] >> (k % 8)) & 1;
        k++;
        if (isnull) {
            memset(&out[i], 0, sizeof(out[i]));
            out[i].kind = BV_VAL_NULL;
            continue;
        }
        rc = diff ? json_diff_value(d, &io.c, &cols[i], &out[i], msg, sizeof(msg)) : bv_coldec_value(&plan[i], &io, &out[i]);
        if (rc)
            goto fail;
    }
    *c = io.c;
    return BV_OK;
fail:;
    bv_str db = bv_schema_database(s), tb = bv_schema_table(s);
    return bv_seterr(err, errlen, rc, "%s: offset %llu: %.*s.%.*s column %u (%.*s): %s", d->file,
                     (unsigned long long)ev->offset, (int)db.len, db.ptr, (int)tb.len, tb.ptr, i + 1,
                     (int)cols[i].name.len, cols[i].name.ptr, msg);
}

static int rows_kind(uint8_t t)
{
    switch (t) {
    case BV_BL_WRITE_V1: case BV_BL_WRITE_V2: case BV_BL_MARIA_WRITE_Z1: case BV_BL_MARIA_WRITE_Z2:
        return BV_EV_INSERT;
    case BV_BL_UPDATE_V1: case BV_BL_UPDATE_V2: case BV_BL_MARIA_UPDATE_Z1: case BV_BL_MARIA_UPDATE_Z2:
    case BV_BL_PARTIAL_UPDATE:
        return BV_EV_UPDATE;
    default:
        return BV_EV_DELETE;
    }
}

static int parse_rows(bv_decoder *d, const bv_rawev *ev, char *err, size_t errlen)
{
    bv_cur c = bv_cur_make(ev->body, ev->body_len);
    unsigned ph = d->fde.post_header[ev->type];
    unsigned idlen = ph == 6 ? 4 : 6;
    const uint8_t *p, *cols, *cols_ai = NULL;
    uint16_t flags, extra = 0;
    uint64_t width;
    int rc, kind = rows_kind(ev->type);
    int v2 = ph == 10 || ev->type == BV_BL_WRITE_V2 || ev->type == BV_BL_UPDATE_V2 || ev->type == BV_BL_DELETE_V2 ||
             ev->type == BV_BL_PARTIAL_UPDATE || (ev->type >= BV_BL_MARIA_WRITE_Z2 && ev->type <= BV_BL_MARIA_DELETE_Z2);
    if (bv_cur_bytes(&c, idlen, &p) || bv_cur_u16le(&c, &flags) || (v2 && bv_cur_u16le(&c, &extra)) ||
        (v2 && extra < 2) || (v2 && bv_cur_skip(&c, extra - 2u)) || bv_cur_packed(&c, &width) || width == 0 ||
        width > 4096 || bv_cur_bytes(&c, (size_t)(width + 7) / 8, &cols) ||
        (kind == BV_EV_UPDATE && bv_cur_bytes(&c, (size_t)(width + 7) / 8, &cols_ai)))
        return bv_seterr(err, errlen, BV_E_DECODE, "%s: offset %llu: rows event header malformed", d->file,
                         (unsigned long long)ev->offset);
    uint64_t id = bv_rdle(p, idlen);
    tmap_entry *t = find_table(d, id);
    if (!t)
        return bv_seterr(err, errlen, BV_E_DECODE, "%s: offset %llu: rows event for table id %llu without a TABLE_MAP",
                         d->file, (unsigned long long)ev->offset, (unsigned long long)id);
    const bv_schema *s = t->tm.schema;
    uint32_t ncols = bv_schema_ncols(s);
    if (width > ncols)
        return bv_seterr(err, errlen, BV_E_DECODE, "%s: offset %llu: rows event has %llu columns, its TABLE_MAP %u",
                         d->file, (unsigned long long)ev->offset, (unsigned long long)width, ncols);
    const uint8_t *data = c.p;
    size_t dlen = c.left;
    if (ev->type >= BV_BL_MARIA_WRITE_Z1 && ev->type <= BV_BL_MARIA_DELETE_Z2 &&
        (rc = maria_uncompress(d, data, dlen, &data, &dlen, err, errlen, ev->offset)))
        return rc;
    if (ncols > d->vcap) {
        bv_value *b = realloc(d->before, ncols * sizeof(*b));
        if (b)
            d->before = b;
        bv_value *a = realloc(d->after, ncols * sizeof(*a));
        if (a)
            d->after = a;
        if (!a || !b)
            return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
        d->vcap = ncols;
    }
    if (!d->in_txn) {
        /* Autocommitted rows of a non-transactional table (old servers):
         * the statement is its own transaction. */
        if ((rc = emit_begin(d, ev, 0, err, errlen)))
            return rc;
        d->synth_txn = 1;
    }
    if (d->row_offset != ev->offset) {
        d->row_offset = ev->offset;
        d->row_index = 0;
    }
    img_shape sh_b, sh_a;
    shape_of(&sh_b, cols, (uint32_t)width, bv_schema_columns(s), ncols);
    if (kind == BV_EV_UPDATE)
        shape_of(&sh_a, cols_ai, (uint32_t)width, bv_schema_columns(s), ncols);
    bv_cur rc_ = bv_cur_make(data, dlen);
    while (rc_.left) {
        bv_event e;
        memset(&e, 0, sizeof(e));
        e.type = (uint8_t)kind;
        e.pos.offset = ev->offset;
        e.pos.row = d->row_index++;
        e.schema = s;
        e.ncols = ncols;
        if (kind == BV_EV_INSERT) {
            if ((rc = row_image(d, &rc_, t, &sh_b, d->after, ev, 0, err, errlen)))
                return rc;
            e.after = d->after;
        } else {
            if ((rc = row_image(d, &rc_, t, &sh_b, d->before, ev, 0, err, errlen)))
                return rc;
            e.before = d->before;
            if (kind == BV_EV_UPDATE) {
                if ((rc = row_image(d, &rc_, t, &sh_a, d->after, ev, ev->type == BV_BL_PARTIAL_UPDATE, err, errlen)))
                    return rc;
                e.after = d->after;
            }
        }
        d->st.rows++;
        rc = emit(d, &e, ev, err, errlen);
        bv_arena_reset(&d->arena);
        if (rc)
            return rc;
    }
    /* Old servers log autocommitted non-transactional rows without
     * BEGIN/COMMIT: the statement ends with the STMT_END_F flag. */
    if (d->synth_txn && (flags & 1))
        return emit_commit(d, ev, BV_COMMIT_IMPLICIT, 0, err, errlen);
    return BV_OK;
}

/* ------------------------------------------------------------ TRANSACTION_PAYLOAD */

static int dispatch(bv_decoder *d, const bv_rawev *ev, char *err, size_t errlen);

static int parse_payload(bv_decoder *d, const bv_rawev *ev, char *err, size_t errlen)
{
    bv_cur c = bv_cur_make(ev->body, ev->body_len);
    uint64_t type, len, v, psize = UINT64_MAX, ctype = UINT64_MAX;
    int rc = BV_OK;
    for (;;) {
        if (bv_cur_packed(&c, &type))
            goto bad;
        if (type == 0)
            break;
        if (bv_cur_packed(&c, &len) || len > c.left)
            goto bad;
        bv_cur f = bv_cur_make(c.p, (size_t)len);
        bv_cur_skip(&c, (size_t)len);
        if (type == 1 || type == 2) {
            if (bv_cur_packed(&f, &v))
                goto bad;
            if (type == 1)
                psize = v;
            else
                ctype = v;
        }
    }
    if (psize == UINT64_MAX || ctype == UINT64_MAX || psize > c.left)
        goto bad;
    const uint8_t *payload = c.p;
    size_t plen = (size_t)psize;
    /* Decompress the whole frame stream (the inner events are needed in
     * order and refer to each other). */
    if (ctype == 0) {
        ZSTD_DStream *zs = ZSTD_createDStream();
        if (!zs)
            return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
        ZSTD_initDStream(zs);
        bv_buf_reset(&d->zbuf);
        ZSTD_inBuffer in = {payload, plen, 0};
        size_t zr = 1;
        while (in.pos < in.size || zr != 0) {
            if (bv_buf_reserve(&d->zbuf, 1u << 16)) {
                ZSTD_freeDStream(zs);
                return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
            }
            ZSTD_outBuffer out = {d->zbuf.data + d->zbuf.len, d->zbuf.cap - d->zbuf.len, 0};
            size_t before_in = in.pos;
            zr = ZSTD_decompressStream(zs, &out, &in);
            d->zbuf.len += out.pos;
            if (ZSTD_isError(zr) || (out.pos == 0 && in.pos == before_in && zr != 0)) {
                ZSTD_freeDStream(zs);
                return bv_seterr(err, errlen, BV_E_DECODE, "%s: offset %llu: TRANSACTION_PAYLOAD does not decompress%s%s",
                                 d->file, (unsigned long long)ev->offset, ZSTD_isError(zr) ? ": " : " (truncated)",
                                 ZSTD_isError(zr) ? ZSTD_getErrorName(zr) : "");
            }
        }
        ZSTD_freeDStream(zs);
        payload = d->zbuf.data;
        plen = d->zbuf.len;
    } else if (ctype != 255) {
        return bv_seterr(err, errlen, BV_E_DECODE, "%s: offset %llu: TRANSACTION_PAYLOAD compression type %llu unknown",
                         d->file, (unsigned long long)ev->offset, (unsigned long long)ctype);
    }
    /* The inner events can re-enter the buffer (MariaDB uncompress uses
     * zbuf too, but never inside a payload); keep a private copy. */
    uint8_t *copy = malloc(plen ? plen : 1);
    if (!copy)
        return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
    memcpy(copy, payload, plen);
    size_t at = 0;
    while (at < plen) {
        bv_rawev in_ev;
        size_t need;
        char msg[300];
        if ((rc = bv_binlog_frame(copy + at, plen - at, ev->offset, &d->fde, 1, &in_ev, &need, msg, sizeof(msg)))) {
            rc = bv_seterr(err, errlen, BV_E_DECODE, "%s: offset %llu: inner event at payload byte %zu: %s", d->file,
                           (unsigned long long)ev->offset, at, msg);
            break;
        }
        size_t sz = in_ev.size;
        in_ev.offset = ev->offset;
        in_ev.size = ev->size; /* positions and end offsets are the outer event's */
        if (in_ev.type == BV_BL_FDE || in_ev.type == BV_BL_PAYLOAD || in_ev.type == BV_BL_GTID ||
            in_ev.type == BV_BL_ROTATE) {
            rc = bv_seterr(err, errlen, BV_E_DECODE, "%s: offset %llu: event type %u inside a TRANSACTION_PAYLOAD",
                           d->file, (unsigned long long)ev->offset, in_ev.type);
            break;
        }
        if ((rc = dispatch(d, &in_ev, err, errlen)))
            break;
        at += sz;
    }
    free(copy);
    return rc;
bad:
    return bv_seterr(err, errlen, BV_E_DECODE, "%s: offset %llu: TRANSACTION_PAYLOAD header malformed", d->file,
                     (unsigned long long)ev->offset);
}

/* ------------------------------------------------------------ dispatch */

static const parse_fn parsers[256] = {
    [BV_BL_QUERY] = parse_query,
    [BV_BL_STOP] = parse_stop,
    [BV_BL_ROTATE] = parse_rotate,
    [1] = parse_skip,                 /* START_EVENT_V3 (pre-5.0 files) */
    [BV_BL_INTVAR] = parse_skip,      /* statement-based context */
    [6] = parse_skip,                 /* LOAD (statement-based LOAD DATA, pre-5.0) */
    [8] = parse_skip,                 /* CREATE_FILE: LOAD DATA file data (statement-based) */
    [9] = parse_skip,                 /* APPEND_BLOCK */
    [10] = parse_skip,                /* EXEC_LOAD */
    [11] = parse_skip,                /* DELETE_FILE */
    [12] = parse_skip,                /* NEW_LOAD */
    [BV_BL_RAND] = parse_skip,
    [BV_BL_USER_VAR] = parse_skip,
    [BV_BL_FDE] = parse_fde_ev,
    [BV_BL_XID] = parse_xid,
    [17] = parse_skip,                /* BEGIN_LOAD_QUERY (statement-based LOAD DATA) */
    [18] = parse_skip,                /* EXECUTE_LOAD_QUERY */
    [BV_BL_TABLE_MAP] = parse_table_map,
    [BV_BL_WRITE_V1] = parse_rows,
    [BV_BL_UPDATE_V1] = parse_rows,
    [BV_BL_DELETE_V1] = parse_rows,
    [BV_BL_INCIDENT] = parse_incident,
    [BV_BL_HEARTBEAT] = parse_skip,
    [BV_BL_IGNORABLE] = parse_skip,
    [BV_BL_ROWS_QUERY] = parse_skip,  /* original SQL of the rows that follow */
    [BV_BL_WRITE_V2] = parse_rows,
    [BV_BL_UPDATE_V2] = parse_rows,
    [BV_BL_DELETE_V2] = parse_rows,
    [BV_BL_GTID] = parse_gtid,
    [BV_BL_ANON_GTID] = parse_gtid,
    [BV_BL_PREV_GTIDS] = parse_prev_gtids,
    [BV_BL_TRX_CONTEXT] = parse_skip, /* group replication certification */
    [BV_BL_VIEW_CHANGE] = parse_skip,
    [BV_BL_XA_PREPARE] = parse_xa_prepare,
    [BV_BL_PARTIAL_UPDATE] = parse_rows,
    [BV_BL_PAYLOAD] = parse_payload,
    [BV_BL_HEARTBEAT_V2] = parse_skip,
    [BV_BL_GTID_TAGGED] = parse_gtid_tagged,
    [BV_BL_MARIA_ANNOTATE] = parse_skip, /* original SQL of the rows that follow */
    [BV_BL_MARIA_CHECKPOINT] = parse_skip,
    [BV_BL_MARIA_GTID] = parse_maria_gtid,
    [BV_BL_MARIA_GTID_LIST] = parse_maria_gtid_list,
    [BV_BL_MARIA_START_ENCRYPTION] = parse_encrypted,
    [BV_BL_MARIA_QUERY_Z] = parse_query,
    [BV_BL_MARIA_WRITE_Z1] = parse_rows,
    [BV_BL_MARIA_UPDATE_Z1] = parse_rows,
    [BV_BL_MARIA_DELETE_Z1] = parse_rows,
    [BV_BL_MARIA_WRITE_Z2] = parse_rows,
    [BV_BL_MARIA_UPDATE_Z2] = parse_rows,
    [BV_BL_MARIA_DELETE_Z2] = parse_rows,
};

static int dispatch(bv_decoder *d, const bv_rawev *ev, char *err, size_t errlen)
{
    d->st.events++;
    parse_fn fn = parsers[ev->type];
    if (fn)
        return fn(d, ev, err, errlen);
    /* As MySQL does: an unknown event may be skipped only when it is marked
     * ignorable; any other could carry changes we would silently lose. */
    if (!(ev->flags & 0x80))
        return bv_seterr(err, errlen, BV_E_DECODE,
                         "%s: offset %llu: unknown binlog event type %u (%u bytes) is not marked ignorable: refusing "
                         "to skip it (a binlog from an unsupported server version?)",
                         d->file, (unsigned long long)ev->offset, ev->type, ev->size);
    d->st.unknown[ev->type]++;
    if (d->warned_unknown[ev->type])
        return BV_OK;
    d->warned_unknown[ev->type] = 1;
    char msg[640];
    snprintf(msg, sizeof(msg), "%s:%llu: unknown binlog event type %u (%u bytes), marked ignorable, skipped by its size",
             d->file, (unsigned long long)ev->offset, ev->type, ev->size);
    return emit_note(d, ev, BV_NOTE_WARNING, msg, err, errlen);
}

/* ------------------------------------------------------------ public */

bv_decoder *bv_decoder_new(bv_sink_fn sink, void *ctx)
{
    bv_decoder *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->sink = sink;
    d->ctx = ctx;
    bv_arena_init(&d->arena);
    bv_buf_init(&d->zbuf);
    return d;
}

void bv_decoder_free(bv_decoder *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->ntables; i++) {
        bv_tablemap_release(&d->tables[i].tm);
        free(d->tables[i].key);
        free(d->tables[i].plan);
    }
    free(d->tables);
    free(d->before);
    free(d->after);
    free(d->start_gtids);
    bv_arena_release(&d->arena);
    bv_buf_release(&d->zbuf);
    free(d);
}

int bv_decoder_begin_file(bv_decoder *d, const char *name, char *err, size_t errlen)
{
    if (!name || !*name || strlen(name) >= sizeof(d->file))
        return bv_seterr(err, errlen, BV_E_INVAL, "binlog file name must be 1..255 bytes");
    snprintf(d->file, sizeof(d->file), "%s", name);
    d->file_started = 1;
    d->saw_stop = 0;
    d->pending_rotate = 0;
    memset(&d->fde, 0, sizeof(d->fde));
    /* Row indexes count within one rows event: the next file's rows event
     * may sit at the same offset as the last one of this file. */
    d->row_offset = 0;
    d->row_index = 0;
    /* Table ids are per binlog file. */
    for (size_t i = 0; i < d->ntables; i++) {
        bv_tablemap_release(&d->tables[i].tm);
        free(d->tables[i].key);
        free(d->tables[i].plan);
    }
    d->ntables = 0;
    return BV_OK;
}

int bv_decoder_event(bv_decoder *d, const bv_rawev *ev, char *err, size_t errlen)
{
    d->st.bytes += ev->size;
    if (ev->type != BV_BL_FDE && !d->fde.seen)
        return bv_seterr(err, errlen, BV_E_DECODE, "%s: offset %llu: event type %u before any FORMAT_DESCRIPTION event",
                         d->file, (unsigned long long)ev->offset, ev->type);
    if (d->pending_rotate) {
        /* A ROTATE in the middle of a file (a relay log) names the
         * source's next file: it does not end this one. */
        d->pending_rotate = 0;
        d->st.skipped[BV_BL_ROTATE]++;
    }
    /* Events before the archive's end are already archived; only the
     * format description is still needed to decode what follows. */
    if (d->resume_at && ev->offset < d->resume_at && ev->type != BV_BL_FDE)
        return BV_OK;
    return dispatch(d, ev, err, errlen);
}

int bv_decoder_end_file(bv_decoder *d, uint64_t file_size, const char *next_name, char *err, size_t errlen)
{
    int rc;
    bv_rawev at;
    memset(&at, 0, sizeof(at));
    at.offset = file_size;
    if (d->in_txn && !next_name)
        return BV_OK; /* the file is still being written or was cut: the open transaction stays open */
    if (d->in_txn && (rc = close_incomplete(d, &at, err, errlen)))
        return rc;
    d->resume_at = 0;
    bv_event e;
    memset(&e, 0, sizeof(e));
    e.type = BV_EV_ROTATE;
    if (d->pending_rotate) {
        if (next_name && strcmp(next_name, d->rotate_name) != 0)
            return bv_seterr(err, errlen, BV_E_INVAL,
                             "%s ends with a rotate to %s, but the next file given is %s: importing it would leave a gap",
                             d->file, d->rotate_name, next_name);
        e.pos.offset = d->rotate_offset;
        e.ts_us = d->rotate_ts * 1000000u;
        e.new_file.ptr = d->rotate_name;
        e.new_file.len = strlen(d->rotate_name);
        e.end_offset = d->rotate_pos;
        d->pending_rotate = 0;
        return emit(d, &e, &at, err, errlen);
    }
    if (!next_name)
        return BV_OK;
    if (!d->saw_stop) {
        char msg[400];
        snprintf(msg, sizeof(msg), "%s ended at %llu without a ROTATE or STOP event (server crash?); continuing in %s",
                 d->file, (unsigned long long)file_size, next_name);
        if ((rc = emit_note(d, &at, BV_NOTE_WARNING, msg, err, errlen)))
            return rc;
    }
    e.pos.offset = file_size;
    e.new_file.ptr = next_name;
    e.new_file.len = strlen(next_name);
    e.end_offset = 4;
    return emit(d, &e, &at, err, errlen);
}

const bv_fde *bv_decoder_fde(const bv_decoder *d) { return &d->fde; }
const char *bv_decoder_start_gtids(const bv_decoder *d) { return d->start_gtids ? d->start_gtids : ""; }
int bv_decoder_flavor(const bv_decoder *d) { return d->flavor; }
uint32_t bv_decoder_server_id(const bv_decoder *d) { return d->server_id; }
uint32_t bv_decoder_file_server_id(const bv_decoder *d) { return d->file_server_id; }
int bv_decoder_in_transaction(const bv_decoder *d) { return d->in_txn; }
const bv_decoder_stats *bv_decoder_get_stats(const bv_decoder *d) { return &d->st; }
void bv_decoder_resume_at(bv_decoder *d, uint64_t offset) { d->resume_at = offset; }

void bv_decoder_set_schema_resolver(bv_decoder *d, bv_schema_fn fn, void *ctx)
{
    d->resolve = fn;
    d->resolve_ctx = ctx;
}
