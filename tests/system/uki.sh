#!/bin/sh
# The proof on a host that boots signed unified kernel images (UKIs) with
# Secure Boot on: Debian 13 (systemd 257: systemd-boot, systemd-ukify,
# kernel-install; dracut), debootstrapped and cached by base.sh trixie, set
# up the way such a host is (/etc/kernel/install.conf layout=uki, a signing
# key in /etc/kernel/uki.conf, systemd-boot signed with the same key), our
# .deb installed with dpkg -i, then booted in QEMU through Debian's OVMF
# Secure Boot firmware whose db holds that key (the "snakeoil" test key of
# the ovmf package). vfio-proof-uki does what a user would at each boot:
#   boot 1: vfioctl reserve 00:04.0 (kernel-install: a new signed UKI)
#   boot 2: 00:04.0 on vfio-pci, its twin on xhci_hcd, verify ready
#   boot 3: recovery: the same UKI with a signed add-on that says
#           vfio.devices=none in its .extra.d/ (what a rescue system
#           copies there): nothing claimed; vfioctl release --all
#   boot 4: released: nothing on vfio-pci
# Every boot checks that the firmware had Secure Boot on.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib/testlib.sh"
cd "$TOP" || exit 2
SYS_NAME=uki
WORK=${UKI_WORK:-$TOP/tests/out/system-uki}
# shellcheck source=tests/system/lib.sh
. "$TOP/tests/system/lib.sh"
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd
SB_KEY=/usr/share/ovmf/PkKek-1-snakeoil.key
SB_CERT=/usr/share/ovmf/PkKek-1-snakeoil.pem
need_tools debootstrap mkfs.ext4 mkfs.fat mcopy sfdisk openssl sbverify objcopy "$QEMU"
for f in "$OVMF_CODE" "$OVMF_VARS" "$SB_KEY" "$SB_CERT"; do
	[ -f "$f" ] || die uki "$f missing (Debian's ovmf package; tests/deps.sh installs it)"
done

sys_deb
sys_root trixie

# In the chroot the ESP is $WORK/esp.d bound on /efi (kernel-install and
# bootctl want a FAT partition with the ESP's GPT type; lib.sh's chroot_run
# relaxes that check); its files go into the FAT partition later.
mkdir -p "$WORK/esp.d"
CHROOT_ESP=$WORK/esp.d
no_services on

# ---- the host's configuration, as its administrator sets it up
# The signing key: the ovmf package's test key (its password is
# "snakeoil", ovmf's README.Debian), which the firmware's db holds.
mkdir -p "$root/etc/kernel" "$root/efi"
openssl pkey -in "$SB_KEY" -passin pass:snakeoil -out "$root/etc/kernel/sb.key" ||
	die "signing key" "openssl could not decrypt $SB_KEY"
chmod 600 "$root/etc/kernel/sb.key"
cp "$SB_CERT" "$root/etc/kernel/sb.pem"
cat >"$root/etc/kernel/install.conf" <<-'EOF'
	# tests/system/uki.sh: unified kernel images, built by ukify.
	layout=uki
	initrd_generator=dracut
	uki_generator=ukify
EOF
cat >"$root/etc/kernel/uki.conf" <<-'EOF'
	[UKI]
	SecureBootPrivateKey=/etc/kernel/sb.key
	SecureBootCertificate=/etc/kernel/sb.pem
EOF
echo debian >"$root/etc/kernel/entry-token"
echo "root=LABEL=vfio-uki rw console=ttyS0 intel_iommu=on panic=-1 no_timer_check systemd.show_status=false" \
	>"$root/etc/kernel/cmdline"
# A small image, fast to rebuild under TCG: host-only in the guest (in the
# chroot dracut turns host-only off by itself: no /sys), with the drivers
# this machine boots with. Our module adds the vfio modules.
mkdir -p "$root/etc/dracut.conf.d"
cat >"$root/etc/dracut.conf.d/10-vfio-proof.conf" <<-'EOF'
	# tests/system/uki.sh: a small image, fast to rebuild under TCG.
	hostonly="yes"
	drivers+=" virtio_pci virtio_blk ext4 "
	omit_dracutmodules+=" plymouth i18n btrfs crypt lvm mdraid dm multipath nvdimm qemu lunmask resume "
EOF
cat >"$root/etc/fstab" <<-'EOF'
	LABEL=vfio-uki / ext4 rw,errors=remount-ro 0 1
	LABEL=ESP /efi vfat umask=0077,nofail,x-systemd.device-timeout=600 0 2
EOF
echo vfio-uki >"$root/etc/hostname"

# ---- packages: from the cache (--no-download); the kernel last, once
# systemd-boot is in the ESP, so its postinst hook runs kernel-install.
t0=$(date +%s)
others=$(echo "$pkgs" | tr ' ' '\n' | grep -v '^linux-image' | tr '\n' ' ')
# shellcheck disable=SC2086 # a list of package names
if chroot_run apt-get install -y -q --no-install-recommends --no-download $others \
	>"$WORK/apt-install.log" 2>&1; then
	note "chroot: installed $others"
else
	die "uki chroot: apt-get install" "see $WORK/apt-install.log: $(tail -n 3 "$WORK/apt-install.log" | tr '\n' ' ')"
fi
# systemd-boot signed with the key the firmware trusts: bootctl install
# takes systemd-bootx64.efi.signed when it is there.
sdb=$root/usr/lib/systemd/boot/efi/systemd-bootx64.efi
sbsign --key "$root/etc/kernel/sb.key" --cert "$SB_CERT" --output "$sdb.signed" "$sdb" \
	>"$WORK/sbsign.log" 2>&1 || die "sign systemd-boot" "see $WORK/sbsign.log"
if chroot_run bootctl install --esp-path=/efi --no-variables >"$WORK/bootctl.log" 2>&1; then
	note "chroot: bootctl install"
else
	die "uki chroot: bootctl install" "see $WORK/bootctl.log: $(tail -n 3 "$WORK/bootctl.log" | tr '\n' ' ')"
fi
printf 'timeout 0\n' >"$WORK/esp.d/loader/loader.conf"
if chroot_run apt-get install -y -q --no-install-recommends --no-download linux-image-amd64 \
	>>"$WORK/apt-install.log" 2>&1; then
	pass "uki chroot: apt-get install $pkgs ($(($(date +%s) - t0)) s)"
else
	die "uki chroot: apt-get install" "see $WORK/apt-install.log: $(tail -n 3 "$WORK/apt-install.log" | tr '\n' ' ')"
fi
kver=
for f in "$root"/boot/vmlinuz-*; do [ -f "$f" ] && kver=${f##*/vmlinuz-}; done
uki=$WORK/esp.d/EFI/Linux/debian-$kver.efi
[ -f "$uki" ] || die "uki: kernel-install" "no $uki after installing the kernel; see $WORK/apt-install.log"
if sbverify --cert "$SB_CERT" "$uki" >"$WORK/sbverify0.log" 2>&1; then
	pass "uki chroot: kernel-install built EFI/Linux/debian-$kver.efi, signed with the key"
else
	fail "uki chroot: signed UKI" "sbverify: $(tail -n 1 "$WORK/sbverify0.log")"
fi

cp "$deb" "$root/tmp.vfio-claim.deb"
if chroot_run dpkg -i /tmp.vfio-claim.deb >"$WORK/dpkg-i.log" 2>&1; then
	pass "uki chroot: dpkg -i vfio-claim_${version}_amd64.deb"
else
	die "uki chroot: dpkg -i" "see $WORK/dpkg-i.log: $(tail -n 3 "$WORK/dpkg-i.log" | tr '\n' ' ')"
fi
rm -f "$root/tmp.vfio-claim.deb"

proof_service vfio-proof-uki
no_services off

# ---- the disks: the ESP (GPT, one EFI System partition, FAT32) and root
esp=$WORK/esp.img
part=$WORK/esp.part
truncate -s 256M "$esp"
printf 'label: gpt\nstart=2048, type=U, name=ESP\n' | sfdisk -q "$esp" >/dev/null ||
	die "esp" "sfdisk could not write the GPT"
# The partition's first sector and size, as sfdisk wrote them.
psect=$(sfdisk -d "$esp" | sed -n 's/.*start= *\([0-9]*\), size= *\([0-9]*\).*/\1 \2/p')
pstart=${psect% *}
psize=${psect#* }
truncate -s $((psize * 512)) "$part"
mkfs.fat -F 32 -n ESP "$part" >/dev/null || die esp "mkfs.fat failed"
(cd "$WORK/esp.d" && mcopy -s -Q -i "$part" ./* ::/) || die esp "mcopy into the ESP failed"
dd if="$part" of="$esp" bs=512 seek="$pstart" conv=notrunc status=none

img=$WORK/root.img
size=$(($(du -sm --exclude=./var/cache/apt/archives "$root" | cut -f1) + 1024))
truncate -s "${size}M" "$img"
mkfs.ext4 -q -F -L vfio-uki -E root_owner=0:0 -d "$root" "$img" >"$WORK/mkfs.log" 2>&1 ||
	die "mkfs.ext4 -d" "see $WORK/mkfs.log"
cp "$OVMF_VARS" "$WORK/vars.fd"
note "disks: ESP 256 MiB, root ${size} MiB"

# esp_get PATH FILE: one file out of the ESP as the guest left it.
esp_get() {
	dd if="$esp" of="$part" bs=512 skip="$pstart" count="$psize" status=none &&
		mcopy -n -i "$part" "::$1" "$2" 2>/dev/null
}
# esp_put FILE PATH: one file into the ESP (the recovery add-on).
esp_put() {
	dd if="$esp" of="$part" bs=512 skip="$pstart" count="$psize" status=none &&
		mmd -D s -i "$part" "::${2%/*}" 2>/dev/null
	mcopy -o -i "$part" "$1" "::$2" &&
		dd if="$part" of="$esp" bs=512 seek="$pstart" conv=notrunc status=none
}

# boot N: the whole system through the firmware: OVMF with Secure Boot
# on, systemd-boot, the newest UKI in EFI/Linux; q35 with VT-d, the boot
# tests' devices. -no-reboot: the guest's poweroff ends QEMU.
boot() {
	n=$1
	try=1
	while :; do
		qboot "$n"
		# A guest kernel that panics before the stage's first step (TCG
		# did so here once: a general protection fault in
		# devcgroup_check_permission 9 s into boot 4, which had passed
		# in every run before) is booted once more, as tests/vm does
		# for a QEMU that dies of a signal; a panic of ours would come
		# again and fail.
		if [ $try -eq 1 ] && ! rep "$n" | grep -q "^PROOF stage=$n begin" &&
			grep -aq 'Kernel panic - not syncing' "$WORK/boot$n.console"; then
			note "boot $n: the guest kernel panicked before stage $n began; booting it once more"
			cp "$WORK/boot$n.console" "$WORK/boot$n.panic.console"
			try=2
			continue
		fi
		break
	done
	if ! rep "$n" | grep -q "^PROOF stage=$n end"; then
		die "uki boot $n" "the guest did not finish stage $n (qemu exit $rc after $secs s); see $WORK/boot$n.console"
	fi
	pass "uki boot $n: the system booted through systemd-boot and ran stage $n ($secs s)"
	expect_eq "uki boot $n: the firmware booted with Secure Boot on" 1 "$(line "$n" secureboot)"
}
# qboot N: one run of QEMU for boot N.
qboot() {
	t0=$(date +%s)
	timeout "$BOOT_TIMEOUT" "$QEMU" -machine q35,smm=on,kernel-irqchip=split -accel tcg \
		-global driver=cfi.pflash01,property=secure,value=on \
		-drive if=pflash,format=raw,readonly=on,file="$OVMF_CODE" \
		-drive if=pflash,format=raw,file="$WORK/vars.fd" \
		-m 1024 -smp 2 -nodefaults -display none -no-reboot \
		-device intel-iommu,intremap=on \
		-device VGA,bus=pcie.0,addr=03.0,multifunction=on \
		-device ich9-intel-hda,bus=pcie.0,addr=03.1 \
		-device qemu-xhci,bus=pcie.0,addr=04.0 \
		-device qemu-xhci,bus=pcie.0,addr=05.0 \
		-drive if=none,id=root,format=raw,file="$img" \
		-device virtio-blk-pci,drive=root,bus=pcie.0,addr=06.0 \
		-drive if=none,id=esp,format=raw,file="$esp" \
		-device virtio-blk-pci,drive=esp,bus=pcie.0,addr=07.0,bootindex=0 \
		-serial file:"$WORK/boot$n.console" -serial file:"$WORK/boot$n.report" \
		>"$WORK/boot$n.qemu" 2>&1
	rc=$?
	secs=$(($(date +%s) - t0))
	note "boot $1: qemu exit $rc after $secs s"
}

# uki_conf N: the devices= lines of the initrd inside the UKI the guest
# left after boot N (the first gzip member of its .initrd section: the
# image kernel-install's dracut made); "UNSIGNED" when sbverify refuses
# the UKI. Which file wins at boot, the boot itself shows.
uki_conf() {
	rm -rf "$WORK/uki$1" && mkdir -p "$WORK/uki$1"
	esp_get "/EFI/Linux/debian-$kver.efi" "$WORK/uki$1/uki.efi" || return 1
	sbverify --cert "$SB_CERT" "$WORK/uki$1/uki.efi" >"$WORK/uki$1/sbverify.log" 2>&1 ||
		echo "UNSIGNED"
	objcopy -O binary --only-section=.initrd "$WORK/uki$1/uki.efi" "$WORK/uki$1/initrd" &&
		zcat "$WORK/uki$1/initrd" 2>/dev/null | grep -a '^ *devices *='
}

# ---- boot 1: nothing reserved; the user runs vfioctl reserve 00:04.0
boot 1
expect_eq "uki boot 1: 00:04.0 on xhci_hcd before reserve" xhci_hcd "$(drv 1 00:04.0)"
if [ "$(rcof 1 reserve)" = 0 ] && outof 1 reserve | grep -q 'kernel-install'; then
	pass "uki boot 1: vfioctl reserve 00:04.0 ran kernel-install and exits 0"
else
	fail "uki boot 1: vfioctl reserve 00:04.0" "exit $(rcof 1 reserve): $(outof 1 reserve | tail -n 4 | tr '\n' ' ')"
fi
c=$(uki_conf 1)
case $c in
*UNSIGNED*) fail "uki boot 1: the rebuilt UKI is signed" "sbverify: $(tail -n 1 "$WORK/uki1/sbverify.log")" ;;
*) pass "uki boot 1: the rebuilt UKI is signed with the host's key" ;;
esac
if echo "$c" | grep -Eq '^ *devices *= *1b36:000d@0000:00:04\.0 *$'; then
	pass "uki boot 1: the signed UKI's initrd has devices=1b36:000d@0000:00:04.0"
else
	fail "uki boot 1: the UKI's initrd" "its vfio-claim.conf says [$(echo "$c" | tr '\n' ' ')]"
fi

# ---- boot 2: reserved
boot 2
expect_eq "uki boot 2: 00:04.0 on vfio-pci" vfio-pci "$(drv 2 00:04.0)"
expect_eq "uki boot 2: its twin 00:05.0 stays on xhci_hcd" xhci_hcd "$(drv 2 00:05.0)"
if [ "$(rcof 2 verify)" = 0 ] && outof 2 verify | grep -q '^ready: 1 of 1 devices ready'; then
	pass "uki boot 2: vfioctl verify says ready"
else
	fail "uki boot 2: vfioctl verify" "exit $(rcof 2 verify): $(outof 2 verify | tr '\n' ' ')"
fi

# ---- recovery: a command line typed at the boot prompt does not reach a
# signed UKI that has its own, so the way back is a signed add-on that
# systemd-stub appends (after checking its signature): made with ukify and
# the host's key, as a rescue system would, into the UKI's .extra.d/.
addon=debian-$kver.efi.extra.d/vfio-claim-none.addon.efi
if chroot_run ukify build --stub /usr/lib/systemd/boot/efi/addonx64.efi.stub \
	--cmdline "vfio.devices=none" --secureboot-private-key /etc/kernel/sb.key \
	--secureboot-certificate /etc/kernel/sb.pem --output /tmp.none.addon.efi \
	>"$WORK/addon.log" 2>&1 && esp_put "$root/tmp.none.addon.efi" "/EFI/Linux/$addon"; then
	pass "uki: a signed add-on with vfio.devices=none in EFI/Linux/$addon"
else
	die "uki: recovery add-on" "see $WORK/addon.log"
fi

# ---- boot 3: the reserved UKI with the add-on
boot 3
case " $(line 3 cmdline) " in
*" vfio.devices=none "*) pass "uki boot 3: systemd-stub appended the add-on's vfio.devices=none" ;;
*) fail "uki boot 3: add-on" "the command line is [$(line 3 cmdline)]" ;;
esac
expect_eq "uki boot 3: recovery: nothing on vfio-pci" "" "$(outof 3 vfiopci)"
expect_eq "uki boot 3: recovery: 00:04.0 on xhci_hcd" xhci_hcd "$(drv 3 00:04.0)"
expect_eq "uki boot 3: vfioctl release --all exits 0" 0 "$(rcof 3 release)"
c=$(uki_conf 3)
case $c in
*UNSIGNED*) fail "uki boot 3: the released UKI is signed" "sbverify: $(tail -n 1 "$WORK/uki3/sbverify.log")" ;;
*) expect_eq "uki boot 3: the released UKI's initrd names no device" "" \
	"$(echo "$c" | grep -Ev '= *(none)? *$')" ;;
esac
# The rescue system takes its add-on away again.
dd if="$esp" of="$part" bs=512 skip="$pstart" count="$psize" status=none
mdel -i "$part" "::/EFI/Linux/$addon"
dd if="$part" of="$esp" bs=512 seek="$pstart" conv=notrunc status=none

# ---- boot 4: released
boot 4
expect_eq "uki boot 4: nothing on vfio-pci" "" "$(outof 4 vfiopci)"
expect_eq "uki boot 4: 00:04.0 on xhci_hcd" xhci_hcd "$(drv 4 00:04.0)"
note "UKI system proof done"
