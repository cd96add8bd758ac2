#!/bin/sh
# Runs the libFuzzer target over the cmdline, selector and config parsers
# and both programs' option parsers
# for SECONDS (default 20; `make fuzz` gives 600) on a temp copy of the
# seed corpus, and prints one line:
#   PASS fuzz/parsers: N runs, 0 crashes
#   FAIL fuzz/parsers: <why>       (a crash input is kept under tests/out/fuzz/)
# It builds nothing: make builds build/fuzz-parsers.
# Usage: tests/fuzz/run.sh [SECONDS]
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
secs=${1:-${FUZZ_SECONDS:-20}}
bin=$top/build/fuzz-parsers
name=fuzz/parsers
fix="apt-get install clang libclang-rt-14-dev, then make build/fuzz-parsers"

# tests/run.sh fuzz:NAME: this suite has one test.
case ${TESTS:-parsers} in
parsers | "$name") ;;
*) exit 0 ;;
esac
case $secs in
'' | *[!0-9]*)
	echo "FAIL $name: SECONDS must be a whole number, got '$secs'"
	exit 2
	;;
esac
if ! command -v "${CLANG:-clang}" >/dev/null 2>&1; then
	echo "FAIL $name: clang is not installed; $fix"
	exit 1
fi
if [ ! -x "$bin" ]; then
	echo "FAIL $name: $bin was not built (clang or its fuzzer runtime missing?); $fix"
	exit 1
fi
# Only files the fuzzer's make rule depends on: make rebuilds for them.
stale=$(find tests/fuzz/fuzz-parsers.c src/core/cmdline.[ch] src/core/selector.[ch] \
	src/core/config.[ch] src/core/log.[ch] src/core/args.[ch] src/core/input.[ch] \
	src/vfioctl/opts.c src/vfioctl/vfioctl.h -newer "$bin" | head -n 1)
if [ -n "$stale" ]; then
	echo "FAIL $name: $bin is older than $stale (did its build fail?); make build/fuzz-parsers"
	exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/vfio-claim-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
cp tests/fuzz/corpus/* "$work/corpus/"
out=$top/tests/out/fuzz
mkdir -p "$out"
log=$out/fuzz.log

# -max_total_time bounds the run; -timeout flags an input that hangs.
# -close_fd_mask=3: the option parsers' usage errors would fill the log;
# libFuzzer and the sanitizers still report on the stderr they keep.
"$bin" -max_len=4096 -max_total_time="$secs" -timeout=10 -close_fd_mask=3 \
	-rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$work/" "$work/corpus" >"$log" 2>&1
rc=$?

runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
[ -n "$runs" ] || runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
n=0 first=
for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* \
	"$work"/slow-unit-*; do
	[ -f "$a" ] || continue
	cp "$a" "$out/"
	n=$((n + 1))
	[ -n "$first" ] || first=tests/out/fuzz/${a##*/}
done
if [ "$n" -gt 0 ]; then
	echo "FAIL $name: ${runs:-?} runs, $n crashes; input: $first (replay: $bin $first; log: tests/out/fuzz/fuzz.log)"
	grep -E '^(==[0-9]+==.*ERROR|SUMMARY|.*runtime error)' "$log" | head -n 5
	exit 1
fi
if [ "$rc" -ne 0 ] || [ -z "$runs" ]; then
	echo "FAIL $name: the fuzzer exited $rc without a crash file; see tests/out/fuzz/fuzz.log"
	tail -n 5 "$log"
	exit 1
fi
echo "PASS $name: $runs runs, 0 crashes"
