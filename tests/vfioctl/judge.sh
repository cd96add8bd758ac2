# shellcheck shell=sh
# One judgment, many renderings (issue 17): every verb gives the same
# verdict for the same device. Sourced by tests/vfioctl/run.sh, which
# calls judge_suite once every fixture is built; uses its fx_host, fail,
# pass and expect_eq.
#
# For each fake host under $OUT/fx (the suite's fixtures, and each spec in
# tests/vfioctl/hosts/, however many there are), and for each device in it
# that the boot's own rules would claim (plan names no other refusal),
# the verdict of plan, bind --dry-run, reserve --dry-run, verify, groups
# --json and qemu-args, each read from what the verb prints to a user:
#   host-uses          the host uses it ('... would take it from the
#                      host' from the verbs that claim, 'the host uses
#                      it (...)' from the others)
#   direct-mapped      its group needs a 1:1 mapping ('1:1 IOMMU mapping')
#   blocked-by:A,B,    group members on host drivers ('also holds A [..]
#                      on DRIVER'; groups --json: "blocks")
#   claimable          none of these
# and judge-verbs-agree-HOST fails when one verb differs from plan's.

# jv_word TEXT: the verdict a verb's output says.
jv_word() {
	if printf '%s\n' "$1" | grep -q -e 'would take it from the host' \
		-e 'the host uses it ('; then
		echo host-uses
	elif printf '%s\n' "$1" | grep -q '1:1 IOMMU mapping'; then
		echo direct-mapped
	else
		jv_g=$(printf '%s\n' "$1" |
			grep -o 'also holds [0-9a-f:.]* \[[0-9a-f]*:[0-9a-f]*\] on ' |
			awk '{ print $3 }' | sort -u | tr '\n' ,)
		if [ -n "$jv_g" ]; then
			echo "blocked-by:$jv_g"
		else
			echo claimable
		fi
	fi
}

# jv_groups ROOT ADDR: the verdict groups --json gives.
jv_groups() {
	"$JX" --root "$1" groups --json 2>/dev/null | jq -r --arg a "$2" '
		[.groups[] | select(any(.devices[]; .address == $a))][0] as $g
		| if $g == null then "claimable"
		  elif any($g.devices[]; .address == $a and .host_uses != null)
		  then "host-uses"
		  elif $g.direct != null then "direct-mapped"
		  else ([$g.devices[] | select(.address != $a and .blocks)
			 | .address] | sort | join(",")) as $b
		  | if $b == "" then "claimable" else "blocked-by:" + $b + "," end
		  end'
}

# jv_host ROOT: one line per device, "ADDR plan=W bind=W ...".
jv_host() {
	for jv_d in "$1"/sys/bus/pci/devices/*; do
		[ -e "$jv_d" ] || continue
		a=${jv_d##*/}
		case $(cat "$jv_d/class" 2>/dev/null) in 0x0604*) continue ;; esac
		p=$("$JX" --root "$1" plan "$a" 2>&1)
		pl=$(printf '%s\n' "$p" | grep "^plan $a ")
		# The boot's other refusals (no group, SR-IOV, ...): not ours.
		case $pl in
		*action=refuse*--force*) ;;
		*action=refuse* | *action=veto* | "") continue ;;
		esac
		w_plan=$(jv_word "$p")
		w_bind=$(jv_word "$("$JX" --root "$1" bind --dry-run "$a" 2>&1)")
		w_res=$(jv_word "$("$JX" --root "$1" reserve --dry-run \
			--no-rebuild "$a" 2>&1)")
		w_ver=$(jv_word "$("$JX" --root "$1" verify "$a" 2>&1)")
		w_grp=$(jv_groups "$1" "$a")
		w_qa=$(jv_word "$("$JX" --root "$1" qemu-args "$a" 2>&1)")
		echo "$a plan=$w_plan bind=$w_bind reserve=$w_res verify=$w_ver groups=$w_grp qemu-args=$w_qa"
	done
}

# judge_suite VFIOCTL SUFFIX
judge_suite() {
	JX=$1
	if ! command -v jq >/dev/null 2>&1; then
		skip "judge-verbs-agree$2" "no jq"
		return 0
	fi
	# Every real-host spec there is, as a fake host of its own.
	for jv_spec in "$HERE"/hosts/*.spec; do
		[ -e "$jv_spec" ] || continue
		jv_n=${jv_spec##*/}
		jv_n=judge-${jv_n%.spec}$2
		rm -rf "$OUT/fx/$jv_n"
		fx_host "$jv_n" "$jv_spec"
	done
	jv_hosts=0 jv_devs=0
	for jv_r in "$OUT"/fx/*/; do
		jv_r=${jv_r%/}
		jv_h=${jv_r##*/}
		case $jv_h in *.asan) continue ;; esac
		[ -d "$jv_r/sys/bus/pci/devices" ] || continue
		jv_out=$(jv_host "$jv_r")
		printf '%s\n' "$jv_out" >"$OUT/judge-$jv_h$2.txt"
		jv_hosts=$((jv_hosts + 1))
		jv_devs=$((jv_devs + $(printf '%s' "$jv_out" | grep -c .)))
		# The lines where a verb's word is not plan's.
		jv_bad=$(printf '%s\n' "$jv_out" | awk '{
			p = substr($2, 6)
			for (i = 3; i <= NF; i++) {
				w = $i; sub(/^[^=]*=/, "", w)
				if (w != p) { print; break }
			} }')
		if [ -n "$jv_bad" ]; then
			fail "judge-verbs-agree-$jv_h$2" "the verbs disagree: $(printf '%s\n' "$jv_bad" | tr '\n' '~')"
		else
			pass "judge-verbs-agree-$jv_h$2"
		fi
	done
	# Not vacuous: hosts and devices were compared.
	if [ "$jv_hosts" -ge 20 ] && [ "$jv_devs" -ge 50 ]; then
		pass "judge-verbs-agree-coverage$2"
	else
		fail "judge-verbs-agree-coverage$2" "only $jv_hosts hosts, $jv_devs devices"
	fi
}

# ---- the defects of issue 17 that the judgment fixes, one test each ----

# jd_desk NAME: a desktop: the GPU (0b:00.0 on nouveau, 0b:00.1 on
# snd_hda_intel, group 14), the SATA controller of the mounted root disk
# (00:17.0, group 16), a USB controller in a group with two AMD dummy
# functions no module binds (0d:00.*, group 30), a module directory
# (depmod) whose modprobe.d names nouveau and snd_hda_intel only.
jd_desk() {
	R=
	fx_new "$1"
	# Never the host's /etc or /lib: only a fixture under $OUT.
	case $R in "$OUT"/fx/?*) ;; *) exit 1 ;; esac
	fx_gpu nouveau snd_hda_intel
	mkdir -p "$R/proc/self"
	fx_dev 0000:00:17.0 8086:a352 010601 ahci 16
	fx_disk 0000:00:17.0 ata1/host0/target0:0:0/0:0:0:0/block sda 8:0 \
		sda1:8:1
	echo "22 1 8:1 / / rw - ext4 /dev/sda1 rw" >"$R/proc/self/mountinfo"
	: >"$R/proc/swaps"
	fx_dev 0000:0d:00.0 1022:148a 130000 - 30
	fx_dev 0000:0d:00.1 1022:1485 130000 - 30
	fx_dev 0000:0d:00.3 1022:149c 0c0330 xhci_hcd 30
	fx_dev 0000:0e:00.0 10de:1c82 030000 nouveau 40
	mkdir -p "$R/lib/modules/9.9-test" "$R/etc/modprobe.d"
	depmod -b "$R" 9.9-test 2>/dev/null
	printf '%s\n' \
		"alias pci:v000010DEd00001B80sv*sd*bc03sc*i* nouveau" \
		"alias pci:v000010DEd000010F0sv*sd*bc04sc03i* snd_hda_intel" \
		>"$R/etc/modprobe.d/aliases.conf"
}

judge_defects() {
	X=$1 s=$2
	F=$OUT/fx
	# shellcheck disable=SC2317 # called through check and check_not
	m() {
		r=$1
		shift
		"$X" --root "$F/$r" --modules-dir "$F/$r/lib/modules/9.9-test" "$@"
	}
	if ! command -v depmod >/dev/null 2>&1; then
		skip "judge-defects$s" "no depmod"
		return 0
	fi
	jd_desk "jd-desk$s"

	# 1. plan refuses what reserve refuses: the root disk's controller.
	check "judge-plan-host-uses$s" 1 \
		'plan 0000:00:17.0 id=8086:a352 driver=ahci group=16 action=refuse why="the host uses it (sda1 is mounted on /); '"'vfioctl reserve --force'"' takes it anyway"|0000:00:17.0: not claimed: sda1 is mounted on /, and vfio-claim would take it from the host at the next boot; use --force if you really mean it' \
		m "jd-desk$s" plan 00:17.0
	# 1. reserve warns about the shared group as plan does.
	check "judge-reserve-shared-group$s" 0 \
		"0000:0b:00.0: IOMMU group 14 also holds 0000:0b:00.1 [10de:10f0] on snd_hda_intel: a VM cannot use the group until it is on vfio-pci too" \
		m "jd-desk$s" reserve --dry-run --no-rebuild 0b:00.0
	# 1. groups and verify: one viability, the kernel's.
	# A GPU alone in its group, on nouveau: the group is not viable now
	# (VFIO_GROUP_GET_STATUS would say so), in both.
	check "judge-groups-viable$s" 0 "IOMMU group 40: not viable" \
		m "jd-desk$s" groups
	check "judge-verify-viable$s" 1 \
		"0000:0e:00.0 [10de:1c82]: NOT READY, on nouveau, IOMMU group 40 not viable" \
		m "jd-desk$s" verify 0e:00.0
	# 1. and 10. A member with no driver holds no DMA ownership, and one
	# no module binds never will: qemu-args and plan leave them alone.
	check_not "judge-qemu-args-driverless$s" "0000:0d:00.0|0000:0d:00.1" \
		m "jd-desk$s" qemu-args 0d:00.3
	check_not "judge-plan-dummy-function$s" "0000:0d:00.0|0000:0d:00.1" \
		m "jd-desk$s" plan 0d:00.3
	check "judge-groups-dummy-function$s" 0 "IOMMU group 30: not viable|0000:0d:00.0 Non-Essential Instrumentation" \
		m "jd-desk$s" groups
	# 1. plan passes the command line: its IOMMU advice is the boot's.
	FX_IOMMU='' fx_new "jd-noiommu$s"
	fx_dev 0000:0b:00.0 10de:1b80 030000 nouveau -
	fx_spec "firmware DMAR"
	echo "quiet intel_iommu=off" >"$R/proc/cmdline"
	jd_boot=$("$VC_BIN" --dry-run --sysfs "$R/sys" \
		--cmdline "quiet intel_iommu=off vfio.devices=0b:00.0" 2>&1 |
		grep '^plan ')
	check "judge-plan-cmdline$s" 1 "$jd_boot|intel_iommu=off is on the kernel command line" \
		"$X" --root "$R" plan 0b:00.0

	# 11. A group the firmware keeps 1:1: every verb says so, with the fix.
	jd_desk "jd-rmrr$s"
	fx_spec "region 14 0x000000008a000000 0x000000008a1fffff direct" \
		"region 16 0x00000000fee00000 0x00000000feefffff msi" \
		"region 16 0x000000007c000000 0x000000007c0fffff direct-relaxable"
	jd_direct='the firmware requires a 1:1 IOMMU mapping for IOMMU group 14'
	jd_fix='"Pre-boot DMA Protection"'
	check "judge-direct-plan$s" 1 \
		'action=refuse why="the firmware requires a 1:1 IOMMU mapping for its group (direct region 0x000000008a000000-0x000000008a1fffff)'"|$jd_direct|$jd_fix" \
		m "jd-rmrr$s" plan 0b:00.0
	check "judge-direct-bind$s" 1 "would refuse it|$jd_direct|$jd_fix" \
		m "jd-rmrr$s" bind --dry-run 0b:00.0
	check "judge-direct-reserve$s" 1 "not reserved: $jd_direct|$jd_fix" \
		m "jd-rmrr$s" reserve --dry-run --no-rebuild 0b:00.0
	check "judge-direct-groups$s" 0 "IOMMU group 14: not viable|$jd_direct|$jd_fix" \
		m "jd-rmrr$s" groups
	check "judge-direct-qemu-args$s" 0 "$jd_direct|$jd_fix" \
		m "jd-rmrr$s" qemu-args 0b:00.0
	# On vfio-pci already, still not ready.
	fx_spec "region 17 0x000000008b000000 0x000000008b1fffff direct"
	fx_dev 0000:0c:00.0 10de:1b80 030000 vfio-pci 17
	check "judge-direct-verify$s" 1 \
		"0000:0c:00.0 [10de:1b80]: NOT READY, on vfio-pci, IOMMU group 17 not viable|problem (direct-mapped): the firmware requires a 1:1 IOMMU mapping for IOMMU group 17|$jd_fix" \
		m "jd-rmrr$s" verify 0c:00.0
	# direct-relaxable (USB, graphics RMRRs) is no obstacle.
	check_not "judge-direct-relaxable$s" "1:1" \
		m "jd-rmrr$s" plan 00:17.0

	# 5. reserve keeps the =DRIVER of the entry it replaces.
	echo "devices=0b:00.0=vfio-pci" >"$F/jd-desk$s/etc/vfio-claim.conf"
	check "judge-reserve-keeps-driver$s" 0 \
		"10de:1b80@0000:0b:00.0=vfio-pci replaces 0000:0b:00.0=vfio-pci" \
		m "jd-desk$s" reserve --no-rebuild 0b:00.0
	expect_eq "judge-reserve-keeps-driver-file$s" \
		"devices=10de:1b80@0000:0b:00.0=vfio-pci" \
		"$(cat "$F/jd-desk$s/etc/vfio-claim.conf")"

	# 4. unbind names the module of the driver to load: xhci_hcd is in
	# xhci_pci.
	if [ -f "$FAKEKERNEL" ]; then
		fx_new "jd-xhci$s"
		fx_driver xhci_hcd xhci_pci live
		fx_driver other
		fx_dev 0000:00:14.0 8086:a36d 0c0330 vfio-pci 5
		echo other >"$R/sys/devices/pci0000:00/0000:00:14.0/.native"
		PREV=xhci_hcd fx_claimed 0 0000:00:14.0
		check "judge-unbind-module-name$s" 1 \
			"0000:00:14.0: was on xhci_hcd before vfio-pci, but is on other now: is xhci_hcd (module xhci_pci) loaded? ('modprobe xhci_pci', then 'echo 0000:00:14.0 > /sys/bus/pci/drivers_probe')" \
			env FAKE_SYSFS_ROOT="$R/sys" FAKE_DEV_ROOT="$R/dev" \
			LD_PRELOAD="$FAKEKERNEL" ASAN_OPTIONS=verify_asan_link_order=0 \
			"$X" --root "$R" unbind 00:14.0
	else
		skip "judge-unbind-module-name$s" "no $FAKEKERNEL"
	fi
}

# 7. SIGTERM (or Ctrl-C) while reserve or release rebuilds the initramfs:
# the file goes back as it was, the generator is stopped, vfioctl dies of
# the signal. The fake generator waits for the test's kill.
judge_signal() {
	X=$1 s=$2
	for jv_verb in reserve release; do
		gen_host "jd-sig-$jv_verb$s" initramfs-tools
		jv_c=$R/etc/vfio-claim.conf
		jv_before=$(cat "$jv_c")
		# shellcheck disable=SC2016 # expands in the fake, not here
		{
			echo '#!/bin/sh'
			echo ": >\"$R/gen.started\""
			echo 'trap "echo stopped >>\"$0.log\"; exit 143" TERM'
			echo 'i=0; while [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done'
		} >"$R/usr/sbin/update-initramfs"
		chmod +x "$R/usr/sbin/update-initramfs"
		if [ "$jv_verb" = reserve ]; then
			set -- 0b:00.0
		else
			set -- 00:14.0
		fi
		"$X" --root "$R" "$jv_verb" "$@" >"$R/out" 2>&1 &
		jv_pid=$!
		i=0
		while [ ! -e "$R/gen.started" ] && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		jv_mid=$(cat "$jv_c")
		kill -TERM "$jv_pid"
		wait "$jv_pid"
		jv_rc=$?
		expect_eq "judge-$jv_verb-sigterm-file$s" "changed, then back: $jv_before" \
			"$([ "$jv_mid" != "$jv_before" ] && echo changed), then back: $(cat "$jv_c")"
		expect_eq "judge-$jv_verb-sigterm-status$s" "143 stopped" \
			"$jv_rc $(cat "$R/usr/sbin/update-initramfs.log" 2>/dev/null)"
		check "judge-$jv_verb-sigterm-says$s" 0 \
			"put back as it was (interrupted); the images may hold the new value: run 'update-initramfs -u -k all' to build them from the file" \
			cat "$R/out"
	done
}
