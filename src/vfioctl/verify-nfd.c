// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl verify --format nfd, --nfd-dir: verify's result as a feature
 * file of Node Feature Discovery's local source, which NFD turns into
 * node labels. The rules, from kubernetes-sigs/node-feature-discovery
 * docs/usage/customization-guide.md ("Local feature source", "Input
 * format") and source/local/local.go (parseFeatureFile, getFileContent):
 * - one "name[=value]" a line, value "true" when left out; lines starting
 *   with '#' are comments, "# +expiry-time=RFC3339" a directive that holds
 *   for the lines after it (a line past its time is dropped);
 * - a file over 64 kB (MaxFeatureFileSize, 65536) is ignored whole;
 * - files whose name starts with '.' are ignored: write .NAME, rename;
 * - pkg/apis/nfd/validate/validate.go (Label): the name is a Kubernetes
 *   qualified name with a prefix (a DNS subdomain, not kubernetes.io or
 *   *.kubernetes.io), the part after '/' at most 63 of [A-Za-z0-9._-]
 *   starting and ending alphanumeric; the value the same, or empty.
 * Every name here is KV_PREFIX and a fixed word or hex: nothing from
 * the input goes into a label.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kubevirt.h"
#include "log.h"

#define NFD_FILE "vfio-claim"
#define NFD_MAX 65536
/*
 * How long the labels hold if nothing rewrites them: vfio-verify.service
 * writes the file at every boot, vfio-verify-nfd.timer every hour; a
 * host that stops rewriting it loses the labels, it never keeps "ready".
 */
#define NFD_EXPIRY (3 * 3600)

static const char *tf(int b)
{
	return b ? "true" : "false";
}

struct kv_count {
	struct pci_id id;
	int n;
};

static int cmp_count(const void *a, const void *b)
{
	const struct kv_count *x = a, *y = b;

	if (x->id.vendor != y->id.vendor)
		return x->id.vendor < y->id.vendor ? -1 : 1;
	return x->id.device < y->id.device ? -1 : x->id.device > y->id.device;
}

/* How many devices KubeVirt offers, by vendor:device. */
static int count_taken(struct vctl *c, const struct host *h,
		       const struct vres *r, int n, struct kv_count *v)
{
	char why[400], fix[400];
	int i, j, m = 0;

	for (i = 0; i < n; i++) {
		if (!r[i].has_dev || kv_takes(c, h, &r[i], why, sizeof(why),
					      fix, sizeof(fix)) != KV_OFFER)
			continue;
		for (j = 0; j < m; j++)
			if (v[j].id.vendor == r[i].dev.id.vendor &&
			    v[j].id.device == r[i].dev.id.device)
				break;
		if (j == m) {
			v[m].id = r[i].dev.id;
			v[m++].n = 0;
		}
		v[j].n++;
	}
	qsort(v, m, sizeof(*v), cmp_count);
	return m;
}

static void render(struct vctl *c, FILE *f, const struct host *h,
		   const struct vres *r, int n, int ready)
{
	struct kv_count *v = calloc(n ? n : 1, sizeof(*v));
	char when[32], until[32], res[64];
	time_t now = time(NULL), end = now + NFD_EXPIRY;
	struct tm tm;
	int i, m, nready = 0;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%SZ",
		 gmtime_r(&end, &tm));
	for (i = 0; i < n; i++)
		nready += r[i].np == 0;
	fprintf(f,
		"# Node Feature Discovery labels from 'vfioctl verify', %s.\n"
		"# vfio-claim.io/pci-VVVV-DDDD: devices KubeVirt can hand out\n"
		"# as that resource ('vfioctl kubevirt').\n"
		"# +expiry-time=%s\n",
		when, until);
	fprintf(f, KV_PREFIX "ready=%s\n", tf(ready));
	fprintf(f, KV_PREFIX "iommu=%s\n", tf(h->iommu));
	fprintf(f, KV_PREFIX "noiommu=%s\n", tf(h->noiommu));
	fprintf(f, KV_PREFIX "devices=%d\n", n);
	fprintf(f, KV_PREFIX "devices-ready=%d\n", nready);
	m = v ? count_taken(c, h, r, n, v) : 0;
	for (i = 0; i < m; i++) {
		kv_resource(&v[i].id, res, sizeof(res));
		fprintf(f, "%s=%d\n", res, v[i].n);
	}
	free(v);
}

void vfy_render_nfd(struct vctl *c, FILE *f, const struct host *h,
		    const struct vres *r, int n, int ready)
{
	render(c, f, h, r, n, ready);
}

int vfy_write_nfd(struct vctl *c, const struct host *h, const struct vres *r,
		  int n, int ready)
{
	char tmp[PATH_MAX], dst[PATH_MAX], *buf = NULL;
	size_t len = 0;
	struct stat st;
	FILE *mem;
	int fd, bad;

	if (stat(c->nfd_dir, &st) || !S_ISDIR(st.st_mode)) {
		vc_err("--nfd-dir %s: %s; create it or name NFD's "
		       "features.d",
		       c->nfd_dir,
		       errno == ENOENT || !errno ? "no such directory"
						 : vc_strerror(-errno));
		return -1;
	}
	mem = open_memstream(&buf, &len);
	if (!mem)
		return -1;
	render(c, mem, h, r, n, ready);
	if (fclose(mem) || !buf) {
		free(buf);
		return -1;
	}
	if (len > NFD_MAX) { /* NFD would ignore the whole file */
		vc_err("--nfd-dir: the labels take %zu bytes, NFD reads at "
		       "most %d",
		       len, NFD_MAX);
		free(buf);
		return -1;
	}
	if (vc_path(tmp, sizeof(tmp), "%s/." NFD_FILE, c->nfd_dir) < 0 ||
	    vc_path(dst, sizeof(dst), "%s/" NFD_FILE, c->nfd_dir) < 0) {
		free(buf);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	bad = fd < 0 || write(fd, buf, len) != (ssize_t)len || fsync(fd);
	if (fd >= 0 && close(fd))
		bad = 1;
	if (!bad && rename(tmp, dst))
		bad = 1;
	if (bad) {
		vc_err("--nfd-dir: cannot write %s: %s", dst,
		       vc_strerror(-errno));
		if (fd >= 0)
			unlink(tmp);
	}
	free(buf);
	return bad ? -1 : 0;
}
