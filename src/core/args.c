// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-claim's options. Builds with klibc: no getopt_long, no stdio
 * streams; one write(2) per message.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "input.h"
#include "log.h"
#include "sysfs.h"

#ifndef VERSION
#define VERSION "dev"
#endif

static const char usage[] =
	"Usage: vfio-claim [-nqvhVbf] [--dry-run] [--sysfs DIR] [--cmdline "
	"STR]\n"
	"  [--config FILE] [--kmsg PATH] [--run-dir DIR] [--moddir DIR]\n"
	"  [--modprobe PATH|--no-modprobe] [--wait SECS]\n"
	"  [--background|--finish]  (vfio-claim(8))\n";

/* The names of struct args' val[], NUL separated (vc_nth). */
static const char valname[] = "sysfs\0cmdline\0config\0kmsg\0run-dir\0"
			      "modprobe\0moddir\0wait";

/*
 * "vfio-claim: " and fmt with its one %s, the input, escaped (vc_escape),
 * and " (vfio-claim --help)". Returns 2, the usage exit status.
 */
static int bad(const char *fmt, const char *what)
{
	char in[200], buf[400];
	int n;

	vc_escape(in, sizeof(in), what, strlen(what));
	n = snprintf(buf, sizeof(buf), "vfio-claim: ");
	n += snprintf(buf + n, sizeof(buf) - n, fmt, in);
	n += snprintf(buf + n, sizeof(buf) - n, "; try 'vfio-claim --help'\n");
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	if (write(2, buf, n) < 0)
		return 2;
	return 2;
}

/* One flag by its letter: 0, -1 after help or version, 1 unknown. */
static int flag(struct args *a, char c)
{
	const char *out = NULL;

	if (c == 'n')
		a->dry_run = 1;
	else if (c == 'q')
		a->level = VC_ERR;
	else if (c == 'v')
		a->level = VC_DEBUG, a->echo = 1;
	else if (c == 'b')
		a->background = 1;
	else if (c == 'f')
		a->finish = 1;
	else if (c == 'h')
		out = usage;
	else if (c == 'V')
		out = "vfio-claim " VERSION "\n";
	else
		return 1;
	if (out && write(1, out, strlen(out)) < 0)
		return -1;
	return out ? -1 : 0;
}

int claim_parse_argv(int argc, char **argv, struct args *a)
{
	/* The long flags, each the word of the letter at its place. */
	static const char word[] = "dry-run\0quiet\0verbose\0help\0version\0"
				   "background\0finish";
	int i, k, r, q = 0, v = 0;
	long n;

	memset(a, 0, sizeof(*a));
	a->level = VC_INFO;
	for (i = 1; i < argc; i++) {
		const char *s = argv[i], *eq;
		char c[3] = "-";
		size_t len;

		if (s[0] != '-' || !s[1])
			return bad("unexpected argument '%s': name devices "
				   "with vfio.devices= (or --cmdline)",
				   argv[i]);
		if (s[1] != '-') {
			for (s++; *s; s++) {
				q |= *s == 'q', v |= *s == 'v';
				c[1] = *s;
				r = flag(a, *s);
				if (r > 0)
					return bad("unknown option '%s'", c);
				if (r)
					return -1;
			}
			continue;
		}
		s += 2;
		eq = strchr(s, '=');
		len = eq ? (size_t)(eq - s) : strlen(s);
		for (k = 0; k < A_NVAL; k++)
			if (strlen(vc_nth(valname, k)) == len &&
			    !strncmp(s, vc_nth(valname, k), len))
				break;
		if (k < A_NVAL) {
			if (!eq && i + 1 == argc)
				return bad("%s needs a value", argv[i]);
			s = a->val[k] = eq ? eq + 1 : argv[++i];
			if (k == A_WAIT) {
				s = vc_num(s, 10, &n);
				if (!s || *s || n < 1 || n > 3600)
					return bad("--wait '%s': give the "
						   "seconds to wait for a "
						   "module, 1 to 3600",
						   a->val[k]);
				a->wait = (int)n;
			} else if (!s[0] && k != A_CMDLINE) {
				/* An unset variable: never the default. */
				return bad("--%s '': an empty value; name one, "
					   "or leave the option out",
					   vc_nth(valname, k));
			}
			continue;
		}
		if (!strcmp(s, "no-modprobe")) {
			a->no_modprobe = 1;
			continue;
		}
		for (k = 0; k < 7 && (strlen(vc_nth(word, k)) != len ||
				      strncmp(s, vc_nth(word, k), len));
		     k++)
			;
		if (k == 7)
			return bad("unknown option '%s'", argv[i]);
		if (eq)
			return bad("'%s' takes no value", argv[i]);
		q |= k == 1, v |= k == 2;
		if (flag(a, "nqvhVbf"[k]))
			return -1;
	}
	if (q && v)
		return bad("-q (--quiet) and -v (--verbose) contradict each "
			   "other%s; give one",
			   "");
	if (a->no_modprobe && a->val[A_MODPROBE])
		return bad("--modprobe '%s' and --no-modprobe contradict each "
			   "other; give one",
			   a->val[A_MODPROBE]);
	return 0;
}
