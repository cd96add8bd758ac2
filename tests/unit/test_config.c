// SPDX-License-Identifier: GPL-2.0-or-later
/* /etc/vfio-claim.conf parsing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "unit.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *name, *text;
	int ret;
	const char *val, *log;
} cases[] = {
	{ "simple", "devices=0b:00.0\n", 1, "0b:00.0", "" },
	{ "no-trailing-newline", "devices=0b:00.0", 1, "0b:00.0", "" },
	{ "crlf", "# c\r\ndevices=0b:00.0\r\n\r\n", 1, "0b:00.0", "" },
	{ "spaces-around-equals", "  devices =\t0b:00.0 , 00:14.0 \t\n", 1,
	  "0b:00.0 , 00:14.0", "" },
	{ "tabs-everywhere", "\tdevices\t=\t10de:1b80\t\n", 1, "10de:1b80",
	  "" },
	{ "comments-and-blank-lines",
	  "# vfio-claim\n\n   \n\t# devices=00:01.0\ndevices=0b:00.0 # the "
	  "GPU\n",
	  1, "0b:00.0", "" },
	{ "hash-ends-value", "devices=0b:00.0#0b:00.1\n", 1, "0b:00.0", "" },
	{ "last-devices-wins", "devices=0b:00.0\ndevices=none\n", 1, "none",
	  "" },
	{ "last-wins-even-if-empty", "devices=0b:00.0\ndevices=\n", 1, "", "" },
	{ "empty-value", "devices=", 1, "", "" },
	{ "blank-value", "devices = \t\r\n", 1, "", "" },
	{ "value-with-equals", "devices==0b:00.0", 1, "=0b:00.0", "" },
	{ "empty-file", "", 0, NULL, "" },
	{ "only-comments", "# devices=0b:00.0\n#\n", 0, NULL, "" },
	{ "only-newlines", "\n\n\r\n", 0, NULL, "" },
	{ "unknown-key-warned", "foo = bar\ndevices=0b:00.0\n", 1, "0b:00.0",
	  "<4>vfio-claim: /t.conf:1: unknown key 'foo' ignored (known: "
	  "devices, variants)\n" },
	{ "key-is-case-sensitive", "Devices=0b:00.0", 0, NULL,
	  "<4>vfio-claim: /t.conf:1: unknown key 'Devices' ignored (known: "
	  "devices, variants)\n" },
	{ "key-prefix-is-unknown", "devices2=0b:00.0\ndevice=x", 0, NULL,
	  "<4>vfio-claim: /t.conf:1: unknown key 'devices2' ignored (known: "
	  "devices, variants)\n"
	  "<4>vfio-claim: /t.conf:2: unknown key 'device' ignored (known: "
	  "devices, variants)\n" },
	{ "empty-key", "=0b:00.0\n", 0, NULL,
	  "<4>vfio-claim: /t.conf:1: unknown key '' ignored (known: "
	  "devices, variants)\n" },
	{ "line-without-equals", "# c\n\ndevices 0b:00.0\n", 0, NULL,
	  "<4>vfio-claim: /t.conf:3: 'devices 0b:00.0' is not KEY=VALUE; "
	  "ignored\n" },
	{ "line-numbers-count-comments-and-crlf",
	  "#\r\n\r\ndevices=a\r\nbogus\r\n", 1, "a",
	  "<4>vfio-claim: /t.conf:4: 'bogus' is not KEY=VALUE; ignored\n" },
	{ "equals-in-comment-only", "bogus # a=b\n", 0, NULL,
	  "<4>vfio-claim: /t.conf:1: 'bogus' is not KEY=VALUE; ignored\n" },
};

static void test_cases(void)
{
	char val[64], name[96];
	const char *log;
	size_t i;
	int r;

	for (i = 0; i < N(cases); i++) {
		snprintf(name, sizeof(name), "config/%s", cases[i].name);
		t_begin(name);
		memset(val, 'Z', sizeof(val));
		t_log_start(VC_DEBUG);
		r = config_parse(cases[i].text, strlen(cases[i].text),
				 "/t.conf", val, sizeof(val));
		log = t_log_end();
		T_INT(r, cases[i].ret);
		if (r == 1)
			T_STR(val, cases[i].val);
		T_STR(log, cases[i].log);
		t_end();
	}
}

static void test_sizes(void)
{
	char val[8], text[64];
	const char *log;

	t_begin("config/value-fills-buffer");
	T_INT(config_parse("devices=1234567\n", 16, "/t.conf", val,
			   sizeof(val)),
	      1);
	T_STR(val, "1234567");
	t_end();

	t_begin("config/value-too-long-E2BIG");
	t_log_start(VC_DEBUG);
	T_INT(config_parse("devices=12345678\n", 17, "/t.conf", val,
			   sizeof(val)),
	      -E2BIG);
	log = t_log_end();
	T_STR(log, "<3>vfio-claim: /t.conf:1: the devices= value is longer "
		   "than 7 bytes: name slots or IDs instead\n");
	t_end();

	t_begin("config/trailing-blanks-dont-count");
	T_INT(config_parse("devices = 1234567   \t\r\n", 23, "/t.conf", val,
			   sizeof(val)),
	      1);
	T_STR(val, "1234567");
	t_end();

	t_begin("config/len-is-respected");
	/* The text goes on past len: those bytes are not part of it. */
	T_INT(config_parse("devices=ab#c", 10, "/t.conf", val, sizeof(val)), 1);
	T_STR(val, "ab");
	T_INT(config_parse("devices=ab", 7, "/t.conf", val, sizeof(val)), 0);
	t_end();

	t_begin("config/not-nul-terminated");
	memset(text, 'x', sizeof(text));
	memcpy(text, "devices=0b:00.0", 15);
	T_INT(config_parse(text, 15, "/t.conf", val, sizeof(val)), 1);
	T_STR(val, "0b:00.0");
	t_end();

	/* A NUL would cut the value short, silently: an error (issue 18). */
	t_begin("config/nul-byte-in-line");
	T_INT(config_parse("devices=a\0b\n", 12, "/t.conf", val, sizeof(val)),
	      -EINVAL);
	t_end();
}

static void test_read(void)
{
	char path[] = "/tmp/vfio-claim-unit-conf.XXXXXX", val[64];
	static const char text[] = "# test\ndevices = 10de:1b80@0b:00.0\n";
	int fd;

	t_begin("config/read-file");
	fd = mkstemp(path);
	T_TRUE(fd >= 0);
	if (fd >= 0) {
		T_INT(write(fd, text, sizeof(text) - 1), sizeof(text) - 1);
		close(fd);
		T_INT(config_read(path, val, sizeof(val)), 1);
		T_STR(val, "10de:1b80@0b:00.0");
		unlink(path);
	}
	t_end();

	t_begin("config/read-missing-file-is-no-value");
	t_log_start(VC_DEBUG);
	T_INT(config_read("/nonexistent/vfio-claim.conf", val, sizeof(val)), 0);
	T_STR(t_log_end(), "");
	t_end();
}

static void test_read_errors(void)
{
	char path[] = "/tmp/vfio-claim-unit-conf.XXXXXX", val[64];
	static char big[20000];
	const char *log;
	int fd;

	t_begin("config/read-directory-fails");
	t_log_start(VC_DEBUG);
	T_INT(config_read("/", val, sizeof(val)), -EISDIR);
	log = t_log_end();
	T_STR(log, "<3>vfio-claim: /: cannot read: Is a directory\n");
	t_end();

	t_begin("config/read-huge-file-fails");
	fd = mkstemp(path);
	T_TRUE(fd >= 0);
	if (fd >= 0) {
		memset(big, '#', sizeof(big));
		memcpy(big + sizeof(big) - 12, "\ndevices=a\n", 11);
		T_INT(write(fd, big, sizeof(big)), sizeof(big));
		close(fd);
		t_log_start(VC_DEBUG);
		T_INT(config_read(path, val, sizeof(val)), -EFBIG);
		log = t_log_end();
		T_TRUE(strstr(log, "larger than 16383 bytes") != NULL);
		unlink(path);
	}
	t_end();
}

/* The writer: only the winning value changes, every other byte stays. */
static void test_set(void)
{
	static const struct {
		const char *name, *text, *value, *want;
	} sets[] = {
		{ "keeps-comments-and-spacing",
		  "# c\nfoo=1\n devices = 0b:00.0  # gpu\n# end\n", "a,b",
		  "# c\nfoo=1\n devices = a,b  # gpu\n# end\n" },
		{ "last-line-wins", "devices=x\ndevices=y\n", "z",
		  "devices=x\ndevices=z\n" },
		{ "empty-value-filled", "devices=\n", "a", "devices=a\n" },
		{ "emptied", "devices=a # c\n", "", "devices= # c\n" },
		{ "crlf-kept", "devices=a\r\n", "b", "devices=b\r\n" },
		{ "appended", "# only comments\n", "a",
		  "# only comments\ndevices=a\n" },
		{ "appended-after-unterminated", "# c", "a",
		  "# c\ndevices=a\n" },
		{ "appended-to-empty", "", "a", "devices=a\n" },
	};
	struct config_line w;
	char val[64], out[128], name[96];
	size_t i;
	int r, n;

	for (i = 0; i < N(sets); i++) {
		snprintf(name, sizeof(name), "config/set-%s", sets[i].name);
		t_begin(name);
		r = config_find(sets[i].text, strlen(sets[i].text), "/t.conf",
				val, sizeof(val), &w);
		n = config_set_devices(sets[i].text, strlen(sets[i].text),
				       r == 1 ? &w : NULL, sets[i].value, out,
				       sizeof(out));
		T_INT(n, strlen(sets[i].want));
		T_STR(out, sets[i].want);
		/* What the boot reads back is the value written. */
		T_INT(config_parse(out, n, "/t.conf", val, sizeof(val)), 1);
		T_STR(val, sets[i].value);
		t_end();
	}

	t_begin("config/set-too-long-E2BIG");
	T_INT(config_set_devices("devices=a\n", 10, NULL, "0123456789", out,
				 20),
	      -E2BIG);
	r = config_find("devices=a\n", 10, "/t.conf", val, sizeof(val), &w);
	T_INT(r, 1);
	T_INT(w.lineno, 1);
	/* "devices=" + value + "\n" and the NUL in 20 bytes. */
	T_INT(config_set_devices("devices=a\n", 10, &w, "01234567890", out, 20),
	      -E2BIG);
	T_INT(config_set_devices("devices=a\n", 10, &w, "0123456789", out, 20),
	      19);
	t_end();
}

/* Whether vfio-claim picks variant drivers: vfio.variants=, variants=. */
static void test_variants(void)
{
	char path[] = "/tmp/vfio-claim-unit-conf.XXXXXX", val[64];
	static const char text[] = "variants = off # KubeVirt\ndevices=a\n";
	const char *log;
	int fd;

	t_begin("config/variants-default-auto");
	t_log_start(VC_DEBUG);
	T_INT(config_variants("quiet", NULL), 1);
	T_INT(config_variants("", "/nonexistent/vfio-claim.conf"), 1);
	T_STR(t_log_end(), "");
	t_end();

	t_begin("config/variants-cmdline");
	T_INT(config_variants("vfio.variants=off", NULL), 0);
	T_INT(config_variants("vfio.variants=off vfio.variants=auto", NULL), 1);
	T_INT(config_variants("vfio.variants=auto vfio.variants=off", NULL), 0);
	/* After "--" the arguments are init's. */
	T_INT(config_variants("quiet -- vfio.variants=off", NULL), 1);
	t_end();

	t_begin("config/variants-bad-value-said-stays-auto");
	t_log_start(VC_DEBUG);
	T_INT(config_variants("vfio.variants=no", NULL), 1);
	log = t_log_end();
	T_STR(log, "<3>vfio-claim: vfio.variants=: 'no' is not auto or off; "
		   "variant drivers stay automatic\n");
	t_end();

	t_begin("config/variants-file-and-cmdline-wins");
	fd = mkstemp(path);
	T_TRUE(fd >= 0);
	if (fd >= 0) {
		T_INT(write(fd, text, sizeof(text) - 1), sizeof(text) - 1);
		close(fd);
		t_log_start(VC_DEBUG);
		T_INT(config_variants("quiet", path), 0);
		T_INT(config_variants("vfio.variants=auto", path), 1);
		/* devices= still reads, and variants= is no unknown key. */
		T_INT(config_read(path, val, sizeof(val)), 1);
		T_STR(val, "a");
		T_STR(t_log_end(), "");
		unlink(path);
	}
	t_end();

	t_begin("config/variants-not-devices");
	T_INT(config_parse("variants=off\n", 13, "/t.conf", val, sizeof(val)),
	      0);
	t_end();
}

void test_config(void)
{
	test_variants();
	test_cases();
	test_set();
	test_sizes();
	test_read();
	test_read_errors();
}
