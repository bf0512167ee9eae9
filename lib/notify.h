/*
 * notify.h -- cross-process wake-up of blocked pollers.
 *
 * A counter in a small file every process maps shared. A committer bumps
 * it after each commit and wakes sleepers; a poller reads it before
 * looking for records and, finding none, sleeps until it changes. On Linux
 * the sleep is a futex on the shared mapping (woken within microseconds,
 * no CPU while idle); elsewhere, and when the file cannot be mapped
 * writable, a timed poll of the counter every few milliseconds.
 */
#ifndef RILL_NOTIFY_H
#define RILL_NOTIFY_H

#include "common.h"

#include <stdatomic.h>

typedef struct notify {
    void *map;                /* the mapped file, or NULL */
    _Atomic uint32_t *seq;    /* bumped after every commit */
    _Atomic uint32_t *waiters; /* pollers asleep or about to sleep */
    bool writable;
    _Atomic uint32_t local_seq; /* stands in when there is no file */
} notify;

/* Maps dir/notify, creating it with mode unless read_only. A failure to
 * map is not fatal: the fallback is the timed poll. */
void notify_open(notify *n, const char *dir, unsigned mode, bool read_only);
void notify_close(notify *n);

/* The counter's value, read before looking for records. */
uint32_t notify_seq(notify *n);

/* Bumps the counter and wakes every sleeper. Call after a commit. */
void notify_post(notify *n);

/* Sleeps until the counter differs from seen or timeout_ms passes
 * (-1 = forever). May return early (spurious wake-ups are fine); never
 * sleeps through a post that happened after seen was read. */
void notify_wait(notify *n, uint32_t seen, int timeout_ms);

#endif
