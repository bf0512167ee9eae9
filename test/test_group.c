/*
 * test_group.c -- consumer groups within one process (several consumers
 * on one handle, an injected clock for session timeouts): assignment,
 * callbacks, fencing, committed offsets, restarts, fan-out, admin calls.
 * The multi-process behaviour is in test_group_procs.c.
 */
#include "support.h"

typedef struct events {
    int revoked, assigned, lost;
    size_t last_n;
    bool commit_in_revoke;
    int commit_rc;
} events;

static void on_rebalance(void *opaque, rill_consumer *c, int kind,
                         const rill_topic_partition *tps, size_t n)
{
    events *ev = opaque;
    (void)tps;
    ev->last_n = n;
    if (kind == RILL_REBALANCE_REVOKED) {
        ev->revoked += (int)n;
        if (ev->commit_in_revoke)
            ev->commit_rc = rill_commit(c);
    } else if (kind == RILL_REBALANCE_ASSIGNED) {
        ev->assigned += (int)n;
    } else {
        ev->lost += (int)n;
    }
}

static rill_consumer *member(rill *r, const char *group, const char *topic,
                             events *ev, int assignor)
{
    rill_consumer_options o;
    rill_consumer *c;
    rill_consumer_options_init(&o);
    o.group_id = group;
    o.client_id = "test";
    o.enable_auto_commit = 0;
    o.max_poll_interval_ms = 10000;
    o.assignor = assignor;
    o.on_rebalance = ev ? on_rebalance : NULL;
    o.opaque = ev;
    o.max_poll_records = 100000;
    ok(rill_consumer_new(&c, r, &o));
    ok(rill_subscribe(c, &topic, 1));
    return c;
}

static size_t owned(rill_consumer *c)
{
    rill_topic_partition *tps;
    size_t n;
    ok(rill_assignment(&tps, &n, c));
    rill_tps_free(tps, n);
    return n;
}

/* Polls each consumer (non-blocking) until the assignment is complete:
 * every partition owned by someone, the counts as expected. */
static size_t settle(rill_consumer **cs, size_t n, size_t partitions)
{
    size_t total = 0, records = 0;
    for (int round = 0; round < 50; round++) {
        total = 0;
        for (size_t i = 0; i < n; i++) {
            const rill_record *recs;
            size_t k;
            ok(rill_poll(cs[i], 0, &recs, &k));
            records += k;
        }
        for (size_t i = 0; i < n; i++)
            total += owned(cs[i]);
        if (total == partitions) {
            size_t lo = SIZE_MAX, hi = 0;
            for (size_t i = 0; i < n; i++) {
                size_t o = owned(cs[i]);
                lo = o < lo ? o : lo;
                hi = o > hi ? o : hi;
            }
            if (hi - lo <= 1)
                return records;
        }
    }
    fail_msg("group did not settle: %zu of %zu partitions owned", total,
             partitions);
    return records;
}

static void produce_keys(rill *r, const char *topic, int n)
{
    for (int i = 0; i < n; i++) {
        char key[32], val[32];
        snprintf(key, sizeof key, "k%d", i % 50);
        snprintf(val, sizeof val, "%d", i);
        rill_message m = {.topic = topic, .partition = RILL_PARTITION_ANY,
                          .key = key, .key_len = strlen(key),
                          .value = val, .value_len = strlen(val)};
        ok(rill_produce(r, &m, NULL));
    }
}

static void members_share_partitions_without_overlap(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "orders", 6);
    rill_consumer *cs[3];
    for (int i = 0; i < 3; i++)
        cs[i] = member(f->r, "g", "orders", NULL, RILL_ASSIGN_RANGE);
    settle(cs, 3, 6);
    for (int i = 0; i < 3; i++)
        assert_int_equal(owned(cs[i]), 2);
    rill_group_info *g;
    ok(rill_group_describe(&g, f->r, "g"));
    assert_string_equal(g->state, "Stable");
    assert_int_equal(g->member_count, 3);
    assert_int_equal(g->partition_count, 6);
    for (size_t i = 0; i < g->partition_count; i++)
        assert_non_null(g->partitions[i].owner);
    for (size_t i = 0; i < 3; i++) {
        assert_true(g->members[i].alive);
        assert_int_equal(g->members[i].assigned_count, 2);
    }
    uint32_t gen = g->generation;
    rill_group_info_free(g);
    /* One leaves: the other two take its partitions. */
    ok(rill_consumer_close(cs[2]));
    settle(cs, 2, 6);
    assert_int_equal(owned(cs[0]) + owned(cs[1]), 6);
    ok(rill_group_describe(&g, f->r, "g"));
    assert_true(g->generation > gen);
    assert_int_equal(g->member_count, 2);
    rill_group_info_free(g);
    ok(rill_consumer_close(cs[0]));
    ok(rill_consumer_close(cs[1]));
}

static void revoked_before_move_assigned_after(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 4);
    produce_keys(f->r, "t", 400);
    events ea = {.commit_in_revoke = true}, eb = {0};
    rill_consumer *a = member(f->r, "g", "t", &ea, RILL_ASSIGN_RANGE);
    size_t got = settle(&a, 1, 4);
    assert_int_equal(got, 400);
    assert_int_equal(ea.assigned, 4);

    rill_consumer *b = member(f->r, "g", "t", &eb, RILL_ASSIGN_RANGE);
    rill_consumer *both[2] = {a, b};
    size_t again = settle(both, 2, 4);
    /* a committed its positions inside the revoked callback, while it
     * still owned the partitions: so b starts there and reads nothing
     * again. */
    assert_int_equal(ea.revoked, 2);
    assert_int_equal(ea.commit_rc, 0);
    assert_int_equal(eb.assigned, 2);
    assert_int_equal(again, 0);
    ok(rill_consumer_close(a));
    ok(rill_consumer_close(b));
}

static void stalled_member_is_fenced_and_rejoins(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 6);
    produce_keys(f->r, "t", 60);
    events ea = {0}, eb = {0};
    rill_consumer *a = member(f->r, "g", "t", &ea, RILL_ASSIGN_STICKY);
    rill_consumer *b = member(f->r, "g", "t", &eb, RILL_ASSIGN_STICKY);
    rill_consumer *both[2] = {a, b};
    settle(both, 2, 6);
    assert_int_equal(owned(a), 3);

    /* a stops polling past its max_poll_interval_ms; b notices. */
    test_now_ms += 11000;
    settle(&b, 1, 6);
    assert_int_equal(owned(b), 6);
    rill_group_info *g;
    ok(rill_group_describe(&g, f->r, "g"));
    assert_int_equal(g->member_count, 1);
    rill_group_info_free(g);

    /* a's late commit is refused, and nothing of it lands. */
    fails(RILL_EFENCED, rill_commit_offsets(a, &(rill_topic_partition){"t", 0, 5}, 1));
    rill_topic_partition tp = {"t", 0, 0};
    ok(rill_committed(b, &tp, 1));
    assert_int_equal(tp.offset, RILL_OFFSET_INVALID);
    /* When a polls again it learns it lost them, and joins afresh. */
    settle(both, 2, 6);
    assert_int_equal(ea.lost, 3);
    assert_int_equal(owned(a), 3);
    ok(rill_consumer_close(a));
    ok(rill_consumer_close(b));
}

/* KIP-62: a live member whose handler takes a minute keeps its
 * partitions (its lock says it lives); only max_poll_interval_ms without a
 * poll removes it, whatever its session timeout. */
static void slow_handler_keeps_its_partitions(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 6);
    rill_consumer_options o;
    rill_consumer *a, *b;
    rill_consumer_options_init(&o);
    o.group_id = "g";
    o.session_timeout_ms = 10000;
    o.enable_auto_commit = 0;
    const char *t = "t";
    ok(rill_consumer_new(&a, f->r, &o));
    ok(rill_subscribe(a, &t, 1));
    ok(rill_consumer_new(&b, f->r, &o));
    ok(rill_subscribe(b, &t, 1));
    rill_consumer *both[2] = {a, b};
    settle(both, 2, 6);
    test_now_ms += 60000; /* a minute in a's handler */
    for (int i = 0; i < 5; i++) {
        const rill_record *recs;
        size_t n;
        ok(rill_poll(b, 0, &recs, &n));
    }
    assert_int_equal(owned(a), 3);
    assert_int_equal(owned(b), 3);
    rill_group_info *g;
    ok(rill_group_describe(&g, f->r, "g"));
    assert_int_equal(g->member_count, 2);
    assert_int_equal(g->members[0].max_poll_interval_ms, 300000);
    rill_group_info_free(g);
    test_now_ms += 300000; /* now past max_poll_interval_ms */
    settle(&b, 1, 6);
    assert_int_equal(owned(b), 6);
    ok(rill_consumer_close(a));
    ok(rill_consumer_close(b));
}

/* A newcomer asking for another assignor is refused, as Kafka's
 * INCONSISTENT_GROUP_PROTOCOL; once the group is empty, anyone decides. */
static void members_must_agree_on_the_assignor(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 2);
    rill_consumer *a = member(f->r, "g", "t", NULL, RILL_ASSIGN_RANGE);
    rill_consumer_options o;
    rill_consumer *b;
    rill_consumer_options_init(&o);
    o.group_id = "g";
    o.assignor = RILL_ASSIGN_STICKY;
    const char *t = "t";
    ok(rill_consumer_new(&b, f->r, &o));
    fails(RILL_EPROTOCOL, rill_subscribe(b, &t, 1));
    assert_non_null(strstr(rill_errmsg(), "uses the range assignor"));
    assert_string_equal(rill_strerror(RILL_EPROTOCOL),
                        "inconsistent group protocol");
    rill_group_info *g;
    ok(rill_group_describe(&g, f->r, "g"));
    assert_int_equal(g->member_count, 1);
    rill_group_info_free(g);
    ok(rill_consumer_close(a));
    ok(rill_subscribe(b, &t, 1)); /* the group is empty now */
    ok(rill_group_describe(&g, f->r, "g"));
    assert_int_equal(g->assignor, RILL_ASSIGN_STICKY);
    rill_group_info_free(g);
    ok(rill_consumer_close(b));
}

static void restart_resumes_from_committed_offsets(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 1);
    produce_keys(f->r, "t", 100);
    rill_consumer_options o;
    rill_consumer *c;
    rill_consumer_options_init(&o);
    o.group_id = "g";
    o.enable_auto_commit = 0;
    o.max_poll_records = 30;
    const char *topic = "t";
    ok(rill_consumer_new(&c, f->r, &o));
    ok(rill_subscribe(c, &topic, 1));
    const rill_record *recs;
    size_t n;
    do
        ok(rill_poll(c, 0, &recs, &n));
    while (n == 0);
    assert_int_equal(recs[0].offset, 0);
    ok(rill_commit(c));                 /* 30 committed */
    ok(rill_poll(c, 0, &recs, &n));     /* 30 more, not committed */
    assert_int_equal(recs[0].offset, 30);
    ok(rill_consumer_close(c));

    ok(rill_consumer_new(&c, f->r, &o));
    ok(rill_subscribe(c, &topic, 1));
    do
        ok(rill_poll(c, 0, &recs, &n));
    while (n == 0);
    assert_int_equal(recs[0].offset, 30); /* none skipped, none earlier */
    ok(rill_consumer_close(c));

    /* With auto-commit on, close commits what was handed out. */
    o.enable_auto_commit = 1;
    ok(rill_consumer_new(&c, f->r, &o));
    ok(rill_subscribe(c, &topic, 1));
    do
        ok(rill_poll(c, 0, &recs, &n));
    while (n == 0);
    assert_int_equal(recs[0].offset, 30);
    ok(rill_consumer_close(c));
    rill_topic_partition tp = {"t", 0, 0};
    rill_group_info *g;
    ok(rill_group_describe(&g, f->r, "g"));
    assert_int_equal(g->partitions[0].committed, 60);
    assert_int_equal(g->partitions[0].end_offset, 100);
    assert_int_equal(g->partitions[0].lag, 40);
    assert_null(g->partitions[0].owner);
    assert_string_equal(g->state, "Empty");
    rill_group_info_free(g);
    (void)tp;
}

static size_t drain(rill_consumer *c)
{
    size_t total = 0, n;
    const rill_record *recs;
    for (int idle = 0; idle < 3;) {
        ok(rill_poll(c, 0, &recs, &n));
        total += n;
        idle = n ? 0 : idle + 1;
    }
    return total;
}

static void two_groups_each_get_everything(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 3);
    produce_keys(f->r, "t", 300);
    rill_consumer *a = member(f->r, "group-a", "t", NULL, RILL_ASSIGN_RANGE);
    rill_consumer *b = member(f->r, "group-b", "t", NULL, RILL_ASSIGN_RANGE);
    assert_int_equal(drain(a), 300);
    assert_int_equal(drain(b), 300);
    char **names;
    size_t n;
    ok(rill_group_list(&names, &n, f->r));
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "group-a");
    assert_string_equal(names[1], "group-b");
    rill_names_free(names, n);
    ok(rill_consumer_close(a));
    ok(rill_consumer_close(b));
}

static void new_partitions_are_assigned(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 2);
    rill_consumer *cs[2];
    cs[0] = member(f->r, "g", "t", NULL, RILL_ASSIGN_RANGE);
    cs[1] = member(f->r, "g", "t", NULL, RILL_ASSIGN_RANGE);
    settle(cs, 2, 2);
    rill_topic_config c;
    rill_topic_info *info;
    ok(rill_topic_describe(&info, f->r, "t"));
    c = info->config;
    rill_topic_info_free(info);
    c.partitions = 6;
    ok(rill_topic_alter(f->r, "t", &c));
    test_now_ms += 1000; /* past the next check */
    settle(cs, 2, 6);
    assert_int_equal(owned(cs[0]), 3);
    ok(rill_consumer_close(cs[0]));
    ok(rill_consumer_close(cs[1]));
}

static void manual_commit_is_fenced_by_owner(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 2);
    rill_consumer *m = member(f->r, "g", "t", NULL, RILL_ASSIGN_RANGE);
    settle(&m, 1, 2);
    rill_consumer_options o;
    rill_consumer *by_hand;
    rill_consumer_options_init(&o);
    o.group_id = "g";
    ok(rill_consumer_new(&by_hand, f->r, &o));
    rill_topic_partition tp = {"t", 1, 7};
    ok(rill_assign(by_hand, &tp, 1));
    fails(RILL_EFENCED, rill_commit_offsets(by_hand, &tp, 1));
    ok(rill_consumer_close(m));
    ok(rill_commit_offsets(by_hand, &tp, 1)); /* nobody owns it now */
    tp.offset = 0;
    ok(rill_committed(by_hand, &tp, 1));
    assert_int_equal(tp.offset, 7);
    /* A consumer assigned by hand cannot subscribe too. */
    const char *t = "t";
    fails(RILL_EINVAL, rill_subscribe(by_hand, &t, 1));
    ok(rill_consumer_close(by_hand));
}

static void commit_for_a_missing_partition_is_refused(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 2);
    rill_consumer_options o;
    rill_consumer *c;
    rill_consumer_options_init(&o);
    o.group_id = "g";
    ok(rill_consumer_new(&c, f->r, &o));
    rill_topic_partition ghost = {"ghost-topic", 42, 1};
    fails(RILL_ENOTFOUND, rill_commit_offsets(c, &ghost, 1));
    rill_topic_partition beyond[2] = {{"t", 0, 0}, {"t", 2, 0}};
    fails(RILL_ENOTFOUND, rill_commit_offsets(c, beyond, 2));
    rill_group_info *g;
    fails(RILL_ENOTFOUND, rill_group_describe(&g, f->r, "g")); /* no junk */
    ok(rill_commit_offsets(c, beyond, 1));
    ok(rill_group_describe(&g, f->r, "g"));
    assert_int_equal(g->partition_count, 1);
    rill_group_info_free(g);
    rill_txn *t;
    ok(rill_txn_begin(&t, f->r));
    fails(RILL_ENOTFOUND, rill_txn_commit_offsets(t, c, &ghost, 1));
    ok(rill_txn_commit_offsets(t, c, beyond, 1)); /* the txn goes on */
    ok(rill_txn_commit(t));
    ok(rill_consumer_close(c));
}

static void reset_offsets_only_without_live_members(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 2);
    produce_keys(f->r, "t", 100);
    rill_consumer *c = member(f->r, "g", "t", NULL, RILL_ASSIGN_RANGE);
    drain(c);
    ok(rill_commit(c));
    fails(RILL_EBUSY, rill_group_reset_offsets(f->r, "g", "t",
                                                RILL_RESET_TO_EARLIEST, 0));
    fails(RILL_EBUSY, rill_group_delete(f->r, "g"));
    ok(rill_consumer_close(c));
    ok(rill_group_reset_offsets(f->r, "g", "t", RILL_RESET_TO_EARLIEST, 0));
    rill_group_info *g;
    ok(rill_group_describe(&g, f->r, "g"));
    assert_int_equal(g->partition_count, 2);
    assert_int_equal(g->partitions[0].committed, 0);
    assert_int_equal(g->partitions[0].lag, g->partitions[0].end_offset);
    rill_group_info_free(g);
    ok(rill_group_reset_offsets(f->r, "g", NULL, RILL_RESET_TO_OFFSET, 5));
    ok(rill_group_describe(&g, f->r, "g"));
    assert_int_equal(g->partitions[1].committed, 5);
    rill_group_info_free(g);
    ok(rill_group_reset_offsets(f->r, "g", "t", RILL_RESET_TO_LATEST, 0));
    ok(rill_group_describe(&g, f->r, "g"));
    assert_int_equal(g->partitions[0].lag, 0);
    rill_group_info_free(g);
    /* The next member starts at the end: nothing to read. */
    c = member(f->r, "g", "t", NULL, RILL_ASSIGN_RANGE);
    assert_int_equal(drain(c), 0);
    ok(rill_consumer_close(c));
    ok(rill_group_delete(f->r, "g"));
    fails(RILL_ENOTFOUND, rill_group_describe(&g, f->r, "g"));
    fails(RILL_EINVAL, rill_group_reset_offsets(f->r, "g", "t", 9, 0));
}

static void set_offsets_by_partition_all_or_nothing(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 3);
    produce_keys(f->r, "t", 90);
    rill_topic_partition tps[3] = {{"t", 0, 2}, {"t", 2, 1000000}, {"t", 1, 1}};
    ok(rill_group_set_offsets(f->r, "g", tps, 2));
    rill_group_info *g;
    ok(rill_group_describe(&g, f->r, "g"));
    assert_int_equal(g->partition_count, 2);
    assert_int_equal(g->partitions[0].committed, 2);
    /* Beyond the end is kept at the end, as Kafka's tool does. */
    assert_int_equal(g->partitions[1].committed, g->partitions[1].end_offset);
    rill_group_info_free(g);
    /* One bad entry and nothing is written. */
    rill_topic_partition bad[2] = {{"t", 1, 1}, {"t", 3, 0}};
    fails(RILL_ENOTFOUND, rill_group_set_offsets(f->r, "g", bad, 2));
    bad[1] = (rill_topic_partition){"ghost", 0, 0};
    fails(RILL_ENOTFOUND, rill_group_set_offsets(f->r, "g", bad, 2));
    bad[1] = (rill_topic_partition){"t", 0, -1};
    fails(RILL_EINVAL, rill_group_set_offsets(f->r, "g", bad, 2));
    ok(rill_group_describe(&g, f->r, "g"));
    assert_int_equal(g->partition_count, 2);
    rill_group_info_free(g);
    /* Refused while a member is alive. */
    rill_consumer *c = member(f->r, "g", "t", NULL, RILL_ASSIGN_RANGE);
    drain(c);
    fails(RILL_EBUSY, rill_group_set_offsets(f->r, "g", &tps[2], 1));
    ok(rill_consumer_close(c));
    ok(rill_group_set_offsets(f->r, "g", &tps[2], 1));
}

static void bad_group_calls_are_refused(void **state)
{
    fixture *f = *state;
    char **names;
    size_t count;
    ok(rill_group_list(&names, &count, f->r)); /* none yet */
    assert_int_equal(count, 0);
    rill_names_free(names, count);
    topic_new(f->r, "t", 1);
    rill_consumer *c;
    ok(rill_consumer_new(&c, f->r, NULL));
    const char *t = "t", *bad = "b d";
    fails(RILL_EINVAL, rill_subscribe(c, &t, 1)); /* no group_id */
    fails(RILL_EINVAL, rill_commit(c));
    ok(rill_consumer_close(c));
    rill_consumer_options o;
    rill_consumer_options_init(&o);
    o.group_id = "g";
    ok(rill_consumer_new(&c, f->r, &o));
    fails(RILL_EINVAL, rill_subscribe(c, &bad, 1));
    fails(RILL_EINVAL, rill_subscribe(c, NULL, 1));
    fails(RILL_EINVAL, rill_unsubscribe(c));
    ok(rill_subscribe(c, &t, 1));
    rill_topic_partition tp = {"t", 0, 0};
    fails(RILL_EINVAL, rill_assign(c, &tp, 1));
    ok(rill_unsubscribe(c));
    ok(rill_consumer_close(c));
    o.group_id = "";
    fails(RILL_EINVAL, rill_consumer_new(&c, f->r, &o));
    rill_group_info *g;
    fails(RILL_EINVAL, rill_group_describe(&g, f->r, NULL));
    fails(RILL_ENOTFOUND, rill_group_describe(&g, f->r, "nobody"));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup_clock, fixture_teardown)
    const struct CMUnitTest tests[] = {
        T(members_share_partitions_without_overlap),
        T(revoked_before_move_assigned_after),
        T(stalled_member_is_fenced_and_rejoins),
        T(slow_handler_keeps_its_partitions),
        T(members_must_agree_on_the_assignor),
        T(restart_resumes_from_committed_offsets),
        T(two_groups_each_get_everything),
        T(new_partitions_are_assigned),
        T(manual_commit_is_fenced_by_owner),
        T(commit_for_a_missing_partition_is_refused),
        T(reset_offsets_only_without_live_members),
        T(set_offsets_by_partition_all_or_nothing),
        T(bad_group_calls_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
