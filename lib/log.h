/*
 * log.h -- a partition's log in LMDB: append a batch, find the batch
 * holding an offset, the partition's bounds, offsets for times, stats,
 * and removing a partition's records.
 *
 * Knows batches and keys; knows nothing of topics' configuration, of
 * producers or of consumers.
 */
#ifndef RILL_LOG_H
#define RILL_LOG_H

#include "batch.h"
#include "env.h"

#define LOG_KEY_SIZE 16

/* Which partition, with the topic's name for error messages. */
typedef struct log_part {
    const char *topic;
    uint32_t tid;
    int32_t partition;
} log_part;

typedef struct log_bounds {
    int64_t first; /* the first offset still in the log */
    int64_t next;  /* the offset the next record gets */
    int64_t bytes; /* stored bytes of the batches present */
    bool start_recorded; /* first comes from a recorded start offset */
} log_bounds;

void log_key(uint8_t key[LOG_KEY_SIZE], uint32_t tid, int32_t partition,
             int64_t base);

/* The partition's next offset (the end of its last batch, 0 if empty)
 * and its end in bytes (the last batch's prefix plus its size): the
 * prefix of the batch appended next. cur is a cursor on db_log. */
int log_tail(rill_env *e, MDB_cursor *cur, const log_part *p, int64_t *next,
             int64_t *end_bytes);

/* The partition's bounds as of txn. cur is a cursor on db_log. */
int log_bounds_get(rill_env *e, MDB_txn *txn, MDB_cursor *cur,
                   const log_part *p, log_bounds *b);

/* Stores a finished batch (batch_finish) at base, sealing it: sets the
 * base offset, the partition's bytes before it, and the CRC in place.
 * base and prefix_bytes must be the partition's tail (log_tail). */
int log_append(rill_env *e, MDB_cursor *cur, const log_part *p, int64_t base,
               int64_t prefix_bytes, uint8_t *batch, size_t len);

/* Records the partition's first offset (its log start): records below
 * it are gone, though their batch may remain, and removing batches at or
 * above it leaves it where it is. */
int log_set_start(rill_env *e, MDB_txn *txn, const log_part *p, int64_t start);

/* Positions cur on the batch holding offset, or else the first batch
 * after it. *v receives the stored batch (pointing into the map: valid
 * until txn ends) and *base its base offset. Returns 0, or 1 when no such
 * batch exists, or an error. */
int log_seek(rill_env *e, MDB_cursor *cur, const log_part *p, int64_t offset,
             MDB_val *v, int64_t *base);

/* Moves cur to the partition's next batch. Returns 0, 1 at the end, or
 * an error. */
int log_next(rill_env *e, MDB_cursor *cur, const log_part *p, MDB_val *v,
             int64_t *base);

/* Names a stored batch in a corruption message: prefixes this thread's
 * message with topic, partition and offset and returns code. */
int log_corrupt(const log_part *p, int64_t offset, int code);

/* The first offset >= from whose record's timestamp is >= ts, or
 * RILL_OFFSET_END in *offset if none. */
int log_offset_for_time(rill_env *e, MDB_txn *txn, const log_part *p,
                        int64_t ts, int64_t *offset);

typedef struct log_stats {
    int64_t records;
    int64_t bytes;
    int64_t batches;
} log_stats;

int log_stats_get(rill_env *e, MDB_txn *txn, const log_part *p,
                  log_stats *st);

/* Deletes up to max_batches batches of topic tid (every partition), then
 * sets *done when none is left. */
int log_purge_topic(rill_env *e, MDB_txn *txn, uint32_t tid,
                    size_t max_batches, bool *done);

#endif
