/*
 * reader.c -- reading a partition from any offset without a group, for
 * programs that keep positions themselves (the Kafka gateway answering a
 * Fetch, a mirror, tools), and waiting for any commit to the directory.
 *
 * A reader is a consumer assigned one partition at a time: each read
 * points it at (topic, partition, offset) and runs one fetch and decode
 * with the read's record and byte budgets. The records live in the
 * consumer's buffers until the next read, as a poll's do.
 */
#include "consumer.h"

#include <stdlib.h>

#include "error.h"
#include "handle.h"
#include "topic.h"

struct rill_reader {
    rill_consumer *c;
};

RILL_API int rill_reader_new(rill_reader **out, rill *r)
{
    rill_consumer_options o;
    if (!out)
        return rill_err(RILL_EINVAL, "out is NULL");
    *out = NULL;
    rill_consumer_options_init(&o);
    o.auto_offset_reset = RILL_RESET_ERROR; /* out of range is an error */
    rill_reader *rd = calloc(1, sizeof *rd);
    if (!rd)
        return rill_err(RILL_ENOMEM, "out of memory");
    int rc = rill_consumer_new(&rd->c, r, &o);
    if (rc) {
        free(rd);
        return rc;
    }
    *out = rd;
    return 0;
}

RILL_API int rill_reader_read(rill_reader *rd, const char *topic,
                              int32_t partition, int64_t offset,
                              size_t max_records, size_t max_bytes,
                              const rill_record **recs, size_t *n,
                              int64_t *next, int64_t *end)
{
    if (!rd || !recs || !n || !next)
        return rill_err(RILL_EINVAL, "rd, recs, n or next is NULL");
    *recs = NULL;
    *n = 0;
    rill_consumer *c = rd->c;
    int rc = consumer_enter(c);
    if (rc || (rc = topic_name_validate(topic)))
        return rc;
    if (partition < 0 || offset < 0)
        return rill_err(RILL_EINVAL, "partition %d or offset %lld is "
                        "negative", partition, (long long)offset);
    if (max_records == 0 || max_records > 1000000)
        return rill_err(RILL_EINVAL, "max_records %zu is not in 1..1000000",
                        max_records);
    rill_topic_partition tp = {topic, partition, offset};
    if ((rc = consumer_set_assignment(c, &tp, 1, false)))
        return rc;
    c->opts.max_poll_records = (unsigned)max_records;
    c->fetch_max_bytes = max_bytes ? max_bytes : FETCH_MAX_BYTES;
    size_t count = 0;
    if ((rc = consumer_fetch_records(c, &count)))
        return rc;
    *recs = count ? c->recs : NULL;
    *n = count;
    *next = c->parts[0].position;
    if (end)
        *end = c->parts[0].end;
    return 0;
}

RILL_API void rill_reader_destroy(rill_reader *rd)
{
    if (!rd)
        return;
    rill_consumer_close(rd->c);
    free(rd);
}

RILL_API uint32_t rill_change_seq(rill *r)
{
    return rill_enter(r) ? 0 : notify_seq(&r->nt);
}

RILL_API int rill_wait_change(rill *r, uint32_t seq, int timeout_ms)
{
    int rc = rill_enter(r);
    if (rc)
        return rc;
    if (timeout_ms < -1)
        return rill_err(RILL_EINVAL, "timeout_ms %d is invalid", timeout_ms);
    int64_t deadline = rill_monotonic_ms() + timeout_ms;
    while (notify_seq(&r->nt) == seq) {
        int wait = -1;
        if (timeout_ms >= 0) {
            int64_t left = deadline - rill_monotonic_ms();
            if (left <= 0)
                return rill_err(RILL_ETIMEDOUT, "no commit within %d ms",
                                timeout_ms);
            wait = (int)left;
        }
        notify_wait(&r->nt, seq, wait);
    }
    return 0;
}
