#!/bin/sh
# arm64 once: Debian's arm64 kernel in qemu-system-aarch64 (TCG) on
# `-M virt,iommu=smmuv3`, with the early binary cross-built static
# (build/vfio-claim.arm64, gcc-aarch64-linux-gnu) in a minimal busybox image
# whose /init runs it before any PCI driver loads. Scenario 1 of the x86
# boot tests: vfio.devices=00:03,00:04.0 takes the GPU's slot (VGA + HDA
# audio) and one of two identical xhci controllers; everything else keeps
# its driver; the claimed devices have SMMUv3 IOMMU groups and /dev/vfio
# nodes. Logs: tests/out/arm64/.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib/testlib.sh"
OUT=$TOP/tests/out/arm64
rm -rf "$OUT"
mkdir -p "$OUT"
QEMU_A64=${QEMU_A64:-qemu-system-aarch64}
A64_TIMEOUT=${A64_TIMEOUT:-600}
BIN=${A64_BIN:-$BUILD/vfio-claim.arm64}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vfio-claim-arm64.XXXXXX")
trap 'cp "$WORK"/*.log "$OUT/" 2>/dev/null; rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM

if ! command -v "$QEMU_A64" >/dev/null 2>&1; then
	fail arm64-qemu "$QEMU_A64 not found (apt-get install qemu-system-arm); nothing ran"
	exit 1
fi
# ELF e_machine 183 (0xb7) is aarch64.
if [ ! -x "$BIN" ] || [ "$(od -An -tx1 -j18 -N2 "$BIN" 2>/dev/null | tr -d ' ')" != b700 ]; then
	fail arm64-binary "$BIN is not an arm64 binary (make $BUILD/vfio-claim.arm64; apt-get install gcc-aarch64-linux-gnu)"
	exit 1
fi
if ! f=$(sh "$TOP/tests/arm64/fetch.sh" 2>"$WORK/fetch.log"); then
	fail arm64-fetch "arm64 kernel or busybox not fetched: $(tail -n 3 "$WORK/fetch.log" | tr '\n' ' ')"
	exit 1
fi
KVER=${f%% *} f=${f#* }
KROOT=${f%% *} BUSYBOX=${f#* }

# The image: busybox, vfio-claim, /init, and the modules that the PCI
# drivers of the test machine and vfio-pci need (with depmod's files).
r=$WORK/root
mkdir -p "$r/bin" "$r/sbin" "$r/proc" "$r/sys" "$r/dev" "$r/lib/modules/$KVER"
cp "$BUSYBOX" "$r/bin/busybox"
ln -s busybox "$r/bin/sh"
ln -s ../bin/busybox "$r/sbin/modprobe"
cp "$BIN" "$r/sbin/vfio-claim"
cp "$TOP/tests/arm64/init.sh" "$r/init"
chmod 0755 "$r/init" "$r/sbin/vfio-claim"
for m in vfio-pci xhci-pci bochs snd-hda-intel; do
	modprobe -d "$KROOT" -S "$KVER" --show-depends "$m" 2>>"$WORK/fetch.log" |
		sed -n 's/^insmod \([^ ]*\).*/\1/p'
done | sort -u | while read -r ko; do
	rel=${ko#"$KROOT"/lib/modules/"$KVER"/}
	mkdir -p "$r/lib/modules/$KVER/${rel%/*}"
	cp "$ko" "$r/lib/modules/$KVER/$rel"
done
cp "$KROOT/lib/modules/$KVER/modules.order" "$KROOT/lib/modules/$KVER/modules.builtin" \
	"$r/lib/modules/$KVER/" 2>/dev/null
depmod -b "$r" "$KVER" 2>>"$WORK/fetch.log"
(cd "$r" && find . | cpio -o -H newc --quiet) | gzip -1 >"$WORK/initrd"
echo "arm64 image: $(($(wc -c <"$WORK/initrd") / 1024)) KiB, kernel $KVER"

s=$(date +%s)
timeout "$A64_TIMEOUT" "$QEMU_A64" -M virt,iommu=smmuv3 -accel tcg -cpu cortex-a57 \
	-m 1024 -smp 2 -nodefaults -display none -no-reboot \
	-device VGA,bus=pcie.0,addr=03.0,multifunction=on \
	-device ich9-intel-hda,bus=pcie.0,addr=03.1 \
	-device qemu-xhci,bus=pcie.0,addr=04.0 \
	-device qemu-xhci,bus=pcie.0,addr=05.0 \
	-serial file:"$WORK/console.log" \
	-kernel "$KROOT/boot/vmlinuz-$KVER" -initrd "$WORK/initrd" \
	-append "console=ttyAMA0 panic=-1 vfio.devices=00:03,00:04.0" \
	>"$WORK/qemu.log" 2>&1
qrc=$?
echo "arm64 boot: qemu exit $qrc after $(($(date +%s) - s)) s" | tee -a "$WORK/qemu.log"

tr -d '\r' <"$WORK/console.log" | sed -n 's/^A64REPORT //p' >"$WORK/report.log"
rep=$WORK/report.log
if ! grep -qx end "$rep"; then
	fail arm64-boot "no report from the guest (qemu exit $qrc); console tail: $(tail -n 5 "$WORK/console.log" | tr -d '\r' | tr '\n' '|')"
	exit 1
fi
why=
bad() { why="$why${why:+; }$1"; }
drv() { sed -n "s/^dev 0000:00:$1 [^ ]* \([^ ]*\) .*/\1/p" "$rep"; }
grp() { sed -n "s/^dev 0000:00:$1 [^ ]* [^ ]* \([^ ]*\)$/\1/p" "$rep"; }
for e in 03.0=vfio-pci 03.1=vfio-pci 04.0=vfio-pci 05.0=xhci_hcd; do
	got=$(drv "${e%%=*}")
	[ "$got" = "${e#*=}" ] || bad "00:${e%%=*} on ${got:-nothing}, expected ${e#*=}"
done
for a in 03.0 04.0; do
	g=$(grp "$a")
	grep -qx "vfionode $g" "$rep" || bad "no /dev/vfio/$g for 00:$a (group ${g:--})"
done
grep -q '^iommu .*smmu' "$rep" || bad "no SMMU under /sys/class/iommu: $(grep '^iommu' "$rep" | tr '\n' ' ')"
grep -qx 'claim-rc 0' "$rep" || bad "vfio-claim exit $(sed -n 's/^claim-rc //p' "$rep")"
grep -q '^kmsg .*vfio-claim: 0000:00:04.0: bound to vfio-pci' "$rep" || bad "no 'bound to vfio-pci' line for 00:04.0 in dmesg"
if [ -z "$why" ]; then pass arm64-smmuv3/scenario1; else fail arm64-smmuv3/scenario1 "$why"; fi
