/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Is a PCI function one the running host needs: its storage, its boot
 * display or its network? Advice about an IOMMU group never tells the user
 * to hand such a device to vfio-pci too (the disk, console or network
 * would go with it): it says what helps instead. klibc-clean: string.h
 * and our sysfs reader only.
 */
#ifndef VC_HOSTROLE_H
#define VC_HOSTROLE_H

#include "pci.h"

enum host_role {
	HOST_ROLE_NONE,
	HOST_ROLE_STORAGE, /* class 0x01: disks behind it */
	HOST_ROLE_DISPLAY, /* boot_vga = 1: the console */
	HOST_ROLE_NETWORK, /* class 0x02 */
};

/*
 * The role of d. boot_vga: its boot_vga attribute (1, else 0 or -1 when
 * missing). The boot display wins over the class.
 */
enum host_role pci_host_role(const struct pci_dev *d, int boot_vga);

/*
 * The boot_vga attribute of the device called name: 1 (the firmware's
 * console display), 0, or -1 when it has none (not a VGA device).
 */
int pci_read_boot_vga(const struct sysfs *s, const char *name);

/* "storage controller", "boot display", "network controller", or "". */
const char *host_role_name(enum host_role r);

/*
 * The fix to give when a group member with role r (not HOST_ROLE_NONE)
 * keeps the group from being viable: never "claim it too".
 */
const char *host_role_advice(enum host_role r);

#endif
