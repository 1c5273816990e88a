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
for v in "$@"; do
	git -C "$REPO" rev-parse -q --verify "refs/tags/v$v" >/dev/null && continue
	[ -f "$BUNDLE" ] || die "no tag v$v in $REPO and no bundle at $BUNDLE"
	git -C "$REPO" fetch -q "$BUNDLE" '+refs/tags/*:refs/tags/*' ||
		die "git fetch of $BUNDLE failed"
	git -C "$REPO" rev-parse -q --verify "refs/tags/v$v" >/dev/null ||
		die "grpc-go v$v is not in $BUNDLE"
done
exec 8>&-

# --- the map -------------------------------------------------------------------
# pairing VERSION: "GO DEPS" of the line of tools/releases.map whose range
# holds VERSION (ranges in release order, compared as versions).
pairing() {
	[ -f "$MAP" ] || die "no $MAP"
	p=$(awk '!/^[ \t]*(#|$)/ { print $1, $2, $3, $4 }' "$MAP" |
		while read -r first last go deps; do
			lo=$(printf '%s\n%s\n' "$first" "$1" | sort -V | head -n 1)
			hi=$(printf '%s\n%s\n' "$last" "$1" | sort -V | tail -n 1)
			if [ "$lo" = "$first" ] && [ "$hi" = "$last" ]; then
				echo "$go $deps"
				break
			fi
		done)
	[ -n "$p" ] || die "grpc-go $1 is in no range of $MAP"
	echo "$p"
}

# Pairings of every requested version, then what they need, fetched first
# (in parallel: each fetch is mostly download time).
PAIRS=
for v in "$@"; do
	p="$OPT_GO $OPT_DEPS"
	[ -n "$OPT_GO" ] && [ -n "$OPT_DEPS" ] || p=$(pairing "$v")
	go=${OPT_GO:-${p% *}}
	deps=${OPT_DEPS:-${p#* }}
	PAIRS="$PAIRS$v $go $deps
"
done

# gosys: the system's Go 1.19 (make deps), if it is there; else fetched.
gosys() {
	[ -x /usr/lib/go-1.19/bin/go ] &&
		/usr/lib/go-1.19/bin/go version 2>/dev/null | grep -q ' go1\.19[. ]'
}

NEED=$(printf '%s' "$PAIRS" | awk '{ print "go" $2; print $3 }' | sort -u)
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
	go1.19) ! gosys || continue ;;
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
# use_go 1.NN sets GOROOT_ GO GOCACHE_ GOVERSION_
use_go() {
	if [ "$1" = 1.19 ] && gosys; then
		GOROOT_=/usr/lib/go-1.19
	else
		d=$CACHE/debian/go$1
		[ -f "$d/.goroot" ] || die "$d is incomplete"
		GOROOT_=$d/$(cat "$d/.goroot")
	fi
	GO=$GOROOT_/bin/go
	GOCACHE_=$CACHE/gocache-go$1
	GOVERSION_=$(GOENV=off GOROOT="$GOROOT_" GOTOOLCHAIN=local "$GO" version) ||
		die "$GO does not run"
}

# use_deps SUITE sets DEPPATH DEPVERS
use_deps() {
	d=$CACHE/debian/$1
	[ -f "$d/.versions" ] || die "$d is incomplete"
	DEPPATH=$d/usr/share/gocode
	DEPVERS=$(grep -v '^golang-1\.[0-9]*-' "$d/.versions")
}

# release_src VERSION sets RELPATH, a GOPATH entry holding only that
# release's sources, (re)extracted when the tag's commit changed.
release_src() {
	RELPATH=$CACHE/rel-gopath/$1
	COMMIT=$(git -C "$REPO" rev-parse "v$1^{commit}") || die "no commit for v$1"
	[ "$(cat "$RELPATH.commit" 2>/dev/null)" != "$COMMIT" ] || return 0
	rm -rf "$RELPATH" "$RELPATH.commit"
	mkdir -p "$RELPATH/src/google.golang.org/grpc"
	git -C "$REPO" archive "v$1" | tar x -C "$RELPATH/src/google.golang.org/grpc" ||
		die "cannot extract v$1"
	echo "$COMMIT" >"$RELPATH.commit"
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

# build_one VERSION GO DEPS [go build flags...]: build one release unless
# its output is up to date. Output messages go to stderr; a failure is
# recorded in $STATE/failed with the output kept in OUT.log.
build_one() {
	v=$1 go=$2 deps=$3
	shift 3
	out=$(printf '%s\n' "$OUTPAT" | sed "s|%v|$v|g; s|%g|$go|g")
	exec 7>"$CACHE/rel-gopath/$v.lock"
	flock 7
	use_go "$go"
	use_deps "$deps"
	release_src "$v"
	key=$(printf '%s\n' "gopath $GOROOT_ $deps $*" "$GOVERSION_" "$DEPVERS" \
		"$COMMIT" "$FIXKEY" | sha256sum | cut -d' ' -f1)
	if [ -x "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ]; then
		exec 7>&-
		return 0
	fi
	mkdir -p "$(dirname "$out")" "$GOCACHE_"
	rm -f "$out.key" "$out.info"
	gv=$(echo "$GOVERSION_" | cut -d' ' -f3)
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
		printf '%s' "$PAIRS" | awk -v n="$JOBS" -v j="$j" 'NF && (NR - 1) % n == j' |
			while read -r v go deps; do
				build_one "$v" "$go" "$deps" "$@"
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
