/*
 * test_producer.c -- the asynchronous producer: one delivery per message,
 * in order per partition, on the polling thread; flush waits; destroy
 * loses nothing; a full queue is reported; per-message errors.
 */
#include "support.h"

#include <pthread.h>

typedef struct tally {
    pthread_t thread;
    int delivered, failed;
    int64_t next_offset[4];
    int order_errors;
    int *seen; /* per message id: deliveries */
} tally;

static void on_delivery(void *opaque, int err, const rill_message *m,
                        const rill_position *pos)
{
    tally *t = opaque;
    uint32_t id;
    assert_true(pthread_equal(t->thread, pthread_self()));
    if (err) {
        assert_null(pos);
        assert_true(strlen(rill_errmsg()) > 0);
        t->failed++;
        return;
    }
    memcpy(&id, m->value, sizeof id);
    t->seen[id]++;
    if (pos->offset != t->next_offset[pos->partition])
        t->order_errors++;
    t->next_offset[pos->partition] = pos->offset + 1;
    t->delivered++;
}

static rill_message msg_for(uint32_t *id, int32_t partition)
{
    return (rill_message){.topic = "t", .partition = partition,
                          .value = id, .value_len = sizeof *id};
}

static void every_message_delivered_once_in_order(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 4);
    enum { N = 50000 };
    tally t = {.thread = pthread_self(), .seen = calloc(N, sizeof(int))};
    rill_producer *p;
    ok(rill_producer_new(&p, f->r, NULL));
    static uint32_t ids[N];
    for (uint32_t i = 0; i < N; i++) {
        ids[i] = i;
        rill_message m = msg_for(&ids[i], (int32_t)(i % 4));
        int rc;
        while ((rc = rill_producer_send(p, &m, on_delivery, &t)) ==
               RILL_EQUEUEFULL)
            rill_producer_poll(p, 10);
        ok(rc);
        if (i % 1000 == 0)
            assert_true(rill_producer_poll(p, 0) >= 0);
    }
    ok(rill_producer_flush(p, -1));
    assert_int_equal(rill_producer_outstanding(p), 0);
    assert_int_equal(t.delivered, N);
    assert_int_equal(t.order_errors, 0);
    for (int i = 0; i < N; i++)
        assert_int_equal(t.seen[i], 1);
    rill_producer_close(p);
    /* In the log, each partition in send order. */
    for (int part = 0; part < 4; part++) {
        int64_t first, next;
        ok(rill_watermarks(&first, &next, f->r, "t", part));
        assert_int_equal(next, N / 4);
    }
    free(t.seen);
}

static void destroy_loses_nothing(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 1);
    rill_producer_options o;
    rill_producer_options_init(&o);
    o.linger_ms = 1000; /* nothing would be written for a second */
    rill_producer *p;
    ok(rill_producer_new(&p, f->r, &o));
    static uint32_t ids[1000];
    tally t = {.thread = pthread_self(), .seen = calloc(1000, sizeof(int))};
    for (uint32_t i = 0; i < 1000; i++) {
        ids[i] = i;
        rill_message m = msg_for(&ids[i], 0);
        ok(rill_producer_send(p, &m, on_delivery, &t));
    }
    rill_producer_close(p); /* flushes: every callback served */
    assert_int_equal(t.delivered, 1000);
    int64_t first, next;
    ok(rill_watermarks(&first, &next, f->r, "t", 0));
    assert_int_equal(next, 1000);
    free(t.seen);
}

static void full_queue_is_reported_not_dropped(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 1);
    rill_producer_options o;
    rill_producer_options_init(&o);
    o.queue_max_messages = 100;
    rill_producer *p;
    ok(rill_producer_new(&p, f->r, &o));
    static uint32_t ids[200];
    tally t = {.thread = pthread_self(), .seen = calloc(200, sizeof(int))};
    int sent = 0;
    for (uint32_t i = 0; i < 200; i++) {
        ids[i] = i;
        rill_message m = msg_for(&ids[i], 0);
        int rc = rill_producer_send(p, &m, on_delivery, &t);
        if (rc == RILL_EQUEUEFULL)
            break;
        ok(rc);
        sent++;
    }
    /* Without polling, deliveries pile up and the queue stays full. */
    assert_int_equal(sent, 100);
    assert_non_null(strstr(rill_errmsg(), "queue_max_messages"));
    ok(rill_producer_flush(p, -1));
    assert_int_equal(t.delivered, 100);
    rill_message m = msg_for(&ids[100], 0);
    ok(rill_producer_send(p, &m, on_delivery, &t)); /* room again */
    rill_producer_close(p);
    assert_int_equal(t.delivered, 101);
    free(t.seen);
}

static void errors_are_per_message(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 1);
    rill_producer *p;
    ok(rill_producer_new(&p, f->r, NULL));
    tally t = {.thread = pthread_self(), .seen = calloc(10, sizeof(int))};
    static uint32_t ids[10];
    for (uint32_t i = 0; i < 10; i++) {
        ids[i] = i;
        rill_message m = msg_for(&ids[i], 0);
        if (i % 3 == 1)
            m.topic = "missing"; /* known only when written */
        ok(rill_producer_send(p, &m, on_delivery, &t));
    }
    rill_message bad = {.topic = "bad name", .partition = 0};
    fails(RILL_EINVAL, rill_producer_send(p, &bad, on_delivery, &t));
    fails(RILL_EINVAL, rill_producer_send(p, NULL, on_delivery, &t));
    ok(rill_producer_flush(p, 5000));
    assert_int_equal(t.failed, 3);
    assert_int_equal(t.delivered, 7);
    rill_producer_close(p);
    free(t.seen);
}

typedef struct sender_arg {
    rill_producer *p;
    int id;
    int n;
    int *errors;
} sender_arg;

static void count_delivery(void *opaque, int err, const rill_message *m,
                           const rill_position *pos)
{
    int *delivered = opaque;
    (void)m;
    (void)pos;
    if (!err)
        __atomic_add_fetch(delivered, 1, __ATOMIC_RELAXED);
}

static void *sender(void *p)
{
    sender_arg *a = p;
    static int delivered;
    for (int i = 0; i < a->n; i++) {
        uint64_t v = (uint64_t)a->id << 32 | (uint32_t)i;
        rill_message m = {.topic = "t", .partition = RILL_PARTITION_ANY,
                          .key = &v, .key_len = sizeof v,
                          .value = &v, .value_len = sizeof v};
        int rc;
        while ((rc = rill_producer_send(a->p, &m, count_delivery,
                                        &delivered)) == RILL_EQUEUEFULL)
            rill_producer_poll(a->p, 1);
        if (rc)
            __atomic_add_fetch(a->errors, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

static void many_threads_send_through_one_producer(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 3);
    rill_producer *p;
    ok(rill_producer_new(&p, f->r, NULL));
    pthread_t th[4];
    sender_arg a[4];
    int errors = 0;
    for (int i = 0; i < 4; i++) {
        a[i] = (sender_arg){p, i, 5000, &errors};
        pthread_create(&th[i], NULL, sender, &a[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    ok(rill_producer_flush(p, -1));
    assert_int_equal(errors, 0);
    rill_producer_close(p);
    int64_t total = 0;
    for (int part = 0; part < 3; part++) {
        int64_t first, next;
        ok(rill_watermarks(&first, &next, f->r, "t", part));
        total += next;
    }
    assert_int_equal(total, 20000);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        T(every_message_delivered_once_in_order),
        T(destroy_loses_nothing),
        T(full_queue_is_reported_not_dropped),
        T(errors_are_per_message),
        T(many_threads_send_through_one_producer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
