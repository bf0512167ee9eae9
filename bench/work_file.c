/*
 * work_file.c -- the file system's own ceilings.
 *
 * file: the same record bytes appended to one file, each with a 4-byte
 * length prefix, one write() per batch (O_APPEND), and for sync always an
 * fdatasync() after each write: what a log costs with no index, no
 * checksum, no reader coordination. Reading is read() of 1 MiB at a time,
 * walking the length prefixes.
 *
 * disk: the rate of durable commits the disk allows one thread: a
 * 100-byte append followed by fdatasync(), over and over (the producers
 * workload). A commit of rill or LMDB at sync always needs at least one.
 */
#define _GNU_SOURCE /* O_CLOEXEC */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_CHUNK ((size_t)1 << 20)

static int fail(const char *what, const char *path)
{
    fprintf(stderr, "rill-bench: file: %s '%s': %s\n", what, path,
            strerror(errno));
    return -1;
}

static int open_log(const char *dir, char *path, size_t cap, int flags)
{
    snprintf(path, cap, "%s/log", dir);
    int fd = open(path, flags | O_CLOEXEC, 0600);
    if (fd < 0)
        fail("cannot open", path);
    return fd;
}

static int write_all(int fd, const uint8_t *b, size_t n, const char *path)
{
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return fail("write", path);
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Lays out records first .. first+k-1 with their prefixes in buf. */
static size_t frame(uint8_t *buf, uint64_t first, size_t k, size_t vsize)
{
    size_t o = 0;
    uint32_t len = (uint32_t)vsize;
    for (size_t j = 0; j < k; j++) {
        memcpy(buf + o, &len, sizeof len);
        memcpy(buf + o + sizeof len, bench_value(first + j, vsize), vsize);
        o += sizeof len + vsize;
    }
    return o;
}

static int check_size(int fd, uint64_t records, size_t vsize,
                      const char *path)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return fail("fstat", path);
    if ((uint64_t)st.st_size != records * (vsize + 4)) {
        fprintf(stderr, "rill-bench: file: %lld bytes after %llu records\n",
                (long long)st.st_size, (unsigned long long)records);
        return -1;
    }
    return 0;
}

static int file_produce(const produce_params *p, const char *dir,
                        run_result *res)
{
    char path[4096];
    lat_buf lat;
    uint8_t *buf = malloc(p->batch * (p->value_size + 4));
    if (!buf || lat_init(&lat, (size_t)(p->max_records / p->batch + 1))) {
        free(buf);
        fprintf(stderr, "rill-bench: out of memory\n");
        return -1;
    }
    int fd = open_log(dir, path, sizeof path,
                      O_WRONLY | O_CREAT | O_APPEND);
    int rc = fd < 0 ? -1 : 0;
    uint64_t n = 0, t0 = now_ns(), prev = t0;
    uint64_t cap_ns = (uint64_t)(p->time_cap * 1e9);
    while (!rc && n < p->max_records) {
        size_t k = p->batch;
        if (k > p->max_records - n)
            k = (size_t)(p->max_records - n);
        rc = write_all(fd, buf, frame(buf, n, k, p->value_size), path);
        if (!rc && p->sync == BENCH_SYNC_ALWAYS && fdatasync(fd) != 0)
            rc = fail("fdatasync", path);
        uint64_t t = now_ns();
        if (lat.n < lat.cap)
            lat.ns[lat.n++] = t - prev;
        prev = t;
        n += k;
        if (t - t0 >= cap_ns)
            break;
    }
    if (!rc)
        rc = check_size(fd, n, p->value_size, path);
    if (fd >= 0)
        close(fd);
    res->records = n;
    res->seconds = (double)(prev - t0) / 1e9;
    lat_percentiles(&lat, &res->p50_us, &res->p99_us);
    lat_free(&lat);
    free(buf);
    return rc;
}

static int file_consume_prepare(const consume_params *p, const char *dir)
{
    char path[4096];
    const size_t batch = 1000;
    uint8_t *buf = malloc(batch * (p->value_size + 4));
    if (!buf) {
        fprintf(stderr, "rill-bench: out of memory\n");
        return -1;
    }
    int fd = open_log(dir, path, sizeof path, O_WRONLY | O_CREAT | O_TRUNC);
    int rc = fd < 0 ? -1 : 0;
    for (uint64_t n = 0; !rc && n < p->records; n += batch) {
        size_t k = p->records - n < batch ? (size_t)(p->records - n) : batch;
        rc = write_all(fd, buf, frame(buf, n, k, p->value_size), path);
    }
    if (!rc && fsync(fd) != 0)
        rc = fail("fsync", path);
    if (fd >= 0)
        close(fd);
    free(buf);
    return rc;
}

/* Walks the complete records in buf[0..len); returns the bytes used. */
static size_t parse(const uint8_t *buf, size_t len, size_t vsize,
                    uint64_t *n, uint64_t *sum, int *bad)
{
    size_t o = 0;
    while (len - o >= 4) {
        uint32_t l;
        memcpy(&l, buf + o, sizeof l);
        if (l != vsize) {
            *bad = 1;
            return o;
        }
        if (len - o - 4 < l)
            break;
        *sum += buf[o + 4];
        (*n)++;
        o += 4 + l;
    }
    return o;
}

static int file_consume(const consume_params *p, const char *dir,
                        run_result *res, uint64_t *sum)
{
    char path[4096];
    uint8_t *buf = malloc(READ_CHUNK + p->value_size + 4);
    if (!buf) {
        fprintf(stderr, "rill-bench: out of memory\n");
        return -1;
    }
    uint64_t t0 = now_ns(), n = 0, s = 0;
    int fd = open_log(dir, path, sizeof path, O_RDONLY);
    int rc = fd < 0 ? -1 : 0, bad = 0;
    size_t have = 0;
    uint64_t deadline = consume_deadline(p, t0);
    bool capped = false;
    while (!rc && !bad && !(capped = now_ns() >= deadline)) {
        ssize_t r = read(fd, buf + have, READ_CHUNK);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            rc = fail("read", path);
        if (r <= 0)
            break;
        have += (size_t)r;
        size_t used = parse(buf, have, p->value_size, &n, &s, &bad);
        memmove(buf, buf + used, have - used);
        have -= used;
    }
    if (fd >= 0)
        close(fd);
    uint64_t t1 = now_ns();
    free(buf);
    if (!rc && (bad || (have && !capped))) {
        fprintf(stderr, "rill-bench: file: a bad record after %llu\n",
                (unsigned long long)n);
        rc = -1;
    }
    res->records = n;
    res->seconds = (double)(t1 - t0) / 1e9;
    *sum = s;
    return rc;
}

const bench_system bench_system_file = {
    .name = "file",
    .about = "the file system: length-prefixed records appended with one "
             "write() per batch",
    .setting = {"write() per batch", "write()+fdatasync per batch"},
    .setting_read = "read() 1 MiB at a time",
    .produce = file_produce,
    .consume_prepare = file_consume_prepare,
    .consume = file_consume,
};

/* ---- the disk's rate of durable commits ---- */

static int disk_fdatasync(const produce_params *p, const char *dir,
                          run_result *res)
{
    char path[4096];
    uint8_t rec[100];
    memcpy(rec, bench_value(0, sizeof rec), sizeof rec);
    int fd = open_log(dir, path, sizeof path, O_WRONLY | O_CREAT | O_APPEND);
    if (fd < 0)
        return -1;
    uint64_t n = 0, t0 = now_ns(), t = t0;
    uint64_t cap_ns = (uint64_t)(p->time_cap * 1e9);
    int rc = 0;
    while (!rc && t - t0 < cap_ns) {
        rc = write_all(fd, rec, sizeof rec, path);
        if (!rc && fdatasync(fd) != 0)
            rc = fail("fdatasync", path);
        n++;
        t = now_ns();
    }
    close(fd);
    res->records = res->commits = n;
    res->seconds = (double)(t - t0) / 1e9;
    return rc;
}

const bench_system bench_system_disk = {
    .name = "disk",
    .about = "the disk: a 100-byte append and fdatasync(), repeated (the "
             "ceiling of durable commits for one thread)",
    .setting = {"100-byte write()+fdatasync", "100-byte write()+fdatasync"},
    .produce_parallel = disk_fdatasync,
};
