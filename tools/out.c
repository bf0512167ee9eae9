/*
 * out.c -- tables, JSON, escaping and progress for the rill tool.
 *
 * JSON is written by hand as it goes (no document in memory), so a large
 * describe costs nothing extra; strings are escaped per RFC 8259, and
 * bytes that are not valid UTF-8 become U+FFFD so the output always
 * parses.
 */
#define _POSIX_C_SOURCE 200809L
#include "out.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- bytes ---- */

size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    if (n == 0)
        return 0;
    if (s[0] < 0x80)
        return 1;
    size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    if (len == 0 || s[0] > 0xf4 || n < len)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    /* overlong forms, surrogates and code points above U+10FFFF */
    if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
        (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
        return 0;
    return len;
}

void out_escaped(FILE *f, const void *p, size_t n)
{
    const unsigned char *s = p;
    size_t i = 0;
    while (i < n) {
        unsigned char ch = s[i];
        size_t len = utf8_seq_len(s + i, n - i);
        if (ch == '\\') {
            fputs("\\\\", f);
        } else if (ch == '\n' || ch == '\t' || ch == '\r') {
            fputc('\\', f);
            fputc(ch == '\n' ? 'n' : ch == '\t' ? 't' : 'r', f);
        } else if (len == 0 || ch < 0x20 || ch == 0x7f) {
            fprintf(f, "\\x%02x", ch);
        } else {
            fwrite(s + i, 1, len, f);
            i += len;
            continue;
        }
        i++;
    }
}

void out_base64(FILE *f, const void *p, size_t n)
{
    static const char abc[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *s = p;
    char quad[4];
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)s[i + 1] << 8;
        if (i + 2 < n)
            v |= s[i + 2];
        quad[0] = abc[v >> 18];
        quad[1] = abc[(v >> 12) & 63];
        quad[2] = i + 1 < n ? abc[(v >> 6) & 63] : '=';
        quad[3] = i + 2 < n ? abc[v & 63] : '=';
        fwrite(quad, 1, 4, f);
    }
}

int utf8_valid(const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0, len; i < n; i += len)
        if (!(len = utf8_seq_len(s + i, n - i)))
            return 0;
    return 1;
}

/* ---- tables ---- */

struct out_table {
    size_t ncols, ncells, cap;
    char **cells; /* row-major, headers first */
    char align[32];
    int failed;
};

/* A copy of s with unprintable bytes as \xHH. */
static char *printable_copy(const char *s)
{
    size_t n = strlen(s), k = 0;
    char *out = malloc(4 * n + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        size_t len = utf8_seq_len((const unsigned char *)s + i, n - i);
        if (len == 0 || ch < 0x20 || ch == 0x7f) {
            k += (size_t)sprintf(out + k, "\\x%02x", ch);
        } else {
            memcpy(out + k, s + i, len);
            k += len;
            i += len - 1;
        }
    }
    out[k] = '\0';
    return out;
}

static void table_add(out_table *t, const char *s)
{
    if (!t || t->failed)
        return;
    if (t->ncells == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        char **cells = realloc(t->cells, cap * sizeof *cells);
        if (!cells) {
            t->failed = 1;
            return;
        }
        t->cells = cells;
        t->cap = cap;
    }
    if (!(t->cells[t->ncells] = printable_copy(s)))
        t->failed = 1;
    else
        t->ncells++;
}

out_table *table_new(size_t ncols, const char *const *headers,
                     const char *align)
{
    out_table *t = calloc(1, sizeof *t);
    if (!t || ncols == 0 || ncols >= sizeof t->align) {
        free(t);
        return NULL;
    }
    t->ncols = ncols;
    snprintf(t->align, sizeof t->align, "%s", align);
    for (size_t i = 0; i < ncols; i++)
        table_add(t, headers[i]);
    return t;
}

void table_cell(out_table *t, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    if (!t)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    table_add(t, buf);
}

/* Display width: UTF-8 sequences count one column each. */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xc0) != 0x80;
    return w;
}

int table_print(out_table *t, FILE *f)
{
    if (!t)
        return -1;
    size_t w[32] = {0};
    for (size_t i = 0; i < t->ncells; i++) {
        size_t cw = width(t->cells[i]);
        if (cw > w[i % t->ncols])
            w[i % t->ncols] = cw;
    }
    for (size_t i = 0; i < t->ncells; i++) {
        size_t col = i % t->ncols, pad = w[col] - width(t->cells[i]);
        int right = t->align[col] == 'r', last = col == t->ncols - 1;
        if (right)
            fprintf(f, "%*s", (int)pad, "");
        fputs(t->cells[i], f);
        if (!right && !last)
            fprintf(f, "%*s", (int)pad, "");
        fputs(last || i == t->ncells - 1 ? "\n" : "  ", f);
    }
    int rc = t->failed ? -1 : 0;
    for (size_t i = 0; i < t->ncells; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t);
    return rc;
}

/* ---- JSON ---- */

/* n bytes as a JSON string; NUL bytes are \u0000 like any control. */
static void json_string(FILE *f, const void *s, size_t n)
{
    const unsigned char *p = s;
    fputc('"', f);
    for (size_t i = 0; i < n;) {
        size_t len = utf8_seq_len(p + i, n - i);
        if (p[i] == '"' || p[i] == '\\') {
            fputc('\\', f);
            fputc(p[i], f);
        } else if (p[i] == '\n' || p[i] == '\t' || p[i] == '\r') {
            fputs(p[i] == '\n' ? "\\n" : p[i] == '\t' ? "\\t" : "\\r", f);
        } else if (p[i] < 0x20 || p[i] == 0x7f) {
            fprintf(f, "\\u%04x", p[i]);
        } else if (len == 0) {
            fputs("\\ufffd", f);
        } else {
            fwrite(p + i, 1, len, f);
            i += len;
            continue;
        }
        i++;
    }
    fputc('"', f);
}

/* The comma and member name before a value. */
static void json_value(json_out *j, const char *key)
{
    if (!j->first[j->depth])
        fputc(',', j->f);
    j->first[j->depth] = 0;
    if (key) {
        json_string(j->f, key, strlen(key));
        fputc(':', j->f);
    }
}

void json_begin(json_out *j, FILE *f)
{
    memset(j, 0, sizeof *j);
    j->f = f;
    j->first[0] = 1;
}

void json_end(json_out *j)
{
    fputc('\n', j->f);
}

static void json_open(json_out *j, const char *key, char bracket)
{
    json_value(j, key);
    fputc(bracket, j->f);
    if (j->depth + 1 < JSON_DEPTH_MAX)
        j->first[++j->depth] = 1;
}

void json_object(json_out *j, const char *key)
{
    json_open(j, key, '{');
}

void json_array(json_out *j, const char *key)
{
    json_open(j, key, '[');
}

void json_close(json_out *j, char bracket)
{
    fputc(bracket, j->f);
    if (j->depth > 0)
        j->depth--;
}

void json_str(json_out *j, const char *key, const char *s)
{
    json_value(j, key);
    if (s)
        json_string(j->f, s, strlen(s));
    else
        fputs("null", j->f);
}

void json_strn(json_out *j, const char *key, const void *p, size_t n)
{
    json_value(j, key);
    json_string(j->f, p, n);
}

void json_base64(json_out *j, const char *key, const void *p, size_t n)
{
    json_value(j, key);
    fputc('"', j->f);
    out_base64(j->f, p, n);
    fputc('"', j->f);
}

void json_null(json_out *j, const char *key)
{
    json_value(j, key);
    fputs("null", j->f);
}

void json_int(json_out *j, const char *key, int64_t v)
{
    json_value(j, key);
    fprintf(j->f, "%lld", (long long)v);
}

void json_num(json_out *j, const char *key, double v)
{
    json_value(j, key);
    fprintf(j->f, "%.3f", v);
}

void json_bool(json_out *j, const char *key, int v)
{
    json_value(j, key);
    fputs(v ? "true" : "false", j->f);
}

/* ---- values for people ---- */

const char *fmt_bytes(char *buf, size_t len, uint64_t bytes)
{
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024 && u < 5) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%llu B", (unsigned long long)bytes);
    else
        snprintf(buf, len, "%.1f %s", v, units[u]);
    return buf;
}

const char *fmt_time(char *buf, size_t len, int64_t ms)
{
    struct tm tm;
    time_t secs = (time_t)(ms / 1000);
    if (ms <= 0 || !gmtime_r(&secs, &tm)) {
        snprintf(buf, len, "-");
        return buf;
    }
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%03dZ", (int)(ms % 1000));
    return buf;
}

/* ---- progress ---- */

int progress_on(void)
{
    static int on = -1;
    if (on < 0)
        on = isatty(STDERR_FILENO);
    return on;
}

void progress(const char *fmt, ...)
{
    static int64_t last;
    struct timespec ts;
    if (!progress_on())
        return;
    /* A terminal needs no more than ten updates a second. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    if (last && now - last < 100)
        return;
    last = now;
    va_list ap;
    va_start(ap, fmt);
    fputs("\r", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\033[K", stderr);
    va_end(ap);
    fflush(stderr);
}

void progress_clear(void)
{
    if (progress_on())
        fputs("\r\033[K", stderr);
}
