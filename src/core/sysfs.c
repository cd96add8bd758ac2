// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sysfs.h"

int vc_path(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return n;
}

int sysfs_open(struct sysfs *s, const char *root)
{
	s->root = root;
	s->devfd = -1;
	s->host = 0;
	s->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd < 0)
		return -errno;
	s->devfd = openat(s->rootfd, "bus/pci/devices",
			  O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->devfd < 0) {
		int e = errno;

		close(s->rootfd);
		s->rootfd = -1;
		return -e;
	}
	return 0;
}

void sysfs_close(struct sysfs *s)
{
	if (s->devfd >= 0)
		close(s->devfd);
	if (s->rootfd >= 0)
		close(s->rootfd);
	s->devfd = s->rootfd = -1;
}

int sysfs_read_bin(int dirfd, const char *path, void *buf, size_t size)
{
	ssize_t n;
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size);
	if (n < 0)
		n = -errno;
	close(fd);
	return (int)n;
}

int sysfs_read(int dirfd, const char *path, char *buf, size_t size)
{
	int n = sysfs_read_bin(dirfd, path, buf, size);

	if (n < 0)
		return n;
	if ((size_t)n == size)
		return -EFBIG;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
		n--;
	buf[n] = '\0';
	return n;
}

const char *vc_num(const char *s, int base, long *val)
{
	unsigned long v = 0, lim = (unsigned long)LONG_MAX;
	const char *start;
	int neg = 0, d;

	if (base == 10 && *s == '-')
		neg = 1, s++;
	if (base == 16 && s[0] == '0' && (s[1] | 0x20) == 'x')
		s += 2;
	for (start = s;; s++) {
		int c = *s | 0x20;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			break;
		if (v > (lim - d) / base)
			return NULL;
		v = v * base + d;
	}
	if (s == start)
		return NULL;
	*val = neg ? -(long)v : (long)v;
	return s;
}

/* A number attribute: base 16 ("0x8086" or "8086") or 10. */
static int read_number(int dirfd, const char *path, int base, long *val)
{
	char buf[32];
	const char *end;
	int n = sysfs_read(dirfd, path, buf, sizeof(buf));

	if (n < 0)
		return n;
	end = vc_num(buf, base, val);
	if (!end || *end)
		return -EINVAL;
	return 0;
}

int sysfs_read_hex(int dirfd, const char *path, unsigned long *val)
{
	long v;
	int r = read_number(dirfd, path, 16, &v);

	if (!r)
		*val = (unsigned long)v;
	return r;
}

int sysfs_read_int(int dirfd, const char *path, long *val)
{
	return read_number(dirfd, path, 10, val);
}

int sysfs_write(int dirfd, const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd = openat(dirfd, path, O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	/* sysfs reports some failures only at close. */
	if (close(fd) < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int sysfs_link_name(int dirfd, const char *path, char *buf, size_t size)
{
	char target[512], *slash;
	ssize_t n = readlinkat(dirfd, path, target, sizeof(target) - 1);
	size_t len;

	if (n < 0)
		return -errno;
	target[n] = '\0';
	slash = strrchr(target, '/');
	slash = slash ? slash + 1 : target;
	len = strlen(slash);
	if (len == 0)
		return -EINVAL;
	if (len >= size)
		return -ENAMETOOLONG;
	memcpy(buf, slash, len + 1);
	return (int)len;
}

DIR *sysfs_opendir(int dirfd, const char *path)
{
	int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir;

	if (fd < 0)
		return NULL;
	dir = fdopendir(fd);
	if (!dir) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return dir;
}

int sysfs_exists(int dirfd, const char *path)
{
	return faccessat(dirfd, path, F_OK, 0) == 0;
}
