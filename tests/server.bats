#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Server streams of a real grpc-go server, all four RPC kinds and real status
# codes, compared with what the fixture client says it did.

load helpers

KINDS=unary,server_stream,client_stream,bidi
# Seven codes against four kinds: every (kind, code) pair occurs. 1, 4 and 12
# are real cancels, deadlines and unknown methods.
CODES=0,1,4,5,12,13,0

setup() {
	start_server
}

teardown() {
	teardown_common
}

# trace_server CLIENT_ARGS...: trace the server with -p -j while one client
# run completes, until the server has ended every stream the client made.
trace_server() {
	# shellcheck disable=SC2086 # TOOL_OPTS: extra tool flags
	start_tool -p "$SERVER_PID" -j ${TOOL_OPTS:-}
	start_client "$@"
	touch "$T/go"
	wait "$CLIENT_PID"
	# A cancelled handler ends (WriteStatus) just after the client gave up.
	wait_streams "$(jq .rpcs "$T/truth.json")"
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
}

check_server() {
	[ "$(jq -c . "$T/out" | wc -l)" -eq "$(wc -l <"$T/out")" ]
	[ "$(streams server | jq length)" -eq "$(jq .rpcs "$T/truth.json")" ]
	[ "$(streams client | jq length)" -eq 0 ]
	[ "$(per_call server)" = "$(truth_per_call server)" ]
	# Connections as the server sees them: the same multiset of counts.
	[ "$(streams server | jq -c '[group_by(.conn)[] | length] | sort')" = \
	  "$(jq -c '[.per_conn[] | select(. > 0)] | sort' "$T/truth.json")" ]
	[ "$(streams server | jq '[.[] | [.conn, .stream_id]] | unique | length')" -eq \
	  "$(streams server | jq length)" ]
	streams server | jq -e --argjson pid "$SERVER_PID" \
		--arg peer "${PEER_RE:-^127\\.0\\.0\\.1:[0-9]+$}" \
		'all(.pid == $pid and (.peer | test($peer)) and
		     (.status == 0) == (.error == false) and (has("entry_next_id") | not))'
	[ "$(summary | jq .collisions.duplicate)" -eq 0 ]
	[ "$(summary | jq .open)" -eq 0 ]
	[ "$(summary | jq .lost_events)" -eq 0 ]
}

@test "server: 4 kinds x 7 codes, 3 connections, 16 workers" {
	trace_server -conns 3 -concurrency 16 -rpcs 2800 -kinds "$KINDS" -codes "$CODES"
	check_server
	# An unknown method has no handler: no start, so no latency.
	streams server | jq -e 'all((.method == "/fixture.Test/Missing") == (.latency_ns == null))'
	# Two probe hits per RPC: the handler's start (past the stack check the
	# new goroutine's stack grows at) and WriteStatus; none at the start
	# of an unknown method.
	summary | jq -e --argjson n "$(jq '[.per_call | to_entries[] |
		select(.key | startswith("/fixture.Test/Missing ") | not) | .value] | add' "$T/truth.json")" \
		'.probe_hits | .server_start == $n and .server_end == 2800'
	[ "$(summary | jq .probe_hits.stack_check_skipped)" -lt 280 ]
	# Three busy connections: the same ids live on several at once.
	check_shadows
	# Not measured without -F: the binary has grpc-go's client side too.
	[ "$(summary | jq .collisions.nextid_race)" = null ]
}

@test "server: one connection, no shadow collision" {
	trace_server -conns 1 -concurrency 16 -rpcs 1000 -kinds "$KINDS"
	check_server
	[ "$(summary | jq .collisions.shadow)" -eq 0 ]
}

@test "server --live-slots 1: streams whose slot is taken are still every stream" {
	TOOL_OPTS="--live-slots 1" trace_server -conns 3 -concurrency 16 -rpcs 2800 \
		-kinds "$KINDS" -codes "$CODES"
	check_server
}

@test "server --no-uprobe-multi: a perf-event uprobe per site, every stream" {
	TOOL_OPTS="--no-uprobe-multi -v" trace_server -conns 3 -concurrency 16 -rpcs 2800 \
		-kinds "$KINDS" -codes "$CODES"
	grep -qx 'uprobes: a perf event per site' "$T/tool.err"
	[ "$(grep -c '^probe server_start: ' "$T/tool.err")" -ge 2 ]
	[ "$(grep -c '^probe server_end: ' "$T/tool.err")" -ge 1 ]
	check_server
}

@test "server: handler latency is at least the injected delay" {
	trace_server -conns 2 -concurrency 8 -rpcs 200 -kinds "$KINDS" -delay 30
	check_server
	streams server | jq -e 'all(.latency_ns >= 30000000)'
}

@test "server: streams still in their handler are reported open" {
	start_tool -p "$SERVER_PID" -o streams -d 2 -r 10
	start_client -conns 1 -concurrency 4 -rpcs 4 -delay 5000
	touch "$T/go"
	wait "$TOOL_PID"
	grep -E '^Total: streams 0 started 4 open 4 ' "$T/out"
	[ "$(grep -cE '^[0-9]+ +server +#[0-9]+ 127\.0\.0\.1:[0-9]+ +[0-9]+ +open +[0-9.]+ +- /fixture\.Test/Unary$' "$T/out")" -ge 4 ]
}

@test "client: 4 kinds x 7 codes, real status codes on the client side" {
	trace_client -conns 3 -concurrency 16 -rpcs 2800 -kinds "$KINDS" -codes "$CODES"
	[ "$(streams client | jq length)" -eq 2800 ]
	[ "$(per_call client)" = "$(truth_per_call client-nokind)" ]
	[ "$(summary | jq .collisions.duplicate)" -eq 0 ]
	[ "$(summary | jq .lost_events)" -eq 0 ]
}

@test "client -F: 4 kinds x 7 codes, the kind of every client stream" {
	TOOL_OPTS=-F trace_client -conns 3 -concurrency 16 -rpcs 2800 -kinds "$KINDS" -codes "$CODES"
	[ "$(streams client | jq length)" -eq 2800 ]
	[ "$(per_call client)" = "$(truth_per_call client)" ]
	[ "$(summary | jq .collisions.duplicate)" -eq 0 ]
	[ "$(summary | jq .lost_events)" -eq 0 ]
}

@test "client and server at once, one -b -F instance" {
	start_tool -b "$FIXTURE" -j -F
	start_client -conns 3 -concurrency 16 -rpcs 1400 -kinds "$KINDS" -codes "$CODES"
	touch "$T/go"
	wait "$CLIENT_PID"
	wait_streams 2800
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	local cpid
	cpid=$(jq .pid "$T/truth.json")
	streams client | jq -e --argjson pid "$cpid" 'all(.pid == $pid)'
	streams server | jq -e --argjson pid "$SERVER_PID" 'all(.pid == $pid)'
	[ "$(per_call client)" = "$(truth_per_call client)" ]
	[ "$(per_call server)" = "$(truth_per_call server)" ]
	[ "$(summary | jq .collisions.duplicate)" -eq 0 ]
}

@test "client and server at once, two -p instances" {
	OUT=$T/server.out
	"$TOOL" -p "$SERVER_PID" -j >"$T/server.out" 2>"$T/server.err" &
	local spid=$!
	wait_for "$T/server.err" "^Tracing" 20 "$spid"
	start_client -conns 3 -concurrency 16 -rpcs 1400 -kinds "$KINDS" -codes "$CODES"
	start_tool -p "$CLIENT_PID" -j
	touch "$T/go"
	wait "$CLIENT_PID"
	wait "$TOOL_PID"
	wait_streams 1400
	kill -INT "$spid"
	wait "$spid"
	[ "$(per_call server)" = "$(truth_per_call server)" ]
	OUT=$T/out
	[ "$(per_call client)" = "$(truth_per_call client-nokind)" ]
}

# A unix socket's accepted connection: grpc-go's peer is the client's
# socket, which has no name (Go says "@"): shown as "unix", never as bytes
# of a TCP address.
@test "server over a unix socket, 16-byte path: every stream, peer unix" {
	stop_server
	short_dir
	local sock=$SHORT_DIR/ab
	start_server "unix:$sock"
	# Not code 4: under load, the fixture's server can miss its answer
	# before the deadline and see the client's cancel instead (1 vs 4).
	trace_server -conns 3 -concurrency 12 -rpcs 1400 -kinds "$KINDS" \
		-codes 0,1,5,12,13,0,3
	PEER_RE='^unix$' check_server
}
