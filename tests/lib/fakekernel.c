// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fakekernel.so: an LD_PRELOAD shim that makes writes into a fake sysfs
 * tree (made by mktree, rooted at $FAKE_SYSFS_ROOT) behave like the
 * kernel's PCI core, so that the dynamic builds of vfio-claim can be run
 * against it and the outcome (which driver each device ends on) checked.
 *
 * Only opens for writing of these attributes under the root are taken
 * over; everything else goes straight to libc:
 *   DEV/driver_override    "NAME" sets it, "\n" or "" clears it to (null)
 *   drivers/X/unbind       ADDR: unbinds ADDR from X (ENODEV when ADDR is
 *                          not on X)
 *   drivers/X/bind         ADDR: binds it to X (EBUSY when bound, ENODEV
 *                          when its driver_override names another driver)
 *   drivers_probe          ADDR: when unbound, binds it to its
 *                          driver_override driver if that is registered,
 *                          else (no override) to a driver whose dynamic
 *                          IDs name it, else to its .native driver if
 *                          registered; nothing when none applies
 *   drivers/X/new_id       "VVVV DDDD ...": adds the dynamic ID VVVV DDDD
 *                          to X (drivers/X/.dynids, one "VVVV DDDD" a
 *                          line; a test may write that file itself, as
 *                          vfio-pci.ids= does at module load)
 *   drivers/X/remove_id    "VVVV DDDD": removes it (ENODEV when X has no
 *                          such ID)
 * A device with a .bindgroup file (N) and no iommu_group joins group N
 * when any driver binds it while class/iommu is not empty, as the kernel
 * configures DMA for a device behind virtio-iommu (ACPI VIOT) at probe.
 * vfio-pci's probe fails (the device stays unbound; bind says EINVAL)
 * when the device has a .refuse file, or no iommu_group link while
 * module/vfio/parameters/enable_unsafe_noiommu_mode is not Y.
 *
 * Fault injection, by hidden files in the device's directory:
 *   .fail-ATTR        holds an errno name (EBUSY, ENODEV, EINVAL,
 *                     ENOENT, EIO, EPERM, ...): writes to ATTR for this
 *                     device fail with it, nothing changes. ATTR is
 *                     driver_override, unbind, bind or drivers_probe.
 *   .vanish-on-ATTR   writing ATTR for this device removes the device
 *                     (bus/pci/devices link, driver and group links, its
 *                     directory) and the write fails with ENODEV; if the
 *                     file says "after", the write is done first and
 *                     succeeds.
 *   .bind-on-ATTR     holds a driver name: just before a write to ATTR
 *                     for this device, that driver binds it when it is
 *                     unbound (a module that loaded in the window
 *                     between a plan and the write); the file is then
 *                     removed, so it happens once.
 * Every write to a sysfs path under the root is logged to ROOT/.writes
 * as "ATTR TARGET VALUE RESULT" (TARGET: the device for driver_override,
 * the driver for bind/unbind/new_id/remove_id, - for drivers_probe;
 * VALUE with \n shown as \n, "" when empty; RESULT ok or the errno name),
 * and writes elsewhere in bus/, devices/, kernel/, class/, module/ as
 * "write RELPATH VALUE ok" (they go through to the file).
 *
 * tests/lib/fake-modprobe, started by vfio-claim before its plan, waits
 * for its parent's waitpid: waitpid(PID) creates ROOT/.modprobe-go-PID.
 * With ROOT/.modprobe-early, a driver_override write waits (5 s at most)
 * for ROOT/.modprobe-done instead: vfio-pci registered before the write.
 *
 * With $FAKE_DEV_ROOT set (a fake /dev), opening $FAKE_DEV_ROOT/vfio/N in
 * any mode fails with EBUSY while $FAKE_DEV_ROOT/vfio/N.busy exists, as a
 * group that a VM holds open does. An open with O_EXCL (and no O_CREAT) of
 * any other $FAKE_DEV_ROOT/PATH fails with the errno named in
 * $FAKE_DEV_ROOT/PATH.excl (EBUSY when it is empty) while that file
 * exists, as the kernel fails an O_EXCL open of a block device that
 * someone claimed exclusively (block/bdev.c, bd_prepare_to_claim: a
 * mounted filesystem, a ZFS pool or btrfs member, dm, md, swap); "EACCES"
 * plays a caller without the permission to open it.
 *
 * A tracked descriptor stays tracked through dup, dup2, dup3 and
 * fcntl(F_DUPFD): a shell's "printf ADDR > drivers_probe" writes through
 * the copy.
 *
 * Works under ASan too (ASAN_OPTIONS=verify_asan_link_order=0).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum kind {
	K_NONE,
	K_OVERRIDE,
	K_UNBIND,
	K_BIND,
	K_PROBE,
	K_NEWID,
	K_REMOVEID,
	K_OTHER,
};

struct tracked {
	enum kind kind;
	char arg[128]; /* device (override), driver, or relative path */
};

#define MAX_FD 1024

static struct tracked fds[MAX_FD];
static char root[PATH_MAX], rroot[PATH_MAX], devroot[PATH_MAX];
static size_t rootlen, rrootlen, devrootlen;
static int inited, busy;

static int (*real_open)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_close)(int);
static int (*real_dup)(int);
static int (*real_dup2)(int, int);
static int (*real_dup3)(int, int, int);
static int (*real_fcntl)(int, int, ...);
static pid_t (*real_waitpid)(pid_t, int *, int);

/* buf = $ENV without trailing slashes; returns its length, 0 if unset. */
static size_t env_dir(const char *env, char *buf, size_t size)
{
	const char *r = getenv(env);
	size_t n;

	if (!r || !*r || strlen(r) >= size)
		return 0;
	strcpy(buf, r);
	n = strlen(buf);
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = '\0';
	return n;
}

static void init(void)
{
	if (inited)
		return;
	inited = 1;
	real_open = dlsym(RTLD_NEXT, "open");
	real_openat = dlsym(RTLD_NEXT, "openat");
	real_write = dlsym(RTLD_NEXT, "write");
	real_close = dlsym(RTLD_NEXT, "close");
	real_dup = dlsym(RTLD_NEXT, "dup");
	real_dup2 = dlsym(RTLD_NEXT, "dup2");
	real_dup3 = dlsym(RTLD_NEXT, "dup3");
	real_fcntl = dlsym(RTLD_NEXT, "fcntl");
	real_waitpid = dlsym(RTLD_NEXT, "waitpid");
	devrootlen = env_dir("FAKE_DEV_ROOT", devroot, sizeof(devroot));
	rootlen = env_dir("FAKE_SYSFS_ROOT", root, sizeof(root));
	if (rootlen && realpath(root, rroot))
		rrootlen = strlen(rroot);
}

/* ---- helpers that use the real calls ---- */

/* strlcpy: a truncated name simply matches nothing. */
static void cpy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int rpath(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int rpath(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(buf, size, "%s/", root);
	va_start(ap, fmt);
	n = vsnprintf(buf + n, size - n, fmt, ap);
	va_end(ap);
	return n;
}

static int read_small(const char *path, char *buf, size_t size)
{
	int fd = real_open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	real_close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return (int)n;
}

static void write_file(const char *path, const char *s, size_t len, int flags)
{
	int fd = real_open(path, O_WRONLY | O_CLOEXEC | flags, 0644);

	if (fd < 0)
		return;
	if (real_write(fd, s, len) < 0)
		fd = -fd - 1;
	real_close(fd < 0 ? -fd - 1 : fd);
}

static void logw(const char *attr, const char *target, const char *val,
		 size_t len, const char *result)
{
	char line[1024], p[PATH_MAX];
	size_t i;
	int n;

	n = snprintf(line, sizeof(line), "%s %s ", attr, target);
	if (len == 0)
		n += snprintf(line + n, sizeof(line) - n, "\"\"");
	for (i = 0; i < len && n < (int)sizeof(line) - 8; i++) {
		unsigned char c = val[i];

		if (c == '\n')
			n += snprintf(line + n, sizeof(line) - n, "\\n");
		else if (c <= ' ' || c >= 0x7f || c == '\\')
			n += snprintf(line + n, sizeof(line) - n, "\\x%02x", c);
		else
			line[n++] = c;
	}
	n += snprintf(line + n, sizeof(line) - n, " %s\n", result);
	rpath(p, sizeof(p), ".writes");
	write_file(p, line, n, O_CREAT | O_APPEND);
}

static const struct {
	const char *name;
	int err;
} errs[] = {
	{ "EBUSY", EBUSY },   { "ENODEV", ENODEV }, { "EINVAL", EINVAL },
	{ "ENOENT", ENOENT }, { "EIO", EIO },	    { "EPERM", EPERM },
	{ "EACCES", EACCES }, { "ENOSPC", ENOSPC }, { "ENXIO", ENXIO },
	{ "EAGAIN", EAGAIN }, { "EEXIST", EEXIST }, { "ENOMEM", ENOMEM },
};

static int errno_of(const char *name)
{
	unsigned int i;

	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		if (!strcmp(errs[i].name, name))
			return errs[i].err;
	return EIO;
}

static const char *errno_name(int e)
{
	unsigned int i;

	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		if (errs[i].err == e)
			return errs[i].name;
	return "EIO";
}

/* bus/pci/KIND/NAME is a directory; NAME a plain name, not a path. */
static int pci_dir(const char *kind, const char *name)
{
	char p[PATH_MAX];
	struct stat st;

	if (!*name || strchr(name, '/') || name[0] == '.')
		return 0;
	rpath(p, sizeof(p), "bus/pci/%s/%s", kind, name);
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int dev_exists(const char *dev)
{
	return pci_dir("devices", dev);
}

static void dev_driver(const char *dev, char *drv, size_t size)
{
	char p[PATH_MAX], t[PATH_MAX], *s;
	ssize_t n;

	drv[0] = '\0';
	rpath(p, sizeof(p), "bus/pci/devices/%s/driver", dev);
	n = readlink(p, t, sizeof(t) - 1);
	if (n <= 0)
		return;
	t[n] = '\0';
	s = strrchr(t, '/');
	cpy(drv, size, s ? s + 1 : t);
}

static int driver_registered(const char *drv)
{
	return pci_dir("drivers", drv);
}

/* "../../../devices/pci0000:00/ADDR", the target of bus/pci/devices/ADDR. */
static int dev_target(const char *dev, char *t, size_t size)
{
	char p[PATH_MAX];
	ssize_t n;

	rpath(p, sizeof(p), "bus/pci/devices/%s", dev);
	n = readlink(p, t, size - 1);
	if (n <= 0)
		return -1;
	t[n] = '\0';
	return 0;
}

/* Rewrites the DRIVER= line of uevent, as the kernel generates it. */
static void set_uevent_driver(const char *dev, const char *drv)
{
	char p[PATH_MAX], in[4096], out[4096];
	char *line, *nl;
	int n = 0;

	rpath(p, sizeof(p), "bus/pci/devices/%s/uevent", dev);
	if (read_small(p, in, sizeof(in)) < 0)
		return;
	if (*drv)
		n = snprintf(out, sizeof(out), "DRIVER=%s\n", drv);
	for (line = in; line && *line; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		if (!strncmp(line, "DRIVER=", 7))
			continue;
		n += snprintf(out + n, sizeof(out) - n, "%s\n", line);
		/* snprintf counts what did not fit: never write past out. */
		if (n >= (int)sizeof(out)) {
			n = sizeof(out) - 1;
			break;
		}
	}
	write_file(p, out, n, O_TRUNC);
}

static void do_bind(const char *dev, const char *drv)
{
	char p[PATH_MAX], t[PATH_MAX], l[PATH_MAX + 4];

	if (dev_target(dev, t, sizeof(t)))
		return;
	rpath(p, sizeof(p), "bus/pci/devices/%s/driver", dev);
	snprintf(l, sizeof(l), "../../../bus/pci/drivers/%s", drv);
	if (symlink(l, p))
		return;
	rpath(p, sizeof(p), "bus/pci/drivers/%s/%s", drv, dev);
	snprintf(l, sizeof(l), "../%s", t);
	if (symlink(l, p))
		return;
	set_uevent_driver(dev, drv);
}

static void do_unbind(const char *dev, const char *drv)
{
	char p[PATH_MAX];

	rpath(p, sizeof(p), "bus/pci/devices/%s/driver", dev);
	unlink(p);
	rpath(p, sizeof(p), "bus/pci/drivers/%s/%s", drv, dev);
	unlink(p);
	set_uevent_driver(dev, "");
}

static int vfio_can_take(const char *dev)
{
	char p[PATH_MAX], v[16];
	struct stat st;

	rpath(p, sizeof(p), "bus/pci/devices/%s/.refuse", dev);
	if (stat(p, &st) == 0)
		return 0;
	rpath(p, sizeof(p), "bus/pci/devices/%s/iommu_group", dev);
	if (lstat(p, &st) == 0)
		return 1;
	rpath(p, sizeof(p),
	      "module/vfio/parameters/enable_unsafe_noiommu_mode");
	read_small(p, v, sizeof(v));
	return v[0] == 'Y' || v[0] == 'y' || v[0] == '1';
}

/* Puts dev (no iommu_group link yet) in group v: the links
 * iommu_group_add_device makes. */
static void join_group(const char *dev, const char *v)
{
	char p[PATH_MAX], l[PATH_MAX + 4], t[PATH_MAX];

	rpath(l, sizeof(l), "kernel/iommu_groups/%s", v);
	mkdir(l, 0755);
	rpath(l, sizeof(l), "kernel/iommu_groups/%s/devices", v);
	mkdir(l, 0755);
	rpath(p, sizeof(p), "bus/pci/devices/%s/iommu_group", dev);
	snprintf(t, sizeof(t), "../../../kernel/iommu_groups/%s", v);
	if (symlink(t, p))
		return;
	if (dev_target(dev, t, sizeof(t)))
		return;
	rpath(p, sizeof(p), "kernel/iommu_groups/%s/devices/%s", v, dev);
	/* t is relative to bus/pci/devices: "../../../devices/..." */
	snprintf(l, sizeof(l), "../%s", t);
	if (symlink(l, p))
		return;
}

/* The late group of a .bindgroup device, once an IOMMU is registered. */
static void group_at_bind(const char *dev)
{
	char p[PATH_MAX], l[PATH_MAX + 4], v[16];
	struct dirent *de;
	struct stat st;
	int n = 0, fd;
	DIR *dir;

	rpath(p, sizeof(p), "bus/pci/devices/%s/.bindgroup", dev);
	if (read_small(p, v, sizeof(v)) <= 0)
		return;
	rpath(p, sizeof(p), "bus/pci/devices/%s/iommu_group", dev);
	if (lstat(p, &st) == 0)
		return;
	rpath(l, sizeof(l), "class/iommu");
	fd = real_open(l, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dir = fd < 0 ? NULL : fdopendir(fd);
	if (!dir)
		return;
	while ((de = readdir(dir)))
		n += de->d_name[0] != '.';
	closedir(dir);
	if (!n)
		return;
	v[strcspn(v, "\n")] = '\0';
	join_group(dev, v);
}

/*
 * vfio-pci binding a device with no IOMMU group in no-IOMMU mode: vfio
 * makes a group of its own for it (drivers/vfio/group.c,
 * vfio_noiommu_group_alloc: iommu_group_alloc() takes the lowest free
 * number, named "vfio-noiommu", and iommu_group_add_device() links it).
 */
static void noiommu_group(const char *dev)
{
	char p[PATH_MAX], v[16];
	struct stat st;
	int n;

	rpath(p, sizeof(p), "bus/pci/devices/%s/iommu_group", dev);
	if (lstat(p, &st) == 0)
		return;
	for (n = 0; n < 100000; n++) {
		rpath(p, sizeof(p), "kernel/iommu_groups/%d", n);
		if (lstat(p, &st) != 0)
			break;
	}
	snprintf(v, sizeof(v), "%d", n);
	rpath(p, sizeof(p), "kernel/iommu_groups");
	mkdir(p, 0755);
	join_group(dev, v);
	rpath(p, sizeof(p), "kernel/iommu_groups/%d/name", n);
	write_file(p, "vfio-noiommu\n", 13, O_CREAT | O_TRUNC);
}

/* A driver's probe: vfio-pci may refuse; the others always accept. */
static int probe(const char *dev, const char *drv)
{
	group_at_bind(dev);
	if (!strcmp(drv, "vfio-pci") && !vfio_can_take(dev))
		return -EINVAL;
	if (!strcmp(drv, "vfio-pci"))
		noiommu_group(dev);
	do_bind(dev, drv);
	return 0;
}

/* Reads "VVVV DDDD" from the start of s. 0 or -1. */
static int parse_id(const char *s, unsigned int *v, unsigned int *d)
{
	return sscanf(s, "%x %x", v, d) == 2 ? 0 : -1;
}

/* drivers/DRV/.dynids names VENDOR DEVICE. */
static int dynid_has(const char *drv, unsigned int vendor, unsigned int device)
{
	char p[PATH_MAX], buf[4096], *line, *nl;
	unsigned int v, d;

	rpath(p, sizeof(p), "bus/pci/drivers/%s/.dynids", drv);
	if (read_small(p, buf, sizeof(buf)) < 0)
		return 0;
	for (line = buf; line && *line; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		if (!parse_id(line, &v, &d) && v == vendor && d == device)
			return 1;
	}
	return 0;
}

static int dev_id(const char *dev, unsigned int *vendor, unsigned int *device)
{
	char p[PATH_MAX], v[32];

	rpath(p, sizeof(p), "bus/pci/devices/%s/vendor", dev);
	if (read_small(p, v, sizeof(v)) <= 0)
		return -1;
	*vendor = strtoul(v, NULL, 16);
	rpath(p, sizeof(p), "bus/pci/devices/%s/device", dev);
	if (read_small(p, v, sizeof(v)) <= 0)
		return -1;
	*device = strtoul(v, NULL, 16);
	return 0;
}

/* A registered driver with a dynamic ID for dev, into drv; 0 or -1. */
static int dynid_driver(const char *dev, char *drv, size_t size)
{
	char p[PATH_MAX];
	unsigned int v, d;
	struct dirent *de;
	DIR *dir;
	int fd, r = -1;

	if (dev_id(dev, &v, &d))
		return -1;
	rpath(p, sizeof(p), "bus/pci/drivers");
	fd = real_open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dir = fd < 0 ? NULL : fdopendir(fd);
	if (!dir)
		return -1;
	while (r && (de = readdir(dir)))
		if (de->d_name[0] != '.' && dynid_has(de->d_name, v, d)) {
			cpy(drv, size, de->d_name);
			r = 0;
		}
	closedir(dir);
	return r;
}

/* new_id / remove_id on drv with "VVVV DDDD ...". */
static int dynid_change(const char *drv, const char *val, int add)
{
	char p[PATH_MAX], buf[4096], out[4096], *line, *nl;
	unsigned int v, d, lv, ld;
	int n = 0, found = 0;

	if (parse_id(val, &v, &d))
		return -EINVAL;
	rpath(p, sizeof(p), "bus/pci/drivers/%s/.dynids", drv);
	if (read_small(p, buf, sizeof(buf)) < 0)
		buf[0] = '\0';
	for (line = buf; line && *line; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		if (!parse_id(line, &lv, &ld) && lv == v && ld == d) {
			found = 1;
			if (!add)
				continue;
		}
		n += snprintf(out + n, sizeof(out) - n, "%s\n", line);
	}
	if (!add && !found)
		return -ENODEV;
	if (add && found)
		return -EEXIST;
	if (add)
		n += snprintf(out + n, sizeof(out) - n, "%04x %04x\n", v, d);
	write_file(p, out, n, O_CREAT | O_TRUNC);
	return 0;
}

static void vanish(const char *dev)
{
	char p[PATH_MAX], t[PATH_MAX], drv[128], grp[PATH_MAX], *s;
	struct dirent *de;
	ssize_t n;
	DIR *dir;
	int fd;

	if (dev_target(dev, t, sizeof(t)))
		return;
	dev_driver(dev, drv, sizeof(drv));
	if (*drv) {
		rpath(p, sizeof(p), "bus/pci/drivers/%s/%s", drv, dev);
		unlink(p);
	}
	rpath(p, sizeof(p), "bus/pci/devices/%s/iommu_group", dev);
	n = readlink(p, grp, sizeof(grp) - 1);
	if (n > 0) {
		grp[n] = '\0';
		s = strrchr(grp, '/');
		rpath(p, sizeof(p), "kernel/iommu_groups/%s/devices/%s",
		      s ? s + 1 : grp, dev);
		unlink(p);
	}
	rpath(p, sizeof(p), "bus/pci/devices/%s", dev);
	unlink(p);
	/* t is relative to bus/pci/devices: "../../../devices/..." */
	rpath(p, sizeof(p), "bus/pci/devices/%s", t);
	fd = real_open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dir = fd < 0 ? NULL : fdopendir(fd);
	if (dir) {
		while ((de = readdir(dir)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(fd, de->d_name, 0);
		closedir(dir);
	}
	rmdir(p);
}

/*
 * Injected faults for ATTR on dev: returns -errno to fail the write, 0
 * to go on; *after set when the device must vanish after the write.
 */
static int fault(const char *dev, const char *attr, int *after)
{
	char p[PATH_MAX], v[64];

	*after = 0;
	rpath(p, sizeof(p), "bus/pci/devices/%s/.bind-on-%s", dev, attr);
	if (read_small(p, v, sizeof(v)) >= 0) {
		char drv[128];

		unlink(p);
		dev_driver(dev, drv, sizeof(drv));
		if (!*drv && driver_registered(v))
			do_bind(dev, v);
	}
	rpath(p, sizeof(p), "bus/pci/devices/%s/.fail-%s", dev, attr);
	if (read_small(p, v, sizeof(v)) >= 0)
		return -errno_of(v);
	rpath(p, sizeof(p), "bus/pci/devices/%s/.vanish-on-%s", dev, attr);
	if (read_small(p, v, sizeof(v)) >= 0) {
		if (!strcmp(v, "after")) {
			*after = 1;
			return 0;
		}
		vanish(dev);
		return -ENODEV;
	}
	return 0;
}

static void set_override(const char *dev, const char *val)
{
	char p[PATH_MAX], v[256];
	int n;

	n = snprintf(v, sizeof(v), "%s\n", *val ? val : "(null)");
	rpath(p, sizeof(p), "bus/pci/devices/%s/driver_override", dev);
	write_file(p, v, n, O_TRUNC);
}

/* .modprobe-early: vfio-pci registers before any override is written. */
static void early_modprobe_done(void)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	char p[PATH_MAX], d[PATH_MAX];
	int i;

	rpath(p, sizeof(p), ".modprobe-early");
	rpath(d, sizeof(d), ".modprobe-done");
	for (i = 0; i < 500 && !access(p, F_OK) && access(d, F_OK); i++)
		nanosleep(&tick, NULL);
}

static int emulate(struct tracked *t, const char *buf, size_t len)
{
	char val[256], cur[128], ovr[256], p[PATH_MAX];
	const char *dev = val;
	int r, after = 0;
	size_t n = len;

	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
		n--;
	if (n >= sizeof(val))
		return -EINVAL;
	memcpy(val, buf, n);
	val[n] = '\0';

	switch (t->kind) {
	case K_OVERRIDE:
		early_modprobe_done();
		dev = t->arg;
		if (!dev_exists(dev))
			return -ENODEV;
		r = fault(dev, "driver_override", &after);
		if (r)
			return r;
		if (strchr(val, '\n'))
			return -EINVAL;
		set_override(dev, val);
		break;
	case K_UNBIND:
		if (!dev_exists(dev))
			return -ENODEV;
		r = fault(dev, "unbind", &after);
		if (r)
			return r;
		dev_driver(dev, cur, sizeof(cur));
		if (strcmp(cur, t->arg))
			return -ENODEV;
		do_unbind(dev, cur);
		break;
	case K_BIND:
		if (!dev_exists(dev))
			return -ENODEV;
		r = fault(dev, "bind", &after);
		if (r)
			return r;
		dev_driver(dev, cur, sizeof(cur));
		if (*cur)
			return -EBUSY;
		rpath(p, sizeof(p), "bus/pci/devices/%s/driver_override", dev);
		read_small(p, ovr, sizeof(ovr));
		if (*ovr && strcmp(ovr, "(null)") && strcmp(ovr, t->arg))
			return -ENODEV;
		r = probe(dev, t->arg);
		if (r)
			return r;
		break;
	case K_PROBE:
		if (!dev_exists(dev))
			return -ENODEV;
		r = fault(dev, "drivers_probe", &after);
		if (r)
			return r;
		dev_driver(dev, cur, sizeof(cur));
		if (*cur)
			break;
		rpath(p, sizeof(p), "bus/pci/devices/%s/driver_override", dev);
		read_small(p, ovr, sizeof(ovr));
		if (*ovr && strcmp(ovr, "(null)")) {
			if (driver_registered(ovr))
				probe(dev, ovr);
			break;
		}
		if (!dynid_driver(dev, ovr, sizeof(ovr))) {
			probe(dev, ovr);
			break;
		}
		rpath(p, sizeof(p), "bus/pci/devices/%s/.native", dev);
		if (read_small(p, ovr, sizeof(ovr)) > 0 &&
		    driver_registered(ovr))
			probe(dev, ovr);
		break;
	case K_NEWID:
		return dynid_change(t->arg, val, 1);
	case K_REMOVEID:
		return dynid_change(t->arg, val, 0);
	default:
		break;
	}
	if (after)
		vanish(dev);
	return 0;
}

/* ---- classification of opens ---- */

static const char *under_root(const char *abs)
{
	size_t n;

	if (rootlen && !strncmp(abs, root, rootlen) && abs[rootlen] == '/')
		return abs + rootlen + 1;
	n = rrootlen;
	if (n && !strncmp(abs, rroot, n) && abs[n] == '/')
		return abs + n + 1;
	return NULL;
}

/* abs = path as openat(dirfd, path) sees it; -1 when that is unknown. */
static int absolute(int dirfd, const char *path, char *abs, size_t size)
{
	char base[PATH_MAX];

	if (path[0] == '/') {
		cpy(abs, size, path);
		return 0;
	}
	if (dirfd == AT_FDCWD) {
		if (!getcwd(base, sizeof(base)))
			return -1;
	} else {
		char fdp[64];
		ssize_t l;

		snprintf(fdp, sizeof(fdp), "/proc/self/fd/%d", dirfd);
		l = readlink(fdp, base, sizeof(base) - 1);
		if (l <= 0)
			return -1;
		base[l] = '\0';
	}
	snprintf(abs, size, "%s/%s", base, path);
	return 0;
}

/* DEVROOT/vfio/N while DEVROOT/vfio/N.busy exists. */
static int vfio_busy(int dirfd, const char *path)
{
	char abs[2 * PATH_MAX + 2], p[sizeof(abs) + 8];

	if (!devrootlen || absolute(dirfd, path, abs, sizeof(abs)) ||
	    strncmp(abs, devroot, devrootlen) ||
	    strncmp(abs + devrootlen, "/vfio/", 6))
		return 0;
	snprintf(p, sizeof(p), "%s.busy", abs);
	return access(p, F_OK) == 0;
}

/*
 * An O_EXCL open of DEVROOT/PATH while DEVROOT/PATH.excl exists: the
 * errno it names (EBUSY when empty); 0 otherwise.
 */
static int excl_fail(int dirfd, const char *path, int flags)
{
	char abs[2 * PATH_MAX + 2], p[sizeof(abs) + 8], v[32];
	int fd;
	ssize_t n;

	if (!devrootlen || !(flags & O_EXCL) || (flags & O_CREAT) ||
	    absolute(dirfd, path, abs, sizeof(abs)) ||
	    strncmp(abs, devroot, devrootlen) || abs[devrootlen] != '/')
		return 0;
	snprintf(p, sizeof(p), "%s.excl", abs);
	fd = real_open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, v, sizeof(v) - 1);
	close(fd);
	v[n > 0 ? n : 0] = '\0';
	v[strcspn(v, "\n")] = '\0';
	return v[0] ? errno_of(v) : EBUSY;
}

static void classify(int dirfd, const char *path, struct tracked *t)
{
	char abs[2 * PATH_MAX + 2], base[PATH_MAX], *last, *prev;
	const char *rel;
	size_t n;

	t->kind = K_NONE;
	if (absolute(dirfd, path, abs, sizeof(abs)))
		return;
	rel = under_root(abs);
	if (!rel)
		return;
	n = strlen(rel);
	if (!strcmp(rel, "bus/pci/drivers_probe")) {
		t->kind = K_PROBE;
		return;
	}
	cpy(base, sizeof(base), rel);
	last = strrchr(base, '/');
	if (last) {
		*last++ = '\0';
		prev = strrchr(base, '/');
		prev = prev ? prev + 1 : base;
		if (!strcmp(last, "driver_override")) {
			t->kind = K_OVERRIDE;
			cpy(t->arg, sizeof(t->arg), prev);
			return;
		}
		if (!strncmp(rel, "bus/pci/drivers/", 16) &&
		    prev == base + 16 && !strchr(prev, '/')) {
			cpy(t->arg, sizeof(t->arg), prev);
			if (!strcmp(last, "unbind"))
				t->kind = K_UNBIND;
			else if (!strcmp(last, "bind"))
				t->kind = K_BIND;
			else if (!strcmp(last, "new_id"))
				t->kind = K_NEWID;
			else if (!strcmp(last, "remove_id"))
				t->kind = K_REMOVEID;
			if (t->kind != K_NONE)
				return;
		}
	}
	if (!strncmp(rel, "bus/", 4) || !strncmp(rel, "devices/", 8) ||
	    !strncmp(rel, "kernel/", 7) || !strncmp(rel, "class/", 6) ||
	    !strncmp(rel, "module/", 7)) {
		t->kind = K_OTHER;
		cpy(t->arg, sizeof(t->arg), rel);
	}
	(void)n;
}

static int do_open(int dirfd, const char *path, int flags, mode_t mode)
{
	struct tracked t;
	int fd;

	init();
	if (!busy && path && vfio_busy(dirfd, path)) {
		errno = EBUSY;
		return -1;
	}
	if (!busy && path) {
		int e = excl_fail(dirfd, path, flags);

		if (e) {
			errno = e;
			return -1;
		}
	}
	if (busy || !rootlen || !path || (flags & O_ACCMODE) == O_RDONLY)
		return real_openat(dirfd, path, flags, mode);
	busy = 1;
	classify(dirfd, path, &t);
	busy = 0;
	/* An attribute keeps its content until the write says otherwise. */
	if (t.kind != K_NONE && t.kind != K_OTHER)
		flags &= ~(O_TRUNC | O_CREAT);
	fd = real_openat(dirfd, path, flags, mode);
	if (fd >= 0 && fd < MAX_FD)
		fds[fd] = t;
	return fd;
}

static mode_t get_mode(int flags, va_list ap)
{
	if (flags & (O_CREAT | O_TMPFILE))
		return va_arg(ap, mode_t);
	return 0;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = get_mode(flags, ap);
	va_end(ap);
	return do_open(AT_FDCWD, path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = get_mode(flags, ap);
	va_end(ap);
	return do_open(dirfd, path, flags, mode);
}

/* The *64 variants take the same arguments: one body serves both. */
int open64(const char *path, int flags, ...) __attribute__((alias("open")));
int openat64(int dirfd, const char *path, int flags, ...)
	__attribute__((alias("openat")));

int __open_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);

int __open_2(const char *path, int flags)
{
	return do_open(AT_FDCWD, path, flags, 0);
}

int __openat_2(int dirfd, const char *path, int flags)
{
	return do_open(dirfd, path, flags, 0);
}

int __open64_2(const char *path, int flags) __attribute__((alias("__open_2")));
int __openat64_2(int dirfd, const char *path, int flags)
	__attribute__((alias("__openat_2")));

static const char *const kind_name[] = {
	[K_OVERRIDE] = "driver_override",
	[K_UNBIND] = "unbind",
	[K_BIND] = "bind",
	[K_PROBE] = "drivers_probe",
	[K_NEWID] = "new_id",
	[K_REMOVEID] = "remove_id",
	[K_OTHER] = "write",
};

ssize_t write(int fd, const void *buf, size_t len)
{
	struct tracked *t;
	ssize_t r;
	int e;

	init();
	if (busy || fd < 0 || fd >= MAX_FD || fds[fd].kind == K_NONE)
		return real_write(fd, buf, len);
	t = &fds[fd];
	busy = 1;
	if (t->kind == K_OTHER) {
		r = real_write(fd, buf, len);
		e = errno;
		logw("write", t->arg, buf, len, r < 0 ? errno_name(e) : "ok");
		busy = 0;
		errno = e;
		return r;
	}
	e = -emulate(t, buf, len);
	logw(kind_name[t->kind], t->kind == K_PROBE ? "-" : t->arg, buf, len,
	     e ? errno_name(e) : "ok");
	busy = 0;
	if (e) {
		errno = e;
		return -1;
	}
	return (ssize_t)len;
}

int close(int fd)
{
	init();
	if (fd >= 0 && fd < MAX_FD)
		fds[fd].kind = K_NONE;
	return real_close(fd);
}

/* ---- descriptors copied by a shell's redirection ---- */

static int track_copy(int from, int to)
{
	if (to >= 0 && to < MAX_FD)
		fds[to] = from >= 0 && from < MAX_FD ? fds[from]
						     : (struct tracked){ 0 };
	return to;
}

int dup(int fd)
{
	init();
	return track_copy(fd, real_dup(fd));
}

int dup2(int fd, int to)
{
	int r;

	init();
	r = real_dup2(fd, to);
	return r < 0 || fd == to ? r : track_copy(fd, r);
}

int dup3(int fd, int to, int flags)
{
	init();
	return track_copy(fd, real_dup3(fd, to, flags));
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	long arg;
	int r;

	init();
	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	r = real_fcntl(fd, cmd, arg);
	if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
		track_copy(fd, r);
	return r;
}

int fcntl64(int fd, int cmd, ...) __attribute__((alias("fcntl")));

/* The fake modprobe that vfio-claim started waits for this call. */
pid_t waitpid(pid_t pid, int *status, int options)
{
	char p[PATH_MAX];

	init();
	if (rootlen && pid > 0) {
		rpath(p, sizeof(p), ".modprobe-go-%d", (int)pid);
		if (access(p, F_OK))
			write_file(p, "", 0, O_CREAT);
	}
	return real_waitpid(pid, status, options);
}
