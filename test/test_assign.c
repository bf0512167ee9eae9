/*
 * test_assign.c -- the assignors against the examples in Kafka's
 * documentation (RangeAssignor, RoundRobinAssignor, StickyAssignor).
 */
#include "support.h"

#include "assign.h"

/* Runs an assignor; subs[m][t] says member m subscribes to topic t. */
static void run(int assignor, assign_member *ms, size_t nm,
                bool subs[][4], const int32_t *pcounts, size_t nt)
{
    static const char *ids[] = {"C0", "C1", "C2", "C3"};
    for (size_t i = 0; i < nm; i++) {
        ms[i].id = ids[i];
        ms[i].subscribed = subs[i];
    }
    (void)nt;
    ok(assign_run(assignor, ms, nm, pcounts, nt));
}

/* Checks a member's assignment against "t0p0 t1p2 ..." */
static void expect(const assign_member *m, const char *want)
{
    char got[256] = "";
    for (size_t i = 0; i < m->nout; i++) {
        char one[16];
        snprintf(one, sizeof one, "%st%up%d", i ? " " : "", m->out[i].topic,
                 m->out[i].partition);
        strcat(got, one);
    }
    if (strcmp(got, want) != 0)
        fail_msg("%s got \"%s\", expected \"%s\"", m->id, got, want);
}

static void free_out(assign_member *ms, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(ms[i].out);
}

/* RangeAssignor javadoc: two consumers, two topics of three partitions. */
static void range_matches_kafka_example(void **state)
{
    (void)state;
    assign_member ms[2] = {0};
    bool subs[2][4] = {{1, 1}, {1, 1}};
    int32_t pc[2] = {3, 3};
    run(RILL_ASSIGN_RANGE, ms, 2, subs, pc, 2);
    expect(&ms[0], "t0p0 t0p1 t1p0 t1p1");
    expect(&ms[1], "t0p2 t1p2");
    free_out(ms, 2);
}

/* RoundRobinAssignor javadoc, same subscriptions. */
static void round_robin_matches_kafka_example(void **state)
{
    (void)state;
    assign_member ms[2] = {0};
    bool subs[2][4] = {{1, 1}, {1, 1}};
    int32_t pc[2] = {3, 3};
    run(RILL_ASSIGN_ROUND_ROBIN, ms, 2, subs, pc, 2);
    expect(&ms[0], "t0p0 t0p2 t1p1");
    expect(&ms[1], "t0p1 t1p0 t1p2");
    free_out(ms, 2);
}

/* RoundRobinAssignor javadoc, unequal subscriptions: C0 [t0], C1 [t0,
 * t1], C2 [t0, t1, t2], with 1, 2 and 3 partitions. */
static void round_robin_skips_unsubscribed_members(void **state)
{
    (void)state;
    assign_member ms[3] = {0};
    bool subs[3][4] = {{1, 0, 0}, {1, 1, 0}, {1, 1, 1}};
    int32_t pc[3] = {1, 2, 3};
    run(RILL_ASSIGN_ROUND_ROBIN, ms, 3, subs, pc, 3);
    expect(&ms[0], "t0p0");
    expect(&ms[1], "t1p0");
    expect(&ms[2], "t1p1 t2p0 t2p1 t2p2");
    free_out(ms, 3);
}

/* StickyAssignor javadoc: three consumers, four topics of two
 * partitions; then C1 leaves. */
static void sticky_matches_kafka_example(void **state)
{
    (void)state;
    assign_member ms[3] = {0};
    bool subs[3][4] = {{1, 1, 1, 1}, {1, 1, 1, 1}, {1, 1, 1, 1}};
    int32_t pc[4] = {2, 2, 2, 2};
    run(RILL_ASSIGN_STICKY, ms, 3, subs, pc, 4);
    expect(&ms[0], "t0p0 t1p1 t3p0");
    expect(&ms[1], "t0p1 t2p0 t3p1");
    expect(&ms[2], "t1p0 t2p1");

    /* C1 leaves: C0 and C2 keep theirs and share C1's. */
    assign_member after[2] = {0};
    bool subs2[2][4] = {{1, 1, 1, 1}, {1, 1, 1, 1}};
    after[0].prev = ms[0].out;
    after[0].nprev = ms[0].nout;
    after[1].prev = ms[2].out;
    after[1].nprev = ms[2].nout;
    after[0].id = "C0";
    after[1].id = "C2";
    after[0].subscribed = subs2[0];
    after[1].subscribed = subs2[1];
    ok(assign_run(RILL_ASSIGN_STICKY, after, 2, pc, 4));
    expect(&after[0], "t0p0 t1p1 t2p0 t3p0");
    expect(&after[1], "t0p1 t1p0 t2p1 t3p1");
    /* Range would have moved partitions C0 and C2 already had. */
    free_out(after, 2);
    free_out(ms, 3);
}

/* A member joining a sticky group takes only its share; nobody else's
 * partitions move between the others. */
static void sticky_moves_only_what_balance_needs(void **state)
{
    (void)state;
    assign_member ms[3] = {0}, more[4] = {0};
    bool subs[4][4] = {{1}, {1}, {1}, {1}};
    int32_t pc[1] = {12};
    run(RILL_ASSIGN_STICKY, ms, 3, subs, pc, 1);
    for (int i = 0; i < 3; i++) {
        more[i].prev = ms[i].out;
        more[i].nprev = ms[i].nout;
    }
    run(RILL_ASSIGN_STICKY, more, 4, subs, pc, 1);
    size_t moved = 0;
    for (int i = 0; i < 4; i++)
        assert_int_equal(more[i].nout, 3);
    for (int i = 0; i < 3; i++) /* each old member kept 3 of its 4 */
        for (size_t j = 0; j < more[i].nout; j++) {
            bool kept = false;
            for (size_t k = 0; k < ms[i].nout; k++)
                kept |= assign_tp_cmp(&more[i].out[j], &ms[i].out[k]) == 0;
            moved += !kept;
        }
    assert_int_equal(moved, 0);
    free_out(more, 4);
    free_out(ms, 3);
}

/* Every partition assigned exactly once, balanced within one, for many
 * shapes and every assignor. */
static void every_partition_exactly_once(void **state)
{
    (void)state;
    for (int a = RILL_ASSIGN_RANGE; a <= RILL_ASSIGN_STICKY; a++)
        for (size_t nm = 1; nm <= 4; nm++)
            for (int32_t parts = 0; parts <= 9; parts++) {
                assign_member ms[4] = {0};
                bool subs[4][4] = {{1}, {1}, {1}, {1}};
                int32_t pc[1] = {parts};
                run(a, ms, nm, subs, pc, 1);
                int count[10] = {0};
                size_t lo = SIZE_MAX, hi = 0;
                for (size_t i = 0; i < nm; i++) {
                    for (size_t j = 0; j < ms[i].nout; j++)
                        count[ms[i].out[j].partition]++;
                    lo = ms[i].nout < lo ? ms[i].nout : lo;
                    hi = ms[i].nout > hi ? ms[i].nout : hi;
                }
                for (int32_t p = 0; p < parts; p++)
                    assert_int_equal(count[p], 1);
                assert_true(hi - lo <= 1);
                free_out(ms, nm);
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(range_matches_kafka_example),
        cmocka_unit_test(round_robin_matches_kafka_example),
        cmocka_unit_test(round_robin_skips_unsubscribed_members),
        cmocka_unit_test(sticky_matches_kafka_example),
        cmocka_unit_test(sticky_moves_only_what_balance_needs),
        cmocka_unit_test(every_partition_exactly_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
