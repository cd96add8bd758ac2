# shellcheck shell=sh
# From reserved to a VM: `vfioctl qemu-args --libvirt` and the script of
# docs/using-a-vm.md, on two real topologies of the corpus
# (tests/vfioctl/hosts): intel-cml-turing (a second GPU, four functions in
# one slot, the iGPU is the boot display) and intel-rkl-3070ti (the one GPU
# is the boot display). Each host is built as corpus.sh builds it, and once
# more "after the reboot": slot 01:00 on vfio-pci, as reserve puts it.
#   libvirt-*       the XML: the goldens, libvirt's own schema
#                   (virt-xml-validate, in a complete domain document; no
#                   validator is a FAIL), and the same devices, guest
#                   slots, warnings and exit status as plain qemu-args
#   vm-script-*     the script of docs/using-a-vm.md, run with a stand-in
#                   qemu-system-x86_64 that prints its arguments: the
#                   -device vfio-pci words name exactly the devices, in
#                   qemu-args' order, and nothing runs for a refused one
# Sourced by tests/vfioctl/run.sh; libvirt_suite X SUFFIX runs vfioctl X.

# lv_host NAME HOST [vfio [OPTION]]: the corpus host HOST at $OUT/fx/NAME
# ($R), built as the corpus builds it; with vfio, after
# `vfioctl reserve [OPTION] 01:00` and the reboot, as the examples suite
# makes it (tests/examples/bin/reboot: vfio-claim from the config file
# reserve wrote, vfio-pci loaded, the group nodes).
lv_host() {
	rm -rf "$OUT/fx/$1"
	corpus_host "$2" "$1"
	[ "${3:-}" = vfio ] || return 0
	lv "$1" --no-rebuild reserve ${4:+"$4"} 01:00 >"$R.reserve" 2>&1 ||
		fail "fixture-$1$s" "reserve 01:00: $(tr '\n' '|' <"$R.reserve")"
	EX_ROOT=$R EX_TOP=$TOP EX_FAKEKERNEL=$FAKEKERNEL EX_CLAIM=$VC_BIN \
		sh "$TOP/tests/examples/bin/reboot"
}

# lv NAME ARGS...: vfioctl on fake host NAME, as corpus.sh runs it.
lv() {
	lvr=$OUT/fx/$1
	shift
	FAKE_SYSFS_ROOT=$lvr/sys FAKE_DEV_ROOT=$lvr/dev LD_PRELOAD=$FAKEKERNEL \
		ASAN_OPTIONS=verify_asan_link_order=0 "$X" --root "$lvr" "$@" </dev/null
}

# lv_domain XMLFILE OUT: a minimal complete domain document around the
# <hostdev> elements of XMLFILE (a q35 KVM guest, as docs/using-a-vm.md).
lv_domain() {
	{
		printf '%s\n' "<domain type='kvm'>" "  <name>vfio-claim-test</name>" \
			"  <memory unit='MiB'>4096</memory>" \
			"  <os><type arch='x86_64' machine='q35'>hvm</type></os>" \
			"  <devices>"
		sed 's/^/    /' "$1"
		printf '%s\n' "  </devices>" "</domain>"
	} >"$2"
}

# lv_validate NAME FILE: libvirt's schema accepts FILE as a domain.
lv_validate() {
	if ! command -v virt-xml-validate >/dev/null 2>&1; then
		fail "$1" "no virt-xml-validate: install libvirt-clients (tests/deps.sh)"
		return 1
	fi
	if vo=$(virt-xml-validate "$2" domain 2>&1); then
		pass "$1"
	else
		fail "$1" "virt-xml-validate $2 domain: $(printf '%s' "$vo" | head -n 4 | tr '\n' '|')"
	fi
}

# lv_same NAME HOSTFX SEL...: --libvirt renders plain qemu-args' judgment:
# the same exit status, the same stderr, and for each -device the same
# host device and guest address in a <hostdev>, in the same order.
lv_same() {
	n=$1 fx=$2
	shift 2
	lv "$fx" qemu-args "$@" >"$OUT/lv.q" 2>"$OUT/lv.qe"
	qrc=$?
	lv "$fx" qemu-args --libvirt "$@" >"$OUT/lv.x" 2>"$OUT/lv.xe"
	xrc=$?
	if [ "$qrc" != "$xrc" ]; then
		fail "$n" "exit $xrc with --libvirt, $qrc without"
		return
	fi
	if ! cmp -s "$OUT/lv.qe" "$OUT/lv.xe"; then
		fail "$n" "stderr differs: $(diff "$OUT/lv.qe" "$OUT/lv.xe" | grep '^[<>]' | head -n 4 | tr '\n' '|')"
		return
	fi
	# -device vfio-pci,host=D[,addr=0xS.F[,multifunction=on]] as
	# "D S.F mf" lines, and the same from the XML.
	want=$(sed -n 's/^-device vfio-pci,host=\([^,]*\)\(,addr=0x\([0-9a-f]*\)\.\([0-7]\)\)\{0,1\}\(,multifunction=\(on\)\)\{0,1\}$/\1 \3.\4 \6/p' "$OUT/lv.q")
	got=$(awk -F"'" '
		/<hostdev / { h = ""; g = "."; m = "" }
		/^    <address domain=/ { h = substr($2, 3) ":" substr($4, 3) ":" substr($6, 3) "." substr($8, 3) }
		/^  <address type=.pci./ { g = substr($8, 3) "." substr($10, 3); if ($12 == "on") m = "on" }
		/<\/hostdev>/ { print h, g, m }' "$OUT/lv.x")
	if [ "$(wc -l <"$OUT/lv.q")" != "$(printf '%s' "$want" | grep -c .)" ]; then
		fail "$n" "a qemu-args line this test does not read: $(tr '\n' '|' <"$OUT/lv.q")"
	elif [ "$want" != "$got" ]; then
		fail "$n" "qemu-args [$(printf '%s' "$want" | tr '\n' '|')] vs --libvirt [$(printf '%s' "$got" | tr '\n' '|')]"
	else
		pass "$n"
	fi
}

# lv_bin FX DIR: DIR/bin/vfioctl runs vfioctl on fake host FX.
lv_bin() {
	mkdir -p "$2/bin"
	cat >"$2/bin/vfioctl" <<EOF
#!/bin/sh
FAKE_SYSFS_ROOT=$OUT/fx/$1/sys FAKE_DEV_ROOT=$OUT/fx/$1/dev LD_PRELOAD=$FAKEKERNEL \\
	ASAN_OPTIONS=verify_asan_link_order=0 exec "$X" --root "$OUT/fx/$1" "\$@"
EOF
	chmod +x "$2/bin/vfioctl"
}

# The script of docs/using-a-vm.md (its one ```sh block), run with
# `vfioctl` on fake host FX and a stand-in qemu-system-x86_64 first in
# PATH that writes its arguments, one a line, to $OUT/vm/qemu.args.
# vm_script FX DEVICES: its exit status; its output in $OUT/vm/out.
vm_script() {
	d=$OUT/vm
	rm -rf "$d"
	lv_bin "$1" "$d"
	mkdir -p "$d/ovmf"
	# shellcheck disable=SC2016 # backquotes, not an expansion
	sed -n '/^```sh$/,/^```$/{/^```/d;p}' "$TOP/docs/using-a-vm.md" >"$d/vm.sh"
	cat >"$d/bin/qemu-system-x86_64" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >"$d/qemu.args"
EOF
	chmod +x "$d/bin/qemu-system-x86_64"
	: >"$d/ovmf/OVMF_CODE_4M.fd"
	: >"$d/ovmf/OVMF_VARS_4M.fd"
	: >"$d/disk.qcow2"
	(cd "$d" && PATH=$d/bin:$PATH OVMF=$d/ovmf DEVICES=$2 \
		sh ./vm.sh disk.qcow2 installer.iso) >"$d/out" 2>&1
}

# The examples of FILE that need the reboot (marked "not-run after the
# reboot: tests/vfioctl/libvirt.sh runs it on HOST ..."): each "$ "
# command run on HOST after reserve 01:00 and the reboot (lv_host), its output
# (stdout and stderr, the fake root's prefix taken out) exactly the lines
# the example shows. lv_doc NAME FILE
lv_doc() {
	dd=$OUT/$1
	rm -rf "$dd"
	mkdir -p "$dd"
	awk -v d="$dd" '
		/example: not-run after the reboot: tests\/vfioctl\/libvirt\.sh runs it on / {
			for (i = 1; i < NF; i++) if ($i == "it" && $(i + 1) == "on") h = $(i + 2)
			want = 1; next
		}
		want && ($0 == "```console" || $0 == ".EX") { n++; inb = 1; want = 0; print h >(d "/" n ".host"); next }
		inb && ($0 == "```" || $0 == ".EE") { inb = 0; next }
		inb { gsub(/\\-/, "-"); print >(d "/" n ".want") }' "$2"
	nb=0
	for hf in "$dd"/*.host; do
		[ -f "$hf" ] || continue
		nb=$((nb + 1))
		b=${hf%.host}
		case $(cat "$hf") in
		intel-cml-turing) fx=lv-cml-vfio ;;
		intel-rkl-3070ti) fx=lv-rkl-vfio ;;
		*)
			fail "$1-${b##*/}$s" "no fixture for host $(cat "$hf")"
			continue
			;;
		esac
		lv_bin "$fx" "$dd"
		while IFS= read -r l; do
			case $l in
			'$ '*)
				printf '%s\n' "$l"
				(cd "$dd" && PATH=$dd/bin:$PATH sh -c "${l#\$ }" 2>&1) |
					sed "s|$OUT/fx/$fx||g"
				;;
			esac
		done <"$b.want" >"$b.got"
		if cmp -s "$b.want" "$b.got"; then
			pass "$1-${b##*/}$s"
		else
			fail "$1-${b##*/}$s" "(-doc +ran) $(diff "$b.want" "$b.got" | grep '^[<>]' | head -n 6 | tr '\n' '|')"
		fi
	done
	[ "$nb" -gt 0 ] || fail "$1$s" "no example after the reboot in $2"
}

# vm_devices: the host= of each -device vfio-pci QEMU got, in order.
vm_devices() {
	sed -n '/^-device$/{n;s/^vfio-pci,host=\([^,]*\).*/\1/p}' "$OUT/vm/qemu.args" 2>/dev/null
}

libvirt_suite() {
	X=$1 s=$2
	if [ ! -f "$FAKEKERNEL" ]; then
		fail "libvirt$s" "no $FAKEKERNEL (make build/fakekernel.so)"
		return
	fi
	lv_host lv-cml intel-cml-turing
	lv_host lv-cml-vfio intel-cml-turing vfio
	lv_host lv-rkl intel-rkl-3070ti
	lv_host lv-rkl-vfio intel-rkl-3070ti vfio --force

	# The whole answer (exit status, XML, warnings), as a user sees it.
	check "libvirt-cml-gpu$s" 0 \
		"<address domain='0x0000' bus='0x01' slot='0x00' function='0x3'/>|<address type='pci' domain='0x0000' bus='0x00' slot='0x10' function='0x0' multifunction='on'/>" \
		lv lv-cml-vfio qemu-args --libvirt 01:00
	check "libvirt-rkl-gpu-audio$s" 0 \
		"managed='no'|function='0x1'/>" \
		lv lv-rkl-vfio qemu-args --libvirt 01:00.0 01:00.1
	check "libvirt-rkl-boot-display$s" 0 \
		"the host uses it (it is the boot display|is on nvidia, not vfio-pci" \
		lv lv-rkl qemu-args --libvirt 01:00
	check "libvirt-one-function$s" 0 \
		"<address domain='0x0000' bus='0x00' slot='0x14' function='0x0'/>" \
		lv lv-cml qemu-args --libvirt 00:14.0
	check "libvirt-json-contradicts$s" 2 \
		"--json and --libvirt contradict each other" \
		lv lv-cml qemu-args --libvirt --json 01:00
	check "libvirt-not-of-verify$s" 2 \
		"--libvirt is an option of qemu-args, not of verify" \
		lv lv-cml verify --libvirt 01:00

	# libvirt's schema takes what it prints, and rejects a broken one
	# (so that this check can fail).
	lv lv-cml-vfio qemu-args --libvirt 01:00 00:14.0 >"$OUT/lv.hostdevs" 2>/dev/null
	lv_domain "$OUT/lv.hostdevs" "$OUT/lv-domain.xml"
	lv_validate "libvirt-validates$s" "$OUT/lv-domain.xml"
	sed "s/slot='0x10'/slot='0x20'/" "$OUT/lv-domain.xml" >"$OUT/lv-broken.xml"
	if command -v virt-xml-validate >/dev/null 2>&1; then
		if virt-xml-validate "$OUT/lv-broken.xml" domain >/dev/null 2>&1; then
			fail "libvirt-validator-rejects$s" "virt-xml-validate took slot 0x20"
		else
			pass "libvirt-validator-rejects$s"
		fi
	fi

	# The same judgment, rendered twice: ready devices, a slot without
	# function 0, a group a sibling on a host driver keeps from a VM,
	# devices not on vfio-pci, the boot display, the root disk's
	# controller, and selectors that name nothing.
	lv_same "libvirt-same-ready$s" lv-cml-vfio 01:00 00:14.0
	lv_same "libvirt-same-no-function-0$s" lv-cml-vfio 01:00.2 01:00.3
	lv_same "libvirt-same-non-viable$s" lv-cml 01:00.0
	lv_same "libvirt-same-not-on-vfio$s" lv-cml 01:00
	lv_same "libvirt-same-boot-display$s" lv-rkl 01:00
	lv_same "libvirt-same-root-disk$s" lv-cml 00:17.0
	lv_same "libvirt-same-no-such-device$s" lv-cml 05:00.0
	lv_same "libvirt-same-bad-selector$s" lv-cml 01:00.9
	lv_same "libvirt-same-no-device$s" lv-cml
	check "libvirt-root-disk$s" 0 "the host uses it (sda1 is mounted on /boot/efi)" \
		lv lv-cml qemu-args --libvirt 00:17.0
	check "libvirt-no-such-device$s" 1 "05:00.0" \
		lv lv-cml qemu-args --libvirt 05:00.0

	# docs/using-a-vm.md's script: QEMU gets the planned devices, in
	# qemu-args' order (function 0 first), and the machine around them.
	lv_doc doc-using-a-vm "$TOP/docs/using-a-vm.md"
	lv_doc doc-man-vfioctl "$TOP/man/vfioctl.8"

	vm_script lv-cml-vfio 01:00
	rc=$?
	expect_eq "vm-script-cml-devices$s" \
		"0000:01:00.0 0000:01:00.1 0000:01:00.2 0000:01:00.3 (exit 0)" \
		"$(vm_devices | paste -sd' ' -) (exit $rc)"
	expect_eq "vm-script-cml-args$s" \
		"$(lv lv-cml-vfio qemu-args 01:00 2>/dev/null | tr ' ' '\n')" \
		"$(sed -n '/^-device$/{N;/vfio-pci/p}' "$OUT/vm/qemu.args" 2>/dev/null)"
	# The machine around them: KVM, q35, the host's CPU, memory, the
	# disk and the installer.
	for w in kvm:-enable-kvm "q35:-machine q35" "cpu:-cpu host" "mem:-m 8G" \
		"disk:-drive file=disk.qcow2,format=qcow2,if=virtio" \
		"iso:-cdrom installer.iso"; do
		if tr '\n' ' ' <"$OUT/vm/qemu.args" 2>/dev/null | sed 's/^/ /' |
			grep -qF -- " ${w#*:} "; then
			pass "vm-script-cml-${w%%:*}$s"
		else
			fail "vm-script-cml-${w%%:*}$s" "no [${w#*:}] in: $(tr '\n' ' ' <"$OUT/vm/qemu.args" 2>/dev/null)"
		fi
	done
	# A device verify refuses (the boot display, on nvidia): no QEMU.
	vm_script lv-rkl 01:00
	rc=$?
	if [ "$rc" != 0 ] && [ ! -e "$OUT/vm/qemu.args" ]; then
		pass "vm-script-refused-no-qemu$s"
	else
		fail "vm-script-refused-no-qemu$s" "exit $rc, QEMU got: $(tr '\n' ' ' <"$OUT/vm/qemu.args" 2>/dev/null)"
	fi
}
