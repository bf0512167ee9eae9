/*
 * subscribe.h -- a consumer's membership in its group (see subscribe.c):
 * above the consumer's mechanics (consumer.h) and the group record
 * (group.h), below the calls that orchestrate a poll (poll.c).
 */
#ifndef RILL_SUBSCRIBE_H
#define RILL_SUBSCRIBE_H

#include "consumer.h"
#include "member.h"

/* How often a member checks the others' liveness and the topics'
 * partition counts (ms, on the handle's clock), and the longest a member
 * sleeps in rill_poll before looking again. */
#define GROUP_CHECK_INTERVAL_MS 200
#define GROUP_WAIT_SLICE_MS 200

typedef struct group_membership {
    member_lock lock;
    bool joined;
    uint32_t gen_seen;
    bool pending; /* target != owned when last synced */
    char **topics; /* the subscription */
    size_t ntopics;
    int64_t next_check_ms;
    int64_t next_commit_ms;
    bool in_callback;
} group_membership;

/* rill_subscribe's work: (re)join with the topics. */
int group_subscribe(rill_consumer *c, const char *const *topics, size_t n);

/* Before each fetch: heartbeat, liveness and partition checks, syncing
 * the assignment (callbacks), auto-commit when due. */
int group_poll_prepare(rill_consumer *c);

/* At close or unsubscribe: final auto-commit, revoked callback, leave. */
int group_leave(rill_consumer *c);

/* Commits the positions of the consumer's partitions (all, or only the
 * n listed in only). */
int group_commit_positions(rill_consumer *c, const rill_topic_partition *only,
                           size_t n);

/* Commits explicit offsets for the consumer's group, fenced. */
int group_commit_list(rill_consumer *c, const rill_topic_partition *tps,
                      size_t n);

/* The consumer's member id while it is in its group, else NULL. */
const char *consumer_member_id(const rill_consumer *c);

#endif
