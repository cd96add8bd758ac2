// SPDX-License-Identifier: GPL-2.0-or-later
/* pci_host_role: which group members the advice must never hand to vfio. */
#include <string.h>

#include "pci.h"
#include "unit.h"

static struct vc_dev dev(unsigned int cls, int boot_vga)
{
	struct vc_dev d;

	memset(&d, 0, sizeof(d));
	d.class = cls;
	d.boot_vga = boot_vga;
	return d;
}

void test_hostrole(void)
{
	struct vc_dev d;

	t_begin("hostrole/storage");
	d = dev(0x010802, -1); /* NVMe */
	T_INT(pci_host_role(&d), ROLE_STORAGE);
	d = dev(0x010601, 0); /* AHCI */
	T_INT(pci_host_role(&d), ROLE_STORAGE);
	d = dev(0x010400, 0); /* RAID */
	T_INT(pci_host_role(&d), ROLE_STORAGE);
	T_STR(pci_role_name(ROLE_STORAGE), "storage controller");
	t_end();

	t_begin("hostrole/network");
	d = dev(0x020000, -1); /* Ethernet */
	T_INT(pci_host_role(&d), ROLE_NETWORK);
	d = dev(0x028000, 0); /* Wi-Fi */
	T_INT(pci_host_role(&d), ROLE_NETWORK);
	T_STR(pci_role_name(ROLE_NETWORK), "network controller");
	t_end();

	t_begin("hostrole/boot-display");
	d = dev(0x030000, 1);
	T_INT(pci_host_role(&d), ROLE_DISPLAY);
	d = dev(0x030200, 1); /* 3D controller as the boot display */
	T_INT(pci_host_role(&d), ROLE_DISPLAY);
	/* A second GPU, not the one the firmware drew the console on. */
	d = dev(0x030000, 0);
	T_INT(pci_host_role(&d), ROLE_NONE);
	d = dev(0x030000, -1);
	T_INT(pci_host_role(&d), ROLE_NONE);
	T_STR(pci_role_name(ROLE_DISPLAY), "boot display");
	t_end();

	t_begin("hostrole/others-are-not-host-critical");
	d = dev(0x040300, 0); /* HD audio */
	T_INT(pci_host_role(&d), ROLE_NONE);
	d = dev(0x0c0330, 0); /* xHCI */
	T_INT(pci_host_role(&d), ROLE_NONE);
	d = dev(0x000000, 0);
	T_INT(pci_host_role(&d), ROLE_NONE);
	t_end();
}
