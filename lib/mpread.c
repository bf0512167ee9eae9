/*
 * mpread.c -- the bounded msgpack reader (see mpread.h).
 */
#include "mpread.h"

#include <stdlib.h>

static bool read_be(mpr *r, size_t n, uint64_t *v)
{
    const uint8_t *p = mpr_take(r, n);
    if (!p)
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x = x << 8 | p[i];
    *v = x;
    return true;
}

bool mpr_uint(mpr *r, uint64_t *v)
{
    const uint8_t *t = mpr_take(r, 1);
    if (!t)
        return false;
    uint8_t b = *t;
    if (b <= 0x7f) {
        *v = b;
        return true;
    }
    switch (b) {
    case 0xcc:
        return read_be(r, 1, v);
    case 0xcd:
        return read_be(r, 2, v);
    case 0xce:
        return read_be(r, 4, v);
    case 0xcf:
        return read_be(r, 8, v);
    default: {
        /* A signed encoding of a non-negative value is still a uint. */
        int64_t s;
        r->p--;
        if (!mpr_int(r, &s))
            return false;
        if (s < 0)
            return mpr_fail(r);
        *v = (uint64_t)s;
        return true;
    }
    }
}

bool mpr_int(mpr *r, int64_t *v)
{
    const uint8_t *t = mpr_take(r, 1);
    uint64_t u;
    if (!t)
        return false;
    uint8_t b = *t;
    if (b <= 0x7f) {
        *v = b;
        return true;
    }
    if (b >= 0xe0) {
        *v = (int8_t)b;
        return true;
    }
    switch (b) {
    case 0xcc:
    case 0xcd:
    case 0xce:
        if (!read_be(r, (size_t)1 << (b - 0xcc), &u))
            return false;
        *v = (int64_t)u;
        return true;
    case 0xcf:
        if (!read_be(r, 8, &u))
            return false;
        if (u > INT64_MAX)
            return mpr_fail(r);
        *v = (int64_t)u;
        return true;
    case 0xd0:
        if (!read_be(r, 1, &u))
            return false;
        *v = (int8_t)u;
        return true;
    case 0xd1:
        if (!read_be(r, 2, &u))
            return false;
        *v = (int16_t)u;
        return true;
    case 0xd2:
        if (!read_be(r, 4, &u))
            return false;
        *v = (int32_t)u;
        return true;
    case 0xd3:
        if (!read_be(r, 8, &u))
            return false;
        *v = (int64_t)u;
        return true;
    default:
        return mpr_fail(r);
    }
}

bool mpr_bool(mpr *r, bool *v)
{
    const uint8_t *t = mpr_take(r, 1);
    if (!t)
        return false;
    if (*t == 0xc2 || *t == 0xc3) {
        *v = *t == 0xc3;
        return true;
    }
    return mpr_fail(r);
}

static bool read_count(mpr *r, uint8_t fix_lo, uint8_t fix_hi, uint8_t b16,
                       uint8_t b32, uint32_t *n)
{
    const uint8_t *t = mpr_take(r, 1);
    uint64_t v;
    if (!t)
        return false;
    if (*t >= fix_lo && *t <= fix_hi) {
        *n = (uint32_t)(*t - fix_lo);
        return true;
    }
    if (*t == b16 && read_be(r, 2, &v)) {
        *n = (uint32_t)v;
        return true;
    }
    if (*t == b32 && read_be(r, 4, &v)) {
        *n = (uint32_t)v;
        return true;
    }
    return mpr_fail(r);
}

bool mpr_array(mpr *r, uint32_t *n)
{
    if (!read_count(r, 0x90, 0x9f, 0xdc, 0xdd, n))
        return false;
    if (*n > mpr_left(r))
        return mpr_fail(r);
    return true;
}

bool mpr_map(mpr *r, uint32_t *n)
{
    if (!read_count(r, 0x80, 0x8f, 0xde, 0xdf, n))
        return false;
    if ((uint64_t)*n * 2 > mpr_left(r))
        return mpr_fail(r);
    return true;
}

/* Reads a str or bin header and takes its body. */
static bool read_bytes(mpr *r, const uint8_t **p, uint32_t *len)
{
    const uint8_t *t = mpr_take(r, 1);
    uint64_t n;
    if (!t)
        return false;
    uint8_t b = *t;
    if (b >= 0xa0 && b <= 0xbf)
        n = b - 0xa0;
    else if ((b == 0xc4 || b == 0xd9) && read_be(r, 1, &n))
        ;
    else if ((b == 0xc5 || b == 0xda) && read_be(r, 2, &n))
        ;
    else if ((b == 0xc6 || b == 0xdb) && read_be(r, 4, &n))
        ;
    else
        return mpr_fail(r);
    const uint8_t *body = mpr_take(r, (size_t)n);
    if (!body)
        return false;
    *p = body;
    *len = (uint32_t)n;
    return true;
}

bool mpr_str(mpr *r, const uint8_t **p, uint32_t *len)
{
    return read_bytes(r, p, len);
}

bool mpr_bin(mpr *r, const uint8_t **p, uint32_t *len)
{
    return read_bytes(r, p, len);
}

static bool skip_depth(mpr *r, int depth)
{
    if (depth > 32 || !r->ok || r->p >= r->end)
        return mpr_fail(r);
    uint8_t b = *r->p;
    uint32_t n;
    const uint8_t *p;
    uint64_t u;
    int64_t s;
    if (b <= 0x7f || b >= 0xe0 || (b >= 0xcc && b <= 0xd3))
        return b >= 0xd0 && b <= 0xd3 ? mpr_int(r, &s) : mpr_uint(r, &u);
    if ((b >= 0xa0 && b <= 0xbf) || b == 0xc4 || b == 0xc5 || b == 0xc6 ||
        b == 0xd9 || b == 0xda || b == 0xdb)
        return read_bytes(r, &p, &n);
    if (b == 0xc0 || b == 0xc2 || b == 0xc3) {
        r->p++;
        return true;
    }
    if (b == 0xca)
        return mpr_take(r, 5) != NULL;
    if (b == 0xcb)
        return mpr_take(r, 9) != NULL;
    if ((b >= 0x90 && b <= 0x9f) || b == 0xdc || b == 0xdd) {
        if (!mpr_array(r, &n))
            return false;
        for (uint32_t i = 0; i < n; i++)
            if (!skip_depth(r, depth + 1))
                return false;
        return true;
    }
    if ((b >= 0x80 && b <= 0x8f) || b == 0xde || b == 0xdf) {
        if (!mpr_map(r, &n))
            return false;
        for (uint32_t i = 0; i < 2 * n; i++)
            if (!skip_depth(r, depth + 1))
                return false;
        return true;
    }
    /* ext types and the never-used 0xc1 are not part of rill's formats */
    return mpr_fail(r);
}

bool mpr_skip(mpr *r)
{
    return skip_depth(r, 0);
}

bool mpr_i32(mpr *r, int32_t *v, int64_t lo, int64_t hi)
{
    int64_t x;
    if (!mpr_int(r, &x) || x < lo || x > hi)
        return mpr_fail(r);
    *v = (int32_t)x;
    return true;
}

bool mpr_u32(mpr *r, uint32_t *v)
{
    uint64_t x;
    if (!mpr_uint(r, &x) || x > UINT32_MAX)
        return mpr_fail(r);
    *v = (uint32_t)x;
    return true;
}

char *mpr_strdup(mpr *r, size_t max)
{
    const uint8_t *p;
    uint32_t n;
    if (!mpr_str(r, &p, &n) || n > max || memchr(p, 0, n)) {
        mpr_fail(r);
        return NULL;
    }
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}
