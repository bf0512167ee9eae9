/*
 * msg_find_coordinator.c -- FindCoordinator (key 10), v0-2. v1 adds the
 * key type (group or transaction), throttle time and an error message.
 */
#include "msg_group.h"
#include "schema.h"

#define S kafka_find_coordinator_req
static const kafka_field req_fields[] = {
    F_STR(S, key, 0, 3),
    F_I8(S, key_type, 1, V_),
    F_ARR(S, coordinator_keys, 4, V_, ELEM(KF_STR)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_find_coordinator_req, kafka_find_coordinator_req,
             req_fields);

#define S kafka_find_coordinator_resp
static const kafka_field resp_fields[] = {
    F_I32(S, throttle_time_ms, 1, V_),
    F_I16(S, error_code, 0, V_),
    F_STR(S, error_message, 1, V_, NUL(1), DEF(-1)),
    F_I32(S, node_id, 0, V_),
    F_STR(S, host, 0, V_),
    F_I32(S, port, 0, V_),
};
#undef S
KAFKA_SCHEMA(kafka_schema_find_coordinator_resp, kafka_find_coordinator_resp,
             resp_fields);

KAFKA_CODEC_DEFINE(find_coordinator, KAFKA_API_FIND_COORDINATOR)
