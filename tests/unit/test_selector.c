// SPDX-License-Identifier: GPL-2.0-or-later
/* The vfio.devices= selector grammar, lists and matching. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "selector.h"
#include "unit.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const forms =
	"use BB:SS.F, DDDD:BB:SS.F, BB:SS, VVVV:DDDD, VVVV:DDDD:SSSS:ssss "
	"or VVVV:DDDD@DDDD:BB:SS.F, in hex";

static const struct {
	const char *in;
	enum sel_kind kind;
	int guarded, has_sub;
	const char *text;
	unsigned int dom, bus, slot, func, ven, dev, sven, sdev;
} good[] = {
	{ "0b:00.0", SEL_FUNC, 0, 0, "0000:0b:00.0", 0, 0x0b, 0, 0, 0, 0, 0,
	  0 },
	{ "0000:0b:00.1", SEL_FUNC, 0, 0, "0000:0b:00.1", 0, 0x0b, 0, 1, 0, 0,
	  0, 0 },
	{ "0000:0B:1F.7", SEL_FUNC, 0, 0, "0000:0b:1f.7", 0, 0x0b, 0x1f, 7, 0,
	  0, 0, 0 },
	{ "ff:1f.7", SEL_FUNC, 0, 0, "0000:ff:1f.7", 0, 0xff, 0x1f, 7, 0, 0, 0,
	  0 },
	{ "00:02.0", SEL_FUNC, 0, 0, "0000:00:02.0", 0, 0, 2, 0, 0, 0, 0, 0 },
	{ "AbCd:00:02.0", SEL_FUNC, 0, 0, "abcd:00:02.0", 0xabcd, 0, 2, 0, 0, 0,
	  0, 0 },
	{ "10000:e1:00.0", SEL_FUNC, 0, 0, "10000:e1:00.0", 0x10000, 0xe1, 0, 0,
	  0, 0, 0, 0 },
	{ "0000abcd:00:00.0", SEL_FUNC, 0, 0, "abcd:00:00.0", 0xabcd, 0, 0, 0,
	  0, 0, 0, 0 },
	{ "ffffffff:ff:1f.7", SEL_FUNC, 0, 0, "ffffffff:ff:1f.7", 0xffffffff,
	  0xff, 0x1f, 7, 0, 0, 0, 0 },
	{ "1234567:01:02.3", SEL_FUNC, 0, 0, "1234567:01:02.3", 0x1234567, 1, 2,
	  3, 0, 0, 0, 0 },
	{ "0b:00", SEL_SLOT, 0, 0, "0000:0b:00", 0, 0x0b, 0, 0, 0, 0, 0, 0 },
	{ "0001:0B:1f", SEL_SLOT, 0, 0, "0001:0b:1f", 1, 0x0b, 0x1f, 0, 0, 0, 0,
	  0 },
	{ "10000:00:01", SEL_SLOT, 0, 0, "10000:00:01", 0x10000, 0, 1, 0, 0, 0,
	  0, 0 },
	{ "10de:1b80", SEL_ID, 0, 0, "10de:1b80", 0, 0, 0, 0, 0x10de, 0x1b80, 0,
	  0 },
	{ "10DE:1B80", SEL_ID, 0, 0, "10de:1b80", 0, 0, 0, 0, 0x10de, 0x1b80, 0,
	  0 },
	{ "0000:0000", SEL_ID, 0, 0, "0000:0000", 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "10de:1b80:1043:8599", SEL_ID, 0, 1, "10de:1b80:1043:8599", 0, 0, 0,
	  0, 0x10de, 0x1b80, 0x1043, 0x8599 },
	{ "10de:1b80@0000:0b:00.0", SEL_FUNC, 1, 0, "10de:1b80@0000:0b:00.0", 0,
	  0x0b, 0, 0, 0x10de, 0x1b80, 0, 0 },
	{ "10DE:1B80@0B:00.0", SEL_FUNC, 1, 0, "10de:1b80@0000:0b:00.0", 0,
	  0x0b, 0, 0, 0x10de, 0x1b80, 0, 0 },
	{ "8086:3e90@10000:00:02.0", SEL_FUNC, 1, 0, "8086:3e90@10000:00:02.0",
	  0x10000, 0, 2, 0, 0x8086, 0x3e90, 0, 0 },
	{ "10de:1b80:1043:8599@0b:00.1", SEL_FUNC, 1, 1,
	  "10de:1b80:1043:8599@0000:0b:00.1", 0, 0x0b, 0, 1, 0x10de, 0x1b80,
	  0x1043, 0x8599 },
};

static const char *const slot_why = "the slot is 00 to 1f";
static const char *const func_why = "the function is one digit, 0 to 7";
static const char *const bs_why =
	"bus and slot are two hex digits each (0b:00)";
static const char *const dom_why = "the domain is 4 to 8 hex digits (0000)";
static const char *const id_why = "IDs are four hex digits each (10de:1b80)";
/* Issue 18: an ID whose subsystem part is wrong says so, not "bus". */
static const char *const sub_why = "the subsystem part is two IDs of four "
				   "hex digits (10de:1b80:1458:3702)";
static const char *const subn_why =
	"the subsystem part is two IDs, VVVV:DDDD:SSSS:ssss "
	"(10de:1b80:1458:3702)";
static const char *const guard_why =
	"a guard names one function: VVVV:DDDD@DDDD:BB:SS.F";

/* why NULL: any explanation will do, but there must be one. */
static const struct {
	const char *in, *why;
} bad[] = {
	{ "", NULL },
	{ "0b:00.8", func_why },
	{ "0b:00.f", func_why },
	{ "0b:00.", func_why },
	{ "0b:00.00", func_why },
	{ "0b:00.-", func_why },
	{ "0b:00.0.0", func_why },
	{ "0b:20.0", slot_why },
	{ "0b:ff.0", slot_why },
	{ "0b:20", slot_why },
	{ "b:00.0", bs_why },
	{ "0b:0.0", bs_why },
	{ "00b:00.0", bs_why },
	{ "0b:000.0", bs_why },
	{ "0g:00.0", bs_why },
	{ "0b:0g.0", bs_why },
	{ "0b:00.g", func_why },
	{ "+b:00.0", bs_why },
	{ " b:00.0", bs_why },
	{ "0b:00:00", dom_why },
	{ "000:0b:00.0", dom_why },
	{ "0:0b:00.0", dom_why },
	{ ":0b:00.0", dom_why },
	{ "123456789:00:00.0", dom_why },
	{ "000g:0b:00.0", dom_why },
	{ "000:0b:00", dom_why },
	{ "10de:1b8", id_why },
	{ "10d:1b80", id_why },
	{ "10de0:1b80", id_why },
	{ "10de:1b80:1043:859", sub_why },
	{ "10de:1b80:104g:8599", sub_why },
	{ "x0de:1b80", id_why },
	{ "10de:1b80:1043", subn_why },
	{ "10de:1b80:", subn_why },
	{ "10de:1b80:1043:8599:0000", NULL },
	{ "10de:1b80@0b:00", guard_why },
	{ "10de:1b80@0000:0b:00", guard_why },
	{ "10de:1b80@", guard_why },
	{ "10de:1b80@0b:20.0", slot_why },
	{ "10de:1b80@0b:00.8", func_why },
	{ "10de:1b80@10de:1b80", guard_why },
	{ "@0b:00.0", forms },
	{ "10de@0b:00.0", forms },
	{ "1b8@0b:00.0", forms },
	{ "10de:1b8@0b:00.0", id_why },
	{ "0b:00.0@10de:1b80", NULL },
	{ "10de:1b80@0b:00.0@0b:00.0", NULL },
	{ "0b", forms },
	{ "0b.00.0", forms },
	{ "0b:00:00.0:0", dom_why },
	{ ":", NULL },
	{ "::", NULL },
	{ ".", NULL },
	{ "@", NULL },
	{ "0x0b:00.0", NULL },
	{ "none", NULL },
	{ "0b:00.0 ", func_why },
	{ "10de:1b80 ", id_why },
	{ "0000000000000000000000000000000000000000:00:02.0", forms },
	{ "10de:1b80:1043:8599@0000000000000000000000:0b:00.0", forms },
};

static void test_good(void)
{
	struct selector s;
	const char *why;
	char name[96];
	size_t i;

	for (i = 0; i < N(good); i++) {
		snprintf(name, sizeof(name), "selector/valid/%s", good[i].in);
		t_begin(name);
		why = NULL;
		T_INT(sel_parse(good[i].in, strlen(good[i].in), &s, &why), 0);
		T_INT(s.kind, good[i].kind);
		T_INT(s.guarded, good[i].guarded);
		T_INT(s.has_sub, good[i].has_sub);
		T_STR(s.text, good[i].text);
		T_INT(s.matched, 0);
		if (good[i].kind != SEL_ID) {
			T_INT(s.addr.domain, good[i].dom);
			T_INT(s.addr.bus, good[i].bus);
			T_INT(s.addr.slot, good[i].slot);
			T_INT(s.addr.func, good[i].func);
		}
		if (good[i].kind == SEL_ID || good[i].guarded) {
			T_INT(s.id.vendor, good[i].ven);
			T_INT(s.id.device, good[i].dev);
			T_INT(s.id.subvendor, good[i].sven);
			T_INT(s.id.subdevice, good[i].sdev);
		}
		t_end();
	}
}

static void test_bad(void)
{
	struct selector s;
	const char *why;
	char name[128], esc[96];
	size_t i;

	for (i = 0; i < N(bad); i++) {
		snprintf(name, sizeof(name), "selector/invalid/'%s'",
			 t_esc(bad[i].in, strlen(bad[i].in), esc, sizeof(esc)));
		for (char *c = name; *c; c++)
			if (*c == ' ')
				*c = '_';
		t_begin(name);
		why = NULL;
		T_INT(sel_parse(bad[i].in, strlen(bad[i].in), &s, &why),
		      -EINVAL);
		T_TRUE(why != NULL && why[0] != '\0');
		if (bad[i].why)
			T_STR(why, bad[i].why);
		t_end();
	}
}

static void test_parse_len(void)
{
	struct selector s;
	const char *why;
	/* Exactly the bytes of the selector, no NUL after them. */
	char buf[7], long_sel[64];

	t_begin("selector/len/stops-at-len");
	T_INT(sel_parse("0b:00.0,00:14.0", 7, &s, &why), 0);
	T_STR(s.text, "0000:0b:00.0");
	T_INT(sel_parse("10de:1b80@0b:00.0", 9, &s, &why), 0);
	T_INT(s.kind, SEL_ID);
	T_STR(s.text, "10de:1b80");
	T_INT(sel_parse("0b:00.0", 5, &s, &why), 0);
	T_INT(s.kind, SEL_SLOT);
	T_INT(sel_parse("0b:00.0", 0, &s, &why), -EINVAL);
	memcpy(buf, "0b:00.1", 7);
	T_INT(sel_parse(buf, sizeof(buf), &s, &why), 0);
	T_STR(s.text, "0000:0b:00.1");
	t_end();

	t_begin("selector/len/47-and-48-bytes");
	memset(long_sel, '0', 39);
	memcpy(long_sel + 39, ":00:02.0", 9);
	T_INT(strlen(long_sel), 47);
	T_INT(sel_parse(long_sel, 47, &s, &why), -EINVAL);
	T_STR(why, dom_why);
	memset(long_sel, '0', 40);
	memcpy(long_sel + 40, ":00:02.0", 9);
	T_INT(sel_parse(long_sel, 48, &s, &why), -EINVAL);
	T_STR(why, forms);
	t_end();
}

static void test_addr_helpers(void)
{
	struct pci_addr a = { 0x10000, 0xe1, 0x1f, 7 };
	char buf[PCI_NAME_MAX];

	t_begin("selector/pci-addr-format");
	pci_addr_format(&a, buf);
	T_STR(buf, "10000:e1:1f.7");
	a.domain = 0xffffffff;
	pci_addr_format(&a, buf);
	T_STR(buf, "ffffffff:e1:1f.7");
	a = (struct pci_addr){ 0, 0, 2, 0 };
	pci_addr_format(&a, buf);
	T_STR(buf, "0000:00:02.0");
	t_end();

	t_begin("selector/pci-addr-parse");
	T_INT(pci_addr_parse("0000:0b:00.1", &a), 0);
	T_INT(a.domain, 0);
	T_INT(a.bus, 0x0b);
	T_INT(a.slot, 0);
	T_INT(a.func, 1);
	T_INT(pci_addr_parse("10000:e1:1f.7", &a), 0);
	T_INT(a.domain, 0x10000);
	T_INT(pci_addr_parse("0b:00.1", &a), -EINVAL);
	T_INT(pci_addr_parse("0000:0b:00", &a), -EINVAL);
	T_INT(pci_addr_parse("0000:0b:20.0", &a), -EINVAL);
	T_INT(pci_addr_parse("0000:0b:00.8", &a), -EINVAL);
	T_INT(pci_addr_parse("", &a), -EINVAL);
	T_INT(pci_addr_parse("pci0000:00", &a), -EINVAL);
	T_INT(pci_addr_parse("0000:00:1c.0:pcie002", &a), -EINVAL);
	t_end();
}

/* The canonical texts of a list, joined by ','. */
static const char *texts(const struct sel_list *l)
{
	static char buf[8192];
	size_t o = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < l->n && o < sizeof(buf) - 64; i++)
		o += snprintf(buf + o, sizeof(buf) - o, "%s%s", i ? "," : "",
			      l->sel[i].text);
	return buf;
}

static struct sel_list list;

static const struct {
	const char *name, *in;
	int ret;
	const char *texts;
} lists[] = {
	{ "seed-example", "10de:1b80@0000:0b:00.0,0b:00.1", 0,
	  "10de:1b80@0000:0b:00.0,0000:0b:00.1" },
	{ "commas", "0b:00.0,0b:00.1,10de:1b80", 0,
	  "0000:0b:00.0,0000:0b:00.1,10de:1b80" },
	{ "spaces", "0b:00.0 0b:00.1  10de:1b80", 0,
	  "0000:0b:00.0,0000:0b:00.1,10de:1b80" },
	{ "tabs-newlines-cr", "0b:00.0\t0b:00.1\n10de:1b80\r\n", 0,
	  "0000:0b:00.0,0000:0b:00.1,10de:1b80" },
	{ "empty-tokens", ",, 0b:00.0 ,,, ,0b:00.1,", 0,
	  "0000:0b:00.0,0000:0b:00.1" },
	{ "empty", "", 0, "" },
	{ "only-separators", " ,, \t", 0, "" },
	{ "none", "none", 0, "" },
	{ "NONE", "NONE", 0, "" },
	{ "None-with-separators", " ,None, ", 0, "" },
	{ "nonex-is-invalid", "nonex", 1, "" },
	{ "none-with-a-selector", "none,0b:00.0", 1, "0000:0b:00.0" },
	{ "two-nones", "none,none", 2, "" },
	{ "duplicates-merge", "0b:00.0,0000:0b:00.0,0B:00.0,0000:0b:00.0", 0,
	  "0000:0b:00.0" },
	{ "id-duplicates-merge", "10de:1b80,10DE:1B80", 0, "10de:1b80" },
	{ "guard-dup-merge", "10de:1b80@0b:00.0,10DE:1B80@0000:0B:00.0", 0,
	  "10de:1b80@0000:0b:00.0" },
	{ "slot-and-function-stay-apart", "0b:00,0b:00.0", 0,
	  "0000:0b:00,0000:0b:00.0" },
	{ "id-and-sub-id-stay-apart", "10de:1b80,10de:1b80:1043:8599", 0,
	  "10de:1b80,10de:1b80:1043:8599" },
	{ "invalid-skipped-valid-kept", "zz,0b:00.0,0b:20.0,10de:1b80,1:2", 3,
	  "0000:0b:00.0,10de:1b80" },
	{ "all-invalid", "garbage;rm -rf", 2, "" },
	{ "quote-is-not-a-separator", "\"0b:00.0\"", 1, "" },
	{ "semicolon-is-not-a-separator", "0b:00.0;0b:00.1", 1, "" },
};

static void test_lists(void)
{
	char name[96];
	size_t i;

	for (i = 0; i < N(lists); i++) {
		snprintf(name, sizeof(name), "selector/list/%s", lists[i].name);
		t_begin(name);
		t_log_start(VC_INFO);
		T_INT(sel_parse_list(lists[i].in, &list, "vfio.devices="),
		      lists[i].ret);
		t_log_end();
		T_STR(texts(&list), lists[i].texts);
		t_end();
	}
}

static void test_list_logs(void)
{
	const char *log;
	char big[64];

	t_begin("selector/list/log-names-origin-token-and-why");
	t_log_start(VC_DEBUG);
	T_INT(sel_parse_list("0b:00.0,0b:20.0", &list, "vfio.devices="), 1);
	log = t_log_end();
	T_STR(log, "<3>vfio-claim: vfio.devices=: '0b:20.0' is not a device "
		   "selector: the slot is 00 to 1f\n");
	t_end();

	t_begin("selector/list/log-duplicate-at-debug");
	t_log_start(VC_DEBUG);
	T_INT(sel_parse_list("0b:00.0 0000:0B:00.0", &list, "/etc/x.conf"), 0);
	log = t_log_end();
	T_STR(log, "<7>vfio-claim: /etc/x.conf: 0000:0b:00.0 is named twice\n");
	t_end();

	t_begin("selector/list/log-long-token-cut-at-40");
	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	t_log_start(VC_DEBUG);
	T_INT(sel_parse_list(big, &list, "vfio.devices="), 1);
	log = t_log_end();
	T_STR(log, "<3>vfio-claim: vfio.devices=: "
		   "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is not a "
		   "device selector: use BB:SS.F, DDDD:BB:SS.F, BB:SS, "
		   "VVVV:DDDD, VVVV:DDDD:SSSS:ssss or VVVV:DDDD@DDDD:BB:SS.F, "
		   "in hex\n");
	t_end();

	t_begin("selector/list/valid-list-logs-nothing");
	t_log_start(VC_INFO);
	T_INT(sel_parse_list("10de:1b80@0000:0b:00.0,0b:00.1", &list,
			     "vfio.devices="),
	      0);
	log = t_log_end();
	T_STR(log, "");
	t_end();
}

/* n distinct function selectors "BB:SS.F". */
static void many(char *buf, size_t size, int n, const char *extra)
{
	size_t o = 0;
	int i;

	for (i = 0; i < n; i++)
		o += snprintf(buf + o, size - o, "%02x:%02x.%x,", i / 256,
			      (i / 8) % 32, i % 8);
	snprintf(buf + o, size - o, "%s", extra);
}

static void test_list_max(void)
{
	static char buf[SEL_MAX * 16 + 64];
	const char *log;

	t_begin("selector/list/exactly-SEL_MAX");
	many(buf, sizeof(buf), SEL_MAX, "");
	T_INT(sel_parse_list(buf, &list, "vfio.devices="), 0);
	T_INT(list.n, SEL_MAX);
	T_STR(list.sel[SEL_MAX - 1].text, "0000:00:0f.7");
	t_end();

	t_begin("selector/list/SEL_MAX-plus-duplicate");
	many(buf, sizeof(buf), SEL_MAX, "00:00.0");
	T_INT(sel_parse_list(buf, &list, "vfio.devices="), 0);
	T_INT(list.n, SEL_MAX);
	t_end();

	t_begin("selector/list/more-than-SEL_MAX");
	many(buf, sizeof(buf), SEL_MAX + 2, "");
	t_log_start(VC_INFO);
	T_INT(sel_parse_list(buf, &list, "vfio.devices=") > 0, 1);
	log = t_log_end();
	T_INT(list.n, SEL_MAX);
	T_STR(list.sel[0].text, "0000:00:00.0");
	T_STR(list.sel[SEL_MAX - 1].text, "0000:00:0f.7");
	T_TRUE(strstr(log, "<3>vfio-claim: vfio.devices=: more than 128 "
			   "selectors; '00:10.0' and later are "
			   "ignored") != NULL);
	t_end();

	t_begin("selector/list/reuse-resets-list");
	T_INT(sel_parse_list("0b:00.0", &list, "x"), 0);
	T_INT(list.n, 1);
	T_INT(sel_parse_list("none", &list, "x"), 0);
	T_INT(list.n, 0);
	t_end();
}

static const struct pci_addr A0b000 = { 0, 0x0b, 0, 0 },
			     A0b001 = { 0, 0x0b, 0, 1 },
			     A0b007 = { 0, 0x0b, 0, 7 },
			     A0b010 = { 0, 0x0b, 1, 0 },
			     A0c000 = { 0, 0x0c, 0, 0 },
			     A1b000 = { 1, 0x0b, 0, 0 }, Azero = { 0, 0, 0, 0 };

static void parse1(const char *in, struct selector *s)
{
	const char *why;

	T_INT(sel_parse(in, strlen(in), s, &why), 0);
}

static void test_match(void)
{
	struct pci_id gpu = { 0x10de, 0x1b80, 0x1043, 0x8599 },
		      gpu_other_board = { 0x10de, 0x1b80, 0x1458, 0x3702 },
		      other_dev = { 0x10de, 0x1b81, 0x1043, 0x8599 },
		      other_ven = { 0x10df, 0x1b80, 0x1043, 0x8599 },
		      swapped = { 0x1043, 0x8599, 0x10de, 0x1b80 },
		      zero = { 0, 0, 0, 0 };
	struct pci_addr big = { 0x10000, 0xe1, 0, 0 };
	struct selector s;

	t_begin("selector/match/function");
	parse1("0b:00.0", &s);
	T_INT(sel_match_addr(&s, &A0b000), 1);
	T_INT(sel_match_addr(&s, &A0b001), 0);
	T_INT(sel_match_addr(&s, &A0b010), 0);
	T_INT(sel_match_addr(&s, &A0c000), 0);
	T_INT(sel_match_addr(&s, &A1b000), 0);
	t_end();

	t_begin("selector/match/slot-every-function");
	parse1("0b:00", &s);
	T_INT(sel_match_addr(&s, &A0b000), 1);
	T_INT(sel_match_addr(&s, &A0b001), 1);
	T_INT(sel_match_addr(&s, &A0b007), 1);
	T_INT(sel_match_addr(&s, &A0b010), 0);
	T_INT(sel_match_addr(&s, &A0c000), 0);
	T_INT(sel_match_addr(&s, &A1b000), 0);
	t_end();

	t_begin("selector/match/big-domain");
	parse1("10000:e1:00.0", &s);
	T_INT(sel_match_addr(&s, &big), 1);
	big.domain = 0;
	T_INT(sel_match_addr(&s, &big), 0);
	t_end();

	t_begin("selector/match/id-never-matches-an-address");
	parse1("10de:1b80", &s);
	T_INT(sel_match_addr(&s, &Azero), 0);
	T_INT(sel_match_addr(&s, &A0b000), 0);
	t_end();

	t_begin("selector/match/id");
	parse1("10de:1b80", &s);
	T_INT(sel_match_id(&s, &gpu), 1);
	T_INT(sel_match_id(&s, &gpu_other_board), 1);
	T_INT(sel_match_id(&s, &other_dev), 0);
	T_INT(sel_match_id(&s, &other_ven), 0);
	T_INT(sel_match_id(&s, &swapped), 0);
	T_INT(sel_match_id(&s, &zero), 0);
	t_end();

	t_begin("selector/match/id-with-subsystem");
	parse1("10de:1b80:1043:8599", &s);
	T_INT(sel_match_id(&s, &gpu), 1);
	T_INT(sel_match_id(&s, &gpu_other_board), 0);
	gpu_other_board.subvendor = 0x1043;
	T_INT(sel_match_id(&s, &gpu_other_board), 0);
	T_INT(sel_match_id(&s, &other_dev), 0);
	T_INT(sel_match_id(&s, &swapped), 0);
	t_end();

	t_begin("selector/match/guard");
	parse1("10de:1b80@0000:0b:00.0", &s);
	T_INT(sel_match_addr(&s, &A0b000), 1);
	T_INT(sel_match_addr(&s, &A0b001), 0);
	T_INT(sel_match_id(&s, &gpu), 1);
	T_INT(sel_match_id(&s, &other_dev), 0);
	t_end();

	t_begin("selector/match/guard-with-subsystem");
	parse1("10de:1b80:1043:8599@0b:00.0", &s);
	T_INT(sel_match_id(&s, &gpu), 1);
	T_INT(sel_match_id(&s, &gpu_other_board), 0);
	t_end();
}

void test_selector(void)
{
	test_good();
	test_bad();
	test_parse_len();
	test_addr_helpers();
	test_lists();
	test_list_logs();
	test_list_max();
	test_match();
}
