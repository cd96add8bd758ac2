/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfioctl's host-use test, private to its parts: busy.c (block devices,
 * the boot display, vctl_host_uses()) and busy-net.c (network
 * interfaces).
 */
#ifndef VC_VFIOCTL_BUSY_INT_H
#define VC_VFIOCTL_BUSY_INT_H

#include <stddef.h>

#include "vfioctl.h"

/* root/rel resolved, into buf (PATH_MAX). 0 or -1. */
int busy_resolve(const char *root, const char *rel, char *buf);

/* path is dir itself or below it. */
int busy_below(const char *path, const char *dir);

/*
 * 1 when an interface below devdir (its sysfs directory, resolved) is up
 * and has an address or carries a default route, itself or through its
 * bridge or bond; why gets which and what. busy-net.c.
 */
int busy_net(const struct vctl *c, const char *devdir, char *why, size_t size);

#endif
