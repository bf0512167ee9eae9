/*
 * test_consume.c -- the consumer with manual assignment: positions,
 * seeks, offsets inside batches, out-of-range resets, pause, fairness,
 * blocking polls woken by another process, bad input.
 */
#include "support.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

/* Produces n records "v<i>" to topic/partition as batches of 10. */
static void produce_n(rill *r, const char *topic, int32_t p, int n)
{
    char vals[10][24];
    rill_message m[10];
    for (int i = 0; i < n; i += 10) {
        int k = n - i < 10 ? n - i : 10;
        for (int j = 0; j < k; j++) {
            snprintf(vals[j], sizeof vals[j], "v%d", i + j);
            m[j] = (rill_message){.topic = topic, .partition = p,
                                  .value = vals[j],
                                  .value_len = strlen(vals[j])};
        }
        ok(rill_produce_batch(r, m, (size_t)k, NULL));
    }
}

static rill_consumer *consumer(rill *r, int reset, unsigned max)
{
    rill_consumer_options o;
    rill_consumer *c;
    rill_consumer_options_init(&o);
    o.auto_offset_reset = reset;
    o.max_poll_records = max;
    ok(rill_consumer_new(&c, r, &o));
    return c;
}

static void check_value(const rill_record *rec, int i)
{
    char want[24];
    snprintf(want, sizeof want, "v%d", i);
    assert_int_equal(rec->value_len, strlen(want));
    assert_memory_equal(rec->value, want, rec->value_len);
    assert_int_equal(rec->offset, i);
}

static void poll_reads_from_inside_a_batch(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 1);
    produce_n(f->r, "t", 0, 100);
    rill_consumer *c = consumer(f->r, RILL_RESET_ERROR, 7);
    rill_topic_partition tp = {"t", 0, 33}; /* batches start at 30 and 40 */
    ok(rill_assign(c, &tp, 1));
    const rill_record *recs;
    size_t n;
    int next = 33;
    while (next < 100) {
        ok(rill_poll(c, 0, &recs, &n));
        assert_true(n > 0 && n <= 7);
        for (size_t i = 0; i < n; i++)
            check_value(&recs[i], next++);
    }
    ok(rill_poll(c, 0, &recs, &n));
    assert_int_equal(n, 0);
    ok(rill_position_get(c, &tp, 1));
    assert_int_equal(tp.offset, 100);
    ok(rill_consumer_close(c));
}

static void seek_beginning_end_and_offsets(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 2);
    produce_n(f->r, "t", 1, 50);
    rill_consumer *c = consumer(f->r, RILL_RESET_ERROR, 500);
    rill_topic_partition tp[2] = {{"t", 0, RILL_OFFSET_BEGINNING},
                                  {"t", 1, RILL_OFFSET_END}};
    ok(rill_assign(c, tp, 2));
    const rill_record *recs;
    size_t n;
    ok(rill_poll(c, 0, &recs, &n));
    assert_int_equal(n, 0);
    ok(rill_position_get(c, tp, 2));
    assert_int_equal(tp[0].offset, 0);
    assert_int_equal(tp[1].offset, 50);

    ok(rill_seek(c, "t", 1, 45));
    ok(rill_poll(c, 0, &recs, &n));
    assert_int_equal(n, 5);
    check_value(&recs[0], 45);
    assert_int_equal(recs[0].partition, 1);
    ok(rill_seek(c, "t", 1, RILL_OFFSET_BEGINNING));
    ok(rill_poll(c, 0, &recs, &n));
    assert_int_equal(n, 50);
    check_value(&recs[49], 49);

    fails(RILL_ENOTFOUND, rill_seek(c, "t", 2, 0));
    fails(RILL_ENOTFOUND, rill_seek(c, "other", 0, 0));
    fails(RILL_EINVAL, rill_seek(c, "t", 1, -7));
    fails(RILL_EINVAL, rill_seek(c, NULL, 1, 0));
    ok(rill_consumer_close(c));
}

static void out_of_range_follows_auto_offset_reset(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 1);
    produce_n(f->r, "t", 0, 20);
    const rill_record *recs;
    size_t n;
    rill_topic_partition tp = {"t", 0, 500};

    rill_consumer *c = consumer(f->r, RILL_RESET_ERROR, 500);
    ok(rill_assign(c, &tp, 1));
    fails(RILL_EOFFSET, rill_poll(c, 0, &recs, &n));
    assert_non_null(strstr(rill_errmsg(), "topic 't' partition 0"));
    ok(rill_seek(c, "t", 0, 19));
    ok(rill_poll(c, 0, &recs, &n));
    assert_int_equal(n, 1);
    ok(rill_consumer_close(c));

    c = consumer(f->r, RILL_RESET_EARLIEST, 500);
    ok(rill_assign(c, &tp, 1));
    ok(rill_poll(c, 0, &recs, &n));
    assert_int_equal(n, 20);
    check_value(&recs[0], 0);
    ok(rill_consumer_close(c));

    c = consumer(f->r, RILL_RESET_LATEST, 500);
    ok(rill_assign(c, &tp, 1));
    ok(rill_poll(c, 0, &recs, &n));
    assert_int_equal(n, 0);
    produce_n(f->r, "t", 0, 3);
    ok(rill_poll(c, 0, &recs, &n));
    assert_int_equal(n, 3);
    assert_int_equal(recs[0].offset, 20);
    ok(rill_consumer_close(c));

    /* STORED without a group means: per auto_offset_reset. */
    c = consumer(f->r, RILL_RESET_EARLIEST, 500);
    tp.offset = RILL_OFFSET_STORED;
    ok(rill_assign(c, &tp, 1));
    ok(rill_poll(c, 0, &recs, &n));
    assert_int_equal(n, 23);
    ok(rill_consumer_close(c));
}

static void partitions_take_turns_and_pause(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 3);
    for (int p = 0; p < 3; p++)
        produce_n(f->r, "t", p, 100);
    rill_consumer *c = consumer(f->r, RILL_RESET_ERROR, 10);
    rill_topic_partition tp[3] = {{"t", 0, 0}, {"t", 1, 0}, {"t", 2, 0}};
    ok(rill_assign(c, tp, 3));
    const rill_record *recs;
    size_t n;
    int seen[3] = {0};
    for (int i = 0; i < 3; i++) {
        ok(rill_poll(c, 0, &recs, &n));
        assert_int_equal(n, 10);
        seen[recs[0].partition]++;
    }
    assert_int_equal(seen[0] + seen[1] + seen[2], 3);
    assert_true(seen[0] == 1 && seen[1] == 1 && seen[2] == 1);

    ok(rill_pause(c, &tp[1], 1));
    for (int i = 0; i < 20; i++) {
        ok(rill_poll(c, 0, &recs, &n));
        for (size_t j = 0; j < n; j++)
            assert_int_not_equal(recs[j].partition, 1);
    }
    ok(rill_resume(c, &tp[1], 1));
    ok(rill_position_get(c, &tp[1], 1));
    assert_int_equal(tp[1].offset, 10); /* kept while paused */
    ok(rill_poll(c, 0, &recs, &n));
    assert_true(n > 0);
    assert_int_equal(recs[0].partition, 1);
    assert_int_equal(recs[0].offset, 10);
    rill_topic_partition other = {"x", 0, 0};
    fails(RILL_ENOTFOUND, rill_pause(c, &other, 1));
    ok(rill_consumer_close(c));
}

static void assign_validates_and_lists(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 2);
    rill_consumer *c = consumer(f->r, RILL_RESET_EARLIEST, 500);
    rill_topic_partition bad[] = {{"t", 5, 0}, {"nope", 0, 0}, {"t", -1, 0},
                                  {"t", 0, -55}, {"b d", 0, 0}};
    fails(RILL_ENOTFOUND, rill_assign(c, &bad[0], 1));
    fails(RILL_ENOTFOUND, rill_assign(c, &bad[1], 1));
    fails(RILL_EINVAL, rill_assign(c, &bad[2], 1));
    fails(RILL_EINVAL, rill_assign(c, &bad[3], 1));
    fails(RILL_EINVAL, rill_assign(c, &bad[4], 1));
    rill_topic_partition dup[2] = {{"t", 1, 0}, {"t", 1, 5}};
    fails(RILL_EINVAL, rill_assign(c, dup, 2));
    fails(RILL_EINVAL, rill_assign(c, NULL, 2));

    rill_topic_partition good[2] = {{"t", 1, 7}, {"t", 0, RILL_OFFSET_END}};
    ok(rill_assign(c, good, 2));
    rill_topic_partition *list;
    size_t n;
    ok(rill_assignment(&list, &n, c));
    assert_int_equal(n, 2);
    assert_string_equal(list[0].topic, "t");
    assert_int_equal(list[0].partition, 1);
    assert_int_equal(list[0].offset, 7);
    rill_tps_free(list, n);
    ok(rill_assign(c, NULL, 0));
    ok(rill_assignment(&list, &n, c));
    assert_int_equal(n, 0);
    ok(rill_consumer_close(c));
}

static void closed_consumer_says_so(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 1);
    rill_consumer *c = consumer(f->r, RILL_RESET_EARLIEST, 500);
    ok(rill_consumer_close(c));
    const rill_record *recs;
    size_t n;
    fails(RILL_ECLOSED, rill_poll(c, 0, &recs, &n));
    rill_topic_partition tp = {"t", 0, 0};
    fails(RILL_ECLOSED, rill_assign(c, &tp, 1));
    ok(rill_consumer_close(c)); /* twice is harmless */
    ok(rill_consumer_close(NULL));
    fails(RILL_EINVAL, rill_poll(NULL, 0, &recs, &n));
    c = consumer(f->r, RILL_RESET_EARLIEST, 500);
    fails(RILL_EINVAL, rill_poll(c, 0, NULL, &n));
    fails(RILL_EINVAL, rill_poll(c, -5, &recs, &n));
    ok(rill_consumer_close(c));
}

static void deleted_topic_is_reported(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 1);
    produce_n(f->r, "t", 0, 5);
    rill_consumer *c = consumer(f->r, RILL_RESET_EARLIEST, 500);
    rill_topic_partition tp = {"t", 0, 0};
    ok(rill_assign(c, &tp, 1));
    const rill_record *recs;
    size_t n;
    ok(rill_poll(c, 0, &recs, &n));
    assert_int_equal(n, 5);
    ok(rill_topic_delete(f->r, "t"));
    fails(RILL_ENOTFOUND, rill_poll(c, 0, &recs, &n));
    /* Recreated: the old position means nothing; reset applies. */
    topic_new(f->r, "t", 1);
    produce_n(f->r, "t", 0, 2);
    ok(rill_poll(c, 0, &recs, &n));
    assert_int_equal(n, 2);
    assert_int_equal(recs[0].offset, 0);
    ok(rill_consumer_close(c));
}

/* ---- blocking poll woken by another process ---- */

typedef struct wake_arg {
    const char *dir;
    int go_fd;   /* the child produces when a byte arrives */
    int go_wfd;  /* the parent's end, closed in the child */
} wake_arg;

static int produce_on_signal(void *p)
{
    wake_arg *a = p;
    char b;
    close(a->go_wfd); /* so a parent that fails ends this child too */
    rill *r = open_sync(a->dir, RILL_SYNC_NONE);
    if (read(a->go_fd, &b, 1) != 1)
        return 1;
    rill_message m = {.topic = "t", .partition = 0, .value = "wake",
                      .value_len = 4};
    int rc = rill_produce(r, &m, NULL);
    rill_close(r);
    return rc ? 2 : 0;
}

static void blocked_poll_wakes_on_another_process_commit(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 1);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    wake_arg a = {f->dir, fds[0], fds[1]};
    pid_t pid = spawn(produce_on_signal, &a);
    rill_consumer *c = consumer(f->r, RILL_RESET_EARLIEST, 500);
    rill_topic_partition tp = {"t", 0, 0};
    ok(rill_assign(c, &tp, 1));
    const rill_record *recs;
    size_t n;
    ok(rill_poll(c, 0, &recs, &n));
    assert_int_equal(n, 0);
    assert_int_equal(write(fds[1], "g", 1), 1);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ok(rill_poll(c, 10000, &recs, &n));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(n, 1);
    assert_memory_equal(recs[0].value, "wake", 4);
    double secs = (double)(t1.tv_sec - t0.tv_sec) +
                  (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    /* Well before the 10 s timeout: woken, not timed out. */
    assert_true(secs < 5.0);
    assert_int_equal(wait_child(pid), 0);
    close(fds[0]);
    close(fds[1]);
    /* With nothing to read, the timeout is honoured. */
    ok(rill_poll(c, 20, &recs, &n));
    assert_int_equal(n, 0);
    ok(rill_consumer_close(c));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        T(poll_reads_from_inside_a_batch),
        T(seek_beginning_end_and_offsets),
        T(out_of_range_follows_auto_offset_reset),
        T(partitions_take_turns_and_pause),
        T(assign_validates_and_lists),
        T(closed_consumer_says_so),
        T(deleted_topic_is_reported),
        T(blocked_poll_wakes_on_another_process_commit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
