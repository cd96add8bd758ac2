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

# ---- fake sysfs trees (fixtures, fault and asan suites) ----
# VC_BIN runs under fakekernel.so (a dynamic build); VC_NOSHIM runs without
# it (the static boot binary). The asan suite points both at the ASan build
# and sets VC_PREFIX=asan/ so its test names differ.
MKTREE=${MKTREE:-$BUILD/mktree}
FAKEKERNEL=${FAKEKERNEL:-$BUILD/fakekernel.so}
FAKE_MODPROBE=${FAKE_MODPROBE:-$TOP/tests/lib/fake-modprobe}
VC_BIN=${VC_BIN:-$BUILD/vfio-claim.glibc}
VC_NOSHIM=${VC_NOSHIM:-$BUILD/vfio-claim}
VC_PREFIX=${VC_PREFIX:-}
# Sanitizer reports exit 99/98 so they cannot pass for exit status 1.
ASAN_OPTIONS=${ASAN_OPTIONS:-verify_asan_link_order=0:exitcode=99:detect_leaks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=98}
export ASAN_OPTIONS UBSAN_OPTIONS

# fx_need FILE...: exits the suite with one FAIL line when a tool is missing.
fx_need() {
	for f in "$@"; do
		if [ ! -x "$f" ] && [ ! -f "$f" ]; then
			fail "${SUITE:-suite}" "$f missing: run make check (or make $f)"
			exit 1
		fi
	done
}

# fx_init: a private work directory on tmpfs when there is one.
fx_init() {
	base=/dev/shm
	{ [ -d "$base" ] && [ -w "$base" ]; } || base=${TMPDIR:-/tmp}
	WORK=$(mktemp -d "$base/vfio-claim-fx.XXXXXX") || exit 1
	trap 'rm -rf "$WORK"' EXIT
	trap 'exit 130' INT TERM
}

# mk NAME [GENERATOR]: builds the tree $WORK/NAME (T) from the output of
# the GENERATOR command, or from stdin, snapshots it, and starts the checks
# of a new test.
mk() {
	T=$WORK/$1
	rm -rf "$T" "$T.before" "$T.errs" "$T.out" "$T.err"
	if [ -n "${2:-}" ]; then
		"$2" | "$MKTREE" "$T"
	else
		"$MKTREE" "$T"
	fi || bad "mktree failed"
	"$MKTREE" --snap "$T" | LC_ALL=C sort >"$T.before"
	RC=
}

# resnap: takes the "before" snapshot again, after a test edited the tree.
resnap() {
	"$MKTREE" --snap "$T" | LC_ALL=C sort >"$T.before"
}

# bad WHY: records one failed check of the current test (in a file, so that
# checks at the end of a pipeline count too).
bad() {
	printf '%s\n' "$*" >>"$T.errs"
}

# vc [--noshim] ARGS...: runs vfio-claim on $T (fakekernel.so preloaded
# unless --noshim), never on the host's /dev/kmsg, /run, /sys or
# /etc/vfio-claim.conf (a later --config wins). Sets RC;
# stdout in $T.out, stderr in $T.err. A signal or a sanitizer report is a
# failed check of its own.
vc() {
	if [ "${1:-}" = --noshim ]; then
		shift
		"$VC_NOSHIM" --sysfs "$T" --kmsg "$T/kmsg.log" \
			--run-dir "$T/run" --config "$WORK/absent.conf" "$@" \
			>"$T.out" 2>"$T.err"
		RC=$?
	else
		FAKE_SYSFS_ROOT=$T LD_PRELOAD=$FAKEKERNEL "$VC_BIN" \
			--sysfs "$T" --kmsg "$T/kmsg.log" --run-dir "$T/run" \
			--config "$WORK/absent.conf" "$@" >"$T.out" 2>"$T.err"
		RC=$?
	fi
	if [ "$RC" -gt 2 ]; then
		bad "exit status $RC (crash or sanitizer report): $(head -c 600 "$T.err" | tr '\n' ' ')"
	elif grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$T.err"; then
		bad "sanitizer report: $(grep -m1 -E 'Sanitizer|runtime error' "$T.err")"
	fi
}

# changes: what differs between the snapshot mk took and the tree now, one
# line each, sorted: "+ PATH VALUE", "- PATH", "~ PATH VALUE". VALUE is the
# escaped content of a file or the target of a link. devices/pci0000:00/ is
# shortened to dev/, bus/pci/drivers/ to drivers/.
changes() {
	"$MKTREE" --snap "$T" | LC_ALL=C sort >"$T.after"
	awk -F '\t' '
		FNR == NR { old[$1] = $2 "\t" $3; next }
		{
			seen[$1] = 1
			v = ($2 == "d") ? "/" : $3
			if (v != "") v = " " v
			if (!($1 in old)) print "+ " $1 v
			else if (old[$1] != $2 "\t" $3) print "~ " $1 v
		}
		END { for (p in old) if (!(p in seen)) print "-", p }
	' "$T.before" "$T.after" |
		sed -e 's| devices/pci0000:00/| dev/|' -e 's| bus/pci/drivers/| drivers/|' |
		LC_ALL=C sort -k2,2 -k1,1
}

# ck_changes < EXPECTED: the tree changed exactly like this (see changes).
ck_changes() {
	LC_ALL=C sort -k2,2 -k1,1 >"$T.want"
	changes >"$T.got"
	if ! cmp -s "$T.want" "$T.got"; then
		bad "tree changes differ (-want +got): $(diff "$T.want" "$T.got" |
			grep '^[<>]' | sed 's/^</-want/; s/^>/+got/' | head -n 12 | tr '\n' '|')"
	fi
}

# The changes of a bound (FROM) or driverless (FROM empty) device that
# ends on vfio-pci through fakekernel.so.
exp_claimed() {
	a=$1 from=$2
	if [ -n "$from" ]; then
		printf '%s\n' "- drivers/$from/$a"
		printf '%s\n' "~ dev/$a/driver ../../../bus/pci/drivers/vfio-pci"
	else
		printf '%s\n' "+ dev/$a/driver ../../../bus/pci/drivers/vfio-pci"
	fi
	printf '%s\n' "+ drivers/vfio-pci/$a ../../../../devices/pci0000:00/$a"
	printf '%s\n' "~ dev/$a/driver_override vfio-pci\\n"
	printf '%s\n' "~ dev/$a/uevent#DRIVER vfio-pci"
}

# ck_rc N
ck_rc() {
	[ "$RC" = "$1" ] || bad "exit status $RC, want $1 (stderr: $(head -c 300 "$T.err" | tr '\n' ' '))"
}

# ck_kmsg LINE...: each line is in the log, exactly (with its <N>).
ck_kmsg() {
	for l in "$@"; do
		grep -qxF -- "$l" "$T/kmsg.log" 2>/dev/null ||
			bad "log lacks [$l]"
	done
}

# ck_kmsg_re ERE...: some log line matches each.
ck_kmsg_re() {
	for l in "$@"; do
		grep -qE -- "$l" "$T/kmsg.log" 2>/dev/null ||
			bad "no log line matches /$l/"
	done
}

# ck_no_kmsg ERE: no log line matches.
ck_no_kmsg() {
	if grep -qE -- "$1" "$T/kmsg.log" 2>/dev/null; then
		bad "log has /$1/: $(grep -m1 -E -- "$1" "$T/kmsg.log")"
	fi
}

# ck_kmsg_count ERE N: exactly N log lines match.
ck_kmsg_count() {
	n=$(grep -cE -- "$1" "$T/kmsg.log" 2>/dev/null)
	[ "${n:-0}" = "$2" ] || bad "$n log lines match /$1/, want $2"
}

# ck_driver ADDR DRIVER: the device ends on DRIVER ("" for none).
ck_driver() {
	l=$(readlink "$T/bus/pci/devices/$1/driver" 2>/dev/null)
	[ "${l##*/}" = "$2" ] || bad "$1 is on [${l##*/}], want [$2]"
}

# ck_on_vfio ADDR...: exactly these devices are on vfio-pci.
ck_on_vfio() {
	got=$(find "$T/bus/pci/drivers/vfio-pci/" -name '0000:*' 2>/dev/null | sed 's|.*/||' | LC_ALL=C sort | tr '\n' ' ')
	want=
	[ $# -eq 0 ] || want=$(printf '%s\n' "$@" | LC_ALL=C sort | tr '\n' ' ')
	[ "$got" = "$want" ] || bad "on vfio-pci: [$got], want [$want]"
}

# ck_override ADDR VALUE
ck_override() {
	v=$(cat "$T/bus/pci/devices/$1/driver_override" 2>/dev/null)
	[ "$v" = "$2" ] || bad "$1 driver_override is [$v], want [$2]"
}

# ck_record ADDR KEY=VALUE...: its record under run/devices says so.
ck_record() {
	f=$T/run/devices/$1
	shift
	if [ ! -f "$f" ]; then
		bad "no record ${f#"$T"/}"
		return
	fi
	for kv in "$@"; do
		grep -qxF -- "$kv" "$f" || bad "record ${f##*/} lacks [$kv] (has: $(tr '\n' ' ' <"$f"))"
	done
}

# ck_no_record ADDR
ck_no_record() {
	[ ! -e "$T/run/devices/$1" ] || bad "unexpected record run/devices/$1"
}

# ck_writes [--any-order] < EXPECTED: the attribute writes fakekernel.so
# saw, in order (or sorted: an ID scan meets devices in directory order).
ck_writes() {
	[ -f "$T/.writes" ] || : >"$T/.writes"
	if [ "${1:-}" = --any-order ]; then
		LC_ALL=C sort >"$T.wantw"
		LC_ALL=C sort "$T/.writes" >"$T.gotw"
	else
		cat >"$T.wantw"
		cp "$T/.writes" "$T.gotw"
	fi
	cmp -s "$T.wantw" "$T.gotw" ||
		bad "writes differ (-want +got): $(diff "$T.wantw" "$T.gotw" |
			grep '^[<>]' | head -n 10 | tr '\n' '|')"
}

# ck_out ERE: stdout has a matching line.
ck_out() {
	grep -qE -- "$1" "$T.out" || bad "stdout lacks /$1/ (got: $(head -c 300 "$T.out" | tr '\n' '|'))"
}

# verdict NAME: one PASS or FAIL line for the checks since mk.
verdict() {
	if [ ! -s "$T.errs" ]; then
		pass "$VC_PREFIX$1"
	else
		fail "$VC_PREFIX$1" "$(sed -e ':a' -e 'N' -e '$!ba' -e 's/\n/; /g' "$T.errs")"
	fi
}
