// SPDX-License-Identifier: GPL-2.0-or-later
/* vfioctl helpers: selector resolution, libpci names, libkmod, JSON. */
#include <errno.h>
#include <fcntl.h>
#include <libkmod.h>
#include <linux/vfio.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "claim.h"
#include "cmdline.h"
#include "config.h"
#include "iommu.h"
#include "log.h"
#include "modprobe.h"
#include "vfioctl.h"

/* A miss of the resolver's kind for one device (vetoed, unreadable). */
static void add_miss(struct vmiss_list *m, const struct claim_dev *d,
		     enum claim_miss_kind kind)
{
	struct claim_miss *x;

	if (!m || m->n >= VMISS_MAX)
		return;
	x = &m->m[m->n++];
	memset(x, 0, sizeof(*x));
	x->sel = d->sel;
	x->kind = kind;
	memcpy(x->name, d->dev.name, sizeof(x->name));
	x->have = d->dev.id;
}

/*
 * The core resolver (claim_resolve) does the work, as at boot; this only
 * loads each device in full and puts the answer in vfioctl's lists.
 */
int vctl_resolve(struct vctl *c, struct sel_list *l, struct vdev_list *out,
		 struct vmiss_list *miss)
{
	struct claim_ctx ctx;
	int i, r;

	memset(&ctx, 0, sizeof(ctx));
	ctx.sys = &c->sys;
	r = claim_resolve(&ctx, l);
	if (r) {
		claim_free(&ctx);
		return r;
	}
	for (i = 0; miss && i < ctx.nmiss && miss->n < VMISS_MAX; i++)
		miss->m[miss->n++] = ctx.miss[i];
	for (i = 0; i < ctx.ndev; i++) {
		struct claim_dev *d = &ctx.dev[i];
		struct vdev *v;

		if (d->action == CA_VETO) {
			add_miss(miss, d, CM_VETOED);
			continue;
		}
		if (pci_load_rest(&c->sys, &d->dev)) {
			add_miss(miss, d, CM_UNREADABLE);
			continue;
		}
		if (out->n == out->cap) {
			int cap = out->cap ? out->cap * 2 : 16;
			void *p = realloc(out->v, cap * sizeof(*out->v));

			if (!p) {
				claim_free(&ctx);
				return -ENOMEM;
			}
			out->v = p;
			out->cap = cap;
		}
		v = &out->v[out->n++];
		v->dev = d->dev;
		v->sel = d->sel;
	}
	claim_free(&ctx);
	return 0;
}

const char *vctl_miss_text(const struct claim_miss *m)
{
	switch (m->kind) {
	case CM_STALE:
		return "the device there has another ID";
	case CM_VETOED:
		return "the guard of a function in its slot failed: the "
		       "hardware changed";
	case CM_UNREADABLE:
		return "cannot read the device";
	default:
		return "no such PCI device";
	}
}

void vdev_list_free(struct vdev_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

int vctl_parse_args(int argc, char **argv, struct sel_list *l)
{
	static char all[4096];
	size_t n = 0, len, k;
	int i;

	/* sel_parse_list starts a fresh list: hand it everything at once. */
	memset(l, 0, sizeof(*l));
	all[0] = '\0';
	for (i = 0; i < argc; i++) {
		/*
		 * "" (an unset variable) or "none" (vfio.devices=none) as an
		 * argument names no device: a usage error, never "nothing to
		 * verify" with exit 0, which monitoring reads as ready.
		 */
		if (!argv[i][0] || !strcmp(argv[i], "none") ||
		    !argv[i][strspn(argv[i], ",")]) {
			vc_err("argument %d '%s' names no device; name one as "
			       "[DDDD:]BB:SS.F, VVVV:DDDD or ID@ADDR",
			       i + 1, argv[i]);
			return 1;
		}
		len = strlen(argv[i]);
		for (k = 0; k < len; k++)
			if ((unsigned char)argv[i][k] <= ' ' ||
			    argv[i][k] == 0x7f)
				break;
		if (k < len) {
			/* One argument, one message: not split at blanks. */
			vc_err("argument %d '%s' is not a device selector: it "
			       "holds a blank or a control character",
			       i + 1, argv[i]);
			return 1;
		}
		if (n + len + 2 > sizeof(all)) {
			vc_err("the arguments are longer than %zu bytes",
			       sizeof(all) - 1);
			return 1;
		}
		if (n)
			all[n++] = ',';
		memcpy(all + n, argv[i], len + 1);
		n += len;
	}
	return sel_parse_list(all, l, "argument");
}

int vctl_cmdline(struct vctl *c, char *buf, size_t size)
{
	char p[PATH_MAX];

	if (c->cmdline) {
		snprintf(buf, size, "%s", c->cmdline);
		return 1;
	}
	buf[0] = '\0';
	if (!c->proc[0] || vc_path(p, sizeof(p), "%s/cmdline", c->proc) < 0)
		return 0;
	return cmdline_read(p, buf, size) == 0;
}

int vctl_no_variants(struct vctl *c)
{
	static char cl[CMDLINE_MAX + 1];
	static int off = -1; /* once: a bad value is said once */

	if (off < 0) {
		vctl_cmdline(c, cl, sizeof(cl));
		off = !config_variants(cl, c->config);
	}
	return off;
}

void vctl_host_path(const struct vctl *c, char *buf, size_t size,
		    const char *path)
{
	if (!c->root || vc_path(buf, size, "%s%s", c->root, path) < 0)
		buf[0] = '\0';
}

void vctl_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

void vctl_pci_name(struct vctl *c, const struct vc_dev *d, char *buf,
		   size_t size)
{
	vctl_pci_lookup(c->pci_ids, d->class, d->id.vendor, d->id.device, buf,
			size);
}

/* ---- libkmod ---- */

struct kmod_ctx *vctl_kmod_open(struct vctl *c)
{
	char d1[PATH_MAX], d2[PATH_MAX];
	const char *paths[3] = { d1, d2, NULL };

	if (!c->moddir[0] || access(c->moddir, F_OK))
		return NULL;
	if (c->real)
		return kmod_new(c->moddir, NULL);
	/* A fake root: its own modprobe.d, never the host's. */
	vctl_host_path(c, d1, sizeof(d1), "/etc/modprobe.d");
	vctl_host_path(c, d2, sizeof(d2), "/lib/modprobe.d");
	if (!d1[0])
		paths[0] = NULL;
	return kmod_new(c->moddir, paths);
}

enum kmod_kind vctl_driver_kind(struct vctl *c, const char *drv, char *mod,
				size_t size)
{
	enum kmod_kind k = KM_UNKNOWN;
	struct kmod_module *m = NULL;
	struct kmod_ctx *ctx;
	char p[256];
	size_t i;

	vc_path(p, sizeof(p), "bus/pci/drivers/%s/module", drv);
	if (sysfs_link_name(c->sys.rootfd, p, mod, size) < 0) {
		snprintf(mod, size, "%s", drv);
		for (i = 0; mod[i]; i++)
			if (mod[i] == '-')
				mod[i] = '_';
	}
	ctx = vctl_kmod_open(c);
	if (ctx && kmod_module_new_from_name(ctx, mod, &m) == 0) {
		if (kmod_module_get_path(m))
			k = KM_MODULE;
		else if (kmod_module_get_initstate(m) == KMOD_MODULE_BUILTIN)
			k = KM_BUILTIN;
		kmod_module_unref(m);
	}
	if (ctx)
		kmod_unref(ctx);
	if (k == KM_UNKNOWN) {
		/* sysfs knows too: only loadable modules have initstate. */
		vc_path(p, sizeof(p), "module/%s/initstate", mod);
		if (sysfs_exists(c->sys.rootfd, p))
			k = KM_MODULE;
	}
	return k;
}

const char *vctl_alias_path(const struct vctl *c)
{
	static char p[PATH_MAX + 16];

	if (!c->moddir[0] ||
	    vc_path(p, sizeof(p), "%s/modules.alias", c->moddir) < 0 ||
	    access(p, R_OK))
		return NULL;
	return p;
}

int vctl_load_module(void *data, const char *name)
{
	struct vctl *c = data;
	struct kmod_module *m = NULL;
	struct kmod_ctx *ctx;
	int r;

	if (c->modprobe)
		return modprobe_run((void *)c->modprobe, name);
	if (!c->real)
		return -EPERM; /* a fake tree never loads host modules */
	ctx = vctl_kmod_open(c);
	if (!ctx)
		ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return -ENOMEM;
	r = kmod_module_new_from_name(ctx, name, &m);
	if (r == 0) {
		vc_info("loading %s", name);
		r = kmod_module_probe_insert_module(m, 0, NULL, NULL, NULL,
						    NULL);
		if (r < 0)
			vc_err("cannot load %s: %s", name, strerror(-r));
		kmod_module_unref(m);
	}
	kmod_unref(ctx);
	return r < 0 ? r : 0;
}

/* ---- groups ---- */

int vctl_group_node(const struct vctl *c, int group, char *name, size_t size)
{
	char p[PATH_MAX];

	name[0] = '\0';
	if (!c->dev[0] || group < 0)
		return -ENODATA;
	/* drivers/vfio/group.c names it "%s%d", "noiommu-" or "". */
	snprintf(name, size, "%d", group);
	if (vc_path(p, sizeof(p), "%s/vfio/%s", c->dev, name) >= 0 &&
	    access(p, F_OK) == 0)
		return 0;
	snprintf(name, size, "noiommu-%d", group);
	if (vc_path(p, sizeof(p), "%s/vfio/%s", c->dev, name) >= 0 &&
	    access(p, F_OK) == 0)
		return 0;
	name[0] = '\0';
	return -ENOENT;
}

int vctl_group_status(const struct vctl *c, int group)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char p[PATH_MAX], name[32];
	int fd, r;

	r = vctl_group_node(c, group, name, sizeof(name));
	if (r)
		return r;
	if (vc_path(p, sizeof(p), "%s/vfio/%s", c->dev, name) < 0)
		return -ENODATA;
	fd = open(p, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		if (errno == EBUSY || errno == ENOENT)
			return -errno;
		return -ENODATA;
	}
	r = ioctl(fd, VFIO_GROUP_GET_STATUS, &st);
	close(fd);
	if (r < 0)
		return -ENODATA;
	return !!(st.flags & VFIO_GROUP_FLAGS_VIABLE);
}

/* ---- who holds a vfio node open, from /proc, without opening it ---- */

static int add_holder(struct vholders *hl, int pid, const char *comm,
		      const char *node)
{
	int i;

	for (i = 0; i < hl->n; i++)
		if (hl->h[i].pid == pid && !strcmp(hl->h[i].node, node))
			return 0;
	if (hl->n == hl->cap) {
		int cap = hl->cap ? hl->cap * 2 : 8;
		void *p = realloc(hl->h, cap * sizeof(*hl->h));

		if (!p)
			return -ENOMEM;
		hl->h = p;
		hl->cap = cap;
	}
	hl->h[hl->n].pid = pid;
	snprintf(hl->h[hl->n].comm, sizeof(hl->h[0].comm), "%s", comm);
	snprintf(hl->h[hl->n].node, sizeof(hl->h[0].node), "%.*s",
		 (int)sizeof(hl->h[0].node) - 1, node);
	hl->n++;
	return 0;
}

/* The vfio nodes one process has open. */
static int scan_pid(struct vholders *hl, int procfd, const char *pid)
{
	char p[64], t[128], comm[32] = "";
	struct dirent *de;
	DIR *d;
	int fd, r = 0;

	vc_path(p, sizeof(p), "%s/fd", pid);
	fd = openat(procfd, p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == EACCES || errno == EPERM)
			hl->denied++;
		return 0;
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	while (!r && (de = readdir(d))) {
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		n = readlinkat(fd, de->d_name, t, sizeof(t) - 1);
		if (n <= 10)
			continue;
		t[n] = '\0';
		/* The path as the holder opened it, in its own namespace. */
		if (strncmp(t, "/dev/vfio/", 10))
			continue;
		if (!comm[0]) {
			vc_path(p, sizeof(p), "%s/comm", pid);
			if (sysfs_read(procfd, p, comm, sizeof(comm)) < 0)
				snprintf(comm, sizeof(comm), "?");
		}
		r = add_holder(hl, (int)strtol(pid, NULL, 10), comm, t + 10);
	}
	closedir(d);
	return r;
}

int vctl_vfio_holders(const struct vctl *c, struct vholders *hl)
{
	struct dirent *de;
	DIR *d;
	int procfd, r = 0;

	memset(hl, 0, sizeof(*hl));
	if (!c->proc[0])
		return -ENODATA;
	procfd = open(c->proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return -errno;
	d = fdopendir(dup(procfd));
	if (!d) {
		close(procfd);
		return -ENODATA;
	}
	while (!r && (de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
		    strspn(de->d_name, "0123456789") != strlen(de->d_name))
			continue;
		if (strtol(de->d_name, NULL, 10) == (long)getpid() && c->real)
			continue;
		r = scan_pid(hl, procfd, de->d_name);
	}
	closedir(d);
	close(procfd);
	if (r)
		return r;
	hl->scanned = 1;
	return 0;
}

int vctl_held_by(const struct vholders *hl, int group, const char *cdev,
		 char *buf, size_t size)
{
	char g[32], ng[40], cd[48];
	size_t len = 0;
	int i, n = 0;

	buf[0] = '\0';
	snprintf(g, sizeof(g), "%d", group);
	snprintf(ng, sizeof(ng), "noiommu-%d", group);
	snprintf(cd, sizeof(cd), "devices/%s", cdev ? cdev : "");
	for (i = 0; i < hl->n; i++) {
		const char *node = hl->h[i].node;

		if (!(group >= 0 && (!strcmp(node, g) || !strcmp(node, ng))) &&
		    !(cdev && cdev[0] && !strcmp(node, cd)))
			continue;
		if (len + 1 < size)
			len += snprintf(buf + len, size - len, "%s%s[%d]",
					n ? "," : "", hl->h[i].comm,
					hl->h[i].pid);
		if (len >= size)
			len = size - 1;
		n++;
	}
	return n;
}

void vholders_free(struct vholders *hl)
{
	free(hl->h);
	memset(hl, 0, sizeof(*hl));
}

/* The core's one group rule (iommu_member, src/core/iommu.c). */
int vctl_blocks_group(const struct vctl *c, const struct vc_dev *d)
{
	return iommu_member(d) != GM_OK && d->driver[0];
}

int vctl_resolve_args(struct vctl *c, const char *verb, int argc, char **argv,
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
