/*
 * rill.c -- the open-directory handle: options, the process-wide registry
 * of open directories, open and close.
 *
 * LMDB forbids opening one environment twice in a process (its locks are
 * per process, and closing either would break the other). The registry
 * keys every open handle by the data file's device and inode, so a second
 * rill_open of the same directory -- by any path, symlink or bind mount --
 * gets the same handle with one more reference.
 */
#include "common.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "extgroup.h"
#include "handle.h"
#include "consume.h"
#include "produce.h"
#include "producer.h"
#include "retain.h"
#include "topic.h"

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static rill *registry;
static unsigned registry_gen; /* the fork generation it belongs to */

RILL_API const char *rill_version(void)
{
    return RILL_VERSION_STRING;
}

RILL_API void rill_options_init(rill_options *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof *o);
    o->struct_size = sizeof *o;
    o->sync = RILL_SYNC_ALWAYS;
    o->sync_interval_ms = 1000;
    o->file_mode = 0600;
}

/* The registry as seen by this process: a child after fork starts with
 * an empty one (its inherited handles are the parent's). */
static void registry_sync_fork(void)
{
    unsigned gen = env_fork_generation();
    if (registry_gen != gen) {
        registry = NULL;
        registry_gen = gen;
    }
}

static rill *registry_find(const char *dir)
{
    char path[PATH_MAX];
    struct stat st;
    if (snprintf(path, sizeof path, "%s/data.mdb", dir) >= (int)sizeof path ||
        stat(path, &st) != 0)
        return NULL;
    for (rill *r = registry; r; r = r->next)
        if (r->env.dev == st.st_dev && r->env.ino == st.st_ino)
            return r;
    return NULL;
}

static void rill_free(rill *r)
{
    pthread_mutex_destroy(&r->clients_lock);
    free(r);
}

/* Releases everything of a handle that is not (or no longer) in the
 * registry. */
static void rill_destroy(rill *r)
{
    maintain_stop(r);
    producers_close_all(r);
    consumers_free_all(r);
    extgroup_close(r);
    notify_close(&r->nt);
    env_close(&r->env);
    produce_queue_destroy(r->pq);
    rill_free(r);
}

/* Makes a handle for a directory this process does not have open: the
 * writer's queue, the environment, the wake-up mapping, the maintenance
 * thread if asked for, and the end of a topic purge a crash interrupted.
 * Runs with the registry lock held; on failure nothing is left. */
static int rill_create(rill **out, const char *dir, const rill_options *o)
{
    rill *r = calloc(1, sizeof *r);
    if (!r)
        return rill_err(RILL_ENOMEM, "out of memory");
    pthread_mutex_init(&r->clients_lock, NULL);
    r->refs = 1;
    r->after_write = retain_run_due;
    int rc = produce_queue_new(&r->pq, o->sync == RILL_SYNC_ALWAYS);
    if (!rc)
        rc = env_open(&r->env, dir, o);
    if (rc) {
        produce_queue_destroy(r->pq);
        rill_free(r);
        return rc;
    }
    notify_open(&r->nt, dir, o->file_mode, o->read_only);
    if (!rc)
        rc = maintain_start(r, o->read_only ? 0 : o->maintain_interval_ms);
    if (rc || (!o->read_only && (rc = topic_purge_pending(&r->env)))) {
        rill_destroy(r); /* the registry lock is held: not rill_close */
        return rc;
    }
    *out = r;
    return 0;
}

RILL_API int rill_open(rill **out, const char *dir, const rill_options *o)
{
    rill_options d;
    if (!out)
        return rill_err(RILL_EINVAL, "out is NULL");
    *out = NULL;
    if (!dir || !*dir)
        return rill_err(RILL_EINVAL, "directory is NULL or empty");
    rill_options_init(&d);
    int rc = o ? options_adopt(&d, sizeof d, o, "rill_options") : 0;
    if (rc)
        return rc;
    o = &d;
    pthread_mutex_lock(&registry_lock);
    registry_sync_fork();
    rill *r = registry_find(dir);
    if (r) {
        if (r->env.read_only != (o->read_only != 0) ||
            r->env.sync_mode != o->sync)
            rc = rill_err(RILL_EBUSY, "'%s' is open in this process already "
                          "(as '%s') with other options", dir, r->env.path);
        else
            r->refs++;
    } else if (!(rc = rill_create(&r, dir, o))) {
        r->next = registry;
        registry = r;
    }
    pthread_mutex_unlock(&registry_lock);
    if (!rc)
        *out = r;
    return rc;
}

RILL_API void rill_close(rill *r)
{
    if (!r)
        return;
    if (r->env.fork_gen != env_fork_generation()) {
        /* A child's copy of its parent's handle: LMDB's state (reader
         * slots in the shared lock file) must not be touched from here, so
         * nothing is released; the memory goes when the child exits or
         * execs. */
        return;
    }
    pthread_mutex_lock(&registry_lock);
    registry_sync_fork();
    if (--r->refs > 0) {
        pthread_mutex_unlock(&registry_lock);
        return;
    }
    for (rill **p = &registry; *p; p = &(*p)->next)
        if (*p == r) {
            *p = r->next;
            break;
        }
    pthread_mutex_unlock(&registry_lock);
    rill_destroy(r);
}
