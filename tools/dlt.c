/*
 * dlt.c -- rill dlt redrive: dead letters back to their topics.
 *
 * One library call (rill_dlt_redrive) does the work in transactions with
 * its group's offsets, so an interrupted redrive is simply run again.
 */
#include <stdio.h>

#include "tool.h"

int cmd_dlt(const cli_cmd *c)
{
    size_t moved = 0;
    rill *r = tool_open(c, OPEN_WRITE);
    if (!r)
        return EXIT_ERROR;
    int rc = c->max == 0 ? 0
                         : rill_dlt_redrive(&moved, r, c->name,
                                            c->max < 0 ? 0 : (size_t)c->max);
    if (rc) {
        tool_fail(rc, "moving the records of '%s' back", c->name);
        if (moved)
            fprintf(stderr, "rill: %zu records were moved before that\n",
                    moved);
        rill_close(r);
        return EXIT_ERROR;
    }
    printf("moved %zu record%s from %s back to %s topic%s\n", moved,
           moved == 1 ? "" : "s", c->name, moved == 1 ? "its" : "their",
           moved == 1 ? "" : "s");
    rill_close(r);
    return EXIT_OK;
}
