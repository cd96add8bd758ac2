// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vsnprintf for the klibc build of vfio-claim only (the Makefile links it
 * there, never into vfioctl or a glibc build): klibc's handles every C99
 * conversion in 2,459 bytes; the early binary formats only these, in
 * about 1,000:
 *   %s %d %u %x %c %%, the flags '-' and '0', a width, a precision
 *   (".N" or ".*"; for %s: at most N bytes), and the lengths 'l', "ll"
 *   and 'z'.
 * An unknown conversion is copied as it stands. Returns what C99 says:
 * the length the whole output would have, whatever SIZE cut off; the
 * buffer is NUL-terminated when SIZE > 0. tests/unit checks it against
 * the C library's on every form the sources use.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	size_t n = 0;

#define PUT(ch)                              \
	do {                                 \
		if (n + 1 < size)            \
			buf[n] = (char)(ch); \
		n++;                         \
	} while (0)

	for (; *fmt; fmt++) {
		char num[24], conv, pad = ' ';
		const char *s = num;
		unsigned long long v;
		int left = 0, width = 0, prec = -1, lng = 0, neg = 0, base;
		size_t len, i;

		if (*fmt != '%') {
			PUT(*fmt);
			continue;
		}
		for (fmt++; *fmt == '-' || *fmt == '0'; fmt++)
			if (*fmt == '-')
				left = 1;
			else
				pad = '0';
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		if (*fmt == '.') {
			prec = 0;
			if (*++fmt == '*')
				prec = va_arg(ap, int), fmt++;
			for (; *fmt >= '0' && *fmt <= '9'; fmt++)
				prec = prec * 10 + (*fmt - '0');
		}
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			lng++;
		conv = *fmt;
		if (conv == 's') {
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			for (len = 0; s[len] && (prec < 0 || (int)len < prec);
			     len++)
				;
			pad = ' ';
		} else if (conv == 'd' || conv == 'u' || conv == 'x') {
			if (conv == 'd') {
				long long x = lng > 1 ? va_arg(ap, long long)
					      : lng   ? va_arg(ap, long)
						      : va_arg(ap, int);

				neg = x < 0;
				v = (unsigned long long)x;
				if (neg)
					v = -v;
			} else {
				v = lng > 1 ? va_arg(ap, unsigned long long)
				    : lng   ? va_arg(ap, unsigned long)
					    : va_arg(ap, unsigned int);
			}
			i = sizeof(num);
			base = conv == 'x' ? 16 : 10;
			do {
				num[--i] = "0123456789abcdef"[v % base];
				v /= base;
			} while (v);
			if (neg && pad == ' ')
				num[--i] = '-';
			s = num + i;
			len = sizeof(num) - i;
			if (neg && pad == '0') {
				PUT('-');
				width--;
			}
		} else if (conv == 'c') {
			num[0] = (char)va_arg(ap, int);
			len = 1;
		} else {
			/* %% and anything unknown: as written. */
			if (!conv)
				break;
			num[0] = conv;
			len = 1;
			pad = ' ';
		}
		if (left)
			pad = ' ';
		for (; !left && (int)len < width; width--)
			PUT(pad);
		for (i = 0; i < len; i++)
			PUT(s[i]);
		for (; left && (int)len < width; width--)
			PUT(' ');
	}
	if (size)
		buf[n < size ? n : size - 1] = '\0';
	return (int)n;
#undef PUT
}
