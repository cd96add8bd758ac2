// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pci.h"

const char *pci_attr(const char *name, const char *attr)
{
	static char p[128];

	vc_path(p, sizeof(p), "%s/%s", name, attr);
	return p;
}

/* The value of KEY= in uevent text: the rest of its line, or NULL. */
static const char *uevent_get(const char *buf, const char *key, size_t klen)
{
	const char *p = buf;

	while (p) {
		if (!strncmp(p, key, klen))
			return p + klen;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

/* (pci.h) The device's modalias ("pci:v000010DEd00001B80..."): the attribute,
 * else the MODALIAS= line of its uevent; "" when neither is there.
 */
void pci_read_modalias(const struct sysfs *s, const char *name, char *buf,
		       size_t size)
{
	char ev[1024], *m, *nl;

	buf[0] = '\0';
	if (!s)
		return;
	if (sysfs_read(s->devfd, pci_attr(name, "modalias"), buf, size) > 0 &&
	    !strchr(buf, '\n'))
		return;
	buf[0] = '\0';
	if (sysfs_read(s->devfd, pci_attr(name, "uevent"), ev, sizeof(ev)) < 0)
		return;
	m = (char *)uevent_get(ev, "MODALIAS=", 9);
	if (!m)
		return;
	nl = strchr(m, '\n');
	if (nl)
		*nl = '\0';
	if (strlen(m) < size)
		strcpy(buf, m);
}

/*
 * (pci.h) The device's iommu_group link: an attribute of the device, read
 * here so that pci.c needs nothing of iommu.c (iommu.c needs pci.c).
 */
int iommu_group_of(const struct sysfs *s, const char *name)
{
	char grp[32];
	const char *end;
	long n;
	int r = sysfs_link_name(s->devfd, pci_attr(name, "iommu_group"), grp,
				sizeof(grp));

	if (r < 0)
		return r;
	end = vc_num(grp, 10, &n);
	if (!end || *end || n < 0 || n > 0x7fffffff)
		return -EINVAL;
	return (int)n;
}

void pci_id_format(const struct pci_id *id, char *buf)
{
	snprintf(buf, 10, "%04x:%04x", id->vendor & 0xffff,
		 id->device & 0xffff);
}

/* Exactly four hex digits. */
static int hex4(const char *p, unsigned int *v)
{
	unsigned int x = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = p[i] | 0x20;

		if (p[i] >= '0' && p[i] <= '9')
			x = x << 4 | (unsigned int)(p[i] - '0');
		else if (c >= 'a' && c <= 'f')
			x = x << 4 | (unsigned int)(c - 'a' + 10);
		else
			return -EINVAL;
	}
	*v = x;
	return 0;
}

/* "8086:3E90" (the rest of the line) -> two 16-bit halves. */
static int parse_pair(const char *p, unsigned int *a, unsigned int *b)
{
	if (!p || hex4(p, a) || p[4] != ':' || hex4(p + 5, b) ||
	    (p[9] && p[9] != '\n'))
		return -EINVAL;
	return 0;
}

/*
 * uevent of a PCI device:
 *   DRIVER=i915  PCI_CLASS=30000  PCI_ID=8086:3E90
 *   PCI_SUBSYS_ID=17AA:2248  PCI_SLOT_NAME=...  MODALIAS=...
 * Returns 1 when PCI_ID was found.
 */
static int uevent_ids(const char *buf, struct pci_id *id)
{
	if (parse_pair(uevent_get(buf, "PCI_ID=", 7), &id->vendor, &id->device))
		return 0;
	parse_pair(uevent_get(buf, "PCI_SUBSYS_ID=", 14), &id->subvendor,
		   &id->subdevice);
	return 1;
}

int pci_parse_uevent(const char *buf, struct vc_dev *d)
{
	const char *v;
	size_t len;
	long cls;

	if (!uevent_ids(buf, &d->id))
		return 0;
	v = uevent_get(buf, "PCI_CLASS=", 10);
	if (v && vc_num(v, 16, &cls))
		d->class = cls & 0xffffff;
	v = uevent_get(buf, "DRIVER=", 7);
	if (v) {
		len = strcspn(v, "\n");
		if (len < sizeof(d->driver)) {
			memcpy(d->driver, v, len);
			d->driver[len] = '\0';
		}
	}
	return 1;
}

/* The attribute files, for trees whose uevent lacks PCI_ID. */
static int read_id_files(const struct sysfs *s, const char *name,
			 struct vc_dev *d)
{
	char drv[DRV_NAME_MAX];
	unsigned long v, dev;
	int r;

	r = sysfs_read_hex(s->devfd, pci_attr(name, "vendor"), &v);
	if (r)
		return r;
	r = sysfs_read_hex(s->devfd, pci_attr(name, "device"), &dev);
	if (r)
		return r;
	if (v > 0xffff || dev > 0xffff)
		return -EINVAL;
	d->id.vendor = v;
	d->id.device = dev;
	if (!sysfs_read_hex(s->devfd, pci_attr(name, "subsystem_vendor"), &v))
		d->id.subvendor = v & 0xffff;
	if (!sysfs_read_hex(s->devfd, pci_attr(name, "subsystem_device"), &v))
		d->id.subdevice = v & 0xffff;
	if (!sysfs_read_hex(s->devfd, pci_attr(name, "class"), &v))
		d->class = v & 0xffffff;
	if (pci_read_driver(s, name, drv, sizeof(drv)) >= 0)
		memcpy(d->driver, drv, sizeof(drv));
	return 0;
}

int pci_read_ids(const struct sysfs *s, const char *name, struct vc_dev *d)
{
	char p[128], buf[1024];
	size_t nlen = strlen(name);
	int r;

	/* name may be d->name itself: build the path before clearing d. */
	if (vc_path(p, sizeof(p), "%s/uevent", name) < 0)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	d->hdr_type = -1;
	d->group = -1;
	d->numvfs = -1;
	d->boot_vga = -1;
	if (nlen >= sizeof(d->name))
		return -EINVAL;
	memcpy(buf, p, nlen);
	buf[nlen] = '\0';
	if (pci_addr_parse(buf, &d->addr))
		return -EINVAL;
	memmove(d->name, p, nlen);
	d->name[nlen] = '\0';

	r = sysfs_read(s->devfd, p, buf, sizeof(buf));
	if (r >= 0 && pci_parse_uevent(buf, d))
		return 0;
	if (r == -ENOENT && !sysfs_exists(s->devfd, d->name))
		return -ENOENT;
	/* No usable uevent: the attribute files say the same. */
	d->driver[0] = '\0';
	return read_id_files(s, d->name, d);
}

int pci_read_driver(const struct sysfs *s, const char *name, char *drv,
		    size_t size)
{
	int r = sysfs_link_name(s->devfd, pci_attr(name, "driver"), drv, size);

	if (r == -ENOENT) {
		drv[0] = '\0';
		return sysfs_exists(s->devfd, name) ? 0 : -ENOENT;
	}
	return r < 0 ? r : 0;
}

int pci_load(const struct sysfs *s, const char *name, struct vc_dev *d)
{
	int r = pci_read_ids(s, name, d);

	return r ? r : pci_load_rest(s, d);
}

int pci_load_rest(const struct sysfs *s, struct vc_dev *d)
{
	const char *name = d->name;
	char buf[DRV_NAME_MAX];
	unsigned char cfg[16];
	long v;
	int r;

	/* The driver link is the truth; uevent may lag behind it. */
	r = pci_read_driver(s, name, d->driver, sizeof(d->driver));
	if (r)
		return r;

	r = sysfs_read(s->devfd, pci_attr(name, "driver_override"), buf,
		       sizeof(buf));
	if (r > 0 && strcmp(buf, "(null)"))
		memcpy(d->override, buf, r + 1);

	/* The header type is config byte 0x0e, without the MF bit. */
	r = sysfs_read_bin(s->devfd, pci_attr(name, "config"), cfg,
			   sizeof(cfg));
	if (r == (int)sizeof(cfg))
		d->hdr_type = cfg[0x0e] & 0x7f;

	r = iommu_group_of(s, name);
	d->group = r >= 0 ? r : -1;

	if (!sysfs_read_int(s->devfd, pci_attr(name, "sriov_numvfs"), &v))
		d->numvfs = v;
	d->is_vf = sysfs_exists(s->devfd, pci_attr(name, "physfn"));
	if (!sysfs_read_int(s->devfd, pci_attr(name, "boot_vga"), &v))
		d->boot_vga = v == 1;
	return 0;
}

enum pci_role pci_host_role(const struct vc_dev *d)
{
	switch (d->class >> 16) {
	case 0x01:
		return ROLE_STORAGE;
	case 0x02:
		return ROLE_NETWORK;
	case 0x03:
		return d->boot_vga == 1 ? ROLE_DISPLAY : ROLE_NONE;
	default:
		return ROLE_NONE;
	}
}

const char *pci_role_name(enum pci_role r)
{
	return vc_nth("nothing\0storage controller\0boot display\0network "
		      "controller",
		      r);
}

int pci_is_bridge(const struct vc_dev *d)
{
	unsigned int cls = d->class >> 8;

	return d->hdr_type > 0 || cls == 0x0604 || cls == 0x0607;
}

int pci_scan_ids(const struct sysfs *s,
		 int (*fn)(const char *name, const struct pci_id *id,
			   void *data),
		 void *data)
{
	char path[PCI_NAME_MAX + 8], buf[1024];
	DIR *dir = sysfs_opendir(s->devfd, ".");
	struct dirent *de;
	int r = 0;

	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		size_t len = strlen(de->d_name);
		struct vc_dev d;
		int n;

		if (de->d_name[0] == '.' || len >= PCI_NAME_MAX)
			continue;
		/* The hot path: open, read, close; no formatting. */
		memcpy(path, de->d_name, len);
		memcpy(path + len, "/uevent", 8);
		memset(&d.id, 0, sizeof(d.id));
		n = sysfs_read(s->devfd, path, buf, sizeof(buf));
		if (n <= 0 || !uevent_ids(buf, &d.id)) {
			if (pci_addr_parse(de->d_name, &d.addr))
				continue; /* not a PCI name */
			n = pci_read_ids(s, de->d_name, &d);
			if (n == -ENOENT)
				continue; /* gone since the listing */
			if (n) {
				vc_warn("%s: unreadable IDs (%s); not matched",
					de->d_name, vc_strerror(n));
				continue;
			}
		}
		r = fn(de->d_name, &d.id, data);
		if (r)
			break;
	}
	closedir(dir);
	return r;
}
