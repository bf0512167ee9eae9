/*
 * msg_offset_commit.c -- OffsetCommit (key 8), v2-7, and OffsetFetch
 * (key 9), v1-5. OffsetCommit v2-4 carry a retention time, v3 throttle
 * time, v6 leader epochs, v7 the group instance id. OffsetFetch v2 allows
 * a null topic list (all committed) and a top-level error, v3 throttle
 * time, v5 leader epochs.
 */
#include "msg_group.h"
#include "schema.h"

#define S kafka_offset_commit_req_partition
static const kafka_field oc_req_partition_fields[] = {
    F_I32(S, partition_index, 0, V_),
    F_I64(S, committed_offset, 0, V_),
    F_I32(S, committed_leader_epoch, 6, V_, DEF(-1)),
    F_I64(S, commit_timestamp, 1, 1, DEF(-1)),
    F_STR(S, committed_metadata, 0, V_, NUL(0)),
};
#undef S
static KAFKA_SCHEMA(oc_req_partition_schema, kafka_offset_commit_req_partition,
                    oc_req_partition_fields);

#define S kafka_offset_commit_req_topic
static const kafka_field oc_req_topic_fields[] = {
    F_STR(S, name, 0, V_),
    F_ARR(S, partitions, 0, V_, SUB(oc_req_partition_schema)),
};
#undef S
static KAFKA_SCHEMA(oc_req_topic_schema, kafka_offset_commit_req_topic,
                    oc_req_topic_fields);

#define S kafka_offset_commit_req
static const kafka_field oc_req_fields[] = {
    F_STR(S, group_id, 0, V_),
    F_I32(S, generation_id, 1, V_, DEF(-1)),
    F_STR(S, member_id, 1, V_),
    F_STR(S, group_instance_id, 7, V_, NUL(7), DEF(-1)),
    F_I64(S, retention_time_ms, 2, 4, DEF(-1)),
    F_ARR(S, topics, 0, V_, SUB(oc_req_topic_schema)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_offset_commit_req, kafka_offset_commit_req,
             oc_req_fields);

#define S kafka_offset_commit_resp_partition
static const kafka_field oc_resp_partition_fields[] = {
    F_I32(S, partition_index, 0, V_),
    F_I16(S, error_code, 0, V_),
};
#undef S
static KAFKA_SCHEMA(oc_resp_partition_schema,
                    kafka_offset_commit_resp_partition,
                    oc_resp_partition_fields);

#define S kafka_offset_commit_resp_topic
static const kafka_field oc_resp_topic_fields[] = {
    F_STR(S, name, 0, V_),
    F_ARR(S, partitions, 0, V_, SUB(oc_resp_partition_schema)),
};
#undef S
static KAFKA_SCHEMA(oc_resp_topic_schema, kafka_offset_commit_resp_topic,
                    oc_resp_topic_fields);

#define S kafka_offset_commit_resp
static const kafka_field oc_resp_fields[] = {
    F_I32(S, throttle_time_ms, 3, V_),
    F_ARR(S, topics, 0, V_, SUB(oc_resp_topic_schema)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_offset_commit_resp, kafka_offset_commit_resp,
             oc_resp_fields);

KAFKA_CODEC_DEFINE(offset_commit, KAFKA_API_OFFSET_COMMIT)

#define S kafka_offset_fetch_req_topic
static const kafka_field of_req_topic_fields[] = {
    F_STR(S, name, 0, 7),
    F_ARR(S, partition_indexes, 0, 7, ELEM(KF_I32)),
};
#undef S
static KAFKA_SCHEMA(of_req_topic_schema, kafka_offset_fetch_req_topic,
                    of_req_topic_fields);

#define S kafka_offset_fetch_req
static const kafka_field of_req_fields[] = {
    F_STR(S, group_id, 0, 7),
    F_ARR(S, topics, 0, 7, NUL(2), SUB(of_req_topic_schema)),
    F_BOOL(S, require_stable, 7, V_),
};
#undef S
KAFKA_SCHEMA(kafka_schema_offset_fetch_req, kafka_offset_fetch_req,
             of_req_fields);

#define S kafka_offset_fetch_resp_partition
static const kafka_field of_resp_partition_fields[] = {
    F_I32(S, partition_index, 0, 7),
    F_I64(S, committed_offset, 0, 7),
    F_I32(S, committed_leader_epoch, 5, 7, DEF(-1)),
    F_STR(S, metadata, 0, 7, NUL(0)),
    F_I16(S, error_code, 0, 7),
};
#undef S
static KAFKA_SCHEMA(of_resp_partition_schema, kafka_offset_fetch_resp_partition,
                    of_resp_partition_fields);

#define S kafka_offset_fetch_resp_topic
static const kafka_field of_resp_topic_fields[] = {
    F_STR(S, name, 0, 7),
    F_ARR(S, partitions, 0, 7, SUB(of_resp_partition_schema)),
};
#undef S
static KAFKA_SCHEMA(of_resp_topic_schema, kafka_offset_fetch_resp_topic,
                    of_resp_topic_fields);

#define S kafka_offset_fetch_resp
static const kafka_field of_resp_fields[] = {
    F_I32(S, throttle_time_ms, 3, V_),
    F_ARR(S, topics, 0, 7, SUB(of_resp_topic_schema)),
    F_I16(S, error_code, 2, 7),
};
#undef S
KAFKA_SCHEMA(kafka_schema_offset_fetch_resp, kafka_offset_fetch_resp,
             of_resp_fields);

KAFKA_CODEC_DEFINE(offset_fetch, KAFKA_API_OFFSET_FETCH)
