// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cmdline.h"
#include "config.h"
#include "log.h"

#define CONFIG_MAX 16384

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int config_parse(const char *text, size_t len, const char *path, char *val,
		 size_t size)
{
	const char *p = text, *end = text + len;
	int lineno = 0, found = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		const char *e = nl ? nl : end, *k, *ke, *v, *ve, *eq, *hash;

		lineno++;
		hash = memchr(p, '#', e - p);
		if (hash)
			e = hash;
		k = p;
		while (k < e && is_blank(*k))
			k++;
		ve = e;
		while (ve > k && is_blank(ve[-1]))
			ve--;
		p = nl ? nl + 1 : end;
		if (k == ve)
			continue;
		eq = memchr(k, '=', ve - k);
		if (!eq) {
			vc_warn("%s:%d: '%.*s' is not KEY=VALUE; ignored", path,
				lineno, (int)(ve - k > 40 ? 40 : ve - k), k);
			continue;
		}
		ke = eq;
		while (ke > k && is_blank(ke[-1]))
			ke--;
		v = eq + 1;
		while (v < ve && is_blank(*v))
			v++;
		if (ke - k != 7 || memcmp(k, "devices", 7)) {
			vc_warn("%s:%d: unknown key '%.*s' ignored (known: "
				"devices)",
				path, lineno, (int)(ke - k > 40 ? 40 : ke - k),
				k);
			continue;
		}
		if ((size_t)(ve - v) >= size) {
			vc_err("%s:%d: the devices= value is longer than %u "
			       "bytes: name slots or IDs instead",
			       path, lineno, (unsigned int)size - 1);
			return -E2BIG;
		}
		memcpy(val, v, ve - v);
		val[ve - v] = '\0';
		found = 1;
	}
	return found;
}

int config_read(const char *path, char *val, size_t size)
{
	static char buf[CONFIG_MAX];
	ssize_t n;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		vc_err("%s: cannot open: %s", path, vc_strerror(errno));
		return -errno;
	}
	while ((n = read(fd, buf + len, sizeof(buf) - len)) > 0) {
		len += n;
		if (len == sizeof(buf))
			break;
	}
	if (n < 0) {
		int e = errno;

		close(fd);
		vc_err("%s: cannot read: %s", path, vc_strerror(e));
		return -e;
	}
	close(fd);
	if (len == sizeof(buf)) {
		vc_err("%s: larger than %d bytes; is it the right file?", path,
		       CONFIG_MAX - 1);
		return -EFBIG;
	}
	return config_parse(buf, len, path, val, size);
}

int config_devices(const char *cmdline, const char *config, char *val,
		   size_t size, const char **source)
{
	int r = cmdline_get_last(cmdline, "vfio.devices", val, size);

	*source = "vfio.devices=";
	if (r == -E2BIG)
		vc_err("vfio.devices= is longer than %u bytes: name slots or "
		       "IDs instead",
		       (unsigned int)size - 1);
	if (r || !config || !config[0])
		return r;
	*source = config;
	return config_read(config, val, size);
}
