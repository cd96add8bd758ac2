// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl verify, the warnings: a device can be ready (bound, its group
 * viable) and still fail a VM. Each rule is the kernel's, read from its
 * sources:
 *
 * - no-reset: drivers/pci/pci.c creates reset_method only when the
 *   device has a reset method at all (pci_dev_reset_method_attr_is_visible
 *   returns 0 unless pci_reset_supported()), and writing "" to it turns
 *   every method off ("All device reset methods disabled by user"). So an
 *   empty reset_method, or none on a kernel that has the attribute (Linux
 *   5.15 and later; or another device here has one), means no FLR, no PM
 *   reset, no bus reset: vfio-pci cannot reset the device between VMs
 *   by itself. Below a bridge, with other functions on its bus (a GPU's
 *   audio), vfio-pci still resets the set with a bus reset once every
 *   function there is on vfio-pci and unused
 *   (drivers/vfio/pci/vfio_pci_core.c, vfio_pci_dev_set_try_reset): the
 *   warning is then only for a function left out of the claim, named.
 * - d3cold: power_state (pci-sysfs.c, the kernel's current_state) reads
 *   D3cold for the device or a bridge above it. vfio-pci wakes a device
 *   with a runtime resume when a VM opens it (vfio_pci_core_enable), and
 *   lets idle ones sink into low power unless its disable_idle_d3
 *   parameter (drivers/vfio/pci/vfio_pci.c, read when vfio-pci loads) is
 *   set; a platform that cannot power the device back up leaves the VM
 *   with a dead device. Writing 0 to d3cold_allowed resumes the device
 *   and keeps it out of D3cold.
 * - boot-display: the boot VGA device (boot_vga = 1) with a console on
 *   it (busy.c's test, the one bind refuses with).
 * - slot-function-left-out: a GPU (class 03) whose slot holds an audio
 *   (0403), USB (0c03) or USB-C UCSI (0c80, "serial bus controller")
 *   function that is not claimed with it.
 * - variant-driver: the kernel has a vfio variant driver for the device
 *   (a vfio_pci: alias in modules.alias, variant.c, other than vfio_pci's
 *   own catch-all) but it is on plain vfio-pci, and no SEL=vfio-pci asked
 *   for that.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "busy.h"
#include "iommu.h"
#include "variant.h"
#include "verify.h"

static int has_reset_attr(const char *name, const struct pci_id *id, void *data)
{
	struct vctl *c = data;
	return sysfs_exists(c->sys.devfd, pci_attr(name, "reset_method")) ? 1
									  : 0;
}

/* The kernel has reset_method: 5.15 or later, or a device shows one. */
static int kernel_has_reset_attr(struct vctl *c, struct host *h)
{
	char p[PATH_MAX], rel[32];
	int major = 0, minor = 0;
	FILE *f;

	if (h->reset_attr >= 0)
		return h->reset_attr;
	h->reset_attr = pci_scan_ids(&c->sys, has_reset_attr, c) == 1;
	if (h->reset_attr || !c->proc[0])
		return h->reset_attr;
	vc_path(p, sizeof(p), "%s/sys/kernel/osrelease", c->proc);
	f = fopen(p, "re");
	if (!f)
		return 0;
	if (fgets(rel, sizeof(rel), f) &&
	    sscanf(rel, "%d.%d", &major, &minor) == 2)
		h->reset_attr = major > 5 || (major == 5 && minor >= 15);
	fclose(f);
	return h->reset_attr;
}

/*
 * On a root bus: no bridge above it to reset the bus with (the kernel's
 * pci_parent_bus_reset and pci_reset_bus need one). Its sysfs parent is
 * the host bridge "pciDDDD:BB" of its own bus.
 */
static int on_root_bus(struct vctl *c, const char *name)
{
	char link[PATH_MAX], root[16];
	const char *p, *e;
	ssize_t n;

	n = readlinkat(c->sys.devfd, name, link, sizeof(link) - 1);
	if (n <= 0)
		return 1;
	link[n] = '\0';
	e = strrchr(link, '/');
	if (!e)
		return 1;
	for (p = e; p > link && p[-1] != '/'; p--)
		;
	if (strncmp(p, "pci", 3))
		return 0; /* below a bridge */
	/* pciDDDD:BB: the root bus is BB; a flat fake tree puts every
	 * device there, whatever its bus. */
	snprintf(root, sizeof(root), "%.*s", (int)(e - p - 3), p + 3);
	return !strncmp(root, name, 7);
}

/* The functions on r's bus that are neither named nor on vfio. */
struct bus_scan {
	struct vctl *c;
	const struct host *h;
	const struct vres *r;
	char names[200];
	int n;
	int others; /* functions on the bus besides r */
};

static int bus_function(const char *name, const struct pci_id *id, void *data)
{
	struct bus_scan *b = data;
	struct vc_dev d;
	size_t len = strlen(b->names);

	/* "DDDD:BB:" is the bus: the same 8 characters. */
	if (strncmp(name, b->r->dev.name, 8) || !strcmp(name, b->r->dev.name))
		return 0;
	b->others++;
	if (vfy_named(b->h, name))
		return 0;
	if (pci_load(&b->c->sys, name, &d) == 0 &&
	    iommu_is_vfio_driver(d.driver))
		return 0;
	if (len + strlen(name) + 3 < sizeof(b->names))
		snprintf(b->names + len, sizeof(b->names) - len, "%s%s",
			 len ? " " : "", name);
	b->n++;
	return 0;
}

static void check_reset(struct vctl *c, struct host *h, struct vres *r)
{
	struct bus_scan b = { c, h, r, "", 0, 0 };
	char v[128];
	struct problem *x;
	int n;

	n = sysfs_read(c->sys.devfd, pci_attr(r->dev.name, "reset_method"), v,
		       sizeof(v));
	if (n > 0)
		return;
	if (n == 0) {
		x = WARNING(r, "no-reset");
		vctl_fmt(x->msg, sizeof(x->msg),
			 "reset_method is empty: every reset method of the "
			 "device was turned off, so vfio-pci cannot reset it "
			 "between VMs, and a VM that restarts may find it "
			 "hung");
		vctl_fmt(x->fix, sizeof(x->fix),
			 "'echo default > /sys/bus/pci/devices/%s/"
			 "reset_method' gives back the kernel's methods",
			 r->dev.name);
		return;
	}
	if (!kernel_has_reset_attr(c, h))
		return;
	if (!on_root_bus(c, r->dev.name)) {

		/*
		 * vfio-pci resets a device with no reset of its own by a bus
		 * reset of its set (the functions of its bus), once every one
		 * of them is on vfio-pci and unused
		 * (drivers/vfio/pci/vfio_pci_core.c,
		 * vfio_pci_dev_set_try_reset): a GPU and its audio function
		 * claimed together are fine.
		 */
		pci_scan_ids(&c->sys, bus_function, &b);
		if (b.others && !b.n)
			return;
	}
	if (b.n) {
		x = WARNING(r, "no-reset");
		vctl_fmt(x->msg, sizeof(x->msg),
			 "has no reset method of its own (no reset_method: no "
			 "FLR, no PM reset): vfio-pci resets it with a bus "
			 "reset only while every function on bus %.7s is on "
			 "vfio-pci and unused, and %s %s left out of the "
			 "claim: a VM that restarts may find it hung",
			 r->dev.name, b.names, b.n == 1 ? "is" : "are");
		vctl_fmt(x->fix, sizeof(x->fix),
			 "claim %s too ('vfioctl cmdline %s %s' prints the "
			 "value for them all); else reboot the host before the "
			 "device goes to another VM",
			 b.names, r->dev.name, b.names);
		return;
	}
	/* Alone on its bus, and still no bus reset, or on a root bus. */
	x = WARNING(r, "no-reset");
	vctl_fmt(x->msg, sizeof(x->msg),
		 "has no reset method (no reset_method: no FLR, no PM "
		 "reset, no bus reset): vfio-pci cannot reset it between "
		 "VMs, and a VM that restarts may find it hung (QEMU: \"no "
		 "available reset mechanism\")");
	vctl_fmt(x->fix, sizeof(x->fix),
		 "put the card in a slot below its own PCIe port, alone on "
		 "its bus, for a bus reset; else reboot the host before the "
		 "device goes to another VM");
}

static int is_pci_name(const char *s)
{
	unsigned int d, b, sl, f;
	char tail;

	return strlen(s) == 12 &&
	       sscanf(s, "%4x:%2x:%2x.%1x%c", &d, &b, &sl, &f, &tail) == 4;
}

/* The idle-D3 advice applies: on vfio-pci, disable_idle_d3 not set. */
static int idle_d3_applies(struct vctl *c, const struct vres *r)
{
	char v[8];

	if (strcmp(r->dev.driver, VFIO_PCI_DRV))
		return 0;
	if (sysfs_read(c->sys.rootfd,
		       "module/vfio_pci/parameters/disable_idle_d3", v,
		       sizeof(v)) > 0 &&
	    (v[0] == 'Y' || v[0] == '1'))
		return 0;
	return 1;
}

static void d3cold_one(struct vctl *c, struct vres *r, const char *name)
{
	char st[32], allowed[8];
	int self = !strcmp(name, r->dev.name);
	struct problem *x;

	if (sysfs_read(c->sys.devfd, pci_attr(name, "power_state"), st,
		       sizeof(st)) <= 0 ||
	    strcmp(st, "D3cold"))
		return;
	if (sysfs_read(c->sys.devfd, pci_attr(name, "d3cold_allowed"), allowed,
		       sizeof(allowed)) <= 0)
		vctl_fmt(allowed, sizeof(allowed), "?");
	x = WARNING(r, "d3cold");
	if (self)
		vctl_fmt(x->msg, sizeof(x->msg),
			 "is in D3cold (power_state; d3cold_allowed=%s): "
			 "powered off, it has to be woken when a VM opens it, "
			 "and where the platform cannot power it back up the "
			 "VM gets a dead device",
			 allowed);
	else
		vctl_fmt(x->msg, sizeof(x->msg),
			 "the bridge above it, %s, is in D3cold (power_state; "
			 "d3cold_allowed=%s): the device is powered off with "
			 "it, and where the platform cannot power it back up "
			 "the VM gets a dead device",
			 name, allowed);
	if (idle_d3_applies(c, r))
		vctl_fmt(x->fix, sizeof(x->fix),
			 "'echo 0 > /sys/bus/pci/devices/%s/d3cold_allowed' "
			 "wakes it and keeps it out of D3cold; add "
			 "vfio-pci.disable_idle_d3=1 to the kernel command "
			 "line so that vfio-pci keeps idle devices in D0",
			 name);
	else
		vctl_fmt(x->fix, sizeof(x->fix),
			 "'echo 0 > /sys/bus/pci/devices/%s/d3cold_allowed' "
			 "wakes it and keeps it out of D3cold",
			 name);
}

/* The device and every PCI bridge above it (its sysfs path). */
static void check_d3cold(struct vctl *c, struct vres *r)
{
	char link[PATH_MAX], one[PCI_NAME_MAX];
	const char *s;
	ssize_t n;

	n = readlinkat(c->sys.devfd, r->dev.name, link, sizeof(link) - 1);
	if (n <= 0)
		return;
	link[n] = '\0';
	for (s = link; *s;) {
		size_t len = strcspn(s, "/");

		snprintf(one, sizeof(one), "%.*s", (int)len, s);
		if (is_pci_name(one) && strcmp(one, r->dev.name))
			d3cold_one(c, r, one);
		s += len + (s[len] == '/');
	}
	d3cold_one(c, r, r->dev.name);
}

static void check_display(struct vctl *c, struct vres *r)
{
	char why[256];
	struct problem *x;

	if (pci_host_role(&r->dev) != ROLE_DISPLAY ||
	    !vctl_display_used(c, &r->dev, why, sizeof(why)))
		return;
	x = WARNING(r, "boot-display");
	vctl_fmt(x->msg, sizeof(x->msg),
		 "%s: the host's console, and a LUKS passphrase prompt on "
		 "it, go dark while a VM has the device",
		 why);
	vctl_fmt(x->fix, sizeof(x->fix),
		 "use a serial or network console (console=ttyS0), or pass "
		 "through a GPU that is not the boot display");
}

struct slot_scan {
	struct vctl *c;
	const struct host *h;
	struct vres *r;
	/* The slot's other functions, warned about by address: the ID scan
	 * meets them in directory order, which differs between file systems. */
	char name[8][PCI_NAME_MAX];
	struct pci_id id[8];
	int n;
};

static const char *companion(unsigned int cls)
{
	if (cls >> 8 == 0x0403)
		return "audio";
	if (cls >> 8 == 0x0c03)
		return "USB";
	if (cls >> 8 == 0x0c80)
		return "USB-C (UCSI)";
	return NULL;
}

static void slot_function(const char *name, const struct pci_id *id,
			  struct slot_scan *s)
{
	const struct vc_dev *g = &s->r->dev;
	const char *what;
	struct problem *x;
	struct vc_dev d;

	if (!strcmp(name, g->name) || vfy_named(s->h, name) ||
	    pci_read_ids(&s->c->sys, name, &d))
		return;
	what = companion(d.class);
	/* On a host driver in the GPU's group: a problem says it already. */
	if (!what ||
	    (s->r->dev.group >= 0 && pci_load(&s->c->sys, name, &d) == 0 &&
	     d.group == s->r->dev.group && vctl_blocks_group(s->c, &d)))
		return;
	x = WARNING(s->r, "slot-function-left-out");
	vctl_fmt(x->msg, sizeof(x->msg),
		 "%s [%04x:%04x], the GPU's %s function (class %06x) in the "
		 "same slot, is not among the devices to claim: the VM gets "
		 "the GPU without it",
		 name, id->vendor, id->device, what, d.class);
	vctl_fmt(x->fix, sizeof(x->fix),
		 "name %04x:%04x@%s in vfio.devices= too ('vfioctl cmdline %s "
		 "%s' "
		 "prints the value for both)",
		 id->vendor, id->device, name, g->name, name);
}

/* A function of the GPU's slot ("DDDD:BB:SS.", the same 11 characters). */
static int slot_collect(const char *name, const struct pci_id *id, void *data)
{
	struct slot_scan *s = data;
	int i;

	if (strncmp(name, s->r->dev.name, 11) || s->n == 8)
		return 0;
	for (i = s->n++; i > 0 && strcmp(s->name[i - 1], name) > 0; i--) {
		memcpy(s->name[i], s->name[i - 1], sizeof(s->name[i]));
		s->id[i] = s->id[i - 1];
	}
	snprintf(s->name[i], sizeof(s->name[i]), "%s", name);
	s->id[i] = *id;
	return 0;
}

static void check_slot(struct vctl *c, const struct host *h, struct vres *r)
{
	struct slot_scan s;
	int i;

	if (r->dev.class >> 16 != 0x03)
		return;
	memset(&s, 0, sizeof(s));
	s.c = c, s.h = h, s.r = r;
	pci_scan_ids(&c->sys, slot_collect, &s);
	for (i = 0; i < s.n; i++)
		slot_function(s.name[i], &s.id[i], &s);
}

static void check_variant(struct vctl *c, struct vres *r)
{
	const char *alias = vctl_alias_path(c);
	char modalias[256], mod[64];
	struct problem *x;

	/* vfio.variants=off: plain vfio-pci is what the host asked for. */
	if (!alias || vctl_no_variants(c) ||
	    strcmp(r->dev.driver, VFIO_PCI_DRV) ||
	    !strcmp(r->sel_driver ? r->sel_driver : "", VFIO_PCI_DRV))
		return;
	pci_read_modalias(&c->sys, r->dev.name, modalias, sizeof(modalias));
	/*
	 * variant_find() skips vfio_pci's own catch-all alias
	 * ("alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci", its driver_override
	 * entry, in Debian's 6.1, 6.12 and 7.2 alike): it is no variant.
	 */
	if (variant_find(alias, modalias, mod, sizeof(mod)) != 1)
		return;
	x = WARNING(r, "variant-driver");
	vctl_fmt(x->msg, sizeof(x->msg),
		 "the kernel has a vfio variant driver for it, %s (a "
		 "vfio_pci: alias in modules.alias), but it is on plain "
		 "vfio-pci: what the variant adds (live migration, the "
		 "device's own memory) is missing",
		 mod);
	vctl_fmt(x->fix, sizeof(x->fix),
		 "with no VM using it: 'echo %s > /sys/bus/pci/drivers/"
		 "vfio-pci/unbind', then 'vfioctl bind %s' (it picks %s, as "
		 "vfio-claim does at boot); '%s=vfio-pci' in vfio.devices= "
		 "keeps plain vfio-pci and this warning away",
		 r->dev.name, r->dev.name, mod, r->sel);
}

void vfy_check_warnings(struct vctl *c, struct host *h, struct vres *r)
{
	if (!r->has_dev || pci_is_bridge(&r->dev))
		return;
	check_reset(c, h, r);
	check_d3cold(c, r);
	check_display(c, r);
	check_slot(c, h, r);
	check_variant(c, r);
}
