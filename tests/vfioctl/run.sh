#!/bin/sh
# vfioctl against fake hosts: a sysfs tree plus proc/, dev/, run/ and etc/
# under one --root, one fixture per verdict and diagnosis. Prints one
# PASS/FAIL/SKIP line per test. Runs the suite with build/vfioctl, then
# again with build/vfioctl.asan (ASan+UBSan) when it is there.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib/testlib.sh disable=SC1091
. "$TOP/tests/lib/testlib.sh"
HERE=$TOP/tests/vfioctl
OUT=$TOP/tests/out/vfioctl
SCHEMA=$HERE/verify-schema.jq
rm -rf "$OUT"
mkdir -p "$OUT"

# ---- fixture builder ----

# fx_new NAME: an empty host with an IOMMU and vfio-pci loaded.
fx_new() {
	R=$OUT/fx/$1
	mkdir -p "$R/sys/devices/pci0000:00" "$R/sys/bus/pci/devices" \
		"$R/sys/bus/pci/drivers" "$R/sys/kernel/iommu_groups" \
		"$R/sys/class/iommu/dmar0" "$R/sys/module" "$R/proc" \
		"$R/dev/vfio" "$R/run" "$R/etc"
	: >"$R/sys/bus/pci/drivers_probe"
	: >"$R/proc/cmdline"
	: >"$R/proc/iomem"
	fx_driver vfio-pci vfio_pci
	fx_driver pcieport
}

# fx_driver NAME [MODULE [live]]: a registered driver, its module link and,
# with live, the initstate only loadable modules have.
fx_driver() {
	d=$R/sys/bus/pci/drivers/$1
	mkdir -p "$d"
	: >"$d/bind"
	: >"$d/unbind"
	if [ $# -ge 2 ]; then
		mkdir -p "$R/sys/module/$2"
		ln -sfn "../../../../module/$2" "$d/module"
		[ "${3:-}" = live ] && echo live >"$R/sys/module/$2/initstate"
	fi
	return 0
}

# fx_dev ADDR VVVV:DDDD CLASS DRIVER GROUP [bridge]: one PCI function.
# DRIVER or GROUP "-" for none. BAR 0: 8 MiB at 0xf0000000 + bus * 16 MiB
# + function * 8 MiB.
fx_dev() {
	a=$1 v=${2%:*} dv=${2#*:} d=$R/sys/devices/pci0000:00/$1
	mkdir -p "$d"
	ln -sfn "../../../devices/pci0000:00/$a" "$R/sys/bus/pci/devices/$a"
	echo "0x$v" >"$d/vendor"
	echo "0x$dv" >"$d/device"
	echo "0x$3" >"$d/class"
	echo 0x1458 >"$d/subsystem_vendor"
	echo 0x3702 >"$d/subsystem_device"
	{
		[ "$4" != - ] && echo "DRIVER=$4"
		echo "PCI_CLASS=$3"
		echo "PCI_ID=$2" | tr 'a-f' 'A-F'
		echo "PCI_SUBSYS_ID=1458:3702"
		echo "PCI_SLOT_NAME=$a"
	} >"$d/uevent"
	if [ "${6:-}" = bridge ]; then
		{
			head -c 14 /dev/zero
			printf '\001'
			head -c 49 /dev/zero
		} >"$d/config"
	else
		head -c 64 /dev/zero >"$d/config"
	fi
	bus=$(echo "$a" | cut -d: -f2)
	fn=${a##*.}
	base=$(printf '%x' $((0xf0000000 + 0x$bus * 0x1000000 + fn * 0x800000)))
	{
		printf '0x00000000%s 0x00000000%s 0x0000000000040200\n' \
			"$base" "$(printf '%x' $((0x$base + 0x7fffff)))"
		i=0
		while [ $i -lt 5 ]; do
			echo "0x0000000000000000 0x0000000000000000 0x0000000000000000"
			i=$((i + 1))
		done
	} >"$d/resource"
	if [ "$4" = vfio-pci ]; then
		echo vfio-pci >"$d/driver_override"
	else
		echo "(null)" >"$d/driver_override"
	fi
	if [ "$4" != - ]; then
		[ -d "$R/sys/bus/pci/drivers/$4" ] || fx_driver "$4"
		ln -sfn "../../../bus/pci/drivers/$4" "$d/driver"
		ln -sfn "../../../../devices/pci0000:00/$a" \
			"$R/sys/bus/pci/drivers/$4/$a"
	fi
	if [ "$5" != - ]; then
		g=$R/sys/kernel/iommu_groups/$5/devices
		mkdir -p "$g"
		ln -sfn "../../../kernel/iommu_groups/$5" "$d/iommu_group"
		ln -sfn "../../../../devices/pci0000:00/$a" "$g/$a"
		[ "$4" = vfio-pci ] && : >"$R/dev/vfio/$5"
	fi
	return 0
}

# fx_claimed STATUS ADDR...: vfio-claim ran this boot and recorded these.
fx_claimed() {
	st=$1
	shift
	mkdir -p "$R/run/vfio-claim/devices"
	printf 'source=vfio.devices=\nvalue=x\nstatus=%s\n' "$st" \
		>"$R/run/vfio-claim/boot"
	for a in "$@"; do
		printf 'address=%s\nprevious_driver=%s\nresult=%s\nby=vfio-claim\n' \
			"$a" "${PREV:-nouveau}" "${RESULT:-claimed}" \
			>"$R/run/vfio-claim/devices/$a"
	done
}

# The seed's GPU (10de:1b80) and its audio function, behind a root port.
fx_gpu() {
	fx_dev 0000:00:01.0 8086:1901 060400 pcieport 1 bridge
	fx_dev 0000:0b:00.0 10de:1b80 030000 "$1" 14
	fx_dev 0000:0b:00.1 10de:10f0 040300 "$2" 14
}

GPU_CMDLINE="quiet intel_iommu=on vfio.devices=10de:1b80@0000:0b:00.0,0b:00.1"

build_fixtures() {
	fx_new healthy
	fx_gpu vfio-pci vfio-pci
	echo "$GPU_CMDLINE" >"$R/proc/cmdline"
	printf '00000000-00000fff : Reserved\n  c0000000-c02fffff : efifb\n' \
		>"$R/proc/iomem"
	fx_claimed 0 0000:0b:00.0 0000:0b:00.1

	fx_new wrongdrv
	fx_driver nouveau nouveau live
	fx_driver snd_hda_intel snd_hda_intel live
	fx_gpu nouveau vfio-pci
	echo "$GPU_CMDLINE" >"$R/proc/cmdline"
	RESULT=failed fx_claimed 1 0000:0b:00.0 0000:0b:00.1

	fx_new notrun
	fx_driver nouveau nouveau live
	fx_gpu nouveau vfio-pci
	echo "$GPU_CMDLINE" >"$R/proc/cmdline"
	mkdir -p "$R/usr/share/initramfs-tools/hooks"
	: >"$R/usr/share/initramfs-tools/hooks/vfio-claim"

	fx_new builtin
	fx_driver xhci_hcd xhci_pci
	fx_dev 0000:00:14.0 8086:a2af 0c0330 xhci_hcd 5
	echo "vfio.devices=00:14.0" >"$R/proc/cmdline"
	fx_claimed 0
	m=$R/lib/modules/9.9-test
	mkdir -p "$m"
	echo kernel/drivers/usb/host/xhci-pci.ko >"$m/modules.builtin"
	: >"$m/modules.order"

	fx_new nonviable
	fx_driver snd_hda_intel snd_hda_intel live
	fx_gpu vfio-pci snd_hda_intel
	echo "vfio.devices=10de:1b80@0000:0b:00.0" >"$R/proc/cmdline"
	fx_claimed 0 0000:0b:00.0

	fx_new noiommu
	rmdir "$R/sys/class/iommu/dmar0"
	fx_driver nouveau nouveau live
	fx_dev 0000:0b:00.0 10de:1b80 030000 nouveau -
	echo "vfio.devices=0b:00.0" >"$R/proc/cmdline"

	fx_new fb
	fx_gpu vfio-pci vfio-pci
	echo "$GPU_CMDLINE" >"$R/proc/cmdline"
	printf '%s\n' "00000000-00000fff : Reserved" \
		"fb000000-fbffffff : PCI Bus 0000:0b" \
		"  fb000000-fbffffff : 0000:0b:00.0" \
		"    fb000000-fb2fffff : BOOTFB" >"$R/proc/iomem"

	fx_new efifb
	fx_gpu vfio-pci vfio-pci
	echo "vfio.devices=0b:00" >"$R/proc/cmdline"
	printf '%s\n' "  fb000000-fbffffff : 0000:0b:00.0" \
		"    fb100000-fb2fffff : efifb" >"$R/proc/iomem"

	fx_new stale
	fx_dev 0000:0b:00.0 144d:a808 010802 nvme 14
	fx_driver nvme nvme live
	echo "$GPU_CMDLINE" >"$R/proc/cmdline"

	fx_new pending
	rm -rf "$R/sys/bus/pci/drivers/vfio-pci"
	fx_dev 0000:0b:00.0 10de:1b80 030000 - 14
	echo vfio-pci >"$R/sys/devices/pci0000:00/0000:0b:00.0/driver_override"
	echo "vfio.devices=0b:00.0" >"$R/proc/cmdline"

	fx_new ids
	fx_gpu vfio-pci vfio-pci
	echo "vfio-pci.ids=10de:1b80,10de:10f0:ffffffff:ffffffff" \
		>"$R/proc/cmdline"
	printf '# reserved\ndevices = 0b:00.0\n' >"$R/etc/vfio-claim.conf"

	fx_new conf
	fx_gpu vfio-pci vfio-pci
	printf '# reserved\ndevices = 0b:00\n' >"$R/etc/vfio-claim.conf"

	fx_new none
	fx_gpu nouveau snd_hda_intel
	echo "vfio.devices=0b:00 vfio.devices=none" >"$R/proc/cmdline"
}

# ---- assertions ----

# check NAME RC 'NEEDLE|NEEDLE...' CMD...: exit status and output (stdout
# and stderr) containing every needle.
check() {
	name=$1 want=$2 needles=$3
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$name" "exit $rc, want $want; output: $(echo "$out" | head -n 6 | tr '\n' '~')"
		return
	fi
	old=$IFS
	IFS='|'
	for n in $needles; do
		IFS=$old
		if ! printf '%s\n' "$out" | grep -qF -- "$n"; then
			fail "$name" "no [$n] in: $(echo "$out" | head -n 12 | tr '\n' '~')"
			return
		fi
	done
	IFS=$old
	pass "$name"
}

# jcheck NAME RC JQ-EXPR CMD...: exit status, the verify schema, and a jq
# predicate over stdout.
jcheck() {
	name=$1 want=$2 expr=$3
	shift 3
	out=$("$@" 2>"$OUT/stderr")
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$name" "exit $rc, want $want: $(head -n 3 "$OUT/stderr" | tr '\n' '~')"
	elif ! printf '%s\n' "$out" | jq -e -f "$SCHEMA" >/dev/null 2>&1; then
		fail "$name" "does not match the schema: $out"
	elif ! printf '%s\n' "$out" | jq -e "$expr" >/dev/null 2>&1; then
		fail "$name" "jq [$expr] false for: $out"
	else
		pass "$name"
	fi
}

# jq NAME EXPR CMD...: any JSON output, a predicate over it.
jany() {
	name=$1 expr=$2
	shift 2
	out=$("$@" 2>"$OUT/stderr")
	if printf '%s\n' "$out" | jq -e "$expr" >/dev/null 2>&1; then
		pass "$name"
	else
		fail "$name" "jq [$expr] false for: $out"
	fi
}

# ---- the suite, for one binary ----

suite() {
	X=$1 s=$2
	F=$OUT/fx
	v() {
		r=$1
		shift
		"$X" --root "$F/$r" "$@"
	}

	check "verify-healthy$s" 0 \
		"0000:0b:00.0 [10de:1b80]: ready, vfio-pci, IOMMU group 14 viable|ready: 2 of 2 devices|vfio-claim ran this boot (status 0)|devices from: vfio.devices=" \
		v healthy verify
	jcheck "verify-healthy-json$s" 0 \
		'.ready and .counts.ready == 2 and .host.iommu_units == ["dmar0"] and .devices[0].group == 14 and .devices[0].status == "ready" and .devices[1].id == "10de:10f0" and .host.claim_status == 0' \
		v healthy verify --json
	check "verify-healthy-quiet$s" 0 "ready: 2 of 2" v healthy -q verify
	check "verify-args$s" 0 "ready: 1 of 1|devices from: arguments" \
		v healthy verify 0b:00.1

	check "verify-wrong-driver$s" 1 \
		"0000:0b:00.0 [10de:1b80]: NOT READY, on nouveau|problem (wrong-driver): bound to nouveau, not vfio-pci (module nouveau)|problem (claim-failed): vfio-claim could not claim it at boot (result=failed)|0000:0b:00.1 [10de:10f0]: NOT READY, on vfio-pci, IOMMU group 14 not viable|add 10de:1b80@0000:0b:00.0 to vfio.devices=|NOT READY: 0 of 2 devices ready" \
		v wrongdrv verify
	jcheck "verify-wrong-driver-json$s" 1 \
		'(.ready | not) and .devices[0].status == "not-ready" and .devices[0].driver == "nouveau" and .devices[0].driver_kind == "module" and ([.devices[0].problems[].code] == ["wrong-driver", "claim-failed"]) and .devices[1].problems[0].code == "group-not-viable"' \
		v wrongdrv verify --json
	check "verify-claim-not-run$s" 1 \
		"problem (claim-not-run): vfio-claim did not run this boot|the hook is installed: rebuild the initramfs" \
		v notrun verify
	jcheck "verify-not-asked$s" 1 \
		'.devices[0].problems | map(.code) | index("not-claimed-at-boot") != null' \
		v builtin verify --json 0000:00:14.0

	if command -v depmod >/dev/null 2>&1 &&
		depmod -b "$F/builtin" 9.9-test 2>/dev/null; then
		check "verify-builtin-driver$s" 1 \
			"problem (builtin-driver): bound to xhci_hcd, not vfio-pci (built into the kernel as xhci_pci: it binds before any initramfs runs)|vfioctl bind 0000:00:14.0" \
			v builtin --modules-dir "$F/builtin/lib/modules/9.9-test" verify
		jcheck "verify-builtin-driver-json$s" 1 \
			'.devices[0].driver_kind == "builtin" and .devices[0].problems[0].code == "builtin-driver"' \
			v builtin --modules-dir "$F/builtin/lib/modules/9.9-test" verify --json
	else
		skip "verify-builtin-driver$s" "no depmod to index modules.builtin"
	fi

	check "verify-non-viable-group$s" 1 \
		"problem (group-not-viable): IOMMU group 14 also holds 0000:0b:00.1 [10de:10f0] on snd_hda_intel|fix: add 10de:10f0@0000:0b:00.1 to vfio.devices=|IOMMU group 14 not viable" \
		v nonviable verify
	jcheck "verify-non-viable-group-json$s" 1 \
		'.devices[0].group_viable == false and .devices[0].problems[0].code == "group-not-viable" and (.devices[0].problems[0].fix | test("10de:10f0@0000:0b:00.1"))' \
		v nonviable verify --json

	check "verify-no-iommu$s" 1 \
		"IOMMU off|problem (no-iommu): no IOMMU is registered|fix: the firmware shows none: enable VT-d or AMD-Vi (IOMMU) in its setup|problem (no-iommu-group)" \
		v noiommu verify
	# amd_iommu=on is not a kernel option: never advised (it was).
	for cl in "" "intel_iommu=on"; do
		if v noiommu --cmdline "$cl vfio.devices=0b:00.0" verify 2>&1 |
			grep -q "amd_iommu=on"; then
			fail "verify-no-iommu-no-amd_iommu=on$s" "advises amd_iommu=on ($cl)"
		else
			pass "verify-no-iommu-no-amd_iommu=on$s${cl:+-$cl}"
		fi
	done
	# The firmware's tables say which IOMMU; the option that turned it
	# off is named. groups gives the same advice.
	if [ ! -d "$F/noiommu-amd" ]; then
		cp -a "$F/noiommu" "$F/noiommu-amd"
		mkdir -p "$F/noiommu-amd/sys/firmware/acpi/tables"
		: >"$F/noiommu-amd/sys/firmware/acpi/tables/IVRS"
		echo "amd_iommu=off vfio.devices=0b:00.0" \
			>"$F/noiommu-amd/proc/cmdline"
	fi
	check "verify-no-iommu-amd-off$s" 1 \
		"fix: amd_iommu=off is on the kernel command line; remove it" \
		v noiommu-amd verify
	check "groups-no-iommu-amd-off$s" 0 \
		"no IOMMU groups: amd_iommu=off is on the kernel command line; remove it" \
		v noiommu-amd groups
	# A VM whose firmware describes a virtio-iommu (ACPI VIOT) that is
	# not up: the module is the fix, as in vfio-claim's refusal.
	if [ ! -d "$F/noiommu-viot" ]; then
		cp -a "$F/noiommu" "$F/noiommu-viot"
		mkdir -p "$F/noiommu-viot/sys/firmware/acpi/tables"
		: >"$F/noiommu-viot/sys/firmware/acpi/tables/VIOT"
	fi
	check "verify-no-iommu-virtio$s" 1 \
		"fix: virtio-iommu is not up: put virtio_iommu in the initramfs" \
		v noiommu-viot verify
	jcheck "verify-no-iommu-json$s" 1 \
		'(.host.iommu | not) and .host.problems[0].code == "no-iommu" and .devices[0].group == null' \
		v noiommu verify --json
	check "verify-no-iommu-already-on$s" 1 \
		"fix: the firmware shows none: enable VT-d or AMD-Vi (IOMMU) in its setup" \
		v noiommu --cmdline "intel_iommu=on vfio.devices=0b:00.0" verify

	check "verify-framebuffer-bootfb$s" 1 \
		"problem (framebuffer): the boot framebuffer BOOTFB holds fb000000-fb2fffff|add initcall_blacklist=sysfb_init to the kernel command line" \
		v fb verify
	check "verify-framebuffer-efifb$s" 1 "video=efifb:off" v efifb verify
	check "verify-framebuffer-elsewhere$s" 0 "ready: 2 of 2" \
		v healthy verify
	jcheck "verify-framebuffer-json$s" 1 \
		'[.devices[] | select(.problems | length > 0) | .address] == ["0000:0b:00.0"] and .devices[0].problems[0].code == "framebuffer"' \
		v fb verify --json

	check "verify-stale-guard$s" 1 \
		"10de:1b80@0000:0b:00.0: NOT READY: guard does not match|is now 144d:a808|vfioctl cmdline 0000:0b:00.0" \
		v stale verify
	jcheck "verify-stale-guard-json$s" 1 \
		'.devices[0].status == "stale-guard" and .devices[0].address == null and .devices[0].problems[0].code == "stale-guard" and .devices[1].status == "missing"' \
		v stale verify --json
	check "verify-missing$s" 1 "0000:05:00.0: NOT READY: no such device" \
		v healthy verify 05:00.0

	check "verify-pending$s" 1 \
		"driver_override holds it for vfio-pci, which is not loaded|problem (vfio-pci-not-loaded)" \
		v pending verify
	check "verify-vfio-pci-ids$s" 0 \
		"devices from: vfio-pci.ids=|ready: 2 of 2" v ids verify
	check "verify-both-params$s" 0 \
		"devices from: vfio.devices= vfio-pci.ids=|ready: 2 of 2" \
		v ids --cmdline "vfio.devices=0b:00.0 vfio-pci.ids=10de:10f0" verify
	check "verify-config$s" 0 \
		"devices from: $F/conf/etc/vfio-claim.conf|ready: 2 of 2" \
		v conf verify
	check "verify-none$s" 0 "nothing to verify" v none verify
	check "verify-bad-selector$s" 2 "is not a device selector" \
		v healthy verify 0b:0
	check "verify-prometheus$s" 1 \
		'vfioctl_ready 0|vfioctl_devices 2|vfioctl_device_ready{selector="0000:0b:00.1",address="0000:0b:00.1",id="10de:10f0",status="not-ready"} 0|vfioctl_problem{address="0000:0b:00.0",code="wrong-driver"} 1|# TYPE vfioctl_ready gauge' \
		v wrongdrv verify --format prometheus
	check "verify-prometheus-healthy$s" 0 "vfioctl_ready 1" \
		v healthy verify --format prometheus

	# groups
	check "groups$s" 0 \
		"IOMMU group 1: viable|IOMMU group 14: not viable|0000:0b:00.0 VGA compatible controller: NVIDIA Corporation Test GPU [GeForce Test] [10de:1b80] (vfio-pci)|0000:0b:00.1 Audio device: NVIDIA Corporation Test GPU audio [10de:10f0] (snd_hda_intel) *" \
		v nonviable --pci-ids "$HERE/pci.ids" groups
	jany "groups-json$s" \
		'.groups | length == 2 and .[0].group == 1 and .[0].viable and .[0].devices[0].bridge and (.[1].viable | not) and .[1].devices[1].blocks and .[1].devices[1].driver == "snd_hda_intel" and .[1].devices[0].class == "030000"' \
		v nonviable --pci-ids "$HERE/pci.ids" groups --json
	check "groups-no-iommu$s" 0 "no IOMMU groups" v noiommu groups

	# plan: the same lines as vfio-claim --dry-run on the same tree
	for fx in wrongdrv nonviable stale noiommu; do
		cl=$(cat "$F/$fx/proc/cmdline")
		want=$("$VFIO_CLAIM" --sysfs "$F/$fx/sys" --cmdline "$cl" \
			--config /nonexistent --dry-run 2>/dev/null)
		wrc=$?
		got=$(v "$fx" plan 2>/dev/null)
		grc=$?
		if [ "$want" = "$got" ] && [ "$wrc" = "$grc" ]; then
			pass "plan-matches-vfio-claim-$fx$s"
		else
			fail "plan-matches-vfio-claim-$fx$s" "vfio-claim ($wrc): [$want] vfioctl ($grc): [$got]"
		fi
	done
	# A command line past 4 KiB (bootconfig): plan reads all of it, as
	# vfio-claim does (failed before: vfioctl read only 4 KiB).
	if [ ! -d "$F/longcmd" ]; then
		cp -a "$F/nonviable" "$F/longcmd"
		{
			head -c 6000 /dev/zero | tr '\0' x
			echo " vfio.devices=0b:00"
		} >"$F/longcmd/proc/cmdline"
	fi
	check "plan-long-cmdline$s" 0 \
		"plan 0000:0b:00.1 id=10de:10f0 driver=snd_hda_intel group=14 action=claim" \
		v longcmd plan
	check "plan-cmdline$s" 0 \
		"plan 0000:0b:00.1 id=10de:10f0 driver=snd_hda_intel group=14 action=claim" \
		v nonviable plan --cmdline "vfio.devices=0b:00"
	jany "plan-json$s" \
		'.source == "arguments" and .errors == 0 and .devices[0].action == "claim" and .devices[0].driver == "nouveau"' \
		v wrongdrv plan --json 0b:00.0
	check "plan-config$s" 0 "plan 0000:0b:00.1" v conf plan

	# cmdline
	check "cmdline-slot$s" 0 \
		"vfio.devices=10de:1b80@0000:0b:00.0,10de:10f0@0000:0b:00.1" \
		v healthy cmdline 0b:00
	check "cmdline-bridge$s" 0 "is a PCI bridge" \
		v healthy cmdline 00:01.0 0b:00.0
	check "cmdline-missing$s" 1 "no such PCI device" \
		v healthy cmdline 0c:00.0
	check "cmdline-usage$s" 2 "name at least one device" v healthy cmdline
	jany "cmdline-json$s" \
		'.value == "10de:1b80@0000:0b:00.0" and .devices == ["0000:0b:00.0"]' \
		v healthy cmdline --json 0000:0b:00.0

	# qemu-args
	got=$(v healthy qemu-args 0b:00 2>&1)
	expect_eq "qemu-args-multifunction$s" \
		"-device vfio-pci,host=0000:0b:00.0,addr=0x10.0,multifunction=on
-device vfio-pci,host=0000:0b:00.1,addr=0x10.1" "$got"
	check "qemu-args-sibling-warning$s" 0 \
		"0000:0b:00.1 shares IOMMU group 14 with 0000:0b:00.0|-device vfio-pci,host=0000:0b:00.0" \
		v nonviable qemu-args 0b:00.0
	# A sibling already on vfio-pci keeps the group viable (the kernel's
	# rule): no warning that the VM cannot start.
	got=$(v healthy qemu-args 0b:00.0 2>&1)
	expect_eq "qemu-args-sibling-on-vfio-no-warning$s" \
		"-device vfio-pci,host=0000:0b:00.0" "$got"
	check "qemu-args-not-bound$s" 0 "is on nouveau, not vfio-pci" \
		v wrongdrv qemu-args 0b:00
	jany "qemu-args-json$s" \
		'.args == ["-device", "vfio-pci,host=0000:0b:00.0,addr=0x10.0,multifunction=on", "-device", "vfio-pci,host=0000:0b:00.1,addr=0x10.1"]' \
		v healthy qemu-args --json 10de:1b80 10de:10f0

	# usage
	check "usage-unknown-verb$s" 2 "unknown verb" "$X" --root "$F/healthy" frob
	check "usage-no-verb$s" 2 "Usage:" "$X"
	check "usage-bad-option$s" 2 "Try 'vfioctl --help'" "$X" --frob verify
	check "usage-bind-no-args$s" 2 "name at least one device" \
		v healthy bind
	check "usage-bad-format$s" 2 "is not human, json or prometheus" \
		v healthy verify --format xml
	check "help$s" 0 "qemu-args" "$X" --help

	# dry runs write nothing
	before=$(cd "$F/wrongdrv" && find . -type f -exec cksum {} + | sort | cksum)
	check "bind-dry-run$s" 0 \
		"0000:0b:00.0 [10de:1b80]: would bind it to vfio-pci (on nouveau)" \
		v wrongdrv -n bind 0b:00.0
	check "unbind-dry-run$s" 0 \
		"0000:0b:00.1: would clear driver_override, unbind it from vfio-pci and reprobe; expected back on nouveau" \
		v wrongdrv -n unbind 0b:00.1
	after=$(cd "$F/wrongdrv" && find . -type f -exec cksum {} + | sort | cksum)
	expect_eq "dry-run-writes-nothing$s" "$before" "$after"
	check "unbind-not-on-vfio$s" 0 "not on vfio-pci (nouveau): nothing to do" \
		v wrongdrv unbind 0b:00.0
}

# bind/unbind round trip through fakekernel.so (tests/lib/fakekernel.c),
# which gives the fake tree the kernel's PCI core and a busy group.
roundtrip() {
	X=$1 s=$2
	if [ ! -f "$FAKEKERNEL" ]; then
		skip "bind-unbind$s" "no $FAKEKERNEL (make build/fakekernel.so)"
		return
	fi
	fx_new "rt$s"
	fx_driver nouveau nouveau live
	fx_driver snd_hda_intel snd_hda_intel live
	fx_gpu nouveau snd_hda_intel
	echo nouveau >"$R/sys/devices/pci0000:00/0000:0b:00.0/.native"
	echo snd_hda_intel >"$R/sys/devices/pci0000:00/0000:0b:00.1/.native"
	: >"$R/dev/vfio/14"
	k() {
		FAKE_SYSFS_ROOT=$R/sys FAKE_DEV_ROOT=$R/dev LD_PRELOAD=$FAKEKERNEL \
			ASAN_OPTIONS=verify_asan_link_order=0 "$X" --root "$R" "$@"
	}
	drv() {
		l=$(readlink "$R/sys/bus/pci/devices/$1/driver") && echo "${l##*/}"
	}
	rec=$R/run/vfio-claim/devices

	check "bind$s" 0 \
		"0000:0b:00.0 [10de:1b80]: on vfio-pci (was nouveau)|0000:0b:00.1 [10de:10f0]: on vfio-pci (was snd_hda_intel)" \
		k bind 0b:00
	expect_eq "bind-driver-links$s" "vfio-pci vfio-pci vfio-pci" \
		"$(drv 0000:0b:00.0) $(drv 0000:0b:00.1) $(cat "$R/sys/devices/pci0000:00/0000:0b:00.0/driver_override")"
	expect_eq "bind-record$s" "by=vfioctl previous_driver=nouveau result=claimed" \
		"$(grep -E '^(previous_driver|by|result)=' "$rec/0000:0b:00.0" 2>&1 | sort | tr '\n' ' ' | sed 's/ $//')"
	check "bind-again-keeps-record$s" 0 "on vfio-pci already" k bind 0b:00.0
	expect_eq "bind-again-record$s" "previous_driver=nouveau" \
		"$(grep '^previous_driver=' "$rec/0000:0b:00.0" 2>&1)"
	check "verify-after-bind$s" 0 "ready: 2 of 2" k verify 0b:00

	: >"$R/dev/vfio/14.busy"
	check "verify-in-use$s" 0 "0000:0b:00.0 [10de:1b80]: in use by a VM" \
		k verify 0b:00
	jcheck "verify-in-use-json$s" 0 \
		'.devices[0].status == "in-use" and .devices[0].group_node == "in-use"' \
		k verify --json 0b:00
	check "unbind-refuses-busy$s" 1 "IOMMU group 14 is in use" \
		k unbind 0b:00.0
	expect_eq "unbind-refused-left-alone$s" vfio-pci "$(drv 0000:0b:00.0)"
	rm "$R/dev/vfio/14.busy"

	check "unbind$s" 0 \
		"0000:0b:00.0: off vfio-pci, now on nouveau|0000:0b:00.1: off vfio-pci, now on snd_hda_intel" \
		k unbind 0b:00
	expect_eq "unbind-driver-links$s" "nouveau snd_hda_intel" \
		"$(drv 0000:0b:00.0) $(drv 0000:0b:00.1)"
	expect_eq "unbind-override-cleared$s" "(null)" \
		"$(tr -d '\n' <"$R/sys/devices/pci0000:00/0000:0b:00.0/driver_override")"
	expect_eq "unbind-records-removed$s" 0 "$(find "$rec" -type f | wc -l)"

	# The original driver does not come back: say so, exit 1.
	k bind 0b:00.1 >/dev/null 2>&1
	rm -rf "$R/sys/bus/pci/drivers/snd_hda_intel"
	check "unbind-driver-not-back$s" 1 \
		"was on snd_hda_intel before vfio-pci, but is on no driver now" \
		k unbind 0b:00.1
	fx_driver snd_hda_intel snd_hda_intel live
	k bind 0b:00.1 >/dev/null 2>&1
	: >"$R/dev/vfio/14.busy"
	check "unbind-force$s" 0 "in use; --force: unbinding anyway|now on snd_hda_intel" \
		k unbind --force 0b:00.1
}

# A fake sysfs alone must not make vfioctl look at the host.
hermetic() {
	if ! command -v strace >/dev/null 2>&1; then
		skip hermetic "no strace"
		return
	fi
	strace -f -o "$OUT/strace" -e trace=open,openat,access,faccessat,faccessat2,stat,newfstatat,readlink,readlinkat \
		"$VFIOCTL" --sysfs "$OUT/fx/wrongdrv/sys" verify 0b:00 >/dev/null 2>&1
	strace -f -o "$OUT/strace2" -e trace=open,openat,access,faccessat,faccessat2,newfstatat \
		"$VFIOCTL" --sysfs "$OUT/fx/wrongdrv/sys" bind 0b:00 >/dev/null 2>&1
	bad=$(cat "$OUT/strace" "$OUT/strace2" |
		grep -E '"/(proc|dev/vfio|run|etc/vfio|etc/modprobe|lib/modules|sys/)' |
		grep -v '/proc/self' | head -n 3)
	if [ -z "$bad" ]; then
		pass hermetic
	else
		fail hermetic "touched the host: $bad"
	fi
}

VFIOCTL=${VFIOCTL:-$BUILD/vfioctl}
if [ ! -x "$VFIOCTL" ]; then
	fail vfioctl-built "no $VFIOCTL: run make"
	exit 1
fi
build_fixtures
suite "$VFIOCTL" ""
roundtrip "$VFIOCTL" ""
hermetic
if [ -x "$BUILD/vfioctl.asan" ]; then
	suite "$BUILD/vfioctl.asan" .asan
	roundtrip "$BUILD/vfioctl.asan" .asan
else
	skip asan "no $BUILD/vfioctl.asan (make build/vfioctl.asan)"
fi
