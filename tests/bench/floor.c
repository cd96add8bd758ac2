// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The floor for an ID scan: one directory listing, then open, read and
 * close one attribute per device, nothing else. Usage: floor SYSFS ATTR
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char path[300], buf[256];
	struct dirent *de;
	int dfd, n = 0;
	DIR *dir;

	if (argc != 3)
		return 2;
	snprintf(path, sizeof(path), "%s/bus/pci/devices", argv[1]);
	dfd = open(path, O_RDONLY | O_DIRECTORY);
	dir = dfd < 0 ? NULL : fdopendir(dfd);
	if (!dir)
		return 1;
	while ((de = readdir(dir))) {
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", de->d_name, argv[2]);
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
