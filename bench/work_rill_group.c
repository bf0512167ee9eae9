/*
 * work_rill_group.c -- rill's consumer groups across processes:
 * rebalance time and group-consume throughput.
 *
 * Members are child processes that open the directory, subscribe to the
 * topic in one group (auto-commit on) and poll. They report through one
 * pipe shared by all, in fixed messages of fewer than PIPE_BUF bytes, so
 * that messages never interleave and keep the order in which they were
 * written: a REVOKED is read before the ASSIGNED of the same partition
 * to the next owner. The parent stops them by closing the stop pipe.
 *
 * rebalance: a producer process keeps a trickle of records flowing into
 * every partition. Members report ASSIGNED and REVOKED from the
 * rebalance callback and FIRST when a poll first returns a record of a
 * partition since they got it. Once the group has settled (every
 * partition owned, polled by its owner, spread evenly) and a pause of
 * a quarter to three quarters of a second, the parent SIGKILLs one
 * member and measures from just before kill() to the FIRST
 * (another member's clock reading, CLOCK_MONOTONIC like the parent's)
 * of the last of the dead member's partitions. After another such
 * pause a fresh member replaces it, the group settles again, and the
 * next kill follows.
 *
 * group-consume: members report, per poll and partition, the records
 * returned and the offset after them. The clock runs from just before
 * the first member is forked (the members are forked back to back) to
 * the report that completes every partition; records delivered again
 * after a rebalance are counted apart.
 */
#include "work_rill.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOPIC RILL_BENCH_TOPIC
#define MAX_PARTS 64
#define MAX_IDS 256             /* members spawned in one run */
#define MAX_KILLS 200
#define REBALANCE_POLL_MS 100
#define GROUP_POLL_MS 100
#define WAIT_MS 60000           /* a stuck group fails after this */
#define PROGRESS_MS 50          /* group-consume: progress reports */
#define PAUSE_MIN_MS 250        /* before a kill and before a respawn */
#define PAUSE_SPAN_MS 500

enum ev_kind { EV_ASSIGNED, EV_REVOKED, EV_FIRST, EV_PROGRESS, EV_FAIL };

typedef struct ev_msg {
    int32_t member;
    int32_t kind; /* enum ev_kind */
    int32_t partition;
    int32_t pad;
    int64_t offset;  /* EV_PROGRESS: the offset after the records */
    uint64_t count;  /* EV_PROGRESS: records */
    uint64_t t_ns;   /* CLOCK_MONOTONIC when it happened */
} ev_msg;

/* ---- the children ---- */

typedef struct member_ctx {
    const char *dir;
    const char *group;
    int id;
    int ev_fd;   /* write end of the report pipe */
    int stop_fd; /* read end of the stop pipe */
    int poll_ms;
    unsigned poll_records;
    bool report_first;    /* rebalance */
    bool report_progress; /* group-consume */
    int partitions;       /* the topic's */
    unsigned trickle_us;
    bool seen[MAX_PARTS];
    /* group-consume: each partition's end, and what is not reported
     * yet: records, the offset after them, since when. */
    int64_t end[MAX_PARTS];
    uint64_t count[MAX_PARTS];
    int64_t reached[MAX_PARTS];
    uint64_t last_report;
} member_ctx;

static volatile uint64_t touched; /* keeps the value reads */

static void report(const member_ctx *m, int kind, int32_t partition,
                   int64_t offset, uint64_t count, uint64_t t)
{
    ev_msg e = {m->id, kind, partition, 0, offset, count, t};
    msg_write(m->ev_fd, &e, sizeof e);
}

static void on_rebalance(void *opaque, rill_consumer *c, int kind,
                         const rill_topic_partition *tps, size_t n)
{
    member_ctx *m = opaque;
    uint64_t t = now_ns();
    (void)c;
    for (size_t i = 0; i < n; i++) {
        int32_t p = tps[i].partition;
        if (p < 0 || p >= MAX_PARTS)
            continue;
        if (kind == RILL_REBALANCE_ASSIGNED)
            m->seen[p] = false;
        report(m, kind == RILL_REBALANCE_ASSIGNED ? EV_ASSIGNED : EV_REVOKED,
               p, 0, 0, t);
    }
}

/* Reports a partition's progress. */
static void progress_flush(member_ctx *m, int p, uint64_t t)
{
    if (m->count[p]) {
        report(m, EV_PROGRESS, p, m->reached[p], m->count[p], t);
        m->count[p] = 0;
    }
}

/* Notes records first .. first + n - 1 of partition p, reporting at once
 * when they reach its end, else at most every PROGRESS_MS: the parent,
 * woken by each report, should not take the members' processors. */
static void progress_note(member_ctx *m, int p, int64_t next, size_t n,
                          uint64_t t)
{
    m->count[p] += n;
    if (next > m->reached[p])
        m->reached[p] = next;
    if (m->reached[p] >= m->end[p])
        progress_flush(m, p, t);
    if (t - m->last_report < (uint64_t)PROGRESS_MS * 1000000u)
        return;
    for (int i = 0; i < m->partitions; i++)
        progress_flush(m, i, t);
    m->last_report = t;
}

/* Notes what one poll returned. */
static void member_records(member_ctx *m, const rill_record *recs, size_t n,
                           uint64_t t)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n;) {
        int32_t p = recs[i].partition;
        size_t j = i;
        for (; j < n && recs[j].partition == p; j++)
            if (recs[j].value_len)
                sum += ((const uint8_t *)recs[j].value)[0];
        if (p < 0 || p >= m->partitions) {
            i = j;
            continue;
        }
        if (m->report_first && !m->seen[p]) {
            m->seen[p] = true;
            report(m, EV_FIRST, p, 0, 0, t);
        }
        if (m->report_progress)
            progress_note(m, p, recs[j - 1].offset + 1, j - i, t);
        i = j;
    }
    touched += sum;
}

static int member_main(void *arg)
{
    member_ctx *m = arg;
    rill *r;
    rill_consumer *c;
    rill_consumer_options co;
    const char *topics[] = {TOPIC};
    if (rill_bench_open(&r, m->dir, BENCH_SYNC_NONE, 1, false)) {
        report(m, EV_FAIL, -1, 0, 0, now_ns());
        return -1;
    }
    rill_consumer_options_init(&co);
    co.group_id = m->group;
    co.client_id = "bench-member";
    co.enable_auto_commit = 1;
    co.max_poll_records = m->poll_records;
    co.on_rebalance = on_rebalance;
    co.opaque = m;
    int rc = rill_consumer_new(&c, r, &co);
    if (rc) {
        rill_close(r);
        report(m, EV_FAIL, -1, 0, 0, now_ns());
        return rill_bench_fail("rill_consumer_new", rc);
    }
    if ((rc = rill_subscribe(c, topics, 1)))
        rc = rill_bench_fail("rill_subscribe", rc);
    while (!rc && !fd_ready(m->stop_fd)) {
        const rill_record *recs;
        size_t n;
        if ((rc = rill_poll(c, m->poll_ms, &recs, &n))) {
            rc = rill_bench_fail("rill_poll", rc);
            break;
        }
        member_records(m, recs, n, now_ns());
    }
    int crc = rill_consumer_close(c);
    if (!rc && crc)
        rc = rill_bench_fail("rill_consumer_close", crc);
    rill_close(r);
    if (rc)
        report(m, EV_FAIL, -1, 0, 0, now_ns());
    return rc;
}

/* One record into every partition each trickle_us, until stopped. A
 * deadline missed by more than a period is given up, not caught up. */
static int trickle_main(void *arg)
{
    member_ctx *m = arg;
    rill *r;
    rill_message msgs[MAX_PARTS];
    uint64_t period = (uint64_t)m->trickle_us * 1000u;
    int rc = 0;
    if (rill_bench_open(&r, m->dir, BENCH_SYNC_NONE, 1, false)) {
        report(m, EV_FAIL, -1, 0, 0, now_ns());
        return -1;
    }
    memset(msgs, 0, sizeof msgs);
    for (int p = 0; p < m->partitions; p++)
        msgs[p] = (rill_message){.topic = TOPIC, .partition = p,
                                 .value = bench_value((uint64_t)p, 100),
                                 .value_len = 100};
    uint64_t next = now_ns();
    while (!rc && !fd_ready(m->stop_fd)) {
        if ((rc = rill_produce_batch(r, msgs, (size_t)m->partitions, NULL)))
            rc = rill_bench_fail("rill_produce_batch", rc);
        next += period;
        uint64_t now = now_ns();
        if (next + period < now)
            next = now;
        sleep_until_ns(next);
    }
    rill_close(r);
    if (rc)
        report(m, EV_FAIL, -1, 0, 0, now_ns());
    return rc;
}

/* ---- rebalance: the parent ---- */

typedef struct live_member {
    int id;
    int pid;
} live_member;

typedef struct rb_run {
    const rebalance_params *p;
    member_ctx proto; /* every child's context, but its id */
    proc_set ps;
    int ev[2], stop[2];
    int next_id;
    live_member live[BENCH_MAX_MEMBERS];
    int owner[MAX_PARTS]; /* member id, or -1 */
    bool polled[MAX_PARTS];
    uint64_t polled_t[MAX_PARTS];
} rb_run;

static bool is_live(const rb_run *b, int id)
{
    for (int i = 0; i < b->p->members; i++)
        if (b->live[i].id == id)
            return true;
    return false;
}

/* Applies a report to the partitions' owners. Returns -1 on EV_FAIL. */
static int rb_apply(rb_run *b, const ev_msg *e)
{
    int p = e->partition;
    if (e->kind == EV_FAIL) {
        fprintf(stderr, "rill-bench: rebalance: child %d failed\n",
                e->member);
        return -1;
    }
    if (!is_live(b, e->member) || p < 0 || p >= b->p->partitions)
        return 0; /* a killed member's last words */
    if (e->kind == EV_ASSIGNED) {
        b->owner[p] = e->member;
        b->polled[p] = false;
    } else if (e->kind == EV_REVOKED && b->owner[p] == e->member) {
        b->owner[p] = -1;
        b->polled[p] = false;
    } else if (e->kind == EV_FIRST && b->owner[p] == e->member &&
               !b->polled[p]) {
        b->polled[p] = true;
        b->polled_t[p] = e->t_ns;
    }
    return 0;
}

/* Every partition owned and polled, spread evenly over the members. */
static bool rb_settled(const rb_run *b)
{
    int per[BENCH_MAX_MEMBERS] = {0};
    int lo = b->p->partitions / b->p->members;
    for (int p = 0; p < b->p->partitions; p++) {
        if (b->owner[p] < 0 || !b->polled[p])
            return false;
        for (int i = 0; i < b->p->members; i++)
            if (b->live[i].id == b->owner[p])
                per[i]++;
    }
    for (int i = 0; i < b->p->members; i++)
        if (per[i] < lo || per[i] > lo + 1)
            return false;
    return true;
}

/* Every partition of lost[] polled by another member since t0. */
static bool rb_recovered(const rb_run *b, const bool *lost, uint64_t t0)
{
    for (int p = 0; p < b->p->partitions; p++)
        if (lost[p] && (!b->polled[p] || b->polled_t[p] < t0))
            return false;
    return true;
}

/* Reads reports until rb_settled (lost NULL) or rb_recovered. */
static int rb_wait(rb_run *b, const bool *lost, uint64_t t0, const char *what)
{
    uint64_t deadline = now_ns() + (uint64_t)WAIT_MS * 1000000u;
    while (lost ? !rb_recovered(b, lost, t0) : !rb_settled(b)) {
        ev_msg e;
        uint64_t now = now_ns();
        int left = now < deadline ? (int)((deadline - now) / 1000000u) : 0;
        int got = msg_read(b->ev[0], &e, sizeof e, left);
        if (got == 0) {
            fprintf(stderr, "rill-bench: rebalance: the group did not %s in "
                    "%d s\n", what, WAIT_MS / 1000);
            return -1;
        }
        if (got < 0 || rb_apply(b, &e))
            return -1;
    }
    return 0;
}

static int rb_spawn_member(rb_run *b, int slot)
{
    member_ctx m = b->proto;
    int close_fds[2] = {b->ev[0], b->stop[1]};
    if (b->next_id == MAX_IDS) {
        fprintf(stderr, "rill-bench: rebalance: too many members\n");
        return -1;
    }
    m.id = b->next_id++;
    m.report_first = true;
    int pid = proc_spawn(&b->ps, member_main, &m, close_fds, 2);
    if (pid < 0)
        return -1;
    b->live[slot] = (live_member){m.id, pid};
    return 0;
}

/* Keeps following the reports for ms milliseconds. */
static int rb_pause(rb_run *b, unsigned ms)
{
    uint64_t deadline = now_ns() + (uint64_t)ms * 1000000u;
    for (uint64_t now; (now = now_ns()) < deadline;) {
        ev_msg e;
        int got = msg_read(b->ev[0], &e, sizeof e,
                           (int)((deadline - now + 999999) / 1000000u));
        if (got < 0 || (got > 0 && rb_apply(b, &e)))
            return -1;
    }
    return 0;
}

/* A pause of PAUSE_MIN_MS up to PAUSE_MIN_MS + PAUSE_SPAN_MS, from a
 * fixed sequence. Members check the others periodically from when they
 * joined: without pauses a kill right after the group settled would
 * always fall at the same point of their periods, and a member spawned
 * right after the others noticed a death would share their phase. */
static unsigned rb_pause_ms(uint64_t *seed)
{
    *seed = *seed * 6364136223846793005u + 1442695040888963407u;
    return PAUSE_MIN_MS + (unsigned)((*seed >> 33) % PAUSE_SPAN_MS);
}

/* Kills the member in slot, waits until its partitions are polled
 * elsewhere, and after a pause replaces it; *ms receives the time. */
static int rb_kill_one(rb_run *b, int slot, uint64_t *seed, double *ms)
{
    bool lost[MAX_PARTS] = {false};
    int victim = b->live[slot].id, nlost = 0;
    for (int p = 0; p < b->p->partitions; p++)
        if (b->owner[p] == victim) {
            lost[p] = true;
            nlost++;
        }
    uint64_t t0 = now_ns();
    proc_kill(&b->ps, b->live[slot].pid);
    b->live[slot] = (live_member){-1, -1};
    for (int p = 0; p < b->p->partitions; p++)
        if (lost[p]) {
            b->owner[p] = -1;
            b->polled[p] = false;
        }
    if (nlost == 0) {
        fprintf(stderr, "rill-bench: rebalance: member %d owned nothing\n",
                victim);
        return -1;
    }
    if (rb_wait(b, lost, t0, "take over the partitions"))
        return -1;
    uint64_t last = t0;
    for (int p = 0; p < b->p->partitions; p++)
        if (lost[p] && b->polled_t[p] > last)
            last = b->polled_t[p];
    *ms = (double)(last - t0) / 1e6;
    if (rb_pause(b, rb_pause_ms(seed)) || rb_spawn_member(b, slot))
        return -1;
    return rb_wait(b, NULL, 0, "settle");
}

static int rb_kills(rb_run *b, run_result *res)
{
    const rebalance_params *p = b->p;
    uint64_t *ns = calloc((size_t)p->kills + 1, sizeof *ns);
    uint64_t seed = 0x72656261u;
    if (!ns) {
        fprintf(stderr, "rill-bench: out of memory\n");
        return -1;
    }
    int rc = 0;
    for (int k = 0; !rc && k < p->warmup + p->kills; k++) {
        double ms;
        if ((rc = rb_pause(b, rb_pause_ms(&seed))) ||
            (rc = rb_kill_one(b, k % p->members, &seed, &ms)))
            break;
        bool warm = k < p->warmup;
        if (!warm)
            ns[k - p->warmup] = (uint64_t)(ms * 1e6);
        progress("  kill %d/%d%s: every partition polled again after "
                 "%.1f ms", k + 1, p->warmup + p->kills,
                 warm ? " (warm-up)" : "", ms);
    }
    if (!rc) {
        double us[MAX_KILLS];
        for (int k = 0; k < p->kills; k++)
            us[k] = (double)ns[k] / 1e3;
        res->records = (uint64_t)p->kills;
        lat_summary(ns, (size_t)p->kills, res);
        res->p50_us = median(us, (size_t)p->kills);
        res->p99_us = res->p999_us = NAN;
    }
    free(ns);
    return rc;
}

int rill_bench_rebalance(const rebalance_params *p, const char *dir,
                         run_result *res)
{
    rill *r;
    rb_run b;
    int rc = -1;
    if (p->partitions > MAX_PARTS || p->partitions < p->members ||
        p->members > BENCH_MAX_MEMBERS || p->members < 1 ||
        p->members + 1 > PROC_MAX || p->kills < 1 || p->kills > MAX_KILLS ||
        p->warmup + p->kills + p->members > MAX_IDS) {
        fprintf(stderr, "rill-bench: rebalance: bad settings\n");
        return -1;
    }
    if (rill_bench_open(&r, dir, BENCH_SYNC_NONE, p->partitions, true))
        return -1;
    rill_close(r); /* each child opens the directory itself */
    memset(&b, 0, sizeof b);
    b.p = p;
    b.ev[0] = b.ev[1] = b.stop[0] = b.stop[1] = -1;
    for (int i = 0; i < MAX_PARTS; i++)
        b.owner[i] = -1;
    for (int i = 0; i < BENCH_MAX_MEMBERS; i++)
        b.live[i] = (live_member){-1, -1};
    if (pipe_open(b.ev) || pipe_open(b.stop))
        goto out;
    b.proto = (member_ctx){.dir = dir, .group = "rebalance", .id = -1,
                           .ev_fd = b.ev[1], .stop_fd = b.stop[0],
                           .poll_ms = REBALANCE_POLL_MS,
                           .poll_records = 500,
                           .partitions = p->partitions,
                           .trickle_us = p->trickle_us};
    int close_fds[2] = {b.ev[0], b.stop[1]};
    if (proc_spawn(&b.ps, trickle_main, &b.proto, close_fds, 2) < 0)
        goto out;
    for (int i = 0; i < p->members; i++)
        if (rb_spawn_member(&b, i))
            goto out;
    if (rb_wait(&b, NULL, 0, "settle") || rb_kills(&b, res))
        goto out;
    fd_close(&b.stop[1]); /* every child stops */
    rc = proc_wait_all(&b.ps, 30);
out:
    proc_kill_all(&b.ps);
    pipe_close(b.ev);
    pipe_close(b.stop);
    return rc;
}

/* ---- group-consume ---- */

int rill_bench_group_prepare(const group_params *p, const char *dir)
{
    rill *r;
    const size_t batch = 1000;
    rill_message *msgs = calloc(batch, sizeof *msgs);
    if (!msgs) {
        fprintf(stderr, "rill-bench: out of memory\n");
        return -1;
    }
    if (rill_bench_open(&r, dir, BENCH_SYNC_NONE, p->partitions, true)) {
        free(msgs);
        return -1;
    }
    int rc = 0;
    uint64_t k = 0;
    for (uint64_t n = 0; !rc && n < p->records; n += batch, k++) {
        size_t m = p->records - n < batch ? (size_t)(p->records - n) : batch;
        for (size_t j = 0; j < m; j++)
            msgs[j] = (rill_message){
                .topic = TOPIC, .partition = (int32_t)(k % (uint64_t)
                                                       p->partitions),
                .value = bench_value(n + j, p->value_size),
                .value_len = p->value_size};
        if ((rc = rill_produce_batch(r, msgs, m, NULL)))
            rc = rill_bench_fail("rill_produce_batch", rc);
    }
    rill_close(r); /* syncs: sync none flushes at close */
    free(msgs);
    return rc;
}

/* The end offset of every partition; the topic must hold records. */
static int group_ends(const group_params *p, const char *dir, int64_t *end)
{
    rill *r;
    int64_t sum = 0;
    if (rill_bench_open(&r, dir, BENCH_SYNC_NONE, 1, false))
        return -1;
    for (int i = 0; i < p->partitions; i++) {
        int64_t first;
        int rc = rill_watermarks(&first, &end[i], r, TOPIC, i);
        if (rc) {
            rill_close(r);
            return rill_bench_fail("rill_watermarks", rc);
        }
        sum += end[i] - first;
    }
    rill_close(r);
    if (sum != (int64_t)p->records) {
        fprintf(stderr, "rill-bench: group-consume: the topic holds %lld "
                "records, not %llu\n", (long long)sum,
                (unsigned long long)p->records);
        return -1;
    }
    return 0;
}

/* Reads progress reports until every partition reached its end; *t_last
 * receives the time of the report that completed the last one. */
static int group_follow(const group_params *p, int ev_fd, const int64_t *end,
                        uint64_t *t_last, uint64_t *delivered)
{
    int64_t reached[MAX_PARTS] = {0};
    int done = 0;
    for (int i = 0; i < p->partitions; i++)
        if (end[i] == 0)
            done++;
    while (done < p->partitions) {
        ev_msg e;
        int got = msg_read(ev_fd, &e, sizeof e, WAIT_MS);
        if (got <= 0 || e.kind == EV_FAIL) {
            fprintf(stderr, "rill-bench: group-consume: %s\n",
                    got == 0 ? "no progress for a minute"
                             : "a member failed");
            return -1;
        }
        if (e.kind != EV_PROGRESS || e.partition < 0 ||
            e.partition >= p->partitions)
            continue;
        *delivered += e.count;
        if (e.offset > reached[e.partition]) {
            if (reached[e.partition] < end[e.partition] &&
                e.offset >= end[e.partition]) {
                done++;
                *t_last = e.t_ns;
            }
            reached[e.partition] = e.offset;
        }
    }
    return 0;
}

int rill_bench_group_consume(const group_params *p, const char *dir,
                             run_result *res)
{
    int64_t end[MAX_PARTS];
    int ev[2] = {-1, -1}, stop[2] = {-1, -1};
    proc_set ps = {0};
    uint64_t t_last = 0, delivered = 0;
    int rc = -1;
    if (p->partitions > MAX_PARTS || p->members < 1 ||
        p->members > PROC_MAX) {
        fprintf(stderr, "rill-bench: group-consume: too many partitions "
                "or members\n");
        return -1;
    }
    if (group_ends(p, dir, end) || pipe_open(ev) || pipe_open(stop))
        goto out;
    member_ctx proto = {.dir = dir, .group = p->group, .ev_fd = ev[1],
                        .stop_fd = stop[0], .poll_ms = GROUP_POLL_MS,
                        .poll_records = p->poll_records,
                        .report_progress = true,
                        .partitions = p->partitions};
    memcpy(proto.end, end, (size_t)p->partitions * sizeof *end);
    int close_fds[2] = {ev[0], stop[1]};
    uint64_t t0 = now_ns();
    for (int i = 0; i < p->members; i++) {
        member_ctx m = proto;
        m.id = i;
        if (proc_spawn(&ps, member_main, &m, close_fds, 2) < 0)
            goto out;
    }
    fd_close(&ev[1]); /* the members hold it now: end of file if all die */
    if (group_follow(p, ev[0], end, &t_last, &delivered))
        goto out;
    fd_close(&stop[1]);
    if (proc_wait_all(&ps, 60))
        goto out;
    res->records = p->records;
    res->seconds = (double)(t_last - t0) / 1e9;
    /* Reports still in flight when the last partition completed are not
     * counted: never below zero. */
    res->extra = delivered > p->records ? delivered - p->records : 0;
    rc = 0;
out:
    proc_kill_all(&ps);
    pipe_close(ev);
    pipe_close(stop);
    return rc;
}
