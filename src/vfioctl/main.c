// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl: after boot, tells whether the devices meant for vfio-pci are
 * ready for a VM and why not, and does the manual steps (bind, unbind,
 * group listing, boot parameter, QEMU arguments) with the same core as
 * the early-boot vfio-claim. The command line is opts.c's.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "host.h"
#include "input.h"
#include "log.h"
#include "vfioctl.h"

/* The verbs' functions, in the order of vctl_verbs[] (opts.c). */
static int (*const verb_fn[VCTL_NVERBS])(struct vctl *c, int argc,
					 char **argv) = {
	cmd_verify,  cmd_bind,	   cmd_unbind,	  cmd_groups,
	cmd_plan,    cmd_cmdline,  cmd_qemu_args, cmd_reserve,
	cmd_release, cmd_kubevirt, cmd_confirm,
};

/* Fills in the host paths the options left unset. */
static void default_paths(struct vctl *c)
{
	char *const dst[5] = { c->proc, c->dev, c->rundir, c->config,
			       c->moddir };
	static const char *const def[5] = { "/proc", "/dev", "/run/vfio-claim",
					    "/etc/vfio-claim.conf", NULL };
	struct utsname u;
	int i;

	for (i = 0; i < 5; i++) {
		if (c->pathset[i])
			continue;
		if (def[i]) {
			vctl_host_path(c, dst[i], PATH_MAX, def[i]);
		} else if (c->root && uname(&u) == 0) {
			char p[PATH_MAX];

			snprintf(p, sizeof(p), "/lib/modules/%s", u.release);
			vctl_host_path(c, dst[i], PATH_MAX, p);
		}
	}
}

/* OPT names an existing directory: 0, or 2 after saying why not. */
static int need_dir(const char *opt, const char *path)
{
	struct stat st;

	if (stat(path, &st)) {
		vctl_error("%s %s: %s", opt, path, vc_strerror(errno));
		return 2;
	}
	if (!S_ISDIR(st.st_mode)) {
		vctl_error("%s %s: not a directory", opt, path);
		return 2;
	}
	return 0;
}

/*
 * Which host this is, by identity (st_dev, st_ino), never by spelling:
 * "/sys/", "//sys", "/sys/." or a link to /sys is the running host's
 * sysfs, whose writes reach the machine, so its host-use checks (/proc,
 * /etc, /run) must be on. 0, or 2 after saying why not.
 */
static int which_host(struct vctl *c, const char *verb)
{
	static char sysbuf[PATH_MAX];
	int r;

	if (c->root && (r = need_dir("--root", c->root)))
		return r;
	if (c->root && vc_same_file(c->root, "/"))
		c->root = ""; /* --root /: the host itself */
	if (!c->sysroot) {
		vctl_fmt(sysbuf, sizeof(sysbuf), "%s/sys",
			 c->root ? c->root : "");
		c->sysroot = sysbuf;
	}
	c->real = vc_same_file(c->sysroot, "/sys");
	if (c->real && c->root && c->root[0]) {
		vctl_error("--sysfs %s is the running host's sysfs, --root %s "
			   "is not its root: the checks would read one host "
			   "and the writes reach another; drop --root or "
			   "--sysfs",
			   c->sysroot, c->root);
		return 2;
	}
	if (c->real) {
		c->sysroot = "/sys";
		c->root = "";
	}
	vc_dbg("%s: %s (%s)", verb,
	       c->real ? "the running host" : "a fake host, not this machine",
	       c->sysroot);
	return 0;
}

/* The named files must be there: a typo is no 'nothing to verify'. */
static int check_files(struct vctl *c, const char *verb)
{
	if (c->pathset[3] && c->config[0] && strcmp(verb, "reserve") &&
	    access(c->config, F_OK)) {
		vctl_error("--config %s: %s", c->config, vc_strerror(errno));
		return 2;
	}
	if (c->pathset[3] && c->config[0]) {
		struct stat st;

		if (stat(c->config, &st) == 0 && S_ISDIR(st.st_mode)) {
			vctl_error("--config %s: is a directory; name the file",
				   c->config);
			return 2;
		}
	}
	if (c->pci_ids && access(c->pci_ids, R_OK)) {
		vctl_error("--pci-ids %s: %s", c->pci_ids, vc_strerror(errno));
		return 2;
	}
	return 0;
}

/*
 * The host facts of the core's advice (host.h), as vfio-claim reads them:
 * proc/cpuinfo where there is a proc; proc/modules only on the running
 * host; the module directory only when --modules-dir names it.
 */
static unsigned int host_of(const struct vctl *c)
{
	char cpu[PATH_MAX + 16] = "", mods[PATH_MAX + 16] = "";

	if (c->proc[0]) {
		vc_path(cpu, sizeof(cpu), "%s/cpuinfo", c->proc);
		if (c->real)
			vc_path(mods, sizeof(mods), "%s/modules", c->proc);
	}
	return host_facts(cpu, mods, c->pathset[4] ? c->moddir : NULL);
}

int main(int argc, char **argv)
{
	static struct vctl c;
	int r, verb;

	log_setup("vfioctl", NULL, VC_WARN, 1);
	r = vctl_parse_argv(&c, argc, argv, &verb);
	if (r >= 0)
		return r;
	log_setup("vfioctl", NULL,
		  c.quiet     ? VC_ERR
		  : c.verbose ? VC_DEBUG
			      : VC_WARN,
		  1);
	r = which_host(&c, vctl_verbs[verb].name);
	if (r)
		return r;
	default_paths(&c);
	r = check_files(&c, vctl_verbs[verb].name);
	if (r)
		return r;

	r = sysfs_open(&c.sys, c.sysroot);
	if (r) {
		vctl_error("--sysfs %s: cannot open bus/pci/devices: %s; is "
			   "sysfs mounted?",
			   c.sysroot, vc_strerror(r));
		return 1;
	}
	c.sys.host = host_of(&c);
	r = verb_fn[verb](&c, argc - optind, argv + optind);
	vctl_pci_names_free();
	sysfs_close(&c.sys);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		vctl_error("cannot write the output");
		return 1;
	}
	return r;
}
