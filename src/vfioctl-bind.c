// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl bind: the claim vfio-claim does at boot (claim_plan and
 * claim_apply, the same code), now, with vfio-pci loaded through libkmod.
 * vfioctl unbind: the way back: clear driver_override, unbind, reprobe,
 * and check that the driver vfio-claim or bind recorded is back.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "claim.h"
#include "log.h"
#include "record.h"
#include "vfioctl.h"

int cmd_bind(struct vctl *c, int argc, char **argv)
{
	static struct sel_list l;
	struct claim_ctx ctx;
	struct record rec;
	int i, r, bad;

	if (!argc) {
		fprintf(stderr, "vfioctl bind: name at least one device\n");
		return 2;
	}
	if (vctl_parse_args(argc, argv, &l))
		return 2;
	memset(&ctx, 0, sizeof(ctx));
	ctx.sys = &c->sys;
	ctx.dry_run = c->dry_run;
	if (c->real) {
		ctx.load_module = vctl_load_module;
		ctx.load_data = c;
	}
	r = claim_plan(&ctx, &l);
	if (r == 0)
		r = claim_apply(&ctx);
	if (r == 0)
		claim_check_groups(&ctx);
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
		if (!c->rundir[0] || d->action == CA_REFUSE ||
		    d->action == CA_VETO)
			continue;
		/* Keep the boot record: it knows the original driver. */
		if (d->action == CA_ALREADY &&
		    record_read_dev(c->rundir, d->dev.name, &rec) == 0)
			continue;
		r = record_write_dev(c->rundir, d, "vfioctl");
		if (r) {
			vc_err("%s: cannot record %s: %s", c->rundir,
			       d->dev.name, vc_strerror(r));
			bad++;
		}
	}
	claim_free(&ctx);
	return bad ? 1 : 0;
}

static int unbind_one(struct vctl *c, const struct pci_dev *d)
{
	const char *name = d->name;
	char p[128], drv[DRV_NAME_MAX];
	struct record rec;
	int r, on_vfio = !strcmp(d->driver, VFIO_PCI_DRV);
	int held = !strcmp(d->override, VFIO_PCI_DRV);

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
		printf("%s: would clear driver_override%s and reprobe; "
		       "expected back on %s\n",
		       name, on_vfio ? ", unbind it from vfio-pci" : "",
		       rec.previous_driver[0] ? rec.previous_driver
					      : "its own driver");
		return 0;
	}
	vc_path(p, sizeof(p), "%s/driver_override", name);
	r = sysfs_write(c->sys.devfd, p, "\n");
	if (r) {
		vc_err("%s: cannot clear driver_override: %s", name,
		       vc_strerror(r));
		return r;
	}
	if (on_vfio) {
		r = sysfs_write(c->sys.rootfd,
				"bus/pci/drivers/" VFIO_PCI_DRV "/unbind",
				name);
		if (r) {
			vc_err("%s: cannot unbind it from vfio-pci: %s; "
			       "driver_override is cleared",
			       name, vc_strerror(r));
			return r;
		}
	}
	r = sysfs_write(c->sys.rootfd, "bus/pci/drivers_probe", name);
	if (r)
		vc_dbg("%s: drivers_probe: %s", name, vc_strerror(r));
	r = pci_read_driver(&c->sys, name, drv, sizeof(drv));
	if (r) {
		vc_err("%s: cannot read its driver: %s", name, vc_strerror(r));
		return r;
	}
	if (rec.previous_driver[0] && strcmp(rec.previous_driver, drv)) {
		vc_err("%s: was on %s before vfio-pci, but is on %s now: is "
		       "%s loaded? ('modprobe %s', then 'echo %s > "
		       "/sys/bus/pci/drivers_probe')",
		       name, rec.previous_driver, drv[0] ? drv : "no driver",
		       rec.previous_driver, rec.previous_driver, name);
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
		       miss.m[i].vetoed ? miss.m[i].name : "",
		       miss.m[i].vetoed ? ": " : "",
		       vctl_miss_text(&miss.m[i]));
		bad++;
	}
	for (i = 0; i < devs.n; i++)
		bad += unbind_one(c, &devs.v[i].dev) != 0;
	vdev_list_free(&devs);
	return bad ? 1 : 0;
}
