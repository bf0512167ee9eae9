/*
 * test_eos.c -- exactly-once processing: the exactly_once example (a
 * consume-transform-produce stage) is run as real processes, killed with
 * SIGKILL at random moments and restarted, sometimes two at a time
 * sharing the group; at the end every input has exactly one output.
 */
#include "support.h"

#include <libgen.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

enum { ROUNDS = 16, PER_ROUND = 20000, ORDERS = ROUNDS * PER_ROUND };

static char stage_exe[4096];

static pid_t start_stage(const char *dir, const char *idle_ms)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        execl(stage_exe, stage_exe, dir, idle_ms, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void count_output(const rill_record *rec, void *arg)
{
    int *seen = arg;
    const char *v = rec->value;
    const char *id = memmem(v, rec->value_len, "\"id\":", 5);
    assert_non_null(id);
    int n = atoi(id + 5);
    assert_true(n >= 0 && n < ORDERS);
    seen[n]++;
}

/* Records in the output topic so far. */
static int64_t outputs(rill *r)
{
    int64_t total = 0;
    for (int p = 0; p < 3; p++) {
        int64_t first, next;
        ok(rill_watermarks(&first, &next, r, "orders-enriched", p));
        total += next;
    }
    return total;
}

/* Waits until the stages wrote past before (they are at work), then a
 * random few more milliseconds: the kill lands part-way through. */
static void await_busy(rill *r, int64_t before, uint64_t *seed)
{
    int64_t deadline = rill_now_ms(NULL) + 30000;
    while (outputs(r) <= before && rill_now_ms(NULL) < deadline)
        rill_wait_change(r, rill_change_seq(r), 100);
    struct timespec ts = {0, (long)(next_random(seed) % 10) * 1000000};
    nanosleep(&ts, NULL);
}

static void killed_stage_outputs_every_order_exactly_once(void **state)
{
    fixture *f = *state;
    assert_int_equal(access(stage_exe, X_OK), 0);
    topic_new(f->r, "orders", 3);
    topic_new(f->r, "orders-enriched", 3);
    uint64_t seed = 99;
    int killed_mid_work = 0;
    for (int round = 0; round < ROUNDS; round++) {
        /* Fresh input each round, so the stage is killed while busy. */
        for (int i = round * PER_ROUND; i < (round + 1) * PER_ROUND;) {
            static char key[100][32], val[100][32];
            rill_message m[100];
            for (int j = 0; j < 100; j++, i++) {
                snprintf(key[j], sizeof key[j], "order-%d", i);
                snprintf(val[j], sizeof val[j], "{\"id\":%d}", i);
                m[j] = (rill_message){.topic = "orders",
                                      .partition = RILL_PARTITION_ANY,
                                      .key = key[j], .key_len = strlen(key[j]),
                                      .value = val[j],
                                      .value_len = strlen(val[j])};
            }
            ok(rill_produce_batch(f->r, m, 100, NULL));
        }
        int64_t before = outputs(f->r);
        pid_t a = start_stage(f->dir, "10000");
        pid_t b = round % 2 ? start_stage(f->dir, "10000") : -1;
        await_busy(f->r, before, &seed);
        kill(a, SIGKILL);
        assert_int_equal(wait_child(a), 128 + SIGKILL);
        if (b > 0) {
            await_busy(f->r, outputs(f->r), &seed);
            kill(b, SIGKILL);
            assert_int_equal(wait_child(b), 128 + SIGKILL);
        }
        rill_group_info *g;
        if (rill_group_describe(&g, f->r, "enricher") == 0) {
            int64_t lag = 0;
            for (size_t i = 0; i < g->partition_count; i++)
                lag += g->partitions[i].lag;
            killed_mid_work += lag > 0 && lag < (round + 1) * PER_ROUND;
            rill_group_info_free(g);
        }
    }
    printf("# %d of %d rounds killed the stage part-way through\n",
           killed_mid_work, ROUNDS);
    assert_true(killed_mid_work > 0);
    /* One last instance finishes the work and exits when idle. */
    assert_int_equal(wait_child(start_stage(f->dir, "500")), 0);

    static int seen[ORDERS];
    memset(seen, 0, sizeof seen);
    size_t total = 0;
    for (int p = 0; p < 3; p++)
        total += read_partition(f->r, "orders-enriched", p, 0, SIZE_MAX,
                                count_output, seen);
    for (int i = 0; i < ORDERS; i++)
        if (seen[i] != 1)
            fail_msg("order %d has %d outputs", i, seen[i]);
    assert_int_equal(total, ORDERS);
    rill_group_info *g;
    ok(rill_group_describe(&g, f->r, "enricher"));
    for (size_t i = 0; i < g->partition_count; i++)
        assert_int_equal(g->partitions[i].lag, 0);
    rill_group_info_free(g);
}

int main(int argc, char **argv)
{
    (void)argc;
    char self[4096];
    snprintf(self, sizeof self, "%s", argv[0]);
    snprintf(stage_exe, sizeof stage_exe, "%s/../examples/exactly_once",
             dirname(self));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            killed_stage_outputs_every_order_exactly_once, fixture_setup,
            fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
