#!/bin/sh
# Fault injection: writes that fail, a device that vanishes mid-run, and
# truncated or odd attributes. Every test checks that vfio-claim names the
# device in one clear line, carries on with the others, does not crash
# (exit 0 or 1), claims nothing it was not asked for, and gives a device
# back (driver_override cleared) when it cannot finish the claim.
# The faults are hidden files that fakekernel.so reads (tests/lib/mktree.c).
# What each test produced is compared with tests/expected/fault/TEST.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
export SUITE=fault
# shellcheck disable=SC1091 # sourced by path at run time
. "$TOP/tests/lib/testlib.sh"
fx_need "$MKTREE" "$FAKEKERNEL" "$VC_BIN" "$VC_NOSHIM"
fx_init

P='vfio-claim:'
SEL="vfio.devices=00:02.0,00:14.0"

# The laptop; $1 adds keys to the iGPU's line.
tree() {
	cat <<-EOF
		iommu dmar0
		driver vfio-pci
		0000:00:02.0 8086:3e90 030000 driver=i915 group=1 subsys=17aa:2248 $FAULT
		0000:00:14.0 8086:a2af 0c0330 driver=xhci_hcd group=2 subsys=17aa:2248
		0000:00:1f.3 8086:a348 040300 driver=snd_hda_intel group=4
	EOF
}

# The other device is claimed whatever happens to the iGPU.
usb_claimed() {
	ck_driver 0000:00:14.0 vfio-pci
	ck_record 0000:00:14.0 result=claimed
	ck_driver 0000:00:1f.3 snd_hda_intel
}

# A write to ATTR fails with ERR: reported, rolled back, others claimed.
for f in driver_override:EBUSY driver_override:EINVAL driver_override:EIO \
	unbind:EBUSY unbind:EINVAL unbind:EIO; do
	attr=${f%:*} err=${f#*:}
	FAULT="fail-$attr=$err"
	t "write-fails-$attr-$err" || continue
	mk "fail-$attr-$err" tree
	vc --cmdline "$SEL"
	ck_rc 1
	usb_claimed
	ck_driver 0000:00:02.0 i915
	ck_override 0000:00:02.0 "(null)"
	ck_kmsg_count "^<3>$P 0000:00:02.0: " 1
	case $attr in
	driver_override) ck_kmsg_re "^<3>$P 0000:00:02.0: cannot write vfio-pci to driver_override: " ;;
	unbind)
		ck_kmsg_re "^<3>$P 0000:00:02.0: cannot unbind it from its driver: "
		;;
	esac
	ck_record 0000:00:02.0 result=failed previous_driver=i915
	golden
	verdict
done

# drivers_probe fails (its error is not reported by the kernel either):
# vfio-pci did not get it, so the override is cleared and it is given back.
for err in EBUSY EINVAL ENODEV; do
	FAULT="fail-drivers_probe=$err"
	t "write-fails-drivers_probe-$err" || continue
	mk "fail-probe-$err" tree
	vc --cmdline "$SEL"
	ck_rc 1
	usb_claimed
	ck_override 0000:00:02.0 "(null)"
	ck_kmsg_count "^<3>$P 0000:00:02.0: " 1
	ck_on_vfio 0000:00:14.0
	ck_record 0000:00:02.0 result=failed
	golden
	verdict
done

# vfio-pci's probe refuses the device: it goes back to i915.
FAULT=refuse=1
if t vfio-pci-probe-refuses-device-back-on-its-driver; then
	mk vfio-refuses tree
	vc --cmdline "$SEL"
	ck_rc 1
	ck_driver 0000:00:02.0 i915
	golden
	verdict
fi

# The device vanishes when an attribute is written.
for v in driver_override unbind drivers_probe; do
	FAULT="vanish-on=$v"
	t "vanishes-on-$v" || continue
	mk "vanish-$v" tree
	vc --cmdline "$SEL"
	ck_rc 1
	usb_claimed
	[ ! -e "$T/bus/pci/devices/0000:00:02.0" ] || bad "the device did not vanish"
	# Only removals for the iGPU; the USB controller claimed.
	changes | grep -v '0000:00:14.0' | grep -v '^- ' >"$T.other"
	[ ! -s "$T.other" ] || bad "unexpected changes: $(tr '\n' '|' <"$T.other")"
	ck_kmsg_re "^<3>$P 0000:00:02.0: vanished while being claimed"
	ck_kmsg_count "^<3>$P 0000:00:02.0" 1
	ck_record 0000:00:02.0 result=gone
	golden
	verdict
done

FAULT="vanish-on=unbind"
if t vanishes-after-unbind; then
	mk vanish-after-unbind tree
	echo after >"$T/devices/pci0000:00/0000:00:02.0/.vanish-on-unbind"
	vc --cmdline "$SEL"
	ck_rc 1
	usb_claimed
	ck_kmsg_re "^<3>$P 0000:00:02.0: vanished while being claimed"
	golden
	verdict
fi

# Odd attributes. D is the iGPU's directory.
D=devices/pci0000:00/0000:00:02.0
FAULT=

# odd_done [--by-device] RC ON_VFIO...: the end of an odd-attribute test:
# its exit status, the devices on vfio-pci, its expected output (see
# golden; --by-device for an ID scan).
odd_done() {
	by=
	if [ "$1" = --by-device ]; then
		by=$1
		shift
	fi
	rc=$1
	shift
	ck_rc "$rc"
	ck_on_vfio "$@"
	golden ${by:+"$by"}
	verdict
}

if t empty-uevent-falls-back-to-id-files; then
	mk empty-uevent tree
	: >"$T/$D/uevent"
	vc --cmdline "vfio.devices=8086:3e90,00:14.0"
	ck_record 0000:00:02.0 id=8086:3e90 subsystem=17aa:2248 class=030000 previous_driver=i915
	odd_done --by-device 0 0000:00:02.0 0000:00:14.0
fi

if t uevent-without-pci-id-falls-back; then
	mk uevent-no-id tree
	printf 'DRIVER=i915\nPCI_CLASS=30000\n' >"$T/$D/uevent"
	vc --cmdline "vfio.devices=8086:3e90"
	odd_done --by-device 0 0000:00:02.0
fi

if t vendor-garbage-reported-not-claimed; then
	mk vendor-garbage tree
	: >"$T/$D/uevent"
	echo 'zz-not-hex' >"$T/$D/vendor"
	vc --cmdline "vfio.devices=8086:3e90,00:02.0,00:14.0"
	ck_kmsg_re "^<3>$P 0000:00:02.0: cannot read the IDs of 0000:00:02.0: " \
		"^<4>$P 0000:00:02.0: unreadable IDs" \
		"^<3>$P 8086:3e90: matches no PCI device"
	ck_driver 0000:00:02.0 i915
	ck_override 0000:00:02.0 "(null)"
	odd_done --by-device 1 0000:00:14.0
fi

if t driver-override-missing; then
	mk no-driver-override tree
	rm "$T/$D/driver_override"
	vc --cmdline "$SEL"
	ck_driver 0000:00:02.0 i915
	ck_kmsg_count "^<3>$P 0000:00:02.0" 1
	[ ! -e "$T/$D/driver_override" ] || bad "driver_override was created"
	odd_done 1 0000:00:14.0
fi

if t config-truncated-still-claimed; then
	mk config-truncated tree
	printf '\206\200' >"$T/$D/config"
	vc --cmdline "$SEL"
	odd_done 0 0000:00:02.0 0000:00:14.0
fi

if t bridge-with-empty-config-still-refused; then
	mk bridge-config-truncated <<-EOF
		iommu dmar0
		driver vfio-pci
		0000:00:1c.0 8086:a33c 060400 driver=pcieport group=3
	EOF
	: >"$T/devices/pci0000:00/0000:00:1c.0/config"
	resnap
	vc --cmdline "vfio.devices=00:1c.0"
	odd_done 1
fi

if t iommu-group-link-dangling; then
	mk group-dangling tree
	rm -r "$T/kernel/iommu_groups/1"
	vc --cmdline "$SEL"
	odd_done 0 0000:00:02.0 0000:00:14.0
fi

if t iommu-group-link-not-a-number; then
	mk group-garbage tree
	rm "$T/$D/iommu_group"
	ln -s ../../../kernel/iommu_groups/x1 "$T/$D/iommu_group"
	vc --cmdline "$SEL"
	# An IOMMU is registered, so the kernel's bind decides (a group can appear
	# only at bind); the log does not pretend it is no-IOMMU mode.
	ck_no_kmsg "no-IOMMU mode"
	odd_done 0 0000:00:02.0 0000:00:14.0
fi

if t huge-attributes; then
	mk huge-attrs tree
	awk 'BEGIN { for (i = 0; i < 4000; i++) print "X_PAD=" i "xxxxxxxxxxxxxxxxxxxxxxxxx" }' >>"$T/$D/uevent"
	awk 'BEGIN { for (i = 0; i < 4000; i++) printf "vfio-pci-but-very-long" }' >"$T/devices/pci0000:00/0000:00:14.0/driver_override"
	head -c 100000 /dev/zero | tr '\0' 'f' >"$T/devices/pci0000:00/0000:00:1f.3/class"
	vc --cmdline "vfio.devices=8086:3e90,00:14.0,00:1f.3"
	odd_done --by-device 0 0000:00:02.0 0000:00:14.0 0000:00:1f.3
fi

if t sriov-numvfs-garbage-no-crash; then
	mk sriov-garbage <<-EOF
		iommu dmar0
		driver vfio-pci
		0000:03:00.0 8086:1521 020000 driver=igb group=20 numvfs=2
	EOF
	echo lots >"$T/devices/pci0000:00/0000:03:00.0/sriov_numvfs"
	vc --cmdline "vfio.devices=03:00.0"
	odd_done "$RC" 0000:03:00.0
fi

if t junk-in-bus-pci-devices; then
	mk junk-entries tree
	ln -s ../../../devices/pci0000:00/0000:00:1d.0 "$T/bus/pci/devices/0000:00:1d.0"
	mkdir "$T/bus/pci/devices/junk" "$T/bus/pci/devices/0000:00:1e.0"
	vc --cmdline "vfio.devices=8086:a2af,00:1d.0,00:1e.0"
	ck_kmsg_count "^<3>$P 0000:00:1e.0" 1
	odd_done --by-device 1 0000:00:14.0
fi

if t no-sysfs; then
	mk unreadable-root tree
	vc --sysfs "$T/nonexistent" --cmdline "$SEL"
	ck_kmsg_re "^<3>$P .*/nonexistent: cannot open bus/pci/devices: .*is sysfs mounted\?"
	odd_done 1
fi

if t cmdline-value-too-long; then
	mk long-cmdline tree
	long=$(awk 'BEGIN { printf "vfio.devices="; for (i = 0; i < 600; i++) printf "8086:3e90," }')
	vc --cmdline "$long"
	ck_kmsg_re "^<3>$P vfio.devices= is longer than 4095 bytes"
	# A run that could not read what was asked is recorded as failed.
	grep -qxF status=1 "$T/run/boot" 2>/dev/null || bad "run/boot lacks status=1"
	odd_done 1
fi

if t more-than-128-selectors; then
	mk many-selectors tree
	many=$(awk 'BEGIN { printf "vfio.devices=00:14.0"; for (i = 0; i < 200; i++) printf ",%02x:00.0", i }')
	vc --cmdline "$many"
	ck_kmsg_re "^<3>$P vfio.devices=: more than 128 selectors"
	odd_done "$RC" 0000:00:14.0
fi

# unbind says ENODEV when the device is no longer on that driver; the
# device is still there, so the claim is rolled back like any other failed
# write, not taken for "vanished".
FAULT="fail-unbind=ENODEV"
if t write-fails-unbind-ENODEV-rolls-back; then
	mk fail-unbind-ENODEV tree
	vc --cmdline "$SEL"
	ck_rc 1
	usb_claimed
	ck_override 0000:00:02.0 "(null)"
	ck_kmsg_re "^<3>$P 0000:00:02.0: cannot unbind it from its driver: "
	golden
	verdict
fi
