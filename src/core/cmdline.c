// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel's command line rules, as lib/cmdline.c next_arg() applies
 * them, written afresh and without modifying the input:
 * - arguments are separated by whitespace outside double quotes;
 * - an argument that starts with '"' has that quote and a closing quote at
 *   its very end dropped;
 * - the value after the first '=' has a leading quote dropped, and a
 *   quote at the very end of the argument too;
 * - a bare "--" ends the kernel's arguments.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cmdline.h"
#include "log.h"

/* The kernel's isspace(), which also counts Latin-1 NBSP (0xa0). */
static int k_isspace(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

int cmdline_next(const char **pos, struct cmdline_arg *arg)
{
	const char *p = *pos, *start, *end, *eq = NULL;
	int in_quote = 0, quoted = 0;

	while (*p && k_isspace((unsigned char)*p))
		p++;
	if (!*p) {
		*pos = p;
		return 0;
	}
	if (*p == '"') {
		p++;
		in_quote = quoted = 1;
	}
	start = p;
	for (; *p; p++) {
		if (k_isspace((unsigned char)*p) && !in_quote)
			break;
		/* Like the kernel, an '=' at index 0 is not a separator. */
		if (!eq && *p == '=' && p != start)
			eq = p;
		if (*p == '"')
			in_quote = !in_quote;
	}
	end = p; /* one past the argument */

	arg->param = start;
	if (!eq) {
		arg->val = NULL;
		arg->val_len = 0;
		arg->param_len = end - start;
	} else {
		const char *v = eq + 1, *vend = end;

		arg->param_len = eq - start;
		if (*v == '"') {
			v++;
			if (vend > v && vend[-1] == '"')
				vend--;
		}
		/* The whole argument was quoted: its closing quote goes. */
		if (quoted && vend == end && vend > v && vend[-1] == '"')
			vend--;
		if (vend < v)
			vend = v;
		arg->val = v;
		arg->val_len = vend - v;
	}
	if (!eq && quoted && arg->param_len > 0 && end[-1] == '"')
		arg->param_len--;

	*pos = *end ? end + 1 : end;
	return 1;
}

int cmdline_param_is(const struct cmdline_arg *arg, const char *name)
{
	size_t i, n = strlen(name);

	if (arg->param_len != n)
		return 0;
	for (i = 0; i < n; i++) {
		char a = arg->param[i], b = name[i];

		if (a == '-')
			a = '_';
		if (b == '-')
			b = '_';
		if (a != b)
			return 0;
	}
	return 1;
}

int cmdline_get_last(const char *cmdline, const char *name, char *val,
		     size_t size)
{
	const char *pos = cmdline;
	struct cmdline_arg arg, last;
	int found = 0;

	while (cmdline_next(&pos, &arg)) {
		if (!arg.val && arg.param_len == 2 && arg.param[0] == '-' &&
		    arg.param[1] == '-')
			break;
		if (arg.val && cmdline_param_is(&arg, name)) {
			last = arg;
			found = 1;
		}
	}
	if (!found)
		return 0;
	if (last.val_len >= size)
		return -E2BIG;
	memcpy(val, last.val, last.val_len);
	val[last.val_len] = '\0';
	return 1;
}

int cmdline_read(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n = 0;

	buf[0] = '\0';
	if (fd < 0)
		return -errno;
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	if (len == size - 1)
		vc_warn("%s is longer than %u bytes; a vfio.devices= past that "
			"is not seen",
			path, (unsigned int)size - 1);
	return n < 0 ? -EIO : 0;
}
