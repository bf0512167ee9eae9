/*
 * fuzz_meta.c -- the metadata decoders (topic records, group records),
 * the topic-name validator and the configuration checks on arbitrary
 * bytes.
 */
#include "group.h"
#include "topic.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    topic_meta t;
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    if (topic_meta_decode(&t, "fuzz", buf, size) == 0) {
        rill_topic_config c;
        if (topic_config_resolve(&c, &t.cfg) != 0)
            abort(); /* decode accepts only valid configurations */
        rill_buf out = {0};
        topic_meta back;
        if (topic_meta_encode(&t, &out) == 0 &&
            (topic_meta_decode(&back, "fuzz", out.data, out.len) != 0 ||
             back.id != t.id || back.cfg.partitions != t.cfg.partitions))
            abort(); /* what decodes re-encodes to the same */
        buf_free(&out);
    }
    gstate st;
    if (gstate_decode(&st, "fuzz", buf, size) == 0) {
        rill_buf out = {0};
        gstate back;
        if (gstate_encode(&st, &out) != 0 ||
            gstate_decode(&back, "fuzz", out.data, out.len) != 0 ||
            back.nmembers != st.nmembers || back.generation != st.generation)
            abort(); /* what decodes re-encodes to the same */
        gstate_free(&back);
        gstate_free(&st);
        buf_free(&out);
    }
    char name[300];
    size_t n = size < sizeof name - 1 ? size : sizeof name - 1;
    memcpy(name, data, n);
    name[n] = '\0';
    topic_name_validate(name);
    if (size >= sizeof(rill_topic_config)) {
        rill_topic_config in, out;
        memcpy(&in, data, sizeof in);
        /* A whole struct as this header defines it, with a string, not
         * the input's bytes, for its one pointer (a program's own
         * pointers are not the library's to check). */
        in.struct_size = sizeof in;
        in.retain_groups = name;
        topic_config_resolve(&out, &in);
    }
    free(buf);
    return 0;
}
