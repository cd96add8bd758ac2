/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What both programs do with what a user hands them: paths compared by
 * identity, never by spelling, and text from arguments and files made
 * safe for a terminal and for the one-line kernel log.
 */
#ifndef VC_INPUT_H
#define VC_INPUT_H

#include <stddef.h>

/*
 * 1 when paths a and b name the same file (st_dev and st_ino of stat(2),
 * so "/sys/", "//sys", "/sys/." and a symlink to /sys are /sys), 0 when
 * not or when either cannot be looked at.
 */
int vc_same_file(const char *a, const char *b);

/*
 * Copies len bytes of src into dst (size bytes, always NUL terminated)
 * with every control byte (below 0x20, 0x7f), C1 control (U+0080 to
 * U+009F) and byte that is no part of valid UTF-8 written as \xNN, and
 * '\\' as "\\\\": an escape sequence in an argument never reaches the
 * terminal, a NUL never cuts a message short, a message stays one line.
 * Cuts at a whole character. Returns the length written.
 */
size_t vc_escape(char *dst, size_t size, const char *src, size_t len);

#endif
