/*
 * retain.c -- retention by time and size, log compaction, and the
 * maintenance that runs them (amortised after writes, on demand with
 * rill_maintain, or in an opt-in maintenance thread).
 *
 * Retention removes whole batches from a partition's head, at most
 * RETAIN_BATCHES_PER_TXN per write transaction, so the write lock is never
 * held for long. It never removes a partition's last batch (the next
 * offset is derived from it): when that one expires, the partition's
 * start offset in rill.pstate moves past it instead. Every removal from
 * the head records the new start offset.
 *
 * Compaction scans a partition in bounded read transactions, building a
 * map from each key's 128-bit hash to its latest offset; then, in bounded
 * write transactions, rewrites each batch keeping only the latest record
 * of each key (offsets unchanged: the batch keeps its base and span and is
 * flagged sparse) and deletes batches left empty. A record is dropped
 * only when the map knows a later record of its key, so a map that did
 * not fit (COMPACT_MAP_MAX keys) only makes compaction do less. Latest
 * records that are tombstones go once older than delete_retention_ms.
 * Readers see each batch either whole before or whole after (LMDB's
 * snapshots), and every position stays valid.
 */
#include "common.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <zstd.h>

#include "batch.h"
#include "error.h"
#include "offstore.h"
#include "log.h"
#include "retain.h"
#include "handle.h"
#include "topic.h"

#define RETAIN_BATCHES_PER_TXN 256
#define COMPACT_BATCHES_PER_TXN 64
#define COMPACT_READ_BATCHES 1024
#define COMPACT_MAP_MAX (4u << 20)

/* ---- retention ---- */

typedef struct group_floor {
    rill_env *e;
    MDB_txn *txn;
    const char *topic;
    int32_t partition;
    int64_t first;
    int64_t floor; /* the lowest committed offset of the named groups */
} group_floor;

static int floor_of_group(const char *group, void *arg)
{
    group_floor *g = arg;
    int64_t off;
    int rc = offsets_get(g->e, g->txn, group, g->topic, g->partition, &off);
    if (rc == RILL_ENOTFOUND)
        off = g->first; /* nothing committed: keep everything */
    else if (rc)
        return rc;
    if (off < g->floor)
        g->floor = off;
    return 0;
}

typedef struct lost_count {
    rill_env *e;
    MDB_txn *txn;
    const char *topic;
    int32_t partition;
    int64_t base, end; /* the batch removed */
    int64_t now;
} lost_count;

/* Counts, for a group, the records of a removed batch it had not
 * committed. */
static int count_lost(const char *group, void *arg)
{
    lost_count *l = arg;
    int64_t off;
    int rc = offsets_get(l->e, l->txn, group, l->topic, l->partition, &off);
    if (rc == RILL_ENOTFOUND)
        off = l->base;
    else if (rc)
        return rc;
    if (off >= l->end)
        return 0;
    return offsets_add_lost(l->e, l->txn, group, l->topic, l->partition,
                            l->end - RILL_MAX(off, l->base), l->now);
}

typedef struct retain_op {
    rill *r;
    const char *topic;
    int32_t partition;
    int64_t now;
    retain_stats *st;
    bool more; /* a full transaction's worth was removed: go on */
} retain_op;

/* Decides about the head batch: remove it, or stop. */
static bool head_goes(const topic_meta *t, const batch_header *h, size_t len,
                      int64_t size, int64_t now, int64_t lowest,
                      bool *forced)
{
    int64_t end = h->base_offset + (int64_t)h->last_offset_delta + 1;
    const rill_topic_config *c = &t->cfg;
    bool expired = c->retention_ms >= 0 && h->max_timestamp < now - c->retention_ms;
    bool oversize = c->retention_bytes >= 0 &&
                    size - (int64_t)len >= c->retention_bytes;
    *forced = false;
    if (!(c->cleanup_policy & RILL_CLEANUP_DELETE) || (!expired && !oversize))
        return false;
    if (!t->retain_groups[0] || end <= lowest)
        return true;
    /* The groups have not read it: only the hard cap forces it out. */
    *forced = size - (int64_t)len >= c->retain_groups_max_bytes;
    return *forced;
}

/* One bounded transaction of retention on a partition: from the physical
 * head, removes each batch that is expired (by its newest timestamp) or
 * beyond retention_bytes, stopping at the first that is neither, at the
 * named groups' lowest committed offset (unless the hard cap forces it,
 * when the records they lose are counted), and after
 * RETAIN_BATCHES_PER_TXN (op->more then asks for another). The last batch
 * always stays, as the next offset is derived from it: when it expires,
 * the start offset moves past it instead. The new start offset is
 * recorded whenever the head moved. */
static int retain_txn(MDB_txn *txn, void *arg)
{
    retain_op *op = arg;
    rill_env *e = &op->r->env;
    topic_meta t;
    log_bounds b;
    MDB_cursor *cur;
    MDB_val v;
    int64_t base;
    op->more = false;
    int rc = topic_get(e, txn, op->topic, &t);
    if (rc == RILL_ENOTFOUND)
        return 0; /* deleted meanwhile */
    if (rc || (rc = mdb_cursor_open(txn, e->db_log, &cur)))
        return rc < 0 ? rc : env_mdb_err(e, rc, "opening a log cursor");
    log_part p = {t.name, t.id, op->partition};
    rc = log_bounds_get(e, txn, cur, &p, &b);
    group_floor gf = {e, txn, t.name, op->partition, b.first, INT64_MAX};
    if (!rc && t.retain_groups[0])
        rc = topic_each_retain_group(&t, floor_of_group, &gf);
    /* From the physical head: batches below the start offset are gone
     * already and leave first. */
    if (!rc && b.next > 0)
        rc = log_seek(e, cur, &p, 0, &v, &base);
    else if (!rc)
        rc = 1;
    int64_t size = b.bytes, start = b.first;
    for (int n = 0; rc == 0; n++) {
        batch_header h;
        bool forced = false;
        if (n == RETAIN_BATCHES_PER_TXN) {
            op->more = true;
            break;
        }
        if ((rc = batch_parse_header(&h, v.mv_data, v.mv_size, BATCH_RAW_MAX)))
            break;
        int64_t end = base + (int64_t)h.last_offset_delta + 1;
        bool below = end <= b.first;
        if (!below &&
            !head_goes(&t, &h, v.mv_size, size, op->now, gf.floor, &forced))
            break;
        if (below && end == b.next)
            break; /* the last batch, logically gone already */
        if (forced) {
            lost_count lc = {e, txn, t.name, op->partition,
                             RILL_MAX(base, b.first), end, op->now};
            if ((rc = topic_each_retain_group(&t, count_lost, &lc)))
                break;
        }
        if (end == b.next) {
            /* The last batch stays; the partition starts after it. */
            start = end;
            op->st->records += end - RILL_MAX(base, b.first);
            break;
        }
        if (!below)
            start = end;
        op->st->records += below ? 0 : end - RILL_MAX(base, b.first);
        op->st->batches++;
        op->st->bytes += (int64_t)v.mv_size;
        size -= (int64_t)v.mv_size;
        if ((rc = mdb_cursor_del(cur, 0))) {
            rc = env_mdb_err(e, rc, "removing a batch");
            break;
        }
        rc = log_next(e, cur, &p, &v, &base);
    }
    mdb_cursor_close(cur);
    if (rc < 0)
        return rc;
    /* The head moved: record where the partition starts now. */
    return start != b.first ? log_set_start(e, txn, &p, start) : 0;
}

int retain_partition(rill *r, const char *topic, int32_t partition,
                     retain_stats *st)
{
    retain_op op = {r, topic, partition, env_now_ms(&r->env), st, false};
    int rc;
    do {
        rc = env_write_reserved(&r->env, retain_txn, &op);
    } while (!rc && op.more);
    return rc;
}

/* ---- compaction ---- */

/* A 128-bit hash of a key: two 64-bit lanes with different seeds, each
 * mixing 8 bytes at a time through a 64x64->128 multiply. Not for
 * adversaries (whoever can write keys can write anything); collisions
 * between real keys are about 2^-64 likely per pair. */
static uint64_t mix(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static uint64_t hash64(const uint8_t *p, size_t n, uint64_t seed)
{
    const uint64_t k1 = 0xa0761d6478bd642fULL, k2 = 0xe7037ed1a0b428dbULL;
    uint64_t h = seed ^ mix(seed ^ k1, (uint64_t)n ^ k2);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = mix(h ^ w ^ k1, k2 ^ (h >> 29));
        p += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, p, n);
    return mix(h ^ w ^ k2 ^ ((uint64_t)n << 56), k1);
}

typedef struct kslot {
    uint64_t h1, h2;
    int64_t offset; /* -1: empty */
} kslot;

typedef struct keymap {
    kslot *slots;
    size_t cap, n; /* cap a power of two */
    bool full;     /* keys were left out */
} keymap;

static kslot *keymap_find(keymap *m, uint64_t h1, uint64_t h2)
{
    size_t i = (size_t)h1 & (m->cap - 1);
    while (m->slots[i].offset >= 0 &&
           (m->slots[i].h1 != h1 || m->slots[i].h2 != h2))
        i = (i + 1) & (m->cap - 1);
    return &m->slots[i];
}

static int keymap_grow(keymap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    kslot *old = m->slots;
    size_t oldcap = m->cap;
    if (!(m->slots = malloc(cap * sizeof *m->slots))) {
        m->slots = old;
        return rill_err(RILL_ENOMEM, "out of memory compacting");
    }
    for (size_t i = 0; i < cap; i++)
        m->slots[i].offset = -1;
    m->cap = cap;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].offset >= 0)
            *keymap_find(m, old[i].h1, old[i].h2) = old[i];
    free(old);
    return 0;
}

/* Records key at offset (later offsets win). */
static int keymap_put(keymap *m, const uint8_t *key, size_t len,
                      int64_t offset)
{
    if (m->n * 2 >= m->cap) {
        if (m->cap / 2 >= COMPACT_MAP_MAX) {
            m->full = true;
            return 0;
        }
        int rc = keymap_grow(m);
        if (rc)
            return rc;
    }
    uint64_t h1 = hash64(key, len, 1), h2 = hash64(key, len, 2);
    kslot *s = keymap_find(m, h1, h2);
    if (s->offset < 0) {
        if (m->full)
            return 0;
        m->n++;
        s->h1 = h1;
        s->h2 = h2;
    }
    if (offset > s->offset)
        s->offset = offset;
    return 0;
}

static int64_t keymap_latest(keymap *m, const uint8_t *key, size_t len)
{
    kslot *s = keymap_find(m, hash64(key, len, 1), hash64(key, len, 2));
    return s->offset; /* -1 if unknown */
}

typedef struct compact_op {
    rill *r;
    const char *topic;
    int32_t partition;
    keymap map;
    int64_t from; /* the next batch to look at */
    int64_t end;  /* the partition's next offset when compaction began */
    int64_t now;
    retain_stats *st;
    rill_buf raw, out;
    void *cctx;
    bool done;
} compact_op;

/* Reads a batch's records into the key map. */
static int map_batch(compact_op *op, const log_part *p, int64_t base,
                     const MDB_val *v)
{
    batch_header h;
    const uint8_t *raw;
    batch_iter it;
    batch_record rec;
    int rc = batch_parse_header(&h, v->mv_data, v->mv_size, BATCH_RAW_MAX);
    if (!rc)
        rc = batch_check_crc(&h, v->mv_data, v->mv_size);
    if (!rc)
        rc = batch_raw(&raw, &h, v->mv_data, &op->raw, NULL);
    if (rc)
        return log_corrupt(p, base, rc);
    batch_iter_init(&it, &h, raw);
    while ((rc = batch_iter_next(&it, &rec)) == 1)
        if (rec.key && (rc = keymap_put(&op->map, rec.key, rec.key_len,
                                        rec.offset)))
            return rc;
    return rc < 0 ? log_corrupt(p, base, rc) : 0;
}

/* Pass one: the latest offset of every key, in bounded read txns. */
static int build_map(compact_op *op)
{
    rill_env *e = &op->r->env;
    int64_t from = 0;
    for (bool done = false; !done;) {
        MDB_txn *txn;
        MDB_cursor *cur;
        topic_meta t;
        log_bounds b;
        MDB_val v;
        int64_t base;
        int rc = env_read_begin(e, &txn);
        if (rc)
            return rc;
        rc = topic_get(e, txn, op->topic, &t);
        if (!rc && (rc = mdb_cursor_open(txn, e->db_log, &cur)))
            rc = env_mdb_err(e, rc, "opening a log cursor");
        if (rc) {
            env_read_end(e, txn);
            return rc;
        }
        log_part p = {t.name, t.id, op->partition};
        rc = log_bounds_get(e, txn, cur, &p, &b);
        if (!rc && !op->end)
            op->end = b.next;
        if (!rc)
            rc = log_seek(e, cur, &p, RILL_MAX(from, b.first), &v, &base);
        if (rc == 0 && base < from) /* the batch mapped last: skip it */
            rc = log_next(e, cur, &p, &v, &base);
        done = true;
        for (int n = 0; rc == 0 && base < op->end; n++) {
            if (n == COMPACT_READ_BATCHES) {
                done = false;
                break;
            }
            rc = map_batch(op, &p, base, &v);
            from = base + 1;
            if (!rc)
                rc = log_next(e, cur, &p, &v, &base);
        }
        mdb_cursor_close(cur);
        env_read_end(e, txn);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Whether a record survives: the latest of its key, and if a tombstone,
 * not yet older than delete_retention_ms. */
static bool keep(compact_op *op, const topic_meta *t, const batch_record *r)
{
    if (!r->key)
        return true; /* written before the topic was compacted */
    if (keymap_latest(&op->map, r->key, r->key_len) > r->offset)
        return false;
    return r->value || r->timestamp >= op->now - t->cfg.delete_retention_ms;
}

/* Rewrites one batch keeping only surviving records; *kept says how many
 * survived (the batch is untouched when all did). */
static int rewrite_batch(compact_op *op, const topic_meta *t,
                         const log_part *p, int64_t base, const MDB_val *v,
                         size_t *kept, size_t *total)
{
    batch_header h;
    const uint8_t *raw;
    batch_iter it;
    batch_record rec;
    batch_builder bb;
    int rc = batch_parse_header(&h, v->mv_data, v->mv_size, BATCH_RAW_MAX);
    if (!rc)
        rc = batch_raw(&raw, &h, v->mv_data, &op->raw, NULL);
    if (rc)
        return log_corrupt(p, base, rc);
    *kept = 0;
    *total = h.record_count;
    batch_iter_init(&it, &h, raw);
    while ((rc = batch_iter_next(&it, &rec)) == 1)
        *kept += keep(op, t, &rec);
    if (rc < 0 || *kept == *total || *kept == 0)
        return rc < 0 ? log_corrupt(p, base, rc) : 0;
    /* Encode the survivors with their offset deltas kept. */
    op->out.len = 0;
    bool first = true;
    batch_iter_init(&it, &h, raw);
    while ((rc = batch_iter_next(&it, &rec)) == 1) {
        if (!keep(op, t, &rec))
            continue;
        if (first && (rc = batch_begin(&bb, &op->out, rec.timestamp)))
            return rc;
        first = false;
        if ((rc = batch_add_record(&bb, (uint32_t)(rec.offset - base), &rec)))
            return rc;
    }
    bb.last_delta = h.last_offset_delta; /* the span stays */
    rc = batch_finish(&bb, t->cfg.compression, t->cfg.compression_level,
                      op->cctx, BATCH_FLAG_COMPACTED);
    if (!rc)
        batch_seal(op->out.data, op->out.len, base, h.prefix_bytes);
    return rc;
}

/* One bounded write transaction of pass two. */
static int compact_txn(MDB_txn *txn, void *arg)
{
    compact_op *op = arg;
    rill_env *e = &op->r->env;
    topic_meta t;
    log_bounds b;
    MDB_cursor *cur;
    MDB_val v;
    int64_t base;
    retain_stats st = {0};
    op->done = true;
    int rc = topic_get(e, txn, op->topic, &t);
    if (rc == RILL_ENOTFOUND)
        return 0;
    if (rc || (rc = mdb_cursor_open(txn, e->db_log, &cur)))
        return rc < 0 ? rc : env_mdb_err(e, rc, "opening a log cursor");
    log_part p = {t.name, t.id, op->partition};
    rc = log_bounds_get(e, txn, cur, &p, &b);
    int64_t from = RILL_MAX(op->from, b.first);
    for (int n = 0; !rc; n++) {
        if ((rc = log_seek(e, cur, &p, from, &v, &base)) || base >= op->end)
            break;
        if (n == COMPACT_BATCHES_PER_TXN) {
            op->done = false;
            break;
        }
        size_t kept = 0, total = 0;
        if ((rc = rewrite_batch(op, &t, &p, base, &v, &kept, &total)))
            break;
        batch_header h;
        batch_parse_header(&h, v.mv_data, v.mv_size, BATCH_RAW_MAX);
        int64_t end = base + (int64_t)h.last_offset_delta + 1;
        uint8_t kb[LOG_KEY_SIZE];
        log_key(kb, t.id, op->partition, base);
        MDB_val key = {sizeof kb, kb};
        if (kept == 0 && end < b.next) {
            /* Removing an emptied batch must not move the log start
             * (the head batch may be this one): record it first. */
            if (!b.start_recorded) {
                if ((rc = log_set_start(e, txn, &p, b.first)))
                    break;
                b.start_recorded = true;
            }
            st.compacted_bytes += (int64_t)v.mv_size;
            rc = mdb_del(txn, e->db_log, &key, NULL);
        } else if (kept && kept < total) {
            st.compacted_bytes += (int64_t)v.mv_size - (int64_t)op->out.len;
            MDB_val val = {op->out.len, op->out.data};
            rc = mdb_put(txn, e->db_log, &key, &val, 0);
        } else {
            kept = total; /* unchanged (or the last batch, kept whole) */
        }
        if (rc) {
            rc = env_mdb_err(e, rc, "rewriting a batch");
            break;
        }
        st.compacted_records += (int64_t)(total - kept);
        from = end;
    }
    mdb_cursor_close(cur);
    if (rc < 0)
        return rc;
    op->from = from;
    op->st->compacted_records += st.compacted_records;
    op->st->compacted_bytes += st.compacted_bytes;
    return 0;
}

int compact_partition(rill *r, const char *topic, int32_t partition,
                      retain_stats *st)
{
    compact_op op = {.r = r, .topic = topic, .partition = partition,
                     .now = env_now_ms(&r->env), .st = st};
    retain_stats before = *st;
    int rc = build_map(&op);
    if (!rc && op.map.n && !(op.cctx = ZSTD_createCCtx()))
        rc = rill_err(RILL_ENOMEM, "out of memory");
    while (!rc && op.map.n) {
        rc = env_write_reserved(&r->env, compact_txn, &op);
        if (rc || op.done)
            break;
        /* Work done by an aborted attempt must not be counted twice. */
    }
    if (rc)
        *st = before;
    free(op.map.slots);
    buf_free(&op.raw);
    buf_free(&op.out);
    ZSTD_freeCCtx(op.cctx);
    return rc;
}

/* ---- maintenance ---- */

static int maintain_topic(rill *r, const char *name, retain_stats *st)
{
    topic_meta t;
    int rc = topic_lookup(&r->env, name, &t);
    if (rc)
        return rc == RILL_ENOTFOUND ? 0 : rc;
    bool deletes = (t.cfg.cleanup_policy & RILL_CLEANUP_DELETE) &&
                   (t.cfg.retention_ms >= 0 || t.cfg.retention_bytes >= 0);
    for (int32_t p = 0; !rc && p < t.cfg.partitions; p++) {
        if (t.cfg.cleanup_policy & RILL_CLEANUP_COMPACT)
            rc = compact_partition(r, name, p, st);
        if (!rc && deletes)
            rc = retain_partition(r, name, p, st);
    }
    return rc;
}

RILL_API void rill_maintain_report_free(rill_maintain_report *rep)
{
    free(rep);
}

RILL_API int rill_maintain(rill_maintain_report **out, rill *r)
{
    retain_stats st = {0};
    char **names;
    size_t n;
    if (out)
        *out = NULL;
    int rc = rill_enter(r);
    if (rc || (rc = rill_topic_list(&names, &n, r)))
        return rc;
    for (size_t i = 0; i < n && !rc; i++)
        rc = maintain_topic(r, names[i], &st);
    rill_names_free(names, n);
    if (rc || !out)
        return rc;
    rill_maintain_report *rep = calloc(1, sizeof *rep);
    if (!rep)
        return rill_err(RILL_ENOMEM, "out of memory");
    rep->batches_removed = st.batches;
    rep->records_removed = st.records;
    rep->bytes_removed = st.bytes;
    rep->records_compacted = st.compacted_records;
    rep->bytes_compacted = st.compacted_bytes;
    *out = rep;
    return 0;
}

/* ---- amortised retention after writes ---- */

void retain_run_due(rill *r, const write_due *due)
{
    for (size_t i = 0; i < due->n; i++) {
        retain_stats st = {0};
        /* Best effort: an error here is the next write's or maintain's. */
        retain_partition(r, due->topic[i], due->partition[i], &st);
    }
}

/* ---- the opt-in maintenance thread ---- */

struct retain_state {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned interval_ms;
    bool stop;
};

static void *maintain_main(void *arg)
{
    rill *r = arg;
    struct retain_state *m = r->retain;
    pthread_mutex_lock(&m->lock);
    while (!m->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ns = ts.tv_nsec + (int64_t)m->interval_ms * 1000000;
        ts.tv_sec += ns / 1000000000;
        ts.tv_nsec = ns % 1000000000;
        pthread_cond_timedwait(&m->cond, &m->lock, &ts);
        if (m->stop)
            break;
        pthread_mutex_unlock(&m->lock);
        rill_maintain(NULL, r);
        pthread_mutex_lock(&m->lock);
    }
    pthread_mutex_unlock(&m->lock);
    return NULL;
}

int maintain_start(rill *r, unsigned interval_ms)
{
    if (!interval_ms)
        return 0;
    struct retain_state *m = calloc(1, sizeof *m);
    if (!m)
        return rill_err(RILL_ENOMEM, "out of memory");
    pthread_mutex_init(&m->lock, NULL);
    pthread_cond_init(&m->cond, NULL);
    m->interval_ms = interval_ms;
    r->retain = m;
    if (pthread_create(&m->thread, NULL, maintain_main, r) != 0) {
        r->retain = NULL;
        pthread_mutex_destroy(&m->lock);
        pthread_cond_destroy(&m->cond);
        free(m);
        return rill_err(RILL_ENOMEM, "cannot start the maintenance thread");
    }
    return 0;
}

void maintain_stop(rill *r)
{
    struct retain_state *m = r->retain;
    if (!m)
        return;
    pthread_mutex_lock(&m->lock);
    m->stop = true;
    pthread_cond_signal(&m->cond);
    pthread_mutex_unlock(&m->lock);
    pthread_join(m->thread, NULL);
    pthread_mutex_destroy(&m->lock);
    pthread_cond_destroy(&m->cond);
    free(m);
    r->retain = NULL;
}
