# shellcheck shell=sh
# The corpus of real hosts (tests/vfioctl/hosts/NAME.spec, rebuilt from
# IOMMU-group listings people published; each names its source): each host
# is built as a fake tree, what it uses (disks, mounts, interfaces,
# consoles) from NAME.host, and every device of NAME.verdicts is asked of
# plan, bind --dry-run and verify. The verdicts were derived by hand from
# the kernel's rule (the format is at the top of
# hosts/intel-cml-turing.verdicts):
#   alone       bind -n would bind it, names no group member; verify
#               reports it, names no group member and no host use; plan
#               claims it
#   with A,B    as alone, but bind -n and verify name exactly A and B as
#               the group members a VM needs on vfio-pci too
#   host NEEDLE bind -n refuses it naming NEEDLE; verify says the host uses
#               it (NEEDLE); plan names NEEDLE
#   refuse NEEDLE  bind -n and plan refuse it with NEEDLE, verify says
#               NOT READY with NEEDLE; for "no IOMMU group", qemu-args
#               exits 1 naming it and prints no -device
# A verdict line may end in known=CHECK,... (bind, bind-members,
# verify, verify-members, plan, qemu-args): a verb that is known to render that
# device's verdict wrongly today. Such a check that fails is a SKIP that
# says so, not a FAIL; once it passes it FAILs ("unexpected pass"): drop
# the mark.
# Sourced by tests/vfioctl/run.sh; corpus X SUFFIX runs vfioctl X.
HOSTS=${HOSTS:-$TOP/tests/vfioctl/hosts}

# cfail CHECK MESSAGE: a FAIL of $t-CHECK, or a SKIP when it is known.
cfail() {
	case ,$known, in
	*,"$1",*) skip "$t-$1$s" "known wrong until the one-verdict work (issue 17) lands: $2" ;;
	*) fail "$t-$1$s" "$2" ;;
	esac
}

# cpass CHECK: a PASS of $t-CHECK; a FAIL when it is marked known wrong,
# so that no mark outlives its bug.
cpass() {
	case ,$known, in
	*,"$1",*) fail "$t-$1$s" "unexpected pass: drop the mark known=$1 in hosts/$h.verdicts" ;;
	*) pass "$t-$1$s" ;;
	esac
}

# ceq CHECK WANT GOT
ceq() {
	if [ "$2" = "$3" ]; then
		cpass "$1"
	else
		cfail "$1" "expected [$2], got [$3]"
	fi
}

# The group members OUTPUT names ("also holds ADDR"), sorted, comma-joined.
corpus_members() {
	printf '%s\n' "$1" | sed -n 's/.*also holds \([0-9a-f:.]*\).*/\1/p' |
		LC_ALL=C sort -u | paste -sd, -
}

corpus_one() {
	t=corpus-$1-$2 addr=$2 verdict=$3 detail=$4 known=
	case $detail in
	*known=*)
		known=${detail##*known=}
		detail=${detail%known=*}
		detail=${detail% }
		;;
	esac
	b=$(ck -n bind "$addr" 2>&1)
	brc=$?
	v=$(ck verify "$addr" 2>&1)
	p=$(ck plan "$addr" 2>&1)
	prc=$?
	bm=$(corpus_members "$b") vm=$(corpus_members "$v")
	case $verdict in
	alone | with)
		want=
		[ "$verdict" = with ] && want=$(printf '%s\n' "$detail" | tr ',' '\n' | LC_ALL=C sort | paste -sd, -)
		if [ "$brc" != 0 ] || ! printf '%s' "$b" | grep -q 'would bind it to vfio-pci'; then
			cfail bind "bind -n: exit $brc: $b"
		else
			ceq bind-members "$want" "$bm"
		fi
		ceq verify-members "$want" "$vm"
		if ! printf '%s\n' "$v" | grep -q "^$addr \["; then
			cfail verify "verify does not report $addr: $v"
		elif printf '%s' "$v" | grep -q 'host uses it'; then
			cfail verify "verify says the host uses it: $v"
		else
			cpass verify
		fi
		if [ "$prc" = 0 ] && printf '%s' "$p" | grep -q 'action=claim'; then
			cpass plan
		else
			cfail plan "plan: exit $prc: $p"
		fi
		;;
	host)
		if [ "$brc" = 1 ] && printf '%s' "$b" | grep -qF "$detail" &&
			printf '%s' "$b" | grep -q 'would refuse it'; then
			cpass bind
		else
			cfail bind "bind -n: exit $brc, want 1 and '$detail': $b"
		fi
		if printf '%s' "$v" | grep -qF "the host uses it ($detail"; then
			cpass verify
		else
			cfail verify "verify, want 'the host uses it ($detail': $v"
		fi
		if printf '%s' "$p" | grep -qF "$detail"; then
			cpass plan
		else
			cfail plan "plan does not name '$detail': exit $prc: $p"
		fi
		;;
	refuse)
		if [ "$brc" = 1 ] && printf '%s' "$b" | grep -qF "$detail"; then
			cpass bind
		else
			cfail bind "bind -n: exit $brc, want 1 and '$detail': $b"
		fi
		if [ "$prc" = 1 ] && printf '%s' "$p" | grep -q 'action=refuse' &&
			printf '%s' "$p" | grep -qF "$detail"; then
			cpass plan
		else
			cfail plan "plan: exit $prc, want refuse and '$detail': $p"
		fi
		if printf '%s\n' "$v" | grep -q "^$addr .*NOT READY" &&
			printf '%s' "$v" | grep -qF "$detail"; then
			cpass verify
		else
			cfail verify "verify, want NOT READY and '$detail': $v"
		fi
		# No VM can have a device with no group: qemu-args refuses it.
		case $detail in
		"no IOMMU group")
			q=$(ck qemu-args "$addr" 2>&1)
			if [ $? = 1 ] && printf '%s' "$q" | grep -qF "$detail" &&
				! printf '%s' "$q" | grep -q -- '-device'; then
				cpass qemu-args
			else
				cfail qemu-args "qemu-args, want exit 1 and '$detail', no -device: $q"
			fi
			;;
		esac
		;;
	*)
		fail "$t$s" "hosts/$1.verdicts: unknown verdict '$verdict'"
		;;
	esac
}

# corpus_host HOST NAME: host HOST of tests/vfioctl/hosts as the fake tree
# $OUT/fx/NAME (R): its spec, and what it uses from HOST.host. Also used by
# the examples suite (tests/examples/run.sh).
corpus_host() {
	fx_host "$2" "$HOSTS/$1.spec"
	mkdir -p "$R/proc/self" "$R/proc/net"
	: >"$R/proc/self/mountinfo"
	: >"$R/proc/swaps"
	if [ -f "$HOSTS/$1.host" ]; then
		# shellcheck disable=SC1090 # one per host
		. "$HOSTS/$1.host"
	fi
}

corpus() {
	X=$1 s=$2
	if [ ! -f "$FAKEKERNEL" ]; then
		skip "corpus$s" "no $FAKEKERNEL (make build/fakekernel.so)"
		return
	fi
	ck() {
		FAKE_SYSFS_ROOT=$R/sys FAKE_DEV_ROOT=$R/dev LD_PRELOAD=$FAKEKERNEL \
			ASAN_OPTIONS=verify_asan_link_order=0 "$X" --root "$R" "$@" </dev/null
	}
	corpus_n=0
	for spec in "$HERE"/hosts/*.spec; do
		h=${spec##*/} h=${h%.spec}
		[ -f "$HERE/hosts/$h.verdicts" ] || continue
		corpus_n=$((corpus_n + 1))
		corpus_host "$h" "corpus-$h$s"
		sed -e 's/[[:space:]]*|.*//' -e '/^#/d' -e '/^$/d' \
			"$HERE/hosts/$h.verdicts" >"$R.verdicts"
		while read -r a verdict detail; do
			corpus_one "$h" "$a" "$verdict" "$detail"
		done <"$R.verdicts"
		# Every function of the spec has a verdict.
		expect_eq "corpus-$h-every-device$s" \
			"$(sed -n 's/^\([0-9a-f]\{4\}:[0-9a-f:.]*\) .*/\1/p' "$spec" | LC_ALL=C sort)" \
			"$(cut -d' ' -f1 "$R.verdicts" | LC_ALL=C sort)"
	done
	[ "$corpus_n" -ge 10 ] || skip "corpus-size$s" "only $corpus_n hosts with verdicts in $HERE/hosts (want 10 or more)"
}
