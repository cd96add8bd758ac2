// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl verify: is every device the host was told to reserve ready for
 * a VM, and if not, why and what to change. This part: the verb, and
 * where the list of devices to check comes from (arguments, the command
 * line's vfio.devices= and vfio-pci.ids=, the config file).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ids.h"
#include "log.h"
#include "verify.h"

struct problem *vfy_problem(struct problem *p, int *np, const char *code)
{
	struct problem *x;

	if (*np >= NPROB)
		*np = NPROB - 1; /* keep the last slot for the newest */
	x = &p[(*np)++];
	memset(x, 0, sizeof(*x));
	vctl_fmt(x->code, sizeof(x->code), "%s", code);
	return x;
}

int vfy_cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

int vfy_named(const struct host *h, const char *name)
{
	int i;

	for (i = 0; i < h->nall; i++)
		if (!strcmp(h->all[i].dev.name, name))
			return 1;
	return 0;
}

/* ---- where the device list comes from ---- */

/* vfio-pci.ids= entries: ids.h reads them as vfio-pci does. */
struct ids_scan {
	struct vctl *c;
	const struct ids_entry *e;
	char (*names)[PCI_NAME_MAX];
	int n, cap;
};

static int ids_scan_one(const char *name, const struct pci_id *id, void *data)
{
	struct ids_scan *s = data;
	struct vc_dev d;

	if (!ids_match_id(s->e, id) || s->n >= s->cap)
		return 0;
	if (s->e->mask && (pci_read_ids(&s->c->sys, name, &d) ||
			   !ids_match_class(s->e, d.class)))
		return 0;
	snprintf(s->names[s->n++], PCI_NAME_MAX, "%s", name);
	return 0;
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
	struct ids_entry e;
	char one[96];
	size_t n = 0;
	int bad = 0, r;

	out[0] = '\0';
	while ((r = ids_next(&p, &e, one, sizeof(one)))) {
		char sel[64];
		int i;

		if (r < 0) {
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
			qsort(names, s.n, sizeof(names[0]), vfy_cmp_name);
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

int vfy_run(struct vctl *c, int argc, char **argv, vfy_render_fn *render)
{
	static struct sel_list l;
	static struct host h;
	struct vmiss_list miss = { .n = 0 };
	struct vdev_list devs = { 0 };
	struct vres *r;
	int bad, i, n, nready = 0, ready, unwritten;

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
	vfy_check_host(c, &h);
	for (i = 0; i < devs.n; i++) {
		r[i].sel = devs.v[i].sel->text;
		r[i].sel_driver = devs.v[i].sel->driver;
		r[i].has_dev = 1;
		r[i].dev = devs.v[i].dev;
	}
	h.all = r;
	h.nall = devs.n;
	h.reset_attr = -1;
	for (i = 0; i < devs.n; i++) {
		/* What the device is now may not be what the claim makes of
		 * it: no verdict yet, and nothing to fix. */
		if (h.claim_running == 1) {
			r[i].viable = -1;
			r[i].node = -ENODATA;
			r[i].status = "not-ready";
			vctl_fmt(PROBLEM(&r[i], "claim-running")->msg,
				 sizeof(r[i].p[0].msg),
				 "vfio-claim is still claiming it");
			continue;
		}
		vfy_check_device(c, &h, &r[i]);
		vfy_check_warnings(c, &h, &r[i]);
	}
	for (i = 0; i < miss.n; i++) {
		r[devs.n + i].sel = miss.m[i].sel->text;
		vfy_check_miss(&h, &r[devs.n + i], &miss.m[i]);
	}
	for (i = 0; i < n; i++)
		nready += r[i].np == 0;
	ready = nready == n && !(n && h.np) && !bad;
	/* A label file not written is said on stderr, and fails the unit. */
	unwritten = c->nfd_dir && !render && vfy_write_nfd(c, &h, r, n, ready);
	if (render)
		ready = render(c, &h, r, n, ready) == 0;
	else if (c->nfd)
		vfy_render_nfd(c, stdout, &h, r, n, ready);
	else if (c->prometheus)
		vfy_render_prometheus(&h, r, n, ready, nready);
	else if (c->json)
		vfy_render_json(&h, r, n, ready, nready);
	else
		vfy_render_human(c, &h, r, n, ready, nready);
	free(r);
	vdev_list_free(&devs);
	vdev_list_free(&h.conf);
	vholders_free(&h.holders);
	return ready && !unwritten ? 0 : 1;
}

int cmd_verify(struct vctl *c, int argc, char **argv)
{
	return vfy_run(c, argc, argv, NULL);
}
