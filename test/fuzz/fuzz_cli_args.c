/*
 * fuzz_cli_args.c -- the rill tool's argument parser on arbitrary argv.
 *
 * The input is split on NUL bytes into at most 64 arguments (argv[0] is
 * fixed). cli_parse must return 0 or 2, with a message exactly when it
 * returns 2, and never read outside its arguments; what it accepts
 * (a consume format, a reset's --topic scopes) must read back cleanly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    static const char name[] = "rill";
    if (!(argv[argc] = malloc(sizeof name)))
        return 0;
    memcpy(argv[argc++], name, sizeof name);
    size_t start = 0;
    for (size_t i = 0; i <= size && argc <= MAX_ARGS; i++) {
        if (i < size && data[i] != '\0')
            continue;
        /* Each argument in its own allocation, so reads past one are seen. */
        char *a = malloc(i - start + 1);
        if (!a)
            break;
        memcpy(a, data + start, i - start);
        a[i - start] = '\0';
        argv[argc++] = a;
        start = i + 1;
    }
    argv[argc] = NULL;

    cli_cmd cmd;
    char err[256];
    int rc = cli_parse(argc, argv, &cmd, err, sizeof err);
    if (rc != 0 && rc != 2)
        abort();
    if ((rc == 2) != (err[0] != '\0'))
        abort();
    if (rc == 0 && cmd.command == CLI_CONSUME) {
        /* the format was accepted: it must tokenize to its end */
        const char *p = cmd.format;
        cli_fmt_tok t;
        do {
            cli_fmt_next(&p, &t);
            if (t.kind == CLI_FMT_BAD)
                abort();
        } while (t.kind != CLI_FMT_END);
    }
    for (size_t i = 0; rc == 0 && i < cmd.nscopes; i++) {
        /* an accepted --topic splits, and its partitions read to the end */
        size_t len;
        const char *parts;
        int32_t partition;
        int more;
        if (cli_scope_split(cmd.scopes[i], &len, &parts) || len == 0)
            abort();
        while (parts && (more = cli_scope_next(&parts, &partition)) != 0)
            if (more < 0 || partition < 0)
                abort();
    }
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return 0;
}
