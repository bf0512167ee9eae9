/*
 * error.c -- the error table (generated from RILL_ERRNO_MAP) and the
 * per-thread detailed message.
 */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

static _Thread_local char errmsg[512];

RILL_API const char *rill_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
#define RILL_ERR_TEXT_(name, value, text)                                      \
    case value:                                                                \
        return text;
        RILL_ERRNO_MAP(RILL_ERR_TEXT_)
#undef RILL_ERR_TEXT_
    default:
        return "unknown error";
    }
}

RILL_API const char *rill_errmsg(void)
{
    return errmsg;
}

int rill_err(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errmsg, sizeof errmsg, fmt, ap);
    va_end(ap);
    return code;
}

int rill_err_wrap(int code, const char *fmt, ...)
{
    char detail[sizeof errmsg];
    va_list ap;
    memcpy(detail, errmsg, sizeof detail);
    va_start(ap, fmt);
    int n = vsnprintf(errmsg, sizeof errmsg, fmt, ap);
    va_end(ap);
    /* Append ": detail", truncating at the buffer's end. */
    size_t used = n < 0 ? 0 : RILL_MIN((size_t)n, sizeof errmsg - 1);
    const char *parts[2] = {": ", detail};
    for (int i = 0; i < 2; i++) {
        size_t len = RILL_MIN(strlen(parts[i]), sizeof errmsg - 1 - used);
        memcpy(errmsg + used, parts[i], len);
        used += len;
    }
    errmsg[used] = '\0';
    return code;
}

void rill_err_clear(void)
{
    errmsg[0] = '\0';
}

int rill_err_errno(int errnum, const char *what, const char *path)
{
    int code;
    switch (errnum) {
    case EACCES:
    case EPERM:
    case EROFS:
        code = RILL_EPERM;
        break;
    case ENOENT:
    case ENOTDIR:
        code = RILL_ENOTFOUND;
        break;
    case ENOSPC:
    case EDQUOT:
        code = RILL_EFULL;
        break;
    case ENOMEM:
        code = RILL_ENOMEM;
        break;
    case EEXIST:
        code = RILL_EEXIST;
        break;
    case EINVAL:
    case ENAMETOOLONG:
        code = RILL_EINVAL;
        break;
    default:
        code = RILL_EIO;
        break;
    }
    return rill_err(code, "%s '%s': %s", what, path, strerror(errnum));
}
