# binvault — GNU Makefile.
#
#   make            build bin/binvault and the library
#   make test       install missing Debian packages, build, run every test,
#                   then run them again under AddressSanitizer + UBSan
#   make demo       a sample archive, then a private MariaDB followed live by the archiver
#   make chaos      every fault at full scale (tests/sh/chaos.sh): archiver kill -9/cuts/TERM/server restarts x100,
#                   replayer kill -9 x50 (exactly-once and default), broker kill, corruption x1000, truncation, disk full
#   make bench      format benchmarks against zstd -3 (tests/bench/)
#   make fuzz       build the libFuzzer targets with clang and run each for FUZZ_SECONDS
#   make SANITIZE=address,undefined test-run   one sanitized pass only

SHELL := /bin/bash
CC ?= cc
PKG_CONFIG ?= pkg-config
PKGS := libzstd libxxhash zlib libdeflate libmariadb rdkafka

comma := ,
SANITIZE ?=
ifeq ($(SANITIZE),)
  VARIANT := default
  OPT ?= -O2
else
  VARIANT := san-$(subst $(comma),-,$(SANITIZE))
  OPT ?= -O1
  SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

O := build/$(VARIANT)
BIN := $(if $(SANITIZE),$(O)/bin,bin)

PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla
CPPFLAGS += -Iinclude -Iformat -Iarchiver -Itools -Ireplayer -Itests/bench -D_GNU_SOURCE
CFLAGS ?= -g
ALL_CFLAGS = -std=c11 -pthread $(OPT) $(CFLAGS) $(WARN) $(SANFLAGS) $(PKG_CFLAGS) -MMD -MP
LDLIBS_ALL = $(PKG_LIBS) -lm -pthread

FORMAT_SRC := $(wildcard format/*.c)
FORMAT_OBJ := $(FORMAT_SRC:%.c=$(O)/%.o)
LIBFORMAT := $(O)/libbvformat.a

# the command (main, live capture, logging) links Connector/C; the decoder
# library (ARCH_SRC) does not, so the fuzzers and unit tests can link it
APP_SRC := archiver/main.c archiver/live.c archiver/live_schema.c archiver/applog.c
APP_OBJ := $(APP_SRC:%.c=$(O)/%.o)
ARCH_SRC := $(filter-out $(APP_SRC),$(wildcard archiver/*.c))
ARCH_OBJ := $(ARCH_SRC:%.c=$(O)/%.o)
LIBARCH := $(O)/libbvarchiver.a

TOOLS_SRC := $(wildcard tools/*.c)
UNIT_SRC := $(wildcard tests/unit/*.c)
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))

.SECONDARY:
.PHONY: all deps test test-run unit shell-tests fuzz-replay demo chaos bench fuzz clean
all: $(BIN)/binvault $(BIN)/bv-gen $(BIN)/binvault-archiver $(BIN)/binvault-replayer

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(LIBFORMAT): $(FORMAT_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(LIBARCH): $(ARCH_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN)/binvault-archiver: $(APP_OBJ) $(O)/tools/progress.o $(LIBARCH) $(LIBFORMAT)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $^ $(LDLIBS_ALL) -o $@

REPLAYER_SRC := $(wildcard replayer/*.c)
$(BIN)/binvault-replayer: $(REPLAYER_SRC:%.c=$(O)/%.o) $(O)/tools/jsonl.o $(O)/tools/progress.o $(LIBFORMAT)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $^ $(LDLIBS_ALL) -o $@

$(BIN)/binvault: $(O)/tools/binvault.o $(O)/tools/jsonl.o $(O)/tools/progress.o $(LIBFORMAT)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $^ $(LDLIBS_ALL) -o $@

# bv-gen: synthetic archive generator used by the demo, tests and benchmarks.
$(BIN)/bv-gen: $(O)/tests/bench/bv_gen.o $(O)/tests/bench/synth.o $(LIBFORMAT)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $^ $(LDLIBS_ALL) -o $@

# ------------------------------------------------------------------ tests
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)
# the replayer's renderer and filters (no Kafka) for its unit tests
LIBREPLAY := $(O)/libbvreplay.a
$(LIBREPLAY): $(O)/replayer/maxwell.o $(O)/replayer/filter.o $(O)/replayer/position.o $(O)/tools/jsonl.o
	@rm -f $@
	ar rcs $@ $^

$(O)/tests/%: $(O)/tests/unit/%.o $(O)/tests/unit/harness.o $(O)/tests/unit/testutil.o $(O)/tests/bench/synth.o $(LIBREPLAY) $(LIBARCH) $(LIBFORMAT)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $^ $(LDLIBS_ALL) -o $@
UNIT_BIN := $(filter-out $(O)/tests/harness $(O)/tests/testutil,$(UNIT_BIN))

# Fuzz targets built as plain programs: main() replays the corpus files.
FUZZ_REPLAY := $(FUZZ_TARGETS:%=$(O)/fuzz-replay/%)
$(O)/fuzz-replay/%: $(O)/tests/fuzz/fuzz_%.o $(O)/tests/fuzz/replay_main.o $(LIBREPLAY) $(LIBARCH) $(LIBFORMAT)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $^ $(LDLIBS_ALL) -o $@

deps:
	@tests/sh/deps.sh

# The README's test command: installs what is missing, then a plain pass and
# a sanitizer pass. The last line is the total "N passed, N failed".
test: deps
	@rm -f build/results.txt
	@$(MAKE) --no-print-directory test-run RESULTS=$(CURDIR)/build/results.txt
	@$(MAKE) --no-print-directory SANITIZE=address,undefined test-run RESULTS=$(CURDIR)/build/results.txt
	@tests/sh/summary.sh build/results.txt

RESULTS ?= $(CURDIR)/$(O)/results.txt
test-run: $(UNIT_BIN) $(FUZZ_REPLAY) $(BIN)/binvault $(BIN)/bv-gen $(BIN)/binvault-archiver $(BIN)/binvault-replayer
	@mkdir -p $(dir $(RESULTS))
	@set -o pipefail; fail=0; \
	for t in $(UNIT_BIN); do \
	  echo "# $$t"; BV_BIN=$(BIN) $$t | tee -a $(RESULTS) || fail=1; \
	done; \
	for t in $(FUZZ_TARGETS); do \
	  echo "# fuzz corpus replay: $$t"; $(O)/fuzz-replay/$$t tests/fuzz/corpus/$$t | tee -a $(RESULTS) || fail=1; \
	done; \
	for s in tests/sh/test_*.sh; do \
	  echo "# $$s"; BV_BIN=$(BIN) bash $$s | tee -a $(RESULTS) || fail=1; \
	done; \
	exit $$fail

demo: deps all
	@tests/sh/demo.sh

# The long fault-injection run (kill -9 of the archiver >= 100 times during a
# numbered-transaction workload); a shorter version runs inside make test.
chaos: deps all
	@BV_BIN=$(BIN) bash tests/sh/chaos.sh

bench: deps all
	@$(MAKE) --no-print-directory $(O)/bench/bench_format
	@$(O)/bench/bench_format $(BENCH_ARGS)
	@BV_BIN=$(BIN) tests/bench/bench_import.sh
	@BV_BIN=$(BIN) tests/bench/bench_replay.sh

$(O)/bench/bench_format: $(O)/tests/bench/bench_format.o $(O)/tests/bench/synth.o $(O)/tools/jsonl.o $(LIBFORMAT)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $^ $(LDLIBS_ALL) -o $@

# libFuzzer builds (clang from Debian).
FUZZ_SECONDS ?= 600
REPLAY_LIB_SRC := replayer/maxwell.c replayer/filter.c replayer/position.c tools/jsonl.c
FUZZ_CC ?= clang
FUZZ_O := build/fuzz
fuzz: deps
	@FUZZ_DEPS=1 tests/sh/deps.sh
	@mkdir -p $(FUZZ_O)
	@fail=0; for t in $(FUZZ_TARGETS); do \
	  $(FUZZ_CC) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $(CPPFLAGS) $(PKG_CFLAGS) \
	    tests/fuzz/fuzz_$$t.c $(FORMAT_SRC) $(ARCH_SRC) $(REPLAY_LIB_SRC) $(PKG_LIBS) -lm -pthread -o $(FUZZ_O)/$$t; \
	  mkdir -p $(FUZZ_O)/corpus-$$t tests/fuzz/crashes; \
	  echo "== fuzzing $$t for $(FUZZ_SECONDS)s"; \
	  $(FUZZ_O)/$$t -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=tests/fuzz/crashes/$$t- \
	    $(FUZZ_O)/corpus-$$t tests/fuzz/corpus/$$t || fail=1; \
	  for c in tests/fuzz/crashes/$$t-*; do [ -f "$$c" ] || continue; \
	    cp "$$c" tests/fuzz/corpus/$$t/regress-$${c##*/$$t-}; \
	    echo "== $$c kept as tests/fuzz/corpus/$$t/regress-$${c##*/$$t-}: make test replays it"; \
	  done; \
	done; exit $$fail

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
