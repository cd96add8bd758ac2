// SPDX-License-Identifier: GPL-2.0-or-later
/* pci_host_role: which group members the advice must never hand to vfio. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

	t_begin("hostrole/read-boot-vga");
	{
		char dir[] = "/tmp/vfio-claim-unit-bootvga.XXXXXX", p[256];
		struct sysfs s;
		FILE *f;

		T_TRUE(mkdtemp(dir) != NULL);
		snprintf(p, sizeof(p), "%s/bus", dir);
		mkdir(p, 0755);
		snprintf(p, sizeof(p), "%s/bus/pci", dir);
		mkdir(p, 0755);
		snprintf(p, sizeof(p), "%s/bus/pci/devices", dir);
		mkdir(p, 0755);
		snprintf(p, sizeof(p), "%s/bus/pci/devices/0000:01:00.0", dir);
		mkdir(p, 0755);
		snprintf(p, sizeof(p), "%s/bus/pci/devices/0000:02:00.0", dir);
		mkdir(p, 0755);
		snprintf(p, sizeof(p),
			 "%s/bus/pci/devices/0000:01:00.0/boot_vga", dir);
		f = fopen(p, "w");
		if (f) {
			fputs("1\n", f);
			fclose(f);
		}
		T_INT(sysfs_open(&s, dir), 0);
		T_INT(pci_read_boot_vga(&s, "0000:01:00.0"), 1);
		T_INT(pci_read_boot_vga(&s, "0000:02:00.0"), -1);
		sysfs_close(&s);
		unlink(p);
		snprintf(p, sizeof(p), "rm -rf '%s'", dir);
		T_INT(system(p), 0);
	}
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
