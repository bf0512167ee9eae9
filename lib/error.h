/*
 * error.h -- error codes and this thread's detailed message.
 *
 * The message is set where an error starts (rill_err), not at every level
 * above it; callers that only pass a code up return it unchanged.
 */
#ifndef RILL_ERROR_H
#define RILL_ERROR_H

#include "common.h"

/* Sets this thread's message from a printf format and returns code, so
 * that a failure reads: return rill_err(RILL_EINVAL, "...", ...). */
int rill_err(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Sets this thread's message to a formatted prefix, ": ", and the
 * message as it was (to add context such as a message's index). */
int rill_err_wrap(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Clears this thread's message (at the start of a public call that
 * succeeds, the old message must not linger as if it were current). */
void rill_err_clear(void);

/* Translates an errno value from a system call on path into a RILL_E*
 * code with a message naming what was being done. */
int rill_err_errno(int errnum, const char *what, const char *path);

#endif
