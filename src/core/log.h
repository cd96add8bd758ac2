/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One line per action or error, to /dev/kmsg (or stderr, or a file). */
#ifndef VC_LOG_H
#define VC_LOG_H

enum { VC_ERR = 3, VC_WARN = 4, VC_INFO = 6, VC_DEBUG = 7 };

/*
 * path: where kernel-log lines go ("/dev/kmsg", a test file, or NULL for
 * stderr only). level: the highest priority still logged. echo: also copy
 * every logged line to stderr. When path cannot be opened, lines go to
 * stderr instead.
 */
void log_setup(const char *ident, const char *path, int level, int echo);
void log_close(void);
int log_level(void);
void log_msg(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define vc_err(...) log_msg(VC_ERR, __VA_ARGS__)
#define vc_warn(...) log_msg(VC_WARN, __VA_ARGS__)
#define vc_info(...) log_msg(VC_INFO, __VA_ARGS__)
#define vc_dbg(...) log_msg(VC_DEBUG, __VA_ARGS__)

/* strerror() for the errnos we meet, small enough for klibc builds. */
const char *vc_strerror(int err);

/*
 * The nth of the NUL-terminated strings that follow each other in list: a
 * table of names without a table of pointers.
 */
const char *vc_nth(const char *list, unsigned int n);

#endif
