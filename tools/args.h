/*
 * args.h -- the rill tool's command line, parsed into a cli_cmd.
 *
 * cli_parse is pure: no printing, no exit, no I/O, no allocation, no
 * environment. Strings in the result point into argv. It is fuzzed
 * (test/fuzz/fuzz_cli_args.c), so every input must give 0 or 2 and a
 * message, never a crash.
 */
#ifndef RILL_TOOL_ARGS_H
#define RILL_TOOL_ARGS_H

#include <stddef.h>
#include <stdint.h>

/* Commands; CLI_TOPICS, CLI_GROUPS and CLI_DLT stand for a family in help
 * only. */
enum cli_command {
    CLI_MAIN = 0, /* help for the whole tool */
    CLI_HELP,
    CLI_VERSION,
    CLI_TOPICS,
    CLI_TOPICS_CREATE,
    CLI_TOPICS_LIST,
    CLI_TOPICS_DESCRIBE,
    CLI_TOPICS_ALTER,
    CLI_TOPICS_DELETE,
    CLI_PRODUCE,
    CLI_CONSUME,
    CLI_GROUPS,
    CLI_GROUPS_LIST,
    CLI_GROUPS_DESCRIBE,
    CLI_GROUPS_RESET,
    CLI_GROUPS_DELETE,
    CLI_VERIFY,
    CLI_STATS,
    CLI_BACKUP,
    CLI_DLT,
    CLI_DLT_REDRIVE,
    CLI_NCOMMANDS
};

/* Which topic settings were given (cli_topic_opts.set). */
enum {
    CLI_SET_PARTITIONS = 1 << 0,
    CLI_SET_RETENTION_MS = 1 << 1,
    CLI_SET_RETENTION_BYTES = 1 << 2,
    CLI_SET_COMPRESSION = 1 << 3,
    CLI_SET_COMPRESSION_LEVEL = 1 << 4,
    CLI_SET_CLEANUP = 1 << 5,
    CLI_SET_MAX_RECORD_BYTES = 1 << 6,
    CLI_SET_PARTITIONER = 1 << 7,
    CLI_SET_DELETE_RETENTION_MS = 1 << 8,
    CLI_SET_RETAIN_GROUPS = 1 << 9,
    CLI_SET_RETAIN_GROUPS_MAX_BYTES = 1 << 10
};

typedef struct cli_topic_opts {
    unsigned set; /* CLI_SET_* of the fields below that were given */
    int32_t partitions;
    int64_t retention_ms, retention_bytes, delete_retention_ms;
    int compression, compression_level, cleanup, partitioner;
    uint32_t max_record_bytes;
    const char *retain_groups; /* "" clears them */
    int64_t retain_groups_max_bytes;
} cli_topic_opts;

/* What groups describe shows, as kafka-consumer-groups.sh --describe. */
enum cli_view { CLI_VIEW_OFFSETS = 0, CLI_VIEW_MEMBERS, CLI_VIEW_STATE };

/* How consume prints keys, values and header values. */
enum cli_encoding { CLI_ENC_RAW = 0, CLI_ENC_ESCAPE = 1, CLI_ENC_BASE64 = 2 };

/* Where groups reset-offsets moves a group (-1: not given). */
enum cli_reset {
    CLI_RESET_EARLIEST,
    CLI_RESET_LATEST,
    CLI_RESET_DATETIME, /* reset_value: the time in ms */
    CLI_RESET_DURATION, /* reset_value: that long ago, in ms */
    CLI_RESET_OFFSET,   /* reset_value: the offset */
    CLI_RESET_SHIFT,    /* reset_value: added to the committed offset */
    CLI_RESET_CURRENT,  /* the committed offset, else the log's end */
    CLI_RESET_FILE      /* from_file's offsets */
};

#define CLI_HEADERS_MAX      64
#define CLI_SCOPES_MAX       64 /* --topic options */
#define CLI_ARGS_MAX         256
#define CLI_SYNC_DEFAULT     (-1)
#define CLI_OFFSET_BEGINNING (-2) /* --offset earliest */
#define CLI_OFFSET_END       (-1) /* --offset latest */

typedef struct cli_cmd {
    int command;     /* enum cli_command */
    int help_for;    /* CLI_HELP: the command to explain (CLI_MAIN: all);
                        on a usage error, the command whose --help to suggest */
    const char *dir; /* -d/--dir, or NULL (then RILL_DIR applies) */
    int json;
    const char *name; /* the TOPIC or GROUP operand, or NULL */
    const char *dest; /* backup's DEST */

    /* topics create / alter / delete */
    cli_topic_opts cfg;
    int if_exists, if_not_exists;

    /* produce */
    const char *key_sep, *key, *file;
    const char *headers[CLI_HEADERS_MAX]; /* "key=value" as given */
    size_t nheaders;
    int32_t partition; /* also consume; -1: any / all */
    int sync;          /* enum rill_sync_mode, or CLI_SYNC_DEFAULT */
    int verbose;

    /* consume (json also: one JSON object per record) */
    int from_beginning;
    int follow;      /* wait for records: the default, kept for scripts */
    int exit_at_end; /* stop once every partition was read to its end */
    int has_offset;
    int64_t offset; /* >= 0, CLI_OFFSET_BEGINNING or CLI_OFFSET_END */
    const char *group, *client_id;
    int64_t max;           /* consume (--max, --max-messages), dlt redrive;
                              -1: unlimited */
    int timeout_ms;        /* stop after this long without records; -1: never */
    const char *format;    /* validated; "%v\n" when not given */
    int encoding;          /* enum cli_encoding */
    const char *null_text; /* printed for a missing key or value */

    /* groups describe (all_groups also reset-offsets; verbose also) */
    int all_groups; /* every group; describe without GROUP too */
    int view;       /* enum cli_view */

    /* groups reset-offsets */
    int reset_to;        /* enum cli_reset */
    int64_t reset_value; /* see enum cli_reset */
    const char *from_file;
    const char *scopes[CLI_SCOPES_MAX]; /* --topic: TOPIC or TOPIC:P,P */
    size_t nscopes;
    int all_topics, export_csv, execute, dry_run;

    /* backup */
    int compact;
} cli_cmd;

/* Parses argv[1..argc-1] into *out. Returns 0, or 2 on a usage error with
 * a one-line message in err (out->help_for then names the command whose
 * help to suggest). Never prints, exits or allocates. */
int cli_parse(int argc, char **argv, cli_cmd *out, char *err, size_t errlen);

/* The names of a command as typed ("topics create"); "" for CLI_MAIN. */
const char *cli_command_name(int command);

/* ---- consume's --format ---- */

enum cli_fmt_kind { CLI_FMT_END, CLI_FMT_TEXT, CLI_FMT_FIELD, CLI_FMT_BAD };

typedef struct cli_fmt_tok {
    int kind;         /* enum cli_fmt_kind */
    const char *text; /* CLI_FMT_TEXT: bytes to print as they are */
    size_t len;
    char field; /* CLI_FMT_FIELD: one of "kvhpotTKV" */
} cli_fmt_tok;

/* Reads the next token of a format string from *p and advances *p: runs
 * of plain text, escapes (\n \t \r \0 \\) and placeholders (%k ... %%).
 * CLI_FMT_BAD for an unknown placeholder or escape (*p then points at it). */
void cli_fmt_next(const char **p, cli_fmt_tok *tok);

/* ---- values ---- */

/* Parses an ISO 8601 duration as Kafka's --by-duration takes it:
 * PnDTnHnMn.nS (letters in either case, at least one part, a fraction
 * only on seconds), such as PT10M or P1DT12H. No sign: a negative
 * duration is refused. Returns 0 and *ms, or -1. */
int cli_parse_duration(const char *s, int64_t *ms);

/* Splits a --topic value, TOPIC or TOPIC:P,P,...: *topic_len is the
 * topic's length and *parts the partition list (NULL for none). Returns
 * 0, or -1 when it is malformed (no topic, a partition outside
 * 0..RILL_PARTITIONS_MAX-1, an empty list or item). */
int cli_scope_split(const char *s, size_t *topic_len, const char **parts);

/* Reads the next partition of a checked list from *p: 1 and *partition,
 * or 0 at its end (-1 when malformed). */
int cli_scope_next(const char **p, int32_t *partition);

/* Parses an ISO 8601 time ("2024-05-01T12:00:00Z", with optional
 * fraction and a Z or +HH:MM zone; without a zone, UTC; a date alone
 * means its midnight UTC) or a plain count of milliseconds since the
 * epoch. Returns 0 and *ms, or -1. */
int cli_parse_time(const char *s, int64_t *ms);

#endif
