#!/bin/sh
# Sourced by tests/packages/run.sh (TOP, WORK, BUILD, expect_eq, pass, fail):
# a distribution's build flags and directories reach what we build
# (issue 24 item 7).

# pkg_buildflags: the early binary built with Debian's hardening flags and
# the ones Debian 13 adds (-fstack-clash-protection, -fcf-protection),
# in a build directory of its own.
pkg_buildflags() {
	b=$WORK/flags
	cflags="$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CFLAGS) -fstack-clash-protection -fcf-protection"
	cppflags=$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CPPFLAGS)
	ldflags=$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get LDFLAGS)
	budget=$(sed -n 's/^SIZE_BUDGET *?= *//p' "$TOP/Makefile")
	# Unstripped (EARLY_STRIP=, as debian/rules builds it for dh_strip and
	# DEB_BUILD_OPTIONS=nostrip): gcc records the code generation flags in
	# the debug info (DW_AT_producer).
	n="early binary: CFLAGS reach it, -fstack-protector* left out (klibc has no __stack_chk_fail)"
	if o=$(make -s -C "$TOP" BUILD="$b/nostrip" "$b/nostrip/vfio-claim" CFLAGS="$cflags" \
		CPPFLAGS="$cppflags" LDFLAGS="$ldflags" EARLY_STRIP= 2>&1); then
		prod=$(readelf --debug-dump=info "$b/nostrip/vfio-claim" 2>/dev/null |
			grep -m 1 'DW_AT_producer.*GNU C' | sed 's/.*: //')
		why=
		for f in -fstack-clash-protection -fcf-protection -fno-asynchronous-unwind-tables; do
			case $prod in *" $f"*) ;; *) why="$why no $f;" ;; esac
		done
		case $prod in *-fstack-protector*) why="$why $(echo "$prod" | grep -o -- '-fstack-protector[^ ]*');" ;; esac
		readelf -S "$b/nostrip/vfio-claim" | grep -q '\.symtab' || why="$why stripped although EARLY_STRIP= (nostrip);"
		expect_eq "$n" "" "$why"
	else
		fail "$n" "the build failed: $(echo "$o" | grep -m 2 'error\|undefined' | tr '\n' ' ')"
	fi
	n="early binary: with those flags, stripped, within the budget of $budget bytes"
	if make -s -C "$TOP" BUILD="$b/strip" "$b/strip/vfio-claim" CFLAGS="$cflags" \
		CPPFLAGS="$cppflags" LDFLAGS="$ldflags" >/dev/null 2>&1; then
		size=$(wc -c <"$b/strip/vfio-claim")
		if [ "$size" -le "$budget" ]; then
			pass "$n"
		else
			fail "$n" "$size bytes"
		fi
		echo "# early binary with Debian 13's hardening flags: $size bytes (budget $budget)"
	else
		fail "$n" "the build failed"
	fi
	rm -rf "$b"

	# debian/rules takes the unit directory from pkg-config (Debian 13:
	# /usr/lib/systemd/system), here from a pkg-config that says so.
	n="debian/rules: the unit directory from pkg-config systemd"
	mkdir -p "$WORK/pc"
	printf '#!/bin/sh\n[ "$*" = "--variable=systemdsystemunitdir systemd" ] && echo /usr/lib/systemd/system\n' \
		>"$WORK/pc/pkg-config"
	chmod +x "$WORK/pc/pkg-config"
	o=$(cd "$TOP" && PATH=$WORK/pc:$PATH make -n -f debian/rules override_dh_auto_install \
		override_dh_install 2>&1 | tr '\n' ' ')
	why=
	echo "$o" | grep -q 'make.* install .*SYSTEMDUNITDIR=/usr/lib/systemd/system ' ||
		why="$why make install is not given it: $(echo "$o" | grep -o 'install DESTDIR.*' | cut -c 1-160);"
	echo "$o" | grep -q 'dh_install --autodest usr/lib/systemd/system/vfio-claim.service' ||
		why="$why dh_install does not pick the units there;"
	expect_eq "$n" "" "$why"
}

# pkg_deb_flags DEB CTLDIR: Built-Using for the static binary, and the
# units neither stopped nor restarted by an upgrade.
pkg_deb_flags() {
	expect_eq "deb: Built-Using names the klibc it was linked with (Policy 7.8)" \
		"$(dpkg-query -f '${source:Package} (= ${source:Version})' -W libklibc-dev)" \
		"$(dpkg-deb -f "$1" Built-Using)"
	# vfio-verify's verdict is about the boot; vfio-claim.service never
	# runs on the host.
	expect_eq "deb: an upgrade neither stops nor restarts the units" "" \
		"$(grep -l 'deb-systemd-invoke' "$2"/preinst "$2"/postinst "$2"/prerm 2>/dev/null)"
}

# pkg_space_in_path: make rpm from a copy of the checkout whose path has a
# space (before: rpmbuild's %prep split the _topdir, and the loop over the
# packages split their paths).
pkg_space_in_path() {
	n="make rpm in a checkout whose path has a space"
	# Outside the checkout: build.sh stages what git lists, and inside
	# tests/out (ignored) git lists nothing.
	sp=$(mktemp -d "${TMPDIR:-/tmp}/vfio-claim with space.XXXXXX")
	d=$sp/vfio-claim
	mkdir -p "$d"
	(cd "$TOP" && git ls-files --cached --others --exclude-standard | tar -cf - -T -) |
		tar -xf - -C "$d"
	t0=$(date +%s)
	if o=$(make -s -C "$d" rpm 2>&1) && [ -f "$d/build/vfio-claim-$1-1.x86_64.rpm" ]; then
		expect_eq "$n" "$d/build/vfio-claim-$1-1.x86_64.rpm" "$(echo "$o" | grep '\.rpm$')"
	else
		fail "$n" "$(echo "$o" | tail -n 3 | tr '\n' ' ')"
	fi
	echo "# $n: $(($(date +%s) - t0)) s"
	rm -rf "$sp"
}
