/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IOMMU groups and the host's IOMMU state. */
#ifndef VC_IOMMU_H
#define VC_IOMMU_H

#include <stddef.h>

#include "pci.h"
#include "sysfs.h"

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

/* What a group member means for a VM's use of its group. */
enum group_member {
	GM_OK, /* vfio, pci-stub, pcieport, or unbound and staying so */
	GM_UNBOUND, /* no driver now; its own driver may bind it later */
	GM_BLOCKS, /* on a driver that keeps the group from a VM */
};

/*
 * The one group rule, for vfio-claim and vfioctl. The kernel's
 * (drivers/iommu/iommu.c, iommu_group_claim_dma_owner): a group can be
 * handed to a VM only while no device in it is bound to a driver that
 * uses the kernel's DMA domain; drivers with driver_managed_dma do not
 * (vfio-pci and its variants, pci-stub, pcieport), nor does a device with
 * no driver. GM_UNBOUND is a device with no driver that a driver of its
 * own may still take (no vfio override, not a bridge): no blocker now.
 */
enum group_member iommu_member(const struct vc_dev *d);

/* 1 for vfio-pci and its variant drivers (mlx5_vfio_pci, ...). */
int iommu_is_vfio_driver(const char *drv);

/*
 * Why a device has no IOMMU group when no IOMMU is registered, and the
 * fix that fits the host's IOMMU family as the firmware describes it
 * (ACPI DMAR, IVRS, VIOT, IORT) and the options on cmdline (may be NULL),
 * e.g. "VT-d is off: add intel_iommu=on". Never amd_iommu=on: the kernel
 * has no such option (AMD-Vi is on when the firmware has IVRS). With
 * s->host (host.h): a VM guest is told to get a virtual IOMMU, not to
 * change a firmware setup it has not got; a kernel that loads no modules
 * is never told to add a module.
 */
void iommu_advice(const struct sysfs *s, const char *cmdline, char *buf,
		  size_t size);

/*
 * The module that drives the IOMMU the firmware describes, when that one
 * is a module: ACPI VIOT, virtio_iommu; ACPI IORT or a devicetree
 * arm,smmu-v3 node, arm_smmu_v3. NULL otherwise (VT-d, AMD-Vi: built in).
 */
const char *iommu_module(const struct sysfs *s);

enum iommu_state {
	IOMMU_OFF, /* none registered, and no module-driven one described */
	IOMMU_PENDING, /* described; its driver (a module) is not loaded */
	IOMMU_ON, /* registered in class/iommu */
};
enum iommu_state iommu_state(const struct sysfs *s);

/*
 * 1 when a device with no IOMMU group cannot get one: no IOMMU is there
 * (nor, in a dry run, one whose module the real run loads first). 0 when
 * the group can still appear at bind.
 */
int iommu_absent(const struct sysfs *s, int dry_run);

/*
 * 1 when device name has no iommu_group link and never gets one: a VT-d
 * or AMD-Vi IOMMU is registered, and it does not translate the device.
 * (A registered virtio-iommu or SMMU may group it at its driver's probe.)
 */
int iommu_ungrouped(const struct sysfs *s, const char *name);

/*
 * When the firmware describes an IOMMU whose driver is a module and none
 * is registered (IOMMU_PENDING), loads that module with load (udev would
 * load it only after the initramfs hook) and waits up to 1 s for the
 * IOMMU to register: without it the kernel defers vfio-pci's probe of
 * every device behind it. 0 when there was nothing to do or it came up.
 */
int iommu_load_driver(const struct sysfs *s,
		      int (*load)(void *data, const char *module), void *data);

#endif
