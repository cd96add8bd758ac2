# shellcheck shell=sh
# reserve --try, confirm, confirm --reject and confirm --countdown on fake
# hosts (gen_host's, plus what a trial needs): fake kexec and systemctl in
# the fake root's usr/sbin log their arguments, so no test runs the real
# kexec or reboots anything. Sourced by tests/vfioctl/run.sh.

TRIAL_KVER=6.1.0-99-amd64

# trial_host NAME: gen_host NAME initramfs-tools plus a running systemd,
# the unit, the kernel and initramfs of the running release, a kernel
# config with both kexec calls, uptime 100 s, a kmsg file, and the fakes.
# FAKE_KEXEC_RC: kexec's exit status (0).
trial_host() {
	gen_host "$1" initramfs-tools
	mkdir -p "$R/run/systemd/system" "$R/lib/systemd/system" "$R/boot" \
		"$R/proc/sys/kernel" "$R/usr/bin" "$R/run/vfio-claim"
	: >"$R/lib/systemd/system/vfio-trial.service"
	echo "$TRIAL_KVER" >"$R/proc/sys/kernel/osrelease"
	echo 0 >"$R/proc/sys/kernel/kexec_load_disabled"
	echo "100.25 180.50" >"$R/proc/uptime"
	: >"$R/boot/vmlinuz-$TRIAL_KVER"
	: >"$R/boot/initrd.img-$TRIAL_KVER"
	printf 'CONFIG_KEXEC=y\nCONFIG_KEXEC_FILE=y\n' >"$R/boot/config-$TRIAL_KVER"
	: >"$R/dev/kmsg"
	{
		echo '#!/bin/sh'
		echo "echo \"kexec \$*\" >>\"$R/kexec.log\""
		# shellcheck disable=SC2016 # expands in the fake
		echo 'exit "${FAKE_KEXEC_RC:-0}"'
	} >"$R/usr/sbin/kexec"
	{
		echo '#!/bin/sh'
		echo "echo \"systemctl \$*\" >>\"$R/kexec.log\""
	} >"$R/usr/bin/systemctl"
	chmod +x "$R/usr/sbin/kexec" "$R/usr/bin/systemctl"
}

# trial_boot NAME VALUE [UPTIME]: the host as the trial boot sees it.
trial_boot() {
	echo "quiet intel_iommu=on vfio.devices=$2 vfio.trial=600 panic=10 rd.shell=0 rd.emergency=reboot" \
		>"$F/$1/proc/cmdline"
	echo "${3:-100}.25 1.00" >"$F/$1/proc/uptime"
}

trial_suite() {
	X=$1 s=$2
	F=$OUT/fx
	# shellcheck disable=SC2317 # called by check
	g() {
		r=$1
		shift
		"$X" --root "$F/$r" "$@"
	}
	klog() { cat "$F/$1/kexec.log" 2>/dev/null; }
	V='0000:00:14.0,10de:1b80@0000:0b:00.0,10de:10f0@0000:0b:00.1'

	# The trial: checks as reserve does, writes nothing, loads the
	# running kernel with the value and the marker, then systemctl kexec.
	trial_host try
	before=$(tree_sum "$F/try")
	check "trial-try$s" 0 \
		"trial: vfio.devices=$V, for one boot; nothing is written|booting now: kexec -s /boot/vmlinuz-$TRIAL_KVER --initrd=/boot/initrd.img-$TRIAL_KVER|command line: quiet intel_iommu=on vfio.devices=$V vfio.trial=600 panic=10 rd.shell=0 rd.emergency=reboot|within 10 min 0 s of that boot" \
		g try reserve --try 0b:00
	expect_eq "trial-try-kexec$s" \
		"kexec -s -l $F/try/boot/vmlinuz-$TRIAL_KVER --initrd=$F/try/boot/initrd.img-$TRIAL_KVER --append=quiet intel_iommu=on vfio.devices=$V vfio.trial=600 panic=10 rd.shell=0 rd.emergency=reboot~systemctl kexec~" \
		"$(klog try | tr '\n' '~')"
	rm -f "$F/try/kexec.log"
	expect_eq "trial-try-writes-nothing$s" "$before" "$(tree_sum "$F/try")"

	# The same verdicts as reserve: a device the host uses is refused.
	trial_host try-busy
	before=$(tree_sum "$F/try-busy")
	check "trial-try-refused$s" 1 "reserve: nothing changed in" \
		g try-busy reserve --try 0b:00 00:1f.7
	expect_eq "trial-try-refused-no-kexec$s" "$before" "$(tree_sum "$F/try-busy")"

	# --within: the marker's value, with the same code path.
	rm -f "$F/try/kexec.log"
	check "trial-within$s" 0 "vfio.trial=150 panic=10|within 2 min 30 s of that boot" \
		g try reserve --try --within 150s 0b:00
	rm -f "$F/try/kexec.log"
	check "trial-within-0$s" 2 "--within '0': want a duration from 60 s to 24 h" \
		g try reserve --try --within 0 0b:00
	check "trial-within-99999h$s" 2 "--within '99999h': want a duration" \
		g try reserve --try --within 99999h 0b:00
	check "trial-within-without-try$s" 2 "--within goes with --try" \
		g try reserve --within 5m 0b:00
	expect_eq "trial-within-errors-no-kexec$s" "" "$(klog try)"

	# --dry-run: what would happen, nothing run.
	check "trial-dry-run$s" 0 "would boot: kexec -s" \
		g try reserve --try --dry-run 0b:00
	expect_eq "trial-dry-run-no-kexec$s" "" "$(klog try)"

	# Arguments after a bare -- go to init: ours go before it.
	echo "ro quiet -- single" >"$F/try/proc/cmdline"
	check "trial-before-init-args$s" 0 \
		"command line: ro quiet vfio.devices=$V vfio.trial=600 panic=10 rd.shell=0 rd.emergency=reboot -- single" \
		g try reserve --try 0b:00
	rm -f "$F/try/kexec.log"
	echo "quiet intel_iommu=on" >"$F/try/proc/cmdline"

	# Where kexec cannot run: one line naming the cause, and the way that
	# works there; nothing changed.
	trial_host nokexec
	rm "$R/usr/sbin/kexec"
	before=$(tree_sum "$R")
	check "trial-no-kexec$s" 1 \
		"kexec is not installed (kexec-tools)|grub-reboot ENTRY|bootctl set-oneshot ENTRY" \
		g nokexec reserve --try 0b:00
	expect_eq "trial-no-kexec-nothing$s" "$before" "$(tree_sum "$F/nokexec")"
	trial_host disabled
	echo 1 >"$R/proc/sys/kernel/kexec_load_disabled"
	check "trial-kexec-disabled$s" 1 "kernel.kexec_load_disabled is 1" \
		g disabled reserve --try 0b:00
	expect_eq "trial-kexec-disabled-no-kexec$s" "" "$(klog disabled)"
	trial_host lockdown
	mkdir -p "$R/sys/kernel/security"
	echo "none [integrity] confidentiality" >"$R/sys/kernel/security/lockdown"
	printf 'CONFIG_KEXEC=y\n# CONFIG_KEXEC_FILE is not set\n' \
		>"$R/boot/config-$TRIAL_KVER"
	check "trial-lockdown-no-kexec-file$s" 1 \
		"only kexec_load (CONFIG_KEXEC_FILE is not set), which the kernel's lockdown refuses" \
		g lockdown reserve --try 0b:00
	printf 'CONFIG_KEXEC=y\nCONFIG_KEXEC_FILE=y\n' >"$R/boot/config-$TRIAL_KVER"
	check "trial-lockdown-signed$s" 0 \
		"kexec -s|the kernel is locked down (integrity): only a kernel signed with a trusted key boots" \
		g lockdown reserve --try 0b:00
	trial_host oldkexec
	printf 'CONFIG_KEXEC=y\n# CONFIG_KEXEC_FILE is not set\n' \
		>"$R/boot/config-$TRIAL_KVER"
	check "trial-kexec-load-only$s" 0 "booting now: kexec -c" \
		g oldkexec reserve --try 0b:00
	trial_host nosystemd
	rm -r "$R/run/systemd"
	check "trial-no-systemd$s" 1 "this host does not run systemd" \
		g nosystemd reserve --try 0b:00
	trial_host nounit
	rm "$R/lib/systemd/system/vfio-trial.service"
	check "trial-no-unit$s" 1 "vfio-trial.service is not installed" \
		g nounit reserve --try 0b:00
	trial_host noinitrd
	rm "$R/boot/initrd.img-$TRIAL_KVER"
	check "trial-no-initrd$s" 1 "no initramfs for the running kernel $TRIAL_KVER" \
		g noinitrd reserve --try 0b:00

	# A kexec load that fails: one line, no systemctl kexec, nothing changed.
	trial_host loadfail
	before=$(tree_sum "$R")
	FAKE_KEXEC_RC=1
	export FAKE_KEXEC_RC
	check "trial-load-fails$s" 1 \
		"kexec could not load /boot/vmlinuz-$TRIAL_KVER; nothing changed" \
		g loadfail reserve --try 0b:00
	unset FAKE_KEXEC_RC
	expect_eq "trial-load-fails-no-reboot$s" "kexec -s -l" "$(klog loadfail | cut -d' ' -f1-3)"
	rm -f "$F/loadfail/kexec.log"
	expect_eq "trial-load-fails-nothing$s" "$before" "$(tree_sum "$F/loadfail")"

	# confirm outside a trial.
	check "confirm-no-trial$s" 1 "this boot is not a trial (no vfio.trial=" \
		g try confirm

	# In the trial boot: a second --try is refused, confirm keeps it.
	trial_host tb
	trial_boot tb "$V"
	check "trial-second-try$s" 1 "--try: this boot is a trial (vfio.devices=$V, 8 min 20 s left)" \
		g tb reserve --try 00:14.0
	expect_eq "trial-second-try-no-kexec$s" "" "$(klog tb)"
	# verify says it is a trial boot and how long is left, in each format.
	check "verify-trial$s" 1 \
		"trial boot: vfio.devices=$V is on trial: 8 min 20 s left to run 'vfioctl confirm'" \
		g tb verify
	jcheck "verify-trial-json$s" 1 \
		".host.trial == {\"state\": \"open\", \"devices\": \"$V\", \"window\": 600, \"seconds_left\": 500}" \
		g tb verify --json
	promcheck "verify-trial-prometheus$s" 1 g tb verify --format prometheus
	expect_eq "verify-trial-prometheus-left$s" "vfioctl_trial_boot 1~vfioctl_trial_seconds_left 500~" \
		"$(grep '^vfioctl_trial' "$OUT/prom" | tr '\n' '~')"
	check "confirm$s" 0 "trial confirmed: vfio.devices=$V is in $F/tb/etc/vfio-claim.conf" \
		g tb confirm
	check "verify-trial-confirmed$s" 1 "trial boot: vfio.devices=$V, confirmed" \
		g tb verify
	expect_eq "confirm-writes$s" "devices = $V  # the USB controller" \
		"$(grep '^devices' "$F/tb/etc/vfio-claim.conf")"
	expect_eq "confirm-rebuilds$s" "update-initramfs -u -k all" "$(cat "$F/tb/gen.log")"
	expect_eq "confirm-state$s" confirmed "$(cat "$F/tb/run/vfio-claim/trial")"
	expect_eq "confirm-kmsg$s" "<5>vfioctl: trial confirmed: vfio.devices=$V is in $F/tb/etc/vfio-claim.conf and the initramfs; the countdown stopped" \
		"$(cat "$F/tb/dev/kmsg")"
	check "confirm-again$s" 0 "is confirmed already" g tb confirm
	check "confirm-reject-confirmed$s" 1 "this trial is confirmed already; 'vfioctl release' undoes it" \
		g tb confirm --reject
	check "countdown-confirmed$s" 0 "trial confirmed: the countdown stopped" \
		g tb confirm --countdown
	expect_eq "confirm-never-reboots$s" "" "$(klog tb)"

	# A confirm whose rebuild fails: not confirmed, the countdown goes on.
	trial_host tbfail
	trial_boot tbfail "$V"
	before=$(cat "$R/etc/vfio-claim.conf")
	FAKE_GEN_RC=1 FAKE_GEN_IF=0b:00
	export FAKE_GEN_RC FAKE_GEN_IF
	check "confirm-rebuild-fails$s" 1 \
		"confirm: not confirmed; the countdown goes on (8 min 20 s left)" \
		g tbfail confirm
	unset FAKE_GEN_RC FAKE_GEN_IF
	expect_eq "confirm-rebuild-fails-file$s" "$before" "$(cat "$F/tbfail/etc/vfio-claim.conf")"
	expect_eq "confirm-rebuild-fails-state$s" "" "$(cat "$F/tbfail/run/vfio-claim/trial" 2>/dev/null)"

	# The window is over: too late to confirm; the countdown reboots.
	trial_boot tbfail "$V" 700
	check "confirm-too-late$s" 1 "the trial's window of 600 s is over" \
		g tbfail confirm
	check "countdown-reboots$s" 0 \
		"trial boot: vfio.devices=$V; the host reboots in 0 s unless 'vfioctl confirm' runs|trial boot: vfioctl verify:|trial not confirmed within 600 s: rebooting through the firmware" \
		g tbfail confirm --countdown
	expect_eq "countdown-reboot-is-firmware$s" "systemctl reboot" "$(klog tbfail)"
	rm -f "$F/tbfail/kexec.log"
	expect_eq "countdown-kmsg$s" "3" "$(grep -c '^<5>vfioctl: trial' "$F/tbfail/dev/kmsg")"

	# confirm --reject: a firmware reboot now.
	trial_boot tbfail "$V"
	check "confirm-reject$s" 0 "trial rejected: rebooting through the firmware" \
		g tbfail confirm --reject
	expect_eq "confirm-reject-reboots$s" "systemctl reboot" "$(klog tbfail)"
	check "confirm-reject-countdown$s" 2 "--reject or --countdown, not both" \
		g tbfail confirm --reject --countdown

	# release --try: the same trial with the value after the release.
	trial_host rel
	check "release-try$s" 0 "vfio.devices=none vfio.trial=600" \
		g rel release --try 00:14.0
	trial_boot rel none
	check "confirm-release$s" 0 "trial confirmed: vfio.devices=none" g rel confirm
	expect_eq "confirm-release-writes$s" "devices =   # the USB controller" \
		"$(grep '^devices' "$F/rel/etc/vfio-claim.conf")"

	# Over SSH, reserve says that --try exists.
	trial_host ssh
	SSH_CONNECTION="192.0.2.1 50000 192.0.2.2 22"
	export SSH_CONNECTION
	check "reserve-ssh-hint$s" 0 \
		"note: over SSH, a device the host needs locks you out at the next boot; 'vfioctl reserve --try' boots it once" \
		g ssh reserve 0b:00
	unset SSH_CONNECTION
}

# Bash completion of the trial: confirm, and --try/--within after
# reserve and release only (the rule of 'vfioctl VERB --help').
trial_completion() {
	comp() {
		# shellcheck disable=SC2016 # expanded by bash
		bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
			_vfioctl; echo "${COMPREPLY[*]}"' _ "$TOP/completion/vfioctl" "$@"
	}
	expect_eq completion-confirm "confirm" "$(comp vfioctl con)"
	expect_eq completion-reserve-try "--try" "$(comp vfioctl reserve --tr)"
	expect_eq completion-release-within "--within" "$(comp vfioctl release --wi)"
	expect_eq completion-confirm-reject "--reject" "$(comp vfioctl confirm --re)"
	expect_eq completion-verify-no-try "" "$(comp vfioctl verify --tr)"
	expect_eq completion-within-value "10m" "$(comp vfioctl reserve --try --within 10)"
}
