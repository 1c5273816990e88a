#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Seed corpora for make fuzz, from real Go programs, cut to size:
#   seeds.sh OUTDIR BINARY...
# OUTDIR/gobin: whole binaries' first 64 KB (fuzz_gobin);
# OUTDIR/sections: each binary's .gopclntab, .go.buildinfo, .rodata and
# .text, 64 KB at most each, framed as fuzz_sections.c reads them;
# OUTDIR/output: method names, hostile ones included (fuzz_output).
set -eu
out=$1
shift
mkdir -p "$out/gobin" "$out/sections" "$out/output"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
for b in "$@"; do
	name=$(basename "$(dirname "$b")")-$(basename "$b")
	head -c 65536 "$b" >"$out/gobin/$name"
	for s in .gopclntab .go.buildinfo .rodata .text; do
		objcopy -O binary --only-section="$s" "$b" "$t/$s" 2>/dev/null || : >"$t/$s"
		head -c 65535 "$t/$s" >"$t/$s.cut"
	done
	# u16 little-endian lengths of the first three, then the four contents.
	{
		for s in .gopclntab .go.buildinfo .rodata; do
			n=$(wc -c <"$t/$s.cut")
			printf "\\$(printf %03o $((n % 256)))\\$(printf %03o $((n / 256)))"
		done
		cat "$t/.gopclntab.cut" "$t/.go.buildinfo.cut" "$t/.rodata.cut" "$t/.text.cut"
	} >"$out/sections/$name"
done
printf '/fixture.Test/Unary' >"$out/output/plain"
printf '/\033[2J\r\n\342\200\256evil\377\376/\302\233' >"$out/output/hostile"
