/*
 * groups.c -- rill groups list | describe | reset-offsets | delete, as
 * kafka-consumer-groups.sh has them.
 *
 * describe loads every group asked for, then prints one table of them
 * in the view asked for (offsets, members or state), or JSON.
 *
 * reset-offsets first plans: for each group, the partitions in scope
 * (a file's, each --topic's, or every partition of each topic the group
 * has offsets for) and, from the group's committed offsets and the
 * topics' logs, where each goes. It prints that (a table, or the CSV of
 * --export that --from-file reads back). Only with --execute does it
 * set the offsets, each group's in one rill_group_set_offsets call, so
 * a group is reset entirely or not at all, and then it prints what the
 * group committed. The earliest and latest ends are given as 0 and
 * INT64_MAX, which the library keeps within the log inside its own
 * transaction, so records produced meanwhile cannot make them stale.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
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
                         same ? "" : tp->topic, same ? "," : "(", tp->partition,
                         end ? ")" : "");
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
    static const char *const cols[] = {
        "GROUP", "TOPIC", "PARTITION",   "CURRENT-OFFSET", "LOG-END-OFFSET",
        "LAG",   "LOST",  "CONSUMER-ID", "CLIENT-ID"};
    static const char *const no_lost[] = {
        "GROUP",          "TOPIC", "PARTITION",   "CURRENT-OFFSET",
        "LOG-END-OFFSET", "LAG",   "CONSUMER-ID", "CLIENT-ID"};
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
    static const char *const cols[] = {"GROUP",     "CONSUMER-ID", "HOST/PID",
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
    static const char *const cols[] = {"GROUP", "ASSIGNMENT-STRATEGY", "STATE",
                                       "#MEMBERS", "GENERATION"};
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
    const char *group; /* the plan's, or (from a file) the line's */
    char topic[RILL_TOPIC_NAME_MAX + 1];
    int32_t partition;
    int64_t current; /* committed; RILL_OFFSET_INVALID: none */
    int64_t target;  /* the new offset, as planned (or, after --execute,
                        as committed) */
    int64_t request; /* what rill_group_set_offsets is given: the target,
                        or 0 or INT64_MAX for an end of the log, which it
                        keeps within the log inside its transaction */
    long line;       /* --from-file: the line it came from; else 0
                        (-1: left out of the plan) */
} reset_row;

typedef struct reset_plan {
    reset_row *rows;
    size_t n, cap;
} reset_plan;

static reset_row *plan_add(reset_plan *plan)
{
    if (plan->n == plan->cap) {
        size_t cap = plan->cap ? plan->cap * 2 : 16;
        reset_row *rows = realloc(plan->rows, cap * sizeof *rows);
        if (!rows)
            return NULL;
        plan->rows = rows;
        plan->cap = cap;
    }
    reset_row *row = &plan->rows[plan->n++];
    memset(row, 0, sizeof *row);
    row->current = RILL_OFFSET_INVALID;
    return row;
}

static reset_row *plan_find(reset_plan *plan, size_t from, const char *group,
                            const char *topic, int32_t partition)
{
    for (size_t i = from; i < plan->n; i++)
        if (plan->rows[i].partition == partition &&
            !strcmp(plan->rows[i].topic, topic) &&
            !strcmp(plan->rows[i].group, group))
            return &plan->rows[i];
    return NULL;
}

/* Adds group's row for a partition, once: a partition named twice is
 * reset once (from a file, to the last line's offset). */
static int plan_partition(reset_plan *plan, size_t from, const char *group,
                          const char *topic, int32_t partition, int64_t offset,
                          long line)
{
    reset_row *row = plan_find(plan, from, group, topic, partition);
    if (!row && !(row = plan_add(plan)))
        return tool_error("out of memory");
    if (!row->group) {
        row->group = group;
        snprintf(row->topic, sizeof row->topic, "%s", topic);
        row->partition = partition;
    }
    row->request = offset;
    row->line = line;
    return EXIT_OK;
}

/* ---- the CSV of --export and --from-file ---- */

/* One field of a CSV record (RFC 4180: quotes around a field with a
 * comma, quote or line break, quotes inside doubled) into out, at most
 * outlen - 1 bytes (-1 beyond). *line counts the line breaks passed. */
static int csv_field(const char **p, const char *end, char *out, size_t outlen,
                     long *line)
{
    const char *s = *p;
    size_t k = 0;
    int quoted = s < end && *s == '"', open = quoted;
    for (s += quoted; s < end; s++) {
        if (quoted && *s == '"' && s + 1 < end && s[1] == '"') {
            s++; /* a doubled quote is one */
        } else if (quoted && *s == '"') {
            s++;
            open = 0;
            break;
        } else if (!quoted && (*s == ',' || *s == '\n' || *s == '\r')) {
            break;
        }
        if (*s == '\n')
            ++*line;
        if (k + 1 >= outlen)
            return -1;
        out[k++] = *s;
    }
    out[k] = '\0';
    *p = s;
    /* a field ends at a comma, the end of its line, or of the file */
    return !open && (s == end || *s == ',' || *s == '\n' || *s == '\r') ? 0
                                                                        : -1;
}

static int csv_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int read_all(const char *path, char **out, size_t *len)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    size_t cap = 0, n;
    char *buf = NULL;
    *len = 0;
    if (!f)
        return tool_error("cannot open '%s': %s", path, strerror(errno));
    do {
        if (*len == cap) {
            char *b = realloc(buf, cap = cap ? cap * 2 : 4096);
            if (!b) {
                free(buf);
                if (f != stdin)
                    fclose(f);
                return tool_error("out of memory");
            }
            buf = b;
        }
        n = fread(buf + *len, 1, cap - *len, f);
        *len += n;
    } while (n > 0);
    int bad = ferror(f);
    if (f != stdin)
        fclose(f);
    if (bad) {
        free(buf);
        return tool_error("cannot read '%s'", path);
    }
    *out = buf;
    return EXIT_OK;
}

typedef struct reset_file {
    char *text;     /* the file, as read */
    char **groups;  /* the groups its lines name, in order of appearance */
    size_t ngroups; /* (group names of the rows point here) */
    reset_plan lines;
} reset_file;

static void reset_file_free(reset_file *f)
{
    for (size_t i = 0; i < f->ngroups; i++)
        free(f->groups[i]);
    free(f->groups);
    free(f->lines.rows);
    free(f->text);
}

/* The group named on a line, kept once in f->groups. */
static const char *file_group(reset_file *f, const char *name)
{
    for (size_t i = 0; i < f->ngroups; i++)
        if (!strcmp(f->groups[i], name))
            return f->groups[i];
    char **g = realloc(f->groups, (f->ngroups + 1) * sizeof *g);
    if (!g)
        return NULL;
    f->groups = g;
    if (!(g[f->ngroups] = strdup(name)))
        return NULL;
    return g[f->ngroups++];
}

/* Reads --from-file: lines of topic,partition,offset (for the GROUP
 * given) or group,topic,partition,offset, as Kafka's --export writes
 * them; empty lines are passed over. With a GROUP, the lines of other
 * groups are left out. A malformed line is named by its number. */
static int read_plan_file(const cli_cmd *c, reset_file *f)
{
    size_t len;
    int rc = read_all(c->from_file, &f->text, &len);
    const char *p = f->text, *end = f->text + len;
    long line = 1;
    while (rc == EXIT_OK && p < end) {
        char fields[4][RILL_TOPIC_NAME_MAX + 2];
        long at = line;
        int n = 0, bad = 0;
        int64_t partition, offset;
        if (*p == '\n' || *p == '\r') { /* an empty line */
            line += *p == '\n';
            p++;
            continue;
        }
        for (;;) {
            bad = n == 4 ||
                  csv_field(&p, end, fields[n], sizeof fields[n], &line) != 0;
            if (bad)
                break;
            n++;
            if (p == end || *p != ',')
                break;
            p++;
        }
        if (!bad && p < end && *p == '\r')
            p++;
        if (!bad && p < end && *p != '\n')
            bad = 1;
        if (bad || (n != 3 && n != 4))
            return tool_error("%s:%ld: expected topic,partition,offset or "
                              "group,topic,partition,offset",
                              c->from_file, at);
        const char *group = n == 4 ? fields[0] : c->name;
        const char *topic = fields[n - 3];
        if (!group)
            return tool_error("%s:%ld: no group: with --all-groups each line "
                              "is group,topic,partition,offset",
                              c->from_file, at);
        if (!*group || !*topic)
            return tool_error("%s:%ld: empty %s", c->from_file, at,
                              *group ? "topic" : "group");
        if (csv_int(fields[n - 2], 0, RILL_PARTITIONS_MAX - 1, &partition))
            return tool_error("%s:%ld: bad partition '%.40s'", c->from_file, at,
                              fields[n - 2]);
        if (csv_int(fields[n - 1], 0, INT64_MAX, &offset))
            return tool_error("%s:%ld: bad offset '%.40s' (expected a "
                              "number >= 0)",
                              c->from_file, at, fields[n - 1]);
        if (p < end)
            p++, line++; /* the line's end */
        if (c->name && strcmp(group, c->name))
            continue; /* another group's line */
        if (!(group = file_group(f, group)))
            return tool_error("out of memory");
        rc = plan_partition(&f->lines, 0, group, topic, (int32_t)partition,
                            offset, at);
    }
    if (rc == EXIT_OK && c->name && f->lines.n == 0)
        rc = tool_error("%s has no offsets for group '%s'", c->from_file,
                        c->name);
    if (rc == EXIT_OK && f->lines.n == 0)
        rc = tool_error("%s has no offsets", c->from_file);
    return rc;
}

/* Writes a CSV field, quoted when it has to be. */
static void csv_put(const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

/* --export: Kafka's layout, topic,partition,new-offset per line, with
 * the group first when there may be several (--all-groups). */
static void print_csv(const cli_cmd *c, const reset_plan *plan)
{
    for (size_t i = 0; i < plan->n; i++) {
        const reset_row *row = &plan->rows[i];
        if (c->all_groups) {
            csv_put(row->group);
            putchar(',');
        }
        printf("%s,%d,%lld\n", row->topic, row->partition,
               (long long)row->target);
    }
}

/* ---- planning ---- */

#define PATH_MAX_SHOWN 200 /* of --from-file, in a message */

/* The topic last described, so the partitions of one topic cost one
 * describe. */
typedef struct topic_cache {
    rill_topic_info *info;
} topic_cache;

/* The partition's bounds, or an error naming what does not exist (and
 * the file's line, for a partition read from it). */
static int partition_of(const cli_cmd *c, rill *r, topic_cache *tc,
                        const reset_row *row, const rill_partition_info **out)
{
    int rc = 0;
    if (!tc->info || strcmp(tc->info->name, row->topic)) {
        rill_topic_info_free(tc->info);
        tc->info = NULL;
        rc = rill_topic_describe(&tc->info, r, row->topic);
    }
    if (rc && row->line)
        return tool_fail(rc, "%s:%ld", c->from_file, row->line);
    if (rc)
        return tool_fail(rc, "reading topic '%s'", row->topic);
    if ((size_t)row->partition >= tc->info->partition_count) {
        char at[PATH_MAX_SHOWN + 32] = "";
        if (row->line)
            snprintf(at, sizeof at, "%.*s:%ld: ", PATH_MAX_SHOWN, c->from_file,
                     row->line);
        return tool_error("%stopic '%s' has %zu partition%s; there is no "
                          "partition %d",
                          at, row->topic, tc->info->partition_count,
                          tc->info->partition_count == 1 ? "" : "s",
                          row->partition);
    }
    *out = &tc->info->partitions[row->partition];
    return EXIT_OK;
}

static int64_t clamp(int64_t v, const rill_partition_info *p)
{
    return v < p->first_offset  ? p->first_offset
           : v > p->next_offset ? p->next_offset
                                : v;
}

/* An offset asked for outside the log is kept within it, as Kafka's
 * tool does; it says so, as Kafka's does too. */
static void note_clamped(const reset_row *row, int64_t asked,
                         const rill_partition_info *p)
{
    if (asked != row->target)
        fprintf(stderr,
                "note: group '%s' %s/%d: offset %lld is outside the "
                "log (%lld..%lld); %lld instead\n",
                row->group, row->topic, row->partition, (long long)asked,
                (long long)p->first_offset, (long long)p->next_offset,
                (long long)row->target);
}

/* The committed offset moved by a shift, saturating (clamp does the
 * rest). */
static int64_t shifted(int64_t current, int64_t by)
{
    if (by > 0 && current > INT64_MAX - by)
        return INT64_MAX;
    return by < 0 && current + by < 0 ? 0 : current + by;
}

/* Where each row goes, by the target asked for. */
static int plan_targets(const cli_cmd *c, rill *r, reset_plan *plan,
                        size_t from)
{
    topic_cache tc = {NULL};
    int64_t when = c->reset_value;
    int rc = EXIT_OK;
    if (c->reset_to == CLI_RESET_DURATION) { /* by the directory's clock */
        when = rill_now_ms(r) - c->reset_value;
        when = when < 0 ? 0 : when;
    }
    for (size_t i = from; i < plan->n && rc == EXIT_OK; i++) {
        reset_row *row = &plan->rows[i];
        const rill_partition_info *p = NULL;
        rill_topic_partition tp = {row->topic, row->partition, when};
        int64_t asked = row->request;
        if ((rc = partition_of(c, r, &tc, row, &p)) || !p)
            break;
        switch (c->reset_to) {
        case CLI_RESET_EARLIEST:
            row->target = p->first_offset;
            row->request = 0;
            break;
        case CLI_RESET_LATEST:
            row->target = p->next_offset;
            row->request = INT64_MAX;
            break;
        case CLI_RESET_DATETIME:
        case CLI_RESET_DURATION:
            if ((rc = rill_offsets_for_times(r, &tp, 1))) {
                rc = tool_fail(rc, "finding offsets by time in '%s'",
                               row->topic);
                break;
            }
            row->target =
                tp.offset == RILL_OFFSET_END ? p->next_offset : tp.offset;
            row->request = tp.offset == RILL_OFFSET_END ? INT64_MAX : tp.offset;
            break;
        case CLI_RESET_CURRENT: /* as Kafka: no offset, the log's end */
            row->target = row->current == RILL_OFFSET_INVALID
                              ? p->next_offset
                              : clamp(row->current, p);
            row->request =
                row->current == RILL_OFFSET_INVALID ? INT64_MAX : row->current;
            break;
        case CLI_RESET_SHIFT:
            if (row->current == RILL_OFFSET_INVALID && !c->nscopes) {
                /* --all-topics: as Kafka's, the committed partitions */
                fprintf(stderr,
                        "note: group '%s' %s/%d has no committed "
                        "offset to shift; it is left as it is\n",
                        row->group, row->topic, row->partition);
                row->line = -1; /* dropped below */
                break;
            }
            if (row->current == RILL_OFFSET_INVALID) {
                rc = tool_error("cannot shift group '%s' on %s/%d: it has "
                                "no committed offset there (reset it "
                                "another way, or leave it out with "
                                "--topic %s:P,...)",
                                row->group, row->topic, row->partition,
                                row->topic);
                break;
            }
            asked = shifted(row->current, c->reset_value);
            row->target = row->request = clamp(asked, p);
            note_clamped(row, asked, p);
            break;
        default: /* --to-offset, --from-file */
            if (c->reset_to == CLI_RESET_OFFSET)
                asked = c->reset_value;
            row->target = row->request = clamp(asked, p);
            note_clamped(row, asked, p);
            break;
        }
    }
    rill_topic_info_free(tc.info);
    size_t k = from;
    for (size_t i = from; i < plan->n; i++)
        if (plan->rows[i].line >= 0)
            plan->rows[k++] = plan->rows[i];
    plan->n = k;
    return rc;
}

static int64_t committed_of(const rill_group_info *g, const char *topic,
                            int32_t partition)
{
    for (size_t i = 0; g && i < g->partition_count; i++)
        if (g->partitions[i].partition == partition &&
            !strcmp(g->partitions[i].topic, topic))
            return g->partitions[i].committed;
    return RILL_OFFSET_INVALID;
}

/* The partitions of one --topic: TOPIC (all of them) or TOPIC:P,P. */
static int plan_scope(rill *r, const char *group, const char *scope,
                      reset_plan *plan, size_t from)
{
    char topic[RILL_TOPIC_NAME_MAX + 1];
    size_t len;
    const char *parts;
    int32_t p;
    int rc = EXIT_OK;
    cli_scope_split(scope, &len, &parts); /* checked when parsed */
    snprintf(topic, sizeof topic, "%.*s", (int)len, scope);
    if (parts) {
        while (rc == EXIT_OK && cli_scope_next(&parts, &p) > 0)
            rc = plan_partition(plan, from, group, topic, p, 0, 0);
        return rc;
    }
    rill_topic_info *info;
    if ((rc = rill_topic_describe(&info, r, topic)))
        return tool_fail(rc, "reading topic '%s'", topic);
    for (size_t i = 0; i < info->partition_count && rc == EXIT_OK; i++)
        rc = plan_partition(plan, from, group, topic,
                            info->partitions[i].partition, 0, 0);
    rill_topic_info_free(info);
    return rc;
}

/* The partitions of one group to reset: those of the file, of each
 * --topic, or (--all-topics, the default) every partition of each topic
 * the group has committed offsets for; then where each goes. */
static int plan_group(const cli_cmd *c, rill *r, const char *group,
                      const reset_file *file, reset_plan *plan, size_t *live)
{
    rill_group_info *g = NULL;
    size_t from = plan->n;
    int rc = rill_group_describe(&g, r, group);
    if (rc && rc != RILL_ENOTFOUND) /* a new group may get offsets */
        return tool_fail(rc, "describing group '%s'", group);
    rc = EXIT_OK;
    *live = g ? live_members(g) : 0;
    if (file) {
        for (size_t i = 0; i < file->lines.n && rc == EXIT_OK; i++) {
            const reset_row *line = &file->lines.rows[i];
            if (!strcmp(line->group, group))
                rc = plan_partition(plan, from, group, line->topic,
                                    line->partition, line->request, line->line);
        }
    } else if (c->nscopes) {
        for (size_t i = 0; i < c->nscopes && rc == EXIT_OK; i++)
            rc = plan_scope(r, group, c->scopes[i], plan, from);
    } else {
        for (size_t i = 0; g && i < g->partition_count && rc == EXIT_OK; i++) {
            const rill_group_partition_info *p = &g->partitions[i];
            /* a topic planned already has its partition 0 in the plan */
            if (p->committed == RILL_OFFSET_INVALID ||
                plan_find(plan, from, group, p->topic, 0))
                continue;
            char scope[RILL_TOPIC_NAME_MAX + 1];
            snprintf(scope, sizeof scope, "%s", p->topic);
            rc = plan_scope(r, group, scope, plan, from);
        }
    }
    for (size_t i = from; i < plan->n && rc == EXIT_OK; i++)
        plan->rows[i].current =
            committed_of(g, plan->rows[i].topic, plan->rows[i].partition);
    rill_group_info_free(g);
    return rc == EXIT_OK ? plan_targets(c, r, plan, from) : rc;
}

static int print_plan(const reset_plan *plan)
{
    static const char *const cols[] = {"GROUP", "TOPIC", "PARTITION",
                                       "CURRENT-OFFSET", "NEW-OFFSET"};
    out_table *t = table_new(5, cols, "llrrr");
    for (size_t i = 0; i < plan->n; i++) {
        const reset_row *row = &plan->rows[i];
        table_cell(t, "%s", row->group);
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

/* Sets one group's offsets, all its partitions in one call, then reads
 * back what the group now has committed. */
static int execute_group(rill *r, const char *group, reset_row *rows, size_t n)
{
    rill_topic_partition *tps = calloc(n ? n : 1, sizeof *tps);
    rill_group_info *g;
    if (!tps)
        return tool_error("out of memory");
    for (size_t i = 0; i < n; i++)
        tps[i] = (rill_topic_partition){rows[i].topic, rows[i].partition,
                                        rows[i].request};
    int rc = rill_group_set_offsets(r, group, tps, n);
    free(tps);
    if (rc)
        return tool_fail(rc, "resetting the offsets of group '%s'", group);
    if ((rc = rill_group_describe(&g, r, group)))
        return tool_fail(rc, "describing group '%s'", group);
    for (size_t i = 0; i < n; i++)
        rows[i].target = committed_of(g, rows[i].topic, rows[i].partition);
    rill_group_info_free(g);
    return EXIT_OK;
}

/* The groups to reset: GROUP; with --all-groups, every group, or those
 * the file names. */
static int reset_groups(const cli_cmd *c, rill *r, const reset_file *file,
                        char ***names, size_t *n)
{
    *names = NULL;
    *n = 0;
    if (c->name || file) {
        size_t count = c->name ? 1 : file->ngroups;
        char **out = calloc(count ? count : 1, sizeof *out);
        for (size_t i = 0; out && i < count; i++)
            if (!(out[i] = strdup(c->name ? c->name : file->groups[i]))) {
                rill_names_free(out, i);
                out = NULL;
            }
        if (!out)
            return tool_error("out of memory");
        *names = out;
        *n = count;
        return EXIT_OK;
    }
    int rc = rill_group_list(names, n, r);
    return rc ? tool_fail(rc, "listing groups") : EXIT_OK;
}

/* Plans the reset of each group, prints it (a table, or the CSV of
 * --export), and with --execute sets each group's offsets in one call.
 * A group with a live member is refused by the library; with
 * --all-groups the others go on and the exit status says one failed. */
static int group_reset(const cli_cmd *c, rill *r)
{
    reset_file file = {0};
    reset_plan plan = {0};
    char **groups = NULL;
    size_t ngroups = 0;
    int rc = c->from_file ? read_plan_file(c, &file) : EXIT_OK;
    int failed = 0;
    if (rc == EXIT_OK)
        rc = reset_groups(c, r, c->from_file ? &file : NULL, &groups, &ngroups);
    for (size_t i = 0; i < ngroups && rc == EXIT_OK; i++) {
        size_t from = plan.n, live = 0;
        rc = plan_group(c, r, groups[i], c->from_file ? &file : NULL, &plan,
                        &live);
        if (rc == EXIT_OK && c->execute && plan.n > from &&
            execute_group(r, groups[i], plan.rows + from, plan.n - from)) {
            failed = 1;
            plan.n = from; /* nothing of it changed: not shown */
        }
        if (rc == EXIT_OK && !c->execute && live && plan.n > from)
            fprintf(stderr,
                    "note: group '%s' has %zu live member%s; "
                    "--execute is refused until %s\n",
                    groups[i], live, live == 1 ? "" : "s",
                    live == 1 ? "it stops" : "they stop");
        if (rc == EXIT_OK && c->name && plan.n == from && !failed)
            rc = tool_error("group '%s' has no committed offsets to reset; "
                            "name a topic with --topic",
                            c->name);
    }
    if (rc == EXIT_OK && !c->name && ngroups == 0)
        rc = tool_error("there are no groups to reset");
    else if (rc == EXIT_OK && !c->name && plan.n == 0 && !failed)
        rc = tool_error("no group has committed offsets to reset; name a "
                        "topic with --topic");
    if (rc == EXIT_OK && plan.n > 0) {
        if (c->export_csv)
            print_csv(c, &plan);
        else
            rc = print_plan(&plan);
    }
    if (rc == EXIT_OK && !c->execute)
        fprintf(stderr, "dry run: nothing changed; add --execute to reset\n");
    rill_names_free(groups, ngroups);
    free(plan.rows);
    reset_file_free(&file);
    return rc == EXIT_OK && failed ? EXIT_ERROR : rc;
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
