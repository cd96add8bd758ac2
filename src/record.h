/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What vfio-claim did, kept under /run/vfio-claim/ for vfioctl:
 *   boot            source=, value=, status=
 *   devices/ADDR    address=, id=, subsystem=, class=, previous_driver=,
 *                   result=, by=
 * Every file is written to a temporary name and renamed into place.
 */
#ifndef VC_RECORD_H
#define VC_RECORD_H

#include "claim.h"

struct record {
	char address[PCI_NAME_MAX];
	char id[16];
	char subsystem[16];
	char previous_driver[DRV_NAME_MAX];
	char result[16];
	char why[160];
	char by[16];
};

/* 0 or -errno. dir is created when missing. */
int record_write_dev(const char *dir, const struct claim_dev *c,
		     const char *by);
int record_write_boot(const char *dir, const char *source, const char *value,
		      int status);
/* 0, -ENOENT when there is no record for name, or -errno. */
int record_read_dev(const char *dir, const char *name, struct record *r);
/* Parses the key=value text of a device record (modified in place). */
void record_parse(char *text, struct record *r);
/* Removes the record of name (vfioctl unbind). 0 or -errno. */
int record_remove_dev(const char *dir, const char *name);

#endif
