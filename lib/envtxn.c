/*
 * envtxn.c -- transactions on the environment: the pool of read
 * transactions, write transactions under the writer lock, growing the map
 * when it fills (or adopting another process's larger map), and the small
 * reserve beyond map_size_max that lets a full log be emptied.
 */
#include "env.h"

#include <stdio.h>

#include "error.h"

static void reader_check_maybe(rill_env *e)
{
    int64_t now = rill_monotonic_ms();
    int64_t due = atomic_load(&e->next_reader_check_ms);
    if (now < due || !atomic_compare_exchange_strong(
                         &e->next_reader_check_ms, &due,
                         now + READER_CHECK_INTERVAL_MS))
        return;
    int dead = 0;
    mdb_reader_check(e->mdb, &dead);
    if (dead)
        env_log(e, RILL_LOG_INFO, "cleared %d stale reader slots", dead);
}

int env_read_begin(rill_env *e, MDB_txn **txn)
{
    int rc = env_check(e);
    if (rc)
        return rc;
    for (int attempt = 0;; attempt++) {
        MDB_txn *t = NULL;
        pthread_rwlock_rdlock(&e->gate);
        pthread_mutex_lock(&e->pool_lock);
        if (e->rtxn_count)
            t = e->rtxn_pool[--e->rtxn_count];
        pthread_mutex_unlock(&e->pool_lock);
        if (t) {
            rc = mdb_txn_renew(t);
            if (rc)
                mdb_txn_abort(t);
        } else {
            rc = mdb_txn_begin(e->mdb, NULL, MDB_RDONLY, &t);
        }
        if (rc == 0) {
            *txn = t;
            return 0;
        }
        pthread_rwlock_unlock(&e->gate);
        if (rc == MDB_READERS_FULL && attempt == 0) {
            int dead = 0;
            mdb_reader_check(e->mdb, &dead);
            continue;
        }
        if (rc == MDB_MAP_RESIZED && attempt < 8) {
            rc = env_grow(e, RILL__ERESIZED);
            if (rc)
                return rc;
            continue;
        }
        return env_mdb_err(e, rc, "beginning a read transaction");
    }
}

void env_read_end(rill_env *e, MDB_txn *txn)
{
    mdb_txn_reset(txn);
    pthread_mutex_lock(&e->pool_lock);
    if (e->rtxn_count < e->rtxn_pool_max) {
        e->rtxn_pool[e->rtxn_count++] = txn;
        txn = NULL;
    }
    pthread_mutex_unlock(&e->pool_lock);
    if (txn)
        mdb_txn_abort(txn);
    pthread_rwlock_unlock(&e->gate);
}

/* The environment whose user transaction (rill_txn) this thread holds,
 * by its serial number (a pointer could be reused by a later handle): it
 * holds LMDB's write lock, so another write from this thread would wait
 * for itself. */
static _Thread_local uint64_t user_txn_env;

void env_user_txn_set(const rill_env *e)
{
    user_txn_env = e ? e->serial : 0;
}

int env_user_txn_check(const rill_env *e)
{
    if (user_txn_env && user_txn_env == e->serial)
        return rill_err(RILL_ESTATE, "this thread has a transaction open on "
                        "'%s'; write through it (rill_txn_*) or end it first",
                        e->path);
    return 0;
}

int env_write_begin(rill_env *e, MDB_txn **txn)
{
    int rc = env_check(e);
    if (rc)
        return rc;
    if (e->read_only)
        return rill_err(RILL_EPERM, "'%s' was opened read-only", e->path);
    if ((rc = env_user_txn_check(e)))
        return rc;
    reader_check_maybe(e);
    for (int attempt = 0;; attempt++) {
        pthread_rwlock_rdlock(&e->gate);
        if ((rc = wlock_acquire(&e->writer))) {
            pthread_rwlock_unlock(&e->gate);
            return rc;
        }
        rc = mdb_txn_begin(e->mdb, NULL, 0, txn);
        if (rc == 0)
            return 0;
        wlock_release(&e->writer);
        pthread_rwlock_unlock(&e->gate);
        if (rc == MDB_MAP_RESIZED && attempt < 8) {
            rc = env_grow(e, RILL__ERESIZED);
            if (rc)
                return rc;
            continue;
        }
        return env_mdb_err(e, rc, "beginning a write transaction");
    }
}

int env_write_commit(rill_env *e, MDB_txn *txn)
{
    int rc = mdb_txn_commit(txn);
    wlock_release(&e->writer);
    pthread_rwlock_unlock(&e->gate);
    if (rc)
        return env_mdb_err(e, rc, "committing");
    if (e->sync_mode == RILL_SYNC_INTERVAL)
        atomic_store(&e->flush_dirty, true);
    return 0;
}

void env_write_abort(rill_env *e, MDB_txn *txn)
{
    mdb_txn_abort(txn);
    wlock_release(&e->writer);
    pthread_rwlock_unlock(&e->gate);
}

int env_grow(rill_env *e, int why)
{
    int rc = 0;
    pthread_rwlock_wrlock(&e->gate);
    MDB_envinfo info;
    mdb_env_info(e->mdb, &info);
    size_t cur = info.me_mapsize;
    if (why == RILL__ERESIZED) {
        /* Another process grew the map; adopt its size (from the meta),
         * though not beyond our maximum unless the data needs it (LMDB
         * rounds a smaller size up to what is in use). */
        rc = mdb_env_set_mapsize(e->mdb, 0);
        mdb_env_info(e->mdb, &info);
        if (!rc && info.me_mapsize > e->map_size_max)
            rc = mdb_env_set_mapsize(e->mdb, e->map_size_max);
        if (rc)
            rc = env_mdb_err(e, rc, "adopting the grown map");
    } else if (cur >= e->map_size_max) {
        rc = rill_err(RILL_EFULL, "the log is full: '%s' reached its "
                      "map_size_max of %zu bytes; nothing was written",
                      e->path, e->map_size_max);
    } else {
        size_t next = cur > e->map_size_max / 2 ? e->map_size_max : cur * 2;
        rc = mdb_env_set_mapsize(e->mdb, next);
        if (rc)
            rc = env_mdb_err(e, rc, "growing the map");
        else
            env_log(e, RILL_LOG_INFO, "grew the map of '%s' to %zu bytes",
                    e->path, next);
    }
    mdb_env_info(e->mdb, &info);
    e->map_size = info.me_mapsize;
    pthread_rwlock_unlock(&e->gate);
    return rc;
}

int env_reserve(rill_env *e)
{
    MDB_envinfo info;
    MDB_stat ms;
    if (mdb_env_info(e->mdb, &info) || mdb_env_stat(e->mdb, &ms))
        return 0;
    size_t used = (info.me_last_pgno + 1) * (size_t)ms.ms_psize;
    size_t margin = RILL_MAX(info.me_mapsize / 10, (size_t)16 << 20);
    if (used + margin <= info.me_mapsize || info.me_mapsize >= e->map_size_max)
        return 0;
    return env_grow(e, RILL__EMAPFULL);
}

/* Commits a tiny change (a counter in rill.meta). LMDB reuses the pages a
 * transaction freed only after a later one committed: at the map's limit,
 * after a deletion, this is what lets the next append find room. */
static int tick_txn(MDB_txn *txn, void *arg)
{
    rill_env *e = arg;
    MDB_val k = {4, "tick"}, v;
    uint8_t b[8] = {0};
    if (mdb_get(txn, e->db_meta, &k, &v) == 0 && v.mv_size == 8)
        put_be64(b, get_be64(v.mv_data) + 1);
    v.mv_size = sizeof b;
    v.mv_data = b;
    return env_mdb_err(e, mdb_put(txn, e->db_meta, &k, &v, 0), "ticking");
}

/* Sets this process's map size (LMDB rounds it up to what is in use). */
static void env_set_map(rill_env *e, size_t size)
{
    MDB_envinfo info;
    pthread_rwlock_wrlock(&e->gate);
    mdb_env_set_mapsize(e->mdb, size);
    mdb_env_info(e->mdb, &info);
    e->map_size = info.me_mapsize;
    pthread_rwlock_unlock(&e->gate);
}

static int write_loop(rill_env *e, int (*fn)(MDB_txn *txn, void *arg),
                      void *arg, bool may_tick);

/* Runs fn once more with a small reserve beyond map_size_max, then gives
 * the reserve back, so appends never keep it. */
static int write_in_reserve(rill_env *e, int (*fn)(MDB_txn *txn, void *arg),
                            void *arg, bool may_tick)
{
    size_t max = e->map_size_max;
    size_t reserve = RILL_MAX(max / 64, (size_t)1 << 20);
    env_set_map(e, max + reserve);
    e->map_size_max = max + reserve;
    int rc = write_loop(e, fn, arg, may_tick);
    e->map_size_max = max;
    env_set_map(e, max);
    return rc;
}

static int write_loop(rill_env *e, int (*fn)(MDB_txn *txn, void *arg),
                      void *arg, bool may_tick)
{
    for (;;) {
        MDB_txn *txn;
        int rc = env_write_begin(e, &txn);
        if (rc)
            return rc;
        rc = fn(txn, arg);
        if (rc == 0)
            rc = env_write_commit(e, txn);
        else
            env_write_abort(e, txn);
        if (rc != RILL__EMAPFULL && rc != RILL__ERESIZED)
            return rc;
        int grc = env_grow(e, rc);
        if (grc == RILL_EFULL && may_tick) {
            /* Full: once, let pages freed by the last commit be reused. */
            may_tick = false;
            if (write_in_reserve(e, tick_txn, e, false) == 0)
                continue;
            rill_err(RILL_EFULL, "the log is full: '%s' reached its "
                     "map_size_max of %zu bytes; nothing was written",
                     e->path, e->map_size_max);
        }
        if (grc)
            return grc;
    }
}

int env_write(rill_env *e, int (*fn)(MDB_txn *txn, void *arg), void *arg)
{
    return write_loop(e, fn, arg, true);
}

int env_write_reserved(rill_env *e, int (*fn)(MDB_txn *txn, void *arg),
                       void *arg)
{
    int rc = write_loop(e, fn, arg, true);
    if (rc != RILL_EFULL || e->map_size < e->map_size_max)
        return rc;
    /* Still full at the maximum: work that frees space may use the
     * reserve. */
    return write_in_reserve(e, fn, arg, true);
}

