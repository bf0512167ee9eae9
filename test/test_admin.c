/*
 * test_admin.c -- verify, stats and backup: a clean directory verifies;
 * bytes flipped inside a stored batch are reported by verify and by
 * consumers with topic, partition and offset, while the rest stays
 * readable; a backup taken while another process produces opens as a
 * rill directory holding everything committed before it began.
 */
#include "support.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

static void fill(rill *r, const char *topic, int32_t p, int n, const char *tag)
{
    for (int i = 0; i < n; i++) {
        char v[64];
        snprintf(v, sizeof v, "%s-%06d-payload-payload-payload", tag, i);
        rill_message m = {.topic = topic, .partition = p, .value = v,
                          .value_len = strlen(v)};
        ok(rill_produce(r, &m, NULL));
    }
}

typedef struct seen_problem {
    int count;
    char topic[64];
    int32_t partition;
    int64_t offset;
} seen_problem;

static void on_problem(void *opaque, const char *topic, int32_t partition,
                       int64_t offset, int err, const char *message)
{
    seen_problem *s = opaque;
    assert_int_equal(err, RILL_ECORRUPT);
    assert_true(strlen(message) > 0);
    s->count++;
    snprintf(s->topic, sizeof s->topic, "%s", topic);
    s->partition = partition;
    s->offset = offset;
}

static void clean_directory_verifies(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "a", 2);
    topic_new(f->r, "b", 1);
    fill(f->r, "a", 0, 100, "a0");
    fill(f->r, "a", 1, 50, "a1");
    fill(f->r, "b", 0, 10, "b0");
    rill_verify_report rep;
    seen_problem s = {0};
    ok(verify_into(f->r, NULL, on_problem, &s, &rep));
    assert_int_equal(s.count, 0);
    assert_int_equal(rep.topics, 2);
    assert_int_equal(rep.partitions, 3);
    assert_int_equal(rep.records, 160);
    assert_int_equal(rep.batches, 160);
    assert_int_equal(rep.problems, 0);
    ok(verify_into(f->r, "b", NULL, NULL, &rep));
    assert_int_equal(rep.records, 10);
    fails(RILL_EINVAL, rill_verify(NULL, f->r, "b d", NULL, NULL));

    rill_stats_report *st;
    ok(rill_stats(&st, f->r));
    assert_true(st->file_bytes > 0 && st->page_size >= 4096);
    assert_true(st->pages_used > 0 && st->pages_free < st->pages_used);
    assert_int_equal(st->topics, 2);
    assert_int_equal(st->batches, 160);
    rill_stats_report_free(st);
    fails(RILL_EINVAL, rill_stats(NULL, f->r));
}

/* A batch of several records where a verification chunk ends (every 2048
 * batches) must be read once, not reported as overlapping itself. */
static void verify_chunks_end_on_multi_record_batches(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 1);
    fill(f->r, "t", 0, 2047, "one");
    rill_message m[2] = {
        {.topic = "t", .partition = 0, .value = "a", .value_len = 1},
        {.topic = "t", .partition = 0, .value = "b", .value_len = 1}};
    ok(rill_produce_batch(f->r, m, 2, NULL));
    fill(f->r, "t", 0, 1, "last");
    rill_verify_report rep;
    ok(verify_into(f->r, NULL, NULL, NULL, &rep));
    assert_int_equal(rep.records, 2050);
    assert_int_equal(rep.batches, 2049);
}

/* Flips a byte of the stored record holding marker in dir's data.mdb:
 * in every copy of it, since freed pages may still hold an old one. */
static void flip_marker(const char *dir, const char *marker)
{
    char *path = path_join(dir, "data.mdb");
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    struct stat st;
    fstat(fd, &st);
    char *buf = malloc((size_t)st.st_size);
    assert_int_equal(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
    char *at = buf, *end = buf + st.st_size;
    int flipped = 0;
    while ((at = memmem(at, (size_t)(end - at), marker, strlen(marker)))) {
        char c = (char)(*at ^ 0x20);
        assert_int_equal(pwrite(fd, &c, 1, at - buf), 1);
        at++;
        flipped++;
    }
    assert_true(flipped > 0);
    close(fd);
    free(buf);
    free(path);
}

static void flipped_bytes_are_reported_and_the_rest_reads(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "t", 2);
    fill(f->r, "t", 0, 40, "good");
    fill(f->r, "t", 1, 20, "before");
    rill_message m = {.topic = "t", .partition = 1,
                      .value = "MARKER-to-corrupt", .value_len = 17};
    rill_position bad;
    ok(rill_produce(f->r, &m, &bad));
    fill(f->r, "t", 1, 20, "after");
    /* Corrupt a copy, never the live directory. */
    char *copy = path_join(f->dir, "copy");
    ok(rill_backup(f->r, copy, 0));
    flip_marker(copy, "MARKER-to-corrupt");
    rill *c;
    ok(rill_open(&c, copy, NULL));

    seen_problem s = {0};
    rill_verify_report rep;
    fails(RILL_ECORRUPT, verify_into(c, NULL, on_problem, &s, &rep));
    assert_int_equal(s.count, 1);
    assert_string_equal(s.topic, "t");
    assert_int_equal(s.partition, 1);
    assert_int_equal(s.offset, bad.offset);
    assert_int_equal(rep.records, 80);

    /* A consumer stops at it with a message naming it... */
    rill_consumer *cons;
    ok(rill_consumer_new(&cons, c, NULL));
    rill_topic_partition tp = {"t", 1, 0};
    ok(rill_assign(cons, &tp, 1));
    const rill_record *recs;
    size_t n;
    ok(rill_poll(cons, 0, &recs, &n));
    assert_int_equal(n, 20);
    fails(RILL_ECORRUPT, rill_poll(cons, 0, &recs, &n));
    char want[64];
    snprintf(want, sizeof want, "partition 1, batch at offset %lld",
             (long long)bad.offset);
    assert_non_null(strstr(rill_errmsg(), want));
    /* ...can seek past it, and the other partition is untouched. */
    ok(rill_seek(cons, "t", 1, bad.offset + 1));
    ok(rill_poll(cons, 0, &recs, &n));
    assert_int_equal(n, 20);
    ok(rill_consumer_close(cons));
    assert_int_equal(read_partition(c, "t", 0, 0, 100, NULL, NULL), 40);
    rill_close(c);
    free(copy);
}

typedef struct bg_arg {
    const char *dir;
} bg_arg;

static int produce_forever(void *p)
{
    bg_arg *a = p;
    rill *r = open_sync(a->dir, RILL_SYNC_NONE);
    for (int i = 0;; i++) {
        char v[32];
        snprintf(v, sizeof v, "bg-%d", i);
        rill_message m = {.topic = "live", .partition = 0, .value = v,
                          .value_len = strlen(v)};
        if (rill_produce(r, &m, NULL))
            return 1;
    }
}

static void backup_while_another_process_writes(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "live", 1);
    fill(f->r, "live", 0, 1000, "x");
    bg_arg a = {f->dir};
    pid_t pid = spawn(produce_forever, &a);
    /* Wait until the other process is writing. */
    int64_t first, before, after;
    do
        ok(rill_watermarks(&first, &before, f->r, "live", 0));
    while (before < 2000);
    char *copy = path_join(f->dir, "hot-copy");
    ok(rill_backup(f->r, copy, 1));
    ok(rill_watermarks(&first, &after, f->r, "live", 0));
    kill(pid, SIGKILL);
    wait_child(pid);
    fails(RILL_EEXIST, rill_backup(f->r, copy, 1));

    rill *c;
    ok(rill_open(&c, copy, NULL));
    int64_t copied;
    ok(rill_watermarks(&first, &copied, c, "live", 0));
    assert_true(copied >= before && copied <= after);
    assert_int_equal(read_partition(c, "live", 0, 0, SIZE_MAX, NULL, NULL),
                     (size_t)copied);
    ok(rill_verify(NULL, c, NULL, NULL, NULL));
    rill_close(c);
    free(copy);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        T(clean_directory_verifies),
        T(verify_chunks_end_on_multi_record_batches),
        T(flipped_bytes_are_reported_and_the_rest_reads),
        T(backup_while_another_process_writes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
