#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Documentation: every example command of the man page (EXAMPLES, as man and
# groff render it) and of --help is what a user can paste: ASCII only, valid
# shell, only options --help lists, and its jq programs run over the README's
# sample NDJSON. The examples are run by bash itself (so quotes are parsed as
# a user's shell parses them) with a PATH that holds only a stand-in
# grpcstreams, which checks its options and prints the sample, and jq.
# MANPAGE=FILE checks another page (e.g. an older one: git show REV:PATH).

load helpers

PAGE=${MANPAGE:-$ROOT/man/man8/grpcstreams.8}

setup() {
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/bin"
	"$TOOL" --help >"$T/help"
	options_from_help
	sample_ndjson
	stand_ins
}

# options_from_help: the options --help lists, in $T/short_noarg,
# $T/short_arg (one letter a line) and $T/long ("--name" or "--name=").
options_from_help() {
	local re='^ +(-([^ ,]), )?(--[a-z][a-z-]*)(=[A-Z_]+)?( |$)'
	local line
	: >"$T/short_noarg"
	: >"$T/short_arg"
	: >"$T/long"
	while IFS= read -r line; do
		[[ $line =~ $re ]] || continue
		if [ -n "${BASH_REMATCH[2]}" ]; then
			if [ -n "${BASH_REMATCH[4]}" ]; then
				echo "${BASH_REMATCH[2]}" >>"$T/short_arg"
			else
				echo "${BASH_REMATCH[2]}" >>"$T/short_noarg"
			fi
		fi
		echo "${BASH_REMATCH[3]}${BASH_REMATCH[4]:+=}" >>"$T/long"
	done <"$T/help"
	# What the page's examples use, at least, must have been found.
	grep -qx p "$T/short_arg"
	grep -qx j "$T/short_noarg"
	grep -qx -- --json "$T/long"
}

# sample_ndjson: the README's JSON example lines, with its elisions ("...")
# filled in, each checked to be JSON; at least one of each type.
sample_ndjson() {
	local line t
	: >"$T/sample.ndjson"
	while IFS= read -r line; do
		line=${line#"${line%%[! ]*}"}
		line=${line//'{...}'/'{}'}
		line=${line//':...'/':0'}
		jq -e . <<<"$line" >/dev/null
		echo "$line" >>"$T/sample.ndjson"
	done < <(grep -E '^ +\{"type":' "$ROOT/README.md")
	for t in stream collision summary; do
		jq -e --arg t "$t" 'select(.type == $t)' "$T/sample.ndjson" | grep -q .
	done
}

# stand_ins: $T/bin/grpcstreams checks its arguments against --help's
# options (argp's syntax: -xVALUE, -x VALUE, clusters, --name=VALUE,
# --name VALUE; no abbreviations) and prints the sample (with -j) or a
# table line; $T/bin/jq is jq.
stand_ins() {
	cat >"$T/bin/grpcstreams" <<-EOF
		#!$BASH
		PATH=/usr/local/bin:/usr/bin:/bin
		T='$T'
	EOF
	cat >>"$T/bin/grpcstreams" <<-'EOF'
		json=
		bad() { echo "grpcstreams stand-in: $1" >&2; exit 64; }
		while [ $# -gt 0 ]; do
			a=$1
			shift
			case $a in
			--*=*)
				grep -qxF -- "${a%%=*}=" "$T/long" || bad "no option ${a%%=*}=VALUE in --help"
				;;
			--?*)
				if grep -qxF -- "$a=" "$T/long"; then
					[ $# -gt 0 ] || bad "$a needs a value"
					shift
				else
					grep -qxF -- "$a" "$T/long" || bad "no option $a in --help"
				fi
				[ "$a" = --json ] && json=1
				;;
			-?*)
				rest=${a#-}
				while [ -n "$rest" ]; do
					c=${rest:0:1}
					rest=${rest:1}
					if grep -qxF -- "$c" "$T/short_arg"; then
						if [ -z "$rest" ]; then
							[ $# -gt 0 ] || bad "-$c needs a value"
							shift
						fi
						break
					fi
					grep -qxF -- "$c" "$T/short_noarg" || bad "no option -$c in --help"
					[ "$c" = j ] && json=1
				done
				;;
			*) bad "unexpected argument '$a'" ;;
			esac
		done
		if [ -n "$json" ]; then
			cat "$T/sample.ndjson"
		else
			echo "15:56:29 rpc/s 1.0 errors 0.0% | started 1 ended 1 open 0 abandoned 0 | shadow 0 nextid_race - duplicate 0 | lost 0 full 0"
		fi
	EOF
	chmod +x "$T/bin/grpcstreams"
	printf '#!%s\nexec %q "$@"\n' "$BASH" "$(command -v jq)" >"$T/bin/jq"
	chmod +x "$T/bin/jq"
}

# check_example LINE: one command line as a user would paste it.
check_example() {
	local line=$1 out
	if LC_ALL=C grep -q '[^ -~]' <<<"$line"; then
		echo "not ASCII: $line" | LC_ALL=C cat -v
		return 1
	fi
	[[ $line == grpcstreams || $line == grpcstreams\ * ]] ||
		{ echo "not a grpcstreams command: $line"; return 1; }
	"$BASH" -n -c "$line" || { echo "not valid shell: $line"; return 1; }
	# Run: only the stand-ins are on PATH, so nothing else can run.
	out=$(cd "$T" && PATH=$T/bin "$BASH" -o pipefail -c "$line" 2>&1) ||
		{ echo "failed: $line"; echo "$out"; return 1; }
	if [[ $line == *"| jq"* ]] && [ -z "$out" ]; then
		echo "no output on the sample: $line"
		return 1
	fi
}

# man_examples RENDERED: the example commands of EXAMPLES, prompts removed.
man_examples() {
	sed -n '/^EXAMPLES$/,/^[A-Z]/p' "$1" | sed '1d;$d' |
		sed -n 's/^ *\(# \|\$ \)\{0,1\}\(grpcstreams\( .*\)\{0,1\}\)$/\2/p'
}

@test "man page EXAMPLES: ASCII, valid shell, options of --help, jq programs run" {
	local r line n bad=0
	# A UTF-8 locale: the renderers could then show quotes and hyphens as
	# other glyphs, and this must catch it.
	LC_ALL=C.UTF-8 MANWIDTH=300 man -l "$PAGE" 2>"$T/man.err" | col -bx >"$T/r.man"
	[ ! -s "$T/man.err" ] || { cat "$T/man.err"; return 1; }
	# groff's own width (80 columns): a command wrapped there is broken too.
	LC_ALL=C.UTF-8 groff -man -Tutf8 -ww "$PAGE" 2>"$T/utf8.err" | col -bx >"$T/r.utf8"
	[ ! -s "$T/utf8.err" ] || { cat "$T/utf8.err"; return 1; }
	groff -man -Tascii "$PAGE" | col -bx >"$T/r.ascii"
	for r in man utf8 ascii; do
		man_examples "$T/r.$r" >"$T/ex.$r"
		n=$(wc -l <"$T/ex.$r")
		echo "# $r: $n example commands" >&3
		[ "$n" -ge 5 ] || { echo "$r: only $n example commands"; cat "$T/r.$r"; return 1; }
		grep -q '| jq ' "$T/ex.$r" || { echo "$r: no example with jq"; bad=1; }
		while IFS= read -r line; do
			check_example "$line" || { echo "  (rendered by $r)"; bad=1; }
		done <"$T/ex.$r"
	done
	[ "$bad" -eq 0 ]
	# The same commands whatever the renderer and width.
	diff "$T/ex.man" "$T/ex.utf8"
	diff "$T/ex.man" "$T/ex.ascii"
}

@test "--help EXAMPLES: ASCII, valid shell, options of --help, jq programs run" {
	local line n=0
	while IFS= read -r line; do
		line=${line#"${line%%[! ]*}"}
		[ -n "$line" ] || break
		check_example "$line"
		n=$((n + 1))
	done < <(sed -n '/^EXAMPLES:$/,$p' "$T/help" | sed 1d)
	[ "$n" -ge 5 ]
	grep -q '^ *grpcstreams .*| jq ' "$T/help"
}

@test "the stand-in refuses what --help does not list" {
	# The checks above are only worth what the stand-in refuses.
	run check_example "grpcstreams -p 1234 -X"
	[ "$status" -ne 0 ]
	run check_example "grpcstreams -p 1234 --jsn"
	[ "$status" -ne 0 ]
	run check_example "grpcstreams -p 1234 -j | jq 'select(.type == collision)'"
	[ "$status" -ne 0 ]
	run check_example "grpcstreams -p 1234 -j | jq 'select(.type == \"collision\""
	[ "$status" -ne 0 ]
	run check_example "grpcstreams -p 1234 | jq 'select(.type == \"collision\")'"
	[ "$status" -ne 0 ]
	# What groff makes of plain quotes in some versions and fonts:
	# shellcheck disable=SC1111
	run check_example "grpcstreams -p 1234 -j | jq 'select(.type == “collision”)'"
	[ "$status" -ne 0 ]
	run check_example "grpcstreams -p 1234 -j | sort"
	[ "$status" -ne 0 ]
	run check_example "grpcstreams -p1234 -Fj --duration=10 | jq -c 'select(.type == \"collision\")'"
	[ "$status" -eq 0 ]
}
