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
    int rc;
    char errmsg[256];
    bool done;
    struct produce_req *next;
} produce_req;

typedef struct produce_queue {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    produce_req *head, *tail;
    bool leader_active;
    /* Used by the leader only. */
    rill_buf enc;
    void *cctx; /* ZSTD_CCtx */
} produce_queue;

int produce_queue_init(produce_queue *q);
void produce_queue_destroy(produce_queue *q);

/* Checks a message's fields before it is queued (everything that does
 * not need the topic's metadata). index names it in messages. */
int produce_validate(const rill_message *m, size_t index);

/* The partition for a key under a partitioner, of n partitions. */
int32_t partition_for_key(int partitioner, const void *key, size_t len,
                          int32_t n);

#endif
