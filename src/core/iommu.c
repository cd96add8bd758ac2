// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <stdio.h>

#include "cmdline.h"
#include "host.h"
#include "iommu.h"
#include "log.h"

int iommu_noiommu_enabled(const struct sysfs *s)
{
	char v[8];

	if (sysfs_read(s->rootfd,
		       "module/vfio/parameters/enable_unsafe_noiommu_mode", v,
		       sizeof(v)) < 0)
		return 0;
	return v[0] == 'Y' || v[0] == 'y' || v[0] == '1';
}

static int list_dir(int dirfd, const char *path,
		    int (*fn)(const char *name, void *data), void *data)
{
	DIR *dir = sysfs_opendir(dirfd, path);
	struct dirent *de;
	int r = 0;

	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		r = fn(de->d_name, data);
		if (r)
			break;
	}
	closedir(dir);
	return r;
}

static int count_one(const char *name, void *data)
{
	(*(int *)data)++;
	return 0;
}

int iommu_present(const struct sysfs *s)
{
	int n = 0;

	list_dir(s->rootfd, "class/iommu", count_one, &n);
	return n > 0;
}

int iommu_group_for_each(const struct sysfs *s, int group,
			 int (*fn)(const char *name, void *data), void *data)
{
	char p[64];

	vc_path(p, sizeof(p), "kernel/iommu_groups/%d/devices", group);
	return list_dir(s->rootfd, p, fn, data);
}

/* "vfio" anywhere in the name; a loop, not strstr (klibc's pulls memmem). */
int iommu_is_vfio_driver(const char *drv)
{
	for (; *drv; drv++)
		if (!strncmp(drv, "vfio", 4))
			return 1;
	return 0;
}

enum group_member iommu_member(const struct vc_dev *d)
{
	if (!d->driver[0]) {
		if (iommu_is_vfio_driver(d->override) ||
		    !strcmp(d->override, "pci-stub") || pci_is_bridge(d))
			return GM_OK;
		return GM_UNBOUND;
	}
	if (iommu_is_vfio_driver(d->driver) || !strcmp(d->driver, "pci-stub") ||
	    !strcmp(d->driver, "pcieport"))
		return GM_OK;
	return GM_BLOCKS;
}

/*
 * The last "on" or "off" among the comma fields of the last name= on
 * cmdline: 1 on, -1 off, 0 neither. The kernel reads the fields in order
 * (drivers/iommu/intel/iommu.c, intel_iommu_setup: "on" clears
 * dmar_disabled, "off" sets it; amd_iommu= and iommu= have "off" only).
 */
static int option_state(const char *cmdline, const char *name)
{
	char v[64], *p, *tok;
	int st = 0;

	if (!cmdline || cmdline_get_last(cmdline, name, v, sizeof(v)) != 1)
		return 0;
	for (p = v; (tok = p); p = p ? p + 1 : NULL) {
		p = strchr(tok, ',');
		if (p)
			*p = '\0';
		if (!strcmp(tok, "off"))
			st = -1;
		else if (!strcmp(tok, "on"))
			st = 1;
	}
	return st;
}

static int acpi_table(const struct sysfs *s, const char *sig)
{
	char p[64];

	vc_path(p, sizeof(p), "firmware/acpi/tables/%s", sig);
	return sysfs_exists(s->rootfd, p);
}

/*
 * The fix when the firmware describes VT-d (ACPI DMAR). intel_iommu=on
 * already there and still no IOMMU: the kernel tried and failed (a DMAR
 * table it rejects, VT-d half-enabled in the firmware, a kernel without
 * CONFIG_INTEL_IOMMU): its DMAR lines in dmesg say which.
 */
static const char *vtd_fix(const struct sysfs *s, const char *cmdline)
{
	if (option_state(cmdline, "intel_iommu") <= 0)
		return "VT-d is off: add intel_iommu=on";
	if (s->host & HOST_GUEST)
		return "intel_iommu=on is set, yet no IOMMU came up: see "
		       "'dmesg | grep -i DMAR' and the VM's virtual IOMMU";
	return "intel_iommu=on is set, yet no IOMMU came up: check VT-d in "
	       "the firmware setup, and 'dmesg | grep -i DMAR' for errors";
}

void iommu_advice(const struct sysfs *s, const char *cmdline, char *buf,
		  size_t size)
{
	const char *off =
		option_state(cmdline, "iommu") < 0	   ? "iommu=off"
		: option_state(cmdline, "intel_iommu") < 0 ? "intel_iommu=off"
		: option_state(cmdline, "amd_iommu") < 0   ? "amd_iommu=off"
							   : NULL;
	int nomod = s->host & HOST_NOMODULES;
	const char *fix;

	if (off)
		fix = acpi_table(s, "DMAR") ? "; remove it, add intel_iommu=on"
					    : "; remove it";
	else if (acpi_table(s, "DMAR"))
		fix = vtd_fix(s, cmdline);
	else if (acpi_table(s, "IVRS"))
		fix = "AMD-Vi did not start: see 'dmesg | grep AMD-Vi'";
	else if (acpi_table(s, "VIOT"))
		fix = nomod ? "virtio-iommu is not up: this kernel loads no "
			      "modules, it needs CONFIG_VIRTIO_IOMMU=y"
			    : "virtio-iommu is not up: put virtio_iommu in the "
			      "initramfs";
	else if (acpi_table(s, "IORT"))
		fix = nomod ? "no SMMU: enable it in the firmware; this kernel "
			      "loads no modules, it needs CONFIG_ARM_SMMU_V3=y"
			    : "no SMMU: enable it in the firmware, put "
			      "arm_smmu_v3 in the initramfs";
	else if (s->host & HOST_GUEST)
		/* No firmware setup to change: the hypervisor gives one. */
		fix = "a VM guest without a virtual IOMMU: add one (QEMU "
		      "-device intel-iommu, amd-iommu or virtio-iommu-pci, "
		      "or the hypervisor's vIOMMU option)";
	else
		fix = "the firmware shows none: enable VT-d or AMD-Vi (IOMMU) "
		      "in its setup";
	snprintf(buf, size, "%s%s%s", off ? off : "",
		 off ? " is on the kernel command line" : "", fix);
}

/* A top-level devicetree node of an SMMUv3 (QEMU virt: /smmuv3@...). */
static int dt_smmu_one(const char *name, void *data)
{
	const struct sysfs *s = data;
	char p[160], buf[256];
	int n, i;

	if (strncmp(name, "smmu", 4) && strncmp(name, "iommu", 5))
		return 0;
	vc_path(p, sizeof(p), "firmware/devicetree/base/%s/compatible", name);
	n = sysfs_read_bin(s->rootfd, p, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* compatible is a list of NUL-terminated strings. */
	for (i = 0; i < n; i += (int)strlen(buf + i) + 1)
		if (!strcmp(buf + i, "arm,smmu-v3"))
			return 1;
	return 0;
}

const char *iommu_module(const struct sysfs *s)
{
	if (acpi_table(s, "VIOT"))
		return "virtio_iommu";
	if (acpi_table(s, "IORT") ||
	    list_dir(s->rootfd, "firmware/devicetree/base", dt_smmu_one,
		     (void *)s) == 1)
		return "arm_smmu_v3";
	return NULL; /* VT-d and AMD-Vi are built in */
}

enum iommu_state iommu_state(const struct sysfs *s)
{
	if (iommu_present(s))
		return IOMMU_ON;
	/* A kernel that loads no modules has no driver to load later. */
	if (s->host & HOST_NOMODULES)
		return IOMMU_OFF;
	return iommu_module(s) ? IOMMU_PENDING : IOMMU_OFF;
}

int iommu_absent(const struct sysfs *s, int dry_run)
{
	enum iommu_state st = iommu_state(s);

	/*
	 * A registered IOMMU that has not grouped a device yet groups it
	 * when a driver binds (virtio-iommu with ACPI VIOT: drivers/acpi/
	 * viot.c configures a device's DMA at probe, and defers the probe
	 * while the IOMMU is not registered). One that is described but not
	 * loaded was loaded before the plan; a dry run loads nothing, so it
	 * plans the claim the real run makes.
	 */
	return !(st == IOMMU_ON || (st == IOMMU_PENDING && dry_run));
}

int iommu_ungrouped(const struct sysfs *s, const char *name)
{
	/*
	 * VT-d and AMD-Vi group every device they translate when they
	 * register (drivers/iommu/iommu.c: iommu_device_register ->
	 * bus_iommu_probe -> __iommu_probe_device; later ones at
	 * BUS_NOTIFY_ADD_DEVICE): one left with no iommu_group link was
	 * declined by the driver's probe_device (AMD-Vi's own PCI function,
	 * a root complex out of IVRS) and never gets one, and vfio-pci's
	 * probe fails without one (drivers/vfio/group.c,
	 * vfio_device_set_group). Firmware-described ones (VIOT, IORT,
	 * devicetree) may group a device only at its driver's probe, in
	 * dma_configure (kernels before 6.15's "iommu: Get DT/ACPI parsing
	 * into the proper probe path").
	 */
	return iommu_present(s) && !iommu_module(s) &&
	       iommu_group_of(s, name) == -ENOENT;
}

int iommu_load_driver(const struct sysfs *s,
		      int (*load)(void *data, const char *module), void *data)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	const char *mod;
	int i;

	if (iommu_state(s) != IOMMU_PENDING)
		return 0;
	mod = iommu_module(s);
	if (load(data, mod))
		return -EIO;
	/* Its probe registers the IOMMU; allow it a second. */
	for (i = 0; i < 100 && !iommu_present(s); i++)
		nanosleep(&tick, NULL);
	if (!iommu_present(s)) {
		vc_warn("%s loaded, but no IOMMU registered after 1 s", mod);
		return -ENODEV;
	}
	vc_info("%s: IOMMU registered", mod);
	return 0;
}
