/*
 * retain.h -- retention, compaction and maintenance (see retain.c).
 */
#ifndef RILL_RETAIN_H
#define RILL_RETAIN_H

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

/* Partitions whose retention is due after a write. */
#define RETAIN_DUE_MAX 16
typedef struct retain_due {
    char topic[RETAIN_DUE_MAX][RILL_TOPIC_NAME_MAX + 1];
    int32_t partition[RETAIN_DUE_MAX];
    size_t n;
} retain_due;

/* Counts bytes written to a partition and adds it to due when its
 * retention should run (every 1/16 of retention_bytes written, or every
 * twentieth of retention_ms, 100 ms to 10 s). */
void retain_note_write(rill *r, const topic_meta *t, int32_t partition,
                       size_t bytes, retain_due *due);

/* Runs the retention due (after the write committed, outside it). */
void retain_run_due(rill *r, const retain_due *due);

/* The opt-in maintenance thread of rill_options.maintain_interval_ms
 * (0: none). */
int maintain_start(rill *r, unsigned interval_ms);
void maintain_stop(rill *r);

#endif
