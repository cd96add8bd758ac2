// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * src/klibc-printf.c, the early binary's vsnprintf, against the C
 * library's on every form the sources format with (and a few beyond),
 * output and return value, whole and cut short.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "unit.h"

int tiny_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
#define vsnprintf tiny_vsnprintf
#include "../../src/klibc-printf.c"
#undef vsnprintf

static int tiny(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = tiny_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return r;
}

/* The same call to both, at every SIZE from 0 to the whole length + 1. */
#define SAME(...)                                                              \
	do {                                                                   \
		char wb_[128], gb_[128];                                       \
		int wnb_ = snprintf(wb_, sizeof(wb_), __VA_ARGS__), sz_;       \
		for (sz_ = 0; sz_ <= wnb_ + 1; sz_++) {                        \
			memset(wb_, '#', sizeof(wb_));                         \
			memset(gb_, '#', sizeof(gb_));                         \
			T_INT(tiny(sz_ ? gb_ : NULL, sz_, __VA_ARGS__), wnb_); \
			snprintf(sz_ ? wb_ : NULL, sz_, __VA_ARGS__);          \
			T_TRUE(!memcmp(gb_, wb_, sizeof(gb_)));                \
		}                                                              \
		tiny(gb_, sizeof(gb_), __VA_ARGS__);                           \
		snprintf(wb_, sizeof(wb_), __VA_ARGS__);                       \
		T_STR(gb_, wb_);                                               \
	} while (0)

void test_printf(void)
{
	t_begin("printf/strings");
	SAME("plain text");
	SAME("%s: %s", "0000:0b:00.0", "vfio-pci");
	SAME("%s%s%s", "", "a", "");
	SAME("[%.*s]", 3, "abcdef");
	SAME("[%.*s]", 0, "abcdef");
	SAME("[%.*s]", 40, "short");
	SAME("%.24s|%.23s", "a-driver-name-longer-than-24", "x");
	SAME("[%5s][%-5s][%-2s]", "ab", "ab", "abc");
	SAME("100%% %c%c", 'o', 'k');
	t_end();

	t_begin("printf/numbers");
	SAME("%04x:%04x", 0x10de, 0x1b80);
	SAME("%04x %04x %04x", 0, 0xffff, 0x12345);
	SAME("%02x %06x %x", 7, 0x30000, 0xdeadbeefu);
	SAME("%d %d %d %d", 0, -1, INT_MIN, INT_MAX);
	SAME("%u %u", 0u, UINT_MAX);
	SAME("%ld %ld %lu", LONG_MIN, LONG_MAX, ULONG_MAX);
	SAME("%lld %llx %zu", LLONG_MIN, ULLONG_MAX, (size_t)12345);
	SAME("[%5d][%-5d][%05d][%05d]", 42, 42, 42, -42);
	SAME("<%d>%s: group %d", 3, "vfio-claim", 17);
	t_end();
}
