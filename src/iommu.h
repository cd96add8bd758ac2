/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IOMMU groups and the host's IOMMU state. */
#ifndef VC_IOMMU_H
#define VC_IOMMU_H

#include "sysfs.h"

/* IOMMU group number of a device, or -ENOENT when it has none. */
int iommu_group_of(const struct sysfs *s, const char *name);

/* 1 when vfio's unsafe no-IOMMU mode is enabled. */
int iommu_noiommu_enabled(const struct sysfs *s);

/* 1 when an IOMMU is registered in class/iommu (DMAR, AMD-Vi, ...). */
int iommu_present(const struct sysfs *s);

/*
 * Calls fn for each device of kernel/iommu_groups/N/devices; stops on a
 * non-zero return. -errno when the group cannot be listed.
 */
int iommu_group_for_each(const struct sysfs *s, int group,
			 int (*fn)(const char *name, void *data), void *data);

/* Which IOMMU the host has or would have, from what the firmware says. */
enum iommu_family {
	IOMMU_UNKNOWN,
	IOMMU_VTD, /* ACPI DMAR, or an Intel host bridge */
	IOMMU_AMDVI, /* ACPI IVRS, or an AMD host bridge */
	IOMMU_VIRTIO, /* ACPI VIOT: virtio-iommu */
	IOMMU_SMMU, /* ACPI IORT, or a devicetree arm,smmu-v3 node */
};
enum iommu_family iommu_family(const struct sysfs *s);

/*
 * The module that drives that family's IOMMU when the kernel builds it as
 * one (virtio_iommu, arm_smmu_v3); NULL for VT-d and AMD-Vi (built in).
 */
const char *iommu_module(enum iommu_family f);

/* The fix when no IOMMU is registered, fitting the family. */
const char *iommu_advice(enum iommu_family f);

enum iommu_state {
	IOMMU_OFF, /* none registered and none the firmware describes */
	IOMMU_PENDING, /* described; its driver (a module) is not loaded */
	IOMMU_ON, /* registered in class/iommu */
};
enum iommu_state iommu_state(const struct sysfs *s);

/*
 * For a device with no IOMMU group: 1 and the reason in why when vfio-pci
 * cannot take it because no IOMMU is there (nor, in a dry run, one whose
 * module would be loaded first); 0 when the group can still appear at bind.
 */
int iommu_refuses(const struct sysfs *s, int dry_run, char *why, size_t size);

#endif
