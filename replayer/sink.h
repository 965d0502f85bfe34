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
    /* headers: the event id and GTID, for consumer de-duplication */
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
 * it in messages. Acks come at each transaction end (after a write). */
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
/* How long a topic's metadata may take (brokers unreachable), default 30 s. */
void bv_sink_set_connect_timeout(bv_sink *s, int seconds);

#endif
