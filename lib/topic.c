/*
 * topic.c -- topics: names, configuration, metadata records, and the
 * public create/alter/delete/list/describe calls.
 *
 * rill.topics maps a topic name to a msgpack map with string keys:
 *   id (u32), partitions, retention_ms, retention_bytes, cleanup,
 *   compression, level, max_record_bytes, partitioner, created_ms.
 * Unknown keys are skipped when reading, so later versions can add some.
 * Topic ids come from rill.meta "next_topic_id" and are never reused.
 *
 * Deleting a topic removes its metadata record and leaves a purge marker
 * in rill.meta ("purge" + u32 id -> name) in one transaction; its records
 * are then removed in bounded transactions, and whoever opens the
 * directory next finishes a purge a crash interrupted.
 */
#include "topic.h"

#include <stdio.h>
#include <stdlib.h>

#include "error.h"
#include "log.h"
#include "mpread.h"
#include "mpwrite.h"
#include "handle.h"

#define DEFAULT_MAX_RECORD_BYTES (1024u * 1024)
#define DEFAULT_DELETE_RETENTION_MS 86400000
#define PURGE_BATCHES_PER_TXN 1024

RILL_API void rill_topic_config_init(rill_topic_config *c)
{
    if (!c)
        return;
    memset(c, 0, sizeof *c);
    c->struct_size = sizeof *c;
    c->partitions = 1;
    c->retention_ms = -1;
    c->retention_bytes = -1;
    c->cleanup_policy = RILL_CLEANUP_DELETE;
    c->compression = RILL_COMPRESSION_NONE;
    c->compression_level = 0;
    c->max_record_bytes = DEFAULT_MAX_RECORD_BYTES;
    c->partitioner = RILL_PARTITIONER_MURMUR2;
    c->delete_retention_ms = DEFAULT_DELETE_RETENTION_MS;
    c->retain_groups = NULL;
    c->retain_groups_max_bytes = 0;
}

int topic_name_validate(const char *name)
{
    if (!name)
        return rill_err(RILL_EINVAL, "topic name is NULL");
    size_t n = strnlen(name, RILL_TOPIC_NAME_MAX + 1);
    if (n == 0)
        return rill_err(RILL_EINVAL, "topic name is empty");
    if (n > RILL_TOPIC_NAME_MAX)
        return rill_err(RILL_EINVAL, "topic name is longer than %d "
                        "characters", RILL_TOPIC_NAME_MAX);
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return rill_err(RILL_EINVAL, "topic name cannot be '%s'", name);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
              ch == '-'))
            return rill_err(RILL_EINVAL, "topic name '%.*s' has character "
                            "0x%02x at %zu; allowed are [A-Za-z0-9._-]",
                            (int)n, name, ch, i);
    }
    return 0;
}

/* retain_groups: comma-separated names of 1..249 bytes, with a cap. */
static int validate_retain_groups(const rill_topic_config *r)
{
    if (!r->retain_groups)
        return 0;
    size_t len = strnlen(r->retain_groups, RILL_RETAIN_GROUPS_MAX + 1);
    if (len > RILL_RETAIN_GROUPS_MAX)
        return rill_err(RILL_EINVAL, "retain_groups is longer than %d bytes",
                        RILL_RETAIN_GROUPS_MAX);
    for (const char *p = r->retain_groups;;) {
        size_t n = strcspn(p, ",");
        if (n == 0 || n > 249)
            return rill_err(RILL_EINVAL, "retain_groups '%s' has an empty or "
                            "over-long group name", r->retain_groups);
        if (!p[n])
            break;
        p += n + 1;
    }
    if (r->retain_groups_max_bytes <= 0)
        return rill_err(RILL_EINVAL, "retain_groups needs a positive "
                        "retain_groups_max_bytes (the hard cap)");
    return 0;
}

int topic_config_resolve(rill_topic_config *out, const rill_topic_config *c)
{
    rill_topic_config d, r;
    rill_topic_config_init(&d);
    if (!c) {
        *out = d;
        return 0;
    }
    r = d;
    int rc = options_adopt(&r, sizeof r, c, "rill_topic_config");
    if (rc)
        return rc;
    if (r.retention_ms == 0)
        r.retention_ms = d.retention_ms;
    if (r.retention_bytes == 0)
        r.retention_bytes = d.retention_bytes;
    if (r.cleanup_policy == 0)
        r.cleanup_policy = d.cleanup_policy;
    if (r.max_record_bytes == 0)
        r.max_record_bytes = d.max_record_bytes;
    if (r.delete_retention_ms == 0)
        r.delete_retention_ms = d.delete_retention_ms;
    if (r.retain_groups && !*r.retain_groups)
        r.retain_groups = NULL;

    if (r.partitions < 1 || r.partitions > RILL_PARTITIONS_MAX)
        return rill_err(RILL_EINVAL, "partitions %d is not in 1..%d%s",
                        r.partitions, RILL_PARTITIONS_MAX,
                        r.partitions == 0 ? " (a topic needs at least one; "
                        "rill_topic_config_init sets 1)" : "");
    if (r.retention_ms < -1)
        return rill_err(RILL_EINVAL, "retention_ms %lld is negative (-1 "
                        "keeps forever)", (long long)r.retention_ms);
    if (r.retention_bytes < -1)
        return rill_err(RILL_EINVAL, "retention_bytes %lld is negative (-1 "
                        "is unlimited)", (long long)r.retention_bytes);
    if (r.cleanup_policy < RILL_CLEANUP_DELETE ||
        r.cleanup_policy > RILL_CLEANUP_COMPACT_DELETE)
        return rill_err(RILL_EINVAL, "unknown cleanup_policy %d",
                        r.cleanup_policy);
    if (r.compression != RILL_COMPRESSION_NONE &&
        r.compression != RILL_COMPRESSION_ZSTD)
        return rill_err(RILL_EINVAL, "unknown compression %d", r.compression);
    if (r.compression_level < -7 || r.compression_level > 22)
        return rill_err(RILL_EINVAL, "compression_level %d is not in -7..22",
                        r.compression_level);
    if (r.max_record_bytes > RILL_RECORD_BYTES_MAX)
        return rill_err(RILL_EINVAL, "max_record_bytes %u is over the limit "
                        "of %u", r.max_record_bytes, RILL_RECORD_BYTES_MAX);
    if (r.partitioner != RILL_PARTITIONER_MURMUR2 &&
        r.partitioner != RILL_PARTITIONER_CRC32)
        return rill_err(RILL_EINVAL, "unknown partitioner %d", r.partitioner);
    if (r.delete_retention_ms < 0)
        return rill_err(RILL_EINVAL, "delete_retention_ms %lld is negative",
                        (long long)r.delete_retention_ms);
    rc = validate_retain_groups(&r);
    if (rc)
        return rc;
    *out = r;
    return 0;
}

void topic_meta_set_config(topic_meta *t, const rill_topic_config *c)
{
    t->cfg = *c;
    snprintf(t->retain_groups, sizeof t->retain_groups, "%s",
             c->retain_groups ? c->retain_groups : "");
    t->cfg.retain_groups = NULL;
    if (!t->retain_groups[0])
        t->cfg.retain_groups_max_bytes = 0;
}

int topic_each_retain_group(const topic_meta *t,
                            int (*fn)(const char *group, void *arg),
                            void *arg)
{
    const char *p = t->retain_groups;
    while (*p) {
        char name[256];
        size_t n = strcspn(p, ",");
        snprintf(name, sizeof name, "%.*s", (int)n, p);
        int rc = fn(name, arg);
        if (rc)
            return rc;
        p += n + (p[n] == ',');
    }
    return 0;
}

/* ---- the stored record ---- */

int topic_meta_encode(const topic_meta *t, rill_buf *out)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, buf_msgpack_write);
    int fail = msgpack_pack_map(&pk, 13);
    mpw_str(&pk, "id");
    fail |= msgpack_pack_uint32(&pk, t->id);
    mpw_str(&pk, "partitions");
    fail |= msgpack_pack_int32(&pk, t->cfg.partitions);
    mpw_str(&pk, "retention_ms");
    fail |= msgpack_pack_int64(&pk, t->cfg.retention_ms);
    mpw_str(&pk, "retention_bytes");
    fail |= msgpack_pack_int64(&pk, t->cfg.retention_bytes);
    mpw_str(&pk, "cleanup");
    fail |= msgpack_pack_int(&pk, t->cfg.cleanup_policy);
    mpw_str(&pk, "compression");
    fail |= msgpack_pack_int(&pk, t->cfg.compression);
    mpw_str(&pk, "level");
    fail |= msgpack_pack_int(&pk, t->cfg.compression_level);
    mpw_str(&pk, "max_record_bytes");
    fail |= msgpack_pack_uint32(&pk, t->cfg.max_record_bytes);
    mpw_str(&pk, "partitioner");
    fail |= msgpack_pack_int(&pk, t->cfg.partitioner);
    mpw_str(&pk, "created_ms");
    fail |= msgpack_pack_int64(&pk, t->created_ms);
    mpw_str(&pk, "delete_retention_ms");
    fail |= msgpack_pack_int64(&pk, t->cfg.delete_retention_ms);
    mpw_str(&pk, "retain_groups");
    mpw_str(&pk, t->retain_groups);
    mpw_str(&pk, "retain_groups_max_bytes");
    fail |= msgpack_pack_int64(&pk, t->cfg.retain_groups_max_bytes);
    return fail ? rill_err(RILL_ENOMEM, "out of memory encoding topic") : 0;
}

static bool read_int(mpr *r, int *out)
{
    int32_t v;
    if (!mpr_i32(r, &v, INT32_MIN, INT32_MAX))
        return false;
    *out = v;
    return true;
}

/* Field by field (a struct's padding is not to be compared). */
static bool config_equal(const rill_topic_config *a,
                         const rill_topic_config *b)
{
    return a->partitions == b->partitions &&
           a->retention_ms == b->retention_ms &&
           a->retention_bytes == b->retention_bytes &&
           a->cleanup_policy == b->cleanup_policy &&
           a->delete_retention_ms == b->delete_retention_ms &&
           a->retain_groups_max_bytes == b->retain_groups_max_bytes &&
           a->compression == b->compression &&
           a->compression_level == b->compression_level &&
           a->max_record_bytes == b->max_record_bytes &&
           a->partitioner == b->partitioner;
}

int topic_meta_decode(topic_meta *t, const char *name, const void *data,
                      size_t len)
{
    mpr r;
    uint32_t n;
    bool have_id = false, have_parts = false;
    memset(t, 0, sizeof *t);
    rill_topic_config_init(&t->cfg);
    snprintf(t->name, sizeof t->name, "%s", name);
    mpr_init(&r, data, len);
    if (!mpr_map(&r, &n))
        goto bad;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *k;
        uint32_t kl;
        bool ok;
        if (!mpr_str(&r, &k, &kl))
            goto bad;
        if (mpr_key_is(k, kl, "id"))
            ok = have_id = mpr_u32(&r, &t->id);
        else if (mpr_key_is(k, kl, "partitions"))
            ok = have_parts = mpr_i32(&r, &t->cfg.partitions, INT32_MIN, INT32_MAX);
        else if (mpr_key_is(k, kl, "retention_ms"))
            ok = mpr_int(&r, &t->cfg.retention_ms);
        else if (mpr_key_is(k, kl, "retention_bytes"))
            ok = mpr_int(&r, &t->cfg.retention_bytes);
        else if (mpr_key_is(k, kl, "cleanup"))
            ok = read_int(&r, &t->cfg.cleanup_policy);
        else if (mpr_key_is(k, kl, "compression"))
            ok = read_int(&r, &t->cfg.compression);
        else if (mpr_key_is(k, kl, "level"))
            ok = read_int(&r, &t->cfg.compression_level);
        else if (mpr_key_is(k, kl, "max_record_bytes"))
            ok = mpr_u32(&r, &t->cfg.max_record_bytes);
        else if (mpr_key_is(k, kl, "partitioner"))
            ok = read_int(&r, &t->cfg.partitioner);
        else if (mpr_key_is(k, kl, "created_ms"))
            ok = mpr_int(&r, &t->created_ms);
        else if (mpr_key_is(k, kl, "delete_retention_ms"))
            ok = mpr_int(&r, &t->cfg.delete_retention_ms);
        else if (mpr_key_is(k, kl, "retain_groups_max_bytes"))
            ok = mpr_int(&r, &t->cfg.retain_groups_max_bytes);
        else if (mpr_key_is(k, kl, "retain_groups")) {
            const uint8_t *g;
            uint32_t gl;
            ok = mpr_str(&r, &g, &gl) && gl <= RILL_RETAIN_GROUPS_MAX &&
                 !memchr(g, 0, gl);
            if (ok)
                snprintf(t->retain_groups, sizeof t->retain_groups, "%.*s",
                         (int)gl, (const char *)g);
        }
        else
            ok = mpr_skip(&r);
        if (!ok)
            goto bad;
    }
    if (!r.ok || mpr_left(&r) != 0 || !have_id || !have_parts)
        goto bad;
    /* What is stored must be a configuration create would accept. */
    rill_topic_config cfg = t->cfg, resolved;
    cfg.retain_groups = t->retain_groups[0] ? t->retain_groups : NULL;
    if (topic_config_resolve(&resolved, &cfg) != 0)
        goto bad;
    if (!config_equal(&cfg, &resolved))
        goto bad;
    return 0;
bad:
    return rill_err(RILL_ECORRUPT, "the metadata of topic '%s' is malformed",
                    name);
}

int topic_get(rill_env *e, MDB_txn *txn, const char *name, topic_meta *t)
{
    MDB_val k = {strlen(name), (void *)name}, v;
    int rc = mdb_get(txn, e->db_topics, &k, &v);
    if (rc == MDB_NOTFOUND)
        return rill_err(RILL_ENOTFOUND, "topic '%s' does not exist", name);
    if (rc)
        return env_mdb_err(e, rc, "reading topic metadata");
    return topic_meta_decode(t, name, v.mv_data, v.mv_size);
}

static int topic_put(rill_env *e, MDB_txn *txn, const topic_meta *t)
{
    rill_buf b = {0};
    int rc = topic_meta_encode(t, &b);
    if (!rc) {
        MDB_val k = {strlen(t->name), (void *)t->name}, v = {b.len, b.data};
        rc = env_mdb_err(e, mdb_put(txn, e->db_topics, &k, &v, 0),
                         "writing topic metadata");
    }
    buf_free(&b);
    return rc;
}

/* ---- create / alter / delete ---- */

struct topic_op {
    rill_env *e;
    const char *name;
    rill_topic_config cfg;
    int64_t now;
    uint32_t tid;
    bool left; /* purging: work may remain */
};

/* Whether two names are the same once '.' and '_' are taken alike. */
static bool names_collide(const char *a, size_t al, const char *b, size_t bl)
{
    if (al != bl)
        return false;
    for (size_t i = 0; i < al; i++) {
        char x = a[i] == '.' ? '_' : a[i], y = b[i] == '.' ? '_' : b[i];
        if (x != y)
            return false;
    }
    return true;
}

/* Kafka refuses a topic whose name collides with an existing one once
 * '.' and '_' are treated alike (their metric names would be the same);
 * so does rill, so that the gateway and a mirror to Kafka can serve every
 * topic. Only names with either character need the scan. */
static int check_collision(rill_env *e, MDB_txn *txn, const char *name)
{
    size_t len = strlen(name);
    if (!strpbrk(name, "._"))
        return 0;
    MDB_cursor *cur;
    MDB_val k, v;
    int rc = mdb_cursor_open(txn, e->db_topics, &cur);
    if (rc)
        return env_mdb_err(e, rc, "opening a cursor");
    rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (rc == 0) {
        if (names_collide(name, len, k.mv_data, k.mv_size)) {
            int n = (int)k.mv_size;
            mdb_cursor_close(cur);
            return rill_err(RILL_EEXIST, "topic '%s' collides with topic "
                            "'%.*s' ('.' and '_' are taken alike, as in "
                            "Kafka)", name, n, (const char *)k.mv_data);
        }
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : env_mdb_err(e, rc, "reading topics");
}

static int create_txn(MDB_txn *txn, void *arg)
{
    struct topic_op *op = arg;
    rill_env *e = op->e;
    topic_meta t;
    MDB_val k = {strlen(op->name), (void *)op->name}, v;
    int rc = mdb_get(txn, e->db_topics, &k, &v);
    if (rc == 0)
        return rill_err(RILL_EEXIST, "topic '%s' already exists", op->name);
    if (rc != MDB_NOTFOUND)
        return env_mdb_err(e, rc, "reading topic metadata");
    if ((rc = check_collision(e, txn, op->name)))
        return rc;

    uint32_t id = 1;
    MDB_val ik = {13, "next_topic_id"}, iv;
    rc = mdb_get(txn, e->db_meta, &ik, &iv);
    if (rc == 0 && iv.mv_size == 4)
        id = get_be32(iv.mv_data);
    else if (rc != MDB_NOTFOUND)
        return rc ? env_mdb_err(e, rc, "reading the topic id counter")
                  : rill_err(RILL_ECORRUPT, "malformed topic id counter");
    if (id == UINT32_MAX)
        return rill_err(RILL_EFULL, "topic ids are exhausted");
    uint8_t nb[4];
    put_be32(nb, id + 1);
    iv.mv_size = 4;
    iv.mv_data = nb;
    if ((rc = mdb_put(txn, e->db_meta, &ik, &iv, 0)))
        return env_mdb_err(e, rc, "writing the topic id counter");

    memset(&t, 0, sizeof t);
    snprintf(t.name, sizeof t.name, "%s", op->name);
    t.id = id;
    topic_meta_set_config(&t, &op->cfg);
    t.created_ms = op->now;
    op->tid = id;
    return topic_put(e, txn, &t);
}

RILL_API int rill_topic_create(rill *r, const char *topic,
                               const rill_topic_config *c)
{
    struct topic_op op = {0};
    int rc = rill_enter(r);
    if (!rc)
        rc = topic_name_validate(topic);
    if (!rc)
        rc = topic_config_resolve(&op.cfg, c);
    if (rc)
        return rc;
    op.e = &r->env;
    op.name = topic;
    op.now = env_now_ms(&r->env);
    rc = env_write(&r->env, create_txn, &op);
    if (!rc)
        notify_post(&r->nt);
    return rc;
}

static int alter_txn(MDB_txn *txn, void *arg)
{
    struct topic_op *op = arg;
    topic_meta t;
    int rc = topic_get(op->e, txn, op->name, &t);
    if (rc)
        return rc;
    if (op->cfg.partitions < t.cfg.partitions)
        return rill_err(RILL_EINVAL, "topic '%s' has %d partitions; they "
                        "cannot shrink to %d", op->name, t.cfg.partitions,
                        op->cfg.partitions);
    topic_meta_set_config(&t, &op->cfg);
    return topic_put(op->e, txn, &t);
}

RILL_API int rill_topic_alter(rill *r, const char *topic,
                              const rill_topic_config *c)
{
    struct topic_op op = {0};
    int rc = rill_enter(r);
    if (!rc)
        rc = topic_name_validate(topic);
    if (!rc && !c)
        rc = rill_err(RILL_EINVAL, "configuration is NULL");
    if (!rc)
        rc = topic_config_resolve(&op.cfg, c);
    if (rc)
        return rc;
    op.e = &r->env;
    op.name = topic;
    rc = env_write(&r->env, alter_txn, &op);
    if (!rc)
        notify_post(&r->nt); /* group members watch partition counts */
    return rc;
}

static void purge_key(uint8_t key[9], uint32_t tid)
{
    memcpy(key, "purge", 5);
    put_be32(key + 5, tid);
}

static int delete_txn(MDB_txn *txn, void *arg)
{
    struct topic_op *op = arg;
    rill_env *e = op->e;
    topic_meta t;
    int rc = topic_get(e, txn, op->name, &t);
    if (rc)
        return rc;
    MDB_val k = {strlen(op->name), (void *)op->name};
    if ((rc = mdb_del(txn, e->db_topics, &k, NULL)))
        return env_mdb_err(e, rc, "deleting topic metadata");
    uint8_t pk[9];
    purge_key(pk, t.id);
    MDB_val mk = {sizeof pk, pk}, mv = {strlen(op->name), (void *)op->name};
    return env_mdb_err(e, mdb_put(txn, e->db_meta, &mk, &mv, 0),
                       "marking a topic for purging");
}

/* One bounded step of purging: the first pending topic's next records,
 * then its marker once they are gone. Sets *left when work remains. */
static int purge_txn(MDB_txn *txn, void *arg)
{
    struct topic_op *op = arg;
    rill_env *e = op->e;
    MDB_cursor *cur;
    uint8_t pk[9];
    MDB_val k = {5, "purge"}, v;
    bool done;
    op->left = false;
    int rc = mdb_cursor_open(txn, e->db_meta, &cur);
    if (rc)
        return env_mdb_err(e, rc, "opening a cursor");
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (rc || k.mv_size != 9 || memcmp(k.mv_data, "purge", 5) != 0) {
        mdb_cursor_close(cur);
        return rc && rc != MDB_NOTFOUND ? env_mdb_err(e, rc, "reading")
                                        : 0;
    }
    memcpy(pk, k.mv_data, 9);
    mdb_cursor_close(cur);
    uint32_t tid = get_be32(pk + 5);
    rc = log_purge_topic(e, txn, tid, PURGE_BATCHES_PER_TXN, &done);
    if (rc)
        return rc;
    if (done) {
        k.mv_size = 9;
        k.mv_data = pk;
        if ((rc = mdb_del(txn, e->db_meta, &k, NULL)))
            return env_mdb_err(e, rc, "clearing a purge marker");
    }
    op->left = true; /* look again: this one or another may remain */
    return 0;
}

int topic_lookup(rill_env *e, const char *name, topic_meta *t)
{
    MDB_txn *txn;
    int rc = env_read_begin(e, &txn);
    if (rc)
        return rc;
    rc = topic_get(e, txn, name, t);
    env_read_end(e, txn);
    return rc;
}

/* Whether a purge marker is left, in a read transaction: opening a
 * directory must not wait for the write lock when there is nothing to
 * finish. */
static int purge_marker_left(rill_env *e, bool *left)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k = {5, "purge"}, v;
    *left = false;
    int rc = env_read_begin(e, &txn);
    if (rc)
        return rc;
    if ((rc = mdb_cursor_open(txn, e->db_meta, &cur)) == 0) {
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        *left = rc == 0 && k.mv_size == 9 && !memcmp(k.mv_data, "purge", 5);
        mdb_cursor_close(cur);
        if (rc == MDB_NOTFOUND)
            rc = 0;
    }
    env_read_end(e, txn);
    return env_mdb_err(e, rc, "looking for topics left to purge");
}

int topic_purge_pending(rill_env *e)
{
    struct topic_op op = {.e = e};
    bool left;
    int rc = purge_marker_left(e, &left);
    if (rc || !left)
        return rc;
    do {
        rc = env_write_reserved(e, purge_txn, &op);
    } while (!rc && op.left);
    return rc;
}

RILL_API int rill_topic_delete(rill *r, const char *topic)
{
    struct topic_op op = {0};
    int rc = rill_enter(r);
    if (!rc)
        rc = topic_name_validate(topic);
    if (rc)
        return rc;
    op.e = &r->env;
    op.name = topic;
    rc = env_write_reserved(&r->env, delete_txn, &op);
    if (rc)
        return rc;
    notify_post(&r->nt);
    /* The topic is gone; its records leave in bounded steps. */
    return topic_purge_pending(&r->env);
}

/* ---- list / describe ---- */

RILL_API void rill_names_free(char **names, size_t count)
{
    if (!names)
        return;
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

RILL_API int rill_topic_list(char ***names, size_t *count, rill *r)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    char **out = NULL;
    size_t n = 0, cap = 0;
    if (!names || !count)
        return rill_err(RILL_EINVAL, "names or count is NULL");
    *names = NULL;
    *count = 0;
    int rc = rill_enter(r);
    if (rc || (rc = env_read_begin(&r->env, &txn)))
        return rc;
    if ((rc = mdb_cursor_open(txn, r->env.db_topics, &cur))) {
        env_read_end(&r->env, txn);
        return env_mdb_err(&r->env, rc, "opening a cursor");
    }
    int mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (mrc == 0 && !rc) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **p = realloc(out, ncap * sizeof *p);
            if (!p) {
                rc = rill_err(RILL_ENOMEM, "out of memory listing topics");
                break;
            }
            out = p;
            cap = ncap;
        }
        if (!(out[n] = malloc(k.mv_size + 1))) {
            rc = rill_err(RILL_ENOMEM, "out of memory listing topics");
            break;
        }
        memcpy(out[n], k.mv_data, k.mv_size);
        out[n++][k.mv_size] = '\0';
        mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    if (!rc && mrc != MDB_NOTFOUND)
        rc = env_mdb_err(&r->env, mrc, "listing topics");
    mdb_cursor_close(cur);
    env_read_end(&r->env, txn);
    if (rc) {
        rill_names_free(out, n);
        return rc;
    }
    *names = out;
    *count = n;
    return 0;
}

RILL_API void rill_topic_info_free(rill_topic_info *info)
{
    if (!info)
        return;
    free(info->partitions);
    free(info);
}

static int describe_partitions(rill_env *e, MDB_txn *txn, const topic_meta *t,
                               rill_topic_info *info)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, e->db_log, &cur);
    if (rc)
        return env_mdb_err(e, rc, "opening a log cursor");
    for (int32_t i = 0; !rc && i < t->cfg.partitions; i++) {
        log_part p = {t->name, t->id, i};
        log_bounds b;
        log_stats st;
        rill_partition_info *pi = &info->partitions[i];
        rc = log_bounds_get(e, txn, cur, &p, &b);
        if (!rc)
            rc = log_stats_get(e, txn, &p, &st);
        if (rc)
            break;
        pi->partition = i;
        pi->first_offset = b.first;
        pi->next_offset = b.next;
        pi->records = st.records;
        pi->bytes = st.bytes;
        pi->batches = st.batches;
    }
    mdb_cursor_close(cur);
    return rc;
}

RILL_API int rill_topic_describe(rill_topic_info **out, rill *r,
                                 const char *topic)
{
    MDB_txn *txn;
    topic_meta t;
    rill_topic_info *info = NULL;
    if (!out)
        return rill_err(RILL_EINVAL, "out is NULL");
    *out = NULL;
    int rc = rill_enter(r);
    if (!rc)
        rc = topic_name_validate(topic);
    if (rc || (rc = env_read_begin(&r->env, &txn)))
        return rc;
    rc = topic_get(&r->env, txn, topic, &t);
    if (!rc) {
        info = calloc(1, sizeof *info);
        if (info)
            info->partitions = calloc((size_t)t.cfg.partitions,
                                      sizeof *info->partitions);
        if (!info || !info->partitions)
            rc = rill_err(RILL_ENOMEM, "out of memory describing a topic");
    }
    if (!rc) {
        snprintf(info->name, sizeof info->name, "%s", t.name);
        info->config = t.cfg;
        snprintf(info->retain_groups, sizeof info->retain_groups, "%s",
                 t.retain_groups);
        info->config.retain_groups =
            info->retain_groups[0] ? info->retain_groups : NULL;
        info->created_ms = t.created_ms;
        info->partition_count = (size_t)t.cfg.partitions;
        rc = describe_partitions(&r->env, txn, &t, info);
    }
    /* The directory's file, for context. */
    env_stats es;
    if (!rc && !(rc = env_stats_get(&r->env, &es)))
        rc = env_free_pages(&r->env, txn, &info->pages_free);
    env_read_end(&r->env, txn);
    if (rc) {
        rill_topic_info_free(info);
        return rc;
    }
    for (size_t i = 0; i < info->partition_count; i++)
        info->bytes += info->partitions[i].bytes;
    info->file_bytes = es.file_size;
    info->page_size = es.page_size;
    info->pages_used = es.last_page + 1;
    *out = info;
    return 0;
}

/* ---- offsets of partitions ---- */

RILL_API int rill_watermarks(int64_t *first, int64_t *next, rill *r,
                             const char *topic, int32_t partition)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    topic_meta t;
    log_bounds b = {0};
    if (!first || !next)
        return rill_err(RILL_EINVAL, "first or next is NULL");
    int rc = rill_enter(r);
    if (!rc)
        rc = topic_name_validate(topic);
    if (rc || (rc = env_read_begin(&r->env, &txn)))
        return rc;
    rc = topic_get(&r->env, txn, topic, &t);
    if (!rc && (partition < 0 || partition >= t.cfg.partitions))
        rc = rill_err(RILL_ENOTFOUND, "topic '%s' has %d partitions; "
                      "partition %d requested", topic, t.cfg.partitions,
                      partition);
    if (!rc && (rc = mdb_cursor_open(txn, r->env.db_log, &cur)))
        rc = env_mdb_err(&r->env, rc, "opening a log cursor");
    else if (!rc) {
        log_part p = {t.name, t.id, partition};
        rc = log_bounds_get(&r->env, txn, cur, &p, &b);
        mdb_cursor_close(cur);
    }
    env_read_end(&r->env, txn);
    if (!rc) {
        *first = b.first;
        *next = b.next;
    }
    return rc;
}

RILL_API int rill_offsets_for_times(rill *r, rill_topic_partition *tps,
                                    size_t n)
{
    MDB_txn *txn;
    int rc = rill_enter(r);
    if (rc)
        return rc;
    if (n && !tps)
        return rill_err(RILL_EINVAL, "tps is NULL with n = %zu", n);
    for (size_t i = 0; i < n; i++) {
        if ((rc = topic_name_validate(tps[i].topic)))
            return rill_err_wrap(rc, "entry %zu", i);
        if (tps[i].offset < 0)
            return rill_err(RILL_EINVAL, "entry %zu: timestamp %lld is "
                            "negative", i, (long long)tps[i].offset);
    }
    int64_t *out = calloc(n ? n : 1, sizeof *out);
    if (!out)
        return rill_err(RILL_ENOMEM, "out of memory");
    if ((rc = env_read_begin(&r->env, &txn))) {
        free(out);
        return rc;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        topic_meta t;
        rc = topic_get(&r->env, txn, tps[i].topic, &t);
        if (!rc && (tps[i].partition < 0 ||
                    tps[i].partition >= t.cfg.partitions))
            rc = rill_err(RILL_ENOTFOUND, "topic '%s' has %d partitions; "
                          "partition %d requested", tps[i].topic,
                          t.cfg.partitions, tps[i].partition);
        if (!rc) {
            log_part p = {t.name, t.id, tps[i].partition};
            rc = log_offset_for_time(&r->env, txn, &p, tps[i].offset, &out[i]);
        }
    }
    env_read_end(&r->env, txn);
    for (size_t i = 0; !rc && i < n; i++)
        tps[i].offset = out[i];
    free(out);
    return rc;
}
