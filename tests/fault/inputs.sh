# Hostile input (issue 18) for vfio-claim: options and files a user or a
# broken hook hands it. Each case: the exit status, and one line of
# output that names the input (one_line, tests/lib/testlib.sh), run with
# the binary we ship (klcc, static) and the glibc build. Sourced by
# tests/fault/run.sh.
# shellcheck shell=sh

fault_inputs() {
	d=$WORK/inputs
	mkdir -p "$d/dir"
	: >"$d/file"
	# shellcheck disable=SC2034 # read by one_line (testlib.sh)
	OL_PREFIX="vfio-claim: "
	esc=$(printf '\033[31mX\nY')
	bad8=$(printf 'a\377\300\200b')
	for b in static glibc; do
		if [ $b = static ]; then X=$VC_NOSHIM; else X=$VC_BIN; fi
		pre="${VC_PREFIX:-}inputs-$b"
		one_line "$pre-wait-0" 2 "--wait '0': give the seconds to wait for a module, 1 to 3600" \
			"$X" --wait 0
		one_line "$pre-cmdline-no-value" 2 "--cmdline needs a value" \
			"$X" -n --cmdline
		for o in sysfs config kmsg run-dir modprobe moddir wait; do
			one_line "$pre-empty-$o" 2 "--$o '':" "$X" -n "--$o" ""
		done
		one_line "$pre-empty-equals" 2 "--sysfs '': an empty value" \
			"$X" -n --sysfs=
		one_line "$pre-quiet-verbose" 2 "-q (--quiet) and -v (--verbose) contradict" \
			"$X" -n -q --verbose
		one_line "$pre-quiet-verbose-short" 2 "-q (--quiet) and -v (--verbose) contradict" \
			"$X" -qv
		one_line "$pre-modprobe-no-modprobe" 2 \
			"--modprobe '/bin/true' and --no-modprobe contradict each other" \
			"$X" -n --modprobe /bin/true --no-modprobe
		one_line "$pre-flag-value" 2 "'--dry-run=yes' takes no value" \
			"$X" --dry-run=yes
		one_line "$pre-escape-option" 2 "unknown option '--\\x1b[31mX\\x0aY'" \
			"$X" "--$esc"
		one_line "$pre-escape-argument" 2 "unexpected argument 'a\\xff\\xc0\\x80b'" \
			"$X" -n "$bad8"
		one_line "$pre-unknown-short" 2 "unknown option '-x'" "$X" -nx
		one_line "$pre-config-missing" 2 "--config $d/absent.conf: No such file or directory" \
			"$X" -n --sysfs "$d/dir" --config "$d/absent.conf"
		# A file where a directory is expected: the boot record cannot
		# be written, and the exit status says so.
		one_line "$pre-run-dir-file" 1 "--run-dir $d/file: cannot record this boot: Not a directory" \
			"$X" -q --sysfs "$d/dir" --kmsg - --run-dir "$d/file" \
			--cmdline vfio.devices=none
		one_line "$pre-sysfs-file" 1 "$d/file: cannot open bus/pci/devices: Not a directory" \
			"$X" -q --sysfs "$d/file" --kmsg - --cmdline vfio.devices=00:02.0
		# Files: a NUL and control characters in the config file.
		printf 'devices=00:02.0\000,junk\n' >"$d/nul.conf"
		one_line "$pre-config-nul" 1 "$d/nul.conf:1: a NUL byte" \
			"$X" -q --sysfs "$d/dir" --kmsg - --config "$d/nul.conf"
		printf 'devices=\033[2J\033[31mgpu\n' >"$d/esc.conf"
		one_line "$pre-config-escape" 1 "'\\x1b[2J\\x1b[31mgpu' is not a device selector" \
			"$X" -q --sysfs "$d/dir" --kmsg - --config "$d/esc.conf"
		# The running host's /sys however spelled: the host (dry run,
		# nothing written); any other tree is not.
		for sp in /sys/ //sys /sys/.; do
			[ -d /sys/bus/pci ] || break
			case $("$X" -n -v --sysfs "$sp" --cmdline vfio.devices=none 2>&1) in
			*"vfio-claim: the running host (/sys)"*) pass "$pre-sysfs-identity-$(echo "$sp" | tr / _)" ;;
			*) fail "$pre-sysfs-identity-$(echo "$sp" | tr / _)" "not the running host with -v" ;;
			esac
		done
		case $("$X" -n -v --sysfs "$d/dir" --cmdline vfio.devices=none 2>&1) in
		*"a fake host, not this machine ($d/dir)"*) pass "$pre-fake-host" ;;
		*) fail "$pre-fake-host" "not a fake host with -v" ;;
		esac
	done
	# A fake --sysfs reads no host file unless named, as vfioctl.
	if command -v strace >/dev/null 2>&1; then
		strace -f -o "$d/strace" -e trace=open,openat "$VC_BIN" -n \
			--sysfs "$d/dir" >/dev/null 2>&1
		got=$(grep -E '"/(proc/cmdline|etc/vfio-claim.conf)"' "$d/strace" | head -n 2)
		expect_eq "${VC_PREFIX:-}inputs-fake-sysfs-no-host-files" "" "$got"
	else
		skip "${VC_PREFIX:-}inputs-fake-sysfs-no-host-files" "no strace"
	fi
}
