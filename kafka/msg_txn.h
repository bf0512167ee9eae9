/*
 * msg_txn.h -- producer ids, transactions and SASL: InitProducerId 0-1,
 * AddPartitionsToTxn 0-2, AddOffsetsToTxn 0-2, TxnOffsetCommit 0-2,
 * EndTxn 0-2, SaslHandshake 0-1, SaslAuthenticate 0-1.
 *
 * Conventions and ownership as in msg_core.h.
 */
#ifndef KAFKA_MSG_TXN_H
#define KAFKA_MSG_TXN_H

#include "api.h"

/* ---- InitProducerId (22): v0-1 ---- */

typedef struct kafka_init_producer_id_req {
    kafka_str transactional_id; /* nullable */
    int32_t transaction_timeout_ms;
    int64_t producer_id;    /* v3+, default -1 */
    int16_t producer_epoch; /* v3+, default -1 */
} kafka_init_producer_id_req;

typedef struct kafka_init_producer_id_resp {
    int32_t throttle_time_ms;
    int16_t error_code;
    int64_t producer_id; /* default -1 */
    int16_t producer_epoch;
} kafka_init_producer_id_resp;

KAFKA_CODEC_DECLARE(init_producer_id);

/* ---- AddPartitionsToTxn (24): v0-2 ---- */

typedef struct kafka_add_partitions_to_txn_topic {
    kafka_str name;
    KAFKA_ARRAY(int32_t) partitions;
} kafka_add_partitions_to_txn_topic;

typedef struct kafka_add_partitions_to_txn_req {
    kafka_str transactional_id;
    int64_t producer_id;
    int16_t producer_epoch;
    KAFKA_ARRAY(kafka_add_partitions_to_txn_topic) topics;
} kafka_add_partitions_to_txn_req;

typedef struct kafka_add_partitions_to_txn_presult {
    int32_t partition_index;
    int16_t partition_error_code;
} kafka_add_partitions_to_txn_presult;

typedef struct kafka_add_partitions_to_txn_result {
    kafka_str name;
    KAFKA_ARRAY(kafka_add_partitions_to_txn_presult) results;
} kafka_add_partitions_to_txn_result;

typedef struct kafka_add_partitions_to_txn_resp {
    int32_t throttle_time_ms;
    KAFKA_ARRAY(kafka_add_partitions_to_txn_result) results;
} kafka_add_partitions_to_txn_resp;

KAFKA_CODEC_DECLARE(add_partitions_to_txn);

/* ---- AddOffsetsToTxn (25): v0-2 ---- */

typedef struct kafka_add_offsets_to_txn_req {
    kafka_str transactional_id;
    int64_t producer_id;
    int16_t producer_epoch;
    kafka_str group_id;
} kafka_add_offsets_to_txn_req;

typedef struct kafka_add_offsets_to_txn_resp {
    int32_t throttle_time_ms;
    int16_t error_code;
} kafka_add_offsets_to_txn_resp;

KAFKA_CODEC_DECLARE(add_offsets_to_txn);

/* ---- TxnOffsetCommit (28): v0-2 ---- */

typedef struct kafka_txn_offset_commit_req_partition {
    int32_t partition_index;
    int64_t committed_offset;
    int32_t committed_leader_epoch; /* v2+, default -1 */
    kafka_str committed_metadata;   /* nullable */
} kafka_txn_offset_commit_req_partition;

typedef struct kafka_txn_offset_commit_req_topic {
    kafka_str name;
    KAFKA_ARRAY(kafka_txn_offset_commit_req_partition) partitions;
} kafka_txn_offset_commit_req_topic;

typedef struct kafka_txn_offset_commit_req {
    kafka_str transactional_id;
    kafka_str group_id;
    int64_t producer_id;
    int16_t producer_epoch;
    int32_t generation_id;       /* v3+, default -1 */
    kafka_str member_id;         /* v3+ */
    kafka_str group_instance_id; /* v3+, nullable, default null */
    KAFKA_ARRAY(kafka_txn_offset_commit_req_topic) topics;
} kafka_txn_offset_commit_req;

typedef struct kafka_txn_offset_commit_resp_partition {
    int32_t partition_index;
    int16_t error_code;
} kafka_txn_offset_commit_resp_partition;

typedef struct kafka_txn_offset_commit_resp_topic {
    kafka_str name;
    KAFKA_ARRAY(kafka_txn_offset_commit_resp_partition) partitions;
} kafka_txn_offset_commit_resp_topic;

typedef struct kafka_txn_offset_commit_resp {
    int32_t throttle_time_ms;
    KAFKA_ARRAY(kafka_txn_offset_commit_resp_topic) topics;
} kafka_txn_offset_commit_resp;

KAFKA_CODEC_DECLARE(txn_offset_commit);

/* ---- EndTxn (26): v0-2 ---- */

typedef struct kafka_end_txn_req {
    kafka_str transactional_id;
    int64_t producer_id;
    int16_t producer_epoch;
    bool committed; /* true commit, false abort */
} kafka_end_txn_req;

typedef struct kafka_end_txn_resp {
    int32_t throttle_time_ms;
    int16_t error_code;
} kafka_end_txn_resp;

KAFKA_CODEC_DECLARE(end_txn);

/* ---- SaslHandshake (17): v0-1 ---- */

typedef struct kafka_sasl_handshake_req {
    kafka_str mechanism;
} kafka_sasl_handshake_req;

typedef struct kafka_sasl_handshake_resp {
    int16_t error_code;
    KAFKA_ARRAY(kafka_str) mechanisms;
} kafka_sasl_handshake_resp;

KAFKA_CODEC_DECLARE(sasl_handshake);

/* ---- SaslAuthenticate (36): v0-1 ---- */

typedef struct kafka_sasl_authenticate_req {
    kafka_bytes auth_bytes;
} kafka_sasl_authenticate_req;

typedef struct kafka_sasl_authenticate_resp {
    int16_t error_code;
    kafka_str error_message; /* nullable */
    kafka_bytes auth_bytes;
    int64_t session_lifetime_ms; /* v1+ */
} kafka_sasl_authenticate_resp;

KAFKA_CODEC_DECLARE(sasl_authenticate);

#endif
