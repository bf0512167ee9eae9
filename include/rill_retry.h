/*
 * rill_retry.h -- retry topics and dead-letter topics on top of rill.h.
 *
 * A layer built on the public API alone (it could be a program of its
 * own), shipped in librill. Conventions, thread-safety words and errors
 * are rill.h's.
 */
#ifndef RILL_RETRY_H
#define RILL_RETRY_H

#include "rill.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Retries and dead letters
 *
 * Non-blocking retries, as Spring Kafka's @RetryableTopic does them. A
 * record whose handler fails is not retried in place (that would hold up
 * its partition) but moved to "<topic>.retry-1"; if it fails there, to
 * "<topic>.retry-2", and so on; after the last attempt it goes to the
 * dead-letter topic "<topic>.dlt". The retrier consumes the topic and its
 * retry topics in one group and tries a record from "<topic>.retry-n"
 * once its backoff has passed.
 *
 * Each retry topic has one backoff, so every record of a partition of
 * "<topic>.retry-n" waits the same time after it failed: due times grow
 * along the partition, and when its first record is not yet due, none
 * after it is. The retrier then pauses just that partition until the
 * record is due, while the topic and every other partition keep flowing.
 * (One retry topic with varying due times would hold a record due soon
 * behind one due later.)
 *
 * A failed record's move -- its copy into the next topic and the commit
 * of the offset past it in the topic it came from -- is one transaction:
 * a crash neither loses it nor moves it twice. Records the handler
 * accepted are committed after each round, so after a crash some are
 * handled again (at least once, as with any Kafka consumer).
 *
 * A moved record keeps its key, value and headers and gets its own
 * timestamp (the time it failed). These headers are added, replacing
 * earlier ones of the same name; their values are text, numbers in
 * decimal, times in ms since the epoch by the handle's clock
 * (rill_options.clock, so tests move time on instead of sleeping):
 *
 *   rill-retry-original-topic      the topic the record was produced to
 *   rill-retry-original-partition  and its partition, offset and
 *   rill-retry-original-offset     timestamp there (kept across retries)
 *   rill-retry-original-timestamp
 *   rill-retry-attempts            tries so far, all failed
 *   rill-retry-error-code          the handler's last error code
 *   rill-retry-error-message       and its message
 *   rill-retry-failed-at           when the last try failed
 *   rill-retry-due                 retry topics only: when to try again
 * ------------------------------------------------------------------------ */

#define RILL_RETRY_ATTEMPTS_MAX 100
#define RILL_RETRY_NOT_RETRYABLE_MAX 64

typedef struct rill_retrier_options {
    size_t struct_size;         /* set by rill_retrier_options_init */
    int max_attempts;           /* tries in all, the first included;
                                   1..RILL_RETRY_ATTEMPTS_MAX, default 3
                                   (two retry topics, then the DLT) */
    int64_t initial_backoff_ms; /* the wait before the second try; default
                                   1000 */
    double multiplier;          /* each later wait is this many times the
                                   one before; >= 1, default 2.0 */
    int64_t max_backoff_ms;     /* no wait is longer; default 30000 */
    const int *not_retryable;   /* handler error codes that go straight to
                                   the dead-letter topic (copied) */
    size_t not_retryable_count; /* at most RILL_RETRY_NOT_RETRYABLE_MAX */
    const char *retry_suffix;   /* default ".retry-" */
    const char *dlt_suffix;     /* default ".dlt" */
    const char *client_id;      /* the consumer's client id; NULL = the
                                   group id */
} rill_retrier_options;

/* Fills *p with the defaults above. Thread safety: safe. */
void rill_retrier_options_init(rill_retrier_options *o);

/* Handles one record: attempt is 1 for a record from the topic itself
 * and n + 1 for one from "<topic>.retry-n" (rec->topic names the topic it
 * was read from; the rill-retry-* headers say where it came from).
 * Returns 0 when the record is done with, or an error code of the
 * application's (positive numbers are best; a RILL_E* code is taken the
 * same way) and, optionally, a NUL-terminated message in errmsg (errlen
 * bytes, empty on entry). It may call rill, but not this retrier. */
typedef int (*rill_retry_handler)(void *opaque, const rill_record *rec,
                                  int attempt, char *errmsg, size_t errlen);

typedef struct rill_retrier rill_retrier; /* one thread at a time */

/* Creates a retrier for topic in group_id: creates "<topic><retry_suffix>1"
 * .. "<topic><retry_suffix>N" (N = max_attempts - 1) and
 * "<topic><dlt_suffix>" when missing, with the topic's partition count,
 * compression and a record limit 4 KiB above the topic's (for the
 * headers), and subscribes one consumer of group_id to the topic and its
 * retry topics (without auto-commit). The retry topics serve this group
 * alone: another group retrying the same topic needs other suffixes.
 * o may be NULL for the defaults; strings and the not_retryable list are
 * copied. Destroy it before closing r. Errors: RILL_EINVAL (bad argument
 * or options, a name too long), RILL_ENOTFOUND (no such topic), RILL_EPERM
 * (read-only), RILL_EFULL, RILL_ENOMEM. Thread safety: safe (on r). */
int rill_retrier_new(rill_retrier **out, rill *r, const char *group_id,
                     const char *topic, const rill_retrier_options *o,
                     rill_retry_handler h, void *opaque);

/* One round: resumes the retry partitions whose first record is now due,
 * polls (waiting up to timeout_ms, -1 forever, but never past the time
 * the next paused partition is due) and runs the handler on each record
 * in turn. A record from a retry topic that is not yet due is not
 * handled: its partition is paused until then and read again from it. A
 * failed record is moved to the next retry topic, or the dead-letter
 * topic after max_attempts tries or on a not_retryable code, in one
 * transaction with its topic's offset past it. At the end the offsets
 * past the handled records are committed. handled (may be NULL) receives
 * how many records the handler ran on. Partitions that moved to another
 * member meanwhile (RILL_EFENCED) are left to it, not reported.
 * Errors: those of rill_poll, rill_txn_begin, rill_txn_produce and
 * rill_txn_commit (the failed record is then read again next round) and
 * of rill_commit. Thread safety: handle. */
int rill_retrier_poll(rill_retrier *rt, int timeout_ms, size_t *handled);

typedef struct rill_retrier_report {
    int64_t handled;       /* handler runs */
    int64_t succeeded;     /* of them, returned 0 */
    int64_t retried;       /* moved to a retry topic */
    int64_t dead_lettered; /* moved to the dead-letter topic */
    size_t waiting;        /* retry partitions paused until due */
    int64_t next_due_ms;   /* the soonest of them is due, or -1 */
} rill_retrier_report;

/* This retrier's counts since it was created, in a report the caller
 * frees with rill_retrier_report_free. Errors: RILL_EINVAL, RILL_ENOMEM.
 * Thread safety: handle. */
int rill_retrier_stats(rill_retrier_report **out, rill_retrier *rt);
void rill_retrier_report_free(rill_retrier_report *rep);

/* Leaves the group and frees rt, whatever the outcome (the offsets of
 * every handled record were committed by its rounds); returns the error
 * of leaving (see rill_consumer_close). Accepts NULL.
 * Thread safety: handle. */
int rill_retrier_close(rill_retrier *rt);

/* Moves up to max records (0: all) of the dead-letter topic dlt_topic
 * back to the topics named in their rill-retry-original-topic header
 * (their original partition when it exists), without the rill-retry-*
 * headers, so they start again at attempt 1. Reads as a member of group
 * "<dlt_topic>-redrive", whose offsets commit in the same transaction as
 * the records they moved: running it again continues where it stopped
 * and never moves a record twice, even after a crash. Records without
 * the header are passed over (and stay in the dead-letter topic, as every
 * record does). *moved (may be NULL) receives the count moved.
 * Errors: RILL_EINVAL (a name too long), RILL_ENOTFOUND (dlt_topic, or a
 * record's original topic: nothing of that batch was moved), RILL_EBUSY
 * (another redrive of dlt_topic held partitions for 3 s), those of
 * rill_poll and rill_txn_commit. Thread safety: safe. */
int rill_dlt_redrive(size_t *moved, rill *r, const char *dlt_topic,
                     size_t max);

#ifdef __cplusplus
}
#endif

#endif /* RILL_RETRY_H */
