/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loading a module with a modprobe program (klibc-clean). */
#ifndef VC_MODPROBE_H
#define VC_MODPROBE_H

/* How long modprobe_run waits for a modprobe (seconds; 10 by default). */
extern unsigned int modprobe_wait_secs;

/*
 * Runs "PROG MODULE" (data is PROG), the claim_ctx.load_module callback,
 * and waits for it at most modprobe_wait_secs: 0 on exit status 0, else
 * -errno, -EIO or -ETIMEDOUT (it is left running) after logging why. When
 * modprobe_start started MODULE already, it waits for that one instead.
 */
int modprobe_run(void *data, const char *module);

/*
 * Starts "PROG MODULE" without waiting: the next modprobe_run of MODULE
 * waits for it. 0, or -errno after logging.
 */
int modprobe_start(const char *prog, const char *module);

/* modprobe in /sbin, /usr/sbin, /bin or /usr/bin; NULL when none. */
const char *modprobe_find(void);

#endif
