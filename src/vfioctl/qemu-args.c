// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl qemu-args: -device arguments for QEMU that keep a slot's
 * functions together in the guest, and a warning for each group member
 * the VM would still need.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iommu.h"
#include "json.h"
#include "judge.h"
#include "log.h"
#include "vfioctl.h"

/*
 * The verdict (judge.c) for a VM started now: 1 (an error said) when no
 * VM can ever have it (no IOMMU group, ever); else warnings: not on a
 * vfio driver yet, the host's use of it, a group the firmware keeps 1:1,
 * the members on host drivers that are not named (a member with no
 * driver holds no DMA ownership: no blocker).
 */
static int warn_verdict(struct vctl *c, const struct vdev_list *l,
			const struct vc_dev *d)
{
	static struct verdict v;
	char msg[400], fix[400];
	const char **set;
	int i;

	set = calloc(l->n + 1, sizeof(*set));
	if (!set)
		return 0;
	for (i = 0; i < l->n; i++)
		set[i] = l->v[i].dev.name;
	judge_device(c, d, set, l->n, &v);
	free(set);
	if (v.nogroup) {
		judge_nogroup_text(msg, sizeof(msg), fix, sizeof(fix));
		vc_err("%s: %s; %s", d->name, msg, fix);
		return 1;
	}
	/* A vfio variant driver (mlx5_vfio_pci) is vfio's too. */
	if (!iommu_is_vfio_driver(d->driver))
		vc_warn("%s is on %s, not vfio-pci: 'vfioctl bind %s' first",
			d->name, d->driver[0] ? d->driver : "no driver",
			d->name);
	if (c->quiet)
		return 0;
	if (v.uses) {
		judge_use_text(&v, msg, sizeof(msg));
		vc_warn("%s: %s: 'vfioctl bind %s' refuses it while it does",
			d->name, msg, d->name);
	}
	if (v.direct) {
		judge_direct_text(&v, msg, sizeof(msg), fix, sizeof(fix));
		vc_warn("%s: %s; %s", d->name, msg, fix);
	}
	judge_warn_group(&v, 0);
	return 0;
}

static int same_slot(const struct pci_addr *a, const struct pci_addr *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->slot == b->slot;
}

#define GUEST_SLOT_FIRST 0x10

static int by_addr(const void *a, const void *b)
{
	return strcmp(((const struct vdev *)a)->dev.name,
		      ((const struct vdev *)b)->dev.name);
}

/*
 * Where a device goes in the guest, decided once and rendered as QEMU's
 * -device words or libvirt's <hostdev>: gslot < 0 lets QEMU (or libvirt)
 * choose; else guest slot gslot function gfunc of bus 0, multifunction
 * on function 0 of a slot that holds more.
 */
struct place {
	const struct vc_dev *d;
	int gslot;
	unsigned int gfunc;
};

static void print_qemu(const struct place *p, int n, int json)
{
	char arg[160];
	struct json w;
	int i;

	if (json) {
		json_begin(&w, stdout);
		json_obj(&w, NULL);
		json_arr(&w, "args");
	}
	for (i = 0; i < n; i++) {
		if (p[i].gslot < 0)
			snprintf(arg, sizeof(arg), "vfio-pci,host=%s",
				 p[i].d->name);
		else
			snprintf(arg, sizeof(arg),
				 "vfio-pci,host=%s,addr=0x%x.%x%s",
				 p[i].d->name, p[i].gslot, p[i].gfunc,
				 p[i].gfunc == 0 ? ",multifunction=on" : "");
		if (json) {
			json_string(&w, NULL, "-device");
			json_string(&w, NULL, arg);
		} else {
			printf("-device %s\n", arg);
		}
	}
	if (json) {
		json_arr_end(&w);
		json_obj_end(&w);
		json_end(&w);
	}
}

/*
 * libvirt's domain XML (formatdomain, "Host device assignment", PCI):
 * managed='no' because vfio-claim bound the device already, so libvirt
 * must neither detach it nor give it back to a host driver at the VM's
 * end; the host address as <source><address>; the guest address only
 * where qemu-args gives one (a slot's functions kept together), with
 * multifunction='on' on function 0 as libvirt wants it set. Every value
 * is a number printed here: no text from the host reaches the XML.
 */
static void print_libvirt(const struct place *p, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		const struct pci_addr *a = &p[i].d->addr;

		printf("<hostdev mode='subsystem' type='pci' managed='no'>\n"
		       "  <source>\n"
		       "    <address domain='0x%04x' bus='0x%02x' "
		       "slot='0x%02x' function='0x%x'/>\n"
		       "  </source>\n",
		       a->domain, a->bus, a->slot, a->func);
		if (p[i].gslot >= 0)
			printf("  <address type='pci' domain='0x0000' "
			       "bus='0x00' slot='0x%02x' function='0x%x'%s/>\n",
			       p[i].gslot, p[i].gfunc,
			       p[i].gfunc == 0 ? " multifunction='on'" : "");
		printf("</hostdev>\n");
	}
}

int cmd_qemu_args(struct vctl *c, int argc, char **argv)
{
	struct vdev_list devs = { 0 };
	int i, j, r, n = 0, slot = GUEST_SLOT_FIRST, bad = 0;
	struct place *p;
	int *done;

	r = vctl_resolve_args(c, "qemu-args", argc, argv, &devs);
	if (r) {
		vdev_list_free(&devs);
		return r;
	}
	/* Function 0 (multifunction=on) first in each slot. */
	if (devs.n)
		qsort(devs.v, devs.n, sizeof(*devs.v), by_addr);
	p = calloc(devs.n + 1, sizeof(*p));
	done = calloc(devs.n + 1, sizeof(*done));
	if (!p || !done) {
		free(p);
		free(done);
		vdev_list_free(&devs);
		return 1;
	}
	for (i = 0; i < devs.n; i++) {
		const struct vc_dev *d = &devs.v[i].dev;
		int nfunc = 0, func0 = 0, gfunc = 0;

		/* No VM can have it: refused, no arguments at all. */
		if (warn_verdict(c, &devs, d)) {
			bad = 1;
			continue;
		}
		if (done[i])
			continue;
		/* The functions of its slot go together, in one guest slot. */
		for (j = i; j < devs.n; j++)
			if (same_slot(&devs.v[j].dev.addr, &d->addr)) {
				nfunc++;
				func0 |= devs.v[j].dev.addr.func == 0;
			}
		if (nfunc == 1) {
			p[n++] = (struct place){ d, -1, 0 };
			done[i] = 1;
			continue;
		}
		for (j = i; j < devs.n; j++) {
			const struct vc_dev *e = &devs.v[j].dev;

			if (!same_slot(&e->addr, &d->addr))
				continue;
			/* Keep host function numbers when 0 is there. */
			p[n++] = (struct place){ e, slot,
						 func0 ? e->addr.func
						       : (unsigned int)gfunc };
			gfunc++;
			done[j] = 1;
		}
		slot++;
	}
	/* Refused: nothing printed, the error said why. */
	if (!bad && c->libvirt)
		print_libvirt(p, n);
	else if (!bad)
		print_qemu(p, n, c->json);
	free(p);
	free(done);
	vdev_list_free(&devs);
	return bad;
}
