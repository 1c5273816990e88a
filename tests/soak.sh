#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The soak: a fixture server and a fixture client in burst mode (-bursts)
# stay up for the whole run while grpcstreams (-b on a private copy of the
# fixture binary: both sides, and no one else's processes) is attached and
# detached SOAK_WINDOWS times, each run ended in turn by SIGINT, SIGTERM,
# SIGKILL and -d expiry, every other pair of rounds on the per-site
# (perf event) attach path.
#
# A window: start the tool, wait for its "Tracing" line, run one burst (the
# client prints the burst's own truth when its last RPC has returned), stop
# the tool. INT and TERM are sent after the burst; a -d run is complete
# when the burst ended before launch + SECONDS (its loop starts after the
# launch, so it cannot have stopped earlier), else it is counted as
# incomplete and the next -d doubles; SIGKILL is sent during the burst
# (detach with RPCs in flight) and cannot report. Checked:
#  - every burst: the client's truth is the burst asked for (RPCs, counts
#    per status from the -codes cycle): no failure that was not injected;
#  - every complete window: the tool's streams equal the burst's truth per
#    side, method and status, and per connection (counts, sorted); its
#    summary says as many streams, 0 open, 0 lost;
#  - every window, while the tool runs: its BPF programs, maps and links
#    (ids read from /proc/PID/fdinfo), its perf events on the private
#    binary (bpftool perf), and breakpoints in the text of both traced
#    processes (/proc/PID/mem differs from the file) are seen: the leftover
#    check is not blind;
#  - after every exit: none of those ids left in the kernel, no perf event
#    on the binary, no tracefs uprobe_events line naming it, and both
#    processes' text equal to the file again (no breakpoint left);
#  - then untraced bursts until SOAK_RPCS RPCs in all;
#  - with SOAK_RSS_SECONDS > 0: one tool run over that many seconds of
#    bursts back to back (its NDJSON counted on the fly, also exact), its
#    VmRSS sampled every SOAK_RSS_EVERY seconds: the last half's max must not
#    exceed the first half's max by more than SOAK_RSS_SLACK_KB.
# Ends with a summary; exits non-zero on any failure.
#
#   SOAK_WINDOWS=100 SOAK_BURST=5000 SOAK_RPCS=1000000 SOAK_RSS_SECONDS=600
#   SOAK_RSS_EVERY=5 SOAK_RSS_SLACK_KB=2048 SOAK_CONNS=2 SOAK_CONC=8
#   FIXTURE=.output/fix/VER-plain/grpcfixture GRPCSTREAMS=./grpcstreams
#   SOAK_LEAK_WAIT=30 (seconds the kernel gets to free what a tool held)
# Needs root, bpftool, jq.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOL=${GRPCSTREAMS:-$ROOT/grpcstreams}
if [ -z "${FIXTURE:-}" ]; then
	v=$(dpkg-query -W -f='${Version}' golang-google-grpc-dev | sed 's/-.*//')
	FIXTURE=$ROOT/.output/fix/$v-plain/grpcfixture
fi
WINDOWS=${SOAK_WINDOWS:-100}
BURST=${SOAK_BURST:-5000}
RPCS_MIN=${SOAK_RPCS:-1000000}
RSS_SECONDS=${SOAK_RSS_SECONDS:-600}
RSS_EVERY=${SOAK_RSS_EVERY:-5}
RSS_SLACK=${SOAK_RSS_SLACK_KB:-2048}
CONNS=${SOAK_CONNS:-2}
CONC=${SOAK_CONC:-8}
LEAK_WAIT=${SOAK_LEAK_WAIT:-30}
# Injected failures: 5 from the server, 12 an unknown method. No cancel
# or deadline: the server ends those after the client has its status, so
# the burst's end would not be the end of its server streams.
CODES=0,0,0,5,12
KINDS=unary,server_stream,client_stream,bidi

START=$(date +%s)
if [ "$(id -u)" -ne 0 ]; then
	echo "soak: must run as root" >&2
	exit 1
fi
[ -x "$TOOL" ] || { echo "soak: no tool $TOOL (make)" >&2; exit 1; }
[ -x "$FIXTURE" ] || { echo "soak: no fixture $FIXTURE (make fixtures)" >&2; exit 1; }

W=$(mktemp -d /tmp/grpcstreams-soak.XXXXXX)
# A private copy: its path names this run's probes, and -b on it sees only
# this run's two processes.
BIN=$W/grpcfixture
cp "$FIXTURE" "$BIN"
SERVER_PID='' CLIENT_PID='' TOOL_PID='' AGG_PID=''
failures=0

fail() {
	echo "soak: FAIL: $*" >&2
	failures=$((failures + 1))
}

cleanup() {
	local p
	for p in $TOOL_PID $CLIENT_PID $SERVER_PID $AGG_PID; do
		kill "$p" 2>/dev/null
	done
	exec 7>&-
	wait 2>/dev/null
	if [ "${SOAK_KEEP:-}" ]; then
		echo "soak: kept $W" >&2
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# alive PID: running, not a zombie (kill -0 says yes to a zombie).
alive() {
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# wait_line FILE PATTERN SECONDS PID: until FILE has a line matching
# PATTERN, or PID has exited, or SECONDS passed.
wait_line() {
	local end=$((SECONDS + $3))
	while [ $SECONDS -lt $end ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$4" 2>/dev/null || { grep -q "$2" "$1" 2>/dev/null; return; }
		sleep 0.05
	done
	return 1
}

# wait_exit PID SECONDS: its exit status in RC; 1 if it did not exit.
wait_exit() {
	local end=$((SECONDS + $2))
	while kill -0 "$1" 2>/dev/null && [ $SECONDS -lt $end ]; do
		sleep 0.05
	done
	kill -0 "$1" 2>/dev/null && return 1
	RC=0
	wait "$1" || RC=$?
	return 0
}

# --- the service --------------------------------------------------------
"$BIN" server -portfile "$W/port" >"$W/server.out" 2>&1 &
SERVER_PID=$!
wait_line "$W/port" . 30 "$SERVER_PID" || { echo "soak: server did not start" >&2; exit 1; }
mkfifo "$W/cmd"
"$BIN" client -addr "127.0.0.1:$(cat "$W/port")" -bursts -rpcs "$BURST" -conns "$CONNS" \
	-concurrency "$CONC" -codes "$CODES" -kinds "$KINDS" <"$W/cmd" \
	>"$W/truth.ndjson" 2>"$W/client.err" &
CLIENT_PID=$!
exec 7>"$W/cmd"
wait_line "$W/client.err" "connections ready" 30 "$CLIENT_PID" ||
	{ echo "soak: client did not start" >&2; cat "$W/client.err" >&2; exit 1; }

# What each burst must report per status: the -codes cycle over BURST RPCs.
EXPECT_STATUS=$(echo "$CODES" | tr , '\n' | awk -v n="$BURST" \
	'{ c[NR - 1] = $1 } END { for (i = 0; i < n; i++) s[c[i % NR]]++;
	   for (k in s) printf "%s %d\n", k, s[k] }' | sort | tr '\n' ' ')

bursts=0
rpcs=0
burst_start() {
	echo go >&7
	bursts=$((bursts + 1))
}

# burst_wait: the burst's truth line in $W/burst.json. Fails (and ends the
# soak) if the client died or its truth shows a failure not injected.
burst_wait() {
	local got n end=$((SECONDS + 600))
	while [ "$(wc -l <"$W/truth.ndjson")" -lt "$bursts" ]; do
		if ! kill -0 "$CLIENT_PID" 2>/dev/null || [ $SECONDS -ge $end ]; then
			fail "burst $bursts: no truth from the client (alive: $(kill -0 "$CLIENT_PID" 2>/dev/null && echo yes || echo no))"
			cat "$W/client.err" >&2
			exit 1
		fi
		sleep 0.02
	done
	sed -n "${bursts}p" "$W/truth.ndjson" >"$W/burst.json"
	got=$(jq -r '.per_status | to_entries[] | "\(.key) \(.value)"' "$W/burst.json" |
		sort | tr '\n' ' ')
	n=$(jq .rpcs "$W/burst.json")
	rpcs=$((rpcs + n))
	if [ "$n" -ne "$BURST" ] || [ "$got" != "$EXPECT_STATUS" ]; then
		fail "burst $bursts: $n RPCs, per status '$got', asked for $BURST, '$EXPECT_STATUS'"
		exit 1
	fi
}

burst() {
	burst_start
	burst_wait
}

# --- what a tool instance holds, and what is left of it ----------------
# text_diff PID: bytes of PID's executable mappings of $BIN that differ
# from the file (a uprobe's breakpoint shows in the process's memory).
text_diff() {
	local pid=$1 start end perm off rest n=0 d
	while read -r range perm off _ _ rest; do
		if [ "$rest" != "$BIN" ] || [ "${perm:2:1}" != x ]; then
			continue
		fi
		start=$((16#${range%-*}))
		end=$((16#${range#*-}))
		d=$(cmp -l <(dd if="/proc/$pid/mem" bs=64K iflag=skip_bytes,count_bytes \
				skip="$start" count=$((end - start)) status=none) \
			<(dd if="$BIN" bs=64K iflag=skip_bytes,count_bytes \
				skip=$((16#$off)) count=$((end - start)) status=none) 2>/dev/null | wc -l)
		n=$((n + d))
	done <"/proc/$pid/maps"
	echo "$n"
}

# held PID: the ids of the BPF objects PID holds, "prog:ID map:ID link:ID".
held() {
	grep -h -E '^(prog|map|link)_id:' /proc/"$1"/fdinfo/* 2>/dev/null |
		sed 's/_id:[[:space:]]*/:/' | sort -u | tr '\n' ' '
}

# perf_on_bin: perf events (the per-site path) of the programs in HELD, or
# on the private binary by its name. The tool attaches through the file it
# opened (filename /proc/self/fd/N), so its programs are what tell them.
perf_on_bin() {
	local x pat="filename $BIN "
	for x in $HELD; do
		case $x in prog:*) pat="$pat"$'\n'"prog_id ${x#prog:} " ;; esac
	done
	bpftool perf show 2>/dev/null | grep -cF "$pat" || true
}

tracefs_on_bin() {
	local ev n=0
	for ev in /sys/kernel/tracing/uprobe_events /sys/kernel/debug/tracing/uprobe_events; do
		[ -r "$ev" ] && n=$((n + $(grep -cF "$BIN" "$ev")))
	done
	echo "$n"
}

# left IDS: which of IDS ("prog:N map:N link:N ...") the kernel still has.
left() {
	local progs maps links x
	progs=" $(bpftool prog show -j 2>/dev/null | jq -r '.[].id' | tr '\n' ' ') "
	maps=" $(bpftool map show -j 2>/dev/null | jq -r '.[].id' | tr '\n' ' ') "
	links=" $(bpftool link show -j 2>/dev/null | jq -r '.[].id' | tr '\n' ' ') "
	for x in $1; do
		case $x in
		prog:*) [[ $progs == *" ${x#prog:} "* ]] && echo -n "$x " ;;
		map:*) [[ $maps == *" ${x#map:} "* ]] && echo -n "$x " ;;
		link:*) [[ $links == *" ${x#link:} "* ]] && echo -n "$x " ;;
		esac
	done
	echo
}

leftovers=0
# while_running MODE OUTPUT: the tool's objects are seen (else the check after its
# exit would be blind); their ids in HELD. What was not seen is in BLIND.
while_running() {
	local c s l a b
	BLIND=
	HELD=$(held "$TOOL_PID")
	c=$(text_diff "$CLIENT_PID")
	s=$(text_diff "$SERVER_PID")
	l=$(left "$HELD")
	[[ $HELD == *prog:* ]] && [[ $HELD == *map:* ]] ||
		BLIND+="no BPF program or map held ($HELD); "
	read -ra a <<<"$l"
	read -ra b <<<"$HELD"
	[ "${a[*]}" = "${b[*]}" ] || BLIND+="bpftool does not list '$HELD' but '$l'; "
	if [ "$1" = multi ]; then
		[[ $HELD == *link:* ]] || BLIND+="no uprobe_multi link held; "
	else
		[ "$(perf_on_bin)" -gt 0 ] || BLIND+="no perf event on $BIN; "
	fi
	[ "$c" -gt 0 ] && [ "$s" -gt 0 ] ||
		BLIND+="no breakpoint in the traced text (client $c, server $s bytes); "
	BP_BYTES=$((c + s))
	# A -d run may have ended while it was looked at: its window is then
	# incomplete, and what it showed of itself is moot. It prints its
	# summary before it detaches: without one, it was all there.
	if [ -n "$BLIND" ] && alive "$TOOL_PID" && ! grep -q '"type":"summary"' "$2"; then
		fail "window $win: the leftover check is blind: $BLIND"
		BLIND=
	fi
}

# after_exit: nothing of the tool left, given the kernel LEAK_WAIT seconds
# to free what it held.
after_exit() {
	local end=$((SECONDS + LEAK_WAIT)) l p t c s
	while :; do
		l=$(left "$HELD")
		p=$(perf_on_bin)
		t=$(tracefs_on_bin)
		c=$(text_diff "$CLIENT_PID")
		s=$(text_diff "$SERVER_PID")
		[ -z "${l// /}" ] && [ "$p" -eq 0 ] && [ "$t" -eq 0 ] && [ "$c" -eq 0 ] &&
			[ "$s" -eq 0 ] && return 0
		[ $SECONDS -lt $end ] || break
		sleep 0.5
	done
	leftovers=$((leftovers + 1))
	fail "window $win ($kind): left after exit: ids '$l', perf events $p, tracefs $t, changed text bytes client $c server $s"
}

# --- exactness ----------------------------------------------------------
# aggregate: the tool's NDJSON (stdin) as sorted lines "call SIDE METHOD
# STATUS N", "conn SIDE N" (streams per connection), "summary STREAMS OPEN
# LOST", "lines N".
aggregate() {
	awk '
	function field(name,   re, s) {
		re = "\"" name "\":(\"[^\"]*\"|[^,}]*)"
		if (!match($0, re))
			return "?"
		s = substr($0, RSTART + length(name) + 3, RLENGTH - length(name) - 3)
		gsub(/"/, "", s)
		return s
	}
	{ lines++ }
	/^\{"type":"stream"/ {
		side = field("side")
		call[side " " field("method") " " field("status")]++
		conn[side " " field("pid") " " field("conn")]++
		next
	}
	/^\{"type":"summary"/ {
		print "summary", field("streams"), field("open"), field("lost_events")
		next
	}
	END {
		for (k in call)
			print "call", k, call[k]
		for (k in conn) {
			split(k, a, " ")
			print "conn", a[1], conn[k]
		}
	}' | LC_ALL=C sort
}

# expect TRUTH_FILE: what aggregate must say for the bursts in TRUTH_FILE
# (one truth a line, on the same connections): each call on both sides
# (the server sees the client's methods and statuses), each connection's
# streams on both sides, the summary.
expect() {
	jq -rs '
	(map(.per_call | to_entries[]) | map((.key | split(" ")) as $k |
		{k: "\($k[0]) \($k[2])", v: .value}) | group_by(.k) |
		map("\(.[0].k) \(map(.v) | add)")) as $calls |
	(map(.per_conn) | transpose | map(add) | map(select(. > 0))) as $conns |
	($calls[] | "call client \(.)", "call server \(.)"),
	($conns[] | "conn client \(.)", "conn server \(.)"),
	"summary \(2 * (map(.rpcs) | add)) 0 0"' "$1" | LC_ALL=C sort
}

exact=0
complete=0
# check_exact LABEL TRUTH_FILE AGGREGATE_FILE
check_exact() {
	complete=$((complete + 1))
	expect "$2" >"$W/expect"
	if diff -u "$W/expect" "$3" >"$W/diff"; then
		exact=$((exact + 1))
	else
		fail "$1: streams differ from the truth (- truth, + tool):"
		head -n 40 "$W/diff" >&2
	fi
}

# --- the windows --------------------------------------------------------
declare -A ends=()
perf_windows=0
incomplete=0
midburst=0
DUR=6
BP_BYTES=0
for win in $(seq 1 "$WINDOWS"); do
	case $((win % 4)) in
	1) kind=INT ;;
	2) kind=TERM ;;
	3) kind=KILL ;;
	0) kind=DUR ;;
	esac
	# Rounds of four in turn: uprobe_multi links, then a perf event per
	# site (--no-uprobe-multi, the path of kernels before 6.6).
	mode=multi
	opts=(-b "$BIN" -j)
	if [ $((((win - 1) / 4) % 2)) -eq 1 ]; then
		mode=perf
		opts+=(--no-uprobe-multi)
		perf_windows=$((perf_windows + 1))
	fi
	[ "$kind" = DUR ] && opts+=(-d "$DUR")
	# Gone before the launch: the wait below must not read the last
	# run's lines before the shell has truncated them for this one.
	rm -f "$W/out" "$W/err"
	launch=${EPOCHREALTIME/./}
	"$TOOL" "${opts[@]}" >"$W/out" 2>"$W/err" 7>&- &
	TOOL_PID=$!
	if ! wait_line "$W/err" "^Tracing" 120 "$TOOL_PID"; then
		fail "window $win: the tool did not start tracing:"
		cat "$W/err" >&2
		exit 1
	fi
	t_up=${EPOCHREALTIME/./}
	while_running "$mode" "$W/out"
	t_seen=${EPOCHREALTIME/./}
	ends[$kind]=$((${ends[$kind]:-0} + 1))
	case $kind in
	INT | TERM)
		burst
		kill -s "$kind" "$TOOL_PID"
		;;
	KILL)
		burst_start
		# Mid-burst when it can be: once its first streams are out.
		wait_line "$W/out" '"type":"stream"' 30 "$TOOL_PID"
		kill -KILL "$TOOL_PID"
		[ "$(wc -l <"$W/truth.ndjson")" -ge "$bursts" ] || midburst=$((midburst + 1))
		;;
	DUR)
		burst
		done_at=${EPOCHREALTIME/./}
		;;
	esac
	if ! wait_exit "$TOOL_PID" $((DUR + 120)); then
		fail "window $win ($kind): the tool did not exit"
		kill -KILL "$TOOL_PID"
		wait "$TOOL_PID"
		RC=-1
	fi
	TOOL_PID=
	t_exit=${EPOCHREALTIME/./}
	after_exit
	t_clean=${EPOCHREALTIME/./}
	case $kind in
	INT | TERM)
		[ "$RC" -eq 0 ] || fail "window $win ($kind): exit status $RC"
		aggregate <"$W/out" >"$W/agg"
		check_exact "window $win ($kind, $mode)" "$W/burst.json" "$W/agg"
		;;
	DUR)
		[ "$RC" -eq 0 ] || fail "window $win (-d $DUR): exit status $RC"
		took=$((done_at - launch))
		if [ -z "$BLIND" ] && [ "$took" -lt $((DUR * 1000000)) ]; then
			aggregate <"$W/out" >"$W/agg"
			check_exact "window $win (-d $DUR, $mode)" "$W/burst.json" "$W/agg"
			# The next -d: twice what this one needed (not a
			# condition of the test, only its pace).
			DUR=$((took * 2 / 1000000 + 2))
		else
			incomplete=$((incomplete + 1))
			DUR=$((DUR * 2))
		fi
		;;
	KILL)
		[ "$RC" -eq 137 ] || fail "window $win (KILL): exit status $RC"
		# The burst the kill cut through must still be whole.
		burst_wait
		;;
	esac
	[ -z "${SOAK_VERBOSE:-}" ] ||
		echo "soak: window $win $kind $mode: ms to Tracing $(((t_up - launch) / 1000))," \
			"seen $(((t_seen - t_up) / 1000)), burst+exit $(((t_exit - t_seen) / 1000))," \
			"clean $(((t_clean - t_exit) / 1000)), checked $(((${EPOCHREALTIME/./} - t_clean) / 1000))" >&2
	[ $((win % 10)) -eq 0 ] &&
		echo "soak: $win windows, $rpcs RPCs, $exact exact, $leftovers with leftovers" >&2
done
traced_rpcs=$rpcs

# --- a long run: RSS ------------------------------------------------------
rss_first='' rss_max=0 rss_last='' rss_h1=0 rss_h2=0 rss_n=0
if [ "$RSS_SECONDS" -gt 0 ]; then
	win=rss kind=INT
	mkfifo "$W/fifo"
	aggregate <"$W/fifo" >"$W/agg" 7>&- &
	AGG_PID=$!
	rm -f "$W/err"
	"$TOOL" -b "$BIN" -j >"$W/fifo" 2>"$W/err" 7>&- &
	TOOL_PID=$!
	if ! wait_line "$W/err" "^Tracing" 120 "$TOOL_PID"; then
		fail "RSS run: the tool did not start tracing:"
		cat "$W/err" >&2
		exit 1
	fi
	while_running multi /dev/null
	first_burst=$((bursts + 1))
	end=$((SECONDS + RSS_SECONDS))
	samples=()
	next_sample=$SECONDS
	while [ $SECONDS -lt $end ]; do
		burst_start
		while [ "$(wc -l <"$W/truth.ndjson")" -lt "$bursts" ]; do
			if [ $SECONDS -ge "$next_sample" ]; then
				samples+=("$(awk '/^VmRSS:/ { print $2 }' "/proc/$TOOL_PID/status")")
				next_sample=$((next_sample + RSS_EVERY))
			fi
			kill -0 "$CLIENT_PID" 2>/dev/null || break
			sleep 0.1
		done
		burst_wait
	done
	samples+=("$(awk '/^VmRSS:/ { print $2 }' "/proc/$TOOL_PID/status")")
	kill -INT "$TOOL_PID"
	wait_exit "$TOOL_PID" 120 || { fail "RSS run: the tool did not exit"; exit 1; }
	TOOL_PID=
	wait "$AGG_PID"
	AGG_PID=
	ends[INT]=$((${ends[INT]:-0} + 1))
	after_exit
	[ "$RC" -eq 0 ] || fail "RSS run: exit status $RC"
	sed -n "$first_burst,${bursts}p" "$W/truth.ndjson" >"$W/rss.truth"
	check_exact "RSS run ($((bursts - first_burst + 1)) bursts)" "$W/rss.truth" "$W/agg"
	traced_rpcs=$rpcs
	rss_n=${#samples[@]}
	rss_first=${samples[0]}
	rss_last=${samples[rss_n - 1]}
	for i in "${!samples[@]}"; do
		v=${samples[i]}
		[ "$v" -gt "$rss_max" ] && rss_max=$v
		if [ "$i" -lt $((rss_n / 2)) ]; then
			[ "$v" -gt "$rss_h1" ] && rss_h1=$v
		elif [ "$v" -gt "$rss_h2" ]; then
			rss_h2=$v
		fi
	done
	[ "$rss_h2" -le $((rss_h1 + RSS_SLACK)) ] ||
		fail "RSS grew: last half's max $rss_h2 kB > first half's max $rss_h1 kB + $RSS_SLACK kB"
fi

# --- untraced bursts up to SOAK_RPCS --------------------------------------
while [ "$rpcs" -lt "$RPCS_MIN" ]; do
	burst
done

# The service is still up after all of it.
kill -0 "$SERVER_PID" 2>/dev/null || fail "the server died"
kill -0 "$CLIENT_PID" 2>/dev/null || fail "the client died"
exec 7>&-
if ! wait_exit "$CLIENT_PID" 60 || [ "$RC" -ne 0 ]; then
	fail "the client did not end cleanly"
fi
CLIENT_PID=

total=$((${ends[INT]:-0} + ${ends[TERM]:-0} + ${ends[KILL]:-0} + ${ends[DUR]:-0}))
echo "soak: RPCs $rpcs ($traced_rpcs in traced runs), bursts $bursts of $BURST"
echo "soak: tool runs $total: SIGINT ${ends[INT]:-0}, SIGTERM ${ends[TERM]:-0}," \
	"SIGKILL ${ends[KILL]:-0} ($midburst mid-burst), -d ${ends[DUR]:-0} ($incomplete ended before their burst);" \
	"per-site (perf event) attach $perf_windows"
echo "soak: exact windows $exact of $complete complete"
echo "soak: runs with leftovers $leftovers (breakpoint bytes seen while tracing, last run: $BP_BYTES)"
if [ -n "$rss_first" ]; then
	echo "soak: RSS kB over ${RSS_SECONDS} s ($rss_n samples): first $rss_first max $rss_max" \
		"last $rss_last; max first half $rss_h1, last half $rss_h2"
fi
echo "soak: run time $(($(date +%s) - START)) s"
if [ "$failures" -eq 0 ] && [ "$exact" -eq "$complete" ] && [ "$leftovers" -eq 0 ]; then
	echo "soak: PASS"
else
	echo "soak: FAIL ($failures failures)"
	exit 1
fi
