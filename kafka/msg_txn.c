/*
 * msg_txn.c -- idempotence and transactions: InitProducerId (key 22),
 * v0-1; AddPartitionsToTxn (24), AddOffsetsToTxn (25), EndTxn (26) and
 * TxnOffsetCommit (28), v0-2 each. The versions differ only in what
 * errors a client understands (v1 throttling order, v2 PRODUCER_FENCED),
 * except TxnOffsetCommit v2, which adds leader epochs.
 */
#include "msg_txn.h"
#include "schema.h"

#define S kafka_init_producer_id_req
static const kafka_field ip_req_fields[] = {
    F_STR(S, transactional_id, 0, V_, NUL(0)),
    F_I32(S, transaction_timeout_ms, 0, V_),
    F_I64(S, producer_id, 3, V_, DEF(-1)),
    F_I16(S, producer_epoch, 3, V_, DEF(-1)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_init_producer_id_req, kafka_init_producer_id_req,
             ip_req_fields);

#define S kafka_init_producer_id_resp
static const kafka_field ip_resp_fields[] = {
    F_I32(S, throttle_time_ms, 0, V_),
    F_I16(S, error_code, 0, V_),
    F_I64(S, producer_id, 0, V_, DEF(-1)),
    F_I16(S, producer_epoch, 0, V_),
};
#undef S
KAFKA_SCHEMA(kafka_schema_init_producer_id_resp, kafka_init_producer_id_resp,
             ip_resp_fields);

KAFKA_CODEC_DEFINE(init_producer_id, KAFKA_API_INIT_PRODUCER_ID)

#define S kafka_add_partitions_to_txn_topic
static const kafka_field ap_topic_fields[] = {
    F_STR(S, name, 0, V_),
    F_ARR(S, partitions, 0, V_, ELEM(KF_I32)),
};
#undef S
static KAFKA_SCHEMA(ap_topic_schema, kafka_add_partitions_to_txn_topic,
                    ap_topic_fields);

#define S kafka_add_partitions_to_txn_req
static const kafka_field ap_req_fields[] = {
    F_STR(S, transactional_id, 0, 3),
    F_I64(S, producer_id, 0, 3),
    F_I16(S, producer_epoch, 0, 3),
    F_ARR(S, topics, 0, 3, SUB(ap_topic_schema)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_add_partitions_to_txn_req,
             kafka_add_partitions_to_txn_req, ap_req_fields);

#define S kafka_add_partitions_to_txn_presult
static const kafka_field ap_presult_fields[] = {
    F_I32(S, partition_index, 0, V_),
    F_I16(S, partition_error_code, 0, V_),
};
#undef S
static KAFKA_SCHEMA(ap_presult_schema, kafka_add_partitions_to_txn_presult,
                    ap_presult_fields);

#define S kafka_add_partitions_to_txn_result
static const kafka_field ap_result_fields[] = {
    F_STR(S, name, 0, V_),
    F_ARR(S, results, 0, V_, SUB(ap_presult_schema)),
};
#undef S
static KAFKA_SCHEMA(ap_result_schema, kafka_add_partitions_to_txn_result,
                    ap_result_fields);

#define S kafka_add_partitions_to_txn_resp
static const kafka_field ap_resp_fields[] = {
    F_I32(S, throttle_time_ms, 0, V_),
    F_ARR(S, results, 0, 3, SUB(ap_result_schema)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_add_partitions_to_txn_resp,
             kafka_add_partitions_to_txn_resp, ap_resp_fields);

KAFKA_CODEC_DEFINE(add_partitions_to_txn, KAFKA_API_ADD_PARTITIONS_TO_TXN)

#define S kafka_add_offsets_to_txn_req
static const kafka_field ao_req_fields[] = {
    F_STR(S, transactional_id, 0, V_),
    F_I64(S, producer_id, 0, V_),
    F_I16(S, producer_epoch, 0, V_),
    F_STR(S, group_id, 0, V_),
};
#undef S
KAFKA_SCHEMA(kafka_schema_add_offsets_to_txn_req, kafka_add_offsets_to_txn_req,
             ao_req_fields);

#define S kafka_add_offsets_to_txn_resp
static const kafka_field ao_resp_fields[] = {
    F_I32(S, throttle_time_ms, 0, V_),
    F_I16(S, error_code, 0, V_),
};
#undef S
KAFKA_SCHEMA(kafka_schema_add_offsets_to_txn_resp,
             kafka_add_offsets_to_txn_resp, ao_resp_fields);

KAFKA_CODEC_DEFINE(add_offsets_to_txn, KAFKA_API_ADD_OFFSETS_TO_TXN)

#define S kafka_txn_offset_commit_req_partition
static const kafka_field to_req_partition_fields[] = {
    F_I32(S, partition_index, 0, V_),
    F_I64(S, committed_offset, 0, V_),
    F_I32(S, committed_leader_epoch, 2, V_, DEF(-1)),
    F_STR(S, committed_metadata, 0, V_, NUL(0)),
};
#undef S
static KAFKA_SCHEMA(to_req_partition_schema,
                    kafka_txn_offset_commit_req_partition,
                    to_req_partition_fields);

#define S kafka_txn_offset_commit_req_topic
static const kafka_field to_req_topic_fields[] = {
    F_STR(S, name, 0, V_),
    F_ARR(S, partitions, 0, V_, SUB(to_req_partition_schema)),
};
#undef S
static KAFKA_SCHEMA(to_req_topic_schema, kafka_txn_offset_commit_req_topic,
                    to_req_topic_fields);

#define S kafka_txn_offset_commit_req
static const kafka_field to_req_fields[] = {
    F_STR(S, transactional_id, 0, V_),
    F_STR(S, group_id, 0, V_),
    F_I64(S, producer_id, 0, V_),
    F_I16(S, producer_epoch, 0, V_),
    F_I32(S, generation_id, 3, V_, DEF(-1)),
    F_STR(S, member_id, 3, V_),
    F_STR(S, group_instance_id, 3, V_, NUL(3), DEF(-1)),
    F_ARR(S, topics, 0, V_, SUB(to_req_topic_schema)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_txn_offset_commit_req, kafka_txn_offset_commit_req,
             to_req_fields);

#define S kafka_txn_offset_commit_resp_partition
static const kafka_field to_resp_partition_fields[] = {
    F_I32(S, partition_index, 0, V_),
    F_I16(S, error_code, 0, V_),
};
#undef S
static KAFKA_SCHEMA(to_resp_partition_schema,
                    kafka_txn_offset_commit_resp_partition,
                    to_resp_partition_fields);

#define S kafka_txn_offset_commit_resp_topic
static const kafka_field to_resp_topic_fields[] = {
    F_STR(S, name, 0, V_),
    F_ARR(S, partitions, 0, V_, SUB(to_resp_partition_schema)),
};
#undef S
static KAFKA_SCHEMA(to_resp_topic_schema, kafka_txn_offset_commit_resp_topic,
                    to_resp_topic_fields);

#define S kafka_txn_offset_commit_resp
static const kafka_field to_resp_fields[] = {
    F_I32(S, throttle_time_ms, 0, V_),
    F_ARR(S, topics, 0, V_, SUB(to_resp_topic_schema)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_txn_offset_commit_resp, kafka_txn_offset_commit_resp,
             to_resp_fields);

KAFKA_CODEC_DEFINE(txn_offset_commit, KAFKA_API_TXN_OFFSET_COMMIT)

#define S kafka_end_txn_req
static const kafka_field et_req_fields[] = {
    F_STR(S, transactional_id, 0, V_),
    F_I64(S, producer_id, 0, V_),
    F_I16(S, producer_epoch, 0, V_),
    F_BOOL(S, committed, 0, V_),
};
#undef S
KAFKA_SCHEMA(kafka_schema_end_txn_req, kafka_end_txn_req, et_req_fields);

#define S kafka_end_txn_resp
static const kafka_field et_resp_fields[] = {
    F_I32(S, throttle_time_ms, 0, V_),
    F_I16(S, error_code, 0, V_),
};
#undef S
KAFKA_SCHEMA(kafka_schema_end_txn_resp, kafka_end_txn_resp, et_resp_fields);

KAFKA_CODEC_DEFINE(end_txn, KAFKA_API_END_TXN)
