// SPDX-License-Identifier: GPL-2.0-or-later
#include <sys/stat.h>

#include "input.h"

int vc_same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * The length of the valid UTF-8 character at s (n bytes left), 0 when
 * s[0] starts none: no overlong forms, no surrogates, nothing past
 * U+10FFFF (RFC 3629), and no C1 control, which some terminals obey.
 */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t k, i;
	unsigned int c = s[0];

	if (c < 0xc2 || c > 0xf4)
		return 0;
	k = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if (n < k)
		return 0;
	for (i = 1; i < k; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xc2 && s[1] < 0xa0) || (c == 0xe0 && s[1] < 0xa0) ||
	    (c == 0xed && s[1] > 0x9f) || (c == 0xf0 && s[1] < 0x90) ||
	    (c == 0xf4 && s[1] > 0x8f))
		return 0;
	return k;
}

size_t vc_escape(char *dst, size_t size, const char *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0, i = 0, k;

	if (!size)
		return 0;
	while (i < len) {
		unsigned int c = s[i];

		k = c >= 0x20 && c < 0x7f ? 1 : utf8_len(s + i, len - i);
		if (c == '\\') {
			if (o + 2 >= size)
				break;
			dst[o++] = '\\';
			dst[o++] = '\\';
		} else if (k) {
			if (o + k >= size)
				break;
			while (k--)
				dst[o++] = (char)s[i++];
			continue;
		} else {
			if (o + 4 >= size)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
		i++;
	}
	dst[o] = '\0';
	return o;
}
