// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl verify, the host: an IOMMU, vfio-pci, did vfio-claim run this
 * boot and with what status, is the initramfs hook installed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "claim.h"
#include "config.h"
#include "iommu.h"
#include "record.h"
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

/*
 * Whether the worker of vfio-claim --background, pid, still runs: its
 * /proc/PID/comm says vfio-claim (1 when there is no proc to look in).
 */
static int claim_alive(const struct vctl *c, long pid)
{
	char p[PATH_MAX], comm[32] = "";
	FILE *f;

	if (!c->proc[0])
		return 1;
	vc_path(p, sizeof(p), "%s/%ld/comm", c->proc, pid);
	f = fopen(p, "re");
	if (!f)
		return 0;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return !strcmp(comm, "vfio-claim\n");
}

/* The boot record: did vfio-claim run, its status, is it still at work. */
static void read_boot(struct vctl *c, struct host *h)
{
	struct problem *x;
	long pid = 0;
	int r;

	h->claim_status = -1;
	r = record_read_boot(c->rundir, &h->claim_status, &pid);
	h->claim_ran = r != -ENOENT;
	if (r != 1)
		return;
	h->claim_running = claim_alive(c, pid) ? 1 : 2;
	if (h->claim_running == 1) {
		x = PROBLEM(h, "claim-running");
		vctl_fmt(x->msg, sizeof(x->msg),
			 "vfio-claim is still claiming this boot's devices in "
			 "the background (pid %ld): no verdict until it is "
			 "done",
			 pid);
		vctl_fmt(x->fix, sizeof(x->fix),
			 "verify again in a few seconds; 'vfio-claim --finish' "
			 "waits for it");
		return;
	}
	x = PROBLEM(h, "claim-stopped");
	vctl_fmt(x->msg, sizeof(x->msg),
		 "vfio-claim's claim in the background stopped before it was "
		 "done (%s/boot says state=running, and pid %ld is gone): a "
		 "device may be left on no driver",
		 c->rundir, pid);
	vctl_fmt(x->fix, sizeof(x->fix),
		 "each device's problems say where it is; 'vfioctl bind "
		 "ADDR' or 'vfioctl unbind ADDR' settles one now");
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
	char p[PATH_MAX];
	struct problem *x;
	unsigned int i;

	read_conf(c, h);
	h->iommu = iommu_present(&c->sys);
	h->noiommu = iommu_noiommu_enabled(&c->sys);
	vfy_first_entry(c->sys.rootfd, "class/iommu", h->units,
			sizeof(h->units), 1);
	h->vfio = vfio_pci_registered(&c->sys);
	h->claim_ran = -1;
	h->hook = -1;
	trial_read(c, &h->trial);
	if (c->rundir[0])
		read_boot(c, h);
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
