# shellcheck shell=sh
# The fixture builder of fake hosts, shared by the vfioctl suite
# (tests/vfioctl/run.sh) and the examples suite (tests/examples/run.sh).
# Needs $OUT (where the hosts go), $MKTREE and fail() (tests/lib/testlib.sh).
# The PCI part of a fake host (sys/bus/pci, the devices, their drivers,
# modules, IOMMU groups and units) is a tests/lib/mktree.c spec: fx_new,
# fx_driver and fx_dev append its lines to $OUT/fx/NAME.spec and have
# mktree add them to $R/sys at once, so a fixture may change the tree
# right after any fx_* call. What lies outside the PCI tree (proc/, dev/,
# run/, disks, interfaces, consoles, framebuffers) is written here.

# fx_spec LINE...: these mktree spec lines, into the spec and the tree.
fx_spec() {
	printf '%s\n' "$@" | tee -a "$R.spec" | "$MKTREE" "$R/sys" ||
		fail "fixture-${R##*/}" "mktree refused: $*"
}

# fx_new NAME: an empty host with an IOMMU (FX_IOMMU=dmar0 by default;
# FX_IOMMU='' for none) and vfio-pci loaded.
fx_new() {
	R=$OUT/fx/$1
	mkdir -p "$R/proc" "$R/dev/vfio" "$R/run" "$R/etc"
	: >"$R/proc/cmdline"
	: >"$R/proc/iomem"
	echo "# fake host $1 (tests/vfioctl/run.sh)" >"$R.spec"
	fi=${FX_IOMMU-dmar0}
	fx_spec ${fi:+"iommu $fi"} "driver vfio-pci module=vfio_pci" \
		"driver pcieport module=-"
}

# fx_driver NAME [MODULE [INITSTATE]]: a registered driver, its module
# link (none without MODULE: built in) and the module's initstate (live:
# only loadable modules have one).
fx_driver() {
	fx_spec "driver $1 module=${2:--}${3:+ initstate=$3}"
}

# fx_dev ADDR VVVV:DDDD CLASS DRIVER GROUP [bridge] [KEY=VALUE...]: one
# PCI function. DRIVER or GROUP "-" for none; a driver not registered yet
# is registered built in. BAR 0: 8 MiB at 0xf0000000 + bus * 16 MiB +
# function * 8 MiB. Subsystem $SUBSYS, default 1458:3702. KEY=VALUE: more
# mktree keys (boot_vga=1, override=vfio-pci, numvfs=2, ...). With
# FX_PARENT=ADDR it sits below that bridge (made before) in sysfs, as the
# kernel puts a device behind a port (mktree's parent=).
fx_dev() {
	fa=$1 fd=$4 fg=$5
	fbus=${fa#*:} fbus=${fbus%%:*}
	fbar=$((0xf0000000 + 0x$fbus * 0x1000000 + ${fa##*.} * 0x800000))
	fl="$1 $2 $3 subsys=${SUBSYS:-1458:3702}"
	fl="$fl res=0:$(printf '%x:%x' $fbar $((fbar + 0x7fffff))):40200"
	if [ "${6:-}" = bridge ]; then
		fl="$fl hdr=1"
	else
		case $3 in 0604*) fl="$fl hdr=0" ;; esac
	fi
	if [ "$fd" != - ]; then
		[ -d "$R/sys/bus/pci/drivers/$fd" ] || fx_driver "$fd"
		fl="$fl driver=$fd"
	fi
	[ "$fd" = vfio-pci ] && fl="$fl override=vfio-pci"
	[ "$fg" != - ] && fl="$fl group=$fg"
	[ -n "${FX_PARENT:-}" ] && fl="$fl parent=$FX_PARENT"
	shift 5
	[ "${1:-}" = bridge ] && shift
	[ $# -gt 0 ] && fl="$fl $*"
	fx_spec "$fl"
	[ "$fd" = vfio-pci ] && [ "$fg" != - ] && : >"$R/dev/vfio/$fg"
	return 0
}

# fx_host NAME FILE: a host whose PCI tree is the spec FILE as it is, with
# nothing added: what 'mktree --capture /sys' prints on a user's machine
# (tests/README.md). proc/, run/ and etc/ start empty; dev/vfio/N is
# there for each group with a device on a vfio driver, as the kernel
# makes it.
fx_host() {
	R=$OUT/fx/$1
	mkdir -p "$R/proc" "$R/dev/vfio" "$R/run" "$R/etc"
	: >"$R/proc/cmdline"
	: >"$R/proc/iomem"
	: >"$R.spec"
	fx_spec "$(cat "$2")"
	awk '{ d = g = ""
		for (i = 4; i <= NF; i++) {
			if ($i ~ /^driver=.*vfio/) d = 1
			if ($i ~ /^group=/) g = substr($i, 7)
		}
		if (d && g != "") print g }' "$2" | while read -r g; do
		: >"$R/dev/vfio/$g"
	done
}

# The attributes the warnings read, on a device made by fx_dev (it follows
# the bus/pci/devices link, so FX_PARENT devices too).
# fx_reset ADDR METHODS: reset_method ("" is the kernel's empty one: every
# method turned off; no call: no reset_method, as the kernel hides it).
fx_reset() {
	echo "$2" >"$R/sys/bus/pci/devices/$1/reset_method"
}

# fx_power ADDR STATE D3COLD_ALLOWED: power_state (D0, D3hot, D3cold) and
# d3cold_allowed (0 or 1).
fx_power() {
	echo "$2" >"$R/sys/bus/pci/devices/$1/power_state"
	echo "$3" >"$R/sys/bus/pci/devices/$1/d3cold_allowed"
}

# fx_boot_vga ADDR 0|1: boot_vga.
fx_boot_vga() {
	echo "$2" >"$R/sys/bus/pci/devices/$1/boot_vga"
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

# fx_disk ADDR SUBPATH NAME MAJ:MIN [PART:MAJ:MIN...]: a disk below the
# PCI device ADDR (SUBPATH: nvme/nvme0, ata1/host0/...), its partitions,
# and its block/NAME link.
fx_disk() {
	b=$R/sys/devices/pci0000:00/$1/$2/$3
	mkdir -p "$b/holders" "$R/sys/block"
	echo "$4" >"$b/dev"
	ln -sfn "../devices/pci0000:00/$1/$2/$3" "$R/sys/block/$3"
	shift 4
	for pt in "$@"; do
		mkdir -p "$b/${pt%%:*}/holders"
		echo "${pt#*:}" >"$b/${pt%%:*}/dev"
		echo 1 >"$b/${pt%%:*}/partition"
	done
	# shellcheck disable=SC2034 # B: for the caller (mounts, holders)
	B=$b
}

# fx_net ADDR IFACE OPERSTATE FLAGS: a network interface below ADDR.
fx_net() {
	i=$R/sys/devices/pci0000:00/$1/net/$2
	mkdir -p "$i" "$R/sys/class/net" "$R/proc/net"
	echo "$3" >"$i/operstate"
	echo "$4" >"$i/flags"
	ln -sfn "../../devices/pci0000:00/$1/net/$2" "$R/sys/class/net/$2"
	touch "$R/proc/net/route" "$R/proc/net/if_inet6"
}

# fx_vtcon N NAME BIND: a virtual console driver.
fx_vtcon() {
	mkdir -p "$R/sys/class/vtconsole/vtcon$1"
	echo "$2" >"$R/sys/class/vtconsole/vtcon$1/name"
	echo "$3" >"$R/sys/class/vtconsole/vtcon$1/bind"
}

# fx_fb N NAME DEVPATH: framebuffer fbN of the device at DEVPATH (below
# sys/devices).
fx_fb() {
	f=$R/sys/devices/$3/graphics/fb$1
	mkdir -p "$f" "$R/sys/class/graphics"
	echo "$2" >"$f/name"
	ln -sfn "../../../${3##*/}" "$f/device"
	ln -sfn "../../devices/$3/graphics/fb$1" "$R/sys/class/graphics/fb$1"
}

# fx_holder PID COMM PATH...: a process in the fake proc/ with these open
# (fd links, as the kernel shows them: the path it opened, dangling here).
fx_holder() {
	pd=$R/proc/$1
	mkdir -p "$pd/fd"
	echo "$2" >"$pd/comm"
	ln -sfn /dev/null "$pd/fd/0"
	ln -sfn "socket:[4711]" "$pd/fd/1"
	shift 2
	fdn=20
	for t in "$@"; do
		ln -sfn "$t" "$pd/fd/$fdn"
		fdn=$((fdn + 1))
	done
}
