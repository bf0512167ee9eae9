#!/bin/sh
# Makes sure the packages a build needs are installed. On Debian/Ubuntu it
# installs what is missing when it can (root, or sudo without a password);
# otherwise it stops and prints the one command that does.
#
#   sh scripts/deps.sh library [valgrind] [clang]   needed: fail if missing
#   sh scripts/deps.sh --optional bench              wanted: warn if missing
set -u

optional=0
if [ "${1:-}" = "--optional" ]; then optional=1; shift; fi

missing=""
need() { # package, test command
    pkg=$1; shift
    if ! "$@" >/dev/null 2>&1; then missing="$missing $pkg"; fi
}
have_header() { printf '#include <%s>\n' "$1" | ${CC:-cc} -E -x c - >/dev/null 2>&1; }

for group in "$@"; do
    case $group in
    library)
        need pkg-config command -v pkg-config
        need make command -v make
        need gcc command -v ${CC:-cc}
        need liblmdb-dev have_header lmdb.h
        need libmsgpack-dev have_header msgpack.h
        need libzstd-dev have_header zstd.h
        need zlib1g-dev have_header zlib.h
        need libsnappy-dev have_header snappy-c.h
        need liblz4-dev have_header lz4frame.h
        need libcmocka-dev sh -c 'printf "#include <stdarg.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <setjmp.h>\n#include <cmocka.h>\n" | ${CC:-cc} -E -x c - '
        ;;
    valgrind) need valgrind command -v valgrind ;;
    clang) need clang command -v clang
           need libclang-rt-dev sh -c 'ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a' ;;
    bench)
        need libsqlite3-dev have_header sqlite3.h
        need libhiredis-dev have_header hiredis/hiredis.h
        need redis-server command -v redis-server
        need gnuplot command -v gnuplot
        ;;
    *) echo "deps.sh: unknown group '$group'" >&2; exit 2 ;;
    esac
done

[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing"
if command -v apt-get >/dev/null 2>&1; then
    runner=""
    if [ "$(id -u)" = 0 ]; then
        runner=" "
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        runner="sudo "
    fi
    if [ -n "$runner" ]; then
        echo "installing:$missing" >&2
        export DEBIAN_FRONTEND=noninteractive
        if ${runner}apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 ||
           { ${runner}apt-get update -qq >/dev/null 2>&1 &&
             ${runner}apt-get install -y --no-install-recommends $missing >/dev/null 2>&1; }; then
            exit 0
        fi
        echo "could not install:$missing" >&2
    fi
fi
if [ "$optional" = 1 ]; then
    echo "note: missing$missing; the parts that need them are skipped" >&2
    exit 0
fi
echo "missing packages:$missing" >&2
echo "install them with:  sudo $cmd" >&2
exit 1
