#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# gRPC over a unix socket, in programs nobody in this repo built: Debian's
# containerd and ctr (grpc-go 1.33.3, GOPATH builds, stripped). The truth is
# the ctr commands the test runs. The socket path is 16 bytes, the length a
# reader of TCP addresses took for an IPv6 address.

load helpers

# Each ctr command and the RPCs it makes, in order ("method status").
CALLS="version:/containerd.services.version.v1.Version/Version 0,/containerd.services.introspection.v1.Introspection/Server 0
namespaces ls:/containerd.services.namespaces.v1.Namespaces/List 0
namespaces create t1:/containerd.services.namespaces.v1.Namespaces/Create 0
namespaces rm nosuch:/containerd.services.namespaces.v1.Namespaces/Delete 5
images ls:/containerd.services.images.v1.Images/List 0
containers ls:/containerd.services.containers.v1.Containers/ListStream 0"

setup() {
	T=$BATS_TEST_TMPDIR
	command -v containerd
	command -v ctr
	# Debian strips them: no symbol table, no DWARF.
	[ "$(readelf -S /usr/bin/containerd | grep -cE '\.symtab|\.debug_info')" -eq 0 ]
	[ "$(readelf -S /usr/bin/ctr | grep -cE '\.symtab|\.debug_info')" -eq 0 ]
	short_dir
	SOCK=$SHORT_DIR/ab
	[ "${#SOCK}" -eq 16 ]
	# No CRI plugin: nothing but the gRPC services ctr talks to.
	printf 'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n' \
		>"$SHORT_DIR/config.toml"
	containerd --config "$SHORT_DIR/config.toml" --root "$SHORT_DIR/root" \
		--state "$SHORT_DIR/state" --address "$SOCK" >"$T/containerd.out" 2>&1 &
	CONTAINERD_PID=$!
	local i
	for i in $(seq 200); do
		[ -S "$SOCK" ] && break
		sleep 0.05
	done
	[ -S "$SOCK" ]
}

teardown() {
	[ -n "${TOOL_PID:-}" ] && kill "$TOOL_PID" 2>/dev/null
	[ -n "${CONTAINERD_PID:-}" ] && kill "$CONTAINERD_PID" 2>/dev/null
	wait 2>/dev/null
	[ -z "${SHORT_DIR:-}" ] || rm -rf "$SHORT_DIR"
	return 0
}

# run_ctr: every command of CALLS once; the expected per-call counts
# ({"method status": n}) in $T/expected.
run_ctr() {
	local line cmd
	: >"$T/calls"
	while IFS= read -r line; do
		cmd=${line%%:*}
		# shellcheck disable=SC2086 # the command's words
		ctr --address "$SOCK" $cmd >/dev/null 2>&1 || true
		printf '%s\n' "${line#*:}" | tr ',' '\n' >>"$T/calls"
	done <<<"$CALLS"
	jq -R -s -c -S 'split("\n") | map(select(. != "")) | group_by(.) |
		map({key: .[0], value: length}) | from_entries' "$T/calls" >"$T/expected"
}

# Per "method status", as the tool saw SIDE's streams.
seen() {
	streams "$1" | jq -c -S 'group_by([.method, .status]) |
		map({key: "\(.[0].method) \(.[0].status)", value: length}) | from_entries'
}

@test "Debian's stripped containerd over a unix socket: every call, peer unix" {
	start_tool -p "$CONTAINERD_PID" -j -v
	grep -q "from table" "$T/tool.err"
	run_ctr
	wait_streams "$(jq 'add' "$T/expected")"
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	[ "$(seen server)" = "$(cat "$T/expected")" ]
	# An accepted unix connection's peer has no name (Go says "@").
	streams server | jq -e --argjson pid "$CONTAINERD_PID" \
		'all(.pid == $pid and .peer == "unix" and (.status == 0) == (.error == false))'
	summary | jq -e '.open == 0 and .lost_events == 0 and .collisions.duplicate == 0'
}

@test "Debian's stripped ctr: every client stream, peer unix:PATH, with -b -F" {
	start_tool -b /usr/bin/ctr -j -F
	run_ctr
	wait_streams "$(jq 'add' "$T/expected")"
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	[ "$(seen client)" = "$(cat "$T/expected")" ]
	# One process per command, one connection each.
	streams client | jq -e "[.[] | .pid] | unique | length == $(wc -l <<<"$CALLS")"
	streams client | jq -e --arg peer "unix:$SOCK" 'all(.peer == $peer)'
	summary | jq -e '.open == 0 and .lost_events == 0 and .collisions.duplicate == 0'
}
