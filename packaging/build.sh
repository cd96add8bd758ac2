#!/bin/sh
# Usage: packaging/build.sh deb|rpm|arch VERSION BUILDDIR
# Builds a package from a copy of the tree in BUILDDIR/pkg/KIND, so the
# checkout stays clean, and copies the package files to BUILDDIR. Prints
# the path of each package and how long the build took.
set -eu
kind=$1 version=$2 build=$3
top=$(cd "$(dirname "$0")/.." && pwd)
case $build in /*) ;; *) build=$top/$build ;; esac
work=$build/pkg/$kind
# rpmbuild's macros and makepkg's build steps split a path with a space
# or tab in it: build elsewhere then, and copy the packages back.
case $build in
*[[:space:]]*)
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/vfio-claim-pkg.XXXXXX")
	chmod 0755 "$tmp" # makepkg runs as nobody
	trap 'rm -rf "$tmp"' EXIT
	work=$tmp/$kind
	;;
esac
name=vfio-claim-$version
log() { echo "$kind: $*" >&2; }

# stage DIR: the tracked (and new, unignored) files of the tree, nothing
# built. Outside git (a release tarball), every file but build/.
stage() {
	rm -rf "$1"
	mkdir -p "$1"
	if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
		(cd "$top" && git ls-files --cached --others --exclude-standard |
			while read -r f; do [ ! -e "$f" ] || echo "$f"; done |
			tar -cf - -T -) | tar -xf - -C "$1"
	else
		(cd "$top" && tar -cf - --exclude=./build --exclude=./tests/out .) |
			tar -xf - -C "$1"
	fi
}

start=$(date +%s)
rm -rf "$work"
mkdir -p "$work"
case $kind in
deb)
	stage "$work/$name"
	(cd "$work/$name" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 || {
		log "dpkg-buildpackage failed; see $work/build.log"
		tail -n 20 "$work/build.log" >&2
		exit 1
	}
	;;
rpm)
	mkdir -p "$work/SOURCES"
	stage "$work/src/$name"
	tar -C "$work/src" -czf "$work/SOURCES/$name.tar.gz" "$name"
	# No debuginfo subpackage here: Debian's rpm has no find-debuginfo.
	# _docdir_fmt: Fedora's unversioned /usr/share/doc/NAME (redhat-rpm-config).
	# __brp_compress: Debian's brp-compress needs bash (read -d), which
	# Fedora's /bin/sh is; with dash the man pages stay uncompressed.
	# --nodeps: the BuildRequires are Fedora package names.
	rpmbuild -bb --nodeps --define "_topdir $work" \
		--define 'debug_package %{nil}' --define '_docdir_fmt %%{NAME}' \
		--define '__brp_compress bash %{_rpmconfigdir}/brp-compress %{?_prefix}' \
		"$top/packaging/rpm/vfio-claim.spec" >"$work/build.log" 2>&1 || {
		log "rpmbuild failed; see $work/build.log"
		tail -n 20 "$work/build.log" >&2
		exit 1
	}
	;;
arch)
	stage "$work/src/$name"
	tar -C "$work/src" -czf "$work/$name.tar.gz" "$name"
	rm -rf "$work/src"
	cp "$top/packaging/arch/PKGBUILD" "$work/"
	# makepkg refuses to run as root: build as nobody in a directory that
	# nobody owns. --nodeps: the dependencies are Arch package names.
	as=
	if [ "$(id -u)" -eq 0 ]; then
		chown -R nobody:nogroup "$work"
		as="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	fi
	(cd "$work" && HOME=$work BUILDDIR=$work/makepkg PKGDEST=$work \
		SRCDEST=$work LOGDEST=$work $as makepkg --nodeps --noconfirm \
		--skipinteg -f) >"$work/build.log" 2>&1 || {
		log "makepkg failed; see $work/build.log"
		tail -n 20 "$work/build.log" >&2
		exit 1
	}
	;;
*)
	echo "usage: build.sh deb|rpm|arch VERSION BUILDDIR" >&2
	exit 2
	;;
esac
mkdir -p "$build"
for f in "$work"/*.deb "$work"/RPMS/*/*.rpm "$work"/*.pkg.tar.*; do
	[ -f "$f" ] || continue
	cp "$f" "$build/"
	echo "$build/${f##*/}"
done
log "built in $(($(date +%s) - start)) s"
