/*
 * crc.c -- CRC32C with a hardware path (SSE4.2 crc32 instruction) and a
 * portable slicing-by-8 table path, and a bytewise CRC32 (IEEE).
 *
 * Tables are built once, on first use (pthread_once), so the library has no
 * large static initializers and no constructor.
 */
#include "crc.h"

#include <pthread.h>

#define POLY_CRC32C 0x82f63b78u /* reflected Castagnoli */
#define POLY_CRC32 0xedb88320u  /* reflected IEEE */

static uint32_t table_c[8][256];
static uint32_t table_ieee[256];
static bool have_sse42;
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void tables_build(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n, d = n;
        for (int k = 0; k < 8; k++) {
            c = (c & 1) ? (c >> 1) ^ POLY_CRC32C : c >> 1;
            d = (d & 1) ? (d >> 1) ^ POLY_CRC32 : d >> 1;
        }
        table_c[0][n] = c;
        table_ieee[n] = d;
    }
    for (uint32_t n = 0; n < 256; n++)
        for (int k = 1; k < 8; k++)
            table_c[k][n] = (table_c[k - 1][n] >> 8) ^
                            table_c[0][table_c[k - 1][n] & 0xff];
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    have_sse42 = __builtin_cpu_supports("sse4.2");
#endif
}

static uint32_t crc32c_sw(uint32_t crc, const uint8_t *p, size_t len)
{
    while (len && ((uintptr_t)p & 7)) {
        crc = table_c[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
        len--;
    }
    while (len >= 8) {
        uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
                             (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
        uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 |
                      (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
        crc = table_c[7][lo & 0xff] ^ table_c[6][(lo >> 8) & 0xff] ^
              table_c[5][(lo >> 16) & 0xff] ^ table_c[4][lo >> 24] ^
              table_c[3][hi & 0xff] ^ table_c[2][(hi >> 8) & 0xff] ^
              table_c[1][(hi >> 16) & 0xff] ^ table_c[0][hi >> 24];
        p += 8;
        len -= 8;
    }
    while (len--)
        crc = table_c[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t
crc32c_hw(uint32_t crc, const uint8_t *p, size_t len)
{
    uint64_t c = crc;
    while (len && ((uintptr_t)p & 7)) {
        c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
        len--;
    }
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c = __builtin_ia32_crc32di(c, w);
        p += 8;
        len -= 8;
    }
    while (len--)
        c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
    return (uint32_t)c;
}
#endif

uint32_t crc32c(uint32_t crc, const void *data, size_t len)
{
    pthread_once(&tables_once, tables_build);
    crc = ~crc;
#if defined(__x86_64__)
    if (have_sse42)
        return ~crc32c_hw(crc, data, len);
#endif
    return ~crc32c_sw(crc, data, len);
}

uint32_t crc32_ieee(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
    pthread_once(&tables_once, tables_build);
    crc = ~crc;
    while (len--)
        crc = table_ieee[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}
