/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A tiny unit-test harness: every test prints exactly one line,
 * "PASS <name>" or "FAIL <name>: <why>", which tests/run.sh counts.
 */
#ifndef VC_UNIT_H
#define VC_UNIT_H

#include <stddef.h>

void t_begin(const char *name);
/* Prints the PASS/FAIL line of the current test. */
void t_end(void);
void t_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "a\tb" -> "a\\tb": keeps control bytes out of the one-line report. */
const char *t_esc(const char *s, size_t len, char *buf, size_t size);
int t_failures(void);

#define T_INT(got, want)                                                     \
	do {                                                                 \
		long long g_ = (got), w_ = (want);                           \
		if (g_ != w_)                                                \
			t_fail(__FILE__, __LINE__,                           \
			       "%s: expected %lld, got %lld", #got, w_, g_); \
	} while (0)

/* got may be NULL; want is a NUL-terminated string, or NULL. */
#define T_STRN(got, glen, want) \
	t_strn(__FILE__, __LINE__, #got, got, glen, want)
#define T_STR(got, want) t_str(__FILE__, __LINE__, #got, got, want)
#define T_TRUE(cond)                                                      \
	do {                                                              \
		if (!(cond))                                              \
			t_fail(__FILE__, __LINE__, "expected %s", #cond); \
	} while (0)

void t_strn(const char *file, int line, const char *what, const char *got,
	    size_t glen, const char *want);

void t_str(const char *file, int line, const char *what, const char *got,
	   const char *want);

/* Log capture: every log line goes to a temp file while capturing. */
void t_log_start(int level);
/* Returns everything logged since t_log_start (static buffer). */
const char *t_log_end(void);

void test_cmdline(void);
void test_selector(void);
void test_config(void);
void test_log(void);
void test_variant(void);
void test_hostrole(void);
void test_record(void);
void test_host(void);
void test_printf(void);

#endif
