#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make sweep: the short exact check of both sides (tests/exact.bats) on the
# build of every grpc-go release (.output/rel/VERSION/grpcfixture, with
# DWARF, tools/build-releases.sh), and on a stripped build of each (from
# the same compile, linked with -s -w: its layout from the table, confirmed
# by its code). Long (two runs per release): not part of make test, which
# covers each distinct layout once. Needs root. One line per release, then
# "sweep: N passed, N failed"; exits non-zero on any failure.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
LOG=$ROOT/.output/sweep
mkdir -p "$LOG"
pass=0
fail=0

# check LABEL BINARY: one exact.bats run.
check() {
	if FIXTURE=$2 timeout 300 bats --tap tests/exact.bats >"$LOG/$1.tap" 2>&1 &&
		grep -q '^ok 1 ' "$LOG/$1.tap"; then
		pass=$((pass + 1))
		echo "ok $1"
	else
		fail=$((fail + 1))
		echo "not ok $1 (see .output/sweep/$1.tap)"
	fi
}

vers=$(ls .output/rel | sort -V)
[ -n "$vers" ] || { echo "sweep: no builds in .output/rel (make releases)" >&2; exit 1; }
for v in $vers; do
	check "$v" "$ROOT/.output/rel/$v/grpcfixture"
done
tools/build-releases.sh -v stripped -o "$ROOT/.output/fix/rel-%v-stripped/grpcfixture" \
	$vers >"$LOG/build.log" 2>&1 || { echo "sweep: stripped builds failed (.output/sweep/build.log)" >&2; exit 1; }
for v in $vers; do
	check "$v-stripped" "$ROOT/.output/fix/rel-$v-stripped/grpcfixture"
done
echo "sweep: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
