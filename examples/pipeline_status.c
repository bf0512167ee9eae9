/*
 * pipeline_status.c -- how far the order pipeline got, for people and
 * scripts: events published, deliveries created, each group's lag and
 * live members. It opens the directory read-only, beside the services.
 *
 *   pipeline_status DIR                      one line of name=value pairs
 *   pipeline_status DIR --delivery ORDER-ID  one stored delivery
 *
 * e.g. "orders=3000 routes=3134 deliveries=3000 redeliveries=134
 * hub_lag=0 delivery_lag=0 hub_members=3 delivery_members=1".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rill.h>

#include "order_events.h"

static int fail(const char *what, int rc)
{
    fprintf(stderr, "pipeline_status: %s: %s: %s\n", what, rill_strerror(rc),
            rill_errmsg());
    return 1;
}

/* Records ever published to topic (0 before it exists). */
static long long published(rill *r, const char *topic)
{
    rill_topic_info *t;
    long long n = 0;
    if (rill_topic_describe(&t, r, topic))
        return 0;
    for (size_t i = 0; i < t->partition_count; i++)
        n += t->partitions[i].next_offset;
    rill_topic_info_free(t);
    return n;
}

/* A group's lag on topic and its live members; before the group exists,
 * everything published is lag. */
static void group_status(rill *r, const char *group, const char *topic,
                         long long *lag, int *members)
{
    rill_group_info *g;
    *lag = published(r, topic);
    *members = 0;
    if (rill_group_describe(&g, r, group))
        return;
    *lag = 0;
    for (size_t i = 0; i < g->partition_count; i++)
        if (!strcmp(g->partitions[i].topic, topic))
            *lag += g->partitions[i].lag;
    for (size_t i = 0; i < g->member_count; i++)
        *members += g->members[i].alive != 0;
    rill_group_info_free(g);
}

static int show_delivery(rill *r, const char *order)
{
    char key[128];
    void *v;
    size_t len;
    delivery d;
    snprintf(key, sizeof key, "%s%s", DELIVERY_KEY_PREFIX, order);
    int rc = rill_app_get(&v, &len, r, key, strlen(key));
    if (rc)
        return fail(order, rc);
    rc = event_decode(v, len, delivery_fields, &d, sizeof d);
    free(v);
    if (rc)
        return fail("decoding the delivery", RILL_ECORRUPT);
    int from = hub_index(d.start_hub_id), to = hub_index(d.end_hub_id);
    printf("delivery #%lld of order %s: %s\n"
           "  from %s to %s, expected %lld min\n"
           "  for %s, %s\n"
           "  hub courier %s, firm courier %s\n",
           (long long)d.number, d.order_id, d.status,
           from < 0 ? d.start_hub_id : hubs[from].name,
           to < 0 ? d.end_hub_id : hubs[to].name,
           (long long)d.expected_minutes, d.owner, d.address, d.hub_courier,
           d.firm_courier);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2 && !(argc == 4 && !strcmp(argv[2], "--delivery"))) {
        fprintf(stderr, "usage: pipeline_status DIR [--delivery ORDER-ID]\n");
        return 2;
    }
    rill_options o;
    rill_options_init(&o);
    o.read_only = 1;
    rill *r;
    int rc = rill_open(&r, argv[1], &o);
    if (rc)
        return fail("open", rc);
    if (argc == 4) {
        rc = show_delivery(r, argv[3]);
        rill_close(r);
        return rc;
    }
    long long deliveries = 0, redeliveries = 0, hub_lag, delivery_lag;
    int hub_members, delivery_members;
    void *v;
    size_t len;
    if (rill_app_get(&v, &len, r, DELIVERY_STATS_KEY,
                     strlen(DELIVERY_STATS_KEY)) == 0) {
        char buf[64];
        snprintf(buf, sizeof buf, "%.*s", (int)len, (const char *)v);
        sscanf(buf, "deliveries=%lld redeliveries=%lld", &deliveries,
               &redeliveries);
        free(v);
    }
    group_status(r, HUB_GROUP, ORDER_TOPIC, &hub_lag, &hub_members);
    group_status(r, DELIVERY_GROUP, ROUTE_TOPIC, &delivery_lag,
                 &delivery_members);
    printf("orders=%lld routes=%lld deliveries=%lld redeliveries=%lld "
           "hub_lag=%lld delivery_lag=%lld hub_members=%d "
           "delivery_members=%d\n",
           published(r, ORDER_TOPIC), published(r, ROUTE_TOPIC), deliveries,
           redeliveries, hub_lag, delivery_lag, hub_members, delivery_members);
    rill_close(r);
    return 0;
}
