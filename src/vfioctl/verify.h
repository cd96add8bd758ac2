/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfioctl verify, private to its parts: verify.c (the verb, and what to
 * check), verify-host.c (the host), verify-dev.c (each device),
 * verify-render.c (human, JSON, Prometheus). Data first (struct vres),
 * then one rendering.
 */
#ifndef VC_VERIFY_H
#define VC_VERIFY_H

#include "cmdline.h"
#include "trial.h"
#include "vfioctl.h"

#define VALUE_MAX 4096
#define NPROB 8

struct problem {
	char code[24];
	char msg[400];
	char fix[400];
};

struct vres {
	const char *sel;
	const char *sel_driver; /* SEL=DRIVER: the one asked for, or "" */
	int has_dev;
	struct vc_dev dev;
	const char *status;
	int bound;
	int viable; /* -1: unknown */
	int node; /* NODE_PRESENT, or what vctl_group_status returns */
	char node_name[32]; /* "14" or "noiommu-14" under dev/vfio/ */
	char held_by[160]; /* "qemu-system-x86[4242],..." */
	char cdev[32];
	int cdev_node;
	enum kmod_kind kind;
	char module[DRV_NAME_MAX];
	struct problem p[NPROB];
	int np;
	/* Warnings: the device is ready, but a VM may still fail with it. */
	struct problem w[NPROB];
	int nw;
};

/* The group node exists; nobody was seen holding it; not opened. */
#define NODE_PRESENT 2

struct host {
	int iommu;
	char units[128];
	int noiommu;
	int vfio;
	int claim_ran; /* -1 unknown */
	int claim_status;
	/* vfio-claim --background: 1 its worker still runs, 2 it stopped
	 * before its last record, 0 neither. */
	int claim_running;
	int hook; /* -1 unknown */
	char source[PATH_MAX];
	char cmdline[CMDLINE_MAX + 1];
	struct vholders holders; /* who has /dev/vfio/ nodes open */
	int holders_read; /* 0 not yet, 1 read, -1 not available */
	struct problem p[NPROB];
	int np;
	/* Every device verify checks: what the claim leaves out. */
	const struct vres *all;
	int nall;
	int reset_attr; /* the kernel has reset_method (-1: not looked) */
	struct trial trial; /* a trial boot (reserve --try) and time left */
	/* The devices the config file names (the one resolver's), and
	 * whether it changed after this boot's claim (or boot): then the
	 * fix for what it names is a reboot. */
	struct vdev_list conf;
	int conf_newer;
};

/* Whether the config file names the device NAME (h->conf). */
int vfy_conf_names(const struct host *h, const char *name);

/* A new problem in p (at most NPROB: the last slot takes the newest). */
struct problem *vfy_problem(struct problem *p, int *np, const char *code);
#define PROBLEM(r, code) vfy_problem((r)->p, &(r)->np, code)
#define WARNING(r, code) vfy_problem((r)->w, &(r)->nw, code)

/* Whether verify checks the device NAME too (h->all). */
int vfy_named(const struct host *h, const char *name);

/* strcmp for qsort on arrays of names. */
int vfy_cmp_name(const void *a, const void *b);
/* The first entry of the sysfs directory path (join: every one, comma-
 * separated) into buf, "" when none. Returns how many there are. */
int vfy_first_entry(int dirfd, const char *path, char *buf, size_t size,
		    int join);

void vfy_check_host(struct vctl *c, struct host *h);
void vfy_check_device(struct vctl *c, struct host *h, struct vres *r);
/*
 * The warnings (verify-warn.c): what a bound device may still fail at in
 * a VM: no reset method, D3cold, the boot display with the console on
 * it, a slot's audio or USB-C function left out, a vfio variant driver
 * not used.
 */
void vfy_check_warnings(struct vctl *c, struct host *h, struct vres *r);
/* A selector that found no device, or a stale or vetoed guard. */
void vfy_check_miss(const struct host *h, struct vres *x,
		    const struct claim_miss *m);

void vfy_render_human(struct vctl *c, const struct host *h,
		      const struct vres *r, int n, int ready, int nready);
void vfy_render_json(const struct host *h, const struct vres *r, int n,
		     int ready, int nready);
void vfy_render_prometheus(const struct host *h, const struct vres *r, int n,
			   int ready, int nready);

/*
 * The verb: the host, then each device, then one rendering: render's
 * (returns the exit status) or the one --format names. cmd_verify is
 * vfy_run(c, argc, argv, NULL); vfioctl kubevirt renders the same result.
 */
typedef int vfy_render_fn(struct vctl *c, const struct host *h,
			  const struct vres *r, int n, int ready);
int vfy_run(struct vctl *c, int argc, char **argv, vfy_render_fn *render);

/* Node Feature Discovery's feature file (verify-nfd.c). */
void vfy_render_nfd(struct vctl *c, FILE *f, const struct host *h,
		    const struct vres *r, int n, int ready);
/* Writes it as c->nfd_dir/vfio-claim, atomically; -1 (said) on failure. */
int vfy_write_nfd(struct vctl *c, const struct host *h, const struct vres *r,
		  int n, int ready);

#endif
