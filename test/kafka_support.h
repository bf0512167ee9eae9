/*
 * kafka_support.h -- what the Kafka codec's suites share: checks that
 * name the codec's errors, and a byte builder for writing expected
 * encodings out by hand, field by field, independently of the codec.
 */
#ifndef RILL_TEST_KAFKA_SUPPORT_H
#define RILL_TEST_KAFKA_SUPPORT_H

#include "support.h"

#include "../kafka/wire.h"

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

/* ---- bytes by hand ---- */

typedef struct hb {
    uint8_t b[2048];
    size_t n;
} hb;

static inline void h8(hb *h, int v)
{
    h->b[h->n++] = (uint8_t)v;
}
static inline void h16(hb *h, int v)
{
    h8(h, (v >> 8) & 0xff);
    h8(h, v & 0xff);
}
static inline void h32(hb *h, int64_t v)
{
    h16(h, (int)((v >> 16) & 0xffff));
    h16(h, (int)(v & 0xffff));
}
static inline void h64(hb *h, int64_t v)
{
    h32(h, (int32_t)((uint64_t)v >> 32));
    h32(h, (int32_t)(v & 0xffffffff));
}
static inline void hraw(hb *h, const void *p, size_t n)
{
    memcpy(h->b + h->n, p, n);
    h->n += n;
}
/* int16-length string; NULL writes the null string. */
static inline void hstr(hb *h, const char *s)
{
    if (!s) {
        h16(h, -1);
        return;
    }
    h16(h, (int)strlen(s));
    hraw(h, s, strlen(s));
}
/* int32-length bytes */
static inline void hbytes(hb *h, const void *p, int n)
{
    h32(h, n);
    if (n > 0)
        hraw(h, p, (size_t)n);
}
/* compact string (uvarint length + 1; all test strings are short) */
static inline void hcstr(hb *h, const char *s)
{
    h8(h, s ? (int)strlen(s) + 1 : 0);
    if (s)
        hraw(h, s, strlen(s));
}

static inline void expect(const kafka_writer *w, const hb *h)
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

#endif
