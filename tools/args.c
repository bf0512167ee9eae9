/*
 * args.c -- the rill tool's command line: commands, options and their
 * values, checked completely before anything touches a directory.
 *
 * Pure by design (see args.h): it is fuzzed, and a usage error must be
 * found before a command starts work it could not finish. Parsing takes
 * two steps: a scan that splits argv into operands and option uses (an
 * option's name alone says whether it takes a value, so the scan needs
 * no command), then, once the operands name a command, applying each
 * option use to it.
 */
#include "args.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <rill.h>

#define BIT(c) (1u << (c))
#define ALL    (~0u)
#define CFG    (BIT(CLI_TOPICS_CREATE) | BIT(CLI_TOPICS_ALTER))
#define JSON                                                                   \
    (BIT(CLI_TOPICS_LIST) | BIT(CLI_TOPICS_DESCRIBE) | BIT(CLI_STATS) |        \
     BIT(CLI_GROUPS_LIST) | BIT(CLI_GROUPS_DESCRIBE) | BIT(CLI_CONSUME))
#define PROD     BIT(CLI_PRODUCE)
#define CONS     BIT(CLI_CONSUME)
#define RESET    BIT(CLI_GROUPS_RESET)
#define DESCRIBE BIT(CLI_GROUPS_DESCRIBE)

/* Every option: id, long name, short name, takes a value, the commands
 * that accept it. Ids keep this order, and ranges of them pick the
 * function that applies them (see apply). */
#define OPTIONS(X)                                                             \
    X(O_DIR, "dir", 'd', 1, ALL)                                               \
    X(O_HELP, "help", 'h', 0, ALL)                                             \
    X(O_VERSION, "version", 'V', 0, BIT(CLI_MAIN) | BIT(CLI_VERSION))          \
    X(O_JSON, "json", 0, 0, JSON)                                              \
    X(O_PARTITIONS, "partitions", 0, 1, CFG)                                   \
    X(O_RETENTION_MS, "retention-ms", 0, 1, CFG)                               \
    X(O_RETENTION_BYTES, "retention-bytes", 0, 1, CFG)                         \
    X(O_COMPRESSION, "compression", 0, 1, CFG)                                 \
    X(O_COMPRESSION_LEVEL, "compression-level", 0, 1, CFG)                     \
    X(O_CLEANUP, "cleanup", 0, 1, CFG)                                         \
    X(O_MAX_RECORD_BYTES, "max-record-bytes", 0, 1, CFG)                       \
    X(O_PARTITIONER, "partitioner", 0, 1, CFG)                                 \
    X(O_DELETE_RETENTION_MS, "delete-retention-ms", 0, 1, CFG)                 \
    X(O_RETAIN_GROUPS, "retain-groups", 0, 1, CFG)                             \
    X(O_RETAIN_GROUPS_MAX_BYTES, "retain-groups-max-bytes", 0, 1, CFG)         \
    X(O_CONFIG, "config", 0, 1, CFG)                                           \
    X(O_IF_EXISTS, "if-exists", 0, 0,                                          \
      BIT(CLI_TOPICS_ALTER) | BIT(CLI_TOPICS_DELETE))                          \
    X(O_IF_NOT_EXISTS, "if-not-exists", 0, 0, BIT(CLI_TOPICS_CREATE))          \
    X(O_KEY_SEP, "key-separator", 0, 1, PROD)                                  \
    X(O_KEY, "key", 0, 1, PROD)                                                \
    X(O_FILE, "file", 0, 1, PROD)                                              \
    X(O_HEADER, "header", 0, 1, PROD)                                          \
    X(O_SYNC, "sync", 0, 1, PROD)                                              \
    X(O_VERBOSE, "verbose", 'v', 0, PROD | DESCRIBE)                           \
    X(O_PARTITION, "partition", 'p', 1, PROD | CONS)                           \
    X(O_FROM_BEGINNING, "from-beginning", 0, 0, CONS)                          \
    X(O_OFFSET, "offset", 0, 1, CONS)                                          \
    X(O_GROUP, "group", 'g', 1, CONS)                                          \
    X(O_CLIENT_ID, "client-id", 0, 1, CONS)                                    \
    X(O_MAX, "max", 'n', 1, CONS | BIT(CLI_DLT_REDRIVE))                       \
    X(O_MAX_MESSAGES, "max-messages", 0, 1, CONS)                              \
    X(O_FOLLOW, "follow", 'f', 0, CONS)                                        \
    X(O_EXIT_AT_END, "exit-at-end", 'e', 0, CONS)                              \
    X(O_TIMEOUT, "timeout-ms", 0, 1, CONS)                                     \
    X(O_FORMAT, "format", 0, 1, CONS)                                          \
    X(O_ESCAPE, "escape", 0, 0, CONS)                                          \
    X(O_BASE64, "base64", 0, 0, CONS)                                          \
    X(O_NULL, "null", 0, 1, CONS)                                              \
    X(O_ALL_GROUPS, "all-groups", 0, 0, DESCRIBE | RESET)                      \
    X(O_MEMBERS, "members", 0, 0, DESCRIBE)                                    \
    X(O_OFFSETS, "offsets", 0, 0, DESCRIBE)                                    \
    X(O_STATE, "state", 0, 0, DESCRIBE)                                        \
    X(O_TO_EARLIEST, "to-earliest", 0, 0, RESET)                               \
    X(O_TO_LATEST, "to-latest", 0, 0, RESET)                                   \
    X(O_TO_DATETIME, "to-datetime", 0, 1, RESET)                               \
    X(O_BY_DURATION, "by-duration", 0, 1, RESET)                               \
    X(O_TO_OFFSET, "to-offset", 0, 1, RESET)                                   \
    X(O_SHIFT_BY, "shift-by", 0, 1, RESET)                                     \
    X(O_TO_CURRENT, "to-current", 0, 0, RESET)                                 \
    X(O_FROM_FILE, "from-file", 0, 1, RESET)                                   \
    X(O_TOPIC, "topic", 't', 1, RESET)                                         \
    X(O_ALL_TOPICS, "all-topics", 0, 0, RESET)                                 \
    X(O_EXPORT, "export", 0, 0, RESET)                                         \
    X(O_EXECUTE, "execute", 0, 0, RESET)                                       \
    X(O_DRY_RUN, "dry-run", 0, 0, RESET)                                       \
    X(O_NO_COMPACT, "no-compact", 0, 0, BIT(CLI_BACKUP))

enum opt_id {
#define OPT_ID_(id, name, short_name, has_arg, cmds) id,
    OPTIONS(OPT_ID_)
#undef OPT_ID_
        O_COUNT
};

typedef struct opt_spec {
    int id;
    const char *name; /* long name, without "--" */
    const char *flag; /* with it, for messages */
    char short_name;  /* 0: none */
    int has_arg;
    unsigned cmds; /* BIT() of the commands that accept it */
} opt_spec;

static const opt_spec opts[] = {
#define OPT_SPEC_(id, name, short_name, has_arg, cmds)                         \
    {id, name, "--" name, short_name, has_arg, cmds},
    OPTIONS(OPT_SPEC_)
#undef OPT_SPEC_
};
#define NOPTS (sizeof opts / sizeof opts[0])

typedef struct cmd_spec {
    int id;
    const char *name;     /* as typed: "topics create" */
    int min_ops, max_ops; /* operands after the command's words */
    const char *operand;  /* its name in messages */
} cmd_spec;

static const cmd_spec cmds[] = {
    {CLI_HELP, "help", 0, 2, "COMMAND"},
    {CLI_VERSION, "version", 0, 0, NULL},
    {CLI_TOPICS_CREATE, "topics create", 1, 1, "TOPIC"},
    {CLI_TOPICS_LIST, "topics list", 0, 0, NULL},
    {CLI_TOPICS_DESCRIBE, "topics describe", 0, 1, "TOPIC"},
    {CLI_TOPICS_ALTER, "topics alter", 1, 1, "TOPIC"},
    {CLI_TOPICS_DELETE, "topics delete", 1, 1, "TOPIC"},
    {CLI_PRODUCE, "produce", 1, 1, "TOPIC"},
    {CLI_CONSUME, "consume", 1, 1, "TOPIC"},
    {CLI_GROUPS_LIST, "groups list", 0, 0, NULL},
    {CLI_GROUPS_DESCRIBE, "groups describe", 0, 1, "GROUP"},
    {CLI_GROUPS_RESET, "groups reset-offsets", 0, 1, "GROUP"},
    {CLI_GROUPS_DELETE, "groups delete", 1, 1, "GROUP"},
    {CLI_VERIFY, "verify", 0, 1, "TOPIC"},
    {CLI_STATS, "stats", 0, 0, NULL},
    {CLI_BACKUP, "backup", 1, 1, "DEST"},
    {CLI_DLT_REDRIVE, "dlt redrive", 1, 1, "TOPIC"},
};
#define NCMDS (sizeof cmds / sizeof cmds[0])

/* One use of an option, as scanned, or of a topic setting given with
 * --config KEY=VALUE (then spec is the setting's own option). */
typedef struct opt_use {
    const opt_spec *spec;
    const char *value; /* NULL when it takes none */
    const char *label; /* what messages call it: "--retention-ms" or
                          "retention.ms" */
} opt_use;

typedef struct scan_state {
    const char *ops[CLI_ARGS_MAX]; /* operands, command words included */
    size_t nops;
    opt_use uses[CLI_ARGS_MAX];
    size_t nuses;
    int help;
    char err[160]; /* the first scan error, reported unless --help */
} scan_state;

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return 2;
}

const char *cli_command_name(int command)
{
    if (command == CLI_TOPICS)
        return "topics";
    if (command == CLI_GROUPS)
        return "groups";
    if (command == CLI_DLT)
        return "dlt";
    for (size_t i = 0; i < NCMDS; i++)
        if (cmds[i].id == command)
            return cmds[i].name;
    return "";
}

static const cmd_spec *cmd_find(int id)
{
    for (size_t i = 0; i < NCMDS; i++)
        if (cmds[i].id == id)
            return &cmds[i];
    return NULL;
}

/* ---- scanning ---- */

static const opt_spec *opt_long(const char *name, size_t len)
{
    for (size_t i = 0; i < NOPTS; i++)
        if (strlen(opts[i].name) == len && !memcmp(opts[i].name, name, len))
            return &opts[i];
    return NULL;
}

static const opt_spec *opt_short(char c)
{
    for (size_t i = 0; i < NOPTS; i++)
        if (opts[i].short_name && opts[i].short_name == c)
            return &opts[i];
    return NULL;
}

/* Keeps the first error: the one a user fixes first. */
static int scan_error(scan_state *s, const char *fmt, const char *what)
{
    if (!s->err[0])
        snprintf(s->err, sizeof s->err, fmt, what);
    return -1;
}

/* Scans one option at argv[*i]; may take argv[*i + 1] as its value. */
static int scan_option(scan_state *s, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *value = NULL;
    const opt_spec *o;
    if (a[1] == '-') {
        const char *eq = strchr(a + 2, '=');
        size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        o = opt_long(a + 2, len);
        if (o && eq)
            value = eq + 1;
        if (o && eq && !o->has_arg)
            return scan_error(s, "option '--%s' takes no value", o->name);
    } else {
        o = opt_short(a[1]);
        if (o && a[2]) {
            if (!o->has_arg)
                return scan_error(s, "unknown option '%.40s'", a);
            value = a + 2;
        }
    }
    if (!o)
        return scan_error(s, "unknown option '%.40s'", a);
    if (o->has_arg && !value) {
        if (*i + 1 >= argc)
            return scan_error(s, "option '--%s' needs a value", o->name);
        value = argv[++*i];
    }
    if (o->id == O_HELP)
        s->help = 1;
    if (s->nuses == CLI_ARGS_MAX)
        return scan_error(s, "too many options%s", "");
    s->uses[s->nuses++] = (opt_use){o, value, o->flag};
    return 0;
}

static void scan(scan_state *s, int argc, char **argv)
{
    int options_done = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!a)
            break;
        if (!options_done && !strcmp(a, "--")) {
            options_done = 1;
        } else if (!options_done && a[0] == '-' && a[1]) {
            scan_option(s, argc, argv, &i);
        } else if (s->nops == CLI_ARGS_MAX) {
            scan_error(s, "too many arguments%s", "");
        } else {
            s->ops[s->nops++] = a;
        }
    }
}

/* ---- the command ---- */

/* The command named by ops[0..]: its id and how many words it took. A
 * family without a valid subcommand gives CLI_TOPICS, CLI_GROUPS or
 * CLI_DLT and an unknown word -1, each with a message in err. */
static int resolve(const char *const *ops, size_t nops, size_t *used, char *err,
                   size_t errlen)
{
    static const char *const family_cmds[] = {
        [CLI_TOPICS] = "create, list, describe, alter, delete",
        [CLI_GROUPS] = "list, describe, reset-offsets, delete",
        [CLI_DLT] = "redrive"};
    *used = 0;
    if (nops == 0)
        return CLI_MAIN;
    size_t len = strlen(ops[0]);
    for (size_t i = 0; i < NCMDS && !strchr(ops[0], ' '); i++) {
        const char *name = cmds[i].name;
        if (strncmp(name, ops[0], len) || (name[len] && name[len] != ' '))
            continue; /* the first word differs */
        if (!name[len] || (nops > 1 && !strcmp(name + len + 1, ops[1]))) {
            *used = name[len] ? 2 : 1;
            return cmds[i].id;
        }
    }
    int family = !strcmp(ops[0], "topics")   ? CLI_TOPICS
                 : !strcmp(ops[0], "groups") ? CLI_GROUPS
                 : !strcmp(ops[0], "dlt")    ? CLI_DLT
                                             : -1;
    if (family < 0) {
        fail(err, errlen, "unknown command '%.40s'", ops[0]);
        return -1;
    }
    *used = 1;
    if (nops > 1)
        fail(err, errlen, "unknown %s command '%.40s' (one of: %s)", ops[0],
             ops[1], family_cmds[family]);
    else
        fail(err, errlen, "%s: missing command (one of: %s)", ops[0],
             family_cmds[family]);
    return family;
}

/* consume's defaults, told apart from the same text given. */
static const char default_format[] = "%v\\n";
static const char default_null[] = "";

static void defaults(cli_cmd *out)
{
    memset(out, 0, sizeof *out);
    out->command = CLI_MAIN;
    out->help_for = CLI_MAIN;
    out->partition = -1;
    out->sync = CLI_SYNC_DEFAULT;
    out->max = -1;
    out->timeout_ms = -1;
    out->format = default_format;
    out->null_text = default_null;
    out->reset_to = -1;
    out->view = -1;
    out->compact = 1;
}

/* ---- values ---- */

/* A decimal integer, optionally negative, with nothing around it. */
static int parse_i64(const char *s, int64_t *out)
{
    int neg = *s == '-';
    uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    s += neg;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (v > (limit - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

static int number(const opt_use *u, int64_t min, int64_t max, int64_t *out,
                  char *err, size_t errlen)
{
    if (!parse_i64(u->value, out) && *out >= min && *out <= max)
        return 0;
    if (max == INT64_MAX)
        return fail(err, errlen,
                    "bad number '%.40s' for %s (expected "
                    "an integer >= %lld)",
                    u->value, u->label, (long long)min);
    return fail(err, errlen,
                "bad number '%.40s' for %s (expected "
                "%lld..%lld)",
                u->value, u->label, (long long)min, (long long)max);
}

/* The index of value in the NULL-terminated words, or a usage error. */
static int choice(const opt_use *u, const char *const *words, int *out,
                  const char *expected, char *err, size_t errlen)
{
    for (int i = 0; words[i]; i++)
        if (!strcmp(words[i], u->value)) {
            *out = i;
            return 0;
        }
    return fail(err, errlen, "bad value '%.40s' for %s (expected %s)", u->value,
                u->label, expected);
}

/* A retention limit: -1 for none, else positive. A zero is refused: the
 * library reads 0 as "the default", which is no limit at all. */
static int limit(const opt_use *u, int64_t *out, char *err, size_t errlen)
{
    if (!parse_i64(u->value, out) && (*out == -1 || *out > 0))
        return 0;
    return fail(err, errlen,
                "bad value '%.40s' for %s (expected -1 for "
                "no limit, or a number >= 1)",
                u->value, u->label);
}

/* The topic settings; their CLI_SET_* bits follow the options' order. */
_Static_assert(CLI_SET_RETAIN_GROUPS_MAX_BYTES ==
                   1u << (O_RETAIN_GROUPS_MAX_BYTES - O_PARTITIONS),
               "CLI_SET_* bits follow the topic settings' option order");
static int apply_topic_opt(cli_cmd *c, const opt_use *u, char *err,
                           size_t errlen)
{
    static const char *const compressions[] = {"none", "zstd", NULL};
    static const char *const cleanups[] = {
        "delete", "compact", "compact,delete", "delete,compact", NULL};
    static const char *const partitioners[] = {"murmur2", "crc32", NULL};
    cli_topic_opts *t = &c->cfg;
    int64_t v = 0;
    int rc = 0, i = 0;
    unsigned bit = 1u << (u->spec->id - O_PARTITIONS);
    if (t->set & bit) /* an option and --config for one setting */
        return fail(err, errlen, "%s: that setting was given already",
                    u->label);
    t->set |= bit;
    switch (u->spec->id) {
    case O_PARTITIONS:
        rc = number(u, 1, RILL_PARTITIONS_MAX, &v, err, errlen);
        t->partitions = (int32_t)v;
        break;
    case O_RETENTION_MS:
        return limit(u, &t->retention_ms, err, errlen);
    case O_RETENTION_BYTES:
        return limit(u, &t->retention_bytes, err, errlen);
    case O_COMPRESSION:
        return choice(u, compressions, &t->compression, "zstd or none", err,
                      errlen);
    case O_COMPRESSION_LEVEL:
        rc = number(u, -7, 22, &v, err, errlen);
        t->compression_level = (int)v;
        break;
    case O_CLEANUP:
        rc = choice(u, cleanups, &i, "delete, compact or compact,delete", err,
                    errlen);
        t->cleanup = i == 3 ? RILL_CLEANUP_COMPACT_DELETE : i + 1;
        break;
    case O_MAX_RECORD_BYTES:
        rc = number(u, 1, RILL_RECORD_BYTES_MAX, &v, err, errlen);
        t->max_record_bytes = (uint32_t)v;
        break;
    case O_PARTITIONER:
        return choice(u, partitioners, &t->partitioner, "murmur2 or crc32", err,
                      errlen);
    case O_DELETE_RETENTION_MS: /* 0 would mean the library's default */
        return number(u, 1, INT64_MAX, &t->delete_retention_ms, err, errlen);
    case O_RETAIN_GROUPS:
        t->retain_groups = u->value;
        break;
    case O_RETAIN_GROUPS_MAX_BYTES:
        return number(u, 1, INT64_MAX, &t->retain_groups_max_bytes, err,
                      errlen);
    }
    return rc;
}

/* The topic settings --config takes, by Kafka's names where Kafka has
 * the setting (kafka-configs.sh, kafka-topics.sh --config) and in the
 * same style for rill's own; topics describe prints the same names. */
static const struct config_key {
    const char *name;
    int opt;
} config_keys[] = {
    {"retention.ms", O_RETENTION_MS},
    {"retention.bytes", O_RETENTION_BYTES},
    {"cleanup.policy", O_CLEANUP},
    {"delete.retention.ms", O_DELETE_RETENTION_MS},
    {"max.message.bytes", O_MAX_RECORD_BYTES},
    {"compression.type", O_COMPRESSION},
    {"compression.level", O_COMPRESSION_LEVEL},
    {"partitioner", O_PARTITIONER},
    {"retain.groups", O_RETAIN_GROUPS},
    {"retain.groups.max.bytes", O_RETAIN_GROUPS_MAX_BYTES},
};

/* --config KEY=VALUE: the setting's own option, named by its key. */
static int apply_config(cli_cmd *c, const opt_use *u, char *err, size_t errlen)
{
    const char *eq = strchr(u->value, '=');
    size_t len = eq ? (size_t)(eq - u->value) : 0;
    if (!eq || !len)
        return fail(err, errlen,
                    "bad --config '%.40s' (expected KEY=VALUE, "
                    "such as retention.ms=86400000)",
                    u->value);
    for (size_t i = 0; i < sizeof config_keys / sizeof config_keys[0]; i++) {
        const struct config_key *k = &config_keys[i];
        if (strlen(k->name) != len || memcmp(k->name, u->value, len))
            continue;
        opt_use set = {&opts[k->opt], eq + 1, k->name};
        return apply_topic_opt(c, &set, err, errlen);
    }
    return fail(err, errlen,
                "unknown config '%.*s' (known: "
                "retention.ms, retention.bytes, cleanup.policy, "
                "delete.retention.ms, max.message.bytes, compression.type, "
                "compression.level, partitioner, retain.groups, "
                "retain.groups.max.bytes)",
                (int)(len > 40 ? 40 : len), u->value);
}

static int apply_header(cli_cmd *c, const opt_use *u, char *err, size_t errlen)
{
    const char *eq = strchr(u->value, '=');
    if (!eq || eq == u->value)
        return fail(err, errlen, "bad header '%.40s' (expected KEY=VALUE)",
                    u->value);
    if (eq - u->value > 255)
        return fail(err, errlen,
                    "header key of %d bytes is too long (at "
                    "most 255)",
                    (int)(eq - u->value));
    if (c->nheaders == CLI_HEADERS_MAX)
        return fail(err, errlen, "too many --header options (at most %d)",
                    CLI_HEADERS_MAX);
    c->headers[c->nheaders++] = u->value;
    return 0;
}

/* Checks a --format string by tokenizing it as consume will. */
static int check_format(const char *fmt, char *err, size_t errlen)
{
    cli_fmt_tok t;
    const char *p = fmt;
    do {
        cli_fmt_next(&p, &t);
        if (t.kind == CLI_FMT_BAD)
            return fail(err, errlen,
                        "bad --format: unknown %s '%.2s' (see "
                        "'rill consume --help')",
                        *p == '%' ? "placeholder" : "escape", p);
    } while (t.kind != CLI_FMT_END);
    return 0;
}

static int apply_consume_opt(cli_cmd *c, const opt_use *u, char *err,
                             size_t errlen)
{
    int64_t v;
    int rc = 0;
    switch (u->spec->id) {
    case O_OFFSET:
        c->has_offset = 1;
        if (!strcmp(u->value, "earliest"))
            c->offset = CLI_OFFSET_BEGINNING;
        else if (!strcmp(u->value, "latest"))
            c->offset = CLI_OFFSET_END;
        else if (parse_i64(u->value, &c->offset) || c->offset < 0)
            rc = fail(err, errlen,
                      "bad offset '%.40s' for --offset (expected "
                      "a number >= 0, earliest or latest)",
                      u->value);
        break;
    case O_MAX:
    case O_MAX_MESSAGES: /* Kafka's console consumer's name for --max */
        if (c->max >= 0)
            return fail(err, errlen,
                        "--max and --max-messages are one "
                        "option; give it once");
        rc = number(u, 0, INT64_MAX, &c->max, err, errlen);
        break;
    case O_TIMEOUT:
        rc = number(u, 0, 24 * 3600 * 1000, &v, err, errlen);
        c->timeout_ms = (int)v;
        break;
    case O_FORMAT:
        rc = check_format(u->value, err, errlen);
        c->format = u->value;
        break;
    case O_ESCAPE:
    case O_BASE64:
        if (c->encoding != CLI_ENC_RAW)
            return fail(err, errlen,
                        "--escape and --base64 exclude each "
                        "other");
        c->encoding = u->spec->id == O_ESCAPE ? CLI_ENC_ESCAPE : CLI_ENC_BASE64;
        break;
    }
    return rc;
}

#define TARGETS                                                                \
    "--to-earliest, --to-latest, --to-offset, --shift-by, --to-datetime, "     \
    "--by-duration, --to-current, --from-file"

static int apply_reset_opt(cli_cmd *c, const opt_use *u, char *err,
                           size_t errlen)
{
    static const int targets[] = {
        [O_TO_EARLIEST - O_TO_EARLIEST] = CLI_RESET_EARLIEST,
        [O_TO_LATEST - O_TO_EARLIEST] = CLI_RESET_LATEST,
        [O_TO_DATETIME - O_TO_EARLIEST] = CLI_RESET_DATETIME,
        [O_BY_DURATION - O_TO_EARLIEST] = CLI_RESET_DURATION,
        [O_TO_OFFSET - O_TO_EARLIEST] = CLI_RESET_OFFSET,
        [O_SHIFT_BY - O_TO_EARLIEST] = CLI_RESET_SHIFT,
        [O_TO_CURRENT - O_TO_EARLIEST] = CLI_RESET_CURRENT,
        [O_FROM_FILE - O_TO_EARLIEST] = CLI_RESET_FILE};
    int id = u->spec->id;
    size_t topic_len;
    const char *parts;
    if (id >= O_TO_EARLIEST && id <= O_FROM_FILE) {
        if (c->reset_to >= 0)
            return fail(err, errlen, "give one of " TARGETS);
        c->reset_to = targets[id - O_TO_EARLIEST];
    }
    switch (id) {
    case O_TO_DATETIME:
        if (cli_parse_time(u->value, &c->reset_value))
            return fail(err, errlen,
                        "bad time '%.40s' for --to-datetime "
                        "(expected e.g. 2024-05-01T12:00:00Z or epoch ms)",
                        u->value);
        return 0;
    case O_BY_DURATION:
        if (cli_parse_duration(u->value, &c->reset_value))
            return fail(err, errlen,
                        "bad duration '%.40s' for --by-duration "
                        "(expected PnDTnHnMnS, such as PT10M or P1DT12H; "
                        "not negative)",
                        u->value);
        return 0;
    case O_TO_OFFSET:
        return number(u, 0, INT64_MAX, &c->reset_value, err, errlen);
    case O_SHIFT_BY:
        if (parse_i64(u->value, &c->reset_value))
            return fail(err, errlen,
                        "bad number '%.40s' for --shift-by "
                        "(expected an integer, negative to go back)",
                        u->value);
        return 0;
    case O_FROM_FILE:
        if (!*u->value)
            return fail(err, errlen, "--from-file must not be empty");
        c->from_file = u->value;
        return 0;
    case O_TOPIC:
        if (cli_scope_split(u->value, &topic_len, &parts))
            return fail(err, errlen,
                        "bad --topic '%.40s' (expected TOPIC, "
                        "or TOPIC:P,P,... with partitions 0..%d)",
                        u->value, RILL_PARTITIONS_MAX - 1);
        if (c->nscopes == CLI_SCOPES_MAX)
            return fail(err, errlen, "too many --topic options (at most %d)",
                        CLI_SCOPES_MAX);
        c->scopes[c->nscopes++] = u->value;
        return 0;
    }
    return 0;
}

/* Options that only set a field: on/off flags (an int set to 1) and
 * strings (a pointer to the value, which may have to be non-empty). */
static const struct field_opt {
    int id;
    size_t field;
    int is_string, non_empty;
} field_opts[] = {
    {O_JSON, offsetof(cli_cmd, json), 0, 0},
    {O_IF_EXISTS, offsetof(cli_cmd, if_exists), 0, 0},
    {O_IF_NOT_EXISTS, offsetof(cli_cmd, if_not_exists), 0, 0},
    {O_VERBOSE, offsetof(cli_cmd, verbose), 0, 0},
    {O_FROM_BEGINNING, offsetof(cli_cmd, from_beginning), 0, 0},
    {O_FOLLOW, offsetof(cli_cmd, follow), 0, 0},
    {O_EXIT_AT_END, offsetof(cli_cmd, exit_at_end), 0, 0},
    {O_EXECUTE, offsetof(cli_cmd, execute), 0, 0},
    {O_ALL_GROUPS, offsetof(cli_cmd, all_groups), 0, 0},
    {O_ALL_TOPICS, offsetof(cli_cmd, all_topics), 0, 0},
    {O_EXPORT, offsetof(cli_cmd, export_csv), 0, 0},
    {O_DRY_RUN, offsetof(cli_cmd, dry_run), 0, 0},
    {O_DIR, offsetof(cli_cmd, dir), 1, 1},
    {O_KEY_SEP, offsetof(cli_cmd, key_sep), 1, 1},
    {O_KEY, offsetof(cli_cmd, key), 1, 0},
    {O_FILE, offsetof(cli_cmd, file), 1, 1},
    {O_GROUP, offsetof(cli_cmd, group), 1, 1},
    {O_CLIENT_ID, offsetof(cli_cmd, client_id), 1, 1},
    {O_NULL, offsetof(cli_cmd, null_text), 1, 0},
};

static int apply_field(cli_cmd *c, const opt_use *u, char *err, size_t errlen,
                       int *done)
{
    for (size_t i = 0; i < sizeof field_opts / sizeof field_opts[0]; i++) {
        const struct field_opt *f = &field_opts[i];
        void *field = (char *)c + f->field;
        if (f->id != u->spec->id)
            continue;
        *done = 1;
        if (f->non_empty && !*u->value)
            return fail(err, errlen, "--%s must not be empty", u->spec->name);
        if (f->is_string)
            *(const char **)field = u->value;
        else
            *(int *)field = 1;
        return 0;
    }
    return 0;
}

static int apply(cli_cmd *c, const opt_use *u, char *err, size_t errlen)
{
    static const char *const syncs[] = {"always", "interval", "none", NULL};
    int id = u->spec->id, done = 0;
    int64_t v;
    int rc = apply_field(c, u, err, errlen, &done);
    if (rc || done)
        return rc;
    switch (id) {
    case O_HELP:
        return 0;
    case O_HEADER:
        return apply_header(c, u, err, errlen);
    case O_CONFIG:
        return apply_config(c, u, err, errlen);
    case O_SYNC:
        return choice(u, syncs, &c->sync, "always, interval or none", err,
                      errlen);
    case O_VERSION:
        c->command = CLI_VERSION;
        return 0;
    case O_NO_COMPACT:
        c->compact = 0;
        return 0;
    case O_PARTITION:
        c->partition = 0;
        if (number(u, 0, RILL_PARTITIONS_MAX - 1, &v, err, errlen))
            return 2;
        c->partition = (int32_t)v;
        return 0;
    }
    if (id >= O_PARTITIONS && id <= O_RETAIN_GROUPS_MAX_BYTES)
        return apply_topic_opt(c, u, err, errlen);
    if (id <= O_NULL)
        return apply_consume_opt(c, u, err, errlen);
    if (id <= O_STATE) { /* groups describe's views */
        if (c->view >= 0)
            return fail(err, errlen,
                        "give one of --offsets, --members, "
                        "--state");
        c->view = id == O_MEMBERS ? CLI_VIEW_MEMBERS
                  : id == O_STATE ? CLI_VIEW_STATE
                                  : CLI_VIEW_OFFSETS;
        return 0;
    }
    return apply_reset_opt(c, u, err, errlen);
}

/* Applies every option use, refusing those the command does not take
 * and repeats (but --header, --config and --topic, which add one each
 * time). */
static int apply_all(cli_cmd *c, const scan_state *s, char *err, size_t errlen)
{
    unsigned seen[(O_COUNT + 31) / 32] = {0};
    for (size_t i = 0; i < s->nuses; i++) {
        const opt_spec *o = s->uses[i].spec;
        if (!(o->cmds & BIT(c->command)))
            return fail(err, errlen,
                        "option '--%s' does not apply to "
                        "'rill %s'",
                        o->name, cli_command_name(c->command));
        unsigned bit = 1u << (o->id % 32);
        if ((seen[o->id / 32] & bit) && o->id != O_HEADER &&
            o->id != O_CONFIG && o->id != O_TOPIC)
            return fail(err, errlen, "option '--%s' given twice", o->name);
        seen[o->id / 32] |= bit;
        int rc = apply(c, &s->uses[i], err, errlen);
        if (rc)
            return rc;
    }
    return 0;
}

/* reset-offsets: whose offsets, where to, and which partitions. */
static int check_reset(const cli_cmd *c, const char *name, char *err,
                       size_t errlen)
{
    if (c->reset_to < 0)
        return fail(err, errlen, "%s: give one of " TARGETS, name);
    if (!c->name == !c->all_groups)
        return fail(err, errlen, "%s: give a GROUP or --all-groups%s", name,
                    c->name ? ", not both" : "");
    if (c->nscopes && c->all_topics)
        return fail(err, errlen,
                    "%s: --topic and --all-topics exclude each "
                    "other",
                    name);
    if (c->from_file && (c->nscopes || c->all_topics))
        return fail(err, errlen,
                    "%s: --from-file names its partitions; it "
                    "cannot be combined with --%s",
                    name, c->nscopes ? "topic" : "all-topics");
    if (c->execute && c->dry_run)
        return fail(err, errlen,
                    "%s: --dry-run and --execute exclude each "
                    "other",
                    name);
    return 0;
}

/* Combinations no single option can judge. */
static int check_command(const cli_cmd *c, char *err, size_t errlen)
{
    const char *name = cli_command_name(c->command);
    if (c->command == CLI_TOPICS_CREATE && !(c->cfg.set & CLI_SET_PARTITIONS))
        return fail(err, errlen, "%s: --partitions N is required", name);
    if (c->command == CLI_TOPICS_ALTER && !c->cfg.set)
        return fail(err, errlen,
                    "%s: nothing to change (give --config "
                    "KEY=VALUE, --partitions N, --retention-ms MS, ...)",
                    name);
    if (c->command == CLI_PRODUCE && c->key_sep && (c->file || c->key))
        return fail(err, errlen,
                    "%s: --key-separator cannot be combined "
                    "with --%s",
                    name, c->file ? "file" : "key");
    if (c->command == CLI_CONSUME) {
        if (c->group && (c->partition >= 0 || c->has_offset))
            return fail(err, errlen,
                        "%s: --group cannot be combined with "
                        "--%s (a group assigns partitions and offsets)",
                        name, c->partition >= 0 ? "partition" : "offset");
        if (c->from_beginning && c->has_offset)
            return fail(err, errlen,
                        "%s: --from-beginning cannot be "
                        "combined with --offset",
                        name);
        if (c->follow && c->exit_at_end)
            return fail(err, errlen,
                        "%s: --follow and --exit-at-end "
                        "exclude each other",
                        name);
        if (c->json && (c->format != default_format || c->encoding ||
                        c->null_text != default_null))
            return fail(err, errlen,
                        "%s: --json prints every field as "
                        "JSON; it cannot be combined with --%s",
                        name,
                        c->format != default_format     ? "format"
                        : c->encoding == CLI_ENC_ESCAPE ? "escape"
                        : c->encoding == CLI_ENC_BASE64 ? "base64"
                                                        : "null");
    }
    if (c->command == CLI_GROUPS_DESCRIBE && c->name && c->all_groups)
        return fail(err, errlen,
                    "%s: give GROUP or --all-groups, not "
                    "both",
                    name);
    if (c->command == CLI_GROUPS_RESET)
        return check_reset(c, name, err, errlen);
    return 0;
}

/* Fills the command's operands, or says which is missing or extra. */
static int operands(cli_cmd *c, const char *const *ops, size_t n, char *err,
                    size_t errlen)
{
    const cmd_spec *spec = cmd_find(c->command);
    const char *name = cli_command_name(c->command);
    if ((int)n < spec->min_ops)
        return fail(err, errlen, "%s: missing %s", name, spec->operand);
    if ((int)n > spec->max_ops)
        return fail(err, errlen, "%s: unexpected argument '%.40s'", name,
                    ops[spec->max_ops]);
    if (n && c->command == CLI_BACKUP)
        c->dest = ops[0];
    else if (n)
        c->name = ops[0];
    return 0;
}

/* `rill help [COMMAND...]`: the command to explain. */
static int help_target(cli_cmd *c, const char *const *ops, size_t n, char *err,
                       size_t errlen)
{
    size_t used;
    int id = resolve(ops, n, &used, err, errlen);
    c->help_for = CLI_MAIN; /* the list of commands helps most */
    if (id < 0)
        return 2;
    if ((id == CLI_TOPICS || id == CLI_GROUPS || id == CLI_DLT) && n > 1) {
        c->help_for = id;
        return 2; /* an unknown subcommand, named in err */
    }
    if (n > used)
        return fail(err, errlen, "help: unexpected argument '%.40s'",
                    ops[used]);
    if (errlen)
        err[0] = '\0'; /* "topics" alone is a fine thing to ask about */
    c->command = CLI_HELP;
    c->help_for = id;
    return 0;
}

int cli_parse(int argc, char **argv, cli_cmd *out, char *err, size_t errlen)
{
    static scan_state zero;
    scan_state s = zero;
    size_t used;
    if (errlen)
        err[0] = '\0';
    defaults(out);
    scan(&s, argc, argv);
    int id = resolve(s.ops, s.nops, &used, err, errlen);
    out->help_for = id < 0 ? CLI_MAIN : id;
    if (s.help) { /* --help wins over every other mistake */
        out->command = CLI_HELP;
        if (errlen)
            err[0] = '\0';
        return 0;
    }
    if (s.err[0])
        return fail(err, errlen, "%s", s.err);
    if (id < 0 || id == CLI_TOPICS || id == CLI_GROUPS || id == CLI_DLT)
        return 2;
    if (id == CLI_HELP)
        return help_target(out, s.ops + used, s.nops - used, err, errlen);
    out->command = id;
    int rc = apply_all(out, &s, err, errlen);
    if (rc)
        return rc;
    if (out->command == CLI_MAIN)
        return fail(err, errlen, "no command given");
    if (out->command == CLI_VERSION)
        return 0;
    rc = operands(out, s.ops + used, s.nops - used, err, errlen);
    if (out->view < 0)
        out->view = CLI_VIEW_OFFSETS;
    return rc ? rc : check_command(out, err, errlen);
}

/* ---- consume's --format ---- */

void cli_fmt_next(const char **p, cli_fmt_tok *tok)
{
    static const char fields[] = "kvhpotTKV";
    static const char escapes[] = "ntr0\\";
    static const char unescaped[] = "\n\t\r\0\\";
    const char *s = *p;
    memset(tok, 0, sizeof *tok);
    if (!*s) {
        tok->kind = CLI_FMT_END;
        return;
    }
    if (*s == '%' || *s == '\\') {
        const char *set = *s == '%' ? fields : escapes;
        const char *hit = s[1] ? strchr(set, s[1]) : NULL;
        if (*s == '%' && s[1] == '%') {
            tok->kind = CLI_FMT_TEXT;
            tok->text = s;
            tok->len = 1;
        } else if (!hit) {
            tok->kind = CLI_FMT_BAD;
            return; /* *p stays at the bad sequence */
        } else if (*s == '%') {
            tok->kind = CLI_FMT_FIELD;
            tok->field = *hit;
        } else {
            tok->kind = CLI_FMT_TEXT;
            tok->text = &unescaped[hit - escapes];
            tok->len = 1;
        }
        *p = s + 2;
        return;
    }
    tok->kind = CLI_FMT_TEXT;
    tok->text = s;
    tok->len = strcspn(s, "%\\");
    *p = s + tok->len;
}

/* ---- times ---- */

/* Reads exactly n digits. */
static int digits(const char **s, int n, int *out)
{
    *out = 0;
    for (int i = 0; i < n; i++, (*s)++) {
        if (**s < '0' || **s > '9')
            return -1;
        *out = *out * 10 + (**s - '0');
    }
    return 0;
}

/* Days from 1970-01-01 to a proleptic Gregorian date (Hinnant's
 * days_from_civil), so no time zone database is consulted. */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return days[m - 1] + (m == 2 && leap);
}

/* The zone suffix: "", Z, +HH, +HHMM or +HH:MM; *offset in minutes. */
static int parse_zone(const char *s, int *offset)
{
    int hh, mm = 0;
    *offset = 0;
    if (!*s || ((*s == 'Z' || *s == 'z') && !s[1]))
        return 0;
    if (*s != '+' && *s != '-')
        return -1;
    int sign = *s++ == '-' ? -1 : 1;
    if (digits(&s, 2, &hh) || hh > 23)
        return -1;
    if (*s == ':')
        s++;
    if (*s && (digits(&s, 2, &mm) || mm > 59))
        return -1;
    *offset = sign * (hh * 60 + mm);
    return *s ? -1 : 0;
}

/* The time of day after the date: [THH:MM[:SS[.fff]]], in ms; *s is
 * left at the zone. */
static int parse_clock(const char **s, int64_t *ms)
{
    int h = 0, mi = 0, sec = 0, frac = 0, scale = 1000;
    *ms = 0;
    if (**s != 'T' && **s != 't' && **s != ' ')
        return 0;
    (*s)++;
    if (digits(s, 2, &h) || *(*s)++ != ':' || digits(s, 2, &mi))
        return -1;
    if (**s == ':' && ((*s)++, digits(s, 2, &sec)))
        return -1;
    if (**s == '.' || **s == ',') {
        (*s)++;
        if (**s < '0' || **s > '9')
            return -1;
        for (; **s >= '0' && **s <= '9'; (*s)++)
            if (scale > 1)
                frac = frac * 10 + (**s - '0'), scale /= 10;
        frac *= scale;
    }
    if (h > 23 || mi > 59 || sec > 59)
        return -1;
    *ms = ((int64_t)h * 3600 + mi * 60 + sec) * 1000 + frac;
    return 0;
}

int cli_parse_time(const char *s, int64_t *ms)
{
    int y, m, d, zone;
    int64_t clock;
    if (strlen(s) > 64)
        return -1;
    if (*s && strspn(s, "0123456789") == strlen(s))
        return parse_i64(s, ms);
    if (digits(&s, 4, &y) || *s++ != '-' || digits(&s, 2, &m) || *s++ != '-' ||
        digits(&s, 2, &d))
        return -1;
    if (m < 1 || m > 12 || d < 1 || d > month_days(y, m))
        return -1;
    if (parse_clock(&s, &clock) || parse_zone(s, &zone))
        return -1;
    *ms = days_from_civil(y, m, d) * 86400000 + clock - zone * 60000LL;
    return *ms < 0 ? -1 : 0;
}

/* ---- durations ---- */

/* The number at *s: digits, and for seconds a fraction (kept to ms). */
static int duration_part(const char **s, int64_t *whole, int64_t *ms)
{
    const char *p = *s;
    int scale = 100;
    *whole = *ms = 0;
    if (*p < '0' || *p > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (*whole > (INT64_MAX - 9) / 10)
            return -1;
        *whole = *whole * 10 + (*p - '0');
    }
    if (*p == '.' || *p == ',') {
        if (*++p < '0' || *p > '9')
            return -1;
        for (; *p >= '0' && *p <= '9'; p++, scale /= 10)
            *ms += scale ? (*p - '0') * scale : 0;
    }
    *s = p;
    return 0;
}

int cli_parse_duration(const char *s, int64_t *ms)
{
    static const char units[] = "DHMS";
    static const int64_t unit_ms[] = {86400000, 3600000, 60000, 1000};
    int in_time = 0, next = 0, parts = 0;
    int64_t total = 0;
    if (strlen(s) > 64 || (*s != 'P' && *s != 'p'))
        return -1;
    for (s++; *s;) {
        int64_t whole, frac;
        if (*s == 'T' || *s == 't') {
            if (in_time || !s[1])
                return -1;
            in_time = 1;
            next = next > 1 ? next : 1;
            s++;
            continue;
        }
        if (duration_part(&s, &whole, &frac))
            return -1;
        char unit = *s >= 'a' && *s <= 'z' ? (char)(*s - 32) : *s;
        const char *hit = unit ? strchr(units, unit) : NULL;
        int idx = hit ? (int)(hit - units) : -1;
        /* days before T, the rest after it, each once and in order;
         * a fraction only on seconds */
        if (idx < 0 || idx < next || (idx == 0) == in_time ||
            (frac && idx != 3))
            return -1;
        if (whole > (INT64_MAX - total - frac) / unit_ms[idx])
            return -1;
        total += whole * unit_ms[idx] + frac;
        next = idx + 1;
        parts++;
        s++;
    }
    *ms = total;
    return parts ? 0 : -1;
}

/* ---- --topic TOPIC:P,P ---- */

int cli_scope_next(const char **p, int32_t *partition)
{
    const char *s = *p;
    int32_t v = 0;
    size_t k = 0;
    if (!*s)
        return 0;
    for (; s[k] >= '0' && s[k] <= '9'; k++) {
        v = v * 10 + (s[k] - '0');
        if (v >= RILL_PARTITIONS_MAX)
            return -1;
    }
    if (k == 0 || (s[k] && s[k] != ',') || (s[k] == ',' && !s[k + 1]))
        return -1;
    *partition = v;
    *p = s + k + (s[k] == ',');
    return 1;
}

int cli_scope_split(const char *s, size_t *topic_len, const char **parts)
{
    const char *colon = strchr(s, ':');
    int32_t partition;
    int rc;
    *topic_len = colon ? (size_t)(colon - s) : strlen(s);
    *parts = colon ? colon + 1 : NULL;
    if (*topic_len == 0 || *topic_len > RILL_TOPIC_NAME_MAX)
        return -1;
    if (!colon)
        return 0;
    const char *p = colon + 1;
    int n = 0;
    while ((rc = cli_scope_next(&p, &partition)) > 0)
        n++;
    return rc < 0 || n == 0 ? -1 : 0;
}
