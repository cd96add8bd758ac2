# shellcheck shell=sh
# Sourced by tests/vfioctl/run.sh. What the mutation study of issue 25
# found no test for: each test names a behaviour a planted fault got past
# the suites with (tests/mutate/mutants has the fault, its id in the
# comment). Every check asserts the exit status and the whole output
# (tests/expected/vfioctl/NAME).

# survivors VFIOCTL SUFFIX
survivors() {
	X=$1 s=$2
	# shellcheck disable=SC2317 # called through check and jany
	sv_k() {
		FAKE_SYSFS_ROOT=$R/sys FAKE_DEV_ROOT=$R/dev LD_PRELOAD=$FAKEKERNEL \
			ASAN_OPTIONS=verify_asan_link_order=0 "$X" --root "$R" "$@"
	}
	# shellcheck disable=SC2317 # called through check and jany
	sv_v() { "$X" --root "$R" "$@"; }
	sv_drv() {
		l=$(readlink "$R/sys/bus/pci/devices/$1/driver") && echo "${l##*/}"
	}

	# ---- the host-use test (busy.c) ----
	if [ -f "$FAKEKERNEL" ]; then
		# busy-inet6-any-iface: the NIC has only its link-local address;
		# another interface (of another device) has a global one.
		fx_new "sv-inet6-other$s"
		fx_dev 0000:04:00.0 8086:15f3 020000 igc 17
		fx_dev 0000:05:00.0 8086:15f3 020000 igc 18
		fx_net 0000:04:00.0 enp4s0 up 0x1003
		fx_net 0000:05:00.0 enp5s0 up 0x1003
		printf '%s\n' "fe80000000000000021b21fffe3a4b5c 02 40 20 80 enp4s0" \
			"20010db8000000000000000000000001 03 40 00 80 enp5s0" \
			>"$R/proc/net/if_inet6"
		check "bind-nic-other-iface-global-ipv6$s" 0 \
			"0000:04:00.0 " sv_k bind 04:00.0
		expect_eq "bind-nic-other-iface-global-ipv6-drivers$s" \
			"vfio-pci igc" "$(sv_drv 0000:04:00.0) $(sv_drv 0000:05:00.0)"
		# ... and that other one is refused for it.
		check "bind-nic-own-global-ipv6$s" 1 \
			"0000:05:00.0: not bound: network interface enp5s0 is up with IPv6 address 2001:db8::1" \
			sv_k bind 05:00.0

		# busy-display-role-dropped, busy-firmware-fb-any: the boot GPU
		# (boot_vga=1) has no framebuffer; a second GPU has its own
		# with the console on it. Neither is "the boot display with
		# the console on it".
		fx_new "sv-twofb$s"
		fx_dev 0000:01:00.0 10de:1b80 030000 nouveau 18 boot_vga=1
		fx_dev 0000:02:00.0 1002:73bf 030000 amdgpu 19 boot_vga=0
		fx_fb 0 amdgpudrmfb pci0000:00/0000:02:00.0
		fx_vtcon 0 "(S) dummy device" 0
		fx_vtcon 1 "(M) frame buffer device" 1
		check "bind-second-gpu-own-fbcon$s" 0 "0000:02:00.0 " \
			sv_k bind 02:00.0
		check "bind-boot-gpu-console-elsewhere$s" 0 "0000:01:00.0 " \
			sv_k bind 01:00.0
		expect_eq "bind-two-gpus-drivers$s" "vfio-pci vfio-pci" \
			"$(sv_drv 0000:01:00.0) $(sv_drv 0000:02:00.0)"

		# busy-default-route-mask, busy-ipv6-default-plen: OpenVPN's
		# redirect-gateway def1 routes (0.0.0.0/1, ::/3) start at
		# address 0 and are no default route. Through the Wi-Fi, the
		# IPv4 one is still a route, so an address; the IPv6 one,
		# with only a link-local address, is nothing.
		fx_new "sv-def1$s"
		fx_dev 0000:05:00.0 8086:2723 028000 iwlwifi 17
		fx_net 0000:05:00.0 wlp5s0 up 0x1003
		echo "fe80000000000000021b21fffe3a4b5c 02 40 20 80 wlp5s0" \
			>"$R/proc/net/if_inet6"
		printf 'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\nwlp5s0\t00000000\t0101A8C0\t0003\t0\t0\t0\t00000080\t0\t0\t0\n' \
			>"$R/proc/net/route"
		check "bind-nic-def1-route-is-no-default$s" 1 \
			"0000:05:00.0: not bound: network interface wlp5s0 is up with an IPv4 address, and vfio-pci would take it from the host" \
			sv_k bind 05:00.0
		: >"$R/proc/net/route"
		echo "00000000000000000000000000000000 03 00000000000000000000000000000000 00 fe80000000000000021b21fffe000001 00000400 00000001 00000000 00450003 wlp5s0" \
			>"$R/proc/net/ipv6_route"
		check "bind-nic-ipv6-def1-route-is-no-default$s" 0 \
			"0000:05:00.0 [8086:2723]: on vfio-pci (was iwlwifi)" \
			sv_k bind 05:00.0
	else
		skip "bind-survivors$s" "no $FAKEKERNEL (make build/fakekernel.so)"
	fi

	# The boot GPU on vfio-pci, the console on the second GPU's own
	# framebuffer: ready, and no boot-display warning.
	fx_new "sv-bootgpu-otherfb$s"
	fx_dev 0000:01:00.0 10de:1b80 030000 vfio-pci 18 boot_vga=1
	fx_dev 0000:02:00.0 1002:73bf 030000 amdgpu 19 boot_vga=0
	fx_reset 0000:01:00.0 flr
	fx_fb 0 amdgpudrmfb pci0000:00/0000:02:00.0
	fx_vtcon 1 "(M) frame buffer device" 1
	echo "vfio.devices=10de:1b80@0000:01:00.0" >"$R/proc/cmdline"
	check "verify-boot-gpu-console-on-other-gpu$s" 0 \
		"0000:01:00.0 [10de:1b80]: ready, vfio-pci, IOMMU group 18 viable|ready: 1 of 1 devices" \
		sv_v verify

	# ---- verify, each device (verify-dev.c) ----
	# dev-fb-inside-only: efifb starts below the BAR and ends inside it
	# (BAR 0 of 0b:00.0 is fb000000-fb7fffff).
	fx_new "sv-efifb-cross$s"
	fx_gpu vfio-pci vfio-pci
	fx_reset 0000:0b:00.0 flr
	fx_reset 0000:0b:00.1 flr
	echo "vfio.devices=0b:00" >"$R/proc/cmdline"
	printf '%s\n' "  fa000000-fbffffff : PCI Bus 0000:0b" \
		"    faf00000-fb0fffff : efifb" >"$R/proc/iomem"
	check "verify-efifb-crosses-bar-start$s" 1 \
		"problem (framebuffer): the boot framebuffer efifb holds faf00000-fb0fffff in its BAR fb000000-fb7fffff (/proc/iomem): a VM cannot map that memory|fix: add video=efifb:off to the kernel command line" \
		sv_v verify 0b:00.0
	# ... and one that starts inside and ends above it.
	printf '%s\n' "    fb700000-fb8fffff : efifb" >"$R/proc/iomem"
	check "verify-efifb-crosses-bar-end$s" 1 \
		"problem (framebuffer): the boot framebuffer efifb holds fb700000-fb8fffff in its BAR fb000000-fb7fffff" \
		sv_v verify 0b:00.0
	# Next to the BAR, not in it: ready.
	printf '%s\n' "    fb800000-fb8fffff : efifb" >"$R/proc/iomem"
	check "verify-efifb-next-to-bar$s" 0 \
		"0000:0b:00.0 [10de:1b80]: ready|ready: 1 of 1 devices" \
		sv_v verify 0b:00.0

	# dev-claim-undone-as-failed: claimed at boot, on nouveau now.
	fx_new "sv-undone$s"
	fx_driver nouveau nouveau live
	fx_gpu nouveau vfio-pci
	fx_reset 0000:0b:00.0 flr
	fx_reset 0000:0b:00.1 flr
	echo "$GPU_CMDLINE" >"$R/proc/cmdline"
	fx_claimed 0 0000:0b:00.0 0000:0b:00.1
	check "verify-claim-undone$s" 1 \
		"0000:0b:00.0 [10de:1b80]: NOT READY, on nouveau|problem (claim-undone): vfio-claim claimed it at boot (by vfio-claim), but it is on nouveau now: something gave it back|fix: look for 'vfioctl unbind', driverctl or udev rules that rebind it|NOT READY: 0 of 2 devices ready" \
		sv_v verify
	jcheck "verify-claim-undone-json$s" 1 \
		'[.devices[0].problems[].code] == ["wrong-driver", "claim-undone"]' \
		sv_v verify --json 0b:00.0

	# dev-pending-as-failed: left pending at boot (vfio-pci not loaded
	# yet), on its own driver now: given back, not failed.
	fx_new "sv-pending$s"
	fx_driver nouveau nouveau live
	fx_gpu nouveau vfio-pci
	fx_reset 0000:0b:00.0 flr
	fx_reset 0000:0b:00.1 flr
	echo "$GPU_CMDLINE" >"$R/proc/cmdline"
	RESULT=pending fx_claimed 0 0000:0b:00.0 0000:0b:00.1
	jcheck "verify-claim-pending-undone-json$s" 1 \
		'[.devices[0].problems[].code] == ["wrong-driver", "claim-undone"]' \
		sv_v verify --json 0b:00.0

	# dev-cdev-node-inverted, dev-no-node-ignores-cdev: an iommufd-only
	# kernel (CONFIG_VFIO_GROUP=n): the device's cdev, no group node.
	fx_new "sv-cdevonly$s"
	fx_gpu vfio-pci vfio-pci
	fx_reset 0000:0b:00.0 flr
	fx_reset 0000:0b:00.1 flr
	echo "$GPU_CMDLINE" >"$R/proc/cmdline"
	rm -f "$R/dev/vfio/14"
	mkdir -p "$R/sys/devices/pci0000:00/0000:0b:00.0/vfio-dev/vfio0" \
		"$R/sys/devices/pci0000:00/0000:0b:00.1/vfio-dev/vfio1" \
		"$R/dev/vfio/devices"
	: >"$R/dev/vfio/devices/vfio0"
	: >"$R/dev/vfio/devices/vfio1"
	check "verify-iommufd-only$s" 0 \
		"0000:0b:00.0 [10de:1b80]: ready, vfio-pci, IOMMU group 14 viable|ready: 2 of 2 devices" \
		sv_v verify
	# Without the cdev node either: not ready, and why.
	rm -f "$R/dev/vfio/devices/vfio1"
	check "verify-iommufd-no-node$s" 1 \
		"0000:0b:00.1 [10de:10f0]: NOT READY|problem (no-vfio-node): neither $R/dev/vfio/14 ($R/dev/vfio/noiommu-14 in no-IOMMU mode) nor a vfio cdev exists" \
		sv_v verify

	# rule-override-vfio: the audio function in the
	# GPU's group has no driver yet but driver_override=vfio-pci: the
	# kernel lets the group go to a VM (vfio_dev_driver_allowed()).
	fx_new "sv-override$s"
	fx_dev 0000:0b:00.0 10de:1b80 030000 vfio-pci 14
	fx_dev 0000:0b:00.1 10de:10f0 040300 - 14 override=vfio-pci
	fx_reset 0000:0b:00.0 flr
	echo "vfio.devices=10de:1b80@0000:0b:00.0" >"$R/proc/cmdline"
	check "verify-member-held-by-override$s" 0 \
		"0000:0b:00.0 [10de:1b80]: ready, vfio-pci, IOMMU group 14 viable|ready: 1 of 1 devices" \
		sv_v verify
	# The boot's group check (plan runs it) and qemu-args say nothing
	# about it either.
	check "plan-member-held-by-override$s" 0 \
		"plan 0000:0b:00.0 id=10de:1b80 driver=vfio-pci group=14 action=already" \
		sv_v plan
	check "qemu-args-member-held-by-override$s" 0 \
		"-device vfio-pci,host=0000:0b:00.0" sv_v qemu-args 0b:00.0
	check "groups-member-held-by-override$s" 0 \
		"IOMMU group 14: viable|[10de:10f0] (no driver)" \
		sv_v groups

	# ---- the warnings (verify-warn.c) ----
	# warn-reset-major, warn-reset-minor: no reset_method anywhere. A
	# 5.10 kernel has no such attribute (it came in 5.15): no warning.
	# On 5.15 its absence means no reset method. The USB controller is
	# alone on its bus, so no bus reset of a set covers it either.
	for kv in 5.10.0-32-amd64:0 5.15.0-1-generic:1; do
		k=${kv%:*} want=${kv#*:}
		fx_new "sv-reset-${k%%-*}$s"
		fx_dev 0000:0c:00.0 1912:0014 0c0330 vfio-pci 8
		echo "vfio.devices=1912:0014@0000:0c:00.0" >"$R/proc/cmdline"
		mkdir -p "$R/proc/sys/kernel"
		echo "$k" >"$R/proc/sys/kernel/osrelease"
		if [ "$want" = 0 ]; then
			check "verify-no-reset-attr-${k%%-*}$s" 0 \
				"0000:0c:00.0 [1912:0014]: ready, vfio-pci, IOMMU group 8 viable|ready: 1 of 1 devices ready" \
				sv_v verify
		else
			check "verify-no-reset-attr-${k%%-*}$s" 0 \
				"warning (no-reset): has no reset method (no reset_method: no FLR, no PM reset, no bus reset)|ready: 1 of 1 devices ready, 1 warning" \
				sv_v verify
		fi
	done

	# ---- cmdline ----
	# plan-cmdline-rc: only a bridge named: nothing to print, exit 1.
	check "cmdline-only-a-bridge$s" 1 \
		"vfioctl: warning: 0000:00:01.0 is a PCI bridge: vfio-pci cannot take it; left out" \
		"$X" --root "$OUT/fx/healthy" cmdline 00:01.0

	# ---- groups ----
	# groups-no-dir-error: no /sys/kernel/iommu_groups at all (an old
	# kernel, or one built without IOMMU support): the advice, exit 0.
	FX_IOMMU='' fx_new "sv-nogroupsdir$s"
	fx_dev 0000:0b:00.0 10de:1b80 030000 nouveau -
	rm -rf "$R/sys/kernel/iommu_groups"
	check "groups-no-iommu-groups-dir$s" 0 \
		"vfioctl: no IOMMU groups: " sv_v groups
	jany "groups-no-iommu-groups-dir-json$s" '.groups == []' \
		sv_v groups --json

	# ---- qemu-args ----
	# qemu-no-func0, qemu-slot-shared: functions 2 and 3 of a slot with
	# no function 0 become guest functions 0 (multifunction=on) and 1;
	# each multi-function slot has its own guest slot.
	fx_new "sv-qemu$s"
	fx_dev 0000:0b:00.0 10de:1b80 030000 vfio-pci 14
	fx_dev 0000:0b:00.1 10de:10f0 040300 vfio-pci 14
	fx_dev 0000:0c:00.2 8086:1572 020000 vfio-pci 15
	fx_dev 0000:0c:00.3 8086:1572 020000 vfio-pci 15
	check "qemu-args-slot-without-function-0$s" 0 \
		"-device vfio-pci,host=0000:0c:00.2,addr=0x10.0,multifunction=on|-device vfio-pci,host=0000:0c:00.3,addr=0x10.1" \
		sv_v qemu-args 0c:00.2 0c:00.3
	check "qemu-args-two-multifunction-slots$s" 0 \
		"-device vfio-pci,host=0000:0b:00.0,addr=0x10.0,multifunction=on|-device vfio-pci,host=0000:0b:00.1,addr=0x10.1|-device vfio-pci,host=0000:0c:00.2,addr=0x11.0,multifunction=on|-device vfio-pci,host=0000:0c:00.3,addr=0x11.1" \
		sv_v qemu-args 0c:00 0b:00
	# qemu-same-slot-bus: two single-function slots of one bus are two
	# guest devices, not one multi-function slot.
	fx_dev 0000:0d:00.0 8086:1572 020000 vfio-pci 16
	fx_dev 0000:0d:01.0 8086:1572 020000 vfio-pci 17
	check "qemu-args-two-slots-one-bus$s" 0 \
		"-device vfio-pci,host=0000:0d:00.0|-device vfio-pci,host=0000:0d:01.0" \
		sv_v qemu-args 0d:01.0 0d:00.0
	jany "qemu-args-two-multifunction-slots-json$s" \
		'[.args[] | select(startswith("vfio-pci")) | capture("addr=(?<a>[^,]*)").a] == ["0x10.0", "0x10.1", "0x11.0", "0x11.1"]' \
		sv_v --json qemu-args 0b:00 0c:00
	# ---- reserve ----
	# reserve-chown-gid, reserve-mode: /etc/vfio-claim.conf keeps its
	# owner, group and mode (root:adm 0640 here) through the rewrite.
	if [ "$(id -u)" = 0 ]; then
		gen_host "sv-owner$s" initramfs-tools
		chown 0:4 "$R/etc/vfio-claim.conf"
		check "reserve-keeps-group$s" 0 \
			"devices=0000:00:14.0,10de:1b80@0000:0b:00.0,10de:10f0@0000:0b:00.1|rebuild the initramfs for it to apply: update-initramfs -u -k all" \
			sv_v reserve --no-rebuild 0b:00
		expect_eq "reserve-keeps-group-owner-mode$s" "0:4 640" \
			"$(stat -c '%u:%g %a' "$R/etc/vfio-claim.conf")"
	else
		skip "reserve-keeps-group$s" "not root: cannot make a root:adm file"
	fi
	# reserve-tmp-left: the write fails (a file size limit of 0: EFBIG,
	# SIGXFSZ ignored): the file as it was, no temporary file left.
	gen_host "sv-wfail$s" initramfs-tools
	prev=$(cat "$R/etc/vfio-claim.conf")
	check "reserve-write-fails$s" 1 \
		"$R/etc/vfio-claim.conf: cannot write it: " \
		sh -c 'trap "" XFSZ; ulimit -f 0; exec "$@"' sh "$X" --root "$R" \
		reserve --no-rebuild 0b:00
	expect_eq "reserve-write-fails-leaves-file-and-no-temp$s" \
		"$prev~vfio-claim.conf" \
		"$(cat "$R/etc/vfio-claim.conf")~$(find "$R/etc" -maxdepth 1 -name '*vfio-claim*' | sed 's|.*/||' | sort | tr '\n' ' ' | sed 's/ $//')"

	# reserve-uki-etc-only: layout=uki in /usr/lib/kernel/install.conf
	# (the distribution's; /etc/kernel has none): kernel-install.
	gen_host "sv-ukiusr$s" uki
	mkdir -p "$R/usr/lib/kernel"
	mv "$R/etc/kernel/install.conf" "$R/usr/lib/kernel/install.conf"
	o=$(sv_v reserve 0b:00 2>&1)
	rc=$?
	expect_eq "reserve-uki-from-usr-lib$s" \
		"exit 0~$R/etc/vfio-claim.conf: devices=0000:00:14.0,10de:1b80@0000:0b:00.0,10de:10f0@0000:0b:00.1|rebuilding the initramfs (kernel-install): kernel-install add KVER /usr/lib/modules/KVER/vmlinuz|~kernel-install add KVER /usr/lib/modules/KVER/vmlinuz" \
		"exit $rc~$(printf '%s\n' "$o" | sed "s/$KVER/KVER/g" | tr '\n' '|')~$(sed "s/$KVER/KVER/g" "$R/gen.log")"
}
