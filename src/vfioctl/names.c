// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Device names from libpci's ID database. Apart from the rest: libpci's
 * struct vc_dev clashes with ours. libpci never scans the bus here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "input.h"

void vctl_pci_lookup(const char *ids_file, unsigned int cls,
		     unsigned int vendor, unsigned int device, char *buf,
		     size_t size);
void vctl_pci_names_free(void);

static struct pci_access *pacc;

/* libpci's message ends with its own newline: one line, not two. */
static void PCI_NONRET pci_fatal(char *msg, ...)
{
	char line[512], out[600];
	va_list ap;
	size_t n;

	va_start(ap, msg);
	vsnprintf(line, sizeof(line), msg, ap);
	va_end(ap);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == ' '))
		line[--n] = '\0';
	vc_escape(out, sizeof(out), line, n);
	fprintf(stderr, "vfioctl: libpci: %s\n", out);
	exit(1);
}

static void pci_quiet(char *msg, ...)
{
}

void vctl_pci_lookup(const char *ids_file, unsigned int cls,
		     unsigned int vendor, unsigned int device, char *buf,
		     size_t size)
{
	char cname[128], dname[256];
	int flags = 0;

	if (!pacc) {
		pacc = pci_alloc();
		pacc->error = pci_fatal;
		pacc->warning = pci_quiet;
		pacc->debug = pci_quiet;
		if (ids_file)
			pci_set_name_list_path(pacc, (char *)ids_file, 0);
	}
	/* A given file is the whole truth: tests want stable names. */
	if (ids_file)
		flags |= PCI_LOOKUP_NO_HWDB;
	if (!pci_lookup_name(pacc, cname, sizeof(cname),
			     flags | PCI_LOOKUP_CLASS, cls >> 8))
		snprintf(cname, sizeof(cname), "Class %04x", cls >> 8);
	if (!pci_lookup_name(pacc, dname, sizeof(dname),
			     flags | PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE,
			     vendor, device))
		snprintf(dname, sizeof(dname), "Device %04x:%04x", vendor,
			 device);
	snprintf(buf, size, "%s: %s", cname, dname);
}

void vctl_pci_names_free(void)
{
	if (pacc)
		pci_cleanup(pacc);
	pacc = NULL;
}
