// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The claim's plan, shared by vfio-claim and vfioctl: what to do with each
 * device the selectors name (claim, already there, refuse, veto) and why,
 * decided and logged without writing anything; the warnings about a plan
 * (group members, the boot display); the plan's one-line rendering.
 * apply.c carries the plan out.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "claim.h"
#include "iommu.h"
#include "log.h"
#include "variant.h"

#define VFIO_PCI "vfio-pci"

const char *claim_action_name(enum claim_action a)
{
	return vc_nth("claim\0already\0refuse\0veto", a);
}

const char *claim_result_name(enum claim_result r)
{
	return vc_nth("planned\0claimed\0pending\0failed\0skipped\0gone", r);
}

static void refuse(struct claim_dev *c, enum claim_action a, const char *why)
{
	c->action = a;
	c->result = CR_SKIPPED;
	snprintf(c->why, sizeof(c->why), "%s", why);
}

/*
 * The vfio driver for c: SEL=DRIVER when the selector names one (checked
 * against the vfio_pci: aliases of modules.alias), else the variant whose
 * alias matches the device's modalias best (variant.c) unless variants
 * are off (config_variants), else vfio-pci.
 */
static int choose_driver(struct claim_ctx *ctx, struct claim_dev *c, char *why,
			 size_t size)
{
	const char *want = c->sel->driver;
	char ma[256];
	size_t i;

	if (!strcmp(want, VFIO_PCI) || !strcmp(want, "vfio_pci"))
		return 0;
	if (want[0]) {
		snprintf(c->module, sizeof(c->module), "%s", want);
		for (i = 0; c->module[i]; i++)
			if (c->module[i] == '-')
				c->module[i] = '_';
		if (ctx->alias_path &&
		    variant_known(ctx->alias_path, c->module) == 1)
			return 0;
		snprintf(why, size,
			 "%s is not a vfio driver of this kernel (modules.alias"
			 "): name vfio-pci or a variant",
			 want);
		return -1;
	}
	if (ctx->alias_path && !ctx->no_variants) {
		pci_read_modalias(ctx->sys, c->dev.name, ma, sizeof(ma));
		variant_find(ctx->alias_path, ma, c->module, sizeof(c->module));
	}
	return 0;
}

static void decide(struct claim_ctx *ctx, struct claim_dev *c, int noiommu)
{
	struct vc_dev *d = &c->dev;
	char why[sizeof(c->why)];
	/* The resolver read its IDs a moment ago. */
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
	strcpy(c->target, VFIO_PCI);
	if (iommu_is_vfio_driver(d->driver)) {
		c->action = CA_ALREADY;
		memcpy(c->target, d->driver, sizeof(c->target));
	} else if (choose_driver(ctx, c, why, sizeof(why))) {
		refuse(c, CA_REFUSE, why);
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
		   ((r = iommu_ungrouped(ctx->sys, d->name)) ||
		    iommu_absent(ctx->sys, ctx->dry_run))) {
		char fix[sizeof(c->why) - 20];
		const char *f = fix;

		if (r)
			f = "the IOMMU does not translate it; vfio-pci needs "
			    "one";
		else
			iommu_advice(ctx->sys, ctx->cmdline, fix, sizeof(fix));
		snprintf(why, sizeof(why), "has no IOMMU group: %s", f);
		refuse(c, CA_REFUSE, why);
	} else {
		/*
		 * A registered virtio-iommu or SMMU may group a device only
		 * when a driver binds (iommu_ungrouped): claim it; if
		 * vfio-pci does not take it, it is given back.
		 */
		c->action = CA_CLAIM;
	}
}

static void log_miss(const struct claim_ctx *ctx, const struct claim_miss *m)
{
	char have[10], want[24];
	const struct selector *sel = m->sel;

	switch (m->kind) {
	case CM_NONE:
		vc_err("%s: %s PCI device on this machine: check 'lspci -Dnn' "
		       "and vfio.devices=",
		       sel->text,
		       sel->kind == SEL_FUNC ? "no such" : "matches no");
		break;
	case CM_STALE:
		pci_id_format(&m->have, have);
		if (sel->has_sub)
			snprintf(want, sizeof(want), "%04x:%04x:%04x:%04x",
				 sel->id.vendor, sel->id.device,
				 sel->id.subvendor, sel->id.subdevice);
		else
			pci_id_format(&sel->id, want);
		vc_err("%s: %s is %s (subsystem %04x:%04x), not %s: its slot "
		       "is not claimed; the hardware changed, update "
		       "vfio.devices=",
		       sel->text, m->name, have, m->have.subvendor,
		       m->have.subdevice, want);
		break;
	case CM_UNREADABLE:
		vc_err("%s: cannot read the IDs of %s: %s", sel->text, m->name,
		       vc_strerror(m->err));
		break;
	case CM_VETOED: /* the resolver vetoes devices, it records no miss */
		break;
	}
}

/*
 * Loads vfio first when a device has no group and no IOMMU is there:
 * vfio.enable_unsafe_noiommu_mode=1 (command line or modprobe.d) is only
 * seen in /sys/module/vfio/parameters once vfio is loaded.
 */
static int noiommu_mode(struct claim_ctx *ctx)
{
	int i;

	if (iommu_noiommu_enabled(ctx->sys))
		return 1;
	if (ctx->dry_run || !ctx->load_module ||
	    sysfs_exists(ctx->sys->rootfd, "module/vfio") ||
	    iommu_present(ctx->sys))
		return 0;
	for (i = 0; i < ctx->ndev; i++)
		if (ctx->dev[i].action != CA_VETO &&
		    iommu_group_of(ctx->sys, ctx->dev[i].dev.name) < 0)
			break;
	if (i == ctx->ndev)
		return 0;
	ctx->load_module(ctx->load_data, "vfio");
	return iommu_noiommu_enabled(ctx->sys);
}

void claim_warn(const struct claim_dev *c)
{
	if (c->dev.boot_vga == 1)
		vc_warn("%s is the boot display: the console and any LUKS "
			"prompt on it go dark",
			c->dev.name);
}

int claim_plan(struct claim_ctx *ctx, struct sel_list *l)
{
	int i, r, noiommu;

	r = claim_resolve(ctx, l);
	if (r) {
		vc_err("out of memory after %d devices", ctx->ndev);
		return r;
	}
	if (ctx->list_err) {
		vc_err("%s/bus/pci/devices: cannot list: %s", ctx->sys->root,
		       vc_strerror(ctx->list_err));
		ctx->errors++;
	}
	for (i = 0; i < ctx->nmiss; i++)
		log_miss(ctx, &ctx->miss[i]);
	ctx->errors += ctx->nmiss + ctx->miss_dropped;

	noiommu = ctx->noiommu = noiommu_mode(ctx);
	for (i = 0; i < ctx->ndev; i++) {
		struct claim_dev *c = &ctx->dev[i];

		if (c->action != CA_VETO)
			decide(ctx, c, noiommu);
		if (c->action == CA_REFUSE || c->action == CA_VETO) {
			ctx->errors++;
			vc_err("%s [%04x:%04x]: %s: %s", c->dev.name,
			       c->dev.id.vendor, c->dev.id.device,
			       ctx->not_done ? ctx->not_done : "not claimed",
			       c->why);
		} else if (c->action == CA_CLAIM && ctx->dry_run) {
			/* The real run warns as it writes the override. */
			claim_warn(c);
		}
	}
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
	enum pci_role role;
	struct vc_dev d;
	struct claim_dev *c;

	c = claim_find(g->ctx, name);
	if (c && holds_group(g->ctx, c))
		return 0;
	if (pci_load(g->ctx->sys, name, &d))
		return 0;
	/*
	 * The kernel's rule, plus one thing only the boot knows: a device
	 * with no driver yet gets one when udev loads its module.
	 */
	if (iommu_member(&d) == GM_OK)
		return 0;
	role = pci_host_role(&d);
	vc_warn("%s: IOMMU group %d also holds %s [%04x:%04x] on %s%s%s: a "
		"VM cannot use the group until it is on vfio-pci too (%s%s%s)",
		g->owner->dev.name, g->owner->dev.group, name, d.id.vendor,
		d.id.device, d.driver[0] ? d.driver : "no driver yet",
		role ? ", the host's " : "", role ? pci_role_name(role) : "",
		role ? "do not claim it: move the card to another slot or "
		       "check the firmware's ACS option"
		     : "add ",
		role ? "" : name, role ? "" : " to vfio.devices=");
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
		char grp[16], line[512];
		int n;

		if (c->dev.group >= 0)
			snprintf(grp, sizeof(grp), "%d", c->dev.group);
		else
			strcpy(grp, "-");
		/* One write(2) per line: the early binary links no stdio. */
		n = snprintf(line, sizeof(line),
			     "plan %s id=%04x:%04x driver=%s group=%s action=%s"
			     "%s%s%s%s%s\n",
			     c->dev.name, c->dev.id.vendor, c->dev.id.device,
			     c->prev_driver[0] ? c->prev_driver : "-", grp,
			     claim_action_name(c->action),
			     c->action == CA_CLAIM ? " to=" : "",
			     c->action != CA_CLAIM ? ""
			     : c->module[0]	   ? c->module
						   : c->target,
			     c->why[0] ? " why=\"" : "", c->why,
			     c->why[0] ? "\"" : "");
		if (n >= (int)sizeof(line))
			n = sizeof(line) - 1;
		if (write(1, line, n) < 0)
			return;
	}
}

void claim_free(struct claim_ctx *ctx)
{
	free(ctx->dev);
	ctx->dev = NULL;
	ctx->ndev = ctx->cap = 0;
}
