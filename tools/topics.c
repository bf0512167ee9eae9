/*
 * topics.c -- rill topics create | list | describe | alter | delete.
 *
 * alter changes only the settings given: rill_topic_alter replaces the
 * whole configuration, so the current one is read first and the options
 * are applied on top of it. Settings go by Kafka's config names
 * (retention.ms, cleanup.policy, max.message.bytes, ...) in --config and
 * in what describe prints, so one can be pasted into the other.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>

#include "out.h"
#include "tool.h"

static const char *cleanup_name(int policy)
{
    return policy == RILL_CLEANUP_COMPACT          ? "compact"
           : policy == RILL_CLEANUP_COMPACT_DELETE ? "compact,delete"
                                                   : "delete";
}

static const char *compression_name(int compression)
{
    return compression == RILL_COMPRESSION_ZSTD ? "zstd" : "none";
}

static const char *partitioner_name(int partitioner)
{
    return partitioner == RILL_PARTITIONER_CRC32 ? "crc32" : "murmur2";
}

/* Puts the settings given on the command line into cfg. */
static void apply_settings(rill_topic_config *cfg, const cli_topic_opts *o)
{
    if (o->set & CLI_SET_PARTITIONS)
        cfg->partitions = o->partitions;
    if (o->set & CLI_SET_RETENTION_MS)
        cfg->retention_ms = o->retention_ms;
    if (o->set & CLI_SET_RETENTION_BYTES)
        cfg->retention_bytes = o->retention_bytes;
    if (o->set & CLI_SET_COMPRESSION)
        cfg->compression =
            o->compression ? RILL_COMPRESSION_ZSTD : RILL_COMPRESSION_NONE;
    if (o->set & CLI_SET_COMPRESSION_LEVEL)
        cfg->compression_level = o->compression_level;
    if (o->set & CLI_SET_CLEANUP)
        cfg->cleanup_policy = o->cleanup;
    if (o->set & CLI_SET_MAX_RECORD_BYTES)
        cfg->max_record_bytes = o->max_record_bytes;
    if (o->set & CLI_SET_PARTITIONER)
        cfg->partitioner =
            o->partitioner ? RILL_PARTITIONER_CRC32 : RILL_PARTITIONER_MURMUR2;
    if (o->set & CLI_SET_DELETE_RETENTION_MS)
        cfg->delete_retention_ms = o->delete_retention_ms;
    if (o->set & CLI_SET_RETAIN_GROUPS)
        cfg->retain_groups = *o->retain_groups ? o->retain_groups : NULL;
    if (o->set & CLI_SET_RETAIN_GROUPS_MAX_BYTES)
        cfg->retain_groups_max_bytes = o->retain_groups_max_bytes;
}

static int topic_create(const cli_cmd *c, rill *r)
{
    rill_topic_config cfg;
    rill_topic_config_init(&cfg);
    apply_settings(&cfg, &c->cfg);
    int rc = rill_topic_create(r, c->name, &cfg);
    if (rc == RILL_EEXIST && c->if_not_exists)
        return EXIT_OK;
    if (rc)
        return tool_fail(rc, "creating topic '%s'", c->name);
    printf("created topic %s with %d partition%s\n", c->name, cfg.partitions,
           cfg.partitions == 1 ? "" : "s");
    return EXIT_OK;
}

static int topic_alter(const cli_cmd *c, rill *r)
{
    rill_topic_info *info;
    int rc = rill_topic_describe(&info, r, c->name);
    if (rc == RILL_ENOTFOUND && c->if_exists)
        return EXIT_OK;
    if (rc)
        return tool_fail(rc, "reading topic '%s'", c->name);
    rill_topic_config cfg = info->config; /* every other field kept */
    apply_settings(&cfg, &c->cfg);
    rc = rill_topic_alter(r, c->name, &cfg);
    rill_topic_info_free(info);
    if (rc)
        return tool_fail(rc, "altering topic '%s'", c->name);
    printf("altered topic %s\n", c->name);
    return EXIT_OK;
}

static int topic_delete(const cli_cmd *c, rill *r)
{
    int rc = rill_topic_delete(r, c->name);
    if (rc == RILL_ENOTFOUND && c->if_exists)
        return EXIT_OK;
    if (rc)
        return tool_fail(rc, "deleting topic '%s'", c->name);
    printf("deleted topic %s\n", c->name);
    return EXIT_OK;
}

static int topic_list(const cli_cmd *c, rill *r)
{
    char **names;
    size_t n;
    int rc = rill_topic_list(&names, &n, r);
    if (rc)
        return tool_fail(rc, "listing topics");
    if (c->json) {
        json_out j;
        json_begin(&j, stdout);
        json_array(&j, NULL);
        for (size_t i = 0; i < n; i++)
            json_str(&j, NULL, names[i]);
        json_close(&j, ']');
        json_end(&j);
    } else {
        for (size_t i = 0; i < n; i++)
            printf("%s\n", names[i]);
    }
    rill_names_free(names, n);
    return EXIT_OK;
}

/* ---- describe ---- */

/* The settings by the names --config takes, each value a string it
 * takes too, as Kafka's describe of configs has them. */
static void configs_json(json_out *j, const rill_topic_config *cfg)
{
    char v[32];
    json_object(j, "configs");
    snprintf(v, sizeof v, "%lld", (long long)cfg->retention_ms);
    json_str(j, "retention.ms", v);
    snprintf(v, sizeof v, "%lld", (long long)cfg->retention_bytes);
    json_str(j, "retention.bytes", v);
    json_str(j, "cleanup.policy", cleanup_name(cfg->cleanup_policy));
    snprintf(v, sizeof v, "%lld", (long long)cfg->delete_retention_ms);
    json_str(j, "delete.retention.ms", v);
    snprintf(v, sizeof v, "%u", cfg->max_record_bytes);
    json_str(j, "max.message.bytes", v);
    json_str(j, "compression.type", compression_name(cfg->compression));
    snprintf(v, sizeof v, "%d", cfg->compression_level);
    json_str(j, "compression.level", v);
    json_str(j, "partitioner", partitioner_name(cfg->partitioner));
    json_str(j, "retain.groups", cfg->retain_groups ? cfg->retain_groups : "");
    snprintf(v, sizeof v, "%lld", (long long)cfg->retain_groups_max_bytes);
    json_str(j, "retain.groups.max.bytes", v);
    json_close(j, '}');
}

static void describe_json(json_out *j, const rill_topic_info *t)
{
    const rill_topic_config *cfg = &t->config;
    json_object(j, NULL);
    json_str(j, "name", t->name);
    json_int(j, "partition_count", (int64_t)t->partition_count);
    json_int(j, "created_ms", t->created_ms);
    json_object(j, "config");
    json_int(j, "partitions", cfg->partitions);
    json_int(j, "retention_ms", cfg->retention_ms);
    json_int(j, "retention_bytes", cfg->retention_bytes);
    json_str(j, "cleanup_policy", cleanup_name(cfg->cleanup_policy));
    json_int(j, "delete_retention_ms", cfg->delete_retention_ms);
    json_str(j, "retain_groups", cfg->retain_groups);
    json_int(j, "retain_groups_max_bytes", cfg->retain_groups_max_bytes);
    json_str(j, "compression", compression_name(cfg->compression));
    json_int(j, "compression_level", cfg->compression_level);
    json_int(j, "max_record_bytes", cfg->max_record_bytes);
    json_str(j, "partitioner", partitioner_name(cfg->partitioner));
    json_close(j, '}');
    configs_json(j, cfg);
    json_array(j, "partitions");
    for (size_t i = 0; i < t->partition_count; i++) {
        const rill_partition_info *p = &t->partitions[i];
        json_object(j, NULL);
        json_int(j, "partition", p->partition);
        json_int(j, "first_offset", p->first_offset);
        json_int(j, "next_offset", p->next_offset);
        json_int(j, "records", p->records);
        json_int(j, "bytes", p->bytes);
        json_int(j, "batches", p->batches);
        json_close(j, '}');
    }
    json_close(j, ']');
    json_close(j, '}');
}

static int describe_text(const rill_topic_info *t)
{
    static const char *const cols[] = {"PARTITION",   "FIRST-OFFSET",
                                       "NEXT-OFFSET", "RECORDS",
                                       "BATCHES",     "BYTES"};
    const rill_topic_config *cfg = &t->config;
    char when[40];
    printf("Topic: %s  Partitions: %zu  Created: %s\n", t->name,
           t->partition_count, fmt_time(when, sizeof when, t->created_ms));
    printf("Config: retention.ms=%lld retention.bytes=%lld "
           "cleanup.policy=%s",
           (long long)cfg->retention_ms, (long long)cfg->retention_bytes,
           cleanup_name(cfg->cleanup_policy));
    if (cfg->cleanup_policy != RILL_CLEANUP_DELETE)
        printf(" delete.retention.ms=%lld",
               (long long)cfg->delete_retention_ms);
    if (cfg->retain_groups)
        printf(" retain.groups=%s retain.groups.max.bytes=%lld",
               cfg->retain_groups, (long long)cfg->retain_groups_max_bytes);
    printf(" compression.type=%s", compression_name(cfg->compression));
    if (cfg->compression == RILL_COMPRESSION_ZSTD)
        printf(" compression.level=%d", cfg->compression_level);
    printf(" max.message.bytes=%u partitioner=%s\n", cfg->max_record_bytes,
           partitioner_name(cfg->partitioner));
    out_table *tab = table_new(6, cols, "rrrrrr");
    for (size_t i = 0; i < t->partition_count; i++) {
        const rill_partition_info *p = &t->partitions[i];
        table_cell(tab, "%d", p->partition);
        table_cell(tab, "%lld", (long long)p->first_offset);
        table_cell(tab, "%lld", (long long)p->next_offset);
        table_cell(tab, "%lld", (long long)p->records);
        table_cell(tab, "%lld", (long long)p->batches);
        table_cell(tab, "%lld", (long long)p->bytes);
    }
    return table_print(tab, stdout) ? tool_error("out of memory") : EXIT_OK;
}

static int topic_describe(const cli_cmd *c, rill *r)
{
    char **names = NULL;
    size_t n = 1;
    int rc = c->name ? 0 : rill_topic_list(&names, &n, r);
    if (rc)
        return tool_fail(rc, "listing topics");
    json_out j;
    if (c->json) {
        json_begin(&j, stdout);
        json_array(&j, NULL);
    }
    int status = EXIT_OK;
    for (size_t i = 0; i < n && status == EXIT_OK; i++) {
        const char *name = names ? names[i] : c->name;
        rill_topic_info *info;
        rc = rill_topic_describe(&info, r, name);
        if (rc == RILL_ENOTFOUND && names)
            continue; /* deleted since the listing */
        if (rc) {
            status = tool_fail(rc, "describing topic '%s'", name);
            break;
        }
        if (c->json)
            describe_json(&j, info);
        else if (i > 0)
            putchar('\n');
        if (!c->json)
            status = describe_text(info);
        rill_topic_info_free(info);
    }
    if (c->json && status == EXIT_OK) {
        json_close(&j, ']');
        json_end(&j);
    }
    rill_names_free(names, names ? n : 0);
    return status;
}

int cmd_topics(const cli_cmd *c)
{
    int mode = c->command == CLI_TOPICS_CREATE   ? OPEN_CREATE
               : c->command == CLI_TOPICS_ALTER  ? OPEN_WRITE
               : c->command == CLI_TOPICS_DELETE ? OPEN_WRITE
                                                 : OPEN_READ;
    rill *r = tool_open(c, mode);
    if (!r)
        return EXIT_ERROR;
    int rc;
    switch (c->command) {
    case CLI_TOPICS_CREATE:
        rc = topic_create(c, r);
        break;
    case CLI_TOPICS_ALTER:
        rc = topic_alter(c, r);
        break;
    case CLI_TOPICS_DELETE:
        rc = topic_delete(c, r);
        break;
    case CLI_TOPICS_LIST:
        rc = topic_list(c, r);
        break;
    default:
        rc = topic_describe(c, r);
        break;
    }
    rill_close(r);
    return rc;
}
