/*
 * work_rill.h -- what the files of the rill system share: work_rill.c
 * (one process: produce, consume), work_rill_latency.c (latency) and
 * work_rill_group.c (rebalance, group-consume).
 */
#ifndef RILL_BENCH_WORK_RILL_H
#define RILL_BENCH_WORK_RILL_H

#include "bench.h"

#include <rill.h>

#define RILL_BENCH_TOPIC "bench"

/* Prints what failed with rill's message; returns -1. */
int rill_bench_fail(const char *what, int rc);

/* Opens dir with the default options but the sync mode (enum
 * bench_sync); with create, also creates the topic with partitions
 * partitions. Returns 0 or -1 (message printed). */
int rill_bench_open(rill **r, const char *dir, int sync, int partitions,
                    bool create);

/* Opens dir (sync as above) and creates the topic with tc. */
int rill_bench_open_topic(rill **r, const char *dir, int sync,
                          const rill_topic_config *tc);
/* n messages for partition 0 of the topic with values of vsize bytes
 * (value pointers unset), or NULL (message printed). */
rill_message *rill_bench_messages(size_t n, size_t vsize);
/* Checks that the partition holds offsets 0 .. want-1. */
int rill_bench_check_next(rill *r, uint64_t want);
/* The topic's stored bytes and batches (either may be NULL). */
int rill_bench_stored(rill *r, uint64_t *bytes, uint64_t *batches);

int rill_bench_parallel(const produce_params *p, const char *dir,
                        run_result *res);
int rill_bench_async(const produce_params *p, const char *dir,
                     run_result *res);
int rill_bench_txn(const produce_params *p, const char *dir,
                   run_result *res);
int rill_bench_steady(const produce_params *p, const char *dir,
                      run_result *res);

int rill_bench_latency(const latency_params *p, const char *dir,
                       run_result *res);
int rill_bench_rebalance(const rebalance_params *p, const char *dir,
                         run_result *res);
int rill_bench_group_prepare(const group_params *p, const char *dir);
int rill_bench_group_consume(const group_params *p, const char *dir,
                             run_result *res);

#endif
