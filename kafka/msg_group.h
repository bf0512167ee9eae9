/*
 * msg_group.h -- the consumer-group messages: FindCoordinator 0-2,
 * JoinGroup 0-5, SyncGroup 0-3, Heartbeat 0-3, LeaveGroup 0-3,
 * OffsetCommit 2-7, OffsetFetch 1-5, ListGroups 0-2, DescribeGroups 0-4;
 * and the consumer protocol's subscription and assignment, which travel
 * as opaque bytes inside JoinGroup and SyncGroup.
 *
 * Conventions and ownership as in msg_core.h.
 */
#ifndef KAFKA_MSG_GROUP_H
#define KAFKA_MSG_GROUP_H

#include "api.h"

/* ---- FindCoordinator (10): v0-2 ---- */

typedef struct kafka_find_coordinator_req {
    kafka_str key;                           /* v0-3 */
    int8_t key_type;                         /* v1+: 0 group, 1 transaction */
    KAFKA_ARRAY(kafka_str) coordinator_keys; /* v4+ */
} kafka_find_coordinator_req;

typedef struct kafka_find_coordinator_resp {
    int32_t throttle_time_ms; /* v1+ */
    int16_t error_code;
    kafka_str error_message; /* v1+, nullable, default null */
    int32_t node_id;
    kafka_str host;
    int32_t port;
} kafka_find_coordinator_resp;

KAFKA_CODEC_DECLARE(find_coordinator);

/* ---- JoinGroup (11): v0-5 ---- */

typedef struct kafka_join_group_protocol {
    kafka_str name;
    kafka_bytes metadata; /* a consumer subscription, for "consumer" */
} kafka_join_group_protocol;

typedef struct kafka_join_group_req {
    kafka_str group_id;
    int32_t session_timeout_ms;
    int32_t rebalance_timeout_ms; /* v1+, default -1 */
    kafka_str member_id;
    kafka_str group_instance_id; /* v5+, nullable, default null */
    kafka_str protocol_type;
    KAFKA_ARRAY(kafka_join_group_protocol) protocols;
    kafka_str reason; /* v8+, nullable, default null */
} kafka_join_group_req;

typedef struct kafka_join_group_member {
    kafka_str member_id;
    kafka_str group_instance_id; /* v5+, nullable, default null */
    kafka_bytes metadata;
} kafka_join_group_member;

typedef struct kafka_join_group_resp {
    int32_t throttle_time_ms; /* v2+ */
    int16_t error_code;
    int32_t generation_id;   /* default -1 */
    kafka_str protocol_type; /* v7+, nullable, default null */
    kafka_str protocol_name; /* nullable from v7 */
    kafka_str leader;
    bool skip_assignment; /* v9+ */
    kafka_str member_id;
    KAFKA_ARRAY(kafka_join_group_member) members;
} kafka_join_group_resp;

KAFKA_CODEC_DECLARE(join_group);

/* ---- SyncGroup (14): v0-3 ---- */

typedef struct kafka_sync_group_assignment {
    kafka_str member_id;
    kafka_bytes assignment; /* a consumer assignment, for "consumer" */
} kafka_sync_group_assignment;

typedef struct kafka_sync_group_req {
    kafka_str group_id;
    int32_t generation_id;
    kafka_str member_id;
    kafka_str group_instance_id; /* v3+, nullable, default null */
    kafka_str protocol_type;     /* v5+, nullable, default null */
    kafka_str protocol_name;     /* v5+, nullable, default null */
    KAFKA_ARRAY(kafka_sync_group_assignment) assignments;
} kafka_sync_group_req;

typedef struct kafka_sync_group_resp {
    int32_t throttle_time_ms; /* v1+ */
    int16_t error_code;
    kafka_str protocol_type; /* v5+, nullable, default null */
    kafka_str protocol_name; /* v5+, nullable, default null */
    kafka_bytes assignment;
} kafka_sync_group_resp;

KAFKA_CODEC_DECLARE(sync_group);

/* ---- Heartbeat (12): v0-3 ---- */

typedef struct kafka_heartbeat_req {
    kafka_str group_id;
    int32_t generation_id;
    kafka_str member_id;
    kafka_str group_instance_id; /* v3+, nullable, default null */
} kafka_heartbeat_req;

typedef struct kafka_heartbeat_resp {
    int32_t throttle_time_ms; /* v1+ */
    int16_t error_code;
} kafka_heartbeat_resp;

KAFKA_CODEC_DECLARE(heartbeat);

/* ---- LeaveGroup (13): v0-3 ---- */

typedef struct kafka_leave_group_member {
    kafka_str member_id;
    kafka_str group_instance_id; /* nullable, default null */
    kafka_str reason;            /* v5+, nullable, default null */
} kafka_leave_group_member;

typedef struct kafka_leave_group_req {
    kafka_str group_id;
    kafka_str member_id;                           /* v0-2 */
    KAFKA_ARRAY(kafka_leave_group_member) members; /* v3+ */
} kafka_leave_group_req;

typedef struct kafka_leave_group_resp_member {
    kafka_str member_id;
    kafka_str group_instance_id; /* nullable */
    int16_t error_code;
} kafka_leave_group_resp_member;

typedef struct kafka_leave_group_resp {
    int32_t throttle_time_ms; /* v1+ */
    int16_t error_code;
    KAFKA_ARRAY(kafka_leave_group_resp_member) members; /* v3+ */
} kafka_leave_group_resp;

KAFKA_CODEC_DECLARE(leave_group);

/* ---- OffsetCommit (8): v2-7 ---- */

typedef struct kafka_offset_commit_req_partition {
    int32_t partition_index;
    int64_t committed_offset;
    int32_t committed_leader_epoch; /* v6+, default -1 */
    int64_t commit_timestamp;       /* v1 only, default -1 */
    kafka_str committed_metadata;   /* nullable */
} kafka_offset_commit_req_partition;

typedef struct kafka_offset_commit_req_topic {
    kafka_str name;
    KAFKA_ARRAY(kafka_offset_commit_req_partition) partitions;
} kafka_offset_commit_req_topic;

typedef struct kafka_offset_commit_req {
    kafka_str group_id;
    int32_t generation_id;       /* v1+, default -1 */
    kafka_str member_id;         /* v1+ */
    kafka_str group_instance_id; /* v7+, nullable, default null */
    int64_t retention_time_ms;   /* v2-4, default -1 */
    KAFKA_ARRAY(kafka_offset_commit_req_topic) topics;
} kafka_offset_commit_req;

typedef struct kafka_offset_commit_resp_partition {
    int32_t partition_index;
    int16_t error_code;
} kafka_offset_commit_resp_partition;

typedef struct kafka_offset_commit_resp_topic {
    kafka_str name;
    KAFKA_ARRAY(kafka_offset_commit_resp_partition) partitions;
} kafka_offset_commit_resp_topic;

typedef struct kafka_offset_commit_resp {
    int32_t throttle_time_ms; /* v3+ */
    KAFKA_ARRAY(kafka_offset_commit_resp_topic) topics;
} kafka_offset_commit_resp;

KAFKA_CODEC_DECLARE(offset_commit);

/* ---- OffsetFetch (9): v1-5 ---- */

typedef struct kafka_offset_fetch_req_topic {
    kafka_str name;
    KAFKA_ARRAY(int32_t) partition_indexes;
} kafka_offset_fetch_req_topic;

typedef struct kafka_offset_fetch_req {
    kafka_str group_id;
    /* v2+: null (n == -1) asks for every committed partition */
    KAFKA_ARRAY(kafka_offset_fetch_req_topic) topics;
    bool require_stable; /* v7+ */
} kafka_offset_fetch_req;

typedef struct kafka_offset_fetch_resp_partition {
    int32_t partition_index;
    int64_t committed_offset;
    int32_t committed_leader_epoch; /* v5+, default -1 */
    kafka_str metadata;             /* nullable */
    int16_t error_code;
} kafka_offset_fetch_resp_partition;

typedef struct kafka_offset_fetch_resp_topic {
    kafka_str name;
    KAFKA_ARRAY(kafka_offset_fetch_resp_partition) partitions;
} kafka_offset_fetch_resp_topic;

typedef struct kafka_offset_fetch_resp {
    int32_t throttle_time_ms; /* v3+ */
    KAFKA_ARRAY(kafka_offset_fetch_resp_topic) topics;
    int16_t error_code; /* v2+ */
} kafka_offset_fetch_resp;

KAFKA_CODEC_DECLARE(offset_fetch);

/* ---- ListGroups (16): v0-2 ---- */

typedef struct kafka_list_groups_req {
    KAFKA_ARRAY(kafka_str) states_filter; /* v4+ */
} kafka_list_groups_req;

typedef struct kafka_list_groups_group {
    kafka_str group_id;
    kafka_str protocol_type;
    kafka_str group_state; /* v4+ */
} kafka_list_groups_group;

typedef struct kafka_list_groups_resp {
    int32_t throttle_time_ms; /* v1+ */
    int16_t error_code;
    KAFKA_ARRAY(kafka_list_groups_group) groups;
} kafka_list_groups_resp;

KAFKA_CODEC_DECLARE(list_groups);

/* ---- DescribeGroups (15): v0-4 ---- */

typedef struct kafka_describe_groups_req {
    KAFKA_ARRAY(kafka_str) groups;
    bool include_authorized_operations; /* v3+ */
} kafka_describe_groups_req;

typedef struct kafka_describe_groups_member {
    kafka_str member_id;
    kafka_str group_instance_id; /* v4+, nullable, default null */
    kafka_str client_id;
    kafka_str client_host;
    kafka_bytes member_metadata;
    kafka_bytes member_assignment;
} kafka_describe_groups_member;

typedef struct kafka_describe_groups_group {
    int16_t error_code;
    kafka_str group_id;
    kafka_str group_state;
    kafka_str protocol_type;
    kafka_str protocol_data;
    KAFKA_ARRAY(kafka_describe_groups_member) members;
    int32_t authorized_operations; /* v3+, default INT32_MIN */
} kafka_describe_groups_group;

typedef struct kafka_describe_groups_resp {
    int32_t throttle_time_ms; /* v1+ */
    KAFKA_ARRAY(kafka_describe_groups_group) groups;
} kafka_describe_groups_resp;

KAFKA_CODEC_DECLARE(describe_groups);

/* ---- the consumer protocol (JoinGroup/SyncGroup payloads): v0-3 ---- */

typedef struct kafka_consumer_topic_partitions {
    kafka_str topic;
    KAFKA_ARRAY(int32_t) partitions;
} kafka_consumer_topic_partitions;

typedef struct kafka_consumer_subscription {
    int16_t version; /* as read; encoding takes the version argument */
    KAFKA_ARRAY(kafka_str) topics;
    kafka_bytes user_data; /* nullable, default null */
    KAFKA_ARRAY(kafka_consumer_topic_partitions) owned_partitions; /* v1+ */
    int32_t generation_id; /* v2+, default -1 */
    kafka_str rack_id;     /* v3+, nullable, default null */
} kafka_consumer_subscription;

typedef struct kafka_consumer_assignment {
    int16_t version;
    KAFKA_ARRAY(kafka_consumer_topic_partitions) assigned_partitions;
    kafka_bytes user_data; /* nullable, default null */
} kafka_consumer_assignment;

/* Decodes a subscription or assignment: an int16 version, then the body.
 * A version above 3 is read as v3 and the rest ignored (Kafka's rule for
 * these payloads, which only grow at the end). Returns 0, INVALID (a
 * negative version) or the reader's error. */
int kafka_consumer_subscription_decode(kafka_consumer_subscription *out,
                                       kafka_arena *a, const uint8_t *buf,
                                       size_t len);
int kafka_consumer_assignment_decode(kafka_consumer_assignment *out,
                                     kafka_arena *a, const uint8_t *buf,
                                     size_t len);
/* Encodes version (0-3) and the body; UNSUPPORTED_VERSION outside it. */
int kafka_consumer_subscription_encode(kafka_writer *w,
                                       const kafka_consumer_subscription *s,
                                       int16_t version);
int kafka_consumer_assignment_encode(kafka_writer *w,
                                     const kafka_consumer_assignment *s,
                                     int16_t version);

#endif
