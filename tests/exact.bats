#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The short exact check, run once per "exact" cell (tests/run.sh: a stripped
# build of each distinct layout of the table, and of each Go toolchain):
# one server and one client of the cell's binary, both traced by one
# grpcstreams -b, every stream of both sides against the client's truth.

load helpers

setup() {
	start_server
}

teardown() {
	teardown_common
}

@test "exact: both sides, 2 connections, 4 kinds, 4 codes" {
	start_tool -b "$FIXTURE" -j -v
	start_client -conns 2 -concurrency 8 -rpcs 400 \
		-kinds unary,server_stream,client_stream,bidi -codes 0,5,13,0
	touch "$T/go"
	wait "$CLIENT_PID"
	wait_streams $((2 * $(jq .rpcs "$T/truth.json")))
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	cat "$T/tool.err"
	# A stripped build: the layout came from the table, its code agreed,
	# and the release is known, so no notice was printed. (make sweep runs
	# this on builds with DWARF too.)
	if grep -q "^layout: .* from table$" "$T/tool.err"; then
		grep -q "^layout: table entry .*, confirmed by the binary's code" "$T/tool.err"
	else
		grep -q "^layout: .* from DWARF$" "$T/tool.err"
		[[ "$(basename "$(dirname "$FIXTURE")")" != *stripped* ]]
	fi
	[ "$(grep -c "^grpcstreams:" "$T/tool.err")" -eq 0 ]
	# Client: every stream, per connection, method and status.
	[ "$(streams client | jq length)" -eq "$(jq .rpcs "$T/truth.json")" ]
	[ "$(streams client | jq -c '[group_by(.conn)[] | length] | sort')" = \
	  "$(jq -c '[.per_conn[] | select(. > 0)] | sort' "$T/truth.json")" ]
	[ "$(per_call client)" = "$(truth_per_call client-nokind)" ]
	streams client | jq -e --arg peer "127.0.0.1:$PORT" \
		'all(.peer == $peer and .latency_ns > 0)'
	# Server: the same RPCs as the server saw them.
	[ "$(streams server | jq length)" -eq "$(jq .rpcs "$T/truth.json")" ]
	[ "$(per_call server)" = "$(truth_per_call server)" ]
	[ "$(streams server | jq -c '[group_by(.conn)[] | length] | sort')" = \
	  "$(jq -c '[.per_conn[] | select(. > 0)] | sort' "$T/truth.json")" ]
	streams server | jq -e --argjson pid "$SERVER_PID" \
		'all(.pid == $pid and (.peer | test("^127\\.0\\.0\\.1:[0-9]+$")))'
	[ "$(summary | jq .collisions.duplicate)" -eq 0 ]
	[ "$(summary | jq .open)" -eq 0 ]
	[ "$(summary | jq .lost_events)" -eq 0 ]
}
