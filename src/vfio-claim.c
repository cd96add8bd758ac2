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
#include <time.h>
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
#define CMDLINE_MAX 32768

static const char usage[] =
	"Usage: vfio-claim [OPTION]...\n"
	"Reserve the PCI devices named by vfio.devices= for vfio-pci.\n"
	"\n"
	"  --sysfs DIR      sysfs root (default /sys)\n"
	"  --cmdline STR    use STR as the kernel command line\n"
	"                   (default: read /proc/cmdline)\n"
	"  --config FILE    config file (default /etc/vfio-claim.conf)\n"
	"  -n, --dry-run    print the plan, write nothing\n"
	"  -q, --quiet      log errors only\n"
	"  -v, --verbose    log details too, and copy the log to stderr\n"
	"  --kmsg PATH      where log lines go (default /dev/kmsg; stderr\n"
	"                   when --sysfs is not /sys)\n"
	"  --run-dir DIR    where to record what was done (default\n"
	"                   /run/vfio-claim; none when --sysfs is not /sys)\n"
	"  --modprobe PATH  program that loads vfio-pci (default: modprobe\n"
	"                   from /sbin or /usr/sbin; none when --sysfs is\n"
	"                   not /sys)\n"
	"  --no-modprobe    never load vfio-pci\n"
	"  -h, --help       this text\n"
	"  -V, --version    the version\n"
	"\n"
	"Exit status: 0 all claimed or nothing asked, 1 something failed,\n"
	"2 usage error. Recovery: add vfio.devices=none at the boot prompt.\n";

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

/* Runs "PROG MODULE"; 0 when it exited 0. */
static int modprobe_one(const char *prog, const char *mod)
{
	int status;
	pid_t pid;

	vc_info("loading %s with %s", mod, prog);
	pid = fork();
	if (pid < 0) {
		vc_err("cannot start %s: %s", prog, vc_strerror(errno));
		return -errno;
	}
	if (pid == 0) {
		char *const argv[] = { (char *)prog, (char *)mod, NULL };

		execv(prog, argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		vc_err("%s %s failed (status %d): is %s in the initramfs?",
		       prog, mod, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		       mod);
		return -EIO;
	}
	return 0;
}

static int run_modprobe(void *data)
{
	return modprobe_one(data, "vfio-pci");
}

/*
 * The firmware describes an IOMMU whose driver is a module that nothing
 * has loaded yet (virtio-iommu through ACPI VIOT, SMMUv3): udev would load
 * it only after us. Load it before the plan: without it the kernel defers
 * vfio-pci's probe of every device behind that IOMMU.
 */
static void load_iommu(const struct sysfs *s, const char *prog)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	const char *mod;
	int i;

	if (iommu_state(s) != IOMMU_PENDING)
		return;
	mod = iommu_module(iommu_family(s));
	if (modprobe_one(prog, mod))
		return;
	/* Its probe registers the IOMMU; allow it a second. */
	for (i = 0; i < 100 && !iommu_present(s); i++)
		nanosleep(&tick, NULL);
	if (iommu_present(s))
		vc_info("%s: IOMMU registered", mod);
	else
		vc_warn("%s loaded, but no IOMMU registered after 1 s", mod);
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

/* The whole of /proc/cmdline; bootconfig can make it long. */
static int read_cmdline(char *buf, size_t size)
{
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n = 0;

	if (fd < 0)
		return -errno;
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	if (len == size - 1)
		vc_warn("/proc/cmdline is longer than %u bytes; a "
			"vfio.devices= "
			"past that is not seen",
			(unsigned int)size - 1);
	return n < 0 ? -EIO : 0;
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
	} else if (read_cmdline(cmdline, sizeof(cmdline))) {
		vc_warn("cannot read /proc/cmdline: %s; using %s only",
			vc_strerror(errno), config);
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
	if (modprobe && !dry_run)
		load_iommu(&sys, modprobe);
	if (modprobe) {
		ctx.load_vfio_pci = run_modprobe;
		ctx.load_data = (void *)modprobe;
	}
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
