/*
 * older_structs.c -- a program as one built against an older rill.h of
 * this major version would be: its options structs end before the fields
 * added since (struct_size says so), and whatever lies beyond them in
 * memory is garbage the library must not read. The library must take
 * their defaults. Run by `make test` against include/, and by CI against
 * the installed header and librill.so.
 *
 *   older_structs DIR      exits 0 when every check holds
 */
#include <rill.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static int failures;

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "older_structs: %s (%s)\n", what, rill_errmsg());
        failures++;
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: older_structs DIR\n");
        return 2;
    }
    /* rill_options as it was before allow_nonempty: the garbage after it
     * would allow a non-empty directory if it were read. */
    rill_options o;
    rill_options_init(&o);
    memset(&o.allow_nonempty, 0x5a, sizeof o.allow_nonempty);
    o.struct_size = offsetof(rill_options, allow_nonempty);
    o.sync = RILL_SYNC_NONE;
    rill *r;
    check(rill_open(&r, argv[1], &o) == 0, "an older rill_options opens");
    if (failures)
        return 1;

    rill_topic_config tc;
    rill_topic_config_init(&tc);
    tc.partitions = 2;
    check(rill_topic_create(r, "t", &tc) == 0, "rill_topic_config");

    /* rill_consumer_options before max_poll_interval_ms. */
    rill_consumer_options co;
    rill_consumer_options_init(&co);
    memset(&co.max_poll_interval_ms, 0x5a, sizeof co.max_poll_interval_ms);
    co.struct_size = offsetof(rill_consumer_options, max_poll_interval_ms);
    co.group_id = "g";
    rill_consumer *c;
    check(rill_consumer_new(&c, r, &co) == 0, "an older consumer options");
    const char *topic = "t";
    check(rill_subscribe(c, &topic, 1) == 0, "subscribe");
    rill_group_info *g;
    check(rill_group_describe(&g, r, "g") == 0, "describe");
    if (!failures) {
        check(g->members[0].max_poll_interval_ms == 300000,
              "max_poll_interval_ms takes its default");
        rill_group_info_free(g);
    }
    check(rill_consumer_close(c) == 0, "close");

    /* An uninitialised struct, and one from a newer header, are refused. */
    memset(&co, 0, sizeof co);
    check(rill_consumer_new(&c, r, &co) == RILL_EINVAL, "struct_size 0");
    rill_consumer_options_init(&co);
    co.struct_size = sizeof co + 8;
    check(rill_consumer_new(&c, r, &co) == RILL_EVERSION, "a newer struct");

    rill_producer_options po;
    rill_producer_options_init(&po);
    po.struct_size = offsetof(rill_producer_options, queue_max_messages);
    memset(&po.queue_max_messages, 0xff, sizeof po.queue_max_messages);
    rill_producer *p;
    check(rill_producer_new(&p, r, &po) == 0, "an older producer options");
    if (!failures)
        check(rill_producer_close(p) == 0, "producer close");
    rill_close(r);
    if (!failures)
        printf("older_structs: ok\n");
    return failures ? 1 : 0;
}
