/*
 * msg_groups.c -- ListGroups (key 16), v0-2, and DescribeGroups (key 15),
 * v0-4. ListGroups v1 adds throttle time; DescribeGroups v1 throttle
 * time, v3 authorized operations, v4 group instance ids of members.
 */
#include "msg_group.h"
#include "schema.h"

#define S kafka_list_groups_req
static const kafka_field lg_req_fields[] = {
    F_ARR(S, states_filter, 4, V_, ELEM(KF_STR)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_list_groups_req, kafka_list_groups_req,
             lg_req_fields);

#define S kafka_list_groups_group
static const kafka_field lg_group_fields[] = {
    F_STR(S, group_id, 0, V_),
    F_STR(S, protocol_type, 0, V_),
    F_STR(S, group_state, 4, V_),
};
#undef S
static KAFKA_SCHEMA(lg_group_schema, kafka_list_groups_group, lg_group_fields);

#define S kafka_list_groups_resp
static const kafka_field lg_resp_fields[] = {
    F_I32(S, throttle_time_ms, 1, V_),
    F_I16(S, error_code, 0, V_),
    F_ARR(S, groups, 0, V_, SUB(lg_group_schema)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_list_groups_resp, kafka_list_groups_resp,
             lg_resp_fields);

KAFKA_CODEC_DEFINE(list_groups, KAFKA_API_LIST_GROUPS)

#define S kafka_describe_groups_req
static const kafka_field dg_req_fields[] = {
    F_ARR(S, groups, 0, V_, ELEM(KF_STR)),
    F_BOOL(S, include_authorized_operations, 3, V_),
};
#undef S
KAFKA_SCHEMA(kafka_schema_describe_groups_req, kafka_describe_groups_req,
             dg_req_fields);

#define S kafka_describe_groups_member
static const kafka_field dg_member_fields[] = {
    F_STR(S, member_id, 0, V_),
    F_STR(S, group_instance_id, 4, V_, NUL(4), DEF(-1)),
    F_STR(S, client_id, 0, V_),
    F_STR(S, client_host, 0, V_),
    F_BYTES(S, member_metadata, 0, V_),
    F_BYTES(S, member_assignment, 0, V_),
};
#undef S
static KAFKA_SCHEMA(dg_member_schema, kafka_describe_groups_member,
                    dg_member_fields);

#define S kafka_describe_groups_group
static const kafka_field dg_group_fields[] = {
    F_I16(S, error_code, 0, V_),
    F_STR(S, group_id, 0, V_),
    F_STR(S, group_state, 0, V_),
    F_STR(S, protocol_type, 0, V_),
    F_STR(S, protocol_data, 0, V_),
    F_ARR(S, members, 0, V_, SUB(dg_member_schema)),
    F_I32(S, authorized_operations, 3, V_, DEF(INT32_MIN)),
};
#undef S
static KAFKA_SCHEMA(dg_group_schema, kafka_describe_groups_group,
                    dg_group_fields);

#define S kafka_describe_groups_resp
static const kafka_field dg_resp_fields[] = {
    F_I32(S, throttle_time_ms, 1, V_),
    F_ARR(S, groups, 0, V_, SUB(dg_group_schema)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_describe_groups_resp, kafka_describe_groups_resp,
             dg_resp_fields);

KAFKA_CODEC_DEFINE(describe_groups, KAFKA_API_DESCRIBE_GROUPS)
