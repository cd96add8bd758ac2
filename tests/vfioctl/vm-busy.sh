#!/bin/sh
# Defect 3 on a real kernel: Debian's kernel in QEMU (TCG, q35 with an
# emulated intel-iommu), a busybox initramfs with build/vfioctl, and a
# qemu-xhci at 00:04.0 bound to vfio-pci in the guest (vm/init). Checks:
#   - while one process holds /dev/vfio/N, every other open fails with
#     EBUSY (the kernel's one-opener rule that makes a probing monitor
#     dangerous);
#   - /proc/PID/fd shows the holder's link as /dev/vfio/N, and verify
#     reports the device in use by that process, without opening the node;
#   - a verify loop (--format prometheus, as from cron) running while a
#     "VM" opens the group again and again makes none of those opens fail;
#     with --probe some fail (a control, and what the default avoids; a
#     race, so zero collisions is a SKIP, not a FAIL);
#   - a btrfs filesystem over two virtio disks (mkfs.btrfs on the host),
#     mounted by one with device= for the other: bind refuses both
#     controllers, the one not named as mount source because btrfs holds
#     its disk open exclusively (the kernel's O_EXCL EBUSY), and a third,
#     unused disk's controller binds to vfio-pci.
# Prints PASS/FAIL/SKIP lines. VFIOCTL_VM=0 skips it (the boot takes about
# 80 s under TCG).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib/testlib.sh disable=SC1091
. "$TOP/tests/lib/testlib.sh"
HERE=$TOP/tests/vfioctl/vm
OUT=$TOP/tests/out/vfioctl-vm
QEMU=${QEMU:-qemu-system-x86_64}

if [ "${VFIOCTL_VM:-1}" = 0 ]; then
	skip vm-busy "VFIOCTL_VM=0"
	exit 0
fi
for t in "$QEMU" busybox cpio gzip depmod gcc; do
	if ! command -v "$t" >/dev/null 2>&1; then
		skip vm-busy "no $t (tests/deps.sh installs it)"
		exit 0
	fi
done
BB=$(command -v busybox)
if ! file -L "$BB" 2>/dev/null | grep -q 'statically linked'; then
	skip vm-busy "$BB is not static (busybox-static)"
	exit 0
fi
X=${VFIOCTL:-$BUILD/vfioctl}
[ -x "$X" ] || {
	fail vm-busy "no $X: run make"
	exit 1
}
k=$(sh "$TOP/tests/vm/kernel.sh") || {
	fail vm-busy "tests/vm/kernel.sh could not provide a kernel"
	exit 1
}
KVER=${k%% *} KROOT=${k#* }
VMLINUZ=$KROOT/boot/vmlinuz-$KVER

rm -rf "$OUT"
R=$OUT/root
mkdir -p "$R/bin" "$R/proc" "$R/sys" "$R/dev" "$R/run" "$R/lib64" \
	"$R/lib/x86_64-linux-gnu"
cp "$BB" "$R/bin/busybox"
for a in sh mount modprobe readlink basename sed grep sleep kill cat mkdir; do
	ln -s busybox "$R/bin/$a"
done
gcc -static -O2 -Wall -Wextra -Werror -o "$R/bin/opener" "$HERE/opener.c" || {
	fail vm-busy "cannot build vm/opener.c"
	exit 1
}
cp "$X" "$R/bin/vfioctl"
for l in $(ldd "$X" | awk '/=>/ { print $3 }'); do
	cp "$l" "$R/lib/x86_64-linux-gnu/"
done
cp /lib64/ld-linux-x86-64.so.2 "$R/lib64/"
M=lib/modules/$KVER
mkdir -p "$R/$M"
for m in vfio-pci vfio_iommu_type1 virtio_pci virtio_blk crc32c_generic btrfs; do
	for f in $(modprobe -d "$KROOT" -S "$KVER" --show-depends "$m" 2>/dev/null |
		awk '$1 == "insmod" { print $2 }'); do
		mkdir -p "$R/$(dirname "${f#"$KROOT"/}")"
		cp "$f" "$R/${f#"$KROOT"/}"
	done
done
cp "$KROOT/$M/modules.order" "$KROOT/$M/modules.builtin" "$R/$M/" 2>/dev/null
depmod -b "$R" "$KVER" 2>/dev/null
cp "$HERE/init" "$R/init"
chmod +x "$R/init"
(cd "$R" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$OUT/initrd.gz"

# Two disks of one btrfs filesystem, and an unused one (without
# mkfs.btrfs, from btrfs-progs, the disks stay empty and the btrfs checks
# are a SKIP).
truncate -s 256M "$OUT/vda.img" "$OUT/vdb.img"
truncate -s 16M "$OUT/vdc.img"
btrfs=
if ! command -v mkfs.btrfs >/dev/null 2>&1; then
	btrfs="no mkfs.btrfs (tests/deps.sh installs btrfs-progs)"
elif ! mkfs.btrfs -q -f -m raid1 -d raid1 "$OUT/vda.img" "$OUT/vdb.img" >"$OUT/mkfs.log" 2>&1; then
	fail vm-busy-btrfs "mkfs.btrfs failed: $(tr '\n' '~' <"$OUT/mkfs.log")"
	btrfs="mkfs.btrfs failed"
fi
disks=
for d in a:05 b:06 c:07; do
	disks="$disks -drive if=none,id=vd${d%:*},format=raw,file=$OUT/vd${d%:*}.img"
	disks="$disks -device virtio-blk-pci,drive=vd${d%:*},bus=pcie.0,addr=${d#*:}.0"
done

start=$(date +%s)
# shellcheck disable=SC2086 # the words of disks
timeout 300 "$QEMU" -machine q35,kernel-irqchip=split -accel tcg -m 1024 \
	-smp 2 -nographic -serial mon:stdio -serial file:"$OUT/report" \
	-no-reboot -device intel-iommu,intremap=on \
	-device qemu-xhci,bus=pcie.0,addr=04.0 $disks -kernel "$VMLINUZ" \
	-initrd "$OUT/initrd.gz" \
	-append "console=ttyS0 intel_iommu=on no_timer_check panic=-1 rdinit=/init quiet" \
	</dev/null >"$OUT/console" 2>&1
echo "vm-busy: $KVER, qemu exit $?, $(($(date +%s) - start)) s (the boot's wall time)"
tr -d '\r' <"$OUT/report" | sed -n 's/^\(T [a-z-]* .*\)$/\1/p' >"$OUT/t"
t() { sed -n "s/^T $1 //p" "$OUT/t" | head -n 1; }
sed 's/^/  /' "$OUT/t"

if [ -z "$(t end)" ]; then
	fail vm-busy "the guest did not finish: $(tail -n 5 "$OUT/console" | tr '\n' '~')"
	exit 1
fi
g=$(t driver | sed -n 's/^vfio-pci group \([0-9]*\)$/\1/p')
if [ -z "$g" ]; then
	fail vm-busy "00:04.0 did not end on vfio-pci with a group: [$(t driver)]"
	exit 1
fi
second=$(t second)
n=${second%% opens*} b=$(echo "$second" | sed -n 's/.*: \([0-9]*\) EBUSY.*/\1/p')
if [ "$n" -gt 0 ] && [ "$n" = "$b" ]; then
	pass "vm-busy-second-opener-ebusy ($second)"
else
	fail vm-busy-second-opener-ebusy "while held: [$second]"
fi
expect_eq vm-busy-fd-link "/dev/vfio/$g" "$(t fdlink)"
if grep -q "^T verify 0000:00:04.0 \[1b36:000d\]: in use by init\[1\]" "$OUT/t" &&
	[ "$(t verify-rc)" = 0 ]; then
	pass vm-busy-verify-in-use
else
	fail vm-busy-verify-in-use "$(grep '^T verify' "$OUT/t" | tr '\n' '~')"
fi
race=$(t race-default) runs=$(t runs-default)
if [ "${runs:-0}" -gt 0 ] && echo "$race" | grep -q ': 0 EBUSY, 0 other'; then
	pass "vm-busy-verify-never-fails-an-open ($race; verify ran $runs times)"
else
	fail vm-busy-verify-never-fails-an-open "[$race], verify ran [$runs] times"
fi
race=$(t race-probe) runs=$(t runs-probe)
if echo "$race" | grep -q ': [1-9][0-9]* EBUSY'; then
	pass "vm-busy-probe-fails-opens ($race; verify --probe ran $runs times)"
else
	skip vm-busy-probe-fails-opens "no collision this time: [$race], verify --probe ran [$runs] times"
fi

# btrfs: which disk the mount names, and the other.
if [ -n "$btrfs" ]; then
	skip vm-busy-btrfs "$btrfs"
	exit 0
fi
src=$(t btrfs-source)
src=${src#/dev/}
case $src in
vda) second=vdb ;;
vdb) second=vda ;;
*)
	fail vm-busy-btrfs "the btrfs mount (exit $(t btrfs-mount)) names [$src], not vda or vdb"
	exit 1
	;;
esac
addr() { t "disk $1"; }
excl="$second is held open exclusively (a ZFS pool, btrfs or another exclusive user)"
# bind -n and bind refuse the second disk's controller, and it stays on
# virtio-pci; verify says why.
if [ "$(t "bindn-$second rc")" = 1 ] &&
	grep -qF "T bindn-$second vfioctl: error: $(addr "$second"): not bound: $excl" "$OUT/t"; then
	pass "vm-busy-btrfs-second-refused-dry-run ($second at $(addr "$second"), mount source $src)"
else
	fail vm-busy-btrfs-second-refused-dry-run "$(grep "^T bindn-$second" "$OUT/t" | tr '\n' '~')"
fi
if [ "$(t "bind-$second rc")" = 1 ] && [ "$(t "driver-$second")" = virtio-pci ]; then
	pass vm-busy-btrfs-second-refused
else
	fail vm-busy-btrfs-second-refused "$(grep "^T bind-$second\|^T driver-$second" "$OUT/t" | tr '\n' '~')"
fi
expect_eq vm-busy-btrfs-second-verify "$excl" "$(t "verify-$second uses")"
# The mount source's controller: refused as mounted.
if [ "$(t "bind-$src rc")" = 1 ] && [ "$(t "driver-$src")" = virtio-pci ] &&
	grep -qF "T bind-$src vfioctl: error: $(addr "$src"): not bound: $src is mounted on /mnt" "$OUT/t"; then
	pass vm-busy-btrfs-source-refused
else
	fail vm-busy-btrfs-source-refused "$(grep "^T bind-$src\|^T driver-$src" "$OUT/t" | tr '\n' '~')"
fi
# The unused disk's controller: claimable, and bound.
if [ "$(t "bindn-vdc rc")" = 0 ] && grep -q "^T bindn-vdc $(addr vdc) \[1af4:[0-9a-f]*\]: would bind it to vfio-pci (on virtio-pci)$" "$OUT/t" &&
	[ "$(t "bind-vdc rc")" = 0 ] && [ "$(t driver-vdc)" = vfio-pci ]; then
	pass vm-busy-btrfs-control-claimable
else
	fail vm-busy-btrfs-control-claimable "$(grep '^T bind.*-vdc\|^T driver-vdc' "$OUT/t" | tr '\n' '~')"
fi
