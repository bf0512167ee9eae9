/*
 * msg_list_offsets.c -- ListOffsets (key 2), v1-5. v1 answers one offset
 * and its timestamp, v2 adds the isolation level and throttle time, v4
 * leader epochs.
 */
#include "msg_core.h"
#include "schema.h"

#define S kafka_list_offsets_req_partition
static const kafka_field req_partition_fields[] = {
    F_I32(S, partition_index, 0, V_),
    F_I32(S, current_leader_epoch, 4, V_, DEF(-1)),
    F_I64(S, timestamp, 0, V_),
    F_I32(S, max_num_offsets, 0, 0, DEF(1)),
};
#undef S
static KAFKA_SCHEMA(req_partition_schema, kafka_list_offsets_req_partition,
                    req_partition_fields);

#define S kafka_list_offsets_req_topic
static const kafka_field req_topic_fields[] = {
    F_STR(S, name, 0, V_),
    F_ARR(S, partitions, 0, V_, SUB(req_partition_schema)),
};
#undef S
static KAFKA_SCHEMA(req_topic_schema, kafka_list_offsets_req_topic,
                    req_topic_fields);

#define S kafka_list_offsets_req
static const kafka_field req_fields[] = {
    F_I32(S, replica_id, 0, V_),
    F_I8(S, isolation_level, 2, V_),
    F_ARR(S, topics, 0, V_, SUB(req_topic_schema)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_list_offsets_req, kafka_list_offsets_req, req_fields);

#define S kafka_list_offsets_resp_partition
static const kafka_field resp_partition_fields[] = {
    F_I32(S, partition_index, 0, V_),
    F_I16(S, error_code, 0, V_),
    F_ARR(S, old_style_offsets, 0, 0, ELEM(KF_I64)),
    F_I64(S, timestamp, 1, V_, DEF(-1)),
    F_I64(S, offset, 1, V_, DEF(-1)),
    F_I32(S, leader_epoch, 4, V_, DEF(-1)),
};
#undef S
static KAFKA_SCHEMA(resp_partition_schema, kafka_list_offsets_resp_partition,
                    resp_partition_fields);

#define S kafka_list_offsets_resp_topic
static const kafka_field resp_topic_fields[] = {
    F_STR(S, name, 0, V_),
    F_ARR(S, partitions, 0, V_, SUB(resp_partition_schema)),
};
#undef S
static KAFKA_SCHEMA(resp_topic_schema, kafka_list_offsets_resp_topic,
                    resp_topic_fields);

#define S kafka_list_offsets_resp
static const kafka_field resp_fields[] = {
    F_I32(S, throttle_time_ms, 2, V_),
    F_ARR(S, topics, 0, V_, SUB(resp_topic_schema)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_list_offsets_resp, kafka_list_offsets_resp,
             resp_fields);

KAFKA_CODEC_DEFINE(list_offsets, KAFKA_API_LIST_OFFSETS)
