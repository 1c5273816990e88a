#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Seed corpora for the fuzz harnesses, from the fixtures, cut to size:
#   seeds.sh OUTDIR [BINARY...]
# BINARY (default: every fixture with symbols and DWARF, plain and PIE):
# OUTDIR/{code,sections,gobin,dwarf} by .output/fuzz/mkseeds (see
# tests/fuzz/mkseeds.c: the grpc-go functions' code, a function table of
# their own, build info, itab, DWARF in Go's shapes; a few KB each);
# OUTDIR/output: method names, hostile ones included (fuzz_output).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
out=$1
shift
if [ $# -eq 0 ]; then
	for b in "$ROOT"/.output/fix/*-plain/grpcfixture "$ROOT"/.output/fix/*-pie/grpcfixture; do
		[ -x "$b" ] && set -- "$@" "$b"
	done
fi
[ $# -gt 0 ] || { echo "seeds.sh: no fixture (make fixtures)" >&2; exit 1; }
mkdir -p "$out/output"
# mkseeds is in make's build directory (OUTPUT, as tests/fuzz/run.sh sets it).
case ${OUTPUT:-.output} in
/*) mkseeds=$OUTPUT/fuzz/mkseeds ;;
*) mkseeds=$ROOT/${OUTPUT:-.output}/fuzz/mkseeds ;;
esac
"$mkseeds" "$out" "$@"
printf '/fixture.Test/Unary' >"$out/output/plain"
printf '/\033[2J\r\n\342\200\256evil\377\376/\302\233' >"$out/output/hostile"
