/* binvault-replayer: republish an archive range as Maxwell-compatible JSON
 * to Kafka (or to a file / stdout), per-key ordered, at least once, with a
 * resumable checkpoint. See replayer/README.md.
 *
 * Exit codes: 0 the range was published (or a signal stopped a --follow
 * run cleanly); 1 an error (archive damage, a Kafka delivery failure: the
 * checkpoint then names the last transaction fully acknowledged); 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "binvault/archive.h"
#include "binvault/gtid.h"
#include "bytes.h"
#include "filter.h"
#include "jsonl.h"
#include "maxwell.h"
#include "position.h"
#include "progress.h"
#include "sink.h"

#define EXIT_FAIL 1
#define EXIT_USAGE 2

static volatile sig_atomic_t g_stop;
static void on_stop(int sig)
{
    (void)sig;
    g_stop = 1;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: binvault-replayer --archive DIR [--from WHERE] [--to WHERE] [--follow]\n"
            "                         (--brokers HOST:PORT[,...] | --output stdout | --output FILE) [OPTIONS]\n"
            "\n"
            "Publish the archive's row events (and DDL with --output-ddl) as Maxwell JSON, in archive order.\n"
            "\n"
            "Range (default: the whole archive):\n"
            "  --from WHERE        FILE:POS (inclusive: from the first event at or after it),\n"
            "                      gtid:SET (from the first transaction not in SET), or a UTC time\n"
            "                      2026-01-02T03:04:05Z / @UNIXSECONDS (transactions that began at or after it)\n"
            "  --to WHERE          FILE:POS (exclusive), gtid:SET (up to the last transaction in SET, inclusive)\n"
            "                      or a time (transactions that began before it)\n"
            "  --follow            after the end, keep publishing what the archiver appends, until stopped\n"
            "Output:\n"
            "  --brokers LIST      Kafka bootstrap servers (output kafka)\n"
            "  --output WHERE      kafka (default with --brokers), stdout, or a file path (JSON lines,\n"
            "                      appended to: a --checkpoint resume continues the same file)\n"
            "  --topic TEMPLATE    Kafka topic, %%{database} %%{table} %%{type} replaced (default maxwell)\n"
            "  --ddl-topic TOPIC   topic of DDL messages (default: --topic with its placeholders empty)\n"
            "  --partition-by BY   database (default), table, primary_key, transaction_id, column\n"
            "  --partition-columns A,B      with --partition-by column\n"
            "  --partition-fallback BY      when a row lacks the columns: database, table or primary_key\n"
            "  -X key=value        librdkafka setting (TLS, SASL, ...); defaults acks=all, enable.idempotence=true\n"
            "  --no-headers        no binvault.id (FILE:OFFSET:ROW) and binvault.gtid headers on messages\n"
            "  --connect-timeout S how long the brokers may take to answer (default 30)\n"
            "  --checkpoint FILE   resume after the last transaction this file records as delivered; it is\n"
            "                      updated (fsync + rename) as transactions are acknowledged\n"
            "  --exactly-once      Kafka transactions: each row event visible exactly once to read_committed\n"
            "                      consumers, across crashes; needs --job (no --checkpoint)\n"
            "  --job NAME          the job: transactional.id binvault-replayer.NAME and the key of its progress\n"
            "  --progress-topic T  where committed progress is kept (default binvault.progress, compacted)\n"
            "  --txn-messages N    commit a Kafka transaction after N messages (default 10000) ...\n"
            "  --txn-interval-ms MS  ... or MS after it began (default 1000), at an archive transaction's end\n"
            "  --max-rate N        at most N messages per second\n"
            "  --max-bytes-rate N  at most N message bytes per second\n"
            "Content (Maxwell's output_* options):\n"
            "  --filter RULES      e.g. 'exclude: *.*, include: shop.orders, include: db./^log_/'\n"
            "  --exclude-columns A,/re/     columns left out of data and old\n"
            "  --output-ddl        publish DDL statements\n"
            "  --output-binlog-position --output-gtid-position --output-server-id --output-thread-id\n"
            "  --output-primary-keys --output-primary-key-columns\n"
            "  --no-output-commit-info --no-output-xoffset --no-output-nulls\n"
            "  --format F          maxwell (default) or debezium (before/after/source/op/ts_ms envelope)\n"
            "  --server-name NAME  Debezium's logical server name in source.name (default binvault)\n"
            "  --quiet             no progress line and no summary\n"
            "\n"
            "Exit status: 0 done (or stopped by SIGTERM/SIGINT); 1 error (the checkpoint or the committed\n"
            "progress keeps the last transaction delivered; also: fenced by a newer instance of the --job);\n"
            "2 usage error.\n");
}

/* ------------------------------------------------------------ state */

/* A message of the open transaction: spans of the transaction buffer. */
typedef struct span {
    size_t off, len;
} span;

typedef struct msg {
    span topic;        /* NUL-terminated in the buffer */
    span key;          /* len 0: no key */
    span head, tail;   /* row: head + commit info + tail; DDL: head only */
    span part;
    int is_row;
    uint64_t offset;
    uint32_t row;
} msg;

typedef struct pend_ckpt {
    uint64_t txn;
    char file[256];
    uint64_t offset;
    char gtid[128];
} pend_ckpt;

typedef struct rp {
    const char *dir;
    bv_sink *sink;
    bv_mx_opts mx;
    bv_filter *filter;
    bv_colset *cols;
    const char *topic, *ddl_topic;
    const char *part_by, *part_fallback;
    char **part_cols;
    size_t npart_cols;
    int output_ddl;
    int debezium;              /* --format debezium */
    int to_kafka;              /* the sink is Kafka (else JSON lines: values only) */
    const char *server_name;   /* Debezium's logical server name */
    double max_rate, max_bytes_rate;
    /* range */
    bv_range range;
    bv_gtid_set *from_gtid, *to_gtid;
    int to_gtid_seen;
    /* the open transaction */
    int in_txn;
    uint64_t txn_seq;          /* id of the current / next transaction for the sink */
    msg *m;
    size_t nm, capm;
    bv_buf tb;                 /* the rendered parts of the transaction's messages */
    bv_buf msgbuf;             /* one message's value, as sent */
    char gtid[128];
    char txn_file[256];
    /* processed position (end of the last complete transaction read) */
    char done_file[256];
    uint64_t done_offset;
    int have_done;
    int done_read;             /* done_* was read from the archive in this run (not a checkpoint) */
    /* checkpoint */
    const char *ckpt;
    pend_ckpt *pc;
    size_t pch, pcn, pccap;
    char ack_file[256];
    uint64_t ack_offset;
    char ack_gtid[128];
    int ack_dirty;
    double last_ckpt;
    /* throttle and stats */
    double t0, bucket_t;
    double tokens, btokens;
    uint64_t sent, sent_bytes, rows, ddls, txns, by_type[9];
    uint64_t read_events, total_events; /* for the ETA: events read / in the archive */
    struct tcount {
        char name[160];
        uint64_t n;
    } * tables;
    size_t ntables;
    size_t tlast; /* index of the last row's table, to skip the search */
    /* --exactly-once: Kafka transactions with the progress in the same transaction */
    int eos;
    const char *job, *progress_topic;
    uint64_t eos_max_msgs;      /* commit after this many messages ... */
    double eos_max_s;           /* ... or this long after the transaction's first message */
    uint64_t eos_msgs;          /* messages in the open Kafka transaction */
    double eos_t0;              /* when it got its first archive transaction */
    int eos_dirty;              /* archive transactions were handed over since the last commit */
    char eos_file[256];         /* end of the last archive transaction handed over */
    uint64_t eos_offset;
    char eos_gtid[128];
    int eos_have;               /* a committed position exists (eos_c*) */
    char eos_cfile[256];        /* the last committed position */
    uint64_t eos_coffset;
    uint64_t eos_csent;         /* messages sent up to it */
    int eos_cto_seen;           /* to_gtid_seen there */
    uint64_t eos_commits, eos_aborts;
    uint64_t eos_base;          /* messages the job published before this run (its last progress record) */
    bv_progress pg;
} rp;

/* ------------------------------------------------------------ checkpoint */

static int write_checkpoint(rp *r, char *err, size_t errlen)
{
    char tmp[4200], dirbuf[4200];
    if (!r->ckpt || !r->ack_dirty)
        return BV_OK;
    snprintf(tmp, sizeof(tmp), "%s.tmp", r->ckpt);
    /* not through a symlink planted at the temporary name; 0640 as the archive */
    int tfd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
    FILE *f = tfd >= 0 ? fdopen(tfd, "w") : NULL;
    if (!f && tfd >= 0)
        close(tfd);
    if (!f)
        return bv_seterr(err, errlen, BV_E_IO, "%s: cannot write the checkpoint: %s", tmp, strerror(errno));
    bv_buf j;
    bv_buf_init(&j);
    bv_buf_put(&j, "{\"archive\":", 11);
    bv_json_string(&j, r->dir, strlen(r->dir));
    bv_buf_put(&j, ",\"file\":", 8);
    bv_json_string(&j, r->ack_file, strlen(r->ack_file));
    fprintf(f, "%.*s,\"offset\":%llu,\"gtid\":\"%s\",\"messages\":%llu}\n", (int)j.len, (const char *)j.data,
            (unsigned long long)r->ack_offset, r->ack_gtid, (unsigned long long)r->sent);
    bv_buf_release(&j);
    int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
    if (fclose(f) != 0 || bad || rename(tmp, r->ckpt) != 0) {
        unlink(tmp);
        return bv_seterr(err, errlen, BV_E_IO, "%s: cannot replace the checkpoint: %s", r->ckpt, strerror(errno));
    }
    snprintf(dirbuf, sizeof(dirbuf), "%s", r->ckpt);
    char *slash = strrchr(dirbuf, '/');
    if (slash)
        *slash = 0;
    int dfd = open(slash ? dirbuf : ".", O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    r->ack_dirty = 0;
    return BV_OK;
}

/* Continue right after file:off (a checkpoint, a committed progress record,
 * the last commit before an aborted Kafka transaction): that position is
 * past any --from position, GTID set or time. */
static void resume_after(rp *r, const char *file, uint64_t off)
{
    r->have_done = 1;
    r->done_read = 0;
    snprintf(r->done_file, sizeof(r->done_file), "%s", file);
    r->done_offset = off;
    bv_gtid_set_free(r->from_gtid);
    r->from_gtid = NULL;
    r->range.has_since = 0;
}

/* {"file":"F","offset":N,...}: the position after the last delivered transaction. */
static int read_checkpoint(rp *r, char *file, size_t filelen, uint64_t *off, char *err, size_t errlen)
{
    FILE *f = fopen(r->ckpt, "r");
    char buf[4096];
    if (!f)
        return errno == ENOENT ? BV_E_NOTFOUND
                               : bv_seterr(err, errlen, BV_E_IO, "%s: %s", r->ckpt, strerror(errno));
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    return bv_rp_position_parse(buf, r->ckpt, file, filelen, off, err, errlen);
}

static void on_ack(void *ctx, uint64_t txn)
{
    rp *r = ctx;
    while (r->pch < r->pcn && r->pc[r->pch].txn <= txn) {
        pend_ckpt *p = &r->pc[r->pch++];
        snprintf(r->ack_file, sizeof(r->ack_file), "%s", p->file);
        r->ack_offset = p->offset;
        snprintf(r->ack_gtid, sizeof(r->ack_gtid), "%s", p->gtid);
        r->ack_dirty = 1;
    }
    if (r->pch == r->pcn)
        r->pch = r->pcn = 0;
}

static int remember_end(rp *r, uint64_t txn, const char *file, uint64_t off)
{
    if (!r->ckpt)
        return BV_OK;
    if (r->pcn == r->pccap) {
        if (r->pch) {
            memmove(r->pc, r->pc + r->pch, (r->pcn - r->pch) * sizeof(*r->pc));
            r->pcn -= r->pch;
            r->pch = 0;
        }
        if (r->pcn == r->pccap) {
            size_t cap = r->pccap ? r->pccap * 2 : 256;
            pend_ckpt *n = realloc(r->pc, cap * sizeof(*n));
            if (!n)
                return BV_E_NOMEM;
            r->pc = n;
            r->pccap = cap;
        }
    }
    pend_ckpt *p = &r->pc[r->pcn++];
    p->txn = txn;
    snprintf(p->file, sizeof(p->file), "%s", file);
    p->offset = off;
    snprintf(p->gtid, sizeof(p->gtid), "%s", r->gtid);
    return BV_OK;
}

/* ------------------------------------------------------------ messages */

static void topic_for(bv_buf *b, const char *tmpl, bv_str db, bv_str tb, const char *type)
{
    if (!strchr(tmpl, '%')) {
        bv_buf_put(b, tmpl, strlen(tmpl));
        return;
    }
    for (const char *p = tmpl; *p;) {
        if (!strncmp(p, "%{database}", 11)) {
            bv_buf_put(b, db.ptr, db.len);
            p += 11;
        } else if (!strncmp(p, "%{table}", 8)) {
            bv_buf_put(b, tb.ptr, tb.len);
            p += 8;
        } else if (!strncmp(p, "%{type}", 7)) {
            bv_buf_put(b, type, strlen(type));
            p += 7;
        } else {
            bv_buf_put_u8(b, (uint8_t)*p++);
        }
    }
}

/* The string Maxwell's partitioner hashes for this row. */
static void partition_text(rp *r, bv_buf *b, const bv_event *ev, const char *by, int depth)
{
    bv_str db = bv_schema_database(ev->schema), tb = bv_schema_table(ev->schema);
    const bv_value *img = ev->type == BV_EV_DELETE ? ev->before : ev->after;
    if (!strcmp(by, "table")) {
        bv_buf_put(b, tb.ptr, tb.len);
    } else if (!strcmp(by, "primary_key")) {
        uint32_t npk = bv_schema_pk_count(ev->schema);
        if (!npk) {
            bv_buf_put(b, db.ptr, db.len);
            bv_buf_put(b, tb.ptr, tb.len);
        }
        for (uint32_t k = 0; k < npk; k++) {
            uint32_t i = bv_schema_pk_column(ev->schema, k);
            const bv_value *v = &img[i];
            if (v->kind == BV_VAL_ABSENT && ev->before)
                v = &ev->before[i];
            bv_mx_value_text(b, v, bv_schema_column(ev->schema, i));
        }
    } else if (!strcmp(by, "transaction_id")) {
        /* the xid is known only at the COMMIT: flush_txn fills it in */
        (void)r;
    } else if (!strcmp(by, "column")) {
        size_t start = b->len;
        int found = 0;
        for (size_t k = 0; k < r->npart_cols; k++)
            for (uint32_t i = 0; i < ev->ncols; i++) {
                const bv_column *c = bv_schema_column(ev->schema, i);
                if (c->name.len == strlen(r->part_cols[k]) && !memcmp(c->name.ptr, r->part_cols[k], c->name.len) &&
                    img[i].kind != BV_VAL_ABSENT && img[i].kind != BV_VAL_NULL) {
                    bv_mx_value_text(b, &img[i], c);
                    found = 1;
                }
            }
        if (!found && depth == 0) {
            b->len = start;
            partition_text(r, b, ev, r->part_fallback ? r->part_fallback : "database", 1);
        }
    } else {
        bv_buf_put(b, db.ptr, db.len);
    }
}

static int push_msg(rp *r, msg *m)
{
    if (r->tb.oom)
        return BV_E_NOMEM;
    if (r->nm == r->capm) {
        size_t cap = r->capm ? r->capm * 2 : 64;
        msg *n = realloc(r->m, cap * sizeof(*n));
        if (!n)
            return BV_E_NOMEM;
        r->m = n;
        r->capm = cap;
    }
    r->m[r->nm++] = *m;
    return BV_OK;
}

/* Start a span at the end of the transaction buffer; end_span closes it. */
static size_t begin_span(rp *r) { return r->tb.len; }
static span end_span(rp *r, size_t start) { return (span){start, r->tb.len - start}; }

/* 1 if name is "db.tb" */
static int table_is(const char *name, const char *db, size_t dl, const char *tb, size_t tl)
{
    return memcmp(name, db, dl) == 0 && name[dl] == '.' && memcmp(name + dl + 1, tb, tl) == 0 &&
           name[dl + 1 + tl] == 0;
}

static int add_row(rp *r, const bv_event *ev)
{
    msg m;
    size_t o;
    static const char *const types[] = {"", "", "insert", "update", "delete"};
    memset(&m, 0, sizeof(m));
    bv_str db = bv_schema_database(ev->schema), tb = bv_schema_table(ev->schema);
    /* topic, key and partition text only matter to Kafka (lines carry the value) */
    o = begin_span(r);
    if (r->to_kafka)
        topic_for(&r->tb, r->topic, db, tb, types[ev->type]);
    m.topic = end_span(r, o);
    bv_buf_put_u8(&r->tb, 0);
    o = begin_span(r);
    if (r->to_kafka && r->debezium)
        bv_dbz_key(&r->tb, ev);
    else if (r->to_kafka)
        bv_mx_key(&r->tb, ev);
    m.key = end_span(r, o);
    o = begin_span(r);
    if (r->debezium)
        bv_dbz_value(&r->tb, ev, r->server_name);
    else
        bv_mx_row_head(&r->tb, ev);
    m.head = end_span(r, o);
    o = begin_span(r);
    if (!r->debezium)
        bv_mx_row_tail(&r->tb, ev, &r->mx);
    m.tail = end_span(r, o);
    o = begin_span(r);
    if (r->to_kafka)
        partition_text(r, &r->tb, ev, r->part_by, 0);
    m.part = end_span(r, o);
    m.is_row = !r->debezium; /* Maxwell rows get the commit info */
    m.offset = ev->pos.offset;
    m.row = ev->pos.row;
    if (push_msg(r, &m))
        return BV_E_NOMEM;
    r->rows++;
    r->by_type[ev->type]++;
    /* per-table counts for the summary (the first 200 tables by name);
     * consecutive rows are usually of the same table, so try the last one
     * before formatting the name */
    size_t dl = db.len > 70 ? 70 : db.len, tl = tb.len > 70 ? 70 : tb.len;
    size_t i = r->tlast;
    if (i < r->ntables && table_is(r->tables[i].name, db.ptr, dl, tb.ptr, tl)) {
        r->tables[i].n++;
        return BV_OK;
    }
    char name[160];
    snprintf(name, sizeof(name), "%.*s.%.*s", (int)dl, db.ptr, (int)tl, tb.ptr);
    i = 0;
    while (i < r->ntables && strcmp(r->tables[i].name, name) != 0)
        i++;
    r->tlast = i;
    if (i == r->ntables && r->ntables < 200) {
        struct tcount *n = realloc(r->tables, (r->ntables + 1) * sizeof(*n));
        if (n) {
            r->tables = n;
            snprintf(r->tables[r->ntables].name, sizeof(r->tables[0].name), "%s", name);
            r->tables[r->ntables++].n = 0;
        }
    }
    if (i < r->ntables)
        r->tables[i].n++;
    return BV_OK;
}

static int add_ddl(rp *r, const bv_event *ev)
{
    msg m;
    size_t o;
    memset(&m, 0, sizeof(m));
    bv_str empty = {"", 0};
    o = begin_span(r);
    if (r->ddl_topic)
        bv_buf_put(&r->tb, r->ddl_topic, strlen(r->ddl_topic));
    else
        topic_for(&r->tb, r->topic, empty, empty, "ddl");
    m.topic = end_span(r, o);
    bv_buf_put_u8(&r->tb, 0);
    o = begin_span(r);
    bv_mx_ddl(&r->tb, ev, &r->mx);
    m.head = end_span(r, o);
    o = begin_span(r);
    bv_buf_put(&r->tb, ev->database.ptr, ev->database.len);
    m.part = end_span(r, o);
    m.offset = ev->pos.offset;
    if (push_msg(r, &m))
        return BV_E_NOMEM;
    r->ddls++;
    r->by_type[BV_EV_DDL]++;
    return BV_OK;
}

static void throttle(rp *r, size_t bytes)
{
    if (r->max_rate <= 0 && r->max_bytes_rate <= 0)
        return;
    for (;;) {
        double t = now_s();
        double dt = t - r->bucket_t;
        r->bucket_t = t;
        if (r->max_rate > 0) {
            r->tokens += dt * r->max_rate;
            if (r->tokens > r->max_rate)
                r->tokens = r->max_rate;
        }
        if (r->max_bytes_rate > 0) {
            r->btokens += dt * r->max_bytes_rate;
            if (r->btokens > r->max_bytes_rate)
                r->btokens = r->max_bytes_rate;
        }
        if ((r->max_rate <= 0 || r->tokens >= 1) && (r->max_bytes_rate <= 0 || r->btokens >= (double)bytes ||
                                                     r->btokens >= r->max_bytes_rate))
            break;
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
        if (g_stop)
            return;
    }
    if (r->max_rate > 0)
        r->tokens -= 1;
    if (r->max_bytes_rate > 0)
        r->btokens -= (double)bytes;
}

/* --exactly-once: commit the open Kafka transaction with the position after
 * the last archive transaction it holds, as one progress record of the job.
 * BV_E_STATE: aborted by Kafka (the caller rewinds). */
static int eos_commit(rp *r, char *err, size_t errlen)
{
    if (!r->eos_dirty)
        return BV_OK;
    bv_buf j;
    bv_buf_init(&j);
    char tbuf[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    bv_buf_puts(&j, "{\"job\":");
    bv_json_string(&j, r->job, strlen(r->job));
    bv_buf_puts(&j, ",\"archive\":");
    bv_json_string(&j, r->dir, strlen(r->dir));
    bv_buf_puts(&j, ",\"file\":");
    bv_json_string(&j, r->eos_file, strlen(r->eos_file));
    bv_buf_printf(&j, ",\"offset\":%llu,\"gtid\":", (unsigned long long)r->eos_offset);
    bv_json_string(&j, r->eos_gtid, strlen(r->eos_gtid));
    bv_buf_printf(&j, ",\"messages\":%llu,\"time\":\"%s\"}", (unsigned long long)(r->eos_base + r->sent), tbuf);
    int rc = j.oom ? bv_seterr(err, errlen, BV_E_NOMEM, "out of memory")
                   : bv_sink_txn_commit(r->sink, (const char *)j.data, j.len, err, errlen);
    bv_buf_release(&j);
    if (rc)
        return rc;
    snprintf(r->eos_cfile, sizeof(r->eos_cfile), "%s", r->eos_file);
    r->eos_coffset = r->eos_offset;
    r->eos_csent = r->sent;
    r->eos_cto_seen = r->to_gtid_seen;
    r->eos_have = 1;
    r->eos_dirty = 0;
    r->eos_msgs = 0;
    r->eos_commits++;
    return BV_OK;
}

/* The transaction is complete: send its messages with the commit info. */
static int flush_txn(rp *r, int has_xid, uint64_t xid, const char *end_file, uint64_t end_offset, char *err,
                     size_t errlen)
{
    bv_buf *const v = &r->msgbuf; /* kept across transactions: no malloc/free per transaction */
    int rc = BV_OK;
    size_t nrows = 0, k = 0, nm = r->nm;
    for (size_t i = 0; i < r->nm; i++)
        nrows += r->m[i].is_row;
    const char *tb = (const char *)r->tb.data;
    for (size_t i = 0; i < r->nm && rc == BV_OK; i++) {
        msg *m = &r->m[i];
        bv_buf_reset(v);
        bv_buf_put(v, tb + m->head.off, m->head.len);
        if (m->is_row && !r->debezium) {
            bv_mx_txn t = {has_xid, xid, k, k + 1 == nrows};
            bv_mx_commit(v, &t, &r->mx);
            bv_buf_put(v, tb + m->tail.off, m->tail.len);
            k++;
        }
        if (v->oom) {
            rc = bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
            break;
        }
        throttle(r, v->len);
        char xid_text[24];
        const char *part = tb + m->part.off;
        size_t part_len = m->part.len;
        if (!strcmp(r->part_by, "transaction_id") && m->tail.len) {
            /* Maxwell hashes the xid's text ("null" without one) */
            snprintf(xid_text, sizeof(xid_text), has_xid ? "%llu" : "null", (unsigned long long)xid);
            part = xid_text;
            part_len = strlen(xid_text);
        }
        bv_msg bm = {tb + m->topic.off, m->key.len ? tb + m->key.off : NULL, m->key.len, (const char *)v->data, v->len,
                     part, part_len, r->txn_file, m->offset, m->row, r->gtid};
        rc = bv_sink_send(r->sink, r->txn_seq, &bm, err, errlen);
        r->sent++;
        r->sent_bytes += v->len;
    }
    if (v->cap > (64u << 20))
        bv_buf_release(v); /* let one huge message's buffer go */
    r->nm = 0;
    bv_buf_reset(&r->tb);
    if (rc)
        return rc;
    if ((rc = remember_end(r, r->txn_seq, end_file, end_offset)))
        return bv_seterr(err, errlen, rc, "out of memory");
    if ((rc = bv_sink_txn_end(r->sink, r->txn_seq, err, errlen)))
        return rc;
    r->txn_seq++;
    r->txns++;
    if (r->eos) {
        /* Kafka transactions end only at archive transaction boundaries */
        if (!r->eos_dirty)
            r->eos_t0 = now_s();
        r->eos_dirty = 1;
        r->eos_msgs += nm;
        snprintf(r->eos_file, sizeof(r->eos_file), "%s", end_file);
        r->eos_offset = end_offset;
        snprintf(r->eos_gtid, sizeof(r->eos_gtid), "%s", r->gtid);
        if (r->eos_msgs >= r->eos_max_msgs || now_s() - r->eos_t0 >= r->eos_max_s)
            return eos_commit(r, err, errlen);
    }
    return BV_OK;
}

static void drop_txn(rp *r)
{
    r->nm = 0;
    bv_buf_reset(&r->tb);
    r->in_txn = 0;
}

/* ------------------------------------------------------------ range */

static int parse_time(const char *s, uint64_t *us)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (s[0] == '@') {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s + 1, &end, 10);
        if (errno || *end || end == s + 1)
            return -1;
        *us = v * 1000000ull;
        return 0;
    }
    const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end)
        end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
    if (!end) {
        end = strptime(s, "%Y-%m-%d", &tm);
        if (!end || *end)
            return -1;
    } else if (*end == 'Z') {
        end++;
    }
    if (*end)
        return -1;
    time_t t = timegm(&tm);
    if (t < 0)
        return -1;
    *us = (uint64_t)t * 1000000ull;
    return 0;
}

/* FILE:POS, gtid:SET or a time. */
static int parse_where(rp *r, const char *s, int is_to, char *err, size_t errlen)
{
    bv_range *g = &r->range;
    if (!strncmp(s, "gtid:", 5)) {
        bv_gtid_set *set = bv_gtid_set_new();
        char e[256];
        if (!set || bv_gtid_set_parse(set, s + 5, strlen(s + 5), e, sizeof(e))) {
            bv_gtid_set_free(set);
            return bv_seterr(err, errlen, BV_E_INVAL, "%s %s: %s", is_to ? "--to" : "--from", s,
                             set ? e : "out of memory");
        }
        if (is_to)
            r->to_gtid = set;
        else
            r->from_gtid = set;
        return BV_OK;
    }
    uint64_t us;
    if (parse_time(s, &us) == 0) {
        if (is_to) {
            g->has_until = 1;
            g->until_us = us;
        } else {
            g->has_since = 1;
            g->since_us = us;
        }
        return BV_OK;
    }
    const char *colon = strrchr(s, ':');
    char *end;
    if (colon && colon != s) {
        errno = 0;
        unsigned long long off = strtoull(colon + 1, &end, 10);
        if (!errno && !*end && end != colon + 1) {
            if (is_to) {
                g->has_to = 1;
                g->to_file.ptr = s;
                g->to_file.len = (size_t)(colon - s);
                g->to_offset = off;
            } else {
                g->has_from = 1;
                g->from_file.ptr = s;
                g->from_file.len = (size_t)(colon - s);
                g->from_offset = off;
            }
            return BV_OK;
        }
    }
    return bv_seterr(err, errlen, BV_E_INVAL, "%s %s: expected FILE:POS, gtid:SET or a UTC time "
                                              "(2026-01-02T03:04:05Z or @UNIXSECONDS)",
                     is_to ? "--to" : "--from", s);
}

/* ------------------------------------------------------------ the loop */

/* Copy a name (at most 255 bytes) as a C string. */
static void copy_name(char *dst, size_t size, bv_str s)
{
    size_t n = s.len < size - 1 ? s.len : size - 1;
    if (n)
        memcpy(dst, s.ptr, n);
    dst[n] = 0;
}

/* 1 when file:off is where the archive currently ends (nothing after it yet). */
static int at_archive_end(const char *dir, const char *file, uint64_t off)
{
    bv_archive *a = NULL;
    char e[512];
    int yes = 0;
    if (bv_archive_open(&a, dir, e, sizeof(e)) == BV_OK && bv_archive_count(a) > 0) {
        const bv_segment_info *si = bv_archive_segment(a, bv_archive_count(a) - 1);
        yes = si->end_file.len == strlen(file) && !memcmp(si->end_file.ptr, file, si->end_file.len) &&
              si->end_offset == off;
    }
    bv_archive_free(a);
    return yes;
}

/* Read from the current start to the end of what the archive holds.
 * Returns 1 when the range's end was reached (no need to follow). */
static int pass(rp *r, char *err, size_t errlen)
{
    bv_reader *rd = NULL;
    const bv_event *ev;
    bv_range g = r->range;
    char from[256];
    int rc;
    if (r->have_done) {
        /* continue after the last complete transaction read */
        snprintf(from, sizeof(from), "%s", r->done_file);
        g.has_from = 1;
        g.from_file.ptr = from;
        g.from_file.len = strlen(from);
        g.from_offset = r->done_offset;
    }
    /* Times select transactions by their BEGIN, so read all and filter. */
    uint64_t since = g.has_since ? g.since_us : 0, until = g.has_until ? g.until_us : 0;
    int has_since = g.has_since, has_until = g.has_until;
    g.has_since = g.has_until = 0;
    if ((rc = bv_reader_open(&rd, r->dir, &g, err, errlen))) {
        /* A position this run read from the archive itself is its end, or
         * was when the writer had not yet flushed past it: nothing newer
         * yet. A checkpoint's position must be in the archive (or be its
         * end: everything was published). */
        if (rc == BV_E_NOTFOUND && r->have_done &&
            (r->done_read || at_archive_end(r->dir, r->done_file, r->done_offset)))
            return 0;
        return rc;
    }
    int skip = 0, ended = 0;
    while (!g_stop && (rc = bv_reader_next(rd, &ev, err, errlen)) == 1) {
        switch (ev->type) {
        case BV_EV_BEGIN:
            drop_txn(r); /* a BEGIN without COMMIT before it cannot happen in a valid archive */
            r->in_txn = 1;
            skip = 0;
            if (ev->gtid.flavor != BV_GTID_NONE)
                bv_gtid_format(&ev->gtid, r->gtid, sizeof(r->gtid));
            else
                r->gtid[0] = 0;
            copy_name(r->txn_file, sizeof(r->txn_file), ev->pos.file);
            if (has_since && ev->ts_us < since)
                skip = 1;
            if (has_until && ev->ts_us >= until) {
                ended = 1;
                goto out;
            }
            if (r->from_gtid && ev->gtid.flavor != BV_GTID_NONE && bv_gtid_set_contains(r->from_gtid, &ev->gtid))
                skip = 1;
            else if (r->from_gtid)
                bv_gtid_set_free(r->from_gtid), r->from_gtid = NULL; /* from here on, everything */
            if (r->to_gtid) {
                int in = ev->gtid.flavor != BV_GTID_NONE && bv_gtid_set_contains(r->to_gtid, &ev->gtid);
                if (in)
                    r->to_gtid_seen = 1;
                else if (r->to_gtid_seen) {
                    ended = 1;
                    goto out;
                }
            }
            break;
        case BV_EV_INSERT:
        case BV_EV_UPDATE:
        case BV_EV_DELETE:
            if (!r->in_txn || skip || !bv_filter_row(r->filter, ev))
                break;
            if ((rc = add_row(r, ev))) {
                bv_seterr(err, errlen, rc, "out of memory (transaction at %s:%llu holds %zu bytes of messages)",
                          r->txn_file, (unsigned long long)ev->pos.offset, r->tb.len);
                goto out;
            }
            break;
        case BV_EV_DDL:
            if (!r->in_txn || skip || !r->output_ddl || !bv_filter_ddl(r->filter, ev->database.ptr, ev->database.len))
                break;
            if ((rc = add_ddl(r, ev))) {
                bv_seterr(err, errlen, rc, "out of memory");
                goto out;
            }
            break;
        case BV_EV_COMMIT: {
            char f[256];
            copy_name(f, sizeof(f), ev->pos.file);
            if (r->in_txn && (rc = flush_txn(r, ev->commit_kind == BV_COMMIT_XID, ev->xid, f, ev->end_offset, err,
                                             errlen)))
                goto out;
            r->in_txn = 0;
            memcpy(r->done_file, f, strlen(f) + 1);
            r->done_offset = ev->end_offset;
            r->have_done = 1;
            r->done_read = 1;
            break;
        }
        case BV_EV_ROTATE:
            copy_name(r->done_file, sizeof(r->done_file), ev->new_file);
            r->done_offset = ev->end_offset;
            r->have_done = 1;
            r->done_read = 1;
            break;
        default:
            break;
        }
        if ((rc = bv_sink_poll(r->sink, err, errlen)))
            goto out;
        if (r->ack_dirty && now_s() - r->last_ckpt >= 1.0) {
            if ((rc = write_checkpoint(r, err, errlen)))
                goto out;
            r->last_ckpt = now_s();
        }
        r->read_events++;
        bv_progress_update_eta(&r->pg, r->sent, r->sent_bytes, r->read_events, r->total_events);
    }
    if (rc == BV_E_NOTFOUND && r->have_done && (r->done_read || at_archive_end(r->dir, r->done_file, r->done_offset)))
        rc = 0; /* the reader found nothing at or after the position yet (see above) */
    if (rc == 0 && !g_stop && (r->range.has_to || r->to_gtid_seen))
        ended = 1;
out:
    /* an incomplete transaction at the end (the open segment, or the range
     * ends inside it) is not published: the next pass reads it again */
    drop_txn(r);
    bv_reader_free(rd);
    if (rc < 0)
        return rc;
    return ended;
}

int main(int argc, char **argv)
{
    rp r;
    char err[2048] = "";
    const char *output = NULL, *brokers = NULL, *filter = NULL, *excl = NULL, *from = NULL, *to = NULL;
    const char *pcols = NULL, *ctimeout = NULL, *txn_msgs = NULL, *txn_ms = NULL;
    char txid[300] = "";
    const char **xconf = calloc((size_t)argc, sizeof(*xconf));
    size_t nx = 0;
    int follow = 0, no_headers = 0, quiet = 0, status = 0, fd = -1;
    memset(&r, 0, sizeof(r));
    bv_mx_opts_init(&r.mx);
    r.topic = "maxwell";
    r.server_name = "binvault";
    const char *format = "maxwell";
    r.part_by = "database";
    if (!xconf)
        return EXIT_FAIL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            free(xconf);
            return 0;
        }
#define OPTV(name, var)                                                                                               \
    if (!strcmp(a, name) && v) {                                                                                      \
        var = v;                                                                                                      \
        i++;                                                                                                          \
        continue;                                                                                                     \
    }
#define FLAG(name, expr)                                                                                              \
    if (!strcmp(a, name)) {                                                                                           \
        expr;                                                                                                         \
        continue;                                                                                                     \
    }
        OPTV("--archive", r.dir)
        OPTV("--from", from)
        OPTV("--to", to)
        OPTV("--output", output)
        OPTV("--brokers", brokers)
        OPTV("--topic", r.topic)
        OPTV("--ddl-topic", r.ddl_topic)
        OPTV("--partition-by", r.part_by)
        OPTV("--partition-columns", pcols)
        OPTV("--partition-fallback", r.part_fallback)
        OPTV("--checkpoint", r.ckpt)
        OPTV("--filter", filter)
        OPTV("--format", format)
        OPTV("--connect-timeout", ctimeout)
        OPTV("--server-name", r.server_name)
        OPTV("--exclude-columns", excl)
        OPTV("--job", r.job)
        OPTV("--progress-topic", r.progress_topic)
        OPTV("--txn-messages", txn_msgs)
        OPTV("--txn-interval-ms", txn_ms)
        FLAG("--exactly-once", r.eos = 1)
        FLAG("--follow", follow = 1)
        FLAG("--no-headers", no_headers = 1)
        FLAG("--quiet", quiet = 1)
        FLAG("--output-ddl", r.output_ddl = 1)
        FLAG("--output-binlog-position", r.mx.binlog_position = 1)
        FLAG("--output-gtid-position", r.mx.gtid_position = 1)
        FLAG("--output-server-id", r.mx.server_id = 1)
        FLAG("--output-thread-id", r.mx.thread_id = 1)
        FLAG("--output-primary-keys", r.mx.primary_keys = 1)
        FLAG("--output-primary-key-columns", r.mx.primary_key_columns = 1)
        FLAG("--no-output-commit-info", r.mx.commit_info = 0)
        FLAG("--no-output-xoffset", r.mx.xoffset = 0)
        FLAG("--no-output-nulls", r.mx.nulls = 0)
        if (!strcmp(a, "-X") && v) {
            xconf[nx++] = v;
            i++;
            continue;
        }
        if ((!strcmp(a, "--max-rate") || !strcmp(a, "--max-bytes-rate")) && v) {
            double d = strtod(v, &end);
            if (*end || end == v || !(d > 0)) {
                fprintf(stderr, "binvault-replayer: %s %s: expected a positive number\n", a, v);
                status = EXIT_USAGE;
                goto done;
            }
            if (!strcmp(a, "--max-rate"))
                r.max_rate = d;
            else
                r.max_bytes_rate = d;
            i++;
            continue;
        }
        fprintf(stderr, "binvault-replayer: unknown option or missing value: %s\n", a);
        usage(stderr);
        status = EXIT_USAGE;
        goto done;
    }
    if (strcmp(format, "maxwell") != 0 && strcmp(format, "debezium") != 0) {
        fprintf(stderr, "binvault-replayer: --format %s: expected maxwell or debezium\n", format);
        status = EXIT_USAGE;
        goto done;
    }
    r.debezium = !strcmp(format, "debezium");
    for (const char *t = r.topic; (t = strstr(t, "%{")) != NULL; t++)
        if (strncmp(t, "%{database}", 11) && strncmp(t, "%{table}", 8) && strncmp(t, "%{type}", 7)) {
            fprintf(stderr, "binvault-replayer: --topic %s: unknown placeholder at \"%.20s\" (use %%{database}, "
                            "%%{table}, %%{type})\n", r.topic, t);
            status = EXIT_USAGE;
            goto done;
        }
    if (!r.dir) {
        fprintf(stderr, "binvault-replayer: --archive DIR is required\n");
        status = EXIT_USAGE;
        goto done;
    }
    if (!output)
        output = brokers ? "kafka" : NULL;
    if (!output) {
        fprintf(stderr, "binvault-replayer: give --brokers (Kafka) or --output stdout|FILE\n");
        status = EXIT_USAGE;
        goto done;
    }
    if (!strcmp(output, "kafka") && !brokers) {
        fprintf(stderr, "binvault-replayer: --output kafka needs --brokers\n");
        status = EXIT_USAGE;
        goto done;
    }
    r.progress_topic = r.progress_topic ? r.progress_topic : "binvault.progress";
    r.eos_max_msgs = 10000;
    r.eos_max_s = 1.0;
    if (r.eos || r.job || txn_msgs || txn_ms) {
        const char *bad = NULL;
        char *e1 = NULL, *e2 = NULL;
        if (txn_msgs)
            r.eos_max_msgs = strtoull(txn_msgs, &e1, 10);
        if (txn_ms)
            r.eos_max_s = strtod(txn_ms, &e2) / 1000.0;
        if (!r.eos)
            bad = "--job, --txn-messages and --txn-interval-ms go with --exactly-once";
        else if (strcmp(output, "kafka") != 0)
            bad = "--exactly-once publishes to Kafka (--brokers), not to --output files";
        else if (!r.job || !r.job[0] || strlen(r.job) > 200 ||
                 strspn(r.job, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != strlen(r.job))
            bad = "--exactly-once needs --job NAME (1..200 of A-Z a-z 0-9 . _ -): the job's Kafka transactional.id "
                  "and the key of its progress records";
        else if (r.ckpt)
            bad = "--exactly-once keeps its progress in Kafka (--progress-topic), not in a --checkpoint file";
        else if ((txn_msgs && (*e1 || e1 == txn_msgs || r.eos_max_msgs == 0)) ||
                 (txn_ms && (*e2 || e2 == txn_ms || !(r.eos_max_s > 0))))
            bad = "--txn-messages N and --txn-interval-ms MS must be positive numbers";
        else if (!r.progress_topic[0])
            bad = "--progress-topic: empty name";
        for (size_t i = 0; !bad && i < nx; i++)
            if (!strncmp(xconf[i], "transactional.id=", 17))
                bad = "-X transactional.id: with --exactly-once the id is binvault-replayer.<--job>";
        if (bad) {
            fprintf(stderr, "binvault-replayer: %s\n", bad);
            status = EXIT_USAGE;
            goto done;
        }
        snprintf(txid, sizeof(txid), "transactional.id=binvault-replayer.%s", r.job);
        xconf[nx++] = txid; /* xconf has argc slots, and -X takes two of them */
    }
    static const char *const bys[] = {"database", "table", "primary_key", "transaction_id", "column"};
    int by_ok = 0, fb_ok = !r.part_fallback;
    for (size_t i = 0; i < 5; i++) {
        by_ok |= !strcmp(r.part_by, bys[i]);
        fb_ok |= r.part_fallback && i < 3 && !strcmp(r.part_fallback, bys[i]);
    }
    if (!by_ok || !fb_ok || (!strcmp(r.part_by, "column") && !pcols)) {
        fprintf(stderr, "binvault-replayer: --partition-by database|table|primary_key|transaction_id|column "
                        "(column needs --partition-columns), --partition-fallback database|table|primary_key\n");
        status = EXIT_USAGE;
        goto done;
    }
    if (pcols) {
        char *c = strdup(pcols);
        for (char *save = NULL, *t = c ? strtok_r(c, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save)) {
            char **n = realloc(r.part_cols, (r.npart_cols + 1) * sizeof(*n));
            if (!n)
                break;
            r.part_cols = n;
            r.part_cols[r.npart_cols++] = strdup(t);
        }
        free(c);
    }
    if (filter && !(r.filter = bv_filter_parse(filter, err, sizeof(err)))) {
        fprintf(stderr, "binvault-replayer: %s\n", err);
        status = EXIT_USAGE;
        goto done;
    }
    if (excl) {
        if (!(r.cols = bv_colset_parse(excl, err, sizeof(err)))) {
            fprintf(stderr, "binvault-replayer: %s\n", err);
            status = EXIT_USAGE;
            goto done;
        }
        r.mx.exclude = bv_colset_has;
        r.mx.exclude_ctx = r.cols;
    }
    if ((from && parse_where(&r, from, 0, err, sizeof(err))) || (to && parse_where(&r, to, 1, err, sizeof(err)))) {
        fprintf(stderr, "binvault-replayer: %s\n", err);
        status = EXIT_USAGE;
        goto done;
    }
    if (r.ckpt) {
        int crc = read_checkpoint(&r, r.ack_file, sizeof(r.ack_file), &r.ack_offset, err, sizeof(err));
        if (crc == BV_OK) {
            resume_after(&r, r.ack_file, r.ack_offset);
            if (!quiet)
                fprintf(stderr, "binvault-replayer: resuming after %s:%llu (checkpoint %s)\n", r.done_file,
                        (unsigned long long)r.done_offset, r.ckpt);
        } else if (crc != BV_E_NOTFOUND) {
            fprintf(stderr, "binvault-replayer: %s\n", err);
            status = EXIT_FAIL;
            goto done;
        }
    }
    r.to_kafka = !strcmp(output, "kafka");
    if (r.to_kafka) {
        if (bv_sink_kafka(&r.sink, brokers, xconf, nx, on_ack, &r, err, sizeof(err))) {
            fprintf(stderr, "binvault-replayer: %s\n", err);
            status = EXIT_USAGE;
            goto done;
        }
        if (ctimeout)
            bv_sink_set_connect_timeout(r.sink, atoi(ctimeout));
        bv_sink_set_headers(r.sink, !no_headers);
        if (r.eos) {
            char *last = NULL;
            int trc = bv_sink_txn_init(r.sink, r.progress_topic, r.job, &last, err, sizeof(err));
            if (trc == BV_OK && last)
                trc = bv_rp_position_parse(last, r.progress_topic, r.eos_cfile, sizeof(r.eos_cfile), &r.eos_coffset, err,
                                     sizeof(err));
            if (trc) {
                fprintf(stderr, "binvault-replayer: %s\n", err);
                free(last);
                status = EXIT_FAIL;
                goto done;
            }
            if (last) {
                const char *pm = strstr(last, "\"messages\":");
                r.eos_base = pm ? strtoull(pm + 11, NULL, 10) : 0;
                r.eos_have = 1;
                resume_after(&r, r.eos_cfile, r.eos_coffset);
                if (!quiet)
                    fprintf(stderr, "binvault-replayer: job %s resumes after %s:%llu (committed in %s)\n", r.job,
                            r.done_file, (unsigned long long)r.done_offset, r.progress_topic);
            } else if (!quiet) {
                fprintf(stderr, "binvault-replayer: job %s has no committed progress in %s: starting at the range's "
                                "beginning\n", r.job, r.progress_topic);
            }
            free(last);
        }
    } else {
        int is_stdout = !strcmp(output, "stdout") || !strcmp(output, "-");
        fd = is_stdout ? STDOUT_FILENO : open(output, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (fd < 0 || bv_sink_lines(&r.sink, fd, is_stdout ? "stdout" : output, !is_stdout, on_ack, &r, err,
                                    sizeof(err))) {
            fprintf(stderr, "binvault-replayer: %s: %s\n", output, fd < 0 ? strerror(errno) : err);
            status = EXIT_FAIL;
            goto done;
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    bv_progress_init(&r.pg, "replay");
    if (quiet)
        r.pg.enabled = 0;
    r.t0 = r.bucket_t = r.last_ckpt = now_s();
    if (r.pg.enabled) { /* the footers' event counts give the ETA */
        bv_archive *ar = NULL;
        char e2[256];
        if (bv_archive_open(&ar, r.dir, e2, sizeof(e2)) == BV_OK)
            for (size_t i = 0; i < bv_archive_count(ar); i++)
                r.total_events += bv_archive_segment(ar, i)->events;
        bv_archive_free(ar);
    }
    int rc, aborts_in_row = 0;
    for (;;) {
        rc = pass(&r, err, sizeof(err));
        if (r.eos && rc >= 0) { /* what the pass read completely is committed now */
            int crc = eos_commit(&r, err, sizeof(err));
            if (crc)
                rc = crc;
        }
        if (r.eos && rc == BV_E_STATE) {
            /* Kafka aborted the transaction (a delivery failed, a broker
             * went away): nothing of it is visible to read_committed
             * consumers, so publish again from the last committed progress */
            r.eos_aborts++;
            if (++aborts_in_row > 5 || g_stop)
                break;
            char aerr[1024];
            if (r.eos_have)
                fprintf(stderr, "binvault-replayer: %s; the Kafka transaction is aborted and job %s continues "
                                "after %s:%llu\n", err, r.job, r.eos_cfile, (unsigned long long)r.eos_coffset);
            else
                fprintf(stderr, "binvault-replayer: %s; the Kafka transaction is aborted and job %s starts again "
                                "at the range's beginning\n", err, r.job);
            if (bv_sink_txn_abort(r.sink, aerr, sizeof(aerr))) {
                snprintf(err, sizeof(err), "%s", aerr);
                rc = BV_E_IO;
                break;
            }
            struct timespec ts = {1, 0};
            nanosleep(&ts, NULL);
            r.eos_dirty = 0;
            r.eos_msgs = 0;
            r.sent = r.eos_csent;
            if (r.eos_have) {
                resume_after(&r, r.eos_cfile, r.eos_coffset);
                r.to_gtid_seen = r.eos_cto_seen;
            } else {
                /* nothing committed yet: the range's beginning again */
                r.have_done = 0;
                r.to_gtid_seen = 0;
                bv_gtid_set_free(r.from_gtid);
                r.from_gtid = NULL;
                memset(&r.range, 0, sizeof(r.range));
                if ((from && parse_where(&r, from, 0, err, sizeof(err))) ||
                    (to && parse_where(&r, to, 1, err, sizeof(err)))) {
                    rc = BV_E_INVAL;
                    break;
                }
            }
            continue;
        }
        if (rc >= 0)
            aborts_in_row = 0;
        if (rc < 0 || rc == 1 || !follow || g_stop)
            break;
        /* --follow: wait for the archiver to append, then read on */
        for (int i = 0; i < 10 && !g_stop; i++) {
            struct timespec ts = {0, 50 * 1000 * 1000};
            nanosleep(&ts, NULL);
            if (bv_sink_poll(r.sink, err, sizeof(err)) != BV_OK) {
                rc = BV_E_IO;
                break;
            }
        }
        if (rc < 0)
            break;
        if (r.ack_dirty && write_checkpoint(&r, err, sizeof(err)) != BV_OK) {
            rc = BV_E_IO;
            break;
        }
    }
    char ferr[1024] = "";
    int frc = bv_sink_flush(r.sink, 60000, ferr, sizeof(ferr));
    char cerr[1024] = "";
    int crc = write_checkpoint(&r, cerr, sizeof(cerr));
    bv_progress_done(&r.pg);
    if (rc < 0) {
        fprintf(stderr, "binvault-replayer: %s\n", err);
        status = EXIT_FAIL;
    }
    if (frc) {
        fprintf(stderr, "binvault-replayer: %s\n", ferr);
        status = EXIT_FAIL;
    }
    if (crc) {
        fprintf(stderr, "binvault-replayer: %s\n", cerr);
        status = EXIT_FAIL;
    }
    if (status && r.ckpt)
        fprintf(stderr, "binvault-replayer: the checkpoint %s records %s:%llu, the end of the last transaction "
                        "delivered; a restart continues from there\n",
                r.ckpt, r.ack_file[0] ? r.ack_file : "(nothing yet)", (unsigned long long)r.ack_offset);
    if (!quiet) {
        double el = now_s() - r.t0;
        fprintf(stderr,
                "binvault-replayer: %llu messages (%llu insert, %llu update, %llu delete, %llu ddl) in %llu "
                "transactions, %llu bytes, %.2f s, %.0f messages/s%s\n",
                (unsigned long long)r.sent, (unsigned long long)r.by_type[BV_EV_INSERT],
                (unsigned long long)r.by_type[BV_EV_UPDATE], (unsigned long long)r.by_type[BV_EV_DELETE],
                (unsigned long long)r.by_type[BV_EV_DDL], (unsigned long long)r.txns,
                (unsigned long long)r.sent_bytes, el, el > 0 ? (double)r.sent / el : 0,
                g_stop ? " (stopped by a signal)" : "");
        if (r.eos)
            fprintf(stderr, "binvault-replayer: job %s: %llu Kafka transactions committed, %llu aborted and "
                            "published again; committed up to %s:%llu\n",
                    r.job, (unsigned long long)r.eos_commits, (unsigned long long)r.eos_aborts,
                    r.eos_have ? r.eos_cfile : "(nothing)", (unsigned long long)r.eos_coffset);
        for (size_t i = 0; i < r.ntables; i++)
            fprintf(stderr, "  %-60s %llu\n", r.tables[i].name, (unsigned long long)r.tables[i].n);
    }
done:
    bv_sink_free(r.sink);
    if (fd > STDERR_FILENO)
        close(fd);
    bv_filter_free(r.filter);
    bv_colset_free(r.cols);
    bv_gtid_set_free(r.from_gtid);
    bv_gtid_set_free(r.to_gtid);
    for (size_t i = 0; i < r.npart_cols; i++)
        free(r.part_cols[i]);
    free(r.part_cols);
    free(r.m);
    free(r.tables);
    bv_buf_release(&r.tb);
    bv_buf_release(&r.msgbuf);
    free(r.pc);
    free(xconf);
    bv_mx_release_caches();
    return status;
}
