# shellcheck shell=sh
# Sourced by tests/vfioctl/run.sh: the check helpers' crash guard
# (crashed, tests/lib/testlib.sh) tested on commands that crash. A probe
# runs a helper in a subshell (no golden written, every test name wanted)
# on a command that prints what the test looks for and then crashes: the
# helper must say FAIL, and why.
guard_selftest() {
	segv='echo "needle {}"; kill -SEGV $$'
	asan='echo "needle"; echo "==7==ERROR: AddressSanitizer: heap-use-after-free on address 0x1" >&2; exit 1'
	ubsan='echo "{}"; echo "busy.c:311:7: runtime error: index 6 out of bounds" >&2; exit 0'
	for c in \
		"check-signal|killed by signal 11|check guard-probe 139 needle sh -c" \
		"check-sanitizer-report|sanitizer report: ==7==ERROR: AddressSanitizer|check guard-probe 1 needle sh -c" \
		"check-not-signal|killed by signal 11|check_not guard-probe absent sh -c" \
		"jany-signal|killed by signal 11|jany guard-probe . sh -c" \
		"jany-runtime-error|sanitizer report: busy.c:311:7: runtime error|jany guard-probe . sh -c" \
		"jcheck-signal|killed by signal 11|jcheck guard-probe 0 . sh -c"; do
		n=${c%%|*} c=${c#*|}
		why=${c%%|*} cmd=${c#*|}
		case $n in
		*sanitizer*) script=$asan ;;
		*runtime*) script=$ubsan ;;
		*) script=$segv ;;
		esac
		# shellcheck disable=SC2086 # the helper and its arguments
		o=$(
			# shellcheck disable=SC2034 # read by the helpers below
			TESTS='' UPDATE=''
			$cmd "$script"
		)
		case $o in
		"FAIL guard-probe: crashed: $why"*) pass "crash-guard-$n" ;;
		*) fail "crash-guard-$n" "want [FAIL guard-probe: crashed: $why...], got [$(printf '%s' "$o" | head -c 300)]" ;;
		esac
	done
	# The guard passes what did not crash: exit status 1 is no crash.
	o=$(
		# shellcheck disable=SC2034 # read by the helpers below
		TESTS='' UPDATE=''
		check_not guard-probe absent sh -c 'echo fine; exit 1'
	)
	expect_eq crash-guard-no-crash-passes "PASS guard-probe" "$o"
}
