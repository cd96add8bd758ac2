/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What vfio-claim did, kept under /run/vfio-claim/ for vfioctl:
 *   boot            source=, value=, status= (written at every run:
 *                   source= empty when nothing was asked, neither
 *                   vfio.devices= nor devices= in the config file;
 *                   status=1 also when what was asked could not be read),
 *                   and state=running, pid= while the worker of
 *                   vfio-claim --background still works (status=1
 *                   then: no success yet; its last record has neither)
 *   devices/ADDR    address=, id=, subsystem=, class=, group=,
 *                   previous_driver=, action=, result=, why=, by=,
 *                   modalias= (what vfioctl unbind loads when
 *                   previous_driver= is empty: a boot claim runs before
 *                   the device's own module has loaded)
 * Every file is written to a temporary name and renamed into place.
 */
#ifndef VC_RECORD_H
#define VC_RECORD_H

#include "claim.h"

#define RECORD_MODALIAS_MAX 128

struct record {
	char address[PCI_NAME_MAX];
	char id[16];
	char subsystem[16];
	char previous_driver[DRV_NAME_MAX];
	char result[16];
	char why[160];
	char by[16];
	char modalias[RECORD_MODALIAS_MAX];
};

/* Flags of record_write_claims. */
#define RECORD_REFUSALS 1 /* also devices refused or vetoed (vfio-claim) */

/*
 * The one record writer of both programs: devices/ADDR for every device
 * of the plan (refused and vetoed ones only with RECORD_REFUSALS). A
 * device already on vfio-pci keeps previous_driver= and by= of the record
 * it has (the first run's). Logs and returns the first failure (-errno),
 * else 0.
 */
int record_write_claims(const char *dir, struct claim_ctx *ctx, const char *by,
			int flags);

/* 0 or -errno. dir is created when missing. */
int record_write_dev(const char *dir, const struct claim_dev *c, const char *by,
		     const char *modalias);
/* status < 0: state=running and this process's pid (vfio-claim
 * --background, until it is done). */
int record_write_boot(const char *dir, const char *source, const char *value,
		      int status);
/*
 * The boot record: 1 when it says state=running (*pid, if asked, the
 * worker's pid=; 0 when unreadable), else 0; *status its status= (0, 1,
 * or -1 when it has none). -errno (-ENOENT: no record).
 */
int record_read_boot(const char *dir, int *status, long *pid);
/* 0, -ENOENT when there is no record for name, or -errno. */
int record_read_dev(const char *dir, const char *name, struct record *r);
/* Parses the key=value text of a device record (modified in place). */
void record_parse(char *text, struct record *r);
/* Removes the record of name (vfioctl unbind). 0 or -errno. */
int record_remove_dev(const char *dir, const char *name);

#endif
