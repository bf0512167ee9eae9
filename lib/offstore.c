/*
 * offstore.c -- the committed-offset store: what each group committed
 * for each partition, and the records retention removed before it did.
 * Knows keys and values; the fencing of commits is the group's (group.c).
 *
 * rill.offsets keys: u8 group length, group, u8 topic length, topic,
 * u32 partition; values: i64 offset (the next to read, as in Kafka; -1
 * when the group committed none but retention counted losses), i64
 * commit time in ms, and (24-byte values) i64 records retention removed
 * before the group committed them. A group's offsets are one key range.
 */
#include "offstore.h"

#include "error.h"
#include "topic.h"

static size_t offset_key(uint8_t *k, const char *group, const char *topic,
                         int32_t partition)
{
    size_t gl = strlen(group), tl = strlen(topic);
    k[0] = (uint8_t)gl;
    memcpy(k + 1, group, gl);
    k[1 + gl] = (uint8_t)tl;
    memcpy(k + 2 + gl, topic, tl);
    put_be32(k + 2 + gl + tl, (uint32_t)partition);
    return 2 + gl + tl + 4;
}

/* Splits a stored key; false if it is malformed. */
bool offset_key_parse(const MDB_val *k, const uint8_t **group,
                             size_t *gl, const uint8_t **topic, size_t *tl,
                             int32_t *partition)
{
    const uint8_t *p = k->mv_data;
    size_t n = k->mv_size;
    if (n < 6 || (size_t)p[0] + 6 > n)
        return false;
    *gl = p[0];
    *group = p + 1;
    *tl = p[1 + *gl];
    if (2 + *gl + *tl + 4 != n)
        return false;
    *topic = p + 2 + *gl;
    *partition = (int32_t)get_be32(p + 2 + *gl + *tl);
    return true;
}

/* Reads the stored value: offset (-1 if none), and records lost. */
int offsets_read(rill_env *e, MDB_txn *txn, const char *group,
                        const char *topic, int32_t partition, int64_t *offset,
                        int64_t *lost)
{
    uint8_t kb[OFFSET_KEY_MAX];
    MDB_val k = {offset_key(kb, group, topic, partition), kb}, v;
    *offset = -1;
    *lost = 0;
    int rc = mdb_get(txn, e->db_offsets, &k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return env_mdb_err(e, rc, "reading a committed offset");
    if ((v.mv_size != 16 && v.mv_size != 24) ||
        (int64_t)get_be64(v.mv_data) < -1)
        return rill_err(RILL_ECORRUPT, "the committed offset of group '%s' "
                        "for topic '%s' partition %d is malformed", group,
                        topic, partition);
    *offset = (int64_t)get_be64(v.mv_data);
    if (v.mv_size == 24)
        *lost = (int64_t)get_be64((const uint8_t *)v.mv_data + 16);
    return 0;
}

static int offsets_write(rill_env *e, MDB_txn *txn, const char *group,
                         const char *topic, int32_t partition, int64_t offset,
                         int64_t now_ms, int64_t lost)
{
    uint8_t kb[OFFSET_KEY_MAX], vb[24];
    MDB_val k = {offset_key(kb, group, topic, partition), kb};
    MDB_val v = {lost ? 24 : 16, vb};
    put_be64(vb, (uint64_t)offset);
    put_be64(vb + 8, (uint64_t)now_ms);
    put_be64(vb + 16, (uint64_t)lost);
    return env_mdb_err(e, mdb_put(txn, e->db_offsets, &k, &v, 0),
                       "writing a committed offset");
}

int offsets_get(rill_env *e, MDB_txn *txn, const char *group,
                const char *topic, int32_t partition, int64_t *offset)
{
    int64_t lost;
    int rc = offsets_read(e, txn, group, topic, partition, offset, &lost);
    return !rc && *offset < 0 ? RILL_ENOTFOUND : rc;
}

int offsets_put(rill_env *e, MDB_txn *txn, const char *group,
                const char *topic, int32_t partition, int64_t offset,
                int64_t now_ms)
{
    int64_t old, lost;
    int rc = offsets_read(e, txn, group, topic, partition, &old, &lost);
    return rc ? rc
              : offsets_write(e, txn, group, topic, partition, offset, now_ms,
                              lost);
}

int offsets_add_lost(rill_env *e, MDB_txn *txn, const char *group,
                     const char *topic, int32_t partition, int64_t n,
                     int64_t now_ms)
{
    int64_t off, lost;
    int rc = offsets_read(e, txn, group, topic, partition, &off, &lost);
    return rc ? rc
              : offsets_write(e, txn, group, topic, partition, off, now_ms,
                              lost + n);
}

/* Deletes the offsets for which keep() says false, in the range starting
 * at prefix (all keys when plen is 0). */
static int offsets_delete_where(rill_env *e, MDB_txn *txn,
                                const uint8_t *prefix, size_t plen,
                                const char *topic)
{
    MDB_cursor *cur;
    MDB_val k = {plen, (void *)prefix}, v;
    int rc = mdb_cursor_open(txn, e->db_offsets, &cur);
    if (rc)
        return env_mdb_err(e, rc, "opening a cursor");
    rc = mdb_cursor_get(cur, &k, &v, plen ? MDB_SET_RANGE : MDB_FIRST);
    while (rc == 0) {
        const uint8_t *g, *t;
        size_t gl, tl;
        int32_t p;
        if (plen && (k.mv_size < plen || memcmp(k.mv_data, prefix, plen)))
            break;
        bool del = offset_key_parse(&k, &g, &gl, &t, &tl, &p) &&
                   (!topic || (tl == strlen(topic) && !memcmp(t, topic, tl)));
        rc = del ? mdb_cursor_del(cur, 0) : 0;
        if (!rc) /* after a delete, NEXT is the following key */
            rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (rc && rc != MDB_NOTFOUND)
        return env_mdb_err(e, rc, "deleting committed offsets");
    return 0;
}

int offsets_delete_topic(rill_env *e, MDB_txn *txn, const char *topic)
{
    return offsets_delete_where(e, txn, NULL, 0, topic);
}

/* Every entry names a partition that exists, as Kafka answers
 * UNKNOWN_TOPIC_OR_PARTITION: offsets for no partition would only show up
 * as junk in describe. */
int offsets_check_partitions(rill_env *e, MDB_txn *txn,
                                    const rill_topic_partition *tps, size_t n)
{
    topic_meta t;
    const char *last = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!last || strcmp(last, tps[i].topic)) {
            int rc = topic_get(e, txn, tps[i].topic, &t);
            if (rc == RILL_ENOTFOUND)
                return rill_err(RILL_ENOTFOUND, "no topic '%s'; nothing "
                                "was committed", tps[i].topic);
            if (rc)
                return rc;
            last = tps[i].topic;
        }
        if (tps[i].partition < 0 || tps[i].partition >= t.cfg.partitions)
            return rill_err(RILL_ENOTFOUND, "topic '%s' has %d partitions; "
                            "partition %d requested; nothing was committed",
                            tps[i].topic, t.cfg.partitions, tps[i].partition);
    }
    return 0;
}

int offsets_delete_group(rill_env *e, MDB_txn *txn, const char *group)
{
    uint8_t prefix[1 + GROUP_NAME_MAX];
    prefix[0] = (uint8_t)strlen(group);
    memcpy(prefix + 1, group, prefix[0]);
    return offsets_delete_where(e, txn, prefix, 1 + (size_t)prefix[0], NULL);
}

int offsets_each_of_group(rill_env *e, MDB_txn *txn, const char *group,
                          offsets_each_fn fn, void *arg)
{
    MDB_cursor *cur;
    uint8_t prefix[1 + GROUP_NAME_MAX];
    size_t plen = 1 + strlen(group);
    prefix[0] = (uint8_t)(plen - 1);
    memcpy(prefix + 1, group, plen - 1);
    int rc = mdb_cursor_open(txn, e->db_offsets, &cur);
    if (rc)
        return env_mdb_err(e, rc, "opening a cursor");
    MDB_val k = {plen, prefix}, v;
    int mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (!rc && mrc == 0 && k.mv_size > plen &&
           !memcmp(k.mv_data, prefix, plen)) {
        const uint8_t *g, *t;
        size_t gl, tl;
        int32_t p;
        if (offset_key_parse(&k, &g, &gl, &t, &tl, &p))
            rc = fn((const char *)t, tl, p, arg);
        mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (!rc && mrc && mrc != MDB_NOTFOUND)
        rc = env_mdb_err(e, mrc, "reading committed offsets");
    return rc;
}
