/*
 * wl_more.c -- the workloads that compare variants of a run rather than
 * systems at one setting: compress (rill without and with zstd),
 * producers (threads and processes at sync always, beside the disk's
 * fdatasync rate), async (the asynchronous producer vs the LMDB ceiling)
 * and txn (outbox transactions vs plain rill_produce).
 *
 * Same method as workloads.c: every run in a fresh directory after the
 * file system was synced, a short warm-up run of each variant, then the
 * repetitions with the variants taking turns, and the median reported.
 * Each group's ratio is to one variant of rill, named in the legend.
 */
#include "bench.h"

#include <math.h>
#include <rill.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VARIANTS 16

typedef struct variant {
    const bench_system *sys;
    run_fn fn;
    produce_params p;
    char setting[64];
} variant;

/* A short run of v, thrown away. */
static int warm_up(const bench_config *cfg, const variant *v)
{
    produce_params w = v->p;
    run_result res;
    w.max_records = v->p.max_records / 10 > v->p.batch
                        ? v->p.max_records / 10 : v->p.batch;
    if (w.time_cap > cfg->warmup_seconds)
        w.time_cap = cfg->warmup_seconds;
    return run_fresh(cfg, v->sys->name, v->fn, &w, &res);
}

static void variant_row(const char *workload, const variant *v,
                        const sys_reps *s, bench_row *row)
{
    memset(row, 0, sizeof *row);
    row->kind = ROW_RATE;
    snprintf(row->workload, sizeof row->workload, "%s", workload);
    snprintf(row->system, sizeof row->system, "%s", v->sys->name);
    snprintf(row->setting, sizeof row->setting, "%s", v->setting);
    row->procs = v->p.procs > 1 ? v->p.procs : 1;
    row->threads = v->p.threads > 1 ? v->p.threads : 1;
    row->batch = v->p.batch;
    row->sync = sync_name(v->p.sync);
    row->value_size = v->p.value_size;
    summarize(s, row);
}

/* Runs the variants and adds a row for each; ratios to variant ref. */
static int run_variants(const bench_config *cfg, bench_rows *rows,
                        const char *workload, const variant *v, size_t n,
                        size_t ref)
{
    sys_reps runs[MAX_VARIANTS];
    int rc = 0;
    memset(runs, 0, sizeof runs);
    for (size_t i = 0; i < n && !rc; i++)
        if (!(rc = reps_alloc(&runs[i], cfg->reps)))
            rc = warm_up(cfg, &v[i]);
    for (int rep = 0; rep < cfg->reps && !rc; rep++)
        for (size_t i = 0; i < n && !rc; i++) {
            sys_reps *s = &runs[i];
            run_result *r = &s->res[s->n];
            if ((rc = run_fresh(cfg, v[i].sys->name, v[i].fn, &v[i].p, r)))
                break;
            char rate[32];
            s->rates[s->n++] = rate_of(r);
            progress("  %s %s (%s) rep %d/%d: %s records/s", workload,
                     v[i].sys->name, v[i].setting, rep + 1, cfg->reps,
                     fmt_count(rate, sizeof rate, rate_of(r)));
        }
    if (!rc) {
        size_t first = rows->n;
        for (size_t i = 0; i < n; i++) {
            bench_row row;
            variant_row(workload, &v[i], &runs[i], &row);
            rows_add(rows, &row);
        }
        bench_row refrow = rows->v[first + ref];
        rows_ratio_to(rows, first, &refrow);
    }
    for (size_t i = 0; i < n; i++)
        reps_free(&runs[i]);
    return rc;
}

static produce_params base_params(const bench_config *cfg, size_t batch,
                                  int sync, size_t value_size)
{
    produce_params p = {
        .batch = batch,
        .sync = sync,
        .value_size = value_size,
        .max_records = cfg->produce_max_records,
        .time_cap = sync == BENCH_SYNC_ALWAYS ? cfg->produce_cap_always
                                              : cfg->produce_cap_none,
    };
    return p;
}

static bool rill_enabled(const bench_config *cfg)
{
    for (size_t i = 0; i < bench_system_count; i++)
        if (bench_systems[i] == &bench_system_rill)
            return system_enabled(cfg, i);
    return false;
}

static bool sys_enabled(const bench_config *cfg, const bench_system *sys)
{
    for (size_t i = 0; i < bench_system_count; i++)
        if (bench_systems[i] == sys)
            return system_enabled(cfg, i);
    return false;
}

/* ---- compress ---- */

static int compress_setting(const bench_config *cfg, bench_rows *rows,
                            size_t batch, int sync, size_t vsize)
{
    variant v[2];
    for (int i = 0; i < 2; i++) {
        v[i].sys = &bench_system_rill;
        v[i].fn = bench_system_rill.produce;
        v[i].p = base_params(cfg, batch, sync, vsize);
        v[i].p.payload = PAYLOAD_JSON;
        v[i].p.compression = i ? RILL_COMPRESSION_ZSTD : RILL_COMPRESSION_NONE;
        snprintf(v[i].setting, sizeof v[i].setting, "JSON, %s",
                 i ? "zstd level 3" : "no compression");
    }
    size_t first = rows->n;
    if (run_variants(cfg, rows, "compress", v, 2, 0))
        return -1;
    for (size_t i = first; i < rows->n; i++) {
        bench_row *r = &rows->v[i];
        size_t len = strlen(r->setting);
        snprintf(r->setting + len, sizeof r->setting - len, ", %.2f:1",
                 r->compression_ratio);
    }
    return 0;
}

int wl_compress(const bench_config *cfg, bench_rows *rows)
{
    if (!rill_enabled(cfg))
        return 0;
    for (size_t k = 0; k < cfg->n_value_sizes; k++)
        if (bench_json_init(cfg->value_sizes[k]))
            return -1;
    for (size_t k = 0; k < cfg->n_value_sizes; k++)
        for (size_t s = 0; s < cfg->n_compress_syncs; s++)
            for (size_t b = 0; b < cfg->n_compress_batches; b++) {
                size_t batch = cfg->compress_batches[b];
                int sync = cfg->compress_syncs[s];
                progress("compress: batch %zu, sync %s, %zu-byte JSON "
                         "values, without and with zstd", batch,
                         sync_name(sync), cfg->value_sizes[k]);
                if (compress_setting(cfg, rows, batch, sync,
                                     cfg->value_sizes[k]))
                    return -1;
            }
    return 0;
}

/* ---- many producers ---- */

static variant parallel_variant(const bench_config *cfg,
                                const bench_system *sys, int threads,
                                int procs)
{
    variant v;
    v.sys = sys;
    v.fn = sys->produce_parallel;
    v.p = base_params(cfg, 1, BENCH_SYNC_ALWAYS, cfg->value_sizes[0]);
    v.p.time_cap = cfg->parallel_seconds;
    v.p.threads = threads;
    v.p.procs = procs;
    int k = procs > 1 ? procs : threads;
    const char *what = procs > 1 ? (k == 1 ? "process" : "processes")
                                 : (k == 1 ? "thread" : "threads");
    if (sys == &bench_system_disk)
        snprintf(v.setting, sizeof v.setting, "100-byte write()+fdatasync");
    else
        snprintf(v.setting, sizeof v.setting, "%s, %d %s",
                 sys->setting[BENCH_SYNC_ALWAYS], k, what);
    return v;
}

int wl_producers(const bench_config *cfg, bench_rows *rows)
{
    variant v[MAX_VARIANTS];
    size_t n = 0, ref = 0;
    if (!rill_enabled(cfg))
        return 0;
    if (sys_enabled(cfg, &bench_system_disk))
        v[n++] = parallel_variant(cfg, &bench_system_disk, 1, 1);
    for (size_t i = 0; i < cfg->n_threads && n < MAX_VARIANTS; i++) {
        if (cfg->threads[i] == 1)
            ref = n;
        v[n++] = parallel_variant(cfg, &bench_system_rill, cfg->threads[i],
                                  1);
    }
    for (size_t i = 0; i < cfg->n_procs && n < MAX_VARIANTS; i++)
        v[n++] = parallel_variant(cfg, &bench_system_rill, 1, cfg->procs[i]);
    /* LMDB (no group commit) at one thread and at the most. */
    for (size_t i = 0; i < cfg->n_threads && n < MAX_VARIANTS; i++)
        if (sys_enabled(cfg, &bench_system_lmdb) &&
            (cfg->threads[i] == 1 || i == cfg->n_threads - 1))
            v[n++] = parallel_variant(cfg, &bench_system_lmdb,
                                      cfg->threads[i], 1);
    progress("producers: single %zu-byte records at sync always for %g s "
             "per run: the disk's fdatasync rate, rill from threads and "
             "processes, LMDB from threads", cfg->value_sizes[0],
             cfg->parallel_seconds);
    size_t first = rows->n;
    if (run_variants(cfg, rows, "producers", v, n, ref))
        return -1;
    for (size_t i = first; i < rows->n; i++) {
        bench_row *r = &rows->v[i];
        char c[32];
        size_t len = strlen(r->setting);
        if (r->commits_per_s > 0 && strcmp(r->system, "disk") != 0)
            snprintf(r->setting + len, sizeof r->setting - len,
                     ", %s commits/s",
                     fmt_count(c, sizeof c, r->commits_per_s));
    }
    return 0;
}

/* ---- the asynchronous producer ---- */

int wl_async(const bench_config *cfg, bench_rows *rows)
{
    variant v[3];
    size_t n = 0, ref;
    size_t vsize = cfg->value_sizes[0];
    if (!rill_enabled(cfg))
        return 0;
    if (sys_enabled(cfg, &bench_system_lmdb)) {
        v[n].sys = &bench_system_lmdb;
        v[n].fn = bench_system_lmdb.produce;
        v[n].p = base_params(cfg, 1000, BENCH_SYNC_NONE, vsize);
        snprintf(v[n++].setting, sizeof v[0].setting,
                 "MDB_NOSYNC, 1000 puts per commit");
    }
    ref = n;
    v[n].sys = &bench_system_rill;
    v[n].fn = bench_system_rill.produce_async;
    v[n].p = base_params(cfg, 1, BENCH_SYNC_NONE, vsize);
    snprintf(v[n++].setting, sizeof v[0].setting,
             "rill_producer_send, linger 5 ms");
    v[n].sys = &bench_system_rill;
    v[n].fn = bench_system_rill.produce;
    v[n].p = base_params(cfg, 1000, BENCH_SYNC_NONE, vsize);
    snprintf(v[n++].setting, sizeof v[0].setting,
             "rill_produce_batch of 1000");
    progress("async: %zu-byte records, sync none: the asynchronous producer "
             "vs the LMDB append ceiling and rill_produce_batch", vsize);
    return run_variants(cfg, rows, "async", v, n, ref);
}

/* ---- transactions ---- */

int wl_txn(const bench_config *cfg, bench_rows *rows)
{
    size_t vsize = cfg->value_sizes[0];
    if (!rill_enabled(cfg))
        return 0;
    for (size_t s = 0; s < cfg->n_syncs; s++) {
        variant v[2];
        int sync = cfg->syncs[s];
        v[0].sys = v[1].sys = &bench_system_rill;
        v[0].fn = bench_system_rill.produce;
        v[1].fn = bench_system_rill.produce_txn;
        v[0].p = v[1].p = base_params(cfg, 1, sync, vsize);
        snprintf(v[0].setting, sizeof v[0].setting, "%s, rill_produce",
                 bench_system_rill.setting[sync]);
        snprintf(v[1].setting, sizeof v[1].setting,
                 "%s, txn: put + produce", bench_system_rill.setting[sync]);
        progress("txn: sync %s, %zu-byte records and orders: one outbox "
                 "transaction vs one rill_produce per record",
                 sync_name(sync), vsize);
        if (run_variants(cfg, rows, "txn", v, 2, 0))
            return -1;
    }
    return 0;
}
