/*
 * topic.h -- topic metadata and configuration; name validation.
 */
#ifndef RILL_TOPIC_H
#define RILL_TOPIC_H

#include "buf.h"
#include "env.h"

typedef struct topic_meta {
    char name[RILL_TOPIC_NAME_MAX + 1];
    uint32_t id; /* never reused: keys the topic's records */
    rill_topic_config cfg; /* cfg.retain_groups is always NULL here: */
    char retain_groups[RILL_RETAIN_GROUPS_MAX + 1]; /* the string, or "" */
    int64_t created_ms;
} topic_meta;

/* Kafka's rule: 1..249 of [A-Za-z0-9._-], not "." or "..". */
int topic_name_validate(const char *name);

/* Checks a configuration and fills zeroed fields with defaults into out.
 * out->retain_groups still points at the caller's string. */
int topic_config_resolve(rill_topic_config *out, const rill_topic_config *c);

/* Copies a resolved configuration into t, the retain_groups string into
 * t->retain_groups (so a topic_meta can be copied by value). */
void topic_meta_set_config(topic_meta *t, const rill_topic_config *c);

/* Calls fn for each group named in t's retain_groups; stops at a non-zero
 * return and returns it. */
int topic_each_retain_group(const topic_meta *t,
                            int (*fn)(const char *group, void *arg),
                            void *arg);

/* Encodes/decodes the stored metadata value (a msgpack map; unknown keys
 * are skipped, so a later rill may add fields). decode treats its input
 * as hostile: RILL_ECORRUPT on anything malformed. */
int topic_meta_encode(const topic_meta *t, rill_buf *out);
int topic_meta_decode(topic_meta *t, const char *name, const void *data,
                      size_t len);

/* Reads topic name's metadata in txn. RILL_ENOTFOUND if it does not
 * exist (with a message naming it). */
int topic_get(rill_env *e, MDB_txn *txn, const char *name, topic_meta *t);
/* topic_get in a read transaction of its own. */
int topic_lookup(rill_env *e, const char *name, topic_meta *t);

/* Removes, in bounded steps, the records of topics deleted but not yet
 * purged (a crash during a delete leaves one to finish). */
int topic_purge_pending(rill_env *e);

#endif
