// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The config file reserve and release change: read it as it is, edit the
 * entries of its devices= line, and replace it atomically (or put it back).
 */
#define _GNU_SOURCE /* mkostemp */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "reserve.h"
#include "vfioctl.h"

int conf_read(struct vctl *c, const char *verb, struct conf *f)
{
	char origin[PATH_MAX + 16];
	struct stat lst;
	int r;

	memset(f, 0, sizeof(*f));
	f->verb = verb;
	if (!c->config[0]) {
		vc_err("%s: no config file to change: name it with --config "
		       "FILE or --root DIR",
		       verb);
		return -ENOENT;
	}
	snprintf(f->path, sizeof(f->path), "%s", c->config);
	/* Write through a symlink, not over it. */
	if (lstat(c->config, &lst) == 0 && S_ISLNK(lst.st_mode)) {
		char *t = realpath(c->config, NULL);

		if (!t || strlen(t) >= sizeof(f->path)) {
			vc_err("%s: cannot resolve the symlink: %s", c->config,
			       t ? "path too long" : vc_strerror(errno));
			free(t);
			return -EINVAL;
		}
		strcpy(f->path, t);
		free(t);
	}
	r = config_load(f->path, f->text, sizeof(f->text), &f->len);
	if (r < 0)
		return r;
	f->exists = r;
	if (f->exists && stat(f->path, &f->st) < 0) {
		vc_err("%s: cannot stat: %s", f->path, vc_strerror(errno));
		return -errno;
	}
	r = config_find(f->text, f->len, c->config, f->value, sizeof(f->value),
			&f->where);
	if (r < 0)
		return r;
	f->has_line = r;
	snprintf(origin, sizeof(origin), "%s:%d", c->config, f->where.lineno);
	if (f->has_line && sel_parse_list(f->value, &f->sel, origin)) {
		vc_err("%s: the devices= line has entries that are not "
		       "selectors (see above): fix them first; nothing changed",
		       origin);
		return -EINVAL;
	}
	return 0;
}

void entries_from(struct entries *e, const struct sel_list *l)
{
	int i;

	e->n = 0;
	e->changed = 0;
	for (i = 0; i < l->n; i++)
		memcpy(e->text[e->n++], l->sel[i].text, sizeof(e->text[0]));
}

int entries_join(const struct entries *e, char *buf, size_t size)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < e->n; i++) {
		int k = snprintf(buf + n, size - n, "%s%s", i ? "," : "",
				 e->text[i]);

		if (k < 0 || (size_t)k >= size - n)
			return -E2BIG;
		n += k;
	}
	return 0;
}

/*
 * Writes text to path through a temporary file in the same directory:
 * write, fsync, rename, fsync the directory. The mode and owner of the
 * file it replaces are kept (old NULL: a new file, 0644).
 */
int write_file(const char *path, const char *text, size_t len,
	       const struct stat *old)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 16];
	const char *slash = strrchr(path, '/'), *what = "write";
	size_t done = 0;
	int fd, dfd, r = 0;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir,
		 slash ? slash + 1 : path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		vc_err("%s: cannot create a temporary file in %s: %s", path,
		       dir, vc_strerror(-r));
		return r;
	}
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);

		if (n < 0) {
			r = -errno;
			break;
		}
		done += n;
	}
	if (!r && fchmod(fd, old ? old->st_mode & 07777 : 0644) < 0) {
		r = -errno;
		what = "set the mode of";
	}
	if (!r && old &&
	    (old->st_uid != geteuid() || old->st_gid != getegid()) &&
	    fchown(fd, old->st_uid, old->st_gid) < 0) {
		r = -errno;
		what = "keep the owner of";
	}
	if (!r && fsync(fd) < 0) {
		r = -errno;
		what = "sync";
	}
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0) {
		r = -errno;
		what = "replace";
	}
	if (r) {
		unlink(tmp);
		vc_err("%s: cannot %s it: %s", path, what, vc_strerror(-r));
		return r;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

/* Puts the file back as conf_read found it. */
int conf_restore(const struct conf *f)
{
	if (f->exists)
		return write_file(f->path, f->text, f->len, &f->st);
	if (unlink(f->path) < 0 && errno != ENOENT) {
		vc_err("%s: cannot remove it again: %s", f->path,
		       vc_strerror(errno));
		return -errno;
	}
	return 0;
}
