/*
 * mpread.h -- a bounded msgpack reader for data read from disk.
 *
 * msgpack-c's unpacker allocates from the counts a buffer declares before
 * it has read them; a corrupted count would make it allocate gigabytes.
 * This reader allocates nothing: every length is checked against the bytes
 * that remain before it is used, and pointers it returns point into the
 * input. On any malformed input a call returns false and the reader stays
 * failed (r->ok == false), so a decoder can check once at the end.
 */
#ifndef RILL_MPREAD_H
#define RILL_MPREAD_H

#include "common.h"

typedef struct mpr {
    const uint8_t *p;
    const uint8_t *end;
    bool ok;
} mpr;

static inline void mpr_init(mpr *r, const void *data, size_t len)
{
    r->p = data;
    r->end = r->p + len;
    r->ok = true;
}

static inline size_t mpr_left(const mpr *r)
{
    return (size_t)(r->end - r->p);
}

static inline bool mpr_fail(mpr *r)
{
    r->ok = false;
    r->p = r->end;
    return false;
}

/* Takes n bytes, or fails when fewer remain. */
static inline const uint8_t *mpr_take(mpr *r, size_t n)
{
    if (!r->ok || mpr_left(r) < n) {
        mpr_fail(r);
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    return p;
}

/* Consumes a nil if one is next; returns whether it did. */
static inline bool mpr_nil(mpr *r)
{
    if (r->ok && r->p < r->end && *r->p == 0xc0) {
        r->p++;
        return true;
    }
    return false;
}

/* Whether a map key read with mpr_str is name. */
static inline bool mpr_key_is(const uint8_t *k, uint32_t kl, const char *name)
{
    return strlen(name) == kl && memcmp(k, name, kl) == 0;
}

bool mpr_uint(mpr *r, uint64_t *v);
bool mpr_int(mpr *r, int64_t *v);
bool mpr_bool(mpr *r, bool *v);
/* An array header; n is checked against the bytes left (>= 1 byte each). */
bool mpr_array(mpr *r, uint32_t *n);
/* A map header; n pairs need >= 2 bytes each. */
bool mpr_map(mpr *r, uint32_t *n);
/* A str (or bin) body: *p points into the input, not NUL-terminated. */
bool mpr_str(mpr *r, const uint8_t **p, uint32_t *len);
/* A bin (or str) body. */
bool mpr_bin(mpr *r, const uint8_t **p, uint32_t *len);
/* Skips one object of any type (nesting at most 32 deep). */
bool mpr_skip(mpr *r);

/* An integer in lo..hi (fails the reader otherwise). */
bool mpr_i32(mpr *r, int32_t *v, int64_t lo, int64_t hi);
/* An unsigned integer that fits 32 bits. */
bool mpr_u32(mpr *r, uint32_t *v);
/* A str of at most max bytes without a NUL, copied into a malloc'ed
 * NUL-terminated string; NULL (the reader failed, or out of memory). */
char *mpr_strdup(mpr *r, size_t max);

#endif
