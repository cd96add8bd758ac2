// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Carrying the plan out (claim_apply). Claiming a device for vfio-pci
 * without a race against its own driver:
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
#include <string.h>

#include "claim.h"
#include "host.h"
#include "iommu.h"
#include "log.h"

#define VFIO_PCI "vfio-pci"

int vfio_pci_registered(const struct sysfs *s)
{
	return sysfs_exists(s->rootfd, "bus/pci/drivers/" VFIO_PCI);
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

static void log_bound(const struct claim_ctx *ctx, const struct claim_dev *c,
		      int group)
{
	if (c->dev.group >= 0)
		vc_info("%s: bound to %s (IOMMU group %d)", c->dev.name,
			c->target, c->dev.group);
	else if (ctx->noiommu && group >= 0)
		vc_info("%s: bound to %s (no-IOMMU mode: no isolation; vfio's "
			"own group /dev/vfio/noiommu-%d, not an IOMMU's)",
			c->dev.name, c->target, group);
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
		 "%.24s is not available, so it stays on %.23s: %s%.24s%s",
		 c->target, c->prev_driver,
		 ctx->sys->host & HOST_NOMODULES
			 ? "the kernel loads no modules; build "
			 : "add ",
		 c->target,
		 ctx->sys->host & HOST_NOMODULES ? " into it"
						 : " to the initramfs");
	vc_err("%s: %s", c->dev.name, c->why);
}

/*
 * A claimed device: its group may have appeared only at bind, from the
 * IOMMU (virtio-iommu configures a device at probe) or, in no-IOMMU mode,
 * from vfio itself: a device with no IOMMU group gets one that vfio makes
 * (drivers/vfio/group.c, vfio_group_find_or_alloc and
 * vfio_noiommu_group_alloc: named "vfio-noiommu", /dev/vfio/noiommu-N).
 * That one isolates nothing: the device keeps group -1 (record and plan).
 */
static void bound(struct claim_ctx *ctx, struct claim_dev *c)
{
	int g = iommu_group_of(ctx->sys, c->dev.name);

	c->result = CR_CLAIMED;
	if (g >= 0 && !(ctx->noiommu && c->dev.group < 0))
		c->dev.group = g;
	log_bound(ctx, c, g);
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
	claim_warn(c);
	return 0;
}

/*
 * vfio-pci's probe refuses these unless its disable_denylist parameter is
 * set (drivers/vfio/pci/vfio_pci.c, vfio_pci_dev_in_denylist): Intel QAT
 * C3XXX, C62X and DH895XCC, PF and VF (include/linux/pci_ids.h), and
 * Sapphire Rapids DSA and IAX. Only named after the probe failed: the
 * parameter may be set where the early binary cannot see it (modprobe.d).
 */
static int denylisted(const struct pci_id *id)
{
	static const unsigned short dev[] = { 0x19e2, 0x19e3, 0x37c8, 0x37c9,
					      0x0435, 0x0443, 0x0b25, 0x0cfe };
	size_t i;

	for (i = 0; id->vendor == 0x8086 && i < sizeof(dev) / sizeof(dev[0]);
	     i++)
		if (id->device == dev[i])
			return 1;
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
	if (!vfio && ctx->detached) {
		ctx->errors++;
		c->result = CR_FAILED;
		snprintf(c->why, sizeof(c->why),
			 "%s did not register in time: given back", c->target);
		vc_err("%s: %s", name, c->why);
		give_back(ctx, c);
		return;
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
	if (!strcmp(c->target, VFIO_PCI) && denylisted(&c->dev.id))
		snprintf(c->why, sizeof(c->why),
			 "vfio-pci refuses %04x:%04x, on its denylist of "
			 "devices with known errata "
			 "(vfio_pci.disable_denylist=1 lifts it)",
			 c->dev.id.vendor, c->dev.id.device);
	else
		snprintf(c->why, sizeof(c->why),
			 "%s did not take it (dmesg tells why)", c->target);
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
			    (ctx->detach || !strcmp(c->target, VFIO_PCI)))
				set_override(ctx, c);
		}
		if (ctx->detach) {
			ctx->detached = 1;
			ctx->detach(ctx);
		}
		r = ctx->load_module(ctx->load_data, VFIO_PCI);
		ctx->vfio_loading = 0;
		vfio = r != -ETIMEDOUT && vfio_pci_registered(ctx->sys);
		/* Detached: each device says it goes back. */
		if (!vfio && want && !ctx->detached)
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
