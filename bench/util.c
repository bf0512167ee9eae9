/*
 * util.c -- rill-bench helpers: clocks, the deterministic value bytes,
 * run directories, latency percentiles and medians.
 */
#define _GNU_SOURCE /* nftw's FTW_DEPTH and FTW_PHYS, syncfs */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- clocks ---- */

uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double now_s(void)
{
    return (double)now_ns() / 1e9;
}

/* ---- the load of other processes ---- */

/* Seconds the machine's processors spent busy (user, nice, system, irq,
 * softirq: not idle, not waiting for I/O, not stolen by a hypervisor). */
static double machine_busy_s(void)
{
    unsigned long long v[7] = {0};
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return NAN;
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
                   &v[2], &v[3], &v[4], &v[5], &v[6]);
    fclose(f);
    if (n != 7)
        return NAN;
    return (double)(v[0] + v[1] + v[2] + v[5] + v[6]) /
           (double)sysconf(_SC_CLK_TCK);
}

/* Seconds of processor time this process and its reaped children used. */
static double own_cpu_s(void)
{
    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    double s = 0;
    const struct rusage *r[2] = {&self, &kids};
    for (int i = 0; i < 2; i++)
        s += (double)r[i]->ru_utime.tv_sec + r[i]->ru_utime.tv_usec / 1e6 +
             (double)r[i]->ru_stime.tv_sec + r[i]->ru_stime.tv_usec / 1e6;
    return s;
}

void load_mark(load_since *l)
{
    l->t = now_s();
    l->busy = machine_busy_s();
    l->own = own_cpu_s();
}

double load_other(const load_since *l)
{
    double dt = now_s() - l->t;
    double other = (machine_busy_s() - l->busy) - (own_cpu_s() - l->own);
    if (isnan(other) || dt <= 0)
        return NAN;
    return other > 0 ? other / dt : 0;
}

/* ---- values ---- */

/* Values are windows into a pool of pseudo-random bytes: value i starts
 * at (i * STRIDE) mod POOL_SPAN. A stride coprime with the span gives
 * every offset in turn, so consecutive values differ. */
#define POOL_SPAN ((size_t)1 << 20)
#define POOL_STRIDE 4099u

static uint8_t *pool;
static size_t pool_len;

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

void bench_values_init(size_t max_value_size)
{
    size_t len = POOL_SPAN + max_value_size + 8;
    if (pool && pool_len >= len)
        return;
    free(pool);
    pool = malloc(len);
    if (!pool) {
        fprintf(stderr, "rill-bench: out of memory for the value pool\n");
        exit(1);
    }
    pool_len = len;
    uint64_t seed = 0x72696c6c62656e63u; /* fixed: runs write the same bytes */
    for (size_t i = 0; i < len; i += 8) {
        uint64_t r = splitmix64(&seed);
        memcpy(pool + i, &r, len - i < 8 ? len - i : 8);
    }
}

/* JSON-like values: JSON_COUNT order events per size, each exactly n
 * bytes: fields drawn from small vocabularies and random numbers, line
 * items while they fit, then a note of words padded with spaces. */
#define JSON_COUNT 8192
#define JSON_SIZES 8

static struct {
    size_t n;
    uint8_t *v; /* JSON_COUNT values of n bytes */
} json_pools[JSON_SIZES];

static const char *const json_events[] = {
    "order_created", "order_paid", "order_shipped", "order_cancelled",
    "payment_refunded", "cart_updated"};
static const char *const json_words[] = {
    "Berlin", "Lisbon", "Oslo", "Austin", "Osaka", "Lyon", "Porto",
    "express", "standard", "gift", "wrap", "fragile", "priority", "EUR",
    "USD", "GBP", "card", "invoice", "mobile", "web"};
#define NWORDS (sizeof json_words / sizeof json_words[0])

/* Appends text to b (at *len) if it fits within cap; returns whether. */
static bool json_add(char *b, size_t *len, size_t cap, const char *text)
{
    size_t t = strlen(text);
    if (*len + t > cap)
        return false;
    memcpy(b + *len, text, t);
    *len += t;
    return true;
}

static void json_make(char *b, size_t n, uint64_t *seed)
{
    char f[256];
    size_t len = 0, cap = n > 1 ? n - 1 : 0; /* room for the '}' */
    uint64_t r = splitmix64(seed);
    snprintf(f, sizeof f, "{\"event\":\"%s\",\"order\":%llu,\"customer\":"
             "\"c-%06llu\",\"amount\":%llu.%02llu,\"currency\":\"%s\"",
             json_events[r % 6], (unsigned long long)(r >> 40),
             (unsigned long long)((r >> 8) % 1000000),
             (unsigned long long)((r >> 20) % 2000),
             (unsigned long long)((r >> 4) % 100), json_words[13 + r % 3]);
    if (!json_add(b, &len, cap, f)) {
        memcpy(b, f, n); /* too small for an event: its start */
        return;
    }
    for (int item = 0;; item++) {
        uint64_t x = splitmix64(seed);
        snprintf(f, sizeof f, "%s{\"sku\":\"SKU-%05llu\",\"qty\":%llu,"
                 "\"price\":%llu.99}%s", item ? "," : ",\"items\":[",
                 (unsigned long long)(x % 40000),
                 (unsigned long long)(1 + (x >> 20) % 5),
                 (unsigned long long)((x >> 30) % 300), "");
        if (len + strlen(f) + 1 > cap || !json_add(b, &len, cap, f)) {
            if (item)
                json_add(b, &len, cap, "]");
            break;
        }
    }
    if (json_add(b, &len, cap, ",\"note\":\"")) {
        while (len + 1 < cap) {
            const char *w = json_words[splitmix64(seed) % NWORDS];
            size_t room = cap - 1 - len;
            size_t wl = strlen(w) + 1 < room ? strlen(w) + 1 : room;
            memcpy(b + len, w, wl - 1);
            b[len + wl - 1] = ' ';
            len += wl;
        }
        b[len++] = '"';
    }
    while (len < cap)
        b[len++] = ' ';
    b[cap] = '}';
}

int bench_json_init(size_t n)
{
    int free_slot = -1;
    for (int i = 0; i < JSON_SIZES; i++) {
        if (json_pools[i].v && json_pools[i].n == n)
            return 0;
        if (!json_pools[i].v && free_slot < 0)
            free_slot = i;
    }
    if (free_slot < 0 || n == 0) {
        fprintf(stderr, "rill-bench: too many JSON value sizes\n");
        return -1;
    }
    uint8_t *v = malloc(JSON_COUNT * n);
    if (!v) {
        fprintf(stderr, "rill-bench: out of memory for JSON values\n");
        return -1;
    }
    uint64_t seed = 0x6a736f6e76616c73u;
    for (size_t i = 0; i < JSON_COUNT; i++)
        json_make((char *)v + i * n, n, &seed);
    json_pools[free_slot].n = n;
    json_pools[free_slot].v = v;
    return 0;
}

const uint8_t *bench_json(uint64_t i, size_t n)
{
    for (int k = 0; k < JSON_SIZES; k++)
        if (json_pools[k].n == n && json_pools[k].v)
            return json_pools[k].v + (size_t)(i % JSON_COUNT) * n;
    return bench_value(i, n); /* not initialised: never for the workloads */
}

const uint8_t *bench_payload(int payload, uint64_t i, size_t n)
{
    return payload == PAYLOAD_JSON ? bench_json(i, n) : bench_value(i, n);
}

void bench_values_free(void)
{
    free(pool);
    pool = NULL;
    pool_len = 0;
    for (int k = 0; k < JSON_SIZES; k++) {
        free(json_pools[k].v);
        json_pools[k].v = NULL;
        json_pools[k].n = 0;
    }
}

const uint8_t *bench_value(uint64_t i, size_t n)
{
    (void)n; /* every window of the pool is at least max_value_size long */
    return pool + (size_t)((i * POOL_STRIDE) % POOL_SPAN);
}

uint64_t bench_values_first_sum(uint64_t count, size_t n)
{
    uint64_t sum = 0;
    for (uint64_t i = 0; i < count; i++)
        sum += bench_value(i, n)[0];
    return sum;
}

/* ---- directories ---- */

int bench_mkdirs(const char *path)
{
    char buf[4096];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof buf) {
        fprintf(stderr, "rill-bench: bad directory '%s'\n", path);
        return -1;
    }
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char c = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
            fprintf(stderr, "rill-bench: cannot create '%s': %s\n", buf,
                    strerror(errno));
            return -1;
        }
        buf[i] = c;
    }
    return 0;
}

void bench_quiesce(const bench_config *cfg)
{
    int fd = open(cfg->run_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    syncfs(fd);
    close(fd);
}

int bench_fresh_dir(const bench_config *cfg, const char *tag, char **out)
{
    static unsigned counter;
    size_t cap = strlen(cfg->run_dir) + strlen(tag) + 32;
    char *p = malloc(cap);
    if (!p) {
        fprintf(stderr, "rill-bench: out of memory\n");
        return -1;
    }
    snprintf(p, cap, "%s/%s-%04u", cfg->run_dir, tag, ++counter);
    if (mkdir(p, 0700) != 0) {
        fprintf(stderr, "rill-bench: cannot create '%s': %s\n", p,
                strerror(errno));
        free(p);
        return -1;
    }
    *out = p;
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type,
                        struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    if (remove(path) != 0 && errno != ENOENT) {
        fprintf(stderr, "rill-bench: cannot remove '%s': %s\n", path,
                strerror(errno));
        return -1;
    }
    return 0;
}

int bench_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return 0;
    return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

/* ---- statistics ---- */

int lat_init(lat_buf *l, size_t cap)
{
    l->n = 0;
    l->cap = cap ? cap : 1;
    l->ns = malloc(l->cap * sizeof *l->ns);
    if (!l->ns) {
        fprintf(stderr, "rill-bench: out of memory for %zu latencies\n",
                l->cap);
        return -1;
    }
    return 0;
}

void lat_free(lat_buf *l)
{
    free(l->ns);
    l->ns = NULL;
    l->n = l->cap = 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest value with at least q of them at or below. */
static double rank(const uint64_t *v, size_t n, double q)
{
    size_t k = (size_t)ceil(q * (double)n);
    return (double)v[k ? k - 1 : 0];
}

void lat_percentiles(lat_buf *l, double *p50_us, double *p99_us)
{
    if (l->n == 0) {
        *p50_us = *p99_us = NAN;
        return;
    }
    qsort(l->ns, l->n, sizeof *l->ns, cmp_u64);
    *p50_us = rank(l->ns, l->n, 0.50) / 1e3;
    *p99_us = rank(l->ns, l->n, 0.99) / 1e3;
}

const double curve_percentiles[CURVE_POINTS] = {
    1,    5,    10,   20,    30,    40,    50,     60,
    70,   80,   90,   95,    97,    98,    99,     99.5,
    99.7, 99.8, 99.9, 99.95, 99.97, 99.99, 99.995, 100};

void lat_summary(uint64_t *v, size_t n, run_result *res)
{
    if (n == 0) {
        res->p50_us = res->p99_us = res->p999_us = res->max_us = NAN;
        return;
    }
    qsort(v, n, sizeof *v, cmp_u64);
    res->p50_us = rank(v, n, 0.50) / 1e3;
    res->p99_us = rank(v, n, 0.99) / 1e3;
    res->p999_us = rank(v, n, 0.999) / 1e3;
    res->max_us = (double)v[n - 1] / 1e3;
    for (int i = 0; i < CURVE_POINTS; i++)
        res->curve_us[i] = rank(v, n, curve_percentiles[i] / 100) / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- formatting ---- */

const char *sync_name(int sync)
{
    return sync == BENCH_SYNC_ALWAYS ? "always" : "none";
}

const char *fmt_count(char *buf, size_t cap, double v)
{
    if (isnan(v)) {
        snprintf(buf, cap, "-");
        return buf;
    }
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%.0f", v < 0 ? -v : v);
    size_t o = 0;
    if (v < 0 && o + 1 < cap)
        buf[o++] = '-';
    for (int i = 0; i < n && o + 1 < cap; i++) {
        if (i && (n - i) % 3 == 0 && o + 1 < cap)
            buf[o++] = ',';
        if (o + 1 < cap)
            buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

/* ---- other programs ---- */

bool in_path(const char *name)
{
    const char *path = getenv("PATH");
    char buf[4096];
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path; *p;) {
        size_t len = strcspn(p, ":");
        snprintf(buf, sizeof buf, "%.*s/%s", (int)len, p, name);
        if (len && access(buf, X_OK) == 0)
            return true;
        p += len;
        if (*p == ':')
            p++;
    }
    return false;
}

int run_quiet(char *const argv[], double timeout)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open("/dev/null", O_RDWR);
        if (fd >= 0) {
            dup2(fd, 0);
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    uint64_t deadline = now_ns() + (uint64_t)(timeout * 1e9);
    int status;
    for (;;) {
        pid_t got = waitpid(pid, &status, WNOHANG);
        if (got == pid)
            break;
        if (got < 0 && errno != EINTR)
            return -1;
        if (now_ns() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void progress(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("rill-bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
}

void rows_add(bench_rows *rows, const bench_row *row)
{
    if (rows->n == rows->cap) {
        size_t cap = rows->cap ? rows->cap * 2 : 32;
        bench_row *v = realloc(rows->v, cap * sizeof *v);
        if (!v) {
            fprintf(stderr, "rill-bench: out of memory\n");
            exit(1);
        }
        rows->v = v;
        rows->cap = cap;
    }
    rows->v[rows->n++] = *row;
}
