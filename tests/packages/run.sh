#!/bin/sh
# The packages as a distribution would take them: make deb (dpkg-buildpackage,
# debhelper, lintian), make rpm (rpmbuild), make arch (makepkg). Each must
# build from the checkout without changing it, hold exactly the files of its
# distribution's layout (tests/packages/*.files), and say the Makefile's
# VERSION, as must the binaries inside it.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib/testlib.sh"
. "$TOP/tests/packages/scriptlets.sh"
. "$TOP/tests/packages/buildflags.sh"
cd "$TOP" || exit 2
T=$TOP/tests/packages
WORK=$TOP/tests/out/packages
rm -rf "$WORK"
mkdir -p "$WORK"

version=$(make -s --no-print-directory version)
case $version in
[0-9]*) pass "make version: $version" ;;
*) fail "make version" "prints [$version]" ;;
esac
if o=$(sh packaging/version-check.sh "$version" 2>&1); then
	pass "version-check: changelog, RPM spec, PKGBUILD and man pages say $version"
else
	fail "version-check" "$o"
fi
# The check can fail: against another version it names every file.
if ! o=$(sh packaging/version-check.sh 99.0 2>&1) && echo "$o" | grep -q 'debian/changelog says' &&
	echo "$o" | grep -q 'packaging/rpm/vfio-claim.spec says' &&
	echo "$o" | grep -q 'packaging/arch/PKGBUILD says'; then
	pass "version-check: a version the files do not carry fails, naming each file"
else
	fail "version-check 99.0" "did not fail naming the files: $o"
fi

pkg_buildflags

# git status before and after each build: a build must not change the tree.
clean0=$(git status --porcelain 2>/dev/null)
tree_unchanged() {
	expect_eq "make $1: the checkout is unchanged" "$clean0" "$(git status --porcelain 2>/dev/null)"
}

# build KIND: make KIND; prints nothing, sets $built (the package files).
build() {
	t0=$(date +%s)
	if built=$(make -s --no-print-directory "$1" 2>"$WORK/$1.err"); then
		pass "make $1 ($(($(date +%s) - t0)) s): $(echo "$built" | sed 's|.*/||' | tr '\n' ' ')"
		tree_unchanged "$1"
		return 0
	fi
	fail "make $1" "$(tail -n 3 "$WORK/$1.err" | tr '\n' ' ')"
	return 1
}

# same_files NAME EXPECTED ACTUAL: the file lists ("MODE PATH") agree.
same_files() {
	grep -v '^#' "$2" | LC_ALL=C sort >"$WORK/$1.expected"
	LC_ALL=C sort "$3" >"$WORK/$1.actual"
	if diff -u "$WORK/$1.expected" "$WORK/$1.actual" >"$WORK/$1.diff"; then
		pass "$1: the files and modes of ${2#"$TOP"/}"
	else
		fail "$1: file list" "$(grep '^[-+][^-+]' "$WORK/$1.diff" | tr '\n' ' ') (- expected, + in the package)"
	fi
}

# versions NAME DIR: the binaries unpacked in DIR print the version.
versions() {
	for b in vfio-claim vfioctl; do
		f=$(find "$2" -path "*bin/$b" -type f | head -n 1)
		if [ -z "$f" ]; then
			fail "$1: $b --version" "no $b in the package"
			continue
		fi
		expect_eq "$1: ${f#"$2"} --version" "$b $version" "$("$f" --version 2>&1)"
	done
}

# ---- Debian
if build deb; then
	deb=$BUILD/vfio-claim_${version}_amd64.deb
	dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $1 " " $6 }' >"$WORK/deb.list"
	same_files deb "$T/deb.files" "$WORK/deb.list"
	dpkg-deb -x "$deb" "$WORK/deb.x"
	versions deb "$WORK/deb.x"
	expect_eq "deb: Version" "$version" "$(dpkg-deb -f "$deb" Version)"
	expect_eq "deb: Recommends" "initramfs-tools | dracut-core, kexec-tools" "$(dpkg-deb -f "$deb" Recommends)"
	dep=$(dpkg-deb -f "$deb" Depends)
	# From ${shlibs:Depends}: the libraries vfioctl links, with versions.
	if echo "$dep" | grep -q 'libc6 (>= ' && echo "$dep" | grep -q 'libkmod2 (>= ' &&
		echo "$dep" | grep -q 'libpci3 (>= '; then
		pass "deb: Depends from shlibs: $dep"
	else
		fail "deb: Depends" "[$dep] lacks libc6, libkmod2 or libpci3 with versions"
	fi
	mkdir -p "$WORK/deb.ctl"
	dpkg-deb -e "$deb" "$WORK/deb.ctl"
	pkg_deb_flags "$deb" "$WORK/deb.ctl"
	expect_eq "deb: the trigger asks initramfs-tools to rebuild" "activate-noawait update-initramfs" \
		"$(grep -v '^#' "$WORK/deb.ctl/triggers" 2>/dev/null)"
	expect_eq "deb: conffiles" "/etc/vfio-claim.conf" "$(cat "$WORK/deb.ctl/conffiles" 2>/dev/null)"
	if grep -l 'update-initramfs\|mkinitramfs' "$WORK/deb.ctl"/*inst "$WORK/deb.ctl"/*rm 2>/dev/null; then
		fail "deb: maintainer scripts" "one of them calls update-initramfs itself"
	else
		pass "deb: no maintainer script calls update-initramfs"
	fi
	expect_eq "deb: /etc/vfio-claim.conf is all comments" "" \
		"$(grep -v '^[[:space:]]*\(#\|$\)' "$WORK/deb.x/etc/vfio-claim.conf")"
	# lintian, as a user (it warns when run as root), on the .changes.
	chg=$(ls "$BUILD"/pkg/deb/*.changes)
	chmod -R a+rX "$BUILD/pkg/deb"
	as=
	[ "$(id -u)" -ne 0 ] || as="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	t0=$(date +%s)
	$as env HOME=/tmp lintian -I --pedantic --fail-on error,warning "$chg" >"$WORK/lintian.out" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && ! grep -q '^[EW]: ' "$WORK/lintian.out"; then
		pass "lintian -I --pedantic: no error, no warning ($(grep -c '^[IPX]: ' "$WORK/lintian.out") info/pedantic, $(($(date +%s) - t0)) s)"
	else
		fail "lintian" "exit $rc: $(grep '^[EW]: ' "$WORK/lintian.out" | head -n 3 | tr '\n' ' ')"
	fi
	# Every override has its reason in a comment right above it.
	awk '/^#/ { c = 1; next } /^$/ { c = 0; next } { if (!c) print; }' \
		debian/vfio-claim.lintian-overrides >"$WORK/overrides.bare"
	expect_eq "lintian overrides: each has a reason" "" "$(cat "$WORK/overrides.bare")"
fi

# ---- RPM
if build rpm; then
	rpmf=$(echo "$built" | grep '\.rpm$' | head -n 1)
	rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$rpmf" 2>/dev/null |
		grep -v '^d' | grep -v '/\.build-id/' >"$WORK/rpm.list"
	same_files rpm "$T/rpm.files" "$WORK/rpm.list"
	expect_eq "rpm: Version" "$version" "$(rpm -qp --qf '%{VERSION}' "$rpmf" 2>/dev/null)"
	expect_eq "rpm: /etc/vfio-claim.conf is %config(noreplace)" "cn /etc/vfio-claim.conf" \
		"$(rpm -qp --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' "$rpmf" 2>/dev/null | grep /etc/)"
	mkdir -p "$WORK/rpm.x"
	(cd "$WORK/rpm.x" && rpm2cpio "$rpmf" | cpio -idm --quiet)
	versions rpm "$WORK/rpm.x"
	pkg_rpm_scriptlets "$rpmf"
	pkg_space_in_path "$version"
fi

# ---- Arch
if build arch; then
	pkg=$(echo "$built" | grep '\.pkg\.tar' | head -n 1)
	bsdtar -tvf "$pkg" | awk '$1 !~ /^d/ && $9 !~ /^\./ { print $1 " /" $9 }' >"$WORK/arch.list"
	same_files arch "$T/arch.files" "$WORK/arch.list"
	mkdir -p "$WORK/arch.x"
	bsdtar -xf "$pkg" -C "$WORK/arch.x"
	expect_eq "arch: pkgver" "$version-1" "$(sed -n 's/^pkgver = //p' "$WORK/arch.x/.PKGINFO")"
	expect_eq "arch: backup keeps the config" "etc/vfio-claim.conf" \
		"$(sed -n 's/^backup = //p' "$WORK/arch.x/.PKGINFO")"
	versions arch "$WORK/arch.x"
	pkg_arch_rebuild "$pkg"
fi
