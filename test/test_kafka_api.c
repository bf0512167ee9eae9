/*
 * test_kafka_api.c -- the Kafka message codecs as a whole: every API at
 * every supported version round-trips (requests and responses, filled
 * from the tables with pseudo-random values), every prefix of an
 * encoding fails to decode, hostile counts and lengths fail without
 * large allocations; headers, frames and unknown APIs. (Bytes written
 * out by hand are in test_kafka_bytes.c.)
 *
 * With KAFKA_WRITE_CORPUS=dir in the environment, the round trips also
 * write their request frames there (the fuzzers' seed corpus); with
 * KAFKA_BENCH=1, Produce decoding and Fetch response encoding are timed.
 */

#include "kafka_support.h"

#include <sys/stat.h>
#include <time.h>

#include "../kafka/msg_admin.h"
#include "../kafka/msg_core.h"
#include "../kafka/msg_group.h"
#include "../kafka/msg_txn.h"
#include "../kafka/recbatch.h"
#include "../kafka/schema.h"

/* ---- filling and comparing messages from their tables ---- */

static bool present(const kafka_field *f, int16_t v, bool flex)
{
    return v >= f->vmin && v <= f->vmax && (!f->tagp1 || flex);
}

static bool nullable(const kafka_field *f, int16_t v)
{
    return f->nullv && v >= f->nullv - 1;
}

static const char pool[] = "abcdefghijklmnopqrstuvwxyz0123456789\0\1\2\377";

static size_t esize(const kafka_field *f)
{
    if (f->sub)
        return f->sub->size;
    switch (f->elem) {
    case KF_I32:
        return 4;
    case KF_I64:
        return 8;
    case KF_STR:
        return sizeof(kafka_str);
    }
    fail_msg("element type %d", f->elem);
    return 0;
}

static void fill_struct(const kafka_schema *s, uint8_t *out, kafka_arena *a,
                        uint64_t *seed, int16_t v, bool flex, int depth);

static void fill_prim(int t, uint8_t *p, bool null_ok, uint64_t *seed)
{
    uint64_t x = next_random(seed);
    switch (t) {
    case KF_BOOL: {
        bool b = x & 1;
        memcpy(p, &b, sizeof b);
        break;
    }
    case KF_I8: {
        int8_t y = (int8_t)x;
        memcpy(p, &y, 1);
        break;
    }
    case KF_I16: {
        int16_t y = (int16_t)x;
        memcpy(p, &y, 2);
        break;
    }
    case KF_I32: {
        int32_t y = (int32_t)x;
        memcpy(p, &y, 4);
        break;
    }
    case KF_I64: {
        int64_t y = (int64_t)x;
        memcpy(p, &y, 8);
        break;
    }
    case KF_UUID:
        fill_random(p, 16, seed);
        break;
    case KF_STR:
    case KF_BYTES: {
        kafka_str s = {pool + x % 20, (int32_t)((x >> 8) % 7)};
        if (null_ok && (x >> 16) % 4 == 0)
            s = KAFKA_STR_NULL;
        memcpy(p, &s, sizeof s);
        break;
    }
    }
}

static void fill_field(const kafka_field *f, uint8_t *p, kafka_arena *a,
                       uint64_t *seed, int16_t v, bool flex, int depth)
{
    if (f->type != KF_ARRAY) {
        fill_prim(f->type, p, nullable(f, v), seed);
        return;
    }
    uint64_t x = next_random(seed);
    kafka_array_any arr = {NULL, (int32_t)(x % (depth > 2 ? 2 : 4))};
    if (nullable(f, v) && (x >> 8) % 4 == 0)
        arr.n = -1;
    if (arr.n > 0) {
        size_t sz = esize(f);
        arr.v = kafka_arena_alloc(a, (size_t)arr.n * sz);
        assert_non_null(arr.v);
        for (int32_t i = 0; i < arr.n; i++) {
            uint8_t *e = (uint8_t *)arr.v + (size_t)i * sz;
            if (f->sub)
                fill_struct(f->sub, e, a, seed, v, flex, depth + 1);
            else
                fill_prim(f->elem, e, false, seed);
        }
    }
    memcpy(p, &arr, sizeof arr);
}

static void fill_struct(const kafka_schema *s, uint8_t *out, kafka_arena *a,
                        uint64_t *seed, int16_t v, bool flex, int depth)
{
    kafka_schema_defaults(s, out, v);
    for (uint16_t i = 0; i < s->nfields; i++) {
        const kafka_field *f = &s->fields[i];
        if (present(f, v, flex))
            fill_field(f, out + f->off, a, seed, v, flex, depth);
    }
}

static void compare_struct(const kafka_schema *s, const uint8_t *x,
                           const uint8_t *y, int16_t v, bool flex);

static void compare_prim(int t, const uint8_t *x, const uint8_t *y,
                         const char *name)
{
    if (t == KF_STR || t == KF_BYTES) {
        kafka_str a, b;
        memcpy(&a, x, sizeof a);
        memcpy(&b, y, sizeof b);
        if (a.len != b.len ||
            (a.len > 0 && memcmp(a.ptr, b.ptr, (size_t)a.len)))
            fail_msg("%s: lengths %d and %d", name, a.len, b.len);
        return;
    }
    size_t n = t == KF_BOOL  ? sizeof(bool)
               : t == KF_I8  ? 1
               : t == KF_I16 ? 2
               : t == KF_I32 ? 4
               : t == KF_I64 ? 8
                             : 16;
    if (memcmp(x, y, n))
        fail_msg("%s differs", name);
}

static void compare_struct(const kafka_schema *s, const uint8_t *x,
                           const uint8_t *y, int16_t v, bool flex)
{
    for (uint16_t i = 0; i < s->nfields; i++) {
        const kafka_field *f = &s->fields[i];
        if (!present(f, v, flex))
            continue;
        if (f->type != KF_ARRAY) {
            compare_prim(f->type, x + f->off, y + f->off, f->name);
            continue;
        }
        kafka_array_any a, b;
        memcpy(&a, x + f->off, sizeof a);
        memcpy(&b, y + f->off, sizeof b);
        if (a.n != b.n)
            fail_msg("%s.%s: %d and %d elements", s->name, f->name, a.n, b.n);
        size_t sz = esize(f);
        for (int32_t j = 0; j < a.n; j++) {
            const uint8_t *ea = (const uint8_t *)a.v + (size_t)j * sz;
            const uint8_t *eb = (const uint8_t *)b.v + (size_t)j * sz;
            if (f->sub)
                compare_struct(f->sub, ea, eb, v, flex);
            else
                compare_prim(f->elem, ea, eb, f->name);
        }
    }
}

static const char *corpus_dir;

static void write_seed(const kafka_api_info *api, int16_t v, int seed,
                       const uint8_t *p, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s-v%d-%d", corpus_dir, api->name, v, seed);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
}

/* Encodes a filled message, decodes it back, compares, re-encodes and
 * compares bytes; then checks that every prefix fails to decode. For a
 * request, also as a whole frame through kafka_request_decode. */
static void round_trip(const kafka_api_info *api, int16_t v, bool response,
                       int seed_no)
{
    const kafka_schema *s = response ? api->resp : api->req;
    bool flex = kafka_api_flexible(api->key, v);
    kafka_arena a;
    kafka_arena_init(&a, 0);
    uint64_t seed = (uint64_t)api->key * 1000003 + (uint64_t)v * 7919 +
                    (uint64_t)seed_no * 104729 + (response ? 17 : 0) + 1;
    uint8_t *msg = kafka_arena_alloc(&a, s->size);
    fill_struct(s, msg, &a, &seed, v, flex, 0);

    kafka_writer w, w2;
    kafka_writer_init(&w);
    kafka_writer_init(&w2);
    if (kafka_body_encode(&w, msg, api->key, v, response))
        fail_msg("%s v%d %s: encode: %s", api->name, v,
                 response ? "response" : "request", kafka_strerror(w.err));

    uint8_t *back = kafka_arena_alloc(&a, s->size);
    kafka_reader r;
    kafka_reader_init(&r, w.buf, w.len);
    if (kafka_body_decode(back, &a, &r, api->key, v, response))
        fail_msg("%s v%d: decode: %s (%s)", api->name, v, kafka_strerror(r.err),
                 r.why);
    assert_int_equal(kafka_reader_remaining(&r), 0);
    compare_struct(s, msg, back, v, flex);
    assert_int_equal(kafka_body_encode(&w2, back, api->key, v, response), 0);
    assert_int_equal(w.len, w2.len);
    assert_memory_equal(w.buf, w2.buf, w.len);

    /* Every prefix fails, from an exact-size copy, with a small arena. */
    for (size_t k = 0; k < w.len; k++) {
        uint8_t *cut = malloc(k ? k : 1);
        memcpy(cut, w.buf, k);
        kafka_arena small;
        kafka_arena_init(&small, 1 << 20);
        void *out = kafka_arena_alloc(&small, s->size);
        kafka_reader_init(&r, cut, k);
        int rc = kafka_body_decode(out, &small, &r, api->key, v, response);
        if (rc == 0)
            fail_msg("%s v%d: a %zu-byte prefix of %zu decoded", api->name, v,
                     k, w.len);
        kafka_arena_free(&small);
        free(cut);
    }

    if (!response) {
        kafka_req_header h = {api->key, v, 4242 + seed_no,
                              seed_no % 2 ? kafka_str_of("client")
                                          : KAFKA_STR_NULL,
                              kafka_req_header_version(api->key, v)};
        kafka_writer_reset(&w2);
        kafka_req_header_encode(&w2, &h);
        kafka_write_raw(&w2, w.buf, w.len);
        kafka_request req;
        assert_int_equal(kafka_request_decode(&req, &a, w2.buf, w2.len), 0);
        assert_ptr_equal(req.api, api);
        assert_int_equal(req.header.correlation_id, 4242 + seed_no);
        assert_int_equal(req.header.client_id.len, seed_no % 2 ? 6 : -1);
        compare_struct(s, msg, req.body, v, flex);
        if (corpus_dir && seed_no == 1) {
            size_t frame = w2.len;
            kafka_writer_reset(&w);
            kafka_write_i32(&w, (int32_t)frame);
            kafka_write_raw(&w, w2.buf, frame);
            write_seed(api, v, seed_no, w.buf, w.len);
        }
    }
    kafka_writer_free(&w);
    kafka_writer_free(&w2);
    kafka_arena_free(&a);
}

static void every_api_round_trips_at_every_version(void **state)
{
    (void)state;
    size_t n;
    const kafka_api_info *apis = kafka_api_all(&n);
    assert_int_equal(n, 25);
    for (size_t i = 0; i < n; i++)
        for (int16_t v = apis[i].min_version; v <= apis[i].max_version; v++)
            for (int seed = 0; seed < 12; seed++) {
                round_trip(&apis[i], v, false, seed);
                round_trip(&apis[i], v, true, seed);
            }
}

/* Decoding under an arena limit below what a message needs fails with
 * NOMEM and nothing worse, at every point where it allocates; from the
 * limit it needs on, it succeeds. */
static void decoding_fails_cleanly_under_any_arena_limit(void **state)
{
    (void)state;
    size_t n;
    const kafka_api_info *apis = kafka_api_all(&n);
    for (size_t i = 0; i < n; i++)
        for (int resp = 0; resp < 2; resp++) {
            const kafka_api_info *api = &apis[i];
            int16_t v = api->max_version;
            const kafka_schema *s = resp ? api->resp : api->req;
            bool flex = kafka_api_flexible(api->key, v);
            kafka_arena a;
            kafka_arena_init(&a, 0);
            uint64_t seed = 99 + i;
            uint8_t *msg = kafka_arena_alloc(&a, s->size);
            fill_struct(s, msg, &a, &seed, v, flex, 0);
            kafka_writer w;
            kafka_writer_init(&w);
            ok(kafka_body_encode(&w, msg, api->key, v, resp));
            bool succeeded = false;
            for (size_t limit = 16; limit <= 32768 && !succeeded; limit += 16) {
                kafka_arena lim;
                kafka_arena_init(&lim, limit);
                uint8_t out[1024];
                assert_true(s->size <= sizeof out);
                kafka_reader r;
                kafka_reader_init(&r, w.buf, w.len);
                int rc = kafka_body_decode(out, &lim, &r, api->key, v, resp);
                if (rc == 0) {
                    compare_struct(s, msg, out, v, flex);
                    succeeded = true;
                } else if (rc != KAFKA_ERR_NOMEM) {
                    fail_msg("%s v%d: %d under a limit of %zu", api->name, v,
                             rc, limit);
                }
                assert_true(lim.total <= limit);
                kafka_arena_free(&lim);
            }
            assert_true(succeeded);
            kafka_writer_free(&w);
            kafka_arena_free(&a);
        }
}

static void unsupported_versions_are_refused(void **state)
{
    (void)state;
    kafka_writer w;
    kafka_writer_init(&w);
    kafka_fetch_req f;
    memset(&f, 0, sizeof f);
    assert_int_equal(kafka_fetch_req_encode(&w, &f, 3),
                     KAFKA_ERR_UNSUPPORTED_VERSION);
    assert_int_equal(kafka_fetch_req_encode(&w, &f, 12),
                     KAFKA_ERR_UNSUPPORTED_VERSION);
    kafka_reader r;
    kafka_reader_init(&r, "", 0);
    kafka_arena a;
    kafka_arena_init(&a, 0);
    assert_int_equal(kafka_fetch_req_decode(&f, &a, &r, 3),
                     KAFKA_ERR_UNSUPPORTED_VERSION);
    assert_false(kafka_api_supported(KAFKA_API_LIST_OFFSETS, 0));
    assert_true(kafka_api_supported(KAFKA_API_LIST_OFFSETS, 5));
    assert_null(kafka_api_lookup(4)); /* LeaderAndIsr: not ours */
    kafka_writer_free(&w);
    kafka_arena_free(&a);
}

/* ---- hostile input ---- */

static void hostile_counts_and_lengths_fail_small(void **state)
{
    (void)state;
    kafka_arena a;
    kafka_produce_req p;
    kafka_reader r;
    /* A topics count of 2^31-1 with a few bytes behind it. */
    hb h = {{0}, 0};
    hstr(&h, NULL);
    h16(&h, 1);
    h32(&h, 1000);
    h32(&h, 0x7fffffff);
    hstr(&h, "t");
    kafka_arena_init(&a, 4096);
    kafka_reader_init(&r, h.b, h.n);
    fails(KAFKA_ERR_TRUNCATED, kafka_produce_req_decode(&p, &a, &r, 3));
    assert_true(a.total <= 16384);
    kafka_arena_free(&a);

    /* A negative array count other than -1. */
    h.n = 0;
    hstr(&h, NULL);
    h16(&h, 1);
    h32(&h, 1000);
    h32(&h, -2);
    hstr(&h, "t");
    kafka_arena_init(&a, 4096);
    kafka_reader_init(&r, h.b, h.n);
    fails(KAFKA_ERR_INVALID, kafka_produce_req_decode(&p, &a, &r, 3));

    /* A record-bytes length past the end. */
    h.n = 0;
    hstr(&h, NULL);
    h16(&h, 1);
    h32(&h, 1000);
    h32(&h, 1);
    hstr(&h, "t");
    h32(&h, 1);
    h32(&h, 0);
    h32(&h, 0x40000000);
    kafka_reader_init(&r, h.b, h.n);
    fails(KAFKA_ERR_TRUNCATED, kafka_produce_req_decode(&p, &a, &r, 3));
    kafka_arena_free(&a);

    /* A compact (flexible) length whose varint never ends. */
    h.n = 0;
    hraw(&h, "\xff\xff\xff\xff\xff\xff", 6);
    kafka_api_versions_req av;
    kafka_arena_init(&a, 4096);
    kafka_reader_init(&r, h.b, h.n);
    fails(KAFKA_ERR_INVALID, kafka_api_versions_req_decode(&av, &a, &r, 3));
    /* A tagged field whose size runs past the end. */
    h.n = 0;
    hcstr(&h, "a");
    hcstr(&h, "b");
    h8(&h, 1);
    h8(&h, 5);
    h8(&h, 100);
    kafka_reader_init(&r, h.b, h.n);
    fails(KAFKA_ERR_TRUNCATED, kafka_api_versions_req_decode(&av, &a, &r, 3));
    /* Unknown tags are skipped. */
    h.n = 0;
    hcstr(&h, "a");
    hcstr(&h, "b");
    h8(&h, 1);
    h8(&h, 5);
    h8(&h, 2);
    h16(&h, 0);
    kafka_reader_init(&r, h.b, h.n);
    ok(kafka_api_versions_req_decode(&av, &a, &r, 3));
    kafka_arena_free(&a);

    /* Nested arrays: each level bounded by the bytes left, so a deep
     * hostile frame stays within a small multiple of its size. */
    h.n = 0;
    h32(&h, 100); /* 100 resources, each claiming 2^30 keys */
    for (int i = 0; i < 100 && h.n + 12 < sizeof h.b; i++) {
        h8(&h, 2);
        hstr(&h, "");
        h32(&h, 0x40000000);
    }
    kafka_describe_configs_req dc;
    kafka_arena_init(&a, 1 << 16);
    kafka_reader_init(&r, h.b, h.n);
    assert_true(kafka_describe_configs_req_decode(&dc, &a, &r, 1) < 0);
    kafka_arena_free(&a);
}

static void request_headers_and_unknown_apis(void **state)
{
    (void)state;
    kafka_arena a;
    kafka_arena_init(&a, 0);
    kafka_request req;
    hb h = {{0}, 0};
    h16(&h, 4); /* LeaderAndIsr */
    h16(&h, 1);
    h32(&h, 99);
    hstr(&h, "c");
    fails(KAFKA_ERR_UNSUPPORTED_VERSION,
          kafka_request_decode(&req, &a, h.b, h.n));
    assert_null(req.api);
    assert_int_equal(req.header.correlation_id, 99);
    assert_string_equal(req.error, "unknown API key");
    /* Header v0 has no client id; v1 and v2 have it. */
    kafka_req_header hd;
    kafka_reader hr;
    kafka_reader_init(&hr, h.b, 8);
    ok(kafka_req_header_decode_at(&hd, &hr, 0));
    assert_int_equal(hd.client_id.len, -1);
    assert_int_equal(kafka_reader_remaining(&hr), 0);
    kafka_reader_init(&hr, h.b, h.n);
    ok(kafka_req_header_decode_at(&hd, &hr, 1));
    assert_true(kafka_str_eq(hd.client_id, "c"));
    kafka_reader_init(&hr, h.b, h.n);
    fails(KAFKA_ERR_TRUNCATED, kafka_req_header_decode_at(&hd, &hr, 2));
    /* Cut inside the correlation id: the error, and nothing invented. */
    fails(KAFKA_ERR_TRUNCATED, kafka_request_decode(&req, &a, h.b, 6));
    assert_non_null(req.error);
    /* Response headers: v1 carries empty tags. */
    kafka_writer w;
    kafka_writer_init(&w);
    ok(kafka_resp_header_encode(&w, 7, 1));
    assert_int_equal(w.len, 5);
    assert_int_equal(w.buf[4], 0);
    int32_t corr;
    kafka_reader r;
    kafka_reader_init(&r, w.buf, w.len);
    ok(kafka_resp_header_decode(&corr, &r, 1));
    assert_int_equal(corr, 7);
    assert_int_equal(kafka_req_header_version(KAFKA_API_API_VERSIONS, 3), 2);
    assert_int_equal(kafka_req_header_version(KAFKA_API_METADATA, 8), 1);
    assert_int_equal(kafka_resp_header_version(KAFKA_API_API_VERSIONS, 3), 0);
    assert_string_equal(kafka_error_name(3), "UNKNOWN_TOPIC_OR_PARTITION");
    assert_string_equal(kafka_error_name(35), "UNSUPPORTED_VERSION");
    assert_string_equal(kafka_error_name(-1), "UNKNOWN_SERVER_ERROR");
    assert_string_equal(kafka_error_name(133), "SHARE_SESSION_LIMIT_REACHED");
    assert_string_equal(kafka_error_name(999), "UNKNOWN");
    assert_int_equal(kafka_error_for(KAFKA_ERR_OLD_FORMAT),
                     KAFKA_UNSUPPORTED_FOR_MESSAGE_FORMAT);
    assert_int_equal(kafka_error_for(KAFKA_ERR_CORRUPT), KAFKA_CORRUPT_MESSAGE);
    kafka_writer_free(&w);
    kafka_arena_free(&a);
}

/* Frames as real clients send them, for the fuzzer's corpus: a Produce
 * with a real RecordBatch, a JoinGroup with a real subscription, a
 * SyncGroup with a real assignment. */
static void frame_seed(const char *name, int16_t key, int16_t v,
                       const void *body)
{
    kafka_writer w;
    kafka_writer_init(&w);
    size_t f = kafka_frame_begin(&w);
    kafka_req_header h = {key, v, 7, kafka_str_of("rdkafka"),
                          kafka_req_header_version(key, v)};
    ok(kafka_req_header_encode(&w, &h));
    ok(kafka_body_encode(&w, body, key, v, false));
    ok(kafka_frame_end(&w, f));
    char path[512];
    snprintf(path, sizeof path, "%s/%s", corpus_dir, name);
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(w.buf, 1, w.len, out), w.len);
    fclose(out);
    kafka_writer_free(&w);
}

static void write_real_frames(void **state)
{
    (void)state;
    kafka_writer recs;
    kafka_writer_init(&recs);
    kafka_record r[2] = {{0,
                          1700000000000,
                          {(const uint8_t *)"k", 1},
                          {(const uint8_t *)"hello", 5},
                          NULL,
                          0},
                         {1,
                          1700000000001,
                          KAFKA_BYTES_NULL,
                          {(const uint8_t *)"world", 5},
                          NULL,
                          0}};
    kafka_batch_meta m;
    kafka_batch_meta_init(&m, 0);
    kafka_batch_builder b;
    ok(kafka_batch_begin(&b, &recs, &m));
    ok(kafka_batch_add(&b, &r[0]));
    ok(kafka_batch_add(&b, &r[1]));
    ok(kafka_batch_finish(&b, 4));
    kafka_produce_req_partition pp = {0, {recs.buf, (int32_t)recs.len}};
    kafka_produce_req_topic pt = {S("orders"), {&pp, 1}};
    kafka_produce_req p = {KAFKA_STR_NULL, -1, 30000, {&pt, 1}};
    frame_seed("real-produce-v7", KAFKA_API_PRODUCE, 7, &p);

    kafka_writer sub;
    kafka_writer_init(&sub);
    kafka_str topics[] = {S("orders")};
    kafka_consumer_subscription cs = {0,         {topics, 1}, KAFKA_BYTES_NULL,
                                      {NULL, 0}, -1,          KAFKA_STR_NULL};
    ok(kafka_consumer_subscription_encode(&sub, &cs, 1));
    kafka_join_group_protocol jp = {S("range"), {sub.buf, (int32_t)sub.len}};
    kafka_join_group_req jg = {S("g"),   45000,          300000,
                               S(""),    KAFKA_STR_NULL, S("consumer"),
                               {&jp, 1}, KAFKA_STR_NULL};
    frame_seed("real-join-group-v5", KAFKA_API_JOIN_GROUP, 5, &jg);

    kafka_writer asg;
    kafka_writer_init(&asg);
    int32_t parts[] = {0, 1, 2};
    kafka_consumer_topic_partitions tp = {S("orders"), {parts, 3}};
    kafka_consumer_assignment ca = {0, {&tp, 1}, KAFKA_BYTES_NULL};
    ok(kafka_consumer_assignment_encode(&asg, &ca, 1));
    kafka_sync_group_assignment sa = {S("m-1"), {asg.buf, (int32_t)asg.len}};
    kafka_sync_group_req sg = {
        S("g"),         1,       S("m-1"), KAFKA_STR_NULL, KAFKA_STR_NULL,
        KAFKA_STR_NULL, {&sa, 1}};
    frame_seed("real-sync-group-v3", KAFKA_API_SYNC_GROUP, 3, &sg);

    kafka_api_versions_req av = {S("librdkafka"), S("2.3.0")};
    frame_seed("real-api-versions-v3", KAFKA_API_API_VERSIONS, 3, &av);
    kafka_metadata_req md = {{NULL, -1}, true, false, false};
    frame_seed("real-metadata-v4-all", KAFKA_API_METADATA, 4, &md);
    kafka_writer_free(&recs);
    kafka_writer_free(&sub);
    kafka_writer_free(&asg);
}

/* ---- the hot paths, measured (KAFKA_BENCH=1) ---- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A Produce v7 of 8 partitions x 1000 records of 100 bytes decoded with
 * its batches; a Fetch v11 response of the same built from records (the
 * batches encoded, then the response). */
static void bench_produce_decode_and_fetch_encode(void **state)
{
    (void)state;
    enum { PARTS = 8, RECS = 1000, ROUNDS = 300 };
    static uint8_t value[100];
    kafka_record r = {0, 1700000000000, KAFKA_BYTES_NULL, {value, 100}, NULL,
                      0};
    kafka_writer batch[PARTS];
    kafka_produce_req_partition pp[PARTS];
    kafka_batch_meta m;
    kafka_batch_meta_init(&m, 0);
    for (int p = 0; p < PARTS; p++) {
        kafka_writer_init(&batch[p]);
        kafka_batch_builder b;
        ok(kafka_batch_begin(&b, &batch[p], &m));
        for (int i = 0; i < RECS; i++) {
            r.offset = i;
            ok(kafka_batch_add(&b, &r));
        }
        ok(kafka_batch_finish(&b, 0));
        pp[p].index = p;
        pp[p].records.ptr = batch[p].buf;
        pp[p].records.len = (int32_t)batch[p].len;
    }
    kafka_produce_req_topic pt = {S("orders"), {pp, PARTS}};
    kafka_produce_req preq = {KAFKA_STR_NULL, -1, 30000, {&pt, 1}};
    kafka_writer w;
    kafka_writer_init(&w);
    ok(kafka_produce_req_encode(&w, &preq, 7));
    kafka_arena a;
    kafka_arena_init(&a, 0);
    double t0 = now_s();
    int64_t n = 0;
    for (int k = 0; k < ROUNDS; k++) {
        kafka_produce_req p;
        kafka_reader rd;
        kafka_reader_init(&rd, w.buf, w.len);
        ok(kafka_produce_req_decode(&p, &a, &rd, 7));
        for (int32_t i = 0; i < p.topics.v[0].partitions.n; i++) {
            kafka_bytes rb = p.topics.v[0].partitions.v[i].records;
            kafka_batch *bs;
            int32_t c;
            ok(kafka_records_decode(&bs, &c, &a, rb.ptr, (size_t)rb.len, 0));
            n += bs[0].count;
        }
        kafka_arena_reset(&a);
    }
    double dec = now_s() - t0;

    kafka_writer recs;
    kafka_writer_init(&recs);
    kafka_fetch_resp_partition fp[PARTS];
    memset(fp, 0, sizeof fp);
    t0 = now_s();
    for (int k = 0; k < ROUNDS; k++) {
        kafka_writer_reset(&recs);
        size_t at[PARTS + 1];
        for (int p = 0; p < PARTS; p++) {
            at[p] = recs.len;
            kafka_batch_builder b;
            kafka_batch_begin(&b, &recs, &m);
            for (int i = 0; i < RECS; i++) {
                r.offset = i;
                kafka_batch_add(&b, &r);
            }
            ok(kafka_batch_finish(&b, 0));
        }
        at[PARTS] = recs.len;
        for (int p = 0; p < PARTS; p++) {
            fp[p].partition_index = p;
            fp[p].high_watermark = RECS;
            fp[p].aborted_transactions.n = -1;
            fp[p].records.ptr = recs.buf + at[p];
            fp[p].records.len = (int32_t)(at[p + 1] - at[p]);
        }
        kafka_fetch_resp_topic ft = {S("orders"), {fp, PARTS}};
        kafka_fetch_resp fr = {0, 0, 0, {&ft, 1}};
        kafka_writer_reset(&w);
        size_t f = kafka_frame_begin(&w);
        kafka_resp_header_encode(&w, 1, 0);
        ok(kafka_fetch_resp_encode(&w, &fr, 11));
        ok(kafka_frame_end(&w, f));
    }
    double enc = now_s() - t0;
    printf("Produce v7 decode (8 x 1000 records of 100 bytes, batches "
           "included): %.2f M records/s\n"
           "Fetch v11 response built from records (batches + response): "
           "%.2f M records/s, %.0f MB/s\n",
           (double)n / dec / 1e6, (double)ROUNDS * PARTS * RECS / enc / 1e6,
           (double)ROUNDS * (double)w.len / enc / 1e6);
    for (int p = 0; p < PARTS; p++)
        kafka_writer_free(&batch[p]);
    kafka_writer_free(&recs);
    kafka_writer_free(&w);
    kafka_arena_free(&a);
}

int main(void)
{
    corpus_dir = getenv("KAFKA_WRITE_CORPUS");
    if (corpus_dir)
        mkdir(corpus_dir, 0755);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_api_round_trips_at_every_version),
        cmocka_unit_test(decoding_fails_cleanly_under_any_arena_limit),
        cmocka_unit_test(unsupported_versions_are_refused),
        cmocka_unit_test(hostile_counts_and_lengths_fail_small),
        cmocka_unit_test(request_headers_and_unknown_apis),
    };
    const struct CMUnitTest corpus[] = {
        cmocka_unit_test(write_real_frames),
    };
    const struct CMUnitTest bench[] = {
        cmocka_unit_test(bench_produce_decode_and_fetch_encode),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    if (getenv("KAFKA_BENCH"))
        failed += cmocka_run_group_tests(bench, NULL, NULL);
    if (corpus_dir)
        failed += cmocka_run_group_tests(corpus, NULL, NULL);
    return failed;
}
