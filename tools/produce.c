/*
 * produce.c -- rill produce: records from stdin, one per line, or one
 * whole file as a single value.
 *
 * Lines are gathered into chunks (up to CHUNK_RECORDS records or
 * CHUNK_BYTES bytes) and each chunk is one rill_produce_batch: one
 * transaction and one fsync per chunk instead of per line, in the order
 * read. A chunk is atomic, so an interrupted run has produced a prefix of
 * its input, never a partial chunk.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "out.h"
#include "tool.h"

#define CHUNK_RECORDS 1000
#define CHUNK_BYTES (4u << 20)

/* Where a line's key and value sit in the chunk's buffer. */
typedef struct line_ref {
    size_t key_off, key_len, val_off, val_len;
    int has_key;
} line_ref;

typedef struct producer {
    const cli_cmd *c;
    rill *r;
    rill_header headers[CLI_HEADERS_MAX];
    char *hkeys[CLI_HEADERS_MAX];
    char *buf; /* the chunk's keys and values */
    size_t used, cap;
    size_t n; /* records in the chunk */
    line_ref refs[CHUNK_RECORDS];
    rill_message msgs[CHUNK_RECORDS];
    rill_position pos[CHUNK_RECORDS];
    long long lines;    /* lines read */
    long long produced; /* records written */
} producer;

/* The --header options as rill headers; the keys need their own NUL. */
static int headers_init(producer *p)
{
    for (size_t i = 0; i < p->c->nheaders; i++) {
        const char *kv = p->c->headers[i], *eq = strchr(kv, '=');
        size_t kl = (size_t)(eq - kv);
        if (!(p->hkeys[i] = malloc(kl + 1)))
            return tool_error("out of memory");
        memcpy(p->hkeys[i], kv, kl);
        p->hkeys[i][kl] = '\0';
        p->headers[i] = (rill_header){p->hkeys[i], eq + 1, strlen(eq + 1)};
    }
    return EXIT_OK;
}

static rill_message message(const producer *p, const void *key,
                            size_t key_len, const void *value,
                            size_t value_len)
{
    return (rill_message){
        .topic = p->c->name,
        .partition = p->c->partition >= 0 ? p->c->partition
                                          : RILL_PARTITION_ANY,
        .key = key,
        .key_len = key_len,
        .value = value_len ? value : "", /* empty, not a tombstone */
        .value_len = value_len,
        .headers = p->headers,
        .header_count = p->c->nheaders,
    };
}

static void print_position(const rill_position *pos)
{
    printf("partition %d offset %lld\n", pos->partition,
           (long long)pos->offset);
}

/* Writes the chunk as one batch. */
static int flush(producer *p)
{
    if (p->n == 0)
        return EXIT_OK;
    for (size_t i = 0; i < p->n; i++) {
        const line_ref *l = &p->refs[i];
        const char *key = l->has_key ? p->buf + l->key_off : p->c->key;
        size_t key_len = l->has_key ? l->key_len : key ? strlen(key) : 0;
        p->msgs[i] = message(p, key, key_len, p->buf + l->val_off, l->val_len);
    }
    int rc = rill_produce_batch(p->r, p->msgs, p->n, p->pos);
    long long first = p->lines - (long long)p->n + 1;
    if (rc)
        return tool_fail(rc, "producing lines %lld-%lld to '%s'", first,
                         p->lines, p->c->name);
    for (size_t i = 0; p->c->verbose && i < p->n; i++)
        print_position(&p->pos[i]);
    p->produced += (long long)p->n;
    p->n = 0;
    p->used = 0;
    progress("produced %lld records", p->produced);
    return EXIT_OK;
}

static int append(producer *p, const char *data, size_t len, size_t *off)
{
    if (p->cap - p->used < len) {
        size_t cap = p->cap ? p->cap : 64 * 1024;
        while (cap - p->used < len)
            cap *= 2;
        char *b = realloc(p->buf, cap);
        if (!b)
            return tool_error("out of memory");
        p->buf = b;
        p->cap = cap;
    }
    if (len)
        memcpy(p->buf + p->used, data, len);
    *off = p->used;
    p->used += len;
    return EXIT_OK;
}

static const char *find(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; m <= n && i <= n - m; i++)
        if (!memcmp(hay + i, needle, m))
            return hay + i;
    return NULL;
}

/* Adds one line (without its newline) to the chunk. */
static int add_line(producer *p, const char *line, size_t len)
{
    line_ref *l = &p->refs[p->n];
    const char *value = line;
    memset(l, 0, sizeof *l);
    if (p->c->key_sep) {
        const char *sep = find(line, len, p->c->key_sep);
        if (!sep) {
            int rc = flush(p);
            return rc ? rc : tool_error("line %lld has no key separator "
                                        "'%s' (%lld record%s produced "
                                        "before it)", p->lines,
                                        p->c->key_sep, p->produced,
                                        p->produced == 1 ? "" : "s");
        }
        l->has_key = 1;
        l->key_len = (size_t)(sep - line);
        value = sep + strlen(p->c->key_sep);
        if (append(p, line, l->key_len, &l->key_off))
            return EXIT_ERROR;
    }
    l->val_len = len - (size_t)(value - line);
    if (append(p, value, l->val_len, &l->val_off))
        return EXIT_ERROR;
    p->n++;
    if (p->n == CHUNK_RECORDS || p->used >= CHUNK_BYTES)
        return flush(p);
    return EXIT_OK;
}

static int produce_lines(producer *p)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = EXIT_OK;
    while (rc == EXIT_OK && (len = getline(&line, &cap, stdin)) >= 0) {
        p->lines++;
        if (len > 0 && line[len - 1] == '\n')
            len--;
        rc = add_line(p, line, (size_t)len);
    }
    if (rc == EXIT_OK && ferror(stdin))
        rc = tool_error("reading stdin: %s", strerror(errno));
    if (rc == EXIT_OK)
        rc = flush(p);
    progress_clear();
    free(line);
    return rc;
}

/* Reads a whole file ("-": stdin), refusing one too big for a record. */
static int read_file(const char *path, char **data, size_t *len)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    struct stat st;
    size_t cap = 64 * 1024;
    int failed;
    *data = NULL;
    *len = 0;
    if (!f)
        return tool_error("cannot open '%s': %s", path, strerror(errno));
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
        if ((uint64_t)st.st_size > RILL_RECORD_BYTES_MAX)
            goto too_big;
        cap = (size_t)st.st_size + 1;
    }
    for (;;) {
        char *b = realloc(*data, cap);
        if (!b) {
            if (f != stdin)
                fclose(f);
            return tool_error("out of memory");
        }
        *data = b;
        *len += fread(*data + *len, 1, cap - *len, f);
        if (*len < cap || ferror(f))
            break;
        if (cap > RILL_RECORD_BYTES_MAX)
            goto too_big;
        cap *= 2;
    }
    failed = ferror(f);
    if (f != stdin)
        fclose(f);
    return failed ? tool_error("reading '%s' failed", path) : EXIT_OK;
too_big:
    if (f != stdin)
        fclose(f);
    return tool_error("'%s' is larger than a record can be (%u bytes)", path,
                      RILL_RECORD_BYTES_MAX);
}

static int produce_file(producer *p)
{
    char *data;
    size_t len;
    if (read_file(p->c->file, &data, &len)) {
        free(data);
        return EXIT_ERROR;
    }
    const char *key = p->c->key;
    rill_message m = message(p, key, key ? strlen(key) : 0, data, len);
    rill_position pos;
    int rc = rill_produce(p->r, &m, &pos);
    free(data);
    if (rc)
        return tool_fail(rc, "producing '%s' to '%s'", p->c->file,
                         p->c->name);
    if (p->c->verbose)
        print_position(&pos);
    return EXIT_OK;
}

int cmd_produce(const cli_cmd *c)
{
    producer *p = calloc(1, sizeof *p);
    if (!p)
        return tool_error("out of memory");
    p->c = c;
    int rc = headers_init(p);
    if (rc == EXIT_OK && !(p->r = tool_open(c, OPEN_WRITE)))
        rc = EXIT_ERROR;
    if (rc == EXIT_OK)
        rc = c->file ? produce_file(p) : produce_lines(p);
    rill_close(p->r);
    for (size_t i = 0; i < c->nheaders; i++)
        free(p->hkeys[i]);
    free(p->buf);
    free(p);
    return rc;
}
