/*
 * subscribe.c -- a consumer's life in a group: joining, noticing dead and
 * stalled members, following its assignment (revoke, then acquire),
 * committing, leaving. Everything runs on the consumer's thread inside
 * rill_poll, rill_commit and rill_consumer_close; callbacks run between
 * transactions, never inside one.
 */
#include "subscribe.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "error.h"
#include "group.h"
#include "handle.h"
#include "topic.h"

static int64_t now_ms(rill_consumer *c)
{
    return env_now_ms(&c->r->env);
}

static void free_topics(group_membership *m)
{
    for (size_t i = 0; i < m->ntopics; i++)
        free(m->topics[i]);
    free(m->topics);
    m->topics = NULL;
    m->ntopics = 0;
}

static int join(rill_consumer *c)
{
    group_membership *m = c->member;
    int rc = 0;
    if (m->lock.fd < 0) {
        char id[MEMBER_ID_MAX];
        member_id_new(id, c->client_id);
        rc = member_lock_create(&m->lock, c->r->env.path, id,
                                c->r->env.file_mode, now_ms(c));
        if (rc)
            return rc;
    }
    group_join_info j = {m->lock.id, c->client_id, (int32_t)getpid(),
                         c->opts.session_timeout_ms,
                         c->opts.max_poll_interval_ms, c->opts.assignor,
                         now_ms(c), m->topics, m->ntopics};
    if ((rc = group_join(&c->r->env, c->group_id, &j)))
        return rc;
    m->joined = true;
    m->gen_seen = 0;
    m->pending = true;
    m->next_check_ms = now_ms(c);
    notify_post(&c->r->nt);
    return 0;
}

int group_subscribe(rill_consumer *c, const char *const *topics, size_t n)
{
    group_membership *m = c->member;
    if (!m) {
        if (!(m = calloc(1, sizeof *m)))
            return rill_err(RILL_ENOMEM, "out of memory");
        m->lock.fd = -1;
        c->member = m;
    }
    char **copy = calloc(n, sizeof *copy);
    if (!copy)
        return rill_err(RILL_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (!(copy[i] = rill_strdup(topics[i]))) {
            for (size_t j = 0; j < i; j++)
                free(copy[j]);
            free(copy);
            return rill_err(RILL_ENOMEM, "out of memory");
        }
    free_topics(m);
    m->topics = copy;
    m->ntopics = n;
    return join(c);
}

/* ---- callbacks ---- */

static void callback(rill_consumer *c, int kind, const rill_topic_partition *tps,
                     size_t n)
{
    if (!c->opts.on_rebalance || n == 0)
        return;
    c->member->in_callback = true;
    c->opts.on_rebalance(c->opts.opaque, c, kind, tps, n);
    c->member->in_callback = false;
}

/* The consumer's assignment as a partition list (topics interned). */
static rill_topic_partition *parts_list(rill_consumer *c)
{
    rill_topic_partition *tps = calloc(c->nparts ? c->nparts : 1, sizeof *tps);
    for (size_t i = 0; tps && i < c->nparts; i++)
        tps[i] = (rill_topic_partition){c->parts[i].topic,
                                        c->parts[i].partition,
                                        c->parts[i].position};
    return tps;
}

/* Our membership ended without us (session timeout, or removed while
 * stopped): report the partitions lost, drop them, join again. */
static int rejoin_after_loss(rill_consumer *c)
{
    group_membership *m = c->member;
    rill_topic_partition *tps = parts_list(c);
    if (!tps)
        return rill_err(RILL_ENOMEM, "out of memory");
    size_t n = c->nparts;
    callback(c, RILL_REBALANCE_LOST, tps, n);
    free(tps);
    consumer_set_assignment(c, NULL, 0, false);
    member_lock_release(&m->lock);
    m->joined = false;
    return join(c);
}

/* ---- committing ---- */

static int commit_txn(MDB_txn *txn, void *arg)
{
    void **a = arg;
    rill_consumer *c = a[0];
    const rill_topic_partition *tps = a[1];
    size_t n = *(size_t *)a[2];
    return group_commit_fenced(&c->r->env, txn, c->group_id,
                               consumer_member_id(c), tps, n, now_ms(c));
}

const char *consumer_member_id(const rill_consumer *c)
{
    return c->member && c->member->joined ? c->member->lock.id : NULL;
}

int group_commit_list(rill_consumer *c, const rill_topic_partition *tps,
                      size_t n)
{
    void *a[3] = {c, (void *)tps, &n};
    int rc = n ? env_write_reserved(&c->r->env, commit_txn, a) : 0;
    if (!rc)
        consumer_mark_committed(c, tps, n);
    return rc;
}

int group_commit_positions(rill_consumer *c, const rill_topic_partition *only,
                           size_t n)
{
    rill_topic_partition *tps = calloc(c->nparts ? c->nparts : 1, sizeof *tps);
    size_t k = 0;
    if (!tps)
        return rill_err(RILL_ENOMEM, "out of memory");
    for (size_t i = 0; i < c->nparts; i++) {
        const assigned *a = &c->parts[i];
        bool wanted = !only;
        for (size_t j = 0; j < n && !wanted; j++)
            wanted = only[j].partition == a->partition &&
                     strcmp(only[j].topic, a->topic) == 0;
        if (wanted && a->position >= 0 && a->position != a->committed)
            tps[k++] = (rill_topic_partition){a->topic, a->partition,
                                              a->position};
    }
    int rc = group_commit_list(c, tps, k);
    free(tps);
    return rc;
}

/* Auto-commit when its interval has passed (a fenced commit is dropped:
 * the next sync reports the partitions lost). */
static int autocommit_maybe(rill_consumer *c, int64_t now)
{
    if (!c->group_id || !c->opts.enable_auto_commit || now < c->next_commit_ms)
        return 0;
    c->next_commit_ms = now + c->opts.auto_commit_interval_ms;
    int rc = group_commit_positions(c, NULL, 0);
    return rc == RILL_EFENCED ? 0 : rc;
}

/* ---- checking the others ---- */

/* Removes members that died or stopped polling, and rebalances when a
 * subscribed topic's partitions changed. */
static int check_members(rill_consumer *c, int64_t now)
{
    rill_env *e = &c->r->env;
    MDB_txn *txn;
    gstate st;
    bool moved = false;
    char **dead = NULL;
    size_t ndead = 0;
    int rc = env_read_begin(e, &txn);
    if (rc)
        return rc;
    rc = gstate_load(e, txn, c->group_id, &st);
    if (!rc)
        rc = group_topics_changed(e, txn, &st, &moved);
    env_read_end(e, txn);
    if (rc) {
        gstate_free(&st);
        return rc;
    }
    if (st.nmembers && !(dead = calloc(st.nmembers, sizeof *dead)))
        rc = rill_err(RILL_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < st.nmembers; i++) {
        const gmember *gm = &st.members[i];
        int64_t hb;
        if (strcmp(gm->id, c->member->lock.id) == 0)
            continue;
        /* Its lock says whether its process lives; a live one that
         * stopped polling goes after its max_poll_interval_ms (KIP-62). */
        bool alive = member_probe(e->path, gm->id, &hb);
        if (!alive || (hb > 0 && now - hb > (int64_t)gm->poll_timeout_ms))
            dead[ndead++] = gm->id;
    }
    bool changed = false;
    if (!rc && (ndead || moved))
        rc = group_remove_and_rebalance(e, c->group_id, dead, ndead, moved,
                                        &changed);
    if (!rc && changed) {
        for (size_t i = 0; i < ndead; i++)
            member_remove_file(e->path, dead[i]);
        notify_post(&c->r->nt);
    }
    free(dead);
    gstate_free(&st);
    return rc;
}

/* ---- following the assignment ---- */

typedef struct plan {
    rill_topic_partition *revoke, *acquire;
    size_t nrevoke, nacquire;
    size_t ntarget;
    uint32_t generation;
    bool missing;
} plan;

/* Compares the group's target for us with what we hold. */
static int make_plan(rill_consumer *c, const gstate *st, plan *p)
{
    int me = gstate_find(st, c->member->lock.id);
    memset(p, 0, sizeof *p);
    p->generation = st->generation;
    if (me < 0) {
        p->missing = true;
        return 0;
    }
    const gmember *gm = &st->members[me];
    p->ntarget = gm->ntarget;
    p->revoke = calloc(c->nparts + 1, sizeof *p->revoke);
    p->acquire = calloc(gm->ntarget + 1, sizeof *p->acquire);
    if (!p->revoke || !p->acquire)
        return rill_err(RILL_ENOMEM, "out of memory");
    for (size_t i = 0; i < c->nparts; i++)
        if (!gtp_contains(gm->target, gm->ntarget, c->parts[i].topic,
                          c->parts[i].partition))
            p->revoke[p->nrevoke++] = (rill_topic_partition){
                c->parts[i].topic, c->parts[i].partition,
                c->parts[i].position};
    for (size_t i = 0; i < gm->ntarget; i++) {
        const gtp *t = &gm->target[i];
        bool have = false;
        for (size_t j = 0; j < c->nparts && !have; j++)
            have = c->parts[j].partition == t->partition &&
                   strcmp(c->parts[j].topic, t->topic) == 0;
        if (have || gstate_owner(st, t->topic, t->partition) >= 0)
            continue;
        const char *name = consumer_intern(c, t->topic);
        if (!name)
            return rill_err(RILL_ENOMEM, "out of memory");
        p->acquire[p->nacquire++] =
            (rill_topic_partition){name, t->partition, RILL_OFFSET_STORED};
    }
    return 0;
}

/* Gives up the revoked partitions: callback, final commit, release. */
static int do_revoke(rill_consumer *c, const plan *p, bool *missing)
{
    callback(c, RILL_REBALANCE_REVOKED, p->revoke, p->nrevoke);
    if (c->opts.enable_auto_commit) {
        int rc = group_commit_positions(c, p->revoke, p->nrevoke);
        if (rc && rc != RILL_EFENCED)
            return rc;
    }
    int rc = group_release(&c->r->env, c->group_id, c->member->lock.id,
                           p->revoke, p->nrevoke, missing);
    if (rc)
        return rc;
    /* Keep the rest. */
    rill_topic_partition *keep = calloc(c->nparts + 1, sizeof *keep);
    size_t k = 0;
    if (!keep)
        return rill_err(RILL_ENOMEM, "out of memory");
    for (size_t i = 0; i < c->nparts; i++) {
        bool gone = false;
        for (size_t j = 0; j < p->nrevoke && !gone; j++)
            gone = p->revoke[j].partition == c->parts[i].partition &&
                   strcmp(p->revoke[j].topic, c->parts[i].topic) == 0;
        if (!gone)
            keep[k++] = (rill_topic_partition){c->parts[i].topic,
                                               c->parts[i].partition,
                                               c->parts[i].position};
    }
    rc = consumer_set_assignment(c, keep, k, true);
    free(keep);
    notify_post(&c->r->nt); /* the new owners may be waiting */
    return rc;
}

/* Takes the partitions nobody owns any more. */
static int do_acquire(rill_consumer *c, const plan *p, bool *missing)
{
    bool *taken = calloc(p->nacquire, sizeof *taken);
    rill_topic_partition *all = calloc(c->nparts + p->nacquire, sizeof *all);
    int rc = taken && all ? 0 : rill_err(RILL_ENOMEM, "out of memory");
    if (!rc)
        rc = group_acquire(&c->r->env, c->group_id, c->member->lock.id,
                           p->acquire, p->nacquire, taken, missing);
    size_t n = 0, got = 0;
    if (!rc && !*missing) {
        for (size_t i = 0; i < c->nparts; i++)
            all[n++] = (rill_topic_partition){c->parts[i].topic,
                                              c->parts[i].partition,
                                              c->parts[i].position};
        for (size_t i = 0; i < p->nacquire; i++)
            if (taken[i]) {
                all[n++] = p->acquire[i];
                p->acquire[got++] = p->acquire[i]; /* compact to the taken */
            }
        rc = consumer_set_assignment(c, all, n, true);
    }
    free(taken);
    free(all);
    if (!rc && got)
        callback(c, RILL_REBALANCE_ASSIGNED, p->acquire, got);
    return rc;
}

/* Brings the consumer's assignment in line with its target in the
 * group record, in the two steps that keep every partition to one owner:
 * first revoke what left the target (callback, final commit, release in
 * the record), then acquire what the target gained and nobody owns any
 * more (then the callback). Cheap when nothing changed: only the record's
 * generation is read. If the member is no longer in the record (removed
 * while stopped), it reports its partitions lost and joins again. */
static int sync_assignment(rill_consumer *c)
{
    group_membership *m = c->member;
    rill_env *e = &c->r->env;
    MDB_txn *txn;
    gstate st;
    uint32_t gen;
    bool exists, missing = false;
    plan p = {0};
    int rc = env_read_begin(e, &txn);
    if (rc)
        return rc;
    rc = group_generation(e, txn, c->group_id, &gen, &exists);
    if (!rc && exists && gen == m->gen_seen && !m->pending) {
        env_read_end(e, txn);
        return 0;
    }
    if (!rc)
        rc = gstate_load(e, txn, c->group_id, &st);
    env_read_end(e, txn);
    if (rc)
        return rc;
    rc = make_plan(c, &st, &p);
    gstate_free(&st);
    if (!rc && p.missing)
        rc = rejoin_after_loss(c);
    else if (!rc) {
        if (p.nrevoke)
            rc = do_revoke(c, &p, &missing);
        if (!rc && !missing && p.nacquire)
            rc = do_acquire(c, &p, &missing);
        if (!rc && missing)
            rc = rejoin_after_loss(c);
        else if (!rc) {
            m->gen_seen = p.generation;
            m->pending = c->nparts != p.ntarget || p.nrevoke;
        }
    }
    free(p.revoke);
    free(p.acquire);
    return rc;
}

int group_poll_prepare(rill_consumer *c)
{
    group_membership *m = c->member;
    int64_t now = now_ms(c);
    int rc = 0;
    if (!m || !m->joined) /* assigned by hand, with a group for offsets */
        return autocommit_maybe(c, now);
    member_heartbeat(&m->lock, now);
    if (now >= m->next_check_ms || m->next_check_ms - now >
                                       2 * GROUP_CHECK_INTERVAL_MS) {
        m->next_check_ms = now + GROUP_CHECK_INTERVAL_MS;
        rc = check_members(c, now);
    }
    if (!rc)
        rc = sync_assignment(c);
    if (!rc)
        rc = autocommit_maybe(c, now);
    return rc;
}

int group_leave(rill_consumer *c)
{
    group_membership *m = c->member;
    int rc = 0;
    if (m && m->joined) {
        if (c->opts.enable_auto_commit) {
            rc = group_commit_positions(c, NULL, 0);
            if (rc == RILL_EFENCED)
                rc = 0;
        }
        rill_topic_partition *tps = parts_list(c);
        if (tps)
            callback(c, RILL_REBALANCE_REVOKED, tps, c->nparts);
        free(tps);
        int lrc = group_leave_member(&c->r->env, c->group_id, m->lock.id);
        if (!rc)
            rc = lrc;
        m->joined = false;
        consumer_set_assignment(c, NULL, 0, false);
        notify_post(&c->r->nt);
    }
    if (m) {
        member_lock_release(&m->lock);
        free_topics(m);
    }
    return rc;
}

/* ---- the public calls ---- */

RILL_API int rill_subscribe(rill_consumer *c, const char *const *topics,
                            size_t n)
{
    int rc = consumer_enter(c);
    if (rc)
        return rc;
    if (!c->group_id)
        return rill_err(RILL_EINVAL, "subscribing needs a group_id");
    if (!topics || n == 0)
        return rill_err(RILL_EINVAL, "no topics to subscribe to");
    if (!c->member && c->nparts)
        return rill_err(RILL_EINVAL, "the consumer has partitions assigned "
                        "by hand; it cannot also subscribe");
    if (c->member && c->member->in_callback)
        return rill_err(RILL_ESTATE, "cannot subscribe from a rebalance "
                        "callback");
    for (size_t i = 0; i < n; i++) {
        if ((rc = topic_name_validate(topics[i])))
            return rill_err_wrap(rc, "topic %zu", i);
        for (size_t j = 0; j < i; j++)
            if (strcmp(topics[i], topics[j]) == 0)
                return rill_err(RILL_EINVAL, "topic '%s' is listed twice",
                                topics[i]);
    }
    if (c->r->env.read_only)
        return rill_err(RILL_EPERM, "'%s' was opened read-only",
                        c->r->env.path);
    return group_subscribe(c, topics, n);
}

RILL_API int rill_unsubscribe(rill_consumer *c)
{
    int rc = consumer_enter(c);
    if (rc)
        return rc;
    if (!c->member || !c->member->joined)
        return rill_err(RILL_EINVAL, "the consumer is not subscribed");
    if (c->member->in_callback)
        return rill_err(RILL_ESTATE, "cannot unsubscribe from a rebalance "
                        "callback");
    rc = group_leave(c);
    free(c->member);
    c->member = NULL;
    return rc;
}

RILL_API const char *rill_consumer_member_id(rill_consumer *c)
{
    if (consumer_enter(c) || !c->member || !c->member->joined)
        return "";
    return c->member->lock.id;
}
