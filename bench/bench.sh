#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make bench: what grpcstreams costs a saturated grpc-go service. One fixture
# client (unary RPCs, CONC workers, CONNS connections, loopback) runs against
# the fixture server for the whole bench; its throughput is measured in
# windows of SECS seconds, untraced and traced in alternation: PAIRS rounds
# per mode, each one traced window next to an untraced one.
#
#   client  grpcstreams -p CLIENT          server  grpcstreams -p SERVER
#   both    grpcstreams -b FIXTURE (both processes run it)
#   trap    -b FIXTURE, the same probes as both, but each hit only counted
#           (--bench-trap-only): the kernel's share of the cost, ours is the rest
#   naive   -p CLIENT with the usual placement: first instruction + every RET
#
# Why short windows of one run: this VM's speed drifts by tens of percent
# within seconds (untraced against untraced, 3-s windows of one run gave
# round ratios from 0.74 to 1.20). So one tool per mode stays up
# (--bench-toggle) and detaches or attaches its probes between windows: no
# start-up, no fresh client, windows a fraction of a second apart; the two
# of a round come in turns untraced or traced first, so that a drift is
# not charged to the tool; many rounds, and their median. The client prints its count of
# RPCs, CPU time and clock on SIGUSR1 (see the fixture), the tool its
# uprobe hits on SIGUSR2.
#
# Then the frontend alone: synthetic events through the real ring buffer and
# output path (--bench-events), for its drain rate, losses and memory.
# Needs root. Knobs: PAIRS (30: even, so that both orders count alike),
# SECONDS_PER_RUN (1), CONC (16), CONNS (2), FIXTURE, MODES (all five), ROWS.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOL=$ROOT/grpcstreams
GRPC_VERSION=$(dpkg-query -W -f='${Version}' golang-google-grpc-dev | sed 's/-.*//')
FIXTURE=${FIXTURE:-$ROOT/.output/fix/$GRPC_VERSION-plain/grpcfixture}
PAIRS=${PAIRS:-30}
SECS=${SECONDS_PER_RUN:-1}
CONC=${CONC:-16}
CONNS=${CONNS:-2}
MODES=${MODES:-client server both trap naive}

T=$(mktemp -d)
cleanup() {
	# The client, a tool still tracing, the server: all of them.
	# shellcheck disable=SC2046
	kill "${SERVER_PID:-}" "${CLIENT_PID:-}" $(jobs -p) 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT

wait_for() {
	for _ in $(seq 400); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	echo "bench: timed out waiting for '$2' in $1" >&2
	cat "$1" >&2
	exit 1
}

# proc_cpu PID: user + system CPU seconds used so far.
proc_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{sub(/.*\) /, ""); print ($12 + $13) / hz}' "/proc/$1/stat"
}

# mark: the client's "RPCS CPU_SECONDS SECONDS" now.
mark() {
	local n
	n=$(grep -c '^progress ' "$T/client.err" || true)
	kill -USR1 "$CLIENT_PID"
	for _ in $(seq 400); do
		[ "$(grep -c '^progress ' "$T/client.err" || true)" -gt "$n" ] && break
		sleep 0.005
	done
	grep '^progress ' "$T/client.err" | tail -n 1 | cut -d' ' -f2-
}

"$FIXTURE" server -portfile "$T/port" >/dev/null &
SERVER_PID=$!
for _ in $(seq 200); do [ -s "$T/port" ] && break; sleep 0.05; done
"$FIXTURE" client -addr "127.0.0.1:$(cat "$T/port")" -conns "$CONNS" -concurrency "$CONC" \
	-duration 86400 -wait "$T/go" >/dev/null 2>"$T/client.err" &
CLIENT_PID=$!
wait_for "$T/client.err" "connections ready"
touch "$T/go"

# tool_ctl SIGNAL: signal the tool (USR1: detach or attach, USR2: report)
# and print its answer, "attached|detached HITS".
tool_ctl() {
	local n
	n=$(grep -c '^bench: ' "$T/tool.err" || true)
	kill -"$1" "$TOOL_PID"
	for _ in $(seq 2000); do
		[ "$(grep -c '^bench: ' "$T/tool.err" || true)" -gt "$n" ] && break
		sleep 0.005
	done
	grep '^bench: ' "$T/tool.err" | tail -n 1 | cut -d' ' -f2-
}

# window MODE: one window of SECS, the probes detached (untraced) or
# attached; appends "mode rpc/s cpu/rpc hits/rpc tool-cpu%" to $T/win.
window() {
	local state want a0 a b b1 h0 h1 t0 t1
	want=attached
	[ "$1" = untraced ] && want=detached
	state=$(tool_ctl USR2)
	[ "${state%% *}" = "$want" ] || state=$(tool_ctl USR1)
	[ "${state%% *}" = "$want" ] || { echo "bench: tool not $want: $state" >&2; exit 1; }
	# The RPCs when the hits were read: halfway between marks just before
	# and after (the report takes a few ms).
	a0=$(mark); h0=$(tool_ctl USR2); a=$(mark); t0=$(proc_cpu "$TOOL_PID")
	sleep "$SECS"
	b=$(mark); t1=$(proc_cpu "$TOOL_PID"); h1=$(tool_ctl USR2); b1=$(mark)
	echo "$1 $a $b ${h0#* } ${h1#* } $t0 $t1 ${a0%% *} ${b1%% *}" | awk '{
		n = $5 - $2; s = $7 - $4
		printf "%s %f %f %f %f\n", $1, n / s, 1e6 * ($6 - $3) / n,
			($9 - $8) / (($5 + $13) / 2 - ($12 + $2) / 2), 100 * ($11 - $10) / s
	}' >>"$T/win"
}

echo "grpcstreams bench: unary RPCs, $CONC workers, $CONNS connections, ${SECS}s windows," \
	"$PAIRS rounds; grpc-go $GRPC_VERSION, $(nproc) CPUs, kernel $(uname -r)"
for mode in $MODES; do
	case $mode in
	client) args="-p $CLIENT_PID" ;;
	server) args="-p $SERVER_PID" ;;
	both) args="-b $FIXTURE" ;;
	trap) args="-b $FIXTURE --bench-trap-only" ;;
	naive) args="-p $CLIENT_PID --naive-probes" ;;
	esac
	# The last mode's answers must not be taken for this one's.
	rm -f "$T/tool.err"
	# shellcheck disable=SC2086
	"$TOOL" $args -j --bench-toggle >"$T/tool.json" 2>"$T/tool.err" &
	TOOL_PID=$!
	wait_for "$T/tool.err" "^Tracing"
	for i in $(seq "$PAIRS"); do
		if [ $((i % 2)) = 1 ]; then
			window untraced
			window "$mode"
		else
			window "$mode"
			window untraced
		fi
		u=$(tail -n 2 "$T/win" | awk '$1 == "untraced"')
		t=$(tail -n 2 "$T/win" | awk '$1 != "untraced"')
		# mode untraced/s traced/s cpu/rpc untraced and traced, hits/rpc,
		# tool cpu %, ratio
		echo "$t $u" | awk '{print $1, $7, $2, $8, $3, $4, $5, $2 / $7}' >>"$T/rows"
	done
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	# Lost events of the whole mode, from the tool's summary.
	echo "$mode $(tail -n 1 "$T/tool.json" | jq .lost_events)" >>"$T/lost"
done

median() {
	sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

# ROWS=1: every round's figures too (mode, untraced/s, traced/s, cpu/rpc
# untraced and traced, hits/rpc, tool cpu %, ratio).
[ -z "${ROWS:-}" ] || cat "$T/rows"
echo
echo "medians of $PAIRS (rpc/s: client throughput; ratio: traced/untraced of each round, whose windows"
echo "are next to each other, in turns untraced or traced first, so that the machine's drift cancels;"
echo "cpu/rpc: client CPU per RPC; hits/rpc: uprobe hits per RPC, counted in BPF, both sides together"
echo "for 'both' and 'trap'; lost: events lost in all the mode's windows; tool cpu: % of one CPU in"
echo "the window; trap: the probes of 'both' counting their hits and doing nothing else, the floor"
echo "set by the kernel's uprobe traps: what 'both' costs beyond it is grpcstreams' own work)"
printf '%-7s %11s %11s %7s %11s %11s %9s %6s %9s\n' MODE UNTRACED/s TRACED/s RATIO U_CPU/RPC T_CPU/RPC HITS/RPC LOST TOOL_CPU
for mode in $MODES; do
	col() { awk -v m="$mode" -v c="$1" '$1 == m {print $c}' "$T/rows" | median; }
	printf '%-7s %11.0f %11.0f %7.3f %9.1fus %9.1fus %9.2f %6d %8.1f%%\n' "$mode" "$(col 2)" "$(col 3)" \
		"$(col 8)" "$(col 4)" "$(col 5)" "$(col 6)" \
		"$(awk -v m="$mode" '$1 == m {print $2}' "$T/lost")" "$(col 7)"
done

# The frontend bench must have the CPUs to itself.
kill "$CLIENT_PID" "$SERVER_PID" 2>/dev/null || true
wait "$CLIENT_PID" "$SERVER_PID" 2>/dev/null || true
echo
[ -n "${SKIP_FRONTEND:-}" ] && exit 0
echo "frontend alone: synthetic events at 1,000,000/s through the ring buffer and NDJSON output:"
"$TOOL" --bench-events 5000000 --bench-rate 1000000 -j 2>&1 >/dev/null | tail -n 1
