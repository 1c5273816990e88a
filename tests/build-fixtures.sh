#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Build the Go fixture programs from Debian's packages (GOPATH mode, as
# Debian builds its own Go programs). Outputs go to .output/fix/, the Go
# build cache to .cache/ (both git-ignored); a fixture is rebuilt only when
# its source is newer than the binary.
#
#   .output/fix/1.33.3-plain/grpcfixture     .symtab + DWARF
#   .output/fix/1.33.3-stripped/grpcfixture  -ldflags='-s -w'
#   .output/fix/gohello                      a Go program without grpc-go
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/.output/fix
CACHE=$ROOT/.cache
mkdir -p "$OUT" "$CACHE/gocache"

GO=${GO:-go}
GRPC_VERSION=$(dpkg-query -W -f='${Version}' golang-google-grpc-dev | sed 's/-.*//')

# build SRC_DIR OUT_FILE [go build flags...]
build() {
	src=$1 out=$2
	shift 2
	if [ -x "$out" ] && [ -z "$(find "$src" -newer "$out" -name '*.go')" ]; then
		return 0
	fi
	mkdir -p "$(dirname "$out")"
	echo "  GO       $out" >&2
	(cd "$src" && GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= \
		GOCACHE="$CACHE/gocache" GOTOOLCHAIN=local \
		"$GO" build -o "$out.tmp" "$@" .)
	mv "$out.tmp" "$out"
}

FIX=$ROOT/tests/fixture
build "$FIX/grpcfixture" "$OUT/$GRPC_VERSION-plain/grpcfixture"
build "$FIX/grpcfixture" "$OUT/$GRPC_VERSION-stripped/grpcfixture" -ldflags='-s -w'
build "$FIX/gohello" "$OUT/gohello"
