// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target over the parsers that read what users type: the
 * kernel command line, the selector grammar and the config file, and
 * those that read files the kernel or vfio-claim wrote: a device's
 * uevent, a /run record and modules.alias (vfio variant drivers). The
 * first byte picks the parser (its value modulo 16; '0' to '6' are the
 * first seven); the rest is the input. '<' (12) and '=' (13) are the
 * command lines of vfio-claim (claim_parse_argv) and vfioctl
 * (vctl_parse_argv): the rest split at NUL bytes into arguments.
 * Besides memory errors (ASan) and UB (UBSan), it aborts when a parser
 * breaks one of its promises, e.g. a selector whose canonical text does
 * not parse back to the same selector.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cmdline.h"
#include "args.h"
#include "config.h"
#include "log.h"
#include "pci.h"
#include "record.h"
#include "selector.h"
#include "variant.h"
#include "vfioctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PARAM "vfio.devices"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

static struct sel_list list;

static int same_selector(const struct selector *a, const struct selector *b)
{
	return a->kind == b->kind && a->guarded == b->guarded &&
	       a->has_sub == b->has_sub && !strcmp(a->text, b->text) &&
	       !memcmp(&a->addr, &b->addr, sizeof(a->addr)) &&
	       !memcmp(&a->id, &b->id, sizeof(a->id));
}

/* What a parsed selector promises about itself. */
static void check_selector(const struct selector *s)
{
	struct selector again;
	size_t n = strlen(s->text);
	const char *why = NULL;

	CHECK(n > 0 && n < sizeof(s->text));
	CHECK(s->kind == SEL_FUNC || s->kind == SEL_SLOT || s->kind == SEL_ID);
	CHECK(!s->guarded || s->kind == SEL_FUNC);
	CHECK(s->addr.bus <= 0xff && s->addr.slot <= 0x1f && s->addr.func <= 7);
	/* The canonical text parses back to the same selector. */
	CHECK(sel_parse(s->text, n, &again, &why) == 0);
	CHECK(same_selector(s, &again));
	if (s->kind != SEL_ID)
		CHECK(sel_match_addr(s, &s->addr));
	else
		CHECK(!sel_match_addr(s, &s->addr));
	if (s->kind == SEL_ID || s->guarded)
		CHECK(sel_match_id(s, &s->id));
}

static void check_list(const char *value)
{
	int bad = sel_parse_list(value, &list, "fuzz"), i, j;

	CHECK(bad >= 0);
	CHECK(list.n >= 0 && list.n <= SEL_MAX);
	for (i = 0; i < list.n; i++) {
		check_selector(&list.sel[i]);
		for (j = 0; j < i; j++)
			CHECK(strcmp(list.sel[i].text, list.sel[j].text));
	}
}

static void fuzz_get_last(const char *line, size_t size, int then_list)
{
	/* Heap buffers of exact sizes, so that ASan sees one byte over. */
	static const size_t sizes[] = { 1, 16, 4096 };
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *val = malloc(sizes[i]);
		int r;

		CHECK(val);
		r = cmdline_get_last(line, PARAM, val, sizes[i]);
		CHECK(r == 1 || r == 0 || r == -E2BIG);
		if (r == 1) {
			CHECK(strlen(val) < sizes[i]);
			CHECK(strlen(val) <= size);
			if (then_list)
				check_list(val);
		}
		free(val);
	}
}

static void fuzz_next(const char *line, size_t size)
{
	const char *pos = line, *prev, *end = line + size;
	struct cmdline_arg a;
	size_t n = 0;

	for (;;) {
		prev = pos;
		if (!cmdline_next(&pos, &a))
			break;
		CHECK(pos > prev && pos <= end);
		CHECK(a.param >= line && a.param + a.param_len <= end);
		if (a.val) {
			CHECK(a.val >= a.param + a.param_len);
			CHECK(a.val + a.val_len <= end);
		}
		(void)cmdline_param_is(&a, PARAM);
		CHECK(++n <= size);
	}
	CHECK(*pos == '\0');
}

static void fuzz_sel(const char *buf, size_t size)
{
	struct selector s;
	const char *why = NULL;
	int r = sel_parse(buf, size, &s, &why);

	if (r == 0)
		check_selector(&s);
	else
		CHECK(r == -EINVAL && why && why[0]);
}

/*
 * vfioctl reserve's writer: whatever the file, the value it puts in (or
 * appends) is the value the boot then reads, and the rest stays.
 */
static void fuzz_config_set(const char *buf, size_t size)
{
	static const char v[] = "10de:1b80@0000:0b:00.0";
	static char val[4096], out[CONFIG_MAX + 64], back[4096];
	struct config_line w;
	int r, n;

	r = config_find(buf, size, "fuzz.conf", val, sizeof(val), &w);
	if (r < 0)
		return;
	if (r == 1) {
		CHECK(w.start <= w.end && w.end <= size);
		CHECK(w.end - w.start < sizeof(val));
		CHECK(!memcmp(buf + w.start, val, w.end - w.start));
	}
	n = config_set_devices(buf, size, r == 1 ? &w : NULL, v, out,
			       sizeof(out));
	if (n == -E2BIG)
		return;
	CHECK(n >= 0 && (size_t)n < sizeof(out) && out[n] == '\0');
	CHECK(config_parse(out, n, "fuzz.conf", back, sizeof(back)) == 1);
	CHECK(!strcmp(back, v));
	if (r == 1)
		CHECK(!memcmp(out, buf, w.start) &&
		      !memcmp(out + w.start + strlen(v), buf + w.end,
			      size - w.end));
	else
		CHECK(!memcmp(out, buf, size));
}

static void fuzz_config(const char *buf, size_t size, int then_list)
{
	static const size_t sizes[] = { 1, 16, 4096 };
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *val = malloc(sizes[i]);
		int r;

		CHECK(val);
		r = config_parse(buf, size, "fuzz.conf", val, sizes[i]);
		/* A NUL byte is an error, never a value cut short. */
		CHECK(r == 1 || r == 0 || r == -E2BIG ||
		      (r == -EINVAL && memchr(buf, '\0', size)));
		if (r == 1) {
			CHECK(strlen(val) < sizes[i]);
			if (then_list)
				check_list(val);
		}
		free(val);
	}
}

/* The bytes as argv: argv[0] is the program, NUL separates arguments. */
static int split_argv(char *buf, size_t size, const char *prog, char **argv,
		      int max)
{
	int argc = 1;
	size_t i, start = 0;

	argv[0] = (char *)prog;
	for (i = 0; i <= size && argc < max - 1; i++)
		if (i == size || buf[i] == '\0') {
			buf[i] = '\0';
			argv[argc++] = buf + start;
			start = i + 1;
		}
	argv[argc] = NULL;
	return argc;
}

/* What claim_parse_argv promises about what it accepts. */
static void fuzz_claim_argv(char *buf, size_t size)
{
	char *argv[64];
	struct args a;
	int argc = split_argv(buf, size, "vfio-claim", argv, 64), r, k;

	r = claim_parse_argv(argc, argv, &a);
	CHECK(r == 0 || r == -1 || r == 2);
	if (r)
		return;
	for (k = 0; k < A_NVAL; k++)
		CHECK(!a.val[k] || a.val[k][0] || k == A_CMDLINE);
	CHECK(!a.val[A_WAIT] || (a.wait >= 1 && a.wait <= 3600));
	CHECK(!(a.no_modprobe && a.val[A_MODPROBE]));
}

/* ... and vctl_parse_argv. */
static void fuzz_vctl_argv(char *buf, size_t size)
{
	static struct vctl c;
	char *argv[64];
	int argc = split_argv(buf, size, "vfioctl", argv, 64), r, verb = -1;

	memset(&c, 0, sizeof(c));
	r = vctl_parse_argv(&c, argc, argv, &verb);
	CHECK(r == -1 || r == 0 || r == 2);
	if (r != -1)
		return;
	CHECK(verb >= 0 && verb < VCTL_NVERBS);
	CHECK(!(c.quiet && c.verbose));
	CHECK(!(c.json && c.prometheus));
	CHECK(!c.root || c.root[0]);
	CHECK(!c.sysroot || c.sysroot[0]);
	CHECK(!c.modprobe || c.modprobe[0]);
	CHECK(!c.pci_ids || c.pci_ids[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	char *buf, *str;
	int which;

	if (!ready) {
		log_setup("vfio-claim", "/dev/null", VC_DEBUG, 0);
		ready = 1;
	}
	if (size < 1)
		return 0;
	which = data[0] % 16;
	data++;
	size--;
	/* buf: exactly the bytes, no NUL; str: a C string of them. */
	buf = malloc(size ? size : 1);
	str = malloc(size + 1);
	if (!buf || !str)
		abort();
	memcpy(buf, data, size);
	memcpy(str, data, size);
	str[size] = '\0';

	switch (which) {
	case 0:
		fuzz_get_last(str, strlen(str), 0);
		break;
	case 1:
		fuzz_next(str, strlen(str));
		break;
	case 2:
		fuzz_sel(buf, size);
		break;
	case 3:
		check_list(str);
		break;
	case 4:
		fuzz_config(buf, size, 0);
		fuzz_config_set(buf, size);
		break;
	case 5:
		/* What vfio-claim does with the command line. */
		fuzz_get_last(str, strlen(str), 1);
		break;
	case 6:
		/* ... and with the config file. */
		fuzz_config(buf, size, 1);
		break;
	case 8: {
		struct vc_dev d;

		memset(&d, 0, sizeof(d));
		if (pci_parse_uevent(str, &d))
			CHECK(d.id.vendor <= 0xffff && d.id.device <= 0xffff);
		CHECK(d.class <= 0xffffff);
		CHECK(strlen(d.driver) < sizeof(d.driver));
		break;
	}
	case 9: {
		struct record r;

		record_parse(str, &r);
		CHECK(strlen(r.address) < sizeof(r.address));
		CHECK(strlen(r.previous_driver) < sizeof(r.previous_driver));
		CHECK(strlen(r.why) < sizeof(r.why));
		break;
	}
	case 10: {
		/* A glob and a string, split at the first newline. */
		char *nl = strchr(str, '\n');

		if (nl) {
			*nl = '\0';
			variant_glob(str, nl + 1);
		}
		CHECK(variant_glob("*", str) == 1);
		CHECK(variant_glob(str, str) == 1 ||
		      strpbrk(str, "*?[") != NULL);
		break;
	}
	case 11: {
		/* The bytes as a modules.alias. */
		char path[64], mod[64];
		int fd = memfd_create("alias", 0), r;

		if (fd < 0 || write(fd, buf, size) != (ssize_t)size)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		r = variant_find(
			path,
			"pci:v000015B3d0000101Esv000015B3sd00000041bc02sc00i00",
			mod, sizeof(mod));
		CHECK(r == 0 || (r == 1 && strlen(mod) < sizeof(mod)));
		close(fd);
		break;
	}
	case 12:
		fuzz_claim_argv(str, size);
		break;
	case 13:
		fuzz_vctl_argv(str, size);
		break;
	default:
		/* The same bytes through every parser. */
		fuzz_next(str, strlen(str));
		fuzz_sel(buf, size);
		check_list(str);
		fuzz_config(buf, size, 0);
		break;
	}
	free(buf);
	free(str);
	return 0;
}
