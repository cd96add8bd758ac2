// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
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

int record_write_dev(const char *dir, const struct claim_dev *c, const char *by,
		     const char *modalias)
{
	char sub[256], text[1024];
	const struct vc_dev *d = &c->dev;
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
		     "result=%s\nwhy=%s\nby=%s\nmodalias=%s\n",
		     d->name, d->id.vendor, d->id.device, d->id.subvendor,
		     d->id.subdevice, d->class, d->group, c->prev_driver,
		     claim_action_name(c->action), claim_result_name(c->result),
		     c->why, by, modalias ? modalias : "");
	if (n < 0 || (size_t)n >= sizeof(text))
		return -E2BIG;
	return write_atomic(sub, d->name, text, n);
}

int record_write_claims(const char *dir, struct claim_ctx *ctx, const char *by,
			int flags)
{
	char alias[RECORD_MODALIAS_MAX], p[PATH_MAX];
	int i, r;

	for (i = 0; i < ctx->ndev; i++) {
		struct claim_dev *c = &ctx->dev[i];

		if (!(flags & RECORD_REFUSALS) &&
		    (c->action == CA_REFUSE || c->action == CA_VETO))
			continue;
		/*
		 * Run again (a second hook, by hand, or vfioctl bind after
		 * the boot): the first record of a device already on
		 * vfio-pci stays as it is. It knows the driver the device had
		 * before, which vfioctl unbind gives it back, its modalias
		 * and the program that took it.
		 */
		if (c->action == CA_ALREADY &&
		    vc_path(p, sizeof(p), "%s/devices/%s", dir, c->dev.name) >=
			    0 &&
		    access(p, F_OK) == 0)
			continue;
		pci_read_modalias(ctx->sys, c->dev.name, alias, sizeof(alias));
		r = record_write_dev(dir, c, by, alias);
		if (r) {
			vc_err("%s: cannot record %s: %s", dir, c->dev.name,
			       vc_strerror(r));
			return r;
		}
	}
	return 0;
}

int record_write_boot(const char *dir, const char *source, const char *value,
		      int status)
{
	char text[4352];
	int n, r = mkdir_one(dir);

	if (r)
		return r;
	/* Running: status 1 to a reader that knows no state= (not a success
	 * yet). */
	n = snprintf(text, sizeof(text), "source=%s\nvalue=%s\nstatus=%d\n",
		     source, value, status < 0 ? 1 : status);
	if (status < 0)
		n += snprintf(text + n, sizeof(text) - n,
			      "state=running\npid=%d\n", (int)getpid());
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

/* The keys of a device record, and where each goes in struct record. */
#define FIELD(k)                                        \
	{                                               \
#k, offsetof(struct record, k),         \
			sizeof(((struct record *)0)->k) \
	}
static const struct {
	const char *key;
	size_t off, size;
} fields[] = {
	FIELD(address), FIELD(id),  FIELD(subsystem), FIELD(previous_driver),
	FIELD(result),	FIELD(why), FIELD(by),	      FIELD(modalias),
};

void record_parse(char *text, struct record *r)
{
	char *line, *nl;
	size_t i;

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
		/* Unknown keys (a newer writer's) are skipped. */
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if (!strcmp(line, fields[i].key))
				take((char *)r + fields[i].off, fields[i].size,
				     eq);
	}
}

int record_read_dev(const char *dir, const char *name, struct record *r)
{
	char path[256], text[1536];
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

int record_read_boot(const char *dir, int *status, long *pid)
{
	char text[4352], *p;
	int n;

	/* The path, then (opened first) what the file holds. */
	vc_path(text, sizeof(text), "%s/boot", dir);
	n = sysfs_read(AT_FDCWD, text, text, sizeof(text));
	if (n < 0)
		return n;
	/* Keys start lines; value= (first) is the only free text. */
	p = strstr(text, "\nstatus=");
	*status = p ? p[8] != '0' : -1;
	p = strstr(text, "\nstate=running\npid=");
	if (p && pid && !vc_num(p + 19, 10, pid))
		*pid = 0;
	return p != NULL;
}
