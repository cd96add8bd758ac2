// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cmdline.h"
#include "config.h"
#include "log.h"

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* The keys of vfio-claim.conf (vfio-claim.conf(5)). */
static int known_key(const char *k, size_t n)
{
	return (n == 7 && !memcmp(k, "devices", 7)) ||
	       (n == 8 && !memcmp(k, "variants", 8));
}

/*
 * The value of the last "key = VALUE" line; warn: say what is not a known
 * KEY=VALUE line (one pass of the file does, not each key's).
 */
static int find_key(const char *text, size_t len, const char *path,
		    const char *key, int warn, char *val, size_t size,
		    struct config_line *where)
{
	size_t klen = strlen(key);
	const char *p = text, *end = text + len;
	int lineno = 0, found = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		const char *e = nl ? nl : end, *k, *ke, *v, *ve, *eq, *hash;

		lineno++;
		if (memchr(p, '\0', e - p)) {
			/* It would cut the value short, silently. */
			vc_err("%s:%d: a NUL byte; is it a text file?", path,
			       lineno);
			return -EINVAL;
		}
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
			if (warn)
				vc_warn("%s:%d: '%.*s' is not KEY=VALUE; "
					"ignored",
					path, lineno,
					(int)(ve - k > 40 ? 40 : ve - k), k);
			continue;
		}
		ke = eq;
		while (ke > k && is_blank(ke[-1]))
			ke--;
		v = eq + 1;
		while (v < ve && is_blank(*v))
			v++;
		if (!known_key(k, ke - k)) {
			if (warn)
				vc_warn("%s:%d: unknown key '%.*s' ignored "
					"(known: devices, variants)",
					path, lineno,
					(int)(ke - k > 40 ? 40 : ke - k), k);
			continue;
		}
		if ((size_t)(ke - k) != klen || memcmp(k, key, klen))
			continue;
		if ((size_t)(ve - v) >= size) {
			vc_err("%s:%d: the %s= value is longer than %u "
			       "bytes%s",
			       path, lineno, key, (unsigned int)size - 1,
			       warn ? ": name slots or IDs instead" : "");
			return -E2BIG;
		}
		memcpy(val, v, ve - v);
		val[ve - v] = '\0';
		found = 1;
		if (where) {
			where->start = v - text;
			where->end = ve - text;
			where->lineno = lineno;
		}
	}
	return found;
}

int config_find(const char *text, size_t len, const char *path, char *val,
		size_t size, struct config_line *where)
{
	return find_key(text, len, path, "devices", 1, val, size, where);
}

int config_parse(const char *text, size_t len, const char *path, char *val,
		 size_t size)
{
	return config_find(text, len, path, val, size, NULL);
}

int config_load(const char *path, char *buf, size_t size, size_t *len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*len = 0;
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		vc_err("%s: cannot open: %s", path, vc_strerror(errno));
		return -errno;
	}
	while ((n = read(fd, buf + *len, size - *len)) > 0) {
		*len += n;
		if (*len == size)
			break;
	}
	if (n < 0) {
		int e = errno;

		close(fd);
		vc_err("%s: cannot read: %s", path, vc_strerror(e));
		return -e;
	}
	close(fd);
	if (*len == size) {
		vc_err("%s: larger than %u bytes; is it the right file?", path,
		       (unsigned int)size - 1);
		return -EFBIG;
	}
	return 1;
}

int config_read(const char *path, char *val, size_t size)
{
	static char buf[CONFIG_MAX];
	size_t len;
	int r = config_load(path, buf, sizeof(buf), &len);

	if (r <= 0)
		return r;
	return config_parse(buf, len, path, val, size);
}

int config_set_devices(const char *text, size_t len,
		       const struct config_line *where, const char *value,
		       char *out, size_t size)
{
	size_t vlen = strlen(value), n;

	if (where) {
		n = where->start + vlen + (len - where->end);
		if (n >= size)
			return -E2BIG;
		memcpy(out, text, where->start);
		memcpy(out + where->start, value, vlen);
		memcpy(out + where->start + vlen, text + where->end,
		       len - where->end);
	} else {
		/* No devices= line: a new one at the end. */
		int nl = len && text[len - 1] != '\n';

		n = len + nl + 8 + vlen + 1;
		if (n >= size)
			return -E2BIG;
		memcpy(out, text, len);
		if (nl)
			out[len] = '\n';
		memcpy(out + len + nl, "devices=", 8);
		memcpy(out + len + nl + 8, value, vlen);
		out[n - 1] = '\n';
	}
	out[n] = '\0';
	return (int)n;
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

/* 1 for "auto", 0 for "off"; -1 (said) for anything else. */
static int variants_value(const char *v, const char *where)
{
	if (!strcmp(v, "auto"))
		return 1;
	if (!strcmp(v, "off"))
		return 0;
	vc_err("%s%s: '%s' is not auto or off; variant drivers stay "
	       "automatic",
	       where, where[0] == 'v' ? "" : ": variants=", v);
	return -1;
}

int config_variants(const char *cmdline, const char *config)
{
	static char buf[CONFIG_MAX];
	char v[16];
	size_t len;
	int r;

	r = cmdline_get_last(cmdline, "vfio.variants", v, sizeof(v));
	if (r)
		return variants_value(r > 0 ? v : "(too long)",
				      "vfio.variants=") != 0;
	if (!config || !config[0] ||
	    config_load(config, buf, sizeof(buf), &len) <= 0)
		return 1;
	r = find_key(buf, len, config, "variants", 0, v, sizeof(v), NULL);
	if (r <= 0)
		return 1;
	return variants_value(v, config) != 0;
}
