/*
 * test_topic.c -- topic names, configuration, create/alter/delete,
 * list and describe.
 */
#include "support.h"

static void topic_names_follow_kafkas_rule(void **state)
{
    fixture *f = *state;
    char long_ok[250], too_long[251];
    memset(long_ok, 'a', 249);
    long_ok[249] = '\0';
    memset(too_long, 'b', 250);
    too_long[250] = '\0';
    const char *good[] = {"orders", "order-created", "a.b_c-D9", "...x",
                          long_ok};
    const char *bad[] = {"", ".", "..", "with space", "sla/sh", "ü",
                         "tab\t", too_long};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        ok(rill_topic_create(f->r, good[i], NULL));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        fails(RILL_EINVAL, rill_topic_create(f->r, bad[i], NULL));
    fails(RILL_EINVAL, rill_topic_create(f->r, NULL, NULL));
    fails(RILL_EINVAL, rill_topic_create(NULL, "x", NULL));
}

static void topic_create_twice_is_eexist(void **state)
{
    fixture *f = *state;
    ok(rill_topic_create(f->r, "orders", NULL));
    fails(RILL_EEXIST, rill_topic_create(f->r, "orders", NULL));
    assert_non_null(strstr(rill_errmsg(), "'orders'"));
}

static void topic_config_is_validated(void **state)
{
    fixture *f = *state;
    rill_topic_config c;
    rill_topic_config_init(&c);
    c.partitions = -1;
    fails(RILL_EINVAL, rill_topic_create(f->r, "t", &c));
    rill_topic_config_init(&c);
    c.partitions = RILL_PARTITIONS_MAX + 1;
    fails(RILL_EINVAL, rill_topic_create(f->r, "t", &c));
    rill_topic_config_init(&c);
    c.compression = 7;
    fails(RILL_EINVAL, rill_topic_create(f->r, "t", &c));
    rill_topic_config_init(&c);
    c.max_record_bytes = RILL_RECORD_BYTES_MAX + 1;
    fails(RILL_EINVAL, rill_topic_create(f->r, "t", &c));
    rill_topic_config_init(&c);
    c.retention_ms = -5;
    fails(RILL_EINVAL, rill_topic_create(f->r, "t", &c));
    rill_topic_config_init(&c);
    c.partitioner = 9;
    fails(RILL_EINVAL, rill_topic_create(f->r, "t", &c));
    /* A struct not from rill_topic_config_init is refused. */
    memset(&c, 0, sizeof c);
    fails(RILL_EINVAL, rill_topic_create(f->r, "t", &c));
    assert_non_null(strstr(rill_errmsg(), "rill_topic_config_init"));
    /* Zero partitions is refused, not taken for one, as in Kafka. */
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    fails(RILL_EINVAL, rill_topic_create(f->r, "t", &c));
    assert_non_null(strstr(rill_errmsg(), "partitions 0"));
    /* Every other zeroed field means its default. */
    c.partitions = 1;
    ok(rill_topic_create(f->r, "t", &c));
    rill_topic_config_init(&c);
    c.partitions = 0;
    fails(RILL_EINVAL, rill_topic_alter(f->r, "t", &c));
    rill_topic_info *info;
    ok(rill_topic_describe(&info, f->r, "t"));
    assert_int_equal(info->config.partitions, 1);
    assert_int_equal(info->config.retention_ms, -1);
    assert_int_equal(info->config.max_record_bytes, 1024 * 1024);
    assert_int_equal(info->config.cleanup_policy, RILL_CLEANUP_DELETE);
    rill_topic_info_free(info);
}

static void colliding_names_are_refused(void **state)
{
    fixture *f = *state;
    ok(rill_topic_create(f->r, "a.b_c", NULL));
    fails(RILL_EEXIST, rill_topic_create(f->r, "a_b.c", NULL));
    assert_non_null(strstr(rill_errmsg(), "collides with topic 'a.b_c'"));
    fails(RILL_EEXIST, rill_topic_create(f->r, "a_b_c", NULL));
    fails(RILL_EEXIST, rill_topic_create(f->r, "a.b.c", NULL));
    ok(rill_topic_create(f->r, "a.b_cd", NULL));
    ok(rill_topic_create(f->r, "abc", NULL));
    /* Once deleted, the name is free again. */
    ok(rill_topic_delete(f->r, "a.b_c"));
    ok(rill_topic_create(f->r, "a_b.c", NULL));
}

static void topic_list_and_describe(void **state)
{
    fixture *f = *state;
    rill_topic_config c;
    rill_topic_config_init(&c);
    c.partitions = 3;
    c.retention_ms = 86400000;
    c.compression = RILL_COMPRESSION_ZSTD;
    ok(rill_topic_create(f->r, "b-topic", &c));
    ok(rill_topic_create(f->r, "a-topic", NULL));
    char **names;
    size_t n;
    ok(rill_topic_list(&names, &n, f->r));
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "a-topic");
    assert_string_equal(names[1], "b-topic");
    rill_names_free(names, n);

    for (int i = 0; i < 10; i++) {
        rill_message m = {.topic = "b-topic", .partition = i % 2,
                          .value = "0123456789", .value_len = 10};
        ok(rill_produce(f->r, &m, NULL));
    }
    rill_topic_info *info;
    ok(rill_topic_describe(&info, f->r, "b-topic"));
    assert_string_equal(info->name, "b-topic");
    assert_int_equal(info->partition_count, 3);
    assert_int_equal(info->config.retention_ms, 86400000);
    assert_int_equal(info->config.compression, RILL_COMPRESSION_ZSTD);
    assert_true(info->created_ms > 0);
    for (int p = 0; p < 3; p++) {
        assert_int_equal(info->partitions[p].partition, p);
        assert_int_equal(info->partitions[p].first_offset, 0);
        int64_t want = p == 2 ? 0 : 5;
        assert_int_equal(info->partitions[p].next_offset, want);
        assert_int_equal(info->partitions[p].records, want);
        assert_int_equal(info->partitions[p].batches, want);
        assert_true((info->partitions[p].bytes > 0) == (want > 0));
    }
    rill_topic_info_free(info);
    fails(RILL_ENOTFOUND, rill_topic_describe(&info, f->r, "nope"));
    assert_null(info);
}

static void topic_alter_only_grows_partitions(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "orders", 2);
    for (int i = 0; i < 20; i++) {
        char key[32];
        snprintf(key, sizeof key, "order-%d", i);
        rill_message m = {.topic = "orders", .partition = RILL_PARTITION_ANY,
                          .key = key, .key_len = strlen(key),
                          .value = key, .value_len = strlen(key)};
        ok(rill_produce(f->r, &m, NULL));
    }
    rill_topic_info *before, *after;
    ok(rill_topic_describe(&before, f->r, "orders"));
    rill_topic_config c = before->config;
    c.partitions = 1;
    fails(RILL_EINVAL, rill_topic_alter(f->r, "orders", &c));
    c.partitions = 5;
    c.retention_bytes = 1 << 20;
    ok(rill_topic_alter(f->r, "orders", &c));
    ok(rill_topic_describe(&after, f->r, "orders"));
    assert_int_equal(after->partition_count, 5);
    assert_int_equal(after->config.retention_bytes, 1 << 20);
    for (int p = 0; p < 2; p++) /* old records stay where they were */
        assert_int_equal(after->partitions[p].next_offset,
                         before->partitions[p].next_offset);
    for (int p = 2; p < 5; p++)
        assert_int_equal(after->partitions[p].next_offset, 0);
    rill_topic_info_free(before);
    rill_topic_info_free(after);
    fails(RILL_ENOTFOUND, rill_topic_alter(f->r, "missing", &c));
    fails(RILL_EINVAL, rill_topic_alter(f->r, "orders", NULL));
}

static void topic_delete_removes_records(void **state)
{
    fixture *f = *state;
    topic_new(f->r, "gone", 2);
    topic_new(f->r, "kept", 1);
    for (int i = 0; i < 3000; i++) {
        rill_message m = {.topic = i % 3 ? "gone" : "kept",
                          .partition = i % 2 && i % 3 ? 1 : 0,
                          .value = "payload", .value_len = 7};
        ok(rill_produce(f->r, &m, NULL));
    }
    ok(rill_topic_delete(f->r, "gone"));
    fails(RILL_ENOTFOUND, rill_topic_delete(f->r, "gone"));
    rill_message m = {.topic = "gone", .partition = 0, .value = "x",
                      .value_len = 1};
    fails(RILL_ENOTFOUND, rill_produce(f->r, &m, NULL));
    /* Recreated under the same name it starts empty. */
    topic_new(f->r, "gone", 2);
    int64_t first, next;
    ok(rill_watermarks(&first, &next, f->r, "gone", 0));
    assert_int_equal(next, 0);
    ok(rill_watermarks(&first, &next, f->r, "gone", 1));
    assert_int_equal(next, 0);
    ok(rill_watermarks(&first, &next, f->r, "kept", 0));
    assert_int_equal(next, 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(topic_names_follow_kafkas_rule,
                                        fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(topic_create_twice_is_eexist,
                                        fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(topic_config_is_validated,
                                        fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(colliding_names_are_refused,
                                        fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(topic_list_and_describe,
                                        fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(topic_alter_only_grows_partitions,
                                        fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(topic_delete_removes_records,
                                        fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
