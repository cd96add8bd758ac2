// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl verify, the host: an IOMMU, vfio-pci, did vfio-claim run this
 * boot and with what status, is the initramfs hook installed.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "claim.h"
#include "config.h"
#include "iommu.h"
#include "verify.h"

int vfy_first_entry(int dirfd, const char *path, char *buf, size_t size,
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

int vfy_conf_names(const struct host *h, const char *name)
{
	int i;

	for (i = 0; i < h->conf.n; i++)
		if (!strcmp(h->conf.v[i].dev.name, name))
			return 1;
	return 0;
}

/* When this boot began: proc/stat's btime, 0 when unknown. */
static long long boot_time(const struct vctl *c)
{
	char p[PATH_MAX], line[128];
	long long t = 0;
	FILE *f;

	if (!c->proc[0])
		return 0;
	vc_path(p, sizeof(p), "%s/stat", c->proc);
	f = fopen(p, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %lld", &t) == 1)
			break;
	fclose(f);
	return t;
}

/*
 * What the config file names, resolved as the boot resolves it, and
 * whether the file is newer than this boot's claim (the record of
 * vfio-claim's run, else the boot itself): 'reserve' before the reboot.
 */
static void read_conf(struct vctl *c, struct host *h)
{
	static char value[VALUE_MAX];
	static struct sel_list l;
	struct stat cs, bs;
	char p[PATH_MAX];

	if (!c->config[0] ||
	    config_read(c->config, value, sizeof(value)) <= 0 ||
	    sel_parse_list(value, &l, c->config) ||
	    vctl_resolve(c, &l, &h->conf, NULL) || stat(c->config, &cs))
		return;
	if (c->rundir[0] && vc_path(p, sizeof(p), "%s/boot", c->rundir) >= 0 &&
	    stat(p, &bs) == 0)
		h->conf_newer = cs.st_mtime > bs.st_mtime ||
				(cs.st_mtime == bs.st_mtime &&
				 cs.st_mtim.tv_nsec > bs.st_mtim.tv_nsec);
	else
		h->conf_newer = boot_time(c) > 0 && cs.st_mtime > boot_time(c);
}

static const char *const hooks[] = {
	"/usr/lib/dracut/modules.d/50vfio-claim/module-setup.sh",
	"/lib/dracut/modules.d/50vfio-claim/module-setup.sh",
	"/usr/share/initramfs-tools/hooks/vfio-claim",
	"/etc/initramfs-tools/hooks/vfio-claim",
	"/usr/lib/initcpio/install/vfio-claim",
	"/etc/initcpio/install/vfio-claim",
};

void vfy_check_host(struct vctl *c, struct host *h)
{
	char p[PATH_MAX], buf[VALUE_MAX];
	struct problem *x;
	unsigned int i;
	long v;

	read_conf(c, h);
	h->iommu = iommu_present(&c->sys);
	h->noiommu = iommu_noiommu_enabled(&c->sys);
	vfy_first_entry(c->sys.rootfd, "class/iommu", h->units,
			sizeof(h->units), 1);
	h->vfio = vfio_pci_registered(&c->sys);
	h->claim_ran = -1;
	h->hook = -1;
	trial_read(c, &h->trial);
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
