// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The floor for an ID scan: one directory listing, then open, read and
 * close one attribute per device, nothing else. Usage: floor SYSFS ATTR
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char path[300], buf[256];
	struct dirent *de;
	size_t alen;
	int dfd, n = 0;
	DIR *dir;

	if (argc != 3 || (alen = strlen(argv[2])) > 64)
		return 2;
	snprintf(path, sizeof(path), "%s/bus/pci/devices", argv[1]);
	dfd = open(path, O_RDONLY | O_DIRECTORY);
	dir = dfd < 0 ? NULL : fdopendir(dfd);
	if (!dir)
		return 1;
	while ((de = readdir(dir))) {
		int fd;

		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len > 200)
			continue;
		/* No formatting: the floor is the syscalls and little else. */
		memcpy(path, de->d_name, len);
		path[len] = '/';
		memcpy(path + len + 1, argv[2], alen + 1);
		fd = openat(dfd, path, O_RDONLY);
		if (fd < 0)
			continue;
		if (read(fd, buf, sizeof(buf)) > 0)
			n++;
		close(fd);
	}
	closedir(dir);
	return n ? 0 : 1;
}
