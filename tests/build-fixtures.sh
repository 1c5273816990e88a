#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Build the Go fixture programs from Debian's packages: three real grpc-go
# versions, each with its own Debian suite's Go toolchain, in four variants.
#
#   grpc-go 1.33.3 + Go 1.19   bookworm, the system's golang-go and
#                              golang-google-grpc-dev (make deps)
#   grpc-go 1.64.0 + Go 1.24   trixie  } .deb files fetched and unpacked into
#   grpc-go 1.81.1 + Go 1.27   sid     } .cache/debian/SUITE (fetch-debian.sh)
#
#   .output/fix/VER-plain/grpcfixture     .symtab + DWARF
#   .output/fix/VER-stripped/grpcfixture  -ldflags='-s -w'
#   .output/fix/VER-pie/grpcfixture       -buildmode=pie (symbols + DWARF)
#   .output/fix/VER-trimpath/grpcfixture  -trimpath
#   .output/fix/VER-module/grpcfixture    newest VER only: module mode, from a
#                                         vendor/ tree assembled from the same
#                                         Debian sources, so that build info
#                                         says "dep google.golang.org/grpc vVER"
#   .output/fix/gohello                   a Go program without grpc-go
#
# And on request (FIXTURE_GO_CELLS), one stripped cell per Go toolchain that
# Debian ships as .deb files (the lines of tests/cells with GO GRPC), each
# with a grpc-go release of its time built from the upstream release bundle
# by tools/build-releases.sh (its map gives the dependency suite):
#
#   .output/fix/go1.NN-VER-stripped/grpcfixture   -ldflags='-s -w'
#
# VER is grpc-go's version without Debian's epoch and revision. All builds but
# the module one are GOPATH builds, as Debian builds its own Go programs.
# Nothing is installed into the system; the Go build caches live in .cache/
# (one per toolchain). A fixture is rebuilt only when its key changed: the
# fixture source, the toolchain, the Debian package versions, the flags (kept
# next to the binary as FILE.key). Any failed download or build fails the
# whole script (non-zero); nothing is skipped.
#
# Knobs: FIXTURE_SUITES="trixie sid" (the default) picks the fetched suites;
# FIXTURE_SUITES= builds only the system version. FIXTURE_GO_CELLS="1.21
# 1.27" adds the per-toolchain cells of those Go versions, "all" every one
# (unset or empty, the default: none; each fetches a toolchain).
# FIXTURE_VARIANTS="plain" builds only those variants (make demo).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/.output/fix
CACHE=$ROOT/.cache
FIX=$ROOT/tests/fixture
SUITES=${FIXTURE_SUITES-trixie sid}
VARIANTS=${FIXTURE_VARIANTS:-plain stripped pie trimpath}

die() {
	echo "build-fixtures: $*" >&2
	exit 1
}

mkdir -p "$OUT" "$CACHE/debian"
# One build at a time per tree (make test and make bench may race).
exec 9>"$OUT/.lock"
flock 9

# --- start the downloads, build the system version meanwhile -------------
FETCH_PIDS=""
cleanup() {
	for p in $FETCH_PIDS; do
		kill "$p" 2>/dev/null || true
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
for s in $SUITES; do
	"$ROOT/tests/fetch-debian.sh" "$s" "$CACHE/debian/$s" \
		>"$CACHE/debian/$s.log" 2>&1 &
	FETCH_PIDS="$FETCH_PIDS $!"
	eval "FETCH_$s=$!"
done

# wait_fetch SUITE: its fetch-debian.sh must have succeeded.
wait_fetch() {
	pid=
	eval "pid=\$FETCH_$1"
	rc=0
	wait "$pid" || rc=$?
	cat "$CACHE/debian/$1.log" >&2
	[ "$rc" -eq 0 ] || die "fetching Debian $1 failed (exit $rc); see above"
}

# Debian version -> Go module version (see tests/fixture/module/debian-modules).
modver() {
	v=$(printf '%s' "$1" | sed -E 's/^[0-9]+://; s/-[^-]*$//;
		s/\+(dfsg|ds|repack)[0-9]*$//')
	case $v in
	0.0~git[0-9]*.*)
		d=${v#0.0~git}
		h=${d#*.}
		d=${d%%.*}
		if ! printf '%s' "$d" | grep -qE '^[0-9]{8}$' ||
			! printf '%s' "$h" | grep -qE '^[0-9a-f]{7,40}$'; then
			die "cannot map Debian version $1 to a Go module version"
		fi
		echo "v0.0.0-${d}000000-$h"
		;;
	*)
		printf '%s' "$v" | grep -qE '^[0-9]+\.[0-9]+\.[0-9]+(~rc[0-9]+)?$' ||
			die "cannot map Debian version $1 to a Go module version"
		echo "v$v" | sed 's/~/-/'
		;;
	esac
}

# --- toolchains ------------------------------------------------------------
# use_system / use_suite SUITE set: GO GOROOT_ GOPATH_ GOCACHE_ DEPS GRPC
use_system() {
	GO=$(command -v go) || die "no go in PATH (make deps)"
	GOROOT_=$(GOENV=off GOFLAGS='' "$GO" env GOROOT)
	GOPATH_=/usr/share/gocode
	GOCACHE_=$CACHE/gocache
	DEPS=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Version}\n' \
		'golang-*' | awk '$1 == "ii" { print $2, $3 }')
	v=$(printf '%s\n' "$DEPS" | awk '$1 == "golang-google-grpc-dev" { print $2 }')
	[ -n "$v" ] || die "golang-google-grpc-dev is not installed (make deps)"
	GRPC=$(modver "$v")
	GRPC=${GRPC#v}
}

use_suite() {
	d=$CACHE/debian/$1
	if [ ! -f "$d/.goroot" ] || [ ! -f "$d/.versions" ]; then
		die "$d is incomplete"
	fi
	GOROOT_=$d/$(cat "$d/.goroot")
	GO=$GOROOT_/bin/go
	GOPATH_=$d/usr/share/gocode
	GOCACHE_=$CACHE/gocache-$1
	DEPS=$(cat "$d/.versions")
	v=$(printf '%s\n' "$DEPS" | awk '$1 == "golang-google-grpc-dev" { print $2 }')
	[ -n "$v" ] || die "no golang-google-grpc-dev in $d/.versions"
	GRPC=$(modver "$v")
	GRPC=${GRPC#v}
}

# go_env MODE CMD...: CMD with the current toolchain, nothing from the
# caller's Go environment, no network.
go_env() {
	mode=$1
	shift
	if [ "$mode" = gopath ]; then
		set -- GO111MODULE=off GOFLAGS= GOPATH="$GOPATH_" "$@"
	else
		set -- GO111MODULE=on GOFLAGS=-mod=vendor GOWORK=off \
			GOPATH="$CACHE/gopath-module" GONOSUMDB='*' GONOSUMCHECK=1 \
			GOSUMDB=off "$@"
	fi
	env GOENV=off GOROOT="$GOROOT_" GOTOOLCHAIN=local GOPROXY=off \
		CGO_ENABLED=1 GOCACHE="$GOCACHE_" "$@"
}

# build MODE SRC_DIR OUT_FILE [go build flags...]: rebuild OUT_FILE when the
# key (sources, toolchain, package versions, flags) differs from the last one.
build() {
	mode=$1 src=$2 out=$3
	shift 3
	key=$(
		echo "$mode $GOROOT_ $*"
		"$GO" version
		printf '%s\n' "$DEPS"
		cd "$src" && find . -type f ! -path './vendor/*' -print | LC_ALL=C sort |
			xargs sha256sum
		[ ! -f "$src/vendor/modules.txt" ] || sha256sum "$src/vendor/modules.txt"
	) || die "cannot compute the build key of $out"
	key=$(printf '%s\n' "$key" | sha256sum | cut -d' ' -f1)
	if [ -x "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ]; then
		return 0
	fi
	mkdir -p "$(dirname "$out")" "$GOCACHE_"
	rm -f "$out.key"
	echo "  GO       ${out#"$ROOT"/} ($("$GO" version | cut -d' ' -f3) $*)" >&2
	(cd "$src" && go_env "$mode" "$GO" build -o "$out.tmp" "$@" .) ||
		die "go build of ${out#"$ROOT"/} failed"
	mv "$out.tmp" "$out"
	echo "$key" >"$out.key"
}

# variants VER: the four GOPATH variants of the fixture.
variants() {
	for var in $VARIANTS; do
		case $var in
		plain) set -- ;;
		stripped) set -- -ldflags='-s -w' ;;
		pie) set -- -buildmode=pie ;;
		trimpath) set -- -trimpath ;;
		esac
		build gopath "$FIX/grpcfixture" "$OUT/$GRPC-$var/grpcfixture" "$@"
	done
}

# --- module mode: go.mod + vendor/ from the Debian sources ---------------
# module_src DIR: assemble DIR/{go.mod,main.go,vendor/} for the current
# toolchain. The packages the fixture needs come from a GOPATH `go list`;
# each one's module is the nearest go.mod above it.
module_src() {
	dir=$1
	map=$FIX/module/debian-modules
	pkgs=$(cd "$FIX/grpcfixture" && go_env gopath "$GO" list -deps \
		-f '{{if not .Standard}}{{.ImportPath}} {{.Dir}}{{end}}' .) ||
		die "go list of the fixture's dependencies failed"
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp/vendor"
	: >"$dir.tmp/pkgs"
	while read -r ip pdir; do
		case $pdir in
		"$GOPATH_/src/$ip") ;;
		"$FIX/grpcfixture") continue ;;
		*) die "package $ip is not in $GOPATH_ ($pdir)" ;;
		esac
		m=$pdir
		while [ ! -f "$m/go.mod" ]; do
			[ "$m" != "$GOPATH_/src" ] || die "no go.mod above $pdir"
			m=$(dirname "$m")
		done
		mpath=$(awk '$1 == "module" { print $2; exit }' "$m/go.mod")
		[ "$mpath" = "${m#"$GOPATH_/src/"}" ] ||
			die "$m/go.mod says module '$mpath'"
		mkdir -p "$dir.tmp/vendor/$ip"
		find "$pdir" -maxdepth 1 -type f ! -name '*_test.go' \
			! -name go.mod ! -name go.sum -exec cp -p {} "$dir.tmp/vendor/$ip/" \;
		echo "$mpath $ip" >>"$dir.tmp/pkgs"
	done <<EOF
$pkgs
EOF
	[ -s "$dir.tmp/pkgs" ] || die "the fixture needs no module?"
	# One block per module: version from the Debian package, go directive
	# from the module's own go.mod.
	gover=1.17
	: >"$dir.tmp/vendor/modules.txt"
	: >"$dir.tmp/require"
	# shellcheck disable=SC2013 # module paths have no blanks
	for mpath in $(cut -d' ' -f1 "$dir.tmp/pkgs" | LC_ALL=C sort -u); do
		deb=$(awk -v m="$mpath" '!/^#/ && $1 == m { print $2 }' "$map")
		[ -n "$deb" ] || die "module $mpath: no Debian package in $map"
		dv=$(printf '%s\n' "$DEPS" | awk -v p="$deb" '$1 == p { print $2 }')
		[ -n "$dv" ] || die "module $mpath: package $deb was not fetched"
		mv_=$(modver "$dv")
		mgo=$(awk '$1 == "go" { print $2; exit }' "$GOPATH_/src/$mpath/go.mod")
		[ -n "$mgo" ] || die "no go directive in $mpath/go.mod"
		gover=$(printf '%s\n%s\n' "$gover" "$mgo" | sort -V | tail -n 1)
		ind=" // indirect"
		[ "$mpath" != google.golang.org/grpc ] || ind=
		printf '\t%s %s%s\n' "$mpath" "$mv_" "$ind" >>"$dir.tmp/require"
		{
			echo "# $mpath $mv_"
			echo "## explicit; go $mgo"
			awk -v m="$mpath" '$1 == m { print $2 }' "$dir.tmp/pkgs" | LC_ALL=C sort -u
		} >>"$dir.tmp/vendor/modules.txt"
	done
	{
		echo "module grpcstreams.test/grpcfixture"
		echo
		echo "go $gover"
		echo
		echo "require ("
		cat "$dir.tmp/require"
		echo ")"
	} >"$dir.tmp/go.mod"
	rm "$dir.tmp/pkgs" "$dir.tmp/require"
	cp -p "$FIX/grpcfixture"/*.go "$dir.tmp/"
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
}

# module VER: the module-mode fixture; the vendor tree is rebuilt whenever
# the Debian packages or the fixture source changed.
module() {
	src=$CACHE/module-src/$GRPC
	skey=$({
		printf '%s\n' "$DEPS"
		cat "$FIX/module/debian-modules" "$FIX/grpcfixture"/*.go
	} | sha256sum | cut -d' ' -f1)
	if [ "$(cat "$src.key" 2>/dev/null)" != "$skey" ] || [ ! -d "$src" ]; then
		echo "  VENDOR   ${src#"$ROOT"/}" >&2
		module_src "$src"
		echo "$skey" >"$src.key"
	fi
	build module "$src" "$OUT/$GRPC-module/grpcfixture" -buildvcs=false
}

# --- the builds --------------------------------------------------------------
use_system
variants
build gopath "$FIX/gohello" "$OUT/gohello"

last=
for s in $SUITES; do
	wait_fetch "$s"
	use_suite "$s"
	variants
	last=$s
done
# Module mode for the newest version only.
if [ -n "$last" ]; then
	use_suite "$last"
	module
fi

# --- one stripped cell per Go toolchain -----------------------------------
# tests/cells' lines with GO GRPC: a grpc-go release out while that Go was
# the newest, none of them a version of the cells above.
GO_CELLS=$("$ROOT/tests/cells.sh" go) || die "tests/cells.sh go failed"
GO_CELLS=$(printf '%s\n' "$GO_CELLS" | awk '{ print $1 ":" $2 }')
cells=${FIXTURE_GO_CELLS:-}
# shellcheck disable=SC2086 # word lists
[ "$cells" != all ] || cells=$(printf '%s\n' $GO_CELLS | cut -d: -f1)
for g in $cells; do
	# shellcheck disable=SC2086
	v=$(printf '%s\n' $GO_CELLS | awk -F: -v g="$g" '$1 == g { print $2 }')
	[ -n "$v" ] || die "FIXTURE_GO_CELLS: no cell for Go $g (have: $GO_CELLS)"
	"$ROOT/tools/build-releases.sh" -g "$g" -v stripped \
		-o "$OUT/go%g-%v-stripped/grpcfixture" "$v" ||
		die "building the Go $g cell (grpc-go $v) failed"
done
FETCH_PIDS=
