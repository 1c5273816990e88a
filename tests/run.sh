#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The whole suite: unit tests of the Go-binary inspection module, then the
# bats suites against real grpc-go programs. Needs root (loads BPF).
# Ends with one line "tests: N passed, N failed".
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
LOG=$ROOT/.output/tests.tap
pass=0
fail=0

if [ "$(id -u)" -ne 0 ]; then
	echo "tests: must run as root (they load BPF programs)" >&2
	exit 1
fi

if [ -x tests/unit.sh ]; then
	if ./tests/unit.sh >"$ROOT/.output/unit.log" 2>&1; then :; fi
	cat "$ROOT/.output/unit.log"
	p=$(sed -n 's/^gobin: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$ROOT/.output/unit.log")
	f=$(sed -n 's/^gobin: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$ROOT/.output/unit.log")
	# No closing line means the unit test program itself broke.
	pass=$((pass + ${p:-0}))
	fail=$((fail + ${f:-1}))
fi

bats --tap ${BATS_FILTER:+--filter "$BATS_FILTER"} tests/*.bats | tee "$LOG"
p=$(grep -c '^ok ' "$LOG")
f=$(grep -c '^not ok ' "$LOG")
pass=$((pass + p))
fail=$((fail + f))
# bats that ran nothing, or died before its plan was met, is a failure.
plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$LOG" | head -n 1)
if [ -z "$plan" ] || [ "$plan" -eq 0 ] || [ "$plan" -ne $((p + f)) ]; then
	echo "tests: bats planned '${plan:-?}' tests, reported $((p + f))" >&2
	fail=$((fail + 1))
fi

echo "tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
