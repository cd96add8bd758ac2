/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The vfio.devices= selector grammar. */
#ifndef VC_SELECTOR_H
#define VC_SELECTOR_H

#include <stddef.h>

struct pci_addr {
	unsigned int domain, bus, slot, func;
};

struct pci_id {
	unsigned int vendor, device, subvendor, subdevice;
};

enum sel_kind {
	SEL_FUNC, /* [DDDD:]BB:SS.F, optionally guarded by ID@ */
	SEL_SLOT, /* [DDDD:]BB:SS: every function of the slot */
	SEL_ID, /* VVVV:DDDD[:SSSS:ssss] */
};

struct selector {
	enum sel_kind kind;
	int guarded; /* SEL_FUNC only: claim only while it has id */
	int has_sub; /* id.subvendor/subdevice are meaningful */
	struct pci_addr addr;
	struct pci_id id;
	char driver[32]; /* SEL=DRIVER: the vfio driver to use; "" to pick */
	char text[64]; /* canonical spelling, for messages */
	unsigned int matched;
};

#define SEL_MAX 128

struct sel_list {
	struct selector sel[SEL_MAX];
	int n;
};

/*
 * Parses one selector of len bytes, optionally followed by =DRIVER (a
 * module name: letters, digits, '_' and '-'). Returns 0, or -EINVAL with *why
 * pointing at a static explanation naming the expected forms.
 */
int sel_parse(const char *tok, size_t len, struct selector *s,
	      const char **why);

/*
 * Parses a comma- or space-separated list. "none" or an empty value
 * gives an empty list. Invalid selectors are logged (naming origin, e.g.
 * "vfio.devices=") and skipped; duplicates merge. Returns the number of
 * invalid selectors.
 */
int sel_parse_list(const char *value, struct sel_list *l, const char *origin);

int sel_match_addr(const struct selector *s, const struct pci_addr *a);
int sel_match_id(const struct selector *s, const struct pci_id *id);

/* "0000:00:02.0"; buf needs PCI_NAME_MAX bytes. */
#define PCI_NAME_MAX 20
void pci_addr_format(const struct pci_addr *a, char *buf);
/* Parses a full kernel device name "DDDD:BB:SS.F"; 0 or -EINVAL. */
int pci_addr_parse(const char *name, struct pci_addr *a);

#endif
