/*
 * recbatch.h -- Kafka's RecordBatch (magic 2): decoding the records of a
 * Produce request, encoding the records of a Fetch response.
 *
 * A records blob is zero or more batches back to back. Each batch:
 *
 *   int64 base_offset, int32 batch_length (bytes after this field),
 *   int32 partition_leader_epoch, int8 magic (2), uint32 crc (CRC-32C of
 *   everything from attributes to the end), int16 attributes, int32
 *   last_offset_delta, int64 first_timestamp, int64 max_timestamp, int64
 *   producer_id, int16 producer_epoch, int32 base_sequence, int32
 *   record_count, then the records (compressed as a whole when the
 *   attributes say so).
 *
 * A record: varint length, int8 attributes, varlong timestamp_delta,
 * varint offset_delta, varint key length (-1 null) and key, varint value
 * length (-1 null) and value, varint header count, and per header a
 * varint key length and key, a varint value length (-1 null) and value.
 *
 * Attributes: bits 0-2 compression (0 none, 1 gzip, 2 snappy, 3 lz4, 4
 * zstd), bit 3 timestamp type (log append time), bit 4 transactional,
 * bit 5 control batch.
 *
 * Ownership: decoded records are views into the blob (or into the
 * decompressed copy, which lives in the arena); the record and header
 * arrays live in the arena. Nothing is allocated per record outside it.
 *
 * Thread safety: safe (no shared state; a builder is used by one thread).
 */
#ifndef KAFKA_RECBATCH_H
#define KAFKA_RECBATCH_H

#include "wire.h"

#define KAFKA_BATCH_HEADER_SIZE     61
#define KAFKA_ATTR_COMPRESSION_MASK 0x07
#define KAFKA_ATTR_LOG_APPEND_TIME  0x08
#define KAFKA_ATTR_TRANSACTIONAL    0x10
#define KAFKA_ATTR_CONTROL          0x20

enum kafka_compression {
    KAFKA_COMPRESSION_NONE = 0,
    KAFKA_COMPRESSION_GZIP = 1,
    KAFKA_COMPRESSION_SNAPPY = 2,
    KAFKA_COMPRESSION_LZ4 = 3,
    KAFKA_COMPRESSION_ZSTD = 4
};

typedef struct kafka_batch_header {
    int64_t base_offset;
    int32_t batch_length;
    int32_t partition_leader_epoch;
    int8_t magic;
    uint32_t crc;
    int16_t attributes;
    int32_t last_offset_delta;
    int64_t first_timestamp;
    int64_t max_timestamp;
    int64_t producer_id;    /* -1 when not idempotent */
    int16_t producer_epoch; /* -1 likewise */
    int32_t base_sequence;  /* -1 likewise */
    int32_t record_count;
} kafka_batch_header;

typedef struct kafka_record_header {
    kafka_str key;     /* never null */
    kafka_bytes value; /* null (len -1) is distinct from empty */
} kafka_record_header;

/* A record, decoded (absolute offset and timestamp from the batch's base
 * plus the deltas) or to be encoded (the same fields are read). */
typedef struct kafka_record {
    int64_t offset;
    int64_t timestamp;
    kafka_bytes key;   /* null distinct from empty */
    kafka_bytes value; /* null distinct from empty */
    const kafka_record_header *headers;
    int32_t header_count;
} kafka_record;

typedef struct kafka_batch {
    kafka_batch_header h;
    int compression; /* h.attributes & KAFKA_ATTR_COMPRESSION_MASK */
    kafka_record *records;
    int32_t count; /* == h.record_count */
} kafka_batch;

/* Parses one batch at the reader: the header, its length against the
 * bytes left, the magic and the CRC. *records and *records_len get the
 * (maybe compressed) record section; the reader moves past the batch.
 * Errors: TRUNCATED (a batch cut short), OLD_FORMAT (magic 0 or 1: a
 * message set, answer UNSUPPORTED_FOR_MESSAGE_FORMAT), INVALID (another
 * magic, or a length below the header's), CORRUPT (CRC mismatch). */
int kafka_batch_parse(kafka_batch_header *h, const uint8_t **records,
                      size_t *records_len, kafka_reader *r);

/* Decodes the records of a parsed batch into out (arrays in a), after
 * decompressing into the arena at most max_uncompressed bytes (0: 64
 * MiB). Checks every length against the bytes there, that exactly
 * record_count records fill the section, and header keys non-null.
 * Errors: CORRUPT, TRUNCATED, INVALID, TOO_LARGE (decompressed past the
 * limit), UNSUPPORTED (an unknown compression codec), NOMEM. */
int kafka_batch_decode_records(kafka_batch *out, kafka_arena *a,
                               const kafka_batch_header *h,
                               const uint8_t *records, size_t records_len,
                               size_t max_uncompressed);

/* Decodes a whole records blob (a Produce partition's records): every
 * batch, parsed and decoded as above, into an arena array. Returns 0 or
 * the first batch's error; *out and *count are set only on success. An
 * empty blob gives zero batches. max_uncompressed bounds each batch;
 * the arena's limit bounds them all together (decompressed records are
 * kept in the arena). */
int kafka_records_decode(kafka_batch **out, int32_t *count, kafka_arena *a,
                         const uint8_t *blob, size_t len,
                         size_t max_uncompressed);

/* ---- encoding ---- */

/* What the builder writes into a batch header; kafka_batch_meta_init
 * fills the defaults of a non-idempotent batch (producer id, epoch and
 * sequence -1, leader epoch -1, attributes 0). */
typedef struct kafka_batch_meta {
    int64_t base_offset;
    int32_t partition_leader_epoch;
    int16_t attributes; /* transactional/control/timestamp type bits */
    int64_t producer_id;
    int16_t producer_epoch;
    int32_t base_sequence;
} kafka_batch_meta;

void kafka_batch_meta_init(kafka_batch_meta *m, int64_t base_offset);

/* Builds one batch at the end of a writer: begin writes the header with
 * placeholders, add appends records, finish fills in lengths, count,
 * timestamps and CRC (compressing the records first unless compression
 * is NONE). first_timestamp is the first record's timestamp. Offsets are
 * each record's own (base_offset + delta; they must not go below
 * base_offset, else INVALID). Errors are the writer's (NOMEM, INVALID),
 * and sticky: finish reports the first. */
typedef struct kafka_batch_builder {
    kafka_writer *w;
    size_t start; /* offset of the batch in w */
    kafka_batch_meta meta;
    int32_t count;
    int32_t last_delta;
    int64_t first_ts;
    int64_t max_ts;
} kafka_batch_builder;

int kafka_batch_begin(kafka_batch_builder *b, kafka_writer *w,
                      const kafka_batch_meta *m);
int kafka_batch_add(kafka_batch_builder *b, const kafka_record *rec);
int kafka_batch_finish(kafka_batch_builder *b, int compression);

/* Encodes n records as one uncompressed batch. */
int kafka_batch_encode(kafka_writer *w, const kafka_batch_meta *m,
                       const kafka_record *recs, int32_t n);

/* A control batch of one marker record at offset: commit or abort of
 * the transaction of producer_id/epoch, with the coordinator's epoch. */
int kafka_batch_encode_control(kafka_writer *w, int64_t offset,
                               int64_t producer_id, int16_t producer_epoch,
                               bool commit, int32_t coordinator_epoch,
                               int64_t timestamp);

/* Reads a control record's key: *commit true for COMMIT (type 1), false
 * for ABORT (type 0). INVALID for anything else. */
int kafka_control_record_parse(const kafka_record *rec, bool *commit);

#endif
