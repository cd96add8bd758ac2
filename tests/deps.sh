#!/bin/sh
# Installs (apt-get, as root) the Debian packages the build and the tests
# need, when they are missing. Usage: tests/deps.sh [demo]
#   demo: only what `make demo` needs (build the binary, dracut, QEMU).
set -eu

# Build: the klibc binary, the glibc/libkmod/libpci tool, sanitizers, fuzzing.
build_pkgs="make gcc libc6-dev libklibc-dev klibc-utils libkmod-dev libpci-dev pkg-config"
# Boot tests and the demo: a real kernel through real initramfs generators.
boot_pkgs="qemu-system-x86 dracut-core udev systemd kmod cpio busybox-static apt dpkg"
# Everything else make check runs.
# virt-xml-validate (libvirt-clients): the vfioctl suite checks qemu-args
# --libvirt against libvirt's own domain schema.
test_pkgs="initramfs-tools-core groff-base clang clang-format libclang-rt-14-dev strace shellcheck jq btrfs-progs
	libvirt-clients"
# The arm64 boot test: qemu-system-aarch64 and the static cross build.
arm64_pkgs="qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross"
# The packages (make deb, rpm, arch) and the Debian system proofs; the UKI
# system boots through OVMF's Secure Boot firmware from a GPT disk whose
# FAT ESP is written with mtools, and checks signatures with sbverify.
pkg_pkgs="dpkg-dev debhelper fakeroot lintian rpm makepkg pacman-package-manager libarchive-tools
	debootstrap e2fsprogs git ovmf mtools dosfstools fdisk sbsigntool openssl binutils"

case "${1:-all}" in
demo) want="$build_pkgs $boot_pkgs" ;;
*) want="$build_pkgs $boot_pkgs $test_pkgs $arm64_pkgs $pkg_pkgs" ;;
esac

missing=
for p in $want; do
	if ! dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing (run as root, or: sudo apt-get install$missing)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # a list of package names
apt-get install -y -qq --no-install-recommends $missing
