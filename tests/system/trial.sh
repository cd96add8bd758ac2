# shellcheck shell=sh disable=SC2154 # kver, secsN: set by run.sh
# 'vfioctl reserve --try' on the real Debian system, sourced by
# tests/system/run.sh once boot 3 (stage 3, then its trial 3t) is done:
#   scenario 2: boot 3 tried 00:04.0 with a window of $TRIAL_WINDOW s and
#     nobody confirmed: the trial's countdown rebooted the host through the
#     firmware (which ends QEMU: -no-reboot); boot 4 is the old system;
#   scenario 1: boot 4 tries 00:04.0 with the default window, its trial
#     (4t) confirms, and boot 5, a cold boot, still has it.

# conf_sha STAGE, tryout STAGE, console N: what the guest reported.
conf_sha() { rep "$1" | sed -n "s/^PROOF stage=$1 conf-sha //p"; }
tryout() { rep "$1" | sed -n "s/^PROOF stage=$1 out try: //p"; }
console() { tr -d '\r' <"$WORK/boot$1.console"; }
# has NAME TEXT CMD...: CMD's output has the line TEXT (fixed string).
has() {
	n=$1 want=$2
	shift 2
	if "$@" | grep -qF -- "$want"; then
		pass "$n"
	else
		fail "$n" "no [$want] in: $("$@" | tail -n 4 | tr '\n' '~')"
	fi
}
G=1b36:000d@0000:00:04.0

# ---- scenario 2: the unconfirmed trial
has "trial 2: reserve --try says what happens" \
	"trial: vfio.devices=$G, for one boot; nothing is written" tryout 3
has "trial 2: reserve --try names the window" \
	"within $((TRIAL_WINDOW / 60)) min $((TRIAL_WINDOW % 60)) s of that boot, run 'vfioctl confirm'" tryout 3
has "trial 2: kexec_file_load of the running kernel" \
	"booting now: kexec -s /boot/vmlinuz-$kver --initrd=/boot/initrd.img-$kver" tryout 3
has "trial 2: the kernel kexec'd" "kexec_core: Starting new kernel" console 3
has "trial 2: the trial kernel's command line" \
	"vfio.devices=$G vfio.trial=$TRIAL_WINDOW panic=10 rd.shell=0 rd.emergency=reboot" \
	rep 3t
expect_eq "trial 2: 00:04.0 on vfio-pci in the trial" vfio-pci "$(drv 3t 00:04.0)"
expect_eq "trial 2: its twin 00:05.0 stays on xhci_hcd" xhci_hcd "$(drv 3t 00:05.0)"
has "trial 2: verify says it is a trial boot and the time left" \
	"trial boot: vfio.devices=$G is on trial:" outof 3t verify
expect_eq "trial 2: vfio-trial.service runs" active "$(outof 3t trialunit)"
expect_eq "trial 2: the trial wrote nothing" "$(conf_sha 3)" "$(conf_sha 3t)"
has "trial 2: the countdown logged to the kernel log" \
	"vfioctl: trial not confirmed within $TRIAL_WINDOW s: rebooting through the firmware" \
	console 3
has "trial 2: a firmware reboot, not a poweroff" \
	"reboot: Restarting system" console 3
expect_eq "trial 2: one kexec (the trial's), not a second at the reboot" 1 \
	"$(console 3 | grep -c 'systemd-shutdown\[1\]: Rebooting with kexec')"
expect_eq "trial 2: the guest did not outlive the window" "" \
	"$(rep 3t | grep 'still up after the window')"

boot 4 4t
expect_eq "trial 2: after the reboot 00:04.0 is back on xhci_hcd" xhci_hcd "$(drv 4 00:04.0)"
expect_eq "trial 2: after the reboot no trial marker" "" \
	"$(rep 4 | grep '^PROOF stage=4 cmdline .*vfio\.trial')"
expect_eq "trial 2: /etc/vfio-claim.conf byte-identical" "$(conf_sha 3)" "$(conf_sha 4)"
note "scenario 2 (unconfirmed trial, window $TRIAL_WINDOW s): boot 3 with its trial ${secs3} s"

# ---- scenario 1: the confirmed trial (boot 4's stage 4, then 4t)
has "trial 1: reserve --try with the default window" \
	"within 10 min 0 s of that boot" tryout 4
expect_eq "trial 1: 00:04.0 on vfio-pci in the trial" vfio-pci "$(drv 4t 00:04.0)"
expect_eq "trial 1: its twin 00:05.0 stays on xhci_hcd" xhci_hcd "$(drv 4t 00:05.0)"
expect_eq "trial 1: vfio-trial.service counts down" active "$(outof 4t trialunit)"
if [ "$(rcof 4t confirm)" = 0 ]; then
	pass "trial 1: vfioctl confirm exits 0"
else
	fail "trial 1: vfioctl confirm" "exit $(rcof 4t confirm): $(outof 4t confirm | tr '\n' ' ')"
fi
has "trial 1: confirm says what it kept" \
	"trial confirmed: vfio.devices=$G is in /etc/vfio-claim.conf and the initramfs; the countdown stopped" \
	outof 4t confirm
expect_eq "trial 1: the countdown stopped" inactive "$(outof 4t trialunit-after)"
has "trial 1: verify says the trial is confirmed" \
	"trial boot: vfio.devices=$G, confirmed" outof 4t verify-after
expect_eq "trial 1: no reboot by the countdown" "" \
	"$(console 4 | grep 'trial not confirmed')"

boot 5
expect_eq "trial 1: cold boot: 00:04.0 still on vfio-pci" vfio-pci "$(drv 5 00:04.0)"
expect_eq "trial 1: cold boot: 00:05.0 on xhci_hcd" xhci_hcd "$(drv 5 00:05.0)"
conf5=$(outof 5 conf | grep -v '^[[:space:]]*#' | grep 'devices')
if echo "$conf5" | grep -Eq "^ *devices *= *$G *\$"; then
	pass "trial 1: cold boot: /etc/vfio-claim.conf names it ($conf5)"
else
	fail "trial 1: cold boot: /etc/vfio-claim.conf" "devices line is [$conf5]"
fi
has "trial 1: cold boot: verify ready" "ready: 1 of 1 devices ready" outof 5 verify
note "scenario 1 (confirmed trial): boot 4 with its trial ${secs4} s, then the cold boot 5"

# ---- scenario 3: a trial that takes the root disk's controller (boot 5,
# after its checks): refused without --force, as reserve refuses it; with
# it, the trial's initramfs finds no root and reboots (panic=10).
has "trial 3: --force reserves the root disk's controller for the trial" \
	"booting now: kexec -s" tryout 5
has "trial 3: the trial's initramfs gave up on its root" \
	"Rebooting automatically due to panic= boot argument" console 5
has "trial 3: and rebooted through the firmware" "reboot: Restarting system" console 5
boot 6
expect_eq "trial 3: the next boot has its root disk on virtio-pci" virtio-pci "$(drv 6 00:06.0)"
expect_eq "trial 3: 00:04.0 still reserved" vfio-pci "$(drv 6 00:04.0)"
expect_eq "trial 3: /etc/vfio-claim.conf byte-identical" "$(conf_sha 5)" "$(conf_sha 6)"
note "scenario 3 (root disk's controller): boot 5 with its trial ${secs5} s, boot 6 ${secs6} s"
