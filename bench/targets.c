/*
 * targets.c -- the targets rill is held to, checked against the rows of
 * this run: each line says met, missed or not run, with every measured
 * value it was judged on.
 */
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define LINE 1024

typedef struct verdict {
    int judged, missed;
    char detail[LINE];
} verdict;

static void note(verdict *v, bool ok, const char *fmt, double value,
                 const char *label)
{
    size_t len = strlen(v->detail);
    char item[128];
    snprintf(item, sizeof item, fmt, value);
    snprintf(v->detail + len, sizeof v->detail - len, "%s%s%s (%s)",
             v->judged ? ", " : "", ok ? "" : "MISSED ", item, label);
    v->judged++;
    v->missed += !ok;
}

static void print_verdict(const char *target, const verdict *v)
{
    const char *state = !v->judged ? "not run" : v->missed ? "MISSED" : "met";
    printf("  %-8s %s\n", state, target);
    if (v->judged) {
        /* The measured values, wrapped at commas. */
        const char *p = v->detail;
        int col = 0;
        printf("           ");
        while (*p) {
            size_t n = strcspn(p, ",");
            if (col && col + (int)n > 80) {
                printf("\n           ");
                col = 0;
                while (*p == ' ')
                    p++, n--;
            }
            printf("%.*s%s", (int)n, p, p[n] ? "," : "");
            col += (int)n + 1;
            p += n + (p[n] ? 1 : 0);
        }
        printf("\n");
    }
}

static const bench_row *find(const bench_rows *rows, int kind,
                             const char *workload, const char *system,
                             int group)
{
    for (size_t i = 0; i < rows->n; i++) {
        const bench_row *r = &rows->v[i];
        if (r->kind == kind && strcmp(r->workload, workload) == 0 &&
            strcmp(r->system, system) == 0 && (group < 0 || r->group == group))
            return r;
    }
    return NULL;
}

static void label_of(const bench_row *r, char *buf, size_t cap)
{
    snprintf(buf, cap, "batch %zu, sync %s, %zu B", r->batch, r->sync,
             r->value_size);
}

/* rill's produce rows against a peer's in the same group: rill / peer
 * (or peer / rill with inverse) must reach min. */
static void vs_peer(const bench_rows *rows, const char *peer, size_t min_batch,
                    double min, const char *fmt, double scale, verdict *v)
{
    for (size_t i = 0; i < rows->n; i++) {
        const bench_row *r = &rows->v[i];
        if (r->kind != ROW_RATE || strcmp(r->workload, "produce") != 0 ||
            strcmp(r->system, "rill") != 0 || r->batch < min_batch)
            continue;
        const bench_row *o = find(rows, ROW_RATE, "produce", peer, r->group);
        if (!o)
            continue;
        char label[64];
        label_of(r, label, sizeof label);
        double x = r->rate / o->rate;
        note(v, x >= min, fmt, x * scale, label);
    }
}

static void t_consume(const bench_rows *rows, verdict *v)
{
    for (size_t i = 0; i < rows->n; i++) {
        const bench_row *r = &rows->v[i];
        if (r->kind == ROW_RATE && strcmp(r->workload, "consume") == 0 &&
            strcmp(r->system, "rill") == 0 && r->value_size == 100)
            note(v, r->rate >= 5e6, "%.2f M records/s", r->rate / 1e6,
                 "100 B, one consumer");
    }
}

static void t_latency(const bench_rows *rows, verdict *v)
{
    const bench_row *r = find(rows, ROW_LATENCY, "latency", "rill", -1);
    const bench_row *f = find(rows, ROW_LATENCY, "latency", "futex", -1);
    if (r && f) {
        char label[96];
        snprintf(label, sizeof label, "p99 %.1f us vs the floor's %.1f us",
                 r->p99_us, f->p99_us);
        note(v, r->p99_us <= 1.5 * f->p99_us, "%.2fx", r->p99_us / f->p99_us,
             label);
    }
}

static void t_threads(const bench_rows *rows, verdict *v)
{
    for (size_t i = 0; i < rows->n; i++) {
        const bench_row *r = &rows->v[i];
        if (r->kind == ROW_RATE && strcmp(r->workload, "producers") == 0 &&
            strcmp(r->system, "rill") == 0 && r->threads == 8 &&
            r->procs <= 1)
            note(v, r->ratio >= 6, "%.2fx", r->ratio,
                 "8 threads over 1, RILL_SYNC_ALWAYS");
    }
}

static void t_async(const bench_rows *rows, verdict *v)
{
    const bench_row *l = find(rows, ROW_RATE, "async", "lmdb", -1);
    for (size_t i = 0; l && i < rows->n; i++) {
        const bench_row *r = &rows->v[i];
        if (r->kind == ROW_RATE && strcmp(r->workload, "async") == 0 &&
            strncmp(r->setting, "rill_producer_send", 18) == 0)
            note(v, r->rate >= 0.7 * l->rate, "%.0f%%",
                 100 * r->rate / l->rate, "of LMDB at 1000 per commit");
    }
}

static void t_steady(const bench_rows *rows, verdict *rate, verdict *file)
{
    for (size_t i = 0; i + TENTHS <= rows->n; i++) {
        const bench_row *a = &rows->v[i], *z = &rows->v[i + TENTHS - 1];
        if (a->kind != ROW_STEADY || a->tenth != 1 || z->tenth != TENTHS)
            continue;
        char label[64];
        snprintf(label, sizeof label, "%zu B", a->value_size);
        note(rate, z->rate >= 0.9 * a->rate, "%.0f%%",
             100 * z->rate / a->rate, label);
        note(file, z->file_bytes <= 1.5 * a->retention_bytes, "%.2fx",
             z->file_bytes / a->retention_bytes, label);
    }
}

void report_targets(const bench_config *cfg, const bench_rows *rows)
{
    verdict v[10];
    (void)cfg;
    memset(v, 0, sizeof v);
    vs_peer(rows, "lmdb", 100, 0.7, "%.0f%%", 100, &v[0]);
    vs_peer(rows, "sqlite", 1, 5, "%.1fx", 1, &v[1]);
    vs_peer(rows, "redis", 1, 1, "%.1fx", 1, &v[2]);
    t_consume(rows, &v[3]);
    t_latency(rows, &v[4]);
    t_threads(rows, &v[5]);
    t_async(rows, &v[6]);
    t_steady(rows, &v[7], &v[8]);
    printf("targets (measured in this run)\n");
    print_verdict("rill batched produce (batch >= 100) >= 70% of the LMDB "
                  "ceiling", &v[0]);
    print_verdict("rill >= 5x SQLite WAL at equal durability (NORMAL = "
                  "none, FULL = always)", &v[1]);
    print_verdict("rill ahead of Redis Streams at equal durability "
                  "(everysec = none, always = always)", &v[2]);
    print_verdict("consume >= 5 million 100-byte records/s from one "
                  "consumer", &v[3]);
    print_verdict("end-to-end p99 within 1.5x of the futex floor at "
                  "10,000 records/s", &v[4]);
    print_verdict("8 threads >= 6x one thread at RILL_SYNC_ALWAYS", &v[5]);
    print_verdict("the async producer >= 70% of the LMDB ceiling", &v[6]);
    print_verdict("steady state: the last tenth >= 90% of the first "
                  "tenth's rate", &v[7]);
    print_verdict("steady state: the data file within 1.5x of "
                  "retention_bytes", &v[8]);
    printf("\n");
    fflush(stdout);
}
