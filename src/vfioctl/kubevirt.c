// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl kubevirt [SEL...]: the permittedHostDevices of KubeVirt's CR
 * (spec.configuration.permittedHostDevices) for the reserved devices,
 * from verify's result, and one warning on stderr for each device that
 * KubeVirt will not take (kubevirt.h says which and why).
 *
 * KubeVirt (kubevirt/kubevirt, pkg/virt-handler/device-manager/
 * device_controller.go) lowercases pciVendorSelector and compares it with
 * the PCI_ID of the device's uevent, "VVVV:DDDD": vendor and device only,
 * no subsystem. resourceName is the name its device plugin registers
 * with the kubelet: an extended resource name, a qualified name whose
 * prefix is a domain not in kubernetes.io (KV_PREFIX); the kubelet
 * refuses others. It scans when virt-handler starts: a device bound to
 * vfio-pci later is not seen until virt-handler restarts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kubevirt.h"
#include "log.h"

struct kv_dev {
	enum kv_verdict v;
	char why[400]; /* KV_RIDES: the group's offered device */
	char fix[400];
};

static int same_id(const struct vres *a, const struct vres *b)
{
	return a->dev.id.vendor == b->dev.id.vendor &&
	       a->dev.id.device == b->dev.id.device;
}

/* The offered devices of one vendor:device, and who goes with each. */
static void kv_entry(const struct vres *r, int n, const struct kv_dev *k, int e)
{
	char res[64];
	int i, j;

	kv_resource(&r[e].dev.id, res, sizeof(res));
	printf("  # ");
	for (i = 0, j = 0; i < n; i++) {
		if (k[i].v != KV_OFFER || !same_id(&r[i], &r[e]))
			continue;
		printf("%s%s (IOMMU group %d)", j++ ? ", " : "", r[i].dev.name,
		       r[i].dev.group);
	}
	printf("\n");
	for (i = 0; i < n; i++) {
		if (k[i].v != KV_RIDES)
			continue;
		for (j = 0; j < n; j++)
			if (k[j].v == KV_OFFER && same_id(&r[j], &r[e]) &&
			    !strcmp(k[i].why, r[j].dev.name))
				printf("  # %s goes with %s\n", r[i].dev.name,
				       r[j].dev.name);
	}
	printf("  - pciVendorSelector: \"%04X:%04X\"\n"
	       "    resourceName: \"%s\"\n",
	       r[e].dev.id.vendor, r[e].dev.id.device, res);
}

/* 1 when the YAML permits r's vendor:device (a device of it is offered). */
static int kv_permitted(const struct vres *r, int n, const struct kv_dev *k,
			const struct vres *x)
{
	int i;

	for (i = 0; i < n; i++)
		if (k[i].v == KV_OFFER && same_id(&r[i], x))
			return 1;
	return 0;
}

/*
 * One line for a device a VM should not be given: KubeVirt does not take
 * it, or it does all the same (its vendor:device is permitted for
 * another device) and then what goes wrong.
 */
static void kv_warn(const struct vres *x, int offered, const char *why,
		    const char *fix)
{
	const char *sep = fix[0] ? "; " : "";

	if (!x->has_dev)
		vc_warn("kubevirt: %s is not taken: %s%s%s", x->sel, why, sep,
			fix);
	else if (!offered)
		vc_warn("kubevirt: %s [%04x:%04x] is not taken: %s%s%s",
			x->dev.name, x->dev.id.vendor, x->dev.id.device, why,
			sep, fix);
	else
		vc_warn("kubevirt: %s [%04x:%04x] is offered too (%04X:%04X "
			"is permitted), but %s%s%s",
			x->dev.name, x->dev.id.vendor, x->dev.id.device,
			x->dev.id.vendor, x->dev.id.device, why, sep, fix);
}

static int kv_render(struct vctl *c, const struct host *h, const struct vres *r,
		     int n, int ready)
{
	struct kv_dev *k = calloc(n ? n : 1, sizeof(*k));
	int i, j, entries = 0, warned = 0;

	(void)ready;
	if (!k)
		return 1;
	for (i = 0; i < n; i++)
		k[i].v = kv_takes(c, h, &r[i], k[i].why, sizeof(k[i].why),
				  k[i].fix, sizeof(k[i].fix));
	for (i = 0; i < n; i++) {
		char why[480];
		int seen = r[i].has_dev && kv_plugin_sees(h, &r[i]) &&
			   kv_permitted(r, n, k, &r[i]);

		if (k[i].v == KV_RIDES)
			/* The plugin keeps one device per group and
			 * resource: a rider of the same ID is not offered. */
			for (j = 0; j < n; j++)
				if (k[j].v == KV_OFFER &&
				    !strcmp(k[i].why, r[j].dev.name) &&
				    same_id(&r[j], &r[i]))
					seen = 0;
		if (k[i].v == KV_OFFER || (k[i].v == KV_RIDES && !seen))
			continue;
		warned++;
		if (k[i].v == KV_NO) {
			kv_warn(&r[i], seen, k[i].why, k[i].fix);
			continue;
		}
		/* It goes with its group's offered device, and the plugin
		 * offers the group again under its own ID. */
		vctl_fmt(why, sizeof(why),
			 "it shares IOMMU group %d with %s: two VMs given "
			 "them cannot both start",
			 r[i].dev.group, k[i].why);
		kv_warn(&r[i], 1, why,
			"move one card to a slot with its own IOMMU group");
	}
	printf("# vfioctl kubevirt: the KubeVirt CR's "
	       "spec.configuration.permittedHostDevices\n");
	printf("permittedHostDevices:\n  pciHostDevices:");
	for (i = 0; i < n; i++) {
		if (k[i].v != KV_OFFER)
			continue;
		/* One entry per vendor:device, where it first appears. */
		for (j = 0; j < i; j++)
			if (k[j].v == KV_OFFER && same_id(&r[j], &r[i]))
				break;
		if (j < i)
			continue;
		printf("%s", entries++ ? "" : "\n");
		kv_entry(r, n, k, i);
	}
	if (!entries)
		printf(" []\n");
	if (!n)
		vc_err("kubevirt: no devices are reserved (%s); 'vfioctl "
		       "reserve SEL' keeps one for vfio-pci",
		       h->source);
	free(k);
	return warned || !n;
}

int cmd_kubevirt(struct vctl *c, int argc, char **argv)
{
	return vfy_run(c, argc, argv, kv_render);
}
