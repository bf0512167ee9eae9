/*
 * env.c -- the LMDB environment of an open directory.
 *
 * Files in a rill directory:
 *   data.mdb, lock.mdb   LMDB's data and lock files
 *   notify               the shared wake-up counter (notify.c)
 *   write.lock           the writer lock around every write (wlock.c)
 * All are created with the configured mode exactly (created first with
 * O_EXCL and fchmod'ed, so the umask does not apply).
 *
 * Named databases and their keys (integers big-endian):
 *   rill.meta     "format" -> u32 format version
 *                 "next_topic_id" -> u32
 *                 "purge" + u32 topic id -> (empty): a deleted topic whose
 *                 records are still being removed
 *   rill.topics   topic name -> msgpack map of its configuration (topic.c)
 *   rill.log      u32 topic id, u32 partition, u64 base offset -> batch
 *                 (batch.c); a partition's records are one key range
 *   rill.pstate   u32 topic id, u32 partition -> partition state (log.c)
 *   rill.groups   consumer-group state (group.c)
 *   rill.offsets  committed offsets (group.c)
 *   rill.app      the application's keys and values (rill_txn_put)
 *   rill.producers  producer id -> its last sequences and their positions
 *                 (dedup.c)
 *
 * One log database for all partitions, rather than one database each:
 * LMDB's named-database handles must be opened per process under a lock
 * that spans a whole transaction, cannot be closed safely while in use,
 * and every transaction allocates per possible handle. Fixed handles,
 * opened once here, avoid all of that; topic ids (never reused) keep a
 * deleted and recreated topic's records apart.
 *
 * LMDB pitfalls handled here: no MDB_WRITEMAP (a full disk must be an
 * error, not SIGBUS); MDB_NOTLS so read transactions are not tied to
 * threads and can be pooled; one environment per file per process (the
 * registry in rill.c keys handles by device and inode); handles are dead
 * in a forked child; map growth quiesces this process's transactions;
 * MDB_PANIC kills the handle; stale reader slots are cleared on open,
 * every few seconds, and when the table is full.
 */
#include "env.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "error.h"

#define DEFAULT_MAP_INITIAL ((size_t)1 << 30)
#define DEFAULT_MAP_MAX ((size_t)64 << 30)
#define MAP_MIN ((size_t)1 << 20)
#define DEFAULT_MAX_READERS 1022

static atomic_uint fork_generation;
static _Atomic uint64_t env_serials; /* numbers environments (see below) */
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void on_fork_child(void)
{
    atomic_fetch_add(&fork_generation, 1);
}

static void atfork_register(void)
{
    pthread_atfork(NULL, NULL, on_fork_child);
}

unsigned env_fork_generation(void)
{
    pthread_once(&atfork_once, atfork_register);
    return atomic_load(&fork_generation);
}

int env_check(const rill_env *e)
{
    if (e->fork_gen != atomic_load(&fork_generation))
        return rill_err(RILL_EFORKED, "this rill handle was opened by the "
                        "parent process; open the directory again after fork");
    if (atomic_load(&e->dead))
        return rill_err(RILL_EIO, "the environment of '%s' failed fatally; "
                        "close and reopen it", e->path);
    return 0;
}

int64_t env_now_ms(const rill_env *e)
{
    return e->clock ? e->clock(e->clock_opaque) : rill_realtime_ms();
}

void env_log(const rill_env *e, int level, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    if (!e->log)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    e->log(e->log_opaque, level, msg);
}

static bool disk_is_full(const rill_env *e)
{
    struct statvfs sv;
    return e->path && statvfs(e->path, &sv) == 0 &&
           (uint64_t)sv.f_bavail * sv.f_frsize < ((uint64_t)1 << 20);
}

int env_mdb_err(rill_env *e, int rc, const char *what)
{
    switch (rc) {
    case MDB_SUCCESS:
        return 0;
    case MDB_MAP_FULL:
        return RILL__EMAPFULL;
    case MDB_MAP_RESIZED:
        return RILL__ERESIZED;
    case MDB_PANIC:
        atomic_store(&e->dead, true);
        return rill_err(RILL_EUNKNOWN, "%s: LMDB failed fatally (%s); the "
                        "outcome is unknown and the handle must be reopened",
                        what, mdb_strerror(rc));
    case MDB_READERS_FULL:
        return rill_err(RILL_EBUSY, "%s: all %u reader slots are in use "
                        "(max_readers)", what, e->max_readers);
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
        return rill_err(RILL_ECORRUPT, "%s: %s", what, mdb_strerror(rc));
    case MDB_VERSION_MISMATCH:
    case MDB_INVALID:
        return rill_err(RILL_EVERSION, "%s: %s", what, mdb_strerror(rc));
    case MDB_TXN_FULL:
        return rill_err(RILL_ETOOBIG, "%s: the transaction is too large for "
                        "LMDB (%s)", what, mdb_strerror(rc));
    case ENOSPC:
    case EDQUOT:
        return rill_err(RILL_EFULL, "%s: the disk is full (%s)", what,
                        strerror(rc));
    case EIO:
        /* LMDB reports a write that fell short as EIO: on a full disk. */
        if (disk_is_full(e))
            return rill_err(RILL_EFULL, "%s: the disk is full (a write fell "
                            "short); nothing was committed", what);
        return rill_err(RILL_EIO, "%s: %s", what, mdb_strerror(rc));
    case EACCES:
    case EPERM:
    case EROFS:
        return rill_err(RILL_EPERM, "%s: %s", what, strerror(rc));
    case ENOMEM:
        return rill_err(RILL_ENOMEM, "%s: out of memory", what);
    default:
        return rill_err(RILL_EIO, "%s: %s", what, mdb_strerror(rc));
    }
}

/* ---- files ---- */

/* Creates path with exactly mode if it does not exist. */
static int create_file(const char *path, unsigned mode)
{
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        if (errno == EEXIST)
            return 0;
        return rill_err_errno(errno, "cannot create", path);
    }
    int rc = 0;
    if (fchmod(fd, mode) != 0)
        rc = rill_err_errno(errno, "cannot set the mode of", path);
    close(fd);
    return rc;
}

/* The directory's mode: the file mode plus search permission wherever
 * the mode grants read (0600 -> 0700, 0660 -> 0770). */
static unsigned dir_mode(unsigned file_mode)
{
    return file_mode | ((file_mode & 0444) >> 2);
}

/* The file system is rill's access control: a directory anyone may write
 * to lets anyone replace the log, so it is refused (as ssh refuses such a
 * home); one owned by another user is fine for sharing through a group
 * (file_mode 0660) and only noted. */
static int check_owner_and_mode(rill_env *e, const char *what,
                                const struct stat *st)
{
    if ((st->st_mode & S_IWOTH) && !(st->st_mode & S_ISVTX))
        return rill_err(RILL_EPERM, "'%s' is writable by every user; refusing "
                        "it (chmod o-w)", what);
    if (st->st_uid != geteuid())
        env_log(e, RILL_LOG_WARN, "'%s' belongs to uid %u, not to this "
                "process (uid %u): shared through its group?", what,
                (unsigned)st->st_uid, (unsigned)geteuid());
    return 0;
}

/* rill creates its files only in an empty directory or one that is
 * rill's already: a mistyped path must not scatter data.mdb and the rest
 * among someone's own files. A directory holding nothing but rill's side
 * files is one whose first open was interrupted. */
static int check_not_foreign(const char *dir)
{
    static const char *const ours[] = {"data.mdb", "lock.mdb", "notify",
                                       "write.lock", "members"};
    char path[PATH_MAX];
    struct stat st;
    if (snprintf(path, sizeof path, "%s/data.mdb", dir) >= (int)sizeof path)
        return rill_err(RILL_EINVAL, "path '%s' is too long", dir);
    if (stat(path, &st) == 0)
        return 0;
    DIR *d = opendir(dir);
    if (!d)
        return rill_err_errno(errno, "cannot read directory", dir);
    struct dirent *de;
    int rc = 0;
    while (!rc && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        bool known = false;
        for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++)
            known |= !strcmp(de->d_name, ours[i]);
        if (!known)
            rc = rill_err(RILL_EEXIST, "'%s' is not empty and not a rill "
                          "directory (it holds '%s'); use an empty or new "
                          "directory, or set allow_nonempty", dir,
                          de->d_name);
    }
    closedir(d);
    return rc;
}

static int prepare_dir(rill_env *e, const char *dir, unsigned mode,
                       bool read_only, bool allow_nonempty)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return rill_err(RILL_EINVAL, "'%s' exists and is not a directory",
                            dir);
        int rc = check_owner_and_mode(e, dir, &st);
        if (!rc && !read_only && !allow_nonempty)
            rc = check_not_foreign(dir);
        if (rc)
            return rc;
    } else if (errno != ENOENT) {
        return rill_err_errno(errno, "cannot stat", dir);
    } else if (read_only) {
        return rill_err(RILL_ENOTFOUND, "no rill directory at '%s'", dir);
    } else if (mkdir(dir, dir_mode(mode)) == 0) {
        if (chmod(dir, dir_mode(mode)) != 0)
            return rill_err_errno(errno, "cannot set the mode of", dir);
    } else if (errno != EEXIST) {
        return rill_err_errno(errno, "cannot create directory", dir);
    }

    /* LMDB needs working mmap coherence and POSIX locks across processes,
     * which network file systems do not give. */
    struct statfs sf;
    if (statfs(dir, &sf) == 0) {
        switch ((unsigned long)sf.f_type) {
        case 0x6969UL:     /* NFS */
        case 0x517bUL:     /* SMB */
        case 0xff534d42UL: /* CIFS */
        case 0xfe534d42UL: /* SMB2 */
        case 0x65735546UL: /* FUSE (sshfs and the like) */
        case 0x01021997UL: /* 9P */
            return rill_err(RILL_EINVAL, "'%s' is on a network file system; "
                            "rill needs a local file system", dir);
        default:
            break;
        }
    }
    return 0;
}

static int join_path(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= cap)
        return rill_err(RILL_EINVAL, "path '%s/%s' is too long", dir, name);
    return 0;
}

/* ---- opening ---- */

/* Opens one named database; *missing (when not NULL) is set instead of
 * failing when it does not exist and create is off. */
static int open_dbi(rill_env *e, MDB_txn *txn, const char *name, bool create,
                    MDB_dbi *dbi, bool *missing)
{
    int rc = mdb_dbi_open(txn, name, create ? MDB_CREATE : 0, dbi);
    if (rc == MDB_NOTFOUND && missing) {
        *missing = true;
        return 0;
    }
    if (rc == MDB_NOTFOUND)
        return rill_err(RILL_EVERSION, "'%s' is not a rill directory (no "
                        "database '%s')", e->path, name);
    if (rc == MDB_INCOMPATIBLE)
        return rill_err(RILL_EVERSION, "'%s' is not a rill directory "
                        "('%s' is not a database)", e->path, name);
    return env_mdb_err(e, rc, "opening a database");
}

/* Reads the format version: 0 when there is no record yet. */
static int read_format(rill_env *e, MDB_txn *txn, uint32_t *version)
{
    MDB_val k = {6, "format"}, v;
    *version = 0;
    int rc = mdb_get(txn, e->db_meta, &k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return env_mdb_err(e, rc, "reading the format version");
    if (v.mv_size != 4)
        return rill_err(RILL_EVERSION, "'%s' has a malformed format record",
                        e->path);
    *version = get_be32(v.mv_data);
    if (*version > RILL_FORMAT_VERSION)
        return rill_err(RILL_EVERSION, "'%s' was written by a newer rill "
                        "(format %u; this rill reads up to %d)", e->path,
                        *version, RILL_FORMAT_VERSION);
    if (*version < 1)
        return rill_err(RILL_EVERSION, "'%s' has unknown format %u", e->path,
                        *version);
    return 0;
}

static int foreign_file(rill_env *e, MDB_txn *txn)
{
    /* A fresh rill directory's main database holds nothing but what we
     * are about to create; another program's file has its own keys. */
    MDB_dbi main;
    MDB_cursor *cur;
    MDB_val k, v;
    int rc = mdb_dbi_open(txn, NULL, 0, &main);
    if (rc)
        return env_mdb_err(e, rc, "opening the main database");
    rc = mdb_cursor_open(txn, main, &cur);
    if (rc)
        return env_mdb_err(e, rc, "opening a cursor");
    rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (rc == 0) {
        if (k.mv_size < 5 || memcmp(k.mv_data, "rill.", 5) != 0) {
            mdb_cursor_close(cur);
            return rill_err(RILL_EVERSION, "'%s' is an LMDB file that rill "
                            "did not write", e->path);
        }
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    return 0;
}

/* Opens the named databases in txn. Without create, *ready says whether
 * everything was there in the current format (or, read-only, in any
 * format this rill reads); with create, what is missing is created and
 * the format record written or upgraded. */
static int open_databases_in(rill_env *e, MDB_txn *txn, bool create,
                             bool *ready)
{
    uint32_t version = 0;
    bool missing = false;
    *ready = false;
    int rc = create ? foreign_file(e, txn) : 0;
    if (!rc)
        rc = open_dbi(e, txn, "rill.meta", create, &e->db_meta, &missing);
    if (rc || missing)
        return rc;
    if ((rc = read_format(e, txn, &version)))
        return rc;
    struct {
        const char *name;
        MDB_dbi *dbi;
    } dbs[] = {
        {"rill.topics", &e->db_topics},   {"rill.log", &e->db_log},
        {"rill.pstate", &e->db_pstate},   {"rill.groups", &e->db_groups},
        {"rill.offsets", &e->db_offsets}, {"rill.app", &e->db_app},
        {"rill.producers", &e->db_producers},
    };
    for (size_t i = 0; !rc && i < sizeof dbs / sizeof dbs[0]; i++)
        rc = open_dbi(e, txn, dbs[i].name, create, dbs[i].dbi, &missing);
    if (rc || missing)
        return rc;
    if (create && version != RILL_FORMAT_VERSION) {
        /* A new directory, or an upgrade from format 1: this rill reads
         * both, and writes records older rills do not know. */
        uint8_t buf[4];
        put_be32(buf, RILL_FORMAT_VERSION);
        MDB_val k = {6, "format"}, v = {4, buf};
        if ((rc = env_mdb_err(e, mdb_put(txn, e->db_meta, &k, &v, 0),
                              "writing the format version")))
            return rc;
        version = RILL_FORMAT_VERSION;
    }
    e->format = version;
    *ready = version == RILL_FORMAT_VERSION || (version && e->read_only);
    return 0;
}

/* Opens the databases in a read transaction when they are all there (the
 * common case: opening never waits for the write lock, so a service can
 * start while another process holds a long transaction), and only when
 * something must be created or upgraded in a write transaction under the
 * writer lock. */
static int open_databases(rill_env *e)
{
    MDB_txn *txn;
    bool ready = false;
    int rc = mdb_txn_begin(e->mdb, NULL, MDB_RDONLY, &txn);
    if (rc)
        return env_mdb_err(e, rc, "beginning the opening transaction");
    rc = open_databases_in(e, txn, false, &ready);
    if (!rc && ready) {
        /* Committing keeps the database handles for the environment. */
        if ((rc = mdb_txn_commit(txn)))
            return env_mdb_err(e, rc, "ending the opening transaction");
        return 0;
    }
    mdb_txn_abort(txn);
    if (rc)
        return rc;
    if (e->read_only)
        return rill_err(RILL_EVERSION, "'%s' is not a rill directory",
                        e->path);
    if ((rc = env_write_begin(e, &txn)))
        return rc;
    rc = open_databases_in(e, txn, true, &ready);
    if (rc) {
        env_write_abort(e, txn);
        return rc;
    }
    return env_write_commit(e, txn);
}

static void *flusher_main(void *arg);

static int validate_options(const rill_options *o)
{
    if (o->sync != RILL_SYNC_ALWAYS && o->sync != RILL_SYNC_INTERVAL &&
        o->sync != RILL_SYNC_NONE)
        return rill_err(RILL_EINVAL, "unknown sync mode %d", o->sync);
    if (o->sync == RILL_SYNC_INTERVAL &&
        (o->sync_interval_ms == 0 || o->sync_interval_ms > 3600000))
        return rill_err(RILL_EINVAL, "sync_interval_ms %u is not in "
                        "1..3600000", o->sync_interval_ms);
    if (o->file_mode & ~0777u)
        return rill_err(RILL_EINVAL, "file_mode 0%o has bits beyond 0777",
                        o->file_mode);
    if ((o->file_mode & 0600) != 0600)
        return rill_err(RILL_EINVAL, "file_mode 0%o must let the owner read "
                        "and write", o->file_mode);
    if (o->map_size_max && o->map_size_max < MAP_MIN)
        return rill_err(RILL_EINVAL, "map_size_max %zu is below the minimum "
                        "of %zu", o->map_size_max, MAP_MIN);
    if (o->max_readers && (o->max_readers < 4 || o->max_readers > 32000))
        return rill_err(RILL_EINVAL, "max_readers %u is not in 4..32000",
                        o->max_readers);
    if (o->map_size_initial && o->map_size_initial < MAP_MIN)
        return rill_err(RILL_EINVAL, "map_size_initial %zu is below the "
                        "minimum of %zu", o->map_size_initial, MAP_MIN);
    return 0;
}

static void check_lmdb_version(rill_env *e)
{
    int major, minor, patch;
    mdb_version(&major, &minor, &patch);
    if (major == 0 && minor == 9 && patch >= 26 && patch <= 31)
        env_log(e, RILL_LOG_WARN, "LMDB %d.%d.%d has a known race at close "
                "(ITS#9278); use 0.9.32 or later, or 0.9.25 or earlier",
                major, minor, patch);
}

static int env_configure(rill_env *e, const rill_options *o)
{
    size_t initial = o->map_size_initial ? o->map_size_initial
                                         : DEFAULT_MAP_INITIAL;
    e->map_size_max = o->map_size_max ? o->map_size_max : DEFAULT_MAP_MAX;
    if (initial > e->map_size_max)
        initial = e->map_size_max;
    e->map_size = initial;
    int rc = mdb_env_create(&e->mdb);
    if (rc)
        return env_mdb_err(e, rc, "creating the environment");
    rc = mdb_env_set_maxdbs(e->mdb, 16);
    if (!rc)
        rc = mdb_env_set_maxreaders(e->mdb, e->max_readers);
    if (!rc)
        rc = mdb_env_set_mapsize(e->mdb, initial);
    if (rc)
        return env_mdb_err(e, rc, "configuring the environment");
    return 0;
}

/* Creates (when writing) and opens the directory's LMDB files: data.mdb
 * and lock.mdb are made first with O_EXCL and the exact mode (LMDB's own
 * creation would apply the umask), their owner and mode checked, and the
 * environment opened without MDB_WRITEMAP (a full disk must be an error,
 * not SIGBUS) and with MDB_NOTLS (read transactions are pooled across
 * threads). The data file's descriptor gets FD_CLOEXEC, and its device
 * and inode key the registry of open handles. The map adopts the larger
 * size another process left in the meta page, capped at map_size_max;
 * stale reader slots of dead processes are cleared. On failure the
 * caller's env_close releases what was made. */
static int env_open_files(rill_env *e, const char *dir, const rill_options *o)
{
    char data[PATH_MAX], lock[PATH_MAX];
    struct stat st;
    int rc = join_path(data, sizeof data, dir, "data.mdb");
    if (!rc)
        rc = join_path(lock, sizeof lock, dir, "lock.mdb");
    if (rc)
        return rc;
    if (o->read_only) {
        if (stat(data, &st) != 0)
            return rill_err(RILL_ENOTFOUND, "no rill directory at '%s'", dir);
    } else if ((rc = create_file(data, o->file_mode)) ||
               (rc = create_file(lock, o->file_mode))) {
        return rc;
    }
    const char *files[2] = {data, lock};
    for (int i = 0; i < 2; i++)
        if (stat(files[i], &st) == 0 &&
            (rc = check_owner_and_mode(e, files[i], &st)))
            return rc;
    unsigned flags = MDB_NOTLS;
    if (o->sync != RILL_SYNC_ALWAYS)
        flags |= MDB_NOSYNC;
    if (o->read_only)
        flags |= MDB_RDONLY;
    rc = mdb_env_open(e->mdb, dir, flags, o->file_mode);
    if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH)
        return rill_err(RILL_EVERSION, "'%s' is not a rill directory "
                        "(data.mdb: %s)", dir, mdb_strerror(rc));
    if (rc == ENOENT)
        return rill_err(RILL_ENOTFOUND, "no rill directory at '%s'", dir);
    if (rc)
        return env_mdb_err(e, rc, "opening the environment");

    int fd;
    if (mdb_env_get_fd(e->mdb, &fd) == 0) {
        fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
        if (fstat(fd, &st) == 0) {
            e->dev = st.st_dev;
            e->ino = st.st_ino;
        }
    }
    /* Adopt a larger map another process left in the meta page. */
    if (mdb_env_set_mapsize(e->mdb, 0) == 0) {
        MDB_envinfo info;
        mdb_env_info(e->mdb, &info);
        if (info.me_mapsize < e->map_size)
            mdb_env_set_mapsize(e->mdb, e->map_size);
        else if (info.me_mapsize > e->map_size_max)
            mdb_env_set_mapsize(e->mdb, e->map_size_max); /* rounded up */
        mdb_env_info(e->mdb, &info);
        e->map_size = info.me_mapsize;
    }
    int dead = 0;
    mdb_reader_check(e->mdb, &dead);
    if (dead)
        env_log(e, RILL_LOG_INFO, "cleared %d stale reader slots", dead);
    return 0;
}

/* Opens a directory's environment, in the order that lets each step
 * rely on the last: validate the options, prepare the directory (mode,
 * ownership, local file system, not someone else's non-empty directory),
 * open the writer lock, configure and open LMDB, then the databases (in a
 * read transaction unless something must be created or upgraded), then
 * the interval flusher. Any failure closes what was opened: *e then
 * holds nothing. */
int env_open(rill_env *e, const char *dir, const rill_options *o)
{
    memset(e, 0, sizeof *e);
    e->serial = atomic_fetch_add(&env_serials, 1) + 1;
    e->fork_gen = env_fork_generation();
    e->log = o->log;
    e->log_opaque = o->log_opaque;
    e->clock = o->clock;
    e->clock_opaque = o->clock_opaque;
    e->sync_mode = o->sync;
    e->sync_interval_ms = o->sync_interval_ms;
    e->read_only = o->read_only != 0;
    e->file_mode = o->file_mode;
    e->max_readers = o->max_readers ? o->max_readers : DEFAULT_MAX_READERS;
    /* Pooled read transactions keep their reader slots: a process keeps
     * at most a sixteenth of the table. */
    e->rtxn_pool_max = RILL_MAX(1u, RILL_MIN((unsigned)ENV_RTXN_POOL,
                                             e->max_readers / 16));

    int rc = validate_options(o);
    if (rc)
        return rc;
    if (!(e->path = rill_strdup(dir)))
        return rill_err(RILL_ENOMEM, "out of memory");
    pthread_rwlock_init(&e->gate, NULL);
    pthread_mutex_init(&e->pool_lock, NULL);
    pthread_mutex_init(&e->flush_lock, NULL);
    pthread_cond_init(&e->flush_cond, NULL);

    rc = prepare_dir(e, dir, o->file_mode, e->read_only,
                     o->allow_nonempty != 0);
    if (!rc)
        rc = wlock_open(&e->writer, dir, o->file_mode, e->read_only);
    else
        wlock_open(&e->writer, dir, 0, true); /* so close has one */
    if (!rc)
        rc = env_configure(e, o);
    if (!rc)
        rc = env_open_files(e, dir, o);
    if (!rc)
        rc = open_databases(e);
    if (!rc && e->sync_mode == RILL_SYNC_INTERVAL && !e->read_only) {
        if (pthread_create(&e->flusher, NULL, flusher_main, e) != 0)
            rc = rill_err(RILL_ENOMEM, "cannot start the sync thread");
        else
            e->flusher_running = true;
    }
    if (rc) {
        env_close(e);
        return rc;
    }
    check_lmdb_version(e);
    atomic_store(&e->next_reader_check_ms,
                 rill_monotonic_ms() + READER_CHECK_INTERVAL_MS);
    return 0;
}

void env_close(rill_env *e)
{
    if (e->flusher_running) {
        pthread_mutex_lock(&e->flush_lock);
        e->flush_stop = true;
        pthread_cond_signal(&e->flush_cond);
        pthread_mutex_unlock(&e->flush_lock);
        pthread_join(e->flusher, NULL);
    }
    for (unsigned i = 0; i < e->rtxn_count; i++)
        mdb_txn_abort(e->rtxn_pool[i]);
    if (e->mdb) {
        if (e->sync_mode != RILL_SYNC_ALWAYS && !e->read_only &&
            !atomic_load(&e->dead))
            mdb_env_sync(e->mdb, 1);
        mdb_env_close(e->mdb);
    }
    pthread_rwlock_destroy(&e->gate);
    pthread_mutex_destroy(&e->pool_lock);
    pthread_mutex_destroy(&e->flush_lock);
    pthread_cond_destroy(&e->flush_cond);
    wlock_close(&e->writer);
    free(e->path);
    memset(e, 0, sizeof *e);
}

/* ---- the interval flusher ---- */

static void *flusher_main(void *arg)
{
    rill_env *e = arg;
    pthread_mutex_lock(&e->flush_lock);
    while (!e->flush_stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ns = ts.tv_nsec + (int64_t)e->sync_interval_ms * 1000000;
        ts.tv_sec += ns / 1000000000;
        ts.tv_nsec = ns % 1000000000;
        pthread_cond_timedwait(&e->flush_cond, &e->flush_lock, &ts);
        if (atomic_exchange(&e->flush_dirty, false)) {
            pthread_mutex_unlock(&e->flush_lock);
            pthread_rwlock_rdlock(&e->gate);
            int rc = mdb_env_sync(e->mdb, 1);
            pthread_rwlock_unlock(&e->gate);
            if (rc)
                env_log(e, RILL_LOG_ERROR, "interval sync failed: %s",
                        mdb_strerror(rc));
            pthread_mutex_lock(&e->flush_lock);
        }
    }
    pthread_mutex_unlock(&e->flush_lock);
    return NULL;
}

int env_stats_get(rill_env *e, env_stats *st)
{
    MDB_envinfo info;
    MDB_stat ms;
    struct stat fs;
    int fd;
    memset(st, 0, sizeof *st);
    int rc = mdb_env_info(e->mdb, &info);
    if (!rc)
        rc = mdb_env_stat(e->mdb, &ms);
    if (rc)
        return env_mdb_err(e, rc, "reading environment statistics");
    st->map_size = info.me_mapsize;
    st->page_size = ms.ms_psize;
    st->last_page = info.me_last_pgno;
    st->max_readers = info.me_maxreaders;
    st->readers_used = info.me_numreaders;
    if (mdb_env_get_fd(e->mdb, &fd) == 0 && fstat(fd, &fs) == 0)
        st->file_size = (size_t)fs.st_size;
    return 0;
}

/* Pages on LMDB's freelist: the free database's values are page lists
 * whose first word is their length (as mdb_stat -f counts them). */
int env_free_pages(rill_env *e, MDB_txn *txn, size_t *pages)
{
    MDB_cursor *cur;
    MDB_val k, v;
    *pages = 0;
    int rc = mdb_cursor_open(txn, 0, &cur);
    if (rc)
        return env_mdb_err(e, rc, "opening the free list");
    while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0)
        if (v.mv_size >= sizeof(size_t)) {
            size_t count;
            memcpy(&count, v.mv_data, sizeof count);
            *pages += count;
        }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : env_mdb_err(e, rc, "reading the free list");
}
