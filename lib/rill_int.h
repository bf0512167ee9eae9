/*
 * rill_int.h -- the open-directory handle, shared by the modules that
 * implement the public API on it.
 */
#ifndef RILL_INT_H
#define RILL_INT_H

#include "env.h"
#include "notify.h"
#include "produce.h"

/* Kafka's sticky partitioner: unkeyed records of a topic go to one
 * partition until about a batch's worth of bytes went there. One slot per
 * topic id (0: empty), in an open-addressing table that grows. */
typedef struct sticky_slot {
    uint32_t topic_id;
    int32_t partition;
    size_t bytes;
} sticky_slot;

#define RETAIN_SLOTS 256

/* When a partition's retention last ran in this process (retain.c). */
typedef struct retain_slot {
    uint32_t tid;
    int32_t partition;
    int64_t bytes;   /* written since */
    int64_t next_ms; /* when time retention is due */
} retain_slot;

struct rill {
    rill_env env;
    notify nt;
    int refs;          /* rill_open calls not yet closed (registry lock) */
    struct rill *next; /* in the process-wide registry */

    produce_queue pq;

    pthread_mutex_t consumers_lock; /* also guards producers */
    struct rill_consumer *consumers; /* open and closed ones */
    struct rill_producer *producers;

    pthread_mutex_t sticky_lock; /* also guards retain */
    sticky_slot *sticky; /* sticky_cap slots, a power of two */
    size_t sticky_cap, sticky_used;
    retain_slot retain[RETAIN_SLOTS];
    uint64_t rng;

    /* The opt-in maintenance thread. */
    pthread_t maint_thread;
    pthread_mutex_t maint_lock;
    pthread_cond_t maint_cond;
    unsigned maint_interval_ms;
    bool maint_running, maint_stop;
};

/* The checks at the top of every public call on r: r is not NULL and
 * belongs to this process and is alive. */
int rill_enter(rill *r);

/* Destroys (flushing) every producer still open on r, at rill_close. */
void producers_destroy_all(rill *r);

/* A pseudo-random number from the handle's generator (not for secrets). */
uint32_t rill_random(rill *r);

#endif
