# shellcheck shell=sh
# The host-use test sees what the kernel sees (src/vfioctl/busy.c,
# bdev_excl, and busy-net.c): a disk or partition held open exclusively
# (a ZFS pool member, a btrfs filesystem's second device: no mount source
# and no holders/ link names them) is in use; so is an interface that
# carries the default route, IPv4 or IPv6. The fake kernel fails an O_EXCL
# open of ROOT/dev/NODE with the errno in ROOT/dev/NODE.excl (EBUSY when
# empty), as block/bdev.c's bd_prepare_to_claim does for a claimed device.
# Sourced by tests/vfioctl/run.sh; busy_excl X SUFFIX runs vfioctl X.

busy_excl() {
	X=$1 s=$2
	if [ ! -f "$FAKEKERNEL" ]; then
		skip "busy-excl$s" "no $FAKEKERNEL (make build/fakekernel.so)"
		return
	fi
	# shellcheck disable=SC2317 # called through check, as a command
	bk() {
		FAKE_SYSFS_ROOT=$R/sys FAKE_DEV_ROOT=$R/dev LD_PRELOAD=$FAKEKERNEL \
			ASAN_OPTIONS=verify_asan_link_order=0 "$X" --root "$R" "$@"
	}
	bdrv() {
		l=$(readlink "$R/sys/bus/pci/devices/$1/driver") && echo "${l##*/}"
	}
	# Two NVMe controllers, each with one namespace and its nodes in dev/.
	# 03:00.0's nvme0n1 has partitions p1 (ESP), p2, p3; 04:00.0's nvme1n1
	# has none.
	xhost() {
		fx_new "busy-excl-$1$s"
		mkdir -p "$R/proc/self"
		: >"$R/proc/self/mountinfo"
		: >"$R/proc/swaps"
		fx_dev 0000:03:00.0 144d:a808 010802 nvme 15
		fx_dev 0000:04:00.0 144d:a808 010802 nvme 16
		for a in 03 04; do
			echo nvme >"$R/sys/devices/pci0000:00/0000:$a:00.0/.native"
		done
		fx_disk 0000:03:00.0 nvme/nvme0 nvme0n1 259:0 nvme0n1p1:259:1 \
			nvme0n1p2:259:2 nvme0n1p3:259:3
		fx_disk 0000:04:00.0 nvme/nvme1 nvme1n1 259:4
		for n in nvme0n1 nvme0n1p1 nvme0n1p2 nvme0n1p3 nvme1n1; do
			: >"$R/dev/$n"
		done
	}
	xrefused() {
		check "busy-excl-$1$s" 1 \
			"$3: not bound: $2, and vfio-pci would take it from the host; use --force if you really mean it" \
			bk bind "$3"
		expect_eq "busy-excl-$1-untouched$s" "nvme (null)" \
			"$(bdrv "$3") $(cat "$R/sys/bus/pci/devices/$3/driver_override")"
	}
	xbound() {
		check "busy-excl-$1$s" 0 "$2 " bk bind "$2"
		expect_eq "busy-excl-$1-driver$s" vfio-pci "$(bdrv "$2")"
	}
	EXCL="is held open exclusively (a ZFS pool, btrfs or another exclusive user)"

	# btrfs over two disks, mounted by the first: the mount names
	# nvme0n1p2; nvme1n1, the second device, only the claim shows.
	xhost btrfs-second
	echo "30 1 0:31 / / rw - btrfs /dev/nvme0n1p2 rw,subvol=/" \
		>"$R/proc/self/mountinfo"
	: >"$R/dev/nvme0n1p2.excl"
	: >"$R/dev/nvme0n1.excl"
	: >"$R/dev/nvme1n1.excl"
	xrefused btrfs-second "nvme1n1 $EXCL" 0000:04:00.0
	check "busy-excl-btrfs-second-dry-run$s" 1 \
		"nvme1n1 $EXCL|would refuse it" bk -n bind 04:00.0
	xrefused btrfs-first "nvme0n1p2 is mounted on /" 0000:03:00.0

	# A ZFS pool on a partition (Proxmox's root: rpool on nvme0n1p3, the
	# mount source "rpool/ROOT/pve-1" names no device). The claimed
	# partition makes the disk's own O_EXCL open fail too
	# (bd_finish_claiming); the partition is the one named.
	xhost zfs-partition
	echo "21 1 0:22 / / rw,relatime - zfs rpool/ROOT/pve-1 rw,xattr,noacl" \
		>"$R/proc/self/mountinfo"
	: >"$R/dev/nvme0n1p3.excl"
	: >"$R/dev/nvme0n1.excl"
	xrefused zfs-partition "nvme0n1p3 $EXCL" 0000:03:00.0
	check "busy-excl-zfs-partition-verify$s" 1 \
		"the host uses it (nvme0n1p3 $EXCL)" bk verify 03:00.0
	# The other controller's disk: nobody holds it, it stays claimable.
	xbound unheld 0000:04:00.0

	# A whole-disk ZFS vdev: zpool create on the disk makes a GPT with
	# part1 (the vdev) and part9 (reserved) and claims part1.
	xhost zfs-whole-disk
	rm -rf "$B/nvme0n1p2" "$B/nvme0n1p3" "$R/dev/nvme0n1p2" "$R/dev/nvme0n1p3"
	mkdir -p "$B/nvme0n1p9/holders"
	echo 259:9 >"$B/nvme0n1p9/dev"
	echo 1 >"$B/nvme0n1p9/partition"
	: >"$R/dev/nvme0n1p9"
	: >"$R/dev/nvme0n1p1.excl"
	: >"$R/dev/nvme0n1.excl"
	xrefused zfs-whole-disk "nvme0n1p1 $EXCL" 0000:03:00.0

	# btrfs on the whole disk, node only as dev/block/MAJ:MIN (no
	# dev/nvme1n1): found from sysfs's dev.
	xhost by-devno
	rm "$R/dev/nvme1n1"
	mkdir -p "$R/dev/block"
	: >"$R/dev/block/259:4"
	: >"$R/dev/block/259:4.excl"
	xrefused by-devno "nvme1n1 $EXCL" 0000:04:00.0

	# EACCES (not root): cannot tell, so not busy; -v says so.
	xhost eacces
	echo EACCES >"$R/dev/nvme1n1.excl"
	check_not "busy-excl-eacces-quiet$s" "cannot tell" bk -n bind 04:00.0
	check "busy-excl-eacces-verbose$s" 0 \
		"vfioctl: note: cannot tell whether nvme1n1 is held open exclusively: $R/dev/nvme1n1: Permission denied|would bind it to vfio-pci" \
		bk -v -n bind 04:00.0
	xbound eacces 0000:04:00.0

	# Default routes.
	xnic() {
		fx_new "busy-excl-$1$s"
		mkdir -p "$R/proc/net"
		fx_dev 0000:05:00.0 8086:2723 028000 iwlwifi 17
		echo iwlwifi >"$R/sys/devices/pci0000:00/0000:05:00.0/.native"
		fx_net 0000:05:00.0 wlp5s0 up 0x1003
		echo "fe80000000000000021b21fffe3a4b5c 02 40 20 80 wlp5s0" \
			>"$R/proc/net/if_inet6"
	}
	xnic_refused() {
		check "busy-excl-$1$s" 1 \
			"0000:05:00.0: not bound: $2, and vfio-pci would take it from the host; use --force if you really mean it" \
			bk bind 0000:05:00.0
		expect_eq "busy-excl-$1-untouched$s" iwlwifi "$(bdrv 0000:05:00.0)"
	}
	# A laptop's only Wi-Fi, the IPv4 default route through it.
	xnic route4
	printf 'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\nwlp5s0\t0001A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0\nwlp5s0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n' \
		>"$R/proc/net/route"
	xnic_refused route4 "network interface wlp5s0 is up with the IPv4 default route"
	# IPv6 only, a link-local address and a default route via the router's
	# link-local address (no global address: seen only in ipv6_route).
	xnic route6
	printf '%s\n' \
		"fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001 wlp5s0" \
		"00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe80000000000000021b21fffe000001 00000400 00000001 00000000 00450003 wlp5s0" \
		>"$R/proc/net/ipv6_route"
	xnic_refused route6 "network interface wlp5s0 is up with the IPv6 default route"
	# A prefix route only, no default: still an address, as before.
	xnic link-only6
	echo "fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001 wlp5s0" \
		>"$R/proc/net/ipv6_route"
	check "busy-excl-link-only6$s" 0 "0000:05:00.0 " bk bind 0000:05:00.0
}
