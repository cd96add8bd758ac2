#!/bin/sh
# make bench: what vfio-claim costs at boot, on generated trees of 64, 1024
# and 4096 functions. Reports medians of RUNS runs (default 31):
#   wall time of vfio-claim --dry-run with an ID selector and with an
#   address selector, its syscalls per scanned device (strace -c), the
#   floor (open+read+close of one attribute per device, same toolchain),
#   and a dash loop doing the same ID match the way shell hooks do.
# Every ratio comes from RUNS pairs run back to back (timeit --vs): the
# median of the per-pair ratios, [min-max], so the machine's drift cancels.
# Peak memory: vfio-claim's VmHWM with the ID selector (timeit -m).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
B=$top/build
RUNS=${RUNS:-31}
SIZES=${SIZES:-"64 1024 4096"}
for t in vfio-claim floor timeit mktree; do
	[ -x "$B/$t" ] || { echo "bench: build/$t missing: run make bench" >&2; exit 2; }
done
command -v strace >/dev/null || { echo "bench: strace missing (apt-get install strace)" >&2; exit 2; }
base=/dev/shm
[ -d "$base" ] && [ -w "$base" ] || base=${TMPDIR:-/tmp}
work=$(mktemp -d "$base/vfio-claim-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The ID the shell loop and the ID selector look for: on no device, so
# every device is a non-matching one.
ID=ffff:0001
cat >"$work/loop.sh" <<'LOOP'
n=0
for d in "$1"/bus/pci/devices/*; do
	read -r v <"$d/vendor"
	read -r dv <"$d/device"
	[ "$v:$dv" = "0xffff:0x0001" ] && n=$((n + 1))
done
exit 0
LOOP

syscalls() { # total syscalls of a command, from strace -c
	strace -f -c -o "$work/strace" "$@" >/dev/null 2>&1 || true
	awk '$NF == "total" { print $4 }' "$work/strace"
}

ratio() { # "A B MED MIN MAX" -> "MED [MIN-MAX]"
	echo "$1" | awk -v f="$2" '{ printf f " [" f "-" f "]", $3, $4, $5 }'
}
printf '%-6s %-10s %8s %8s %-18s %12s %8s %-18s %9s\n' \
	funcs selector "vc us" "floor us" "vc/floor" "syscalls/dev" "dash us" "dash/floor" "peak KiB"
for n in $SIZES; do
	tree=$work/t$n
	mkdir -p "$tree"
	awk -v n="$n" 'BEGIN {
		print "iommu dmar0"; print "driver xhci_hcd"
		for (i = 0; i < n; i++) {
			bus = int(i / 256) + 1; slot = int((i % 256) / 8); fn = i % 8
			printf "0000:%02x:%02x.%d 1b36:000d 0c0330 driver=xhci_hcd group=%d\n", bus, slot, fn, i
		}
	}' | "$B/mktree" "$tree"
	dash=$("$B/timeit" "$RUNS" dash "$work/loop.sh" "$tree" --vs "$B/floor" "$tree" uevent)
	empty=$(syscalls "$B/vfio-claim" --sysfs "$tree" --cmdline "vfio.devices=none" -q)
	for sel in "$ID" 01:00.0; do
		calls=$(syscalls "$B/vfio-claim" --sysfs "$tree" \
			--cmdline "vfio.devices=$sel" -n -q)
		per=$(awk -v c="$calls" -v e="$empty" -v n="$n" \
			'BEGIN { printf "%.2f", (c - e) / n }')
		if [ "$sel" = "$ID" ]; then
			p=$("$B/timeit" "$RUNS" "$B/vfio-claim" --sysfs "$tree" \
				--cmdline "vfio.devices=$sel" -n -q --vs "$B/floor" "$tree" uevent)
			rss=$("$B/timeit" -m "$B/vfio-claim" --sysfs "$tree" \
				--cmdline "vfio.devices=$sel" -n -q)
			printf '%-6s %-10s %8s %8s %-18s %12s %8s %-18s %9s\n' "$n" "$sel" \
				"${p%% *}" "$(echo "$p" | cut -d' ' -f2)" "$(ratio "$p" %.2f)" \
				"$per" "${dash%% *}" "$(ratio "$dash" %.1f)" "$rss"
		else
			vc=$("$B/timeit" "$RUNS" "$B/vfio-claim" --sysfs "$tree" \
				--cmdline "vfio.devices=$sel" -n -q)
			printf '%-6s %-10s %8s %8s %-18s %12s %8s %-18s %9s\n' "$n" "$sel" \
				"$vc" "" "" "$per" "" "" ""
		fi
	done
done
echo "(syscalls/dev: beyond a vfio.devices=none run, divided by the number of functions)"
echo "(ratios: median [min-max] of $RUNS paired runs; peak KiB: VmHWM of vfio-claim with the ID selector)"
