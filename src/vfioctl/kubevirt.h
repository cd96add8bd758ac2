/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which reserved devices KubeVirt's own device plugin takes, from verify's
 * per-device result (kubevirt-rule.c). vfioctl kubevirt prints them as
 * permittedHostDevices; verify --format nfd counts them in its labels.
 */
#ifndef VC_KUBEVIRT_H
#define VC_KUBEVIRT_H

#include "verify.h"

/*
 * Our prefix, for NFD labels and KubeVirt resource names alike: a DNS
 * subdomain of our own, never kubernetes.io (NFD's validate.Label refuses
 * that namespace, and the kubelet takes no extended resource in it).
 */
#define KV_PREFIX "vfio-claim.io/"

/* What KubeVirt does with a reserved device. */
enum kv_verdict {
	KV_NO, /* not taken: why says why, fix what to change */
	KV_OFFER, /* offered as kv_resource(its ID), one per IOMMU group */
	KV_RIDES, /* goes to a VM with the group's offered device (why) */
};

/*
 * The verdict for r, from verify's result. The rule, from
 * kubevirt/kubevirt pkg/virt-handler/device-manager/pci_device.go
 * (discoverPermittedHostPCIDevices, constructDPIdevices, Allocate):
 * - verify says the device is ready (or in use by a VM): bound, its group
 *   viable, its group node there;
 * - its driver is exactly "vfio-pci" (the basename of the driver link):
 *   a vfio variant driver is skipped (only NVIDIA's vGPU driver is an
 *   exception, and that is no vfio-pci device of ours);
 * - it has an iommu_group link and the node KubeVirt mounts is
 *   /dev/vfio/N: in no-IOMMU mode the kernel names it noiommu-N;
 * - the plugin's device ID is the group number and a VM gets the whole
 *   group node: every other device of the group (bridges aside) must be
 *   passed too (reserved and taken), or a VM holds a device the host
 *   gets back at the next boot. One device is offered per group: the
 *   first by address names the resource (its vendor:device) and, as the
 *   plugin's group-to-address map keeps the LAST device walked
 *   (filepath.Walk, by name), the last of that vendor:device is the one
 *   offered; the others go with it (KV_RIDES) and are not offered alone,
 *   so two VMs are never given one group.
 */
enum kv_verdict kv_takes(struct vctl *c, const struct host *h,
			 const struct vres *r, char *why, size_t wsize,
			 char *fix, size_t fsize);

/*
 * 1 when KubeVirt's plugin offers r's device if its vendor:device is
 * permitted, whatever verify says: on vfio-pci, with an IOMMU group whose
 * node /dev/vfio/N is there (healthCheck marks a device without it
 * unhealthy). A device it offers that kv_takes says KV_NO about is one a
 * VM may be given and fail with.
 */
int kv_plugin_sees(const struct host *h, const struct vres *r);

/* Our resource name for a vendor:device: KV_PREFIX "pci-10de-2204". */
void kv_resource(const struct pci_id *id, char *buf, size_t size);

#endif
