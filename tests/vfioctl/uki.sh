# shellcheck shell=sh
# Sourced by tests/vfioctl/run.sh: vfioctl reserve on hosts that build
# unified kernel images (layout=uki). Debian and Ubuntu keep an initrd in
# /boot that kernel-install's 55-initrd.install adds to every UKI after the
# one its generator makes, so its old /etc/vfio-claim.conf won at boot
# (seen in tests/system/uki.sh's Debian 13 boot): such a host gets that
# file rebuilt first and handed to kernel-install add. The boot itself is
# in tests/system/uki.sh.

# uki_suite VFIOCTL SUFFIX
uki_suite() {
	X=$1 s=$2
	F=$OUT/fx
	ug() {
		r=$1
		shift
		"$X" --root "$F/$r" "$@"
	}
	ulog() { { tr '\n' '~' <"$F/$1/gen.log"; } 2>/dev/null; }
	img=/usr/lib/modules/$KVER/vmlinuz

	# Debian 13 with dracut: the initrd in /boot first, then the UKI.
	gen_host uki-deb-dracut uki dracut
	mkdir -p "$R/boot" && : >"$R/boot/initrd.img-$KVER"
	o=$(ug uki-deb-dracut reserve 0b:00.0 2>&1)
	expect_eq "uki-debian-dracut-rebuilds-boot-initrd-first$s" \
		"exit 0~rebuilding the initramfs (kernel-install): dracut --force /boot/initrd.img-$KVER $KVER && kernel-install add $KVER $img /boot/initrd.img-$KVER" \
		"exit $?~$(echo "$o" | grep '^rebuilding')"
	expect_eq "uki-debian-dracut-order$s" \
		"dracut --force /boot/initrd.img-$KVER $KVER~kernel-install add $KVER $img /boot/initrd.img-$KVER~" \
		"$(ulog uki-deb-dracut)"

	# Debian or Ubuntu with initramfs-tools: update-initramfs for the
	# running kernel only, then the UKI.
	gen_host uki-deb-itools uki initramfs-tools
	mkdir -p "$R/boot" && : >"$R/boot/initrd.img-$KVER"
	ug uki-deb-itools reserve 0b:00.0 >/dev/null 2>&1
	expect_eq "uki-debian-initramfs-tools-order$s" \
		"update-initramfs -u -k $KVER~kernel-install add $KVER $img /boot/initrd.img-$KVER~" \
		"$(ulog uki-deb-itools)"

	# --no-rebuild prints both, as one command line a user can paste.
	gen_host uki-deb-nr uki dracut
	mkdir -p "$R/boot" && : >"$R/boot/initrd.img-$KVER"
	o=$(ug uki-deb-nr reserve --no-rebuild 0b:00.0 2>&1)
	expect_eq "uki-debian-no-rebuild-says-both$s" \
		"exit 0~rebuild the initramfs for it to apply: dracut --force /boot/initrd.img-$KVER $KVER && kernel-install add $KVER $img /boot/initrd.img-$KVER" \
		"exit $?~$(echo "$o" | grep '^rebuild ')"
	expect_eq "uki-debian-no-rebuild-runs-nothing$s" "" "$(ulog uki-deb-nr)"

	# The initrd's rebuild fails: kernel-install is not run, and the file
	# is put back as it was (reserve then rebuilds the initrd once more,
	# from the file put back).
	gen_host uki-deb-fail uki dracut
	mkdir -p "$R/boot" && : >"$R/boot/initrd.img-$KVER"
	before=$(cat "$R/etc/vfio-claim.conf")
	FAKE_GEN_RC=1 ug uki-deb-fail reserve 0b:00.0 >"$OUT/uki-fail.out" 2>&1
	rc=$?
	expect_eq "uki-debian-first-step-fails-exit$s" 1 "$rc"
	expect_eq "uki-debian-first-step-fails-no-kernel-install$s" \
		"dracut --force /boot/initrd.img-$KVER $KVER~dracut --force /boot/initrd.img-$KVER $KVER~" \
		"$(ulog uki-deb-fail)"
	expect_eq "uki-debian-first-step-fails-restores$s" "$before" \
		"$(cat "$F/uki-deb-fail/etc/vfio-claim.conf")"

	# No initrd in /boot (Fedora, Arch): kernel-install makes it.
	gen_host uki-plain uki dracut
	ug uki-plain reserve 0b:00.0 >/dev/null 2>&1
	expect_eq "uki-without-boot-initrd-kernel-install-alone$s" \
		"kernel-install add $KVER $img~" "$(ulog uki-plain)"
}
