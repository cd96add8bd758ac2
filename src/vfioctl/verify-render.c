// SPDX-License-Identifier: GPL-2.0-or-later
/* vfioctl verify, the renderings: human, JSON (vfioctl(8)), Prometheus. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "verify.h"

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

static int nwarn(const struct vres *r, int n)
{
	int i, w = 0;

	for (i = 0; i < n; i++)
		w += r[i].nw;
	return w;
}

static void json_problems(struct json *j, const char *key,
			  const struct problem *p, int n)
{
	int i;

	json_arr(j, key);
	for (i = 0; i < n; i++) {
		json_obj(j, NULL);
		json_string(j, "code", p[i].code);
		json_string(j, "message", p[i].msg);
		json_string(j, "fix", p[i].fix);
		json_obj_end(j);
	}
	json_arr_end(j);
}

void vfy_render_json(const struct host *h, const struct vres *r, int n,
		     int ready, int nready)
{
	struct json j;
	char id[10];
	int i;

	json_begin(&j, stdout);
	json_obj(&j, NULL);
	json_int(&j, "schema", 1);
	json_bool(&j, "ready", !!ready);
	json_string(&j, "source", h->source);
	json_obj(&j, "host");
	json_bool(&j, "iommu", !!h->iommu);
	json_bool(&j, "noiommu", !!h->noiommu);
	json_bool(&j, "vfio_pci_loaded", !!h->vfio);
	json_bool(&j, "claim_ran", h->claim_ran);
	if (h->claim_ran > 0 && h->claim_status >= 0)
		json_int(&j, "claim_status", h->claim_status);
	else
		json_null(&j, "claim_status");
	json_string_list(&j, "iommu_units", h->units);
	json_bool(&j, "hook_installed", h->hook);
	if (h->trial.active) {
		json_obj(&j, "trial");
		json_string(&j, "state", trial_state_name(h->trial.state));
		json_string(&j, "devices", h->trial.value);
		json_int(&j, "window", h->trial.window);
		json_int(&j, "seconds_left", h->trial.left);
		json_obj_end(&j);
	}
	json_problems(&j, "problems", h->p, h->np);
	json_obj_end(&j);
	json_obj(&j, "counts");
	json_int(&j, "devices", n);
	json_int(&j, "ready", nready);
	json_int(&j, "warnings", nwarn(r, n));
	json_obj_end(&j);
	json_arr(&j, "devices");
	for (i = 0; i < n; i++) {
		const struct vres *x = &r[i];

		json_obj(&j, NULL);
		json_string(&j, "selector", x->sel);
		json_string_or_null(&j, "address",
				    x->has_dev ? x->dev.name : NULL);
		if (x->has_dev)
			pci_id_format(&x->dev.id, id);
		json_string_or_null(&j, "id", x->has_dev ? id : NULL);
		json_string_or_null(&j, "driver",
				    x->has_dev ? x->dev.driver : NULL);
		json_string_or_null(&j, "driver_kind", kind_name(x->kind));
		if (x->has_dev && x->dev.group >= 0)
			json_int(&j, "group", x->dev.group);
		else
			json_null(&j, "group");
		json_string(&j, "status", x->status);
		json_bool(&j, "group_viable", x->has_dev ? x->viable : -1);
		json_string(&j, "group_node", node_name(x->node));
		json_string_list(&j, "held_by", x->held_by);
		json_string_or_null(&j, "cdev", x->cdev);
		json_problems(&j, "problems", x->p, x->np);
		json_problems(&j, "warnings", x->w, x->nw);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_end(&j);
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

/*
 * One series per address and code: a device can have one code twice
 * (two blockers in its group, two functions left out of its slot), and a
 * scraper refuses a file that has one series twice. The value is the
 * count. h: the host's problems too (address ""); warn: the warnings.
 */
static void prom_codes(const char *name, const char *help, const struct host *h,
		       const struct vres *r, int n, int warn)
{
	struct {
		const char *addr, *code;
	} * pl;
	int i, j, k, np;

	prom_head(name, help);
	np = h ? h->np : 0;
	for (i = 0; i < n; i++)
		np += warn ? r[i].nw : r[i].np;
	pl = calloc(np ? np : 1, sizeof(*pl));
	if (!pl)
		return;
	for (i = 0, k = 0; h && i < h->np; i++, k++) {
		pl[k].addr = "";
		pl[k].code = h->p[i].code;
	}
	for (i = 0; i < n; i++) {
		const struct problem *p = warn ? r[i].w : r[i].p;
		int m = warn ? r[i].nw : r[i].np;

		for (j = 0; j < m; j++, k++) {
			pl[k].addr = r[i].has_dev ? r[i].dev.name : r[i].sel;
			pl[k].code = p[j].code;
		}
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
		printf("%s{address=\"", name);
		prom_label(pl[i].addr);
		fputs("\",code=\"", stdout);
		prom_label(pl[i].code);
		printf("\"} %d\n", count);
	}
	free(pl);
}

void vfy_render_prometheus(const struct host *h, const struct vres *r, int n,
			   int ready, int nready)
{
	char id[10];
	int i;

	prom_head("vfioctl_ready",
		  "1 when every device meant for vfio-pci is ready for a VM.");
	printf("vfioctl_ready %d\n", ready);
	prom_head("vfioctl_iommu_enabled", "1 when an IOMMU is registered.");
	printf("vfioctl_iommu_enabled %d\n", h->iommu);
	prom_head("vfioctl_vfio_pci_loaded", "1 when vfio-pci is loaded.");
	printf("vfioctl_vfio_pci_loaded %d\n", h->vfio);
	/* Only in a trial boot, as JSON's host.trial. */
	if (h->trial.active) {
		prom_head("vfioctl_trial_boot",
			  "1 in a trial boot (vfioctl reserve --try) not "
			  "confirmed yet: the host reboots when "
			  "vfioctl_trial_seconds_left reaches 0.");
		printf("vfioctl_trial_boot %d\n",
		       h->trial.state != TRIAL_CONFIRMED);
		prom_head("vfioctl_trial_seconds_left",
			  "Seconds left to confirm the trial boot.");
		printf("vfioctl_trial_seconds_left %ld\n",
		       h->trial.state != TRIAL_CONFIRMED ? h->trial.left : 0);
	}
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
	prom_codes("vfioctl_problem",
		   "Problems found, by device (\"\": the host) and code: how "
		   "many.",
		   h, r, n, 0);
	prom_codes("vfioctl_warning",
		   "Warnings (ready, but a VM may fail with it), by device and "
		   "code: how many.",
		   NULL, r, n, 1);
}

static void human_problems(const char *kind, const struct problem *p, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		printf("  %s (%s): %s\n", kind, p[i].code, p[i].msg);
		if (p[i].fix[0])
			printf("  fix: %s\n", p[i].fix);
	}
}

void vfy_render_human(struct vctl *c, const struct host *h,
		      const struct vres *r, int n, int ready, int nready)
{
	int i;

	if (!c->quiet) {
		printf("host: IOMMU %s%s, vfio-pci %s", h->iommu ? "on" : "off",
		       h->noiommu ? " (vfio no-IOMMU mode)" : "",
		       h->vfio ? "loaded" : "not loaded");
		if (h->claim_running == 1)
			printf(", vfio-claim still running");
		else if (h->claim_ran >= 0)
			printf(", vfio-claim %s this boot",
			       h->claim_ran ? "ran" : "did not run");
		if (h->claim_ran > 0 && h->claim_status >= 0 &&
		    h->claim_running != 1)
			printf(" (status %d)", h->claim_status);
		printf("\ndevices from: %s\n", h->source);
		trial_render(&h->trial);
	}
	if (h->np && n)
		human_problems("problem", h->p, h->np);
	if (!c->quiet && h->holders_read > 0 && h->holders.denied)
		printf("note: the open files of %d processes are not readable "
		       "(not root), so a VM holding a group may not show as "
		       "in use\n",
		       h->holders.denied);
	for (i = 0; i < n; i++) {
		const struct vres *x = &r[i];

		if (c->quiet && !x->np && !x->nw)
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
		human_problems("problem", x->p, x->np);
		human_problems("warning", x->w, x->nw);
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
	else if (nwarn(r, n))
		printf("%s: %d of %d devices ready, %d warning%s\n",
		       ready ? "ready" : "NOT READY", nready, n, nwarn(r, n),
		       nwarn(r, n) == 1 ? "" : "s");
	else
		printf("%s: %d of %d devices ready\n",
		       ready ? "ready" : "NOT READY", nready, n);
}
