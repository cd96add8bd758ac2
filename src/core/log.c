// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "input.h"
#include "log.h"

static const char *log_ident = "vfio-claim";
static const char *log_path;
static int log_fd = -1; /* kmsg or a file; -1 means stderr only */
static int log_lines; /* written through this log_fd */
static int log_max = VC_INFO;
static int log_echo;

void log_setup(const char *ident, const char *path, int level, int echo)
{
	log_ident = ident;
	log_max = level;
	log_echo = echo;
	log_close();
	log_path = path;
	if (path) {
		log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
			      0644);
		if (log_fd < 0)
			log_echo = 1;
	} else {
		log_echo = 1;
	}
}

/*
 * The kernel rate-limits each open /dev/kmsg to 10 lines per 5 seconds
 * and drops the rest silently; a fresh open starts a fresh budget.
 */
#define KMSG_BURST 8

static void log_reopen(void)
{
	int fd = open(log_path, O_WRONLY | O_APPEND | O_CLOEXEC);

	if (fd >= 0) {
		close(log_fd);
		log_fd = fd;
	}
	log_lines = 0;
}

void log_close(void)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	log_lines = 0;
}

int log_level(void)
{
	return log_max;
}

void log_msg(int prio, const char *fmt, ...)
{
	/* kmsg takes one record per write; keep it one line. */
	char line[512], raw[512];
	int hdr, n, saved = errno;
	va_list ap;

	if (prio > log_max)
		return;
	hdr = snprintf(line, sizeof(line), "<%d>%s: ", prio, log_ident);
	va_start(ap, fmt);
	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n > (int)sizeof(raw) - 1)
		n = sizeof(raw) - 1;
	/* What came from input (a selector, a file) may hold anything. */
	n = hdr + vc_escape(line + hdr, sizeof(line) - hdr - 1, raw, n);
	line[n++] = '\n';
	line[n] = '\0';

	if (log_fd >= 0 && ++log_lines > KMSG_BURST)
		log_reopen();
	if (log_fd >= 0 && write(log_fd, line, n) < 0)
		log_echo = 1;
	if (log_echo) {
		/* stderr gets "vfio-claim: error: ..." without the <N>. */
		const char *w = prio == VC_ERR	  ? "error: "
				: prio == VC_WARN ? "warning: "
						  : "";
		char out[600];
		int m = snprintf(out, sizeof(out), "%s: %s%s", log_ident, w,
				 line + hdr);

		if (m > (int)sizeof(out) - 1)
			m = sizeof(out) - 1;
		if (write(STDERR_FILENO, out, m) < 0)
			m = 0;
	}
	errno = saved;
}

/*
 * One string with the messages in the order of codes[], each ended by a
 * NUL: no table of pointers (a switch became 320 bytes of jump table).
 */
const char *vc_strerror(int err)
{
	static const unsigned char codes[] = {
		ENOENT,	      EACCES, EPERM,  EBUSY,   ENODEV, EINVAL, EIO,
		ENOMEM,	      ENOSPC, EROFS,  ENOTDIR, EISDIR, EFBIG,  E2BIG,
		ENAMETOOLONG, ELOOP,  EEXIST, EAGAIN,  ENXIO,
	};
	static const char text[] = "No such file or directory\0"
				   "Permission denied\0"
				   "Operation not permitted\0"
				   "Device or resource busy\0"
				   "No such device\0"
				   "Invalid argument\0"
				   "Input/output error\0"
				   "Out of memory\0"
				   "No space left on device\0"
				   "Read-only file system\0"
				   "Not a directory\0"
				   "Is a directory\0"
				   "Attribute too large\0"
				   "Value too long\0"
				   "Path too long\0"
				   "Symbolic link loop\0"
				   "File exists\0"
				   "Try again\0"
				   "No such device or address\0"
				   "Unexpected error";
	unsigned int i;

	if (err < 0)
		err = -err;
	for (i = 0; i < sizeof(codes) && codes[i] != err; i++)
		;
	return vc_nth(text, i);
}

const char *vc_nth(const char *list, unsigned int n)
{
	while (n--)
		list += strlen(list) + 1;
	return list;
}
