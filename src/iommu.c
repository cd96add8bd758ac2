// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iommu.h"

int iommu_group_of(const struct sysfs *s, const char *name)
{
	char p[128], grp[32], *end;
	long n;
	int r;

	vc_path(p, sizeof(p), "%s/iommu_group", name);
	r = sysfs_link_name(s->devfd, p, grp, sizeof(grp));
	if (r < 0)
		return r;
	n = strtol(grp, &end, 10);
	if (*end || end == grp || n < 0 || n > 0x7fffffff)
		return -EINVAL;
	return (int)n;
}

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

enum iommu_family iommu_family(const struct sysfs *s)
{
	unsigned long v = 0;

	if (sysfs_exists(s->rootfd, "firmware/acpi/tables/VIOT"))
		return IOMMU_VIRTIO;
	if (sysfs_exists(s->rootfd, "firmware/acpi/tables/IORT") ||
	    list_dir(s->rootfd, "firmware/devicetree/base", dt_smmu_one,
		     (void *)s) == 1)
		return IOMMU_SMMU;
	if (sysfs_exists(s->rootfd, "firmware/acpi/tables/DMAR"))
		return IOMMU_VTD;
	if (sysfs_exists(s->rootfd, "firmware/acpi/tables/IVRS"))
		return IOMMU_AMDVI;
	/* No table: the firmware has the IOMMU off; the host bridge tells. */
	if (sysfs_read_hex(s->devfd, "0000:00:00.0/vendor", &v) == 0) {
		if (v == 0x8086)
			return IOMMU_VTD;
		if (v == 0x1022)
			return IOMMU_AMDVI;
	}
	return IOMMU_UNKNOWN;
}

const char *iommu_module(enum iommu_family f)
{
	switch (f) {
	case IOMMU_VIRTIO:
		return "virtio_iommu";
	case IOMMU_SMMU:
		return "arm_smmu_v3";
	default:
		return NULL; /* VT-d and AMD-Vi are built in */
	}
}

const char *iommu_advice(enum iommu_family f)
{
	switch (f) {
	case IOMMU_VTD:
		return "no IOMMU is registered: add intel_iommu=on to the "
		       "kernel command line and enable VT-d in the firmware "
		       "setup";
	case IOMMU_AMDVI:
		return "no IOMMU is registered: enable the IOMMU (AMD-Vi) in "
		       "the firmware setup, and drop amd_iommu=off or "
		       "iommu=off if the command line has them";
	case IOMMU_VIRTIO:
		return "the firmware describes a virtio-iommu (ACPI VIOT) but "
		       "none is registered: put the virtio_iommu module in "
		       "the initramfs";
	case IOMMU_SMMU:
		return "no SMMU is registered: enable the SMMU in the firmware "
		       "(ACPI IORT) and put arm_smmu_v3 in the initramfs";
	default:
		return "no IOMMU is registered: enable the IOMMU in the "
		       "firmware setup (Intel VT-d also needs intel_iommu=on)";
	}
}

enum iommu_state iommu_state(const struct sysfs *s)
{
	if (iommu_present(s))
		return IOMMU_ON;
	return iommu_module(iommu_family(s)) ? IOMMU_PENDING : IOMMU_OFF;
}

int iommu_refuses(const struct sysfs *s, int dry_run, char *why, size_t size)
{
	enum iommu_state st = iommu_state(s);

	/*
	 * A registered IOMMU that has not grouped the device yet groups it
	 * when a driver binds (virtio-iommu with ACPI VIOT: the kernel
	 * configures a device's DMA at probe time). One that is described
	 * but not loaded is loaded before the plan; a dry run writes and
	 * loads nothing, so it plans the claim as the real run would.
	 */
	if (st == IOMMU_ON || (st == IOMMU_PENDING && dry_run))
		return 0;
	vc_path(why, size, "has no IOMMU group: %s",
		iommu_advice(iommu_family(s)));
	return 1;
}
