#!/bin/sh
# Runs the test suites and ends with "N passed, N failed".
# Every suite is a program that prints one line per test:
#   PASS <name>            FAIL <name>: <why>            SKIP <name>: <why>
# (and CELL lines, shown too: the boot matrix's table).
# Anything else it prints is shown as it is. A suite that exits non-zero
# without printing a FAIL line counts as one failure of its own.
# Usage: tests/run.sh [SUITE...]   (default: all suites, in order;
# "matrix", the full boot matrix, only when named)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
out=tests/out
mkdir -p "$out"

all_suites="lint unit fixtures fault asan vfioctl fuzz packages hooks vm system"
suites=${*:-$all_suites}
passed=0 failed=0 skipped=0

for s in $suites; do
	case $s in
	unit) cmd="build/unit" ;;
	# Not in make check: the full boot matrix (make check-matrix).
	matrix) cmd="sh tests/vm/matrix.sh full" ;;
	*) cmd="sh tests/$s/run.sh" ;;
	esac
	if [ "$s" != unit ] && [ "$s" != matrix ] && [ ! -f "tests/$s/run.sh" ]; then
		continue
	fi
	log=$out/$s.log
	start=$(date +%s)
	echo "== $s"
	$cmd >"$log" 2>&1
	rc=$?
	p=$(grep -c '^PASS ' "$log")
	f=$(grep -c '^FAIL ' "$log")
	k=$(grep -c '^SKIP ' "$log")
	# CELL: one line per boot-matrix cell (tests/vm/matrix.sh).
	grep -E '^(FAIL|SKIP|CELL) ' "$log"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $s: suite exited $rc without naming a failure; last lines:"
		tail -n 15 "$log" | sed 's/^/    /'
		f=1
	fi
	end=$(date +%s)
	echo "   $s: $p passed, $f failed, $k skipped ($((end - start)) s; log: $log)"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + k))
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
