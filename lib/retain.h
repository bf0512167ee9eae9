/*
 * retain.h -- retention, compaction and maintenance (see retain.c).
 */
#ifndef RILL_RETAIN_H
#define RILL_RETAIN_H

#include "produce.h"
#include "topic.h"

typedef struct retain_stats {
    int64_t batches, records, bytes;          /* removed by retention */
    int64_t compacted_records, compacted_bytes; /* removed by compaction */
} retain_stats;

/* Applies a partition's retention, in bounded transactions, until
 * nothing more is due. */
int retain_partition(rill *r, const char *topic, int32_t partition,
                     retain_stats *st);

/* Compacts a partition (its records up to its end when it began). */
int compact_partition(rill *r, const char *topic, int32_t partition,
                      retain_stats *st);

/* Runs the retention that came due in a commit (after it, outside every
 * transaction): the handle's after_write hook, installed by rill.c. */
void retain_run_due(rill *r, const write_due *due);

/* The opt-in maintenance thread of rill_options.maintain_interval_ms
 * (0: none); stop accepts a handle that never started one. */
int maintain_start(rill *r, unsigned interval_ms);
void maintain_stop(rill *r);

#endif
