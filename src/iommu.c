// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iommu.h"

int iommu_group_of(const struct sysfs *s, const char *name)
{
	char p[128], grp[32], *end;
	long n;
	int r;

	vc_path(p, sizeof(p), "%s/iommu_group", name);
	r = sysfs_link_name(s->devfd, p, grp, sizeof(grp));
	if (r < 0)
		return r;
	n = strtol(grp, &end, 10);
	if (*end || end == grp || n < 0 || n > 0x7fffffff)
		return -EINVAL;
	return (int)n;
}

int iommu_noiommu_enabled(const struct sysfs *s)
{
	char v[8];

	if (sysfs_read(s->rootfd,
		       "module/vfio/parameters/enable_unsafe_noiommu_mode", v,
		       sizeof(v)) < 0)
		return 0;
	return v[0] == 'Y' || v[0] == 'y' || v[0] == '1';
}

static int list_dir(int dirfd, const char *path,
		    int (*fn)(const char *name, void *data), void *data)
{
	DIR *dir = sysfs_opendir(dirfd, path);
	struct dirent *de;
	int r = 0;

	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		r = fn(de->d_name, data);
		if (r)
			break;
	}
	closedir(dir);
	return r;
}

static int count_one(const char *name, void *data)
{
	(*(int *)data)++;
	return 0;
}

int iommu_present(const struct sysfs *s)
{
	int n = 0;

	list_dir(s->rootfd, "class/iommu", count_one, &n);
	return n > 0;
}

int iommu_group_for_each(const struct sysfs *s, int group,
			 int (*fn)(const char *name, void *data), void *data)
{
	char p[64];

	vc_path(p, sizeof(p), "kernel/iommu_groups/%d/devices", group);
	return list_dir(s->rootfd, p, fn, data);
}
