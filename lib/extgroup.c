/*
 * extgroup.c -- groups run by a coordinator outside librill: the Kafka
 * gateway runs Kafka's group protocol for its clients and records here
 * what rill must know of such a group, so that the directory stays the
 * one truth about it.
 *
 * The coordinator process holds a lock file in <dir>/members as a member
 * does, made at its first such group; the group record (an "external"
 * record, see group.c) names that lock as its owner and lists the
 * coordinator's members with what they own. While the lock is held, the
 * group is the coordinator's: a rill consumer that subscribes gets
 * RILL_EPROTOCOL, describe shows the coordinator's members and state, and
 * a hand-assigned consumer cannot commit what they own. When the process
 * dies, the members are dead with it and the group is free again.
 * Committed offsets are the ordinary ones (offstore), fenced by the
 * coordinator itself (Kafka's generations); here only by ownership of the
 * group.
 */
#include "group.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "error.h"
#include "extgroup.h"
#include "handle.h"
#include "topic.h"

#define EXT_PROTOCOL_MAX 100

/* This process's coordinator lock, made on first use. */
static int coordinator_lock(rill *r, const char **id)
{
    int rc = 0;
    pthread_mutex_lock(&r->clients_lock);
    if (!r->coordinator) {
        member_lock *ml = calloc(1, sizeof *ml);
        char mid[MEMBER_ID_MAX];
        member_id_new(mid, "coordinator");
        if (!ml)
            rc = rill_err(RILL_ENOMEM, "out of memory");
        else if ((rc = member_lock_create(ml, r->env.path, mid,
                                          r->env.file_mode,
                                          env_now_ms(&r->env))))
            free(ml);
        else
            r->coordinator = ml;
    }
    if (!rc)
        *id = r->coordinator->id;
    pthread_mutex_unlock(&r->clients_lock);
    return rc;
}

void extgroup_close(rill *r)
{
    if (r->coordinator) {
        member_lock_release(r->coordinator);
        free(r->coordinator);
        r->coordinator = NULL;
    }
}

typedef struct ext_op {
    rill *r;
    const char *group;
    const char *owner;
    const char *protocol, *state;
    uint32_t generation;
    const rill_group_external_member *members;
    size_t n;
    const rill_topic_partition *tps; /* commit */
    size_t ntps;
} ext_op;

/* Refuses a group that rill consumers use (any of them alive), or that
 * another live coordinator holds. */
static int check_takeover(ext_op *op, const gstate *st)
{
    rill_env *e = &op->r->env;
    if (st->external && strcmp(st->owner, op->owner) != 0 &&
        member_probe(e->path, st->owner, NULL))
        return rill_err(RILL_EPROTOCOL, "group '%s' is held by another "
                        "coordinator ('%s')", op->group, st->owner);
    for (size_t i = 0; !st->external && i < st->nmembers; i++)
        if (gstate_member_alive(e, st, i, NULL))
            return rill_err(RILL_EPROTOCOL, "group '%s' is in use by rill "
                            "consumers (member '%s', pid %d); Kafka clients "
                            "cannot join it", op->group, st->members[i].id,
                            st->members[i].pid);
    return 0;
}

/* Builds the external record of op's members into st. */
static int fill_external(ext_op *op, gstate *st)
{
    st->external = true;
    st->generation = op->generation;
    st->protocol = rill_strdup(op->protocol);
    st->owner = rill_strdup(op->owner);
    st->ext_state = rill_strdup(op->state);
    st->members = calloc(op->n ? op->n : 1, sizeof *st->members);
    if (!st->protocol || !st->owner || !st->ext_state || !st->members)
        return rill_err(RILL_ENOMEM, "out of memory");
    for (size_t i = 0; i < op->n; i++) {
        const rill_group_external_member *m = &op->members[i];
        gmember *g = &st->members[i];
        st->nmembers = i + 1;
        g->id = rill_strdup(m->member_id);
        g->client = rill_strdup(m->client_id ? m->client_id : "");
        g->host = rill_strdup(m->host ? m->host : "");
        g->pid = (int32_t)getpid();
        g->owned = calloc(m->assigned_count + 1, sizeof *g->owned);
        if (!g->id || !g->client || !g->host || !g->owned)
            return rill_err(RILL_ENOMEM, "out of memory");
        for (size_t j = 0; j < m->assigned_count; j++) {
            const char *t = gstate_intern(st, m->assigned[j].topic);
            if (!t)
                return rill_err(RILL_ENOMEM, "out of memory");
            g->owned[g->nowned++] = (gtp){t, m->assigned[j].partition};
        }
    }
    gstate_sort_members(st); /* as every group record keeps them */
    return 0;
}

static int set_txn(MDB_txn *txn, void *arg)
{
    ext_op *op = arg;
    gstate st, next = {0};
    int rc = gstate_load(&op->r->env, txn, op->group, &st);
    if (!rc)
        rc = check_takeover(op, &st);
    gstate_free(&st);
    if (!rc)
        rc = fill_external(op, &next);
    /* An empty group keeps its record while its coordinator holds it,
     * so describe shows it and rill consumers stay out. */
    if (!rc)
        rc = gstate_store(&op->r->env, txn, op->group, &next);
    gstate_free(&next);
    return rc;
}

static int validate_members(const rill_group_external_member *m, size_t n)
{
    if (n && !m)
        return rill_err(RILL_EINVAL, "members is NULL with n = %zu", n);
    for (size_t i = 0; i < n; i++) {
        if (!m[i].member_id || !*m[i].member_id ||
            strlen(m[i].member_id) >= MEMBER_ID_MAX + 128)
            return rill_err(RILL_EINVAL, "member %zu: member_id must be "
                            "1..%d bytes", i, MEMBER_ID_MAX + 127);
        if ((m[i].client_id && strlen(m[i].client_id) > 249) ||
            (m[i].host && strlen(m[i].host) > 255))
            return rill_err(RILL_EINVAL, "member %zu: client_id or host is "
                            "too long", i);
        if (m[i].assigned_count && !m[i].assigned)
            return rill_err(RILL_EINVAL, "member %zu: assigned is NULL", i);
        for (size_t j = 0; j < m[i].assigned_count; j++) {
            int rc = topic_name_validate(m[i].assigned[j].topic);
            if (rc)
                return rill_err_wrap(rc, "member %zu", i);
            if (m[i].assigned[j].partition < 0)
                return rill_err(RILL_EINVAL, "member %zu: partition %d", i,
                                m[i].assigned[j].partition);
        }
        for (size_t k = 0; k < i; k++)
            if (!strcmp(m[k].member_id, m[i].member_id))
                return rill_err(RILL_EINVAL, "member '%s' is listed twice",
                                m[i].member_id);
    }
    return 0;
}

static int validate_group_name(const char *group)
{
    if (!group || !*group || strlen(group) > GROUP_NAME_MAX)
        return rill_err(RILL_EINVAL, "group name must be 1..%d bytes",
                        GROUP_NAME_MAX);
    return 0;
}

RILL_API int rill_group_external_set(rill *r, const char *group,
                                     const char *protocol, const char *state,
                                     uint32_t generation,
                                     const rill_group_external_member *members,
                                     size_t n)
{
    int rc = rill_enter(r);
    if (!rc)
        rc = validate_group_name(group);
    if (!rc && (!protocol || !*protocol ||
                strlen(protocol) > EXT_PROTOCOL_MAX || !state || !*state ||
                strlen(state) > EXT_PROTOCOL_MAX))
        rc = rill_err(RILL_EINVAL, "protocol and state must be 1..%d bytes",
                      EXT_PROTOCOL_MAX);
    if (!rc)
        rc = validate_members(members, n);
    if (rc)
        return rc;
    if (r->env.read_only)
        return rill_err(RILL_EPERM, "'%s' was opened read-only", r->env.path);
    ext_op op = {r, group, NULL, protocol, state, generation, members, n,
                 NULL, 0};
    if ((rc = coordinator_lock(r, &op.owner)))
        return rc;
    rc = env_write_reserved(&r->env, set_txn, &op);
    if (!rc)
        notify_post(&r->nt);
    return rc;
}

/* The group must be this coordinator's. */
static int require_owned(ext_op *op, MDB_txn *txn, bool *held)
{
    gstate st;
    int rc = gstate_load(&op->r->env, txn, op->group, &st);
    if (rc)
        return rc;
    *held = st.external && !strcmp(st.owner, op->owner);
    gstate_free(&st);
    return 0;
}

static int commit_txn(MDB_txn *txn, void *arg)
{
    ext_op *op = arg;
    bool held;
    int rc = require_owned(op, txn, &held);
    if (!rc && !held)
        rc = rill_err(RILL_EFENCED, "group '%s' is not held by this "
                      "coordinator; nothing was committed", op->group);
    if (!rc)
        rc = offsets_check_partitions(&op->r->env, txn, op->tps, op->ntps);
    int64_t now = env_now_ms(&op->r->env);
    for (size_t i = 0; !rc && i < op->ntps; i++)
        rc = offsets_put(&op->r->env, txn, op->group, op->tps[i].topic,
                         op->tps[i].partition, op->tps[i].offset, now);
    return rc;
}

RILL_API int rill_group_external_commit(rill *r, const char *group,
                                        const rill_topic_partition *tps,
                                        size_t n)
{
    int rc = rill_enter(r);
    if (!rc)
        rc = validate_group_name(group);
    if (!rc && n && !tps)
        rc = rill_err(RILL_EINVAL, "tps is NULL with n = %zu", n);
    for (size_t i = 0; !rc && i < n; i++) {
        if ((rc = topic_name_validate(tps[i].topic)))
            rc = rill_err_wrap(rc, "entry %zu", i);
        else if (tps[i].partition < 0 || tps[i].offset < 0)
            rc = rill_err(RILL_EINVAL, "entry %zu: partition %d or offset "
                          "%lld is negative", i, tps[i].partition,
                          (long long)tps[i].offset);
    }
    if (rc || n == 0)
        return rc;
    ext_op op = {.r = r, .group = group, .tps = tps, .ntps = n};
    if ((rc = coordinator_lock(r, &op.owner)))
        return rc;
    return env_write_reserved(&r->env, commit_txn, &op);
}

static int release_txn(MDB_txn *txn, void *arg)
{
    ext_op *op = arg;
    bool held;
    int rc = require_owned(op, txn, &held);
    if (rc || !held)
        return rc;
    gstate empty = {0};
    return gstate_store(&op->r->env, txn, op->group, &empty);
}

RILL_API int rill_group_external_release(rill *r, const char *group)
{
    int rc = rill_enter(r);
    if (!rc)
        rc = validate_group_name(group);
    if (rc)
        return rc;
    ext_op op = {.r = r, .group = group};
    if ((rc = coordinator_lock(r, &op.owner)))
        return rc;
    rc = env_write_reserved(&r->env, release_txn, &op);
    if (!rc)
        notify_post(&r->nt);
    return rc;
}
