#!/bin/sh
# Checks that lib's modules call each other one way only: from the
# objects' symbols, an edge "user provider" for every function a module
# uses that another defines; tsort then fails on any cycle. A module may
# span files (env is env.c and envtxn.c). Prints the modules bottom first.
#
#   sh scripts/layers.sh build/release      (make lint runs it)
set -u
B=${1:-build/release}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
module() { # file stem -> module name
    case $1 in
    envtxn) echo env ;;
    *) echo "$1" ;;
    esac
}
for src in lib/*.c; do
    stem=$(basename "$src" .c)
    o="$B/lib/$stem.o"
    if [ ! -f "$o" ]; then
        echo "layers: $o is missing; build first" >&2
        exit 2
    fi
    m=$(module "$stem")
    nm -g --defined-only "$o" | awk -v m="$m" 'NF == 3 {print $3, m}' >>"$tmp/defs"
    nm -u "$o" | awk -v m="$m" '{print $NF, m}' >>"$tmp/uses"
    echo "$m $m" >>"$tmp/edges" # every module appears, even alone
done
sort -o "$tmp/defs" "$tmp/defs"
sort -o "$tmp/uses" "$tmp/uses"
# "provider user": tsort prints providers (lower layers) first.
join "$tmp/uses" "$tmp/defs" | awk '$2 != $3 {print $3, $2}' | sort -u >>"$tmp/edges"
if ! tsort "$tmp/edges" >"$tmp/order" 2>"$tmp/loops"; then
    echo "layers: lib's modules call each other in a cycle:" >&2
    grep -v 'input contains a loop' "$tmp/loops" | sed 's/^tsort: /  /' >&2
    exit 1
fi
echo "layers: one-way, bottom first: $(tr '\n' ' ' <"$tmp/order")"
