/*
 * msg_fetch.c -- Fetch (key 1), v4-11. v4 adds the isolation level, the
 * last stable offset and aborted transactions, v5 log start offsets, v7
 * fetch sessions, v9 leader epochs, v11 the rack id and preferred read
 * replica. The records of each partition are a view the caller provides
 * (an encoded RecordBatch run, recbatch.h).
 */
#include "msg_core.h"
#include "schema.h"

#define S kafka_fetch_req_partition
static const kafka_field req_partition_fields[] = {
    F_I32(S, partition, 0, V_),
    F_I32(S, current_leader_epoch, 9, V_, DEF(-1)),
    F_I64(S, fetch_offset, 0, V_),
    F_I64(S, log_start_offset, 5, V_, DEF(-1)),
    F_I32(S, partition_max_bytes, 0, V_),
};
#undef S
static KAFKA_SCHEMA(req_partition_schema, kafka_fetch_req_partition,
                    req_partition_fields);

#define S kafka_fetch_req_topic
static const kafka_field req_topic_fields[] = {
    F_STR(S, topic, 0, V_),
    F_ARR(S, partitions, 0, V_, SUB(req_partition_schema)),
};
#undef S
static KAFKA_SCHEMA(req_topic_schema, kafka_fetch_req_topic, req_topic_fields);

#define S kafka_fetch_forgotten
static const kafka_field forgotten_fields[] = {
    F_STR(S, topic, 7, V_),
    F_ARR(S, partitions, 7, V_, ELEM(KF_I32)),
};
#undef S
static KAFKA_SCHEMA(forgotten_schema, kafka_fetch_forgotten, forgotten_fields);

#define S kafka_fetch_req
static const kafka_field req_fields[] = {
    F_I32(S, replica_id, 0, V_),
    F_I32(S, max_wait_ms, 0, V_),
    F_I32(S, min_bytes, 0, V_),
    F_I32(S, max_bytes, 3, V_, DEF(INT32_MAX)),
    F_I8(S, isolation_level, 4, V_),
    F_I32(S, session_id, 7, V_),
    F_I32(S, session_epoch, 7, V_, DEF(-1)),
    F_ARR(S, topics, 0, V_, SUB(req_topic_schema)),
    F_ARR(S, forgotten_topics_data, 7, V_, SUB(forgotten_schema)),
    F_STR(S, rack_id, 11, V_),
};
#undef S
KAFKA_SCHEMA(kafka_schema_fetch_req, kafka_fetch_req, req_fields);

#define S kafka_fetch_aborted
static const kafka_field aborted_fields[] = {
    F_I64(S, producer_id, 4, V_),
    F_I64(S, first_offset, 4, V_),
};
#undef S
static KAFKA_SCHEMA(aborted_schema, kafka_fetch_aborted, aborted_fields);

#define S kafka_fetch_resp_partition
static const kafka_field resp_partition_fields[] = {
    F_I32(S, partition_index, 0, V_),
    F_I16(S, error_code, 0, V_),
    F_I64(S, high_watermark, 0, V_),
    F_I64(S, last_stable_offset, 4, V_, DEF(-1)),
    F_I64(S, log_start_offset, 5, V_, DEF(-1)),
    F_ARR(S, aborted_transactions, 4, V_, NUL(4), SUB(aborted_schema)),
    F_I32(S, preferred_read_replica, 11, V_, DEF(-1)),
    F_BYTES(S, records, 0, V_, NUL(0), DEF(-1)),
};
#undef S
static KAFKA_SCHEMA(resp_partition_schema, kafka_fetch_resp_partition,
                    resp_partition_fields);

#define S kafka_fetch_resp_topic
static const kafka_field resp_topic_fields[] = {
    F_STR(S, topic, 0, V_),
    F_ARR(S, partitions, 0, V_, SUB(resp_partition_schema)),
};
#undef S
static KAFKA_SCHEMA(resp_topic_schema, kafka_fetch_resp_topic,
                    resp_topic_fields);

#define S kafka_fetch_resp
static const kafka_field resp_fields[] = {
    F_I32(S, throttle_time_ms, 1, V_),
    F_I16(S, error_code, 7, V_),
    F_I32(S, session_id, 7, V_),
    F_ARR(S, responses, 0, V_, SUB(resp_topic_schema)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_fetch_resp, kafka_fetch_resp, resp_fields);

KAFKA_CODEC_DEFINE(fetch, KAFKA_API_FETCH)
