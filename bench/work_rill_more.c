/*
 * work_rill_more.c -- rill's runs beyond one thread producing and one
 * consumer reading: many producers (threads of one process sharing one
 * handle, or processes with a handle each), the asynchronous producer,
 * outbox transactions, and a topic with retention in its steady state.
 * Every run uses the topic "bench" of one partition.
 */
#define _GNU_SOURCE /* pthread_barrier_t */
#include "work_rill.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define TOPIC RILL_BENCH_TOPIC
#define MAX_THREADS 64

/* ---- many producers ---- */

/* What the writers share: in threads, a struct on the parent's stack; in
 * processes, a shared mapping made before the fork. */
typedef struct writers {
    rill *r;          /* threads: the shared handle */
    const char *dir;  /* processes: each opens it */
    const produce_params *p;
    _Atomic int go;
    _Atomic int failed;
    _Atomic uint64_t records;
    _Atomic uint64_t end_ns; /* the last writer's end */
    uint64_t stop_ns;
    pthread_barrier_t start;
} writers;

/* Single records until stop_ns; returns 0 or -1. */
static int write_until(writers *w, rill *r, uint64_t salt)
{
    rill_message m = {.topic = TOPIC, .partition = 0,
                      .value_len = w->p->value_size};
    uint64_t n = 0;
    int rc = 0;
    while (!atomic_load(&w->failed) && now_ns() < w->stop_ns) {
        m.value = bench_value(salt * 7919 + n, w->p->value_size);
        if ((rc = rill_produce(r, &m, NULL))) {
            atomic_store(&w->failed, 1);
            rc = rill_bench_fail("rill_produce", rc);
            break;
        }
        n++;
    }
    atomic_fetch_add(&w->records, n);
    uint64_t t = now_ns(), prev = atomic_load(&w->end_ns);
    while (t > prev && !atomic_compare_exchange_weak(&w->end_ns, &prev, t))
        ;
    return rc;
}

static void *writer_thread(void *arg)
{
    writers *w = ((writers **)arg)[0];
    uint64_t salt = (uint64_t)(uintptr_t)((void **)arg)[1];
    pthread_barrier_wait(&w->start);
    write_until(w, w->r, salt);
    return NULL;
}

static int parallel_threads(writers *w, int n)
{
    pthread_t th[MAX_THREADS];
    void *args[MAX_THREADS][2];
    int started = 0;
    if (pthread_barrier_init(&w->start, NULL, (unsigned)n + 1))
        return -1;
    for (; started < n; started++) {
        args[started][0] = w;
        args[started][1] = (void *)(uintptr_t)started;
        if (pthread_create(&th[started], NULL, writer_thread,
                           args[started]))
            break;
    }
    if (started < n) {
        fprintf(stderr, "rill-bench: cannot start %d threads\n", n);
        exit(1); /* the started ones wait at the barrier forever */
    }
    w->stop_ns = now_ns() + (uint64_t)(w->p->time_cap * 1e9);
    pthread_barrier_wait(&w->start);
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&w->start);
    return atomic_load(&w->failed) ? -1 : 0;
}

typedef struct proc_arg {
    writers *w;
    int index;
    int ready_fd;
} proc_arg;

static int writer_proc(void *arg)
{
    proc_arg *a = arg;
    writers *w = a->w;
    rill *r;
    if (rill_bench_open(&r, w->dir, w->p->sync, 1, false)) {
        atomic_store(&w->failed, 1);
        return -1;
    }
    int rc = latency_ready(a->ready_fd);
    while (!rc && !atomic_load(&w->go) && !atomic_load(&w->failed))
        sleep_until_ns(now_ns() + 100000);
    if (!rc)
        rc = write_until(w, r, (uint64_t)a->index);
    rill_close(r);
    return rc;
}

static int parallel_procs(writers *w, int n)
{
    proc_set ps = {0};
    int ready[2];
    int rc = -1;
    if (n > PROC_MAX || pipe_open(ready))
        return -1;
    for (int i = 0; i < n; i++) {
        proc_arg a = {w, i, ready[1]};
        if (proc_spawn(&ps, writer_proc, &a, &ready[0], 1) < 0)
            goto out;
    }
    fd_close(&ready[1]);
    for (int i = 0; i < n; i++) {
        char b;
        if (msg_read(ready[0], &b, 1, 60000) != 1) {
            fprintf(stderr, "rill-bench: a writer process did not start\n");
            goto out;
        }
    }
    w->stop_ns = now_ns() + (uint64_t)(w->p->time_cap * 1e9);
    atomic_store(&w->go, 1);
    rc = proc_wait_all(&ps, w->p->time_cap + 60);
out:
    proc_kill_all(&ps);
    pipe_close(ready);
    return rc;
}

int rill_bench_parallel(const produce_params *p, const char *dir,
                        run_result *res)
{
    rill *r;
    uint64_t batches = 0;
    bool procs = p->procs > 1;
    int n = procs ? p->procs : p->threads;
    if (n < 1 || n > MAX_THREADS) {
        fprintf(stderr, "rill-bench: 1 to %d writers\n", MAX_THREADS);
        return -1;
    }
    writers *w = shared_alloc(sizeof *w);
    if (!w)
        return -1;
    if (rill_bench_open(&r, dir, p->sync, 1, true)) {
        shared_free(w, sizeof *w);
        return -1;
    }
    if (procs)
        rill_close(r); /* each child opens the directory itself */
    w->r = r;
    w->dir = dir;
    w->p = p;
    int rc = procs ? parallel_procs(w, n) : parallel_threads(w, n);
    /* From the start signal to the last writer's end. */
    uint64_t t0 = w->stop_ns - (uint64_t)(p->time_cap * 1e9);
    uint64_t records = atomic_load(&w->records);
    if (procs && (rill_bench_open(&r, dir, p->sync, 1, false)))
        rc = -1, r = NULL;
    if (!rc)
        rc = rill_bench_check_next(r, records);
    if (!rc)
        rc = rill_bench_stored(r, NULL, &batches);
    res->records = records;
    res->commits = batches; /* one batch per commit for these records */
    res->seconds = (double)(atomic_load(&w->end_ns) - t0) / 1e9;
    rill_close(r);
    shared_free(w, sizeof *w);
    return rc;
}

/* ---- the asynchronous producer ---- */

typedef struct deliveries {
    uint64_t ok, failed;
} deliveries;

static void on_delivery(void *opaque, int err, const rill_message *m,
                        const rill_position *pos)
{
    deliveries *d = opaque;
    (void)m;
    (void)pos;
    if (err) {
        if (d->failed++ == 0)
            rill_bench_fail("a delivery", err);
    } else {
        d->ok++;
    }
}

/* Sends until max_records or the time cap; waits for room when the
 * queue is full. Returns the records sent, or UINT64_MAX on error. */
static uint64_t async_send(rill_producer *pr, const produce_params *p,
                           deliveries *d, uint64_t t0)
{
    rill_message m = {.topic = TOPIC, .partition = 0,
                      .value_len = p->value_size};
    uint64_t cap_ns = (uint64_t)(p->time_cap * 1e9), n = 0;
    while (n < p->max_records) {
        m.value = bench_value(n, p->value_size);
        int rc = rill_producer_send(pr, &m, on_delivery, d);
        if (rc == RILL_EQUEUEFULL) {
            rill_producer_poll(pr, 10);
            continue;
        }
        if (rc) {
            rill_bench_fail("rill_producer_send", rc);
            return UINT64_MAX;
        }
        n++;
        if ((n & 1023) == 0) {
            rill_producer_poll(pr, 0);
            if (now_ns() - t0 >= cap_ns)
                break;
        }
    }
    return n;
}

int rill_bench_async(const produce_params *p, const char *dir,
                     run_result *res)
{
    rill *r;
    rill_producer *pr;
    deliveries d = {0, 0};
    if (rill_bench_open(&r, dir, p->sync, 1, true))
        return -1;
    uint64_t t0 = now_ns();
    int rc = rill_producer_new(&pr, r, NULL);
    if (rc) {
        rill_close(r);
        return rill_bench_fail("rill_producer_new", rc);
    }
    uint64_t n = async_send(pr, p, &d, t0);
    if (n != UINT64_MAX && (rc = rill_producer_flush(pr, 60000)))
        rc = rill_bench_fail("rill_producer_flush", rc);
    uint64_t t1 = now_ns();
    rill_producer_close(pr);
    if (n == UINT64_MAX)
        rc = -1;
    if (!rc && (d.failed || d.ok != n)) {
        fprintf(stderr, "rill-bench: rill: %llu of %llu records delivered, "
                "%llu failed\n", (unsigned long long)d.ok,
                (unsigned long long)n, (unsigned long long)d.failed);
        rc = -1;
    }
    if (!rc)
        rc = rill_bench_check_next(r, n);
    rill_close(r);
    res->records = rc ? 0 : n;
    res->seconds = (double)(t1 - t0) / 1e9;
    return rc;
}

/* ---- outbox transactions ---- */

/* One transaction: the order under its key, its event on the topic. */
static int outbox_one(rill *r, rill_message *m, uint64_t i)
{
    rill_txn *t;
    char key[32];
    int kl = snprintf(key, sizeof key, "order-%012llu", (unsigned long long)i);
    int rc = rill_txn_begin(&t, r);
    if (rc)
        return rill_bench_fail("rill_txn_begin", rc);
    if ((rc = rill_txn_put(t, key, (size_t)kl, m->value, m->value_len))) {
        rill_txn_abort(t);
        return rill_bench_fail("rill_txn_put", rc);
    }
    if ((rc = rill_txn_produce(t, m, NULL))) {
        rill_txn_abort(t);
        return rill_bench_fail("rill_txn_produce", rc);
    }
    if ((rc = rill_txn_commit(t)))
        return rill_bench_fail("rill_txn_commit", rc);
    return 0;
}

int rill_bench_txn(const produce_params *p, const char *dir,
                   run_result *res)
{
    rill *r;
    lat_buf lat;
    if (lat_init(&lat, (size_t)p->max_records + 1))
        return -1;
    if (rill_bench_open(&r, dir, p->sync, 1, true)) {
        lat_free(&lat);
        return -1;
    }
    rill_message m = {.topic = TOPIC, .partition = 0,
                      .value_len = p->value_size};
    uint64_t n = 0, t0 = now_ns(), prev = t0;
    uint64_t cap_ns = (uint64_t)(p->time_cap * 1e9);
    int rc = 0;
    while (!rc && n < p->max_records) {
        m.value = bench_value(n, p->value_size);
        rc = outbox_one(r, &m, n);
        uint64_t t = now_ns();
        if (lat.n < lat.cap)
            lat.ns[lat.n++] = t - prev;
        prev = t;
        n += !rc;
        if (t - t0 >= cap_ns)
            break;
    }
    if (!rc)
        rc = rill_bench_check_next(r, n);
    rill_close(r);
    res->records = n;
    res->seconds = (double)(prev - t0) / 1e9;
    lat_percentiles(&lat, &res->p50_us, &res->p99_us);
    lat_free(&lat);
    return rc;
}

/* ---- the steady state under retention ---- */

static double file_bytes(const char *dir)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    return stat(path, &st) == 0 ? (double)st.st_size : 0;
}

/* Writes batches until the value bytes reach limit; the records, the
 * first value's number and the end time go through *n and *t. */
static int steady_tenth(rill *r, rill_message *msgs, const produce_params *p,
                        uint64_t limit, uint64_t *n)
{
    while (*n * p->value_size < limit) {
        for (size_t j = 0; j < p->batch; j++)
            msgs[j].value = bench_value(*n + j, p->value_size);
        int rc = rill_produce_batch(r, msgs, p->batch, NULL);
        if (rc)
            return rill_bench_fail("rill_produce_batch", rc);
        *n += p->batch;
    }
    return 0;
}

int rill_bench_steady(const produce_params *p, const char *dir,
                      run_result *res)
{
    rill *r;
    rill_topic_config tc;
    rill_topic_config_init(&tc);
    tc.retention_bytes = p->retention_bytes;
    rill_message *msgs = rill_bench_messages(p->batch, p->value_size);
    if (!msgs)
        return -1;
    if (rill_bench_open_topic(&r, dir, p->sync, &tc)) {
        free(msgs);
        return -1;
    }
    uint64_t n = 0, t0 = now_ns(), prev = t0, prev_n = 0;
    int rc = 0;
    for (int k = 0; !rc && k < TENTHS; k++) {
        uint64_t limit = p->total_bytes / TENTHS * (uint64_t)(k + 1);
        rc = steady_tenth(r, msgs, p, limit, &n);
        uint64_t t = now_ns();
        res->tenth_rate[k] = (double)(n - prev_n) / ((double)(t - prev) / 1e9);
        res->tenth_file[k] = file_bytes(dir);
        prev = t;
        prev_n = n;
    }
    int64_t first = 0, next = 0;
    if (!rc && (rc = rill_watermarks(&first, &next, r, TOPIC, 0)))
        rc = rill_bench_fail("rill_watermarks", rc);
    /* Retention must have engaged once the volume is well past it. */
    bool engaged = first > 0 ||
                   p->total_bytes <= 2 * (uint64_t)p->retention_bytes;
    if (!rc && (!engaged || next != (int64_t)n)) {
        fprintf(stderr, "rill-bench: rill: offsets %lld..%lld after %llu "
                "records under retention\n", (long long)first,
                (long long)next, (unsigned long long)n);
        rc = -1;
    }
    rill_close(r);
    free(msgs);
    res->records = n;
    res->seconds = (double)(prev - t0) / 1e9;
    return rc;
}
