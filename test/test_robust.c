/*
 * test_robust.c -- LMDB's failure modes and hostile conditions: readers
 * killed inside read transactions (with a small reader table), the same
 * directory through a bind mount, a group member frozen with SIGSTOP
 * while its partitions move, a storm of joins and leaves, ten thousand
 * single-bit flips in stored batches, and unsafe permissions.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"

/* ---- readers killed inside read transactions ---- */

typedef struct reader_arg {
    const char *dir;
    int ready_fd;
} reader_arg;

/* Opens the environment as any LMDB reader would, pins a snapshot, says
 * so, and waits to be killed. */
static int pin_and_wait(void *p)
{
    reader_arg *a = p;
    MDB_env *env;
    MDB_txn *txn;
    int rc = mdb_env_create(&env);
    if (!rc)
        rc = mdb_env_set_maxdbs(env, 16);
    if (!rc)
        rc = mdb_env_open(env, a->dir, MDB_RDONLY | MDB_NOTLS, 0600);
    int dead;
    if (!rc) /* as rill_open does: clear the slots of the dead */
        rc = mdb_reader_check(env, &dead);
    if (!rc)
        rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
    if (rc) {
        fprintf(stderr, "reader: %s\n", mdb_strerror(rc));
        return 1;
    }
    if (write(a->ready_fd, "r", 1) != 1)
        return 2;
    for (;;)
        pause();
}

static off_t file_size(const char *dir)
{
    char *p = path_join(dir, "data.mdb");
    struct stat st;
    stat(p, &st);
    free(p);
    return st.st_size;
}

static void killed_readers_neither_block_nor_grow_the_file(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    rill_options o;
    rill *r;
    rill_options_init(&o);
    o.sync = RILL_SYNC_NONE;
    o.max_readers = 16;
    ok(rill_open(&r, dir, &o));
    rill_topic_config c;
    rill_topic_config_init(&c);
    c.retention_bytes = 256 * 1024;
    ok(rill_topic_create(r, "t", &c));
    static char v[1024];
    off_t size10 = 0;
    for (int kill_no = 0; kill_no < 50; kill_no++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        reader_arg a = {dir, fds[1]};
        pid_t pid = spawn(pin_and_wait, &a);
        close(fds[1]); /* so a child that fails is seen, not waited for */
        char b;
        if (read(fds[0], &b, 1) != 1)
            fail_msg("reader child failed: status %d", wait_child(pid));
        kill(pid, SIGKILL);
        assert_int_equal(wait_child(pid), 128 + SIGKILL);
        close(fds[0]);
            /* A stale slot per kill: 50 of them would fill the table of 16
         * three times over. Reads and writes go on regardless. */
        for (int i = 0; i < 512; i++) {
            rill_message m = {.topic = "t", .partition = 0, .value = v,
                              .value_len = sizeof v};
            ok(rill_produce(r, &m, NULL));
        }
        size_t n = read_partition(r, "t", 0, RILL_OFFSET_BEGINNING, 10, NULL,
                                  NULL);
        assert_int_equal(n, 10);
        if (kill_no == 9)
            size10 = file_size(dir);
    }
    /* 25 MiB went through a partition kept at 256 KiB. While a dead
     * reader pins a snapshot, pages freed after it cannot be reused (each
     * single-record commit frees a few), so the file grows to hold one
     * round's worth; once the slot is cleared they are reused, and the
     * file stops growing. */
    off_t size = file_size(dir);
    printf("# 50 readers killed mid-transaction; 25 MiB written; data.mdb "
           "%lld KiB after 10 kills, %lld KiB after 50\n",
           (long long)size10 / 1024, (long long)size / 1024);
    assert_true(size - size10 < 1 << 20);
    rill_close(r);
    tmpdir_remove(dir);
}

/* ---- one directory, three paths ---- */

static void bind_mount_is_the_same_directory(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    char *real = path_join(dir, "real"), *bound = path_join(dir, "bound");
    rill *a = open_sync(real, RILL_SYNC_NONE);
    mkdir(bound, 0700);
    if (mount(real, bound, "none", MS_BIND, NULL) != 0) {
        printf("# bind mount not permitted here (%s): skipped\n",
               strerror(errno));
    } else {
        rill *b = open_sync(bound, RILL_SYNC_NONE);
        assert_ptr_equal(a, b); /* found by device and inode */
        rill_close(b);
        umount(bound);
    }
    rill_close(a);
    free(real);
    free(bound);
    tmpdir_remove(dir);
}

/* ---- a frozen member ---- */

typedef struct frozen_arg {
    const char *dir;
    int cmd_fd;    /* 'p': poll once; 'c': commit */
    int report_fd; /* each command's result */
    int cmd_wfd, report_rfd; /* the parent's ends, closed in the child */
} frozen_arg;

/* A member that polls or commits when told, and reports the result. */
static int obey(void *p)
{
    frozen_arg *a = p;
    close(a->cmd_wfd);
    close(a->report_rfd);
    rill *r = open_sync(a->dir, RILL_SYNC_NONE);
    rill_consumer_options o;
    rill_consumer *c;
    rill_consumer_options_init(&o);
    o.group_id = "g";
    o.max_poll_interval_ms = 300;
    o.enable_auto_commit = 0;
    const char *t = "t";
    if (rill_consumer_new(&c, r, &o) || rill_subscribe(c, &t, 1))
        return 1;
    char cmd;
    while (read(a->cmd_fd, &cmd, 1) == 1) {
        const rill_record *recs;
        size_t n;
        int rc = cmd == 'c' ? rill_commit(c) : rill_poll(c, 10, &recs, &n);
        if (write(a->report_fd, &rc, sizeof rc) != sizeof rc)
            return 2;
    }
    return 0;
}

static int tell(int fds[2], char cmd)
{
    int rc;
    assert_int_equal(write(fds[1], &cmd, 1), 1);
    assert_int_equal(read(fds[0], &rc, sizeof rc), sizeof rc);
    return rc;
}

/* Whether every partition has at most one owner in the group. */
static void assert_single_owners(rill *r, size_t *owned_total)
{
    rill_group_info *g;
    ok(rill_group_describe(&g, r, "g"));
    int owners[16] = {0};
    *owned_total = 0;
    for (size_t m = 0; m < g->member_count; m++)
        for (size_t i = 0; i < g->members[m].assigned_count; i++) {
            int32_t p = g->members[m].assigned[i].partition;
            assert_true(p >= 0 && p < 16);
            assert_int_equal(++owners[p], 1);
            (*owned_total)++;
        }
    rill_group_info_free(g);
}

static size_t owned_by(rill_consumer *c)
{
    rill_topic_partition *tps;
    size_t n;
    ok(rill_assignment(&tps, &n, c));
    rill_tps_free(tps, n);
    return n;
}

static void frozen_member_is_fenced_when_it_wakes(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 4);
    int cmd[2], rep[2];
    assert_int_equal(pipe(cmd), 0);
    assert_int_equal(pipe(rep), 0);
    frozen_arg a = {f->dir, cmd[0], rep[1], cmd[1], rep[0]};
    pid_t pid = spawn(obey, &a);
    close(cmd[0]);
    close(rep[1]);
    int to_child[2] = {rep[0], cmd[1]}; /* read results, write commands */
    rill_consumer_options o;
    rill_consumer *me;
    rill_consumer_options_init(&o);
    o.group_id = "g";
    const char *t = "t";
    ok(rill_consumer_new(&me, f->r, &o));
    ok(rill_subscribe(me, &t, 1));
    size_t owned;
    do { /* both poll until they share the four partitions, two each */
        const rill_record *recs;
        size_t n;
        ok(rill_poll(me, 10, &recs, &n));
        assert_int_equal(tell(to_child, 'p'), 0);
        assert_single_owners(f->r, &owned);
    } while (owned < 4 || owned_by(me) != 2);
    assert_int_equal(tell(to_child, 'c'), 0); /* its commits land, now */
    /* New records it reads but has not committed when it freezes. */
    for (int i = 0; i < 40; i++) {
        rill_message m = {.topic = "t", .partition = i % 4, .value = "x",
                          .value_len = 1};
        ok(rill_produce(f->r, &m, NULL));
    }
    assert_int_equal(tell(to_child, 'p'), 0);

    kill(pid, SIGSTOP);
    do { /* its poll interval runs out; this member takes everything */
        const rill_record *recs;
        size_t n;
        ok(rill_poll(me, 50, &recs, &n));
        assert_single_owners(f->r, &owned);
    } while (owned_by(me) < 4);
    kill(pid, SIGCONT);
    /* Woken, it still thinks it owns two partitions: its commit is
     * refused and writes nothing. */
    assert_int_equal(tell(to_child, 'c'), RILL_EFENCED);
    /* Its next poll learns the loss and joins again; never two owners. */
    for (int i = 0; i < 30; i++) {
        const rill_record *recs;
        size_t n;
        assert_int_equal(tell(to_child, 'p'), 0);
        ok(rill_poll(me, 10, &recs, &n));
        assert_single_owners(f->r, &owned);
    }
    assert_int_equal(owned, 4);
    close(cmd[1]);
    assert_int_equal(wait_child(pid), 0);
    close(rep[0]);
    ok(rill_consumer_close(me));
}

/* ---- a storm of joins and leaves ---- */

static rill_consumer *member(rill *r)
{
    rill_consumer_options o;
    rill_consumer *c;
    rill_consumer_options_init(&o);
    o.group_id = "g";
    o.assignor = RILL_ASSIGN_STICKY;
    const char *t = "t";
    ok(rill_consumer_new(&c, r, &o));
    ok(rill_subscribe(c, &t, 1));
    return c;
}

static void poll_all(rill_consumer **cs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const rill_record *recs;
        size_t k;
        ok(rill_poll(cs[i], 0, &recs, &k));
    }
}

static void rebalance_storm_keeps_single_owners_and_converges(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 12);
    rill_consumer *stable[4];
    for (int i = 0; i < 4; i++)
        stable[i] = member(f->r);
    size_t owned;
    for (int cycle = 0; cycle < 200; cycle++) {
        rill_consumer *guest = member(f->r);
        for (int step = 0; step < 3; step++) {
            poll_all(stable, 4);
            poll_all(&guest, 1);
            assert_single_owners(f->r, &owned);
        }
        ok(rill_consumer_close(guest));
        assert_single_owners(f->r, &owned);
    }
    /* Calm again: everything owned, three each. */
    for (int round = 0; round < 20; round++)
        poll_all(stable, 4);
    assert_single_owners(f->r, &owned);
    assert_int_equal(owned, 12);
    rill_group_info *g;
    ok(rill_group_describe(&g, f->r, "g"));
    assert_string_equal(g->state, "Stable");
    for (size_t m = 0; m < g->member_count; m++)
        assert_int_equal(g->members[m].assigned_count, 3);
    printf("# 200 join/leave cycles; generation %u\n", g->generation);
    rill_group_info_free(g);
    for (int i = 0; i < 4; i++)
        ok(rill_consumer_close(stable[i]));
}

/* ---- bit flips ---- */

static void every_flipped_bit_is_detected(void **state)
{
    fixture *f = *state;
    rill_topic_config c;
    rill_topic_config_init(&c);
    c.compression = RILL_COMPRESSION_ZSTD;
    ok(rill_topic_create(f->r, "plain", NULL));
    ok(rill_topic_create(f->r, "zstd", &c));
    uint64_t seed = 77;
    for (int i = 0; i < 200; i++) {
        char v[200];
        rill_header h = {"trace", "abcdef", 6};
        int len = snprintf(v, sizeof v, "{\"order\":%d,\"note\":\"%.*s\"}", i,
                           (int)(next_random(&seed) % 100),
                           "kimchi-tteok-gim-soju-kimchi-tteok-gim-soju-"
                           "kimchi-tteok-gim-soju-kimchi-tteok-gim-soju-x");
        rill_message m[2] = {
            {.topic = "plain", .partition = 0, .key = v, .key_len = 8,
             .value = v, .value_len = (size_t)len, .headers = &h,
             .header_count = 1},
            {.topic = "zstd", .partition = 0, .key = v, .key_len = 8,
             .value = v, .value_len = (size_t)len}};
        ok(rill_produce_batch(f->r, m, i % 10 ? 1 : 2, NULL));
    }
    /* Read the stored batches straight from a copy's LMDB file. */
    char *copy = path_join(f->dir, "copy");
    ok(rill_backup(f->r, copy, 1));
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_cursor *cur;
    MDB_val k, v;
    assert_int_equal(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 16);
    assert_int_equal(mdb_env_open(env, copy, MDB_RDONLY, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "rill.log", 0, &dbi), 0);
    assert_int_equal(mdb_cursor_open(txn, dbi, &cur), 0);
    enum { MAXB = 512 };
    static uint8_t *batches[MAXB];
    static size_t lens[MAXB];
    size_t nb = 0;
    while (nb < MAXB && mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
        batches[nb] = malloc(v.mv_size);
        memcpy(batches[nb], v.mv_data, v.mv_size);
        lens[nb++] = v.mv_size;
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    assert_true(nb > 100);
    rill_buf scratch = {0};
    for (size_t i = 0; i < nb; i++)
        ok(batch_validate(batches[i], lens[i], BATCH_RAW_MAX, &scratch));
    for (int flip = 0; flip < 10000; flip++) {
        size_t b = next_random(&seed) % nb;
        size_t bit = next_random(&seed) % (lens[b] * 8);
        batches[b][bit / 8] ^= (uint8_t)(1u << (bit % 8));
        int rc = batch_validate(batches[b], lens[b], BATCH_RAW_MAX, &scratch);
        if (rc != RILL_ECORRUPT && rc != RILL_EVERSION)
            fail_msg("flip %d (batch %zu, bit %zu) went undetected: %d", flip,
                     b, bit, rc);
        batches[b][bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    for (size_t i = 0; i < nb; i++)
        free(batches[i]);
    buf_free(&scratch);
    free(copy);
}

/* ---- permissions ---- */

static int warnings;
static void count_warning(void *opaque, int level, const char *msg)
{
    (void)opaque;
    (void)msg;
    warnings += level == RILL_LOG_WARN;
}

static void unsafe_permissions_are_refused(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    char *sub = path_join(dir, "d");
    rill *r = open_sync(sub, RILL_SYNC_NONE);
    rill_close(r);
    rill_options o;
    rill_options_init(&o);
    chmod(sub, 0777);
    fails(RILL_EPERM, rill_open(&r, sub, &o));
    assert_non_null(strstr(rill_errmsg(), "writable by every user"));
    chmod(sub, 0700);
    char *data = path_join(sub, "data.mdb");
    chmod(data, 0666);
    fails(RILL_EPERM, rill_open(&r, sub, &o));
    chmod(data, 0600);
    ok(rill_open(&r, sub, &o));
    rill_close(r);
    if (geteuid() == 0) { /* another owner: allowed, with a warning */
        o.log = count_warning;
        chown(sub, 65534, (gid_t)-1);
        ok(rill_open(&r, sub, &o));
        rill_close(r);
        assert_true(warnings > 0);
    }
    free(data);
    free(sub);
    tmpdir_remove(dir);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(killed_readers_neither_block_nor_grow_the_file),
        cmocka_unit_test(bind_mount_is_the_same_directory),
        T(frozen_member_is_fenced_when_it_wakes),
        T(rebalance_storm_keeps_single_owners_and_converges),
        T(every_flipped_bit_is_detected),
        cmocka_unit_test(unsafe_permissions_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
