// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl groups: every IOMMU group, its devices with lspci-style names,
 * their drivers, and whether a VM could take the group as it is.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdline.h"
#include "iommu.h"
#include "json.h"
#include "judge.h"
#include "log.h"
#include "vfioctl.h"

struct names {
	char **v;
	int n, cap;
};

static int names_add(const char *name, void *data)
{
	struct names *l = data;

	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 32;
		void *p = realloc(l->v, cap * sizeof(*l->v));

		if (!p)
			return -ENOMEM;
		l->v = p;
		l->cap = cap;
	}
	l->v[l->n] = strdup(name);
	if (!l->v[l->n])
		return -ENOMEM;
	l->n++;
	return 0;
}

static void names_free(struct names *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int cmp_num(const void *a, const void *b)
{
	long x = strtol(*(char *const *)a, NULL, 10);
	long y = strtol(*(char *const *)b, NULL, 10);

	return x < y ? -1 : x > y;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_groups(struct vctl *c, struct names *g)
{
	DIR *d = sysfs_opendir(c->sys.rootfd, "kernel/iommu_groups");
	struct dirent *de;
	int r = 0;

	if (!d)
		return -errno;
	while (!r && (de = readdir(d))) {
		char *end;

		strtol(de->d_name, &end, 10);
		if (de->d_name[0] == '.' || *end || end == de->d_name)
			continue;
		r = names_add(de->d_name, g);
	}
	closedir(d);
	if (g->n)
		qsort(g->v, g->n, sizeof(*g->v), cmp_num);
	return r;
}

struct member {
	struct vc_dev dev;
	char name[320];
	int ok;
	int blocks; /* keeps the group from a VM now (judge_member) */
	int uses; /* the host uses it */
	char use[200];
};

static void show_group(struct vctl *c, struct json *j, int group)
{
	struct names m = { 0 };
	static char dmsg[400], dfix[400];
	struct member *mem;
	int i, viable = 1, direct = 0;

	iommu_group_for_each(&c->sys, group, names_add, &m);
	if (m.n)
		qsort(m.v, m.n, sizeof(*m.v), cmp_str);
	mem = calloc(m.n ? m.n : 1, sizeof(*mem));
	if (!mem) {
		names_free(&m);
		return;
	}
	for (i = 0; i < m.n; i++) {
		static struct verdict v;

		mem[i].ok = pci_load(&c->sys, m.v[i], &mem[i].dev) == 0;
		if (!mem[i].ok)
			continue;
		vctl_pci_name(c, &mem[i].dev, mem[i].name, sizeof(mem[i].name));
		/* The verdict every verb gives (judge.c). */
		judge_device(c, &mem[i].dev, NULL, 0, &v);
		mem[i].blocks =
			judge_member(c, &mem[i].dev, NULL, 0) == JM_BLOCKS;
		mem[i].uses = v.uses;
		if (v.uses)
			judge_use_text(&v, mem[i].use, sizeof(mem[i].use));
		if (v.viable == 0)
			viable = 0;
		if (v.direct && !direct) {
			direct = 1;
			judge_direct_text(&v, dmsg, sizeof(dmsg), dfix,
					  sizeof(dfix));
		}
	}
	if (c->json) {
		json_obj(j, NULL);
		json_int(j, "group", group);
		json_bool(j, "viable", viable && !direct);
		json_string_or_null(j, "direct", direct ? dmsg : NULL);
		json_arr(j, "devices");
		for (i = 0; i < m.n; i++) {
			struct vc_dev *d = &mem[i].dev;
			char id[10], cls[8];

			if (!mem[i].ok)
				continue;
			pci_id_format(&d->id, id);
			snprintf(cls, sizeof(cls), "%06x", d->class);
			json_obj(j, NULL);
			json_string(j, "address", d->name);
			json_string(j, "id", id);
			json_string(j, "class", cls);
			json_string(j, "name", mem[i].name);
			json_string_or_null(j, "driver", d->driver);
			json_bool(j, "bridge", !!pci_is_bridge(d));
			json_bool(j, "blocks", mem[i].blocks);
			json_string_or_null(j, "host_uses",
					    mem[i].uses ? mem[i].use : NULL);
			json_obj_end(j);
		}
		json_arr_end(j);
		json_obj_end(j);
	} else {
		printf("IOMMU group %d: %s\n", group,
		       viable && !direct ? "viable" : "not viable");
		if (direct)
			printf("  %s\n  fix: %s\n", dmsg, dfix);
		for (i = 0; i < m.n; i++) {
			struct vc_dev *d = &mem[i].dev;

			if (!mem[i].ok) {
				printf("  %s (unreadable)\n", m.v[i]);
				continue;
			}
			printf("  %s %s [%04x:%04x] (%s)%s%s%s\n", d->name,
			       mem[i].name, d->id.vendor, d->id.device,
			       d->driver[0] ? d->driver : "no driver",
			       mem[i].blocks ? " *" : "",
			       mem[i].uses ? "; " : "",
			       mem[i].uses ? mem[i].use : "");
		}
	}
	free(mem);
	names_free(&m);
}

/* No groups at all: the advice the boot gives, for this host. */
static void no_groups(struct vctl *c)
{
	static char cmdline[CMDLINE_MAX + 1];
	char fix[160];

	if (!vctl_cmdline(c, cmdline, sizeof(cmdline)))
		cmdline[0] = '\0';
	iommu_advice(&c->sys, cmdline, fix, sizeof(fix));
	fprintf(stderr, "vfioctl: no IOMMU groups: %s\n", fix);
}

int cmd_groups(struct vctl *c, int argc, char **argv)
{
	struct names g = { 0 };
	struct json j;
	int i, r;

	if (argc) {
		fprintf(stderr, "vfioctl groups: takes no arguments\n");
		return 2;
	}
	r = list_groups(c, &g);
	if (r && r != -ENOENT) {
		vc_err("%s/kernel/iommu_groups: %s", c->sysroot,
		       vc_strerror(r));
		names_free(&g);
		return 1;
	}
	if (c->json) {
		json_begin(&j, stdout);
		json_obj(&j, NULL);
		json_arr(&j, "groups");
	}
	for (i = 0; i < g.n; i++)
		show_group(c, &j, (int)strtol(g.v[i], NULL, 10));
	if (c->json) {
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	} else if (!g.n && !c->quiet)
		no_groups(c);
	else if (g.n && !c->quiet)
		printf("(* keeps its group from a VM: not on a vfio driver, "
		       "pci-stub, pcieport or no driver)\n");
	names_free(&g);
	return 0;
}
