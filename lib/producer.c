/*
 * producer.c -- the asynchronous batching producer.
 *
 * rill_producer_send copies a message into the producer's memory and
 * queues it. The producer's writer thread waits up to linger_ms (or until
 * batch_max_bytes are queued, or a flush asks), then hands the whole batch
 * to the group-committing writer of produce.c as one request per message:
 * one transaction, one fsync, and each message its own outcome. Outcomes
 * wait in the done list until the application calls rill_producer_poll or
 * rill_producer_flush, which run the delivery callbacks on its thread, in
 * the order the messages were sent.
 *
 * Memory: messages are copied into chunks; a chunk is freed once every
 * message in it was delivered. queue_max_messages bounds the messages
 * sent and not yet delivered, as librdkafka's queue.buffering.max.messages
 * does: an application that never polls fills it (RILL_EQUEUEFULL).
 */
#include "common.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "error.h"
#include "produce.h"
#include "producer.h"

#define PRODUCER_MAGIC 0x5250524fu /* "RPRO" */
#define CHUNK_BYTES (256 * 1024)

typedef struct pchunk {
    struct pchunk *next;
    size_t used, cap;
    size_t live; /* messages in it not yet delivered */
    _Alignas(max_align_t) char data[];
} pchunk;

typedef struct pentry {
    struct pentry *next;
    pchunk *chunk;
    rill_message m; /* points into the entry's own bytes */
    rill_delivery_cb cb;
    void *opaque;
    size_t bytes;
    int32_t part;
    rill_position pos;
    int err;
    char *errmsg; /* only when err */
} pentry;

typedef struct plist {
    pentry *head, *tail;
    size_t count;
} plist;

struct rill_producer {
    uint32_t magic;
    rill *r;
    rill_producer_options o;
    struct rill_producer *next; /* in the handle's list */

    pthread_mutex_t lock;
    pthread_cond_t wake_writer;
    pthread_cond_t delivered; /* done list grew, or space freed */
    plist pending, done;
    size_t pending_bytes;
    int64_t oldest_us; /* when the oldest pending message was sent */
    size_t outstanding; /* sent, not yet delivered to the application */
    int flushing;
    bool stop;
    pchunk *chunks, *chunk_tail;

    pthread_mutex_t serve_lock; /* one thread runs callbacks at a time */
    pthread_t writer;
    bool writer_started;

    /* The writer's own, reused for every batch. */
    produce_req *reqs;
    size_t reqs_cap;
};

static _Thread_local const rill_producer *serving;

RILL_API void rill_producer_options_init(rill_producer_options *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof *o);
    o->struct_size = sizeof *o;
    o->linger_ms = 5;
    o->batch_max_bytes = 1024 * 1024;
    o->queue_max_messages = 100000;
}

/* ---- copying messages in ---- */

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

/* Bytes an entry takes: the struct, header array, then all the strings
 * and bytes of the message. */
static size_t entry_size(const rill_message *m)
{
    size_t s = align8(sizeof(pentry)) +
               align8(m->header_count * sizeof(rill_header)) +
               strlen(m->topic) + 1 + m->key_len + m->value_len;
    for (size_t i = 0; i < m->header_count; i++)
        s += strlen(m->headers[i].key) + 1 + m->headers[i].value_len;
    return align8(s);
}

/* Space for one entry from the tail chunk (or a new one). Lock held. */
static pentry *entry_alloc(rill_producer *p, size_t size)
{
    pchunk *c = p->chunk_tail;
    if (!c || c->cap - c->used < size) {
        size_t cap = size > CHUNK_BYTES ? size : CHUNK_BYTES;
        if (!(c = malloc(sizeof *c + cap)))
            return NULL;
        c->next = NULL;
        c->used = 0;
        c->cap = cap;
        c->live = 0;
        if (p->chunk_tail)
            p->chunk_tail->next = c;
        else
            p->chunks = c;
        p->chunk_tail = c;
    }
    pentry *e = (pentry *)(c->data + c->used);
    c->used += size;
    c->live++;
    e->chunk = c;
    return e;
}

static char *copy_bytes(char **at, const void *src, size_t n)
{
    char *d = *at;
    if (n)
        memcpy(d, src, n);
    *at += n;
    return d;
}

static void entry_fill(pentry *e, const rill_message *m)
{
    char *at = (char *)e + align8(sizeof *e);
    rill_header *hs = (rill_header *)at;
    at += align8(m->header_count * sizeof *hs);
    e->next = NULL;
    e->m = *m;
    e->m.topic = copy_bytes(&at, m->topic, strlen(m->topic) + 1);
    e->m.key = m->key ? copy_bytes(&at, m->key, m->key_len) : NULL;
    e->m.value = m->value ? copy_bytes(&at, m->value, m->value_len) : NULL;
    for (size_t i = 0; i < m->header_count; i++) {
        hs[i].key = copy_bytes(&at, m->headers[i].key,
                               strlen(m->headers[i].key) + 1);
        hs[i].value = m->headers[i].value
                          ? copy_bytes(&at, m->headers[i].value,
                                       m->headers[i].value_len)
                          : NULL; /* NULL stays NULL, as in Kafka */
        hs[i].value_len = m->headers[i].value_len;
    }
    e->m.headers = m->header_count ? hs : NULL;
    e->err = 0;
    e->errmsg = NULL;
    e->bytes = m->key_len + m->value_len + 64;
}

static void list_push(plist *l, pentry *e)
{
    e->next = NULL;
    if (l->tail)
        l->tail->next = e;
    else
        l->head = e;
    l->tail = e;
    l->count++;
}

RILL_API int rill_producer_send(rill_producer *p, const rill_message *m,
                                rill_delivery_cb cb, void *opaque)
{
    if (!p || p->magic != PRODUCER_MAGIC)
        return rill_err(RILL_EINVAL, "not a producer handle");
    int rc = rill_enter(p->r);
    if (rc)
        return rc;
    if (!m)
        return rill_err(RILL_EINVAL, "message is NULL");
    if ((rc = produce_validate(m, 0)))
        return rc;
    size_t size = entry_size(m);
    pthread_mutex_lock(&p->lock);
    if (p->stop) {
        pthread_mutex_unlock(&p->lock);
        return rill_err(RILL_ECLOSED, "the producer is being closed");
    }
    if (p->outstanding >= p->o.queue_max_messages) {
        pthread_mutex_unlock(&p->lock);
        return rill_err(RILL_EQUEUEFULL, "%zu messages are queued or await "
                        "delivery (queue_max_messages); call "
                        "rill_producer_poll to serve deliveries",
                        p->outstanding);
    }
    pentry *e = entry_alloc(p, size);
    if (!e) {
        pthread_mutex_unlock(&p->lock);
        return rill_err(RILL_ENOMEM, "out of memory queueing a message");
    }
    entry_fill(e, m);
    e->cb = cb;
    e->opaque = opaque;
    bool was_empty = p->pending.count == 0;
    if (was_empty)
        p->oldest_us = rill_monotonic_us();
    list_push(&p->pending, e);
    p->pending_bytes += e->bytes;
    p->outstanding++;
    if (was_empty || p->pending_bytes >= p->o.batch_max_bytes)
        pthread_cond_signal(&p->wake_writer);
    pthread_mutex_unlock(&p->lock);
    return 0;
}

/* ---- the writer thread ---- */

static void deadline_after_us(struct timespec *ts, int64_t us)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    int64_t ns = ts->tv_nsec + us * 1000;
    ts->tv_sec += ns / 1000000000;
    ts->tv_nsec = ns % 1000000000;
}

/* Takes the next batch off the pending list. Lock held. */
static pentry *take_batch(rill_producer *p, size_t *count)
{
    pentry *first = p->pending.head, *e = first, *last = first;
    size_t bytes = 0, n = 0;
    while (e && (n == 0 || bytes + e->bytes <= p->o.batch_max_bytes)) {
        bytes += e->bytes;
        last = e;
        e = e->next;
        n++;
    }
    p->pending.head = e;
    if (!e)
        p->pending.tail = NULL;
    p->pending.count -= n;
    p->pending_bytes -= bytes;
    if (e)
        p->oldest_us = rill_monotonic_us();
    last->next = NULL;
    *count = n;
    return first;
}

/* Writes a batch through the group-committing writer: one request per
 * message, so each gets its own outcome. */
static void write_batch(rill_producer *p, pentry *batch, size_t n)
{
    if (n > p->reqs_cap) {
        produce_req *q = realloc(p->reqs, n * sizeof *q);
        if (!q) {
            for (pentry *e = batch; e; e = e->next) {
                e->err = RILL_ENOMEM;
                e->errmsg = NULL;
            }
            return;
        }
        p->reqs = q;
        p->reqs_cap = n;
    }
    size_t i = 0;
    for (pentry *e = batch; e; e = e->next, i++) {
        p->reqs[i] = (produce_req){.msgs = &e->m, .n = 1, .out = &e->pos,
                                   .parts = &e->part};
        p->reqs[i].next = e->next ? &p->reqs[i + 1] : NULL;
    }
    produce_submit_chain(p->r, &p->reqs[0], &p->reqs[n - 1]);
    i = 0;
    for (pentry *e = batch; e; e = e->next, i++) {
        e->err = p->reqs[i].rc;
        if (e->err)
            e->errmsg = rill_strdup(p->reqs[i].errmsg);
    }
}

static void *writer_main(void *arg)
{
    rill_producer *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->stop && p->pending.count == 0)
            pthread_cond_wait(&p->wake_writer, &p->lock);
        if (p->pending.count == 0)
            break; /* stopping, nothing left */
        /* Linger, unless the batch is full, a flush waits, or stopping. */
        while (!p->stop && !p->flushing &&
               p->pending_bytes < p->o.batch_max_bytes) {
            int64_t left = p->oldest_us + (int64_t)p->o.linger_ms * 1000 -
                           rill_monotonic_us();
            if (left <= 0)
                break;
            struct timespec ts;
            deadline_after_us(&ts, left);
            pthread_cond_timedwait(&p->wake_writer, &p->lock, &ts);
        }
        size_t n;
        pentry *batch = take_batch(p, &n);
        pthread_mutex_unlock(&p->lock);

        write_batch(p, batch, n);

        pthread_mutex_lock(&p->lock);
        for (pentry *e = batch, *next; e; e = next) {
            next = e->next;
            list_push(&p->done, e);
        }
        pthread_cond_broadcast(&p->delivered);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* ---- serving deliveries on the application's thread ---- */

/* Frees the chunks at the head whose messages were all delivered. */
static void chunks_trim(rill_producer *p)
{
    while (p->chunks && p->chunks->live == 0 && p->chunks != p->chunk_tail) {
        pchunk *c = p->chunks;
        p->chunks = c->next;
        free(c);
    }
    if (p->chunks && p->chunks->live == 0) { /* the tail, now empty */
        p->chunks->used = 0;
    }
}

/* Runs the callbacks of everything delivered, waiting up to timeout_ms
 * (-1 forever) for a first one while messages are outstanding. Returns
 * how many it served. */
static int serve(rill_producer *p, int timeout_ms)
{
    pthread_mutex_lock(&p->serve_lock);
    pthread_mutex_lock(&p->lock);
    if (timeout_ms != 0 && p->done.count == 0 && p->outstanding > 0) {
        struct timespec ts;
        if (timeout_ms > 0)
            deadline_after_us(&ts, (int64_t)timeout_ms * 1000);
        while (p->done.count == 0 && p->outstanding > 0) {
            if (timeout_ms < 0)
                pthread_cond_wait(&p->delivered, &p->lock);
            else if (pthread_cond_timedwait(&p->delivered, &p->lock, &ts))
                break;
        }
    }
    plist done = p->done;
    p->done = (plist){0};
    pthread_mutex_unlock(&p->lock);

    serving = p;
    for (pentry *e = done.head; e; e = e->next) {
        if (!e->cb)
            continue;
        if (e->err)
            rill_err(e->err, "%s", e->errmsg ? e->errmsg : "");
        e->cb(e->opaque, e->err, &e->m, e->err ? NULL : &e->pos);
    }
    serving = NULL;

    pthread_mutex_lock(&p->lock);
    for (pentry *e = done.head, *next; e; e = next) {
        next = e->next;
        free(e->errmsg);
        e->chunk->live--;
    }
    p->outstanding -= done.count;
    chunks_trim(p);
    pthread_cond_broadcast(&p->delivered);
    pthread_mutex_unlock(&p->lock);
    pthread_mutex_unlock(&p->serve_lock);
    return (int)done.count;
}

static int producer_enter(rill_producer *p)
{
    if (!p || p->magic != PRODUCER_MAGIC)
        return rill_err(RILL_EINVAL, "not a producer handle");
    if (serving == p)
        return rill_err(RILL_ESTATE, "cannot poll or flush the producer "
                        "from its own delivery callback");
    return 0;
}

RILL_API int rill_producer_poll(rill_producer *p, int timeout_ms)
{
    int rc = producer_enter(p);
    if (rc)
        return rc;
    if (timeout_ms < -1)
        return rill_err(RILL_EINVAL, "timeout_ms %d is invalid", timeout_ms);
    return serve(p, timeout_ms);
}

RILL_API int rill_producer_flush(rill_producer *p, int timeout_ms)
{
    int rc = producer_enter(p);
    if (rc)
        return rc;
    if (timeout_ms < -1)
        return rill_err(RILL_EINVAL, "timeout_ms %d is invalid", timeout_ms);
    int64_t deadline = rill_monotonic_ms() + timeout_ms;
    pthread_mutex_lock(&p->lock);
    p->flushing++;
    pthread_cond_signal(&p->wake_writer);
    pthread_mutex_unlock(&p->lock);
    for (;;) {
        pthread_mutex_lock(&p->lock);
        size_t left = p->outstanding;
        pthread_mutex_unlock(&p->lock);
        if (left == 0)
            break;
        int wait = -1;
        if (timeout_ms >= 0) {
            int64_t ms = deadline - rill_monotonic_ms();
            if (ms <= 0) {
                rc = rill_err(RILL_ETIMEDOUT, "%zu messages still "
                              "outstanding after %d ms", left, timeout_ms);
                break;
            }
            wait = (int)ms;
        }
        serve(p, wait);
    }
    pthread_mutex_lock(&p->lock);
    p->flushing--;
    pthread_mutex_unlock(&p->lock);
    return rc;
}

RILL_API size_t rill_producer_outstanding(rill_producer *p)
{
    if (!p || p->magic != PRODUCER_MAGIC)
        return 0;
    pthread_mutex_lock(&p->lock);
    size_t n = p->outstanding;
    pthread_mutex_unlock(&p->lock);
    return n;
}

/* ---- life ---- */

RILL_API int rill_producer_new(rill_producer **out, rill *r,
                               const rill_producer_options *o)
{
    rill_producer_options d;
    if (!out)
        return rill_err(RILL_EINVAL, "out is NULL");
    *out = NULL;
    int rc = rill_enter(r);
    if (rc)
        return rc;
    if (r->env.read_only)
        return rill_err(RILL_EPERM, "'%s' was opened read-only", r->env.path);
    rill_producer_options_init(&d);
    rill_producer_options given = d;
    if (o && (rc = options_adopt(&given, sizeof given, o,
                                 "rill_producer_options")))
        return rc;
    o = &given;
    if (o->linger_ms > 60000)
        return rill_err(RILL_EINVAL, "linger_ms %u is over 60000",
                        o->linger_ms);
    rill_producer *p = calloc(1, sizeof *p);
    if (!p)
        return rill_err(RILL_ENOMEM, "out of memory");
    p->magic = PRODUCER_MAGIC;
    p->r = r;
    p->o = *o;
    if (!p->o.batch_max_bytes)
        p->o.batch_max_bytes = d.batch_max_bytes;
    if (!p->o.queue_max_messages)
        p->o.queue_max_messages = d.queue_max_messages;
    pthread_mutex_init(&p->lock, NULL);
    pthread_mutex_init(&p->serve_lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->wake_writer, &ca);
    pthread_cond_init(&p->delivered, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&p->writer, NULL, writer_main, p) != 0) {
        rill_producer_close(p);
        return rill_err(RILL_ENOMEM, "cannot start the producer's writer "
                        "thread");
    }
    p->writer_started = true;
    pthread_mutex_lock(&r->clients_lock);
    p->next = r->producers;
    r->producers = p;
    pthread_mutex_unlock(&r->clients_lock);
    *out = p;
    return 0;
}

/* Flushes, stops the writer and frees p. The flush's outcome is what it
 * returns: 0, or the error that kept it from writing everything (a dead
 * environment); each message's own error went to its callback. */
RILL_API int rill_producer_close(rill_producer *p)
{
    int rc = 0;
    if (!p || p->magic != PRODUCER_MAGIC)
        return 0;
    if (serving == p)
        return rill_err(RILL_ESTATE, "cannot close a producer from its own "
                        "delivery callback");
    rill *r = p->r;
    if (r->env.fork_gen != env_fork_generation())
        return 0; /* a child's copy: its writer thread is the parent's */
    if (p->writer_started) {
        if ((rc = env_check(&r->env)) == 0)
            rc = rill_producer_flush(p, -1);
        pthread_mutex_lock(&p->lock);
        p->stop = true;
        pthread_cond_signal(&p->wake_writer);
        pthread_mutex_unlock(&p->lock);
        pthread_join(p->writer, NULL);
        serve(p, 0); /* whatever the writer finished last */
        pthread_mutex_lock(&r->clients_lock);
        for (rill_producer **q = &r->producers; *q; q = &(*q)->next)
            if (*q == p) {
                *q = p->next;
                break;
            }
        pthread_mutex_unlock(&r->clients_lock);
    }
    while (p->chunks) {
        pchunk *c = p->chunks;
        p->chunks = c->next;
        free(c);
    }
    free(p->reqs);
    pthread_mutex_destroy(&p->lock);
    pthread_mutex_destroy(&p->serve_lock);
    pthread_cond_destroy(&p->wake_writer);
    pthread_cond_destroy(&p->delivered);
    p->magic = 0;
    free(p);
    return rc;
}

void producers_close_all(rill *r)
{
    for (;;) {
        pthread_mutex_lock(&r->clients_lock);
        rill_producer *p = r->producers;
        pthread_mutex_unlock(&r->clients_lock);
        if (!p)
            break;
        rill_producer_close(p);
    }
}
