/*
 * consume.c -- the consumer.
 *
 * A poll is two steps. The fetch runs in one short read transaction: for
 * each assigned, unpaused partition in turn (starting one further each
 * poll, so a busy partition cannot starve the rest) it resolves the
 * position against the log's bounds and copies whole batches out of the
 * map into the consumer's buffer. The decode runs after the transaction
 * ended: it checks each batch (CRC, lengths, every record), decompresses
 * it, and builds the rill_record views into those buffers. Nothing holds a
 * read transaction across user code or a wait.
 *
 * Positions move only when records are handed out, so a poll that fails
 * (a corrupt batch) can be repeated, or the partition seeked past.
 */
#include "consume.h"

#include <stdio.h>
#include <stdlib.h>
#include <zstd.h>

#include "batch.h"
#include "error.h"
#include "group.h"
#include "log.h"
#include "rill_int.h"
#include "topic.h"

#define DEFAULT_MAX_POLL_RECORDS 500
#define FETCH_MAX_BYTES (8u * 1024 * 1024)

RILL_API void rill_consumer_options_init(rill_consumer_options *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof *o);
    o->auto_offset_reset = RILL_RESET_EARLIEST;
    o->enable_auto_commit = 1;
    o->auto_commit_interval_ms = 5000;
    o->session_timeout_ms = 45000;
    o->assignor = RILL_ASSIGN_RANGE;
    o->max_poll_records = DEFAULT_MAX_POLL_RECORDS;
}

int consumer_enter(rill_consumer *c)
{
    if (!c)
        return rill_err(RILL_EINVAL, "consumer is NULL");
    if (c->magic != CONSUMER_MAGIC)
        return rill_err(RILL_EINVAL, "not a consumer handle");
    if (c->closed)
        return rill_err(RILL_ECLOSED, "the consumer was closed");
    return rill_enter(c->r);
}

static int validate_consumer_options(const rill_consumer_options *o)
{
    if (o->auto_offset_reset < RILL_RESET_EARLIEST ||
        o->auto_offset_reset > RILL_RESET_ERROR)
        return rill_err(RILL_EINVAL, "unknown auto_offset_reset %d",
                        o->auto_offset_reset);
    if (o->assignor < RILL_ASSIGN_RANGE || o->assignor > RILL_ASSIGN_STICKY)
        return rill_err(RILL_EINVAL, "unknown assignor %d", o->assignor);
    if (o->max_poll_records > 1000000)
        return rill_err(RILL_EINVAL, "max_poll_records %u is over 1000000",
                        o->max_poll_records);
    if (o->group_id && (o->group_id[0] == '\0' || strlen(o->group_id) > 249))
        return rill_err(RILL_EINVAL, "group_id must be 1..249 bytes");
    if (o->client_id && strlen(o->client_id) > 249)
        return rill_err(RILL_EINVAL, "client_id is longer than 249 bytes");
    return 0;
}

static void consumer_free_buffers(rill_consumer *c)
{
    free(c->parts);
    for (size_t i = 0; i < c->nnames; i++)
        free(c->names[i]);
    free(c->names);
    buf_free(&c->data);
    buf_free(&c->raw);
    free(c->fetch);
    free(c->recs);
    free(c->hstart);
    free(c->hdrs);
    ZSTD_freeDCtx(c->dctx);
    free(c->group_id);
    free(c->client_id);
    c->parts = NULL;
    c->names = NULL;
    c->fetch = NULL;
    c->recs = NULL;
    c->hstart = NULL;
    c->hdrs = NULL;
    c->dctx = NULL;
    c->group_id = c->client_id = NULL;
    c->nparts = c->nnames = 0;
}

RILL_API int rill_consumer_new(rill_consumer **out, rill *r,
                               const rill_consumer_options *o)
{
    rill_consumer_options d;
    if (!out)
        return rill_err(RILL_EINVAL, "out is NULL");
    *out = NULL;
    int rc = rill_enter(r);
    if (rc)
        return rc;
    if (!o) {
        rill_consumer_options_init(&d);
        o = &d;
    }
    if ((rc = validate_consumer_options(o)))
        return rc;
    rill_consumer *c = calloc(1, sizeof *c);
    if (!c)
        return rill_err(RILL_ENOMEM, "out of memory");
    c->magic = CONSUMER_MAGIC;
    c->r = r;
    c->opts = *o;
    if (!c->opts.max_poll_records)
        c->opts.max_poll_records = DEFAULT_MAX_POLL_RECORDS;
    c->client_id = rill_strdup(o->client_id ? o->client_id : "rill");
    c->group_id = o->group_id ? rill_strdup(o->group_id) : NULL;
    c->dctx = ZSTD_createDCtx();
    if (!c->client_id || (o->group_id && !c->group_id) || !c->dctx) {
        consumer_free_buffers(c);
        free(c);
        return rill_err(RILL_ENOMEM, "out of memory");
    }
    c->opts.group_id = c->group_id;
    c->opts.client_id = c->client_id;
    if (!c->opts.auto_commit_interval_ms)
        c->opts.auto_commit_interval_ms = 5000;
    if (!c->opts.session_timeout_ms)
        c->opts.session_timeout_ms = 45000;
    c->next_commit_ms = env_now_ms(&r->env) + c->opts.auto_commit_interval_ms;
    pthread_mutex_lock(&r->consumers_lock);
    c->next = r->consumers;
    r->consumers = c;
    pthread_mutex_unlock(&r->consumers_lock);
    *out = c;
    return 0;
}

RILL_API int rill_consumer_close(rill_consumer *c)
{
    int rc = 0;
    if (!c || c->magic != CONSUMER_MAGIC || c->closed)
        return 0;
    if (c->member && c->member->in_callback)
        return rill_err(RILL_ESTATE, "cannot close a consumer from its "
                        "rebalance callback");
    if (env_check(&c->r->env) == 0) {
        if (c->member)
            rc = group_leave(c);
        else if (c->group_id && c->opts.enable_auto_commit)
            rc = group_commit_positions(c, NULL, 0);
    }
    free(c->member);
    c->member = NULL;
    c->closed = true;
    consumer_free_buffers(c);
    /* The shell stays on the handle's list until rill_close, so a call on
     * a closed consumer is RILL_ECLOSED rather than a use after free. */
    return rc;
}

void consumers_free_all(rill *r)
{
    pthread_mutex_lock(&r->consumers_lock);
    rill_consumer *c = r->consumers;
    r->consumers = NULL;
    pthread_mutex_unlock(&r->consumers_lock);
    while (c) {
        rill_consumer *next = c->next;
        rill_consumer_close(c);
        c->magic = 0;
        free(c);
        c = next;
    }
}

/* ---- assignment ---- */

const char *consumer_intern(rill_consumer *c, const char *name)
{
    for (size_t i = 0; i < c->nnames; i++)
        if (strcmp(c->names[i], name) == 0)
            return c->names[i];
    char **p = realloc(c->names, (c->nnames + 1) * sizeof *p);
    if (!p)
        return NULL;
    c->names = p;
    if (!(p[c->nnames] = rill_strdup(name)))
        return NULL;
    return p[c->nnames++];
}

static bool offset_valid(int64_t off)
{
    return off >= 0 || off == RILL_OFFSET_BEGINNING ||
           off == RILL_OFFSET_END || off == RILL_OFFSET_STORED;
}

static assigned *find_assigned(rill_consumer *c, const char *topic,
                               int32_t partition)
{
    for (size_t i = 0; i < c->nparts; i++)
        if (c->parts[i].partition == partition &&
            strcmp(c->parts[i].topic, topic) == 0)
            return &c->parts[i];
    return NULL;
}

/* Checks that every partition exists (one read transaction). */
static int check_partitions_exist(rill *r, const rill_topic_partition *tps,
                                  size_t n)
{
    MDB_txn *txn;
    topic_meta t;
    int rc = n ? env_read_begin(&r->env, &txn) : 0;
    if (rc || !n)
        return rc;
    for (size_t i = 0; i < n && !rc; i++) {
        rc = topic_get(&r->env, txn, tps[i].topic, &t);
        if (!rc && tps[i].partition >= t.cfg.partitions)
            rc = rill_err(RILL_ENOTFOUND, "topic '%s' has %d partitions; "
                          "partition %d requested", tps[i].topic,
                          t.cfg.partitions, tps[i].partition);
    }
    env_read_end(&r->env, txn);
    return rc;
}

int consumer_set_assignment(rill_consumer *c, const rill_topic_partition *tps,
                            size_t n, bool keep_positions)
{
    assigned *parts = n ? calloc(n, sizeof *parts) : NULL;
    if (n && !parts)
        return rill_err(RILL_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *name = consumer_intern(c, tps[i].topic);
        if (!name) {
            free(parts);
            return rill_err(RILL_ENOMEM, "out of memory");
        }
        assigned *old = keep_positions
                            ? find_assigned(c, tps[i].topic, tps[i].partition)
                            : NULL;
        parts[i].topic = name;
        parts[i].partition = tps[i].partition;
        parts[i].position = old ? old->position : tps[i].offset;
        parts[i].committed = old ? old->committed : RILL_OFFSET_INVALID;
        parts[i].tid = old ? old->tid : 0;
        parts[i].paused = old ? old->paused : false;
    }
    free(c->parts);
    c->parts = parts;
    c->nparts = n;
    c->rr = 0;
    return 0;
}

RILL_API int rill_assign(rill_consumer *c, const rill_topic_partition *tps,
                         size_t n)
{
    int rc = consumer_enter(c);
    if (rc)
        return rc;
    if (n && !tps)
        return rill_err(RILL_EINVAL, "tps is NULL with n = %zu", n);
    if (c->member)
        return rill_err(RILL_EINVAL, "the consumer is subscribed to a group; "
                        "it cannot also be assigned partitions by hand");
    for (size_t i = 0; i < n; i++) {
        if ((rc = topic_name_validate(tps[i].topic)))
            return rill_err_wrap(rc, "entry %zu", i);
        if (tps[i].partition < 0)
            return rill_err(RILL_EINVAL, "entry %zu: partition %d is invalid",
                            i, tps[i].partition);
        if (!offset_valid(tps[i].offset))
            return rill_err(RILL_EINVAL, "entry %zu: offset %lld is invalid",
                            i, (long long)tps[i].offset);
        for (size_t j = 0; j < i; j++)
            if (tps[j].partition == tps[i].partition &&
                strcmp(tps[j].topic, tps[i].topic) == 0)
                return rill_err(RILL_EINVAL, "entry %zu: topic '%s' "
                                "partition %d is listed twice", i,
                                tps[i].topic, tps[i].partition);
    }
    if ((rc = check_partitions_exist(c->r, tps, n)))
        return rc;
    return consumer_set_assignment(c, tps, n, false);
}

RILL_API void rill_tps_free(rill_topic_partition *tps, size_t n)
{
    if (!tps)
        return;
    for (size_t i = 0; i < n; i++)
        free((char *)tps[i].topic);
    free(tps);
}

RILL_API int rill_assignment(rill_topic_partition **tps, size_t *n,
                             rill_consumer *c)
{
    if (!tps || !n)
        return rill_err(RILL_EINVAL, "tps or n is NULL");
    *tps = NULL;
    *n = 0;
    int rc = consumer_enter(c);
    if (rc)
        return rc;
    if (!c->nparts)
        return 0;
    rill_topic_partition *out = calloc(c->nparts, sizeof *out);
    if (!out)
        return rill_err(RILL_ENOMEM, "out of memory");
    for (size_t i = 0; i < c->nparts; i++) {
        out[i].topic = rill_strdup(c->parts[i].topic);
        out[i].partition = c->parts[i].partition;
        out[i].offset = c->parts[i].position;
        if (!out[i].topic) {
            rill_tps_free(out, i);
            return rill_err(RILL_ENOMEM, "out of memory");
        }
    }
    *tps = out;
    *n = c->nparts;
    return 0;
}

/* Looks up each entry in the assignment; all must be assigned. */
static int lookup_all(rill_consumer *c, const rill_topic_partition *tps,
                      size_t n, assigned **found)
{
    if (n && !tps)
        return rill_err(RILL_EINVAL, "tps is NULL with n = %zu", n);
    for (size_t i = 0; i < n; i++) {
        if (!tps[i].topic)
            return rill_err(RILL_EINVAL, "entry %zu: topic is NULL", i);
        found[i] = find_assigned(c, tps[i].topic, tps[i].partition);
        if (!found[i])
            return rill_err(RILL_ENOTFOUND, "topic '%s' partition %d is not "
                            "assigned to this consumer", tps[i].topic,
                            tps[i].partition);
    }
    return 0;
}

static int set_paused(rill_consumer *c, const rill_topic_partition *tps,
                      size_t n, bool paused)
{
    int rc = consumer_enter(c);
    if (rc)
        return rc;
    assigned **found = calloc(n ? n : 1, sizeof *found);
    if (!found)
        return rill_err(RILL_ENOMEM, "out of memory");
    rc = lookup_all(c, tps, n, found);
    for (size_t i = 0; !rc && i < n; i++)
        found[i]->paused = paused;
    free(found);
    return rc;
}

RILL_API int rill_pause(rill_consumer *c, const rill_topic_partition *tps,
                        size_t n)
{
    return set_paused(c, tps, n, true);
}

RILL_API int rill_resume(rill_consumer *c, const rill_topic_partition *tps,
                         size_t n)
{
    return set_paused(c, tps, n, false);
}

RILL_API int rill_position_get(rill_consumer *c, rill_topic_partition *tps,
                               size_t n)
{
    int rc = consumer_enter(c);
    if (rc)
        return rc;
    assigned **found = calloc(n ? n : 1, sizeof *found);
    if (!found)
        return rill_err(RILL_ENOMEM, "out of memory");
    rc = lookup_all(c, tps, n, found);
    for (size_t i = 0; !rc && i < n; i++)
        tps[i].offset = found[i]->position;
    free(found);
    return rc;
}

RILL_API int rill_seek(rill_consumer *c, const char *topic, int32_t partition,
                       int64_t offset)
{
    int rc = consumer_enter(c);
    if (rc)
        return rc;
    if (!topic)
        return rill_err(RILL_EINVAL, "topic is NULL");
    if (offset < 0 && offset != RILL_OFFSET_BEGINNING &&
        offset != RILL_OFFSET_END)
        return rill_err(RILL_EINVAL, "offset %lld is invalid",
                        (long long)offset);
    assigned *a = find_assigned(c, topic, partition);
    if (!a)
        return rill_err(RILL_ENOTFOUND, "topic '%s' partition %d is not "
                        "assigned to this consumer", topic, partition);
    a->position = offset;
    return 0;
}

/* The topic of an assigned partition as of txn, noticing deletion,
 * recreation (a new id: the old position means nothing) and shrinking
 * below the partition. */
static int assigned_topic(rill_consumer *c, MDB_txn *txn, assigned *a,
                          topic_meta *t)
{
    int rc = topic_get(&c->r->env, txn, a->topic, t);
    if (rc == RILL_ENOTFOUND)
        return rill_err(RILL_ENOTFOUND, "assigned topic '%s' was deleted",
                        a->topic);
    if (rc)
        return rc;
    if (a->partition >= t->cfg.partitions)
        return rill_err(RILL_ENOTFOUND, "topic '%s' has %d partitions; "
                        "partition %d is assigned", a->topic,
                        t->cfg.partitions, a->partition);
    if (a->tid && a->tid != t->id && a->position >= 0)
        a->position = RILL_OFFSET_STORED;
    a->tid = t->id;
    return 0;
}

/* Where a position outside the log goes, per auto_offset_reset. */
static int reset_position(rill_consumer *c, const assigned *a,
                          const log_bounds *b, int64_t *pos)
{
    switch (c->opts.auto_offset_reset) {
    case RILL_RESET_LATEST:
        *pos = b->next;
        return 0;
    case RILL_RESET_ERROR:
        if (*pos == RILL_OFFSET_STORED)
            return rill_err(RILL_EOFFSET, "topic '%s' partition %d has no "
                            "committed offset and auto_offset_reset is "
                            "ERROR; seek to go on", a->topic, a->partition);
        return rill_err(RILL_EOFFSET, "topic '%s' partition %d: offset %lld "
                        "is outside the log [%lld, %lld); seek to go on",
                        a->topic, a->partition, (long long)*pos,
                        (long long)b->first, (long long)b->next);
    default:
        *pos = b->first;
        return 0;
    }
}


/* Resolves a's position against the bounds: special offsets, a missing
 * committed offset, or a position outside [first, next]. */
static int resolve_position(rill_consumer *c, MDB_txn *txn, assigned *a,
                            const log_bounds *b)
{
    int64_t pos = a->position;
    int rc;
    if (pos == RILL_OFFSET_BEGINNING)
        pos = b->first;
    else if (pos == RILL_OFFSET_END)
        pos = b->next;
    else if (pos == RILL_OFFSET_STORED) {
        if ((rc = group_committed_for(c, txn, a->topic, a->partition, &pos)))
            return rc;
    }
    if (pos == RILL_OFFSET_STORED || pos < b->first || pos > b->next)
        if ((rc = reset_position(c, a, b, &pos)))
            return rc;
    a->position = pos;
    return 0;
}

static int add_fetched(rill_consumer *c, size_t part, const MDB_val *v,
                       int64_t from)
{
    if (c->nfetch == c->fetch_cap) {
        size_t cap = c->fetch_cap ? c->fetch_cap * 2 : 16;
        fetched *f = realloc(c->fetch, cap * sizeof *f);
        if (!f)
            return rill_err(RILL_ENOMEM, "out of memory");
        c->fetch = f;
        c->fetch_cap = cap;
    }
    size_t off = c->data.len;
    int rc = buf_append(&c->data, v->mv_data, v->mv_size);
    if (rc)
        return rc;
    c->fetch[c->nfetch++] = (fetched){part, off, v->mv_size, from};
    return 0;
}

/* Copies batches of one partition from its position on, within the
 * record and byte budgets. */
static int fetch_partition(rill_consumer *c, MDB_txn *txn, MDB_cursor *cur,
                           size_t i, size_t *budget)
{
    assigned *a = &c->parts[i];
    topic_meta t;
    log_bounds b = {0};
    MDB_val v;
    int64_t base;
    int rc = assigned_topic(c, txn, a, &t);
    if (rc == RILL_ENOTFOUND && c->member)
        return 0; /* the group drops it at its next check */
    log_part p = {a->topic, t.id, a->partition};
    if (!rc)
        rc = log_bounds_get(&c->r->env, txn, cur, &p, &b);
    if (!rc)
        rc = resolve_position(c, txn, a, &b);
    if (rc || a->position >= b.next)
        return rc;
    /* Each batch records the position the partition has when decoding
     * reaches it: the fetch position, then each batch's predecessor's end.
     * If a batch is handed out only in part, the rest are skipped. */
    int64_t from = a->position;
    rc = log_seek(&c->r->env, cur, &p, from, &v, &base);
    while (rc == 0 && *budget > 0) {
        batch_header h;
        if ((rc = batch_parse_header(&h, v.mv_data, v.mv_size, BATCH_RAW_MAX)))
            return log_corrupt(&p, base, rc);
        if ((rc = add_fetched(c, i, &v, from)))
            return rc;
        int64_t end = base + (int64_t)h.last_offset_delta + 1;
        int64_t skip = from > base ? from - base : 0;
        from = end;
        int64_t n = (int64_t)h.record_count - skip;
        *budget -= n > 0 ? RILL_MIN((size_t)n, *budget) : 0;
        if (c->data.len >= FETCH_MAX_BYTES || end >= b.next)
            break;
        rc = log_next(&c->r->env, cur, &p, &v, &base);
    }
    return rc < 0 ? rc : 0;
}

/* Copies batches out of the log in one read transaction. */
static int fetch(rill_consumer *c)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    size_t budget = c->opts.max_poll_records;
    c->data.len = 0;
    c->nfetch = 0;
    if (!c->nparts)
        return 0;
    int rc = env_read_begin(&c->r->env, &txn);
    if (rc)
        return rc;
    if ((rc = mdb_cursor_open(txn, c->r->env.db_log, &cur))) {
        env_read_end(&c->r->env, txn);
        return env_mdb_err(&c->r->env, rc, "opening a log cursor");
    }
    size_t start = c->rr % c->nparts;
    for (size_t k = 0; k < c->nparts && budget > 0 && !rc; k++) {
        size_t i = (start + k) % c->nparts;
        if (c->parts[i].paused)
            continue;
        rc = fetch_partition(c, txn, cur, i, &budget);
        c->rr = i + 1;
        if (c->data.len >= FETCH_MAX_BYTES)
            break;
    }
    mdb_cursor_close(cur);
    env_read_end(&c->r->env, txn);
    return rc;
}

/* ---- decode ---- */

static int grow_records(rill_consumer *c, size_t need)
{
    if (need <= c->recs_cap)
        return 0;
    size_t cap = c->recs_cap ? c->recs_cap : 64;
    while (cap < need)
        cap *= 2;
    rill_record *r = realloc(c->recs, cap * sizeof *r);
    if (r)
        c->recs = r;
    size_t *h = realloc(c->hstart, cap * sizeof *h);
    if (h)
        c->hstart = h;
    if (!r || !h)
        return rill_err(RILL_ENOMEM, "out of memory");
    c->recs_cap = cap;
    return 0;
}

/* Decodes a record's headers into c->hdrs. Header keys are made
 * NUL-terminated in place: the byte after a key is the marker of its
 * value, already read, and the buffer is this consumer's own copy. */
static int decode_headers(rill_consumer *c, const batch_record *br)
{
    if (c->hdrs_len + br->header_count > c->hdrs_cap) {
        size_t cap = c->hdrs_cap ? c->hdrs_cap : 64;
        while (cap < c->hdrs_len + br->header_count)
            cap *= 2;
        rill_header *h = realloc(c->hdrs, cap * sizeof *h);
        if (!h)
            return rill_err(RILL_ENOMEM, "out of memory");
        c->hdrs = h;
        c->hdrs_cap = cap;
    }
    mpr r;
    mpr_init(&r, br->headers, br->headers_len);
    for (uint32_t i = 0; i < br->header_count; i++) {
        const uint8_t *k, *v;
        uint32_t kl, vl;
        if (!batch_header_next(&r, &k, &kl, &v, &vl))
            return rill_err(RILL_ECORRUPT, "malformed record headers");
        ((uint8_t *)k)[kl] = '\0';
        c->hdrs[c->hdrs_len++] = (rill_header){(const char *)k, v, vl};
    }
    return 0;
}

/* Checks and decompresses the fetched batches, stopping at the first
 * that fails: *good is how many passed, and the error (with its message)
 * is returned when one failed. Payloads land in c->raw first, so no
 * pointer into it is taken before it stops growing. */
static int decode_prepare(rill_consumer *c, size_t *raw_off, size_t *good)
{
    c->raw.len = 0;
    for (*good = 0; *good < c->nfetch; (*good)++) {
        size_t f = *good;
        const fetched *fe = &c->fetch[f];
        const assigned *a = &c->parts[fe->part];
        const uint8_t *buf = c->data.data + fe->off;
        log_part p = {a->topic, a->tid, a->partition};
        batch_header h;
        int rc = batch_parse_header(&h, buf, fe->len, BATCH_RAW_MAX);
        if (!rc)
            rc = batch_check_crc(&h, buf, fe->len);
        if (rc)
            return log_corrupt(&p, (int64_t)get_be64(buf + 12), rc);
        raw_off[f] = SIZE_MAX;
        if (h.compression == BATCH_COMPRESSION_NONE)
            continue;
        rill_buf one = {0};
        const uint8_t *raw;
        if ((rc = buf_reserve(&c->raw, h.raw_len)))
            return rc;
        /* Decompress straight into c->raw's free tail. */
        one.data = c->raw.data + c->raw.len;
        one.cap = h.raw_len;
        rc = batch_raw(&raw, &h, buf, &one, c->dctx);
        if (rc)
            return log_corrupt(&p, h.base_offset, rc);
        raw_off[f] = c->raw.len;
        c->raw.len += h.raw_len;
    }
    return 0;
}

/* Appends the records of one checked batch from its fetch position on,
 * up to max_poll_records; *next is where the partition's position goes.
 * On a malformed record, the batch's records are taken back. */
static int decode_batch(rill_consumer *c, const fetched *fe,
                        const uint8_t *raw, size_t *n, int64_t *next)
{
    const assigned *a = &c->parts[fe->part];
    const uint8_t *buf = c->data.data + fe->off;
    size_t n0 = *n, h0 = c->hdrs_len;
    batch_header h;
    batch_iter it;
    batch_record br;
    int rc;
    batch_parse_header(&h, buf, fe->len, BATCH_RAW_MAX);
    batch_iter_init(&it, &h, raw);
    *next = fe->from;
    while ((rc = batch_iter_next(&it, &br)) == 1) {
        if (br.offset < fe->from)
            continue;
        if (*n == c->opts.max_poll_records)
            break;
        if ((rc = grow_records(c, *n + 1)))
            break;
        c->hstart[*n] = c->hdrs_len;
        if (br.header_count && (rc = decode_headers(c, &br)))
            break;
        c->recs[(*n)++] = (rill_record){
            a->topic, a->partition, br.offset,    br.timestamp, br.key,
            br.key_len, br.value,   br.value_len, NULL,         br.header_count};
        *next = br.offset + 1;
    }
    if (rc == 0) /* the whole batch: past any gap at its end too */
        *next = h.base_offset + (int64_t)h.last_offset_delta + 1;
    if (rc < 0) {
        *n = n0;
        c->hdrs_len = h0;
        if (rc == RILL_ECORRUPT) {
            log_part p = {a->topic, a->tid, a->partition};
            rc = log_corrupt(&p, h.base_offset, rc);
        }
        return rc;
    }
    return 0;
}

/* Builds the records of the fetched batches, up to max_poll_records, and
 * moves positions past what was handed out. A damaged batch ends the
 * poll: the records before it are returned, and the error comes when a
 * poll reaches it first (the position stays at it, so the application can
 * seek past). */
static int decode(rill_consumer *c, size_t *count)
{
    size_t *raw_off = malloc((c->nfetch ? c->nfetch : 1) * sizeof *raw_off);
    size_t n = 0, good = 0;
    if (!raw_off)
        return rill_err(RILL_ENOMEM, "out of memory");
    int rc = decode_prepare(c, raw_off, &good);
    c->hdrs_len = 0;
    for (size_t f = 0; f < good && n < c->opts.max_poll_records; f++) {
        const fetched *fe = &c->fetch[f];
        assigned *a = &c->parts[fe->part];
        if (a->position != fe->from)
            continue; /* an earlier batch of this partition stopped short */
        const uint8_t *raw = raw_off[f] == SIZE_MAX
                                 ? c->data.data + fe->off + BATCH_HEADER_SIZE
                                 : c->raw.data + raw_off[f];
        int64_t next;
        int brc = decode_batch(c, fe, raw, &n, &next);
        if (brc) {
            rc = brc;
            break;
        }
        if (next > a->position)
            a->position = next;
    }
    free(raw_off);
    if (rc && n == 0)
        return rc; /* else the records so far; the error comes again */
    for (size_t i = 0; i < n; i++)
        if (c->recs[i].header_count)
            c->recs[i].headers = c->hdrs + c->hstart[i];
    *count = n;
    return 0;
}

/* One fetch and decode: up to max_poll_records records, or none. */
static int poll_once(rill_consumer *c, size_t *n)
{
    int rc = fetch(c);
    if (!rc)
        rc = decode(c, n);
    return rc;
}

RILL_API int rill_poll(rill_consumer *c, int timeout_ms,
                       const rill_record **recs, size_t *n)
{
    if (!recs || !n)
        return rill_err(RILL_EINVAL, "recs or n is NULL");
    *recs = NULL;
    *n = 0;
    int rc = consumer_enter(c);
    if (rc)
        return rc;
    if (timeout_ms < -1)
        return rill_err(RILL_EINVAL, "timeout_ms %d is invalid", timeout_ms);
    if (c->member && c->member->in_callback)
        return rill_err(RILL_ESTATE, "cannot poll from a rebalance callback");
    int64_t deadline = rill_monotonic_ms() + timeout_ms;
    for (;;) {
        uint32_t seen = notify_seq(&c->r->nt);
        size_t count = 0;
        if (c->group_id && (rc = group_poll_prepare(c)))
            return rc;
        if ((rc = poll_once(c, &count)))
            return rc;
        if (count) {
            *recs = c->recs;
            *n = count;
            return 0;
        }
        int wait = -1;
        if (timeout_ms >= 0) {
            int64_t left = deadline - rill_monotonic_ms();
            if (left <= 0)
                return 0;
            wait = (int)left;
        }
        /* A member wakes regularly to watch the others. */
        if (c->member && (wait < 0 || wait > GROUP_WAIT_SLICE_MS))
            wait = GROUP_WAIT_SLICE_MS;
        notify_wait(&c->r->nt, seen, wait);
    }
}

RILL_API int rill_seek_to_time(rill_consumer *c, int64_t timestamp_ms)
{
    MDB_txn *txn;
    MDB_cursor *cur = NULL;
    int rc = consumer_enter(c);
    if (rc)
        return rc;
    if (timestamp_ms < 0)
        return rill_err(RILL_EINVAL, "timestamp %lld is negative",
                        (long long)timestamp_ms);
    int64_t *pos = calloc(c->nparts ? c->nparts : 1, sizeof *pos);
    if (!pos)
        return rill_err(RILL_ENOMEM, "out of memory");
    if ((rc = env_read_begin(&c->r->env, &txn))) {
        free(pos);
        return rc;
    }
    if ((rc = mdb_cursor_open(txn, c->r->env.db_log, &cur))) {
        cur = NULL;
        rc = env_mdb_err(&c->r->env, rc, "opening a log cursor");
    }
    for (size_t i = 0; !rc && i < c->nparts; i++) {
        assigned *a = &c->parts[i];
        topic_meta t;
        log_bounds b;
        if ((rc = assigned_topic(c, txn, a, &t)))
            break;
        log_part p = {a->topic, t.id, a->partition};
        rc = log_offset_for_time(&c->r->env, txn, &p, timestamp_ms, &pos[i]);
        if (!rc && pos[i] == RILL_OFFSET_END &&
            !(rc = log_bounds_get(&c->r->env, txn, cur, &p, &b)))
            pos[i] = b.next;
    }
    if (cur)
        mdb_cursor_close(cur);
    env_read_end(&c->r->env, txn);
    for (size_t i = 0; !rc && i < c->nparts; i++)
        c->parts[i].position = pos[i];
    free(pos);
    return rc;
}
