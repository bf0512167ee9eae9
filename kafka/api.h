/*
 * api.h -- the Kafka protocol's vocabulary: API keys, error codes, the
 * versions this codec supports, request and response headers, and the
 * generic entry points that decode or encode any message body.
 *
 * A request frame on the wire is: int32 size, then the request header,
 * then the body. The header's version follows from the API key and
 * version: v2 (client id, then tagged fields) for a flexible version, v1
 * otherwise. A response is: int32 size, the response header (v0:
 * correlation id; v1, for flexible versions: plus tagged fields), the
 * body. ApiVersions is the exception: its response header is always v0,
 * so that a client can read the answer whatever version it asked for.
 *
 * Ownership: a decoded header or body holds views into the frame buffer
 * (valid while the buffer is) and arrays in the arena passed to the
 * decoder (valid until the arena is reset or freed). Encoders copy what
 * they are given into the writer.
 *
 * Thread safety: safe. Every function works only on the reader, writer,
 * arena and structs it is given; the tables are constant.
 */
#ifndef KAFKA_API_H
#define KAFKA_API_H

#include "wire.h"

/* ---- API keys ---- */

enum kafka_api_key {
    KAFKA_API_PRODUCE = 0,
    KAFKA_API_FETCH = 1,
    KAFKA_API_LIST_OFFSETS = 2,
    KAFKA_API_METADATA = 3,
    KAFKA_API_OFFSET_COMMIT = 8,
    KAFKA_API_OFFSET_FETCH = 9,
    KAFKA_API_FIND_COORDINATOR = 10,
    KAFKA_API_JOIN_GROUP = 11,
    KAFKA_API_HEARTBEAT = 12,
    KAFKA_API_LEAVE_GROUP = 13,
    KAFKA_API_SYNC_GROUP = 14,
    KAFKA_API_DESCRIBE_GROUPS = 15,
    KAFKA_API_LIST_GROUPS = 16,
    KAFKA_API_SASL_HANDSHAKE = 17,
    KAFKA_API_API_VERSIONS = 18,
    KAFKA_API_CREATE_TOPICS = 19,
    KAFKA_API_DELETE_TOPICS = 20,
    KAFKA_API_INIT_PRODUCER_ID = 22,
    KAFKA_API_ADD_PARTITIONS_TO_TXN = 24,
    KAFKA_API_ADD_OFFSETS_TO_TXN = 25,
    KAFKA_API_END_TXN = 26,
    KAFKA_API_TXN_OFFSET_COMMIT = 28,
    KAFKA_API_DESCRIBE_CONFIGS = 32,
    KAFKA_API_SASL_AUTHENTICATE = 36,
    KAFKA_API_CREATE_PARTITIONS = 37
};

/* ---- Kafka's error codes (Errors.java), by their fixed numbers ---- */

#define KAFKA_ERRORS(X)                                                        \
    X(UNKNOWN_SERVER_ERROR, -1)                                                \
    X(NONE, 0)                                                                 \
    X(OFFSET_OUT_OF_RANGE, 1)                                                  \
    X(CORRUPT_MESSAGE, 2)                                                      \
    X(UNKNOWN_TOPIC_OR_PARTITION, 3)                                           \
    X(INVALID_FETCH_SIZE, 4)                                                   \
    X(LEADER_NOT_AVAILABLE, 5)                                                 \
    X(NOT_LEADER_OR_FOLLOWER, 6)                                               \
    X(REQUEST_TIMED_OUT, 7)                                                    \
    X(BROKER_NOT_AVAILABLE, 8)                                                 \
    X(REPLICA_NOT_AVAILABLE, 9)                                                \
    X(MESSAGE_TOO_LARGE, 10)                                                   \
    X(STALE_CONTROLLER_EPOCH, 11)                                              \
    X(OFFSET_METADATA_TOO_LARGE, 12)                                           \
    X(NETWORK_EXCEPTION, 13)                                                   \
    X(COORDINATOR_LOAD_IN_PROGRESS, 14)                                        \
    X(COORDINATOR_NOT_AVAILABLE, 15)                                           \
    X(NOT_COORDINATOR, 16)                                                     \
    X(INVALID_TOPIC_EXCEPTION, 17)                                             \
    X(RECORD_LIST_TOO_LARGE, 18)                                               \
    X(NOT_ENOUGH_REPLICAS, 19)                                                 \
    X(NOT_ENOUGH_REPLICAS_AFTER_APPEND, 20)                                    \
    X(INVALID_REQUIRED_ACKS, 21)                                               \
    X(ILLEGAL_GENERATION, 22)                                                  \
    X(INCONSISTENT_GROUP_PROTOCOL, 23)                                         \
    X(INVALID_GROUP_ID, 24)                                                    \
    X(UNKNOWN_MEMBER_ID, 25)                                                   \
    X(INVALID_SESSION_TIMEOUT, 26)                                             \
    X(REBALANCE_IN_PROGRESS, 27)                                               \
    X(INVALID_COMMIT_OFFSET_SIZE, 28)                                          \
    X(TOPIC_AUTHORIZATION_FAILED, 29)                                          \
    X(GROUP_AUTHORIZATION_FAILED, 30)                                          \
    X(CLUSTER_AUTHORIZATION_FAILED, 31)                                        \
    X(INVALID_TIMESTAMP, 32)                                                   \
    X(UNSUPPORTED_SASL_MECHANISM, 33)                                          \
    X(ILLEGAL_SASL_STATE, 34)                                                  \
    X(UNSUPPORTED_VERSION, 35)                                                 \
    X(TOPIC_ALREADY_EXISTS, 36)                                                \
    X(INVALID_PARTITIONS, 37)                                                  \
    X(INVALID_REPLICATION_FACTOR, 38)                                          \
    X(INVALID_REPLICA_ASSIGNMENT, 39)                                          \
    X(INVALID_CONFIG, 40)                                                      \
    X(NOT_CONTROLLER, 41)                                                      \
    X(INVALID_REQUEST, 42)                                                     \
    X(UNSUPPORTED_FOR_MESSAGE_FORMAT, 43)                                      \
    X(POLICY_VIOLATION, 44)                                                    \
    X(OUT_OF_ORDER_SEQUENCE_NUMBER, 45)                                        \
    X(DUPLICATE_SEQUENCE_NUMBER, 46)                                           \
    X(INVALID_PRODUCER_EPOCH, 47)                                              \
    X(INVALID_TXN_STATE, 48)                                                   \
    X(INVALID_PRODUCER_ID_MAPPING, 49)                                         \
    X(INVALID_TRANSACTION_TIMEOUT, 50)                                         \
    X(CONCURRENT_TRANSACTIONS, 51)                                             \
    X(TRANSACTION_COORDINATOR_FENCED, 52)                                      \
    X(TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 53)                               \
    X(SECURITY_DISABLED, 54)                                                   \
    X(OPERATION_NOT_ATTEMPTED, 55)                                             \
    X(KAFKA_STORAGE_ERROR, 56)                                                 \
    X(LOG_DIR_NOT_FOUND, 57)                                                   \
    X(SASL_AUTHENTICATION_FAILED, 58)                                          \
    X(UNKNOWN_PRODUCER_ID, 59)                                                 \
    X(REASSIGNMENT_IN_PROGRESS, 60)                                            \
    X(DELEGATION_TOKEN_AUTH_DISABLED, 61)                                      \
    X(DELEGATION_TOKEN_NOT_FOUND, 62)                                          \
    X(DELEGATION_TOKEN_OWNER_MISMATCH, 63)                                     \
    X(DELEGATION_TOKEN_REQUEST_NOT_ALLOWED, 64)                                \
    X(DELEGATION_TOKEN_AUTHORIZATION_FAILED, 65)                               \
    X(DELEGATION_TOKEN_EXPIRED, 66)                                            \
    X(INVALID_PRINCIPAL_TYPE, 67)                                              \
    X(NON_EMPTY_GROUP, 68)                                                     \
    X(GROUP_ID_NOT_FOUND, 69)                                                  \
    X(FETCH_SESSION_ID_NOT_FOUND, 70)                                          \
    X(INVALID_FETCH_SESSION_EPOCH, 71)                                         \
    X(LISTENER_NOT_FOUND, 72)                                                  \
    X(TOPIC_DELETION_DISABLED, 73)                                             \
    X(FENCED_LEADER_EPOCH, 74)                                                 \
    X(UNKNOWN_LEADER_EPOCH, 75)                                                \
    X(UNSUPPORTED_COMPRESSION_TYPE, 76)                                        \
    X(STALE_BROKER_EPOCH, 77)                                                  \
    X(OFFSET_NOT_AVAILABLE, 78)                                                \
    X(MEMBER_ID_REQUIRED, 79)                                                  \
    X(PREFERRED_LEADER_NOT_AVAILABLE, 80)                                      \
    X(GROUP_MAX_SIZE_REACHED, 81)                                              \
    X(FENCED_INSTANCE_ID, 82)                                                  \
    X(ELIGIBLE_LEADERS_NOT_AVAILABLE, 83)                                      \
    X(ELECTION_NOT_NEEDED, 84)                                                 \
    X(NO_REASSIGNMENT_IN_PROGRESS, 85)                                         \
    X(GROUP_SUBSCRIBED_TO_TOPIC, 86)                                           \
    X(INVALID_RECORD, 87)                                                      \
    X(UNSTABLE_OFFSET_COMMIT, 88)                                              \
    X(THROTTLING_QUOTA_EXCEEDED, 89)                                           \
    X(PRODUCER_FENCED, 90)                                                     \
    X(RESOURCE_NOT_FOUND, 91)                                                  \
    X(DUPLICATE_RESOURCE, 92)                                                  \
    X(UNACCEPTABLE_CREDENTIAL, 93)                                             \
    X(INCONSISTENT_VOTER_SET, 94)                                              \
    X(INVALID_UPDATE_VERSION, 95)                                              \
    X(FEATURE_UPDATE_FAILED, 96)                                               \
    X(PRINCIPAL_DESERIALIZATION_FAILURE, 97)                                   \
    X(SNAPSHOT_NOT_FOUND, 98)                                                  \
    X(POSITION_OUT_OF_RANGE, 99)                                               \
    X(UNKNOWN_TOPIC_ID, 100)                                                   \
    X(DUPLICATE_BROKER_REGISTRATION, 101)                                      \
    X(BROKER_ID_NOT_REGISTERED, 102)                                           \
    X(INCONSISTENT_TOPIC_ID, 103)                                              \
    X(INCONSISTENT_CLUSTER_ID, 104)                                            \
    X(TRANSACTIONAL_ID_NOT_FOUND, 105)                                         \
    X(FETCH_SESSION_TOPIC_ID_ERROR, 106)                                       \
    X(INELIGIBLE_REPLICA, 107)                                                 \
    X(NEW_LEADER_ELECTED, 108)                                                 \
    X(OFFSET_MOVED_TO_TIERED_STORAGE, 109)                                     \
    X(FENCED_MEMBER_EPOCH, 110)                                                \
    X(UNRELEASED_INSTANCE_ID, 111)                                             \
    X(UNSUPPORTED_ASSIGNOR, 112)                                               \
    X(STALE_MEMBER_EPOCH, 113)                                                 \
    X(MISMATCHED_ENDPOINT_TYPE, 114)                                           \
    X(UNSUPPORTED_ENDPOINT_TYPE, 115)                                          \
    X(UNKNOWN_CONTROLLER_ID, 116)                                              \
    X(UNKNOWN_SUBSCRIPTION_ID, 117)                                            \
    X(TELEMETRY_TOO_LARGE, 118)                                                \
    X(INVALID_REGISTRATION, 119)                                               \
    X(TRANSACTION_ABORTABLE, 120)                                              \
    X(INVALID_RECORD_STATE, 121)                                               \
    X(SHARE_SESSION_NOT_FOUND, 122)                                            \
    X(INVALID_SHARE_SESSION_EPOCH, 123)                                        \
    X(FENCED_STATE_EPOCH, 124)                                                 \
    X(INVALID_VOTER_KEY, 125)                                                  \
    X(DUPLICATE_VOTER, 126)                                                    \
    X(VOTER_NOT_FOUND, 127)                                                    \
    X(INVALID_REGULAR_EXPRESSION, 128)                                         \
    X(REBOOTSTRAP_REQUIRED, 129)                                               \
    X(STREAMS_INVALID_TOPOLOGY, 130)                                           \
    X(STREAMS_INVALID_TOPOLOGY_EPOCH, 131)                                     \
    X(STREAMS_TOPOLOGY_FENCED, 132)                                            \
    X(SHARE_SESSION_LIMIT_REACHED, 133)

#define KAFKA_ERROR_ENUM_(name, code) KAFKA_##name = code,
enum kafka_error_code { KAFKA_ERRORS(KAFKA_ERROR_ENUM_) };
#undef KAFKA_ERROR_ENUM_

/* Kafka's name of an error code ("UNKNOWN_TOPIC_OR_PARTITION"), or
 * "UNKNOWN" for a number Kafka does not define; never NULL. */
const char *kafka_error_name(int16_t code);

/* The Kafka error code with which a broker answers a failed decode or
 * record-batch check (CORRUPT_MESSAGE, UNSUPPORTED_VERSION, ...). */
int16_t kafka_error_for(int err);

/* ---- supported versions ---- */

typedef struct kafka_api_info {
    int16_t key;
    const char *name;    /* "Produce" */
    int16_t min_version; /* the versions this codec does */
    int16_t max_version;
    int16_t flexible_from; /* Kafka's first flexible version (even if
                              above max_version); INT16_MAX: none */
    const struct kafka_schema *req;
    const struct kafka_schema *resp;
    size_t req_size; /* sizeof the request struct */
    size_t resp_size;
} kafka_api_info;

/* The entry of an API key, or NULL when this codec does not know it. */
const kafka_api_info *kafka_api_lookup(int16_t key);
/* Every known API, in key order; *count gets their number. */
const kafka_api_info *kafka_api_all(size_t *count);
/* True when the version is in the supported range. */
bool kafka_api_supported(int16_t key, int16_t version);
/* True when the version is flexible (compact lengths, tagged fields). */
bool kafka_api_flexible(int16_t key, int16_t version);

/* ---- headers ---- */

typedef struct kafka_req_header {
    int16_t api_key;
    int16_t api_version;
    int32_t correlation_id;
    kafka_str client_id;    /* nullable; always the int16 form */
    int16_t header_version; /* 1 or 2 (0: decoded without client id) */
} kafka_req_header;

/* The request header version of an API version: 2 when flexible, else 1
 * (Kafka's controlled-shutdown v0 used 0; none of our APIs do). */
int16_t kafka_req_header_version(int16_t api_key, int16_t api_version);
/* The response header version: 1 when flexible, else 0; always 0 for
 * ApiVersions. */
int16_t kafka_resp_header_version(int16_t api_key, int16_t api_version);

/* Decodes a request header (after the frame's size). The version of the
 * header follows from the key and version; an unknown key or version
 * above Kafka's flexible one is read as v1 and v2 respectively, so the
 * correlation id is there to answer with. Returns 0, or the reader's
 * error (the fields read before it stay filled). */
int kafka_req_header_decode(kafka_req_header *h, kafka_reader *r);
/* The same at a given header version: 0 (key, version, correlation id),
 * 1 (+ nullable client id) or 2 (+ tagged fields). */
int kafka_req_header_decode_at(kafka_req_header *h, kafka_reader *r,
                               int16_t header_version);
/* Encodes h at h->header_version (1 or 2). */
int kafka_req_header_encode(kafka_writer *w, const kafka_req_header *h);
/* The response header: correlation id, then (v1) empty tagged fields. */
int kafka_resp_header_encode(kafka_writer *w, int32_t correlation_id,
                             int16_t header_version);
int kafka_resp_header_decode(int32_t *correlation_id, kafka_reader *r,
                             int16_t header_version);

/* Starts a size-prefixed frame: writes a placeholder int32 and returns
 * its offset for kafka_frame_end, which patches in the size. */
size_t kafka_frame_begin(kafka_writer *w);
int kafka_frame_end(kafka_writer *w, size_t off);

/* ---- any message body ---- */

/* Decodes the body of a request (response false) or response of API key
 * at version into out, a struct of the API's type (req_size/resp_size
 * bytes). Returns 0, UNSUPPORTED_VERSION when the key or version is not
 * supported, or the reader's error. */
int kafka_body_decode(void *out, kafka_arena *a, kafka_reader *r, int16_t key,
                      int16_t version, bool response);
/* Encodes msg as such a body; 0, UNSUPPORTED_VERSION, INVALID (a null
 * where the version has none) or NOMEM. */
int kafka_body_encode(kafka_writer *w, const void *msg, int16_t key,
                      int16_t version, bool response);

/* A whole request frame, as a server reads it. */
typedef struct kafka_request {
    kafka_req_header header;
    const kafka_api_info *api; /* NULL for an unknown key */
    void *body; /* the API's request struct, in the arena; NULL on error */
    const char *error; /* on failure, a static message for a log line */
} kafka_request;

/* Decodes a request header and body from buf (the bytes after the size
 * prefix). On UNSUPPORTED_VERSION (unknown key, or a version outside the
 * supported range) the header is filled so the caller can answer; on
 * any other error the header is filled as far as it was read. */
int kafka_request_decode(kafka_request *out, kafka_arena *a, const uint8_t *buf,
                         size_t len);

/* An array in a message: n elements at v; n == -1 is a null array. */
#define KAFKA_ARRAY(T)                                                         \
    struct {                                                                   \
        T *v;                                                                  \
        int32_t n;                                                             \
    }

/* Declares the four codec functions of a message pair: request decode
 * (what a server does), response encode (likewise), and their inverses
 * (what a client, or a test, does). The version must be supported (else
 * UNSUPPORTED_VERSION); decode errors are the reader's, encode errors
 * the writer's. */
#define KAFKA_CODEC_DECLARE(name)                                              \
    int kafka_##name##_req_decode(kafka_##name##_req *out, kafka_arena *a,     \
                                  kafka_reader *r, int16_t version);           \
    int kafka_##name##_req_encode(                                             \
        kafka_writer *w, const kafka_##name##_req *req, int16_t version);      \
    int kafka_##name##_resp_decode(kafka_##name##_resp *out, kafka_arena *a,   \
                                   kafka_reader *r, int16_t version);          \
    int kafka_##name##_resp_encode(                                            \
        kafka_writer *w, const kafka_##name##_resp *resp, int16_t version)

#endif
