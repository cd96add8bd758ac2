// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A few kernel semantics for vfioctl's bind/unbind tests, as LD_PRELOAD,
 * until tests/lib/fakekernel.c lands. A write to
 *   bus/pci/drivers/DRV/unbind     drops the device's driver link;
 *   bus/pci/drivers_probe          binds driver_override, else the driver
 *                                  named in the device's .home file, when
 *                                  that driver is registered.
 * Opening dev/vfio/N fails with EBUSY while dev/vfio/N.busy exists.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int ends(const char *s, const char *t)
{
	size_t a = strlen(s), b = strlen(t);

	return a >= b && !strcmp(s + a - b, t);
}

/* First line of a small file, "" when missing. */
static void read_word(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (!fgets(buf, (int)size, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

static int probe(const char *root, const char *dev)
{
	char p[8800], drv[256], link[512];
	struct stat st;

	snprintf(p, sizeof(p), "%s/bus/pci/devices/%s/driver", root, dev);
	if (lstat(p, &st) == 0)
		return 0; /* already bound */
	snprintf(p, sizeof(p), "%s/bus/pci/devices/%s/driver_override", root,
		 dev);
	read_word(p, drv, sizeof(drv));
	if (!drv[0] || !strcmp(drv, "(null)")) {
		snprintf(p, sizeof(p), "%s/bus/pci/devices/%s/.home", root,
			 dev);
		read_word(p, drv, sizeof(drv));
	}
	if (!drv[0])
		return 0;
	snprintf(p, sizeof(p), "%s/bus/pci/drivers/%s", root, drv);
	if (stat(p, &st))
		return 0; /* not registered: stays without a driver */
	snprintf(p, sizeof(p), "%s/bus/pci/devices/%s/driver", root, dev);
	snprintf(link, sizeof(link), "../../../bus/pci/drivers/%s", drv);
	return symlink(link, p);
}

static int unbind(const char *root, const char *drvdir, const char *dev)
{
	char p[8800], target[4096];
	const char *drv = strrchr(drvdir, '/') + 1;
	ssize_t n;

	snprintf(p, sizeof(p), "%s/bus/pci/devices/%s/driver", root, dev);
	n = readlink(p, target, sizeof(target) - 1);
	if (n < 0)
		return -ENODEV;
	target[n] = '\0';
	if (!ends(target, drv))
		return -ENODEV;
	unlink(p);
	return 0;
}

ssize_t write(int fd, const void *buf, size_t len)
{
	static ssize_t (*real)(int, const void *, size_t);
	char self[64], path[4096], val[256], root[4096], *bus;
	ssize_t n;
	int r = 0;

	if (!real)
		real = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT,
								    "write");
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	n = readlink(self, path, sizeof(path) - 1);
	if (n < 0)
		return real(fd, buf, len);
	path[n] = '\0';
	bus = strstr(path, "/bus/pci/");
	if (!bus || !(ends(path, "/unbind") || ends(path, "/drivers_probe")))
		return real(fd, buf, len);
	snprintf(root, sizeof(root), "%.*s", (int)(bus - path), path);
	snprintf(val, sizeof(val), "%.*s", (int)len, (const char *)buf);
	val[strcspn(val, "\n")] = '\0';
	if (ends(path, "/drivers_probe")) {
		r = probe(root, val);
	} else {
		*strrchr(path, '/') = '\0';
		r = unbind(root, path, val);
	}
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return (ssize_t)len;
}

static int busy(const char *path)
{
	char p[4096];

	if (!strstr(path, "/dev/vfio/"))
		return 0;
	snprintf(p, sizeof(p), "%s.busy", path);
	return access(p, F_OK) == 0;
}

int open(const char *path, int flags, ...)
{
	static int (*real)(const char *, int, ...);
	mode_t mode = 0;
	va_list ap;

	if (!real)
		real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT,
							      "open");
	va_start(ap, flags);
	if (flags & O_CREAT)
		mode = va_arg(ap, mode_t);
	va_end(ap);
	if (busy(path)) {
		errno = EBUSY;
		return -1;
	}
	return real(path, flags, mode);
}
