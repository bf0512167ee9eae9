/*
 * test_kafka_bytes.c -- one response per API (and the requests a broker
 * sees most) against bytes written out by hand from Kafka's message
 * definitions, field by field; the ApiVersions answer to a version we
 * do not support; the consumer protocol's payloads.
 */
#include "kafka_support.h"

#include "../kafka/msg_admin.h"
#include "../kafka/msg_core.h"
#include "../kafka/msg_group.h"
#include "../kafka/msg_txn.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
