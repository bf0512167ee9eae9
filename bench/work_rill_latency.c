/*
 * work_rill_latency.c -- rill's end-to-end latency between two
 * processes. The parent creates the topic (one partition) and closes the
 * directory; each child then opens it itself. The consumer assigns
 * itself the partition from RILL_OFFSET_END and sleeps in rill_poll; the
 * producer, opened with RILL_SYNC_NONE, stamps CLOCK_MONOTONIC
 * nanoseconds into the first 8 bytes of each value just before its
 * rill_produce. The consumer takes the time once rill_poll returns and
 * records now - stamp for every record it returned.
 */
#include "work_rill.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOPIC RILL_BENCH_TOPIC
#define POLL_MS 1000
#define IDLE_LIMIT 10 /* empty polls in a row before giving up */

/* Ready to receive: assigned at the end, the position resolved (so no
 * record produced after this is missed). */
static int consumer_ready(rill_consumer *c)
{
    rill_topic_partition tp = {TOPIC, 0, RILL_OFFSET_END};
    const rill_record *recs;
    size_t n;
    int rc = rill_assign(c, &tp, 1);
    if (rc)
        return rill_bench_fail("rill_assign", rc);
    if ((rc = rill_poll(c, 0, &recs, &n)))
        return rill_bench_fail("rill_poll", rc);
    if ((rc = rill_position_get(c, &tp, 1)))
        return rill_bench_fail("rill_position_get", rc);
    if (n != 0 || tp.offset < 0) {
        fprintf(stderr, "rill-bench: rill: the consumer is not at the end "
                "(%zu records, position %lld)\n", n, (long long)tp.offset);
        return -1;
    }
    return 0;
}

static int receive(rill_consumer *c, const latency_params *p,
                   uint64_t *samples)
{
    uint64_t total = p->warmup + p->records, got = 0;
    int idle = 0;
    while (got < total) {
        const rill_record *recs;
        size_t n;
        int rc = rill_poll(c, POLL_MS, &recs, &n);
        uint64_t now = now_ns();
        if (rc)
            return rill_bench_fail("rill_poll", rc);
        if (n == 0 && ++idle >= IDLE_LIMIT) {
            fprintf(stderr, "rill-bench: rill: nothing after %llu of %llu "
                    "records\n", (unsigned long long)got,
                    (unsigned long long)total);
            return -1;
        }
        if (n)
            idle = 0;
        for (size_t i = 0; i < n && got < total; i++) {
            uint64_t stamp;
            if (recs[i].value_len < sizeof stamp) {
                fprintf(stderr, "rill-bench: rill: a value of %zu bytes\n",
                        recs[i].value_len);
                return -1;
            }
            memcpy(&stamp, recs[i].value, sizeof stamp);
            samples[got++] = now - stamp;
        }
    }
    return 0;
}

static int lat_consumer(void *arg, const latency_params *p,
                        uint64_t *samples, int ready_fd)
{
    const char *dir = arg;
    rill *r;
    rill_consumer *c;
    rill_consumer_options co;
    if (rill_bench_open(&r, dir, BENCH_SYNC_NONE, 1, false))
        return -1;
    rill_consumer_options_init(&co);
    co.enable_auto_commit = 0;
    int rc = rill_consumer_new(&c, r, &co);
    if (rc) {
        rill_close(r);
        return rill_bench_fail("rill_consumer_new", rc);
    }
    rc = consumer_ready(c);
    if (!rc)
        rc = latency_ready(ready_fd);
    if (!rc)
        rc = receive(c, p, samples);
    rill_consumer_close(c);
    rill_close(r);
    return rc;
}

static int lat_producer(void *arg, const latency_params *p)
{
    const char *dir = arg;
    uint64_t total = p->warmup + p->records;
    rill *r;
    uint8_t *value = malloc(p->value_size);
    if (!value) {
        fprintf(stderr, "rill-bench: out of memory\n");
        return -1;
    }
    if (rill_bench_open(&r, dir, BENCH_SYNC_NONE, 1, false)) {
        free(value);
        return -1;
    }
    rill_message m = {.topic = TOPIC, .partition = 0, .value = value,
                      .value_len = p->value_size};
    int rc = 0;
    uint64_t start = now_ns() + 1000000; /* 1 ms from now */
    for (uint64_t i = 0; i < total && !rc; i++) {
        memcpy(value, bench_value(i, p->value_size), p->value_size);
        uint64_t stamp = latency_pace(start, p->rate, i);
        memcpy(value, &stamp, sizeof stamp);
        if ((rc = rill_produce(r, &m, NULL)))
            rc = rill_bench_fail("rill_produce", rc);
    }
    rill_close(r);
    free(value);
    return rc;
}

int rill_bench_latency(const latency_params *p, const char *dir,
                       run_result *res)
{
    static const latency_ops ops = {lat_consumer, lat_producer};
    rill *r;
    if (rill_bench_open(&r, dir, BENCH_SYNC_NONE, 1, true))
        return -1;
    rill_close(r); /* each child opens the directory itself */
    return latency_run(p, &ops, (void *)dir, res);
}
