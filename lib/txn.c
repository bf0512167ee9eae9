/*
 * txn.c -- user transactions: records for several topics, a consumer's
 * positions and the application's own keys and values, committed together
 * in one LMDB write transaction or not at all.
 *
 * A transaction holds the directory's write lock from rill_txn_begin to
 * its commit or abort: every other writer, in this process and others,
 * waits. It belongs to the thread that began it (LMDB's write lock is a
 * thread's), and that thread cannot write to the directory any other way
 * meanwhile (RILL_ESTATE rather than waiting for itself).
 *
 * An operation that fails on its input (a bad message, an unknown topic, a
 * record too large) changes nothing and the transaction goes on. One that
 * fails after it may have written part of its work (the map filled, an I/O
 * error) or a fenced consumer commit dooms the transaction: every later
 * call returns that error and the commit aborts.
 */
#include "common.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <zstd.h>

#include "subscribe.h"
#include "error.h"
#include "group.h"
#include "log.h"
#include "produce.h"
#include "handle.h"
#include "topic.h"

#define TXN_MAGIC 0x52545854u /* "RTXT" */

/* A consumer whose positions this transaction commits: its committed
 * marks move only if the transaction commits. */
typedef struct txn_consumer {
    rill_consumer *c;
    rill_topic_partition *tps;
    size_t n;
} txn_consumer;

struct rill_txn {
    uint32_t magic;
    rill *r;
    MDB_txn *txn;
    MDB_cursor *log;
    pthread_t owner;
    txn_topics tt;
    rill_buf enc;
    void *cctx;
    int64_t now;
    int doomed; /* the error that doomed it, or 0 */
    char doom_msg[256];
    bool grow_after; /* the map filled: grow it once the txn ended */
    bool wrote_log;
    txn_consumer *consumers;
    size_t nconsumers;
};

static int txn_enter(rill_txn *t)
{
    if (!t || t->magic != TXN_MAGIC)
        return rill_err(RILL_EINVAL, "not a transaction handle");
    if (!pthread_equal(t->owner, pthread_self()))
        return rill_err(RILL_ESTATE, "a transaction belongs to the thread "
                        "that began it");
    int rc = env_check(&t->r->env);
    if (rc)
        return rc;
    if (t->doomed)
        return rill_err(t->doomed, "the transaction failed earlier and must "
                        "be aborted: %s", t->doom_msg);
    return 0;
}

/* Dooms the transaction with rc (already described in this thread's
 * message) and returns it to the caller. A full map becomes RILL_EFULL:
 * the map grows when the transaction ends, so a retry can succeed. */
static int doom(rill_txn *t, int rc)
{
    if (rc == RILL__EMAPFULL || rc == RILL__ERESIZED) {
        t->grow_after = true;
        rc = rill_err(RILL_EFULL, "the transaction filled the map; abort it "
                      "and retry (the map grows once it ended, up to "
                      "map_size_max)");
    }
    t->doomed = rc;
    snprintf(t->doom_msg, sizeof t->doom_msg, "%s", rill_errmsg());
    return rc;
}

RILL_API int rill_txn_begin(rill_txn **out, rill *r)
{
    if (!out)
        return rill_err(RILL_EINVAL, "out is NULL");
    *out = NULL;
    int rc = rill_enter(r);
    if (rc)
        return rc;
    rill_txn *t = calloc(1, sizeof *t);
    if (!t)
        return rill_err(RILL_ENOMEM, "out of memory");
    /* Grow ahead when the map is nearly full: a user transaction cannot
     * be redone by rill the way a produce can. */
    if ((rc = env_reserve(&r->env)) && rc != RILL_EFULL) {
        free(t);
        return rc;
    }
    if ((rc = env_write_begin(&r->env, &t->txn))) {
        free(t);
        return rc;
    }
    if ((rc = mdb_cursor_open(t->txn, r->env.db_log, &t->log))) {
        env_write_abort(&r->env, t->txn);
        free(t);
        return env_mdb_err(&r->env, rc, "opening a log cursor");
    }
    t->magic = TXN_MAGIC;
    t->r = r;
    t->owner = pthread_self();
    t->now = env_now_ms(&r->env);
    env_user_txn_set(&r->env);
    *out = t;
    return 0;
}

/* Ends the transaction's life: frees it, grows the map if it filled. */
static void txn_free(rill_txn *t)
{
    env_user_txn_set(NULL);
    bool grow = t->grow_after;
    rill *r = t->r;
    for (size_t i = 0; i < t->nconsumers; i++)
        free(t->consumers[i].tps);
    free(t->consumers);
    buf_free(&t->enc);
    ZSTD_freeCCtx(t->cctx);
    t->magic = 0;
    free(t);
    if (grow)
        env_grow(&r->env, RILL__EMAPFULL);
}

RILL_API void rill_txn_abort(rill_txn *t)
{
    if (!t || t->magic != TXN_MAGIC ||
        !pthread_equal(t->owner, pthread_self()))
        return;
    if (env_check(&t->r->env) == 0) {
        mdb_cursor_close(t->log);
        env_write_abort(&t->r->env, t->txn);
    }
    txn_free(t);
}

RILL_API int rill_txn_commit(rill_txn *t)
{
    int rc = txn_enter(t);
    if (rc) {
        if (t && t->magic == TXN_MAGIC &&
            pthread_equal(t->owner, pthread_self()))
            rill_txn_abort(t);
        return rc;
    }
    mdb_cursor_close(t->log);
    rill *r = t->r;
    rc = env_write_commit(&r->env, t->txn);
    if (rc == RILL__EMAPFULL || rc == RILL__ERESIZED) {
        t->grow_after = true;
        rc = rill_err(RILL_EFULL, "the transaction filled the map at commit "
                      "and was aborted; retry it (the map grew)");
    }
    if (!rc) {
        for (size_t i = 0; i < t->nconsumers; i++)
            consumer_mark_committed(t->consumers[i].c, t->consumers[i].tps,
                                    t->consumers[i].n);
        notify_post(&r->nt);
    }
    txn_free(t);
    return rc;
}

RILL_API int rill_txn_produce(rill_txn *t, const rill_message *m,
                              rill_position *out)
{
    int32_t part;
    int rc = txn_enter(t);
    if (rc)
        return rc;
    if (!m)
        return rill_err(RILL_EINVAL, "message is NULL");
    if ((rc = produce_validate(m, 0)) ||
        (rc = produce_resolve(t->r, t->txn, &t->tt, m, 1, &part)))
        return rc; /* nothing written */
    const topic_meta *tm;
    if ((rc = resolve_topic(&t->r->env, t->txn, &t->tt, m->topic, &tm)))
        return rc;
    if (tm->cfg.compression == RILL_COMPRESSION_ZSTD && !t->cctx &&
        !(t->cctx = ZSTD_createCCtx()))
        return rill_err(RILL_ENOMEM, "out of memory");
    produce_slot s = {m, out, part, 0};
    rc = produce_append(t->r, t->log, tm, &s, 1, t->now, &t->enc, t->cctx);
    if (rc)
        return doom(t, rc);
    t->wrote_log = true;
    return 0;
}

/* The checks both consumer commits begin with. */
static int check_consumer(rill_txn *t, rill_consumer *c)
{
    int rc = txn_enter(t);
    if (!rc)
        rc = consumer_enter(c);
    if (rc)
        return rc;
    if (c->r != t->r)
        return rill_err(RILL_EINVAL, "the consumer belongs to another "
                        "directory");
    if (!c->group_id)
        return rill_err(RILL_EINVAL, "the consumer has no group_id");
    return 0;
}

/* Commits tps for c's group within t, fenced, and remembers them so c's
 * committed marks move if t commits. Takes tps (freed on failure). */
static int commit_for(rill_txn *t, rill_consumer *c, rill_topic_partition *tps,
                      size_t n)
{
    txn_consumer *tc = realloc(t->consumers,
                               (t->nconsumers + 1) * sizeof *tc);
    if (!tc) {
        free(tps);
        return rill_err(RILL_ENOMEM, "out of memory");
    }
    t->consumers = tc;
    int rc = group_commit_fenced(&t->r->env, t->txn, c->group_id,
                                   consumer_member_id(c), tps, n, t->now);
    if (rc) {
        free(tps);
        /* A partition that does not exist was refused before anything
         * was written; a fenced consumer fails the whole txn. */
        return rc == RILL_ENOTFOUND ? rc : doom(t, rc);
    }
    tc[t->nconsumers++] = (txn_consumer){c, tps, n};
    return 0;
}

RILL_API int rill_txn_commit_consumer(rill_txn *t, rill_consumer *c)
{
    rill_topic_partition *tps;
    size_t n;
    int rc = check_consumer(t, c);
    if (!rc)
        rc = consumer_positions(c, &tps, &n);
    return rc ? rc : commit_for(t, c, tps, n);
}

RILL_API int rill_txn_commit_offsets(rill_txn *t, rill_consumer *c,
                                     const rill_topic_partition *tps,
                                     size_t n)
{
    int rc = check_consumer(t, c);
    if (rc)
        return rc;
    if (n && !tps)
        return rill_err(RILL_EINVAL, "tps is NULL with n = %zu", n);
    rill_topic_partition *copy = calloc(n + 1, sizeof *copy);
    if (!copy)
        return rill_err(RILL_ENOMEM, "out of memory");
    for (size_t i = 0; i < n && !rc; i++) {
        if ((rc = topic_name_validate(tps[i].topic)))
            break;
        if (tps[i].partition < 0 || tps[i].offset < 0) {
            rc = rill_err(RILL_EINVAL, "entry %zu: partition %d or offset "
                          "%lld is invalid", i, tps[i].partition,
                          (long long)tps[i].offset);
            break;
        }
        copy[i] = tps[i];
        /* Interned: the marks must outlive the caller's strings. */
        if (!(copy[i].topic = consumer_intern(c, tps[i].topic)))
            rc = rill_err(RILL_ENOMEM, "out of memory");
    }
    if (rc) {
        free(copy);
        return rc;
    }
    return commit_for(t, c, copy, n);
}

/* ---- the application's table ---- */

static int check_key(rill_txn *t, const void *k, size_t kl)
{
    size_t max = (size_t)mdb_env_get_maxkeysize(t->r->env.mdb);
    if (!k || kl == 0 || kl > max)
        return rill_err(RILL_EINVAL, "application keys are 1..%zu bytes "
                        "(got %s of %zu)", max, k ? "a key" : "NULL", kl);
    return 0;
}

RILL_API int rill_txn_put(rill_txn *t, const void *k, size_t kl,
                          const void *v, size_t vl)
{
    int rc = txn_enter(t);
    if (!rc)
        rc = check_key(t, k, kl);
    if (rc)
        return rc;
    if (!v && vl)
        return rill_err(RILL_EINVAL, "value is NULL with length %zu", vl);
    if (vl > RILL_RECORD_BYTES_MAX)
        return rill_err(RILL_ETOOBIG, "application values are at most %u "
                        "bytes", RILL_RECORD_BYTES_MAX);
    MDB_val key = {kl, (void *)k}, val = {vl, (void *)(v ? v : "")};
    rc = mdb_put(t->txn, t->r->env.db_app, &key, &val, 0);
    return rc ? doom(t, env_mdb_err(&t->r->env, rc, "writing an application "
                                    "value"))
              : 0;
}

RILL_API int rill_txn_get(rill_txn *t, const void *k, size_t kl,
                          const void **v, size_t *vl)
{
    if (!v || !vl)
        return rill_err(RILL_EINVAL, "v or vl is NULL");
    *v = NULL;
    *vl = 0;
    int rc = txn_enter(t);
    if (!rc)
        rc = check_key(t, k, kl);
    if (rc)
        return rc;
    MDB_val key = {kl, (void *)k}, val;
    rc = mdb_get(t->txn, t->r->env.db_app, &key, &val);
    if (rc == MDB_NOTFOUND)
        return rill_err(RILL_ENOTFOUND, "no application value under that "
                        "key");
    if (rc)
        return env_mdb_err(&t->r->env, rc, "reading an application value");
    *v = val.mv_data;
    *vl = val.mv_size;
    return 0;
}

RILL_API int rill_txn_del(rill_txn *t, const void *k, size_t kl)
{
    int rc = txn_enter(t);
    if (!rc)
        rc = check_key(t, k, kl);
    if (rc)
        return rc;
    MDB_val key = {kl, (void *)k};
    rc = mdb_del(t->txn, t->r->env.db_app, &key, NULL);
    if (rc == MDB_NOTFOUND)
        return rill_err(RILL_ENOTFOUND, "no application value under that "
                        "key");
    return rc ? doom(t, env_mdb_err(&t->r->env, rc, "deleting an "
                                    "application value"))
              : 0;
}

RILL_API int rill_app_get(void **v, size_t *vl, rill *r, const void *k,
                          size_t kl)
{
    MDB_txn *txn;
    if (!v || !vl)
        return rill_err(RILL_EINVAL, "v or vl is NULL");
    *v = NULL;
    *vl = 0;
    int rc = rill_enter(r);
    if (rc)
        return rc;
    size_t max = (size_t)mdb_env_get_maxkeysize(r->env.mdb);
    if (!k || kl == 0 || kl > max)
        return rill_err(RILL_EINVAL, "application keys are 1..%zu bytes",
                        max);
    if ((rc = env_read_begin(&r->env, &txn)))
        return rc;
    MDB_val key = {kl, (void *)k}, val;
    int mrc = mdb_get(txn, r->env.db_app, &key, &val);
    if (mrc == MDB_NOTFOUND)
        rc = rill_err(RILL_ENOTFOUND, "no application value under that key");
    else if (mrc)
        rc = env_mdb_err(&r->env, mrc, "reading an application value");
    else if (!(*v = malloc(val.mv_size ? val.mv_size : 1)))
        rc = rill_err(RILL_ENOMEM, "out of memory");
    else {
        memcpy(*v, val.mv_data, val.mv_size);
        *vl = val.mv_size;
    }
    env_read_end(&r->env, txn);
    return rc;
}
