#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Method names are the traced program's data, never terminal commands: a
# real grpc-go client calls methods with hostile names (terminal escapes,
# CR/LF, bidi overrides, C1 controls, invalid UTF-8, a name longer than the
# tool reads), the real server answers what grpc-go lets through to it, and
# the tool's NDJSON and table are compared with the client's own account.

load helpers

setup() {
	start_server
	T=$BATS_TEST_TMPDIR
	LONG=/fixture.Test/$(printf 'm%.0s' $(seq 150))
	# One Go-quoted name a line (strconv.Unquote in the fixture).
	cat >"$T/methods" <<-EOF
		"/fixture.Test/\x1b[2J\x1b]0;pwned\x07"
		"/fixture.Test/cr\r\nlf"
		"/fixture.Test/\u202eevil/unicode\u00e9"
		"/fixture.Test/invalid\xff\xfe"
		"/fixture.Test/c1\u009b31m"
		"/fixture.Test/del\x7f"
		"$LONG"
	EOF
}

teardown() {
	teardown_common
}

# Names with control bytes: grpc-go's server refuses such a :path before
# any handler (golang.org/x/net/http2 checks every header field value).
HAS_CTL='(explode | any(. < 32 or . == 127))'

# The client's per_method as the tool can know it (127 bytes of a longer
# name); WHICH: all, ctl (names with control bytes) or plain.
truth_methods() {
	jq -cS ".per_method | with_entries(.key |= if utf8bytelength > 127 then .[0:127] else . end)
		| with_entries(select(\"$1\" == \"all\" or (.key | $HAS_CTL) == (\"$1\" == \"ctl\")))" \
		"$T/truth.json"
}

# The tool's streams of SIDE per method; WHICH as above.
tool_methods() {
	streams "$1" | jq -cS "map(select(\"$2\" == \"all\" or (.method | $HAS_CTL) == (\"$2\" == \"ctl\")))
		| group_by(.method) | map({key: .[0].method, value: length}) | from_entries"
}

@test "NDJSON: hostile method names exact on both sides, long ones marked" {
	start_client -conns 2 -concurrency 2 -rpcs 140 -methodfile "$T/methods"
	start_tool -b "$FIXTURE" -j
	touch "$T/go"
	wait "$CLIENT_PID"
	sleep 0.5
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	[ "$(jq -c . "$T/out" | wc -l)" -eq "$(wc -l <"$T/out")" ]
	# Every name the client called, exactly, with its count.
	[ "$(jq .rpcs "$T/truth.json")" -eq 140 ]
	[ "$(tool_methods client all)" = "$(truth_methods all)" ]
	# What reached the server: every name without control bytes, none with.
	[ "$(tool_methods server all)" = "$(truth_methods plain)" ]
	[ "$(truth_methods ctl)" != "{}" ]
	[ "$(truth_methods plain)" != "{}" ]
	# Cut where the tool stops reading, and said so; nothing else is marked.
	streams | jq -e 'length > 0 and all(.method_truncated == ((.method | utf8bytelength) == 127))'
	streams | jq -e --arg long "${LONG:0:127}" 'any(.method == $long and .method_truncated)'
}

@test "table: hostile method names shown visibly, one line per row" {
	start_client -conns 2 -concurrency 2 -rpcs 70 -methodfile "$T/methods"
	start_tool -b "$FIXTURE" -C -i 1 -r 200
	touch "$T/go"
	wait "$CLIENT_PID"
	sleep 1.2
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	# No control byte but the newline, no C1 control, no bidi override raw.
	[ "$(tr -d '\n' <"$T/out" | LC_ALL=C grep -caP '[\x00-\x1f\x7f]')" -eq 0 ]
	[ "$(LC_ALL=C grep -caP '\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]' "$T/out")" -eq 0 ]
	# Every line: an interval's header, the column names, a row, the whole
	# run's title, or the total.
	run grep -cvE '^$|^[0-9:]{8} rpc/s |^PID +SIDE |^[0-9]+ +(client|server) +|^Whole run, |^Total: ' "$T/out"
	[ "$output" -eq 0 ]
	grep -qF '/fixture.Test/\x1b[2J\x1b]0;pwned\x07' "$T/out"
	grep -qF '/fixture.Test/cr\x0d\x0alf' "$T/out"
	grep -qF '/fixture.Test/\u202eevil/unicode' "$T/out"
	grep -qF '/fixture.Test/invalid\xff\xfe' "$T/out"
	grep -qF '/fixture.Test/c1\u009b31m' "$T/out"
	grep -qF "${LONG:0:127}..." "$T/out"
}
