// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Loading a module with a modprobe program: vfio-claim's way at boot, and
 * vfioctl's with --modprobe (fake hosts). One fork and exec, no libkmod.
 * Every wait is bounded (modprobe_wait_secs of the clock, polled every
 * millisecond; not a count of polls, which a slow machine stretches: 33 s
 * for 10 under TCG): a modprobe that hangs never blocks the boot; it is
 * left to run.
 */
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "modprobe.h"

unsigned int modprobe_wait_secs = 10;

/* The child modprobe_start started, until a modprobe_run waits for it. */
static pid_t early_pid;
static const char *early_module;

static pid_t spawn(const char *prog, const char *module)
{
	pid_t pid;

	vc_info("loading %s with %s", module, prog);
	pid = fork();
	if (pid < 0) {
		vc_err("cannot start %s: %s", prog, vc_strerror(errno));
		return -errno;
	}
	if (pid == 0) {
		char *const argv[] = { (char *)prog, (char *)module, NULL };

		execv(prog, argv);
		_exit(127);
	}
	return pid;
}

int modprobe_start(const char *prog, const char *module)
{
	pid_t pid = spawn(prog, module);

	if (pid < 0)
		return pid;
	early_pid = pid;
	early_module = module;
	return 0;
}

int modprobe_run(void *data, const char *module)
{
	const struct timespec tick = { 0, 1000 * 1000 };
	const char *prog = data;
	pid_t pid = early_pid;
	time_t end = time(NULL) + modprobe_wait_secs;
	int status, r;

	if (pid > 0 && !strcmp(module, early_module))
		early_pid = 0;
	else if ((pid = spawn(prog, module)) < 0)
		return pid;
	while (!(r = waitpid(pid, &status, WNOHANG)) && time(NULL) <= end)
		nanosleep(&tick, NULL);
	if (r <= 0) {
		vc_warn("%s %s: no exit after %u s; going on without it", prog,
			module, modprobe_wait_secs);
		return -ETIMEDOUT;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		vc_err("%s %s failed (status %d): is %s in the initramfs?",
		       prog, module,
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1, module);
		return -EIO;
	}
	return 0;
}

const char *modprobe_find(void)
{
	static const char *const paths[] = { "/sbin/modprobe",
					     "/usr/sbin/modprobe",
					     "/bin/modprobe",
					     "/usr/bin/modprobe" };
	unsigned int i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}
