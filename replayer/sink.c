/* Message sinks (sink.h): Kafka through librdkafka, or JSON lines. */
#include "sink.h"

#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bytes.h"
#include "maxwell.h"

typedef struct ptxn {
    uint64_t txn;
    uint64_t remaining; /* messages not yet acknowledged */
    int ended;          /* bv_sink_txn_end was called */
} ptxn;

typedef struct tparts {
    char *topic;
    int32_t n;
    rd_kafka_topic_t *rkt;
} tparts;

struct bv_sink {
    int kafka;
    bv_ack_fn ack;
    void *ctx;
    /* pending transactions, in order: q[qh .. qn) */
    ptxn *q;
    size_t qh, qn, qcap;
    int failed;
    char error[512];
    /* kafka */
    rd_kafka_t *rk;
    char brokers[512];
    uint64_t nsent, npolls;
    int connect_timeout;       /* seconds to wait for metadata */
    tparts *tp;
    size_t ntp;
    char **conf;               /* the -X settings, for the progress reader */
    size_t nconf;
    /* exactly-once: Kafka transactions */
    int transactional;         /* bv_sink_txn_init succeeded */
    int headers;               /* Kafka: binvault.id and binvault.gtid on each message */
    int txn_open;              /* a Kafka transaction was begun and not yet ended */
    int txn_abort;             /* a message failed: the open transaction must be aborted */
    uint64_t txn_max;          /* the largest txn id sent */
    uint64_t txn_floor;        /* delivery errors of txn ids below it belong to an aborted transaction */
    char txn_error[512];       /* why */
    char *progress_topic, *job;
    int32_t progress_part;
    /* lines */
    int fd;
    char *path;
    int fsync_each;
    double last_sync;          /* monotonic time of the last fsync */
    bv_buf out;
};

static ptxn *find_txn(bv_sink *s, uint64_t txn)
{
    if (s->qh == s->qn || txn < s->q[s->qh].txn)
        return NULL;
    size_t i = s->qh + (size_t)(txn - s->q[s->qh].txn);
    return i < s->qn && s->q[i].txn == txn ? &s->q[i] : NULL;
}

static ptxn *get_txn(bv_sink *s, uint64_t txn)
{
    ptxn *t = find_txn(s, txn);
    if (t)
        return t;
    if (s->qn == s->qcap) {
        if (s->qh > 0) { /* compact */
            memmove(s->q, s->q + s->qh, (s->qn - s->qh) * sizeof(*s->q));
            s->qn -= s->qh;
            s->qh = 0;
        }
        if (s->qn == s->qcap) {
            size_t cap = s->qcap ? s->qcap * 2 : 256;
            ptxn *n = realloc(s->q, cap * sizeof(*n));
            if (!n)
                return NULL;
            s->q = n;
            s->qcap = cap;
        }
    }
    t = &s->q[s->qn++];
    t->txn = txn;
    t->remaining = 0;
    t->ended = 0;
    return t;
}

static void advance(bv_sink *s)
{
    while (s->qh < s->qn && s->q[s->qh].ended && s->q[s->qh].remaining == 0) {
        uint64_t txn = s->q[s->qh].txn;
        s->qh++;
        if (s->ack)
            s->ack(s->ctx, txn);
    }
    if (s->qh == s->qn)
        s->qh = s->qn = 0;
}

static int fail(bv_sink *s, char *err, size_t errlen)
{
    return bv_seterr(err, errlen, BV_E_IO, "%s", s->error);
}

/* ------------------------------------------------------------ kafka */

/* the opaque of progress records (message opaques are otherwise txn ids) */
static char g_progress_tag;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    bv_sink *s = opaque;
    uint64_t txn = (uint64_t)(uintptr_t)m->_private;
    if (m->_private == &g_progress_tag) { /* the progress record of a Kafka transaction */
        if (m->err && s->txn_open && !s->txn_abort) {
            s->txn_abort = 1;
            snprintf(s->txn_error, sizeof(s->txn_error), "Kafka delivery to the progress topic failed: %s",
                     rd_kafka_err2str(m->err));
        }
        return;
    }
    if (m->err && s->transactional) {
        /* the transaction cannot commit: the caller aborts it and replays
         * from the last committed progress; reports of messages of an
         * already aborted transaction (purged) are ignored */
        if (txn < s->txn_floor)
            return;
        if (!s->txn_abort)
            snprintf(s->txn_error, sizeof(s->txn_error), "Kafka delivery to %s [%d] failed: %s",
                     rd_kafka_topic_name(m->rkt), (int)m->partition, rd_kafka_err2str(m->err));
        s->txn_abort = 1;
        return;
    }
    if (m->err) {
        if (!s->failed) {
            s->failed = 1;
            snprintf(s->error, sizeof(s->error), "Kafka delivery to %s [%d] failed: %s", rd_kafka_topic_name(m->rkt),
                     (int)m->partition, rd_kafka_err2str(m->err));
        }
        return; /* the transaction is never acknowledged */
    }
    ptxn *t = find_txn(s, txn);
    if (t && t->remaining)
        t->remaining--;
    advance(s);
}

/* librdkafka's own log: errors only (warnings such as "coordinator load in
 * progress: retrying" are part of normal start-up and retries). */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    if (level <= 3)
        fprintf(stderr, "binvault-replayer: kafka %s: %s\n", fac, buf);
}

int bv_sink_kafka(bv_sink **out, const char *brokers, const char *const *conf, size_t nconf, bv_ack_fn ack,
                  void *ctx, char *err, size_t errlen)
{
    char e[512];
    *out = NULL;
    bv_sink *s = calloc(1, sizeof(*s));
    if (!s)
        return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
    s->kafka = 1;
    s->headers = 1;
    snprintf(s->brokers, sizeof(s->brokers), "%s", brokers);
    s->connect_timeout = 30;
    s->ack = ack;
    s->ctx = ctx;
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    static const char *const defaults[][2] = {
        {"acks", "all"}, {"enable.idempotence", "true"}, {"linger.ms", "5"},
        {"message.max.bytes", "1000000000"}, {"client.id", "binvault-replayer"},
    };
    if (rd_kafka_conf_set(c, "bootstrap.servers", brokers, e, sizeof(e)) != RD_KAFKA_CONF_OK)
        goto bad;
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
        if (rd_kafka_conf_set(c, defaults[i][0], defaults[i][1], e, sizeof(e)) != RD_KAFKA_CONF_OK)
            goto bad;
    for (size_t i = 0; i < nconf; i++) {
        const char *eq = strchr(conf[i], '=');
        char k[256];
        if (!eq || (size_t)(eq - conf[i]) >= sizeof(k)) {
            snprintf(e, sizeof(e), "-X %s: expected key=value", conf[i]);
            goto bad;
        }
        memcpy(k, conf[i], (size_t)(eq - conf[i]));
        k[eq - conf[i]] = 0;
        if (rd_kafka_conf_set(c, k, eq + 1, e, sizeof(e)) != RD_KAFKA_CONF_OK)
            goto bad;
    }
    if (nconf && !(s->conf = calloc(nconf, sizeof(*s->conf)))) {
        snprintf(e, sizeof(e), "out of memory");
        goto bad;
    }
    for (size_t i = 0; i < nconf; i++) {
        if (!(s->conf[s->nconf] = strdup(conf[i]))) {
            snprintf(e, sizeof(e), "out of memory");
            goto bad;
        }
        s->nconf++;
    }
    rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
    rd_kafka_conf_set_log_cb(c, on_log);
    rd_kafka_conf_set_opaque(c, s);
    s->rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, e, sizeof(e));
    if (!s->rk)
        goto bad; /* rd_kafka_new takes the configuration only on success */
    *out = s;
    return BV_OK;
bad:
    rd_kafka_conf_destroy(c);
    bv_sink_free(s);
    return bv_seterr(err, errlen, BV_E_INVAL, "Kafka configuration: %s", e);
}

/* The topic's partition count (cached), waiting for auto-creation. */
static tparts *topic_parts(bv_sink *s, const char *topic, char *err, size_t errlen)
{
    for (size_t i = 0; i < s->ntp; i++)
        if (!strcmp(s->tp[i].topic, topic))
            return &s->tp[i];
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(s->rk, topic, NULL);
    if (!rkt) {
        bv_seterr(err, errlen, BV_E_INVAL, "Kafka topic %s: %s", topic, rd_kafka_err2str(rd_kafka_last_error()));
        return NULL;
    }
    int32_t n = 0;
    rd_kafka_resp_err_t last = RD_KAFKA_RESP_ERR_NO_ERROR;
    /* about 30 s for the brokers to answer and to create the topic */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int attempt = 0; n == 0; attempt++) {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (attempt > 0 && t1.tv_sec - t0.tv_sec >= s->connect_timeout)
            break;
        const struct rd_kafka_metadata *md = NULL;
        last = rd_kafka_metadata(s->rk, 0, rkt, &md, 5000);
        if (last == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1) {
            if (md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR)
                n = md->topics[0].partition_cnt;
            else
                last = md->topics[0].err;
        }
        if (md)
            rd_kafka_metadata_destroy(md);
        if (n == 0)
            usleep(250 * 1000);
    }
    if (n <= 0) {
        rd_kafka_topic_destroy(rkt);
        if (last == RD_KAFKA_RESP_ERR__TRANSPORT || last == RD_KAFKA_RESP_ERR__TIMED_OUT ||
            last == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
            bv_seterr(err, errlen, BV_E_IO, "Kafka brokers %s do not answer (%s): nothing was published",
                      s->brokers, rd_kafka_err2str(last));
        else
            bv_seterr(err, errlen, BV_E_IO, "Kafka topic %s: no partitions (%s); create the topic, or enable "
                                            "auto.create.topics.enable on the brokers",
                      topic, rd_kafka_err2str(last));
        return NULL;
    }
    tparts *nt = realloc(s->tp, (s->ntp + 1) * sizeof(*nt));
    char *name = strdup(topic);
    if (!nt || !name) {
        free(name);
        if (nt)
            s->tp = nt;
        rd_kafka_topic_destroy(rkt);
        bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
        return NULL;
    }
    s->tp = nt;
    s->tp[s->ntp] = (tparts){name, n, rkt};
    return &s->tp[s->ntp++];
}

static int txn_begin(bv_sink *s, char *err, size_t errlen);
static int kfatal(bv_sink *s, rd_kafka_error_t *e, const char *what, char *err, size_t errlen);

static int kafka_send(bv_sink *s, uint64_t txn, const bv_msg *m, char *err, size_t errlen)
{
    tparts *tp = topic_parts(s, m->topic, err, errlen);
    if (!tp)
        return BV_E_IO;
    int32_t part = bv_mx_partition(bv_java_hash(m->part_text, m->part_len), tp->n);
    /* Headers: the event id "FILE:OFFSET:ROW" and, when the transaction has
     * one, its GTID. Two headers, not one per id part: librdkafka allocates
     * each header on its own and the broker parses each one again. */
    char id[255 + 2 * 21]; /* binlog file names are at most 255 bytes in the archive */
    size_t idn = 0, gtidn = 0;
    if (s->headers) {
        idn = strnlen(m->file, 255);
        memcpy(id, m->file, idn);
        id[idn++] = ':';
        idn += bv_u64_text(id + idn, m->offset);
        id[idn++] = ':';
        idn += bv_u64_text(id + idn, m->row);
        gtidn = m->gtid ? strlen(m->gtid) : 0;
    }
    if (s->transactional) {
        if (s->txn_abort)
            return bv_seterr(err, errlen, BV_E_STATE, "%s", s->txn_error);
        int rc = txn_begin(s, err, errlen);
        if (rc)
            return rc;
    }
    if (txn > s->txn_max)
        s->txn_max = txn;
    ptxn *t = get_txn(s, txn);
    if (!t)
        return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
    t->remaining++;
    for (;;) {
        rd_kafka_vu_t vu[8];
        size_t nvu = 0;
        vu[nvu].vtype = RD_KAFKA_VTYPE_RKT;
        vu[nvu++].u.rkt = tp->rkt;
        vu[nvu].vtype = RD_KAFKA_VTYPE_PARTITION;
        vu[nvu++].u.i32 = part;
        vu[nvu].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
        vu[nvu++].u.i = RD_KAFKA_MSG_F_COPY;
        vu[nvu].vtype = RD_KAFKA_VTYPE_VALUE;
        vu[nvu].u.mem.ptr = (void *)m->value;
        vu[nvu++].u.mem.size = m->value_len;
        vu[nvu].vtype = RD_KAFKA_VTYPE_KEY;
        vu[nvu].u.mem.ptr = (void *)m->key;
        vu[nvu++].u.mem.size = m->key ? m->key_len : 0;
        if (s->headers) {
            vu[nvu].vtype = RD_KAFKA_VTYPE_HEADER;
            vu[nvu].u.header.name = "binvault.id";
            vu[nvu].u.header.val = id;
            vu[nvu++].u.header.size = (ssize_t)idn;
            if (gtidn) {
                vu[nvu].vtype = RD_KAFKA_VTYPE_HEADER;
                vu[nvu].u.header.name = "binvault.gtid";
                vu[nvu].u.header.val = m->gtid;
                vu[nvu++].u.header.size = (ssize_t)gtidn;
            }
        }
        vu[nvu].vtype = RD_KAFKA_VTYPE_OPAQUE;
        vu[nvu++].u.ptr = (void *)(uintptr_t)txn;
        rd_kafka_error_t *ke = rd_kafka_produceva(s->rk, vu, nvu);
        rd_kafka_resp_err_t e = ke ? rd_kafka_error_code(ke) : RD_KAFKA_RESP_ERR_NO_ERROR;
        if (ke)
            rd_kafka_error_destroy(ke);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
            break;
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            t->remaining--;
            if (s->transactional && (e == RD_KAFKA_RESP_ERR__FENCED || e == RD_KAFKA_RESP_ERR__FATAL))
                return kfatal(s, rd_kafka_error_new(e, "%s", rd_kafka_err2str(e)), "Kafka produce", err, errlen);
            if (s->transactional) {
                s->txn_abort = 1;
                snprintf(s->txn_error, sizeof(s->txn_error), "Kafka produce to %s [%d]: %s", m->topic, (int)part,
                         rd_kafka_err2str(e));
                return bv_seterr(err, errlen, BV_E_STATE, "%s", s->txn_error);
            }
            return bv_seterr(err, errlen, BV_E_IO, "Kafka produce to %s [%d]: %s", m->topic, (int)part,
                             rd_kafka_err2str(e));
        }
        rd_kafka_poll(s->rk, 100); /* the queue is full: serve delivery reports */
        if (s->failed)
            return fail(s, err, errlen);
    }
    if ((++s->nsent & 1023) == 0)
        rd_kafka_poll(s->rk, 0); /* serve delivery reports now and then */
    return s->failed ? fail(s, err, errlen) : BV_OK;
}

/* ------------------------------------------------------------ lines */

int bv_sink_lines(bv_sink **out, int fd, const char *path, int fsync_each, bv_ack_fn ack, void *ctx, char *err,
                  size_t errlen)
{
    bv_sink *s = calloc(1, sizeof(*s));
    *out = NULL;
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
    }
    s->fd = fd;
    /* fsync only means something for a regular file (not /dev/null, a pipe) */
    struct stat st;
    s->fsync_each = fsync_each && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    s->ack = ack;
    s->ctx = ctx;
    bv_buf_init(&s->out);
    *out = s;
    return BV_OK;
}

/* Writes the buffered lines. Transactions count as delivered once their
 * lines are durable: at once for stdout, a pipe or a device; for a regular
 * file after an fsync, done at most every 0.5 s (and when force is set), so
 * that a checkpoint never runs ahead of what a crash would keep. */
static int lines_write(bv_sink *s, int force, char *err, size_t errlen)
{
    size_t done = 0;
    while (done < s->out.len) {
        ssize_t w = write(s->fd, s->out.data + done, s->out.len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            s->failed = 1;
            snprintf(s->error, sizeof(s->error), "%s: write failed: %s", s->path, strerror(errno));
            return fail(s, err, errlen);
        }
        done += (size_t)w;
    }
    bv_buf_reset(&s->out);
    if (s->fsync_each) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double t = (double)now.tv_sec + (double)now.tv_nsec / 1e9;
        if (!force && t - s->last_sync < 0.5)
            return BV_OK;
        if (fsync(s->fd) != 0 && errno != EINVAL && errno != EROFS) {
            s->failed = 1;
            snprintf(s->error, sizeof(s->error), "%s: fsync failed: %s", s->path, strerror(errno));
            return fail(s, err, errlen);
        }
        s->last_sync = t;
    }
    for (size_t i = s->qh; i < s->qn; i++)
        if (s->q[i].ended)
            s->q[i].remaining = 0;
    advance(s);
    return BV_OK;
}

/* ------------------------------------------------------------ common */

int bv_sink_send(bv_sink *s, uint64_t txn, const bv_msg *m, char *err, size_t errlen)
{
    if (s->failed)
        return fail(s, err, errlen);
    if (s->kafka)
        return kafka_send(s, txn, m, err, errlen);
    bv_buf_put(&s->out, m->value, m->value_len);
    bv_buf_put_u8(&s->out, '\n');
    if (s->out.oom)
        return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
    if (s->out.len >= (1u << 20))
        return lines_write(s, 0, err, errlen);
    return BV_OK;
}

int bv_sink_txn_end(bv_sink *s, uint64_t txn, char *err, size_t errlen)
{
    if (s->failed)
        return fail(s, err, errlen);
    ptxn *t = get_txn(s, txn);
    if (!t)
        return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
    t->ended = 1;
    if (!s->kafka) {
        t->remaining = 1; /* until its lines are durable */
        return lines_write(s, 0, err, errlen);
    }
    advance(s);
    return BV_OK;
}

int bv_sink_poll(bv_sink *s, char *err, size_t errlen)
{
    if (s->kafka && (++s->nsent & 1023) == 0)
        rd_kafka_poll(s->rk, 0); /* serve delivery reports now and then */
    else if (!s->kafka && s->fsync_each && s->qh < s->qn)
        return lines_write(s, 0, err, errlen); /* syncs (and acknowledges) once 0.5 s have passed, idle or not */
    return s->failed ? fail(s, err, errlen) : BV_OK;
}

int bv_sink_flush(bv_sink *s, int timeout_ms, char *err, size_t errlen)
{
    if (!s->kafka) {
        return lines_write(s, 1, err, errlen);
    }
    rd_kafka_resp_err_t e = rd_kafka_flush(s->rk, timeout_ms);
    if (s->failed)
        return fail(s, err, errlen);
    if (e)
        return bv_seterr(err, errlen, BV_E_IO, "Kafka: %d messages not acknowledged after %d ms: %s",
                         rd_kafka_outq_len(s->rk), timeout_ms, rd_kafka_err2str(e));
    return BV_OK;
}

/* ------------------------------------------------------------ exactly-once */

/* Sets err from a librdkafka error object (destroyed here); returns code. */
static int kerr(rd_kafka_error_t *e, int code, const char *what, char *err, size_t errlen)
{
    int rc = bv_seterr(err, errlen, code, "%s: %s", what, rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
    return rc;
}

/* A fatal transactional error: fenced by a newer instance of the job, or
 * the producer is unusable. */
static int kfatal(bv_sink *s, rd_kafka_error_t *e, const char *what, char *err, size_t errlen)
{
    char fe[256] = "";
    rd_kafka_resp_err_t c = rd_kafka_error_code(e), fc = rd_kafka_fatal_error(s->rk, fe, sizeof(fe));
    if (c == RD_KAFKA_RESP_ERR__FENCED || c == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
        c == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH || fc == RD_KAFKA_RESP_ERR__FENCED ||
        fc == RD_KAFKA_RESP_ERR_PRODUCER_FENCED || fc == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH) {
        rd_kafka_error_destroy(e);
        return bv_seterr(err, errlen, BV_E_LOCKED,
                         "%s: fenced: another binvault-replayer with --job %s started (it continues from the last "
                         "committed progress; this one stops)",
                         what, s->job ? s->job : "?");
    }
    if (fc && fe[0]) {
        rd_kafka_error_destroy(e);
        return bv_seterr(err, errlen, BV_E_IO, "%s: %s", what, fe);
    }
    return kerr(e, BV_E_IO, what, err, errlen);
}

static int txn_begin(bv_sink *s, char *err, size_t errlen)
{
    if (s->txn_open)
        return BV_OK;
    rd_kafka_error_t *e = rd_kafka_begin_transaction(s->rk);
    if (e)
        return kfatal(s, e, "Kafka begin_transaction", err, errlen);
    s->txn_open = 1;
    return BV_OK;
}

/* Creates the compacted progress topic (one partition) unless it exists. */
static int ensure_progress_topic(bv_sink *s, const char *topic, char *err, size_t errlen)
{
    char e[256];
    int rc = BV_OK;
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, 1, -1, e, sizeof(e));
    if (!nt)
        return bv_seterr(err, errlen, BV_E_INVAL, "--progress-topic %s: %s", topic, e);
    rd_kafka_queue_t *q = rd_kafka_queue_new(s->rk);
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(s->rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_event_t *ev = NULL;
    if (!q || !o || rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "compact") ||
        rd_kafka_AdminOptions_set_request_timeout(o, s->connect_timeout * 1000, e, sizeof(e))) {
        rc = bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
        goto out;
    }
    rd_kafka_CreateTopics(s->rk, &nt, 1, o, q);
    ev = rd_kafka_queue_poll(q, s->connect_timeout * 1000 + 5000);
    if (!ev || rd_kafka_event_error(ev)) {
        rc = bv_seterr(err, errlen, BV_E_IO, "Kafka brokers %s: cannot create the progress topic %s: %s", s->brokers,
                       topic, ev ? rd_kafka_event_error_string(ev) : "no answer");
        goto out;
    }
    size_t n = 0;
    const rd_kafka_topic_result_t **tr =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    if (n == 1 && rd_kafka_topic_result_error(tr[0]) &&
        rd_kafka_topic_result_error(tr[0]) != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        rc = bv_seterr(err, errlen, BV_E_IO, "Kafka: cannot create the progress topic %s: %s", topic,
                       rd_kafka_topic_result_error_string(tr[0]));
out:
    if (ev)
        rd_kafka_event_destroy(ev);
    if (o)
        rd_kafka_AdminOptions_destroy(o);
    if (q)
        rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
    return rc;
}

/* The value of the job's last committed progress record (read_committed,
 * to the partition's end), or *out = NULL when there is none. */
static int read_progress(bv_sink *s, char **out, char *err, size_t errlen)
{
    char e[512];
    int rc = BV_OK;
    *out = NULL;
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    rd_kafka_t *k = NULL;
    rd_kafka_topic_partition_list_t *tl = NULL;
    static const char *const defaults[][2] = {
        {"group.id", "binvault-replayer-progress"}, {"enable.auto.commit", "false"},
        {"enable.partition.eof", "true"}, {"isolation.level", "read_committed"},
        {"auto.offset.reset", "earliest"}, {"client.id", "binvault-replayer-progress"},
    };
    if (rd_kafka_conf_set(c, "bootstrap.servers", s->brokers, e, sizeof(e)) != RD_KAFKA_CONF_OK)
        goto bad;
    for (size_t i = 0; i < s->nconf; i++) { /* TLS, SASL: as the producer; producer-only keys are ignored */
        char key[256];
        const char *eq = strchr(s->conf[i], '=');
        if (!eq || (size_t)(eq - s->conf[i]) >= sizeof(key))
            continue;
        memcpy(key, s->conf[i], (size_t)(eq - s->conf[i]));
        key[eq - s->conf[i]] = 0;
        if (!strncmp(key, "transaction", 11) || !strcmp(key, "acks") || !strcmp(key, "enable.idempotence") ||
            !strncmp(key, "linger", 6) || !strncmp(key, "queue.buffering", 15) || !strcmp(key, "batch.size") ||
            !strcmp(key, "compression.codec") || !strcmp(key, "compression.type") || !strcmp(key, "retries"))
            continue;
        if (rd_kafka_conf_set(c, key, eq + 1, e, sizeof(e)) != RD_KAFKA_CONF_OK)
            goto bad;
    }
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
        if (rd_kafka_conf_set(c, defaults[i][0], defaults[i][1], e, sizeof(e)) != RD_KAFKA_CONF_OK)
            goto bad;
    rd_kafka_conf_set_log_cb(c, on_log);
    if (!(k = rd_kafka_new(RD_KAFKA_CONSUMER, c, e, sizeof(e))))
        goto bad;
    c = NULL;
    int64_t lo = 0, hi = 0;
    rd_kafka_resp_err_t qe = RD_KAFKA_RESP_ERR_NO_ERROR;
    for (int i = 0; i < s->connect_timeout; i++) {
        qe = rd_kafka_query_watermark_offsets(k, s->progress_topic, s->progress_part, &lo, &hi, 5000);
        if (qe == RD_KAFKA_RESP_ERR_NO_ERROR)
            break;
        usleep(500 * 1000);
    }
    if (qe) {
        rc = bv_seterr(err, errlen, BV_E_IO, "Kafka: cannot read the progress topic %s [%d]: %s", s->progress_topic,
                       (int)s->progress_part, rd_kafka_err2str(qe));
        goto out;
    }
    if (hi <= lo)
        goto out; /* empty: the job starts from the beginning of its range */
    tl = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(tl, s->progress_topic, s->progress_part)->offset = RD_KAFKA_OFFSET_BEGINNING;
    if ((qe = rd_kafka_assign(k, tl))) {
        rc = bv_seterr(err, errlen, BV_E_IO, "Kafka: cannot read the progress topic %s: %s", s->progress_topic,
                       rd_kafka_err2str(qe));
        goto out;
    }
    /* read_committed stops at the last stable offset: a transaction of
     * another job still open on this partition holds it back until that
     * transaction ends (at most its transaction.timeout.ms) */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t jl = strlen(s->job);
    int64_t reached = lo;
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (t1.tv_sec - t0.tv_sec > s->connect_timeout + 90) {
            rc = bv_seterr(err, errlen, BV_E_IO, "Kafka: the progress topic %s [%d] could not be read to its end "
                                                 "(offset %lld of %lld) within %d s",
                           s->progress_topic, (int)s->progress_part, (long long)reached, (long long)hi,
                           s->connect_timeout + 90);
            goto out;
        }
        rd_kafka_message_t *m = rd_kafka_consumer_poll(k, 500);
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            reached = m->offset;
            rd_kafka_message_destroy(m);
            if (reached >= hi)
                break;
            continue;
        }
        if (m->err) {
            int fatal = m->err != RD_KAFKA_RESP_ERR__TRANSPORT && m->err != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN;
            if (fatal)
                rc = bv_seterr(err, errlen, BV_E_IO, "Kafka: reading the progress topic %s: %s", s->progress_topic,
                               rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            if (fatal)
                goto out;
            continue;
        }
        reached = m->offset + 1;
        if (m->key_len == jl && !memcmp(m->key, s->job, jl) && m->len) {
            char *v = malloc(m->len + 1);
            if (!v) {
                rd_kafka_message_destroy(m);
                rc = bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
                goto out;
            }
            memcpy(v, m->payload, m->len);
            v[m->len] = 0;
            free(*out);
            *out = v;
        }
        rd_kafka_message_destroy(m);
        if (reached >= hi)
            break;
    }
out:
    if (tl)
        rd_kafka_topic_partition_list_destroy(tl);
    if (k) {
        rd_kafka_consumer_close(k);
        rd_kafka_destroy(k);
    }
    if (rc) {
        free(*out);
        *out = NULL;
    }
    return rc;
bad:
    if (c)
        rd_kafka_conf_destroy(c);
    return bv_seterr(err, errlen, BV_E_INVAL, "Kafka consumer configuration: %s", e);
}

int bv_sink_txn_init(bv_sink *s, const char *progress_topic, const char *job, char **last, char *err, size_t errlen)
{
    int rc;
    *last = NULL;
    if (!s->kafka)
        return bv_seterr(err, errlen, BV_E_STATE, "exactly-once needs Kafka");
    free(s->progress_topic);
    free(s->job);
    s->progress_topic = strdup(progress_topic);
    s->job = strdup(job);
    if (!s->progress_topic || !s->job)
        return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
    if ((rc = ensure_progress_topic(s, progress_topic, err, errlen)))
        return rc;
    tparts *tp = topic_parts(s, progress_topic, err, errlen);
    if (!tp)
        return BV_E_IO;
    s->progress_part = bv_mx_partition(bv_java_hash(job, strlen(job)), tp->n);
    /* fences any older instance of the job and ends its open transaction */
    rd_kafka_error_t *e = rd_kafka_init_transactions(s->rk, (s->connect_timeout + 60) * 1000);
    if (e)
        return kfatal(s, e, "Kafka init_transactions", err, errlen);
    s->transactional = 1;
    return read_progress(s, last, err, errlen);
}

int bv_sink_txn_commit(bv_sink *s, const char *progress, size_t len, char *err, size_t errlen)
{
    int rc;
    if (!s->transactional)
        return bv_seterr(err, errlen, BV_E_STATE, "no Kafka transactions (bv_sink_txn_init)");
    if (s->txn_abort)
        return bv_seterr(err, errlen, BV_E_STATE, "%s", s->txn_error);
    if ((rc = txn_begin(s, err, errlen)))
        return rc;
    tparts *tp = topic_parts(s, s->progress_topic, err, errlen);
    if (!tp)
        return BV_E_IO;
    rd_kafka_resp_err_t pe =
        rd_kafka_producev(s->rk, RD_KAFKA_V_RKT(tp->rkt), RD_KAFKA_V_PARTITION(s->progress_part),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(s->job, strlen(s->job)),
                          RD_KAFKA_V_VALUE((void *)progress, len), RD_KAFKA_V_OPAQUE(&g_progress_tag),
                          RD_KAFKA_V_END);
    if (pe) {
        s->txn_abort = 1;
        snprintf(s->txn_error, sizeof(s->txn_error), "Kafka produce to the progress topic %s: %s", s->progress_topic,
                 rd_kafka_err2str(pe));
        return bv_seterr(err, errlen, BV_E_STATE, "%s", s->txn_error);
    }
    for (int attempt = 0;; attempt++) {
        rd_kafka_error_t *e = rd_kafka_commit_transaction(s->rk, 60000);
        if (!e)
            break;
        if (rd_kafka_error_is_retriable(e) && attempt < 10) {
            rd_kafka_error_destroy(e);
            continue;
        }
        if (rd_kafka_error_txn_requires_abort(e)) {
            s->txn_abort = 1;
            snprintf(s->txn_error, sizeof(s->txn_error), "Kafka commit_transaction: %s", rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
            return bv_seterr(err, errlen, BV_E_STATE, "%s", s->txn_error);
        }
        return kfatal(s, e, "Kafka commit_transaction", err, errlen);
    }
    s->txn_open = 0;
    /* committed: every transaction handed over is delivered */
    for (size_t i = s->qh; i < s->qn; i++)
        if (s->q[i].ended)
            s->q[i].remaining = 0;
    advance(s);
    return BV_OK;
}

int bv_sink_txn_abort(bv_sink *s, char *err, size_t errlen)
{
    if (!s->transactional)
        return bv_seterr(err, errlen, BV_E_STATE, "no Kafka transactions (bv_sink_txn_init)");
    if (s->txn_open) {
        for (int attempt = 0;; attempt++) {
            rd_kafka_error_t *e = rd_kafka_abort_transaction(s->rk, 60000);
            if (!e)
                break;
            if (rd_kafka_error_is_retriable(e) && attempt < 10) {
                rd_kafka_error_destroy(e);
                continue;
            }
            return kfatal(s, e, "Kafka abort_transaction", err, errlen);
        }
    }
    /* the aborted messages' reports (purged) are served now, and ignored */
    rd_kafka_poll(s->rk, 0);
    s->txn_open = 0;
    s->txn_abort = 0;
    s->txn_error[0] = 0;
    s->qh = s->qn = 0; /* their transactions are sent again */
    s->txn_floor = s->txn_max + 1;
    return BV_OK;
}

void bv_sink_set_connect_timeout(bv_sink *s, int seconds)
{
    if (s && seconds > 0)
        s->connect_timeout = seconds;
}

void bv_sink_set_headers(bv_sink *s, int on)
{
    if (s)
        s->headers = on != 0;
}

void bv_sink_free(bv_sink *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->ntp; i++) {
        rd_kafka_topic_destroy(s->tp[i].rkt);
        free(s->tp[i].topic);
    }
    free(s->tp);
    free(s->progress_topic);
    free(s->job);
    for (size_t i = 0; i < s->nconf; i++)
        free(s->conf[i]);
    free(s->conf);
    if (s->rk)
        rd_kafka_destroy(s->rk);
    free(s->q);
    free(s->path);
    bv_buf_release(&s->out);
    free(s);
}
