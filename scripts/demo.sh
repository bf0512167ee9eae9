#!/bin/sh
# demo.sh -- rill's main job in one run (make demo): the order pipeline of
# examples/ as separate processes sharing one directory. delivery_service
# and three hub_service instances start, order_service publishes orders,
# one hub_service is killed with SIGKILL midway and started again, and
# the run ends once every order has its delivery and both groups have
# caught up. Exits 0 when every order has exactly one delivery.
#
#   B=build/release ORDERS=3000 RATE=600 sh scripts/demo.sh
set -u
B=${B:-build/release}
X="$B/examples"
ORDERS=${ORDERS:-3000}
RATE=${RATE:-600}
OUT=${DEMO_DIR:-build/demo}
DIR="$OUT/events"

for p in order_service hub_service delivery_service pipeline_status; do
    [ -x "$X/$p" ] || { echo "demo.sh: no $X/$p (run make first)" >&2; exit 1; }
done
[ -x "$B/rill" ] || { echo "demo.sh: no $B/rill (run make first)" >&2; exit 1; }
rm -rf "$OUT" && mkdir -p "$OUT" || exit 1

pids=""
cleanup() {
    for p in $pids; do kill -9 "$p" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM PIPE

ms() { echo $(($(date +%s%N) / 1000000)); }
t0=$(ms)
elapsed() {
    t=$(($(ms) - t0))
    printf '%d.%ds' $((t / 1000)) $((t % 1000 / 100))
}
# val NAME: a number from the last status line (0 before there is one)
val() {
    v=$(echo "$st" | tr ' ' '\n' | sed -n "s/^$1=//p")
    echo "${v:-0}"
}
row() { # six columns and an optional note
    printf '%7s %7s %7s %11s %8s %13s' "$1" "$2" "$3" "$4" "$5" "$6"
    [ -n "${7:-}" ] && printf '  %s' "$7"
    echo
}
die() {
    echo "demo.sh: $*" >&2
    for f in "$OUT"/*.log; do sed "s|^|    $(basename "$f"): |" "$f" >&2; done
    exit 1
}

# start_hub N: starts hub_service instance hub-N; its pid in $hubN
start_hub() {
    "$X/hub_service" "$DIR" --name "hub-$1" >>"$OUT/hub-$1.log" 2>&1 &
    eval "hub$1=$!"
    pids="$pids $!"
}

echo "rill demo: $ORDERS orders through order_service -> 3 x hub_service ->"
echo "delivery_service, separate processes sharing the directory $DIR"
echo "(logs: $OUT/*.log)"
echo
for t in order-after-create hub-route-after-create; do
    "$B/rill" -d "$DIR" topics create $t --partitions 6 || exit 1
done

"$X/delivery_service" "$DIR" >"$OUT/delivery.log" 2>&1 &
delivery=$!
pids="$pids $delivery"
start_hub 1
start_hub 2
start_hub 3
"$X/order_service" "$DIR" --orders "$ORDERS" --rate "$RATE" \
    >"$OUT/order.log" 2>&1 &
producer=$!
pids="$pids $producer"

echo
row time orders routes deliveries hub-lag delivery-lag
killed=0 restarted=0 producing=1 deadline=$((t0 + 90000))
st=""
while :; do
    sleep 0.5
    st=$("$X/pipeline_status" "$DIR" 2>/dev/null)
    note=""
    if [ $killed = 0 ] && [ "$(val orders)" -ge $((ORDERS / 3)) ]; then
        kill -9 "$hub2" 2>/dev/null
        { wait "$hub2"; } 2>/dev/null
        killed=1
        note="<- kill -9 hub-2 (pid $hub2)"
    elif [ $killed = 1 ] && [ $restarted = 0 ] &&
        [ "$(val orders)" -ge $((ORDERS * 2 / 3)) ]; then
        start_hub 2
        restarted=1
        note="<- hub-2 started again (pid $hub2)"
    fi
    row "$(elapsed)" "$(val orders)" "$(val routes)" "$(val deliveries)" \
        "$(val hub_lag)" "$(val delivery_lag)" "$note"
    if [ $producing = 1 ] && ! kill -0 "$producer" 2>/dev/null; then
        wait "$producer" || die "order_service failed"
        producing=0
    fi
    if [ $producing = 0 ] && [ $restarted = 1 ] &&
        [ "$(val deliveries)" = "$ORDERS" ] && [ "$(val hub_lag)" = 0 ] &&
        [ "$(val delivery_lag)" = 0 ]; then
        break
    fi
    [ "$(ms)" -lt $deadline ] || die "timed out: $st"
done

echo
"$B/rill" -d "$DIR" groups describe hub-service-group || exit 1

# Stop the services: each commits and leaves its group.
for p in $hub1 $hub2 $hub3 $delivery; do kill -TERM "$p"; done
for p in $hub1 $hub2 $hub3 $delivery; do
    wait "$p" || die "a service (pid $p) exited with status $?"
done
pids=""
st=$("$X/pipeline_status" "$DIR") || die "no status"
orders=$(val orders) routes=$(val routes) deliveries=$(val deliveries)
redeliveries=$(val redeliveries)

echo
echo "summary"
line() { printf '  %-13s %6s  %s\n' "$@"; }
line orders "$orders" "published by order_service"
line routes "$routes" \
    "published by hub_service ($((routes - orders)) again after the kill)"
line deliveries "$deliveries" "created by delivery_service, one per order"
line redeliveries "$redeliveries" \
    "route events seen again, recognised by order id"
line "final lag" "$(val hub_lag)" \
    "hub-service-group, $(val delivery_lag) delivery-service-group"
[ "$orders" = "$ORDERS" ] || die "$orders orders published, not $ORDERS"
[ "$deliveries" = "$orders" ] || die "$deliveries deliveries for $orders orders"
[ "$routes" = $((orders + redeliveries)) ] ||
    die "$routes routes, but $orders orders and $redeliveries redeliveries"
[ "$(val hub_lag)" = 0 ] && [ "$(val delivery_lag)" = 0 ] || die "lag left"
echo "ok: every order has exactly one delivery, though a hub_service was killed"
