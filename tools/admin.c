/*
 * admin.c -- rill verify, rill stats, rill backup: operating a directory.
 *
 * verify checks one topic at a time so a terminal can show how far it
 * got; backup is one library call, so a thread watches the copy grow.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "out.h"
#include "tool.h"

#define RATE_WINDOW_MS 60000

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- verify ---- */

static void on_problem(void *opaque, const char *topic, int32_t partition,
                       int64_t offset, int err, const char *message)
{
    (void)opaque;
    progress_clear();
    if (partition < 0)
        printf("%s: %s\n", topic, *message ? message : rill_strerror(err));
    else
        printf("%s/%d %lld: %s\n", topic, partition, (long long)offset,
               *message ? message : rill_strerror(err));
    fflush(stdout);
}

static void report_add(rill_verify_report *sum, const rill_verify_report *r)
{
    sum->topics += r->topics;
    sum->partitions += r->partitions;
    sum->batches += r->batches;
    sum->records += r->records;
    sum->bytes += r->bytes;
    sum->problems += r->problems;
}

/* Verifies the named topics, or every topic. */
static int verify_topics(const cli_cmd *c, rill *r, rill_verify_report *sum)
{
    char **names = NULL;
    size_t n = 1;
    int rc = c->name ? 0 : rill_topic_list(&names, &n, r);
    if (rc)
        return tool_fail(rc, "listing topics");
    int status = EXIT_OK;
    for (size_t i = 0; i < n && status == EXIT_OK; i++) {
        const char *name = names ? names[i] : c->name;
        rill_verify_report *rep;
        progress("verifying %s (%zu of %zu)", name, i + 1, n);
        rc = rill_verify(&rep, r, name, on_problem, NULL);
        bool problems = rep && rep->problems;
        if (rep)
            report_add(sum, rep);
        rill_verify_report_free(rep);
        if (rc == RILL_ENOTFOUND && names)
            continue; /* deleted since the listing */
        if (rc && !(rc == RILL_ECORRUPT && problems))
            status = tool_fail(rc, "verifying '%s'", name);
    }
    progress_clear();
    rill_names_free(names, names ? n : 0);
    return status;
}

int cmd_verify(const cli_cmd *c)
{
    rill_verify_report sum = {0};
    char size[32];
    rill *r = tool_open(c, OPEN_READ);
    if (!r)
        return EXIT_ERROR;
    int rc = verify_topics(c, r, &sum);
    rill_close(r);
    if (rc)
        return rc;
    printf("verified %lld topic%s, %lld partitions, %lld batches, %lld "
           "records, %s: ", (long long)sum.topics, sum.topics == 1 ? "" : "s",
           (long long)sum.partitions, (long long)sum.batches,
           (long long)sum.records, fmt_bytes(size, sizeof size,
                                             (uint64_t)sum.bytes));
    if (sum.problems == 0)
        printf("no problems\n");
    else
        printf("%lld problem%s\n", (long long)sum.problems,
               sum.problems == 1 ? "" : "s");
    return sum.problems ? EXIT_ERROR : EXIT_OK;
}

/* ---- stats ---- */

typedef struct topic_stats {
    char name[RILL_TOPIC_NAME_MAX + 1];
    int64_t partitions, records, bytes;
    int64_t recent; /* records written in the last minute */
} topic_stats;

/* A topic's totals, and its records of the last minute: the offsets
 * between each partition's first record at or after now - 60 s and its
 * end. */
static int topic_stats_get(rill *r, const char *name, int64_t since,
                           topic_stats *ts)
{
    rill_topic_info *info;
    int rc = rill_topic_describe(&info, r, name);
    if (rc)
        return rc;
    memset(ts, 0, sizeof *ts);
    snprintf(ts->name, sizeof ts->name, "%s", name);
    ts->partitions = (int64_t)info->partition_count;
    for (size_t i = 0; i < info->partition_count && !rc; i++) {
        const rill_partition_info *p = &info->partitions[i];
        rill_topic_partition tp = {name, p->partition, since};
        ts->records += p->records;
        ts->bytes += p->bytes;
        rc = rill_offsets_for_times(r, &tp, 1);
        if (!rc && tp.offset != RILL_OFFSET_END)
            ts->recent += p->next_offset - tp.offset;
    }
    rill_topic_info_free(info);
    return rc;
}

static void stats_json(const rill_stats_report *s, const topic_stats *t,
                       size_t n)
{
    json_out j;
    json_begin(&j, stdout);
    json_object(&j, NULL);
    json_int(&j, "file_bytes", (int64_t)s->file_bytes);
    json_int(&j, "map_bytes", (int64_t)s->map_bytes);
    json_int(&j, "map_bytes_max", (int64_t)s->map_bytes_max);
    json_int(&j, "page_size", (int64_t)s->page_size);
    json_int(&j, "pages_used", (int64_t)s->pages_used);
    json_int(&j, "pages_free", (int64_t)s->pages_free);
    json_int(&j, "readers_used", s->readers_used);
    json_int(&j, "max_readers", s->max_readers);
    json_int(&j, "batches", (int64_t)s->batches);
    json_int(&j, "groups_active", (int64_t)s->groups_active);
    json_int(&j, "app_keys", (int64_t)s->app_keys);
    json_array(&j, "topics");
    for (size_t i = 0; i < n; i++) {
        json_object(&j, NULL);
        json_str(&j, "name", t[i].name);
        json_int(&j, "partitions", t[i].partitions);
        json_int(&j, "records", t[i].records);
        json_int(&j, "bytes", t[i].bytes);
        json_int(&j, "records_last_60s", t[i].recent);
        json_num(&j, "records_per_s", (double)t[i].recent / 60);
        json_close(&j, '}');
    }
    json_close(&j, ']');
    json_close(&j, '}');
    json_end(&j);
}

static int stats_text(const cli_cmd *c, const rill_stats_report *s,
                      const topic_stats *t, size_t n)
{
    static const char *const cols[] = {"TOPIC", "PARTITIONS", "RECORDS",
                                       "BYTES", "RECORDS/S (60s)"};
    char a[32], b[32];
    printf("directory      %s\n", c->dir);
    printf("file size      %s (%zu bytes)\n",
           fmt_bytes(a, sizeof a, s->file_bytes), s->file_bytes);
    printf("map size       %s (max %s)\n", fmt_bytes(a, sizeof a, s->map_bytes),
           fmt_bytes(b, sizeof b, s->map_bytes_max));
    printf("page size      %zu\n", s->page_size);
    printf("pages          %zu used, %zu free\n", s->pages_used, s->pages_free);
    printf("readers        %u of %u\n", s->readers_used, s->max_readers);
    printf("topics         %zu (%zu batches)\n", s->topics, s->batches);
    printf("active groups  %zu\n", s->groups_active);
    printf("app keys       %zu\n\n", s->app_keys);
    out_table *tab = table_new(5, cols, "lrrrr");
    for (size_t i = 0; i < n; i++) {
        table_cell(tab, "%s", t[i].name);
        table_cell(tab, "%lld", (long long)t[i].partitions);
        table_cell(tab, "%lld", (long long)t[i].records);
        table_cell(tab, "%lld", (long long)t[i].bytes);
        table_cell(tab, "%.2f", (double)t[i].recent / 60);
    }
    return table_print(tab, stdout) ? tool_error("out of memory") : EXIT_OK;
}

int cmd_stats(const cli_cmd *c)
{
    rill_stats_report *s = NULL;
    char **names = NULL;
    size_t n = 0, k = 0;
    topic_stats *t = NULL;
    rill *r = tool_open(c, OPEN_READ);
    if (!r)
        return EXIT_ERROR;
    int rc = rill_stats(&s, r);
    if (rc || (rc = rill_topic_list(&names, &n, r))) {
        rill_stats_report_free(s);
        rill_close(r);
        return tool_fail(rc, "reading statistics");
    }
    int64_t since = wall_ms() - RATE_WINDOW_MS;
    if (!(t = calloc(n ? n : 1, sizeof *t)))
        rc = RILL_ENOMEM;
    for (size_t i = 0; i < n && !rc; i++) {
        rc = topic_stats_get(r, names[i], since, &t[k]);
        if (rc == RILL_ENOTFOUND) /* deleted since the listing */
            rc = 0;
        else if (!rc)
            k++;
    }
    int status = rc ? tool_fail(rc, "reading topic statistics") : EXIT_OK;
    if (status == EXIT_OK && c->json)
        stats_json(s, t, k);
    else if (status == EXIT_OK)
        status = stats_text(c, s, t, k);
    rill_stats_report_free(s);
    free(t);
    rill_names_free(names, n);
    rill_close(r);
    return status;
}

/* ---- backup ---- */

typedef struct backup_watch {
    pthread_mutex_t lock;
    pthread_cond_t done_cv;
    int done;
    char path[4096]; /* the copy's data.mdb */
    size_t total;    /* the source's size: the most a copy can reach */
} backup_watch;

static void *watch_backup(void *arg)
{
    backup_watch *w = arg;
    char a[32], b[32];
    pthread_mutex_lock(&w->lock);
    while (!w->done) {
        struct stat st;
        struct timespec until;
        if (stat(w->path, &st) == 0)
            progress("backing up: %s of at most %s",
                     fmt_bytes(a, sizeof a, (uint64_t)st.st_size),
                     fmt_bytes(b, sizeof b, w->total));
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 200 * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&w->done_cv, &w->lock, &until);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* Runs rill_backup, with a thread showing progress on a terminal. */
static int backup_run(const cli_cmd *c, rill *r, size_t total)
{
    backup_watch w = {.total = total};
    pthread_t th;
    int watching = 0;
    snprintf(w.path, sizeof w.path, "%s/data.mdb", c->dest);
    pthread_mutex_init(&w.lock, NULL);
    pthread_cond_init(&w.done_cv, NULL);
    if (progress_on())
        watching = pthread_create(&th, NULL, watch_backup, &w) == 0;
    int rc = rill_backup(r, c->dest, c->compact);
    pthread_mutex_lock(&w.lock);
    w.done = 1;
    pthread_cond_signal(&w.done_cv);
    pthread_mutex_unlock(&w.lock);
    if (watching)
        pthread_join(th, NULL);
    progress_clear();
    pthread_cond_destroy(&w.done_cv);
    pthread_mutex_destroy(&w.lock);
    return rc;
}

int cmd_backup(const cli_cmd *c)
{
    rill_stats_report *s;
    struct stat st;
    char size[32];
    rill *r = tool_open(c, OPEN_READ);
    if (!r)
        return EXIT_ERROR;
    int rc = rill_stats(&s, r);
    if (!rc) {
        rc = backup_run(c, r, s->file_bytes);
        rill_stats_report_free(s);
    }
    rill_close(r);
    if (rc)
        return tool_fail(rc, "backing up '%s' to '%s'", c->dir, c->dest);
    char path[4096];
    snprintf(path, sizeof path, "%s/data.mdb", c->dest);
    uint64_t bytes = stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
    printf("backed up %s to %s (%s, %s)\n", c->dir, c->dest,
           c->compact ? "compacted" : "not compacted",
           fmt_bytes(size, sizeof size, bytes));
    return EXIT_OK;
}
