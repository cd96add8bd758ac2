// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mktree: builds fake sysfs trees shaped like the kernel's, fast enough
 * for thousands of functions, and snapshots them for before/after diffs.
 *
 *   mktree ROOT < SPEC     create the tree under ROOT (made, with its
 *                          parents, if missing)
 *   mktree --snap ROOT     print one line per entry, for tests/lib/testlib.sh
 *   mktree --capture SYS   print the SPEC of a sysfs tree: a real machine's
 *                          /sys (only read) or one mktree made, so a bug
 *                          report's host becomes a fixture
 *
 * SPEC, one item per line; '#' starts a comment:
 *   iommu NAME        class/iommu/NAME -> ../../devices/virtual/iommu/NAME
 *   driver NAME [module=MOD] [initstate=STATE]
 *                     register bus/pci/drivers/NAME/{bind,unbind,new_id,
 *                     remove_id}, module -> ../../../../module/MOD and
 *                     module/MOD/drivers/pci:NAME back; MOD defaults to
 *                     NAME with '-' as '_'; module=- for a built-in
 *                     driver (no module link). initstate=live writes
 *                     module/MOD/initstate, which the kernel has for
 *                     loadable modules only. A driver is registered
 *                     once, by the first line that names it (a device's
 *                     driver= too): later lines only add the module link
 *                     it lacks (module=MOD) and the initstate.
 *   noiommu Y|N       module/vfio/parameters/enable_unsafe_noiommu_mode
 *                     (always created, N unless this says otherwise)
 *   ADDR VVVV:DDDD CLASS [KEY=VALUE...]     one PCI function, e.g.
 *     0000:00:02.0 8086:3e90 030000 driver=i915 group=1 subsys=17aa:2248
 *   keys:
 *     driver=NAME     bound to NAME (registered as with "driver NAME")
 *     native=NAME     the driver the fake kernel binds when nothing
 *                     overrides it (default: driver=); kept in .native
 *     group=N         iommu_group -> ../../../kernel/iommu_groups/N and
 *                     kernel/iommu_groups/N/devices/ADDR back
 *     subsys=VVVV:DDDD  subsystem vendor:device (default 0000:0000)
 *     hdr=N           header type at config 0x0e (default 1 for class
 *                     0604xx, else 0)
 *     rev=N           revision (hex)
 *     numvfs=N        SR-IOV PF: sriov_numvfs (and sriov_totalvfs=
 *     totalvfs=N      this, default max(numvfs, 8))
 *     physfn=ADDR     a VF: physfn -> ../ADDR, and ADDR/virtfnK back
 *                     when that PF was described earlier
 *     override=NAME   driver_override (default "(null)")
 *     fail-ATTR=ERRNO .fail-ATTR: fakekernel.so fails writes to ATTR
 *                     (driver_override, unbind, bind, drivers_probe) for
 *                     this device with ERRNO (EBUSY, ENODEV, EINVAL, ...)
 *     vanish-on=ATTR  .vanish-on-ATTR: the device disappears when ATTR is
 *                     written for it
 *     refuse=1        .refuse: vfio-pci's probe fails for it
 *     res=I:START:END:FLAGS  line I of resource (hex; BARs are 0-5, the
 *                     ROM 6); every other line is zeros
 *     reslines=N      lines in resource (default 13, 17 for a bridge:
 *                     a kernel with SR-IOV; 7 and 11 without)
 *     boot_vga=0|1    boot_vga (the kernel has it for VGA devices only)
 *     reset_method=M[,M...]  reset_method, e.g. flr,bus; "-": empty (every
 *                     method turned off); no key: none (the kernel hides
 *                     it from a device with no reset method)
 *     power_state=S   power_state: D0, D3hot, D3cold, ...
 *     d3cold_allowed=0|1  d3cold_allowed
 *     parent=ADDR     below the bridge ADDR (described earlier) in
 *                     devices/, as the kernel puts a device behind a
 *                     port: devices/pciDDDD:00/ADDR/THIS; links from it
 *                     climb one level more
 *     bindgroup=N     .bindgroup: no group yet; fakekernel.so puts it in
 *                     group N when a driver binds it while an IOMMU is
 *                     registered (virtio-iommu with ACPI VIOT)
 *   firmware TABLE    firmware/acpi/tables/TABLE (VIOT, DMAR, IVRS, IORT)
 *   region N START END TYPE  a line "START END TYPE" appended to
 *                     kernel/iommu_groups/N/reserved_regions, as the
 *                     kernel prints it (iommu_group_show_resv_regions):
 *                     TYPE direct, direct-relaxable, reserved or msi
 * Run again on a ROOT it made, mktree adds the SPEC's items to it (one
 * line at a time, as tests/vfioctl/run.sh builds its fake hosts): what
 * the skeleton writes is only created when missing, and a function that
 * is there already is an error.
 * ADDR is DDDD:BB:SS.F; all functions sit under devices/pciDDDD:00/ as
 * in a flat root complex. Every link is relative, as in sysfs, so the
 * basename of readlink() names the driver or group.
 *
 * --snap walks bus, class, devices, kernel and module, skips names that
 * start with '.', and prints "PATH<TAB>KIND<TAB>VALUE": d for a directory,
 * l and the target for a link, f and the content for a file (escaped:
 * \n, \t, \\, \xHH; binary or large files as bin:SIZE:HASH). A uevent is
 * printed as two entries, PATH#DRIVER with its DRIVER= value and
 * PATH#rest with a hash of the other lines, so a bind or unbind shows as
 * one readable change.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NRES 17 /* lines in a bridge's resource (DEVICE_COUNT_RESOURCE) */

static int rootfd;
static int lineno;

static void die(const char *what)
{
	fprintf(stderr, "mktree: line %d: %s\n", lineno, what);
	exit(2);
}

static void sysdie(const char *what)
{
	fprintf(stderr, "mktree: line %d: %s: %s\n", lineno, what,
		strerror(errno));
	exit(1);
}

/* mkdir -p, relative to rootfd. */
static void mkdirs(const char *path)
{
	char p[512];
	size_t i, n = strlen(path);

	if (n >= sizeof(p))
		die("path too long");
	memcpy(p, path, n + 1);
	if (mkdirat(rootfd, p, 0755) == 0 || errno == EEXIST)
		return;
	if (errno != ENOENT)
		sysdie(path);
	for (i = 1; i < n; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		if (mkdirat(rootfd, p, 0755) && errno != EEXIST)
			sysdie(p);
		p[i] = '/';
	}
	if (mkdirat(rootfd, p, 0755) && errno != EEXIST)
		sysdie(p);
}

static void put(int dirfd, const char *name, const void *buf, size_t len)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		sysdie(name);
	if (len && write(fd, buf, len) != (ssize_t)len)
		sysdie(name);
	close(fd);
}

static void putf(int dirfd, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void putf(int dirfd, const char *name, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(buf))
		die("attribute too long");
	put(dirfd, name, buf, n);
}

static void link_at(int dirfd, const char *target, const char *name)
{
	if (symlinkat(target, dirfd, name) && errno != EEXIST)
		sysdie(name);
}

/* The module a driver's name implies: '-' as '_'. */
static void default_module(const char *name, char *mod, size_t size)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < size; i++)
		mod[i] = name[i] == '-' ? '_' : name[i];
	mod[i] = '\0';
}

/*
 * MODULE NULL: the default; "-": built in, no module link. A driver that
 * is there already keeps what it has; it only gains the module link it
 * lacks when MODULE names one. INITSTATE: module/MOD/initstate, or NULL.
 */
static void add_driver(const char *name, const char *module,
		       const char *initstate)
{
	char p[512], t[256], mod[256] = "";
	ssize_t n;
	int fd, fresh;

	if (strlen(name) >= 64 || strchr(name, '/') || !*name)
		die("bad driver name");
	if (module && (strlen(module) >= 64 || strchr(module, '/')))
		die("bad module name");
	if (initstate && module && !strcmp(module, "-"))
		die("initstate= needs a module, not module=-");
	snprintf(p, sizeof(p), "bus/pci/drivers/%s", name);
	fresh = faccessat(rootfd, p, F_OK, AT_SYMLINK_NOFOLLOW) != 0;
	mkdirs(p);
	fd = openat(rootfd, p, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		sysdie(p);
	if (fresh) {
		put(fd, "bind", "", 0);
		put(fd, "unbind", "", 0);
		put(fd, "new_id", "", 0);
		put(fd, "remove_id", "", 0);
	}
	n = readlinkat(fd, "module", t, sizeof(t) - 1);
	if (n > 0) { /* its module link counts */
		const char *base;

		t[n] = '\0';
		base = strrchr(t, '/');
		snprintf(mod, sizeof(mod), "%s", base ? base + 1 : t);
	} else if (module ? strcmp(module, "-") != 0 : fresh) {
		if (module)
			strcpy(mod, module);
		else
			default_module(name, mod, sizeof(mod));
		snprintf(p, sizeof(p), "../../../../module/%s", mod);
		link_at(fd, p, "module");
		snprintf(p, sizeof(p), "module/%s/drivers", mod);
		mkdirs(p);
		snprintf(p, sizeof(p), "module/%s/drivers/pci:%s", mod, name);
		snprintf(t, sizeof(t), "../../../bus/pci/drivers/%s", name);
		link_at(rootfd, t, p);
	}
	close(fd);
	if (initstate) {
		if (!mod[0])
			die("initstate= needs a driver with a module");
		snprintf(p, sizeof(p), "module/%s/initstate", mod);
		putf(rootfd, p, "%s\n", initstate);
	}
}

/* NAME in DIRFD with that content, unless it is there already. */
static void put_new(int dirfd, const char *name, const char *buf)
{
	if (faccessat(dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW))
		put(dirfd, name, buf, strlen(buf));
}

static void skeleton(void)
{
	int fd;

	mkdirs("bus/pci/devices");
	mkdirs("bus/pci/drivers");
	mkdirs("kernel/iommu_groups");
	mkdirs("class/iommu");
	mkdirs("devices/virtual/iommu");
	mkdirs("module/vfio/parameters");
	fd = openat(rootfd, "bus/pci", O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		sysdie("bus/pci");
	put_new(fd, "drivers_probe", "");
	put_new(fd, "drivers_autoprobe", "1\n");
	put_new(fd, "rescan", "");
	close(fd);
	put_new(rootfd, "module/vfio/parameters/enable_unsafe_noiommu_mode",
		"N\n");
}

static int parse_addr(const char *s, unsigned int *dom, unsigned int *bus,
		      unsigned int *slot, unsigned int *fn)
{
	char tail;

	if (strlen(s) != 12 ||
	    sscanf(s, "%4x:%2x:%2x.%1x%c", dom, bus, slot, fn, &tail) != 4 ||
	    *slot > 0x1f || *fn > 7)
		return -1;
	return 0;
}

static int parse_id(const char *s, unsigned int *a, unsigned int *b)
{
	char tail;

	if (strlen(s) != 9 || sscanf(s, "%4x:%4x%c", a, b, &tail) != 2)
		return -1;
	return 0;
}

struct dev {
	char addr[16];
	unsigned int dom, bus, slot, fn;
	unsigned int ven, did, sven, sdid, cls, rev;
	int hdr, group, numvfs, totalvfs;
	char driver[64], native[64], override[64], physfn[16];
	char parent[16]; /* parent=: the bridge it sits below */
	char fail[8][80];
	int nfail;
	char vanish[64];
	int refuse;
	unsigned long long res[NRES][3];
	int reslines, boot_vga;
	char reset_method[128];
	char power_state[16];
	int d3cold_allowed;
	int bindgroup;
};

static void copy(char *dst, size_t size, const char *v)
{
	if (strlen(v) >= size || !*v)
		die("value too long or empty");
	strcpy(dst, v);
}

static void parse_key(struct dev *d, char *kv)
{
	char *eq = strchr(kv, '='), *v;
	unsigned int x;

	if (!eq)
		die("expected KEY=VALUE");
	*eq = '\0';
	v = eq + 1;
	if (!strcmp(kv, "driver")) {
		copy(d->driver, sizeof(d->driver), v);
	} else if (!strcmp(kv, "native")) {
		copy(d->native, sizeof(d->native), v);
	} else if (!strcmp(kv, "group")) {
		d->group = atoi(v);
	} else if (!strcmp(kv, "subsys")) {
		if (parse_id(v, &d->sven, &d->sdid))
			die("subsys= wants VVVV:DDDD");
	} else if (!strcmp(kv, "hdr")) {
		d->hdr = atoi(v);
	} else if (!strcmp(kv, "rev")) {
		if (sscanf(v, "%x", &x) != 1)
			die("rev= wants hex");
		d->rev = x & 0xff;
	} else if (!strcmp(kv, "numvfs")) {
		d->numvfs = atoi(v);
	} else if (!strcmp(kv, "totalvfs")) {
		d->totalvfs = atoi(v);
	} else if (!strcmp(kv, "physfn")) {
		copy(d->physfn, sizeof(d->physfn), v);
	} else if (!strcmp(kv, "override")) {
		copy(d->override, sizeof(d->override), v);
	} else if (!strncmp(kv, "fail-", 5)) {
		if (d->nfail == 8)
			die("too many fail- keys");
		snprintf(d->fail[d->nfail++], sizeof(d->fail[0]), "%s=%s",
			 kv + 5, v);
	} else if (!strcmp(kv, "vanish-on")) {
		copy(d->vanish, sizeof(d->vanish), v);
	} else if (!strcmp(kv, "refuse")) {
		d->refuse = atoi(v);
	} else if (!strcmp(kv, "res")) {
		unsigned long long a, b, f;
		char tail;

		if (sscanf(v, "%u:%llx:%llx:%llx%c", &x, &a, &b, &f, &tail) !=
			    4 ||
		    x >= NRES)
			die("res= wants I:START:END:FLAGS (hex, I < 17)");
		d->res[x][0] = a;
		d->res[x][1] = b;
		d->res[x][2] = f;
	} else if (!strcmp(kv, "reslines")) {
		d->reslines = atoi(v);
		if (d->reslines < 1 || d->reslines > NRES)
			die("reslines= wants 1 to 17");
	} else if (!strcmp(kv, "boot_vga")) {
		if (strcmp(v, "0") && strcmp(v, "1"))
			die("boot_vga= wants 0 or 1");
		d->boot_vga = *v - '0';
	} else if (!strcmp(kv, "reset_method")) {
		copy(d->reset_method, sizeof(d->reset_method), v);
	} else if (!strcmp(kv, "power_state")) {
		copy(d->power_state, sizeof(d->power_state), v);
	} else if (!strcmp(kv, "d3cold_allowed")) {
		if (strcmp(v, "0") && strcmp(v, "1"))
			die("d3cold_allowed= wants 0 or 1");
		d->d3cold_allowed = *v - '0';
	} else if (!strcmp(kv, "parent")) {
		copy(d->parent, sizeof(d->parent), v);
	} else if (!strcmp(kv, "bindgroup")) {
		d->bindgroup = atoi(v);
	} else {
		die("unknown key");
	}
}

static void config_blob(const struct dev *d, unsigned char *c)
{
	memset(c, 0, 256);
	c[0x00] = d->ven & 0xff;
	c[0x01] = d->ven >> 8;
	c[0x02] = d->did & 0xff;
	c[0x03] = d->did >> 8;
	c[0x04] = 0x06; /* memory space, bus master */
	c[0x06] = 0x10; /* capability list */
	c[0x08] = d->rev;
	c[0x09] = d->cls & 0xff;
	c[0x0a] = (d->cls >> 8) & 0xff;
	c[0x0b] = (d->cls >> 16) & 0xff;
	c[0x0e] = d->hdr & 0xff;
	if ((d->hdr & 0x7f) == 0) {
		c[0x2c] = d->sven & 0xff;
		c[0x2d] = d->sven >> 8;
		c[0x2e] = d->sdid & 0xff;
		c[0x2f] = d->sdid >> 8;
	}
}

/* resource as pci-sysfs.c's resource_show prints it. */
static void resource_file(int fd, const struct dev *d)
{
	char buf[NRES * 64];
	int i, n = 0, lines = d->reslines;

	if (!lines)
		lines = (d->hdr & 0x7f) == 1 ? 17 : 13;
	for (i = 0; i < lines; i++)
		n += snprintf(buf + n, sizeof(buf) - n,
			      "0x%016llx 0x%016llx 0x%016llx\n", d->res[i][0],
			      d->res[i][1], d->res[i][2]);
	put(fd, "resource", buf, n);
}

static void make_dev(struct dev *d)
{
	char p[512], t[512], uev[512], rel[64];
	const char *up = d->parent[0] ? "../" : "";
	unsigned char cfg[256];
	int fd, n, i;

	snprintf(p, sizeof(p), "devices/pci%04x:00", d->dom);
	mkdirs(p);
	/* rel: the device's directory below devices/. */
	if (d->parent[0])
		snprintf(rel, sizeof(rel), "pci%04x:00/%s/%s", d->dom,
			 d->parent, d->addr);
	else
		snprintf(rel, sizeof(rel), "pci%04x:00/%s", d->dom, d->addr);
	snprintf(p, sizeof(p), "devices/%s", rel);
	if (mkdirat(rootfd, p, 0755))
		sysdie(p);
	fd = openat(rootfd, p, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		sysdie(p);

	n = 0;
	if (d->driver[0])
		n += snprintf(uev + n, sizeof(uev) - n, "DRIVER=%s\n",
			      d->driver);
	n += snprintf(
		uev + n, sizeof(uev) - n,
		"PCI_CLASS=%X\nPCI_ID=%04X:%04X\nPCI_SUBSYS_ID=%04X:%04X\n"
		"PCI_SLOT_NAME=%s\n"
		"MODALIAS=pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n",
		d->cls, d->ven, d->did, d->sven, d->sdid, d->addr, d->ven,
		d->did, d->sven, d->sdid, d->cls >> 16, (d->cls >> 8) & 0xff,
		d->cls & 0xff);
	put(fd, "uevent", uev, n);
	putf(fd, "modalias", "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n",
	     d->ven, d->did, d->sven, d->sdid, d->cls >> 16,
	     (d->cls >> 8) & 0xff, d->cls & 0xff);
	putf(fd, "vendor", "0x%04x\n", d->ven);
	putf(fd, "device", "0x%04x\n", d->did);
	putf(fd, "subsystem_vendor", "0x%04x\n", d->sven);
	putf(fd, "subsystem_device", "0x%04x\n", d->sdid);
	putf(fd, "class", "0x%06x\n", d->cls);
	putf(fd, "revision", "0x%02x\n", d->rev);
	config_blob(d, cfg);
	put(fd, "config", cfg, sizeof(cfg));
	putf(fd, "driver_override", "%s\n",
	     d->override[0] ? d->override : "(null)");
	snprintf(t, sizeof(t), "%s../../../bus/pci", up);
	link_at(fd, t, "subsystem");
	resource_file(fd, d);
	if (d->boot_vga >= 0)
		putf(fd, "boot_vga", "%d\n", d->boot_vga);
	if (d->reset_method[0]) {
		char m[128];

		strcpy(m, strcmp(d->reset_method, "-") ? d->reset_method : "");
		for (i = 0; m[i]; i++)
			if (m[i] == ',')
				m[i] = ' ';
		putf(fd, "reset_method", "%s\n", m);
	}
	if (d->power_state[0])
		putf(fd, "power_state", "%s\n", d->power_state);
	if (d->d3cold_allowed >= 0)
		putf(fd, "d3cold_allowed", "%d\n", d->d3cold_allowed);

	if (d->driver[0]) {
		add_driver(d->driver, NULL, NULL);
		snprintf(t, sizeof(t), "%s../../../bus/pci/drivers/%s", up,
			 d->driver);
		link_at(fd, t, "driver");
		snprintf(p, sizeof(p), "bus/pci/drivers/%s/%s", d->driver,
			 d->addr);
		snprintf(t, sizeof(t), "../../../../devices/%s", rel);
		link_at(rootfd, t, p);
	}
	if (d->native[0])
		putf(fd, ".native", "%s\n", d->native);
	else if (d->driver[0])
		putf(fd, ".native", "%s\n", d->driver);
	if (d->group >= 0) {
		snprintf(p, sizeof(p), "kernel/iommu_groups/%d/devices",
			 d->group);
		mkdirs(p);
		snprintf(t, sizeof(t), "%s../../../kernel/iommu_groups/%d", up,
			 d->group);
		link_at(fd, t, "iommu_group");
		snprintf(p, sizeof(p), "kernel/iommu_groups/%d/devices/%s",
			 d->group, d->addr);
		snprintf(t, sizeof(t), "../../../../devices/%s", rel);
		link_at(rootfd, t, p);
	}
	if (d->numvfs >= 0) {
		putf(fd, "sriov_numvfs", "%d\n", d->numvfs);
		putf(fd, "sriov_totalvfs", "%d\n",
		     d->totalvfs >= 0 ? d->totalvfs
				      : (d->numvfs > 8 ? d->numvfs : 8));
	}
	if (d->physfn[0]) {
		snprintf(t, sizeof(t), "../%s", d->physfn);
		link_at(fd, t, "physfn");
		snprintf(p, sizeof(p), "devices/pci%04x:00/%s", d->dom,
			 d->physfn);
		if (faccessat(rootfd, p, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
			snprintf(t, sizeof(t), "../%s", d->addr);
			for (i = 0; i < 256; i++) {
				snprintf(p, sizeof(p),
					 "devices/pci%04x:00/%s/virtfn%d",
					 d->dom, d->physfn, i);
				if (symlinkat(t, rootfd, p) == 0)
					break;
				if (errno != EEXIST)
					sysdie(p);
			}
		}
	}
	for (i = 0; i < d->nfail; i++) {
		char *eq = strchr(d->fail[i], '=');

		*eq = '\0';
		snprintf(p, sizeof(p), ".fail-%s", d->fail[i]);
		putf(fd, p, "%s\n", eq + 1);
	}
	if (d->vanish[0]) {
		snprintf(p, sizeof(p), ".vanish-on-%s", d->vanish);
		put(fd, p, "", 0);
	}
	if (d->refuse)
		put(fd, ".refuse", "", 0);
	if (d->bindgroup > 0)
		putf(fd, ".bindgroup", "%d\n", d->bindgroup);
	close(fd);

	snprintf(p, sizeof(p), "bus/pci/devices/%s", d->addr);
	snprintf(t, sizeof(t), "../../../devices/%s", rel);
	if (symlinkat(t, rootfd, p))
		sysdie(p);
}

static void spec_line(char *line)
{
	char *tok[32], *save = NULL, *s;
	int n = 0, i;
	struct dev d;

	for (s = strtok_r(line, " \t\r\n", &save); s && n < 32;
	     s = strtok_r(NULL, " \t\r\n", &save))
		tok[n++] = s;
	if (n == 0)
		return;
	if (!strcmp(tok[0], "iommu") && n == 2) {
		char p[256], t[256];

		snprintf(p, sizeof(p), "devices/virtual/iommu/%s", tok[1]);
		mkdirs(p);
		snprintf(p, sizeof(p), "class/iommu/%s", tok[1]);
		snprintf(t, sizeof(t), "../../devices/virtual/iommu/%s",
			 tok[1]);
		link_at(rootfd, t, p);
		return;
	}
	if (!strcmp(tok[0], "firmware") && n == 2) {
		char p[256];
		int fd;

		mkdirs("firmware/acpi/tables");
		snprintf(p, sizeof(p), "firmware/acpi/tables/%s", tok[1]);
		fd = openat(rootfd, p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			sysdie(p);
		close(fd);
		return;
	}
	if (!strcmp(tok[0], "driver") && n >= 2 && n <= 4) {
		const char *module = NULL, *initstate = NULL;

		for (i = 2; i < n; i++) {
			if (!strncmp(tok[i], "module=", 7) && tok[i][7])
				module = tok[i] + 7;
			else if (!strncmp(tok[i], "initstate=", 10) &&
				 tok[i][10])
				initstate = tok[i] + 10;
			else
				die("driver NAME [module=MOD] "
				    "[initstate=STATE]");
		}
		add_driver(tok[1], module, initstate);
		return;
	}
	if (!strcmp(tok[0], "region") && n == 5) {
		char p[256];
		int fd;

		snprintf(p, sizeof(p), "kernel/iommu_groups/%d", atoi(tok[1]));
		mkdirs(p);
		snprintf(p, sizeof(p),
			 "kernel/iommu_groups/%d/reserved_regions",
			 atoi(tok[1]));
		fd = openat(rootfd, p, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd < 0)
			sysdie(p);
		dprintf(fd, "%s %s %s\n", tok[2], tok[3], tok[4]);
		close(fd);
		return;
	}
	if (!strcmp(tok[0], "noiommu") && n == 2) {
		char v[8];

		snprintf(v, sizeof(v), "%s\n", tok[1]);
		put(rootfd, "module/vfio/parameters/enable_unsafe_noiommu_mode",
		    v, strlen(v));
		return;
	}
	memset(&d, 0, sizeof(d));
	d.group = -1;
	d.hdr = -1;
	d.numvfs = -1;
	d.totalvfs = -1;
	d.boot_vga = -1;
	d.d3cold_allowed = -1;
	if (n < 3 || parse_addr(tok[0], &d.dom, &d.bus, &d.slot, &d.fn))
		die("expected ADDR VVVV:DDDD CLASS [KEY=VALUE...]");
	snprintf(d.addr, sizeof(d.addr), "%04x:%02x:%02x.%x", d.dom, d.bus,
		 d.slot, d.fn);
	if (parse_id(tok[1], &d.ven, &d.did))
		die("expected VVVV:DDDD");
	if (strlen(tok[2]) != 6 || sscanf(tok[2], "%6x", &d.cls) != 1)
		die("expected a 6-digit class");
	for (i = 3; i < n; i++)
		parse_key(&d, tok[i]);
	if (d.hdr < 0)
		d.hdr = (d.cls >> 8) == 0x0604 ? 1 : 0;
	make_dev(&d);
}

/* ---- --snap ---- */

static unsigned long fnv(const unsigned char *p, size_t n)
{
	unsigned long h = 2166136261UL;

	while (n--)
		h = ((h ^ *p++) * 16777619UL) & 0xffffffffUL;
	return h;
}

static void escaped(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n')
			fputs("\\n", stdout);
		else if (p[i] == '\t')
			fputs("\\t", stdout);
		else if (p[i] == '\\')
			fputs("\\\\", stdout);
		else if (p[i] < 0x20 || p[i] >= 0x7f)
			printf("\\x%02x", p[i]);
		else
			putchar(p[i]);
	}
}

static void snap_file(int dirfd, const char *name, const char *path)
{
	static unsigned char buf[65536];
	size_t len = 0, i;
	ssize_t n;
	int fd = openat(dirfd, name, O_RDONLY), bin = 0;

	if (fd < 0) {
		printf("%s\tf\t<unreadable>\n", path);
		return;
	}
	while (len < sizeof(buf) &&
	       (n = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += n;
	close(fd);
	if (!strcmp(name, "uevent")) {
		unsigned char rest[65536];
		size_t rl = 0, ll;
		const unsigned char *l = buf, *e = buf + len, *nl;
		const unsigned char *drv = NULL;
		size_t dl = 0;

		for (; l < e; l = nl + 1) {
			nl = memchr(l, '\n', e - l);
			if (!nl)
				nl = e;
			ll = nl - l;
			if (ll >= 7 && !memcmp(l, "DRIVER=", 7)) {
				drv = l + 7;
				dl = ll - 7;
			} else {
				memcpy(rest + rl, l, ll);
				rl += ll;
				rest[rl++] = '\n';
			}
		}
		printf("%s#DRIVER\tf\t", path);
		escaped(drv ? drv : (const unsigned char *)"", dl);
		printf("\n%s#rest\tf\tfnv:%08lx\n", path, fnv(rest, rl));
		return;
	}
	for (i = 0; i < len; i++)
		if (buf[i] == 0)
			bin = 1;
	printf("%s\tf\t", path);
	if (bin || len > 512)
		printf("bin:%zu:%08lx", len, fnv(buf, len));
	else
		escaped(buf, len);
	putchar('\n');
}

static void snap_dir(int dirfd, const char *path)
{
	struct dirent *de;
	char sub[4096], target[4096];
	struct stat st;
	DIR *dir;
	int fd;

	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY);
	dir = fd < 0 ? NULL : fdopendir(fd);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (S_ISLNK(st.st_mode)) {
			ssize_t n = readlinkat(dirfd, de->d_name, target,
					       sizeof(target) - 1);

			target[n > 0 ? n : 0] = '\0';
			printf("%s\tl\t%s\n", sub, target);
		} else if (S_ISDIR(st.st_mode)) {
			int cfd = openat(dirfd, de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW);

			printf("%s\td\t\n", sub);
			if (cfd >= 0) {
				snap_dir(cfd, sub);
				close(cfd);
			}
		} else {
			snap_file(dirfd, de->d_name, sub);
		}
	}
	closedir(dir);
}

static int snap(const char *root)
{
	static const char *const top[] = { "bus", "class", "devices", "kernel",
					   "module" };
	unsigned int i;
	int fd;

	rootfd = open(root, O_RDONLY | O_DIRECTORY);
	if (rootfd < 0) {
		fprintf(stderr, "mktree: %s: %s\n", root, strerror(errno));
		return 1;
	}
	for (i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
		fd = openat(rootfd, top[i], O_RDONLY | O_DIRECTORY);
		if (fd < 0)
			continue;
		printf("%s\td\t\n", top[i]);
		snap_dir(fd, top[i]);
		close(fd);
	}
	return 0;
}

/* ---- --capture ---- */

/* The first line of DIR/NAME, without its newline; -1 when unreadable. */
static int attr(int dirfd, const char *name, char *buf, size_t size)
{
	int fd = openat(dirfd, name, O_RDONLY);
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static unsigned int hexattr(int dirfd, const char *name)
{
	char b[64];

	if (attr(dirfd, name, b, sizeof(b)))
		return 0;
	return (unsigned int)strtoul(b, NULL, 16);
}

/* The basename of the link DIR/NAME into buf; -1 when it is no link. */
static int linkbase(int dirfd, const char *name, char *buf, size_t size)
{
	char t[4096];
	ssize_t n = readlinkat(dirfd, name, t, sizeof(t) - 1);
	const char *b;

	buf[0] = '\0';
	if (n <= 0)
		return -1;
	t[n] = '\0';
	b = strrchr(t, '/');
	b = b ? b + 1 : t;
	if (strlen(b) >= size)
		return -1;
	memcpy(buf, b, strlen(b) + 1);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in DIR/PATH, sorted (no dot entries); *n of them. */
static char **names(int dirfd, const char *path, int *n)
{
	int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY);
	DIR *dir = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	char **v = NULL;
	int cap = 0;

	*n = 0;
	if (!dir)
		return NULL;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				sysdie("realloc");
		}
		v[(*n)++] = strdup(de->d_name);
	}
	closedir(dir);
	if (v)
		qsort(v, *n, sizeof(*v), cmp_names);
	return v;
}

/*
 * The PCI device a function sits below in devices/ (a port or bridge:
 * the directory above it, when that is a PCI address), "" at a root.
 */
static void parent_of(int devs, const char *addr, char *buf, size_t size)
{
	char t[512], *last, *up;
	ssize_t n = readlinkat(devs, addr, t, sizeof(t) - 1);
	unsigned int x;

	buf[0] = '\0';
	if (n <= 0)
		return;
	t[n] = '\0';
	last = strrchr(t, '/');
	if (!last)
		return;
	*last = '\0';
	up = strrchr(t, '/');
	up = up ? up + 1 : t;
	if (sscanf(up, "%x:%x:%x.%x", &x, &x, &x, &x) == 4 && strlen(up) < size)
		strcpy(buf, up);
}

static void capture_dev(int devs, const char *addr)
{
	char b[512];
	unsigned char cfg[64];
	unsigned int ven, did, sven, sdid, cls, rev, hdr = 0;
	unsigned long long a, e, f;
	int fd, cf, i, line = 0;
	FILE *res;

	fd = openat(devs, addr, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return;
	ven = hexattr(fd, "vendor");
	did = hexattr(fd, "device");
	sven = hexattr(fd, "subsystem_vendor");
	sdid = hexattr(fd, "subsystem_device");
	cls = hexattr(fd, "class");
	rev = hexattr(fd, "revision");
	cf = openat(fd, "config", O_RDONLY);
	if (cf >= 0) {
		if (read(cf, cfg, sizeof(cfg)) > 0x0e)
			hdr = cfg[0x0e];
		close(cf);
	}
	printf("%s %04x:%04x %06x", addr, ven, did, cls & 0xffffff);
	parent_of(devs, addr, b, sizeof(b));
	if (b[0])
		printf(" parent=%s", b);
	if (!linkbase(fd, "driver", b, sizeof(b)))
		printf(" driver=%s", b);
	if (!linkbase(fd, "iommu_group", b, sizeof(b)))
		printf(" group=%s", b);
	if (sven || sdid)
		printf(" subsys=%04x:%04x", sven, sdid);
	if (hdr != ((cls >> 8) == 0x0604 ? 1u : 0u))
		printf(" hdr=%u", hdr);
	if (rev)
		printf(" rev=%x", rev);
	if (!attr(fd, "sriov_numvfs", b, sizeof(b))) {
		printf(" numvfs=%d", atoi(b));
		if (!attr(fd, "sriov_totalvfs", b, sizeof(b)))
			printf(" totalvfs=%d", atoi(b));
	}
	if (!linkbase(fd, "physfn", b, sizeof(b)))
		printf(" physfn=%s", b);
	if (!attr(fd, "driver_override", b, sizeof(b)) && b[0] &&
	    strcmp(b, "(null)") && !strchr(b, ' '))
		printf(" override=%s", b);
	cf = openat(fd, "resource", O_RDONLY);
	res = cf < 0 ? NULL : fdopen(cf, "r");
	if (res) {
		while (fgets(b, sizeof(b), res)) {
			if (sscanf(b, "%llx %llx %llx", &a, &e, &f) == 3 &&
			    (a || e || f) && line < NRES)
				printf(" res=%d:%llx:%llx:%llx", line, a, e, f);
			line++;
		}
		fclose(res);
		if (line != ((hdr & 0x7f) == 1 ? 17 : 13))
			printf(" reslines=%d", line);
	}
	if (!attr(fd, "boot_vga", b, sizeof(b)) && (b[0] == '0' || b[0] == '1'))
		printf(" boot_vga=%c", b[0]);
	if (!attr(fd, "reset_method", b, sizeof(b))) {
		for (i = 0; b[i]; i++)
			if (b[i] == ' ')
				b[i] = ',';
		printf(" reset_method=%s", b[0] ? b : "-");
	}
	if (!attr(fd, "power_state", b, sizeof(b)) && b[0] && !strchr(b, ' '))
		printf(" power_state=%s", b);
	if (!attr(fd, "d3cold_allowed", b, sizeof(b)) &&
	    (b[0] == '0' || b[0] == '1'))
		printf(" d3cold_allowed=%c", b[0]);
	putchar('\n');
	close(fd);
}

static int capture(const char *root)
{
	static const char *const tables[] = { "DMAR", "IVRS", "IORT", "VIOT" };
	char **v, b[256], mod[64], p[512], st[32];
	int n, i, devs, drv;

	rootfd = open(root, O_RDONLY | O_DIRECTORY);
	if (rootfd < 0) {
		fprintf(stderr, "mktree: %s: %s\n", root, strerror(errno));
		return 1;
	}
	devs = openat(rootfd, "bus/pci/devices", O_RDONLY | O_DIRECTORY);
	if (devs < 0) {
		fprintf(stderr, "mktree: %s/bus/pci/devices: %s\n", root,
			strerror(errno));
		return 1;
	}
	printf("# mktree --capture %s\n", root);
	v = names(rootfd, "class/iommu", &n);
	for (i = 0; i < n; i++) {
		printf("iommu %s\n", v[i]);
		free(v[i]);
	}
	free(v);
	v = names(rootfd, "bus/pci/drivers", &n);
	drv = openat(rootfd, "bus/pci/drivers", O_RDONLY | O_DIRECTORY);
	for (i = 0; i < n; i++) {
		int dfd = openat(drv, v[i], O_RDONLY | O_DIRECTORY);

		b[0] = '\0';
		if (dfd >= 0 && linkbase(dfd, "module", b, sizeof(b)))
			printf("driver %s module=-", v[i]);
		else if (dfd >= 0 && (default_module(v[i], mod, sizeof(mod)),
				      strcmp(mod, b)))
			printf("driver %s module=%s", v[i], b);
		else
			printf("driver %s", v[i]);
		snprintf(p, sizeof(p), "module/%s/initstate", b);
		if (b[0] && !attr(rootfd, p, st, sizeof(st)) && st[0] &&
		    !strchr(st, ' '))
			printf(" initstate=%s", st);
		putchar('\n');
		if (dfd >= 0)
			close(dfd);
		free(v[i]);
	}
	free(v);
	if (drv >= 0)
		close(drv);
	/* The firmware's IOMMU tables, which vfio-claim's advice reads. */
	for (i = 0; i < (int)(sizeof(tables) / sizeof(tables[0])); i++) {
		snprintf(p, sizeof(p), "firmware/acpi/tables/%s", tables[i]);
		if (!faccessat(rootfd, p, F_OK, 0))
			printf("firmware %s\n", tables[i]);
	}
	/* The firmware's 1:1 regions (RMRR, IVMD) of each group: what
	 * vfioctl judges a group by; msi and reserved ones are everywhere. */
	v = names(rootfd, "kernel/iommu_groups", &n);
	for (i = 0; i < n; i++) {
		char rr[4096], *line, *save = NULL;
		ssize_t got = -1;
		int fd;

		snprintf(p, sizeof(p),
			 "kernel/iommu_groups/%s/reserved_regions", v[i]);
		fd = openat(rootfd, p, O_RDONLY);
		if (fd >= 0) {
			got = read(fd, rr, sizeof(rr) - 1);
			close(fd);
		}
		rr[got > 0 ? got : 0] = '\0';
		for (line = strtok_r(rr, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			char s0[40], e0[40], t[32];

			if (sscanf(line, "%39s %39s %31s", s0, e0, t) == 3 &&
			    !strncmp(t, "direct", 6))
				printf("region %s %s %s %s\n", v[i], s0, e0, t);
		}
		free(v[i]);
	}
	free(v);
	i = openat(rootfd, "module/vfio/parameters", O_RDONLY | O_DIRECTORY);
	if (i >= 0) {
		if (!attr(i, "enable_unsafe_noiommu_mode", b, sizeof(b)) &&
		    b[0] == 'Y')
			printf("noiommu Y\n");
		close(i);
	}
	v = names(devs, ".", &n);
	for (i = 0; i < n; i++) {
		capture_dev(devs, v[i]);
		free(v[i]);
	}
	free(v);
	close(devs);
	return 0;
}

int main(int argc, char **argv)
{
	static char line[4096];
	char *s, c;

	if (argc == 3 && !strcmp(argv[1], "--snap"))
		return snap(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "--capture"))
		return capture(argv[2]);
	if (argc != 2 || argv[1][0] == '-') {
		fputs("usage: mktree ROOT < SPEC | mktree --snap ROOT | "
		      "mktree --capture SYSFS\n",
		      stderr);
		return 2;
	}
	for (s = argv[1] + 1;; s++) { /* mkdir -p */
		if (*s && *s != '/')
			continue;
		c = *s;
		*s = '\0';
		if (mkdir(argv[1], 0755) && errno != EEXIST) {
			perror(argv[1]);
			return 1;
		}
		*s = c;
		if (!c)
			break;
	}
	rootfd = open(argv[1], O_RDONLY | O_DIRECTORY);
	if (rootfd < 0) {
		perror(argv[1]);
		return 1;
	}
	skeleton();
	while (fgets(line, sizeof(line), stdin)) {
		char *hash = strchr(line, '#');

		lineno++;
		if (hash)
			*hash = '\0';
		spec_line(line);
	}
	close(rootfd);
	return 0;
}
