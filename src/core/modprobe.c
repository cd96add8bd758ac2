// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Loading a module with a modprobe program: vfio-claim's way at boot, and
 * vfioctl's with --modprobe (fake hosts). One fork and exec, no libkmod.
 */
#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "modprobe.h"

int modprobe_run(void *data, const char *module)
{
	const char *prog = data;
	int status;
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
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
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
