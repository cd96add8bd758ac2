// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Is the running host using a PCI device? vfioctl bind asks before it
 * hands one to vfio-pci, and refuses (unless --force) when:
 *
 * - a block device below it (a disk, an NVMe namespace, a partition) is
 *   mounted (PROC/self/mountinfo, by major:minor or by /dev/NAME as the
 *   mount source; PROC/mounts when there is no mountinfo), is swap
 *   (PROC/swaps), or is held by dm, md or LVM (its holders/ directory in
 *   sysfs is not empty), or is held open exclusively (an O_EXCL open of
 *   its node under DEV fails with EBUSY: a ZFS pool, a btrfs filesystem's
 *   second device; bdev_excl());
 * - a network interface below it is up and has an address or carries a
 *   default route, itself or through its bridge or bond (busy-net.c);
 * - it is the boot display (pci_host_role(): a display controller with
 *   boot_vga = 1) and the console is on it: a
 *   framebuffer of this device (class/graphics/fb*), or the firmware's
 *   (efifb, simplefb: a framebuffer with no PCI device), while a console
 *   is bound to the framebuffer (class/vtconsole/vtcon* with bind 1 and
 *   name "frame buffer device"), or the VGA text console (vgacon) is
 *   bound.
 *
 * "Below it" is the device's directory in sysfs: the kernel puts every
 * child (nvme/nvme0/nvme0n1, host0/.../block/sda, virtio0/net/eth0)
 * there. NVMe multipath namespaces live under
 * devices/virtual/nvme-subsystem/nvme-subsysN; they count for every
 * controller linked in that subsystem's directory.
 *
 * Every path is a vctl setting: the sysfs root, the proc directory
 * (PROC: --proc, or ROOT/proc) and the device directory (DEV: --dev, or
 * ROOT/dev), so fixtures can fake them. Without a proc directory the
 * mount, swap and network checks do not run; without DEV, exclusivity.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "busy.h"
#include "busy-int.h"

int busy_resolve(const char *root, const char *rel, char *buf)
{
	char p[PATH_MAX];

	if (vc_path(p, sizeof(p), "%s/%s", root, rel) < 0 || !realpath(p, buf))
		return -1;
	return 0;
}

int busy_below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '/' || !path[n]);
}

/* Reads a small file at an absolute path. Length or -1. */
static int read_abs(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return (int)n;
}

/* ---- block devices ---- */

/* The first entry of dir/holders, with its dm name when it has one. */
static int holder(const char *dir, char *buf, size_t size)
{
	char p[PATH_MAX], name[128];
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (vc_path(p, sizeof(p), "%s/holders", dir) < 0)
		return 0;
	d = opendir(p);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (vc_path(p, sizeof(p), "%s/holders/%s/dm/name", dir,
			    de->d_name) >= 0 &&
		    read_abs(p, name, sizeof(name)) > 0)
			vctl_fmt(buf, size, "%s (%s)", de->d_name, name);
		else
			vctl_fmt(buf, size, "%s", de->d_name);
		r = 1;
		break;
	}
	closedir(d);
	return r;
}

/*
 * Is the block device NAME (major:minor in devno) used: mounted, swap?
 * why gets the line.
 */
static int bdev_used(const struct vctl *c, const char *name, const char *devno,
		     char *why, size_t size)
{
	char p[PATH_MAX], line[4096], dev[PATH_MAX];
	int found = 0;
	FILE *f;

	if (!c->proc[0])
		return 0;
	vctl_fmt(dev, sizeof(dev), "/dev/%s", name);
	/* mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT ... - FSTYPE SOURCE */
	if (vc_path(p, sizeof(p), "%s/self/mountinfo", c->proc) >= 0 &&
	    (f = fopen(p, "re"))) {
		while (!found && fgets(line, sizeof(line), f)) {
			char mm[32], mnt[2048], *sep, src[2048];

			if (sscanf(line, "%*s %*s %31s %*s %2047s", mm, mnt) !=
			    2)
				continue;
			sep = strstr(line, " - ");
			if (!sep || sscanf(sep + 3, "%*s %2047s", src) != 1)
				src[0] = '\0';
			if ((devno[0] && !strcmp(mm, devno)) ||
			    !strcmp(src, dev)) {
				vctl_fmt(why, size, "%s is mounted on %s", name,
					 mnt);
				found = 1;
			}
		}
		fclose(f);
	} else if (vc_path(p, sizeof(p), "%s/mounts", c->proc) >= 0 &&
		   (f = fopen(p, "re"))) {
		while (!found && fgets(line, sizeof(line), f)) {
			char src[2048], mnt[2048];

			if (sscanf(line, "%2047s %2047s", src, mnt) == 2 &&
			    !strcmp(src, dev)) {
				vctl_fmt(why, size, "%s is mounted on %s", name,
					 mnt);
				found = 1;
			}
		}
		fclose(f);
	}
	if (found)
		return 1;
	if (vc_path(p, sizeof(p), "%s/swaps", c->proc) >= 0 &&
	    (f = fopen(p, "re"))) {
		while (!found && fgets(line, sizeof(line), f)) {
			char src[2048];

			if (sscanf(line, "%2047s", src) == 1 &&
			    !strcmp(src, dev)) {
				vctl_fmt(why, size, "%s is in use as swap",
					 name);
				found = 1;
			}
		}
		fclose(f);
	}
	return found;
}

/*
 * Is the block device name (major:minor in devno) held open exclusively?
 * The kernel's own answer, for users that leave no other trace: a ZFS
 * pool's vdevs and a btrfs filesystem's devices other than the one the
 * mount names are claimed (vdev_disk_open, btrfs_open_one_device), with
 * no holders/ link and no mount source naming them.
 *
 * An exclusive open claims the device with the file as holder
 * (block/bdev.c: blkdev_get_by_dev, bdev_open in newer kernels, calls
 * bd_prepare_to_claim), and bd_may_claim lets
 * no second holder in: the claim fails with EBUSY when another holder has
 * the device, or has the whole disk of a partition; a claimed partition
 * marks its whole disk (bd_finish_claiming: whole->bd_holder =
 * bd_may_claim), so the disk's own O_EXCL open fails too. Mounts, swap,
 * dm and md claim the same way; they are named by the checks before.
 *
 * The node: DEV/NAME, else DEV/block/MAJ:MIN, and only one that is this
 * device (st_rdev; a regular file, in a fake --root, is asked as it is).
 * Opened read-only, O_NONBLOCK (no media wait, no tray) and closed at
 * once: the claim ends with the close (blkdev_put; bdev_release in
 * newer kernels), nothing is read or written, and a read-only close raises no
 * udev "change" (its watch is IN_CLOSE_WRITE). EACCES or any other failure
 * cannot tell; -v says so.
 */
static int bdev_excl(const struct vctl *c, const char *name, const char *devno,
		     char *why, size_t size)
{
	char p[PATH_MAX];
	unsigned int maj, min;
	struct stat st;
	int i, fd, e, have;

	if (!c->dev[0])
		return 0;
	have = sscanf(devno, "%u:%u", &maj, &min) == 2;
	for (i = 0; i < 2; i++) {
		if (i == 0 && vc_path(p, sizeof(p), "%s/%s", c->dev, name) < 0)
			continue;
		if (i == 1 && (!have || vc_path(p, sizeof(p), "%s/block/%u:%u",
						c->dev, maj, min) < 0))
			break;
		if (stat(p, &st) ||
		    (S_ISBLK(st.st_mode) &&
		     (!have || st.st_rdev != makedev(maj, min))) ||
		    (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode)))
			continue;
		fd = open(p, O_RDONLY | O_EXCL | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		e = errno;
		if (e == EBUSY) {
			vctl_fmt(why, size,
				 "%s is held open exclusively (a ZFS pool, "
				 "btrfs "
				 "or another exclusive user)",
				 name);
			return 1;
		}
		if (c->verbose)
			fprintf(stderr,
				"vfioctl: note: cannot tell whether %s is held "
				"open exclusively: %s: %s\n",
				name, p, strerror(e));
		return 0;
	}
	return 0;
}

/*
 * The disk or partition at dir (absolute), called name: mounted, swap or
 * held (excl 0), or held open exclusively (excl 1).
 */
static int bdev_busy(const struct vctl *c, const char *dir, const char *name,
		     int excl, char *why, size_t size)
{
	char p[PATH_MAX], devno[32], h[160];

	if (vc_path(p, sizeof(p), "%s/dev", dir) < 0 ||
	    read_abs(p, devno, sizeof(devno)) < 0)
		devno[0] = '\0';
	if (excl)
		return bdev_excl(c, name, devno, why, size);
	if (bdev_used(c, name, devno, why, size))
		return 1;
	if (holder(dir, h, sizeof(h))) {
		vctl_fmt(why, size, "%s is held by %s", name, h);
		return 1;
	}
	return 0;
}

/*
 * The disk at dir and each of its partitions: first what names them
 * (mounts, swap, holders), then exclusivity, the partitions before the
 * disk (a held partition makes the disk's own exclusive open fail too,
 * and the partition is the one to name).
 */
/* What scandir() gave. */
static void free_names(struct dirent **de, int n)
{
	while (n > 0)
		free(de[--n]);
	free(de);
}

static int disk_busy(const struct vctl *c, const char *dir, const char *name,
		     char *why, size_t size)
{
	char p[PATH_MAX];
	struct dirent **de;
	struct stat st;
	int excl, i, n, r = 0;

	if (bdev_busy(c, dir, name, 0, why, size))
		return 1;
	/* By name, so that the partition named is the same on every file
	 * system the tree is on (readdir's order is the file system's). */
	n = scandir(dir, &de, NULL, alphasort);
	if (n < 0)
		return 0;
	for (excl = 0; excl < 2 && !r; excl++) {
		for (i = 0; i < n && !r; i++) {
			if (de[i]->d_name[0] == '.' ||
			    vc_path(p, sizeof(p), "%s/%s/partition", dir,
				    de[i]->d_name) < 0 ||
			    stat(p, &st))
				continue;
			vc_path(p, sizeof(p), "%s/%s", dir, de[i]->d_name);
			r = bdev_busy(c, p, de[i]->d_name, excl, why, size);
		}
		if (!r && excl)
			r = bdev_busy(c, dir, name, 1, why, size);
	}
	free_names(de, n);
	return r;
}

/*
 * A multipath namespace (.../nvme-subsystem/nvme-subsysN/nvmeXnY) is
 * below devdir when a controller of that subsystem is.
 */
static int subsys_below(const char *disk, const char *devdir)
{
	char sub[PATH_MAX], p[PATH_MAX], t[PATH_MAX], *slash;
	struct dirent *de;
	DIR *d;
	int r = 0;

	vctl_fmt(sub, sizeof(sub), "%s", disk);
	slash = strrchr(sub, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	slash = strrchr(sub, '/');
	if (!slash || strncmp(slash + 1, "nvme-subsys", 11))
		return 0;
	d = opendir(sub);
	if (!d)
		return 0;
	while (!r && (de = readdir(d))) {
		if (strncmp(de->d_name, "nvme", 4) ||
		    !strncmp(de->d_name, "nvme-", 5))
			continue;
		if (vc_path(p, sizeof(p), "%s/%s", sub, de->d_name) >= 0 &&
		    realpath(p, t) && busy_below(t, devdir))
			r = 1;
	}
	closedir(d);
	return r;
}

static int block_busy(const struct vctl *c, const char *devdir, char *why,
		      size_t size)
{
	char rel[PATH_MAX], disk[PATH_MAX];
	struct dirent **de;
	int i, n, r = 0;

	/* By name, as disk_busy's partitions. */
	if (vc_path(rel, sizeof(rel), "%s/block", c->sysroot) < 0)
		return 0;
	n = scandir(rel, &de, NULL, alphasort);
	if (n < 0)
		return 0;
	for (i = 0; i < n && !r; i++) {
		if (de[i]->d_name[0] == '.')
			continue;
		vctl_fmt(rel, sizeof(rel), "block/%s", de[i]->d_name);
		if (busy_resolve(c->sysroot, rel, disk))
			continue;
		if (!busy_below(disk, devdir) && !subsys_below(disk, devdir))
			continue;
		r = disk_busy(c, disk, de[i]->d_name, why, size);
	}
	free_names(de, n);
	return r;
}

/* ---- the boot display ---- */

/* A framebuffer console, or the VGA text console, is bound. */
static int console_bound(const struct vctl *c, int *fbcon, char *name,
			 size_t size)
{
	char p[256], v[128];
	struct dirent *de;
	long bound;
	DIR *d;
	int r = 0;

	*fbcon = 0;
	d = sysfs_opendir(c->sys.rootfd, "class/vtconsole");
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "vtcon", 5))
			continue;
		vctl_fmt(p, sizeof(p), "class/vtconsole/%s/bind", de->d_name);
		if (sysfs_read_int(c->sys.rootfd, p, &bound) || bound != 1)
			continue;
		vctl_fmt(p, sizeof(p), "class/vtconsole/%s/name", de->d_name);
		if (sysfs_read(c->sys.rootfd, p, v, sizeof(v)) < 0)
			continue;
		if (strstr(v, "frame buffer device")) {
			*fbcon = 1;
			vctl_fmt(name, size, "%s", de->d_name);
			r = 1;
		} else if (strstr(v, "VGA") && !r) {
			vctl_fmt(name, size, "%s (%s)", de->d_name, v);
			r = 1;
		}
	}
	closedir(d);
	return r;
}

static int display_busy(const struct vctl *c, const struct vc_dev *dev,
			const char *devdir, char *why, size_t size)
{
	char path[PATH_MAX], con[96], fbname[64], mine[96] = "", firm[96] = "";
	struct dirent *de;
	int fbcon;
	DIR *d;

	if (pci_host_role(dev) != ROLE_DISPLAY)
		return 0;
	if (!console_bound(c, &fbcon, con, sizeof(con)))
		return 0;
	if (!fbcon) {
		vctl_fmt(why, size,
			 "it is the boot display and the VGA text console "
			 "%s is on it",
			 con);
		return 1;
	}
	d = sysfs_opendir(c->sys.rootfd, "class/graphics");
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char rel[128];

		if (strncmp(de->d_name, "fb", 2))
			continue;
		vctl_fmt(rel, sizeof(rel), "class/graphics/%s/name",
			 de->d_name);
		if (sysfs_read(c->sys.rootfd, rel, fbname, sizeof(fbname)) < 0)
			fbname[0] = '\0';
		vctl_fmt(rel, sizeof(rel), "class/graphics/%s/device",
			 de->d_name);
		if (busy_resolve(c->sysroot, rel, path))
			continue;
		if (busy_below(path, devdir))
			vctl_fmt(mine, sizeof(mine), "%s (%s)", de->d_name,
				 fbname);
		else if (!strstr(path, "/devices/pci"))
			/* efifb, simplefb: the firmware's, on this GPU */
			vctl_fmt(firm, sizeof(firm), "%s (%s)", de->d_name,
				 fbname);
	}
	closedir(d);
	if (!mine[0] && !firm[0])
		return 0;
	vctl_fmt(why, size,
		 "it is the boot display and the console (%s) is on its "
		 "framebuffer %s",
		 con, mine[0] ? mine : firm);
	return 1;
}

/* The device's directory under the sysfs root, or -1 when it has none. */
static int dev_dir(const struct vctl *c, const struct vc_dev *d, char *devdir)
{
	char rel[128];

	vctl_fmt(rel, sizeof(rel), "bus/pci/devices/%s", d->name);
	return busy_resolve(c->sysroot, rel, devdir);
}

int vctl_display_used(const struct vctl *c, const struct vc_dev *d, char *why,
		      size_t size)
{
	char devdir[PATH_MAX];

	why[0] = '\0';
	if (dev_dir(c, d, devdir))
		return 0;
	return display_busy(c, d, devdir, why, size);
}

int vctl_host_uses(const struct vctl *c, const struct vc_dev *d, char *why,
		   size_t size)
{
	char devdir[PATH_MAX];

	why[0] = '\0';
	if (dev_dir(c, d, devdir))
		return 0;
	return block_busy(c, devdir, why, size) ||
	       busy_net(c, devdir, why, size) ||
	       display_busy(c, d, devdir, why, size);
}
