// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One judgment, many renderings (judge.h): a device's verdict, computed
 * here once for every verb, and the words they all say it with.
 */
#include <errno.h>
#include <libkmod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "busy.h"
#include "iommu.h"
#include "judge.h"
#include "log.h"

/* ---- the group rule, with what the kernel's modules would bind ---- */

/* libkmod on this host's module directory, opened once per run. */
static struct kmod_ctx *kmod_of(struct vctl *c, int *tried)
{
	static struct kmod_ctx *k;
	static int done;

	if (!done) {
		done = 1;
		k = vctl_kmod_open(c);
	}
	*tried = k != NULL;
	return k;
}

/*
 * The module that binds a device with this modalias at boot (udev's
 * kmod builtin does this lookup; modules.alias and modules.builtin.alias).
 * 1 with its name, 0 none would, -ENODATA cannot tell (no module dir).
 */
static int module_for(struct vctl *c, const char *name, char *module,
		      size_t size)
{
	struct kmod_list *list = NULL, *it;
	struct kmod_ctx *k;
	char alias[256];
	int have, found = 0;

	k = kmod_of(c, &have);
	if (!have)
		return -ENODATA;
	pci_read_modalias(&c->sys, name, alias, sizeof(alias));
	if (!alias[0])
		return -ENODATA;
	if (kmod_module_new_from_lookup(k, alias, &list) < 0)
		return -ENODATA;
	kmod_list_foreach(it, list)
	{
		struct kmod_module *m = kmod_module_get_module(it);
		const char *n = kmod_module_get_name(m);

		/* vfio_pci's own catch-all alias binds nothing by itself. */
		if (!found && strcmp(n, "vfio_pci")) {
			if (module)
				snprintf(module, size, "%s", n);
			found = 1;
		}
		kmod_module_unref(m);
	}
	kmod_module_unref_list(list);
	return found;
}

enum jmember judge_member(struct vctl *c, const struct vc_dev *m, char *module,
			  size_t size)
{
	if (module)
		module[0] = '\0';
	switch (iommu_member(m)) {
	case GM_OK:
		return JM_OK;
	case GM_BLOCKS:
		return JM_BLOCKS;
	case GM_UNBOUND:
		break;
	}
	/*
	 * No driver: it holds no DMA ownership (drivers/iommu/iommu.c: only
	 * a bound driver's iommu_device_use_default_domain counts in
	 * owner_cnt, which iommu_group_claim_dma_owner checks), so it blocks
	 * nothing now; and while a VM holds the group (vfio claimed its DMA
	 * ownership), a driver that tries to bind it is refused (-EBUSY from
	 * iommu_device_use_default_domain: group->owner is set). At boot a
	 * module may bind it first: where this host has a module directory,
	 * modules.alias says whether one would (none for an AMD dummy
	 * host-bridge function); where it has none, today's state is the
	 * evidence: nothing bound it this boot.
	 */
	return module_for(c, m->name, module, size) == 1 ? JM_LATER : JM_IDLE;
}

/* ---- the firmware's 1:1 regions ---- */

int judge_direct(const struct vctl *c, int group, char *region, size_t size)
{
	char p[64], buf[4096], *line, *save = NULL;
	int n;

	region[0] = '\0';
	if (group < 0)
		return 0;
	vc_path(p, sizeof(p), "kernel/iommu_groups/%d/reserved_regions", group);
	/*
	 * iommu_group_show_resv_regions (drivers/iommu/iommu.c): one
	 * "START END TYPE" line per region; TYPE "direct" is an RMRR or IVMD
	 * entry the kernel must keep mapped 1:1 (IOMMU_RESV_DIRECT), which
	 * sets require_direct and makes __iommu_device_set_domain refuse
	 * every domain but the identity one: "Firmware has requested this
	 * device have a 1:1 IOMMU mapping". "direct-relaxable" (USB, GPU
	 * RMRRs) may be given up.
	 */
	n = sysfs_read(c->sys.rootfd, p, buf, sizeof(buf));
	if (n <= 0)
		return 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char s[40], e[40], type[32];

		if (sscanf(line, "%39s %39s %31s", s, e, type) == 3 &&
		    !strcmp(type, "direct")) {
			vctl_fmt(region, size, "%s-%s", s, e);
			return 1;
		}
	}
	return 0;
}

/* ---- the verdict ---- */

#define GROUP_MAX 256

struct gnames {
	char v[GROUP_MAX][PCI_NAME_MAX];
	int n;
};

static int gname_add(const char *name, void *data)
{
	struct gnames *gn = data;

	if (gn->n < GROUP_MAX)
		snprintf(gn->v[gn->n++], PCI_NAME_MAX, "%s", name);
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int in_set(const char *name, const char *const *set, int nset)
{
	int i;

	for (i = 0; i < nset; i++)
		if (!strcmp(set[i], name))
			return 1;
	return 0;
}

/* The group part of the verdict: viability, blockers, later ones. */
static void judge_group(struct vctl *c, const struct vc_dev *d,
			const char *const *set, int nset, struct verdict *v)
{
	static struct gnames gn;
	int i;

	v->nblock = v->nlater = 0;
	v->viable = -1;
	if (d->group < 0)
		return;
	v->viable = 1;
	/* By address, not in directory order. */
	gn.n = 0;
	iommu_group_for_each(&c->sys, d->group, gname_add, &gn);
	if (gn.n)
		qsort(gn.v, gn.n, sizeof(gn.v[0]), cmp_name);
	for (i = 0; i < gn.n; i++) {
		struct jmember_info mi;
		struct vc_dev m;
		int self = !strcmp(gn.v[i], d->name);

		if (self)
			m = *d;
		else if (pci_load(&c->sys, gn.v[i], &m))
			continue;
		memset(&mi, 0, sizeof(mi));
		mi.kind = judge_member(c, &m, mi.module, sizeof(mi.module));
		if (mi.kind == JM_BLOCKS)
			v->viable = 0;
		if (self || in_set(gn.v[i], set, nset))
			continue;
		snprintf(mi.name, sizeof(mi.name), "%s", m.name);
		mi.id = m.id;
		snprintf(mi.driver, sizeof(mi.driver), "%s", m.driver);
		mi.role = pci_host_role(&m);
		if (mi.kind == JM_BLOCKS && v->nblock < JMEMBER_MAX)
			v->block[v->nblock++] = mi;
		else if (mi.kind == JM_LATER && v->nlater < JMEMBER_MAX)
			v->later[v->nlater++] = mi;
	}
}

void judge_device(struct vctl *c, const struct vc_dev *d,
		  const char *const *set, int nset, struct verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->dev = d;
	/* With vfio's no-IOMMU mode on, vfio makes the group itself. */
	v->nogroup = d->group < 0 && !iommu_noiommu_enabled(&c->sys) &&
		     iommu_ungrouped(&c->sys, d->name);
	/* On vfio already, the host has nothing of it left to lose (a boot
	 * framebuffer in its BARs is verify's own problem). */
	if (!iommu_is_vfio_driver(d->driver))
		v->uses = vctl_host_uses(c, d, v->use, sizeof(v->use));
	if (d->group >= 0)
		v->direct =
			judge_direct(c, d->group, v->region, sizeof(v->region));
	judge_group(c, d, set, nset, v);
}

/* ---- the words ---- */

void judge_use_text(const struct verdict *v, char *buf, size_t size)
{
	vctl_fmt(buf, size, "the host uses it (%s)", v->use);
}

void judge_nogroup_text(char *msg, size_t msize, char *fix, size_t fsize)
{
	vctl_fmt(msg, msize,
		 "has no IOMMU group: the IOMMU does not translate it (the "
		 "IOMMU's own function, a root complex), so it never gets one "
		 "and vfio-pci cannot take it");
	vctl_fmt(fix, fsize, "leave it to the host: no VM can have it");
}

void judge_direct_text(const struct verdict *v, char *msg, size_t msize,
		       char *fix, size_t fsize)
{
	vctl_fmt(msg, msize,
		 "the firmware requires a 1:1 IOMMU mapping for IOMMU group "
		 "%d (a direct region %s in its reserved_regions, an RMRR or "
		 "IVMD entry that is not relaxable): the kernel never lets a "
		 "VM have the group (\"Firmware has requested this device "
		 "have a 1:1 IOMMU mapping\")",
		 v->dev->group, v->region);
	vctl_fmt(fix, fsize,
		 "put the card in another slot, turn off a firmware option "
		 "such as \"Pre-boot DMA Protection\", or ask the board's "
		 "vendor for a firmware that does not demand it");
}

void judge_member_text(const struct vc_dev *d, const struct jmember_info *m,
		       char *msg, size_t msize, char *fix, size_t fsize)
{
	char on[DRV_NAME_MAX + 96];

	if (m->kind == JM_LATER)
		vctl_fmt(on, sizeof(on),
			 "with no driver yet: %s binds it at boot", m->module);
	else
		vctl_fmt(on, sizeof(on), "on %s", m->driver);
	if (m->role != ROLE_NONE) {
		/* Never advise handing the host's disks, network or
		 * console to vfio: what helps is another slot, or ACS. */
		vctl_fmt(msg, msize,
			 "IOMMU group %d also holds %s [%04x:%04x] %s, the "
			 "host's %s: a VM cannot use the group while the host "
			 "keeps it",
			 d->group, m->name, m->id.vendor, m->id.device, on,
			 pci_role_name(m->role));
		vctl_fmt(fix, fsize,
			 "do not claim %s: move the card to a slot with its "
			 "own IOMMU group, or check the firmware's ACS option",
			 m->name);
		return;
	}
	vctl_fmt(msg, msize,
		 "IOMMU group %d also holds %s [%04x:%04x] %s: a VM cannot use "
		 "the group until it is on vfio-pci too",
		 d->group, m->name, m->id.vendor, m->id.device, on);
	vctl_fmt(fix, fsize,
		 "add %04x:%04x@%s to vfio.devices= (or run 'vfioctl bind "
		 "%s'), or move the card to a slot with its own group",
		 m->id.vendor, m->id.device, m->name, m->name);
}

void judge_warn_group(const struct verdict *v, int boot)
{
	char msg[400], fix[400];
	int i;

	for (i = 0; i < v->nblock + (boot ? v->nlater : 0); i++) {
		const struct jmember_info *m =
			i < v->nblock ? &v->block[i] : &v->later[i - v->nblock];

		judge_member_text(v->dev, m, msg, sizeof(msg), fix,
				  sizeof(fix));
		vc_warn("%s: %s: %s", v->dev->name, msg, fix);
	}
}

/* ---- plan, bind, reserve ---- */

struct verb_words {
	const char *verb, *not_done, *doing, *takes;
};

static const struct verb_words words[] = {
	{ "plan", "not claimed", "claiming",
	  "vfio-claim would take it from the host at the next boot" },
	{ "bind", "not bound", "binding",
	  "vfio-pci would take it from the host" },
	{ "reserve", "not reserved", "reserving",
	  "vfio-claim would take it from the host at every boot" },
};

static const struct verb_words *words_of(const char *verb)
{
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(words[i].verb, verb))
			return &words[i];
	return &words[0];
}

/*
 * why= of a refusal: the reason, then the way past, which must fit. plan
 * has no --force: reserve's is the way past for the boot.
 */
static void refusal_why(struct claim_dev *d, const char *what, const char *verb)
{
	const char *tail =
		!strcmp(verb, "plan")
			? "; 'vfioctl reserve --force' takes it anyway"
			: "; --force takes it anyway";
	int room = (int)(sizeof(d->why) - strlen(tail) - 1);

	vctl_fmt(d->why, sizeof(d->why), "%.*s%s", room, what, tail);
}

static int holds(const struct claim_dev *d)
{
	return d->action == CA_CLAIM || d->action == CA_ALREADY;
}

int judge_claims(struct vctl *c, struct claim_ctx *ctx, const char *verb)
{
	const struct verb_words *w = words_of(verb);
	struct verdict *vs;
	const char **set;
	int i, n = 0, refused = 0;

	set = calloc(ctx->ndev + 1, sizeof(*set));
	vs = calloc(ctx->ndev + 1, sizeof(*vs));
	if (!set || !vs) {
		free(set);
		free(vs);
		return 0;
	}
	for (i = 0; i < ctx->ndev; i++)
		if (holds(&ctx->dev[i]))
			set[n++] = ctx->dev[i].dev.name;
	/* First what refuses a device, then the groups of those left. */
	for (i = 0; i < ctx->ndev; i++) {
		struct claim_dev *d = &ctx->dev[i];
		char what[320], msg[400], fix[400];
		struct verdict *vp = &vs[i];

		if (!holds(d))
			continue;
		/* Once per device: the host-use test may log (-v). */
		judge_device(c, &d->dev, set, n, vp);
		if (d->action != CA_CLAIM || c->force)
			continue;
		if (vp->uses) {
			vc_err("%s: %s: %s, and %s; use --force if you really "
			       "mean it",
			       d->dev.name, w->not_done, vp->use, w->takes);
			judge_use_text(vp, what, sizeof(what));
		} else if (vp->direct) {
			judge_direct_text(vp, msg, sizeof(msg), fix,
					  sizeof(fix));
			vc_err("%s: %s: %s; %s; use --force to take it anyway",
			       d->dev.name, w->not_done, msg, fix);
			vctl_fmt(what, sizeof(what),
				 "the firmware requires a 1:1 IOMMU mapping "
				 "for its group (direct region %s)",
				 vp->region);
		} else {
			continue;
		}
		refusal_why(d, what, verb);
		d->action = CA_REFUSE;
		d->result = CR_SKIPPED;
		ctx->errors++;
		refused++;
	}
	/* reserve changes nothing after a refusal: no more to say. */
	if (refused && !strcmp(verb, "reserve")) {
		free(set);
		free(vs);
		return refused;
	}
	for (i = n = 0; i < ctx->ndev; i++)
		if (holds(&ctx->dev[i]))
			set[n++] = ctx->dev[i].dev.name;
	for (i = 0; i < ctx->ndev; i++) {
		struct claim_dev *d = &ctx->dev[i];
		char msg[400], fix[400];
		struct verdict *vp = &vs[i];

		if (!holds(d))
			continue;
		/* The members the refused ones leave in the way. */
		if (refused)
			judge_group(c, &d->dev, set, n, vp);
		if (vp->uses && d->action == CA_CLAIM)
			vc_warn("%s: %s; --force: %s it anyway", d->dev.name,
				vp->use, w->doing);
		if (vp->direct) {
			judge_direct_text(vp, msg, sizeof(msg), fix,
					  sizeof(fix));
			vc_warn("%s: %s; %s", d->dev.name, msg, fix);
		}
		/* bind is about now: a member with no driver does not block
		 * (judge_member); plan and reserve, about the boot. */
		judge_warn_group(vp, strcmp(verb, "bind") != 0);
	}
	free(set);
	free(vs);
	return refused;
}
