/*
 * mpwrite.h -- small helpers for packing rill's msgpack records (topics,
 * groups, producers) with msgpack-c into a rill_buf.
 */
#ifndef RILL_MPWRITE_H
#define RILL_MPWRITE_H

#include <msgpack.h>

#include "common.h"

/* Packs a NUL-terminated string as a msgpack str. */
static inline int mpw_str(msgpack_packer *pk, const char *s)
{
    size_t n = strlen(s);
    return msgpack_pack_str(pk, n) | msgpack_pack_str_body(pk, s, n);
}

#endif
