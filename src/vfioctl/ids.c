// SPDX-License-Identifier: GPL-2.0-or-later
/* vfio-pci's ids= entries (ids.h). */
#include <stdio.h>
#include <string.h>

#include "ids.h"

int ids_next(const char **p, struct ids_entry *e, char *one, size_t size)
{
	size_t len;

	while (**p == ',')
		(*p)++;
	if (!**p)
		return 0;
	len = strcspn(*p, ",");
	snprintf(one, size, "%.*s", (int)len, *p);
	*p += len;
	e->v = e->d = 0;
	e->sv = e->sd = PCI_ANY;
	e->cls = e->mask = 0;
	if (len >= size || sscanf(one, "%x:%x:%x:%x:%x:%x", &e->v, &e->d,
				  &e->sv, &e->sd, &e->cls, &e->mask) < 2)
		return -1;
	return 1;
}

int ids_match_id(const struct ids_entry *e, const struct pci_id *id)
{
	return (e->v == PCI_ANY || e->v == id->vendor) &&
	       (e->d == PCI_ANY || e->d == id->device) &&
	       (e->sv == PCI_ANY || e->sv == id->subvendor) &&
	       (e->sd == PCI_ANY || e->sd == id->subdevice);
}

int ids_match_class(const struct ids_entry *e, unsigned int class)
{
	return !((e->cls ^ class) & e->mask);
}
