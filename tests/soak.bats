#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The short form of the soak (tests/soak.sh; make soak runs it at full
# length): the tool attached to a running server and client and detached
# 8 times, ended twice each by SIGINT, SIGTERM, SIGKILL and -d expiry, on
# both attach paths; every complete window exact, nothing left in the
# kernel or in the traced text after any exit.

load helpers

@test "soak, short: 8 attach/detach runs, every complete window exact, nothing left" {
	run env GRPCSTREAMS="$TOOL" FIXTURE="$FIXTURE" SOAK_WINDOWS=8 SOAK_BURST=2000 \
		SOAK_RPCS=0 SOAK_RSS_SECONDS=0 "$ROOT/tests/soak.sh"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"soak: PASS"* ]]
	[[ "$output" == *"tool runs 8: SIGINT 2, SIGTERM 2, SIGKILL 2 ("*" mid-burst), -d 2 "* ]]
	[[ "$output" == *"per-site (perf event) attach 4"* ]]
	[[ "$output" == *"runs with leftovers 0 "* ]]
	# The SIGINT and SIGTERM windows at least are complete, and all exact.
	local e c
	e=$(sed -n 's/^soak: exact windows \([0-9]*\) of \([0-9]*\) complete$/\1/p' <<<"$output")
	c=$(sed -n 's/^soak: exact windows \([0-9]*\) of \([0-9]*\) complete$/\2/p' <<<"$output")
	[ "$c" -ge 4 ]
	[ "$e" -eq "$c" ]
}
