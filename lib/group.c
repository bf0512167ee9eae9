/*
 * group.c -- the group record, rebalancing, and a consumer's membership
 * (see group.h for the protocol).
 *
 * rill.groups maps a group name to its record: an 8-byte prefix (u8
 * version 1, three zero bytes, u32 generation) and a msgpack map:
 *
 *   assignor: int
 *   topics:   [name, partitions, topic id, ...]   what the last assignment saw
 *   members:  [{id, client, pid, timeout, poll_timeout, joined,
 *               topics: [name...],
 *               target: [name, partition, ...], owned: [name, partition, ...]}]
 *
 * Members are sorted by id. The generation grows at every rebalance: when
 * a member joins, leaves, dies or stops polling past its session timeout,
 * when a subscription changes, and when a subscribed topic's partition
 * count (or identity) changes.
 */
#include "group.h"

#include <stdio.h>
#include <stdlib.h>

#include "assign.h"
#include "error.h"
#include "mpread.h"
#include "mpwrite.h"
#include "handle.h"
#include "topic.h"

#define GSTATE_PREFIX 8

/* ---- the state and its pool of names ---- */

static const char *pool_intern(gstate *st, const char *s, size_t len)
{
    for (size_t i = 0; i < st->nnames; i++)
        if (strlen(st->names[i]) == len && memcmp(st->names[i], s, len) == 0)
            return st->names[i];
    char **p = realloc(st->names, (st->nnames + 1) * sizeof *p);
    if (!p)
        return NULL;
    st->names = p;
    char *copy = malloc(len + 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    return st->names[st->nnames++] = copy;
}

static void member_free(gmember *m)
{
    free(m->id);
    free(m->client);
    free(m->host);
    for (size_t i = 0; i < m->ntopics; i++)
        free(m->topics[i]);
    free(m->topics);
    free(m->target);
    free(m->owned);
    memset(m, 0, sizeof *m);
}

void gstate_free(gstate *st)
{
    for (size_t i = 0; i < st->nmembers; i++)
        member_free(&st->members[i]);
    free(st->members);
    free(st->topics);
    for (size_t i = 0; i < st->nnames; i++)
        free(st->names[i]);
    free(st->names);
    free(st->protocol);
    free(st->owner);
    free(st->ext_state);
    memset(st, 0, sizeof *st);
}

const char *gstate_intern(gstate *st, const char *s)
{
    return pool_intern(st, s, strlen(s));
}

static int member_cmp(const void *a, const void *b)
{
    return strcmp(((const gmember *)a)->id, ((const gmember *)b)->id);
}

void gstate_sort_members(gstate *st)
{
    if (st->nmembers > 1)
        qsort(st->members, st->nmembers, sizeof *st->members, member_cmp);
}

bool gstate_member_alive(const rill_env *e, const gstate *st, size_t i,
                         int64_t *last_poll_ms)
{
    int64_t hb = 0;
    bool alive = member_probe(e->path, st->external ? st->owner
                                                    : st->members[i].id,
                              &hb);
    if (last_poll_ms)
        *last_poll_ms = hb;
    return alive;
}

int gstate_find(const gstate *st, const char *member_id)
{
    for (size_t i = 0; i < st->nmembers; i++)
        if (strcmp(st->members[i].id, member_id) == 0)
            return (int)i;
    return -1;
}

bool gtp_contains(const gtp *list, size_t n, const char *topic, int32_t p)
{
    for (size_t i = 0; i < n; i++)
        if (list[i].partition == p && strcmp(list[i].topic, topic) == 0)
            return true;
    return false;
}

int gstate_owner(const gstate *st, const char *topic, int32_t partition)
{
    for (size_t i = 0; i < st->nmembers; i++)
        if (gtp_contains(st->members[i].owned, st->members[i].nowned, topic,
                  partition))
            return (int)i;
    return -1;
}

/* ---- encoding ---- */

static void pack_tps(msgpack_packer *pk, const gtp *tps, size_t n)
{
    msgpack_pack_array(pk, 2 * n);
    for (size_t i = 0; i < n; i++) {
        mpw_str(pk, tps[i].topic);
        msgpack_pack_int32(pk, tps[i].partition);
    }
}

/* An external group's record (prefix version 2): the coordinator's
 * protocol, owner and state, and each member's id, client, host and the
 * partitions it owns. */
static void encode_external(msgpack_packer *pk, const gstate *st)
{
    msgpack_pack_map(pk, 4);
    mpw_str(pk, "protocol");
    mpw_str(pk, st->protocol);
    mpw_str(pk, "owner");
    mpw_str(pk, st->owner);
    mpw_str(pk, "state");
    mpw_str(pk, st->ext_state);
    mpw_str(pk, "members");
    msgpack_pack_array(pk, st->nmembers);
    for (size_t i = 0; i < st->nmembers; i++) {
        const gmember *m = &st->members[i];
        msgpack_pack_map(pk, 5);
        mpw_str(pk, "id");
        mpw_str(pk, m->id);
        mpw_str(pk, "client");
        mpw_str(pk, m->client);
        mpw_str(pk, "host");
        mpw_str(pk, m->host ? m->host : "");
        mpw_str(pk, "pid");
        msgpack_pack_int32(pk, m->pid);
        mpw_str(pk, "owned");
        pack_tps(pk, m->owned, m->nowned);
    }
}

int gstate_encode(const gstate *st, rill_buf *out)
{
    uint8_t prefix[GSTATE_PREFIX] = {st->external ? 2 : 1, 0, 0, 0};
    put_be32(prefix + 4, st->generation);
    out->len = 0;
    if (buf_append(out, prefix, sizeof prefix))
        return RILL_ENOMEM;
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, buf_msgpack_write);
    if (st->external) {
        encode_external(&pk, st);
        return out->len > GSTATE_PREFIX ? 0
                                        : rill_err(RILL_ENOMEM, "out of memory");
    }
    msgpack_pack_map(&pk, 3);
    mpw_str(&pk, "assignor");
    msgpack_pack_int(&pk, st->assignor);
    mpw_str(&pk, "topics");
    msgpack_pack_array(&pk, 3 * st->ntopics);
    for (size_t i = 0; i < st->ntopics; i++) {
        mpw_str(&pk, st->topics[i].name);
        msgpack_pack_int32(&pk, st->topics[i].partitions);
        msgpack_pack_uint32(&pk, st->topics[i].tid);
    }
    mpw_str(&pk, "members");
    msgpack_pack_array(&pk, st->nmembers);
    for (size_t i = 0; i < st->nmembers; i++) {
        const gmember *m = &st->members[i];
        msgpack_pack_map(&pk, 9);
        mpw_str(&pk, "id");
        mpw_str(&pk, m->id);
        mpw_str(&pk, "client");
        mpw_str(&pk, m->client);
        mpw_str(&pk, "pid");
        msgpack_pack_int32(&pk, m->pid);
        mpw_str(&pk, "timeout");
        msgpack_pack_uint32(&pk, m->timeout_ms);
        mpw_str(&pk, "poll_timeout");
        msgpack_pack_uint32(&pk, m->poll_timeout_ms);
        mpw_str(&pk, "joined");
        msgpack_pack_int64(&pk, m->joined_ms);
        mpw_str(&pk, "topics");
        msgpack_pack_array(&pk, m->ntopics);
        for (size_t t = 0; t < m->ntopics; t++)
            mpw_str(&pk, m->topics[t]);
        mpw_str(&pk, "target");
        pack_tps(&pk, m->target, m->ntarget);
        mpw_str(&pk, "owned");
        pack_tps(&pk, m->owned, m->nowned);
    }
    return out->len > GSTATE_PREFIX ? 0
                                    : rill_err(RILL_ENOMEM, "out of memory");
}

/* ---- decoding (hostile input) ---- */

static const char *read_pooled(mpr *r, gstate *st)
{
    const uint8_t *p;
    uint32_t n;
    if (!mpr_str(r, &p, &n) || n > RILL_TOPIC_NAME_MAX || memchr(p, 0, n)) {
        mpr_fail(r);
        return NULL;
    }
    return pool_intern(st, (const char *)p, n);
}

static bool read_tps(mpr *r, gstate *st, gtp **out, size_t *n)
{
    uint32_t k;
    if (!mpr_array(r, &k) || k % 2)
        return mpr_fail(r);
    *out = malloc((k / 2 ? k / 2 : 1) * sizeof **out);
    if (!*out)
        return mpr_fail(r);
    for (uint32_t i = 0; i < k / 2; i++) {
        const char *t = read_pooled(r, st);
        if (!t || !mpr_i32(r, &(*out)[i].partition, 0, INT32_MAX))
            return mpr_fail(r);
        (*out)[i].topic = t;
        *n = i + 1;
    }
    return true;
}

static bool read_member(mpr *r, gstate *st, gmember *m)
{
    uint32_t n, k;
    uint64_t u;
    unsigned seen = 0; /* a field given twice is malformed */
    if (!mpr_map(r, &n))
        return false;
    for (uint32_t i = 0; i < n && r->ok; i++) {
        const uint8_t *key;
        uint32_t kl;
        unsigned bit = 0;
        if (!mpr_str(r, &key, &kl))
            return false;
        static const char *const fields[] = {
            "id",     "client", "pid",   "timeout",      "joined",
            "topics", "target", "owned", "poll_timeout", "host"};
        for (unsigned f = 0; f < 10; f++)
            if (mpr_key_is(key, kl, fields[f]))
                bit = 1u << f;
        if (bit & seen)
            return mpr_fail(r);
        seen |= bit;
        if (mpr_key_is(key, kl, "id"))
            m->id = mpr_strdup(r, MEMBER_ID_MAX - 1);
        else if (mpr_key_is(key, kl, "client"))
            m->client = mpr_strdup(r, 249);
        else if (mpr_key_is(key, kl, "host"))
            m->host = mpr_strdup(r, 255);
        else if (mpr_key_is(key, kl, "pid"))
            mpr_i32(r, &m->pid, 0, INT32_MAX);
        else if (mpr_key_is(key, kl, "timeout")) {
            if (mpr_uint(r, &u) && u <= UINT32_MAX)
                m->timeout_ms = (uint32_t)u;
            else
                mpr_fail(r);
        } else if (mpr_key_is(key, kl, "poll_timeout")) {
            if (mpr_uint(r, &u) && u <= UINT32_MAX)
                m->poll_timeout_ms = (uint32_t)u;
            else
                mpr_fail(r);
        } else if (mpr_key_is(key, kl, "joined"))
            mpr_int(r, &m->joined_ms);
        else if (mpr_key_is(key, kl, "topics")) {
            if (!mpr_array(r, &k))
                return false;
            m->topics = calloc(k ? k : 1, sizeof *m->topics);
            if (!m->topics)
                return mpr_fail(r);
            for (uint32_t t = 0; t < k; t++) {
                if (!(m->topics[t] = mpr_strdup(r, RILL_TOPIC_NAME_MAX)))
                    return mpr_fail(r);
                m->ntopics = t + 1;
            }
        } else if (mpr_key_is(key, kl, "target"))
            read_tps(r, st, &m->target, &m->ntarget);
        else if (mpr_key_is(key, kl, "owned"))
            read_tps(r, st, &m->owned, &m->nowned);
        else
            mpr_skip(r);
    }
    /* Records of rills without max_poll_interval_ms: the session timeout
     * was the limit between polls. */
    if (!m->poll_timeout_ms)
        m->poll_timeout_ms = m->timeout_ms;
    return r->ok && m->id && m->client;
}

int gstate_decode(gstate *st, const char *group, const void *data, size_t len)
{
    const uint8_t *d = data;
    mpr r;
    uint32_t n, k;
    memset(st, 0, sizeof *st);
    if (len < GSTATE_PREFIX || (d[0] != 1 && d[0] != 2))
        goto bad;
    st->external = d[0] == 2;
    st->generation = get_be32(d + 4);
    mpr_init(&r, d + GSTATE_PREFIX, len - GSTATE_PREFIX);
    if (!mpr_map(&r, &n))
        goto bad;
    for (uint32_t i = 0; i < n && r.ok; i++) {
        const uint8_t *key;
        uint32_t kl;
        if (!mpr_str(&r, &key, &kl))
            goto bad;
        if ((mpr_key_is(key, kl, "topics") && st->topics) ||
            (mpr_key_is(key, kl, "members") && st->members))
            goto bad; /* given twice */
        if (st->external && (mpr_key_is(key, kl, "protocol") ||
                             mpr_key_is(key, kl, "owner") ||
                             mpr_key_is(key, kl, "state"))) {
            char **f = mpr_key_is(key, kl, "protocol") ? &st->protocol
                       : mpr_key_is(key, kl, "owner")  ? &st->owner
                                                       : &st->ext_state;
            if (*f || !(*f = mpr_strdup(&r, MEMBER_ID_MAX - 1)))
                goto bad; /* given twice, or malformed */
        } else if (mpr_key_is(key, kl, "assignor")) {
            int32_t a;
            if (mpr_i32(&r, &a, RILL_ASSIGN_RANGE, RILL_ASSIGN_STICKY))
                st->assignor = a;
        } else if (mpr_key_is(key, kl, "topics")) {
            if (!mpr_array(&r, &k) || k % 3)
                goto bad;
            st->topics = calloc(k / 3 ? k / 3 : 1, sizeof *st->topics);
            if (!st->topics)
                goto bad;
            for (uint32_t t = 0; t < k / 3; t++) {
                gtopic *gt = &st->topics[t];
                uint64_t tid;
                if (!(gt->name = read_pooled(&r, st)) ||
                    !mpr_i32(&r, &gt->partitions, 0, RILL_PARTITIONS_MAX) ||
                    !mpr_uint(&r, &tid) || tid > UINT32_MAX)
                    goto bad;
                gt->tid = (uint32_t)tid;
                st->ntopics = t + 1;
            }
        } else if (mpr_key_is(key, kl, "members")) {
            if (!mpr_array(&r, &k))
                goto bad;
            st->members = calloc(k ? k : 1, sizeof *st->members);
            if (!st->members)
                goto bad;
            for (uint32_t m = 0; m < k; m++) {
                st->nmembers = m + 1;
                if (!read_member(&r, st, &st->members[m]))
                    goto bad;
            }
        } else if (!mpr_skip(&r)) {
            goto bad;
        }
    }
    if (!r.ok || mpr_left(&r) != 0)
        goto bad;
    for (size_t i = 1; i < st->nmembers; i++)
        if (strcmp(st->members[i - 1].id, st->members[i].id) >= 0)
            goto bad;
    if (st->external && (!st->protocol || !st->owner || !st->ext_state))
        goto bad;
    return 0;
bad:
    gstate_free(st);
    return rill_err(RILL_ECORRUPT, "the record of group '%s' is malformed",
                    group);
}

int gstate_load(rill_env *e, MDB_txn *txn, const char *group, gstate *st)
{
    MDB_val k = {strlen(group), (void *)group}, v;
    memset(st, 0, sizeof *st);
    int rc = mdb_get(txn, e->db_groups, &k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return env_mdb_err(e, rc, "reading a group");
    return gstate_decode(st, group, v.mv_data, v.mv_size);
}

int gstate_store(rill_env *e, MDB_txn *txn, const char *group,
                 const gstate *st)
{
    MDB_val k = {strlen(group), (void *)group};
    if (st->nmembers == 0 && !st->external) {
        int rc = mdb_del(txn, e->db_groups, &k, NULL);
        return rc == MDB_NOTFOUND ? 0 : env_mdb_err(e, rc, "removing a group");
    }
    rill_buf b = {0};
    int rc = gstate_encode(st, &b);
    if (!rc) {
        MDB_val v = {b.len, b.data};
        rc = env_mdb_err(e, mdb_put(txn, e->db_groups, &k, &v, 0),
                         "writing a group");
    }
    buf_free(&b);
    return rc;
}

int group_generation(rill_env *e, MDB_txn *txn, const char *group,
                     uint32_t *gen, bool *exists)
{
    MDB_val k = {strlen(group), (void *)group}, v;
    int rc = mdb_get(txn, e->db_groups, &k, &v);
    *exists = rc == 0;
    *gen = 0;
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return env_mdb_err(e, rc, "reading a group");
    if (v.mv_size < GSTATE_PREFIX)
        return rill_err(RILL_ECORRUPT, "the record of group '%s' is "
                        "malformed", group);
    *gen = get_be32((const uint8_t *)v.mv_data + 4);
    return 0;
}

/* ---- rebalancing ---- */

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The sorted union of the members' subscriptions, with each topic's
 * partition count and id as of txn (0 partitions if it does not exist). */
static int snapshot_topics(rill_env *e, MDB_txn *txn, gstate *st,
                           gtopic **out, size_t *nout)
{
    size_t total = 0, n = 0;
    for (size_t i = 0; i < st->nmembers; i++)
        total += st->members[i].ntopics;
    const char **names = malloc((total ? total : 1) * sizeof *names);
    gtopic *tops = calloc(total ? total : 1, sizeof *tops);
    int rc = names && tops ? 0 : rill_err(RILL_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < st->nmembers; i++)
        for (size_t t = 0; t < st->members[i].ntopics; t++)
            names[n++] = st->members[i].topics[t];
    if (!rc)
        qsort(names, n, sizeof *names, str_cmp);
    size_t u = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        if (u && strcmp(tops[u - 1].name, names[i]) == 0)
            continue;
        topic_meta tm;
        const char *pooled = pool_intern(st, names[i], strlen(names[i]));
        if (!pooled) {
            rc = rill_err(RILL_ENOMEM, "out of memory");
            break;
        }
        tops[u] = (gtopic){pooled, 0, 0};
        int trc = topic_get(e, txn, names[i], &tm);
        if (trc == 0) {
            tops[u].partitions = tm.cfg.partitions;
            tops[u].tid = tm.id;
        } else if (trc != RILL_ENOTFOUND) {
            rc = trc;
        }
        u++;
    }
    free(names);
    if (rc) {
        free(tops);
        return rc;
    }
    *out = tops;
    *nout = u;
    return 0;
}

static uint32_t topic_index(const gtopic *tops, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(tops[i].name, name) == 0)
            return (uint32_t)i;
    return UINT32_MAX;
}

/* Recomputes every member's target with the group's assignor and moves
 * to the next generation. Owned partitions stay until released. */
static int rebalance(rill_env *e, MDB_txn *txn, gstate *st)
{
    gtopic *tops;
    size_t nt;
    int rc = snapshot_topics(e, txn, st, &tops, &nt);
    if (rc)
        return rc;
    size_t nm = st->nmembers;
    assign_member *am = calloc(nm ? nm : 1, sizeof *am);
    bool *subs = calloc((nm ? nm : 1) * (nt ? nt : 1), sizeof *subs);
    assign_tp *prev = NULL;
    int32_t *pcounts = calloc(nt ? nt : 1, sizeof *pcounts);
    size_t nprev = 0;
    for (size_t i = 0; i < nm; i++)
        nprev += st->members[i].ntarget;
    prev = malloc((nprev ? nprev : 1) * sizeof *prev);
    if (!am || !subs || !prev || !pcounts) {
        rc = rill_err(RILL_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t t = 0; t < nt; t++)
        pcounts[t] = tops[t].partitions;
    nprev = 0;
    for (size_t i = 0; i < nm; i++) {
        gmember *m = &st->members[i];
        am[i].id = m->id;
        am[i].subscribed = &subs[i * nt];
        for (size_t t = 0; t < m->ntopics; t++) {
            uint32_t ti = topic_index(tops, nt, m->topics[t]);
            if (ti != UINT32_MAX)
                subs[i * nt + ti] = true;
        }
        am[i].prev = &prev[nprev];
        for (size_t j = 0; j < m->ntarget; j++) {
            uint32_t ti = topic_index(tops, nt, m->target[j].topic);
            if (ti != UINT32_MAX)
                prev[nprev + am[i].nprev++] =
                    (assign_tp){ti, m->target[j].partition};
        }
        nprev += am[i].nprev;
    }
    if ((rc = assign_run(st->assignor, am, nm, pcounts, nt)))
        goto done;
    for (size_t i = 0; i < nm; i++) {
        gmember *m = &st->members[i];
        gtp *target = malloc((am[i].nout ? am[i].nout : 1) * sizeof *target);
        if (!target) {
            rc = rill_err(RILL_ENOMEM, "out of memory");
            break;
        }
        for (size_t j = 0; j < am[i].nout; j++)
            target[j] = (gtp){tops[am[i].out[j].topic].name,
                              am[i].out[j].partition};
        free(m->target);
        m->target = target;
        m->ntarget = am[i].nout;
    }
    if (!rc) {
        free(st->topics);
        st->topics = tops;
        st->ntopics = nt;
        tops = NULL;
        st->generation++;
    }
done:
    for (size_t i = 0; am && i < nm; i++)
        free(am[i].out);
    free(am);
    free(subs);
    free(prev);
    free(pcounts);
    free(tops);
    return rc;
}

int group_topics_changed(rill_env *e, MDB_txn *txn, const gstate *st,
                         bool *changed)
{
    *changed = false;
    for (size_t i = 0; i < st->ntopics && !*changed; i++) {
        topic_meta tm;
        int rc = topic_get(e, txn, st->topics[i].name, &tm);
        if (rc == RILL_ENOTFOUND)
            *changed = st->topics[i].partitions != 0;
        else if (rc)
            return rc;
        else
            *changed = tm.cfg.partitions != st->topics[i].partitions ||
                       tm.id != st->topics[i].tid;
    }
    return 0;
}

/* ---- the transactions that change a group ---- */

typedef struct group_op {
    rill_env *e;
    const char *group;
    const group_join_info *join; /* join */
    const char *member_id;       /* leave, release, acquire */
    char *const *dead;           /* check */
    size_t ndead;
    bool topics_moved;
    const rill_topic_partition *tps; /* release, acquire */
    size_t ntps;
    bool *taken;  /* acquire: which of tps were acquired */
    bool missing; /* the member is not in the group */
    bool changed;
    /* Edits the record; sets *what to GROUP_STORE or GROUP_REBALANCE
     * when it changed something. */
    int (*change)(struct group_op *op, MDB_txn *txn, gstate *st, int *what);
} group_op;

static int add_member(gstate *st, const group_join_info *j)
{
    gmember m = {0};
    m.id = rill_strdup(j->member_id);
    m.client = rill_strdup(j->client_id);
    m.topics = calloc(j->ntopics ? j->ntopics : 1, sizeof *m.topics);
    bool ok = m.id && m.client && m.topics;
    for (size_t i = 0; ok && i < j->ntopics; i++) {
        ok = (m.topics[i] = rill_strdup(j->topics[i])) != NULL;
        m.ntopics = i + 1;
    }
    gmember *ms = ok ? realloc(st->members, (st->nmembers + 1) * sizeof *ms)
                     : NULL;
    if (!ms) {
        member_free(&m);
        return rill_err(RILL_ENOMEM, "out of memory");
    }
    st->members = ms;
    m.pid = j->pid;
    m.timeout_ms = j->timeout_ms;
    m.poll_timeout_ms = j->poll_timeout_ms;
    m.joined_ms = j->now_ms;
    size_t at = 0;
    while (at < st->nmembers && strcmp(ms[at].id, m.id) < 0)
        at++;
    memmove(&ms[at + 1], &ms[at], (st->nmembers - at) * sizeof *ms);
    ms[at] = m;
    st->nmembers++;
    return 0;
}

static void remove_member(gstate *st, int i)
{
    member_free(&st->members[i]);
    memmove(&st->members[i], &st->members[i + 1],
            (st->nmembers - (size_t)i - 1) * sizeof *st->members);
    st->nmembers--;
}

static const char *assignor_name(int assignor)
{
    return assignor == RILL_ASSIGN_ROUND_ROBIN ? "round-robin"
           : assignor == RILL_ASSIGN_STICKY    ? "sticky"
                                               : "range";
}

/* The first live member decides the group's assignor; a newcomer asking
 * for another is refused, as Kafka refuses it with
 * INCONSISTENT_GROUP_PROTOCOL, rather than silently given the group's.
 * Members whose lock is free are dead and do not count (the next check
 * removes them). */
static int check_protocol(rill_env *e, gstate *st, const char *group,
                          const group_join_info *j)
{
    if (st->external) {
        int64_t hb;
        if (member_probe(e->path, st->owner, &hb))
            return rill_err(RILL_EPROTOCOL, "group '%s' is in use by Kafka "
                            "clients (protocol %s, coordinator '%s'); a rill "
                            "consumer cannot join it", group, st->protocol,
                            st->owner);
        /* Its coordinator is gone: the group is free for rill members,
         * in a generation after the coordinator's. */
        uint32_t gen = st->generation;
        gstate_free(st);
        st->generation = gen;
    }
    int alive = -1;
    for (size_t i = 0; i < st->nmembers && alive < 0; i++) {
        int64_t hb;
        if (member_probe(e->path, st->members[i].id, &hb))
            alive = (int)i;
    }
    if (alive < 0) {
        st->assignor = j->assignor;
        return 0;
    }
    if (st->assignor == j->assignor)
        return 0;
    return rill_err(RILL_EPROTOCOL, "group '%s' uses the %s assignor (member "
                    "'%s', pid %d); this consumer asks for %s", group,
                    assignor_name(st->assignor), st->members[alive].id,
                    st->members[alive].pid, assignor_name(j->assignor));
}

/* What a change did to the group's record. */
enum { GROUP_KEEP, GROUP_STORE, GROUP_REBALANCE };

/* Every change to a group is one write transaction of the same shape:
 * load the record, let op->change edit it, rebalance when it asks (and
 * members remain), store it when anything changed. The change runs again
 * from a fresh load if the transaction is redone (map growth), so it must
 * depend only on op and the record. */
static int group_change_txn(MDB_txn *txn, void *arg)
{
    group_op *op = arg;
    gstate st;
    int what = GROUP_KEEP;
    int rc = gstate_load(op->e, txn, op->group, &st);
    if (rc)
        return rc;
    rc = op->change(op, txn, &st, &what);
    if (!rc && what == GROUP_REBALANCE && st.nmembers)
        rc = rebalance(op->e, txn, &st);
    if (!rc && what != GROUP_KEEP)
        rc = gstate_store(op->e, txn, op->group, &st);
    gstate_free(&st);
    return rc;
}

static int group_change(group_op *op)
{
    return env_write_reserved(op->e, group_change_txn, op);
}

static int join_change(group_op *op, MDB_txn *txn, gstate *st, int *what)
{
    (void)txn;
    int i = gstate_find(st, op->join->member_id);
    if (i >= 0)
        remove_member(st, i); /* a new subscription: join again */
    int rc = check_protocol(op->e, st, op->group, op->join);
    if (!rc && !(rc = add_member(st, op->join)))
        *what = GROUP_REBALANCE;
    return rc;
}

int group_join(rill_env *e, const char *group, const group_join_info *j)
{
    group_op op = {.e = e, .group = group, .join = j, .change = join_change};
    return group_change(&op);
}

static int leave_change(group_op *op, MDB_txn *txn, gstate *st, int *what)
{
    (void)txn;
    int i = gstate_find(st, op->member_id);
    op->missing = i < 0;
    if (i >= 0) {
        remove_member(st, i);
        *what = GROUP_REBALANCE;
    }
    return 0;
}

int group_leave_member(rill_env *e, const char *group, const char *member_id)
{
    group_op op = {.e = e, .group = group, .member_id = member_id,
                   .change = leave_change};
    return group_change(&op);
}

static int check_change(group_op *op, MDB_txn *txn, gstate *st, int *what)
{
    op->changed = false;
    for (size_t d = 0; d < op->ndead; d++) {
        int i = gstate_find(st, op->dead[d]);
        if (i >= 0) {
            remove_member(st, i);
            op->changed = true;
        }
    }
    bool moved = false;
    int rc = 0;
    if (!op->changed && op->topics_moved)
        rc = group_topics_changed(op->e, txn, st, &moved);
    if (!rc && (op->changed || moved)) {
        op->changed = true;
        *what = GROUP_REBALANCE;
    }
    return rc;
}

int group_remove_and_rebalance(rill_env *e, const char *group,
                               char *const *dead, size_t ndead,
                               bool topics_moved, bool *changed)
{
    group_op op = {.e = e, .group = group, .dead = dead, .ndead = ndead,
                   .topics_moved = topics_moved, .change = check_change};
    int rc = group_change(&op);
    *changed = !rc && op.changed;
    return rc;
}

/* Adds those of op->tps that are in the member's target and owned by
 * nobody to what it owns. */
static int acquire_change(group_op *op, MDB_txn *txn, gstate *st, int *what)
{
    (void)txn;
    int i = gstate_find(st, op->member_id);
    op->missing = i < 0;
    if (i < 0)
        return 0;
    gmember *m = &st->members[i];
    gtp *owned = realloc(m->owned, (m->nowned + op->ntps + 1) * sizeof *owned);
    if (!owned)
        return rill_err(RILL_ENOMEM, "out of memory");
    m->owned = owned;
    for (size_t k = 0; k < op->ntps; k++) {
        const rill_topic_partition *tp = &op->tps[k];
        op->taken[k] = false;
        if (!gtp_contains(m->target, m->ntarget, tp->topic, tp->partition) ||
            gstate_owner(st, tp->topic, tp->partition) >= 0)
            continue;
        const char *t = pool_intern(st, tp->topic, strlen(tp->topic));
        if (!t)
            return rill_err(RILL_ENOMEM, "out of memory");
        m->owned[m->nowned++] = (gtp){t, tp->partition};
        op->taken[k] = true;
    }
    *what = GROUP_STORE;
    return 0;
}

/* Removes op->tps from what the member owns. */
static int release_change(group_op *op, MDB_txn *txn, gstate *st, int *what)
{
    (void)txn;
    int i = gstate_find(st, op->member_id);
    op->missing = i < 0;
    if (i < 0)
        return 0;
    gmember *m = &st->members[i];
    size_t w = 0;
    for (size_t k = 0; k < m->nowned; k++) {
        bool drop = false;
        for (size_t j = 0; j < op->ntps && !drop; j++)
            drop = op->tps[j].partition == m->owned[k].partition &&
                   strcmp(op->tps[j].topic, m->owned[k].topic) == 0;
        if (!drop)
            m->owned[w++] = m->owned[k];
    }
    m->nowned = w;
    *what = GROUP_STORE;
    return 0;
}

int group_release(rill_env *e, const char *group, const char *member_id,
                  const rill_topic_partition *tps, size_t n, bool *missing)
{
    group_op op = {.e = e, .group = group, .member_id = member_id,
                   .tps = tps, .ntps = n, .change = release_change};
    int rc = group_change(&op);
    *missing = op.missing;
    return rc;
}

int group_acquire(rill_env *e, const char *group, const char *member_id,
                  const rill_topic_partition *tps, size_t n, bool *taken,
                  bool *missing)
{
    group_op op = {.e = e, .group = group, .member_id = member_id,
                   .tps = tps, .ntps = n, .taken = taken,
                   .change = acquire_change};
    int rc = group_change(&op);
    *missing = op.missing;
    return rc;
}

/* ---- fenced commits ---- */

/* Commits are fenced by ownership, the generation's outcome: a member may
 * commit only what it owns now, and a consumer without membership only
 * what no member owns, so a member that was removed while it was stopped
 * cannot overwrite the progress of the new owner. Checked and written in
 * the caller's transaction; nothing is written on RILL_EFENCED. */
int group_commit_fenced(rill_env *e, MDB_txn *txn, const char *group,
                        const char *member_id,
                        const rill_topic_partition *tps, size_t n,
                        int64_t now_ms)
{
    gstate st;
    int rc = offsets_check_partitions(e, txn, tps, n);
    if (rc || (rc = gstate_load(e, txn, group, &st)))
        return rc;
    int me = member_id ? gstate_find(&st, member_id) : -1;
    if (member_id && me < 0)
        rc = rill_err(RILL_EFENCED, "member '%s' is no longer in group '%s' "
                      "(removed after max_poll_interval_ms or a rebalance); "
                      "nothing was committed", member_id, group);
    for (size_t i = 0; !rc && i < n; i++) {
        int owner = gstate_owner(&st, tps[i].topic, tps[i].partition);
        if (member_id && owner != me)
            rc = rill_err(RILL_EFENCED, "topic '%s' partition %d is not "
                          "owned by member '%s' of group '%s'; nothing was "
                          "committed", tps[i].topic, tps[i].partition,
                          member_id, group);
        else if (!member_id && owner >= 0)
            rc = rill_err(RILL_EFENCED, "topic '%s' partition %d is owned "
                          "by member '%s' of group '%s'; nothing was "
                          "committed", tps[i].topic, tps[i].partition,
                          st.members[owner].id, group);
    }
    gstate_free(&st);
    for (size_t i = 0; !rc && i < n; i++)
        rc = offsets_put(e, txn, group, tps[i].topic, tps[i].partition,
                         tps[i].offset, now_ms);
    return rc;
}

