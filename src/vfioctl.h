/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vfioctl: settings and helpers shared by the verbs. */
#ifndef VC_VFIOCTL_H
#define VC_VFIOCTL_H

#include <limits.h>
#include <stdio.h>

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
	int json;
	int prometheus;
	int quiet;
	int verbose;
	int dry_run;
	int force;
	int real; /* the running host: modules may be loaded */
	struct sysfs sys;
};

/* A device a verb works on, resolved from a selector. */
struct vdev {
	struct pci_dev dev;
	const struct selector *sel;
};

struct vdev_list {
	struct vdev *v;
	int n, cap;
};

/*
 * A selector that found nothing, whose guard no longer matches, or a
 * device in a slot whose guard failed.
 */
struct vmiss {
	const struct selector *sel;
	int stale; /* guarded address exists with another ID (have) */
	int vetoed; /* name: in the slot of a failed guard */
	char name[PCI_NAME_MAX]; /* the device, when there is one */
	struct pci_id have;
};

#define VMISS_MAX (2 * SEL_MAX)

struct vmiss_list {
	struct vmiss m[VMISS_MAX];
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
/* One line's reason for a miss: "no such PCI device", ... */
const char *vctl_miss_text(const struct vmiss *m);

/* Parses argv[0..argc) as selectors. Returns the number of bad ones. */
int vctl_parse_args(int argc, char **argv, struct sel_list *l);

/*
 * The kernel command line: --cmdline, else proc/cmdline. 1 when there is
 * one, 0 when not available.
 */
int vctl_cmdline(struct vctl *c, char *buf, size_t size);

/* Builds path under the --root prefix; "" when there is no root. */
void vctl_host_path(const struct vctl *c, char *buf, size_t size,
		    const char *path);

/* snprintf for messages, where cutting a long path short is fine. */
void vctl_fmt(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* JSON string, quoted and escaped. */
void json_str(FILE *f, const char *s);
/* json_str, or null for NULL or "". */
void json_str_or_null(FILE *f, const char *s);

/* lspci-style "VGA compatible controller: NVIDIA ... [GeForce]". */
void vctl_pci_name(struct vctl *c, const struct pci_dev *d, char *buf,
		   size_t size);
/* The same from raw numbers (vfioctl-names.c: libpci lives there). */
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

/* Loads a module with libkmod (modprobe.d options apply). */
int vctl_load_module(void *data, const char *name);

/*
 * Opens dev/vfio/GROUP: 1 viable, 0 not viable, -EBUSY held (a VM),
 * -ENOENT no node, -ENODATA cannot tell (no dev dir, not a vfio node).
 */
int vctl_group_status(const struct vctl *c, int group);

/* On a driver that keeps the group from a VM (iommu_member's rule). */
int vctl_blocks_group(const struct vctl *c, const struct pci_dev *d);

/* The verbs: 0 ok, 1 not ready or failed, 2 usage. */
int cmd_verify(struct vctl *c, int argc, char **argv);
int cmd_bind(struct vctl *c, int argc, char **argv);
int cmd_unbind(struct vctl *c, int argc, char **argv);
int cmd_groups(struct vctl *c, int argc, char **argv);
int cmd_plan(struct vctl *c, int argc, char **argv);
int cmd_cmdline(struct vctl *c, int argc, char **argv);
int cmd_qemu_args(struct vctl *c, int argc, char **argv);

#endif
