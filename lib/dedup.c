/*
 * dedup.c -- the producer table (see dedup.h).
 *
 * rill.producers maps a producer id to a msgpack map:
 *   last:   uint   the highest sequence recorded
 *   used:   int    when it was last written (ms)
 *   window: [[sequence, [partition, offset, timestamp, ...]], ...]
 *           the last DEDUP_WINDOW calls, oldest first
 */
#include "dedup.h"

#include <msgpack.h>
#include <stdlib.h>

#include "buf.h"
#include "error.h"
#include "mpread.h"

typedef struct call {
    uint64_t seq;
    size_t n;
    rill_position *pos;
} call;

typedef struct producer {
    uint64_t last;
    int64_t used;
    call calls[DEDUP_WINDOW + 1];
    size_t ncalls;
} producer;

static void producer_free(producer *p)
{
    for (size_t i = 0; i < p->ncalls; i++)
        free(p->calls[i].pos);
    p->ncalls = 0;
}

static bool read_call(mpr *r, call *c)
{
    uint32_t k, m;
    int64_t v[3];
    if (!mpr_array(r, &k) || k != 2 || !mpr_uint(r, &c->seq) ||
        !mpr_array(r, &m) || m % 3)
        return mpr_fail(r);
    c->n = m / 3;
    c->pos = malloc((c->n ? c->n : 1) * sizeof *c->pos);
    if (!c->pos)
        return mpr_fail(r);
    for (size_t i = 0; i < c->n; i++) {
        for (int j = 0; j < 3; j++)
            if (!mpr_int(r, &v[j]))
                return false;
        if (v[0] < 0 || v[0] > INT32_MAX || v[1] < 0)
            return mpr_fail(r);
        c->pos[i] = (rill_position){(int32_t)v[0], v[1], v[2]};
    }
    return true;
}

static int producer_decode(producer *p, const char *id, const void *data,
                           size_t len)
{
    mpr r;
    uint32_t n, k;
    memset(p, 0, sizeof *p);
    mpr_init(&r, data, len);
    if (!mpr_map(&r, &n))
        goto bad;
    for (uint32_t i = 0; i < n && r.ok; i++) {
        const uint8_t *key;
        uint32_t kl;
        if (!mpr_str(&r, &key, &kl))
            goto bad;
        if (kl == 4 && !memcmp(key, "last", 4))
            mpr_uint(&r, &p->last);
        else if (kl == 4 && !memcmp(key, "used", 4))
            mpr_int(&r, &p->used);
        else if (kl == 6 && !memcmp(key, "window", 6) && !p->ncalls) {
            if (!mpr_array(&r, &k) || k > DEDUP_WINDOW)
                goto bad;
            for (uint32_t c = 0; c < k; c++) {
                p->ncalls = c + 1;
                if (!read_call(&r, &p->calls[c]))
                    goto bad;
            }
        } else if (!mpr_skip(&r))
            goto bad;
    }
    if (r.ok && mpr_left(&r) == 0)
        return 0;
bad:
    producer_free(p);
    return rill_err(RILL_ECORRUPT, "the record of producer '%s' is "
                    "malformed", id);
}

static int producer_load(rill_env *e, MDB_txn *txn, const char *id,
                         producer *p, bool *found)
{
    MDB_val k = {strlen(id), (void *)id}, v;
    int rc = mdb_get(txn, e->db_producers, &k, &v);
    *found = rc == 0;
    memset(p, 0, sizeof *p);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return env_mdb_err(e, rc, "reading a producer record");
    return producer_decode(p, id, v.mv_data, v.mv_size);
}

int dedup_check(rill_env *e, MDB_txn *txn, const char *id, uint64_t sequence,
                size_t n, rill_position *out, bool *duplicate)
{
    producer p;
    bool found;
    *duplicate = false;
    int rc = producer_load(e, txn, id, &p, &found);
    if (rc || !found || sequence > p.last) {
        producer_free(&p);
        return rc;
    }
    rc = rill_err(RILL_ESEQUENCE, "producer '%s' sent sequence %llu before, "
                  "longer ago than the last %d calls remembered (last %llu)",
                  id, (unsigned long long)sequence, DEDUP_WINDOW,
                  (unsigned long long)p.last);
    for (size_t i = 0; i < p.ncalls; i++) {
        if (p.calls[i].seq != sequence)
            continue;
        if (p.calls[i].n != n) {
            rc = rill_err(RILL_ESEQUENCE, "producer '%s' sequence %llu was "
                          "a call of %zu messages, not %zu", id,
                          (unsigned long long)sequence, p.calls[i].n, n);
        } else {
            memcpy(out, p.calls[i].pos, n * sizeof *out);
            *duplicate = true;
            rc = 0;
        }
        break;
    }
    producer_free(&p);
    return rc;
}

static void pack_call(msgpack_packer *pk, uint64_t seq, const rill_position *pos,
                      size_t n)
{
    msgpack_pack_array(pk, 2);
    msgpack_pack_uint64(pk, seq);
    msgpack_pack_array(pk, 3 * n);
    for (size_t i = 0; i < n; i++) {
        msgpack_pack_int32(pk, pos[i].partition);
        msgpack_pack_int64(pk, pos[i].offset);
        msgpack_pack_int64(pk, pos[i].timestamp_ms);
    }
}

int dedup_record(rill_env *e, MDB_txn *txn, const char *id,
                 uint64_t sequence, const rill_position *pos, size_t n,
                 int64_t now_ms)
{
    producer p;
    bool found;
    int rc = producer_load(e, txn, id, &p, &found);
    if (rc)
        return rc;
    /* Keep the newest DEDUP_WINDOW - 1 old calls, then this one. */
    size_t keep = p.ncalls >= DEDUP_WINDOW ? DEDUP_WINDOW - 1 : p.ncalls;
    size_t skip = p.ncalls - keep;
    rill_buf b = {0};
    msgpack_packer pk;
    msgpack_packer_init(&pk, &b, buf_msgpack_write);
    msgpack_pack_map(&pk, 3);
    msgpack_pack_str(&pk, 4);
    msgpack_pack_str_body(&pk, "last", 4);
    msgpack_pack_uint64(&pk, sequence);
    msgpack_pack_str(&pk, 4);
    msgpack_pack_str_body(&pk, "used", 4);
    msgpack_pack_int64(&pk, now_ms);
    msgpack_pack_str(&pk, 6);
    msgpack_pack_str_body(&pk, "window", 6);
    msgpack_pack_array(&pk, keep + 1);
    for (size_t i = skip; i < p.ncalls; i++)
        pack_call(&pk, p.calls[i].seq, p.calls[i].pos, p.calls[i].n);
    pack_call(&pk, sequence, pos, n);
    producer_free(&p);
    if (!b.data) {
        return rill_err(RILL_ENOMEM, "out of memory");
    }
    MDB_val k = {strlen(id), (void *)id}, v = {b.len, b.data};
    rc = env_mdb_err(e, mdb_put(txn, e->db_producers, &k, &v, 0),
                     "writing a producer record");
    buf_free(&b);
    return rc;
}
