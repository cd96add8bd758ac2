#!/bin/sh
# Shared by tests/vm/run.sh and tests/vm/demo.sh (sourced, POSIX sh):
# the kernel, the install tree, image builders for each generator, and the
# QEMU test machine. Images are built by the real generators, reading our
# files where `make install DESTDIR=...` put them: inside `unshare -m`, a
# read-only overlay puts DESTDIR/usr, the cached kernel and the test-only
# files over /usr (and /etc, /boot), so the host is never changed.

: "${TOP:?}"
VM_DIR=$TOP/tests/vm
QEMU=${QEMU:-qemu-system-x86_64}

vm_log() { echo "vm: $*" >&2; }

# vm_kernel [LINE]: sets KVER, KROOT, VMLINUZ for a kernel line (6.1, 6.12,
# 7.2; default $VFIO_CLAIM_KERNEL or 6.1), fetched once by kernel.sh.
vm_kernel() {
	k=$(sh "$VM_DIR/kernel.sh" ${1:+"$1"}) || return 1
	KVER=${k%% *} KROOT=${k#* }
	VMLINUZ=$KROOT/boot/vmlinuz-$KVER
	[ -f "$VMLINUZ" ] || { vm_log "no kernel at $VMLINUZ"; return 1; }
}

# vm_setup WORKDIR [LINE]: sets KVER, KROOT, VMLINUZ (vm_kernel LINE) and
# DEST (the install tree). The images of every kernel share DEST.
vm_setup() {
	WORK=$1
	vm_kernel "${2:-}" || return 1
	DEST=$WORK/dest
	# The binaries were built before the tests (make check, make check-vm,
	# make demo): install those, do not rebuild. VM_BUILD: another build dir.
	b=${VM_BUILD:-$TOP/build}
	[ -x "$b/vfio-claim" ] || { vm_log "no $b/vfio-claim: run make first"; return 1; }
	make -s -C "$TOP" install DESTDIR="$DEST" BUILD="$b" \
		-o "$b/vfio-claim" -o "$b/vfioctl" >/dev/null ||
		{ vm_log "make install DESTDIR=$DEST failed"; return 1; }
	# The test-only layer: the dracut test module and the guest scripts.
	TLAYER=$WORK/testlayer
	m=$TLAYER/lib/dracut/modules.d/99vfio-test
	mkdir -p "$m"
	cp "$VM_DIR"/guest/dracut/99vfio-test/* "$VM_DIR/guest/report.sh" \
		"$VM_DIR/guest/preload.sh" "$m/"
}

# vm_ns ETCDIR CMD...: run CMD with /usr = testlayer + DEST/usr + kernel +
# /usr, /etc = ETCDIR + /etc (ETCDIR may be empty), /boot = testlayer/boot
# (when there is one: a trimmed kernel's config) + kernel + /boot.
# VM_SYSFS=DIR: a fake sysfs tree over /sys (the image hooks' view of the
# build host's devices).
vm_ns() {
	etc=$1
	shift
	tboot=
	[ -d "$TLAYER/boot" ] && tboot=$TLAYER/boot:
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -m sh -c '
		set -e
		mount --make-rprivate /
		mount -t overlay vfio-claim-usr -o "lowerdir=$1:$2/usr:$3:/usr" /usr
		mount -t overlay vfio-claim-boot -o "lowerdir=$6$3/boot:/boot" /boot
		if [ -n "$4" ]; then
			mount -t overlay vfio-claim-etc -o "lowerdir=$4:/etc" /etc
		fi
		if [ -n "$5" ]; then
			mount --bind "$5" /sys
		fi
		shift 6
		exec "$@"' vm-ns "$TLAYER" "$DEST" "$KROOT" "$etc" "${VM_SYSFS:-}" "$tboot" "$@"
}

# etc_with_conf DIR DEVICES: an /etc layer holding vfio-claim.conf.
etc_with_conf() {
	mkdir -p "$1"
	printf '# test config\ndevices=%s\n' "$2" >"$1/vfio-claim.conf"
}

# build_dracut OUT shell|systemd [ETCDIR [DRACUT_ARG...]]
# VM_TESTMOD: the test-only dracut module (default vfio-test; the boot
# benchmark uses its own, vfio-bench).
build_dracut() {
	bd_t=${VM_TESTMOD:-vfio-test}
	case $2 in
	shell) mods="bash base rootfs-block udev-rules $bd_t" ;;
	systemd) mods="bash systemd systemd-initrd dracut-systemd base rootfs-block udev-rules $bd_t" ;;
	*) return 2 ;;
	esac
	bd_out=$1 bd_etc=${3:-}
	shift 2
	[ $# -gt 0 ] && shift
	vm_ns "$bd_etc" dracut --quiet --force --no-hostonly --no-compress \
		--kver "$KVER" --modules "$mods" "$@" "$bd_out"
}

# build_dracut_unit OUT: a dracut systemd image without our dracut module,
# carrying what mkinitcpio's sd-vfio-claim adds (vfio-claim.service).
build_dracut_unit() {
	r=$1.sdroot
	# shellcheck disable=SC2016 # expanded by the inner shell
	vm_ns "" sh -c '
		bash "$1/mkinitcpio.sh" build "$2" "$3" sd-vfio-claim &&
		VFIO_TEST_SD_ROOT=$2 dracut --quiet --force --no-hostonly \
			--no-compress --kver "$3" --omit vfio-claim --modules \
			"bash systemd systemd-initrd dracut-systemd base rootfs-block udev-rules vfio-test" "$4"
	' sh "$VM_DIR" "$r" "$KVER" "$1"
	rc=$?
	rm -rf "$r" "$r.calls"
	return $rc
}

# build_itools OUT [ETCDIR]: mkinitramfs with the test CONFDIR (MODULES=list).
build_itools() {
	conf=$1.conf
	rm -rf "$conf"
	cp -r "$VM_DIR/guest/initramfs-tools" "$conf"
	mkdir -p "$conf/conf.d" "$conf/scripts"
	VFIO_TEST_GUEST=$VM_DIR/guest vm_ns "${2:-}" \
		mkinitramfs -d "$conf" -o "$1" "$KVER"
	rc=$?
	rm -rf "$conf"
	return $rc
}

# build_mkinitcpio OUT [ETCDIR]: mkinitcpio is not in Debian; the harness
# runs our install hook with the documented build-time functions and packs
# an image whose init sources the runtime hook and calls run_earlyhook
# before its coldplug, as mkinitcpio's init does.
build_mkinitcpio() {
	vm_ns "${2:-}" bash "$VM_DIR/mkinitcpio.sh" image "$1" "$KVER" \
		"$1.root" vfio-claim
}

# The test machine's settings (environment, or set before vm_boot):
#   VM_IOMMU    intel (VT-d, default) | amd (AMD-Vi) | virtio (virtio-iommu)
#               | none
#   VM_MACHINE  QEMU -machine value (default q35,kernel-irqchip=split)
#   VM_MEM      memory in MiB (default 1024)
#   VM_QEMU_ARGS  more QEMU arguments (a word list)
#   VM_TIMEOUT  seconds before the boot is killed (default 360)
# vm_iommu_args IOMMU: the QEMU arguments of that IOMMU.
vm_iommu_args() {
	case $1 in
	intel) echo "-device intel-iommu,intremap=on" ;;
	amd) echo "-device amd-iommu" ;;
	virtio) echo "-device virtio-iommu-pci" ;;
	none) ;;
	*) vm_log "unknown VM_IOMMU '$1': intel, amd, virtio or none"; return 1 ;;
	esac
}

# vm_wanted BOOT: whether the tests TESTS names (make check T=vm:NAME) need
# the boot BOOT. A name that contains a boot's name needs that boot only
# (dshell-2, vfioctl-verify/dshell-2; a matrix cell's boot is
# matrix/KERNEL/IOMMU/FLAVOUR); a name that contains none of them
# (vfioctl-groups/matches-sysfs, itools-order) needs every default boot.
VM_BOOTS="dshell-1 dshell-2 dshell-3 dshell-4 dshell-5 dshell-6 dshell-7 dshell-8 dsd-1 dsd-2 itools-1
itools-6 mkinitcpio-1 mkinitcpio-6 unit-1 nested-boot"
vm_wanted() {
	[ -z "${TESTS:-}" ] && return 0
	case $1 in
	matrix/*) want "$1"; return ;;
	esac
	case $TESTS in
	*"$1"*) return 0 ;;
	matrix/*) return 1 ;;
	esac
	for vw in $VM_BOOTS; do
		case $TESTS in
		*"$vw"*) return 1 ;;
		esac
	done
	return 0
}

# vm_boot NAME IMAGE CMDLINE [noiommu]: boots the test machine; the guest
# report lands in $WORK/NAME.report, the console in $WORK/NAME.console, and
# "NAME: qemu exit RC after N s" ends $WORK/NAME.qemu. Once the report is
# complete the guest has nothing left to do: QEMU is stopped then, rather
# than waiting for a slow power-off (virtio-iommu stalls it for a minute).
vm_boot() {
	io=${VM_IOMMU:-intel}
	[ "${4:-}" = noiommu ] && io=none
	iommu=$(vm_iommu_args "$io") || return 2
	start=$(date +%s)
	rm -f "$WORK/$1.report" "$WORK/$1.console"
	dd if=/dev/zero of="$WORK/$1.disk" bs=1M count=1 2>/dev/null
	# shellcheck disable=SC2086 # $iommu and VM_QEMU_ARGS are word lists
	timeout "${VM_TIMEOUT:-360}" "$QEMU" -machine "${VM_MACHINE:-q35,kernel-irqchip=split}" \
		-accel tcg -m "${VM_MEM:-1024}" -smp 2 -nodefaults -display none -no-reboot \
		$iommu \
		-device VGA,bus=pcie.0,addr=03.0,multifunction=on \
		-device ich9-intel-hda,bus=pcie.0,addr=03.1 \
		-device qemu-xhci,bus=pcie.0,addr=04.0 \
		-device qemu-xhci,bus=pcie.0,addr=05.0 \
		-device e1000e,bus=pcie.0,addr=06.0 \
		-drive if=none,id=nvm,format=raw,file="$WORK/$1.disk" \
		-device nvme,drive=nvm,serial=vfioclaim,bus=pcie.0,addr=07.0 \
		${VM_QEMU_ARGS:-} \
		-serial file:"$WORK/$1.console" -serial file:"$WORK/$1.report" \
		-kernel "$VMLINUZ" -initrd "$2" \
		-append "console=ttyS0 panic=-1 no_timer_check root=/dev/vda rd.shell=0 rd.timeout=60 $3" \
		>"$WORK/$1.qemu" 2>&1 &
	qpid=$!
	# Stop QEMU a few seconds after the report ends (power-off is next).
	while kill -0 "$qpid" 2>/dev/null; do
		if grep -q '^VMREPORT end' "$WORK/$1.report" 2>/dev/null; then
			n=0
			while kill -0 "$qpid" 2>/dev/null && [ $n -lt 5 ]; do
				sleep 1
				n=$((n + 1))
			done
			kill "$qpid" 2>/dev/null
			break
		fi
		sleep 1
	done
	wait "$qpid"
	rc=$?
	# Killed after a complete report: as good as a clean power-off.
	if [ $rc -ne 0 ] && grep -q '^VMREPORT end' "$WORK/$1.report" 2>/dev/null; then
		rc=0
	fi
	rm -f "$WORK/$1.disk"
	echo "$1: qemu exit $rc after $(($(date +%s) - start)) s" >>"$WORK/$1.qemu"
	return $rc
}

# boot_secs NAME: the seconds vm_boot NAME took ("-" when it did not run).
boot_secs() {
	s=$(sed -n 's/^.*: qemu exit [0-9]* after \([0-9]*\) s$/\1/p' "$WORK/$1.qemu" 2>/dev/null | tail -n 1)
	echo "${s:--}"
}

# report_driver NAME ADDR: the driver the guest saw on 0000:ADDR.
report_driver() {
	sed -n "s/^VMREPORT dev 0000:$2 [^ ]* \([^ ]*\) .*/\1/p" "$WORK/$1.report" | head -n 1
}
report_group() {
	sed -n "s/^VMREPORT dev 0000:$2 [^ ]* [^ ]* \([^ ]*\) .*/\1/p" "$WORK/$1.report" | head -n 1
}
