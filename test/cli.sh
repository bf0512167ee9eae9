#!/bin/sh
# cli.sh -- the rill tool end to end, through the real binary $B/rill:
# topics (settings by Kafka's config names), produce and consume (every
# format option, binary values, JSON lines, waiting for records another
# process produces, -e and --timeout-ms), a group consumed by two
# processes at once, groups describe's views, every offset reset target
# and scope with the CSV round trip, resets refused while a member
# lives, verify on a clean and on a corrupted copy, stats, backup, and
# the usage errors (exit 2) scripts depend on. Processes synchronise by
# polling for a condition (await), never by sleeping a fixed time.
set -u
B=${B:-build/release}
RILL="$B/rill"
[ -x "$RILL" ] || { echo "cli.sh: no $RILL (build it with make)" >&2; exit 1; }
# The system's python3 (a version manager's shim on PATH can cost a second
# a call); JSON is checked with it.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || { echo "cli.sh: needs python3" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/rill-cli.XXXXXX") || exit 1
D="$T/dir"
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM
unset RILL_DIR

failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# run CODE ARGS...: runs rill, output in $T/out and $T/err, and checks
# its exit code.
run() {
    want=$1
    shift
    "$RILL" "$@" >"$T/out" 2>"$T/err"
    got=$?
    if [ "$got" != "$want" ]; then
        fail "rill $* exited $got, expected $want"
        sed 's/^/    stderr: /' "$T/err" >&2
    fi
}

# same NAME EXPECTED-TEXT: $T/out must be exactly the text (printf'd).
same() {
    printf "$2" >"$T/want"
    if ! cmp -s "$T/want" "$T/out"; then
        fail "$1: output differs"
        diff "$T/want" "$T/out" | sed 's/^/    /' | head -20 >&2
    fi
}

# has FILE TEXT: FILE contains TEXT.
has() {
    grep -q -e "$2" "$1" || { fail "$(basename "$1") lacks '$2'"; sed 's/^/    /' "$1" | head -10 >&2; }
}

await() { # CONDITION-COMMAND...: true within ~20 s
    tries=0
    while ! "$@"; do
        tries=$((tries + 1))
        [ $tries -ge 200 ] && return 1
        sleep 0.1
    done
}

# sorted_same NAME EXPECTED-TEXT: $T/out, sorted, must be exactly the text.
sorted_same() {
    sort "$T/out" >"$T/sorted" && mv "$T/sorted" "$T/out"
    same "$@"
}

lines_in() { [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]; } # FILE has N lines or more

ms_now() { date +%s%3N; }

json_ok() {
    "$PY" -c 'import json,sys; json.load(sys.stdin)' <"$T/out" ||
        fail "$1: not valid JSON"
}

# ---- usage errors: exit 2, a message naming the mistake, --help hint ----

usage() { # EXPECTED-MESSAGE ARGS...
    msg=$1
    shift
    run 2 "$@"
    has "$T/err" "$msg"
    has "$T/err" "--help"
}
usage "unknown command 'frobnicate'" -d "$D" frobnicate
usage "unknown topics command 'frob'" -d "$D" topics frob
usage "missing TOPIC" -d "$D" topics create
usage "missing GROUP" -d "$D" groups delete
usage "bad number 'abc' for --partitions" -d "$D" topics create x --partitions abc
usage "bad number '-3' for --max" -d "$D" consume x --max -3
usage "unknown option '--bogus'" -d "$D" consume x --bogus
usage "option '--max' needs a value" -d "$D" consume x --max
usage "unknown placeholder '%q'" -d "$D" consume x --format '%q'
usage "does not apply" -d "$D" consume x --execute
usage "give one of --to-earliest" -d "$D" groups reset-offsets g
usage "--partitions N is required" -d "$D" topics create x
usage "no directory" topics list
usage "no command given"
[ -e "$D" ] && fail "a usage error created the directory"
run 1 -d "$D" topics list
has "$T/err" "no rill directory at"
run 1 -d "$D" produce x </dev/null
[ -e "$D" ] && fail "produce created a missing directory"

run 0 --help
has "$T/out" "EXIT STATUS"
run 0 help consume
has "$T/out" "%k key"
run 0 topics create --help
has "$T/out" "Usage: rill topics create"

# ---- topics ----

run 0 -d "$D" topics create events --partitions 1
same "create" "created topic events with 1 partition\n"
export RILL_DIR="$D"
run 0 topics create orders --partitions 3 --compression zstd
run 1 topics create orders --partitions 3
has "$T/err" "already exists"
run 0 topics create orders --partitions 3 --if-not-exists
run 0 topics list
same "topics list" "events\norders\n"
run 0 topics list --json
same "topics list --json" '["events","orders"]\n'
run 0 topics alter orders --retention-ms 3600000
run 0 topics describe orders
has "$T/out" "Partitions: 3 "
has "$T/out" "retention.ms=3600000 "
has "$T/out" "compression.type=zstd"
run 0 topics describe --json
json_ok "topics describe --json"
run 0 topics create kept --partitions 2 --cleanup compact \
    --retain-groups a,b --retain-groups-max-bytes 1000000
run 0 topics alter kept --retention-bytes 5000000 --partitions 3
run 0 topics describe kept
has "$T/out" "Partitions: 3 "
has "$T/out" "retention.bytes=5000000 cleanup.policy=compact"
has "$T/out" "retain.groups=a,b retain.groups.max.bytes=1000000"
run 2 topics alter kept --retention-ms 0
has "$T/err" "expected -1 for no limit"
run 0 topics delete kept
run 1 topics delete kept
run 0 topics delete kept --if-exists
# Settings by Kafka's config names, as kafka-configs.sh --alter takes them;
# describe prints the same names.
run 0 topics create cfg --partitions 1 --config retention.ms=60000
run 0 topics alter cfg --config retention.bytes=10000000 \
    --config cleanup.policy=compact,delete --config max.message.bytes=2048 \
    --config compression.type=zstd --config compression.level=5 \
    --config delete.retention.ms=1000 --partitions 2
same "alter --config" "altered topic cfg\n"
run 0 topics describe cfg
has "$T/out" "^Topic: cfg  Partitions: 2 "
has "$T/out" "^Config: retention.ms=60000 retention.bytes=10000000 cleanup.policy=compact,delete delete.retention.ms=1000 compression.type=zstd compression.level=5 max.message.bytes=2048 partitioner=murmur2$"
run 0 topics describe cfg --json
"$PY" -c '
import json, sys
c = json.load(sys.stdin)[0]["configs"]
want = {"retention.ms": "60000", "retention.bytes": "10000000",
        "cleanup.policy": "compact,delete", "delete.retention.ms": "1000",
        "max.message.bytes": "2048", "compression.type": "zstd",
        "compression.level": "5", "partitioner": "murmur2",
        "retain.groups": "", "retain.groups.max.bytes": "0"}
if c != want:
    sys.exit("configs: %r" % c)' <"$T/out" || fail "topics describe --json: configs differ"
run 0 topics alter cfg --config cleanup.policy=delete --config retention.ms=-1
run 0 topics describe cfg
has "$T/out" "^Config: retention.ms=-1 retention.bytes=10000000 cleanup.policy=delete compression.type=zstd"
usage "unknown config 'segment.bytes'" topics alter cfg --config segment.bytes=1
usage "bad value 'gzip' for compression.type (expected zstd or none)" topics alter cfg --config compression.type=gzip
usage "bad value 'tidy' for cleanup.policy" topics alter cfg --config cleanup.policy=tidy
usage "bad number '1x' for max.message.bytes" topics alter cfg --config max.message.bytes=1x
usage "bad value '0' for retention.ms (expected -1 for no limit" topics alter cfg --config retention.ms=0
usage "bad --config 'retention.ms'" topics alter cfg --config retention.ms
usage "retention.ms: that setting was given already" topics alter cfg --retention-ms 5 --config retention.ms=6
run 1 topics alter cfg --partitions 1 --config retention.ms=5
has "$T/err" "cannot shrink"
run 0 topics describe cfg
has "$T/out" "^Topic: cfg  Partitions: 2 "
has "$T/out" "^Config: retention.ms=-1 "
# Without a topic, describe shows every topic.
run 0 topics describe
has "$T/out" "^Topic: cfg "
has "$T/out" "^Topic: events "
has "$T/out" "^Topic: orders "
run 0 topics delete cfg
RILL_DIR="$T/elsewhere" "$RILL" -d "$D" topics list >/dev/null 2>&1 ||
    fail "-d did not win over RILL_DIR"

# ---- produce keyed lines with headers, consume them with each format ----

Q="--timeout-ms 300" # stop after 300 ms without records (the default waits)

start=$(date +%s)000
printf 'alice:hello world\nbob:tab\there\ncarol:\ndave:x:y\n' >"$T/lines"
run 0 produce events --key-separator : --header src=cli --header trace=42 -v <"$T/lines"
same "produce -v" "partition 0 offset 0\npartition 0 offset 1\npartition 0 offset 2\npartition 0 offset 3\n"
end=$(($(date +%s) + 1))000

run 0 consume events --from-beginning -e
same "default format" 'hello world\ntab\there\n\nx:y\n'
run 0 consume events $Q --from-beginning --format '%k=%v\n'
same "%k=%v" 'alice=hello world\nbob=tab\there\ncarol=\ndave=x:y\n'
run 0 consume events $Q --from-beginning --format '%T %p %o %K %V|%h\n'
same "%T %p %o %K %V %h" 'events 0 0 5 11|src=cli,trace=42\nevents 0 1 3 8|src=cli,trace=42\nevents 0 2 5 0|src=cli,trace=42\nevents 0 3 4 3|src=cli,trace=42\n'
run 0 consume events $Q --from-beginning --format '%o%%\t%k\0'
same "%%, \\t and \\0" '0%%\talice\0001%%\tbob\0002%%\tcarol\0003%%\tdave\000'
run 0 consume events $Q --from-beginning --format '%t\n'
while read -r ts; do
    [ "$ts" -ge "$start" ] && [ "$ts" -le "$end" ] || fail "%t gave $ts, not in $start..$end"
done <"$T/out"
run 0 consume events $Q --from-beginning --escape --format '%k %v\n'
same "--escape" 'alice hello world\nbob tab\\there\ncarol \ndave x:y\n'
run 0 consume events $Q --from-beginning --base64 --format '%k %v %h\n'
same "--base64" 'YWxpY2U= aGVsbG8gd29ybGQ= src=Y2xp,trace=NDI=\nYm9i dGFiCWhlcmU= src=Y2xp,trace=NDI=\nY2Fyb2w=  src=Y2xp,trace=NDI=\nZGF2ZQ== eDp5 src=Y2xp,trace=NDI=\n'
run 0 consume events $Q --partition 0 --offset 2 --format '%o\n'
same "--offset" '2\n3\n'
run 0 consume events $Q --from-beginning --max 2 --format '%o\n'
same "--max" '0\n1\n'
run 0 consume events --format '%o\n' --timeout-ms 0
same "from the end by default" ''

# A record without a key, and a binary file as one value.
printf 'no key here\n' | "$RILL" produce events >/dev/null || fail "produce without key"
run 0 consume events $Q --offset 4 --format '[%k]%v %K\n' --null NULL
same "--null" '[NULL]no key here -1\n'
printf 'a\000b\nc\377\001\\' >"$T/blob"
run 0 produce events --file "$T/blob" --key blob -v
same "--file -v" 'partition 0 offset 5\n'
run 0 consume events $Q --offset 5 --format '%v'
cmp -s "$T/blob" "$T/out" || fail "--file did not round-trip byte for byte"
run 0 consume events $Q --offset 5 --escape --format '%k:%v\n'
same "--escape binary" 'blob:a\\x00b\\nc\\xff\\x01\\\\\n'

# A line without the separator stops produce after the lines before it.
run 1 produce events --key-separator : <<EOF
k:first
no separator
EOF
has "$T/err" "line 2 has no key separator"
run 0 consume events $Q --offset 6 --format '%k %v\n'
same "lines before a bad one" 'k first\n'

# ---- consume: waiting like Kafka's console consumer, -e, --json ----

usage "--json prints every field" consume x --json --format '%v'
usage "cannot be combined with --base64" consume x --json --base64
usage "--follow and --exit-at-end exclude" consume x -f -e
usage "--max and --max-messages are one option" consume x --max 1 --max-messages 2
run 0 topics create js --partitions 2
printf 'h\303\251 \342\234\223\n\000\177"\\' >"$T/utf8"
printf '\000\377\376binary' >"$T/bin"
run 0 produce js --partition 0 --file "$T/utf8" --key "$(printf 'k\303\251')"
run 0 produce js --partition 0 --file "$T/bin" --header "b=$(printf '\377')" --header t=x
run 0 produce js --partition 1 <<EOF
plain
EOF

run 0 consume js --from-beginning -e --format '%p %o\n'
sorted_same "-e reads every partition to its end" '0 0\n0 1\n1 0\n'
run 0 consume js --from-beginning --exit-at-end --partition 1 --format '%o %v\n'
same "--exit-at-end with --partition" '0 plain\n'
run 0 consume js --offset latest -e
same "-e from the end" ''
run 0 consume js --from-beginning --max-messages 1 --partition 0 --format '%o\n'
same "--max-messages" '0\n'

# --json: one object per line; text where the bytes are UTF-8 (NUL and
# DEL included), base64 where they are not, null for no key.
run 0 consume js --partition 0 --from-beginning -e --json
"$PY" - "$T/out" "$T/utf8" "$T/bin" <<'PY' || fail "consume --json: not the records byte for byte"
import base64, json, sys
lines = open(sys.argv[1], "rb").read().decode("utf-8").split("\n")
utf8, binary = (open(p, "rb").read() for p in sys.argv[2:4])
assert len(lines) == 3 and lines[2] == "", lines
a, b = (json.loads(line) for line in lines[:2])
assert (a["topic"], a["partition"], a["offset"]) == ("js", 0, 0), a
assert isinstance(a["timestamp"], int) and a["timestamp"] > 0, a
assert a["key"] == "k\u00e9" and a["value"].encode("utf-8") == utf8, a
assert "value_base64" not in a and a["headers"] == [], a
assert b["offset"] == 1 and b["key"] is None and "value" not in b, b
assert base64.b64decode(b["value_base64"]) == binary, b
assert b["headers"] == [{"key": "b", "value_base64": "/w=="},
                        {"key": "t", "value": "x"}], b
PY
sed 's/"timestamp":[0-9]*,/"timestamp":T,/' "$T/out" | tail -n 1 >"$T/out2"
mv "$T/out2" "$T/out"
same "--json of a binary record" '{"topic":"js","partition":0,"offset":1,"timestamp":T,"key":null,"value_base64":"AP/+YmluYXJ5","headers":[{"key":"b","value_base64":"/w=="},{"key":"t","value":"x"}]}\n'

# By default consume waits for new records. One consumer reads partition
# 1 and waits; a second, stopping after 1.5 s without records (longer
# than the old default of stopping after 1 s), shows --timeout-ms and
# keeps the first idle that long; then another process produces, and the
# first prints the record.
"$RILL" consume js --partition 1 --from-beginning --format '%o %v\n' >"$T/w" 2>"$T/w.err" &
pw=$!
pids=$pw
await lines_in "$T/w" 1 || fail "the waiting consumer never printed the first record"
t0=$(ms_now)
run 0 consume js --partition 1 --offset latest --timeout-ms 1500
took=$(($(ms_now) - t0))
same "--timeout-ms without records" ''
[ $took -ge 1500 ] && [ $took -lt 15000 ] || fail "--timeout-ms 1500 took $took ms"
kill -0 $pw 2>/dev/null || fail "consume stopped at the end instead of waiting: $(cat "$T/w.err")"
run 0 produce js --partition 1 <<EOF
late
EOF
await lines_in "$T/w" 2 || fail "the waiting consumer never printed the record produced after it started"
kill -0 $pw 2>/dev/null || fail "consume stopped after the new record instead of waiting"
kill -TERM $pw
wait $pw || fail "a waiting consumer exited $? on SIGTERM: $(cat "$T/w.err")"
pids=""
printf '0 plain\n1 late\n' | cmp -s "$T/w" - || fail "the waiting consumer printed: $(cat "$T/w")"

# A reader that goes away (head) stops a waiting consumer too; the
# --timeout-ms is only a net, far longer than the test allows.
t0=$(ms_now)
"$RILL" consume js --from-beginning --timeout-ms 20000 --format '%o\n' | head -n 1 >"$T/out"
took=$(($(ms_now) - t0))
same "consume | head -n 1" '0\n'
[ $took -lt 10000 ] || fail "consume went on waiting after its reader had gone ($took ms)"

# -e as a group member: every partition it was assigned, then its commit.
run 0 consume js --group jsg --from-beginning -e --format '%p %o\n'
sorted_same "-e in a group" '0 0\n0 1\n1 0\n1 1\n'
run 0 groups describe jsg --json
"$PY" -c 'import json,sys; g = json.load(sys.stdin); sys.exit(sum(p["lag"] for p in g["partitions"]))' <"$T/out" ||
    fail "group jsg has lag after consume -e"
run 0 groups delete jsg
run 0 topics delete js

# ---- a group consumed by two processes at once ----

i=1
while [ $i -le 300 ]; do
    echo "k$i:v$i"
    i=$((i + 1))
done >"$T/many"
run 0 produce orders --key-separator : <"$T/many"

lag() { # the group's total lag, from the describe table
    "$RILL" groups describe "$1" 2>/dev/null |
        awk -v g="$1" '$1 == g && $2 != "" { n += $6 } END { print n + 0 }'
}
lag_is() { [ "$(lag "$1")" = "$2" ]; }
alive() { "$RILL" groups describe "$1" --json 2>/dev/null | grep -q '"alive":true'; }

"$RILL" consume orders --group g1 --from-beginning --timeout-ms 3000 --format '%p %o %k\n' >"$T/c1" 2>"$T/c1.err" &
p1=$!
"$RILL" consume orders --group g1 --from-beginning --timeout-ms 3000 --format '%p %o %k\n' >"$T/c2" 2>"$T/c2.err" &
p2=$!
pids="$p1 $p2"
wait $p1 || fail "group consumer 1 exited $?: $(cat "$T/c1.err")"
wait $p2 || fail "group consumer 2 exited $?: $(cat "$T/c2.err")"
pids=""
n=$(sort -u "$T/c1" "$T/c2" | wc -l)
[ "$n" -eq 300 ] || fail "two group consumers saw $n distinct records, not 300"
await lag_is g1 0 || fail "group g1's lag is $(lag g1), not 0"
run 0 groups list
has "$T/out" "^g1$"
run 0 groups describe g1 --json
json_ok "groups describe --json"

# ---- groups describe: Kafka's views, of one group or of every group ----

# single_spaced: $T/out with runs of spaces made one (columns are padded
# to their widest cell, which varies with member ids and host names).
single_spaced() {
    sed 's/  */ /g' "$T/out" >"$T/out2" && mv "$T/out2" "$T/out"
}
run 0 topics create gd --partitions 2
run 0 produce gd --partition 0 <<EOF
a
b
c
EOF
run 0 produce gd --partition 1 <<EOF
d
e
EOF
# A member killed before its first commit: describe sees the death at
# once (no member has polled since), so the dead member owns nothing,
# the group is Empty, and there is no committed offset.
"$RILL" consume gd --group gdx --client-id gd-1 >/dev/null 2>"$T/gd.err" &
pg=$!
pids=$pg
await alive gdx || fail "the gd consumer never showed as alive"
kill -KILL $pg
wait $pg 2>/dev/null
pids=""
gid=$("$RILL" groups describe gdx --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["members"][0]["member_id"])')
run 0 groups describe gdx
single_spaced
same "describe gdx, nothing committed" "GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID CLIENT-ID
gdx gd 0 - 3 - - -
gdx gd 1 - 2 - - -
CURRENT-OFFSET -: nothing committed yet. A member starting now reads the 5 records there with auto_offset_reset=earliest, or only new ones with latest.\n"
has "$T/err" "Consumer group 'gdx' has no active members."
run 0 groups describe gdx --offsets --json
"$PY" -c '
import json, sys
g = json.load(sys.stdin)
rows = [(p["partition"], p["committed"], p["lag"], p["lag_if_earliest"],
         p["end_offset"], p["client_id"]) for p in g["partitions"]]
if g["group"] != "gdx" or rows != [(0, None, None, 3, 3, None),
                                   (1, None, None, 2, 2, None)]:
    sys.exit("partitions: %r" % rows)' <"$T/out" || fail "describe --json without commits"
run 0 groups describe gdx --members
single_spaced
same "describe --members" "GROUP CONSUMER-ID HOST/PID CLIENT-ID #PARTITIONS
gdx $gid $(uname -n)/$pg gd-1 0\n"
run 0 groups describe gdx --members --verbose
single_spaced
same "describe --members --verbose" "GROUP CONSUMER-ID HOST/PID CLIENT-ID #PARTITIONS ALIVE LAST-POLL ASSIGNMENT
gdx $gid $(uname -n)/$pg gd-1 0 no - -\n"
run 0 groups describe gdx --members --json
"$PY" -c '
import json, sys
m = json.load(sys.stdin)["members"]
if [(x["client_id"], x["alive"], len(x["assigned"])) for x in m] != [("gd-1", False, 0)]:
    sys.exit("members: %r" % m)' <"$T/out" || fail "describe --members --json"
run 0 groups describe gdx --state
single_spaced
same "describe --state" "GROUP ASSIGNMENT-STRATEGY STATE #MEMBERS GENERATION
gdx range Empty 1 1\n"
run 0 groups describe gdx --state --json
same "describe --state --json" '{"group":"gdx","state":"Empty","generation":1,"assignor":"range","member_count":1,"live_member_count":0}\n'
usage "give GROUP or --all-groups, not both" groups describe gdx --all-groups
usage "give one of --offsets, --members, --state" groups describe gdx --members --state

# Every group: without GROUP or with --all-groups, one table (or array).
"$RILL" groups list >"$T/groups"
run 0 groups describe --all-groups --state
awk 'NR > 1 { print $1 }' "$T/out" | cmp -s - "$T/groups" ||
    fail "describe --all-groups --state: not every group: $(cat "$T/out")"
run 0 groups describe
awk 'NR > 1 && $1 != "CURRENT-OFFSET" { print $1 }' "$T/out" | uniq | cmp -s - "$T/groups" ||
    fail "describe without a group: not every group: $(cat "$T/out")"
has "$T/out" "^g1 *orders *0 "
run 0 groups describe --json
"$PY" -c 'import json,sys; print("\n".join(g["group"] for g in json.load(sys.stdin)))' <"$T/out" |
    cmp -s - "$T/groups" || fail "describe --json of every group"
run 0 -d "$T/empty-dir" topics create nothing --partitions 1
run 0 -d "$T/empty-dir" groups describe
same "describe with no groups" ''
run 0 -d "$T/empty-dir" groups describe --json
same "describe --json with no groups" '[]\n'
run 0 groups delete gdx
run 0 topics delete gd

# ---- reset offsets: refused while a member lives, then from the start ----

"$RILL" consume orders --group g1 --follow >/dev/null 2>"$T/f.err" &
pf=$!
pids=$pf
await alive g1 || fail "the following consumer never showed as alive"
run 0 groups describe g1 --members --verbose
has "$T/out" "CONSUMER-ID"
has "$T/out" " yes "
run 0 groups describe g1
has "$T/out" "^g1 *orders *0 .* rill-consume$"
run 1 groups reset-offsets g1 --to-earliest --execute
has "$T/err" "live member"
run 0 groups reset-offsets g1 --to-earliest
has "$T/err" "dry run"
kill -TERM $pf
wait $pf || fail "a following consumer exited $? on SIGTERM: $(cat "$T/f.err")"
pids=""
run 0 groups reset-offsets g1 --to-earliest --execute
[ "$(lag g1)" = 300 ] || fail "after the reset the lag is $(lag g1), not 300"
run 0 consume orders --group g1 --timeout-ms 2000 --format '%k\n'
n=$(sort -u "$T/out" | wc -l)
[ "$n" -eq 300 ] || fail "after the reset the group read $n records, not 300"
await lag_is g1 0 || fail "after re-consuming, the lag is $(lag g1)"

run 0 groups reset-offsets g1 --to-offset 100 --topic orders --execute
run 0 groups reset-offsets g1 --to-datetime 2000-01-01T00:00:00Z
has "$T/out" "NEW-OFFSET"
# A second group keeps the list from being empty: rill_group_list sorts a
# NULL array when there are no groups, which UBSan (make asan) rejects.
run 0 consume events --group other --from-beginning --max 1
run 0 groups delete g1
run 0 groups list
same "groups list after a delete" 'other\n'

# ---- reset-offsets: every target, partition scopes, CSV, --all-groups ----

usage "give a GROUP or --all-groups" groups reset-offsets --to-earliest
usage "give a GROUP or --all-groups, not both" groups reset-offsets g --all-groups --to-earliest
usage "give one of --to-earliest" groups reset-offsets g --to-earliest --to-current
usage "bad --topic 'rs:'" groups reset-offsets g --to-earliest --topic rs:
usage "bad --topic 'rs:1,,2'" groups reset-offsets g --to-earliest --topic rs:1,,2
usage "bad --topic 'rs:65536'" groups reset-offsets g --to-earliest --topic rs:65536
usage "bad --topic ':1'" groups reset-offsets g --to-earliest --topic :1
usage "--topic and --all-topics exclude" groups reset-offsets g --to-earliest --topic rs --all-topics
usage "--from-file names its partitions" groups reset-offsets g --from-file x.csv --topic rs
usage "--dry-run and --execute exclude" groups reset-offsets g --to-earliest --dry-run --execute
usage "bad number 'x' for --shift-by" groups reset-offsets g --shift-by x
for d in -PT10M PT P P1M PT10M5H PT1.5M P1DT 10M PT-1S; do
    usage "bad duration '$d' for --by-duration" groups reset-offsets g --by-duration "$d"
done
for d in PT10M pt1h30m P1DT12H PT0.5S P2D; do
    run 0 groups reset-offsets rsA --by-duration "$d" --topic events:0
done

run 0 topics create rs --partitions 3
seq 10 | "$RILL" produce rs --partition 0 >/dev/null || fail "produce rs/0"
seq 5 | "$RILL" produce rs --partition 1 >/dev/null || fail "produce rs/1"
seq 2 | "$RILL" produce rs --partition 2 >/dev/null || fail "produce rs/2"

# --topic T:P,P: only those partitions; an offset past a log is kept
# within it, with a note.
run 0 groups reset-offsets rsA --topic rs:0,1 --to-offset 7 --execute
single_spaced
same "--topic rs:0,1 --to-offset 7" "GROUP TOPIC PARTITION CURRENT-OFFSET NEW-OFFSET
rsA rs 0 - 7
rsA rs 1 - 5\n"
has "$T/err" "rs/1: offset 7 is outside the log (0..5); 5 instead"
# --shift-by: by default (--all-topics) the partitions with an offset, as
# Kafka's; a --topic partition without one is refused.
run 0 groups reset-offsets rsA --shift-by -3
single_spaced
same "--shift-by -3" "GROUP TOPIC PARTITION CURRENT-OFFSET NEW-OFFSET
rsA rs 0 7 4
rsA rs 1 5 2\n"
has "$T/err" "rs/2 has no committed offset to shift"
has "$T/err" "dry run: nothing changed"
cp "$T/out" "$T/shift"
run 0 groups reset-offsets rsA --shift-by -3 --all-topics
single_spaced
cmp -s "$T/out" "$T/shift" || fail "--all-topics is not the default scope"
run 0 groups reset-offsets rsA --shift-by -30 --topic rs:0
single_spaced
same "--shift-by past the start" "GROUP TOPIC PARTITION CURRENT-OFFSET NEW-OFFSET
rsA rs 0 7 0\n"
run 1 groups reset-offsets rsA --shift-by 1 --topic rs
has "$T/err" "cannot shift group 'rsA' on rs/2: it has no committed offset"
# --to-current: the committed offset, and where there is none the log's
# end, as Kafka's tool does.
run 0 groups reset-offsets rsA --to-current --topic rs
single_spaced
same "--to-current" "GROUP TOPIC PARTITION CURRENT-OFFSET NEW-OFFSET
rsA rs 0 7 7
rsA rs 1 5 5
rsA rs 2 - 2\n"
# --to-datetime and --by-duration: the first record at or after the time.
run 0 groups reset-offsets rsA --topic rs --to-datetime 2000-01-01T00:00:00Z --export
same "--to-datetime in the past" 'rs,0,0\nrs,1,0\nrs,2,0\n'
run 0 groups reset-offsets rsA --topic rs --to-datetime 2999-01-01 --export
same "--to-datetime in the future" 'rs,0,10\nrs,1,5\nrs,2,2\n'
run 0 groups reset-offsets rsA --topic rs --by-duration P1D --export
same "--by-duration P1D" 'rs,0,0\nrs,1,0\nrs,2,0\n'
run 0 groups reset-offsets rsA --topic rs --by-duration PT0S --export
same "--by-duration PT0S" 'rs,0,10\nrs,1,5\nrs,2,2\n'
run 0 groups reset-offsets rsA --topic rs:2 --topic rs:2,1 --to-earliest --export
same "--topic repeated" 'rs,2,0\nrs,1,0\n'
run 1 groups reset-offsets rsA --topic rs:3 --to-earliest
has "$T/err" "topic 'rs' has 3 partitions; there is no partition 3"
run 1 groups reset-offsets rsA --topic nope:0 --to-earliest
has "$T/err" "topic 'nope' does not exist"

# --export, then --from-file: the round trip restores the offsets.
run 0 groups reset-offsets rsA --to-latest --topic rs:2 --execute
run 0 groups reset-offsets rsA --to-current --export
same "--export" 'rs,0,7\nrs,1,5\nrs,2,2\n'
cp "$T/out" "$T/saved.csv"
run 0 groups reset-offsets rsA --to-earliest --execute
run 0 groups reset-offsets rsA --to-current --export
same "after --to-earliest" 'rs,0,0\nrs,1,0\nrs,2,0\n'
run 0 groups reset-offsets rsA --from-file "$T/saved.csv"
single_spaced
same "--from-file, dry run" "GROUP TOPIC PARTITION CURRENT-OFFSET NEW-OFFSET
rsA rs 0 0 7
rsA rs 1 0 5
rsA rs 2 0 2\n"
run 0 groups reset-offsets rsA --from-file "$T/saved.csv" --execute
run 0 groups reset-offsets rsA --to-current --export
cmp -s "$T/out" "$T/saved.csv" || fail "--from-file did not restore the exported offsets: $(cat "$T/out")"
run 0 groups describe rsA --json
"$PY" -c '
import json, sys
got = [(p["partition"], p["committed"]) for p in json.load(sys.stdin)["partitions"]]
if got != [(0, 7), (1, 5), (2, 2)]:
    sys.exit("committed: %r" % got)' <"$T/out" || fail "describe after --from-file"

# A malformed line is named by its number; nothing is reset.
printf 'rs,0,1\n\nrs,zero,1\n' >"$T/bad.csv"
run 1 groups reset-offsets rsA --from-file "$T/bad.csv" --execute
has "$T/err" "bad.csv:3: bad partition 'zero'"
printf 'rs,0,1\nrs,1\n' >"$T/bad.csv"
run 1 groups reset-offsets rsA --from-file "$T/bad.csv" --execute
has "$T/err" "bad.csv:2: expected topic,partition,offset or group,topic,partition,offset"
printf 'rs,0,-4\n' >"$T/bad.csv"
run 1 groups reset-offsets rsA --from-file "$T/bad.csv" --execute
has "$T/err" "bad.csv:1: bad offset '-4'"
printf 'rs,0,1\r\nrs,9,1\r\n' >"$T/bad.csv"
run 1 groups reset-offsets rsA --from-file "$T/bad.csv" --execute
has "$T/err" "bad.csv:2: topic 'rs' has 3 partitions; there is no partition 9"
printf 'rs,0,1\nnope,0,1\n' >"$T/bad.csv"
run 1 groups reset-offsets rsA --from-file "$T/bad.csv" --execute
has "$T/err" "bad.csv:2: topic 'nope' does not exist"
printf 'rs,0,1\n' >"$T/bad.csv"
run 1 groups reset-offsets --all-groups --from-file "$T/bad.csv"
has "$T/err" "bad.csv:1: no group"
run 1 groups reset-offsets rsA --from-file "$T/nothing-here.csv"
has "$T/err" "cannot open"
run 0 groups reset-offsets rsA --to-current --export
cmp -s "$T/out" "$T/saved.csv" || fail "a refused --from-file changed the offsets: $(cat "$T/out")"

# --all-groups: each group in turn; the CSV names the group first, and a
# file of group,topic,partition,offset resets each group it names.
run 0 groups reset-offsets rsB --topic rs:1 --to-offset 2 --execute
run 0 groups reset-offsets --all-groups --topic rs:1 --to-latest --export
same "--all-groups --export" 'other,rs,1,5\nrsA,rs,1,5\nrsB,rs,1,5\n'
printf 'rsA,rs,0,1\n"rsB",rs,1,3\nrsA,rs,0,4\n' >"$T/groups.csv"
run 0 groups reset-offsets --all-groups --from-file "$T/groups.csv" --execute --export
same "--all-groups --from-file" 'rsA,rs,0,4\nrsB,rs,1,3\n'
run 0 groups reset-offsets rsB --from-file "$T/groups.csv" --export
same "--from-file of several groups, for one" 'rs,1,3\n'

# Refused while a member is alive, and then nothing of the group changes;
# --all-groups still resets the others.
run 0 groups reset-offsets rsA --to-latest --topic rs --execute
"$RILL" consume rs --group rsA >/dev/null 2>"$T/rs.err" &
pr=$!
pids=$pr
await alive rsA || fail "the rs consumer never showed as alive"
run 1 groups reset-offsets rsA --to-earliest --execute
has "$T/err" "group 'rsA' has a live member"
run 0 groups reset-offsets rsA --to-earliest
has "$T/err" "group 'rsA' has 1 live member; --execute is refused"
run 1 groups reset-offsets --all-groups --topic rs:1 --to-offset 1 --execute
has "$T/err" "group 'rsA' has a live member"
run 0 groups reset-offsets --all-groups --topic rs:1 --to-current --export
same "--all-groups past a live member" 'other,rs,1,1\nrsA,rs,1,5\nrsB,rs,1,1\n'
run 0 groups reset-offsets rsA --to-current --export
same "a refused reset changed nothing" 'rs,0,10\nrs,1,5\nrs,2,2\n'
kill -TERM $pr
wait $pr || fail "the rs consumer exited $?: $(cat "$T/rs.err")"
pids=""
run 0 groups delete rsA
run 0 groups delete rsB
run 0 groups reset-offsets other --topic rs --to-earliest
has "$T/out" "^other "
run 0 topics delete rs

# ---- dead letters back to their topics ----

usage "dlt: missing command" dlt
usage "unknown dlt command 'frob'" dlt frob
usage "missing TOPIC" dlt redrive
usage "does not apply" dlt redrive jobs.dlt --from-beginning
run 0 topics create jobs --partitions 2
run 0 topics create jobs.dlt --partitions 2
H="--header rill-retry-original-topic=jobs --header rill-retry-attempts=3"
run 0 produce jobs.dlt --partition 1 --key-separator : $H \
    --header rill-retry-original-partition=1 --header keep=me <<EOF
a:first
b:second
EOF
run 0 produce jobs.dlt --partition 1 --key-separator : <<EOF
c:no header: passed over
EOF
run 0 dlt redrive jobs.dlt --max 1
same "redrive --max 1" "moved 1 record from jobs.dlt back to its topic\n"
run 0 dlt redrive jobs.dlt
same "redrive the rest" "moved 1 record from jobs.dlt back to its topic\n"
run 0 dlt redrive jobs.dlt
same "redrive again" "moved 0 records from jobs.dlt back to their topics\n"
run 0 consume jobs $Q --partition 1 --offset earliest --format '%k=%v %h\n'
same "redriven records" 'a=first keep=me\nb=second keep=me\n'
run 1 dlt redrive nope.dlt
has "$T/err" "does not exist"
run 0 topics delete jobs
run 0 topics delete jobs.dlt
run 0 groups delete jobs.dlt-redrive

# ---- verify, stats, backup ----

run 0 verify
has "$T/out" "no problems"
run 0 stats
has "$T/out" "page size"
has "$T/out" "orders"
run 0 stats --json
json_ok "stats --json"
run 0 backup "$T/compact"
run 0 -d "$T/compact" topics list
same "backup holds the topics" "events\norders\n"
run 1 backup "$T/compact"
has "$T/err" "exists"

marker=VERIFY-MARKER-7d1f0c9a
run 0 produce events --key m -v <<EOF
$marker
EOF
same "the marker's position" 'partition 0 offset 7\n'
run 0 backup "$T/bad" --no-compact
"$PY" - "$T/bad/data.mdb" "$marker" <<'EOF' || fail "could not corrupt the copy"
import sys
path, marker = sys.argv[1], sys.argv[2].encode()
data = bytearray(open(path, "rb").read())
at, flipped = data.find(marker), 0
while at >= 0:
    data[at + 3] ^= 0x20
    flipped += 1
    at = data.find(marker, at + 1)
open(path, "wb").write(data)
sys.exit(0 if flipped else 1)
EOF
run 1 -d "$T/bad" verify
has "$T/out" "^events/0 7: "
has "$T/out" "1 problem$"
run 0 -d "$T/bad" verify orders
run 1 -d "$T/bad" consume events --offset 6 -e --format '%o\n'
same "a consumer stops before the bad batch" '6\n'

run 0 topics delete orders
run 0 topics list
same "after delete" "events\n"

if [ $failures -ne 0 ]; then
    echo "cli.sh: $failures failure(s)" >&2
    exit 1
fi
echo "cli.sh: all passed"
