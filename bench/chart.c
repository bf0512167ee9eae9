/*
 * chart.c -- the PNG charts, drawn by gnuplot from this run's rows and
 * written beside the CSV:
 *
 *   throughput.png  records/s of each system at each produce setting and
 *                   for consume (bars, log scale)
 *   producers.png   records/s and commits/s of rill from 1 to 8 threads
 *                   and from processes, LMDB from threads, and the disk's
 *                   fdatasync rate (bars)
 *   latency.png     the end-to-end latency distribution of rill and of
 *                   the futex floor (latency at each percentile)
 *   steady.png      records/s and the data file's size per tenth of the
 *                   steady state under retention
 *
 * The data and the script go to temporary files beside the charts and
 * are removed afterwards. Without gnuplot a one-line note says so.
 */
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const bar_systems[] = {"lmdb", "rill", "sqlite", "redis",
                                          "file"};
#define NBAR (sizeof bar_systems / sizeof bar_systems[0])

typedef struct chart_files {
    char dir[4096];
    char data[4200], script[4200];
} chart_files;

static const char *terminal =
    "set terminal pngcairo size 1400,640 font 'Sans,10' noenhanced\n";

/* ---- throughput.png ---- */

static bool bar_row(const bench_row *r)
{
    return r->kind == ROW_RATE && (strcmp(r->workload, "produce") == 0 ||
                                   strcmp(r->workload, "consume") == 0);
}

/* One line per group of produce/consume rows: its label, then each bar
 * system's rate or "-". Returns the groups written. */
static int throughput_data(FILE *f, const bench_rows *rows)
{
    int groups = 0;
    fprintf(f, "setting");
    for (size_t k = 0; k < NBAR; k++)
        fprintf(f, " %s", bar_systems[k]);
    fprintf(f, "\n");
    for (size_t i = 0; i < rows->n; i++) {
        const bench_row *r = &rows->v[i];
        if (!bar_row(r) || (i > 0 && bar_row(&rows->v[i - 1]) &&
                            rows->v[i - 1].group == r->group))
            continue;
        if (strcmp(r->workload, "produce") == 0)
            fprintf(f, "\"produce b%zu %s %zuB\"", r->batch, r->sync,
                    r->value_size);
        else
            fprintf(f, "\"consume %zuB\"", r->value_size);
        for (size_t k = 0; k < NBAR; k++) {
            double rate = NAN;
            for (size_t j = i; j < rows->n && rows->v[j].group == r->group;
                 j++)
                if (strcmp(rows->v[j].system, bar_systems[k]) == 0)
                    rate = rows->v[j].rate;
            if (isnan(rate))
                fprintf(f, " -");
            else
                fprintf(f, " %.0f", rate);
        }
        fprintf(f, "\n");
        groups++;
    }
    return groups;
}

static void throughput_script(FILE *f, const chart_files *c)
{
    fprintf(f, "%sset output '%s/throughput.png'\n", terminal, c->dir);
    fprintf(f, "set title 'records/s per system: produce (batch, sync "
               "none|always, value size) and consume; median of the "
               "repetitions'\n"
               "set style data histograms\n"
               "set style histogram clustered gap 1\n"
               "set style fill solid 0.9 border -1\n"
               "set datafile missing '-'\n"
               "set logscale y\nset yrange [1000:*]\n"
               "set format y '%%.0s%%c'\n"
               "set ylabel 'records/s (log scale)'\n"
               "set grid ytics\nset key top left\n"
               "set xtics rotate by -25 scale 0\n");
    fprintf(f, "plot '%s' using 2:xtic(1) title columnheader", c->data);
    for (size_t k = 1; k < NBAR; k++)
        fprintf(f, ", '' using %zu title columnheader", k + 2);
    fprintf(f, "\n");
}

/* ---- producers.png ---- */

static int producers_data(FILE *f, const bench_rows *rows)
{
    int n = 0;
    fprintf(f, "label records commits\n");
    for (size_t i = 0; i < rows->n; i++) {
        const bench_row *r = &rows->v[i];
        if (r->kind != ROW_RATE || strcmp(r->workload, "producers") != 0)
            continue;
        if (strcmp(r->system, "disk") == 0)
            fprintf(f, "\"disk fdatasync\"");
        else if (r->procs > 1)
            fprintf(f, "\"%s %d procs\"", r->system, r->procs);
        else
            fprintf(f, "\"%s %d thr\"", r->system, r->threads);
        fprintf(f, " %.0f %.0f\n", r->rate,
                r->commits_per_s > 0 ? r->commits_per_s : r->rate);
        n++;
    }
    return n;
}

static void producers_script(FILE *f, const chart_files *c)
{
    fprintf(f, "%sset output '%s/producers.png'\n", terminal, c->dir);
    fprintf(f, "set title 'single records at sync always (fsync per "
               "commit): records/s and commits/s'\n"
               "set style data histograms\n"
               "set style histogram clustered gap 1\n"
               "set style fill solid 0.9 border -1\n"
               "set logscale y\nset yrange [100:*]\n"
               "set ylabel 'per second (log scale)'\n"
               "set grid ytics\nset key top left\n"
               "set xtics rotate by -25 scale 0\n"
               "plot '%s' using 2:xtic(1) title 'records/s', '' using 3 "
               "title 'commits/s (fdatasyncs for the disk)'\n", c->data);
}

/* ---- latency.png ---- */

static int latency_data(FILE *f, const bench_rows *rows)
{
    const bench_row *sys[4];
    int n = 0;
    for (size_t i = 0; i < rows->n && n < 4; i++)
        if (rows->v[i].kind == ROW_LATENCY &&
            strcmp(rows->v[i].workload, "latency") == 0 &&
            !isnan(rows->v[i].curve_us[0]))
            sys[n++] = &rows->v[i];
    if (n == 0)
        return 0;
    fprintf(f, "nines");
    for (int k = 0; k < n; k++)
        fprintf(f, " %s", sys[k]->system);
    fprintf(f, "\n");
    for (int i = 0; i < CURVE_POINTS; i++) {
        double p = curve_percentiles[i];
        if (p >= 100)
            continue; /* the maximum has no place on this axis */
        fprintf(f, "%.6f", -log10(1 - p / 100));
        for (int k = 0; k < n; k++)
            fprintf(f, " %.3f", sys[k]->curve_us[i]);
        fprintf(f, "\n");
    }
    return n;
}

static void latency_script(FILE *f, const chart_files *c, int n)
{
    fprintf(f, "%sset output '%s/latency.png'\n", terminal, c->dir);
    fprintf(f, "set title 'end-to-end latency between two processes at "
               "10,000 records/s: the latency at each percentile'\n"
               "set logscale y\nset ylabel 'microseconds (log scale)'\n"
               "set xlabel 'percentile'\n"
               "set xtics ('0' 0, '50' 0.30103, '90' 1, '99' 2, "
               "'99.9' 3, '99.99' 4)\n"
               "set grid\nset key top left\n");
    fprintf(f, "plot '%s' using 1:2 with linespoints lw 2 title "
               "columnheader", c->data);
    for (int k = 1; k < n; k++)
        fprintf(f, ", '' using 1:%d with linespoints lw 2 title "
                   "columnheader", k + 2);
    fprintf(f, "\n");
}

/* ---- steady.png ---- */

static int steady_data(FILE *f, const bench_rows *rows)
{
    int sets = 0;
    for (size_t i = 0; i < rows->n; i++) {
        const bench_row *r = &rows->v[i];
        if (r->kind != ROW_STEADY)
            continue;
        if (r->tenth == 1)
            fprintf(f, "%s\"%zu-byte values\" records_per_s file_MiB "
                       "retention_MiB\n", sets++ ? "\n\n" : "",
                    r->value_size);
        fprintf(f, "%d %.0f %.2f %.2f\n", r->tenth, r->rate,
                r->file_bytes / 1048576, r->retention_bytes / 1048576);
    }
    return sets;
}

static void steady_script(FILE *f, const chart_files *c, int sets)
{
    fprintf(f, "%sset output '%s/steady.png'\n", terminal, c->dir);
    fprintf(f, "set multiplot layout 1,2 title 'steady state under "
               "retention: per tenth of ten times retention_bytes "
               "written'\n"
               "set xlabel 'tenth of the run'\nset xrange [0.5:10.5]\n"
               "set grid\nset key bottom right\nset yrange [0:*]\n"
               "set ylabel 'records/s'\nset format y '%%.1s%%c'\n");
    fprintf(f, "plot for [i=0:%d] '%s' index i using 1:2 with linespoints "
               "lw 2 title columnheader(1)\n", sets - 1, c->data);
    fprintf(f, "set ylabel 'data file MiB'\nset format y '%%g'\n"
               "set key bottom right\n"
               "plot for [i=0:%d] '%s' index i using 1:3 with "
               "linespoints lw 2 title columnheader(1), '%s' index 0 "
               "using 1:4 with lines dt 2 title 'retention_bytes'\n"
               "unset multiplot\n", sets - 1, c->data, c->data);
}

/* ---- drawing ---- */

typedef int (*data_fn)(FILE *f, const bench_rows *rows);

/* Writes the data, then the script, and runs gnuplot on them. */
static int draw(chart_files *c, const char *name, data_fn data,
                const bench_rows *rows)
{
    snprintf(c->data, sizeof c->data, "%s/.%s.dat", c->dir, name);
    snprintf(c->script, sizeof c->script, "%s/.%s.gp", c->dir, name);
    FILE *f = fopen(c->data, "w");
    if (!f) {
        perror(c->data);
        return -1;
    }
    int n = data(f, rows);
    fclose(f);
    int rc = 0;
    if (n > 0 && (f = fopen(c->script, "w"))) {
        if (strcmp(name, "throughput") == 0)
            throughput_script(f, c);
        else if (strcmp(name, "producers") == 0)
            producers_script(f, c);
        else if (strcmp(name, "latency") == 0)
            latency_script(f, c, n);
        else
            steady_script(f, c, n);
        fclose(f);
        char *argv[] = {"gnuplot", c->script, NULL};
        if (run_quiet(argv, 60) != 0) {
            fprintf(stderr, "rill-bench: gnuplot failed on %s\n", c->script);
            rc = -1;
        } else {
            printf("chart: %s/%s.png\n", c->dir, name);
        }
    }
    if (rc == 0) {
        remove(c->data);
        remove(c->script);
    }
    return rc;
}

int report_charts(const bench_config *cfg, const bench_rows *rows)
{
    static const struct {
        const char *name;
        data_fn data;
    } charts[] = {{"throughput", throughput_data},
                  {"producers", producers_data},
                  {"latency", latency_data},
                  {"steady", steady_data}};
    chart_files c;
    if (!in_path("gnuplot")) {
        printf("charts: skipped, gnuplot is not in PATH (install "
               "gnuplot)\n");
        return 0;
    }
    snprintf(c.dir, sizeof c.dir, "%s", cfg->csv_path);
    char *slash = strrchr(c.dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(c.dir, sizeof c.dir, ".");
    int rc = 0;
    for (size_t i = 0; i < sizeof charts / sizeof charts[0]; i++)
        if (draw(&c, charts[i].name, charts[i].data, rows))
            rc = -1;
    return rc;
}
