/*
 * msg_sync_group.c -- SyncGroup (key 14), v0-3. v1 adds throttle time,
 * v3 the group instance id.
 */
#include "msg_group.h"
#include "schema.h"

#define S kafka_sync_group_assignment
static const kafka_field assignment_fields[] = {
    F_STR(S, member_id, 0, V_),
    F_BYTES(S, assignment, 0, V_),
};
#undef S
static KAFKA_SCHEMA(assignment_schema, kafka_sync_group_assignment,
                    assignment_fields);

#define S kafka_sync_group_req
static const kafka_field req_fields[] = {
    F_STR(S, group_id, 0, V_),
    F_I32(S, generation_id, 0, V_),
    F_STR(S, member_id, 0, V_),
    F_STR(S, group_instance_id, 3, V_, NUL(3), DEF(-1)),
    F_STR(S, protocol_type, 5, V_, NUL(5), DEF(-1)),
    F_STR(S, protocol_name, 5, V_, NUL(5), DEF(-1)),
    F_ARR(S, assignments, 0, V_, SUB(assignment_schema)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_sync_group_req, kafka_sync_group_req, req_fields);

#define S kafka_sync_group_resp
static const kafka_field resp_fields[] = {
    F_I32(S, throttle_time_ms, 1, V_),
    F_I16(S, error_code, 0, V_),
    F_STR(S, protocol_type, 5, V_, NUL(5), DEF(-1)),
    F_STR(S, protocol_name, 5, V_, NUL(5), DEF(-1)),
    F_BYTES(S, assignment, 0, V_),
};
#undef S
KAFKA_SCHEMA(kafka_schema_sync_group_resp, kafka_sync_group_resp, resp_fields);

KAFKA_CODEC_DEFINE(sync_group, KAFKA_API_SYNC_GROUP)
