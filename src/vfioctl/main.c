// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl: after boot, tells whether the devices meant for vfio-pci are
 * ready for a VM and why not, and does the manual steps (bind, unbind,
 * group listing, boot parameter, QEMU arguments) with the same core as
 * the early-boot vfio-claim.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "host.h"
#include "log.h"
#include "vfioctl.h"

#ifndef VERSION
#define VERSION "dev"
#endif

struct verb {
	const char *name;
	int (*fn)(struct vctl *c, int argc, char **argv);
	const char *help;
	const char *opts; /* the verb's own options, " --a --b " */
};

static const struct verb verbs[] = {
	{ "verify", cmd_verify,
	  "[SEL...]     are the devices ready for a VM? (exit 0 ready)",
	  " --json --format --probe " },
	{ "bind", cmd_bind, "SEL...         hand devices to vfio-pci now",
	  " --dry-run --force " },
	{ "unbind", cmd_unbind,
	  "SEL...       give devices back to their own driver",
	  " --dry-run --force " },
	{ "groups", cmd_groups,
	  "             IOMMU groups, their devices, and viability",
	  " --json " },
	{ "plan", cmd_plan,
	  "[SEL...]       what vfio-claim would do at the next boot",
	  " --json " },
	{ "cmdline", cmd_cmdline,
	  "DEV...      the guarded vfio.devices= value for devices",
	  " --json " },
	{ "qemu-args", cmd_qemu_args, "SEL...    -device arguments for QEMU",
	  " --json " },
	{ "reserve", cmd_reserve,
	  "SEL...      keep them for vfio-pci: the config file, the initramfs",
	  " --dry-run --force --no-rebuild " },
	{ "release", cmd_release,
	  "SEL...      the reverse (--all: every device in the file)",
	  " --dry-run --no-rebuild --all " },
};

#define NVERBS (int)(sizeof(verbs) / sizeof(verbs[0]))

static void usage(FILE *f)
{
	int i;

	fputs("Usage: vfioctl [OPTION]... VERB [ARG]...\n"
	      "Check and manage PCI devices reserved for vfio-pci.\n\n"
	      "Verbs:\n",
	      f);
	for (i = 0; i < NVERBS; i++)
		fprintf(f, "  %s %s\n", verbs[i].name, verbs[i].help);
	fputs("\nWhere the host is (every verb):\n"
	      "  --sysfs DIR        sysfs root (default /sys, or ROOT/sys)\n"
	      "  --root DIR         find proc/, dev/, run/, etc/, lib/modules\n"
	      "                     below DIR (a fake host, for tests)\n"
	      "  --proc DIR         where cmdline and iomem are (/proc)\n"
	      "  --dev DIR          where vfio/ is (/dev)\n"
	      "  --run-dir DIR      vfio-claim's records (/run/vfio-claim)\n"
	      "  --config FILE      config file (/etc/vfio-claim.conf)\n"
	      "  --modules-dir DIR  module directory for libkmod\n"
	      "                     (/lib/modules/$(uname -r))\n"
	      "  --cmdline STR      use STR as the kernel command line\n"
	      "  --pci-ids FILE     pci.ids file for device names\n"
	      "  --modprobe PATH    program that loads a module (PATH MODULE)\n"
	      "                     instead of libkmod; the only way with a\n"
	      "                     fake --root or --sysfs\n"
	      "Options of some verbs (vfioctl VERB --help lists a verb's):\n"
	      "  --json             machine-readable output (verify, groups,\n"
	      "                     plan, cmdline, qemu-args)\n"
	      "  --format FMT       verify: human, json or prometheus\n"
	      "  -n, --dry-run      bind, unbind, reserve, release: show what\n"
	      "                     would be done, write nothing\n"
	      "      --probe        verify: also open /dev/vfio/N and ask the\n"
	      "                     kernel (VFIO_GROUP_GET_STATUS); a VM that\n"
	      "                     starts meanwhile fails with EBUSY, so "
	      "never\n"
	      "                     from monitoring (cron, --format "
	      "prometheus)\n"
	      "  --no-rebuild       reserve, release: write the file, print "
	      "the\n"
	      "                     initramfs command instead of running it\n"
	      "  --all              release: every device in the file\n"
	      "  -f, --force        bind or reserve a device the host uses,\n"
	      "                     unbind one whose group a VM holds\n"
	      "Options of every verb:\n"
	      "  -q, --quiet        errors only\n"
	      "  -v, --verbose      details too\n"
	      "  -h, --help         this text\n"
	      "  -V, --version      the version\n\n"
	      "With a --sysfs other than /sys and no --root, the host's "
	      "/proc,\n"
	      "/dev, /run, /etc and modules are not used unless named.\n"
	      "SEL: [DDDD:]BB:SS.F, [DDDD:]BB:SS, VVVV:DDDD[:SSSS:ssss],\n"
	      "ID@ADDR, as in vfio.devices=.\n"
	      "Exit status: 0 ok/ready, 1 not ready or failed, 2 usage.\n",
	      f);
}

enum {
	OPT_SYSFS = 256,
	OPT_ROOT,
	OPT_PROC,
	OPT_DEV,
	OPT_RUNDIR,
	OPT_CONFIG,
	OPT_MODDIR,
	OPT_CMDLINE,
	OPT_PCI_IDS,
	OPT_MODPROBE,
	OPT_JSON,
	OPT_FORMAT,
	OPT_PROBE,
	/* Options of one verb (struct verb.opts). */
	OPT_NO_REBUILD,
	OPT_ALL,
};

static const struct option longopts[] = {
	{ "sysfs", required_argument, NULL, OPT_SYSFS },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "proc", required_argument, NULL, OPT_PROC },
	{ "dev", required_argument, NULL, OPT_DEV },
	{ "run-dir", required_argument, NULL, OPT_RUNDIR },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "modules-dir", required_argument, NULL, OPT_MODDIR },
	{ "cmdline", required_argument, NULL, OPT_CMDLINE },
	{ "pci-ids", required_argument, NULL, OPT_PCI_IDS },
	{ "modprobe", required_argument, NULL, OPT_MODPROBE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "probe", no_argument, NULL, OPT_PROBE },
	{ "no-rebuild", no_argument, NULL, OPT_NO_REBUILD },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "force", no_argument, NULL, 'f' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/*
 * The options that belong to some verbs only (struct verb.opts), as the
 * bits of main()'s given: kmod's tools/ style, so that
 * `vfioctl --force groups` is an error and not silently ignored.
 */
static const struct {
	const char *name;
	int opt; /* what getopt_long() returns for it */
} verb_opts[] = {
	{ "--json", OPT_JSON },	  { "--format", OPT_FORMAT },
	{ "--probe", OPT_PROBE }, { "--dry-run", 'n' },
	{ "--force", 'f' },	  { "--no-rebuild", OPT_NO_REBUILD },
	{ "--all", OPT_ALL },
};
#define NVERB_OPTS (int)(sizeof(verb_opts) / sizeof(verb_opts[0]))

/* The bit of verb_opts[] for a getopt_long() return value, 0 for none. */
static unsigned int verb_bit(int opt)
{
	int k;

	for (k = 0; k < NVERB_OPTS; k++)
		if (verb_opts[k].opt == opt)
			return 1u << k;
	return 0;
}

/* 1 when every verb option GIVEN (bits of verb_opts) is one of V's. */
static int verb_options_ok(const struct verb *v, unsigned int given)
{
	char want[32], owners[128];
	int i, j, k, n;

	for (k = 0; k < NVERB_OPTS; k++) {
		if (!(given & 1u << k))
			continue;
		snprintf(want, sizeof(want), " %s ", verb_opts[k].name);
		if (strstr(v->opts, want))
			continue;
		owners[0] = '\0';
		for (i = 0, n = 0; i < NVERBS; i++)
			n += strstr(verbs[i].opts, want) != NULL;
		for (i = 0, j = 0; i < NVERBS; i++)
			if (strstr(verbs[i].opts, want))
				vctl_fmt(owners + strlen(owners),
					 sizeof(owners) - strlen(owners),
					 "%s%s",
					 !j++	  ? ""
					 : j == n ? " and "
						  : ", ",
					 verbs[i].name);
		fprintf(stderr,
			"vfioctl: %s is an option of %s, not of %s; try "
			"'vfioctl %s --help'\n",
			verb_opts[k].name, owners, v->name, v->name);
		return 0;
	}
	return 1;
}

/* vfioctl VERB --help: the verb's own options. */
static void verb_usage(const struct verb *v)
{
	printf("vfioctl %s %s\nOptions of %s:%s\n"
	       "Options of every verb, and what each does: vfioctl --help\n",
	       v->name, v->help, v->name, v->opts);
}

static int set_path(char *dst, const char *src, const char *opt)
{
	if (strlen(src) >= PATH_MAX) {
		fprintf(stderr, "vfioctl: %s: path too long\n", opt);
		return -1;
	}
	/* "-" or "none": explicitly not available. */
	if (!strcmp(src, "-") || !strcmp(src, "none"))
		src = "";
	strcpy(dst, src);
	return 0;
}

void vctl_host_path(const struct vctl *c, char *buf, size_t size,
		    const char *path)
{
	if (!c->root || vc_path(buf, size, "%s%s", c->root, path) < 0)
		buf[0] = '\0';
}

/* Fills in the host paths the options left unset. */
static void default_paths(struct vctl *c, int set[5])
{
	char *const dst[5] = { c->proc, c->dev, c->rundir, c->config,
			       c->moddir };
	static const char *const def[5] = { "/proc", "/dev", "/run/vfio-claim",
					    "/etc/vfio-claim.conf", NULL };
	struct utsname u;
	int i;

	for (i = 0; i < 5; i++) {
		if (set[i])
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

/*
 * The host facts of the core's advice (host.h), as vfio-claim reads them:
 * proc/cpuinfo where there is a proc; proc/modules only on the running
 * host; the module directory only when --modules-dir names it.
 */
static unsigned int host_of(const struct vctl *c, const int set[5])
{
	char cpu[PATH_MAX + 16] = "", mods[PATH_MAX + 16] = "";

	if (c->proc[0]) {
		vc_path(cpu, sizeof(cpu), "%s/cpuinfo", c->proc);
		if (c->real)
			vc_path(mods, sizeof(mods), "%s/modules", c->proc);
	}
	return host_facts(cpu, mods, set[4] ? c->moddir : NULL);
}

int main(int argc, char **argv)
{
	static struct vctl c;
	char sysbuf[PATH_MAX];
	int set[5] = { 0 }, opt, r, i, level = VC_WARN, help = 0;
	unsigned int given = 0; /* bits of verb_opts[] */
	const char *verb;

	c.sysroot = NULL;
	while ((opt = getopt_long(argc, argv, "nfqvhV", longopts, NULL)) !=
	       -1) {
		given |= verb_bit(opt);
		switch (opt) {
		case OPT_SYSFS:
			c.sysroot = optarg;
			break;
		case OPT_ROOT:
			c.root = optarg;
			break;
		case OPT_PROC:
		case OPT_DEV:
		case OPT_RUNDIR:
		case OPT_CONFIG:
		case OPT_MODDIR: {
			char *const dst[5] = { c.proc, c.dev, c.rundir,
					       c.config, c.moddir };

			set[opt - OPT_PROC] = 1;
			if (set_path(dst[opt - OPT_PROC], optarg,
				     longopts[opt - OPT_SYSFS].name))
				return 2;
			break;
		}
		case OPT_CMDLINE:
			c.cmdline = optarg;
			break;
		case OPT_PCI_IDS:
			c.pci_ids = optarg;
			break;
		case OPT_MODPROBE:
			c.modprobe = optarg;
			break;
		case OPT_JSON:
			c.json = 1;
			break;
		case OPT_FORMAT:
			c.json = !strcmp(optarg, "json");
			c.prometheus = !strcmp(optarg, "prometheus");
			if (!c.json && !c.prometheus &&
			    strcmp(optarg, "human")) {
				fprintf(stderr,
					"vfioctl: --format: '%s' is not human, "
					"json or prometheus\n",
					optarg);
				return 2;
			}
			break;
		case OPT_PROBE:
			c.probe = 1;
			break;
		case OPT_NO_REBUILD:
			c.no_rebuild = 1;
			break;
		case OPT_ALL:
			c.all = 1;
			break;
		case 'n':
			c.dry_run = 1;
			break;
		case 'f':
			c.force = 1;
			break;
		case 'q':
			c.quiet = 1;
			level = VC_ERR;
			break;
		case 'v':
			c.verbose = 1;
			level = VC_DEBUG;
			break;
		case 'h':
			help = 1;
			break;
		case 'V':
			puts("vfioctl " VERSION);
			return 0;
		default:
			fputs("Try 'vfioctl --help'.\n", stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(help ? stdout : stderr);
		return help ? 0 : 2;
	}
	verb = argv[optind++];
	for (i = 0; i < NVERBS; i++)
		if (!strcmp(verb, verbs[i].name))
			break;
	if (i == NVERBS) {
		fprintf(stderr,
			"vfioctl: unknown verb '%s'; try 'vfioctl "
			"--help'\n",
			verb);
		return 2;
	}
	if (help) {
		verb_usage(&verbs[i]);
		return 0;
	}
	if (!verb_options_ok(&verbs[i], given))
		return 2;

	if (!c.sysroot) {
		if (c.root) {
			snprintf(sysbuf, sizeof(sysbuf), "%s/sys", c.root);
			c.sysroot = sysbuf;
		} else {
			c.sysroot = "/sys";
		}
	}
	/* Only the real /sys, with no --root, is the running host. */
	c.real = !c.root && !strcmp(c.sysroot, "/sys");
	if (c.real)
		c.root = "";
	default_paths(&c, set);
	log_setup("vfioctl", NULL, level, 1);

	r = sysfs_open(&c.sys, c.sysroot);
	if (r) {
		fprintf(stderr,
			"vfioctl: %s: cannot open bus/pci/devices: %s; is "
			"sysfs mounted?\n",
			c.sysroot, vc_strerror(r));
		return 1;
	}
	c.sys.host = host_of(&c, set);
	r = verbs[i].fn(&c, argc - optind, argv + optind);
	vctl_pci_names_free();
	sysfs_close(&c.sys);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "vfioctl: cannot write the output\n");
		return 1;
	}
	return r;
}
