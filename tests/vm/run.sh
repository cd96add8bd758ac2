#!/bin/sh
# Boot tests: Debian's kernel in QEMU (TCG) through images built by the real
# dracut (shell and systemd) and initramfs-tools, and a mkinitcpio-style
# image from the install-hook harness, all from `make install DESTDIR=`.
# Every scenario of issue 3 on dracut (shell); scenario 1 (and the config
# file) on every other flavour; scenario 1 through vfio-claim.service (as
# mkinitcpio's sd-vfio-claim adds it) in a dracut systemd image. Two QEMUs run at a time.
# Logs: tests/out/vm/NAME.{report,console,qemu}.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib/testlib.sh"
. "$TOP/tests/vm/lib.sh"
. "$TOP/tests/vm/nested.sh"
OUT=$TOP/tests/out/vm
rm -rf "$OUT"
mkdir -p "$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vfio-claim-vm.XXXXXX")
cleanup() {
	cp "$WORK"/*.report "$WORK"/*.console "$WORK"/*.qemu "$WORK"/*.build "$OUT/" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# No QEMU, no kernel: say so loudly and fail; never pass silently.
if ! command -v "$QEMU" >/dev/null 2>&1; then
	fail vm-qemu "$QEMU not found (tests/deps.sh installs qemu-system-x86); the boot tests did not run"
	exit 1
fi
if ! vm_setup "$WORK" >"$WORK/setup.build" 2>&1; then
	fail vm-setup "kernel download or make install failed: $(tail -n 3 "$WORK/setup.build" | tr '\n' ' ')"
	exit 1
fi

GPU_USB="vfio.devices=00:03,00:04.0"
etc_with_conf "$WORK/etc-conf" "00:03,00:04.0"

# The boots of each image (vm_wanted: T=vm:NAME builds and boots only
# what NAME needs).
boots_of() {
	case $1 in
	dshell) echo "dshell-1 dshell-2 dshell-3 dshell-4 dshell-5 dshell-7 dshell-8 nested-boot" ;;
	dsd) echo "dsd-1 dsd-2" ;;
	dconf) echo dshell-6 ;;
	dunit) echo unit-1 ;;
	itools) echo itools-1 ;;
	itconf) echo itools-6 ;;
	mkcpio) echo mkinitcpio-1 ;;
	mkconf) echo mkinitcpio-6 ;;
	esac
}
image_wanted() {
	for b in $(boots_of "$1"); do
		vm_wanted "$b" && return 0
	done
	return 1
}

# build NAME CMD...: builds an image into $WORK/NAME.img, log in NAME.build.
build() {
	n=$1 cmd=$2
	shift 2
	image_wanted "$n" || return 0
	s=$(date +%s)
	"$cmd" "$WORK/$n.img" "$@" >"$WORK/$n.build" 2>&1 || rm -f "$WORK/$n.img"
	echo "built $n in $(($(date +%s) - s)) s" >>"$WORK/$n.build"
}
t0=$(date +%s)
build dshell build_dracut shell &
build itools build_itools &
wait
build dsd build_dracut systemd &
# The config goes into hostonly images only (the build host's devices).
build dconf build_dracut shell "$WORK/etc-conf" --hostonly --no-hostonly-cmdline &
wait
build dunit build_dracut_unit &
build mkcpio build_mkinitcpio &
build mkconf build_mkinitcpio "$WORK/etc-conf" &
build itconf build_itools "$WORK/etc-conf" &
wait
t1=$(date +%s)
echo "images built in $((t1 - t0)) s"
for i in dshell dsd dconf dunit itools itconf mkcpio mkconf; do
	image_wanted "$i" || continue
	[ -f "$WORK/$i.img" ] || echo "image $i failed: $(tail -n 5 "$WORK/$i.build")"
done
# The nested proof rides along in every image (tests/vm/nested.sh).
nested_prepare dshell dsd dconf dunit itools itconf mkcpio mkconf

# boot NAME IMAGE CMDLINE [noiommu]
boot() {
	vm_wanted "$1" || return 0
	if [ -f "$WORK/$2.img" ]; then
		vm_boot "$1" "$WORK/$2.img" "$3" "${4:-}"
	else
		echo "image $2 was not built" >"$WORK/$1.qemu"
	fi
}
boot dshell-1 dshell "$GPU_USB vfiotest.roundtrip=0000:00:05.0 vfiotest.giveback=0000:00:03.1:snd_hda_intel" &
boot dshell-2 dshell "vfio.devices=1b36:000d@0000:00:07.0" &
wait
boot dshell-3 dshell "vfio.devices=00:04.0 quiet vfio.devices=none vfiotest.roundtrip=0000:00:05.0" &
boot dshell-4 dshell "vfiotest.preload=xhci_pci vfio.devices=00:04.0" &
wait
boot dshell-5 dshell "$GPU_USB" noiommu &
boot dshell-6 dconf "" &
wait
# issue 22: the worker's --wait runs out (modprobe vfio-pci hangs), with a
# driver bound before the hook; a driver built into the kernel (8250_pci's
# "serial", CONFIG_SERIAL_8250_PCI=y) on a PCI UART, bound before any
# initramfs runs.
boot dshell-7 dshell "$GPU_USB vfiotest.preload=xhci_pci vfiotest.hangvfio=1" &
(VM_QEMU_ARGS="-device pci-serial,bus=pcie.0,addr=08.0" boot dshell-8 dshell "vfio.devices=00:08.0") &
wait
boot dsd-1 dsd "$GPU_USB" &
boot itools-1 itools "$GPU_USB" &
# systemd-modules-load loads the claimed USB controller's driver, and
# logs it to the kernel log (it logs to the journal otherwise).
boot dsd-2 dsd "$GPU_USB rd.modules-load=xhci_pci systemd.log_target=kmsg" &
wait
boot itools-6 itconf "" &
boot mkinitcpio-1 mkcpio "$GPU_USB" &
wait
boot mkinitcpio-6 mkconf "" &
boot unit-1 dunit "$GPU_USB" &
# The full inner boot (about 2 minutes alone) overlaps the last pair.
nested_boot &
wait
echo "booted in $(($(date +%s) - t1)) s"

NATIVE="03.0=bochs-drm 03.1=snd_hda_intel 04.0=xhci_hcd 05.0=xhci_hcd 06.0=e1000e 07.0=nvme"
CLAIMED="03.0=vfio-pci 03.1=vfio-pci 04.0=vfio-pci 05.0=xhci_hcd 06.0=e1000e 07.0=nvme"

# why NAME TEXT: collects the reasons a scenario failed.
why=
bad() { why="$why${why:+; }$1"; }
has() { grep -q -- "$2" "$WORK/$1.report"; }

# begin NAME: false (and a FAIL line) when the guest sent no report.
begin() {
	why=
	if [ -f "$WORK/$1.report" ]; then
		tr -d '\r' <"$WORK/$1.report" >"$WORK/$1.r" && mv "$WORK/$1.r" "$WORK/$1.report"
	fi
	if ! grep -q '^VMREPORT end' "$WORK/$1.report" 2>/dev/null; then
		fail "$1" "no report from the guest ($(tail -n 1 "$WORK/$1.qemu" 2>/dev/null)); console tail: $(tail -n 5 "$WORK/$1.console" 2>/dev/null | tr -d '\r' | tr '\n' '|')"
		return 1
	fi
}
drivers() {
	for e in $2; do
		got=$(report_driver "$1" "00:${e%%=*}")
		[ "$got" = "${e#*=}" ] || bad "00:${e%%=*} on ${got:-nothing}, expected ${e#*=}"
	done
}
# The /dev/vfio/<group> node of each device named.
nodes() {
	for a in $2; do
		g=$(report_group "$1" "00:$a")
		grep -qx "VMREPORT vfionode $g" "$WORK/$1.report" || bad "no /dev/vfio/$g for 00:$a"
	done
}
no_vfio() {
	if grep '^VMREPORT dev' "$WORK/$1.report" | grep -q ' vfio-pci '; then
		bad "a device is on vfio-pci"
	fi
}
kmsg() {
	grep '^VMREPORT kmsg' "$WORK/$1.report" | grep -qi -- "$2" || bad "no vfio-claim line matching '$2' in dmesg"
}
# vfio-claim ran modprobe once, for vfio-pci (vfio_pci's own vfio_pci:
# alias is no variant), and started it before the plan's first override.
early_modprobe() {
	awk '/^VMREPORT kmsg/ && /vfio-claim: loading / { n++; if ($0 !~ /loading vfio-pci with/) other = 1; if (!ovr) early = 1 }
		/^VMREPORT kmsg/ && /vfio-claim: .*driver_override set to/ { ovr = 1 }
		END { exit !(n == 1 && !other && early) }' "$WORK/$1.report" ||
		bad "vfio-claim did not run modprobe vfio-pci once, before its overrides: $(grep '^VMREPORT kmsg.*vfio-claim: \(loading\|.*driver_override set\)' "$WORK/$1.report" | cut -c 15- | tr '\n' '|')"
}
end() {
	if [ -z "$why" ]; then pass "$1"; else fail "$1" "$why"; fi
	[ -z "$why" ] && last=PASS || last=FAIL
}

# The hook returned before the claim was done (issue 22): the worker's line,
# and the initramfs's own wait for it ran and found it done.
background() {
	kmsg "$1" "vfio-claim: finishing in the background"
	case $(sed -n 's/^VMREPORT finish //p' "$WORK/$1.report") in
	"pre-pivot 0" | "unit 0" | "init-bottom 0" | "cleanup 0") ;;
	*) bad "the initramfs did not wait for the claim: finish [$(sed -n 's/^VMREPORT finish //p' "$WORK/$1.report")]" ;;
	esac
	! grep -q '^VMREPORT rec .*result=pending' "$WORK/$1.report" || bad "a device left pending"
}
# unbound_by_worker NAME ADDR DRIVER: ADDR was unbound from DRIVER by the
# background worker, after the hook returned, not by the hook itself.
unbound_by_worker() {
	awk -v line="$2: unbound from $3" '/^VMREPORT kmsg/ && /finishing in the background/ { bg = 1 }
		/^VMREPORT kmsg/ && index($0, line) { u = bg ? 2 : 1 }
		END { exit u != 2 }' "$WORK/$1.report" ||
		bad "$2 not unbound from $3 by the worker: $(grep '^VMREPORT kmsg.*vfio-claim' "$WORK/$1.report" | cut -c 15- | tr '\n' '|')"
}
# 1. vfio.devices=00:03,00:04.0: the GPU's slot and one of two identical USB
#    controllers; everything else keeps its driver.
scenario1() {
	begin "$1" || return 1
	drivers "$1" "$CLAIMED"
	nodes "$1" "03.0 04.0"
	kmsg "$1" "vfio-claim: .*0000:00:04.0"
	early_modprobe "$1"
	background "$1"
	end "$1"
	why=
}
# cell NAME FLAVOUR: the matrix line of a default-kernel VT-d boot.
cells=
cell() {
	vm_wanted "$1" || return 0
	cells="$cells$(printf 'CELL %-5s %-7s %-11s %s %4s s  (%s)' "${VFIO_CLAIM_KERNEL:-6.1}" intel "$2" "$3" "$(boot_secs "$1")" "$KVER")
"
}
for n in dshell-1 dsd-1 itools-1 mkinitcpio-1; do
	last=FAIL
	scenario1 "$n"
	cell "$n" "${n%-1}" $last
done
# The same, claimed by vfio-claim.service (no dracut hook in that image).
last=FAIL
scenario1 unit-1 && u=$last && kmsg unit-1 "Starting vfio-claim.service" &&
	end unit-1-service-ran && [ "$u" = PASS ] || last=FAIL
cell unit-1 unit $last

# The claim in a dracut systemd image runs before systemd-modules-load
# (issue 24 item 2): xhci_pci, named by rd.modules-load=, finds 00:04.0
# already held; vfio-claim's record has no previous driver for it, and its
# overrides come before modules-load's "Inserted module 'xhci_pci'".
n=dsd-2
if begin $n; then
	drivers $n "$CLAIMED"
	kmsg $n "Inserted module 'xhci_pci'"
	grep -qx "VMREPORT rec 0000:00:04.0 previous_driver=" "$WORK/$n.report" ||
		bad "00:04.0's record: $(grep '^VMREPORT rec 0000:00:04.0 previous_driver' "$WORK/$n.report") (xhci_hcd had it first)"
	awk '/^VMREPORT kmsg/ && /vfio-claim: .*driver_override set to/ && !ins { ovr = 1 }
		/^VMREPORT kmsg/ && /Inserted module .xhci_pci./ { ins = 1 }
		END { exit !(ovr && ins) }' "$WORK/$n.report" ||
		bad "modules-load inserted xhci_pci before vfio-claim's first override: $(grep '^VMREPORT kmsg.*\(Inserted module\|driver_override set\)' "$WORK/$n.report" | cut -c 15- | tr '\n' '|')"
	end $n
fi

# 2. A guard that no longer matches (the xhci's ID at the nvme's address).
n=dshell-2
if begin $n; then
	drivers $n "$NATIVE"
	no_vfio $n
	kmsg $n "0000:00:07.0"
	end $n
fi

# 3. The last vfio.devices= wins, and it is none.
n=dshell-3
if begin $n; then
	drivers $n "$NATIVE"
	no_vfio $n
	end $n
fi

# 4. The native driver is bound before the hook runs (as if built in).
n=dshell-4
if begin $n; then
	has $n "^VMREPORT preload 0000:00:04.0 xhci_hcd" || bad "xhci_hcd was not bound to 00:04.0 before the hook"
	drivers $n "03.0=bochs-drm 04.0=vfio-pci 05.0=xhci_hcd 07.0=nvme"
	has $n "^VMREPORT rec 0000:00:04.0 previous_driver=xhci_hcd" || bad "record lacks previous_driver=xhci_hcd"
	background $n
	# The bound device is unbound by the worker, after the hook returned.
	unbound_by_worker $n 0000:00:04.0 xhci_hcd
	end $n
fi

# 7. issue 22: vfio-pci never registers (modprobe hangs past --wait): the
#    device with a driver before the hook (04.0) keeps it, the others go
#    back to their own drivers (none is left without one), and the record
#    says so.
n=dshell-7
if begin $n; then
	drivers $n "$NATIVE"
	no_vfio $n
	has $n "^VMREPORT preload 0000:00:04.0 xhci_hcd" || bad "xhci_hcd was not bound to 00:04.0 before the hook"
	for a in 03.0 03.1 04.0; do
		has $n "^VMREPORT rec 0000:00:$a result=failed" || bad "00:$a's record does not say failed"
	done
	has $n "^VMREPORT rec 0000:00:03.0 why=vfio-pci did not register in time: given back" || bad "00:03.0's record does not say it was given back"
	kmsg $n "no exit after 10 s"
	background $n
	# --wait is 10 s of the clock (printk's), not 10000 polls of 1 ms: 33 s
	# under TCG before the fix.
	gap=$(awk 'function ts(l) { sub(/^[^[]*\[ */, "", l); sub(/\].*/, "", l); return l + 0 }
		/^VMREPORT kmsg/ && /vfio-claim: loading vfio-pci/ { s = ts($0) }
		/^VMREPORT kmsg/ && /vfio-pci: no exit after 10 s/ { e = ts($0) }
		END { if (s && e) printf "%.1f", e - s }' "$WORK/$n.report")
	case $gap in
	10.* | 11.* | 12.0) ;;
	*) bad "the worker gave up on modprobe after [$gap] s, not 10" ;;
	esac
	# verify before the wait: either the claim was still running (and it
	# says so, not ready), or it was done (the same verdict as after).
	if has $n "^VMREPORT early problem (claim-running)"; then
		has $n "^VMREPORT early-rc 1" || bad "verify while the claim ran did not exit 1"
		has $n "^VMREPORT early host: .*vfio-claim still running" || bad "verify while the claim ran: no 'still running'"
	fi
	end $n
fi

# 8. issue 22: a driver built into the kernel (serial, on a PCI UART) has
#    the device before any initramfs runs; the worker unbinds it once
#    vfio-pci is registered.
n=dshell-8
if begin $n; then
	drivers $n "08.0=vfio-pci 03.0=bochs-drm 04.0=xhci_hcd"
	has $n "^VMREPORT rec 0000:00:08.0 previous_driver=serial" || bad "record lacks previous_driver=serial: $(grep '^VMREPORT rec 0000:00:08.0' "$WORK/$n.report" | tr '\n' '|')"
	has $n "^VMREPORT rec 0000:00:08.0 result=claimed" || bad "08.0 not claimed"
	background $n
	unbound_by_worker $n 0000:00:08.0 serial
	end $n
fi

# 5. No IOMMU: nothing taken, every device keeps its driver, a clear error.
n=dshell-5
if begin $n; then
	drivers $n "$NATIVE"
	no_vfio $n
	kmsg $n "iommu"
	end $n
fi

# 6. The config file in the image, no parameter.
for n in dshell-6 itools-6 mkinitcpio-6; do
	begin $n || continue
	drivers $n "$CLAIMED"
	nodes $n "03.0 04.0"
	end $n
done

# initramfs-tools: our init-top script ran before init-top/udev.
n=itools-order
if [ -f "$WORK/itools-1.report" ]; then
	order=$(sed -n 's|^VMREPORT order /scripts/init-top/\([^ ]*\) .*|\1|p' "$WORK/itools-1.report" | tr '\n' ' ')
	case " $order" in
	*" 00-vfio-claim "*" udev "*) pass $n ;;
	*) fail $n "init-top ORDER is [$order]" ;;
	esac
fi

# vfioctl in the guest (issue 4): verify's exit status after each boot...
for e in dshell-1=0 dsd-1=0 itools-1=0 mkinitcpio-1=0 unit-1=0 dshell-2=1 \
	dshell-3=0 dshell-4=0 dshell-5=1 dshell-6=0 itools-6=0 mkinitcpio-6=0 \
	dshell-7=1 dshell-8=0; do
	n=${e%=*}
	[ -f "$WORK/$n.report" ] || continue
	got=$(sed -n 's/^VMREPORT verify-rc //p' "$WORK/$n.report")
	if [ "$got" = "${e#*=}" ]; then
		pass "vfioctl-verify/$n"
	else
		fail "vfioctl-verify/$n" "exit ${got:-missing (no vfioctl in the image?)}, expected ${e#*=}: $(grep '^VMREPORT verify ' "$WORK/$n.report" | tail -n 3 | tr '\n' '|')"
	fi
done
# ...it names the stale guard and the missing IOMMU,
if grep -q '^VMREPORT verify .*stale-guard' "$WORK/dshell-2.report" 2>/dev/null; then
	pass vfioctl-verify/stale-guard-named
else
	fail vfioctl-verify/stale-guard-named "dshell-2: no stale-guard diagnosis"
fi
# ...says why the boot's claim did not hold, from vfio-claim's record,
if grep -q '^VMREPORT verify problem (claim-failed): .*(result=skipped); the reason it recorded: has no IOMMU group' "$WORK/dshell-5.report" 2>/dev/null; then
	pass vfioctl-verify/claim-failed-says-why
else
	fail vfioctl-verify/claim-failed-says-why "dshell-5: no claim-failed line with the record's reason"
fi
# (no IOMMU device, so no ACPI DMAR; the guest's cpuinfo has the
# hypervisor flag, so the fix is a virtual IOMMU, not the firmware's
# VT-d setting; and never amd_iommu=on, which is no kernel option)
if grep -q '^VMREPORT verify fix: a VM guest without a virtual IOMMU: add one (QEMU -device intel-iommu' "$WORK/dshell-5.report" 2>/dev/null &&
	! grep -q 'amd_iommu=on' "$WORK/dshell-5.report"; then
	pass vfioctl-verify/no-iommu-fix-named
else
	fail vfioctl-verify/no-iommu-fix-named "dshell-5: no virtual-IOMMU fix for the missing IOMMU in a VM guest"
fi

# ...warns that the claimed qemu-xhci (00:04.0) has no reset method: the
# kernel shows it no reset_method (QEMU's xhci has no FLR, no PM reset,
# and sits on the root bus, so no bus reset), and verify says so while
# the device stays ready.
n=dshell-1
rm04=$(sed -n 's/^VMREPORT reset 0000:00:04.0 //p' "$WORK/$n.report" 2>/dev/null)
w04=$(awk '/^VMREPORT verify 0000:00:04.0 /{f=1; next}
	/^VMREPORT verify [0-9a-f][0-9a-f][0-9a-f][0-9a-f]:/{f=0}
	f && /^VMREPORT verify warning \(no-reset\): has no reset method/{print "warned"}' \
	"$WORK/$n.report" 2>/dev/null)
if [ "$rm04" = - ] && [ "$w04" = warned ]; then
	pass vfioctl-verify/no-reset-warning-xhci
else
	fail vfioctl-verify/no-reset-warning-xhci "$n: reset_method of 00:04.0 [${rm04:-no report}], warning [${w04:-none}]: $(grep '^VMREPORT verify ' "$WORK/$n.report" | tr '\n' '|' | cut -c1-400)"
fi

# ...a bind/unbind round trip on the second xhci: xhci_hcd -> vfio-pci ->
# xhci_hcd, read from the driver link in the guest,
n=dshell-1
rt=$(sed -n 's/^VMREPORT roundtrip //p' "$WORK/$n.report" 2>/dev/null)
expect_eq vfioctl-bind-unbind/05.0 "xhci_hcd 0 vfio-pci 0 xhci_hcd" "$rt"
# The same where nothing was claimed at boot: vfioctl bind loads vfio-pci
# itself, through libkmod.
rt=$(sed -n 's/^VMREPORT roundtrip //p' "$WORK/dshell-3.report" 2>/dev/null)
expect_eq vfioctl-bind-loads-vfio-pci/05.0 "xhci_hcd 0 vfio-pci 0 xhci_hcd" "$rt"
if grep -q '^VMREPORT verify host: .*vfio-pci not loaded' "$WORK/dshell-3.report" 2>/dev/null; then
	pass vfioctl-bind-loads-vfio-pci/was-not-loaded
else
	fail vfioctl-bind-loads-vfio-pci/was-not-loaded "dshell-3: vfio-pci was loaded before vfioctl bind, so the libkmod path was not tested"
fi

# ...unbind after the boot claim: the record has no previous_driver= (the
# claim ran before snd_hda_intel loaded); with the module unloaded, unbind
# loads it from the recorded modalias through libkmod, and it takes 03.1.
gb=$(sed -n 's/^VMREPORT giveback //p' "$WORK/dshell-1.report" 2>/dev/null)
expect_eq vfioctl-unbind-loads-module/03.1 "gone 0 snd_hda_intel" "$gb"
if grep -q '^VMREPORT rec 0000:00:03.1 modalias=pci:v00008086d0000293E' "$WORK/dshell-1.report" 2>/dev/null &&
	grep -qx 'VMREPORT rec 0000:00:03.1 previous_driver=' "$WORK/dshell-1.report"; then
	pass vfioctl-unbind-loads-module/record
else
	fail vfioctl-unbind-loads-module/record "dshell-1: no empty previous_driver= with a modalias= in 03.1's record"
fi
# ...bind refuses the boot display while fbcon is on it, on a real kernel's
# sysfs (boot_vga, class/graphics/fb0, class/vtconsole), and nothing else:
# the NVMe has nothing mounted, the e1000e no address.
busy=$(sed -n 's/^VMREPORT busy //p' "$WORK/dshell-3.report" 2>/dev/null)
case $busy in
*"0000:00:03.0 1 "*"not bound: it is the boot display and the console (vtcon"*") is on its framebuffer fb0 (bochs-drmdrmfb)"*)
	pass vfioctl-bind-busy/boot-display ;;
*) fail vfioctl-bind-busy/boot-display "dshell-3: 03.0 not refused as the boot display: $(echo "$busy" | tr '\n' '|')" ;;
esac
others=$(echo "$busy" | grep -v '^0000:00:03.0 ' | grep -v ' -$')
if [ -n "$busy" ] && [ -z "$others" ]; then
	pass vfioctl-bind-busy/nothing-else
else
	fail vfioctl-bind-busy/nothing-else "dshell-3: refused or failed: $(echo "${others:-no busy lines}" | tr '\n' '|')"
fi

# ...and groups lists the guest's real IOMMU groups, with the right verdicts.
sys=$(sed -n 's/^VMREPORT sysgroup //p' "$WORK/$n.report" 2>/dev/null | sort)
ours=$(awk '/^VMREPORT groups IOMMU group / { g = $5; sub(":", "", g) }
	/^VMREPORT groups +[0-9a-f]+:/ { print g, $3 }' "$WORK/$n.report" 2>/dev/null | sort)
if [ -n "$sys" ] && [ "$sys" = "$ours" ]; then
	pass vfioctl-groups/matches-sysfs
else
	fail vfioctl-groups/matches-sysfs "sysfs [$(echo "$sys" | tr '\n' ' ')] vs vfioctl [$(echo "$ours" | tr '\n' ' ')]"
fi
g3=$(report_group $n 00:03.0)
g5=$(report_group $n 00:05.0)
v3=$(sed -n "s/^VMREPORT groups IOMMU group $g3: //p" "$WORK/$n.report" 2>/dev/null)
v5=$(sed -n "s/^VMREPORT groups IOMMU group $g5: //p" "$WORK/$n.report" 2>/dev/null)
expect_eq vfioctl-groups/claimed-gpu-viable "viable" "$v3"
expect_eq vfioctl-groups/xhci-on-xhci_hcd-not-viable "not viable" "$v5"

# The nested proof: an inner QEMU took what qemu-args printed, for every
# scenario (none where nothing is on vfio-pci), and one inner guest booted.
for n in dshell-1 dshell-2 dshell-3 dshell-4 dshell-5 dshell-6 dsd-1 \
	itools-1 itools-6 mkinitcpio-1 mkinitcpio-6 unit-1; do
	nested_check "$n"
done
nested_boot_check

printf '%s' "$cells"

# The rest of the matrix: other kernels and IOMMUs (tests/vm/matrix.sh;
# VM_MATRIX=none skips it, VM_MATRIX=full is make check-matrix).
if [ "${VM_MATRIX:-check}" != none ]; then
	VM_MATRIX_IN_RUN=1
	. "$TOP/tests/vm/matrix.sh"
fi
