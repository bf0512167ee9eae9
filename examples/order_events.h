/*
 * order_events.h -- the events of the order pipeline (order_service ->
 * hub_service -> delivery_service), shared by its programs: the hubs,
 * the two event types and the delivery record, and their msgpack
 * encoding.
 *
 * Events are msgpack maps whose keys are the field names of the Java
 * records OrderAfterCreateV1 and HubRouteAfterCreateV1, so a service
 * written with Spring Kafka and a msgpack serializer reads them as they
 * are. Records are keyed by order id: every event of one order goes to
 * the same partition, in order.
 */
#ifndef ORDER_EVENTS_H
#define ORDER_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <msgpack.h>

#define ORDER_TOPIC "order-after-create"
#define ROUTE_TOPIC "hub-route-after-create"
#define HUB_GROUP "hub-service-group"
#define DELIVERY_GROUP "delivery-service-group"
#define DELIVERY_KEY_PREFIX "delivery-service/delivery/"
#define DELIVERY_STATS_KEY "delivery-service/stats"

/* ---- the hubs ---- */

typedef struct hub {
    const char *name, *address;
    int lat, lon; /* hundredths of a degree */
} hub;

#define HUB_COUNT 17
static const hub hubs[HUB_COUNT] = {
    {"Seoul Center", "55 Songpa-daero, Songpa-gu, Seoul", 3750, 12711},
    {"Gyeonggi North Center", "570 Gwonyul-daero, Goyang", 3764, 12683},
    {"Gyeonggi South Center", "2091 Gyeongchung-daero, Icheon", 3727, 12744},
    {"Busan Center", "206 Jungang-daero, Jung-gu, Busan", 3510, 12903},
    {"Daegu Center", "161 Taepyeong-ro, Buk-gu, Daegu", 3588, 12858},
    {"Incheon Center", "29 Jeonggak-ro, Namdong-gu, Incheon", 3745, 12670},
    {"Gwangju Center", "111 Naebang-ro, Seo-gu, Gwangju", 3516, 12685},
    {"Daejeon Center", "100 Dunsan-ro, Seo-gu, Daejeon", 3635, 12738},
    {"Ulsan Center", "201 Jungang-ro, Nam-gu, Ulsan", 3554, 12931},
    {"Sejong Center", "2130 Hannuri-daero, Sejong", 3648, 12729},
    {"Gangwon Center", "1 Jungang-ro, Chuncheon", 3788, 12773},
    {"Chungbuk Center", "82 Sangdang-ro, Cheongju", 3664, 12749},
    {"Chungnam Center", "21 Chungnam-daero, Hongseong", 3666, 12667},
    {"Jeonbuk Center", "225 Hyoja-ro, Wansan-gu, Jeonju", 3582, 12711},
    {"Jeonnam Center", "1 Orya-ro, Muan", 3482, 12646},
    {"Gyeongbuk Center", "455 Doyang-gil, Andong", 3657, 12873},
    {"Gyeongnam Center", "300 Jungang-daero, Changwon", 3524, 12869},
};

/* A hub's id: a UUID ending in its number (1..17). */
static inline void hub_id(char out[37], int i)
{
    snprintf(out, 37, "11111111-1111-4111-8111-%012d", i + 1);
}

/* The hub of an id made by hub_id, or -1. */
static inline int hub_index(const char *id)
{
    int n;
    if (strncmp(id, "11111111-1111-4111-8111-", 24) ||
        sscanf(id + 24, "%d", &n) != 1 || n < 1 || n > HUB_COUNT)
        return -1;
    return n - 1;
}

/* An order's id: a UUID ending in its number (1, 2, ...). */
static inline void order_id(char out[37], long long number)
{
    snprintf(out, 37, "00000000-0000-4000-8000-%012llu",
             (unsigned long long)number % 1000000000000ULL);
}

/* ---- the events ---- */

typedef struct order_event { /* OrderAfterCreateV1 */
    char order_id[37], supplier_hub_id[37], receiver_hub_id[37];
    char receiver_firm_id[37], address[128], owner[64], note[128];
    char product[64], created_at[32];
    int64_t quantity;
} order_event;

typedef struct route_event { /* HubRouteAfterCreateV1 */
    char order_id[37];
    char start_hub_id[37], start_hub_name[64], start_hub_address[128];
    char end_hub_id[37], end_hub_name[64], end_hub_address[128];
    char receiver_firm_id[37], address[128], owner[64], note[128];
    char product[64], created_at[32];
    int64_t quantity, expected_minutes;
} route_event;

typedef struct delivery { /* the delivery service's table */
    char order_id[37], status[32], start_hub_id[37], end_hub_id[37];
    char address[128], owner[64], hub_courier[32], firm_courier[32];
    int64_t number, expected_minutes;
} delivery;

/* A field of one of the structs: its msgpack key, where it is, and its
 * size (0 for an int64_t). */
typedef struct field {
    const char *key;
    size_t off, size;
} field;

#define S(type, key, member)                                                   \
    {key, offsetof(type, member), sizeof(((type *)0)->member)}
#define I(type, key, member) {key, offsetof(type, member), 0}

static const field order_fields[] = {
    S(order_event, "orderId", order_id),
    S(order_event, "supplierHubId", supplier_hub_id),
    S(order_event, "receiverHubId", receiver_hub_id),
    S(order_event, "receiverFirmId", receiver_firm_id),
    S(order_event, "receiverFirmFullAddress", address),
    S(order_event, "receiverFirmOwnerName", owner),
    S(order_event, "requestNote", note),
    S(order_event, "productName", product),
    I(order_event, "productQuantity", quantity),
    S(order_event, "orderCreatedAt", created_at),
    {NULL, 0, 0}};

static const field route_fields[] = {
    S(route_event, "orderId", order_id),
    S(route_event, "startHubId", start_hub_id),
    S(route_event, "startHubName", start_hub_name),
    S(route_event, "startHubFullAddress", start_hub_address),
    S(route_event, "endHubId", end_hub_id),
    S(route_event, "endHubName", end_hub_name),
    S(route_event, "endHubFullAddress", end_hub_address),
    S(route_event, "receiverFirmId", receiver_firm_id),
    S(route_event, "receiverFirmFullAddress", address),
    S(route_event, "receiverFirmOwnerName", owner),
    S(route_event, "requestNote", note),
    S(route_event, "productName", product),
    I(route_event, "productQuantity", quantity),
    S(route_event, "orderCreatedAt", created_at),
    I(route_event, "expectedDeliveryDuration", expected_minutes),
    {NULL, 0, 0}};

static const field delivery_fields[] = {
    I(delivery, "deliveryNumber", number),
    S(delivery, "orderId", order_id),
    S(delivery, "status", status),
    S(delivery, "startHubId", start_hub_id),
    S(delivery, "endHubId", end_hub_id),
    S(delivery, "receiverFirmFullAddress", address),
    S(delivery, "receiverFirmOwnerName", owner),
    S(delivery, "hubDeliveryPersonId", hub_courier),
    S(delivery, "firmDeliveryPersonId", firm_courier),
    I(delivery, "expectedDeliveryDuration", expected_minutes),
    {NULL, 0, 0}};

#undef S
#undef I

static inline void pack_str(msgpack_packer *pk, const char *s)
{
    msgpack_pack_str(pk, strlen(s));
    msgpack_pack_str_body(pk, s, strlen(s));
}

/* Encodes the struct at p as a msgpack map into sb (initialised by the
 * caller; msgpack_sbuffer_clear empties it for the next one). */
static inline void event_encode(msgpack_sbuffer *sb, const field *fs,
                                const void *p)
{
    msgpack_packer pk;
    uint32_t n = 0;
    while (fs[n].key)
        n++;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, n);
    for (const field *f = fs; f->key; f++) {
        const char *at = (const char *)p + f->off;
        pack_str(&pk, f->key);
        if (f->size)
            pack_str(&pk, at);
        else
            msgpack_pack_int64(&pk, *(const int64_t *)at);
    }
}

/* Stores the value v in the struct at p when the key k names a field
 * of it and v has the field's type. */
static inline void decode_field(const field *fs, void *p,
                                const msgpack_object *k,
                                const msgpack_object *v)
{
    if (k->type != MSGPACK_OBJECT_STR)
        return;
    for (const field *f = fs; f->key; f++) {
        if (strlen(f->key) != k->via.str.size ||
            memcmp(f->key, k->via.str.ptr, k->via.str.size))
            continue;
        char *at = (char *)p + f->off;
        int is_int = v->type == MSGPACK_OBJECT_POSITIVE_INTEGER ||
                     v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER;
        if (f->size && v->type == MSGPACK_OBJECT_STR)
            snprintf(at, f->size, "%.*s", (int)v->via.str.size,
                     v->via.str.ptr);
        else if (!f->size && is_int)
            *(int64_t *)at = v->via.i64;
        return;
    }
}

/* Decodes a msgpack map into the struct at p (zeroed first); keys it
 * does not know are skipped, strings too long are cut. Returns 0, or -1
 * when the bytes are not a map. */
static inline int event_decode(const void *data, size_t len, const field *fs,
                               void *p, size_t struct_size)
{
    msgpack_unpacked u;
    size_t off = 0;
    int rc = -1;
    memset(p, 0, struct_size);
    msgpack_unpacked_init(&u);
    if (msgpack_unpack_next(&u, data, len, &off) == MSGPACK_UNPACK_SUCCESS &&
        u.data.type == MSGPACK_OBJECT_MAP) {
        const msgpack_object_map *m = &u.data.via.map;
        for (uint32_t i = 0; i < m->size; i++)
            decode_field(fs, p, &m->ptr[i].key, &m->ptr[i].val);
        rc = 0;
    }
    msgpack_unpacked_destroy(&u);
    return rc;
}

#endif
