/*
 * msg_join_group.c -- JoinGroup (key 11), v0-5. v1 adds the rebalance
 * timeout, v2 throttle time, v4 the two-step join (MEMBER_ID_REQUIRED),
 * v5 static membership (group instance ids).
 */
#include "msg_group.h"
#include "schema.h"

#define S kafka_join_group_protocol
static const kafka_field protocol_fields[] = {
    F_STR(S, name, 0, V_),
    F_BYTES(S, metadata, 0, V_),
};
#undef S
static KAFKA_SCHEMA(protocol_schema, kafka_join_group_protocol,
                    protocol_fields);

#define S kafka_join_group_req
static const kafka_field req_fields[] = {
    F_STR(S, group_id, 0, V_),
    F_I32(S, session_timeout_ms, 0, V_),
    F_I32(S, rebalance_timeout_ms, 1, V_, DEF(-1)),
    F_STR(S, member_id, 0, V_),
    F_STR(S, group_instance_id, 5, V_, NUL(5), DEF(-1)),
    F_STR(S, protocol_type, 0, V_),
    F_ARR(S, protocols, 0, V_, SUB(protocol_schema)),
    F_STR(S, reason, 8, V_, NUL(8), DEF(-1)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_join_group_req, kafka_join_group_req, req_fields);

#define S kafka_join_group_member
static const kafka_field member_fields[] = {
    F_STR(S, member_id, 0, V_),
    F_STR(S, group_instance_id, 5, V_, NUL(5), DEF(-1)),
    F_BYTES(S, metadata, 0, V_),
};
#undef S
static KAFKA_SCHEMA(member_schema, kafka_join_group_member, member_fields);

#define S kafka_join_group_resp
static const kafka_field resp_fields[] = {
    F_I32(S, throttle_time_ms, 2, V_),
    F_I16(S, error_code, 0, V_),
    F_I32(S, generation_id, 0, V_, DEF(-1)),
    F_STR(S, protocol_type, 7, V_, NUL(7), DEF(-1)),
    F_STR(S, protocol_name, 0, V_, NUL(7)),
    F_STR(S, leader, 0, V_),
    F_BOOL(S, skip_assignment, 9, V_),
    F_STR(S, member_id, 0, V_),
    F_ARR(S, members, 0, V_, SUB(member_schema)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_join_group_resp, kafka_join_group_resp, resp_fields);

KAFKA_CODEC_DEFINE(join_group, KAFKA_API_JOIN_GROUP)
