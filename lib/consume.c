/*
 * consume.c -- the consumer calls that orchestrate its mechanics (consumer.c,
 * fetch.c) and its group membership (subscribe.c): rill_poll, rill_commit,
 * rill_commit_offsets and closing. The top of the consumer: nothing below
 * calls it.
 */
#include "consume.h"

#include <stdlib.h>

#include "error.h"
#include "handle.h"
#include "subscribe.h"

RILL_API int rill_poll(rill_consumer *c, int timeout_ms,
                       const rill_record **recs, size_t *n)
{
    if (!recs || !n)
        return rill_err(RILL_EINVAL, "recs or n is NULL");
    *recs = NULL;
    *n = 0;
    int rc = consumer_enter(c);
    if (rc)
        return rc;
    if (timeout_ms < -1)
        return rill_err(RILL_EINVAL, "timeout_ms %d is invalid", timeout_ms);
    if (c->member && c->member->in_callback)
        return rill_err(RILL_ESTATE, "cannot poll from a rebalance callback");
    int64_t deadline = rill_monotonic_ms() + timeout_ms;
    for (;;) {
        uint32_t seen = notify_seq(&c->r->nt);
        size_t count = 0;
        if (c->group_id && (rc = group_poll_prepare(c)))
            return rc;
        if ((rc = consumer_fetch_records(c, &count)))
            return rc;
        if (count) {
            *recs = c->recs;
            *n = count;
            return 0;
        }
        int wait = -1;
        if (timeout_ms >= 0) {
            int64_t left = deadline - rill_monotonic_ms();
            if (left <= 0)
                return 0;
            wait = (int)left;
        }
        /* A member wakes regularly to watch the others. */
        if (c->member && (wait < 0 || wait > GROUP_WAIT_SLICE_MS))
            wait = GROUP_WAIT_SLICE_MS;
        notify_wait(&c->r->nt, seen, wait);
    }
}

RILL_API int rill_commit(rill_consumer *c)
{
    int rc = consumer_enter(c);
    if (rc)
        return rc;
    if (!c->group_id)
        return rill_err(RILL_EINVAL, "committing needs a group_id");
    return group_commit_positions(c, NULL, 0);
}

RILL_API int rill_commit_offsets(rill_consumer *c,
                                 const rill_topic_partition *o, size_t n)
{
    int rc = consumer_enter(c);
    if (rc)
        return rc;
    if (!c->group_id)
        return rill_err(RILL_EINVAL, "committing needs a group_id");
    if ((rc = consumer_check_entries(o, n, true)))
        return rc;
    return group_commit_list(c, o, n);
}

RILL_API int rill_consumer_close(rill_consumer *c)
{
    int rc = 0;
    if (!c || c->magic != CONSUMER_MAGIC || c->closed)
        return 0;
    if (c->member && c->member->in_callback)
        return rill_err(RILL_ESTATE, "cannot close a consumer from its "
                        "rebalance callback");
    if (env_check(&c->r->env) == 0) {
        if (c->member)
            rc = group_leave(c);
        else if (c->group_id && c->opts.enable_auto_commit)
            rc = group_commit_positions(c, NULL, 0);
    }
    free(c->member);
    c->member = NULL;
    c->closed = true;
    consumer_free_buffers(c);
    /* The shell stays on the handle's list until rill_close, so a call on
     * a closed consumer is RILL_ECLOSED rather than a use after free. */
    return rc;
}

void consumers_free_all(rill *r)
{
    pthread_mutex_lock(&r->clients_lock);
    rill_consumer *c = r->consumers;
    r->consumers = NULL;
    pthread_mutex_unlock(&r->clients_lock);
    while (c) {
        rill_consumer *next = c->next;
        rill_consumer_close(c);
        c->magic = 0;
        free(c);
        c = next;
    }
}

