/*
 * batch.h -- the record-batch codec: encode, decode, CRC32C, zstd.
 *
 * Pure: no I/O, no LMDB, no global state beyond zstd contexts the caller
 * owns. Every decoder entry point treats its input as hostile. The byte
 * format is in batch.c's header comment and docs/FORMAT.md.
 */
#ifndef RILL_BATCH_H
#define RILL_BATCH_H

#include "common.h"

#include <msgpack.h>

#include "buf.h"
#include "mpread.h"

#define BATCH_MAGIC 0x52494c42u /* "RILB" */
#define BATCH_VERSION 1
#define BATCH_HEADER_SIZE 60

#define BATCH_COMPRESSION_NONE 0
#define BATCH_COMPRESSION_ZSTD 1

/* Flags: bit 0 marks a batch rewritten by compaction (offsets sparse).
 * Other bits are reserved and must be zero. */
#define BATCH_FLAG_COMPACTED 0x0001u
#define BATCH_FLAGS_KNOWN BATCH_FLAG_COMPACTED

/* The smallest encoded record: [0, 0, nil, nil, {}]. */
#define BATCH_RECORD_MIN_BYTES 6

/* Header keys are at most this long; a record has at most this many. */
#define BATCH_HEADER_KEY_MAX 255
#define BATCH_HEADERS_MAX 65535

/* No stored batch may claim more raw bytes than this: the largest record
 * (RILL_RECORD_BYTES_MAX) plus the encoding of the most headers. It bounds
 * what a decoder ever allocates, whatever the input says. */
#define BATCH_RAW_MAX (RILL_RECORD_BYTES_MAX + 2u * 1024 * 1024)

typedef struct batch_header {
    uint32_t crc;
    uint8_t version;
    uint8_t compression;
    uint16_t flags;
    int64_t base_offset;
    uint32_t last_offset_delta; /* next offset = base + last_delta + 1 */
    uint32_t record_count;
    int64_t first_timestamp;
    int64_t max_timestamp;
    int64_t prefix_bytes; /* stored bytes of the partition before it */
    uint32_t raw_len;     /* bytes of encoded records, uncompressed */
    uint32_t payload_len; /* bytes stored after the header */
} batch_header;

/* ---- encoding ---- */

typedef struct batch_builder {
    rill_buf *out;  /* the batch is appended here */
    size_t start;   /* where its header begins in out */
    uint32_t count;
    uint32_t last_delta;
    int64_t first_ts;
    int64_t max_ts;
    msgpack_packer pk;
    int err;
} batch_builder;

/* Starts a batch at the end of out; first_ts is the first record's
 * timestamp (the base of every record's delta). */
int batch_begin(batch_builder *b, rill_buf *out, int64_t first_ts);

/* Appends one record. key/value NULL mean nil; header keys are
 * NUL-terminated. Offset deltas must increase. Returns 0 or RILL_ENOMEM. */
int batch_add(batch_builder *b, uint32_t offset_delta, int64_t timestamp,
              const void *key, size_t key_len, const void *value,
              size_t value_len, const rill_header *headers,
              size_t header_count);

/* Appends a record decoded from another batch (compaction), its headers
 * copied as stored. */
struct batch_record;
int batch_add_record(batch_builder *b, uint32_t offset_delta,
                     const struct batch_record *r);

/* Bytes of encoded records so far (the raw payload). */
size_t batch_raw_size(const batch_builder *b);

/* Finishes the batch: writes the header, compresses the payload with zstd
 * at level when compression asks and it makes the batch smaller (cctx is
 * a ZSTD_CCtx the caller owns, or NULL to make one per call), sets flags.
 * The CRC and base offset are filled later by batch_seal. */
int batch_finish(batch_builder *b, int compression, int level, void *cctx,
                 uint16_t flags);

/* Sets the base offset and the partition's bytes before the batch, and
 * computes the CRC of a finished batch in place. */
void batch_seal(uint8_t *batch, size_t len, int64_t base_offset,
                int64_t prefix_bytes);

/* ---- decoding ---- */

/* Parses and checks the fixed header of a stored batch of len bytes:
 * magic, version, flags, lengths against len and max_raw, counts against
 * lengths. Does not check the CRC. Returns 0, RILL_ECORRUPT or
 * RILL_EVERSION, with a message. */
int batch_parse_header(batch_header *h, const uint8_t *buf, size_t len,
                       size_t max_raw);

/* Checks the CRC32C of a batch whose header parsed. */
int batch_check_crc(const batch_header *h, const uint8_t *buf, size_t len);

/* Gives the raw (uncompressed) records of a checked batch: a pointer into
 * buf when stored uncompressed, otherwise decompressed into scratch, sized
 * from the header's raw_len (never from the zstd frame's claim) with dctx
 * (a ZSTD_DCtx the caller owns, or NULL). */
int batch_raw(const uint8_t **raw, const batch_header *h, const uint8_t *buf,
              rill_buf *scratch, void *dctx);

typedef struct batch_record {
    int64_t offset;
    int64_t timestamp;
    const uint8_t *key; /* NULL when nil */
    uint32_t key_len;
    const uint8_t *value; /* NULL when nil (a tombstone) */
    uint32_t value_len;
    uint32_t header_count;
    const uint8_t *headers; /* header_count (str, bin) pairs, msgpack */
    size_t headers_len;
} batch_record;

typedef struct batch_iter {
    mpr r;
    const batch_header *h;
    uint32_t index;
    int64_t prev_offset;
} batch_iter;

/* Iterates the records of raw (from batch_raw). */
void batch_iter_init(batch_iter *it, const batch_header *h, const uint8_t *raw);

/* Decodes the next record into *rec: 1 when one was read, 0 after the
 * last (which also checks the payload was consumed exactly), or
 * RILL_ECORRUPT with a message naming the record. */
int batch_iter_next(batch_iter *it, batch_record *rec);

/* Reads the next header of a record's header list: *key (not
 * NUL-terminated) and *value point into the batch. Returns false if the
 * list is malformed (it was validated by batch_iter_next, so only on a
 * bug). */
bool batch_header_next(mpr *r, const uint8_t **key, uint32_t *key_len,
                       const uint8_t **value, uint32_t *value_len);

/* Decodes and checks a whole batch (header, CRC, every record), as
 * rill verify and the fuzzer do. Returns 0 or the first error. */
int batch_validate(const uint8_t *buf, size_t len, size_t max_raw,
                   rill_buf *scratch);

#endif
