/*
 * proc.c -- child processes for the workloads of several processes:
 * spawning and reaping them, the pipes they report through, memory they
 * share with the parent, pacing, and the latency harness.
 *
 * No child outlives a run: each asks the kernel to kill it when its
 * parent goes (PR_SET_PDEATHSIG), and every error path of the parent
 * kills and reaps the children it has left (proc_kill_all).
 */
#define _GNU_SOURCE /* prctl, clock_nanosleep */
#include "bench.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- children ---- */

int proc_spawn(proc_set *s, int (*fn)(void *arg), void *arg,
               const int *close_fds, size_t nclose)
{
    if (s->n == PROC_MAX) {
        fprintf(stderr, "rill-bench: more than %d child processes\n",
                PROC_MAX);
        return -1;
    }
    pid_t parent = getpid();
    fflush(NULL); /* or the child would write the parent's buffers too */
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "rill-bench: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(1);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        for (size_t i = 0; i < nclose; i++)
            if (close_fds[i] >= 0)
                close(close_fds[i]);
        _exit(fn(arg) == 0 ? 0 : 1);
    }
    s->pid[s->n++] = (int)pid;
    return (int)pid;
}

static void forget(proc_set *s, int i)
{
    s->pid[i] = s->pid[--s->n];
}

void proc_kill(proc_set *s, int pid)
{
    for (int i = 0; i < s->n; i++)
        if (s->pid[i] == pid) {
            kill(pid, SIGKILL);
            while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
            forget(s, i);
            return;
        }
}

void proc_kill_all(proc_set *s)
{
    while (s->n > 0)
        proc_kill(s, s->pid[s->n - 1]);
}

static void sleep_ns(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000u),
                          (long)(ns % 1000000000u)};
    nanosleep(&ts, NULL);
}

int proc_wait_all(proc_set *s, double timeout)
{
    uint64_t deadline = now_ns() + (uint64_t)(timeout * 1e9);
    uint64_t nap = 1000000; /* 1 ms, growing to 50 ms */
    int rc = 0;
    while (s->n > 0 && rc == 0) {
        bool reaped = false;
        for (int i = 0; i < s->n; i++) {
            int status;
            pid_t got = waitpid(s->pid[i], &status, WNOHANG);
            if (got == 0)
                continue;
            if (got < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                if (got > 0 && WIFSIGNALED(status))
                    fprintf(stderr, "rill-bench: child %d died of signal "
                            "%d\n", s->pid[i], WTERMSIG(status));
                else if (got > 0)
                    fprintf(stderr, "rill-bench: child %d failed\n",
                            s->pid[i]);
                rc = -1;
            }
            forget(s, i);
            reaped = true;
            break;
        }
        if (reaped || s->n == 0)
            continue;
        if (now_ns() >= deadline) {
            fprintf(stderr, "rill-bench: %d child process%s still running "
                    "after %.0f s; killed\n", s->n, s->n == 1 ? "" : "es",
                    timeout);
            rc = -1;
            break;
        }
        sleep_ns(nap);
        if (nap < 50000000)
            nap *= 2;
    }
    proc_kill_all(s);
    return rc;
}

/* ---- shared memory and pipes ---- */

void *shared_alloc(size_t size)
{
    void *p = mmap(NULL, size ? size : 1, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        fprintf(stderr, "rill-bench: mmap of %zu bytes: %s\n", size,
                strerror(errno));
        return NULL;
    }
    return p;
}

void shared_free(void *p, size_t size)
{
    if (p)
        munmap(p, size ? size : 1);
}

int pipe_open(int fds[2])
{
    if (pipe(fds) != 0) {
        fprintf(stderr, "rill-bench: pipe: %s\n", strerror(errno));
        fds[0] = fds[1] = -1;
        return -1;
    }
    return 0;
}

void fd_close(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

void pipe_close(int fds[2])
{
    fd_close(&fds[0]);
    fd_close(&fds[1]);
}

int msg_write(int fd, const void *buf, size_t n)
{
    /* Up to PIPE_BUF bytes go into a pipe in one piece, so messages of
     * several writers never interleave. */
    ssize_t w;
    while ((w = write(fd, buf, n)) < 0 && errno == EINTR)
        ;
    return w == (ssize_t)n ? 0 : -1;
}

int msg_read(int fd, void *buf, size_t n, int timeout_ms)
{
    uint64_t deadline = now_ns() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms)
                                       * 1000000u;
    size_t got = 0;
    while (got < n) {
        int wait = -1;
        if (timeout_ms >= 0) {
            uint64_t now = now_ns();
            wait = now >= deadline
                       ? 0 : (int)((deadline - now + 999999) / 1000000);
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int pr = poll(&pfd, 1, wait);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0)
            return -1;
        if (pr == 0) {
            if (got == 0)
                return 0;
            continue; /* the rest of a message is on its way */
        }
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 1;
}

bool fd_ready(int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    return poll(&pfd, 1, 0) > 0;
}

void sleep_until_ns(uint64_t t)
{
    struct timespec ts = {(time_t)(t / 1000000000u),
                          (long)(t % 1000000000u)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
           EINTR)
        ;
}

/* ---- the latency harness ---- */

typedef struct latency_child {
    const latency_ops *ops;
    void *arg;
    const latency_params *p;
    uint64_t *samples;
    int ready_fd;
} latency_child;

static int consumer_main(void *arg)
{
    latency_child *lc = arg;
    return lc->ops->consumer(lc->arg, lc->p, lc->samples, lc->ready_fd);
}

static int producer_main(void *arg)
{
    latency_child *lc = arg;
    /* Wake at the deadlines, not up to the default 50 us after them. */
    prctl(PR_SET_TIMERSLACK, 1000UL);
    return lc->ops->producer(lc->arg, lc->p);
}

int latency_ready(int ready_fd)
{
    char b = 'r';
    if (msg_write(ready_fd, &b, 1)) {
        fprintf(stderr, "rill-bench: cannot report ready: %s\n",
                strerror(errno));
        return -1;
    }
    return 0;
}

uint64_t latency_pace(uint64_t start, unsigned rate, uint64_t i)
{
    sleep_until_ns(start + i * 1000000000u / rate);
    return now_ns();
}

int latency_run(const latency_params *p, const latency_ops *ops, void *arg,
                run_result *res)
{
    uint64_t total = p->warmup + p->records;
    size_t bytes = (size_t)total * sizeof(uint64_t);
    uint64_t *samples = shared_alloc(bytes);
    int ready[2] = {-1, -1};
    proc_set ps = {0};
    int rc = -1;
    char b;
    latency_child lc = {ops, arg, p, samples, -1};
    if (!samples || pipe_open(ready))
        goto out;
    lc.ready_fd = ready[1];
    if (proc_spawn(&ps, consumer_main, &lc, &ready[0], 1) < 0)
        goto out;
    fd_close(&ready[1]);
    if (msg_read(ready[0], &b, 1, 60000) != 1) {
        fprintf(stderr, "rill-bench: the consumer did not get ready\n");
        goto out;
    }
    double t0 = now_s();
    if (proc_spawn(&ps, producer_main, &lc, &ready[0], 1) < 0)
        goto out;
    /* Generous: a slow machine (or valgrind) falls behind the rate. */
    if (proc_wait_all(&ps, 3.0 * (double)total / p->rate + 60))
        goto out;
    res->seconds = now_s() - t0;
    res->records = p->records;
    lat_summary(samples + p->warmup, (size_t)p->records, res);
    rc = 0;
out:
    proc_kill_all(&ps);
    pipe_close(ready);
    shared_free(samples, bytes);
    return rc;
}
