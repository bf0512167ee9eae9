/*
 * workloads.c -- the workloads and the method they share.
 *
 * Every setting of a workload runs every system that can do it: first a
 * warm-up run per system (not reported), then the repetitions, the
 * systems taking turns within each repetition so that drift of the
 * machine touches all alike. A row reports the median rate of the
 * repetitions, with their minimum and maximum, and the records, time and
 * latency percentiles of the repetition nearest the median.
 *
 * produce: each run writes into a fresh directory (removed afterwards),
 * timing the appends only (not opening, creating the topic or closing);
 * the file system is synced before each run, so that write-back left by
 * one run does not land in the next.
 * consume: each system's data set is written once, untimed, then read
 * back in full by the warm-up and every repetition; every pass must see
 * all records and the expected sum of the values' first bytes.
 * latency, rebalance and group-consume run several processes: wl_proc.c.
 */
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const bench_system *const bench_systems[] = {
    &bench_system_lmdb,  &bench_system_rill, &bench_system_sqlite,
    &bench_system_redis, &bench_system_file, &bench_system_disk,
    &bench_system_futex,
};
#define NSYS (sizeof bench_systems / sizeof bench_systems[0])
const size_t bench_system_count = NSYS;
static const bench_system *const *const systems = bench_systems;

static const char *unavailable(size_t i)
{
    return systems[i]->unavailable ? systems[i]->unavailable() : NULL;
}

bool system_enabled(const bench_config *cfg, size_t i)
{
    if (unavailable(i))
        return false;
    if (cfg->n_only_systems == 0)
        return true;
    for (size_t k = 0; k < cfg->n_only_systems; k++)
        if (strcmp(cfg->only_systems[k], systems[i]->name) == 0)
            return true;
    return false;
}

void systems_report_skipped(void)
{
    for (size_t i = 0; i < NSYS; i++) {
        const char *why = unavailable(i);
        if (!why)
            continue;
        printf("note        %s skipped: %s\n", systems[i]->name, why);
        progress("note: %s skipped: %s", systems[i]->name, why);
    }
}

void rows_ratio_to(bench_rows *rows, size_t first, const bench_row *ref)
{
    static int groups;
    double base = ref ? ref->rate : NAN;
    groups++;
    for (size_t i = first; !ref && i < rows->n; i++)
        if (strcmp(rows->v[i].system, "rill") == 0) {
            base = rows->v[i].rate;
            break;
        }
    for (size_t i = first; i < rows->n; i++) {
        rows->v[i].ratio = rows->v[i].rate / base;
        rows->v[i].group = groups;
    }
}

int run_fresh(const bench_config *cfg, const char *tag, run_fn fn,
              const produce_params *p, run_result *res)
{
    char *dir;
    result_init(res);
    if (bench_fresh_dir(cfg, tag, &dir))
        return -1;
    bench_quiesce(cfg);
    int rc = fn(p, dir, res);
    if (bench_remove_tree(dir))
        rc = -1;
    free(dir);
    if (!rc && res->records == 0) {
        fprintf(stderr, "rill-bench: %s wrote no records\n", tag);
        rc = -1;
    }
    return rc;
}

int reps_alloc(sys_reps *s, int reps)
{
    s->res = calloc((size_t)reps, sizeof *s->res);
    s->rates = calloc((size_t)reps, sizeof *s->rates);
    s->n = 0;
    if (!s->res || !s->rates) {
        fprintf(stderr, "rill-bench: out of memory\n");
        return -1;
    }
    return 0;
}

void reps_free(sys_reps *s)
{
    free(s->res);
    free(s->rates);
}

double rate_of(const run_result *r)
{
    return r->seconds > 0 ? (double)r->records / r->seconds : NAN;
}

void result_init(run_result *r)
{
    memset(r, 0, sizeof *r);
    r->p50_us = r->p99_us = r->p999_us = r->max_us = NAN;
    for (int i = 0; i < CURVE_POINTS; i++)
        r->curve_us[i] = NAN;
}

void summarize(const sys_reps *s, bench_row *row)
{
    double *sorted = malloc((size_t)s->n * sizeof *sorted);
    if (!sorted) {
        fprintf(stderr, "rill-bench: out of memory\n");
        exit(1);
    }
    memcpy(sorted, s->rates, (size_t)s->n * sizeof *sorted);
    row->rate = median(sorted, (size_t)s->n);
    row->rate_min = sorted[0];
    row->rate_max = sorted[s->n - 1];
    row->spread = (row->rate_max - row->rate_min) / row->rate;
    free(sorted);
    int best = 0;
    for (int i = 1; i < s->n; i++)
        if (fabs(s->rates[i] - row->rate) < fabs(s->rates[best] - row->rate))
            best = i;
    const run_result *r = &s->res[best];
    row->reps = s->n;
    row->records = r->records;
    row->seconds = r->seconds;
    row->p50_us = r->p50_us;
    row->p99_us = r->p99_us;
    row->p999_us = r->p999_us;
    row->max_us = r->max_us;
    row->redelivered = r->extra;
    row->mbps = row->rate * (double)row->value_size / 1e6;
    row->compression_ratio = r->stored_bytes
                                 ? (double)r->raw_bytes / (double)r->stored_bytes
                                 : NAN;
    row->commits_per_s = r->commits && r->seconds > 0
                             ? (double)r->commits / r->seconds : NAN;
    for (int i = 0; i < CURVE_POINTS; i++)
        row->curve_us[i] = r->curve_us[i];
}

/* Adds one row per system that ran, with the system's own settings,
 * each with its ratio to rill's rate. */
static void emit_rows(bench_rows *rows, const bench_row *proto,
                      sys_reps *runs, const size_t *batch_of, int sync)
{
    size_t first = rows->n;
    for (size_t i = 0; i < NSYS; i++) {
        if (!runs[i].n)
            continue;
        bench_row out = *proto;
        const char *set = sync < 0 ? systems[i]->setting_read
                                   : systems[i]->setting[sync];
        snprintf(out.system, sizeof out.system, "%s", systems[i]->name);
        snprintf(out.setting, sizeof out.setting, "%s", set ? set : "");
        out.batch = batch_of[i];
        summarize(&runs[i], &out);
        rows_add(rows, &out);
    }
    rows_ratio_to(rows, first, NULL);
}

/* ---- produce ---- */

static int produce_once(const bench_config *cfg, const bench_system *sys,
                        const produce_params *p, run_result *res)
{
    return run_fresh(cfg, sys->name, sys->produce, p, res);
}

static int produce_setting(const bench_config *cfg, bench_rows *rows,
                           const produce_params *p, const char *label)
{
    sys_reps runs[NSYS];
    size_t batch_of[NSYS];
    int rc = 0;
    memset(runs, 0, sizeof runs);
    for (size_t i = 0; i < NSYS && !rc; i++) {
        batch_of[i] = p->batch;
        if (systems[i]->produce && system_enabled(cfg, i))
            rc = reps_alloc(&runs[i], cfg->reps);
    }

    /* Warm-up: a short run of each system, thrown away. */
    for (size_t i = 0; i < NSYS && !rc; i++) {
        if (!runs[i].res)
            continue;
        produce_params w = *p;
        run_result res;
        w.max_records = p->max_records / 10 > p->batch ? p->max_records / 10
                                                       : p->batch;
        if (w.time_cap > cfg->warmup_seconds)
            w.time_cap = cfg->warmup_seconds;
        rc = produce_once(cfg, systems[i], &w, &res);
    }

    for (int rep = 0; rep < cfg->reps && !rc; rep++) {
        for (size_t i = 0; i < NSYS && !rc; i++) {
            if (!runs[i].res)
                continue;
            sys_reps *s = &runs[i];
            rc = produce_once(cfg, systems[i], p, &s->res[s->n]);
            if (rc)
                break;
            const run_result *r = &s->res[s->n];
            char rate[32], recs[32];
            s->rates[s->n++] = rate_of(r);
            progress("  %s %s rep %d/%d: %s records/s (%s records in "
                     "%.2f s, p50 %.1f us)", label, systems[i]->name,
                     rep + 1, cfg->reps,
                     fmt_count(rate, sizeof rate, rate_of(r)),
                     fmt_count(recs, sizeof recs, (double)r->records),
                     r->seconds, r->p50_us);
        }
    }
    if (!rc) {
        bench_row proto = {0};
        snprintf(proto.workload, sizeof proto.workload, "produce");
        proto.procs = 1;
        proto.sync = sync_name(p->sync);
        proto.value_size = p->value_size;
        emit_rows(rows, &proto, runs, batch_of, p->sync);
    }
    for (size_t i = 0; i < NSYS; i++)
        reps_free(&runs[i]);
    return rc;
}

static int wl_produce(const bench_config *cfg, bench_rows *rows)
{
    size_t total = cfg->n_value_sizes * cfg->n_syncs * cfg->n_batches, k = 0;
    for (size_t v = 0; v < cfg->n_value_sizes; v++)
        for (size_t s = 0; s < cfg->n_syncs; s++)
            for (size_t b = 0; b < cfg->n_batches; b++) {
                produce_params p = {
                    .batch = cfg->batches[b],
                    .sync = cfg->syncs[s],
                    .value_size = cfg->value_sizes[v],
                    .max_records = cfg->produce_max_records,
                    .time_cap = cfg->syncs[s] == BENCH_SYNC_ALWAYS
                                    ? cfg->produce_cap_always
                                    : cfg->produce_cap_none,
                };
                char label[32];
                snprintf(label, sizeof label, "%zu/%zu", ++k, total);
                progress("produce %s: batch %zu, sync %s, value %zu bytes, "
                         "up to %llu records or %g s", label, p.batch,
                         sync_name(p.sync), p.value_size,
                         (unsigned long long)p.max_records, p.time_cap);
                if (produce_setting(cfg, rows, &p, label))
                    return -1;
            }
    return 0;
}

/* ---- consume ---- */

uint64_t consume_deadline(const consume_params *p, uint64_t t0)
{
    return t0 + (uint64_t)(p->time_cap * 1e9);
}

/* One pass; it must have read records 0 .. n-1 with their values: all
 * of them, or (stopped at the time cap) a part. */
static int consume_pass(const bench_system *sys, const consume_params *p,
                        const char *dir, uint64_t want_sum, run_result *res)
{
    uint64_t sum = 0;
    result_init(res);
    if (sys->consume(p, dir, res, &sum))
        return -1;
    if (res->records > 0 && res->records < p->records)
        want_sum = bench_values_first_sum(res->records, p->value_size);
    if (res->records == 0 || res->records > p->records || sum != want_sum) {
        fprintf(stderr, "rill-bench: %s read %llu records with sum %llu; "
                "expected %llu with sum %llu\n", sys->name,
                (unsigned long long)res->records, (unsigned long long)sum,
                (unsigned long long)p->records,
                (unsigned long long)want_sum);
        return -1;
    }
    return 0;
}

static int consume_setting(const bench_config *cfg, bench_rows *rows,
                           const consume_params *p, const char *label)
{
    sys_reps runs[NSYS];
    char *dirs[NSYS] = {0};
    size_t batch_of[NSYS];
    int rc = 0;
    uint64_t want_sum = bench_values_first_sum(p->records, p->value_size);
    memset(runs, 0, sizeof runs);
    for (size_t i = 0; i < NSYS && !rc; i++) {
        const bench_system *sys = systems[i];
        /* The ceiling reads with one cursor in one transaction. */
        batch_of[i] = sys->ceiling ? 0 : p->poll_records;
        if (!sys->consume || !sys->consume_prepare || !system_enabled(cfg, i))
            continue;
        if ((rc = reps_alloc(&runs[i], cfg->reps)) ||
            (rc = bench_fresh_dir(cfg, sys->name, &dirs[i])))
            break;
        char recs[32];
        double t0 = now_s();
        progress("  %s %s: writing %s records of %zu bytes", label,
                 sys->name, fmt_count(recs, sizeof recs, (double)p->records),
                 p->value_size);
        if ((rc = sys->consume_prepare(p, dirs[i])))
            break;
        double written = now_s() - t0;
        run_result warm;
        if ((rc = consume_pass(sys, p, dirs[i], want_sum, &warm)))
            break;
        progress("  %s %s: written in %.2f s; warm-up read %.3f s", label,
                 sys->name, written, warm.seconds);
    }
    for (int rep = 0; rep < cfg->reps && !rc; rep++) {
        for (size_t i = 0; i < NSYS && !rc; i++) {
            if (!dirs[i])
                continue;
            sys_reps *s = &runs[i];
            rc = consume_pass(systems[i], p, dirs[i], want_sum, &s->res[s->n]);
            if (rc)
                break;
            char rate[32];
            const run_result *r = &s->res[s->n];
            s->rates[s->n++] = rate_of(r);
            progress("  %s %s rep %d/%d: %s records/s (%.3f s)", label,
                     systems[i]->name, rep + 1, cfg->reps,
                     fmt_count(rate, sizeof rate, rate_of(r)), r->seconds);
        }
    }
    if (!rc) {
        bench_row proto = {0};
        snprintf(proto.workload, sizeof proto.workload, "consume");
        proto.procs = 1;
        proto.sync = "-";
        proto.value_size = p->value_size;
        emit_rows(rows, &proto, runs, batch_of, -1);
    }
    for (size_t i = 0; i < NSYS; i++) {
        if (dirs[i] && systems[i]->consume_finish)
            systems[i]->consume_finish(dirs[i]);
        if (dirs[i] && bench_remove_tree(dirs[i]))
            rc = -1;
        free(dirs[i]);
        reps_free(&runs[i]);
    }
    return rc;
}

#define CONSUME_BYTES ((uint64_t)512 << 20)

static int wl_consume(const bench_config *cfg, bench_rows *rows)
{
    for (size_t v = 0; v < cfg->n_value_sizes; v++) {
        /* Large values: at most CONSUME_BYTES of them per system. */
        uint64_t records = cfg->consume_records;
        if (records * cfg->value_sizes[v] > CONSUME_BYTES)
            records = CONSUME_BYTES / cfg->value_sizes[v];
        consume_params p = {
            .value_size = cfg->value_sizes[v],
            .records = records,
            .poll_records = cfg->poll_records,
            .time_cap = cfg->consume_cap,
        };
        char label[32], recs[32];
        snprintf(label, sizeof label, "%zu/%zu", v + 1, cfg->n_value_sizes);
        progress("consume %s: %s records of %zu bytes, %u per poll", label,
                 fmt_count(recs, sizeof recs, (double)p.records),
                 p.value_size, p.poll_records);
        if (consume_setting(cfg, rows, &p, label))
            return -1;
    }
    return 0;
}

const bench_workload bench_workloads[] = {
    {"produce", "append to one partition from one thread: batches of 1 "
                "(rill_produce) or more (rill_produce_batch), sync none "
                "and always; vs LMDB puts, SQLite inserts, Redis XADDs and "
                "write() appends, that many per transaction",
     wl_produce},
    {"compress", "rill_produce(_batch) of JSON-like events to a topic "
                 "without and with zstd compression: throughput and the "
                 "compression ratio",
     wl_compress},
    {"consume", "read a whole partition with one consumer (rill_poll), "
                "touching every value; vs an LMDB cursor walk, SQLite "
                "range SELECTs, XREADGROUP+XACK, read() of the file",
     wl_consume},
    {"producers", "rill_produce of single records at sync always from 1 "
                  "to 8 threads of one process, then from several "
                  "processes; beside the disk's fdatasync rate",
     wl_producers},
    {"async", "the asynchronous producer (rill_producer_send, sync none) "
              "vs the LMDB append ceiling",
     wl_async},
    {"txn", "outbox transactions (rill_txn_put + rill_txn_produce) vs "
            "plain rill_produce, one record per commit",
     wl_txn},
    {"steady", "a topic with retention_bytes written until ten times "
               "that volume passed through: throughput and file size per "
               "tenth",
     wl_steady},
    {"latency", "end-to-end latency between two processes: rill_produce "
                "(sync none) of single stamped records at a steady rate to "
                "a consumer blocked in rill_poll; vs a bare futex wake-up",
     wl_latency},
    {"rebalance", "a group of member processes on a topic of 6 "
                  "partitions: time from kill -9 of a member until every "
                  "partition it owned is polled by another",
     wl_rebalance},
    {"group-consume", "read a topic of 6 partitions with a fresh group "
                      "of 1, 2 and 3 member processes (rill_subscribe, "
                      "auto-commit on)",
     wl_group_consume},
};
const size_t bench_workload_count =
    sizeof bench_workloads / sizeof bench_workloads[0];
