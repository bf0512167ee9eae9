/*
 * msg_metadata.c -- Metadata (key 3), v0-8. v1 adds racks, the controller
 * and is_internal (and a null topic list for "all"), v2 the cluster id,
 * v3 throttle time, v4 allow_auto_topic_creation, v5 offline replicas,
 * v7 leader epochs, v8 authorized operations.
 */
#include "msg_core.h"
#include "schema.h"

#define S kafka_metadata_req_topic
static const kafka_field req_topic_fields[] = {
    F_UUID(S, topic_id, 10, V_),
    F_STR(S, name, 0, V_, NUL(10)),
};
#undef S
static KAFKA_SCHEMA(req_topic_schema, kafka_metadata_req_topic,
                    req_topic_fields);

#define S kafka_metadata_req
static const kafka_field req_fields[] = {
    F_ARR(S, topics, 0, V_, NUL(1), SUB(req_topic_schema)),
    F_BOOL(S, allow_auto_topic_creation, 4, V_, DEF(1)),
    F_BOOL(S, include_cluster_authorized_operations, 8, 10),
    F_BOOL(S, include_topic_authorized_operations, 8, V_),
};
#undef S
KAFKA_SCHEMA(kafka_schema_metadata_req, kafka_metadata_req, req_fields);

#define S kafka_metadata_broker
static const kafka_field broker_fields[] = {
    F_I32(S, node_id, 0, V_),
    F_STR(S, host, 0, V_),
    F_I32(S, port, 0, V_),
    F_STR(S, rack, 1, V_, NUL(1), DEF(-1)),
};
#undef S
static KAFKA_SCHEMA(broker_schema, kafka_metadata_broker, broker_fields);

#define S kafka_metadata_partition
static const kafka_field partition_fields[] = {
    F_I16(S, error_code, 0, V_),
    F_I32(S, partition_index, 0, V_),
    F_I32(S, leader_id, 0, V_),
    F_I32(S, leader_epoch, 7, V_, DEF(-1)),
    F_ARR(S, replica_nodes, 0, V_, ELEM(KF_I32)),
    F_ARR(S, isr_nodes, 0, V_, ELEM(KF_I32)),
    F_ARR(S, offline_replicas, 5, V_, ELEM(KF_I32)),
};
#undef S
static KAFKA_SCHEMA(partition_schema, kafka_metadata_partition,
                    partition_fields);

#define S kafka_metadata_topic
static const kafka_field topic_fields[] = {
    F_I16(S, error_code, 0, V_),
    F_STR(S, name, 0, V_, NUL(12)),
    F_UUID(S, topic_id, 10, V_),
    F_BOOL(S, is_internal, 1, V_),
    F_ARR(S, partitions, 0, V_, SUB(partition_schema)),
    F_I32(S, topic_authorized_operations, 8, V_, DEF(INT32_MIN)),
};
#undef S
static KAFKA_SCHEMA(topic_schema, kafka_metadata_topic, topic_fields);

#define S kafka_metadata_resp
static const kafka_field resp_fields[] = {
    F_I32(S, throttle_time_ms, 3, V_),
    F_ARR(S, brokers, 0, V_, SUB(broker_schema)),
    F_STR(S, cluster_id, 2, V_, NUL(2), DEF(-1)),
    F_I32(S, controller_id, 1, V_, DEF(-1)),
    F_ARR(S, topics, 0, V_, SUB(topic_schema)),
    F_I32(S, cluster_authorized_operations, 8, 10, DEF(INT32_MIN)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_metadata_resp, kafka_metadata_resp, resp_fields);

KAFKA_CODEC_DEFINE(metadata, KAFKA_API_METADATA)
