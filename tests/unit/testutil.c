/* Helpers shared by the archive-level unit tests (see testutil.h). */
#include "testutil.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "binvault/error.h"
#include "harness.h"

bv_str tu_str(const char *p)
{
    bv_str s = {p, strlen(p)};
    return s;
}

/* snprintf for paths: the result must fit (a test bug otherwise). */
void tu_pathf(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(out, n, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= n) {
        fprintf(stderr, "path too long: %s\n", out);
        abort();
    }
}

/* ------------------------------------------------------------ string builder */

void tu_sb_reserve(tu_sb *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *n = realloc(b->p, cap);
    if (!n)
        abort();
    b->p = n;
    b->cap = cap;
}

void tu_sb_raw(tu_sb *b, const char *p, size_t n)
{
    tu_sb_reserve(b, n);
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = 0;
}

void tu_sb_s(tu_sb *b, const char *s) { tu_sb_raw(b, s, strlen(s)); }

void tu_sb_u(tu_sb *b, uint64_t v)
{
    char t[24];
    int i = 24;
    do {
        t[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    tu_sb_raw(b, t + i, (size_t)(24 - i));
}

void tu_sb_i(tu_sb *b, int64_t v)
{
    if (v < 0) {
        tu_sb_s(b, "-");
        tu_sb_u(b, (uint64_t)0 - (uint64_t)v);
    } else {
        tu_sb_u(b, (uint64_t)v);
    }
}

void tu_sb_hex(tu_sb *b, uint64_t v, int digits)
{
    static const char hx[] = "0123456789abcdef";
    char t[16];
    for (int i = digits - 1; i >= 0; i--, v >>= 4)
        t[i] = hx[v & 15];
    tu_sb_raw(b, t, (size_t)digits);
}

/* length-prefixed hex of arbitrary bytes */
void tu_sb_bytes(tu_sb *b, const char *p, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    tu_sb_u(b, n);
    tu_sb_s(b, ":");
    tu_sb_reserve(b, 2 * n);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        b->p[b->len++] = hx[c >> 4];
        b->p[b->len++] = hx[c & 15];
    }
    b->p[b->len] = 0;
}

void tu_sb_reset(tu_sb *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = 0;
}

/* ------------------------------------------------------------ event rendering
 * Our own rendering of everything an event means: equal renderings mean equal
 * events field by field (doubles and floats by bit pattern, strings as hex). */

void tu_render_value(tu_sb *b, const bv_value *v)
{
    tu_sb_u(b, v->kind);
    tu_sb_s(b, "=");
    switch (v->kind) {
    case BV_VAL_NULL:
    case BV_VAL_ABSENT:
        break;
    case BV_VAL_INT:
        tu_sb_i(b, v->v.i);
        break;
    case BV_VAL_UINT:
    case BV_VAL_YEAR:
    case BV_VAL_BIT:
    case BV_VAL_ENUM:
    case BV_VAL_SET:
        tu_sb_u(b, v->v.u);
        break;
    case BV_VAL_FLOAT: {
        uint32_t u;
        memcpy(&u, &v->v.f, 4);
        tu_sb_s(b, "f");
        tu_sb_hex(b, u, 8);
        break;
    }
    case BV_VAL_DOUBLE: {
        uint64_t u;
        memcpy(&u, &v->v.d, 8);
        tu_sb_s(b, "d");
        tu_sb_hex(b, u, 16);
        break;
    }
    case BV_VAL_DATE:
    case BV_VAL_DATETIME:
        tu_sb_u(b, v->v.dt.year);
        tu_sb_s(b, "-");
        tu_sb_u(b, v->v.dt.month);
        tu_sb_s(b, "-");
        tu_sb_u(b, v->v.dt.day);
        if (v->kind == BV_VAL_DATETIME) {
            tu_sb_s(b, " ");
            tu_sb_u(b, v->v.dt.hour);
            tu_sb_s(b, ":");
            tu_sb_u(b, v->v.dt.minute);
            tu_sb_s(b, ":");
            tu_sb_u(b, v->v.dt.second);
            tu_sb_s(b, ".");
            tu_sb_u(b, v->v.dt.usec);
        }
        break;
    case BV_VAL_TIME:
        tu_sb_s(b, v->v.time.negative ? "-" : "+");
        tu_sb_u(b, v->v.time.hour);
        tu_sb_s(b, ":");
        tu_sb_u(b, v->v.time.minute);
        tu_sb_s(b, ":");
        tu_sb_u(b, v->v.time.second);
        tu_sb_s(b, ".");
        tu_sb_u(b, v->v.time.usec);
        break;
    case BV_VAL_TIMESTAMP:
        tu_sb_u(b, v->v.ts.sec);
        tu_sb_s(b, ".");
        tu_sb_u(b, v->v.ts.usec);
        break;
    default:
        tu_sb_bytes(b, v->v.s.ptr, v->v.s.len);
        break;
    }
    tu_sb_s(b, ";");
}

void tu_render_gtid(tu_sb *b, const bv_gtid *g)
{
    tu_sb_s(b, "g");
    tu_sb_u(b, g->flavor);
    tu_sb_s(b, ":");
    for (int i = 0; i < 16; i++)
        tu_sb_hex(b, g->uuid[i], 2);
    tu_sb_s(b, ":");
    tu_sb_raw(b, g->tag, strnlen(g->tag, sizeof(g->tag)));
    tu_sb_s(b, ":");
    tu_sb_u(b, g->domain);
    tu_sb_s(b, ":");
    tu_sb_u(b, g->server_id);
    tu_sb_s(b, ":");
    tu_sb_u(b, g->seq);
}

/* The fields meaningful for the event's type (event.h), plus the transaction
 * context (server id, thread id, GTID, flags) that a reader copies from the
 * BEGIN into every event of the transaction but ROTATE and NOTE. */
void tu_render_event(tu_sb *b, const bv_event *e)
{
    tu_sb_s(b, bv_event_type_name(e->type));
    tu_sb_s(b, "@");
    tu_sb_raw(b, e->pos.file.ptr, e->pos.file.len);
    tu_sb_s(b, ":");
    tu_sb_u(b, e->pos.offset);
    tu_sb_s(b, ":");
    tu_sb_u(b, e->pos.row);
    tu_sb_s(b, " ts=");
    tu_sb_u(b, e->ts_us);
    if (e->type != BV_EV_ROTATE && e->type != BV_EV_NOTE) {
        tu_sb_s(b, " sid=");
        tu_sb_u(b, e->server_id);
        tu_sb_s(b, " tid=");
        tu_sb_u(b, e->thread_id);
        tu_sb_s(b, " fl=");
        tu_sb_u(b, e->flags);
        tu_sb_s(b, " ");
        tu_render_gtid(b, &e->gtid);
    }
    switch (e->type) {
    case BV_EV_INSERT:
    case BV_EV_UPDATE:
    case BV_EV_DELETE: {
        bv_str db = bv_schema_database(e->schema), tb = bv_schema_table(e->schema);
        tu_sb_s(b, " ");
        tu_sb_raw(b, db.ptr, db.len);
        tu_sb_s(b, ".");
        tu_sb_raw(b, tb.ptr, tb.len);
        tu_sb_s(b, " n=");
        tu_sb_u(b, e->ncols);
        tu_sb_s(b, " h=");
        tu_sb_hex(b, bv_schema_hash(e->schema), 16);
        if (e->type != BV_EV_INSERT) {
            tu_sb_s(b, " B[");
            for (uint32_t i = 0; i < e->ncols; i++)
                tu_render_value(b, &e->before[i]);
            tu_sb_s(b, "]");
        }
        if (e->type != BV_EV_DELETE) {
            tu_sb_s(b, " A[");
            for (uint32_t i = 0; i < e->ncols; i++)
                tu_render_value(b, &e->after[i]);
            tu_sb_s(b, "]");
        }
        break;
    }
    case BV_EV_DDL:
        tu_sb_s(b, " db=");
        tu_sb_bytes(b, e->database.ptr, e->database.len);
        tu_sb_s(b, " sql=");
        tu_sb_bytes(b, e->sql.ptr, e->sql.len);
        break;
    case BV_EV_COMMIT:
        tu_sb_s(b, " kind=");
        tu_sb_u(b, e->commit_kind);
        tu_sb_s(b, " xid=");
        tu_sb_u(b, e->xid);
        tu_sb_s(b, " end=");
        tu_sb_u(b, e->end_offset);
        break;
    case BV_EV_ROTATE:
        tu_sb_s(b, " new=");
        tu_sb_raw(b, e->new_file.ptr, e->new_file.len);
        tu_sb_s(b, " end=");
        tu_sb_u(b, e->end_offset);
        break;
    case BV_EV_NOTE:
        tu_sb_s(b, " level=");
        tu_sb_u(b, e->note_level);
        tu_sb_s(b, " text=");
        tu_sb_bytes(b, e->text.ptr, e->text.len);
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------------ the model: our copy of what was appended */

void tu_model_init(tu_model *m, const char *start_file, uint64_t start_off, const char *start_gtid)
{
    memset(m, 0, sizeof(*m));
    m->gset = bv_gtid_set_new();
    if (!m->gset || bv_gtid_set_parse(m->gset, start_gtid, strlen(start_gtid), NULL, 0) != BV_OK)
        abort();
    snprintf(m->end_file, sizeof(m->end_file), "%s", start_file);
    m->end_off = start_off;
}

void tu_model_free(tu_model *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->ev[i].render);
        free(m->ev[i].gtid_text);
    }
    free(m->ev);
    bv_gtid_set_free(m->gset);
    memset(m, 0, sizeof(*m));
}

void tu_model_add(tu_model *m, const bv_event *ev)
{
    bv_event v = *ev;
    tu_sb b = {0};
    if (ev->type == BV_EV_BEGIN) {
        m->in_txn = 1;
        m->gtid = ev->gtid;
        m->server_id = ev->server_id;
        m->thread_id = ev->thread_id;
        m->flags = ev->flags;
    } else if (ev->type != BV_EV_ROTATE && ev->type != BV_EV_NOTE) {
        v.gtid = m->gtid;
        v.server_id = m->server_id;
        v.thread_id = m->thread_id;
        v.flags = m->flags;
    }
    tu_render_event(&b, &v);
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 1024;
        m->ev = realloc(m->ev, m->cap * sizeof(*m->ev));
        if (!m->ev)
            abort();
    }
    tu_evmeta *e = &m->ev[m->n++];
    e->render = b.p;
    snprintf(e->file, sizeof(e->file), "%.*s", (int)ev->pos.file.len, ev->pos.file.ptr);
    e->off = ev->pos.offset;
    e->ts = ev->ts_us;
    e->type = ev->type;
    m->counts[ev->type]++;
    if (ev->type == BV_EV_COMMIT) {
        if (m->gtid.flavor != BV_GTID_NONE && bv_gtid_set_add(m->gset, &m->gtid, NULL, 0) != BV_OK)
            abort();
        m->in_txn = 0;
        m->commits++;
        snprintf(m->end_file, sizeof(m->end_file), "%.*s", (int)ev->pos.file.len, ev->pos.file.ptr);
        m->end_off = ev->end_offset;
    } else if (ev->type == BV_EV_ROTATE) {
        snprintf(m->end_file, sizeof(m->end_file), "%.*s", (int)ev->new_file.len, ev->new_file.ptr);
        m->end_off = ev->end_offset;
    }
    e->boundary = !m->in_txn;
    if ((size_t)snprintf(e->end_file, sizeof(e->end_file), "%s", m->end_file) >= sizeof(e->end_file))
        abort();
    e->end_off = m->end_off;
    size_t gl = bv_gtid_set_format(m->gset, NULL, 0);
    e->gtid_text = malloc(gl + 1);
    if (!e->gtid_text)
        abort();
    bv_gtid_set_format(m->gset, e->gtid_text, gl + 1);
}

unsigned tu_append_failures;

int tu_append(bv_writer *w, tu_model *m, const bv_event *ev)
{
    char err[1024] = "";
    int rc = bv_writer_append(w, ev, err, sizeof(err));
    if (rc != BV_OK) {
        if (tu_append_failures++ < 5)
            t_note("append of %s at %.*s:%llu failed: %s (%s)", bv_event_type_name(ev->type), (int)ev->pos.file.len,
                   ev->pos.file.ptr, (unsigned long long)ev->pos.offset, bv_strerror(rc), err);
        return rc;
    }
    tu_model_add(m, ev);
    return BV_OK;
}

/* Append synthetic events until ntxns more transactions are committed. */
int tu_feed(bv_writer *w, tu_model *m, bv_synth *s, uint64_t ntxns, int flush_each)
{
    uint64_t done = 0;
    while (done < ntxns) {
        const bv_event *ev = bv_synth_next(s);
        int rc = tu_append(w, m, ev);
        if (rc)
            return rc;
        if (ev->type == BV_EV_COMMIT) {
            done++;
            if (flush_each && (rc = bv_writer_flush(w, NULL, 0)))
                return rc;
        }
    }
    return BV_OK;
}

/* ------------------------------------------------------------ writer options */

void tu_wopts(bv_writer_opts *o, size_t block, uint64_t segment, const char *start_gtid, int flavor)
{
    bv_writer_opts_init(o);
    o->source.flavor = (uint8_t)flavor;
    o->source.server_id = 1;
    o->source.server_uuid = flavor == BV_GTID_MYSQL ? tu_str(TU_SYNTH_UUID) : tu_str("");
    o->source.server_version = tu_str("8.0.36-test");
    o->start_file = tu_str(TU_FILE1);
    o->start_offset = 4;
    o->start_gtid_set = tu_str(start_gtid);
    o->block_size = block;
    o->segment_size = segment;
}

/* ------------------------------------------------------------ small helpers */

int tu_has(const char *msg, const char *needle) { return msg && needle && strstr(msg, needle) != NULL; }

double tu_now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int tu_copy_file(const char *src, const char *dst)
{
    int in = open(src, O_RDONLY), out = -1, rc = -1;
    char buf[65536];
    if (in < 0)
        return -1;
    out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0640);
    if (out < 0)
        goto done;
    for (;;) {
        ssize_t n = read(in, buf, sizeof(buf));
        if (n < 0)
            goto done;
        if (n == 0)
            break;
        if (write(out, buf, (size_t)n) != n)
            goto done;
    }
    rc = 0;
done:
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    return rc;
}

long long tu_file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

int tu_write_file(const char *path, const void *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
    if (fd < 0)
        return -1;
    int rc = write(fd, p, n) == (ssize_t)n ? 0 : -1;
    close(fd);
    return rc;
}
