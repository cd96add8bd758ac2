// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl reserve --try: one boot of the running kernel and its current
 * initramfs with the new value, kept only when confirmed. The boot is a
 * kexec: kexec_file_load (kexec -s) first, which lockdown and Secure Boot
 * allow for a kernel signed with a trusted key (kernel/kexec_file.c,
 * kimage_validate_signature()); kexec_load (kexec -c) only where the
 * kernel has no kexec_file_load, since lockdown refuses it outright
 * (kernel/kexec.c, kexec_load_check(): security_locked_down(
 * LOCKDOWN_KEXEC)). Nothing permanent is written: the value lives on the
 * trial kernel's command line only, and a firmware reboot forgets it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cmdline.h"
#include "log.h"
#include "reserve.h"
#include "trial.h"

/*
 * What turns a trial boot that hangs into a reboot, appended after the
 * value and the marker (the last of each wins: the kernel's parse_args()
 * assigns in order, and initramfs-tools' init and dracut's getarg read the
 * last):
 *  - panic=10: the kernel reboots 10 s after a panic (kernel/panic.c);
 *    initramfs-tools' panic() in scripts/functions reboots after that many
 *    seconds instead of opening a shell when its init gives up (no root
 *    device, a failed mount);
 *  - rd.shell=0 rd.emergency=reboot: dracut reboots instead of opening its
 *    emergency shell (dracut-emergency.sh, dracut.cmdline(7)).
 * mkinitcpio's busybox init has no such option: its recovery shell waits
 * (the man page says so).
 */
#define TRIAL_SAFETY "panic=10 rd.shell=0 rd.emergency=reboot"

/* The kernel's COMMAND_LINE_SIZE on x86 (arch/x86/include/asm/setup.h). */
#define KCMDLINE_MAX 2048

void trial_fmt_left(long secs, char *buf, size_t size)
{
	if (secs >= 60)
		snprintf(buf, size, "%ld min %ld s", secs / 60, secs % 60);
	else
		snprintf(buf, size, "%ld s", secs);
}

const char *trial_state_name(int state)
{
	return state == TRIAL_CONFIRMED	   ? "confirmed"
	       : state == TRIAL_CONFIRMING ? "confirming"
					   : "open";
}

void trial_render(const struct trial *t)
{
	char left[32];

	if (!t->active)
		return;
	if (t->state == TRIAL_CONFIRMED) {
		printf("trial boot: vfio.devices=%s, confirmed\n", t->value);
		return;
	}
	trial_fmt_left(t->left, left, sizeof(left));
	printf("trial boot: vfio.devices=%s is on trial: %s left to run "
	       "'vfioctl confirm'; then the host reboots into its "
	       "configuration from before\n",
	       t->value, left);
}

/* A small file of the host, first line, into buf; 0 or -errno. */
static int read_small(const char *path, char *buf, size_t size)
{
	FILE *fp = path[0] ? fopen(path, "re") : NULL;

	buf[0] = '\0';
	if (!fp)
		return -errno ? -errno : -ENOENT;
	if (!fgets(buf, size, fp))
		buf[0] = '\0';
	fclose(fp);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

void trial_read(struct vctl *c, struct trial *t)
{
	static char cmdline[CMDLINE_MAX + 1];
	char v[32], p[PATH_MAX], line[64];
	char *end;

	memset(t, 0, sizeof(*t));
	t->uptime = -1;
	vctl_fmt(t->state_path, sizeof(t->state_path), "%s/trial", c->rundir);
	if (!c->rundir[0])
		t->state_path[0] = '\0';
	if (!vctl_cmdline(c, cmdline, sizeof(cmdline)) ||
	    cmdline_get_last(cmdline, "vfio.trial", v, sizeof(v)) != 1)
		return;
	t->window = strtol(v, &end, 10);
	if (*end || t->window <= 0)
		t->window = TRIAL_DEFAULT;
	t->active = 1;
	if (cmdline_get_last(cmdline, "vfio.devices", t->value,
			     sizeof(t->value)) != 1)
		t->value[0] = '\0';
	vctl_fmt(p, sizeof(p), "%s/uptime", c->proc);
	if (c->proc[0] && read_small(p, line, sizeof(line)) == 0)
		t->uptime = strtol(line, NULL, 10);
	t->left = t->uptime < 0		   ? t->window
		  : t->uptime >= t->window ? 0
					   : t->window - t->uptime;
	if (t->state_path[0] &&
	    read_small(t->state_path, line, sizeof(line)) == 0) {
		if (!strcmp(line, "confirmed"))
			t->state = TRIAL_CONFIRMED;
		else if (!strncmp(line, "confirming ", 11)) {
			t->state = TRIAL_CONFIRMING;
			t->pid = strtol(line + 11, NULL, 10);
		}
	}
}

int trial_set_state(const struct trial *t, int state)
{
	char text[64];
	int fd;

	if (!t->state_path[0])
		return -ENOENT;
	if (state == TRIAL_OPEN)
		return unlink(t->state_path) && errno != ENOENT ? -errno : 0;
	if (state == TRIAL_CONFIRMED)
		snprintf(text, sizeof(text), "confirmed\n");
	else
		snprintf(text, sizeof(text), "confirming %ld\n",
			 (long)getpid());
	/* /run/vfio-claim exists when vfio-claim ran in this boot; else make
	 * it. */
	fd = open(t->state_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		  0644);
	if (fd < 0 && errno == ENOENT) {
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "%s", t->state_path);
		*strrchr(dir, '/') = '\0';
		if (mkdir(dir, 0755) == 0 || errno == EEXIST)
			fd = open(t->state_path,
				  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
				  0644);
	}
	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		return -EIO;
	}
	return close(fd) ? -errno : 0;
}

void trial_log(struct vctl *c, const char *fmt, ...)
{
	char msg[1024], p[PATH_MAX], line[1100];
	va_list ap;
	int fd, n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("%s\n", msg);
	fflush(stdout);
	/* <5>: notice; the kernel log keeps it across the reboot's console. */
	vctl_fmt(p, sizeof(p), "%s/kmsg", c->dev);
	if (!c->dev[0] || (fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0)
		return;
	n = snprintf(line, sizeof(line), "<5>vfioctl: %s\n", msg);
	if (n > 0 && write(fd, line, (size_t)n) < 0)
		n = 0;
	close(fd);
}

/* ---- reserve --try ---- */

/* The kernel release of the host: ROOT/proc's, else uname's. */
static void host_release(const struct vctl *c, char *buf, size_t size)
{
	char p[PATH_MAX];
	struct utsname u;

	vctl_fmt(p, sizeof(p), "%s/sys/kernel/osrelease", c->proc);
	if (c->proc[0] && read_small(p, buf, size) == 0 && buf[0])
		return;
	snprintf(buf, size, "%s", uname(&u) == 0 ? u.release : "");
}

/* The first of fmts (each with the release, maybe twice) that exists. */
static int find_file(const struct vctl *c, const char *const *fmts, int n,
		     const char *kver, char *out, size_t size, char *host,
		     size_t hsize)
{
	char p[PATH_MAX];
	struct stat st;
	int i;

	for (i = 0; i < n; i++) {
		vctl_fmt(p, sizeof(p), fmts[i], kver);
		vctl_host_path(c, out, size, p);
		if (out[0] && stat(out, &st) == 0 && S_ISREG(st.st_mode)) {
			snprintf(host, hsize, "%s", p);
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * The way that works where kexec does not: the boot loader's one-shot
 * entry, whose command line the user extends by hand.
 */
static void one_shot_advice(const char *value)
{
	fprintf(stderr,
		"  instead, boot it once from the boot loader with "
		"vfio.devices=%s added: GRUB: GRUB_DEFAULT=saved and "
		"'grub-reboot ENTRY'; systemd-boot: 'bootctl set-oneshot "
		"ENTRY'\n",
		value);
}

/* 1 when the kernel is locked down ([integrity] or [confidentiality]). */
static int locked_down(const struct vctl *c, char *mode, size_t size)
{
	char p[PATH_MAX], line[128], *b, *e;

	vctl_host_path(c, p, sizeof(p), "/sys/kernel/security/lockdown");
	if (!c->root || read_small(p, line, sizeof(line)) ||
	    !(b = strchr(line, '[')) || !(e = strchr(b, ']')))
		return 0;
	*e = '\0';
	snprintf(mode, size, "%s", b + 1);
	return strcmp(mode, "none") != 0;
}

/*
 * kexec_file_load unless the kernel's config says it has only kexec_load:
 * 's' or 'c', or 0 with an error (lockdown allows only the former).
 */
static int kexec_mode(const struct vctl *c, const char *kver, int lockdown)
{
	char p[PATH_MAX], line[256];
	FILE *fp;
	int file = -1, load = 0;

	vctl_fmt(p, sizeof(p), "/boot/config-%s", kver);
	vctl_host_path(c, line, sizeof(line), p);
	fp = line[0] ? fopen(line, "re") : NULL;
	if (!fp)
		return 's'; /* no config to read: try kexec_file_load */
	file = 0;
	while (fgets(line, sizeof(line), fp)) {
		if (!strcmp(line, "CONFIG_KEXEC_FILE=y\n"))
			file = 1;
		if (!strcmp(line, "CONFIG_KEXEC=y\n"))
			load = 1;
	}
	fclose(fp);
	if (file)
		return 's';
	if (load && !lockdown)
		return 'c';
	vc_err("reserve --try: %s: %s; nothing changed", p,
	       load ? "only kexec_load (CONFIG_KEXEC_FILE is not set), which "
		      "the kernel's lockdown refuses"
		    : "no kexec in this kernel (CONFIG_KEXEC and "
		      "CONFIG_KEXEC_FILE are not set)");
	return 0;
}

/*
 * The running command line with ours added: before a bare "--" (what
 * follows it goes to init, not to the kernel). 0 or -E2BIG.
 */
static int trial_cmdline(const char *cur, const char *add, char *out,
			 size_t size)
{
	const char *pos = cur, *at = NULL;
	struct cmdline_arg a;
	size_t head;
	int n;

	while (cmdline_next(&pos, &a))
		if (!a.val && a.param_len == 2 && !strncmp(a.param, "--", 2)) {
			at = a.param;
			break;
		}
	head = at ? (size_t)(at - cur) : strlen(cur);
	while (head && (cur[head - 1] == ' ' || cur[head - 1] == '\n'))
		head--;
	n = snprintf(out, size, "%.*s%s%s%s%s", (int)head, cur, head ? " " : "",
		     add, at ? " " : "", at ? at : "");
	if (n < 0 || (size_t)n >= size)
		return -E2BIG;
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

/* Runs argv[0] (a path) with the rest; 0 when it exits 0. */
static int run(const char *prog, const char *const *argv)
{
	return run_program(prog, argv);
}

int trial_running(struct vctl *c, struct trial *t)
{
	char left[32];

	trial_read(c, t);
	if (!t->active || t->state == TRIAL_CONFIRMED)
		return 0;
	trial_fmt_left(t->left, left, sizeof(left));
	vc_err("--try: this boot is a trial (vfio.devices=%s, %s left): run "
	       "'vfioctl confirm' or 'vfioctl confirm --reject' first; "
	       "nothing changed",
	       t->value, left);
	return 1;
}

/* Checks that a trial can be started here; 0, or 1 after the error. */
static int trial_can(struct vctl *c, const char *value, struct trial *t)
{
	static const char *const units[] = {
		"/usr/lib/systemd/system/vfio-trial.service",
		"/lib/systemd/system/vfio-trial.service",
		"/etc/systemd/system/vfio-trial.service"
	};
	char p[PATH_MAX];
	int i;

	if (trial_running(c, t))
		return 1;
	vctl_host_path(c, p, sizeof(p), "/run/systemd/system");
	if (!p[0] || access(p, F_OK)) {
		vc_err("reserve --try: this host does not run systemd, and the "
		       "countdown that reboots an unconfirmed trial is "
		       "vfio-trial.service; nothing changed");
		one_shot_advice(value);
		return 1;
	}
	if (find_prog(c, "systemctl", p, sizeof(p))) {
		vc_err("reserve --try: no systemctl; nothing changed");
		return 1;
	}
	for (i = 0; i < 3; i++) {
		vctl_host_path(c, p, sizeof(p), units[i]);
		if (p[0] && access(p, F_OK) == 0)
			return 0;
	}
	vc_err("reserve --try: vfio-trial.service is not installed (%s), and "
	       "it is what reboots a trial that is not confirmed; nothing "
	       "changed",
	       units[0]);
	return 1;
}

int trial_go(struct vctl *c, const char *value)
{
	static char cur[CMDLINE_MAX + 1], next[KCMDLINE_MAX + 1];
	char kver[128], kexec[PATH_MAX], sysctl[PATH_MAX], lock[32];
	char kernel[PATH_MAX], initrd[PATH_MAX], hk[PATH_MAX], hi[PATH_MAX];
	char add[TRIAL_VALUE_MAX + 256], left[32], opt[4];
	static const char *const kfmts[] = { "/boot/vmlinuz-%s",
					     "/usr/lib/modules/%s/vmlinuz",
					     "/lib/modules/%s/vmlinuz" };
	static const char *const ifmts[] = { "/boot/initrd.img-%s",
					     "/boot/initramfs-%s.img",
					     "/boot/initrd-%s" };
	long window = c->within ? c->within : TRIAL_DEFAULT;
	struct trial t;
	int mode, lockdown;

	if (trial_can(c, value, &t))
		return 1;
	if (find_prog(c, "kexec", kexec, sizeof(kexec))) {
		vc_err("reserve --try: kexec is not installed (kexec-tools), "
		       "and the trial boots with it; nothing changed");
		one_shot_advice(value);
		return 1;
	}
	vctl_fmt(sysctl, sizeof(sysctl), "%s/sys/kernel/kexec_load_disabled",
		 c->proc);
	/*
	 * kernel/kexec_core.c, kexec_load_permitted(): once set, until the
	 * next boot, both kexec_load and kexec_file_load are refused.
	 */
	if (c->proc[0] && read_small(sysctl, lock, sizeof(lock)) == 0 &&
	    !strcmp(lock, "1")) {
		vc_err("reserve --try: kernel.kexec_load_disabled is 1, so "
		       "this "
		       "kernel refuses kexec until the next boot; nothing "
		       "changed");
		one_shot_advice(value);
		return 1;
	}
	lockdown = locked_down(c, lock, sizeof(lock));
	host_release(c, kver, sizeof(kver));
	mode = kexec_mode(c, kver, lockdown);
	if (!mode) {
		one_shot_advice(value);
		return 1;
	}
	if (find_file(c, kfmts, 3, kver, kernel, sizeof(kernel), hk,
		      sizeof(hk)) ||
	    find_file(c, ifmts, 3, kver, initrd, sizeof(initrd), hi,
		      sizeof(hi))) {
		vc_err("reserve --try: no %s for the running kernel %s (looked "
		       "for /boot/vmlinuz-%s, /usr/lib/modules/%s/vmlinuz and "
		       "/boot/initrd.img-%s, /boot/initramfs-%s.img, "
		       "/boot/initrd-%s); nothing changed",
		       kernel[0] && access(kernel, F_OK) == 0 ? "initramfs"
							      : "kernel image",
		       kver, kver, kver, kver, kver, kver);
		one_shot_advice(value);
		return 1;
	}
	if (!vctl_cmdline(c, cur, sizeof(cur)))
		cur[0] = '\0';
	vctl_fmt(add, sizeof(add), "vfio.devices=%s vfio.trial=%ld %s", value,
		 window, TRIAL_SAFETY);
	if (trial_cmdline(cur, add, next, sizeof(next))) {
		vc_err("reserve --try: the trial's command line would be "
		       "longer "
		       "than the kernel's %d bytes; nothing changed",
		       KCMDLINE_MAX - 1);
		return 1;
	}
	trial_fmt_left(window, left, sizeof(left));
	snprintf(opt, sizeof(opt), "-%c", mode);
	if (!c->quiet || c->dry_run) {
		printf("trial: vfio.devices=%s, for one boot; nothing is "
		       "written\n",
		       value);
		printf("%s: kexec %s %s --initrd=%s, then 'systemctl kexec' "
		       "(%s)\n",
		       c->dry_run ? "would boot" : "booting now", opt, hk, hi,
		       mode == 's' ? "kexec_file_load" : "kexec_load");
		printf("command line: %s\n", next);
		printf("within %s of that boot, run 'vfioctl confirm' to keep "
		       "it (or 'vfioctl confirm --reject'); otherwise the host "
		       "reboots through the firmware into its configuration "
		       "of now\n",
		       left);
		if (lockdown && mode == 's')
			printf("the kernel is locked down (%s): only a kernel "
			       "signed with a trusted key boots\n",
			       lock);
	}
	if (c->dry_run)
		return 0;
	{
		char a_initrd[PATH_MAX + 16], a_append[KCMDLINE_MAX + 16];

		vctl_fmt(a_initrd, sizeof(a_initrd), "--initrd=%s", initrd);
		vctl_fmt(a_append, sizeof(a_append), "--append=%s", next);
		if (run(kexec,
			(const char *const[]){ "kexec", opt, "-l", kernel,
					       a_initrd, a_append, NULL })) {
			vc_err("reserve --try: kexec could not load %s%s; "
			       "nothing changed",
			       hk,
			       lockdown
				       ? " (the kernel is locked down: is it "
					 "signed with a key the kernel trusts?)"
				       : "");
			return 1;
		}
	}
	fflush(stdout);
	find_prog(c, "systemctl", sysctl, sizeof(sysctl));
	if (run(sysctl, (const char *const[]){ "systemctl", "kexec", NULL })) {
		run(kexec, (const char *const[]){ "kexec", "-u", NULL });
		vc_err("reserve --try: 'systemctl kexec' failed; the loaded "
		       "kernel was unloaded; nothing changed");
		return 1;
	}
	return 0;
}
