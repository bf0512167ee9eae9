/*
 * consume.h -- the top of the consumer (see consume.c); its public calls are in
 * rill.h.
 */
#ifndef RILL_CONSUME_H
#define RILL_CONSUME_H

#include "handle.h"

/* Closes every consumer of r (at rill_close) and frees the shells of the
 * closed ones. */
void consumers_free_all(rill *r);

#endif
