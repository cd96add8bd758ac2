// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl plan: what vfio-claim would do at the next boot, through the
 * same claim_plan; cmdline: the guarded vfio.devices= value for devices
 * (both are about vfio.devices=).
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
#include "judge.h"
#include "log.h"
#include "variant.h"
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

/*
 * plan --image-modules: the vfio variant modules an initramfs of the
 * kernel in --modules-dir needs for the devices planned, one per line, for
 * the hooks that build it (the early binary, which runs in that image,
 * need not carry this): the variant a selector names, else the one whose
 * vfio_pci: alias matches the device's modalias best (variant_find, as
 * the claim chooses), whatever vfio.variants= says.
 */
static void print_image_modules(struct vctl *c, const struct claim_ctx *ctx)
{
	const char *alias = vctl_alias_path(c);
	int i;

	for (i = 0; alias && i < ctx->ndev; i++) {
		const struct claim_dev *d = &ctx->dev[i];
		char ma[256], mod[DRV_NAME_MAX] = "";

		if (d->action == CA_VETO)
			continue;
		if (d->module[0]) { /* named by its selector, or chosen */
			snprintf(mod, sizeof(mod), "%s", d->module);
		} else if (!d->sel->driver[0]) {
			pci_read_modalias(&c->sys, d->dev.name, ma, sizeof(ma));
			if (variant_find(alias, ma, mod, sizeof(mod)) != 1)
				mod[0] = 0;
		}
		if (mod[0] && variant_known(alias, mod) == 1)
			puts(mod);
	}
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
	/* The boot reads it (vfio.devices=, and its IOMMU advice): so do we. */
	if (!vctl_cmdline(c, cmdline, sizeof(cmdline)))
		cmdline[0] = '\0';
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

		r = config_devices(cmdline, c->config, value, sizeof(value),
				   &src);
		snprintf(source, sizeof(source), "%s", src);
		if (r < 0)
			return 1;
		if (r == 0) {
			if (c->image_modules) /* no device: no module */
				return 0;
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
	/* The image may boot with variants on: it carries them all the same. */
	ctx.no_variants = !c->image_modules && vctl_no_variants(c);
	ctx.dry_run = 1;
	ctx.cmdline = cmdline;
	r = claim_plan(&ctx, &l);
	if (c->image_modules) {
		if (r == 0)
			print_image_modules(c, &ctx);
		claim_free(&ctx);
		return r || bad ? 1 : 0;
	}
	/* What the host is, judged as bind and reserve judge it. */
	if (r == 0)
		judge_claims(c, &ctx, "plan");
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

	r = vctl_resolve_args(c, "cmdline", argc, argv, &devs);
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
