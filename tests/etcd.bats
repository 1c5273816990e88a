#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# A grpc-go program nobody in this repo built: Debian's etcd 3.4 (grpc-go
# 1.33.3, GOPATH build, stripped, externally linked). The truth is the
# etcdctl commands the test runs.

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
	command -v etcd
	command -v etcdctl
	# Debian strips them: no symbol table, no DWARF.
	[ "$(readelf -S /usr/bin/etcd | grep -cE '\.symtab|\.debug_info')" -eq 0 ]
	etcd --data-dir "$T/data" --listen-client-urls http://127.0.0.1:23790 \
		--advertise-client-urls http://127.0.0.1:23790 \
		--listen-peer-urls http://127.0.0.1:23800 \
		--initial-advertise-peer-urls http://127.0.0.1:23800 \
		--initial-cluster default=http://127.0.0.1:23800 >"$T/etcd.out" 2>&1 &
	ETCD_PID=$!
	wait_for "$T/etcd.out" "ready to serve client requests"
}

teardown() {
	[ -n "${TOOL_PID:-}" ] && kill "$TOOL_PID" 2>/dev/null
	kill "$ETCD_PID" 2>/dev/null
	wait 2>/dev/null
	return 0
}

ctl() {
	ETCDCTL_API=3 etcdctl --endpoints 127.0.0.1:23790 "$@"
}

@test "Debian's stripped etcd server: every Put and Range" {
	start_tool -p "$ETCD_PID" -j -v
	grep -q "from table" "$T/tool.err"
	local i
	for i in $(seq 25); do ctl put "k$i" "v$i" >/dev/null; done
	[ "$(ctl get --prefix k | wc -l)" -eq 50 ]
	ctl get nosuchkey
	# Each etcdctl has ended when its server stream has: stop and count.
	wait_streams 27
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	[ "$(streams server | jq '[.[] | select(.method == "/etcdserverpb.KV/Put")] | length')" -eq 25 ]
	[ "$(streams server | jq '[.[] | select(.method == "/etcdserverpb.KV/Range")] | length')" -eq 2 ]
	streams server | jq -e --argjson pid "$ETCD_PID" \
		'all(.pid == $pid and .kind == "unary" and .status == 0 and
		     (.peer | test("^127\\.0\\.0\\.1:[0-9]+$")))'
	[ "$(summary | jq .collisions.duplicate)" -eq 0 ]
}

@test "Debian's stripped etcdctl: every client stream, with -b -F" {
	start_tool -b /usr/bin/etcdctl -j -F
	local i
	for i in $(seq 10); do ctl put "c$i" "v$i" >/dev/null; done
	ctl get c1 >/dev/null
	wait_streams 11
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	[ "$(streams client | jq '[.[] | select(.method == "/etcdserverpb.KV/Put")] | length')" -eq 10 ]
	[ "$(streams client | jq '[.[] | select(.method == "/etcdserverpb.KV/Range")] | length')" -eq 1 ]
	streams client | jq -e '[.[] | .pid] | unique | length == 11'
	streams client | jq -e 'all(.kind == "unary" and .status == 0 and .peer == "127.0.0.1:23790")'
}
