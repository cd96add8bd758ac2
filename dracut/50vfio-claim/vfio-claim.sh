#!/bin/sh
# dracut pre-udev hook (sourced by dracut, also from dracut-pre-udev.service):
# claim the devices named by vfio.devices= or /etc/vfio-claim.conf before
# udev starts. vfio-claim returns once their overrides are written
# (--background): a worker waits for vfio-pci, unbinds and probes and logs
# the final drivers to kmsg, while udev runs; the pre-pivot hook
# (vfio-claim-finish.sh) waits for it. Whatever it reports, the boot goes
# on. An image built without vfio-claim (module-setup.sh) says why in the
# kernel log.
if [ -x /usr/sbin/vfio-claim ]; then
    /usr/sbin/vfio-claim --background || :
elif [ -f /usr/lib/vfio-claim/absent ]; then
    read -r vfio_claim_why < /usr/lib/vfio-claim/absent
    echo "vfio-claim: not in this initramfs: $vfio_claim_why; no device is claimed for vfio-pci" > /dev/kmsg 2> /dev/null || :
    unset vfio_claim_why
fi
