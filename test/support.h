/*
 * support.h -- helpers shared by the cmocka suites: temporary
 * directories, opening, child processes, deterministic random bytes.
 */
#ifndef RILL_TEST_SUPPORT_H
#define RILL_TEST_SUPPORT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <cmocka.h>

#include "rill.h"

/* Asserts that a rill call returned 0, printing its message if not. */
#define ok(call)                                                               \
    do {                                                                       \
        int ok_rc_ = (call);                                                   \
        if (ok_rc_ != 0)                                                       \
            fail_msg("%s = %d (%s): %s", #call, ok_rc_,                        \
                     rill_strerror(ok_rc_), rill_errmsg());                    \
    } while (0)

/* Asserts that a rill call failed with code. */
#define fails(code, call)                                                      \
    do {                                                                       \
        int fails_rc_ = (call);                                                \
        if (fails_rc_ != (code))                                               \
            fail_msg("%s = %d (%s), expected %d (%s); message: %s", #call,     \
                     fails_rc_, rill_strerror(fails_rc_), (code),              \
                     rill_strerror(code), rill_errmsg());                      \
    } while (0)

/* A fresh directory under $TMPDIR (or /tmp); free with tmpdir_remove. */
char *tmpdir_new(void);
/* Removes the directory tree and frees the string. */
void tmpdir_remove(char *dir);
/* dir + "/" + name in a static-free malloc'ed string. */
char *path_join(const char *dir, const char *name);

/* The usual per-test state: a directory and the handle open on it. */
typedef struct fixture {
    char *dir;
    rill *r;
} fixture;

/* cmocka setup/teardown making a fixture with RILL_SYNC_NONE (tests
 * about durability choose their own mode). */
int fixture_setup(void **state);

/* The injected clock of time-dependent tests: test_clock returns
 * test_now_ms, which a test moves on instead of sleeping. */
extern int64_t test_now_ms;
int64_t test_clock(void *opaque);
/* fixture_setup with the handle on test_clock. */
int fixture_setup_clock(void **state);
int fixture_teardown(void **state);

/* Opens dir with sync mode; asserts success. */
rill *open_sync(const char *dir, int sync);

/* Creates a topic with n partitions and otherwise default config. */
void topic_new(rill *r, const char *name, int32_t partitions);

/* Fills buf with bytes from a xorshift generator seeded by *seed. */
void fill_random(void *buf, size_t n, uint64_t *seed);
uint64_t next_random(uint64_t *seed);

/* Forks a child that runs fn(arg) and exits with its return value.
 * The child must open its own handles. */
pid_t spawn(int (*fn)(void *arg), void *arg);
/* Waits for a child; returns its exit status, or 128 + signal. */
int wait_child(pid_t pid);

/* Reads records [from, from + n) of one partition into a caller array,
 * using a manual-assignment consumer; returns how many were read. */
size_t read_partition(rill *r, const char *topic, int32_t partition,
                      int64_t from, size_t n,
                      void (*each)(const rill_record *rec, void *arg),
                      void *arg);

/* rill_maintain and rill_verify with their reports copied into the
 * caller's struct (and freed). */
int maintain_into(rill *r, rill_maintain_report *out);
int verify_into(rill *r, const char *topic, rill_verify_cb cb, void *opaque,
                rill_verify_report *out);

#endif
