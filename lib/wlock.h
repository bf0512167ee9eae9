/*
 * wlock.h -- the directory's writer lock, taken around every LMDB write
 * transaction.
 *
 * LMDB serializes writers with a process-shared robust pthread mutex in
 * lock.mdb. With glibc, such a mutex can lose a wake-up when a process
 * that was woken to take it is killed (SIGKILL) before it does: the mutex
 * is then free while other waiters sleep on, and a writer can hang for
 * good. rill therefore serializes writers itself first: threads of a
 * process on a mutex, processes on a POSIX record lock of <dir>/write.lock,
 * which the kernel releases and hands on correctly whoever dies. LMDB's
 * mutex is then never contended between processes.
 */
#ifndef RILL_WLOCK_H
#define RILL_WLOCK_H

#include "common.h"

#include <pthread.h>

typedef struct wlock {
    int fd; /* -1 when read-only */
    pthread_mutex_t mutex;
} wlock;

/* Opens (creating with mode) <dir>/write.lock; read_only opens nothing. */
int wlock_open(wlock *w, const char *dir, unsigned mode, bool read_only);
void wlock_close(wlock *w);

/* Takes the lock, waiting for other threads and processes. */
int wlock_acquire(wlock *w);
void wlock_release(wlock *w);

#endif
