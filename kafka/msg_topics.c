/*
 * msg_topics.c -- CreateTopics (key 19), v0-4; DeleteTopics (key 20),
 * v0-3; CreatePartitions (key 37), v0-1. CreateTopics v1 adds
 * validate_only and error messages, v2 throttle time; DeleteTopics v1
 * throttle time.
 */
#include "msg_admin.h"
#include "schema.h"

#define S kafka_create_topics_assignment
static const kafka_field ct_assignment_fields[] = {
    F_I32(S, partition_index, 0, V_),
    F_ARR(S, broker_ids, 0, V_, ELEM(KF_I32)),
};
#undef S
static KAFKA_SCHEMA(ct_assignment_schema, kafka_create_topics_assignment,
                    ct_assignment_fields);

#define S kafka_create_topics_config
static const kafka_field ct_config_fields[] = {
    F_STR(S, name, 0, V_),
    F_STR(S, value, 0, V_, NUL(0)),
};
#undef S
static KAFKA_SCHEMA(ct_config_schema, kafka_create_topics_config,
                    ct_config_fields);

#define S kafka_create_topics_topic
static const kafka_field ct_topic_fields[] = {
    F_STR(S, name, 0, V_),
    F_I32(S, num_partitions, 0, V_),
    F_I16(S, replication_factor, 0, V_),
    F_ARR(S, assignments, 0, V_, SUB(ct_assignment_schema)),
    F_ARR(S, configs, 0, V_, SUB(ct_config_schema)),
};
#undef S
static KAFKA_SCHEMA(ct_topic_schema, kafka_create_topics_topic,
                    ct_topic_fields);

#define S kafka_create_topics_req
static const kafka_field ct_req_fields[] = {
    F_ARR(S, topics, 0, V_, SUB(ct_topic_schema)),
    F_I32(S, timeout_ms, 0, V_, DEF(60000)),
    F_BOOL(S, validate_only, 1, V_),
};
#undef S
KAFKA_SCHEMA(kafka_schema_create_topics_req, kafka_create_topics_req,
             ct_req_fields);

#define S kafka_create_topics_result
static const kafka_field ct_result_fields[] = {
    F_STR(S, name, 0, V_),
    F_I16(S, error_code, 0, V_),
    F_STR(S, error_message, 1, V_, NUL(0), DEF(-1)),
};
#undef S
static KAFKA_SCHEMA(ct_result_schema, kafka_create_topics_result,
                    ct_result_fields);

#define S kafka_create_topics_resp
static const kafka_field ct_resp_fields[] = {
    F_I32(S, throttle_time_ms, 2, V_),
    F_ARR(S, topics, 0, V_, SUB(ct_result_schema)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_create_topics_resp, kafka_create_topics_resp,
             ct_resp_fields);

KAFKA_CODEC_DEFINE(create_topics, KAFKA_API_CREATE_TOPICS)

#define S kafka_delete_topics_req
static const kafka_field dt_req_fields[] = {
    F_ARR(S, topic_names, 0, 5, ELEM(KF_STR)),
    F_I32(S, timeout_ms, 0, V_),
};
#undef S
KAFKA_SCHEMA(kafka_schema_delete_topics_req, kafka_delete_topics_req,
             dt_req_fields);

#define S kafka_delete_topics_result
static const kafka_field dt_result_fields[] = {
    F_STR(S, name, 0, V_, NUL(6)),
    F_I16(S, error_code, 0, V_),
};
#undef S
static KAFKA_SCHEMA(dt_result_schema, kafka_delete_topics_result,
                    dt_result_fields);

#define S kafka_delete_topics_resp
static const kafka_field dt_resp_fields[] = {
    F_I32(S, throttle_time_ms, 1, V_),
    F_ARR(S, responses, 0, V_, SUB(dt_result_schema)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_delete_topics_resp, kafka_delete_topics_resp,
             dt_resp_fields);

KAFKA_CODEC_DEFINE(delete_topics, KAFKA_API_DELETE_TOPICS)

#define S kafka_create_partitions_assignment
static const kafka_field cp_assignment_fields[] = {
    F_ARR(S, broker_ids, 0, V_, ELEM(KF_I32)),
};
#undef S
static KAFKA_SCHEMA(cp_assignment_schema, kafka_create_partitions_assignment,
                    cp_assignment_fields);

#define S kafka_create_partitions_topic
static const kafka_field cp_topic_fields[] = {
    F_STR(S, name, 0, V_),
    F_I32(S, count, 0, V_),
    F_ARR(S, assignments, 0, V_, NUL(0), SUB(cp_assignment_schema)),
};
#undef S
static KAFKA_SCHEMA(cp_topic_schema, kafka_create_partitions_topic,
                    cp_topic_fields);

#define S kafka_create_partitions_req
static const kafka_field cp_req_fields[] = {
    F_ARR(S, topics, 0, V_, SUB(cp_topic_schema)),
    F_I32(S, timeout_ms, 0, V_),
    F_BOOL(S, validate_only, 0, V_),
};
#undef S
KAFKA_SCHEMA(kafka_schema_create_partitions_req, kafka_create_partitions_req,
             cp_req_fields);

#define S kafka_create_partitions_result
static const kafka_field cp_result_fields[] = {
    F_STR(S, name, 0, V_),
    F_I16(S, error_code, 0, V_),
    F_STR(S, error_message, 0, V_, NUL(0), DEF(-1)),
};
#undef S
static KAFKA_SCHEMA(cp_result_schema, kafka_create_partitions_result,
                    cp_result_fields);

#define S kafka_create_partitions_resp
static const kafka_field cp_resp_fields[] = {
    F_I32(S, throttle_time_ms, 0, V_),
    F_ARR(S, results, 0, V_, SUB(cp_result_schema)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_create_partitions_resp, kafka_create_partitions_resp,
             cp_resp_fields);

KAFKA_CODEC_DEFINE(create_partitions, KAFKA_API_CREATE_PARTITIONS)
