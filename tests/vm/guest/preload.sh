#!/bin/sh
# Test-only: with vfiotest.preload=MODULE on the command line, load that
# driver before vfio-claim runs (as if it were built in) and record which
# driver each PCI device has at that point.
read -r cmdline </proc/cmdline
for w in $cmdline; do
	case $w in
	vfiotest.preload=*)
		m=${w#vfiotest.preload=}
		modprobe "$m"
		for d in /sys/bus/pci/devices/*; do
			[ -e "$d/driver" ] || continue
			drv=$(readlink "$d/driver")
			echo "${d##*/} ${drv##*/}"
		done >/run/vfio-test-preload
		;;
	esac
done
