// SPDX-License-Identifier: GPL-2.0-or-later
/* The log line format that fixture tests and users read. */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "unit.h"

void test_log(void)
{
	const char *log;
	char big[1000];
	int i, n;

	t_begin("log/format-and-priority");
	t_log_start(VC_DEBUG);
	vc_err("e %d", 1);
	vc_warn("w");
	vc_info("i");
	vc_dbg("d");
	log = t_log_end();
	T_STR(log, "<3>vfio-claim: e 1\n<4>vfio-claim: w\n<6>vfio-claim: i\n"
		   "<7>vfio-claim: d\n");
	t_end();

	t_begin("log/level-filter");
	t_log_start(VC_WARN);
	T_INT(log_level(), VC_WARN);
	vc_info("hidden");
	vc_dbg("hidden");
	vc_warn("shown");
	log = t_log_end();
	T_STR(log, "<4>vfio-claim: shown\n");
	t_end();

	t_begin("log/long-line-stays-one-line");
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	t_log_start(VC_DEBUG);
	vc_info("%s", big);
	log = t_log_end();
	n = strlen(log);
	T_TRUE(n > 400 && n < 512);
	T_INT(log[n - 1], '\n');
	T_TRUE(strchr(log, '\n') == log + n - 1);
	t_end();

	t_begin("log/reopen-keeps-every-line");
	t_log_start(VC_DEBUG);
	for (i = 0; i < 20; i++)
		vc_info("line %d", i);
	log = t_log_end();
	n = 0;
	for (i = 0; log[i]; i++)
		n += log[i] == '\n';
	T_INT(n, 20);
	T_TRUE(strstr(log, "<6>vfio-claim: line 19\n") != NULL);
	t_end();
}
