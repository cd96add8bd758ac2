/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-pci.ids= and `options vfio-pci ids=` entries, read as vfio-pci
 * reads them (vfio_pci_fill_ids): "vendor:device[:subvendor[:subdevice
 * [:class[:class_mask]]]]", hex, comma-separated, empty entries skipped,
 * fewer than two fields ignored (the kernel warns "invalid id string"). A
 * missing subvendor or subdevice, or ffffffff, is any; class counts only
 * where class_mask has bits (pci_match_one_device). The one reader for
 * verify and unbind.
 */
#ifndef VFIOCTL_IDS_H
#define VFIOCTL_IDS_H

#include <stddef.h>

#include "pci.h"

#define PCI_ANY 0xffffffffu

struct ids_entry {
	unsigned int v, d, sv, sd, cls, mask;
};

/*
 * The next entry of *P, which moves past it: 1 with E filled in and ONE
 * its text; -1 for an entry vfio-pci ignores (ONE is its text); 0 at the
 * end.
 */
int ids_next(const char **p, struct ids_entry *e, char *one, size_t size);

/* Whether E matches these IDs (subsystem fields included). */
int ids_match_id(const struct ids_entry *e, const struct pci_id *id);

/* Whether E matches a device of this class (always when no mask). */
int ids_match_class(const struct ids_entry *e, unsigned int class);

#endif
