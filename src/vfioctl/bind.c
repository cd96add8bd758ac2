// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl bind: the claim vfio-claim does at boot (claim_plan and
 * claim_apply, the same code), now, with vfio-pci loaded through libkmod.
 * vfioctl unbind: the way back: clear driver_override, unbind, reprobe,
 * and check that the driver vfio-claim or bind recorded is back. After a
 * boot claim the record has no previous_driver= (the device's module had
 * not loaded yet): then the module its modalias resolves to is loaded
 * (libkmod, or --modprobe) and the device probed again.
 */
#include <errno.h>
#include <libkmod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claim.h"
#include "cmdline.h"
#include "iommu.h"
#include "log.h"
#include "record.h"
#include "ids.h"
#include "judge.h"
#include "vfioctl.h"

int cmd_bind(struct vctl *c, int argc, char **argv)
{
	static struct sel_list l;
	static char cmdline[CMDLINE_MAX + 1];
	struct claim_ctx ctx;
	int i, r, bad;

	if (!argc) {
		fprintf(stderr, "vfioctl bind: name at least one device\n");
		return 2;
	}
	if (vctl_parse_args(argc, argv, &l))
		return 2;
	memset(&ctx, 0, sizeof(ctx));
	ctx.sys = &c->sys;
	ctx.alias_path = vctl_alias_path(c);
	ctx.dry_run = c->dry_run;
	ctx.cmdline =
		vctl_cmdline(c, cmdline, sizeof(cmdline)) ? cmdline : NULL;
	if (c->real || c->modprobe) {
		ctx.load_module = vctl_load_module;
		ctx.load_data = c;
	}
	r = claim_plan(&ctx, &l);
	/* Before anything is written: the verdict plan and reserve give. */
	if (r == 0) {
		judge_claims(c, &ctx, "bind");
		r = claim_apply(&ctx);
	}
	bad = ctx.errors + (r != 0);
	for (i = 0; i < ctx.ndev; i++) {
		struct claim_dev *d = &ctx.dev[i];

		if (c->dry_run) {
			printf("%s [%04x:%04x]: would %s (on %s)\n",
			       d->dev.name, d->dev.id.vendor, d->dev.id.device,
			       d->action == CA_CLAIM ? "bind it to vfio-pci"
			       : d->action == CA_ALREADY
				       ? "leave it on vfio-pci"
				       : "refuse it",
			       d->prev_driver[0] ? d->prev_driver
						 : "no driver");
			continue;
		}
		if (!c->quiet && d->result == CR_CLAIMED)
			printf("%s [%04x:%04x]: on vfio-pci%s%s%s\n",
			       d->dev.name, d->dev.id.vendor, d->dev.id.device,
			       d->action == CA_ALREADY ? " already" : " (was ",
			       d->action == CA_ALREADY ? ""
			       : d->prev_driver[0]     ? d->prev_driver
						       : "no driver",
			       d->action == CA_ALREADY ? "" : ")");
		else if (!c->quiet && d->result == CR_PENDING)
			printf("%s: driver_override holds it until vfio-pci "
			       "loads\n",
			       d->dev.name);
	}
	if (c->rundir[0] && !c->dry_run &&
	    record_write_claims(c->rundir, &ctx, "vfioctl", 0))
		bad++;
	claim_free(&ctx);
	return bad ? 1 : 0;
}

/* ---- unbind ---- */

/* The first entry of a vfio-pci ids= value that matches d, in hit. */
static int ids_name(const char *ids, const struct vc_dev *d, char *hit,
		    size_t size)
{
	struct ids_entry e;
	char one[64];
	int r;

	while ((r = ids_next(&ids, &e, one, sizeof(one))))
		if (r > 0 && ids_match_id(&e, &d->id) &&
		    ids_match_class(&e, d->class)) {
			vctl_fmt(hit, size, "%s", one);
			return 1;
		}
	return 0;
}

/* ids= in an options string from modprobe.d ("ids=... disable_vga=1"). */
static int options_name(const char *opts, const struct vc_dev *d, char *hit,
			size_t size)
{
	char buf[1024], *tok, *save = NULL;

	vctl_fmt(buf, sizeof(buf), "%s", opts);
	for (tok = strtok_r(buf, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save))
		if (!strncmp(tok, "ids=", 4) && ids_name(tok + 4, d, hit, size))
			return 1;
	return 0;
}

/*
 * Why vfio-pci takes d on a reprobe without driver_override: its ids=
 * (kernel command line or modprobe.d) names it, or a dynamic ID does.
 */
static void why_vfio_takes(struct vctl *c, const struct vc_dev *d, char *why,
			   size_t size)
{
	static char cmdline[32768];
	char val[4096], hit[64];
	struct kmod_module *m = NULL;
	struct kmod_ctx *k;
	int found = 0;

	if (vctl_cmdline(c, cmdline, sizeof(cmdline)) &&
	    cmdline_get_last(cmdline, "vfio-pci.ids", val, sizeof(val)) > 0 &&
	    ids_name(val, d, hit, sizeof(hit))) {
		vctl_fmt(why, size,
			 "vfio-pci.ids=%s on the kernel command line names it: "
			 "remove it there (and from the boot loader's "
			 "configuration)",
			 hit);
		found = 1;
	}
	k = found ? NULL : vctl_kmod_open(c);
	if (k && kmod_module_new_from_name(k, "vfio_pci", &m) == 0) {
		const char *o = kmod_module_get_options(m);

		if (o && options_name(o, d, hit, sizeof(hit))) {
			vctl_fmt(
				why, size,
				"'options vfio-pci ids=%s' in modprobe.d names "
				"it: remove it there (and rebuild the "
				"initramfs)",
				hit);
			found = 1;
		}
		kmod_module_unref(m);
	}
	if (k)
		kmod_unref(k);
	if (!found)
		vctl_fmt(why, size,
			 "a dynamic ID of vfio-pci (new_id) names it");
}

/*
 * Loads the modules that alias resolves to (as udev's kmod builtin does:
 * libkmod lookup, modprobe.d blacklist applied). names gets them
 * ("nouveau"); 0 when at least one loaded (or was there), else -errno and
 * why.
 */
static int load_for_alias(struct vctl *c, const char *alias, char *names,
			  size_t nsize, char *why, size_t wsize)
{
	struct kmod_list *list = NULL, *ok = NULL, *it;
	struct kmod_ctx *k = vctl_kmod_open(c);
	int r = -ENOENT, n = 0;
	size_t len = 0;

	names[0] = '\0';
	if (!k && c->real)
		k = kmod_new(NULL, NULL);
	if (!k) {
		vctl_fmt(why, wsize, "no module directory to resolve %s",
			 alias);
		return -ENODATA;
	}
	if (kmod_module_new_from_lookup(k, alias, &list) < 0 || !list) {
		kmod_unref(k);
		vctl_fmt(why, wsize, "no module matches its modalias %s",
			 alias);
		return -ENOENT;
	}
	if (kmod_module_apply_filter(k, KMOD_FILTER_BLACKLIST, list, &ok) < 0)
		ok = NULL;
	if (!ok) {
		struct kmod_module *m = kmod_module_get_module(list);

		vctl_fmt(why, wsize,
			 "%s, the module for its modalias, is blacklisted in "
			 "modprobe.d",
			 kmod_module_get_name(m));
		kmod_module_unref(m);
		r = -EPERM;
	}
	kmod_list_foreach(it, ok)
	{
		struct kmod_module *m = kmod_module_get_module(it);
		const char *name = kmod_module_get_name(m);
		int e;

		len += snprintf(names + len, len < nsize ? nsize - len : 0,
				"%s%s", n++ ? ", " : "", name);
		if (len >= nsize)
			len = nsize - 1;
		e = vctl_load_module(c, name);
		if (e == 0 || r == -ENOENT)
			r = e;
		if (e)
			vctl_fmt(why, wsize, "cannot load %s: %s", name,
				 e == -EPERM ? "a fake host loads modules only "
					       "with --modprobe"
					     : vc_strerror(-e));
		kmod_module_unref(m);
	}
	kmod_module_unref_list(ok);
	kmod_module_unref_list(list);
	kmod_unref(k);
	return r;
}

/* The modalias: from the record, else the device's attribute. */
static void device_alias(struct vctl *c, const char *name,
			 const struct record *rec, char *buf, size_t size)
{
	if (rec->modalias[0])
		vctl_fmt(buf, size, "%s", rec->modalias);
	else
		pci_read_modalias(&c->sys, name, buf, size);
}

/*
 * The module of the driver drv, for "modprobe": a driver's name is not
 * its module's (xhci_hcd is in xhci_pci). The driver's module link when
 * it is registered, else the module the device's modalias resolves to
 * (libkmod, as udev), else drv with '-' as '_'.
 */
static void driver_module(struct vctl *c, const char *drv, const char *alias,
			  char *mod, size_t size)
{
	struct kmod_list *list = NULL;
	struct kmod_ctx *k;
	char p[DRV_NAME_MAX + 32];
	size_t i;

	vc_path(p, sizeof(p), "bus/pci/drivers/%s/module", drv);
	if (sysfs_link_name(c->sys.rootfd, p, mod, size) > 0)
		return;
	k = alias[0] ? vctl_kmod_open(c) : NULL;
	if (k && kmod_module_new_from_lookup(k, alias, &list) == 0 && list) {
		struct kmod_module *m = kmod_module_get_module(list);

		vctl_fmt(mod, size, "%s", kmod_module_get_name(m));
		kmod_module_unref(m);
		kmod_module_unref_list(list);
		kmod_unref(k);
		return;
	}
	if (k)
		kmod_unref(k);
	vctl_fmt(mod, size, "%s", drv);
	for (i = 0; mod[i]; i++)
		if (mod[i] == '-')
			mod[i] = '_';
}

/* "is xhci_hcd (module xhci_pci) loaded? ('modprobe xhci_pci', then" */
static void load_hint(struct vctl *c, const char *name, const char *drv,
		      const struct record *rec, char *buf, size_t size)
{
	char alias[RECORD_MODALIAS_MAX], mod[DRV_NAME_MAX];

	device_alias(c, name, rec, alias, sizeof(alias));
	driver_module(c, drv, alias, mod, sizeof(mod));
	if (!strcmp(mod, drv))
		vctl_fmt(buf, size, "is %s loaded? ('modprobe %s', then", drv,
			 mod);
	else
		vctl_fmt(buf, size,
			 "is %s (module %s) loaded? ('modprobe %s', then", drv,
			 mod, mod);
}

static void reprobe(struct vctl *c, const char *name)
{
	int r = sysfs_write(c->sys.rootfd, "bus/pci/drivers_probe", name);

	if (r)
		vc_dbg("%s: drivers_probe: %s", name, vc_strerror(r));
}

static int unbind_one(struct vctl *c, const struct vc_dev *d)
{
	const char *name = d->name;
	char p[128], drv[DRV_NAME_MAX];
	struct record rec;
	/* vfio-pci or a variant (mlx5_vfio_pci): vfio's either way. */
	int r, on_vfio = iommu_is_vfio_driver(d->driver);
	int held = iommu_is_vfio_driver(d->override);

	if (!on_vfio && !held) {
		if (!c->quiet)
			printf("%s: not on vfio-pci (%s): nothing to do\n",
			       name, d->driver[0] ? d->driver : "no driver");
		return 0;
	}
	if (on_vfio && vctl_group_status(c, d->group) == -EBUSY) {
		if (!c->force) {
			vc_err("%s: IOMMU group %d is in use (a VM holds "
			       "/dev/vfio/%d): stop the VM first, or use "
			       "--force",
			       name, d->group, d->group);
			return -EBUSY;
		}
		vc_warn("%s: IOMMU group %d is in use; --force: unbinding "
			"anyway",
			name, d->group);
	}
	if (record_read_dev(c->rundir[0] ? c->rundir : "/nonexistent", name,
			    &rec))
		memset(&rec, 0, sizeof(rec));
	if (c->dry_run) {
		printf("%s: would clear driver_override%s%s and reprobe; "
		       "expected back on %s\n",
		       name, on_vfio ? ", unbind it from " : "",
		       on_vfio ? d->driver : "",
		       rec.previous_driver[0] ? rec.previous_driver
					      : "its own driver");
		return 0;
	}
	r = sysfs_write(c->sys.devfd, pci_attr(name, "driver_override"), "\n");
	if (r) {
		vc_err("%s: cannot clear driver_override: %s", name,
		       vc_strerror(r));
		return r;
	}
	if (on_vfio) {
		vc_path(p, sizeof(p), "bus/pci/drivers/%s/unbind", d->driver);
		r = sysfs_write(c->sys.rootfd, p, name);
		if (r) {
			vc_err("%s: cannot unbind it from %s: %s; "
			       "driver_override is cleared",
			       name, d->driver, vc_strerror(r));
			return r;
		}
	}
	reprobe(c, name);
	r = pci_read_driver(&c->sys, name, drv, sizeof(drv));
	if (r) {
		vc_err("%s: cannot read its driver: %s", name, vc_strerror(r));
		return r;
	}
	if (!drv[0]) {
		/* A boot claim: its own module never loaded. Load it now. */
		char alias[RECORD_MODALIAS_MAX], mods[128], why[256] = "";

		device_alias(c, name, &rec, alias, sizeof(alias));
		r = alias[0] ? load_for_alias(c, alias, mods, sizeof(mods), why,
					      sizeof(why))
			     : -ENOENT;
		if (!alias[0])
			vctl_fmt(why, sizeof(why),
				 "it has no modalias to find its module by");
		if (r == 0) {
			reprobe(c, name);
			r = pci_read_driver(&c->sys, name, drv, sizeof(drv));
			if (r)
				drv[0] = '\0';
			if (!drv[0])
				vctl_fmt(why, sizeof(why),
					 "%s is loaded but did not take it "
					 "('dmesg' may say why)",
					 mods);
		}
		if (!drv[0] && rec.previous_driver[0]) {
			char hint[160];

			load_hint(c, name, rec.previous_driver, &rec, hint,
				  sizeof(hint));
			vc_err("%s: was on %s before vfio-pci, but is on no "
			       "driver now: %s; %s 'echo %s > "
			       "/sys/bus/pci/drivers_probe')",
			       name, rec.previous_driver, why, hint, name);
			return -ENODEV;
		}
		if (!drv[0]) {
			vc_err("%s: off vfio-pci, but no driver took it: %s",
			       name, why);
			return -ENODEV;
		}
	}
	if (strstr(drv, "vfio")) {
		char why[256], p2[128];

		/* Leave it as it was: held for vfio-pci. */
		vc_path(p2, sizeof(p2), "%s/driver_override", name);
		sysfs_write(c->sys.devfd, p2,
			    d->override[0] ? d->override : VFIO_PCI_DRV);
		why_vfio_takes(c, d, why, sizeof(why));
		vc_err("%s: %s took it straight back: %s; then 'echo \"%04x "
		       "%04x\" > /sys/bus/pci/drivers/vfio-pci/remove_id' "
		       "and 'vfioctl unbind %s' again",
		       name, drv, why, d->id.vendor, d->id.device, name);
		return -EBUSY;
	}
	if (rec.previous_driver[0] && strcmp(rec.previous_driver, drv)) {
		char hint[160];

		load_hint(c, name, rec.previous_driver, &rec, hint,
			  sizeof(hint));
		vc_err("%s: was on %s before vfio-pci, but is on %s now: %s "
		       "'echo %s > /sys/bus/pci/drivers_probe')",
		       name, rec.previous_driver, drv[0] ? drv : "no driver",
		       hint, name);
		return -ENODEV;
	}
	if (!c->quiet)
		printf("%s: off vfio-pci, now on %s\n", name,
		       drv[0] ? drv : "no driver");
	if (c->rundir[0]) {
		r = record_remove_dev(c->rundir, name);
		if (r && r != -ENOENT)
			vc_warn("%s: cannot remove its record: %s", name,
				vc_strerror(r));
	}
	return 0;
}

int cmd_unbind(struct vctl *c, int argc, char **argv)
{
	static struct sel_list l;
	struct vmiss_list miss = { .n = 0 };
	struct vdev_list devs = { 0 };
	int i, bad = 0;

	if (!argc) {
		fprintf(stderr, "vfioctl unbind: name at least one device\n");
		return 2;
	}
	if (vctl_parse_args(argc, argv, &l))
		return 2;
	if (vctl_resolve(c, &l, &devs, &miss))
		return 1;
	for (i = 0; i < miss.n; i++) {
		vc_err("%s: %s%s%s", miss.m[i].sel->text,
		       miss.m[i].kind == CM_VETOED ? miss.m[i].name : "",
		       miss.m[i].kind == CM_VETOED ? ": " : "",
		       vctl_miss_text(&miss.m[i]));
		bad++;
	}
	for (i = 0; i < devs.n; i++)
		bad += unbind_one(c, &devs.v[i].dev) != 0;
	vdev_list_free(&devs);
	return bad ? 1 : 0;
}
