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
	struct pci_dev dev;
	enum claim_action action;
	enum claim_result result;
	char prev_driver[DRV_NAME_MAX]; /* before vfio-claim touched it */
	char why[160]; /* reason for refusal or failure */
	int override_set; /* driver_override written before vfio-pci loaded */
	const struct selector *sel; /* first selector that named it */
};

struct claim_ctx {
	struct sysfs *sys;
	int dry_run;
	/*
	 * Loads vfio-pci; 0 on success. NULL: never load it (the override
	 * then holds devices until something else loads it).
	 */
	int (*load_vfio_pci)(void *data);
	void *load_data;

	/* Filled in by claim_plan. */
	struct claim_dev *dev;
	int ndev;
	int cap;
	int errors; /* selectors or devices that failed */
};

/*
 * Resolves the selectors against the tree and decides, per device, what
 * to do. Writes nothing. Errors (no match, guard mismatch, unreadable
 * device) are logged and counted in ctx->errors.
 */
int claim_plan(struct claim_ctx *ctx, struct sel_list *l);

/* Carries the plan out (writes nothing with dry_run). */
int claim_apply(struct claim_ctx *ctx);

/* Warns about IOMMU group members that keep a non-vfio driver. */
void claim_check_groups(struct claim_ctx *ctx);

/*
 * One line per device on stdout, the contract of vfio-claim --dry-run and
 * vfioctl plan:
 *   plan ADDR id=VVVV:DDDD driver=NAME|- group=N|- action=A [why="..."]
 */
void claim_print_plan(const struct claim_ctx *ctx);

void claim_free(struct claim_ctx *ctx);

const char *claim_action_name(enum claim_action a);
const char *claim_result_name(enum claim_result r);

/* 1 when bus/pci/drivers/vfio-pci is registered. */
int vfio_pci_registered(const struct sysfs *s);

#endif
