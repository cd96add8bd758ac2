// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * host.c and the advice it changes (issue 17, defect 9): a VM guest is
 * told to get a virtual IOMMU, not to enable VT-d in a firmware setup it
 * has not got; a kernel that loads no modules is not told to add one.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host.h"
#include "iommu.h"
#include "unit.h"

/* The start of a real guest's /proc/cpuinfo (QEMU, x86_64), cut. */
static const char guest_cpuinfo[] =
	"processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n"
	"model name\t: Intel Xeon Processor (Cascadelake)\n"
	"flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge "
	"x2apic movbe popcnt aes xsave avx f16c rdrand hypervisor lahf_lm "
	"abm 3dnowprefetch\nbugs\t\t: spectre_v1\n\nprocessor\t: 1\n";

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

void test_host(void)
{
	char dir[] = "/tmp/vfio-claim-unit-host.XXXXXX", p[128], fix[160];
	struct sysfs s;
	size_t n = sizeof(guest_cpuinfo) - 1;
	const char *bare;

	t_begin("host/cpu-flag-guest");
	T_INT(host_cpu_flag(guest_cpuinfo, n, "hypervisor"), 1);
	T_INT(host_cpu_flag(guest_cpuinfo, n, "fpu"), 1);
	T_INT(host_cpu_flag(guest_cpuinfo, n, "abm"), 1);
	/* Words only: no prefix, no other line's text. */
	T_INT(host_cpu_flag(guest_cpuinfo, n, "hyper"), 0);
	T_INT(host_cpu_flag(guest_cpuinfo, n, "spectre_v1"), 0);
	T_INT(host_cpu_flag(guest_cpuinfo, n, "Cascadelake"), 0);
	t_end();

	t_begin("host/cpu-flag-bare-metal-arm-and-cut");
	bare = "processor\t: 0\nflags\t\t: fpu vme de pse tsc\n";
	T_INT(host_cpu_flag(bare, strlen(bare), "hypervisor"), 0);
	/* arm64: "Features", no flags line. */
	bare = "processor\t: 0\nFeatures\t: fp asimd evtstrm\n";
	T_INT(host_cpu_flag(bare, strlen(bare), "hypervisor"), 0);
	/* A flags line cut short by the read is not trusted. */
	bare = "flags\t\t: fpu hypervisor";
	T_INT(host_cpu_flag(bare, strlen(bare), "hypervisor"), 0);
	T_INT(host_cpu_flag("", 0, "hypervisor"), 0);
	t_end();

	if (!mkdtemp(dir)) {
		t_begin("host/facts-and-advice");
		t_fail(__FILE__, __LINE__, "mkdtemp failed");
		t_end();
		return;
	}
	t_begin("host/facts");
	snprintf(p, sizeof(p), "%s/cpuinfo", dir);
	T_INT(write_text(p, guest_cpuinfo), 0);
	T_INT(host_facts(p, NULL, NULL), HOST_GUEST);
	T_INT(host_facts(NULL, NULL, NULL), 0);
	T_INT(host_facts("", "", ""), 0);
	/* No /proc/modules (CONFIG_MODULES=n) or no module directory. */
	snprintf(p, sizeof(p), "%s/modules", dir);
	T_INT(host_facts(NULL, p, NULL), HOST_NOMODULES);
	T_INT(host_facts(NULL, NULL, p), HOST_NOMODULES);
	T_INT(write_text(p, ""), 0);
	T_INT(host_facts(NULL, p, dir), 0);
	t_end();

	/* A fake sysfs: an empty root, no ACPI tables, no IOMMU. */
	t_begin("host/advice-guest-without-viommu");
	snprintf(p, sizeof(p), "%s/sys", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sys/bus", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sys/bus/pci", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sys/bus/pci/devices", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sys", dir);
	T_INT(sysfs_open(&s, p), 0);
	T_INT(s.host, 0);
	iommu_advice(&s, "", fix, sizeof(fix));
	T_STR(fix, "the firmware shows none: enable VT-d or AMD-Vi (IOMMU) "
		   "in its setup");
	s.host = HOST_GUEST;
	iommu_advice(&s, "", fix, sizeof(fix));
	T_STR(fix, "a VM guest without a virtual IOMMU: add one (QEMU -device "
		   "intel-iommu, amd-iommu or virtio-iommu-pci, or the "
		   "hypervisor's vIOMMU option)");
	T_TRUE(strlen(fix) < 140); /* fits the refusal's why= */
	t_end();

	t_begin("host/advice-guest-vtd-on-but-down");
	snprintf(p, sizeof(p), "%s/sys/firmware", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sys/firmware/acpi", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sys/firmware/acpi/tables", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sys/firmware/acpi/tables/DMAR", dir);
	T_INT(write_text(p, ""), 0);
	iommu_advice(&s, "intel_iommu=on", fix, sizeof(fix));
	T_STR(fix, "intel_iommu=on is set, yet no IOMMU came up: see 'dmesg "
		   "| grep -i DMAR' and the VM's virtual IOMMU");
	/* QEMU's intel-iommu with the kernel's default (off): the option. */
	iommu_advice(&s, "", fix, sizeof(fix));
	T_STR(fix, "VT-d is off: add intel_iommu=on");
	s.host = 0;
	iommu_advice(&s, "quiet intel_iommu=on", fix, sizeof(fix));
	T_STR(fix, "intel_iommu=on is set, yet no IOMMU came up: check VT-d "
		   "in the firmware setup, and 'dmesg | grep -i DMAR' for "
		   "errors");
	/* The kernel reads the fields in order: the last of on/off wins. */
	iommu_advice(&s, "intel_iommu=on,off", fix, sizeof(fix));
	T_STR(fix, "intel_iommu=off is on the kernel command line; remove "
		   "it, add intel_iommu=on");
	unlink(p);
	t_end();

	t_begin("host/advice-no-modules");
	snprintf(p, sizeof(p), "%s/sys/firmware/acpi/tables/IORT", dir);
	T_INT(write_text(p, ""), 0);
	s.host = HOST_NOMODULES;
	iommu_advice(&s, "", fix, sizeof(fix));
	T_STR(fix, "no SMMU: enable it in the firmware; this kernel loads no "
		   "modules, it needs CONFIG_ARM_SMMU_V3=y");
	T_INT(iommu_state(&s), IOMMU_OFF);
	s.host = 0;
	T_INT(iommu_state(&s), IOMMU_PENDING);
	unlink(p);
	t_end();

	sysfs_close(&s);
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	if (system(p))
		t_fail(__FILE__, __LINE__, "cannot remove %s", dir);
}
