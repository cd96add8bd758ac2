#!/bin/sh
# Fetches a Debian amd64 kernel into a cache that outlives clones:
#   ${VFIO_CLAIM_CACHE:-/var/cache/vfio-claim}/kernel/<package>/root
# and prints "KVER ROOT" on stdout. ROOT has boot/vmlinuz-KVER,
# boot/config-KVER and lib/modules/KVER (depmod run on the copy).
#
# Usage: kernel.sh [LINE]   (LINE, or $VFIO_CLAIM_KERNEL; default 6.1)
#   6.1   linux-image-amd64 of Debian 12 (the system's sources)
#   6.12  the newest linux-image-6.12.*+deb12-amd64 (bookworm-security,
#         the system's sources)
#   7.2   the newest linux-image-7.2.*-amd64 of Debian unstable, through a
#         private apt state under the cache (the system's sources and
#         lists are never changed); that package is a metapackage whose
#         vmlinuz, config and modules are in linux-binary-*, linux-base-*
#         and linux-modules-*, found by its dependencies.
# The package is resolved every time (the version moves); one already
# unpacked is reused. Never touches /lib/modules or /boot.
set -eu
line=${1:-${VFIO_CLAIM_KERNEL:-6.1}}
cache=${VFIO_CLAIM_CACHE:-/var/cache/vfio-claim}
# Not root: a cache in the tree (ignored by git) still outlives test runs.
if ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
	cache=$(cd "$(dirname "$0")/../.." && pwd)/tests/.cache
	mkdir -p "$cache"
fi
say() { echo "kernel.sh: $*" >&2; }
root_user() { [ "$(id -u)" -eq 0 ]; }

# APT: the apt options of this line (empty: the system's own state).
APT=
case $line in
6.1)
	pattern= ;;
6.12)
	pattern='^linux-image-6\.12\.[0-9]+\+deb12-amd64$' ;;
7.2)
	pattern='^linux-image-7\.2\.[0-9]+\+deb[0-9]+-amd64$'
	st=$cache/apt-sid
	# The system's own Debian mirror (the first URIs: of debian.sources
	# that is not the security archive), suite sid.
	uri=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null |
		grep -v security | head -n 1)
	uri=${uri:-http://deb.debian.org/debian}
	mkdir -p "$st/lists/partial" "$st/cache/archives/partial"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri sid main" >"$st/sources.list.new"
	cmp -s "$st/sources.list.new" "$st/sources.list" 2>/dev/null ||
		mv "$st/sources.list.new" "$st/sources.list"
	rm -f "$st/sources.list.new"
	APT="-o Dir::Etc::sourcelist=$st/sources.list -o Dir::Etc::sourceparts=/dev/null -o Dir::State::Lists=$st/lists -o Dir::Cache=$st/cache -o APT::Architecture=amd64"
	;;
*)
	say "unknown kernel line '$line': use 6.1, 6.12 or 7.2"
	exit 2
	;;
esac
# shellcheck disable=SC2086 # $APT is a list of options
acache() { apt-cache $APT "$@"; }
# shellcheck disable=SC2086
aget() { apt-get $APT "$@"; }

resolve() {
	if [ -z "$pattern" ]; then
		acache depends linux-image-amd64 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n 1
	else
		acache pkgnames linux-image- 2>/dev/null | grep -E "$pattern" | sort -V | tail -n 1
	fi
}
# The packages holding the files of image package $1: itself, and for a
# metapackage its linux-binary-, linux-base- and linux-modules- dependencies
# (followed one level further: linux-binary depends on linux-modules).
packages() {
	todo=$1 seen=
	while [ -n "$todo" ]; do
		p=${todo%% *}
		todo=${todo#"$p"}
		todo=${todo# }
		case " $seen " in *" $p "*) continue ;; esac
		seen="$seen${seen:+ }$p"
		for d in $(acache depends "$p" 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-\(binary\|base\|modules\)-[0-9][^ ]*\)$/\1/p'); do
			todo="$todo${todo:+ }$d"
		done
	done
	echo "$seen"
}
has_lists() {
	[ -z "$APT" ] || ls "$st/lists/"*_Packages* >/dev/null 2>&1
}
update() {
	root_user || return 1
	say "apt-get update${APT:+ (private state for kernel $line)}"
	aget update -qq >&2 || :
}

pkg=${VFIO_CLAIM_KERNEL_PKG:-}
if [ -z "$pkg" ]; then
	has_lists || update
	pkg=$(resolve)
	# A fresh machine may have no package lists yet.
	if [ -z "$pkg" ] && update; then pkg=$(resolve); fi
fi
if [ -z "$pkg" ]; then
	# Offline, or the archive moved on: the newest one already unpacked.
	for r in "$cache"/kernel/linux-image-"$line".*/ready; do
		[ -f "$r" ] || continue
		p=${r%/ready}
		p=${p##*/}
		case $p in linux-image-"$line".*) pkg=$p ;; esac
	done
	[ -n "$pkg" ] && say "cannot resolve kernel $line; using the cached $pkg"
fi
if [ -z "$pkg" ]; then
	say "cannot resolve a kernel for line $line (apt-get update?)"
	exit 1
fi
kver=${pkg#linux-image-}
dir=$cache/kernel/$pkg
root=$dir/root
mkdir -p "$dir"
# One fetch at a time per package (two test runs may ask at once).
exec 9>"$dir/lock"
flock 9
if [ ! -f "$dir/ready" ]; then
	pkgs=$(packages "$pkg")
	say "downloading $pkgs (once; 6.1 and 6.12 about 70 MB, 7.2 about 120 MB)"
	rm -f "$dir"/*.deb
	# shellcheck disable=SC2086 # $pkgs is a list of names
	if ! (cd "$dir" && aget download $pkgs >&2); then
		# The lists may be older than the archive: refresh once.
		update
		pkg2=$(resolve)
		if [ "$pkg2" != "$pkg" ]; then
			say "the archive now has $pkg2, not $pkg: run again"
			exit 1
		fi
		# shellcheck disable=SC2086
		(cd "$dir" && aget download $pkgs >&2) || { say "download of $pkgs failed"; exit 1; }
	fi
	rm -rf "$root"
	for deb in "$dir"/*.deb; do
		dpkg-deb -x "$deb" "$root"
	done
	# bookworm's 6.1 ships /lib/modules; later packages /usr/lib/modules.
	# The overlays of tests/vm/lib.sh put ROOT over /usr, so modules go to
	# ROOT/lib/modules whatever the package used.
	if [ ! -d "$root/lib/modules/$kver" ] && [ -d "$root/usr/lib/modules/$kver" ]; then
		mkdir -p "$root/lib/modules"
		mv "$root/usr/lib/modules/$kver" "$root/lib/modules/$kver"
	fi
	m=$root/lib/modules/$kver
	# linux-binary/linux-base keep vmlinuz, config and System.map next to
	# the modules; mkinitramfs and the boot want them in /boot.
	mkdir -p "$root/boot"
	for f in vmlinuz config System.map; do
		if [ ! -e "$root/boot/$f-$kver" ] && [ -f "$m/$f" ]; then
			cp "$m/$f" "$root/boot/$f-$kver"
		fi
	done
	[ -f "$root/boot/vmlinuz-$kver" ] || { say "$pkgs hold no vmlinuz for $kver"; exit 1; }
	[ -d "$m/kernel" ] || { say "$pkgs hold no modules for $kver"; exit 1; }
	depmod -b "$root" "$kver"
	rm -f "$dir"/*.deb
	touch "$dir/ready"
fi
echo "$kver $root"
