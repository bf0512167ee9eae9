/*
 * schema.c -- the table-driven codec of schema.h: one decoder and one
 * encoder for every message at every version.
 *
 * Members are read and written with memcpy at their offsets, so the
 * tables need no knowledge of the member types beyond the wire type (an
 * int16 member is an int16_t, a bool member a bool, a string a kafka_str,
 * an array a KAFKA_ARRAY).
 *
 * Hostile input: every array count is checked against the bytes left
 * divided by the smallest wire size of one element before anything is
 * allocated, so the arena never holds more than a small multiple of the
 * input. Nesting is that of the static tables, so recursion is bounded.
 */
#include "schema.h"

#include <string.h>

static bool present(const kafka_field *f, int16_t v, bool flex)
{
    if (v < f->vmin || v > f->vmax)
        return false;
    return !f->tagp1 || flex;
}

static bool nullable(const kafka_field *f, int16_t v)
{
    return f->nullv && v >= f->nullv - 1;
}

/* The smallest wire size of a value of type t. */
static size_t wire_min(int t, bool flex)
{
    switch (t) {
    case KF_BOOL:
    case KF_I8:
        return 1;
    case KF_I16:
        return 2;
    case KF_I32:
        return 4;
    case KF_I64:
        return 8;
    case KF_UUID:
        return 16;
    case KF_STR:
        return flex ? 1 : 2;
    default: /* bytes, arrays */
        return flex ? 1 : 4;
    }
}

/* The smallest wire size of one struct of schema s at version v. */
static size_t struct_wire_min(const kafka_schema *s, int16_t v, bool flex)
{
    size_t n = flex ? 1 : 0;
    for (uint16_t i = 0; i < s->nfields; i++) {
        const kafka_field *f = &s->fields[i];
        if (present(f, v, flex) && !f->tagp1)
            n += wire_min(f->type, flex);
    }
    return n ? n : 1;
}

/* The C size of one array element of primitive type t. */
static size_t elem_size(int t)
{
    switch (t) {
    case KF_BOOL:
        return sizeof(bool);
    case KF_I8:
        return 1;
    case KF_I16:
        return 2;
    case KF_I32:
        return 4;
    case KF_I64:
        return 8;
    case KF_UUID:
        return sizeof(kafka_uuid);
    case KF_STR:
        return sizeof(kafka_str);
    case KF_BYTES:
        return sizeof(kafka_bytes);
    }
    return 0;
}

static void set_default(const kafka_field *f, uint8_t *p)
{
    switch (f->type) {
    case KF_BOOL: {
        bool b = f->def != 0;
        memcpy(p, &b, sizeof b);
        break;
    }
    case KF_I8: {
        int8_t x = (int8_t)f->def;
        memcpy(p, &x, sizeof x);
        break;
    }
    case KF_I16: {
        int16_t x = (int16_t)f->def;
        memcpy(p, &x, sizeof x);
        break;
    }
    case KF_I32: {
        int32_t x = (int32_t)f->def;
        memcpy(p, &x, sizeof x);
        break;
    }
    case KF_I64:
        memcpy(p, &f->def, sizeof f->def);
        break;
    case KF_UUID:
        memset(p, 0, sizeof(kafka_uuid));
        break;
    case KF_STR: {
        kafka_str s = {"", 0};
        if (f->def == -1)
            s = (kafka_str){NULL, -1};
        memcpy(p, &s, sizeof s);
        break;
    }
    case KF_BYTES: {
        kafka_bytes b = {(const uint8_t *)"", 0};
        if (f->def == -1)
            b = (kafka_bytes){NULL, -1};
        memcpy(p, &b, sizeof b);
        break;
    }
    case KF_ARRAY: {
        kafka_array_any arr = {NULL, 0};
        memcpy(p, &arr, sizeof arr);
        break;
    }
    }
}

void kafka_schema_defaults(const kafka_schema *s, void *msg, int16_t v)
{
    (void)v;
    memset(msg, 0, s->size);
    for (uint16_t i = 0; i < s->nfields; i++)
        set_default(&s->fields[i], (uint8_t *)msg + s->fields[i].off);
}

static void decode_struct(const kafka_schema *s, uint8_t *out, kafka_arena *a,
                          kafka_reader *r, int16_t v, bool flex);

/* One primitive value of type t into p. */
static void decode_prim(int t, uint8_t *p, bool null_ok, kafka_reader *r,
                        bool flex)
{
    switch (t) {
    case KF_BOOL: {
        bool b = kafka_read_bool(r);
        memcpy(p, &b, sizeof b);
        break;
    }
    case KF_I8: {
        int8_t x = kafka_read_i8(r);
        memcpy(p, &x, sizeof x);
        break;
    }
    case KF_I16: {
        int16_t x = kafka_read_i16(r);
        memcpy(p, &x, sizeof x);
        break;
    }
    case KF_I32: {
        int32_t x = kafka_read_i32(r);
        memcpy(p, &x, sizeof x);
        break;
    }
    case KF_I64: {
        int64_t x = kafka_read_i64(r);
        memcpy(p, &x, sizeof x);
        break;
    }
    case KF_UUID: {
        const uint8_t *u = kafka_read_raw(r, sizeof(kafka_uuid));
        if (u)
            memcpy(p, u, sizeof(kafka_uuid));
        break;
    }
    case KF_STR: {
        kafka_str s = kafka_read_string(r, flex, null_ok);
        memcpy(p, &s, sizeof s);
        break;
    }
    case KF_BYTES: {
        kafka_bytes b = kafka_read_bytes(r, flex, null_ok);
        memcpy(p, &b, sizeof b);
        break;
    }
    }
}

/* An array: its count, checked against the input, then its elements in
 * one arena allocation. */
static void decode_array(const kafka_field *f, uint8_t *p, bool null_ok,
                         kafka_arena *a, kafka_reader *r, int16_t v, bool flex)
{
    size_t esz = f->sub ? f->sub->size : elem_size(f->elem);
    size_t wmin =
        f->sub ? struct_wire_min(f->sub, v, flex) : wire_min(f->elem, flex);
    kafka_array_any arr = {NULL, -1};
    arr.n = kafka_read_array_len(r, flex, null_ok, wmin);
    if (r->err)
        arr.n = 0;
    if (arr.n > 0) {
        if ((size_t)arr.n > SIZE_MAX / esz ||
            !(arr.v = kafka_arena_alloc(a, (size_t)arr.n * esz))) {
            kafka_reader_fail(r, KAFKA_ERR_NOMEM, "arena exhausted");
            arr.n = 0;
        }
        for (int32_t i = 0; i < arr.n && !r->err; i++) {
            uint8_t *e = (uint8_t *)arr.v + (size_t)i * esz;
            if (f->sub)
                decode_struct(f->sub, e, a, r, v, flex);
            else
                decode_prim(f->elem, e, false, r, flex);
        }
    }
    memcpy(p, &arr, sizeof arr);
}

static void decode_field(const kafka_field *f, uint8_t *p, kafka_arena *a,
                         kafka_reader *r, int16_t v, bool flex)
{
    if (f->type == KF_ARRAY)
        decode_array(f, p, nullable(f, v), a, r, v, flex);
    else
        decode_prim(f->type, p, nullable(f, v), r, flex);
}

/* The tagged-field section of a flexible struct: known tags decode into
 * their members, unknown ones are skipped. */
static void decode_tags(const kafka_schema *s, uint8_t *out, kafka_arena *a,
                        kafka_reader *r, int16_t v)
{
    uint32_t n = kafka_read_uvarint(r);
    for (uint32_t i = 0; i < n && !r->err; i++) {
        uint32_t tag = kafka_read_uvarint(r);
        uint32_t size = kafka_read_uvarint(r);
        const uint8_t *body = kafka_read_raw(r, size);
        if (!body)
            break;
        for (uint16_t j = 0; j < s->nfields; j++) {
            const kafka_field *f = &s->fields[j];
            if (!f->tagp1 || (uint32_t)(f->tagp1 - 1) != tag ||
                !present(f, v, true))
                continue;
            kafka_reader sub;
            kafka_reader_init(&sub, body, size);
            decode_field(f, out + f->off, a, &sub, v, true);
            if (sub.err)
                kafka_reader_fail(r, sub.err, sub.why);
            break;
        }
    }
}

static void decode_struct(const kafka_schema *s, uint8_t *out, kafka_arena *a,
                          kafka_reader *r, int16_t v, bool flex)
{
    for (uint16_t i = 0; i < s->nfields && !r->err; i++) {
        const kafka_field *f = &s->fields[i];
        if (!present(f, v, flex) || f->tagp1)
            set_default(f, out + f->off);
        else
            decode_field(f, out + f->off, a, r, v, flex);
    }
    if (flex && !r->err)
        decode_tags(s, out, a, r, v);
}

int kafka_schema_decode(const kafka_schema *s, void *out, kafka_arena *a,
                        kafka_reader *r, int16_t v, bool flex)
{
    memset(out, 0, s->size);
    decode_struct(s, out, a, r, v, flex);
    return r->err;
}

/* ---- encoding ---- */

static void encode_struct(const kafka_schema *s, const uint8_t *msg,
                          kafka_writer *w, int16_t v, bool flex);

static void encode_prim(int t, const uint8_t *p, bool null_ok, kafka_writer *w,
                        bool flex)
{
    switch (t) {
    case KF_BOOL: {
        bool b;
        memcpy(&b, p, sizeof b);
        kafka_write_bool(w, b);
        break;
    }
    case KF_I8: {
        int8_t x;
        memcpy(&x, p, sizeof x);
        kafka_write_i8(w, x);
        break;
    }
    case KF_I16: {
        int16_t x;
        memcpy(&x, p, sizeof x);
        kafka_write_i16(w, x);
        break;
    }
    case KF_I32: {
        int32_t x;
        memcpy(&x, p, sizeof x);
        kafka_write_i32(w, x);
        break;
    }
    case KF_I64: {
        int64_t x;
        memcpy(&x, p, sizeof x);
        kafka_write_i64(w, x);
        break;
    }
    case KF_UUID:
        kafka_write_raw(w, p, sizeof(kafka_uuid));
        break;
    case KF_STR: {
        kafka_str s;
        memcpy(&s, p, sizeof s);
        kafka_write_string(w, s, flex, null_ok);
        break;
    }
    case KF_BYTES: {
        kafka_bytes b;
        memcpy(&b, p, sizeof b);
        kafka_write_bytes(w, b, flex, null_ok);
        break;
    }
    }
}

static void encode_field(const kafka_field *f, const uint8_t *p,
                         kafka_writer *w, int16_t v, bool flex)
{
    if (f->type != KF_ARRAY) {
        encode_prim(f->type, p, nullable(f, v), w, flex);
        return;
    }
    kafka_array_any arr;
    memcpy(&arr, p, sizeof arr);
    kafka_write_array_len(w, arr.n, flex, nullable(f, v));
    if (arr.n > 0 && !arr.v) {
        kafka_writer_fail(w, KAFKA_ERR_INVALID);
        return;
    }
    size_t esz = f->sub ? f->sub->size : elem_size(f->elem);
    for (int32_t i = 0; i < arr.n && !w->err; i++) {
        const uint8_t *e = (const uint8_t *)arr.v + (size_t)i * esz;
        if (f->sub)
            encode_struct(f->sub, e, w, v, flex);
        else
            encode_prim(f->elem, e, false, w, flex);
    }
}

/* True when the member holds its default, so a tagged field is left out. */
static bool is_default(const kafka_field *f, const uint8_t *p)
{
    int64_t x = 0;
    switch (f->type) {
    case KF_BOOL: {
        bool b;
        memcpy(&b, p, sizeof b);
        return (f->def != 0) == b;
    }
    case KF_I8: {
        int8_t y;
        memcpy(&y, p, sizeof y);
        x = y;
        break;
    }
    case KF_I16: {
        int16_t y;
        memcpy(&y, p, sizeof y);
        x = y;
        break;
    }
    case KF_I32: {
        int32_t y;
        memcpy(&y, p, sizeof y);
        x = y;
        break;
    }
    case KF_I64:
        memcpy(&x, p, sizeof x);
        break;
    case KF_UUID: {
        static const kafka_uuid zero;
        return memcmp(p, &zero, sizeof zero) == 0;
    }
    case KF_STR: {
        kafka_str s;
        memcpy(&s, p, sizeof s);
        return f->def == -1 ? s.len < 0 : s.len == 0;
    }
    case KF_BYTES: {
        kafka_bytes b;
        memcpy(&b, p, sizeof b);
        return f->def == -1 ? b.len < 0 : b.len == 0;
    }
    case KF_ARRAY: {
        kafka_array_any arr;
        memcpy(&arr, p, sizeof arr);
        return arr.n <= 0;
    }
    }
    return x == f->def;
}

/* The tagged-field section: each tagged member that is not its default,
 * in tag order (the tables list tagged fields in tag order). */
static void encode_tags(const kafka_schema *s, const uint8_t *msg,
                        kafka_writer *w, int16_t v)
{
    uint32_t n = 0;
    for (uint16_t i = 0; i < s->nfields; i++) {
        const kafka_field *f = &s->fields[i];
        if (f->tagp1 && present(f, v, true) && !is_default(f, msg + f->off))
            n++;
    }
    kafka_write_uvarint(w, n);
    for (uint16_t i = 0; i < s->nfields && n && !w->err; i++) {
        const kafka_field *f = &s->fields[i];
        if (!f->tagp1 || !present(f, v, true) || is_default(f, msg + f->off))
            continue;
        kafka_writer tmp;
        kafka_writer_init(&tmp);
        encode_field(f, msg + f->off, &tmp, v, true);
        if (tmp.err) {
            kafka_writer_fail(w, tmp.err);
        } else if (tmp.len > UINT32_MAX) {
            kafka_writer_fail(w, KAFKA_ERR_INVALID);
        } else {
            kafka_write_uvarint(w, (uint32_t)(f->tagp1 - 1));
            kafka_write_uvarint(w, (uint32_t)tmp.len);
            kafka_write_raw(w, tmp.buf, tmp.len);
        }
        kafka_writer_free(&tmp);
    }
}

static void encode_struct(const kafka_schema *s, const uint8_t *msg,
                          kafka_writer *w, int16_t v, bool flex)
{
    for (uint16_t i = 0; i < s->nfields && !w->err; i++) {
        const kafka_field *f = &s->fields[i];
        if (present(f, v, flex) && !f->tagp1)
            encode_field(f, msg + f->off, w, v, flex);
    }
    if (flex)
        encode_tags(s, msg, w, v);
}

int kafka_schema_encode(const kafka_schema *s, const void *msg, kafka_writer *w,
                        int16_t v, bool flex)
{
    encode_struct(s, msg, w, v, flex);
    return w->err;
}
