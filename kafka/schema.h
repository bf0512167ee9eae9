/*
 * schema.h -- internal: messages described as tables, and the one codec
 * that reads and writes any of them at any version.
 *
 * Each message (request or response body, or a nested struct) is a
 * kafka_schema: its C struct's size and a list of kafka_field, each
 * naming a member by offset, its wire type, the versions it is present
 * in, the first version it may be null in, its tag (a tagged field of a
 * flexible version), and its default. The tables are written from the
 * JSON message definitions of the Kafka protocol, field for field, in the
 * order of the wire. The msg_*.c files hold the tables; this module holds
 * the code that walks them.
 *
 * Decoding fills a zeroed struct: fields absent in the version get their
 * default, arrays come from the arena, strings and bytes are views into
 * the input. Encoding writes the fields present in the version and skips
 * the others (Kafka's "ignorable" is not enforced: a field a version lacks
 * is silently dropped).
 */
#ifndef KAFKA_SCHEMA_H
#define KAFKA_SCHEMA_H

#include <stddef.h>

#include "wire.h"

enum kafka_ftype {
    KF_BOOL = 1,
    KF_I8,
    KF_I16,
    KF_I32,
    KF_I64,
    KF_UUID,
    KF_STR,
    KF_BYTES,
    KF_ARRAY /* of sub (struct) or of elem (a primitive type) */
};

#define KAFKA_VMAX 0x7fff

typedef struct kafka_field {
    const char *name;
    uint8_t type;
    uint8_t elem; /* KF_ARRAY of primitives: the element type */
    int16_t vmin; /* present in versions vmin..vmax */
    int16_t vmax;
    int16_t nullv; /* 1 + first nullable version; 0: never null */
    int16_t tagp1; /* 1 + tag of a tagged field; 0: not tagged */
    uint16_t off;  /* offsetof the member */
    int64_t def;   /* default of an integer; -1 for a string/bytes/array
                    * means null by default */
    const struct kafka_schema *sub;
} kafka_field;

typedef struct kafka_schema {
    const char *name;
    const kafka_field *fields;
    uint16_t nfields;
    uint32_t size; /* sizeof the C struct */
} kafka_schema;

/* An array in a message struct: KAFKA_ARRAY(T) of api.h, whose layout is
 * the same for every T. */
typedef struct kafka_array_any {
    void *v;
    int32_t n;
} kafka_array_any;

/* Field constructors: F_<type>(struct, member, first version, last
 * version, options...), the options being NUL(v) (nullable from v),
 * TAG(t) (tagged field t), DEF(x), SUB(schema) and ELEM(type) (an array
 * of structs or of primitives). The last version rides in the variadic
 * part so a field without options still passes one argument there. */
#define KF_(ty, S, m, lo, ...)                                                 \
    {                                                                          \
        .name = #m, .type = (ty), .vmin = (lo),                                \
        .off = (uint16_t)offsetof(S, m), .vmax = __VA_ARGS__                   \
    }
#define F_BOOL(S, m, lo, ...)  KF_(KF_BOOL, S, m, lo, __VA_ARGS__)
#define F_I8(S, m, lo, ...)    KF_(KF_I8, S, m, lo, __VA_ARGS__)
#define F_I16(S, m, lo, ...)   KF_(KF_I16, S, m, lo, __VA_ARGS__)
#define F_I32(S, m, lo, ...)   KF_(KF_I32, S, m, lo, __VA_ARGS__)
#define F_I64(S, m, lo, ...)   KF_(KF_I64, S, m, lo, __VA_ARGS__)
#define F_UUID(S, m, lo, ...)  KF_(KF_UUID, S, m, lo, __VA_ARGS__)
#define F_STR(S, m, lo, ...)   KF_(KF_STR, S, m, lo, __VA_ARGS__)
#define F_BYTES(S, m, lo, ...) KF_(KF_BYTES, S, m, lo, __VA_ARGS__)
#define F_ARR(S, m, lo, ...)   KF_(KF_ARRAY, S, m, lo, __VA_ARGS__)
#define NUL(v)                 .nullv = (int16_t)((v) + 1)
#define TAG(t)                 .tagp1 = (int16_t)((t) + 1)
#define DEF(x)                 .def = (x)
#define SUB(s)                 .sub = &(s)
#define ELEM(t)                .elem = (t)
#define V_                     KAFKA_VMAX
#define KAFKA_SCHEMA(var, S, table)                                            \
    const kafka_schema var = {#S, table, sizeof(table) / sizeof(table[0]),     \
                              sizeof(S)}

/* Decodes a message of schema s at version v (flex: a flexible version,
 * with compact lengths and tagged fields) into out, which the caller
 * provides with s->size bytes. Returns 0 or the reader's error. */
int kafka_schema_decode(const kafka_schema *s, void *out, kafka_arena *a,
                        kafka_reader *r, int16_t v, bool flex);
/* Encodes the message at out; returns 0 or the writer's error. */
int kafka_schema_encode(const kafka_schema *s, const void *msg, kafka_writer *w,
                        int16_t v, bool flex);
/* Sets every field of msg to its default for version v (arrays empty,
 * strings empty or null as their default says). */
void kafka_schema_defaults(const kafka_schema *s, void *msg, int16_t v);

/* The schemas, defined in the msg_*.c files (requests _req, responses
 * _resp), looked up by api.c. */
#define KAFKA_SCHEMA_PAIR(name)                                                \
    extern const kafka_schema kafka_schema_##name##_req;                       \
    extern const kafka_schema kafka_schema_##name##_resp
KAFKA_SCHEMA_PAIR(produce);
KAFKA_SCHEMA_PAIR(fetch);
KAFKA_SCHEMA_PAIR(list_offsets);
KAFKA_SCHEMA_PAIR(metadata);
KAFKA_SCHEMA_PAIR(offset_commit);
KAFKA_SCHEMA_PAIR(offset_fetch);
KAFKA_SCHEMA_PAIR(find_coordinator);
KAFKA_SCHEMA_PAIR(join_group);
KAFKA_SCHEMA_PAIR(heartbeat);
KAFKA_SCHEMA_PAIR(leave_group);
KAFKA_SCHEMA_PAIR(sync_group);
KAFKA_SCHEMA_PAIR(describe_groups);
KAFKA_SCHEMA_PAIR(list_groups);
KAFKA_SCHEMA_PAIR(sasl_handshake);
KAFKA_SCHEMA_PAIR(api_versions);
KAFKA_SCHEMA_PAIR(create_topics);
KAFKA_SCHEMA_PAIR(delete_topics);
KAFKA_SCHEMA_PAIR(init_producer_id);
KAFKA_SCHEMA_PAIR(add_partitions_to_txn);
KAFKA_SCHEMA_PAIR(add_offsets_to_txn);
KAFKA_SCHEMA_PAIR(end_txn);
KAFKA_SCHEMA_PAIR(txn_offset_commit);
KAFKA_SCHEMA_PAIR(describe_configs);
KAFKA_SCHEMA_PAIR(sasl_authenticate);
KAFKA_SCHEMA_PAIR(create_partitions);
extern const kafka_schema kafka_schema_consumer_subscription;
extern const kafka_schema kafka_schema_consumer_assignment;

/* The four functions of a message pair, defined in its msg_*.c file as
 * thin calls into the codec (declared in the public headers by
 * KAFKA_CODEC_DECLARE). */
#define KAFKA_CODEC_DEFINE(name, key)                                          \
    int kafka_##name##_req_decode(kafka_##name##_req *out, kafka_arena *a,     \
                                  kafka_reader *r, int16_t version)            \
    {                                                                          \
        return kafka_body_decode(out, a, r, key, version, false);              \
    }                                                                          \
    int kafka_##name##_req_encode(                                             \
        kafka_writer *w, const kafka_##name##_req *req, int16_t version)       \
    {                                                                          \
        return kafka_body_encode(w, req, key, version, false);                 \
    }                                                                          \
    int kafka_##name##_resp_decode(kafka_##name##_resp *out, kafka_arena *a,   \
                                   kafka_reader *r, int16_t version)           \
    {                                                                          \
        return kafka_body_decode(out, a, r, key, version, true);               \
    }                                                                          \
    int kafka_##name##_resp_encode(                                            \
        kafka_writer *w, const kafka_##name##_resp *resp, int16_t version)     \
    {                                                                          \
        return kafka_body_encode(w, resp, key, version, true);                 \
    }

#endif
