#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Unit tests of gobin.c: compute every expected value with tools that share
# no code with gobin (go, dpkg-query, nm, readelf, objdump, gdb,
# llvm-dwarfdump) and hand them to .output/test_gobin. Builds nothing: run
# `make .output/test_gobin fixtures` first. Exits non-zero on any failure.
set -eu
# Tool output and awk's string comparisons of hex addresses must not depend
# on the caller's locale.
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TEST=$ROOT/.output/test_gobin
FIX=$ROOT/.output/fix
GO=${GO:-go}

die() {
	echo "unit.sh: $*" >&2
	exit 1
}

need() {
	command -v "$1" >/dev/null 2>&1 || die "$1 not found (make deps)"
}

for t in "$GO" dpkg-query nm readelf objdump gdb; do
	need "$t"
done
DWARFDUMP=
for t in llvm-dwarfdump llvm-dwarfdump-16 llvm-dwarfdump-15 llvm-dwarfdump-14; do
	if command -v "$t" >/dev/null 2>&1; then
		DWARFDUMP=$t
		break
	fi
done
[ -n "$DWARFDUMP" ] || die "llvm-dwarfdump not found (make deps)"

# Debian revision and epoch are not part of grpc-go's own version.
GRPC=$(dpkg-query -W -f='${Version}' golang-google-grpc-dev |
	sed 's/^[0-9]*://; s/[-+~].*//')
[ -n "$GRPC" ] || die "golang-google-grpc-dev is not installed"
PLAIN=$FIX/$GRPC-plain/grpcfixture
STRIPPED=$FIX/$GRPC-stripped/grpcfixture
GOHELLO=$FIX/gohello
for f in "$TEST" "$PLAIN" "$STRIPPED" "$GOHELLO"; do
	[ -x "$f" ] || die "$f missing (make .output/test_gobin fixtures)"
done

# The fixtures are built with the system toolchain; if `go version FILE`
# disagrees, they are stale and every version check would be meaningless.
GOVER=$("$GO" version | awk '{ print $3 }')
for f in "$PLAIN" "$STRIPPED" "$GOHELLO"; do
	v=$("$GO" version "$f" | awk '{ print $2 }')
	[ "$v" = "$GOVER" ] || die "$f built with $v, but go is $GOVER (make fixtures)"
done

# GOPATH builds record no module versions: grpc-go's version can then only
# come from its user agent string in rodata.
if "$GO" version -m "$PLAIN" | grep -q '^[[:space:]]*dep[[:space:]]*google.golang.org/grpc[[:space:]]'; then
	GRPC_SOURCE=buildinfo
else
	GRPC_SOURCE=rodata
fi

hex() {
	printf '0x%x' "$1"
}

# nm -S: "ADDR SIZE TYPE NAME" -> "0xADDR 0xSIZE"
sym() {
	nm -S "$PLAIN" | awk -v n="$1" -v t="$2" \
		'$4 == n && index(t, $3) { print "0x" $1, "0x" $2; found++ }
		 END { exit found != 1 }' || die "no unique $2 symbol $1 in $PLAIN"
}

# File offset of a virtual address from the PT_LOAD program headers, or
# "none" where no file bytes back it (.bss, unmapped).
LOADS=$(readelf -lW "$PLAIN" | awk '$1 == "LOAD" { print $2, $3, $5 }')
[ -n "$LOADS" ] || die "no PT_LOAD in $PLAIN"
file_off() {
	echo "$LOADS" | {
		while read -r off vaddr filesz; do
			if [ $(($1)) -ge $((vaddr)) ] && [ $(($1)) -lt $((vaddr + filesz)) ]; then
				hex $(($1 - vaddr + off))
				exit 0
			fi
		done
		echo none
	}
}

# objdump of one function, without raw bytes: "ADDR:<TAB>INSN"
disasm() {
	objdump -d --no-show-raw-insn --start-address="$1" \
		--stop-address="$(hex $(($1 + $2)))" "$PLAIN" |
		awk -F '\t' '/^ *[0-9a-f]+:\t/ { sub(/^ */, "", $1); print $1 "\t" $2 }'
}

# Every RET, colon-separated.
rets() {
	disasm "$1" "$2" | awk -F '\t' '$2 ~ /^(repz? )?retq? *$/ { printf "%s0x%s", sep, substr($1, 1, length($1) - 1); sep = ":" }'
}

# Go's stack check is a compare against g.stackguard0 (16(R14)), or
# stackguard1 (24(R14)) in runtime code, followed at once by the JBE to the
# morestack call, within the first few instructions. Prints "KIND VADDR".
entry() {
	disasm "$1" "$2" | awk -F '\t' -v f="$1" '
		NR > 6 { exit }
		$2 ~ /^jbe / && prev ~ /^cmp .*0x1[08]\(%r14\)/ {
			print "stack_check 0x" substr($1, 1, length($1) - 1); found = 1; exit
		}
		{ prev = $2 }
		END { if (!found) print "entry", f }'
}

# DWARF member offset, read by both gdb and llvm-dwarfdump; they must agree.
gdb_member() {
	gdb -batch -nx -iex 'set auto-load no' -ex 'set language c' \
		-ex "ptype/o struct '$1'" "$PLAIN" 2>/dev/null | awk -v m="$2" '
		/type = struct/ { depth = 1; next }
		depth == 0 { next }
		{
			off = ""
			if (match($0, /^\/\* +[0-9]+ +\|/)) {
				off = substr($0, RSTART + 2, RLENGTH - 3)
				gsub(/ /, "", off)
			}
			text = $0
			sub(/^\/\*[^*]*\*\//, "", text)
			sub(/^ +/, "", text)
			sub(/ +$/, "", text)
		}
		text ~ /^}/ {
			depth--
			name = text
			sub(/^} */, "", name)
			sub(/;$/, "", name)
			if (depth == 1 && name == m)
				print pending
			next
		}
		off != "" && text ~ /{$/ {
			if (depth == 1)
				pending = off
			depth++
			next
		}
		off != "" && depth == 1 {
			n = split(text, w, " ")
			name = w[n]
			sub(/;$/, "", name)
			sub(/^\*+/, "", name)
			if (name == m)
				print off
		}'
}

dwarfdump_member() {
	"$DWARFDUMP" --name="$1" --show-children "$PLAIN" | awk -v m="$2" '
		/DW_TAG_/ { member = ($2 == "DW_TAG_member"); name = ""; next }
		member && /DW_AT_name/ {
			name = $0
			sub(/^[^"]*"/, "", name)
			sub(/".*/, "", name)
		}
		member && /DW_AT_data_member_location/ && name == m {
			v = $0
			sub(/.*\(/, "", v)
			sub(/\).*/, "", v)
			print v
		}'
}

member() {
	a=$(gdb_member "$1" "$2")
	b=$(dwarfdump_member "$1" "$2")
	[ -n "$a" ] && [ -n "$b" ] && [ $((a)) -eq $((b)) ] && [ "$(echo "$a" | wc -l)" -eq 1 ] ||
		die "DWARF offset of $1.$2: gdb says '$a', $DWARFDUMP says '$b'"
	echo "member=$((a)),$2,$1"
}

T=google.golang.org/grpc/internal/transport
NEWSTREAM="$T.(*http2Client).NewStream"
CLOSESTREAM="$T.(*http2Client).closeStream"
# A leaf function without a stack check whose first JBE is a range check
# taken on its normal path: an entry probe there must not be mistaken for
# the stack check (the BPF side would drop every taken hit).
LEAF="syscall.(*SockaddrInet4).sockaddr"

set -- "$PLAIN" "$STRIPPED" "$GOHELLO" \
	"go=$GOVER" "grpc=$GRPC" "grpc_source=$GRPC_SOURCE"
for f in "$NEWSTREAM" "$CLOSESTREAM" "$LEAF"; do
	s=$(sym "$f" tT)
	addr=${s% *}
	size=${s#* }
	set -- "$@" "func=$addr,$size,$f"
	e=$(entry "$addr" "$size")
	kind=${e% *}
	site=${e#* }
	set -- "$@" "entry=$kind,$site,$(file_off "$site"),$f"
	set -- "$@" "rets=$(rets "$addr" "$size"),$f"
	set -- "$@" "vaddr=$addr,$(file_off "$addr")"
done
# Keep the checks meaningful if the toolchain changes code generation.
s=$(sym "$NEWSTREAM" tT)
case $(entry $s) in
stack_check*) ;;
*) die "objdump finds no stack check in $NEWSTREAM" ;;
esac
s=$(sym "$LEAF" tT)
case $(entry $s) in
entry*) ;;
*) die "$LEAF has a stack check now: pick another leaf function" ;;
esac
j=$(disasm $s | head -n 6 | grep -c '	jbe ') || true
[ "$j" -gt 0 ] || die "$LEAF has no JBE near its entry any more: pick another leaf function"

# Segment edges: the last file-backed byte of each PT_LOAD maps, the next
# one (.bss or a gap) does not; nothing maps below the first segment.
LAST=
while read -r off vaddr filesz; do
	LAST=$(hex $((vaddr + filesz - 1)))
	set -- "$@" "vaddr=$LAST,$(file_off "$LAST")" \
		"vaddr=$(hex $((vaddr + filesz))),$(file_off $((vaddr + filesz)))"
done <<EOF
$LOADS
EOF
set -- "$@" "vaddr=0x1000,$(file_off 0x1000)"
# A data symbol: gobin_func must not return it.
s=$(sym runtime.buildVersion dDbBrR)
set -- "$@" "nofunc=runtime.buildVersion"
# An itab (read-only data): grpcstreams reads the type hash at +16 of the
# http2Server one; the bytes come from the file at readelf's offset.
ITAB="go.itab.*$T.http2Server,$T.ServerTransport"
s=$(sym "$ITAB" rR)
addr=${s% *}
hexb=$(od -An -tx1 -v -j $(($(file_off $((addr + 16))))) -N 4 "$PLAIN" | tr -d ' \n')
set -- "$@" "data=$addr,${s#* },$hexb,$ITAB"

for tm in "$T.http2Client nextID" "$T.http2Client remoteAddr" \
	"$T.http2Client connectionID" "$T.Stream id" "$T.Stream state" \
	"$T.CallHdr Method" "net.TCPAddr IP" "net.TCPAddr Port" \
	"google.golang.org/grpc/internal/status.Status s"; do
	m=$(member "${tm% *}" "${tm#* }")
	set -- "$@" "$m"
done

TMPD=$(mktemp -d)
trap 'rm -rf "$TMPD"' EXIT

# Every function of PLAIN (nm -S: start, end, size, name), by address.
nm -S "$PLAIN" | awk 'NF == 4 && ($3 == "T" || $3 == "t") { print $1, $2, $4 }' |
	sort | while read -r a sz n; do
		printf '%016x %016x %s %s\n' $((0x$a)) $((0x$a + 0x$sz)) "$sz" "$n"
	done >"$TMPD/funcs"

# One objdump pass over the whole text, cut into those functions (skipping
# symbols that overlap others, like cgo's "net(.text)"), with the same stack
# check rule as entry() and the RETs; "bad" where objdump cannot decode a
# byte (data in text). Addresses compare as zero-padded hex strings, so the
# "x" prefix keeps awk from treating them as numbers.
objdump -dz --no-show-raw-insn "$PLAIN" | awk -F '\t' -v funcs="$TMPD/funcs" '
BEGIN {
	while ((getline l < funcs) > 0) {
		split(l, f, " ")
		n++
		st[n] = "x" f[1]; en[n] = "x" f[2]; sz[n] = f[3]; nm[n] = f[4]
	}
	for (i = 1; i <= n; i++)
		keep[i] = (i == 1 || st[i] >= en[i - 1]) && (i == n || en[i] <= st[i + 1])
	cur = 1
}
/^ *[0-9a-f]+:\t/ {
	a = $1
	sub(/^ */, "", a)
	sub(/:$/, "", a)
	p = sprintf("%16s", a)
	gsub(/ /, "0", p)
	p = "x" p
	while (cur <= n && p >= en[cur])
		cur++
	if (cur > n || p < st[cur] || !keep[cur])
		next
	i = cur
	c[i]++
	if (c[i] <= 6 && !done[i]) {
		if ($2 ~ /^jbe / && prev[i] ~ /^cmp .*0x1[08]\(%r14\)/) {
			site[i] = "stack_check,0x" a
			done[i] = 1
		} else if ($2 ~ /^(call|(repz? )?retq?)/) {
			done[i] = 1
		}
	}
	if ($2 ~ /^(repz? )?retq? *$/)
		rets[i] = rets[i] (rets[i] == "" ? "" : ":") "0x" a
	if ($2 ~ /\(bad\)/)
		bad[i] = 1
	prev[i] = $2
}
END {
	for (i = 1; i <= n; i++) {
		if (!keep[i] || !c[i])
			continue
		s = substr(st[i], 2)
		print "0x" s, "0x" sz[i], site[i] == "" ? "entry,0x" s : site[i],
			bad[i] ? "bad" : rets[i] == "" ? "-" : rets[i], nm[i]
	}
}' >"$TMPD/sweep"
set -- "$@" "sweep=$TMPD/sweep"

# Truncated copies that keep the section headers: cut right after the
# section names, inside the compressed DWARF, inside .symtab, and one byte
# short of the end (Go's linker puts .strtab last). "OFFSET SIZE" of a
# section from readelf -S:
section() {
	readelf -SW "$PLAIN" | sed -n 's/^ *\[ *[0-9]*\] *//p' |
		awk -v n="$1" '$1 == n { print "0x" $4, "0x" $5; found++ } END { exit found != 1 }' ||
		die "no section $1 in $PLAIN"
}
s=$(section .shstrtab)
set -- "$@" "trunc=$((${s% *} + ${s#* }))"
for n in .debug_info .symtab; do
	s=$(section $n)
	set -- "$@" "trunc=$((${s% *} + ${s#* } / 2))"
done
set -- "$@" "trunc=$(($(stat -c %s "$PLAIN") - 1))"

OUT=$TMPD/out
rc=0
"$TEST" "$@" >"$OUT" 2>&1 || rc=$?
cat "$OUT"
LINE=$(tail -n 1 "$OUT")
case $LINE in
"gobin: 0 passed, "*) die "test_gobin ran no test" ;;
"gobin: "*" passed, 0 failed") [ $rc -eq 0 ] || die "test_gobin exited $rc" ;;
"gobin: "*) exit 1 ;;
*) die "test_gobin died before its summary (exit $rc)" ;;
esac
