// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Part of the host-use test (busy.c): is a network interface below a PCI
 * device one the host needs? It is when it is up (operstate "up", or
 * IFF_UP in flags) and, itself or its bridge or bond (master, up to four
 * levels):
 *
 * - carries a default route: PROC/net/route (IPv4: Destination 00000000,
 *   Mask 00000000) or PROC/net/ipv6_route (::/0); the host's way out,
 *   also when the interface's own address is only link-local (a laptop's
 *   Wi-Fi behind a router that hands out no global IPv6 address);
 * - has a global IPv6 address in PROC/net/if_inet6 (link-local fe80::/10
 *   comes with any link and means nothing);
 * - has an IPv4 address, seen as a route through the interface in
 *   PROC/net/route (the prefix route the kernel adds for every IPv4
 *   address: net/ipv4/fib_frontend.c, fib_add_ifaddr).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "busy-int.h"

/*
 * if_inet6's 32 hex digits as inet_ntop(3) prints the address
 * (2001:db8::1), or the digits as they are when they are not 32 hex.
 */
static const char *ipv6_text(const char *hex)
{
	static char out[INET6_ADDRSTRLEN];
	struct in6_addr in;
	unsigned int b;
	int i;

	if (strlen(hex) != 32)
		return hex;
	for (i = 0; i < 16; i++) {
		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return hex;
		in.s6_addr[i] = (unsigned char)b;
	}
	return inet_ntop(AF_INET6, &in, out, sizeof(out)) ? out : hex;
}

/* A default route through ifname: IPv4 (net/route) or IPv6 (ipv6_route). */
static int default_route(const struct vctl *c, const char *ifname, char *what,
			 size_t size)
{
	char p[PATH_MAX], line[512];
	int found = 0;
	FILE *f;

	/* Iface Destination Gateway Flags RefCnt Use Metric Mask ... (hex) */
	if (vc_path(p, sizeof(p), "%s/net/route", c->proc) >= 0 &&
	    (f = fopen(p, "re"))) {
		while (!found && fgets(line, sizeof(line), f)) {
			char name[64];
			unsigned long dst, mask;

			if (sscanf(line, "%63s %lx %*x %*x %*d %*d %*d %lx",
				   name, &dst, &mask) == 3 &&
			    !strcmp(name, ifname) && !dst && !mask)
				found = 1;
		}
		fclose(f);
		if (found) {
			vctl_fmt(what, size, "the IPv4 default route");
			return 1;
		}
	}
	/* DST PLEN SRC PLEN NEXTHOP METRIC REFCNT USE FLAGS NAME */
	if (vc_path(p, sizeof(p), "%s/net/ipv6_route", c->proc) >= 0 &&
	    (f = fopen(p, "re"))) {
		while (!found && fgets(line, sizeof(line), f)) {
			char dst[40], name[64];
			unsigned int plen;

			if (sscanf(line,
				   "%39s %x %*s %*x %*s %*x %*x %*x %*x %63s",
				   dst, &plen, name) == 3 &&
			    !strcmp(name, ifname) && !plen &&
			    strspn(dst, "0") == 32)
				found = 1;
		}
		fclose(f);
		if (found) {
			vctl_fmt(what, size, "the IPv6 default route");
			return 1;
		}
	}
	return 0;
}

/* A default route, a global IPv6 address or an IPv4 route. */
static int has_address(const struct vctl *c, const char *ifname, char *what,
		       size_t size)
{
	char p[PATH_MAX], line[512];
	int found = 0;
	FILE *f;

	if (!c->proc[0])
		return 0;
	if (default_route(c, ifname, what, size))
		return 1;
	/* ADDR(32 hex) INDEX PREFIXLEN SCOPE FLAGS NAME */
	if (vc_path(p, sizeof(p), "%s/net/if_inet6", c->proc) >= 0 &&
	    (f = fopen(p, "re"))) {
		while (!found && fgets(line, sizeof(line), f)) {
			char a[64], name[64];
			unsigned int scope;

			if (sscanf(line, "%63s %*x %*x %x %*x %63s", a, &scope,
				   name) != 3 ||
			    strcmp(name, ifname))
				continue;
			if (scope == 0x20 || !strncasecmp(a, "fe8", 3))
				continue; /* link-local */
			vctl_fmt(what, size, "IPv6 address %s", ipv6_text(a));
			found = 1;
		}
		fclose(f);
	}
	if (found)
		return 1;
	/* Iface Destination Gateway Flags ... (hex, little endian) */
	if (vc_path(p, sizeof(p), "%s/net/route", c->proc) >= 0 &&
	    (f = fopen(p, "re"))) {
		while (!found && fgets(line, sizeof(line), f)) {
			char name[64];

			if (sscanf(line, "%63s", name) == 1 &&
			    !strcmp(name, ifname)) {
				vctl_fmt(what, size, "an IPv4 address");
				found = 1;
			}
		}
		fclose(f);
	}
	return found;
}

static int iface_up(const struct vctl *c, const char *ifname)
{
	char p[256], v[32];
	unsigned long flags;

	vctl_fmt(p, sizeof(p), "class/net/%s/operstate", ifname);
	if (sysfs_read(c->sys.rootfd, p, v, sizeof(v)) > 0 && !strcmp(v, "up"))
		return 1;
	vctl_fmt(p, sizeof(p), "class/net/%s/flags", ifname);
	return sysfs_read_hex(c->sys.rootfd, p, &flags) == 0 && (flags & 1);
}

int busy_net(const struct vctl *c, const char *devdir, char *why, size_t size)
{
	char rel[PATH_MAX], path[PATH_MAX], what[96];
	struct dirent *de;
	DIR *d;
	int r = 0;

	d = sysfs_opendir(c->sys.rootfd, "class/net");
	if (!d)
		return 0;
	while (!r && (de = readdir(d))) {
		char name[64], master[64];
		int depth;

		if (de->d_name[0] == '.')
			continue;
		vctl_fmt(rel, sizeof(rel), "class/net/%s", de->d_name);
		if (busy_resolve(c->sysroot, rel, path) ||
		    !busy_below(path, devdir) || !iface_up(c, de->d_name))
			continue;
		/* Its own address, else its bridge's or bond's. */
		vctl_fmt(name, sizeof(name), "%s", de->d_name);
		for (depth = 0; depth < 4 && !r; depth++) {
			if (has_address(c, name, what, sizeof(what))) {
				if (depth)
					vctl_fmt(why, size,
						 "network interface %s is up, "
						 "in %s, which has %s",
						 de->d_name, name, what);
				else
					vctl_fmt(why, size,
						 "network interface %s is up "
						 "with %s",
						 de->d_name, what);
				r = 1;
				break;
			}
			vctl_fmt(rel, sizeof(rel), "class/net/%s/master", name);
			if (sysfs_link_name(c->sys.rootfd, rel, master,
					    sizeof(master)) <= 0)
				break;
			memcpy(name, master, sizeof(name));
		}
	}
	closedir(d);
	return r;
}
