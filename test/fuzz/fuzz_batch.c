/*
 * fuzz_batch.c -- the record-batch decoder on arbitrary bytes: it must
 * return an error or decode, never crash, read out of bounds, or allocate
 * from a length it has not checked.
 */
#include "batch.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rill_buf scratch = {0};
    batch_header h;
    /* Copy, so reads past the end are caught by the sanitizer exactly. */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    if (batch_parse_header(&h, buf, size, BATCH_RAW_MAX) == 0) {
        const uint8_t *raw;
        /* Skip the CRC so the fuzzer reaches the record decoder. */
        if (batch_raw(&raw, &h, buf, &scratch, NULL) == 0) {
            batch_iter it;
            batch_record rec;
            batch_iter_init(&it, &h, raw);
            while (batch_iter_next(&it, &rec) == 1) {
                mpr r;
                const uint8_t *k, *v;
                uint32_t kl, vl;
                mpr_init(&r, rec.headers, rec.headers_len);
                for (uint32_t i = 0; i < rec.header_count; i++)
                    if (!batch_header_next(&r, &k, &kl, &v, &vl))
                        abort(); /* validated by batch_iter_next */
            }
        }
    }
    batch_validate(buf, size, BATCH_RAW_MAX, &scratch);
    buf_free(&scratch);
    free(buf);
    return 0;
}
