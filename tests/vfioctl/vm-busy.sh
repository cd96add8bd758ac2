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
#     race, so zero collisions is a SKIP, not a FAIL).
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
for a in sh mount modprobe readlink basename sed grep sleep kill cat; do
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
for m in vfio-pci vfio_iommu_type1; do
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

start=$(date +%s)
timeout 300 "$QEMU" -machine q35,kernel-irqchip=split -accel tcg -m 1024 \
	-smp 2 -nographic -no-reboot -device intel-iommu,intremap=on \
	-device qemu-xhci,bus=pcie.0,addr=04.0 -kernel "$VMLINUZ" \
	-initrd "$OUT/initrd.gz" \
	-append "console=ttyS0 intel_iommu=on no_timer_check panic=-1 rdinit=/init quiet" \
	</dev/null >"$OUT/console" 2>&1
echo "vm-busy: $KVER, qemu exit $?, $(($(date +%s) - start)) s"
tr -d '\r' <"$OUT/console" | sed -n 's/.*\(T [a-z-]* .*\)$/\1/p' >"$OUT/t"
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
