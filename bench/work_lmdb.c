/*
 * work_lmdb.c -- the ceiling: plain LMDB doing the least that stores the
 * same records. One main database, 8-byte big-endian incrementing keys,
 * MDB_APPEND puts, batch records per write transaction; MDB_NOSYNC for
 * sync none, LMDB's default (fsync at commit) for sync always. Reading
 * is one cursor walk in one read transaction, zero-copy. With several
 * threads (the producers workload) each commits its own transaction of
 * one record: LMDB has no group commit.
 */
#define _GNU_SOURCE /* pthread_barrier_t */
#include "bench.h"

#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

/* A map comfortably larger than records of vsize bytes need (it is
 * virtual: the file grows as used). Not more, so that tools with a
 * smaller address space (valgrind) can run small counts. */
static size_t map_size(uint64_t records, size_t vsize)
{
    size_t per = vsize > 1024 ? (vsize + 16 + 4095) / 4096 * 4096 : vsize + 32;
    return (size_t)records * per * 2 + ((size_t)256 << 20);
}

static int fail(const char *what, int rc)
{
    fprintf(stderr, "rill-bench: lmdb: %s: %s\n", what, mdb_strerror(rc));
    return -1;
}

static void put_be64(uint8_t *b, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        b[i] = (uint8_t)v;
}

static int env_open(MDB_env **out, const char *dir, unsigned flags,
                    size_t map)
{
    MDB_env *env;
    int rc = mdb_env_create(&env);
    if (rc)
        return fail("mdb_env_create", rc);
    if ((rc = mdb_env_set_mapsize(env, map)) ||
        (rc = mdb_env_open(env, dir, flags | MDB_NOTLS, 0600))) {
        mdb_env_close(env);
        return fail("opening the environment", rc);
    }
    *out = env;
    return 0;
}

static int main_dbi(MDB_env *env, MDB_dbi *dbi)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(env, NULL, 0, &txn);
    if (rc)
        return fail("mdb_txn_begin", rc);
    if ((rc = mdb_dbi_open(txn, NULL, 0, dbi))) {
        mdb_txn_abort(txn);
        return fail("mdb_dbi_open", rc);
    }
    if ((rc = mdb_txn_commit(txn)))
        return fail("mdb_txn_commit", rc);
    return 0;
}

/* Appends count records starting at key first, n per transaction. */
static int append(MDB_env *env, MDB_dbi dbi, uint64_t first, size_t n,
                  size_t vsize)
{
    MDB_txn *txn;
    uint8_t kb[8];
    int rc = mdb_txn_begin(env, NULL, 0, &txn);
    if (rc)
        return fail("mdb_txn_begin", rc);
    for (size_t j = 0; j < n; j++) {
        put_be64(kb, first + j);
        MDB_val k = {sizeof kb, kb};
        MDB_val v = {vsize, (void *)bench_value(first + j, vsize)};
        if ((rc = mdb_put(txn, dbi, &k, &v, MDB_APPEND))) {
            mdb_txn_abort(txn);
            return fail("mdb_put", rc);
        }
    }
    if ((rc = mdb_txn_commit(txn)))
        return fail("mdb_txn_commit", rc);
    return 0;
}

static int check_entries(MDB_env *env, MDB_dbi dbi, uint64_t want)
{
    MDB_txn *txn;
    MDB_stat st;
    int rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return fail("mdb_txn_begin", rc);
    rc = mdb_stat(txn, dbi, &st);
    mdb_txn_abort(txn);
    if (rc)
        return fail("mdb_stat", rc);
    if (st.ms_entries != want) {
        fprintf(stderr, "rill-bench: lmdb: %zu entries stored, %llu "
                "written\n", st.ms_entries, (unsigned long long)want);
        return -1;
    }
    return 0;
}

static int lmdb_produce(const produce_params *p, const char *dir,
                        run_result *res)
{
    MDB_env *env;
    MDB_dbi dbi;
    lat_buf lat;
    unsigned flags = p->sync == BENCH_SYNC_NONE ? MDB_NOSYNC : 0;
    if (lat_init(&lat, (size_t)(p->max_records / p->batch + 1)))
        return -1;
    if (env_open(&env, dir, flags, map_size(p->max_records, p->value_size))) {
        lat_free(&lat);
        return -1;
    }
    int rc = main_dbi(env, &dbi);
    uint64_t n = 0;
    uint64_t t0 = now_ns(), prev = t0;
    uint64_t cap_ns = (uint64_t)(p->time_cap * 1e9);
    while (!rc && n < p->max_records) {
        size_t k = p->batch;
        if (k > p->max_records - n)
            k = (size_t)(p->max_records - n);
        rc = append(env, dbi, n, k, p->value_size);
        uint64_t t = now_ns();
        if (lat.n < lat.cap)
            lat.ns[lat.n++] = t - prev;
        prev = t;
        n += k;
        if (t - t0 >= cap_ns)
            break;
    }
    if (!rc)
        rc = check_entries(env, dbi, n);
    mdb_env_close(env);
    res->records = n;
    res->seconds = (double)(prev - t0) / 1e9;
    lat_percentiles(&lat, &res->p50_us, &res->p99_us);
    lat_free(&lat);
    return rc;
}

static int lmdb_consume_prepare(const consume_params *p, const char *dir)
{
    MDB_env *env;
    MDB_dbi dbi;
    if (env_open(&env, dir, MDB_NOSYNC, map_size(p->records, p->value_size)))
        return -1;
    int rc = main_dbi(env, &dbi);
    for (uint64_t n = 0; !rc && n < p->records; n += 1000) {
        size_t k = p->records - n < 1000 ? (size_t)(p->records - n) : 1000;
        rc = append(env, dbi, n, k, p->value_size);
    }
    if (!rc)
        rc = check_entries(env, dbi, p->records);
    if (!rc && (rc = mdb_env_sync(env, 1)))
        rc = fail("mdb_env_sync", rc);
    mdb_env_close(env);
    return rc;
}

static int lmdb_consume(const consume_params *p, const char *dir,
                        run_result *res, uint64_t *sum)
{
    MDB_env *env;
    MDB_dbi dbi;
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    uint64_t n = 0, s = 0;
    if (env_open(&env, dir, MDB_RDONLY, map_size(p->records, p->value_size)))
        return -1;
    uint64_t t0 = now_ns();
    int rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
    if (rc) {
        mdb_env_close(env);
        return fail("mdb_txn_begin", rc);
    }
    if ((rc = mdb_dbi_open(txn, NULL, 0, &dbi)) ||
        (rc = mdb_cursor_open(txn, dbi, &cur))) {
        mdb_txn_abort(txn);
        mdb_env_close(env);
        return fail("opening a cursor", rc);
    }
    uint64_t deadline = consume_deadline(p, t0);
    rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (rc == 0) {
        if (v.mv_size != p->value_size)
            break;
        s += ((const uint8_t *)v.mv_data)[0];
        n++;
        if ((n & 0xffff) == 0 && now_ns() >= deadline) {
            rc = MDB_NOTFOUND; /* stopped at the time cap */
            break;
        }
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    uint64_t t1 = now_ns();
    mdb_env_close(env);
    if (rc == 0) {
        fprintf(stderr, "rill-bench: lmdb: a value of %zu bytes, expected "
                "%zu\n", v.mv_size, p->value_size);
        return -1;
    }
    if (rc != MDB_NOTFOUND)
        return fail("mdb_cursor_get", rc);
    res->records = n;
    res->seconds = (double)(t1 - t0) / 1e9;
    *sum = s;
    return 0;
}

/* ---- threads, one record per transaction ---- */

typedef struct lmdb_writers {
    MDB_env *env;
    MDB_dbi dbi;
    size_t vsize;
    uint64_t next;    /* the next key; taken under LMDB's write lock */
    uint64_t stop_ns; /* the writers stop at this time */
    atomic_int failed;
    pthread_barrier_t start;
} lmdb_writers;

static void *lmdb_writer(void *arg)
{
    lmdb_writers *w = arg;
    pthread_barrier_wait(&w->start);
    while (!atomic_load(&w->failed) && now_ns() < w->stop_ns) {
        MDB_txn *txn;
        uint8_t kb[8];
        int rc = mdb_txn_begin(w->env, NULL, 0, &txn);
        if (rc) {
            atomic_store(&w->failed, fail("mdb_txn_begin", rc));
            break;
        }
        uint64_t i = w->next++;
        put_be64(kb, i);
        MDB_val k = {sizeof kb, kb};
        MDB_val v = {w->vsize, (void *)bench_value(i, w->vsize)};
        if ((rc = mdb_put(txn, w->dbi, &k, &v, MDB_APPEND))) {
            mdb_txn_abort(txn);
            atomic_store(&w->failed, fail("mdb_put", rc));
        } else if ((rc = mdb_txn_commit(txn))) {
            atomic_store(&w->failed, fail("mdb_txn_commit", rc));
        }
    }
    return NULL;
}

static int lmdb_parallel(const produce_params *p, const char *dir,
                         run_result *res)
{
    lmdb_writers w = {.vsize = p->value_size};
    pthread_t th[64];
    int n = p->threads, started = 0;
    if (p->procs > 1 || n < 1 || n > 64)
        return 0; /* threads of one process only */
    unsigned flags = p->sync == BENCH_SYNC_NONE ? MDB_NOSYNC : 0;
    if (env_open(&w.env, dir, flags, map_size(1000000, p->value_size)))
        return -1;
    int rc = main_dbi(w.env, &w.dbi);
    if (!rc && pthread_barrier_init(&w.start, NULL, (unsigned)n + 1))
        rc = -1;
    for (; !rc && started < n; started++)
        if (pthread_create(&th[started], NULL, lmdb_writer, &w))
            break;
    if (!rc && started < n) {
        fprintf(stderr, "rill-bench: lmdb: cannot start threads\n");
        exit(1); /* the started threads wait at the barrier forever */
    }
    uint64_t t0 = now_ns();
    w.stop_ns = t0 + (uint64_t)(p->time_cap * 1e9);
    if (!rc)
        pthread_barrier_wait(&w.start);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    uint64_t t1 = now_ns();
    if (!rc) {
        pthread_barrier_destroy(&w.start);
        rc = atomic_load(&w.failed);
    }
    if (!rc)
        rc = check_entries(w.env, w.dbi, w.next);
    mdb_env_close(w.env);
    res->records = res->commits = w.next;
    res->seconds = (double)(t1 - t0) / 1e9;
    return rc;
}

static void lmdb_version(char *buf, size_t cap)
{
    int major, minor, patch;
    mdb_version(&major, &minor, &patch);
    snprintf(buf, cap, "LMDB %d.%d.%d", major, minor, patch);
}

const bench_system bench_system_lmdb = {
    .name = "lmdb",
    .about = "plain LMDB: 8-byte big-endian keys, MDB_APPEND, one database",
    .ceiling = true,
    .setting = {"MDB_NOSYNC", "fsync at commit"},
    .setting_read = "one cursor walk",
    .version = lmdb_version,
    .produce_parallel = lmdb_parallel,
    .produce = lmdb_produce,
    .consume_prepare = lmdb_consume_prepare,
    .consume = lmdb_consume,
};
