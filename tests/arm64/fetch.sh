#!/bin/sh
# Fetches Debian's arm64 kernel and busybox-static through a private apt
# state (its own sources file, lists and cache, architecture arm64) into
#   ${VFIO_CLAIM_CACHE:-/var/cache/vfio-claim}/arm64/
# and prints "KVER KROOT BUSYBOX". The system's apt state is never changed:
# every apt call names the private sources file, lists and cache.
set -eu
cache=${VFIO_CLAIM_CACHE:-/var/cache/vfio-claim}
if ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
	cache=$(cd "$(dirname "$0")/../.." && pwd)/tests/.cache
fi
d=$cache/arm64
mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
# The URI of the system's own Debian source (deb822 or one-line format).
uri=$(sed -n 's/^URIs: *\([^ ]*\/debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
[ -n "$uri" ] || uri=$(sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\/debian\) .*/\2/p' /etc/apt/sources.list 2>/dev/null | head -n 1)
[ -n "$uri" ] || uri=http://deb.debian.org/debian
key=/usr/share/keyrings/debian-archive-keyring.gpg
{
	echo "deb [arch=arm64 signed-by=$key] $uri bookworm main"
	echo "deb [arch=arm64 signed-by=$key] $uri-security bookworm-security main"
} >"$d/sources.list"
: >"$d/status"
apt_opts() {
	echo "-o APT::Architecture=arm64 -o APT::Architectures=arm64" \
		"-o Dir::Etc::sourcelist=$d/sources.list -o Dir::Etc::sourceparts=/dev/null" \
		"-o Dir::State::Lists=$d/lists -o Dir::Cache=$d/cache -o Dir::State::status=$d/status"
}
# shellcheck disable=SC2046 # a list of options
aget() { apt-get -qq $(apt_opts) "$@"; }
# shellcheck disable=SC2046
acache() { apt-cache $(apt_opts) "$@"; }
resolve() {
	acache depends linux-image-arm64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n 1
}
pkg=$(resolve)
if [ -z "$pkg" ] || [ ! -f "$d/lists.ready" ] || [ -n "$(find "$d/lists.ready" -mtime +7)" ]; then
	aget update >&2
	touch "$d/lists.ready"
	pkg=$(resolve)
fi
[ -n "$pkg" ] || { echo "arm64/fetch.sh: cannot resolve linux-image-arm64" >&2; exit 1; }
kver=${pkg#linux-image-}
# unpack PACKAGE DIR: downloads (once) and unpacks PACKAGE into DIR.
unpack() {
	[ -f "$2/ready" ] && return 0
	rm -rf "$2"
	mkdir -p "$2"
	(cd "$2" && aget download "$1" >&2)
	dpkg-deb -x "$2/$1"_*.deb "$2/root"
	rm -f "$2/$1"_*.deb
	touch "$2/ready"
}
unpack "$pkg" "$d/$pkg"
kroot=$d/$pkg/root
if [ ! -d "$kroot/lib/modules/$kver" ] && [ -d "$kroot/usr/lib/modules/$kver" ]; then
	mkdir -p "$kroot/lib/modules"
	mv "$kroot/usr/lib/modules/$kver" "$kroot/lib/modules/$kver"
	depmod -b "$kroot" "$kver"
fi
[ -f "$kroot/lib/modules/$kver/modules.dep" ] || depmod -b "$kroot" "$kver"
unpack busybox-static "$d/busybox-static"
echo "$kver $kroot $d/busybox-static/root/bin/busybox"
