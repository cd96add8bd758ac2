// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The initramfs generator that builds this host's boot images: which one
 * it is, whether mkinitcpio's HOOKS carry our hook, and running it.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "reserve.h"
#include "vfioctl.h"

int find_prog(const struct vctl *c, const char *name, char *prog, size_t size)
{
	static const char *const dirs[] = { "/usr/local/sbin", "/usr/local/bin",
					    "/usr/sbin",       "/usr/bin",
					    "/sbin",	       "/bin" };
	char p[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		vctl_fmt(p, sizeof(p), "%s/%s", dirs[i], name);
		vctl_host_path(c, prog, size, p);
		if (prog[0] && access(prog, X_OK) == 0)
			return 0;
	}
	prog[0] = '\0';
	return -ENOENT;
}

static int host_exists(const struct vctl *c, const char *path)
{
	char p[PATH_MAX];
	struct stat st;

	vctl_host_path(c, p, sizeof(p), path);
	return p[0] && stat(p, &st) == 0;
}

/*
 * layout= of kernel-install's install.conf (/etc/kernel, else
 * /usr/lib/kernel), as kernel-install reads it. 1 with the file's name in
 * which when it is "uki".
 */
static int layout_is_uki(const struct vctl *c, const char **which)
{
	static const char *const files[] = { "/etc/kernel/install.conf",
					     "/usr/lib/kernel/install.conf" };
	char p[PATH_MAX], line[256];
	size_t i;

	for (i = 0; i < 2; i++) {
		FILE *fp;
		int uki = 0;

		vctl_host_path(c, p, sizeof(p), files[i]);
		if (!p[0] || !(fp = fopen(p, "re")))
			continue;
		while (fgets(line, sizeof(line), fp)) {
			char *s = line, *e;

			s += strspn(s, " \t");
			if (strncmp(s, "layout=", 7))
				continue;
			s += 7;
			s += strspn(s, "\"'");
			e = s + strcspn(s, "\"' \t\r\n#");
			uki = e - s == 3 && !strncmp(s, "uki", 3);
		}
		fclose(fp);
		*which = files[i];
		return uki;
	}
	return 0;
}

/*
 * The running kernel's image for kernel-install add: where systemd
 * distributions keep it, then /boot.
 */
static int kernel_image(const struct vctl *c, struct gen *g)
{
	static const char *const fmts[] = { "/usr/lib/modules/%s/vmlinuz",
					    "/lib/modules/%s/vmlinuz",
					    "/boot/vmlinuz-%s" };
	struct utsname u;
	size_t i;

	if (uname(&u) < 0)
		return -errno;
	snprintf(g->kver, sizeof(g->kver), "%s", u.release);
	for (i = 0; i < 3; i++) {
		vctl_fmt(g->image, sizeof(g->image), fmts[i], g->kver);
		if (host_exists(c, g->image))
			return 0;
	}
	return -ENOENT;
}

/*
 * Adds a command to g: argv, run by the program that next_prog left in
 * its step. The first one names the generator.
 */
static void gen_add(struct gen *g, const char *name, const char *why,
		    const char *const *argv)
{
	struct gen_step *s = &g->step[g->nstep++];
	size_t n = strlen(g->cmd);
	int i;

	if (name) {
		g->name = name;
		snprintf(g->why, sizeof(g->why), "%s", why);
	}
	if (n)
		n += snprintf(g->cmd + n, sizeof(g->cmd) - n, " && ");
	for (i = 0; argv[i] && i < 7; i++) {
		s->argv[i] = argv[i];
		if (n < sizeof(g->cmd))
			n += snprintf(g->cmd + n, sizeof(g->cmd) - n, "%s%s",
				      i ? " " : "", argv[i]);
	}
	s->argv[i] = NULL;
}

/* The program of the next command, into its step: 0 or -ENOENT. */
static int next_prog(const struct vctl *c, struct gen *g, const char *name)
{
	return find_prog(c, name, g->step[g->nstep].prog,
			 sizeof(g->step[g->nstep].prog));
}

/*
 * The initrd of a UKI host that keeps one in /boot (Debian, Ubuntu):
 * kernel-install's plugins put two initrds into the UKI, the one its
 * generator makes (dracut's 50-dracut.install) and, after it, Debian's
 * 55-initrd.install adds /boot/initrd.img-KVER as it is; the later one's
 * /etc/vfio-claim.conf wins at boot, so the UKI would claim what the old
 * file said (seen in a Debian 13 boot: tests/system/uki.sh). So that file
 * is rebuilt first, by the host's generator, and handed to kernel-install
 * add, which then puts it in alone. 1 when the first step is set, 0 when
 * there is no such file or no generator for it.
 */
static int uki_initrd(const struct vctl *c, struct gen *g, const char *why)
{
	vctl_fmt(g->initrd, sizeof(g->initrd), "/boot/initrd.img-%s", g->kver);
	if (!host_exists(c, g->initrd))
		return 0;
	if (host_exists(c, "/etc/initramfs-tools") &&
	    next_prog(c, g, "update-initramfs") == 0) {
		gen_add(g, "kernel-install", why,
			(const char *const[]){ "update-initramfs", "-u", "-k",
					       g->kver, NULL });
		return 1;
	}
	if (next_prog(c, g, "dracut") == 0) {
		gen_add(g, "kernel-install", why,
			(const char *const[]){ "dracut", "--force", g->initrd,
					       g->kver, NULL });
		return 1;
	}
	g->initrd[0] = '\0';
	return 0;
}

/*
 * Which generator builds this host's boot images, in this order (the man
 * page says the same):
 *   1. layout=uki in install.conf, and kernel-install: UKIs;
 *   2. /etc/mkinitcpio.conf and mkinitcpio (Arch);
 *   3. /etc/initramfs-tools and update-initramfs (Debian, Ubuntu; Debian's
 *      dracut conflicts with initramfs-tools, so both are never there);
 *   4. dracut (Fedora, RHEL, SUSE, Debian with dracut).
 * 0, or -ENOENT when none is found.
 */
int detect_generator(const struct vctl *c, struct gen *g)
{
	const char *conf = NULL;

	memset(g, 0, sizeof(*g));
	if (layout_is_uki(c, &conf) && next_prog(c, g, "kernel-install") == 0) {
		char why[PATH_MAX];

		if (kernel_image(c, g)) {
			vc_err("layout=uki in %s, but no kernel image for %s "
			       "in "
			       "/usr/lib/modules/%s/vmlinuz or "
			       "/boot/vmlinuz-%s",
			       conf, g->kver, g->kver, g->kver);
			return -ENOENT;
		}
		vctl_fmt(why, sizeof(why), "layout=uki in %s", conf);
		if (uki_initrd(c, g, why)) {
			next_prog(c, g, "kernel-install");
			gen_add(g, NULL, NULL,
				(const char *const[]){ "kernel-install", "add",
						       g->kver, g->image,
						       g->initrd, NULL });
		} else {
			gen_add(g, "kernel-install", why,
				(const char *const[]){ "kernel-install", "add",
						       g->kver, g->image,
						       NULL });
		}
		return 0;
	}
	if (host_exists(c, "/etc/mkinitcpio.conf") &&
	    next_prog(c, g, "mkinitcpio") == 0) {
		gen_add(g, "mkinitcpio", "/etc/mkinitcpio.conf and mkinitcpio",
			(const char *const[]){ "mkinitcpio", "-P", NULL });
		return 0;
	}
	if (host_exists(c, "/etc/initramfs-tools") &&
	    next_prog(c, g, "update-initramfs") == 0) {
		gen_add(g, "initramfs-tools",
			"/etc/initramfs-tools and update-initramfs",
			(const char *const[]){ "update-initramfs", "-u", "-k",
					       "all", NULL });
		return 0;
	}
	if (next_prog(c, g, "dracut") == 0) {
		gen_add(g, "dracut", "dracut",
			(const char *const[]){ "dracut", "--force",
					       "--regenerate-all", NULL });
		return 0;
	}
	return -ENOENT;
}

/*
 * The HOOKS= arrays of one mkinitcpio config file (bash: the array may
 * span lines; the last assignment wins). 1 when there is one, with *ours
 * set when the last names vfio-claim or sd-vfio-claim.
 */
static int hooks_of(const char *path, int *ours)
{
	char line[1024];
	FILE *fp = fopen(path, "re");
	int found = 0, in = 0, cur = 0;

	if (!fp)
		return 0;
	while (fgets(line, sizeof(line), fp)) {
		char *s = line, *hash = strchr(line, '#');

		if (hash)
			*hash = '\0';
		if (!in) {
			s += strspn(s, " \t");
			if (strncmp(s, "HOOKS=", 6))
				continue;
			s += 6;
			found = 1;
			cur = 0;
			in = *s == '(';
		}
		cur |= strstr(s, "vfio-claim") != NULL;
		if (in && strchr(s, ')'))
			in = 0;
		if (!in)
			*ours = cur;
	}
	if (in)
		*ours = cur;
	fclose(fp);
	return found;
}

static int conf_d(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return n > 5 && !strcmp(de->d_name + n - 5, ".conf");
}

/*
 * mkinitcpio builds our hook in only when HOOKS names it: say so before
 * the rebuild, which would otherwise succeed and claim nothing. It reads
 * /etc/mkinitcpio.conf, then the .conf files of /etc/mkinitcpio.conf.d in
 * order.
 */
void check_mkinitcpio_hooks(const struct vctl *c)
{
	char p[PATH_MAX], dir[PATH_MAX], last[PATH_MAX] = "";
	struct dirent **de = NULL;
	int ours = 0, n, i;

	vctl_host_path(c, p, sizeof(p), "/etc/mkinitcpio.conf");
	if (p[0] && hooks_of(p, &ours))
		snprintf(last, sizeof(last), "/etc/mkinitcpio.conf");
	vctl_host_path(c, dir, sizeof(dir), "/etc/mkinitcpio.conf.d");
	n = dir[0] ? scandir(dir, &de, conf_d, alphasort) : -1;
	for (i = 0; i < n; i++) {
		vctl_fmt(p, sizeof(p), "%s/%s", dir, de[i]->d_name);
		if (hooks_of(p, &ours))
			vctl_fmt(last, sizeof(last),
				 "/etc/mkinitcpio.conf.d/%s", de[i]->d_name);
		free(de[i]);
	}
	free(de);
	if (last[0] && !ours)
		vc_warn("HOOKS in %s has no vfio-claim: add vfio-claim before "
			"udev (or sd-vfio-claim after systemd), or the image "
			"claims nothing",
			last);
}

/* ---- Ctrl-C, SIGTERM, SIGHUP while the file is changed ---- */

static volatile sig_atomic_t stop_sig;

static void on_stop(int sig)
{
	stop_sig = sig;
}

void gen_catch_stop(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa, old;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop; /* no SA_RESTART: waitpid returns EINTR */
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		/* What the caller ignores (nohup, a background job's
		 * SIGINT) stays ignored. */
		if (sigaction(sigs[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

int gen_stopped(void)
{
	return stop_sig;
}

void gen_reraise(void)
{
	int sig = stop_sig;

	if (!sig)
		return;
	fflush(stdout);
	fflush(stderr);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Runs one command of the generator; 0 when it exits 0, -EINTR when a
 * signal of gen_catch_stop stopped us meanwhile (the command is told with
 * SIGTERM and waited for), else -errno or -EIO.
 */
static int run_step(const struct gen *g, const struct gen_step *s)
{
	int st, told = 0;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		vc_err("'%s': cannot start it: %s", g->cmd, vc_strerror(errno));
		return -errno;
	}
	if (pid == 0) {
		execv(s->prog, (char *const *)s->argv);
		fprintf(stderr, "vfioctl: error: %s: cannot run it: %s\n",
			s->prog, vc_strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			vc_err("'%s': cannot wait for it: %s", g->cmd,
			       vc_strerror(errno));
			return -errno;
		}
		/* A Ctrl-C reaches the generator too; SIGTERM may not. */
		if (stop_sig && !told) {
			kill(pid, SIGTERM);
			told = 1;
		}
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (stop_sig) {
		vc_err("'%s' was stopped: vfioctl got signal %d", g->cmd,
		       (int)stop_sig);
		return -EINTR;
	}
	if (WIFEXITED(st))
		vc_err("'%s' failed (exit status %d)", g->cmd, WEXITSTATUS(st));
	else
		vc_err("'%s' was killed by signal %d", g->cmd,
		       WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return -EIO;
}

/*
 * Runs one program (a path) with argv, as a generator's command runs:
 * the same signal handling and messages. 0 when it exits 0.
 */
int run_program(const char *prog, const char *const *argv)
{
	struct gen g;

	memset(&g, 0, sizeof(g));
	snprintf(g.step[0].prog, sizeof(g.step[0].prog), "%s", prog);
	gen_add(&g, argv[0], "", argv);
	return run_generator(&g);
}

/* Runs the generator's commands in order, until one fails. */
int run_generator(const struct gen *g)
{
	int i, r = 0;

	for (i = 0; i < g->nstep && !r; i++)
		r = run_step(g, &g->step[i]);
	return r;
}
