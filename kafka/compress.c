/*
 * compress.c -- gzip (zlib), snappy, lz4 (frame) and zstd for record
 * batches; the framings are described in compress.h.
 *
 * Every decompressor streams into the writer in chunks and stops when
 * the output would pass the caller's maximum, whatever sizes the input
 * declares: the output is bounded by max_out, never by the input's
 * claims. Each library's errors are translated here and nowhere else.
 */
#include "compress.h"

#include <limits.h>
#include <string.h>

#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#define CHUNK_MIN 65536

/* Room for the next chunk of output: at least the input's size (or 64
 * KiB), at most what is left of the allowance plus one byte, so that
 * passing the limit is seen. Returns the chunk size or 0 on NOMEM. */
static size_t next_chunk(kafka_writer *w, size_t produced, size_t max_out,
                         size_t hint)
{
    size_t left = max_out - produced + 1;
    if (left == 0)
        left = SIZE_MAX; /* no limit */
    size_t want = hint < CHUNK_MIN ? CHUNK_MIN : hint;
    if (produced > want)
        want = produced; /* double the output each time */
    if (want > left)
        want = left;
    if (want > UINT_MAX)
        want = UINT_MAX;
    if (kafka_writer_grow(w, want))
        return 0;
    return want;
}

static int gunzip(kafka_writer *w, const uint8_t *in, size_t len,
                  size_t max_out)
{
    size_t start = w->len;
    int rc = 0;
    if (len > UINT_MAX)
        return KAFKA_ERR_TOO_LARGE;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 15 + 32) != Z_OK) /* gzip or zlib wrapper */
        return KAFKA_ERR_NOMEM;
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    for (;;) {
        size_t chunk = next_chunk(w, w->len - start, max_out, len * 4);
        if (!chunk) {
            rc = KAFKA_ERR_NOMEM;
            goto done;
        }
        zs.next_out = w->buf + w->len;
        zs.avail_out = (uInt)chunk;
        int z = inflate(&zs, Z_NO_FLUSH);
        w->len += chunk - zs.avail_out;
        if (w->len - start > max_out) {
            rc = KAFKA_ERR_TOO_LARGE;
            goto done;
        }
        if (z == Z_STREAM_END) {
            if (zs.avail_in == 0)
                break;
            if (inflateReset(&zs) != Z_OK) { /* the next gzip member */
                rc = KAFKA_ERR_CORRUPT;
                goto done;
            }
            continue;
        }
        if (z == Z_MEM_ERROR) {
            rc = KAFKA_ERR_NOMEM;
            goto done;
        }
        if ((z != Z_OK && z != Z_BUF_ERROR) ||
            (zs.avail_in == 0 && zs.avail_out != 0)) {
            rc = KAFKA_ERR_CORRUPT; /* bad data, or input ended early */
            goto done;
        }
    }
done:
    inflateEnd(&zs);
    if (rc)
        w->len = start;
    return rc;
}

static const uint8_t xerial_magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};

/* One raw snappy block, its declared size checked against the limit
 * before anything is allocated. */
static int unsnappy_block(kafka_writer *w, const uint8_t *in, size_t len,
                          size_t start, size_t max_out)
{
    size_t n;
    if (snappy_uncompressed_length((const char *)in, len, &n) != SNAPPY_OK)
        return KAFKA_ERR_CORRUPT;
    if (n > max_out - (w->len - start))
        return KAFKA_ERR_TOO_LARGE;
    if (kafka_writer_grow(w, n))
        return KAFKA_ERR_NOMEM;
    if (snappy_uncompress((const char *)in, len, (char *)w->buf + w->len, &n) !=
        SNAPPY_OK)
        return KAFKA_ERR_CORRUPT;
    w->len += n;
    return 0;
}

static int unsnappy(kafka_writer *w, const uint8_t *in, size_t len,
                    size_t max_out)
{
    size_t start = w->len;
    int rc = 0;
    if (len < 16 || memcmp(in, xerial_magic, 8) != 0) {
        rc = unsnappy_block(w, in, len, start, max_out);
        goto done;
    }
    size_t pos = 16; /* magic, version, compatible version */
    while (pos < len && !rc) {
        if (len - pos < 4) {
            rc = KAFKA_ERR_CORRUPT;
            break;
        }
        uint32_t n = (uint32_t)in[pos] << 24 | (uint32_t)in[pos + 1] << 16 |
                     (uint32_t)in[pos + 2] << 8 | in[pos + 3];
        pos += 4;
        if (n > len - pos) {
            rc = KAFKA_ERR_CORRUPT;
            break;
        }
        rc = unsnappy_block(w, in + pos, n, start, max_out);
        pos += n;
    }
done:
    if (rc)
        w->len = start;
    return rc;
}

/* XXH32 of a short buffer (under 16 bytes: an LZ4 frame descriptor),
 * for the header-checksum repair below. */
static uint32_t xxh32_short(const uint8_t *p, size_t len)
{
    const uint32_t P2 = 2246822519u, P3 = 3266489917u, P4 = 668265263u,
                   P5 = 374761393u;
    uint32_t h = P5 + (uint32_t)len;
    size_t i = 0;
    for (; i + 4 <= len; i += 4) {
        uint32_t k = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 |
                     (uint32_t)p[i + 2] << 16 | (uint32_t)p[i + 3] << 24;
        h += k * P3;
        h = ((h << 17) | (h >> 15)) * P4;
    }
    for (; i < len; i++) {
        h += p[i] * P5;
        h = ((h << 11) | (h >> 21)) * 2654435761u;
    }
    h ^= h >> 15;
    h *= P2;
    h ^= h >> 13;
    h *= P3;
    h ^= h >> 16;
    return h;
}

/* The size of an LZ4 frame header (magic to checksum byte), or 0. */
static size_t lz4_header_size(const uint8_t *in, size_t len)
{
    static const uint8_t magic[4] = {0x04, 0x22, 0x4d, 0x18};
    if (len < 7 || memcmp(in, magic, 4) != 0)
        return 0;
    size_t n = 4 + 2 + ((in[4] & 0x08) ? 8 : 0) + ((in[4] & 0x01) ? 4 : 0);
    return n + 1 <= len ? n + 1 : 0;
}

/* Old Kafka clients computed the LZ4 header checksum over the magic
 * too. When the frame's checksum is that one, copy the frame with the
 * right checksum into *fixed (caller frees) so LZ4F accepts it. */
static bool lz4_repair_header(const uint8_t *in, size_t len,
                              kafka_writer *fixed)
{
    size_t hs = lz4_header_size(in, len);
    if (!hs)
        return false;
    uint8_t broken = (uint8_t)(xxh32_short(in, hs - 1) >> 8);
    if (in[hs - 1] != broken)
        return false;
    kafka_write_raw(fixed, in, len);
    if (fixed->err)
        return false;
    fixed->buf[hs - 1] = (uint8_t)(xxh32_short(in + 4, hs - 5) >> 8);
    return true;
}

static int unlz4(kafka_writer *w, const uint8_t *in, size_t len, size_t max_out)
{
    size_t start = w->len;
    int rc = 0;
    bool repaired = false;
    kafka_writer fixed;
    kafka_writer_init(&fixed);
    LZ4F_dctx *dctx = NULL;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)))
        return KAFKA_ERR_NOMEM;
retry:;
    size_t pos = 0, hint = 1;
    while (pos < len) {
        size_t chunk = next_chunk(w, w->len - start, max_out, len * 4);
        if (!chunk) {
            rc = KAFKA_ERR_NOMEM;
            goto done;
        }
        size_t out_n = chunk, in_n = len - pos;
        hint = LZ4F_decompress(dctx, w->buf + w->len, &out_n, in + pos, &in_n,
                               NULL);
        if (LZ4F_isError(hint)) {
            if (!repaired && pos == 0 &&
                strcmp(LZ4F_getErrorName(hint),
                       "ERROR_headerChecksum_invalid") == 0 &&
                lz4_repair_header(in, len, &fixed)) {
                repaired = true;
                in = fixed.buf;
                LZ4F_resetDecompressionContext(dctx);
                w->len = start;
                goto retry;
            }
            rc = KAFKA_ERR_CORRUPT;
            goto done;
        }
        pos += in_n;
        w->len += out_n;
        if (w->len - start > max_out) {
            rc = KAFKA_ERR_TOO_LARGE;
            goto done;
        }
        if (in_n == 0 && out_n == 0) {
            rc = KAFKA_ERR_CORRUPT; /* no progress */
            goto done;
        }
    }
    /* Drain what the context still holds, then insist the frame ended. */
    while (hint != 0) {
        size_t chunk = next_chunk(w, w->len - start, max_out, len * 4);
        if (!chunk) {
            rc = KAFKA_ERR_NOMEM;
            goto done;
        }
        size_t out_n = chunk, in_n = 0;
        hint =
            LZ4F_decompress(dctx, w->buf + w->len, &out_n, NULL, &in_n, NULL);
        if (LZ4F_isError(hint) || out_n == 0) {
            rc = KAFKA_ERR_CORRUPT; /* input ended inside a frame */
            goto done;
        }
        w->len += out_n;
        if (w->len - start > max_out) {
            rc = KAFKA_ERR_TOO_LARGE;
            goto done;
        }
    }
done:
    LZ4F_freeDecompressionContext(dctx);
    kafka_writer_free(&fixed);
    if (rc)
        w->len = start;
    return rc;
}

/* zstd's window is capped too, so a frame cannot make the decoder
 * allocate a huge window whatever the output limit. */
#define ZSTD_WINDOW_LOG_MAX 24

static int unzstd(kafka_writer *w, const uint8_t *in, size_t len,
                  size_t max_out)
{
    size_t start = w->len;
    int rc = 0;
    ZSTD_DCtx *d = ZSTD_createDCtx();
    if (!d)
        return KAFKA_ERR_NOMEM;
    ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG_MAX);
    ZSTD_inBuffer ib = {in, len, 0};
    size_t ret = 1;
    while (ib.pos < ib.size || ret != 0) {
        size_t chunk = next_chunk(w, w->len - start, max_out, len * 4);
        if (!chunk) {
            rc = KAFKA_ERR_NOMEM;
            goto done;
        }
        ZSTD_outBuffer ob = {w->buf + w->len, chunk, 0};
        size_t before = ib.pos;
        ret = ZSTD_decompressStream(d, &ob, &ib);
        if (ZSTD_isError(ret)) {
            rc = ZSTD_getErrorCode(ret) == ZSTD_error_memory_allocation
                     ? KAFKA_ERR_NOMEM
                     : KAFKA_ERR_CORRUPT;
            goto done;
        }
        w->len += ob.pos;
        if (w->len - start > max_out) {
            rc = KAFKA_ERR_TOO_LARGE;
            goto done;
        }
        if (ob.pos == 0 && ib.pos == before) {
            rc = KAFKA_ERR_CORRUPT; /* input ended inside a frame */
            goto done;
        }
    }
done:
    ZSTD_freeDCtx(d);
    if (rc)
        w->len = start;
    return rc;
}

int kafka_decompress(kafka_writer *out, int codec, const uint8_t *in,
                     size_t len, size_t max_out)
{
    if (out->err)
        return out->err;
    switch (codec) {
    case 1:
        return gunzip(out, in, len, max_out);
    case 2:
        return unsnappy(out, in, len, max_out);
    case 3:
        return unlz4(out, in, len, max_out);
    case 4:
        return unzstd(out, in, len, max_out);
    }
    return KAFKA_ERR_UNSUPPORTED;
}

/* ---- compression ---- */

static int gzip_in(kafka_writer *w, const uint8_t *in, size_t len)
{
    int rc = 0;
    if (len > UINT_MAX)
        return KAFKA_ERR_TOO_LARGE;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        return KAFKA_ERR_NOMEM;
    uLong bound = deflateBound(&zs, (uLong)len);
    if (bound > UINT_MAX || kafka_writer_grow(w, bound)) {
        rc = KAFKA_ERR_NOMEM;
        goto done;
    }
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    zs.next_out = w->buf + w->len;
    zs.avail_out = (uInt)bound;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
        rc = KAFKA_ERR_NOMEM;
    else
        w->len += bound - zs.avail_out;
done:
    deflateEnd(&zs);
    return rc;
}

#define XERIAL_BLOCK 32768

static int snappy_in(kafka_writer *w, const uint8_t *in, size_t len)
{
    static const uint8_t versions[8] = {0, 0, 0, 1, 0, 0, 0, 1};
    kafka_write_raw(w, xerial_magic, 8);
    kafka_write_raw(w, versions, 8);
    for (size_t pos = 0; pos < len && !w->err; pos += XERIAL_BLOCK) {
        size_t n = len - pos < XERIAL_BLOCK ? len - pos : XERIAL_BLOCK;
        size_t bound = snappy_max_compressed_length(n);
        size_t lenpos = w->len;
        kafka_write_u32(w, 0);
        if (kafka_writer_grow(w, bound))
            break;
        if (snappy_compress((const char *)in + pos, n, (char *)w->buf + w->len,
                            &bound) != SNAPPY_OK)
            return kafka_writer_fail(w, KAFKA_ERR_NOMEM);
        w->len += bound;
        kafka_writer_patch_i32(w, lenpos, (int32_t)bound);
    }
    return w->err;
}

static int lz4_in(kafka_writer *w, const uint8_t *in, size_t len)
{
    size_t bound = LZ4F_compressFrameBound(len, NULL);
    if (kafka_writer_grow(w, bound))
        return w->err;
    size_t n = LZ4F_compressFrame(w->buf + w->len, bound, in, len, NULL);
    if (LZ4F_isError(n))
        return KAFKA_ERR_NOMEM;
    w->len += n;
    return 0;
}

static int zstd_in(kafka_writer *w, const uint8_t *in, size_t len)
{
    size_t bound = ZSTD_compressBound(len);
    if (kafka_writer_grow(w, bound))
        return w->err;
    size_t n = ZSTD_compress(w->buf + w->len, bound, in, len, 3);
    if (ZSTD_isError(n))
        return KAFKA_ERR_NOMEM;
    w->len += n;
    return 0;
}

int kafka_compress(kafka_writer *out, int codec, const uint8_t *in, size_t len)
{
    if (out->err)
        return out->err;
    switch (codec) {
    case 1:
        return gzip_in(out, in, len);
    case 2:
        return snappy_in(out, in, len);
    case 3:
        return lz4_in(out, in, len);
    case 4:
        return zstd_in(out, in, len);
    }
    return KAFKA_ERR_UNSUPPORTED;
}
