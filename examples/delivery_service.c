/*
 * delivery_service.c -- the last service of the order pipeline: it
 * consumes "hub-route-after-create" in group "delivery-service-group"
 * and creates one delivery per order, giving it a hub courier and a firm
 * courier in turn.
 *
 * Each poll's deliveries, the service's counters and the consumer's
 * offsets commit in one transaction, and a delivery is stored under its
 * order id. So an event seen again (hub_service publishes at least once)
 * finds its delivery and creates no second one -- it is counted as a
 * redelivery -- and a crash of this service loses or repeats nothing.
 *
 *   delivery_service DIR [--name NAME] [--exit-when-idle MS]
 *
 * It stops on SIGINT or SIGTERM, or after MS without records.
 * `pipeline_status DIR --delivery ORDER-ID` shows a stored delivery.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rill.h>

#include "order_events.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int fail(const char *what, int rc)
{
    fprintf(stderr, "delivery_service: %s: %s: %s\n", what, rill_strerror(rc),
            rill_errmsg());
    return 1;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct counters {
    long long deliveries, redeliveries;
} counters;

/* The service's counters, as of transaction t. */
static int counters_get(rill_txn *t, counters *n)
{
    const void *v;
    size_t len;
    char buf[64];
    memset(n, 0, sizeof *n);
    int rc = rill_txn_get(t, DELIVERY_STATS_KEY, strlen(DELIVERY_STATS_KEY),
                          &v, &len);
    if (rc == RILL_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    snprintf(buf, sizeof buf, "%.*s", (int)len, (const char *)v);
    sscanf(buf, "deliveries=%lld redeliveries=%lld", &n->deliveries,
           &n->redeliveries);
    return 0;
}

/* Creates the delivery of one route event unless its order has one. */
static int create_delivery(rill_txn *t, const route_event *e, counters *n,
                           msgpack_sbuffer *sb)
{
    char key[80];
    const void *v;
    size_t len;
    snprintf(key, sizeof key, "%s%s", DELIVERY_KEY_PREFIX, e->order_id);
    int rc = rill_txn_get(t, key, strlen(key), &v, &len);
    if (rc == 0) {
        n->redeliveries++; /* seen before: nothing to do */
        return 0;
    }
    if (rc != RILL_ENOTFOUND)
        return rc;
    delivery d = {.number = ++n->deliveries,
                  .expected_minutes = e->expected_minutes};
    memcpy(d.order_id, e->order_id, sizeof d.order_id);
    snprintf(d.status, sizeof d.status, "HUB_WAITING");
    memcpy(d.start_hub_id, e->start_hub_id, sizeof d.start_hub_id);
    memcpy(d.end_hub_id, e->end_hub_id, sizeof d.end_hub_id);
    memcpy(d.address, e->address, sizeof d.address);
    memcpy(d.owner, e->owner, sizeof d.owner);
    /* Round robin: ten hub couriers, three firm couriers per end hub. */
    snprintf(d.hub_courier, sizeof d.hub_courier, "hub-courier-%02lld",
             (long long)d.number % 10 + 1);
    snprintf(d.firm_courier, sizeof d.firm_courier, "firm-courier-%02d-%lld",
             hub_index(e->end_hub_id) + 1, (long long)d.number % 3 + 1);
    msgpack_sbuffer_clear(sb);
    event_encode(sb, delivery_fields, &d);
    return rill_txn_put(t, key, strlen(key), sb->data, sb->size);
}

/* One poll's deliveries, counters and offsets, in one transaction. */
static int process(rill *r, rill_consumer *c, const rill_record *recs,
                   size_t n, counters *mine)
{
    counters before, after;
    msgpack_sbuffer sb;
    rill_txn *t;
    char buf[64];
    int rc = rill_txn_begin(&t, r);
    if (rc)
        return rc;
    msgpack_sbuffer_init(&sb);
    rc = counters_get(t, &before);
    after = before;
    for (size_t i = 0; i < n && !rc; i++) {
        route_event e;
        if (event_decode(recs[i].value, recs[i].value_len, route_fields, &e,
                         sizeof e) || !e.order_id[0])
            fprintf(stderr, "delivery_service: skipping %s/%d@%lld: not a "
                    "route\n", recs[i].topic, recs[i].partition,
                    (long long)recs[i].offset);
        else
            rc = create_delivery(t, &e, &after, &sb);
    }
    msgpack_sbuffer_destroy(&sb);
    snprintf(buf, sizeof buf, "deliveries=%lld redeliveries=%lld",
             after.deliveries, after.redeliveries);
    if (!rc)
        rc = rill_txn_put(t, DELIVERY_STATS_KEY, strlen(DELIVERY_STATS_KEY),
                          buf, strlen(buf));
    if (!rc)
        rc = rill_txn_commit_consumer(t, c);
    if (rc) {
        rill_txn_abort(t);
        return rc;
    }
    if ((rc = rill_txn_commit(t)))
        return rc;
    mine->deliveries += after.deliveries - before.deliveries;
    mine->redeliveries += after.redeliveries - before.redeliveries;
    return 0;
}

/* Reads a poll's records again from its first record per partition:
 * nothing of it was committed. Partitions no longer assigned are left. */
static void rewind_poll(rill_consumer *c, const rill_record *recs, size_t n)
{
    for (size_t i = n; i-- > 0;)
        rill_seek(c, recs[i].topic, recs[i].partition, recs[i].offset);
}

int main(int argc, char **argv)
{
    const char *name = "delivery-service";
    long long idle_ms = 0;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--name"))
            name = argv[i + 1];
        else if (!strcmp(argv[i], "--exit-when-idle"))
            idle_ms = atoll(argv[i + 1]);
        else
            argc = 0;
    }
    if (argc < 2 || argc % 2) {
        fprintf(stderr, "usage: delivery_service DIR [--name NAME] "
                        "[--exit-when-idle MS]\n");
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
    o.group_id = DELIVERY_GROUP;
    o.client_id = name;
    o.enable_auto_commit = 0; /* offsets go with the deliveries */
    const char *topic = ROUTE_TOPIC;
    if ((rc = rill_consumer_new(&c, r, &o)) ||
        (rc = rill_subscribe(c, &topic, 1)))
        return fail("subscribe", rc);
    counters mine = {0, 0};
    long long last = now_ms();
    while (!stop && (!idle_ms || now_ms() - last < idle_ms)) {
        const rill_record *recs;
        size_t n;
        if ((rc = rill_poll(c, 100, &recs, &n)))
            return fail("poll", rc);
        if (n == 0)
            continue;
        rc = process(r, c, recs, n, &mine);
        if (rc == RILL_EFENCED) /* the partitions moved to another */
            rewind_poll(c, recs, n);
        else if (rc)
            return fail("create deliveries", rc);
        last = now_ms();
    }
    rill_consumer_close(c);
    printf("delivery_service: created %lld deliveries, recognised %lld "
           "redeliveries\n", mine.deliveries, mine.redeliveries);
    rill_close(r);
    return 0;
}
