// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl verify, each device: its driver and why it is not vfio-pci, its
 * IOMMU group and the group's other members, the group node and who holds
 * it, a boot framebuffer in its BARs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iommu.h"
#include "judge.h"
#include "record.h"
#include "verify.h"

/* The boot framebuffers whose memory can sit on a GPU's BAR. */
static const char *fb_param(const char *name)
{
	if (!strcmp(name, "efifb"))
		return "video=efifb:off";
	if (!strcmp(name, "vesafb"))
		return "video=vesafb:off";
	if (!strcmp(name, "BOOTFB") || !strcmp(name, "simplefb") ||
	    !strcmp(name, "simple-framebuffer"))
		return "initcall_blacklist=sysfb_init";
	return NULL;
}

static void check_framebuffer(struct vctl *c, struct vres *r)
{
	unsigned long long bar[6][2], s, e;
	int nbar = 0, found = 0;
	char p[PATH_MAX], line[256];
	FILE *f;

	if (!c->proc[0])
		return;
	vc_path(p, sizeof(p), "%s/bus/pci/devices/%s/resource", c->sysroot,
		r->dev.name);
	f = fopen(p, "re");
	if (!f)
		return;
	while (nbar < 6 && fgets(line, sizeof(line), f)) {
		unsigned long long fl;

		if (sscanf(line, "%llx %llx %llx", &s, &e, &fl) != 3)
			continue;
		if ((fl & 0x200) && e > s) { /* IORESOURCE_MEM */
			bar[nbar][0] = s;
			bar[nbar][1] = e;
			nbar++;
		}
	}
	fclose(f);
	if (!nbar)
		return;
	vc_path(p, sizeof(p), "%s/iomem", c->proc);
	f = fopen(p, "re");
	if (!f)
		return;
	while (!found && fgets(line, sizeof(line), f)) {
		char name[64], *colon, *nl;
		const char *param;
		int i;

		if (sscanf(line, " %llx-%llx", &s, &e) != 2)
			continue;
		colon = strstr(line, " : ");
		if (!colon)
			continue;
		snprintf(name, sizeof(name), "%s", colon + 3);
		nl = strchr(name, '\n');
		if (nl)
			*nl = '\0';
		param = fb_param(name);
		if (!param || (s == 0 && e == 0)) /* zeros: not root */
			continue;
		for (i = 0; i < nbar; i++) {
			struct problem *x;

			if (e < bar[i][0] || s > bar[i][1])
				continue;
			x = PROBLEM(r, "framebuffer");
			vctl_fmt(x->msg, sizeof(x->msg),
				 "the boot framebuffer %s holds %llx-%llx in "
				 "its BAR %llx-%llx (/proc/iomem): a VM "
				 "cannot map that memory",
				 name, s, e, bar[i][0], bar[i][1]);
			vctl_fmt(x->fix, sizeof(x->fix),
				 "add %s to the kernel command line", param);
			found = 1;
			break;
		}
	}
	fclose(f);
}

/*
 * A member of the device's group that keeps it from a VM now (the
 * verdict's, judge.c). When the user named it too and it is the host's,
 * its own entry says what claiming it costs: do not contradict it here.
 */
static void group_member(const struct host *h, struct vres *r,
			 const struct jmember_info *m)
{
	struct problem *x = PROBLEM(r, "group-not-viable");

	if (m->role != ROLE_NONE && vfy_named(h, m->name)) {
		vctl_fmt(x->msg, sizeof(x->msg),
			 "IOMMU group %d also holds %s [%04x:%04x] on %s, the "
			 "host's %s, named too: a VM cannot use the group "
			 "until it is on vfio-pci",
			 r->dev.group, m->name, m->id.vendor, m->id.device,
			 m->driver, pci_role_name(m->role));
		vctl_fmt(x->fix, sizeof(x->fix),
			 "see %s's own entry: the host loses its %s when it "
			 "goes to vfio-pci",
			 m->name, pci_role_name(m->role));
		return;
	}
	judge_member_text(&r->dev, m, x->msg, sizeof(x->msg), x->fix,
			  sizeof(x->fix));
}

static void explain_driver(struct vctl *c, struct host *h, struct vres *r,
			   const struct verdict *v)
{
	const char *drv = r->dev.driver, *name = r->dev.name;
	enum pci_role role = pci_host_role(&r->dev);
	char used[256];
	struct problem *x;
	struct record rec;
	int have_rec;

	if (!drv[0]) {
		x = PROBLEM(r, "no-driver");
		if (!strcmp(r->dev.override, VFIO_PCI_DRV) && !h->vfio) {
			vctl_fmt(x->msg, sizeof(x->msg),
				 "driver_override holds it for vfio-pci, "
				 "which is not loaded");
			vctl_fmt(x->fix, sizeof(x->fix), "modprobe vfio-pci");
		} else if (!strcmp(r->dev.override, VFIO_PCI_DRV)) {
			vctl_fmt(x->msg, sizeof(x->msg),
				 "driver_override is vfio-pci but vfio-pci "
				 "did not bind it");
			vctl_fmt(x->fix, sizeof(x->fix),
				 "'dmesg | grep vfio' tells why; then 'vfioctl "
				 "bind %s'",
				 name);
		} else {
			vctl_fmt(x->msg, sizeof(x->msg),
				 "no driver is bound to it");
			vctl_fmt(x->fix, sizeof(x->fix), "vfioctl bind %s",
				 name);
		}
		return;
	}

	r->kind = vctl_driver_kind(c, drv, r->module, sizeof(r->module));
	x = PROBLEM(r,
		    r->kind == KM_BUILTIN ? "builtin-driver" : "wrong-driver");
	vctl_fmt(x->msg, sizeof(x->msg), "bound to %s, not vfio-pci (%s%s%s)",
		 drv,
		 r->kind == KM_BUILTIN	? "built into the kernel as "
		 : r->kind == KM_MODULE ? "module "
					: "driver of unknown origin ",
		 r->module,
		 r->kind == KM_BUILTIN ? ": it binds before any initramfs runs"
				       : "");
	have_rec =
		h->claim_ran > 0 && record_read_dev(c->rundir, name, &rec) == 0;
	/* Never "bind takes it now" for what bind refuses, or without
	 * saying what the host loses. */
	if (v->uses) {
		judge_use_text(v, used, sizeof(used));
		vctl_fmt(x->fix, sizeof(x->fix),
			 "%s: 'vfioctl bind %s' refuses it "
			 "while it does; stop that use first, or leave the "
			 "device to the host and out of vfio.devices=",
			 used, name);
	} else if (role != ROLE_NONE)
		vctl_fmt(x->fix, sizeof(x->fix),
			 "it is the host's %s: 'vfioctl bind %s' takes it, "
			 "and the host loses it; name it in vfio.devices= only "
			 "if the host can do without it",
			 pci_role_name(role), name);
	else if (have_rec)
		vctl_fmt(x->fix, sizeof(x->fix),
			 "fix the problems below; then 'vfioctl bind %s' "
			 "takes it without a reboot",
			 name);
	else if (r->kind == KM_BUILTIN)
		vctl_fmt(x->fix, sizeof(x->fix),
			 "vfio-claim takes it over from the initramfs (check "
			 "that it ran); 'vfioctl bind %s' takes it now",
			 name);
	else if (vfy_conf_names(h, name))
		vctl_fmt(
			x->fix, sizeof(x->fix),
			"'vfioctl bind %s' takes it now; for boot, %s names it",
			name, c->config);
	else
		vctl_fmt(x->fix, sizeof(x->fix),
			 "'vfioctl bind %s' takes it now; for boot, name it in "
			 "vfio.devices= so vfio-claim reserves it before %s "
			 "loads",
			 name, r->module);

	/* Why did the boot-time claim not hold it? */
	if (h->claim_ran < 0)
		return;
	if (!h->claim_ran) {
		x = PROBLEM(r, "claim-not-run");
		vctl_fmt(x->msg, sizeof(x->msg),
			 "vfio-claim did not run this boot (no %s/boot)",
			 c->rundir);
		if (h->hook != 0 && h->conf_newer && vfy_conf_names(h, name))
			vctl_fmt(x->fix, sizeof(x->fix),
				 "reboot: %s names it since this boot began, "
				 "and the initramfs that carries it claims it "
				 "at the next boot",
				 c->config);
		else if (h->hook == 1)
			vctl_fmt(x->fix, sizeof(x->fix),
				 "the hook is installed: rebuild the initramfs "
				 "(update-initramfs -u, dracut -f or "
				 "mkinitcpio -P) and check that vfio.devices= "
				 "or /etc/vfio-claim.conf names the device");
		else
			vctl_fmt(x->fix, sizeof(x->fix),
				 "install the initramfs hook (make install) "
				 "and rebuild the initramfs");
		return;
	}
	if (!have_rec && h->conf_newer && vfy_conf_names(h, name)) {
		x = PROBLEM(r, "not-claimed-at-boot");
		vctl_fmt(x->msg, sizeof(x->msg),
			 "vfio-claim ran this boot before %s named %s",
			 c->config, name);
		vctl_fmt(x->fix, sizeof(x->fix),
			 "reboot: the next boot claims it ('vfioctl bind %s' "
			 "takes it now)",
			 name);
	} else if (have_rec && !strcmp(rec.by, "unbind")) {
		x = PROBLEM(r, "given-back");
		vctl_fmt(x->msg, sizeof(x->msg),
			 "'vfioctl unbind' gave it back to %s this boot%s", drv,
			 vfy_conf_names(h, name) ? "; vfio-claim claims it "
						   "again at the next boot"
						 : "");
		vctl_fmt(x->fix, sizeof(x->fix),
			 "'vfioctl bind %s' takes it again now%s", name,
			 vfy_conf_names(h, name) ? "; 'vfioctl release' keeps "
						   "it with the host at boot"
						 : "");
	} else if (!have_rec && h->claim_running) {
		/* A worker that stopped before its records: the host's
		 * claim-stopped says so; "not asked" would be wrong. */
	} else if (!have_rec) {
		x = PROBLEM(r, "not-claimed-at-boot");
		vctl_fmt(x->msg, sizeof(x->msg),
			 "vfio-claim ran this boot but was not asked for %s",
			 name);
		vctl_fmt(x->fix, sizeof(x->fix),
			 "add %04x:%04x@%s to vfio.devices= ('vfioctl cmdline "
			 "%s' prints it)",
			 r->dev.id.vendor, r->dev.id.device, name, name);
	} else if (strcmp(rec.result, "claimed") &&
		   strcmp(rec.result, "pending")) {
		x = PROBLEM(r, "claim-failed");
		/*
		 * why= is the record's own clause ("the device vanished",
		 * "cannot write vfio-pci to driver_override: ..."): quote
		 * it as the reason, with no subject of our own.
		 */
		if (rec.why[0])
			vctl_fmt(x->msg, sizeof(x->msg),
				 "vfio-claim did not claim it at boot "
				 "(result=%s); the reason it recorded: %s",
				 rec.result, rec.why);
		else
			vctl_fmt(x->msg, sizeof(x->msg),
				 "vfio-claim could not claim it at boot "
				 "(result=%s)",
				 rec.result);
		vctl_fmt(x->fix, sizeof(x->fix),
			 "'journalctl -k | grep vfio-claim' (or %s/devices/%s) "
			 "has the details",
			 c->rundir, name);
	} else {
		x = PROBLEM(r, "claim-undone");
		vctl_fmt(x->msg, sizeof(x->msg),
			 "vfio-claim claimed it at boot (by %s), but it is on "
			 "%s now: something gave it back",
			 rec.by[0] ? rec.by : "vfio-claim", drv);
		vctl_fmt(x->fix, sizeof(x->fix),
			 "look for 'vfioctl unbind', driverctl or udev rules "
			 "that rebind it");
	}
}

/*
 * The group node of a device on vfio-pci: does it exist (looked at, not
 * opened), does a process hold it or the device's cdev (its /proc fd
 * links), and with --probe what the kernel says when asked. Opening the
 * node makes it ours for that moment, and the kernel lets one opener
 * hold a group: a VM starting meanwhile would fail with EBUSY.
 */
static void check_node(struct vctl *c, struct host *h, struct vres *r)
{
	struct problem *x;
	int st;

	st = vctl_group_node(c, r->dev.group, r->node_name,
			     sizeof(r->node_name));
	r->node = st ? st : NODE_PRESENT;
	if (!h->holders_read)
		h->holders_read =
			vctl_vfio_holders(c, &h->holders) == 0 ? 1 : -1;
	if (h->holders_read > 0 &&
	    vctl_held_by(&h->holders, r->dev.group, r->cdev, r->held_by,
			 sizeof(r->held_by)))
		r->node = -EBUSY;
	if (!c->probe || r->node == -EBUSY || st)
		return;
	st = vctl_group_status(c, r->dev.group);
	if (st == -ENODATA)
		return;
	r->node = st;
	if (st == 0 && r->viable) {
		r->viable = 0;
		x = PROBLEM(r, "group-not-viable");
		vctl_fmt(x->msg, sizeof(x->msg),
			 "the kernel says IOMMU group %d is not viable "
			 "(VFIO_GROUP_GET_STATUS)",
			 r->dev.group);
		vctl_fmt(x->fix, sizeof(x->fix), "vfioctl groups");
	}
}

void vfy_check_device(struct vctl *c, struct host *h, struct vres *r)
{
	static struct verdict v;
	struct problem *x;
	char p[128];
	int i;

	/* The verdict every verb gives (judge.c); nothing counts as claimed
	 * with it: verify says what is, now. */
	judge_device(c, &r->dev, NULL, 0, &v);
	r->bound = iommu_is_vfio_driver(r->dev.driver);
	r->viable = -1;
	r->node = -ENODATA;
	if (pci_is_bridge(&r->dev)) {
		x = PROBLEM(r, "bridge");
		vctl_fmt(x->msg, sizeof(x->msg),
			 "is a PCI bridge (class %06x): vfio-pci cannot take "
			 "it",
			 r->dev.class);
		vctl_fmt(x->fix, sizeof(x->fix),
			 "name the devices behind it instead");
	} else if (!r->bound && r->dev.numvfs > 0) {
		/* The boot's and bind's rule (core decide()): vfio-pci will
		 * not take a PF with VFs (vfio_pci_core_register_device:
		 * "Cannot bind to PF with SR-IOV enabled"). */
		x = PROBLEM(r, "sriov-pf");
		vctl_fmt(x->msg, sizeof(x->msg),
			 "is an SR-IOV physical function with %ld VFs "
			 "enabled: vfio-pci cannot take it",
			 r->dev.numvfs);
		vctl_fmt(x->fix, sizeof(x->fix),
			 "claim its VFs, or set sriov_numvfs to 0 first");
	} else if (!r->bound && !v.nogroup) {
		explain_driver(c, h, r, &v);
	}
	if (v.nogroup) {
		x = PROBLEM(r, "no-iommu-group");
		judge_nogroup_text(x->msg, sizeof(x->msg), x->fix,
				   sizeof(x->fix));
	} else if (r->dev.group < 0) {
		if (!h->noiommu) {
			x = PROBLEM(r, "no-iommu-group");
			vctl_fmt(x->msg, sizeof(x->msg), "has no IOMMU group%s",
				 h->iommu ? "" : ": the IOMMU is off");
			vctl_fmt(x->fix, sizeof(x->fix), "%s",
				 h->iommu ? "dmesg | grep -i iommu"
					  : "see the no-iommu host problem");
		}
	} else {
		for (i = 0; i < v.nblock; i++)
			group_member(h, r, &v.block[i]);
		r->viable = v.viable;
	}
	if (v.direct) {
		x = PROBLEM(r, "direct-mapped");
		judge_direct_text(&v, x->msg, sizeof(x->msg), x->fix,
				  sizeof(x->fix));
		r->viable = 0;
	}
	/* The vfio cdev (iommufd) of kernels that have one. */
	vc_path(p, sizeof(p), "%s/vfio-dev", r->dev.name);
	if (r->bound &&
	    vfy_first_entry(c->sys.devfd, p, r->cdev, sizeof(r->cdev), 0) &&
	    c->dev[0]) {
		char dp[PATH_MAX];

		vc_path(dp, sizeof(dp), "%s/vfio/devices/%s", c->dev, r->cdev);
		r->cdev_node = access(dp, F_OK) == 0;
	}
	if (r->bound && r->dev.group >= 0)
		check_node(c, h, r);
	if (r->bound && c->dev[0] && r->node == -ENOENT && !r->cdev_node) {
		x = PROBLEM(r, "no-vfio-node");
		vctl_fmt(x->msg, sizeof(x->msg),
			 "neither %s/vfio/%d (%s/vfio/noiommu-%d in no-IOMMU "
			 "mode) nor a vfio cdev exists",
			 c->dev, r->dev.group, c->dev, r->dev.group);
		vctl_fmt(x->fix, sizeof(x->fix),
			 "check that devtmpfs is mounted and udev is running");
	}
	check_framebuffer(c, r);
	if (r->np)
		r->status = "not-ready";
	else if (r->node == -EBUSY)
		r->status = "in-use";
	else
		r->status = "ready";
}

void vfy_check_miss(const struct host *h, struct vres *x,
		    const struct claim_miss *m)
{
	const struct selector *s = m->sel;
	struct problem *p;

	x->viable = -1;
	x->node = -ENODATA;
	if (m->kind == CM_VETOED) {
		x->status = "stale-guard";
		p = PROBLEM(x, "guard-veto");
		vctl_fmt(p->msg, sizeof(p->msg),
			 "%s: %s is in a slot whose guard failed: the "
			 "hardware changed, so vfio-claim leaves every "
			 "function of that slot named by address alone",
			 s->text, m->name);
		vctl_fmt(p->fix, sizeof(p->fix),
			 "check which devices are there now ('lspci "
			 "-nns %s') and update %s",
			 m->name, h->source);
	} else if (m->kind == CM_STALE) {
		x->status = "stale-guard";
		p = PROBLEM(x, "stale-guard");
		vctl_fmt(p->msg, sizeof(p->msg),
			 "%s: the device at that address is now "
			 "%04x:%04x (subsystem %04x:%04x): the "
			 "hardware changed, so vfio-claim leaves it "
			 "alone",
			 s->text, m->have.vendor, m->have.device,
			 m->have.subvendor, m->have.subdevice);
		vctl_fmt(p->fix, sizeof(p->fix),
			 "check which device is there now ('lspci "
			 "-nns %02x:%02x.%x'); if it is the one to "
			 "pass through, 'vfioctl cmdline %04x:%02x:"
			 "%02x.%x' prints the new value",
			 s->addr.bus, s->addr.slot, s->addr.func,
			 s->addr.domain, s->addr.bus, s->addr.slot,
			 s->addr.func);
	} else {
		x->status = "missing";
		p = PROBLEM(x, "missing");
		vctl_fmt(p->msg, sizeof(p->msg),
			 "%s matches no PCI device on this machine", s->text);
		vctl_fmt(p->fix, sizeof(p->fix),
			 "check 'lspci -Dnn' and the selector in %s",
			 h->source);
	}
}
