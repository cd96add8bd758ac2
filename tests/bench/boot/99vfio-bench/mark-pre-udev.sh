#!/bin/sh
# The first pre-udev hook (00-mark sorts before 00-shell-peer and
# 00-vfio-claim): where dracut hands over to the reserving step.
echo "vfio-bench: mark pre-udev" >/dev/kmsg
