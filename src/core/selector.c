// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Selector grammar (hex, case-insensitive, exact widths so that the forms
 * cannot be confused):
 *   [DDDD:]BB:SS.F          one function
 *   [DDDD:]BB:SS            every function of a slot
 *   VVVV:DDDD               every device with that vendor:device
 *   VVVV:DDDD:SSSS:ssss     ... and that subsystem vendor:device
 *   ID@[DDDD:]BB:SS.F       that function, only while it has that ID
 * Any of them may end in =DRIVER: the vfio driver to hand it to (a vfio
 * variant module such as mlx5_vfio_pci, or vfio-pci).
 * The domain may have 4 to 8 digits (VMD domains are 10000 and up).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "selector.h"

static const char forms[] =
	"use BB:SS.F, DDDD:BB:SS.F, BB:SS, VVVV:DDDD, VVVV:DDDD:SSSS:ssss "
	"or VVVV:DDDD@DDDD:BB:SS.F, in hex";

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly n hex digits (n <= 8) into *out. */
static int hexn(const char *p, size_t n, unsigned int *out)
{
	unsigned int v = 0;
	size_t i;

	if (n == 0 || n > 8)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		int d = hexval(p[i]);

		if (d < 0)
			return -EINVAL;
		v = v << 4 | (unsigned int)d;
	}
	*out = v;
	return 0;
}

/* Splits p[0..len) at ':' into at most 4 fields. Returns the count. */
static int split_colon(const char *p, size_t len, const char *f[5],
		       size_t fl[5])
{
	size_t i, start = 0;
	int n = 0;

	for (i = 0; i <= len; i++) {
		if (i == len || p[i] == ':') {
			if (n == 5)
				return 6;
			f[n] = p + start;
			fl[n] = i - start;
			n++;
			start = i + 1;
		}
	}
	return n;
}

/* [DDDD:]BB:SS[.F]; want_func: 1 requires .F, 0 forbids it. */
static int parse_addr(const char *p, size_t len, int want_func,
		      struct pci_addr *a, const char **why)
{
	const char *f[5], *dot = memchr(p, '.', len);
	size_t fl[5], alen = dot ? (size_t)(dot - p) : len;
	int n;

	if (!!dot != want_func) {
		*why = forms;
		return -EINVAL;
	}
	n = split_colon(p, alen, f, fl);
	a->domain = 0;
	if (n == 3) {
		if (fl[0] < 4 || hexn(f[0], fl[0], &a->domain)) {
			*why = "the domain is 4 to 8 hex digits (0000)";
			return -EINVAL;
		}
		f[0] = f[1], fl[0] = fl[1];
		f[1] = f[2], fl[1] = fl[2];
	} else if (n != 2) {
		*why = forms;
		return -EINVAL;
	}
	if (fl[0] != 2 || hexn(f[0], 2, &a->bus) || fl[1] != 2 ||
	    hexn(f[1], 2, &a->slot)) {
		*why = "bus and slot are two hex digits each (0b:00)";
		return -EINVAL;
	}
	if (a->slot > 0x1f) {
		*why = "the slot is 00 to 1f";
		return -EINVAL;
	}
	a->func = 0;
	if (dot) {
		if (len - alen != 2 || hexn(dot + 1, 1, &a->func) ||
		    a->func > 7) {
			*why = "the function is one digit, 0 to 7";
			return -EINVAL;
		}
	}
	return 0;
}

/* VVVV:DDDD or VVVV:DDDD:SSSS:ssss */
static int parse_id(const char *p, size_t len, struct selector *s,
		    const char **why)
{
	const char *f[5];
	size_t fl[5];
	int n = split_colon(p, len, f, fl), i;
	unsigned int v[4] = { 0, 0, 0, 0 };

	if (n != 2 && n != 4) {
		*why = forms;
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (fl[i] != 4 || hexn(f[i], 4, &v[i])) {
			*why = i < 2 ? "IDs are four hex digits each "
				       "(10de:1b80)"
				     : "the subsystem part is two IDs of four "
				       "hex digits (10de:1b80:1458:3702)";
			return -EINVAL;
		}
	}
	s->id.vendor = v[0];
	s->id.device = v[1];
	s->id.subvendor = v[2];
	s->id.subdevice = v[3];
	s->has_sub = n == 4;
	return 0;
}

static void format_id(const struct selector *s, char *buf, size_t size)
{
	if (s->has_sub)
		snprintf(buf, size, "%04x:%04x:%04x:%04x", s->id.vendor,
			 s->id.device, s->id.subvendor, s->id.subdevice);
	else
		snprintf(buf, size, "%04x:%04x", s->id.vendor, s->id.device);
}

void pci_addr_format(const struct pci_addr *a, char *buf)
{
	snprintf(buf, PCI_NAME_MAX, "%04x:%02x:%02x.%x", a->domain, a->bus,
		 a->slot, a->func);
}

int pci_addr_parse(const char *name, struct pci_addr *a)
{
	const char *why;
	const char *c = strchr(name, ':');

	/* Kernel names always carry the domain. */
	if (!c || !strchr(c + 1, ':'))
		return -EINVAL;
	return parse_addr(name, strlen(name), 1, a, &why);
}

static int sel_parse_dev(const char *tok, size_t len, struct selector *s,
			 const char **why);

int sel_parse(const char *tok, size_t len, struct selector *s, const char **why)
{
	const char *eq = memchr(tok, '=', len);
	size_t dlen, i, n;
	int r;

	if (!eq)
		return sel_parse_dev(tok, len, s, why);
	dlen = len - (eq - tok) - 1;
	r = sel_parse_dev(tok, eq - tok, s, why);
	if (r)
		return r;
	for (i = 0; i < dlen; i++) {
		char c = eq[1 + i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			break;
	}
	if (dlen == 0 || i < dlen || dlen >= sizeof(s->driver)) {
		*why = "=DRIVER is a vfio driver's module name (vfio-pci, "
		       "mlx5_vfio_pci)";
		return -EINVAL;
	}
	memcpy(s->driver, eq + 1, dlen);
	n = strlen(s->text);
	snprintf(s->text + n, sizeof(s->text) - n, "=%s", s->driver);
	return 0;
}

static int sel_parse_dev(const char *tok, size_t len, struct selector *s,
			 const char **why)
{
	const char *at = memchr(tok, '@', len);
	char idbuf[24], abuf[PCI_NAME_MAX];
	size_t i;
	int colons = 0, r;

	memset(s, 0, sizeof(*s));
	*why = forms;
	if (len == 0 || len >= 48)
		return -EINVAL;
	if (at) {
		size_t idlen = at - tok;

		r = parse_id(tok, idlen, s, why);
		if (r)
			return r;
		r = parse_addr(at + 1, len - idlen - 1, 1, &s->addr, why);
		if (r) {
			if (!memchr(at + 1, '.', len - idlen - 1))
				*why = "a guard names one function: "
				       "VVVV:DDDD@DDDD:BB:SS.F";
			return r;
		}
		s->kind = SEL_FUNC;
		s->guarded = 1;
		format_id(s, idbuf, sizeof(idbuf));
		pci_addr_format(&s->addr, abuf);
		snprintf(s->text, sizeof(s->text), "%s@%s", idbuf, abuf);
		return 0;
	}
	for (i = 0; i < len; i++)
		colons += tok[i] == ':';
	if (memchr(tok, '.', len)) {
		r = parse_addr(tok, len, 1, &s->addr, why);
		if (r)
			return r;
		s->kind = SEL_FUNC;
		pci_addr_format(&s->addr, s->text);
		return 0;
	}
	/*
	 * VVVV:DDDD: or VVVV:DDDD:SSSS, an ID whose subsystem part is cut
	 * short, not a slot with a 4-digit bus.
	 */
	if (colons == 2 && (const char *)memchr(tok, ':', len) - tok == 4 &&
	    memchr(tok + 5, ':', len - 5) == tok + 9) {
		*why = "the subsystem part is two IDs, VVVV:DDDD:SSSS:ssss "
		       "(10de:1b80:1458:3702)";
		return -EINVAL;
	}
	/* 4-digit first field with one colon: an ID; with 3 colons too. */
	if (colons == 3 ||
	    (colons == 1 && (const char *)memchr(tok, ':', len) - tok > 2)) {
		r = parse_id(tok, len, s, why);
		if (r)
			return r;
		s->kind = SEL_ID;
		format_id(s, s->text, sizeof(s->text));
		return 0;
	}
	r = parse_addr(tok, len, 0, &s->addr, why);
	if (r)
		return r;
	s->kind = SEL_SLOT;
	snprintf(s->text, sizeof(s->text), "%04x:%02x:%02x", s->addr.domain,
		 s->addr.bus, s->addr.slot);
	return 0;
}

static int is_sep(char c)
{
	return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_none(const char *v)
{
	int i;

	while (*v && is_sep(*v))
		v++;
	for (i = 0; i < 4; i++)
		if ((v[i] | 0x20) != "none"[i])
			return 0;
	for (v += 4; *v; v++)
		if (!is_sep(*v))
			return 0;
	return 1;
}

int sel_parse_list(const char *value, struct sel_list *l, const char *origin)
{
	const char *p = value, *why;
	int bad = 0, i;

	l->n = 0;
	if (is_none(value))
		return 0;
	while (*p) {
		struct selector s;
		size_t len;

		while (*p && is_sep(*p))
			p++;
		if (!*p)
			break;
		for (len = 0; p[len] && !is_sep(p[len]); len++)
			;
		if (sel_parse(p, len, &s, &why)) {
			vc_err("%s: '%.*s' is not a device selector: %s",
			       origin, (int)(len > 40 ? 40 : len), p, why);
			bad++;
		} else {
			for (i = 0; i < l->n; i++)
				if (!strcmp(l->sel[i].text, s.text))
					break;
			if (i < l->n) {
				vc_dbg("%s: %s is named twice", origin, s.text);
			} else if (l->n == SEL_MAX) {
				vc_err("%s: more than %d selectors; '%.*s' and "
				       "later are ignored: name slots or IDs "
				       "instead",
				       origin, SEL_MAX,
				       (int)(len > 40 ? 40 : len), p);
				return bad + 1;
			} else {
				l->sel[l->n++] = s;
			}
		}
		p += len;
	}
	return bad;
}

int sel_match_addr(const struct selector *s, const struct pci_addr *a)
{
	if (s->kind == SEL_ID)
		return 0;
	if (s->addr.domain != a->domain || s->addr.bus != a->bus ||
	    s->addr.slot != a->slot)
		return 0;
	return s->kind == SEL_SLOT || s->addr.func == a->func;
}

int sel_match_id(const struct selector *s, const struct pci_id *id)
{
	if (s->id.vendor != id->vendor || s->id.device != id->device)
		return 0;
	return !s->has_sub || (s->id.subvendor == id->subvendor &&
			       s->id.subdevice == id->subdevice);
}
