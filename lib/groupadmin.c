/*
 * groupadmin.c -- the operators' calls on groups: list, describe, reset
 * and set committed offsets, delete. Above the group record (group.c), the
 * offset store and the log; nothing below calls it.
 */
#include "group.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "error.h"
#include "handle.h"
#include "log.h"
#include "offstore.h"
#include "topic.h"

/* ---- admin: list, describe ---- */

static int validate_group(const char *group)
{
    if (!group || !*group || strlen(group) > GROUP_NAME_MAX)
        return rill_err(RILL_EINVAL, "group name must be 1..%d bytes",
                        GROUP_NAME_MAX);
    return 0;
}

static int names_add(char ***names, size_t *n, const char *s, size_t len)
{
    for (size_t i = 0; i < *n; i++)
        if (strlen((*names)[i]) == len && !memcmp((*names)[i], s, len))
            return 0;
    char **p = realloc(*names, (*n + 1) * sizeof *p);
    if (!p)
        return rill_err(RILL_ENOMEM, "out of memory");
    *names = p;
    if (!(p[*n] = malloc(len + 1)))
        return rill_err(RILL_ENOMEM, "out of memory");
    memcpy(p[*n], s, len);
    p[(*n)++][len] = '\0';
    return 0;
}

typedef struct name_list {
    char **names;
    size_t n;
} name_list;

static int name_list_add_topic(const char *topic, size_t tl, int32_t p,
                               void *arg)
{
    name_list *nl = arg;
    (void)p;
    return names_add(&nl->names, &nl->n, topic, tl);
}

static int names_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

RILL_API int rill_group_list(char ***names, size_t *count, rill *r)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    char **out = NULL;
    size_t n = 0;
    if (!names || !count)
        return rill_err(RILL_EINVAL, "names or count is NULL");
    *names = NULL;
    *count = 0;
    int rc = rill_enter(r);
    if (rc || (rc = env_read_begin(&r->env, &txn)))
        return rc;
    MDB_dbi dbs[2] = {r->env.db_groups, r->env.db_offsets};
    for (int d = 0; d < 2 && !rc; d++) {
        if ((rc = mdb_cursor_open(txn, dbs[d], &cur))) {
            rc = env_mdb_err(&r->env, rc, "opening a cursor");
            break;
        }
        int mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
        while (mrc == 0 && !rc) {
            const uint8_t *g = k.mv_data, *t;
            size_t gl = k.mv_size, tl;
            int32_t p;
            if (d == 0 || offset_key_parse(&k, &g, &gl, &t, &tl, &p))
                rc = names_add(&out, &n, (const char *)g, gl);
            mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
        }
        mdb_cursor_close(cur);
    }
    env_read_end(&r->env, txn);
    if (rc) {
        rill_names_free(out, n);
        return rc;
    }
    if (n)
        qsort(out, n, sizeof *out, names_cmp);
    *names = out;
    *count = n;
    return 0;
}

RILL_API void rill_group_info_free(rill_group_info *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->member_count; i++)
        rill_tps_free(g->members[i].assigned, g->members[i].assigned_count);
    free(g->members);
    for (size_t i = 0; i < g->partition_count; i++) {
        free((char *)g->partitions[i].topic);
        free((char *)g->partitions[i].owner);
    }
    free(g->partitions);
    free(g);
}

typedef struct desc_builder {
    rill_group_info *g;
    size_t cap;
    size_t offsets; /* partitions the group has an offset for */
} desc_builder;

/* Adds a partition row once (rows are unique by topic and partition). */
static int desc_add(desc_builder *b, const char *topic, size_t tl, int32_t p)
{
    rill_group_info *g = b->g;
    for (size_t i = 0; i < g->partition_count; i++)
        if (g->partitions[i].partition == p &&
            strlen(g->partitions[i].topic) == tl &&
            !memcmp(g->partitions[i].topic, topic, tl))
            return 0;
    if (g->partition_count == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        rill_group_partition_info *np =
            realloc(g->partitions, cap * sizeof *np);
        if (!np)
            return rill_err(RILL_ENOMEM, "out of memory");
        g->partitions = np;
        b->cap = cap;
    }
    rill_group_partition_info *pi = &g->partitions[g->partition_count];
    memset(pi, 0, sizeof *pi);
    char *t = malloc(tl + 1);
    if (!t)
        return rill_err(RILL_ENOMEM, "out of memory");
    memcpy(t, topic, tl);
    t[tl] = '\0';
    pi->topic = t;
    pi->partition = p;
    pi->committed = RILL_OFFSET_INVALID;
    g->partition_count++;
    return 0;
}

static int desc_add_offset(const char *topic, size_t tl, int32_t p,
                           void *arg)
{
    desc_builder *b = arg;
    b->offsets++;
    return desc_add(b, topic, tl, p);
}

static int partition_row_cmp(const void *a, const void *b)
{
    const rill_group_partition_info *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

/* Fills committed, bounds, lag and owner of every row. */
static int desc_fill_rows(rill *r, MDB_txn *txn, const char *group,
                          const gstate *st, const bool *live,
                          rill_group_info *g)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, r->env.db_log, &cur);
    if (rc)
        return env_mdb_err(&r->env, rc, "opening a log cursor");
    for (size_t i = 0; !rc && i < g->partition_count; i++) {
        rill_group_partition_info *pi = &g->partitions[i];
        int64_t off, lost;
        topic_meta tm;
        int orc = offsets_read(&r->env, txn, group, pi->topic, pi->partition,
                               &off, &lost);
        if (orc)
            rc = orc;
        pi->committed = off >= 0 ? off : RILL_OFFSET_INVALID;
        pi->lost = lost;
        int trc = rc ? rc : topic_get(&r->env, txn, pi->topic, &tm);
        if (trc == 0 && pi->partition < tm.cfg.partitions) {
            log_part p = {tm.name, tm.id, pi->partition};
            log_bounds bd;
            if (!(rc = log_bounds_get(&r->env, txn, cur, &p, &bd))) {
                pi->first_offset = bd.first;
                pi->end_offset = bd.next;
                int64_t from = pi->committed >= 0
                                   ? RILL_MAX(pi->committed, bd.first)
                                   : bd.first;
                pi->lag = RILL_MAX(bd.next - from, 0);
            }
        } else if (trc != RILL_ENOTFOUND && trc != 0) {
            rc = trc;
        }
        int owner = gstate_owner(st, pi->topic, pi->partition);
        if (!rc && owner >= 0 && live[owner] &&
            !(pi->owner = rill_strdup(st->members[owner].id)))
            rc = rill_err(RILL_ENOMEM, "out of memory");
    }
    mdb_cursor_close(cur);
    return rc;
}

static int tp_cmp(const void *a, const void *b)
{
    const rill_topic_partition *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

static int desc_members(const gstate *st, const bool *live,
                        const int64_t *last_poll, rill_group_info *g)
{
    g->members = calloc(st->nmembers ? st->nmembers : 1, sizeof *g->members);
    if (!g->members)
        return rill_err(RILL_ENOMEM, "out of memory");
    for (size_t i = 0; i < st->nmembers; i++) {
        const gmember *m = &st->members[i];
        rill_group_member_info *mi = &g->members[i];
        g->member_count = i + 1;
        snprintf(mi->member_id, sizeof mi->member_id, "%s", m->id);
        snprintf(mi->client_id, sizeof mi->client_id, "%s", m->client);
        mi->pid = m->pid;
        mi->session_timeout_ms = m->timeout_ms;
        mi->max_poll_interval_ms = m->poll_timeout_ms;
        mi->alive = live[i];
        if (m->host)
            snprintf(mi->host, sizeof mi->host, "%s", m->host);
        else
            gethostname(mi->host, sizeof mi->host - 1);
        mi->last_poll_ms = last_poll[i];
        mi->assigned = calloc(m->nowned ? m->nowned : 1, sizeof *mi->assigned);
        if (!mi->assigned)
            return rill_err(RILL_ENOMEM, "out of memory");
        /* A dead member owns nothing any more, though the record still
         * lists it until a live member removes it. */
        for (size_t j = 0; live[i] && j < m->nowned; j++) {
            mi->assigned[j].topic = rill_strdup(m->owned[j].topic);
            mi->assigned[j].partition = m->owned[j].partition;
            mi->assigned_count = j + 1;
            if (!mi->assigned[j].topic)
                return rill_err(RILL_ENOMEM, "out of memory");
        }
        /* In partition order, not the order they were acquired in. */
        qsort(mi->assigned, mi->assigned_count, sizeof *mi->assigned,
              tp_cmp);
    }
    return 0;
}

/* The state as it is now: the record's dead members count for nothing,
 * and a live member will remove them and rebalance at its next look. */
static const char *group_state_name(const gstate *st, const bool *live,
                                    bool owner_alive)
{
    size_t alive = 0;
    for (size_t i = 0; i < st->nmembers; i++)
        alive += live[i];
    if (st->external)
        return owner_alive ? st->ext_state : "Empty";
    if (alive == 0)
        return "Empty";
    if (alive < st->nmembers)
        return "Rebalancing";
    for (size_t i = 0; i < st->nmembers; i++) {
        const gmember *m = &st->members[i];
        if (m->ntarget != m->nowned)
            return "Rebalancing";
        for (size_t j = 0; j < m->ntarget; j++)
            if (!gtp_contains(m->owned, m->nowned, m->target[j].topic,
                            m->target[j].partition))
                return "Rebalancing";
    }
    return "Stable";
}

RILL_API int rill_group_describe(rill_group_info **out, rill *r,
                                 const char *group)
{
    MDB_txn *txn;
    gstate st;
    desc_builder b = {0};
    bool has_offsets = false;
    if (!out)
        return rill_err(RILL_EINVAL, "out is NULL");
    *out = NULL;
    int rc = rill_enter(r);
    if (!rc)
        rc = validate_group(group);
    if (rc || (rc = env_read_begin(&r->env, &txn)))
        return rc;
    if ((rc = gstate_load(&r->env, txn, group, &st))) {
        env_read_end(&r->env, txn);
        return rc;
    }
    /* Liveness now (each member's lock), not as the record last saw it. */
    bool *live = calloc(st.nmembers + 1, sizeof *live);
    int64_t *last_poll = calloc(st.nmembers + 1, sizeof *last_poll);
    if (!(b.g = calloc(1, sizeof *b.g)) || !live || !last_poll)
        rc = rill_err(RILL_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < st.nmembers; i++)
        live[i] = gstate_member_alive(&r->env, &st, i, &last_poll[i]);
    /* Rows: every partition of the subscribed topics, then every
     * partition the group has an offset for. */
    for (size_t t = 0; !rc && t < st.ntopics; t++)
        for (int32_t p = 0; !rc && p < st.topics[t].partitions; p++)
            rc = desc_add(&b, st.topics[t].name, strlen(st.topics[t].name), p);
    if (!rc)
        rc = offsets_each_of_group(&r->env, txn, group, desc_add_offset, &b);
    has_offsets = b.offsets > 0;
    if (!rc && st.nmembers == 0 && !has_offsets && !st.external)
        rc = rill_err(RILL_ENOTFOUND, "group '%s' does not exist", group);
    if (!rc)
        rc = desc_fill_rows(r, txn, group, &st, live, b.g);
    env_read_end(&r->env, txn);
    if (!rc) {
        snprintf(b.g->name, sizeof b.g->name, "%s", group);
        b.g->generation = st.generation;
        b.g->assignor = st.assignor;
        bool owner_alive = st.external &&
                           member_probe(r->env.path, st.owner, NULL);
        const char *state = group_state_name(&st, live, owner_alive);
        snprintf(b.g->state_buf, sizeof b.g->state_buf, "%s", state);
        b.g->state = b.g->state_buf;
        snprintf(b.g->protocol, sizeof b.g->protocol, "%s",
                 st.external ? st.protocol : "");
        if (b.g->partition_count)
            qsort(b.g->partitions, b.g->partition_count,
                  sizeof *b.g->partitions, partition_row_cmp);
        rc = desc_members(&st, live, last_poll, b.g);
    }
    free(live);
    free(last_poll);
    gstate_free(&st);
    if (rc) {
        rill_group_info_free(b.g);
        return rc;
    }
    *out = b.g;
    return 0;
}

RILL_API int rill_group_committed(rill *r, const char *group,
                                  rill_topic_partition *tps, size_t n)
{
    MDB_txn *txn;
    int rc = rill_enter(r);
    if (!rc)
        rc = validate_group(group);
    if (!rc && n && !tps)
        rc = rill_err(RILL_EINVAL, "tps is NULL with n = %zu", n);
    for (size_t i = 0; !rc && i < n; i++)
        if ((rc = topic_name_validate(tps[i].topic)))
            rc = rill_err_wrap(rc, "entry %zu", i);
    if (rc || !n)
        return rc;
    int64_t *out = calloc(n, sizeof *out);
    if (!out)
        return rill_err(RILL_ENOMEM, "out of memory");
    if ((rc = env_read_begin(&r->env, &txn))) {
        free(out);
        return rc;
    }
    for (size_t i = 0; !rc && i < n; i++) {
        rc = offsets_get(&r->env, txn, group, tps[i].topic, tps[i].partition,
                         &out[i]);
        if (rc == RILL_ENOTFOUND) {
            out[i] = RILL_OFFSET_INVALID;
            rc = 0;
        }
    }
    env_read_end(&r->env, txn);
    for (size_t i = 0; !rc && i < n; i++)
        tps[i].offset = out[i];
    free(out);
    return rc;
}

/* ---- admin: reset offsets, delete ---- */

/* Refuses when a member of the group is alive (EBUSY); otherwise returns
 * the generation seen, so a transaction can check nothing joined since. */
static int require_no_live_members(rill *r, const char *group, uint32_t *gen,
                                   char ***dead, size_t *ndead)
{
    MDB_txn *txn;
    gstate st;
    *dead = NULL;
    *ndead = 0;
    int rc = env_read_begin(&r->env, &txn);
    if (rc)
        return rc;
    rc = gstate_load(&r->env, txn, group, &st);
    env_read_end(&r->env, txn);
    if (rc)
        return rc;
    *gen = st.generation;
    for (size_t i = 0; !rc && i < st.nmembers; i++) {
        if (gstate_member_alive(&r->env, &st, (size_t)i, NULL))
            rc = rill_err(RILL_EBUSY, "group '%s' has a live member '%s' "
                          "(pid %d); stop its consumers first", group,
                          st.members[i].id, st.members[i].pid);
        else
            rc = names_add(dead, ndead, st.members[i].id,
                           strlen(st.members[i].id));
    }
    gstate_free(&st);
    return rc;
}

typedef struct reset_op {
    rill *r;
    const char *group;
    const char *topic;
    int to;
    int64_t value;
    uint32_t gen;
    size_t changed;
} reset_op;

static int reset_one(reset_op *op, MDB_txn *txn, MDB_cursor *cur,
                     const topic_meta *tm, int32_t p)
{
    log_part lp = {tm->name, tm->id, p};
    log_bounds b;
    int64_t off;
    int rc = log_bounds_get(&op->r->env, txn, cur, &lp, &b);
    if (rc)
        return rc;
    switch (op->to) {
    case RILL_RESET_TO_EARLIEST:
        off = b.first;
        break;
    case RILL_RESET_TO_LATEST:
        off = b.next;
        break;
    case RILL_RESET_TO_TIME:
        if ((rc = log_offset_for_time(&op->r->env, txn, &lp, op->value, &off)))
            return rc;
        if (off == RILL_OFFSET_END)
            off = b.next;
        break;
    default: /* an offset, kept within the log as Kafka's tool does */
        off = RILL_MIN(RILL_MAX(op->value, b.first), b.next);
        break;
    }
    op->changed++;
    return offsets_put(&op->r->env, txn, op->group, tm->name, p, off,
                       env_now_ms(&op->r->env));
}

static int reset_txn(MDB_txn *txn, void *arg)
{
    reset_op *op = arg;
    rill_env *e = &op->r->env;
    uint32_t gen;
    bool exists;
    MDB_cursor *cur;
    int rc = group_generation(e, txn, op->group, &gen, &exists);
    if (!rc && exists && gen != op->gen)
        rc = rill_err(RILL_EBUSY, "group '%s' changed meanwhile", op->group);
    if (rc)
        return rc;
    if ((rc = mdb_cursor_open(txn, e->db_log, &cur)))
        return env_mdb_err(e, rc, "opening a cursor");
    op->changed = 0;
    char **topics = NULL;
    size_t nt = 0;
    if (op->topic) {
        rc = names_add(&topics, &nt, op->topic, strlen(op->topic));
    } else { /* every topic the group has offsets for */
        name_list nl = {NULL, 0};
        rc = offsets_each_of_group(e, txn, op->group, name_list_add_topic,
                                   &nl);
        topics = nl.names;
        nt = nl.n;
    }
    for (size_t i = 0; !rc && i < nt; i++) {
        topic_meta tm;
        rc = topic_get(e, txn, topics[i], &tm);
        for (int32_t p = 0; !rc && p < tm.cfg.partitions; p++)
            rc = reset_one(op, txn, cur, &tm, p);
    }
    rill_names_free(topics, nt);
    mdb_cursor_close(cur);
    return rc;
}

RILL_API int rill_group_reset_offsets(rill *r, const char *group,
                                      const char *topic, int to,
                                      int64_t value)
{
    char **dead;
    size_t ndead;
    int rc = rill_enter(r);
    if (!rc)
        rc = validate_group(group);
    if (!rc && topic)
        rc = topic_name_validate(topic);
    if (rc)
        return rc;
    if (to < RILL_RESET_TO_EARLIEST || to > RILL_RESET_TO_OFFSET)
        return rill_err(RILL_EINVAL, "unknown reset target %d", to);
    if ((to == RILL_RESET_TO_TIME || to == RILL_RESET_TO_OFFSET) && value < 0)
        return rill_err(RILL_EINVAL, "reset value %lld is negative",
                        (long long)value);
    reset_op op = {r, group, topic, to, value, 0, 0};
    rc = require_no_live_members(r, group, &op.gen, &dead, &ndead);
    rill_names_free(dead, ndead);
    if (rc)
        return rc;
    return env_write_reserved(&r->env, reset_txn, &op);
}

/* Explicit offsets: each entry's offset, kept within its partition's
 * log as Kafka's tool does. */
typedef struct set_op {
    rill *r;
    const char *group;
    const rill_topic_partition *tps;
    size_t n;
    uint32_t gen;
} set_op;

static int set_txn(MDB_txn *txn, void *arg)
{
    set_op *op = arg;
    rill_env *e = &op->r->env;
    uint32_t gen;
    bool exists;
    MDB_cursor *cur;
    int rc = group_generation(e, txn, op->group, &gen, &exists);
    if (!rc && exists && gen != op->gen)
        rc = rill_err(RILL_EBUSY, "group '%s' changed meanwhile", op->group);
    if (rc)
        return rc;
    if ((rc = mdb_cursor_open(txn, e->db_log, &cur)))
        return env_mdb_err(e, rc, "opening a cursor");
    reset_op one = {op->r, op->group, NULL, RILL_RESET_TO_OFFSET, 0, gen, 0};
    for (size_t i = 0; !rc && i < op->n; i++) {
        const rill_topic_partition *tp = &op->tps[i];
        topic_meta tm;
        rc = topic_get(e, txn, tp->topic, &tm);
        if (!rc && tp->partition >= tm.cfg.partitions)
            rc = rill_err(RILL_ENOTFOUND, "topic '%s' has %d partitions; "
                          "partition %d requested", tp->topic,
                          tm.cfg.partitions, tp->partition);
        one.value = tp->offset;
        if (!rc)
            rc = reset_one(&one, txn, cur, &tm, tp->partition);
    }
    mdb_cursor_close(cur);
    return rc;
}

RILL_API int rill_group_set_offsets(rill *r, const char *group,
                                    const rill_topic_partition *tps, size_t n)
{
    char **dead;
    size_t ndead;
    int rc = rill_enter(r);
    if (!rc)
        rc = validate_group(group);
    if (rc)
        return rc;
    if (!tps && n)
        return rill_err(RILL_EINVAL, "tps is NULL");
    for (size_t i = 0; i < n; i++) {
        if ((rc = topic_name_validate(tps[i].topic)))
            return rill_err_wrap(rc, "entry %zu", i);
        if (tps[i].partition < 0)
            return rill_err(RILL_EINVAL, "entry %zu: partition %d is "
                            "negative", i, tps[i].partition);
        if (tps[i].offset < 0)
            return rill_err(RILL_EINVAL, "entry %zu: offset %lld is "
                            "negative", i, (long long)tps[i].offset);
    }
    set_op op = {r, group, tps, n, 0};
    rc = require_no_live_members(r, group, &op.gen, &dead, &ndead);
    rill_names_free(dead, ndead);
    if (rc || !n)
        return rc;
    return env_write_reserved(&r->env, set_txn, &op);
}

typedef struct delete_op {
    rill *r;
    const char *group;
    uint32_t gen;
} delete_op;

static int delete_group_txn(MDB_txn *txn, void *arg)
{
    delete_op *op = arg;
    rill_env *e = &op->r->env;
    uint32_t gen;
    bool exists;
    int rc = group_generation(e, txn, op->group, &gen, &exists);
    if (!rc && exists && gen != op->gen)
        rc = rill_err(RILL_EBUSY, "group '%s' changed meanwhile", op->group);
    if (rc)
        return rc;
    MDB_val k = {strlen(op->group), (void *)op->group};
    rc = mdb_del(txn, e->db_groups, &k, NULL);
    if (rc && rc != MDB_NOTFOUND)
        return env_mdb_err(e, rc, "deleting a group");
    return offsets_delete_group(e, txn, op->group);
}

RILL_API int rill_group_delete(rill *r, const char *group)
{
    char **dead;
    size_t ndead;
    rill_group_info *g;
    int rc = rill_enter(r);
    if (!rc)
        rc = validate_group(group);
    if (!rc)
        rc = rill_group_describe(&g, r, group); /* ENOTFOUND if none */
    if (rc)
        return rc;
    rill_group_info_free(g);
    delete_op op = {r, group, 0};
    rc = require_no_live_members(r, group, &op.gen, &dead, &ndead);
    if (!rc)
        rc = env_write_reserved(&r->env, delete_group_txn, &op);
    for (size_t i = 0; !rc && i < ndead; i++)
        member_remove_file(r->env.path, dead[i]);
    rill_names_free(dead, ndead);
    return rc;
}
