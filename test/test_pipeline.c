/*
 * test_pipeline.c -- the order pipeline of examples/ as real processes:
 * order_service publishes orders while two hub_service instances and a
 * delivery_service consume; one hub_service is killed with SIGKILL
 * midway and another takes its place. At the end every order has
 * exactly one delivery, every route event the kill made hub_service
 * publish again was recognised as a redelivery, and both groups have
 * caught up.
 */
#include "support.h"

#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "../examples/order_events.h"

enum { ORDERS = 1200 };

static char examples[4096];

/* Runs an example program with args (NULL-terminated), its stdout
 * silenced. */
static pid_t start(const char *prog, const char *dir, const char *a1,
                   const char *a2, const char *a3, const char *a4)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", examples, prog);
    const char *argv[] = {path, dir, a1, a2, a3, a4, NULL};
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 1);
        execv(path, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

static int64_t published(rill *r, const char *topic)
{
    rill_topic_info *t;
    int64_t n = 0;
    ok(rill_topic_describe(&t, r, topic));
    for (size_t i = 0; i < t->partition_count; i++)
        n += t->partitions[i].next_offset;
    rill_topic_info_free(t);
    return n;
}

static int64_t lag(rill *r, const char *group)
{
    rill_group_info *g;
    int64_t sum = 0;
    if (rill_group_describe(&g, r, group))
        return -1;
    for (size_t i = 0; i < g->partition_count; i++)
        sum += g->partitions[i].lag;
    rill_group_info_free(g);
    return sum;
}

static void counters(rill *r, long long *deliveries, long long *redeliveries)
{
    void *v;
    size_t len;
    char buf[64];
    *deliveries = *redeliveries = 0;
    if (rill_app_get(&v, &len, r, DELIVERY_STATS_KEY,
                     strlen(DELIVERY_STATS_KEY)))
        return;
    snprintf(buf, sizeof buf, "%.*s", (int)len, (const char *)v);
    free(v);
    assert_int_equal(sscanf(buf, "deliveries=%lld redeliveries=%lld",
                            deliveries, redeliveries), 2);
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, ms % 1000 * 1000000};
    nanosleep(&ts, NULL);
}

static void count_route(const rill_record *rec, void *arg)
{
    int *seen = arg;
    route_event e;
    long long n;
    assert_int_equal(event_decode(rec->value, rec->value_len, route_fields,
                                  &e, sizeof e), 0);
    assert_int_equal(sscanf(e.order_id, "00000000-0000-4000-8000-%lld", &n),
                     1);
    assert_true(n >= 1 && n <= ORDERS);
    assert_memory_equal(rec->key, e.order_id, rec->key_len);
    assert_true(e.expected_minutes >= 30);
    seen[n - 1]++;
}

/* Every order has exactly one delivery, numbered 1..ORDERS once each. */
static void check_deliveries(rill *r)
{
    static bool numbered[ORDERS + 1];
    memset(numbered, 0, sizeof numbered);
    for (long long n = 1; n <= ORDERS; n++) {
        char id[37], key[128];
        void *v;
        size_t len;
        delivery d;
        order_id(id, n);
        snprintf(key, sizeof key, "%s%s", DELIVERY_KEY_PREFIX, id);
        ok(rill_app_get(&v, &len, r, key, strlen(key)));
        assert_int_equal(event_decode(v, len, delivery_fields, &d, sizeof d),
                         0);
        free(v);
        assert_string_equal(d.order_id, id);
        assert_true(d.number >= 1 && d.number <= ORDERS);
        assert_false(numbered[d.number]);
        numbered[d.number] = true;
        assert_non_null(strstr(d.hub_courier, "hub-courier-"));
    }
}

static void killed_hub_loses_nothing_and_delivers_once(void **state)
{
    fixture *f = *state;
    topic_new(f->r, ORDER_TOPIC, 6);
    topic_new(f->r, ROUTE_TOPIC, 6);
    pid_t deliverer = start("delivery_service", f->dir, NULL, NULL, NULL, NULL);
    pid_t hub1 = start("hub_service", f->dir, "--name", "hub-1",
                       "--commit-interval-ms", "500");
    pid_t hub2 = start("hub_service", f->dir, "--name", "hub-2",
                       "--commit-interval-ms", "500");
    pid_t orders = start("order_service", f->dir, "--orders", "1200",
                         "--rate", "1500");
    for (int i = 0; i < 3000 && published(f->r, ROUTE_TOPIC) < ORDERS / 4; i++)
        pause_ms(5);
    kill(hub1, SIGKILL);
    assert_int_equal(wait_child(hub1), 128 + SIGKILL);
    pid_t hub3 = start("hub_service", f->dir, "--name", "hub-3", NULL, NULL);
    assert_int_equal(wait_child(orders), 0);

    long long deliveries = 0, redeliveries = 0;
    for (int i = 0; i < 6000; i++) {
        counters(f->r, &deliveries, &redeliveries);
        if (deliveries == ORDERS && lag(f->r, HUB_GROUP) == 0 &&
            lag(f->r, DELIVERY_GROUP) == 0)
            break;
        pause_ms(10);
    }
    pid_t services[] = {hub2, hub3, deliverer};
    for (int i = 0; i < 3; i++)
        kill(services[i], SIGTERM);
    for (int i = 0; i < 3; i++)
        assert_int_equal(wait_child(services[i]), 0);

    counters(f->r, &deliveries, &redeliveries);
    int64_t routes = published(f->r, ROUTE_TOPIC);
    printf("# %d orders, %lld routes, %lld deliveries, %lld redeliveries\n",
           ORDERS, (long long)routes, deliveries, redeliveries);
    assert_int_equal(published(f->r, ORDER_TOPIC), ORDERS);
    assert_int_equal(deliveries, ORDERS);
    assert_int_equal(routes, ORDERS + redeliveries);
    assert_int_equal(lag(f->r, HUB_GROUP), 0);
    assert_int_equal(lag(f->r, DELIVERY_GROUP), 0);
    check_deliveries(f->r);

    static int seen[ORDERS];
    memset(seen, 0, sizeof seen);
    for (int32_t p = 0; p < 6; p++)
        read_partition(f->r, ROUTE_TOPIC, p, 0, SIZE_MAX, count_route, seen);
    for (int n = 0; n < ORDERS; n++)
        if (seen[n] < 1)
            fail_msg("order %d has no route event", n + 1);
}

int main(int argc, char **argv)
{
    (void)argc;
    char self[4096];
    snprintf(self, sizeof self, "%s", argv[0]);
    snprintf(examples, sizeof examples, "%s/../examples", dirname(self));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            killed_hub_loses_nothing_and_delivers_once, fixture_setup,
            fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
