#!/bin/sh
# Sourced by tests/hooks/run.sh after vm_setup (KVER, KROOT, TLAYER, DEST,
# WORK, in_list): what the images hold (issue 24 items 2, 4, 5, 6).
#  - vfio variant drivers: only those a configured device's modalias
#    matches (vfioctl plan --image-modules), all of them only on request;
#    a kernel tree with three fake variants (copies of dummy.ko under
#    drivers/vfio/pci/*/, their vfio_pci: aliases in modules.alias) and a
#    fake /sys with one ConnectX-7 VF (15b3:101e) named in the config.
#  - /etc/vfio-claim.conf only in hostonly dracut images, marked host-only.
#  - dracut systemd images claim from vfio-claim.service, which has a start
#    timeout; shell images from the pre-udev hook.

# has_variants LIST: which of the three fake variants LIST (paths) holds.
has_variants() {
	for v in mlx5-vfio-pci pds-vfio-pci virtio-vfio-pci; do
		grep -q "/$v\.ko" "$1" && printf '%s ' "$v"
	done
}

# dracut_list NAME ETCDIR KVER DRACUT_ARG...: builds $WORK/NAME.img, lists
# it in $WORK/NAME.list; false (and a FAIL line for NAME) when dracut fails.
dracut_list() {
	dl=$1 de=$2 dk=$3
	shift 3
	if ! vm_ns "$de" dracut --quiet --force --no-compress --no-early-microcode \
		--kver "$dk" "$@" "$WORK/$dl.img" >"$WORK/$dl.log" 2>&1; then
		fail "$dl" "dracut: $(tail -n 3 "$WORK/$dl.log" | tr '\n' ' ')"
		return 1
	fi
	cpio -it --quiet <"$WORK/$dl.img" >"$WORK/$dl.list" 2>/dev/null
}

hooks_contents() {
	# ---- variant drivers
	VK=$KVER-variants
	rm -rf "${TLAYER:?}/lib/modules/$VK"
	mkdir -p "$TLAYER/lib/modules"
	cp -al "$KROOT/lib/modules/$KVER" "$TLAYER/lib/modules/$VK" 2>/dev/null ||
		cp -a "$KROOT/lib/modules/$KVER" "$TLAYER/lib/modules/$VK"
	d=$TLAYER/lib/modules/$VK/kernel/drivers/vfio/pci
	for v in mlx5/mlx5-vfio-pci pds/pds-vfio-pci virtio/virtio-vfio-pci; do
		mkdir -p "$d/${v%/*}"
		cp "$KROOT/lib/modules/$KVER/kernel/drivers/net/dummy.ko" "$d/$v.ko"
	done
	depmod -b "$TLAYER" "$VK" 2>/dev/null
	# As the kernel's tables write them (modpost: vfio_pci: aliases).
	cat >>"$TLAYER/lib/modules/$VK/modules.alias" <<-'EOF'
		alias vfio_pci:v000015B3d0000101Esv*sd*bc*sc*i* mlx5_vfio_pci
		alias vfio_pci:v00001DD8d00001002sv*sd*bc*sc*i* pds_vfio_pci
		alias vfio_pci:v00001AF4d00001041sv*sd*bc*sc*i* virtio_vfio_pci
		alias vfio_pci:v00001AF4d00001042sv*sd*bc*sc*i* virtio_vfio_pci
	EOF
	S=$WORK/fakesys
	rm -rf "$S"
	printf '%s\n' "iommu dmar0" "driver vfio-pci" "driver mlx5_core" \
		"0000:0a:00.2 15b3:101e 020000 driver=mlx5_core group=30" \
		"0000:0b:00.0 1af4:1041 020000 driver=virtio-pci group=31" | "$MKTREE" "$S"
	echo "pci:v000015B3d0000101Esv000015B3sd00000041bc02sc00i00" \
		>"$S/bus/pci/devices/0000:0a:00.2/modalias"
	echo "pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00" \
		>"$S/bus/pci/devices/0000:0b:00.0/modalias"
	E=$WORK/etc-variants
	etc_with_conf "$E" "0a:00.2"

	# What the hooks ask: one line per configured device's variant.
	n=vfioctl-plan-image-modules
	o=$("$BUILD/vfioctl" --modules-dir "$TLAYER/lib/modules/$VK" --sysfs "$S" \
		--config "$E/vfio-claim.conf" --cmdline "quiet" plan --image-modules 2>&1)
	expect_eq "$n" "0 mlx5_vfio_pci" "$? $o"
	o=$("$BUILD/vfioctl" --modules-dir "$TLAYER/lib/modules/$VK" --sysfs "$S" \
		--config "$E/vfio-claim.conf" --cmdline "quiet vfio.variants=off" plan --image-modules 2>&1)
	expect_eq "$n/variants-off-still-in-the-image" "0 mlx5_vfio_pci" "$? $o"
	o=$("$BUILD/vfioctl" --modules-dir "$TLAYER/lib/modules/$VK" --sysfs "$S" \
		--cmdline "vfio.devices=0b:00.0,0a:00.2=vfio-pci" --config none plan --image-modules 2>&1)
	expect_eq "$n/selector-driver-wins" "0 virtio_vfio_pci" "$? $o"
	o=$("$BUILD/vfioctl" --modules-dir "$TLAYER/lib/modules/$VK" --sysfs "$S" \
		--cmdline "quiet" --config none plan --image-modules 2>&1)
	expect_eq "$n/nothing-configured" "0 " "$? $o"
	o=$("$BUILD/vfioctl" --sysfs "$S" --cmdline "x" plan --image-modules 2>&1)
	expect_eq "$n/needs-modules-dir" "2 vfioctl: --image-modules needs --modules-dir DIR, the image's kernel module directory" "$? $o"
	# The early binary no longer carries it: an unknown option there.
	o=$("$BUILD/vfio-claim" --image-modules --moddir "$TLAYER/lib/modules/$VK" --sysfs "$S" 2>&1)
	expect_eq "$n/not-in-the-early-binary" "2 vfio-claim: unknown option '--image-modules'; try 'vfio-claim --help'" "$? $o"

	export VM_SYSFS="$S"
	t0=$(date +%s)
	n=dracut-variants-only-those-configured
	if dracut_list "$n" "$E" "$VK" --hostonly --modules "bash base"; then
		expect_eq "$n" "mlx5-vfio-pci " "$(has_variants "$WORK/$n.list")"
		# item 6: the host's config, marked host-only (rd.hostonly=0).
		why=
		grep -qx 'etc/vfio-claim.conf' "$WORK/$n.list" || why="$why not in the image;"
		cpio_cat "$WORK/$n.img" usr/lib/dracut/hostonly-files | grep -qx /etc/vfio-claim.conf ||
			why="$why not in lib/dracut/hostonly-files;"
		expect_eq dracut-hostonly-image-config-is-host-only "" "$why"
	fi
	n=dracut-variants-none-in-a-generic-image
	if dracut_list "$n" "$E" "$VK" --no-hostonly --modules "bash base"; then
		expect_eq "$n" "" "$(has_variants "$WORK/$n.list")"
		# item 6: a generic image (a rescue image) claims no host's devices.
		if grep -q 'etc/vfio-claim.conf' "$WORK/$n.list"; then
			fail dracut-generic-image-has-no-host-config "/etc/vfio-claim.conf is in a --no-hostonly image"
		else
			pass dracut-generic-image-has-no-host-config
		fi
	fi
	n=dracut-variants-all-on-request
	mkdir -p "$E/dracut.conf.d"
	echo 'vfio_claim_variants=all' >"$E/dracut.conf.d/90-vfio-claim-variants.conf"
	if dracut_list "$n" "$E" "$VK" --no-hostonly --modules "bash base"; then
		expect_eq "$n" "mlx5-vfio-pci pds-vfio-pci virtio-vfio-pci " "$(has_variants "$WORK/$n.list")"
	fi
	rm -rf "$E/dracut.conf.d"
	echo "# dracut variant images: $(($(date +%s) - t0)) s"

	t0=$(date +%s)
	R=$WORK/mk-variants
	n=mkinitcpio-variants-only-those-configured
	if vm_ns "$E" bash "$VM_DIR/mkinitcpio.sh" build "$R" "$VK" vfio-claim >"$WORK/$n.log" 2>&1; then
		find "$R" -name '*.ko*' >"$WORK/$n.list"
		expect_eq "$n" "mlx5-vfio-pci " "$(has_variants "$WORK/$n.list")"
	else
		fail "$n" "$(tail -n 3 "$WORK/$n.log" | tr '\n' ' ')"
	fi
	n=mkinitcpio-variants-all-on-request
	if VFIO_CLAIM_VARIANTS=all vm_ns "$E" bash "$VM_DIR/mkinitcpio.sh" build "$R" "$VK" \
		sd-vfio-claim >"$WORK/$n.log" 2>&1; then
		find "$R" -name '*.ko*' >"$WORK/$n.list"
		expect_eq "$n" "mlx5-vfio-pci pds-vfio-pci virtio-vfio-pci " "$(has_variants "$WORK/$n.list")"
	else
		fail "$n" "$(tail -n 3 "$WORK/$n.log" | tr '\n' ' ')"
	fi
	rm -rf "$R" "$R.calls"

	mkdir -p "$TLAYER/boot"
	cp "$KROOT/boot/config-$KVER" "$TLAYER/boot/config-$VK"
	KVER0=$KVER
	KVER=$VK
	n=initramfs-tools-variants-only-those-configured
	if build_itools "$WORK/$n.img" "$E" >"$WORK/$n.log" 2>&1 &&
		lsinitramfs "$WORK/$n.img" >"$WORK/$n.list" 2>/dev/null; then
		expect_eq "$n" "mlx5-vfio-pci " "$(has_variants "$WORK/$n.list")"
	else
		fail "$n" "$(tail -n 3 "$WORK/$n.log" | tr '\n' ' ')"
	fi
	n=initramfs-tools-variants-all-on-request
	if VFIO_CLAIM_VARIANTS=all build_itools "$WORK/$n.img" "$E" >"$WORK/$n.log" 2>&1 &&
		lsinitramfs "$WORK/$n.img" >"$WORK/$n.list" 2>/dev/null; then
		expect_eq "$n" "mlx5-vfio-pci pds-vfio-pci virtio-vfio-pci " "$(has_variants "$WORK/$n.list")"
	else
		fail "$n" "$(tail -n 3 "$WORK/$n.log" | tr '\n' ' ')"
	fi
	KVER=$KVER0
	unset VM_SYSFS
	rm -rf "${TLAYER:?}/lib/modules/$VK" "${TLAYER:?}/boot"
	echo "# mkinitcpio and initramfs-tools variant images: $(($(date +%s) - t0)) s"

	# ---- item 2: systemd images claim from the unit, before modules-load
	t0=$(date +%s)
	n=dracut-systemd-image-claims-from-the-unit
	if dracut_list "$n" "" "$KVER" --no-hostonly \
		--modules "bash systemd systemd-initrd dracut-systemd base"; then
		why=
		u=$(grep '/systemd/system/vfio-claim\.service$' "$WORK/$n.list" | grep -v wants | head -n 1)
		[ -n "$u" ] || why="$why no vfio-claim.service;"
		grep -q '/sysinit\.target\.wants/vfio-claim\.service$' "$WORK/$n.list" ||
			why="$why not wanted by sysinit.target;"
		grep -q '/initrd\.target\.wants/vfio-claim-finish\.service$' "$WORK/$n.list" ||
			why="$why no vfio-claim-finish.service wanted by initrd.target;"
		grep -q 'hooks/pre-udev/00-vfio-claim\.sh$' "$WORK/$n.list" &&
			why="$why a pre-udev hook too;"
		grep -q 'usr/sbin/vfio-claim$' "$WORK/$n.list" || why="$why no binary;"
		if [ -n "$u" ]; then
			cpio_cat "$WORK/$n.img" "$u" >"$WORK/$n.unit"
			grep -qx 'Before=systemd-udevd.service systemd-udev-trigger.service systemd-modules-load.service' \
				"$WORK/$n.unit" || why="$why the unit is not ordered before modules-load;"
			grep -qx 'ExecStart=-/usr/sbin/vfio-claim --background' "$WORK/$n.unit" ||
				why="$why the unit does not claim in the background;"
			cpio_cat "$WORK/$n.img" "${u%/*}/vfio-claim-finish.service" >"$WORK/$n.finish"
			grep -qx 'Before=initrd.target initrd-cleanup.service initrd-switch-root.target' \
				"$WORK/$n.finish" || why="$why the finish unit is not ordered before switch-root;"
		fi
		expect_eq "$n" "" "$why"
	fi
	n=dracut-shell-image-claims-from-pre-udev
	if dracut_list "$n" "" "$KVER" --no-hostonly --modules "bash base"; then
		why=
		grep -q 'hooks/pre-udev/00-vfio-claim\.sh$' "$WORK/$n.list" || why="$why no pre-udev hook;"
		grep -q 'hooks/pre-pivot/00-vfio-claim-finish\.sh$' "$WORK/$n.list" || why="$why no pre-pivot hook;"
		grep -q 'vfio-claim\.service$' "$WORK/$n.list" && why="$why a unit in a shell image;"
		expect_eq "$n" "" "$why"
	fi
	echo "# dracut systemd and shell images: $(($(date +%s) - t0)) s"

	# ---- item 5: the unit's start is bounded (a oneshot has no timeout by
	# default, and udevd, modules-load and sysinit.target wait for it).
	n=unit-start-timeout
	f=systemd/vfio-claim.service
	st=$(sed -n 's/^TimeoutStartSec=//p' "$f")
	sp=$(sed -n 's/^TimeoutStopSec=//p' "$f")
	case "$st $sp" in
	"60s 5s") pass "$n" ;;
	*) fail "$n" "TimeoutStartSec=[$st] TimeoutStopSec=[$sp] in $f, expected 60s and 5s (a stuck claim holds the boot at most 70 s)" ;;
	esac
	if command -v systemd-analyze >/dev/null 2>&1; then
		# Parsed as systemd reads it: every key known, the timeout taken.
		o=$(systemd-analyze verify --man=no "$f" 2>&1 | grep -v 'is not executable')
		expect_eq "$n/systemd-analyze-verify" "" "$o"
		o=$(systemd-analyze verify --man=no systemd/vfio-claim-finish.service 2>&1 | grep -v 'is not executable')
		expect_eq "finish-unit/systemd-analyze-verify" "" "$o"
	fi
}
