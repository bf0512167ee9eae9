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
 * Committed offsets live in the offset store (offstore.h) and are written
 * through group_commit_fenced only by members that own the partition (or,
 * for a consumer assigned by hand, when no member owns it): anything else
 * is RILL_EFENCED. A consumer's membership (joining, following its
 * assignment, leaving) is subscribe.h's, above this module.
 */
#ifndef RILL_GROUP_H
#define RILL_GROUP_H

#include "buf.h"
#include "env.h"
#include "member.h"
#include "offstore.h"
typedef struct gtp {
    const char *topic; /* interned in the state's name pool */
    int32_t partition;
} gtp;

typedef struct gmember {
    char *id;
    char *client;
    char *host; /* external groups: the client's address; else NULL */
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
    /* A group run by a coordinator outside librill (the Kafka gateway):
     * its protocol ("consumer/range"), the lock id of the process that
     * holds it, and the state that coordinator reports. Its members are
     * that coordinator's, and live exactly while its owner lock is held. */
    bool external;
    char *protocol, *owner, *ext_state;
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

/* A topic name interned in st's pool (NULL when out of memory). */
const char *gstate_intern(gstate *st, const char *s);
/* Sorts the members by id, as every stored record keeps them. */
void gstate_sort_members(gstate *st);

/* Whether member i of st is alive: its own lock, or for an external
 * group the owning coordinator's. *last_poll_ms (may be NULL) gets its
 * last poll time. */
bool gstate_member_alive(const rill_env *e, const gstate *st, size_t i,
                         int64_t *last_poll_ms);

/* Stores st as the group's record (deleting it when it has no members,
 * unless an external coordinator holds it). */
int gstate_store(rill_env *e, MDB_txn *txn, const char *group,
                 const gstate *st);

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

/* Writes offsets for member_id of group (NULL: a consumer assigned by
 * hand) in txn, fenced: every partition must exist and be owned by that
 * member (or, for NULL, by no member). Writes nothing on RILL_EFENCED or
 * RILL_ENOTFOUND. */
int group_commit_fenced(rill_env *e, MDB_txn *txn, const char *group,
                        const char *member_id,
                        const rill_topic_partition *tps, size_t n,
                        int64_t now_ms);

#endif
