#!/bin/sh
# Runs the test binaries of build variant $B (one if $T names it), the
# fuzz targets' corpus replays, and the shell tests. With VALGRIND=1 each
# binary runs under memcheck, failing on any error or leak.
set -u
B=${B:-build/release}
T=${T:-}
fail=0
ran=0
wrap=""
if [ "${VALGRIND:-0}" = 1 ]; then
    wrap="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --trace-children=no --child-silent-after-fork=yes"
fi

run() { # name, command...
    name=$1; shift
    ran=$((ran + 1))
    start=$(date +%s)
    if "$@"; then
        echo "PASS $name ($(( $(date +%s) - start ))s)"
    else
        echo "FAIL $name"
        fail=$((fail + 1))
    fi
}

for t in "$B"/test/test_*; do
    [ -x "$t" ] || continue
    n=$(basename "$t")
    [ -n "$T" ] && [ "$n" != "test_$T" ] && continue
    run "$n" $wrap "$t"
done

if [ -z "$T" ] || [ "$T" = fuzz ]; then
    for r in "$B"/fuzz/*-replay; do
        [ -x "$r" ] || continue
        n=$(basename "$r" -replay)
        run "$n corpus" $wrap "$r" "test/fuzz/corpus/$n"
    done
fi

if { [ -z "$T" ] || [ "$T" = abi ]; } && [ -x "$B/test/older_structs" ]; then
    abi_dir=$(mktemp -d)
    run "older_structs" $wrap "$B/test/older_structs" "$abi_dir/d"
    rm -rf "$abi_dir"
fi

if { [ -z "$T" ] || [ "$T" = torture ]; } && [ -x "$B/test/torture" ]; then
    run "torture (short)" $wrap "$B/test/torture" --short
fi

if [ -z "$T" ] || [ "$T" = cli ]; then
    for s in test/*.sh; do
        [ -f "$s" ] || continue
        run "$(basename "$s")" env B="$B" sh "$s"
    done
fi

echo "$ran run, $fail failed"
[ "$fail" = 0 ] && [ "$ran" -gt 0 ]
