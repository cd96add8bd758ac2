#!/bin/sh
# Test-only /init of the arm64 image (tests/arm64/run.sh packs it with an
# arm64 busybox, the cross-built static vfio-claim and the kernel's
# modules): mount the API filesystems, run vfio-claim before any PCI driver
# loads (as the hooks do before udev), then load every PCI driver the
# modaliases ask for (udev's coldplug), and report on the console:
#   A64REPORT dev ADDR VVVV:DDDD DRIVER GROUP
#   A64REPORT iommu NAME            /sys/class/iommu entries
#   A64REPORT vfionode NAME
#   A64REPORT claim-rc N
#   A64REPORT kmsg LINE             dmesg lines that mention vfio-claim
#   A64REPORT end
/bin/busybox --install -s /bin
PATH=/bin:/sbin
export PATH
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /run
mount -t tmpfs run /run
/sbin/vfio-claim
rc=$?
for d in /sys/bus/pci/devices/*; do
	read -r alias <"$d/modalias"
	modprobe -q "$alias" 2>/dev/null
done
sleep 2
{
	for d in /sys/bus/pci/devices/*; do
		read -r v <"$d/vendor"
		read -r dv <"$d/device"
		drv=none
		[ -e "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
		grp=-
		[ -e "$d/iommu_group" ] && grp=$(basename "$(readlink "$d/iommu_group")")
		echo "A64REPORT dev ${d##*/} ${v#0x}:${dv#0x} $drv $grp"
	done
	for i in /sys/class/iommu/*; do
		[ -e "$i" ] && echo "A64REPORT iommu ${i##*/}"
	done
	for n in /dev/vfio/*; do
		[ -e "$n" ] && echo "A64REPORT vfionode ${n##*/}"
	done
	echo "A64REPORT claim-rc $rc"
	dmesg | grep vfio-claim | while read -r l; do echo "A64REPORT kmsg $l"; done
	echo "A64REPORT end"
} >/dev/console 2>&1
echo o >/proc/sysrq-trigger
sleep 30
