// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Claiming a device for vfio-pci without a race against its own driver:
 *   1. write "vfio-pci" to driver_override: from now on no other driver
 *      can bind it, whatever loads later;
 *   2. if another driver is bound, write the address to its unbind;
 *   3. if vfio-pci is registered, write the address to drivers_probe;
 *   4. read the driver link: drivers_probe reports no failure itself.
 * Anything that goes wrong after step 1 is rolled back, so that a device
 * vfio-pci cannot take always keeps (or gets back) a driver of its own.
 * new_id is never used: it would take every device with that ID.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claim.h"
#include "iommu.h"
#include "log.h"

#define VFIO_PCI "vfio-pci"

const char *claim_action_name(enum claim_action a)
{
	static const char *const n[] = { "claim", "already", "refuse", "veto" };

	return n[a];
}

const char *claim_result_name(enum claim_result r)
{
	static const char *const n[] = { "planned", "claimed", "pending",
					 "failed",  "skipped", "gone" };

	return n[r];
}

int vfio_pci_registered(const struct sysfs *s)
{
	return sysfs_exists(s->rootfd, "bus/pci/drivers/" VFIO_PCI);
}

static struct claim_dev *find_dev(struct claim_ctx *ctx, const char *name,
				  int upto)
{
	int i;

	for (i = 0; i < upto; i++)
		if (!strcmp(ctx->dev[i].dev.name, name))
			return &ctx->dev[i];
	return NULL;
}

static struct claim_dev *add_dev(struct claim_ctx *ctx, const struct pci_dev *d,
				 const struct selector *sel)
{
	struct claim_dev *c;

	if (ctx->ndev == ctx->cap) {
		int cap = ctx->cap ? ctx->cap * 2 : 16;
		void *p = realloc(ctx->dev, cap * sizeof(*ctx->dev));

		if (!p) {
			vc_err("out of memory after %d devices", ctx->ndev);
			return NULL;
		}
		ctx->dev = p;
		ctx->cap = cap;
	}
	c = &ctx->dev[ctx->ndev++];
	memset(c, 0, sizeof(*c));
	c->dev = *d;
	c->sel = sel;
	return c;
}

/* An address named by a FUNC selector (plain or guarded) or a SLOT. */
static int plan_addr(struct claim_ctx *ctx, struct selector *sel,
		     const struct pci_addr *a, int quiet_missing)
{
	char name[PCI_NAME_MAX], have[10], want[24];
	struct pci_dev d;
	int r;

	pci_addr_format(a, name);
	if (find_dev(ctx, name, ctx->ndev)) {
		sel->matched++;
		return 0;
	}
	r = pci_read_ids(ctx->sys, name, &d);
	if (r == -ENOENT) {
		if (!quiet_missing)
			vc_err("%s: no such PCI device on this machine: check "
			       "'lspci -Dnn' and vfio.devices=",
			       sel->text);
		return r;
	}
	if (r) {
		vc_err("%s: cannot read the IDs of %s: %s", sel->text, name,
		       vc_strerror(r));
		ctx->errors++;
		return r;
	}
	sel->matched++;
	if (sel->guarded && !sel_match_id(sel, &d.id)) {
		pci_id_format(&d.id, have);
		if (sel->has_sub)
			snprintf(want, sizeof(want), "%04x:%04x:%04x:%04x",
				 sel->id.vendor, sel->id.device,
				 sel->id.subvendor, sel->id.subdevice);
		else
			pci_id_format(&sel->id, want);
		vc_err("%s: %s is %s (subsystem %04x:%04x), not %s: not "
		       "claimed; the hardware changed, update vfio.devices=",
		       sel->text, name, have, d.id.subvendor, d.id.subdevice,
		       want);
		return -ESRCH;
	}
	return add_dev(ctx, &d, sel) ? 0 : -ENOMEM;
}

struct scan {
	struct claim_ctx *ctx;
	struct sel_list *l;
	int naddr; /* devices named by address, to merge with */
	int err;
};

static int scan_one(const char *name, const struct pci_id *id, void *data)
{
	struct scan *sc = data;
	struct pci_dev d;
	int i, r;

	for (i = 0; i < sc->l->n; i++) {
		struct selector *sel = &sc->l->sel[i];

		if (sel->kind != SEL_ID || !sel_match_id(sel, id))
			continue;
		sel->matched++;
		if (find_dev(sc->ctx, name, sc->naddr))
			return 0;
		r = pci_read_ids(sc->ctx->sys, name, &d);
		if (r == -ENOENT)
			return 0; /* gone between listing and reading */
		if (r) {
			vc_warn("%s: unreadable IDs (%s); not matched", name,
				vc_strerror(r));
			return 0;
		}
		if (!add_dev(sc->ctx, &d, sel)) {
			sc->err = -ENOMEM;
			return -ENOMEM;
		}
		return 0;
	}
	return 0;
}

static void refuse(struct claim_dev *c, enum claim_action a, const char *why)
{
	c->action = a;
	c->result = CR_SKIPPED;
	snprintf(c->why, sizeof(c->why), "%s", why);
}

static void decide(struct claim_ctx *ctx, struct claim_dev *c, int noiommu)
{
	struct pci_dev *d = &c->dev;
	char why[sizeof(c->why)];
	/* plan_addr or the ID scan read its IDs a moment ago. */
	int r = pci_load_rest(ctx->sys, d);

	if (r == -ENOENT) {
		refuse(c, CA_REFUSE, "the device vanished");
		c->result = CR_GONE;
		return;
	}
	if (r) {
		snprintf(why, sizeof(why),
			 "cannot read its sysfs attributes: %s",
			 vc_strerror(r));
		refuse(c, CA_REFUSE, why);
		return;
	}
	memcpy(c->prev_driver, d->driver, sizeof(c->prev_driver));
	if (!strcmp(d->driver, VFIO_PCI)) {
		c->action = CA_ALREADY;
	} else if (pci_is_bridge(d)) {
		snprintf(why, sizeof(why),
			 "is a PCI bridge (class %06x): vfio-pci cannot take "
			 "bridges; name the devices behind it instead",
			 d->class);
		refuse(c, CA_REFUSE, why);
	} else if (d->numvfs > 0) {
		snprintf(why, sizeof(why),
			 "is an SR-IOV physical function with %ld VFs enabled: "
			 "claim its VFs, or set sriov_numvfs to 0 first",
			 d->numvfs);
		refuse(c, CA_REFUSE, why);
	} else if (d->group < 0 && !noiommu &&
		   iommu_refuses(ctx->sys, ctx->dry_run, why, sizeof(why))) {
		refuse(c, CA_REFUSE, why);
	} else {
		c->action = CA_CLAIM;
	}
}

int claim_plan(struct claim_ctx *ctx, struct sel_list *l)
{
	struct pci_addr veto[SEL_MAX];
	int i, f, nveto = 0, nid = 0, noiommu;

	for (i = 0; i < l->n; i++) {
		struct selector *sel = &l->sel[i];
		struct pci_addr a;
		int r;

		switch (sel->kind) {
		case SEL_FUNC:
			r = plan_addr(ctx, sel, &sel->addr, 0);
			if (r == -ESRCH)
				veto[nveto++] = sel->addr;
			if (r == -ENOMEM)
				return r;
			break;
		case SEL_SLOT:
			for (f = 0; f < 8; f++) {
				a = sel->addr;
				a.func = f;
				if (plan_addr(ctx, sel, &a, 1) == -ENOMEM)
					return -ENOMEM;
			}
			break;
		case SEL_ID:
			nid++;
			break;
		}
	}
	if (nid) {
		struct scan sc = { ctx, l, ctx->ndev, 0 };
		int r = pci_scan_ids(ctx->sys, scan_one, &sc);

		if (sc.err)
			return sc.err;
		if (r < 0) {
			vc_err("%s/bus/pci/devices: cannot list: %s",
			       ctx->sys->root, vc_strerror(r));
			ctx->errors++;
		}
	}
	for (i = 0; i < l->n; i++) {
		if (l->sel[i].matched)
			continue;
		ctx->errors++;
		if (l->sel[i].kind != SEL_FUNC)
			vc_err("%s: matches no PCI device on this machine: "
			       "check 'lspci -Dnn' and vfio.devices=",
			       l->sel[i].text);
	}
	ctx->errors += nveto;

	noiommu = iommu_noiommu_enabled(ctx->sys);
	for (i = 0; i < ctx->ndev; i++) {
		struct claim_dev *c = &ctx->dev[i];

		for (f = 0; f < nveto; f++) {
			if (c->sel->kind == SEL_ID ||
			    veto[f].domain != c->dev.addr.domain ||
			    veto[f].bus != c->dev.addr.bus ||
			    veto[f].slot != c->dev.addr.slot)
				continue;
			refuse(c, CA_VETO,
			       "the guard of another function in its slot "
			       "failed: the hardware changed");
			break;
		}
		if (f == nveto)
			decide(ctx, c, noiommu);
		if (c->action == CA_REFUSE || c->action == CA_VETO) {
			ctx->errors++;
			vc_err("%s [%04x:%04x]: not claimed: %s", c->dev.name,
			       c->dev.id.vendor, c->dev.id.device, c->why);
		}
	}
	return 0;
}

/* Clears driver_override and lets the kernel find the device's own driver. */
static void give_back(struct claim_ctx *ctx, struct claim_dev *c)
{
	char p[128], drv[DRV_NAME_MAX];
	const char *name = c->dev.name;
	int r;

	vc_path(p, sizeof(p), "%s/driver_override", name);
	r = sysfs_write(ctx->sys->devfd, p, "\n");
	if (r) {
		vc_err("%s: cannot clear driver_override: %s; clear it with "
		       "'echo > /sys/bus/pci/devices/%s/driver_override'",
		       name, vc_strerror(r), name);
		return;
	}
	sysfs_write(ctx->sys->rootfd, "bus/pci/drivers_probe", name);
	if (pci_read_driver(ctx->sys, name, drv, sizeof(drv)) == 0 && drv[0])
		vc_info("%s: override cleared, back on %s", name, drv);
	else
		vc_info("%s: override cleared; its own driver will bind it "
			"when it loads",
			name);
}

static void fail(struct claim_ctx *ctx, struct claim_dev *c, int r,
		 const char *what)
{
	ctx->errors++;
	/* ENODEV from unbind also means "not bound to this driver". */
	if ((r == -ENOENT || r == -ENODEV) &&
	    !sysfs_exists(ctx->sys->devfd, c->dev.name)) {
		c->result = CR_GONE;
		snprintf(c->why, sizeof(c->why),
			 "vanished while being claimed");
	} else {
		c->result = CR_FAILED;
		snprintf(c->why, sizeof(c->why), "%s: %s", what,
			 vc_strerror(r));
	}
	vc_err("%s: %s", c->dev.name, c->why);
}

static void log_bound(const struct claim_dev *c)
{
	if (c->dev.group >= 0)
		vc_info("%s: bound to vfio-pci (IOMMU group %d)", c->dev.name,
			c->dev.group);
	else
		vc_info("%s: bound to vfio-pci (no-IOMMU mode: no isolation)",
			c->dev.name);
}

static void claim_one(struct claim_ctx *ctx, struct claim_dev *c, int vfio)
{
	const char *name = c->dev.name, *prev = c->prev_driver;
	char p[128], drv[DRV_NAME_MAX];
	int r;

	if (prev[0] && !vfio) {
		/* Unbinding now would leave it with no driver at all. */
		ctx->errors++;
		c->result = CR_FAILED;
		snprintf(c->why, sizeof(c->why),
			 "vfio-pci is not available, so it stays on %s: "
			 "add vfio-pci to the initramfs",
			 prev);
		vc_err("%s: %s", name, c->why);
		return;
	}
	vc_path(p, sizeof(p), "%s/driver_override", name);
	r = sysfs_write(ctx->sys->devfd, p, VFIO_PCI);
	if (r) {
		fail(ctx, c, r, "cannot write vfio-pci to driver_override");
		return;
	}
	vc_info("%s [%04x:%04x]: driver_override set to vfio-pci", name,
		c->dev.id.vendor, c->dev.id.device);
	if (prev[0]) {
		vc_path(p, sizeof(p), "bus/pci/drivers/%s/unbind", prev);
		r = sysfs_write(ctx->sys->rootfd, p, name);
		if (r) {
			fail(ctx, c, r, "cannot unbind it from its driver");
			if (c->result != CR_GONE)
				give_back(ctx, c);
			return;
		}
		vc_info("%s: unbound from %s", name, prev);
	}
	if (!vfio) {
		c->result = CR_PENDING;
		vc_info("%s: driver_override holds it until vfio-pci loads",
			name);
		return;
	}
	r = sysfs_write(ctx->sys->rootfd, "bus/pci/drivers_probe", name);
	if (r && r != -ENOENT)
		vc_dbg("%s: drivers_probe: %s", name, vc_strerror(r));
	r = pci_read_driver(ctx->sys, name, drv, sizeof(drv));
	if (r) {
		fail(ctx, c, r, "cannot read its driver link");
		return;
	}
	if (!strcmp(drv, VFIO_PCI)) {
		c->result = CR_CLAIMED;
		/* A late IOMMU (virtio-iommu) groups it at bind. */
		if (c->dev.group < 0)
			c->dev.group = iommu_group_of(ctx->sys, name);
		log_bound(c);
		return;
	}
	ctx->errors++;
	c->result = CR_FAILED;
	snprintf(c->why, sizeof(c->why),
		 "vfio-pci did not take it (dmesg tells why)");
	vc_err("%s: %s; giving it back", name, c->why);
	give_back(ctx, c);
}

/* After vfio-pci loaded: did the waiting devices get it? */
static void settle_pending(struct claim_ctx *ctx)
{
	char drv[DRV_NAME_MAX];
	int i;

	for (i = 0; i < ctx->ndev; i++) {
		struct claim_dev *c = &ctx->dev[i];

		if (c->result != CR_PENDING)
			continue;
		if (pci_read_driver(ctx->sys, c->dev.name, drv, sizeof(drv)))
			continue;
		if (!strcmp(drv, VFIO_PCI)) {
			c->result = CR_CLAIMED;
			log_bound(c);
		} else {
			ctx->errors++;
			c->result = CR_FAILED;
			snprintf(c->why, sizeof(c->why),
				 "vfio-pci loaded but did not take it (dmesg "
				 "tells why)");
			vc_err("%s: %s; giving it back", c->dev.name, c->why);
			give_back(ctx, c);
		}
	}
}

int claim_apply(struct claim_ctx *ctx)
{
	char p[128];
	int i, want = 0, vfio = vfio_pci_registered(ctx->sys), loaded = 0;

	if (ctx->dry_run)
		return 0;
	for (i = 0; i < ctx->ndev; i++)
		want += ctx->dev[i].action == CA_CLAIM;
	if (want && !vfio && ctx->load_vfio_pci) {
		/*
		 * Load it before touching anything: a bound device is only
		 * unbound when vfio-pci is there to take it.
		 */
		if (ctx->load_vfio_pci(ctx->load_data) == 0)
			loaded = 1;
		vfio = vfio_pci_registered(ctx->sys);
		if (!vfio)
			vc_warn("vfio-pci did not load: devices without a "
				"driver wait for it, bound ones stay put");
	}
	for (i = 0; i < ctx->ndev; i++) {
		struct claim_dev *c = &ctx->dev[i];

		if (c->action == CA_ALREADY) {
			c->result = CR_CLAIMED;
			vc_info("%s: already on vfio-pci", c->dev.name);
			if (strcmp(c->dev.override, VFIO_PCI)) {
				vc_path(p, sizeof(p), "%s/driver_override",
					c->dev.name);
				sysfs_write(ctx->sys->devfd, p, VFIO_PCI);
			}
		} else if (c->action == CA_CLAIM) {
			claim_one(ctx, c, vfio);
		}
	}
	if (loaded)
		settle_pending(ctx);
	return 0;
}

/* Claimed, waiting for vfio-pci, or (dry run) about to be claimed. */
static int holds_group(const struct claim_ctx *ctx, const struct claim_dev *c)
{
	if (c->dev.group < 0)
		return 0;
	if (ctx->dry_run)
		return c->action == CA_CLAIM || c->action == CA_ALREADY;
	return c->result == CR_CLAIMED || c->result == CR_PENDING;
}

struct group_walk {
	struct claim_ctx *ctx;
	const struct claim_dev *owner;
};

static int check_member(const char *name, void *data)
{
	struct group_walk *g = data;
	struct pci_dev d;
	struct claim_dev *c;
	char p[128], ovr[DRV_NAME_MAX];

	c = find_dev(g->ctx, name, g->ctx->ndev);
	if (c && holds_group(g->ctx, c))
		return 0;
	if (pci_read_ids(g->ctx->sys, name, &d))
		return 0;
	if (pci_read_driver(g->ctx->sys, name, d.driver, sizeof(d.driver)))
		return 0;
	if (pci_is_bridge(&d) || !strcmp(d.driver, VFIO_PCI) ||
	    !strcmp(d.driver, "pci-stub"))
		return 0;
	if (!d.driver[0]) {
		vc_path(p, sizeof(p), "%s/driver_override", name);
		if (sysfs_read(g->ctx->sys->devfd, p, ovr, sizeof(ovr)) > 0 &&
		    !strcmp(ovr, VFIO_PCI))
			return 0;
	}
	vc_warn("%s: IOMMU group %d also holds %s [%04x:%04x] on %s: a VM "
		"cannot use the group until it is on vfio-pci too (add %s "
		"to vfio.devices=)",
		g->owner->dev.name, g->owner->dev.group, name, d.id.vendor,
		d.id.device, d.driver[0] ? d.driver : "no driver yet", name);
	return 0;
}

void claim_check_groups(struct claim_ctx *ctx)
{
	int i, j;

	for (i = 0; i < ctx->ndev; i++) {
		struct claim_dev *c = &ctx->dev[i];
		struct group_walk g = { ctx, c };

		if (!holds_group(ctx, c))
			continue;
		for (j = 0; j < i; j++)
			if (holds_group(ctx, &ctx->dev[j]) &&
			    ctx->dev[j].dev.group == c->dev.group)
				break;
		if (j < i)
			continue; /* group already walked */
		iommu_group_for_each(ctx->sys, c->dev.group, check_member, &g);
	}
}

void claim_print_plan(const struct claim_ctx *ctx)
{
	int i;

	for (i = 0; i < ctx->ndev; i++) {
		const struct claim_dev *c = &ctx->dev[i];
		char grp[16];

		if (c->dev.group >= 0)
			snprintf(grp, sizeof(grp), "%d", c->dev.group);
		else
			strcpy(grp, "-");
		printf("plan %s id=%04x:%04x driver=%s group=%s action=%s",
		       c->dev.name, c->dev.id.vendor, c->dev.id.device,
		       c->prev_driver[0] ? c->prev_driver : "-", grp,
		       claim_action_name(c->action));
		if (c->why[0])
			printf(" why=\"%s\"", c->why);
		printf("\n");
	}
}

void claim_free(struct claim_ctx *ctx)
{
	free(ctx->dev);
	ctx->dev = NULL;
	ctx->ndev = ctx->cap = 0;
}
