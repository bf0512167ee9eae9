/*
 * fuzz_cli_args.c -- the rill tool's argument parser on arbitrary argv.
 *
 * The input is split on NUL bytes into at most 64 arguments (argv[0] is
 * fixed). cli_parse must return 0 or 2, with a message exactly when it
 * returns 2, and never read outside its arguments.
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
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return 0;
}
