/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfioctl reserve and release, in three parts: the config file they edit
 * (reserve-conf.c), the initramfs generator that rebuilds the images
 * (reserve-gen.c), and the verbs themselves (reserve.c).
 */
#ifndef VFIOCTL_RESERVE_H
#define VFIOCTL_RESERVE_H

#include <limits.h>
#include <sys/stat.h>

#include "config.h"
#include "vfioctl.h"

#define VALUE_MAX 4096

/* The config file as it is before the change. */
struct conf {
	const char *verb;
	char path[PATH_MAX]; /* where to write: a symlink's target */
	char text[CONFIG_MAX];
	size_t len;
	int exists;
	struct stat st;
	int has_line; /* a devices= line is there */
	struct config_line where;
	char value[VALUE_MAX];
	struct sel_list sel; /* its entries */
};

/* The entries after the change. */
struct entries {
	char text[SEL_MAX][sizeof(((struct selector *)0)->text)];
	int n;
	int changed;
};

/* One command of a generator: the program (under the --root prefix). */
struct gen_step {
	char prog[PATH_MAX];
	const char *argv[8];
};

/*
 * An initramfs generator and the commands that rebuild the images, run in
 * order (a UKI host with /boot/initrd.img-KVER has two: see
 * detect_generator).
 */
struct gen {
	const char *name;
	char why[PATH_MAX + 64]; /* how it was detected */
	char kver[65], image[PATH_MAX], initrd[PATH_MAX]; /* kernel-install */
	struct gen_step step[2];
	int nstep;
	char cmd[2 * PATH_MAX + 160]; /* the steps joined by " && " */
};

/* reserve-conf.c: the config file */
int conf_read(struct vctl *c, const char *verb, struct conf *f);
void entries_from(struct entries *e, const struct sel_list *l);
int entries_join(const struct entries *e, char *buf, size_t size);
int write_file(const char *path, const char *text, size_t len,
	       const struct stat *old);
int conf_restore(const struct conf *f);

/* reserve-gen.c: the initramfs generator */
int detect_generator(const struct vctl *c, struct gen *g);
void check_mkinitcpio_hooks(const struct vctl *c);
int run_generator(const struct gen *g);
/* One program (a path) with argv, run as a generator's command is. */
int run_program(const char *prog, const char *const *argv);
/* A program of the host (under --root): its path in prog, or -ENOENT. */
int find_prog(const struct vctl *c, const char *name, char *prog, size_t size);

/* reserve.c: confirm's write, the same as reserve's; the exit status. */
int reserve_set(struct vctl *c, const char *verb, const char *value);
/*
 * From the change of the file on: SIGINT, SIGTERM and SIGHUP (unless
 * ignored) only mark that we were told to stop (gen_stopped: the signal),
 * so that the file can be put back first; gen_reraise then dies of it.
 */
void gen_catch_stop(void);
int gen_stopped(void);
void gen_reraise(void);

#endif
