/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A reservation on trial: 'vfioctl reserve --try' boots the running kernel
 * once more (kexec) with vfio.devices=VALUE and the marker vfio.trial=SECS
 * appended to its command line; vfio-trial.service, started by the
 * marker, reboots through the firmware (the old configuration) unless
 * 'vfioctl confirm' runs within SECS seconds of that kernel's start.
 */
#ifndef VFIOCTL_TRIAL_H
#define VFIOCTL_TRIAL_H

#include "vfioctl.h"

#define TRIAL_DEFAULT 600 /* seconds: 10 minutes */
#define TRIAL_MIN 60 /* less cannot cover a boot */
#define TRIAL_MAX 86400 /* a day */
#define TRIAL_VALUE_MAX 4096

/* This boot, as its command line and the state file tell. */
struct trial {
	int active; /* vfio.trial= is on the command line */
	long window; /* its value: seconds from the kernel's start */
	long uptime; /* seconds since this kernel started; -1 unknown */
	long left; /* seconds left to confirm; 0 when over */
	int state; /* TRIAL_OPEN, TRIAL_CONFIRMING or TRIAL_CONFIRMED */
	long pid; /* TRIAL_CONFIRMING: the confirm that runs */
	char value[TRIAL_VALUE_MAX]; /* the last vfio.devices= */
	char state_path[PATH_MAX]; /* RUNDIR/trial */
};

enum { TRIAL_OPEN, TRIAL_CONFIRMING, TRIAL_CONFIRMED };

/*
 * DURATION: N (seconds), Ns, Nm or Nh, between TRIAL_MIN and TRIAL_MAX.
 * 0, or -EINVAL after a one-line error naming the input.
 */
int trial_parse_window(const char *s, long *secs);

/* Reads this boot's trial state. Always succeeds; t->active says. */
void trial_read(struct vctl *c, struct trial *t);

/* "open", "confirming", "confirmed" */
const char *trial_state_name(int state);
/* verify's line about a trial boot; nothing outside one. */
void trial_render(const struct trial *t);

/* "9 min 58 s" */
void trial_fmt_left(long secs, char *buf, size_t size);

/* 1 after an error when this boot is a trial not yet confirmed, else 0. */
int trial_running(struct vctl *c, struct trial *t);

/*
 * reserve --try: the devices were checked as reserve checks them and
 * value is the devices= value reserve would write. Boots it once with
 * kexec. The exit status (1 with a one-line error, nothing changed).
 */
int trial_go(struct vctl *c, const char *value);

/*
 * Writes the state file (RUNDIR/trial): "confirming PID" or "confirmed".
 * state TRIAL_OPEN removes it. 0 or -errno.
 */
int trial_set_state(const struct trial *t, int state);

/* A line to the journal (stdout under systemd) and the kernel log. */
void trial_log(struct vctl *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
