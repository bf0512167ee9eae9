/*
 * main.c -- rill-bench: options, profiles, the run directory, and the
 * loop over the selected workloads.
 *
 *   rill-bench [--default | --full | --quick] [--only NAME[,NAME...]]
 *              [--systems NAME[,NAME...]] [--batch N[,N...]]
 *              [--sync none|always[,...]] [--value BYTES[,BYTES...]]
 *              [--poll N] [--rate N]
 *              [--reps N] [--dir DIR] [--csv FILE] [--list] [--help]
 *
 * Exit status: 0 on success, 1 when a run fails, 2 on a usage error.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include "bench.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_BASE_DIR "build/bench-tmp"
#define DEFAULT_CSV "bench/results/latest.csv"
#define MAX_REPS 99
#define MAX_VALUE (1 << 20)
#define MAX_BATCH 100000
#define MAX_RATE 1000000

static void usage(FILE *f)
{
    fprintf(f,
        "usage: rill-bench [options]\n"
        "\n"
        "Measures rill against what users would pick instead -- SQLite in\n"
        "WAL mode, Redis Streams, write() to a file -- and against plain\n"
        "LMDB (the ceiling of throughput) and a bare futex wake-up (the\n"
        "floor of latency), on the same machine in one run; also rill's\n"
        "many producers, asynchronous producer, transactions, retention and\n"
        "consumer groups. Prints tables and the targets (stdout), writes a\n"
        "CSV file and PNG charts beside it (gnuplot). Progress on stderr.\n"
        "\n"
        "profiles (the last one given wins; --default when none is):\n"
        "  --default        100-byte values; produce batches 1, 100, 1000 at\n"
        "                   sync none and always (runs of at most 0.75 s);\n"
        "                   compress at batches 100, 1000; consume\n"
        "                   2,000,000 records; 1-8 threads, 2 and 4\n"
        "                   processes; steady state at retention 64 MiB x 10\n"
        "                   for 1 KiB and 100-byte values; latency of 30,000\n"
        "                   records at 10,000/s; 10 rebalance kills;\n"
        "                   group-consume of 3,000,000 records in 6\n"
        "                   partitions; 3 repetitions (about 3.5 minutes)\n"
        "  --full           as --default plus 1 KiB values everywhere,\n"
        "                   compress at batch 1 too, the steady state at\n"
        "                   retention 256 MiB x 10, longer runs\n"
        "  --quick          tiny counts and 1 repetition: a smoke test\n"
        "options:\n"
        "  --only NAMES     run only these workloads (comma-separated)\n"
        "  --list           list the workloads and systems and exit\n"
        "  --systems NAMES  run only these systems (comma-separated); without\n"
        "                   the ceiling (lmdb) there is no ratio\n"
        "  --batch LIST     produce batch sizes instead of the profile's,\n"
        "                   e.g. 1,100,1000\n"
        "  --sync LIST      produce sync modes: none, always or both\n"
        "  --value LIST     value sizes in bytes (1..%d)\n"
        "  --poll N         consume, group-consume: max_poll_records\n"
        "                   (default 1000)\n"
        "  --rate N         latency: records per second (default 10000)\n"
        "  --reps N         repetitions per setting (1..%d); the median is\n"
        "                   reported\n"
        "  --dir DIR        make the run directory under DIR (default\n"
        "                   $RILL_BENCH_DIR, else %s); it is removed\n"
        "                   afterwards\n"
        "  --csv FILE       write the CSV there (default %s)\n"
        "  --help           this text\n",
        MAX_VALUE, MAX_REPS, DEFAULT_BASE_DIR, DEFAULT_CSV);
}

static void profile_common(bench_config *c)
{
    static const int threads[] = {1, 2, 4, 8}, procs[] = {2, 4};
    memset(c, 0, offsetof(bench_config, only));
    c->n_value_sizes = 1;
    c->value_sizes[0] = 100;
    c->n_batches = 3;
    c->batches[0] = 1;
    c->batches[1] = 100;
    c->batches[2] = 1000;
    c->n_syncs = 2;
    c->syncs[0] = BENCH_SYNC_NONE;
    c->syncs[1] = BENCH_SYNC_ALWAYS;
    c->n_compress_batches = 2;
    c->compress_batches[0] = 100;
    c->compress_batches[1] = 1000;
    c->n_compress_syncs = 2;
    c->compress_syncs[0] = BENCH_SYNC_NONE;
    c->compress_syncs[1] = BENCH_SYNC_ALWAYS;
    c->n_threads = 4;
    memcpy(c->threads, threads, sizeof threads);
    c->n_procs = 2;
    memcpy(c->procs, procs, sizeof procs);
    c->steady_factor = 10;
    c->steady_batch = 100;
    c->n_steady_values = 2;
    c->steady_values[0] = 1024;
    c->steady_values[1] = 100;
    c->poll_records = 1000;
    c->latency_rate = 10000;
    c->group_partitions = 6;
    c->group_members = 3;
}

static void profile_default(bench_config *c)
{
    profile_common(c);
    c->profile = "default";
    c->reps = 3;
    c->produce_max_records = 2000000;
    c->produce_cap_none = 0.75;
    c->produce_cap_always = 0.75;
    c->warmup_seconds = 0.2;
    c->parallel_seconds = 0.75;
    c->consume_cap = 1.0;
    c->steady_retention = (int64_t)64 << 20;
    c->consume_records = 2000000;
    c->latency_records = 30000;
    c->latency_warmup = 1000;
    c->rebalance_kills = 10;
    c->group_records = 3000000;
}

static void profile_full(bench_config *c)
{
    profile_default(c);
    c->profile = "full";
    c->n_value_sizes = 2;
    c->value_sizes[1] = 1024;
    c->n_compress_batches = 3;
    c->compress_batches[0] = 1;
    c->compress_batches[1] = 100;
    c->compress_batches[2] = 1000;
    c->produce_max_records = 4000000;
    c->produce_cap_none = 1.0;
    c->produce_cap_always = 1.0;
    c->warmup_seconds = 0.3;
    c->parallel_seconds = 1.0;
    c->consume_cap = 2.0;
    c->steady_retention = (int64_t)256 << 20;
    c->latency_records = 100000;
    c->rebalance_kills = 20;
    c->group_records = 6000000;
}

static void profile_quick(bench_config *c)
{
    profile_common(c);
    c->profile = "quick";
    c->reps = 1;
    c->n_compress_batches = 1;
    c->n_compress_syncs = 1;
    c->n_threads = 2;
    c->threads[1] = 4;
    c->n_procs = 1;
    c->produce_max_records = 2000;
    c->produce_cap_none = 0.25;
    c->produce_cap_always = 0.25;
    c->warmup_seconds = 0.05;
    c->parallel_seconds = 0.1;
    c->consume_cap = 0.5;
    c->steady_retention = (int64_t)1 << 20;
    c->consume_records = 5000;
    c->latency_records = 2000;
    c->latency_warmup = 200;
    c->rebalance_kills = 2;
    c->group_records = 60000;
}

static const bench_workload *find_workload(const char *name, size_t len)
{
    for (size_t i = 0; i < bench_workload_count; i++)
        if (strlen(bench_workloads[i].name) == len &&
            strncmp(bench_workloads[i].name, name, len) == 0)
            return &bench_workloads[i];
    return NULL;
}

static bool selected(const bench_config *c, const char *name)
{
    if (c->n_only == 0)
        return true;
    for (size_t i = 0; i < c->n_only; i++)
        if (strcmp(c->only[i], name) == 0)
            return true;
    return false;
}

/* Adds the workloads named in a comma-separated list. */
static int parse_only(bench_config *c, const char *list)
{
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        const bench_workload *w = find_workload(p, len);
        if (!w) {
            fprintf(stderr, "rill-bench: no workload '%.*s' (--list shows "
                    "them)\n", (int)len, p);
            return -1;
        }
        if (!selected(c, w->name) || c->n_only == 0) {
            if (c->n_only == BENCH_MAX_ONLY) {
                fprintf(stderr, "rill-bench: too many --only names\n");
                return -1;
            }
            c->only[c->n_only++] = w->name;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    if (c->n_only == 0) {
        fprintf(stderr, "rill-bench: --only needs a workload name\n");
        return -1;
    }
    return 0;
}

/* Adds the systems named in a comma-separated list. */
static int parse_systems(bench_config *c, const char *list)
{
    c->n_only_systems = 0;
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ","), k;
        for (k = 0; k < bench_system_count; k++)
            if (strlen(bench_systems[k]->name) == len &&
                strncmp(bench_systems[k]->name, p, len) == 0)
                break;
        if (k == bench_system_count) {
            fprintf(stderr, "rill-bench: no system '%.*s' (--list shows "
                    "them)\n", (int)len, p);
            return -1;
        }
        if (c->n_only_systems == BENCH_MAX_ONLY) {
            fprintf(stderr, "rill-bench: too many --systems names\n");
            return -1;
        }
        c->only_systems[c->n_only_systems++] = bench_systems[k]->name;
        p += len;
        if (*p == ',')
            p++;
    }
    if (c->n_only_systems == 0) {
        fprintf(stderr, "rill-bench: --systems needs a system name\n");
        return -1;
    }
    return 0;
}

/* Parses a comma-separated list of numbers in lo..hi. */
static int parse_sizes(const char *opt, const char *list, size_t *out,
                       size_t *n, size_t lo, size_t hi)
{
    *n = 0;
    for (const char *p = list; *p;) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(p, &end, 10);
        if (errno || end == p || (*end && *end != ',') || *p == '-' ||
            v < lo || v > hi) {
            fprintf(stderr, "rill-bench: %s wants numbers in %zu..%zu, not "
                    "'%s'\n", opt, lo, hi, list);
            return -1;
        }
        if (*n == BENCH_MAX_SETTINGS) {
            fprintf(stderr, "rill-bench: %s takes at most %d values\n", opt,
                    BENCH_MAX_SETTINGS);
            return -1;
        }
        out[(*n)++] = (size_t)v;
        p = *end ? end + 1 : end;
    }
    if (*n == 0) {
        fprintf(stderr, "rill-bench: %s needs a value\n", opt);
        return -1;
    }
    return 0;
}

static int parse_syncs(const char *list, int *out, size_t *n)
{
    *n = 0;
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        int mode;
        if (len == 4 && strncmp(p, "none", 4) == 0)
            mode = BENCH_SYNC_NONE;
        else if (len == 6 && strncmp(p, "always", 6) == 0)
            mode = BENCH_SYNC_ALWAYS;
        else {
            fprintf(stderr, "rill-bench: --sync wants none or always, not "
                    "'%.*s'\n", (int)len, p);
            return -1;
        }
        if (*n == BENCH_MAX_SETTINGS)
            return -1;
        out[(*n)++] = mode;
        p += len;
        if (*p == ',')
            p++;
    }
    if (*n == 0) {
        fprintf(stderr, "rill-bench: --sync needs a mode\n");
        return -1;
    }
    return 0;
}

/* The value of option name: "--name=value" or "--name value". Returns
 * NULL (with a message) if it is missing. */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (a[n] == '=')
        return a + n + 1;
    if (*i + 1 < argc)
        return argv[++*i];
    fprintf(stderr, "rill-bench: %s needs a value\n", name);
    return NULL;
}

static bool is_opt(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

static void print_list(void)
{
    printf("workloads:\n");
    for (size_t k = 0; k < bench_workload_count; k++)
        printf("  %-14s %s\n", bench_workloads[k].name,
               bench_workloads[k].about);
    printf("systems:\n");
    for (size_t k = 0; k < bench_system_count; k++)
        printf("  %-14s %s%s\n", bench_systems[k]->name,
               bench_systems[k]->about,
               bench_systems[k]->ceiling         ? " (the ceiling)"
               : bench_systems[k]->latency_floor ? " (the floor)"
                                                 : "");
}

/* One number in lo..hi. */
static int parse_one(const char *opt, const char *v, size_t lo, size_t hi,
                     size_t *out)
{
    size_t n[BENCH_MAX_SETTINGS], k;
    if (parse_sizes(opt, v, n, &k, lo, hi))
        return -1;
    if (k != 1) {
        fprintf(stderr, "rill-bench: %s takes one number\n", opt);
        return -1;
    }
    *out = n[0];
    return 0;
}

/* A non-empty text. */
static int parse_text(const char *opt, const char *v, const char **out)
{
    if (*v == '\0') {
        fprintf(stderr, "rill-bench: %s needs a value\n", opt);
        return -1;
    }
    *out = v;
    return 0;
}

/* The settings given on the command line replace the profile's. */
static void apply_settings(bench_config *c, const bench_config *set)
{
    if (set->reps)
        c->reps = set->reps;
    if (set->n_batches) {
        memcpy(c->batches, set->batches, sizeof c->batches);
        c->n_batches = set->n_batches;
    }
    if (set->n_value_sizes) {
        memcpy(c->value_sizes, set->value_sizes, sizeof c->value_sizes);
        c->n_value_sizes = set->n_value_sizes;
    }
    if (set->poll_records)
        c->poll_records = set->poll_records;
    if (set->latency_rate)
        c->latency_rate = set->latency_rate;
    if (set->n_syncs) {
        memcpy(c->syncs, set->syncs, sizeof c->syncs);
        c->n_syncs = set->n_syncs;
    }
}

/* Parses the option argv[*i] that takes a value (and consumes the
 * value). Returns 0, -1 on a usage error, or 1 if a is no such option. */
static int parse_valued(bench_config *c, bench_config *set, int argc,
                        char **argv, int *i)
{
    static const char *const names[] = {
        "--systems", "--batch", "--value", "--poll", "--rate", "--sync",
        "--reps", "--only", "--dir", "--csv"};
    const char *a = argv[*i], *v;
    size_t k = 0, n;
    while (k < sizeof names / sizeof names[0] && !is_opt(a, names[k]))
        k++;
    if (k == sizeof names / sizeof names[0])
        return 1;
    if (!(v = opt_value(argc, argv, i, names[k])))
        return -1;
    switch (k) {
    case 0: return parse_systems(c, v);
    case 1: return parse_sizes("--batch", v, set->batches, &set->n_batches,
                               1, MAX_BATCH);
    case 2: return parse_sizes("--value", v, set->value_sizes,
                               &set->n_value_sizes, 1, MAX_VALUE);
    case 3:
        if (parse_one("--poll", v, 1, 1000000, &n))
            return -1;
        set->poll_records = (unsigned)n;
        return 0;
    case 4:
        if (parse_one("--rate", v, 1, MAX_RATE, &n))
            return -1;
        set->latency_rate = (unsigned)n;
        return 0;
    case 5: return parse_syncs(v, set->syncs, &set->n_syncs);
    case 6:
        if (parse_one("--reps", v, 1, MAX_REPS, &n))
            return -1;
        set->reps = (int)n;
        return 0;
    case 7: return parse_only(c, v);
    case 8: return parse_text("--dir", v, &c->base_dir);
    default: return parse_text("--csv", v, &c->csv_path);
    }
}

/* Parses argv into c. Returns 0 to run, 1 to exit successfully (--help,
 * --list), -1 on a usage error. */
static int parse_args(bench_config *c, int argc, char **argv)
{
    /* Settings given on the command line replace the profile's, whatever
     * the order of the options. */
    bench_config set = {0};
    profile_default(c);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int rc;
        if (strcmp(a, "--default") == 0) {
            profile_default(c);
        } else if (strcmp(a, "--full") == 0) {
            profile_full(c);
        } else if (strcmp(a, "--quick") == 0) {
            profile_quick(c);
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 1;
        } else if (strcmp(a, "--list") == 0) {
            print_list();
            return 1;
        } else if ((rc = parse_valued(c, &set, argc, argv, &i)) != 1) {
            if (rc)
                return -1;
        } else {
            fprintf(stderr, "rill-bench: unknown argument '%s'\n", a);
            return -1;
        }
    }
    apply_settings(c, &set);
    return 0;
}

/* ---- the run directory ---- */

static char *run_dir_for_signal;

static void on_signal(int sig)
{
    static const char msg[] = "\nrill-bench: interrupted; the run directory "
                              "is left behind: ";
    peers_kill_all();
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    if (run_dir_for_signal) {
        ignored = write(2, run_dir_for_signal, strlen(run_dir_for_signal));
        ignored = write(2, "\n", 1);
    }
    (void)ignored;
    signal(sig, SIG_DFL);
    raise(sig);
}

static int make_run_dir(bench_config *c, bool *created_base)
{
    struct stat st;
    *created_base = stat(c->base_dir, &st) != 0;
    if (bench_mkdirs(c->base_dir))
        return -1;
    size_t cap = strlen(c->base_dir) + 32;
    c->run_dir = malloc(cap);
    if (!c->run_dir)
        return -1;
    snprintf(c->run_dir, cap, "%s/rill-bench.XXXXXX", c->base_dir);
    if (!mkdtemp(c->run_dir)) {
        fprintf(stderr, "rill-bench: cannot create a directory in '%s': %s\n",
                c->base_dir, strerror(errno));
        free(c->run_dir);
        c->run_dir = NULL;
        return -1;
    }
    run_dir_for_signal = c->run_dir;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    return 0;
}

static void remove_run_dir(bench_config *c, bool created_base)
{
    if (!c->run_dir)
        return;
    bench_remove_tree(c->run_dir);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    run_dir_for_signal = NULL;
    free(c->run_dir);
    c->run_dir = NULL;
    if (created_base)
        rmdir(c->base_dir); /* only if empty */
}

int main(int argc, char **argv)
{
    bench_config cfg = {0};
    bench_rows rows = {0};
    bool created_base = false;

    int rc = parse_args(&cfg, argc, argv);
    if (rc)
        return rc > 0 ? 0 : 2;
    if (!cfg.base_dir) {
        const char *env = getenv("RILL_BENCH_DIR");
        cfg.base_dir = env && *env ? env : DEFAULT_BASE_DIR;
    }
    if (!cfg.csv_path)
        cfg.csv_path = DEFAULT_CSV;
    if (make_run_dir(&cfg, &created_base))
        return 1;

    size_t max_value = 8; /* latency stamps */
    for (size_t i = 0; i < cfg.n_value_sizes; i++)
        if (cfg.value_sizes[i] > max_value)
            max_value = cfg.value_sizes[i];
    for (size_t i = 0; i < cfg.n_steady_values; i++)
        if (cfg.steady_values[i] > max_value)
            max_value = cfg.steady_values[i];
    bench_values_init(max_value);
    report_machine(&cfg);
    systems_report_skipped();
    printf("\n");

    load_since all;
    load_mark(&all);
    for (size_t i = 0; !rc && i < bench_workload_count; i++) {
        const bench_workload *w = &bench_workloads[i];
        load_since lw;
        if (!selected(&cfg, w->name))
            continue;
        load_mark(&lw);
        progress("%s: %s", w->name, w->about);
        rc = w->run(&cfg, &rows);
        progress("%s: %s in %.1f s; other processes kept %.2f processors "
                 "busy", w->name, rc ? "failed" : "done", now_s() - lw.t,
                 load_other(&lw));
    }
    double other = load_other(&all);
    peers_kill_all(); /* none should be left; a failed run may */
    remove_run_dir(&cfg, created_base);

    if (rows.n) {
        report_table(&rows);
        report_targets(&cfg, &rows);
        if (report_csv(&cfg, &rows) == 0)
            printf("csv: %s\n", cfg.csv_path);
        else
            rc = -1;
        if (report_charts(&cfg, &rows))
            rc = -1;
    }
    printf("total wall time: %.1f s (profile %s); other processes kept "
           "%.2f processors busy on average\n", now_s() - all.t,
           cfg.profile, other);
    if (other > 0.5) /* the kernel's write-back of our files counts too */
        printf("note: other processes kept %.2f of %ld processors busy: "
               "the numbers are disturbed; rerun on an idle machine\n",
               other, sysconf(_SC_NPROCESSORS_ONLN));
    free(rows.v);
    bench_values_free();
    if (rc)
        fprintf(stderr, "rill-bench: failed\n");
    return rc ? 1 : 0;
}
