/*
 * outbox.c -- the outbox pattern without an outbox table: an order service
 * stores each new order in the application table and publishes its
 * order-created event in one transaction, so the stored order and the
 * event can never disagree (both happen or neither does).
 *
 *   outbox DIR [ORDERS]      creates ORDERS orders (default 10)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rill.h>

static int fail(const char *what, int rc)
{
    fprintf(stderr, "outbox: %s: %s: %s\n", what, rill_strerror(rc),
            rill_errmsg());
    return 1;
}

/* Stores the order and its event atomically. */
static int create_order(rill *r, int id, const char *product, int quantity,
                        rill_position *pos)
{
    char key[32], order[256];
    snprintf(key, sizeof key, "order:%d", id);
    int len = snprintf(order, sizeof order,
                       "{\"orderId\":%d,\"product\":\"%s\",\"quantity\":%d}",
                       id, product, quantity);
    rill_txn *t;
    int rc = rill_txn_begin(&t, r);
    if (rc)
        return rc;
    rill_header h = {"event-type", "OrderCreated", 12};
    rill_message m = {.topic = "order-created",
                      .partition = RILL_PARTITION_ANY,
                      .key = key + 6, .key_len = strlen(key + 6),
                      .value = order, .value_len = (size_t)len,
                      .headers = &h, .header_count = 1};
    if ((rc = rill_txn_put(t, key, strlen(key), order, (size_t)len)) ||
        (rc = rill_txn_produce(t, &m, pos))) {
        rill_txn_abort(t);
        return rc;
    }
    return rill_txn_commit(t);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: outbox DIR [ORDERS]\n");
        return 2;
    }
    int orders = argc > 2 ? atoi(argv[2]) : 10;
    rill *r;
    int rc = rill_open(&r, argv[1], NULL);
    if (rc)
        return fail("open", rc);
    rill_topic_config c;
    rill_topic_config_init(&c);
    c.partitions = 3;
    rc = rill_topic_create(r, "order-created", &c);
    if (rc && rc != RILL_EEXIST)
        return fail("create topic", rc);

    static const char *products[] = {"kimchi", "tteok", "gim", "soju"};
    for (int id = 1; id <= orders; id++) {
        rill_position pos;
        if ((rc = create_order(r, id, products[id % 4], id % 5 + 1, &pos)))
            return fail("create order", rc);
        printf("order %d stored; event at partition %d offset %lld\n", id,
               pos.partition, (long long)pos.offset);
    }
    /* Read one back from the table, as the order service's API would. */
    void *v;
    size_t vl;
    if ((rc = rill_app_get(&v, &vl, r, "order:1", 7)))
        return fail("read order", rc);
    printf("order:1 = %.*s\n", (int)vl, (const char *)v);
    free(v);
    rill_close(r);
    return 0;
}
