#!/bin/sh
# Builds, once, a minimal Debian system with debootstrap into a cache that
# outlives clones, and downloads (not installs) into it the packages the
# system test installs later.
#   ${VFIO_CLAIM_CACHE:-/var/cache/vfio-claim}/debootstrap/SUITE
# Usage: base.sh [SUITE]
#   bookworm (Debian 12, the default): the kernel, initramfs-tools,
#            systemd-sysv (tests/system/run.sh);
#   trixie   (Debian 13): the kernel, dracut, systemd-boot, systemd-ukify
#            and sbsigntool, for unified kernel images (tests/system/uki.sh).
# Prints the path of the root. The mirror is the URI of the host's own
# Debian source (debootstrap takes it as an argument; the host's sources
# and apt state are never changed); nothing outside the cache is changed.
set -eu
suite=${1:-bookworm}
cache=${VFIO_CLAIM_CACHE:-/var/cache/vfio-claim}/debootstrap
base=$cache/$suite
root=$base/root
# What every run installs in its copy. The versioned kernel is resolved
# inside the base, from its own package lists.
case $suite in
# kexec-tools: 'vfioctl reserve --try' boots its trial with kexec.
bookworm)
	SYSTEM_PKGS="linux-image-amd64 initramfs-tools systemd-sysv udev kmod libpci3 libkmod2 kexec-tools"
	;;
trixie)
	SYSTEM_PKGS="linux-image-amd64 dracut systemd-sysv udev kmod libpci3 libkmod2 systemd-boot systemd-boot-efi systemd-ukify sbsigntool dosfstools"
	;;
*)
	echo "base.sh: unknown suite '$suite' (bookworm or trixie)" >&2
	exit 2
	;;
esac

log() { echo "base.sh: $*" >&2; }

mirror() {
	src=/etc/apt/sources.list.d/debian.sources
	if [ -f "$src" ]; then
		sed -n 's/^URIs: *\([^ ]*\).*/\1/p' "$src" | grep -v security | head -n 1
	else
		sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) bookworm .*/\2/p' \
			/etc/apt/sources.list 2>/dev/null | head -n 1
	fi
}

# download: SYSTEM_PKGS and what they need into the base's apt cache.
download() {
	# shellcheck disable=SC2016 # expanded inside the chroot
	unshare -m --propagation private sh -c '
		set -e
		mount -t proc proc "$1/proc"
		chroot "$1" apt-get update -qq
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive chroot "$1" apt-get install -y -qq \
			--no-install-recommends --download-only $2
	' sh "$root" "$SYSTEM_PKGS" >>"$base/debootstrap.log" 2>&1 || {
		log "downloading $SYSTEM_PKGS failed; see $base/debootstrap.log"
		tail -n 5 "$base/debootstrap.log" >&2
		exit 1
	}
	echo "$SYSTEM_PKGS" >"$base/packages"
}

if [ -f "$base/ready" ]; then
	# A base made before a package joined SYSTEM_PKGS gets it once, under
	# a lock (other runs may copy the base meanwhile: they only add files).
	if [ "$(cat "$base/packages")" != "$SYSTEM_PKGS" ]; then
		[ "$(id -u)" -eq 0 ] || { log "must run as root (chroot)"; exit 1; }
		exec 9>"$base/.lock"
		flock 9
		if [ "$(cat "$base/packages")" != "$SYSTEM_PKGS" ]; then
			log "adding $SYSTEM_PKGS to the cached base (once)"
			download
		fi
	fi
	echo "$root"
	exit 0
fi
[ "$(id -u)" -eq 0 ] || { log "must run as root (debootstrap, chroot)"; exit 1; }
uri=$(mirror)
[ -n "$uri" ] || { log "no Debian URI in /etc/apt/sources.list.d/debian.sources"; exit 1; }
securi=$(sed -n 's/^URIs: *\([^ ]*security[^ ]*\).*/\1/p' \
	/etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
mkdir -p "$base"
rm -rf "$root"
log "debootstrap --variant=minbase $suite from $uri (once)"
start=$(date +%s)
debootstrap --variant=minbase "$suite" "$root" "$uri" >"$base/debootstrap.log" 2>&1 || {
	log "debootstrap failed; see $base/debootstrap.log"
	tail -n 5 "$base/debootstrap.log" >&2
	exit 1
}
# The suite, its updates and its security suite: Debian 12's kernel
# comes from bookworm-security.
{
	echo "deb $uri $suite main"
	echo "deb $uri $suite-updates main"
	[ -z "$securi" ] || echo "deb $securi $suite-security main"
} >"$root/etc/apt/sources.list"
download
log "base ready in $(($(date +%s) - start)) s: $(du -sh "$root" | cut -f1)"
touch "$base/ready"
echo "$root"
