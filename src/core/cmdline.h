/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel command line, split the way the kernel splits it. */
#ifndef VC_CMDLINE_H
#define VC_CMDLINE_H

#include <stddef.h>

struct cmdline_arg {
	const char *param; /* not NUL-terminated */
	size_t param_len;
	const char *val; /* NULL when the argument has no '=' */
	size_t val_len;
};

/*
 * Takes the next argument from *pos with the kernel's quoting rules
 * (lib/cmdline.c next_arg): the whole argument, or only its value, may be
 * in double quotes, which are dropped. Returns 1 and advances *pos, or 0
 * at the end of the line.
 */
int cmdline_next(const char **pos, struct cmdline_arg *arg);

/* Kernel parameter names treat '-' and '_' as the same character. */
int cmdline_param_is(const struct cmdline_arg *arg, const char *name);

/*
 * Copies the value of the LAST name=value parameter into val (NUL
 * terminated). Arguments after a bare "--" belong to init and are not
 * looked at. Returns 1 when found, 0 when absent, -E2BIG when the value
 * does not fit in size bytes.
 */
int cmdline_get_last(const char *cmdline, const char *name, char *val,
		     size_t size);

/* The longest command line read: bootconfig can make it long. */
#define CMDLINE_MAX 32768

/*
 * The one reader of /proc/cmdline (or path) for both programs: all of it
 * up to size - 1 bytes (use CMDLINE_MAX + 1), NUL terminated, with a
 * warning when it does not fit. 0 or -errno.
 */
int cmdline_read(const char *path, char *buf, size_t size);

#endif
