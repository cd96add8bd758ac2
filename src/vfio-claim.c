// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-claim: run from the initramfs before udev; reserves the devices
 * named by vfio.devices= for vfio-pci. Builds with klibc: no %m, no
 * realpath, no libkmod. Never blocks the boot: every failure is logged
 * and the others go on.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "claim.h"
#include "cmdline.h"
#include "config.h"
#include "host.h"
#include "iommu.h"
#include "log.h"
#include "modprobe.h"
#include "record.h"

#ifndef VERSION
#define VERSION "dev"
#endif

#define PARAM "vfio.devices"
#define VALUE_MAX 4096

static const char usage[] =
	"Usage: vfio-claim [-nqvhV] [--dry-run] [--sysfs DIR] [--cmdline STR]\n"
	"  [--config FILE] [--kmsg PATH] [--run-dir DIR] [--moddir DIR]\n"
	"  [--modprobe PATH|--no-modprobe] [--wait SECS]  (vfio-claim(8))\n";

/* The options with a value, in this order in struct args' val[]. */
enum {
	A_SYSFS,
	A_CMDLINE,
	A_CONFIG,
	A_KMSG,
	A_RUNDIR,
	A_MODPROBE,
	A_MODDIR,
	A_WAIT,
	A_NVAL
};
static const char *const valname[A_NVAL] = { "sysfs",  "cmdline", "config",
					     "kmsg",   "run-dir", "modprobe",
					     "moddir", "wait" };

struct args {
	const char *val[A_NVAL]; /* NULL: not given */
	int dry_run, level, echo, no_modprobe;
};

/* printf to fd with one write(2): the binary links none of stdio. */
__attribute__((format(printf, 2, 3))) static void say(int fd, const char *fmt,
						      ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	if (write(fd, buf, n) < 0)
		return;
}

/* One flag by its letter: 0, -1 after help or version, 1 unknown. */
static int flag(struct args *a, char c)
{
	if (c == 'n')
		a->dry_run = 1;
	else if (c == 'q')
		a->level = VC_ERR;
	else if (c == 'v')
		a->level = VC_DEBUG, a->echo = 1;
	else if (c == 'h')
		return say(1, "%s", usage), -1;
	else if (c == 'V')
		return say(1, "vfio-claim %s\n", VERSION), -1;
	else
		return 1;
	return 0;
}

/* 0 to run, -1 after --help or --version, else the exit status. */
static int parse_argv(int argc, char **argv, struct args *a)
{
	/* The long flags, each the word of the letter at its place. */
	static const char *const word[] = { "dry-run", "quiet", "verbose",
					    "help", "version" };
	int i, k, r;
	long n;

	a->level = VC_INFO;
	for (i = 1; i < argc; i++) {
		const char *s = argv[i], *eq;
		size_t len;

		if (s[0] != '-' || !s[1])
			goto unexpected;
		if (s[1] != '-') {
			for (s++; *s; s++)
				if ((r = flag(a, *s)))
					goto done;
			continue;
		}
		s += 2;
		eq = strchr(s, '=');
		len = eq ? (size_t)(eq - s) : strlen(s);
		for (k = 0; k < A_NVAL; k++)
			if (strlen(valname[k]) == len &&
			    !strncmp(s, valname[k], len))
				break;
		if (k < A_NVAL) {
			if (!eq && i + 1 == argc)
				goto bad;
			s = a->val[k] = eq ? eq + 1 : argv[++i];
			if (k == A_WAIT) {
				s = vc_num(s, 10, &n);
				if (!s || *s || n < 1 || n > 3600)
					goto bad;
				modprobe_wait_secs = n;
			}
			continue;
		}
		if (!strcmp(s, "no-modprobe")) {
			a->no_modprobe = 1;
			continue;
		}
		for (k = 0; k < 5 && strcmp(s, word[k]); k++)
			;
		if (eq || k == 5)
			goto bad;
		if ((r = flag(a, "nqvhV"[k])))
			goto done;
	}
	return 0;
done:
	if (r < 0)
		return -1;
bad:
	say(2, "vfio-claim: bad option '%s'; try 'vfio-claim --help'\n",
	    argv[i]);
	return 2;
unexpected:
	say(2,
	    "vfio-claim: unexpected argument '%s': name devices with "
	    "vfio.devices= (or --cmdline)\n",
	    argv[i]);
	return 2;
}

/* What the options and the host decide, before anything is read. */
struct run {
	const char *sysroot, *cmdarg, *config, *kmsg, *rundir, *modprobe;
	/* Host facts for the advice (host.h); NULL: not read. */
	const char *cpuinfo, *modules, *moddir;
	char alias[96]; /* modules.alias, for vfio variant drivers */
	char cmdline[CMDLINE_MAX + 1];
	int dry_run;
};

/* Only the real /sys may touch the real kmsg, /run and modules. */
static void settings(const struct args *a, struct run *s)
{
	const char *const *v = a->val;
	struct utsname u;
	int real;

	s->sysroot = v[A_SYSFS] ? v[A_SYSFS] : "/sys";
	s->cmdarg = v[A_CMDLINE];
	s->config = v[A_CONFIG] ? v[A_CONFIG] : "/etc/vfio-claim.conf";
	s->dry_run = a->dry_run;
	real = !strcmp(s->sysroot, "/sys");
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
	} else if ((r = cmdline_read("/proc/cmdline", s->cmdline,
				     sizeof(s->cmdline)))) {
		vc_warn("cannot read /proc/cmdline: %s; using %s only",
			vc_strerror(r), s->config);
	}

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
			       s->config);
			source = "";
		}
		value[0] = '\0';
		bad = r < 0;
	} else {
		bad = sel_parse_list(value, &sels, source);
		vc_info("%s%s%s%s", source,
			source[0] == 'v' ? "" : ": devices=", value,
			sels.n ? "" : ": nothing to claim");
		if (sels.n)
			bad += claim(s, &sels);
	}
	if (s->rundir && !s->dry_run) {
		r = record_write_boot(s->rundir, source, value, bad ? 1 : 0);
		if (r)
			vc_err("%s: cannot record this boot: %s", s->rundir,
			       vc_strerror(r));
	}
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	static struct run s;
	struct args a;
	int r;

	memset(&a, 0, sizeof(a));
	r = parse_argv(argc, argv, &a);
	if (r)
		return r < 0 ? 0 : r;
	settings(&a, &s);
	log_setup("vfio-claim", s.kmsg, a.level, a.echo);
	r = run(&s);
	log_close();
	return r;
}
