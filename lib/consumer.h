/*
 * consumer.h -- the consumer's mechanics: assignment, positions, seeks,
 * pause (consumer.c) and fetching (fetch.c). Group membership
 * (subscribe.h) drives the assignment of subscribed consumers through the
 * calls here; rill_poll orchestrates both (poll.c).
 */
#ifndef RILL_CONSUMER_H
#define RILL_CONSUMER_H

#include "buf.h"
#include "env.h"

#define CONSUMER_MAGIC 0x52434f4eu /* "RCON" */
/* The most one poll copies out of the log (at least one batch). */
#define FETCH_MAX_BYTES (8u * 1024 * 1024)

/* A position not yet resolved against the log holds one of the special
 * offsets (RILL_OFFSET_BEGINNING, _END, _STORED). */
typedef struct assigned {
    const char *topic; /* interned in the consumer: stable until close */
    uint32_t tid;      /* the topic id seen last; 0 before the first fetch */
    int32_t partition;
    int64_t position;
    int64_t committed; /* what this consumer last committed, or INVALID */
    int64_t end;       /* the partition's next offset at the last fetch */
    bool paused;
} assigned;

/* One batch copied out of the log by a fetch. */
typedef struct fetched {
    size_t part;     /* index into the assignment */
    size_t off, len; /* where in the consumer's data buffer */
    int64_t from;    /* the position when fetched: skip records before it */
} fetched;

struct rill_consumer {
    uint32_t magic;
    bool closed;
    rill *r;
    struct rill_consumer *next; /* in the handle's list */
    rill_consumer_options opts;
    char *group_id, *client_id; /* owned copies */

    assigned *parts;
    size_t nparts;
    size_t rr; /* the partition to fetch first next time */

    char **names; /* interned topic names */
    size_t nnames;

    size_t fetch_max_bytes; /* a fetch stops copying batches past this */
    rill_buf data; /* the batches of the last poll */
    rill_buf raw;  /* their decompressed payloads */
    fetched *fetch;
    size_t nfetch, fetch_cap;
    rill_record *recs;
    size_t *hstart; /* per record: its first header in hdrs */
    size_t recs_cap;
    rill_header *hdrs;
    size_t hdrs_len, hdrs_cap;
    void *dctx; /* ZSTD_DCtx */

    struct group_membership *member; /* NULL unless subscribed */
    int64_t next_commit_ms;      /* auto-commit, on the handle's clock */
};

/* The checks at the top of every call on a consumer. */
int consumer_enter(rill_consumer *c);

/* Replaces the assignment (used by rill_assign and by group rebalances).
 * Positions of partitions kept from the old assignment are kept when
 * keep_positions is set. */
int consumer_set_assignment(rill_consumer *c, const rill_topic_partition *tps,
                            size_t n, bool keep_positions);

/* Interns a topic name in the consumer (stable until close); NULL when
 * out of memory. */
const char *consumer_intern(rill_consumer *c, const char *name);

struct topic_meta;
/* The topic of an assigned partition as of txn, noticing deletion (for a
 * consumer assigned by hand, RILL_ENOTFOUND), recreation (a new id: the
 * old position means nothing) and shrinking below the partition. */
int consumer_assigned_topic(rill_consumer *c, MDB_txn *txn, assigned *a,
                            struct topic_meta *t);

/* One fetch and decode (fetch.c): up to max_poll_records records into
 * c->recs, or none. */
int consumer_fetch_records(rill_consumer *c, size_t *n);

/* Frees the consumer's buffers and owned strings (at close). */
void consumer_free_buffers(rill_consumer *c);

/* The consumer's resolved positions (topics interned in it); free *out. */
int consumer_positions(rill_consumer *c, rill_topic_partition **out,
                       size_t *n);
/* Records that these offsets were committed (skips a closed consumer). */
void consumer_mark_committed(rill_consumer *c, const rill_topic_partition *tps,
                             size_t n);
/* Checks a partition list of a public call: names, partitions, and with
 * offsets set, offsets >= 0. */
int consumer_check_entries(const rill_topic_partition *tps, size_t n,
                           bool offsets);

#endif
