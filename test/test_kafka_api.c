/*
 * test_kafka_api.c -- the Kafka message codecs: every API at every
 * supported version round-trips (requests and responses, filled from the
 * tables with pseudo-random values), every prefix of an encoding fails
 * to decode, hostile counts and lengths fail without large allocations,
 * and one response per API (and several requests) match bytes written
 * out by hand from Kafka's message definitions.
 *
 * With KAFKA_WRITE_CORPUS=dir in the environment, the round trips also
 * write their request frames there (the fuzzers' seed corpus); with
 * KAFKA_BENCH=1, Produce decoding and Fetch response encoding are timed.
 */
#include "support.h"

#include <sys/stat.h>
#include <time.h>

#include "../kafka/msg_admin.h"
#include "../kafka/msg_core.h"
#include "../kafka/msg_group.h"
#include "../kafka/msg_txn.h"
#include "../kafka/recbatch.h"
#include "../kafka/schema.h"

/* support.h's checks name rill's errors; these name the codec's. */
#undef ok
#undef fails
#define ok(call)                                                               \
    do {                                                                       \
        int ok_rc_ = (call);                                                   \
        if (ok_rc_ != 0)                                                       \
            fail_msg("%s = %d (%s)", #call, ok_rc_, kafka_strerror(ok_rc_));   \
    } while (0)
#define fails(code, call)                                                      \
    do {                                                                       \
        int fails_rc_ = (call);                                                \
        if (fails_rc_ != (code))                                               \
            fail_msg("%s = %d (%s), expected %d", #call, fails_rc_,            \
                     kafka_strerror(fails_rc_), (code));                       \
    } while (0)

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

/* ---- bytes by hand ---- */

typedef struct hb {
    uint8_t b[2048];
    size_t n;
} hb;

static void h8(hb *h, int v)
{
    h->b[h->n++] = (uint8_t)v;
}
static void h16(hb *h, int v)
{
    h8(h, (v >> 8) & 0xff);
    h8(h, v & 0xff);
}
static void h32(hb *h, int64_t v)
{
    h16(h, (int)((v >> 16) & 0xffff));
    h16(h, (int)(v & 0xffff));
}
static void h64(hb *h, int64_t v)
{
    h32(h, (int32_t)((uint64_t)v >> 32));
    h32(h, (int32_t)(v & 0xffffffff));
}
static void hraw(hb *h, const void *p, size_t n)
{
    memcpy(h->b + h->n, p, n);
    h->n += n;
}
/* int16-length string; NULL writes the null string. */
static void hstr(hb *h, const char *s)
{
    if (!s) {
        h16(h, -1);
        return;
    }
    h16(h, (int)strlen(s));
    hraw(h, s, strlen(s));
}
/* int32-length bytes */
static void hbytes(hb *h, const void *p, int n)
{
    h32(h, n);
    if (n > 0)
        hraw(h, p, (size_t)n);
}
/* compact string (uvarint length + 1; all test strings are short) */
static void hcstr(hb *h, const char *s)
{
    h8(h, s ? (int)strlen(s) + 1 : 0);
    if (s)
        hraw(h, s, strlen(s));
}

static void expect(const kafka_writer *w, const hb *h)
{
    assert_int_equal(w->err, 0);
    if (w->len != h->n)
        fail_msg("encoded %zu bytes, expected %zu", w->len, h->n);
    for (size_t i = 0; i < h->n; i++)
        if (w->buf[i] != h->b[i])
            fail_msg("byte %zu: 0x%02x, expected 0x%02x", i, w->buf[i],
                     h->b[i]);
}

/* Points an array at a compound literal of the enclosing block. */
#define ARR(a, ...)                                                            \
    ((a).v = (__typeof__(*(a).v)[]){__VA_ARGS__},                              \
     (a).n = (int32_t)(sizeof((__typeof__(*(a).v)[]){__VA_ARGS__}) /           \
                       sizeof(*(a).v)))

#define S(x) kafka_str_of(x)

static void api_versions_responses_match_bytes(void **state)
{
    (void)state;
    kafka_arena a;
    kafka_arena_init(&a, 0);
    kafka_api_versions_resp resp;
    ok(kafka_api_versions_resp_init(&resp, &a, KAFKA_UNSUPPORTED_VERSION));
    size_t n;
    const kafka_api_info *apis = kafka_api_all(&n);

    /* v0: error, then int32 count and (key, min, max) triples. */
    hb h = {{0}, 0};
    h16(&h, 35);
    h32(&h, (int32_t)n);
    for (size_t i = 0; i < n; i++) {
        h16(&h, apis[i].key);
        h16(&h, apis[i].min_version);
        h16(&h, apis[i].max_version);
    }
    kafka_writer w;
    kafka_writer_init(&w);
    ok(kafka_api_versions_resp_encode(&w, &resp, 0));
    expect(&w, &h);

    /* v3: compact array, per-entry tagged sections, throttle time, and
     * the top-level tags: FinalizedFeaturesEpoch (tag 1) = 5. */
    resp.error_code = 0;
    resp.api_keys.n = 1;
    resp.throttle_time_ms = 7;
    resp.finalized_features_epoch = 5;
    h.n = 0;
    h16(&h, 0);
    h8(&h, 2); /* one entry */
    h16(&h, 0);
    h16(&h, 0);
    h16(&h, 8);
    h8(&h, 0); /* entry tags */
    h32(&h, 7);
    h8(&h, 1); /* one tagged field */
    h8(&h, 1); /* tag 1 */
    h8(&h, 8); /* 8 bytes */
    h64(&h, 5);
    kafka_writer_reset(&w);
    ok(kafka_api_versions_resp_encode(&w, &resp, 3));
    expect(&w, &h);

    /* And it decodes back, tags included. */
    kafka_api_versions_resp back;
    kafka_reader r;
    kafka_reader_init(&r, w.buf, w.len);
    ok(kafka_api_versions_resp_decode(&back, &a, &r, 3));
    assert_int_equal(back.finalized_features_epoch, 5);
    assert_int_equal(back.supported_features.n, 0);
    assert_int_equal(back.api_keys.v[0].max_version, 8);
    kafka_writer_free(&w);
    kafka_arena_free(&a);
}

static void api_versions_v3_request_frame_decodes(void **state)
{
    (void)state;
    /* Header v2: key 18, version 3, correlation 1, client id "rdkafka"
     * (int16 length even in v2), empty tags; body: compact strings. */
    hb h = {{0}, 0};
    h16(&h, 18);
    h16(&h, 3);
    h32(&h, 1);
    hstr(&h, "rdkafka");
    h8(&h, 0);
    hcstr(&h, "librdkafka");
    hcstr(&h, "2.3.0");
    h8(&h, 0);
    kafka_arena a;
    kafka_arena_init(&a, 0);
    kafka_request req;
    ok(kafka_request_decode(&req, &a, h.b, h.n));
    assert_int_equal(req.header.header_version, 2);
    assert_true(kafka_str_eq(req.header.client_id, "rdkafka"));
    const kafka_api_versions_req *body = req.body;
    assert_true(kafka_str_eq(body->client_software_name, "librdkafka"));
    assert_true(kafka_str_eq(body->client_software_version, "2.3.0"));

    /* A version above ours: the header is read (v2, flexible), the body
     * is not, and the answer is v0 with UNSUPPORTED_VERSION in a v0
     * response header. */
    h.b[3] = 9;
    fails(KAFKA_ERR_UNSUPPORTED_VERSION,
          kafka_request_decode(&req, &a, h.b, h.n));
    assert_int_equal(req.header.api_version, 9);
    assert_int_equal(req.header.correlation_id, 1);
    assert_true(kafka_str_eq(req.header.client_id, "rdkafka"));
    assert_int_equal(kafka_resp_header_version(18, 9), 0);
    kafka_writer w;
    kafka_writer_init(&w);
    size_t frame = kafka_frame_begin(&w);
    ok(kafka_resp_header_encode(&w, req.header.correlation_id, 0));
    kafka_api_versions_resp resp;
    ok(kafka_api_versions_resp_init(&resp, &a, KAFKA_UNSUPPORTED_VERSION));
    ok(kafka_api_versions_resp_encode(&w, &resp, 0));
    ok(kafka_frame_end(&w, frame));
    kafka_reader r;
    kafka_reader_init(&r, w.buf, w.len);
    assert_int_equal(kafka_read_i32(&r), (int32_t)w.len - 4);
    assert_int_equal(kafka_read_i32(&r), 1);
    assert_int_equal(kafka_read_i16(&r), 35);
    kafka_writer_free(&w);
    kafka_arena_free(&a);
}

static void metadata_v8_response_matches_bytes(void **state)
{
    (void)state;
    kafka_metadata_resp m;
    memset(&m, 0, sizeof m);
    m.throttle_time_ms = 1;
    ARR(m.brokers, {1, S("localhost"), 9092, KAFKA_STR_NULL});
    m.cluster_id = S("rill");
    m.controller_id = 1;
    kafka_metadata_partition p;
    memset(&p, 0, sizeof p);
    p.partition_index = 0;
    p.leader_id = 1;
    p.leader_epoch = 0;
    ARR(p.replica_nodes, 1);
    ARR(p.isr_nodes, 1);
    kafka_metadata_topic t;
    memset(&t, 0, sizeof t);
    t.name = S("orders");
    t.partitions.v = &p;
    t.partitions.n = 1;
    t.topic_authorized_operations = INT32_MIN;
    m.topics.v = &t;
    m.topics.n = 1;
    m.cluster_authorized_operations = INT32_MIN;

    hb h = {{0}, 0};
    h32(&h, 1);
    h32(&h, 1);
    h32(&h, 1);
    hstr(&h, "localhost");
    h32(&h, 9092);
    hstr(&h, NULL);
    hstr(&h, "rill");
    h32(&h, 1);
    h32(&h, 1);
    h16(&h, 0);
    hstr(&h, "orders");
    h8(&h, 0);
    h32(&h, 1);
    h16(&h, 0);
    h32(&h, 0);
    h32(&h, 1);
    h32(&h, 0);
    h32(&h, 1);
    h32(&h, 1);
    h32(&h, 1);
    h32(&h, 1);
    h32(&h, 0); /* offline replicas */
    h32(&h, INT32_MIN);
    h32(&h, INT32_MIN);
    kafka_writer w;
    kafka_writer_init(&w);
    ok(kafka_metadata_resp_encode(&w, &m, 8));
    expect(&w, &h);
    kafka_writer_free(&w);
}

static void metadata_requests_null_and_empty_topics(void **state)
{
    (void)state;
    kafka_arena a;
    kafka_arena_init(&a, 0);
    kafka_metadata_req m;
    kafka_reader r;
    /* v1: a null array means all topics. */
    hb h = {{0}, 0};
    h32(&h, -1);
    kafka_reader_init(&r, h.b, h.n);
    ok(kafka_metadata_req_decode(&m, &a, &r, 1));
    assert_int_equal(m.topics.n, -1);
    assert_true(m.allow_auto_topic_creation); /* v4+ only: default */
    /* v0: null is not allowed. */
    kafka_reader_init(&r, h.b, h.n);
    fails(KAFKA_ERR_INVALID, kafka_metadata_req_decode(&m, &a, &r, 0));
    /* v4: one topic, auto-create false. */
    h.n = 0;
    h32(&h, 1);
    hstr(&h, "t");
    h8(&h, 0);
    kafka_reader_init(&r, h.b, h.n);
    ok(kafka_metadata_req_decode(&m, &a, &r, 4));
    assert_int_equal(m.topics.n, 1);
    assert_true(kafka_str_eq(m.topics.v[0].name, "t"));
    assert_false(m.allow_auto_topic_creation);
    kafka_arena_free(&a);
}

static void produce_v3_request_decodes_from_bytes(void **state)
{
    (void)state;
    hb h = {{0}, 0};
    hstr(&h, NULL); /* transactional id */
    h16(&h, -1);    /* acks */
    h32(&h, 30000);
    h32(&h, 1);
    hstr(&h, "orders");
    h32(&h, 2);
    h32(&h, 0);
    hbytes(&h, "BATCH", 5);
    h32(&h, 1);
    h32(&h, -1); /* null records */
    kafka_arena a;
    kafka_arena_init(&a, 0);
    kafka_produce_req p;
    kafka_reader r;
    kafka_reader_init(&r, h.b, h.n);
    ok(kafka_produce_req_decode(&p, &a, &r, 3));
    assert_int_equal(p.transactional_id.len, -1);
    assert_int_equal(p.acks, -1);
    assert_int_equal(p.timeout_ms, 30000);
    assert_int_equal(p.topics.n, 1);
    assert_true(kafka_str_eq(p.topics.v[0].name, "orders"));
    assert_int_equal(p.topics.v[0].partitions.n, 2);
    assert_int_equal(p.topics.v[0].partitions.v[0].records.len, 5);
    /* Zero-copy: the view points into the input. */
    assert_ptr_equal(p.topics.v[0].partitions.v[0].records.ptr, h.b + 32);
    assert_int_equal(p.topics.v[0].partitions.v[1].index, 1);
    assert_int_equal(p.topics.v[0].partitions.v[1].records.len, -1);
    /* v2 has no transactional id: the same bytes minus it. */
    kafka_reader_init(&r, h.b + 2, h.n - 2);
    ok(kafka_produce_req_decode(&p, &a, &r, 2));
    assert_int_equal(p.transactional_id.len, -1);
    assert_int_equal(p.acks, -1);
    kafka_arena_free(&a);
}

static void produce_v8_response_matches_bytes(void **state)
{
    (void)state;
    kafka_produce_resp_partition p = {3, 0,         100,           -1,
                                      0, {NULL, 0}, KAFKA_STR_NULL};
    kafka_produce_resp_topic t = {S("orders"), {&p, 1}};
    kafka_produce_resp resp = {{&t, 1}, 0};
    hb h = {{0}, 0};
    h32(&h, 1);
    hstr(&h, "orders");
    h32(&h, 1);
    h32(&h, 3);
    h16(&h, 0);
    h64(&h, 100);
    h64(&h, -1);
    h64(&h, 0);
    h32(&h, 0); /* record errors */
    hstr(&h, NULL);
    h32(&h, 0);
    kafka_writer w;
    kafka_writer_init(&w);
    ok(kafka_produce_resp_encode(&w, &resp, 8));
    expect(&w, &h);
    /* v0 drops the later fields. */
    h.n = 0;
    h32(&h, 1);
    hstr(&h, "orders");
    h32(&h, 1);
    h32(&h, 3);
    h16(&h, 0);
    h64(&h, 100);
    kafka_writer_reset(&w);
    ok(kafka_produce_resp_encode(&w, &resp, 0));
    expect(&w, &h);
    kafka_writer_free(&w);
}

static void fetch_requests_decode_from_bytes(void **state)
{
    (void)state;
    hb h = {{0}, 0};
    h32(&h, -1);
    h32(&h, 500);
    h32(&h, 1);
    h32(&h, 52428800);
    h8(&h, 1);
    h32(&h, 1);
    hstr(&h, "orders");
    h32(&h, 1);
    h32(&h, 0);
    h64(&h, 42);
    h32(&h, 1048576);
    kafka_arena a;
    kafka_arena_init(&a, 0);
    kafka_fetch_req f;
    kafka_reader r;
    kafka_reader_init(&r, h.b, h.n);
    ok(kafka_fetch_req_decode(&f, &a, &r, 4));
    assert_int_equal(f.replica_id, -1);
    assert_int_equal(f.max_wait_ms, 500);
    assert_int_equal(f.max_bytes, 52428800);
    assert_int_equal(f.isolation_level, 1);
    assert_int_equal(f.session_epoch, -1); /* v7+: default */
    assert_int_equal(f.topics.v[0].partitions.v[0].fetch_offset, 42);
    assert_int_equal(f.topics.v[0].partitions.v[0].log_start_offset, -1);
    assert_int_equal(f.topics.v[0].partitions.v[0].current_leader_epoch, -1);

    /* v11: session, leader epoch, log start offset, forgotten, rack. */
    h.n = 0;
    h32(&h, -1);
    h32(&h, 500);
    h32(&h, 1);
    h32(&h, 1000);
    h8(&h, 0);
    h32(&h, 7);
    h32(&h, 2);
    h32(&h, 1);
    hstr(&h, "orders");
    h32(&h, 1);
    h32(&h, 0);
    h32(&h, 5);
    h64(&h, 42);
    h64(&h, 0);
    h32(&h, 1048576);
    h32(&h, 1);
    hstr(&h, "old");
    h32(&h, 2);
    h32(&h, 3);
    h32(&h, 4);
    hstr(&h, "rack1");
    kafka_reader_init(&r, h.b, h.n);
    ok(kafka_fetch_req_decode(&f, &a, &r, 11));
    assert_int_equal(f.session_id, 7);
    assert_int_equal(f.session_epoch, 2);
    assert_int_equal(f.topics.v[0].partitions.v[0].current_leader_epoch, 5);
    assert_int_equal(f.forgotten_topics_data.n, 1);
    assert_int_equal(f.forgotten_topics_data.v[0].partitions.v[1], 4);
    assert_true(kafka_str_eq(f.rack_id, "rack1"));
    assert_int_equal(kafka_reader_remaining(&r), 0);
    kafka_arena_free(&a);
}

static void fetch_v11_response_matches_bytes(void **state)
{
    (void)state;
    kafka_fetch_aborted ab = {9, 40};
    kafka_fetch_resp_partition p = {
        0, 0, 50, 49, 0, {&ab, 1}, -1, {(const uint8_t *)"RECS", 4}};
    kafka_fetch_resp_topic t = {S("orders"), {&p, 1}};
    kafka_fetch_resp resp = {0, 0, 7, {&t, 1}};
    hb h = {{0}, 0};
    h32(&h, 0);
    h16(&h, 0);
    h32(&h, 7);
    h32(&h, 1);
    hstr(&h, "orders");
    h32(&h, 1);
    h32(&h, 0);
    h16(&h, 0);
    h64(&h, 50);
    h64(&h, 49);
    h64(&h, 0);
    h32(&h, 1);
    h64(&h, 9);
    h64(&h, 40);
    h32(&h, -1);
    hbytes(&h, "RECS", 4);
    kafka_writer w;
    kafka_writer_init(&w);
    ok(kafka_fetch_resp_encode(&w, &resp, 11));
    expect(&w, &h);
    /* Null aborted transactions, v4 (no preferred replica, no session). */
    p.aborted_transactions.n = -1;
    h.n = 0;
    h32(&h, 0);
    h32(&h, 1);
    hstr(&h, "orders");
    h32(&h, 1);
    h32(&h, 0);
    h16(&h, 0);
    h64(&h, 50);
    h64(&h, 49);
    h32(&h, -1);
    hbytes(&h, "RECS", 4);
    kafka_writer_reset(&w);
    ok(kafka_fetch_resp_encode(&w, &resp, 4));
    expect(&w, &h);
    kafka_writer_free(&w);
}

static void list_offsets_v5_response_matches_bytes(void **state)
{
    (void)state;
    kafka_list_offsets_resp_partition p = {2, 0, {NULL, 0}, -1, 77, 0};
    kafka_list_offsets_resp_topic t = {S("t"), {&p, 1}};
    kafka_list_offsets_resp resp = {0, {&t, 1}};
    hb h = {{0}, 0};
    h32(&h, 0);
    h32(&h, 1);
    hstr(&h, "t");
    h32(&h, 1);
    h32(&h, 2);
    h16(&h, 0);
    h64(&h, -1);
    h64(&h, 77);
    h32(&h, 0);
    kafka_writer w;
    kafka_writer_init(&w);
    ok(kafka_list_offsets_resp_encode(&w, &resp, 5));
    expect(&w, &h);
    kafka_writer_free(&w);
}

static void group_responses_match_bytes(void **state)
{
    (void)state;
    kafka_writer w;
    kafka_writer_init(&w);
    hb h = {{0}, 0};

    kafka_find_coordinator_resp fc = {0, 0, KAFKA_STR_NULL, 1, S("h"), 9092};
    h32(&h, 0);
    h16(&h, 0);
    hstr(&h, NULL);
    h32(&h, 1);
    hstr(&h, "h");
    h32(&h, 9092);
    ok(kafka_find_coordinator_resp_encode(&w, &fc, 2));
    expect(&w, &h);

    kafka_join_group_member jm = {S("m1"), S("i1"), {(const uint8_t *)"x", 1}};
    kafka_join_group_resp jg;
    memset(&jg, 0, sizeof jg);
    jg.generation_id = 3;
    jg.protocol_name = S("range");
    jg.leader = S("m1");
    jg.member_id = S("m1");
    jg.members.v = &jm;
    jg.members.n = 1;
    h.n = 0;
    h32(&h, 0);
    h16(&h, 0);
    h32(&h, 3);
    hstr(&h, "range");
    hstr(&h, "m1");
    hstr(&h, "m1");
    h32(&h, 1);
    hstr(&h, "m1");
    hstr(&h, "i1");
    hbytes(&h, "x", 1);
    kafka_writer_reset(&w);
    ok(kafka_join_group_resp_encode(&w, &jg, 5));
    expect(&w, &h);

    kafka_sync_group_resp sg = {
        0, 0, KAFKA_STR_NULL, KAFKA_STR_NULL, {(const uint8_t *)"as", 2}};
    h.n = 0;
    h32(&h, 0);
    h16(&h, 0);
    hbytes(&h, "as", 2);
    kafka_writer_reset(&w);
    ok(kafka_sync_group_resp_encode(&w, &sg, 3));
    expect(&w, &h);

    kafka_heartbeat_resp hbr = {5, 27};
    h.n = 0;
    h32(&h, 5);
    h16(&h, 27);
    kafka_writer_reset(&w);
    ok(kafka_heartbeat_resp_encode(&w, &hbr, 3));
    expect(&w, &h);
    h.n = 0;
    h16(&h, 27);
    kafka_writer_reset(&w);
    ok(kafka_heartbeat_resp_encode(&w, &hbr, 0));
    expect(&w, &h);

    kafka_leave_group_resp_member lm = {S("m1"), KAFKA_STR_NULL, 25};
    kafka_leave_group_resp lg = {0, 0, {&lm, 1}};
    h.n = 0;
    h32(&h, 0);
    h16(&h, 0);
    h32(&h, 1);
    hstr(&h, "m1");
    hstr(&h, NULL);
    h16(&h, 25);
    kafka_writer_reset(&w);
    ok(kafka_leave_group_resp_encode(&w, &lg, 3));
    expect(&w, &h);

    kafka_offset_commit_resp_partition ocp = {0, 0};
    kafka_offset_commit_resp_topic oct = {S("t"), {&ocp, 1}};
    kafka_offset_commit_resp oc = {0, {&oct, 1}};
    h.n = 0;
    h32(&h, 0);
    h32(&h, 1);
    hstr(&h, "t");
    h32(&h, 1);
    h32(&h, 0);
    h16(&h, 0);
    kafka_writer_reset(&w);
    ok(kafka_offset_commit_resp_encode(&w, &oc, 7));
    expect(&w, &h);
    h.n = 0; /* v2: no throttle time */
    h32(&h, 1);
    hstr(&h, "t");
    h32(&h, 1);
    h32(&h, 0);
    h16(&h, 0);
    kafka_writer_reset(&w);
    ok(kafka_offset_commit_resp_encode(&w, &oc, 2));
    expect(&w, &h);

    kafka_offset_fetch_resp_partition ofp = {0, 10, -1, KAFKA_STR_NULL, 0};
    kafka_offset_fetch_resp_topic oft = {S("t"), {&ofp, 1}};
    kafka_offset_fetch_resp of = {0, {&oft, 1}, 0};
    h.n = 0;
    h32(&h, 0);
    h32(&h, 1);
    hstr(&h, "t");
    h32(&h, 1);
    h32(&h, 0);
    h64(&h, 10);
    h32(&h, -1);
    hstr(&h, NULL);
    h16(&h, 0);
    h16(&h, 0);
    kafka_writer_reset(&w);
    ok(kafka_offset_fetch_resp_encode(&w, &of, 5));
    expect(&w, &h);

    kafka_list_groups_group lgg = {S("g"), S("consumer"), S("")};
    kafka_list_groups_resp lgs = {0, 0, {&lgg, 1}};
    h.n = 0;
    h32(&h, 0);
    h16(&h, 0);
    h32(&h, 1);
    hstr(&h, "g");
    hstr(&h, "consumer");
    kafka_writer_reset(&w);
    ok(kafka_list_groups_resp_encode(&w, &lgs, 2));
    expect(&w, &h);

    kafka_describe_groups_member dm = {S("m"),
                                       KAFKA_STR_NULL,
                                       S("c"),
                                       S("/127.0.0.1"),
                                       {(const uint8_t *)"md", 2},
                                       {(const uint8_t *)"", 0}};
    kafka_describe_groups_group dg = {
        0, S("g"), S("Stable"), S("consumer"), S("range"), {&dm, 1}, INT32_MIN};
    kafka_describe_groups_resp dgs = {0, {&dg, 1}};
    h.n = 0;
    h32(&h, 0);
    h32(&h, 1);
    h16(&h, 0);
    hstr(&h, "g");
    hstr(&h, "Stable");
    hstr(&h, "consumer");
    hstr(&h, "range");
    h32(&h, 1);
    hstr(&h, "m");
    hstr(&h, NULL);
    hstr(&h, "c");
    hstr(&h, "/127.0.0.1");
    hbytes(&h, "md", 2);
    hbytes(&h, "", 0);
    h32(&h, INT32_MIN);
    kafka_writer_reset(&w);
    ok(kafka_describe_groups_resp_encode(&w, &dgs, 4));
    expect(&w, &h);
    kafka_writer_free(&w);
}

static void group_requests_decode_from_bytes(void **state)
{
    (void)state;
    kafka_arena a;
    kafka_arena_init(&a, 0);
    kafka_reader r;
    hb h = {{0}, 0};

    /* JoinGroup v5 */
    hstr(&h, "g");
    h32(&h, 10000);
    h32(&h, 300000);
    hstr(&h, "");
    hstr(&h, NULL);
    hstr(&h, "consumer");
    h32(&h, 1);
    hstr(&h, "range");
    hbytes(&h, "\0\1", 2);
    kafka_join_group_req jg;
    kafka_reader_init(&r, h.b, h.n);
    ok(kafka_join_group_req_decode(&jg, &a, &r, 5));
    assert_true(kafka_str_eq(jg.group_id, "g"));
    assert_int_equal(jg.rebalance_timeout_ms, 300000);
    assert_int_equal(jg.member_id.len, 0);
    assert_int_equal(jg.group_instance_id.len, -1);
    assert_true(kafka_str_eq(jg.protocols.v[0].name, "range"));
    assert_int_equal(jg.protocols.v[0].metadata.len, 2);
    assert_int_equal(jg.reason.len, -1);

    /* LeaveGroup v3: a batch of members */
    h.n = 0;
    hstr(&h, "g");
    h32(&h, 2);
    hstr(&h, "m1");
    hstr(&h, NULL);
    hstr(&h, "m2");
    hstr(&h, "inst");
    kafka_leave_group_req lg;
    kafka_reader_init(&r, h.b, h.n);
    ok(kafka_leave_group_req_decode(&lg, &a, &r, 3));
    assert_int_equal(lg.members.n, 2);
    assert_true(kafka_str_eq(lg.members.v[1].group_instance_id, "inst"));
    assert_int_equal(lg.member_id.len, 0);
    /* v0: one member id */
    h.n = 0;
    hstr(&h, "g");
    hstr(&h, "m1");
    kafka_reader_init(&r, h.b, h.n);
    ok(kafka_leave_group_req_decode(&lg, &a, &r, 0));
    assert_true(kafka_str_eq(lg.member_id, "m1"));
    assert_int_equal(lg.members.n, 0);

    /* OffsetCommit v2: generation, member, retention time */
    h.n = 0;
    hstr(&h, "g");
    h32(&h, 4);
    hstr(&h, "m1");
    h64(&h, -1);
    h32(&h, 1);
    hstr(&h, "t");
    h32(&h, 1);
    h32(&h, 0);
    h64(&h, 99);
    hstr(&h, "meta");
    kafka_offset_commit_req oc;
    kafka_reader_init(&r, h.b, h.n);
    ok(kafka_offset_commit_req_decode(&oc, &a, &r, 2));
    assert_int_equal(oc.generation_id, 4);
    assert_int_equal(oc.retention_time_ms, -1);
    assert_int_equal(oc.topics.v[0].partitions.v[0].committed_offset, 99);
    assert_int_equal(oc.topics.v[0].partitions.v[0].committed_leader_epoch, -1);
    assert_true(kafka_str_eq(oc.topics.v[0].partitions.v[0].committed_metadata,
                             "meta"));

    /* OffsetFetch v2+: null topics means all */
    h.n = 0;
    hstr(&h, "g");
    h32(&h, -1);
    kafka_offset_fetch_req of;
    kafka_reader_init(&r, h.b, h.n);
    ok(kafka_offset_fetch_req_decode(&of, &a, &r, 3));
    assert_int_equal(of.topics.n, -1);
    kafka_reader_init(&r, h.b, h.n);
    fails(KAFKA_ERR_INVALID, kafka_offset_fetch_req_decode(&of, &a, &r, 1));
    kafka_arena_free(&a);
}

static void admin_responses_match_bytes(void **state)
{
    (void)state;
    kafka_writer w;
    kafka_writer_init(&w);
    hb h = {{0}, 0};

    kafka_create_topics_result ctr = {S("t"), 36, S("exists")};
    kafka_create_topics_resp ct = {0, {&ctr, 1}};
    h32(&h, 0);
    h32(&h, 1);
    hstr(&h, "t");
    h16(&h, 36);
    hstr(&h, "exists");
    ok(kafka_create_topics_resp_encode(&w, &ct, 4));
    expect(&w, &h);
    h.n = 0; /* v0: name and error only */
    h32(&h, 1);
    hstr(&h, "t");
    h16(&h, 36);
    kafka_writer_reset(&w);
    ok(kafka_create_topics_resp_encode(&w, &ct, 0));
    expect(&w, &h);

    kafka_delete_topics_result dtr = {S("t"), 3};
    kafka_delete_topics_resp dt = {0, {&dtr, 1}};
    h.n = 0;
    h32(&h, 0);
    h32(&h, 1);
    hstr(&h, "t");
    h16(&h, 3);
    kafka_writer_reset(&w);
    ok(kafka_delete_topics_resp_encode(&w, &dt, 3));
    expect(&w, &h);

    kafka_create_partitions_result cpr = {S("t"), 0, KAFKA_STR_NULL};
    kafka_create_partitions_resp cp = {0, {&cpr, 1}};
    h.n = 0;
    h32(&h, 0);
    h32(&h, 1);
    hstr(&h, "t");
    h16(&h, 0);
    hstr(&h, NULL);
    kafka_writer_reset(&w);
    ok(kafka_create_partitions_resp_encode(&w, &cp, 1));
    expect(&w, &h);

    kafka_describe_configs_synonym syn = {S("retention.ms"), S("1"), 5};
    kafka_describe_configs_entry ce;
    memset(&ce, 0, sizeof ce);
    ce.name = S("retention.ms");
    ce.value = S("1");
    ce.config_source = 1;
    ce.synonyms.v = &syn;
    ce.synonyms.n = 1;
    ce.config_type = 5;
    ce.documentation = KAFKA_STR_NULL;
    kafka_describe_configs_result cr = {0, KAFKA_STR_NULL, 2, S("t"), {&ce, 1}};
    kafka_describe_configs_resp dc = {0, {&cr, 1}};
    h.n = 0;
    h32(&h, 0);
    h32(&h, 1);
    h16(&h, 0);
    hstr(&h, NULL);
    h8(&h, 2);
    hstr(&h, "t");
    h32(&h, 1);
    hstr(&h, "retention.ms");
    hstr(&h, "1");
    h8(&h, 0); /* read only */
    h8(&h, 1); /* source */
    h8(&h, 0); /* sensitive */
    h32(&h, 1);
    hstr(&h, "retention.ms");
    hstr(&h, "1");
    h8(&h, 5);
    h8(&h, 5); /* config type */
    hstr(&h, NULL);
    kafka_writer_reset(&w);
    ok(kafka_describe_configs_resp_encode(&w, &dc, 3));
    expect(&w, &h);
    /* v0: is_default instead of source and synonyms */
    ce.is_default = true;
    h.n = 0;
    h32(&h, 0);
    h32(&h, 1);
    h16(&h, 0);
    hstr(&h, NULL);
    h8(&h, 2);
    hstr(&h, "t");
    h32(&h, 1);
    hstr(&h, "retention.ms");
    hstr(&h, "1");
    h8(&h, 0);
    h8(&h, 1);
    h8(&h, 0);
    kafka_writer_reset(&w);
    ok(kafka_describe_configs_resp_encode(&w, &dc, 0));
    expect(&w, &h);
    kafka_writer_free(&w);
}

static void txn_and_sasl_responses_match_bytes(void **state)
{
    (void)state;
    kafka_writer w;
    kafka_writer_init(&w);
    hb h = {{0}, 0};

    kafka_init_producer_id_resp ip = {0, 0, 1000, 2};
    h32(&h, 0);
    h16(&h, 0);
    h64(&h, 1000);
    h16(&h, 2);
    ok(kafka_init_producer_id_resp_encode(&w, &ip, 1));
    expect(&w, &h);

    kafka_add_partitions_to_txn_presult pr = {1, 0};
    kafka_add_partitions_to_txn_result ar = {S("t"), {&pr, 1}};
    kafka_add_partitions_to_txn_resp ap = {0, {&ar, 1}};
    h.n = 0;
    h32(&h, 0);
    h32(&h, 1);
    hstr(&h, "t");
    h32(&h, 1);
    h32(&h, 1);
    h16(&h, 0);
    kafka_writer_reset(&w);
    ok(kafka_add_partitions_to_txn_resp_encode(&w, &ap, 2));
    expect(&w, &h);

    kafka_add_offsets_to_txn_resp ao = {0, 51};
    h.n = 0;
    h32(&h, 0);
    h16(&h, 51);
    kafka_writer_reset(&w);
    ok(kafka_add_offsets_to_txn_resp_encode(&w, &ao, 2));
    expect(&w, &h);

    kafka_txn_offset_commit_resp_partition tp = {0, 0};
    kafka_txn_offset_commit_resp_topic tt = {S("t"), {&tp, 1}};
    kafka_txn_offset_commit_resp to = {0, {&tt, 1}};
    h.n = 0;
    h32(&h, 0);
    h32(&h, 1);
    hstr(&h, "t");
    h32(&h, 1);
    h32(&h, 0);
    h16(&h, 0);
    kafka_writer_reset(&w);
    ok(kafka_txn_offset_commit_resp_encode(&w, &to, 2));
    expect(&w, &h);

    kafka_end_txn_resp et = {0, 48};
    h.n = 0;
    h32(&h, 0);
    h16(&h, 48);
    kafka_writer_reset(&w);
    ok(kafka_end_txn_resp_encode(&w, &et, 2));
    expect(&w, &h);

    kafka_str mechs[] = {S("PLAIN"), S("SCRAM-SHA-256")};
    kafka_sasl_handshake_resp hs = {0, {mechs, 2}};
    h.n = 0;
    h16(&h, 0);
    h32(&h, 2);
    hstr(&h, "PLAIN");
    hstr(&h, "SCRAM-SHA-256");
    kafka_writer_reset(&w);
    ok(kafka_sasl_handshake_resp_encode(&w, &hs, 1));
    expect(&w, &h);

    kafka_sasl_authenticate_resp au = {
        58, S("bad"), {(const uint8_t *)"", 0}, 3600000};
    h.n = 0;
    h16(&h, 58);
    hstr(&h, "bad");
    hbytes(&h, "", 0);
    h64(&h, 3600000);
    kafka_writer_reset(&w);
    ok(kafka_sasl_authenticate_resp_encode(&w, &au, 1));
    expect(&w, &h);
    kafka_writer_free(&w);
}

static void txn_requests_decode_from_bytes(void **state)
{
    (void)state;
    kafka_arena a;
    kafka_arena_init(&a, 0);
    kafka_reader r;
    hb h = {{0}, 0};
    hstr(&h, NULL);
    h32(&h, 60000);
    kafka_init_producer_id_req ip;
    kafka_reader_init(&r, h.b, h.n);
    ok(kafka_init_producer_id_req_decode(&ip, &a, &r, 0));
    assert_int_equal(ip.transactional_id.len, -1);
    assert_int_equal(ip.transaction_timeout_ms, 60000);
    assert_int_equal(ip.producer_id, -1);

    h.n = 0;
    hstr(&h, "tx");
    h64(&h, 1000);
    h16(&h, 2);
    h32(&h, 1);
    hstr(&h, "t");
    h32(&h, 2);
    h32(&h, 0);
    h32(&h, 1);
    kafka_add_partitions_to_txn_req ap;
    kafka_reader_init(&r, h.b, h.n);
    ok(kafka_add_partitions_to_txn_req_decode(&ap, &a, &r, 2));
    assert_true(kafka_str_eq(ap.transactional_id, "tx"));
    assert_int_equal(ap.producer_id, 1000);
    assert_int_equal(ap.topics.v[0].partitions.v[1], 1);

    h.n = 0;
    hstr(&h, "tx");
    h64(&h, 1000);
    h16(&h, 2);
    h8(&h, 1);
    kafka_end_txn_req et;
    kafka_reader_init(&r, h.b, h.n);
    ok(kafka_end_txn_req_decode(&et, &a, &r, 1));
    assert_true(et.committed);
    kafka_arena_free(&a);
}

static void consumer_protocol_payloads_round_trip(void **state)
{
    (void)state;
    kafka_arena a;
    kafka_arena_init(&a, 0);
    kafka_writer w;
    kafka_writer_init(&w);
    kafka_str topics[] = {S("orders"), S("payments")};
    int32_t parts[] = {0, 2};
    kafka_consumer_topic_partitions owned = {S("orders"), {parts, 2}};
    kafka_consumer_subscription s = {0,           {topics, 2}, KAFKA_BYTES_NULL,
                                     {&owned, 1}, 7,           S("rack-a")};
    for (int16_t v = 0; v <= 3; v++) {
        kafka_writer_reset(&w);
        ok(kafka_consumer_subscription_encode(&w, &s, v));
        kafka_consumer_subscription back;
        ok(kafka_consumer_subscription_decode(&back, &a, w.buf, w.len));
        assert_int_equal(back.version, v);
        assert_int_equal(back.topics.n, 2);
        assert_true(kafka_str_eq(back.topics.v[1], "payments"));
        assert_int_equal(back.user_data.len, -1);
        assert_int_equal(back.owned_partitions.n, v >= 1 ? 1 : 0);
        assert_int_equal(back.generation_id, v >= 2 ? 7 : -1);
        if (v >= 3)
            assert_true(kafka_str_eq(back.rack_id, "rack-a"));
        else
            assert_int_equal(back.rack_id.len, -1);
    }
    /* Hand-built v0, as librdkafka writes it. */
    hb h = {{0}, 0};
    h16(&h, 0);
    h32(&h, 1);
    hstr(&h, "orders");
    h32(&h, -1);
    kafka_writer_reset(&w);
    s.topics.n = 1;
    ok(kafka_consumer_subscription_encode(&w, &s, 0));
    expect(&w, &h);
    /* A newer version parses as v3, trailing fields ignored. */
    h.n = 0;
    h16(&h, 9);
    h32(&h, 1);
    hstr(&h, "orders");
    h32(&h, -1);
    h32(&h, 0);
    h32(&h, 5);
    hstr(&h, NULL);
    hraw(&h, "future", 6);
    kafka_consumer_subscription back;
    ok(kafka_consumer_subscription_decode(&back, &a, h.b, h.n));
    assert_int_equal(back.version, 9);
    assert_int_equal(back.generation_id, 5);
    h.b[0] = 0xff;
    fails(KAFKA_ERR_INVALID,
          kafka_consumer_subscription_decode(&back, &a, h.b, h.n));
    fails(KAFKA_ERR_UNSUPPORTED_VERSION,
          kafka_consumer_subscription_encode(&w, &s, 4));

    kafka_consumer_assignment as = {0, {&owned, 1}, {(const uint8_t *)"u", 1}};
    kafka_writer_reset(&w);
    ok(kafka_consumer_assignment_encode(&w, &as, 1));
    h.n = 0;
    h16(&h, 1);
    h32(&h, 1);
    hstr(&h, "orders");
    h32(&h, 2);
    h32(&h, 0);
    h32(&h, 2);
    hbytes(&h, "u", 1);
    expect(&w, &h);
    kafka_consumer_assignment asb;
    ok(kafka_consumer_assignment_decode(&asb, &a, w.buf, w.len));
    assert_int_equal(asb.assigned_partitions.v[0].partitions.v[1], 2);
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
        cmocka_unit_test(unsupported_versions_are_refused),
        cmocka_unit_test(api_versions_responses_match_bytes),
        cmocka_unit_test(api_versions_v3_request_frame_decodes),
        cmocka_unit_test(metadata_v8_response_matches_bytes),
        cmocka_unit_test(metadata_requests_null_and_empty_topics),
        cmocka_unit_test(produce_v3_request_decodes_from_bytes),
        cmocka_unit_test(produce_v8_response_matches_bytes),
        cmocka_unit_test(fetch_requests_decode_from_bytes),
        cmocka_unit_test(fetch_v11_response_matches_bytes),
        cmocka_unit_test(list_offsets_v5_response_matches_bytes),
        cmocka_unit_test(group_responses_match_bytes),
        cmocka_unit_test(group_requests_decode_from_bytes),
        cmocka_unit_test(admin_responses_match_bytes),
        cmocka_unit_test(txn_and_sasl_responses_match_bytes),
        cmocka_unit_test(txn_requests_decode_from_bytes),
        cmocka_unit_test(consumer_protocol_payloads_round_trip),
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
