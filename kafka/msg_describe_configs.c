/*
 * msg_describe_configs.c -- DescribeConfigs (key 32), v0-3. v1 adds the
 * config source and synonyms (and drops is_default), v3 the config type
 * and documentation.
 */
#include "msg_admin.h"
#include "schema.h"

#define S kafka_describe_configs_resource
static const kafka_field resource_fields[] = {
    F_I8(S, resource_type, 0, V_),
    F_STR(S, resource_name, 0, V_),
    F_ARR(S, configuration_keys, 0, V_, NUL(0), ELEM(KF_STR)),
};
#undef S
static KAFKA_SCHEMA(resource_schema, kafka_describe_configs_resource,
                    resource_fields);

#define S kafka_describe_configs_req
static const kafka_field req_fields[] = {
    F_ARR(S, resources, 0, V_, SUB(resource_schema)),
    F_BOOL(S, include_synonyms, 1, V_),
    F_BOOL(S, include_documentation, 3, V_),
};
#undef S
KAFKA_SCHEMA(kafka_schema_describe_configs_req, kafka_describe_configs_req,
             req_fields);

#define S kafka_describe_configs_synonym
static const kafka_field synonym_fields[] = {
    F_STR(S, name, 1, V_),
    F_STR(S, value, 1, V_, NUL(0)),
    F_I8(S, source, 1, V_),
};
#undef S
static KAFKA_SCHEMA(synonym_schema, kafka_describe_configs_synonym,
                    synonym_fields);

#define S kafka_describe_configs_entry
static const kafka_field entry_fields[] = {
    F_STR(S, name, 0, V_),
    F_STR(S, value, 0, V_, NUL(0)),
    F_BOOL(S, read_only, 0, V_),
    F_BOOL(S, is_default, 0, 0),
    F_I8(S, config_source, 1, V_, DEF(-1)),
    F_BOOL(S, is_sensitive, 0, V_),
    F_ARR(S, synonyms, 1, V_, SUB(synonym_schema)),
    F_I8(S, config_type, 3, V_),
    F_STR(S, documentation, 3, V_, NUL(0)),
};
#undef S
static KAFKA_SCHEMA(entry_schema, kafka_describe_configs_entry, entry_fields);

#define S kafka_describe_configs_result
static const kafka_field result_fields[] = {
    F_I16(S, error_code, 0, V_),
    F_STR(S, error_message, 0, V_, NUL(0)),
    F_I8(S, resource_type, 0, V_),
    F_STR(S, resource_name, 0, V_),
    F_ARR(S, configs, 0, V_, SUB(entry_schema)),
};
#undef S
static KAFKA_SCHEMA(result_schema, kafka_describe_configs_result,
                    result_fields);

#define S kafka_describe_configs_resp
static const kafka_field resp_fields[] = {
    F_I32(S, throttle_time_ms, 0, V_),
    F_ARR(S, results, 0, V_, SUB(result_schema)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_describe_configs_resp, kafka_describe_configs_resp,
             resp_fields);

KAFKA_CODEC_DEFINE(describe_configs, KAFKA_API_DESCRIBE_CONFIGS)
