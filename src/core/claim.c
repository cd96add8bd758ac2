// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Claiming a device for vfio-pci without a race against its own driver:
 *   1. write "vfio-pci" to driver_override: from now on no other driver
 *      can bind it, whatever loads later;
 *   2. if another driver is bound, write the address to its unbind;
 *   3. if vfio-pci is registered, write the address to drivers_probe;
 *   4. read the driver link: drivers_probe reports no failure itself.
 * A device with no driver gets step 1 before vfio-pci loads: vfio-pci then
 * takes it while it registers (the kernel offers a registering driver every
 * device without one), and step 3 is only needed when it did not. A bound
 * device is unbound only once vfio-pci is registered.
 * Anything that goes wrong after step 1 is rolled back, so that a device
 * vfio-pci cannot take always keeps (or gets back) a driver of its own.
 * new_id is never used: it would take every device with that ID.
 */
#include <dirent.h>
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

int vfio_pci_registered(const struct sysfs *s)
{
	return sysfs_exists(s->rootfd, "bus/pci/drivers/" VFIO_PCI);
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
 * alias matches the device's modalias best (variant.c), else vfio-pci.
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
	if (ctx->alias_path) {
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
		   iommu_absent(ctx->sys, ctx->dry_run)) {
		char fix[120];

		iommu_advice(ctx->sys, ctx->cmdline, fix, sizeof(fix));
		snprintf(why, sizeof(why), "has no IOMMU group: %s", fix);
		refuse(c, CA_REFUSE, why);
	} else {
		/*
		 * With an IOMMU registered, a device may get its group only
		 * when a driver binds (virtio-iommu with ACPI VIOT): claim
		 * it; if vfio-pci does not take it, it is given back.
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
		}
	}
	return 0;
}

static int write_override(struct claim_ctx *ctx, const char *name,
			  const char *val)
{
	return sysfs_write(ctx->sys->devfd, pci_attr(name, "driver_override"),
			   val);
}

/* Clears driver_override and lets the kernel find the device's own driver. */
static void give_back(struct claim_ctx *ctx, struct claim_dev *c)
{
	char drv[DRV_NAME_MAX];
	const char *name = c->dev.name;
	int r = write_override(ctx, name, "\n");

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

static void log_bound(const struct claim_ctx *ctx, const struct claim_dev *c)
{
	if (c->dev.group >= 0)
		vc_info("%s: bound to %s (IOMMU group %d)", c->dev.name,
			c->target, c->dev.group);
	else
		vc_info("%s: bound to %s (%s)", c->dev.name, c->target,
			ctx->noiommu ? "no-IOMMU mode: no isolation"
				     : "its IOMMU group is unreadable");
}

/* Unbinding it now would leave it with no driver at all. */
static void stays(struct claim_ctx *ctx, struct claim_dev *c)
{
	ctx->errors++;
	c->result = CR_FAILED;
	snprintf(c->why, sizeof(c->why),
		 "%.32s is not available, so it stays on %.32s: add %.32s to "
		 "the initramfs",
		 c->target, c->prev_driver, c->target);
	vc_err("%s: %s", c->dev.name, c->why);
}

/* A claimed device: its group may have appeared only at bind. */
static void bound(struct claim_ctx *ctx, struct claim_dev *c)
{
	int g = iommu_group_of(ctx->sys, c->dev.name);

	c->result = CR_CLAIMED;
	if (g >= 0)
		c->dev.group = g;
	log_bound(ctx, c);
}

/* Step 1; 0 when written, else the device is failed (nothing to undo). */
static int set_override(struct claim_ctx *ctx, struct claim_dev *c)
{
	const char *name = c->dev.name;
	char why[64];
	int r = write_override(ctx, name, c->target);

	if (r) {
		snprintf(why, sizeof(why),
			 "cannot write %.24s to driver_override", c->target);
		fail(ctx, c, r, why);
		return r;
	}
	c->override_set = 1;
	vc_info("%s [%04x:%04x]: driver_override set to %s", name,
		c->dev.id.vendor, c->dev.id.device, c->target);
	if (c->dev.boot_vga == 1)
		vc_warn("%s is the boot display: the console and any LUKS "
			"prompt on it go dark",
			name);
	return 0;
}

static void claim_one(struct claim_ctx *ctx, struct claim_dev *c, int vfio)
{
	const char *name = c->dev.name;
	char *prev = c->prev_driver;
	char p[128], drv[DRV_NAME_MAX];
	int r;

	/* Set before vfio-pci loaded when it had no driver (claim_apply). */
	if (!c->override_set) {
		if (prev[0] && !vfio) {
			stays(ctx, c);
			return;
		}
		if (set_override(ctx, c))
			return;
	}
	/*
	 * The plan read the driver before the override: a module that
	 * loaded since (systemd-modules-load runs beside this hook) may
	 * have bound it. From here on the override keeps any other driver
	 * off, so this read is the last word. An override set before
	 * vfio-pci loaded: vfio-pci took the device while it registered,
	 * or it has no driver, or a driver bound it before the override.
	 */
	r = pci_read_driver(ctx->sys, name, drv, sizeof(drv));
	if (r) {
		fail(ctx, c, r, "cannot read its driver link");
		if (c->result != CR_GONE)
			give_back(ctx, c);
		return;
	}
	if (!strcmp(drv, c->target)) {
		bound(ctx, c);
		return;
	}
	if (strcmp(drv, prev)) {
		if (drv[0])
			vc_info("%s: %s bound it since the plan", name, drv);
		memcpy(prev, drv, sizeof(c->prev_driver));
		if (prev[0] && !vfio) {
			stays(ctx, c);
			give_back(ctx, c);
			return;
		}
	}
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
		vc_info("%s: driver_override holds it until %s loads", name,
			c->target);
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
	if (!strcmp(drv, c->target)) {
		bound(ctx, c);
		return;
	}
	ctx->errors++;
	c->result = CR_FAILED;
	snprintf(c->why, sizeof(c->why), "%s did not take it (dmesg tells why)",
		 c->target);
	vc_err("%s: %s; giving it back", name, c->why);
	give_back(ctx, c);
}

/* The PCI driver a loaded module registered: module/M/drivers/pci:NAME. */
static int module_driver(const struct sysfs *s, const char *module, char *drv,
			 size_t size)
{
	char p[96];
	struct dirent *de;
	DIR *dir;
	int r = -ENOENT;

	vc_path(p, sizeof(p), "module/%s/drivers", module);
	dir = sysfs_opendir(s->rootfd, p);
	if (!dir)
		return -errno;
	while ((de = readdir(dir)))
		if (!strncmp(de->d_name, "pci:", 4) &&
		    strlen(de->d_name + 4) < size) {
			strcpy(drv, de->d_name + 4);
			r = 0;
			break;
		}
	closedir(dir);
	return r;
}

/*
 * Loads the variant modules the plan chose, and learns their drivers'
 * names (the override names the driver, not the module). A variant that
 * does not load: vfio-pci instead when the variant was only our pick, a
 * failure when the selector named it.
 */
static void load_variants(struct claim_ctx *ctx)
{
	int i;

	for (i = 0; i < ctx->ndev; i++) {
		struct claim_dev *c = &ctx->dev[i];

		if (c->action != CA_CLAIM || !c->module[0])
			continue;
		if (module_driver(ctx->sys, c->module, c->target,
				  sizeof(c->target)) &&
		    (!ctx->load_module ||
		     ctx->load_module(ctx->load_data, c->module) ||
		     module_driver(ctx->sys, c->module, c->target,
				   sizeof(c->target)))) {
			strcpy(c->target, VFIO_PCI);
			if (c->sel->driver[0]) {
				ctx->errors++;
				c->action = CA_REFUSE;
				c->result = CR_FAILED;
				snprintf(c->why, sizeof(c->why),
					 "%s did not load: is it in the "
					 "initramfs?",
					 c->module);
				vc_err("%s: %s", c->dev.name, c->why);
				continue;
			}
			vc_warn("%s: %s did not load; using vfio-pci",
				c->dev.name, c->module);
		}
		c->module[0] = '\0';
	}
}

int claim_apply(struct claim_ctx *ctx)
{
	int i, r, want = 0;
	/*
	 * Registered is not loaded while its modprobe runs: bus_add_driver
	 * makes the directory before it offers the driver any device.
	 */
	int vfio = !ctx->vfio_loading && vfio_pci_registered(ctx->sys);

	if (ctx->dry_run)
		return 0;
	load_variants(ctx);
	for (i = 0; i < ctx->ndev; i++)
		want += ctx->dev[i].action == CA_CLAIM &&
			!strcmp(ctx->dev[i].target, VFIO_PCI);
	if ((want || ctx->vfio_loading) && !vfio && ctx->load_module) {
		/*
		 * A device with no driver gets its override first, so that
		 * vfio-pci takes it while it registers (a modprobe started
		 * before the plan may have registered it already: claim_one
		 * probes it then). A bound one is left alone until modprobe
		 * is done and vfio-pci is there to take it; after a modprobe
		 * that did not end, never.
		 */
		for (i = 0; i < ctx->ndev; i++) {
			struct claim_dev *c = &ctx->dev[i];

			if (c->action == CA_CLAIM && !c->prev_driver[0] &&
			    !strcmp(c->target, VFIO_PCI))
				set_override(ctx, c);
		}
		r = ctx->load_module(ctx->load_data, VFIO_PCI);
		ctx->vfio_loading = 0;
		vfio = r != -ETIMEDOUT && vfio_pci_registered(ctx->sys);
		if (!vfio && want)
			vc_warn("vfio-pci did not load: devices without a "
				"driver wait for it, bound ones stay put");
	}
	for (i = 0; i < ctx->ndev; i++) {
		struct claim_dev *c = &ctx->dev[i];

		if (c->action == CA_ALREADY) {
			c->result = CR_CLAIMED;
			vc_info("%s: already on %s", c->dev.name, c->target);
			if (strcmp(c->dev.override, c->target))
				write_override(ctx, c->dev.name, c->target);
		} else if (c->action == CA_CLAIM && c->result == CR_NONE) {
			claim_one(ctx, c,
				  strcmp(c->target, VFIO_PCI) ? 1 : vfio);
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
