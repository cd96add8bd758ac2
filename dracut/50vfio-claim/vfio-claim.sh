#!/bin/sh
# dracut pre-udev hook (sourced by dracut, also from dracut-pre-udev.service):
# claim the devices named by vfio.devices= or /etc/vfio-claim.conf before
# udev starts. vfio-claim loads vfio-pci and logs the final drivers to kmsg
# itself; whatever it reports, the boot goes on.
if [ -x /usr/sbin/vfio-claim ]; then
    /usr/sbin/vfio-claim || :
fi
