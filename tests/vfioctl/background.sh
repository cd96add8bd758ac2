# shellcheck shell=sh
# verify while vfio-claim --background's worker is still at work (issue
# 22): its boot record says state=running and its pid; /proc/PID/comm
# tells whether it still runs. Running: "claim still running", no device
# verdict, exit 1; gone before its last record: claim-stopped, and each
# device checked as it is. Sourced by tests/vfioctl/run.sh.

# bg_host NAME PID [COMM]: vfio.devices=00:14.0 and 0b:00.0, the first
# still on its driver (the worker unbinds it once vfio-pci is registered),
# the second held by its override; the record of a claim at work, by PID
# (with COMM in proc/PID/comm when given).
bg_host() {
	rm -rf "${OUT:?}/fx/$1"
	fx_new "$1"
	fx_driver xhci_hcd xhci_pci live
	fx_dev 0000:00:14.0 8086:a2af 0c0330 xhci_hcd 5
	fx_dev 0000:0b:00.0 10de:1b80 030000 - 14 override=vfio-pci
	echo "vfio.devices=00:14.0,0b:00.0" >"$R/proc/cmdline"
	mkdir -p "$R/run/vfio-claim"
	printf 'source=vfio.devices=\nvalue=00:14.0,0b:00.0\nstatus=1\nstate=running\npid=%s\n' \
		"$2" >"$R/run/vfio-claim/boot"
	if [ -n "${3:-}" ]; then
		mkdir -p "$R/proc/$2"
		echo "$3" >"$R/proc/$2/comm"
	fi
}

background_suite() {
	X=$1 s=$2
	F=$OUT/fx
	bg_host bg-running 4242 vfio-claim
	check "verify-claim-running$s" 1 "vfio-claim still running|problem (claim-running): vfio-claim is still claiming this boot's devices in the background (pid 4242)|0000:00:14.0 [8086:a2af]: NOT READY, on xhci_hcd|problem (claim-running): vfio-claim is still claiming it|NOT READY: 0 of 2 devices ready" \
		"$X" --root "$F/bg-running" verify
	check_not "verify-claim-running-no-verdict$s" "wrong-driver|no-driver|vfioctl bind" \
		"$X" --root "$F/bg-running" verify
	jcheck "verify-claim-running-json$s" 1 \
		'.ready == false and ([.host.problems[].code] == ["claim-running"]) and ([.devices[].problems[].code] | unique) == ["claim-running"]' \
		"$X" --root "$F/bg-running" verify --json
	# The pid is another program's now: the worker is gone.
	bg_host bg-stopped 4243 bash
	check "verify-claim-stopped$s" 1 "vfio-claim ran this boot (status 1)|problem (claim-stopped): vfio-claim's claim in the background stopped before it was done|0000:00:14.0 [8086:a2af]: NOT READY, on xhci_hcd|problem (wrong-driver)|0000:0b:00.0 [10de:1b80]: NOT READY, on no driver" \
		"$X" --root "$F/bg-stopped" verify
	# It was asked: its record is missing because the worker stopped.
	check_not "verify-claim-stopped-not-unasked$s" "not-claimed-at-boot|was not asked" \
		"$X" --root "$F/bg-stopped" verify
	bg_host bg-gone 4244
	check "verify-claim-stopped-no-process$s" 1 "problem (claim-stopped)|and pid 4244 is gone" \
		"$X" --root "$F/bg-gone" verify
}
