/*
 * torture.c -- producer and consumer processes of one consumer group are
 * killed with SIGKILL at random moments (inside write transactions too)
 * and restarted, while a supervisor records what they report through
 * pipes: acknowledgements, deliveries, committed offsets. Then it drains
 * the group, stops everyone and checks that every acknowledged record is
 * in the log byte-exact where it was acknowledged, densely, in order,
 * never twice; that all was consumed; that committed offsets never went
 * back; that rill_verify finds nothing; that the directory opens again.
 *
 *   torture [--short | --long] [--producers N] [--consumers M]
 *           [--partitions P] [--seconds S] [--kills K] [--seed X] [--keep]
 *
 * --short (the default) kills 150 times or for 15 s, --long 1000 times or
 * for 10 minutes, whichever ends first (--kills 0: none, for --seconds).
 * Children are this program again, fork()ed and exec()ed with "--child".
 */
#define _GNU_SOURCE
#include <rill.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TOPIC "torture"
#define GROUP "torture-group"
#define MAGIC 0x54525452u
#define RERR(rc) rill_strerror(rc), rill_errmsg() /* for "%s: %s" */

enum { MAX_PRODUCERS = 16, MAX_CONSUMERS = 16, MAX_PARTS = 256 };
enum { MAX_KIDS = MAX_PRODUCERS + MAX_CONSUMERS, MAX_POLL = 500 };
enum { MAX_BATCH = 5, HEAD = 24, MAX_VALUE = HEAD + 200, READ_MSGS = 256 };
enum { PRODUCER, CONSUMER };                 /* roles */
enum { M_ACK = 1, M_REC, M_COMMIT };         /* message types */
enum { OBSERVE, COMMIT, COMMIT_OFFSETS };    /* consumer_commit's how */

static const char *const ROLE[2] = {"producer", "consumer"};

/* What a child reports, one fixed-size message per event. */
typedef struct msg {
    uint32_t type;
    int32_t partition;
    int64_t offset; /* ACK, REC: the record's; COMMIT: the committed one */
    uint32_t who;   /* ACK, REC: the producer; COMMIT: the consumer */
    uint32_t inc;   /* that producer's or consumer's incarnation */
    uint64_t seq;   /* ACK, REC: the producer's sequence number */
    uint64_t hash;  /* ACK: FNV-1a of the value */
    int64_t t0, t1; /* COMMIT: monotonic us around the observation */
} msg;

/* The head of every value; a payload derived from (producer, seq) follows. */
typedef struct head {
    uint32_t magic, producer, inc;
    uint16_t len;   /* of the payload, 16..200 */
    uint8_t n, idx; /* the produce call's record count, this one's index */
    uint64_t seq;
} head;
_Static_assert(sizeof(head) == HEAD, "head layout");

/* ---- shared helpers ---- */

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t mix(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rnd(uint64_t *s) { return mix(*s += 0x6a09e667f3bcc909ULL); }

static uint64_t fnv(const void *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ ((const uint8_t *)p)[i]) * 0x100000001b3ULL;
    return h;
}

/* Writes the value of record h into v (h.len follows from producer and
 * seq); returns its size. Half the payload is noise, half text. */
static size_t value_make(uint8_t *v, head h)
{
    uint64_t s = mix((uint64_t)h.producer << 48 ^ h.seq);
    h.magic = MAGIC;
    h.len = (uint16_t)(16 + s % 185);
    memcpy(v, &h, HEAD);
    for (unsigned i = 0; i < h.len; i++) {
        s = i % 8 ? s : mix(s);
        v[HEAD + i] = i < h.len / 2u ? (uint8_t)(s >> (i % 8 * 8))
                                     : (uint8_t)('a' + (h.producer + i) % 26);
    }
    return HEAD + (size_t)h.len;
}

static size_t key_make(char *k, size_t cap, uint32_t producer, uint64_t seq)
{
    return (size_t)snprintf(k, cap, "p%u-%" PRIu64, producer, seq);
}

static bool value_head(const rill_record *rec, head *h)
{
    if (!rec->value || rec->value_len < HEAD)
        return false;
    memcpy(h, rec->value, HEAD);
    return h->magic == MAGIC;
}

/* ---- children ---- */

typedef struct child_cfg {
    const char *dir, *role;
    unsigned id, inc, sync, assignor, partitions;
    uint64_t seq, seed;
    int out, stop;
} child_cfg;

static msg out[MAX_POLL + MAX_PARTS];

static void send_msgs(int fd, const msg *m, size_t n)
{
    const char *p = (const char *)m;
    for (size_t left = n * sizeof *m; left;) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            exit(3); /* the supervisor is gone */
        p += w;
        left -= (size_t)w;
    }
}

/* The stop pipe carries no data: readable means it was closed. */
static bool stop_requested(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    int rc;
    while ((rc = poll(&p, 1, 0)) < 0 && errno == EINTR)
        ;
    return rc != 0;
}

static void child_die(const child_cfg *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "torture: %s %u (incarnation %u, pid %d): ", c->role,
            c->id, c->inc, (int)getpid());
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(4);
}

static rill *child_open(const child_cfg *c)
{
    rill_options o;
    rill *r;
    rill_options_init(&o);
    o.sync = (int)c->sync;
    o.sync_interval_ms = 5;
    int rc = rill_open(&r, c->dir, &o);
    if (rc)
        child_die(c, "rill_open: %s: %s", RERR(rc));
    return r;
}

/* Produces records seq, seq+1, ... one or a batch per call, acknowledging
 * each to the supervisor, until told to stop. */
static int producer_main(const child_cfg *c)
{
    static uint8_t vals[MAX_BATCH][MAX_VALUE];
    char keys[MAX_BATCH][40];
    rill_message m[MAX_BATCH];
    rill_position pos[MAX_BATCH];
    uint64_t s = c->seed, seq = c->seq;
    rill *r = child_open(c);
    while (!stop_requested(c->stop)) {
        size_t n = rnd(&s) % 4 ? 1 : 2 + rnd(&s) % (MAX_BATCH - 1);
        for (size_t i = 0; i < n; i++) {
            head h = {.producer = c->id, .inc = c->inc, .n = (uint8_t)n,
                      .idx = (uint8_t)i, .seq = seq + i};
            m[i] = (rill_message){
                .topic = TOPIC, .partition = RILL_PARTITION_ANY,
                .key = keys[i], .value = vals[i],
                .key_len = key_make(keys[i], sizeof keys[i], c->id, seq + i),
                .value_len = value_make(vals[i], h)};
        }
        int rc = n == 1 ? rill_produce(r, m, pos)
                        : rill_produce_batch(r, m, n, pos);
        if (rc)
            child_die(c, "producing seq %" PRIu64 ": %s: %s", seq, RERR(rc));
        for (size_t i = 0; i < n; i++)
            out[i] = (msg){M_ACK, pos[i].partition, pos[i].offset, c->id,
                           c->inc, seq + i, fnv(vals[i], m[i].value_len),
                           0, 0};
        send_msgs(c->out, out, n);
        seq += n;
    }
    rill_close(r);
    return 0;
}

/* OBSERVE reads what the group committed for every partition; COMMIT and
 * COMMIT_OFFSETS commit the positions, with rill_commit or
 * rill_commit_offsets. Either way the offsets, committed at some time
 * between t0 and t1, go to the supervisor. */
static void consumer_commit(const child_cfg *cfg, rill_consumer *c, int how)
{
    rill_topic_partition *held = NULL, tps[MAX_PARTS];
    size_t nheld = 0, n = 0, got = 0;
    int rc = 0;
    if (how == OBSERVE)
        for (; n < cfg->partitions; n++)
            tps[n] = (rill_topic_partition){TOPIC, (int32_t)n, 0};
    else if ((rc = rill_assignment(&held, &nheld, c)))
        child_die(cfg, "rill_assignment: %s: %s", RERR(rc));
    for (size_t i = 0; i < nheld && n < MAX_PARTS; i++)
        if (held[i].offset >= 0) /* else not yet resolved */
            tps[n++] = held[i];
    int64_t t0 = now_us();
    if (how == OBSERVE)
        rc = rill_committed(c, tps, n);
    else if (how == COMMIT || n)
        rc = how == COMMIT ? rill_commit(c) : rill_commit_offsets(c, tps, n);
    int64_t t1 = now_us();
    if (rc) /* fenced too: a live member owns what it holds */
        child_die(cfg, "%s: %s: %s", how ? "committing" : "rill_committed",
                  RERR(rc));
    for (size_t i = 0; i < n; i++)
        if (tps[i].offset >= 0)
            out[got++] = (msg){M_COMMIT, tps[i].partition, tps[i].offset,
                               cfg->id, cfg->inc, 0, 0, t0, t1};
    send_msgs(cfg->out, out, got);
    rill_tps_free(held, nheld);
}

/* Reports each record delivered, commits now and then (and auto-commits),
 * reports the group's committed offsets every 25 ms, until told to stop. */
static int consumer_main(const child_cfg *cfg)
{
    const char *topic = TOPIC;
    char name[32];
    uint64_t s = cfg->seed;
    int64_t next_observe = 0;
    rill_consumer *c;
    rill_consumer_options o;
    rill *r = child_open(cfg);
    snprintf(name, sizeof name, "torture-c%u", cfg->id);
    rill_consumer_options_init(&o);
    o.group_id = GROUP;
    o.client_id = name;
    o.auto_commit_interval_ms = 50 + (unsigned)(rnd(&s) % 51);
    o.max_poll_records = 1 + (unsigned)(rnd(&s) % MAX_POLL);
    o.assignor = (int)cfg->assignor;
    int rc = rill_consumer_new(&c, r, &o);
    if (rc || (rc = rill_subscribe(c, &topic, 1)))
        child_die(cfg, "joining: %s: %s", RERR(rc));
    while (!stop_requested(cfg->stop)) {
        const rill_record *recs;
        size_t n;
        if ((rc = rill_poll(c, 20, &recs, &n)))
            child_die(cfg, "rill_poll: %s: %s", RERR(rc));
        for (size_t i = 0; i < n; i++) {
            head h = {0};
            if (!value_head(&recs[i], &h))
                h.producer = UINT32_MAX;
            out[i] = (msg){M_REC, recs[i].partition, recs[i].offset,
                           h.producer, h.inc, h.seq, 0, 0, 0};
        }
        send_msgs(cfg->out, out, n);
        if (rnd(&s) % 16 == 0)
            consumer_commit(cfg, c, rnd(&s) % 2 ? COMMIT : COMMIT_OFFSETS);
        if (now_us() >= next_observe) {
            consumer_commit(cfg, c, OBSERVE);
            next_observe = now_us() + 25000;
        }
    }
    consumer_commit(cfg, c, COMMIT);
    if ((rc = rill_consumer_close(c)))
        child_die(cfg, "rill_consumer_close: %s: %s", RERR(rc));
    rill_close(r);
    return 0;
}

/* argv: self --child ROLE DIR id inc seq seed sync assignor partitions
 * out-fd stop-fd */
static int child_main(int argc, char **argv)
{
    unsigned long long v[9];
    if (argc != 13 || (strcmp(argv[2], ROLE[0]) && strcmp(argv[2], ROLE[1])))
        return 2;
    for (int i = 0; i < 9; i++)
        v[i] = strtoull(argv[4 + i], NULL, 10);
    child_cfg c = {argv[3], argv[2], (unsigned)v[0], (unsigned)v[1],
                   (unsigned)v[4], (unsigned)v[5], (unsigned)v[6], v[2],
                   v[3], (int)v[7], (int)v[8]};
    if (c.partitions < 1 || c.partitions > MAX_PARTS)
        return 2;
    return strcmp(c.role, ROLE[PRODUCER]) ? consumer_main(&c)
                                          : producer_main(&c);
}

/* ---- the supervisor ---- */

typedef struct ack {
    int64_t offset;
    uint64_t hash;
    int32_t partition;
    uint32_t inc;
    bool found;
} ack;

typedef struct seen { /* the deliveries of an offset, the first's record */
    uint64_t seq;
    uint32_t producer, inc, count;
} seen;

typedef struct obs { /* a committed offset, at some time in [t0, t1] */
    int64_t v, t0, t1;
    uint32_t who, inc;
} obs;

typedef struct array {
    void *p;
    size_t n, cap;
} array;

typedef struct child {
    int role;
    unsigned id, inc;
    pid_t pid;   /* 0 when not running */
    int fd;      /* its report pipe, -1 once at its end */
    bool killed; /* SIGKILL sent */
    size_t have;
    unsigned char buf[READ_MSGS * sizeof(msg)];
} child;

static struct {
    unsigned producers, consumers, partitions, kills_max, seconds;
    uint64_t seed, rng;
    bool keep;
    int assignor;
    char dir[PATH_MAX], self[PATH_MAX];
    pid_t pid;
    rill *r;
    int stop[2][2]; /* per role, the pipe whose closing stops them */
    bool stopped[2];
    child kids[MAX_KIDS];
    size_t nkids;
    array acks[MAX_PRODUCERS];
    array starts[MAX_PRODUCERS]; /* each incarnation's first seq */
    array seen[MAX_PARTS], obs[MAX_PARTS];
    unsigned kills[2], spawns;
    uint64_t deliveries;
    int64_t t_start, t_drain, t_stopped;
    size_t problems;
} S;

/* Fails at once: kills and reaps every child, keeps the directory. */
static void fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("torture: FAIL: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    for (size_t i = 0; i < S.nkids; i++)
        if (S.kids[i].pid > 0) {
            kill(S.kids[i].pid, SIGKILL);
            while (waitpid(S.kids[i].pid, NULL, 0) < 0 && errno == EINTR)
                ;
        }
    if (S.dir[0])
        fprintf(stderr, "torture: kept %s (seed %" PRIu64 ")\n", S.dir,
                S.seed);
    exit(1);
}

/* A problem found by the final checks, which go on. */
static void problem(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (++S.problems <= 40) {
        fputs("torture: problem: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
    } else if (S.problems == 41) {
        fputs("torture: (further problems not shown)\n", stderr);
    }
    va_end(ap);
}

/* The element i of a (zeroed when new), growing the array to hold it. */
static void *array_at(array *a, size_t i, size_t size)
{
    if (i >= a->cap) {
        size_t cap = a->cap ? a->cap : 1024;
        while (cap <= i)
            cap *= 2;
        void *p = realloc(a->p, cap * size);
        if (!p)
            fatal("out of memory (%zu elements)", cap);
        memset((char *)p + a->cap * size, 0, (cap - a->cap) * size);
        a->p = p;
        a->cap = cap;
    }
    a->n = i >= a->n ? i + 1 : a->n;
    return (char *)a->p + i * size;
}

/* Starts incarnation k->inc of a child (a producer goes on after its last
 * acknowledged sequence number). It keeps its report pipe's write end and
 * its role's stop pipe; every other descriptor closes at exec. */
static void child_spawn(child *k)
{
    int fds[2];
    char num[9][24], *argv[14] = {S.self, (char *)"--child",
                                  (char *)ROLE[k->role], S.dir};
    uint64_t seq = k->role == PRODUCER ? S.acks[k->id].n : 0;
    unsigned sync = RILL_SYNC_NONE; /* one in three ALWAYS or INTERVAL */
    if (k->id % 3 == (k->role == PRODUCER ? 2u : 1u))
        sync = k->role == PRODUCER ? RILL_SYNC_ALWAYS : RILL_SYNC_INTERVAL;
    if (k->role == PRODUCER)
        *(uint64_t *)array_at(&S.starts[k->id], k->inc, 8) = seq;
    if (pipe2(fds, O_CLOEXEC))
        fatal("pipe: %s", strerror(errno));
    unsigned long long v[9] = {k->id, k->inc, seq, mix(S.seed ^ ++S.spawns),
                               sync, (unsigned)S.assignor, S.partitions,
                               (unsigned)fds[1], (unsigned)S.stop[k->role][0]};
    for (int i = 0; i < 9; i++)
        snprintf(num[i], sizeof num[i], "%llu", v[i]), argv[4 + i] = num[i];
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        fatal("fork: %s", strerror(errno));
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* none outlives the supervisor */
        if (getppid() != S.pid)
            _exit(1);
        fcntl(fds[1], F_SETFD, 0);
        fcntl(S.stop[k->role][0], F_SETFD, 0);
        execv(S.self, argv);
        _exit(127);
    }
    close(fds[1]);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    *k = (child){k->role, k->id, k->inc, pid, fds[0], false, 0, {0}};
}

static void on_msg(child *k, const msg *m)
{
    array *a = &S.acks[k->id];
    if (m->partition < 0 || m->partition >= (int32_t)S.partitions ||
        m->offset < 0 || m->offset >= (int64_t)1 << 40 || m->type < M_ACK ||
        m->type > M_COMMIT || (m->type == M_ACK) != (k->role == PRODUCER) ||
        (m->type == M_ACK &&
         (m->who != k->id || m->inc != k->inc || m->seq != a->n)))
        fatal("%s %u sent message %u: %u/%u seq %" PRIu64 " at %d/%" PRId64,
              ROLE[k->role], k->id, m->type, m->who, m->inc, m->seq,
              m->partition, m->offset);
    if (m->type == M_ACK) {
        *(ack *)array_at(a, a->n, sizeof(ack)) =
            (ack){m->offset, m->hash, m->partition, m->inc, false};
    } else if (m->type == M_COMMIT) {
        a = &S.obs[m->partition];
        *(obs *)array_at(a, a->n, sizeof(obs)) =
            (obs){m->offset, m->t0, m->t1, m->who, m->inc};
    } else {
        seen *e = array_at(&S.seen[m->partition], (size_t)m->offset,
                           sizeof(seen));
        S.deliveries++;
        if (e->count++ == 0)
            *e = (seen){m->seq, m->who, m->inc, 1};
        else if (e->producer != m->who || e->inc != m->inc || e->seq != m->seq)
            problem("%d/%" PRId64 " was delivered as %u/%u seq %" PRIu64
                    ", then to consumer %u as %u/%u seq %" PRIu64,
                    m->partition, m->offset, e->producer, e->inc, e->seq,
                    k->id, m->who, m->inc, m->seq);
    }
}

/* The child's report pipe ended, so it exited. One we killed starts
 * again unless its role was stopped; one we did not kill must have exited
 * with 0 after the stop. */
static void child_ended(child *k)
{
    int st;
    pid_t pid = k->pid;
    close(k->fd);
    k->fd = -1;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            fatal("waitpid: %s", strerror(errno));
    k->pid = 0;
    if (k->have)
        fatal("%s %u left a partial message", ROLE[k->role], k->id);
    if (k->killed && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) {
        if (!S.stopped[k->role])
            k->inc++, child_spawn(k);
    } else if (k->killed || !S.stopped[k->role] || !WIFEXITED(st) ||
               WEXITSTATUS(st)) {
        fatal("%s %u (incarnation %u, pid %d) %s %d%s", ROLE[k->role], k->id,
              k->inc, (int)pid,
              WIFEXITED(st) ? "exited with status" : "died of signal",
              WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
              S.stopped[k->role] ? "" : " unasked");
    }
}

static void child_read(child *k)
{
    ssize_t got;
    size_t whole;
    do
        got = read(k->fd, k->buf + k->have, sizeof k->buf - k->have);
    while (got < 0 && errno == EINTR);
    if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
        fatal("reading from %s %u: %s", ROLE[k->role], k->id, strerror(errno));
    if (got == 0)
        child_ended(k);
    if (got <= 0)
        return;
    k->have += (size_t)got;
    whole = k->have / sizeof(msg);
    for (size_t i = 0; i < whole; i++) {
        msg m;
        memcpy(&m, k->buf + i * sizeof m, sizeof m);
        on_msg(k, &m);
    }
    k->have -= whole * sizeof(msg);
    memmove(k->buf, k->buf + whole * sizeof(msg), k->have);
}

/* Reads whatever the children wrote, waiting up to timeout_ms for it. */
static void pump(int timeout_ms)
{
    struct pollfd pfd[MAX_KIDS];
    child *who[MAX_KIDS];
    nfds_t n = 0;
    for (size_t i = 0; i < S.nkids; i++)
        if (S.kids[i].fd >= 0) {
            who[n] = &S.kids[i];
            pfd[n++] = (struct pollfd){S.kids[i].fd, POLLIN, 0};
        }
    if (n && poll(pfd, n, timeout_ms) < 0 && errno != EINTR)
        fatal("poll: %s", strerror(errno));
    for (nfds_t i = 0; i < n; i++)
        if (pfd[i].revents)
            child_read(who[i]);
}

/* Kills a random child every few ms to ~120 ms until the bounds. */
static void run_phase(void)
{
    int64_t end = S.t_start + (int64_t)S.seconds * 1000000, next = 0;
    for (;;) {
        int64_t now = now_us();
        size_t cand[MAX_KIDS], n = 0;
        if (now >= end ||
            (S.kills_max && S.kills[0] + S.kills[1] >= S.kills_max))
            return;
        for (size_t i = 0; i < S.nkids; i++)
            if (S.kids[i].pid > 0 && !S.kids[i].killed)
                cand[n++] = i;
        if (S.kills_max && now >= next && next && n) {
            child *k = &S.kids[cand[rnd(&S.rng) % n]];
            if (kill(k->pid, SIGKILL))
                fatal("kill %d: %s", (int)k->pid, strerror(errno));
            k->killed = true;
            S.kills[k->role]++;
        }
        if (now >= next)
            next = now + 2000 + (int64_t)(rnd(&S.rng) % 118000);
        pump((int)(((S.kills_max && next < end ? next : end) - now + 999) /
                   1000));
    }
}

/* Whether the group committed every partition to its end. */
static bool group_drained(void)
{
    rill_group_info *g;
    unsigned done = 0;
    int rc = rill_group_describe(&g, S.r, GROUP);
    if (rc == RILL_ENOTFOUND)
        return false;
    if (rc)
        fatal("rill_group_describe: %s: %s", RERR(rc));
    for (size_t i = 0; i < g->partition_count; i++)
        done += !strcmp(g->partitions[i].topic, TOPIC) &&
                g->partitions[i].lag == 0;
    rill_group_info_free(g);
    return done == S.partitions;
}

/* Names the children still running, and where the kernel has them wait
 * (futex_do_wait: on a lock). */
static void say_running(void)
{
    for (size_t i = 0; i < S.nkids; i++) {
        char path[64], wchan[64] = "?";
        FILE *f;
        snprintf(path, sizeof path, "/proc/%d/wchan", (int)S.kids[i].pid);
        if (S.kids[i].pid <= 0 || !(f = fopen(path, "r")))
            continue;
        wchan[fread(wchan, 1, sizeof wchan - 1, f)] = '\0';
        fclose(f);
        fprintf(stderr, "torture: %s %u (pid %d) still runs, in %s\n",
                ROLE[S.kids[i].role], S.kids[i].id, (int)S.kids[i].pid, wchan);
    }
}

static void await_stop(int role, int64_t deadline)
{
    S.stopped[role] = true;
    close(S.stop[role][1]);
    for (;;) {
        bool running = false;
        for (size_t i = 0; i < S.nkids; i++)
            running |= S.kids[i].role == role &&
                       (S.kids[i].pid > 0 || S.kids[i].fd >= 0);
        if (!running)
            return;
        if (now_us() > deadline)
            say_running(), fatal("the %ss did not stop in time", ROLE[role]);
        pump(100);
    }
}

/* Stops the producers, lets the consumers commit everything, stops them. */
static void drain_phase(void)
{
    /* a normal drain takes a second or two */
    int64_t deadline = now_us() + (S.kills_max > 150 ? 120 : 30) * 1000000LL;
    int64_t next_check = 0;
    S.t_drain = now_us();
    await_stop(PRODUCER, deadline);
    for (;;) {
        int64_t now = now_us();
        if (now >= next_check && group_drained())
            break;
        next_check = now >= next_check ? now + 20000 : next_check;
        if (now > deadline)
            say_running(), fatal("the consumers did not commit everything");
        pump(20);
    }
    await_stop(CONSUMER, deadline);
    S.t_stopped = now_us();
}

/* ---- the checks, on the directory reopened ---- */

typedef struct scan {
    int64_t next[MAX_PARTS], records, unacked;
    uint64_t last[MAX_PRODUCERS][MAX_PARTS]; /* inc << 40 | seq, + 1 */
} scan;

/* An acknowledged record matches its acknowledgement and is there once;
 * any other is of the one call of a producer that a kill interrupted. */
static void check_ack(scan *sc, int32_t p, const rill_record *rec,
                      const head *h)
{
    const array *a = &S.acks[h->producer], *st = &S.starts[h->producer];
    ack *e = h->seq < a->n ? (ack *)a->p + h->seq : NULL;
    if (e && e->inc == h->inc) {
        if (e->found || e->partition != p || e->offset != rec->offset ||
            e->hash != fnv(rec->value, rec->value_len))
            problem("%d/%" PRId64 ": producer %u seq %" PRIu64 " was "
                    "acknowledged at %d/%" PRId64 "%s", p, rec->offset,
                    h->producer, h->seq, e->partition, e->offset,
                    e->found ? ", and is in the log twice" : "");
        e->found = true;
        return;
    }
    /* the next incarnation (after the last kill, the acknowledgements'
     * end) starts at the first record of the call that a kill cut short */
    bool last = h->inc + 1 == st->n && S.kids[h->producer].killed;
    sc->unacked++;
    if ((h->inc + 1 >= st->n && !last) ||
        h->seq != (last ? a->n : ((uint64_t *)st->p)[h->inc + 1]) + h->idx)
        problem("%d/%" PRId64 ": producer %u/%u seq %" PRIu64 " was never "
                "acknowledged, nor interrupted by a kill", p, rec->offset,
                h->producer, h->inc, h->seq);
}

/* The record is one the test produced, byte-exact, in its key's
 * partition, after the producer's earlier ones, and as consumed. */
static void check_record(rill *r, scan *sc, int32_t p, const rill_record *rec)
{
    head h;
    uint8_t want[MAX_VALUE];
    char key[40];
    int32_t kp = -1;
    if (!value_head(rec, &h) || h.producer >= S.producers ||
        h.idx >= h.n || h.n > MAX_BATCH || h.inc >= 1u << 23) {
        problem("%d/%" PRId64 ": not a record of this test", p, rec->offset);
        return;
    }
    size_t vl = value_make(want, h);
    size_t kl = key_make(key, sizeof key, h.producer, h.seq);
    if (vl != rec->value_len || memcmp(want, rec->value, vl) || !rec->key ||
        rec->key_len != kl || memcmp(rec->key, key, kl) ||
        rill_partition_for_key(&kp, r, TOPIC, key, kl) || kp != p)
        problem("%d/%" PRId64 ": producer %u seq %" PRIu64 ": not the key "
                "or value produced, or a key of partition %d", p, rec->offset,
                h.producer, h.seq, kp);
    uint64_t *last = &sc->last[h.producer][p];
    uint64_t now = (uint64_t)h.inc << 40 | h.seq; /* *last: previous + 1 */
    if (*last && now < *last)
        problem("%d/%" PRId64 ": producer %u/%u seq %" PRIu64 " follows its "
                "%u/%" PRIu64, p, rec->offset, h.producer, h.inc, h.seq,
                (unsigned)((*last - 1) >> 40), (*last - 1) & 0xffffffffffULL);
    *last = now + 1;
    check_ack(sc, p, rec, &h);
    const seen *e = (size_t)rec->offset < S.seen[p].n
                        ? (seen *)S.seen[p].p + rec->offset : NULL;
    if (e && e->count &&
        (e->producer != h.producer || e->inc != h.inc || e->seq != h.seq))
        problem("%d/%" PRId64 " holds %u/%u seq %" PRIu64 " but was consumed"
                " as %u/%u seq %" PRIu64, p, rec->offset, h.producer, h.inc,
                h.seq, e->producer, e->inc, e->seq);
}

/* Reads partition p from the beginning: offsets 0..next-1, densely. */
static void scan_partition(rill *r, scan *sc, int32_t p)
{
    int64_t first, expect = 0;
    rill_consumer *c = NULL;
    rill_topic_partition tp = {TOPIC, p, RILL_OFFSET_BEGINNING};
    const rill_record *recs;
    size_t n;
    int rc = rill_watermarks(&first, &sc->next[p], r, TOPIC, p);
    if (!rc && first)
        problem("partition %d starts at %" PRId64, p, first);
    if (!rc && !(rc = rill_consumer_new(&c, r, NULL)))
        rc = rill_assign(c, &tp, 1);
    while (!rc && !(rc = rill_poll(c, 0, &recs, &n)) && n)
        for (size_t i = 0; i < n; i++, sc->records++) {
            if (recs[i].partition != p || recs[i].offset != expect)
                problem("partition %d: %d/%" PRId64 " where %" PRId64
                        " was due", p, recs[i].partition, recs[i].offset,
                        expect);
            expect = recs[i].offset + 1;
            check_record(r, sc, p, &recs[i]);
        }
    if (rc)
        problem("reading partition %d at %" PRId64 ": %s: %s", p, expect,
                RERR(rc));
    else if (expect != sc->next[p])
        problem("partition %d: read to %" PRId64 ", its end is %" PRId64, p,
                expect, sc->next[p]);
    rill_consumer_close(c);
}

/* Every acknowledged record was found, every record consumed. */
static void check_found_and_consumed(const scan *sc)
{
    for (unsigned i = 0; i < S.producers; i++)
        for (size_t s = 0; s < S.acks[i].n; s++) {
            const ack *e = (ack *)S.acks[i].p + s;
            if (!e->found)
                problem("producer %u seq %zu, acknowledged at %d/%" PRId64
                        ", is missing", i, s, e->partition, e->offset);
        }
    for (unsigned p = 0; p < S.partitions; p++) {
        const seen *e = S.seen[p].p;
        for (int64_t off = 0; off < sc->next[p]; off++)
            if ((size_t)off >= S.seen[p].n || !e[off].count)
                problem("%u/%" PRId64 " was never consumed", p, off);
        if ((int64_t)S.seen[p].n > sc->next[p])
            problem("%u/%zu was consumed, past the end", p, S.seen[p].n - 1);
    }
}

static bool by_t1; /* what cmp_obs compares: t1, else t0 */

static int cmp_obs(const void *a, const void *b)
{
    const obs *x = a, *y = b;
    int64_t u = by_t1 ? x->t1 : x->t0, v = by_t1 ? y->t1 : y->t0;
    return (u > v) - (u < v);
}

/* Pipes reorder the reports: an observation shows a committed offset at
 * some time within [t0, t1]; none may be lower than one that ended before
 * it began, or past the end. */
static void check_commits(int32_t p, int64_t next)
{
    size_t n = S.obs[p].n, j = 0;
    obs *by0 = S.obs[p].p, *by1 = malloc((n ? n : 1) * sizeof *by1);
    const obs *top = NULL;
    if (!by1)
        fatal("out of memory");
    memcpy(by1, by0, n * sizeof *by1);
    by_t1 = false;
    qsort(by0, n, sizeof *by0, cmp_obs);
    by_t1 = true;
    qsort(by1, n, sizeof *by1, cmp_obs);
    for (size_t i = 0; i < n; i++) {
        for (; j < n && by1[j].t1 < by0[i].t0; j++)
            top = !top || by1[j].v > top->v ? &by1[j] : top;
        if ((top && top->v > by0[i].v) || by0[i].v > next)
            problem("partition %d: consumer %u/%u saw %" PRId64 " committed "
                    "at %.6f s, after consumer %u/%u saw %" PRId64 " by %.6f"
                    " s (the end is %" PRId64 ")", p, by0[i].who, by0[i].inc,
                    by0[i].v, (double)(by0[i].t0 - S.t_start) / 1e6,
                    top ? top->who : 0, top ? top->inc : 0, top ? top->v : -1,
                    top ? (double)(top->t1 - S.t_start) / 1e6 : 0.0, next);
    }
    free(by1);
}

static void verify_cb(void *opaque, const char *topic, int32_t partition,
                      int64_t offset, int err, const char *message)
{
    (void)opaque;
    problem("rill_verify: %s/%d at %" PRId64 ": %s: %s", topic, partition,
            offset, rill_strerror(err), message);
}

static void summary(const scan *sc, const rill_verify_report *v)
{
    uint64_t acked = 0, distinct = 0, commits = 0;
    for (unsigned i = 0; i < S.producers; i++)
        acked += S.acks[i].n;
    for (unsigned p = 0; p < S.partitions; p++, commits += S.obs[p - 1].n)
        for (size_t off = 0; off < S.seen[p].n; off++)
            distinct += ((seen *)S.seen[p].p)[off].count > 0;
    printf("torture: %u kills (%u producers, %u consumers) in %.1f s, "
           "drained and stopped in %.1f s\ntorture: %" PRIu64 " records "
           "acknowledged, %" PRId64 " present (%" PRId64 " unacknowledged), "
           "%" PRIu64 " consumed (%" PRIu64 " again), %" PRIu64 " commits "
           "seen\ntorture: rill_verify: %" PRId64 " batches, %" PRId64
           " records, %" PRId64 " bytes\ntorture: %s (%zu problems) in %.1f "
           "s\n", S.kills[0] + S.kills[1], S.kills[PRODUCER],
           S.kills[CONSUMER], (double)(S.t_drain - S.t_start) / 1e6,
           (double)(S.t_stopped - S.t_drain) / 1e6, acked, sc->records,
           sc->unacked, distinct, S.deliveries - distinct, commits,
           v->batches, v->records, v->bytes, S.problems ? "FAIL" : "PASS",
           S.problems, (double)(now_us() - S.t_start) / 1e6);
}

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* Every child has exited: the directory opens again and passes. */
static int finish(void)
{
    rill *r;
    rill_verify_report v = {0};
    scan *sc = calloc(1, sizeof *sc);
    if (!sc)
        fatal("out of memory");
    rill_close(S.r);
    int rc = rill_open(&r, S.dir, NULL);
    if (rc)
        problem("reopening: %s: %s", RERR(rc));
    for (unsigned p = 0; !rc && p < S.partitions; p++)
        scan_partition(r, sc, (int32_t)p);
    if (!rc) {
        check_found_and_consumed(sc);
        for (unsigned p = 0; p < S.partitions; p++)
            check_commits((int32_t)p, sc->next[p]);
        rill_verify_report *rep;
        int vrc = rill_verify(&rep, r, NULL, verify_cb, NULL);
        if (rep) {
            v = *rep;
            rill_verify_report_free(rep);
        }
        if (vrc || v.problems || v.records != sc->records)
            problem("rill_verify: %s, %" PRId64 " problems, %" PRId64
                    " records", rill_strerror(vrc), v.problems, v.records);
        rill_close(r);
    }
    summary(sc, &v);
    free(sc);
    if (S.problems || S.keep)
        printf("torture: kept %s (seed %" PRIu64 ")\n", S.dir, S.seed);
    else
        nftw(S.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return S.problems ? 1 : 0;
}

/* ---- setting up ---- */

static void parse_args(int argc, char **argv)
{
    static const struct option opts[] = {
        {"short", 0, 0, 's'},      {"long", 0, 0, 'l'},
        {"producers", 1, 0, 'p'},  {"consumers", 1, 0, 'c'},
        {"partitions", 1, 0, 'P'}, {"seconds", 1, 0, 'S'},
        {"kills", 1, 0, 'k'},      {"seed", 1, 0, 'x'},
        {"keep", 0, 0, 'K'},       {0, 0, 0, 0}};
    int ch;
    S.producers = S.consumers = 3, S.partitions = 6;
    S.kills_max = 150, S.seconds = 15;
    S.seed = mix((uint64_t)time(NULL) ^ (uint64_t)getpid() << 32);
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end = NULL;
        unsigned long long v = optarg ? strtoull(optarg, &end, 0) : 0;
        unsigned u = v > 10000000 ? 0 : (unsigned)v;
        if (end && (end == optarg || *end))
            ch = '?';
        switch (ch) {
        case 's': S.kills_max = 150, S.seconds = 15; break;
        case 'l': S.kills_max = 1000, S.seconds = 600; break;
        case 'p': S.producers = u; break;
        case 'c': S.consumers = u; break;
        case 'P': S.partitions = u; break;
        case 'S': S.seconds = u; break;
        case 'k': S.kills_max = u; break;
        case 'x': S.seed = v; break;
        case 'K': S.keep = true; break;
        default: S.producers = 0;
        }
    }
    if (optind != argc || !S.producers || S.producers > MAX_PRODUCERS ||
        !S.consumers || S.consumers > MAX_CONSUMERS || !S.partitions ||
        S.partitions > MAX_PARTS) {
        fputs("usage: torture [--short | --long] [--producers N] "
              "[--consumers M] [--partitions P]\n        [--seconds S] "
              "[--kills K] [--seed X] [--keep]\n", stderr);
        exit(2);
    }
}

/* Makes the directory and the topic, and starts the children. */
static void setup(void)
{
    rill_topic_config tc;
    const char *base = getenv("TMPDIR");
    ssize_t n = readlink("/proc/self/exe", S.self, sizeof S.self - 1);
    if (n <= 0)
        fatal("readlink /proc/self/exe: %s", strerror(errno));
    S.self[n] = '\0';
    S.pid = getpid();
    S.rng = S.seed;
    snprintf(S.dir, sizeof S.dir, "%s/rill-torture-XXXXXX",
             base && *base ? base : "/tmp");
    if (!mkdtemp(S.dir))
        S.dir[0] = '\0', fatal("mkdtemp: %s", strerror(errno));
    rill_topic_config_init(&tc);
    tc.partitions = (int32_t)S.partitions;
    tc.compression = (int)(rnd(&S.rng) % 2); /* none or zstd */
    S.assignor = (int)(rnd(&S.rng) % 3);
    int rc = rill_open(&S.r, S.dir, NULL);
    if (rc || (rc = rill_topic_create(S.r, TOPIC, &tc)))
        fatal("creating the topic: %s: %s", RERR(rc));
    if (pipe2(S.stop[PRODUCER], O_CLOEXEC) ||
        pipe2(S.stop[CONSUMER], O_CLOEXEC))
        fatal("pipe: %s", strerror(errno));
    printf("torture: seed %" PRIu64 ": %u producers, %u consumers, %u "
           "partitions (%s, assignor %d), %u kills or %u s, in %s\n", S.seed,
           S.producers, S.consumers, S.partitions,
           tc.compression ? "zstd" : "uncompressed", S.assignor, S.kills_max,
           S.seconds, S.dir);
    for (unsigned i = 0; i < S.producers + S.consumers; i++)
        S.kids[S.nkids++] = (child){
            .role = i < S.producers ? PRODUCER : CONSUMER,
            .id = i < S.producers ? i : i - S.producers};
    S.t_start = now_us();
    for (size_t i = 0; i < S.nkids; i++)
        child_spawn(&S.kids[i]);
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "--child"))
        return child_main(argc, argv);
    setvbuf(stdout, NULL, _IOLBF, 0);
    parse_args(argc, argv);
    setup();
    run_phase();
    drain_phase();
    return finish();
}
