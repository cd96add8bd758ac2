// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-claim: run from the initramfs before udev; reserves the devices
 * named by vfio.devices= for vfio-pci. Builds with klibc: no %m, no
 * realpath, no libkmod. Never blocks the boot: every failure is logged
 * and the others go on.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "claim.h"
#include "cmdline.h"
#include "config.h"
#include "iommu.h"
#include "log.h"
#include "record.h"

#ifndef VERSION
#define VERSION "dev"
#endif

#define PARAM "vfio.devices"
#define VALUE_MAX 4096

static const char usage[] =
	"Usage: vfio-claim [OPTION]...\n"
	"Reserve the PCI devices named by vfio.devices= for vfio-pci.\n"
	"  --sysfs DIR      sysfs root (/sys)\n"
	"  --cmdline STR    the kernel command line (/proc/cmdline)\n"
	"  --config FILE    (/etc/vfio-claim.conf)\n"
	"  -n, --dry-run    print the plan, write nothing\n"
	"  -q, --quiet      errors only\n"
	"  -v, --verbose    details too, and a copy on stderr\n"
	"  --kmsg PATH      log (/dev/kmsg)\n"
	"  --run-dir DIR    records (/run/vfio-claim)\n"
	"  --modprobe PATH  loads modules (modprobe)\n"
	"  --no-modprobe    load none\n"
	"With a --sysfs other than /sys: stderr, no records, no modprobe.\n"
	"Exit: 0 done, 1 something failed, 2 usage. See vfio-claim(8).\n"
	"Recovery: vfio.devices=none at the boot prompt.\n";

enum {
	OPT_SYSFS = 256,
	OPT_CMDLINE,
	OPT_CONFIG,
	OPT_KMSG,
	OPT_RUNDIR,
	OPT_MODPROBE,
	OPT_NO_MODPROBE,
};

static const struct option longopts[] = {
	{ "sysfs", required_argument, NULL, OPT_SYSFS },
	{ "cmdline", required_argument, NULL, OPT_CMDLINE },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "kmsg", required_argument, NULL, OPT_KMSG },
	{ "run-dir", required_argument, NULL, OPT_RUNDIR },
	{ "modprobe", required_argument, NULL, OPT_MODPROBE },
	{ "no-modprobe", no_argument, NULL, OPT_NO_MODPROBE },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static int run_modprobe(void *data, const char *module)
{
	const char *prog = data;
	int status;
	pid_t pid;

	vc_info("loading %s with %s", module, prog);
	pid = fork();
	if (pid < 0) {
		vc_err("cannot start %s: %s", prog, vc_strerror(errno));
		return -errno;
	}
	if (pid == 0) {
		char *const argv[] = { (char *)prog, (char *)module, NULL };

		execv(prog, argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		vc_err("%s %s failed (status %d): is %s in the initramfs?",
		       prog, module,
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1, module);
		return -EIO;
	}
	return 0;
}

static const char *find_modprobe(void)
{
	static const char *const paths[] = { "/sbin/modprobe",
					     "/usr/sbin/modprobe",
					     "/bin/modprobe",
					     "/usr/bin/modprobe" };
	unsigned int i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

int main(int argc, char **argv)
{
	static char cmdline[CMDLINE_MAX + 1], value[VALUE_MAX];
	static struct sel_list sels;
	const char *sysroot = "/sys", *cmdarg = NULL;
	const char *config = "/etc/vfio-claim.conf", *kmsg = NULL;
	const char *rundir = NULL, *modprobe = NULL, *source;
	int dry_run = 0, level = VC_INFO, echo = 0, no_modprobe = 0;
	int set_kmsg = 0, set_rundir = 0, opt, r, bad, real, i;
	struct claim_ctx ctx;
	struct sysfs sys;

	while ((opt = getopt_long(argc, argv, "nqvhV", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_SYSFS:
			sysroot = optarg;
			break;
		case OPT_CMDLINE:
			cmdarg = optarg;
			break;
		case OPT_CONFIG:
			config = optarg;
			break;
		case OPT_KMSG:
			kmsg = strcmp(optarg, "-") ? optarg : NULL;
			set_kmsg = 1;
			break;
		case OPT_RUNDIR:
			rundir = optarg;
			set_rundir = 1;
			break;
		case OPT_MODPROBE:
			modprobe = optarg;
			break;
		case OPT_NO_MODPROBE:
			no_modprobe = 1;
			break;
		case 'n':
			dry_run = 1;
			break;
		case 'q':
			level = VC_ERR;
			break;
		case 'v':
			level = VC_DEBUG;
			echo = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case 'V':
			puts("vfio-claim " VERSION);
			return 0;
		default:
			fputs("Try 'vfio-claim --help'.\n", stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr,
			"vfio-claim: unexpected argument '%s'; devices are "
			"named by vfio.devices= on the kernel command line "
			"(or --cmdline)\n",
			argv[optind]);
		return 2;
	}

	/* Only the real /sys may touch the real kmsg, /run and modules. */
	real = !strcmp(sysroot, "/sys");
	if (!set_kmsg)
		kmsg = real && !dry_run ? "/dev/kmsg" : NULL;
	if (!set_rundir)
		rundir = real ? "/run/vfio-claim" : NULL;
	if (!modprobe && real)
		modprobe = find_modprobe();
	if (no_modprobe)
		modprobe = NULL;
	log_setup("vfio-claim", kmsg, level, echo);

	if (cmdarg) {
		if (strlen(cmdarg) > CMDLINE_MAX) {
			vc_err("--cmdline is longer than %d bytes",
			       CMDLINE_MAX);
			return 2;
		}
		strcpy(cmdline, cmdarg);
	} else if ((r = cmdline_read("/proc/cmdline", cmdline,
				     sizeof(cmdline)))) {
		vc_warn("cannot read /proc/cmdline: %s; using %s only",
			vc_strerror(r), config);
	}

	r = config_devices(cmdline, config, value, sizeof(value), &source);
	if (r < 0)
		return 1;
	if (r == 0) {
		vc_dbg("no " PARAM "= and no devices= in %s: nothing to claim",
		       config);
		return 0;
	}

	bad = sel_parse_list(value, &sels, source);
	if (sels.n == 0) {
		vc_info("%s%s%s: nothing to claim", source,
			source[0] == 'v' ? "" : ": devices=", value);
		if (rundir && !dry_run)
			record_write_boot(rundir, source, value, bad ? 1 : 0);
		return bad ? 1 : 0;
	}
	vc_info("%s%s%s", source, source[0] == 'v' ? "" : ": devices=", value);

	r = sysfs_open(&sys, sysroot);
	if (r) {
		vc_err("%s: cannot open bus/pci/devices: %s; is sysfs mounted?",
		       sysroot, vc_strerror(r));
		return 1;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.sys = &sys;
	ctx.dry_run = dry_run;
	/* An IOMMU that comes up as a module (virtio-iommu): load it first. */
	if (modprobe && !dry_run)
		iommu_load_driver(&sys, run_modprobe, (void *)modprobe);
	if (modprobe) {
		ctx.load_module = run_modprobe;
		ctx.load_data = (void *)modprobe;
	}
	ctx.cmdline = cmdline;
	r = claim_plan(&ctx, &sels);
	if (r == 0 && dry_run)
		claim_print_plan(&ctx);
	if (r == 0)
		r = claim_apply(&ctx);
	if (r == 0)
		claim_check_groups(&ctx);
	if (r)
		ctx.errors++;
	bad += ctx.errors;

	if (rundir && !dry_run) {
		for (i = 0; i < ctx.ndev; i++) {
			struct claim_dev *c = &ctx.dev[i];
			struct record old;

			/*
			 * Run again (by hand, or a second hook): a device
			 * already on vfio-pci keeps the driver it had before
			 * the first run, which vfioctl unbind gives it back.
			 */
			if (c->action == CA_ALREADY &&
			    !record_read_dev(rundir, c->dev.name, &old) &&
			    old.previous_driver[0])
				memcpy(c->prev_driver, old.previous_driver,
				       sizeof(c->prev_driver));
			r = record_write_dev(rundir, c, "vfio-claim");
			if (r) {
				vc_err("%s: cannot record %s: %s", rundir,
				       ctx.dev[i].dev.name, vc_strerror(r));
				break;
			}
		}
		r = record_write_boot(rundir, source, value, bad ? 1 : 0);
		if (r)
			vc_err("%s: cannot record this boot: %s", rundir,
			       vc_strerror(r));
	}
	claim_free(&ctx);
	sysfs_close(&sys);
	log_close();
	return bad ? 1 : 0;
}
