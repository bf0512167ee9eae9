/*
 * msg_admin.h -- the administrative messages: CreateTopics 0-4,
 * DeleteTopics 0-3, CreatePartitions 0-1, DescribeConfigs 0-3.
 *
 * Conventions and ownership as in msg_core.h.
 */
#ifndef KAFKA_MSG_ADMIN_H
#define KAFKA_MSG_ADMIN_H

#include "api.h"

/* ---- CreateTopics (19): v0-4 ---- */

typedef struct kafka_create_topics_assignment {
    int32_t partition_index;
    KAFKA_ARRAY(int32_t) broker_ids;
} kafka_create_topics_assignment;

typedef struct kafka_create_topics_config {
    kafka_str name;
    kafka_str value; /* nullable */
} kafka_create_topics_config;

typedef struct kafka_create_topics_topic {
    kafka_str name;
    int32_t num_partitions;     /* -1: default or by assignments */
    int16_t replication_factor; /* -1: default */
    KAFKA_ARRAY(kafka_create_topics_assignment) assignments;
    KAFKA_ARRAY(kafka_create_topics_config) configs;
} kafka_create_topics_topic;

typedef struct kafka_create_topics_req {
    KAFKA_ARRAY(kafka_create_topics_topic) topics;
    int32_t timeout_ms; /* default 60000 */
    bool validate_only; /* v1+ */
} kafka_create_topics_req;

typedef struct kafka_create_topics_result {
    kafka_str name;
    int16_t error_code;
    kafka_str error_message; /* v1+, nullable, default null */
} kafka_create_topics_result;

typedef struct kafka_create_topics_resp {
    int32_t throttle_time_ms; /* v2+ */
    KAFKA_ARRAY(kafka_create_topics_result) topics;
} kafka_create_topics_resp;

KAFKA_CODEC_DECLARE(create_topics);

/* ---- DeleteTopics (20): v0-3 ---- */

typedef struct kafka_delete_topics_req {
    KAFKA_ARRAY(kafka_str) topic_names;
    int32_t timeout_ms;
} kafka_delete_topics_req;

typedef struct kafka_delete_topics_result {
    kafka_str name;
    int16_t error_code;
} kafka_delete_topics_result;

typedef struct kafka_delete_topics_resp {
    int32_t throttle_time_ms; /* v1+ */
    KAFKA_ARRAY(kafka_delete_topics_result) responses;
} kafka_delete_topics_resp;

KAFKA_CODEC_DECLARE(delete_topics);

/* ---- CreatePartitions (37): v0-1 ---- */

typedef struct kafka_create_partitions_assignment {
    KAFKA_ARRAY(int32_t) broker_ids;
} kafka_create_partitions_assignment;

typedef struct kafka_create_partitions_topic {
    kafka_str name;
    int32_t count; /* the new total */
    /* nullable */
    KAFKA_ARRAY(kafka_create_partitions_assignment) assignments;
} kafka_create_partitions_topic;

typedef struct kafka_create_partitions_req {
    KAFKA_ARRAY(kafka_create_partitions_topic) topics;
    int32_t timeout_ms;
    bool validate_only;
} kafka_create_partitions_req;

typedef struct kafka_create_partitions_result {
    kafka_str name;
    int16_t error_code;
    kafka_str error_message; /* nullable, default null */
} kafka_create_partitions_result;

typedef struct kafka_create_partitions_resp {
    int32_t throttle_time_ms;
    KAFKA_ARRAY(kafka_create_partitions_result) results;
} kafka_create_partitions_resp;

KAFKA_CODEC_DECLARE(create_partitions);

/* ---- DescribeConfigs (32): v0-3 ---- */

typedef struct kafka_describe_configs_resource {
    int8_t resource_type; /* 2 topic, 4 broker */
    kafka_str resource_name;
    KAFKA_ARRAY(kafka_str) configuration_keys; /* nullable: all */
} kafka_describe_configs_resource;

typedef struct kafka_describe_configs_req {
    KAFKA_ARRAY(kafka_describe_configs_resource) resources;
    bool include_synonyms;      /* v1+ */
    bool include_documentation; /* v3+ */
} kafka_describe_configs_req;

typedef struct kafka_describe_configs_synonym {
    kafka_str name;
    kafka_str value; /* nullable */
    int8_t source;
} kafka_describe_configs_synonym;

typedef struct kafka_describe_configs_entry {
    kafka_str name;
    kafka_str value; /* nullable */
    bool read_only;
    bool is_default;      /* v0 only */
    int8_t config_source; /* v1+, default -1 */
    bool is_sensitive;
    KAFKA_ARRAY(kafka_describe_configs_synonym) synonyms; /* v1+ */
    int8_t config_type;                                   /* v3+ */
    kafka_str documentation;                              /* v3+, nullable */
} kafka_describe_configs_entry;

typedef struct kafka_describe_configs_result {
    int16_t error_code;
    kafka_str error_message; /* nullable */
    int8_t resource_type;
    kafka_str resource_name;
    KAFKA_ARRAY(kafka_describe_configs_entry) configs;
} kafka_describe_configs_result;

typedef struct kafka_describe_configs_resp {
    int32_t throttle_time_ms;
    KAFKA_ARRAY(kafka_describe_configs_result) results;
} kafka_describe_configs_resp;

KAFKA_CODEC_DECLARE(describe_configs);

#endif
