/*
 * extgroup.h -- groups run by a coordinator outside librill (see
 * extgroup.c); the public calls are in rill.h.
 */
#ifndef RILL_EXTGROUP_H
#define RILL_EXTGROUP_H

#include "handle.h"

/* Releases this process's coordinator lock (at rill_close): its external
 * groups' members are dead from then on. */
void extgroup_close(rill *r);

#endif
