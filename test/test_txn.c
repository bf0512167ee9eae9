/*
 * test_txn.c -- user transactions (atomic across topics, offsets and the
 * application table, seen from another process; abort and kill -9 leave
 * no trace; fencing) and idempotent producing.
 */
#include "support.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

static const char *topics[3] = {"orders", "payments", "audit"};

static void make_topics(rill *r)
{
    for (int i = 0; i < 3; i++)
        topic_new(r, topics[i], 2);
    topic_new(r, "in", 1);
}

/* What another process sees: 0 = nothing of the txn, 1 = all of it,
 * anything else = a torn state. */
typedef struct view_arg {
    const char *dir;
} view_arg;

static int view_main(void *p)
{
    view_arg *a = p;
    rill *r = open_sync(a->dir, RILL_SYNC_NONE);
    int seen = 0, parts = 0;
    for (int i = 0; i < 3; i++)
        for (int part = 0; part < 2; part++) {
            int64_t first, next;
            if (rill_watermarks(&first, &next, r, topics[i], part))
                return 10;
            seen += (int)next;
            parts++;
        }
    int app = 0;
    for (int i = 0; i < 100; i++) {
        char k[32];
        void *v;
        size_t vl;
        snprintf(k, sizeof k, "order:%d", i);
        int rc = rill_app_get(&v, &vl, r, k, strlen(k));
        if (rc == 0) {
            app++;
            free(v);
        } else if (rc != RILL_ENOTFOUND)
            return 11;
    }
    rill_consumer_options o;
    rill_consumer *c;
    rill_consumer_options_init(&o);
    o.group_id = "stage";
    if (rill_consumer_new(&c, r, &o))
        return 12;
    rill_topic_partition tp = {"in", 0, 0};
    if (rill_committed(c, &tp, 1))
        return 13;
    int committed = tp.offset == 3;
    rill_consumer_close(c);
    rill_close(r);
    if (seen == 0 && app == 0 && !committed)
        return 0;
    if (seen == 30 && app == 100 && committed)
        return 1;
    return 20 + (seen > 0) + 2 * (app > 0) + 4 * committed;
}

static int view(const char *dir)
{
    view_arg a = {dir};
    return wait_child(spawn(view_main, &a));
}

/* Fills a transaction: 10 records per topic, 100 app puts, the offsets of
 * a consumer that read 3 records of "in". */
static void fill_txn(rill *r, rill_txn *t, rill_consumer *c)
{
    for (int i = 0; i < 30; i++) {
        char v[32];
        snprintf(v, sizeof v, "event-%d", i);
        rill_message m = {.topic = topics[i % 3], .partition = i % 2,
                          .value = v, .value_len = strlen(v)};
        ok(rill_txn_produce(t, &m, NULL));
    }
    for (int i = 0; i < 100; i++) {
        char k[32], v[32];
        snprintf(k, sizeof k, "order:%d", i);
        snprintf(v, sizeof v, "{\"id\":%d}", i);
        ok(rill_txn_put(t, k, strlen(k), v, strlen(v)));
    }
    ok(rill_txn_commit_consumer(t, c));
    (void)r;
}

static rill_consumer *stage_consumer(rill *r)
{
    rill_consumer_options o;
    rill_consumer *c;
    rill_consumer_options_init(&o);
    o.group_id = "stage";
    o.enable_auto_commit = 0;
    ok(rill_consumer_new(&c, r, &o));
    const char *in = "in";
    ok(rill_subscribe(c, &in, 1));
    const rill_record *recs;
    size_t n;
    do
        ok(rill_poll(c, 0, &recs, &n));
    while (n == 0);
    assert_int_equal(n, 3);
    return c;
}

static void txn_is_all_or_nothing_from_another_process(void **state)
{
    fixture *f = *state;
    make_topics(f->r);
    for (int i = 0; i < 3; i++) {
        rill_message m = {.topic = "in", .partition = 0, .value = "x",
                          .value_len = 1};
        ok(rill_produce(f->r, &m, NULL));
    }
    rill_consumer *c = stage_consumer(f->r);

    /* Aborted: no trace. */
    rill_txn *t;
    ok(rill_txn_begin(&t, f->r));
    fill_txn(f->r, t, c);
    rill_txn_abort(t);
    assert_int_equal(view(f->dir), 0);

    /* Committed: everything, at once. */
    ok(rill_txn_begin(&t, f->r));
    fill_txn(f->r, t, c);
    ok(rill_txn_commit(t));
    assert_int_equal(view(f->dir), 1);
    ok(rill_consumer_close(c));
}

typedef struct killer_arg {
    const char *dir;
    int ready_fd;
} killer_arg;

/* Fills a transaction, says so, and waits to be killed. */
static int fill_and_hang(void *p)
{
    killer_arg *a = p;
    rill *r = open_sync(a->dir, RILL_SYNC_NONE);
    rill_consumer *c = stage_consumer(r);
    rill_txn *t;
    if (rill_txn_begin(&t, r))
        return 1;
    fill_txn(r, t, c);
    if (write(a->ready_fd, "r", 1) != 1)
        return 2;
    for (;;)
        pause();
}

static void txn_killed_before_commit_leaves_nothing(void **state)
{
    fixture *f = *state;
    make_topics(f->r);
    for (int i = 0; i < 3; i++) {
        rill_message m = {.topic = "in", .partition = 0, .value = "x",
                          .value_len = 1};
        ok(rill_produce(f->r, &m, NULL));
    }
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    killer_arg a = {f->dir, fds[1]};
    pid_t pid = spawn(fill_and_hang, &a);
    char b;
    assert_int_equal(read(fds[0], &b, 1), 1);
    /* It holds the write lock, in the middle of its transaction. */
    kill(pid, SIGKILL);
    assert_int_equal(wait_child(pid), 128 + SIGKILL);
    assert_int_equal(view(f->dir), 0);
    /* The next writer proceeds at once (LMDB's lock is robust). */
    rill_message m = {.topic = "orders", .partition = 0, .value = "after",
                      .value_len = 5};
    rill_position pos;
    ok(rill_produce(f->r, &m, &pos));
    assert_int_equal(pos.offset, 0);
    close(fds[0]);
    close(fds[1]);
}

static void fenced_consumer_fails_the_whole_txn(void **state)
{
    fixture *f = *state;
    make_topics(f->r);
    for (int i = 0; i < 3; i++) {
        rill_message m = {.topic = "in", .partition = 0, .value = "x",
                          .value_len = 1};
        ok(rill_produce(f->r, &m, NULL));
    }
    rill_consumer *c = stage_consumer(f->r);
    /* Another consumer of the group, assigned by hand, cannot commit a
     * partition a live member owns... */
    rill_consumer_options o;
    rill_consumer *by_hand;
    rill_consumer_options_init(&o);
    o.group_id = "stage";
    ok(rill_consumer_new(&by_hand, f->r, &o));
    rill_topic_partition tp = {"in", 0, 0};
    ok(rill_assign(by_hand, &tp, 1));
    const rill_record *recs;
    size_t n;
    ok(rill_poll(by_hand, 0, &recs, &n));
    rill_txn *t;
    ok(rill_txn_begin(&t, f->r));
    rill_message m = {.topic = "orders", .partition = 0, .value = "v",
                      .value_len = 1};
    ok(rill_txn_produce(t, &m, NULL));
    ok(rill_txn_put(t, "k", 1, "v", 1));
    fails(RILL_EFENCED, rill_txn_commit_consumer(t, by_hand));
    /* ...and the transaction is doomed: nothing of it is written. */
    fails(RILL_EFENCED, rill_txn_put(t, "k2", 1, "v", 1));
    fails(RILL_EFENCED, rill_txn_commit(t));
    int64_t first, next;
    ok(rill_watermarks(&first, &next, f->r, "orders", 0));
    assert_int_equal(next, 0);
    void *v;
    size_t vl;
    fails(RILL_ENOTFOUND, rill_app_get(&v, &vl, f->r, "k", 1));
    /* Its final auto-commit at close is fenced as well. */
    fails(RILL_EFENCED, rill_consumer_close(by_hand));
    ok(rill_consumer_close(c));
}

static void *produce_from_other_thread(void *p)
{
    rill *r = p;
    rill_message m = {.topic = "orders", .partition = 1, .value = "w",
                      .value_len = 1};
    return (void *)(intptr_t)rill_produce(r, &m, NULL);
}

static void txn_table_and_thread_rules(void **state)
{
    fixture *f = *state;
    make_topics(f->r);
    rill_txn *t, *t2;
    ok(rill_txn_begin(&t, f->r));
    const void *v;
    size_t vl;
    fails(RILL_ENOTFOUND, rill_txn_get(t, "a", 1, &v, &vl));
    ok(rill_txn_put(t, "a", 1, "one", 3));
    ok(rill_txn_get(t, "a", 1, &v, &vl)); /* sees its own writes */
    assert_int_equal(vl, 3);
    assert_memory_equal(v, "one", 3);
    ok(rill_txn_put(t, "empty", 5, NULL, 0));
    ok(rill_txn_del(t, "a", 1));
    fails(RILL_ENOTFOUND, rill_txn_del(t, "a", 1));
    fails(RILL_EINVAL, rill_txn_put(t, NULL, 0, "x", 1));
    char big[600];
    memset(big, 'k', sizeof big);
    fails(RILL_EINVAL, rill_txn_put(t, big, sizeof big, "x", 1));
    /* Input errors do not doom the transaction. */
    rill_message bad = {.topic = "nope", .partition = 0};
    fails(RILL_ENOTFOUND, rill_txn_produce(t, &bad, NULL));
    /* This thread cannot write around its own transaction. */
    rill_message m = {.topic = "orders", .partition = 0, .value = "x",
                      .value_len = 1};
    fails(RILL_ESTATE, rill_produce(f->r, &m, NULL));
    fails(RILL_ESTATE, rill_topic_create(f->r, "new", NULL));
    fails(RILL_ESTATE, rill_txn_begin(&t2, f->r));
    /* Another thread waits for the lock and then proceeds. */
    pthread_t th;
    pthread_create(&th, NULL, produce_from_other_thread, f->r);
    rill_position pos;
    ok(rill_txn_produce(t, &m, &pos));
    assert_int_equal(pos.offset, 0);
    ok(rill_txn_commit(t));
    void *ret;
    pthread_join(th, &ret);
    assert_int_equal((intptr_t)ret, 0);
    void *got;
    ok(rill_app_get(&got, &vl, f->r, "empty", 5));
    assert_int_equal(vl, 0);
    free(got);
    fails(RILL_ENOTFOUND, rill_app_get(&got, &vl, f->r, "a", 1));
    ok(rill_produce(f->r, &m, &pos)); /* the thread is free again */
    assert_int_equal(pos.offset, 1);
    rill_txn_abort(NULL);
    fails(RILL_EINVAL, rill_txn_begin(NULL, f->r));
}

/* ---- idempotent producing ---- */

static bool same_positions(const rill_position *a, const rill_position *b,
                           size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i].partition != b[i].partition || a[i].offset != b[i].offset ||
            a[i].timestamp_ms != b[i].timestamp_ms)
            return false;
    return true;
}

typedef struct idem_arg {
    const char *dir;
    rill_position pos[5];
} idem_arg;

static int resend_after_restart(void *p)
{
    idem_arg *a = p;
    rill *r = open_sync(a->dir, RILL_SYNC_NONE);
    rill_message m[5];
    rill_position pos[5];
    for (int i = 0; i < 5; i++)
        m[i] = (rill_message){.topic = "orders",
                              .partition = RILL_PARTITION_ANY,
                              .key = "k", .key_len = 1,
                              .value = "again", .value_len = 5};
    if (rill_produce_idempotent(r, "order-service", 41, m, 5, pos))
        return 1;
    rill_close(r);
    return same_positions(pos, a->pos, 5) ? 0 : 2;
}

static void resends_get_the_original_offsets(void **state)
{
    fixture *f = *state;
    make_topics(f->r);
    rill_message m[5];
    rill_position pos[5], again[5];
    for (int i = 0; i < 5; i++)
        m[i] = (rill_message){.topic = "orders",
                              .partition = RILL_PARTITION_ANY,
                              .key = "k", .key_len = 1,
                              .value = "first", .value_len = 5};
    ok(rill_produce_idempotent(f->r, "order-service", 40, m, 5, NULL));
    ok(rill_produce_idempotent(f->r, "order-service", 41, m, 5, pos));
    int64_t first, next, next_before;
    ok(rill_watermarks(&first, &next_before, f->r, "orders", pos[0].partition));
    assert_int_equal(next_before, 10);
    /* A resend, from this process and from a restarted one. */
    ok(rill_produce_idempotent(f->r, "order-service", 41, m, 5, again));
    assert_true(same_positions(again, pos, 5));
    idem_arg a = {f->dir, {{0}}};
    memcpy(a.pos, pos, sizeof pos);
    assert_int_equal(wait_child(spawn(resend_after_restart, &a)), 0);
    ok(rill_watermarks(&first, &next, f->r, "orders", pos[0].partition));
    assert_int_equal(next, next_before); /* nothing new written */

    /* Another producer id has its own sequence. */
    ok(rill_produce_idempotent(f->r, "billing", 1, m, 1, NULL));
    /* Gaps are fine; a call of another size under a used sequence, or
     * one older than the window, is refused. */
    for (uint64_t s = 50; s < 60; s++)
        ok(rill_produce_idempotent(f->r, "order-service", s, m, 1, NULL));
    fails(RILL_ESEQUENCE,
          rill_produce_idempotent(f->r, "order-service", 59, m, 2, NULL));
    fails(RILL_ESEQUENCE,
          rill_produce_idempotent(f->r, "order-service", 41, m, 5, NULL));
    fails(RILL_EINVAL, rill_produce_idempotent(f->r, "", 1, m, 1, NULL));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        T(txn_is_all_or_nothing_from_another_process),
        T(txn_killed_before_commit_leaves_nothing),
        T(fenced_consumer_fails_the_whole_txn),
        T(txn_table_and_thread_rules),
        T(resends_get_the_original_offsets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
