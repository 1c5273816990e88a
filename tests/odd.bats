#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Odd targets (issue #13, part 5): each is traced exactly, against the
# fixture's own truth, or refused with one clear line and a non-zero exit.
# A thread id, a zombie, a kernel thread, a process that executes another
# program, a binary replaced on disk, a read-only and a noexec mount, a
# deleted executable.

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
	MNT=
	EXTRA_PIDS=
}

teardown() {
	local p
	for p in $EXTRA_PIDS; do
		kill "$p" 2>/dev/null
	done
	teardown_common
	if [ -n "$MNT" ]; then
		umount "$MNT" 2>/dev/null || umount -l "$MNT"
	fi
	return 0
}

# fails CMD...: CMD must fail. (A bare "! CMD" mid-test cannot fail a
# bats test: errexit ignores it.)
fails() {
	if "$@"; then
		echo "did not fail: $*" >&2
		return 1
	fi
}

# refuses PATTERN ARGS...: non-zero exit, one line on stderr that matches
# PATTERN, nothing on stdout.
refuses() {
	local pat=$1
	shift
	"$TOOL" "$@" >"$T/o" 2>"$T/e" && { cat "$T/e"; return 1; }
	cat "$T/e"
	[ ! -s "$T/o" ]
	[ "$(wc -l <"$T/e")" -eq 1 ]
	grep -qE "$pat" "$T/e"
}

# exact_client [TRUTH]: the client streams are the client's truth exactly.
exact_client() {
	local truth=${1:-$T/truth.json}
	[ "$(streams client | jq length)" -eq "$(jq .rpcs "$truth")" ]
	[ "$(streams client | jq -c '[group_by(.conn)[] | length] | sort')" = \
	  "$(jq -c '[.per_conn[] | select(. > 0)] | sort' "$truth")" ]
	[ "$(streams client | jq -cS 'group_by([.method, .status]) |
		map({key: "\(.[0].method) \(.[0].status)", value: length}) | from_entries')" = \
	  "$(jq -cS '.per_call | to_entries | map(.key |= (split(" ") | "\(.[0]) \(.[2])")) |
		group_by(.key) | map({key: .[0].key, value: (map(.value) | add)}) |
		from_entries' "$truth")" ]
	streams client | jq -e --argjson pid "$(jq .pid "$truth")" 'all(.pid == $pid)'
}

# stop_tool: end a tool that is still running, as Ctrl-C would.
stop_tool() {
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
}

@test "-p a thread id of a Go program: the whole process, exact, one notice" {
	start_server
	start_client -conns 2 -concurrency 8 -rpcs 300 -codes 0,5
	local tid='' t
	for t in /proc/"$CLIENT_PID"/task/*; do
		[ "${t##*/}" = "$CLIENT_PID" ] || { tid=${t##*/}; break; }
	done
	[ -n "$tid" ]
	[ "$(awk '/^Tgid:/ { print $2 }' "/proc/$CLIENT_PID/task/$tid/status")" -eq "$CLIENT_PID" ]
	start_tool -p "$tid" -j
	touch "$T/go"
	wait "$CLIENT_PID"
	# The client's exit ends the tool, as for its leader's pid.
	timeout 30 tail --pid="$TOOL_PID" -f /dev/null
	wait "$TOOL_PID"
	cat "$T/tool.err"
	[ "$(grep -c '^grpcstreams:' "$T/tool.err")" -eq 1 ]
	grep -qx "grpcstreams: $tid is a thread of PID $CLIENT_PID: tracing the whole process" \
		"$T/tool.err"
	grep -q "^Tracing grpc-go streams of PID $CLIENT_PID " "$T/tool.err"
	exact_client
	summary | jq -e '.open == 0 and .lost_events == 0 and .collisions.duplicate == 0'
}

@test "-p a zombie (exited, not reaped): refused with one line" {
	local z
	# A parent that never waits for its child: the fixture itself, which
	# exits at once without arguments, and a shell.
	for prog in "$FIXTURE" /bin/true; do
		perl -e '$| = 1; my $p = fork; if (!$p) { exec @ARGV; exit 1 }
			print "$p\n"; sleep 60' "$prog" >"$T/zpid" 2>/dev/null &
		EXTRA_PIDS="$EXTRA_PIDS $!"
		wait_for "$T/zpid" '^[0-9]'
		z=$(cat "$T/zpid")
		for _ in $(seq 200); do
			[ "$(awk '{ print $3 }' "/proc/$z/stat")" = Z ] && break
			sleep 0.05
		done
		[ "$(awk '{ print $3 }' "/proc/$z/stat")" = Z ]
		refuses "^grpcstreams: PID $z has exited \(a zombie its parent has not reaped\): nothing to trace\$" -p "$z"
	done
}

@test "-p a kernel thread: refused with one line" {
	local k
	k=$(pgrep -x kthreadd | head -n 1)
	[ -n "$k" ]
	refuses "^grpcstreams: PID $k is a kernel thread: nothing to trace\$" -p "$k"
}

# The fixture's client, once its RPCs are done and its truth printed,
# executes ARGS in its own process (-exec).
need_exec_fixture() {
	"$FIXTURE" client -h 2>&1 | grep -q -- '-exec' || {
		echo "$FIXTURE has no -exec option: rebuild the fixtures (make fixtures)" >&2
		return 1
	}
}

@test "-p a process that executes the same program again: noticed, tracing ends, streams exact" {
	need_exec_fixture
	start_server
	# The second program dials, then waits for go2 (after the tool ended).
	start_client -conns 2 -concurrency 8 -rpcs 300 -codes 0,5 \
		-exec "$FIXTURE" client -addr "$ADDR" -rpcs 50 -wait "$T/go2"
	start_tool -p "$CLIENT_PID" -j
	touch "$T/go"
	timeout 30 tail --pid="$TOOL_PID" -f /dev/null
	wait "$TOOL_PID"
	cat "$T/tool.err"
	[ "$(grep -c '^grpcstreams:' "$T/tool.err")" -eq 1 ]
	grep -qx "grpcstreams: PID $CLIENT_PID executed another program ($FIXTURE): tracing ended" \
		"$T/tool.err"
	# The first program's truth, every one of its streams.
	head -n 1 "$T/truth.json" >"$T/truth1.json"
	exact_client "$T/truth1.json"
	summary | jq -e '.streams == 300 and .open == 0 and .collisions.duplicate == 0'
	# The same process ran the second program.
	touch "$T/go2"
	wait "$CLIENT_PID"
	[ "$(jq -s 'map(.pid) | unique | length' "$T/truth.json")" -eq 1 ]
	[ "$(sed -n 2p "$T/truth.json" | jq .rpcs)" -eq 50 ]
}

@test "-p a process that executes a program that is not Go: noticed, tracing ends" {
	need_exec_fixture
	start_server
	start_client -conns 1 -concurrency 2 -rpcs 100 -exec /bin/sleep 60
	EXTRA_PIDS=$CLIENT_PID
	start_tool -p "$CLIENT_PID" -j
	touch "$T/go"
	timeout 30 tail --pid="$TOOL_PID" -f /dev/null
	wait "$TOOL_PID"
	cat "$T/tool.err"
	grep -qx "grpcstreams: PID $CLIENT_PID executed another program ($(readlink -f /bin/sleep)): tracing ended" \
		"$T/tool.err"
	kill -0 "$CLIENT_PID"
	exact_client
}

@test "binary replaced on disk while traced: -b and -p trace the file opened at start, exact" {
	mkdir "$T/bin"
	cp "$FIXTURE" "$T/bin/grpcfixture"
	FIXTURE=$T/bin/grpcfixture
	start_server
	start_client -conns 2 -concurrency 8 -rpcs 300 -codes 0,13
	start_tool -b "$FIXTURE" -j
	local btool=$TOOL_PID
	# shellcheck disable=SC2034 # streams() reads it
	OUT=$T/p.out
	"$TOOL" -p "$CLIENT_PID" -j >"$T/p.out" 2>"$T/p.err" &
	local ptool=$!
	EXTRA_PIDS=$ptool
	wait_for "$T/p.err" "^Tracing" 20 "$ptool"
	# A running executable cannot be written (ETXTBSY): a package upgrade
	# puts a new file in its place. Here another grpc-go program.
	fails cp "$GOHELLO" "$FIXTURE" 2>/dev/null
	cp "$ROOT/.output/fix/1.64.0-plain/grpcfixture" "$T/new"
	mv "$T/new" "$FIXTURE"
	wait_for "$T/tool.err" "was replaced" 20 "$btool"
	touch "$T/go"
	wait "$CLIENT_PID"
	timeout 30 tail --pid="$ptool" -f /dev/null
	wait "$ptool"
	# -p: the running process's file, exactly.
	exact_client
	[ "$(grep -c '^grpcstreams:' "$T/p.err")" -eq 0 ]
	# A client started from the new file: -b does not trace it (another
	# inode), though the old server it calls is traced.
	"$FIXTURE" client -addr "$ADDR" -rpcs 40 >"$T/truth2.json" 2>"$T/client2.err"
	[ "$(jq .rpcs "$T/truth2.json")" -eq 40 ]
	unset OUT
	wait_streams 640
	TOOL_PID=$btool stop_tool
	cat "$T/tool.err"
	[ "$(grep -c '^grpcstreams:' "$T/tool.err")" -eq 1 ]
	grep -qx "grpcstreams: $FIXTURE was replaced on disk: still tracing the file it was at start, not a new one" \
		"$T/tool.err"
	exact_client
	[ "$(streams server | jq length)" -eq 340 ]
	streams server | jq -e --argjson pid "$SERVER_PID" 'all(.pid == $pid)'
}

# on_mount OPTS: the fixture copied onto a tmpfs at $MNT, its server and a
# client (waiting) started from there, then the mount made OPTS.
on_mount() {
	MNT=$T/mnt
	mkdir "$MNT"
	mount -t tmpfs -o size=64m odd-tmpfs "$MNT"
	cp "$FIXTURE" "$MNT/grpcfixture"
	FIXTURE=$MNT/grpcfixture
	start_server
	start_client -conns 2 -concurrency 8 -rpcs 300 -codes 0,5
	mount -o "remount,$1" "$MNT"
	findmnt -n -o OPTIONS "$MNT" | tr , '\n' | grep -qx "${1##*,}"
}

# trace_both: -b and -p on the mount's file, both exact.
trace_both() {
	start_tool -b "$FIXTURE" -j
	local btool=$TOOL_PID
	"$TOOL" -p "$CLIENT_PID" -j >"$T/p.out" 2>"$T/p.err" &
	local ptool=$!
	EXTRA_PIDS=$ptool
	wait_for "$T/p.err" "^Tracing" 20 "$ptool"
	touch "$T/go"
	wait "$CLIENT_PID"
	timeout 30 tail --pid="$ptool" -f /dev/null
	wait "$ptool"
	wait_streams 600
	TOOL_PID=$btool stop_tool
	cat "$T/tool.err" "$T/p.err"
	fails grep -q '^grpcstreams:' "$T/tool.err" "$T/p.err"
	exact_client
	[ "$(streams server | jq length)" -eq 300 ]
	OUT=$T/p.out exact_client
}

@test "the binary on a read-only mount: -b and -p trace it exactly" {
	on_mount ro
	fails touch "$MNT/x" 2>/dev/null
	trace_both
}

@test "the binary on a noexec mount (made so while it runs): -b and -p trace it exactly" {
	on_mount noexec
	# New processes cannot run it; the running ones go on.
	fails "$FIXTURE" 2>/dev/null
	trace_both
}

@test "a deleted executable (/proc/PID/exe ... (deleted)): -p traces it exactly" {
	mkdir "$T/del"
	cp "$FIXTURE" "$T/del/grpcfixture"
	start_server
	local orig=$FIXTURE
	FIXTURE=$T/del/grpcfixture
	start_client -conns 2 -concurrency 8 -rpcs 300 -codes 0,5
	FIXTURE=$orig
	rm "$T/del/grpcfixture"
	[ "$(readlink "/proc/$CLIENT_PID/exe")" = "$T/del/grpcfixture (deleted)" ]
	start_tool -p "$CLIENT_PID" -j
	touch "$T/go"
	wait "$CLIENT_PID"
	timeout 30 tail --pid="$TOOL_PID" -f /dev/null
	wait "$TOOL_PID"
	cat "$T/tool.err"
	fails grep -q '^grpcstreams:' "$T/tool.err"
	exact_client
	summary | jq -e '.open == 0 and .lost_events == 0'
	# Its name is gone: -b has nothing to open.
	refuses "^grpcstreams: $T/del/grpcfixture: No such file or directory\$" -b "$T/del/grpcfixture"
}
