/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /etc/vfio-claim.conf: "devices=" in the vfio.devices= grammar. */
#ifndef VC_CONFIG_H
#define VC_CONFIG_H

#include <stddef.h>

/*
 * Parses config text (not NUL-terminated, len bytes): '#' starts a
 * comment, blank lines are ignored, "devices = VALUE" sets the value (the
 * last one wins). Unknown keys and lines without '=' are reported as
 * warnings naming path and line. Returns 1 when devices= was set, 0 when
 * not, -E2BIG when the value does not fit.
 */
int config_parse(const char *text, size_t len, const char *path, char *val,
		 size_t size);

/* Reads and parses path. A missing file is 0 (no value), not an error. */
int config_read(const char *path, char *val, size_t size);

/*
 * What to claim, as vfio-claim decides it: the last vfio.devices= on the
 * command line, else devices= in config (NULL or "": no file). Sets
 * *source to "vfio.devices=" or the config path. Returns 1 with the
 * value, 0 when nothing is asked, negative after logging the error.
 */
int config_devices(const char *cmdline, const char *config, char *val,
		   size_t size, const char **source);

#endif
