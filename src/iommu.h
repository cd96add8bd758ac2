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

#endif
