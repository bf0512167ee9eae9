/*
 * api.c -- the table of APIs and versions, Kafka's error names, request
 * and response headers, and the dispatch from (key, version) to a
 * message schema.
 *
 * The table is the single statement of what this codec supports: the
 * ApiVersions answer is built from it, and every decode and encode checks
 * against it.
 */
#include "api.h"

#include "msg_admin.h"
#include "msg_core.h"
#include "msg_group.h"
#include "msg_txn.h"
#include "schema.h"

#define NOFLEX INT16_MAX

#define API(key, name, lo, hi, flex, sym)                                      \
    {                                                                          \
        KAFKA_API_##key, name, lo, hi, flex, &kafka_schema_##sym##_req,        \
            &kafka_schema_##sym##_resp, sizeof(kafka_##sym##_req),             \
            sizeof(kafka_##sym##_resp)                                         \
    }

/* In key order. The last column before the symbol is Kafka's first
 * flexible version of the API, which decides the header versions. */
static const kafka_api_info apis[] = {
    API(PRODUCE, "Produce", 0, 8, 9, produce),
    API(FETCH, "Fetch", 4, 11, 12, fetch),
    API(LIST_OFFSETS, "ListOffsets", 1, 5, 6, list_offsets),
    API(METADATA, "Metadata", 0, 8, 9, metadata),
    API(OFFSET_COMMIT, "OffsetCommit", 2, 7, 8, offset_commit),
    API(OFFSET_FETCH, "OffsetFetch", 1, 5, 6, offset_fetch),
    API(FIND_COORDINATOR, "FindCoordinator", 0, 2, 3, find_coordinator),
    API(JOIN_GROUP, "JoinGroup", 0, 5, 6, join_group),
    API(HEARTBEAT, "Heartbeat", 0, 3, 4, heartbeat),
    API(LEAVE_GROUP, "LeaveGroup", 0, 3, 4, leave_group),
    API(SYNC_GROUP, "SyncGroup", 0, 3, 4, sync_group),
    API(DESCRIBE_GROUPS, "DescribeGroups", 0, 4, 5, describe_groups),
    API(LIST_GROUPS, "ListGroups", 0, 2, 3, list_groups),
    API(SASL_HANDSHAKE, "SaslHandshake", 0, 1, NOFLEX, sasl_handshake),
    API(API_VERSIONS, "ApiVersions", 0, 3, 3, api_versions),
    API(CREATE_TOPICS, "CreateTopics", 0, 4, 5, create_topics),
    API(DELETE_TOPICS, "DeleteTopics", 0, 3, 4, delete_topics),
    API(INIT_PRODUCER_ID, "InitProducerId", 0, 1, 2, init_producer_id),
    API(ADD_PARTITIONS_TO_TXN, "AddPartitionsToTxn", 0, 2, 3,
        add_partitions_to_txn),
    API(ADD_OFFSETS_TO_TXN, "AddOffsetsToTxn", 0, 2, 3, add_offsets_to_txn),
    API(END_TXN, "EndTxn", 0, 2, 3, end_txn),
    API(TXN_OFFSET_COMMIT, "TxnOffsetCommit", 0, 2, 3, txn_offset_commit),
    API(DESCRIBE_CONFIGS, "DescribeConfigs", 0, 3, 4, describe_configs),
    API(SASL_AUTHENTICATE, "SaslAuthenticate", 0, 1, 2, sasl_authenticate),
    API(CREATE_PARTITIONS, "CreatePartitions", 0, 1, 2, create_partitions),
};

#define NAPIS (sizeof apis / sizeof apis[0])

const kafka_api_info *kafka_api_all(size_t *count)
{
    *count = NAPIS;
    return apis;
}

const kafka_api_info *kafka_api_lookup(int16_t key)
{
    for (size_t i = 0; i < NAPIS; i++)
        if (apis[i].key == key)
            return &apis[i];
    return NULL;
}

bool kafka_api_supported(int16_t key, int16_t version)
{
    const kafka_api_info *api = kafka_api_lookup(key);
    return api && version >= api->min_version && version <= api->max_version;
}

bool kafka_api_flexible(int16_t key, int16_t version)
{
    const kafka_api_info *api = kafka_api_lookup(key);
    return api && version >= api->flexible_from;
}

/* ---- error codes ---- */

const char *kafka_error_name(int16_t code)
{
    switch (code) {
#define KAFKA_ERROR_CASE_(name, num)                                           \
    case num:                                                                  \
        return #name;
        KAFKA_ERRORS(KAFKA_ERROR_CASE_)
#undef KAFKA_ERROR_CASE_
    }
    return "UNKNOWN";
}

int16_t kafka_error_for(int err)
{
    switch (err) {
    case KAFKA_OK:
        return KAFKA_NONE;
    case KAFKA_ERR_UNSUPPORTED_VERSION:
        return KAFKA_UNSUPPORTED_VERSION;
    case KAFKA_ERR_OLD_FORMAT:
        return KAFKA_UNSUPPORTED_FOR_MESSAGE_FORMAT;
    case KAFKA_ERR_UNSUPPORTED:
        return KAFKA_UNSUPPORTED_COMPRESSION_TYPE;
    case KAFKA_ERR_TOO_LARGE:
        return KAFKA_MESSAGE_TOO_LARGE;
    case KAFKA_ERR_NOMEM:
        return KAFKA_UNKNOWN_SERVER_ERROR;
    default: /* truncated, invalid, corrupt */
        return KAFKA_CORRUPT_MESSAGE;
    }
}

/* ---- headers ---- */

int16_t kafka_req_header_version(int16_t api_key, int16_t api_version)
{
    return kafka_api_flexible(api_key, api_version) ? 2 : 1;
}

int16_t kafka_resp_header_version(int16_t api_key, int16_t api_version)
{
    if (api_key == KAFKA_API_API_VERSIONS)
        return 0;
    return kafka_api_flexible(api_key, api_version) ? 1 : 0;
}

static int header_decode(kafka_req_header *h, kafka_reader *r, int16_t hv)
{
    h->api_key = kafka_read_i16(r);
    h->api_version = kafka_read_i16(r);
    h->correlation_id = kafka_read_i32(r);
    h->client_id = KAFKA_STR_NULL;
    h->header_version = 0;
    if (r->err)
        return r->err;
    if (hv < 0)
        hv = kafka_req_header_version(h->api_key, h->api_version);
    h->header_version = hv;
    if (hv >= 1)
        h->client_id = kafka_read_string(r, false, true);
    if (hv >= 2)
        kafka_read_skip_tags(r);
    return r->err;
}

int kafka_req_header_decode(kafka_req_header *h, kafka_reader *r)
{
    return header_decode(h, r, -1);
}

int kafka_req_header_decode_at(kafka_req_header *h, kafka_reader *r,
                               int16_t header_version)
{
    if (header_version < 0 || header_version > 2)
        return kafka_reader_fail(r, KAFKA_ERR_UNSUPPORTED_VERSION,
                                 "unknown request header version");
    return header_decode(h, r, header_version);
}

int kafka_req_header_encode(kafka_writer *w, const kafka_req_header *h)
{
    kafka_write_i16(w, h->api_key);
    kafka_write_i16(w, h->api_version);
    kafka_write_i32(w, h->correlation_id);
    if (h->header_version >= 1)
        kafka_write_string(w, h->client_id, false, true);
    if (h->header_version >= 2)
        kafka_write_empty_tags(w);
    return w->err;
}

int kafka_resp_header_encode(kafka_writer *w, int32_t correlation_id,
                             int16_t header_version)
{
    kafka_write_i32(w, correlation_id);
    if (header_version >= 1)
        kafka_write_empty_tags(w);
    return w->err;
}

int kafka_resp_header_decode(int32_t *correlation_id, kafka_reader *r,
                             int16_t header_version)
{
    *correlation_id = kafka_read_i32(r);
    if (header_version >= 1)
        kafka_read_skip_tags(r);
    return r->err;
}

size_t kafka_frame_begin(kafka_writer *w)
{
    size_t off = w->len;
    kafka_write_i32(w, 0);
    return off;
}

int kafka_frame_end(kafka_writer *w, size_t off)
{
    if (w->err)
        return w->err;
    size_t n = w->len - off - 4;
    if (n > INT32_MAX)
        return kafka_writer_fail(w, KAFKA_ERR_TOO_LARGE);
    kafka_writer_patch_i32(w, off, (int32_t)n);
    return 0;
}

/* ---- bodies ---- */

int kafka_body_decode(void *out, kafka_arena *a, kafka_reader *r, int16_t key,
                      int16_t version, bool response)
{
    const kafka_api_info *api = kafka_api_lookup(key);
    if (!api || version < api->min_version || version > api->max_version)
        return kafka_reader_fail(r, KAFKA_ERR_UNSUPPORTED_VERSION,
                                 "unsupported API or version");
    return kafka_schema_decode(response ? api->resp : api->req, out, a, r,
                               version, version >= api->flexible_from);
}

int kafka_body_encode(kafka_writer *w, const void *msg, int16_t key,
                      int16_t version, bool response)
{
    const kafka_api_info *api = kafka_api_lookup(key);
    if (!api || version < api->min_version || version > api->max_version)
        return KAFKA_ERR_UNSUPPORTED_VERSION;
    return kafka_schema_encode(response ? api->resp : api->req, msg, w, version,
                               version >= api->flexible_from);
}

int kafka_request_decode(kafka_request *out, kafka_arena *a, const uint8_t *buf,
                         size_t len)
{
    kafka_reader r;
    kafka_reader_init(&r, buf, len);
    out->api = NULL;
    out->body = NULL;
    out->error = NULL;
    int rc = kafka_req_header_decode(&out->header, &r);
    if (rc) {
        out->error = r.why;
        return rc;
    }
    const kafka_api_info *api = kafka_api_lookup(out->header.api_key);
    out->api = api;
    int16_t v = out->header.api_version;
    if (!api) {
        out->error = "unknown API key";
        return KAFKA_ERR_UNSUPPORTED_VERSION;
    }
    if (v < api->min_version || v > api->max_version) {
        out->error = "unsupported API version";
        return KAFKA_ERR_UNSUPPORTED_VERSION;
    }
    void *body = kafka_arena_alloc(a, api->req_size);
    if (!body) {
        out->error = "arena exhausted";
        return KAFKA_ERR_NOMEM;
    }
    rc = kafka_schema_decode(api->req, body, a, &r, v, v >= api->flexible_from);
    if (rc == 0)
        out->body = body;
    else
        out->error = r.why;
    return rc;
}
