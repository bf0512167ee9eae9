/*
 * msg_core.h -- the messages of a client's data path: ApiVersions,
 * Metadata, Produce, Fetch and ListOffsets.
 *
 * Each message is a plain struct whose members are named after the
 * fields of Kafka's message definitions, in wire order. A member that a
 * version lacks decodes as its default (noted beside it) and is not
 * written when encoding at that version. Versions are those of
 * kafka_api_all(): ApiVersions 0-3, Metadata 0-8, Produce 0-8, Fetch
 * 4-11, ListOffsets 1-5.
 *
 * Ownership, as in api.h: strings and bytes are views into the decoded
 * buffer; arrays (KAFKA_ARRAY) live in the decoder's arena. For encoding
 * the caller fills the struct with its own views and arrays, which the
 * encoder only reads.
 */
#ifndef KAFKA_MSG_CORE_H
#define KAFKA_MSG_CORE_H

#include "api.h"

/* ---- ApiVersions (18): v0-3, v3 flexible ---- */

typedef struct kafka_api_versions_req {
    kafka_str client_software_name;    /* v3+ */
    kafka_str client_software_version; /* v3+ */
} kafka_api_versions_req;

typedef struct kafka_api_versions_key {
    int16_t api_key;
    int16_t min_version;
    int16_t max_version;
} kafka_api_versions_key;

typedef struct kafka_api_versions_feature {
    kafka_str name;
    int16_t min_version;
    int16_t max_version;
} kafka_api_versions_feature;

typedef struct kafka_api_versions_finalized {
    kafka_str name;
    int16_t max_version_level;
    int16_t min_version_level;
} kafka_api_versions_finalized;

typedef struct kafka_api_versions_resp {
    int16_t error_code;
    KAFKA_ARRAY(kafka_api_versions_key) api_keys;
    int32_t throttle_time_ms; /* v1+ */
    /* v3+, tagged fields 0-3 */
    KAFKA_ARRAY(kafka_api_versions_feature) supported_features;
    int64_t finalized_features_epoch; /* default -1 */
    KAFKA_ARRAY(kafka_api_versions_finalized) finalized_features;
    bool zk_migration_ready;
} kafka_api_versions_resp;

KAFKA_CODEC_DECLARE(api_versions);

/* Fills resp with error_code and this codec's supported versions (from
 * kafka_api_all), the api_keys array allocated in a. Returns 0 or NOMEM.
 * For a request whose version is above ours, encode the result at
 * version 0 with error UNSUPPORTED_VERSION: that is what a client
 * expects before it retries with a lower version. */
int kafka_api_versions_resp_init(kafka_api_versions_resp *resp, kafka_arena *a,
                                 int16_t error_code);

/* ---- Metadata (3): v0-8 ---- */

typedef struct kafka_metadata_req_topic {
    kafka_uuid topic_id; /* v10+ */
    kafka_str name;
} kafka_metadata_req_topic;

typedef struct kafka_metadata_req {
    /* v0: empty means every topic; v1+: null (n == -1) means every topic,
     * empty means none */
    KAFKA_ARRAY(kafka_metadata_req_topic) topics;
    bool allow_auto_topic_creation;             /* v4+, default true */
    bool include_cluster_authorized_operations; /* v8-10 */
    bool include_topic_authorized_operations;   /* v8+ */
} kafka_metadata_req;

typedef struct kafka_metadata_broker {
    int32_t node_id;
    kafka_str host;
    int32_t port;
    kafka_str rack; /* v1+, nullable, default null */
} kafka_metadata_broker;

typedef struct kafka_metadata_partition {
    int16_t error_code;
    int32_t partition_index;
    int32_t leader_id;
    int32_t leader_epoch; /* v7+, default -1 */
    KAFKA_ARRAY(int32_t) replica_nodes;
    KAFKA_ARRAY(int32_t) isr_nodes;
    KAFKA_ARRAY(int32_t) offline_replicas; /* v5+ */
} kafka_metadata_partition;

typedef struct kafka_metadata_topic {
    int16_t error_code;
    kafka_str name;
    kafka_uuid topic_id; /* v10+ */
    bool is_internal;    /* v1+ */
    KAFKA_ARRAY(kafka_metadata_partition) partitions;
    int32_t topic_authorized_operations; /* v8+, default INT32_MIN */
} kafka_metadata_topic;

typedef struct kafka_metadata_resp {
    int32_t throttle_time_ms; /* v3+ */
    KAFKA_ARRAY(kafka_metadata_broker) brokers;
    kafka_str cluster_id;  /* v2+, nullable, default null */
    int32_t controller_id; /* v1+, default -1 */
    KAFKA_ARRAY(kafka_metadata_topic) topics;
    int32_t cluster_authorized_operations; /* v8-10, default INT32_MIN */
} kafka_metadata_resp;

KAFKA_CODEC_DECLARE(metadata);

/* ---- Produce (0): v0-8 (a server answers v0-2 with an error) ---- */

typedef struct kafka_produce_req_partition {
    int32_t index;
    kafka_bytes records; /* nullable: RecordBatches (recbatch.h) */
} kafka_produce_req_partition;

typedef struct kafka_produce_req_topic {
    kafka_str name;
    KAFKA_ARRAY(kafka_produce_req_partition) partitions;
} kafka_produce_req_topic;

typedef struct kafka_produce_req {
    kafka_str transactional_id; /* v3+, nullable, default null */
    int16_t acks;
    int32_t timeout_ms;
    KAFKA_ARRAY(kafka_produce_req_topic) topics;
} kafka_produce_req;

typedef struct kafka_produce_record_error {
    int32_t batch_index;
    kafka_str batch_index_error_message; /* nullable, default null */
} kafka_produce_record_error;

typedef struct kafka_produce_resp_partition {
    int32_t index;
    int16_t error_code;
    int64_t base_offset;
    int64_t log_append_time_ms;                            /* v2+, default -1 */
    int64_t log_start_offset;                              /* v5+, default -1 */
    KAFKA_ARRAY(kafka_produce_record_error) record_errors; /* v8+ */
    kafka_str error_message; /* v8+, nullable, default null */
} kafka_produce_resp_partition;

typedef struct kafka_produce_resp_topic {
    kafka_str name;
    KAFKA_ARRAY(kafka_produce_resp_partition) partitions;
} kafka_produce_resp_topic;

typedef struct kafka_produce_resp {
    KAFKA_ARRAY(kafka_produce_resp_topic) responses;
    int32_t throttle_time_ms; /* v1+ */
} kafka_produce_resp;

KAFKA_CODEC_DECLARE(produce);

/* ---- Fetch (1): v4-11 ---- */

typedef struct kafka_fetch_req_partition {
    int32_t partition;
    int32_t current_leader_epoch; /* v9+, default -1 */
    int64_t fetch_offset;
    int64_t log_start_offset; /* v5+, default -1 */
    int32_t partition_max_bytes;
} kafka_fetch_req_partition;

typedef struct kafka_fetch_req_topic {
    kafka_str topic;
    KAFKA_ARRAY(kafka_fetch_req_partition) partitions;
} kafka_fetch_req_topic;

typedef struct kafka_fetch_forgotten {
    kafka_str topic;
    KAFKA_ARRAY(int32_t) partitions;
} kafka_fetch_forgotten;

typedef struct kafka_fetch_req {
    int32_t replica_id; /* -1 for a consumer */
    int32_t max_wait_ms;
    int32_t min_bytes;
    int32_t max_bytes;      /* v3+, default INT32_MAX */
    int8_t isolation_level; /* v4+: 0 read uncommitted, 1 committed */
    int32_t session_id;     /* v7+, default 0 */
    int32_t session_epoch;  /* v7+, default -1 */
    KAFKA_ARRAY(kafka_fetch_req_topic) topics;
    KAFKA_ARRAY(kafka_fetch_forgotten) forgotten_topics_data; /* v7+ */
    kafka_str rack_id; /* v11+, default "" */
} kafka_fetch_req;

typedef struct kafka_fetch_aborted {
    int64_t producer_id;
    int64_t first_offset;
} kafka_fetch_aborted;

typedef struct kafka_fetch_resp_partition {
    int32_t partition_index;
    int16_t error_code;
    int64_t high_watermark;
    int64_t last_stable_offset; /* v4+, default -1 */
    int64_t log_start_offset;   /* v5+, default -1 */
    /* v4+, nullable (n == -1) */
    KAFKA_ARRAY(kafka_fetch_aborted) aborted_transactions;
    int32_t preferred_read_replica; /* v11+, default -1 */
    kafka_bytes records;            /* nullable: RecordBatches (recbatch.h) */
} kafka_fetch_resp_partition;

typedef struct kafka_fetch_resp_topic {
    kafka_str topic;
    KAFKA_ARRAY(kafka_fetch_resp_partition) partitions;
} kafka_fetch_resp_topic;

typedef struct kafka_fetch_resp {
    int32_t throttle_time_ms; /* v1+ */
    int16_t error_code;       /* v7+ */
    int32_t session_id;       /* v7+, default 0 */
    KAFKA_ARRAY(kafka_fetch_resp_topic) responses;
} kafka_fetch_resp;

KAFKA_CODEC_DECLARE(fetch);

/* ---- ListOffsets (2): v1-5 ---- */

typedef struct kafka_list_offsets_req_partition {
    int32_t partition_index;
    int32_t current_leader_epoch; /* v4+, default -1 */
    int64_t timestamp;            /* -1 latest, -2 earliest */
    int32_t max_num_offsets;      /* v0 only, default 1 */
} kafka_list_offsets_req_partition;

typedef struct kafka_list_offsets_req_topic {
    kafka_str name;
    KAFKA_ARRAY(kafka_list_offsets_req_partition) partitions;
} kafka_list_offsets_req_topic;

typedef struct kafka_list_offsets_req {
    int32_t replica_id;
    int8_t isolation_level; /* v2+ */
    KAFKA_ARRAY(kafka_list_offsets_req_topic) topics;
} kafka_list_offsets_req;

typedef struct kafka_list_offsets_resp_partition {
    int32_t partition_index;
    int16_t error_code;
    KAFKA_ARRAY(int64_t) old_style_offsets; /* v0 only */
    int64_t timestamp;                      /* v1+, default -1 */
    int64_t offset;                         /* v1+, default -1 */
    int32_t leader_epoch;                   /* v4+, default -1 */
} kafka_list_offsets_resp_partition;

typedef struct kafka_list_offsets_resp_topic {
    kafka_str name;
    KAFKA_ARRAY(kafka_list_offsets_resp_partition) partitions;
} kafka_list_offsets_resp_topic;

typedef struct kafka_list_offsets_resp {
    int32_t throttle_time_ms; /* v2+ */
    KAFKA_ARRAY(kafka_list_offsets_resp_topic) topics;
} kafka_list_offsets_resp;

KAFKA_CODEC_DECLARE(list_offsets);

#endif
