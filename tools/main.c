/*
 * main.c -- the rill command-line tool: parses the command line, finds
 * the directory, and hands over to the command.
 *
 * Exit codes: 0 success, 1 an error while doing the work, 2 a usage
 * error (reported before any work, with a pointer to --help).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

rill *tool_open(const cli_cmd *c, int mode)
{
    rill_options o;
    rill *r;
    rill_options_init(&o);
    o.read_only = 1;
    int rc = mode == OPEN_CREATE ? 0 : rill_open(&r, c->dir, &o);
    if (rc == 0 && mode == OPEN_WRITE)
        rill_close(r); /* it exists: now open it for writing */
    if (rc == 0 && mode != OPEN_READ) {
        o.read_only = 0;
        if (c->sync != CLI_SYNC_DEFAULT)
            o.sync = c->sync;
        rc = rill_open(&r, c->dir, &o);
    }
    if (rc == RILL_ENOTFOUND) {
        tool_error("no rill directory at '%s'", c->dir);
        return NULL;
    }
    if (rc) {
        tool_fail(rc, "opening '%s'", c->dir);
        return NULL;
    }
    return r;
}

int tool_fail(int err, const char *fmt, ...)
{
    const char *detail = rill_errmsg();
    va_list ap;
    fputs("rill: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, ": %s\n", *detail ? detail : rill_strerror(err));
    return EXIT_ERROR;
}

int tool_error(const char *fmt, ...)
{
    va_list ap;
    fputs("rill: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return EXIT_ERROR;
}

static int usage_error(const char *msg, int help_for)
{
    const char *name = cli_command_name(help_for);
    fprintf(stderr, "rill: %s\nTry 'rill %s%s--help' for more information.\n",
            msg, name, *name ? " " : "");
    return EXIT_USAGE;
}

static int dispatch(const cli_cmd *c)
{
    switch (c->command) {
    case CLI_TOPICS_CREATE:
    case CLI_TOPICS_LIST:
    case CLI_TOPICS_DESCRIBE:
    case CLI_TOPICS_ALTER:
    case CLI_TOPICS_DELETE:
        return cmd_topics(c);
    case CLI_PRODUCE:
        return cmd_produce(c);
    case CLI_CONSUME:
        return cmd_consume(c);
    case CLI_GROUPS_LIST:
    case CLI_GROUPS_DESCRIBE:
    case CLI_GROUPS_RESET:
    case CLI_GROUPS_DELETE:
        return cmd_groups(c);
    case CLI_VERIFY:
        return cmd_verify(c);
    case CLI_STATS:
        return cmd_stats(c);
    case CLI_BACKUP:
        return cmd_backup(c);
    case CLI_DLT_REDRIVE:
        return cmd_dlt(c);
    }
    return usage_error("no command given", CLI_MAIN);
}

int main(int argc, char **argv)
{
    cli_cmd c;
    char err[256];
    if (cli_parse(argc, argv, &c, err, sizeof err))
        return usage_error(err, c.help_for);
    if (c.command == CLI_HELP) {
        fputs(help_text(c.help_for), stdout);
        return fflush(stdout) ? EXIT_ERROR : EXIT_OK;
    }
    if (c.command == CLI_VERSION) {
        printf("rill %s\n", rill_version());
        return EXIT_OK;
    }
    if (!c.dir) {
        const char *env = getenv("RILL_DIR");
        c.dir = env && *env ? env : NULL;
    }
    if (!c.dir)
        return usage_error("no directory: give -d DIR or set RILL_DIR",
                           c.command);
    int rc = dispatch(&c);
    if (fflush(stdout) && rc == EXIT_OK)
        rc = tool_error("writing the output failed");
    return rc;
}
