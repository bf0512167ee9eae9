/*
 * produce.c -- synchronous producing with group commit, and Kafka's
 * partitioners (see produce.h for the queue's protocol).
 *
 * Within one transaction the leader resolves each request's topics and
 * partitions first; a request that fails (unknown topic, partition out of
 * range, record over the topic's limit) is answered with its error and
 * writes nothing, without disturbing the others. The rest are grouped by
 * partition, in queue order, and appended as batches. If the whole
 * transaction fails, each request is retried in a transaction of its own,
 * so one oversized request cannot fail its neighbours.
 */
#include "produce.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "batch.h"
#include "crc.h"
#include "dedup.h"
#include "error.h"
#include "handle.h"
#include "log.h"
#include "topic.h"

/* The longest a leader waits for the rest of its group (an fsync is
 * about a hundred microseconds or more). */
#define GATHER_MAX_US 200

/* A leader adds requests to its transaction up to this many messages
 * (one request alone may be larger). */
#define GROUP_MAX_MESSAGES 65536
#define TIMESTAMP_MAX 253402300799999LL /* 9999-12-31T23:59:59.999Z */

/* ---- partitioners ---- */

/* Kafka's Utils.murmur2 (Java client), byte for byte. */
RILL_API int32_t rill_murmur2(const void *data, size_t len)
{
    const uint8_t *d = data;
    const uint32_t m = 0x5bd1e995;
    const int r = 24;
    uint32_t h = 0x9747b28cu ^ (uint32_t)len;
    size_t len4 = len / 4;
    for (size_t i = 0; i < len4; i++) {
        size_t i4 = i * 4;
        uint32_t k = (uint32_t)d[i4] | (uint32_t)d[i4 + 1] << 8 |
                     (uint32_t)d[i4 + 2] << 16 | (uint32_t)d[i4 + 3] << 24;
        k *= m;
        k ^= k >> r;
        k *= m;
        h *= m;
        h ^= k;
    }
    size_t tail = len & ~(size_t)3;
    switch (len % 4) {
    case 3:
        h ^= (uint32_t)d[tail + 2] << 16;
        /* fall through */
    case 2:
        h ^= (uint32_t)d[tail + 1] << 8;
        /* fall through */
    case 1:
        h ^= d[tail];
        h *= m;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return (int32_t)h;
}

int32_t partition_for_key(int partitioner, const void *key, size_t len,
                          int32_t n)
{
    if (partitioner == RILL_PARTITIONER_CRC32)
        return (int32_t)(crc32_ieee(0, key, len) % (uint32_t)n);
    /* Kafka: Utils.toPositive(murmur2(key)) % numPartitions */
    return (int32_t)(((uint32_t)rill_murmur2(key, len) & 0x7fffffffu) %
                     (uint32_t)n);
}

RILL_API int rill_partition_for_key(int32_t *partition, rill *r,
                                    const char *topic, const void *key,
                                    size_t key_len)
{
    topic_meta t;
    if (!partition || (!key && key_len))
        return rill_err(RILL_EINVAL, "partition is NULL or key is NULL "
                        "with a length");
    if (!key)
        return rill_err(RILL_EINVAL, "key is NULL: unkeyed records are "
                        "spread, not hashed");
    int rc = rill_enter(r);
    if (!rc)
        rc = topic_name_validate(topic);
    if (!rc)
        rc = topic_lookup(&r->env, topic, &t);
    if (!rc)
        *partition = partition_for_key(t.cfg.partitioner, key, key_len,
                                       t.cfg.partitions);
    return rc;
}

/* A pseudo-random number from the queue's generator (xorshift64*, not
 * for secrets). Called with part_lock held. */
static uint32_t queue_random(produce_queue *q)
{
    uint64_t x = q->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    q->rng = x;
    return (uint32_t)((x * 0x2545f4914f6cdd1dULL) >> 32);
}

/* The slot of topic id tid in the sticky table, adding it (and growing
 * the table at half full) when missing; NULL only when out of memory.
 * Called with part_lock held. */
static sticky_slot *sticky_slot_of(produce_queue *q, uint32_t tid)
{
    if (q->sticky_used * 2 >= q->sticky_cap) {
        size_t cap = q->sticky_cap ? q->sticky_cap * 2 : 64;
        sticky_slot *t = calloc(cap, sizeof *t);
        if (!t)
            return NULL;
        for (size_t i = 0; i < q->sticky_cap; i++) {
            const sticky_slot *o = &q->sticky[i];
            if (!o->topic_id)
                continue;
            size_t j = o->topic_id & (cap - 1);
            while (t[j].topic_id)
                j = (j + 1) & (cap - 1);
            t[j] = *o;
        }
        free(q->sticky);
        q->sticky = t;
        q->sticky_cap = cap;
    }
    size_t i = tid & (q->sticky_cap - 1);
    while (q->sticky[i].topic_id && q->sticky[i].topic_id != tid)
        i = (i + 1) & (q->sticky_cap - 1);
    if (!q->sticky[i].topic_id) {
        q->sticky[i] = (sticky_slot){tid, -1, 0};
        q->sticky_used++;
    }
    return &q->sticky[i];
}

/* Kafka's sticky partitioner for records without a key: per topic (ids
 * are never reused), so interleaved topics do not disturb each other. */
static int32_t sticky_partition(rill *r, const topic_meta *t, size_t bytes)
{
    produce_queue *q = r->pq;
    int32_t n = t->cfg.partitions;
    if (n == 1)
        return 0;
    pthread_mutex_lock(&q->part_lock);
    sticky_slot *s = sticky_slot_of(q, t->id);
    if (!s) { /* out of memory: spread without stickiness */
        int32_t p = (int32_t)(queue_random(q) % (uint32_t)n);
        pthread_mutex_unlock(&q->part_lock);
        return p;
    }
    if (s->partition < 0 || s->partition >= n) {
        s->partition = (int32_t)(queue_random(q) % (uint32_t)n);
        s->bytes = 0;
    }
    int32_t p = s->partition;
    s->bytes += bytes;
    if (s->bytes >= STICKY_SWITCH_BYTES) {
        /* Move on to another partition for the next batch. */
        s->partition = (p + 1 + (int32_t)(queue_random(q) % (uint32_t)(n - 1))) % n;
        s->bytes = 0;
    }
    pthread_mutex_unlock(&q->part_lock);
    return p;
}

/* The timestamp a message is stored with: RILL_TIMESTAMP_NOW (0) is the
 * time of the write, RILL_TIMESTAMP_ZERO an exact 0. */
static int64_t message_timestamp(const rill_message *m, int64_t now)
{
    if (m->timestamp_ms == RILL_TIMESTAMP_NOW)
        return now;
    return m->timestamp_ms == RILL_TIMESTAMP_ZERO ? 0 : m->timestamp_ms;
}

/* ---- write accounting (amortised retention) ---- */

/* Counts bytes written to a partition and adds it to due when its
 * retention should run: every 1/16 of retention_bytes written, or every
 * twentieth of retention_ms (100 ms to 10 s), and at once the first time
 * this process writes to it, so that short-lived writers do not leave
 * retention undone. Only counting happens here; the handle's after_write
 * hook (retention) runs what came due once the commit is done. */
static void note_write(rill *r, const topic_meta *t, int32_t partition,
                       size_t bytes, write_due *due)
{
    const rill_topic_config *c = &t->cfg;
    produce_queue *q = r->pq;
    if (!r->after_write || !(c->cleanup_policy & RILL_CLEANUP_DELETE) ||
        (c->retention_ms < 0 && c->retention_bytes < 0) ||
        due->n == WRITE_DUE_MAX)
        return;
    int64_t now = env_now_ms(&r->env);
    pthread_mutex_lock(&q->part_lock);
    write_slot *s = &q->writes[(t->id * 31u + (uint32_t)partition) %
                               WRITE_SLOTS];
    bool first_sight = s->tid != t->id || s->partition != partition;
    if (first_sight) {
        s->tid = t->id;
        s->partition = partition;
        s->bytes = 0;
        s->next_ms = now;
    }
    s->bytes += bytes;
    int64_t every_bytes = RILL_MAX(c->retention_bytes / 16, 64 * 1024);
    int64_t every_ms = RILL_MAX(100, RILL_MIN(c->retention_ms / 20, 10000));
    bool is_due = first_sight ||
                  (c->retention_bytes >= 0 && s->bytes >= every_bytes) ||
                  (c->retention_ms >= 0 && now >= s->next_ms);
    if (is_due) {
        s->bytes = 0;
        s->next_ms = now + every_ms;
        snprintf(due->topic[due->n], sizeof due->topic[0], "%s", t->name);
        due->partition[due->n++] = partition;
    }
    pthread_mutex_unlock(&q->part_lock);
}

/* ---- validation ---- */

/* The bytes a record counts against max_record_bytes: key, value and
 * every header's key and value. */
static size_t record_size(const rill_message *m)
{
    size_t s = m->key_len + m->value_len;
    for (size_t i = 0; i < m->header_count; i++)
        s += strlen(m->headers[i].key) + m->headers[i].value_len;
    return s;
}

int produce_validate(const rill_message *m, size_t index)
{
    int rc = topic_name_validate(m->topic);
    if (rc)
        return rill_err_wrap(rc, "message %zu", index);
    if (m->partition < RILL_PARTITION_ANY)
        return rill_err(RILL_EINVAL, "message %zu: partition %d is invalid",
                        index, m->partition);
    if (!m->key && m->key_len)
        return rill_err(RILL_EINVAL, "message %zu: key is NULL but key_len "
                        "is %zu", index, m->key_len);
    if (!m->value && m->value_len)
        return rill_err(RILL_EINVAL, "message %zu: value is NULL but "
                        "value_len is %zu", index, m->value_len);
    if ((m->timestamp_ms < 0 && m->timestamp_ms != RILL_TIMESTAMP_ZERO) ||
        m->timestamp_ms > TIMESTAMP_MAX)
        return rill_err(RILL_EINVAL, "message %zu: timestamp %lld is out of "
                        "range", index, (long long)m->timestamp_ms);
    if (m->header_count && !m->headers)
        return rill_err(RILL_EINVAL, "message %zu: headers is NULL with "
                        "header_count %zu", index, m->header_count);
    if (m->header_count > BATCH_HEADERS_MAX)
        return rill_err(RILL_EINVAL, "message %zu: %zu headers, over the "
                        "limit of %d", index, m->header_count,
                        BATCH_HEADERS_MAX);
    if (m->key_len > RILL_RECORD_BYTES_MAX ||
        m->value_len > RILL_RECORD_BYTES_MAX)
        return rill_err(RILL_ETOOBIG, "message %zu: over the largest record "
                        "size of %u bytes", index, RILL_RECORD_BYTES_MAX);
    size_t total = m->key_len + m->value_len;
    for (size_t i = 0; i < m->header_count; i++) {
        const rill_header *h = &m->headers[i];
        if (!h->key)
            return rill_err(RILL_EINVAL, "message %zu: header %zu has a NULL "
                            "key", index, i);
        size_t kl = strnlen(h->key, BATCH_HEADER_KEY_MAX + 1);
        if (kl > BATCH_HEADER_KEY_MAX)
            return rill_err(RILL_EINVAL, "message %zu: header %zu key is "
                            "longer than %d bytes", index, i,
                            BATCH_HEADER_KEY_MAX);
        if (!h->value && h->value_len)
            return rill_err(RILL_EINVAL, "message %zu: header '%s' value is "
                            "NULL with length %zu", index, h->key,
                            h->value_len);
        if (h->value_len > RILL_RECORD_BYTES_MAX)
            return rill_err(RILL_ETOOBIG, "message %zu: header '%s' is over "
                            "the largest record size", index, h->key);
        total += kl + h->value_len;
        if (total > RILL_RECORD_BYTES_MAX)
            return rill_err(RILL_ETOOBIG, "message %zu: over the largest "
                            "record size of %u bytes", index,
                            RILL_RECORD_BYTES_MAX);
    }
    return 0;
}

/* ---- the leader's transaction ---- */

int resolve_topic(rill_env *e, MDB_txn *txn, txn_topics *tt, const char *name,
                  const topic_meta **out)
{
    for (size_t i = 0; i < tt->n; i++)
        if (strcmp(tt->t[i].name, name) == 0) {
            *out = &tt->t[i];
            return 0;
        }
    topic_meta *slot = &tt->t[tt->n < TXN_TOPICS ? tt->n++ : TXN_TOPICS - 1];
    int rc = topic_get(e, txn, name, slot);
    *out = slot;
    return rc;
}

int produce_resolve(rill *r, MDB_txn *txn, txn_topics *tt,
                    const rill_message *msgs, size_t n, int32_t *parts)
{
    for (size_t i = 0; i < n; i++) {
        const rill_message *m = &msgs[i];
        const topic_meta *t;
        int rc = resolve_topic(&r->env, txn, tt, m->topic, &t);
        if (rc)
            return n > 1 ? rill_err_wrap(rc, "message %zu", i) : rc;
        int32_t count = t->cfg.partitions;
        if (m->partition >= count)
            return rill_err(RILL_ENOTFOUND, "message %zu: topic '%s' has %d "
                            "partitions; partition %d requested", i, m->topic,
                            count, m->partition);
        if (!m->key && (t->cfg.cleanup_policy & RILL_CLEANUP_COMPACT))
            return rill_err(RILL_EINVAL, "message %zu: topic '%s' is "
                            "compacted; its records need a key", i, m->topic);
        size_t size = record_size(m);
        if (size > t->cfg.max_record_bytes)
            return rill_err(RILL_ETOOBIG, "message %zu: record of %zu bytes is "
                            "over topic '%s' max_record_bytes of %u", i, size,
                            m->topic, t->cfg.max_record_bytes);
        if (m->partition != RILL_PARTITION_ANY)
            parts[i] = m->partition;
        else if (m->key)
            parts[i] = partition_for_key(t->cfg.partitioner, m->key,
                                         m->key_len, count);
        else
            parts[i] = sticky_partition(r, t, size);
    }
    return 0;
}

static int slot_cmp(const void *a, const void *b)
{
    const produce_slot *x = a, *y = b;
    int c = strcmp(x->m->topic, y->m->topic);
    if (c)
        return c;
    if (x->partition != y->partition)
        return x->partition < y->partition ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

typedef struct group_txn {
    rill *r;
    produce_req *reqs;
    size_t nslots;
    produce_slot *slots;
    write_due *due; /* partitions whose retention is due after it */
} group_txn;

int produce_append(rill *r, MDB_cursor *cur, const topic_meta *t,
                   produce_slot *s, size_t n, int64_t now, rill_buf *enc,
                   void *cctx)
{
    log_part p = {t->name, t->id, s[0].partition};
    int64_t next, bytes;
    int rc = log_tail(&r->env, cur, &p, &next, &bytes);
    if (rc)
        return rc;
    size_t i = 0;
    while (i < n) {
        batch_builder bb;
        enc->len = 0;
        int64_t ts0 = message_timestamp(s[i].m, now);
        if ((rc = batch_begin(&bb, enc, ts0)))
            return rc;
        size_t start = i;
        do {
            const rill_message *m = s[i].m;
            int64_t ts = message_timestamp(m, now);
            rc = batch_add(&bb, (uint32_t)(i - start), ts, m->key, m->key_len,
                           m->value, m->value_len, m->headers,
                           m->header_count);
            if (rc)
                return rc;
            if (s[i].out) {
                s[i].out->partition = p.partition;
                s[i].out->offset = next + (int64_t)(i - start);
                s[i].out->timestamp_ms = ts;
            }
            i++;
        } while (i < n && batch_raw_size(&bb) < BATCH_TARGET_BYTES);
        rc = batch_finish(&bb, t->cfg.compression, t->cfg.compression_level,
                          cctx, 0);
        if (!rc)
            rc = log_append(&r->env, cur, &p, next, bytes, enc->data,
                            enc->len);
        if (rc)
            return rc;
        next += (int64_t)(i - start);
        bytes += (int64_t)enc->len;
    }
    return 0;
}

/* The leader's transaction: one LMDB write transaction for every request
 * it took. First each request is answered from the producer table
 * (idempotent resends) or resolved (topic, partition, size); a request
 * that fails there gets its own error and adds nothing. The rest become
 * slots, sorted by topic, partition and queue order when they are not
 * already, and each partition's run of slots is appended as batches,
 * which fills every caller's positions. Idempotent requests then record
 * their positions. env_write redoes the whole function after growing the
 * map, so it depends only on the requests and the transaction. */
static int group_txn_run(MDB_txn *txn, void *arg)
{
    group_txn *g = arg;
    rill *r = g->r;
    txn_topics tt = {.n = 0};
    size_t ns = 0;
    int rc;

    g->due->n = 0;
    for (produce_req *q = g->reqs; q; q = q->next) {
        q->duplicate = false;
        q->rc = 0;
        if (q->producer_id)
            q->rc = dedup_check(&r->env, txn, q->producer_id, q->sequence,
                                q->n, q->out, &q->duplicate);
        if (!q->rc && !q->duplicate)
            q->rc = produce_resolve(r, txn, &tt, q->msgs, q->n, q->parts);
        if (q->rc) {
            snprintf(q->errmsg, sizeof q->errmsg, "%s", rill_errmsg());
            continue;
        }
        if (q->duplicate)
            continue;
        for (size_t i = 0; i < q->n; i++, ns++)
            g->slots[ns] = (produce_slot){&q->msgs[i],
                                          q->out ? &q->out[i] : NULL,
                                          q->parts[i], (uint32_t)ns};
    }
    if (ns == 0)
        return 0;
    /* Most groups are already in partition order (one partition, or one
     * request in order): sort only when they are not. */
    for (size_t i = 1; i < ns; i++)
        if (slot_cmp(&g->slots[i - 1], &g->slots[i]) > 0) {
            qsort(g->slots, ns, sizeof *g->slots, slot_cmp);
            break;
        }

    MDB_cursor *cur;
    if ((rc = mdb_cursor_open(txn, r->env.db_log, &cur)))
        return env_mdb_err(&r->env, rc, "opening a log cursor");
    int64_t now = env_now_ms(&r->env);
    size_t i = 0;
    while (i < ns && !rc) {
        size_t j = i + 1;
        while (j < ns && g->slots[j].partition == g->slots[i].partition &&
               strcmp(g->slots[j].m->topic, g->slots[i].m->topic) == 0)
            j++;
        const topic_meta *t;
        rc = resolve_topic(&r->env, txn, &tt, g->slots[i].m->topic, &t);
        if (!rc)
            rc = produce_append(r, cur, t, &g->slots[i], j - i, now,
                                &r->pq->enc, r->pq->cctx);
        if (!rc) {
            size_t bytes = 0;
            for (size_t k = i; k < j; k++)
                bytes += record_size(g->slots[k].m) + 16;
            note_write(r, t, g->slots[i].partition, bytes, g->due);
        }
        i = j;
    }
    mdb_cursor_close(cur);
    /* Idempotent requests remember their positions. */
    for (produce_req *q = g->reqs; q && !rc; q = q->next)
        if (q->producer_id && !q->rc && !q->duplicate)
            rc = dedup_record(&r->env, txn, q->producer_id, q->sequence,
                              q->out, q->n, now);
    return rc;
}

/* Writes the requests in one transaction; if that fails as a whole,
 * each on its own, so that one request's failure is its alone. */
static void leader_write(rill *r, produce_req *reqs, size_t nmsgs,
                         write_due *due)
{
    group_txn g = {r, reqs, nmsgs, NULL, due};
    bool any_written = false;
    g.slots = malloc((nmsgs ? nmsgs : 1) * sizeof *g.slots);
    int rc = g.slots ? 0 : rill_err(RILL_ENOMEM, "out of memory");
    if (!rc)
        rc = env_write(&r->env, group_txn_run, &g);
    if (!rc) {
        any_written = true;
    } else if (g.slots && reqs->next) {
        for (produce_req *q = reqs; q; q = q->next) {
            produce_req *next = q->next;
            q->next = NULL;
            q->errmsg[0] = '\0';
            g.reqs = q;
            int qrc = env_write(&r->env, group_txn_run, &g);
            if (qrc) {
                q->rc = qrc;
                snprintf(q->errmsg, sizeof q->errmsg, "%s", rill_errmsg());
            }
            any_written |= q->rc == 0;
            q->next = next;
        }
    } else {
        for (produce_req *q = reqs; q; q = q->next) {
            q->rc = rc;
            snprintf(q->errmsg, sizeof q->errmsg, "%s", rill_errmsg());
        }
    }
    free(g.slots);
    if (any_written)
        notify_post(&r->nt);
    else
        due->n = 0;
}

/* Whether q may join a group that starts at first: two requests of one
 * idempotent producer never share a transaction (the second must see the
 * first's sequence). */
static bool may_join(const produce_req *first, const produce_req *q)
{
    if (!q->producer_id)
        return true;
    for (const produce_req *g = first; g != q; g = g->next)
        if (g->producer_id && strcmp(g->producer_id, q->producer_id) == 0)
            return false;
    return true;
}

/* Waits (lock held) up to GATHER_MAX_US for as many requests as the last
 * group had, when durable commits make it worth it. */
static void gather(produce_queue *pq)
{
    if (!pq->gather || pq->queued >= pq->last_group)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_nsec += GATHER_MAX_US * 1000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    while (pq->queued < pq->last_group &&
           pthread_cond_timedwait(&pq->arrivals, &pq->lock, &ts) == 0)
        ;
}

/* Queues the chain and waits until its last request is done. A caller
 * that finds no leader becomes one: it takes the queue's head (up to
 * GROUP_MAX_MESSAGES, never two requests of one idempotent producer),
 * writes it in one transaction outside the queue's lock, marks each
 * request done and wakes the waiters, then runs the retention the commit
 * made due through the after_write hook, after releasing them. It leads
 * again while its own requests are still queued, so no caller waits for
 * a leader that never comes. */
void produce_submit_chain(rill *r, produce_req *first, produce_req *last)
{
    produce_queue *pq = r->pq;
    write_due due = {.n = 0};
    size_t chain = 1;
    for (produce_req *q = first; q != last; q = q->next)
        chain++;
    pthread_mutex_lock(&pq->lock);
    if (pq->tail)
        pq->tail->next = first;
    else
        pq->head = first;
    pq->tail = last;
    pq->queued += chain;
    if (pq->leader_active)
        pthread_cond_signal(&pq->arrivals);
    while (!last->done) {
        if (pq->leader_active) {
            pthread_cond_wait(&pq->cond, &pq->lock);
            continue;
        }
        /* Lead: take requests up to the group's size limit. */
        pq->leader_active = true;
        gather(pq);
        produce_req *group = pq->head, *end = group;
        size_t nmsgs = group->n, nreqs = 1;
        while (end->next && nmsgs + end->next->n <= GROUP_MAX_MESSAGES &&
               may_join(group, end->next)) {
            end = end->next;
            nmsgs += end->n;
            nreqs++;
        }
        pq->queued -= nreqs;
        pq->last_group = nreqs;
        pq->head = end->next;
        if (!pq->head)
            pq->tail = NULL;
        end->next = NULL;
        pthread_mutex_unlock(&pq->lock);

        leader_write(r, group, nmsgs, &due);

        pthread_mutex_lock(&pq->lock);
        for (produce_req *g = group; g; g = g->next)
            g->done = true;
        pq->leader_active = false;
        pthread_cond_broadcast(&pq->cond);
        if (due.n) {
            /* Retention runs after the others were released. */
            pthread_mutex_unlock(&pq->lock);
            r->after_write(r, &due);
            due.n = 0;
            pthread_mutex_lock(&pq->lock);
        }
    }
    pthread_mutex_unlock(&pq->lock);
}

/* Queues one request, waits, and reports its outcome. */
static int produce_submit(rill *r, produce_req *q)
{
    produce_submit_chain(r, q, q);
    if (q->rc)
        return rill_err(q->rc, "%s", q->errmsg);
    return 0;
}

int produce_queue_new(produce_queue **out, bool durable)
{
    produce_queue *q = calloc(1, sizeof *q);
    if (!q)
        return rill_err(RILL_ENOMEM, "out of memory");
    pthread_mutex_init(&q->lock, NULL);
    pthread_mutex_init(&q->part_lock, NULL);
    pthread_cond_init(&q->cond, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->arrivals, &ca);
    pthread_condattr_destroy(&ca);
    q->gather = durable;
    q->rng = (uint64_t)rill_monotonic_us() ^ ((uint64_t)getpid() << 32) ^
             (uint64_t)(uintptr_t)q;
    if (!q->rng)
        q->rng = 0x9e3779b97f4a7c15ULL;
    q->cctx = ZSTD_createCCtx();
    if (!q->cctx) {
        produce_queue_destroy(q);
        return rill_err(RILL_ENOMEM, "out of memory creating a zstd context");
    }
    *out = q;
    return 0;
}

void produce_queue_destroy(produce_queue *q)
{
    if (!q)
        return;
    pthread_mutex_destroy(&q->lock);
    pthread_mutex_destroy(&q->part_lock);
    pthread_cond_destroy(&q->cond);
    pthread_cond_destroy(&q->arrivals);
    buf_free(&q->enc);
    ZSTD_freeCCtx(q->cctx);
    free(q->sticky);
    free(q);
}

RILL_API int rill_produce_batch(rill *r, const rill_message *m, size_t n,
                                rill_position *out)
{
    int32_t one;
    int rc = rill_enter(r);
    if (rc)
        return rc;
    if (!m || n == 0)
        return rill_err(RILL_EINVAL, "no messages (m is NULL or n is 0)");
    if ((rc = env_user_txn_check(&r->env)))
        return rc;
    if (n > UINT32_MAX)
        return rill_err(RILL_EINVAL, "%zu messages in one call; at most %u",
                        n, UINT32_MAX);
    for (size_t i = 0; i < n; i++)
        if ((rc = produce_validate(&m[i], i)))
            return rc;
    produce_req q = {.msgs = m, .n = n, .out = out};
    q.parts = n == 1 ? &one : malloc(n * sizeof *q.parts);
    if (!q.parts)
        return rill_err(RILL_ENOMEM, "out of memory");
    rc = produce_submit(r, &q);
    if (q.parts != &one)
        free(q.parts);
    return rc;
}

RILL_API int rill_produce_idempotent(rill *r, const char *producer_id,
                                     uint64_t sequence, const rill_message *m,
                                     size_t n, rill_position *out)
{
    int rc = rill_enter(r);
    if (rc)
        return rc;
    if (!producer_id || !*producer_id || strlen(producer_id) > DEDUP_ID_MAX)
        return rill_err(RILL_EINVAL, "producer_id must be 1..%d bytes",
                        DEDUP_ID_MAX);
    if (!m || n == 0 || n > UINT32_MAX)
        return rill_err(RILL_EINVAL, "no messages (m is NULL or n is 0)");
    if ((rc = env_user_txn_check(&r->env)))
        return rc;
    for (size_t i = 0; i < n; i++)
        if ((rc = produce_validate(&m[i], i)))
            return rc;
    produce_req q = {.msgs = m, .n = n, .producer_id = producer_id,
                     .sequence = sequence};
    q.parts = malloc(n * sizeof *q.parts);
    /* The positions are recorded even when the caller does not want them. */
    q.out = out ? out : malloc(n * sizeof *q.out);
    if (q.parts && q.out)
        rc = produce_submit(r, &q);
    else
        rc = rill_err(RILL_ENOMEM, "out of memory");
    free(q.parts);
    if (q.out != out)
        free(q.out);
    return rc;
}

RILL_API int rill_produce(rill *r, const rill_message *m, rill_position *out)
{
    if (!m)
        return rill_err(RILL_EINVAL, "message is NULL");
    return rill_produce_batch(r, m, 1, out);
}
