#!/bin/sh
# make demo: build a dracut image with the vfio-claim module (through
# `make install DESTDIR=`), boot the demo host in QEMU with vfio.devices=
# naming its GPU (whole slot: VGA + HDA audio) and one of its two identical
# USB controllers, and show what each device would have had and what it got.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/vm/lib.sh"
SEL=${VFIO_DEVICES:-00:03,00:04.0}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vfio-claim-demo.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM
t0=$(date +%s)
step() { printf '%-58s' "$1"; }
done_() { echo "done ($(($(date +%s) - $1)) s)"; }

command -v "$QEMU" >/dev/null 2>&1 || { echo "demo: $QEMU not found (sh tests/deps.sh demo)" >&2; exit 1; }
s=$(date +%s)
step "Kernel (Debian's own; downloaded once) and make install:"
vm_setup "$WORK" >"$WORK/setup.log" 2>&1 || { echo FAILED; cat "$WORK/setup.log"; exit 1; }
done_ "$s"
echo "   kernel $KVER"
s=$(date +%s)
step "Initramfs by dracut with the vfio-claim module:"
build_dracut "$WORK/demo.img" shell >"$WORK/dracut.log" 2>&1 || { echo FAILED; cat "$WORK/dracut.log"; exit 1; }
done_ "$s"
s=$(date +%s)
step "Booting the demo host (QEMU, q35 + intel-iommu):"
vm_boot demo "$WORK/demo.img" "vfio.devices=$SEL"
done_ "$s"
r=$WORK/demo.report
tr -d '\r' <"$r" >"$r.txt"
if ! grep -q '^VMREPORT end' "$r.txt"; then
	echo "demo: the guest did not report; console tail:"
	tail -n 30 "$WORK/demo.console"
	exit 1
fi

echo
echo "Kernel command line: vfio.devices=$SEL"
echo
printf '%-14s %-11s %-7s %-16s %-14s\n' DEVICE IDS GROUP "WOULD HAVE HAD" "GOT"
grep '^VMREPORT dev ' "$r.txt" | while read -r _ _ addr ids drv grp would; do
	[ "$would" = - ] && [ "$drv" = none ] && continue
	mark=
	[ "$drv" = vfio-pci ] && mark="  <- claimed"
	printf '%-14s %-11s %-7s %-16s %-14s%s\n' "$addr" "$ids" "$grp" "$would" "$drv" "$mark"
done
echo
echo "/dev/vfio: $(sed -n 's/^VMREPORT vfionode //p' "$r.txt" | tr '\n' ' ')"
echo
echo "dmesg | grep vfio-claim:"
sed -n 's/^VMREPORT kmsg /  /p' "$r.txt"
if grep -q '^VMREPORT verify' "$r.txt"; then
	echo
	echo "vfioctl verify (in the guest):"
	sed -n 's/^VMREPORT verify /  /p' "$r.txt"
fi
echo
echo "(\"would have had\": the driver of the module modprobe -R picks for the device's modalias.)"
echo "Whole demo: $(($(date +%s) - t0)) s"
