/*
 * fuzz_kafka_recbatch.c -- the RecordBatch decoder and the decompressors
 * on arbitrary bytes. The first byte chooses: 0, a records blob (every
 * batch parsed, CRC-checked, decompressed under a 1 MiB limit, decoded;
 * each decoded batch is encoded again and must decode to the same
 * records); 1-4, that codec's decompressor alone on the rest; 5, as 0
 * after rewriting each batch's CRC, so that mutations reach the record
 * decoder instead of stopping at the checksum.
 */
#include <stdlib.h>
#include <string.h>

#include "../../kafka/compress.h"
#include "../../kafka/recbatch.h"
#include "crc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(kafka_bytes a, kafka_bytes b)
{
    return a.len == b.len &&
           (a.len <= 0 || !memcmp(a.ptr, b.ptr, (size_t)a.len));
}

static void round_trip(const kafka_batch *b, kafka_arena *a)
{
    kafka_batch_meta m;
    kafka_batch_meta_init(&m, b->h.base_offset);
    kafka_writer w;
    kafka_writer_init(&w);
    kafka_batch_builder bb;
    kafka_batch_begin(&bb, &w, &m);
    bool ordered = true;
    for (int32_t i = 0; i < b->count; i++) {
        if (b->records[i].offset < b->h.base_offset ||
            (uint64_t)b->records[i].offset - (uint64_t)b->h.base_offset >
                INT32_MAX)
            ordered = false; /* deltas the builder refuses */
        else
            kafka_batch_add(&bb, &b->records[i]);
    }
    if (!ordered || b->count == 0) {
        kafka_writer_free(&w);
        return;
    }
    if (kafka_batch_finish(&bb, 0) != 0)
        abort();
    kafka_batch *bs;
    int32_t n;
    if (kafka_records_decode(&bs, &n, a, w.buf, w.len, 1 << 20) != 0 ||
        n != 1 || bs[0].count != b->count)
        abort();
    for (int32_t i = 0; i < b->count; i++) {
        const kafka_record *x = &b->records[i], *y = &bs[0].records[i];
        if (x->offset != y->offset || x->timestamp != y->timestamp ||
            !same(x->key, y->key) || !same(x->value, y->value) ||
            x->header_count != y->header_count)
            abort();
        for (int32_t j = 0; j < x->header_count; j++)
            if (!same(x->headers[j].value, y->headers[j].value) ||
                x->headers[j].key.len != y->headers[j].key.len)
                abort();
    }
    kafka_writer_free(&w);
}

/* Rewrites the CRC of every batch whose length fits. */
static void reseal_all(uint8_t *p, size_t len)
{
    size_t pos = 0;
    while (len - pos >= KAFKA_BATCH_HEADER_SIZE) {
        uint8_t *b = p + pos;
        uint32_t bl = (uint32_t)b[8] << 24 | (uint32_t)b[9] << 16 |
                      (uint32_t)b[10] << 8 | b[11];
        if (bl < KAFKA_BATCH_HEADER_SIZE - 12 || bl > len - pos - 12)
            return;
        uint32_t crc = crc32c(0, b + 21, bl - 9);
        b[17] = (uint8_t)(crc >> 24);
        b[18] = (uint8_t)(crc >> 16);
        b[19] = (uint8_t)(crc >> 8);
        b[20] = (uint8_t)crc;
        pos += 12 + bl;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t len = size - 1;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return 0;
    memcpy(buf, data + 1, len);
    if (data[0] == 5)
        reseal_all(buf, len);
    if (data[0] == 0 || data[0] == 5) {
        kafka_arena a;
        kafka_arena_init(&a, 64 * len + (4 << 20));
        kafka_batch *bs;
        int32_t n;
        if (kafka_records_decode(&bs, &n, &a, buf, len, 1 << 20) == 0)
            for (int32_t i = 0; i < n; i++)
                round_trip(&bs[i], &a);
        kafka_arena_free(&a);
    } else if (data[0] <= 4) {
        kafka_writer w;
        kafka_writer_init(&w);
        int rc = kafka_decompress(&w, data[0], buf, len, 1 << 20);
        if (rc == 0 && w.len > (1 << 20))
            abort();
        if (rc != 0 && w.len != 0)
            abort();
        kafka_writer_free(&w);
    }
    free(buf);
    return 0;
}
