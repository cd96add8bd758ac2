// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "host.h"

int host_cpu_flag(const char *text, size_t len, const char *flag)
{
	size_t fl = strlen(flag), i = 0, end;

	while (i < len) {
		/* One line: [i, end). */
		const char *nl = memchr(text + i, '\n', len - i);

		end = nl ? (size_t)(nl - text) : len;
		if (end - i > 5 && !memcmp(text + i, "flags", 5) &&
		    (text[i + 5] == ' ' || text[i + 5] == '\t' ||
		     text[i + 5] == ':')) {
			const char *p = memchr(text + i, ':', end - i);

			if (!p || !nl) /* cut short: not known */
				return 0;
			for (p++; p < text + end;) {
				const char *w;

				while (p < text + end && *p == ' ')
					p++;
				w = p;
				while (p < text + end && *p != ' ')
					p++;
				if ((size_t)(p - w) == fl &&
				    !memcmp(w, flag, fl))
					return 1;
			}
			return 0; /* the first CPU's flags decide */
		}
		i = end + 1;
	}
	return 0;
}

/* The first CPU's block is enough: its flags line ends well before. */
static int cpuinfo_guest(const char *path)
{
	static char buf[8192];
	size_t len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	while (len < sizeof(buf) &&
	       (n = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t)n;
	close(fd);
	return host_cpu_flag(buf, len, "hypervisor");
}

static int missing(const char *path)
{
	return path && path[0] && access(path, F_OK) < 0 && errno == ENOENT;
}

unsigned int host_facts(const char *cpuinfo, const char *modules,
			const char *moddir)
{
	unsigned int h = 0;

	if (cpuinfo && cpuinfo[0] && cpuinfo_guest(cpuinfo))
		h |= HOST_GUEST;
	if (missing(modules) || missing(moddir))
		h |= HOST_NOMODULES;
	return h;
}
