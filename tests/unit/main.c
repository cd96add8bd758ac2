// SPDX-License-Identifier: GPL-2.0-or-later
/* Runs every unit test; exits 1 when any failed. */
#include <fcntl.h>
#include <fnmatch.h>
#include <sanitizer/common_interface_defs.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "unit.h"

static const char *cur;
static char why[768];
static int cur_failed, failures;
static char logpath[] = "/tmp/vfio-claim-unit-log.XXXXXX";

void t_begin(const char *name)
{
	cur = name;
	cur_failed = 0;
	why[0] = '\0';
}

/* TESTS (tests/run.sh unit:TEST): a glob; only the tests it names report. */
static int wanted(const char *name)
{
	const char *pat = getenv("TESTS");

	return !pat || !*pat || fnmatch(pat, name, 0) == 0;
}

void t_end(void)
{
	if (!wanted(cur)) {
		/* Not asked for: neither reported nor counted. */
	} else if (cur_failed) {
		printf("FAIL %s: %s", cur, why);
		if (cur_failed > 1)
			printf(" (and %d more)", cur_failed - 1);
		printf("\n");
		failures++;
	} else {
		printf("PASS %s\n", cur);
	}
	fflush(stdout);
	cur = NULL;
}

void t_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (cur_failed++)
		return;
	n = snprintf(why, sizeof(why), "%s:%d: ", file, line);
	va_start(ap, fmt);
	vsnprintf(why + n, sizeof(why) - n, fmt, ap);
	va_end(ap);
}

const char *t_esc(const char *s, size_t len, char *buf, size_t size)
{
	size_t i, o = 0;

	if (!s)
		return "(null)";
	for (i = 0; i < len && o + 5 < size; i++) {
		unsigned char c = s[i];

		if (c == '\n')
			o += snprintf(buf + o, size - o, "\\n");
		else if (c == '\t')
			o += snprintf(buf + o, size - o, "\\t");
		else if (c == '\r')
			o += snprintf(buf + o, size - o, "\\r");
		else if (c < 0x20 || c >= 0x7f)
			o += snprintf(buf + o, size - o, "\\x%02x", c);
		else
			buf[o++] = c;
	}
	buf[o] = '\0';
	return buf;
}

void t_strn(const char *file, int line, const char *what, const char *got,
	    size_t glen, const char *want)
{
	char gb[256], wb[256];

	if (!got && !want)
		return;
	if (got && want && glen == strlen(want) && !memcmp(got, want, glen))
		return;
	t_fail(file, line, "%s: expected \"%s\", got \"%s\"", what,
	       want ? t_esc(want, strlen(want), wb, sizeof(wb)) : "(null)",
	       got ? t_esc(got, glen, gb, sizeof(gb)) : "(null)");
}

void t_str(const char *file, int line, const char *what, const char *got,
	   const char *want)
{
	t_strn(file, line, what, got, got ? strlen(got) : 0, want);
}

int t_failures(void)
{
	return failures;
}

void t_log_start(int level)
{
	int fd = open(logpath, O_WRONLY | O_TRUNC);

	if (fd >= 0)
		close(fd);
	log_setup("vfio-claim", logpath, level, 0);
}

const char *t_log_end(void)
{
	static char buf[65536];
	ssize_t n = 0;
	int fd;

	log_close();
	fd = open(logpath, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
	/* Anything logged outside a capture is dropped. */
	log_setup("vfio-claim", "/dev/null", VC_DEBUG, 0);
	return buf;
}

/* A sanitizer report or a crash still names the test it happened in. */
static void died(void)
{
	if (cur)
		printf("FAIL %s: crashed (sanitizer report on stderr)\n", cur);
	fflush(stdout);
}

static void crashed(int sig)
{
	char msg[160];
	int n = snprintf(msg, sizeof(msg), "FAIL %s: signal %d\n",
			 cur ? cur : "unit", sig);

	if (write(STDOUT_FILENO, msg, n) < 0)
		n = 0;
	signal(sig, SIG_DFL);
	raise(sig);
}

int main(void)
{
	int fd = mkstemp(logpath);

	__sanitizer_set_death_callback(died);
	signal(SIGSEGV, crashed);
	signal(SIGBUS, crashed);
	signal(SIGABRT, crashed);

	if (fd < 0) {
		printf("FAIL unit/setup: cannot create a temp log file\n");
		return 1;
	}
	close(fd);
	log_setup("vfio-claim", "/dev/null", VC_DEBUG, 0);

	test_cmdline();
	test_selector();
	test_config();
	test_log();
	test_variant();
	test_hostrole();
	test_record();
	test_host();
	test_printf();

	log_close();
	unlink(logpath);
	return t_failures() ? 1 : 0;
}
