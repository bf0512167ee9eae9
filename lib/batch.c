/*
 * batch.c -- the record-batch codec.
 *
 * A stored batch (the value of one log entry) is a fixed header followed by
 * the payload. All integers are big-endian.
 *
 *   offset size  field
 *    0      4    magic "RILB"
 *    4      4    CRC32C of bytes 8 .. end (header rest and payload)
 *    8      1    format version (1)
 *    9      1    compression of the payload: 0 none, 1 zstd
 *   10      2    flags: bit 0 compacted (offsets sparse); others zero
 *   12      8    base offset (equals the log key)
 *   20      4    last offset delta: the batch covers base .. base+delta
 *   24      4    record count (<= last offset delta + 1)
 *   28      8    first timestamp (ms): the base of every record's delta
 *   36      8    max timestamp (ms) of the batch's records
 *   44      8    prefix bytes: stored bytes of the partition's batches
 *                before this one, since the partition began (so a
 *                partition's size is the tail's end minus the head's prefix)
 *   52      4    raw length: bytes of the encoded records, uncompressed
 *   56      4    payload length: bytes that follow the header
 *   60           payload: the records, zstd-compressed if flagged
 *
 * The records are record_count msgpack arrays, one after another:
 *
 *   [offset delta: uint, timestamp delta: int, key: bin | nil,
 *    value: bin | nil (nil = tombstone), headers: map str -> bin | nil]
 *
 * A nil header value is a NULL one, distinct from an empty bin (Kafka
 * keeps the two apart); directories of format 1 never hold one.
 *
 * Offset deltas strictly increase and the last equals the header's last
 * offset delta. Header maps may repeat a key (Kafka allows it).
 */
#include "batch.h"

#include <stdlib.h>
#include <zstd.h>

#include "crc.h"
#include "error.h"

/* ---- encoding ---- */

static int pack_write(void *data, const char *buf, size_t len)
{
    batch_builder *b = data;
    if (b->err)
        return -1;
    int rc = buf_append(b->out, buf, len);
    if (rc) {
        b->err = rc;
        return -1;
    }
    return 0;
}

int batch_begin(batch_builder *b, rill_buf *out, int64_t first_ts)
{
    memset(b, 0, sizeof *b);
    b->out = out;
    b->start = out->len;
    b->first_ts = first_ts;
    b->max_ts = first_ts;
    msgpack_packer_init(&b->pk, b, pack_write);
    int rc = buf_reserve(out, BATCH_HEADER_SIZE);
    if (rc)
        return rc;
    memset(out->data + out->len, 0, BATCH_HEADER_SIZE);
    out->len += BATCH_HEADER_SIZE;
    return 0;
}

int batch_add(batch_builder *b, uint32_t offset_delta, int64_t timestamp,
              const void *key, size_t key_len, const void *value,
              size_t value_len, const rill_header *headers,
              size_t header_count)
{
    msgpack_packer *pk = &b->pk;
    msgpack_pack_array(pk, 5);
    msgpack_pack_uint32(pk, offset_delta);
    msgpack_pack_int64(pk, timestamp - b->first_ts);
    if (key) {
        msgpack_pack_bin(pk, key_len);
        msgpack_pack_bin_body(pk, key, key_len);
    } else {
        msgpack_pack_nil(pk);
    }
    if (value) {
        msgpack_pack_bin(pk, value_len);
        msgpack_pack_bin_body(pk, value, value_len);
    } else {
        msgpack_pack_nil(pk);
    }
    msgpack_pack_map(pk, header_count);
    for (size_t i = 0; i < header_count; i++) {
        size_t kl = strlen(headers[i].key);
        msgpack_pack_str(pk, kl);
        msgpack_pack_str_body(pk, headers[i].key, kl);
        if (!headers[i].value) {
            msgpack_pack_nil(pk);
            continue;
        }
        msgpack_pack_bin(pk, headers[i].value_len);
        msgpack_pack_bin_body(pk, headers[i].value, headers[i].value_len);
    }
    if (b->err)
        return b->err;
    b->count++;
    b->last_delta = offset_delta;
    if (timestamp > b->max_ts)
        b->max_ts = timestamp;
    return 0;
}

int batch_add_record(batch_builder *b, uint32_t offset_delta,
                     const batch_record *r)
{
    msgpack_packer *pk = &b->pk;
    msgpack_pack_array(pk, 5);
    msgpack_pack_uint32(pk, offset_delta);
    msgpack_pack_int64(pk, r->timestamp - b->first_ts);
    if (r->key) {
        msgpack_pack_bin(pk, r->key_len);
        msgpack_pack_bin_body(pk, r->key, r->key_len);
    } else {
        msgpack_pack_nil(pk);
    }
    if (r->value) {
        msgpack_pack_bin(pk, r->value_len);
        msgpack_pack_bin_body(pk, r->value, r->value_len);
    } else {
        msgpack_pack_nil(pk);
    }
    msgpack_pack_map(pk, r->header_count);
    pack_write(b, (const char *)r->headers, r->headers_len); /* as stored */
    if (b->err)
        return b->err;
    b->count++;
    b->last_delta = offset_delta;
    if (r->timestamp > b->max_ts)
        b->max_ts = r->timestamp;
    return 0;
}

size_t batch_raw_size(const batch_builder *b)
{
    return b->out->len - b->start - BATCH_HEADER_SIZE;
}

/* Replaces the raw payload by its zstd frame when that is smaller. The
 * frame is written past the raw bytes first, then moved down. */
static int compress_payload(batch_builder *b, int level, void *cctx,
                            size_t *payload_len, int *compression)
{
    rill_buf *out = b->out;
    size_t raw_len = batch_raw_size(b);
    size_t bound = ZSTD_compressBound(raw_len);
    int rc = buf_reserve(out, bound);
    if (rc)
        return rc;
    uint8_t *raw = out->data + b->start + BATCH_HEADER_SIZE;
    uint8_t *dst = out->data + out->len;
    size_t z;
    if (cctx) {
        z = ZSTD_compressCCtx(cctx, dst, bound, raw, raw_len, level);
    } else {
        z = ZSTD_compress(dst, bound, raw, raw_len, level);
    }
    if (ZSTD_isError(z))
        return rill_err(RILL_ENOMEM, "zstd compression failed: %s",
                        ZSTD_getErrorName(z));
    if (z < raw_len) {
        memmove(raw, dst, z);
        out->len = b->start + BATCH_HEADER_SIZE + z;
        *payload_len = z;
        *compression = BATCH_COMPRESSION_ZSTD;
    }
    return 0;
}

int batch_finish(batch_builder *b, int compression, int level, void *cctx,
                 uint16_t flags)
{
    if (b->err)
        return b->err;
    size_t raw_len = batch_raw_size(b);
    if (b->count == 0 || raw_len > BATCH_RAW_MAX)
        return rill_err(RILL_EINVAL, "batch of %u records and %zu bytes "
                        "cannot be stored", b->count, raw_len);
    size_t payload_len = raw_len;
    int stored = BATCH_COMPRESSION_NONE;
    if (compression == BATCH_COMPRESSION_ZSTD) {
        int rc = compress_payload(b, level, cctx, &payload_len, &stored);
        if (rc)
            return rc;
    }
    uint8_t *h = b->out->data + b->start;
    put_be32(h, BATCH_MAGIC);
    put_be32(h + 4, 0);
    h[8] = BATCH_VERSION;
    h[9] = (uint8_t)stored;
    put_be16(h + 10, flags);
    put_be64(h + 12, 0);
    put_be32(h + 20, b->last_delta);
    put_be32(h + 24, b->count);
    put_be64(h + 28, (uint64_t)b->first_ts);
    put_be64(h + 36, (uint64_t)b->max_ts);
    put_be64(h + 44, 0);
    put_be32(h + 52, (uint32_t)raw_len);
    put_be32(h + 56, (uint32_t)payload_len);
    return 0;
}

void batch_seal(uint8_t *batch, size_t len, int64_t base_offset,
                int64_t prefix_bytes)
{
    put_be64(batch + 12, (uint64_t)base_offset);
    put_be64(batch + 44, (uint64_t)prefix_bytes);
    put_be32(batch + 4, crc32c(0, batch + 8, len - 8));
}

/* ---- decoding ---- */

int batch_parse_header(batch_header *h, const uint8_t *buf, size_t len,
                       size_t max_raw)
{
    if (len < BATCH_HEADER_SIZE)
        return rill_err(RILL_ECORRUPT, "batch of %zu bytes is shorter than "
                        "its %d-byte header", len, BATCH_HEADER_SIZE);
    if (get_be32(buf) != BATCH_MAGIC)
        return rill_err(RILL_ECORRUPT, "batch magic is 0x%08x, not 0x%08x",
                        get_be32(buf), BATCH_MAGIC);
    h->crc = get_be32(buf + 4);
    h->version = buf[8];
    h->compression = buf[9];
    h->flags = get_be16(buf + 10);
    h->base_offset = (int64_t)get_be64(buf + 12);
    h->last_offset_delta = get_be32(buf + 20);
    h->record_count = get_be32(buf + 24);
    h->first_timestamp = (int64_t)get_be64(buf + 28);
    h->max_timestamp = (int64_t)get_be64(buf + 36);
    h->prefix_bytes = (int64_t)get_be64(buf + 44);
    h->raw_len = get_be32(buf + 52);
    h->payload_len = get_be32(buf + 56);

    if (h->version != BATCH_VERSION)
        return rill_err(RILL_EVERSION, "batch format version %u (this rill "
                        "reads version %d)", h->version, BATCH_VERSION);
    if (h->compression > BATCH_COMPRESSION_ZSTD)
        return rill_err(RILL_ECORRUPT, "unknown batch compression %u",
                        h->compression);
    if (h->flags & ~BATCH_FLAGS_KNOWN)
        return rill_err(RILL_ECORRUPT, "unknown batch flags 0x%04x", h->flags);
    if (h->base_offset < 0 ||
        h->base_offset > INT64_MAX - (int64_t)h->last_offset_delta - 1)
        return rill_err(RILL_ECORRUPT, "batch base offset %lld is out of "
                        "range", (long long)h->base_offset);
    if (h->payload_len != len - BATCH_HEADER_SIZE)
        return rill_err(RILL_ECORRUPT, "batch payload length %u does not "
                        "match the %zu bytes stored", h->payload_len,
                        len - BATCH_HEADER_SIZE);
    if (h->raw_len > max_raw || h->raw_len > BATCH_RAW_MAX)
        return rill_err(RILL_ECORRUPT, "batch claims %u raw bytes, over the "
                        "limit of %zu", h->raw_len,
                        RILL_MIN(max_raw, (size_t)BATCH_RAW_MAX));
    if (h->compression == BATCH_COMPRESSION_NONE &&
        h->raw_len != h->payload_len)
        return rill_err(RILL_ECORRUPT, "uncompressed batch has raw length "
                        "%u but payload length %u", h->raw_len,
                        h->payload_len);
    if (h->record_count == 0 ||
        (uint64_t)h->record_count > (uint64_t)h->last_offset_delta + 1 ||
        (uint64_t)h->record_count * BATCH_RECORD_MIN_BYTES > h->raw_len)
        return rill_err(RILL_ECORRUPT, "batch record count %u does not fit "
                        "its offset span %u or its %u raw bytes",
                        h->record_count, h->last_offset_delta + 1, h->raw_len);
    if (h->prefix_bytes < 0)
        return rill_err(RILL_ECORRUPT, "batch prefix bytes %lld are "
                        "negative", (long long)h->prefix_bytes);
    if (h->max_timestamp < h->first_timestamp)
        return rill_err(RILL_ECORRUPT, "batch max timestamp %lld is before "
                        "its first %lld", (long long)h->max_timestamp,
                        (long long)h->first_timestamp);
    return 0;
}

int batch_check_crc(const batch_header *h, const uint8_t *buf, size_t len)
{
    uint32_t crc = crc32c(0, buf + 8, len - 8);
    if (crc != h->crc)
        return rill_err(RILL_ECORRUPT, "batch CRC32C is 0x%08x, computed "
                        "0x%08x", h->crc, crc);
    return 0;
}

int batch_raw(const uint8_t **raw, const batch_header *h, const uint8_t *buf,
              rill_buf *scratch, void *dctx)
{
    const uint8_t *payload = buf + BATCH_HEADER_SIZE;
    if (h->compression == BATCH_COMPRESSION_NONE) {
        *raw = payload;
        return 0;
    }
    scratch->len = 0;
    int rc = buf_reserve(scratch, h->raw_len ? h->raw_len : 1);
    if (rc)
        return rc;
    size_t n;
    if (dctx)
        n = ZSTD_decompressDCtx(dctx, scratch->data, h->raw_len, payload,
                                h->payload_len);
    else
        n = ZSTD_decompress(scratch->data, h->raw_len, payload,
                            h->payload_len);
    if (ZSTD_isError(n))
        return rill_err(RILL_ECORRUPT, "batch payload does not decompress "
                        "into its %u raw bytes: %s", h->raw_len,
                        ZSTD_getErrorName(n));
    if (n != h->raw_len)
        return rill_err(RILL_ECORRUPT, "batch payload decompressed to %zu "
                        "bytes, header says %u", n, h->raw_len);
    scratch->len = n;
    *raw = scratch->data;
    return 0;
}

void batch_iter_init(batch_iter *it, const batch_header *h, const uint8_t *raw)
{
    mpr_init(&it->r, raw, h->raw_len);
    it->h = h;
    it->index = 0;
    it->prev_offset = -1;
}

static int record_corrupt(const batch_iter *it, const char *what)
{
    return rill_err(RILL_ECORRUPT, "record %u of the batch at offset %lld: %s",
                    it->index, (long long)it->h->base_offset, what);
}

/* Reads a bin or nil. */
static bool read_opt_bin(mpr *r, const uint8_t **p, uint32_t *len)
{
    if (mpr_nil(r)) {
        *p = NULL;
        *len = 0;
        return true;
    }
    return mpr_bin(r, p, len);
}

static bool read_headers(mpr *r, batch_record *rec)
{
    uint32_t n;
    if (!mpr_map(r, &n))
        return false;
    rec->header_count = n;
    rec->headers = r->p;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *k, *v;
        uint32_t kl, vl;
        if (!batch_header_next(r, &k, &kl, &v, &vl))
            return false;
    }
    rec->headers_len = (size_t)(r->p - rec->headers);
    return true;
}

int batch_iter_next(batch_iter *it, batch_record *rec)
{
    const batch_header *h = it->h;
    mpr *r = &it->r;
    if (it->index == h->record_count) {
        if (mpr_left(r) != 0)
            return record_corrupt(it, "bytes left after the last record");
        /* A compacted batch keeps its span, but may have lost its last
         * records. */
        if (it->prev_offset != h->base_offset + h->last_offset_delta &&
            !(h->flags & BATCH_FLAG_COMPACTED))
            return record_corrupt(it, "last offset does not match the header");
        return 0;
    }
    uint32_t fields;
    uint64_t delta;
    int64_t ts_delta;
    if (!mpr_array(r, &fields) || fields != 5)
        return record_corrupt(it, "not a 5-field record");
    if (!mpr_uint(r, &delta) || delta > h->last_offset_delta)
        return record_corrupt(it, "offset delta out of range");
    rec->offset = h->base_offset + (int64_t)delta;
    if (rec->offset <= it->prev_offset)
        return record_corrupt(it, "offsets do not increase");
    if (!mpr_int(r, &ts_delta) ||
        __builtin_add_overflow(h->first_timestamp, ts_delta, &rec->timestamp) ||
        rec->timestamp > h->max_timestamp)
        return record_corrupt(it, "timestamp out of range");
    if (!read_opt_bin(r, &rec->key, &rec->key_len))
        return record_corrupt(it, "bad key");
    if (!read_opt_bin(r, &rec->value, &rec->value_len))
        return record_corrupt(it, "bad value");
    if (!read_headers(r, rec))
        return record_corrupt(it, "bad headers");
    it->prev_offset = rec->offset;
    it->index++;
    return 1;
}

bool batch_header_next(mpr *r, const uint8_t **key, uint32_t *key_len,
                       const uint8_t **value, uint32_t *value_len)
{
    if (!mpr_str(r, key, key_len) || *key_len > BATCH_HEADER_KEY_MAX)
        return mpr_fail(r);
    if (mpr_nil(r)) {
        *value = NULL;
        *value_len = 0;
        return true;
    }
    return mpr_bin(r, value, value_len);
}

int batch_validate(const uint8_t *buf, size_t len, size_t max_raw,
                   rill_buf *scratch)
{
    batch_header h;
    const uint8_t *raw;
    batch_iter it;
    batch_record rec;
    int rc = batch_parse_header(&h, buf, len, max_raw);
    if (!rc)
        rc = batch_check_crc(&h, buf, len);
    if (!rc)
        rc = batch_raw(&raw, &h, buf, scratch, NULL);
    if (rc)
        return rc;
    batch_iter_init(&it, &h, raw);
    while ((rc = batch_iter_next(&it, &rec)) == 1)
        ;
    return rc;
}
