/*
 * fetch.c -- a consumer's fetch and decode.
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
#include "consumer.h"

#include <stdlib.h>

#include "batch.h"
#include "error.h"
#include "log.h"
#include "offstore.h"
#include "handle.h"
#include "topic.h"


/* The topic of an assigned partition as of txn, noticing deletion,
 * recreation (a new id: the old position means nothing) and shrinking
 * below the partition. */
int consumer_assigned_topic(rill_consumer *c, MDB_txn *txn, assigned *a,
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

/* The group's committed offset for RILL_OFFSET_STORED: RILL_OFFSET_STORED
 * itself when there is none (or no group). */
static int committed_or_stored(rill_consumer *c, MDB_txn *txn,
                               const char *topic, int32_t partition,
                               int64_t *offset)
{
    *offset = RILL_OFFSET_STORED;
    if (!c->group_id)
        return 0;
    int rc = offsets_get(&c->r->env, txn, c->group_id, topic, partition,
                         offset);
    if (rc == RILL_ENOTFOUND) {
        *offset = RILL_OFFSET_STORED;
        return 0;
    }
    return rc;
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
        if ((rc = committed_or_stored(c, txn, a->topic, a->partition, &pos)))
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
    int rc = consumer_assigned_topic(c, txn, a, &t);
    if (rc == RILL_ENOTFOUND && c->member)
        return 0; /* the group drops it at its next check */
    log_part p = {a->topic, t.id, a->partition};
    if (!rc)
        rc = log_bounds_get(&c->r->env, txn, cur, &p, &b);
    if (!rc)
        rc = resolve_position(c, txn, a, &b);
    a->end = b.next;
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
        if (c->data.len >= c->fetch_max_bytes || end >= b.next)
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
        if (c->data.len >= c->fetch_max_bytes)
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

int consumer_fetch_records(rill_consumer *c, size_t *n)
{
    int rc = fetch(c);
    if (!rc)
        rc = decode(c, n);
    return rc;
}

