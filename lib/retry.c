/*
 * retry.c -- non-blocking retries through retry topics, dead-letter
 * topics, and moving dead letters back (see "Retries and dead letters" in
 * rill.h).
 *
 * Built on the public API alone: one group consumer subscribed to the
 * topic and its retry topics, rill_pause/rill_resume/rill_seek to wait for
 * a retry topic's head record, a rill_txn per failed record that produces
 * its copy and commits the offset past it, and rill_now_ms, so due times
 * follow an injected clock.
 *
 * Why one topic per attempt: every record of "<topic>.retry-n" waits the
 * same backoff after it failed, and failures are appended in time order,
 * so due times never decrease along a partition. A consumer can then wait
 * for a partition's head record alone: nothing behind it is due sooner.
 */
#include "common.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "error.h"
#include "rill_retry.h"

#define HDR_PREFIX "rill-retry-"
#define H_TOPIC HDR_PREFIX "original-topic"
#define H_PARTITION HDR_PREFIX "original-partition"
#define H_OFFSET HDR_PREFIX "original-offset"
#define H_TIMESTAMP HDR_PREFIX "original-timestamp"
#define H_ATTEMPTS HDR_PREFIX "attempts"
#define H_CODE HDR_PREFIX "error-code"
#define H_MESSAGE HDR_PREFIX "error-message"
#define H_FAILED_AT HDR_PREFIX "failed-at"
#define H_DUE HDR_PREFIX "due"
#define RETRY_HEADERS 9

#define ERRMSG_MAX 512
#define HEADROOM_BYTES 4096
#define REDRIVE_SUFFIX "-redrive"
#define REDRIVE_WAIT_MS 3000

/* A retry partition paused until its head record is due. */
typedef struct waiting {
    const char *topic; /* one of rt->names */
    int32_t partition;
    int64_t due;
} waiting;

/* A partition whose remaining records this round are not handled: it
 * was sought back to its first unhandled record. */
typedef struct held {
    const char *topic;
    int32_t partition;
} held;

struct rill_retrier {
    rill *r;
    rill_consumer *c;
    rill_retrier_options p;
    rill_retry_handler h;
    void *opaque;
    int *not_retryable;
    char *retry_suffix, *dlt_suffix, *client_id;
    /* names[0] the topic, names[n] its retry topic n, names[levels] the
     * dead-letter topic; counts[] their partition counts */
    char **names;
    int32_t *counts;
    int levels; /* max_attempts: the topic and its retry topics */
    waiting *wait;
    size_t nwait, wait_cap;
    held *hold;
    size_t nhold, hold_cap;
    rill_retrier_report st;
};

RILL_API void rill_retrier_options_init(rill_retrier_options *p)
{
    if (!p)
        return;
    memset(p, 0, sizeof *p);
    p->struct_size = sizeof *p;
    p->max_attempts = 3;
    p->initial_backoff_ms = 1000;
    p->multiplier = 2.0;
    p->max_backoff_ms = 30000;
    p->retry_suffix = ".retry-";
    p->dlt_suffix = ".dlt";
}

/* The wait after the attempt-th failed try (attempt >= 1). */
static int64_t backoff_ms(const rill_retrier_options *p, int attempt)
{
    double b = (double)p->initial_backoff_ms;
    for (int i = 1; i < attempt && b < (double)p->max_backoff_ms; i++)
        b *= p->multiplier;
    return b > (double)p->max_backoff_ms ? p->max_backoff_ms : (int64_t)b;
}

static int64_t now_ms(rill *r)
{
    return rill_now_ms(r);
}

static int check_policy(const rill_retrier_options *p)
{
    if (p->max_attempts < 1 || p->max_attempts > RILL_RETRY_ATTEMPTS_MAX)
        return rill_err(RILL_EINVAL, "max_attempts %d is not in 1..%d",
                        p->max_attempts, RILL_RETRY_ATTEMPTS_MAX);
    if (p->initial_backoff_ms < 0 || p->max_backoff_ms < 0)
        return rill_err(RILL_EINVAL, "backoffs must not be negative");
    if (!(p->multiplier >= 1.0 && p->multiplier <= 1e6))
        return rill_err(RILL_EINVAL, "multiplier must be in 1..1e6");
    if (p->not_retryable_count > RILL_RETRY_NOT_RETRYABLE_MAX ||
        (p->not_retryable_count && !p->not_retryable))
        return rill_err(RILL_EINVAL, "not_retryable: at most %d codes, and "
                        "not NULL when counted", RILL_RETRY_NOT_RETRYABLE_MAX);
    if (!p->retry_suffix || !*p->retry_suffix || !p->dlt_suffix ||
        !*p->dlt_suffix)
        return rill_err(RILL_EINVAL, "the retry and dead-letter suffixes "
                        "must not be empty");
    return 0;
}

/* "<topic><suffix>" or "<topic><suffix><n>" (n > 0), in a new string;
 * RILL_EINVAL when longer than a topic name may be. */
static int topic_name(char **out, const char *topic, const char *suffix, int n)
{
    char num[16] = "";
    if (n > 0)
        snprintf(num, sizeof num, "%d", n);
    size_t len = strlen(topic) + strlen(suffix) + strlen(num);
    if (len > RILL_TOPIC_NAME_MAX)
        return rill_err(RILL_EINVAL, "'%s%s%s' is longer than a topic name "
                        "may be (%d)", topic, suffix, num,
                        RILL_TOPIC_NAME_MAX);
    if (!(*out = malloc(len + 1)))
        return rill_err(RILL_ENOMEM, "out of memory");
    snprintf(*out, len + 1, "%s%s%s", topic, suffix, num);
    return 0;
}

/* Creates a retry or dead-letter topic like the source (partitions,
 * compression, a larger record limit for the headers) unless it exists;
 * *count receives its partition count. */
static int ensure_topic(rill *r, const char *name, const rill_topic_info *src,
                        int32_t *count)
{
    rill_topic_config c;
    rill_topic_config_init(&c);
    c.partitions = (int32_t)src->partition_count;
    c.compression = src->config.compression;
    c.compression_level = src->config.compression_level;
    uint64_t limit = (uint64_t)src->config.max_record_bytes + HEADROOM_BYTES;
    c.max_record_bytes = (uint32_t)RILL_MIN(limit, RILL_RECORD_BYTES_MAX);
    c.partitioner = src->config.partitioner;
    int rc = rill_topic_create(r, name, &c);
    if (rc && rc != RILL_EEXIST)
        return rc;
    rill_topic_info *info;
    if ((rc = rill_topic_describe(&info, r, name)))
        return rc;
    *count = (int32_t)info->partition_count;
    rill_topic_info_free(info);
    return 0;
}

/* Copies the policy's strings and list into rt. */
static int copy_policy(rill_retrier *rt, const rill_retrier_options *p,
                       const char *group_id)
{
    rt->p = *p;
    rt->retry_suffix = rill_strdup(p->retry_suffix);
    rt->dlt_suffix = rill_strdup(p->dlt_suffix);
    rt->client_id = rill_strdup(p->client_id ? p->client_id : group_id);
    rt->not_retryable = calloc(p->not_retryable_count + 1, sizeof(int));
    if (!rt->retry_suffix || !rt->dlt_suffix || !rt->client_id ||
        !rt->not_retryable)
        return rill_err(RILL_ENOMEM, "out of memory");
    if (p->not_retryable_count)
        memcpy(rt->not_retryable, p->not_retryable,
               p->not_retryable_count * sizeof(int));
    rt->p.not_retryable = rt->not_retryable;
    rt->p.retry_suffix = rt->retry_suffix;
    rt->p.dlt_suffix = rt->dlt_suffix;
    rt->p.client_id = rt->client_id;
    return 0;
}

/* Names the topic, its retry topics and its dead-letter topic, and
 * creates the ones missing. */
static int make_topics(rill_retrier *rt, const char *topic)
{
    rill_topic_info *src;
    int rc = rill_topic_describe(&src, rt->r, topic);
    if (rc)
        return rc;
    rt->levels = rt->p.max_attempts;
    rt->names = calloc((size_t)rt->levels + 1, sizeof *rt->names);
    rt->counts = calloc((size_t)rt->levels + 1, sizeof *rt->counts);
    if (!rt->names || !rt->counts || !(rt->names[0] = rill_strdup(topic))) {
        rill_topic_info_free(src);
        return rill_err(RILL_ENOMEM, "out of memory");
    }
    rt->counts[0] = (int32_t)src->partition_count;
    for (int i = 1; !rc && i <= rt->levels; i++) {
        int last = i == rt->levels;
        rc = topic_name(&rt->names[i], topic,
                        last ? rt->dlt_suffix : rt->retry_suffix,
                        last ? 0 : i);
        if (!rc)
            rc = ensure_topic(rt->r, rt->names[i], src, &rt->counts[i]);
    }
    rill_topic_info_free(src);
    return rc;
}

/* Subscribes the consumer to the topic and its retry topics. */
static int subscribe(rill_retrier *rt, const char *group_id)
{
    rill_consumer_options o;
    rill_consumer_options_init(&o);
    o.group_id = group_id;
    o.client_id = rt->client_id;
    o.enable_auto_commit = 0; /* rounds commit what they handled */
    int rc = rill_consumer_new(&rt->c, rt->r, &o);
    if (!rc)
        rc = rill_subscribe(rt->c, (const char *const *)rt->names,
                            (size_t)rt->levels);
    return rc;
}

RILL_API int rill_retrier_new(rill_retrier **out, rill *r, const char *group_id,
                              const char *topic, const rill_retrier_options *p,
                              rill_retry_handler h, void *opaque)
{
    rill_retrier_options d;
    if (!out)
        return rill_err(RILL_EINVAL, "out is NULL");
    *out = NULL;
    if (!r || !group_id || !topic || !h)
        return rill_err(RILL_EINVAL, "r, group_id, topic and the handler "
                        "are required");
    rill_retrier_options_init(&d);
    int rc = p ? options_adopt(&d, sizeof d, p, "rill_retrier_options") : 0;
    if (rc)
        return rc;
    p = &d;
    rc = check_policy(p);
    if (rc)
        return rc;
    rill_retrier *rt = calloc(1, sizeof *rt);
    if (!rt)
        return rill_err(RILL_ENOMEM, "out of memory");
    rt->r = r;
    rt->h = h;
    rt->opaque = opaque;
    rt->st.next_due_ms = -1;
    if (!(rc = copy_policy(rt, p, group_id)) && !(rc = make_topics(rt, topic)))
        rc = subscribe(rt, group_id);
    if (rc) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", rill_errmsg());
        rill_retrier_close(rt);
        return rill_err(rc, "%s", msg);
    }
    *out = rt;
    return 0;
}

RILL_API int rill_retrier_close(rill_retrier *rt)
{
    if (!rt)
        return 0;
    int rc = rill_consumer_close(rt->c);
    for (int i = 0; rt->names && i <= rt->levels; i++)
        free(rt->names[i]);
    free(rt->names);
    free(rt->counts);
    free(rt->wait);
    free(rt->hold);
    free(rt->not_retryable);
    free(rt->retry_suffix);
    free(rt->dlt_suffix);
    free(rt->client_id);
    free(rt);
    return rc;
}

RILL_API void rill_retrier_report_free(rill_retrier_report *rep)
{
    free(rep);
}

RILL_API int rill_retrier_stats(rill_retrier_report **report,
                                rill_retrier *rt)
{
    if (!report || !rt)
        return rill_err(RILL_EINVAL, "report or rt is NULL");
    rill_retrier_report *out = malloc(sizeof *out);
    if (!(*report = out))
        return rill_err(RILL_ENOMEM, "out of memory");
    *out = rt->st;
    out->next_due_ms = -1;
    out->waiting = rt->nwait;
    for (size_t i = 0; i < rt->nwait; i++)
        if (out->next_due_ms < 0 || rt->wait[i].due < out->next_due_ms)
            out->next_due_ms = rt->wait[i].due;
    return 0;
}

/* ---- headers ---- */

RILL_API int rill_record_header(const void **value, size_t *len,
                                const rill_record *rec, const char *key)
{
    if (!value || !len || !rec || !key)
        return rill_err(RILL_EINVAL, "value, len, rec and key are required");
    *value = NULL;
    *len = 0;
    for (size_t i = rec->header_count; i-- > 0;)
        if (strcmp(rec->headers[i].key, key) == 0) {
            *value = rec->headers[i].value;
            *len = rec->headers[i].value_len;
            return 0;
        }
    return rill_err(RILL_ENOTFOUND, "the record has no header '%s'", key);
}

/* A header's value as a decimal integer, or def when missing or bad. */
static int64_t header_i64(const rill_record *rec, const char *key, int64_t def)
{
    const void *v;
    size_t len;
    char buf[32], *end;
    if (rill_record_header(&v, &len, rec, key) || len == 0 ||
        len >= sizeof buf)
        return def;
    memcpy(buf, v, len);
    buf[len] = '\0';
    errno = 0;
    long long x = strtoll(buf, &end, 10);
    return errno || *end ? def : (int64_t)x;
}

static bool is_retry_header(const char *key)
{
    return strncmp(key, HDR_PREFIX, sizeof HDR_PREFIX - 1) == 0;
}

/* The values of the rill-retry-* headers of a moved record. */
typedef struct retry_values {
    char partition[16], offset[24], timestamp[24], attempts[16], code[16],
        failed_at[24], due[24];
    const void *topic;
    size_t topic_len;
    const char *message;
} retry_values;

/* Fills h (room for the record's headers and RETRY_HEADERS) with the
 * record's own headers and the retry headers; returns the count. */
static size_t build_headers(rill_header *h, const rill_record *rec,
                            const retry_values *v, bool due)
{
    size_t n = 0;
    for (size_t i = 0; i < rec->header_count; i++)
        if (!is_retry_header(rec->headers[i].key))
            h[n++] = rec->headers[i];
#define PUT(k, s) h[n++] = (rill_header){k, s, strlen(s)}
    h[n++] = (rill_header){H_TOPIC, v->topic, v->topic_len};
    PUT(H_PARTITION, v->partition);
    PUT(H_OFFSET, v->offset);
    PUT(H_TIMESTAMP, v->timestamp);
    PUT(H_ATTEMPTS, v->attempts);
    PUT(H_CODE, v->code);
    PUT(H_MESSAGE, v->message);
    PUT(H_FAILED_AT, v->failed_at);
    if (due)
        PUT(H_DUE, v->due);
#undef PUT
    return n;
}

/* The original topic, partition, offset and timestamp: the record's own
 * at level 0, else carried in its headers. */
static void original_of(retry_values *v, const rill_record *rec, int level)
{
    int64_t part = rec->partition, off = rec->offset, ts = rec->timestamp_ms;
    v->topic = rec->topic;
    v->topic_len = strlen(rec->topic);
    if (level > 0) {
        const void *t;
        size_t tl;
        if (rill_record_header(&t, &tl, rec, H_TOPIC) == 0) {
            v->topic = t;
            v->topic_len = tl;
        }
        part = header_i64(rec, H_PARTITION, part);
        off = header_i64(rec, H_OFFSET, off);
        ts = header_i64(rec, H_TIMESTAMP, ts);
    }
    snprintf(v->partition, sizeof v->partition, "%lld", (long long)part);
    snprintf(v->offset, sizeof v->offset, "%lld", (long long)off);
    snprintf(v->timestamp, sizeof v->timestamp, "%lld", (long long)ts);
}

/* ---- a round ---- */

static bool not_retryable(const rill_retrier *rt, int code)
{
    for (size_t i = 0; i < rt->p.not_retryable_count; i++)
        if (rt->not_retryable[i] == code)
            return true;
    return false;
}

/* The level of a record's topic: 0 the topic, n its retry topic n. */
static int level_of(const rill_retrier *rt, const char *topic)
{
    for (int i = 0; i < rt->levels; i++)
        if (strcmp(rt->names[i], topic) == 0)
            return i;
    return 0;
}

static bool is_held(const rill_retrier *rt, const rill_record *rec)
{
    for (size_t i = 0; i < rt->nhold; i++)
        if (rt->hold[i].partition == rec->partition &&
            strcmp(rt->hold[i].topic, rec->topic) == 0)
            return true;
    return false;
}

/* Seeks rec's partition back to rec and handles nothing more of it this
 * round: the next poll starts there. */
static int hold(rill_retrier *rt, const rill_record *rec)
{
    int rc = rill_seek(rt->c, rec->topic, rec->partition, rec->offset);
    if (rc && rc != RILL_ENOTFOUND) /* RILL_ENOTFOUND: no longer ours */
        return rc;
    if (rt->nhold == rt->hold_cap) {
        size_t cap = rt->hold_cap ? rt->hold_cap * 2 : 16;
        held *h = realloc(rt->hold, cap * sizeof *h);
        if (!h)
            return rill_err(RILL_ENOMEM, "out of memory");
        rt->hold = h;
        rt->hold_cap = cap;
    }
    rt->hold[rt->nhold++] = (held){rt->names[level_of(rt, rec->topic)],
                                   rec->partition};
    return 0;
}

/* Pauses rec's partition until due, with rec next to read. */
static int wait_until(rill_retrier *rt, const rill_record *rec, int64_t due)
{
    const char *topic = rt->names[level_of(rt, rec->topic)];
    int rc = hold(rt, rec);
    if (rc)
        return rc;
    rill_topic_partition tp = {topic, rec->partition, 0};
    if ((rc = rill_pause(rt->c, &tp, 1)))
        return rc == RILL_ENOTFOUND ? 0 : rc;
    for (size_t i = 0; i < rt->nwait; i++)
        if (rt->wait[i].topic == topic &&
            rt->wait[i].partition == tp.partition) {
            rt->wait[i].due = due;
            return 0;
        }
    if (rt->nwait == rt->wait_cap) {
        size_t cap = rt->wait_cap ? rt->wait_cap * 2 : 16;
        waiting *w = realloc(rt->wait, cap * sizeof *w);
        if (!w) {
            rill_resume(rt->c, &tp, 1);
            return rill_err(RILL_ENOMEM, "out of memory");
        }
        rt->wait = w;
        rt->wait_cap = cap;
    }
    rt->wait[rt->nwait++] = (waiting){topic, tp.partition, due};
    return 0;
}

/* Resumes the paused partitions that are due by now (or that are no
 * longer this consumer's), and returns how long poll may wait:
 * timeout_ms, or less when a paused partition comes due sooner. */
static int resume_due(rill_retrier *rt, int timeout_ms)
{
    int64_t now = now_ms(rt->r), soonest = -1;
    for (size_t i = 0; i < rt->nwait;) {
        waiting *w = &rt->wait[i];
        if (w->due > now) {
            if (soonest < 0 || w->due < soonest)
                soonest = w->due;
            i++;
            continue;
        }
        rill_topic_partition tp = {w->topic, w->partition, 0};
        rill_resume(rt->c, &tp, 1); /* RILL_ENOTFOUND: not ours now */
        *w = rt->wait[--rt->nwait];
    }
    if (soonest < 0)
        return timeout_ms;
    int64_t left = soonest - now;
    if (left > INT_MAX)
        left = INT_MAX;
    return timeout_ms >= 0 && timeout_ms < left ? timeout_ms : (int)left;
}

/* Moves a failed record to the next retry topic or the dead-letter
 * topic, and commits its topic's offset past it, in one transaction. */
static int move(rill_retrier *rt, const rill_record *rec, int level, int code,
                const char *msg)
{
    int attempts = level + 1;
    int to = not_retryable(rt, code) || attempts >= rt->levels ? rt->levels
                                                                : attempts;
    rill_header *h = calloc(rec->header_count + RETRY_HEADERS, sizeof *h);
    if (!h)
        return rill_err(RILL_ENOMEM, "out of memory");
    retry_values v = {.message = msg};
    original_of(&v, rec, level);
    snprintf(v.attempts, sizeof v.attempts, "%d", attempts);
    snprintf(v.code, sizeof v.code, "%d", code);
    rill_txn *t;
    int rc = rill_txn_begin(&t, rt->r);
    if (rc) {
        free(h);
        return rc;
    }
    /* Read the clock holding the write lock, so due times follow the
     * order of the records in the retry topic's partitions. */
    int64_t now = now_ms(rt->r);
    snprintf(v.failed_at, sizeof v.failed_at, "%lld", (long long)now);
    snprintf(v.due, sizeof v.due, "%lld",
             (long long)now + backoff_ms(&rt->p, attempts));
    rill_message m = {
        .topic = rt->names[to],
        .partition = rec->partition < rt->counts[to] ? rec->partition
                                                     : RILL_PARTITION_ANY,
        .key = rec->key, .key_len = rec->key_len,
        .value = rec->value, .value_len = rec->value_len,
        .headers = h,
        .header_count = build_headers(h, rec, &v, to < rt->levels)};
    rill_topic_partition past = {rec->topic, rec->partition, rec->offset + 1};
    if ((rc = rill_txn_produce(t, &m, NULL)) ||
        (rc = rill_txn_commit_offsets(t, rt->c, &past, 1)))
        rill_txn_abort(t);
    else
        rc = rill_txn_commit(t);
    free(h);
    if (!rc && to < rt->levels)
        rt->st.retried++;
    else if (!rc)
        rt->st.dead_lettered++;
    return rc;
}

/* Runs the handler on rec, or holds rec back when it is not yet due;
 * moves it on when the handler fails. */
static int handle(rill_retrier *rt, const rill_record *rec, size_t *handled)
{
    int level = level_of(rt, rec->topic);
    if (level > 0) {
        int64_t due = header_i64(rec, H_DUE, rec->timestamp_ms +
                                                 backoff_ms(&rt->p, level));
        if (due > now_ms(rt->r))
            return wait_until(rt, rec, due);
    }
    char msg[ERRMSG_MAX] = "";
    int code = rt->h(rt->opaque, rec, level + 1, msg, sizeof msg);
    msg[sizeof msg - 1] = '\0';
    rt->st.handled++;
    ++*handled;
    if (code == 0) {
        rt->st.succeeded++;
        return 0;
    }
    int rc = move(rt, rec, level, code, msg);
    if (rc == RILL_EFENCED)
        return hold(rt, rec); /* another member has the partition now */
    return rc;
}

/* Commits the offsets past what the round handled. When a partition
 * moved to another member, the others are committed one by one. */
static int commit_round(rill_retrier *rt)
{
    int rc = rill_commit(rt->c);
    if (rc != RILL_EFENCED)
        return rc;
    rill_topic_partition *tps;
    size_t n;
    if ((rc = rill_assignment(&tps, &n, rt->c)))
        return rc;
    for (size_t i = 0; i < n && (!rc || rc == RILL_EFENCED); i++)
        if (tps[i].offset >= 0)
            rc = rill_commit_offsets(rt->c, &tps[i], 1);
    rill_tps_free(tps, n);
    return rc == RILL_EFENCED ? 0 : rc;
}

RILL_API int rill_retrier_poll(rill_retrier *rt, int timeout_ms,
                               size_t *handled)
{
    size_t dummy;
    if (!handled)
        handled = &dummy;
    *handled = 0;
    if (!rt)
        return rill_err(RILL_EINVAL, "retrier is NULL");
    const rill_record *recs;
    size_t n;
    int rc = rill_poll(rt->c, resume_due(rt, timeout_ms), &recs, &n);
    if (rc)
        return rc;
    rt->nhold = 0;
    size_t i = 0;
    for (; i < n && !rc; i++)
        if (!is_held(rt, &recs[i]))
            rc = handle(rt, &recs[i], handled);
    if (rc) {
        /* The record that failed and everything after it are read again
         * next round: seeking from the last back, each partition ends at
         * its first record not handled. */
        char msg[512];
        snprintf(msg, sizeof msg, "%s", rill_errmsg());
        for (size_t j = n; j-- > i - 1;)
            if (!is_held(rt, &recs[j]))
                rill_seek(rt->c, recs[j].topic, recs[j].partition,
                          recs[j].offset);
        commit_round(rt);
        return rill_err(rc, "%s", msg);
    }
    return commit_round(rt);
}

/* ---- moving dead letters back ---- */

/* Appends rec to its original topic inside t; *skip when it has no
 * rill-retry-original-topic header. */
static int redrive_one(rill_txn *t, rill *r, const rill_record *rec,
                       bool *skip)
{
    const void *tv = NULL;
    size_t tl = 0;
    char topic[RILL_TOPIC_NAME_MAX + 1];
    *skip = rill_record_header(&tv, &tl, rec, H_TOPIC) != 0 || tl == 0 ||
            tl > RILL_TOPIC_NAME_MAX;
    if (*skip)
        return 0;
    memcpy(topic, tv, tl);
    topic[tl] = '\0';
    int64_t part = header_i64(rec, H_PARTITION, -1);
    int64_t first, next;
    if (part < 0 || part > INT32_MAX ||
        rill_watermarks(&first, &next, r, topic, (int32_t)part))
        part = RILL_PARTITION_ANY;
    rill_header *h = calloc(rec->header_count + 1, sizeof *h);
    if (!h)
        return rill_err(RILL_ENOMEM, "out of memory");
    size_t nh = 0;
    for (size_t i = 0; i < rec->header_count; i++)
        if (!is_retry_header(rec->headers[i].key))
            h[nh++] = rec->headers[i];
    rill_message m = {.topic = topic, .partition = (int32_t)part,
                      .key = rec->key, .key_len = rec->key_len,
                      .value = rec->value, .value_len = rec->value_len,
                      .headers = h, .header_count = nh};
    int rc = rill_txn_produce(t, &m, NULL);
    free(h);
    if (rc)
        return rill_err_wrap(rc, "moving %s/%d offset %lld back to '%s'",
                             rec->topic, rec->partition,
                             (long long)rec->offset, topic);
    return 0;
}

/* Moves one poll's records (up to left) in one transaction with the
 * group's offsets past them; *moved counts the ones moved. */
static int redrive_batch(rill *r, rill_consumer *c, const rill_record *recs,
                         size_t n, size_t *moved)
{
    rill_topic_partition *past = calloc(n, sizeof *past);
    size_t np = 0, count = 0;
    rill_txn *t;
    if (!past)
        return rill_err(RILL_ENOMEM, "out of memory");
    int rc = rill_txn_begin(&t, r);
    for (size_t i = 0; i < n && !rc; i++) {
        bool skip;
        rc = redrive_one(t, r, &recs[i], &skip);
        count += !rc && !skip;
        size_t k = 0;
        while (k < np && past[k].partition != recs[i].partition)
            k++;
        past[k] = (rill_topic_partition){recs[i].topic, recs[i].partition,
                                         recs[i].offset + 1};
        np += k == np;
    }
    if (!rc)
        rc = rill_txn_commit_offsets(t, c, past, np);
    if (!rc)
        rc = rill_txn_commit(t);
    else if (t)
        rill_txn_abort(t);
    free(past);
    if (!rc)
        *moved += count;
    return rc;
}

/* Whether c holds all n partitions of its topic. */
static bool holds_all(rill_consumer *c, int32_t n)
{
    rill_topic_partition *tps;
    size_t k;
    if (rill_assignment(&tps, &k, c))
        return false;
    rill_tps_free(tps, k);
    return k == (size_t)n;
}

RILL_API int rill_dlt_redrive(size_t *moved, rill *r, const char *dlt_topic,
                              size_t max)
{
    size_t dummy, left = max ? max : SIZE_MAX;
    char group[RILL_TOPIC_NAME_MAX + sizeof REDRIVE_SUFFIX];
    rill_topic_info *info;
    if (!moved)
        moved = &dummy;
    *moved = 0;
    if (!dlt_topic)
        return rill_err(RILL_EINVAL, "dlt_topic is NULL");
    if (strlen(dlt_topic) + sizeof REDRIVE_SUFFIX - 1 > 249)
        return rill_err(RILL_EINVAL, "the group name '%s%s' would be longer "
                        "than 249 bytes", dlt_topic, REDRIVE_SUFFIX);
    snprintf(group, sizeof group, "%s%s", dlt_topic, REDRIVE_SUFFIX);
    int rc = rill_topic_describe(&info, r, dlt_topic);
    if (rc)
        return rc;
    int32_t parts = (int32_t)info->partition_count;
    rill_topic_info_free(info);
    rill_consumer_options o;
    rill_consumer_options_init(&o);
    o.group_id = group;
    o.client_id = group;
    o.enable_auto_commit = 0;
    o.max_poll_records = (unsigned)RILL_MIN(left, 500);
    rill_consumer *c;
    if ((rc = rill_consumer_new(&c, r, &o)))
        return rc;
    rc = rill_subscribe(c, &dlt_topic, 1);
    /* Done when it holds every partition and reads nothing more; a
     * partition still held by another member (a crashed one is removed
     * within a second) is waited for a while. */
    int64_t give_up = rill_monotonic_ms() + REDRIVE_WAIT_MS;
    while (!rc && left > 0) {
        const rill_record *recs;
        size_t n;
        bool all = holds_all(c, parts);
        if ((rc = rill_poll(c, all ? 0 : 100, &recs, &n)))
            break;
        if (n == 0 && all)
            break;
        if (n == 0 && rill_monotonic_ms() > give_up) {
            rc = rill_err(RILL_EBUSY, "another member of group '%s' holds "
                          "partitions of '%s' (is a redrive running?)", group,
                          dlt_topic);
            break;
        }
        if (n == 0)
            continue;
        rc = redrive_batch(r, c, recs, RILL_MIN(n, left), moved);
        left -= RILL_MIN(n, left);
    }
    char msg[512];
    snprintf(msg, sizeof msg, "%s", rill_errmsg());
    rill_consumer_close(c);
    return rc ? rill_err(rc, "%s", msg) : 0;
}
