#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Streams whose end never comes: a process killed with RPCs in flight. Its
# streams must leave every map, be counted abandoned, and never show open
# again; the other side's streams end as the workload says (the server's
# handlers see their client gone: CANCELED). Per cell (tests/run.sh).

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
}

teardown() {
	[ -n "${TOOL_PID:-}" ] && kill -INT "$TOOL_PID" 2>/dev/null
	[ -n "${CLIENT_PID:-}" ] && kill -KILL "$CLIENT_PID" 2>/dev/null
	stop_server
	wait 2>/dev/null
	return 0
}

# server_inflight: the server's own count of RPCs it is serving now.
server_inflight() {
	ask "$SERVER_PID" USR1 "$T/server.out" inflight
}

# wait_inflight N: until the server serves N RPCs (a count, with a timeout).
wait_inflight() {
	local i
	for i in $(seq 300); do
		[ "$(server_inflight)" = "$1" ] && return 0
		sleep 0.1
	done
	echo "the server never had $1 RPCs in flight" >&2
	return 1
}

# N RPCs held in flight by a server-side delay far longer than the test.
start_held_client() {
	"$FIXTURE" client -addr "$ADDR" -conns 2 -concurrency "$1" -rpcs "$1" \
		-delay 3600000 >"$T/truth.json" 2>"$T/client.err" &
	CLIENT_PID=$!
}

# trace_held_client N: a client with N RPCs held in flight, traced with
# -p from before its first RPC, until the server serves all N.
trace_held_client() {
	"$FIXTURE" client -addr "$ADDR" -conns 2 -concurrency "$1" -rpcs "$1" -delay 3600000 \
		-wait "$T/go" >"$T/truth.json" 2>"$T/client.err" &
	CLIENT_PID=$!
	wait_for "$T/client.err" "connections ready"
	start_tool -p "$CLIENT_PID" -j
	touch "$T/go"
	wait_inflight "$1"
}

@test "abandoned: -b, a client killed with 64 streams in flight: counted, 0 open" {
	start_server
	start_tool -b "$FIXTURE" -j
	start_held_client 64
	wait_inflight 64
	kill -KILL "$CLIENT_PID"
	wait "$CLIENT_PID" || true
	# The server's handlers see the client gone and end; then the tool is asked.
	wait_inflight 0
	wait_for "$T/tool.err" "^grpcstreams: PID $CLIENT_PID (grpcfixture) exited with 64 streams open: counted abandoned$" 20
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	TOOL_PID=
	# Every abandoned stream is one of the client's, and there are 64 of them:
	# 64 distinct (conn, stream id), on the client's 2 connections.
	jq -s -e --argjson pid "$CLIENT_PID" '[.[] | select(.type == "abandoned")] |
		length == 64 and all(.pid == $pid and .side == "client" and
			.reason == "exited" and .method == "/fixture.Test/Unary" and
			.age_ns > 0) and
		([.[] | [.conn, .stream_id]] | unique | length) == 64 and
		([.[] | .conn] | unique | length) == 2' "$T/out"
	# The client ended none; the server ended all 64, canceled.
	jq -s -e --argjson pid "$CLIENT_PID" '[.[] | select(.type == "stream")] |
		(map(select(.pid == $pid)) | length) == 0 and
		(map(select(.side == "server" and .status == 1)) | length) == 64 and
		length == 64' "$T/out"
	summary | jq -e '.open == 0 and .abandoned == 64 and .started == 128 and
		.ended == 64 and .table_full == 0 and .collisions.duplicate == 0'
}

@test "abandoned: the table after the kill shows none of the dead client's streams open" {
	start_server
	start_tool -b "$FIXTURE" -o streams -i 1 -r 200 --noclear
	start_held_client 64
	wait_inflight 64
	# A table with both sides' 64 open, before the kill.
	wait_for "$T/out" ' open 128 abandoned 0 |' 20
	kill -KILL "$CLIENT_PID"
	wait "$CLIENT_PID" || true
	wait_inflight 0
	wait_for "$T/tool.err" "^grpcstreams: PID $CLIENT_PID .* exited with 64 streams open" 20
	# The table of the interval that counted them, and each one after it.
	wait_for "$T/out" ' abandoned 64 |' 20
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	TOOL_PID=
	awk -v pid="$CLIENT_PID" '/ abandoned 64 \|/ { after = 1 }
		after && $1 == pid && $6 == "open" { bad++ }
		END { exit bad > 0 }' "$T/out"
	# Before the kill, the client's 64 were shown open (so the check can fail).
	awk -v pid="$CLIENT_PID" '/ abandoned 64 \|/ { exit }
		$1 == pid && $6 == "open" { n++ } END { exit !(n > 0) }' "$T/out"
	grep -E '^Total: streams 64 started 128 open 0 abandoned 64 \| .* duplicate 0 \| lost 0 full 0$' \
		"$T/out"
}

@test "abandoned: -p, the traced client killed: the tool ends, 0 open, 32 abandoned" {
	start_server
	trace_held_client 32
	kill -KILL "$CLIENT_PID"
	wait "$CLIENT_PID" || true
	# The tool ends with its process, and says what it left.
	timeout 30 tail --pid="$TOOL_PID" -f /dev/null
	wait "$TOOL_PID"
	TOOL_PID=
	grep -qx "grpcstreams: PID $CLIENT_PID (grpcfixture) exited with 32 streams open: counted abandoned" \
		"$T/tool.err"
	jq -s -e --argjson pid "$CLIENT_PID" '[.[] | select(.type == "abandoned")] |
		length == 32 and all(.pid == $pid and .reason == "exited")' "$T/out"
	summary | jq -e '.open == 0 and .abandoned == 32 and .started == 32 and .ended == 0'
}

# A new process of the binary takes the dead one's PID while -b traces
# (the PID is handed out again on purpose, through ns_last_pid): the old
# process's streams are abandoned, whether the tool saw it die first or
# only found its PID reused; the new one's are exact.
@test "abandoned: -b, the dead client's PID reused by a new client: old abandoned, new exact" {
	start_server
	start_tool -b "$FIXTURE" -j
	start_held_client 16
	wait_inflight 16
	local old=$CLIENT_PID i
	kill -KILL "$old"
	wait "$old" || true
	CLIENT_PID=
	for i in $(seq 50); do
		echo $((old - 1)) >/proc/sys/kernel/ns_last_pid
		"$FIXTURE" client -addr "$ADDR" -conns 2 -concurrency 8 -rpcs 400 \
			-wait "$T/go" >"$T/truth.json" 2>"$T/client.err" &
		CLIENT_PID=$!
		[ "$CLIENT_PID" -eq "$old" ] && break
		kill -KILL "$CLIENT_PID"
		wait "$CLIENT_PID" || true
		CLIENT_PID=
	done
	[ "$CLIENT_PID" = "$old" ]
	wait_for "$T/client.err" "connections ready"
	touch "$T/go"
	wait "$CLIENT_PID"
	CLIENT_PID=
	wait_inflight 0
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	TOOL_PID=
	jq -s -c '[.[] | select(.type == "abandoned") | [.pid, .reason, .method]] |
		group_by(.) | map([.[0], length])' "$T/out"
	cat "$T/tool.err"
	jq -s -e --argjson pid "$old" '[.[] | select(.type == "abandoned")] |
		length == 16 and all(.pid == $pid and .method == "/fixture.Test/Unary")' "$T/out"
	# The new process's streams, exactly its truth.
	[ "$(jq -s --argjson pid "$old" '[.[] | select(.type == "stream" and .pid == $pid)] |
		length' "$T/out")" -eq "$(jq .rpcs "$T/truth.json")" ]
	[ "$(OUT=$T/out streams client | jq -cS --argjson pid "$old" 'map(select(.pid == $pid)) |
		group_by(.method) | map({key: .[0].method, value: length}) | from_entries')" = \
	  "$(jq -cS .per_method "$T/truth.json")" ]
	summary | jq -e '.open == 0 and .abandoned == 16 and .collisions.duplicate == 0'
}

# The tables of live streams full (one slot and 8 overflow entries, hidden
# test options): the streams that found no room are counted table_full,
# never dropped silently; the others are traced as usual.
@test "table full: streams without room are counted, the rest exact" {
	start_server
	start_tool -p "$SERVER_PID" -j --live-slots 1 --max-streams 8
	start_held_client 64
	wait_inflight 64
	kill -KILL "$CLIENT_PID"
	wait "$CLIENT_PID" || true
	CLIENT_PID=
	wait_inflight 0
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	TOOL_PID=
	# All 64 ended canceled; those that found no room were counted, and
	# show at their end as streams whose start was not seen.
	summary | jq -e '.started == 64 and .table_full > 0 and .open == 0 and
		.streams == 64 and .ended == 64 and .collisions.duplicate == 0'
	jq -s -e '(.[-1].table_full) as $full | [.[] | select(.type == "stream")] |
		all(.status == 1 and .side == "server") and
		(map(select(.latency_ns == null)) | length) == $full' "$T/out"
}

# The other way round: the server killed, the client's connections reset.
# grpc-go closes every stream of a broken connection: none is abandoned,
# each ends with the status the client itself reports.
@test "connection reset: the server killed, every client stream ends as the client says" {
	start_server
	trace_held_client 32
	kill -KILL "$SERVER_PID"
	wait "$SERVER_PID" || true
	SERVER_PID=
	wait "$CLIENT_PID" || true
	CLIENT_PID=
	timeout 30 tail --pid="$TOOL_PID" -f /dev/null
	wait "$TOOL_PID"
	TOOL_PID=
	[ "$(jq .rpcs "$T/truth.json")" -eq 32 ]
	[ "$(streams client | jq -cS 'group_by(.status) |
		map({key: (.[0].status | tostring), value: length}) | from_entries')" = \
	  "$(jq -cS .per_status "$T/truth.json")" ]
	summary | jq -e '.open == 0 and .abandoned == 0 and .streams == 32'
}

# A traced process that executes another program with RPCs in flight: the
# program they belonged to is gone, its streams with it (-b: the process
# runs on; -p: the tool ends, having said so).
@test "abandoned: a client that executes another program with 16 streams in flight" {
	local mode
	for mode in -b -p; do
		# Each pass waits for lines in these: none left from the last.
		rm -f "$T/client.err" "$T/tool.err" "$T/out" "$T/server.out" "$T/go"
		start_server
		"$FIXTURE" client -addr "$ADDR" -conns 2 -concurrency 16 -rpcs 16 -delay 3600000 \
			-wait "$T/go" -exec /bin/sleep 3600 >"$T/truth.json" 2>"$T/client.err" &
		CLIENT_PID=$!
		wait_for "$T/client.err" "connections ready"
		if [ "$mode" = -b ]; then
			start_tool -b "$FIXTURE" -j
		else
			start_tool -p "$CLIENT_PID" -j
		fi
		touch "$T/go"
		wait_inflight 16
		kill -USR2 "$CLIENT_PID"
		wait_for "$T/tool.err" "^grpcstreams: PID $CLIENT_PID (grpcfixture) executed another program with 16 streams open: counted abandoned$" 20
		# The server's handlers see the connections go with the old program.
		wait_inflight 0
		kill -INT "$TOOL_PID" 2>/dev/null || true
		wait "$TOOL_PID"
		TOOL_PID=
		jq -s -e --argjson pid "$CLIENT_PID" '[.[] | select(.type == "abandoned")] |
			length == 16 and all(.pid == $pid and .reason == "exec")' "$T/out"
		summary | jq -e '.open == 0 and .abandoned == 16'
		kill -KILL "$CLIENT_PID"
		wait "$CLIENT_PID" || true
		CLIENT_PID=
		stop_server
	done
}

# Connections that die under a live server: grpc-go's server cancels the
# streams still on one and, when a handler's answer then fails to send,
# writes no status (server -deaf: handlers that never look at their
# context, sleeping DELAY_MS whole). Those streams end when the connection
# closes, counted abandoned ("conn_closed"), while the handlers still
# sleep; when the handlers finish later, nothing is counted again.
DEAF_MS=8000

# abandoned_closed N PID: N "abandoned" objects of PID, server side,
# reason conn_closed, in $T/out (waits 3 s at most: the interval that
# follows the close, and the grace of REAP_GRACE_NS).
abandoned_closed() {
	local i n
	for i in $(seq 30); do
		n=$(jq -s --argjson pid "$2" '[.[] | select(.type == "abandoned" and
			.pid == $pid and .side == "server" and .reason == "conn_closed")] | length' \
			"$T/out" 2>/dev/null || echo 0)
		[ "$n" -ge "$1" ] && break
		sleep 0.1
	done
	[ "$n" -eq "$1" ]
}

# open_shown N: until an "interval" object in $T/out shows N streams open
# (so that the checks after the close can see open fall to 0).
open_shown() {
	local i
	for i in $(seq 50); do
		jq -s -e --argjson n "$1" 'any(.[]; .type == "interval" and .open >= $n)' \
			"$T/out" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# closed_checks N: after the handlers finished, the tool stopped: N server
# streams abandoned for their connection, none ended, none open in the
# intervals after the one that counted them, none open at the end.
closed_checks() {
	jq -s -e '[.[] | select(.type == "stream" and .side == "server")] | length == 0' "$T/out"
	# The interval that counted the last of them: open before it (so that
	# this can fail), and 0 open in it and in every one after.
	jq -s -e '[.[] | select(.type == "interval")] as $iv |
		([$iv[].abandoned] | add) as $a |
		([range($iv | length)] | map(select(([$iv[0:(. + 1)][].abandoned] | add) == $a)) |
		 first) as $k |
		$a > 0 and any($iv[0:$k][]; .open > 0) and all($iv[$k:][]; .open == 0)' "$T/out"
	summary | jq -e --argjson n "$1" '.abandoned == $n and .open == 0 and
		.collisions.duplicate == 0'
}

@test "closed connection: the client killed, -p on the server: its streams end then, not at the handlers' end" {
	SERVER_OPTS=-deaf start_server
	start_tool -p "$SERVER_PID" -j -i 1
	"$FIXTURE" client -addr "$ADDR" -conns 2 -concurrency 32 -rpcs 32 -delay "$DEAF_MS" \
		>"$T/truth.json" 2>"$T/client.err" &
	CLIENT_PID=$!
	wait_inflight 32
	open_shown 32
	kill -KILL "$CLIENT_PID"
	wait "$CLIENT_PID" || true
	CLIENT_PID=
	abandoned_closed 32 "$SERVER_PID"
	# Before the handlers woke: the ends came from the connections' close.
	[ "$(server_inflight)" -eq 32 ]
	grep -qx "grpcstreams: PID $SERVER_PID (grpcfixture) lost a connection with 32 streams open: counted abandoned" \
		"$T/tool.err"
	wait_inflight 0
	# Two more intervals, after the handlers' failed answers.
	sleep 2.2
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	TOOL_PID=
	closed_checks 32
	summary | jq -e '.started == 32 and .ended == 0 and .abandoned == 32 and .streams == 0 and
		.probe_hits.server_close >= 2'
	# (grpc-go may close a connection twice: its reader and its writer.)
}

# closed_by_ss WHICH: both sides traced (-b), 32 RPCs held by deaf
# handlers on 2 connections, then every established connection of the pair
# destroyed by ss -K on the client's sockets (WHICH=client: dport) or the
# server's (WHICH=server: sport). The client's streams end as the client
# says (its own truth); the server's are abandoned for their connection.
closed_by_ss() {
	local sel
	SERVER_OPTS=-deaf start_server
	start_tool -b "$FIXTURE" -j -i 1
	"$FIXTURE" client -addr "$ADDR" -conns 2 -concurrency 32 -rpcs 32 -delay "$DEAF_MS" \
		-wait "$T/go" >"$T/truth.json" 2>"$T/client.err" &
	CLIENT_PID=$!
	wait_for "$T/client.err" "connections ready"
	touch "$T/go"
	wait_inflight 32
	open_shown 64
	if [ "$1" = client ]; then sel="dport = :$PORT"; else sel="sport = :$PORT"; fi
	# shellcheck disable=SC2086 # the filter is words of ss
	ss -K -t -n state established src 127.0.0.1 dst 127.0.0.1 $sel >/dev/null
	wait "$CLIENT_PID"
	CLIENT_PID_DONE=$CLIENT_PID
	CLIENT_PID=
	abandoned_closed 32 "$SERVER_PID"
	[ "$(server_inflight)" -eq 32 ]
	wait_inflight 0
	sleep 2.2
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	TOOL_PID=
	[ "$(jq .rpcs "$T/truth.json")" -eq 32 ]
	[ "$(streams client | jq -cS --argjson pid "$CLIENT_PID_DONE" 'map(select(.pid == $pid)) |
		group_by(.status) | map({key: (.[0].status | tostring), value: length}) |
		from_entries')" = "$(jq -cS .per_status "$T/truth.json")" ]
	closed_checks 32
	summary | jq -e '.started == 64 and .ended == 32 and .abandoned == 32 and .streams == 32'
}

@test "closed connection: ss -K on the client's sockets: both sides end, 0 open" {
	closed_by_ss client
}

@test "closed connection: ss -K on the server's sockets: both sides end, 0 open" {
	closed_by_ss server
}
