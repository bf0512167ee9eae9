/*
 * out.h -- how the rill tool writes: aligned tables for people, JSON for
 * scripts, escaped or base64 bytes for records, progress on a terminal.
 */
#ifndef RILL_TOOL_OUT_H
#define RILL_TOOL_OUT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- tables ---- */

typedef struct out_table out_table;

/* A table with ncols columns named by headers; align has one letter per
 * column, 'l' or 'r'. NULL when out of memory (then every call below
 * accepts NULL and does nothing). */
out_table *table_new(size_t ncols, const char *const *headers,
                     const char *align);

/* Appends a cell; rows fill left to right. Bytes that are not printable
 * are shown as \xHH so a hostile name cannot move the cursor. */
void table_cell(out_table *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints the table with columns padded to their widest cell, then frees
 * it. Returns 0, or -1 when out of memory was met while filling it. */
int table_print(out_table *t, FILE *f);

/* ---- JSON ---- */

#define JSON_DEPTH_MAX 16

typedef struct json_out {
    FILE *f;
    int depth;
    unsigned char first[JSON_DEPTH_MAX]; /* no member written yet */
} json_out;

void json_begin(json_out *j, FILE *f);
void json_end(json_out *j); /* ends the document with a newline */
/* key is the member name inside an object, NULL inside an array. */
void json_object(json_out *j, const char *key);
void json_array(json_out *j, const char *key);
void json_close(json_out *j, char bracket);                 /* '}' or ']' */
void json_str(json_out *j, const char *key, const char *s); /* NULL: null */
/* A string of n bytes, NULs included (invalid UTF-8 becomes U+FFFD: check
 * with utf8_valid where the bytes must survive). */
void json_strn(json_out *j, const char *key, const void *p, size_t n);
void json_base64(json_out *j, const char *key, const void *p, size_t n);
void json_null(json_out *j, const char *key);
void json_int(json_out *j, const char *key, int64_t v);
void json_num(json_out *j, const char *key, double v);
void json_bool(json_out *j, const char *key, int v);

/* ---- bytes ---- */

/* The length of the valid UTF-8 sequence at s (1..4), or 0. */
size_t utf8_seq_len(const unsigned char *s, size_t n);

/* Whether all n bytes at p are valid UTF-8. */
int utf8_valid(const void *p, size_t n);

/* Writes bytes with control characters, DEL, invalid UTF-8 and the
 * backslash as C escapes (\n \t \r \\ \xHH); valid UTF-8 stays. */
void out_escaped(FILE *f, const void *p, size_t n);

/* Writes bytes as standard base64 with padding. */
void out_base64(FILE *f, const void *p, size_t n);

/* ---- values for people ---- */

/* "1.5 MiB"; plain "512 B" below a KiB. */
const char *fmt_bytes(char *buf, size_t len, uint64_t bytes);

/* "2024-05-01T12:00:00.000Z" (UTC), or "-" for 0. */
const char *fmt_time(char *buf, size_t len, int64_t ms);

/* ---- progress ---- */

/* Whether progress is shown: only when stderr is a terminal. */
int progress_on(void);
/* Rewrites the progress line on stderr (when progress_on). */
void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Clears the progress line. */
void progress_clear(void);

#endif
