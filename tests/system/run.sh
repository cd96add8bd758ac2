#!/bin/sh
# The proof on a real Debian 12 system that we did not assemble by hand:
# debootstrap's system (cached, tests/system/base.sh), in a chroot of a
# copy: the kernel, initramfs-tools and systemd-sysv from the archive, then
# our .deb with dpkg -i, whose trigger has the system's own
# update-initramfs rebuild /boot/initrd.img-*. That root becomes a disk
# image (mkfs.ext4 -d) that QEMU boots as a whole system, three times;
# vfio-proof.service inside it does what a user would (vfioctl reserve,
# verify, release) and powers off between boots. Last, apt-get purge in
# the chroot must leave no file of ours.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib/testlib.sh"
cd "$TOP" || exit 2
SYS_NAME=system
WORK=${SYSTEM_WORK:-$TOP/tests/out/system}
# shellcheck source=tests/system/lib.sh
. "$TOP/tests/system/lib.sh"
# The window of the unconfirmed trial (scenario 2), in seconds: the trial
# kernel must reach the end of its boot within it under TCG; the same code
# path as the default 10 minutes, which scenario 1 uses.
TRIAL_WINDOW=${TRIAL_WINDOW:-180}

need_tools debootstrap mkfs.ext4 debugfs lsinitramfs "$QEMU" unshare
sys_deb

# The second system, Debian 13 booting signed UKIs with Secure Boot on
# (tests/system/uki.sh), runs beside this one from here on, with the same
# .deb: both spend much of their time in guests that wait (udev, the trial
# window), so together they take less than one after the other. Its lines
# join this suite's when it ends, also when this one dies first.
uki_log=$TOP/tests/out/system-uki.log
sh "$SYS/uki.sh" >"$uki_log" 2>&1 &
uki_pid=$!
uki_done() {
	wait "$uki_pid"
	cat "$uki_log"
}
trap uki_done EXIT

sys_root bookworm
no_services on

# From the cache in the copy (--no-download). The kernel last, alone: then
# update-initramfs builds its image once, not again for the triggers that
# initramfs-tools, udev and kmod activate.
t0=$(date +%s)
others=$(echo "$pkgs" | tr ' ' '\n' | grep -v '^linux-image' | tr '\n' ' ')
# The system's initramfs holds only the modules it boots with
# (MODULES=list, as initramfs.conf(5) offers): MODULES=most took more than
# ten minutes to rebuild inside the guest under TCG, this takes well under
# one. The hooks, the trigger and update-initramfs are the same.
modlist() {
	cat >"$root/etc/initramfs-tools/conf.d/vfio-proof" <<-'EOC'
		# tests/system: a small image, fast to rebuild under TCG.
		MODULES=list
	EOC
	printf '%s\n' virtio_pci virtio_blk ext4 crc32c_generic >>"$root/etc/initramfs-tools/modules"
}
# shellcheck disable=SC2086 # lists of package names
if chroot_run apt-get install -y -q --no-install-recommends --no-download $others \
	>"$WORK/apt-install.log" 2>&1 && modlist &&
	chroot_run apt-get install -y -q --no-install-recommends --no-download linux-image-amd64 \
		>>"$WORK/apt-install.log" 2>&1; then
	pass "chroot: apt-get install $pkgs ($(($(date +%s) - t0)) s)"
else
	die "chroot: apt-get install" "see $WORK/apt-install.log: $(tail -n 3 "$WORK/apt-install.log" | tr '\n' ' ')"
fi
kver=
for f in "$root"/boot/vmlinuz-*; do [ -f "$f" ] && kver=${f##*/vmlinuz-}; done
[ -f "$root/boot/initrd.img-$kver" ] || die "kernel initrd" "no /boot/initrd.img-$kver after installing the kernel"

# Every path of the system, to compare after the purge: not the package
# manager's own state and logs, which record that the package was there.
# policy-rc.d is the test's, there only while it works in the chroot.
listing() {
	(cd "$root" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev \
		-o -path ./run -o -path ./tmp -o -path ./var/lib/dpkg -o -path ./var/log \
		-o -path ./var/cache -o -path ./var/lib/apt -o -path ./usr/sbin/policy-rc.d \) \
		-prune -o -print) | LC_ALL=C sort
}
listing >"$WORK/files.before"
cp "$deb" "$root/tmp.vfio-claim.deb"
t0=$(date +%s)
initrd_before=$(stat -c %Y "$root/boot/initrd.img-$kver")
sleep 1
if chroot_run dpkg -i /tmp.vfio-claim.deb >"$WORK/dpkg-i.log" 2>&1; then
	pass "chroot: dpkg -i vfio-claim_${version}_amd64.deb ($(($(date +%s) - t0)) s)"
else
	die "chroot: dpkg -i" "see $WORK/dpkg-i.log: $(tail -n 3 "$WORK/dpkg-i.log" | tr '\n' ' ')"
fi
rm -f "$root/tmp.vfio-claim.deb"
# The trigger, not a maintainer script, ran update-initramfs.
if grep -q "Processing triggers for initramfs-tools" "$WORK/dpkg-i.log" &&
	grep -q "update-initramfs: Generating /boot/initrd.img-$kver" "$WORK/dpkg-i.log" &&
	[ "$(stat -c %Y "$root/boot/initrd.img-$kver")" -gt "$initrd_before" ]; then
	pass "dpkg -i: initramfs-tools' trigger rebuilt /boot/initrd.img-$kver"
else
	fail "dpkg -i: trigger" "no trigger-driven update-initramfs in $WORK/dpkg-i.log"
fi
lsinitramfs "$root/boot/initrd.img-$kver" >"$WORK/initrd0.list"
if grep -qx 'usr/sbin/vfio-claim' "$WORK/initrd0.list" &&
	grep -qx 'scripts/init-top/00-vfio-claim' "$WORK/initrd0.list" &&
	grep -q '/vfio-pci.ko' "$WORK/initrd0.list"; then
	pass "initrd.img-$kver has vfio-claim, init-top/00-vfio-claim and vfio-pci.ko"
else
	fail "initrd contents" "see $WORK/initrd0.list"
fi

# The test's own driver and what a booting system needs from an installer.
proof_service vfio-proof
echo "$TRIAL_WINDOW" >"$root/var/lib/vfio-proof/window"
echo '/dev/vda / ext4 rw,errors=remount-ro 0 1' >"$root/etc/fstab"
echo vfio-proof >"$root/etc/hostname"
no_services off
cp -a "$root/boot/vmlinuz-$kver" "$WORK/vmlinuz"

img=$WORK/disk.img
t0=$(date +%s)
# The package cache is not needed in the image.
size=$(($(du -sm --exclude=./var/cache/apt/archives "$root" | cut -f1) + 1024))
rm -f "$img"
truncate -s "${size}M" "$img"
if ! mkfs.ext4 -q -F -L vfio-proof -E root_owner=0:0 -d "$root" "$img" >"$WORK/mkfs.log" 2>&1; then
	die "mkfs.ext4 -d" "see $WORK/mkfs.log"
fi
note "disk image ${size} MiB in $(($(date +%s) - t0)) s"

# get_initrd N: the initrd the guest itself left in /boot, read from the
# image with debugfs (no mount).
get_initrd() {
	rm -f "$WORK/initrd$1"
	debugfs -c -R "dump /boot/initrd.img-$kver $WORK/initrd$1" "$img" >/dev/null 2>&1
	[ -s "$WORK/initrd$1" ]
}

# boot N [LAST]: boots the disk image as a whole system, with its own
# kernel and the initrd in its /boot: q35 with VT-d, the boot tests'
# devices; the guest must finish stage LAST (default N: a trial boot
# after a kexec is stage Nt of the same QEMU run, and -no-reboot makes the
# trial's firmware reboot end QEMU, as a poweroff does).
# no_timer_check: under load the IO-APIC timer check of a TCG guest can
# miss its window and panic ("timer doesn't work through Interrupt-remapped
# IO-APIC"), as tests/vm saw.
boot() {
	n=$1 last=${2:-$1}
	get_initrd "$n" || die "boot $n" "no /boot/initrd.img-$kver in the image"
	t0=$(date +%s)
	timeout "$BOOT_TIMEOUT" "$QEMU" -machine q35,kernel-irqchip=split -accel tcg \
		-m 1024 -smp 2 -nodefaults -display none -no-reboot \
		-device intel-iommu,intremap=on \
		-device VGA,bus=pcie.0,addr=03.0,multifunction=on \
		-device ich9-intel-hda,bus=pcie.0,addr=03.1 \
		-device qemu-xhci,bus=pcie.0,addr=04.0 \
		-device qemu-xhci,bus=pcie.0,addr=05.0 \
		-drive if=none,id=root,format=raw,file="$img" \
		-device virtio-blk-pci,drive=root,bus=pcie.0,addr=06.0 \
		-serial file:"$WORK/boot$n.console" -serial file:"$WORK/boot$n.report" \
		-kernel "$WORK/vmlinuz" -initrd "$WORK/initrd$n" \
		-append "root=/dev/vda rw console=ttyS0 intel_iommu=on panic=-1 no_timer_check systemd.show_status=false" \
		>"$WORK/boot$n.qemu" 2>&1
	rc=$?
	secs=$(($(date +%s) - t0))
	eval "secs$n=\$secs"
	note "boot $n: qemu exit $rc after $secs s"
	if ! rep "$n" | grep -q "^PROOF stage=$last end"; then
		die "boot $n" "the guest did not finish stage $last (qemu exit $rc after $secs s); see $WORK/boot$n.console"
	fi
	pass "boot $n: the system booted and ran stage $last ($secs s)"
}
# ---- boot 1: nothing reserved yet; the user runs vfioctl reserve 00:04.0
boot 1
expect_eq "boot 1: 00:04.0 on xhci_hcd before reserve" xhci_hcd "$(drv 1 00:04.0)"
expect_eq "boot 1: 00:05.0 on xhci_hcd" xhci_hcd "$(drv 1 00:05.0)"
if [ "$(rcof 1 reserve)" = 0 ]; then
	pass "boot 1: vfioctl reserve 00:04.0 exits 0"
else
	fail "boot 1: vfioctl reserve 00:04.0" "exit $(rcof 1 reserve): $(outof 1 reserve | head -n 3 | tr '\n' ' ')"
fi
conf1=$(outof 1 conf | grep -v '^[[:space:]]*#' | grep 'devices')
if echo "$conf1" | grep -Eq '^ *devices *= *1b36:000d@0000:00:04\.0 *$'; then
	pass "boot 1: /etc/vfio-claim.conf has the guarded devices=1b36:000d@0000:00:04.0"
else
	fail "boot 1: /etc/vfio-claim.conf" "devices line is [$conf1]"
fi
if outof 1 conf | grep -q '^# /etc/vfio-claim.conf'; then
	pass "boot 1: reserve kept the packaged comments"
else
	fail "boot 1: reserve kept the comments" "the conffile's comments are gone"
fi
# The guest's own update-initramfs put the new file into the image.
get_initrd 2 || die "boot 2" "no initrd"
rm -rf "$WORK/initrd2.x"
unmkinitramfs "$WORK/initrd2" "$WORK/initrd2.x" 2>/dev/null
c=$(find "$WORK/initrd2.x" -path '*/etc/vfio-claim.conf' | head -n 1)
if [ -n "$c" ] && grep -Eq '^ *devices *= *1b36:000d@0000:00:04\.0' "$c"; then
	pass "boot 1: the guest's update-initramfs put the new devices= line in its initrd"
else
	fail "boot 1: initrd rebuilt" "the initrd the guest left has no devices= line for 00:04.0"
fi
rm -rf "$WORK/initrd2.x"

# ---- boot 2: reserved
boot 2
expect_eq "boot 2: 00:04.0 on vfio-pci" vfio-pci "$(drv 2 00:04.0)"
expect_eq "boot 2: its twin 00:05.0 stays on xhci_hcd" xhci_hcd "$(drv 2 00:05.0)"
expect_eq "boot 2: 00:03.0 stays on bochs-drm" bochs-drm "$(drv 2 00:03.0)"
if outof 2 claimlog | grep -q '0000:00:04.0: bound to vfio-pci'; then
	pass "boot 2: the initramfs' vfio-claim logged the claim"
else
	fail "boot 2: claim log" "no 'bound to vfio-pci' for 00:04.0 in dmesg"
fi
if [ "$(rcof 2 verify)" = 0 ] && outof 2 verify | grep -q '^ready: 1 of 1 devices ready'; then
	pass "boot 2: vfioctl verify says ready ($(outof 2 verify | tail -n 1))"
else
	fail "boot 2: vfioctl verify" "exit $(rcof 2 verify): $(outof 2 verify | tr '\n' ' ')"
fi
expect_eq "boot 2: vfioctl release --all exits 0" 0 "$(rcof 2 release)"

# ---- boot 3: released
boot 3 3t
expect_eq "boot 3: nothing on vfio-pci" "" "$(outof 3 vfiopci)"
expect_eq "boot 3: 00:04.0 back on xhci_hcd" xhci_hcd "$(drv 3 00:04.0)"
conf3=$(outof 3 conf | grep -v '^[[:space:]]*#' | grep 'devices' | grep -Ev '= *(none)? *$')
expect_eq "boot 3: /etc/vfio-claim.conf names no device" "" "$conf3"
# shellcheck source=tests/system/trial.sh
. "$SYS/trial.sh"

# ---- purge, in the chroot, with the file as the guest left it
debugfs -c -R "dump /etc/vfio-claim.conf $root/etc/vfio-claim.conf" "$img" >/dev/null 2>&1
rm -f "$img"
rm -rf "$root/usr/local/sbin/vfio-proof" "$root/etc/systemd/system/vfio-proof.service" \
	"$root/etc/systemd/system/multi-user.target.wants/vfio-proof.service" \
	"$root/var/lib/vfio-proof"
echo '# UNCONFIGURED FSTAB FOR BASE SYSTEM' >"$root/etc/fstab"
no_services on
if chroot_run apt-get purge -y -q vfio-claim >"$WORK/purge.log" 2>&1; then
	pass "chroot: apt-get purge vfio-claim"
else
	fail "chroot: apt-get purge vfio-claim" "see $WORK/purge.log"
fi
no_services off
listing >"$WORK/files.after"
if diff -u "$WORK/files.before" "$WORK/files.after" >"$WORK/files.diff"; then
	pass "purge: the file list equals the one before dpkg -i ($(wc -l <"$WORK/files.after") paths)"
else
	fail "purge: files left or lost" "$(grep '^[-+][^-+]' "$WORK/files.diff" | head -n 5 | tr '\n' ' ')"
fi
if lsinitramfs "$root/boot/initrd.img-$kver" | grep -q vfio-claim; then
	fail "purge: initrd" "the trigger did not rebuild the initrd without vfio-claim"
else
	pass "purge: the trigger rebuilt the initrd without vfio-claim"
fi
rm -rf "$root"
note "system proof done"
