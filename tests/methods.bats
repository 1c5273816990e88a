#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The methods view and the NDJSON "methods": per (process, side, method),
# counts, errors and codes against the fixture client's own account, and
# percentiles against the exact values of the same run's stream objects.

load helpers

KINDS=unary,server_stream,client_stream,bidi
# Real cancels (1) and deadlines (4) too; server and client see the same code.
CODES=0,1,4,5,13,0,0

# The code names of the methods' "codes", by number.
NAMES='["OK","CANCELLED","UNKNOWN","INVALID_ARGUMENT","DEADLINE_EXCEEDED","NOT_FOUND",
	"ALREADY_EXISTS","PERMISSION_DENIED","RESOURCE_EXHAUSTED","FAILED_PRECONDITION",
	"ABORTED","OUT_OF_RANGE","UNIMPLEMENTED","INTERNAL","UNAVAILABLE","DATA_LOSS",
	"UNAUTHENTICATED"]'

setup() {
	start_server
}

teardown() {
	teardown_common
}

# trace_both TOOL_ARGS... : the tool on -b FIXTURE (both sides) while one
# client run completes (CLIENT_ARGS, or RPCS calls on 3 connections), then
# SIGINT once the server has ended every stream.
trace_both() {
	start_tool -b "$FIXTURE" "$@"
	# shellcheck disable=SC2086 # CLIENT_ARGS: words
	start_client ${CLIENT_ARGS:--conns 3 -concurrency 8 -rpcs ${RPCS:-600} -delay 2} \
		-codes "$CODES" -kinds "$KINDS"
	touch "$T/go"
	wait "$CLIENT_PID"
	# The server ends a cancelled stream a little after the client gave up.
	sleep 1
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	TOOL_PID=
}

# truth_codes SIDE: {METHOD: {CODE_NAME: N}} as the client says it did them.
truth_codes() {
	truth_per_call "$1" | jq -cS --argjson names "$NAMES" 'to_entries |
		map((.key | split(" ")) as $k | {m: $k[0], c: $names[$k[2] | tonumber], n: .value}) |
		group_by(.m) | map({key: .[0].m, value: (group_by(.c) |
			map({key: .[0].c, value: (map(.n) | add)}) | from_entries)}) | from_entries'
}

# tool_codes PID SIDE: the same from the summary's "methods".
tool_codes() {
	summary | jq -cS --argjson pid "$1" --arg side "$2" '.methods |
		map(select(.pid == $pid and .side == $side) | {key: .method, value: .codes}) |
		from_entries'
}

@test "summary methods: counts, errors and codes per side and method equal the client's" {
	trace_both -j
	[ "$(tool_codes "$CLIENT_PID" client)" = "$(truth_codes client)" ]
	[ "$(tool_codes "$SERVER_PID" server)" = "$(truth_codes server)" ]
	# Both processes, nothing else; count and errors agree with the codes.
	summary | jq -e --argjson c "$CLIENT_PID" --argjson s "$SERVER_PID" '.methods |
		length == 8 and all(.pid == $c or .pid == $s) and
		all(.count == (.codes | add) and .errors == .count - (.codes.OK // 0)) and
		(map(.count) | add) == 1200 and all(.open == 0 and .comm == "grpcfixture")'
	# The same count per method as the stream objects.
	[ "$(summary | jq -cS '.methods | map({key: "\(.pid) \(.side) \(.method)", value: .count}) |
		from_entries')" = "$(streams | jq -cS 'group_by([.pid, .side, .method]) |
		map({key: "\(.[0].pid) \(.[0].side) \(.[0].method)", value: length}) | from_entries')" ]
}

# p50, p90, p99 and max within 10 % of the exact nearest-rank values of the
# stream objects' latency_ns (the histogram's buckets promise 6.25 %).
@test "summary methods: p50, p90, p99, max within 10 % of the streams' exact values" {
	RPCS=2000 trace_both -j
	jq -s -e '
		(map(select(.type == "stream" and .latency_ns != null)) |
		 group_by([.pid, .side, .method]) |
		 map({key: "\(.[0].pid) \(.[0].side) \(.[0].method)",
		      value: (map(.latency_ns) | sort)}) | from_entries) as $lat |
		[.[] | select(.type == "summary") | .methods[] |
		 . as $m | $lat["\($m.pid) \($m.side) \($m.method)"] as $v |
		 def q($p): $v[([($p * ($v | length)) | ceil, 1] | max) - 1];
		 [$m.p50_ns, q(0.5)], [$m.p90_ns, q(0.9)], [$m.p99_ns, q(0.99)],
		 [$m.max_ns, $v[-1]]] |
		length == 32 and all(.[1] > 0 and ((.[0] - .[1]) | fabs) <= 0.1 * .[1])' "$T/out"
}

# With -j and -i, "interval" objects: they add up to the summary exactly.
@test "-j -i 1: interval objects add up to the summary's methods" {
	CLIENT_ARGS="-conns 2 -concurrency 4 -duration 2.5 -delay 2" trace_both -j -i 1
	[ "$(jq -s '[.[] | select(.type == "interval")] | length' "$T/out")" -ge 3 ]
	jq -s -e 'map(select(.type == "interval")) | all(.interval_ns > 0 and
		(.methods | type) == "array" and (.collisions | has("shadow")))' "$T/out"
	[ "$(jq -s -cS '[.[] | select(.type == "interval") | .methods[]] |
		group_by([.pid, .side, .method]) |
		map({key: "\(.[0].pid) \(.[0].side) \(.[0].method)", value: (map(.count) | add)}) |
		from_entries' "$T/out")" = "$(summary | jq -cS '.methods |
		map({key: "\(.pid) \(.side) \(.method)", value: .count}) | from_entries')" ]
	[ "$(jq -s '[.[] | select(.type == "interval") | .ended] | add' "$T/out")" -eq \
	  "$(summary | jq .ended)" ]
	# Without -i: no interval object.
	[ "$(summary | jq '.methods | map(.count) | add')" -eq $((2 * $(jq .rpcs "$T/truth.json"))) ]
}

# whole_run: the rows of the table of the whole run, as "PID SIDE COUNT
# RPC/S ERR% TOP_ERROR P50 P99 MAX OPEN METHOD".
whole_run() {
	awk '/^Whole run, / { on = 1; next } on && /^PID / { next } on && /^$/ { exit }
		on { print }' "${1:-$T/out}"
}

# The table's methods are counted in BPF (no event per stream): checked
# against the client's truth, and its percentiles against a -j tool's
# stream objects of the same run (exact nearest rank, 10 %).
@test "methods table (the default view, counted in BPF): every side and method true" {
	"$TOOL" -b "$FIXTURE" -j >"$T/json" 2>"$T/err.json" &
	local jpid=$!
	wait_for "$T/err.json" "^Tracing" 20
	trace_both -v
	kill -INT "$jpid"
	wait "$jpid"
	grep -qx "stream events received: 0; streams counted in BPF: 1200 (methods map full: 0)" \
		"$T/tool.err"
	whole_run | awk '{ print $2, $11, $7, $8, $9 }' | sort >"$T/pcts"
	OUT=$T/json streams | jq -r 'group_by([.side, .method])[] |
		(map(.latency_ns) | sort) as $v | .[0] as $s |
		def q($p): $v[([($p * ($v | length)) | ceil, 1] | max) - 1];
		"\($s.side) \($s.method) \(q(0.5) / 1e6) \(q(0.99) / 1e6) \($v[-1] / 1e6)"' |
		sort >"$T/exact"
	[ "$(wc -l <"$T/exact")" -eq 8 ]
	join -j1 <(awk '{ print $1 "/" $2, $3, $4, $5 }' "$T/pcts") \
		<(awk '{ print $1 "/" $2, $3, $4, $5 }' "$T/exact") |
		awk '{ for (i = 2; i <= 4; i++) { d = $i - $(i + 3); if (d < 0) d = -d;
			if (d > 0.1 * $(i + 3) + 0.002) bad++ } n++ }
			END { exit !(n == 8 && !bad) }'
	grep -qE '^[0-9:]{8} rpc/s [0-9.]+ errors [0-9.]+% \| started [0-9]+ ended ' "$T/out"
	grep -qE '^PID +SIDE +RPC/S +ERR% +TOP_ERROR +P50_MS +P99_MS +MAX_MS +OPEN +METHOD$' "$T/out"
	grep -qE '^PID +SIDE +COUNT +RPC/S +ERR% +TOP_ERROR +P50_MS +P99_MS +MAX_MS +OPEN +METHOD$' "$T/out"
	whole_run >"$T/rows"
	[ "$(wc -l <"$T/rows")" -eq 8 ]
	local side pid
	for side in client server; do
		[ $side = client ] && pid=$CLIENT_PID || pid=$SERVER_PID
		[ "$(awk -v s=$side -v p="$pid" '$2 == s && $1 == p { print $11, $3 }' "$T/rows" | sort)" = \
		  "$(jq -r '.per_method | to_entries[] | "\(.key) \(.value)"' "$T/truth.json" | sort)" ]
		# ERR% and TOP_ERROR from the truth's codes of each method.
		truth_codes $side | jq -r --argjson names "$NAMES" 'to_entries[] |
			(.value | add) as $n | (.value | to_entries | map(select(.key != "OK"))) as $e |
			"\(.key) \(($e | map(.value) | add // 0) * 1000 / $n | round / 10)" +
			" \($e | max_by(.value) | .value)"' | sort >"$T/want"
		awk -v s=$side '$2 == s { print $11, $5 + 0, $6 }' "$T/rows" | sort >"$T/got"
		# TOP_ERROR: any code with the most errors (ties are possible).
		while read -r m err top; do
			read -r wm werr wmax <<<"$(grep -F "$m " "$T/want")"
			awk -v a="$err" -v b="$werr" 'BEGIN { exit !((a - b) ^ 2 < 0.0101) }'
			[ "$(truth_codes $side | jq --arg m "$m" --arg c "$top" '.[$m][$c]')" = "$wmax" ]
		done <"$T/got"
	done
}

# -s KEY: the rows of the whole run in that key's order, largest first
# (name: ascending). One workload, a tool per key.
@test "-s rate|errors|p50|p99|max|name: rows in that order" {
	local k pids=()
	for k in rate errors p50 p99 max name; do
		"$TOOL" -b "$FIXTURE" -s $k -r 100 >"$T/out.$k" 2>"$T/err.$k" &
		pids+=($!)
		wait_for "$T/err.$k" "^Tracing" 20
	done
	start_client -conns 2 -concurrency 6 -rpcs 900 -delay 1 -codes "$CODES" \
		-kinds unary,unary,server_stream,bidi
	touch "$T/go"
	wait "$CLIENT_PID"
	sleep 1
	kill -INT "${pids[@]}"
	wait "${pids[@]}"
	# The column of each key (3: COUNT), compared as numbers, descending.
	whole_run "$T/out.rate" | awk '{ print $3 }' | sort -c -n -r
	whole_run "$T/out.errors" | awk '{ printf "%d\n", $3 * $5 / 100 + 0.5 }' | sort -c -n -r
	whole_run "$T/out.p50" | awk '{ print $7 }' | sort -c -g -r
	whole_run "$T/out.p99" | awk '{ print $8 }' | sort -c -g -r
	whole_run "$T/out.max" | awk '{ print $9 }' | sort -c -g -r
	whole_run "$T/out.name" | awk '{ print $11 }' | LC_ALL=C sort -c
	# Not sorted by accident: the keys disagree on this workload.
	[ "$(whole_run "$T/out.rate" | awk '{ print $11 }')" != \
	  "$(whole_run "$T/out.name" | awk '{ print $11 }')" ]
	[ "$(whole_run "$T/out.rate" | wc -l)" -eq 6 ]
}

@test "-o streams: the slowest streams, as before" {
	start_client -conns 1 -concurrency 2 -rpcs 40 -delay 2
	start_tool -p "$CLIENT_PID" -o streams -d 2 -r 5
	touch "$T/go"
	wait "$TOOL_PID"
	TOOL_PID=
	grep -qE '^PID +SIDE +CONN +SID +STATE +LAT/AGE_MS +STATUS +METHOD$' "$T/out"
	[ "$(grep -c '^Whole run' "$T/out")" -eq 0 ]
	grep -qE '^Total: streams 40 started 40 ' "$T/out"
}

# Filters, one workload, a tool per filter, each against the client's truth:
# -S server, -x (failed), -M GLOB, -m 50 (deadline-exceeded calls take 150 ms
# here, the others about 2 ms), and a streams table with -x -S client.
@test "filters -S, -x, -M, -m: stream objects, methods and tables hold only what passes" {
	local pids=() f
	"$TOOL" -b "$FIXTURE" -j -S server >"$T/out.server" 2>"$T/err.server" &
	pids+=($!)
	"$TOOL" -b "$FIXTURE" -j -x >"$T/out.failed" 2>"$T/err.failed" &
	pids+=($!)
	"$TOOL" -b "$FIXTURE" -j -M '*/Un?ry' >"$T/out.glob" 2>"$T/err.glob" &
	pids+=($!)
	"$TOOL" -b "$FIXTURE" -j --min-ms 50 >"$T/out.slow" 2>"$T/err.slow" &
	pids+=($!)
	"$TOOL" -b "$FIXTURE" -x -S client -o streams -r 1000 >"$T/out.table" 2>"$T/err.table" &
	pids+=($!)
	for f in server failed glob slow table; do
		wait_for "$T/err.$f" "^Tracing" 20
	done
	start_client -conns 2 -concurrency 8 -rpcs 700 -delay 2 -codes "$CODES" -kinds "$KINDS"
	touch "$T/go"
	wait "$CLIENT_PID"
	sleep 1
	kill -INT "${pids[@]}"
	wait "${pids[@]}"
	local rpcs failed unary slow
	rpcs=$(jq .rpcs "$T/truth.json")
	failed=$(jq '[.per_status | to_entries[] | select(.key != "0") | .value] | add' "$T/truth.json")
	unary=$(jq '.per_method["/fixture.Test/Unary"]' "$T/truth.json")
	slow=$(jq '.per_status["4"]' "$T/truth.json")
	[ "$failed" -gt 0 ]
	[ "$unary" -gt 0 ]
	[ "$slow" -gt 0 ]
	# -S server: the server's streams, all of them; the server's methods only.
	OUT=$T/out.server
	[ "$(streams | jq length)" -eq "$rpcs" ]
	[ "$(streams server | jq length)" -eq "$rpcs" ]
	summary | jq -e '.methods | length == 4 and all(.side == "server")'
	[ "$(jq -s '[.[] | select(.type == "collision" and .side != "server")] | length' "$OUT")" -eq 0 ]
	# -x: every failed stream of both sides, nothing else.
	OUT=$T/out.failed
	[ "$(streams | jq length)" -eq $((2 * failed)) ]
	streams | jq -e 'all(.error and .status != 0)'
	summary | jq -e --argjson n $((2 * failed)) '(.methods | map(.count) | add) == $n and
		all(.methods[]; .codes.OK == null and .errors == .count) and .streams == $n'
	# -M '*/Un?ry': the Unary calls of both sides.
	OUT=$T/out.glob
	[ "$(streams | jq length)" -eq $((2 * unary)) ]
	streams | jq -e 'all(.method == "/fixture.Test/Unary")'
	summary | jq -e '.methods | length == 2 and all(.method == "/fixture.Test/Unary")'
	# --min-ms 50: the deadline-exceeded ones (150 ms), both sides.
	OUT=$T/out.slow
	[ "$(streams | jq length)" -eq $((2 * slow)) ]
	streams | jq -e 'all(.status == 4 and .latency_ns >= 50000000)'
	# The table: client rows, all failed; the client's failed calls all shown.
	OUT=
	awk '$2 == "client" || $2 == "server"' "$T/out.table" >"$T/rows"
	[ "$(awk '$2 == "client" && $6 == "done" && $8 != 0' "$T/rows" | wc -l)" -eq "$failed" ]
	[ "$(wc -l <"$T/rows")" -eq "$failed" ]
}

@test "filters: bad values refused in one line" {
	run "$TOOL" -p 1 -S both
	[ "$status" -eq 64 ]
	[ "${lines[0]}" = "grpcstreams: invalid side: 'both' (expected client or server)" ]
	run "$TOOL" -p 1 -m -3
	[ "$status" -eq 64 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == "grpcstreams: invalid minimum latency: '-3' "* ]]
}

# -H: a log2 histogram (usecs) per method at exit, funclatency's format,
# against a -j tool on the same workload: counts per method exact, each
# bucket's count as the stream objects' latencies fall (a stream's latency
# as two tools see it can differ by microseconds: 1 % slack at a boundary).
@test "-H: a log2 histogram per method, true to the streams" {
	local jpid hpid m n
	"$TOOL" -b "$FIXTURE" -j -S client >"$T/out" 2>"$T/err.json" &
	jpid=$!
	"$TOOL" -b "$FIXTURE" -H -S client -i 100 >"$T/hist.out" 2>"$T/err.hist" &
	hpid=$!
	wait_for "$T/err.json" "^Tracing" 20
	wait_for "$T/err.hist" "^Tracing" 20
	start_client -conns 2 -concurrency 4 -rpcs 600 -delay 2 -kinds unary,bidi,server_stream
	touch "$T/go"
	wait "$CLIENT_PID"
	sleep 0.5
	kill -INT "$hpid" "$jpid"
	wait "$hpid" "$jpid"
	# One histogram per method, under a line with its count and percentiles.
	[ "$(grep -cE '^PID [0-9]+ client /fixture\.Test/[A-Za-z]+: count [0-9]+, p50 [0-9.]+ ms, p90 [0-9.]+ ms, p99 [0-9.]+ ms$' \
		"$T/hist.out")" -eq 3 ]
	[ "$(grep -c '^     usecs               : count    distribution$' "$T/hist.out")" -eq 3 ]
	for m in Unary Bidi ServerStream; do
		n=$(jq --arg m "/fixture.Test/$m" '.per_method[$m]' "$T/truth.json")
		grep -q "^PID [0-9]* client /fixture.Test/$m: count $n," "$T/hist.out"
		# Its rows, "LOW -> HIGH : COUNT |***|", as "LOW COUNT".
		awk -v m="/fixture.Test/$m:" '$4 == m { on = 1; next } on && /->/ { print $1, $5; next }
			on && !/usecs/ { exit }' "$T/hist.out" >"$T/hist.$m"
		[ "$(awk '{ n += $2 } END { print n }' "$T/hist.$m")" -eq "$n" ]
		streams | jq -r --arg m "/fixture.Test/$m" '.[] | select(.method == $m) |
			(.latency_ns / 1000 | floor) as $us |
			if $us < 2 then 0 else ($us | log2 | floor | pow(2; .)) end' |
			sort -n | uniq -c | awk '{ print $2, $1 }' >"$T/want.$m"
		[ "$(awk '{ n += $2 } END { print n }' "$T/want.$m")" -eq "$n" ]
		# Every bucket as the streams fall, within 1 % of them (or 1).
		join -a1 -a2 -e 0 -o 0,1.2,2.2 <(sort "$T/hist.$m") <(sort "$T/want.$m") |
			awk -v n="$n" '{ d = $2 - $3; if (d < 0) d = -d;
				if (d > 1 && d > 0.01 * n) bad++ } END { exit bad > 0 }'
	done
}

@test "-H with -j: refused in one line" {
	run "$TOOL" -p 1 -H -j
	[ "$status" -eq 64 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == "grpcstreams: -H prints tables: not with -j "* ]]
}

# The connections: streams per connection (the client's per_conn, on both
# sides), highest stream id, and shadow collisions with which connection,
# against the same run's stream and collision objects.
@test "summary conns and -o conns: per connection streams, max id, shadows and with whom" {
	trace_both -j
	local side
	for side in client server; do
		[ "$(summary | jq -c --arg s $side '[.conns[] | select(.side == $s) | .streams] | sort')" = \
		  "$(jq -c '[.per_conn[] | select(. > 0)] | sort' "$T/truth.json")" ]
	done
	# Each connection as its stream and collision objects have it.
	[ "$(summary | jq -cS '[.conns[] | {key: "\(.pid) \(.side) \(.conn)",
		value: [.streams, .max_stream_id, .shadow,
			(.shadow_with | map({key: .conn, value: .n}) | from_entries)]}] | from_entries')" = \
	  "$(jq -s -cS '(map(select(.type == "collision" and .kind == "shadow")) |
			group_by("\(.pid) \(.side) \(.conn)") |
			map({key: "\(.[0].pid) \(.[0].side) \(.[0].conn)", value: .}) | from_entries) as $c |
		[.[] | select(.type == "stream")] | group_by("\(.pid) \(.side) \(.conn)") |
		map({key: "\(.[0].pid) \(.[0].side) \(.[0].conn)",
		     value: [length, (map(.stream_id) | max),
			     (($c[.[0] | "\(.pid) \(.side) \(.conn)"] // []) | length),
			     (($c[.[0] | "\(.pid) \(.side) \(.conn)"] // []) | group_by(.other_conn) |
			      map({key: .[0].other_conn, value: length}) | from_entries)]}) |
		from_entries' "$T/out")" ]
	# There were shadows to check (three connections, eight workers).
	[ "$(summary | jq '.collisions.shadow')" -gt 0 ]
	[ "$(summary | jq '[.conns[].shadow] | add')" -eq "$(summary | jq '.collisions.shadow')" ]
}

@test "-o conns: the table of connections, the whole run's streams per connection true" {
	trace_both -o conns
	grep -qE '^PID +SIDE +CONN +PEER +STREAMS +OPEN +MAX_SID +SHADOW +SHADOW_WITH$' "$T/out"
	whole_run >"$T/rows"
	[ "$(wc -l <"$T/rows")" -eq 6 ]
	local side
	for side in client server; do
		[ "$(awk -v s=$side '$2 == s { print $5 }' "$T/rows" | sort -n | paste -sd' ')" = \
		  "$(jq -r '[.per_conn[] | select(. > 0)] | sort | map(tostring) | join(" ")' "$T/truth.json")" ]
	done
	# Connections by number, peers on loopback.
	awk '{ if ($3 !~ /^#[0-9]+$/ || $4 !~ /^127\.0\.0\.1:[0-9]+$/) bad++ } END { exit bad > 0 }' "$T/rows"
}

# many_methods N: $T/methods, N distinct method names, one a line.
many_methods() {
	seq -f '"/fixture.Many/m%05g"' "$1" >"$T/methods"
}

# trace_many TOOL_ARGS...: the tool on -b FIXTURE (both sides) while a client
# calls each of $T/methods once, then SIGINT once every stream has ended.
trace_many() {
	start_tool -b "$FIXTURE" "$@"
	start_client -conns 2 -concurrency 16 -rpcs "$(wc -l <"$T/methods")" \
		-methodfile "$T/methods"
	touch "$T/go"
	wait "$CLIENT_PID"
	sleep 1.5
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	TOOL_PID=
}

@test "5000 distinct methods: every call in a method row, tables grown past 4096" {
	many_methods 5000
	trace_many -j
	[ "$(jq .rpcs "$T/truth.json")" -eq 5000 ]
	summary | jq -e '.ended == 10000 and .methods_dropped == 0 and .conns_dropped == 0 and
		(.methods | length) == 10000 and ([.methods[].count] | add) == 10000'
	# Per method and side: the client's own count (1 each).
	[ "$(summary | jq -cS '[.methods[] | select(.side == "client") | {key: .method, value: .count}]
		| from_entries')" = "$(jq -cS .per_method "$T/truth.json")" ]
}

@test "5000 distinct methods past a row cap: rows plus methods_dropped add up to every call" {
	many_methods 5000
	trace_many -j -i 1 --max-rows 3000
	summary | jq -e '.ended == 10000 and (.methods | length) == 3000 and
		.methods_dropped > 0 and ([.methods[].count] | add) + .methods_dropped == .ended'
	# The intervals' drops add up to the summary's.
	[ "$(jq -s '[.[] | select(.type == "interval") | .methods_dropped] | add' "$T/out")" -eq \
		"$(summary | jq .methods_dropped)" ]
	[ "$(jq -s '[.[] | select(.type == "interval") | .methods_dropped] | max' "$T/out")" -gt 0 ]
}

@test "5000 distinct methods past a row cap, counted in BPF: the Total: line adds up" {
	many_methods 5000
	trace_many -i 1 -C -r 10000 --max-rows 3000 -v
	# The whole run's rows (PID SIDE COUNT ...) plus the drops: every stream ended.
	read -r ended dropped < <(sed -nE 's/^Total: streams ([0-9]+) .*\| dropped ([0-9]+) \(methods ([0-9]+) conns 0\).*/\1 \3/p' "$T/out")
	[ "$ended" -eq 10000 ]
	rows=$(sed -n '/^Whole run, /,/^Total: /p' "$T/out" | awk '$2 == "client" || $2 == "server" { n += $3 } END { print n }')
	[ "$((rows + dropped))" -eq "$ended" ]
	[ "$dropped" -gt 0 ]
	# An interval's first line said so too, and -v once why.
	grep -qE '^[0-9:]{8} rpc/s .* \| dropped [0-9]+ \(methods [0-9]+ conns 0\)$' "$T/out"
	[ "$(grep -c 'the methods table is full (3000 rows' "$T/tool.err")" -eq 1 ]
}
