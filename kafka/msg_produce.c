/*
 * msg_produce.c -- Produce (key 0), v0-8. v1 adds throttle time, v2 the
 * log append time, v3 the transactional id (and RecordBatch v2 records),
 * v5 the log start offset, v8 per-record errors. The records of each
 * partition stay a view; recbatch.h decodes them.
 */
#include "msg_core.h"
#include "schema.h"

#define S kafka_produce_req_partition
static const kafka_field req_partition_fields[] = {
    F_I32(S, index, 0, V_),
    F_BYTES(S, records, 0, V_, NUL(0), DEF(-1)),
};
#undef S
static KAFKA_SCHEMA(req_partition_schema, kafka_produce_req_partition,
                    req_partition_fields);

#define S kafka_produce_req_topic
static const kafka_field req_topic_fields[] = {
    F_STR(S, name, 0, V_),
    F_ARR(S, partitions, 0, V_, SUB(req_partition_schema)),
};
#undef S
static KAFKA_SCHEMA(req_topic_schema, kafka_produce_req_topic,
                    req_topic_fields);

#define S kafka_produce_req
static const kafka_field req_fields[] = {
    F_STR(S, transactional_id, 3, V_, NUL(0), DEF(-1)),
    F_I16(S, acks, 0, V_),
    F_I32(S, timeout_ms, 0, V_),
    F_ARR(S, topics, 0, V_, SUB(req_topic_schema)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_produce_req, kafka_produce_req, req_fields);

#define S kafka_produce_record_error
static const kafka_field record_error_fields[] = {
    F_I32(S, batch_index, 8, V_),
    F_STR(S, batch_index_error_message, 8, V_, NUL(8), DEF(-1)),
};
#undef S
static KAFKA_SCHEMA(record_error_schema, kafka_produce_record_error,
                    record_error_fields);

#define S kafka_produce_resp_partition
static const kafka_field resp_partition_fields[] = {
    F_I32(S, index, 0, V_),
    F_I16(S, error_code, 0, V_),
    F_I64(S, base_offset, 0, V_),
    F_I64(S, log_append_time_ms, 2, V_, DEF(-1)),
    F_I64(S, log_start_offset, 5, V_, DEF(-1)),
    F_ARR(S, record_errors, 8, V_, SUB(record_error_schema)),
    F_STR(S, error_message, 8, V_, NUL(8), DEF(-1)),
};
#undef S
static KAFKA_SCHEMA(resp_partition_schema, kafka_produce_resp_partition,
                    resp_partition_fields);

#define S kafka_produce_resp_topic
static const kafka_field resp_topic_fields[] = {
    F_STR(S, name, 0, V_),
    F_ARR(S, partitions, 0, V_, SUB(resp_partition_schema)),
};
#undef S
static KAFKA_SCHEMA(resp_topic_schema, kafka_produce_resp_topic,
                    resp_topic_fields);

#define S kafka_produce_resp
static const kafka_field resp_fields[] = {
    F_ARR(S, responses, 0, V_, SUB(resp_topic_schema)),
    F_I32(S, throttle_time_ms, 1, V_),
};
#undef S
KAFKA_SCHEMA(kafka_schema_produce_resp, kafka_produce_resp, resp_fields);

KAFKA_CODEC_DEFINE(produce, KAFKA_API_PRODUCE)
