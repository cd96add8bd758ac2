// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The one resolver: turns a selector list into the devices it names, for
 * vfio-claim at boot and for every vfioctl verb. It logs nothing. What it
 * could not resolve goes to ctx->miss, and each program says it its way:
 * vfio-claim as kmsg errors, vfioctl verify as diagnoses.
 *
 * Order, the same for both programs: addresses and slots in selector
 * order, then the devices found by ID, sorted by address.
 *
 * Guards are read first, before any device is taken in. A guard that does
 * not match vetoes every function of its slot that an address or slot
 * selector names, whatever else in the value names it and in whatever
 * order: on a mismatch, no function of that slot named by address is
 * claimed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "claim.h"

static struct claim_dev *add_dev(struct claim_ctx *ctx, const struct vc_dev *d,
				 const struct selector *sel)
{
	struct claim_dev *c;

	if (ctx->ndev == ctx->cap) {
		int cap = ctx->cap ? ctx->cap * 2 : 16;
		/* Not realloc: klibc's costs 130 bytes, malloc is there. */
		struct claim_dev *p = malloc(cap * sizeof(*ctx->dev));

		if (!p)
			return NULL;
		if (ctx->ndev)
			memmove(p, ctx->dev, ctx->ndev * sizeof(*ctx->dev));
		free(ctx->dev);
		ctx->dev = p;
		ctx->cap = cap;
	}
	c = &ctx->dev[ctx->ndev++];
	memset(c, 0, sizeof(*c));
	c->dev = *d;
	c->sel = sel;
	return c;
}

struct claim_dev *claim_find(const struct claim_ctx *ctx, const char *name)
{
	int i;

	for (i = 0; i < ctx->ndev; i++)
		if (!strcmp(ctx->dev[i].dev.name, name))
			return &ctx->dev[i];
	return NULL;
}

static void add_miss(struct claim_ctx *ctx, const struct selector *sel,
		     enum claim_miss_kind kind, const struct vc_dev *d, int err)
{
	struct claim_miss *m;

	if (ctx->nmiss >= CLAIM_MISS_MAX) {
		ctx->miss_dropped++;
		return;
	}
	m = &ctx->miss[ctx->nmiss++];
	memset(m, 0, sizeof(*m));
	m->sel = sel;
	m->kind = kind;
	m->err = err;
	if (d) {
		memcpy(m->name, d->name, sizeof(m->name));
		m->have = d->id;
	}
}

static int same_slot(const struct pci_addr *a, const struct pci_addr *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->slot == b->slot;
}

struct veto {
	struct pci_addr slot[SEL_MAX];
	int n;
};

static int vetoed(const struct veto *v, const struct pci_addr *a)
{
	int i;

	for (i = 0; i < v->n; i++)
		if (same_slot(&v->slot[i], a))
			return 1;
	return 0;
}

/*
 * Pass 1: every guard. Marks the selectors whose guard failed (or could
 * not be read) in done[], so that pass 2 does not report them again.
 */
static void read_guards(struct claim_ctx *ctx, struct sel_list *l,
			struct veto *v, char *done)
{
	char name[PCI_NAME_MAX];
	struct vc_dev d;
	int i, r;

	for (i = 0; i < l->n; i++) {
		struct selector *sel = &l->sel[i];

		if (sel->kind != SEL_FUNC || !sel->guarded)
			continue;
		pci_addr_format(&sel->addr, name);
		r = pci_read_ids(ctx->sys, name, &d);
		if (r == -ENOENT)
			continue; /* pass 2 finds nothing there either */
		if (r) {
			memcpy(d.name, name, sizeof(d.name));
			add_miss(ctx, sel, CM_UNREADABLE, &d, r);
			done[i] = 1;
			continue;
		}
		if (sel_match_id(sel, &d.id))
			continue;
		add_miss(ctx, sel, CM_STALE, &d, 0);
		done[i] = 1;
		if (!vetoed(v, &sel->addr))
			v->slot[v->n++] = sel->addr;
	}
}

/* Pass 2: an address named by a FUNC selector or by a SLOT. */
static int take_addr(struct claim_ctx *ctx, struct selector *sel,
		     const struct pci_addr *a, const struct veto *v, char *done)
{
	char name[PCI_NAME_MAX];
	struct claim_dev *c;
	struct vc_dev d;
	int r;

	pci_addr_format(a, name);
	c = claim_find(ctx, name);
	if (c) {
		sel->matched++;
		return 0;
	}
	r = pci_read_ids(ctx->sys, name, &d);
	if (r == -ENOENT)
		return 0; /* an unmatched selector is a miss at the end */
	if (r) {
		memcpy(d.name, name, sizeof(d.name));
		add_miss(ctx, sel, CM_UNREADABLE, &d, r);
		*done = 1;
		return 0;
	}
	if (sel->kind == SEL_FUNC && sel->guarded && !sel_match_id(sel, &d.id))
		return 0; /* pass 1 reported it; this read is the one that
			     counts */
	sel->matched++;
	c = add_dev(ctx, &d, sel);
	if (!c)
		return -ENOMEM;
	if (vetoed(v, a)) {
		c->action = CA_VETO;
		c->result = CR_SKIPPED;
		strcpy(c->why, "the guard of a function in its slot failed: "
			       "the hardware changed");
	}
	return 0;
}

struct scan {
	struct claim_ctx *ctx;
	struct sel_list *l;
	int err;
};

static int scan_one(const char *name, const struct pci_id *id, void *data)
{
	struct scan *sc = data;
	struct vc_dev d;
	int i, r;

	for (i = 0; i < sc->l->n; i++) {
		struct selector *sel = &sc->l->sel[i];

		if (sel->kind != SEL_ID || !sel_match_id(sel, id))
			continue;
		sel->matched++;
		if (claim_find(sc->ctx, name))
			continue; /* named already: merge */
		r = pci_read_ids(sc->ctx->sys, name, &d);
		if (r == -ENOENT)
			return 0; /* gone between listing and reading */
		if (r) {
			memcpy(d.name, name, sizeof(d.name));
			add_miss(sc->ctx, sel, CM_UNREADABLE, &d, r);
			return 0;
		}
		if (!add_dev(sc->ctx, &d, sel)) {
			sc->err = -ENOMEM;
			return -ENOMEM;
		}
	}
	return 0;
}

/* Insertion sort by address: few devices, and no qsort in the binary. */
static void sort_devs(struct claim_dev *v, int n)
{
	struct claim_dev t;
	int i, j;

	for (i = 1; i < n; i++) {
		for (j = i;
		     j > 0 && strcmp(v[j - 1].dev.name, v[i].dev.name) > 0; j--)
			;
		if (j == i)
			continue;
		t = v[i];
		memmove(&v[j + 1], &v[j], (i - j) * sizeof(*v));
		v[j] = t;
	}
}

int claim_resolve(struct claim_ctx *ctx, struct sel_list *l)
{
	char done[SEL_MAX];
	struct veto v;
	int i, f, r, nid = 0, first_id;

	memset(done, 0, sizeof(done));
	v.n = 0;
	ctx->nmiss = 0;
	ctx->miss_dropped = 0;
	ctx->list_err = 0;
	for (i = 0; i < l->n; i++)
		l->sel[i].matched = 0;

	read_guards(ctx, l, &v, done);
	for (i = 0; i < l->n; i++) {
		struct selector *sel = &l->sel[i];
		struct pci_addr a;

		switch (sel->kind) {
		case SEL_FUNC:
			if (done[i])
				break;
			r = take_addr(ctx, sel, &sel->addr, &v, &done[i]);
			if (r)
				return r;
			break;
		case SEL_SLOT:
			for (f = 0; f < 8; f++) {
				a = sel->addr;
				a.func = f;
				r = take_addr(ctx, sel, &a, &v, &done[i]);
				if (r)
					return r;
			}
			break;
		case SEL_ID:
			nid++;
			break;
		}
	}
	if (nid) {
		struct scan sc = { ctx, l, 0 };

		first_id = ctx->ndev;
		r = pci_scan_ids(ctx->sys, scan_one, &sc);
		if (sc.err)
			return sc.err;
		if (r < 0)
			ctx->list_err = r;
		/* Directory order is the kernel's whim: sort by address. */
		if (ctx->ndev > first_id + 1)
			sort_devs(ctx->dev + first_id, ctx->ndev - first_id);
	}
	for (i = 0; i < l->n; i++)
		if (!l->sel[i].matched && !done[i])
			add_miss(ctx, &l->sel[i], CM_NONE, NULL, 0);
	return 0;
}
