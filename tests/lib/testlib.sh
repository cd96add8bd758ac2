# Shared shell helpers for the test suites (sourced, POSIX sh).
# A test prints exactly one PASS or FAIL line; tests/run.sh counts them.

: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
BUILD=${BUILD:-$TOP/build}
VFIO_CLAIM=${VFIO_CLAIM:-$BUILD/vfio-claim}

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "SKIP $1: $2"; }

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected [$2], got [$3]"
	fi
}
