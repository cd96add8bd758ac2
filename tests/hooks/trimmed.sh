#!/bin/sh
# Sourced by tests/hooks/run.sh after vm_setup (KVER, KROOT, TLAYER, DEST,
# WORK, in_list, mk): the real dracut and initramfs-tools, and the
# mkinitcpio harness, against kernel module trees with vfio modules taken
# out (issue 24 item 1). Our hook is in every image (dracut's conf snippet,
# the package's initramfs-tools hook, HOOKS=), so it must never fail a
# build: it warns, and the image is built without vfio-claim, with
# /usr/lib/vfio-claim/absent saying why.

# trim_kernel NAME MODULE...: a copy of the kernel's module tree, as
# kernel NAME, without MODULE.ko*; its config for mkinitramfs.
trim_kernel() {
	tk=$1
	shift
	rm -rf "${TLAYER:?}/lib/modules/$tk"
	mkdir -p "$TLAYER/lib/modules" "${TLAYER:?}/boot"
	cp -al "$KROOT/lib/modules/$KVER" "$TLAYER/lib/modules/$tk" 2>/dev/null ||
		cp -a "$KROOT/lib/modules/$KVER" "$TLAYER/lib/modules/$tk"
	for m in "$@"; do
		find "$TLAYER/lib/modules/$tk" -name "$m.ko*" -exec rm -f {} +
	done
	depmod -b "$TLAYER" "$tk" 2>/dev/null
	cp "$KROOT/boot/config-$KVER" "$TLAYER/boot/config-$tk"
}

# hooks_trimmed: the tests.
hooks_trimmed() {
	NOVFIO=$KVER-novfio
	trim_kernel "$NOVFIO" vfio vfio-pci vfio_iommu_type1
	ABSENT="kernel $NOVFIO has no vfio vfio_pci (neither a module nor built in)"

	# dracut: the conf snippet adds our module to every image. Before the fix:
	# "installkernel failed in module vfio-claim", exit 1, no image.
	n="dracut-kernel-without-vfio-builds-without-us"
	img=$WORK/novfio.img
	rm -f "$img"
	t0=$(date +%s)
	vm_ns "" dracut --force --no-hostonly --no-compress --no-early-microcode \
		--kver "$NOVFIO" --modules "bash base" "$img" >"$WORK/novfio.log" 2>&1
	rc=$?
	why=
	[ $rc -eq 0 ] || why="$why dracut exit $rc: $(grep -i 'fatal\|failed\|error' "$WORK/novfio.log" | head -n 2 | tr '\n' ' ');"
	if [ -f "$img" ]; then
		cpio -it --quiet <"$img" >"$WORK/novfio.list" 2>/dev/null
		grep -q 'usr/sbin/vfio-claim$' "$WORK/novfio.list" && why="$why the binary is in it;"
		grep -q '/vfio[^/]*\.ko' "$WORK/novfio.list" && why="$why a vfio module is in it;"
		got=$(cpio_cat "$img" usr/lib/vfio-claim/absent)
		[ "$got" = "$ABSENT" ] || why="$why absent says [$got];"
		grep -q 'hooks/pre-udev/00-vfio-claim.sh$' "$WORK/novfio.list" ||
			why="$why no pre-udev hook to log it;"
	else
		why="$why no image;"
	fi
	grep -q "vfio-claim: not in this image: $ABSENT; devices are not claimed" "$WORK/novfio.log" ||
		why="$why no warning in dracut's output;"
	expect_eq "$n" "" "$why"
	echo "# $n: $(($(date +%s) - t0)) s"

	# dracut: the binary missing (check() must not fail while we are in
	# add_dracutmodules: "dracut module 'vfio-claim' cannot be found or
	# installed", exit 1, before the fix).
	n="dracut-without-the-binary-builds-without-us"
	img=$WORK/nobin.img
	rm -f "$img"
	t0=$(date +%s)
	DEST0=$DEST
	DEST=$WORK/dest-nobin
	rm -rf "$DEST"
	cp -a "$DEST0" "$DEST"
	rm -f "$DEST/usr/sbin/vfio-claim"
	vm_ns "" dracut --force --no-hostonly --no-compress --no-early-microcode \
		--kver "$KVER" --modules "bash base" "$img" >"$WORK/nobin.log" 2>&1
	rc=$?
	DEST=$DEST0
	why=
	[ $rc -eq 0 ] || why="$why dracut exit $rc: $(grep -i 'cannot\|fatal\|failed' "$WORK/nobin.log" | head -n 2 | tr '\n' ' ');"
	if [ -f "$img" ]; then
		got=$(cpio_cat "$img" usr/lib/vfio-claim/absent)
		case $got in
		"the vfio-claim binary is not installed on the build host"*) ;;
		*) why="$why absent says [$got];" ;;
		esac
	else
		why="$why no image;"
	fi
	expect_eq "$n" "" "$why"
	echo "# $n: $(($(date +%s) - t0)) s"
	rm -rf "$WORK/dest-nobin"

	# dracut: no vfio_iommu_type1 alone (ppc64's spapr kernels, VFIO_CONTAINER=n):
	# vfio-claim goes in, with vfio-pci (before the fix: no image).
	NOTYPE1=$KVER-notype1
	trim_kernel "$NOTYPE1" vfio_iommu_type1
	n="dracut-kernel-without-type1-keeps-us"
	img=$WORK/notype1.img
	t0=$(date +%s)
	if vm_ns "" dracut --quiet --force --no-hostonly --no-compress --no-early-microcode \
		--kver "$NOTYPE1" --modules "bash base" "$img" >"$WORK/notype1.log" 2>&1; then
		cpio -it --quiet <"$img" >"$WORK/notype1.list" 2>/dev/null
		why=
		grep -q 'usr/sbin/vfio-claim$' "$WORK/notype1.list" || why="$why no binary;"
		grep -q '/vfio-pci\.ko' "$WORK/notype1.list" || why="$why no vfio-pci.ko;"
		grep -q 'usr/lib/vfio-claim/absent' "$WORK/notype1.list" && why="$why an absent note;"
		expect_eq "$n" "" "$why"
		echo "# $n: $(($(date +%s) - t0)) s"
	else
		fail "$n" "$(tail -n 3 "$WORK/notype1.log" | tr '\n' ' ')"
	fi
	rm -rf "${TLAYER:?}/lib/modules/$NOTYPE1"

	# mkinitcpio: both install hooks (before the fix: "module not found:
	# 'vfio'", an error, and mkinitcpio exits 1).
	for h in vfio-claim sd-vfio-claim; do
		n="mkinitcpio-$h-kernel-without-vfio-builds-without-us"
		R=$WORK/mk-novfio
		t0=$(date +%s)
		o=$(mk build "$R" "$NOVFIO" "$h" 2>&1)
		rc=$?
		why=
		[ $rc -eq 0 ] || why="$why exit $rc: $(echo "$o" | grep ERROR | head -n 2 | tr '\n' ' ');"
		[ -e "$R/usr/sbin/vfio-claim" ] && why="$why the binary is in it;"
		[ -n "$(find "$R" -name 'vfio*.ko*' 2>/dev/null)" ] && why="$why a vfio module is in it;"
		got=$(cat "$R/usr/lib/vfio-claim/absent" 2>/dev/null)
		[ "$got" = "$ABSENT" ] || why="$why absent says [$got];"
		echo "$o" | grep -q "WARNING: vfio-claim: not in this image: $ABSENT" ||
			why="$why no warning;"
		if [ "$h" = vfio-claim ] && ! [ -f "$R/hooks/vfio-claim" ]; then
			why="$why no runtime hook to log it;"
		fi
		expect_eq "$n" "" "$why"
		echo "# $n: $(($(date +%s) - t0)) s"
	done

	# initramfs-tools: before the fix the image had the binary and no vfio
	# module (manual_add_modules skips what is missing).
	n="initramfs-tools-kernel-without-vfio-builds-without-us"
	img=$WORK/it-novfio.img
	t0=$(date +%s)
	KVER0=$KVER
	KVER=$NOVFIO
	build_itools "$img" >"$WORK/it-novfio.log" 2>&1
	rc=$?
	KVER=$KVER0
	why=
	[ $rc -eq 0 ] || why="$why mkinitramfs exit $rc: $(tail -n 2 "$WORK/it-novfio.log" | tr '\n' ' ');"
	if [ -f "$img" ] && unmkinitramfs "$img" "$WORK/it-novfio.x" 2>/dev/null; then
		x=$WORK/it-novfio.x
		[ -d "$x/main" ] && x=$x/main
		[ -e "$x/usr/sbin/vfio-claim" ] && why="$why the binary is in it;"
		[ -n "$(find "$x" -name 'vfio*.ko*')" ] && why="$why a vfio module is in it;"
		got=$(cat "$x/usr/lib/vfio-claim/absent" 2>/dev/null)
		[ "$got" = "$ABSENT" ] || why="$why absent says [$got];"
		[ -f "$x/scripts/init-top/00-vfio-claim" ] || why="$why no init-top script to log it;"
	else
		why="$why no image;"
	fi
	grep -q "W: vfio-claim: not in this image: $ABSENT" "$WORK/it-novfio.log" ||
		why="$why no warning;"
	expect_eq "$n" "" "$why"
	echo "# $n: $(($(date +%s) - t0)) s"
	rm -rf "$WORK/it-novfio.x" "${TLAYER:?}/lib/modules/$NOVFIO" "${TLAYER:?}/boot"
}
