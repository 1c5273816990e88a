#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The whole suite: unit tests of the Go-binary inspection module and of the
# layout code checks (test_layout, on every fixture with DWARF), the fuzz
# harnesses for a few seconds each and their regression inputs
# (tests/fuzz/run.sh, FUZZ_TEST_SECONDS per harness, default 5), the suites
# that do not depend on a fixture cell (cli.bats, etcd.bats, ...: every
# tests/*.bats but the per-cell ones) once, labelled "common", then the
# per-cell suites (client, server, abandoned, odd .bats) once per "full"
# line of tests/cells (tests/cells.sh runs), with
# FIXTURE=.output/fix/CELL/grpcfixture, plus the short exact check of both
# sides (exact.bats) on the stripped ones, and on every cell of
# tests/exact-cells.sh (each Go toolchain, each distinct layout of the
# table). Needs root. tests/README.md says which suite checks what.
#
# Every program of the run built with ASan/UBSan (make SANITIZE=1 test, or
# a "san" line of tests/cells) writes its sanitizer reports into
# OUTPUT/tests/sanitizer/LABEL/ (ASAN_OPTIONS and UBSAN_OPTIONS log_path,
# leaks included), not on its stderr: any report fails the run, looked at by
# the test or not, and its first lines are shown.
#
#   MATRIX="1.33.3-plain 1.81.1-pie:san"  full runs instead of tests/cells
#                                      (CELL, CELL:per-site, CELL:san; a
#                                      stripped CELL runs exact.bats too)
#   EXACT_CELLS="go1.27-1.83.1-stripped"  exact.bats cells instead of
#                                      tests/exact-cells.sh's (empty: none)
#   BATS_FILTER=REGEX                  only the bats tests whose name matches
#   CELL_TIMEOUT=SECONDS               per bats run (default 1800)
#   OUTPUT=DIR                         make's build directory (default
#                                      .output): test_gobin, test_layout,
#                                      test_output, test_json,
#                                      grpcstreams-without-*,
#                                      the logs; fixtures stay in .output/fix
#   GRPCSTREAMS=PATH                   the tool (default ./grpcstreams)
#   GRPCSTREAMS_SAN=PATH               the tool of ":san" cells (default
#                                      .output/san/grpcstreams)
#   SANITIZE=1                         the whole run is sanitized already:
#                                      ":san" cells are not run again
#
# TAP lines are labelled "ok N [CELL] ..."; raw TAP per run is kept in
# OUTPUT/tests/LABEL.tap, the labelled stream in OUTPUT/tests.tap. Ends
# with a per-cell table and exactly one line "tests: N passed, N failed";
# exits non-zero on any failure.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
OUT=${OUTPUT:-.output}
case $OUT in /*) ;; *) OUT=$ROOT/$OUT ;; esac
# helpers.bash and unit.sh find the build's programs there.
OUTPUT=$OUT
export OUTPUT
LOGDIR=$OUT/tests
LOG=$OUT/tests.tap
SANLOG=$LOGDIR/sanitizer
CELL_TIMEOUT=${CELL_TIMEOUT:-1800}
pass=0
fail=0
ran=0

if [ "$(id -u)" -ne 0 ]; then
	echo "tests: must run as root (they load BPF programs)" >&2
	exit 1
fi

# The full runs, "SPEC SUITES" a line: SPEC is CELL or CELL:VARIANT (the
# label), SUITES full or full,exact.
if [ -n "${MATRIX:-}" ]; then
	RUNS=$(for spec in $MATRIX; do
		case ${spec%%:*} in
		*-stripped) echo "$spec full,exact" ;;
		*) echo "$spec full" ;;
		esac
	done)
else
	RUNS=$(tests/cells.sh runs) || RUNS=BAD
fi

rm -rf "$LOGDIR"
mkdir -p "$LOGDIR" "$SANLOG"
: >"$LOG"
: >"$LOGDIR/summary"
START=$(date +%s)

# record LABEL PASSED FAILED SECONDS [NOTE]
record() {
	pass=$((pass + $2))
	fail=$((fail + $3))
	printf '%-26s %6s %6s %6ss  %s\n' "$1" "$2" "$3" "$4" "${5:-}" >>"$LOGDIR/summary"
}

# san_env LABEL: sanitizer reports of what runs next into $SANLOG/LABEL/
# (a directory anyone may write: some tests run the tool as nobody).
# Options given by the caller come first; these win.
san_env() {
	sandir=$SANLOG/$(echo "$1" | tr -c 'A-Za-z0-9._\n-' _)
	mkdir -p "$sandir"
	chmod 1777 "$SANLOG" "$sandir"
	ASAN_OPTIONS="${ASAN_OPTIONS_CALLER:+$ASAN_OPTIONS_CALLER:}log_path=$sandir/asan:detect_leaks=1"
	UBSAN_OPTIONS="${UBSAN_OPTIONS_CALLER:+$UBSAN_OPTIONS_CALLER:}log_path=$sandir/ubsan:print_stacktrace=1:halt_on_error=1"
	export ASAN_OPTIONS UBSAN_OPTIONS
}
ASAN_OPTIONS_CALLER=${ASAN_OPTIONS:-}
UBSAN_OPTIONS_CALLER=${UBSAN_OPTIONS:-}

# san_reports DIR: the number of sanitizer reports in DIR not counted yet,
# each shown (its first lines) as a "not ok" of LABEL $2.
san_reports() {
	n=0
	for r in "$1"/*; do
		[ -f "$r" ] || continue
		grep -qxF "$r" "$SANLOG/.seen" 2>/dev/null && continue
		echo "$r" >>"$SANLOG/.seen"
		n=$((n + 1))
		echo "not ok - [$2] sanitizer report ${r#"$ROOT"/}:" | tee -a "$LOG"
		head -n 30 "$r" | sed 's/^/#   /' | tee -a "$LOG"
	done
	return 0
}

# run_unit LABEL PREFIX COMMAND...: a unit test program whose last line is
# "PREFIX: N passed, M failed"; no such line means the program itself broke,
# and so does a non-zero exit with nothing failed (e.g. valgrind's errors).
run_unit() {
	label=$1 prefix=$2
	shift 2
	t0=$(date +%s)
	san_env "$label"
	rc=0
	"$@" >"$LOGDIR/$label.log" 2>&1 || rc=$?
	cat "$LOGDIR/$label.log"
	p=$(sed -n "s/^$prefix: \([0-9]*\) passed, \([0-9]*\) failed\$/\1/p" "$LOGDIR/$label.log")
	f=$(sed -n "s/^$prefix: \([0-9]*\) passed, \([0-9]*\) failed\$/\2/p" "$LOGDIR/$label.log")
	note=
	if [ -z "$p" ]; then
		note="$label ended without its summary line"
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		note="$label exited $rc"
		f=1
	fi
	san_reports "$sandir" "$label"
	if [ "$n" -gt 0 ]; then
		f=$((${f:-1} + n))
		note="${note:+$note; }$n sanitizer report(s)"
	fi
	record "$label" "${p:-0}" "${f:-1}" $(($(date +%s) - t0)) "$note"
}

# A part of the suite that is missing fails the run rather than shrink it.
missing() {
	echo "# $1 missing: $2" >&2
	record "$1" 0 1 0 "missing: $2"
}

# The unit test programs under valgrind (tests/valgrind.sh), unless they
# are built with ASan already (SANITIZE=1) or UNIT_VALGRIND=0.
VG=
if [ "${SANITIZE:-}" != 1 ] && [ "${UNIT_VALGRIND:-1}" != 0 ]; then
	if command -v valgrind >/dev/null 2>&1; then
		VG=$ROOT/tests/valgrind.sh
		echo "# unit test programs under valgrind (tests/valgrind.sh)"
	else
		missing valgrind "valgrind (make deps)"
	fi
fi

# gobin against tools that share no code with it.
if [ -x tests/unit.sh ]; then
	run_unit unit gobin env UNIT_STRICT=1 UNIT_WRAP="$VG" ./tests/unit.sh
	cp "$LOGDIR/unit.log" "$OUT/unit.log"
else
	missing unit tests/unit.sh
fi
# json_writer.c alone: both escapings, the writer's separators and nesting.
if [ -x "$OUT/test_json" ]; then
	# shellcheck disable=SC2086 # VG: empty or one word
	run_unit json json_writer $VG "$OUT/test_json"
else
	missing json "${OUT#"$ROOT"/}/test_json (make ${OUT#"$ROOT"/}/test_json)"
fi
# output.c and agg.c without root: lines of synthetic events, histograms, rows.
if [ -x "$OUT/test_output" ]; then
	# shellcheck disable=SC2086 # VG: empty or one word
	run_unit output output $VG "$OUT/test_output"
else
	missing output "${OUT#"$ROOT"/}/test_output (make ${OUT#"$ROOT"/}/test_output)"
fi
# The code checks of layout_check.c against every fixture with DWARF: each
# one's own layout confirmed, every other layout of the table refused.
if [ -x "$OUT/test_layout" ]; then
	# shellcheck disable=SC2086
	run_unit layout layout $VG "$OUT/test_layout" .output/fix/*-plain/grpcfixture \
		.output/fix/*-pie/grpcfixture
else
	missing layout "${OUT#"$ROOT"/}/test_layout (make ${OUT#"$ROOT"/}/test_layout)"
fi

# The fuzz harnesses, briefly (FUZZ_TEST_SECONDS each, default 5), after
# their regression inputs (tests/fuzz/regress/): no crash, no UB.
if [ -x tests/fuzz/run.sh ]; then
	run_unit fuzz fuzz env FUZZ_SECONDS="${FUZZ_TEST_SECONDS:-5}" FUZZ_KEEP=0 \
		./tests/fuzz/run.sh
else
	missing fuzz tests/fuzz/run.sh
fi

# run_bats LABEL FIXTURE BATS_FILES...: one bats run, labelled. FIXTURE empty
# means helpers.bash's default (the system's grpc-go, plain).
run_bats() {
	label=$1 fixture=$2
	shift 2
	tap=$LOGDIR/$label.tap
	t0=$(date +%s)
	echo "# --- $label${fixture:+: FIXTURE=${fixture#"$ROOT"/}}" | tee -a "$LOG"
	if [ -n "$fixture" ] && [ ! -x "$fixture" ]; then
		echo "not ok 1 [$label] fixture ${fixture#"$ROOT"/} missing (make fixtures)" |
			tee -a "$LOG"
		record "$label" 0 1 0 "fixture missing"
		return
	fi
	san_env "$label"
	(
		if [ -n "$fixture" ]; then
			FIXTURE=$fixture
			export FIXTURE
		else
			unset FIXTURE
		fi
		# --foreground: Ctrl-C still reaches bats (and its teardown).
		exec timeout --foreground -k 10 "$CELL_TIMEOUT" \
			bats --tap ${BATS_FILTER:+--filter "$BATS_FILTER"} "$@"
	) 2>&1 | tee "$tap" |
		sed -u "s/^\(not \)\{0,1\}ok [0-9]* /&[$label] /" | tee -a "$LOG"
	p=$(grep -c '^ok ' "$tap")
	f=$(grep -c '^not ok ' "$tap")
	ran=$((ran + p + f))
	note=
	# bats that ran nothing, or died before its plan was met, is a failure.
	plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$tap" | head -n 1)
	if [ -z "$plan" ] || [ "$plan" -ne $((p + f)) ]; then
		note="bats planned ${plan:-?} tests, reported $((p + f))"
		f=$((f + 1))
	elif [ "$plan" -eq 0 ] && [ -z "${BATS_FILTER:-}" ]; then
		note="bats ran no test"
		f=$((f + 1))
	fi
	[ -z "$note" ] || echo "not ok - [$label] $note" | tee -a "$LOG" >&2
	san_reports "$sandir" "$label"
	if [ "$n" -gt 0 ]; then
		f=$((f + n))
		note="${note:+$note; }$n sanitizer report(s)"
	fi
	record "$label" "$p" "$f" $(($(date +%s) - t0)) "$note"
}

PER_CELL="tests/client.bats tests/server.bats tests/abandoned.bats tests/odd.bats"
COMMON=
for b in tests/*.bats; do
	case " $PER_CELL tests/exact.bats " in
	*" $b "*) ;;
	*) COMMON="$COMMON $b" ;;
	esac
done
# shellcheck disable=SC2086 # file names without blanks
run_bats common "" $COMMON
TOOL_DEFAULT=${GRPCSTREAMS:-$ROOT/grpcstreams}
if [ "$RUNS" = BAD ]; then
	echo "not ok - [cells] tests/cells.sh runs failed" | tee -a "$LOG"
	record cells 0 1 0 "tests/cells.sh runs failed"
	RUNS=
fi
SPECS=$(printf '%s\n' "$RUNS" | cut -d' ' -f1)
BARE_CELLS=
for spec in $SPECS; do
	BARE_CELLS="$BARE_CELLS ${spec%%:*}"
done
for spec in $SPECS; do
	cell=${spec%%:*}
	suites=$PER_CELL
	# A stripped cell: the table's layout, checked against its code.
	what=$(printf '%s\n' "$RUNS" | awk -v s="$spec" '$1 == s { print $2; exit }')
	case ,$what, in *,exact,*) suites="$suites tests/exact.bats" ;; esac
	GRPCSTREAMS=$TOOL_DEFAULT
	export GRPCSTREAMS
	case $spec in
	*:per-site)
		# Attach path forced to a perf event per site (tests/per-site).
		GRPCSTREAMS_REAL=$TOOL_DEFAULT
		export GRPCSTREAMS_REAL
		GRPCSTREAMS=$ROOT/tests/per-site
		;;
	*:san)
		# The tool built with ASan and UBSan (make SANITIZE=1).
		if [ "${SANITIZE:-}" = 1 ]; then
			echo "# --- $spec: skipped, every cell of this run is sanitized" | tee -a "$LOG"
			continue
		fi
		GRPCSTREAMS=${GRPCSTREAMS_SAN:-$ROOT/.output/san/grpcstreams}
		if [ ! -x "$GRPCSTREAMS" ]; then
			missing "$spec" "${GRPCSTREAMS#"$ROOT"/} (make SANITIZE=1)"
			continue
		fi
		;;
	*:*)
		missing "$spec" "no such variant in tests/run.sh"
		continue
		;;
	esac
	# shellcheck disable=SC2086
	run_bats "$spec" "$ROOT/.output/fix/$cell/grpcfixture" $suites
done
GRPCSTREAMS=$TOOL_DEFAULT

# The short exact check on the other stripped cells (tests/exact-cells.sh):
# every Go toolchain, every distinct layout of the table.
if [ -n "${EXACT_CELLS+set}" ]; then
	EXACT=$EXACT_CELLS
else
	EXACT=$(tests/exact-cells.sh) || {
		echo "not ok - [exact-cells] tests/exact-cells.sh failed" | tee -a "$LOG"
		record exact-cells 0 1 0 "tests/exact-cells.sh failed"
		EXACT=
	}
fi
for cell in $EXACT; do
	case "$BARE_CELLS " in *" $cell "*) continue ;; esac
	run_bats "$cell" "$ROOT/.output/fix/$cell/grpcfixture" tests/exact.bats
done

# Reports of processes that outlived their run (none should).
late=0
for d in "$SANLOG" "$SANLOG"/*/; do
	[ -d "$d" ] || continue
	san_reports "${d%/}" late
	late=$((late + n))
done
[ "$late" -eq 0 ] || record late 0 "$late" 0 "sanitizer reports after their run"

if [ "$ran" -eq 0 ]; then
	echo "tests: no bats test ran${BATS_FILTER:+ (BATS_FILTER=$BATS_FILTER)}" >&2
	fail=$((fail + 1))
fi

echo
echo "# per cell (total $(($(date +%s) - START)) s):"
printf '%-26s %6s %6s %7s\n' cell passed failed time
cat "$LOGDIR/summary"
if grep -q '^not ok' "$LOG"; then
	echo "# failed:"
	grep '^not ok' "$LOG"
fi
echo "tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
