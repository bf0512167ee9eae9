/*
 * assign.h -- the partition assignors of consumer groups: range,
 * round-robin and sticky, as Kafka defines them.
 *
 * Pure and deterministic: every member of a group runs the same code on
 * the same inputs inside a write transaction, so any of them can compute
 * the group's assignment. Members must be sorted by id and topics by name.
 */
#ifndef RILL_ASSIGN_H
#define RILL_ASSIGN_H

#include "common.h"

/* A partition of topic number `topic` (an index into the topic table). */
typedef struct assign_tp {
    uint32_t topic;
    int32_t partition;
} assign_tp;

typedef struct assign_member {
    const char *id;
    const bool *subscribed; /* per topic index */
    const assign_tp *prev;  /* the previous assignment (sticky) */
    size_t nprev;
    assign_tp *out; /* filled by assign_run; free() it */
    size_t nout;
} assign_member;

/* Computes every member's assignment of the topics' partitions (pcounts
 * per topic) with assignor (enum rill_assignor). Returns 0 or
 * RILL_ENOMEM (then no member's out is set). */
int assign_run(int assignor, assign_member *members, size_t nmembers,
               const int32_t *pcounts, size_t ntopics);

/* Orders assign_tp by topic, then partition. */
int assign_tp_cmp(const void *a, const void *b);

#endif
