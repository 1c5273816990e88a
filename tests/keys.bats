#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The tool at a terminal: keys (q, s, v, x, p), colour, the width of the
# method column, all under a pseudo-terminal (script(1)); and none of it
# when stdout is not a terminal.

load helpers

setup() {
	start_server
	# A third of the calls fail (NOT_FOUND), of both methods: the failed-only
	# key has rows to show.
	start_client -conns 2 -concurrency 4 -duration 60 -delay 1 -codes 0,5,0 \
		-kinds unary,server_stream
	touch "$T/go"
	mkfifo "$T/keys"
}

teardown() {
	exec 7>&- 2>/dev/null || true
	[ -n "${SCRIPT_PID:-}" ] && kill "$SCRIPT_PID" 2>/dev/null
	teardown_common
}

# on_tty COLS COMMAND: COMMAND under a pseudo-terminal COLS wide, its
# output (as the terminal got it) in $T/tty, its keys from $T/keys (fd 7).
on_tty() {
	script -q -e -f -c "stty cols $1; $2; echo; stty -a" "$T/tty" <"$T/keys" >/dev/null 2>&1 &
	SCRIPT_PID=$!
	exec 7>"$T/keys"
}

# key K PATTERN: press K, then wait for PATTERN in what the terminal shows.
key() {
	printf %s "$1" >&7
	wait_for "$T/tty" "$2" 20
}

# after PATTERN: the terminal's lines after the last one matching PATTERN.
after() {
	tr -d '\r' <"$T/tty" | sed 's/\x1b\[H\x1b\[2J//g; s/\x1b\[[0-9;]*m//g' | awk -v p="$1" '$0 ~ p { n = NR } { l[NR] = $0 }
		END { for (i = n + 1; i <= NR; i++) print l[i] }'
}

@test "keys: s sorts, v changes the view, x shows only failures, p pauses, q quits" {
	on_tty 120 "$TOOL -b $FIXTURE -i 1"
	wait_for "$T/tty" "view methods, sort rate | keys: q quit" 20
	key s "view methods, sort errors |"
	key v "view streams, sort errors |"
	wait_for "$T/tty" "STATE LAT/AGE_MS STATUS METHOD" 20
	key v "view conns, sort errors |"
	wait_for "$T/tty" "MAX_SID SHADOW SHADOW_WITH" 20
	key v "view methods, sort errors |"
	key x "view methods, sort errors, failed only |"
	# The table after the next one under "failed only": every row all errors.
	wait_for "$T/tty" "failed only |.*" 20
	local n
	n=$(grep -c "failed only |" "$T/tty")
	for _ in $(seq 100); do
		[ "$(grep -c "failed only |" "$T/tty")" -ge $((n + 2)) ] && break
		sleep 0.05
	done
	[ "$(after 'failed only \|' | awk '$2 == "client" || $2 == "server"' | wc -l)" -ge 2 ]
	after 'failed only \|' | awk '($2 == "client" || $2 == "server") && $4 != "100.0" { bad++ }
		END { exit bad > 0 }'
	key p "failed only, PAUSED |"
	# Paused: no table for the next two and a half intervals.
	n=$(grep -c "keys: q quit" "$T/tty")
	sleep 2.5
	[ "$(grep -c "keys: q quit" "$T/tty")" -eq "$n" ]
	key p "view methods, sort errors, failed only | keys"
	printf q >&7
	wait "$SCRIPT_PID"
	SCRIPT_PID=
	# q: the summary, exit 0 (script -e passes it on), the terminal as it was.
	grep -q "^Total: streams [0-9]* started" "$T/tty"
	grep -qE '(^| )icanon ' "$T/tty"
	grep -qE '(^| )echo ' "$T/tty"
}

@test "colour at a terminal, none with NO_COLOR; the method column fits the width" {
	on_tty 95 "$TOOL -b $FIXTURE -d 2"
	wait "$SCRIPT_PID"
	SCRIPT_PID=
	# Errors in red (a third of the calls fail).
	grep -qF $'\e[31m' "$T/tty"
	# 95 columns: the METHOD column (from column 81) keeps its 20 at least,
	# marked where cut: "/fixture.Test/Ser..."; "/fixture.Test/Unary" fits.
	tr -d '\r' <"$T/tty" | awk '($2 == "client" || $2 == "server") { print $NF }' >"$T/methods"
	grep -qx '/fixture.Test/Ser\.\.\.' "$T/methods"
	grep -qx '/fixture.Test/Unary' "$T/methods"
	[ "$(grep -c '/fixture.Test/ServerStream$' "$T/methods")" -eq 0 ]
	on_tty 160 "NO_COLOR=1 $TOOL -b $FIXTURE -d 2"
	wait "$SCRIPT_PID"
	SCRIPT_PID=
	# Only the clearing of the screen: no colour.
	[ "$(sed 's/\x1b\[H\x1b\[2J//g' "$T/tty" | grep -cF $'\e')" -eq 0 ]
	grep -q '/fixture.Test/ServerStream' "$T/tty"
}

@test "stdout not a terminal: no keys, no colour, no status line, the terminal untouched" {
	on_tty 120 "$TOOL -b $FIXTURE -d 3 | cat"
	wait_for "$T/tty" "^Tracing" 20
	printf q >&7
	wait "$SCRIPT_PID"
	SCRIPT_PID=
	# q did not end it: -d 3 did (tables of 3 intervals, then the total).
	[ "$(grep -c '^PID ' "$T/tty")" -ge 3 ]
	grep -q "^Total: " "$T/tty"
	[ "$(grep -cF $'\e' "$T/tty")" -eq 0 ]
	[ "$(grep -c "keys: q quit" "$T/tty")" -eq 0 ]
	grep -qE '(^| )icanon ' "$T/tty"
}
