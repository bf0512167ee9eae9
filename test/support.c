/*
 * support.c -- helpers for the test suites (see support.h).
 */
#include "support.h"

#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

char *tmpdir_new(void)
{
    const char *base = getenv("TMPDIR");
    char *tmpl;
    if (!base || !*base)
        base = "/tmp";
    if (asprintf(&tmpl, "%s/rill-test-XXXXXX", base) < 0)
        fail_msg("out of memory");
    if (!mkdtemp(tmpl))
        fail_msg("mkdtemp: %s", strerror(errno));
    return tmpl;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void tmpdir_remove(char *dir)
{
    if (!dir)
        return;
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

char *path_join(const char *dir, const char *name)
{
    char *p;
    if (asprintf(&p, "%s/%s", dir, name) < 0)
        fail_msg("out of memory");
    return p;
}

rill *open_sync(const char *dir, int sync)
{
    rill_options o;
    rill *r = NULL;
    rill_options_init(&o);
    o.sync = sync;
    ok(rill_open(&r, dir, &o));
    return r;
}

int fixture_setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->dir = tmpdir_new();
    f->r = open_sync(f->dir, RILL_SYNC_NONE);
    *state = f;
    return 0;
}

int64_t test_now_ms = 1800000000000LL;

int64_t test_clock(void *opaque)
{
    (void)opaque;
    return test_now_ms;
}

int fixture_setup_clock(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    rill_options o;
    f->dir = tmpdir_new();
    rill_options_init(&o);
    o.sync = RILL_SYNC_NONE;
    o.clock = test_clock;
    if (rill_open(&f->r, f->dir, &o) != 0)
        fail_msg("rill_open: %s", rill_errmsg());
    *state = f;
    return 0;
}

int fixture_teardown(void **state)
{
    fixture *f = *state;
    rill_close(f->r);
    tmpdir_remove(f->dir);
    free(f);
    return 0;
}

void topic_new(rill *r, const char *name, int32_t partitions)
{
    rill_topic_config c;
    rill_topic_config_init(&c);
    c.partitions = partitions;
    ok(rill_topic_create(r, name, &c));
}

uint64_t next_random(uint64_t *seed)
{
    uint64_t x = *seed ? *seed : 0x9e3779b97f4a7c15ULL;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *seed = x;
    return x;
}

void fill_random(void *buf, size_t n, uint64_t *seed)
{
    uint8_t *p = buf;
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(next_random(seed) >> 24);
}

pid_t spawn(int (*fn)(void *arg), void *arg)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        fail_msg("fork: %s", strerror(errno));
    if (pid == 0) {
        /* A test that fails and exits takes its children with it. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        _exit(fn(arg));
    }
    return pid;
}

int wait_child(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            fail_msg("waitpid: %s", strerror(errno));
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

size_t read_partition(rill *r, const char *topic, int32_t partition,
                      int64_t from, size_t n,
                      void (*each)(const rill_record *rec, void *arg),
                      void *arg)
{
    rill_consumer *c;
    rill_consumer_options o;
    rill_consumer_options_init(&o);
    o.max_poll_records = 1000;
    ok(rill_consumer_new(&c, r, &o));
    rill_topic_partition tp = {topic, partition, from};
    ok(rill_assign(c, &tp, 1));
    size_t got = 0;
    while (got < n) {
        const rill_record *recs;
        size_t k;
        ok(rill_poll(c, 0, &recs, &k));
        if (k == 0)
            break;
        for (size_t i = 0; i < k && got < n; i++, got++)
            if (each)
                each(&recs[i], arg);
    }
    ok(rill_consumer_close(c));
    return got;
}

int maintain_into(rill *r, rill_maintain_report *out)
{
    rill_maintain_report *rep;
    int rc = rill_maintain(&rep, r);
    if (!rc) {
        *out = *rep;
        rill_maintain_report_free(rep);
    }
    return rc;
}

int verify_into(rill *r, const char *topic, rill_verify_cb cb, void *opaque,
                rill_verify_report *out)
{
    rill_verify_report *rep;
    int rc = rill_verify(&rep, r, topic, cb, opaque);
    if (rep) {
        *out = *rep;
        rill_verify_report_free(rep);
    }
    return rc;
}
