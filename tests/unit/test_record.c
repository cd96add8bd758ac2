// SPDX-License-Identifier: GPL-2.0-or-later
/* record_parse: what vfioctl unbind and verify read back of a claim. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record.h"
#include "unit.h"

void test_record(void)
{
	char text[1024];
	struct record r;

	t_begin("record/every-key");
	strcpy(text, "address=0000:0b:00.0\nid=10de:1b80\n"
		     "subsystem=1458:3702\nprevious_driver=nouveau\n"
		     "result=claimed\nwhy=\nby=vfio-claim\n"
		     "modalias=pci:v000010DEd00001B80sv*\n");
	record_parse(text, &r);
	T_STR(r.address, "0000:0b:00.0");
	T_STR(r.id, "10de:1b80");
	T_STR(r.subsystem, "1458:3702");
	T_STR(r.previous_driver, "nouveau");
	T_STR(r.result, "claimed");
	T_STR(r.why, "");
	T_STR(r.by, "vfio-claim");
	T_STR(r.modalias, "pci:v000010DEd00001B80sv*");
	t_end();

	t_begin("record/unknown-keys-and-junk-skipped");
	strcpy(text, "future=1\nno equals sign\nresult=failed\n=x\nby=vfioctl");
	record_parse(text, &r);
	T_STR(r.result, "failed");
	T_STR(r.by, "vfioctl");
	T_STR(r.address, "");
	t_end();

	t_begin("record/long-value-cut-to-its-field");
	memset(text, 0, sizeof(text));
	strcpy(text, "result=");
	memset(text + 7, 'x', 40);
	record_parse(text, &r);
	T_INT((long)strlen(r.result), (long)sizeof(r.result) - 1);
	t_end();

	/* The boot record of vfio-claim --background: written while the
	 * worker runs, then its last one (read by --finish and verify). */
	{
		char dir[] = "/tmp/vfio-claim-unit-rec.XXXXXX", p[64];
		long pid = 0;
		int st = 7;

		t_begin("record/boot-running-then-done");
		T_TRUE(mkdtemp(dir) != NULL);
		T_INT(record_read_boot(dir, &st, &pid), -ENOENT);
		T_INT(record_write_boot(dir, "vfio.devices=", "00:02.0", -1),
		      0);
		T_INT(record_read_boot(dir, &st, &pid), 1);
		T_INT(st, 1);
		T_INT(pid, (long)getpid());
		T_INT(record_write_boot(dir, "vfio.devices=", "00:02.0", 0), 0);
		T_INT(record_read_boot(dir, &st, NULL), 0);
		T_INT(st, 0);
		snprintf(p, sizeof(p), "%s/boot", dir);
		unlink(p);
		rmdir(dir);
		t_end();
	}
}
