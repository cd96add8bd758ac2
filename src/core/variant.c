// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio variant drivers (drivers/vfio/pci/: mlx5_vfio_pci,
 * nvgrace_gpu_vfio_pci, ...). The kernel gives them "vfio_pci:" aliases in
 * modules.alias instead of "pci:" ones, so that nothing autoloads them:
 * userspace picks one for a device by matching the device's modalias
 * ("pci:v...d...sv...sd...bc...sc...i..") against the patterns after the
 * prefix, with the shell glob syntax the kernel's aliases use.
 *
 * Our rule when several match: the most specific pattern wins, that is the
 * one with the fewest wildcards ('*', '?', a [set] counts once); on a tie
 * the longer pattern, then the first line. vfio_pci's own alias
 * (vfio_pci:v*d*sv*sd*bc*sc*i*, from its PCI_DRIVER_OVERRIDE_DEVICE_VFIO
 * ID) matches every device and is skipped: no match means vfio-pci.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "variant.h"

#define PREFIX "alias vfio_pci:"

int variant_glob(const char *p, const char *s)
{
	const char *star = NULL, *back = NULL;

	for (;;) {
		if (*p == '*') {
			star = ++p;
			back = s;
			continue;
		}
		if (!*s)
			return !*p;
		if (*p == '?') {
			p++, s++;
			continue;
		}
		if (*p == '[') {
			const char *q = p + 1;
			int neg = *q == '!' || *q == '^', hit = 0;

			q += neg;
			while (*q && *q != ']') {
				if (q[1] == '-' && q[2] && q[2] != ']') {
					hit |= *s >= q[0] && *s <= q[2];
					q += 3;
				} else {
					hit |= *s == *q++;
				}
			}
			if (*q == ']' && hit != neg) {
				p = q + 1, s++;
				continue;
			}
		} else if (*p == *s) {
			p++, s++;
			continue;
		}
		if (!star)
			return 0;
		p = star;
		s = ++back;
	}
}

static int wildcards(const char *p, size_t len)
{
	int n = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] == '*' || p[i] == '?') {
			n++;
		} else if (p[i] == '[') {
			n++;
			while (i < len && p[i] != ']')
				i++;
		}
	}
	return n;
}

struct best {
	const char *modalias; /* after "pci:" */
	const char *want; /* a module name to check for, or NULL */
	char *mod;
	size_t size;
	int wild, len, found;
};

/* One line "alias vfio_pci:PATTERN MODULE" (len bytes, no newline). */
static void line(struct best *b, char *l, size_t len)
{
	char *pat = l + sizeof(PREFIX) - 1, *sp, *m;
	size_t plen, mlen;
	int w;

	if (len <= sizeof(PREFIX) - 1 || memcmp(l, PREFIX, sizeof(PREFIX) - 1))
		return;
	l[len] = '\0';
	sp = strchr(pat, ' ');
	if (!sp)
		return;
	*sp = '\0';
	m = sp + 1;
	plen = sp - pat;
	mlen = strlen(m);
	/* vfio-pci's own alias matches every device: it is no variant. */
	if (!strcmp(m, "vfio_pci"))
		return;
	if (b->want) {
		if (!strcmp(m, b->want))
			b->found = 1;
		return;
	}
	if (!variant_glob(pat, b->modalias))
		return;
	w = wildcards(pat, plen);
	if (b->found && (w > b->wild || (w == b->wild && (int)plen <= b->len)))
		return;
	if (mlen >= b->size)
		return;
	memcpy(b->mod, m, mlen + 1);
	b->wild = w;
	b->len = (int)plen;
	b->found = 1;
}

/* Streams path line by line into line(). 0 or -errno. */
static int scan(const char *path, struct best *b)
{
	char buf[4096 + 1];
	size_t have = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
		char *start = buf, *nl, *end = buf + have + n;

		while ((nl = memchr(start, '\n', end - start))) {
			line(b, start, nl - start);
			start = nl + 1;
		}
		have = end - start;
		if (have == sizeof(buf) - 1)
			have = 0; /* a line longer than the buffer: skip it */
		memmove(buf, start, have);
	}
	if (have)
		line(b, buf, have);
	close(fd);
	return n < 0 ? -errno : 0;
}

int variant_find(const char *alias_path, const char *modalias, char *mod,
		 size_t size)
{
	struct best b = { 0 };
	int r;

	if (strncmp(modalias, "pci:", 4))
		return 0;
	b.modalias = modalias + 4;
	b.mod = mod;
	b.size = size;
	r = scan(alias_path, &b);
	return r ? r : b.found;
}

int variant_known(const char *alias_path, const char *module)
{
	struct best b = { 0 };
	int r;

	b.want = module;
	r = scan(alias_path, &b);
	return r ? r : b.found;
}
