/*
 * consume.c -- rill consume: print a topic's records with a format, or
 * as JSON lines.
 *
 * Without --group the partitions are assigned by hand; with one the
 * consumer subscribes like any member and commits like one: auto-commit
 * while it runs and a final commit when it closes. Like Kafka's console
 * consumer it waits for new records until it is stopped: by --max, by
 * --timeout-ms without records, by --exit-at-end once every partition
 * was read to its end (kcat's -e), by SIGINT or SIGTERM, or when the
 * reader of a pipe it prints to has gone. Polls are short slices, so
 * the signals (which only set a flag) end the loop promptly and the
 * consumer is always closed, committing its group.
 *
 * What is committed is what was printed: a poll may return more records
 * than --max still allows, and the consumer's position would then be
 * past records nobody saw, so those partitions are sought back to the
 * first record not printed before the consumer closes.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "out.h"
#include "tool.h"

#define POLL_SLICE_MS    100 /* how often a stop request is noticed */
#define MAX_POLL_RECORDS 500

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* A closed pipe is an error from fflush, so the group still commits. */
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- printing ---- */

static void put_bytes(const cli_cmd *c, const void *p, size_t n, int present)
{
    if (!present)
        fputs(c->null_text, stdout);
    else if (c->encoding == CLI_ENC_ESCAPE)
        out_escaped(stdout, p, n);
    else if (c->encoding == CLI_ENC_BASE64)
        out_base64(stdout, p, n);
    else
        fwrite(p, 1, n, stdout);
}

/* Headers as key=value,key=value; keys are text, escaped with values. */
static void put_headers(const cli_cmd *c, const rill_record *rec)
{
    for (size_t i = 0; i < rec->header_count; i++) {
        const rill_header *h = &rec->headers[i];
        if (i)
            putchar(',');
        if (c->encoding == CLI_ENC_ESCAPE)
            out_escaped(stdout, h->key, strlen(h->key));
        else
            fputs(h->key, stdout);
        putchar('=');
        put_bytes(c, h->value, h->value_len, h->value != NULL);
    }
}

static void put_field(const cli_cmd *c, const rill_record *rec, char field)
{
    switch (field) {
    case 'k':
        put_bytes(c, rec->key, rec->key_len, rec->key != NULL);
        break;
    case 'v':
        put_bytes(c, rec->value, rec->value_len, rec->value != NULL);
        break;
    case 'h':
        put_headers(c, rec);
        break;
    case 'p':
        printf("%d", rec->partition);
        break;
    case 'o':
        printf("%lld", (long long)rec->offset);
        break;
    case 't':
        printf("%lld", (long long)rec->timestamp_ms);
        break;
    case 'T':
        fputs(rec->topic, stdout);
        break;
    case 'K':
        printf("%lld", rec->key ? (long long)rec->key_len : -1LL);
        break;
    case 'V':
        printf("%lld", rec->value ? (long long)rec->value_len : -1LL);
        break;
    }
}

/* A key, value or header value in JSON: a string where the bytes are
 * valid UTF-8, else base64 under "<name>_base64", so every byte comes
 * back; null when absent. */
static void json_bytes(json_out *j, const char *name, const void *p, size_t n,
                       int present)
{
    char b64name[32];
    if (!present) {
        json_null(j, name);
    } else if (utf8_valid(p, n)) {
        json_strn(j, name, p, n);
    } else {
        snprintf(b64name, sizeof b64name, "%s_base64", name);
        json_base64(j, b64name, p, n);
    }
}

/* One record as one line of JSON. */
static void print_json(const rill_record *rec)
{
    json_out j;
    json_begin(&j, stdout);
    json_object(&j, NULL);
    json_str(&j, "topic", rec->topic);
    json_int(&j, "partition", rec->partition);
    json_int(&j, "offset", rec->offset);
    json_int(&j, "timestamp", rec->timestamp_ms);
    json_bytes(&j, "key", rec->key, rec->key_len, rec->key != NULL);
    json_bytes(&j, "value", rec->value, rec->value_len, rec->value != NULL);
    json_array(&j, "headers");
    for (size_t i = 0; i < rec->header_count; i++) {
        const rill_header *h = &rec->headers[i];
        json_object(&j, NULL);
        json_bytes(&j, "key", h->key, strlen(h->key), 1);
        json_bytes(&j, "value", h->value, h->value_len, h->value != NULL);
        json_close(&j, '}');
    }
    json_close(&j, ']');
    json_close(&j, '}');
    json_end(&j);
}

static void print_record(const cli_cmd *c, const rill_record *rec)
{
    const char *p = c->format;
    if (c->json) {
        print_json(rec);
        return;
    }
    cli_fmt_tok t;
    for (;;) {
        cli_fmt_next(&p, &t);
        if (t.kind == CLI_FMT_TEXT)
            fwrite(t.text, 1, t.len, stdout);
        else if (t.kind == CLI_FMT_FIELD)
            put_field(c, rec, t.field);
        else
            break; /* the end (the format was checked when parsed) */
    }
}

/* ---- the consumer ---- */

/* Where a partition assigned by hand starts. An explicit offset is kept
 * within the log, as Kafka's tools do. */
static int64_t start_offset(const cli_cmd *c, const rill_partition_info *p)
{
    if (c->from_beginning ||
        (c->has_offset && c->offset == CLI_OFFSET_BEGINNING))
        return RILL_OFFSET_BEGINNING;
    if (!c->has_offset || c->offset == CLI_OFFSET_END)
        return RILL_OFFSET_END;
    if (c->offset < p->first_offset)
        return p->first_offset;
    return c->offset > p->next_offset ? p->next_offset : c->offset;
}

static int assign(const cli_cmd *c, rill_consumer *cons,
                  const rill_topic_info *info)
{
    size_t n = c->partition >= 0 ? 1 : info->partition_count;
    rill_topic_partition *tps = calloc(n, sizeof *tps);
    if (!tps)
        return tool_error("out of memory");
    for (size_t i = 0; i < n; i++) {
        int32_t p = c->partition >= 0 ? c->partition : (int32_t)i;
        tps[i].topic = c->name;
        tps[i].partition = p;
        tps[i].offset = (size_t)p < info->partition_count
                            ? start_offset(c, &info->partitions[p])
                            : RILL_OFFSET_END; /* refused by rill_assign */
    }
    int rc = rill_assign(cons, tps, n);
    free(tps);
    return rc ? tool_fail(rc, "assigning '%s'", c->name) : EXIT_OK;
}

static int consumer_start(const cli_cmd *c, rill *r, rill_consumer **out)
{
    rill_topic_info *info;
    rill_consumer_options o;
    int rc = rill_topic_describe(&info, r, c->name);
    if (rc)
        return tool_fail(rc, "consuming '%s'", c->name);
    rill_consumer_options_init(&o);
    o.group_id = c->group;
    o.client_id = c->client_id ? c->client_id : "rill-consume";
    if (c->group) /* as Kafka's console consumer: new records, unless */
        o.auto_offset_reset =
            c->from_beginning ? RILL_RESET_EARLIEST : RILL_RESET_LATEST;
    if (c->max > 0 && c->max < MAX_POLL_RECORDS)
        o.max_poll_records = (unsigned)c->max;
    if ((rc = rill_consumer_new(out, r, &o))) {
        rill_topic_info_free(info);
        return tool_fail(rc, "creating a consumer");
    }
    if (c->group) {
        const char *topics[1] = {c->name};
        if ((rc = rill_subscribe(*out, topics, 1)))
            rc = tool_fail(rc, "subscribing group '%s' to '%s'", c->group,
                           c->name);
    } else {
        rc = assign(c, *out, info);
    }
    rill_topic_info_free(info);
    return rc;
}

/* Moves the partitions of the records not printed back to the first of
 * them, so the group's commit covers only what was printed. */
static int rewind_unprinted(rill_consumer *cons, const rill_record *recs,
                            size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int first = 1;
        for (size_t j = 0; j < i && first; j++)
            first = recs[j].partition != recs[i].partition;
        int rc = first ? rill_seek(cons, recs[i].topic, recs[i].partition,
                                   recs[i].offset)
                       : 0;
        if (rc)
            return tool_fail(rc, "rewinding partition %d", recs[i].partition);
    }
    return EXIT_OK;
}

/* Prints a poll's records (up to --max); *done when output must stop. */
static int print_batch(const cli_cmd *c, rill_consumer *cons,
                       const rill_record *recs, size_t n, int64_t *count,
                       int *done)
{
    size_t k = 0;
    while (k < n && (c->max < 0 || *count < c->max)) {
        print_record(c, &recs[k++]);
        ++*count;
    }
    int rc = k < n && c->group ? rewind_unprinted(cons, recs + k, n - k) : 0;
    if (fflush(stdout) != 0) {
        *done = 1;
        if (errno != EPIPE) /* a reader that went away is no error */
            return tool_error("writing the output: %s", strerror(errno));
    }
    return rc;
}

/* ---- the end of every partition (--exit-at-end) ---- */

/* The partitions read to their end at some point. A partition that got
 * there stays done, as with kcat's -e, so records that keep arriving
 * cannot hold the consumer forever. */
typedef struct end_state {
    unsigned char reached[RILL_PARTITIONS_MAX / 8];
} end_state;

/* Whether the group is settled without a partition for this member (more
 * members than partitions): then it has nothing to read to the end. */
static int nothing_assigned(const cli_cmd *c, rill *r, rill_consumer *cons)
{
    const char *me = rill_consumer_member_id(cons);
    rill_group_info *g;
    int settled = 0;
    if (!c->group || !*me || rill_group_describe(&g, r, c->group))
        return 0;
    for (size_t i = 0; i < g->member_count; i++)
        if (!strcmp(g->members[i].member_id, me))
            settled = !strcmp(g->state, "Stable") &&
                      g->members[i].assigned_count == 0;
    rill_group_info_free(g);
    return settled;
}

/* Sets *done once every partition assigned has been read to its end: its
 * position (resolved by a poll) reached the log's next offset. */
static int check_end(const cli_cmd *c, rill *r, rill_consumer *cons,
                     end_state *es, int *done)
{
    rill_topic_partition *tps;
    size_t n;
    int rc = rill_assignment(&tps, &n, cons);
    if (rc)
        return tool_fail(rc, "reading the assignment");
    int all = 1;
    for (size_t i = 0; i < n && rc == 0; i++) {
        int32_t p = tps[i].partition;
        unsigned char bit = (unsigned char)(1u << (p % 8));
        int64_t first, next = 0;
        if (es->reached[p / 8] & bit)
            continue;
        /* A position not resolved yet (negative) waits for a poll. */
        if (tps[i].offset >= 0 &&
            !(rc = rill_watermarks(&first, &next, r, tps[i].topic, p)) &&
            tps[i].offset >= next)
            es->reached[p / 8] |= bit;
        else
            all = 0;
    }
    rill_tps_free(tps, n);
    if (rc)
        return tool_fail(rc, "reading the end of '%s'", c->name);
    *done = n ? all : nothing_assigned(c, r, cons);
    return EXIT_OK;
}

/* Whether stdout is a pipe whose reader has gone (as `| head -5` does
 * once it has its lines): nothing more can be printed, and waiting for
 * records would hold the pipeline forever. Linux reports it as POLLERR
 * on the pipe's write end, other systems as POLLHUP. */
static int reader_gone(void)
{
    struct pollfd p = {STDOUT_FILENO, 0, 0};
    return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

static int consume_loop(const cli_cmd *c, rill *r, rill_consumer *cons,
                        int64_t *count)
{
    int idle = c->timeout_ms; /* -1: wait for records until stopped */
    int64_t last = now_ms();
    int done = 0, rc = EXIT_OK;
    end_state *es = NULL;
    if (c->exit_at_end && !(es = calloc(1, sizeof *es)))
        return tool_error("out of memory");
    while (!done && !stop_requested && (c->max < 0 || *count < c->max)) {
        int wait = POLL_SLICE_MS;
        if (idle >= 0) {
            int64_t left = last + idle - now_ms();
            wait = left <= 0 ? 0 : left < wait ? (int)left : wait;
        }
        const rill_record *recs;
        size_t n;
        if ((rc = rill_poll(cons, wait, &recs, &n))) {
            rc = tool_fail(rc, "consuming '%s'", c->name);
            break;
        }
        if (n > 0) {
            last = now_ms();
            if ((rc = print_batch(c, cons, recs, n, count, &done)))
                break;
        }
        if (es && !done && (rc = check_end(c, r, cons, es, &done)))
            break;
        if (n == 0 && idle >= 0 && now_ms() - last >= idle)
            break;
        if (n == 0 && reader_gone())
            break;
    }
    free(es);
    return rc;
}

int cmd_consume(const cli_cmd *c)
{
    rill_consumer *cons = NULL;
    int64_t count = 0;
    signals_install();
    rill *r = tool_open(c, c->group ? OPEN_WRITE : OPEN_READ);
    if (!r)
        return EXIT_ERROR;
    int rc = consumer_start(c, r, &cons);
    if (rc == EXIT_OK && c->max != 0)
        rc = consume_loop(c, r, cons, &count);
    int crc = rill_consumer_close(cons); /* the group's final commit */
    if (crc && rc == EXIT_OK)
        rc = tool_fail(crc, "committing the offsets of group '%s'",
                       c->group ? c->group : "");
    rill_close(r);
    if (progress_on())
        fprintf(stderr, "Processed a total of %lld messages\n",
                (long long)count);
    return rc;
}
