/*
 * fuzz_kafka_request.c -- a Kafka request frame as a broker reads it
 * (int32 size, header, body; the key and version in the header choose
 * the codec): decoding must fail or succeed without crashing, reading
 * out of bounds or allocating much beyond the input's size; what decodes
 * must re-encode, and the re-encoding must decode to itself. The record
 * batches of a Produce and the consumer-protocol payloads of JoinGroup
 * and SyncGroup are decoded too, as the gateway would. The bytes after
 * the header are also decoded as a response body of the same API and
 * version, for the client side of the codecs.
 */
#include <stdlib.h>
#include <string.h>

#include "../../kafka/msg_core.h"
#include "../../kafka/msg_group.h"
#include "../../kafka/recbatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decoded once more from its own encoding, a body must encode the same. */
static void reencode(const void *body, kafka_arena *a, int16_t key, int16_t v,
                     bool response)
{
    const kafka_api_info *api = kafka_api_lookup(key);
    kafka_writer w1, w2;
    kafka_writer_init(&w1);
    kafka_writer_init(&w2);
    if (kafka_body_encode(&w1, body, key, v, response) != 0)
        abort();
    void *again =
        kafka_arena_alloc(a, response ? api->resp_size : api->req_size);
    kafka_reader r;
    kafka_reader_init(&r, w1.buf, w1.len);
    if (!again || kafka_body_decode(again, a, &r, key, v, response) != 0 ||
        kafka_reader_remaining(&r) != 0)
        abort();
    if (kafka_body_encode(&w2, again, key, v, response) != 0 ||
        w1.len != w2.len || (w1.len && memcmp(w1.buf, w2.buf, w1.len) != 0))
        abort();
    kafka_writer_free(&w1);
    kafka_writer_free(&w2);
}

/* The body as a response of the header's API and version. */
static void as_response(const uint8_t *buf, size_t len, kafka_arena *a)
{
    kafka_reader r;
    kafka_req_header h;
    kafka_reader_init(&r, buf, len);
    if (kafka_req_header_decode(&h, &r) != 0 ||
        !kafka_api_supported(h.api_key, h.api_version))
        return;
    const kafka_api_info *api = kafka_api_lookup(h.api_key);
    void *body = kafka_arena_alloc(a, api->resp_size);
    if (body &&
        kafka_body_decode(body, a, &r, h.api_key, h.api_version, true) == 0)
        reencode(body, a, h.api_key, h.api_version, true);
}

static void payloads(const kafka_request *req, kafka_arena *a)
{
    if (req->header.api_key == KAFKA_API_PRODUCE) {
        const kafka_produce_req *p = req->body;
        for (int32_t i = 0; i < p->topics.n; i++)
            for (int32_t j = 0; j < p->topics.v[i].partitions.n; j++) {
                kafka_bytes rec = p->topics.v[i].partitions.v[j].records;
                kafka_batch *bs;
                int32_t n;
                if (rec.len > 0)
                    (void)kafka_records_decode(&bs, &n, a, rec.ptr,
                                               (size_t)rec.len, 1 << 20);
            }
    } else if (req->header.api_key == KAFKA_API_JOIN_GROUP) {
        const kafka_join_group_req *j = req->body;
        for (int32_t i = 0; i < j->protocols.n; i++) {
            kafka_bytes md = j->protocols.v[i].metadata;
            kafka_consumer_subscription s;
            (void)kafka_consumer_subscription_decode(&s, a, md.ptr,
                                                     (size_t)md.len);
        }
    } else if (req->header.api_key == KAFKA_API_SYNC_GROUP) {
        const kafka_sync_group_req *s = req->body;
        for (int32_t i = 0; i < s->assignments.n; i++) {
            kafka_bytes as = s->assignments.v[i].assignment;
            kafka_consumer_assignment out;
            (void)kafka_consumer_assignment_decode(&out, a, as.ptr,
                                                   (size_t)as.len);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    size_t len = (size_t)data[0] << 24 | (size_t)data[1] << 16 |
                 (size_t)data[2] << 8 | data[3];
    if (len > size - 4)
        len = size - 4; /* a short read: decode what there is */
    /* Copy, so reads past the end are caught by the sanitizer exactly. */
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return 0;
    memcpy(buf, data + 4, len);
    kafka_arena a;
    kafka_arena_init(&a, 64 * len + (1 << 20));
    kafka_request req;
    if (kafka_request_decode(&req, &a, buf, len) == 0) {
        reencode(req.body, &a, req.header.api_key, req.header.api_version,
                 false);
        payloads(&req, &a);
    }
    as_response(buf, len, &a);
    /* An answer can always be encoded, even to an unsupported version. */
    kafka_api_versions_resp resp;
    kafka_writer w;
    kafka_writer_init(&w);
    if (kafka_api_versions_resp_init(&resp, &a, KAFKA_UNSUPPORTED_VERSION) ==
            0 &&
        kafka_api_versions_resp_encode(&w, &resp, 0) != 0)
        abort();
    kafka_writer_free(&w);
    kafka_arena_free(&a);
    free(buf);
    return 0;
}
