// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * KubeVirt's discovery rule (kubevirt.h has it, with its source) applied
 * to verify's result: which reserved devices its device plugin offers.
 * Ready, the driver and the group come from verify; only the group's
 * membership is walked here, with the one group walk (iommu.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iommu.h"
#include "kubevirt.h"

void kv_resource(const struct pci_id *id, char *buf, size_t size)
{
	snprintf(buf, size, KV_PREFIX "pci-%04x-%04x", id->vendor, id->device);
}

/* What KubeVirt takes of r alone, before looking at its group. */
static int kv_base(const struct host *h, const struct vres *r)
{
	return r->has_dev && !r->np && !strcmp(r->dev.driver, VFIO_PCI_DRV) &&
	       r->dev.group >= 0 && !h->noiommu;
}

int kv_plugin_sees(const struct host *h, const struct vres *r)
{
	return r->has_dev && !strcmp(r->dev.driver, VFIO_PCI_DRV) &&
	       r->dev.group >= 0 && !h->noiommu &&
	       (r->node == NODE_PRESENT || r->node == -EBUSY || r->node == 1);
}

static const struct vres *kv_find(const struct host *h, const char *name)
{
	int i;

	for (i = 0; i < h->nall; i++)
		if (h->all[i].has_dev && !strcmp(h->all[i].dev.name, name))
			return &h->all[i];
	return NULL;
}

/* A group's members (few: a slot, a bridge's subtree). */
#define KV_GROUP_MAX 256

struct kv_group {
	char v[KV_GROUP_MAX][PCI_NAME_MAX];
	int n;
};

static int kv_add(const char *name, void *data)
{
	struct kv_group *g = data;

	if (g->n < KV_GROUP_MAX)
		snprintf(g->v[g->n++], PCI_NAME_MAX, "%s", name);
	return 0;
}

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int same_id(const struct vres *a, const struct vres *b)
{
	return a->dev.id.vendor == b->dev.id.vendor &&
	       a->dev.id.device == b->dev.id.device;
}

/* The group of r (kv_base): every other member passed, one offered. */
static enum kv_verdict kv_group(struct vctl *c, const struct host *h,
				const struct vres *r, char *why, size_t wsize,
				char *fix, size_t fsize)
{
	struct kv_group *g = calloc(1, sizeof(*g));
	const struct vres *first = NULL, *offer = NULL, *m;
	enum kv_verdict v = KV_NO;
	struct vc_dev d;
	int i;

	if (!g) {
		vctl_fmt(why, wsize, "out of memory");
		return KV_NO;
	}
	iommu_group_for_each(&c->sys, r->dev.group, kv_add, g);
	qsort(g->v, g->n, sizeof(g->v[0]), kv_cmp);
	for (i = 0; i < g->n; i++) {
		m = kv_find(h, g->v[i]);
		if (m && kv_base(h, m)) {
			if (!first)
				first = m;
			if (same_id(m, first))
				offer = m;
			continue;
		}
		if (pci_load(&c->sys, g->v[i], &d) || pci_is_bridge(&d))
			continue;
		vctl_fmt(why, wsize,
			 "IOMMU group %d also holds %s [%04x:%04x] on %s, "
			 "which is %s: a VM gets the whole group",
			 r->dev.group, d.name, d.id.vendor, d.id.device,
			 d.driver[0] ? d.driver : "no driver",
			 m ? "not taken either" : "not reserved");
		if (m)
			vctl_fmt(fix, fsize, "see %s's own warning", d.name);
		else
			vctl_fmt(fix, fsize,
				 "reserve it too ('vfioctl reserve %s'), or "
				 "move the card to a slot with its own IOMMU "
				 "group",
				 d.name);
		goto out;
	}
	if (!offer) { /* the group walk did not find r: no group to give */
		vctl_fmt(why, wsize, "IOMMU group %d cannot be listed",
			 r->dev.group);
		goto out;
	}
	if (offer == r) {
		v = KV_OFFER;
	} else {
		v = KV_RIDES;
		vctl_fmt(why, wsize, "%s", offer->dev.name);
	}
out:
	free(g);
	return v;
}

enum kv_verdict kv_takes(struct vctl *c, const struct host *h,
			 const struct vres *r, char *why, size_t wsize,
			 char *fix, size_t fsize)
{
	why[0] = fix[0] = '\0';
	if (!r->has_dev || r->np) {
		vctl_fmt(why, wsize, "not ready: %s",
			 r->np ? r->p[0].msg : "no such device");
		vctl_fmt(fix, fsize, "%s", r->np ? r->p[0].fix : "");
		return KV_NO;
	}
	if (strcmp(r->dev.driver, VFIO_PCI_DRV)) {
		vctl_fmt(why, wsize,
			 "on %s, a vfio variant driver: KubeVirt takes a "
			 "device only on vfio-pci",
			 r->dev.driver);
		if (r->sel_driver && r->sel_driver[0])
			vctl_fmt(fix, fsize,
				 "name it without =%s in the device list",
				 r->sel_driver);
		else
			vctl_fmt(fix, fsize,
				 "turn variant drivers off (vfio.variants=off "
				 "on the kernel command line, or variants=off "
				 "in vfio-claim.conf) and reboot");
		return KV_NO;
	}
	if (h->noiommu || r->dev.group < 0) {
		vctl_fmt(why, wsize,
			 "vfio no-IOMMU mode: KubeVirt hands out /dev/vfio/N, "
			 "the kernel makes /dev/vfio/noiommu-N");
		vctl_fmt(fix, fsize, "turn the IOMMU on");
		return KV_NO;
	}
	return kv_group(c, h, r, why, wsize, fix, fsize);
}
