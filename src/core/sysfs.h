/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading and writing sysfs attributes below a root that is a setting. */
#ifndef VC_SYSFS_H
#define VC_SYSFS_H

#include <dirent.h>
#include <stddef.h>

struct sysfs {
	const char *root; /* "/sys" or a fake tree */
	int rootfd; /* the root directory */
	int devfd; /* bus/pci/devices */
	/*
	 * HOST_GUEST, HOST_NOMODULES (host.h): facts for the advice, set by
	 * the program after sysfs_open (which clears them) from the paths its
	 * settings allow.
	 */
	unsigned int host;
};

/* Opens root and root/bus/pci/devices. 0 or -errno. */
int sysfs_open(struct sysfs *s, const char *root);
void sysfs_close(struct sysfs *s);

/*
 * Reads a small attribute at path (relative to dirfd) into buf, NUL
 * terminated, trailing newline removed. Returns the length or -errno;
 * -EFBIG when it does not fit.
 */
int sysfs_read(int dirfd, const char *path, char *buf, size_t size);

/* Reads up to size raw bytes (config space). Count or -errno. */
int sysfs_read_bin(int dirfd, const char *path, void *buf, size_t size);

/* Reads "0x8086"-style or plain hex. 0 or -errno (-EINVAL: not hex). */
int sysfs_read_hex(int dirfd, const char *path, unsigned long *val);

/* Reads a decimal integer. 0 or -errno. */
int sysfs_read_int(int dirfd, const char *path, long *val);

/*
 * Writes val with a single write(2), as sysfs wants. 0 or -errno; a short
 * write is -EIO.
 */
int sysfs_write(int dirfd, const char *path, const char *val);

/* The last path component of a symlink's target. Length or -errno. */
int sysfs_link_name(int dirfd, const char *path, char *buf, size_t size);

/* Opens the directory path below dirfd for readdir; NULL and errno. */
DIR *sysfs_opendir(int dirfd, const char *path);

/* 1 when path exists, 0 when not. */
int sysfs_exists(int dirfd, const char *path);

/*
 * Parses a number at s: base 10 with an optional '-', or base 16 with an
 * optional "0x". The end of the digits, or NULL when there are none or
 * the value does not fit a long.
 */
const char *vc_num(const char *s, int base, long *val);

/* snprintf that reports truncation as -ENAMETOOLONG. */
int vc_path(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
