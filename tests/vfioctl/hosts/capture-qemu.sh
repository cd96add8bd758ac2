#!/bin/sh
# Prints qemu-q35-vtd.spec again: boots Debian's kernel (tests/vm/kernel.sh)
# in QEMU (TCG, q35, intel-iommu) with a busybox initramfs that loads the
# devices' drivers, moves 00:05.0 to vfio-pci and runs a static
# build of tests/lib/mktree.c with --capture /sys inside the guest.
# Not part of make check (one boot, about 25 s): run it by hand, as
#   sh tests/vfioctl/hosts/capture-qemu.sh >tests/vfioctl/hosts/qemu-q35-vtd.spec
# Needs qemu-system-x86, busybox-static, cpio and gcc (tests/deps.sh).
set -eu
TOP=$(cd "$(dirname "$0")/../../.." && pwd)
OUT=$TOP/tests/out/capture-qemu
MODS="bochs snd_hda_intel xhci_pci e1000e nvme vfio-pci"
k=$(sh "$TOP/tests/vm/kernel.sh")
KVER=${k%% *} KROOT=${k#* }

rm -rf "$OUT"
R=$OUT/root
mkdir -p "$R/bin" "$R/proc" "$R/sys" "$R/dev" "$R/lib/modules/$KVER"
cp "$(command -v busybox)" "$R/bin/busybox"
for a in sh mount modprobe readlink sed sleep; do
	ln -s busybox "$R/bin/$a"
done
gcc -static -O2 -o "$R/bin/mktree" "$TOP/tests/lib/mktree.c"
for m in $MODS; do
	for f in $(modprobe -d "$KROOT" -S "$KVER" --show-depends "$m" |
		awk '$1 == "insmod" { print $2 }'); do
		mkdir -p "$R/$(dirname "${f#"$KROOT"/}")"
		cp "$f" "$R/${f#"$KROOT"/}"
	done
done
cp "$KROOT/lib/modules/$KVER/modules.order" \
	"$KROOT/lib/modules/$KVER/modules.builtin" "$R/lib/modules/$KVER/"
depmod -b "$R" "$KVER" 2>/dev/null
cat >"$R/init" <<EOF
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $MODS; do modprobe \$m; done
a=/sys/bus/pci/devices/0000:00:05.0
echo vfio-pci >\$a/driver_override
echo 0000:00:05.0 >\$a/driver/unbind
echo 0000:00:05.0 >/sys/bus/pci/drivers_probe
sleep 1
mktree --capture /sys | sed 's/^/C /'
echo o >/proc/sysrq-trigger
sleep 30
EOF
chmod +x "$R/init"
(cd "$R" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$OUT/initrd.gz"

timeout 300 qemu-system-x86_64 -machine q35,kernel-irqchip=split -accel tcg \
	-m 1024 -smp 2 -nographic -no-reboot -device intel-iommu,intremap=on \
	-device VGA,bus=pcie.0,addr=03.0,multifunction=on \
	-device ich9-intel-hda,bus=pcie.0,addr=03.1 \
	-device qemu-xhci,bus=pcie.0,addr=04.0 \
	-device qemu-xhci,bus=pcie.0,addr=05.0 \
	-device pcie-root-port,id=rp1,bus=pcie.0,addr=06.0,chassis=1 \
	-device e1000e,bus=rp1,netdev=n0 -netdev user,id=n0 \
	-device nvme,bus=pcie.0,addr=07.0,serial=vfx0 \
	-kernel "$KROOT/boot/vmlinuz-$KVER" -initrd "$OUT/initrd.gz" \
	-append "console=ttyS0 intel_iommu=on no_timer_check panic=-1 rdinit=/init quiet" \
	</dev/null >"$OUT/console" 2>&1

cat <<EOF
# Debian's $KVER in QEMU $(qemu-system-x86_64 --version | sed -n 's/.*version \([0-9.]*\).*/\1/p') (TCG), captured $(date -u +%Y-%m-%d) inside the
# guest with 'mktree --capture /sys' after modprobe of bochs, snd_hda_intel,
# xhci_pci, e1000e, nvme and vfio-pci, and 00:05.0 moved to vfio-pci, by
# tests/vfioctl/hosts/capture-qemu.sh (its QEMU command line is there).
# Kernel command line: console=ttyS0 intel_iommu=on
EOF
tr -d '\r' <"$OUT/console" | sed -n 's/^C //p' | grep . ||
	{
		echo "capture-qemu: no capture; the console: $OUT/console" >&2
		exit 1
	}
