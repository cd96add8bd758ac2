// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record.h"
#include "sysfs.h"

static int mkdir_one(const char *path)
{
	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return 0;
	return -errno;
}

/* Writes text to dir/name through dir/.name.tmp and rename(2). */
static int write_atomic(const char *dir, const char *name, const char *text,
			size_t len)
{
	char tmp[256], dst[256];
	ssize_t n;
	int fd, r = 0;

	if (vc_path(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) < 0 ||
	    vc_path(dst, sizeof(dst), "%s/%s", dir, name) < 0)
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		r = -errno;
	else if ((size_t)n != len)
		r = -EIO;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, dst) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

int record_write_dev(const char *dir, const struct claim_dev *c, const char *by)
{
	char sub[256], text[768];
	const struct pci_dev *d = &c->dev;
	int n, r;

	r = mkdir_one(dir);
	if (r)
		return r;
	if (vc_path(sub, sizeof(sub), "%s/devices", dir) < 0)
		return -ENAMETOOLONG;
	r = mkdir_one(sub);
	if (r)
		return r;
	n = snprintf(text, sizeof(text),
		     "address=%s\nid=%04x:%04x\nsubsystem=%04x:%04x\n"
		     "class=%06x\ngroup=%d\nprevious_driver=%s\naction=%s\n"
		     "result=%s\nwhy=%s\nby=%s\n",
		     d->name, d->id.vendor, d->id.device, d->id.subvendor,
		     d->id.subdevice, d->class, d->group, c->prev_driver,
		     claim_action_name(c->action), claim_result_name(c->result),
		     c->why, by);
	if (n < 0 || (size_t)n >= sizeof(text))
		return -E2BIG;
	return write_atomic(sub, d->name, text, n);
}

int record_write_boot(const char *dir, const char *source, const char *value,
		      int status)
{
	char text[4352];
	int n, r = mkdir_one(dir);

	if (r)
		return r;
	n = snprintf(text, sizeof(text), "source=%s\nvalue=%s\nstatus=%d\n",
		     source, value, status);
	if (n < 0 || (size_t)n >= sizeof(text))
		return -E2BIG;
	return write_atomic(dir, "boot", text, n);
}

static void take(char *dst, size_t size, const char *v)
{
	size_t len = strlen(v);

	if (len >= size)
		len = size - 1;
	memcpy(dst, v, len);
	dst[len] = '\0';
}

void record_parse(char *text, struct record *r)
{
	char *line, *nl;

	memset(r, 0, sizeof(*r));
	for (line = text; line && *line; line = nl ? nl + 1 : NULL) {
		char *eq;

		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq++ = '\0';
		if (!strcmp(line, "address"))
			take(r->address, sizeof(r->address), eq);
		else if (!strcmp(line, "id"))
			take(r->id, sizeof(r->id), eq);
		else if (!strcmp(line, "subsystem"))
			take(r->subsystem, sizeof(r->subsystem), eq);
		else if (!strcmp(line, "previous_driver"))
			take(r->previous_driver, sizeof(r->previous_driver),
			     eq);
		else if (!strcmp(line, "result"))
			take(r->result, sizeof(r->result), eq);
		else if (!strcmp(line, "why"))
			take(r->why, sizeof(r->why), eq);
		else if (!strcmp(line, "by"))
			take(r->by, sizeof(r->by), eq);
	}
}

int record_read_dev(const char *dir, const char *name, struct record *r)
{
	char path[256], text[1024];
	int fd, n;

	memset(r, 0, sizeof(*r));
	if (vc_path(path, sizeof(path), "%s/devices/%s", dir, name) < 0)
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, text, sizeof(text) - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	text[n] = '\0';
	record_parse(text, r);
	return 0;
}

int record_remove_dev(const char *dir, const char *name)
{
	char path[256];

	if (vc_path(path, sizeof(path), "%s/devices/%s", dir, name) < 0)
		return -ENAMETOOLONG;
	return unlink(path) < 0 ? -errno : 0;
}
