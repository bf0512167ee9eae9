/*
 * work_rill.c -- rill through its public API: one topic "bench" of one
 * partition with the default topic configuration (no compression unless
 * the compress workload asks for zstd), the directory opened with the
 * default options but the sync mode.
 * Producing: rill_produce for a batch of 1, rill_produce_batch above.
 * Consuming: one consumer, rill_assign from the beginning, rill_poll.
 * The runs of several processes are in work_rill_latency.c and
 * work_rill_group.c; threads, processes, the asynchronous producer,
 * transactions and retention in work_rill_more.c.
 */
#include "work_rill.h"

#include <stdio.h>
#include <stdlib.h>

#define TOPIC RILL_BENCH_TOPIC

int rill_bench_fail(const char *what, int rc)
{
    fprintf(stderr, "rill-bench: rill: %s: %s (%s)\n", what,
            rill_strerror(rc), rill_errmsg());
    return -1;
}

int rill_bench_open(rill **r, const char *dir, int sync, int partitions,
                    bool create)
{
    rill_options o;
    rill_topic_config tc;
    rill_options_init(&o);
    o.sync = sync == BENCH_SYNC_ALWAYS ? RILL_SYNC_ALWAYS : RILL_SYNC_NONE;
    int rc = rill_open(r, dir, &o);
    if (rc)
        return rill_bench_fail("rill_open", rc);
    rill_topic_config_init(&tc);
    tc.partitions = partitions;
    if (create && (rc = rill_topic_create(*r, TOPIC, &tc))) {
        rill_close(*r);
        *r = NULL;
        return rill_bench_fail("rill_topic_create", rc);
    }
    return 0;
}

int rill_bench_open_topic(rill **r, const char *dir, int sync,
                          const rill_topic_config *tc)
{
    if (rill_bench_open(r, dir, sync, 1, false))
        return -1;
    int rc = rill_topic_create(*r, TOPIC, tc);
    if (rc) {
        rill_close(*r);
        *r = NULL;
        return rill_bench_fail("rill_topic_create", rc);
    }
    return 0;
}

static int open_dir(rill **r, const char *dir, int sync, bool create)
{
    return rill_bench_open(r, dir, sync, 1, create);
}

/* Fills msgs[0..k) with records first .. first+k-1. */
static void fill(rill_message *msgs, size_t k, uint64_t first, size_t vsize,
                 int payload)
{
    for (size_t j = 0; j < k; j++)
        msgs[j].value = bench_payload(payload, first + j, vsize);
}

rill_message *rill_bench_messages(size_t n, size_t vsize)
{
    rill_message *m = calloc(n, sizeof *m);
    if (!m) {
        fprintf(stderr, "rill-bench: out of memory\n");
        return NULL;
    }
    for (size_t j = 0; j < n; j++) {
        m[j].topic = TOPIC;
        m[j].partition = 0;
        m[j].value_len = vsize;
    }
    return m;
}

int rill_bench_check_next(rill *r, uint64_t want)
{
    int64_t first, next;
    int rc = rill_watermarks(&first, &next, r, TOPIC, 0);
    if (rc)
        return rill_bench_fail("rill_watermarks", rc);
    if (first != 0 || next != (int64_t)want) {
        fprintf(stderr, "rill-bench: rill: offsets %lld..%lld after "
                "writing %llu records\n", (long long)first, (long long)next,
                (unsigned long long)want);
        return -1;
    }
    return 0;
}

static int rill_bench_produce(const produce_params *p, const char *dir,
                              run_result *res)
{
    rill *r;
    lat_buf lat;
    rill_message *msgs = rill_bench_messages(p->batch, p->value_size);
    if (!msgs)
        return -1;
    if (lat_init(&lat, (size_t)(p->max_records / p->batch + 1))) {
        free(msgs);
        return -1;
    }
    rill_topic_config tc;
    rill_topic_config_init(&tc);
    tc.compression = p->compression;
    if (rill_bench_open_topic(&r, dir, p->sync, &tc)) {
        lat_free(&lat);
        free(msgs);
        return -1;
    }
    int rc = 0;
    uint64_t n = 0;
    uint64_t t0 = now_ns(), prev = t0;
    uint64_t cap_ns = (uint64_t)(p->time_cap * 1e9);
    while (n < p->max_records) {
        size_t k = p->batch;
        if (k > p->max_records - n)
            k = (size_t)(p->max_records - n);
        fill(msgs, k, n, p->value_size, p->payload);
        if (p->batch == 1)
            rc = rill_produce(r, msgs, NULL);
        else
            rc = rill_produce_batch(r, msgs, k, NULL);
        uint64_t t = now_ns();
        if (rc) {
            rc = rill_bench_fail(p->batch == 1 ? "rill_produce"
                                               : "rill_produce_batch", rc);
            break;
        }
        if (lat.n < lat.cap)
            lat.ns[lat.n++] = t - prev;
        prev = t;
        n += k;
        if (t - t0 >= cap_ns)
            break;
    }
    if (!rc)
        rc = rill_bench_check_next(r, n);
    if (!rc)
        rc = rill_bench_stored(r, &res->stored_bytes, NULL);
    rill_close(r);
    res->raw_bytes = n * p->value_size;
    res->records = n;
    res->seconds = (double)(prev - t0) / 1e9;
    lat_percentiles(&lat, &res->p50_us, &res->p99_us);
    lat_free(&lat);
    free(msgs);
    return rc;
}

static int rill_bench_consume_prepare(const consume_params *p,
                                      const char *dir)
{
    rill *r;
    const size_t batch = 1000;
    rill_message *msgs = rill_bench_messages(batch, p->value_size);
    if (!msgs)
        return -1;
    if (open_dir(&r, dir, BENCH_SYNC_NONE, true)) {
        free(msgs);
        return -1;
    }
    int rc = 0;
    for (uint64_t n = 0; !rc && n < p->records; n += batch) {
        size_t k = p->records - n < batch ? (size_t)(p->records - n) : batch;
        fill(msgs, k, n, p->value_size, PAYLOAD_RANDOM);
        if ((rc = rill_produce_batch(r, msgs, k, NULL)))
            rc = rill_bench_fail("rill_produce_batch", rc);
    }
    if (!rc)
        rc = rill_bench_check_next(r, p->records);
    rill_close(r); /* syncs: sync none flushes at close */
    free(msgs);
    return rc;
}

static int rill_bench_consume(const consume_params *p, const char *dir,
                              run_result *res, uint64_t *sum)
{
    rill *r;
    rill_consumer *c;
    rill_consumer_options co;
    if (open_dir(&r, dir, BENCH_SYNC_NONE, false))
        return -1;
    rill_consumer_options_init(&co);
    co.max_poll_records = p->poll_records;
    co.enable_auto_commit = 0;
    uint64_t n = 0, s = 0;
    int empty = 0;
    uint64_t t0 = now_ns();
    int rc = rill_consumer_new(&c, r, &co);
    if (rc) {
        rill_close(r);
        return rill_bench_fail("rill_consumer_new", rc);
    }
    rill_topic_partition tp = {TOPIC, 0, RILL_OFFSET_BEGINNING};
    if ((rc = rill_assign(c, &tp, 1)))
        rc = rill_bench_fail("rill_assign", rc);
    uint64_t deadline = consume_deadline(p, t0);
    while (!rc && n < p->records && now_ns() < deadline) {
        const rill_record *recs;
        size_t got;
        if ((rc = rill_poll(c, 0, &recs, &got))) {
            rc = rill_bench_fail("rill_poll", rc);
            break;
        }
        if (got == 0 && ++empty > 3) {
            fprintf(stderr, "rill-bench: rill: no records after %llu of "
                    "%llu\n", (unsigned long long)n,
                    (unsigned long long)p->records);
            rc = -1;
            break;
        }
        for (size_t i = 0; i < got; i++) {
            if (recs[i].value_len != p->value_size) {
                fprintf(stderr, "rill-bench: rill: a value of %zu bytes at "
                        "offset %lld\n", recs[i].value_len,
                        (long long)recs[i].offset);
                rc = -1;
                break;
            }
            s += ((const uint8_t *)recs[i].value)[0];
        }
        n += got;
    }
    rill_consumer_close(c);
    uint64_t t1 = now_ns();
    rill_close(r);
    res->records = n;
    res->seconds = (double)(t1 - t0) / 1e9;
    *sum = s;
    return rc;
}

int rill_bench_stored(rill *r, uint64_t *bytes, uint64_t *batches)
{
    rill_topic_info *ti;
    int rc = rill_topic_describe(&ti, r, TOPIC);
    if (rc)
        return rill_bench_fail("rill_topic_describe", rc);
    if (bytes)
        *bytes = (uint64_t)ti->bytes;
    if (batches) {
        *batches = 0;
        for (size_t i = 0; i < ti->partition_count; i++)
            *batches += (uint64_t)ti->partitions[i].batches;
    }
    rill_topic_info_free(ti);
    return 0;
}

static void rill_bench_version(char *buf, size_t cap)
{
    snprintf(buf, cap, "rill %s", rill_version());
}

const bench_system bench_system_rill = {
    .name = "rill",
    .about = "rill: topic \"bench\" with the default configuration (one "
             "partition; six for the group workloads)",
    .ceiling = false,
    .setting = {"RILL_SYNC_NONE", "RILL_SYNC_ALWAYS"},
    .setting_read = "rill_poll, no commit",
    .version = rill_bench_version,
    .produce = rill_bench_produce,
    .consume_prepare = rill_bench_consume_prepare,
    .consume = rill_bench_consume,
    .produce_parallel = rill_bench_parallel,
    .produce_async = rill_bench_async,
    .produce_txn = rill_bench_txn,
    .steady = rill_bench_steady,
    .latency = rill_bench_latency,
    .rebalance = rill_bench_rebalance,
    .group_prepare = rill_bench_group_prepare,
    .group_consume = rill_bench_group_consume,
};
