/*
 * msg_heartbeat.c -- Heartbeat (key 12) and LeaveGroup (key 13), v0-3
 * each. Heartbeat v3 adds the group instance id; LeaveGroup v3 leaves a
 * batch of members instead of one.
 */
#include "msg_group.h"
#include "schema.h"

#define S kafka_heartbeat_req
static const kafka_field hb_req_fields[] = {
    F_STR(S, group_id, 0, V_),
    F_I32(S, generation_id, 0, V_),
    F_STR(S, member_id, 0, V_),
    F_STR(S, group_instance_id, 3, V_, NUL(3), DEF(-1)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_heartbeat_req, kafka_heartbeat_req, hb_req_fields);

#define S kafka_heartbeat_resp
static const kafka_field hb_resp_fields[] = {
    F_I32(S, throttle_time_ms, 1, V_),
    F_I16(S, error_code, 0, V_),
};
#undef S
KAFKA_SCHEMA(kafka_schema_heartbeat_resp, kafka_heartbeat_resp, hb_resp_fields);

KAFKA_CODEC_DEFINE(heartbeat, KAFKA_API_HEARTBEAT)

#define S kafka_leave_group_member
static const kafka_field member_fields[] = {
    F_STR(S, member_id, 3, V_),
    F_STR(S, group_instance_id, 3, V_, NUL(3), DEF(-1)),
    F_STR(S, reason, 5, V_, NUL(5), DEF(-1)),
};
#undef S
static KAFKA_SCHEMA(member_schema, kafka_leave_group_member, member_fields);

#define S kafka_leave_group_req
static const kafka_field lg_req_fields[] = {
    F_STR(S, group_id, 0, V_),
    F_STR(S, member_id, 0, 2),
    F_ARR(S, members, 3, V_, SUB(member_schema)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_leave_group_req, kafka_leave_group_req,
             lg_req_fields);

#define S kafka_leave_group_resp_member
static const kafka_field resp_member_fields[] = {
    F_STR(S, member_id, 3, V_),
    F_STR(S, group_instance_id, 3, V_, NUL(3)),
    F_I16(S, error_code, 3, V_),
};
#undef S
static KAFKA_SCHEMA(resp_member_schema, kafka_leave_group_resp_member,
                    resp_member_fields);

#define S kafka_leave_group_resp
static const kafka_field lg_resp_fields[] = {
    F_I32(S, throttle_time_ms, 1, V_),
    F_I16(S, error_code, 0, V_),
    F_ARR(S, members, 3, V_, SUB(resp_member_schema)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_leave_group_resp, kafka_leave_group_resp,
             lg_resp_fields);

KAFKA_CODEC_DEFINE(leave_group, KAFKA_API_LEAVE_GROUP)
