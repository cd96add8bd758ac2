/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loading a module with a modprobe program (klibc-clean). */
#ifndef VC_MODPROBE_H
#define VC_MODPROBE_H

/*
 * Runs "PROG MODULE" (data is PROG), the claim_ctx.load_module callback.
 * 0 on exit status 0, else -errno or -EIO after logging the failure.
 */
int modprobe_run(void *data, const char *module);

/* modprobe in /sbin, /usr/sbin, /bin or /usr/bin; NULL when none. */
const char *modprobe_find(void);

#endif
