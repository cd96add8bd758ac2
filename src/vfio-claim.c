// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-claim: run from the initramfs before udev; reserves the devices
 * named by vfio.devices= for vfio-pci. Builds with klibc: no %m, no
 * realpath, no libkmod. Never blocks the boot: every failure is logged
 * and the others go on.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "claim.h"
#include "cmdline.h"
#include "config.h"
#include "host.h"
#include "input.h"
#include "iommu.h"
#include "log.h"
#include "modprobe.h"
#include "record.h"

#ifndef VERSION
#define VERSION "dev"
#endif

#define PARAM "vfio.devices"
#define VALUE_MAX 4096

/* What the options and the host decide, before anything is read. */
struct run {
	const char *sysroot, *cmdarg, *config, *kmsg, *rundir, *modprobe;
	/* Host facts for the advice (host.h); NULL: not read. */
	const char *cpuinfo, *modules, *moddir;
	char alias[96]; /* modules.alias, for vfio variant drivers */
	char cmdline[CMDLINE_MAX + 1];
	int dry_run, read_proc, background;
	/* What the record says, for --background's record while it runs. */
	const char *source, *value;
	int bad;
};

/*
 * Only the real /sys may touch the real kmsg, /run and modules, and only
 * then are the host's /proc/cmdline and /etc/vfio-claim.conf read unless
 * named (vfioctl's rule too). The real /sys by identity (vc_same_file),
 * never by spelling: /sys/., //sys or a link to /sys writes to the host.
 * 0, or 2 after one line about a named file that is not there.
 */
static int settings(const struct args *a, struct run *s)
{
	const char *const *v = a->val;
	struct utsname u;
	int real;

	s->sysroot = v[A_SYSFS] ? v[A_SYSFS] : "/sys";
	real = vc_same_file(s->sysroot, "/sys");
	if (real)
		s->sysroot = "/sys";
	s->cmdarg = v[A_CMDLINE];
	s->read_proc = real && !v[A_CMDLINE];
	s->config = v[A_CONFIG] ? v[A_CONFIG]
		    : real	? "/etc/vfio-claim.conf"
				: NULL;
	if (s->config &&
	    (!strcmp(s->config, "none") || !strcmp(s->config, "-")))
		s->config = NULL;
	if (v[A_CONFIG] && s->config && access(s->config, F_OK)) {
		vc_err("--config %s: %s", s->config, vc_strerror(errno));
		return 2;
	}
	s->dry_run = a->dry_run;
	s->background = a->background;
	if (a->wait)
		modprobe_wait_secs = a->wait;
	if (v[A_KMSG])
		s->kmsg = strcmp(v[A_KMSG], "-") ? v[A_KMSG] : NULL;
	else
		s->kmsg = real && !a->dry_run ? "/dev/kmsg" : NULL;
	s->rundir = v[A_RUNDIR] ? v[A_RUNDIR] : real ? "/run/vfio-claim" : NULL;
	s->modprobe = v[A_MODPROBE] ? v[A_MODPROBE]
		      : real	    ? modprobe_find()
				    : NULL;
	if (a->no_modprobe)
		s->modprobe = NULL;
	s->cpuinfo = real ? "/proc/cpuinfo" : NULL;
	s->modules = real ? "/proc/modules" : NULL;
	s->moddir = v[A_MODDIR];
	if (v[A_MODDIR])
		vc_path(s->alias, sizeof(s->alias), "%s/modules.alias",
			v[A_MODDIR]);
	else if (real && uname(&u) == 0)
		vc_path(s->alias, sizeof(s->alias),
			"/lib/modules/%s/modules.alias", u.release);
	vc_dbg("%s (%s)",
	       real ? "the running host" : "a fake host, not this machine",
	       s->sysroot);
	return 0;
}

/*
 * --background: the hook's process forks a worker and waits only until the
 * worker has written every override that keeps udev's drivers off (or is
 * done), then returns; the worker waits for vfio-pci, unbinds and probes,
 * records and logs, bounded by --wait. While it works, the boot record
 * says state=running and its pid (vfioctl verify: "claim still running");
 * --finish waits for its last record.
 */
static const struct run *bg;
static int bg_fd = -1; /* the worker's end of the pipe to the hook's process */

/* Lets the hook's process return with status (once). */
static void hand_back(int status)
{
	char c = status ? 1 : 0;

	if (bg_fd < 0)
		return;
	if (write(bg_fd, &c, 1) < 0)
		c = 1;
	close(bg_fd);
	bg_fd = -1;
}

static void detach(struct claim_ctx *ctx)
{
	/* Without a record that says so, verify would read none: go on
	 * in the foreground. */
	if (record_write_boot(bg->rundir, bg->source, bg->value, -1))
		return;
	vc_info("finishing in the background");
	hand_back(ctx->errors || bg->bad);
}

/*
 * -1 in the worker, or when the claim stays in the foreground (no run
 * directory or modprobe, pipe or fork failed); else the hook process's
 * exit status. Its wait is as bounded as the claim in the foreground is:
 * every modprobe by --wait.
 */
static int fork_worker(const struct run *s)
{
	int fd[2] = { -1, -1 }, e;
	char c;
	pid_t pid;

	if (!s->background || s->dry_run || !s->rundir || !s->modprobe)
		return -1;
	pid = pipe(fd) ? -1 : fork();
	if (pid < 0) {
		e = errno;
		close(fd[0]);
		close(fd[1]);
		vc_warn("cannot fork: %s; claiming now", vc_strerror(e));
		return -1;
	}
	if (pid == 0) {
		/* It keeps the pipe's read end open: no SIGPIPE when the
		 * hook's process is gone. */
		bg = s;
		bg_fd = fd[1];
		setsid();
		return -1;
	}
	close(fd[1]);
	/* Nothing read: the worker died first. */
	return read(fd[0], &c, 1) == 1 ? c : 1;
}

/*
 * --finish: waits until the claim --background left running is done, for
 * hooks that run before the initramfs hands over, at most --wait + 5 s:
 * the worker waits --wait for vfio-pci, and only a sysfs write that hangs
 * in the kernel (which no signal ends) keeps it longer. Its status: 0
 * when the claim succeeded or none ran, else 1.
 */
static int finish(const struct run *s)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	time_t end = time(NULL) + modprobe_wait_secs + 5;
	int r, st;

	if (!s->rundir) /* a fake host without --run-dir: none ran */
		return 0;
	while ((r = record_read_boot(s->rundir, &st, NULL)) == 1 &&
	       time(NULL) <= end)
		nanosleep(&tick, NULL);
	if (r == -ENOENT)
		return 0;
	if (r) /* running still, or its worker died: verify tells */
		vc_err("the claim did not end in %u s", modprobe_wait_secs + 5);
	return r || st ? 1 : 0;
}

/* Plan, apply, check and record the claim of SELS; 0 when all went well. */
static int claim(const struct run *s, struct sel_list *sels)
{
	struct claim_ctx ctx;
	struct sysfs sys;
	int r;

	r = sysfs_open(&sys, s->sysroot);
	if (r) {
		vc_err("%s: cannot open bus/pci/devices: %s; is sysfs mounted?",
		       s->sysroot, vc_strerror(r));
		return 1;
	}
	sys.host = host_facts(s->cpuinfo, s->modules, s->moddir);
	memset(&ctx, 0, sizeof(ctx));
	ctx.sys = &sys;
	ctx.dry_run = s->dry_run;
	if (s->modprobe && !s->dry_run) {
		/* An IOMMU that comes up as a module (virtio-iommu) first. */
		iommu_load_driver(&sys, modprobe_run, (void *)s->modprobe);
		/*
		 * vfio-pci loads while the plan runs: registering, it takes
		 * only devices whose override names it, which the plan has
		 * not written yet. Not when no IOMMU is up (vfio loads first,
		 * for its no-IOMMU option) or a selector names a driver.
		 */
		for (r = 0; r < sels->n && !sels->sel[r].driver[0]; r++)
			;
		if (r == sels->n && iommu_present(&sys) &&
		    !vfio_pci_registered(&sys))
			ctx.vfio_loading =
				!modprobe_start(s->modprobe, "vfio-pci");
	}
	if (s->modprobe) {
		ctx.load_module = modprobe_run;
		ctx.load_data = (void *)s->modprobe;
	}
	ctx.cmdline = s->cmdline;
	ctx.alias_path = s->alias[0] ? s->alias : NULL;
	ctx.no_variants = !config_variants(s->cmdline, s->config);
	if (bg_fd >= 0)
		ctx.detach = detach;
	r = claim_plan(&ctx, sels);
	if (r == 0 && s->dry_run)
		claim_print_plan(&ctx);
	if (r == 0)
		r = claim_apply(&ctx);
	if (ctx.vfio_loading) /* not waited for there: claim_plan failed */
		modprobe_run((void *)s->modprobe, "vfio-pci");
	if (r == 0)
		claim_check_groups(&ctx);
	if (r)
		ctx.errors++;
	/* Logged there; the claim itself stands. */
	if (s->rundir && !s->dry_run)
		record_write_claims(s->rundir, &ctx, "vfio-claim",
				    RECORD_REFUSALS);
	r = ctx.errors;
	claim_free(&ctx);
	sysfs_close(&sys);
	return r;
}

/* The exit status: 0, or 1 when a selector or a device failed. */
static int run(struct run *s)
{
	static char value[VALUE_MAX];
	static struct sel_list sels;
	const char *source;
	int r, bad;

	if (s->cmdarg) {
		if (strlen(s->cmdarg) > CMDLINE_MAX) {
			vc_err("--cmdline is longer than %d bytes",
			       CMDLINE_MAX);
			return 2;
		}
		strcpy(s->cmdline, s->cmdarg);
	} else if (s->read_proc &&
		   (r = cmdline_read("/proc/cmdline", s->cmdline,
				     sizeof(s->cmdline)))) {
		vc_warn("cannot read /proc/cmdline: %s; using %s only",
			vc_strerror(r), s->config ? s->config : "no file");
	}

	/* vfio.background=0: the hooks' --background off, from the boot
	 * loader. */
	if (cmdline_get_last(s->cmdline, "vfio.background", value, 4) == 1 &&
	    !strcmp(value, "0"))
		s->background = 0;
	r = config_devices(s->cmdline, s->config, value, sizeof(value),
			   &source);
	if (r <= 0) {
		/*
		 * Recorded all the same (below), so that vfioctl verify can
		 * tell a boot that asked nothing (source= empty) or could not
		 * read what it asked (status=1) from one that did not run.
		 */
		if (r == 0) {
			vc_dbg("no " PARAM "= and no devices= in %s: nothing "
			       "to claim",
			       s->config ? s->config : "no config file");
			source = "";
		}
		value[0] = '\0';
		bad = r < 0;
	} else {
		bad = sel_parse_list(value, &sels, source);
		vc_info("%s%s%s%s", source,
			source[0] == 'v' ? "" : ": devices=", value,
			sels.n ? "" : ": nothing to claim");
		if (sels.n) {
			s->source = source;
			s->value = value;
			s->bad = bad;
			r = fork_worker(s);
			if (r >= 0)
				return r;
			bad += claim(s, &sels);
		}
	}
	if (s->rundir && !s->dry_run) {
		r = record_write_boot(s->rundir, source, value, bad ? 1 : 0);
		if (r) {
			/* vfioctl verify reads it: not a success. */
			vc_err("--run-dir %s: cannot record this boot: %s",
			       s->rundir, vc_strerror(r));
			bad++;
		}
	}
	hand_back(bad);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	static struct run s;
	struct args a;
	int r;

	r = claim_parse_argv(argc, argv, &a);
	if (r)
		return r < 0 ? 0 : r;
	log_setup("vfio-claim", NULL, a.level, 1);
	r = settings(&a, &s);
	if (r)
		return r;
	log_setup("vfio-claim", s.kmsg, a.level, a.echo);
	r = a.finish ? finish(&s) : run(&s);
	log_close();
	return r;
}
