/*
 * groups.c -- rill groups list | describe | reset-offsets | delete.
 *
 * reset-offsets first works out, from the group's committed offsets and
 * the topics' logs, what each partition would be set to, the way
 * rill_group_reset_offsets will (every partition of the topic named, or
 * of each topic the group has offsets for), and prints that. Only with
 * --execute does it reset, and then it prints what the group committed.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "out.h"
#include "tool.h"

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *assignor_name(int assignor)
{
    return assignor == RILL_ASSIGN_ROUND_ROBIN ? "roundrobin"
           : assignor == RILL_ASSIGN_STICKY    ? "sticky"
                                               : "range";
}

static size_t live_members(const rill_group_info *g)
{
    size_t n = 0;
    for (size_t i = 0; i < g->member_count; i++)
        n += g->members[i].alive != 0;
    return n;
}

static int group_list(const cli_cmd *c, rill *r)
{
    char **names;
    size_t n;
    int rc = rill_group_list(&names, &n, r);
    if (rc)
        return tool_fail(rc, "listing groups");
    json_out j;
    if (c->json) {
        json_begin(&j, stdout);
        json_array(&j, NULL);
    }
    for (size_t i = 0; i < n; i++) {
        if (c->json)
            json_str(&j, NULL, names[i]);
        else
            printf("%s\n", names[i]);
    }
    if (c->json) {
        json_close(&j, ']');
        json_end(&j);
    }
    rill_names_free(names, n);
    return EXIT_OK;
}

/* ---- describe ---- */

/* The groups described: the one named, or every group listed (one
 * deleted since the listing is left out). */
typedef struct group_set {
    rill_group_info **g;
    size_t n;
} group_set;

static void group_set_free(group_set *set)
{
    for (size_t i = 0; i < set->n; i++)
        rill_group_info_free(set->g[i]);
    free(set->g);
}

static int group_set_load(const cli_cmd *c, rill *r, group_set *set)
{
    char **names = NULL;
    size_t n = 1;
    int rc = c->name ? 0 : rill_group_list(&names, &n, r);
    if (rc)
        return tool_fail(rc, "listing groups");
    set->n = 0;
    if (!(set->g = calloc(n ? n : 1, sizeof *set->g))) {
        rill_names_free(names, names ? n : 0);
        return tool_error("out of memory");
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *name = names ? names[i] : c->name;
        rc = rill_group_describe(&set->g[set->n], r, name);
        if (rc == 0)
            set->n++;
        else if (rc == RILL_ENOTFOUND && names)
            rc = 0;
        else
            rc = tool_fail(rc, "describing group '%s'", name);
    }
    rill_names_free(names, names ? n : 0);
    return rc;
}

/* A member's partitions as Kafka shows them: "orders(0,1),audit(2)". */
static const char *owned(char *buf, size_t len, const rill_group_member_info *m)
{
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < m->assigned_count && k < len; i++) {
        const rill_topic_partition *tp = &m->assigned[i];
        int same = i > 0 && !strcmp(m->assigned[i - 1].topic, tp->topic);
        int end = i + 1 == m->assigned_count ||
                  strcmp(m->assigned[i + 1].topic, tp->topic);
        int w = snprintf(buf + k, len - k, "%s%s%s%d%s", i && !same ? "," : "",
                         same ? "" : tp->topic, same ? "," : "(",
                         tp->partition, end ? ")" : "");
        k += w > 0 ? (size_t)w : 0;
    }
    return m->assigned_count ? buf : "-";
}

static const rill_group_member_info *member_of(const rill_group_info *g,
                                               const char *member_id)
{
    for (size_t i = 0; member_id && i < g->member_count; i++)
        if (!strcmp(g->members[i].member_id, member_id))
            return &g->members[i];
    return NULL;
}

/* Where Kafka shows a member's host: every member of a directory runs on
 * this host (they share its file system and PID namespace), so the host
 * name with the member's pid. */
static const char *host_pid(char *buf, size_t len, int32_t pid)
{
    char host[256];
    if (gethostname(host, sizeof host))
        snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = '\0';
    snprintf(buf, len, "%s/%d", host, pid);
    return buf;
}

/* What Kafka's tool says on stderr about a group without a live member,
 * or one whose partitions are moving. */
static void state_notes(const rill_group_info *g)
{
    if (live_members(g) == 0)
        fprintf(stderr, "Consumer group '%s' has no active members.\n",
                g->name);
    else if (!strcmp(g->state, "Rebalancing"))
        fprintf(stderr, "Warning: consumer group '%s' is rebalancing.\n",
                g->name);
}

static void member_json(json_out *j, const rill_group_member_info *m)
{
    char host[320];
    json_object(j, NULL);
    json_str(j, "member_id", m->member_id);
    json_str(j, "client_id", m->client_id);
    json_str(j, "host", host_pid(host, sizeof host, m->pid));
    json_int(j, "pid", m->pid);
    json_bool(j, "alive", m->alive);
    json_int(j, "last_poll_ms", m->last_poll_ms);
    json_int(j, "session_timeout_ms", m->session_timeout_ms);
    json_array(j, "assigned");
    for (size_t k = 0; k < m->assigned_count; k++) {
        json_object(j, NULL);
        json_str(j, "topic", m->assigned[k].topic);
        json_int(j, "partition", m->assigned[k].partition);
        json_close(j, '}');
    }
    json_close(j, ']');
    json_close(j, '}');
}

/* A partition without a committed offset has no lag yet: what a member
 * starting now reads depends on its auto_offset_reset, the whole log
 * (lag_if_earliest) or nothing. */
static void partition_json(json_out *j, const rill_group_info *g,
                           const rill_group_partition_info *p)
{
    const rill_group_member_info *m = member_of(g, p->owner);
    json_object(j, NULL);
    json_str(j, "topic", p->topic);
    json_int(j, "partition", p->partition);
    if (p->committed == RILL_OFFSET_INVALID) {
        json_null(j, "committed");
        json_null(j, "lag");
        json_int(j, "lag_if_earliest", p->lag);
    } else {
        json_int(j, "committed", p->committed);
        json_int(j, "lag", p->lag);
    }
    json_int(j, "first_offset", p->first_offset);
    json_int(j, "end_offset", p->end_offset);
    json_int(j, "lost", p->lost);
    json_str(j, "owner", p->owner);
    json_str(j, "client_id", m ? m->client_id : NULL);
    json_close(j, '}');
}

/* One group as JSON: the offsets view has everything (partitions and
 * members), the others their part. */
static void group_json(json_out *j, const cli_cmd *c, const rill_group_info *g)
{
    json_object(j, NULL);
    json_str(j, "group", g->name);
    if (c->view != CLI_VIEW_MEMBERS) {
        json_str(j, "state", g->state);
        json_int(j, "generation", g->generation);
        json_str(j, "assignor", assignor_name(g->assignor));
    }
    if (c->view == CLI_VIEW_STATE) {
        json_int(j, "member_count", (int64_t)g->member_count);
        json_int(j, "live_member_count", (int64_t)live_members(g));
    }
    if (c->view == CLI_VIEW_OFFSETS) {
        json_array(j, "partitions");
        for (size_t i = 0; i < g->partition_count; i++)
            partition_json(j, g, &g->partitions[i]);
        json_close(j, ']');
    }
    if (c->view != CLI_VIEW_STATE) {
        json_array(j, "members");
        for (size_t i = 0; i < g->member_count; i++)
            member_json(j, &g->members[i]);
        json_close(j, ']');
    }
    json_close(j, '}');
}

/* GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID
 * CLIENT-ID, as Kafka's tool, with LOST after LAG when records were lost
 * (on topics that retain for groups). A partition without a committed
 * offset shows '-' for both, and a note says what a member would read. */
static int offsets_text(const group_set *set)
{
    static const char *const cols[] = {"GROUP", "TOPIC", "PARTITION",
                                       "CURRENT-OFFSET", "LOG-END-OFFSET",
                                       "LAG", "LOST", "CONSUMER-ID",
                                       "CLIENT-ID"};
    static const char *const no_lost[] = {"GROUP", "TOPIC", "PARTITION",
                                          "CURRENT-OFFSET", "LOG-END-OFFSET",
                                          "LAG", "CONSUMER-ID", "CLIENT-ID"};
    int lost = 0;
    int64_t unread = 0; /* on partitions without a committed offset */
    size_t uncommitted = 0;
    for (size_t k = 0; k < set->n; k++)
        for (size_t i = 0; i < set->g[k]->partition_count; i++)
            lost |= set->g[k]->partitions[i].lost > 0;
    out_table *t = lost ? table_new(9, cols, "llrrrrrll")
                        : table_new(8, no_lost, "llrrrrll");
    for (size_t k = 0; k < set->n; k++) {
        const rill_group_info *g = set->g[k];
        for (size_t i = 0; i < g->partition_count; i++) {
            const rill_group_partition_info *p = &g->partitions[i];
            const rill_group_member_info *m = member_of(g, p->owner);
            int none = p->committed == RILL_OFFSET_INVALID;
            table_cell(t, "%s", g->name);
            table_cell(t, "%s", p->topic);
            table_cell(t, "%d", p->partition);
            if (none) {
                table_cell(t, "-");
                uncommitted++;
                unread += p->lag;
            } else {
                table_cell(t, "%lld", (long long)p->committed);
            }
            table_cell(t, "%lld", (long long)p->end_offset);
            if (none)
                table_cell(t, "-");
            else
                table_cell(t, "%lld", (long long)p->lag);
            if (lost)
                table_cell(t, "%lld", (long long)p->lost);
            table_cell(t, "%s", p->owner ? p->owner : "-");
            table_cell(t, "%s", m ? m->client_id : "-");
        }
    }
    if (table_print(t, stdout))
        return tool_error("out of memory");
    if (uncommitted)
        printf("CURRENT-OFFSET -: nothing committed yet. A member starting "
               "now reads the %lld record%s there with "
               "auto_offset_reset=earliest, or only new ones with latest.\n",
               (long long)unread, unread == 1 ? "" : "s");
    return EXIT_OK;
}

/* GROUP CONSUMER-ID HOST/PID CLIENT-ID #PARTITIONS, and with --verbose
 * whether it is alive, its last poll and its partitions. */
static int members_text(const cli_cmd *c, const group_set *set)
{
    static const char *const cols[] = {"GROUP", "CONSUMER-ID", "HOST/PID",
                                       "CLIENT-ID", "#PARTITIONS", "ALIVE",
                                       "LAST-POLL", "ASSIGNMENT"};
    out_table *t = c->verbose ? table_new(8, cols, "llllrlrl")
                              : table_new(5, cols, "llllr");
    int64_t now = wall_ms();
    char buf[512];
    for (size_t k = 0; k < set->n; k++) {
        const rill_group_info *g = set->g[k];
        for (size_t i = 0; i < g->member_count; i++) {
            const rill_group_member_info *m = &g->members[i];
            table_cell(t, "%s", g->name);
            table_cell(t, "%s", m->member_id);
            table_cell(t, "%s", host_pid(buf, sizeof buf, m->pid));
            table_cell(t, "%s", m->client_id);
            table_cell(t, "%zu", m->assigned_count);
            if (!c->verbose)
                continue;
            table_cell(t, "%s", m->alive ? "yes" : "no");
            if (m->last_poll_ms > 0)
                table_cell(t, "%.1fs ago",
                           (double)(now - m->last_poll_ms) / 1000);
            else
                table_cell(t, "-");
            table_cell(t, "%s", owned(buf, sizeof buf, m));
        }
    }
    return table_print(t, stdout) ? tool_error("out of memory") : EXIT_OK;
}

/* GROUP ASSIGNMENT-STRATEGY STATE #MEMBERS GENERATION. */
static int state_text(const group_set *set)
{
    static const char *const cols[] = {"GROUP", "ASSIGNMENT-STRATEGY",
                                       "STATE", "#MEMBERS", "GENERATION"};
    out_table *t = table_new(5, cols, "lllrr");
    for (size_t k = 0; k < set->n; k++) {
        const rill_group_info *g = set->g[k];
        table_cell(t, "%s", g->name);
        table_cell(t, "%s", assignor_name(g->assignor));
        table_cell(t, "%s", g->state);
        table_cell(t, "%zu", g->member_count);
        table_cell(t, "%u", g->generation);
    }
    return table_print(t, stdout) ? tool_error("out of memory") : EXIT_OK;
}

/* One table for every group of the set, in the view asked for; in JSON
 * one object for the group named, else an array of them. */
static int group_describe(const cli_cmd *c, rill *r)
{
    group_set set = {0};
    int rc = group_set_load(c, r, &set);
    if (rc == EXIT_OK && c->json) {
        json_out j;
        json_begin(&j, stdout);
        if (!c->name)
            json_array(&j, NULL);
        for (size_t i = 0; i < set.n; i++)
            group_json(&j, c, set.g[i]);
        if (!c->name)
            json_close(&j, ']');
        json_end(&j);
    } else if (rc == EXIT_OK && set.n > 0) {
        for (size_t i = 0; i < set.n; i++)
            state_notes(set.g[i]);
        rc = c->view == CLI_VIEW_MEMBERS ? members_text(c, &set)
             : c->view == CLI_VIEW_STATE ? state_text(&set)
                                         : offsets_text(&set);
    }
    group_set_free(&set);
    return rc;
}

/* ---- reset-offsets ---- */

typedef struct reset_row {
    char topic[RILL_TOPIC_NAME_MAX + 1];
    int32_t partition;
    int64_t current; /* RILL_OFFSET_INVALID: none committed */
    int64_t target;
} reset_row;

typedef struct reset_plan {
    reset_row *rows;
    size_t n, cap;
} reset_plan;

static int64_t committed_of(const rill_group_info *g, const char *topic,
                            int32_t partition)
{
    for (size_t i = 0; g && i < g->partition_count; i++)
        if (g->partitions[i].partition == partition &&
            !strcmp(g->partitions[i].topic, topic))
            return g->partitions[i].committed;
    return RILL_OFFSET_INVALID;
}

/* Where one partition goes, as rill_group_reset_offsets decides it. */
static int target_of(const cli_cmd *c, rill *r, const char *topic,
                     const rill_partition_info *p, int64_t *out)
{
    rill_topic_partition tp = {topic, p->partition, c->reset_value};
    int rc = 0;
    switch (c->reset_to) {
    case CLI_RESET_EARLIEST:
        *out = p->first_offset;
        break;
    case CLI_RESET_LATEST:
        *out = p->next_offset;
        break;
    case CLI_RESET_DATETIME:
        rc = rill_offsets_for_times(r, &tp, 1);
        *out = tp.offset == RILL_OFFSET_END ? p->next_offset : tp.offset;
        break;
    default:
        *out = c->reset_value < p->first_offset  ? p->first_offset
               : c->reset_value > p->next_offset ? p->next_offset
                                                 : c->reset_value;
        break;
    }
    return rc ? tool_fail(rc, "finding offsets by time in '%s'", topic) : 0;
}

static int plan_topic(const cli_cmd *c, rill *r, const rill_group_info *g,
                      const char *topic, reset_plan *plan)
{
    rill_topic_info *info;
    int rc = rill_topic_describe(&info, r, topic);
    if (rc)
        return tool_fail(rc, "reading topic '%s'", topic);
    for (size_t i = 0; i < info->partition_count && rc == EXIT_OK; i++) {
        if (plan->n == plan->cap) {
            size_t cap = plan->cap ? plan->cap * 2 : 16;
            reset_row *rows = realloc(plan->rows, cap * sizeof *rows);
            if (!rows) {
                rc = tool_error("out of memory");
                break;
            }
            plan->rows = rows;
            plan->cap = cap;
        }
        reset_row *row = &plan->rows[plan->n++];
        snprintf(row->topic, sizeof row->topic, "%s", topic);
        row->partition = info->partitions[i].partition;
        row->current = committed_of(g, topic, row->partition);
        rc = target_of(c, r, topic, &info->partitions[i], &row->target);
    }
    rill_topic_info_free(info);
    return rc;
}

/* The topics reset: --topic, else each one the group has offsets for. */
static int plan_reset(const cli_cmd *c, rill *r, const rill_group_info *g,
                      reset_plan *plan)
{
    if (c->topic)
        return plan_topic(c, r, g, c->topic, plan);
    int rc = EXIT_OK;
    for (size_t i = 0; g && i < g->partition_count && rc == EXIT_OK; i++) {
        const rill_group_partition_info *p = &g->partitions[i];
        int seen = 0;
        for (size_t k = 0; k < i && !seen; k++)
            seen = g->partitions[k].committed != RILL_OFFSET_INVALID &&
                   !strcmp(g->partitions[k].topic, p->topic);
        if (p->committed != RILL_OFFSET_INVALID && !seen)
            rc = plan_topic(c, r, g, p->topic, plan);
    }
    return rc;
}

static int nothing_to_reset(const cli_cmd *c)
{
    return tool_error("group '%s' has no committed offsets to reset; name a "
                      "topic with --topic", c->name);
}

static int print_plan(const cli_cmd *c, const reset_plan *plan)
{
    static const char *const cols[] = {"GROUP", "TOPIC", "PARTITION",
                                       "CURRENT-OFFSET", "NEW-OFFSET"};
    out_table *t = table_new(5, cols, "llrrr");
    for (size_t i = 0; i < plan->n; i++) {
        const reset_row *row = &plan->rows[i];
        table_cell(t, "%s", c->name);
        table_cell(t, "%s", row->topic);
        table_cell(t, "%d", row->partition);
        if (row->current == RILL_OFFSET_INVALID)
            table_cell(t, "-");
        else
            table_cell(t, "%lld", (long long)row->current);
        table_cell(t, "%lld", (long long)row->target);
    }
    return table_print(t, stdout) ? tool_error("out of memory") : EXIT_OK;
}

/* Resets for real, then shows the offsets the group now has. */
static int execute_reset(const cli_cmd *c, rill *r, reset_plan *plan)
{
    static const int to[] = {[CLI_RESET_EARLIEST] = RILL_RESET_TO_EARLIEST,
                             [CLI_RESET_LATEST] = RILL_RESET_TO_LATEST,
                             [CLI_RESET_DATETIME] = RILL_RESET_TO_TIME,
                             [CLI_RESET_OFFSET] = RILL_RESET_TO_OFFSET};
    int64_t value = c->reset_to == CLI_RESET_DATETIME ||
                            c->reset_to == CLI_RESET_OFFSET
                        ? c->reset_value
                        : 0;
    rill_group_info *g;
    int rc = rill_group_reset_offsets(r, c->name, c->topic, to[c->reset_to],
                                      value);
    if (rc)
        return tool_fail(rc, "resetting the offsets of group '%s'", c->name);
    if (plan->n == 0)
        return nothing_to_reset(c);
    if ((rc = rill_group_describe(&g, r, c->name)))
        return tool_fail(rc, "describing group '%s'", c->name);
    for (size_t i = 0; i < plan->n; i++) {
        reset_row *row = &plan->rows[i];
        row->target = committed_of(g, row->topic, row->partition);
    }
    rill_group_info_free(g);
    return print_plan(c, plan);
}

static int group_reset(const cli_cmd *c, rill *r)
{
    rill_group_info *g = NULL;
    reset_plan plan = {0};
    int rc = rill_group_describe(&g, r, c->name);
    if (rc && rc != RILL_ENOTFOUND) /* a new group may get offsets */
        return tool_fail(rc, "describing group '%s'", c->name);
    rc = plan_reset(c, r, g, &plan);
    /* With --execute the library speaks first: a live member (EBUSY)
     * matters more than an empty plan. */
    if (rc == EXIT_OK && c->execute) {
        rc = execute_reset(c, r, &plan);
    } else if (rc == EXIT_OK && plan.n == 0) {
        rc = nothing_to_reset(c);
    } else if (rc == EXIT_OK) {
        rc = print_plan(c, &plan);
        size_t live = g ? live_members(g) : 0;
        if (live)
            fprintf(stderr, "note: group '%s' has %zu live member%s; "
                    "--execute is refused until they stop\n", c->name, live,
                    live == 1 ? "" : "s");
        fprintf(stderr, "dry run: nothing changed; add --execute to reset\n");
    }
    rill_group_info_free(g);
    free(plan.rows);
    return rc;
}

static int group_delete(const cli_cmd *c, rill *r)
{
    int rc = rill_group_delete(r, c->name);
    if (rc)
        return tool_fail(rc, "deleting group '%s'", c->name);
    printf("deleted group %s\n", c->name);
    return EXIT_OK;
}

int cmd_groups(const cli_cmd *c)
{
    int writes = c->command == CLI_GROUPS_DELETE ||
                 (c->command == CLI_GROUPS_RESET && c->execute);
    rill *r = tool_open(c, writes ? OPEN_WRITE : OPEN_READ);
    if (!r)
        return EXIT_ERROR;
    int rc;
    switch (c->command) {
    case CLI_GROUPS_LIST:
        rc = group_list(c, r);
        break;
    case CLI_GROUPS_DESCRIBE:
        rc = group_describe(c, r);
        break;
    case CLI_GROUPS_RESET:
        rc = group_reset(c, r);
        break;
    default:
        rc = group_delete(c, r);
        break;
    }
    rill_close(r);
    return rc;
}
