# Hostile input (issue 18): vfioctl fed what a script with an unset
# variable, a typo, a paste from a web page or another user hands it.
# Each case: the exit status, and ONE line of output that names the input,
# with no raw control byte and no invalid UTF-8 in it. Sourced by
# tests/vfioctl/run.sh; inputs BIN SUFFIX runs the table with BIN.
# shellcheck shell=sh
# shellcheck disable=SC2034 # read by one_line (testlib.sh)
OL_PREFIX="vfioctl: "

inputs() {
	X=$1 s=$2

	H=$OUT/fx/healthy
	I=$OUT/inputs
	rm -rf "$I"
	mkdir -p "$I/dir.conf"
	: >"$I/file"
	# The three unsafe ones. An empty path never means the host.
	for o in sysfs root proc dev run-dir config modules-dir pci-ids modprobe format; do
		one_line "inputs-empty-$o$s" 2 "--$o '': an empty" \
			"$X" "--$o" "" verify
	done
	one_line "inputs-empty-root-equals$s" 2 "--root '': an empty path" \
		"$X" --root= reserve --dry-run 0b:00.0
	# An empty selector, or none, names no device: never "nothing to
	# verify" with exit 0.
	for verb in verify cmdline qemu-args plan "bind --dry-run" \
		"unbind --dry-run" "reserve --dry-run" "release --dry-run"; do
		for a in '' none ','; do
			# shellcheck disable=SC2086 # the words of verb
			one_line "inputs-selector-$(echo "$verb" | tr ' ' _)-'$a'$s" 2 \
				"argument 1 '$a' names no device" \
				"$X" --root "$H" $verb "$a"
		done
	done
	one_line "inputs-selector-second-empty$s" 2 "argument 2 '' names no device" \
		"$X" --root "$H" verify 0b:00.0 ''
	one_line "inputs-config-missing$s" 2 \
		"--config $I/absent.conf: No such file or directory" \
		"$X" --root "$H" --config "$I/absent.conf" verify
	one_line "inputs-config-dir$s" 2 "--config $I/dir.conf: is a directory" \
		"$X" --root "$H" --config "$I/dir.conf" verify
	one_line "inputs-pci-ids-missing$s" 2 \
		"--pci-ids $I/pci.ids: No such file or directory" \
		"$X" --root "$H" --pci-ids "$I/pci.ids" verify
	# ID-form selectors whose subsystem part is wrong say so, not "bus
	# and slot".
	for a in 10de:1b80: 10de:1b80:10de; do
		one_line "inputs-selector-subsystem-$a$s" 2 \
			"'$a' is not a device selector: the subsystem part is two IDs, VVVV:DDDD:SSSS:ssss" \
			"$X" --root "$H" verify "$a"
	done
	one_line "inputs-selector-subsystem-digits$s" 2 \
		"'10de:1b80:10de:1' is not a device selector: the subsystem part is two IDs of four hex digits" \
		"$X" --root "$H" verify 10de:1b80:10de:1
	# A pci.ids file libpci cannot parse: its message, one line.
	printf 'garbage\n\tbad\n' >"$I/bad.ids"
	one_line "inputs-pci-ids-bad$s" 1 "libpci: Parse error at $I/bad.ids, line 1" \
		"$X" --root "$H" --pci-ids "$I/bad.ids" groups
	# Options that contradict each other, options twice.
	one_line "inputs-json-prometheus$s" 2 \
		"--json and --format prometheus contradict each other" \
		"$X" --root "$H" verify --json --format prometheus
	one_line "inputs-json-human$s" 2 "--json and --format human" \
		"$X" --root "$H" --format human verify --json
	one_line "inputs-quiet-verbose$s" 2 "-q (--quiet) and -v (--verbose)" \
		"$X" --root "$H" -q verify -v
	one_line "inputs-root-twice$s" 2 "--root is given twice" \
		"$X" --root "$H" --root "$I" verify
	one_line "inputs-format-twice$s" 2 "--format is given twice" \
		"$X" --root "$H" verify --format json --format prometheus
	# Options: unknown, without their value, with one they do not take;
	# one error prefix, never the path the program was run by.
	one_line "inputs-unknown-option$s" 2 "vfioctl: unknown option '--frob'" \
		"$X" --frob verify
	one_line "inputs-unknown-short$s" 2 "unknown option '-x' (in '-qx')" \
		"$X" -qx verify
	one_line "inputs-needs-value$s" 2 "--root needs a value" \
		"$X" verify --root
	one_line "inputs-takes-no-value$s" 2 "'--json=yes': --json takes no value" \
		"$X" --root "$H" verify --json=yes
	one_line "inputs-verb-option-elsewhere$s" 2 \
		"--probe is an option of verify, not of groups" \
		"$X" --root "$H" --probe groups
	# A file where a directory is expected, a directory that is not.
	one_line "inputs-root-file$s" 2 "--root $I/file: not a directory" \
		"$X" --root "$I/file" verify
	one_line "inputs-root-missing$s" 2 "--root $I/nothing: No such file" \
		"$X" --root "$I/nothing" verify
	one_line "inputs-sysfs-file$s" 1 "--sysfs $I/file: cannot open bus/pci/devices: Not a directory" \
		"$X" --sysfs "$I/file" groups
	# Control characters, invalid UTF-8, long input: escaped, one line.
	esc=$(printf '\033[31mX\nY\rZ')
	one_line "inputs-escape-selector$s" 2 "argument 1 '\\x1b[31mX\\x0aY\\x0dZ' is not a device selector" \
		"$X" --root "$H" verify "$esc"
	one_line "inputs-escape-verb$s" 2 "unknown verb '\\x1b[31mX\\x0aY\\x0dZ'" \
		"$X" --root "$H" "$esc"
	one_line "inputs-escape-path$s" 2 "--root $I/\\x1b[31mX\\x0aY\\x0dZ: No such file" \
		"$X" --root "$I/$esc" verify
	bad=$(printf 'a\377\376\300\200b')
	one_line "inputs-not-utf8$s" 2 "'a\\xff\\xfe\\xc0\\x80b' is not a device selector" \
		"$X" --root "$H" verify "$bad"
	one_line "inputs-utf8-kept$s" 2 "'gpu-ü' is not a device selector" \
		"$X" --root "$H" verify "gpu-ü"
	long=$(head -c 5000 /dev/zero | tr '\0' a)
	one_line "inputs-long-selector$s" 2 "the arguments are longer than" \
		"$X" --root "$H" verify "$long"
	one_line "inputs-long-path$s" 2 "--root: longer than" \
		"$X" --root "/$long" verify
	one_line "inputs-long-verb$s" 2 "unknown verb 'aaaa" \
		"$X" "$long"
}

# The running host's /sys however spelled is the running host: the
# host-use checks stay on. Read-only: verify without --probe writes
# nothing; a fake tree stays a fake host.
inputs_identity() {
	X=$1 s=$2
	I=$OUT/inputs
	mkdir -p "$I"
	ln -sfn /sys "$I/sys-link"
	if [ ! -d /sys/bus/pci/devices ] ||
		[ -z "$(ls /sys/bus/pci/devices 2>/dev/null)" ]; then
		skip "inputs-sysfs-identity$s" "this machine has no PCI devices in /sys"
		return
	fi
	dev=$(find /sys/bus/pci/devices/ -mindepth 1 -maxdepth 1 -printf "%f\n" | sort | head -n 1)
	ref=$("$X" verify "$dev" 2>&1)
	for sp in /sys/ //sys /sys/. /sys/bus/.. "$I/sys-link"; do
		got=$("$X" --sysfs "$sp" verify "$dev" 2>&1)
		expect_eq "inputs-sysfs-identity-$(echo "$sp" | tr / _)$s" "$ref" "$got"
		case $("$X" -v --sysfs "$sp" groups 2>&1 >/dev/null) in
		*"vfioctl: groups: the running host (/sys)"*) pass "inputs-sysfs-identity-v-$(echo "$sp" | tr / _)$s" ;;
		*) fail "inputs-sysfs-identity-v-$(echo "$sp" | tr / _)$s" "no 'the running host (/sys)' with -v" ;;
		esac
	done
	one_line "inputs-sysfs-real-fake-root$s" 2 \
		"--sysfs /sys is the running host's sysfs, --root $OUT/fx/healthy is not its root" \
		"$X" --sysfs /sys/ --root "$OUT/fx/healthy" verify
	case $("$X" -v --root "$OUT/fx/healthy" groups 2>&1 >/dev/null) in
	*"groups: a fake host, not this machine ($OUT/fx/healthy/sys)"*) pass "inputs-fake-host-v$s" ;;
	*) fail "inputs-fake-host-v$s" "no 'a fake host' with -v" ;;
	esac
	# --root / is the host: no "//sys" in what it prints.
	got=$("$X" --root / verify "$dev" 2>&1)
	case $got in
	*//*) fail "inputs-root-slash$s" "a doubled slash: $(printf '%s\n' "$got" | grep -m1 //)" ;;
	*) expect_eq "inputs-root-slash$s" "$ref" "$got" ;;
	esac
}

# As a user who may not write the config file: one line, exit 1.
inputs_nobody() {
	X=$1 s=$2
	if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null 2>&1; then
		skip "inputs-nobody$s" "needs root and setpriv to become nobody"
		return
	fi
	d=$(mktemp -d /tmp/vfioctl-inputs.XXXXXX) || return
	cp -a "$OUT/fx/wrongdrv" "$d/host"
	cp "$X" "$d/vfioctl"
	chmod -R a+rX "$d"
	chmod a-w "$d/host/etc"
	printf 'devices=\n' >"$d/host/etc/vfio-claim.conf"
	chmod 644 "$d/host/etc/vfio-claim.conf"
	one_line "inputs-nobody-reserve$s" 1 "$d/host/etc/vfio-claim.conf" \
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$d/vfioctl" --root "$d/host" --cmdline '' reserve --no-rebuild 0b:00.0
	rm -rf "$d"
}

# bash completion (completion/vfioctl): --modprobe takes a program, the
# addresses offered are those of the host named by --root or --sysfs, and
# a name with a blank is one word.
inputs_completion() {
	if ! command -v bash >/dev/null 2>&1; then
		skip inputs-completion "no bash"
		return
	fi
	icomp() {
		bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
			_vfioctl; IFS="|"; echo "${COMPREPLY[*]}"' _ "$TOP/completion/vfioctl" "$@"
	}
	I=$OUT/inputs
	mkdir -p "$I/my dir" "$I/my dirt"
	expect_eq inputs-completion-modprobe-path "$TOP/tests/lib/fake-modprobe" \
		"$(icomp vfioctl --modprobe "$TOP/tests/lib/fake-modpr")"
	case "|$(icomp vfioctl --modprobe verif)|" in
	*"|verify|"*) fail inputs-completion-modprobe-no-verbs "offers the verb verify after --modprobe" ;;
	*) pass inputs-completion-modprobe-no-verbs ;;
	esac
	expect_eq inputs-completion-root-addrs "0000:00:01.0|0000:0b:00.0|0000:0b:00.1" \
		"$(icomp vfioctl --root "$OUT/fx/healthy" verify 0000)"
	expect_eq inputs-completion-sysfs-addrs "0000:00:01.0|0000:0b:00.0|0000:0b:00.1" \
		"$(icomp vfioctl --sysfs "$OUT/fx/healthy/sys" bind --dry-run 0000)"
	expect_eq inputs-completion-root-after-verb "0000:00:01.0|0000:0b:00.0|0000:0b:00.1" \
		"$(icomp vfioctl plan --root "$OUT/fx/healthy" 0000)"
	# compgen offers directories in readdir order (tmpfs: newest first);
	# readline sorts them for the user, so the test does too.
	expect_eq inputs-completion-blank-in-name "$I/my dir|$I/my dirt" \
		"$(icomp vfioctl --root "$I/my d" | tr '|' '\n' | LC_ALL=C sort | paste -sd '|')"
}

# reserve (issue 18 items 3 and 5): a refusal is one line that says "not
# reserved"; -q --no-rebuild still prints the line the user needs; a dry
# run without an initramfs generator fails as the real run does.
inputs_reserve() {
	X=$1 s=$2
	d=$OUT/inputs/rsv$s
	rm -rf "$d"
	cp -a "$OUT/fx/wrongdrv" "$d"
	one_line "inputs-reserve-refusal-once$s" 1 \
		"0000:00:01.0 [8086:1901]: not reserved: is a PCI bridge" \
		"$X" --root "$d" --cmdline '' reserve --no-rebuild 00:01.0
	out=$("$X" -q --root "$d" --cmdline '' reserve --no-rebuild 0b:00.0 2>&1)
	expect_eq "inputs-reserve-quiet-no-rebuild$s" \
		"rebuild the initramfs for it to apply" "$out"
	printf 'devices=\n' >"$d/etc/vfio-claim.conf"
	out=$("$X" --root "$d" --cmdline '' reserve --dry-run 0b:00.0 2>&1)
	rc=$?
	case $rc:$out in
	1:*"vfioctl: error: reserve: no initramfs generator found"*) pass "inputs-reserve-dry-run-no-generator$s" ;;
	*) fail "inputs-reserve-dry-run-no-generator$s" "exit $rc (want 1, as without --dry-run): $(printf '%s' "$out" | tr '\n' '~')" ;;
	esac
	expect_eq "inputs-reserve-dry-run-wrote-nothing$s" "devices=" "$(cat "$d/etc/vfio-claim.conf")"
}
