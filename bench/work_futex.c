/*
 * work_futex.c -- the floor of latency: the least one process can do to
 * hand a timestamp to another that sleeps until it comes. A MAP_SHARED
 * anonymous mapping made before fork holds a counter and a ring of
 * stamps; the sender writes the stamp into the next slot, increments the
 * counter and calls FUTEX_WAKE; the receiver sleeps in FUTEX_WAIT on the
 * counter and, woken, takes now - stamp for each new slot. No copy of a
 * value, no transaction, no file: what is left is the wake-up itself.
 */
#define _GNU_SOURCE /* syscall */
#include "bench.h"

#include <errno.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define RING 4096 /* stamps in flight at most; a power of two */
#define IDLE_LIMIT 10 /* seconds without a stamp before giving up */

typedef struct channel {
    _Atomic uint32_t seq; /* stamps sent */
    char pad[64 - sizeof(uint32_t)];
    uint64_t ring[RING]; /* stamp i in ring[i % RING] */
} channel;

static long futex(_Atomic uint32_t *addr, int op, uint32_t val,
                  const struct timespec *ts)
{
    return syscall(SYS_futex, (uint32_t *)addr, op, val, ts, NULL, 0);
}

static int floor_consumer(void *arg, const latency_params *p,
                          uint64_t *samples, int ready_fd)
{
    channel *ch = arg;
    uint64_t total = p->warmup + p->records, got = 0;
    uint32_t seen = atomic_load(&ch->seq);
    int idle = 0;
    if (latency_ready(ready_fd))
        return -1;
    while (got < total) {
        uint32_t s = atomic_load(&ch->seq);
        if (s == seen) {
            struct timespec one = {1, 0};
            if (futex(&ch->seq, FUTEX_WAIT, seen, &one) != 0 &&
                errno == ETIMEDOUT && ++idle >= IDLE_LIMIT) {
                fprintf(stderr, "rill-bench: futex: nothing after %llu of "
                        "%llu stamps\n", (unsigned long long)got,
                        (unsigned long long)total);
                return -1;
            }
            continue;
        }
        uint64_t now = now_ns();
        if ((uint32_t)(s - seen) > RING) {
            fprintf(stderr, "rill-bench: futex: the receiver fell %u "
                    "stamps behind\n", (unsigned)(s - seen));
            return -1;
        }
        for (; seen != s && got < total; seen++)
            samples[got++] = now - ch->ring[seen % RING];
        idle = 0;
    }
    return 0;
}

static int floor_producer(void *arg, const latency_params *p)
{
    channel *ch = arg;
    uint64_t total = p->warmup + p->records;
    uint64_t start = now_ns() + 1000000; /* 1 ms from now */
    for (uint64_t i = 0; i < total; i++) {
        uint64_t stamp = latency_pace(start, p->rate, i);
        ch->ring[i % RING] = stamp;
        atomic_fetch_add(&ch->seq, 1);
        futex(&ch->seq, FUTEX_WAKE, 1, NULL);
    }
    return 0;
}

static int futex_latency(const latency_params *p, const char *dir,
                         run_result *res)
{
    static const latency_ops ops = {floor_consumer, floor_producer};
    (void)dir;
    channel *ch = shared_alloc(sizeof *ch);
    if (!ch)
        return -1;
    int rc = latency_run(p, &ops, ch, res);
    shared_free(ch, sizeof *ch);
    return rc;
}

const bench_system bench_system_futex = {
    .name = "futex",
    .about = "a stamp in shared memory and a futex wake-up between two "
             "processes",
    .latency_floor = true,
    .setting_read = "FUTEX_WAKE / FUTEX_WAIT",
    .latency = futex_latency,
};
