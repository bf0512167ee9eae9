/*
 * report.c -- rill-bench's output: the machine at the top, the aligned
 * tables on stdout (throughput, then latency), and the same rows as CSV.
 */
#define _GNU_SOURCE /* realpath */
#include "bench.h"

#include <limits.h>
#include <lmdb.h>
#include <math.h>
#include <rill.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* ---- the machine ---- */

/* The value of the first "key<spaces>: value" line of a /proc file. */
static int proc_field(const char *path, const char *key, char *out,
                      size_t cap)
{
    FILE *f = fopen(path, "r");
    char line[512];
    size_t klen = strlen(key);
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) != 0)
            continue;
        const char *p = line + klen;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p != ':')
            continue;
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        snprintf(out, cap, "%s", p);
        out[strcspn(out, "\n")] = '\0';
        fclose(f);
        return 0;
    }
    fclose(f);
    return -1;
}

static const char *fs_magic_name(unsigned long magic)
{
    switch (magic) {
    case 0xef53UL: return "ext2/3/4";
    case 0x58465342UL: return "xfs";
    case 0x9123683eUL: return "btrfs";
    case 0x01021994UL: return "tmpfs";
    case 0x794c7630UL: return "overlay";
    case 0x2fc12fc1UL: return "zfs";
    case 0xf2f52010UL: return "f2fs";
    default: return NULL;
    }
}

/* The file system holding path: the longest mount point that prefixes
 * it in /proc/self/mounts, else statfs's magic number. */
static void fs_of(const char *path, char *out, size_t cap)
{
    char real[PATH_MAX], best_type[64] = "", best_dev[256] = "";
    size_t best = 0;
    FILE *f = fopen("/proc/self/mounts", "r");
    if (realpath(path, real) && f) {
        char dev[256], mnt[PATH_MAX], type[64];
        while (fscanf(f, "%255s %4095s %63s %*[^\n]", dev, mnt, type) == 3) {
            size_t n = strlen(mnt);
            bool under = strcmp(mnt, "/") == 0 ||
                         (strncmp(real, mnt, n) == 0 &&
                          (real[n] == '/' || real[n] == '\0'));
            if (under && n >= best) {
                best = n;
                snprintf(best_type, sizeof best_type, "%s", type);
                snprintf(best_dev, sizeof best_dev, "%s", dev);
            }
        }
    }
    if (f)
        fclose(f);
    if (best_type[0]) {
        snprintf(out, cap, "%s (%s)", best_type, best_dev);
        return;
    }
    struct statfs sf;
    if (statfs(path, &sf) == 0) {
        const char *name = fs_magic_name((unsigned long)sf.f_type);
        if (name)
            snprintf(out, cap, "%s", name);
        else
            snprintf(out, cap, "magic 0x%lx", (unsigned long)sf.f_type);
        return;
    }
    snprintf(out, cap, "unknown");
}

void report_machine(const bench_config *cfg)
{
    char cpu[256] = "unknown", mem[64] = "unknown", fs[400];
    struct utsname u;
    int major, minor, patch;
    time_t t = time(NULL);
    char when[64];

    if (proc_field("/proc/cpuinfo", "model name", cpu, sizeof cpu) != 0)
        proc_field("/proc/cpuinfo", "Hardware", cpu, sizeof cpu);
    proc_field("/proc/meminfo", "MemTotal", mem, sizeof mem);
    fs_of(cfg->run_dir, fs, sizeof fs);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
    mdb_version(&major, &minor, &patch);

    printf("rill-bench  %s, profile %s, median of %d repetition%s\n", when,
           cfg->profile, cfg->reps, cfg->reps == 1 ? "" : "s");
    printf("cpus        %ld online, %s\n", sysconf(_SC_NPROCESSORS_ONLN), cpu);
    printf("memory      %s\n", mem);
    if (uname(&u) == 0)
        printf("kernel      %s %s %s\n", u.sysname, u.release, u.machine);
    printf("bench dir   %s\n", cfg->run_dir);
    printf("file system %s\n", fs);
    printf("versions    rill %s, LMDB %d.%d.%d", rill_version(), major,
           minor, patch);
    for (size_t i = 0; i < bench_system_count; i++) {
        const bench_system *sys = bench_systems[i];
        char v[128];
        if (!sys->version || sys == &bench_system_rill ||
            sys == &bench_system_lmdb || !system_enabled(cfg, i))
            continue;
        sys->version(v, sizeof v);
        printf(", %s", v);
    }
    printf("\n");
    fflush(stdout);
}


/* ---- the tables ---- */

/* Rows of throughput and rows of latency go to tables of their own,
 * each a list of columns; a cell is one column's text for one row. */

#define CELL 64
#define MAX_COLS 16

typedef struct table {
    int kind; /* enum row_kind */
    int ncol;
    const char *names[MAX_COLS];
    bool left[MAX_COLS]; /* names and settings left-aligned */
    void (*cells)(const bench_row *r, char cells[][CELL]);
} table;

static void fmt_num(char *buf, double v, const char *fmt)
{
    if (isnan(v))
        snprintf(buf, CELL, "-");
    else
        snprintf(buf, CELL, fmt, v);
}

static void rate_cells(const bench_row *r, char c[][CELL])
{
    int k = 0;
    snprintf(c[k++], CELL, "%s", r->workload);
    snprintf(c[k++], CELL, "%s", r->system);
    snprintf(c[k++], CELL, "%d", r->procs ? r->procs : 1);
    if (r->batch)
        snprintf(c[k++], CELL, "%zu", r->batch);
    else
        snprintf(c[k++], CELL, "-");
    snprintf(c[k++], CELL, "%s", r->sync);
    snprintf(c[k++], CELL, "%zu", r->value_size);
    snprintf(c[k++], CELL, "%s", r->setting[0] ? r->setting : "-");
    fmt_count(c[k++], CELL, r->rate);
    fmt_num(c[k++], r->mbps, "%.1f");
    fmt_num(c[k++], r->spread * 100, "%.1f%%");
    fmt_num(c[k++], r->p50_us, "%.1f");
    fmt_num(c[k++], r->p99_us, "%.1f");
    fmt_num(c[k++], r->ratio, "%.2f");
}

static void latency_cells(const bench_row *r, char c[][CELL])
{
    int k = 0;
    double scale = r->unit && strcmp(r->unit, "ms") == 0 ? 1e3 : 1;
    snprintf(c[k++], CELL, "%s", r->workload);
    snprintf(c[k++], CELL, "%s", r->system);
    snprintf(c[k++], CELL, "%d", r->procs ? r->procs : 1);
    snprintf(c[k++], CELL, "%s", r->setting);
    fmt_count(c[k++], CELL, (double)r->records);
    fmt_num(c[k++], r->p50_us / scale, "%.1f");
    fmt_num(c[k++], r->p99_us / scale, "%.1f");
    fmt_num(c[k++], r->p999_us / scale, "%.1f");
    fmt_num(c[k++], r->max_us / scale, "%.1f");
    snprintf(c[k++], CELL, "%s", r->unit ? r->unit : "us");
    fmt_num(c[k++], r->spread * 100, "%.1f%%");
    fmt_num(c[k++], r->ratio, "%.2fx");
}

static const table rate_table = {
    ROW_RATE, 13,
    {"workload", "system", "procs", "batch", "sync", "value", "settings",
     "records/s", "MB/s", "spread", "p50 us", "p99 us", "x rill"},
    {true, true, false, false, true, false, true},
    rate_cells,
};

static const table latency_table = {
    ROW_LATENCY, 12,
    {"workload", "system", "procs", "setting", "samples", "p50", "p99",
     "p99.9", "max", "unit", "spread", "ratio"},
    {true, true, false, true, false, false, false, false, false, true},
    latency_cells,
};

static void print_line(const table *t, char cells[][CELL], const int *w)
{
    for (int c = 0; c < t->ncol; c++)
        printf("%s%*s%s", c ? "  " : "", t->left[c] ? -w[c] : w[c],
               cells[c], c == t->ncol - 1 ? "\n" : "");
}

/* Prints the rows of t's kind; returns how many there were. */
static size_t print_table(const table *t, const bench_rows *rows)
{
    int w[MAX_COLS];
    char cells[MAX_COLS][CELL];
    size_t n = 0;
    const bench_row *prev = NULL;
    for (int c = 0; c < t->ncol; c++)
        w[c] = (int)strlen(t->names[c]);
    for (size_t i = 0; i < rows->n; i++) {
        if (rows->v[i].kind != t->kind)
            continue;
        n++;
        t->cells(&rows->v[i], cells);
        for (int c = 0; c < t->ncol; c++)
            if ((int)strlen(cells[c]) > w[c])
                w[c] = (int)strlen(cells[c]);
    }
    if (n == 0)
        return 0;
    for (int c = 0; c < t->ncol; c++)
        snprintf(cells[c], CELL, "%s", t->names[c]);
    print_line(t, cells, w);
    for (int c = 0; c < t->ncol; c++) {
        memset(cells[c], '-', (size_t)w[c]);
        cells[c][w[c]] = '\0';
    }
    print_line(t, cells, w);
    for (size_t i = 0; i < rows->n; i++) {
        const bench_row *r = &rows->v[i];
        if (r->kind != t->kind)
            continue;
        if (prev && (strcmp(r->workload, prev->workload) != 0 ||
                     r->group != prev->group))
            printf("\n");
        t->cells(r, cells);
        print_line(t, cells, w);
        prev = r;
    }
    printf("\n");
    return n;
}

/* The tenths of the steady state: per value size, a line of rates and a
 * line of file sizes. */
static void print_steady(const bench_rows *rows)
{
    const bench_row *first = NULL;
    for (size_t i = 0; i < rows->n; i++) {
        const bench_row *r = &rows->v[i];
        if (r->kind != ROW_STEADY)
            continue;
        if (r->tenth == 1) {
            if (!first)
                printf("steady state per tenth of the volume written "
                       "(median of the repetitions)\n");
            first = r;
            printf("%s, %s, %zu-byte values, batch %zu, sync %s\n",
                   r->system, r->setting, r->value_size, r->batch, r->sync);
            printf("  tenth       ");
            for (int k = 1; k <= TENTHS; k++)
                printf(" %10d", k);
            printf("\n  records/s   ");
        }
        char c[32];
        printf(" %10s", fmt_count(c, sizeof c, r->rate));
        if (r->tenth == TENTHS) {
            printf("\n  file MiB    ");
            for (size_t j = 0; j < TENTHS; j++)
                printf(" %10.1f", rows->v[i - TENTHS + 1 + j].file_bytes /
                                       1048576);
            printf("\n");
        }
    }
    if (first)
        printf("\n");
}

void report_table(const bench_rows *rows)
{
    if (print_table(&rate_table, rows))
        printf(
           "procs: processes taking part (group-consume: group members).\n"
           "batch: records per call (produce: per call, or per transaction "
           "or pipeline of the\n"
           "  peers; consume: max_poll_records or COUNT or LIMIT; '-': one "
           "pass).\n"
           "value: value bytes per record (no key, no headers); MB/s counts "
           "value bytes only.\n"
           "settings: the system's own (sync none and always map to each "
           "peer's equivalent).\n"
           "records/s: median of the repetitions; spread: (max - min) / "
           "median of them.\n"
           "  group-consume: the topic's records over the time from forking "
           "the members to\n"
           "  the report of its last record.\n"
           "p50/p99: per-call latency of the median repetition.\n"
           "x rill: records/s over rill's in the same group (rill = 1.00): "
           "above 1 the other is\n"
           "  faster; rill reaches 1/x of lmdb, the ceiling. producers: over "
           "rill with 1 thread;\n"
           "  async: over rill_producer_send; txn: over rill_produce; "
           "compress: over no compression.\n\n");
    print_steady(rows);
    if (print_table(&latency_table, rows))
        printf(
           "latency: per record, from just before the producer's call "
           "(rill_produce, sync none;\n"
           "  futex: the store and FUTEX_WAKE) to the consumer's return from "
           "its wait (rill_poll;\n"
           "  futex: FUTEX_WAIT), in two processes; each run's warm-up "
           "records are left out.\n"
           "  The repetition with the median p99 is shown; spread: (max - "
           "min) / median of the\n"
           "  repetitions' p99; ratio: p99 over the floor's (futex) p99.\n"
           "rebalance: from kill -9 of a member to the moment every "
           "partition it owned has\n"
           "  returned a record to another member's rill_poll, while a "
           "producer adds a record\n"
           "  to every partition each 2 ms; samples: kills, p50: their "
           "median.\n");
    fflush(stdout);
}

/* ---- CSV ---- */

static void csv_num(FILE *f, double v, const char *fmt)
{
    fputc(',', f);
    if (!isnan(v))
        fprintf(f, fmt, v);
}

/* A text field, quoted when it holds a comma or a quote. */
static void csv_str(FILE *f, const char *s)
{
    fputc(',', f);
    if (!strpbrk(s, ",\"\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void csv_pos(FILE *f, double v, const char *fmt)
{
    csv_num(f, v > 0 ? v : NAN, fmt);
}

static void csv_row(FILE *f, const bench_config *cfg, const bench_row *r)
{
    fprintf(f, "%s", r->workload);
    csv_str(f, r->system);
    fprintf(f, ",%d,%d", r->procs ? r->procs : 1,
            r->threads ? r->threads : 1);
    csv_str(f, r->setting);
    fputc(',', f);
    if (r->batch)
        fprintf(f, "%zu", r->batch);
    fprintf(f, ",%s,%zu,%llu", r->sync, r->value_size,
            (unsigned long long)r->records);
    csv_num(f, r->seconds, "%.6f");
    fprintf(f, ",%d", r->reps);
    csv_num(f, r->rate, "%.0f");
    csv_num(f, r->mbps, "%.2f");
    csv_num(f, r->rate_min, "%.0f");
    csv_num(f, r->rate_max, "%.0f");
    csv_num(f, r->spread, "%.4f");
    csv_num(f, r->p50_us, "%.2f");
    csv_num(f, r->p99_us, "%.2f");
    csv_num(f, r->p999_us, "%.2f");
    csv_num(f, r->max_us, "%.2f");
    csv_num(f, r->kind == ROW_LATENCY ? NAN : r->ratio, "%.4f");
    csv_num(f, r->kind == ROW_LATENCY ? r->ratio : NAN, "%.4f");
    fprintf(f, ",%llu", (unsigned long long)r->redelivered);
    csv_pos(f, r->commits_per_s, "%.0f");
    csv_pos(f, r->compression_ratio, "%.4f");
    fputc(',', f);
    if (r->tenth)
        fprintf(f, "%d", r->tenth);
    csv_pos(f, r->file_bytes, "%.0f");
    csv_pos(f, r->retention_bytes, "%.0f");
    fprintf(f, ",%s\n", cfg->profile);
}

int report_csv(const bench_config *cfg, const bench_rows *rows)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", cfg->csv_path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (bench_mkdirs(dir))
            return -1;
    }
    /* Written beside and renamed: a reader never sees half a file. */
    char tmp[4096 + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", cfg->csv_path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        perror(tmp);
        return -1;
    }
    /* The columns are documented in bench/README.md. Times are in
     * microseconds (rebalance too). */
    fprintf(f, "workload,system,procs,threads,setting,batch,sync,"
               "value_bytes,records,seconds,reps,records_per_s,mb_per_s,"
               "min_records_per_s,max_records_per_s,spread,p50_us,p99_us,"
               "p999_us,max_us,vs_rill,p99_vs_floor,redelivered,"
               "commits_per_s,compression_ratio,tenth,file_bytes,"
               "retention_bytes,profile\n");
    for (size_t i = 0; i < rows->n; i++)
        csv_row(f, cfg, &rows->v[i]);
    if (fclose(f) != 0) {
        perror(tmp);
        remove(tmp);
        return -1;
    }
    if (rename(tmp, cfg->csv_path) != 0) {
        perror(cfg->csv_path);
        remove(tmp);
        return -1;
    }
    return 0;
}
