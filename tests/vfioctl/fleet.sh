# shellcheck shell=sh
# Fleets (issue 21): verify --format nfd and --nfd-dir, vfioctl kubevirt,
# checked with rules written from NFD's guide (nfdcheck.sh) and KubeVirt's
# device plugin (kvdiscover.sh). Sourced by tests/vfioctl/run.sh, which
# has the fixture builder (fx_*) and check/expected.

# fl_nodes: /dev/vfio/N for each group with a device on a vfio driver.
fl_nodes() {
	awk '{ d = g = ""
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^driver=.*vfio/) d = 1
			if ($i ~ /^group=/) g = substr($i, 7)
		}
		if (d && g != "") print g }' "$R.spec" | while read -r g; do
		: >"$R/dev/vfio/$g"
	done
}

# A GPU and its audio function in their own IOMMU group.
fl_gpu() { # BUS GPU-DRIVER AUDIO-DRIVER GROUP
	fx_dev "0000:$1:00.0" 10de:2204 030000 "$2" "$4"
	fx_dev "0000:$1:00.1" 10de:1aef 040300 "$3" "$4"
}

fleet_fixtures() {
	# Two GPUs ready, the third still on nouveau: not ready.
	fx_new fleet-2of3
	fx_driver nouveau nouveau live
	fx_driver snd_hda_intel snd_hda_intel live
	fl_gpu 01 vfio-pci vfio-pci 1
	fl_gpu 02 vfio-pci vfio-pci 2
	fl_gpu 03 nouveau snd_hda_intel 3
	fl_nodes
	echo "intel_iommu=on vfio.devices=10de:2204,10de:1aef" >"$R/proc/cmdline"
	fx_claimed 0 0000:01:00.0 0000:01:00.1 0000:02:00.0 0000:02:00.1

	# All three ready.
	fx_new fleet-3of3
	fl_gpu 01 vfio-pci vfio-pci 1
	fl_gpu 02 vfio-pci vfio-pci 2
	fl_gpu 03 vfio-pci vfio-pci 3
	fl_nodes
	echo "intel_iommu=on vfio.devices=10de:2204,10de:1aef" >"$R/proc/cmdline"

	# What KubeVirt does not take although verify says ready: a VF on a
	# vfio variant driver; a GPU whose group holds a function on vfio-pci
	# that is not reserved (bound by hand); two NICs of one vendor:device
	# in one group (KubeVirt offers one).
	fx_new fleet-kvno
	fx_driver mlx5_vfio_pci mlx5_vfio_pci live
	fl_gpu 01 vfio-pci vfio-pci 1
	fx_dev 0000:3b:00.2 15b3:101e 020000 mlx5_vfio_pci 40
	fx_dev 0000:05:00.0 10de:2204 030000 vfio-pci 5
	fx_dev 0000:05:00.1 10de:1aef 040300 vfio-pci 5
	fx_dev 0000:06:00.0 8086:1572 020000 vfio-pci 6
	fx_dev 0000:06:00.1 8086:1572 020000 vfio-pci 6
	# On vfio-pci but its group is not viable (the audio function is on
	# its host driver): KubeVirt offers it all the same, a VM fails.
	fx_driver snd_hda_intel snd_hda_intel live
	fl_gpu 07 vfio-pci snd_hda_intel 7
	fl_nodes
	echo "intel_iommu=on vfio.devices=01:00.0,01:00.1,3b:00.2,05:00.0,06:00.0,06:00.1,07:00.0" \
		>"$R/proc/cmdline"

	# A ConnectX-7 VF still on mlx5_core, and a kernel with its variant.
	fx_new fleet-variant
	fx_driver mlx5_core mlx5_core live
	fx_dev 0000:3b:00.2 15b3:101e 020000 mlx5_core 40
	mkdir -p "$R/mods"
	{
		echo "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci"
		echo "alias vfio_pci:v000015B3d0000101Esv*sd*bc*sc*i* mlx5_vfio_pci"
	} >"$R/mods/modules.alias"
	echo "pci:v000015B3d0000101Esv000015B3sd00000041bc02sc00i00" \
		>"$R/sys/bus/pci/devices/0000:3b:00.2/modalias"

	# vfio's no-IOMMU mode: nodes are /dev/vfio/noiommu-N.
	FX_IOMMU='' fx_new fleet-noiommu
	fx_dev 0000:01:00.0 10de:2204 030000 vfio-pci 1
	mkdir -p "$R/sys/module/vfio/parameters"
	echo Y >"$R/sys/module/vfio/parameters/enable_unsafe_noiommu_mode"
	: >"$R/dev/vfio/noiommu-1"
	echo "vfio.devices=01:00.0" >"$R/proc/cmdline"
}

# nfd_one NAME RC FIXTURE NEEDLES: verify --format nfd on FIXTURE: exit RC,
# the file passes nfdcheck.sh, has every needle (a whole line), and (the
# time lines aside) is the golden.
nfd_one() {
	name=$1 want=$2 fx=$3 needles=$4
	"$X" --root "$OUT/fx/$fx" verify --format nfd >"$OUT/nfd" 2>"$OUT/stderr"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$name" "exit $rc, want $want: $(head -n 3 "$OUT/stderr" | tr '\n' '~')"
		return
	fi
	if ! o=$(sh "$HERE/nfdcheck.sh" "$OUT/nfd" vfio-claim.io); then
		fail "$name" "nfdcheck: $(echo "$o" | head -n 4 | tr '\n' '~')"
		return
	fi
	old=$IFS
	IFS='|'
	for n in $needles; do
		IFS=$old
		if ! grep -qxF -- "$n" "$OUT/nfd"; then
			fail "$name" "no line [$n] in: $(tr '\n' '~' <"$OUT/nfd")"
			return
		fi
	done
	IFS=$old
	if expected "$name" "$rc" "$(sed 's/20[0-9][0-9]-[0-9-]*T[0-9:]*Z/TIME/' "$OUT/nfd")"; then
		pass "$name"
	else
		fail "$name" "$GOLDEN_WHY"
	fi
}

# kv_agree NAME FIXTURE: KubeVirt's plugin (kvdiscover.sh), given vfioctl
# kubevirt's YAML, offers exactly the devices the YAML's comments list
# plus those warned "offered too"; our NFD count per resource is the
# number the YAML lists; and every reserved device is listed, goes with
# one listed, or is warned about: one of the three.
kv_agree() {
	name=$1 fx=$2
	r=$OUT/fx/$fx
	"$X" --root "$r" kubevirt >"$OUT/kv.yaml" 2>"$OUT/kv.err"
	"$X" --root "$r" verify --format nfd >"$OUT/kv.nfd" 2>/dev/null
	if ! sh "$HERE/kvdiscover.sh" "$r" "$OUT/kv.yaml" >"$OUT/kv.offer" 2>"$OUT/kv.why"; then
		fail "$name" "KubeVirt refuses the YAML: $(tr '\n' '~' <"$OUT/kv.why")"
		return
	fi
	listed=$(sed -n 's/^  # \(.*(IOMMU group .*\)$/\1/p' "$OUT/kv.yaml" |
		tr ',' '\n' | sed 's/^ *//; s/ (IOMMU.*//' | sort)
	riders=$(sed -n 's/^  # \([^ ]*\) goes with .*/\1/p' "$OUT/kv.yaml" | sort)
	warned=$(sed -n 's/^vfioctl: warning: kubevirt: \([^ ]*\) .*/\1/p' "$OUT/kv.err" | sort)
	also=$(sed -n 's/^vfioctl: warning: kubevirt: \([^ ]*\) .* is offered too .*/\1/p' "$OUT/kv.err" | sort)
	theirs=$(awk '{ print $2 }' "$OUT/kv.offer" | sort)
	want=$(printf '%s\n%s\n' "$listed" "$also" | grep . | sort)
	if [ "$theirs" != "$want" ]; then
		fail "$name" "KubeVirt offers [$(echo "$theirs" | tr "\n" " ")], vfioctl says [$(echo "$want" | tr "\n" " ")]"
		return
	fi
	ours=$(grep '^vfio-claim.io/pci-' "$OUT/kv.nfd" | sed 's/=/ /' | sort)
	counted=$(awk '/^  # .*IOMMU group/ { n = split($0, a, ",") }
		/resourceName:/ { r = $2; gsub(/"/, "", r); print r, n }' "$OUT/kv.yaml" | sort)
	if [ "$ours" != "$counted" ]; then
		fail "$name" "labels [$(echo "$ours" | tr "\n" " ")], the YAML lists [$(echo "$counted" | tr "\n" " ")]"
		return
	fi
	all=$(printf '%s\n%s\n%s\n' "$listed" "$riders" "$warned" | grep . | sort -u)
	reserved=$("$X" --root "$r" verify --format json 2>/dev/null |
		jq -r '.devices[] | .address // .selector' | sort)
	if [ "$all" != "$reserved" ]; then
		fail "$name" "reserved [$(echo "$reserved" | tr "\n" " ")]; listed, riding or warned [$(echo "$all" | tr "\n" " ")]"
		return
	fi
	pass "$name"
}

fleet() {
	X=$1 s=$2
	[ -d "$OUT/fx/fleet-2of3" ] || fleet_fixtures
	# The issue's case: 2 GPUs ready, 1 not.
	nfd_one "fleet-nfd-2of3$s" 1 fleet-2of3 \
		"vfio-claim.io/ready=false|vfio-claim.io/iommu=true|vfio-claim.io/noiommu=false|vfio-claim.io/devices=6|vfio-claim.io/devices-ready=4|vfio-claim.io/pci-10de-2204=2"
	nfd_one "fleet-nfd-3of3$s" 0 fleet-3of3 \
		"vfio-claim.io/ready=true|vfio-claim.io/pci-10de-2204=3"
	# KubeVirt can give a VM only the GPU of bus 01 (its audio goes with
	# it) and one of the NICs of group 6; bus 07's GPU is not ready.
	nfd_one "fleet-nfd-kvno$s" 1 fleet-kvno \
		"vfio-claim.io/ready=false|vfio-claim.io/devices=7|vfio-claim.io/devices-ready=6|vfio-claim.io/pci-10de-2204=1|vfio-claim.io/pci-8086-1572=1"
	nfd_one "fleet-nfd-noiommu$s" 0 fleet-noiommu \
		"vfio-claim.io/ready=true|vfio-claim.io/iommu=false|vfio-claim.io/noiommu=true"
	# No label says "ready" when not ready, none counts a device that is
	# not ready or goes with another, and no line names another prefix.
	check_not "fleet-nfd-nothing-false$s" \
		"vfio-claim.io/ready=true|vfio-claim.io/pci-10de-2204=3|vfio-claim.io/pci-10de-1aef|kubernetes.io/" \
		"$X" --root "$OUT/fx/fleet-2of3" verify --format nfd

	check "fleet-kubevirt-2of3$s" 1 \
		'pciVendorSelector: "10DE:2204"|resourceName: "vfio-claim.io/pci-10de-2204"|0000:03:00.0 [10de:2204] is not taken: not ready' \
		"$X" --root "$OUT/fx/fleet-2of3" kubevirt
	check "fleet-kubevirt-3of3$s" 0 \
		'pciVendorSelector: "10DE:2204"|# 0000:03:00.1 goes with 0000:03:00.0' \
		"$X" --root "$OUT/fx/fleet-3of3" kubevirt
	check "fleet-kubevirt-kvno$s" 1 \
		'0000:3b:00.2 [15b3:101e] is not taken: on mlx5_vfio_pci|0000:05:00.0 [10de:2204] is offered too (10DE:2204 is permitted), but IOMMU group 5 also holds 0000:05:00.1|0000:07:00.0 [10de:2204] is offered too|# 0000:06:00.0 goes with 0000:06:00.1' \
		"$X" --root "$OUT/fx/fleet-kvno" kubevirt
	check "fleet-kubevirt-noiommu$s" 1 \
		'pciHostDevices: []|is not taken: vfio no-IOMMU mode' \
		"$X" --root "$OUT/fx/fleet-noiommu" kubevirt
	for f in 2of3 3of3 kvno noiommu; do
		kv_agree "fleet-kubevirt-agrees-$f$s" "fleet-$f"
	done

	# --nfd-dir: the file appears whole under its name, no dot-file left,
	# and stdout is verify's human verdict as without it.
	d=$OUT/fx/fleet-2of3/features.d
	rm -rf "$d"
	mkdir -p "$d"
	echo stale >"$d/vfio-claim"
	"$X" --root "$OUT/fx/fleet-2of3" verify --nfd-dir "$d" >"$OUT/nfd-human" 2>&1
	rc=$?
	"$X" --root "$OUT/fx/fleet-2of3" verify >"$OUT/human" 2>&1
	if [ "$rc" != 1 ] || ! cmp -s "$OUT/nfd-human" "$OUT/human"; then
		fail "fleet-nfd-dir$s" "exit $rc; output differs from verify's: $(diff "$OUT/human" "$OUT/nfd-human" | head -n 4 | tr '\n' '~')"
	elif [ "$(find "$d" -mindepth 1 -printf '%f ')" != "vfio-claim " ] || ! grep -qx 'vfio-claim.io/ready=false' "$d/vfio-claim" ||
		! sh "$HERE/nfdcheck.sh" "$d/vfio-claim" vfio-claim.io >/dev/null; then
		fail "fleet-nfd-dir$s" "features.d: $(find "$d" -mindepth 1 -printf '%f '): $(tr '\n' '~' <"$d/vfio-claim")"
	else
		pass "fleet-nfd-dir$s"
	fi
	# vfio.variants=off: verify does not ask for the variant, and plan
	# and bind pick plain vfio-pci for the VF, as vfio-claim will.
	F=$OUT/fx
	check "fleet-variants-off-verify$s" 0 "ready: 1 of 1 devices ready" \
		"$X" --root "$F/variantvf" --modules-dir "$F/variantvf/mods" \
		--cmdline "vfio.devices=15b3:101e@0000:3b:00.2 vfio.variants=off" verify
	check_not "fleet-variants-off-no-warning$s" "variant-driver" \
		"$X" --root "$F/variantvf" --modules-dir "$F/variantvf/mods" \
		--cmdline "vfio.devices=15b3:101e@0000:3b:00.2 vfio.variants=off" verify
	check "fleet-variants-off-plan$s" 0 "action=claim to=vfio-pci" \
		"$X" --root "$F/fleet-variant" --modules-dir "$F/fleet-variant/mods" \
		--cmdline "vfio.devices=15b3:101e@0000:3b:00.2 vfio.variants=off" plan
	check "fleet-variants-auto-plan$s" 0 "action=claim to=mlx5_vfio_pci" \
		"$X" --root "$F/fleet-variant" --modules-dir "$F/fleet-variant/mods" \
		--cmdline "vfio.devices=15b3:101e@0000:3b:00.2" plan
	check "fleet-nfd-dir-missing$s" 1 \
		"--nfd-dir $OUT/fx/fleet-2of3/nowhere: no such directory" \
		"$X" --root "$OUT/fx/fleet-2of3" --quiet verify --nfd-dir "$OUT/fx/fleet-2of3/nowhere"
	# A ready host whose label file cannot be written: exit 1, and the
	# verdict it prints is still "ready".
	check "fleet-nfd-dir-missing-ready$s" 1 \
		"--nfd-dir $OUT/fx/fleet-3of3/nowhere: no such directory|ready: 6 of 6 devices ready" \
		"$X" --root "$OUT/fx/fleet-3of3" verify --nfd-dir "$OUT/fx/fleet-3of3/nowhere"
	check "fleet-format-bad$s" 2 "is not human, json, prometheus or nfd" \
		"$X" --root "$OUT/fx/fleet-2of3" verify --format nfds
	check "fleet-nfd-dir-not-kubevirt$s" 2 "--nfd-dir is an option of verify, not of kubevirt" \
		"$X" --root "$OUT/fx/fleet-2of3" kubevirt --nfd-dir /tmp
}

# The checkers themselves: each nfdcheck case breaks one rule of the guide
# and must be refused; kvdiscover refuses a resource name the kubelet
# would and skips a variant driver.
fleet_selftest() {
	n=0 what=
	while IFS= read -r l; do
		case $l in
		"--- "*)
			[ -n "$what" ] && nfd_case
			n=$((n + 1)) what=${l#--- }
			: >"$OUT/nfd-in"
			;;
		*) printf '%s\n' "$l" >>"$OUT/nfd-in" ;;
		esac
	done <"$HERE/nfdcheck-cases"
	nfd_case
	n=$((n + 1)) what="refuse: over 64 kB"
	awk 'BEGIN { for (i = 0; i < 3000; i++) printf "vfio-claim.io/l%d=true\n", i }' >"$OUT/nfd-in"
	nfd_case
	[ -d "$OUT/fx/fleet-2of3" ] || fleet_fixtures
	printf 'permittedHostDevices:\n  pciHostDevices:\n  - pciVendorSelector: "10DE:2204"\n    resourceName: "kubernetes.io/gpu"\n' >"$OUT/kv-bad.yaml"
	if sh "$HERE/kvdiscover.sh" "$OUT/fx/fleet-2of3" "$OUT/kv-bad.yaml" >/dev/null 2>&1; then
		fail fleet-kvdiscover-selftest-resource "took resourceName kubernetes.io/gpu"
	else
		pass fleet-kvdiscover-selftest-resource
	fi
	printf 'permittedHostDevices:\n  pciHostDevices:\n  - pciVendorSelector: "15B3:101E"\n    resourceName: "vfio-claim.io/pci-15b3-101e"\n  - pciVendorSelector: "10DE:2204"\n    resourceName: "vfio-claim.io/pci-10de-2204"\n' >"$OUT/kv-var.yaml"
	expect_eq fleet-kvdiscover-selftest-rule \
		"vfio-claim.io/pci-10de-2204 0000:01:00.0 1
vfio-claim.io/pci-10de-2204 0000:05:00.0 5
vfio-claim.io/pci-10de-2204 0000:07:00.0 7" \
		"$(sh "$HERE/kvdiscover.sh" "$OUT/fx/fleet-kvno" "$OUT/kv-var.yaml" 2>&1)"
}

nfd_case() {
	if sh "$HERE/nfdcheck.sh" "$OUT/nfd-in" vfio-claim.io >/dev/null; then
		got=accept
	else
		got=refuse
	fi
	case $what in
	"$got:"*) pass "fleet-nfdcheck-selftest-$n" ;;
	*) fail "fleet-nfdcheck-selftest-$n" "$what, but it did $got: $(tr '\n' '~' <"$OUT/nfd-in")" ;;
	esac
}
