/*
 * test_batch.c -- the record-batch codec, checksums and partitioner hash,
 * without any LMDB.
 */
#include "support.h"

#include <zstd.h>

#include "batch.h"
#include "crc.h"

typedef struct rec {
    const void *key;
    size_t key_len;
    const void *value;
    size_t value_len;
    const rill_header *headers;
    size_t header_count;
    int64_t ts;
} rec;

/* Encodes recs as one batch at base 100 and returns it in out. */
static void encode(rill_buf *out, const rec *recs, size_t n, int compression)
{
    batch_builder b;
    out->len = 0;
    ok(batch_begin(&b, out, recs[0].ts));
    for (size_t i = 0; i < n; i++)
        ok(batch_add(&b, (uint32_t)i, recs[i].ts, recs[i].key,
                     recs[i].key_len, recs[i].value, recs[i].value_len,
                     recs[i].headers, recs[i].header_count));
    ok(batch_finish(&b, compression, 3, NULL, 0));
    batch_seal(out->data, out->len, 100, 0);
}

/* Decodes out and checks every record against recs. */
static void check_decode(const rill_buf *in, const rec *recs, size_t n)
{
    batch_header h;
    const uint8_t *raw;
    rill_buf scratch = {0};
    batch_iter it;
    batch_record br;
    ok(batch_parse_header(&h, in->data, in->len, BATCH_RAW_MAX));
    ok(batch_check_crc(&h, in->data, in->len));
    assert_int_equal(h.base_offset, 100);
    assert_int_equal(h.record_count, n);
    assert_int_equal(h.last_offset_delta, n - 1);
    ok(batch_raw(&raw, &h, in->data, &scratch, NULL));
    batch_iter_init(&it, &h, raw);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(batch_iter_next(&it, &br), 1);
        assert_int_equal(br.offset, 100 + (int64_t)i);
        assert_int_equal(br.timestamp, recs[i].ts);
        if (recs[i].key) {
            assert_non_null(br.key);
            assert_int_equal(br.key_len, recs[i].key_len);
            assert_memory_equal(br.key, recs[i].key, recs[i].key_len);
        } else {
            assert_null(br.key);
        }
        if (recs[i].value) {
            assert_non_null(br.value);
            assert_int_equal(br.value_len, recs[i].value_len);
            assert_memory_equal(br.value, recs[i].value, recs[i].value_len);
        } else {
            assert_null(br.value);
        }
        assert_int_equal(br.header_count, recs[i].header_count);
        mpr r;
        mpr_init(&r, br.headers, br.headers_len);
        for (size_t j = 0; j < recs[i].header_count; j++) {
            const uint8_t *k, *v;
            uint32_t kl, vl;
            assert_true(batch_header_next(&r, &k, &kl, &v, &vl));
            assert_int_equal(kl, strlen(recs[i].headers[j].key));
            assert_memory_equal(k, recs[i].headers[j].key, kl);
            assert_int_equal(vl, recs[i].headers[j].value_len);
            assert_memory_equal(v, recs[i].headers[j].value, vl);
        }
    }
    assert_int_equal(batch_iter_next(&it, &br), 0);
    buf_free(&scratch);
}

static void batch_round_trips_nil_empty_and_binary(void **state)
{
    (void)state;
    static const uint8_t bin[] = {0, 1, 0, 0xff, 0xc0, 0};
    rill_header hs[3] = {{"a", "x", 1}, {"", NULL, 0}, {"bin", bin, 6}};
    rec recs[] = {
        {"k", 1, "v", 1, NULL, 0, 1000},
        {NULL, 0, NULL, 0, NULL, 0, 999},  /* no key, tombstone */
        {"", 0, "", 0, NULL, 0, 1005},     /* empty, not nil */
        {bin, sizeof bin, bin, sizeof bin, hs, 3, 1001},
    };
    rill_buf out = {0};
    encode(&out, recs, 4, BATCH_COMPRESSION_NONE);
    check_decode(&out, recs, 4);
    batch_header h;
    ok(batch_parse_header(&h, out.data, out.len, BATCH_RAW_MAX));
    assert_int_equal(h.first_timestamp, 1000);
    assert_int_equal(h.max_timestamp, 1005);
    buf_free(&out);
}

static void batch_compresses_when_it_pays(void **state)
{
    (void)state;
    char json[300];
    rec recs[200];
    for (int i = 0; i < 200; i++) {
        snprintf(json, sizeof json, "{\"order\":%d,\"hub\":\"seoul\"}", i % 7);
        recs[i] = (rec){"order", 5, json, strlen(json), NULL, 0, 5000 + i};
    }
    rill_buf plain = {0}, z = {0};
    encode(&plain, recs, 200, BATCH_COMPRESSION_NONE);
    encode(&z, recs, 200, BATCH_COMPRESSION_ZSTD);
    assert_true(z.len < plain.len / 4);
    assert_int_equal(z.data[9], BATCH_COMPRESSION_ZSTD);
    check_decode(&z, recs, 200);

    /* Random bytes do not compress: stored plain though zstd was asked. */
    uint8_t noise[4096];
    uint64_t seed = 7;
    fill_random(noise, sizeof noise, &seed);
    rec one = {NULL, 0, noise, sizeof noise, NULL, 0, 1};
    encode(&z, &one, 1, BATCH_COMPRESSION_ZSTD);
    assert_int_equal(z.data[9], BATCH_COMPRESSION_NONE);
    check_decode(&z, &one, 1);
    buf_free(&plain);
    buf_free(&z);
}

static void batch_detects_every_single_byte_change(void **state)
{
    (void)state;
    rill_header hs[1] = {{"trace", "abc", 3}};
    rec recs[3] = {{"k1", 2, "hello", 5, hs, 1, 10},
                   {"k2", 2, "world", 5, NULL, 0, 11},
                   {NULL, 0, NULL, 0, NULL, 0, 12}};
    rill_buf out = {0}, scratch = {0};
    encode(&out, recs, 3, BATCH_COMPRESSION_NONE);
    for (size_t i = 0; i < out.len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            out.data[i] ^= (uint8_t)(1 << bit);
            int rc = batch_validate(out.data, out.len, BATCH_RAW_MAX, &scratch);
            assert_true(rc == RILL_ECORRUPT || rc == RILL_EVERSION);
            out.data[i] ^= (uint8_t)(1 << bit);
        }
    }
    ok(batch_validate(out.data, out.len, BATCH_RAW_MAX, &scratch));
    /* Truncated anywhere. */
    for (size_t n = 0; n < out.len; n++)
        assert_int_equal(batch_validate(out.data, n, BATCH_RAW_MAX, &scratch),
                         RILL_ECORRUPT);
    buf_free(&out);
    buf_free(&scratch);
}

static void batch_refuses_unknown_version_and_bad_magic(void **state)
{
    (void)state;
    rec r = {"k", 1, "v", 1, NULL, 0, 1};
    rill_buf out = {0}, scratch = {0};
    batch_header h;
    encode(&out, &r, 1, BATCH_COMPRESSION_NONE);
    out.data[8] = 2;
    batch_seal(out.data, out.len, 100, 0);
    assert_int_equal(batch_parse_header(&h, out.data, out.len, BATCH_RAW_MAX),
                     RILL_EVERSION);
    assert_non_null(strstr(rill_errmsg(), "version 2"));
    out.data[8] = BATCH_VERSION;
    out.data[0] = 'X';
    assert_int_equal(batch_validate(out.data, out.len, BATCH_RAW_MAX, &scratch),
                     RILL_ECORRUPT);
    assert_non_null(strstr(rill_errmsg(), "magic"));
    buf_free(&out);
    buf_free(&scratch);
}

/* A small zstd frame that expands far beyond what the header claims. */
static void batch_refuses_decompression_bombs(void **state)
{
    (void)state;
    size_t big = 8u << 20;
    uint8_t *zeros = calloc(1, big);
    size_t bound = ZSTD_compressBound(big);
    uint8_t *frame = malloc(bound);
    size_t z = ZSTD_compress(frame, bound, zeros, big, 1);
    assert_false(ZSTD_isError(z));
    assert_true(z < 4096);

    /* A batch around that frame whose header claims 100 raw bytes. */
    rill_buf out = {0}, scratch = {0};
    uint8_t *b = calloc(1, BATCH_HEADER_SIZE + z);
    put_be32(b, BATCH_MAGIC);
    b[8] = BATCH_VERSION;
    b[9] = BATCH_COMPRESSION_ZSTD;
    put_be32(b + 20, 0);
    put_be32(b + 24, 1);
    put_be32(b + 52, 100);
    put_be32(b + 56, (uint32_t)z);
    memcpy(b + BATCH_HEADER_SIZE, frame, z);
    batch_seal(b, BATCH_HEADER_SIZE + z, 0, 0);
    assert_int_equal(batch_validate(b, BATCH_HEADER_SIZE + z, BATCH_RAW_MAX,
                                    &scratch),
                     RILL_ECORRUPT);
    assert_true(scratch.cap < 4096); /* never sized from the frame */

    /* The header itself claiming more than the limit is refused before
     * anything is allocated. */
    put_be32(b + 52, BATCH_RAW_MAX + 1);
    batch_seal(b, BATCH_HEADER_SIZE + z, 0, 0);
    assert_int_equal(batch_validate(b, BATCH_HEADER_SIZE + z, BATCH_RAW_MAX,
                                    &scratch),
                     RILL_ECORRUPT);
    free(b);
    free(frame);
    free(zeros);
    buf_free(&out);
    buf_free(&scratch);
}

static void crc_matches_known_check_values(void **state)
{
    (void)state;
    /* The standard check values of each polynomial for "123456789". */
    assert_int_equal(crc32c(0, "123456789", 9), 0xe3069283u);
    assert_int_equal(crc32_ieee(0, "123456789", 9), 0xcbf43926u);
    /* Incremental equals one-shot, across alignments. */
    uint8_t buf[1000];
    uint64_t seed = 3;
    fill_random(buf, sizeof buf, &seed);
    for (size_t cut = 0; cut < 40; cut++)
        assert_int_equal(crc32c(crc32c(0, buf, cut), buf + cut,
                                sizeof buf - cut),
                         crc32c(0, buf, sizeof buf));
}

/* Kafka's UtilsTest.testMurmur2 vectors (clients/src/test/java/org/apache/
 * kafka/common/utils/UtilsTest.java). */
static void murmur2_matches_kafka_vectors(void **state)
{
    (void)state;
    struct {
        const char *key;
        int32_t hash;
    } v[] = {
        {"21", -973932308},
        {"foobar", -790332482},
        {"a-little-bit-long-string", -985981536},
        {"a-little-bit-longer-string", -1486304829},
        {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
        {"abc", 479470107},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        assert_int_equal(rill_murmur2(v[i].key, strlen(v[i].key)), v[i].hash);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(batch_round_trips_nil_empty_and_binary),
        cmocka_unit_test(batch_compresses_when_it_pays),
        cmocka_unit_test(batch_detects_every_single_byte_change),
        cmocka_unit_test(batch_refuses_unknown_version_and_bad_magic),
        cmocka_unit_test(batch_refuses_decompression_bombs),
        cmocka_unit_test(crc_matches_known_check_values),
        cmocka_unit_test(murmur2_matches_kafka_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
