/*
 * quickstart.c -- the smallest rill program: create a topic, produce a
 * few keyed records, read them back from the beginning.
 *
 *   cc quickstart.c $(pkg-config --cflags --libs rill) -o quickstart
 *   ./quickstart /tmp/rill-quickstart
 */
#include <stdio.h>
#include <string.h>

#include <rill.h>

static int fail(const char *what, int rc)
{
    fprintf(stderr, "%s: %s: %s\n", what, rill_strerror(rc), rill_errmsg());
    return 1;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "rill-quickstart";
    rill *r;
    int rc;

    if ((rc = rill_open(&r, dir, NULL)))
        return fail("open", rc);

    rill_topic_config cfg;
    rill_topic_config_init(&cfg);
    cfg.partitions = 3;
    rc = rill_topic_create(r, "greetings", &cfg);
    if (rc && rc != RILL_EEXIST)
        return fail("create topic", rc);

    const char *names[] = {"ada", "grace", "edsger"};
    for (int i = 0; i < 3; i++) {
        char value[64];
        snprintf(value, sizeof value, "hello, %s", names[i]);
        rill_message m = {
            .topic = "greetings",
            .partition = RILL_PARTITION_ANY, /* by key, like Kafka */
            .key = names[i],
            .key_len = strlen(names[i]),
            .value = value,
            .value_len = strlen(value),
        };
        rill_position pos;
        if ((rc = rill_produce(r, &m, &pos)))
            return fail("produce", rc);
        printf("produced %-8s -> partition %d offset %lld\n", names[i],
               pos.partition, (long long)pos.offset);
    }

    rill_consumer *c;
    if ((rc = rill_consumer_new(&c, r, NULL)))
        return fail("consumer", rc);
    rill_topic_partition tps[3] = {{"greetings", 0, RILL_OFFSET_BEGINNING},
                                   {"greetings", 1, RILL_OFFSET_BEGINNING},
                                   {"greetings", 2, RILL_OFFSET_BEGINNING}};
    if ((rc = rill_assign(c, tps, 3)))
        return fail("assign", rc);
    for (;;) {
        const rill_record *recs;
        size_t n;
        if ((rc = rill_poll(c, 100, &recs, &n)))
            return fail("poll", rc);
        if (n == 0)
            break; /* nothing more within 100 ms */
        for (size_t i = 0; i < n; i++)
            printf("consumed %d/%lld  %.*s = %.*s\n", recs[i].partition,
                   (long long)recs[i].offset, (int)recs[i].key_len,
                   (const char *)recs[i].key, (int)recs[i].value_len,
                   (const char *)recs[i].value);
    }
    rill_consumer_close(c);
    rill_close(r);
    return 0;
}
