/*
 * producer.h -- the asynchronous batching producer (see producer.c); its
 * public calls are in rill.h.
 */
#ifndef RILL_PRODUCER_H
#define RILL_PRODUCER_H

#include "handle.h"

/* Closes (flushing) every producer still open on r, at rill_close. */
void producers_close_all(rill *r);

#endif
