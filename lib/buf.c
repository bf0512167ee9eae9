/*
 * buf.c -- the growable byte buffer: doubling growth, checked for
 * overflow, never shrinking until freed.
 */
#include "buf.h"

#include <stdlib.h>

#include "error.h"

int buf_reserve(rill_buf *b, size_t extra)
{
    if (extra <= b->cap - b->len)
        return 0;
    if (extra > SIZE_MAX / 2 - b->len)
        return rill_err(RILL_ENOMEM, "buffer of %zu bytes cannot grow by %zu",
                        b->len, extra);
    size_t need = b->len + extra;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p)
        return rill_err(RILL_ENOMEM, "out of memory growing a buffer to %zu bytes",
                        cap);
    b->data = p;
    b->cap = cap;
    return 0;
}

int buf_append(rill_buf *b, const void *p, size_t n)
{
    int rc = buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

void buf_free(rill_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int buf_msgpack_write(void *data, const char *p, size_t n)
{
    return buf_append(data, p, n) ? -1 : 0;
}
