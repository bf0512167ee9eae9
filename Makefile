# rill -- GNU make only. Respects CFLAGS, CPPFLAGS, LDFLAGS, PREFIX, DESTDIR.
#
#   make                 librill.a, librill.so, examples, the rill tool
#   make test            installs missing packages (or says how), runs all tests
#   make test T=batch    one test binary (test/test_batch.c)
#   make bench           the default benchmarks
#   make asan tsan       the tests under sanitizers; make check-valgrind
#   make fuzz            each fuzz target for FUZZ_SECONDS (clang, libFuzzer)
#   make install uninstall headertest format format-check lint clean

VERSION := $(shell sed -n 's/^\#define RILL_VERSION_STRING "\(.*\)"/\1/p' include/rill.h)
MAJOR := $(firstword $(subst ., ,$(VERSION)))

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
PKG_CONFIG ?= pkg-config
CC ?= cc

# Dependencies: pkg-config where the distribution ships a module; lmdb.pc
# is missing on some, msgpack-c is "msgpack" in 4.x and "msgpack-c" from 6.
pc = $(shell $(PKG_CONFIG) $(1) $(2) 2>/dev/null)
MSGPACK_PC := $(shell $(PKG_CONFIG) --exists msgpack-c 2>/dev/null && echo msgpack-c || echo msgpack)
DEP_CFLAGS := $(call pc,--cflags,lmdb $(MSGPACK_PC) libzstd)
LMDB_LIBS := $(or $(call pc,--libs,lmdb),-llmdb)
MSGPACK_LIBS := $(or $(call pc,--libs,$(MSGPACK_PC)),-lmsgpackc)
ZSTD_LIBS := $(or $(call pc,--libs,libzstd),-lzstd)
DEP_LIBS := $(LMDB_LIBS) $(MSGPACK_LIBS) $(ZSTD_LIBS) -pthread
# The Kafka codec (kafka/) has dependencies of its own, kept out of
# librill: it builds into libkafka.a, which is not installed.
KAFKA_CFLAGS := $(call pc,--cflags,zlib liblz4 libzstd)
KAFKA_LIBS := $(or $(call pc,--libs,zlib liblz4 libzstd),-lz -llz4 -lzstd) -lsnappy
CMOCKA_CFLAGS := $(call pc,--cflags,cmocka)
CMOCKA_LIBS := $(or $(call pc,--libs,cmocka),-lcmocka)

# Quiet by default; V=1 shows the commands.
Q := $(if $(V),,@)

# A variant is a build directory with its own flags.
VARIANT ?= release
B := build/$(VARIANT)
CFLAGS ?= -O2 -g
WARN := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Wno-missing-field-initializers
VARIANT_FLAGS_release :=
VARIANT_FLAGS_asan := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
VARIANT_FLAGS_tsan := -O1 -g -fsanitize=thread
VARIANT_FLAGS_valgrind := -O1 -g
VFLAGS := $(VARIANT_FLAGS_$(VARIANT))
ALL_CFLAGS := $(WARN) $(CFLAGS) $(VFLAGS) $(CPPFLAGS) -Iinclude $(DEP_CFLAGS) -pthread
LIB_CFLAGS := $(ALL_CFLAGS) -fPIC -fvisibility=hidden
ALL_LDFLAGS := $(LDFLAGS) $(VFLAGS)

LIB_SRC := $(wildcard lib/*.c)
LIB_OBJ := $(LIB_SRC:lib/%.c=$(B)/lib/%.o)
STATIC := $(B)/librill.a
SHARED := $(B)/librill.so.$(VERSION)
SONAME := librill.so.$(MAJOR)
KAFKA_SRC := $(wildcard kafka/*.c)
KAFKA_OBJ := $(KAFKA_SRC:kafka/%.c=$(B)/kafka/%.o)
KAFKA_LIB := $(B)/libkafka.a

TEST_SRC := $(wildcard test/test_*.c)
TEST_BIN := $(TEST_SRC:test/%.c=$(B)/test/%)
TEST_SUPPORT := $(B)/test/support.o
EXAMPLE_SRC := $(wildcard examples/*.c)
EXAMPLE_BIN := $(EXAMPLE_SRC:examples/%.c=$(B)/examples/%)
FUZZ_SRC := $(wildcard test/fuzz/fuzz_*.c)
FUZZ_REPLAY := $(FUZZ_SRC:test/fuzz/%.c=$(B)/fuzz/%-replay)
# A fuzz target of the tool's argument parser links the parser too.
FUZZ_EXTRA_fuzz_cli_args := tools/args.c
FUZZ_EXTRA_fuzz_kafka_request := $(KAFKA_LIB)
FUZZ_EXTRA_fuzz_kafka_recbatch := $(KAFKA_LIB)
FUZZ_LIBS_fuzz_kafka_request := $(KAFKA_LIBS)
FUZZ_LIBS_fuzz_kafka_recbatch := $(KAFKA_LIBS)
BENCH_BIN := $(B)/bench/rill-bench
TORTURE_BIN := $(if $(wildcard test/torture.c),$(B)/test/torture)
TOOL_SRC := $(wildcard tools/*.c)
TOOL_BIN := $(if $(TOOL_SRC),$(B)/rill)

.PHONY: all lib tool torture test test-run test-bins deps asan tsan check-valgrind bench bench-full \
        fuzz install uninstall headertest format format-check lint clean examples

all: lib examples tool

lib: $(STATIC) $(B)/librill.so $(if $(KAFKA_SRC),$(KAFKA_LIB))

examples: $(EXAMPLE_BIN)

tool: $(TOOL_BIN)

# The rill command-line tool, linked statically with the library.
$(B)/rill: $(TOOL_SRC) $(wildcard tools/*.h) $(STATIC) include/rill.h
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -Itools $(TOOL_SRC) -o $@ $(ALL_LDFLAGS) \
	    $(STATIC) $(DEP_LIBS)

$(B)/lib/%.o: lib/%.c $(wildcard lib/*.h) include/rill.h
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(LIB_CFLAGS) -c $< -o $@

$(STATIC): $(LIB_OBJ)
	@rm -f $@
	@echo "  AR      $@"
	$(Q)$(AR) rcs $@ $^

# The codec uses the library's CRC32C (lib/crc.h), whose object it carries.
$(B)/kafka/%.o: kafka/%.c $(wildcard kafka/*.h) lib/crc.h
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(KAFKA_CFLAGS) -Ilib -c $< -o $@

$(KAFKA_LIB): $(KAFKA_OBJ) $(B)/lib/crc.o
	@rm -f $@
	@echo "  AR      $@"
	$(Q)$(AR) rcs $@ $^

$(SHARED): $(LIB_OBJ)
	@echo "  LD      $@"
	$(Q)$(CC) -shared -Wl,-soname,$(SONAME) $(ALL_LDFLAGS) -o $@ $^ $(DEP_LIBS)

$(B)/librill.so: $(SHARED)
	$(Q)ln -sf librill.so.$(VERSION) $(B)/$(SONAME)
	$(Q)ln -sf librill.so.$(VERSION) $@

$(B)/examples/%: examples/%.c $(STATIC) include/rill.h
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $< -o $@ $(ALL_LDFLAGS) $(STATIC) $(DEP_LIBS)

# ---- tests ----

$(TEST_SUPPORT): test/support.c test/support.h include/rill.h
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -Ilib -c $< -o $@

$(B)/test/%: test/%.c $(TEST_SUPPORT) $(STATIC) test/support.h
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -Ilib $< $(TEST_SUPPORT) -o $@ \
	    $(ALL_LDFLAGS) $(TEST_LDFLAGS_$*) $(STATIC) $(CMOCKA_LIBS) $(DEP_LIBS)

# Fault injection: the library's allocations and LMDB's write calls are
# routed through the test, which fails the Nth one.
comma := ,
TEST_LDFLAGS_test_faults := $(addprefix -Wl$(comma)--wrap=,malloc calloc realloc \
    strdup mdb_put mdb_cursor_put mdb_del mdb_cursor_del mdb_txn_commit \
    mdb_txn_begin mdb_txn_renew mdb_env_sync)

# A program as one built against an older rill.h would be (its options
# structs shorter): the library must take the defaults of what it lacks.
ABI_BIN := $(B)/test/older_structs
$(ABI_BIN): test/abi/older_structs.c $(STATIC) include/rill.h
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $< -o $@ $(ALL_LDFLAGS) $(STATIC) $(DEP_LIBS)

# The codec's suites link libkafka.a and its compression libraries.
KAFKA_TESTS := $(patsubst test/%.c,%,$(wildcard test/test_kafka_*.c))
$(foreach t,$(KAFKA_TESTS),$(eval TEST_LDFLAGS_$(t) := $(KAFKA_LIB) $(KAFKA_LIBS)))
$(KAFKA_TESTS:%=$(B)/test/%): $(KAFKA_LIB) test/kafka_support.h

# The torture program: a short run in `make test`, a long one in
# `make torture`.
$(B)/test/torture: test/torture.c $(STATIC) $(TOOL_BIN) include/rill.h
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $< -o $@ $(ALL_LDFLAGS) $(STATIC) $(DEP_LIBS)

torture:
	@sh scripts/deps.sh library
	@$(MAKE) --no-print-directory lib $(TORTURE_BIN)
	$(TORTURE_BIN) --long

# The fuzz targets' inputs replayed by a plain driver, in every test run.
.SECONDEXPANSION:
$(B)/fuzz/%-replay: test/fuzz/%.c test/fuzz/replay.c $(STATIC) $$(FUZZ_EXTRA_$$*)
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -Ilib -Itools $< test/fuzz/replay.c \
	    $(FUZZ_EXTRA_$*) -o $@ $(ALL_LDFLAGS) $(STATIC) $(FUZZ_LIBS_$*) $(DEP_LIBS)

# `make test` first makes sure the packages are there (installing them
# when it can), then builds and runs everything in a fresh make.
test:
	@sh scripts/deps.sh library
	@$(MAKE) --no-print-directory test-run

T ?=
test-bins: lib $(TEST_BIN) $(FUZZ_REPLAY) $(EXAMPLE_BIN) $(TOOL_BIN) \
           $(TORTURE_BIN) $(ABI_BIN)

test-run: test-bins
	@B=$(B) T=$(T) sh scripts/run-tests.sh

deps:
	@sh scripts/deps.sh library

asan:
	@sh scripts/deps.sh library
	@$(MAKE) --no-print-directory VARIANT=asan test-run

tsan:
	@sh scripts/deps.sh library
	@$(MAKE) --no-print-directory VARIANT=tsan CC=clang test-run

check-valgrind:
	@sh scripts/deps.sh library valgrind
	@$(MAKE) --no-print-directory VARIANT=valgrind test-bins
	@B=build/valgrind T=$(T) VALGRIND=1 sh scripts/run-tests.sh

# ---- benchmarks ----

# The peers SQLite and Redis (hiredis) are built in when their headers
# are there (pkg-config, else the header itself); without them the bench
# still builds and says it skipped them. The flags are kept in a file, so
# that installing a peer rebuilds the bench.
bench_have = $(shell $(PKG_CONFIG) --exists $(1) 2>/dev/null && echo pc || \
    (printf '\043include <$(2)>\n' | $(CC) -E -x c - >/dev/null 2>&1 && echo h))
BENCH_SQLITE := $(call bench_have,sqlite3,sqlite3.h)
BENCH_HIREDIS := $(call bench_have,hiredis,hiredis/hiredis.h)
BENCH_FLAGS := $(if $(BENCH_SQLITE),-DHAVE_SQLITE $(call pc,--cflags,sqlite3)) \
    $(if $(BENCH_HIREDIS),-DHAVE_HIREDIS $(call pc,--cflags,hiredis))
BENCH_LIBS := $(if $(BENCH_SQLITE),$(or $(call pc,--libs,sqlite3),-lsqlite3)) \
    $(if $(BENCH_HIREDIS),$(or $(call pc,--libs,hiredis),-lhiredis))
BENCH_SRC := $(wildcard bench/*.c)

$(B)/bench/features: FORCE
	@mkdir -p $(@D)
	@echo '$(strip $(BENCH_FLAGS) $(BENCH_LIBS))' | cmp -s - $@ || \
	    echo '$(strip $(BENCH_FLAGS) $(BENCH_LIBS))' > $@

$(BENCH_BIN): $(BENCH_SRC) $(wildcard bench/*.h) $(STATIC) $(B)/bench/features
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(BENCH_FLAGS) -Ilib $(filter %.c,$^) -o $@ \
	    $(ALL_LDFLAGS) $(STATIC) $(BENCH_LIBS) $(DEP_LIBS) -lm

# The library's packages are needed; the peers' and gnuplot are wanted.
bench:
	@sh scripts/deps.sh library
	@sh scripts/deps.sh --optional bench
	@$(MAKE) --no-print-directory $(BENCH_BIN)
	$(BENCH_BIN) --default

bench-full:
	@sh scripts/deps.sh library
	@sh scripts/deps.sh --optional bench
	@$(MAKE) --no-print-directory $(BENCH_BIN)
	$(BENCH_BIN) --full

.PHONY: FORCE
FORCE:

# ---- the demo ----

# The order pipeline of examples/ as separate processes, with a kill -9
# midway (scripts/demo.sh): rill's main job in one command.
.PHONY: demo
demo:
	@sh scripts/deps.sh library
	@$(MAKE) --no-print-directory all
	@B=$(B) sh scripts/demo.sh

# Examples that share a header (examples/order_events.h) follow it.
$(EXAMPLE_BIN): $(wildcard examples/*.h)

# ---- fuzzing (clang's libFuzzer) ----

FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -Iinclude -Ilib -Itools $(DEP_CFLAGS) -pthread
fuzz:
	@sh scripts/deps.sh library clang
	@mkdir -p build/fuzz
	@for f in $(FUZZ_SRC); do \
	    n=$$(basename $$f .c); \
	    extra=$$(case $$n in fuzz_cli_args) echo tools/args.c;; \
	        fuzz_kafka_*) echo $(KAFKA_SRC) $(KAFKA_CFLAGS) $(KAFKA_LIBS);; esac); \
	    clang $(FUZZ_CFLAGS) $$f $$extra $(LIB_SRC) -o build/fuzz/$$n $(DEP_LIBS) || exit 1; \
	    mkdir -p build/fuzz/$$n-corpus; \
	    echo "fuzzing $$n for $(FUZZ_SECONDS)s"; \
	    build/fuzz/$$n -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        build/fuzz/$$n-corpus test/fuzz/corpus/$$n || exit 1; \
	done

# ---- install ----

install: lib tool
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR)
	$(if $(TOOL_BIN),install -d $(DESTDIR)$(BINDIR) && install -m 755 $(TOOL_BIN) $(DESTDIR)$(BINDIR)/rill)
	install -m 644 include/rill.h include/rill_retry.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 $(STATIC) $(DESTDIR)$(LIBDIR)/librill.a
	install -m 755 $(SHARED) $(DESTDIR)$(LIBDIR)/librill.so.$(VERSION)
	ln -sf librill.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf librill.so.$(VERSION) $(DESTDIR)$(LIBDIR)/librill.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@MSGPACK_PC@|$(MSGPACK_PC)|' \
	    -e 's|@REQUIRES_LMDB@|$(shell $(PKG_CONFIG) --exists lmdb 2>/dev/null && echo lmdb,)|' \
	    -e 's|@LIBS_LMDB@|$(shell $(PKG_CONFIG) --exists lmdb 2>/dev/null || echo -llmdb)|' \
	    lib/rill.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/rill.pc

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/rill
	rm -f $(DESTDIR)$(INCLUDEDIR)/rill.h $(DESTDIR)$(INCLUDEDIR)/rill_retry.h \
	    $(DESTDIR)$(LIBDIR)/librill.a \
	    $(DESTDIR)$(LIBDIR)/librill.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	    $(DESTDIR)$(LIBDIR)/librill.so $(DESTDIR)$(PKGCONFIGDIR)/rill.pc

# ---- checks ----

# The public header stands alone, as C99 and as C++, with no dependency's
# header in it.
headertest:
	@mkdir -p build
	for h in rill.h rill_retry.h; do \
	    printf '#include <%s>\nint main(void){return rill_version()==0;}\n' $$h > build/headertest.c && \
	    $(CC) -std=c99 -Wall -Wextra -Werror -pedantic -Iinclude -c build/headertest.c -o build/headertest.o && \
	    printf '#include <%s>\nint main(){return rill_version()==nullptr;}\n' $$h > build/headertest.cc && \
	    $(CXX) -std=c++11 -Wall -Wextra -Werror -pedantic -Iinclude -c build/headertest.cc -o build/headertest-cc.o || exit 1; \
	done
	! grep -E '#include <(lmdb|msgpack|zstd)' include/rill.h include/rill_retry.h

SOURCES := $(wildcard include/*.h lib/*.[ch] kafka/*.[ch] test/*.[ch] test/fuzz/*.c examples/*.c tools/*.[ch] bench/*.[ch])
format:
	clang-format -i $(SOURCES)

format-check:
	clang-format --dry-run --Werror $(SOURCES)

# lint fails on a cycle between lib's modules (scripts/layers.sh, from the
# objects' symbols; docs/ARCHITECTURE.md draws the layers).
lint: lib
	sh scripts/layers.sh $(B)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --inline-suppr --suppress=missingIncludeSystem -Iinclude -Ilib lib tools
	@echo "clang-tidy (advisory: the analyzer's findings are to read, not to fail on)"
	-clang-tidy --quiet $(LIB_SRC) -- -std=c11 -Iinclude -Ilib $(DEP_CFLAGS) 2>/dev/null | grep -E "warning:" | sort -u

clean:
	rm -rf build
