/*
 * wire.c -- reader, writer and arena of the Kafka wire protocol.
 *
 * Invariants: a reader's p never passes end; once err is set p does not
 * move. A writer's len never exceeds cap; once err is set nothing more is
 * written. Integers on the wire are big-endian; varints are protobuf-style
 * (7 bits a byte, low group first), signed ones zigzag-coded.
 */
#include "wire.h"

#include <stdlib.h>
#include <string.h>

const char *kafka_strerror(int err)
{
    switch (err) {
    case KAFKA_OK:
        return "ok";
    case KAFKA_ERR_TRUNCATED:
        return "truncated input";
    case KAFKA_ERR_INVALID:
        return "invalid value";
    case KAFKA_ERR_UNSUPPORTED_VERSION:
        return "unsupported version";
    case KAFKA_ERR_NOMEM:
        return "out of memory";
    case KAFKA_ERR_CORRUPT:
        return "corrupt data";
    case KAFKA_ERR_TOO_LARGE:
        return "too large";
    case KAFKA_ERR_UNSUPPORTED:
        return "unsupported feature";
    case KAFKA_ERR_OLD_FORMAT:
        return "old message format";
    }
    return "unknown error";
}

kafka_str kafka_str_of(const char *s)
{
    kafka_str v = {s, s ? (int32_t)strlen(s) : -1};
    return v;
}

kafka_bytes kafka_bytes_of(const void *p, size_t len)
{
    kafka_bytes v = {p, p ? (int32_t)len : -1};
    return v;
}

bool kafka_str_eq(kafka_str a, const char *s)
{
    if (!s)
        return a.len < 0;
    size_t n = strlen(s);
    return a.len >= 0 && (size_t)a.len == n && memcmp(a.ptr, s, n) == 0;
}

/* ---- reader ---- */

void kafka_reader_init(kafka_reader *r, const void *buf, size_t len)
{
    static const uint8_t empty[1];
    if (!buf) {
        buf = empty; /* so that no pointer arithmetic touches NULL */
        len = 0;
    }
    r->p = buf;
    r->end = r->p + len;
    r->err = 0;
    r->why = NULL;
}

int kafka_reader_fail(kafka_reader *r, int err, const char *why)
{
    if (!r->err) {
        r->err = err;
        r->why = why;
    }
    return r->err;
}

const uint8_t *kafka_read_raw(kafka_reader *r, size_t n)
{
    if (r->err)
        return NULL;
    if ((size_t)(r->end - r->p) < n) {
        kafka_reader_fail(r, KAFKA_ERR_TRUNCATED, "input ends early");
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    return p;
}

void kafka_read_skip(kafka_reader *r, size_t n)
{
    (void)kafka_read_raw(r, n);
}

int8_t kafka_read_i8(kafka_reader *r)
{
    const uint8_t *p = kafka_read_raw(r, 1);
    return p ? (int8_t)p[0] : 0;
}

bool kafka_read_bool(kafka_reader *r)
{
    return kafka_read_i8(r) != 0;
}

int16_t kafka_read_i16(kafka_reader *r)
{
    const uint8_t *p = kafka_read_raw(r, 2);
    return p ? (int16_t)((uint16_t)p[0] << 8 | p[1]) : 0;
}

uint32_t kafka_read_u32(kafka_reader *r)
{
    const uint8_t *p = kafka_read_raw(r, 4);
    if (!p)
        return 0;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

int32_t kafka_read_i32(kafka_reader *r)
{
    return (int32_t)kafka_read_u32(r);
}

int64_t kafka_read_i64(kafka_reader *r)
{
    uint64_t hi = kafka_read_u32(r);
    uint64_t lo = kafka_read_u32(r);
    return (int64_t)(hi << 32 | lo);
}

/* An unsigned varint of at most max_bytes bytes; the last byte may only
 * carry the bits that fit in `bits`. */
static uint64_t read_uvar(kafka_reader *r, int max_bytes, int bits)
{
    uint64_t v = 0;
    if (r->err)
        return 0;
    for (int i = 0; i < max_bytes; i++) {
        if (r->p == r->end) {
            kafka_reader_fail(r, KAFKA_ERR_TRUNCATED, "varint ends early");
            return 0;
        }
        uint8_t b = *r->p++;
        int shift = 7 * i;
        if (shift + 7 > bits && (b & 0x7f) >> (bits - shift)) {
            kafka_reader_fail(r, KAFKA_ERR_INVALID, "varint overflows");
            return 0;
        }
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    kafka_reader_fail(r, KAFKA_ERR_INVALID, "varint too long");
    return 0;
}

uint32_t kafka_read_uvarint(kafka_reader *r)
{
    return (uint32_t)read_uvar(r, 5, 32);
}

int32_t kafka_read_varint(kafka_reader *r)
{
    uint32_t u = (uint32_t)read_uvar(r, 5, 32);
    return (int32_t)((u >> 1) ^ (~(u & 1) + 1));
}

int64_t kafka_read_varlong(kafka_reader *r)
{
    uint64_t u = read_uvar(r, 10, 64);
    return (int64_t)((u >> 1) ^ (~(u & 1) + 1));
}

/* The length prefix of a string or byte array: -1 for null, else a
 * length that the remaining input holds. */
static int32_t read_len(kafka_reader *r, bool compact, bool wide, bool nullable)
{
    int64_t n;
    if (compact)
        n = (int64_t)kafka_read_uvarint(r) - 1;
    else
        n = wide ? kafka_read_i32(r) : kafka_read_i16(r);
    if (r->err)
        return -1;
    if (n < -1 || (n == -1 && !nullable)) {
        kafka_reader_fail(r, KAFKA_ERR_INVALID, "negative length");
        return -1;
    }
    if (n > 0 && (uint64_t)n > (uint64_t)(r->end - r->p)) {
        kafka_reader_fail(r, KAFKA_ERR_TRUNCATED, "length past the end");
        return -1;
    }
    return (int32_t)n;
}

kafka_str kafka_read_string(kafka_reader *r, bool compact, bool nullable)
{
    kafka_str s = {NULL, -1};
    int32_t n = read_len(r, compact, false, nullable);
    if (r->err || n < 0)
        return s;
    s.ptr = (const char *)r->p;
    s.len = n;
    r->p += n;
    return s;
}

kafka_bytes kafka_read_bytes(kafka_reader *r, bool compact, bool nullable)
{
    kafka_bytes b = {NULL, -1};
    int32_t n = read_len(r, compact, true, nullable);
    if (r->err || n < 0)
        return b;
    b.ptr = r->p;
    b.len = n;
    r->p += n;
    return b;
}

int32_t kafka_read_array_len(kafka_reader *r, bool compact, bool nullable,
                             size_t min_elem_size)
{
    int64_t n = compact ? (int64_t)kafka_read_uvarint(r) - 1
                        : (int64_t)kafka_read_i32(r);
    if (r->err)
        return -1;
    if (n < -1 || (n == -1 && !nullable)) {
        kafka_reader_fail(r, KAFKA_ERR_INVALID, "negative array length");
        return -1;
    }
    if (min_elem_size == 0)
        min_elem_size = 1;
    if (n > 0 && (uint64_t)n > (size_t)(r->end - r->p) / min_elem_size) {
        kafka_reader_fail(r, KAFKA_ERR_TRUNCATED,
                          "array count exceeds the bytes left");
        return -1;
    }
    return (int32_t)n;
}

void kafka_read_skip_tags(kafka_reader *r)
{
    uint32_t n = kafka_read_uvarint(r);
    for (uint32_t i = 0; i < n && !r->err; i++) {
        (void)kafka_read_uvarint(r);
        kafka_read_skip(r, kafka_read_uvarint(r));
    }
}

/* ---- writer ---- */

void kafka_writer_init(kafka_writer *w)
{
    w->buf = NULL;
    w->len = w->cap = 0;
    w->err = 0;
}

void kafka_writer_free(kafka_writer *w)
{
    free(w->buf);
    kafka_writer_init(w);
}

void kafka_writer_reset(kafka_writer *w)
{
    w->len = 0;
    w->err = 0;
}

int kafka_writer_fail(kafka_writer *w, int err)
{
    if (!w->err)
        w->err = err;
    return w->err;
}

int kafka_writer_grow(kafka_writer *w, size_t n)
{
    if (w->err)
        return w->err;
    if (n > SIZE_MAX - w->len)
        return kafka_writer_fail(w, KAFKA_ERR_NOMEM);
    size_t need = w->len + n;
    if (need <= w->cap && w->buf)
        return 0; /* (a buffer always exists after a grow) */
    size_t cap = w->cap ? w->cap : 256;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }
    uint8_t *p = realloc(w->buf, cap);
    if (!p)
        return kafka_writer_fail(w, KAFKA_ERR_NOMEM);
    w->buf = p;
    w->cap = cap;
    return 0;
}

uint8_t *kafka_writer_reserve(kafka_writer *w, size_t n)
{
    if (kafka_writer_grow(w, n))
        return NULL;
    uint8_t *p = w->buf + w->len;
    w->len += n;
    return p;
}

void kafka_write_raw(kafka_writer *w, const void *p, size_t n)
{
    uint8_t *d = kafka_writer_reserve(w, n);
    if (d && n)
        memcpy(d, p, n);
}

void kafka_write_i8(kafka_writer *w, int8_t v)
{
    uint8_t *d = kafka_writer_reserve(w, 1);
    if (d)
        d[0] = (uint8_t)v;
}

void kafka_write_bool(kafka_writer *w, bool v)
{
    kafka_write_i8(w, v ? 1 : 0);
}

void kafka_write_i16(kafka_writer *w, int16_t v)
{
    uint8_t *d = kafka_writer_reserve(w, 2);
    if (d) {
        d[0] = (uint8_t)((uint16_t)v >> 8);
        d[1] = (uint8_t)v;
    }
}

void kafka_write_u32(kafka_writer *w, uint32_t v)
{
    uint8_t *d = kafka_writer_reserve(w, 4);
    if (d) {
        d[0] = (uint8_t)(v >> 24);
        d[1] = (uint8_t)(v >> 16);
        d[2] = (uint8_t)(v >> 8);
        d[3] = (uint8_t)v;
    }
}

void kafka_write_i32(kafka_writer *w, int32_t v)
{
    kafka_write_u32(w, (uint32_t)v);
}

void kafka_write_i64(kafka_writer *w, int64_t v)
{
    kafka_write_u32(w, (uint32_t)((uint64_t)v >> 32));
    kafka_write_u32(w, (uint32_t)v);
}

static void write_uvar(kafka_writer *w, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    kafka_write_raw(w, tmp, n);
}

void kafka_write_uvarint(kafka_writer *w, uint32_t v)
{
    write_uvar(w, v);
}

void kafka_write_varint(kafka_writer *w, int32_t v)
{
    write_uvar(w, kafka_zigzag32(v));
}

void kafka_write_varlong(kafka_writer *w, int64_t v)
{
    write_uvar(w, kafka_zigzag64(v));
}

size_t kafka_uvarint_size(uint32_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

size_t kafka_varint_size(int32_t v)
{
    return kafka_uvarint_size(kafka_zigzag32(v));
}

size_t kafka_varlong_size(int64_t v)
{
    uint64_t u = kafka_zigzag64(v);
    size_t n = 1;
    while (u >= 0x80) {
        u >>= 7;
        n++;
    }
    return n;
}

/* A length prefix; -1 is null and needs nullable. */
static void write_len(kafka_writer *w, int32_t n, bool compact, bool wide,
                      bool nullable)
{
    if (n < -1 || (n == -1 && !nullable) || (!wide && n > INT16_MAX)) {
        kafka_writer_fail(w, KAFKA_ERR_INVALID);
        return;
    }
    if (compact)
        kafka_write_uvarint(w, (uint32_t)(n + 1));
    else if (wide)
        kafka_write_i32(w, n);
    else
        kafka_write_i16(w, (int16_t)n);
}

void kafka_write_string(kafka_writer *w, kafka_str s, bool compact,
                        bool nullable)
{
    write_len(w, s.len, compact, false, nullable);
    if (s.len > 0)
        kafka_write_raw(w, s.ptr, (size_t)s.len);
}

void kafka_write_bytes(kafka_writer *w, kafka_bytes b, bool compact,
                       bool nullable)
{
    write_len(w, b.len, compact, true, nullable);
    if (b.len > 0)
        kafka_write_raw(w, b.ptr, (size_t)b.len);
}

void kafka_write_array_len(kafka_writer *w, int32_t n, bool compact,
                           bool nullable)
{
    write_len(w, n, compact, true, nullable);
}

void kafka_write_empty_tags(kafka_writer *w)
{
    kafka_write_uvarint(w, 0);
}

void kafka_writer_patch_i32(kafka_writer *w, size_t off, int32_t v)
{
    if (w->err || off > w->len || w->len - off < 4)
        return;
    uint32_t u = (uint32_t)v;
    w->buf[off] = (uint8_t)(u >> 24);
    w->buf[off + 1] = (uint8_t)(u >> 16);
    w->buf[off + 2] = (uint8_t)(u >> 8);
    w->buf[off + 3] = (uint8_t)u;
}

/* ---- arena ---- */

/* Blocks in use form a list, newest first; the newest serves small
 * allocations from its tail, and a request larger than a quarter block
 * gets a block of its own. A reset moves the blocks to a spare list for
 * reuse (up to ARENA_KEEP bytes), so a server decoding request after
 * request does not go back to malloc, nor to the kernel, each time. */
struct kafka_arena_block {
    struct kafka_arena_block *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    max_align_t data[];
};

#define ARENA_BLOCK 16384
#define ARENA_KEEP  (8u << 20)

void kafka_arena_init(kafka_arena *a, size_t limit)
{
    a->head = NULL;
    a->spare = NULL;
    a->total = 0;
    a->limit = limit;
}

/* A block of at least size bytes and at most max: a spare one if one
 * fits, else a new one of size bytes. */
static struct kafka_arena_block *arena_block(kafka_arena *a, size_t size,
                                             size_t max)
{
    for (struct kafka_arena_block **pp = &a->spare; *pp; pp = &(*pp)->next) {
        struct kafka_arena_block *b = *pp;
        if (b->size >= size && b->size <= max) {
            *pp = b->next;
            b->used = 0;
            return b;
        }
    }
    struct kafka_arena_block *b = malloc(sizeof *b + size);
    if (b) {
        b->size = size;
        b->used = 0;
    }
    return b;
}

void *kafka_arena_alloc(kafka_arena *a, size_t n)
{
    const size_t align = _Alignof(max_align_t);
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX / 2)
        return NULL;
    n = (n + align - 1) / align * align;
    struct kafka_arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        bool big = n > ARENA_BLOCK / 4;
        size_t size = big ? n : ARENA_BLOCK, left = SIZE_MAX;
        if (a->limit) {
            left = a->total < a->limit ? a->limit - a->total : 0;
            if (n > left)
                return NULL;
            if (size > left)
                size = left; /* a smaller last block, within the limit */
        }
        b = arena_block(a, size, left);
        if (!b)
            return NULL;
        a->total += b->size;
        if (big && a->head) {
            /* A big block goes second, so the current small block keeps
             * serving small allocations. */
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    void *p = (uint8_t *)b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

static void free_list(struct kafka_arena_block *b)
{
    while (b) {
        struct kafka_arena_block *next = b->next;
        free(b);
        b = next;
    }
}

void kafka_arena_reset(kafka_arena *a)
{
    size_t kept = 0;
    for (struct kafka_arena_block *s = a->spare; s; s = s->next)
        kept += s->size;
    struct kafka_arena_block *b = a->head;
    while (b) {
        struct kafka_arena_block *next = b->next;
        if (kept + b->size <= ARENA_KEEP) {
            kept += b->size;
            b->next = a->spare;
            a->spare = b;
        } else {
            free(b);
        }
        b = next;
    }
    a->head = NULL;
    a->total = 0;
}

void kafka_arena_free(kafka_arena *a)
{
    free_list(a->head);
    free_list(a->spare);
    a->head = NULL;
    a->spare = NULL;
    a->total = 0;
}
