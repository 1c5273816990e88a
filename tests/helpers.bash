# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Shared by the bats suites: run a real fixture server and client, trace the
# client with grpcstreams, and keep the client's own ground truth.

ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
TOOL=${GRPCSTREAMS:-$ROOT/grpcstreams}
# make's build directory (OUTPUT, as tests/run.sh passes it): the tool built
# without a release's layout. The fixtures are in .output/fix whatever it is.
case ${OUTPUT:-.output} in
/*) OUTDIR=$OUTPUT ;;
*) OUTDIR=$ROOT/${OUTPUT:-.output} ;;
esac
GRPC_VERSION=${GRPC_VERSION:-$(dpkg-query -W -f='${Version}' golang-google-grpc-dev | sed 's/-.*//')}
FIXTURE=${FIXTURE:-$ROOT/.output/fix/$GRPC_VERSION-plain/grpcfixture}
GOHELLO=$ROOT/.output/fix/gohello

# wait_for FILE PATTERN [SECONDS [PID]]: until FILE has a line matching
# PATTERN; with PID, give up as soon as that process has exited (a tool that
# refused its target must not cost the full timeout).
wait_for() {
	local i
	for i in $(seq $((${3:-20} * 20))); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		if [ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null; then
			grep -q "$2" "$1" 2>/dev/null && return 0
			echo "process $4 exited while waiting for '$2' in $1:" >&2
			cat "$1" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "timed out waiting for '$2' in $1:" >&2
	cat "$1" >&2
	return 1
}

# start_server [unix:PATH]: a fixture server on loopback TCP (PORT), or on a
# unix socket; start_client then dials it (ADDR).
start_server() {
	T=$BATS_TEST_TMPDIR
	rm -f "$T/port"
	"$FIXTURE" server -addr "${1:-127.0.0.1:0}" -portfile "$T/port" >"$T/server.out" 2>&1 &
	SERVER_PID=$!
	local i
	for i in $(seq 200); do
		[ -s "$T/port" ] && break
		sleep 0.05
	done
	PORT=$(cat "$T/port")
	[ -n "$PORT" ]
	ADDR=${1:-127.0.0.1:$PORT}
}

# short_dir: a new directory under /tmp with a name of 13 bytes (SHORT_DIR),
# for socket paths of an exact length (bats' own temporary directories are
# longer); teardown_common removes it.
short_dir() {
	SHORT_DIR=$(mktemp -d /tmp/gsXXXXXX)
	[ "${#SHORT_DIR}" -eq 13 ]
}

stop_server() {
	[ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null
	[ -n "${SERVER_PID:-}" ] && wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=
	return 0
}

# start_client ARGS...: a client that dials, then waits for $T/go before its
# first RPC; CLIENT_PID is its pid.
start_client() {
	rm -f "$T/go"
	"$FIXTURE" client -addr "$ADDR" -wait "$T/go" "$@" \
		>"$T/truth.json" 2>"$T/client.err" &
	CLIENT_PID=$!
	wait_for "$T/client.err" "connections ready"
}

# start_tool ARGS...: grpcstreams in the background, until it says Tracing.
start_tool() {
	"$TOOL" "$@" >"$T/out" 2>"$T/tool.err" &
	TOOL_PID=$!
	wait_for "$T/tool.err" "^Tracing" 20 "$TOOL_PID"
}

# trace_client CLIENT_ARGS...: trace one client run with -p PID -j to its
# exit. Leaves $T/truth.json (the client's account) and $T/out (NDJSON).
trace_client() {
	start_client "$@"
	# shellcheck disable=SC2086 # TOOL_OPTS: extra tool flags, e.g. -F
	start_tool -p "$CLIENT_PID" -j ${TOOL_OPTS:-}
	touch "$T/go"
	wait "$CLIENT_PID"
	timeout 30 tail --pid="$TOOL_PID" -f /dev/null
	wait "$TOOL_PID"
}

# Streams the tool reported, as one JSON array (of one SIDE if given).
streams() {
	jq -s --arg side "${1:-}" '[.[] | select(.type == "stream" and
		($side == "" or .side == $side))]' "${OUT:-$T/out}"
}

# Calls per "method kind status", as the fixture's per_call counts them.
per_call() {
	streams "${1:-}" | jq -cS 'group_by([.method, .kind, .status]) |
		map({key: "\(.[0].method) \(.[0].kind) \(.[0].status)", value: length}) |
		from_entries'
}

# The client's per_call as the server must see it: a server cannot know the
# kind of a method it does not have. "client" is what -F sees; "client-nokind"
# what the client side sees without -F (no kind at all).
truth_per_call() {
	if [ "${1:-client}" = client-nokind ]; then
		jq -cS '.per_call | to_entries | map(.key |= (split(" ") | .[1] = "null" |
			join(" "))) | group_by(.key) |
			map({key: .[0].key, value: (map(.value) | add)}) | from_entries' \
			"$T/truth.json"
	elif [ "${1:-client}" = server ]; then
		jq -cS '.per_call | to_entries | map(.key |= (split(" ") |
			if .[0] == "/fixture.Test/Missing" then .[1] = "null" else . end |
			join(" "))) | group_by(.key) |
			map({key: .[0].key, value: (map(.value) | add)}) | from_entries' \
			"$T/truth.json"
	else
		jq -cS .per_call "$T/truth.json"
	fi
}

# wait_streams N [SECONDS]: until the tool has printed N stream objects.
wait_streams() {
	local i
	for i in $(seq $((${2:-10} * 20))); do
		[ "$(grep -c '"type":"stream"' "${OUT:-$T/out}")" -ge "$1" ] && return 0
		sleep 0.05
	done
	return 0
}

# check_shadows: there are shadow collisions, one object for each one the
# summary counts, and each is true to the streams: the other connection
# carried a stream of the same pid, side and id, started before the
# collision and live after this stream started. (Its end time is read
# before it frees its id, so it may fall a little before: 0.5 ms slack.)
check_shadows() {
	local n
	n=$(summary | jq .collisions.shadow)
	[ "$n" -gt 0 ]
	[ "$(jq -s '[.[] | select(.type == "collision" and .kind == "shadow")] | length' \
		"${OUT:-$T/out}")" -eq "$n" ]
	jq -s -e '(map(select(.type == "stream")) |
		map({key: "\(.pid) \(.side) \(.conn) \(.stream_id)", value: .}) |
		from_entries) as $s |
		[.[] | select(.type == "collision" and .kind == "shadow")] |
		all(. as $c |
		    $s["\($c.pid) \($c.side) \($c.conn) \($c.stream_id)"] as $me |
		    $s["\($c.pid) \($c.side) \($c.other_conn) \($c.stream_id)"] as $o |
		    $c.conn != $c.other_conn and $me != null and $o != null and
		    $me.start_ts != null and $o.start_ts != null and
		    $o.start_ts <= $c.ts and $o.ts >= $me.start_ts - 0.0005)' "${OUT:-$T/out}" >/dev/null
}

summary() {
	jq -c 'select(.type == "summary")' "${OUT:-$T/out}"
}

teardown_common() {
	[ -n "${TOOL_PID:-}" ] && kill "$TOOL_PID" 2>/dev/null
	[ -n "${CLIENT_PID:-}" ] && kill "$CLIENT_PID" 2>/dev/null
	stop_server
	wait 2>/dev/null
	[ -z "${SHORT_DIR:-}" ] || rm -rf "$SHORT_DIR"
	return 0
}
