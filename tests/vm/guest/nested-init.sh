#!/bin/sh
# Test-only /init of the inner guest (a busybox initrd that tests/vm/nested.sh
# packs with the xhci modules): loads them in order, waits for the USB
# keyboard behind the passed controller, reports "INNER ..." lines on the
# console, powers off.
#   INNER dev ADDR VVVV:DDDD DRIVER      every PCI function
#   INNER usb NAME PRODUCT               every USB device that has a product
#   INNER irq LINE                       /proc/interrupts lines of xhci_hcd
#   INNER end
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
while read -r m; do
	insmod "/lib/modules/$m" || echo "INNER insmod-failed $m"
done </lib/modules/order
i=0
while [ $i -lt 60 ] && ! grep -qs Keyboard /sys/bus/usb/devices/*/product; do
	sleep 1
	i=$((i + 1))
done
for d in /sys/bus/pci/devices/*; do
	drv=none
	[ -e "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
	read -r v <"$d/vendor"
	read -r dv <"$d/device"
	echo "INNER dev ${d##*/} ${v#0x}:${dv#0x} $drv"
done
for p in /sys/bus/usb/devices/*/product; do
	[ -f "$p" ] || continue
	d=${p%/product}
	echo "INNER usb ${d##*/} $(cat "$p")"
done
grep xhci /proc/interrupts | while read -r l; do echo "INNER irq $l"; done
echo "INNER end"
echo o >/proc/sysrq-trigger
sleep 30
