/*
 * test_retain.c -- retention by time (injected clock) and size, the last
 * batch's expiry, compaction to the latest value per key, retention that
 * waits for named groups up to a cap, and readers in another process
 * while retention removes batches under them.
 */
#include "support.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

static void produce_at(rill *r, const char *topic, int n, int64_t ts,
                       size_t size)
{
    char *v = calloc(1, size);
    for (int i = 0; i < n; i++) {
        rill_message m = {.topic = topic, .partition = 0, .value = v,
                          .value_len = size, .timestamp_ms = ts};
        ok(rill_produce(r, &m, NULL));
    }
    free(v);
}

static void watermarks(rill *r, const char *topic, int64_t *first,
                       int64_t *next)
{
    ok(rill_watermarks(first, next, r, topic, 0));
}

static void old_batches_leave_by_time(void **state)
{
    fixture *f = *state;
    rill_topic_config c;
    rill_topic_config_init(&c);
    c.retention_ms = 3600000; /* an hour */
    ok(rill_topic_create(f->r, "t", &c));
    int64_t t0 = test_now_ms;
    produce_at(f->r, "t", 10, t0 - 7200000, 10); /* two hours old */
    produce_at(f->r, "t", 10, t0 - 1800000, 10); /* half an hour old */
    produce_at(f->r, "t", 10, 0, 10);            /* now */
    rill_maintain_report rep;
    ok(maintain_into(f->r, &rep));
    int64_t first, next;
    watermarks(f->r, "t", &first, &next);
    assert_int_equal(first, 10);
    assert_int_equal(next, 30);
    /* (the first record went when the first write found it expired) */
    assert_true(rep.records_removed >= 9 && rep.records_removed <= 10);

    /* A consumer below the first offset follows its reset policy. */
    rill_consumer_options o;
    rill_consumer *c1, *c2;
    rill_consumer_options_init(&o);
    o.auto_offset_reset = RILL_RESET_ERROR;
    ok(rill_consumer_new(&c1, f->r, &o));
    rill_topic_partition tp = {"t", 0, 3};
    ok(rill_assign(c1, &tp, 1));
    const rill_record *recs;
    size_t n;
    fails(RILL_EOFFSET, rill_poll(c1, 0, &recs, &n));
    o.auto_offset_reset = RILL_RESET_EARLIEST;
    ok(rill_consumer_new(&c2, f->r, &o));
    ok(rill_assign(c2, &tp, 1));
    ok(rill_poll(c2, 0, &recs, &n));
    assert_int_equal(recs[0].offset, 10);

    /* An hour and a half later, everything but the newest has expired;
     * the last batch too: the partition is empty, its offsets go on. */
    test_now_ms += 5400000;
    ok(rill_maintain(NULL, f->r));
    watermarks(f->r, "t", &first, &next);
    assert_int_equal(first, 30);
    assert_int_equal(next, 30);
    produce_at(f->r, "t", 1, 0, 10);
    watermarks(f->r, "t", &first, &next);
    assert_int_equal(first, 30);
    assert_int_equal(next, 31);
    ok(rill_consumer_close(c1));
    ok(rill_consumer_close(c2));
}

static void partitions_stay_within_retention_bytes(void **state)
{
    fixture *f = *state;
    rill_topic_config c;
    rill_topic_config_init(&c);
    c.retention_bytes = 100 * 1024;
    ok(rill_topic_create(f->r, "t", &c));
    /* 2 MiB in 1 KiB records: retention runs by itself as they arrive. */
    int64_t largest_batch = 0;
    for (int round = 0; round < 20; round++) {
        char v[1024];
        rill_message m[100];
        memset(v, 'x', sizeof v);
        for (int i = 0; i < 100; i++)
            m[i] = (rill_message){.topic = "t", .partition = 0, .value = v,
                                  .value_len = sizeof v};
        ok(rill_produce_batch(f->r, m, round % 2 ? 100 : 10, NULL));
        rill_topic_info *info;
        ok(rill_topic_describe(&info, f->r, "t"));
        largest_batch = 101 * 1024; /* 100 records of 1 KiB, with headers */
        /* Within retention_bytes plus what was written since the last
         * check (a sixteenth of it, at least 64 KiB) and one batch. */
        assert_true(info->partitions[0].bytes <=
                    c.retention_bytes + 64 * 1024 + largest_batch);
        rill_topic_info_free(info);
    }
    ok(rill_maintain(NULL, f->r));
    rill_topic_info *info;
    ok(rill_topic_describe(&info, f->r, "t"));
    assert_true(info->partitions[0].bytes <= c.retention_bytes + largest_batch);
    assert_true(info->partitions[0].first_offset > 0);
    assert_int_equal(info->partitions[0].next_offset, 10 * 10 + 10 * 100);
    assert_int_equal(info->partitions[0].records,
                     info->partitions[0].next_offset -
                         info->partitions[0].first_offset);
    rill_topic_info_free(info);
}

/* Many short-lived writers, each writing little: retention by size still
 * runs (each process checks a partition the first time it writes it). */
static void short_lived_writers_trigger_size_retention(void **state)
{
    fixture *f = *state;
    rill_topic_config c;
    rill_topic_config_init(&c);
    c.retention_bytes = 1000;
    ok(rill_topic_create(f->r, "t", &c));
    rill_close(f->r);
    f->r = NULL;
    for (int i = 0; i < 100; i++) {
        rill *r = open_sync(f->dir, RILL_SYNC_NONE);
        produce_at(r, "t", 1, 0, 200);
        rill_close(r);
    }
    f->r = open_sync(f->dir, RILL_SYNC_NONE);
    rill_topic_info *info;
    ok(rill_topic_describe(&info, f->r, "t"));
    assert_true(info->partitions[0].bytes <= 1000 + 300);
    assert_int_equal(info->partitions[0].next_offset, 100);
    rill_topic_info_free(info);
}

/* ---- compaction ---- */

enum { KEYS = 1000, UPDATES = 100000 };

typedef struct latest {
    int64_t offset[KEYS];
    uint32_t value[KEYS];
    bool tombstone[KEYS];
    int seen[KEYS];
    int64_t last_offset;
} latest;

static void check_compacted(const rill_record *rec, void *arg)
{
    latest *l = arg;
    int k;
    assert_non_null(rec->key);
    assert_int_equal(sscanf((const char *)rec->key, "key-%d", &k), 1);
    assert_true(rec->offset > l->last_offset); /* increasing */
    l->last_offset = rec->offset;
    assert_int_equal(rec->offset, l->offset[k]); /* only the latest */
    assert_false(l->tombstone[k]);               /* old tombstones gone */
    uint32_t v;
    assert_int_equal(rec->value_len, sizeof v);
    memcpy(&v, rec->value, sizeof v);
    assert_int_equal(v, l->value[k]);
    l->seen[k]++;
}

static void compaction_keeps_the_latest_value_per_key(void **state)
{
    fixture *f = *state;
    rill_topic_config c;
    rill_topic_config_init(&c);
    c.cleanup_policy = RILL_CLEANUP_COMPACT;
    c.delete_retention_ms = 60000;
    ok(rill_topic_create(f->r, "kv", &c));
    rill_message unkeyed = {.topic = "kv", .partition = 0, .value = "v",
                            .value_len = 1};
    fails(RILL_EINVAL, rill_produce(f->r, &unkeyed, NULL));

    static latest l;
    memset(&l, 0, sizeof l);
    l.last_offset = -1;
    uint64_t seed = 5;
    enum { CHUNK = 500 };
    static char keys[CHUNK][16];
    static uint32_t vals[CHUNK];
    for (int i = 0; i < UPDATES; i += CHUNK) {
        rill_message m[CHUNK];
        int ks[CHUNK];
        for (int j = 0; j < CHUNK; j++) {
            int k = (int)(next_random(&seed) % KEYS);
            bool tomb = next_random(&seed) % 20 == 0;
            ks[j] = k;
            vals[j] = (uint32_t)(i + j);
            snprintf(keys[j], sizeof keys[j], "key-%d", k);
            m[j] = (rill_message){.topic = "kv", .partition = 0,
                                  .key = keys[j], .key_len = strlen(keys[j]) + 1,
                                  .value = tomb ? NULL : &vals[j],
                                  .value_len = tomb ? 0 : sizeof vals[j]};
        }
        rill_position pos[CHUNK];
        ok(rill_produce_batch(f->r, m, CHUNK, pos));
        for (int j = 0; j < CHUNK; j++) {
            l.offset[ks[j]] = pos[j].offset;
            l.value[ks[j]] = vals[j];
            l.tombstone[ks[j]] = m[j].value == NULL;
        }
    }
    /* A consumer positioned in the middle before compaction. */
    rill_consumer *mid;
    ok(rill_consumer_new(&mid, f->r, NULL));
    rill_topic_partition tp = {"kv", 0, UPDATES / 2 + 7};
    ok(rill_assign(mid, &tp, 1));

    test_now_ms += 120000; /* the tombstones are old enough to go */
    rill_maintain_report rep;
    ok(maintain_into(f->r, &rep));
    assert_true(rep.records_compacted > UPDATES - KEYS - 100);
    size_t n = read_partition(f->r, "kv", 0, 0, SIZE_MAX, check_compacted, &l);
    int live = 0;
    for (int k = 0; k < KEYS; k++) {
        if (l.offset[k] == 0 && !l.seen[k])
            continue; /* never written */
        assert_int_equal(l.seen[k], l.tombstone[k] ? 0 : 1);
        live += !l.tombstone[k];
    }
    assert_int_equal(n, (size_t)live);
    int64_t first, next;
    ok(rill_watermarks(&first, &next, f->r, "kv", 0));
    assert_int_equal(next, UPDATES); /* offsets unchanged */
    ok(rill_verify(NULL, f->r, "kv", NULL, NULL));

    /* The consumer goes on from its position, with no error. */
    const rill_record *recs;
    size_t got;
    ok(rill_poll(mid, 0, &recs, &got));
    assert_true(got > 0);
    assert_true(recs[0].offset >= UPDATES / 2 + 7);
    ok(rill_consumer_close(mid));
    /* Compacting again changes nothing. */
    ok(maintain_into(f->r, &rep));
    assert_int_equal(rep.records_compacted, 0);
}

/* Compaction that empties the head batches must not move the log start:
 * a group that committed inside them reads on from the next surviving
 * record, whatever its auto_offset_reset, as in Kafka. */
static void compaction_keeps_the_log_start(void **state)
{
    fixture *f = *state;
    rill_topic_config c;
    rill_topic_config_init(&c);
    c.cleanup_policy = RILL_CLEANUP_COMPACT;
    ok(rill_topic_create(f->r, "kv", &c));
    /* Batches of one record each: k1..k4 at 0..4 (k0 at 0), then the
     * same keys again at 5..9, except k0, written once. */
    const char *keys[10] = {"k0", "k1", "k2", "k3", "k4",
                            "k1", "k2", "k3", "k4", "k5"};
    for (int i = 0; i < 10; i++) {
        char v[16];
        snprintf(v, sizeof v, "v%d", i);
        rill_message m = {.topic = "kv", .partition = 0, .key = keys[i],
                          .key_len = 2, .value = v, .value_len = strlen(v)};
        ok(rill_produce(f->r, &m, NULL));
    }
    rill_topic_partition at2 = {"kv", 0, 2};
    ok(rill_group_set_offsets(f->r, "lagging", &at2, 1));
    rill_maintain_report rep;
    ok(maintain_into(f->r, &rep));
    assert_int_equal(rep.records_compacted, 4); /* offsets 1..4 */
    int64_t first, next;
    ok(rill_watermarks(&first, &next, f->r, "kv", 0));
    assert_int_equal(first, 0); /* k0 at 0 survives */
    assert_int_equal(next, 10);

    /* Now a head batch goes too: k0's only record is superseded. */
    rill_message m0 = {.topic = "kv", .partition = 0, .key = "k0",
                       .key_len = 2, .value = "new", .value_len = 3};
    ok(rill_produce(f->r, &m0, NULL));
    ok(maintain_into(f->r, &rep));
    ok(rill_watermarks(&first, &next, f->r, "kv", 0));
    assert_int_equal(first, 0); /* as Kafka: compaction keeps the start */
    assert_int_equal(next, 11);
    ok(rill_verify(NULL, f->r, "kv", NULL, NULL));

    int resets[3] = {RILL_RESET_EARLIEST, RILL_RESET_LATEST, RILL_RESET_ERROR};
    for (int i = 0; i < 3; i++) {
        rill_consumer_options o;
        rill_consumer *cons;
        rill_consumer_options_init(&o);
        o.group_id = "lagging";
        o.enable_auto_commit = 0;
        o.auto_offset_reset = resets[i];
        ok(rill_consumer_new(&cons, f->r, &o));
        const char *t = "kv";
        ok(rill_subscribe(cons, &t, 1));
        int64_t want[] = {5, 6, 7, 8, 9, 10};
        size_t seen = 0;
        for (int round = 0; round < 20 && seen < 6; round++) {
            const rill_record *recs;
            size_t n;
            ok(rill_poll(cons, 0, &recs, &n));
            for (size_t j = 0; j < n; j++, seen++) {
                assert_true(seen < 6);
                assert_int_equal(recs[j].offset, want[seen]);
            }
        }
        assert_int_equal(seen, 6);
        ok(rill_consumer_close(cons));
    }
}

/* ---- retention that waits for groups ---- */

static void retention_waits_for_named_groups_up_to_the_cap(void **state)
{
    fixture *f = *state;
    rill_topic_config c;
    rill_topic_config_init(&c);
    c.retention_bytes = 8 * 1024;
    c.retain_groups = "billing";
    c.retain_groups_max_bytes = 64 * 1024;
    ok(rill_topic_create(f->r, "t", &c));
    rill_topic_info *info;
    ok(rill_topic_describe(&info, f->r, "t"));
    assert_string_equal(info->config.retain_groups, "billing");
    rill_topic_info_free(info);
    c.retain_groups_max_bytes = 0;
    fails(RILL_EINVAL, rill_topic_create(f->r, "u", &c)); /* no cap */

    /* 40 KiB: over retention_bytes, under the cap: kept for billing. */
    produce_at(f->r, "t", 40, 0, 1000);
    ok(rill_maintain(NULL, f->r));
    int64_t first, next;
    watermarks(f->r, "t", &first, &next);
    assert_int_equal(first, 0);
    /* billing commits 30: retention may take what is behind it. */
    rill_consumer_options o;
    rill_consumer *b;
    rill_consumer_options_init(&o);
    o.group_id = "billing";
    ok(rill_consumer_new(&b, f->r, &o));
    rill_topic_partition tp = {"t", 0, 30};
    ok(rill_commit_offsets(b, &tp, 1));
    ok(rill_maintain(NULL, f->r));
    watermarks(f->r, "t", &first, &next);
    assert_true(first > 0 && first <= 30);
    /* Past the cap the records go anyway, and billing's describe counts
     * the ones it never committed. */
    produce_at(f->r, "t", 100, 0, 1000);
    ok(rill_maintain(NULL, f->r));
    watermarks(f->r, "t", &first, &next);
    assert_true(first > 30);
    rill_group_info *g;
    ok(rill_group_describe(&g, f->r, "billing"));
    assert_int_equal(g->partitions[0].committed, 30);
    assert_int_equal(g->partitions[0].lost, first - 30);
    assert_int_equal(g->partitions[0].lag, next - first);
    rill_group_info_free(g);
    ok(rill_consumer_close(b));
}

/* ---- readers under retention, in another process ---- */

typedef struct reader_arg {
    const char *dir;
    int stop_fd;
    int stop_wfd; /* the parent's end, closed in the child */
} reader_arg;

static int read_while_retained(void *p)
{
    reader_arg *a = p;
    close(a->stop_wfd);
    fcntl(a->stop_fd, F_SETFL, O_NONBLOCK);
    rill *r = open_sync(a->dir, RILL_SYNC_NONE);
    rill_consumer *c;
    rill_consumer_options o;
    rill_consumer_options_init(&o);
    o.auto_offset_reset = RILL_RESET_EARLIEST;
    if (rill_consumer_new(&c, r, &o))
        return 1;
    rill_topic_partition tp = {"t", 0, 0};
    if (rill_assign(c, &tp, 1))
        return 2;
    int64_t last = -1;
    for (;;) {
        const rill_record *recs;
        size_t n;
        int rc = rill_poll(c, 10, &recs, &n);
        if (rc)
            return 10 - rc; /* any error fails the test */
        for (size_t i = 0; i < n; i++) {
            uint64_t v;
            if (recs[i].offset <= last || recs[i].value_len != 512)
                return 3;
            memcpy(&v, recs[i].value, sizeof v);
            if (v != (uint64_t)recs[i].offset * 2654435761u)
                return 4; /* never a torn or foreign record */
            last = recs[i].offset;
        }
        char b;
        if (n == 0 && read(a->stop_fd, &b, 1) == 0)
            break;
    }
    rill_consumer_close(c);
    rill_close(r);
    return 0;
}

static void readers_never_see_half_deleted_batches(void **state)
{
    fixture *f = *state;
    rill_topic_config c;
    rill_topic_config_init(&c);
    c.retention_bytes = 64 * 1024;
    ok(rill_topic_create(f->r, "t", &c));
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pids[2];
    reader_arg a = {f->dir, fds[0], fds[1]};
    for (int i = 0; i < 2; i++)
        pids[i] = spawn(read_while_retained, &a);
    close(fds[0]);
    uint8_t v[512] = {0};
    for (int64_t off = 0; off < 20000; off++) {
        uint64_t x = (uint64_t)off * 2654435761u;
        memcpy(v, &x, sizeof x);
        rill_message m = {.topic = "t", .partition = 0, .value = v,
                          .value_len = sizeof v};
        rill_position pos;
        ok(rill_produce(f->r, &m, &pos));
        assert_int_equal(pos.offset, off);
        if (off % 1000 == 0)
            ok(rill_maintain(NULL, f->r));
    }
    close(fds[1]);
    for (int i = 0; i < 2; i++)
        assert_int_equal(wait_child(pids[i]), 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup_clock, fixture_teardown)
    const struct CMUnitTest tests[] = {
        T(old_batches_leave_by_time),
        T(partitions_stay_within_retention_bytes),
        T(short_lived_writers_trigger_size_retention),
        T(compaction_keeps_the_latest_value_per_key),
        T(compaction_keeps_the_log_start),
        T(retention_waits_for_named_groups_up_to_the_cap),
        T(readers_never_see_half_deleted_batches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
