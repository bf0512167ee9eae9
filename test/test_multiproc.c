/*
 * test_multiproc.c -- several processes producing to one directory at
 * once: every record present exactly once, each producer's records in
 * its own order within a partition, offsets dense from 0.
 */
#include "support.h"

#include <unistd.h>

enum { PRODUCERS = 4, PER_PRODUCER = 20000, PARTITIONS = 3 };

typedef struct prod_arg {
    const char *dir;
    int id;
    int go_fd;
} prod_arg;

typedef struct payload {
    uint32_t producer;
    uint32_t seq;
    uint8_t fill[40];
} payload;

static void payload_make(payload *p, uint32_t producer, uint32_t seq)
{
    uint64_t s = (uint64_t)producer << 32 | seq;
    p->producer = producer;
    p->seq = seq;
    fill_random(p->fill, sizeof p->fill, &s);
}

static int producer_main(void *arg)
{
    prod_arg *a = arg;
    char go;
    rill *r = open_sync(a->dir, RILL_SYNC_NONE);
    if (read(a->go_fd, &go, 1) != 1) /* start together */
        return 1;
    payload p[10];
    char keys[10][24];
    rill_message m[10];
    for (uint32_t seq = 0; seq < PER_PRODUCER;) {
        /* Alternate single records and batches of ten. */
        size_t n = (seq / 10) % 2 ? 10 : 1;
        for (size_t i = 0; i < n; i++, seq++) {
            payload_make(&p[i], (uint32_t)a->id, seq);
            snprintf(keys[i], sizeof keys[i], "p%d-k%u", a->id, seq % 11);
            m[i] = (rill_message){.topic = "shared",
                                  .partition = RILL_PARTITION_ANY,
                                  .key = keys[i],
                                  .key_len = strlen(keys[i]),
                                  .value = &p[i],
                                  .value_len = sizeof p[i]};
        }
        if (rill_produce_batch(r, m, n, NULL))
            return 2;
    }
    rill_close(r);
    return 0;
}

typedef struct tally {
    int64_t next_offset;
    int64_t last_seq[PRODUCERS]; /* within this partition */
    uint8_t *seen;               /* PRODUCERS * PER_PRODUCER */
    size_t total;
    int32_t partition;
    rill *r;
} tally;

static void tally_record(const rill_record *rec, void *arg)
{
    tally *t = arg;
    payload p, want;
    assert_int_equal(rec->offset, t->next_offset); /* dense */
    t->next_offset++;
    assert_int_equal(rec->value_len, sizeof p);
    memcpy(&p, rec->value, sizeof p);
    assert_true(p.producer < PRODUCERS && p.seq < PER_PRODUCER);
    payload_make(&want, p.producer, p.seq);
    assert_memory_equal(&p, &want, sizeof p); /* byte-exact */
    assert_true((int64_t)p.seq > t->last_seq[p.producer]); /* in order */
    t->last_seq[p.producer] = p.seq;
    size_t idx = (size_t)p.producer * PER_PRODUCER + p.seq;
    assert_int_equal(t->seen[idx], 0); /* exactly once */
    t->seen[idx] = 1;
    /* The key decides the partition, as Kafka's partitioner does. */
    int32_t part;
    char key[24];
    snprintf(key, sizeof key, "p%u-k%u", p.producer, p.seq % 11);
    assert_int_equal(rec->key_len, strlen(key));
    assert_memory_equal(rec->key, key, rec->key_len);
    ok(rill_partition_for_key(&part, t->r, "shared", key, strlen(key)));
    assert_int_equal(part, t->partition);
    t->total++;
}

static void four_processes_produce_concurrently(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "shared", PARTITIONS);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pids[PRODUCERS];
    prod_arg args[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++) {
        args[i] = (prod_arg){f->dir, i, fds[0]};
        pids[i] = spawn(producer_main, &args[i]);
    }
    char go[PRODUCERS];
    memset(go, 'g', sizeof go);
    assert_int_equal(write(fds[1], go, sizeof go), PRODUCERS);
    for (int i = 0; i < PRODUCERS; i++)
        assert_int_equal(wait_child(pids[i]), 0);
    close(fds[0]);
    close(fds[1]);

    uint8_t *seen = calloc(PRODUCERS * PER_PRODUCER, 1);
    size_t total = 0;
    for (int32_t p = 0; p < PARTITIONS; p++) {
        tally t = {.seen = seen, .partition = p, .r = f->r};
        for (int i = 0; i < PRODUCERS; i++)
            t.last_seq[i] = -1;
        read_partition(f->r, "shared", p, 0, SIZE_MAX, tally_record, &t);
        int64_t first, next;
        ok(rill_watermarks(&first, &next, f->r, "shared", p));
        assert_int_equal(first, 0);
        assert_int_equal(next, t.next_offset);
        assert_true(t.total > 0);
        total += t.total;
    }
    assert_int_equal(total, PRODUCERS * PER_PRODUCER);
    for (size_t i = 0; i < PRODUCERS * PER_PRODUCER; i++)
        assert_int_equal(seen[i], 1);
    free(seen);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(four_processes_produce_concurrently,
                                        fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
