#!/bin/sh
# Sourced by tests/packages/run.sh (WORK, expect_eq, pass, fail): what the
# packages do when installed, upgraded and removed (issue 24 item 3).

# pkg_rpm_scriptlets RPM: runs each scriptlet of RPM as rpm does (/bin/sh
# SCRIPT $1; $1 is the number of instances left: 1 install, 2 upgrade, 0
# erase), with a fake dracut (which fails, as with a broken module tree)
# and a fake systemctl first on PATH, never the host's. Each must exit 0
# (a failing scriptlet fails the transaction), and call what it should.
pkg_rpm_scriptlets() {
	fb=$WORK/fakebin
	mkdir -p "$fb"
	printf '#!/bin/sh\necho "dracut $*" >>"%s"\nexit 1\n' "$WORK/calls" >"$fb/dracut"
	printf '#!/bin/sh\necho "systemctl $*" >>"%s"\n' "$WORK/calls" >"$fb/systemctl"
	chmod +x "$fb/dracut" "$fb/systemctl"
	rebuild="dracut --regenerate-all --force --quiet"
	warn="vfio-claim: 'dracut --regenerate-all --force' failed; run it again before rebooting"
	units="vfio-claim.service vfio-verify.service vfio-nfd.service vfio-nfd.timer"
	# WHEN TAG ARG EXPECTED: EXPECTED is "rc|calls|stderr".
	while IFS='|' read -r when tag arg want; do
		rpm -qp --qf "%{$tag}" "$1" >"$WORK/scriptlet" 2>/dev/null
		# No such scriptlet: rpm prints "(none)"; run nothing.
		[ "$(cat "$WORK/scriptlet")" = "(none)" ] && : >"$WORK/scriptlet"
		: >"$WORK/calls"
		PATH=$fb:/usr/sbin:/usr/bin:/sbin:/bin sh "$WORK/scriptlet" ${arg:+"$arg"} \
			>/dev/null 2>"$WORK/scriptlet.err"
		rc=$?
		expect_eq "rpm: %$(echo "$tag" | tr '[:upper:]' '[:lower:]') on $when" "$want" \
			"$rc|$(tr '\n' ';' <"$WORK/calls")|$(tr '\n' ';' <"$WORK/scriptlet.err")"
	done <<-EOF
		install|POSTIN|1|0|systemctl --no-reload preset $units;|
		upgrade|POSTIN|2|0||
		erase|PREUN|0|0|systemctl --no-reload disable --now $units;|
		upgrade (units not stopped)|PREUN|1|0||
		upgrade (no rebuild: posttrans does it once)|POSTUN|1|0|systemctl daemon-reload;|
		erase (images rebuilt without us)|POSTUN|0|0|$rebuild;|$warn;
		install or upgrade|POSTTRANS||0|$rebuild;|$warn;
	EOF
}

# pkg_arch_rebuild PKG: the Arch package has no install script; pacman's
# mkinitcpio hook (mkinitcpio's libalpm/hooks/90-mkinitcpio-install.hook:
# Type = Path, Operation = Install, Upgrade, Remove, Target =
# usr/lib/initcpio/*) rebuilds the images when a package installs,
# upgrades or removes files there, as ours does.
pkg_arch_rebuild() {
	n="arch: the images are rebuilt by pacman's mkinitcpio hook (usr/lib/initcpio/*)"
	files=$(bsdtar -tf "$1" | grep -c '^usr/lib/initcpio/.*[^/]$')
	inst=$(bsdtar -tf "$1" | grep -c '^\.INSTALL$')
	expect_eq "$n" "3 files under usr/lib/initcpio, 0 .INSTALL" \
		"$files files under usr/lib/initcpio, $inst .INSTALL"
}
