#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make fuzz: each libFuzzer harness for FUZZ_SECONDS (default 60), seeded
# from the fixture binaries (tests/fuzz/seeds.sh), corpora kept under
# .output/fuzz/corpus-NAME between runs. Prints each harness's executions
# and crashes; a crash's input is left in .output/fuzz/crashes/ and the
# run fails. Harnesses: fuzz_gobin (gobin on any file's bytes),
# fuzz_sections (Go's sections inside a well-formed ELF), fuzz_output
# (the escaping of the traced program's strings).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
F=$ROOT/.output/fuzz
SECS=${FUZZ_SECONDS:-60}
mkdir -p "$F/crashes"
if [ ! -d "$F/seeds" ]; then
	"$ROOT/tests/fuzz/seeds.sh" "$F/seeds" "$ROOT"/.output/fix/gohello \
		"$ROOT"/.output/fix/*-stripped/grpcfixture
fi
total=0
fail=0
for h in gobin sections output; do
	mkdir -p "$F/corpus-$h"
	log=$F/$h.log
	# stderr of the code under test closed (-close_fd_mask=2): libFuzzer keeps its own.
	if "$F/fuzz_$h" -max_total_time="$SECS" -close_fd_mask=2 -rss_limit_mb=4096 \
		-max_len=262144 -artifact_prefix="$F/crashes/$h-" -print_final_stats=1 \
		"$F/corpus-$h" "$F/seeds/$h" >"$log" 2>&1; then
		crash=0
	else
		crash=1
		fail=1
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	echo "fuzz_$h: ${runs:-0} executions in ${SECS} s, $crash crash(es)"
	[ "$crash" -eq 0 ] || grep -E 'ERROR|SUMMARY' "$log" | head -n 5
	total=$((total + ${runs:-0}))
done
echo "fuzz: $total executions, $(ls "$F/crashes" | wc -l) crash input(s) in $F/crashes"
exit "$fail"
