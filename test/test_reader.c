/*
 * test_reader.c -- reading partitions directly: rill_reader_read from any
 * offset with record and byte budgets, its errors at and beyond the
 * bounds, gaps left by compaction, and rill_wait_change woken by a commit
 * in another process.
 */
#include "support.h"

#include <unistd.h>

static void produce_n(rill *r, const char *topic, int32_t p, int n)
{
    for (int i = 0; i < n; i++) {
        char v[16];
        snprintf(v, sizeof v, "v%d", i);
        rill_message m = {.topic = topic, .partition = p, .key = v,
                          .key_len = strlen(v), .value = v,
                          .value_len = strlen(v)};
        ok(rill_produce(r, &m, NULL));
    }
}

static void reads_from_any_offset_within_budgets(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 2);
    produce_n(f->r, "t", 1, 50);
    rill_reader *rd;
    ok(rill_reader_new(&rd, f->r));
    const rill_record *recs;
    size_t n;
    int64_t next, end;
    ok(rill_reader_read(rd, "t", 1, 7, 10, 0, &recs, &n, &next, &end));
    assert_int_equal(n, 10);
    assert_int_equal(next, 17);
    assert_int_equal(end, 50);
    for (size_t i = 0; i < n; i++) {
        char v[16];
        snprintf(v, sizeof v, "v%zu", i + 7);
        assert_int_equal(recs[i].offset, (int64_t)(i + 7));
        assert_int_equal(recs[i].partition, 1);
        assert_string_equal(recs[i].topic, "t");
        assert_int_equal(recs[i].value_len, strlen(v));
        assert_memory_equal(recs[i].value, v, strlen(v));
    }
    /* A byte budget below one batch still reads that batch's records. */
    ok(rill_reader_read(rd, "t", 1, 49, 100, 1, &recs, &n, &next, NULL));
    assert_int_equal(n, 1);
    assert_int_equal(next, 50);
    /* At the end: nothing, and next stays. */
    ok(rill_reader_read(rd, "t", 1, 50, 100, 0, &recs, &n, &next, &end));
    assert_int_equal(n, 0);
    assert_int_equal(next, 50);
    ok(rill_reader_read(rd, "t", 0, 0, 100, 0, &recs, &n, &next, &end));
    assert_int_equal(n, 0);
    assert_int_equal(end, 0);
    /* Beyond the end, unknown topics and partitions, bad arguments. */
    fails(RILL_EOFFSET, rill_reader_read(rd, "t", 1, 51, 100, 0, &recs, &n,
                                         &next, &end));
    assert_non_null(strstr(rill_errmsg(), "[0, 50)"));
    fails(RILL_ENOTFOUND, rill_reader_read(rd, "nope", 0, 0, 100, 0, &recs,
                                           &n, &next, &end));
    fails(RILL_ENOTFOUND, rill_reader_read(rd, "t", 2, 0, 100, 0, &recs, &n,
                                           &next, &end));
    fails(RILL_EINVAL, rill_reader_read(rd, "t", 1, -1, 100, 0, &recs, &n,
                                        &next, &end));
    fails(RILL_EINVAL, rill_reader_read(rd, "t", 1, 0, 0, 0, &recs, &n,
                                        &next, &end));
    fails(RILL_EINVAL, rill_reader_read(rd, "b d", 1, 0, 1, 0, &recs, &n,
                                        &next, &end));
    fails(RILL_EINVAL, rill_reader_read(NULL, "t", 1, 0, 1, 0, &recs, &n,
                                        &next, &end));
    rill_reader_destroy(rd);
    rill_reader_destroy(NULL);
}

/* Compaction leaves gaps: a read that reaches past one says where to go
 * on, beyond the last record returned. */
static void next_offset_steps_over_compacted_gaps(void **state)
{
    fixture *f = *state;
    rill_topic_config c;
    rill_topic_config_init(&c);
    c.cleanup_policy = RILL_CLEANUP_COMPACT;
    ok(rill_topic_create(f->r, "kv", &c));
    const char *keys[] = {"a", "b", "a", "b", "c"};
    for (int i = 0; i < 5; i++) {
        rill_message m = {.topic = "kv", .partition = 0, .key = keys[i],
                          .key_len = 1, .value = "x", .value_len = 1};
        ok(rill_produce(f->r, &m, NULL));
    }
    ok(rill_maintain(NULL, f->r)); /* offsets 0 and 1 go */
    rill_reader *rd;
    ok(rill_reader_new(&rd, f->r));
    const rill_record *recs;
    size_t n;
    int64_t next;
    ok(rill_reader_read(rd, "kv", 0, 0, 1, 0, &recs, &n, &next, NULL));
    assert_int_equal(n, 1);
    assert_int_equal(recs[0].offset, 2);
    assert_int_equal(next, 3);
    ok(rill_reader_read(rd, "kv", 0, 0, 10, 0, &recs, &n, &next, NULL));
    assert_int_equal(n, 3);
    assert_int_equal(next, 5);
    rill_reader_destroy(rd);
}

typedef struct wait_arg {
    const char *dir;
    int ready[2];
} wait_arg;

/* Takes the counter, says so, and waits for the parent's commit. */
static int wait_for_commit(void *p)
{
    wait_arg *a = p;
    rill *r = open_sync(a->dir, RILL_SYNC_NONE);
    uint32_t seq = rill_change_seq(r);
    if (rill_wait_change(r, seq, 0) != RILL_ETIMEDOUT)
        return 1;
    if (write(a->ready[1], "r", 1) != 1)
        return 2;
    int rc = rill_wait_change(r, seq, 20000);
    rill_close(r);
    return rc == 0 ? 0 : 3;
}

static void wait_change_wakes_on_another_process_commit(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 1);
    wait_arg a = {f->dir, {-1, -1}};
    assert_int_equal(pipe(a.ready), 0);
    pid_t pid = spawn(wait_for_commit, &a);
    char b;
    assert_int_equal(read(a.ready[0], &b, 1), 1);
    produce_n(f->r, "t", 0, 1);
    assert_int_equal(wait_child(pid), 0);
    /* A commit already made is seen at once; bad arguments are refused. */
    uint32_t seq = rill_change_seq(f->r);
    produce_n(f->r, "t", 0, 1);
    ok(rill_wait_change(f->r, seq, -1));
    fails(RILL_EINVAL, rill_wait_change(f->r, seq, -5));
    fails(RILL_EINVAL, rill_wait_change(NULL, seq, 0));
    assert_int_equal(rill_change_seq(NULL), 0);
    close(a.ready[0]);
    close(a.ready[1]);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        T(reads_from_any_offset_within_budgets),
        T(next_offset_steps_over_compacted_gaps),
        T(wait_change_wakes_on_another_process_commit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
