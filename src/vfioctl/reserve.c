// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl reserve: makes a reservation permanent. The devices are resolved
 * and checked the way vfio-claim does it at boot, go into the devices= line
 * of /etc/vfio-claim.conf in the guarded form 'vfioctl cmdline' prints,
 * and the initramfs that carries the file is rebuilt with this host's
 * generator. vfioctl release: the way back. The file is replaced
 * atomically; when the rebuild fails, the previous file is put back.
 */
#define _GNU_SOURCE /* mkostemp */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "claim.h"
#include "cmdline.h"
#include "config.h"
#include "log.h"
#include "busy.h"
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

/* An initramfs generator and the command that rebuilds the images. */
struct gen {
	const char *name;
	char why[PATH_MAX + 64]; /* how it was detected */
	char prog[PATH_MAX]; /* the program, under the --root prefix */
	char kver[65], image[PATH_MAX]; /* kernel-install add */
	const char *argv[8];
	char cmd[PATH_MAX + 128]; /* argv, for messages */
};

/* ---- the config file ---- */

static int conf_read(struct vctl *c, const char *verb, struct conf *f)
{
	char origin[PATH_MAX + 16];
	struct stat lst;
	int r;

	memset(f, 0, sizeof(*f));
	f->verb = verb;
	if (!c->config[0]) {
		vc_err("%s: no config file to change: name it with --config "
		       "FILE or --root DIR",
		       verb);
		return -ENOENT;
	}
	snprintf(f->path, sizeof(f->path), "%s", c->config);
	/* Write through a symlink, not over it. */
	if (lstat(c->config, &lst) == 0 && S_ISLNK(lst.st_mode)) {
		char *t = realpath(c->config, NULL);

		if (!t || strlen(t) >= sizeof(f->path)) {
			vc_err("%s: cannot resolve the symlink: %s", c->config,
			       t ? "path too long" : vc_strerror(errno));
			free(t);
			return -EINVAL;
		}
		strcpy(f->path, t);
		free(t);
	}
	r = config_load(f->path, f->text, sizeof(f->text), &f->len);
	if (r < 0)
		return r;
	f->exists = r;
	if (f->exists && stat(f->path, &f->st) < 0) {
		vc_err("%s: cannot stat: %s", f->path, vc_strerror(errno));
		return -errno;
	}
	r = config_find(f->text, f->len, c->config, f->value, sizeof(f->value),
			&f->where);
	if (r < 0)
		return r;
	f->has_line = r;
	snprintf(origin, sizeof(origin), "%s:%d", c->config, f->where.lineno);
	if (f->has_line && sel_parse_list(f->value, &f->sel, origin)) {
		vc_err("%s: the devices= line has entries that are not "
		       "selectors (see above): fix them first; nothing changed",
		       origin);
		return -EINVAL;
	}
	return 0;
}

static void entries_from(struct entries *e, const struct sel_list *l)
{
	int i;

	e->n = 0;
	e->changed = 0;
	for (i = 0; i < l->n; i++)
		memcpy(e->text[e->n++], l->sel[i].text, sizeof(e->text[0]));
}

static int entries_join(const struct entries *e, char *buf, size_t size)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < e->n; i++) {
		int k = snprintf(buf + n, size - n, "%s%s", i ? "," : "",
				 e->text[i]);

		if (k < 0 || (size_t)k >= size - n)
			return -E2BIG;
		n += k;
	}
	return 0;
}

/*
 * Writes text to path through a temporary file in the same directory:
 * write, fsync, rename, fsync the directory. The mode and owner of the
 * file it replaces are kept (old NULL: a new file, 0644).
 */
static int write_file(const char *path, const char *text, size_t len,
		      const struct stat *old)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 16];
	const char *slash = strrchr(path, '/'), *what = "write";
	size_t done = 0;
	int fd, dfd, r = 0;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir,
		 slash ? slash + 1 : path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		vc_err("%s: cannot create a temporary file in %s: %s", path,
		       dir, vc_strerror(-r));
		return r;
	}
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);

		if (n < 0) {
			r = -errno;
			break;
		}
		done += n;
	}
	if (!r && fchmod(fd, old ? old->st_mode & 07777 : 0644) < 0) {
		r = -errno;
		what = "set the mode of";
	}
	if (!r && old &&
	    (old->st_uid != geteuid() || old->st_gid != getegid()) &&
	    fchown(fd, old->st_uid, old->st_gid) < 0) {
		r = -errno;
		what = "keep the owner of";
	}
	if (!r && fsync(fd) < 0) {
		r = -errno;
		what = "sync";
	}
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0) {
		r = -errno;
		what = "replace";
	}
	if (r) {
		unlink(tmp);
		vc_err("%s: cannot %s it: %s", path, what, vc_strerror(-r));
		return r;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

/* Puts the file back as conf_read found it. */
static int conf_restore(const struct conf *f)
{
	if (f->exists)
		return write_file(f->path, f->text, f->len, &f->st);
	if (unlink(f->path) < 0 && errno != ENOENT) {
		vc_err("%s: cannot remove it again: %s", f->path,
		       vc_strerror(errno));
		return -errno;
	}
	return 0;
}

/* ---- the initramfs generator ---- */

/* A program of the host (under --root): its path in prog, or -ENOENT. */
static int find_prog(const struct vctl *c, const char *name, char *prog,
		     size_t size)
{
	static const char *const dirs[] = { "/usr/local/sbin", "/usr/local/bin",
					    "/usr/sbin",       "/usr/bin",
					    "/sbin",	       "/bin" };
	char p[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		vctl_fmt(p, sizeof(p), "%s/%s", dirs[i], name);
		vctl_host_path(c, prog, size, p);
		if (prog[0] && access(prog, X_OK) == 0)
			return 0;
	}
	prog[0] = '\0';
	return -ENOENT;
}

static int host_exists(const struct vctl *c, const char *path)
{
	char p[PATH_MAX];
	struct stat st;

	vctl_host_path(c, p, sizeof(p), path);
	return p[0] && stat(p, &st) == 0;
}

/*
 * layout= of kernel-install's install.conf (/etc/kernel, else
 * /usr/lib/kernel), as kernel-install reads it. 1 with the file's name in
 * which when it is "uki".
 */
static int layout_is_uki(const struct vctl *c, const char **which)
{
	static const char *const files[] = { "/etc/kernel/install.conf",
					     "/usr/lib/kernel/install.conf" };
	char p[PATH_MAX], line[256];
	size_t i;

	for (i = 0; i < 2; i++) {
		FILE *fp;
		int uki = 0;

		vctl_host_path(c, p, sizeof(p), files[i]);
		if (!p[0] || !(fp = fopen(p, "re")))
			continue;
		while (fgets(line, sizeof(line), fp)) {
			char *s = line, *e;

			s += strspn(s, " \t");
			if (strncmp(s, "layout=", 7))
				continue;
			s += 7;
			s += strspn(s, "\"'");
			e = s + strcspn(s, "\"' \t\r\n#");
			uki = e - s == 3 && !strncmp(s, "uki", 3);
		}
		fclose(fp);
		*which = files[i];
		return uki;
	}
	return 0;
}

/*
 * The running kernel's image for kernel-install add: where systemd
 * distributions keep it, then /boot.
 */
static int kernel_image(const struct vctl *c, struct gen *g)
{
	static const char *const fmts[] = { "/usr/lib/modules/%s/vmlinuz",
					    "/lib/modules/%s/vmlinuz",
					    "/boot/vmlinuz-%s" };
	struct utsname u;
	size_t i;

	if (uname(&u) < 0)
		return -errno;
	snprintf(g->kver, sizeof(g->kver), "%s", u.release);
	for (i = 0; i < 3; i++) {
		vctl_fmt(g->image, sizeof(g->image), fmts[i], g->kver);
		if (host_exists(c, g->image))
			return 0;
	}
	return -ENOENT;
}

static void gen_set(struct gen *g, const char *name, const char *why,
		    const char *const *argv)
{
	size_t n = 0;
	int i;

	g->name = name;
	snprintf(g->why, sizeof(g->why), "%s", why);
	g->cmd[0] = '\0';
	for (i = 0; argv[i] && i < 7; i++) {
		g->argv[i] = argv[i];
		n += snprintf(g->cmd + n, sizeof(g->cmd) - n, "%s%s",
			      i ? " " : "", argv[i]);
		if (n >= sizeof(g->cmd))
			n = sizeof(g->cmd) - 1;
	}
	g->argv[i] = NULL;
}

/*
 * Which generator builds this host's boot images, in this order (the man
 * page says the same):
 *   1. layout=uki in install.conf, and kernel-install: UKIs;
 *   2. /etc/mkinitcpio.conf and mkinitcpio (Arch);
 *   3. /etc/initramfs-tools and update-initramfs (Debian, Ubuntu; Debian's
 *      dracut conflicts with initramfs-tools, so both are never there);
 *   4. dracut (Fedora, RHEL, SUSE, Debian with dracut).
 * 0, or -ENOENT when none is found.
 */
static int detect_generator(const struct vctl *c, struct gen *g)
{
	const char *conf = NULL;

	memset(g, 0, sizeof(*g));
	if (layout_is_uki(c, &conf) &&
	    find_prog(c, "kernel-install", g->prog, sizeof(g->prog)) == 0) {
		char why[PATH_MAX];

		if (kernel_image(c, g)) {
			vc_err("layout=uki in %s, but no kernel image for %s "
			       "in "
			       "/usr/lib/modules/%s/vmlinuz or "
			       "/boot/vmlinuz-%s",
			       conf, g->kver, g->kver, g->kver);
			return -ENOENT;
		}
		vctl_fmt(why, sizeof(why), "layout=uki in %s", conf);
		gen_set(g, "kernel-install", why,
			(const char *const[]){ "kernel-install", "add", g->kver,
					       g->image, NULL });
		return 0;
	}
	if (host_exists(c, "/etc/mkinitcpio.conf") &&
	    find_prog(c, "mkinitcpio", g->prog, sizeof(g->prog)) == 0) {
		gen_set(g, "mkinitcpio", "/etc/mkinitcpio.conf and mkinitcpio",
			(const char *const[]){ "mkinitcpio", "-P", NULL });
		return 0;
	}
	if (host_exists(c, "/etc/initramfs-tools") &&
	    find_prog(c, "update-initramfs", g->prog, sizeof(g->prog)) == 0) {
		gen_set(g, "initramfs-tools",
			"/etc/initramfs-tools and update-initramfs",
			(const char *const[]){ "update-initramfs", "-u", "-k",
					       "all", NULL });
		return 0;
	}
	if (find_prog(c, "dracut", g->prog, sizeof(g->prog)) == 0) {
		gen_set(g, "dracut", "dracut",
			(const char *const[]){ "dracut", "--force",
					       "--regenerate-all", NULL });
		return 0;
	}
	return -ENOENT;
}

/*
 * The HOOKS= arrays of one mkinitcpio config file (bash: the array may
 * span lines; the last assignment wins). 1 when there is one, with *ours
 * set when the last names vfio-claim or sd-vfio-claim.
 */
static int hooks_of(const char *path, int *ours)
{
	char line[1024];
	FILE *fp = fopen(path, "re");
	int found = 0, in = 0, cur = 0;

	if (!fp)
		return 0;
	while (fgets(line, sizeof(line), fp)) {
		char *s = line, *hash = strchr(line, '#');

		if (hash)
			*hash = '\0';
		if (!in) {
			s += strspn(s, " \t");
			if (strncmp(s, "HOOKS=", 6))
				continue;
			s += 6;
			found = 1;
			cur = 0;
			in = *s == '(';
		}
		cur |= strstr(s, "vfio-claim") != NULL;
		if (in && strchr(s, ')'))
			in = 0;
		if (!in)
			*ours = cur;
	}
	if (in)
		*ours = cur;
	fclose(fp);
	return found;
}

static int conf_d(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return n > 5 && !strcmp(de->d_name + n - 5, ".conf");
}

/*
 * mkinitcpio builds our hook in only when HOOKS names it: say so before
 * the rebuild, which would otherwise succeed and claim nothing. It reads
 * /etc/mkinitcpio.conf, then the .conf files of /etc/mkinitcpio.conf.d in
 * order.
 */
static void check_mkinitcpio_hooks(const struct vctl *c)
{
	char p[PATH_MAX], dir[PATH_MAX], last[PATH_MAX] = "";
	struct dirent **de = NULL;
	int ours = 0, n, i;

	vctl_host_path(c, p, sizeof(p), "/etc/mkinitcpio.conf");
	if (p[0] && hooks_of(p, &ours))
		snprintf(last, sizeof(last), "/etc/mkinitcpio.conf");
	vctl_host_path(c, dir, sizeof(dir), "/etc/mkinitcpio.conf.d");
	n = dir[0] ? scandir(dir, &de, conf_d, alphasort) : -1;
	for (i = 0; i < n; i++) {
		vctl_fmt(p, sizeof(p), "%s/%s", dir, de[i]->d_name);
		if (hooks_of(p, &ours))
			vctl_fmt(last, sizeof(last),
				 "/etc/mkinitcpio.conf.d/%s", de[i]->d_name);
		free(de[i]);
	}
	free(de);
	if (last[0] && !ours)
		vc_warn("HOOKS in %s has no vfio-claim: add vfio-claim before "
			"udev (or sd-vfio-claim after systemd), or the image "
			"claims nothing",
			last);
}

/* Runs the generator; 0 when it exits 0. */
static int run_generator(const struct gen *g)
{
	pid_t pid;
	int st;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		vc_err("'%s': cannot start it: %s", g->cmd, vc_strerror(errno));
		return -errno;
	}
	if (pid == 0) {
		execv(g->prog, (char *const *)g->argv);
		fprintf(stderr, "vfioctl: error: %s: cannot run it: %s\n",
			g->prog, vc_strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			vc_err("'%s': cannot wait for it: %s", g->cmd,
			       vc_strerror(errno));
			return -errno;
		}
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st))
		vc_err("'%s' failed (exit status %d)", g->cmd, WEXITSTATUS(st));
	else
		vc_err("'%s' was killed by signal %d", g->cmd,
		       WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return -EIO;
}

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
	r = write_file(f->path, text, n, f->exists ? &f->st : NULL);
	if (r)
		return 1;
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
 * A device the running host uses (its disk, its network, its console) is
 * refused, as bind refuses it, unless --force: vfio-claim would take it
 * from the host at every boot. 0 to go on, 1 after saying why not.
 */
static int reserve_host_uses(struct vctl *c, const struct claim_dev *d)
{
	char why[192];

	if (d->action != CA_CLAIM ||
	    !vctl_host_uses(c, &d->dev, why, sizeof(why)))
		return 0;
	if (c->force) {
		vc_warn("%s: %s; --force: reserving it anyway", d->dev.name,
			why);
		return 0;
	}
	vc_err("%s: not reserved: %s, and vfio-claim would take it from the "
	       "host at every boot; use --force if you really mean it",
	       d->dev.name, why);
	return 1;
}

/*
 * The devices the selectors name on this host, with what vfio-claim would
 * do with each at boot: the boot's own resolver and refusals (claim_plan,
 * which logs every refusal), written nowhere.
 */
static int resolve(struct vctl *c, struct sel_list *l, struct claim_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->sys = &c->sys;
	ctx->dry_run = 1;
	return claim_plan(ctx, l);
}

static int reserve_one(struct entries *e, const struct vc_dev *d,
		       const char *file, int quiet)
{
	char g[sizeof(e->text[0])];
	struct selector s;
	const char *why;
	int i, j, at = -1;

	vctl_guarded(d, g, sizeof(g));
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
	bad = ctx.errors + (r != 0);
	for (i = 0; !bad && i < ctx.ndev; i++)
		bad += reserve_host_uses(c, &ctx.dev[i]);
	entries_from(&e, &f.sel);
	for (i = 0; !bad && i < ctx.ndev; i++)
		bad += reserve_one(&e, &ctx.dev[i].dev, c->config, c->quiet) !=
		       0;
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
