/*
 * bench.h -- rill-bench: the pieces shared by the driver (main.c), the
 * workloads and their method (workloads.c), the output (report.c), the
 * helpers (util.c) and the systems measured (work_rill.c, work_lmdb.c).
 *
 * A workload (produce, consume, ...) is a named entry in a table; it
 * walks its settings, runs every system on each under the same method
 * (fresh directory, warm-up, repetitions, median) and emits result rows.
 * A system is a table of functions, one per kind of run it can do; a
 * system that lacks one is skipped by that workload. One system is the
 * ceiling of throughput (the others' rows carry their rate over its
 * rate), one the floor of latency (their p99 over its p99).
 *
 * The workloads with several processes (latency, rebalance,
 * group-consume: wl_proc.c) fork their children through proc.c, which
 * makes sure none outlives the run; each child opens the directory
 * itself, as rill requires after fork.
 */
#ifndef RILL_BENCH_H
#define RILL_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- configuration ---- */

enum bench_sync { BENCH_SYNC_NONE = 0, BENCH_SYNC_ALWAYS = 1 };

#define BENCH_MAX_SETTINGS 8
#define BENCH_MAX_ONLY 16
#define BENCH_MAX_MEMBERS 8

typedef struct bench_config {
    const char *profile; /* "default", "full", "quick" */
    int reps;            /* measured repetitions per setting */

    size_t value_sizes[BENCH_MAX_SETTINGS];
    size_t n_value_sizes;
    size_t batches[BENCH_MAX_SETTINGS]; /* records per produce call */
    size_t n_batches;
    int syncs[BENCH_MAX_SETTINGS]; /* enum bench_sync */
    size_t n_syncs;

    /* A produce run stops at max_records or at the time cap, whichever
     * comes first; the warm-up run at a tenth of the records and
     * warmup_seconds. */
    uint64_t produce_max_records;
    double produce_cap_none;   /* seconds */
    double produce_cap_always; /* seconds */
    double warmup_seconds;

    /* The consume workload reads a partition of this many records,
     * max_poll_records at a time. */
    uint64_t consume_records;
    unsigned poll_records;

    /* latency: latency_warmup records (not measured), then
     * latency_records measured, latency_rate per second evenly paced. */
    uint64_t latency_records;
    uint64_t latency_warmup;
    unsigned latency_rate;

    /* rebalance: rebalance_kills measured kills, after one warm-up. */
    int rebalance_kills;

    /* group-consume: a topic of group_partitions partitions holding
     * group_records records, read by groups of 1 .. group_members. */
    uint64_t group_records;
    int group_partitions;
    int group_members;

    const char *only[BENCH_MAX_ONLY]; /* workload names; none = all */
    size_t n_only;
    const char *only_systems[BENCH_MAX_ONLY]; /* system names; none = all */
    size_t n_only_systems;

    const char *base_dir; /* where the run directory is made */
    char *run_dir;        /* this run's own directory (removed at exit) */
    const char *csv_path;
} bench_config;

/* ---- a run's outcome, and the rows reported ---- */

typedef struct run_result {
    uint64_t records;
    double seconds;
    double p50_us, p99_us; /* per call; NAN when not measured */
    double p999_us, max_us;
    uint64_t extra; /* group-consume: records delivered twice */
} run_result;

/* Rows of throughput go to one table, rows of latency to another. */
enum row_kind { ROW_RATE = 0, ROW_LATENCY = 1 };

typedef struct bench_row {
    int kind; /* enum row_kind */
    char workload[24];
    char system[16];
    int procs;          /* processes taking part; 0 = one */
    char setting[48];   /* latency rows: the setting, no commas */
    const char *unit;   /* latency rows: "us" or "ms" in the table */
    size_t batch;       /* records per call; 0 = not applicable */
    const char *sync;   /* "none", "always" or "-" */
    size_t value_size;  /* bytes */
    uint64_t records;   /* in the median run */
    double seconds;     /* of the median run */
    int reps;
    double rate;        /* records/s, the median of the reps */
    double rate_min, rate_max;
    double spread; /* (max - min) / median of the reps' ranking values */
    uint64_t redelivered; /* group-consume: records delivered twice */
    double mbps;        /* value bytes per second / 1e6, at the median */
    double p50_us, p99_us, p999_us, max_us;
    double ratio; /* rate / the ceiling's rate, or p99 / the floor's p99;
                     NAN without one */
} bench_row;

typedef struct bench_rows {
    bench_row *v;
    size_t n, cap;
} bench_rows;

/* Appends a copy of row; exits on out of memory. */
void rows_add(bench_rows *rows, const bench_row *row);

/* ---- the systems ---- */

typedef struct produce_params {
    size_t batch;
    int sync; /* enum bench_sync */
    size_t value_size;
    uint64_t max_records;
    double time_cap; /* seconds */
} produce_params;

typedef struct consume_params {
    size_t value_size;
    uint64_t records;
    unsigned poll_records;
} consume_params;

/* latency: warmup + records records, each stamped with CLOCK_MONOTONIC
 * nanoseconds in its first 8 value bytes, sent one at a time from one
 * process at rate per second (absolute deadlines, no bursts) and
 * received in another. */
typedef struct latency_params {
    uint64_t records; /* measured */
    uint64_t warmup;  /* sent first, not measured */
    unsigned rate;
    size_t value_size; /* at least 8 */
} latency_params;

/* rebalance: members processes in one group on a topic of partitions
 * partitions, a trickle of one record per partition every trickle_us;
 * warmup + kills kills of one member, each followed by a fresh one. */
typedef struct rebalance_params {
    int partitions;
    int members;
    int kills;
    int warmup;
    unsigned trickle_us;
} rebalance_params;

/* group-consume: members processes of the fresh group group read a
 * topic of partitions partitions holding records records. */
typedef struct group_params {
    int partitions;
    uint64_t records;
    size_t value_size;
    unsigned poll_records;
    int members;
    const char *group;
} group_params;

typedef struct bench_system {
    const char *name;
    const char *about;
    bool ceiling; /* throughput: the reference of the others' ratio */
    bool latency_floor; /* latency: the reference of the others' ratio */
    /* Creates a store in the empty directory dir and appends records as
     * p says, timing only the appends. Returns 0 or -1 (message printed). */
    int (*produce)(const produce_params *p, const char *dir, run_result *res);
    /* Writes p->records records into the empty directory dir (untimed). */
    int (*consume_prepare)(const consume_params *p, const char *dir);
    /* Reads every record of dir back, touching each value; *sum receives
     * the sum of the values' first bytes. */
    int (*consume)(const consume_params *p, const char *dir, run_result *res,
                   uint64_t *sum);
    /* Runs a producer and a consumer process on the empty directory dir;
     * res receives the records measured, their span in seconds and the
     * latency percentiles. */
    int (*latency)(const latency_params *p, const char *dir, run_result *res);
    /* Kills group members on the empty directory dir; res receives the
     * measured kills (records), the median (p50_us) and the maximum
     * (max_us) time until another member polled every partition the
     * killed one owned. */
    int (*rebalance)(const rebalance_params *p, const char *dir,
                     run_result *res);
    /* Writes the group-consume topic into the empty directory dir. */
    int (*group_prepare)(const group_params *p, const char *dir);
    /* Reads the whole topic with a fresh group of p->members processes;
     * res->records is the topic's size, res->seconds the wall time. */
    int (*group_consume)(const group_params *p, const char *dir,
                         run_result *res);
} bench_system;

extern const bench_system bench_system_lmdb;
extern const bench_system bench_system_futex;
extern const bench_system bench_system_rill;

/* Every system, the ceiling first (workloads.c). */
extern const bench_system *const bench_systems[];
extern const size_t bench_system_count;

/* ---- the workloads ---- */

typedef struct bench_workload {
    const char *name;
    const char *about;
    int (*run)(const bench_config *cfg, bench_rows *rows);
} bench_workload;

extern const bench_workload bench_workloads[];
extern const size_t bench_workload_count;

/* The workloads of several processes (wl_proc.c). */
int wl_latency(const bench_config *cfg, bench_rows *rows);
int wl_rebalance(const bench_config *cfg, bench_rows *rows);
int wl_group_consume(const bench_config *cfg, bench_rows *rows);

/* The method's pieces shared by the workload files (workloads.c). */
bool system_enabled(const bench_config *cfg, size_t i);
void result_init(run_result *r);
double rate_of(const run_result *r);

/* The repetitions of one system at one setting: their results, and the
 * value each is ranked by (records/s; p99 for latency). */
typedef struct sys_reps {
    run_result *res;
    double *rates;
    int n;
} sys_reps;
int reps_alloc(sys_reps *s, int reps);
void reps_free(sys_reps *s);
/* Fills the measured fields of row from a system's repetitions: the
 * median of rates with their minimum and maximum, and the rest from the
 * repetition nearest the median. */
void summarize(const sys_reps *s, bench_row *row);

/* ---- helpers (util.c) ---- */

/* Seconds on CLOCK_MONOTONIC. */
double now_s(void);
uint64_t now_ns(void);

/* The work of other processes on the machine during a stretch of the
 * run: the processors' busy time (/proc/stat) less this process's and
 * its children's. load_other gives it in processors kept busy on
 * average since load_mark (NAN if unknown); a benchmark on a machine
 * that is not otherwise idle measures that too. */
typedef struct load_since {
    double t, busy, own;
} load_since;
void load_mark(load_since *l);
double load_other(const load_since *l);

/* The deterministic value bytes: value i of size n. The pool is built
 * once (bench_values_init) and shared by every system, so all write the
 * same bytes. */
void bench_values_init(size_t max_value_size);
void bench_values_free(void);
const uint8_t *bench_value(uint64_t i, size_t n);
/* The sum of the first bytes of values 0 .. count-1 of size n. */
uint64_t bench_values_first_sum(uint64_t count, size_t n);

/* A fresh, empty directory inside the run directory, named after tag
 * and a counter; *out is malloc'ed. Returns 0 or -1 (message printed). */
int bench_fresh_dir(const bench_config *cfg, const char *tag, char **out);
/* Flushes the run directory's file system, so that no write-back left
 * by one run lands in the next. */
void bench_quiesce(const bench_config *cfg);
/* Removes a directory tree; quiet if it is missing. */
int bench_remove_tree(const char *path);
/* mkdir -p. */
int bench_mkdirs(const char *path);

/* Per-call latencies of one run: at most cap entries, in nanoseconds. */
typedef struct lat_buf {
    uint64_t *ns;
    size_t n, cap;
} lat_buf;
int lat_init(lat_buf *l, size_t cap);
void lat_free(lat_buf *l);
/* Fills p50 and p99 in microseconds (NAN if empty); reorders l. */
void lat_percentiles(lat_buf *l, double *p50_us, double *p99_us);
/* Sorts the n nanosecond samples v and fills p50, p99, p99.9 and the
 * maximum of res in microseconds (NAN if n is 0). */
void lat_summary(uint64_t *v, size_t n, run_result *res);

/* The median of n doubles (sorts v). */
double median(double *v, size_t n);

const char *sync_name(int sync);

/* Formats a count with thousands separators into buf. */
const char *fmt_count(char *buf, size_t cap, double v);

/* ---- child processes (proc.c) ---- */

#define PROC_MAX 16

/* The children of one run. Every child dies with the parent (it asks
 * the kernel for SIGKILL when the parent goes), and proc_kill_all ends
 * the rest on an error path, so none outlives the run. */
typedef struct proc_set {
    int pid[PROC_MAX];
    int n;
} proc_set;

/* Forks a child that closes the descriptors close_fds[0..nclose), runs
 * fn(arg) and exits with 0 if it returned 0, else 1. Returns the pid, or
 * -1 (message printed). Buffered output is flushed first. */
int proc_spawn(proc_set *s, int (*fn)(void *arg), void *arg,
               const int *close_fds, size_t nclose);
/* Kills one child with SIGKILL and reaps it. */
void proc_kill(proc_set *s, int pid);
/* Kills and reaps every child left. */
void proc_kill_all(proc_set *s);
/* Waits up to timeout seconds for every child to exit. Returns 0 if all
 * exited with status 0; otherwise kills the rest and returns -1. */
int proc_wait_all(proc_set *s, double timeout);

/* A zeroed MAP_SHARED anonymous mapping of size bytes that children
 * forked afterwards share, or NULL (message printed). */
void *shared_alloc(size_t size);
void shared_free(void *p, size_t size);

/* pipe() with messages printed; fds closed by pipe_close are set to -1. */
int pipe_open(int fds[2]);
void pipe_close(int fds[2]);
void fd_close(int *fd);
/* Writes a message of n <= PIPE_BUF bytes in one piece. */
int msg_write(int fd, const void *buf, size_t n);
/* Reads one message of n bytes, waiting up to timeout_ms (-1 forever).
 * Returns 1 when read, 0 on timeout, -1 at end of file or on error. */
int msg_read(int fd, void *buf, size_t n, int timeout_ms);
/* Whether fd has data or its end of file (a parent's stop signal). */
bool fd_ready(int fd);

/* Sleeps until CLOCK_MONOTONIC reads t nanoseconds. */
void sleep_until_ns(uint64_t t);

/* Runs a latency measurement: forks consumer(arg, p, samples, ready_fd),
 * waits for it to write a byte to ready_fd (call latency_ready), then
 * forks producer(arg, p), which calls latency_pace for each record and
 * sends the stamp it returns. The consumer stores the latency of record
 * i (now - stamp, nanoseconds) in samples[i], for p->warmup + p->records
 * records; res receives the percentiles of the measured ones. */
typedef struct latency_ops {
    int (*consumer)(void *arg, const latency_params *p, uint64_t *samples,
                    int ready_fd);
    int (*producer)(void *arg, const latency_params *p);
} latency_ops;
int latency_run(const latency_params *p, const latency_ops *ops, void *arg,
                run_result *res);
int latency_ready(int ready_fd);
/* Waits for record i's deadline (start + i / rate) and returns the
 * stamp: CLOCK_MONOTONIC nanoseconds just after. */
uint64_t latency_pace(uint64_t start, unsigned rate, uint64_t i);

/* ---- output (report.c) ---- */

void report_machine(const bench_config *cfg);
void report_table(const bench_rows *rows);
int report_csv(const bench_config *cfg, const bench_rows *rows);

/* Progress on stderr. */
void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
