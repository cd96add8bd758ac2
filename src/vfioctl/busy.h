/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vfioctl: is the running host using a PCI device? (busy.c) */
#ifndef VC_VFIOCTL_BUSY_H
#define VC_VFIOCTL_BUSY_H

#include "vfioctl.h"

/*
 * 1 when the host uses d (a mounted, swap or dm/md-held disk below it, an
 * interface below it that is up with an address, or the console on it as
 * the boot display); why gets what uses it, e.g. "nvme0n1p2 is mounted on
 * /". 0 when nothing was found.
 */
int vctl_host_uses(const struct vctl *c, const struct vc_dev *d, char *why,
		   size_t size);

/*
 * Only the boot display test of vctl_host_uses: 1 when d is the boot
 * display and the console is on it (why: which console, which
 * framebuffer). verify warns with it.
 */
int vctl_display_used(const struct vctl *c, const struct vc_dev *d, char *why,
		      size_t size);

#endif
