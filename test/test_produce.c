/*
 * test_produce.c -- producing and reading back: byte-for-byte round
 * trips, atomic batches, partitioners, timestamps, bad input.
 */
#include "support.h"

#include <pthread.h>

typedef struct expect {
    const rill_message *m;
    const rill_position *pos;
    size_t i, n;
} expect;

static void check_record(const rill_record *rec, void *arg)
{
    expect *e = arg;
    assert_true(e->i < e->n);
    const rill_message *m = &e->m[e->i];
    const rill_position *pos = &e->pos[e->i];
    assert_string_equal(rec->topic, m->topic);
    assert_int_equal(rec->partition, pos->partition);
    assert_int_equal(rec->offset, pos->offset);
    assert_int_equal(rec->timestamp_ms, pos->timestamp_ms);
    if (m->key) {
        assert_non_null(rec->key);
        assert_int_equal(rec->key_len, m->key_len);
        assert_memory_equal(rec->key, m->key, m->key_len);
    } else {
        assert_null(rec->key);
    }
    if (m->value) {
        assert_non_null(rec->value);
        assert_int_equal(rec->value_len, m->value_len);
        assert_memory_equal(rec->value, m->value, m->value_len);
    } else {
        assert_null(rec->value);
    }
    assert_int_equal(rec->header_count, m->header_count);
    for (size_t h = 0; h < m->header_count; h++) {
        assert_string_equal(rec->headers[h].key, m->headers[h].key);
        assert_int_equal(rec->headers[h].value_len, m->headers[h].value_len);
        assert_memory_equal(rec->headers[h].value, m->headers[h].value,
                            m->headers[h].value_len);
    }
    e->i++;
}

/* Produces sizes 0, 1, 100, 64 KiB and the topic's maximum, binary with
 * NULs, with headers and tombstones, and reads all back byte for byte. */
static void round_trip(fixture *f, int compression)
{
    rill_topic_config c;
    rill_topic_config_init(&c);
    c.compression = compression;
    c.max_record_bytes = 256 * 1024;
    ok(rill_topic_create(f->r, "rt", &c));

    size_t sizes[] = {0, 1, 100, 64 * 1024, 256 * 1024 - 8};
    enum { N = 5 + 4 };
    uint8_t *vals[N];
    rill_message m[N];
    rill_position pos[N];
    rill_header hs[40];
    char hkeys[40][16];
    uint64_t seed = 42;
    memset(m, 0, sizeof m);
    for (int i = 0; i < 40; i++) {
        snprintf(hkeys[i], sizeof hkeys[i], "h%d", i);
        hs[i] = (rill_header){hkeys[i], "\0v\0", 3};
    }
    for (size_t i = 0; i < N; i++) {
        size_t len = i < 5 ? sizes[i] : 17;
        vals[i] = malloc(len ? len : 1);
        fill_random(vals[i], len, &seed);
        if (len > 2)
            vals[i][1] = 0; /* a NUL inside */
        m[i] = (rill_message){.topic = "rt", .partition = 0,
                              .key = "k\0ey", .key_len = 4,
                              .value = vals[i], .value_len = len};
    }
    m[0].key = ""; /* an empty key is a key */
    m[0].key_len = 0;
    m[4].key_len = 8; /* exactly max_record_bytes: 8 + value */
    m[4].key = "12345678";
    m[5].value = NULL; /* tombstone */
    m[5].value_len = 0;
    m[6].key = NULL; /* no key, explicit partition */
    m[6].key_len = 0;
    m[7].headers = hs; /* many headers */
    m[7].header_count = 40;
    m[8].headers = hs;
    m[8].header_count = 1;
    m[8].timestamp_ms = 1234567;

    /* Some one by one, the rest as one batch. */
    for (size_t i = 0; i < 4; i++)
        ok(rill_produce(f->r, &m[i], &pos[i]));
    ok(rill_produce_batch(f->r, &m[4], N - 4, &pos[4]));
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(pos[i].partition, 0);
        assert_int_equal(pos[i].offset, (int64_t)i);
    }
    assert_int_equal(pos[8].timestamp_ms, 1234567);

    expect e = {m, pos, 0, N};
    assert_int_equal(read_partition(f->r, "rt", 0, 0, 100, check_record, &e),
                     N);
    assert_int_equal(e.i, N);

    /* One byte over the topic's maximum. */
    rill_message over = m[4];
    over.key_len = 9;
    over.key = "123456789";
    fails(RILL_ETOOBIG, rill_produce(f->r, &over, NULL));
    assert_non_null(strstr(rill_errmsg(), "max_record_bytes"));
    for (size_t i = 0; i < N; i++)
        free(vals[i]);
}

static void records_round_trip_uncompressed(void **state)
{
    round_trip(*state, RILL_COMPRESSION_NONE);
}

static void records_round_trip_zstd(void **state)
{
    round_trip(*state, RILL_COMPRESSION_ZSTD);
}

static void produce_batch_is_all_or_nothing(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "a", 1);
    topic_new(f->r, "b", 2);
    rill_message m[4] = {
        {.topic = "a", .partition = 0, .value = "1", .value_len = 1},
        {.topic = "b", .partition = 1, .value = "2", .value_len = 1},
        {.topic = "a", .partition = 0, .value = "3", .value_len = 1},
        {.topic = "b", .partition = 2, .value = "4", .value_len = 1},
    };
    rill_position pos[4];
    fails(RILL_ENOTFOUND, rill_produce_batch(f->r, m, 4, pos));
    assert_non_null(strstr(rill_errmsg(), "message 3"));
    int64_t first, next;
    ok(rill_watermarks(&first, &next, f->r, "a", 0));
    assert_int_equal(next, 0);
    ok(rill_watermarks(&first, &next, f->r, "b", 1));
    assert_int_equal(next, 0);

    m[3].partition = 0;
    ok(rill_produce_batch(f->r, m, 4, pos));
    assert_int_equal(pos[0].offset, 0);
    assert_int_equal(pos[2].offset, 1); /* order kept within a partition */
    assert_int_equal(pos[1].offset, 0);
    assert_int_equal(pos[3].offset, 0);
    assert_int_equal(pos[3].partition, 0);
    ok(rill_watermarks(&first, &next, f->r, "a", 0));
    assert_int_equal(next, 2);
}

static void bad_messages_are_refused(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 3);
    rill_header nullkey = {NULL, "v", 1};
    rill_header longkey = {"", "v", 1};
    char lk[300];
    memset(lk, 'k', sizeof lk - 1);
    lk[sizeof lk - 1] = '\0';
    longkey.key = lk;
    rill_message base = {.topic = "t", .partition = 0, .value = "v",
                         .value_len = 1};
    rill_message m;

    fails(RILL_EINVAL, rill_produce(f->r, NULL, NULL));
    fails(RILL_EINVAL, rill_produce(NULL, &base, NULL));
    fails(RILL_EINVAL, rill_produce_batch(f->r, &base, 0, NULL));
    m = base, m.topic = NULL;
    fails(RILL_EINVAL, rill_produce(f->r, &m, NULL));
    m = base, m.topic = "bad name";
    fails(RILL_EINVAL, rill_produce(f->r, &m, NULL));
    m = base, m.topic = "missing";
    fails(RILL_ENOTFOUND, rill_produce(f->r, &m, NULL));
    m = base, m.partition = 3;
    fails(RILL_ENOTFOUND, rill_produce(f->r, &m, NULL));
    assert_non_null(strstr(rill_errmsg(), "has 3 partitions; partition 3"));
    m = base, m.partition = -2;
    fails(RILL_EINVAL, rill_produce(f->r, &m, NULL));
    m = base, m.key = NULL, m.key_len = 4;
    fails(RILL_EINVAL, rill_produce(f->r, &m, NULL));
    m = base, m.value = NULL, m.value_len = 4;
    fails(RILL_EINVAL, rill_produce(f->r, &m, NULL));
    m = base, m.headers = NULL, m.header_count = 1;
    fails(RILL_EINVAL, rill_produce(f->r, &m, NULL));
    m = base, m.headers = &nullkey, m.header_count = 1;
    fails(RILL_EINVAL, rill_produce(f->r, &m, NULL));
    m = base, m.headers = &longkey, m.header_count = 1;
    fails(RILL_EINVAL, rill_produce(f->r, &m, NULL));
    m = base, m.timestamp_ms = -5;
    fails(RILL_EINVAL, rill_produce(f->r, &m, NULL));
    m = base, m.value_len = (size_t)1 << 40;
    fails(RILL_ETOOBIG, rill_produce(f->r, &m, NULL));
    /* Nothing of that reached the log. */
    int64_t first, next;
    ok(rill_watermarks(&first, &next, f->r, "t", 0));
    assert_int_equal(next, 0);
}

/* Kafka's default partitioner: toPositive(murmur2(key)) % partitions. */
static void keyed_records_land_where_kafka_puts_them(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "k", 6);
    rill_topic_config c;
    rill_topic_config_init(&c);
    c.partitions = 6;
    c.partitioner = RILL_PARTITIONER_CRC32;
    ok(rill_topic_create(f->r, "kc", &c));
    const char *keys[] = {"21", "foobar", "a-little-bit-long-string",
                          "a-little-bit-longer-string", "abc", "order-1"};
    /* murmur2 & 0x7fffffff % 6, from Kafka's vectors */
    int32_t want[] = {(-973932308 & 0x7fffffff) % 6,
                      (-790332482 & 0x7fffffff) % 6,
                      (-985981536 & 0x7fffffff) % 6,
                      (-1486304829 & 0x7fffffff) % 6, 479470107 % 6, -1};
    for (size_t i = 0; i < 6; i++) {
        rill_message m = {.topic = "k", .partition = RILL_PARTITION_ANY,
                          .key = keys[i], .key_len = strlen(keys[i]),
                          .value = "v", .value_len = 1};
        rill_position pos;
        int32_t p;
        ok(rill_produce(f->r, &m, &pos));
        ok(rill_partition_for_key(&p, f->r, "k", keys[i], strlen(keys[i])));
        assert_int_equal(pos.partition, p);
        if (want[i] >= 0)
            assert_int_equal(pos.partition, want[i]);
        /* The same key always goes to the same partition. */
        rill_position again;
        ok(rill_produce(f->r, &m, &again));
        assert_int_equal(again.partition, pos.partition);
    }
    /* librdkafka's consistent partitioner: crc32("abc") = 0x352441c2 */
    int32_t p;
    ok(rill_partition_for_key(&p, f->r, "kc", "abc", 3));
    assert_int_equal(p, (int32_t)(0x352441c2u % 6));
}

static void unkeyed_records_spread_stickily(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "s", 4);
    int count[4] = {0};
    int switches = 0, last = -1;
    char value[1000];
    memset(value, 'x', sizeof value);
    for (int i = 0; i < 400; i++) {
        rill_message m = {.topic = "s", .partition = RILL_PARTITION_ANY,
                          .value = value, .value_len = sizeof value};
        rill_position pos;
        ok(rill_produce(f->r, &m, &pos));
        count[pos.partition]++;
        if (pos.partition != last)
            switches++;
        last = pos.partition;
    }
    /* Sticky: runs of ~16 records (16 KiB), not a new partition each time;
     * spread: every partition got some. */
    assert_true(switches >= 400 / 17 && switches <= 400 / 15 + 2);
    for (int p = 0; p < 4; p++)
        assert_true(count[p] > 0);
}

static void on_delivered(void *opaque, int err, const rill_message *m,
                         const rill_position *pos)
{
    (void)m;
    (void)pos;
    *(int *)opaque = err ? err : 1;
}

/* Each way of producing keeps a NULL header value NULL and an empty one
 * empty. */
static void null_and_empty_header_values_stay_apart(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "h", 1);
    rill_header hs[3] = {{"null", NULL, 0}, {"empty", "", 0}, {"x", "y", 1}};
    rill_message m = {.topic = "h", .partition = 0, .value = "v",
                      .value_len = 1, .headers = hs, .header_count = 3};
    ok(rill_produce(f->r, &m, NULL));
    ok(rill_produce_batch(f->r, &m, 1, NULL));
    rill_txn *t;
    ok(rill_txn_begin(&t, f->r));
    ok(rill_txn_produce(t, &m, NULL));
    ok(rill_txn_commit(t));
    rill_producer *p;
    int delivered = 0;
    ok(rill_producer_new(&p, f->r, NULL));
    ok(rill_producer_send(p, &m, on_delivered, &delivered));
    ok(rill_producer_flush(p, -1));
    assert_int_equal(delivered, 1);
    rill_producer_close(p);

    rill_consumer *c;
    ok(rill_consumer_new(&c, f->r, NULL));
    rill_topic_partition tp = {"h", 0, RILL_OFFSET_BEGINNING};
    ok(rill_assign(c, &tp, 1));
    const rill_record *recs;
    size_t n;
    ok(rill_poll(c, 0, &recs, &n));
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(recs[i].header_count, 3);
        assert_string_equal(recs[i].headers[0].key, "null");
        assert_null(recs[i].headers[0].value);
        assert_int_equal(recs[i].headers[0].value_len, 0);
        assert_string_equal(recs[i].headers[1].key, "empty");
        assert_non_null(recs[i].headers[1].value);
        assert_int_equal(recs[i].headers[1].value_len, 0);
        assert_memory_equal(recs[i].headers[2].value, "y", 1);
        const void *v;
        size_t len;
        ok(rill_record_header(&v, &len, &recs[i], "null"));
        assert_null(v);
    }
    ok(rill_consumer_close(c));
    /* A NULL value with a length is refused. */
    hs[0].value_len = 3;
    fails(RILL_EINVAL, rill_produce(f->r, &m, NULL));
}

/* Two topics whose ids are equal modulo 64 (and many others) keep
 * their own sticky partitions when their records interleave. */
static void sticky_partitions_are_per_topic(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "a", 4); /* id 1 */
    for (int i = 0; i < 63; i++) {
        char name[32];
        snprintf(name, sizeof name, "filler-%d", i);
        topic_new(f->r, name, 4);
    }
    topic_new(f->r, "b", 4); /* id 65 */
    char value[100];
    memset(value, 'x', sizeof value);
    int last[2] = {-1, -1}, switches[2] = {0, 0};
    for (int i = 0; i < 400; i++) {
        rill_message m = {.topic = i % 2 ? "b" : "a",
                          .partition = RILL_PARTITION_ANY, .value = value,
                          .value_len = sizeof value};
        rill_position pos;
        ok(rill_produce(f->r, &m, &pos));
        switches[i % 2] += pos.partition != last[i % 2];
        last[i % 2] = pos.partition;
    }
    /* 200 records of 100 bytes each: one switch after 16 KiB at most,
     * besides the first choice. */
    assert_true(switches[0] <= 3);
    assert_true(switches[1] <= 3);
}

static void timestamps_default_to_now_and_index_by_time(void **state)
{
    fixture *f = *state;
    rill_close(f->r);
    rill_options o;
    rill_options_init(&o);
    o.sync = RILL_SYNC_NONE;
    o.clock = test_clock;
    ok(rill_open(&f->r, f->dir, &o));
    topic_new(f->r, "t", 1);
    rill_position pos;
    int64_t t0 = test_now_ms;
    for (int i = 0; i < 100; i++) {
        rill_message m = {.topic = "t", .partition = 0, .value = "v",
                          .value_len = 1};
        if (i % 10 == 9)
            m.timestamp_ms = 5; /* an old timestamp mixed in */
        ok(rill_produce(f->r, &m, &pos));
        assert_int_equal(pos.timestamp_ms, i % 10 == 9 ? 5 : test_now_ms);
        test_now_ms += 1000;
    }
    rill_topic_partition tps[3] = {{"t", 0, t0 + 50500},
                                   {"t", 0, 0},
                                   {"t", 0, t0 + 1000000}};
    ok(rill_offsets_for_times(f->r, tps, 3));
    assert_int_equal(tps[0].offset, 51);
    assert_int_equal(tps[1].offset, 0);
    assert_int_equal(tps[2].offset, RILL_OFFSET_END);

    rill_consumer *c;
    ok(rill_consumer_new(&c, f->r, NULL));
    rill_topic_partition tp = {"t", 0, 0};
    ok(rill_assign(c, &tp, 1));
    ok(rill_seek_to_time(c, t0 + 70000));
    const rill_record *recs;
    size_t n;
    ok(rill_poll(c, 0, &recs, &n));
    assert_true(n > 0);
    assert_int_equal(recs[0].offset, 70);
    assert_int_equal(recs[0].timestamp_ms, t0 + 70000);
    ok(rill_seek_to_time(c, t0 + 9000000));
    ok(rill_position_get(c, &tp, 1));
    assert_int_equal(tp.offset, 100);

    /* The named sentinels: now, and an exact 0 (a real time in Kafka). */
    rill_message named = {.topic = "t", .partition = 0, .value = "v",
                          .value_len = 1, .timestamp_ms = RILL_TIMESTAMP_NOW};
    ok(rill_produce(f->r, &named, &pos));
    assert_int_equal(pos.timestamp_ms, test_now_ms);
    named.timestamp_ms = RILL_TIMESTAMP_ZERO;
    ok(rill_produce(f->r, &named, &pos));
    assert_int_equal(pos.timestamp_ms, 0);
    ok(rill_seek(c, "t", 0, pos.offset));
    ok(rill_poll(c, 0, &recs, &n));
    assert_int_equal(n, 1);
    assert_int_equal(recs[0].timestamp_ms, 0);
    named.timestamp_ms = -1;
    fails(RILL_EINVAL, rill_produce(f->r, &named, &pos));
    ok(rill_consumer_close(c));
}

/* Many threads producing single records: group commit must give each its
 * own dense, unique offsets. */
typedef struct thread_arg {
    rill *r;
    int id;
    int n;
    rill_position *pos;
} thread_arg;

static void *producer_thread(void *p)
{
    thread_arg *a = p;
    for (int i = 0; i < a->n; i++) {
        uint32_t v[2] = {(uint32_t)a->id, (uint32_t)i};
        rill_message m = {.topic = "g", .partition = a->id % 2,
                          .value = v, .value_len = sizeof v};
        if (rill_produce(a->r, &m, &a->pos[i]) != 0)
            return (void *)1;
    }
    return NULL;
}

typedef struct seen {
    int *next_seq; /* per thread */
    int64_t next_offset;
} seen;

static void check_thread_order(const rill_record *rec, void *arg)
{
    seen *s = arg;
    uint32_t v[2];
    assert_int_equal(rec->value_len, sizeof v);
    memcpy(v, rec->value, sizeof v);
    assert_int_equal(rec->offset, s->next_offset);
    s->next_offset++;
    assert_int_equal(v[1], s->next_seq[v[0]]);
    s->next_seq[v[0]]++;
}

static void concurrent_threads_get_dense_unique_offsets(void **state)
{
    fixture *f = *state;
    enum { T = 8, N = 2000 };
    topic_new(f->r, "g", 2);
    pthread_t th[T];
    thread_arg args[T];
    for (int t = 0; t < T; t++) {
        args[t] = (thread_arg){f->r, t, N, calloc(N, sizeof(rill_position))};
        pthread_create(&th[t], NULL, producer_thread, &args[t]);
    }
    for (int t = 0; t < T; t++) {
        void *ret;
        pthread_join(th[t], &ret);
        assert_null(ret);
    }
    for (int p = 0; p < 2; p++) {
        int next_seq[T] = {0};
        seen s = {next_seq, 0};
        assert_int_equal(read_partition(f->r, "g", p, 0, T * N, check_thread_order, &s),
                         T * N / 2);
        for (int t = p; t < T; t += 2)
            assert_int_equal(next_seq[t], N);
    }
    for (int t = 0; t < T; t++) {
        for (int i = 1; i < N; i++)
            assert_true(args[t].pos[i].offset > args[t].pos[i - 1].offset);
        free(args[t].pos);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(records_round_trip_uncompressed,
                                        fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(records_round_trip_zstd,
                                        fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(produce_batch_is_all_or_nothing,
                                        fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(bad_messages_are_refused,
                                        fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(
            keyed_records_land_where_kafka_puts_them, fixture_setup,
            fixture_teardown),
        cmocka_unit_test_setup_teardown(unkeyed_records_spread_stickily,
                                        fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(sticky_partitions_are_per_topic,
                                        fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(
            null_and_empty_header_values_stay_apart, fixture_setup,
            fixture_teardown),
        cmocka_unit_test_setup_teardown(
            timestamps_default_to_now_and_index_by_time, fixture_setup,
            fixture_teardown),
        cmocka_unit_test_setup_teardown(
            concurrent_threads_get_dense_unique_offsets, fixture_setup,
            fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
