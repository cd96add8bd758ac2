#!/bin/sh
echo "vfio-bench: mark cmdline" >/dev/kmsg
