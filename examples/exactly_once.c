/*
 * exactly_once.c -- an exactly-once consume-transform-produce stage: it
 * consumes "orders" in group "enricher" and publishes one
 * "orders-enriched" record per order. Each poll's outputs and the
 * consumer's new offsets commit in one transaction, so a crash at any
 * moment -- before, during or after a commit -- neither loses an output
 * nor writes one twice: the next instance resumes exactly where the last
 * commit left off.
 *
 *   exactly_once DIR [IDLE_MS]   runs until no input came for IDLE_MS
 *                                (default 1000), then exits
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rill.h>

static int fail(const char *what, int rc)
{
    fprintf(stderr, "exactly_once: %s: %s: %s\n", what, rill_strerror(rc),
            rill_errmsg());
    return 1;
}

/* Publishes the enriched records and the consumer's offsets at once. A
 * commit refused because the partitions moved to another instance
 * (RILL_EFENCED) wrote nothing: that instance redoes the work. */
static int process(rill *r, rill_consumer *c, const rill_record *recs,
                   size_t n)
{
    rill_txn *t;
    int rc = rill_txn_begin(&t, r);
    if (rc)
        return rc;
    for (size_t i = 0; i < n && !rc; i++) {
        char out[512];
        int len = snprintf(out, sizeof out, "{\"enriched\":true,\"order\":%.*s}",
                           (int)recs[i].value_len,
                           (const char *)recs[i].value);
        if (len < 0 || (size_t)len >= sizeof out)
            len = 0;
        rill_message m = {.topic = "orders-enriched",
                          .partition = RILL_PARTITION_ANY,
                          .key = recs[i].key, .key_len = recs[i].key_len,
                          .value = out, .value_len = (size_t)len};
        rc = rill_txn_produce(t, &m, NULL);
    }
    if (!rc)
        rc = rill_txn_commit_consumer(t, c);
    if (rc) {
        rill_txn_abort(t);
        return rc;
    }
    return rill_txn_commit(t);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: exactly_once DIR [IDLE_MS]\n");
        return 2;
    }
    int idle_ms = argc > 2 ? atoi(argv[2]) : 1000;
    rill *r;
    int rc = rill_open(&r, argv[1], NULL);
    if (rc)
        return fail("open", rc);
    rill_consumer_options o;
    rill_consumer_options_init(&o);
    o.group_id = "enricher";
    o.client_id = "enricher";
    o.enable_auto_commit = 0; /* offsets go with the outputs */
    rill_consumer *c;
    const char *in = "orders";
    if ((rc = rill_consumer_new(&c, r, &o)) || (rc = rill_subscribe(c, &in, 1)))
        return fail("subscribe", rc);
    int idle = 0;
    while (idle < idle_ms) {
        const rill_record *recs;
        size_t n;
        if ((rc = rill_poll(c, 100, &recs, &n)))
            return fail("poll", rc);
        if (n == 0) {
            idle += 100;
            continue;
        }
        idle = 0;
        rc = process(r, c, recs, n);
        if (rc && rc != RILL_EFENCED)
            return fail("process", rc);
    }
    rill_consumer_close(c);
    rill_close(r);
    return 0;
}
