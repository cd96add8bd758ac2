/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One judgment, many renderings: what the host is for a device, judged
 * once, and the words every verb (plan, bind, reserve, verify, groups,
 * qemu-args) says it with. judge.c computes; the verbs only render.
 *
 * For a device d, claimed together with a set of devices (the verb's):
 * - nogroup: it has no IOMMU group and never gets one (the core's rule,
 *   iommu_ungrouped: a VT-d or AMD-Vi IOMMU is registered), so vfio-pci
 *   cannot take it and no VM can have it;
 * - uses: the running host uses it (busy.c's vctl_host_uses, the one
 *   host-use test);
 * - direct: its IOMMU group's firmware regions need a 1:1 mapping, so no
 *   VM domain can ever have it (judge_direct);
 * - block: the other members of its group, outside the set, on a driver
 *   that keeps the group from a VM now (iommu_member, the one group rule);
 * - later: members with no driver now that a module of this kernel binds
 *   at boot (they block then; members no module binds never do, and
 *   with no module directory to ask, no driver today means none then).
 */
#ifndef VC_JUDGE_H
#define VC_JUDGE_H

#include "vfioctl.h"

#define JMEMBER_MAX 32

enum jmember {
	JM_OK, /* vfio, pci-stub, pcieport, a bridge, or held for vfio */
	JM_BLOCKS, /* on a driver that keeps the group from a VM */
	JM_LATER, /* no driver now; a module of this kernel binds it at boot */
	JM_IDLE, /* no driver, and no module of this kernel would bind it */
};

struct jmember_info {
	char name[PCI_NAME_MAX];
	struct pci_id id;
	char driver[DRV_NAME_MAX];
	char module[DRV_NAME_MAX]; /* JM_LATER: the module */
	enum pci_role role;
	enum jmember kind;
};

struct verdict {
	const struct vc_dev *dev;
	int nogroup; /* no IOMMU group, and the IOMMU never gives it one */
	int uses;
	char use[192];
	int direct;
	char region[96]; /* "0x...-0x..." of the first direct region */
	int viable; /* the group as it is: no member blocks now; -1 none */
	int nblock;
	struct jmember_info block[JMEMBER_MAX];
	int nlater;
	struct jmember_info later[JMEMBER_MAX];
};

/*
 * What a group member means for a VM's use of its group: the one group
 * rule (iommu_member), and for a member with no driver whether a module
 * of this kernel would bind it (its modalias looked up with libkmod, as
 * udev does). module gets that module (may be NULL).
 */
enum jmember judge_member(struct vctl *c, const struct vc_dev *m, char *module,
			  size_t size);

/*
 * 1 when kernel/iommu_groups/GROUP/reserved_regions lists a "direct"
 * region (not "direct-relaxable"), with it in region as "START-END".
 */
int judge_direct(const struct vctl *c, int group, char *region, size_t size);

/*
 * The verdict for d, claimed with the devices set[0..nset) (the others
 * of the set do not count against its group).
 */
void judge_device(struct vctl *c, const struct vc_dev *d,
		  const char *const *set, int nset, struct verdict *v);

/* ---- the words, the same in every verb ---- */

/* "the host uses it (nvme0n1p2 is mounted on /)" */
void judge_use_text(const struct verdict *v, char *buf, size_t size);
/* No group, ever: what it means, and the fix. */
void judge_nogroup_text(char *msg, size_t msize, char *fix, size_t fsize);
/* The 1:1 mapping: what it means, and the fix. */
void judge_direct_text(const struct verdict *v, char *msg, size_t msize,
		       char *fix, size_t fsize);
/* A member that keeps d's group from a VM (blocks now, or at boot). */
void judge_member_text(const struct vc_dev *d, const struct jmember_info *m,
		       char *msg, size_t msize, char *fix, size_t fsize);
/*
 * Every group message of v as warnings on stderr: the members that block
 * now, and with boot the ones a module binds at boot (plan, reserve:
 * about the boot; bind, qemu-args: about now).
 */
void judge_warn_group(const struct verdict *v, int boot);

/*
 * plan, bind and reserve: the verdict of each device the core's plan
 * (claim_plan) would claim. A device the host uses, or one whose group
 * needs a 1:1 mapping, is refused (CA_REFUSE, why says so and that
 * --force is the way past; counted in ctx->errors) unless --force, which
 * only warns; every group member in the way is a warning. verb: "plan",
 * "bind" or "reserve", for the words. Returns the number refused.
 */
int judge_claims(struct vctl *c, struct claim_ctx *ctx, const char *verb);

#endif
