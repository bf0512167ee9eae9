/*
 * offstore.h -- the committed-offset store (see offstore.c): below the
 * group module, which fences commits, and beside the log, which retention
 * reads it with.
 */
#ifndef RILL_OFFSTORE_H
#define RILL_OFFSTORE_H

#include "env.h"

#define GROUP_NAME_MAX 249
#define OFFSET_KEY_MAX (2 + GROUP_NAME_MAX + RILL_TOPIC_NAME_MAX + 4)

/* Splits a stored key; false if it is malformed. */
bool offset_key_parse(const MDB_val *k, const uint8_t **group, size_t *gl,
                      const uint8_t **topic, size_t *tl, int32_t *partition);

/* The stored value: *offset (-1 if none) and the records lost. */
int offsets_read(rill_env *e, MDB_txn *txn, const char *group,
                 const char *topic, int32_t partition, int64_t *offset,
                 int64_t *lost);
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
/* Deletes every offset of a group. */
int offsets_delete_group(rill_env *e, MDB_txn *txn, const char *group);

/* RILL_ENOTFOUND unless every entry names a partition that exists. */
int offsets_check_partitions(rill_env *e, MDB_txn *txn,
                             const rill_topic_partition *tps, size_t n);

/* Calls fn for each partition the group has an offset for, in key order
 * (topic is not NUL-terminated); stops at fn's first error. */
typedef int (*offsets_each_fn)(const char *topic, size_t topic_len,
                               int32_t partition, void *arg);
int offsets_each_of_group(rill_env *e, MDB_txn *txn, const char *group,
                          offsets_each_fn fn, void *arg);

#endif
