// SPDX-License-Identifier: GPL-2.0-or-later
#include "hostrole.h"

int pci_read_boot_vga(const struct sysfs *s, const char *name)
{
	char p[128];
	long v;

	if (vc_path(p, sizeof(p), "%s/boot_vga", name) < 0 ||
	    sysfs_read_int(s->devfd, p, &v))
		return -1;
	return v == 1;
}

enum host_role pci_host_role(const struct pci_dev *d, int boot_vga)
{
	unsigned int base = (d->class >> 16) & 0xff;

	if (boot_vga == 1)
		return HOST_ROLE_DISPLAY;
	if (base == 0x01)
		return HOST_ROLE_STORAGE;
	if (base == 0x02)
		return HOST_ROLE_NETWORK;
	return HOST_ROLE_NONE;
}

const char *host_role_name(enum host_role r)
{
	switch (r) {
	case HOST_ROLE_STORAGE:
		return "storage controller";
	case HOST_ROLE_DISPLAY:
		return "boot display";
	case HOST_ROLE_NETWORK:
		return "network controller";
	default:
		return "";
	}
}

const char *host_role_advice(enum host_role r)
{
	if (r == HOST_ROLE_NONE)
		return "";
	/*
	 * The group is the kernel's (drivers/iommu/iommu.c): devices share
	 * one when no ACS isolates them. Only another slot, or ACS, splits
	 * it; claiming the host's own device too takes its disk, console or
	 * network away.
	 */
	return "do not give it to vfio-pci: the host needs it; move the card "
	       "to a slot in another IOMMU group (often one wired to the "
	       "CPU), or enable ACS in the BIOS/firmware (an option named "
	       "ACS or 'ACS Enable' on many boards) and check "
	       "'vfioctl groups' again";
}
