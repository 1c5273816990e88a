#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make fuzz (and, briefly, make test): the libFuzzer harnesses (ASan and
# UBSan), one at a time:
#   fuzz_gobin     gobin_open() and every reader on any file's bytes
#   fuzz_sections  .gopclntab (header, function table, moduledata, a
#                  PIE's relocations), build info, version strings, the
#                  function walk, itab and caller scans, inside a
#                  well-formed ELF
#   fuzz_code      the disassembly site finders and layout_check's code
#                  checks on any code, as the grpc-go functions of a
#                  small ELF with a synthetic function table and itab
#   fuzz_dwarf     libdw on mutated debug sections: struct members, member
#                  types, parameters' registers, layout from DWARF
#   fuzz_output    the escaping of the traced program's strings
# For each: first every input of tests/fuzz/regress/NAME/ (crashes found
# and fixed) once, then FUZZ_SECONDS (default 60) of fuzzing from the
# seeds (tests/fuzz/mkseeds.c, cut from the fixtures, a few KB each) and
# the corpus kept in .output/fuzz/corpus-NAME (FUZZ_KEEP=0: a fresh one,
# as make test runs it). Prints each harness's executions and coverage
# (libFuzzer's cov: edges, ft: features), a crash's input is left in
# .output/fuzz/crashes/ and fails the run; a missing harness fails it too.
# Last line: "fuzz: N passed, M failed" (tests/run.sh reads it).
#
#   FUZZ_SECONDS=600 ./tests/fuzz/run.sh      after make .output/fuzz/...
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# make's build directory (OUTPUT: .output/san under SANITIZE=1).
case ${OUTPUT:-.output} in
/*) F=$OUTPUT/fuzz ;;
*) F=$ROOT/${OUTPUT:-.output}/fuzz ;;
esac
export OUTPUT="${F%/fuzz}"
SECS=${FUZZ_SECONDS:-60}
KEEP=${FUZZ_KEEP:-1}
HARNESSES=${FUZZ_HARNESSES:-gobin sections code dwarf output}
# A small quarantine: the harnesses allocate a lot, and ASan's default
# 256 MB of it made every allocation fresh pages (3x slower); use after
# free is still caught within 16 MB of frees.
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=16}
pass=0
fail=0
total=0
mkdir -p "$F/crashes"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/start"

# Seeds, again whenever mkseeds is newer (cut from the fixtures with DWARF).
if [ ! -f "$F/seeds/.done" ] || [ "$F/mkseeds" -nt "$F/seeds/.done" ]; then
	rm -rf "$F/seeds"
	if "$ROOT/tests/fuzz/seeds.sh" "$F/seeds" >"$tmp/seeds.log" 2>&1; then
		: >"$F/seeds/.done"
	else
		cat "$tmp/seeds.log" >&2
		echo "fuzz: seeds: tests/fuzz/seeds.sh failed"
		fail=$((fail + 1))
	fi
fi

for h in $HARNESSES; do
	bin=$F/fuzz_$h
	if [ ! -x "$bin" ]; then
		echo "fuzz_$h: missing ($bin: make $bin)"
		fail=$((fail + 2))
		continue
	fi
	# 1. the regression inputs, each once
	reg=$ROOT/tests/fuzz/regress/$h
	n=0
	[ -d "$reg" ] && n=$(find "$reg" -type f | wc -l)
	if [ "$n" -eq 0 ]; then
		echo "fuzz_$h: no regression inputs"
		pass=$((pass + 1))
	elif "$bin" -close_fd_mask=2 -rss_limit_mb=4096 $(find "$reg" -type f | sort) \
		>"$F/$h-regress.log" 2>&1; then
		echo "fuzz_$h: $n regression input(s) replayed, no crash"
		pass=$((pass + 1))
	else
		echo "fuzz_$h: a regression input crashes it again:"
		grep -E 'ERROR|SUMMARY|Running' "$F/$h-regress.log" | tail -n 5
		fail=$((fail + 1))
	fi
	# 2. fuzzing, from the seeds (and the kept corpus)
	if [ "$KEEP" = 1 ]; then
		corpus=$F/corpus-$h
	else
		corpus=$tmp/corpus-$h
	fi
	mkdir -p "$corpus" "$F/seeds/$h"
	log=$F/$h.log
	# stderr of the code under test closed (-close_fd_mask=2): libFuzzer keeps its own.
	t0=$(date +%s)
	if "$bin" -max_total_time="$SECS" -close_fd_mask=2 -rss_limit_mb=4096 \
		-max_len=65536 -artifact_prefix="$F/crashes/$h-" -print_final_stats=1 \
		"$corpus" "$F/seeds/$h" >"$log" 2>&1; then
		crash=0
		pass=$((pass + 1))
	else
		crash=1
		fail=$((fail + 1))
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1)
	echo "fuzz_$h: ${runs:-0} executions in $(($(date +%s) - t0)) s, ${cov:-cov: ? ft: ?}," \
		"$crash crash(es)"
	[ "$crash" -eq 0 ] || grep -E 'ERROR|SUMMARY' "$log" | head -n 5
	total=$((total + ${runs:-0}))
done
echo "fuzz: $total executions in total," \
	"$(find "$F/crashes" -type f -newer "$tmp/start" | wc -l) new crash input(s) in ${F#"$ROOT"/}/crashes"
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
