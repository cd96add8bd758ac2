/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vfio variant drivers, chosen from the vfio_pci: aliases of modules.alias. */
#ifndef VC_VARIANT_H
#define VC_VARIANT_H

#include <stddef.h>

/* 1 when str matches the shell glob pat ('*', '?', [a-z], [!x]). */
int variant_glob(const char *pat, const char *str);

/*
 * The variant module for a device whose modalias is "pci:v...": the most
 * specific "alias vfio_pci:PATTERN MODULE" line of alias_path that
 * matches (fewest wildcards, then the longest pattern, then the first).
 * 1 with its name in mod, 0 when none matches, -errno when the file
 * cannot be read.
 */
int variant_find(const char *alias_path, const char *modalias, char *mod,
		 size_t size);

/* 1 when module has a vfio_pci: alias in alias_path, 0 not, -errno. */
int variant_known(const char *alias_path, const char *module);

#endif
