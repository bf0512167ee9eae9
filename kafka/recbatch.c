/*
 * recbatch.c -- RecordBatch v2 decode and encode (format in recbatch.h).
 *
 * Decoding checks, in order: the batch length against the bytes left,
 * the magic, the CRC-32C, the record count against the section's size
 * (each record takes at least 7 bytes, so a hostile count cannot become
 * a large allocation), every varint length against the bytes of its
 * record, that each record's fields fill exactly its declared length,
 * and that exactly record_count records fill the section.
 *
 * Encoding computes each record's size arithmetically and writes it in
 * one reserved span, so a record costs one bounds check and no
 * allocation; the CRC (hardware CRC-32C where the CPU has it) is taken
 * once at the end.
 */
#include "recbatch.h"

#include <string.h>

#include "compress.h"
#include "crc.h"

#define RECORD_MIN_SIZE  7  /* length, attrs, ts, offset, key, value, n */
#define AFTER_CRC_HEADER 40 /* attributes .. record_count */
#define CRC_OFFSET       17 /* base_offset, length, epoch, magic */
#define ATTRS_OFFSET     21
#define DEFAULT_MAX      (64u << 20)

static inline void be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void be64(uint8_t *p, uint64_t v)
{
    be32(p, (uint32_t)(v >> 32));
    be32(p + 4, (uint32_t)v);
}

static inline int64_t add_wrap(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a + (uint64_t)b);
}

int kafka_batch_parse(kafka_batch_header *h, const uint8_t **records,
                      size_t *records_len, kafka_reader *r)
{
    if (kafka_reader_remaining(r) < CRC_OFFSET)
        return kafka_reader_fail(r, KAFKA_ERR_TRUNCATED,
                                 "batch header cut short");
    h->base_offset = kafka_read_i64(r);
    h->batch_length = kafka_read_i32(r);
    h->partition_leader_epoch = kafka_read_i32(r);
    h->magic = kafka_read_i8(r);
    if (h->magic == 0 || h->magic == 1)
        return kafka_reader_fail(r, KAFKA_ERR_OLD_FORMAT,
                                 "message set of magic 0 or 1");
    if (h->magic != 2)
        return kafka_reader_fail(r, KAFKA_ERR_INVALID, "unknown magic");
    if (h->batch_length < KAFKA_BATCH_HEADER_SIZE - 12)
        return kafka_reader_fail(r, KAFKA_ERR_INVALID,
                                 "batch length below the header's");
    if ((size_t)h->batch_length - 5 > kafka_reader_remaining(r))
        return kafka_reader_fail(r, KAFKA_ERR_TRUNCATED, "batch cut short");
    h->crc = kafka_read_u32(r);
    size_t rest = (size_t)h->batch_length - 9;
    const uint8_t *p = kafka_read_raw(r, rest);
    if (!p)
        return r->err;
    if (crc32c(0, p, rest) != h->crc)
        return kafka_reader_fail(r, KAFKA_ERR_CORRUPT, "batch CRC mismatch");
    kafka_reader hr;
    kafka_reader_init(&hr, p, AFTER_CRC_HEADER);
    h->attributes = kafka_read_i16(&hr);
    h->last_offset_delta = kafka_read_i32(&hr);
    h->first_timestamp = kafka_read_i64(&hr);
    h->max_timestamp = kafka_read_i64(&hr);
    h->producer_id = kafka_read_i64(&hr);
    h->producer_epoch = kafka_read_i16(&hr);
    h->base_sequence = kafka_read_i32(&hr);
    h->record_count = kafka_read_i32(&hr);
    *records = p + AFTER_CRC_HEADER;
    *records_len = rest - AFTER_CRC_HEADER;
    return 0;
}

/* A varint length of a key, value or header value: -1 null, else a span
 * the record holds. */
static kafka_bytes read_varbytes(kafka_reader *r, bool nullable)
{
    kafka_bytes b = {NULL, -1};
    int32_t n = kafka_read_varint(r);
    if (r->err)
        return b;
    if (n < -1 || (n == -1 && !nullable)) {
        kafka_reader_fail(r, KAFKA_ERR_CORRUPT, "negative record length");
        return b;
    }
    if (n >= 0) {
        b.ptr = kafka_read_raw(r, (size_t)n);
        b.len = b.ptr ? n : -1;
    }
    return b;
}

/* One record at r into rec; its headers go into the arena. */
static void decode_record(kafka_record *rec, kafka_arena *a, kafka_reader *r,
                          const kafka_batch_header *h)
{
    int32_t len = kafka_read_varint(r);
    if (r->err)
        return;
    if (len < 0) {
        kafka_reader_fail(r, KAFKA_ERR_CORRUPT, "negative record length");
        return;
    }
    const uint8_t *body = kafka_read_raw(r, (size_t)len);
    if (!body)
        return;
    kafka_reader rr;
    kafka_reader_init(&rr, body, (size_t)len);
    (void)kafka_read_i8(&rr); /* record attributes: unused */
    int64_t ts_delta = kafka_read_varlong(&rr);
    int32_t off_delta = kafka_read_varint(&rr);
    rec->key = read_varbytes(&rr, true);
    rec->value = read_varbytes(&rr, true);
    int32_t n = kafka_read_varint(&rr);
    rec->headers = NULL;
    rec->header_count = 0;
    if (!rr.err && (n < 0 || (size_t)n > kafka_reader_remaining(&rr) / 2))
        kafka_reader_fail(&rr, KAFKA_ERR_CORRUPT, "bad header count");
    if (!rr.err && n > 0) {
        kafka_record_header *hs = kafka_arena_alloc(a, (size_t)n * sizeof *hs);
        if (!hs) {
            kafka_reader_fail(r, KAFKA_ERR_NOMEM, "arena exhausted");
            return;
        }
        for (int32_t i = 0; i < n && !rr.err; i++) {
            kafka_bytes k = read_varbytes(&rr, false);
            hs[i].key.ptr = (const char *)k.ptr;
            hs[i].key.len = k.len;
            hs[i].value = read_varbytes(&rr, true);
        }
        rec->headers = hs;
        rec->header_count = n;
    }
    if (!rr.err && kafka_reader_remaining(&rr) != 0)
        kafka_reader_fail(&rr, KAFKA_ERR_CORRUPT,
                          "record shorter than its length");
    if (rr.err) {
        /* A record's own bytes are all there: any shortfall inside it is
         * corruption, not a truncated request. */
        kafka_reader_fail(
            r, rr.err == KAFKA_ERR_TRUNCATED ? KAFKA_ERR_CORRUPT : rr.err,
            rr.why);
        return;
    }
    rec->offset = add_wrap(h->base_offset, off_delta);
    rec->timestamp = add_wrap(h->first_timestamp, ts_delta);
}

int kafka_batch_decode_records(kafka_batch *out, kafka_arena *a,
                               const kafka_batch_header *h,
                               const uint8_t *records, size_t records_len,
                               size_t max_uncompressed)
{
    out->h = *h;
    out->compression = h->attributes & KAFKA_ATTR_COMPRESSION_MASK;
    out->records = NULL;
    out->count = 0;
    if (out->compression != KAFKA_COMPRESSION_NONE) {
        kafka_writer w;
        kafka_writer_init(&w);
        int rc =
            kafka_decompress(&w, out->compression, records, records_len,
                             max_uncompressed ? max_uncompressed : DEFAULT_MAX);
        uint8_t *copy = NULL;
        if (rc == 0 && !(copy = kafka_arena_alloc(a, w.len)))
            rc = KAFKA_ERR_NOMEM;
        if (rc == 0 && w.len)
            memcpy(copy, w.buf, w.len);
        records_len = w.len;
        kafka_writer_free(&w);
        if (rc)
            return rc;
        records = copy;
    }
    if (h->record_count < 0 ||
        (size_t)h->record_count > records_len / RECORD_MIN_SIZE)
        return KAFKA_ERR_CORRUPT;
    kafka_reader r;
    kafka_reader_init(&r, records, records_len);
    kafka_record *recs = NULL;
    if (h->record_count > 0) {
        recs = kafka_arena_alloc(a, (size_t)h->record_count * sizeof *recs);
        if (!recs)
            return KAFKA_ERR_NOMEM;
    }
    for (int32_t i = 0; i < h->record_count && !r.err; i++)
        decode_record(&recs[i], a, &r, h);
    if (r.err)
        return r.err == KAFKA_ERR_TRUNCATED ? KAFKA_ERR_CORRUPT : r.err;
    if (kafka_reader_remaining(&r) != 0)
        return KAFKA_ERR_CORRUPT; /* more bytes than record_count records */
    out->records = recs;
    out->count = h->record_count;
    return 0;
}

int kafka_records_decode(kafka_batch **out, int32_t *count, kafka_arena *a,
                         const uint8_t *blob, size_t len,
                         size_t max_uncompressed)
{
    /* Count the batches by their lengths first, to size the array. */
    size_t n = 0, pos = 0;
    while (len - pos >= 12) {
        int32_t bl = (int32_t)((uint32_t)blob[pos + 8] << 24 |
                               (uint32_t)blob[pos + 9] << 16 |
                               (uint32_t)blob[pos + 10] << 8 | blob[pos + 11]);
        n++;
        if (bl < 0 || (size_t)bl > len - pos - 12)
            break;
        pos += 12 + (size_t)bl;
    }
    if (pos < len && len - pos < 12)
        n++; /* a fragment: parsing it reports the error */
    kafka_batch *bs = NULL;
    if (n && !(bs = kafka_arena_alloc(a, n * sizeof *bs)))
        return KAFKA_ERR_NOMEM;
    kafka_reader r;
    kafka_reader_init(&r, blob, len);
    size_t i = 0;
    while (kafka_reader_remaining(&r) > 0) {
        const uint8_t *recs;
        size_t recs_len;
        kafka_batch_header h;
        int rc = kafka_batch_parse(&h, &recs, &recs_len, &r);
        if (!rc && i >= n)
            rc = KAFKA_ERR_INVALID; /* cannot happen: counted above */
        if (!rc)
            rc = kafka_batch_decode_records(&bs[i], a, &h, recs, recs_len,
                                            max_uncompressed);
        if (rc)
            return rc;
        i++;
    }
    *out = bs;
    *count = (int32_t)i;
    return 0;
}

/* ---- encoding ---- */

void kafka_batch_meta_init(kafka_batch_meta *m, int64_t base_offset)
{
    m->base_offset = base_offset;
    m->partition_leader_epoch = -1;
    m->attributes = 0;
    m->producer_id = -1;
    m->producer_epoch = -1;
    m->base_sequence = -1;
}

int kafka_batch_begin(kafka_batch_builder *b, kafka_writer *w,
                      const kafka_batch_meta *m)
{
    b->w = w;
    b->start = w->len;
    b->meta = *m;
    b->count = 0;
    b->last_delta = 0;
    b->first_ts = -1;
    b->max_ts = -1;
    uint8_t *p = kafka_writer_reserve(w, KAFKA_BATCH_HEADER_SIZE);
    if (p)
        memset(p, 0, KAFKA_BATCH_HEADER_SIZE);
    return w->err;
}

static inline uint8_t *put_uvar(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* A nullable length and its bytes. */
static inline uint8_t *put_varbytes(uint8_t *p, const void *d, int32_t len)
{
    p = put_uvar(p, kafka_zigzag32(len < 0 ? -1 : len));
    if (len > 0) {
        memcpy(p, d, (size_t)len);
        p += len;
    }
    return p;
}

static inline uint64_t varbytes_size(int32_t len)
{
    return len < 0 ? 1 : kafka_varint_size(len) + (uint64_t)len;
}

int kafka_batch_add(kafka_batch_builder *b, const kafka_record *rec)
{
    kafka_writer *w = b->w;
    if (w->err)
        return w->err;
    /* Unsigned, so a far-off offset cannot overflow the subtraction. */
    uint64_t off_delta = (uint64_t)rec->offset - (uint64_t)b->meta.base_offset;
    if (rec->offset < b->meta.base_offset || off_delta > INT32_MAX ||
        rec->header_count < 0 || (rec->header_count && !rec->headers))
        return kafka_writer_fail(w, KAFKA_ERR_INVALID);
    if (b->count == 0)
        b->first_ts = b->max_ts = rec->timestamp;
    else if (rec->timestamp > b->max_ts)
        b->max_ts = rec->timestamp;
    int64_t ts_delta =
        (int64_t)((uint64_t)rec->timestamp - (uint64_t)b->first_ts);
    uint64_t body =
        1 + kafka_varlong_size(ts_delta) +
        kafka_varint_size((int32_t)off_delta) + varbytes_size(rec->key.len) +
        varbytes_size(rec->value.len) + kafka_varint_size(rec->header_count);
    for (int32_t i = 0; i < rec->header_count; i++) {
        const kafka_record_header *hd = &rec->headers[i];
        if (hd->key.len < 0)
            return kafka_writer_fail(w, KAFKA_ERR_INVALID);
        body += varbytes_size(hd->key.len) + varbytes_size(hd->value.len);
    }
    if (body > INT32_MAX)
        return kafka_writer_fail(w, KAFKA_ERR_INVALID);
    size_t total = kafka_varint_size((int32_t)body) + (size_t)body;
    uint8_t *p = kafka_writer_reserve(w, total);
    if (!p)
        return w->err;
    p = put_uvar(p, kafka_zigzag32((int32_t)body));
    *p++ = 0; /* record attributes */
    p = put_uvar(p, kafka_zigzag64(ts_delta));
    p = put_uvar(p, kafka_zigzag32((int32_t)off_delta));
    p = put_varbytes(p, rec->key.ptr, rec->key.len);
    p = put_varbytes(p, rec->value.ptr, rec->value.len);
    p = put_uvar(p, kafka_zigzag32(rec->header_count));
    for (int32_t i = 0; i < rec->header_count; i++) {
        const kafka_record_header *hd = &rec->headers[i];
        p = put_varbytes(p, hd->key.ptr, hd->key.len);
        p = put_varbytes(p, hd->value.ptr, hd->value.len);
    }
    b->count++;
    b->last_delta = (int32_t)off_delta;
    return 0;
}

/* Replaces the record section after the header by its compression. */
static int compress_section(kafka_batch_builder *b, int compression)
{
    kafka_writer *w = b->w;
    size_t recs = b->start + KAFKA_BATCH_HEADER_SIZE;
    kafka_writer tmp;
    kafka_writer_init(&tmp);
    int rc = kafka_compress(&tmp, compression, w->buf + recs, w->len - recs);
    if (rc == 0) {
        w->len = recs;
        kafka_write_raw(w, tmp.buf, tmp.len);
        rc = w->err;
    }
    kafka_writer_free(&tmp);
    return rc ? kafka_writer_fail(w, rc) : 0;
}

int kafka_batch_finish(kafka_batch_builder *b, int compression)
{
    kafka_writer *w = b->w;
    if (w->err)
        return w->err;
    if (b->count == 0 || compression < 0 ||
        compression > KAFKA_COMPRESSION_ZSTD)
        return kafka_writer_fail(w, KAFKA_ERR_INVALID);
    if (compression && compress_section(b, compression))
        return w->err;
    size_t len = w->len - b->start;
    if (len - 12 > INT32_MAX)
        return kafka_writer_fail(w, KAFKA_ERR_TOO_LARGE);
    uint8_t *p = w->buf + b->start;
    int16_t attrs =
        (int16_t)((b->meta.attributes & ~KAFKA_ATTR_COMPRESSION_MASK) |
                  compression);
    be64(p, (uint64_t)b->meta.base_offset);
    be32(p + 8, (uint32_t)(len - 12));
    be32(p + 12, (uint32_t)b->meta.partition_leader_epoch);
    p[16] = 2;
    be16(p + 21, (uint16_t)attrs);
    be32(p + 23, (uint32_t)b->last_delta);
    be64(p + 27, (uint64_t)b->first_ts);
    be64(p + 35, (uint64_t)b->max_ts);
    be64(p + 43, (uint64_t)b->meta.producer_id);
    be16(p + 51, (uint16_t)b->meta.producer_epoch);
    be32(p + 53, (uint32_t)b->meta.base_sequence);
    be32(p + 57, (uint32_t)b->count);
    be32(p + CRC_OFFSET, crc32c(0, p + ATTRS_OFFSET, len - ATTRS_OFFSET));
    return 0;
}

int kafka_batch_encode(kafka_writer *w, const kafka_batch_meta *m,
                       const kafka_record *recs, int32_t n)
{
    kafka_batch_builder b;
    if (kafka_batch_begin(&b, w, m))
        return w->err;
    for (int32_t i = 0; i < n; i++)
        if (kafka_batch_add(&b, &recs[i]))
            return w->err;
    return kafka_batch_finish(&b, KAFKA_COMPRESSION_NONE);
}

int kafka_batch_encode_control(kafka_writer *w, int64_t offset,
                               int64_t producer_id, int16_t producer_epoch,
                               bool commit, int32_t coordinator_epoch,
                               int64_t timestamp)
{
    uint8_t key[4], value[6];
    be16(key, 0); /* version */
    be16(key + 2, commit ? 1 : 0);
    be16(value, 0); /* version */
    be32(value + 2, (uint32_t)coordinator_epoch);
    kafka_batch_meta m;
    kafka_batch_meta_init(&m, offset);
    m.attributes = KAFKA_ATTR_TRANSACTIONAL | KAFKA_ATTR_CONTROL;
    m.producer_id = producer_id;
    m.producer_epoch = producer_epoch;
    kafka_record rec = {offset, timestamp, {key, 4}, {value, 6}, NULL, 0};
    return kafka_batch_encode(w, &m, &rec, 1);
}

int kafka_control_record_parse(const kafka_record *rec, bool *commit)
{
    if (rec->key.len < 4 || !rec->key.ptr)
        return KAFKA_ERR_INVALID;
    int16_t version = (int16_t)(rec->key.ptr[0] << 8 | rec->key.ptr[1]);
    int16_t type = (int16_t)(rec->key.ptr[2] << 8 | rec->key.ptr[3]);
    if (version < 0 || (type != 0 && type != 1))
        return KAFKA_ERR_INVALID;
    *commit = type == 1;
    return 0;
}
