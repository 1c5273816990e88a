#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The whole host (no -p, no -b): grpc-go programs of three releases, two
# running before the tool, one started after it, and one whose executable
# exists only in a private mount namespace; every process's streams exact
# against its own truth. And -c: only the processes of one cgroup.

load helpers

# Three releases, three layout families (tests/cells' full cells).
FIX_A=$FIXTURE
FIX_B=${HOST_FIXTURE_B:-$ROOT/.output/fix/1.81.1-stripped/grpcfixture}
FIX_C=${HOST_FIXTURE_C:-$ROOT/.output/fix/1.64.0-pie/grpcfixture}

setup() {
	T=$BATS_TEST_TMPDIR
	PIDS=()
	CG=
}

teardown() {
	local p
	[ -n "${TOOL_PID:-}" ] && kill -INT "$TOOL_PID" 2>/dev/null
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	if [ -n "$CG" ]; then
		for p in $(cat "$CG/cgroup.procs" 2>/dev/null); do
			kill -9 "$p" 2>/dev/null
		done
		sleep 0.2
		rmdir "$CG" 2>/dev/null
	fi
	return 0
}

# srv NAME FIXTURE [WRAPPER...]: a server; NAME_PID, NAME_ADDR.
srv() {
	local name=$1 fix=$2 i
	shift 2
	"$@" "$fix" server -portfile "$T/$name.port" >"$T/$name.srv" 2>&1 &
	eval "${name}_PID=$!"
	PIDS+=("$!")
	for i in $(seq 200); do
		[ -s "$T/$name.port" ] && break
		sleep 0.05
	done
	[ -s "$T/$name.port" ]
	eval "${name}_ADDR=127.0.0.1:$(cat "$T/$name.port")"
}

# cli NAME FIXTURE ADDR [WRAPPER...]: a client of 3 connections and mixed
# statuses, waiting for $T/NAME.go; NAME_PID. Its truth: $T/NAME.json.
cli() {
	local name=$1 fix=$2 addr=$3
	shift 3
	"$@" "$fix" client -addr "$addr" -wait "$T/$name.go" -conns 3 -concurrency 6 \
		-rpcs 300 -codes 0,0,5,14 >"$T/$name.json" 2>"$T/$name.err" &
	eval "${name}_PID=$!"
	PIDS+=("$!")
	wait_for "$T/$name.err" "connections ready"
}

# go_wait NAME...: let the clients go, and wait for each to finish.
go_wait() {
	local n p
	for n in "$@"; do
		touch "$T/$n.go"
	done
	for n in "$@"; do
		p=$(eval echo "\$${n}_PID")
		wait "$p"
	done
}

stop_tool() {
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	TOOL_PID=
}

# check_client NAME: the tool's client streams of NAME's pid are its truth:
# count, per connection, per method, per status; one pid, nothing else.
check_client() {
	local pid
	pid=$(eval echo "\$${1}_PID")
	[ "$(jq .pid "$T/$1.json")" -eq "$pid" ]
	pstreams "$pid" client | jq -e --slurpfile t "$T/$1.json" '
		length == $t[0].rpcs and
		([group_by(.conn)[] | length] | sort) == ([$t[0].per_conn[] | select(. > 0)] | sort) and
		(group_by(.method) | map({key: .[0].method, value: length}) | from_entries) ==
			$t[0].per_method and
		(group_by(.status) | map({key: (.[0].status | tostring), value: length}) |
			from_entries) == $t[0].per_status' >/dev/null
}

# check_server NAME CLIENT...: NAME's server streams are its clients' RPCs,
# per method and status.
check_server() {
	local pid n truths=()
	pid=$(eval echo "\$${1}_PID")
	shift
	for n in "$@"; do
		truths+=("$T/$n.json")
	done
	pstreams "$pid" server | jq -e --slurpfile t <(jq -s . "${truths[@]}") '
		($t[0] | map(.rpcs) | add) as $n |
		($t[0] | map(.per_status | to_entries[]) | group_by(.key) |
		 map({key: .[0].key, value: (map(.value) | add)}) | from_entries) as $st |
		length == $n and
		(group_by(.status) | map({key: (.[0].status | tostring), value: length}) |
			from_entries) == $st' >/dev/null
}

# pstreams PID SIDE: the tool's stream objects of one process and side.
pstreams() {
	jq -s --argjson pid "$1" --arg side "$2" \
		'[.[] | select(.type == "stream" and .pid == $pid and .side == $side)]' "$T/out"
}

@test "whole host: two programs before, one after, one in a private mount namespace" {
	local priv=$T/priv
	srv a "$FIX_A"
	srv b "$FIX_B"
	# A client already running (of B's executable), waiting to start.
	cli b0 "$FIX_B" "$a_ADDR"
	start_tool -j
	# Both executables found at start; none refused.
	[ "$(grep -c '^grpcstreams: not tracing' "$T/tool.err")" -eq 0 ]
	grep -E "^Tracing grpc-go streams of [0-9]+ programs? in [0-9]+ process" "$T/tool.err"

	# A third release, started now: attached at its exec, before its RPCs.
	cli c "$FIX_C" "$b_ADDR"
	wait_for "$T/tool.err" "^grpcstreams: tracing PID $c_PID ($FIX_C), started now" 10
	# A copy of A's executable on a tmpfs that only its own mount
	# namespace has: another inode, a path that does not exist here.
	mkdir "$priv"
	cli d /bin/sh "$b_ADDR" unshare -m --propagation private sh -c \
		"mount -t tmpfs gstest '$priv' && cp '$FIX_A' '$priv/gf' && shift &&
		 exec '$priv/gf' \"\$@\"" sh
	[ ! -e "$priv/gf" ]
	wait_for "$T/tool.err" "^grpcstreams: tracing PID $d_PID ($priv/gf), started now" 10
	go_wait b0 c d
	sleep 0.5
	stop_tool

	check_client b0
	check_client c
	check_client d
	check_server a b0
	check_server b c d
	# Every stream object names its process's cgroup.
	pstreams "$c_PID" client | jq -c 'group_by(.cgroup) | map({cgroup: .[0].cgroup, n: length})'
	[ "$(pstreams "$c_PID" client | jq --arg cg "$(sed -n 's/^0:://p' /proc/$$/cgroup)" \
		'map(select(.cgroup == $cg)) | length')" -eq 300 ]
	[ "$(jq -s '[.[] | select(.type == "summary")] | length' "$T/out")" -eq 1 ]
	[ "$(jq -s '.[] | select(.type == "summary") | .lost_events' "$T/out")" -eq 0 ]
}

@test "whole host: a Go program without grpc-go is skipped; a program that exits is let go" {
	local h1 h2
	"$GOHELLO" >/dev/null 2>&1 &
	h1=$!
	PIDS+=("$h1")
	start_tool -j -v
	grep -E "^skipped: [0-9]+ executables not Go, [1-9][0-9]* Go without grpc-go, 0 grpc-go refused" \
		"$T/tool.err"
	"$GOHELLO" >/dev/null 2>&1 &
	h2=$!
	PIDS+=("$h2")
	srv a "$FIX_A"
	wait_for "$T/tool.err" "^grpcstreams: tracing PID $a_PID ($FIX_A), started now" 10
	kill "$a_PID"
	wait "$a_PID" 2>/dev/null || true
	wait_for "$T/tool.err" "^grpcstreams: $FIX_A: no process runs it any more: detached" 10
	stop_tool
	[ "$(grep -c "^grpcstreams: .*gohello" "$T/tool.err")" -eq 0 ]
	[ "$(grep -c "PID $h1\b\|PID $h2\b" "$T/tool.err")" -eq 0 ]
}

# A grpc-go program that cannot be traced is one line, and the rest goes on:
# the tool built without the layout of the stripped fixture's release
# (cli.bats: refused by its code) on the whole host.
@test "whole host: a grpc-go program that cannot be traced is listed once, others traced" {
	local without=$OUTDIR/grpcstreams-without-$GRPC_VERSION
	local stripped=$ROOT/.output/fix/$GRPC_VERSION-stripped/grpcfixture
	[ -x "$without" ]
	srv s "$stripped"
	srv b "$FIX_B"
	cli bc "$FIX_B" "$b_ADDR"
	TOOL=$without start_tool -j
	[ "$(grep -c "^grpcstreams: not tracing PID $s_PID ($stripped): .*contradicts every known layout" \
		"$T/tool.err")" -eq 1 ]
	[ "$(grep -c "^grpcstreams: not tracing" "$T/tool.err")" -eq 1 ]
	# A second process of it: not looked at again, not listed again.
	srv s2 "$stripped"
	go_wait bc
	sleep 0.5
	stop_tool
	[ "$(grep -c "^grpcstreams: not tracing" "$T/tool.err")" -eq 1 ]
	check_client bc
	check_server b bc
	[ "$(jq -s --argjson a "$s_PID" '[.[] | select(.pid == $a)] | length' "$T/out")" -eq 0 ]
}

@test "-c CGROUP: only the processes of that cgroup, exact" {
	local root
	root=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	[ -n "$root" ]
	CG=$root/gst.$$
	mkdir "$CG"
	# In the cgroup: a server and its client; outside: the same pair.
	srv in "$FIX_A" sh -c "echo \$\$ > '$CG/cgroup.procs' && exec \"\$@\"" sh
	cli inc "$FIX_A" "$in_ADDR" sh -c "echo \$\$ > '$CG/cgroup.procs' && exec \"\$@\"" sh
	srv out "$FIX_B"
	cli outc "$FIX_B" "$out_ADDR"
	start_tool -j -c "$CG"
	grep -E "^Tracing .* in cgroup /gst\.$$\.\.\." "$T/tool.err"
	# And the streams table, with its CGROUP column, beside it.
	"$TOOL" -c "$CG" -o streams -C -r 50 >"$T/table" 2>"$T/table.err" &
	local tpid=$!
	PIDS+=("$tpid")
	wait_for "$T/table.err" "^Tracing" 20 "$tpid"
	go_wait inc outc
	sleep 1.5
	kill -INT "$tpid"
	wait "$tpid"
	stop_tool
	check_client inc
	check_server in inc
	[ "$(pstreams "$inc_PID" client | jq "map(select(.cgroup == \"/gst.$$\")) | length")" -eq 300 ]
	grep -E "^PID +SIDE +CONN +SID +STATE +LAT/AGE_MS +STATUS +CGROUP +METHOD$" "$T/table"
	[ "$(grep -cE "^$inc_PID +client .* gst\.$$ +/fixture\.Test/" "$T/table")" -gt 0 ]
	[ "$(grep -cE "^($out_PID|$outc_PID) " "$T/table")" -eq 0 ]
	# Nothing of the processes outside, though they ran the same RPCs.
	[ "$(jq -s --argjson a "$out_PID" --argjson b "$outc_PID" \
		'[.[] | select(.pid == $a or .pid == $b)] | length' "$T/out")" -eq 0 ]
	[ "$(jq .rpcs "$T/outc.json")" -eq 300 ]
}

@test "-p twice: two processes of two releases, exact; the tool ends when both have" {
	srv a "$FIX_A"
	srv b "$FIX_B"
	cli ca "$FIX_A" "$b_ADDR"
	cli cb "$FIX_B" "$a_ADDR"
	start_tool -j -p "$ca_PID" -p "$cb_PID"
	grep -E "^Tracing grpc-go streams of 2 processes \([0-9]+ probes\)" "$T/tool.err"
	go_wait ca cb
	# Both clients gone: the tool prints its summary and exits by itself.
	timeout 10 tail --pid="$TOOL_PID" -f /dev/null
	wait "$TOOL_PID"
	TOOL_PID=
	check_client ca
	check_client cb
	# Only those two: not the servers, which run the same executables.
	[ "$(jq -s --argjson a "$a_PID" --argjson b "$b_PID" \
		'[.[] | select(.pid == $a or .pid == $b)] | length' "$T/out")" -eq 0 ]
}

@test "-c with a directory that is not a cgroup v2 one: one line, nothing traced" {
	run "$TOOL" -c /tmp -d 1
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "${lines[0]}" = "grpcstreams: -c /tmp: not a cgroup v2 directory" ]
}

@test "whole host: 30 new executables at once while a busy client is traced: 0 lost, all exact" {
	local i n pids=()
	srv a "$FIX_A"
	# The busy client: as fast as it goes, until the 30 are done.
	"$FIX_A" client -addr "$a_ADDR" -wait "$T/busy.go" -conns 4 -concurrency 16 \
		-until "$T/busy.stop" >"$T/busy.json" 2>"$T/busy.err" &
	busy_PID=$!
	PIDS+=("$busy_PID")
	wait_for "$T/busy.err" "connections ready"
	# Thirty executables the tool has never seen (copies: 30 inodes).
	for i in $(seq 30); do
		cp "$FIX_A" "$T/new$i"
	done
	start_tool -j
	touch "$T/busy.go"
	sleep 1
	# All started at once; each waits for its go file after dialling.
	for i in $(seq 30); do
		"$T/new$i" client -addr "$a_ADDR" -wait "$T/n$i.go" -conns 2 -concurrency 2 \
			-rpcs 40 -codes 0,5 >"$T/n$i.json" 2>"$T/n$i.err" &
		eval "n${i}_PID=$!"
		pids+=("$!")
		PIDS+=("$!")
	done
	# Every one traced from its exec on (the tool's line for each).
	for i in $(seq 30); do
		wait_for "$T/tool.err" "^grpcstreams: tracing PID ${pids[$((i - 1))]} ($T/new$i), started now" 60
	done
	for i in $(seq 30); do
		wait_for "$T/n$i.err" "connections ready"
		touch "$T/n$i.go"
	done
	for i in $(seq 30); do
		wait "${pids[$((i - 1))]}"
	done
	# The busy client was running all along, at full speed.
	kill -0 "$busy_PID"
	touch "$T/busy.stop"
	wait "$busy_PID"
	sleep 0.5
	stop_tool
	summary | jq -e '.lost_events == 0 and .table_full == 0 and .collisions.duplicate == 0'
	[ "$(jq .rpcs "$T/busy.json")" -gt 10000 ]
	check_client busy
	for i in $(seq 30); do
		check_client "n$i"
	done
	n=$(grep -c "^grpcstreams: tracing PID [0-9]* ($T/new[0-9]*), started now" "$T/tool.err")
	[ "$n" -eq 30 ]
}
