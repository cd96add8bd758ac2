# shellcheck shell=sh
# Sourced by tests/vfioctl/run.sh. The core's IOMMU advice as vfioctl
# renders it (issue 17, defects 3 and 9): the same words as vfio-claim's
# refusal (tests/fixtures: no-iommu-advice*). Uses its check, $OUT/fx.
# shellcheck disable=SC2317 # called through check
v() {
	r=$1
	shift
	"$X" --root "$F/$r" "$@"
}

# core_advice X SUFFIX
core_advice() {
	X=$1 s=$2
	F=$OUT/fx
	# Defect 3: VT-d described (ACPI DMAR), intel_iommu=on already
	# there, no IOMMU: adding the option again cannot help.
	if [ ! -d "$F/noiommu-dmar" ]; then
		cp -a "$F/noiommu" "$F/noiommu-dmar"
		mkdir -p "$F/noiommu-dmar/sys/firmware/acpi/tables"
		: >"$F/noiommu-dmar/sys/firmware/acpi/tables/DMAR"
	fi
	check "verify-no-iommu-vtd-option-already-on$s" 1 \
		"fix: intel_iommu=on is set, yet no IOMMU came up: check VT-d in the firmware setup, and 'dmesg | grep -i DMAR' for errors" \
		v noiommu-dmar --cmdline "quiet intel_iommu=on vfio.devices=0b:00.0" verify
	check "verify-no-iommu-vtd-option-missing$s" 1 \
		"fix: VT-d is off: add intel_iommu=on" \
		v noiommu-dmar --cmdline "vfio.devices=0b:00.0" verify
	# Defect 9: a VM guest (proc/cpuinfo's hypervisor flag) has no
	# firmware setup of its own to change.
	if [ ! -d "$F/noiommu-guest" ]; then
		cp -a "$F/noiommu" "$F/noiommu-guest"
		printf 'processor\t: 0\nflags\t\t: fpu vme de pse tsc msr hypervisor lahf_lm\n\n' \
			>"$F/noiommu-guest/proc/cpuinfo"
	fi
	check "verify-no-iommu-guest$s" 1 \
		"fix: a VM guest without a virtual IOMMU: add one (QEMU -device intel-iommu, amd-iommu or virtio-iommu-pci, or the hypervisor's vIOMMU option)" \
		v noiommu-guest verify
	check_not "verify-no-iommu-guest-no-firmware-advice$s" "firmware|VT-d" \
		v noiommu-guest verify
	check "groups-no-iommu-guest$s" 0 \
		"no IOMMU groups: a VM guest without a virtual IOMMU: add one" \
		v noiommu-guest groups
	# A kernel with no module directory is told what to build in, not
	# to put a module in the initramfs.
	if [ -d "$F/noiommu-viot" ]; then
		check "verify-no-iommu-virtio-no-modules$s" 1 \
			"fix: virtio-iommu is not up: this kernel loads no modules, it needs CONFIG_VIRTIO_IOMMU=y" \
			v noiommu-viot --modules-dir "$F/noiommu-viot/no-such-moddir" verify
	fi
}
