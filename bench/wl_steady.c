/*
 * wl_steady.c -- the steady state under retention: a topic of one
 * partition with retention_bytes R, written with rill_produce_batch (sync
 * none) until steady_factor x R of values passed through. The run is cut
 * in tenths of the volume; for each tenth the rate and the data file's
 * size at its end. Once retention engages the file should stop growing
 * (LMDB reuses the pages freed) and the rate should hold.
 *
 * Method: a warm-up run of one R, then the repetitions, each in a fresh
 * directory; each tenth reports the median of the repetitions' rates and
 * file sizes. A summary row goes to the throughput table (the whole
 * run's median rate), the tenths to a table of their own.
 */
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void steady_rows(bench_rows *rows, const produce_params *p,
                        const sys_reps *s, int reps)
{
    bench_row row = {0};
    double v[64];
    char label[32];
    snprintf(label, sizeof label, "retention %.0f MiB x %llu",
             (double)p->retention_bytes / 1048576,
             (unsigned long long)(p->total_bytes /
                                  (uint64_t)p->retention_bytes));
    snprintf(row.workload, sizeof row.workload, "steady");
    snprintf(row.system, sizeof row.system, "rill");
    row.procs = row.threads = 1;
    row.batch = p->batch;
    row.sync = sync_name(p->sync);
    row.value_size = p->value_size;
    row.retention_bytes = (double)p->retention_bytes;
    summarize(s, &row);
    row.ratio = NAN;
    for (int k = 0; k < TENTHS; k++) {
        bench_row t = row;
        t.kind = ROW_STEADY;
        t.tenth = k + 1;
        for (int i = 0; i < reps; i++)
            v[i] = s->res[i].tenth_rate[k];
        t.rate = median(v, (size_t)reps);
        t.rate_min = v[0];
        t.rate_max = v[reps - 1];
        t.spread = (t.rate_max - t.rate_min) / t.rate;
        t.mbps = t.rate * (double)p->value_size / 1e6;
        for (int i = 0; i < reps; i++)
            v[i] = s->res[i].tenth_file[k];
        t.file_bytes = median(v, (size_t)reps);
        t.p50_us = t.p99_us = t.p999_us = t.max_us = NAN;
        snprintf(t.setting, sizeof t.setting, "%s", label);
        rows_add(rows, &t);
        if (k == 0)
            row.rate_min = t.rate; /* kept for the summary below */
        if (k == TENTHS - 1) {
            row.file_bytes = t.file_bytes;
            snprintf(row.setting, sizeof row.setting,
                     "%s; last/first %.2f; file %.2fx", label,
                     t.rate / row.rate_min,
                     t.file_bytes / (double)p->retention_bytes);
        }
    }
    row.rate_min = s->rates[0];
    for (int i = 0; i < reps; i++)
        row.rate_min = fmin(row.rate_min, s->rates[i]);
    rows_add(rows, &row);
}

static int steady_size(const bench_config *cfg, bench_rows *rows,
                       size_t vsize)
{
    const bench_system *sys = &bench_system_rill;
    produce_params p = {
        .batch = cfg->steady_batch,
        .sync = BENCH_SYNC_NONE,
        .value_size = vsize,
        .retention_bytes = cfg->steady_retention,
        .total_bytes = (uint64_t)cfg->steady_retention *
                       (uint64_t)cfg->steady_factor,
    };
    produce_params warm = p;
    warm.total_bytes = (uint64_t)p.retention_bytes;
    sys_reps s;
    run_result res;
    int reps = cfg->reps > 64 ? 64 : cfg->reps;
    int rc = reps_alloc(&s, reps);
    if (!rc)
        rc = run_fresh(cfg, sys->name, sys->steady, &warm, &res);
    for (int rep = 0; rep < reps && !rc; rep++) {
        run_result *r = &s.res[s.n];
        if ((rc = run_fresh(cfg, sys->name, sys->steady, &p, r)))
            break;
        s.rates[s.n++] = rate_of(r);
        char a[32], b[32];
        progress("  steady %zu B rep %d/%d: %s records/s, first tenth %s, "
                 "last %s records/s; file %.1f MiB", vsize, rep + 1, reps,
                 fmt_count(a, sizeof a, rate_of(r)),
                 fmt_count(b, sizeof b, r->tenth_rate[0]),
                 fmt_count(a, sizeof a, r->tenth_rate[TENTHS - 1]),
                 r->tenth_file[TENTHS - 1] / 1048576);
    }
    if (!rc)
        steady_rows(rows, &p, &s, reps);
    reps_free(&s);
    return rc;
}

int wl_steady(const bench_config *cfg, bench_rows *rows)
{
    for (size_t i = 0; i < bench_system_count; i++)
        if (bench_systems[i] == &bench_system_rill &&
            !system_enabled(cfg, i))
            return 0;
    for (size_t k = 0; k < cfg->n_steady_values; k++) {
        progress("steady: %zu-byte values in batches of %zu, sync none, "
                 "into a topic with retention_bytes %.0f MiB until %d "
                 "times that passed through", cfg->steady_values[k],
                 cfg->steady_batch,
                 (double)cfg->steady_retention / 1048576,
                 cfg->steady_factor);
        if (steady_size(cfg, rows, cfg->steady_values[k]))
            return -1;
    }
    return 0;
}
