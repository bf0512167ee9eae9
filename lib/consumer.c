/*
 * consumer.c -- the consumer's mechanics: options, creation, assignment,
 * positions, seeks, pause, committed offsets read back. Group membership
 * (subscribe.c) drives the assignment of subscribed consumers through the
 * calls here; rill_poll and closing are poll.c's, the fetching and
 * decoding fetch.c's.
 */
#include "consumer.h"

#include <stdio.h>
#include <stdlib.h>
#include <zstd.h>

#include "batch.h"
#include "error.h"
#include "log.h"
#include "handle.h"
#include "offstore.h"
#include "topic.h"

#define DEFAULT_MAX_POLL_RECORDS 500

RILL_API void rill_consumer_options_init(rill_consumer_options *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof *o);
    o->struct_size = sizeof *o;
    o->auto_offset_reset = RILL_RESET_EARLIEST;
    o->enable_auto_commit = 1;
    o->auto_commit_interval_ms = 5000;
    o->session_timeout_ms = 45000;
    o->max_poll_interval_ms = 300000;
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

void consumer_free_buffers(rill_consumer *c)
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
    rill_consumer_options_init(&d);
    if (o && (rc = options_adopt(&d, sizeof d, o, "rill_consumer_options")))
        return rc;
    o = &d;
    if ((rc = validate_consumer_options(o)))
        return rc;
    rill_consumer *c = calloc(1, sizeof *c);
    if (!c)
        return rill_err(RILL_ENOMEM, "out of memory");
    c->magic = CONSUMER_MAGIC;
    c->r = r;
    c->fetch_max_bytes = FETCH_MAX_BYTES;
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
    if (!c->opts.max_poll_interval_ms)
        c->opts.max_poll_interval_ms = 300000;
    c->next_commit_ms = env_now_ms(&r->env) + c->opts.auto_commit_interval_ms;
    pthread_mutex_lock(&r->clients_lock);
    c->next = r->consumers;
    r->consumers = c;
    pthread_mutex_unlock(&r->clients_lock);
    *out = c;
    return 0;
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
        if ((rc = consumer_assigned_topic(c, txn, a, &t)))
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

/* ---- positions and commits ---- */

void consumer_mark_committed(rill_consumer *c, const rill_topic_partition *tps,
                             size_t n)
{
    if (c->closed)
        return;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < c->nparts; j++)
            if (c->parts[j].partition == tps[i].partition &&
                strcmp(c->parts[j].topic, tps[i].topic) == 0)
                c->parts[j].committed = tps[i].offset;
}

int consumer_positions(rill_consumer *c, rill_topic_partition **out,
                       size_t *n)
{
    rill_topic_partition *tps = calloc(c->nparts + 1, sizeof *tps);
    size_t k = 0;
    if (!tps)
        return rill_err(RILL_ENOMEM, "out of memory");
    for (size_t i = 0; i < c->nparts; i++)
        if (c->parts[i].position >= 0)
            tps[k++] = (rill_topic_partition){c->parts[i].topic,
                                              c->parts[i].partition,
                                              c->parts[i].position};
    *out = tps;
    *n = k;
    return 0;
}

int consumer_check_entries(const rill_topic_partition *tps, size_t n,
                           bool offsets)
{
    if (n && !tps)
        return rill_err(RILL_EINVAL, "tps is NULL with n = %zu", n);
    for (size_t i = 0; i < n; i++) {
        int rc = topic_name_validate(tps[i].topic);
        if (rc)
            return rill_err_wrap(rc, "entry %zu", i);
        if (tps[i].partition < 0)
            return rill_err(RILL_EINVAL, "entry %zu: partition %d is "
                            "invalid", i, tps[i].partition);
        if (offsets && tps[i].offset < 0)
            return rill_err(RILL_EINVAL, "entry %zu: offset %lld is "
                            "invalid", i, (long long)tps[i].offset);
    }
    return 0;
}

RILL_API int rill_committed(rill_consumer *c, rill_topic_partition *tps,
                            size_t n)
{
    MDB_txn *txn;
    int rc = consumer_enter(c);
    if (rc)
        return rc;
    if (!c->group_id)
        return rill_err(RILL_EINVAL, "committed offsets need a group_id");
    if ((rc = consumer_check_entries(tps, n, false)))
        return rc;
    int64_t *out = calloc(n ? n : 1, sizeof *out);
    if (!out)
        return rill_err(RILL_ENOMEM, "out of memory");
    if ((rc = env_read_begin(&c->r->env, &txn))) {
        free(out);
        return rc;
    }
    for (size_t i = 0; !rc && i < n; i++) {
        rc = offsets_get(&c->r->env, txn, c->group_id, tps[i].topic,
                         tps[i].partition, &out[i]);
        if (rc == RILL_ENOTFOUND) {
            out[i] = RILL_OFFSET_INVALID;
            rc = 0;
        }
    }
    env_read_end(&c->r->env, txn);
    for (size_t i = 0; !rc && i < n; i++)
        tps[i].offset = out[i];
    free(out);
    return rc;
}
