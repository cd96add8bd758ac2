/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vfioctl: settings and helpers shared by the verbs. */
#ifndef VC_VFIOCTL_H
#define VC_VFIOCTL_H

#include <limits.h>
#include <stdio.h>

#include "claim.h"
#include "pci.h"
#include "selector.h"
#include "sysfs.h"

#define VFIO_PCI_DRV "vfio-pci"

/*
 * Every host path is a setting. An empty string means "not available":
 * with a fake --sysfs and no --root, vfioctl never looks at the host's
 * /proc, /dev, /run, /etc or module directory.
 */
struct vctl {
	const char *sysroot;
	const char *root; /* prefix of the host paths; NULL: none */
	char proc[PATH_MAX]; /* cmdline, iomem */
	char dev[PATH_MAX]; /* vfio/N, vfio/devices/vfioN */
	char rundir[PATH_MAX]; /* vfio-claim's records */
	char config[PATH_MAX];
	char moddir[PATH_MAX]; /* /lib/modules/$(uname -r) */
	const char *cmdline; /* --cmdline: instead of proc/cmdline */
	const char *pci_ids; /* --pci-ids: names file for libpci */
	const char *modprobe; /* --modprobe: loads modules instead of libkmod */
	int json;
	int image_modules; /* plan --image-modules: for the initramfs hooks */
	int libvirt; /* qemu-args --libvirt: <hostdev> elements */
	int prometheus;
	int nfd; /* verify --format nfd */
	const char *nfd_dir; /* verify --nfd-dir: write the label file there */
	int quiet;
	int verbose;
	int dry_run;
	int force;
	int probe; /* --probe: verify opens group nodes */
	int no_rebuild; /* reserve, release: only print the command */
	int all; /* release --all */
	int try_boot; /* reserve --try: one kexec boot, kept if confirmed */
	long within; /* --within: the trial's window in seconds; 0 default */
	int reject; /* confirm --reject */
	int countdown; /* confirm --countdown (vfio-trial.service) */
	int real; /* the running host: modules may be loaded */
	int pathset[5]; /* --proc, --dev, --run-dir, --config, --modules-dir */
	struct sysfs sys;
};

/* A device a verb works on, resolved from a selector. */
struct vdev {
	struct vc_dev dev;
	const struct selector *sel;
};

struct vdev_list {
	struct vdev *v;
	int n, cap;
};

/*
 * A selector that found nothing, whose guard no longer matches, a device
 * that cannot be read, or (CM_VETOED) a device in a slot whose guard
 * failed: the core resolver's own record of each.
 */
#define VMISS_MAX (2 * SEL_MAX)

struct vmiss_list {
	struct claim_miss m[VMISS_MAX];
	int n;
};

/*
 * Resolves selectors with the core resolver (claim_resolve, the boot's),
 * in its plan order, and loads each device with pci_load_rest. Missing,
 * stale and vetoed ones go to miss (may be NULL). 0 or -ENOMEM.
 */
int vctl_resolve(struct vctl *c, struct sel_list *l, struct vdev_list *out,
		 struct vmiss_list *miss);
void vdev_list_free(struct vdev_list *l);
/*
 * The devices a verb's arguments name (cmdline, qemu-args), each miss
 * reported: 0, 1 after a miss, 2 for no or bad arguments.
 */
int vctl_resolve_args(struct vctl *c, const char *verb, int argc, char **argv,
		      struct vdev_list *devs);
/* One line's reason for a miss: "no such PCI device", ... */
const char *vctl_miss_text(const struct claim_miss *m);

/*
 * The guarded selector of d, "VVVV:DDDD@DDDD:BB:SS.F": what 'vfioctl
 * cmdline' prints and 'vfioctl reserve' writes. snprintf's return value.
 */
int vctl_guarded(const struct vc_dev *d, char *buf, size_t size);

/* Parses argv[0..argc) as selectors. Returns the number of bad ones. */
int vctl_parse_args(int argc, char **argv, struct sel_list *l);

/*
 * The kernel command line: --cmdline, else proc/cmdline. 1 when there is
 * one, 0 when not available.
 */
int vctl_cmdline(struct vctl *c, char *buf, size_t size);

/* 1 when vfio.variants=off or variants=off (config_variants) holds. */
int vctl_no_variants(struct vctl *c);

/* Builds path under the --root prefix; "" when there is no root. */
void vctl_host_path(const struct vctl *c, char *buf, size_t size,
		    const char *path);

/* snprintf for messages, where cutting a long path short is fine. */
void vctl_fmt(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* lspci-style "VGA compatible controller: NVIDIA ... [GeForce]". */
void vctl_pci_name(struct vctl *c, const struct vc_dev *d, char *buf,
		   size_t size);
/* The same from raw numbers (names.c: libpci lives there). */
void vctl_pci_lookup(const char *ids_file, unsigned int cls,
		     unsigned int vendor, unsigned int device, char *buf,
		     size_t size);
void vctl_pci_names_free(void);

enum kmod_kind { KM_UNKNOWN, KM_BUILTIN, KM_MODULE };

/*
 * How the driver drv is provided: built into the kernel or a module, from
 * libkmod and the driver's module link. mod receives the module name.
 */
enum kmod_kind vctl_driver_kind(struct vctl *c, const char *drv, char *mod,
				size_t size);

struct kmod_ctx;
/*
 * A libkmod context on moddir; with a fake root, its own modprobe.d only.
 * NULL when there is no module directory.
 */
struct kmod_ctx *vctl_kmod_open(struct vctl *c);

/*
 * Loads a module: with --modprobe by running it, else with libkmod on the
 * running host only (modprobe.d options apply). 0 or -errno (-EPERM: a
 * fake host without --modprobe).
 */
int vctl_load_module(void *data, const char *name);

/* moddir/modules.alias when it can be read (vfio variants), else NULL. */
const char *vctl_alias_path(const struct vctl *c);

/*
 * The group's node under dev/vfio/: "N", or "noiommu-N" in vfio's
 * no-IOMMU mode (drivers/vfio/group.c), into name. Looks, never opens.
 * 0, -ENOENT no node, -ENODATA no dev dir.
 */
int vctl_group_node(const struct vctl *c, int group, char *name, size_t size);

/*
 * The probe: opens the group node read-write and asks the kernel
 * (VFIO_GROUP_GET_STATUS). 1 viable, 0 not viable, -EBUSY held (a VM),
 * -ENOENT no node, -ENODATA cannot tell (no dev dir, not a vfio node).
 * The kernel lets one opener hold a group: while this runs, a VM that
 * starts fails with EBUSY. Only on request (--probe), never when
 * monitoring.
 */
int vctl_group_status(const struct vctl *c, int group);

/* A process with a vfio node open: node is "14", "noiommu-14" or
 * "devices/vfio0", the path after /dev/vfio/. */
struct vholder {
	int pid;
	char comm[32];
	char node[48];
};

struct vholders {
	struct vholder *h;
	int n, cap;
	int scanned; /* proc was there to look at */
	int denied; /* processes whose fds we may not read (not root) */
};

/*
 * Reads every proc/PID/fd link (the host's /proc, or the fake one under
 * --root) for /dev/vfio/ targets, without opening any of them.
 * 0, -ENODATA with no proc dir, -errno, -ENOMEM.
 */
int vctl_vfio_holders(const struct vctl *c, struct vholders *hl);
/*
 * The holders of group's node (either name) or of the vfio cdev named
 * cdev (may be NULL), as "comm[pid],..." into buf. Returns how many.
 */
int vctl_held_by(const struct vholders *hl, int group, const char *cdev,
		 char *buf, size_t size);
void vholders_free(struct vholders *hl);

/* On a driver that keeps the group from a VM (iommu_member's rule). */
int vctl_blocks_group(const struct vctl *c, const struct vc_dev *d);

/* The verbs by name (opts.c), in the order of main.c's functions. */
struct vctl_verb {
	const char *name;
	const char *help;
	const char *opts; /* the verb's own options, " --a --b " */
};
#define VCTL_NVERBS 11
extern const struct vctl_verb vctl_verbs[VCTL_NVERBS];

/*
 * Parses the command line into c (opts.c): runs nothing, reads no file.
 * -1 to run vctl_verbs[*verb] with argv[optind..], else the exit status
 * (0 after --help or --version, 2 for bad usage, said in one line).
 */
int vctl_parse_argv(struct vctl *c, int argc, char **argv, int *verb);
void vctl_usage(FILE *f);
/*
 * "vfioctl: MESSAGE" on stderr, one line, control characters escaped
 * (vc_escape): the one way vfioctl's own usage errors are said.
 */
void vctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The verbs: 0 ok, 1 not ready or failed, 2 usage. */
int cmd_verify(struct vctl *c, int argc, char **argv);
int cmd_kubevirt(struct vctl *c, int argc, char **argv);
int cmd_bind(struct vctl *c, int argc, char **argv);
int cmd_unbind(struct vctl *c, int argc, char **argv);
int cmd_groups(struct vctl *c, int argc, char **argv);
int cmd_plan(struct vctl *c, int argc, char **argv);
int cmd_cmdline(struct vctl *c, int argc, char **argv);
int cmd_qemu_args(struct vctl *c, int argc, char **argv);
int cmd_reserve(struct vctl *c, int argc, char **argv);
int cmd_release(struct vctl *c, int argc, char **argv);
int cmd_confirm(struct vctl *c, int argc, char **argv);

#endif
