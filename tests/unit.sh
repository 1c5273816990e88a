#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Unit tests of gobin (gobin_*.c): compute every expected value with tools that share
# no code with gobin (go, go tool addr2line, dpkg-query, nm, readelf,
# objdump, gdb, llvm-dwarfdump) and hand them to .output/test_gobin. Builds
# nothing: run `make .output/test_gobin fixtures` first. The 1.33.3 plain
# and stripped fixtures are required; the 1.64.0 and 1.81.1 cells
# (plain, pie, trimpath, stripped, module) are used when they exist and
# skipped with a note otherwise (with UNIT_STRICT=1, as tests/run.sh runs
# it, a missing one is a failure). GOBIN_FIX overrides .output/fix;
# GOBIN_CALLERS_EXTRA lists more binaries (with symbols) whose NewStream
# callers to check; OUTPUT is make's build directory (.output) and
# UNIT_WRAP a command test_gobin runs under (make valgrind: valgrind, its
# log in a file of its own). Exits non-zero on any failure.
set -eu
# Tool output and awk's string comparisons of hex addresses must not depend
# on the caller's locale.
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# OUTPUT: make's build directory (make SANITIZE=1: .output/san).
case ${OUTPUT:-.output} in
/*) TEST=$OUTPUT/test_gobin ;;
*) TEST=$ROOT/${OUTPUT:-.output}/test_gobin ;;
esac
FIX=${GOBIN_FIX:-$ROOT/.output/fix}
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

# --- pclntab, versions, parameters and member types, per fixture cell -----

# "0xADDR 0xEND NAME" for the functions of NMBIN (nm -S), END being the
# next function's start (what .gopclntab's functab records: padding
# included) and NAME what `go tool addr2line` (Go's debug/gosym reading
# .gopclntab; ADDR2LINE from a toolchain that knows the table's format)
# says of every NAMEBIN at both ADDR and END-1. Table names are not always
# symbol names ("internal/cpu.cpuid.abi0" is "internal/cpu.cpuid" there).
# Left out: symbols sharing an address or overlapping the next one (cgo's
# "net(.text)"), the last one, names that occur twice, and any function
# the NAMEBINs disagree on (so that a stripped build's layout is checked
# here, not assumed to be the plain one's).
pcln_list() { # NMBIN ADDR2LINE NAMEBIN...
	nmbin=$1 a2l=$2
	shift 2
	nm -S "$nmbin" | awk 'NF == 4 && ($3 == "T" || $3 == "t") { print $1, $2 }' |
		sort | awk '
	function hexval(s,    i, v) {
		v = 0
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v
	}
	{ n++; st[n] = $1; sz[n] = $2 }
	END {
		for (i = 1; i < n; i++) {
			if (st[i] == st[i + 1] || (i > 1 && st[i] == st[i - 1]))
				continue
			if (hexval(st[i]) + hexval(sz[i]) > hexval(st[i + 1]))
				continue
			printf "0x%s 0x%s 0x%x\n", st[i], st[i + 1], hexval(st[i + 1]) - 1
		}
	}' >"$TMPD/a2l.ranges"
	awk '{ print $1; print $3 }' "$TMPD/a2l.ranges" >"$TMPD/a2l.in"
	cp "$TMPD/a2l.ranges" "$TMPD/a2l.acc"
	for b in "$@"; do
		"$a2l" "$b" <"$TMPD/a2l.in" | awk 'NR % 2 == 1' | paste -d ' ' - - |
			paste -d ' ' "$TMPD/a2l.acc" - >"$TMPD/a2l.tmp"
		mv "$TMPD/a2l.tmp" "$TMPD/a2l.acc"
	done
	awk '{
		for (i = 4; i <= NF; i++)
			if ($i != $4)
				next
		if ($4 == "?" || NF < 5)
			next
		n++; a[n] = $1; e[n] = $2; nm[n] = $4; cnt[$4]++
	}
	END {
		for (i = 1; i <= n; i++)
			if (cnt[nm[i]] == 1)
				print a[i], e[i], nm[i]
	}' "$TMPD/a2l.acc"
}

# The file's own versions: Go from `go version`, grpc-go from a module
# dependency in `go version -m`, else from the user agent in its bytes.
versions_of() { # GO BIN
	go=$("$1" version "$2" | awk '{ print $2 }')
	dep=$("$1" version -m "$2" | awk '$1 == "dep" && $2 == "google.golang.org/grpc" { sub(/^v/, "", $3); print $3 }')
	if [ -n "$dep" ]; then
		echo "$2,$go,${dep%%[-+]*},buildinfo"
		return
	fi
	ua=$(grep -ao 'grpc-go/[0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*' "$2" | head -n 1)
	if [ -n "$ua" ]; then
		echo "$2,$go,${ua#grpc-go/},rodata"
	else
		echo "$2,$go,-,-"
	fi
}

# "WANT PARAM FUNC" for the grpc-go and main functions of a DWARF dump; see
# its first comment. Independent of gobin: llvm-dwarfdump's text, Go kinds
# instead of DWARF tags, and every answer that a location list also gives
# at the function's entry must agree with that list.
# hexval(S): the number a hex string (with or without 0x) spells; shared by
# the awk programs below.
HEXVAL_AWK=$(cat <<'AWK'
function hexval(s,    i, c, v) {
	v = 0
	s = tolower(s)
	sub(/^0x/, "", s)
	for (i = 1; i <= length(s); i++) {
		c = index("0123456789abcdef", substr(s, i, 1)) - 1
		if (c < 0)
			break
		v = v * 16 + c
	}
	return v
}
AWK
)

PARAMS_AWK=$(cat <<'AWK'
# Reads `llvm-dwarfdump --debug-info` output; for every function whose
# name starts with one of PREFIXES (space separated), prints "WANT PARAM
# FUNC" per formal parameter (results excluded), WANT being the ABIInternal
# integer register index (0..8), "stack", "none" (no integer register) or
# "wrapper" where gobin must refuse: a compiler-generated method wrapper
# (DW_AT_trampoline) or an unnamed value receiver, both missing from the
# DWARF (an unnamed pointer receiver is put back as one register). Types
# are classified by DW_AT_GO_kind. Where the location list says which
# register a parameter is in at the function's entry, it must agree;
# disagreements go to stderr and exit 1.
function strval(l) {
	sub(/^[^"]*"/, "", l)
	sub(/"\)?$/, "", l)
	return l
}
function refval(l) {
	sub(/^[^(]*\(/, "", l)
	sub(/ .*/, "", l)
	sub(/\)$/, "", l)
	return hexval(l)
}
function numval(l) {
	sub(/^[^(]*\(/, "", l)
	sub(/\).*/, "", l)
	return l ~ /^0x/ ? hexval(l) : l + 0
}
# Assign type T; returns 0 or -1 (fails: goes to the stack).
function assign(t, depth,    k, tg, i, c) {
	if (depth > 40 || !(t in tag)) {
		unknown = 1
		return -1
	}
	k = kind[t]
	tg = tag[t]
	if (k >= 1 && k <= 12)
		return ints(1)
	if (k == 13 || k == 14)
		return fps(1)
	if (k == 15 || k == 16)
		return fps(2)
	if (k == 18 || k == 19 || k == 21 || k == 22 || k == 26)
		return ints(1)
	if (k == 20 || k == 24)
		return ints(2)
	if (k == 23)
		return ints(3)
	if (k == 17 || tg == "DW_TAG_array_type") {
		c = count[t]
		if (c == "") {
			unknown = 1
			return -1
		}
		if (c == 0)
			return 0
		if (c == 1)
			return assign(type[t], depth + 1)
		return -1
	}
	if (k == 25 || tg == "DW_TAG_structure_type") {
		for (i = 1; i <= nmem[t]; i++)
			if (assign(type[mem[t, i]], depth + 1) < 0)
				return -1
		return 0
	}
	if (tg == "DW_TAG_pointer_type")
		return ints(1)
	if (tg == "DW_TAG_typedef")
		return assign(type[t], depth + 1)
	unknown = 1
	return -1
}
function ints(n) {
	if (I + n > 9)
		return -1
	if (first < 0)
		first = I
	I += n
	return 0
}
function fps(n) {
	if (F + n > 15)
		return -1
	F += n
	return 0
}
BEGIN {
	split("RAX RBX RCX RDI RSI R8 R9 R10 R11", rn, " ")
	for (i = 1; i <= 9; i++)
		regidx[rn[i]] = i - 1
	np = split(PREFIXES, pre, " ")
}
/^0x[0-9a-f]+: +(DW_TAG_|NULL)/ {
	off = $1
	sub(/:$/, "", off)
	off = hexval(off)
	d = match($0, /(DW_TAG_|NULL)/) - length($1)
	if ($2 == "NULL") {
		cur = ""
		next
	}
	cur = off
	tag[cur] = $2
	depthof[d] = cur
	par = depthof[d - 2]
	if ($2 == "DW_TAG_member" || $2 == "DW_TAG_formal_parameter")
		mem[par, ++nmem[par]] = cur
	if ($2 == "DW_TAG_subrange_type")
		sub_of[cur] = par
	inloc = 0
	next
}
cur == "" { next }
/DW_AT_name/ {
	name[cur] = strval($0)
	if (tag[cur] == "DW_TAG_structure_type")
		structs[name[cur]] = 1
	next
}
/DW_AT_type/ {
	type[cur] = refval($0)
	tname[cur] = strval($0)
	next
}
/DW_AT_GO_kind/ { kind[cur] = numval($0); next }
/DW_AT_count/ { count[sub_of[cur]] = numval($0); next }
/DW_AT_upper_bound/ { count[sub_of[cur]] = numval($0) + 1; next }
/DW_AT_variable_parameter/ { result[cur] = numval($0); next }
/DW_AT_low_pc/ { low[cur] = refval($0); next }
/DW_AT_trampoline/ { tramp[cur] = numval($0); next }
/DW_AT_location/ { inloc = 1 }
inloc && /^ +\[0x[0-9a-f]+, 0x[0-9a-f]+\): DW_OP_reg[0-9]+ / {
	l = $0
	sub(/^ +\[/, "", l)
	a = l
	sub(/,.*/, "", a)
	r = l
	sub(/^[^:]*: DW_OP_reg[0-9]+ /, "", r)
	sub(/[,)].*/, "", r)
	if (!(cur in locstart)) {
		locstart[cur] = hexval(a)
		locreg[cur] = r
	}
	next
}
END {
	for (f in tag) {
		if (tag[f] != "DW_TAG_subprogram" || !(f in name))
			continue
		ok = 0
		for (i = 1; i <= np; i++)
			if (index(name[f], pre[i]) == 1)
				ok = 1
		if (!ok)
			continue
		I = F = 0
		unknown = 0
		out = ""
		# An unnamed receiver is not in the DWARF: put a pointer one
		# back, refuse a value one (llvm-dwarfdump writes "*T" as "T *").
		refuse = tramp[f]
		fn = name[f]
		pkg = fn
		if (match(pkg, /\/[^\/]*$/))
			pkg = substr(pkg, RSTART + 1)
		pkg = substr(fn, 1, length(fn) - length(pkg) + index(pkg, ".") - 1)
		rest = substr(fn, length(pkg) + 2)
		rt = ""
		if (fn !~ /\[/ && rest ~ /^\(\*[^().]+\)\.[^.]+$/) {
			rt = substr(rest, 3, index(rest, ")") - 3)
			rt = pkg "." rt " *"
		} else if (fn !~ /\[/ && rest ~ /^[^().]+\.[^.]+$/ && (pkg "." substr(rest, 1, index(rest, ".") - 1)) in structs) {
			rt = pkg "." substr(rest, 1, index(rest, ".") - 1)
		}
		if (rt != "") {
			fp = ""
			for (i = 1; i <= nmem[f]; i++) {
				p = mem[f, i]
				if (tag[p] == "DW_TAG_formal_parameter" && !result[p]) {
					fp = tname[p]
					break
				}
			}
			if (fp != rt) {
				if (rt ~ / \*$/)
					I = 1
				else
					refuse = 1
			}
		}
		for (i = 1; i <= nmem[f]; i++) {
			p = mem[f, i]
			if (tag[p] != "DW_TAG_formal_parameter" || result[p] || !(p in name))
				continue
			sI = I
			sF = F
			first = -1
			if (assign(type[p], 0) < 0) {
				I = sI
				F = sF
				want = "stack"
			} else {
				want = first < 0 ? "none" : first
			}
			if (unknown)
				break
			if (refuse) {
				out = out "wrapper " name[p] " " name[f] "\n"
				continue
			}
			if ((p in locstart) && (f in low) && locstart[p] == low[f] &&
			    (locreg[p] in regidx) && want != regidx[locreg[p]]) {
				printf "params.awk: %s %s: rules say %s, location list %s\n",
					name[f], name[p], want, locreg[p] > "/dev/stderr"
				bad++
			}
			if ((p in locstart) && (locreg[p] in regidx))
				agreed++
			out = out want " " name[p] " " name[f] "\n"
		}
		if (!unknown)
			printf "%s", out
	}
	printf "params.awk: %d parameters checked against location lists\n", agreed > "/dev/stderr"
	exit bad > 0
}
AWK
)

# "TYPE<TAB>MEMBER<TAB>NAME OF THE MEMBER'S TYPE DIE" from a DWARF dump, for
# the "TYPE MEMBER" lines of PAIRS whose struct exists in it.
mtypes_of() { # DUMP PAIRS
	awk -v pairs="$2" "$HEXVAL_AWK"'
	BEGIN {
		while ((getline l < pairs) > 0) {
			split(l, w, " ")
			want[w[1]] = 1
			pair[++np] = l
		}
	}
	/^0x[0-9a-f]+: +DW_TAG_/ {
		cur = $1
		sub(/:$/, "", cur)
		cur = hexval(cur)
		tg[cur] = $2
		d = match($0, /DW_TAG_/) - length($1)
		depthof[d] = cur
		parent[cur] = depthof[d - 2]
		next
	}
	/DW_AT_name/ {
		n = $0
		sub(/^[^"]*"/, "", n)
		sub(/"\)$/, "", n)
		name[cur] = n
		if (tg[cur] == "DW_TAG_structure_type" && (n in want) && !(n in st))
			st[n] = cur
		next
	}
	/DW_AT_type/ && tg[cur] == "DW_TAG_member" {
		t = $0
		sub(/^[^(]*\(/, "", t)
		sub(/ .*/, "", t)
		mt[parent[cur], name[cur]] = hexval(t)
	}
	END {
		for (i = 1; i <= np; i++) {
			split(pair[i], w, " ")
			if ((w[1] in st) && ((st[w[1]], w[2]) in mt))
				printf "%s\t%s\t%s\n", w[1], w[2], name[mt[st[w[1]], w[2]]]
		}
	}' "$1"
}

printf '%s\n' "$T.Stream ct" "$T.Stream st" "$T.Stream method" "$T.Stream status" \
	"$T.Stream buf" "$T.http2Client conn" "$T.http2Client nextID" \
	"$T.ClientStream Stream" "$T.ClientStream ct" "$T.ServerStream Stream" \
	"net.TCPAddr IP" >"$TMPD/pairs"

# DWARF-derived expectations of one binary with DWARF: params= and mtypes=.
dwarf_expect() { # LABEL BIN
	"$DWARFDUMP" --debug-info "$2" >"$TMPD/$1.dump" || die "$DWARFDUMP failed on $2"
	awk -v PREFIXES="google.golang.org/grpc main." "$HEXVAL_AWK
$PARAMS_AWK" "$TMPD/$1.dump" \
		>"$TMPD/$1.params" || die "parameter registers of $2: rules and location lists disagree"
	mtypes_of "$TMPD/$1.dump" "$TMPD/pairs" >"$TMPD/$1.mtypes"
	[ -s "$TMPD/$1.mtypes" ] || die "no member of $TMPD/pairs in $2"
	rm -f "$TMPD/$1.dump"
}

# Fixed points anchor the sweep: 1.33.3's NewStream(t, ctx, callHdr) and
# closeStream(t, s, err, rst, rstCode, st, ...), by hand from the source.
dwarf_expect plain "$PLAIN"
for want in "0 t $NEWSTREAM" "1 ctx $NEWSTREAM" "3 callHdr $NEWSTREAM" \
	"1 s $CLOSESTREAM" "2 err $CLOSESTREAM" "6 st $CLOSESTREAM"; do
	grep -qxF "$want" "$TMPD/plain.params" || die "params.awk no longer says '$want'"
done
set -- "$@" "params=$PLAIN,$TMPD/plain.params" "mtypes=$PLAIN,$TMPD/plain.mtypes"
set -- "$@" "versions=$(versions_of "$GO" "$PLAIN")" "versions=$(versions_of "$GO" "$STRIPPED")"

# pclntab: the plain fixture's table against its nm, and the stripped
# fixture's against the same list where both tables agree (addr2line).
A2L=$("$GO" env GOTOOLDIR)/addr2line
[ -x "$A2L" ] || die "$A2L not found"
pcln_list "$PLAIN" "$A2L" "$PLAIN" >"$TMPD/plain.pcln"
pcln_list "$PLAIN" "$A2L" "$PLAIN" "$STRIPPED" >"$TMPD/stripped.pcln"
[ "$(wc -l <"$TMPD/stripped.pcln")" -gt "$(($(wc -l <"$TMPD/plain.pcln") * 9 / 10))" ] ||
	die "the stripped fixture's .gopclntab differs from the plain one's for over 10% of functions"
set -- "$@" "pcln=$PLAIN,$TMPD/plain.pcln" "pcln=$STRIPPED,$TMPD/stripped.pcln" \
	"pcltext=$PLAIN,0x$(nm "$PLAIN" | awk '$3 == "runtime.text" { print $1 }')"

# "LO,HI" of BIN's read-only, non-executable LOAD (readelf -lW), or "0,0"
# for a PIE (its addresses move with each process).
rodata_of() {
	if readelf -hW "$1" | grep -q 'Type: *EXEC'; then
		# shellcheck disable=SC2046 # "VADDR MEMSZ" of the first R-only LOAD
		set -- $(readelf -lW "$1" | awk '$1 == "LOAD" && NF == 8 && $7 == "R" { print $3, $6; exit }')
		[ $# = 2 ] || die "no read-only LOAD in a fixed program"
		printf '%s,0x%x\n' "$1" $(($1 + $2))
	else
		echo 0,0
	fi
}

# Damaged copies of STRIPPED: where its .gopclntab, .go.buildinfo and the
# version digits after every "grpc-go/" are.
soff() {
	readelf -SW "$STRIPPED" | sed -n 's/^ *\[ *[0-9]*\] *//p' |
		awk -v n="$1" '$1 == n { print "0x" $4; found++ } END { exit found != 1 }' ||
		die "no section $1 in $STRIPPED"
}
UA=$(grep -aob "grpc-go/$GRPC" "$STRIPPED" | awk -F: '{ printf "%s%d", (NR > 1 ? ":" : ""), $1 + 8 }')
[ -n "$UA" ] || die "no grpc-go/$GRPC in $STRIPPED"
set -- "$@" "corrupt=$(soff .gopclntab),$(soff .go.buildinfo),$UA"

# Newer grpc-go cells, when tests/build-fixtures.sh has made them. Their
# tables need a newer addr2line (the system Go's reads Go 1.18/1.19 ones
# only): the newest Debian toolchain unpacked in .cache that has one.
A2L_NEW=$(ls -d "$ROOT"/.cache/debian/*/usr/lib/go-*/pkg/tool/linux_amd64/addr2line 2>/dev/null |
	sort -V | tail -n 1)
for v in 1.64.0 1.81.1; do
	case $v in
	1.64.0) suite=trixie ;;
	*) suite=sid ;;
	esac
	vgo=$(ls -d "$ROOT"/.cache/debian/$suite/usr/lib/go-*/bin/go 2>/dev/null | tail -n 1)
	[ -n "$vgo" ] || vgo=$GO
	# build-fixtures.sh makes a module build of the newest release only.
	variants="plain pie trimpath stripped"
	[ "$v" = 1.64.0 ] || variants="$variants module"
	for variant in $variants; do
		bin=$FIX/$v-$variant/grpcfixture
		if [ ! -x "$bin" ]; then
			# Under tests/run.sh a missing cell fails rather than shrink the suite.
			[ -z "${UNIT_STRICT:-}" ] || die "$bin missing (make fixtures)"
			echo "# unit.sh: no $v-$variant fixture yet, skipped"
			continue
		fi
		set -- "$@" "versions=$(versions_of "$vgo" "$bin")"
		set -- "$@" "rodata=$bin,$(rodata_of "$bin")"
		symbols=$(nm "$bin" 2>/dev/null | head -n 1)
		if [ -z "$A2L_NEW" ]; then
			echo "# unit.sh: $v-$variant: no newer go tool addr2line in .cache, pclntab not checked"
		elif [ -n "$symbols" ]; then
			pcln_list "$bin" "$A2L_NEW" "$bin" >"$TMPD/$v-$variant.pcln"
			set -- "$@" "pcln=$bin,$TMPD/$v-$variant.pcln" \
				"pcltext=$bin,0x$(nm "$bin" | awk '$3 == "runtime.text" { print $1 }')"
		elif [ -x "$FIX/$v-plain/grpcfixture" ]; then
			pcln_list "$FIX/$v-plain/grpcfixture" "$A2L_NEW" \
				"$FIX/$v-plain/grpcfixture" "$bin" >"$TMPD/$v-$variant.pcln"
			set -- "$@" "pcln=$bin,$TMPD/$v-$variant.pcln"
		fi
		# DWARF is the same in the other variants; the dump is the slow part.
		if [ "$variant" = plain ]; then
			dwarf_expect "$v-$variant" "$bin"
			set -- "$@" "params=$bin,$TMPD/$v-$variant.params" \
				"mtypes=$bin,$TMPD/$v-$variant.mtypes"
		fi
	done
done

# --- caller-side return sites of NewStream ----------------------------------

ASM_AWK=$(cat <<'AWK'
# Shared by the disassembly checks below: objdump -dw lines of a function
# into addr[], by[] (raw bytes), mn[] (mnemonic) and ops[] (operands), n of
# them; and their own reading of AT&T syntax: the written register is the
# last operand (compares, tests and NOPs write none; xchg both; cmpxchg
# RAX and its destination; mul, div, rep, syscall and the like are taken
# to write every argument register).
function fam(r) {
	sub(/^%/, "", r)
	if (r ~ /^(rax|eax|ax|al|ah)$/) return "rax"
	if (r ~ /^(rbx|ebx|bx|bl|bh)$/) return "rbx"
	if (r ~ /^(rcx|ecx|cx|cl|ch)$/) return "rcx"
	if (r ~ /^(rdx|edx|dx|dl|dh)$/) return "rdx"
	if (r ~ /^(rsi|esi|si|sil)$/) return "rsi"
	if (r ~ /^(rdi|edi|di|dil)$/) return "rdi"
	if (r ~ /^r(8|9|1[0-5])[dwb]?$/) { sub(/[dwb]$/, "", r); return r }
	return r
}
# The 64-bit registers instruction K writes, space separated (conservative).
function written(k,    m, o, n, a, last) {
	m = mn[k]; o = ops[k]
	# 66 90, objdump's "xchg %ax,%ax", is the 2-byte NOP
	if (m ~ /^(cmp|test|nop|bt|ucomis|comis)/ || m == "data16" ||
	    (m == "xchg" && o == "%ax,%ax"))
		return ""
	if (m == "lock" && o ~ /^cmpxchg[lq]? /) {
		last = o
		sub(/.*,/, "", last)
		return "rax" (last ~ /^%/ ? " " fam(last) : "")
	}
	if (m ~ /^(cltq|cqto|cwtl|cltd|mul|div|idiv|cpuid|rdtsc|cmpxchg|lock|rep|syscall)/ ||
	    (m ~ /^imul/ && o !~ /,/))
		return "rax rdx rcx rdi rsi r11"
	if (m ~ /^xchg/) {
		n = split(o, a, ",")
		return fam(a[1]) " " fam(a[n])
	}
	last = o
	sub(/.*,/, "", last)
	if (last !~ /^%/)
		return ""
	return fam(last)
}
function writes(k, r,    w) {
	w = " " written(k) " "
	return index(w, " " r " ") > 0
}
function control(k) {
	return mn[k] ~ /^(j|call|ret|int3|ud2|hlt|bnd|notrack)/
}
function emulated(k,    b1, b2) {
	b1 = substr(by[k], 1, 2); b2 = substr(by[k], 4, 2)
	if (mn[k] !~ /^(j|call)/ || ops[k] !~ /^[0-9a-f]+ </)
		return 0
	return b1 == "e8" || b1 == "e9" || b1 == "eb" || b1 ~ /^7[0-9a-f]$/ ||
	       (b1 == "0f" && b2 ~ /^8[0-9a-f]$/)
}
/^ *[0-9a-f]+:\t/ {
	split($0, f, "\t")
	if (f[3] == "")
		next
	a1 = f[1]; sub(/^ */, "", a1); sub(/:$/, "", a1)
	n++
	addr[n] = a1
	by[n] = f[2]
	m = f[3]
	sub(/ +$/, "", m)
	o = m
	if (m ~ /^(lock|rep|repz|repnz|notrack|bnd|data16) /) {
		mn[n] = m; sub(/ .*/, "", mn[n])
		ops[n] = m; sub(/^[^ ]* */, "", ops[n]); sub(/ *#.*/, "", ops[n])
		next
	}
	sub(/ .*/, "", m)
	sub(/^[^ ]* */, "", o)
	sub(/ *#.*/, "", o)
	mn[n] = m
	ops[n] = o
}
AWK
)

# objdump -dw | awk: the sites gobin_caller_sites() must find, one a line
# "SITE CALL RET direct|itab", and "complete"/"incomplete" on stderr.
CALLERS_AWK=$(cat <<'AWK'
# objdump -dw of a Go binary -> NewStream's caller-side sites, see unit.sh;
# after ASM_AWK.
# Variables: NS (hex, no 0x), SLOTS ("0x58 0x60", hex as objdump prints
# displacements), PREFIXES ("a|b", "-" for every function).
function inscope(name,    i) {
	if (PREFIXES == "-")
		return 1
	for (i = 1; i <= np; i++)
		if (index(name, pre[i]) == 1)
			return 1
	return 0
}
function site(i, kind,    k) {
	for (k = i + 1; k <= n && k - i <= 8; k++) {
		if (addr[k] in tgt) { incomplete = 1; return }
		if (emulated(k)) {
			printf "0x%s 0x%s 0x%s %s\n", addr[k], addr[i], addr[i + 1], kind
			return
		}
		if (control(k) || writes(k, "rax") || writes(k, "rbx") ||
		    writes(k, "rcx") || writes(k, "r14")) { incomplete = 1; return }
	}
	incomplete = 1
}
function flush(    i, j, t, r, want, o) {
	if (!n)
		return
	delete tgt
	for (i = 1; i <= n; i++)
		if (mn[i] ~ /^j/ && ops[i] ~ /^[0-9a-f]+ </) {
			t = ops[i]; sub(/ .*/, "", t)
			tgt[t] = 1
		}
	for (i = 1; i <= n; i++) {
		if (mn[i] ~ /^jmp/ && ops[i] ~ ("^0*" NS " <") && fname != nsname)
			incomplete = 1
		if (mn[i] !~ /^call/)
			continue
		if (ops[i] ~ ("^0*" NS " <")) {
			site(i, "direct")
			continue
		}
		if (!scope || SLOTS == "")
			continue
		o = ops[i]
		if (o ~ /^\*0x[0-9a-f]+\(%r[a-z0-9]+\)$/) {
			split(o, a, /[(*)]/)
			if ((a[2] in slot) && o !~ /%(rsp|rbp|rip)\)/)
				site(i, "itab")
			continue
		}
		if (o !~ /^\*%r[a-z0-9]+$/)
			continue
		r = substr(o, 3)
		for (j = i - 1; j >= 1 && i - j <= 16; j--) {
			if ((addr[j + 1] in tgt) || control(j))
				break
			if (!writes(j, r))
				continue
			want = ",%" r
			if (mn[j] == "mov" && index(ops[j], want) == length(ops[j]) - length(want) + 1) {
				split(ops[j], a, /[(,]/)
				if ((a[1] in slot) && ops[j] !~ /%(rsp|rbp|rip)\)/ && ops[j] !~ /\(%r[a-z0-9]+,%/)
					site(i, "itab")
			}
			break
		}
	}
	n = 0
}
BEGIN {
	np = split(PREFIXES, pre, "|")
	ns = split(SLOTS, s, " ")
	for (i = 1; i <= ns; i++)
		slot[s[i]] = 1
	nsname = ""
}
/^[0-9a-f]+ <.*>:$/ {
	flush()
	fname = $0
	sub(/^[0-9a-f]+ </, "", fname)
	sub(/>:$/, "", fname)
	if ($1 ~ ("^0*" NS "$"))
		nsname = fname
	scope = inscope(fname)
	next
}
END {
	flush()
	print (incomplete ? "incomplete" : "complete") > "/dev/stderr"
}
AWK
)

# --- first-pass and body sites ---------------------------------------------

# objdump -dw of one function | awk (after ASM_AWK): the site that
# gobin_first_pass_site() (MODE first) or gobin_body_site() (MODE body)
# must find, "0xADDR", or "none". KEEP: registers that must stay unwritten
# ("rax rbx r14"); SWAP: the base register of the state swap (first).
SITES_AWK=$(cat <<'AWK'
function keeps(k,    i) {
	for (i = 1; i <= nk; i++)
		if (writes(k, kr[i]))
			return 1
	return 0
}
function stackcheck(k) {
	return k > 1 && mn[k] == "jbe" && mn[k - 1] == "cmp" && ops[k - 1] ~ /^0x(10|18)\(%r14\),/
}
# From FROM, straight on, the first emulated branch within MAX more.
function straight(from, max, checkfrom,    k) {
	for (k = from; k <= n && k - from <= max; k++) {
		if ((k > from || checkfrom) && (addr[k] in tgt))
			return 0
		if (stackcheck(k))
			continue
		if (emulated(k))
			return k
		if (control(k) || keeps(k))
			return 0
	}
	return 0
}
function site(    i, k, t, r, a) {
	for (i = 1; i <= n; i++)
		if (mn[i] ~ /^j/ && ops[i] ~ /^[0-9a-f]+ </) {
			t = ops[i]; sub(/ .*/, "", t); tgt[t] = 1
		}
	if (MODE == "body")
		return straight(1, 32, 0)
	for (i = 1; i <= n && i <= 48; i++) {
		if (mn[i] ~ /^xchg/)
			break
		if (!stackcheck(i) && (control(i) || keeps(i)))
			return 0
	}
	if (i > n || i > 48 || i + 2 > n || split(ops[i], a, ",") != 2)
		return 0
	# xchg %reg,disp(%base); cmp $imm,%reg; je
	t = a[2]
	if (a[1] !~ /^%/ || t !~ /\(%[a-z0-9]+\)$/)
		return 0
	r = fam(a[1]); sub(/.*\(/, "", t); sub(/\)$/, "", t)
	if (fam(t) != SWAP || keeps(i) || mn[i + 1] != "cmp" || ops[i + 1] !~ /^\$0x[0-9a-f]+,%/)
		return 0
	t = ops[i + 1]; sub(/.*,/, "", t)
	if (fam(t) != r || mn[i + 2] != "je")
		return 0
	return straight(i + 3, 8, 1)
}
BEGIN { nk = split(KEEP, kr, " ") }
END {
	k = site()
	print k ? "0x" addr[k] : "none"
}
AWK
)

# regname N: the register of ABIInternal argument index N (14: R14).
regname() {
	case $1 in
	0) echo rax ;; 1) echo rbx ;; 2) echo rcx ;; 3) echo rdi ;; 4) echo rsi ;;
	5) echo r8 ;; 6) echo r9 ;; 7) echo r10 ;; 8) echo r11 ;; 14) echo r14 ;;
	*) die "no register for argument index $1" ;;
	esac
}

# site_line BIN PARAMS KIND FUNC SWAP_PARAM PARAM...: one line of a sites=
# file, the registers of FUNC's PARAMs from PARAMS (params.awk); "err+1"
# is the data word of interface err, "r14" is R14, 0..8 a register index.
site_line() {
	bin=$1 params=$2 kind=$3 func=$4 swapp=$5
	shift 5
	idx= names= swap=-
	for p in "$@"; do
		case $p in
		r14) i=14 ;;
		[0-8]) i=$p ;;
		*+1) i=$(awk -v p="${p%+1}" -v f="$func" '$2 == p && $3 == f { print $1 + 1 }' "$params") ;;
		*) i=$(awk -v p="$p" -v f="$func" '$2 == p && $3 == f { print $1 }' "$params") ;;
		esac
		case $i in [0-9]*) ;; *) die "no register for $p of $func in $params" ;; esac
		idx=${idx:+$idx,}$i
		names="$names $(regname "$i")"
		[ "$p" = "$swapp" ] && swap=$i
	done
	range=$(nm -S "$bin" | awk -v n="$func" '$4 == n { print $1, $2; exit }')
	[ -n "$range" ] || die "no $func in $bin"
	start=$((0x${range% *}))
	want=$(objdump -dw --start-address="$start" --stop-address=$((start + 0x${range#* })) "$bin" |
		awk -v MODE="$kind" -v KEEP="$names" -v SWAP="$( [ "$swap" = - ] || regname "$swap")" \
			"$ASM_AWK
$SITES_AWK") || die "sites of $func in $bin: awk failed"
	echo "$kind $func $idx $swap $want"
}

# sites_expect LABEL BIN PARAMS: the sites= argument for BIN: closeStream's
# first-pass site, and the body sites of processUnaryRPC/processStreamingRPC.
sites_expect() {
	{
		site_line "$2" "$3" first "$CLOSESTREAM" s t s err err+1 st r14
		site_line "$2" "$3" body "google.golang.org/grpc.(*Server).processUnaryRPC" - stream
		site_line "$2" "$3" body "google.golang.org/grpc.(*Server).processStreamingRPC" - stream sd
		# Where objdump may find none: no swap in NewStream; R10 kept too.
		site_line "$2" "$3" first "$NEWSTREAM" t t callHdr
		site_line "$2" "$3" body "google.golang.org/grpc.(*Server).processUnaryRPC" - stream 7
	} >"$TMPD/$1.firstbody"
	echo "sites=$2,$TMPD/$1.firstbody"
}

# itab_slots BIN NS_HEX: the slots (0x.., as objdump prints them) of the
# function at NS in BIN's itabs. Words come from the file (od) or, in a
# PIE, from R_X86_64_RELATIVE addends (readelf -r). With an itab symbol of
# http2Client/ClientTransport (nm -S, go.itab. or go:itab.), the index of
# NS in its method words; without (Go >= 1.26 names no itabs), every word
# equal to NS in allocated non-executable PROGBITS sections, the slot being its distance from
# the itab's hash word (the first word below it that is no text address)
# plus 16.
itab_slots() { # BIN NS
	it=$(nm -S "$1" 2>/dev/null | awk -v a="$T.http2Client,$T.ClientTransport" \
		'$4 == "go.itab.*" a || $4 == "go:itab.*" a { print $1, $2 }')
	{
		readelf -lW "$1" | awk '$1 == "LOAD" { print "load", $2, $3, $5, ($0 ~ / R E / ? "x" : "-") }'
		readelf -rW "$1" | awk '$3 == "R_X86_64_RELATIVE" { print "rel", $1, $4 }'
		readelf -SW "$1" | sed -n 's/^ *\[ *[0-9]*\] *//p' |
			awk '$2 == "PROGBITS" && $7 ~ /A/ && $7 !~ /X/ { print "0x" $4, "0x" $3, "0x" $5 }' |
			while read -r off va sz; do
				echo "seg $va"
				od -An -v -tx8 -w8 -j $((off)) -N $((sz)) "$1"
			done
	} | awk -v ns="$2" -v it="$it" '
	function hexval(s,    i, c, v) {
		v = 0; s = tolower(s); sub(/^0x/, "", s)
		for (i = 1; i <= length(s); i++) {
			c = index("0123456789abcdef", substr(s, i, 1)) - 1
			if (c < 0) break
			v = v * 16 + c
		}
		return v
	}
	$1 == "load" && $5 == "x" { tlo = hexval($3); thi = tlo + hexval($4); next }
	$1 == "load" { next }
	$1 == "rel" { rel[hexval($2)] = hexval($3); next }
	$1 == "seg" { va = hexval($2); next }
	{ w[va] = hexval($1); va += 8 }
	END {
		NS = hexval(ns)
		for (v in rel)
			if (!(v in w) || w[v] == 0)
				w[v] = rel[v]
		if (it != "") {
			split(it, a, " ")
			s = hexval(a[1]); e = s + hexval(a[2])
			for (v = s + 24; v < e; v += 8)
				if (w[v] == NS)
					printf "0x%x\n", v - s
			exit
		}
		for (v in w) {
			if (w[v] != NS)
				continue
			for (h = v - 8; (h in w) && w[h] >= tlo && w[h] < thi; h -= 8)
				;
			printf "0x%x\n", v - h + 16
		}
	}' | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# callers_expect LABEL BIN DISASM PREFIXES: the callers= file of BIN.
callers_expect() {
	ns=$(nm "$2" | awk -v n="$NEWSTREAM" '$3 == n { sub(/^0*/, "", $1); print $1 }')
	[ -n "$ns" ] || die "no $NEWSTREAM in $2"
	slots=$(itab_slots "$2" "$ns")
	[ -n "$slots" ] || die "no itab of $2 holds $NEWSTREAM"
	awk -v NS="$ns" -v SLOTS="$slots" -v PREFIXES="$4" "$HEXVAL_AWK
$ASM_AWK
$CALLERS_AWK" "$3" \
		>"$TMPD/$1.sites" 2>"$TMPD/$1.complete" || die "callers of $NEWSTREAM in $2: awk failed"
	{
		echo "$4"
		cat "$TMPD/$1.complete"
		sort "$TMPD/$1.sites"
	} >"$TMPD/$1.callers"
	echo "callers=$2,$TMPD/$1.callers"
}

# The two client-side callers (every grpc-go from 1.33 to 1.81), and all of
# package grpc, where 1.33 and 1.64 call ServerTransport methods through
# the same itab slot: some with no site after them, so incomplete.
CLIENT_CALLERS="google.golang.org/grpc.(*csAttempt).newStream|google.golang.org/grpc.newNonRetryClientStream"
objdump -dw "$PLAIN" >"$TMPD/plain.dis"
c1=$(callers_expect plain-client "$PLAIN" "$TMPD/plain.dis" "$CLIENT_CALLERS")
c2=$(callers_expect plain-grpc "$PLAIN" "$TMPD/plain.dis" "google.golang.org/grpc.")
set -- "$@" "$c1" "$c2"
n=$(awk 'NR > 2' "$TMPD/plain-client.callers" | wc -l)
[ "$n" -eq 2 ] && grep -qx complete "$TMPD/plain-client.callers" ||
	die "objdump finds $n client callers of $NEWSTREAM in $PLAIN, or not all with a site"
rm -f "$TMPD/plain.dis"
set -- "$@" "$(sites_expect plain "$PLAIN" "$TMPD/plain.params")"
# objdump itself finds a site in each of 1.33.3's three functions, and the
# other two lines test the refusals.
[ "$(grep -c ' none$' "$TMPD/plain.firstbody")" -eq 2 ] ||
	die "objdump: sites of 1.33.3: $(cat "$TMPD/plain.firstbody")"
for v in 1.64.0 1.81.1; do
	for variant in plain pie; do
		bin=$FIX/$v-$variant/grpcfixture
		[ -x "$bin" ] && [ -s "$TMPD/$v-plain.params" ] || continue
		set -- "$@" "$(sites_expect "$v-$variant" "$bin" "$TMPD/$v-plain.params")"
	done
done
for v in 1.64.0 1.81.1; do
	for variant in plain pie; do
		bin=$FIX/$v-$variant/grpcfixture
		[ -x "$bin" ] || continue
		objdump -dw "$bin" >"$TMPD/cell.dis"
		c1=$(callers_expect "$v-$variant" "$bin" "$TMPD/cell.dis" "$CLIENT_CALLERS")
		set -- "$@" "$c1"
		rm -f "$TMPD/cell.dis"
	done
done
for b in ${GOBIN_CALLERS_EXTRA:-}; do	# more binaries with symbols, by hand
	objdump -dw "$b" >"$TMPD/cell.dis"
	c1=$(callers_expect "extra$(echo "$b" | cksum | cut -d' ' -f1)" "$b" "$TMPD/cell.dis" "$CLIENT_CALLERS")
	set -- "$@" "$c1"
	rm -f "$TMPD/cell.dis"
done

OUT=$TMPD/out
rc=0
# shellcheck disable=SC2086 # UNIT_WRAP: a command and its options
${UNIT_WRAP:-} "$TEST" "$@" >"$OUT" 2>&1 || rc=$?
cat "$OUT"
LINE=$(tail -n 1 "$OUT")
case $LINE in
"gobin: 0 passed, "*) die "test_gobin ran no test" ;;
"gobin: "*" passed, 0 failed") [ $rc -eq 0 ] || die "test_gobin exited $rc" ;;
"gobin: "*) exit 1 ;;
*) die "test_gobin died before its summary (exit $rc)" ;;
esac
