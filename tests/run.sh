#!/bin/sh
# Runs the test suites and ends with "N passed, N failed".
# Every suite is a program that prints one line per test:
#   PASS <name>            FAIL <name>: <why>            SKIP <name>: <why>
# (and CELL lines, shown too: the boot matrix's table).
# Anything else it prints is shown as it is. A suite that exits non-zero
# without printing a FAIL line counts as one failure of its own.
# Usage: tests/run.sh [SUITE[:TEST]...]   (default: all suites, in order)
#   SUITE:TEST runs only the tests of SUITE named TEST (a shell glob:
#   fixtures:guard-*); the suite gets it as TESTS (tests/lib/testlib.sh).
#   UPDATE=1 rewrites the expected outputs under tests/expected/.
# After each FAIL line comes the command that reruns that test alone.
#   "matrix", the full boot matrix, runs only when named.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
out=tests/out
mkdir -p "$out"

all_suites="lint unit fixtures fault asan vfioctl examples fuzz packages hooks vm arm64 system"
# shellcheck disable=SC2086 # one word per suite
[ $# -gt 0 ] || set -- $all_suites
passed=0 failed=0 skipped=0

# rerun NAME SUITE: the make command that runs test NAME of SUITE alone.
rerun() {
	n=$2:${1#"$2"/}
	case $n in
	*[!A-Za-z0-9_.,:=@/+-]*) n="'$(printf '%s' "$n" | sed "s/'/'\\\\''/g")'" ;;
	esac
	echo "make check T=$n"
}

for arg in "$@"; do
	s=${arg%%:*}
	TESTS=
	case $arg in *:*) TESTS=${arg#*:} ;; esac
	export TESTS
	case $s in
	unit) cmd="build/unit" ;;
	# Not in make check: the full boot matrix (make check-matrix).
	matrix) cmd="sh tests/vm/matrix.sh full" ;;
	*) cmd="sh tests/$s/run.sh" ;;
	esac
	if [ "$s" != unit ] && [ "$s" != matrix ] && [ ! -f "tests/$s/run.sh" ]; then
		echo "FAIL $s: no such suite (suites: $all_suites)"
		failed=$((failed + 1))
		continue
	fi
	log=$out/$s.log
	start=$(date +%s)
	echo "== $arg"
	$cmd >"$log" 2>&1
	rc=$?
	p=$(grep -c '^PASS ' "$log")
	f=$(grep -c '^FAIL ' "$log")
	k=$(grep -c '^SKIP ' "$log")
	grep -E '^(FAIL|SKIP|CELL) ' "$log" | while IFS= read -r l; do
		printf '%s\n' "$l"
		case $l in
		FAIL*)
			name=${l#FAIL }
			echo "    rerun: $(rerun "${name%%: *}" "$s")"
			;;
		esac
	done
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $s: suite exited $rc without naming a failure; last lines:"
		tail -n 15 "$log" | sed 's/^/    /'
		f=1
	fi
	if [ -n "$TESTS" ] && [ $((p + f + k)) -eq 0 ]; then
		echo "FAIL $s: no test named $TESTS (names: the PASS lines of $out/$s.log after a full run)"
		f=1
	fi
	end=$(date +%s)
	echo "   $arg: $p passed, $f failed, $k skipped ($((end - start)) s; log: $log)"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + k))
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
