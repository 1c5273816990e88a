#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# valgrind.sh PROGRAM ARGS...: PROGRAM (a unit test program, built without
# sanitizers) under valgrind's memcheck. Exits 99 on any memory error
# (invalid read or write, a use of an uninitialised value, a bad free) and
# on any block definitely or indirectly lost at exit, and shows valgrind's
# report on stderr; otherwise exits as PROGRAM did. Its stdout and stderr
# are PROGRAM's own (valgrind writes into OUTPUT/valgrind/PROGRAM.PID), so
# a caller that reads its summary line reads it as without valgrind.
# tests/unit.sh runs test_gobin through it (UNIT_WRAP), tests/run.sh every
# unit test program, make valgrind the three.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
case ${OUTPUT:-.output} in
/*) LOGD=$OUTPUT/valgrind ;;
*) LOGD=$ROOT/${OUTPUT:-.output}/valgrind ;;
esac

[ $# -gt 0 ] || { echo "usage: valgrind.sh PROGRAM ARGS..." >&2; exit 64; }
command -v valgrind >/dev/null 2>&1 || { echo "valgrind.sh: valgrind not found (make deps)" >&2; exit 1; }
mkdir -p "$LOGD" || exit 1
log=$LOGD/$(basename "$1").$$
valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect --log-file="$log" "$@"
rc=$?
# With -q the log holds errors only (or a warning of valgrind's own).
if [ -s "$log" ]; then
	echo "valgrind: $(basename "$1") (exit $rc), ${log#"$ROOT"/}:" >&2
	head -n 60 "$log" >&2
fi
exit $rc
