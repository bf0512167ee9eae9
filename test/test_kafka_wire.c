/*
 * test_kafka_wire.c -- the Kafka codec's primitives: integers, varints,
 * strings, bytes, arrays and tagged sections on the wire; the sticky
 * errors of reader and writer; the arena.
 */
#include "support.h"

#include "../kafka/wire.h"

static void reader_of(kafka_reader *r, const void *p, size_t n)
{
    kafka_reader_init(r, p, n);
}

static void integers_are_big_endian(void **state)
{
    (void)state;
    kafka_writer w;
    kafka_writer_init(&w);
    kafka_write_i8(&w, -2);
    kafka_write_i16(&w, 0x1234);
    kafka_write_i32(&w, -2);
    kafka_write_i64(&w, 0x0102030405060708);
    kafka_write_u32(&w, 0xdeadbeef);
    kafka_write_bool(&w, true);
    assert_int_equal(w.err, 0);
    static const uint8_t want[] = {0xfe, 0x12, 0x34, 0xff, 0xff, 0xff, 0xfe,
                                   1,    2,    3,    4,    5,    6,    7,
                                   8,    0xde, 0xad, 0xbe, 0xef, 1};
    assert_int_equal(w.len, sizeof want);
    assert_memory_equal(w.buf, want, sizeof want);
    kafka_reader r;
    reader_of(&r, w.buf, w.len);
    assert_int_equal(kafka_read_i8(&r), -2);
    assert_int_equal(kafka_read_i16(&r), 0x1234);
    assert_int_equal(kafka_read_i32(&r), -2);
    assert_true(kafka_read_i64(&r) == 0x0102030405060708);
    assert_true(kafka_read_u32(&r) == 0xdeadbeef);
    assert_true(kafka_read_bool(&r));
    assert_int_equal(kafka_reader_remaining(&r), 0);
    assert_int_equal(r.err, 0);
    kafka_writer_free(&w);
}

static void varints_round_trip_and_zigzag(void **state)
{
    (void)state;
    static const int64_t vals[] = {0,         1,         -1,        63,
                                   -64,       64,        -65,       300,
                                   INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN};
    kafka_writer w;
    kafka_writer_init(&w);
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        kafka_writer_reset(&w);
        kafka_write_varlong(&w, vals[i]);
        assert_int_equal(w.len, kafka_varlong_size(vals[i]));
        kafka_reader r;
        reader_of(&r, w.buf, w.len);
        assert_true(kafka_read_varlong(&r) == vals[i]);
        assert_int_equal(r.err, 0);
        if (vals[i] >= INT32_MIN && vals[i] <= INT32_MAX) {
            kafka_writer_reset(&w);
            kafka_write_varint(&w, (int32_t)vals[i]);
            assert_int_equal(w.len, kafka_varint_size((int32_t)vals[i]));
            reader_of(&r, w.buf, w.len);
            assert_int_equal(kafka_read_varint(&r), vals[i]);
        }
    }
    /* Known encodings: zigzag -1 is 1, 1 is 2, 300 unsigned is ac 02. */
    kafka_writer_reset(&w);
    kafka_write_varint(&w, -1);
    kafka_write_varint(&w, 1);
    kafka_write_uvarint(&w, 300);
    static const uint8_t want[] = {0x01, 0x02, 0xac, 0x02};
    assert_memory_equal(w.buf, want, sizeof want);
    kafka_writer_free(&w);
}

static void overlong_varints_are_invalid(void **state)
{
    (void)state;
    static const uint8_t six[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    static const uint8_t big5[] = {0xff, 0xff, 0xff, 0xff, 0x7f};
    static const uint8_t eleven[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                     0xff, 0xff, 0xff, 0xff, 0x01};
    kafka_reader r;
    reader_of(&r, six, sizeof six);
    kafka_read_varint(&r);
    assert_int_equal(r.err, KAFKA_ERR_INVALID);
    reader_of(&r, big5, sizeof big5);
    kafka_read_uvarint(&r);
    assert_int_equal(r.err, KAFKA_ERR_INVALID);
    reader_of(&r, eleven, sizeof eleven);
    kafka_read_varlong(&r);
    assert_int_equal(r.err, KAFKA_ERR_INVALID);
    reader_of(&r, six, 3); /* continuation bits but no end */
    kafka_read_varint(&r);
    assert_int_equal(r.err, KAFKA_ERR_TRUNCATED);
}

static void strings_null_empty_and_compact(void **state)
{
    (void)state;
    kafka_writer w;
    kafka_writer_init(&w);
    kafka_write_string(&w, kafka_str_of("hey"), false, false);
    kafka_write_string(&w, KAFKA_STR_NULL, false, true);
    kafka_write_string(&w, kafka_str_of(""), false, false);
    kafka_write_string(&w, kafka_str_of("hey"), true, false);
    kafka_write_string(&w, KAFKA_STR_NULL, true, true);
    kafka_write_bytes(&w, kafka_bytes_of("ab", 2), false, false);
    kafka_write_bytes(&w, KAFKA_BYTES_NULL, false, true);
    kafka_write_bytes(&w, kafka_bytes_of("ab", 2), true, false);
    assert_int_equal(w.err, 0);
    static const uint8_t want[] = {
        0, 3, 'h', 'e', 'y', 0xff, 0xff, 0,    0,    4,    'h', 'e', 'y', 0,
        0, 0, 0,   2,   'a', 'b',  0xff, 0xff, 0xff, 0xff, 3,   'a', 'b'};
    assert_int_equal(w.len, sizeof want);
    assert_memory_equal(w.buf, want, sizeof want);

    kafka_reader r;
    reader_of(&r, w.buf, w.len);
    assert_true(kafka_str_eq(kafka_read_string(&r, false, false), "hey"));
    kafka_str s = kafka_read_string(&r, false, true);
    assert_int_equal(s.len, -1);
    assert_null(s.ptr);
    s = kafka_read_string(&r, false, false);
    assert_int_equal(s.len, 0);
    assert_true(kafka_str_eq(kafka_read_string(&r, true, false), "hey"));
    assert_int_equal(kafka_read_string(&r, true, true).len, -1);
    kafka_bytes b = kafka_read_bytes(&r, false, false);
    assert_int_equal(b.len, 2);
    assert_memory_equal(b.ptr, "ab", 2);
    assert_int_equal(kafka_read_bytes(&r, false, true).len, -1);
    assert_int_equal(kafka_read_bytes(&r, true, false).len, 2);
    assert_int_equal(r.err, 0);
    assert_int_equal(kafka_reader_remaining(&r), 0);
    kafka_writer_free(&w);
}

static void null_where_not_nullable_fails_both_ways(void **state)
{
    (void)state;
    kafka_writer w;
    kafka_writer_init(&w);
    kafka_write_string(&w, KAFKA_STR_NULL, false, false);
    assert_int_equal(w.err, KAFKA_ERR_INVALID);
    kafka_writer_free(&w);
    static const uint8_t null16[] = {0xff, 0xff};
    kafka_reader r;
    reader_of(&r, null16, sizeof null16);
    kafka_read_string(&r, false, false);
    assert_int_equal(r.err, KAFKA_ERR_INVALID);
    static const uint8_t neg[] = {0xff, 0xfe, 'x'};
    reader_of(&r, neg, sizeof neg);
    kafka_read_string(&r, false, true);
    assert_int_equal(r.err, KAFKA_ERR_INVALID);
}

static void errors_are_sticky(void **state)
{
    (void)state;
    static const uint8_t two[] = {0, 5};
    kafka_reader r;
    reader_of(&r, two, sizeof two);
    kafka_read_string(&r, false, false); /* length 5, one byte... none */
    assert_int_equal(r.err, KAFKA_ERR_TRUNCATED);
    assert_non_null(r.why);
    /* Later reads return zero and keep the first error. */
    assert_int_equal(kafka_read_i32(&r), 0);
    kafka_read_varint(&r);
    assert_int_equal(r.err, KAFKA_ERR_TRUNCATED);
    assert_int_equal(kafka_reader_remaining(&r), 0);
    assert_null(kafka_read_raw(&r, 0));

    kafka_writer w;
    kafka_writer_init(&w);
    kafka_writer_fail(&w, KAFKA_ERR_INVALID);
    kafka_write_i32(&w, 1);
    assert_int_equal(w.len, 0);
    assert_int_equal(w.err, KAFKA_ERR_INVALID);
    kafka_writer_free(&w);
}

static void huge_array_counts_fail_before_allocating(void **state)
{
    (void)state;
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff, 1, 2, 3, 4};
    kafka_reader r;
    reader_of(&r, huge, sizeof huge);
    assert_int_equal(kafka_read_array_len(&r, false, false, 4), -1);
    assert_int_equal(r.err, KAFKA_ERR_TRUNCATED);
    /* One 4-byte element fits in the 4 bytes left. */
    static const uint8_t one[] = {0, 0, 0, 1, 1, 2, 3, 4};
    reader_of(&r, one, sizeof one);
    assert_int_equal(kafka_read_array_len(&r, false, false, 4), 1);
    reader_of(&r, one, sizeof one);
    assert_int_equal(kafka_read_array_len(&r, false, false, 5), -1);
    static const uint8_t neg[] = {0xff, 0xff, 0xff, 0xfe};
    reader_of(&r, neg, sizeof neg);
    kafka_read_array_len(&r, false, true, 1);
    assert_int_equal(r.err, KAFKA_ERR_INVALID);
    static const uint8_t null32[] = {0xff, 0xff, 0xff, 0xff};
    reader_of(&r, null32, sizeof null32);
    assert_int_equal(kafka_read_array_len(&r, false, true, 1), -1);
    assert_int_equal(r.err, 0);
    reader_of(&r, null32, sizeof null32);
    kafka_read_array_len(&r, false, false, 1);
    assert_int_equal(r.err, KAFKA_ERR_INVALID);
    /* Compact: 0 is null, n+1 otherwise. */
    static const uint8_t compact[] = {0x00, 0x03, 9, 9};
    reader_of(&r, compact, sizeof compact);
    assert_int_equal(kafka_read_array_len(&r, true, true, 1), -1);
    assert_int_equal(kafka_read_array_len(&r, true, true, 1), 2);
}

static void tagged_sections_are_skipped(void **state)
{
    (void)state;
    /* Two tags: 0 with 3 bytes, 7 with 1 byte; then a marker int8. */
    static const uint8_t tags[] = {2, 0, 3, 'a', 'b', 'c', 7, 1, 'z', 0x42};
    kafka_reader r;
    reader_of(&r, tags, sizeof tags);
    kafka_read_skip_tags(&r);
    assert_int_equal(kafka_read_i8(&r), 0x42);
    assert_int_equal(r.err, 0);
    reader_of(&r, tags, 5); /* cut inside the first tag */
    kafka_read_skip_tags(&r);
    assert_int_equal(r.err, KAFKA_ERR_TRUNCATED);
    kafka_writer w;
    kafka_writer_init(&w);
    kafka_write_empty_tags(&w);
    assert_int_equal(w.len, 1);
    assert_int_equal(w.buf[0], 0);
    kafka_writer_free(&w);
}

static void writer_grows_and_patches(void **state)
{
    (void)state;
    kafka_writer w;
    kafka_writer_init(&w);
    size_t off = w.len;
    kafka_write_i32(&w, 0);
    for (int i = 0; i < 100000; i++)
        kafka_write_i32(&w, i);
    kafka_writer_patch_i32(&w, off, 12345);
    assert_int_equal(w.err, 0);
    assert_int_equal(w.len, 4 + 400000);
    kafka_reader r;
    reader_of(&r, w.buf, w.len);
    assert_int_equal(kafka_read_i32(&r), 12345);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(kafka_read_i32(&r), i);
    /* An absurd reservation fails cleanly. */
    assert_null(kafka_writer_reserve(&w, SIZE_MAX - 2));
    assert_int_equal(w.err, KAFKA_ERR_NOMEM);
    kafka_writer_free(&w);
}

static void arena_zeroes_aligns_and_limits(void **state)
{
    (void)state;
    kafka_arena a;
    kafka_arena_init(&a, 1 << 20);
    for (int i = 0; i < 1000; i++) {
        uint8_t *p = kafka_arena_alloc(&a, (size_t)(i % 37) + 1);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
        for (int j = 0; j < i % 37 + 1; j++)
            assert_int_equal(p[j], 0);
        memset(p, 0xab, (size_t)(i % 37) + 1);
    }
    void *big = kafka_arena_alloc(&a, 100000);
    assert_non_null(big);
    memset(big, 1, 100000);
    /* Past the limit: NULL, and the arena stays usable. */
    assert_null(kafka_arena_alloc(&a, 2 << 20));
    assert_non_null(kafka_arena_alloc(&a, 8));
    kafka_arena_reset(&a);
    uint8_t *p = kafka_arena_alloc(&a, 64);
    assert_non_null(p);
    for (int j = 0; j < 64; j++)
        assert_int_equal(p[j], 0);
    kafka_arena_free(&a);
    kafka_arena_free(&a); /* twice is harmless */
}

static void strerror_names_every_code(void **state)
{
    (void)state;
    for (int e = 0; e >= KAFKA_ERR_OLD_FORMAT; e--)
        assert_string_not_equal(kafka_strerror(e), "unknown error");
    assert_string_equal(kafka_strerror(-100), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(integers_are_big_endian),
        cmocka_unit_test(varints_round_trip_and_zigzag),
        cmocka_unit_test(overlong_varints_are_invalid),
        cmocka_unit_test(strings_null_empty_and_compact),
        cmocka_unit_test(null_where_not_nullable_fails_both_ways),
        cmocka_unit_test(errors_are_sticky),
        cmocka_unit_test(huge_array_counts_fail_before_allocating),
        cmocka_unit_test(tagged_sections_are_skipped),
        cmocka_unit_test(writer_grows_and_patches),
        cmocka_unit_test(arena_zeroes_aligns_and_limits),
        cmocka_unit_test(strerror_names_every_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
