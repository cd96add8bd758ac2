// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl reserve: makes a reservation permanent. The devices are resolved
 * and checked the way vfio-claim does it at boot, go into the devices= line
 * of /etc/vfio-claim.conf in the guarded form 'vfioctl cmdline' prints,
 * and the initramfs that carries the file is rebuilt with this host's
 * generator. vfioctl release: the way back. The file is replaced
 * atomically; when the rebuild fails, the previous file is put back.
 * The file's editing is in reserve-conf.c, the generator in reserve-gen.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "claim.h"
#include "cmdline.h"
#include "config.h"
#include "judge.h"
#include "log.h"
#include "reserve.h"
#include "vfioctl.h"

/* ---- both verbs ---- */

/* vfio.devices= on the running command line wins over the file. */
static void warn_cmdline(struct vctl *c, const struct conf *f)
{
	static char cmdline[VALUE_MAX + 1], val[VALUE_MAX];

	if (!vctl_cmdline(c, cmdline, sizeof(cmdline)) ||
	    cmdline_get_last(cmdline, "vfio.devices", val, sizeof(val)) != 1)
		return;
	vc_warn("the kernel command line has vfio.devices=%s, which wins over "
		"%s: remove it from the boot loader's configuration, or the "
		"file does not apply",
		val, c->config);
}

/*
 * Writes the new devices= value and rebuilds the initramfs; with
 * --dry-run only shows both, with --no-rebuild only prints the command.
 */
static int apply(struct vctl *c, struct conf *f, const char *value)
{
	static char text[CONFIG_MAX + VALUE_MAX + 16];
	struct gen g;
	int n, have_gen, r;

	n = config_set_devices(f->text, f->len, f->has_line ? &f->where : NULL,
			       value, text, sizeof(text));
	if (n < 0 || n >= CONFIG_MAX) {
		vc_err("%s: would be larger than %d bytes; nothing changed",
		       c->config, CONFIG_MAX - 1);
		return 1;
	}
	have_gen = detect_generator(c, &g) == 0;
	if (have_gen && !strcmp(g.name, "mkinitcpio"))
		check_mkinitcpio_hooks(c);
	if (c->dry_run) {
		printf("%s would be:\n%s", c->config, text);
		if (c->no_rebuild)
			printf("would not rebuild the initramfs "
			       "(--no-rebuild)\n");
		else if (have_gen)
			printf("then would run: %s (%s: %s)\n", g.cmd, g.name,
			       g.why);
		else
			printf("no initramfs generator found\n");
		return 0;
	}
	if (!have_gen && !c->no_rebuild) {
		vc_err("%s: no initramfs generator found (kernel-install with "
		       "layout=uki, mkinitcpio, update-initramfs or dracut); "
		       "nothing changed: use --no-rebuild and rebuild the "
		       "initramfs yourself",
		       f->verb);
		return 1;
	}
	/* A Ctrl-C or SIGTERM from here on puts the file back first. */
	gen_catch_stop();
	r = write_file(f->path, text, n, f->exists ? &f->st : NULL);
	if (r)
		return 1;
	if (gen_stopped()) {
		conf_restore(f);
		gen_reraise();
		return 1;
	}
	if (!c->quiet)
		printf("%s: devices=%s\n", c->config, value);
	if (c->no_rebuild) {
		if (!c->quiet && have_gen)
			printf("rebuild the initramfs for it to apply: %s\n",
			       g.cmd);
		else if (!c->quiet)
			printf("rebuild the initramfs for it to apply\n");
		return 0;
	}
	if (!c->quiet)
		printf("rebuilding the initramfs (%s): %s\n", g.name, g.cmd);
	if (run_generator(&g) == 0)
		return 0;
	if (gen_stopped()) {
		/* Told to stop: no second rebuild; say what is left. */
		if (conf_restore(f) == 0)
			vc_err("%s: put back as it was (interrupted); the "
			       "images may hold the new value: run '%s' to "
			       "build them from the file",
			       c->config, g.cmd);
		else
			vc_err("%s: interrupted, and it could not be put back "
			       "(see above): it has devices=%s",
			       c->config, value);
		gen_reraise();
		return 1;
	}
	/*
	 * Some images may have been rebuilt with the new file before the
	 * failure (one kernel of several): put the file back and build them
	 * from it again, so that file and images agree.
	 */
	if (conf_restore(f))
		return 1;
	if (!c->quiet)
		printf("%s: put back as it was; rebuilding the initramfs from "
		       "it: %s\n",
		       c->config, g.cmd);
	if (run_generator(&g) == 0)
		vc_err("%s: nothing changed: the rebuild with the new value "
		       "failed (see above)",
		       c->config);
	else
		vc_err("%s is back as it was, but the images may not match "
		       "it: fix the error above, then run '%s'",
		       c->config, g.cmd);
	return 1;
}

/* ---- reserve ---- */

/*
 * The devices the selectors name on this host, with what vfio-claim would
 * do with each at boot: the boot's own resolver and refusals (claim_plan,
 * which logs every refusal), written nowhere.
 */
static int resolve(struct vctl *c, struct sel_list *l, struct claim_ctx *ctx)
{
	static char cmdline[CMDLINE_MAX + 1];

	memset(ctx, 0, sizeof(*ctx));
	ctx->sys = &c->sys;
	ctx->dry_run = 1;
	ctx->cmdline =
		vctl_cmdline(c, cmdline, sizeof(cmdline)) ? cmdline : NULL;
	return claim_plan(ctx, l);
}

/*
 * The entry for d: its guarded selector, with the =DRIVER the argument
 * names, else the one the file's entry for its address has (a reserve
 * of the same device never drops the vfio driver it was given).
 */
static void entry_for(const struct entries *e, const struct vc_dev *d,
		      const char *want, char *g, size_t size)
{
	struct selector s;
	const char *why;
	int i, n = vctl_guarded(d, g, size);

	for (i = 0; !want[0] && i < e->n; i++)
		if (sel_parse(e->text[i], strlen(e->text[i]), &s, &why) == 0 &&
		    s.kind == SEL_FUNC && sel_match_addr(&s, &d->addr) &&
		    s.driver[0]) {
			want = s.driver;
			break;
		}
	if (want[0] && n > 0 && (size_t)n < size)
		vctl_fmt(g + n, size - n, "=%s", want);
}

static int reserve_one(struct entries *e, const struct vc_dev *d,
		       const char *want, const char *file, int quiet)
{
	char g[sizeof(e->text[0])];
	struct selector s;
	const char *why;
	int i, j, at = -1;

	entry_for(e, d, want, g, sizeof(g));
	for (i = j = 0; i < e->n; i++) {
		if (!strcmp(e->text[i], g) ||
		    (sel_parse(e->text[i], strlen(e->text[i]), &s, &why) == 0 &&
		     s.kind == SEL_FUNC && sel_match_addr(&s, &d->addr))) {
			/* The entry for its address: this one, or it now. */
			if (at < 0) {
				at = j;
				if (strcmp(e->text[i], g)) {
					if (!quiet)
						printf("%s: %s replaces %s\n",
						       file, g, e->text[i]);
					e->changed = 1;
				}
				memcpy(e->text[j++], g, sizeof(g));
			} else {
				e->changed = 1;
			}
			continue;
		}
		memmove(e->text[j++], e->text[i], sizeof(g));
	}
	e->n = j;
	if (at >= 0)
		return 0;
	for (i = 0; i < e->n; i++) {
		if (sel_parse(e->text[i], strlen(e->text[i]), &s, &why))
			continue;
		if ((s.kind == SEL_SLOT && sel_match_addr(&s, &d->addr)) ||
		    (s.kind == SEL_ID && sel_match_id(&s, &d->id))) {
			if (!quiet)
				printf("%s: %s is already reserved by %s\n",
				       file, d->name, e->text[i]);
			return 0;
		}
	}
	if (e->n == SEL_MAX) {
		vc_err("%s: more than %d entries: name slots or IDs instead",
		       file, SEL_MAX);
		return -E2BIG;
	}
	memcpy(e->text[e->n++], g, sizeof(g));
	e->changed = 1;
	return 0;
}

int cmd_reserve(struct vctl *c, int argc, char **argv)
{
	static struct sel_list l;
	static struct conf f;
	static struct entries e;
	static char value[VALUE_MAX];
	struct claim_ctx ctx;
	int i, r, bad = 0;

	if (!argc) {
		fprintf(stderr, "vfioctl reserve: name at least one device\n");
		return 2;
	}
	if (vctl_parse_args(argc, argv, &l))
		return 2;
	if (conf_read(c, "reserve", &f))
		return 1;
	r = resolve(c, &l, &ctx);
	/* The verdict plan and bind give: host use, 1:1 groups, groups. */
	if (!r && !ctx.errors)
		judge_claims(c, &ctx, "reserve");
	bad = ctx.errors + (r != 0);
	entries_from(&e, &f.sel);
	for (i = 0; !bad && i < ctx.ndev; i++)
		bad += reserve_one(&e, &ctx.dev[i].dev, ctx.dev[i].sel->driver,
				   c->config, c->quiet) != 0;
	claim_free(&ctx);
	if (bad) {
		vc_err("reserve: nothing changed in %s", c->config);
		return 1;
	}
	warn_cmdline(c, &f);
	if (!e.changed) {
		if (!c->quiet)
			printf("%s: nothing to change; the initramfs was not "
			       "rebuilt\n",
			       c->config);
		return 0;
	}
	if (entries_join(&e, value, sizeof(value))) {
		vc_err("%s: the devices= value would be longer than %d bytes: "
		       "name slots or IDs instead",
		       c->config, VALUE_MAX - 1);
		return 1;
	}
	return apply(c, &f, value);
}

/* ---- release ---- */

/*
 * Does the argument a name the entry s? The same selector; an address
 * (function or slot) names the function entries, guarded or not, at the
 * addresses it covers; an ID names the guarded entries with that ID.
 */
static int names_entry(const struct selector *a, const struct selector *s)
{
	if (!strcmp(a->text, s->text))
		return 1;
	if (a->kind != SEL_ID)
		return s->kind == SEL_FUNC && sel_match_addr(a, &s->addr);
	return s->guarded && a->has_sub == s->has_sub &&
	       sel_match_id(a, &s->id);
}

int cmd_release(struct vctl *c, int argc, char **argv)
{
	static struct sel_list l;
	static struct conf f;
	static struct entries e;
	static char value[VALUE_MAX];
	int i, j, bad = 0;

	if (c->all == !!argc) {
		fprintf(stderr, "vfioctl release: name devices, or --all%s\n",
			argc ? ", not both" : "");
		return 2;
	}
	if (argc && vctl_parse_args(argc, argv, &l))
		return 2;
	if (conf_read(c, "release", &f))
		return 1;
	e.n = 0;
	e.changed = 0;
	for (i = 0; i < f.sel.n; i++) {
		int named = c->all;

		for (j = 0; j < l.n && !c->all; j++)
			if (names_entry(&l.sel[j], &f.sel.sel[i])) {
				l.sel[j].matched++;
				named = 1;
			}
		if (named)
			e.changed = 1;
		else
			memcpy(e.text[e.n++], f.sel.sel[i].text,
			       sizeof(e.text[0]));
	}
	for (j = 0; j < l.n && !c->all; j++) {
		if (l.sel[j].matched)
			continue;
		vc_err("%s: not reserved in %s (devices=%s)", l.sel[j].text,
		       c->config, f.has_line ? f.value : "");
		bad++;
	}
	if (bad) {
		vc_err("release: nothing changed in %s", c->config);
		return 1;
	}
	warn_cmdline(c, &f);
	if (!e.changed) {
		if (!c->quiet)
			printf("%s: nothing is reserved there; nothing to "
			       "change\n",
			       c->config);
		return 0;
	}
	if (entries_join(&e, value, sizeof(value)))
		return 1; /* shorter than what was there */
	return apply(c, &f, value);
}
