/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vfio-claim's command line: parsed and checked, nothing run or read. */
#ifndef VC_ARGS_H
#define VC_ARGS_H

/* The options with a value, in this order in struct args' val[]. */
enum {
	A_SYSFS,
	A_CMDLINE,
	A_CONFIG,
	A_KMSG,
	A_RUNDIR,
	A_MODPROBE,
	A_MODDIR,
	A_WAIT,
	A_NVAL
};

struct args {
	const char *val[A_NVAL]; /* NULL: not given; the last one wins */
	int dry_run, level, echo, no_modprobe, wait;
	/* --background: return once the overrides are written (the rest
	 * in a worker); --finish: wait for that worker. */
	int background, finish;
};

/*
 * Parses argv into a (zeroed first). 0 to run, -1 after --help or
 * --version (printed), else the exit status 2 after one line on stderr
 * that names the bad input: an unknown option, an option without its
 * value or with one it does not take, an empty value, a --wait outside
 * 1 to 3600, options that contradict each other (-q with -v, --modprobe
 * with --no-modprobe), an argument that is no option.
 */
int claim_parse_argv(int argc, char **argv, struct args *a);

#endif
