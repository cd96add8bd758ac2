# shellcheck shell=sh
# What the two whole-system proofs share (tests/system/run.sh, Debian 12
# with initramfs-tools; tests/system/uki.sh, Debian 13 with signed UKIs):
# sourced after tests/lib/testlib.sh, with SYS_NAME set (the prefix of
# their notes) and WORK (their directory).
SYS=$TOP/tests/system
QEMU=${QEMU:-qemu-system-x86_64}
# One boot of the whole system under TCG, with an initramfs rebuild inside
# (more than 8 minutes at a load average of 20 on this 2-core machine):
# generous, because other QEMUs share this machine's two cores.
BOOT_TIMEOUT=${BOOT_TIMEOUT:-1200}
t_start=$(date +%s)
elapsed() { echo "$(($(date +%s) - t_start)) s"; }
note() { echo "$SYS_NAME: $* ($(elapsed))"; }
die() {
	fail "$1" "$2"
	exit 1
}

# need_tools TOOL...: each is on PATH, and we are root.
need_tools() {
	[ "$(id -u)" -eq 0 ] || die "$SYS_NAME" "needs root (debootstrap, chroot, mkfs.ext4 -d)"
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || die "$SYS_NAME" "$t missing (tests/deps.sh installs it)"
	done
}

# The package of this tree, in $deb: rebuilt when a packaged file is newer.
# run.sh builds it before it starts uki.sh, which then finds it new.
sys_deb() {
	version=$(make -s --no-print-directory version)
	deb=$BUILD/vfio-claim_${version}_amd64.deb
	if [ ! -f "$deb" ] || [ -n "$(find src debian etc man initramfs dracut mkinitcpio \
		systemd completion Makefile -newer "$deb" -type f 2>/dev/null | head -n 1)" ]; then
		t0=$(date +%s)
		make -s --no-print-directory deb >/dev/null || die "make deb" "see $BUILD/pkg/deb/build.log"
		note "make deb took $(($(date +%s) - t0)) s"
	fi
}

# sys_root SUITE: a fresh copy of the cached debootstrap system of SUITE
# (tests/system/base.sh) in $root, its package list in $pkgs.
sys_root() {
	base=$(sh "$SYS/base.sh" "$1") || die debootstrap "tests/system/base.sh $1 failed"
	# shellcheck disable=SC2034 # read by the proofs
	pkgs=$(cat "${base%/root}/packages")
	rm -rf "$WORK"
	mkdir -p "$WORK"
	root=$WORK/root
	cp -a "$base" "$root" || die copy "cp -a $base $root"
	note "copied the cached $1 system"
}

# chroot_run CMD...: CMD inside the copy, with its own /proc, /run and
# /tmp; nothing of the host is mounted in. With CHROOT_ESP set, that
# directory is bound on /efi and kernel-install's ESP checks are relaxed
# (SYSTEMD_RELAX_ESP_CHECKS=1: a directory that is no FAT partition).
chroot_run() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -m --propagation private sh -c '
		set -e
		r=$1 esp=$2
		shift 2
		mount -t proc proc "$r/proc"
		mount -t tmpfs tmpfs "$r/run"
		mount -t tmpfs tmpfs "$r/tmp"
		relax=
		if [ -n "$esp" ]; then
			mount --bind "$esp" "$r/efi"
			relax=SYSTEMD_RELAX_ESP_CHECKS=1
		fi
		exec chroot "$r" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 HOME=/root \
			$relax "$@"' sh "$root" "${CHROOT_ESP:-}" "$@"
}

# no_services on|off: while on, no package's service starts in the chroot
# (policy-rc.d says 101).
no_services() {
	if [ "$1" = on ]; then
		printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
		chmod 755 "$root/usr/sbin/policy-rc.d"
	else
		rm -f "$root/usr/sbin/policy-rc.d"
	fi
}

# proof_service SCRIPT: the test's own driver inside the system, started
# at every boot, from stage 1.
proof_service() {
	install -D -m 0755 "$SYS/guest/$1" "$root/usr/local/sbin/vfio-proof"
	install -D -m 0644 "$SYS/guest/vfio-proof.service" "$root/etc/systemd/system/vfio-proof.service"
	mkdir -p "$root/etc/systemd/system/multi-user.target.wants" "$root/var/lib/vfio-proof"
	ln -sf /etc/systemd/system/vfio-proof.service \
		"$root/etc/systemd/system/multi-user.target.wants/vfio-proof.service"
	echo 1 >"$root/var/lib/vfio-proof/stage"
}

# What the guest reported: its tty writes CR LF, read without the CRs. A
# stage's report is in its boot's file (a trial's stage 3t: boot 3).
rep() { tr -d '\r' <"$WORK/boot${1%t}.report"; }
line() { rep "$1" | sed -n "s/^PROOF stage=$1 $2 //p"; }
drv() { rep "$1" | sed -n "s/^PROOF stage=$1 dev 0000:$2 driver=//p"; }
rcof() { rep "$1" | sed -n "s/^PROOF stage=$1 rc $2=\([0-9]*\) .*/\1/p"; }
outof() { rep "$1" | sed -n "s/^PROOF stage=$1 out $2: //p"; }
