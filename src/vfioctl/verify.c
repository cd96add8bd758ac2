// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl verify: is every device the host was told to reserve ready for
 * a VM, and if not, why and what to change. Data first (struct vres),
 * then one of three renderings: human, JSON, Prometheus text.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdline.h"
#include "config.h"
#include "iommu.h"
#include "log.h"
#include "record.h"
#include "vfioctl.h"

#define VALUE_MAX 4096
#define NPROB 8

struct problem {
	char code[24];
	char msg[400];
	char fix[400];
};

struct vres {
	const char *sel;
	int has_dev;
	struct vc_dev dev;
	const char *status;
	int bound;
	int viable; /* -1: unknown */
	int node; /* NODE_PRESENT, or what vctl_group_status returns */
	char node_name[32]; /* "14" or "noiommu-14" under dev/vfio/ */
	char held_by[160]; /* "qemu-system-x86[4242],..." */
	char cdev[32];
	int cdev_node;
	enum kmod_kind kind;
	char module[DRV_NAME_MAX];
	struct problem p[NPROB];
	int np;
};

/* The group node exists; nobody was seen holding it; not opened. */
#define NODE_PRESENT 2

struct host {
	int iommu;
	char units[128];
	int noiommu;
	int vfio;
	int claim_ran; /* -1 unknown */
	int claim_status;
	int hook; /* -1 unknown */
	char source[PATH_MAX];
	char cmdline[CMDLINE_MAX + 1];
	struct vholders holders; /* who has /dev/vfio/ nodes open */
	int holders_read; /* 0 not yet, 1 read, -1 not available */
	struct problem p[NPROB];
	int np;
};

static struct problem *add_problem(struct problem *p, int *np, const char *code)
{
	struct problem *x;

	if (*np >= NPROB)
		*np = NPROB - 1; /* keep the last slot for the newest */
	x = &p[(*np)++];
	memset(x, 0, sizeof(*x));
	vctl_fmt(x->code, sizeof(x->code), "%s", code);
	return x;
}

#define PROBLEM(r, code) add_problem((r)->p, &(r)->np, code)

/* ---- where the device list comes from ---- */

/*
 * vfio-pci.ids= entries, read as vfio-pci reads them (vfio_pci_fill_ids):
 * "vendor:device[:subvendor[:subdevice[:class[:class_mask]]]]", hex,
 * comma-separated, empty entries skipped, fewer than two fields ignored
 * (the kernel warns "invalid id string"). A missing subvendor or
 * subdevice, or ffffffff, is any; class counts only where class_mask has
 * bits (pci_match_one_device).
 */
#define PCI_ANY 0xffffffffu

struct ids_entry {
	unsigned int v, d, sv, sd, cls, mask;
};

struct ids_scan {
	struct vctl *c;
	const struct ids_entry *e;
	char (*names)[PCI_NAME_MAX];
	int n, cap;
};

static int ids_match(const struct ids_entry *e, const struct pci_id *id)
{
	return (e->v == PCI_ANY || e->v == id->vendor) &&
	       (e->d == PCI_ANY || e->d == id->device) &&
	       (e->sv == PCI_ANY || e->sv == id->subvendor) &&
	       (e->sd == PCI_ANY || e->sd == id->subdevice);
}

static int ids_scan_one(const char *name, const struct pci_id *id, void *data)
{
	struct ids_scan *s = data;
	struct vc_dev d;

	if (!ids_match(s->e, id) || s->n >= s->cap)
		return 0;
	if (s->e->mask && (pci_read_ids(&s->c->sys, name, &d) ||
			   ((s->e->cls ^ d.class) & s->e->mask)))
		return 0;
	snprintf(s->names[s->n++], PCI_NAME_MAX, "%s", name);
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Appends sel to out (comma-separated); -1 when it does not fit. */
static int append_sel(char *out, size_t size, size_t *n, const char *sel)
{
	int w = snprintf(out + *n, size - *n, "%s%s", *n ? "," : "", sel);

	if (w < 0 || (size_t)w >= size - *n)
		return -1;
	*n += w;
	return 0;
}

/*
 * Turns vfio-pci.ids= into selectors: VVVV:DDDD, VVVV:DDDD:SSSS:ssss
 * when both subsystem fields are given, and for what the selector
 * grammar cannot say (only one subsystem field, a class mask, an any
 * vendor or device) the devices that match, guarded: VVVV:DDDD@ADDR.
 * Returns the number of entries that are invalid or match no device.
 */
static int ids_to_selectors(struct vctl *c, const char *ids, char *out,
			    size_t size)
{
	static char names[SEL_MAX][PCI_NAME_MAX];
	const char *p = ids;
	size_t n = 0;
	int bad = 0;

	out[0] = '\0';
	while (*p) {
		struct ids_entry e = { 0, 0, PCI_ANY, PCI_ANY, 0, 0 };
		size_t len = strcspn(p, ",");
		char one[96], sel[64];
		int f, i;

		snprintf(one, sizeof(one), "%.*s", (int)len, p);
		p += len + (p[len] == ',');
		if (!len)
			continue;
		f = sscanf(one, "%x:%x:%x:%x:%x:%x", &e.v, &e.d, &e.sv, &e.sd,
			   &e.cls, &e.mask);
		if (f < 2) {
			vc_err("vfio-pci.ids=: '%s' is not vendor:device[:"
			       "subvendor[:subdevice[:class[:class_mask]]]] "
			       "(hex); vfio-pci ignores it",
			       one);
			bad++;
			continue;
		}
		if (!e.mask && e.v <= 0xffff && e.d <= 0xffff &&
		    e.sv == PCI_ANY && e.sd == PCI_ANY) {
			snprintf(sel, sizeof(sel), "%04x:%04x", e.v, e.d);
		} else if (!e.mask && e.v <= 0xffff && e.d <= 0xffff &&
			   e.sv <= 0xffff && e.sd <= 0xffff) {
			snprintf(sel, sizeof(sel), "%04x:%04x:%04x:%04x", e.v,
				 e.d, e.sv, e.sd);
		} else {
			struct ids_scan s = { c, &e, names, 0, SEL_MAX };

			pci_scan_ids(&c->sys, ids_scan_one, &s);
			if (!s.n) {
				vc_err("vfio-pci.ids=: '%s' matches no PCI "
				       "device on this machine",
				       one);
				bad++;
				continue;
			}
			qsort(names, s.n, sizeof(names[0]), cmp_name);
			for (i = 0; i < s.n; i++) {
				struct vc_dev d;

				if (pci_read_ids(&c->sys, names[i], &d))
					continue;
				snprintf(sel, sizeof(sel), "%04x:%04x@%.*s",
					 d.id.vendor, d.id.device,
					 PCI_NAME_MAX - 1, names[i]);
				if (append_sel(out, size, &n, sel))
					goto full;
			}
			continue;
		}
		if (append_sel(out, size, &n, sel))
			goto full;
	}
	return bad;
full:
	vc_err("vfio-pci.ids=: more devices than verify can check at once");
	return bad + 1;
}

static int load_selectors(struct vctl *c, struct host *h, int argc, char **argv,
			  struct sel_list *l)
{
	static char value[VALUE_MAX], ids[VALUE_MAX], conv[VALUE_MAX];
	int bad = 0, rd, ri;

	memset(l, 0, sizeof(*l));
	if (argc) {
		snprintf(h->source, sizeof(h->source), "arguments");
		return vctl_parse_args(argc, argv, l);
	}
	if (vctl_cmdline(c, h->cmdline, sizeof(h->cmdline))) {
		rd = cmdline_get_last(h->cmdline, "vfio.devices", value,
				      sizeof(value));
		ri = cmdline_get_last(h->cmdline, "vfio-pci.ids", ids,
				      sizeof(ids));
		snprintf(h->source, sizeof(h->source), "%s%s%s",
			 rd > 0 ? "vfio.devices=" : "",
			 rd > 0 && ri > 0 ? " " : "",
			 ri > 0 ? "vfio-pci.ids=" : "");
		/* One list (sel_parse_list starts afresh each time). */
		if (rd <= 0 || !strcmp(value, "none"))
			value[0] = '\0';
		if (ri > 0) {
			size_t n = strlen(value);

			bad += ids_to_selectors(c, ids, conv, sizeof(conv));
			vctl_fmt(value + n, sizeof(value) - n, "%s%s",
				 n && conv[0] ? "," : "", conv);
		}
		if (rd > 0 || ri > 0)
			bad += sel_parse_list(value, l, h->source);
		if (rd > 0 || ri > 0)
			return bad + (rd < 0) + (ri < 0);
	}
	if (c->config[0] && config_read(c->config, value, sizeof(value)) > 0) {
		snprintf(h->source, sizeof(h->source), "%s", c->config);
		return sel_parse_list(value, l, c->config);
	}
	snprintf(h->source, sizeof(h->source), "none");
	return 0;
}

/* ---- host checks ---- */

/* The first directory entry of sysfs path, "" when none. */
static int first_entry(int dirfd, const char *path, char *buf, size_t size,
		       int join)
{
	DIR *d = sysfs_opendir(dirfd, path);
	struct dirent *de;
	size_t len = 0;
	int n = 0;

	buf[0] = '\0';
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (len + strlen(de->d_name) + 2 < size) {
			len += snprintf(buf + len, size - len, "%s%s",
					len ? "," : "", de->d_name);
		}
		n++;
		if (!join)
			break;
	}
	closedir(d);
	return n;
}

static const char *const hooks[] = {
	"/usr/lib/dracut/modules.d/50vfio-claim/module-setup.sh",
	"/lib/dracut/modules.d/50vfio-claim/module-setup.sh",
	"/usr/share/initramfs-tools/hooks/vfio-claim",
	"/etc/initramfs-tools/hooks/vfio-claim",
	"/usr/lib/initcpio/install/vfio-claim",
	"/etc/initcpio/install/vfio-claim",
};

static void check_host(struct vctl *c, struct host *h)
{
	char p[PATH_MAX], buf[VALUE_MAX];
	struct problem *x;
	unsigned int i;
	long v;

	h->iommu = iommu_present(&c->sys);
	h->noiommu = iommu_noiommu_enabled(&c->sys);
	first_entry(c->sys.rootfd, "class/iommu", h->units, sizeof(h->units),
		    1);
	h->vfio = vfio_pci_registered(&c->sys);
	h->claim_ran = -1;
	h->hook = -1;
	if (c->rundir[0]) {
		vc_path(p, sizeof(p), "%s/boot", c->rundir);
		h->claim_ran = access(p, F_OK) == 0;
		h->claim_status = -1;
		if (h->claim_ran) {
			int fd = open(p, O_RDONLY | O_CLOEXEC);
			ssize_t n =
				fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
			char *s;

			if (fd >= 0)
				close(fd);
			buf[n > 0 ? n : 0] = '\0';
			s = strstr(buf, "status=");
			if (s) {
				v = strtol(s + 7, NULL, 10);
				h->claim_status = (int)v;
			}
		}
	}
	if (c->root) {
		h->hook = 0;
		for (i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
			vctl_host_path(c, p, sizeof(p), hooks[i]);
			if (p[0] && access(p, F_OK) == 0)
				h->hook = 1;
		}
	}
	if (!h->iommu && !h->noiommu) {
		x = PROBLEM(h, "no-iommu");
		vctl_fmt(x->msg, sizeof(x->msg),
			 "no IOMMU is registered (%s/class/iommu is empty): "
			 "devices have no IOMMU group and vfio-pci cannot "
			 "use them",
			 c->sysroot);
		/* The same advice as the boot's refusal. */
		iommu_advice(&c->sys, h->cmdline, x->fix, sizeof(x->fix));
	}
	if (!h->vfio) {
		x = PROBLEM(h, "vfio-pci-not-loaded");
		vctl_fmt(x->msg, sizeof(x->msg),
			 "vfio-pci is not loaded (no %s/bus/pci/drivers/"
			 "vfio-pci)",
			 c->sysroot);
		if (h->claim_ran > 0)
			vctl_fmt(x->fix, sizeof(x->fix),
				 "vfio-claim loads it only when it claims a "
				 "device: see the device problems below");
		else
			vctl_fmt(
				x->fix, sizeof(x->fix),
				"modprobe vfio-pci now; for boot, install the "
				"vfio-claim initramfs hook, which includes it");
	}
}

/* ---- per device ---- */

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

struct gwalk {
	struct vctl *c;
	struct vres *r;
	int blockers;
};

static int group_member(const char *name, void *data)
{
	struct gwalk *g = data;
	enum pci_role role;
	struct vc_dev d;
	struct problem *x;

	if (!strcmp(name, g->r->dev.name))
		return 0;
	if (pci_load(&g->c->sys, name, &d) || !vctl_blocks_group(g->c, &d))
		return 0;
	g->blockers++;
	role = pci_host_role(&d);
	x = PROBLEM(g->r, "group-not-viable");
	if (role != ROLE_NONE) {
		/* Never advise handing the host's disks, network or console
		 * to vfio: what helps is another slot, or ACS. */
		vctl_fmt(x->msg, sizeof(x->msg),
			 "IOMMU group %d also holds %s [%04x:%04x] on %s, the "
			 "host's %s: a VM cannot use the group while the host "
			 "keeps it",
			 g->r->dev.group, name, d.id.vendor, d.id.device,
			 d.driver, pci_role_name(role));
		vctl_fmt(x->fix, sizeof(x->fix),
			 "do not claim %s: move the card to a slot with its "
			 "own IOMMU group, or check the firmware's ACS option",
			 name);
		return 0;
	}
	vctl_fmt(x->msg, sizeof(x->msg),
		 "IOMMU group %d also holds %s [%04x:%04x] on %s: a VM cannot "
		 "use the group until it is on vfio-pci too",
		 g->r->dev.group, name, d.id.vendor, d.id.device, d.driver);
	vctl_fmt(x->fix, sizeof(x->fix),
		 "add %04x:%04x@%s to vfio.devices= (or run 'vfioctl bind "
		 "%s'), or move the card to a slot with its own group",
		 d.id.vendor, d.id.device, name, name);
	return 0;
}

/* The members of one group: few (a slot, a bridge's subtree). */
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

static void explain_driver(struct vctl *c, struct host *h, struct vres *r)
{
	const char *drv = r->dev.driver, *name = r->dev.name;
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
	if (have_rec)
		vctl_fmt(x->fix, sizeof(x->fix),
			 "fix the problems below; then 'vfioctl bind %s' "
			 "takes it without a reboot",
			 name);
	else if (r->kind == KM_BUILTIN)
		vctl_fmt(x->fix, sizeof(x->fix),
			 "vfio-claim takes it over from the initramfs (check "
			 "that it ran); 'vfioctl bind %s' takes it now",
			 name);
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
		if (h->hook == 1)
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
	if (!have_rec) {
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

static void check_device(struct vctl *c, struct host *h, struct vres *r)
{
	struct gwalk g = { c, r, 0 };
	struct problem *x;
	char p[128];

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
	} else if (!r->bound) {
		explain_driver(c, h, r);
	}
	if (r->dev.group < 0) {
		if (!h->noiommu) {
			x = PROBLEM(r, "no-iommu-group");
			vctl_fmt(x->msg, sizeof(x->msg), "has no IOMMU group%s",
				 h->iommu ? "" : ": the IOMMU is off");
			vctl_fmt(x->fix, sizeof(x->fix), "%s",
				 h->iommu ? "dmesg | grep -i iommu"
					  : "see the no-iommu host problem");
		}
	} else {
		/* By address, not in directory order, as the ID scan is. */
		struct gnames gn = { 0 };
		int i;

		iommu_group_for_each(&c->sys, r->dev.group, gname_add, &gn);
		if (gn.n)
			qsort(gn.v, gn.n, sizeof(gn.v[0]), cmp_name);
		for (i = 0; i < gn.n; i++)
			group_member(gn.v[i], &g);
		r->viable = g.blockers == 0;
	}
	/* The vfio cdev (iommufd) of kernels that have one. */
	vc_path(p, sizeof(p), "%s/vfio-dev", r->dev.name);
	if (r->bound &&
	    first_entry(c->sys.devfd, p, r->cdev, sizeof(r->cdev), 0) &&
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

/* ---- rendering ---- */

static const char *kind_name(enum kmod_kind k)
{
	return k == KM_BUILTIN ? "builtin" : k == KM_MODULE ? "module" : NULL;
}

static const char *node_name(int node)
{
	switch (node) {
	case NODE_PRESENT:
		return "present";
	case 1:
		return "viable";
	case 0:
		return "not-viable";
	case -EBUSY:
		return "in-use";
	case -ENOENT:
		return "missing";
	default:
		return "unknown";
	}
}

static void json_problems(const struct problem *p, int n)
{
	int i;

	fputs("[", stdout);
	for (i = 0; i < n; i++) {
		printf("%s{\"code\":", i ? "," : "");
		json_str(stdout, p[i].code);
		fputs(",\"message\":", stdout);
		json_str(stdout, p[i].msg);
		fputs(",\"fix\":", stdout);
		json_str(stdout, p[i].fix);
		fputs("}", stdout);
	}
	fputs("]", stdout);
}

static void json_bool_or_null(int v)
{
	fputs(v < 0 ? "null" : v ? "true" : "false", stdout);
}

static void render_json(const struct host *h, const struct vres *r, int n,
			int ready, int nready)
{
	const char *u;
	char id[10];
	int i;

	printf("{\"schema\":1,\"ready\":%s,\"source\":",
	       ready ? "true" : "false");
	json_str(stdout, h->source);
	printf(",\"host\":{\"iommu\":%s,\"noiommu\":%s,\"vfio_pci_loaded\":%s,"
	       "\"claim_ran\":",
	       h->iommu ? "true" : "false", h->noiommu ? "true" : "false",
	       h->vfio ? "true" : "false");
	json_bool_or_null(h->claim_ran);
	fputs(",\"claim_status\":", stdout);
	if (h->claim_ran > 0 && h->claim_status >= 0)
		printf("%d", h->claim_status);
	else
		fputs("null", stdout);
	fputs(",\"iommu_units\":[", stdout);
	for (i = 0, u = h->units; *u; i++) {
		size_t len = strcspn(u, ",");
		char one[64];

		snprintf(one, sizeof(one), "%.*s", (int)len, u);
		fputs(i ? "," : "", stdout);
		json_str(stdout, one);
		u += len + (u[len] == ',');
	}
	fputs("]", stdout);
	fputs(",\"hook_installed\":", stdout);
	json_bool_or_null(h->hook);
	fputs(",\"problems\":", stdout);
	json_problems(h->p, h->np);
	printf("},\"counts\":{\"devices\":%d,\"ready\":%d},\"devices\":[", n,
	       nready);
	for (i = 0; i < n; i++) {
		const struct vres *x = &r[i];

		printf("%s{\"selector\":", i ? "," : "");
		json_str(stdout, x->sel);
		fputs(",\"address\":", stdout);
		json_str_or_null(stdout, x->has_dev ? x->dev.name : NULL);
		fputs(",\"id\":", stdout);
		if (x->has_dev)
			pci_id_format(&x->dev.id, id);
		json_str_or_null(stdout, x->has_dev ? id : NULL);
		fputs(",\"driver\":", stdout);
		json_str_or_null(stdout, x->has_dev ? x->dev.driver : NULL);
		fputs(",\"driver_kind\":", stdout);
		json_str_or_null(stdout, kind_name(x->kind));
		fputs(",\"group\":", stdout);
		if (x->has_dev && x->dev.group >= 0)
			printf("%d", x->dev.group);
		else
			fputs("null", stdout);
		fputs(",\"status\":", stdout);
		json_str(stdout, x->status);
		fputs(",\"group_viable\":", stdout);
		json_bool_or_null(x->has_dev ? x->viable : -1);
		fputs(",\"group_node\":", stdout);
		json_str(stdout, node_name(x->node));
		fputs(",\"held_by\":[", stdout);
		for (u = x->held_by; *u;) {
			size_t len = strcspn(u, ",");
			char one[64];

			snprintf(one, sizeof(one), "%.*s", (int)len, u);
			fputs(u == x->held_by ? "" : ",", stdout);
			json_str(stdout, one);
			u += len + (u[len] == ',');
		}
		fputs("],\"cdev\":", stdout);
		json_str_or_null(stdout, x->cdev);
		fputs(",\"problems\":", stdout);
		json_problems(x->p, x->np);
		fputs("}", stdout);
	}
	fputs("]}\n", stdout);
}

static void prom_label(const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			printf("\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", stdout);
		else
			putchar(*s);
	}
}

static void prom_head(const char *name, const char *help)
{
	printf("# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void render_prometheus(const struct host *h, const struct vres *r, int n,
			      int ready, int nready)
{
	struct {
		const char *addr, *code;
	} * pl;
	char id[10];
	int i, j, k, np;

	prom_head("vfioctl_ready",
		  "1 when every device meant for vfio-pci is ready for a VM.");
	printf("vfioctl_ready %d\n", ready);
	prom_head("vfioctl_iommu_enabled", "1 when an IOMMU is registered.");
	printf("vfioctl_iommu_enabled %d\n", h->iommu);
	prom_head("vfioctl_vfio_pci_loaded", "1 when vfio-pci is loaded.");
	printf("vfioctl_vfio_pci_loaded %d\n", h->vfio);
	prom_head("vfioctl_devices", "Devices meant for vfio-pci.");
	printf("vfioctl_devices %d\n", n);
	prom_head("vfioctl_devices_ready", "Devices ready for a VM.");
	printf("vfioctl_devices_ready %d\n", nready);
	prom_head("vfioctl_device_ready",
		  "1 when the device is ready (or in use by a VM).");
	for (i = 0; i < n; i++) {
		fputs("vfioctl_device_ready{selector=\"", stdout);
		prom_label(r[i].sel);
		fputs("\",address=\"", stdout);
		prom_label(r[i].has_dev ? r[i].dev.name : "");
		if (r[i].has_dev)
			pci_id_format(&r[i].dev.id, id);
		printf("\",id=\"%s\",status=\"%s\"} %d\n",
		       r[i].has_dev ? id : "", r[i].status, r[i].np == 0);
	}
	/*
	 * One series per address and code: a device can have one problem
	 * code twice (two blockers in its group), and a scraper refuses a
	 * file that has one series twice. The value is the count.
	 */
	prom_head("vfioctl_problem",
		  "Problems found, by device (\"\": the host) and code: how "
		  "many.");
	np = h->np;
	for (i = 0; i < n; i++)
		np += r[i].np;
	pl = calloc(np ? np : 1, sizeof(*pl));
	if (!pl)
		return;
	for (i = 0, k = 0; i < h->np; i++, k++) {
		pl[k].addr = "";
		pl[k].code = h->p[i].code;
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < r[i].np; j++, k++) {
			pl[k].addr = r[i].has_dev ? r[i].dev.name : r[i].sel;
			pl[k].code = r[i].p[j].code;
		}
	for (i = 0; i < np; i++) {
		int count = 0;

		for (j = 0; j < np; j++) {
			if (strcmp(pl[i].addr, pl[j].addr) ||
			    strcmp(pl[i].code, pl[j].code))
				continue;
			if (j < i)
				break; /* printed with the first one */
			count++;
		}
		if (!count)
			continue;
		fputs("vfioctl_problem{address=\"", stdout);
		prom_label(pl[i].addr);
		fputs("\",code=\"", stdout);
		prom_label(pl[i].code);
		printf("\"} %d\n", count);
	}
	free(pl);
}

static void human_problems(const struct problem *p, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		printf("  problem (%s): %s\n", p[i].code, p[i].msg);
		if (p[i].fix[0])
			printf("  fix: %s\n", p[i].fix);
	}
}

static void render_human(struct vctl *c, const struct host *h,
			 const struct vres *r, int n, int ready, int nready)
{
	int i;

	if (!c->quiet) {
		printf("host: IOMMU %s%s, vfio-pci %s", h->iommu ? "on" : "off",
		       h->noiommu ? " (vfio no-IOMMU mode)" : "",
		       h->vfio ? "loaded" : "not loaded");
		if (h->claim_ran >= 0)
			printf(", vfio-claim %s this boot",
			       h->claim_ran ? "ran" : "did not run");
		if (h->claim_ran > 0 && h->claim_status >= 0)
			printf(" (status %d)", h->claim_status);
		printf("\ndevices from: %s\n", h->source);
	}
	if (h->np && n)
		human_problems(h->p, h->np);
	if (!c->quiet && h->holders_read > 0 && h->holders.denied)
		printf("note: the open files of %d processes are not readable "
		       "(not root), so a VM holding a group may not show as "
		       "in use\n",
		       h->holders.denied);
	for (i = 0; i < n; i++) {
		const struct vres *x = &r[i];

		if (c->quiet && !x->np)
			continue;
		if (!x->has_dev) {
			printf("%s: %s\n", x->sel,
			       !strcmp(x->status, "stale-guard")
				       ? "NOT READY: guard does not match"
				       : "NOT READY: no such device");
		} else {
			printf("%s [%04x:%04x]: ", x->dev.name,
			       x->dev.id.vendor, x->dev.id.device);
			if (x->np)
				printf("NOT READY, on %s",
				       x->dev.driver[0] ? x->dev.driver
							: "no driver");
			else if (x->node == -EBUSY && x->held_by[0])
				printf("in use by %s, %s", x->held_by,
				       x->dev.driver);
			else
				printf("%s, %s",
				       x->node == -EBUSY ? "in use by a VM"
							 : "ready",
				       x->dev.driver);
			if (x->dev.group >= 0)
				printf(", IOMMU group %d%s", x->dev.group,
				       x->viable == 1	? " viable"
				       : x->viable == 0 ? " not viable"
							: "");
			printf("\n");
		}
		human_problems(x->p, x->np);
	}
	if (!n && !ready)
		printf("NOT READY: %s has entries that name no device (see "
		       "the errors above)\n",
		       h->source);
	else if (!n && strcmp(h->source, "none"))
		printf("nothing to verify: %s names no device\n", h->source);
	else if (!n)
		printf("nothing to verify: no vfio.devices=, vfio-pci.ids= or "
		       "devices= in %s\n",
		       c->config[0] ? c->config : "the config file");
	else
		printf("%s: %d of %d devices ready\n",
		       ready ? "ready" : "NOT READY", nready, n);
}

int cmd_verify(struct vctl *c, int argc, char **argv)
{
	static struct sel_list l;
	static struct host h;
	struct vmiss_list miss = { .n = 0 };
	struct vdev_list devs = { 0 };
	struct vres *r;
	int bad, i, n, nready = 0, ready;

	memset(&h, 0, sizeof(h));
	bad = load_selectors(c, &h, argc, argv, &l);
	if (argc && bad)
		return 2;
	if (vctl_resolve(c, &l, &devs, &miss))
		return 1;
	n = devs.n + miss.n;
	r = calloc(n ? n : 1, sizeof(*r));
	if (!r) {
		vdev_list_free(&devs);
		return 1;
	}
	check_host(c, &h);
	for (i = 0; i < devs.n; i++) {
		r[i].sel = devs.v[i].sel->text;
		r[i].has_dev = 1;
		r[i].dev = devs.v[i].dev;
		check_device(c, &h, &r[i]);
	}
	for (i = 0; i < miss.n; i++) {
		struct vres *x = &r[devs.n + i];
		const struct selector *s = miss.m[i].sel;
		struct problem *p;

		x->sel = s->text;
		x->viable = -1;
		x->node = -ENODATA;
		if (miss.m[i].vetoed) {
			x->status = "stale-guard";
			p = PROBLEM(x, "guard-veto");
			vctl_fmt(p->msg, sizeof(p->msg),
				 "%s: %s is in a slot whose guard failed: the "
				 "hardware changed, so vfio-claim leaves every "
				 "function of that slot named by address alone",
				 s->text, miss.m[i].name);
			vctl_fmt(p->fix, sizeof(p->fix),
				 "check which devices are there now ('lspci "
				 "-nns %s') and update %s",
				 miss.m[i].name, h.source);
		} else if (miss.m[i].stale) {
			x->status = "stale-guard";
			p = PROBLEM(x, "stale-guard");
			vctl_fmt(p->msg, sizeof(p->msg),
				 "%s: the device at that address is now "
				 "%04x:%04x (subsystem %04x:%04x): the "
				 "hardware changed, so vfio-claim leaves it "
				 "alone",
				 s->text, miss.m[i].have.vendor,
				 miss.m[i].have.device,
				 miss.m[i].have.subvendor,
				 miss.m[i].have.subdevice);
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
				 "%s matches no PCI device on this machine",
				 s->text);
			vctl_fmt(p->fix, sizeof(p->fix),
				 "check 'lspci -Dnn' and the selector in %s",
				 h.source);
		}
	}
	for (i = 0; i < n; i++)
		nready += r[i].np == 0;
	ready = nready == n && !(n && h.np) && !bad;
	if (c->prometheus)
		render_prometheus(&h, r, n, ready, nready);
	else if (c->json)
		render_json(&h, r, n, ready, nready);
	else
		render_human(c, &h, r, n, ready, nready);
	free(r);
	vdev_list_free(&devs);
	vholders_free(&h.holders);
	return ready ? 0 : 1;
}
