#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Command line: help, bad options and bad targets get one clear line on
# stderr and a non-zero exit, and leave no BPF program behind.

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
	PROG_ID0=$(prog_id_now)
}

teardown() {
	[ -n "${VICTIM:-}" ] && kill "$VICTIM" 2>/dev/null
	teardown_common
}

# Our BPF programs' names (the kernel keeps 15 bytes of each).
OUR_PROGS='^(newstream_|closestream|client_kind|server_(start|end|kind)|proc_exit|proc_exec|gen_events)'

# The newest BPF program id now: what a run of the tool may add comes after.
prog_id_now() {
	bpftool prog show -j 2>/dev/null | jq '[.[].id] | max // 0'
}

# no_probes_left: nothing of ours stays in the kernel once the tool is gone.
# A program of ours made since setup() (id above PROG_ID0) that no process
# holds a file descriptor of is a leak: the tool's all died with it, and
# another grpcstreams running meanwhile holds its own. The kernel frees a
# closed program after an RCU grace period: a few seconds are allowed. No
# tracefs uprobe_events line may name a fixture either (the tool makes none:
# perf events and uprobe_multi links only).
no_probes_left() {
	local ev ids held id i leaked
	for ev in /sys/kernel/tracing/uprobe_events /sys/kernel/debug/tracing/uprobe_events; do
		if [ -r "$ev" ] && grep -q grpcfixture "$ev"; then
			return 1
		fi
	done
	for i in $(seq 50); do
		ids=$(bpftool prog show -j 2>/dev/null | jq -r --argjson id0 "$PROG_ID0" \
			--arg re "$OUR_PROGS" '.[] | select(.id > $id0 and ((.name // "") | test($re))) | .id')
		held=" $(grep -h '^prog_id:' /proc/[0-9]*/fdinfo/* 2>/dev/null | awk '{print $2}' |
			sort -u | tr '\n' ' ') "
		leaked=
		for id in $ids; do
			[[ $held == *" $id "* ]] || leaked="$leaked $id"
		done
		[ -z "$leaked" ] && return 0
		sleep 0.1
	done
	echo "BPF programs of ours left, held by no process:$leaked" >&2
	return 1
}

# refuses PATTERN ARGS...: non-zero exit, first stderr line matches, nothing
# on stdout, nothing left loaded.
refuses() {
	local pat=$1
	shift
	"$TOOL" "$@" >"$T/o" 2>"$T/e" && return 1
	[ ! -s "$T/o" ] || { cat "$T/o"; return 1; }
	head -n 1 "$T/e" | grep -E "$pat" || { cat "$T/e"; return 1; }
	no_probes_left
}

@test "--help and -h: usage, examples, every option" {
	local h
	for h in --help -h; do
		run "$TOOL" "$h"
		[ "$status" -eq 0 ]
		[[ "$output" == *"USAGE:"* ]]
		[[ "$output" == *"EXAMPLES:"* ]]
		for o in --pid --binary --json --duration --interval --rows --noclear --full --verbose; do
			[[ "$output" == *"$o"* ]]
		done
	done
}

@test "bad options: one line, exit status 64 (EX_USAGE)" {
	local args
	while IFS= read -r args; do
		# shellcheck disable=SC2086
		run "$TOOL" $args
		[ "$status" -eq 64 ] || { echo "$args: $status"; return 1; }
		[[ "${lines[0]}" == *grpcstreams:* ]]
	done <<-EOF2
		-p 1 -d 0
		-p 1 -d abc
		-p 1 -d 5x
		-p 1 -i -1
		-p 1 -r 0
		-p 0
		-p abc
		-p 99999999999
		-p 1 -b /bin/true
		-j -c
		--dump-layout
		-p 1 extra
		--no-such-option
		-p 1 -o table
		-p 1 --view=
		-p 1 -s fastest
		-p 1 --sort P99
	EOF2
	run "$TOOL" -p 1 -d abc
	[ "${#lines[@]}" -eq 1 ]
	[ "${lines[0]}" = "grpcstreams: invalid duration: 'abc' (expected 1..2147483647)" ]
	run "$TOOL" -p 1 -s fastest
	[ "$status" -eq 64 ]
	[ "${lines[0]}" = "grpcstreams: invalid sort key: 'fastest' (expected rate, errors, p50, p99, max, open or name)" ]
	run "$TOOL" -p 1 -o table
	[ "${lines[0]}" = "grpcstreams: invalid view: 'table' (expected methods, streams or conns)" ]
}

@test "no such process" {
	local pid
	sh -c 'exit 0' &
	pid=$!
	wait "$pid"
	refuses "^grpcstreams: no such process: $pid\$" -p "$pid"
}

@test "a process that is not a Go program" {
	sleep 60 &
	VICTIM=$!
	refuses "not a Go program" -p "$VICTIM"
	kill -0 "$VICTIM"
}

@test "a Go program without grpc-go" {
	"$GOHELLO" >/dev/null &
	VICTIM=$!
	refuses "not a grpc-go program" -p "$VICTIM"
	refuses "not a grpc-go program" -b "$GOHELLO"
	kill -0 "$VICTIM"
}

@test "a stripped binary relabelled to an unknown release: traced when its code agrees with a layout" {
	local stripped=$ROOT/.output/fix/$GRPC_VERSION-stripped/grpcfixture
	# The same program, claiming a grpc-go release the table does not have:
	# its user agent string is the only version record of a GOPATH build.
	sed "s|grpc-go/$GRPC_VERSION|grpc-go/1.99.0|g" "$stripped" >"$T/future"
	chmod +x "$T/future"
	grep -qa "grpc-go/1.99.0" "$T/future"
	[ "$(grep -ca "grpc-go/$GRPC_VERSION" "$T/future")" -eq 0 ]
	FIXTURE=$T/future
	start_server
	start_tool -b "$FIXTURE" -j -v
	# One line says why a layout of another release is used.
	grep -E "^grpcstreams: $T/future: grpc-go 1\.99\.0 is not in the layout table; its code agrees with the layout of [0-9.]+( \\.\\.\\. [0-9.]+)?: using that$" "$T/tool.err"
	[ "$(grep -c '^grpcstreams:' "$T/tool.err")" -eq 1 ]
	grep -q "^layout: table entry .*, confirmed by the binary's code" "$T/tool.err"
	start_client -conns 2 -concurrency 8 -rpcs 300 -codes 0,5,0
	touch "$T/go"
	wait "$CLIENT_PID"
	wait_streams 600
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	[ "$(streams client | jq length)" -eq 300 ]
	[ "$(streams client | jq -c '[group_by(.conn)[] | length] | sort')" = \
	  "$(jq -c '[.per_conn[] | select(. > 0)] | sort' "$T/truth.json")" ]
	[ "$(per_call client)" = "$(truth_per_call client-nokind)" ]
	[ "$(streams server | jq length)" -eq 300 ]
	[ "$(per_call server)" = "$(truth_per_call server)" ]
}

@test "a stripped binary whose version string lies (a patched fork): its code picks the layout" {
	# grpc-go 1.64.0's code, claiming to be the system's release: the
	# table's layout for that release is contradicted, 1.64.0's is not.
	local stripped=$ROOT/.output/fix/1.64.0-stripped/grpcfixture
	[ "$GRPC_VERSION" != 1.64.0 ]
	sed "s|grpc-go/1.64.0|grpc-go/$GRPC_VERSION|g" "$stripped" >"$T/fork"
	chmod +x "$T/fork"
	[ "$(grep -ca "grpc-go/1.64.0" "$T/fork")" -eq 0 ]
	run timeout 10 "$TOOL" -b "$T/fork" -d 1 -v
	[ "$status" -eq 0 ]
	echo "$output" | grep -E "^grpcstreams: $T/fork: grpc-go $GRPC_VERSION, but its code contradicts that release's layout \([^:]* at [0-9]+: .*\); it agrees with the layout of [0-9. .]*1\.6[0-9.]*: using that$"
	[ "$(echo "$output" | grep -c '^grpcstreams:')" -eq 1 ]
}

@test "the same binary, the tool built without its release's layout: refused by its code" {
	local stripped=$ROOT/.output/fix/$GRPC_VERSION-stripped/grpcfixture
	local without=$OUTDIR/grpcstreams-without-$GRPC_VERSION
	[ -x "$without" ]
	sed "s|grpc-go/$GRPC_VERSION|grpc-go/1.99.0|g" "$stripped" >"$T/future"
	chmod +x "$T/future"
	TOOL=$without refuses "^grpcstreams: $T/future: grpc-go 1\.99\.0: no DWARF, and its code contradicts every known layout \(nearest, [0-9.]+( \\.\\.\\. [0-9.]+)?: [^:]* at [0-9]*: .*\); " -b "$T/future"
	# Its own release too: the version alone never picks a layout.
	TOOL=$without refuses "^grpcstreams: $stripped: grpc-go $GRPC_VERSION: no DWARF, and its code contradicts every known layout" -b "$stripped"
	# Known release, no DWARF: the built-in layout, confirmed by its code.
	run timeout 10 "$TOOL" -b "$stripped" -d 1 -v
	[ "$status" -eq 0 ]
	[[ "$output" == *"layout: grpc-go $GRPC_VERSION, sides: client server, from table"* ]]
	[[ "$output" == *"layout: table entry "*"confirmed by the binary's code"* ]]
}

@test "-b with a missing file or a directory" {
	refuses "^grpcstreams: /nonexistent/x: No such file or directory$" -b /nonexistent/x
	refuses "^grpcstreams: .*" -b /tmp
}

@test "not root: refused before anything is attached" {
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$TOOL" -b "$FIXTURE" -d 1 >"$T/o" 2>"$T/e" && return 1
	cat "$T/e"
	[ "$(wc -l <"$T/e")" -eq 1 ]
	grep -E "^grpcstreams: .*needs root" "$T/e"
	no_probes_left
}

@test "the tool leaves nothing loaded after a normal run" {
	start_server
	start_client -conns 1 -concurrency 1 -rpcs 10
	start_tool -p "$CLIENT_PID" -j
	# Loaded while it runs (so the check below can fail).
	bpftool prog show | grep -q closestream
	touch "$T/go"
	wait "$CLIENT_PID"
	wait "$TOOL_PID"
	[ "$(summary | jq .streams)" -eq 10 ]
	no_probes_left
}

# make bench's untraced windows are the tool's probes detached: no hit may
# come while they are, though the client goes on; attached again, they hit.
@test "--bench-toggle: no hit while detached, hits once attached again" {
	start_server
	start_client -conns 1 -concurrency 4 -duration 20
	touch "$T/go"
	start_tool -p "$CLIENT_PID" -j --bench-toggle
	sleep 0.3
	local a d1 d2 r1 r2 a2
	a=$(ask "$TOOL_PID" USR2 "$T/tool.err" bench:)
	[ "${a% *}" = attached ]
	[ "${a#* }" -gt 0 ]
	d1=$(ask "$TOOL_PID" USR1 "$T/tool.err" bench:)
	[ "${d1% *}" = detached ]
	r1=$(ask "$CLIENT_PID" USR1 "$T/client.err" progress)
	# Until the client has made 100 more RPCs (a count, not a time).
	for _ in $(seq 200); do
		sleep 0.1
		r2=$(ask "$CLIENT_PID" USR1 "$T/client.err" progress)
		[ "${r2%% *}" -gt "$((${r1%% *} + 100))" ] && break
	done
	d2=$(ask "$TOOL_PID" USR2 "$T/tool.err" bench:)
	# The client made RPCs meanwhile; the probes saw none of them.
	[ "${r2%% *}" -gt "$((${r1%% *} + 100))" ]
	[ "$d2" = "$d1" ]
	ask "$TOOL_PID" USR1 "$T/tool.err" bench: | grep -q '^attached '
	sleep 0.3
	a2=$(ask "$TOOL_PID" USR2 "$T/tool.err" bench:)
	[ "${a2% *}" = attached ]
	[ "${a2#* }" -gt "${d2#* }" ]
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	summary | jq -e '.lost_events == 0 and .collisions.duplicate == 0'
}

# make bench's "trap" line: the probes hit as usual, each hit is counted,
# nothing else is done (no stream, no event), and the tool says so.
@test "--bench-trap-only: every hit counted, no stream traced" {
	start_server
	TOOL_OPTS="--bench-trap-only" trace_client -conns 2 -concurrency 8 -rpcs 3000
	grep -q -- '--bench-trap-only: probe hits are counted, no stream is traced' "$T/tool.err"
	local n
	n=$(jq .rpcs "$T/truth.json")
	[ "$n" -eq 3000 ]
	[ "$(grep -c '"type":"stream"' "$T/out")" -eq 0 ]
	summary | jq -e --argjson n "$n" '.started == 0 and .streams == 0 and .open == 0 and
		.lost_events == 0 and .probe_hits.newstream_return == $n and
		.probe_hits.closestream == $n'
}

# The frontend's bench path (make bench): synthetic events through the real
# ring buffer and NDJSON writer, every one printed or counted lost (whether
# any is lost depends on the machine's speed, which a test must not assert).
@test "--bench-events: every synthetic event is printed or counted lost" {
	"$TOOL" --bench-events 100000 --bench-rate 200000 -j >"$T/out" 2>"$T/err"
	local handled lost
	# "handled" counts the events printed, "lost" those the ring buffer
	# dropped: together, every one generated.
	handled=$(sed -n 's/^bench: \([0-9]*\) events handled in [0-9.]* s: .*, [0-9]* lost, max RSS.*/\1/p' \
		"$T/err")
	lost=$(sed -n 's/^bench: [0-9]* events handled in [0-9.]* s: .*, \([0-9]*\) lost, max RSS.*/\1/p' \
		"$T/err")
	[ -n "$handled" ]
	[ -n "$lost" ]
	[ $((handled + lost)) -eq 100000 ]
	[ "$(wc -l <"$T/out")" -eq "$handled" ]
	jq -s -e --argjson n $((100000 - lost)) 'length == $n and all(.type == "stream" and
		.comm == "synthetic" and .method == "/bench.Synthetic/Call" and
		.latency_ns == 1000000 and .status == 0)' "$T/out" >/dev/null
}
