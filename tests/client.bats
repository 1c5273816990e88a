#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Client streams of a real grpc-go client, traced with the real tool, compared
# with what the client itself says it did (its JSON on exit).

load helpers

setup() {
	start_server
}

teardown() {
	teardown_common
}

# check_counts: stream objects per connection (as a multiset), per method and
# per status equal the client's ground truth; every line is JSON.
check_counts() {
	local n
	n=$(wc -l <"$T/out")
	[ "$n" -gt 0 ]
	[ "$(jq -c . "$T/out" | wc -l)" -eq "$n" ]
	[ "$(streams "${SIDE:-}" | jq length)" -eq "$(jq .rpcs "$T/truth.json")" ]
	[ "$(streams "${SIDE:-}" | jq -c '[group_by(.conn)[] | length] | sort')" = \
	  "$(jq -c '[.per_conn[] | select(. > 0)] | sort' "$T/truth.json")" ]
	[ "$(streams "${SIDE:-}" | jq -cS 'group_by(.method) | map({key: .[0].method, value: length}) | from_entries')" = \
	  "$(jq -cS .per_method "$T/truth.json")" ]
	[ "$(streams "${SIDE:-}" | jq -cS 'group_by(.status) | map({key: (.[0].status | tostring), value: length}) | from_entries')" = \
	  "$(jq -cS .per_status "$T/truth.json")" ]
}

# check_keys: no (conn, stream id) twice, and on every connection the ids
# are exactly 1, 3, 5, ... as HTTP/2 assigns them to client streams.
check_keys() {
	[ "$(streams "${SIDE:-}" | jq '[.[] | [.conn, .stream_id]] | unique | length')" -eq \
	  "$(streams "${SIDE:-}" | jq length)" ]
	streams "${SIDE:-}" | jq -e 'group_by(.conn) | all(map(.stream_id) | sort |
		. == [range(0; length) | 2 * . + 1])'
	[ "$(summary | jq .collisions.duplicate)" -eq 0 ]
	[ "$(jq -s '[.[] | select(.type == "collision" and .kind == "duplicate")] | length' "$T/out")" -eq 0 ]
}

@test "4 connections x 32 workers x 20000 RPCs: every stream, per connection" {
	trace_client -conns 4 -concurrency 32 -rpcs 20000
	check_counts
	check_keys
	local pid
	pid=$(jq .pid "$T/truth.json")
	# Without -F: no kind and no entry-time nextID.
	streams "${SIDE:-}" | jq -e --argjson pid "$pid" --arg peer "127.0.0.1:$PORT" \
		'all(.pid == $pid and .side == "client" and .peer == $peer and
		     .comm == "grpcfixture" and .kind == null and .entry_next_id == null and
		     .latency_ns > 0)'
	[ "$(summary | jq .streams)" -eq 20000 ]
	[ "$(summary | jq .started)" -eq 20000 ]
	[ "$(summary | jq .open)" -eq 0 ]
	[ "$(summary | jq .lost_events)" -eq 0 ]
	[ "$(summary | jq .collisions.nextid_race)" = null ]
	# Two probe hits per RPC: NewStream's return, and the RPC's own call of
	# closeStream (not the reader goroutine's); nothing at the entries.
	summary | jq -e '.probe_hits | .newstream_return == 20000 and .closestream == 20000 and
		.newstream_entry == 0 and .client_kind == 0 and .caller_site_other_call == 0'
	# Four connections in use at once: ids repeat across them, and each
	# collision names a connection with a stream of that id live.
	check_shadows
}

@test "-F: kind, entry-time nextID and latency from NewStream's entry" {
	TOOL_OPTS=-F trace_client -conns 4 -concurrency 32 -rpcs 5000
	check_counts
	check_keys
	streams "${SIDE:-}" | jq -e 'all(.kind == "unary" and .latency_ns > 0 and
		(.entry_next_id | type) == "number")'
	[ "$(summary | jq .open)" -eq 0 ]
	[ "$(summary | jq .lost_events)" -eq 0 ]
	# A stack-growth re-entry must not start a stream twice.
	summary | jq -e '.probe_hits | .newstream_entry == 5000 and .client_kind == 5000 and
		.newstream_return == 5000 and .closestream == 5000'
}

@test "one connection, 8 workers: no shadow collision" {
	trace_client -conns 1 -concurrency 8 -rpcs 3000
	check_counts
	check_keys
	[ "$(summary | jq .collisions.shadow)" -eq 0 ]
}

@test "one worker: the entry-time nextID is always right" {
	TOOL_OPTS=-F trace_client -conns 2 -concurrency 1 -rpcs 500
	check_counts
	check_keys
	[ "$(summary | jq .collisions.nextid_race)" -eq 0 ]
	streams "${SIDE:-}" | jq -e 'all(.entry_next_id == .stream_id)'
}

# The tool's collision objects agree with its own stream objects (a check of
# consistency only: how many races there must be is asserted against the
# workload by "-F: nextid_race exactly the calls queued for stream quota").
@test "nextid_race events are exactly the streams whose entry nextID was wrong" {
	TOOL_OPTS=-F trace_client -conns 2 -concurrency 32 -rpcs 5000
	check_counts
	local wrong
	wrong=$(streams "${SIDE:-}" | jq '[.[] | select(.entry_next_id != .stream_id)] | length')
	[ "$(summary | jq .collisions.nextid_race)" -eq "$wrong" ]
	[ "$(jq -s '[.[] | select(.type == "collision" and .kind == "nextid_race")] | length' "$T/out")" -eq "$wrong" ]
	jq -s -e '[.[] | select(.type == "collision" and .kind == "nextid_race")] |
		all(.entry_next_id != .stream_id)' "$T/out"
}

@test "every latency is at least the injected server delay" {
	trace_client -conns 2 -concurrency 8 -rpcs 200 -delay 30
	check_counts
	streams "${SIDE:-}" | jq -e 'all(.latency_ns >= 30000000)'
}

@test "status codes the server returned, per code" {
	trace_client -conns 3 -concurrency 12 -rpcs 1200 -codes 0,1,3,5,7,13,14,16
	check_counts
	check_keys
	streams "${SIDE:-}" | jq -e 'all((.status == 0) == (.error == false))'
}

@test "-d ends a capture, leaves the traced client running" {
	# A client that runs until stopped: how long the tool takes to start
	# (a loaded machine, a sanitized build) cannot make it end first.
	start_client -conns 2 -concurrency 4 -duration 3600
	touch "$T/go"
	run timeout 60 "$TOOL" -p "$CLIENT_PID" -j -d 2
	[ "$status" -eq 0 ]
	echo "$output" | tail -n 1 | jq -e '.type == "summary" and .streams > 0'
	# Detached, the client goes on: its own count of RPCs still grows.
	local a b
	a=$(client_progress)
	for _ in $(seq 100); do
		b=$(client_progress)
		[ "$b" -gt "$a" ] && break
		sleep 0.1
	done
	[ "$b" -gt "$a" ]
	kill -0 "$CLIENT_PID"
	kill "$CLIENT_PID"
	wait "$CLIENT_PID" || true
	CLIENT_PID=
	# Nothing went wrong in the client meanwhile (it would have said so).
	run grep -ci 'error\|panic' "$T/client.err"
	[ "$output" = 0 ]
}

@test "SIGINT and SIGTERM end it cleanly with a summary" {
	local sig
	for sig in INT TERM; do
		start_client -conns 1 -concurrency 2 -duration 30
		touch "$T/go"
		start_tool -p "$CLIENT_PID" -j
		sleep 0.5
		kill -s "$sig" "$TOOL_PID"
		wait "$TOOL_PID"
		tail -n 1 "$T/out" | jq -e '.type == "summary" and .streams > 0'
		kill "$CLIENT_PID"
		wait "$CLIENT_PID" || true
	done
}

@test "table: header, rows, totals; no escape codes into a pipe" {
	start_client -conns 2 -concurrency 4 -rpcs 400 -delay 5
	start_tool -p "$CLIENT_PID" -o streams -i 1 -r 5
	touch "$T/go"
	wait "$CLIENT_PID"
	timeout 30 tail --pid="$TOOL_PID" -f /dev/null
	grep -E '^PID +SIDE +CONN +SID +STATE +LAT/AGE_MS +STATUS +METHOD$' "$T/out"
	grep -E '^[0-9]+ +client +#[0-9]+ 127\.0\.0\.1:[0-9]+ +[0-9]+ +done +[0-9.]+ +0 /fixture\.Test/Unary$' "$T/out"
	# nextid_race is not measured without -F.
	grep -E '^Total: streams 400 started 400 open 0 abandoned 0 \| shadow [0-9]+ nextid_race - duplicate 0 \| lost 0 full 0$' "$T/out"
	# -r 5: at most five rows under any header.
	[ "$(awk '/^PID/ {n = 0; next} /^[0-9]+ / {n++; if (n > m) m = n} END {print m}' "$T/out")" -le 5 ]
	[ "$(grep -c $'\033' "$T/out")" -eq 0 ]
}

@test "streams still open when the tool stops are reported open" {
	start_client -conns 1 -concurrency 4 -rpcs 4 -delay 4000
	start_tool -p "$CLIENT_PID" -o streams -d 2 -r 10
	touch "$T/go"
	wait "$TOOL_PID"
	grep -E '^Total: streams 0 started 4 open 4 ' "$T/out"
	[ "$(grep -cE '^[0-9]+ +client +#1 127\.0\.0\.1:[0-9]+ +[0-9]+ +open +[0-9.]+ +- /fixture\.Test/Unary$' "$T/out")" -ge 4 ]
}

# Kernels before 6.6 have no uprobe_multi links: a perf event per site.
@test "--no-uprobe-multi: a perf-event uprobe per site, every stream" {
	TOOL_OPTS="--no-uprobe-multi -v" trace_client -conns 4 -concurrency 32 -rpcs 5000
	# The path was the one asked for: a perf event per site, each one listed.
	grep -qx 'uprobes: a perf event per site' "$T/tool.err"
	[ "$(grep -c '^probe newstream_return: ' "$T/tool.err")" -ge 1 ]
	[ "$(grep -c '^probe closestream: ' "$T/tool.err")" -ge 1 ]
	check_counts
	check_keys
	summary | jq -e '.open == 0 and .lost_events == 0 and
		.probe_hits.newstream_return == 5000 and .probe_hits.closestream == 5000'
}

# A stream whose slot in the BPF live-stream table is held by another goes
# to a hash map instead: with one slot, most of them do.
@test "--live-slots 1: streams whose slot is taken are still every stream" {
	TOOL_OPTS="--live-slots 1" trace_client -conns 4 -concurrency 32 -rpcs 5000
	check_counts
	check_keys
	[ "$(summary | jq .open)" -eq 0 ]
	[ "$(summary | jq .lost_events)" -eq 0 ]
	check_shadows
}

@test "--live-slots 2: open streams, in the table and in the hash map" {
	start_client -conns 1 -concurrency 6 -rpcs 6 -delay 4000
	start_tool -p "$CLIENT_PID" -d 2 -r 10 --live-slots 2
	touch "$T/go"
	wait "$TOOL_PID"
	grep -E '^Total: streams 0 started 6 open 6 .* duplicate 0 ' "$T/out"
}

@test "-b traces a process started after the tool" {
	T=$BATS_TEST_TMPDIR
	start_tool -b "$FIXTURE" -j -d 60
	start_client -conns 2 -concurrency 8 -rpcs 2000
	touch "$T/go"
	wait "$CLIENT_PID"
	sleep 0.5
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	# The server runs the same binary: its streams are the server side.
	SIDE=client
	check_counts
	check_keys
	streams "${SIDE:-}" | jq -e --argjson pid "$(jq .pid "$T/truth.json")" 'all(.pid == $pid)'
}

# gRPC over a unix socket: the peer is a *net.UnixAddr, told by its type
# (the itab's hash), never read as a TCP address. A 16-byte path is what a
# TCP-only reader took for an IPv6 address ([2f74:6d70:...]:4, the path's
# bytes); 16 bytes is also the most a stream carries itself.
@test "unix socket, 16-byte path: every stream, peer unix:PATH" {
	stop_server
	short_dir
	local sock=$SHORT_DIR/ab
	[ "${#sock}" -eq 16 ]
	start_server "unix:$sock"
	trace_client -conns 3 -concurrency 12 -rpcs 3000
	check_counts
	check_keys
	streams "${SIDE:-}" | jq -e --arg peer "unix:$sock" \
		'all(.side == "client" and .peer == $peer and .latency_ns > 0)'
	summary | jq -e '.open == 0 and .lost_events == 0 and .collisions.duplicate == 0'
}

# A longer path than a stream carries: from the tool's per-connection table.
@test "unix socket, 100-byte path: every stream, peer unix:PATH" {
	stop_server
	short_dir
	local sock
	sock=$SHORT_DIR/$(printf 'p%.0s' $(seq 86))
	[ "${#sock}" -eq 100 ]
	start_server "unix:$sock"
	trace_client -conns 2 -concurrency 8 -rpcs 2000
	check_counts
	check_keys
	streams "${SIDE:-}" | jq -e --arg peer "unix:$sock" 'all(.peer == $peer)'
	summary | jq -e '.open == 0 and .lost_events == 0'
}

# Shadow collisions against an independent record: the client reads its
# own connections' HTTP/2 frames (client -record, tests/fixture). Held
# streams, in phases separated by barriers, so that no start or end of an
# id falls near another of the same id: the record is exact (no ambiguous
# case) and the tool's collisions must be exactly its collisions, each
# with the same stream and another connection on which the id was live.
@test "held streams in phases: shadow collisions exactly the client's own record" {
	trace_client -conns 4 -concurrency 16 -shadow-phases 4
	check_counts
	check_keys
	jq -e '.record.shadow_ambiguous == 0 and .record.shadow_certain > 0' "$T/truth.json"
	[ "$(summary | jq .collisions.shadow)" -eq "$(jq .record.shadow_certain "$T/truth.json")" ]
	check_record_shadows
}

# A busy run, where the record cannot place every start and end: the
# tool's count within [certain, certain + ambiguous], every collision one
# the record allows, every certain one there.
@test "busy connections: shadow collisions within the client's own record" {
	trace_client -conns 4 -concurrency 32 -rpcs 4000 -record
	check_counts
	check_keys
	jq -e '.record.shadow_certain > 0' "$T/truth.json"
	check_record_shadows
}

# nextid_race where the workload makes it certain: one stream per
# connection allowed (server -max-streams 1), one held open, 8 calls
# queued behind it on each connection, all seen inside NewStream (past the
# entry where -F reads nextID) before the held stream is released, and
# (the client's frames) none of their HEADERS written before. Each read
# nextID 5 (ids 1 and 3 went to a first RPC and the held stream); one per
# connection gets 5, the 7 others 7 to 19.
@test "-F: nextid_race exactly the calls queued for stream quota" {
	stop_server
	SERVER_OPTS="-max-streams 1" start_server
	TOOL_OPTS=-F trace_client -conns 2 -nextid-queue 8 -record
	check_counts
	check_keys
	jq -e '.nextid_queued == 16 and .nextid_race_expected == 14 and
		.nextid_headers_before_release == 0' "$T/truth.json"
	[ "$(summary | jq .collisions.nextid_race)" -eq "$(jq .nextid_race_expected "$T/truth.json")" ]
	jq -s -e '[.[] | select(.type == "collision" and .kind == "nextid_race")] |
		length == 14 and all(.entry_next_id == 5 and .stream_id > 5 and .stream_id <= 19) and
		(group_by(.conn) | map(length) == [7, 7])' "$T/out"
	streams "${SIDE:-}" | jq -e '[.[] | select(.entry_next_id != .stream_id)] | length == 14'
}
