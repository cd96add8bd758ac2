#!/bin/sh
# The kernel x IOMMU x flavour matrix of boot tests: scenario 1
# (vfio.devices=00:03,00:04.0: the GPU's slot and one of two identical USB
# controllers) booted on each cell; one "CELL KERNEL IOMMU FLAVOUR
# PASS|FAIL SECONDS" line per cell, and a PASS/FAIL line named
# matrix/KERNEL/IOMMU/FLAVOUR.
#   tests/vm/matrix.sh [check|full]
#   check  (make check; sourced by tests/vm/run.sh, which boots every
#          flavour on the default kernel with VT-d): dracut shell and
#          initramfs-tools on {6.12, 7.2} x {VT-d, AMD-Vi} and on
#          6.12 x virtio-iommu
#   full   (make check-matrix): {6.1, 6.12, 7.2} x {VT-d, AMD-Vi,
#          virtio-iommu} x {dracut shell, dracut systemd, initramfs-tools,
#          mkinitcpio, vfio-claim.service}
# A kernel without virtio_iommu (6.1) on virtio-iommu must refuse the claim
# with the virtio advice and leave every device on its driver. Two QEMUs
# (and two image builds) at a time. VM_MATRIX_CELLS picks cells by hand.
if [ -z "${VM_MATRIX_IN_RUN:-}" ]; then
	set -u
	TOP=$(cd "$(dirname "$0")/../.." && pwd)
	. "$TOP/tests/lib/testlib.sh"
	. "$TOP/tests/vm/lib.sh"
	OUT=$TOP/tests/out/matrix
	rm -rf "$OUT"
	mkdir -p "$OUT"
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/vfio-claim-matrix.XXXXXX")
	mx_cleanup() {
		cp "$WORK"/*.report "$WORK"/*.console "$WORK"/*.qemu "$WORK"/*.build "$WORK"/*.retried "$OUT/" 2>/dev/null
		rm -rf "$WORK"
	}
	trap mx_cleanup EXIT
	trap 'exit 1' INT TERM
	if ! command -v "$QEMU" >/dev/null 2>&1; then
		fail matrix-qemu "$QEMU not found (tests/deps.sh installs qemu-system-x86)"
		exit 1
	fi
	if ! vm_setup "$WORK" >"$WORK/setup.build" 2>&1; then
		fail matrix-setup "kernel download or make install failed: $(tail -n 3 "$WORK/setup.build" | tr '\n' ' ')"
		exit 1
	fi
fi

mx_mode=${1:-${VM_MATRIX:-check}}
case $mx_mode in
check)
	mx_cells="6.12:intel:dshell 6.12:intel:itools 6.12:amd:dshell 6.12:amd:itools
6.12:virtio:dshell 6.12:virtio:itools
7.2:intel:dshell 7.2:intel:itools 7.2:amd:dshell 7.2:amd:itools"
	;;
full)
	mx_cells=
	for k in 6.1 6.12 7.2; do
		for io in intel amd virtio; do
			for f in dshell dsd itools mkinitcpio unit; do
				mx_cells="$mx_cells $k:$io:$f"
			done
		done
	done
	;;
*)
	echo "matrix.sh: unknown mode '$mx_mode' (check or full)" >&2
	exit 2
	;;
esac

# VM_MATRIX_CELLS="KERNEL:IOMMU:FLAVOUR ...": just those cells; T=vm:NAME
# or T=matrix:NAME: the cells NAME names (vm_wanted).
[ -n "${VM_MATRIX_CELLS:-}" ] && mx_cells=$VM_MATRIX_CELLS
mx_cells=$(for c in $mx_cells; do
	vm_wanted "matrix/$(echo "$c" | tr : /)" && echo "$c"
done)

mx_t0=$(date +%s)
mx_kernels=$(for c in $mx_cells; do echo "${c%%:*}"; done | sort -u)
# Each kernel once (kernel.sh fetches and caches it; a fresh fetch of 6.12
# and 7.2 together took 2 minutes here), all at once.
for k in $mx_kernels; do
	if ! sh "$VM_DIR/kernel.sh" "$k" >"$WORK/kernel-$k" 2>"$WORK/kernel-$k.build"; then
		: >"$WORK/kernel-$k"
	fi &
done
wait
# mx_kernel LINE: KVER, KROOT, VMLINUZ of a resolved kernel line.
mx_kernel() {
	read -r KVER KROOT <"$WORK/kernel-$1" 2>/dev/null || return 1
	[ -n "${KVER:-}" ] || return 1
	# shellcheck disable=SC2034 # vm_boot reads it
	VMLINUZ=$KROOT/boot/vmlinuz-$KVER
}
mx_img() { echo "mx-$(echo "$1" | tr . _)-$2"; }

# The images: one per kernel and flavour.
mx_build() {
	k=$1 f=$2
	n=$(mx_img "$k" "$f")
	s=$(date +%s)
	if mx_kernel "$k"; then
		case $f in
		dshell) build_dracut "$WORK/$n.img" shell ;;
		dsd) build_dracut "$WORK/$n.img" systemd ;;
		itools) build_itools "$WORK/$n.img" ;;
		mkinitcpio) build_mkinitcpio "$WORK/$n.img" ;;
		unit) build_dracut_unit "$WORK/$n.img" ;;
		esac >"$WORK/$n.build" 2>&1 || rm -f "$WORK/$n.img"
	else
		echo "kernel $k unavailable: $(tail -n 3 "$WORK/kernel-$k.build")" >"$WORK/$n.build"
	fi
	echo "built $n in $(($(date +%s) - s)) s" >>"$WORK/$n.build"
}
mx_pairs=$(for c in $mx_cells; do k=${c%%:*} f=${c##*:}; echo "$k:$f"; done | sort -u)
# shellcheck disable=SC2086 # a list of words
set -- $mx_pairs
while [ $# -gt 0 ]; do
	a=$1
	shift
	mx_build "${a%%:*}" "${a#*:}" &
	if [ $# -gt 0 ]; then
		b=$1
		shift
		mx_build "${b%%:*}" "${b#*:}" &
	fi
	wait
done
mx_t1=$(date +%s)
echo "matrix: images built in $((mx_t1 - mx_t0)) s"

mx_name() { echo "mx-$(echo "$1" | tr . _)-$2-$3"; }
mx_boot() {
	k=$1 io=$2 f=$3
	n=$(mx_name "$k" "$io" "$f")
	img=$WORK/$(mx_img "$k" "$f").img
	if [ ! -f "$img" ]; then
		echo "image $(mx_img "$k" "$f") was not built" >"$WORK/$n.qemu"
		return 1
	fi
	mx_kernel "$k" || return 1
	VM_IOMMU=$io vm_boot "$n" "$img" "vfio.devices=00:03,00:04.0"
	rc=$?
	# A guest kernel that panics before the initramfs runs (seen once under
	# TCG at a load of 20: an int3 Oops in sched_clock_cpu while the kernel
	# patched a static key) never reached our code: boot it once more, and
	# say so in the cell's line.
	# QEMU itself crashing (SIGSEGV, exit 139: seen once on 6.12 with
	# virtio-iommu, 5 s into the boot) is not the guest's doing either.
	if ! grep -q '^VMREPORT end' "$WORK/$n.report" 2>/dev/null &&
		{ [ "$rc" -gt 128 ] || { grep -q 'Kernel panic' "$WORK/$n.console" 2>/dev/null &&
			! grep -q 'vfio-claim' "$WORK/$n.console" 2>/dev/null; }; }; then
		mv "$WORK/$n.console" "$WORK/$n.panic.console"
		if [ "$rc" -gt 128 ]; then
			echo "QEMU died of signal $((rc - 128)), booted again" >"$WORK/$n.retried"
		else
			echo "early guest panic, booted again" >"$WORK/$n.retried"
		fi
		VM_IOMMU=$io vm_boot "$n" "$img" "vfio.devices=00:03,00:04.0"
		rc=$?
	fi
	return $rc
}
# shellcheck disable=SC2086 # a list of words
set -- $mx_cells
while [ $# -gt 0 ]; do
	c=$1
	shift
	mx_boot "${c%%:*}" "$(echo "$c" | cut -d: -f2)" "${c##*:}" &
	if [ $# -gt 0 ]; then
		c=$1
		shift
		mx_boot "${c%%:*}" "$(echo "$c" | cut -d: -f2)" "${c##*:}" &
	fi
	wait
done
echo "matrix: booted in $(($(date +%s) - mx_t1)) s"

# mx_check NAME KERNEL IOMMU FLAVOUR: the reasons the cell failed (empty:
# it passed), on stdout.
mx_check() {
	n=$1 k=$2 io=$3 f=$4 r=$WORK/$1.report w=
	if [ -f "$r" ]; then
		tr -d '\r' <"$r" >"$r.t" && mv "$r.t" "$r"
	fi
	if ! grep -q '^VMREPORT end' "$r" 2>/dev/null; then
		echo "no report ($(tail -n 1 "$WORK/$n.qemu" 2>/dev/null)); console: $(tail -n 3 "$WORK/$n.console" 2>/dev/null | tr -d '\r' | tr '\n' '|')"
		return
	fi
	mx_kernel "$k"
	if [ "$io" = virtio ] &&
		[ -z "$(find "$KROOT/lib/modules/$KVER" -name 'virtio-iommu.ko*' -o -name 'virtio_iommu.ko*' | head -n 1)" ]; then
		# No driver in this kernel: refused, with the advice that fits.
		want="03.0=bochs-drm 03.1=snd_hda_intel 04.0=xhci_hcd 05.0=xhci_hcd 06.0=e1000e 07.0=nvme"
		grep -q '^VMREPORT kmsg .*not claimed: has no IOMMU group: virtio-iommu is not up' "$r" ||
			w="$w no virtio-iommu refusal in dmesg;"
		rc=1
	else
		want="03.0=vfio-pci 03.1=vfio-pci 04.0=vfio-pci 05.0=xhci_hcd 06.0=e1000e 07.0=nvme"
		for a in 03.0 04.0; do
			g=$(report_group "$n" "00:$a")
			grep -qx "VMREPORT vfionode $g" "$r" || w="$w no /dev/vfio/$g for 00:$a;"
			grep -qx "VMREPORT rec 0000:00:$a group=$g" "$r" || w="$w record of 00:$a lacks group=$g;"
		done
		if [ "$io" = virtio ] && [ "$f" != unit ]; then
			# vfio-claim loaded the IOMMU driver itself, before udev.
			grep -q '^VMREPORT kmsg .*vfio-claim: loading virtio_iommu with' "$r" ||
				w="$w vfio-claim did not load virtio_iommu;"
		fi
		rc=0
	fi
	for e in $want; do
		got=$(report_driver "$n" "00:${e%%=*}")
		[ "$got" = "${e#*=}" ] || w="$w 00:${e%%=*} on ${got:-nothing}, expected ${e#*=};"
	done
	got=$(sed -n 's/^VMREPORT verify-rc //p' "$r")
	[ "$got" = "$rc" ] || w="$w vfioctl verify exit ${got:-missing}, expected $rc: $(grep '^VMREPORT verify ' "$r" | tail -n 2 | tr '\n' '|');"
	echo "$w"
}
mx_table=
for c in $mx_cells; do
	k=${c%%:*} io=$(echo "$c" | cut -d: -f2) f=${c##*:}
	n=$(mx_name "$k" "$io" "$f")
	w=$(mx_check "$n" "$k" "$io" "$f")
	t=matrix/$k/$io/$f
	if [ -z "$w" ]; then
		pass "$t"
		res=PASS
	else
		fail "$t" "$w"
		res=FAIL
	fi
	kv=$(cut -d' ' -f1 "$WORK/kernel-$k" 2>/dev/null)
	rt=
	[ -f "$WORK/$n.retried" ] && rt="; $(cat "$WORK/$n.retried")"
	mx_table="$mx_table$(printf 'CELL %-5s %-7s %-11s %s %4s s  (%s%s)' "$k" "$io" "$f" "$res" "$(boot_secs "$n")" "${kv:-no kernel}" "$rt")
"
done
printf '%s' "$mx_table"
