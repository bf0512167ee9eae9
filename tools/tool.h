/*
 * tool.h -- what the rill tool's command modules share: exit codes,
 * opening the directory, reporting errors, and each command's entry.
 */
#ifndef RILL_TOOL_H
#define RILL_TOOL_H

#include <rill.h>
#include <rill_retry.h>

#include "args.h"

/* Exit codes scripts can rely on. */
enum { EXIT_OK = 0, EXIT_ERROR = 1, EXIT_USAGE = 2 };

/* How a command opens the directory: to look (read-only, so looking
 * never writes), to write into an existing one, or to write creating it
 * when missing (topics create only: a typo elsewhere must not leave a
 * new empty directory behind). */
enum { OPEN_READ = 0, OPEN_WRITE = 1, OPEN_CREATE = 2 };

/* Opens c->dir as mode says, with sync mode c->sync when writing.
 * Reports the failure on stderr and returns NULL. */
rill *tool_open(const cli_cmd *c, int mode);

/* Reports a failed rill call: "rill: <context>: <detail>", the detail
 * being rill_errmsg() (or the error's text). Returns EXIT_ERROR. */
int tool_fail(int err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Reports any other error the same way. Returns EXIT_ERROR. */
int tool_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The usage text of a command (CLI_MAIN: the whole tool). */
const char *help_text(int command);

/* The commands; each returns an exit code. */
int cmd_topics(const cli_cmd *c);
int cmd_produce(const cli_cmd *c);
int cmd_consume(const cli_cmd *c);
int cmd_groups(const cli_cmd *c);
int cmd_verify(const cli_cmd *c);
int cmd_stats(const cli_cmd *c);
int cmd_backup(const cli_cmd *c);
int cmd_dlt(const cli_cmd *c);

#endif
