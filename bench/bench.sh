#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Overhead of grpcstreams on a saturated grpc-go client: the fixture client
# (unary RPCs, 16 workers, 2 connections, loopback) runs untraced and traced
# in alternation, PAIRS times each; medians are compared side by side.
# Needs root. Knobs: PAIRS (5), SECONDS (3), CONC (16), CONNS (2).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOL=$ROOT/grpcstreams
GRPC_VERSION=$(dpkg-query -W -f='${Version}' golang-google-grpc-dev | sed 's/-.*//')
FIXTURE=${FIXTURE:-$ROOT/.output/fix/$GRPC_VERSION-plain/grpcfixture}
PAIRS=${PAIRS:-5}
SECONDS_PER_RUN=${SECONDS:-3}
CONC=${CONC:-16}
CONNS=${CONNS:-2}

T=$(mktemp -d)
cleanup() {
	kill "${SERVER_PID:-}" 2>/dev/null || true
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

# client OUT [traced]: one timed run; writes the client's truth to OUT, and
# with "traced" the tool's summary to OUT.tool and its CPU to OUT.cpu.
client() {
	rm -f "$T/go"
	"$FIXTURE" client -addr "$ADDR" -conns "$CONNS" -concurrency "$CONC" \
		-duration "$SECONDS_PER_RUN" -wait "$T/go" >"$1" 2>"$T/client.err" &
	local pid=$!
	wait_for "$T/client.err" "connections ready"
	if [ "${2:-}" = traced ]; then
		# times: the subshell's children (the tool) used this much CPU.
		( "$TOOL" -p "$pid" -j 2>"$T/tool.err" | tail -n 1 >"$1.tool"; times >"$1.cpu" ) &
		local tpid=$!
		wait_for "$T/tool.err" "^Tracing"
		touch "$T/go"
		wait "$pid"
		wait "$tpid"
	else
		touch "$T/go"
		wait "$pid"
	fi
}

median() {
	sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

echo "grpcstreams bench: $CONC workers, $CONNS connections, unary, ${SECONDS_PER_RUN}s runs, $PAIRS pairs" \
	"(grpc-go $GRPC_VERSION, $(nproc) CPUs, kernel $(uname -r))"
printf '%-4s %11s %11s %6s %10s %10s %8s %6s %9s\n' PAIR UNTRACED/s TRACED/s RATIO U_CPU_us T_CPU_us HITS/RPC LOST TOOL_CPU
echo "     (rpc/s: client throughput; *_CPU_us: client CPU per RPC; TOOL_CPU: % of one CPU)"
client "$T/warmup.json"
for i in $(seq "$PAIRS"); do
	client "$T/u$i.json"
	client "$T/t$i.json" traced
	u=$(jq .rpc_per_sec "$T/u$i.json")
	t=$(jq .rpc_per_sec "$T/t$i.json")
	rpcs=$(jq .rpcs "$T/t$i.json")
	hits=$(jq '.probe_hits | [.newstream_entry, .newstream_return, .closestream] | add' "$T/t$i.json.tool")
	lost=$(jq .lost_events "$T/t$i.json.tool")
	streams=$(jq .streams "$T/t$i.json.tool")
	[ "$streams" -eq "$rpcs" ] || echo "bench: pair $i: tool saw $streams streams, client made $rpcs" >&2
	secs=$(jq .seconds "$T/t$i.json")
	cpu=$(tail -n 1 "$T/t$i.json.cpu" | awk '{gsub("m", " "); gsub("s", ""); print $1 * 60 + $2 + $3 * 60 + $4}')
	ucpu=$(jq '1e6 * .cpu_seconds / .rpcs' "$T/u$i.json")
	tcpu=$(jq '1e6 * .cpu_seconds / .rpcs' "$T/t$i.json")
	awk -v i="$i" -v u="$u" -v t="$t" -v h="$hits" -v r="$rpcs" -v l="$lost" -v c="$cpu" -v s="$secs" \
		-v uc="$ucpu" -v tc="$tcpu" \
		'BEGIN {printf "%-4s %11.0f %11.0f %6.3f %10.1f %10.1f %8.2f %6d %8.1f%%\n",
			i, u, t, t / u, uc, tc, h / r, l, 100 * c / s}' | tee -a "$T/rows"
done
u=$(awk '{print $2}' "$T/rows" | median)
t=$(awk '{print $3}' "$T/rows" | median)
uc=$(awk '{print $5}' "$T/rows" | median)
tc=$(awk '{print $6}' "$T/rows" | median)
h=$(awk '{print $7}' "$T/rows" | median)
l=$(awk '{s += $8} END {print s}' "$T/rows")
c=$(awk '{print $9}' "$T/rows" | tr -d % | median)
echo "median: untraced $u rpc/s, traced $t rpc/s, traced/untraced $(awk -v u="$u" -v t="$t" 'BEGIN {printf "%.3f", t / u}');" \
	"client CPU/RPC $uc -> $tc us; $h probe hits/RPC; $l events lost; tool CPU $c% of one CPU"
