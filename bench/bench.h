/*
 * bench.h -- rill-bench: the pieces shared by the driver (main.c), the
 * workloads and their method (workloads.c), the output (report.c), the
 * helpers (util.c) and the systems measured (work_rill.c, work_lmdb.c).
 *
 * A workload (produce, consume, ...) is a named entry in a table; it
 * walks its settings, runs every system on each under the same method
 * (fresh directory, warm-up, repetitions, median) and emits result rows.
 * A system is a table of functions, one per kind of run it can do; a
 * system that lacks one is skipped by that workload, and one that cannot
 * run on this machine (a peer built without its library, a server not
 * installed) says why once and is skipped everywhere. Rows of
 * throughput carry their rate over rill's at the same settings (rill =
 * 1.00); one system is the ceiling of throughput (plain LMDB), one the
 * floor of latency (rows of latency carry their p99 over its p99).
 *
 * The peers (work_sqlite.c, work_redis.c, work_file.c) are what users
 * would pick instead; SQLite and Redis are compiled in only when their
 * headers are (HAVE_SQLITE, HAVE_HIREDIS from the Makefile).
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

/* Value bytes: pseudo-random (incompressible) or JSON-like events. */
enum bench_payload { PAYLOAD_RANDOM = 0, PAYLOAD_JSON = 1 };

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
    double consume_cap; /* seconds per pass */

    /* latency: latency_warmup records (not measured), then
     * latency_records measured, latency_rate per second evenly paced. */
    uint64_t latency_records;
    uint64_t latency_warmup;
    unsigned latency_rate;

    /* rebalance: rebalance_kills measured kills, after one warm-up. */
    int rebalance_kills;

    /* compress: the produce settings (batches x syncs) that rill runs
     * with and without zstd on JSON-like values of every value size. */
    size_t compress_batches[BENCH_MAX_SETTINGS];
    size_t n_compress_batches;
    int compress_syncs[BENCH_MAX_SETTINGS];
    size_t n_compress_syncs;

    /* producers: threads (sync always, single records) in one process,
     * then processes of one thread; each run lasts parallel_seconds. */
    int threads[BENCH_MAX_SETTINGS];
    size_t n_threads;
    int procs[BENCH_MAX_SETTINGS];
    size_t n_procs;
    double parallel_seconds;

    /* steady: retention_bytes per partition; steady_factor times that
     * volume of values passes through, in batches of steady_batch. */
    int64_t steady_retention;
    int steady_factor;
    size_t steady_batch;
    size_t steady_values[BENCH_MAX_SETTINGS];
    size_t n_steady_values;

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

/* The latency distribution drawn in latency.png: the latency at each of
 * these percentiles (util.c). */
#define CURVE_POINTS 24
extern const double curve_percentiles[CURVE_POINTS];

/* steady: the run in tenths of the volume written. */
#define TENTHS 10

typedef struct run_result {
    uint64_t records;
    double seconds;
    double p50_us, p99_us; /* per call; NAN when not measured */
    double p999_us, max_us;
    uint64_t extra; /* group-consume: records delivered twice */
    uint64_t commits;      /* producers: write transactions committed */
    uint64_t raw_bytes;    /* compress: value bytes written */
    uint64_t stored_bytes; /* compress: the partition's stored bytes */
    double curve_us[CURVE_POINTS]; /* latency: NAN when not measured */
    double tenth_rate[TENTHS];     /* steady: records/s of each tenth */
    double tenth_file[TENTHS];     /* steady: data file bytes after it */
} run_result;

/* Rows of throughput go to one table, rows of latency to another, the
 * tenths of the steady state to a third. */
enum row_kind { ROW_RATE = 0, ROW_LATENCY = 1, ROW_STEADY = 2 };

typedef struct bench_row {
    int kind; /* enum row_kind */
    char workload[24];
    char system[16];
    int procs;          /* processes taking part; 0 = one */
    int threads;        /* writer threads per process; 0 = one */
    char setting[64];   /* the system's own settings, and what else the
                           row needs said (compression ratio, ...) */
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
    double ratio; /* rate / rill's rate in the row's group (rill = 1),
                     or p99 / the floor's p99; NAN without one */
    double commits_per_s;     /* producers; NAN elsewhere */
    double compression_ratio; /* compress: value bytes / stored bytes */
    int group;                /* rows compared with each other */
    int tenth;                /* steady: 1..TENTHS; 0 elsewhere */
    double file_bytes;        /* steady: the data file after the tenth */
    double retention_bytes;   /* steady */
    double curve_us[CURVE_POINTS]; /* latency: the distribution */
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
    int payload;     /* enum bench_payload */
    int compression; /* rill: enum rill_compression */
    int threads;     /* produce_parallel: writer threads in one process */
    int procs;       /* produce_parallel: writer processes (one thread) */
    int64_t retention_bytes; /* steady: the topic's, per partition */
    uint64_t total_bytes;    /* steady: value bytes to write in all */
} produce_params;

/* A consume pass reads the partition from its start to its end, or stops
 * at the first poll after time_cap seconds (the slower peers). */
typedef struct consume_params {
    size_t value_size;
    uint64_t records;
    unsigned poll_records;
    double time_cap;
} consume_params;

/* The CLOCK_MONOTONIC nanoseconds at which a pass that began at t0 stops. */
uint64_t consume_deadline(const consume_params *p, uint64_t t0);

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
    bool ceiling; /* throughput: the upper bound for rill */
    bool latency_floor; /* latency: the reference of the others' ratio */
    /* The system's own settings for sync none and sync always, and for
     * reading, as shown in the table. */
    const char *setting[2];
    const char *setting_read;
    /* NULL when the system can run here, else why not (one line). */
    const char *(*unavailable)(void);
    /* Versions for the machine description (may be NULL). */
    void (*version)(char *buf, size_t cap);
    /* Creates a store in the empty directory dir and appends records as
     * p says, timing only the appends. Returns 0 or -1 (message printed). */
    int (*produce)(const produce_params *p, const char *dir, run_result *res);
    /* Writes p->records records into the empty directory dir (untimed). */
    int (*consume_prepare)(const consume_params *p, const char *dir);
    /* Reads every record of dir back, touching each value; *sum receives
     * the sum of the values' first bytes. */
    int (*consume)(const consume_params *p, const char *dir, run_result *res,
                   uint64_t *sum);
    /* After the last consume pass over dir (may be NULL). */
    void (*consume_finish)(const char *dir);
    /* Appends single records with p->sync from p->threads threads or
     * p->procs processes for p->time_cap seconds; res->commits receives
     * the transactions committed. */
    int (*produce_parallel)(const produce_params *p, const char *dir,
                            run_result *res);
    /* The asynchronous producer: records sent one by one, timed until
     * every one was delivered. */
    int (*produce_async)(const produce_params *p, const char *dir,
                         run_result *res);
    /* Outbox transactions: an application key and one record each. */
    int (*produce_txn)(const produce_params *p, const char *dir,
                       run_result *res);
    /* Writes p->total_bytes of values into a topic with
     * p->retention_bytes; fills res->tenth_rate and tenth_file. */
    int (*steady)(const produce_params *p, const char *dir, run_result *res);
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
extern const bench_system bench_system_sqlite;
extern const bench_system bench_system_redis;
extern const bench_system bench_system_file;
extern const bench_system bench_system_disk;

/* Kills every server a peer started (async-signal-safe; work_redis.c). */
void peers_kill_all(void);

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
/* compress, producers, async, txn (wl_more.c); steady (wl_steady.c). */
int wl_compress(const bench_config *cfg, bench_rows *rows);
int wl_producers(const bench_config *cfg, bench_rows *rows);
int wl_async(const bench_config *cfg, bench_rows *rows);
int wl_txn(const bench_config *cfg, bench_rows *rows);
int wl_steady(const bench_config *cfg, bench_rows *rows);

/* The method's pieces shared by the workload files (workloads.c). */
/* Whether the options let system i run and it can run here. */
bool system_enabled(const bench_config *cfg, size_t i);
/* Prints (once, stdout and stderr) why each system that cannot run here
 * is skipped. */
void systems_report_skipped(void);
void result_init(run_result *r);
double rate_of(const run_result *r);
/* One run of fn in a fresh directory (removed afterwards), after the
 * file system was synced; a run that wrote no records fails. */
typedef int (*run_fn)(const produce_params *p, const char *dir,
                      run_result *res);
int run_fresh(const bench_config *cfg, const char *tag, run_fn fn,
              const produce_params *p, run_result *res);
/* Sets each row's ratio to its rate over the rate of the row of system
 * "rill" (or of the row ref when not NULL) among rows[first..]. */
void rows_ratio_to(bench_rows *rows, size_t first, const bench_row *ref);

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
 * same bytes. JSON-like values (order events of exactly n bytes) come
 * from pools built per size by bench_json_init. */
void bench_values_init(size_t max_value_size);
void bench_values_free(void);
const uint8_t *bench_value(uint64_t i, size_t n);
int bench_json_init(size_t n);
const uint8_t *bench_json(uint64_t i, size_t n);
/* bench_value or bench_json as payload says. */
const uint8_t *bench_payload(int payload, uint64_t i, size_t n);
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
/* Sorts the n nanosecond samples v and fills p50, p99, p99.9, the
 * maximum and the curve of res in microseconds (NAN if n is 0). */
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

/* Runs argv (argv[0] looked up in PATH) with stdout and stderr to
 * /dev/null, waiting up to timeout seconds; returns its exit status, or
 * -1 if it could not run or was killed. */
int run_quiet(char *const argv[], double timeout);
/* Whether name is an executable in PATH. */
bool in_path(const char *name);

/* ---- output (report.c, targets.c, chart.c) ---- */

void report_machine(const bench_config *cfg);
void report_table(const bench_rows *rows);
int report_csv(const bench_config *cfg, const bench_rows *rows);
/* The targets, each with its measured value: met, missed or not run. */
void report_targets(const bench_config *cfg, const bench_rows *rows);
/* The PNG charts beside the CSV, made with gnuplot; a note instead when
 * it is missing. Returns 0 or -1. */
int report_charts(const bench_config *cfg, const bench_rows *rows);

/* Progress on stderr. */
void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
