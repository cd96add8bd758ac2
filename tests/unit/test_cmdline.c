// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The tokenizer against the kernel's rules (lib/cmdline.c next_arg and
 * kernel/params.c parse_args), expected values worked out by hand from
 * those rules:
 * - whitespace is the kernel's isspace(): ' ', \t \n \v \f \r and 0xa0;
 * - a leading '"' opens a quote over the whole argument, and a '"' as
 *   the argument's last byte is then dropped;
 * - the first '=' not at index 0 splits param and value; a value that
 *   starts with '"' loses it, and a '"' as the argument's last byte too;
 * - any other '"' toggles quoting and stays in the text;
 * - a bare "--" (no '=') ends the kernel's arguments;
 * - parameter names compare with '-' and '_' equal, case-sensitively.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmdline.h"
#include "unit.h"

#define P "vfio.devices"

/* Tokens as "[param]" or "[param]=[value]", joined by single spaces. */
static void tokens(const char *line, char *out, size_t size)
{
	const char *pos = line, *prev;
	struct cmdline_arg a;
	size_t o = 0;
	int n = 0;

	out[0] = '\0';
	for (;;) {
		prev = pos;
		if (!cmdline_next(&pos, &a))
			break;
		if (pos <= prev || ++n > 64) {
			snprintf(out, size, "(no progress)");
			return;
		}
		o += snprintf(out + o, size - o, "%s[%.*s]", o ? " " : "",
			      (int)a.param_len, a.param);
		if (a.val)
			o += snprintf(out + o, size - o, "=[%.*s]",
				      (int)a.val_len, a.val);
		if (o >= size)
			return;
	}
}

static const struct {
	const char *name, *line, *want;
} tok_cases[] = {
	{ "plain-words", "ro quiet  splash", "[ro] [quiet] [splash]" },
	{ "empty-line", "", "" },
	{ "only-spaces", "  \t\n ", "" },
	{ "leading-trailing-space", "   a   ", "[a]" },
	{ "name-value", P "=0b:00.0", "[" P "]=[0b:00.0]" },
	{ "whole-param-quoted", "\"" P "=a b\" quiet",
	  "[" P "]=[a b] [quiet]" },
	{ "only-value-quoted", P "=\"a b\" quiet", "[" P "]=[a b] [quiet]" },
	{ "unterminated-value-quote", P "=\"a b quiet", "[" P "]=[a b quiet]" },
	{ "unterminated-whole-quote", "\"" P "=a b", "[" P "]=[a b]" },
	{ "quote-mid-value-kept", P "=a\"b c\"d e", "[" P "]=[a\"b c\"d] [e]" },
	{ "value-quote-then-text", "a=\"b c\"d", "[a]=[b c\"d]" },
	{ "trailing-quote-unopened", "a=b\"", "[a]=[b\"]" },
	{ "whole-quoted-value-quoted", "\"a=\"b\"\"", "[a]=[b\"]" },
	{ "whole-quoted-unbalanced-end", "\"a=b\"\"", "[a]=[b\"]" },
	{ "whole-quoted-then-text", "\"a=b\"c", "[a]=[b\"c]" },
	{ "quoted-name-then-value", "\"a\"=b", "[a\"]=[b]" },
	{ "quoted-name-quoted-value", "\"a\"=\"b\"", "[a\"]=[b]" },
	{ "quoted-lone-equals", "\"=\"", "[=]" },
	{ "quoted-flag", "\"a b\" c", "[a b] [c]" },
	{ "quoted-flag-unbalanced", "\"ab\"cd", "[ab\"cd]" },
	{ "lone-quote", "\"", "[]" },
	{ "empty-quotes", "\"\" x", "[] [x]" },
	{ "value-lone-quote", "a=\"", "[a]=[]" },
	{ "value-empty-quotes", "a=\"\" b", "[a]=[] [b]" },
	{ "whole-quoted-empty-value", "\"a=\"", "[a]=[]" },
	{ "whole-quoted-open-value", "\"a=", "[a]=[]" },
	{ "equals-at-index-0", "=x", "[=x]" },
	{ "equals-at-index-0-then-equals", "=x=y", "[=x]=[y]" },
	{ "double-equals", "==", "[=]=[]" },
	{ "quoted-equals-at-index-0", "\"=x\"", "[=x]" },
	{ "empty-value", "a= b", "[a]=[] [b]" },
	{ "no-equals-is-flag", "a", "[a]" },
	{ "value-keeps-later-equals", "a=b=c", "[a]=[b=c]" },
	{ "tab-newline-cr-vt-ff", "a\tb\nc\rd\ve\ff",
	  "[a] [b] [c] [d] [e] [f]" },
	{ "nbsp-0xa0-is-space",
	  "a\xa0"
	  "b",
	  "[a] [b]" },
	{ "nbsp-inside-quotes", "a=\"x\xa0y\"", "[a]=[x\xa0y]" },
	{ "byte-0xc2-not-space",
	  "a\xc2"
	  "b",
	  "[a\xc2"
	  "b]" },
	{ "trailing-newline", "a=b\n", "[a]=[b]" },
	{ "quoted-value-trailing-newline", "a=\"b c\"\n", "[a]=[b c]" },
	{ "unterminated-quote-eats-newline", "a=\"b c\n", "[a]=[b c\n]" },
};

static const struct {
	const char *name, *line;
	int ret;
	const char *val;
} get_cases[] = {
	{ "absent", "ro quiet", 0, NULL },
	{ "empty-cmdline", "", 0, NULL },
	{ "simple", "ro " P "=0b:00.0 quiet", 1, "0b:00.0" },
	{ "proc-trailing-newline", "ro " P "=0b:00.0,0b:00.1\n", 1,
	  "0b:00.0,0b:00.1" },
	{ "whole-param-quoted", "ro \"" P "=0b:00.0 0b:00.1\" quiet", 1,
	  "0b:00.0 0b:00.1" },
	{ "only-value-quoted", "ro " P "=\"0b:00.0 0b:00.1\" quiet", 1,
	  "0b:00.0 0b:00.1" },
	{ "value-quoted-newline", P "=\"0b:00.0 0b:00.1\"\n", 1,
	  "0b:00.0 0b:00.1" },
	{ "unterminated-quote", P "=\"0b:00.0 quiet", 1, "0b:00.0 quiet" },
	{ "quote-mid-value", P "=0b:00.0\" x\" y", 1, "0b:00.0\" x\"" },
	{ "empty-value", P "= quiet", 1, "" },
	{ "empty-quoted-value", P "=\"\" quiet", 1, "" },
	{ "last-wins", P "=0b:00.0 quiet " P "=none", 1, "none" },
	{ "last-wins-three", P "=a " P "=b " P "=c", 1, "c" },
	{ "last-wins-empty", P "=0b:00.0 " P "=", 1, "" },
	{ "bare-name-is-not-a-value", P "=a " P, 1, "a" },
	{ "bare-name-only", P, 0, NULL },
	{ "dashes-end-kernel-args", "ro -- " P "=0b:00.0", 0, NULL },
	{ "dashes-keep-earlier", P "=a -- " P "=b", 1, "a" },
	{ "quoted-dashes-end-too", "\"--\" " P "=b", 0, NULL },
	{ "dashes-with-value-dont-end", "--=x " P "=b", 1, "b" },
	{ "triple-dash-doesnt-end", "--- " P "=b", 1, "b" },
	{ "dashes-inside-value", P "=-- x", 1, "--" },
	{ "prefix-not-matched", "x" P "=a", 0, NULL },
	{ "suffix-not-matched", P "2=a", 0, NULL },
	{ "longer-name-not-matched", P ".x=a", 0, NULL },
	{ "shorter-name-not-matched", "vfio.device=a", 0, NULL },
	{ "name-is-case-sensitive", "VFIO.DEVICES=a", 0, NULL },
	{ "contains-name-then-real", "x" P "=a " P "2=b " P "=c", 1, "c" },
	{ "tabs", "ro\t" P "=a\tquiet", 1, "a" },
	{ "nbsp-separates", "ro\xa0" P "=a\xa0quiet", 1, "a" },
	{ "value-with-equals", P "=a=b", 1, "a=b" },
	{ "equals-at-index-0-is-not-name", "=" P "=a", 0, NULL },
	{ "leading-space", "   " P "=a", 1, "a" },
};

static void test_tokens(void)
{
	char out[1024], name[96];
	size_t i;

	for (i = 0; i < sizeof(tok_cases) / sizeof(tok_cases[0]); i++) {
		snprintf(name, sizeof(name), "cmdline/next/%s",
			 tok_cases[i].name);
		t_begin(name);
		tokens(tok_cases[i].line, out, sizeof(out));
		T_STR(out, tok_cases[i].want);
		t_end();
	}
}

static void test_get_last(void)
{
	char val[64], name[96];
	size_t i;
	int r;

	for (i = 0; i < sizeof(get_cases) / sizeof(get_cases[0]); i++) {
		snprintf(name, sizeof(name), "cmdline/get/%s",
			 get_cases[i].name);
		t_begin(name);
		memset(val, 'Z', sizeof(val));
		r = cmdline_get_last(get_cases[i].line, P, val, sizeof(val));
		T_INT(r, get_cases[i].ret);
		if (r == 1)
			T_STR(val, get_cases[i].val);
		t_end();
	}
}

static void test_names(void)
{
	struct cmdline_arg a;
	const char *pos;
	char val[16];

	t_begin("cmdline/name/dash-underscore-equal");
	pos = "pci-stub_x.ids=1";
	T_INT(cmdline_next(&pos, &a), 1);
	T_INT(cmdline_param_is(&a, "pci_stub-x.ids"), 1);
	T_INT(cmdline_param_is(&a, "pci_stub_x.ids"), 1);
	T_INT(cmdline_param_is(&a, "pci-stub-x.ids"), 1);
	T_INT(cmdline_param_is(&a, "pci.stub.x.ids"), 0);
	T_INT(cmdline_param_is(&a, "pci_stub_x.id"), 0);
	T_INT(cmdline_param_is(&a, "pci_stub_x.idss"), 0);
	t_end();

	t_begin("cmdline/name/dot-is-not-dash");
	pos = "vfio-devices=1";
	T_INT(cmdline_next(&pos, &a), 1);
	T_INT(cmdline_param_is(&a, "vfio.devices"), 0);
	t_end();

	t_begin("cmdline/get/dash-underscore-in-name");
	T_INT(cmdline_get_last("my-opt_x=1 my_opt-x=2", "my_opt_x", val,
			       sizeof(val)),
	      1);
	T_STR(val, "2");
	t_end();
}

static void test_sizes(void)
{
	char val[8], line[256];
	int r;

	t_begin("cmdline/get/value-fills-buffer");
	r = cmdline_get_last(P "=1234567", P, val, sizeof(val));
	T_INT(r, 1);
	T_STR(val, "1234567");
	t_end();

	t_begin("cmdline/get/value-one-too-long-E2BIG");
	T_INT(cmdline_get_last(P "=12345678", P, val, sizeof(val)), -E2BIG);
	t_end();

	t_begin("cmdline/get/quoted-value-fits-without-quotes");
	r = cmdline_get_last(P "=\"12 4567\"", P, val, sizeof(val));
	T_INT(r, 1);
	T_STR(val, "12 4567");
	t_end();

	t_begin("cmdline/get/long-earlier-value-is-overridden");
	r = cmdline_get_last(P "=123456789012 " P "=ok", P, val, sizeof(val));
	T_INT(r, 1);
	T_STR(val, "ok");
	t_end();

	t_begin("cmdline/get/long-last-value-E2BIG");
	T_INT(cmdline_get_last(P "=ok " P "=123456789012", P, val, sizeof(val)),
	      -E2BIG);
	t_end();

	t_begin("cmdline/get/size-1-only-empty-fits");
	T_INT(cmdline_get_last(P "= x", P, val, 1), 1);
	T_STR(val, "");
	T_INT(cmdline_get_last(P "=a", P, val, 1), -E2BIG);
	t_end();

	t_begin("cmdline/get/long-line-of-other-args");
	memset(line, 'x', sizeof(line));
	line[100] = ' ';
	memcpy(line + 101, P "=a ", sizeof(P "=a ") - 1);
	line[sizeof(line) - 1] = '\0';
	T_INT(cmdline_get_last(line, P, val, sizeof(val)), 1);
	T_STR(val, "a");
	t_end();
}

static void test_positions(void)
{
	const char *line = "  a=b  \"c d\"\n", *pos = line;
	struct cmdline_arg a;

	t_begin("cmdline/next/points-into-input");
	T_INT(cmdline_next(&pos, &a), 1);
	T_INT(a.param - line, 2);
	T_INT(a.param_len, 1);
	T_INT(a.val - line, 4);
	T_INT(a.val_len, 1);
	T_INT(cmdline_next(&pos, &a), 1);
	T_INT(a.param - line, 8);
	T_INT(a.param_len, 3);
	T_TRUE(a.val == NULL);
	T_INT(cmdline_next(&pos, &a), 0);
	T_INT(*pos, '\0');
	T_INT(cmdline_next(&pos, &a), 0);
	t_end();
}

void test_cmdline(void)
{
	test_tokens();
	test_get_last();
	test_names();
	test_sizes();
	test_positions();
}
