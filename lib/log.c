/*
 * log.c -- partitions' logs in the rill.log database.
 *
 * Keys are (u32 topic id, u32 partition, u64 base offset), big-endian, so
 * a partition is one contiguous key range in offset order. Invariants:
 *
 * - A batch covers base .. base + last offset delta; batches of a
 *   partition do not overlap and increase.
 * - The partition's next offset is the end of its last batch, so an
 *   append is a single put. A partition that ever held a record keeps its
 *   last batch (retention moves the partition's start offset past it in
 *   rill.pstate instead of deleting it), so offsets are never reused.
 * - The partition's first offset (Kafka's log start offset) is the start
 *   offset in rill.pstate once one is recorded, else its first batch's
 *   base. Retention records it as it removes the head; compaction records
 *   it before it removes a batch, so that emptied head batches do not
 *   move it (a group that committed inside them reads on from the next
 *   surviving record, as in Kafka).
 *
 * rill.pstate value, version 2 (16 bytes): u8 version (2), three zero
 * bytes, u32 CRC32C of bytes 8..15, u64 start offset. Version 1 (9 bytes:
 * u8 version, u64 start), from format 1 directories, only raised the
 * floor: the first offset was the higher of the start and the first
 * batch's base.
 */
#include "log.h"

#include "crc.h"
#include "error.h"

#define PSTATE_KEY_SIZE 8
#define PSTATE_V1_SIZE 9
#define PSTATE_V2_SIZE 16

void log_key(uint8_t key[LOG_KEY_SIZE], uint32_t tid, int32_t partition,
             int64_t base)
{
    put_be32(key, tid);
    put_be32(key + 4, (uint32_t)partition);
    put_be64(key + 8, (uint64_t)base);
}

int log_corrupt(const log_part *p, int64_t offset, int code)
{
    return rill_err_wrap(code, "topic '%s' partition %d, batch at offset %lld",
                         p->topic, p->partition, (long long)offset);
}

/* Whether key k belongs to partition p; sets *base if so. */
static bool key_in_part(const MDB_val *k, const log_part *p, int64_t *base)
{
    if (k->mv_size != LOG_KEY_SIZE)
        return false;
    const uint8_t *b = k->mv_data;
    if (get_be32(b) != p->tid || get_be32(b + 4) != (uint32_t)p->partition)
        return false;
    *base = (int64_t)get_be64(b + 8);
    return true;
}

/* The header of a stored batch, checked against its key. */
static int stored_header(const log_part *p, int64_t base, const MDB_val *v,
                         batch_header *h)
{
    int rc = batch_parse_header(h, v->mv_data, v->mv_size, BATCH_RAW_MAX);
    if (!rc && h->base_offset != base)
        rc = rill_err(RILL_ECORRUPT, "header base offset %lld differs from "
                      "its key", (long long)h->base_offset);
    return rc ? log_corrupt(p, base, rc) : 0;
}

static int64_t batch_end(const batch_header *h)
{
    return h->base_offset + (int64_t)h->last_offset_delta + 1;
}

static int cursor_get(rill_env *e, MDB_cursor *cur, MDB_val *k, MDB_val *v,
                      MDB_cursor_op op, int *found)
{
    int rc = mdb_cursor_get(cur, k, v, op);
    *found = rc == 0;
    if (rc == MDB_NOTFOUND)
        return 0;
    return env_mdb_err(e, rc, "reading the log");
}

/* Reads the partition's recorded start offset: *kind is 0 when none is
 * recorded, 1 for a version 1 floor, 2 for a version 2 start. */
static int start_get(rill_env *e, MDB_txn *txn, const log_part *p,
                     int64_t *start, int *kind)
{
    uint8_t kb[PSTATE_KEY_SIZE];
    put_be32(kb, p->tid);
    put_be32(kb + 4, (uint32_t)p->partition);
    MDB_val k = {sizeof kb, kb}, v;
    *start = 0;
    *kind = 0;
    int rc = mdb_get(txn, e->db_pstate, &k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return env_mdb_err(e, rc, "reading partition state");
    const uint8_t *d = v.mv_data;
    if (v.mv_size == PSTATE_V1_SIZE && d[0] == 1) {
        *kind = 1;
        *start = (int64_t)get_be64(d + 1);
    } else if (v.mv_size == PSTATE_V2_SIZE && d[0] == 2 &&
               get_be32(d + 4) == crc32c(0, d + 8, 8)) {
        *kind = 2;
        *start = (int64_t)get_be64(d + 8);
    } else {
        return rill_err(RILL_ECORRUPT, "topic '%s' partition %d: malformed "
                        "partition state (%zu bytes, version %u, or its "
                        "checksum fails)", p->topic, p->partition,
                        v.mv_size, v.mv_size ? d[0] : 0);
    }
    if (*start < 0)
        return rill_err(RILL_ECORRUPT, "topic '%s' partition %d: negative "
                        "start offset in the partition state", p->topic,
                        p->partition);
    return 0;
}

int log_tail(rill_env *e, MDB_cursor *cur, const log_part *p, int64_t *next,
             int64_t *end_bytes)
{
    uint8_t kb[LOG_KEY_SIZE];
    MDB_val k = {sizeof kb, kb}, v;
    int found, rc;
    int64_t base;
    batch_header h;

    *next = 0;
    *end_bytes = 0;
    /* The last batch: the key before the next partition's first. */
    if (p->partition == INT32_MAX)
        log_key(kb, p->tid + 1, 0, 0);
    else
        log_key(kb, p->tid, p->partition + 1, 0);
    rc = cursor_get(e, cur, &k, &v, MDB_SET_RANGE, &found);
    if (!rc)
        rc = cursor_get(e, cur, &k, &v, found ? MDB_PREV : MDB_LAST, &found);
    if (rc)
        return rc;
    if (!found || !key_in_part(&k, p, &base))
        return 0; /* empty partition */
    if ((rc = stored_header(p, base, &v, &h)))
        return rc;
    *next = batch_end(&h);
    *end_bytes = h.prefix_bytes + (int64_t)v.mv_size;
    return 0;
}

int log_bounds_get(rill_env *e, MDB_txn *txn, MDB_cursor *cur,
                   const log_part *p, log_bounds *b)
{
    uint8_t kb[LOG_KEY_SIZE];
    MDB_val k = {sizeof kb, kb}, v;
    int found, kind;
    int64_t base, start, end_bytes;
    batch_header h;

    b->first = 0;
    b->bytes = 0;
    b->start_recorded = false;
    int rc = log_tail(e, cur, p, &b->next, &end_bytes);
    if (rc || b->next == 0)
        return rc;
    log_key(kb, p->tid, p->partition, 0);
    k.mv_size = sizeof kb;
    k.mv_data = kb;
    rc = cursor_get(e, cur, &k, &v, MDB_SET_RANGE, &found);
    if (rc)
        return rc;
    if (found && key_in_part(&k, p, &base)) {
        b->first = base;
        if ((rc = stored_header(p, base, &v, &h)))
            return rc;
        b->bytes = end_bytes - h.prefix_bytes;
    }
    if ((rc = start_get(e, txn, p, &start, &kind)))
        return rc;
    if (kind == 2) {
        b->first = RILL_MIN(start, b->next);
        b->start_recorded = true;
    } else if (kind == 1 && start > b->first) {
        b->first = RILL_MIN(start, b->next);
    }
    return 0;
}

int log_set_start(rill_env *e, MDB_txn *txn, const log_part *p, int64_t start)
{
    uint8_t kb[PSTATE_KEY_SIZE], vb[PSTATE_V2_SIZE] = {2};
    put_be32(kb, p->tid);
    put_be32(kb + 4, (uint32_t)p->partition);
    put_be64(vb + 8, (uint64_t)start);
    put_be32(vb + 4, crc32c(0, vb + 8, 8));
    MDB_val k = {sizeof kb, kb}, v = {sizeof vb, vb};
    return env_mdb_err(e, mdb_put(txn, e->db_pstate, &k, &v, 0),
                       "writing partition state");
}

int log_append(rill_env *e, MDB_cursor *cur, const log_part *p, int64_t base,
               int64_t prefix_bytes, uint8_t *batch, size_t len)
{
    uint8_t kb[LOG_KEY_SIZE];
    log_key(kb, p->tid, p->partition, base);
    batch_seal(batch, len, base, prefix_bytes);
    MDB_val k = {sizeof kb, kb}, v = {len, batch};
    int rc = mdb_cursor_put(cur, &k, &v, MDB_NOOVERWRITE);
    if (rc == MDB_KEYEXIST)
        return rill_err(RILL_ECORRUPT, "topic '%s' partition %d: a batch at "
                        "offset %lld exists already", p->topic, p->partition,
                        (long long)base);
    return env_mdb_err(e, rc, "appending to the log");
}

int log_seek(rill_env *e, MDB_cursor *cur, const log_part *p, int64_t offset,
             MDB_val *v, int64_t *base)
{
    uint8_t kb[LOG_KEY_SIZE];
    MDB_val k = {sizeof kb, kb};
    int found, rc;
    batch_header h;

    log_key(kb, p->tid, p->partition, offset);
    rc = cursor_get(e, cur, &k, v, MDB_SET_RANGE, &found);
    if (rc)
        return rc;
    if (found && key_in_part(&k, p, base) && *base == offset)
        return 0;
    /* Not a batch start: the batch before may hold offset. */
    rc = cursor_get(e, cur, &k, v, found ? MDB_PREV : MDB_LAST, &found);
    if (rc)
        return rc;
    if (found && key_in_part(&k, p, base)) {
        if ((rc = stored_header(p, *base, v, &h)))
            return rc;
        if (batch_end(&h) > offset)
            return 0;
    }
    /* Else the first batch after offset, if any. (Seek again: when no key
     * precedes, MDB_PREV leaves the cursor where MDB_NEXT would skip the
     * very batch wanted.) */
    log_key(kb, p->tid, p->partition, offset);
    k.mv_size = sizeof kb;
    k.mv_data = kb;
    rc = cursor_get(e, cur, &k, v, MDB_SET_RANGE, &found);
    if (rc)
        return rc;
    return found && key_in_part(&k, p, base) ? 0 : 1;
}

int log_next(rill_env *e, MDB_cursor *cur, const log_part *p, MDB_val *v,
             int64_t *base)
{
    MDB_val k;
    int found;
    int rc = cursor_get(e, cur, &k, v, MDB_NEXT, &found);
    if (rc)
        return rc;
    return found && key_in_part(&k, p, base) ? 0 : 1;
}

/* Finds in one batch the first record at or after from with a timestamp
 * >= ts. */
static int batch_find_time(const log_part *p, int64_t base, const MDB_val *v,
                           int64_t from, int64_t ts, int64_t *offset)
{
    batch_header h;
    const uint8_t *raw;
    rill_buf scratch = {0};
    batch_iter it;
    batch_record rec;
    int rc = batch_parse_header(&h, v->mv_data, v->mv_size, BATCH_RAW_MAX);
    if (!rc)
        rc = batch_check_crc(&h, v->mv_data, v->mv_size);
    if (!rc)
        rc = batch_raw(&raw, &h, v->mv_data, &scratch, NULL);
    if (!rc) {
        batch_iter_init(&it, &h, raw);
        while ((rc = batch_iter_next(&it, &rec)) == 1) {
            if (rec.offset >= from && rec.timestamp >= ts) {
                *offset = rec.offset;
                break;
            }
        }
    }
    buf_free(&scratch);
    if (rc < 0)
        return log_corrupt(p, base, rc);
    return 0;
}

int log_offset_for_time(rill_env *e, MDB_txn *txn, const log_part *p,
                        int64_t ts, int64_t *offset)
{
    MDB_cursor *cur;
    MDB_val v;
    int64_t base;
    log_bounds b;
    int rc = mdb_cursor_open(txn, e->db_log, &cur);
    if (rc)
        return env_mdb_err(e, rc, "opening a log cursor");
    *offset = RILL_OFFSET_END;
    rc = log_bounds_get(e, txn, cur, p, &b);
    if (!rc)
        rc = log_seek(e, cur, p, b.first, &v, &base);
    /* Timestamps need not increase, so the first batch whose maximum
     * reaches ts is where to look (as Kafka's time index does). */
    while (rc == 0) {
        batch_header h;
        if ((rc = stored_header(p, base, &v, &h)))
            break;
        if (h.max_timestamp >= ts) {
            rc = batch_find_time(p, base, &v, b.first, ts, offset);
            if (rc || *offset != RILL_OFFSET_END)
                break;
        }
        rc = log_next(e, cur, p, &v, &base);
    }
    mdb_cursor_close(cur);
    return rc < 0 ? rc : 0;
}

int log_stats_get(rill_env *e, MDB_txn *txn, const log_part *p, log_stats *st)
{
    MDB_cursor *cur;
    MDB_val v;
    int64_t base;
    log_bounds b;
    memset(st, 0, sizeof *st);
    int rc = mdb_cursor_open(txn, e->db_log, &cur);
    if (rc)
        return env_mdb_err(e, rc, "opening a log cursor");
    rc = log_bounds_get(e, txn, cur, p, &b);
    if (!rc && b.next > b.first)
        rc = log_seek(e, cur, p, b.first, &v, &base);
    else if (!rc)
        rc = 1;
    while (rc == 0) {
        batch_header h;
        if ((rc = stored_header(p, base, &v, &h)))
            break;
        st->batches++;
        st->bytes += (int64_t)v.mv_size;
        if (h.flags & BATCH_FLAG_COMPACTED || base < b.first)
            st->records += RILL_MIN((int64_t)h.record_count,
                                    batch_end(&h) - b.first);
        else
            st->records += h.record_count;
        rc = log_next(e, cur, p, &v, &base);
    }
    mdb_cursor_close(cur);
    return rc < 0 ? rc : 0;
}

int log_purge_topic(rill_env *e, MDB_txn *txn, uint32_t tid,
                    size_t max_batches, bool *done)
{
    uint8_t kb[LOG_KEY_SIZE];
    MDB_cursor *cur;
    MDB_val k = {sizeof kb, kb}, v;
    int rc = mdb_cursor_open(txn, e->db_log, &cur);
    if (rc)
        return env_mdb_err(e, rc, "opening a log cursor");
    log_key(kb, tid, 0, 0);
    *done = false;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    for (size_t n = 0; rc == 0; n++) {
        if (k.mv_size != LOG_KEY_SIZE || get_be32(k.mv_data) != tid) {
            rc = MDB_NOTFOUND;
            break;
        }
        if (n == max_batches)
            break;
        rc = mdb_cursor_del(cur, 0);
        if (!rc)
            rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT); /* after del: the next */
    }
    if (rc == MDB_NOTFOUND) {
        *done = true;
        rc = 0;
    }
    mdb_cursor_close(cur);
    if (rc)
        return env_mdb_err(e, rc, "deleting a topic's records");
    if (*done) {
        /* Its partition states too. */
        uint8_t pk[PSTATE_KEY_SIZE];
        put_be32(pk, tid);
        put_be32(pk + 4, 0);
        k.mv_size = sizeof pk;
        k.mv_data = pk;
        if ((rc = mdb_cursor_open(txn, e->db_pstate, &cur)))
            return env_mdb_err(e, rc, "opening a cursor");
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        while (rc == 0 && k.mv_size == PSTATE_KEY_SIZE &&
               get_be32(k.mv_data) == tid) {
            rc = mdb_cursor_del(cur, 0);
            if (!rc)
                rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT); /* after del: the next */
        }
        mdb_cursor_close(cur);
        if (rc && rc != MDB_NOTFOUND)
            return env_mdb_err(e, rc, "deleting partition state");
    }
    return 0;
}
