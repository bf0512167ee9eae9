/*
 * env.h -- the open directory's LMDB environment: files and modes, the
 * named databases, fork safety and the translation of LMDB's errors (done
 * here and nowhere else) in env.c; transactions and map growth in
 * envtxn.c.
 */
#ifndef RILL_ENV_H
#define RILL_ENV_H

#include "common.h"

#include <lmdb.h>
#include <pthread.h>

#include "wlock.h"
#include <stdatomic.h>
#include <sys/types.h>

/* The format version written in a new directory; a directory with a
 * higher version is refused with RILL_EVERSION. */
#define RILL_FORMAT_VERSION 2

/* Internal codes, never returned to users: the write must be retried
 * after growing the map (MAP_FULL) or adopting another process's larger
 * map (MAP_RESIZED). */
#define RILL__EMAPFULL (-1001)
#define RILL__ERESIZED (-1002)

#define ENV_RTXN_POOL 16
#define READER_CHECK_INTERVAL_MS 5000

typedef struct rill_env {
    MDB_env *mdb;
    /* The named databases (schema in env.c). */
    MDB_dbi db_meta;    /* format version, counters */
    MDB_dbi db_topics;  /* topic name -> configuration */
    MDB_dbi db_log;     /* (topic id, partition, base offset) -> batch */
    MDB_dbi db_pstate;  /* (topic id, partition) -> partition state */
    MDB_dbi db_groups;  /* group state (consumer groups) */
    MDB_dbi db_offsets; /* committed offsets */
    MDB_dbi db_app;     /* the application's transactional table */
    MDB_dbi db_producers; /* idempotent producers' last sequences */

    wlock writer; /* around every write transaction: see wlock.h */

    /* Held shared by every transaction of this process and exclusively
     * to remap (LMDB requires no active transaction in the process). */
    pthread_rwlock_t gate;

    pthread_mutex_t pool_lock;
    MDB_txn *rtxn_pool[ENV_RTXN_POOL];
    unsigned rtxn_count, rtxn_pool_max;
    unsigned max_readers;

    size_t map_size;     /* current map size of this process */
    size_t map_size_max;
    int sync_mode;
    unsigned sync_interval_ms;
    int read_only;
    uint32_t format; /* the directory's format version, as opened */
    unsigned file_mode;
    char *path;
    dev_t dev;
    ino_t ino;
    unsigned fork_gen; /* the fork generation when opened */
    uint64_t serial;   /* unique among this process's environments */

    _Atomic int64_t next_reader_check_ms;
    atomic_bool dead; /* after MDB_PANIC: every call fails */

    /* RILL_SYNC_INTERVAL: a flusher thread fsyncs when commits are
     * pending and the interval has passed. */
    pthread_t flusher;
    bool flusher_running;
    pthread_mutex_t flush_lock;
    pthread_cond_t flush_cond;
    bool flush_stop;
    atomic_bool flush_dirty;

    rill_log_cb log;
    void *log_opaque;
    rill_clock_cb clock;
    void *clock_opaque;
} rill_env;

/* Opens (creating if allowed) the directory's environment and databases.
 * On failure *e holds nothing to close. */
int env_open(rill_env *e, const char *dir, const rill_options *o);

/* Closes the environment (never in a forked child: see rill_close). */
void env_close(rill_env *e);

/* The current fork generation; a handle opened in an older generation
 * belongs to a parent process. */
unsigned env_fork_generation(void);

/* Checks that the handle may be used in this process: RILL_EFORKED in a
 * child after fork, RILL_EIO after the environment failed fatally. */
int env_check(const rill_env *e);

/* The time now per the handle's clock (ms since the epoch). */
int64_t env_now_ms(const rill_env *e);

/* Logs a diagnostic through the user's callback, if any. */
void env_log(const rill_env *e, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Begins a read-only transaction (from a pool of reset ones). It must be
 * ended by env_read_end on the same thread before any wait or user code. */
int env_read_begin(rill_env *e, MDB_txn **txn);
void env_read_end(rill_env *e, MDB_txn *txn);

/* Marks (e) or clears (NULL) the directory whose user transaction this
 * thread holds; other writes from the thread then fail with RILL_ESTATE
 * instead of waiting for themselves. */
void env_user_txn_set(const rill_env *e);
/* RILL_ESTATE if this thread holds a user transaction on e. */
int env_user_txn_check(const rill_env *e);

/* Grows the map ahead of a transaction that cannot be redone when it
 * fills (a user transaction): when less than a tenth of it is free. */
int env_reserve(rill_env *e);

/* Begins a write transaction. Errors: RILL_EPERM when read-only,
 * RILL_ESTATE when this thread holds a user transaction. */
int env_write_begin(rill_env *e, MDB_txn **txn);

/* Commits; then syncs per the mode (ALWAYS syncs inside LMDB's commit).
 * May return RILL__EMAPFULL: grow the map with env_grow and redo. */
int env_write_commit(rill_env *e, MDB_txn *txn);
void env_write_abort(rill_env *e, MDB_txn *txn);

/* Grows this process's map after RILL__EMAPFULL (doubling, capped by
 * map_size_max: RILL_EFULL once there) or adopts the larger map of
 * another process after RILL__ERESIZED. Waits for this process's other
 * transactions to end. */
int env_grow(rill_env *e, int why);

/* Runs fn(txn, arg) in a write transaction and commits it, growing the
 * map and redoing the whole transaction when it fills. fn returns 0 or an
 * error (which aborts). fn may run more than once, so it must depend only
 * on arg and the transaction. */
int env_write(rill_env *e, int (*fn)(MDB_txn *txn, void *arg), void *arg);

/* As env_write, for work that frees space or keeps consumers going
 * (deleting, retention, compaction, group changes, offset commits): when
 * the map is full at map_size_max it runs once more with a small reserve
 * beyond it, which appends never use. So a full log can still be emptied
 * without reopening. */
int env_write_reserved(rill_env *e, int (*fn)(MDB_txn *txn, void *arg),
                       void *arg);

/* Translates an LMDB return code into a RILL_E* code with a message
 * naming what was being done; marks the handle dead on MDB_PANIC. */
int env_mdb_err(rill_env *e, int rc, const char *what);

/* Statistics about the file for describe/stats. */
typedef struct env_stats {
    size_t map_size;
    size_t file_size;
    size_t page_size;
    size_t last_page;
    unsigned max_readers;
    unsigned readers_used;
} env_stats;
int env_stats_get(rill_env *e, env_stats *st);
/* The pages on LMDB's free list as of txn. */
int env_free_pages(rill_env *e, MDB_txn *txn, size_t *pages);

#endif
