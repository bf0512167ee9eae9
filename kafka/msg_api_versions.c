/*
 * msg_api_versions.c -- ApiVersions (key 18), v0-3; v3 is flexible and
 * carries the client's software name and version, and the response's
 * feature lists as tagged fields 0-3.
 */
#include "msg_core.h"
#include "schema.h"

#define S kafka_api_versions_req
static const kafka_field req_fields[] = {
    F_STR(S, client_software_name, 3, V_),
    F_STR(S, client_software_version, 3, V_),
};
#undef S
KAFKA_SCHEMA(kafka_schema_api_versions_req, kafka_api_versions_req, req_fields);

#define S kafka_api_versions_key
static const kafka_field key_fields[] = {
    F_I16(S, api_key, 0, V_),
    F_I16(S, min_version, 0, V_),
    F_I16(S, max_version, 0, V_),
};
#undef S
static KAFKA_SCHEMA(key_schema, kafka_api_versions_key, key_fields);

#define S kafka_api_versions_feature
static const kafka_field feature_fields[] = {
    F_STR(S, name, 3, V_),
    F_I16(S, min_version, 3, V_),
    F_I16(S, max_version, 3, V_),
};
#undef S
static KAFKA_SCHEMA(feature_schema, kafka_api_versions_feature, feature_fields);

#define S kafka_api_versions_finalized
static const kafka_field finalized_fields[] = {
    F_STR(S, name, 3, V_),
    F_I16(S, max_version_level, 3, V_),
    F_I16(S, min_version_level, 3, V_),
};
#undef S
static KAFKA_SCHEMA(finalized_schema, kafka_api_versions_finalized,
                    finalized_fields);

#define S kafka_api_versions_resp
static const kafka_field resp_fields[] = {
    F_I16(S, error_code, 0, V_),
    F_ARR(S, api_keys, 0, V_, SUB(key_schema)),
    F_I32(S, throttle_time_ms, 1, V_),
    F_ARR(S, supported_features, 3, V_, TAG(0), SUB(feature_schema)),
    F_I64(S, finalized_features_epoch, 3, V_, TAG(1), DEF(-1)),
    F_ARR(S, finalized_features, 3, V_, TAG(2), SUB(finalized_schema)),
    F_BOOL(S, zk_migration_ready, 3, V_, TAG(3)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_api_versions_resp, kafka_api_versions_resp,
             resp_fields);

KAFKA_CODEC_DEFINE(api_versions, KAFKA_API_API_VERSIONS)

int kafka_api_versions_resp_init(kafka_api_versions_resp *resp, kafka_arena *a,
                                 int16_t error_code)
{
    size_t n;
    const kafka_api_info *apis = kafka_api_all(&n);
    kafka_schema_defaults(&kafka_schema_api_versions_resp, resp, 0);
    resp->error_code = error_code;
    resp->api_keys.v = kafka_arena_alloc(a, n * sizeof *resp->api_keys.v);
    if (!resp->api_keys.v)
        return KAFKA_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        resp->api_keys.v[i].api_key = apis[i].key;
        resp->api_keys.v[i].min_version = apis[i].min_version;
        resp->api_keys.v[i].max_version = apis[i].max_version;
    }
    resp->api_keys.n = (int32_t)n;
    return 0;
}
