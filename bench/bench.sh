#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make bench: what grpcstreams costs a saturated grpc-go service. One fixture
# client (unary RPCs, CONC workers, CONNS connections, loopback) runs against
# the fixture server for the whole bench; its throughput is measured in
# windows of SECS seconds, untraced and traced in alternation: PAIRS rounds
# per mode, each one traced window next to an untraced one.
#
#   client  grpcstreams -p CLIENT          server  grpcstreams -p SERVER
#   both    grpcstreams -b FIXTURE -j (both processes run it): an event per stream
#   methods grpcstreams -b FIXTURE, the default methods view into a file: the
#           methods counted in BPF, no event per stream
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
#
# Last, start-up on a large program: a ~95 MB stripped build of the fixture
# with generated code (bench/build-big.sh), traced with -b while its client
# runs: the tool's peak RSS, its RSS while tracing, and the time from its
# start to its "Tracing" line, median of STARTS runs (page cache warm).
#
# Then scale: 20 distinct grpc-go executables running, the tool on the whole
# host (see scale()).
#
# Needs root. Knobs: PAIRS (30: even, so that both orders count alike),
# SECONDS_PER_RUN (1), CONC (16), CONNS (2), FIXTURE, TOOL, MODES (all five; empty:
# no overhead section), ROWS, SKIP_FRONTEND, SKIP_STARTUP, SKIP_SCALE, NPROGS
# (20), STARTS (5), BIG (a
# large grpc-go program to use instead of building one; it must be the
# fixture, which the section runs as server and client).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOL=${TOOL:-$ROOT/grpcstreams}
GRPC_VERSION=$(dpkg-query -W -f='${Version}' golang-google-grpc-dev | sed 's/-.*//')
FIXTURE=${FIXTURE:-$ROOT/.output/fix/$GRPC_VERSION-plain/grpcfixture}
PAIRS=${PAIRS:-30}
SECS=${SECONDS_PER_RUN:-1}
CONC=${CONC:-16}
CONNS=${CONNS:-2}
MODES=${MODES-client server both methods trap naive}

T=$(mktemp -d)
cleanup() {
	# The client, a tool still tracing, the server: all of them.
	# shellcheck disable=SC2046
	kill "${SERVER_PID:-}" "${CLIENT_PID:-}" "${BSERVER_PID:-}" "${BCLIENT_PID:-}" \
		$(jobs -p) 2>/dev/null || true
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

# startup: the last section, also on its own (MODES= SKIP_FRONTEND=1).
startup() {
	local big sizes rss hwm t0 i
	big=${BIG:-$("$ROOT/bench/build-big.sh")}
	echo
	sizes=$(readelf -SW "$big" | sed 's/^ *\[ *[0-9]*\]//' |
		awk '$1 == ".text" || $1 == ".gopclntab" {print $1, $5}')
	echo "start-up on a large program: $big, $(($(stat -c %s "$big") / 1000000)) MB" \
		"($(file -b "$big" | grep -o 'not stripped\|stripped'); .text" \
		"$(($(echo "$sizes" | awk '$1 == ".text" {print "0x" $2}') / 1000000)) MB," \
		".gopclntab $(($(echo "$sizes" | awk '$1 == ".gopclntab" {print "0x" $2}') / 1000000)) MB)"
	"$big" server -portfile "$T/bport" >/dev/null &
	BSERVER_PID=$!
	for _ in $(seq 200); do [ -s "$T/bport" ] && break; sleep 0.05; done
	"$big" client -addr "127.0.0.1:$(cat "$T/bport")" -conns 2 -concurrency 4 \
		-duration 600 >/dev/null 2>&1 &
	BCLIENT_PID=$!
	: >"$T/starts"
	for i in $(seq "${STARTS:-5}"); do
		rm -f "$T/tracing" "$T/rss" "$T/cpu" "$T/timepid"
		t0=$EPOCHREALTIME
		# shellcheck disable=SC2016
		# The tool is /usr/bin/time's child: its RSS as it starts tracing.
		/usr/bin/time -f %M -o "$T/hwm" "$TOOL" -b "$big" -j -d 2 >"$T/big.json" \
			2> >(while IFS= read -r l; do
				case $l in Tracing*)
					echo "$EPOCHREALTIME" >"$T/tracing"
					pid=$(pgrep -P "$(cat "$T/timepid")" -f "^$TOOL ") &&
						awk '$1 == "VmRSS:" {print $2}' "/proc/$pid/status" >"$T/rss" &&
						proc_cpu "$pid" >"$T/cpu"
					;;
				esac
			done) &
		echo $! >"$T/timepid"
		wait $!
		for _ in $(seq 100); do [ -s "$T/tracing" ] && break; sleep 0.02; done
		hwm=$(cat "$T/hwm")
		rss=$(cat "$T/rss" 2>/dev/null || true)
		echo "$(cat "$T/tracing") $t0 $hwm ${rss:-0} $(tail -n 1 "$T/big.json" | jq .streams)" \
			"$(cat "$T/cpu" 2>/dev/null || echo 0)" |
			awk '{printf "%.3f %.1f %.1f %d %.2f\n", $1 - $2, $3 / 1024, $4 / 1024, $5,
				$6}' >>"$T/starts"
	done
	kill "$BCLIENT_PID" "$BSERVER_PID" 2>/dev/null || true
	wait "$BCLIENT_PID" "$BSERVER_PID" 2>/dev/null || true
	[ -z "${ROWS:-}" ] || cat "$T/starts"
	echo "medians of ${STARTS:-5} runs of grpcstreams -b -d 2 on it, its client running (start: from exec"
	echo "to the Tracing line, wall clock, and the tool's CPU time (user + system) until then, which"
	echo "depends less on the machine's load; peak RSS: the tool's maximum resident set over the run;"
	echo "RSS: as it starts tracing; streams: traced in the 2 s)"
	printf '%9s %9s %9s %9s %9s\n' START START_CPU PEAK_RSS RSS STREAMS
	printf '%8.3fs %8.2fs %7.1fMB %7.1fMB %9d\n' "$(cut -d' ' -f1 "$T/starts" | median)" \
		"$(cut -d' ' -f5 "$T/starts" | median)" "$(cut -d' ' -f2 "$T/starts" | median)" \
		"$(cut -d' ' -f3 "$T/starts" | median)" "$(cut -d' ' -f4 "$T/starts" | median)"
}

# scale: NPROGS (20) distinct grpc-go executables running, one server
# process each (idle): the fixture builds in .output/fix, topped up with
# copies of them (another inode: an executable of its own, looked at and
# attached on its own). The tool on the whole host (no -p, no -b): the time
# from its exec to its "Tracing" line (every one of them attached by then),
# its CPU time until then, its peak RSS over the run and its RSS as it
# starts tracing; then one more program started while it traces (another
# copy): from its exec to the tool's "tracing PID" line. Medians of STARTS.
scale() {
	local n=${NPROGS:-20} exes=() pids=() f i r builds t0 late pid
	for f in "$ROOT"/.output/fix/*/grpcfixture; do
		exes+=("$f")
	done
	[ "${#exes[@]}" -le "$n" ] || exes=("${exes[@]:0:$n}")
	builds=${#exes[@]}
	for ((i = 0; ${#exes[@]} < n; i++)); do
		cp "${exes[$((i % builds))]}" "$T/copy$i"
		exes+=("$T/copy$i")
	done
	for i in "${!exes[@]}"; do
		"${exes[$i]}" server -portfile "$T/sport$i" >/dev/null 2>&1 &
		pids+=("$!")
	done
	for i in "${!exes[@]}"; do
		for _ in $(seq 200); do [ -s "$T/sport$i" ] && break; sleep 0.05; done
	done
	cp "${exes[0]}" "$T/late"
	: >"$T/scale"
	for r in $(seq "${STARTS:-5}"); do
		rm -f "$T/slines" "$T/srss" "$T/scpu" "$T/spid"
		t0=$EPOCHREALTIME
		/usr/bin/time -f %M -o "$T/shwm" "$TOOL" -j -d 4 >/dev/null \
			2> >(while IFS= read -r l; do
				echo "$EPOCHREALTIME $l" >>"$T/slines"
				case $l in Tracing*)
					pid=$(pgrep -P "$(cat "$T/spid")" -f "^$TOOL ") &&
						awk '$1 == "VmRSS:" {print $2}' "/proc/$pid/status" >"$T/srss" &&
						proc_cpu "$pid" >"$T/scpu"
					;;
				esac
			done) &
		echo $! >"$T/spid"
		wait_for "$T/slines" " Tracing"
		late=$EPOCHREALTIME
		"$T/late" server -portfile "$T/lport$r" >/dev/null 2>&1 &
		pid=$!
		wait_for "$T/slines" "tracing PID $pid "
		wait "$(cat "$T/spid")"
		kill "$pid"
		wait "$pid" 2>/dev/null || true
		awk -v t0="$t0" -v late="$late" -v pid="$pid" -v hwm="$(cat "$T/shwm")" \
			-v rss="$(cat "$T/srss" 2>/dev/null || echo 0)" \
			-v cpu="$(cat "$T/scpu" 2>/dev/null || echo 0)" '
			/ Tracing grpc-go streams of / { start = $1 - t0; progs = $6 }
			$0 ~ "tracing PID " pid " " { pick = $1 - late }
			END { printf "%.3f %.2f %.1f %.1f %d %.3f\n", start, cpu, hwm / 1024,
				rss / 1024, progs, pick }' "$T/slines" >>"$T/scale"
	done
	kill "${pids[@]}" 2>/dev/null || true
	wait "${pids[@]}" 2>/dev/null || true
	echo
	echo "scale: $n distinct grpc-go executables running ($builds fixture builds in .output/fix," \
		"$((n - builds)) copies of them), one server process each; grpcstreams on the whole host"
	[ -z "${ROWS:-}" ] || cat "$T/scale"
	echo "medians of ${STARTS:-5} runs of grpcstreams -j -d 4 (start: from exec to the Tracing line,"
	echo "all of them attached; CPU: the tool's until then; peak RSS over the run; RSS as it starts"
	echo "tracing; PROGS: programs it said it traces; PICKUP: one more program started while it"
	echo "traces, from its exec to the tool's \"tracing PID\" line)"
	printf '%9s %9s %9s %9s %9s %9s\n' START START_CPU PEAK_RSS RSS PROGS PICKUP
	printf '%8.3fs %8.2fs %7.1fMB %7.1fMB %9d %8.3fs\n' \
		"$(cut -d' ' -f1 "$T/scale" | median)" "$(cut -d' ' -f2 "$T/scale" | median)" \
		"$(cut -d' ' -f3 "$T/scale" | median)" "$(cut -d' ' -f4 "$T/scale" | median)" \
		"$(cut -d' ' -f5 "$T/scale" | median)" "$(cut -d' ' -f6 "$T/scale" | median)"
}

median() {
	sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

if [ -z "$MODES" ]; then
	[ -n "${SKIP_STARTUP:-}" ] || startup
	[ -n "${SKIP_SCALE:-}" ] || scale
	exit 0
fi

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
	methods) args="-b $FIXTURE" ;;
	trap) args="-b $FIXTURE --bench-trap-only" ;;
	naive) args="-p $CLIENT_PID --naive-probes" ;;
	esac
	# Every mode but methods (a table each second) as NDJSON.
	json=-j
	[ "$mode" != methods ] || json=
	# The last mode's answers must not be taken for this one's.
	rm -f "$T/tool.err"
	# shellcheck disable=SC2086
	"$TOOL" $args $json --bench-toggle >"$T/tool.json" 2>"$T/tool.err" &
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
	# Lost events of the whole mode, from the tool's summary (or Total: line).
	if [ -n "$json" ]; then
		echo "$mode $(tail -n 1 "$T/tool.json" | jq .lost_events)" >>"$T/lost"
	else
		echo "$mode $(sed -n 's/^Total: .* lost \([0-9]*\) full .*/\1/p' "$T/tool.json")" >>"$T/lost"
	fi
done

# ROWS=1: every round's figures too (mode, untraced/s, traced/s, cpu/rpc
# untraced and traced, hits/rpc, tool cpu %, ratio).
[ -z "${ROWS:-}" ] || cat "$T/rows"
echo
echo "medians of $PAIRS (rpc/s: client throughput; ratio: traced/untraced of each round, whose windows"
echo "are next to each other, in turns untraced or traced first, so that the machine's drift cancels;"
echo "cpu/rpc: client CPU per RPC; hits/rpc: uprobe hits per RPC, counted in BPF, both sides together"
echo "for 'both' and 'trap'; lost: events lost in all the mode's windows; tool cpu: % of one CPU in"
echo "the window; trap: the probes of 'both' counting their hits and doing nothing else, the floor"
echo "set by the kernel's uprobe traps: what 'both' costs beyond it is grpcstreams' own work;"
echo "methods: the same probes as 'both', the default table, the methods counted in BPF instead of"
echo "an event per stream)"
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
if [ -z "${SKIP_FRONTEND:-}" ]; then
	echo
	echo "frontend alone: synthetic events at 1,000,000/s through the ring buffer and NDJSON output:"
	"$TOOL" --bench-events 5000000 --bench-rate 1000000 -j 2>&1 >/dev/null | tail -n 1
fi
[ -n "${SKIP_STARTUP:-}" ] || startup
[ -n "${SKIP_SCALE:-}" ] || scale
