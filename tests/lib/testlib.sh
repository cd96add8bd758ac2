# Shared shell helpers for the test suites (sourced, POSIX sh).
# A test prints exactly one PASS or FAIL line; tests/run.sh counts them.

: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
BUILD=${BUILD:-$TOP/build}
VFIO_CLAIM=${VFIO_CLAIM:-$BUILD/vfio-claim}

# ---- running one test by name ----
# tests/run.sh SUITE:TEST exports TESTS=TEST (a shell glob) to the suite.
# A suite starts each test with t: "if t NAME; then ... fi", or in a loop
# "t NAME || continue". t is false for a test TESTS does not name, so its
# work is skipped; pass, fail and skip print nothing for such a test.
TESTS=${TESTS:-}
TNAME=

# want NAME: TESTS is empty or matches NAME (without its VC_PREFIX).
want() {
	[ -z "$TESTS" ] && return 0
	wname=${1#"${VC_PREFIX:-}"}
	# shellcheck disable=SC2254 # TESTS is a pattern
	case ${wname#klcc-dry-run/} in
	$TESTS) return 0 ;;
	esac
	return 1
}

# t NAME: starts test NAME (verdict and golden use it); false to skip it.
t() {
	TNAME=$1
	want "$1"
}

pass() { want "$1" && echo "PASS $1"; return 0; }
fail() { want "$1" && echo "FAIL $1: $2"; return 0; }
skip() { want "$1" && echo "SKIP $1: $2"; return 0; }

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected [$2], got [$3]"
	fi
}

# crashed RC TEXT: true when a command with exit status RC and output TEXT
# crashed, with the reason in CRASH_WHY: killed by a signal (the shell
# reports 128 + N), a sanitizer's exit status (99 and 98, set below) or a
# sanitizer's report in its output. Every check helper fails such a test,
# whatever else it looks for: a crash must never pass for "the string is
# absent" or for the exit status a test wants.
crashed() {
	CRASH_WHY=
	if [ "$1" -ge 128 ] 2>/dev/null; then
		CRASH_WHY="killed by signal $(($1 - 128))"
	elif [ "$1" = 99 ] || [ "$1" = 98 ]; then
		CRASH_WHY="exit status $1 (a sanitizer's)"
	fi
	cr_l=$(printf '%s\n' "$2" | grep -m1 -E 'AddressSanitizer|LeakSanitizer|runtime error:')
	[ -z "$cr_l" ] || CRASH_WHY="${CRASH_WHY:+$CRASH_WHY; }sanitizer report: $(printf '%s' "$cr_l" | head -c 200)"
	[ -n "$CRASH_WHY" ]
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
# The differential test (vc_differ): the binary we ship against the glibc
# build. VC_DIFF=0 turns it off; the asan suite has no use for it.
VC_STATIC=${VC_STATIC:-$BUILD/vfio-claim}
VC_GLIBC=${VC_GLIBC:-$BUILD/vfio-claim.glibc}
VC_DIFF=${VC_DIFF:-1}
# Sanitizer reports exit 99/98 so they cannot pass for exit status 1.
ASAN_OPTIONS=${ASAN_OPTIONS:-verify_asan_link_order=0:exitcode=99:detect_leaks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=98}
export ASAN_OPTIONS UBSAN_OPTIONS

# fx_need FILE...: exits the suite with one FAIL line when a tool is missing.
fx_need() {
	for f in "$@"; do
		if [ ! -x "$f" ] && [ ! -f "$f" ]; then
			echo "FAIL ${SUITE:-suite}: $f missing: run make check (or make $f)"
			exit 1
		fi
	done
}

# fx_init: a private work directory on tmpfs when there is one (FX_TMP:
# another place, e.g. to see that no expected output depends on the
# directory order of a file system).
fx_init() {
	base=${FX_TMP:-/dev/shm}
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
	rm -rf "$T" "$T.before" "$T.errs" "$T.out" "$T.err" "$T.differs"
	if [ -n "${2:-}" ]; then
		"$2" | "$MKTREE" "$T"
	else
		"$MKTREE" "$T"
	fi || bad "mktree failed"
	"$MKTREE" --snap "$T" | LC_ALL=C sort >"$T.before"
	: >"$T.calls"
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
# /etc/vfio-claim.conf (a fake --sysfs reads no host file unless named).
# Sets RC;
# stdout in $T.out, stderr in $T.err. A signal or a sanitizer report is a
# failed check of its own.
vc() {
	vc_differ "$@"
	if [ "${1:-}" = --noshim ]; then
		shift
		"$VC_NOSHIM" --sysfs "$T" --kmsg "$T/kmsg.log" \
			--run-dir "$T/run" "$@" \
			>"$T.out" 2>"$T.err"
		RC=$?
	else
		FAKE_SYSFS_ROOT=$T FAKE_MODPROBE_GATE=1 LD_PRELOAD=$FAKEKERNEL "$VC_BIN" \
			--sysfs "$T" --kmsg "$T/kmsg.log" --run-dir "$T/run" \
			"$@" >"$T.out" 2>"$T.err"
		RC=$?
	fi
	calls_add "$@"
	if crashed "$RC" "$(cat "$T.err")"; then
		bad "crashed: $CRASH_WHY: $(head -c 600 "$T.err" | tr '\n' ' ')"
	elif [ "$RC" -gt 2 ]; then
		bad "exit status $RC (vfio-claim exits 0, 1 or 2): $(head -c 600 "$T.err" | tr '\n' ' ')"
	fi
}

# vc_differ [--noshim] ARGS...: the binary we ship (VC_STATIC, klcc and
# static, so it cannot run under fakekernel.so) and the glibc build the
# fixtures run (VC_GLIBC) each run ARGS with --dry-run on $T as it is
# now, without the shim; their plan (stdout), exit status and log lines
# must be equal. verdict reports it as its own test, klcc-dry-run/NAME.
vc_differ() {
	[ "$VC_DIFF" = 1 ] && [ -z "$VC_PREFIX" ] || return 0
	[ "${1:-}" = --noshim ] && shift
	for b in static glibc; do
		if [ $b = static ]; then bin=$VC_STATIC; else bin=$VC_GLIBC; fi
		rm -f "$T.dk-$b"
		# --dry-run before ARGS: a trailing option of ARGS that wants a
		# value (usage-errors-exit-2: --sysfs) must not take it.
		"$bin" --sysfs "$T" --kmsg "$T.dk-$b" --run-dir "$T/run" \
			--dry-run "$@" >"$T.do-$b" 2>/dev/null
		echo "exit $?" >>"$T.do-$b"
		[ ! -f "$T.dk-$b" ] || cat "$T.dk-$b" >>"$T.do-$b"
	done
	if ! cmp -s "$T.do-static" "$T.do-glibc"; then
		printf '%s\n' "${VC_STATIC##*/} and ${VC_GLIBC##*/} differ on --dry-run $*: $(diff "$T.do-static" "$T.do-glibc" |
			grep '^[<>]' | sed 's/^</static:/; s/^>/glibc:/' | head -n 8 | tr '\n' '|')" >>"$T.differs"
	fi
	: >>"$T.differs"
}

# calls_add ARGS...: the vfio-claim call just made, for golden: its
# arguments (quoted when they need it), exit status, stdout and stderr.
calls_add() {
	{
		printf '$ vfio-claim'
		for a in "$@"; do
			case $a in
			'' | *[!A-Za-z0-9_.,:=@/+-]*) printf " '%s'" "$(printf '%s' "$a" | sed "s/'/'\\\\''/g")" ;;
			*) printf ' %s' "$a" ;;
			esac
		done
		printf '\nexit %s\n' "$RC"
		if [ -s "$T.out" ]; then
			echo "-- stdout"
			cat "$T.out"
		fi
		if [ -s "$T.err" ]; then
			echo "-- stderr"
			cat "$T.err"
		fi
	} >>"$T.calls"
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

# verdict: one PASS or FAIL line for the checks since mk, named by the t
# that started the test. A test without t (verdict NAME, the old form)
# fails loudly instead of reporting under another test's name.
verdict() {
	if [ -z "$TNAME" ]; then
		fail "${VC_PREFIX}unnamed" "a test after $(tail -n 1 "$T.calls" 2>/dev/null | head -c 80) has no 't NAME' (see tests/lib/testlib.sh)"
	elif [ ! -s "$T.errs" ]; then
		pass "$VC_PREFIX$TNAME"
	else
		fail "$VC_PREFIX$TNAME" "$(sed -e ':a' -e 'N' -e '$!ba' -e 's/\n/; /g' "$T.errs")"
	fi
	if [ -n "$TNAME" ] && [ -f "$T.differs" ]; then
		if [ -s "$T.differs" ]; then
			fail "klcc-dry-run/$TNAME" "$(tr '\n' ';' <"$T.differs")"
		else
			pass "klcc-dry-run/$TNAME"
		fi
	fi
	TNAME=
}

# ---- golden files: tests/expected/SUITE/TEST ----
# observed [--by-device] [--no-changes]: what the current test produced,
# as it is compared: each vfio-claim call (arguments, exit status, stdout,
# stderr), the log, the files under run/, the tree changes (see changes)
# and the writes fakekernel.so saw. $WORK and $TOP are written as such,
# the binary's path as vfio-claim.
# --by-device: the lines of each part sorted by the devices they name
# (stable), for tests that meet devices in directory order (ID scans,
# group members), which differs between file systems.
observed() {
	by_dev='' no_changes=''
	for o in "$@"; do
		case $o in
		--by-device) by_dev=1 ;;
		--no-changes) no_changes=1 ;;
		esac
	done
	{
		cat "$T.calls"
		if [ -s "$T/kmsg.log" ]; then
			echo "-- kmsg"
			cat "$T/kmsg.log"
		fi
		if [ -d "$T/run" ]; then
			find "$T/run" -type f | LC_ALL=C sort | while read -r f; do
				echo "-- ${f#"$T"/}"
				cat "$f"
			done
		fi
		if [ -z "$no_changes" ]; then
			changes >"$T.chg"
			if [ -s "$T.chg" ]; then
				echo "-- changes"
				cat "$T.chg"
			fi
		fi
		if [ -s "$T/.writes" ]; then
			echo "-- writes"
			cat "$T/.writes"
		fi
	} | if [ -n "$by_dev" ]; then by_device; else cat; fi |
		awk -v b="$VC_BIN" -v s="$VC_NOSHIM" -v w="$WORK" -v t="$TOP" '{
			while ((i = index($0, b)) > 0) $0 = substr($0, 1, i - 1) "vfio-claim" substr($0, i + length(b))
			while ((i = index($0, s)) > 0) $0 = substr($0, 1, i - 1) "vfio-claim" substr($0, i + length(s))
			while ((i = index($0, w)) > 0) $0 = substr($0, 1, i - 1) "$WORK" substr($0, i + length(w))
			while ((i = index($0, t)) > 0) $0 = substr($0, 1, i - 1) "$TOP" substr($0, i + length(t))
			print
		}'
}

# by_device: within each part of observed, the lines stably sorted by the
# first and second PCI address they name (lines that name none first).
by_device() {
	awk -v OFS='\t' '
		/^(\$ vfio-claim|exit [0-9]|-- )/ { part++; print part, 0, "", "", NR, $0; next }
		{
			a = $0; k1 = ""; k2 = ""
			if (match(a, /[0-9a-f][0-9a-f][0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]\.[0-7]/)) {
				k1 = substr(a, RSTART, RLENGTH)
				a = substr(a, RSTART + RLENGTH)
				if (match(a, /[0-9a-f][0-9a-f][0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]\.[0-7]/))
					k2 = substr(a, RSTART, RLENGTH)
			}
			print part, 1, k1, k2, NR, $0
		}' | LC_ALL=C sort -t "$(printf '\t')" -k1,1n -k2,2n -k3,3 -k4,4 -k5,5n | cut -f6-
}

# golden_cmp NAME FILE: FILE is exactly tests/expected/$SUITE/NAME (with
# '_' in the file name for what a shell would quote). UPDATE=1 writes it
# instead, unless GOLDEN_RO=1 (the asan runs only compare), so the diff of
# tests/expected/ is the review. False on a difference, with GOLDEN_WHY
# saying it; the output is then kept in tests/out/expected/$SUITE/NAME.
golden_cmp() {
	gname=$(printf '%s' "$1" | tr -c 'A-Za-z0-9._,:=@+-' '_' | tr -s '_' | sed 's/_$//')
	want_f=$TOP/tests/expected/$SUITE/$gname
	got_f=$TOP/tests/out/expected/$SUITE/$gname
	GOLDEN_WHY=
	if [ "${UPDATE:-}" = 1 ] && [ "${GOLDEN_RO:-}" != 1 ]; then
		mkdir -p "${want_f%/*}"
		cmp -s "$2" "$want_f" 2>/dev/null || cp "$2" "$want_f"
		return 0
	fi
	if [ ! -f "$want_f" ]; then
		GOLDEN_WHY="no tests/expected/$SUITE/$gname: run make check UPDATE=1 T='$SUITE:$1' and review it"
	elif ! cmp -s "$want_f" "$2"; then
		GOLDEN_WHY="differs from tests/expected/$SUITE/$gname (-want +got): $(diff "$want_f" "$2" |
			grep '^[<>]' | sed 's/^</-/; s/^>/+/' | head -n 12 | tr '\n' '|') (all: diff tests/expected/$SUITE/$gname tests/out/expected/$SUITE/$gname; accept: make check UPDATE=1 T='$SUITE:$1')"
	else
		return 0
	fi
	mkdir -p "${got_f%/*}" && cp "$2" "$got_f"
	return 1
}

# golden [--by-device] [--no-changes]: what the test produced (observed)
# is exactly its expected file (golden_cmp; the asan suite only compares).
golden() {
	if [ -z "$TNAME" ]; then
		bad "golden: no 't NAME' started this test"
		return
	fi
	observed "$@" >"$T.observed"
	GOLDEN_RO=
	[ -z "$VC_PREFIX" ] || GOLDEN_RO=1
	golden_cmp "$TNAME" "$T.observed" || bad "$GOLDEN_WHY"
}

# one_line NAME WANT NEEDLE CMD...: CMD exits WANT; its stdout and stderr
# together are one line that starts with $OL_PREFIX ("vfioctl: " or
# "vfio-claim: ", never the path it was run by), contains NEEDLE, and
# holds no control byte and no invalid UTF-8 (issue 18's hostile inputs).
one_line() {
	name=$1 want=$2 needle=$3
	shift 3
	# Every byte, the last newlines too (a $(...) alone drops them).
	out=$("$@" 2>&1; echo "~$?")
	rc=${out##*~}
	out=${out%~*}
	n=$(printf '%s' "$out" | wc -l)
	out=${out%"
"}
	if [ "$rc" -ne "$want" ]; then
		fail "$name" "exit $rc, want $want: $(printf '%s' "$out" | head -c 300 | od -c | head -n 3 | tr '\n' ' ')"
	elif [ "$n" -ne 1 ]; then
		fail "$name" "$n lines, want one: $(printf '%s' "$out" | head -n 4 | tr '\n' '~' | od -c | head -n 4 | tr '\n' ' ')"
	elif printf '%s' "$out" | LC_ALL=C grep -q '[[:cntrl:]]'; then
		fail "$name" "a raw control byte in: $(printf '%s' "$out" | od -c | head -n 3 | tr '\n' ' ')"
	elif ! printf '%s' "$out" | iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1; then
		fail "$name" "invalid UTF-8 in: $(printf '%s' "$out" | od -c | head -n 3 | tr '\n' ' ')"
	elif [ "${out#"${OL_PREFIX:-vfioctl: }"}" = "$out" ]; then
		fail "$name" "does not start with '${OL_PREFIX:-vfioctl: }': $out"
	elif ! printf '%s\n' "$out" | grep -qF -- "$needle"; then
		fail "$name" "no [$needle] in: $out"
	else
		pass "$name"
	fi
}
