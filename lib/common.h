/*
 * common.h -- what every module of the library includes first: the feature
 * macros (defined here and nowhere else), fixed-width big-endian helpers
 * for everything written to disk, and small utilities.
 */
#ifndef RILL_COMMON_H
#define RILL_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rill.h"

#define RILL_UNUSED(x) ((void)(x))
#define RILL_MIN(a, b) ((a) < (b) ? (a) : (b))
#define RILL_MAX(a, b) ((a) > (b) ? (a) : (b))

/* Symbols of the public API; everything else in the library is hidden. */
#define RILL_API __attribute__((visibility("default")))

static inline void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void put_be64(uint8_t *p, uint64_t v)
{
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}

static inline uint16_t get_be16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           (uint32_t)p[3];
}

static inline uint64_t get_be64(const uint8_t *p)
{
    return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

/* Milliseconds of CLOCK_MONOTONIC, for timeouts (never for timestamps). */
int64_t rill_monotonic_ms(void);
/* Microseconds of CLOCK_MONOTONIC. */
int64_t rill_monotonic_us(void);
/* Milliseconds since the epoch from CLOCK_REALTIME. */
int64_t rill_realtime_ms(void);

/* strdup that returns NULL on failure without touching errno's meaning. */
char *rill_strdup(const char *s);

/* Adopts a caller's options struct: *defaults (size bytes, filled by the
 * type's _init, struct_size first) takes the given struct's first
 * struct_size bytes, so an older program's struct gets the defaults of
 * fields added since. RILL_EINVAL when struct_size is 0 (not initialised),
 * RILL_EVERSION when it is larger than this library's. type names it in
 * messages ("rill_options"). */
int options_adopt(void *defaults, size_t size, const void *given,
                  const char *type);

#endif
