#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# build-releases.sh [-g GO] [-d DEPS] [-v VARIANT] [-o OUT] [-j N] [VERSION...]
#
# Build the fixture program (tests/fixture/grpcfixture) against upstream
# grpc-go releases, taken from the git bundle of every release
# (../shared/grpc-go/grpc-go.bundle next to the repo; GRPC_GO_BUNDLE
# overrides it), each with a Go toolchain and a Debian dependency suite
# (x/net, protobuf, genproto, ...) of its time, listed in tools/releases.map.
# VERSION is a release without its "v" (1.40.1); the default is every tag
# of the bundle. By default:
#
#   .output/rel/VERSION/grpcfixture        plain GOPATH build: .symtab + DWARF
#   .output/rel/VERSION/grpcfixture.info   grpc-go, Go and dependency suite
#
# Options (for experiments, and for tests/build-fixtures.sh's cells):
#   -g 1.NN     this Go toolchain instead of the map's (1.19, 1.21-1.27)
#   -d SUITE    this dependency suite instead of the map's (bookworm,
#               trixie, sid)
#   -v VARIANT  plain (default), stripped (-ldflags='-s -w'),
#               pie (-buildmode=pie) or trimpath (-trimpath)
#   -o OUT      output file; %v is replaced by the grpc-go version, %g by the
#               Go toolchain (1.NN); default .output/rel/%v/grpcfixture
#   -j N        N builds at a time (default: the number of CPUs; a build's
#               link step and the go command's own work run on one CPU)
#
# Builds are GOPATH builds (GO111MODULE=off), as Debian builds its Go
# programs: GOPATH is a per-release tree holding the release's sources at
# src/google.golang.org/grpc, first, then the dependency suite's gocode,
# whose own packaged grpc-go it shadows. Toolchains (fetch-debian.sh go1.NN;
# Go 1.19 is the system's when installed) and dependency suites
# (fetch-debian.sh SUITE) are .deb files unpacked under .cache/debian;
# nothing is installed into the system. One Go build cache per toolchain
# (.cache/gocache-go1.NN). A binary is rebuilt only when its key changed
# (release commit, fixture source, toolchain, package versions, flags; kept
# next to it as OUT.key), so a second run takes seconds.
#
# Every requested version is attempted; the ones that failed are listed at
# the end (their build output in OUT.log) and the exit status is 1.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=$ROOT/.cache
FIX=$ROOT/tests/fixture/grpcfixture
MAP=$ROOT/tools/releases.map
# The README refers to the bundle as ../shared/grpc-go from the repo root.
BUNDLE=${GRPC_GO_BUNDLE:-$ROOT/../shared/grpc-go/grpc-go.bundle}
REPO=$CACHE/grpc-go

die() {
	echo "build-releases: $*" >&2
	exit 1
}

usage() {
	echo "usage: $0 [-g 1.NN] [-d bookworm|trixie|sid] [-v plain|stripped|pie|trimpath] [-o OUT] [-j N] [VERSION...]" >&2
	exit 2
}

OPT_GO=''
OPT_DEPS=''
VARIANT=plain
OUTPAT=$ROOT/.output/rel/%v/grpcfixture
JOBS=$(nproc 2>/dev/null || echo 1)
while getopts g:d:v:o:j: opt; do
	case $opt in
	g) OPT_GO=$OPTARG ;;
	d) OPT_DEPS=$OPTARG ;;
	v) VARIANT=$OPTARG ;;
	o) OUTPAT=$OPTARG ;;
	j) JOBS=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
case $VARIANT in
plain | stripped | pie | trimpath) ;;
*) usage ;;
esac
case $JOBS in
'' | *[!0-9]* | 0) usage ;;
esac
case $OUTPAT in
/*) ;;
*) OUTPAT=$(pwd)/$OUTPAT ;;
esac

mkdir -p "$CACHE/debian" "$CACHE/rel-gopath"
# Runs may overlap (make releases, make fixtures): the clone is made and
# updated under one lock, a release's source tree and its builds under one
# lock per release, and fetch-debian.sh locks its own trees. Go's build
# cache is safe for concurrent use.
exec 8>"$CACHE/build-releases.lock"
flock 8

# --- the release sources ---------------------------------------------------
# Cloned once; fetched again only when a requested tag is not there yet.
if [ ! -d "$REPO/.git" ]; then
	[ -f "$BUNDLE" ] || die "no grpc-go bundle at $BUNDLE (set GRPC_GO_BUNDLE)"
	rm -rf "$REPO.tmp"
	git clone -q "$BUNDLE" "$REPO.tmp" || die "git clone of $BUNDLE failed"
	mv "$REPO.tmp" "$REPO"
fi
if [ $# -eq 0 ]; then
	# shellcheck disable=SC2046 # tags have no blanks
	set -- $(git -C "$REPO" tag -l 'v*' | sed 's/^v//' | sort -V)
	[ $# -gt 0 ] || die "no release tags in $REPO"
fi
# tags: "VERSION COMMIT" of every release tag, read once (a warm run is
# mostly this script's own process spawns, so none per release here).
tags() {
	git -C "$REPO" for-each-ref \
		--format='%(refname:strip=2) %(*objectname)%(objectname)' 'refs/tags/v*' |
		awk '{ print substr($1, 2), substr($2, 1, 40) }'
}
# missing VERSION...: the requested versions that are not tags.
missing() {
	printf '%s\n' "$@" | awk 'NR == FNR { t[$1] = 1; next } !($1 in t)' \
		"$CACHE/.tags.$$" -
}
tags >"$CACHE/.tags.$$" || die "cannot list the tags of $REPO"
if [ -n "$(missing "$@")" ]; then
	[ -f "$BUNDLE" ] || die "grpc-go $(missing "$@" | tr '\n' ' ')not in $REPO, no bundle at $BUNDLE"
	git -C "$REPO" fetch -q "$BUNDLE" '+refs/tags/*:refs/tags/*' ||
		die "git fetch of $BUNDLE failed"
	tags >"$CACHE/.tags.$$" || die "cannot list the tags of $REPO"
	[ -z "$(missing "$@")" ] ||
		die "grpc-go $(missing "$@" | tr '\n' ' ')not in $BUNDLE"
fi
TAGS=$(cat "$CACHE/.tags.$$")
rm -f "$CACHE/.tags.$$"
exec 8>&-

# --- the map -------------------------------------------------------------------
# PAIRS: one line "VERSION GO DEPS COMMIT" per requested version, GO and DEPS
# from the line of tools/releases.map whose range holds VERSION (compared
# as versions) unless -g and -d say otherwise.
[ -n "$OPT_GO" ] && [ -n "$OPT_DEPS" ] || [ -f "$MAP" ] || die "no $MAP"
PAIRS=$(printf '%s\n' "$@" | awk -v map="$MAP" -v go="$OPT_GO" -v deps="$OPT_DEPS" \
	-v tags="$TAGS" '
	# vcmp(a, b): <0, 0, >0 as version a is older, the same, newer than b
	function vcmp(a, b,    x, y, n, m, i) {
		n = split(a, x, ".")
		m = split(b, y, ".")
		if (m > n) n = m
		for (i = 1; i <= n; i++)
			if (x[i] + 0 != y[i] + 0) return x[i] + 0 - (y[i] + 0)
		return 0
	}
	BEGIN {
		nt = split(tags, tl, "\n")
		for (i = 1; i <= nt; i++) { split(tl[i], f, " "); commit[f[1]] = f[2] }
		if (go == "" || deps == "")
			while ((getline l < map) > 0) {
				if (l ~ /^[ \t]*(#|$)/) continue
				split(l, f, /[ \t]+/)
				n++; lo[n] = f[1]; hi[n] = f[2]; mg[n] = f[3]; md[n] = f[4]
			}
	}
	NF {
		g = go; d = deps
		for (i = 1; i <= n && (g == "" || d == ""); i++)
			if (vcmp(lo[i], $1) <= 0 && vcmp($1, hi[i]) <= 0) {
				if (g == "") g = mg[i]
				if (d == "") d = md[i]
			}
		if (g == "" || d == "") { print "grpc-go " $1 " is in no range of " map > "/dev/stderr"; exit 1 }
		print $1, g, d, commit[$1]
	}') || die "no pairing for every version"

# GOSYS: the system's Go 1.19 (make deps), if it is there; else fetched.
GOSYS=
if [ -x /usr/lib/go-1.19/bin/go ] && [ -f /usr/lib/go-1.19/VERSION ]; then
	case $(head -n 1 /usr/lib/go-1.19/VERSION) in
	go1.19 | go1.19.*) GOSYS=/usr/lib/go-1.19 ;;
	esac
fi

NEED=$(printf '%s\n' "$PAIRS" | awk '{ print "go" $2; print $3 }' | sort -u)
FETCH_PIDS=
cleanup() {
	for p in $FETCH_PIDS; do
		kill "$p" 2>/dev/null || true
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
for set in $NEED; do
	case $set in
	go1.19) [ -z "$GOSYS" ] || continue ;;
	go1.2[1-7] | bookworm | trixie | sid) ;;
	*) die "unknown toolchain or dependency suite '$set' (see $MAP)" ;;
	esac
	"$ROOT/tests/fetch-debian.sh" "$set" "$CACHE/debian/$set" \
		>"$CACHE/debian/$set.log" 2>&1 &
	FETCH_PIDS="$FETCH_PIDS $!:$set"
done
for ps in $FETCH_PIDS; do
	rc=0
	wait "${ps%%:*}" || rc=$?
	cat "$CACHE/debian/${ps#*:}.log" >&2
	[ "$rc" -eq 0 ] || die "fetching ${ps#*:} failed (exit $rc); see above"
done
FETCH_PIDS=

# --- toolchain, dependencies, sources ----------------------------------------
# use_go 1.NN sets GOROOT_ GO GOCACHE_ GOVERSION_ (go1.NN.P, from
# GOROOT/VERSION)
use_go() {
	if [ "$1" = 1.19 ] && [ -n "$GOSYS" ]; then
		GOROOT_=$GOSYS
	else
		d=$CACHE/debian/go$1
		[ -f "$d/.goroot" ] || die "$d is incomplete"
		read -r GOROOT_ <"$d/.goroot"
		GOROOT_=$d/$GOROOT_
	fi
	GO=$GOROOT_/bin/go
	GOCACHE_=$CACHE/gocache-go$1
	GOVERSION_=
	read -r GOVERSION_ <"$GOROOT_/VERSION" || [ -n "$GOVERSION_" ] ||
		die "no $GOROOT_/VERSION"
}

# use_deps SUITE sets DEPPATH DEPVERS (the file of its package versions)
use_deps() {
	DEPVERS=$CACHE/debian/$1/.versions
	[ -f "$DEPVERS" ] || die "$CACHE/debian/$1 is incomplete"
	DEPPATH=$CACHE/debian/$1/usr/share/gocode
}

# release_src VERSION COMMIT sets RELPATH, a GOPATH entry holding only that
# release's sources, (re)extracted when the tag's commit changed.
release_src() {
	RELPATH=$CACHE/rel-gopath/$1
	c=
	[ ! -f "$RELPATH.commit" ] || read -r c <"$RELPATH.commit"
	[ "$c" != "$2" ] || return 0
	rm -rf "$RELPATH" "$RELPATH.commit"
	mkdir -p "$RELPATH/src/google.golang.org/grpc"
	git -C "$REPO" archive "v$1" | tar x -C "$RELPATH/src/google.golang.org/grpc" ||
		die "cannot extract v$1"
	echo "$2" >"$RELPATH.commit"
}

# --- the builds ------------------------------------------------------------------
case $VARIANT in
plain) set -- ;;
stripped) set -- -ldflags='-s -w' ;;
pie) set -- -buildmode=pie ;;
trimpath) set -- -trimpath ;;
esac
FIXKEY=$(cd "$FIX" && find . -type f -print | LC_ALL=C sort | xargs sha256sum)

STATE=$(mktemp -d "$CACHE/.build-releases.XXXXXX")
trap 'rm -rf "$STATE"' EXIT

# build_one VERSION GO DEPS COMMIT [go build flags...]: build one release
# unless its output is up to date. Output messages go to stderr; a failure
# is recorded in $STATE/failed with the output kept in OUT.log.
build_one() {
	v=$1 go=$2 deps=$3 commit=$4
	shift 4
	out=$(printf '%s\n' "$OUTPAT" | sed "s|%v|$v|g; s|%g|$go|g")
	exec 7>"$CACHE/rel-gopath/$v.lock"
	flock 7
	use_go "$go"
	use_deps "$deps"
	release_src "$v" "$commit"
	key=$({
		printf '%s\n' "gopath $GOROOT_ $deps $*" "$GOVERSION_" "$commit" "$FIXKEY"
		cat "$DEPVERS"
	} | sha256sum)
	key=${key%% *}
	okey=
	[ ! -f "$out.key" ] || read -r okey <"$out.key"
	if [ -x "$out" ] && [ "$okey" = "$key" ]; then
		exec 7>&-
		return 0
	fi
	mkdir -p "$(dirname "$out")" "$GOCACHE_"
	rm -f "$out.key" "$out.info"
	gv=$GOVERSION_
	echo "  GO       ${out#"$ROOT"/} (grpc-go $v, $gv, $deps deps${1:+, $*})" >&2
	if (cd "$FIX" && env GOENV=off GOROOT="$GOROOT_" GOTOOLCHAIN=local \
		GOPROXY=off GOFLAGS= GO111MODULE=off CGO_ENABLED=1 \
		GOPATH="$RELPATH:$DEPPATH" GOCACHE="$GOCACHE_" \
		"$GO" build -o "$out.tmp" "$@" .) >"$out.log" 2>&1; then
		mv "$out.tmp" "$out"
		echo "grpc-go $v $gv deps $deps $VARIANT" >"$out.info"
		echo "$key" >"$out.key"
		rm -f "$out.log"
		echo "$v" >>"$STATE/built"
	else
		rm -f "$out.tmp"
		sed "s/^/    $v: /" "$out.log" | head -n 20 >&2
		echo "$v" >>"$STATE/failed"
	fi
	exec 7>&-
}

# JOBS shards, release i in shard i mod JOBS: neighbouring releases (same
# toolchain, mostly the same packages) are built at the same time.
start=$(date +%s)
PIDS=
j=0
while [ "$j" -lt "$JOBS" ]; do
	(
		printf '%s\n' "$PAIRS" | awk -v n="$JOBS" -v j="$j" 'NF && (NR - 1) % n == j' |
			while read -r v go deps commit; do
				build_one "$v" "$go" "$deps" "$commit" "$@"
			done
	) &
	PIDS="$PIDS $!"
	j=$((j + 1))
done
for p in $PIDS; do
	wait "$p" || die "a build shard failed"
done
BUILT=0
[ ! -f "$STATE/built" ] || BUILT=$(wc -l <"$STATE/built")
[ "$BUILT" -eq 0 ] ||
	echo "build-releases: built $BUILT in $(($(date +%s) - start)) s" >&2
if [ -s "$STATE/failed" ]; then
	die "failed: $(sort -V "$STATE/failed" | tr '\n' ' ')(build output in OUT.log)"
fi
