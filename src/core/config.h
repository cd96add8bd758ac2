/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /etc/vfio-claim.conf: "devices=" in the vfio.devices= grammar. */
#ifndef VC_CONFIG_H
#define VC_CONFIG_H

#include <stddef.h>

/* The largest config file read, in bytes (+1). */
#define CONFIG_MAX 16384

/*
 * Parses config text (not NUL-terminated, len bytes): '#' starts a
 * comment, blank lines are ignored, "devices = VALUE" sets the value (the
 * last one wins). Unknown keys and lines without '=' are reported as
 * warnings naming path and line. Returns 1 when devices= was set, 0 when
 * not, -E2BIG when the value does not fit.
 */
int config_parse(const char *text, size_t len, const char *path, char *val,
		 size_t size);

/* Where the value of the winning devices= line is: bytes [start, end). */
struct config_line {
	size_t start, end;
	int lineno;
};

/*
 * config_parse, and where the value it returns sits in text (where may
 * be NULL), so that a writer can replace exactly that value and keep
 * every other byte: comments, other lines, a comment after the value.
 */
int config_find(const char *text, size_t len, const char *path, char *val,
		size_t size, struct config_line *where);

/*
 * Reads the whole file into buf (not NUL-terminated, *len bytes): 1, 0
 * when there is no file, negative after logging (-EFBIG when it does not
 * fit in size - 1 bytes).
 */
int config_load(const char *path, char *buf, size_t size, size_t *len);

/*
 * The text with the devices= value at where replaced by value, or, with
 * where NULL, with "devices=VALUE" appended as a line of its own. out is
 * NUL-terminated. Returns the new length, or -E2BIG.
 */
int config_set_devices(const char *text, size_t len,
		       const struct config_line *where, const char *value,
		       char *out, size_t size);

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

/*
 * Whether vfio-claim picks a vfio variant driver by itself (variant.c):
 * 1 (auto, the default), 0 when the last vfio.variants= on the command
 * line, else the last variants= in config, is "off". A value that is
 * neither is an error (logged) and keeps it automatic. SEL=DRIVER still
 * names a driver either way.
 */
int config_variants(const char *cmdline, const char *config);

#endif
