/*
 * dedup.h -- idempotent producing: per producer id, the sequence numbers
 * of its last calls and the positions they were given, so that a resend
 * after a crash is answered with the original offsets instead of being
 * written twice.
 */
#ifndef RILL_DEDUP_H
#define RILL_DEDUP_H

#include "env.h"

#define DEDUP_WINDOW 8          /* calls remembered per producer id */
#define DEDUP_ID_MAX 249

/* Looks sequence up for producer id in txn. A sequence above the last one
 * recorded is new (*duplicate false). One of the remembered calls is a
 * duplicate: its n positions go to out (n must match). Anything else is
 * RILL_ESEQUENCE. */
int dedup_check(rill_env *e, MDB_txn *txn, const char *id, uint64_t sequence,
                size_t n, rill_position *out, bool *duplicate);

/* Records a new call's sequence and positions, forgetting the oldest
 * beyond the window. */
int dedup_record(rill_env *e, MDB_txn *txn, const char *id,
                 uint64_t sequence, const rill_position *pos, size_t n,
                 int64_t now_ms);

#endif
