/*
 * group.h -- consumer groups without a coordinator process.
 *
 * A group is a record in rill.groups that every member reads and writes
 * inside LMDB write transactions, all running the same deterministic
 * code. The record holds the generation, the assignor, and per member its
 * subscription, its target (what the assignor gives it) and what it owns
 * (what it may read and commit). Partitions move in two steps so that no
 * partition ever has two owners: a member releases what left its target
 * (after the revoked callback and a final commit), and a member acquires
 * what its target gained once nobody owns it.
 *
 * Committed offsets live in rill.offsets and are written only by members
 * that own the partition (or, for a consumer assigned by hand, when no
 * member owns it): anything else is RILL_EFENCED.
 */
#ifndef RILL_GROUP_H
#define RILL_GROUP_H

#include "buf.h"
#include "consume.h"
#include "env.h"
#include "member.h"

#define GROUP_NAME_MAX 249
/* How often a member checks the others' liveness and the topics'
 * partition counts (ms, on the handle's clock), and the longest a member
 * sleeps in rill_poll before looking again. */
#define GROUP_CHECK_INTERVAL_MS 200
#define GROUP_WAIT_SLICE_MS 200

typedef struct gtp {
    const char *topic; /* interned in the state's name pool */
    int32_t partition;
} gtp;

typedef struct gmember {
    char *id;
    char *client;
    int32_t pid;
    uint32_t timeout_ms;      /* its session timeout (shown, not used) */
    uint32_t poll_timeout_ms; /* its max_poll_interval_ms */
    int64_t joined_ms;
    char **topics; /* subscription */
    size_t ntopics;
    gtp *target;
    size_t ntarget;
    gtp *owned;
    size_t nowned;
} gmember;

/* A topic as the last assignment saw it. */
typedef struct gtopic {
    const char *name;
    int32_t partitions;
    uint32_t tid;
} gtopic;

typedef struct gstate {
    uint32_t generation;
    int assignor;
    gmember *members; /* sorted by id */
    size_t nmembers;
    gtopic *topics; /* sorted by name */
    size_t ntopics;
    char **names; /* pool for gtp.topic and gtopic.name */
    size_t nnames;
} gstate;

void gstate_free(gstate *st);
int gstate_encode(const gstate *st, rill_buf *out);
int gstate_decode(gstate *st, const char *group, const void *data,
                  size_t len);
/* Loads the group's state as of txn (an empty state if none). */
int gstate_load(rill_env *e, MDB_txn *txn, const char *group, gstate *st);
int gstate_find(const gstate *st, const char *member_id);
/* Whether list holds topic/partition. */
bool gtp_contains(const gtp *list, size_t n, const char *topic, int32_t p);
/* The member owning topic/partition, or -1. */
int gstate_owner(const gstate *st, const char *topic, int32_t partition);

/* Reads only a group record's generation (cheap: no decoding). */
int group_generation(rill_env *e, MDB_txn *txn, const char *group,
                     uint32_t *gen, bool *exists);
/* Whether a subscribed topic's partition count or identity differs from
 * what the last assignment saw. */
int group_topics_changed(rill_env *e, MDB_txn *txn, const gstate *st,
                         bool *changed);

/* ---- the transactions that change a group ---- */

typedef struct group_join_info {
    const char *member_id;
    const char *client_id;
    int32_t pid;
    uint32_t timeout_ms;
    uint32_t poll_timeout_ms;
    int assignor;
    int64_t now_ms;
    char *const *topics;
    size_t ntopics;
} group_join_info;

/* Adds (or re-adds, with a new subscription) a member and rebalances. */
int group_join(rill_env *e, const char *group, const group_join_info *j);
/* Removes a member and rebalances the rest. */
int group_leave_member(rill_env *e, const char *group, const char *member_id);
/* Removes the dead members still listed, and rebalances if any was, or
 * if topics_moved and a subscribed topic's partitions changed. */
int group_remove_and_rebalance(rill_env *e, const char *group,
                               char *const *dead, size_t ndead,
                               bool topics_moved, bool *changed);
/* Gives up partitions the member owns; *missing if it is not a member. */
int group_release(rill_env *e, const char *group, const char *member_id,
                  const rill_topic_partition *tps, size_t n, bool *missing);
/* Takes those of tps that are in the member's target and owned by
 * nobody; taken[i] says which. */
int group_acquire(rill_env *e, const char *group, const char *member_id,
                  const rill_topic_partition *tps, size_t n, bool *taken,
                  bool *missing);

/* ---- committed offsets ---- */

#define OFFSET_KEY_MAX (2 + GROUP_NAME_MAX + RILL_TOPIC_NAME_MAX + 4)

/* RILL_ENOTFOUND when the group has no committed offset there. */
int offsets_get(rill_env *e, MDB_txn *txn, const char *group,
                const char *topic, int32_t partition, int64_t *offset);
int offsets_put(rill_env *e, MDB_txn *txn, const char *group,
                const char *topic, int32_t partition, int64_t offset,
                int64_t now_ms);
/* Adds n to the records retention removed before the group committed
 * them (kept beside the committed offset). */
int offsets_add_lost(rill_env *e, MDB_txn *txn, const char *group,
                     const char *topic, int32_t partition, int64_t n,
                     int64_t now_ms);
/* Deletes every group's offsets of a topic (when it is deleted). */
int offsets_delete_topic(rill_env *e, MDB_txn *txn, const char *topic);

/* Writes offsets for member_id of group (NULL: a consumer assigned by
 * hand) in txn, fenced: every partition must be owned by that member (or,
 * for NULL, by no member). Writes nothing on RILL_EFENCED. */
int offsets_commit_fenced(rill_env *e, MDB_txn *txn, const char *group,
                          const char *member_id,
                          const rill_topic_partition *tps, size_t n,
                          int64_t now_ms);

/* ---- a consumer's membership ---- */

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

/* The committed offset of an assigned partition, for RILL_OFFSET_STORED:
 * RILL_OFFSET_STORED itself when there is none (or no group). */
int group_committed_for(rill_consumer *c, MDB_txn *txn, const char *topic,
                        int32_t partition, int64_t *offset);

/* Commits the positions of the consumer's partitions (all, or only the
 * n listed in tps). */
int group_commit_positions(rill_consumer *c, const rill_topic_partition *only,
                           size_t n);

/* The consumer's member id while it is in its group, else NULL. */
const char *consumer_member_id(const rill_consumer *c);
/* The consumer's resolved positions (topics interned in it); free *out. */
int consumer_positions(rill_consumer *c, rill_topic_partition **out,
                       size_t *n);
/* Records that these offsets were committed (skips a closed consumer). */
void consumer_mark_committed(rill_consumer *c, const rill_topic_partition *tps,
                             size_t n);

#endif
