/*
 * buf.h -- a growable byte buffer (the encoder's output, the consumer's
 * copy of fetched batches, decompression scratch).
 */
#ifndef RILL_BUF_H
#define RILL_BUF_H

#include "common.h"

typedef struct rill_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} rill_buf;

/* Makes room for extra more bytes after len. Returns 0 or RILL_ENOMEM
 * (with a message); on failure the buffer is unchanged. */
int buf_reserve(rill_buf *b, size_t extra);

/* Appends n bytes. Returns 0 or RILL_ENOMEM. */
int buf_append(rill_buf *b, const void *p, size_t n);

/* Frees the memory and zeroes the buffer. */
void buf_free(rill_buf *b);

/* A msgpack_packer write callback appending to the rill_buf in data;
 * returns -1 when out of memory. */
int buf_msgpack_write(void *data, const char *p, size_t n);

#endif
