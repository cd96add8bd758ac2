// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl confirm: in the boot that 'reserve --try' started, keeps the
 * trial's value (the last vfio.devices= of this boot's command line: the
 * one that was tried, and the only record of it, since nothing was
 * written before the kexec and /run does not survive one) with the same
 * config write and rebuild as reserve, and stops the countdown.
 * confirm --reject reboots now; confirm --countdown is what
 * vfio-trial.service runs: verify, then a reboot through the firmware when
 * the window is over and nothing was confirmed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "reserve.h"
#include "trial.h"

/* A firmware reboot (never kexec: that would boot the trial again). */
static int reboot_now(struct vctl *c)
{
	const char *argv[] = { "systemctl", "reboot", NULL };
	char prog[PATH_MAX];

	if (find_prog(c, "systemctl", prog, sizeof(prog))) {
		vc_err("no systemctl to reboot with");
		return 1;
	}
	sync();
	return run_program(prog, argv) ? 1 : 0;
}

/* A confirm that runs (its pid in the state file) holds the countdown. */
static int confirming(const struct trial *t)
{
	return t->state == TRIAL_CONFIRMING && t->pid > 0 &&
	       (kill((pid_t)t->pid, 0) == 0 || errno == EPERM);
}

static long now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (long)ts.tv_sec;
}

static int countdown(struct vctl *c, struct trial *t)
{
	char left[32];
	long end = now() + t->left;
	int r;

	trial_fmt_left(t->left, left, sizeof(left));
	trial_log(c,
		  "trial boot: vfio.devices=%s; the host reboots in %s "
		  "unless 'vfioctl confirm' runs",
		  t->value, left);
	r = cmd_verify(c, 0, NULL);
	fflush(stdout);
	trial_log(c, "trial boot: vfioctl verify: %s (exit %d)",
		  r == 0 ? "ready" : "not ready", r);
	for (;;) {
		trial_read(c, t);
		if (t->state == TRIAL_CONFIRMED) {
			trial_log(c, "trial confirmed: the countdown stopped");
			return 0;
		}
		if (now() >= end && !confirming(t))
			break;
		sleep(1);
	}
	trial_log(c,
		  "trial not confirmed within %ld s: rebooting through the "
		  "firmware into the configuration from before the trial",
		  t->window);
	return reboot_now(c);
}

int cmd_confirm(struct vctl *c, int argc, char **argv)
{
	struct trial t;
	char left[32];
	int r;

	(void)argv;
	if (argc || (c->reject && c->countdown)) {
		fprintf(stderr, "vfioctl confirm: takes no arguments, and "
				"--reject or --countdown, not both\n");
		return 2;
	}
	trial_read(c, &t);
	if (!t.active) {
		vc_err("confirm: this boot is not a trial (no vfio.trial= on "
		       "the kernel command line); nothing changed: 'vfioctl "
		       "reserve --try' starts one");
		return 1;
	}
	if (c->countdown)
		return countdown(c, &t);
	if (t.state == TRIAL_CONFIRMED) {
		if (c->reject) {
			vc_err("confirm --reject: this trial is confirmed "
			       "already; 'vfioctl release' undoes it");
			return 1;
		}
		if (!c->quiet)
			printf("this trial (vfio.devices=%s) is confirmed "
			       "already\n",
			       t.value);
		return 0;
	}
	if (confirming(&t)) {
		vc_err("confirm: another 'vfioctl confirm' runs (pid %ld); "
		       "nothing changed",
		       t.pid);
		return 1;
	}
	if (c->reject) {
		trial_log(c, "trial rejected: rebooting through the firmware "
			     "into the configuration from before the trial");
		return reboot_now(c);
	}
	if (!t.value[0]) {
		vc_err("confirm: this trial boot has no vfio.devices= on its "
		       "command line; nothing changed");
		return 1;
	}
	if (t.left <= 0) {
		vc_err("confirm: the trial's window of %ld s is over and the "
		       "host is rebooting into its old configuration; nothing "
		       "changed",
		       t.window);
		return 1;
	}
	if (c->dry_run)
		return reserve_set(c, "confirm", t.value);
	/* Holds the countdown while the initramfs is rebuilt. */
	r = trial_set_state(&t, TRIAL_CONFIRMING);
	if (r) {
		vc_err("confirm: cannot write %s: %s; nothing changed",
		       t.state_path, vc_strerror(-r));
		return 1;
	}
	r = reserve_set(c, "confirm", t.value);
	if (r) {
		trial_set_state(&t, TRIAL_OPEN);
		trial_read(c, &t);
		trial_fmt_left(t.left, left, sizeof(left));
		vc_err("confirm: not confirmed; the countdown goes on (%s "
		       "left)",
		       left);
		return r;
	}
	r = trial_set_state(&t, TRIAL_CONFIRMED);
	if (r)
		vc_err("confirm: cannot write %s: %s; the countdown may still "
		       "reboot the host, which then boots what %s says",
		       t.state_path, vc_strerror(-r), c->config);
	trial_log(c,
		  "trial confirmed: vfio.devices=%s is in %s and the "
		  "initramfs; the countdown stopped",
		  t.value, c->config);
	return r ? 1 : 0;
}
