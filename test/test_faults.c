/*
 * test_faults.c -- fault injection. This binary is linked with
 * -Wl,--wrap for malloc, calloc, realloc, strdup and LMDB's write calls
 * (mdb_put, mdb_cursor_put, mdb_del, mdb_cursor_del, mdb_txn_begin,
 * mdb_txn_renew, mdb_txn_commit, mdb_env_sync), so every call the
 * library makes goes through a wrapper here that can fail the Nth one.
 * A scenario along the produce/consume paths (open, topics, produce,
 * batches, the async producer, a manual and a group consumer, commits, a
 * transaction, maintenance, close) runs once per N, for every N until it
 * completes with no failure left to inject. Each failure must come back
 * as an error code: no crash, no leak (ASan and valgrind runs check
 * that), no corrupted log (a clean reopen verifies), and no acknowledged
 * record lost.
 */
#include "support.h"

#include <errno.h>
#include <lmdb.h>

enum fault_kind { FAULT_NONE, FAULT_ALLOC, FAULT_WRITE };

static enum fault_kind armed = FAULT_NONE;
static long calls, fail_at;
static long injected;

static bool fail_now(enum fault_kind kind)
{
    if (armed != kind)
        return false;
    if (++calls != fail_at)
        return false;
    injected++;
    return true;
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);

void *__wrap_malloc(size_t n)
{
    return fail_now(FAULT_ALLOC) ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return fail_now(FAULT_ALLOC) ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    return fail_now(FAULT_ALLOC) ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    return fail_now(FAULT_ALLOC) ? NULL : __real_strdup(s);
}

#define WRAP_WRITE(ret, name, params, args, fail)                              \
    ret __real_##name params;                                                  \
    ret __wrap_##name params;                                                  \
    ret __wrap_##name params                                                   \
    {                                                                          \
        if (fail_now(FAULT_WRITE)) {                                           \
            fail;                                                              \
        }                                                                      \
        return __real_##name args;                                             \
    }

WRAP_WRITE(int, mdb_put,
           (MDB_txn * txn, MDB_dbi dbi, MDB_val *k, MDB_val *v, unsigned f),
           (txn, dbi, k, v, f), return EIO)
WRAP_WRITE(int, mdb_cursor_put,
           (MDB_cursor * c, MDB_val *k, MDB_val *v, unsigned f), (c, k, v, f),
           return ENOSPC)
WRAP_WRITE(int, mdb_del, (MDB_txn * txn, MDB_dbi dbi, MDB_val *k, MDB_val *v),
           (txn, dbi, k, v), return EIO)
WRAP_WRITE(int, mdb_cursor_del, (MDB_cursor * c, unsigned f), (c, f),
           return EIO)
WRAP_WRITE(int, mdb_txn_begin,
           (MDB_env * env, MDB_txn *parent, unsigned f, MDB_txn **t),
           (env, parent, f, t), return ENOMEM)
WRAP_WRITE(int, mdb_txn_renew, (MDB_txn * t), (t), return EIO)
WRAP_WRITE(int, mdb_env_sync, (MDB_env * env, int force), (env, force),
           return EIO)

/* A failed commit has aborted (and freed) its transaction, as LMDB's
 * own failing commit does. */
WRAP_WRITE(int, mdb_txn_commit, (MDB_txn * txn), (txn), mdb_txn_abort(txn);
           return EIO)

/* ---- the scenario ---- */

enum { MAX_ACKS = 64 };

typedef struct acks {
    const char *topic[MAX_ACKS];
    rill_position pos[MAX_ACKS];
    char value[MAX_ACKS][48];
    size_t n;
} acks;

static void ack(acks *a, const char *topic, const rill_position *p,
                const char *value)
{
    if (a->n < MAX_ACKS) {
        a->topic[a->n] = topic;
        a->pos[a->n] = *p;
        snprintf(a->value[a->n], sizeof a->value[0], "%s", value);
        a->n++;
    }
}

static int produce_some(rill *r, acks *a)
{
    char v[10][48];
    rill_message m[10];
    rill_position pos[10];
    for (int i = 0; i < 10; i++) {
        snprintf(v[i], sizeof v[i], "rec-%zu-%d", a->n, i);
        m[i] = (rill_message){.topic = i % 2 ? "t" : "z",
                              .partition = RILL_PARTITION_ANY,
                              .key = v[i], .key_len = strlen(v[i]),
                              .value = v[i], .value_len = strlen(v[i]) + 1};
    }
    int rc = rill_produce(r, &m[0], &pos[0]);
    if (!rc)
        ack(a, m[0].topic, &pos[0], v[0]);
    if (!rc && !(rc = rill_produce_batch(r, &m[1], 9, &pos[1])))
        for (int i = 1; i < 10; i++)
            ack(a, m[i].topic, &pos[i], v[i]);
    return rc;
}

static void delivered(void *opaque, int err, const rill_message *m,
                      const rill_position *pos)
{
    acks *a = opaque;
    if (!err)
        ack(a, "t", pos, m->value);
}

static int use_async_producer(rill *r, acks *a)
{
    rill_producer *p;
    int rc = rill_producer_new(&p, r, NULL);
    for (int i = 0; !rc && i < 8; i++) {
        char v[48];
        snprintf(v, sizeof v, "async-%d", i);
        rill_message m = {.topic = "t", .partition = 0, .value = v,
                          .value_len = strlen(v) + 1};
        rc = rill_producer_send(p, &m, delivered, a);
    }
    if (!rc)
        rc = rill_producer_flush(p, 10000);
    rill_producer_close(p);
    return rc;
}

static int consume_some(rill *r, const char *group)
{
    rill_consumer_options o;
    rill_consumer *c;
    rill_consumer_options_init(&o);
    o.group_id = group;
    int rc = rill_consumer_new(&c, r, &o);
    if (rc)
        return rc;
    const char *topics[2] = {"t", "z"};
    rill_topic_partition tps[2] = {{"t", 0, 0}, {"z", 1, 0}};
    rc = group ? rill_subscribe(c, topics, 2) : rill_assign(c, tps, 2);
    for (int i = 0; !rc && i < 5; i++) {
        const rill_record *recs;
        size_t n;
        rc = rill_poll(c, 0, &recs, &n);
    }
    if (!rc && group)
        rc = rill_commit(c);
    if (!rc && group) {
        rill_txn *t;
        rc = rill_txn_begin(&t, r);
        rill_message m = {.topic = "t", .partition = 1, .value = "txn",
                          .value_len = 4};
        if (!rc && !(rc = rill_txn_produce(t, &m, NULL)) &&
            !(rc = rill_txn_put(t, "k", 1, "v", 1)) &&
            !(rc = rill_txn_commit_consumer(t, c)))
            rc = rill_txn_commit(t);
        else if (t)
            rill_txn_abort(t);
    }
    int crc = rill_consumer_close(c);
    return rc ? rc : crc;
}

static int scenario(const char *dir, acks *a)
{
    rill *r;
    rill_options o;
    rill_options_init(&o);
    o.sync = RILL_SYNC_NONE;
    int rc = rill_open(&r, dir, &o);
    if (rc)
        return rc;
    rill_topic_config c;
    rill_topic_config_init(&c);
    c.partitions = 2;
    c.retention_bytes = 1 << 20;
    rc = rill_topic_create(r, "t", &c);
    c.compression = RILL_COMPRESSION_ZSTD;
    if (!rc || rc == RILL_EEXIST)
        rc = rill_topic_create(r, "z", &c);
    if (!rc || rc == RILL_EEXIST)
        rc = produce_some(r, a);
    if (!rc)
        rc = use_async_producer(r, a);
    if (!rc)
        rc = consume_some(r, NULL);
    if (!rc)
        rc = consume_some(r, "g");
    rill_topic_info *info = NULL;
    if (!rc)
        rc = rill_topic_describe(&info, r, "t");
    rill_topic_info_free(info);
    if (!rc)
        rc = rill_maintain(NULL, r);
    rill_close(r);
    return rc;
}

/* Every acknowledged record is where it was acknowledged. */
static void check_after(const char *dir, const acks *a)
{
    rill *r = open_sync(dir, RILL_SYNC_NONE);
    ok(rill_verify(NULL, r, NULL, NULL, NULL));
    for (size_t i = 0; i < a->n; i++) {
        rill_consumer *c;
        ok(rill_consumer_new(&c, r, NULL));
        rill_topic_partition tp = {a->topic[i], a->pos[i].partition,
                                   a->pos[i].offset};
        ok(rill_assign(c, &tp, 1));
        const rill_record *recs;
        size_t n;
        ok(rill_poll(c, 0, &recs, &n));
        bool found = n > 0 && recs[0].offset == a->pos[i].offset &&
                     recs[0].value_len == strlen(a->value[i]) + 1 &&
                     memcmp(recs[0].value, a->value[i], recs[0].value_len) == 0;
        ok(rill_consumer_close(c));
        if (!found)
            fail_msg("acknowledged '%s' at %d/%lld is missing", a->value[i],
                     a->pos[i].partition, (long long)a->pos[i].offset);
    }
    rill_close(r);
}

static void sweep(enum fault_kind kind, const char *what)
{
    long total = 0, failures = 0;
    for (long n = 1;; n++) {
        char *dir = tmpdir_new();
        acks a = {.n = 0};
        /* A directory that already holds data, so reopening, purging and
         * appending to existing partitions are on the path too. */
        acks first = {.n = 0};
        assert_int_equal(scenario(dir, &first), 0);
        calls = 0;
        fail_at = n;
        injected = 0;
        armed = kind;
        int rc = scenario(dir, &a);
        armed = FAULT_NONE;
        total = calls;
        if (injected) {
            failures++;
            /* The error is a code with a message, never a crash. */
            if (rc == 0 && kind == FAULT_ALLOC)
                ; /* a failure the library absorbed (retention, logs) */
            else if (rc)
                assert_true(rc < 0 && rc > -100 && rill_errmsg()[0]);
        } else {
            assert_int_equal(rc, 0);
        }
        check_after(dir, &first);
        check_after(dir, &a);
        tmpdir_remove(dir);
        if (!injected)
            break;
    }
    printf("# %s: %ld injection points along the path, each failed once "
           "and survived (%ld runs)\n", what, total, failures);
    assert_true(total > 10);
}

static void every_allocation_can_fail(void **state)
{
    (void)state;
    sweep(FAULT_ALLOC, "allocations");
}

static void every_write_can_fail(void **state)
{
    (void)state;
    sweep(FAULT_WRITE, "LMDB writes and commits");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_write_can_fail),
        cmocka_unit_test(every_allocation_can_fail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
