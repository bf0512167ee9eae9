/*
 * notify.c -- the shared wake-up counter (see notify.h).
 *
 * File layout (4096 bytes, native endianness: it is never copied between
 * machines): magic "RLNT" at 0, the counter at 64, the waiter count at
 * 128, each on its own cache line.
 *
 * No lost wake-ups: a poster increments seq, then reads waiters; a waiter
 * increments waiters, then sleeps only while seq still equals what it
 * read before it looked for records (FUTEX_WAIT compares atomically). With
 * sequentially consistent atomics either the poster sees the waiter and
 * wakes it, or the waiter sees the new seq and does not sleep.
 */
#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#endif

#define NOTIFY_SIZE 4096
#define NOTIFY_MAGIC 0x524c4e54u
#define POLL_FALLBACK_MS 5

void notify_open(notify *n, const char *dir, unsigned mode, bool read_only)
{
    char path[PATH_MAX];
    memset(n, 0, sizeof *n);
    n->seq = &n->local_seq;
    n->waiters = NULL;
    if (snprintf(path, sizeof path, "%s/notify", dir) >= (int)sizeof path)
        return;
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd >= 0) {
        if (fchmod(fd, mode) != 0 || ftruncate(fd, NOTIFY_SIZE) != 0) {
            close(fd);
            return;
        }
    } else {
        fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0) {
            /* A reader without write access polls on a read-only map. */
            fd = open(path, O_RDONLY | O_CLOEXEC);
            read_only = true;
        } else {
            read_only = false;
        }
    }
    if (fd < 0)
        return;
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < NOTIFY_SIZE) {
        /* Another process created it and has not sized it yet. */
        if (read_only || ftruncate(fd, NOTIFY_SIZE) != 0) {
            close(fd);
            return;
        }
    }
    void *map = mmap(NULL, NOTIFY_SIZE,
                     read_only ? PROT_READ : PROT_READ | PROT_WRITE,
                     MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return;
    n->map = map;
    n->seq = (_Atomic uint32_t *)((char *)map + 64);
    n->writable = !read_only;
    if (n->writable) {
        n->waiters = (_Atomic uint32_t *)((char *)map + 128);
        uint32_t magic = NOTIFY_MAGIC;
        memcpy(map, &magic, sizeof magic);
    }
}

void notify_close(notify *n)
{
    if (n->map)
        munmap(n->map, NOTIFY_SIZE);
    memset(n, 0, sizeof *n);
}

uint32_t notify_seq(notify *n)
{
    return atomic_load(n->seq);
}

#ifdef __linux__
static long futex(_Atomic uint32_t *addr, int op, uint32_t val,
                  const struct timespec *ts)
{
    return syscall(SYS_futex, (uint32_t *)addr, op, val, ts, NULL, 0);
}
#endif

void notify_post(notify *n)
{
    if (!n->writable) {
        atomic_fetch_add(n->seq, 1);
        return;
    }
    atomic_fetch_add(n->seq, 1);
#ifdef __linux__
    if (atomic_load(n->waiters) != 0)
        futex(n->seq, FUTEX_WAKE, INT_MAX, NULL);
#endif
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

void notify_wait(notify *n, uint32_t seen, int timeout_ms)
{
    if (timeout_ms == 0)
        return;
#ifdef __linux__
    if (n->writable) {
        struct timespec ts, *tsp = NULL;
        if (timeout_ms > 0) {
            ts.tv_sec = timeout_ms / 1000;
            ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
            tsp = &ts;
        }
        atomic_fetch_add(n->waiters, 1);
        if (atomic_load(n->seq) == seen)
            futex(n->seq, FUTEX_WAIT, seen, tsp);
        atomic_fetch_sub(n->waiters, 1);
        return;
    }
#endif
    /* The portable fallback: look again every few milliseconds. */
    int slept = 0;
    while (atomic_load(n->seq) == seen &&
           (timeout_ms < 0 || slept < timeout_ms)) {
        int step = POLL_FALLBACK_MS;
        if (timeout_ms >= 0 && timeout_ms - slept < step)
            step = timeout_ms - slept;
        sleep_ms(step);
        slept += step;
    }
}
