/*
 * util.c -- clocks and small helpers shared by every module.
 */
#include "common.h"

#include "error.h"

#include <stdlib.h>
#include <time.h>

int64_t rill_monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t rill_monotonic_ms(void)
{
    return rill_monotonic_us() / 1000;
}

int64_t rill_realtime_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *rill_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

int options_adopt(void *defaults, size_t size, const void *given,
                  const char *type)
{
    size_t n;
    memcpy(&n, given, sizeof n);
    if (n == 0)
        return rill_err(RILL_EINVAL, "%s is not initialised (struct_size is "
                        "0): call %s_init first", type, type);
    if (n < sizeof n)
        return rill_err(RILL_EINVAL, "%s has a struct_size of %zu bytes",
                        type, n);
    if (n > size)
        return rill_err(RILL_EVERSION, "%s of %zu bytes comes from a newer "
                        "rill.h than this library (%zu bytes); link the "
                        "library it was built for", type, n, size);
    /* An older program's struct: its fields over the defaults, and the
     * defaults of the fields added since. */
    memcpy((char *)defaults + sizeof n, (const char *)given + sizeof n,
           n - sizeof n);
    return 0;
}
