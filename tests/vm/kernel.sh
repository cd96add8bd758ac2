#!/bin/sh
# Fetches Debian's current amd64 kernel into a cache that outlives clones:
#   ${VFIO_CLAIM_CACHE:-/var/cache/vfio-claim}/kernel/<package>/root
# and prints "KVER ROOT" on stdout. The versioned package is resolved from
# linux-image-amd64 every time (the version moves); a package already
# unpacked is reused. Never touches /lib/modules or /boot.
set -eu
cache=${VFIO_CLAIM_CACHE:-/var/cache/vfio-claim}
# Not root: a cache in the tree (ignored by git) still outlives test runs.
if ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
	cache=$(cd "$(dirname "$0")/../.." && pwd)/tests/.cache
fi
resolve() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n 1
}
pkg=${VFIO_CLAIM_KERNEL_PKG:-}
if [ -z "$pkg" ]; then
	pkg=$(resolve)
	# A fresh machine may have no package lists yet.
	if [ -z "$pkg" ] && [ "$(id -u)" -eq 0 ]; then
		apt-get update -qq >&2 || :
		pkg=$(resolve)
	fi
fi
if [ -z "$pkg" ]; then
	echo "kernel.sh: cannot resolve linux-image-amd64 (apt-get update?)" >&2
	exit 1
fi
kver=${pkg#linux-image-}
dir=$cache/kernel/$pkg
root=$dir/root
if [ ! -f "$dir/ready" ]; then
	mkdir -p "$dir"
	deb=
	for f in "$dir/$pkg"_*.deb; do [ -f "$f" ] && deb=$f; done
	if [ -z "$deb" ]; then
		echo "kernel.sh: downloading $pkg (about 70 MB, once)" >&2
		(cd "$dir" && apt-get download "$pkg" >&2)
		for f in "$dir/$pkg"_*.deb; do [ -f "$f" ] && deb=$f; done
		[ -n "$deb" ] || { echo "kernel.sh: download failed" >&2; exit 1; }
	fi
	rm -rf "$root"
	dpkg-deb -x "$deb" "$root"
	# The package ships /lib/modules (bookworm) or /usr/lib/modules.
	if [ ! -d "$root/lib/modules/$kver" ] && [ -d "$root/usr/lib/modules/$kver" ]; then
		mkdir -p "$root/lib/modules"
		mv "$root/usr/lib/modules/$kver" "$root/lib/modules/$kver"
	fi
	depmod -b "$root" "$kver"
	rm -f "$deb"
	touch "$dir/ready"
fi
echo "$kver $root"
