/*
 * report.c -- rill-bench's output: the machine at the top, the aligned
 * table on stdout, and the same rows as CSV.
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
    printf("versions    rill %s, LMDB %d.%d.%d\n", rill_version(), major,
           minor, patch);
    printf("\n");
    fflush(stdout);
}

/* ---- the table ---- */

enum { COL_WORKLOAD, COL_SYSTEM, COL_BATCH, COL_SYNC, COL_VALUE,
       COL_RECORDS, COL_RATE, COL_MBPS, COL_SPREAD, COL_P50, COL_P99,
       COL_RATIO, NCOL };

static const char *const col_names[NCOL] = {
    "workload", "system", "batch", "sync", "value", "records", "records/s",
    "MB/s", "spread", "p50 us", "p99 us", "ratio",
};

#define CELL 32

static void fmt_num(char *buf, double v, const char *fmt)
{
    if (isnan(v))
        snprintf(buf, CELL, "-");
    else
        snprintf(buf, CELL, fmt, v);
}

static void row_cells(const bench_row *r, char cells[NCOL][CELL])
{
    snprintf(cells[COL_WORKLOAD], CELL, "%s", r->workload);
    snprintf(cells[COL_SYSTEM], CELL, "%s", r->system);
    if (r->batch)
        snprintf(cells[COL_BATCH], CELL, "%zu", r->batch);
    else
        snprintf(cells[COL_BATCH], CELL, "-");
    snprintf(cells[COL_SYNC], CELL, "%s", r->sync);
    snprintf(cells[COL_VALUE], CELL, "%zu", r->value_size);
    fmt_count(cells[COL_RECORDS], CELL, (double)r->records);
    fmt_count(cells[COL_RATE], CELL, r->rate);
    fmt_num(cells[COL_MBPS], r->mbps, "%.1f");
    fmt_num(cells[COL_SPREAD], (r->rate_max - r->rate_min) / r->rate * 100,
            "%.1f%%");
    fmt_num(cells[COL_P50], r->p50_us, "%.1f");
    fmt_num(cells[COL_P99], r->p99_us, "%.1f");
    fmt_num(cells[COL_RATIO], r->ratio, "%.3f");
}

static void print_line(char cells[NCOL][CELL], const int *w)
{
    for (int c = 0; c < NCOL; c++) {
        /* Names and settings left-aligned, numbers right-aligned. */
        bool left = c == COL_WORKLOAD || c == COL_SYSTEM || c == COL_SYNC;
        printf("%s%*s%s", c ? "  " : "", left ? -w[c] : w[c], cells[c],
               c == NCOL - 1 ? "\n" : "");
    }
}

void report_table(const bench_rows *rows)
{
    int w[NCOL];
    char cells[NCOL][CELL];
    for (int c = 0; c < NCOL; c++)
        w[c] = (int)strlen(col_names[c]);
    for (size_t i = 0; i < rows->n; i++) {
        row_cells(&rows->v[i], cells);
        for (int c = 0; c < NCOL; c++)
            if ((int)strlen(cells[c]) > w[c])
                w[c] = (int)strlen(cells[c]);
    }
    for (int c = 0; c < NCOL; c++)
        snprintf(cells[c], CELL, "%s", col_names[c]);
    print_line(cells, w);
    for (int c = 0; c < NCOL; c++) {
        memset(cells[c], '-', (size_t)w[c]);
        cells[c][w[c]] = '\0';
    }
    print_line(cells, w);
    for (size_t i = 0; i < rows->n; i++) {
        if (i && strcmp(rows->v[i].workload, rows->v[i - 1].workload) != 0)
            printf("\n");
        row_cells(&rows->v[i], cells);
        print_line(cells, w);
    }
    printf("\n"
           "batch: records per call (produce: per rill_produce(_batch) call "
           "or per LMDB write\n"
           "  transaction; consume: max_poll_records; '-': one cursor walk in "
           "one transaction).\n"
           "value: value bytes per record (no key, no headers); MB/s counts "
           "value bytes only.\n"
           "records/s: median of the repetitions; spread: (max - min) / "
           "median of them.\n"
           "p50/p99: per-call latency of the median repetition.\n"
           "ratio: records/s over the ceiling's (lmdb) at the same "
           "settings.\n");
    fflush(stdout);
}

/* ---- CSV ---- */

static void csv_num(FILE *f, double v, const char *fmt)
{
    fputc(',', f);
    if (!isnan(v))
        fprintf(f, fmt, v);
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
    fprintf(f, "workload,system,batch,sync,value_bytes,records,seconds,reps,"
               "records_per_s,mb_per_s,min_records_per_s,max_records_per_s,"
               "p50_us,p99_us,ratio_to_ceiling,profile\n");
    for (size_t i = 0; i < rows->n; i++) {
        const bench_row *r = &rows->v[i];
        fprintf(f, "%s,%s,", r->workload, r->system);
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
        csv_num(f, r->p50_us, "%.2f");
        csv_num(f, r->p99_us, "%.2f");
        csv_num(f, r->ratio, "%.4f");
        fprintf(f, ",%s\n", cfg->profile);
    }
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
