/*
 * test_group_procs.c -- consumer groups across real processes: three
 * member processes share a six-partition topic while a producer process
 * writes 60k keyed records; one run ends cleanly, one kills a member with
 * SIGKILL mid-stream. Members report every record and every assignment
 * through a pipe; the parent checks at-least-once delivery, per-partition
 * (hence per-key) order, how fast a dead member's partitions move, and
 * that committed offsets end at the partition ends.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

enum { MEMBERS = 3, PARTITIONS = 6, KEYS = 600, PER_KEY = 100 };
enum { TOTAL = KEYS * PER_KEY };

enum { EV_RECORD = 1, EV_ASSIGNED = 2, EV_REVOKED = 3, EV_JOINED = 4 };

typedef struct event {
    uint8_t type;
    uint8_t member;
    uint16_t pad;
    int32_t partition;
    int64_t offset;
    uint32_t key;
    uint32_t seq;
} event;

typedef struct value {
    uint32_t key;
    uint32_t seq;
} value;

typedef struct member_arg {
    const char *dir;
    int id;
    int out_fd;
    int stop_fd;
    int stop_w; /* the parent's end, closed in the child */
} member_arg;

static void send_events(int fd, const event *ev, size_t n)
{
    const char *p = (const char *)ev;
    size_t left = n * sizeof *ev;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            _exit(3);
        p += w;
        left -= (size_t)w;
    }
}

static void on_rebalance(void *opaque, rill_consumer *c, int kind,
                         const rill_topic_partition *tps, size_t n)
{
    member_arg *a = opaque;
    (void)c;
    for (size_t i = 0; i < n; i++) {
        event ev = {.type = kind == RILL_REBALANCE_ASSIGNED ? EV_ASSIGNED
                                                            : EV_REVOKED,
                    .member = (uint8_t)a->id,
                    .partition = tps[i].partition};
        send_events(a->out_fd, &ev, 1);
    }
}

static int member_main(void *p)
{
    member_arg *a = p;
    close(a->stop_w);
    rill *r = open_sync(a->dir, RILL_SYNC_NONE);
    rill_consumer_options o;
    rill_consumer *c;
    rill_consumer_options_init(&o);
    o.group_id = "hub-service-group";
    o.client_id = "hub-service";
    o.auto_commit_interval_ms = 100;
    o.on_rebalance = on_rebalance;
    o.opaque = a;
    const char *topic = "order-after-create";
    if (rill_consumer_new(&c, r, &o) || rill_subscribe(c, &topic, 1))
        return 1;
    event joined = {.type = EV_JOINED, .member = (uint8_t)a->id};
    send_events(a->out_fd, &joined, 1);
    fcntl(a->stop_fd, F_SETFL, O_NONBLOCK);
    event *evs = malloc(500 * sizeof *evs);
    for (;;) {
        const rill_record *recs;
        size_t n;
        if (rill_poll(c, 50, &recs, &n))
            return 2;
        for (size_t i = 0; i < n; i++) {
            value v;
            memcpy(&v, recs[i].value, sizeof v);
            evs[i] = (event){EV_RECORD, (uint8_t)a->id, 0, recs[i].partition,
                             recs[i].offset, v.key, v.seq};
        }
        send_events(a->out_fd, evs, n);
        char b;
        if (read(a->stop_fd, &b, 1) == 0)
            break; /* the parent closed the stop pipe */
    }
    free(evs);
    int rc = rill_consumer_close(c);
    rill_close(r);
    return rc ? 4 : 0;
}

static int producer_main(void *p)
{
    const char *dir = p;
    rill *r = open_sync(dir, RILL_SYNC_NONE);
    rill_message m[50];
    value v[50];
    char keys[50][32];
    for (uint32_t i = 0; i < TOTAL;) {
        for (int j = 0; j < 50; j++, i++) {
            v[j] = (value){i % KEYS, i / KEYS};
            snprintf(keys[j], sizeof keys[j], "order-%u", v[j].key);
            m[j] = (rill_message){.topic = "order-after-create",
                                  .partition = RILL_PARTITION_ANY,
                                  .key = keys[j], .key_len = strlen(keys[j]),
                                  .value = &v[j], .value_len = sizeof v[j]};
        }
        if (rill_produce_batch(r, m, 50, NULL))
            return 1;
    }
    rill_close(r);
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct run_state {
    uint8_t seen[KEYS][PER_KEY];
    size_t distinct;
    size_t deliveries;
    /* per member and partition: the last offset delivered since it was
     * last assigned there (-1: none yet) */
    int64_t last[MEMBERS][PARTITIONS];
    int owner_at_kill[PARTITIONS];
    double kill_time;
    double moved_time; /* when the last of the dead member's partitions
                          was assigned to another member */
    int moved;
    int killed;
} run_state;

static void handle(run_state *s, const event *ev)
{
    assert_true(ev->member < MEMBERS);
    assert_true(ev->partition >= 0 && ev->partition < PARTITIONS);
    int64_t *last = &s->last[ev->member][ev->partition];
    switch (ev->type) {
    case EV_RECORD:
        assert_true(ev->key < KEYS && ev->seq < PER_KEY);
        /* in order within a partition, hence per key */
        assert_true(ev->offset > *last);
        *last = ev->offset;
        s->deliveries++;
        if (!s->seen[ev->key][ev->seq]++)
            s->distinct++;
        break;
    case EV_ASSIGNED:
        *last = -1; /* may start from the committed offset again */
        if (s->killed >= 0 && ev->member != s->killed &&
            s->owner_at_kill[ev->partition] == s->killed) {
            s->owner_at_kill[ev->partition] = -1;
            s->moved++;
            s->moved_time = now_s(); /* the last of them counts */
        }
        break;
    default:
        break;
    }
}

/* Runs members and a producer; with kill_at > 0, SIGKILLs member 0 after
 * that many distinct records. Returns the seconds the dead member's
 * partitions took to move (0 without a kill). */
static double run_group(fixture *f, size_t kill_at)
{
    topic_new(f->r, "order-after-create", PARTITIONS);
    static run_state s;
    memset(&s, 0, sizeof s);
    memset(s.last, 0xff, sizeof s.last); /* -1 */
    s.killed = -1;
    int out[MEMBERS][2], stop[2];
    pid_t pids[MEMBERS];
    member_arg args[MEMBERS];
    assert_int_equal(pipe(stop), 0);
    for (int i = 0; i < MEMBERS; i++) {
        assert_int_equal(pipe(out[i]), 0);
        args[i] = (member_arg){f->dir, i, out[i][1], stop[0], stop[1]};
        pids[i] = spawn(member_main, &args[i]);
        close(out[i][1]);
    }
    /* Start producing once every member has joined. */
    int owners[PARTITIONS];
    memset(owners, 0xff, sizeof owners);
    pid_t producer = -1;
    int joined = 0;
    bool open_fd[MEMBERS] = {true, true, true};
    int alive = MEMBERS;
    bool stopping = false;
    double deadline = now_s() + 120;
    while (alive > 0) {
        assert_true(now_s() < deadline);
        struct pollfd pfd[MEMBERS];
        for (int i = 0; i < MEMBERS; i++)
            pfd[i] = (struct pollfd){open_fd[i] ? out[i][0] : -1, POLLIN, 0};
        if (poll(pfd, MEMBERS, 1000) < 0 && errno != EINTR)
            fail_msg("poll: %s", strerror(errno));
        for (int i = 0; i < MEMBERS; i++) {
            if (!(pfd[i].revents & (POLLIN | POLLHUP)))
                continue;
            event evs[256];
            ssize_t got;
            do
                got = read(out[i][0], evs, sizeof evs);
            while (got < 0 && errno == EINTR);
            /* events are written whole; pipes keep writes <= PIPE_BUF
             * whole, and larger ones in order, so top up a partial one */
            size_t have = got > 0 ? (size_t)got : 0;
            while (have % sizeof(event)) {
                ssize_t more = read(out[i][0], (char *)evs + have,
                                    sizeof(event) - have % sizeof(event));
                if (more <= 0)
                    fail_msg("member %d sent a partial event", i);
                have += (size_t)more;
            }
            if (got <= 0) {
                open_fd[i] = false;
                close(out[i][0]);
                alive--;
                continue;
            }
            for (size_t k = 0; k < have / sizeof(event); k++) {
                handle(&s, &evs[k]);
                if (evs[k].type == EV_JOINED && ++joined == MEMBERS)
                    producer = spawn(producer_main, (void *)f->dir);
                if (evs[k].type == EV_ASSIGNED)
                    owners[evs[k].partition] = evs[k].member;
            }
        }
        if (kill_at && s.killed < 0 && s.distinct >= kill_at) {
            memcpy(s.owner_at_kill, owners, sizeof owners);
            int held = 0;
            for (int p = 0; p < PARTITIONS; p++)
                held += owners[p] == 0;
            if (held) {
                kill(pids[0], SIGKILL);
                s.kill_time = now_s();
                s.killed = 0;
                for (int p = 0; p < PARTITIONS; p++)
                    if (owners[p] != 0)
                        s.owner_at_kill[p] = -2; /* not the dead one's */
            }
        }
        if (!stopping && s.distinct == TOTAL) {
            stopping = true;
            close(stop[1]); /* members finish and commit */
        }
    }
    assert_int_equal(wait_child(producer), 0);
    for (int i = 0; i < MEMBERS; i++) {
        int st = wait_child(pids[i]);
        if (i == s.killed)
            assert_int_equal(st, 128 + SIGKILL);
        else
            assert_int_equal(st, 0);
    }
    close(stop[0]);

    /* Every record at least once. */
    printf("# %zu records, %zu deliveries (%zu again after a move)\n",
           s.distinct, s.deliveries, s.deliveries - s.distinct);
    assert_int_equal(s.distinct, TOTAL);
    assert_true(s.deliveries >= TOTAL);
    /* The group's committed offsets end at the partition ends. */
    rill_group_info *g;
    ok(rill_group_describe(&g, f->r, "hub-service-group"));
    assert_int_equal(g->partition_count, PARTITIONS);
    int64_t sum = 0;
    for (size_t i = 0; i < g->partition_count; i++) {
        assert_int_equal(g->partitions[i].committed,
                         g->partitions[i].end_offset);
        assert_int_equal(g->partitions[i].lag, 0);
        sum += g->partitions[i].end_offset;
    }
    assert_int_equal(sum, TOTAL);
    rill_group_info_free(g);
    if (kill_at) {
        assert_int_equal(s.killed, 0);
        for (int p = 0; p < PARTITIONS; p++)
            assert_true(s.owner_at_kill[p] != 0); /* all moved */
        return s.moved_time - s.kill_time;
    }
    return 0;
}

static void three_members_share_and_commit_everything(void **state)
{
    run_group(*state, 0);
}

static void killed_member_partitions_move_and_nothing_is_lost(void **state)
{
    double took = run_group(*state, TOTAL / 3);
    printf("# partitions of the killed member moved in %.0f ms\n",
           took * 1000);
    /* Liveness is checked every 200 ms; allow a loaded machine slack. */
    assert_true(took < 2.0);
}

/* ---- the log itself keeps each key's records in order ---- */

static void check_key_order(const rill_record *rec, void *arg)
{
    uint32_t *next = arg;
    value v;
    memcpy(&v, rec->value, sizeof v);
    assert_int_equal(v.seq, next[v.key]);
    next[v.key]++;
}

static void produced_keys_stay_in_order(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "order-after-create", PARTITIONS);
    assert_int_equal(wait_child(spawn(producer_main, (void *)f->dir)), 0);
    static uint32_t next[KEYS];
    memset(next, 0, sizeof next);
    size_t total = 0;
    for (int p = 0; p < PARTITIONS; p++)
        total += read_partition(f->r, "order-after-create", p, 0, TOTAL,
                                check_key_order, next);
    assert_int_equal(total, TOTAL);
}

/* ---- describe tells what is true now ---- */

typedef struct lone_arg {
    const char *dir;
    int ready_fd;
} lone_arg;

/* Joins, takes every partition, says so, then waits to be killed. */
static int lone_member_main(void *p)
{
    lone_arg *a = p;
    rill *r = open_sync(a->dir, RILL_SYNC_NONE);
    rill_consumer_options o;
    rill_consumer *c;
    rill_consumer_options_init(&o);
    o.group_id = "lone";
    const char *topic = "t";
    if (rill_consumer_new(&c, r, &o) || rill_subscribe(c, &topic, 1))
        return 1;
    for (;;) {
        const rill_record *recs;
        size_t n;
        rill_topic_partition *tps;
        if (rill_poll(c, 10, &recs, &n) || rill_assignment(&tps, &n, c))
            return 2;
        rill_tps_free(tps, n);
        if (n == 2)
            break;
    }
    if (write(a->ready_fd, "r", 1) != 1)
        return 3;
    for (;;)
        pause();
}

static void describe_after_the_only_member_is_killed(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 2);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    lone_arg a = {f->dir, fds[1]};
    pid_t pid = spawn(lone_member_main, &a);
    char b;
    assert_int_equal(read(fds[0], &b, 1), 1);
    rill_group_info *g;
    ok(rill_group_describe(&g, f->r, "lone"));
    assert_string_equal(g->state, "Stable");
    assert_int_equal(g->members[0].alive, 1);
    assert_non_null(g->partitions[0].owner);
    rill_group_info_free(g);

    kill(pid, SIGKILL);
    assert_int_equal(wait_child(pid), 128 + SIGKILL);
    /* No member has polled since: describe must still see the death. */
    ok(rill_group_describe(&g, f->r, "lone"));
    assert_string_equal(g->state, "Empty");
    assert_int_equal(g->member_count, 1);
    assert_int_equal(g->members[0].alive, 0);
    assert_int_equal(g->members[0].assigned_count, 0);
    for (size_t i = 0; i < g->partition_count; i++)
        assert_null(g->partitions[i].owner);
    rill_group_info_free(g);
    close(fds[0]);
    close(fds[1]);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        T(produced_keys_stay_in_order),
        T(three_members_share_and_commit_everything),
        T(killed_member_partitions_move_and_nothing_is_lost),
        T(describe_after_the_only_member_is_killed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
