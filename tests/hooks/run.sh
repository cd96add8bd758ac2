#!/bin/sh
# Fast checks of the initramfs integrations, no VM: the
# syntax of every hook under each shell it runs in; the mkinitcpio install
# hooks through the build-time harness; dracut hostonly images and a kernel
# without an optional module; make install/uninstall layout.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib/testlib.sh"
. "$TOP/tests/vm/lib.sh"
cd "$TOP" || exit 2
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vfio-claim-hooks.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM

# Hooks that run inside the initramfs: POSIX sh (busybox ash, dash, klibc).
RUNTIME_SH="dracut/50vfio-claim/vfio-claim.sh mkinitcpio/hooks/vfio-claim
initramfs/scripts/init-top/00-vfio-claim dracut/50vfio-claim/vfio-claim-finish.sh
initramfs/scripts/init-bottom/vfio-claim"
# tests/lint runs shellcheck over every file.

# Parse every runtime hook with each shell an initramfs may run it under.
for f in $RUNTIME_SH; do
	why=
	for sh in dash "busybox ash" /usr/lib/klibc/bin/sh; do
		# shellcheck disable=SC2086 # "busybox ash" is a command and an argument
		set -- $sh
		command -v "$1" >/dev/null 2>&1 || { why="$why $sh missing;"; continue; }
		# shellcheck disable=SC2086
		$sh -n "$f" 2>/dev/null || why="$why $sh -n fails;"
	done
	if [ -z "$why" ]; then pass "syntax $f"; else fail "syntax $f" "$why"; fi
done

# ---- make install / uninstall ----
# expected PREFIX: every file, relative to DESTDIR. The hooks and units go
# where the generators look, whatever PREFIX is (issue 24 item 8).
expected() {
	p=$1
	echo "$p/sbin/vfio-claim"
	echo "/usr/lib/dracut/modules.d/50vfio-claim/module-setup.sh"
	echo "/usr/lib/dracut/modules.d/50vfio-claim/vfio-claim.sh"
	echo "/usr/lib/dracut/modules.d/50vfio-claim/vfio-claim-finish.sh"
	echo "/usr/lib/dracut/dracut.conf.d/50-vfio-claim.conf"
	echo "/usr/lib/initcpio/install/vfio-claim"
	echo "/usr/lib/initcpio/install/sd-vfio-claim"
	echo "/usr/lib/initcpio/hooks/vfio-claim"
	echo "/usr/share/initramfs-tools/hooks/vfio-claim"
	echo "/usr/share/initramfs-tools/scripts/init-top/00-vfio-claim"
	echo "/usr/share/initramfs-tools/scripts/init-bottom/vfio-claim"
	echo "/usr/lib/systemd/system/vfio-claim.service"
	echo "/usr/lib/systemd/system/vfio-claim-finish.service"
	echo "/usr/lib/systemd/system/vfio-verify.service"
	echo "/usr/lib/systemd/system/vfio-nfd.service"
	echo "/usr/lib/systemd/system/vfio-nfd.timer"
	echo "/usr/lib/systemd/system/vfio-trial.service"
	echo "/usr/lib/systemd/system/sysinit.target.wants/vfio-trial.service"
	echo "$p/share/bash-completion/completions/vfioctl"
	echo "$p/share/man/man8/vfio-claim.8"
	echo "$p/share/man/man8/vfioctl.8"
	echo "$p/share/man/man5/vfio-claim.conf.5"
	if [ -f "$BUILD/vfioctl" ]; then echo "$p/sbin/vfioctl"; fi
}
LOCALDEST=$WORK/dest-local
for prefix in /usr /usr/local; do
	n="make install PREFIX=$prefix"
	d=$WORK/inst$(echo "$prefix" | tr / _)
	if ! [ -x "$BUILD/vfio-claim" ]; then
		fail "$n" "no $BUILD/vfio-claim (run make first)"
		continue
	fi
	if ! o=$(make -s install PREFIX="$prefix" DESTDIR="$d" BUILD="$BUILD" \
		-o "$BUILD/vfio-claim" -o "$BUILD/vfioctl" 2>&1); then
		fail "$n" "$o"
		continue
	fi
	(cd "$d" && find . -type f -o -type l) | sed 's|^\.||' | sort >"$WORK/got"
	expected "$prefix" | sort >"$WORK/want"
	if cmp -s "$WORK/got" "$WORK/want"; then pass "$n"
	else fail "$n" "layout differs: $(diff "$WORK/want" "$WORK/got" | grep '^[<>]' | tr '\n' ' ')"; fi
	why=
	for x in "$prefix/sbin/vfio-claim" /usr/lib/dracut/modules.d/50vfio-claim/module-setup.sh \
		/usr/share/initramfs-tools/hooks/vfio-claim \
		/usr/share/initramfs-tools/scripts/init-top/00-vfio-claim \
		/usr/share/initramfs-tools/scripts/init-bottom/vfio-claim \
		/usr/lib/dracut/modules.d/50vfio-claim/vfio-claim-finish.sh; do
		[ -x "$d$x" ] || why="$why $x not executable;"
	done
	expect_eq "make install PREFIX=$prefix modes" "" "$why"
	expect_eq "make install PREFIX=$prefix: vfio-verify.service runs $prefix/sbin/vfioctl" \
		"ExecStart=$prefix/sbin/vfioctl verify" \
		"$(grep '^ExecStart=' "$d/usr/lib/systemd/system/vfio-verify.service" 2>/dev/null)"
	# Kept for the generators below (PREFIX=/usr/local).
	[ "$prefix" = /usr/local ] && cp -a "$d" "$LOCALDEST"
	make -s uninstall PREFIX="$prefix" DESTDIR="$d" >/dev/null 2>&1
	left=$(cd "$d" && find . -type f -o -type l -o -type d -name 50vfio-claim)
	expect_eq "make uninstall PREFIX=$prefix" "" "$left"
done

# ---- the generators, with the kernel and our files in an overlay ----
if ! vm_setup "$WORK/vm" >"$WORK/setup.log" 2>&1; then
	fail hooks-setup "kernel or make install failed: $(tail -n 3 "$WORK/setup.log" | tr '\n' ' ')"
	exit 1
fi

# The modules the hooks must put in an image of this kernel: the vfio
# ones and the IOMMU drivers that are modules here (vfio_virqfd is built
# into vfio from 6.2 on; virtio_iommu is missing in 6.1), never failing on
# one the kernel lacks.
kmods=
for m in vfio vfio_iommu_type1 vfio-pci vfio-pci-core vfio_virqfd virtio_iommu arm_smmu_v3; do
	k=$(echo "$m" | tr _ -)
	u=$(echo "$m" | tr - _)
	if [ -n "$(find "$KROOT/lib/modules/$KVER" -name "$k.ko*" -o -name "$u.ko*" | head -n 1)" ]; then
		kmods="$kmods $m"
	fi
done
echo "# kernel $KVER: the hooks must add$kmods"
# in_list NAME LIST: LIST (a file of paths) holds NAME.ko*, - or _ alike.
in_list() {
	k=$(echo "$1" | tr _ -)
	u=$(echo "$1" | tr - _)
	grep -qE "/($k|$u)\.ko" "$2"
}

# mkinitcpio: build() of each install hook through the harness.
mk() { vm_ns "" bash "$VM_DIR/mkinitcpio.sh" "$@"; }
R=$WORK/mkroot
if o=$(mk build "$R" "$KVER" vfio-claim 2>&1); then
	why=
	[ -x "$R/usr/sbin/vfio-claim" ] || why="$why no /usr/sbin/vfio-claim;"
	[ -f "$R/hooks/vfio-claim" ] || why="$why no runtime hook;"
	# issue 22: it claims in the background and waits before switch_root.
	grep -q 'vfio-claim --background' "$R/hooks/vfio-claim" 2>/dev/null || why="$why no --background;"
	grep -q '^run_cleanuphook()' "$R/hooks/vfio-claim" 2>/dev/null || why="$why no run_cleanuphook;"
	find "$R/usr/lib/modules" -name '*.ko*' >"$WORK/mklist"
	for m in $kmods; do
		in_list "$m" "$WORK/mklist" || why="$why no $m.ko;"
	done
	expect_eq "mkinitcpio install/vfio-claim" "" "$why"
else
	fail "mkinitcpio install/vfio-claim" "build() failed: $(echo "$o" | tail -n 3 | tr '\n' ' ')"
fi
if o=$(mk build "$R" "$KVER" sd-vfio-claim 2>&1); then
	why=
	u=$R/usr/lib/systemd/system
	[ -x "$R/usr/sbin/vfio-claim" ] || why="$why no /usr/sbin/vfio-claim;"
	[ -f "$u/vfio-claim.service" ] || why="$why no unit;"
	[ "$(readlink "$u/sysinit.target.wants/vfio-claim.service")" = ../vfio-claim.service ] ||
		why="$why unit not wanted by sysinit.target;"
	[ "$(readlink "$u/initrd.target.wants/vfio-claim-finish.service")" = ../vfio-claim-finish.service ] ||
		why="$why no vfio-claim-finish.service wanted by initrd.target;"
	[ -n "$(find "$R/usr/lib/modules" -name 'vfio-pci.ko*')" ] || why="$why no vfio-pci.ko;"
	[ -e "$R/hooks/vfio-claim" ] && why="$why a runtime hook in a systemd image;"
	expect_eq "mkinitcpio install/sd-vfio-claim" "" "$why"
else
	fail "mkinitcpio install/sd-vfio-claim" "build() failed: $(echo "$o" | tail -n 3 | tr '\n' ' ')"
fi
for h in vfio-claim sd-vfio-claim; do
	o=$(mk help "$h" 2>&1)
	case $o in
	*vfio.devices=*) pass "mkinitcpio $h help()" ;;
	*) fail "mkinitcpio $h help()" "got [$o]" ;;
	esac
done

# dracut: a hostonly image built on a host where vfio is not loaded keeps the
# vfio modules; the dracut.conf.d snippet alone pulls the module in.
img=$WORK/hostonly.img
if vm_ns "" dracut --quiet --force --hostonly --no-compress --no-early-microcode \
	--kver "$KVER" --modules "bash base" "$img" >"$WORK/dracut.log" 2>&1; then
	(cd "$WORK" && cpio -it --quiet <"$img") >"$WORK/list" 2>/dev/null
	why=
	for m in $kmods; do
		in_list "$m" "$WORK/list" || why="$why no $m.ko;"
	done
	grep -q 'hooks/pre-udev/00-vfio-claim.sh$' "$WORK/list" || why="$why no pre-udev hook;"
	grep -q 'hooks/pre-pivot/00-vfio-claim-finish.sh$' "$WORK/list" || why="$why no pre-pivot hook;"
	grep -q 'usr/sbin/vfio-claim$' "$WORK/list" || why="$why no binary;"
	expect_eq "dracut hostonly image keeps vfio and the hook" "" "$why"
else
	fail "dracut hostonly image keeps vfio and the hook" "$(tail -n 5 "$WORK/dracut.log" | tr '\n' ' ')"
fi

# initramfs-tools: the same modules, through our hook's manual_add_modules.
if build_itools "$WORK/itools.img" >"$WORK/itools.log" 2>&1 &&
	lsinitramfs "$WORK/itools.img" >"$WORK/itlist" 2>/dev/null; then
	why=
	for m in $kmods; do
		in_list "$m" "$WORK/itlist" || why="$why no $m.ko;"
	done
	grep -q 'usr/sbin/vfio-claim$' "$WORK/itlist" || why="$why no binary;"
	grep -q 'scripts/init-top/00-vfio-claim$' "$WORK/itlist" || why="$why no init-top script;"
	grep -q 'scripts/init-bottom/vfio-claim$' "$WORK/itlist" || why="$why no init-bottom script;"
	expect_eq "initramfs-tools image has the vfio and IOMMU modules" "" "$why"
else
	fail "initramfs-tools image has the vfio and IOMMU modules" "$(tail -n 5 "$WORK/itools.log" | tr '\n' ' ')"
fi

# A kernel without vfio_virqfd (gone after 6.1): dracut and the mkinitcpio
# hook still build.
K2=$KVER-novirqfd
mods=$TLAYER/lib/modules
mkdir -p "$mods"
cp -al "$KROOT/lib/modules/$KVER" "$mods/$K2" 2>/dev/null || cp -a "$KROOT/lib/modules/$KVER" "$mods/$K2"
find "$mods/$K2" -name 'vfio_virqfd.ko*' -exec rm -f {} +
depmod -b "$TLAYER" "$K2" 2>/dev/null
if vm_ns "" dracut --quiet --force --no-hostonly --no-compress --no-early-microcode \
	--kver "$K2" --modules "bash base" "$WORK/novirqfd.img" >"$WORK/dracut2.log" 2>&1 &&
	cpio -it --quiet <"$WORK/novirqfd.img" 2>/dev/null | grep -q '/vfio-pci\.ko'; then
	pass "dracut without an optional module"
else
	fail "dracut without an optional module" "$(tail -n 5 "$WORK/dracut2.log" | tr '\n' ' ')"
fi
if o=$(mk build "$R" "$K2" vfio-claim 2>&1); then
	pass "mkinitcpio without an optional module"
else
	fail "mkinitcpio without an optional module" "$(echo "$o" | tail -n 3 | tr '\n' ' ')"
fi
rm -rf "${mods:?}/$K2"

# cpio_cat IMG PATH: a file of an uncompressed image.
cpio_cat() {
	cpio -i --quiet --to-stdout "$2" <"$1" 2>/dev/null
}
# make install PREFIX=/usr/local: the real generators find our hooks, and
# the hooks the binary in /usr/local/sbin (before: the hooks went to
# /usr/local/lib/dracut etc., where no generator looks).
if [ -d "$LOCALDEST" ]; then
	DEST0=$DEST
	DEST=$LOCALDEST
	n="make install PREFIX=/usr/local: dracut puts us in the image"
	if vm_ns "" dracut --quiet --force --no-hostonly --no-compress --no-early-microcode \
		--kver "$KVER" --modules "bash base" "$WORK/local.img" >"$WORK/local.log" 2>&1; then
		cpio -it --quiet <"$WORK/local.img" >"$WORK/local.list" 2>/dev/null
		why=
		grep -q 'usr/sbin/vfio-claim$' "$WORK/local.list" || why="$why no binary;"
		grep -q 'hooks/pre-udev/00-vfio-claim.sh$' "$WORK/local.list" || why="$why no hook;"
		expect_eq "$n" "" "$why"
	else
		fail "$n" "$(tail -n 3 "$WORK/local.log" | tr '\n' ' ')"
	fi
	n="make install PREFIX=/usr/local: mkinitcpio and initramfs-tools put us in the image"
	why=
	mk build "$WORK/mk-local" "$KVER" vfio-claim >/dev/null 2>&1 || why="$why mkinitcpio build() failed;"
	[ -x "$WORK/mk-local/usr/sbin/vfio-claim" ] || why="$why no binary in the mkinitcpio image;"
	if build_itools "$WORK/it-local.img" >"$WORK/it-local.log" 2>&1; then
		lsinitramfs "$WORK/it-local.img" 2>/dev/null | grep -q 'usr/sbin/vfio-claim$' ||
			why="$why no binary in the initramfs-tools image;"
	else
		why="$why mkinitramfs failed;"
	fi
	expect_eq "$n" "" "$why"
	DEST=$DEST0
	rm -rf "$LOCALDEST" "$WORK/mk-local" "$WORK/mk-local.calls"
fi

# Kernels without vfio: every generator still builds an image (issue 24),
# and what the images hold.
. "$TOP/tests/hooks/trimmed.sh"
. "$TOP/tests/hooks/contents.sh"
hooks_trimmed
hooks_contents
