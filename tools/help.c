/*
 * help.c -- the rill tool's usage texts, one per command, printed by
 * `rill help [COMMAND]` and `--help`.
 */
#include "tool.h"

static const char main_text[] =
    "NAME\n"
    "    rill - operate a rill directory: topics, records, consumer groups\n"
    "\n"
    "SYNOPSIS\n"
    "    rill [-d DIR] COMMAND [OPTIONS] [ARGS]\n"
    "    rill help [COMMAND]\n"
    "\n"
    "DESCRIPTION\n"
    "    rill is an embedded event log: Kafka's topics, partitions, offsets\n"
    "    and consumer groups in a directory that services share. This tool\n"
    "    does for a rill directory what kafka-topics.sh, the console\n"
    "    producer and consumer and kafka-consumer-groups.sh do for a Kafka\n"
    "    cluster, and checks, measures and backs up the directory.\n"
    "\n"
    "COMMANDS\n"
    "    topics create TOPIC --partitions N [settings]   create a topic\n"
    "    topics list                      list the topics\n"
    "    topics describe [TOPIC]          partitions, offsets, sizes, config\n"
    "    topics alter TOPIC [settings]    change settings; others are kept\n"
    "    topics delete TOPIC              delete a topic and its records\n"
    "    produce TOPIC                    records from stdin, one per line\n"
    "    consume TOPIC                    print records, waiting for new ones\n"
    "    groups list                      list the consumer groups\n"
    "    groups describe [GROUP]          offsets and lag, members, state\n"
    "    groups reset-offsets GROUP --to-...   move committed offsets (a\n"
    "                                     dry run until --execute)\n"
    "    groups delete GROUP              delete a group's offsets\n"
    "    verify [TOPIC]                   check every stored batch\n"
    "    stats                            file, map, readers, per-topic rates\n"
    "    backup DEST                      consistent copy while in use\n"
    "    dlt redrive TOPIC                move dead letters back to their\n"
    "                                     topics to be tried again\n"
    "    version                          print the version\n"
    "\n"
    "    Run 'rill help COMMAND' or 'rill COMMAND --help' for its options.\n"
    "\n"
    "OPTIONS\n"
    "    -d, --dir DIR   the rill directory (wins over RILL_DIR)\n"
    "    -h, --help      show help and exit\n"
    "    -V, --version   print the version and exit\n"
    "    Options may come before or after the command; '--' ends them.\n"
    "    A value may follow as the next argument or after '=':\n"
    "    --partitions 3, --partitions=3.\n"
    "\n"
    "ENVIRONMENT\n"
    "    RILL_DIR    the rill directory when -d is not given\n"
    "\n"
    "EXIT STATUS\n"
    "    0   success\n"
    "    1   an error (the message on stderr says what failed), or\n"
    "        verify found problems\n"
    "    2   a usage error: unknown command or option, missing or bad\n"
    "        argument, no directory; nothing was done\n"
    "\n"
    "    Commands that only look (list, describe, consume without a group,\n"
    "    reset-offsets without --execute, verify, stats, backup) open the\n"
    "    directory read-only. Only 'topics create' creates a missing\n"
    "    directory.\n"
    "\n"
    "EXAMPLES\n"
    "    export RILL_DIR=/var/lib/myapp/events\n"
    "    rill topics create orders --partitions 3\n"
    "    printf 'k1:hello\\nk2:world\\n' |\n"
    "        rill produce orders --key-separator :\n"
    "    rill consume orders --from-beginning -e --format '%p/%o %k=%v\\n'\n"
    "    rill groups describe billing\n";

static const char topics_text[] =
    "Usage: rill topics COMMAND [OPTIONS]\n"
    "\n"
    "    create TOPIC --partitions N [settings]  create a topic\n"
    "    list [--json]                           list topic names\n"
    "    describe [TOPIC] [--json]               describe one or every topic\n"
    "    alter TOPIC [settings] [--if-exists]    change the settings given\n"
    "    delete TOPIC [--if-exists]              delete a topic\n"
    "\n"
    "Run 'rill topics COMMAND --help' for details.\n";

#define TOPIC_SETTINGS                                                         \
    "    --config KEY=VALUE      a setting by name; repeatable. Kafka's:\n"    \
    "                            retention.ms, retention.bytes,\n"             \
    "                            cleanup.policy, delete.retention.ms,\n"       \
    "                            max.message.bytes, compression.type;\n"       \
    "                            rill's: compression.level, partitioner,\n"    \
    "                            retain.groups, retain.groups.max.bytes.\n"    \
    "                            The options below set the same.\n"            \
    "    --partitions N          partitions (1..65536); alter may only add\n"  \
    "    --retention-ms MS       keep records this long; -1 forever\n"         \
    "    --retention-bytes N     per partition; -1 unlimited\n"                \
    "    --cleanup POLICY        delete, compact or compact,delete\n"          \
    "    --delete-retention-ms MS  how long a compacted topic keeps\n"         \
    "                            tombstones (default a day)\n"                 \
    "    --retain-groups G,G     retention waits for these groups to\n"        \
    "                            commit past records ('' for none)\n"          \
    "    --retain-groups-max-bytes N  per partition: beyond it records go\n"   \
    "                            anyway (required with --retain-groups)\n"     \
    "    --compression C         zstd or none\n"                               \
    "    --compression-level N   zstd level -7..22; 0 zstd's default\n"        \
    "    --max-record-bytes N    largest record (key+value+headers);\n"        \
    "                            at most 67108864\n"                           \
    "    --partitioner P         murmur2 (Kafka's Java client) or crc32\n"     \
    "                            (librdkafka's consistent)\n"

static const char topics_create_text[] =
    "Usage: rill topics create TOPIC --partitions N [settings]\n"
    "\n"
    "Creates TOPIC (1..249 characters of [A-Za-z0-9._-]). A missing\n"
    "directory is created. Defaults: retention forever, cleanup delete,\n"
    "no compression, 1 MiB records, murmur2.\n"
    "\n"
    "Settings:\n" TOPIC_SETTINGS "\n"
    "Options:\n"
    "    --if-not-exists         succeed if the topic exists already\n"
    "    -d, --dir DIR           the rill directory (else RILL_DIR)\n"
    "\n"
    "Example:\n"
    "    rill topics create orders --partitions 3 --compression zstd\n";

static const char topics_list_text[] =
    "Usage: rill topics list [--json]\n"
    "\n"
    "Prints the topic names, one per line, in byte order; with --json, a\n"
    "JSON array of names.\n";

static const char topics_describe_text[] =
    "Usage: rill topics describe [TOPIC] [--json]\n"
    "\n"
    "Shows a topic's settings, by the names 'topics alter --config'\n"
    "takes, and per partition its first and next offsets, records,\n"
    "batches and stored bytes. Without TOPIC, every topic. With --json,\n"
    "a JSON array with one object per topic: name, partition_count,\n"
    "created_ms, config{...}, configs{\"retention.ms\": \"-1\", ...} (each\n"
    "value a string --config takes), partitions[...].\n";

static const char topics_alter_text[] =
    "Usage: rill topics alter TOPIC [settings] [--if-exists]\n"
    "\n"
    "Changes the settings given and keeps every other one, as Kafka's\n"
    "kafka-configs.sh --alter does. Partitions may only grow; new\n"
    "partitions start empty, and keyed records produced afterwards may\n"
    "map to other partitions, as in Kafka. An unknown key or a bad value\n"
    "is refused, naming it, and nothing changes.\n"
    "\n"
    "Settings:\n" TOPIC_SETTINGS "\n"
    "    --if-exists             succeed if the topic does not exist\n"
    "\n"
    "Examples:\n"
    "    rill topics alter orders --config retention.ms=604800000 \\\n"
    "        --config cleanup.policy=compact,delete\n"
    "    rill topics alter orders --partitions 6\n";

static const char topics_delete_text[] =
    "Usage: rill topics delete TOPIC [--if-exists]\n"
    "\n"
    "Deletes TOPIC, its records and every group's offsets for it.\n"
    "\n"
    "    --if-exists             succeed if the topic does not exist\n";

static const char produce_text[] =
    "Usage: rill produce TOPIC [OPTIONS] < lines\n"
    "       rill produce TOPIC --file PATH [--key KEY] [OPTIONS]\n"
    "\n"
    "Appends one record per line of stdin (the newline is not part of\n"
    "it; an empty line is an empty value). Lines are written in chunks of\n"
    "up to 1000 records, each chunk atomically and in order. With\n"
    "--file, the whole file (- for stdin) is one record's value, byte for\n"
    "byte. Keyed records go to partition murmur2(key) (or crc32) like\n"
    "Kafka's clients; records without a key are spread.\n"
    "\n"
    "Options:\n"
    "    --key-separator SEP   the part of a line before the first SEP is\n"
    "                          the key, the rest the value; a line without\n"
    "                          SEP is an error (earlier lines are kept)\n"
    "    --key KEY             the key of every record\n"
    "    --header KEY=VALUE    a header on every record; repeatable\n"
    "    -p, --partition N     write to partition N instead\n"
    "    --sync MODE           always (fsync each chunk; the default),\n"
    "                          interval or none, for this process\n"
    "    --file PATH           send PATH as one binary value\n"
    "    -v, --verbose         print 'partition P offset O' per record\n"
    "\n"
    "Progress is shown on stderr when it is a terminal.\n"
    "\n"
    "Example:\n"
    "    printf 'u1:login\\nu2:logout\\n' |\n"
    "        rill produce events --key-separator : --header src=web -v\n";

static const char consume_text[] =
    "Usage: rill consume TOPIC [OPTIONS]\n"
    "\n"
    "Prints records of TOPIC, one format (or one JSON line) per record.\n"
    "Without --group it reads every partition (or the one given) from the\n"
    "end: only new records, unless --from-beginning or --offset. With\n"
    "--group it joins the group like any consumer: partitions are shared\n"
    "with the group's other members, reading starts at the group's\n"
    "committed offsets, and offsets are committed every 5 s and when it\n"
    "stops.\n"
    "\n"
    "Like Kafka's console consumer it waits for new records until it is\n"
    "stopped: by SIGINT or SIGTERM, after --max records, after\n"
    "--timeout-ms without records, or, with --exit-at-end, once it has\n"
    "read every partition to its end. Scripts want one of the last three.\n"
    "It stops too when the pipe it prints to is closed ('| head -5').\n"
    "\n"
    "Options:\n"
    "    --from-beginning      start at the first record (with --group: for\n"
    "                          partitions without a committed offset)\n"
    "    --offset N            start at offset N (kept within the log), or\n"
    "                          earliest or latest\n"
    "    -p, --partition N     only partition N\n"
    "    -g, --group GROUP     consume as a member of GROUP\n"
    "    --client-id ID        the member's client id (rill-consume)\n"
    "    -n, --max N           stop after N records\n"
    "    --max-messages N      the same, by Kafka's name\n"
    "    -e, --exit-at-end     stop once every partition (with --group:\n"
    "                          every one assigned to it) was read to its\n"
    "                          end; a partition stays done once it got\n"
    "                          there, so records that keep coming do not\n"
    "                          hold it (kcat's -e)\n"
    "    --timeout-ms MS       stop after MS without records\n"
    "    -f, --follow          wait for records until stopped (the\n"
    "                          default; excludes --exit-at-end)\n"
    "    --format FMT          how to print a record (default '%v\\n')\n"
    "    --escape              print keys, values and header values with\n"
    "                          C escapes: \\n \\t \\r \\\\, and \\xHH for\n"
    "                          other control bytes and invalid UTF-8\n"
    "    --base64              print keys, values and header values in\n"
    "                          base64\n"
    "    --null TEXT           print TEXT for a missing key or value\n"
    "                          (default: nothing)\n"
    "    --json                one JSON object per record and line (not\n"
    "                          with --format, --escape, --base64, --null)\n"
    "\n"
    "Without --escape or --base64 bytes are printed as they are, so\n"
    "--format %v with one record gives back a file sent with --file.\n"
    "\n"
    "Format:\n"
    "    %k key       %v value     %h headers as k=v,k=v\n"
    "    %p partition %o offset    %t timestamp (ms since the epoch)\n"
    "    %T topic     %K key length, %V value length (-1 when missing)\n"
    "    %% a percent sign; \\n \\t \\r \\0 \\\\ the usual characters\n"
    "\n"
    "JSON:\n"
    "    {\"topic\":\"orders\",\"partition\":0,\"offset\":5,\n"
    "     \"timestamp\":1714564800000,\"key\":\"k1\",\"value\":\"hello\",\n"
    "     \"headers\":[{\"key\":\"src\",\"value\":\"web\"}]}\n"
    "    timestamp is in ms since the epoch. A key, value, header key or\n"
    "    header value that is not valid UTF-8 comes in base64 instead,\n"
    "    named key_base64 or value_base64, so every byte survives. A\n"
    "    missing key, and a tombstone's value, are null.\n"
    "\n"
    "Examples:\n"
    "    rill consume orders --from-beginning -e --format '%k\\t%v\\n'\n"
    "    rill consume orders --group billing\n"
    "    rill consume orders --partition 2 --offset 100 --max 10 --escape\n"
    "    rill consume orders --from-beginning --json --timeout-ms 1000\n";

static const char groups_text[] =
    "Usage: rill groups COMMAND [OPTIONS]\n"
    "\n"
    "    list [--json]                  list the groups\n"
    "    describe [GROUP] [--members | --state] [--json]\n"
    "                                   offsets and lag, members, or state\n"
    "                                   of a group or of every group\n"
    "    reset-offsets (GROUP | --all-groups) TARGET [--topic T[:P,P]]\n"
    "                  [--export] [--execute]\n"
    "                                   move the committed offsets\n"
    "    delete GROUP                   delete the group and its offsets\n"
    "\n"
    "Run 'rill groups COMMAND --help' for details.\n";

static const char groups_list_text[] =
    "Usage: rill groups list [--json]\n"
    "\n"
    "Prints the groups that have members or committed offsets, sorted.\n";

static const char groups_describe_text[] =
    "Usage: rill groups describe [GROUP | --all-groups] [VIEW] [--verbose]\n"
    "                            [--json]\n"
    "\n"
    "Describes GROUP, or without it (or with --all-groups) every group,\n"
    "in one of the views of kafka-consumer-groups.sh --describe. Groups\n"
    "without a live member, or whose partitions are moving, are noted on\n"
    "stderr.\n"
    "\n"
    "Views:\n"
    "    --offsets    (the default) per partition: GROUP, TOPIC, PARTITION,\n"
    "                 CURRENT-OFFSET (committed), LOG-END-OFFSET, LAG,\n"
    "                 CONSUMER-ID and CLIENT-ID of its owner ('-' for\n"
    "                 none), and LOST after LAG when retention removed\n"
    "                 records before the group committed them. A\n"
    "                 partition without a committed offset shows '-' as\n"
    "                 CURRENT-OFFSET and LAG, and a note says how many\n"
    "                 records a member starting now would read there:\n"
    "                 all of them with auto_offset_reset=earliest, none\n"
    "                 with latest.\n"
    "    --members    per member: GROUP, CONSUMER-ID, HOST/PID (every\n"
    "                 member runs on this host), CLIENT-ID, #PARTITIONS;\n"
    "                 with --verbose also ALIVE (its process holds its\n"
    "                 lock), LAST-POLL and ASSIGNMENT, as topic(0,1).\n"
    "    --state      per group: GROUP, ASSIGNMENT-STRATEGY, STATE (Stable,\n"
    "                 Rebalancing or Empty), #MEMBERS, GENERATION.\n"
    "\n"
    "JSON (--json): an object for GROUP, else an array of them, each with\n"
    "\"group\" and the view's fields. --offsets gives everything: state,\n"
    "generation, assignor, partitions[{topic, partition, committed, lag,\n"
    "first_offset, end_offset, lost, owner, client_id}] and members[...];\n"
    "without a committed offset, committed and lag are null and\n"
    "lag_if_earliest says what a member with earliest would read.\n"
    "--members gives members[{member_id, client_id, host, pid, alive,\n"
    "last_poll_ms, session_timeout_ms, assigned[...]}]; --state gives\n"
    "state, generation, assignor, member_count, live_member_count.\n"
    "\n"
    "Examples:\n"
    "    rill groups describe billing\n"
    "    rill groups describe --all-groups --state\n"
    "    rill groups describe billing --members --verbose\n";

static const char groups_reset_text[] =
    "Usage: rill groups reset-offsets (GROUP | --all-groups) TARGET\n"
    "           [--topic TOPIC[:P,P,...] ... | --all-topics]\n"
    "           [--dry-run | --execute] [--export]\n"
    "\n"
    "Sets the committed offsets of GROUP, or of every group, as\n"
    "kafka-consumer-groups.sh --reset-offsets does. Without --execute it\n"
    "only prints what it would set: GROUP, TOPIC, PARTITION,\n"
    "CURRENT-OFFSET ('-' for none), NEW-OFFSET. With --execute it sets\n"
    "each group's offsets in one transaction (all of the group's\n"
    "partitions or none) and prints what the group then has. A group\n"
    "with a live member is refused (exit 1): stop its consumers first;\n"
    "with --all-groups the other groups are still reset. Offsets outside\n"
    "a log are kept within it, with a note on stderr.\n"
    "\n"
    "Target (one of):\n"
    "    --to-earliest         the first offset in the log\n"
    "    --to-latest           the end: skip everything\n"
    "    --to-offset N         offset N\n"
    "    --shift-by N          the committed offset plus N (negative to go\n"
    "                          back); a partition without one is left out\n"
    "                          of --all-topics and refused by --topic, as\n"
    "                          Kafka does\n"
    "    --to-datetime TIME    the first record at or after TIME, ISO 8601\n"
    "                          (2024-05-01T12:00:00Z, +02:00 zones; UTC\n"
    "                          when no zone) or milliseconds since the epoch\n"
    "    --by-duration DUR     the first record at or after DUR ago, an ISO\n"
    "                          8601 duration PnDTnHnMnS (PT10M, P1DT12H,\n"
    "                          PT0.5S); not negative\n"
    "    --to-current          the committed offset as it is, and, as\n"
    "                          Kafka does, the end of the log where there\n"
    "                          is none\n"
    "    --from-file FILE      the offsets of FILE (- for stdin), as\n"
    "                          --export writes them: lines of\n"
    "                          topic,partition,offset for GROUP, or\n"
    "                          group,topic,partition,offset (with GROUP\n"
    "                          only its lines count; with --all-groups,\n"
    "                          the groups the file names)\n"
    "\n"
    "Scope (not with --from-file):\n"
    "    -t, --topic TOPIC     every partition of TOPIC; repeatable\n"
    "    -t, --topic TOPIC:P,P only those partitions\n"
    "    --all-topics          every partition of each topic the group has\n"
    "                          committed offsets for (the default)\n"
    "\n"
    "Options:\n"
    "    --all-groups          every group, one at a time\n"
    "    --export              print CSV instead of the table: one line per\n"
    "                          partition, topic,partition,new-offset (with\n"
    "                          --all-groups, the group first), no header;\n"
    "                          --from-file reads it back\n"
    "    --execute             reset for real\n"
    "    --dry-run             only print (the default)\n"
    "\n"
    "Examples:\n"
    "    rill groups reset-offsets billing --to-earliest --topic orders\n"
    "    rill groups reset-offsets billing --shift-by -100 --topic orders:0,2\n"
    "    rill groups reset-offsets billing --by-duration PT30M --execute\n"
    "    rill groups reset-offsets billing --to-current --export > saved.csv\n"
    "    rill groups reset-offsets billing --from-file saved.csv --execute\n";

static const char groups_delete_text[] =
    "Usage: rill groups delete GROUP\n"
    "\n"
    "Deletes GROUP's state and committed offsets. Refused while a member\n"
    "is alive.\n";

static const char verify_text[] =
    "Usage: rill verify [TOPIC]\n"
    "\n"
    "Reads every stored batch of TOPIC (or of every topic) and checks its\n"
    "CRC, lengths, records, and that offsets follow on. Each problem is\n"
    "printed as 'topic/partition offset: message', then a summary line.\n"
    "Exit status 1 when a problem was found. Runs alongside producers and\n"
    "consumers. Progress is shown on stderr when it is a terminal.\n";

static const char stats_text[] =
    "Usage: rill stats [--json]\n"
    "\n"
    "Prints the directory's file size, map size, page size, pages used\n"
    "and free, reader slots, and per topic its partitions, records, bytes\n"
    "and the records written in the last 60 s, per second.\n";

static const char backup_text[] =
    "Usage: rill backup DEST [--no-compact]\n"
    "\n"
    "Copies the directory into DEST (which must not exist), consistently,\n"
    "while other processes go on writing. The copy is compacted (free\n"
    "pages left out) unless --no-compact; to shrink a directory, back it\n"
    "up, stop its users, and put the copy in its place. Progress is shown\n"
    "on stderr when it is a terminal.\n";

static const char dlt_text[] =
    "Usage: rill dlt COMMAND [OPTIONS]\n"
    "\n"
    "    redrive TOPIC [--max N]        move the records of dead-letter\n"
    "                                   TOPIC back to their topics\n"
    "\n"
    "Run 'rill dlt COMMAND --help' for details.\n";

static const char dlt_redrive_text[] =
    "Usage: rill dlt redrive TOPIC [--max N]\n"
    "\n"
    "Moves the records of the dead-letter topic TOPIC (such as\n"
    "orders.dlt, written by a rill_retrier) back to the topic each came\n"
    "from, named in its rill-retry-original-topic header, and to its\n"
    "original partition, without the rill-retry-* headers: the retrier\n"
    "tries them again from the first attempt. Records stay in TOPIC too.\n"
    "\n"
    "Group TOPIC-redrive remembers how far it got, in the same\n"
    "transactions as the records it moved: running it again continues\n"
    "there and never moves a record twice, even after a crash. Records\n"
    "without the header are passed over. Prints how many it moved.\n"
    "\n"
    "Options:\n"
    "    -n, --max N           move at most N records\n"
    "\n"
    "Example:\n"
    "    rill dlt redrive email-requests.dlt\n";

static const char version_text[] = "Usage: rill version\n"
                                   "\n"
                                   "Prints the library's version.\n";

const char *help_text(int command)
{
    static const char *const texts[CLI_NCOMMANDS] = {
        [CLI_MAIN] = main_text,
        [CLI_HELP] = main_text,
        [CLI_VERSION] = version_text,
        [CLI_TOPICS] = topics_text,
        [CLI_TOPICS_CREATE] = topics_create_text,
        [CLI_TOPICS_LIST] = topics_list_text,
        [CLI_TOPICS_DESCRIBE] = topics_describe_text,
        [CLI_TOPICS_ALTER] = topics_alter_text,
        [CLI_TOPICS_DELETE] = topics_delete_text,
        [CLI_PRODUCE] = produce_text,
        [CLI_CONSUME] = consume_text,
        [CLI_GROUPS] = groups_text,
        [CLI_GROUPS_LIST] = groups_list_text,
        [CLI_GROUPS_DESCRIBE] = groups_describe_text,
        [CLI_GROUPS_RESET] = groups_reset_text,
        [CLI_GROUPS_DELETE] = groups_delete_text,
        [CLI_VERIFY] = verify_text,
        [CLI_STATS] = stats_text,
        [CLI_BACKUP] = backup_text,
        [CLI_DLT] = dlt_text,
        [CLI_DLT_REDRIVE] = dlt_redrive_text,
    };
    if (command < 0 || command >= CLI_NCOMMANDS || !texts[command])
        return main_text;
    return texts[command];
}
