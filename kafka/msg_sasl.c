/*
 * msg_sasl.c -- SaslHandshake (key 17) and SaslAuthenticate (key 36),
 * v0-1 each. SaslHandshake v1 means the tokens that follow travel in
 * SaslAuthenticate requests (v0: raw, unframed by the protocol);
 * SaslAuthenticate v1 adds the session lifetime.
 */
#include "msg_txn.h"
#include "schema.h"

#define S kafka_sasl_handshake_req
static const kafka_field hs_req_fields[] = {
    F_STR(S, mechanism, 0, V_),
};
#undef S
KAFKA_SCHEMA(kafka_schema_sasl_handshake_req, kafka_sasl_handshake_req,
             hs_req_fields);

#define S kafka_sasl_handshake_resp
static const kafka_field hs_resp_fields[] = {
    F_I16(S, error_code, 0, V_),
    F_ARR(S, mechanisms, 0, V_, ELEM(KF_STR)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_sasl_handshake_resp, kafka_sasl_handshake_resp,
             hs_resp_fields);

KAFKA_CODEC_DEFINE(sasl_handshake, KAFKA_API_SASL_HANDSHAKE)

#define S kafka_sasl_authenticate_req
static const kafka_field au_req_fields[] = {
    F_BYTES(S, auth_bytes, 0, V_),
};
#undef S
KAFKA_SCHEMA(kafka_schema_sasl_authenticate_req, kafka_sasl_authenticate_req,
             au_req_fields);

#define S kafka_sasl_authenticate_resp
static const kafka_field au_resp_fields[] = {
    F_I16(S, error_code, 0, V_),
    F_STR(S, error_message, 0, V_, NUL(0)),
    F_BYTES(S, auth_bytes, 0, V_),
    F_I64(S, session_lifetime_ms, 1, V_),
};
#undef S
KAFKA_SCHEMA(kafka_schema_sasl_authenticate_resp, kafka_sasl_authenticate_resp,
             au_resp_fields);

KAFKA_CODEC_DEFINE(sasl_authenticate, KAFKA_API_SASL_AUTHENTICATE)
