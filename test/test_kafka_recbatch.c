/*
 * test_kafka_recbatch.c -- RecordBatch v2 and its compression: round
 * trips (null and empty keys, values and header values kept apart),
 * every codec decoded from data this test compresses with the libraries
 * themselves (snappy raw and xerial-framed, lz4 with the old clients'
 * broken header checksum), CRC and count and length checks, bombs
 * bounded.
 *
 * With KAFKA_BENCH=1 in the environment, also measures encoding and
 * decoding of 100-byte records and prints records per second.
 */
#include "kafka_support.h"

#include <time.h>

#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "../kafka/compress.h"
#include "../kafka/recbatch.h"
#include "crc.h"

#define B(s) ((kafka_bytes){(const uint8_t *)(s), (int32_t)sizeof(s) - 1})

static const kafka_record_header hdrs[] = {
    {{"trace", 5}, {(const uint8_t *)"abc", 3}},
    {{"nullv", 5}, {NULL, -1}},
    {{"empty", 5}, {(const uint8_t *)"", 0}},
};

/* Six records covering null/empty keys and values and header values. */
static void sample(kafka_record *r, int64_t base)
{
    memset(r, 0, 6 * sizeof *r);
    for (int i = 0; i < 6; i++) {
        r[i].offset = base + i;
        r[i].timestamp = 1700000000000 + (i % 3) * 1000 - i;
    }
    r[0].key = B("k0");
    r[0].value = B("v0");
    r[1].key = KAFKA_BYTES_NULL;
    r[1].value = B("null key");
    r[2].key = B("");
    r[2].value = KAFKA_BYTES_NULL;
    r[3].key = B("empty value");
    r[3].value = B("");
    r[4].key = KAFKA_BYTES_NULL;
    r[4].value = KAFKA_BYTES_NULL;
    r[4].headers = hdrs;
    r[4].header_count = 3;
    r[5].key = B("k5");
    r[5].value = B("a longer value, repeated, repeated, repeated, repeated");
}

static void same_bytes(kafka_bytes a, kafka_bytes b)
{
    assert_int_equal(a.len, b.len);
    if (a.len < 0) {
        assert_null(b.ptr);
    } else if (a.len > 0) {
        assert_memory_equal(a.ptr, b.ptr, (size_t)a.len);
    }
}

static void check_records(const kafka_batch *b, const kafka_record *want,
                          int32_t n)
{
    assert_int_equal(b->count, n);
    for (int32_t i = 0; i < n; i++) {
        const kafka_record *r = &b->records[i];
        assert_int_equal(r->offset, want[i].offset);
        assert_int_equal(r->timestamp, want[i].timestamp);
        same_bytes(r->key, want[i].key);
        same_bytes(r->value, want[i].value);
        assert_int_equal(r->header_count, want[i].header_count);
        for (int32_t j = 0; j < r->header_count; j++) {
            assert_int_equal(r->headers[j].key.len, want[i].headers[j].key.len);
            assert_memory_equal(r->headers[j].key.ptr,
                                want[i].headers[j].key.ptr,
                                (size_t)r->headers[j].key.len);
            same_bytes(r->headers[j].value, want[i].headers[j].value);
        }
    }
}

/* Decodes a blob expected to hold exactly one batch. */
static int decode_one(kafka_batch *out, kafka_arena *a, const uint8_t *p,
                      size_t n)
{
    kafka_batch *bs;
    int32_t count;
    int rc = kafka_records_decode(&bs, &count, a, p, n, 1 << 20);
    if (rc == 0) {
        assert_int_equal(count, 1);
        *out = bs[0];
    }
    return rc;
}

static void crc32c_matches_the_check_value(void **state)
{
    (void)state;
    assert_true(crc32c(0, "123456789", 9) == 0xe3069283u);
}

static void batch_round_trips_null_and_empty_apart(void **state)
{
    (void)state;
    kafka_record recs[6];
    sample(recs, 1000);
    kafka_batch_meta m;
    kafka_batch_meta_init(&m, 1000);
    m.producer_id = 77;
    m.producer_epoch = 3;
    m.base_sequence = 12;
    m.partition_leader_epoch = 5;
    kafka_writer w;
    kafka_writer_init(&w);
    ok(kafka_batch_encode(&w, &m, recs, 6));
    kafka_arena a;
    kafka_arena_init(&a, 0);
    kafka_batch b;
    ok(decode_one(&b, &a, w.buf, w.len));
    assert_int_equal(b.h.base_offset, 1000);
    assert_int_equal(b.h.magic, 2);
    assert_int_equal(b.h.last_offset_delta, 5);
    assert_int_equal(b.h.first_timestamp, recs[0].timestamp);
    assert_int_equal(b.h.max_timestamp, 1700000002000 - 2);
    assert_int_equal(b.h.producer_id, 77);
    assert_int_equal(b.h.producer_epoch, 3);
    assert_int_equal(b.h.base_sequence, 12);
    assert_int_equal(b.h.partition_leader_epoch, 5);
    assert_int_equal(b.compression, 0);
    assert_int_equal(b.h.batch_length, (int32_t)w.len - 12);
    check_records(&b, recs, 6);
    /* Views point into the blob: nothing was copied. */
    assert_true(b.records[0].key.ptr > w.buf &&
                b.records[0].key.ptr < w.buf + w.len);
    kafka_arena_free(&a);
    kafka_writer_free(&w);
}

static void batch_header_layout_is_kafkas(void **state)
{
    (void)state;
    kafka_record r = {5, 1000, B("k"), B("v"), NULL, 0};
    kafka_batch_meta m;
    kafka_batch_meta_init(&m, 5);
    kafka_writer w;
    kafka_writer_init(&w);
    ok(kafka_batch_encode(&w, &m, &r, 1));
    /* One record: length 8? attrs 0, ts delta 0, offset delta 0, key 1 "k",
     * value 1 "v", 0 headers: body = 1+1+1+1+1+1+1+1 = 8 bytes. */
    static const uint8_t rec[] = {0x10, 0, 0, 0, 0x02, 'k', 0x02, 'v', 0};
    static const uint8_t head[] = {
        0,    0,    0,    0,      0, 0, 0, 5, /* base offset */
        0,    0,    0,    49 + 9,             /* batch length */
        0xff, 0xff, 0xff, 0xff,               /* leader epoch */
        2,                                    /* magic */
    };
    assert_int_equal(w.len, 61 + sizeof rec);
    assert_memory_equal(w.buf, head, sizeof head);
    assert_memory_equal(w.buf + 61, rec, sizeof rec);
    uint32_t crc = crc32c(0, w.buf + 21, w.len - 21);
    assert_int_equal(w.buf[17], crc >> 24);
    assert_int_equal(w.buf[20], crc & 0xff);
    static const uint8_t tail[] = {
        0,    0,                                        /* attributes */
        0,    0,    0,    0,                            /* last delta */
        0,    0,    0,    0,    0,    0,    0x03, 0xe8, /* first ts */
        0,    0,    0,    0,    0,    0,    0x03, 0xe8, /* max ts */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* producer */
        0xff, 0xff,                                     /* epoch */
        0xff, 0xff, 0xff, 0xff,                         /* sequence */
        0,    0,    0,    1,                            /* count */
    };
    assert_memory_equal(w.buf + 21, tail, sizeof tail);
    kafka_writer_free(&w);
}

static void every_byte_change_or_cut_is_caught(void **state)
{
    (void)state;
    kafka_record recs[6];
    sample(recs, 0);
    kafka_batch_meta m;
    kafka_batch_meta_init(&m, 0);
    kafka_writer w;
    kafka_writer_init(&w);
    ok(kafka_batch_encode(&w, &m, recs, 6));
    kafka_arena a;
    kafka_arena_init(&a, 1 << 20);
    kafka_batch b;
    /* The CRC covers attributes to the end: any flip there is caught. */
    for (size_t i = 17; i < w.len; i++) {
        w.buf[i] ^= 0x40;
        fails(KAFKA_ERR_CORRUPT, decode_one(&b, &a, w.buf, w.len));
        w.buf[i] ^= 0x40;
        kafka_arena_reset(&a);
    }
    /* Every cut is an error, read from an exact-size copy. */
    for (size_t k = 1; k < w.len; k++) {
        uint8_t *cut = malloc(k);
        memcpy(cut, w.buf, k);
        assert_true(decode_one(&b, &a, cut, k) < 0);
        free(cut);
        kafka_arena_reset(&a);
    }
    kafka_arena_free(&a);
    kafka_writer_free(&w);
}

/* Rewrites the CRC after a test edits a batch's bytes. */
static void reseal(uint8_t *p, size_t len)
{
    uint32_t crc = crc32c(0, p + 21, len - 21);
    p[17] = (uint8_t)(crc >> 24);
    p[18] = (uint8_t)(crc >> 16);
    p[19] = (uint8_t)(crc >> 8);
    p[20] = (uint8_t)crc;
}

static void counts_lengths_and_magic_are_checked(void **state)
{
    (void)state;
    kafka_record recs[6];
    sample(recs, 0);
    kafka_batch_meta m;
    kafka_batch_meta_init(&m, 0);
    kafka_writer w;
    kafka_writer_init(&w);
    ok(kafka_batch_encode(&w, &m, recs, 6));
    kafka_arena a;
    kafka_arena_init(&a, 1 << 20);
    kafka_batch b;
    /* Record count one more, one fewer, huge, negative. */
    static const uint8_t counts[][4] = {
        {0, 0, 0, 7}, {0, 0, 0, 5}, {0x7f, 0xff, 0xff, 0xff}, {0xff, 0, 0, 0}};
    for (size_t i = 0; i < 4; i++) {
        memcpy(w.buf + 57, counts[i], 4);
        reseal(w.buf, w.len);
        fails(KAFKA_ERR_CORRUPT, decode_one(&b, &a, w.buf, w.len));
    }
    memcpy(w.buf + 57, "\0\0\0\6", 4);
    reseal(w.buf, w.len);
    ok(decode_one(&b, &a, w.buf, w.len));
    /* The first record's key length (after its length, attributes, two
     * deltas) claims more than the record holds. */
    w.buf[61 + 4] = 0x7e; /* zigzag 63 */
    reseal(w.buf, w.len);
    fails(KAFKA_ERR_CORRUPT, decode_one(&b, &a, w.buf, w.len));
    w.buf[61 + 4] = 0x04;
    /* A batch length past the bytes, and one below the header. */
    w.buf[11]++;
    fails(KAFKA_ERR_TRUNCATED, decode_one(&b, &a, w.buf, w.len));
    w.buf[11]--;
    uint8_t save[4];
    memcpy(save, w.buf + 8, 4);
    memcpy(w.buf + 8, "\0\0\0\x10", 4);
    fails(KAFKA_ERR_INVALID, decode_one(&b, &a, w.buf, w.len));
    memcpy(w.buf + 8, save, 4);
    /* Magic 0 and 1 are message sets of old clients; 3 is unknown. */
    w.buf[16] = 1;
    fails(KAFKA_ERR_OLD_FORMAT, decode_one(&b, &a, w.buf, w.len));
    w.buf[16] = 0;
    fails(KAFKA_ERR_OLD_FORMAT, decode_one(&b, &a, w.buf, w.len));
    w.buf[16] = 3;
    fails(KAFKA_ERR_INVALID, decode_one(&b, &a, w.buf, w.len));
    w.buf[16] = 2;
    /* An unknown compression codec. */
    w.buf[22] |= 5;
    reseal(w.buf, w.len);
    fails(KAFKA_ERR_UNSUPPORTED, decode_one(&b, &a, w.buf, w.len));
    kafka_arena_free(&a);
    kafka_writer_free(&w);
}

/* ---- compression, done here with the libraries themselves ---- */

static size_t test_gzip(uint8_t *out, size_t cap, const uint8_t *in, size_t n)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(
        deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t len = cap - zs.avail_out;
    deflateEnd(&zs);
    return len;
}

static size_t test_snappy_raw(uint8_t *out, size_t cap, const uint8_t *in,
                              size_t n)
{
    size_t len = cap;
    assert_int_equal(snappy_compress((const char *)in, n, (char *)out, &len),
                     SNAPPY_OK);
    return len;
}

/* xerial framing as the Java client writes it, with small blocks so
 * there are several. */
static size_t test_snappy_xerial(uint8_t *out, size_t cap, const uint8_t *in,
                                 size_t n)
{
    static const uint8_t head[16] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0,
                                     0,    0,   0,   1,   0,   0,   0,   1};
    memcpy(out, head, 16);
    size_t pos = 16;
    for (size_t i = 0; i < n; i += 64) {
        size_t chunk = n - i < 64 ? n - i : 64;
        size_t len = cap - pos - 4;
        assert_int_equal(snappy_compress((const char *)in + i, chunk,
                                         (char *)out + pos + 4, &len),
                         SNAPPY_OK);
        out[pos] = (uint8_t)(len >> 24);
        out[pos + 1] = (uint8_t)(len >> 16);
        out[pos + 2] = (uint8_t)(len >> 8);
        out[pos + 3] = (uint8_t)len;
        pos += 4 + len;
    }
    return pos;
}

static size_t test_lz4(uint8_t *out, size_t cap, const uint8_t *in, size_t n)
{
    size_t len = LZ4F_compressFrame(out, cap, in, n, NULL);
    assert_false(LZ4F_isError(len));
    return len;
}

static size_t test_zstd(uint8_t *out, size_t cap, const uint8_t *in, size_t n)
{
    size_t len = ZSTD_compress(out, cap, in, n, 1);
    assert_false(ZSTD_isError(len));
    return len;
}

/* XXH32 of a short input, written out here to forge old-client LZ4
 * headers (and checked against LZ4F's own header checksums first). */
static uint32_t test_xxh32(const uint8_t *p, size_t len)
{
    const uint32_t p1 = 2654435761u, p2 = 2246822519u, p3 = 3266489917u,
                   p4 = 668265263u, p5 = 374761393u;
    uint32_t h = p5 + (uint32_t)len;
    size_t i = 0;
    for (; i + 4 <= len; i += 4) {
        uint32_t k;
        memcpy(&k, p + i, 4); /* little-endian machine */
        h += k * p3;
        h = (h << 17 | h >> 15) * p4;
    }
    for (; i < len; i++) {
        h += p[i] * p5;
        h = (h << 11 | h >> 21) * p1;
    }
    h ^= h >> 15;
    h *= p2;
    h ^= h >> 13;
    h *= p3;
    h ^= h >> 16;
    return h;
}

/* Replaces the batch's record section by its compression with fn. */
static void compress_batch(kafka_writer *w, int codec,
                           size_t (*fn)(uint8_t *, size_t, const uint8_t *,
                                        size_t))
{
    size_t n = w->len - 61;
    size_t cap = n * 2 + 1024;
    uint8_t *tmp = malloc(cap);
    size_t len = fn(tmp, cap, w->buf + 61, n);
    w->len = 61;
    kafka_write_raw(w, tmp, len);
    free(tmp);
    uint32_t bl = (uint32_t)(w->len - 12);
    w->buf[8] = (uint8_t)(bl >> 24);
    w->buf[9] = (uint8_t)(bl >> 16);
    w->buf[10] = (uint8_t)(bl >> 8);
    w->buf[11] = (uint8_t)bl;
    w->buf[22] = (uint8_t)((w->buf[22] & ~7) | codec);
    reseal(w->buf, w->len);
}

static void every_codec_decodes(void **state)
{
    (void)state;
    static const struct {
        int codec;
        size_t (*fn)(uint8_t *, size_t, const uint8_t *, size_t);
    } cases[] = {
        {KAFKA_COMPRESSION_GZIP, test_gzip},
        {KAFKA_COMPRESSION_SNAPPY, test_snappy_raw},
        {KAFKA_COMPRESSION_SNAPPY, test_snappy_xerial},
        {KAFKA_COMPRESSION_LZ4, test_lz4},
        {KAFKA_COMPRESSION_ZSTD, test_zstd},
    };
    kafka_record recs[6];
    sample(recs, 50);
    kafka_batch_meta m;
    kafka_batch_meta_init(&m, 50);
    kafka_arena a;
    kafka_arena_init(&a, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kafka_writer w;
        kafka_writer_init(&w);
        ok(kafka_batch_encode(&w, &m, recs, 6));
        compress_batch(&w, cases[i].codec, cases[i].fn);
        kafka_batch b;
        ok(decode_one(&b, &a, w.buf, w.len));
        assert_int_equal(b.compression, cases[i].codec);
        check_records(&b, recs, 6);
        /* Cut the compressed data short (fixing length and CRC): the
         * codec must notice. */
        w.len -= 3;
        uint32_t bl = (uint32_t)(w.len - 12);
        w.buf[11] = (uint8_t)bl;
        w.buf[10] = (uint8_t)(bl >> 8);
        reseal(w.buf, w.len);
        assert_true(decode_one(&b, &a, w.buf, w.len) < 0);
        kafka_writer_free(&w);
    }
    /* And our own compressors, through the builder. */
    for (int codec = 1; codec <= 4; codec++) {
        kafka_writer w;
        kafka_writer_init(&w);
        kafka_batch_builder bb;
        ok(kafka_batch_begin(&bb, &w, &m));
        for (int i = 0; i < 6; i++)
            ok(kafka_batch_add(&bb, &recs[i]));
        ok(kafka_batch_finish(&bb, codec));
        kafka_batch b;
        ok(decode_one(&b, &a, w.buf, w.len));
        assert_int_equal(b.compression, codec);
        check_records(&b, recs, 6);
        kafka_writer_free(&w);
    }
    kafka_arena_free(&a);
}

static void old_clients_lz4_header_checksum_is_tolerated(void **state)
{
    (void)state;
    kafka_record recs[6];
    sample(recs, 0);
    kafka_batch_meta m;
    kafka_batch_meta_init(&m, 0);
    kafka_writer w;
    kafka_writer_init(&w);
    ok(kafka_batch_encode(&w, &m, recs, 6));
    compress_batch(&w, KAFKA_COMPRESSION_LZ4, test_lz4);
    uint8_t *f = w.buf + 61;
    /* LZ4F's default frame: magic, FLG, BD, HC (no size, no dict). */
    assert_int_equal(f[4] & 0x09, 0);
    assert_int_equal(f[6], (test_xxh32(f + 4, 2) >> 8) & 0xff);
    f[6] = (uint8_t)(test_xxh32(f, 6) >> 8); /* over the magic too */
    reseal(w.buf, w.len);
    kafka_arena a;
    kafka_arena_init(&a, 0);
    kafka_batch b;
    ok(decode_one(&b, &a, w.buf, w.len));
    check_records(&b, recs, 6);
    /* Any other wrong checksum is still refused. */
    f[6] ^= 0x01;
    reseal(w.buf, w.len);
    fails(KAFKA_ERR_CORRUPT, decode_one(&b, &a, w.buf, w.len));
    kafka_arena_free(&a);
    kafka_writer_free(&w);
}

static void decompression_bombs_are_bounded(void **state)
{
    (void)state;
    size_t n = 32u << 20; /* 32 MiB of zeros */
    uint8_t *zeros = calloc(1, n);
    size_t cap = snappy_max_compressed_length(n) + ZSTD_compressBound(n);
    uint8_t *c = malloc(cap);
    const size_t limit = 1 << 20;
    for (int codec = 1; codec <= 4; codec++) {
        size_t len = codec == 1   ? test_gzip(c, cap, zeros, n)
                     : codec == 3 ? test_lz4(c, cap, zeros, n)
                     : codec == 4 ? test_zstd(c, cap, zeros, n)
                                  : test_snappy_raw(c, cap, zeros, n);
        kafka_writer w;
        kafka_writer_init(&w);
        fails(KAFKA_ERR_TOO_LARGE, kafka_decompress(&w, codec, c, len, limit));
        assert_int_equal(w.len, 0);
        /* The buffer never grew far past the limit. */
        assert_true(w.cap <= 4 * limit);
        /* Under a big enough limit, the same input decodes in full. */
        ok(kafka_decompress(&w, codec, c, len, n));
        assert_int_equal(w.len, n);
        kafka_writer_free(&w);
    }
    /* Through the batch decoder: a batch whose records are a bomb. */
    kafka_record r = {0, 0, KAFKA_BYTES_NULL, {zeros, 4 << 20}, NULL, 0};
    kafka_batch_meta m;
    kafka_batch_meta_init(&m, 0);
    kafka_writer w;
    kafka_writer_init(&w);
    ok(kafka_batch_encode(&w, &m, &r, 1));
    compress_batch(&w, KAFKA_COMPRESSION_ZSTD, test_zstd);
    assert_true(w.len < 4096);
    kafka_arena a;
    kafka_arena_init(&a, 0);
    kafka_batch *bs;
    int32_t count;
    fails(KAFKA_ERR_TOO_LARGE,
          kafka_records_decode(&bs, &count, &a, w.buf, w.len, 1 << 20));
    assert_true(a.total < (1 << 20));
    kafka_arena_free(&a);
    kafka_writer_free(&w);
    free(c);
    free(zeros);
}

static void garbage_is_corrupt_for_every_codec(void **state)
{
    (void)state;
    static const uint8_t junk[] = "this is not compressed at all, not one bit";
    for (int codec = 1; codec <= 4; codec++) {
        kafka_writer w;
        kafka_writer_init(&w);
        assert_true(kafka_decompress(&w, codec, junk, sizeof junk, 1 << 20) <
                    0);
        assert_int_equal(w.len, 0);
        fails(KAFKA_ERR_CORRUPT, kafka_decompress(&w, codec, junk, 0, 100));
        kafka_writer_free(&w);
    }
    kafka_writer w;
    kafka_writer_init(&w);
    fails(KAFKA_ERR_UNSUPPORTED, kafka_decompress(&w, 7, junk, 4, 100));
    fails(KAFKA_ERR_UNSUPPORTED, kafka_compress(&w, 0, junk, 4));
    kafka_writer_free(&w);
}

static void concatenated_batches_decode_in_order(void **state)
{
    (void)state;
    kafka_record recs[6];
    kafka_writer w;
    kafka_writer_init(&w);
    for (int i = 0; i < 3; i++) {
        sample(recs, i * 6);
        kafka_batch_meta m;
        kafka_batch_meta_init(&m, i * 6);
        kafka_batch_builder bb;
        ok(kafka_batch_begin(&bb, &w, &m));
        for (int j = 0; j < 6; j++)
            ok(kafka_batch_add(&bb, &recs[j]));
        ok(kafka_batch_finish(&bb, i == 1 ? KAFKA_COMPRESSION_ZSTD : 0));
    }
    ok(kafka_batch_encode_control(&w, 18, 99, 1, true, 4, 1700000000000));
    kafka_arena a;
    kafka_arena_init(&a, 0);
    kafka_batch *bs;
    int32_t count;
    ok(kafka_records_decode(&bs, &count, &a, w.buf, w.len, 0));
    assert_int_equal(count, 4);
    for (int i = 0; i < 3; i++) {
        sample(recs, i * 6);
        check_records(&bs[i], recs, 6);
    }
    assert_int_equal(bs[1].compression, KAFKA_COMPRESSION_ZSTD);
    assert_true(bs[3].h.attributes & KAFKA_ATTR_CONTROL);
    assert_true(bs[3].h.attributes & KAFKA_ATTR_TRANSACTIONAL);
    assert_int_equal(bs[3].h.producer_id, 99);
    bool commit = false;
    ok(kafka_control_record_parse(&bs[3].records[0], &commit));
    assert_true(commit);
    assert_int_equal(bs[3].records[0].offset, 18);
    /* An abort marker, and a non-marker. */
    kafka_writer_reset(&w);
    ok(kafka_batch_encode_control(&w, 0, 99, 1, false, 4, 0));
    ok(kafka_records_decode(&bs, &count, &a, w.buf, w.len, 0));
    ok(kafka_control_record_parse(&bs[0].records[0], &commit));
    assert_false(commit);
    kafka_record plain = {0, 0, B("k"), B("v"), NULL, 0};
    fails(KAFKA_ERR_INVALID, kafka_control_record_parse(&plain, &commit));
    /* An empty blob holds no batches; a stray byte is an error. */
    ok(kafka_records_decode(&bs, &count, &a, w.buf, 0, 0));
    assert_int_equal(count, 0);
    kafka_write_i8(&w, 0);
    fails(KAFKA_ERR_TRUNCATED,
          kafka_records_decode(&bs, &count, &a, w.buf, w.len, 0));
    kafka_arena_free(&a);
    kafka_writer_free(&w);
}

static void builder_refuses_what_it_cannot_encode(void **state)
{
    (void)state;
    kafka_batch_meta m;
    kafka_batch_meta_init(&m, 100);
    kafka_writer w;
    kafka_writer_init(&w);
    kafka_batch_builder bb;
    ok(kafka_batch_begin(&bb, &w, &m));
    fails(KAFKA_ERR_INVALID, kafka_batch_finish(&bb, 0)); /* empty */
    kafka_writer_free(&w);
    kafka_writer_init(&w);
    ok(kafka_batch_begin(&bb, &w, &m));
    kafka_record before = {99, 0, B("k"), B("v"), NULL, 0};
    fails(KAFKA_ERR_INVALID, kafka_batch_add(&bb, &before));
    fails(KAFKA_ERR_INVALID, kafka_batch_finish(&bb, 0)); /* sticky */
    kafka_writer_free(&w);
    kafka_writer_init(&w);
    ok(kafka_batch_begin(&bb, &w, &m));
    /* An offset so far above the base that the delta would overflow. */
    kafka_batch_meta far;
    kafka_batch_meta_init(&far, INT64_MIN);
    ok(kafka_batch_begin(&bb, &w, &far));
    kafka_record top = {INT64_MAX, 0, B("k"), B("v"), NULL, 0};
    fails(KAFKA_ERR_INVALID, kafka_batch_add(&bb, &top));
    kafka_writer_free(&w);
    kafka_writer_init(&w);
    ok(kafka_batch_begin(&bb, &w, &m));
    kafka_record_header nullkey = {{NULL, -1}, {NULL, -1}};
    kafka_record bad = {100, 0, B("k"), B("v"), &nullkey, 1};
    fails(KAFKA_ERR_INVALID, kafka_batch_add(&bb, &bad));
    kafka_writer_free(&w);
}

/* ---- measurement (KAFKA_BENCH=1) ---- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void bench_encode_and_decode(void **state)
{
    (void)state;
    enum { PER_BATCH = 1000, BATCHES = 5000 };
    static uint8_t value[100];
    uint64_t seed = 1;
    fill_random(value, sizeof value, &seed);
    kafka_record r = {0, 1700000000000, KAFKA_BYTES_NULL, {value, 100}, NULL,
                      0};
    kafka_writer w;
    kafka_writer_init(&w);
    kafka_batch_meta m;
    kafka_batch_meta_init(&m, 0);
    double t0 = now_s();
    for (int b = 0; b < BATCHES; b++) {
        kafka_writer_reset(&w);
        m.base_offset = (int64_t)b * PER_BATCH;
        kafka_batch_builder bb;
        kafka_batch_begin(&bb, &w, &m);
        for (int i = 0; i < PER_BATCH; i++) {
            r.offset = m.base_offset + i;
            r.timestamp = 1700000000000 + i;
            kafka_batch_add(&bb, &r);
        }
        ok(kafka_batch_finish(&bb, 0));
    }
    double enc = now_s() - t0;
    kafka_arena a;
    kafka_arena_init(&a, 0);
    t0 = now_s();
    for (int b = 0; b < BATCHES; b++) {
        kafka_batch *bs;
        int32_t count;
        ok(kafka_records_decode(&bs, &count, &a, w.buf, w.len, 0));
        kafka_arena_reset(&a);
    }
    double dec = now_s() - t0;
    double n = (double)PER_BATCH * BATCHES;
    printf("RecordBatch, 100-byte values, %d records a batch:\n"
           "  encode %.2f M records/s (%.0f MB/s)\n"
           "  decode %.2f M records/s (%.0f MB/s, CRC included)\n",
           PER_BATCH, n / enc / 1e6, (double)w.len * BATCHES / enc / 1e6,
           n / dec / 1e6, (double)w.len * BATCHES / dec / 1e6);
    kafka_arena_free(&a);
    kafka_writer_free(&w);
}

/* ---- the fuzzer's seeds (KAFKA_WRITE_CORPUS=dir) ---- */

static void seed_file(const char *dir, const char *name, int mode,
                      const uint8_t *p, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputc(mode, f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
}

static void write_corpus(void **state)
{
    (void)state;
    const char *dir = getenv("KAFKA_WRITE_CORPUS");
    static const char *names[] = {"none", "gzip", "snappy", "lz4", "zstd"};
    kafka_record recs[6];
    sample(recs, 0);
    kafka_batch_meta m;
    kafka_batch_meta_init(&m, 0);
    kafka_writer all;
    kafka_writer_init(&all);
    for (int codec = 0; codec <= 4; codec++) {
        kafka_writer w;
        kafka_writer_init(&w);
        kafka_batch_builder bb;
        ok(kafka_batch_begin(&bb, &w, &m));
        for (int i = 0; i < 6; i++)
            ok(kafka_batch_add(&bb, &recs[i]));
        ok(kafka_batch_finish(&bb, codec));
        char name[64];
        snprintf(name, sizeof name, "batch-%s", names[codec]);
        seed_file(dir, name, 0, w.buf, w.len);
        kafka_write_raw(&all, w.buf, w.len);
        if (codec) {
            snprintf(name, sizeof name, "raw-%s", names[codec]);
            seed_file(dir, name, codec, w.buf + 61, w.len - 61);
        }
        kafka_writer_free(&w);
    }
    ok(kafka_batch_encode_control(&all, 6, 5, 0, true, 1, 0));
    seed_file(dir, "batches-all", 0, all.buf, all.len);
    seed_file(dir, "resealed-batches-all", 5, all.buf, all.len);
    kafka_writer_reset(&all);
    ok(kafka_batch_encode(&all, &m, recs, 6));
    compress_batch(&all, KAFKA_COMPRESSION_SNAPPY, test_snappy_xerial);
    seed_file(dir, "batch-snappy-xerial", 0, all.buf, all.len);
    kafka_writer_free(&all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc32c_matches_the_check_value),
        cmocka_unit_test(batch_round_trips_null_and_empty_apart),
        cmocka_unit_test(batch_header_layout_is_kafkas),
        cmocka_unit_test(every_byte_change_or_cut_is_caught),
        cmocka_unit_test(counts_lengths_and_magic_are_checked),
        cmocka_unit_test(every_codec_decodes),
        cmocka_unit_test(old_clients_lz4_header_checksum_is_tolerated),
        cmocka_unit_test(decompression_bombs_are_bounded),
        cmocka_unit_test(garbage_is_corrupt_for_every_codec),
        cmocka_unit_test(concatenated_batches_decode_in_order),
        cmocka_unit_test(builder_refuses_what_it_cannot_encode),
    };
    const struct CMUnitTest bench[] = {
        cmocka_unit_test(bench_encode_and_decode),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    const struct CMUnitTest corpus[] = {
        cmocka_unit_test(write_corpus),
    };
    if (getenv("KAFKA_BENCH"))
        failed += cmocka_run_group_tests(bench, NULL, NULL);
    if (getenv("KAFKA_WRITE_CORPUS"))
        failed += cmocka_run_group_tests(corpus, NULL, NULL);
    return failed;
}
