/*
 * produce.h -- partitioners and the group-committing writer.
 *
 * Every synchronous produce is a request in the handle's queue. The first
 * caller to find no writer at work becomes the leader: it takes every
 * queued request, writes them all in one LMDB transaction (one fsync),
 * and hands each caller its own positions or its own error. Callers that
 * arrived meanwhile wait for the next leader. N threads thus pay one
 * commit, not N.
 */
#ifndef RILL_PRODUCE_H
#define RILL_PRODUCE_H

#include "buf.h"
#include "env.h"
#include "topic.h"

/* Records of one partition are cut into batches of about this many raw
 * bytes: large enough that per-batch costs vanish, small enough that a
 * batch needs few contiguous pages (LMDB's freelist finds short runs
 * quickly once retention recycles pages) and a consumer copies little
 * beyond what it asked for. */
#define BATCH_TARGET_BYTES (64 * 1024)

/* Kafka's sticky partitioner switches partitions after a batch's worth
 * (batch.size, 16 KiB by default). */
#define STICKY_SWITCH_BYTES (16 * 1024)

typedef struct produce_req {
    const rill_message *msgs;
    size_t n;
    rill_position *out;
    int32_t *parts;  /* the partition chosen for each message */
    const char *producer_id; /* idempotent requests: id and sequence */
    uint64_t sequence;
    bool duplicate; /* answered from the producer table, not written */
    int rc;
    char errmsg[256];
    bool done;
    struct produce_req *next;
} produce_req;

/* Kafka's sticky partitioner: unkeyed records of a topic go to one
 * partition until about a batch's worth of bytes went there. One slot per
 * topic id (0: empty), in an open-addressing table that grows. */
typedef struct sticky_slot {
    uint32_t topic_id;
    int32_t partition;
    size_t bytes;
} sticky_slot;

#define WRITE_SLOTS 256

/* What this process wrote to a partition since its retention last ran
 * (amortised retention: see write_due). */
typedef struct write_slot {
    uint32_t tid;
    int32_t partition;
    int64_t bytes;   /* written since */
    int64_t next_ms; /* when time retention is due */
} write_slot;

/* Partitions whose retention came due in one commit, handed to the
 * handle's after_write hook (retention) once the writer is done. */
#define WRITE_DUE_MAX 16
typedef struct write_due {
    char topic[WRITE_DUE_MAX][RILL_TOPIC_NAME_MAX + 1];
    int32_t partition[WRITE_DUE_MAX];
    size_t n;
} write_due;

typedef struct produce_queue {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    produce_req *head, *tail;
    bool leader_active;
    /* Gathering (RILL_SYNC_ALWAYS only): a leader waits briefly until as
     * many requests are queued as its predecessor took, so threads do not
     * settle into two half-size cohorts taking turns at the fsync. */
    bool gather;
    size_t queued;     /* requests waiting */
    size_t last_group; /* requests the last leader took */
    pthread_cond_t arrivals;
    /* Used by the leader only. */
    rill_buf enc;
    void *cctx; /* ZSTD_CCtx */

    /* The partitioner's and the write accounting's state. */
    pthread_mutex_t part_lock;
    sticky_slot *sticky; /* sticky_cap slots, a power of two */
    size_t sticky_cap, sticky_used;
    write_slot writes[WRITE_SLOTS];
    uint64_t rng; /* xorshift64* */
} produce_queue;

/* Creates the handle's writer queue. durable: commits fsync
 * (RILL_SYNC_ALWAYS), so leaders gather. */
int produce_queue_new(produce_queue **out, bool durable);
void produce_queue_destroy(produce_queue *q);

/* Queues the requests first..last (linked through next) and returns once
 * all were written or failed, each with its own rc. */
void produce_submit_chain(rill *r, produce_req *first, produce_req *last);

/* Checks a message's fields before it is queued (everything that does
 * not need the topic's metadata). index names it in messages. */
int produce_validate(const rill_message *m, size_t index);

/* Topics resolved in one transaction: most touch one or two. */
#define TXN_TOPICS 8
typedef struct txn_topics {
    topic_meta t[TXN_TOPICS];
    size_t n;
} txn_topics;

/* One message to append, with where its position goes. */
typedef struct produce_slot {
    const rill_message *m;
    rill_position *out;
    int32_t partition;
    uint32_t seq;
} produce_slot;

/* The topic of a message, through the transaction's small cache. */
int resolve_topic(rill_env *e, MDB_txn *txn, txn_topics *tt, const char *name,
                  const topic_meta **out);

/* Resolves n messages' partitions into parts (the topic's partitioner,
 * Kafka's sticky spreading without a key), checking topics, partition
 * numbers and sizes; writes nothing. */
int produce_resolve(rill *r, MDB_txn *txn, txn_topics *tt,
                    const rill_message *msgs, size_t n, int32_t *parts);

/* Appends n slots of one partition of t, in order, as batches encoded in
 * enc (compressed with cctx when the topic asks); fills their positions. */
int produce_append(rill *r, MDB_cursor *cur, const topic_meta *t,
                   produce_slot *s, size_t n, int64_t now, rill_buf *enc,
                   void *cctx);

/* The partition for a key under a partitioner, of n partitions. */
int32_t partition_for_key(int partitioner, const void *key, size_t len,
                          int32_t n);

#endif
