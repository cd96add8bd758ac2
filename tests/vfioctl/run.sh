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
	dd=$R/sys/bus/pci/drivers/$1 # not d: fx_dev calls it and uses d
	mkdir -p "$dd"
	: >"$dd/bind"
	: >"$dd/unbind"
	if [ $# -ge 2 ]; then
		mkdir -p "$R/sys/module/$2"
		ln -sfn "../../../../module/$2" "$dd/module"
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

# ---- reserve and release: a fake --root with its own generator ----

# gen_host NAME LAYOUT...: a host with the seed's GPU, a USB controller, a
# config file, and the generator programs each LAYOUT brings: fakes in
# usr/sbin that log their arguments to gen.log, copy the config file they
# saw to gen.conf and exit with $FAKE_GEN_RC. LAYOUT: initramfs-tools,
# dracut, mkinitcpio, uki, stale-initramfs-tools (its /etc directory only).
gen_host() {
	fx_new "$1"
	shift
	fx_driver nouveau nouveau live
	fx_driver snd_hda_intel snd_hda_intel live
	fx_gpu nouveau snd_hda_intel
	fx_dev 0000:00:14.0 8086:a2af 0c0330 xhci_hcd 5
	echo "quiet intel_iommu=on" >"$R/proc/cmdline"
	mkdir -p "$R/usr/sbin"
	printf '%s\n' "# vfio-claim: devices for vfio-pci" "" \
		"devices = 00:14.0  # the USB controller" "# end" \
		>"$R/etc/vfio-claim.conf"
	chmod 0640 "$R/etc/vfio-claim.conf"
	for l in "$@"; do
		case $l in
		initramfs-tools)
			mkdir -p "$R/etc/initramfs-tools"
			fake_gen update-initramfs
			;;
		stale-initramfs-tools) mkdir -p "$R/etc/initramfs-tools" ;;
		dracut) fake_gen dracut ;;
		mkinitcpio)
			echo "HOOKS=(base vfio-claim udev autodetect)" \
				>"$R/etc/mkinitcpio.conf"
			fake_gen mkinitcpio
			;;
		uki)
			mkdir -p "$R/etc/kernel" "$R/usr/lib/modules/$KVER"
			printf '# kernel-install\nlayout="uki"\n' \
				>"$R/etc/kernel/install.conf"
			: >"$R/usr/lib/modules/$KVER/vmlinuz"
			fake_gen kernel-install
			;;
		esac
	done
}

fake_gen() {
	{
		echo '#!/bin/sh'
		echo "echo \"$1 \$*\" >>\"$R/gen.log\""
		echo "cp \"$R/etc/vfio-claim.conf\" \"$R/gen.conf\""
		# shellcheck disable=SC2016 # expands in the fake, not here
		echo 'exit "${FAKE_GEN_RC:-0}"'
	} >"$R/usr/sbin/$1"
	chmod +x "$R/usr/sbin/$1"
}

# The whole tree, contents and modes: did anything change?
tree_sum() {
	(cd "$1" && find . -exec stat -c '%n %a %s' {} + && find . -type f -exec cksum {} +) |
		LC_ALL=C sort | cksum
}

KVER=$(uname -r)

reserve_suite() {
	X=$1 s=$2
	F=$OUT/fx
	g() {
		r=$1
		shift
		"$X" --root "$F/$r" "$@"
	}
	conf() { cat "$F/$1/etc/vfio-claim.conf"; }
	glog() { cat "$F/$1/gen.log" 2>/dev/null; }

	gen_host "rsv$s" initramfs-tools
	check "reserve$s" 0 \
		"devices=0000:00:14.0,10de:1b80@0000:0b:00.0,10de:10f0@0000:0b:00.1|rebuilding the initramfs (initramfs-tools): update-initramfs -u -k all" \
		g "rsv$s" reserve 0b:00
	expect_eq "reserve-keeps-the-rest$s" \
		"# vfio-claim: devices for vfio-pci~~devices = 0000:00:14.0,10de:1b80@0000:0b:00.0,10de:10f0@0000:0b:00.1  # the USB controller~# end~" \
		"$(conf "rsv$s" | tr '\n' '~')"
	expect_eq "reserve-keeps-the-mode$s" 640 \
		"$(stat -c %a "$F/rsv$s/etc/vfio-claim.conf")"
	expect_eq "reserve-rebuilds$s" "update-initramfs -u -k all" \
		"$(glog "rsv$s")"
	expect_eq "reserve-rebuilds-after-writing$s" "$(conf "rsv$s")" \
		"$(cat "$F/rsv$s/gen.conf")"
	# The boot reads the file the same way: the plan claims all three.
	check "reserve-then-plan$s" 0 \
		"plan 0000:0b:00.0 id=10de:1b80 driver=nouveau group=14 action=claim|plan 0000:0b:00.1 id=10de:10f0|plan 0000:00:14.0 id=8086:a2af" \
		g "rsv$s" plan
	before=$(tree_sum "$F/rsv$s")
	check "reserve-again$s" 0 "nothing to change" \
		g "rsv$s" reserve 0b:00.0 10de:10f0
	expect_eq "reserve-idempotent$s" "$before" "$(tree_sum "$F/rsv$s")"
	check "reserve-bridge$s" 1 \
		"0000:00:01.0 [8086:1901]: not claimed: is a PCI bridge|nothing changed in $F/rsv$s/etc/vfio-claim.conf" \
		g "rsv$s" reserve 00:01.0
	check "reserve-unknown$s" 1 \
		"0000:05:00.0: no such PCI device on this machine|nothing changed" \
		g "rsv$s" reserve 05:00.0
	check "reserve-stale-guard$s" 1 \
		"10de:1b80@0000:00:14.0: 0000:00:14.0 is 8086:a2af (subsystem 1458:3702), not 10de:1b80: not claimed|nothing changed" \
		g "rsv$s" reserve 10de:1b80@0000:00:14.0
	check "reserve-bad-selector$s" 2 "'0b:0' is not a device selector" \
		g "rsv$s" reserve 0b:0
	expect_eq "reserve-refused-writes-nothing$s" "$before" \
		"$(tree_sum "$F/rsv$s")"

	check "release-dry-run$s" 0 \
		"would be:|devices = 0000:00:14.0,10de:10f0@0000:0b:00.1  # the USB controller|then would run: update-initramfs -u -k all" \
		g "rsv$s" release --dry-run 0b:00.0
	check "reserve-dry-run$s" 0 "then would run: update-initramfs" \
		g "rsv$s" reserve -n 00:14.0
	expect_eq "dry-runs-write-nothing$s" "$before" "$(tree_sum "$F/rsv$s")"
	check "release-not-reserved$s" 1 \
		"0000:00:02.0: not reserved in $F/rsv$s/etc/vfio-claim.conf (devices=0000:00:14.0,|nothing changed" \
		g "rsv$s" release 00:02.0 0b:00.0
	expect_eq "release-refused-writes-nothing$s" "$before" \
		"$(tree_sum "$F/rsv$s")"
	# An address releases the guarded entry at that address.
	check "release$s" 0 "devices=0000:00:14.0,10de:10f0@0000:0b:00.1" \
		g "rsv$s" release 0000:0b:00.0
	expect_eq "release-rebuilds$s" \
		"update-initramfs -u -k all~update-initramfs -u -k all~" \
		"$(glog "rsv$s" | tr '\n' '~')"
	check "release-by-id$s" 0 "devices=0000:00:14.0" \
		g "rsv$s" --no-rebuild release 10de:10f0
	check "release-all$s" 0 "devices=|rebuilding the initramfs" \
		g "rsv$s" release --all
	expect_eq "release-all-file$s" \
		"# vfio-claim: devices for vfio-pci~~devices =   # the USB controller~# end~" \
		"$(conf "rsv$s" | tr '\n' '~')"
	check "release-all-empty$s" 0 "nothing is reserved there" \
		g "rsv$s" release --all
	expect_eq "plan-after-release$s" "" "$(g "rsv$s" plan 2>&1)"

	# A failed rebuild puts the old file back.
	gen_host "fail$s" initramfs-tools
	prev=$(conf "fail$s")
	FAKE_GEN_RC=3
	export FAKE_GEN_RC
	check "rebuild-fails$s" 1 \
		"'update-initramfs -u -k all' failed (exit status 3)|$F/fail$s/etc/vfio-claim.conf: put back as it was" \
		g "fail$s" reserve 0b:00.0
	expect_eq "rebuild-fails-restores$s" "$prev" "$(conf "fail$s")"
	expect_eq "rebuild-fails-mode$s" 640 \
		"$(stat -c %a "$F/fail$s/etc/vfio-claim.conf")"
	expect_eq "rebuild-fails-saw-new-file$s" \
		"devices = 0000:00:14.0,10de:1b80@0000:0b:00.0  # the USB controller" \
		"$(grep '^devices' "$F/fail$s/gen.conf")"
	rm -f "$F/fail$s/etc/vfio-claim.conf"
	FAKE_GEN_RC=1
	check "rebuild-fails-new-file$s" 1 "failed (exit status 1)" \
		g "fail$s" reserve 0b:00.0
	unset FAKE_GEN_RC
	expect_eq "rebuild-fails-removes-new-file$s" no \
		"$([ -e "$F/fail$s/etc/vfio-claim.conf" ] && echo yes || echo no)"
	check "reserve-creates-file$s" 0 "devices=10de:1b80@0000:0b:00.0" \
		g "fail$s" reserve 0b:00.0
	expect_eq "reserve-created-file$s" "devices=10de:1b80@0000:0b:00.0 644" \
		"$(cat "$F/fail$s/etc/vfio-claim.conf") $(stat -c %a "$F/fail$s/etc/vfio-claim.conf")"

	# --no-rebuild, the command line that wins, the file's own errors.
	gen_host "nr$s" initramfs-tools
	echo "intel_iommu=on vfio.devices=0b:00.1" >"$F/nr$s/proc/cmdline"
	check "reserve-no-rebuild$s" 0 \
		"rebuild the initramfs for it to apply: update-initramfs -u -k all|warning: the kernel command line has vfio.devices=0b:00.1, which wins over $F/nr$s/etc/vfio-claim.conf" \
		g "nr$s" reserve --no-rebuild 0b:00.0
	expect_eq "reserve-no-rebuild-runs-nothing$s" "" "$(glog "nr$s")"
	printf 'devices=0b:00.0 frob\n' >"$F/nr$s/etc/vfio-claim.conf"
	check "reserve-bad-file$s" 1 \
		"'frob' is not a device selector|$F/nr$s/etc/vfio-claim.conf:1: the devices= line has entries that are not selectors" \
		g "nr$s" reserve 0b:00.0
	printf 'devices=0b:00.0 # plain\n' >"$F/nr$s/etc/vfio-claim.conf"
	check "reserve-guards-plain-entry$s" 0 \
		"10de:1b80@0000:0b:00.0 replaces 0000:0b:00.0" \
		g "nr$s" reserve --no-rebuild 0b:00.0
	expect_eq "reserve-guards-plain-entry-file$s" \
		"devices=10de:1b80@0000:0b:00.0 # plain" "$(conf "nr$s")"
	printf 'devices=10de:1b80 0b:00\n' >"$F/nr$s/etc/vfio-claim.conf"
	check "reserve-covered$s" 0 \
		"0000:0b:00.0 is already reserved by 10de:1b80|0000:0b:00.1 is already reserved by 0000:0b:00|nothing to change" \
		g "nr$s" reserve 0b:00
	printf 'devices=10de:1b80@0000:0b:00.0\n' >"$F/nr$s/etc/vfio-claim.conf"
	check "reserve-no-dir$s" 1 \
		"$F/nr$s/nodir/vfio-claim.conf: cannot create a temporary file in $F/nr$s/nodir" \
		g "nr$s" --config "$F/nr$s/nodir/vfio-claim.conf" reserve --no-rebuild 0b:00.0
	ln -s vfio-claim.conf "$F/nr$s/etc/link.conf"
	check "reserve-through-symlink$s" 0 "devices=10de:1b80@0000:0b:00.0,10de:10f0@0000:0b:00.1" \
		g "nr$s" --config "$F/nr$s/etc/link.conf" reserve --no-rebuild 0b:00.1
	expect_eq "reserve-symlink-kept$s" "vfio-claim.conf" \
		"$(readlink "$F/nr$s/etc/link.conf")"

	# Which generator: each layout, and the order between them.
	for lay in uki mkinitcpio initramfs-tools dracut "mkinitcpio dracut" \
		"stale-initramfs-tools dracut" "uki initramfs-tools"; do
		n=$(echo "$lay" | tr ' ' '+')
		# shellcheck disable=SC2086 # one layout per word
		gen_host "gen-$n$s" $lay
		case $lay in
		uki*) want="kernel-install add $KVER /usr/lib/modules/$KVER/vmlinuz" ;;
		mkinitcpio*) want="mkinitcpio -P" ;;
		initramfs-tools) want="update-initramfs -u -k all" ;;
		*dracut) want="dracut --force --regenerate-all" ;;
		esac
		g "gen-$n$s" reserve 0b:00.0 >"$OUT/gen.out" 2>&1
		expect_eq "generator-$n$s" "$want" "$(glog "gen-$n$s")"
	done
	gen_host "gen-none$s"
	before=$(tree_sum "$F/gen-none$s")
	check "generator-none$s" 1 \
		"reserve: no initramfs generator found (kernel-install with layout=uki, mkinitcpio, update-initramfs or dracut); nothing changed" \
		g "gen-none$s" reserve 0b:00.0
	expect_eq "generator-none-writes-nothing$s" "$before" \
		"$(tree_sum "$F/gen-none$s")"
	gen_host "gen-hooks$s" mkinitcpio
	echo "HOOKS=(base udev autodetect)" >"$F/gen-hooks$s/etc/mkinitcpio.conf"
	check "generator-mkinitcpio-hooks$s" 0 \
		"warning: HOOKS in /etc/mkinitcpio.conf has no vfio-claim" \
		g "gen-hooks$s" reserve --no-rebuild 0b:00.0

	# Options that belong to a verb.
	check "usage-all-not-verify$s" 2 \
		"--all is an option of release, not of verify" \
		g "rsv$s" verify --all
	check "usage-no-rebuild-not-bind$s" 2 \
		"--no-rebuild is an option of reserve and release, not of bind" \
		g "rsv$s" --no-rebuild bind 0b:00.0
	check "usage-reserve-all$s" 2 \
		"--all is an option of release, not of reserve" \
		g "rsv$s" reserve --all
	check "usage-reserve-no-args$s" 2 "name at least one device" \
		g "rsv$s" reserve
	check "usage-release-nothing$s" 2 "name devices, or --all" \
		g "rsv$s" release
	check "usage-release-both$s" 2 "name devices, or --all, not both" \
		g "rsv$s" release --all 0b:00.0
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
	# reserve with a fake sysfs: only the named file; no generator found
	# on the host, none run.
	printf 'devices=\n' >"$OUT/hermetic.conf"
	strace -f -o "$OUT/strace3" -e trace=open,openat,access,faccessat,faccessat2,stat,newfstatat,execve \
		"$VFIOCTL" --sysfs "$OUT/fx/wrongdrv/sys" --config "$OUT/hermetic.conf" \
		reserve --no-rebuild 0b:00.0 >"$OUT/hermetic.out" 2>&1
	bad=$(grep -E '"/(proc|etc|usr|sbin|bin|boot|lib/modules|run)' "$OUT/strace3" |
		grep -v -e '/proc/self' -e "$VFIOCTL" -e '\.so' -e 'ld\.so' -e '/usr/share/locale' -e '/usr/lib/locale' |
		head -n 3)
	if [ -n "$bad" ]; then
		fail hermetic-reserve "touched the host: $bad"
	elif ! grep -qx 'devices=10de:1b80@0000:0b:00.0' "$OUT/hermetic.conf"; then
		fail hermetic-reserve "did not write $OUT/hermetic.conf: $(head -c 300 "$OUT/hermetic.out")"
	else
		pass hermetic-reserve
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
reserve_suite "$VFIOCTL" ""
hermetic
if [ -x "$BUILD/vfioctl.asan" ]; then
	suite "$BUILD/vfioctl.asan" .asan
	roundtrip "$BUILD/vfioctl.asan" .asan
	reserve_suite "$BUILD/vfioctl.asan" .asan
else
	skip asan "no $BUILD/vfioctl.asan (make build/vfioctl.asan)"
fi
