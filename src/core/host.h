/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Facts about the host that change the advice, not the claim: is it a VM
 * guest, can its kernel load modules. Read once by each program from the
 * paths its settings allow, kept in struct sysfs (host), read by the
 * advice (iommu_advice, the claim's refusals).
 */
#ifndef VC_HOST_H
#define VC_HOST_H

#include <stddef.h>

#define HOST_GUEST 1 /* a VM guest: the CPU has the hypervisor flag */
#define HOST_NOMODULES 2 /* the kernel loads no modules */

/*
 * 1 when the first "flags" line of the text of /proc/cpuinfo (len bytes,
 * not NUL-terminated) has the word flag, else 0. x86 lists the CPUID bit
 * "hypervisor" there (arch/x86/kernel/cpu/proc.c, show_cpuinfo); other
 * architectures have no such line and are never found to be guests.
 */
int host_cpu_flag(const char *text, size_t len, const char *flag);

/*
 * The facts from the files given; NULL or "" for a file the settings do
 * not allow (a fake --sysfs must not read the host's): its fact stays
 * unknown and counts as "no" (the advice of a bare-metal host with
 * modules).
 *   cpuinfo: /proc/cpuinfo, for HOST_GUEST;
 *   modules: /proc/modules, absent when the kernel is built without
 *            CONFIG_MODULES (kernel/module/procfs.c);
 *   moddir:  /lib/modules/$(uname -r), absent when none is installed.
 * HOST_NOMODULES when either of the last two is given and missing.
 */
unsigned int host_facts(const char *cpuinfo, const char *modules,
			const char *moddir);

#endif
