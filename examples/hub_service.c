/*
 * hub_service.c -- the second service of the order pipeline: it consumes
 * "order-after-create" in group "hub-service-group", works out each
 * order's route from the supplier's hub to the receiver's with an
 * expected duration, and publishes "hub-route-after-create" (the order's
 * fields, both hubs' names and addresses, the duration), keyed by order
 * id. Run several at once: they share the topic's partitions, and when
 * one dies the others take its partitions over within a second.
 *
 * Delivery is at least once, as with Kafka's default consumer: offsets
 * are committed automatically (every --commit-interval-ms, default 1000)
 * for records already handled, so after a crash the routes published
 * since the last commit are published again. delivery_service recognises
 * them by order id. (exactly_once.c shows the transactional alternative.)
 *
 *   hub_service DIR [--name NAME] [--exit-when-idle MS]
 *                   [--commit-interval-ms MS]
 *
 * NAME (default hub-service) is its client id in `rill groups describe
 * hub-service-group`. It stops on SIGINT or SIGTERM, or after MS without
 * records, committing what it handled.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rill.h>

#include "order_events.h"

enum { MAX_POLL = 500 };

static volatile sig_atomic_t stop;
static const char *name = "hub-service";

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int fail(const char *what, int rc)
{
    fprintf(stderr, "hub_service[%s]: %s: %s: %s\n", name, what,
            rill_strerror(rc), rill_errmsg());
    return 1;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The toy route planner: an hour at the hubs, then 70 km/h over the
 * distance between them (30 minutes within one hub's area). */
static int64_t expected_minutes(int from, int to)
{
    if (from == to)
        return 30;
    int dlat = abs(hubs[from].lat - hubs[to].lat);
    int dlon = abs(hubs[from].lon - hubs[to].lon);
    int km = dlat * 111 / 100 + dlon * 89 / 100;
    return 60 + km * 60 / 70;
}

/* The route event of an order; -1 for hubs it does not know. */
static int plan_route(route_event *out, const order_event *o)
{
    int from = hub_index(o->supplier_hub_id);
    int to = hub_index(o->receiver_hub_id);
    if (from < 0 || to < 0)
        return -1;
    memset(out, 0, sizeof *out);
    memcpy(out->order_id, o->order_id, sizeof out->order_id);
    memcpy(out->start_hub_id, o->supplier_hub_id, sizeof out->start_hub_id);
    snprintf(out->start_hub_name, sizeof out->start_hub_name, "%s",
             hubs[from].name);
    snprintf(out->start_hub_address, sizeof out->start_hub_address, "%s",
             hubs[from].address);
    memcpy(out->end_hub_id, o->receiver_hub_id, sizeof out->end_hub_id);
    snprintf(out->end_hub_name, sizeof out->end_hub_name, "%s", hubs[to].name);
    snprintf(out->end_hub_address, sizeof out->end_hub_address, "%s",
             hubs[to].address);
    memcpy(out->receiver_firm_id, o->receiver_firm_id,
           sizeof out->receiver_firm_id);
    memcpy(out->address, o->address, sizeof out->address);
    memcpy(out->owner, o->owner, sizeof out->owner);
    memcpy(out->note, o->note, sizeof out->note);
    memcpy(out->product, o->product, sizeof out->product);
    memcpy(out->created_at, o->created_at, sizeof out->created_at);
    out->quantity = o->quantity;
    out->expected_minutes = expected_minutes(from, to);
    return 0;
}

/* Publishes the routes of one poll's orders in one atomic batch. */
static int publish_routes(rill *r, const rill_record *recs, size_t n)
{
    static route_event routes[MAX_POLL];
    static rill_message msgs[MAX_POLL];
    static size_t ends[MAX_POLL];
    msgpack_sbuffer sb;
    size_t k = 0;
    msgpack_sbuffer_init(&sb);
    for (size_t i = 0; i < n; i++) {
        order_event o;
        if (event_decode(recs[i].value, recs[i].value_len, order_fields, &o,
                         sizeof o) ||
            plan_route(&routes[k], &o)) {
            fprintf(stderr, "hub_service[%s]: skipping %s/%d@%lld: not an "
                    "order\n", name, recs[i].topic, recs[i].partition,
                    (long long)recs[i].offset);
            continue;
        }
        event_encode(&sb, route_fields, &routes[k]);
        ends[k++] = sb.size;
    }
    for (size_t i = 0; i < k; i++) /* sb.data has stopped moving */
        msgs[i] = (rill_message){
            .topic = ROUTE_TOPIC, .partition = RILL_PARTITION_ANY,
            .key = routes[i].order_id, .key_len = strlen(routes[i].order_id),
            .value = sb.data + (i ? ends[i - 1] : 0),
            .value_len = ends[i] - (i ? ends[i - 1] : 0)};
    int rc = k ? rill_produce_batch(r, msgs, k, NULL) : 0;
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

static void on_rebalance(void *opaque, rill_consumer *c, int kind,
                         const rill_topic_partition *tps, size_t n)
{
    (void)opaque;
    (void)c;
    printf("hub_service[%s]: %s", name,
           kind == RILL_REBALANCE_ASSIGNED ? "assigned" : "gave up");
    for (size_t i = 0; i < n; i++)
        printf(" %s/%d", tps[i].topic, tps[i].partition);
    printf("\n");
}

int main(int argc, char **argv)
{
    long long idle_ms = 0, commit_ms = 1000;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--name"))
            name = argv[i + 1];
        else if (!strcmp(argv[i], "--exit-when-idle"))
            idle_ms = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--commit-interval-ms"))
            commit_ms = atoll(argv[i + 1]);
        else
            argc = 0;
    }
    if (argc < 2 || argc % 2 || commit_ms < 1) {
        fprintf(stderr, "usage: hub_service DIR [--name NAME] "
                        "[--exit-when-idle MS] [--commit-interval-ms MS]\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    rill *r;
    rill_consumer *c;
    int rc = rill_open(&r, argv[1], NULL);
    if (rc)
        return fail("open", rc);
    rill_consumer_options o;
    rill_consumer_options_init(&o);
    o.group_id = HUB_GROUP;
    o.client_id = name;
    o.auto_commit_interval_ms = (unsigned)commit_ms;
    o.max_poll_records = MAX_POLL;
    o.on_rebalance = on_rebalance;
    const char *topic = ORDER_TOPIC;
    if ((rc = rill_consumer_new(&c, r, &o)) ||
        (rc = rill_subscribe(c, &topic, 1)))
        return fail("subscribe", rc);
    long long total = 0, last = now_ms();
    while (!stop && (!idle_ms || now_ms() - last < idle_ms)) {
        const rill_record *recs;
        size_t n;
        if ((rc = rill_poll(c, 100, &recs, &n)))
            return fail("poll", rc);
        if (n == 0)
            continue;
        if ((rc = publish_routes(r, recs, n)))
            return fail("publish routes", rc);
        total += (long long)n;
        last = now_ms();
    }
    if ((rc = rill_consumer_close(c)))
        return fail("close", rc);
    printf("hub_service[%s]: published %lld routes\n", name, total);
    rill_close(r);
    return 0;
}
