/*
 * msg_consumer.c -- the consumer protocol's payloads: the subscription a
 * member sends in JoinGroup's protocol metadata and the assignment the
 * leader hands out through SyncGroup. Each is an int16 version and a
 * body that is never flexible; versions 0-3 (v1 adds owned partitions,
 * v2 the generation id, v3 the rack id; the assignment has the same
 * body in all four).
 */
#include "msg_group.h"
#include "schema.h"

#define CONSUMER_MAX_VERSION 3

#define S kafka_consumer_topic_partitions
static const kafka_field tp_fields[] = {
    F_STR(S, topic, 0, V_),
    F_ARR(S, partitions, 0, V_, ELEM(KF_I32)),
};
#undef S
static KAFKA_SCHEMA(tp_schema, kafka_consumer_topic_partitions, tp_fields);

#define S kafka_consumer_subscription
static const kafka_field sub_fields[] = {
    F_ARR(S, topics, 0, V_, ELEM(KF_STR)),
    F_BYTES(S, user_data, 0, V_, NUL(0), DEF(-1)),
    F_ARR(S, owned_partitions, 1, V_, SUB(tp_schema)),
    F_I32(S, generation_id, 2, V_, DEF(-1)),
    F_STR(S, rack_id, 3, V_, NUL(3), DEF(-1)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_consumer_subscription, kafka_consumer_subscription,
             sub_fields);

#define S kafka_consumer_assignment
static const kafka_field asg_fields[] = {
    F_ARR(S, assigned_partitions, 0, V_, SUB(tp_schema)),
    F_BYTES(S, user_data, 0, V_, NUL(0), DEF(-1)),
};
#undef S
KAFKA_SCHEMA(kafka_schema_consumer_assignment, kafka_consumer_assignment,
             asg_fields);

/* The version prefix, then the body at min(version, 3); *version gets
 * what was read. */
static int payload_decode(const kafka_schema *s, void *out, int16_t *version,
                          kafka_arena *a, const uint8_t *buf, size_t len)
{
    kafka_reader r;
    kafka_reader_init(&r, buf, len);
    int16_t v = kafka_read_i16(&r);
    if (r.err)
        return r.err;
    if (v < 0)
        return KAFKA_ERR_INVALID;
    int16_t body = v > CONSUMER_MAX_VERSION ? CONSUMER_MAX_VERSION : v;
    int rc = kafka_schema_decode(s, out, a, &r, body, false);
    *version = v;
    return rc;
}

int kafka_consumer_subscription_decode(kafka_consumer_subscription *out,
                                       kafka_arena *a, const uint8_t *buf,
                                       size_t len)
{
    int16_t v = 0;
    int rc = payload_decode(&kafka_schema_consumer_subscription, out, &v, a,
                            buf, len);
    out->version = v;
    return rc;
}

int kafka_consumer_assignment_decode(kafka_consumer_assignment *out,
                                     kafka_arena *a, const uint8_t *buf,
                                     size_t len)
{
    int16_t v = 0;
    int rc =
        payload_decode(&kafka_schema_consumer_assignment, out, &v, a, buf, len);
    out->version = v;
    return rc;
}

int kafka_consumer_subscription_encode(kafka_writer *w,
                                       const kafka_consumer_subscription *s,
                                       int16_t version)
{
    if (version < 0 || version > CONSUMER_MAX_VERSION)
        return KAFKA_ERR_UNSUPPORTED_VERSION;
    kafka_write_i16(w, version);
    return kafka_schema_encode(&kafka_schema_consumer_subscription, s, w,
                               version, false);
}

int kafka_consumer_assignment_encode(kafka_writer *w,
                                     const kafka_consumer_assignment *s,
                                     int16_t version)
{
    if (version < 0 || version > CONSUMER_MAX_VERSION)
        return KAFKA_ERR_UNSUPPORTED_VERSION;
    kafka_write_i16(w, version);
    return kafka_schema_encode(&kafka_schema_consumer_assignment, s, w, version,
                               false);
}
