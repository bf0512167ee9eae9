/*
 * email_sender.c -- an e-mail sender with retries and a dead-letter
 * topic, as Spring Kafka's @RetryableTopic does it: it consumes
 * "email-requests" through a rill_retrier in group "email-sender". A
 * request that fails goes to "email-requests.retry-1" and is tried again
 * a second later, then through "email-requests.retry-2" two seconds
 * after that, and after its third failure to "email-requests.dlt", where
 * email_dlt_logger reports it. Other requests keep flowing meanwhile.
 *
 * The mail server is a stub: an address containing "bounce" always fails
 * (550), one containing "flaky" fails its first two tries (421), and one
 * without '@' fails for good at once (501, not retryable).
 *
 *   email_sender DIR [--samples] [--exit-when-idle MS] [--backoff-ms MS]
 *
 * --samples first queues a few requests; or queue your own, keyed by
 * address, with the rill tool:
 *
 *   echo 'ann@example.com:{"to":"ann@example.com","subject":"hi"}' |
 *       rill -d DIR produce email-requests --key-separator :
 *
 * It stops on SIGINT or SIGTERM, or once nothing came and nothing waited
 * for MS. --backoff-ms sets the first retry's wait (default 1000).
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rill.h>
#include <rill_retry.h>

#define TOPIC "email-requests"

enum { SMTP_TRY_LATER = 421, SMTP_BAD_ADDRESS = 501, SMTP_NO_MAILBOX = 550 };

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int fail(const char *what, int rc)
{
    fprintf(stderr, "email_sender: %s: %s: %s\n", what, rill_strerror(rc),
            rill_errmsg());
    return 1;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "Sends" one request (its key is the address): the retrier's handler.
 * Returns 0, or an SMTP reply code with its text in errmsg. */
static int send_email(void *opaque, const rill_record *rec, int attempt,
                      char *errmsg, size_t errlen)
{
    (void)opaque;
    char to[256];
    snprintf(to, sizeof to, "%.*s", (int)rec->key_len,
             rec->key ? (const char *)rec->key : "");
    int code = 0;
    if (!strchr(to, '@')) {
        code = SMTP_BAD_ADDRESS;
        snprintf(errmsg, errlen, "bad recipient address '%s'", to);
    } else if (strstr(to, "bounce")) {
        code = SMTP_NO_MAILBOX;
        snprintf(errmsg, errlen, "mailbox unavailable");
    } else if (strstr(to, "flaky") && attempt <= 2) {
        code = SMTP_TRY_LATER;
        snprintf(errmsg, errlen, "try again later");
    }
    if (code)
        printf("attempt %d to %s failed: %d %s\n", attempt, to, code, errmsg);
    else
        printf("attempt %d to %s: sent\n", attempt, to);
    return code;
}

/* Queues a few requests: some are sent at once, some on a retry, some
 * never. */
static int queue_samples(rill *r)
{
    static const char *const to[] = {
        "ann@example.com",   "flaky-bob@example.com", "carol@example.com",
        "bounce@example.com", "dave.example.com",     "erin@example.com"};
    for (size_t i = 0; i < sizeof to / sizeof to[0]; i++) {
        char body[256];
        int len = snprintf(body, sizeof body,
                           "{\"from\":\"shop@example.com\",\"to\":\"%s\","
                           "\"subject\":\"Your order shipped\"}", to[i]);
        rill_message m = {.topic = TOPIC, .partition = RILL_PARTITION_ANY,
                          .key = to[i], .key_len = strlen(to[i]),
                          .value = body, .value_len = (size_t)len};
        int rc = rill_produce(r, &m, NULL);
        if (rc)
            return rc;
    }
    return 0;
}

int main(int argc, char **argv)
{
    long long idle_ms = 0, backoff_ms = 1000;
    int samples = 0;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--samples"))
            samples = 1;
        else if (!strcmp(argv[i], "--exit-when-idle") && i + 1 < argc)
            idle_ms = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--backoff-ms") && i + 1 < argc)
            backoff_ms = atoll(argv[++i]);
        else
            argc = 0;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: email_sender DIR [--samples] "
                        "[--exit-when-idle MS] [--backoff-ms MS]\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    rill *r;
    int rc = rill_open(&r, argv[1], NULL);
    if (rc)
        return fail("open", rc);
    rill_topic_config c;
    rill_topic_config_init(&c);
    c.partitions = 3;
    if ((rc = rill_topic_create(r, TOPIC, &c)) && rc != RILL_EEXIST)
        return fail("create topic", rc);
    if (samples && (rc = queue_samples(r)))
        return fail("queue samples", rc);

    /* Three tries in all, 1 s then 2 s apart; a bad address at once to
     * the dead-letter topic. */
    static const int never_again[] = {SMTP_BAD_ADDRESS};
    rill_retrier_options p;
    rill_retrier_options_init(&p);
    p.max_attempts = 3;
    p.initial_backoff_ms = backoff_ms;
    p.multiplier = 2.0;
    p.not_retryable = never_again;
    p.not_retryable_count = 1;
    rill_retrier *rt;
    if ((rc = rill_retrier_new(&rt, r, "email-sender", TOPIC, &p, send_email,
                               NULL)))
        return fail("retrier", rc);
    long long last = now_ms();
    rill_retrier_report *st;
    while (!stop && (!idle_ms || now_ms() - last < idle_ms)) {
        size_t handled;
        if ((rc = rill_retrier_poll(rt, 100, &handled)))
            return fail("poll", rc);
        if ((rc = rill_retrier_stats(&st, rt)))
            return fail("stats", rc);
        if (handled || st->waiting)
            last = now_ms();
        rill_retrier_report_free(st);
    }
    if ((rc = rill_retrier_stats(&st, rt)))
        return fail("stats", rc);
    printf("email_sender: %lld tries: %lld sent, %lld retried, %lld "
           "dead-lettered\n", (long long)st->handled, (long long)st->succeeded,
           (long long)st->retried, (long long)st->dead_lettered);
    rill_retrier_report_free(st);
    rill_retrier_close(rt);
    rill_close(r);
    return 0;
}
