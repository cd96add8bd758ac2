/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Deciding and doing the claim: shared by vfio-claim and vfioctl. */
#ifndef VC_CLAIM_H
#define VC_CLAIM_H

#include "pci.h"
#include "selector.h"

enum claim_action {
	CA_CLAIM, /* will be (or was) handed to vfio-pci */
	CA_ALREADY, /* already on vfio-pci */
	CA_REFUSE, /* vfio-pci cannot take it; nothing written */
	CA_VETO, /* its slot's guard failed; nothing written */
};

enum claim_result {
	CR_NONE, /* planned only */
	CR_CLAIMED, /* bound to vfio-pci */
	CR_PENDING, /* driver_override holds it until vfio-pci loads */
	CR_FAILED, /* a write failed or vfio-pci did not take it */
	CR_SKIPPED, /* refused or vetoed: nothing written */
	CR_GONE, /* the device vanished */
};

struct claim_dev {
	struct vc_dev dev;
	enum claim_action action;
	enum claim_result result;
	char prev_driver[DRV_NAME_MAX]; /* before vfio-claim touched it */
	char target[DRV_NAME_MAX]; /* the vfio driver to hand it to */
	char module[DRV_NAME_MAX]; /* a variant's module to load, or "" */
	char why[160]; /* reason for refusal or failure */
	int override_set; /* driver_override written before vfio-pci loaded */
	const struct selector *sel; /* first selector that named it */
};

enum claim_miss_kind {
	CM_NONE, /* the selector matches no device */
	CM_STALE, /* a guard: the device at its address has another ID */
	CM_UNREADABLE, /* a device it names has IDs that cannot be read */
	CM_VETOED, /* vfioctl: a device in the slot of a failed guard */
};

/* What the resolver could not resolve; one entry per problem. */
struct claim_miss {
	const struct selector *sel;
	enum claim_miss_kind kind;
	char name[PCI_NAME_MAX]; /* CM_STALE, CM_UNREADABLE: the device */
	struct pci_id have; /* CM_STALE: the IDs there now */
	int err; /* CM_UNREADABLE: -errno */
};

#define CLAIM_MISS_MAX (SEL_MAX + 16)

struct claim_ctx {
	struct sysfs *sys;
	/* The refusal's words: "not claimed" unless a verb says else. */
	const char *not_done;
	int dry_run;
	/*
	 * Loads a module ("vfio-pci", "vfio"); 0 on success. NULL: never
	 * load one (the override then holds devices until something else
	 * loads vfio-pci).
	 */
	int (*load_module)(void *data, const char *name);
	void *load_data;
	/*
	 * "modprobe vfio-pci" runs already (vfio-claim starts it before the
	 * plan): claim_apply waits for it through load_module before it
	 * touches a bound device, also when nothing is left to claim.
	 */
	int vfio_loading;
	/*
	 * vfio-claim --background: called once the overrides that keep
	 * udev's drivers off every device with no driver are written, just
	 * before the wait for vfio-pci; the boot goes on from there. A
	 * device vfio-pci has not taken when that wait ends is given back,
	 * not left pending: udev loads its own driver meanwhile.
	 */
	void (*detach)(struct claim_ctx *ctx);
	int detached; /* claim_apply: detach was called */
	/* The kernel command line, for advice (may be NULL). */
	const char *cmdline;
	/* modules.alias, for vfio variant drivers; NULL: vfio-pci only. */
	const char *alias_path;
	/* vfio.variants=off: vfio-pci unless SEL=DRIVER names a variant. */
	int no_variants;

	/* Filled in by claim_resolve (and so by claim_plan). */
	struct claim_dev *dev;
	int ndev;
	int cap;
	struct claim_miss miss[CLAIM_MISS_MAX];
	int nmiss;
	int miss_dropped; /* misses past CLAIM_MISS_MAX */
	int list_err; /* -errno when bus/pci/devices could not be listed */

	int noiommu; /* claim_plan: vfio's unsafe no-IOMMU mode is on */
	int errors; /* selectors or devices that failed (claim_plan on) */
};

/*
 * The one resolver (resolve.c): the devices the selectors name, in plan
 * order (addresses and slots in selector order, then ID matches by
 * address), each with its IDs read and sel set; devices in a slot whose
 * guard failed get CA_VETO. What could not be resolved goes to
 * ctx->miss. Logs nothing. 0 or -ENOMEM.
 */
int claim_resolve(struct claim_ctx *ctx, struct sel_list *l);

/* The resolved device called name, or NULL. */
struct claim_dev *claim_find(const struct claim_ctx *ctx, const char *name);

/*
 * claim_resolve, then decides per device what to do. Writes nothing.
 * Errors (no match, guard mismatch, unreadable device, refusals) are
 * logged and counted in ctx->errors.
 */
int claim_plan(struct claim_ctx *ctx, struct sel_list *l);

/*
 * Warns about what claiming c takes from the host that the plan does not
 * refuse (the boot display). The one warning of the boot (claim_apply, as
 * it writes the override) and of every dry run (claim_plan with dry_run:
 * vfio-claim --dry-run, vfioctl plan).
 */
void claim_warn(const struct claim_dev *c);

/* Carries the plan out (writes nothing with dry_run). */
int claim_apply(struct claim_ctx *ctx);

/* Warns about IOMMU group members that keep a non-vfio driver. */
void claim_check_groups(struct claim_ctx *ctx);

/*
 * One line per device on stdout, the contract of vfio-claim --dry-run and
 * vfioctl plan:
 *   plan ADDR id=VVVV:DDDD driver=NAME|- group=N|- action=A [to=DRIVER]
 *        [why="..."]
 * to= names the vfio driver a claim hands it to (a variant's module name
 * when it is not loaded yet). Written to fd 1 with write(2): a caller with
 * buffered stdout flushes it first.
 */
void claim_print_plan(const struct claim_ctx *ctx);

void claim_free(struct claim_ctx *ctx);

const char *claim_action_name(enum claim_action a);
const char *claim_result_name(enum claim_result r);

/* 1 when bus/pci/drivers/vfio-pci is registered. */
int vfio_pci_registered(const struct sysfs *s);

#endif
