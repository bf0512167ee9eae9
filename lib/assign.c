/*
 * assign.c -- range, round-robin and sticky assignment (see assign.h).
 *
 * Range (Kafka's RangeAssignor): per topic, the members subscribed to it
 * in id order each take a consecutive range; the first (partitions %
 * members) take one extra.
 *
 * Round-robin (RoundRobinAssignor): all partitions in (topic, partition)
 * order are dealt to the members in id order, circularly, skipping
 * members not subscribed to the partition's topic.
 *
 * Sticky (StickyAssignor): each member keeps what it had, as far as it
 * is still subscribed and the partition still exists; members over their
 * fair share give up their highest partitions; then every unowned
 * partition, in order, goes to the subscribed member with the fewest
 * (lowest id on a tie). From nothing this is round-robin's result; after
 * a change it moves as few partitions as balance allows.
 */
#include "assign.h"

#include <stdlib.h>

#include "error.h"

int assign_tp_cmp(const void *a, const void *b)
{
    const assign_tp *x = a, *y = b;
    if (x->topic != y->topic)
        return x->topic < y->topic ? -1 : 1;
    return x->partition < y->partition ? -1 : x->partition > y->partition;
}

static bool push(assign_member *m, size_t cap, uint32_t topic, int32_t part)
{
    if (m->nout == cap)
        return false;
    m->out[m->nout++] = (assign_tp){topic, part};
    return true;
}

static void assign_range(assign_member *ms, size_t n, const int32_t *pcounts,
                         size_t ntopics, size_t cap)
{
    for (uint32_t t = 0; t < ntopics; t++) {
        size_t subs = 0;
        for (size_t i = 0; i < n; i++)
            subs += ms[i].subscribed[t];
        if (!subs)
            continue;
        int32_t per = pcounts[t] / (int32_t)subs;
        int32_t extra = pcounts[t] % (int32_t)subs;
        int32_t next = 0;
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (!ms[i].subscribed[t])
                continue;
            int32_t take = per + ((int32_t)k < extra);
            for (int32_t p = 0; p < take; p++)
                push(&ms[i], cap, t, next++);
            k++;
        }
    }
}

static void assign_round_robin(assign_member *ms, size_t n,
                               const int32_t *pcounts, size_t ntopics,
                               size_t cap)
{
    size_t next = 0;
    for (uint32_t t = 0; t < ntopics; t++) {
        for (int32_t p = 0; p < pcounts[t]; p++) {
            for (size_t tries = 0; tries < n; tries++) {
                assign_member *m = &ms[next];
                next = (next + 1) % n;
                if (m->subscribed[t]) {
                    push(m, cap, t, p);
                    break;
                }
            }
        }
    }
}

static void assign_sticky(assign_member *ms, size_t n, const int32_t *pcounts,
                          size_t ntopics, size_t cap, uint8_t **owner_of)
{
    /* total partitions that some member subscribes to */
    size_t total = 0;
    for (uint32_t t = 0; t < ntopics; t++) {
        bool any = false;
        for (size_t i = 0; i < n; i++)
            any |= ms[i].subscribed[t];
        if (any)
            total += (size_t)pcounts[t];
    }
    size_t quota = (total + n - 1) / n; /* the most anyone keeps */

    /* Keep valid previous partitions, up to the quota, lowest first. */
    for (size_t i = 0; i < n; i++) {
        assign_member *m = &ms[i];
        for (size_t j = 0; j < m->nprev && m->nout < quota; j++) {
            assign_tp tp = m->prev[j];
            if (tp.topic >= ntopics || !m->subscribed[tp.topic] ||
                tp.partition < 0 || tp.partition >= pcounts[tp.topic] ||
                owner_of[tp.topic][tp.partition])
                continue;
            owner_of[tp.topic][tp.partition] = 1;
            push(m, cap, tp.topic, tp.partition);
        }
    }
    /* Members above floor(total/n) while others are below give up their
     * last partitions, so the result is as balanced as round-robin. */
    size_t floor_share = total / n;
    size_t over_allowed = total % n; /* members that may hold quota */
    size_t at_quota = 0;
    for (size_t i = 0; i < n; i++) {
        assign_member *m = &ms[i];
        qsort(m->out, m->nout, sizeof *m->out, assign_tp_cmp);
        if (m->nout > floor_share) {
            if (quota > floor_share && at_quota < over_allowed) {
                at_quota++;
                continue;
            }
            while (m->nout > floor_share) {
                assign_tp tp = m->out[--m->nout];
                owner_of[tp.topic][tp.partition] = 0;
            }
        }
    }
    /* Deal the rest to whoever has the fewest. */
    for (uint32_t t = 0; t < ntopics; t++) {
        for (int32_t p = 0; p < pcounts[t]; p++) {
            if (owner_of[t][p])
                continue;
            assign_member *best = NULL;
            for (size_t i = 0; i < n; i++)
                if (ms[i].subscribed[t] && (!best || ms[i].nout < best->nout))
                    best = &ms[i];
            if (best) {
                push(best, cap, t, p);
                owner_of[t][p] = 1;
            }
        }
    }
}

int assign_run(int assignor, assign_member *members, size_t nmembers,
               const int32_t *pcounts, size_t ntopics)
{
    size_t cap = 0;
    int rc = 0;
    uint8_t **owner_of = NULL;
    for (size_t t = 0; t < ntopics; t++)
        cap += (size_t)pcounts[t];
    for (size_t i = 0; i < nmembers; i++) {
        members[i].nout = 0;
        members[i].out = malloc((cap ? cap : 1) * sizeof(assign_tp));
        if (!members[i].out)
            rc = RILL_ENOMEM;
    }
    if (!rc && assignor == RILL_ASSIGN_STICKY) {
        owner_of = calloc(ntopics ? ntopics : 1, sizeof *owner_of);
        if (!owner_of)
            rc = RILL_ENOMEM;
        for (size_t t = 0; !rc && t < ntopics; t++)
            if (!(owner_of[t] = calloc((size_t)pcounts[t] + 1, 1)))
                rc = RILL_ENOMEM;
    }
    if (!rc && nmembers) {
        if (assignor == RILL_ASSIGN_ROUND_ROBIN)
            assign_round_robin(members, nmembers, pcounts, ntopics, cap);
        else if (assignor == RILL_ASSIGN_STICKY)
            assign_sticky(members, nmembers, pcounts, ntopics, cap, owner_of);
        else
            assign_range(members, nmembers, pcounts, ntopics, cap);
        for (size_t i = 0; i < nmembers; i++)
            qsort(members[i].out, members[i].nout, sizeof(assign_tp),
                  assign_tp_cmp);
    }
    if (owner_of) {
        for (size_t t = 0; t < ntopics; t++)
            free(owner_of[t]);
        free(owner_of);
    }
    if (rc) {
        for (size_t i = 0; i < nmembers; i++) {
            free(members[i].out);
            members[i].out = NULL;
            members[i].nout = 0;
        }
        return rill_err(RILL_ENOMEM, "out of memory assigning partitions");
    }
    return 0;
}
