/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PCI functions as sysfs shows them. */
#ifndef VC_PCI_H
#define VC_PCI_H

#include "selector.h"
#include "sysfs.h"

#define DRV_NAME_MAX 64

struct vc_dev {
	char name[PCI_NAME_MAX]; /* "0000:00:02.0" */
	struct pci_addr addr;
	struct pci_id id;
	unsigned int class; /* 24 bits: 0x030000 */
	int hdr_type; /* low 7 bits of config 0x0e; -1 unknown */
	char driver[DRV_NAME_MAX]; /* "" when no driver is bound */
	char override[DRV_NAME_MAX]; /* "" for (null) */
	int group; /* IOMMU group, -1 for none */
	long numvfs; /* sriov_numvfs, -1 when not an SR-IOV PF */
	int is_vf; /* has a physfn link */
	int boot_vga; /* boot_vga: 1 the firmware's display, -1 unknown */
};

/* What the host may need a device for, from its class alone. */
enum pci_role {
	ROLE_NONE,
	ROLE_STORAGE, /* class 01: its disks */
	ROLE_DISPLAY, /* class 03 with boot_vga: its console */
	ROLE_NETWORK, /* class 02: its network */
};

enum pci_role pci_host_role(const struct vc_dev *d);
/* "storage controller", "boot display", "network controller" */
const char *pci_role_name(enum pci_role r);

/*
 * Reads the IDs, class and bound driver of the device called name, with
 * one read of its uevent (vendor/device files as fallback). Used for
 * every device during an ID scan: keep it to open, read, close.
 * 0, -ENOENT when the device is gone, or -errno / -EINVAL for a broken
 * attribute.
 */
int pci_read_ids(const struct sysfs *s, const char *name, struct vc_dev *d);

/*
 * Everything the claim decision needs: pci_read_ids plus driver_override,
 * header type, IOMMU group, SR-IOV state. Optional attributes that are
 * missing are silent; mandatory ones are an error.
 */
int pci_load(const struct sysfs *s, const char *name, struct vc_dev *d);

/* pci_load for a device whose IDs pci_read_ids just read into d. */
int pci_load_rest(const struct sysfs *s, struct vc_dev *d);

/*
 * Fills IDs, class and driver from the text of a uevent file (NUL
 * terminated). 1 when it has PCI_ID=, else 0.
 */
int pci_parse_uevent(const char *buf, struct vc_dev *d);

/*
 * "NAME/ATTR", the path of a device's attribute below bus/pci/devices, in
 * a buffer that the next call overwrites: pass it straight to sysfs_*.
 */
const char *pci_attr(const char *name, const char *attr);

/*
 * The device's modalias ("pci:v000010DEd00001B80..."): the attribute,
 * else the MODALIAS= line of its uevent; "" when neither is there. The one
 * reader for the variant choice, the records and vfioctl.
 */
void pci_read_modalias(const struct sysfs *s, const char *name, char *buf,
		       size_t size);

/*
 * IOMMU group number of a device (its iommu_group link), or -ENOENT when
 * it has none. In pci.c: iommu.c needs pci.c, never the other way.
 */
int iommu_group_of(const struct sysfs *s, const char *name);

/* Re-reads only the bound driver. 0 or -errno. */
int pci_read_driver(const struct sysfs *s, const char *name, char *drv,
		    size_t size);

/* Endpoint a VM could use: not a bridge of any kind. */
int pci_is_bridge(const struct vc_dev *d);

/* "8086:3e90" into buf of at least 10 bytes. */
void pci_id_format(const struct pci_id *id, char *buf);

/*
 * The ID scan: for every device in one directory listing, reads only its
 * uevent (open, read, close) and calls fn with its IDs. Stops on a
 * non-zero return and returns it; -errno when the listing fails.
 */
int pci_scan_ids(const struct sysfs *s,
		 int (*fn)(const char *name, const struct pci_id *id,
			   void *data),
		 void *data);

#endif
