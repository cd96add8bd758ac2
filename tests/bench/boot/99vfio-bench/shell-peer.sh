#!/bin/sh
# The shell peer: a pre-udev hook the way guides describe it. Every named
# device gets vfio-pci in driver_override, vfio-pci is loaded, then each
# device is unbound from whatever driver it has and probed again.
DEVS="0000:00:03.0 0000:00:03.1 0000:00:04.0"
for dev in $DEVS; do
	echo vfio-pci >"/sys/bus/pci/devices/$dev/driver_override"
done
modprobe -i vfio-pci
for dev in $DEVS; do
	if [ -e "/sys/bus/pci/devices/$dev/driver" ]; then
		echo "$dev" >"/sys/bus/pci/devices/$dev/driver/unbind"
	fi
	echo "$dev" >/sys/bus/pci/drivers_probe
done
