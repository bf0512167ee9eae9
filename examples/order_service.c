/*
 * order_service.c -- the first service of the order pipeline: it creates
 * orders and publishes an "order-after-create" event for each (msgpack,
 * keyed by order id). Each batch of orders goes into the application
 * table together with its events and the order counter, in one
 * transaction: an order is stored exactly when its event is published,
 * whatever crashes (the outbox pattern without an outbox table).
 *
 *   order_service DIR [--orders N] [--rate PER_SEC] [--batch N]
 *                     [--partitions N]
 *
 * Creates the pipeline's topics when missing (--partitions each, default
 * 6), then N orders (default 100), numbered on from the last run, at most
 * PER_SEC a second (default 0: as fast as it can), BATCH to a transaction
 * (default 50). hub_service and delivery_service consume what it
 * publishes; `make demo` (scripts/demo.sh) runs the three together.
 *
 *   cc order_service.c $(pkg-config --cflags --libs rill msgpack) \
 *       -o order_service
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rill.h>

#include "order_events.h"

#define COUNTER_KEY "order-service/next-order"

static const char *const owners[] = {"Kim Minjun", "Lee Seoyeon", "Park Jiho",
                                     "Choi Yuna", "Jung Hayoon", "Kang Doyun"};
static const char *const notes[] = {"", "Please call before delivery",
                                    "Leave it at the front desk",
                                    "Fragile: glass bottles"};
static const char *const products[] = {"kimchi", "tteok", "gim", "ramyeon",
                                       "makgeolli", "sikhye", "doenjang"};

static int fail(const char *what, int rc)
{
    fprintf(stderr, "order_service: %s: %s: %s\n", what, rill_strerror(rc),
            rill_errmsg());
    return 1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Order number n, as the order API would have received it. */
static void make_order(order_event *o, long long n)
{
    int from = (int)(n * 7 % HUB_COUNT), to = (int)((n * 11 + 3) % HUB_COUNT);
    time_t t = time(NULL);
    struct tm tm;
    memset(o, 0, sizeof *o);
    order_id(o->order_id, n);
    hub_id(o->supplier_hub_id, from);
    hub_id(o->receiver_hub_id, to);
    snprintf(o->receiver_firm_id, sizeof o->receiver_firm_id,
             "22222222-2222-4222-8222-%012lld", n % 500 + 1);
    snprintf(o->address, sizeof o->address, "Unit %lld, %s", n % 90 + 1,
             hubs[to].address);
    snprintf(o->owner, sizeof o->owner, "%s", owners[n % 6]);
    snprintf(o->note, sizeof o->note, "%s", notes[n % 4]);
    snprintf(o->product, sizeof o->product, "%s", products[n % 7]);
    o->quantity = n % 9 + 1;
    gmtime_r(&t, &tm);
    strftime(o->created_at, sizeof o->created_at, "%Y-%m-%dT%H:%M:%S", &tm);
}

/* Stores orders first .. first + n - 1 and their events, and moves the
 * counter past them, in one transaction. */
static int create_orders(rill *r, long long first, int n)
{
    msgpack_sbuffer sb;
    rill_txn *t;
    char counter[24];
    int rc = rill_txn_begin(&t, r);
    if (rc)
        return rc;
    msgpack_sbuffer_init(&sb);
    for (int i = 0; i < n && !rc; i++) {
        order_event o;
        char key[80];
        make_order(&o, first + i);
        msgpack_sbuffer_clear(&sb);
        event_encode(&sb, order_fields, &o);
        snprintf(key, sizeof key, "order-service/order/%s", o.order_id);
        rill_message m = {.topic = ORDER_TOPIC,
                          .partition = RILL_PARTITION_ANY,
                          .key = o.order_id, .key_len = strlen(o.order_id),
                          .value = sb.data, .value_len = sb.size};
        if (!(rc = rill_txn_put(t, key, strlen(key), sb.data, sb.size)))
            rc = rill_txn_produce(t, &m, NULL);
    }
    msgpack_sbuffer_destroy(&sb);
    snprintf(counter, sizeof counter, "%lld", first + n);
    if (!rc)
        rc = rill_txn_put(t, COUNTER_KEY, strlen(COUNTER_KEY), counter,
                          strlen(counter));
    if (rc) {
        rill_txn_abort(t);
        return rc;
    }
    return rill_txn_commit(t);
}

/* The number the next order gets: 1, or on from the last run. */
static long long next_order(rill *r)
{
    void *v;
    size_t len;
    long long n = 1;
    if (rill_app_get(&v, &len, r, COUNTER_KEY, strlen(COUNTER_KEY)) == 0) {
        char buf[24];
        snprintf(buf, sizeof buf, "%.*s", (int)len, (const char *)v);
        n = atoll(buf);
        free(v);
    }
    return n;
}

static int create_topics(rill *r, int partitions)
{
    const char *names[] = {ORDER_TOPIC, ROUTE_TOPIC};
    rill_topic_config c;
    rill_topic_config_init(&c);
    c.partitions = partitions;
    for (int i = 0; i < 2; i++) {
        int rc = rill_topic_create(r, names[i], &c);
        if (rc && rc != RILL_EEXIST)
            return rc;
    }
    return 0;
}

int main(int argc, char **argv)
{
    long long orders = 100;
    int rate = 0, batch = 50, partitions = 6;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--orders"))
            orders = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--rate"))
            rate = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--batch"))
            batch = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--partitions"))
            partitions = atoi(argv[i + 1]);
        else
            argc = 0; /* unknown: usage */
    }
    if (argc < 2 || argc % 2 || orders < 0 || batch < 1 || partitions < 1) {
        fprintf(stderr, "usage: order_service DIR [--orders N] [--rate "
                        "PER_SEC] [--batch N] [--partitions N]\n");
        return 2;
    }
    rill *r;
    int rc = rill_open(&r, argv[1], NULL);
    if (rc)
        return fail("open", rc);
    if ((rc = create_topics(r, partitions)))
        return fail("create topics", rc);
    long long first = next_order(r), done = 0;
    double start = now_s();
    while (done < orders) {
        int n = orders - done < batch ? (int)(orders - done) : batch;
        if ((rc = create_orders(r, first + done, n)))
            return fail("create orders", rc);
        done += n;
        double ahead = rate > 0 ? start + (double)done / rate - now_s() : 0;
        if (ahead > 0) {
            struct timespec ts = {(time_t)ahead,
                                  (long)((ahead - (time_t)ahead) * 1e9)};
            nanosleep(&ts, NULL);
        }
    }
    printf("order_service: created orders %lld..%lld in %.1f s\n", first,
           first + orders - 1, now_s() - start);
    rill_close(r);
    return 0;
}
