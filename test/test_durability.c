/*
 * test_durability.c -- what an acknowledgement promises: a producer
 * process killed with SIGKILL at random moments, a hundred times, loses
 * nothing it was told was written, and writes nothing twice; group commit
 * under RILL_SYNC_ALWAYS gives every caller unique, dense offsets; the
 * interval mode works.
 */
#include "support.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

enum { KILLS = 100 };

typedef struct payload {
    uint32_t iter;
    uint32_t seq;
    uint8_t fill[32];
} payload;

typedef struct ack {
    uint32_t iter;
    uint32_t seq;
    int32_t partition;
    int32_t pad;
    int64_t offset;
} ack;

static void payload_make(payload *p, uint32_t iter, uint32_t seq)
{
    uint64_t s = (uint64_t)iter << 32 | seq;
    p->iter = iter;
    p->seq = seq;
    fill_random(p->fill, sizeof p->fill, &s);
}

typedef struct child_arg {
    const char *dir;
    uint32_t iter;
    int ack_fd;
} child_arg;

/* Produces until killed, acknowledging each record through the pipe. */
static int produce_until_killed(void *p)
{
    child_arg *a = p;
    rill *r = open_sync(a->dir, a->iter % 10 ? RILL_SYNC_NONE
                                             : RILL_SYNC_ALWAYS);
    for (uint32_t seq = 0;; seq++) {
        payload v;
        char key[16];
        payload_make(&v, a->iter, seq);
        snprintf(key, sizeof key, "k%u", seq % 7);
        rill_message m = {.topic = "t", .partition = RILL_PARTITION_ANY,
                          .key = key, .key_len = strlen(key),
                          .value = &v, .value_len = sizeof v};
        rill_position pos;
        if (rill_produce(r, &m, &pos))
            return 1;
        ack k = {a->iter, seq, pos.partition, 0, pos.offset};
        if (write(a->ack_fd, &k, sizeof k) != (ssize_t)sizeof k)
            return 2;
    }
}

typedef struct verify {
    uint8_t *count; /* per (iter, seq) */
    uint32_t max_seq;
    ack *acks;
    size_t nacks;
    size_t records;
} verify;

static void check_record(const rill_record *rec, void *arg)
{
    verify *v = arg;
    payload p, want;
    assert_int_equal(rec->value_len, sizeof p);
    memcpy(&p, rec->value, sizeof p);
    assert_true(p.iter < KILLS && p.seq < v->max_seq);
    payload_make(&want, p.iter, p.seq);
    assert_memory_equal(&p, &want, sizeof p); /* byte-exact */
    uint8_t *c = &v->count[(size_t)p.iter * v->max_seq + p.seq];
    assert_int_equal(*c, 0); /* never twice */
    *c = 1;
    v->records++;
}

static void killed_producers_lose_nothing_acknowledged(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 3);
    size_t cap = 1 << 20;
    verify v = {.max_seq = 1 << 16, .acks = malloc(cap * sizeof(ack))};
    uint64_t seed = 12345;
    uint32_t most = 0;
    for (uint32_t iter = 0; iter < KILLS; iter++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        child_arg a = {f->dir, iter, fds[1]};
        pid_t pid = spawn(produce_until_killed, &a);
        close(fds[1]);
        /* Wait for its first acknowledgement, then kill it at a random
         * moment in the next 0..15 ms: inside a transaction or not. */
        ack k;
        assert_int_equal(read(fds[0], &k, sizeof k), (ssize_t)sizeof k);
        v.acks[v.nacks++] = k;
        struct timespec ts = {0, (long)(next_random(&seed) % 15000) * 1000};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        assert_int_equal(wait_child(pid), 128 + SIGKILL);
        ssize_t got;
        while ((got = read(fds[0], &k, sizeof k)) == (ssize_t)sizeof k) {
            assert_true(v.nacks < cap);
            v.acks[v.nacks++] = k;
            most = k.seq > most ? k.seq : most;
        }
        close(fds[0]);
    }
    assert_true(most + 2 < v.max_seq);
    v.count = calloc((size_t)KILLS * v.max_seq, 1);
    for (int p = 0; p < 3; p++)
        read_partition(f->r, "t", p, 0, SIZE_MAX, check_record, &v);
    /* Every acknowledged record is there, where it was acknowledged. */
    for (size_t i = 0; i < v.nacks; i++) {
        const ack *k = &v.acks[i];
        assert_int_equal(v.count[(size_t)k->iter * v.max_seq + k->seq], 1);
    }
    printf("# %d kills, %zu acknowledged, %zu in the log\n", KILLS, v.nacks,
           v.records);
    assert_true(v.records >= v.nacks);
    assert_true(v.records <= v.nacks + KILLS); /* at most one unacked each */
    /* And at the offsets promised. */
    for (size_t i = 0; i < v.nacks; i += 97) {
        const ack *k = &v.acks[i];
        rill_consumer *c;
        ok(rill_consumer_new(&c, f->r, NULL));
        rill_topic_partition tp = {"t", k->partition, k->offset};
        ok(rill_assign(c, &tp, 1));
        const rill_record *recs;
        size_t n;
        ok(rill_poll(c, 0, &recs, &n));
        assert_true(n > 0);
        payload p;
        memcpy(&p, recs[0].value, sizeof p);
        assert_int_equal(p.iter, k->iter);
        assert_int_equal(p.seq, k->seq);
        ok(rill_consumer_close(c));
    }
    free(v.count);
    free(v.acks);
}

typedef struct thread_arg {
    rill *r;
    int id;
    rill_position *pos;
} thread_arg;

enum { THREADS = 8, PER_THREAD = 10000 };

static void *durable_producer(void *p)
{
    thread_arg *a = p;
    for (int i = 0; i < PER_THREAD; i++) {
        uint32_t v[2] = {(uint32_t)a->id, (uint32_t)i};
        rill_message m = {.topic = "g", .partition = i % 2, .value = v,
                          .value_len = sizeof v};
        if (rill_produce(a->r, &m, &a->pos[i]))
            return (void *)1;
    }
    return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void group_commit_gives_unique_dense_offsets(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    rill *r = open_sync(dir, RILL_SYNC_ALWAYS);
    topic_new(r, "g", 2);
    pthread_t th[THREADS];
    thread_arg args[THREADS];
    for (int t = 0; t < THREADS; t++) {
        args[t] = (thread_arg){r, t, calloc(PER_THREAD, sizeof(rill_position))};
        pthread_create(&th[t], NULL, durable_producer, &args[t]);
    }
    for (int t = 0; t < THREADS; t++) {
        void *ret;
        pthread_join(th[t], &ret);
        assert_null(ret);
    }
    for (int part = 0; part < 2; part++) {
        size_t n = 0;
        int64_t *offs = malloc(THREADS * PER_THREAD * sizeof *offs);
        for (int t = 0; t < THREADS; t++)
            for (int i = 0; i < PER_THREAD; i++)
                if (args[t].pos[i].partition == part)
                    offs[n++] = args[t].pos[i].offset;
        assert_int_equal(n, THREADS * PER_THREAD / 2);
        qsort(offs, n, sizeof *offs, cmp_i64);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(offs[i], (int64_t)i); /* unique and dense */
        free(offs);
    }
    for (int t = 0; t < THREADS; t++)
        free(args[t].pos);
    rill_close(r);
    tmpdir_remove(dir);
}

static void interval_mode_commits_and_syncs(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    rill_options o;
    rill *r;
    rill_options_init(&o);
    o.sync = RILL_SYNC_INTERVAL;
    o.sync_interval_ms = 10;
    ok(rill_open(&r, dir, &o));
    topic_new(r, "t", 1);
    for (int i = 0; i < 1000; i++) {
        rill_message m = {.topic = "t", .partition = 0, .value = "v",
                          .value_len = 1};
        ok(rill_produce(r, &m, NULL));
    }
    rill_close(r); /* stops the flusher, syncs */
    r = open_sync(dir, RILL_SYNC_NONE);
    assert_int_equal(read_partition(r, "t", 0, 0, 2000, NULL, NULL), 1000);
    rill_close(r);
    tmpdir_remove(dir);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        T(killed_producers_lose_nothing_acknowledged),
        cmocka_unit_test(group_commit_gives_unique_dense_offsets),
        cmocka_unit_test(interval_mode_commits_and_syncs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
