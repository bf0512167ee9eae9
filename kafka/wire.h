/*
 * wire.h -- the primitives of the Kafka wire protocol: a bounded reader, a
 * growable writer, the codec's error codes, and an arena for the
 * structures a decoder builds.
 *
 * The reader never reads past the end of its buffer. Its first error is
 * sticky: every later read returns zero (or an empty view) and leaves the
 * error in place, so a decoder is straight-line code that checks
 * kafka_reader_error() once at the end. Strings and byte arrays decode as
 * views into the reader's buffer (no copy); they live as long as that
 * buffer does.
 *
 * The writer appends big-endian integers, varints and length-prefixed
 * strings to a buffer it grows by doubling. Its first error (ENOMEM, or a
 * value that cannot be encoded) is sticky in the same way.
 *
 * Thread safety: a reader, writer or arena is used by one thread at a
 * time (handle); none has hidden shared state.
 */
#ifndef KAFKA_WIRE_H
#define KAFKA_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The codec's own error codes (never Kafka's error codes, which are in
 * api.h). Every function that can fail returns 0 or one of these. */
enum kafka_err {
    KAFKA_OK = 0,
    KAFKA_ERR_TRUNCATED = -1,           /* input ends inside a value */
    KAFKA_ERR_INVALID = -2,             /* a value no encoder writes */
    KAFKA_ERR_UNSUPPORTED_VERSION = -3, /* an API version we do not do */
    KAFKA_ERR_NOMEM = -4,               /* allocation failed or over limit */
    KAFKA_ERR_CORRUPT = -5,             /* checksum or record count wrong */
    KAFKA_ERR_TOO_LARGE = -6,           /* decompressed past the limit */
    KAFKA_ERR_UNSUPPORTED = -7,         /* a feature we do not decode */
    KAFKA_ERR_OLD_FORMAT = -8           /* magic 0/1 message set */
};

/* A short static name for a kafka_err; never NULL. */
const char *kafka_strerror(int err);

/* A string view: len bytes at ptr, not NUL-terminated. len == -1 is the
 * null string (ptr NULL); len == 0 is the empty string. */
typedef struct kafka_str {
    const char *ptr;
    int32_t len;
} kafka_str;

/* A byte-array view, null when len == -1, as kafka_str. */
typedef struct kafka_bytes {
    const uint8_t *ptr;
    int32_t len;
} kafka_bytes;

/* A 16-byte UUID, as the wire has it. */
typedef struct kafka_uuid {
    uint8_t b[16];
} kafka_uuid;

/* Views from C strings; NULL gives the null view. */
kafka_str kafka_str_of(const char *s);
kafka_bytes kafka_bytes_of(const void *p, size_t len);
#define KAFKA_STR_NULL   ((kafka_str){NULL, -1})
#define KAFKA_BYTES_NULL ((kafka_bytes){NULL, -1})
/* True when the view equals the C string s (a null view equals NULL). */
bool kafka_str_eq(kafka_str a, const char *s);

/* ---- reader ---- */

typedef struct kafka_reader {
    const uint8_t *p;
    const uint8_t *end;
    int err;         /* 0 or the first kafka_err */
    const char *why; /* a static message for the first error, or NULL */
} kafka_reader;

void kafka_reader_init(kafka_reader *r, const void *buf, size_t len);

/* Bytes left to read (0 after an error). */
static inline size_t kafka_reader_remaining(const kafka_reader *r)
{
    return r->err ? 0 : (size_t)(r->end - r->p);
}

static inline int kafka_reader_error(const kafka_reader *r)
{
    return r->err;
}

/* Records err (with a static message) unless an error is already set;
 * returns the error now in force. */
int kafka_reader_fail(kafka_reader *r, int err, const char *why);

/* The next n bytes as a pointer into the buffer, or NULL (TRUNCATED). */
const uint8_t *kafka_read_raw(kafka_reader *r, size_t n);
void kafka_read_skip(kafka_reader *r, size_t n);

int8_t kafka_read_i8(kafka_reader *r);
int16_t kafka_read_i16(kafka_reader *r);
int32_t kafka_read_i32(kafka_reader *r);
int64_t kafka_read_i64(kafka_reader *r);
uint32_t kafka_read_u32(kafka_reader *r);
bool kafka_read_bool(kafka_reader *r);
/* Zigzag varints (RecordBatch records), and unsigned varints (compact
 * lengths, tags). A varint longer than its type is INVALID. */
int32_t kafka_read_varint(kafka_reader *r);
int64_t kafka_read_varlong(kafka_reader *r);
uint32_t kafka_read_uvarint(kafka_reader *r);

/* Strings: int16 length (-1 null) or, compact, unsigned varint length+1
 * (0 null). The non-nullable forms fail with INVALID on a null. A length
 * past the end is TRUNCATED. */
kafka_str kafka_read_string(kafka_reader *r, bool compact, bool nullable);
/* Bytes: int32 length (-1 null) or compact as strings. */
kafka_bytes kafka_read_bytes(kafka_reader *r, bool compact, bool nullable);

/* An array's element count: int32 (-1 null) or compact uvarint count+1
 * (0 null); -1 for null. The count is checked against the bytes left:
 * count * min_elem_size must fit, so a hostile count never becomes a
 * large allocation. min_elem_size 0 is taken as 1. */
int32_t kafka_read_array_len(kafka_reader *r, bool compact, bool nullable,
                             size_t min_elem_size);

/* Reads a tagged-field section and skips every field in it. */
void kafka_read_skip_tags(kafka_reader *r);

/* ---- writer ---- */

typedef struct kafka_writer {
    uint8_t *buf;
    size_t len;
    size_t cap;
    int err; /* 0 or the first kafka_err */
} kafka_writer;

/* An empty writer; it allocates on first write. */
void kafka_writer_init(kafka_writer *w);
/* Frees the buffer; the writer is empty and usable again. */
void kafka_writer_free(kafka_writer *w);
/* Forgets the contents and the error but keeps the buffer. */
void kafka_writer_reset(kafka_writer *w);
/* Makes room for n more bytes and returns where they go (len grows by
 * n), or NULL with the error set (NOMEM, or an earlier error). */
uint8_t *kafka_writer_reserve(kafka_writer *w, size_t n);
/* Ensures capacity for n more bytes without changing len. */
int kafka_writer_grow(kafka_writer *w, size_t n);
int kafka_writer_fail(kafka_writer *w, int err);

void kafka_write_raw(kafka_writer *w, const void *p, size_t n);
void kafka_write_i8(kafka_writer *w, int8_t v);
void kafka_write_i16(kafka_writer *w, int16_t v);
void kafka_write_i32(kafka_writer *w, int32_t v);
void kafka_write_i64(kafka_writer *w, int64_t v);
void kafka_write_u32(kafka_writer *w, uint32_t v);
void kafka_write_bool(kafka_writer *w, bool v);
void kafka_write_varint(kafka_writer *w, int32_t v);
void kafka_write_varlong(kafka_writer *w, int64_t v);
void kafka_write_uvarint(kafka_writer *w, uint32_t v);
/* A null view with nullable false sets INVALID. */
void kafka_write_string(kafka_writer *w, kafka_str s, bool compact,
                        bool nullable);
void kafka_write_bytes(kafka_writer *w, kafka_bytes b, bool compact,
                       bool nullable);
/* An array length: n == -1 writes null (INVALID when not nullable). */
void kafka_write_array_len(kafka_writer *w, int32_t n, bool compact,
                           bool nullable);
/* An empty tagged-field section (one zero byte). */
void kafka_write_empty_tags(kafka_writer *w);

/* Patches a big-endian int32 at byte offset off (written earlier). */
void kafka_writer_patch_i32(kafka_writer *w, size_t off, int32_t v);

/* Zigzag coding of signed varints (0, -1, 1, -2 ... as 0, 1, 2, 3 ...),
 * without shifting a negative value. */
static inline uint32_t kafka_zigzag32(int32_t v)
{
    return ((uint32_t)v << 1) ^ (v < 0 ? UINT32_MAX : 0);
}

static inline uint64_t kafka_zigzag64(int64_t v)
{
    return ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
}

/* Sizes of the varint encodings, for callers that lay out by hand. */
size_t kafka_uvarint_size(uint32_t v);
size_t kafka_varint_size(int32_t v);
size_t kafka_varlong_size(int64_t v);

/* ---- arena ---- */

/* Bump allocator for a decoded request: everything a decoder allocates
 * comes from here and is freed at once by kafka_arena_reset/free. Memory
 * is zeroed. limit (0: none) caps what is in use between resets, so a
 * hostile request costs at most that much. A reset keeps up to 8 MiB of
 * blocks for the next request. */
typedef struct kafka_arena {
    struct kafka_arena_block *head;  /* in use */
    struct kafka_arena_block *spare; /* kept by reset for reuse */
    size_t total;                    /* bytes of blocks in use */
    size_t limit;
} kafka_arena;

void kafka_arena_init(kafka_arena *a, size_t limit);
/* n zeroed bytes aligned for any type, or NULL (allocation failed or
 * limit reached). Lives until reset or free. */
void *kafka_arena_alloc(kafka_arena *a, size_t n);
/* Frees everything allocated (keeping blocks for reuse). */
void kafka_arena_reset(kafka_arena *a);
void kafka_arena_free(kafka_arena *a);

#endif
