/*
 * handle.h -- the open-directory handle (struct rill) as every module
 * sees it, and the check at the top of every public call on it.
 *
 * The handle is created and destroyed by rill.c, at the top of the
 * library; each module below keeps its own state behind a pointer here
 * (the writer's queue, retention's bookkeeping), so that this header
 * needs nothing above env and notify. handle.c holds the few calls every
 * module may make on a handle.
 */
#ifndef RILL_HANDLE_H
#define RILL_HANDLE_H

#include "env.h"
#include "notify.h"

struct member_lock;
struct produce_queue;
struct retain_state;
struct write_due;

/* Runs after the group-committing writer released its callers, outside
 * every transaction, with the partitions whose retention came due
 * (produce.c counts; retain.c removes). Installed by rill.c, so that
 * the writer calls nothing above it. */
typedef void (*after_write_fn)(rill *r, const struct write_due *due);

struct rill {
    rill_env env;
    notify nt;
    int refs;          /* rill_open calls not yet closed (registry lock) */
    struct rill *next; /* in the process-wide registry (rill.c) */

    struct produce_queue *pq; /* the group-committing writer (produce.c) */
    after_write_fn after_write;

    pthread_mutex_t clients_lock; /* guards the two lists */
    struct rill_consumer *consumers; /* open and closed ones */
    struct rill_producer *producers;

    struct retain_state *retain; /* the maintenance thread (retain.c) */
    /* The lock that says this process coordinates external groups
     * (extgroup.c), made at the first; guarded by clients_lock. */
    struct member_lock *coordinator;
};

/* The checks at the top of every public call on r: r is not NULL and
 * belongs to this process and is alive. */
int rill_enter(rill *r);

#endif
