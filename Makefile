# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# grpcstreams — built the way bcc's libbpf-tools are.

# SANITIZE=1: everything built with ASan and UBSan, objects and programs in
# SAN_OUTPUT (never mixed with the normal ones), the tool as
# $(SAN_OUTPUT)/grpcstreams; `make SANITIZE=1 test` runs the whole suite
# against it (fixtures stay in .output/fix) and fails on any sanitizer
# report, one a test looks at or not (tests/run.sh). make test itself runs
# one cell with the sanitized tool (the "san" line of tests/cells), and the
# unit test programs under valgrind, as `make valgrind` does.
SAN_OUTPUT ?= .output/san
ifeq ($(SANITIZE),1)
OUTPUT ?= $(SAN_OUTPUT)
endif
OUTPUT ?= .output
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= cc
ARCH := x86
prefix ?= /usr/local
DESTDIR ?=

CFLAGS ?= -g -O2 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
# make test builds with WERROR=1: a warning fails CI.
ifeq ($(WERROR),1)
CFLAGS += -Werror
BPF_WERROR := -Werror
endif
# A sanitizer error stops the program (no recovery), with whole stacks.
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ifeq ($(SANITIZE),1)
CFLAGS += $(SAN_FLAGS)
TOOL := $(OUTPUT)/grpcstreams
else
TOOL := grpcstreams
endif
INCLUDES := -I$(OUTPUT) -I. -I/usr/include/capstone
LIBS := -lbpf -ldw -lelf -lcapstone -lz

ifeq ($(V),1)
	Q =
	msg =
else
	Q = @
	msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.PHONY: all clean install deps test unit bench demo demo-fixture fixtures releases layouts sweep fuzz soak \
	valgrind

all: $(TOOL)

# Debian packages the build, the tests and the fixtures need.
deps:
	$(Q)./tests/install-deps.sh

$(OUTPUT):
	$(Q)mkdir -p $@

$(OUTPUT)/vmlinux.h: | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

$(OUTPUT)/grpcstreams.bpf.o: grpcstreams.bpf.c grpcstreams_maps.bpf.h go_read.bpf.h stream_table.bpf.h \
			     grpcstreams.h $(OUTPUT)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -Wall $(BPF_WERROR) -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) $(INCLUDES) \
		-c $< -o $@

$(OUTPUT)/grpcstreams.skel.h: $(OUTPUT)/grpcstreams.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# Every user-space object: one rule; its headers listed below.
$(OUTPUT)/%.o: %.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) -c $< -o $@

# gobin, one file a question, gobin.c over them (gobin_internal.h: what
# they share, and their layers).
GOBIN_OBJS := $(OUTPUT)/gobin.o $(addprefix $(OUTPUT)/gobin_,elf.o pcln.o version.o dwarf.o sites.o callers.o)
# The tool but its layout table (layout.o, or a test's layout-without-%.o).
TOOL_OBJS := $(OUTPUT)/grpcstreams.o $(GOBIN_OBJS) $(OUTPUT)/layout_check.o \
	     $(OUTPUT)/trace_helpers.o $(OUTPUT)/json_writer.o $(OUTPUT)/output.o $(OUTPUT)/resolve.o $(OUTPUT)/probes.o \
	     $(OUTPUT)/bench_mode.o $(OUTPUT)/reap.o $(OUTPUT)/target.o $(OUTPUT)/agg.o $(OUTPUT)/tty.o \
	     $(OUTPUT)/scope.o $(OUTPUT)/session.o

$(OUTPUT)/grpcstreams.o: grpcstreams.h gobin.h layout.h why.h trace_helpers.h output.h session.h \
			 bench_mode.h target.h agg.h tty.h json_writer.h probes.h reap.h resolve.h \
			 scope.h $(OUTPUT)/grpcstreams.skel.h
$(OUTPUT)/session.o: session.h grpcstreams.h json_writer.h output.h agg.h reap.h scope.h \
		     trace_helpers.h resolve.h $(OUTPUT)/grpcstreams.skel.h
$(GOBIN_OBJS): gobin.h gobin_internal.h
$(OUTPUT)/layout.o: layout.h why.h layouts.gen.h grpcstreams.h gobin.h
$(OUTPUT)/layout_check.o: layout.h why.h grpcstreams.h gobin.h
$(OUTPUT)/trace_helpers.o: trace_helpers.h
$(OUTPUT)/target.o: target.h gobin.h trace_helpers.h
$(OUTPUT)/json_writer.o: json_writer.h
$(OUTPUT)/output.o: output.h json_writer.h resolve.h grpcstreams.h trace_helpers.h agg.h reap.h
$(OUTPUT)/resolve.o: resolve.h json_writer.h grpcstreams.h trace_helpers.h
$(OUTPUT)/agg.o: agg.h grpcstreams.h resolve.h
$(OUTPUT)/tty.o: tty.h
$(OUTPUT)/probes.o: probes.h why.h grpcstreams.h gobin.h layout.h trace_helpers.h \
		    $(OUTPUT)/grpcstreams.skel.h
$(OUTPUT)/bench_mode.o: bench_mode.h session.h probes.h why.h scope.h agg.h grpcstreams.h output.h \
			resolve.h trace_helpers.h $(OUTPUT)/grpcstreams.skel.h
$(OUTPUT)/reap.o: reap.h scope.h grpcstreams.h trace_helpers.h $(OUTPUT)/grpcstreams.skel.h
$(OUTPUT)/scope.o: scope.h probes.h target.h layout.h why.h gobin.h grpcstreams.h trace_helpers.h \
		   $(OUTPUT)/grpcstreams.skel.h

$(TOOL): $(TOOL_OBJS) $(OUTPUT)/layout.o
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LIBS) -o $@

# For tests: the tool built with a table that lacks the entry of release %,
# to see a binary of it refused by its code rather than by its version.
$(OUTPUT)/layouts-without-%.h: layouts.gen.h | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)awk -v v="$*" '/^\t\/\* / { c = $$0; next } \
		/^\t\{ "/ { split($$0, q, "\""); skip = index(" " q[2] " ", " " v " ") > 0; \
			      if (!skip) print c } \
		!skip { print } /\} \},$$/ { skip = 0 }' $< >$@
	$(Q)! cmp -s $< $@ || { echo "$<: no entry for $*" >&2; exit 1; }

.PRECIOUS: $(OUTPUT)/layouts-without-%.h $(OUTPUT)/layout-without-%.o
$(OUTPUT)/layout-without-%.o: layout.c layout.h why.h $(OUTPUT)/layouts-without-%.h grpcstreams.h gobin.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) -DLAYOUTS_H='"layouts-without-$*.h"' -c $< -o $@

$(OUTPUT)/grpcstreams-without-%: $(TOOL_OBJS) $(OUTPUT)/layout-without-%.o
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LIBS) -o $@

$(OUTPUT)/test_gobin: tests/test_gobin.c $(GOBIN_OBJS) gobin.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) $< $(GOBIN_OBJS) $(LIBS) -o $@

$(OUTPUT)/test_layout: tests/test_layout.c $(OUTPUT)/layout.o $(OUTPUT)/layout_check.o \
		       $(GOBIN_OBJS) layout.h why.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) $< $(OUTPUT)/layout.o $(OUTPUT)/layout_check.o \
		$(GOBIN_OBJS) $(LIBS) -o $@

$(OUTPUT)/test_output: tests/test_output.c $(OUTPUT)/output.o $(OUTPUT)/resolve.o \
		       $(OUTPUT)/json_writer.o $(OUTPUT)/trace_helpers.o $(OUTPUT)/agg.o output.h agg.h \
		       resolve.h tests/tap.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) $< $(OUTPUT)/output.o $(OUTPUT)/resolve.o \
		$(OUTPUT)/json_writer.o $(OUTPUT)/trace_helpers.o $(OUTPUT)/agg.o $(LIBS) -lm -o $@

$(OUTPUT)/test_json: tests/test_json.c $(OUTPUT)/json_writer.o json_writer.h tests/tap.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) $< $(OUTPUT)/json_writer.o -o $@

# libFuzzer harnesses (tests/fuzz/): ASan and UBSan, clang only.
FUZZ_CC := clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_GOBIN_SRCS := gobin.c $(wildcard gobin_*.c) layout.c layout_check.c
# The code under test, instrumented once for all the harnesses.
FUZZ_GOBIN_OBJS := $(patsubst %.c,$(OUTPUT)/fuzz/%.o,$(FUZZ_GOBIN_SRCS))

$(FUZZ_GOBIN_OBJS): $(OUTPUT)/fuzz/%.o: %.c gobin.h gobin_internal.h layout.h why.h layouts.gen.h \
		grpcstreams.h
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(INCLUDES) -c $< -o $@

FUZZ_HARNESSES := gobin sections code dwarf output
FUZZ_BINS := $(addprefix $(OUTPUT)/fuzz/fuzz_,$(FUZZ_HARNESSES)) $(OUTPUT)/fuzz/mkseeds

$(addprefix $(OUTPUT)/fuzz/fuzz_,gobin sections code dwarf): $(OUTPUT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c \
		$(FUZZ_GOBIN_OBJS) gobin.h layout.h why.h tests/fuzz/minielf.h tests/fuzz/fuzz_funcs.h
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(INCLUDES) $< $(FUZZ_GOBIN_OBJS) $(LIBS) -o $@

# Structure-aware seeds cut from the fixtures (tests/fuzz/seeds.sh).
$(OUTPUT)/fuzz/mkseeds: tests/fuzz/mkseeds.c $(GOBIN_OBJS) tests/fuzz/minielf.h \
		tests/fuzz/fuzz_funcs.h gobin.h gobin_internal.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) $< $(GOBIN_OBJS) $(LIBS) -o $@

$(OUTPUT)/fuzz/fuzz_output: tests/fuzz/fuzz_output.c json_writer.c output.c resolve.c trace_helpers.c \
		agg.c json_writer.h output.h resolve.h agg.h
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(INCLUDES) $< json_writer.c output.c resolve.c trace_helpers.c agg.c $(LIBS) \
		-o $@

# FUZZ_SECONDS per harness (default 60); make test runs each for a few.
fuzz: deps
	$(Q)$(MAKE) --no-print-directory fixtures $(FUZZ_BINS)
	$(Q)./tests/fuzz/run.sh

# Go gRPC fixture programs, built from Debian's packages (cached).
fixtures:
	$(Q)./tests/build-fixtures.sh

# The fixture against every grpc-go release, with DWARF (.output/rel/VERSION/).
releases:
	$(Q)./tools/build-releases.sh

# Regenerate the layout table from the DWARF of every release, rebuild, and
# check that each release's code confirms its own layout and refuses the
# others (test_layout). Deterministic: the same releases give the same bytes.
layouts: deps
	$(Q)$(MAKE) --no-print-directory all releases
	$(Q)./tools/gen-layouts.sh >layouts.gen.h.tmp && mv layouts.gen.h.tmp layouts.gen.h
	$(Q)$(MAKE) --no-print-directory all $(OUTPUT)/test_layout
	$(Q)$(OUTPUT)/test_layout $(OUTPUT)/rel/*/grpcfixture >$(OUTPUT)/layouts.log || \
		{ grep -v '^ok' $(OUTPUT)/layouts.log; exit 1; }
	$(Q)tail -n 1 $(OUTPUT)/layouts.log

# Both sides of every release's build traced exactly, with DWARF and stripped.
sweep: deps
	$(Q)$(MAKE) --no-print-directory all releases
	$(Q)./tests/sweep.sh

# deps first, on its own: the rest needs what it installs (also under -j).
# Also the tool built with ASan and UBSan in $(SAN_OUTPUT), for the "san"
# line of tests/cells. make SANITIZE=1 test: every program of the suite
# sanitized, the ":san" run skipped (tests/run.sh).
ifeq ($(SANITIZE),1)
TEST_ENV := SANITIZE=1 GRPCSTREAMS=$(abspath $(TOOL))
else
TEST_SAN := $(SAN_OUTPUT)/grpcstreams
endif
test: deps
	$(Q)$(MAKE) --no-print-directory WERROR=1 all $(OUTPUT)/test_gobin $(OUTPUT)/test_layout \
		$(OUTPUT)/test_output $(OUTPUT)/test_json $(FUZZ_BINS)
	$(if $(TEST_SAN),$(Q)$(MAKE) --no-print-directory SANITIZE=1 OUTPUT=$(SAN_OUTPUT) \
		WERROR=1 $(TEST_SAN))
	$(Q)FIXTURE_GO_CELLS=all ./tests/build-fixtures.sh
	$(Q)./tests/exact-cells.sh --build >/dev/null
	$(Q)$(MAKE) --no-print-directory $(OUTPUT)/grpcstreams-without-$$(dpkg-query -W \
		-f='$${Version}' golang-google-grpc-dev | sed 's/^[0-9]*://; s/[-+~].*//')
	$(Q)OUTPUT=$(OUTPUT) GRPCSTREAMS_SAN=$(abspath $(SAN_OUTPUT))/grpcstreams $(TEST_ENV) \
		./tests/run.sh

# The unit test programs under valgrind's memcheck (tests/valgrind.sh): no
# memory error, no block definitely or indirectly lost. make test runs them
# so too (tests/run.sh; UNIT_VALGRIND=0 not), but under SANITIZE=1, where
# ASan is the checker: valgrind cannot run an ASan build.
valgrind: deps
ifeq ($(SANITIZE),1)
	@echo "make valgrind: not with SANITIZE=1 (valgrind cannot run ASan builds)" >&2; exit 1
endif
	$(Q)$(MAKE) --no-print-directory fixtures $(OUTPUT)/test_gobin $(OUTPUT)/test_layout \
		$(OUTPUT)/test_output $(OUTPUT)/test_json
	$(Q)OUTPUT=$(OUTPUT) ./tests/valgrind.sh $(OUTPUT)/test_output
	$(Q)OUTPUT=$(OUTPUT) ./tests/valgrind.sh $(OUTPUT)/test_json
	$(Q)OUTPUT=$(OUTPUT) ./tests/valgrind.sh $(OUTPUT)/test_layout .output/fix/*-plain/grpcfixture \
		.output/fix/*-pie/grpcfixture
	$(Q)OUTPUT=$(OUTPUT) UNIT_STRICT=1 UNIT_WRAP=$(CURDIR)/tests/valgrind.sh ./tests/unit.sh

# The soak at full length (tests/soak.sh: SOAK_WINDOWS=, SOAK_RPCS=, ...);
# make test runs a short form (tests/soak.bats). Only the system's fixture.
soak: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)FIXTURE_SUITES= ./tests/build-fixtures.sh
	$(Q)./tests/soak.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all fixtures
	$(Q)./bench/bench.sh

# Only what it shows: the tool and the system version's plain fixture, side
# by side (a fresh clone: about a minute).
demo: deps
	$(Q)$(MAKE) --no-print-directory -j2 all demo-fixture
	$(Q)./tests/demo.sh

demo-fixture:
	$(Q)FIXTURE_SUITES= FIXTURE_VARIANTS=plain ./tests/build-fixtures.sh

install: $(TOOL)
	install -D -m 0755 $(TOOL) $(DESTDIR)$(prefix)/sbin/grpcstreams
	install -D -m 0644 man/man8/grpcstreams.8 $(DESTDIR)$(prefix)/share/man/man8/grpcstreams.8

clean:
	$(call msg,CLEAN)
	$(Q)rm -rf $(OUTPUT)/*.o $(OUTPUT)/*.skel.h $(OUTPUT)/vmlinux.h $(OUTPUT)/test_gobin \
		$(OUTPUT)/test_layout $(OUTPUT)/test_output $(OUTPUT)/test_json $(OUTPUT)/grpcstreams-without-* \
		$(OUTPUT)/layouts-without-* $(OUTPUT)/valgrind $(OUTPUT)/grpcstreams grpcstreams \
		$(FUZZ_BINS) $(OUTPUT)/fuzz/*.o
ifneq ($(SANITIZE),1)
	$(Q)rm -rf $(SAN_OUTPUT)
endif
