#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# exact-cells.sh [--build]
#
# The cells tests/run.sh runs the short exact check (tests/exact.bats) on,
# one name a line (.output/fix/CELL/grpcfixture): stripped builds, so that
# every one is traced with a layout of the built-in table that its own
# code confirmed.
#
#  - the cells of the "exact" lines of tests/cells (tests/cells.sh exact),
#    in its order: one per Go toolchain Debian ships (go1.NN-VER-stripped),
#    and the stripped builds of Debian's grpc-go packages that exist
#    (VER-stripped: the pattern line), all built by tests/build-fixtures.sh,
#    which runs first;
#  - one per distinct layout of the table (layouts.gen.h) that none of those
#    has: rel-VER-stripped, VER the newest release of the entry, built
#    from the release bundle with its map's toolchain
#    (tools/build-releases.sh -v stripped).
#
# tests/run.sh skips the ones a full run of tests/cells had already.
# With --build, builds the rel-* cells first (cached; a failed build fails).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

# cell VERSION for the cells that are built anyway.
covered=$(tests/cells.sh exact)
# The releases of each table entry, one entry a line.
entries=$(sed -n 's/^	{ "\([0-9][0-9. ]*\)", .*/\1/p' layouts.gen.h)
[ -n "$entries" ] || { echo "exact-cells: no entries in layouts.gen.h" >&2; exit 1; }

cells=$(printf '%s\n' "$covered" | cut -d' ' -f1)
build=
while read -r rels; do
	hit=$(printf '%s\n' "$covered" | while read -r cell v; do
		case " $rels " in *" $v "*) echo "$cell" ;; esac
	done)
	if [ -z "$hit" ]; then
		last=${rels##* }
		cells="$cells
rel-$last-stripped"
		build="$build $last"
	fi
done <<EOF2
$entries
EOF2

if [ "${1:-}" = --build ] && [ -n "$build" ]; then
	# shellcheck disable=SC2086 # versions
	tools/build-releases.sh -v stripped -o "$ROOT/.output/fix/rel-%v-stripped/grpcfixture" \
		$build >&2
fi
printf '%s\n' "$cells"
