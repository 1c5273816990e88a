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
	# shellcheck disable=SC2086 # SERVER_OPTS: extra server flags
	"$FIXTURE" server -addr "${1:-127.0.0.1:0}" -portfile "$T/port" ${SERVER_OPTS:-} \
		>"$T/server.out" 2>&1 &
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

# ask PID SIGNAL FILE PREFIX: send PID SIGNAL, then the rest of the first
# new line of FILE that starts with "PREFIX " (what the fixtures and the
# tool's bench mode print on a signal).
ask() {
	local n i
	n=$(grep -c "^$4 " "$3" || true)
	kill -"$2" "$1"
	for i in $(seq 400); do
		[ "$(grep -c "^$4 " "$3" || true)" -gt "$n" ] && break
		sleep 0.01
	done
	grep "^$4 " "$3" | sed -n "$((n + 1))p" | cut -d' ' -f2-
}

# client_progress: the RPCs the running client has completed, as it says
# on SIGUSR1 ("progress RPCS CPU SECONDS").
client_progress() {
	ask "$CLIENT_PID" USR1 "$T/client.err" progress | cut -d' ' -f1
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

# check_record_shadows: the tool's shadow collisions against the client's
# own record (client -record: which stream id was live on which of its
# connections when, from its frames; see tests/fixture): the count lies in
# [certain, certain + ambiguous]; each collision object is one the record
# allows (its stream may have had one, and the other connection it names
# may have had the id live then), no stream has two; and every collision
# the record is certain of is there. Where the record has no ambiguous
# case, the tool's collisions are exactly the record's. The tool's
# connections are told apart by their numbers of streams, which the
# fixture makes differ under -record.
check_record_shadows() {
	local out=${OUT:-$T/out} n
	jq -e '.record.conn_streams | length > 1 and (unique | length) == length' "$T/truth.json"
	jq -e '.record.untagged == 0' "$T/truth.json"
	n=$(summary | jq .collisions.shadow)
	[ "$(jq -s '[.[] | select(.type == "collision" and .kind == "shadow")] | length' \
		"$out")" -eq "$n" ]
	[ "$n" -ge "$(jq .record.shadow_certain "$T/truth.json")" ]
	[ "$n" -le "$(jq '.record.shadow_certain + .record.shadow_ambiguous' "$T/truth.json")" ]
	jq -s -e --slurpfile t "$T/truth.json" '
		def addr: split("#")[0];
		$t[0].record as $r |
		# tool connection (its address) -> fixture connection
		(map(select(.type == "stream" and .side == "client")) | group_by(.conn | addr) |
		 map({key: (.[0].conn | addr), value: (length as $n | $r.conn_streams | index($n))}) |
		 from_entries) as $m |
		($r.shadows | map({key: "\(.conn) \(.sid)", value: .}) | from_entries) as $rs |
		[.[] | select(.type == "collision" and .kind == "shadow") |
		 {c: $m[.conn | addr], o: $m[.other_conn | addr], sid: .stream_id}] as $ev |
		($m | to_entries | all(.value != null)) and
		($m | [.[]] | unique | length) == ($m | length) and
		($ev | all(.c != null and .o != null and
			$rs["\(.c) \(.sid)"] as $s | $s != null and (.o as $o | $s.others | index($o)) != null)) and
		($ev | map("\(.c) \(.sid)") | unique | length) == ($ev | length) and
		($ev | map({key: "\(.c) \(.sid)", value: 1}) | from_entries) as $seen |
		($r.shadows | map(select(.certain)) | all($seen["\(.conn) \(.sid)"] != null))' \
		"$out" >/dev/null
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
