#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make bench: what grpcstreams costs a saturated grpc-go service. The fixture
# client (unary RPCs, CONC workers, CONNS connections, loopback) runs against
# the fixture server, untraced and traced in alternation, PAIRS rounds; each
# round runs every mode once, next to an untraced run, and the medians are
# compared side by side. The order of the two alternates between rounds
# (untraced first, then traced first): this VM's speed drifts by tens of
# percent within minutes, and a pair always in the same order would charge
# that drift to the tool.
#
#   client  grpcstreams -p CLIENT          server  grpcstreams -p SERVER
#   both    grpcstreams -b FIXTURE (both processes run it)
#   naive   -p CLIENT with the usual placement: first instruction + every RET
#
# Then the frontend alone: synthetic events through the real ring buffer and
# output path (--bench-events), for its drain rate, losses and memory.
# Needs root. Knobs: PAIRS (8: even, so that both orders count alike), SECONDS_PER_RUN (3), CONC (16), CONNS (2), FIXTURE,
# MODES (all four), ROWS.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOL=$ROOT/grpcstreams
GRPC_VERSION=$(dpkg-query -W -f='${Version}' golang-google-grpc-dev | sed 's/-.*//')
FIXTURE=${FIXTURE:-$ROOT/.output/fix/$GRPC_VERSION-plain/grpcfixture}
PAIRS=${PAIRS:-8}
SECS=${SECONDS_PER_RUN:-3}
CONC=${CONC:-16}
CONNS=${CONNS:-2}
MODES=${MODES:-client server both naive}

T=$(mktemp -d)
cleanup() {
	# A client still waiting for its go file, a tool still tracing: all of them.
	# shellcheck disable=SC2046
	kill "${SERVER_PID:-}" $(jobs -p) 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT

"$FIXTURE" server -portfile "$T/port" >/dev/null &
SERVER_PID=$!
for _ in $(seq 200); do [ -s "$T/port" ] && break; sleep 0.05; done
ADDR=127.0.0.1:$(cat "$T/port")

wait_for() {
	for _ in $(seq 400); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	echo "bench: timed out waiting for '$2' in $1" >&2
	cat "$1" >&2
	exit 1
}

# run MODE OUT: one timed client run (MODE untraced or one of $MODES). OUT
# gets the client's truth; OUT.tool the tool's summary, OUT.cpu its CPU time.
run() {
	local mode=$1 out=$2 pid tpid args
	rm -f "$T/go" "$T/tool.err"
	"$FIXTURE" client -addr "$ADDR" -conns "$CONNS" -concurrency "$CONC" \
		-duration "$SECS" -wait "$T/go" >"$out" 2>"$T/client.err" &
	pid=$!
	wait_for "$T/client.err" "connections ready"
	case $mode in
	untraced) touch "$T/go"; wait "$pid"; return ;;
	client) args="-p $pid" ;;
	server) args="-p $SERVER_PID" ;;
	both) args="-b $FIXTURE" ;;
	naive) args="-p $pid --naive-probes" ;;
	esac
	# times: the subshell's children (the tool) used this much CPU.
	# shellcheck disable=SC2086
	( "$TOOL" $args -j >"$out.json" 2>"$T/tool.err" &
	  echo $! >"$T/tool.pid"; wait $!; times >"$out.cpu" ) &
	tpid=$!
	wait_for "$T/tool.err" "^Tracing"
	# The tool's CPU so far (start-up: ELF, DWARF, disassembly) is not
	# part of what tracing costs the service.
	proc_cpu "$(cat "$T/tool.pid")" >"$out.cpu0"
	touch "$T/go"
	wait "$pid"
	# -p CLIENT ends with the client; the others are stopped after it.
	[ "$mode" = client ] || [ "$mode" = naive ] || { sleep 0.3; kill -INT "$(cat "$T/tool.pid")"; }
	wait "$tpid"
	tail -n 1 "$out.json" >"$out.tool"
	rm -f "$out.json"
}

median() {
	sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

# cpu_of OUT: the tool's CPU seconds while the client ran: its total
# (times, of the subshell's children) less what it had used at "go".
cpu_of() {
	tail -n 1 "$1.cpu" | awk -v c0="$(cat "$1.cpu0")" \
		'{gsub("m", " "); gsub("s", ""); print $1 * 60 + $2 + $3 * 60 + $4 - c0}'
}

# proc_cpu PID: user + system CPU seconds used so far.
proc_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{sub(/.*\) /, ""); print ($12 + $13) / hz}' "/proc/$1/stat"
}

echo "grpcstreams bench: unary RPCs, $CONC workers, $CONNS connections, ${SECS}s runs," \
	"$PAIRS rounds; grpc-go $GRPC_VERSION, $(nproc) CPUs, kernel $(uname -r)"
run untraced "$T/warmup"
for i in $(seq "$PAIRS"); do
	for mode in $MODES; do
		if [ $((i % 2)) = 1 ]; then
			run untraced "$T/u.$mode.$i"
			run "$mode" "$T/t.$mode.$i"
		else
			run "$mode" "$T/t.$mode.$i"
			run untraced "$T/u.$mode.$i"
		fi
		u=$(jq .rpc_per_sec "$T/u.$mode.$i")
		t=$(jq .rpc_per_sec "$T/t.$mode.$i")
		uc=$(jq '1e6 * .cpu_seconds / .rpcs' "$T/u.$mode.$i")
		tc=$(jq '1e6 * .cpu_seconds / .rpcs' "$T/t.$mode.$i")
		rpcs=$(jq .rpcs "$T/t.$mode.$i")
		# Every uprobe hit: those ignored (stack growth, another call) cost too.
		hits=$(jq '.probe_hits | [.[]] | add' "$T/t.$mode.$i.tool")
		lost=$(jq .lost_events "$T/t.$mode.$i.tool")
		secs=$(jq .seconds "$T/t.$mode.$i")
		echo "$mode $u $t $uc $tc $(awk -v h="$hits" -v r="$rpcs" 'BEGIN {print h / r}') $lost" \
			"$(awk -v c="$(cpu_of "$T/t.$mode.$i")" -v s="$secs" 'BEGIN {print 100 * c / s}')" \
			"$(awk -v u="$u" -v t="$t" 'BEGIN {print t / u}')" >>"$T/rows"
	done
done

# ROWS=1: every round's figures too (mode, untraced/s, traced/s, cpu/rpc
# untraced and traced, hits/rpc, lost, tool cpu %, ratio).
[ -z "${ROWS:-}" ] || cat "$T/rows"
echo
echo "medians of $PAIRS (rpc/s: client throughput; ratio: traced/untraced of each round, whose runs"
echo "are next to each other, in turns untraced or traced first, so that the machine's drift cancels; cpu/rpc: client CPU per RPC;"
echo "hits/rpc: uprobe hits per RPC, counted in BPF, both sides together for 'both'; tool cpu: % of one CPU while the client ran, start-up excluded)"
printf '%-7s %11s %11s %7s %11s %11s %9s %6s %9s\n' MODE UNTRACED/s TRACED/s RATIO U_CPU/RPC T_CPU/RPC HITS/RPC LOST TOOL_CPU
for mode in $MODES; do
	col() { awk -v m="$mode" -v c="$1" '$1 == m {print $c}' "$T/rows" | median; }
	u=$(col 2); t=$(col 3)
	printf '%-7s %11.0f %11.0f %7.3f %9.1fus %9.1fus %9.2f %6d %8.1f%%\n' "$mode" "$u" "$t" \
		"$(col 9)" "$(col 4)" "$(col 5)" "$(col 6)" \
		"$(awk -v m="$mode" '$1 == m {s += $7} END {print s}' "$T/rows")" "$(col 8)"
done

echo
[ -n "${SKIP_FRONTEND:-}" ] && exit 0
echo "frontend alone: synthetic events at 1,000,000/s through the ring buffer and NDJSON output:"
"$TOOL" --bench-events 5000000 --bench-rate 1000000 -j 2>&1 >/dev/null | tail -n 1
