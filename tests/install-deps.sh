#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Install the Debian packages that building grpcstreams, its fixtures and its
# tests need. Idempotent: apt runs only when something is missing.
set -eu

PKGS="gcc libc6-dev clang llvm make pkg-config bpftool libbpf-dev libelf-dev libdw-dev
libcapstone-dev zlib1g-dev golang-go golang-google-grpc-dev bats jq gdb
binutils procps util-linux etcd-server etcd-client containerd valgrind
man-db groff-base bsdextrautils"
# libFuzzer and the sanitizers' runtime (make fuzz, the fuzz step of make
# test), of clang's own version: not a dependency of Debian's clang.
clangv=$(apt-cache depends clang 2>/dev/null | sed -n 's/.*Depends: clang-\([0-9]*\)$/\1/p' |
	head -n 1)
[ -z "$clangv" ] || PKGS="$PKGS libclang-rt-$clangv-dev"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: need root to install:$missing" >&2
	exit 1
fi
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
# Debian's etcd-server and containerd packages start a service on a systemd
# machine; the tests run their own instances (loopback ports, a unix socket
# in a directory of their own).
if command -v systemctl >/dev/null 2>&1; then
	systemctl disable --now etcd >/dev/null 2>&1 || true
	systemctl disable --now containerd >/dev/null 2>&1 || true
fi
