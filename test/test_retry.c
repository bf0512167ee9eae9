/*
 * test_retry.c -- retry topics and dead-letter topics: a record that
 * fails moves through "<topic>.retry-n" to "<topic>.dlt" with its
 * headers, waits its backoff by an injected clock (no sleeping) without
 * holding up other records, skips the retries on a not-retryable code,
 * is read again when its move fails, and is moved exactly once even when
 * the processes running retriers (one or two sharing the group) are
 * killed at random moments. Dead letters are moved back exactly once,
 * through kills too.
 */
#include "support.h"

#include <rill_retry.h>

#include <signal.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* ---- the injected clock and the handler ---- */

static int64_t clock_at(void *opaque)
{
    return *(volatile int64_t *)opaque;
}

/* The retrier's counts, copied out of its report. */
static rill_retrier_report stats_of(rill_retrier *rt)
{
    rill_retrier_report *rep, st;
    ok(rill_retrier_stats(&rep, rt));
    st = *rep;
    rill_retrier_report_free(rep);
    return st;
}

typedef struct rfix {
    char *dir;
    rill *r;
    int64_t now;
} rfix;

static int rfix_setup(void **state)
{
    rfix *f = calloc(1, sizeof *f);
    rill_options o;
    rill_options_init(&o);
    o.sync = RILL_SYNC_NONE;
    o.clock = clock_at;
    o.clock_opaque = &f->now;
    f->now = 1700000000000;
    f->dir = tmpdir_new();
    ok(rill_open(&f->r, f->dir, &o));
    *state = f;
    return 0;
}

static int rfix_teardown(void **state)
{
    rfix *f = *state;
    rill_close(f->r);
    tmpdir_remove(f->dir);
    free(f);
    return 0;
}

enum { CALLS_MAX = 256 };

/* What the handler was called with, in order. */
static struct {
    char key[CALLS_MAX][32];
    int attempt[CALLS_MAX];
    size_t n;
} calls;

/* Behaves as the record's value says: "ok" succeeds, "fail-N" fails
 * while attempt <= N, "always" fails with code 42, "bad" with 400. */
static int handler(void *opaque, const rill_record *rec, int attempt,
                   char *errmsg, size_t errlen)
{
    (void)opaque;
    if (calls.n < CALLS_MAX) {
        snprintf(calls.key[calls.n], sizeof calls.key[0], "%.*s",
                 (int)rec->key_len, (const char *)rec->key);
        calls.attempt[calls.n++] = attempt;
    }
    const char *v = rec->value;
    size_t vl = rec->value_len;
    snprintf(errmsg, errlen, "boom %d", attempt);
    if (vl == 2 && !memcmp(v, "ok", 2))
        return 0;
    if (vl == 3 && !memcmp(v, "bad", 3))
        return 400;
    if (vl == 5 && !memcmp(v, "quiet", 5)) {
        errmsg[0] = '\0';
        return 7;
    }
    if (vl > 5 && !memcmp(v, "fail-", 5))
        return attempt <= v[5] - '0' ? 503 : 0;
    return 42;
}

static void produce(rill *r, const char *topic, int32_t partition,
                    const char *key, const char *value)
{
    rill_header h = {"trace", "abc", 3};
    rill_message m = {.topic = topic, .partition = partition,
                      .key = key, .key_len = strlen(key),
                      .value = value, .value_len = strlen(value),
                      .headers = &h, .header_count = 1};
    ok(rill_produce(r, &m, NULL));
}

/* Polls until a round handles nothing; returns how many were handled. */
static size_t run(rill_retrier *rt)
{
    size_t total = 0, h;
    do {
        ok(rill_retrier_poll(rt, 0, &h));
        total += h;
    } while (h);
    return total;
}

static int64_t count(rill *r, const char *topic)
{
    rill_topic_info *t;
    ok(rill_topic_describe(&t, r, topic));
    int64_t n = 0;
    for (size_t i = 0; i < t->partition_count; i++)
        n += t->partitions[i].records;
    rill_topic_info_free(t);
    return n;
}

/* count, or 0 while the topic does not exist yet. */
static int64_t count_if(rill *r, const char *topic)
{
    rill_topic_info *t;
    if (rill_topic_describe(&t, r, topic))
        return 0;
    int64_t n = 0;
    for (size_t i = 0; i < t->partition_count; i++)
        n += t->partitions[i].records;
    rill_topic_info_free(t);
    return n;
}

static void copy_one(const rill_record *rec, void *arg)
{
    char *out = arg; /* "key|value|hdr=v;hdr=v;" */
    int n = snprintf(out, 1024, "%.*s|%.*s|", (int)rec->key_len,
                     (const char *)rec->key, (int)rec->value_len,
                     (const char *)rec->value);
    for (size_t i = 0; i < rec->header_count && n < 1000; i++)
        n += snprintf(out + n, 1024 - (size_t)n, "%s=%.*s;",
                      rec->headers[i].key, (int)rec->headers[i].value_len,
                      (const char *)rec->headers[i].value);
}

/* The one record of a partition as text, or "" when it has none. */
static const char *only_record(rill *r, const char *topic, int32_t p)
{
    static char buf[1024];
    buf[0] = '\0';
    assert_true(read_partition(r, topic, p, 0, 2, copy_one, buf) <= 1);
    return buf;
}

static void assert_lag_zero(rill *r, const char *group)
{
    rill_group_info *g;
    ok(rill_group_describe(&g, r, group));
    for (size_t i = 0; i < g->partition_count; i++)
        if (g->partitions[i].lag != 0)
            fail_msg("%s %s/%d has lag %lld", group, g->partitions[i].topic,
                     g->partitions[i].partition,
                     (long long)g->partitions[i].lag);
    rill_group_info_free(g);
}

/* ---- in one process, by the injected clock ---- */

static void fails_twice_then_succeeds(void **state)
{
    rfix *f = *state;
    rill_retrier *rt;
    calls.n = 0;
    topic_new(f->r, "jobs", 1);
    ok(rill_retrier_new(&rt, f->r, "workers", "jobs", NULL, handler, NULL));
    produce(f->r, "jobs", 0, "k1", "fail-2");
    assert_int_equal(run(rt), 1); /* attempt 1 fails */
    assert_int_equal(count(f->r, "jobs.retry-1"), 1);
    rill_retrier_report st;
    st = stats_of(rt);
    assert_int_equal(st.retried, 1);
    assert_int_equal(st.waiting, 1);
    assert_int_equal(st.next_due_ms, f->now + 1000);

    f->now += 999;
    assert_int_equal(run(rt), 0); /* not yet due */
    f->now += 1;
    assert_int_equal(run(rt), 1); /* attempt 2 fails */
    assert_int_equal(count(f->r, "jobs.retry-2"), 1);
    f->now += 1999;
    assert_int_equal(run(rt), 0);
    f->now += 1;
    assert_int_equal(run(rt), 1); /* attempt 3 succeeds */

    assert_int_equal(calls.n, 3);
    for (int i = 0; i < 3; i++) {
        assert_string_equal(calls.key[i], "k1");
        assert_int_equal(calls.attempt[i], i + 1);
    }
    assert_int_equal(count(f->r, "jobs.dlt"), 0);
    st = stats_of(rt);
    assert_int_equal(st.handled, 3);
    assert_int_equal(st.succeeded, 1);
    assert_int_equal(st.retried, 2);
    assert_int_equal(st.dead_lettered, 0);
    assert_int_equal(st.waiting, 0);
    assert_lag_zero(f->r, "workers");
    rill_retrier_close(rt);
}

static void always_failing_lands_in_dlt_with_headers(void **state)
{
    rfix *f = *state;
    rill_retrier *rt;
    calls.n = 0;
    topic_new(f->r, "jobs", 3);
    ok(rill_retrier_new(&rt, f->r, "workers", "jobs", NULL, handler, NULL));
    int64_t t0 = f->now;
    produce(f->r, "jobs", 2, "k7", "always");
    assert_int_equal(run(rt), 1);
    char want[1024];
    snprintf(want, sizeof want,
             "k7|always|trace=abc;rill-retry-original-topic=jobs;"
             "rill-retry-original-partition=2;rill-retry-original-offset=0;"
             "rill-retry-original-timestamp=%lld;rill-retry-attempts=1;"
             "rill-retry-error-code=42;rill-retry-error-message=boom 1;"
             "rill-retry-failed-at=%lld;rill-retry-due=%lld;",
             (long long)t0, (long long)t0, (long long)t0 + 1000);
    assert_string_equal(only_record(f->r, "jobs.retry-1", 2), want);

    f->now += 1500;
    int64_t t1 = f->now;
    assert_int_equal(run(rt), 1);
    snprintf(want, sizeof want,
             "k7|always|trace=abc;rill-retry-original-topic=jobs;"
             "rill-retry-original-partition=2;rill-retry-original-offset=0;"
             "rill-retry-original-timestamp=%lld;rill-retry-attempts=2;"
             "rill-retry-error-code=42;rill-retry-error-message=boom 2;"
             "rill-retry-failed-at=%lld;rill-retry-due=%lld;",
             (long long)t0, (long long)t1, (long long)t1 + 2000);
    assert_string_equal(only_record(f->r, "jobs.retry-2", 2), want);

    f->now += 2000;
    int64_t t2 = f->now;
    assert_int_equal(run(rt), 1);
    snprintf(want, sizeof want,
             "k7|always|trace=abc;rill-retry-original-topic=jobs;"
             "rill-retry-original-partition=2;rill-retry-original-offset=0;"
             "rill-retry-original-timestamp=%lld;rill-retry-attempts=3;"
             "rill-retry-error-code=42;rill-retry-error-message=boom 3;"
             "rill-retry-failed-at=%lld;",
             (long long)t0, (long long)t2);
    assert_string_equal(only_record(f->r, "jobs.dlt", 2), want);

    f->now += 100000;
    assert_int_equal(run(rt), 0); /* nothing reads the DLT */
    assert_int_equal(calls.n, 3);
    assert_int_equal(count(f->r, "jobs.dlt"), 1);
    rill_retrier_report st;
    st = stats_of(rt);
    assert_int_equal(st.dead_lettered, 1);
    assert_int_equal(st.retried, 2);
    assert_lag_zero(f->r, "workers");
    rill_retrier_close(rt);
}

static void the_topic_keeps_flowing_while_a_record_waits(void **state)
{
    rfix *f = *state;
    rill_retrier *rt;
    calls.n = 0;
    topic_new(f->r, "jobs", 2);
    ok(rill_retrier_new(&rt, f->r, "workers", "jobs", NULL, handler, NULL));
    produce(f->r, "jobs", 0, "a", "fail-1");
    assert_int_equal(run(rt), 1);
    /* Behind it in the same partition, and in the other one. */
    produce(f->r, "jobs", 0, "b", "ok");
    produce(f->r, "jobs", 0, "c", "ok");
    f->now += 500;
    produce(f->r, "jobs", 1, "d", "fail-1"); /* due 500 ms after a */
    assert_int_equal(run(rt), 3);            /* b, c, d; a still waits */
    assert_int_equal(calls.n, 4);
    rill_retrier_report st;
    st = stats_of(rt);
    assert_int_equal(st.waiting, 2);

    /* retry-1 partition 0 is due; partition 1 still waits. */
    f->now += 500;
    assert_int_equal(run(rt), 1);
    assert_string_equal(calls.key[4], "a");
    assert_int_equal(calls.attempt[4], 2);
    produce(f->r, "jobs", 0, "e", "ok"); /* not held up by d */
    assert_int_equal(run(rt), 1);
    assert_string_equal(calls.key[5], "e");
    f->now += 499;
    assert_int_equal(run(rt), 0);
    f->now += 1;
    assert_int_equal(run(rt), 1);
    assert_string_equal(calls.key[6], "d");
    assert_int_equal(calls.attempt[6], 2);
    assert_lag_zero(f->r, "workers");
    rill_retrier_close(rt);
}

static void backoffs_grow_up_to_the_cap(void **state)
{
    rfix *f = *state;
    rill_retrier *rt;
    rill_retrier_options p;
    rill_retrier_options_init(&p);
    p.max_attempts = 5;
    p.initial_backoff_ms = 100;
    p.multiplier = 3;
    p.max_backoff_ms = 500;
    p.retry_suffix = "-try";
    p.dlt_suffix = "-dead";
    calls.n = 0;
    topic_new(f->r, "jobs", 1);
    ok(rill_retrier_new(&rt, f->r, "workers", "jobs", &p, handler, NULL));
    produce(f->r, "jobs", 0, "k", "always");
    assert_int_equal(run(rt), 1);
    static const int64_t waits[] = {100, 300, 500, 500};
    for (int i = 0; i < 4; i++) {
        f->now += waits[i] - 1;
        assert_int_equal(run(rt), 0);
        f->now += 1;
        assert_int_equal(run(rt), 1);
        assert_int_equal(calls.attempt[calls.n - 1], i + 2);
    }
    assert_int_equal(count(f->r, "jobs-try1"), 1);
    assert_int_equal(count(f->r, "jobs-try4"), 1);
    assert_int_equal(count(f->r, "jobs-dead"), 1);
    fails(RILL_ENOTFOUND, rill_topic_describe(&(rill_topic_info *){0}, f->r,
                                              "jobs-try5"));
    rill_retrier_close(rt);

    p.max_attempts = 0;
    fails(RILL_EINVAL,
          rill_retrier_new(&rt, f->r, "workers", "jobs", &p, handler, NULL));
    assert_null(rt);
    p.max_attempts = 2;
    fails(RILL_ENOTFOUND,
          rill_retrier_new(&rt, f->r, "workers", "nope", &p, handler, NULL));
}

static void not_retryable_codes_go_straight_to_the_dlt(void **state)
{
    rfix *f = *state;
    rill_retrier *rt;
    rill_retrier_options p;
    rill_retrier_options_init(&p);
    static const int codes[] = {400, 404};
    p.not_retryable = codes;
    p.not_retryable_count = 2;
    calls.n = 0;
    topic_new(f->r, "jobs", 2);
    ok(rill_retrier_new(&rt, f->r, "workers", "jobs", &p, handler, NULL));
    produce(f->r, "jobs", 0, "x", "bad");
    produce(f->r, "jobs", 0, "y", "always");
    produce(f->r, "jobs", 1, "z", "quiet"); /* no message */
    assert_int_equal(run(rt), 3);
    assert_int_equal(count(f->r, "jobs.dlt"), 1);
    assert_int_equal(count(f->r, "jobs.retry-1"), 2);
    assert_non_null(strstr(only_record(f->r, "jobs.retry-1", 1),
                           "rill-retry-error-code=7;"
                           "rill-retry-error-message=;"));
    const char *dead = only_record(f->r, "jobs.dlt", 0);
    assert_non_null(strstr(dead, "x|bad|"));
    assert_non_null(strstr(dead, "rill-retry-attempts=1;"));
    assert_non_null(strstr(dead, "rill-retry-error-code=400;"));
    assert_null(strstr(dead, "rill-retry-due"));
    rill_retrier_close(rt);
}

/* How often the handler was called for key. */
static int calls_for(const char *key)
{
    int n = 0;
    for (size_t i = 0; i < calls.n; i++)
        n += strcmp(calls.key[i], key) == 0;
    return n;
}

static int64_t committed(rill *r, const char *group, const char *topic,
                         int32_t partition)
{
    rill_group_info *g;
    int64_t off = RILL_OFFSET_INVALID;
    ok(rill_group_describe(&g, r, group));
    for (size_t i = 0; i < g->partition_count; i++)
        if (g->partitions[i].partition == partition &&
            !strcmp(g->partitions[i].topic, topic))
            off = g->partitions[i].committed;
    rill_group_info_free(g);
    return off;
}

static void a_failed_move_reads_the_record_again(void **state)
{
    rfix *f = *state;
    rill_retrier *rt;
    rill_topic_config c;
    calls.n = 0;
    topic_new(f->r, "jobs", 1);
    rill_topic_config_init(&c);
    c.max_record_bytes = 100; /* too small for a record with its headers */
    ok(rill_topic_create(f->r, "jobs.retry-1", &c));
    ok(rill_retrier_new(&rt, f->r, "workers", "jobs", NULL, handler, NULL));
    produce(f->r, "jobs", 0, "a", "ok");
    produce(f->r, "jobs", 0, "b", "always");
    produce(f->r, "jobs", 0, "c", "ok");
    size_t h;
    fails(RILL_ETOOBIG, rill_retrier_poll(rt, 0, &h));
    assert_int_equal(h, 2); /* a, and b whose move failed; not c */
    assert_int_equal(committed(f->r, "workers", "jobs", 0), 1);
    assert_int_equal(count(f->r, "jobs.retry-1"), 0);

    c.max_record_bytes = 0;
    ok(rill_topic_alter(f->r, "jobs.retry-1", &c));
    assert_int_equal(run(rt), 2); /* b again, then c */
    assert_int_equal(calls_for("a"), 1);
    assert_int_equal(calls_for("b"), 2);
    assert_int_equal(calls_for("c"), 1);
    assert_int_equal(count(f->r, "jobs.retry-1"), 1);
    assert_int_equal(committed(f->r, "workers", "jobs", 0), 3);
    rill_retrier_close(rt);
}

static void record_header_finds_the_last(void **state)
{
    (void)state;
    rill_header h[3] = {{"a", "1", 1}, {"b", "2", 1}, {"a", "3", 1}};
    rill_record rec = {.topic = "t", .headers = h, .header_count = 3};
    const void *v;
    size_t len;
    ok(rill_record_header(&v, &len, &rec, "a"));
    assert_int_equal(len, 1);
    assert_memory_equal(v, "3", 1);
    fails(RILL_ENOTFOUND, rill_record_header(&v, &len, &rec, "c"));
    fails(RILL_EINVAL, rill_record_header(&v, &len, NULL, "c"));
}

/* ---- redrive ---- */

/* Fills "jobs.dlt" with n dead letters (max_attempts 1). */
static void fill_dlt(rfix *f, int n)
{
    rill_retrier *rt;
    rill_retrier_options p;
    rill_retrier_options_init(&p);
    p.max_attempts = 1;
    topic_new(f->r, "jobs", 3);
    ok(rill_retrier_new(&rt, f->r, "workers", "jobs", &p, handler, NULL));
    for (int i = 0; i < n; i++) {
        char key[32];
        snprintf(key, sizeof key, "dead-%d", i);
        produce(f->r, "jobs", RILL_PARTITION_ANY, key, "always");
    }
    while (count(f->r, "jobs.dlt") < n)
        run(rt);
    rill_retrier_close(rt);
    assert_int_equal(count(f->r, "jobs"), n);
}

typedef struct redriven {
    int seen[4000];
    int32_t partition[4000];
} redriven;

static void check_redriven(const rill_record *rec, void *arg)
{
    redriven *r = arg;
    int i;
    assert_int_equal(sscanf((const char *)rec->key, "dead-%d", &i), 1);
    assert_true(i >= 0 && i < 4000);
    if (r->seen[i]++)
        assert_int_equal(r->partition[i], rec->partition);
    r->partition[i] = rec->partition;
    /* only its own header: the rill-retry-* ones are gone */
    assert_int_equal(rec->header_count, 1);
    assert_string_equal(rec->headers[0].key, "trace");
}

/* Each of the n dead letters is in "jobs" twice (the original and the
 * one moved back), in one partition. */
static void check_jobs_redriven(rill *r, int n)
{
    static redriven rd;
    memset(&rd, 0, sizeof rd);
    for (int32_t p = 0; p < 3; p++)
        read_partition(r, "jobs", p, 0, SIZE_MAX, check_redriven, &rd);
    for (int i = 0; i < n; i++)
        if (rd.seen[i] != 2)
            fail_msg("dead-%d is in jobs %d times, not twice", i, rd.seen[i]);
}

static void redrive_moves_dead_letters_back_once(void **state)
{
    rfix *f = *state;
    size_t moved;
    fill_dlt(f, 5);
    ok(rill_dlt_redrive(&moved, f->r, "jobs.dlt", 2));
    assert_int_equal(moved, 2);
    ok(rill_dlt_redrive(&moved, f->r, "jobs.dlt", 2));
    assert_int_equal(moved, 2);
    ok(rill_dlt_redrive(&moved, f->r, "jobs.dlt", 0));
    assert_int_equal(moved, 1);
    ok(rill_dlt_redrive(&moved, f->r, "jobs.dlt", 0));
    assert_int_equal(moved, 0);
    assert_int_equal(count(f->r, "jobs"), 10);
    check_jobs_redriven(f->r, 5);

    /* They start over at attempt 1, and succeed now. */
    rill_retrier *rt;
    calls.n = 0;
    ok(rill_retrier_new(&rt, f->r, "fixed", "jobs", NULL, handler, NULL));
    run(rt);
    assert_int_equal(calls.n, 10);
    for (size_t i = 0; i < calls.n; i++)
        assert_int_equal(calls.attempt[i], 1);
    rill_retrier_close(rt);
    fails(RILL_ENOTFOUND, rill_dlt_redrive(&moved, f->r, "nope.dlt", 0));
}

/* ---- killed at random moments ---- */

enum { ROUNDS = 6, PER_ROUND = 1500, JOBS = ROUNDS * PER_ROUND };

/* Time runs a hundred times faster than the wall clock, so the children's
 * retries come due within milliseconds without anyone sleeping. */
static int64_t fast_clock(void *opaque)
{
    (void)opaque;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000) * 100;
}

/* A process running a retrier until it was idle for idle_polls rounds
 * with nothing waiting. */
static int retrier_main(void *arg)
{
    const char *dir = ((const char **)arg)[0];
    int idle_polls = atoi(((const char **)arg)[1]);
    rill_options o;
    rill_options_init(&o);
    o.sync = RILL_SYNC_NONE;
    o.clock = fast_clock;
    rill *r;
    rill_retrier *rt;
    if (rill_open(&r, dir, &o) ||
        rill_retrier_new(&rt, r, "workers", "jobs", NULL, handler, NULL))
        return 1;
    for (int idle = 0; idle < idle_polls;) {
        size_t h;
        rill_retrier_report st;
        if (rill_retrier_poll(rt, 20, &h))
            return 2;
        st = stats_of(rt);
        idle = h || st.waiting ? 0 : idle + 1;
    }
    rill_retrier_close(rt);
    rill_close(r);
    return 0;
}

static int64_t group_lag(rill *r, const char *group)
{
    rill_group_info *g;
    int64_t lag = -1;
    if (rill_group_describe(&g, r, group) == 0) {
        lag = 0;
        for (size_t i = 0; i < g->partition_count; i++)
            lag += g->partitions[i].lag;
        rill_group_info_free(g);
    }
    return lag;
}

typedef struct key_counts {
    int n[JOBS];
    int bad_attempts;
} key_counts;

static void count_key(const rill_record *rec, void *arg)
{
    key_counts *k = arg;
    int i;
    assert_int_equal(sscanf((const char *)rec->key, "job-%d", &i), 1);
    assert_true(i >= 0 && i < JOBS);
    k->n[i]++;
    const void *v;
    size_t len;
    if (rill_record_header(&v, &len, rec, "rill-retry-attempts") == 0 &&
        !memcmp(rec->topic, "jobs.dlt", 8) && (len != 1 || *(char *)v != '3'))
        k->bad_attempts++;
}

/* How often each job's key is in topic. */
static key_counts *keys_in(rill *r, const char *topic)
{
    key_counts *k = calloc(1, sizeof *k);
    for (int32_t p = 0; p < 3; p++)
        read_partition(r, topic, p, 0, SIZE_MAX, count_key, k);
    return k;
}

static void produce_jobs(rill *r, int from, int n)
{
    static const char *const kinds[] = {"always", "fail-1", "ok"};
    for (int i = from; i < from + n;) {
        char key[100][16];
        rill_message m[100];
        for (int j = 0; j < 100; j++, i++) {
            snprintf(key[j], sizeof key[j], "job-%d", i);
            m[j] = (rill_message){.topic = "jobs",
                                  .partition = RILL_PARTITION_ANY,
                                  .key = key[j], .key_len = strlen(key[j]),
                                  .value = kinds[i % 3],
                                  .value_len = strlen(kinds[i % 3])};
        }
        ok(rill_produce_batch(r, m, 100, NULL));
    }
}

static void killed_retriers_move_each_failure_exactly_once(void **state)
{
    rfix *f = *state;
    topic_new(f->r, "jobs", 3);
    uint64_t seed = 7;
    int mid_work = 0;
    int64_t before = 0;
    const char *busy[] = {f->dir, "1000000"}, *finish[] = {f->dir, "25"};
    for (int round = 0; round < ROUNDS; round++) {
        produce_jobs(f->r, round * PER_ROUND, PER_ROUND);
        /* Two at a time in odd rounds, sharing the partitions; killed
         * at a random moment once they have started moving records. */
        pid_t a = spawn(retrier_main, busy);
        pid_t b = round % 2 ? spawn(retrier_main, busy) : -1;
        struct timespec tick = {0, 500000};
        for (int t = 0; t < 20000; t++) {
            if (count_if(f->r, "jobs.retry-1") > before)
                break;
            nanosleep(&tick, NULL);
        }
        struct timespec ts = {0, (long)(next_random(&seed) % 20000) * 1000};
        nanosleep(&ts, NULL);
        kill(a, SIGKILL);
        assert_int_equal(wait_child(a), 128 + SIGKILL);
        if (b > 0) {
            nanosleep(&ts, NULL);
            kill(b, SIGKILL);
            assert_int_equal(wait_child(b), 128 + SIGKILL);
        }
        /* Killed with work done and work left. */
        int64_t lag = group_lag(f->r, "workers");
        int64_t moved = count(f->r, "jobs.retry-1");
        mid_work += lag > 0 && moved > before;
        before = moved;
    }
    printf("# %d of %d kills came mid-work\n", mid_work, ROUNDS);
    assert_true(mid_work > 0);
    /* Finish; a run that ended before the group settled runs again. */
    for (int i = 0; i < 5 && group_lag(f->r, "workers") != 0; i++)
        assert_int_equal(wait_child(spawn(retrier_main, finish)), 0);
    assert_int_equal(group_lag(f->r, "workers"), 0);

    key_counts *r1 = keys_in(f->r, "jobs.retry-1");
    key_counts *r2 = keys_in(f->r, "jobs.retry-2");
    key_counts *dlt = keys_in(f->r, "jobs.dlt");
    for (int i = 0; i < JOBS; i++) {
        int w1 = i % 3 != 2, w2 = i % 3 == 0;
        if (r1->n[i] != w1 || r2->n[i] != w2 || dlt->n[i] != w2)
            fail_msg("job-%d (%s): retry-1 %d, retry-2 %d, dlt %d times", i,
                     i % 3 == 0 ? "always fails" : i % 3 ? "ok" : "fails once",
                     r1->n[i], r2->n[i], dlt->n[i]);
    }
    assert_int_equal(dlt->bad_attempts, 0);
    assert_int_equal(count(f->r, "jobs.retry-1"), JOBS / 3 * 2);
    assert_int_equal(count(f->r, "jobs.dlt"), JOBS / 3);
    free(r1);
    free(r2);
    free(dlt);
}

/* Redrives in steps of 50 until nothing is left. */
static int redrive_main(void *arg)
{
    rill *r = open_sync(arg, RILL_SYNC_NONE);
    size_t moved;
    do
        if (rill_dlt_redrive(&moved, r, "jobs.dlt", 50))
            return 1;
    while (moved);
    rill_close(r);
    return 0;
}

static void killed_redrives_move_each_dead_letter_once(void **state)
{
    rfix *f = *state;
    fill_dlt(f, 4000);
    uint64_t seed = 11;
    int mid_work = 0;
    for (int i = 0; i < 4; i++) {
        /* Once it has started moving, at a random moment. */
        int64_t start = count(f->r, "jobs");
        pid_t pid = spawn(redrive_main, f->dir);
        struct timespec tick = {0, 200000};
        for (int t = 0; t < 10000 && count(f->r, "jobs") == start; t++)
            nanosleep(&tick, NULL);
        struct timespec ts = {0, (long)(next_random(&seed) % 4000) * 1000};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        wait_child(pid);
        int64_t n = count(f->r, "jobs");
        mid_work += n > 4000 && n < 8000;
    }
    printf("# %d of 4 kills came mid-redrive\n", mid_work);
    assert_true(mid_work > 0);
    assert_int_equal(wait_child(spawn(redrive_main, f->dir)), 0);
    assert_int_equal(count(f->r, "jobs"), 8000);
    check_jobs_redriven(f->r, 4000);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, rfix_setup, rfix_teardown)
    const struct CMUnitTest tests[] = {
        T(fails_twice_then_succeeds),
        T(always_failing_lands_in_dlt_with_headers),
        T(the_topic_keeps_flowing_while_a_record_waits),
        T(backoffs_grow_up_to_the_cap),
        T(not_retryable_codes_go_straight_to_the_dlt),
        T(a_failed_move_reads_the_record_again),
        T(record_header_finds_the_last),
        T(redrive_moves_dead_letters_back_once),
        T(killed_retriers_move_each_failure_exactly_once),
        T(killed_redrives_move_each_dead_letter_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
