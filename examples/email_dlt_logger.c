/*
 * email_dlt_logger.c -- the dead-letter consumer of email_sender: it
 * reads "email-requests.dlt" in group "email-dlt-logger" and logs each
 * request that failed for good, with what the rill-retry-* headers say:
 * where it came from, how often it was tried, the last error. (A real
 * service would alert someone or keep the request for a person to look
 * at.) Once the cause is fixed, `rill dlt redrive email-requests.dlt`
 * sends them back to "email-requests" for another round of tries.
 *
 *   email_dlt_logger DIR [--exit-when-idle MS]
 *
 * It stops on SIGINT or SIGTERM, or after MS without records.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rill.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int fail(const char *what, int rc)
{
    fprintf(stderr, "email_dlt_logger: %s: %s: %s\n", what, rill_strerror(rc),
            rill_errmsg());
    return 1;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A header's value as text ("-" when missing), in buf. */
static const char *header(char *buf, size_t len, const rill_record *rec,
                          const char *key)
{
    const void *v;
    size_t vl;
    if (rill_record_header(&v, &vl, rec, key))
        return "-";
    snprintf(buf, len, "%.*s", (int)vl, (const char *)v);
    return buf;
}

static void log_dead_letter(const rill_record *rec)
{
    char topic[256], part[16], off[24], tries[16], code[16], msg[512];
    printf("gave up on %.*s (tries: %s): %s %s; it was %s/%s@%s\n",
           (int)rec->key_len, rec->key ? (const char *)rec->key : "",
           header(tries, sizeof tries, rec, "rill-retry-attempts"),
           header(code, sizeof code, rec, "rill-retry-error-code"),
           header(msg, sizeof msg, rec, "rill-retry-error-message"),
           header(topic, sizeof topic, rec, "rill-retry-original-topic"),
           header(part, sizeof part, rec, "rill-retry-original-partition"),
           header(off, sizeof off, rec, "rill-retry-original-offset"));
}

int main(int argc, char **argv)
{
    long long idle_ms = 0;
    if (argc == 4 && !strcmp(argv[2], "--exit-when-idle"))
        idle_ms = atoll(argv[3]);
    else if (argc != 2) {
        fprintf(stderr, "usage: email_dlt_logger DIR [--exit-when-idle MS]\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    rill *r;
    rill_consumer *c;
    int rc = rill_open(&r, argv[1], NULL);
    if (rc)
        return fail("open", rc);
    rill_consumer_options o;
    rill_consumer_options_init(&o);
    o.group_id = "email-dlt-logger";
    o.client_id = "email-dlt-logger";
    const char *topic = "email-requests.dlt";
    if ((rc = rill_consumer_new(&c, r, &o)) ||
        (rc = rill_subscribe(c, &topic, 1)))
        return fail("subscribe", rc);
    long long last = now_ms(), logged = 0;
    while (!stop && (!idle_ms || now_ms() - last < idle_ms)) {
        const rill_record *recs;
        size_t n;
        if ((rc = rill_poll(c, 100, &recs, &n)))
            return fail("poll", rc);
        for (size_t i = 0; i < n; i++)
            log_dead_letter(&recs[i]);
        if (n) {
            logged += (long long)n;
            last = now_ms();
        }
    }
    rill_consumer_close(c); /* commits what was logged */
    printf("email_dlt_logger: %lld dead letters\n", logged);
    rill_close(r);
    return 0;
}
