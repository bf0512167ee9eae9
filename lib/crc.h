/*
 * crc.h -- CRC32C (Castagnoli), the checksum of every stored batch, and
 * CRC32 (IEEE, as zlib), which librdkafka's "consistent" partitioner uses.
 */
#ifndef RILL_CRC_H
#define RILL_CRC_H

#include "common.h"

/* CRC32C of len bytes at data, continuing from crc (0 to start). Uses the
 * SSE4.2 instruction when the CPU has it. */
uint32_t crc32c(uint32_t crc, const void *data, size_t len);

/* CRC32 (IEEE 802.3, reflected, as zlib's crc32) of len bytes. */
uint32_t crc32_ieee(uint32_t crc, const void *data, size_t len);

#endif
