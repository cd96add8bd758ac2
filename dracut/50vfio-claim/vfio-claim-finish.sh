#!/bin/sh
# dracut pre-pivot hook (also from dracut-pre-pivot.service): wait for the
# claim that the pre-udev hook left running in the background (at most
# vfio-claim's --wait + 5 s), so that nothing of it is left when the
# initramfs hands over.
if [ -x /usr/sbin/vfio-claim ]; then
    /usr/sbin/vfio-claim --finish || :
fi
