/*
 * wl_proc.c -- the workloads of several processes, under the method of
 * workloads.c: a fresh directory per run (or per data set), warm-up,
 * repetitions, the median.
 *
 * latency: each repetition runs every system once in a fresh directory,
 * the systems taking turns; the first latency_warmup records of a run
 * are its warm-up and are not measured. A row reports the repetition
 * with the median p99 (spread: of the p99s), and its ratio of p99 to
 * the floor's.
 * rebalance: one run in a fresh directory; one warm-up kill, then
 * rebalance_kills measured kills; the row gives their median and
 * maximum.
 * group-consume: the topic is written once per system, untimed; each
 * group size then runs a warm-up and the repetitions, every run with a
 * fresh group (so it reads from the beginning), and the row reports the
 * median rate.
 */
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NSYS_MAX 8
#define REBALANCE_PARTITIONS 6
#define REBALANCE_MEMBERS 3
#define TRICKLE_US 2000

/* ---- latency ---- */

static int latency_once(const bench_config *cfg, const bench_system *sys,
                        const latency_params *p, run_result *res)
{
    char *dir;
    result_init(res);
    if (bench_fresh_dir(cfg, sys->name, &dir))
        return -1;
    bench_quiesce(cfg);
    int rc = sys->latency(p, dir, res);
    if (bench_remove_tree(dir))
        rc = -1;
    free(dir);
    return rc;
}

/* The row of one system: the repetition nearest the median p99. */
static void latency_summarize(const sys_reps *s, bench_row *row)
{
    double *v = malloc((size_t)s->n * sizeof *v);
    if (!v) {
        fprintf(stderr, "rill-bench: out of memory\n");
        exit(1);
    }
    memcpy(v, s->rates, (size_t)s->n * sizeof *v);
    double med = median(v, (size_t)s->n);
    row->spread = (v[s->n - 1] - v[0]) / med;
    free(v);
    int best = 0;
    for (int i = 1; i < s->n; i++)
        if (fabs(s->rates[i] - med) < fabs(s->rates[best] - med))
            best = i;
    const run_result *r = &s->res[best];
    row->reps = s->n;
    row->records = r->records;
    row->seconds = r->seconds;
    row->p50_us = r->p50_us;
    row->p99_us = r->p99_us;
    row->p999_us = r->p999_us;
    row->max_us = r->max_us;
    for (int i = 0; i < CURVE_POINTS; i++)
        row->curve_us[i] = r->curve_us[i];
}

static void latency_emit(bench_rows *rows, const latency_params *p,
                         sys_reps *runs)
{
    bench_row out[NSYS_MAX];
    double floor_p99 = NAN;
    char rate[32];
    for (size_t i = 0; i < bench_system_count; i++) {
        if (!runs[i].n)
            continue;
        bench_row *row = &out[i];
        memset(row, 0, sizeof *row);
        row->kind = ROW_LATENCY;
        snprintf(row->workload, sizeof row->workload, "latency");
        snprintf(row->system, sizeof row->system, "%s",
                 bench_systems[i]->name);
        snprintf(row->setting, sizeof row->setting, "%s records/s, %zu B",
                 fmt_count(rate, sizeof rate, p->rate), p->value_size);
        row->procs = 2;
        row->unit = "us";
        row->sync = "none";
        row->value_size = p->value_size;
        row->rate = row->rate_min = row->rate_max = row->mbps = NAN;
        latency_summarize(&runs[i], row);
        if (bench_systems[i]->latency_floor)
            floor_p99 = row->p99_us;
    }
    for (size_t i = 0; i < bench_system_count; i++) {
        if (!runs[i].n)
            continue;
        out[i].ratio = out[i].p99_us / floor_p99;
        rows_add(rows, &out[i]);
    }
}

int wl_latency(const bench_config *cfg, bench_rows *rows)
{
    latency_params p = {
        .records = cfg->latency_records,
        .warmup = cfg->latency_warmup,
        .rate = cfg->latency_rate,
        .value_size = cfg->value_sizes[0] < 8 ? 8 : cfg->value_sizes[0],
    };
    sys_reps runs[NSYS_MAX];
    int rc = 0;
    char recs[32], rate[32];
    memset(runs, 0, sizeof runs);
    progress("latency: %s records (after %llu of warm-up) at %s records/s, "
             "%zu-byte values, per repetition and system",
             fmt_count(recs, sizeof recs, (double)p.records),
             (unsigned long long)p.warmup,
             fmt_count(rate, sizeof rate, p.rate), p.value_size);
    for (size_t i = 0; i < bench_system_count && !rc; i++)
        if (bench_systems[i]->latency && system_enabled(cfg, i))
            rc = reps_alloc(&runs[i], cfg->reps);
    for (int rep = 0; rep < cfg->reps && !rc; rep++) {
        for (size_t i = 0; i < bench_system_count && !rc; i++) {
            if (!runs[i].res)
                continue;
            sys_reps *s = &runs[i];
            run_result *r = &s->res[s->n];
            if ((rc = latency_once(cfg, bench_systems[i], &p, r)))
                break;
            s->rates[s->n++] = r->p99_us;
            progress("  %s rep %d/%d: p50 %.1f us, p99 %.1f us, p99.9 "
                     "%.1f us, max %.1f us", bench_systems[i]->name,
                     rep + 1, cfg->reps, r->p50_us, r->p99_us, r->p999_us,
                     r->max_us);
        }
    }
    if (!rc)
        latency_emit(rows, &p, runs);
    for (size_t i = 0; i < bench_system_count; i++)
        reps_free(&runs[i]);
    return rc;
}

/* ---- rebalance ---- */

static int rebalance_system(const bench_config *cfg, bench_rows *rows,
                            const bench_system *sys,
                            const rebalance_params *p)
{
    char *dir;
    run_result res;
    result_init(&res);
    if (bench_fresh_dir(cfg, sys->name, &dir))
        return -1;
    bench_quiesce(cfg);
    int rc = sys->rebalance(p, dir, &res);
    if (bench_remove_tree(dir))
        rc = -1;
    free(dir);
    if (rc)
        return rc;
    bench_row row = {0};
    row.kind = ROW_LATENCY;
    snprintf(row.workload, sizeof row.workload, "rebalance");
    snprintf(row.system, sizeof row.system, "%s", sys->name);
    snprintf(row.setting, sizeof row.setting,
             "%d partitions, %d members, kill -9", p->partitions,
             p->members);
    row.procs = p->members + 1; /* and the producer */
    row.unit = "ms";
    row.sync = "none";
    row.value_size = 100;
    row.reps = 1;
    row.records = res.records;
    row.rate = row.rate_min = row.rate_max = row.mbps = NAN;
    row.spread = NAN;
    row.p50_us = res.p50_us;
    row.p99_us = row.p999_us = NAN;
    row.max_us = res.max_us;
    row.ratio = NAN;
    rows_add(rows, &row);
    progress("  %s: median %.1f ms, max %.1f ms over %llu kills",
             sys->name, res.p50_us / 1e3, res.max_us / 1e3,
             (unsigned long long)res.records);
    return 0;
}

int wl_rebalance(const bench_config *cfg, bench_rows *rows)
{
    rebalance_params p = {
        .partitions = REBALANCE_PARTITIONS,
        .members = REBALANCE_MEMBERS,
        .kills = cfg->rebalance_kills,
        .warmup = 1,
        .trickle_us = TRICKLE_US,
    };
    progress("rebalance: %d partitions, %d members, a record per partition "
             "every %u ms; %d kills after %d of warm-up", p.partitions,
             p.members, p.trickle_us / 1000, p.kills, p.warmup);
    for (size_t i = 0; i < bench_system_count; i++)
        if (bench_systems[i]->rebalance && system_enabled(cfg, i) &&
            rebalance_system(cfg, rows, bench_systems[i], &p))
            return -1;
    return 0;
}

/* ---- group-consume ---- */

/* One run with a fresh group. */
static int group_once(const bench_system *sys, const group_params *base,
                      const char *dir, const char *tag, int rep,
                      run_result *res)
{
    char group[64];
    group_params p = *base;
    snprintf(group, sizeof group, "%s-%d-%d", tag, p.members, rep);
    p.group = group;
    result_init(res);
    return sys->group_consume(&p, dir, res);
}

static int group_members(const bench_config *cfg, bench_rows *rows,
                         const bench_system *sys, const group_params *p,
                         const char *dir)
{
    sys_reps s;
    run_result warm;
    char rate[32];
    int rc = reps_alloc(&s, cfg->reps);
    if (!rc && !(rc = group_once(sys, p, dir, "warm", 0, &warm)))
        progress("  %d member%s %s: warm-up %s records/s", p->members,
                 p->members == 1 ? "" : "s", sys->name,
                 fmt_count(rate, sizeof rate, rate_of(&warm)));
    for (int rep = 0; !rc && rep < cfg->reps; rep++) {
        run_result *r = &s.res[s.n];
        if ((rc = group_once(sys, p, dir, "group", rep, r)))
            break;
        s.rates[s.n++] = rate_of(r);
        progress("  %d member%s %s rep %d/%d: %s records/s (%.3f s, %llu "
                 "delivered twice)", p->members, p->members == 1 ? "" : "s",
                 sys->name, rep + 1, cfg->reps,
                 fmt_count(rate, sizeof rate, rate_of(r)), r->seconds,
                 (unsigned long long)r->extra);
    }
    if (!rc) {
        bench_row row = {0};
        row.kind = ROW_RATE;
        snprintf(row.workload, sizeof row.workload, "group-consume");
        snprintf(row.system, sizeof row.system, "%s", sys->name);
        row.procs = p->members;
        row.batch = p->poll_records;
        row.sync = "-";
        row.value_size = p->value_size;
        summarize(&s, &row);
        row.ratio = NAN;
        rows_add(rows, &row);
    }
    reps_free(&s);
    return rc;
}

static int group_system(const bench_config *cfg, bench_rows *rows,
                        const bench_system *sys, group_params *p)
{
    char *dir, recs[32];
    if (bench_fresh_dir(cfg, sys->name, &dir))
        return -1;
    double t0 = now_s();
    progress("  %s: writing %s records of %zu bytes into %d partitions",
             sys->name, fmt_count(recs, sizeof recs, (double)p->records),
             p->value_size, p->partitions);
    int rc = sys->group_prepare(p, dir);
    if (!rc)
        progress("  %s: written in %.2f s", sys->name, now_s() - t0);
    for (int m = 1; !rc && m <= cfg->group_members; m++) {
        p->members = m;
        rc = group_members(cfg, rows, sys, p, dir);
    }
    if (bench_remove_tree(dir))
        rc = -1;
    free(dir);
    return rc;
}

int wl_group_consume(const bench_config *cfg, bench_rows *rows)
{
    group_params p = {
        .partitions = cfg->group_partitions,
        .records = cfg->group_records,
        .value_size = cfg->value_sizes[0],
        .poll_records = cfg->poll_records,
    };
    char recs[32];
    progress("group-consume: %s records of %zu bytes in %d partitions; "
             "groups of 1 to %d members, %u records per poll",
             fmt_count(recs, sizeof recs, (double)p.records), p.value_size,
             p.partitions, cfg->group_members, p.poll_records);
    for (size_t i = 0; i < bench_system_count; i++) {
        const bench_system *sys = bench_systems[i];
        if (sys->group_prepare && sys->group_consume &&
            system_enabled(cfg, i) && group_system(cfg, rows, sys, &p))
            return -1;
    }
    return 0;
}
