/*
 * admin.c -- operators' calls on a whole directory: verify every stored
 * batch, statistics of the file, a hot consistent backup.
 *
 * Verification reads in bounded read transactions (a few thousand batches
 * each) and reports problems only between them, so neither a long scan
 * nor the caller's callback pins pages for long.
 */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"
#include "error.h"
#include "log.h"
#include "handle.h"
#include "topic.h"

#define VERIFY_BATCHES_PER_TXN 2048

typedef struct problem {
    char topic[RILL_TOPIC_NAME_MAX + 1];
    int32_t partition;
    int64_t offset;
    int err;
    char msg[512];
} problem;

typedef struct verify_state {
    rill_verify_report *rep;
    problem *probs;
    size_t nprobs, cap;
    rill_buf scratch;
} verify_state;

static void note(verify_state *v, const char *topic, int32_t partition,
                 int64_t offset, int err)
{
    v->rep->problems++;
    if (v->nprobs == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        problem *p = realloc(v->probs, cap * sizeof *p);
        if (!p)
            return; /* counted, not described */
        v->probs = p;
        v->cap = cap;
    }
    problem *p = &v->probs[v->nprobs++];
    snprintf(p->topic, sizeof p->topic, "%s", topic);
    p->partition = partition;
    p->offset = offset;
    p->err = err;
    snprintf(p->msg, sizeof p->msg, "%s", rill_errmsg());
}

/* Verifies up to VERIFY_BATCHES_PER_TXN batches of a partition from
 * *from on; *done when the partition's end was reached. */
static int verify_chunk(rill *r, const topic_meta *t, int32_t part,
                        int64_t *from, int64_t *expect, bool *done,
                        verify_state *v)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val val;
    int64_t base;
    log_part p = {t->name, t->id, part};
    int rc = env_read_begin(&r->env, &txn);
    if (rc)
        return rc;
    if ((rc = mdb_cursor_open(txn, r->env.db_log, &cur))) {
        env_read_end(&r->env, txn);
        return env_mdb_err(&r->env, rc, "opening a log cursor");
    }
    *done = true;
    rc = log_seek(&r->env, cur, &p, *from, &val, &base);
    /* *from is one past the last batch verified; log_seek finds the batch
     * holding it, which is that batch again when it held several. */
    if (rc == 0 && base < *from)
        rc = log_next(&r->env, cur, &p, &val, &base);
    for (size_t n = 0; rc == 0; n++) {
        if (n == VERIFY_BATCHES_PER_TXN) {
            *done = false;
            break;
        }
        batch_header h;
        int brc = batch_validate(val.mv_data, val.mv_size, BATCH_RAW_MAX,
                                 &v->scratch);
        if (!brc && batch_parse_header(&h, val.mv_data, val.mv_size,
                                       BATCH_RAW_MAX) == 0 &&
            h.base_offset != base)
            brc = rill_err(RILL_ECORRUPT, "header base offset %lld differs "
                           "from its key", (long long)h.base_offset);
        if (!brc && *expect >= 0 && base != *expect)
            brc = rill_err(RILL_ECORRUPT, "batch starts at %lld, the one "
                           "before ended at %lld", (long long)base,
                           (long long)*expect);
        if (brc) {
            note(v, t->name, part, base, brc);
            *expect = -1; /* resynchronize on the next batch */
        } else {
            v->rep->batches++;
            v->rep->records += h.record_count;
            *expect = base + (int64_t)h.last_offset_delta + 1;
        }
        v->rep->bytes += (int64_t)val.mv_size;
        *from = base + 1;
        rc = log_next(&r->env, cur, &p, &val, &base);
    }
    mdb_cursor_close(cur);
    env_read_end(&r->env, txn);
    return rc < 0 ? rc : 0;
}

/* Hands the collected problems to the callback, outside any transaction. */
static void report(verify_state *v, rill_verify_cb cb, void *opaque)
{
    for (size_t i = 0; cb && i < v->nprobs; i++)
        cb(opaque, v->probs[i].topic, v->probs[i].partition,
           v->probs[i].offset, v->probs[i].err, v->probs[i].msg);
    v->nprobs = 0;
}

static int verify_topic(rill *r, const char *name, verify_state *v,
                        rill_verify_cb cb, void *opaque)
{
    topic_meta t;
    int rc = topic_lookup(&r->env, name, &t);
    if (rc == RILL_ECORRUPT) {
        note(v, name, -1, -1, rc);
        report(v, cb, opaque);
        return 0;
    }
    if (rc)
        return rc;
    v->rep->topics++;
    for (int32_t part = 0; part < t.cfg.partitions; part++) {
        int64_t from = 0, expect = -1;
        bool done = false;
        v->rep->partitions++;
        while (!done && !rc) {
            rc = verify_chunk(r, &t, part, &from, &expect, &done, v);
            report(v, cb, opaque);
        }
    }
    return rc;
}

RILL_API void rill_verify_report_free(rill_verify_report *rep)
{
    free(rep);
}

RILL_API int rill_verify(rill_verify_report **out, rill *r, const char *topic,
                         rill_verify_cb cb, void *opaque)
{
    rill_verify_report rep = {0};
    verify_state v = {.rep = &rep};
    char **names = NULL;
    size_t n = 0;
    if (out)
        *out = NULL;
    int rc = rill_enter(r);
    if (!rc && topic)
        rc = topic_name_validate(topic);
    if (rc)
        return rc;
    if (topic) {
        rc = verify_topic(r, topic, &v, cb, opaque);
    } else if (!(rc = rill_topic_list(&names, &n, r))) {
        for (size_t i = 0; i < n && !rc; i++)
            rc = verify_topic(r, names[i], &v, cb, opaque);
        rill_names_free(names, n);
    }
    free(v.probs);
    buf_free(&v.scratch);
    if (out && (!rc || rc == RILL_ECORRUPT)) {
        if (!(*out = malloc(sizeof **out)))
            return rill_err(RILL_ENOMEM, "out of memory");
        **out = rep;
    }
    if (!rc && rep.problems)
        rc = rill_err(RILL_ECORRUPT, "%lld problems in %lld batches",
                      (long long)rep.problems,
                      (long long)(rep.batches + rep.problems));
    return rc;
}

/* ---- statistics ---- */

static int count_entries(rill_env *e, MDB_txn *txn, MDB_dbi dbi,
                         size_t *entries)
{
    MDB_stat st;
    int rc = mdb_stat(txn, dbi, &st);
    *entries = rc ? 0 : st.ms_entries;
    return env_mdb_err(e, rc, "reading database statistics");
}

RILL_API void rill_stats_report_free(rill_stats_report *rep)
{
    free(rep);
}

RILL_API int rill_stats(rill_stats_report **report, rill *r)
{
    MDB_txn *txn;
    env_stats es;
    if (!report)
        return rill_err(RILL_EINVAL, "report is NULL");
    *report = NULL;
    int rc = rill_enter(r);
    if (rc || (rc = env_stats_get(&r->env, &es)))
        return rc;
    rill_stats_report *out = calloc(1, sizeof *out);
    if (!out)
        return rill_err(RILL_ENOMEM, "out of memory");
    out->file_bytes = es.file_size;
    out->map_bytes = es.map_size;
    out->map_bytes_max = r->env.map_size_max;
    out->page_size = es.page_size;
    out->pages_used = es.last_page + 1;
    out->max_readers = es.max_readers;
    out->readers_used = es.readers_used;
    if ((rc = env_read_begin(&r->env, &txn))) {
        free(out);
        return rc;
    }
    size_t log_batches = 0, groups = 0, app = 0;
    rc = env_free_pages(&r->env, txn, &out->pages_free);
    if (!rc)
        rc = count_entries(&r->env, txn, r->env.db_topics, &out->topics);
    if (!rc)
        rc = count_entries(&r->env, txn, r->env.db_log, &log_batches);
    if (!rc)
        rc = count_entries(&r->env, txn, r->env.db_groups, &groups);
    if (!rc)
        rc = count_entries(&r->env, txn, r->env.db_app, &app);
    env_read_end(&r->env, txn);
    out->batches = log_batches;
    out->groups_active = groups;
    out->app_keys = app;
    if (rc)
        free(out);
    else
        *report = out;
    return rc;
}

/* ---- backup ---- */

RILL_API int rill_backup(rill *r, const char *dest, int compact)
{
    char path[PATH_MAX];
    int rc = rill_enter(r);
    if (rc)
        return rc;
    if (!dest || !*dest)
        return rill_err(RILL_EINVAL, "destination is NULL or empty");
    unsigned mode = r->env.file_mode;
    unsigned dmode = mode | ((mode & 0444) >> 2);
    if (mkdir(dest, dmode) != 0) {
        if (errno == EEXIST)
            return rill_err(RILL_EEXIST, "'%s' exists; back up into a new "
                            "directory", dest);
        return rill_err_errno(errno, "cannot create", dest);
    }
    chmod(dest, dmode);
    if (snprintf(path, sizeof path, "%s/data.mdb", dest) >= (int)sizeof path)
        return rill_err(RILL_EINVAL, "destination path is too long");
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return rill_err_errno(errno, "cannot create", path);
    fchmod(fd, mode);
    /* A consistent snapshot: LMDB copies from one read transaction while
     * writers go on. Compacting omits free pages and renumbers the rest. */
    pthread_rwlock_rdlock(&r->env.gate);
    int mrc = mdb_env_copyfd2(r->env.mdb, fd, compact ? MDB_CP_COMPACT : 0);
    pthread_rwlock_unlock(&r->env.gate);
    if (!mrc && fsync(fd) != 0)
        mrc = errno;
    close(fd);
    if (mrc) {
        unlink(path);
        rmdir(dest);
        return env_mdb_err(&r->env, mrc, "copying the environment");
    }
    return 0;
}
