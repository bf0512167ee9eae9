/*
 * handle.c -- the calls every module may make on an open-directory handle
 * (see handle.h): the entry check, and the handle's clock.
 */
#include "handle.h"

#include "error.h"

int rill_enter(rill *r)
{
    if (!r)
        return rill_err(RILL_EINVAL, "rill handle is NULL");
    return env_check(&r->env);
}

RILL_API int64_t rill_now_ms(rill *r)
{
    return r ? env_now_ms(&r->env) : rill_realtime_ms();
}
