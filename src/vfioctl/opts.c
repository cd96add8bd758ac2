// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl's command line: the options, the verb, and every check of them
 * that needs no file (empty paths, options given twice, options that
 * contradict each other, options of another verb). It runs nothing and
 * reads nothing, so that tests/fuzz/fuzz-parsers.c can call it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "input.h"
#include "log.h"
#include "trial.h"
#include "vfioctl.h"

#ifndef VERSION
#define VERSION "dev"
#endif

/* The verbs, in the order of main.c's table of functions. */
const struct vctl_verb vctl_verbs[VCTL_NVERBS] = {
	{ "verify",
	  "[SEL...]     are the devices ready for a VM? (exit 0 ready)",
	  " --json --format --probe --nfd-dir " },
	{ "bind", "SEL...         hand devices to vfio-pci now",
	  " --dry-run --force " },
	{ "unbind", "SEL...       give devices back to their own driver",
	  " --dry-run --force " },
	{ "groups", "             IOMMU groups, their devices, and viability",
	  " --json " },
	{ "plan", "[SEL...]       what vfio-claim would do at the next boot",
	  " --json --image-modules " },
	{ "cmdline", "DEV...      the guarded vfio.devices= value for devices",
	  " --json " },
	{ "qemu-args", "SEL...    -device arguments for QEMU (or libvirt XML)",
	  " --json --libvirt " },
	{ "reserve",
	  "SEL...      keep them for vfio-pci: the config file, the initramfs",
	  " --dry-run --force --no-rebuild --try --within " },
	{ "release",
	  "SEL...      the reverse (--all: every device in the file)",
	  " --dry-run --no-rebuild --all --try --within " },
	{ "kubevirt", "[SEL...]   permittedHostDevices for KubeVirt", " " },
	{ "confirm", "            keep a trial boot (reserve --try)",
	  " --reject --countdown --dry-run " },
};

void vctl_usage(FILE *f)
{
	int i;

	fputs("Usage: vfioctl [OPTION]... VERB [ARG]...\n"
	      "Check and manage PCI devices reserved for vfio-pci.\n\n"
	      "Verbs:\n",
	      f);
	for (i = 0; i < VCTL_NVERBS; i++)
		fprintf(f, "  %s %s\n", vctl_verbs[i].name, vctl_verbs[i].help);
	fputs("\nWhere the host is (every verb; an empty value is an error):\n"
	      "  --sysfs DIR        sysfs root (default /sys, or ROOT/sys)\n"
	      "  --root DIR         find proc/, dev/, run/, etc/, lib/modules\n"
	      "                     below DIR (a fake host, for tests)\n"
	      "  --proc DIR         where cmdline and iomem are (/proc)\n"
	      "  --dev DIR          where vfio/ is (/dev)\n"
	      "  --run-dir DIR      vfio-claim's records (/run/vfio-claim)\n"
	      "  --config FILE      config file (/etc/vfio-claim.conf); must\n"
	      "                     exist, except for reserve\n"
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
	      "  --libvirt          qemu-args: the same devices as libvirt\n"
	      "                     <hostdev managed='no'> elements\n"
	      "  --format FMT       verify: human, json, prometheus or nfd\n"
	      "  --image-modules    plan: only the vfio variant modules an\n"
	      "                     initramfs needs (--modules-dir's kernel)\n"
	      "  --nfd-dir DIR      verify: also write DIR/vfio-claim, the\n"
	      "                     node labels of Node Feature Discovery\n"
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
	      "      --try          reserve, release: boot it once (kexec),\n"
	      "                     kept if 'vfioctl confirm' runs in time\n"
	      "      --within DUR   with --try: the window (10m; 60s to 24h)\n"
	      "      --reject       confirm: reboot into the old setup now\n"
	      "  -f, --force        bind or reserve a device the host uses,\n"
	      "                     unbind one whose group a VM holds\n"
	      "Options of every verb:\n"
	      "  -q, --quiet        errors only\n"
	      "  -v, --verbose      details too\n"
	      "  -h, --help         this text\n"
	      "  -V, --version      the version\n\n"
	      "The running host is a --sysfs that is the host's /sys (the "
	      "same\n"
	      "directory, however spelled) with no --root, or --root /. With\n"
	      "any other --sysfs and no --root, the host's /proc, /dev, /run,\n"
	      "/etc and modules are not used unless named (vfio-claim's rule\n"
	      "too). '-' or 'none' as --proc, --dev, --run-dir, --config or\n"
	      "--modules-dir: not available.\n"
	      "SEL: [DDDD:]BB:SS.F, [DDDD:]BB:SS, VVVV:DDDD[:SSSS:ssss],\n"
	      "ID@ADDR, as in vfio.devices=.\n"
	      "Exit status: 0 ok/ready, 1 not ready or failed, 2 usage.\n",
	      f);
}

void vctl_error(const char *fmt, ...)
{
	char raw[1024], out[1200];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n >= (int)sizeof(raw))
		n = sizeof(raw) - 1;
	vc_escape(out, sizeof(out), raw, n);
	fprintf(stderr, "vfioctl: %s\n", out);
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
	OPT_IMAGE_MODULES,
	OPT_FORMAT,
	OPT_PROBE,
	OPT_NO_REBUILD,
	OPT_ALL,
	OPT_NFD_DIR,
	OPT_TRY,
	OPT_WITHIN,
	OPT_REJECT,
	OPT_COUNTDOWN,
	OPT_LIBVIRT,
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
	{ "image-modules", no_argument, NULL, OPT_IMAGE_MODULES },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "probe", no_argument, NULL, OPT_PROBE },
	{ "no-rebuild", no_argument, NULL, OPT_NO_REBUILD },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "nfd-dir", required_argument, NULL, OPT_NFD_DIR },
	{ "try", no_argument, NULL, OPT_TRY },
	{ "within", required_argument, NULL, OPT_WITHIN },
	{ "reject", no_argument, NULL, OPT_REJECT },
	{ "countdown", no_argument, NULL, OPT_COUNTDOWN },
	{ "libvirt", no_argument, NULL, OPT_LIBVIRT },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "force", no_argument, NULL, 'f' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/*
 * The options that belong to some verbs only (struct vctl_verb.opts), as
 * the bits of `given`: kmod's tools/ style, so that
 * `vfioctl --force groups` is an error and not silently ignored. What
 * each does, for vfioctl VERB --help.
 */
static const struct {
	const char *name;
	int opt; /* what getopt_long() returns for it */
	const char *what;
} verb_opts[] = {
	{ "--json", OPT_JSON, "the answer as JSON on stdout" },
	{ "--image-modules", OPT_IMAGE_MODULES,
	  "for the initramfs hooks: only the vfio variant modules the image "
	  "of --modules-dir's kernel needs, one per line" },
	{ "--libvirt", OPT_LIBVIRT,
	  "the same devices, guest slots and warnings as libvirt domain XML: "
	  "one <hostdev managed='no'> per device, for <devices>" },
	{ "--format", OPT_FORMAT,
	  "FMT: human (the default), json, prometheus (text exposition "
	  "for node_exporter's textfile collector) or nfd (Node Feature "
	  "Discovery's labels)" },
	{ "--probe", OPT_PROBE,
	  "also open /dev/vfio/N and ask the kernel whether the group is "
	  "viable; a VM that starts meanwhile fails with EBUSY, so never "
	  "from monitoring" },
	{ "--dry-run", 'n', "(-n) show what would be done, write nothing" },
	{ "--force", 'f',
	  "(-f) go on with a device the host uses, or whose group a VM "
	  "holds" },
	{ "--no-rebuild", OPT_NO_REBUILD,
	  "write the config file, print the initramfs command instead of "
	  "running it" },
	{ "--all", OPT_ALL, "every device in the config file" },
	{ "--nfd-dir", OPT_NFD_DIR,
	  "DIR: also write the NFD label file DIR/vfio-claim (a dot-file "
	  "renamed into place)" },
	{ "--try", OPT_TRY,
	  "boot it once with kexec; kept only if 'vfioctl confirm' runs in "
	  "time" },
	{ "--within", OPT_WITHIN,
	  "DURATION: with --try, the window to confirm in (default 10m; 60s "
	  "to 24h)" },
	{ "--reject", OPT_REJECT, "reboot now, into the setup from before" },
	{ "--countdown", OPT_COUNTDOWN,
	  "what vfio-trial.service runs: reboot when the window is over" },
};
#define NVERB_OPTS (int)(sizeof(verb_opts) / sizeof(verb_opts[0]))

static unsigned int verb_bit(int opt)
{
	int k;

	for (k = 0; k < NVERB_OPTS; k++)
		if (verb_opts[k].opt == opt)
			return 1u << k;
	return 0;
}

/* 1 when every verb option GIVEN (bits of verb_opts) is one of V's. */
static int verb_options_ok(const struct vctl_verb *v, unsigned int given)
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
		for (i = 0, n = 0; i < VCTL_NVERBS; i++)
			n += strstr(vctl_verbs[i].opts, want) != NULL;
		for (i = 0, j = 0; i < VCTL_NVERBS; i++)
			if (strstr(vctl_verbs[i].opts, want))
				snprintf(owners + strlen(owners),
					 sizeof(owners) - strlen(owners),
					 "%s%s",
					 !j++	  ? ""
					 : j == n ? " and "
						  : ", ",
					 vctl_verbs[i].name);
		vctl_error("%s is an option of %s, not of %s; try "
			   "'vfioctl %s --help'",
			   verb_opts[k].name, owners, v->name, v->name);
		return 0;
	}
	return 1;
}

/* vfioctl VERB --help: the verb's own options, and what each does. */
static void verb_usage(const struct vctl_verb *v)
{
	char want[32];
	int k;

	printf("vfioctl %s %s\nOptions of %s:\n", v->name, v->help, v->name);
	for (k = 0; k < NVERB_OPTS; k++) {
		snprintf(want, sizeof(want), " %s ", verb_opts[k].name);
		if (strstr(v->opts, want))
			printf("  %-13s %s\n", verb_opts[k].name,
			       verb_opts[k].what);
	}
	printf("Options of every verb (--root, --sysfs, -q, -v, ...), and "
	       "what each does: vfioctl --help\n");
}

/* trial.h: the --within parser; here, so the fuzzer reaches it. */
int trial_parse_window(const char *s, long *secs)
{
	char *end;
	long n, mult = 1;

	errno = 0;
	n = strtol(s, &end, 10);
	if (end == s || errno || n < 0 || *s == '-' || *s == '+')
		goto bad;
	if (*end == 's')
		end++;
	else if (*end == 'm')
		mult = 60, end++;
	else if (*end == 'h')
		mult = 3600, end++;
	if (*end || n > TRIAL_MAX)
		goto bad;
	n *= mult;
	if (n < TRIAL_MIN || n > TRIAL_MAX)
		goto bad;
	*secs = n;
	return 0;
bad:
	vctl_error("--within '%s': want a duration from %d s to %d h "
		   "(N, Ns, Nm or Nh), e.g. 10m",
		   s, TRIAL_MIN, TRIAL_MAX / 3600);
	return -EINVAL;
}

/* "-" or "none": explicitly not available. */
static int set_path(char *dst, const char *src)
{
	if (!strcmp(src, "-") || !strcmp(src, "none"))
		src = "";
	strcpy(dst, src);
	return 0;
}

/* DIR/ and DIR// are DIR: no doubled slash in the paths built on it. */
static const char *trim_slashes(char *p)
{
	size_t n = strlen(p);

	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	return p;
}

/* The option getopt_long() just took, as the user spelled it. */
static const char *opt_word(char **argv, int ind)
{
	return argv[ind > 1 ? ind - 1 : 1];
}

int vctl_parse_argv(struct vctl *c, int argc, char **argv, int *verb)
{
	static char root[PATH_MAX], sysroot[PATH_MAX];
	char *const dst[5] = { c->proc, c->dev, c->rundir, c->config,
			       c->moddir };
	int opt, i, help = 0, seen_fmt = 0;
	unsigned int given = 0, seen = 0; /* bits: verb_opts, OPT_* - 256 */
	const char *fmt = NULL, *val;

	optind = 0; /* glibc: start afresh (the fuzzer calls this often) */
	opterr = 0;
	c->sysroot = c->root = NULL;
	for (i = 0; i < 5; i++)
		c->pathset[i] = 0;
	for (;;) {
		opt = getopt_long(argc, argv, ":nfqvhV", longopts, NULL);
		if (opt == -1)
			break;
		if (opt == '?') {
			const char *w = opt_word(argv, optind);

			if (!strncmp(w, "--", 2) && optopt)
				vctl_error("'%s': --%.*s takes no value", w,
					   (int)strcspn(w + 2, "="), w + 2);
			else if (!strncmp(w, "--", 2))
				vctl_error("unknown option '%s'; try 'vfioctl "
					   "--help'",
					   w);
			else
				vctl_error(
					"unknown option '-%c' (in '%s'); try "
					"'vfioctl --help'",
					optopt, w);
			return 2;
		}
		if (opt == ':') {
			vctl_error("%s needs a value; try 'vfioctl --help'",
				   opt_word(argv, optind));
			return 2;
		}
		given |= verb_bit(opt);
		val = optarg;
		if (val && opt >= OPT_SYSFS && opt <= OPT_FORMAT) {
			const char *name = longopts[opt - OPT_SYSFS].name;

			if (seen & 1u << (opt - OPT_SYSFS)) {
				vctl_error("--%s is given twice; give it once",
					   name);
				return 2;
			}
			seen |= 1u << (opt - OPT_SYSFS);
			if (!val[0] && opt != OPT_CMDLINE) {
				/* An unset variable in a script, most likely:
				 * never the host by default. */
				vctl_error("--%s '': an empty %s; name one, or "
					   "leave the option out",
					   name,
					   opt == OPT_FORMAT	 ? "format"
					   : opt == OPT_MODPROBE ? "program"
								 : "path");
				return 2;
			}
			if (opt != OPT_CMDLINE && strlen(val) >= PATH_MAX) {
				vctl_error("--%s: longer than %d bytes", name,
					   PATH_MAX - 1);
				return 2;
			}
		}
		switch (opt) {
		case OPT_SYSFS:
			strcpy(sysroot, val);
			c->sysroot = trim_slashes(sysroot);
			break;
		case OPT_ROOT:
			strcpy(root, val);
			c->root = trim_slashes(root);
			break;
		case OPT_PROC:
		case OPT_DEV:
		case OPT_RUNDIR:
		case OPT_CONFIG:
		case OPT_MODDIR:
			c->pathset[opt - OPT_PROC] = 1;
			set_path(dst[opt - OPT_PROC], val);
			trim_slashes(dst[opt - OPT_PROC]);
			break;
		case OPT_CMDLINE:
			c->cmdline = val;
			break;
		case OPT_PCI_IDS:
			c->pci_ids = val;
			break;
		case OPT_MODPROBE:
			c->modprobe = val;
			break;
		case OPT_JSON:
			c->json = 1;
			break;
		case OPT_IMAGE_MODULES:
			c->image_modules = 1;
			break;
		case OPT_FORMAT:
			fmt = val;
			if (strcmp(val, "json") && strcmp(val, "prometheus") &&
			    strcmp(val, "nfd") && strcmp(val, "human")) {
				vctl_error("--format: '%s' is not human, json, "
					   "prometheus or nfd",
					   val);
				return 2;
			}
			seen_fmt = 1;
			break;
		case OPT_PROBE:
			c->probe = 1;
			break;
		case OPT_NO_REBUILD:
			c->no_rebuild = 1;
			break;
		case OPT_ALL:
			c->all = 1;
			break;
		case OPT_NFD_DIR:
			if (!val[0]) {
				vctl_error("--nfd-dir '': an empty path; name "
					   "one, or leave the option out");
				return 2;
			}
			c->nfd_dir = val;
			break;
		case OPT_TRY:
			c->try_boot = 1;
			break;
		case OPT_WITHIN:
			if (trial_parse_window(val, &c->within))
				return 2;
			break;
		case OPT_REJECT:
			c->reject = 1;
			break;
		case OPT_COUNTDOWN:
			c->countdown = 1;
			break;
		case OPT_LIBVIRT:
			c->libvirt = 1;
			break;
		case 'n':
			c->dry_run = 1;
			break;
		case 'f':
			c->force = 1;
			break;
		case 'q':
			c->quiet = 1;
			break;
		case 'v':
			c->verbose = 1;
			break;
		case 'h':
			help = 1;
			break;
		case 'V':
			puts("vfioctl " VERSION);
			return 0;
		}
	}
	if (c->quiet && c->verbose) {
		vctl_error("-q (--quiet) and -v (--verbose) contradict each "
			   "other; give one");
		return 2;
	}
	if (c->image_modules && !c->pathset[OPT_MODDIR - OPT_PROC]) {
		vctl_error("--image-modules needs --modules-dir DIR, the "
			   "image's kernel module directory");
		return 2;
	}
	if (c->image_modules && c->json) {
		vctl_error("--image-modules and --json contradict each other; "
			   "give one");
		return 2;
	}
	if (c->libvirt && c->json) {
		vctl_error("--json and --libvirt contradict each other; give "
			   "one");
		return 2;
	}
	if (seen_fmt) {
		if (c->json && strcmp(fmt, "json")) {
			vctl_error("--json and --format %s contradict each "
				   "other; give one",
				   fmt);
			return 2;
		}
		c->json = !strcmp(fmt, "json");
		c->prometheus = !strcmp(fmt, "prometheus");
		c->nfd = !strcmp(fmt, "nfd");
	}
	if (optind >= argc) {
		vctl_usage(help ? stdout : stderr);
		return help ? 0 : 2;
	}
	for (i = 0; i < VCTL_NVERBS; i++)
		if (!strcmp(argv[optind], vctl_verbs[i].name))
			break;
	if (i == VCTL_NVERBS) {
		vctl_error("unknown verb '%s'; try 'vfioctl --help'",
			   argv[optind]);
		return 2;
	}
	optind++;
	if (help) {
		verb_usage(&vctl_verbs[i]);
		return 0;
	}
	if (!verb_options_ok(&vctl_verbs[i], given))
		return 2;
	*verb = i;
	return -1;
}
