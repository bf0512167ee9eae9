/*
 * compress.h -- the compression codecs of Kafka record batches: gzip,
 * snappy, lz4 and zstd, as Kafka's clients frame them.
 *
 *   gzip    zlib's gzip wrapper (a zlib wrapper is accepted too);
 *           concatenated members are decoded in turn.
 *   snappy  the Java clients' (and kafkajs') xerial framing: magic
 *           "\x82SNAPPY\0", int32 version, int32 compatible version, then
 *           blocks of int32 length + raw snappy; or one raw snappy block
 *           (librdkafka). Both are detected.
 *   lz4     the LZ4 frame format (LZ4F). Frames from old clients whose
 *           header checksum covers the magic too (Kafka before 0.10) are
 *           accepted.
 *   zstd    zstd frames, streamed: the frame's declared content size is
 *           not trusted.
 *
 * Decompression never grows its output past the caller's maximum (plus
 * the writer's doubling slack): a bomb fails with TOO_LARGE instead of
 * allocating. Thread safety: safe (no shared state).
 */
#ifndef KAFKA_COMPRESS_H
#define KAFKA_COMPRESS_H

#include "wire.h"

/* Appends the decompression of len bytes at in (codec as in recbatch.h:
 * 1 gzip, 2 snappy, 3 lz4, 4 zstd) to out. Returns 0; CORRUPT (input
 * that does not decode, or ends inside a frame); TOO_LARGE (more than
 * max_out bytes would come out); UNSUPPORTED (another codec); NOMEM. On
 * error out->len is back where it was. */
int kafka_decompress(kafka_writer *out, int codec, const uint8_t *in,
                     size_t len, size_t max_out);

/* Appends the compression of in to out in the framing above (snappy:
 * xerial, as the Java client writes it). Returns 0, UNSUPPORTED or
 * NOMEM. */
int kafka_compress(kafka_writer *out, int codec, const uint8_t *in, size_t len);

#endif
