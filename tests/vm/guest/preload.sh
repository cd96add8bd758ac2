#!/bin/sh
# Test-only: with vfiotest.preload=MODULE on the command line, load that
# driver before vfio-claim runs (as if it were built in) and record which
# driver each PCI device has at that point. vfiotest.hangvfio=1: modprobe
# vfio-pci hangs for 60 s (an install command), so vfio-claim's --wait
# runs out.
read -r cmdline </proc/cmdline
for w in $cmdline; do
	case $w in
	vfiotest.hangvfio=1)
		mkdir -p /etc/modprobe.d
		echo "install vfio_pci sleep 60" >/etc/modprobe.d/vfio-test-hang.conf
		;;
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
