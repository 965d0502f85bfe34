/* Where replayed messages go: Kafka (librdkafka) or JSON lines on a file
 * descriptor. Messages of one transaction are handed over in order; the
 * sink reports, through the ack callback, each transaction whose messages
 * are all delivered, in transaction order. */
#ifndef BV_SINK_H
#define BV_SINK_H

#include <stddef.h>
#include <stdint.h>

typedef struct bv_sink bv_sink;

/* Called once per acknowledged transaction (txn = the id passed to
 * bv_sink_txn_end), in increasing txn order. */
typedef void (*bv_ack_fn)(void *ctx, uint64_t txn);

typedef struct bv_msg {
    const char *topic;
    const char *key;              /* NULL: no key */
    size_t key_len;
    const char *value;
    size_t value_len;
    const char *part_text;        /* the string Maxwell's partitioner hashes */
    size_t part_len;
    /* headers: the event id (file, offset, row) and GTID, for consumer
     * de-duplication; file names are at most 255 bytes */
    const char *file;
    uint64_t offset;
    uint32_t row;
    const char *gtid;
} bv_msg;

/* Kafka: brokers and "key=value" librdkafka settings (applied after the
 * defaults acks=all, enable.idempotence=true). The sink owns nothing of the
 * arguments after return. */
int bv_sink_kafka(bv_sink **out, const char *brokers, const char *const *conf, size_t nconf, bv_ack_fn ack,
                  void *ctx, char *err, size_t errlen);
/* JSON lines (the value of each message and a newline) on fd; path names
 * it in messages. Acks come once a transaction's lines are durable: at
 * once on stdout, pipes and devices; after an fsync (at most every 0.5 s, and
 * at bv_sink_flush) for a regular file. */
int bv_sink_lines(bv_sink **out, int fd, const char *path, int fsync_each, bv_ack_fn ack, void *ctx, char *err,
                  size_t errlen);

/* Queue one message of transaction txn. Blocks while the producer queue is
 * full. Fails with the first delivery error (the sink is then failed). */
int bv_sink_send(bv_sink *s, uint64_t txn, const bv_msg *m, char *err, size_t errlen);
/* All messages of transaction txn were sent (it may have none). */
int bv_sink_txn_end(bv_sink *s, uint64_t txn, char *err, size_t errlen);
/* Serve delivery reports without blocking (call often). */
int bv_sink_poll(bv_sink *s, char *err, size_t errlen);
/* Wait until everything sent is acknowledged (or timeout_ms passes). */
int bv_sink_flush(bv_sink *s, int timeout_ms, char *err, size_t errlen);
void bv_sink_free(bv_sink *s); /* accepts NULL; does not flush */
/* ---- exactly-once (Kafka transactions). The sink must have been made by
 * bv_sink_kafka with "transactional.id=..." among its settings. */

/* Creates the compacted progress topic if missing, fences older producers
 * of the transactional id (init_transactions, which also ends their open
 * transaction), then reads the progress topic with read_committed to its
 * end. *last receives a malloc'd copy of the value of the job's last
 * committed progress record (the caller frees it), or NULL when the job has
 * none. Returns BV_E_LOCKED when fenced, BV_E_IO when Kafka fails. */
int bv_sink_txn_init(bv_sink *s, const char *progress_topic, const char *job, char **last, char *err, size_t errlen);
/* Writes progress (the caller's bytes, copied) to the progress topic and
 * commits the open Kafka transaction with every message sent since the
 * last commit (one is begun if none is open). On success all transactions
 * handed over are acknowledged. BV_E_STATE: the transaction cannot commit
 * (a delivery failed, the broker aborted it): call bv_sink_txn_abort and
 * send again from the last committed progress. BV_E_LOCKED: fenced by a
 * newer instance. Other errors are fatal. */
int bv_sink_txn_commit(bv_sink *s, const char *progress, size_t len, char *err, size_t errlen);
/* Aborts the open Kafka transaction (read_committed consumers never see
 * its messages) and forgets the transactions it held. */
int bv_sink_txn_abort(bv_sink *s, char *err, size_t errlen);

/* How long a topic's metadata may take (brokers unreachable), default 30 s. */
void bv_sink_set_connect_timeout(bv_sink *s, int seconds);
/* Kafka: put the headers binvault.id ("FILE:OFFSET:ROW") and binvault.gtid
 * (when the transaction has a GTID) on each message (on, the default) or
 * none. */
void bv_sink_set_headers(bv_sink *s, int on);

#endif
