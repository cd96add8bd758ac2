// SPDX-License-Identifier: GPL-2.0-or-later
/* pci_host_role: which group members the advice must never hand to vfio. */
#include <string.h>

#include "hostrole.h"
#include "unit.h"

static struct pci_dev dev(unsigned int cls)
{
	struct pci_dev d;

	memset(&d, 0, sizeof(d));
	d.class = cls;
	return d;
}

void test_hostrole(void)
{
	struct pci_dev d;

	t_begin("hostrole/storage");
	d = dev(0x010802); /* NVMe */
	T_INT(pci_host_role(&d, -1), HOST_ROLE_STORAGE);
	d = dev(0x010601); /* AHCI */
	T_INT(pci_host_role(&d, 0), HOST_ROLE_STORAGE);
	d = dev(0x010400); /* RAID */
	T_INT(pci_host_role(&d, 0), HOST_ROLE_STORAGE);
	T_STR(host_role_name(HOST_ROLE_STORAGE), "storage controller");
	t_end();

	t_begin("hostrole/network");
	d = dev(0x020000); /* Ethernet */
	T_INT(pci_host_role(&d, -1), HOST_ROLE_NETWORK);
	d = dev(0x028000); /* Wi-Fi */
	T_INT(pci_host_role(&d, 0), HOST_ROLE_NETWORK);
	t_end();

	t_begin("hostrole/boot-display");
	d = dev(0x030000);
	T_INT(pci_host_role(&d, 1), HOST_ROLE_DISPLAY);
	/* A second GPU, not the one the firmware drew the console on. */
	T_INT(pci_host_role(&d, 0), HOST_ROLE_NONE);
	T_INT(pci_host_role(&d, -1), HOST_ROLE_NONE);
	T_STR(host_role_name(HOST_ROLE_DISPLAY), "boot display");
	t_end();

	t_begin("hostrole/others-are-not-host-critical");
	d = dev(0x040300); /* HD audio */
	T_INT(pci_host_role(&d, 0), HOST_ROLE_NONE);
	d = dev(0x0c0330); /* xHCI */
	T_INT(pci_host_role(&d, 0), HOST_ROLE_NONE);
	d = dev(0x000000);
	T_INT(pci_host_role(&d, 0), HOST_ROLE_NONE);
	T_STR(host_role_name(HOST_ROLE_NONE), "");
	T_STR(host_role_advice(HOST_ROLE_NONE), "");
	t_end();

	t_begin("hostrole/advice-never-says-claim-it");
	{
		const char *a = host_role_advice(HOST_ROLE_STORAGE);

		T_TRUE(strstr(a, "another") != NULL);
		T_TRUE(strstr(a, "ACS") != NULL);
		T_TRUE(strstr(a, "vfio.devices=") == NULL);
		T_TRUE(strstr(a, "vfioctl bind") == NULL);
	}
	t_end();
}
