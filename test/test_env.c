/*
 * test_env.c -- opening directories: persistence across processes, map
 * growth and the full log, what is not a rill directory, one handle per
 * file per process, fork, file modes, read-only.
 */
#include "support.h"

#include <errno.h>
#include <lmdb.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static void value_of(char *buf, size_t cap, int i)
{
    snprintf(buf, cap, "record-%06d-%s", i, i % 3 ? "abc" : "defghij");
}

typedef struct persist_arg {
    const char *dir;
    int n;
} persist_arg;

static int write_then_exit(void *p)
{
    persist_arg *a = p;
    rill *r = open_sync(a->dir, RILL_SYNC_ALWAYS);
    topic_new(r, "p", 2);
    for (int i = 0; i < a->n; i++) {
        char v[32];
        value_of(v, sizeof v, i);
        rill_message m = {.topic = "p", .partition = i % 2, .key = v,
                          .key_len = 6, .value = v, .value_len = strlen(v)};
        if (rill_produce(r, &m, NULL))
            return 1;
    }
    rill_close(r);
    return 0;
}

static void count_values(const rill_record *rec, void *arg)
{
    int *next = arg;
    char v[32];
    value_of(v, sizeof v, next[rec->partition] * 2 + rec->partition);
    assert_int_equal(rec->value_len, strlen(v));
    assert_memory_equal(rec->value, v, rec->value_len);
    assert_int_equal(rec->offset, next[rec->partition]);
    next[rec->partition]++;
}

static int read_back(void *p)
{
    persist_arg *a = p;
    rill *r = open_sync(a->dir, RILL_SYNC_ALWAYS);
    int next[2] = {0, 0};
    for (int part = 0; part < 2; part++)
        read_partition(r, "p", part, 0, (size_t)a->n, count_values, next);
    rill_close(r);
    return next[0] + next[1] == a->n ? 0 : 1;
}

static void records_persist_across_processes(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    persist_arg a = {dir, 5000};
    assert_int_equal(wait_child(spawn(write_then_exit, &a)), 0);
    assert_int_equal(wait_child(spawn(read_back, &a)), 0);
    tmpdir_remove(dir);
}

static rill *open_map(const char *dir, size_t initial, size_t max)
{
    rill_options o;
    rill *r;
    rill_options_init(&o);
    o.sync = RILL_SYNC_NONE;
    o.map_size_initial = initial;
    o.map_size_max = max;
    ok(rill_open(&r, dir, &o));
    return r;
}

static void map_grows_by_itself(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    rill *r = open_map(dir, 1 << 20, 256 << 20);
    topic_new(r, "big", 1);
    static char v[16384];
    for (int i = 0; i < 2000; i++) { /* ~32 MiB through a 1 MiB map */
        memset(v, 'a' + i % 26, sizeof v);
        rill_message m = {.topic = "big", .partition = 0, .value = v,
                          .value_len = sizeof v};
        ok(rill_produce(r, &m, NULL));
    }
    int64_t first, next;
    ok(rill_watermarks(&first, &next, r, "big", 0));
    assert_int_equal(next, 2000);
    rill_close(r);
    tmpdir_remove(dir);
}

typedef struct last_ok {
    int64_t n;
} last_ok;

static void check_filled(const rill_record *rec, void *arg)
{
    last_ok *l = arg;
    assert_int_equal(rec->offset, l->n);
    assert_int_equal(rec->value_len, 8192);
    assert_int_equal(((const uint8_t *)rec->value)[0], (uint8_t)rec->offset);
    l->n++;
}

static void full_log_is_efull_and_loses_nothing(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    rill *r = open_map(dir, 1 << 20, 4 << 20);
    topic_new(r, "f", 1);
    static uint8_t v[8192];
    int64_t acked = 0;
    int rc = 0;
    for (int i = 0; i < 100000; i++) {
        memset(v, (uint8_t)i, sizeof v);
        rill_message m = {.topic = "f", .partition = 0, .value = v,
                          .value_len = sizeof v};
        rc = rill_produce(r, &m, NULL);
        if (rc)
            break;
        acked++;
    }
    assert_int_equal(rc, RILL_EFULL);
    assert_non_null(strstr(rill_errmsg(), "map_size_max"));
    assert_true(acked > 100);
    /* Still full, still readable, nothing half-written. */
    rill_message m = {.topic = "f", .partition = 0, .value = v,
                      .value_len = sizeof v};
    fails(RILL_EFULL, rill_produce(r, &m, NULL));
    last_ok l = {0};
    read_partition(r, "f", 0, 0, 1000000, check_filled, &l);
    assert_int_equal(l.n, acked);
    rill_close(r);
    /* And after reopening. */
    r = open_map(dir, 1 << 20, 4 << 20);
    l.n = 0;
    read_partition(r, "f", 0, 0, 1000000, check_filled, &l);
    assert_int_equal(l.n, acked);
    rill_close(r);
    tmpdir_remove(dir);
}

/* Full, then room again: deleting a topic (or retention) frees pages the
 * same handle reuses, with no reopening. */
static void producing_resumes_once_space_is_freed(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    rill *r = open_map(dir, 1 << 20, 4 << 20);
    topic_new(r, "bulk", 1);
    topic_new(r, "keep", 1);
    static uint8_t v[8192];
    rill_message m = {.topic = "bulk", .partition = 0, .value = v,
                      .value_len = sizeof v};
    int rc = 0;
    while ((rc = rill_produce(r, &m, NULL)) == 0)
        ;
    assert_int_equal(rc, RILL_EFULL);
    rill_message k = {.topic = "keep", .partition = 0, .value = v,
                      .value_len = sizeof v};
    fails(RILL_EFULL, rill_produce(r, &k, NULL));
    ok(rill_topic_delete(r, "bulk"));
    for (int i = 0; i < 100; i++)
        ok(rill_produce(r, &k, NULL));
    int64_t first, next;
    ok(rill_watermarks(&first, &next, r, "keep", 0));
    assert_int_equal(next, 100);
    ok(rill_verify(NULL, r, NULL, NULL, NULL));
    rill_close(r);
    tmpdir_remove(dir);
}

/* A real full disk: a small tmpfs (where this process may mount one),
 * with a ballast file beside the directory. The error is RILL_EFULL,
 * nothing acknowledged is lost, and once the operator frees space (the
 * ballast goes) producing goes on, without reopening. */
static void full_disk_is_efull_and_recovers(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    char *mnt = path_join(dir, "small");
    mkdir(mnt, 0700);
    if (mount("tmpfs", mnt, "tmpfs", 0, "size=6m") != 0) {
        printf("# mounting a tmpfs is not permitted here (%s): skipped\n",
               strerror(errno));
        free(mnt);
        tmpdir_remove(dir);
        return;
    }
    char *ballast = path_join(mnt, "ballast");
    FILE *b = fopen(ballast, "w");
    static uint8_t v[8192];
    for (int i = 0; i < 128; i++) /* 1 MiB */
        fwrite(v, 1, sizeof v, b);
    fclose(b);
    char *rdir = path_join(mnt, "d");
    rill *r = open_map(rdir, 1 << 20, 64 << 20); /* the map outgrows it */
    topic_new(r, "bulk", 1);
    int64_t acked = 0;
    int rc;
    for (;;) {
        memset(v, (uint8_t)acked, sizeof v);
        rill_message m = {.topic = "bulk", .partition = 0, .value = v,
                          .value_len = sizeof v};
        if ((rc = rill_produce(r, &m, NULL)))
            break;
        acked++;
    }
    if (rc != RILL_EFULL)
        fail_msg("%d: %s", rc, rill_errmsg());
    assert_non_null(strstr(rill_errmsg(), "disk is full"));
    last_ok l = {0};
    read_partition(r, "bulk", 0, 0, 1000000, check_filled, &l);
    assert_int_equal(l.n, acked);
    unlink(ballast);
    for (int i = 0; i < 50; i++) {
        memset(v, (uint8_t)(acked + i), sizeof v);
        rill_message m = {.topic = "bulk", .partition = 0, .value = v,
                          .value_len = sizeof v};
        ok(rill_produce(r, &m, NULL));
    }
    l.n = 0;
    read_partition(r, "bulk", 0, 0, 1000000, check_filled, &l);
    assert_int_equal(l.n, acked + 50);
    ok(rill_verify(NULL, r, NULL, NULL, NULL));
    rill_close(r);
    umount(mnt);
    free(ballast);
    free(rdir);
    free(mnt);
    tmpdir_remove(dir);
}

static int grow_in_child(void *p)
{
    persist_arg *a = p;
    rill *r = open_map(a->dir, 1 << 20, 256 << 20);
    static char v[65536];
    for (int i = 0; i < a->n; i++) {
        rill_message m = {.topic = "g", .partition = 0, .value = v,
                          .value_len = sizeof v};
        if (rill_produce(r, &m, NULL))
            return 1;
    }
    rill_close(r);
    return 0;
}

static void map_grown_by_another_process_is_adopted(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    rill *r = open_map(dir, 1 << 20, 256 << 20);
    topic_new(r, "g", 1);
    persist_arg a = {dir, 300}; /* ~20 MiB: far past this process's map */
    assert_int_equal(wait_child(spawn(grow_in_child, &a)), 0);
    rill_topic_info *info;
    ok(rill_topic_describe(&info, r, "g"));
    assert_int_equal(info->partitions[0].next_offset, 300);
    rill_topic_info_free(info);
    assert_int_equal(read_partition(r, "g", 0, 0, 1000, NULL, NULL), 300);
    rill_message m = {.topic = "g", .partition = 0, .value = "x",
                      .value_len = 1};
    ok(rill_produce(r, &m, NULL));
    rill_close(r);
    tmpdir_remove(dir);
}

static void not_a_rill_directory_is_refused(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    rill *r = NULL;
    rill_options ro;
    rill_options_init(&ro);
    ro.read_only = 1;

    char *file = path_join(dir, "plain-file");
    FILE *fp = fopen(file, "w");
    fputs("hello", fp);
    fclose(fp);
    fails(RILL_EINVAL, rill_open(&r, file, NULL));
    assert_null(r);

    char *missing = path_join(dir, "missing");
    fails(RILL_ENOTFOUND, rill_open(&r, missing, &ro));

    char *garbage = path_join(dir, "garbage");
    mkdir(garbage, 0700);
    char *gdata = path_join(garbage, "data.mdb");
    fp = fopen(gdata, "w");
    for (int i = 0; i < 5000; i++)
        fputs("not lmdb ", fp);
    fclose(fp);
    fails(RILL_EVERSION, rill_open(&r, garbage, NULL));

    /* An LMDB environment written by another program. */
    char *foreign = path_join(dir, "foreign");
    mkdir(foreign, 0700);
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_open(env, foreign, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
    MDB_val k = {3, "key"}, v = {5, "value"};
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    fails(RILL_EVERSION, rill_open(&r, foreign, NULL));
    fails(RILL_EINVAL, rill_open(&r, "", NULL));
    fails(RILL_EINVAL, rill_open(&r, NULL, NULL));
    fails(RILL_EINVAL, rill_open(NULL, dir, NULL));

    free(file);
    free(missing);
    free(gdata);
    free(garbage);
    free(foreign);
    tmpdir_remove(dir);
}

static void newer_format_is_refused(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    rill *r = open_sync(dir, RILL_SYNC_NONE);
    rill_close(r);
    /* Pretend a future rill wrote it. */
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    assert_int_equal(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 16);
    assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "rill.meta", 0, &dbi), 0);
    uint8_t nine[4] = {0, 0, 0, 9};
    MDB_val k = {6, "format"}, v = {4, nine};
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    fails(RILL_EVERSION, rill_open(&r, dir, NULL));
    assert_non_null(strstr(rill_errmsg(), "newer rill"));
    tmpdir_remove(dir);
}

/* ---- opening while another process holds a transaction ---- */

typedef struct open_arg {
    const char *dir;
    int ready[2];  /* child -> parent: the transaction is open */
    int opened[2]; /* parent -> child: the parent opened the directory */
} open_arg;

static int hold_txn_until_opened(void *arg)
{
    open_arg *a = arg;
    rill *r = open_sync(a->dir, RILL_SYNC_NONE);
    rill_txn *t;
    char c = 'r';
    if (rill_txn_begin(&t, r) != 0)
        return 1;
    if (write(a->ready[1], &c, 1) != 1)
        return 2;
    /* Wait (bounded) for the parent's open to finish: if opening needed
     * the write lock, it could not finish before this commits. */
    struct pollfd pfd = {a->opened[0], POLLIN, 0};
    int n = poll(&pfd, 1, 20000);
    rill_txn_abort(t);
    rill_close(r);
    return n == 1 ? 0 : 3;
}

static void open_does_not_wait_for_a_writer(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    rill *r = open_sync(dir, RILL_SYNC_NONE);
    topic_new(r, "t", 1);
    rill_close(r);
    open_arg a = {dir, {-1, -1}, {-1, -1}};
    assert_int_equal(pipe(a.ready), 0);
    assert_int_equal(pipe(a.opened), 0);
    pid_t pid = spawn(hold_txn_until_opened, &a);
    char c;
    assert_int_equal(read(a.ready[0], &c, 1), 1);
    /* Read-write, while the child holds its transaction. */
    r = open_sync(dir, RILL_SYNC_NONE);
    int64_t first, next;
    ok(rill_watermarks(&first, &next, r, "t", 0));
    assert_int_equal(write(a.opened[1], "o", 1), 1);
    assert_int_equal(wait_child(pid), 0);
    rill_close(r);
    for (int i = 0; i < 2; i++) {
        close(a.ready[i]);
        close(a.opened[i]);
    }
    tmpdir_remove(dir);
}

static void nonempty_foreign_directory_is_left_alone(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    char *file = path_join(dir, "notes.txt");
    FILE *fp = fopen(file, "w");
    fputs("mine", fp);
    fclose(fp);
    rill *r = NULL;
    fails(RILL_EEXIST, rill_open(&r, dir, NULL));
    assert_non_null(strstr(rill_errmsg(), "notes.txt"));
    char *data = path_join(dir, "data.mdb");
    struct stat st;
    assert_int_equal(stat(data, &st), -1); /* nothing written beside it */
    rill_options o;
    rill_options_init(&o);
    o.sync = RILL_SYNC_NONE;
    o.allow_nonempty = 1;
    ok(rill_open(&r, dir, &o));
    rill_close(r);
    /* Now it is a rill directory: it opens without the option. */
    r = open_sync(dir, RILL_SYNC_NONE);
    rill_close(r);
    /* An empty directory, or one with rill's own side files only. */
    char *empty = path_join(dir, "empty");
    mkdir(empty, 0700);
    char *side = path_join(empty, "write.lock");
    fp = fopen(side, "w");
    fclose(fp);
    r = open_sync(empty, RILL_SYNC_NONE);
    rill_close(r);
    free(side);
    free(empty);
    free(data);
    free(file);
    tmpdir_remove(dir);
}

/* A directory of format 1 (an older rill) opens, reads as it did, and is
 * upgraded when opened for writing. */
static void format_one_directory_is_read_and_upgraded(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    rill *r = open_sync(dir, RILL_SYNC_NONE);
    topic_new(r, "t", 1);
    for (int i = 0; i < 4; i++) {
        rill_message m = {.topic = "t", .partition = 0, .value = "v",
                          .value_len = 1};
        ok(rill_produce(r, &m, NULL));
    }
    rill_close(r);
    /* Rewrite it as format 1 with a version 1 start floor of 2. */
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi meta, pstate;
    assert_int_equal(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 16);
    assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "rill.meta", 0, &meta), 0);
    assert_int_equal(mdb_dbi_open(txn, "rill.pstate", 0, &pstate), 0);
    uint8_t one[4] = {0, 0, 0, 1};
    MDB_val k = {6, "format"}, v = {4, one};
    assert_int_equal(mdb_put(txn, meta, &k, &v, 0), 0);
    uint8_t pk[8] = {0, 0, 0, 1, 0, 0, 0, 0}, pv[9] = {1, 0, 0, 0, 0,
                                                        0, 0, 0, 2};
    MDB_val key = {8, pk}, val = {9, pv};
    assert_int_equal(mdb_put(txn, pstate, &key, &val, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);

    rill_options o;
    rill_options_init(&o);
    o.read_only = 1;
    ok(rill_open(&r, dir, &o));
    int64_t first, next;
    ok(rill_watermarks(&first, &next, r, "t", 0));
    assert_int_equal(first, 2);
    assert_int_equal(next, 4);
    rill_close(r);
    r = open_sync(dir, RILL_SYNC_NONE);
    ok(rill_watermarks(&first, &next, r, "t", 0));
    assert_int_equal(first, 2);
    ok(rill_verify(NULL, r, NULL, NULL, NULL));
    rill_close(r);
    /* The format record now says 2. */
    assert_int_equal(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 16);
    assert_int_equal(mdb_env_open(env, dir, MDB_RDONLY, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "rill.meta", 0, &meta), 0);
    assert_int_equal(mdb_get(txn, meta, &k, &v), 0);
    assert_int_equal(((const uint8_t *)v.mv_data)[3], 2);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    tmpdir_remove(dir);
}

static void same_directory_twice_is_one_handle(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    char *sub = path_join(dir, "d");
    char *link = path_join(dir, "link");
    rill *a = open_sync(sub, RILL_SYNC_NONE);
    assert_int_equal(symlink("d", link), 0);
    rill *b = open_sync(link, RILL_SYNC_NONE);
    assert_ptr_equal(a, b);
    rill *c = NULL;
    fails(RILL_EBUSY, rill_open(&c, sub, NULL)); /* other sync mode */
    rill_close(b);
    topic_new(a, "still-open", 1); /* one reference left */
    rill_close(a);
    free(sub);
    free(link);
    tmpdir_remove(dir);
}

typedef struct fork_arg {
    rill *r;
} fork_arg;

static int use_parents_handle(void *p)
{
    fork_arg *a = p;
    rill_message m = {.topic = "t", .partition = 0, .value = "x",
                      .value_len = 1};
    if (rill_produce(a->r, &m, NULL) != RILL_EFORKED)
        return 1;
    if (rill_topic_create(a->r, "child", NULL) != RILL_EFORKED)
        return 2;
    rill_close(a->r); /* frees memory only */
    return 0;
}

static void child_after_fork_cannot_use_parents_handle(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 1);
    fork_arg a = {f->r};
    assert_int_equal(wait_child(spawn(use_parents_handle, &a)), 0);
    rill_message m = {.topic = "t", .partition = 0, .value = "x",
                      .value_len = 1};
    rill_position pos;
    ok(rill_produce(f->r, &m, &pos));
    assert_int_equal(pos.offset, 0);
}

static unsigned mode_of(const char *dir, const char *name)
{
    struct stat st;
    char *p = name ? path_join(dir, name) : strdup(dir);
    assert_int_equal(stat(p, &st), 0);
    free(p);
    return st.st_mode & 0777;
}

static void files_get_the_configured_mode(void **state)
{
    (void)state;
    mode_t old = umask(077);
    char *dir = tmpdir_new();
    char *d1 = path_join(dir, "private"), *d2 = path_join(dir, "shared");
    rill *r = open_sync(d1, RILL_SYNC_NONE);
    rill_close(r);
    assert_int_equal(mode_of(d1, NULL), 0700);
    assert_int_equal(mode_of(d1, "data.mdb"), 0600);
    assert_int_equal(mode_of(d1, "lock.mdb"), 0600);
    assert_int_equal(mode_of(d1, "notify"), 0600);
    rill_options o;
    rill_options_init(&o);
    o.file_mode = 0660;
    ok(rill_open(&r, d2, &o));
    rill_close(r);
    assert_int_equal(mode_of(d2, NULL), 0770);
    assert_int_equal(mode_of(d2, "data.mdb"), 0660);
    assert_int_equal(mode_of(d2, "lock.mdb"), 0660);
    assert_int_equal(mode_of(d2, "notify"), 0660);
    o.file_mode = 0400;
    fails(RILL_EINVAL, rill_open(&r, d2, &o));
    o.file_mode = 01777;
    fails(RILL_EINVAL, rill_open(&r, d2, &o));
    umask(old);
    free(d1);
    free(d2);
    tmpdir_remove(dir);
}

static void read_only_cannot_write(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 1);
    rill_message m = {.topic = "t", .partition = 0, .value = "x",
                      .value_len = 1};
    ok(rill_produce(f->r, &m, NULL));
    rill_close(f->r);
    rill_options o;
    rill_options_init(&o);
    o.read_only = 1;
    ok(rill_open(&f->r, f->dir, &o));
    fails(RILL_EPERM, rill_produce(f->r, &m, NULL));
    fails(RILL_EPERM, rill_topic_create(f->r, "u", NULL));
    fails(RILL_EPERM, rill_topic_delete(f->r, "t"));
    assert_int_equal(read_partition(f->r, "t", 0, 0, 10, NULL, NULL), 1);
}

static void options_are_validated(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    rill_options o;
    rill *r;
    rill_options_init(&o);
    o.sync = 9;
    fails(RILL_EINVAL, rill_open(&r, dir, &o));
    rill_options_init(&o);
    o.sync = RILL_SYNC_INTERVAL;
    o.sync_interval_ms = 0;
    fails(RILL_EINVAL, rill_open(&r, dir, &o));
    rill_options_init(&o);
    o.map_size_max = 1000;
    fails(RILL_EINVAL, rill_open(&r, dir, &o));
    tmpdir_remove(dir);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(records_persist_across_processes),
        cmocka_unit_test(map_grows_by_itself),
        cmocka_unit_test(full_log_is_efull_and_loses_nothing),
        cmocka_unit_test(producing_resumes_once_space_is_freed),
        cmocka_unit_test(full_disk_is_efull_and_recovers),
        cmocka_unit_test(map_grown_by_another_process_is_adopted),
        cmocka_unit_test(not_a_rill_directory_is_refused),
        cmocka_unit_test(newer_format_is_refused),
        cmocka_unit_test(open_does_not_wait_for_a_writer),
        cmocka_unit_test(nonempty_foreign_directory_is_left_alone),
        cmocka_unit_test(format_one_directory_is_read_and_upgraded),
        cmocka_unit_test(same_directory_twice_is_one_handle),
        T(child_after_fork_cannot_use_parents_handle),
        cmocka_unit_test(files_get_the_configured_mode),
        T(read_only_cannot_write),
        cmocka_unit_test(options_are_validated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
