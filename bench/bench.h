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
 * ceiling: the others' rows carry their ratio to it.
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
} run_result;

typedef struct bench_row {
    char workload[24];
    char system[16];
    size_t batch;       /* records per call; 0 = not applicable */
    const char *sync;   /* "none", "always" or "-" */
    size_t value_size;  /* bytes */
    uint64_t records;   /* in the median run */
    double seconds;     /* of the median run */
    int reps;
    double rate;        /* records/s, the median of the reps */
    double rate_min, rate_max;
    double mbps;        /* value bytes per second / 1e6, at the median */
    double p50_us, p99_us;
    double ratio; /* rate / the ceiling's rate; NAN for no ceiling */
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

typedef struct bench_system {
    const char *name;
    const char *about;
    bool ceiling; /* the reference the others' ratio is taken against */
    /* Creates a store in the empty directory dir and appends records as
     * p says, timing only the appends. Returns 0 or -1 (message printed). */
    int (*produce)(const produce_params *p, const char *dir, run_result *res);
    /* Writes p->records records into the empty directory dir (untimed). */
    int (*consume_prepare)(const consume_params *p, const char *dir);
    /* Reads every record of dir back, touching each value; *sum receives
     * the sum of the values' first bytes. */
    int (*consume)(const consume_params *p, const char *dir, run_result *res,
                   uint64_t *sum);
} bench_system;

extern const bench_system bench_system_lmdb;
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

/* ---- helpers (util.c) ---- */

/* Seconds on CLOCK_MONOTONIC. */
double now_s(void);
uint64_t now_ns(void);

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

/* The median of n doubles (sorts v). */
double median(double *v, size_t n);

const char *sync_name(int sync);

/* Formats a count with thousands separators into buf. */
const char *fmt_count(char *buf, size_t cap, double v);

/* ---- output (report.c) ---- */

void report_machine(const bench_config *cfg);
void report_table(const bench_rows *rows);
int report_csv(const bench_config *cfg, const bench_rows *rows);

/* Progress on stderr. */
void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
