#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make demo: a bundled grpc-go server and client on loopback, traced live by
# grpcstreams for a few seconds in the methods view (both sides, per method:
# rate, errors, percentiles); the table of the whole run stays on screen.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
GRPC_VERSION=$(dpkg-query -W -f='${Version}' golang-google-grpc-dev | sed 's/-.*//')
FIXTURE=$ROOT/.output/fix/$GRPC_VERSION-plain/grpcfixture
T=$(mktemp -d)
cleanup() {
	kill "${CLIENT_PID:-}" "${SERVER_PID:-}" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: grpcstreams loads BPF programs: run as root (sudo make demo)" >&2
	exit 1
fi
"$FIXTURE" server -portfile "$T/port" >/dev/null &
SERVER_PID=$!
for _ in $(seq 200); do [ -s "$T/port" ] && break; sleep 0.05; done

# Three connections, every RPC kind, some slow calls, some errors, cancels
# (1) and deadlines (4).
"$FIXTURE" client -addr "127.0.0.1:$(cat "$T/port")" -conns 3 -concurrency 12 \
	-duration 8 -delay 3 -codes 0,0,0,0,1,4,5,13,0 \
	-kinds unary,server_stream,client_stream,bidi -wait "$T/go" >/dev/null 2>"$T/client.err" &
CLIENT_PID=$!
for _ in $(seq 200); do grep -q ready "$T/client.err" 2>/dev/null && break; sleep 0.05; done
touch "$T/go"
echo "demo: grpcfixture server pid $SERVER_PID and client pid $CLIENT_PID (grpc-go" \
	"$GRPC_VERSION), both running $FIXTURE; running: grpcstreams -b $FIXTURE -d 5 -r 12" >&2
"$ROOT/grpcstreams" -b "$FIXTURE" -d 5 -r 12
