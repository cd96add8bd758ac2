// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl plan: what vfio-claim would do at the next boot, through the
 * same claim_plan; cmdline: the guarded vfio.devices= value for devices;
 * qemu-args: -device arguments that keep a slot's functions together.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claim.h"
#include "cmdline.h"
#include "config.h"
#include "iommu.h"
#include "json.h"
#include "log.h"
#include "vfioctl.h"

#define VALUE_MAX 4096

static void print_plan_json(const struct claim_ctx *ctx, const char *source,
			    const char *value)
{
	struct json j;
	int i;

	json_begin(&j, stdout);
	json_obj(&j, NULL);
	json_string(&j, "source", source);
	json_string(&j, "value", value);
	json_int(&j, "errors", ctx->errors);
	json_arr(&j, "devices");
	for (i = 0; i < ctx->ndev; i++) {
		const struct claim_dev *d = &ctx->dev[i];
		char id[10];

		pci_id_format(&d->dev.id, id);
		json_obj(&j, NULL);
		json_string(&j, "address", d->dev.name);
		json_string(&j, "id", id);
		json_string_or_null(&j, "driver", d->prev_driver);
		if (d->dev.group >= 0)
			json_int(&j, "group", d->dev.group);
		else
			json_null(&j, "group");
		json_string(&j, "action", claim_action_name(d->action));
		json_string_or_null(&j, "why", d->why);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_end(&j);
}

int cmd_plan(struct vctl *c, int argc, char **argv)
{
	static char cmdline[CMDLINE_MAX + 1], value[VALUE_MAX];
	static struct sel_list l;
	static char source[PATH_MAX + 16];
	struct claim_ctx ctx;
	int bad = 0, r = 0, i;

	memset(&l, 0, sizeof(l));
	memset(&ctx, 0, sizeof(ctx));
	if (argc) {
		snprintf(source, sizeof(source), "arguments");
		value[0] = '\0';
		for (i = 0; i < argc; i++)
			vctl_fmt(value + strlen(value),
				 sizeof(value) - strlen(value), "%s%s",
				 i ? "," : "", argv[i]);
		bad = vctl_parse_args(argc, argv, &l);
		if (bad)
			return 2;
	} else {
		/* The order vfio-claim uses: the cmdline wins, then the file.
		 */
		const char *src;

		if (!vctl_cmdline(c, cmdline, sizeof(cmdline)))
			cmdline[0] = '\0';
		r = config_devices(cmdline, c->config, value, sizeof(value),
				   &src);
		snprintf(source, sizeof(source), "%s", src);
		if (r < 0)
			return 1;
		if (r == 0) {
			if (c->json)
				print_plan_json(&ctx, NULL, NULL);
			else if (!c->quiet)
				printf("nothing to claim: no vfio.devices= on "
				       "the command line and no devices= in "
				       "%s\n",
				       c->config[0] ? c->config
						    : "the config file");
			return 0;
		}
		bad = sel_parse_list(value, &l, source);
	}
	ctx.sys = &c->sys;
	ctx.alias_path = vctl_alias_path(c);
	ctx.dry_run = 1;
	r = claim_plan(&ctx, &l);
	if (r == 0)
		claim_check_groups(&ctx);
	if (r)
		ctx.errors++;
	if (c->json)
		print_plan_json(&ctx, source, value);
	else
		fflush(stdout), claim_print_plan(&ctx);
	bad += ctx.errors;
	claim_free(&ctx);
	return bad ? 1 : 0;
}

/* Resolves args for cmdline and qemu-args; 0, or 1/2 after reporting. */
static int resolve_args(struct vctl *c, const char *verb, int argc, char **argv,
			struct vdev_list *devs)
{
	static struct sel_list l;
	struct vmiss_list miss = { .n = 0 };
	int i;

	if (!argc) {
		fprintf(stderr, "vfioctl %s: name at least one device\n", verb);
		return 2;
	}
	if (vctl_parse_args(argc, argv, &l))
		return 2;
	if (vctl_resolve(c, &l, devs, &miss))
		return 1;
	for (i = 0; i < miss.n; i++)
		vc_err("%s: %s%s%s", miss.m[i].sel->text,
		       miss.m[i].kind == CM_VETOED ? miss.m[i].name : "",
		       miss.m[i].kind == CM_VETOED ? ": " : "",
		       vctl_miss_text(&miss.m[i]));
	return miss.n ? 1 : 0;
}

int vctl_guarded(const struct vc_dev *d, char *buf, size_t size)
{
	return snprintf(buf, size, "%04x:%04x@%s", d->id.vendor, d->id.device,
			d->name);
}

int cmd_cmdline(struct vctl *c, int argc, char **argv)
{
	struct vdev_list devs = { 0 };
	static char value[VALUE_MAX];
	size_t n = 0;
	int i, r, k = 0;

	r = resolve_args(c, "cmdline", argc, argv, &devs);
	if (r) {
		vdev_list_free(&devs);
		return r;
	}
	value[0] = '\0';
	for (i = 0; i < devs.n; i++) {
		const struct vc_dev *d = &devs.v[i].dev;

		if (pci_is_bridge(d)) {
			vc_warn("%s is a PCI bridge: vfio-pci cannot take it; "
				"left out",
				d->name);
			continue;
		}
		n += snprintf(value + n, sizeof(value) - n, "%s",
			      k++ ? "," : "");
		if (n < sizeof(value))
			n += vctl_guarded(d, value + n, sizeof(value) - n);
		if (n >= sizeof(value)) {
			vc_err("the value is longer than %d bytes: name IDs "
			       "instead",
			       VALUE_MAX - 1);
			vdev_list_free(&devs);
			return 1;
		}
	}
	if (c->json) {
		struct json j;

		json_begin(&j, stdout);
		json_obj(&j, NULL);
		json_string(&j, "parameter", "vfio.devices");
		json_string(&j, "value", value);
		json_arr(&j, "devices");
		for (i = 0; i < devs.n; i++)
			if (!pci_is_bridge(&devs.v[i].dev))
				json_string(&j, NULL, devs.v[i].dev.name);
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	} else if (k) {
		printf("vfio.devices=%s\n", value);
	}
	vdev_list_free(&devs);
	return k ? 0 : 1;
}

/* Is name in the list? */
static int listed(const struct vdev_list *l, const char *name)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].dev.name, name))
			return 1;
	return 0;
}

struct sib {
	struct vctl *c;
	const struct vdev_list *l;
	const struct vc_dev *d;
};

static int warn_sibling(const char *name, void *data)
{
	struct sib *s = data;
	struct vc_dev d;

	if (listed(s->l, name) || pci_load(&s->c->sys, name, &d) ||
	    iommu_member(&d) == GM_OK)
		return 0;
	if (pci_host_role(&d) != ROLE_NONE)
		vc_warn("%s, the host's %s, shares IOMMU group %d with %s: "
			"the VM cannot start while the host keeps it; do not "
			"claim it, move the card to another slot or check the "
			"firmware's ACS option",
			name, pci_role_name(pci_host_role(&d)), s->d->group,
			s->d->name);
	else
		vc_warn("%s shares IOMMU group %d with %s, which is not named: "
			"the VM cannot start unless it is on vfio-pci (or "
			"pci-stub) too; name it as well",
			name, s->d->group, s->d->name);
	return 0;
}

static int same_slot(const struct pci_addr *a, const struct pci_addr *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->slot == b->slot;
}

#define GUEST_SLOT_FIRST 0x10

static int by_addr(const void *a, const void *b)
{
	return strcmp(((const struct vdev *)a)->dev.name,
		      ((const struct vdev *)b)->dev.name);
}

int cmd_qemu_args(struct vctl *c, int argc, char **argv)
{
	struct vdev_list devs = { 0 };
	int i, j, r, nargs = 0, slot = GUEST_SLOT_FIRST;
	char(*arg)[160];
	int *done;

	r = resolve_args(c, "qemu-args", argc, argv, &devs);
	if (r) {
		vdev_list_free(&devs);
		return r;
	}
	/* Function 0 (multifunction=on) first in each slot. */
	if (devs.n)
		qsort(devs.v, devs.n, sizeof(*devs.v), by_addr);
	arg = calloc(devs.n + 1, sizeof(*arg));
	done = calloc(devs.n + 1, sizeof(*done));
	if (!arg || !done) {
		free(arg);
		free(done);
		vdev_list_free(&devs);
		return 1;
	}
	for (i = 0; i < devs.n; i++) {
		const struct vc_dev *d = &devs.v[i].dev;
		struct sib s = { c, &devs, d };
		int nfunc = 0, func0 = 0, gfunc = 0;

		/* A vfio variant driver (mlx5_vfio_pci) is vfio's too. */
		if (!iommu_is_vfio_driver(d->driver))
			vc_warn("%s is on %s, not vfio-pci: 'vfioctl bind %s' "
				"first",
				d->name, d->driver[0] ? d->driver : "no driver",
				d->name);
		if (d->group >= 0 && !c->quiet)
			iommu_group_for_each(&c->sys, d->group, warn_sibling,
					     &s);
		if (done[i])
			continue;
		/* The functions of its slot go together, in one guest slot. */
		for (j = i; j < devs.n; j++)
			if (same_slot(&devs.v[j].dev.addr, &d->addr)) {
				nfunc++;
				func0 |= devs.v[j].dev.addr.func == 0;
			}
		if (nfunc == 1) {
			snprintf(arg[nargs++], sizeof(arg[0]),
				 "vfio-pci,host=%s", d->name);
			done[i] = 1;
			continue;
		}
		for (j = i; j < devs.n; j++) {
			const struct vc_dev *e = &devs.v[j].dev;
			unsigned int f;

			if (!same_slot(&e->addr, &d->addr))
				continue;
			/* Keep host function numbers when 0 is there. */
			f = func0 ? e->addr.func : (unsigned int)gfunc;
			gfunc++;
			snprintf(arg[nargs++], sizeof(arg[0]),
				 "vfio-pci,host=%s,addr=0x%x.%x%s", e->name,
				 slot, f, f == 0 ? ",multifunction=on" : "");
			done[j] = 1;
		}
		slot++;
	}
	if (c->json) {
		struct json w;

		json_begin(&w, stdout);
		json_obj(&w, NULL);
		json_arr(&w, "args");
		for (i = 0; i < nargs; i++) {
			json_string(&w, NULL, "-device");
			json_string(&w, NULL, arg[i]);
		}
		json_arr_end(&w);
		json_obj_end(&w);
		json_end(&w);
	} else {
		for (i = 0; i < nargs; i++)
			printf("-device %s\n", arg[i]);
	}
	free(arg);
	free(done);
	vdev_list_free(&devs);
	return 0;
}
