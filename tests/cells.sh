#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# cells.sh runs|exact|go
#
# The reader of tests/cells, the one list of fixture cells (its format is
# described at its top). Checks the whole list first: any malformed line
# is named on stderr and the exit status is 1, whatever was asked.
#
#   runs   the full runs (tests/run.sh), in the list's order, one a line:
#          "SPEC SUITES", SPEC being CELL, CELL:per-site or CELL:san (the
#          run's label; MATRIX's syntax) and SUITES "full" or "full,exact"
#   exact  the cells of the "exact" lines (exact.bats alone), in the list's
#          order, a pattern replaced by the cells of .output/fix that match
#          it and exist (sorted): "CELL GRPC_VERSION" a line
#   go     the Go toolchains' cells: "GO_VERSION GRPC_VERSION" a line
#
# CELLS_LIST=FILE reads another list instead.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
LIST=${CELLS_LIST:-$ROOT/tests/cells}

[ $# -eq 1 ] || { echo "usage: $0 runs|exact|go" >&2; exit 2; }
case $1 in
runs | exact | go) ;;
*) echo "usage: $0 runs|exact|go" >&2; exit 2 ;;
esac
[ -r "$LIST" ] || { echo "cells.sh: cannot read $LIST" >&2; exit 1; }

# One normalized line per line of the list, "KIND ..." (KIND: run, exact,
# pattern), or the first error.
norm=$(awk -v list="${LIST#"$ROOT"/}" '
function bad(msg) {
	printf "cells.sh: %s:%d: %s\n", list, FNR, msg > "/dev/stderr"
	exit 1
}
{ sub(/#.*/, "") }
NF == 0 { next }
{
	cell = $1
	if (NF != 2 && NF != 4)
		bad("want CELL SUITES [GO GRPC], not " NF " fields")
	full = exact = 0
	variant = ""
	n = split($2, w, ",")
	for (i = 1; i <= n; i++) {
		if (w[i] == "full") full = 1
		else if (w[i] == "exact") exact = 1
		else if (w[i] == "per-site" || w[i] == "san") {
			if (variant != "")
				bad("both " variant " and " w[i])
			variant = w[i]
		} else
			bad("no such suite \"" w[i] "\" (full, exact, per-site, san)")
	}
	if (!full && !exact)
		bad("neither full nor exact")
	if (variant != "" && !full)
		bad(variant " without full")
	pattern = cell ~ /[][*?]/
	stripped = cell ~ /-stripped$/
	if (exact && !stripped)
		bad("exact on a cell that is not stripped: " cell)
	if (full && stripped && !exact)
		bad("a stripped cell without exact: " cell)
	if (pattern && (full || NF == 4))
		bad("a pattern is for an exact line without GO GRPC only: " cell)
	if (NF == 4) {
		if (full)
			bad("GO GRPC on a full line")
		if (cell != "go" $3 "-" $4 "-stripped")
			bad("cell " cell " is not go" $3 "-" $4 "-stripped")
	}
	if (full) {
		spec = cell (variant != "" ? ":" variant : "")
		if (spec in seen)
			bad("run " spec " twice")
		seen[spec] = 1
		print "run", spec, (exact ? "full,exact" : "full")
	} else if (pattern) {
		print "pattern", cell
	} else {
		if (("exact " cell) in seen)
			bad("exact " cell " twice")
		seen["exact " cell] = 1
		print "exact", cell, (NF == 4 ? $4 : substr(cell, 1, length(cell) - 9)), \
			(NF == 4 ? $3 : "")
	}
}
' "$LIST") || exit 1

case $1 in
runs)
	printf '%s\n' "$norm" | awk '$1 == "run" { print $2, $3 }'
	;;
go)
	printf '%s\n' "$norm" | awk '$1 == "exact" && NF == 4 { print $4, $3 }'
	;;
exact)
	printf '%s\n' "$norm" | while read -r kind cell ver _; do
		case $kind in
		exact) echo "$cell $ver" ;;
		pattern)
			for f in "$ROOT"/.output/fix/$cell/grpcfixture; do
				[ -x "$f" ] || continue
				c=${f%/grpcfixture}
				c=${c##*/}
				echo "$c ${c%-stripped}"
			done
			;;
		esac
	done
	;;
esac
