/*
 * test_extgroup.c -- groups run by another coordinator (the Kafka
 * gateway's): recorded members and state in describe, rill consumers kept
 * out while the coordinator lives, commits only by the coordinator, and
 * the group freed when the coordinator's process is killed.
 */
#include "support.h"

#include <signal.h>
#include <unistd.h>

static const rill_topic_partition own_a[] = {{"t", 0, 0}, {"t", 1, 0}};
static const rill_topic_partition own_b[] = {{"t", 2, 0}};

static int set_two(rill *r, const char *state, uint32_t gen)
{
    rill_group_external_member ms[2] = {
        {"kafka-b-2", "kcat", "/127.0.0.1", own_b, 1},
        {"kafka-a-1", "rdkafka", "/127.0.0.2", own_a, 2},
    };
    return rill_group_external_set(r, "kg", "consumer/range", state, gen, ms,
                                   2);
}

static void external_group_is_described_and_fenced(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 3);
    ok(set_two(f->r, "Stable", 7));
    rill_group_info *g;
    ok(rill_group_describe(&g, f->r, "kg"));
    assert_string_equal(g->state, "Stable");
    assert_string_equal(g->protocol, "consumer/range");
    assert_int_equal(g->generation, 7);
    assert_int_equal(g->member_count, 2);
    assert_string_equal(g->members[0].member_id, "kafka-a-1"); /* sorted */
    assert_string_equal(g->members[0].client_id, "rdkafka");
    assert_string_equal(g->members[0].host, "/127.0.0.2");
    assert_int_equal(g->members[0].alive, 1);
    assert_int_equal(g->members[0].assigned_count, 2);
    assert_int_equal(g->partition_count, 0); /* no subscription rows */
    rill_group_info_free(g);

    /* A rill consumer cannot join it. */
    rill_consumer_options o;
    rill_consumer *c;
    rill_consumer_options_init(&o);
    o.group_id = "kg";
    ok(rill_consumer_new(&c, f->r, &o));
    const char *t = "t";
    fails(RILL_EPROTOCOL, rill_subscribe(c, &t, 1));
    assert_non_null(strstr(rill_errmsg(), "Kafka clients"));
    /* Nor commit what its members own (by hand). */
    rill_topic_partition tp = {"t", 2, 1};
    fails(RILL_EFENCED, rill_commit_offsets(c, &tp, 1));
    ok(rill_consumer_close(c));

    /* The coordinator commits; the offsets are the group's. */
    for (int i = 0; i < 5; i++) {
        rill_message m = {.topic = "t", .partition = 2, .value = "v",
                          .value_len = 1};
        ok(rill_produce(f->r, &m, NULL));
    }
    rill_topic_partition commit = {"t", 2, 3};
    ok(rill_group_external_commit(f->r, "kg", &commit, 1));
    rill_topic_partition read[2] = {{"t", 2, 0}, {"t", 0, 0}};
    ok(rill_group_committed(f->r, "kg", read, 2));
    assert_int_equal(read[0].offset, 3);
    assert_int_equal(read[1].offset, RILL_OFFSET_INVALID);
    fails(RILL_EINVAL, rill_group_committed(f->r, "", read, 2));
    rill_topic_partition ghost = {"t", 9, 3};
    fails(RILL_ENOTFOUND, rill_group_external_commit(f->r, "kg", &ghost, 1));
    ok(rill_group_describe(&g, f->r, "kg"));
    assert_int_equal(g->partition_count, 1);
    assert_int_equal(g->partitions[0].committed, 3);
    assert_int_equal(g->partitions[0].lag, 2);
    assert_string_equal(g->partitions[0].owner, "kafka-b-2");
    rill_group_info_free(g);

    /* A new generation replaces the members; release frees the group but
     * keeps its offsets. */
    ok(rill_group_external_set(f->r, "kg", "consumer/range",
                               "PreparingRebalance", 8, NULL, 0));
    ok(rill_group_describe(&g, f->r, "kg"));
    assert_string_equal(g->state, "PreparingRebalance");
    assert_int_equal(g->member_count, 0);
    rill_group_info_free(g);
    ok(rill_group_external_release(f->r, "kg"));
    ok(rill_group_describe(&g, f->r, "kg"));
    assert_string_equal(g->protocol, "");
    assert_int_equal(g->partitions[0].committed, 3);
    rill_group_info_free(g);
    fails(RILL_EFENCED, rill_group_external_commit(f->r, "kg", &commit, 1));
    fails(RILL_EINVAL, rill_group_external_set(f->r, "", "p", "s", 1, NULL,
                                               0));
    rill_group_external_member dup[2] = {{"x", NULL, NULL, NULL, 0},
                                         {"x", NULL, NULL, NULL, 0}};
    fails(RILL_EINVAL, rill_group_external_set(f->r, "kg", "p", "s", 1, dup,
                                               2));
}

typedef struct coord_arg {
    const char *dir;
    int ready[2];
    int rc;
} coord_arg;

/* Holds "kg" as its coordinator and waits to be killed. */
static int coordinate(void *p)
{
    coord_arg *a = p;
    rill *r = open_sync(a->dir, RILL_SYNC_NONE);
    char rc = (char)set_two(r, "Stable", 3);
    if (write(a->ready[1], &rc, 1) != 1)
        return 2;
    for (;;)
        pause();
}

static void killed_coordinator_frees_the_group(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 3);
    coord_arg a = {f->dir, {-1, -1}, 0};
    assert_int_equal(pipe(a.ready), 0);
    pid_t pid = spawn(coordinate, &a);
    char rc;
    assert_int_equal(read(a.ready[0], &rc, 1), 1);
    assert_int_equal(rc, 0);
    rill_consumer_options o;
    rill_consumer *c;
    rill_consumer_options_init(&o);
    o.group_id = "kg";
    ok(rill_consumer_new(&c, f->r, &o));
    const char *t = "t";
    fails(RILL_EPROTOCOL, rill_subscribe(c, &t, 1));
    /* This process cannot take it over while the other one lives. */
    fails(RILL_EPROTOCOL, set_two(f->r, "Stable", 4));

    kill(pid, SIGKILL);
    assert_int_equal(wait_child(pid), 128 + SIGKILL);
    rill_group_info *g;
    ok(rill_group_describe(&g, f->r, "kg"));
    assert_string_equal(g->state, "Empty");
    assert_int_equal(g->members[0].alive, 0);
    rill_group_info_free(g);
    /* Free now: a rill consumer joins, in a later generation. */
    ok(rill_subscribe(c, &t, 1));
    ok(rill_group_describe(&g, f->r, "kg"));
    assert_string_equal(g->protocol, "");
    assert_true(g->generation > 3);
    rill_group_info_free(g);
    /* And a coordinator cannot take a group rill consumers use. */
    fails(RILL_EPROTOCOL, set_two(f->r, "Stable", 9));
    assert_non_null(strstr(rill_errmsg(), "rill consumers"));
    ok(rill_consumer_close(c));
    close(a.ready[0]);
    close(a.ready[1]);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        T(external_group_is_described_and_fenced),
        T(killed_coordinator_frees_the_group),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
