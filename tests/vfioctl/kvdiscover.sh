#!/bin/sh
# kvdiscover.sh ROOT YAML: what KubeVirt's own PCI device plugin would
# offer on the fake host ROOT (ROOT/sys, ROOT/dev) for the
# permittedHostDevices in YAML (vfioctl kubevirt's output): one line
# "RESOURCE ADDRESS GROUP" per device offered, sorted.
#
# Written from kubevirt/kubevirt (read, not copied):
# - device_controller.go (updatePermittedHostDevicePlugins): each
#   pciHostDevices entry maps strings.ToLower(pciVendorSelector) to its
#   resourceName;
# - pci_device.go (discoverPermittedHostPCIDevices): it walks
#   /sys/bus/pci/devices (filepath.Walk, by name); PCI_ID= of the uevent,
#   lowercased (common.go GetDevicePCIID), must be a key; the basename of
#   the driver link must be exactly "vfio-pci" (a device with no driver is
#   skipped; a non-vfio-pci driver only for NVIDIA vGPU, which none of
#   ours is); the basename of the iommu_group link is its group (none:
#   skipped);
# - constructDPIdevices: the device's ID is its group number, and
#   iommuToPCIMap[group] keeps the LAST address walked: one device per
#   group and resource;
# - healthCheck: a device whose /dev/vfio/GROUP is missing is unhealthy,
#   so not offered.
# It also refuses what the kubelet would: a resourceName that is no
# extended resource name (prefix a DNS subdomain outside kubernetes.io,
# name at most 63 of [A-Za-z0-9._-], alphanumeric at both ends), and a
# selector that is not VVVV:DDDD.
set -u
root=$1 yaml=$2
awk '
	/pciVendorSelector:/ { s = $NF; gsub(/"/, "", s) }
	/resourceName:/ { r = $NF; gsub(/"/, "", r); print tolower(s), r }
' "$yaml" >"$yaml.map"
bad=0
while read -r sel res; do
	case $sel in
	[0-9a-f][0-9a-f][0-9a-f][0-9a-f]:[0-9a-f][0-9a-f][0-9a-f][0-9a-f]) ;;
	*) echo "kvdiscover: pciVendorSelector '$sel' is not VVVV:DDDD" >&2; bad=1 ;;
	esac
	p=${res%%/*} n=${res#*/}
	if [ "$p" = "$res" ] ||
		! printf '%s\n' "$p" | grep -Eq '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$' ||
		[ ${#p} -gt 253 ] || [ "$p" = kubernetes.io ] ||
		case $p in *.kubernetes.io) true ;; *) false ;; esac ||
		[ ${#n} -gt 63 ] ||
		! printf '%s\n' "$n" | grep -Eq '^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$'; then
		echo "kvdiscover: resourceName '$res' is no extended resource name" >&2
		bad=1
	fi
done <"$yaml.map"
[ "$bad" = 0 ] || exit 1
for d in "$root"/sys/bus/pci/devices/*; do
	[ -e "$d/uevent" ] || continue
	id=$(sed -n 's/^PCI_ID=//p' "$d/uevent" | tr 'A-F' 'a-f')
	res=$(awk -v id="$id" '$1 == id { r = $2 } END { print r }' "$yaml.map")
	[ -n "$res" ] || continue
	drv=$(readlink "$d/driver") || continue
	[ "${drv##*/}" = vfio-pci ] || continue
	grp=$(readlink "$d/iommu_group") || continue
	echo "$res ${d##*/} ${grp##*/}"
done | awk -v dev="$root/dev/vfio" '
	# The last address walked wins its group, per resource.
	{ last[$1 " " $3] = $2 }
	END {
		for (k in last) {
			split(k, a, " ")
			f = dev "/" a[2]
			if (system("test -e \"" f "\"") != 0) continue
			print a[1], last[k], a[2]
		}
	}' | sort
