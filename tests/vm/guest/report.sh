#!/bin/sh
# Runs inside the guest once udev has settled: prints what the boot did as
# "VMREPORT ..." lines on the second serial port (the first one carries the
# console, whose kernel messages could interleave), then powers off.
#   VMREPORT finish HOW RC          the initramfs's wait for vfio-claim's
#       worker (pre-pivot, unit, init-bottom, cleanup; "none")
#   VMREPORT early LINE / early-rc N  vfioctl verify before that wait
#   VMREPORT dev ADDR VVVV:DDDD DRIVER GROUP WOULD   (driver "none", group "-";
#       WOULD: the driver(s) modprobe -R picks for the modalias, or "-")
#   VMREPORT vfionode NAME          a node under /dev/vfio
#   VMREPORT rec ADDR KEY=VALUE     /run/vfio-claim/devices/ADDR
#   VMREPORT kmsg LINE              dmesg lines that mention vfio-claim, and
#                                   systemd-modules-load's "Inserted module"
#   VMREPORT preload LINE           what the test's preload step saw
#   VMREPORT order LINE             initramfs-tools init-top ORDER
#   VMREPORT verify LINE / verify-rc N   vfioctl verify, when in the image
#   VMREPORT sysgroup N ADDR        /sys/kernel/iommu_groups/N/devices/ADDR
#   VMREPORT groups LINE            vfioctl groups
#   VMREPORT roundtrip D0 RC1 D1 RC2 D2   with vfiotest.roundtrip=ADDR:
#       the driver before, vfioctl bind's status, the driver after it,
#       vfioctl unbind's status, the driver after that
#   VMREPORT busy ADDR RC LINE      vfioctl -n bind ADDR for every device
#       not on vfio-pci: its status and its "not bound:" line, if any
#   VMREPORT giveback LOADED RC D   with vfiotest.giveback=ADDR:MODULE:
#       MODULE unloaded (modprobe -r) first, "gone" or "stays"; vfioctl
#       unbind's status; the driver after it (log: VMREPORT gblog)
#   VMREPORT nested ...             tests/vm/guest/nested.sh
out=${VMREPORT_OUT:-/dev/ttyS1}
[ -e "$out" ] || out=/dev/console
if command -v udevadm >/dev/null 2>&1; then
	udevadm settle --timeout=60 >/dev/null 2>&1 || :
fi
# vfio-claim --background may still be at work: what verify says meanwhile,
# then the step each initramfs runs before it hands over (dracut's pre-pivot
# hook, the finish unit, init-bottom, mkinitcpio's cleanup hook: the
# harness's init ran it already), which waits for it.
early=-
for v in /usr/sbin/vfioctl /usr/bin/vfioctl; do
	[ -x "$v" ] || continue
	"$v" verify >/run/vfio-test-early 2>&1
	early=$?
	break
done
finish=none
if [ -f /usr/lib/systemd/system/vfio-claim-finish.service ]; then
	systemctl start vfio-claim-finish.service
	finish="unit $?"
elif [ -f /lib/dracut/hooks/pre-pivot/00-vfio-claim-finish.sh ]; then
	# shellcheck source=/dev/null # in the image only
	(. /lib/dracut/hooks/pre-pivot/00-vfio-claim-finish.sh)
	finish="pre-pivot $?"
elif [ -x /scripts/init-bottom/vfio-claim ]; then
	/scripts/init-bottom/vfio-claim
	finish="init-bottom $?"
elif [ -f /run/vfio-test-cleanup ]; then
	finish="cleanup $(cat /run/vfio-test-cleanup)"
fi
{
	echo "VMREPORT begin"
	echo "VMREPORT finish $finish"
	echo "VMREPORT early-rc $early"
	if [ -f /run/vfio-test-early ]; then
		while read -r l; do
			echo "VMREPORT early $l"
		done </run/vfio-test-early
	fi
	for d in /sys/bus/pci/devices/*; do
		[ -e "$d/vendor" ] || continue
		a=${d##*/}
		read -r v <"$d/vendor"
		read -r dv <"$d/device"
		drv=none
		if [ -e "$d/driver" ]; then
			drv=$(readlink "$d/driver")
			drv=${drv##*/}
		fi
		grp=-
		if [ -e "$d/iommu_group" ]; then
			grp=$(readlink "$d/iommu_group")
			grp=${grp##*/}
		fi
		would=
		read -r alias <"$d/modalias"
		for m in $(modprobe -R "$alias" 2>/dev/null); do
			# The driver name, when the module is loaded (udev loads it
			# even for a claimed device), else the module name.
			for x in "/sys/module/$m/drivers/pci:"*; do
				[ -e "$x" ] && m=${x##*/pci:}
			done
			case ,$would, in
			*,$m,*) ;;
			*) would=$would${would:+,}$m ;;
			esac
		done
		echo "VMREPORT dev $a ${v#0x}:${dv#0x} $drv $grp ${would:--}"
	done
	for n in /dev/vfio/*; do
		[ -e "$n" ] && echo "VMREPORT vfionode ${n##*/}"
	done
	for r in /run/vfio-claim/devices/*; do
		[ -f "$r" ] || continue
		while read -r l; do
			echo "VMREPORT rec ${r##*/} $l"
		done <"$r"
	done
	if [ -f /run/vfio-test-preload ]; then
		while read -r l; do
			echo "VMREPORT preload $l"
		done </run/vfio-test-preload
	fi
	if [ -f /scripts/init-top/ORDER ]; then
		while read -r l; do
			echo "VMREPORT order $l"
		done </scripts/init-top/ORDER
	fi
	dmesg 2>/dev/null | while read -r l; do
		case $l in
		*vfio-claim* | *"Inserted module"*) echo "VMREPORT kmsg $l" ;;
		esac
	done
	for g in /sys/kernel/iommu_groups/*; do
		for d in "$g"/devices/*; do
			[ -e "$d" ] && echo "VMREPORT sysgroup ${g##*/} ${d##*/}"
		done
	done
	# The nested proof, when tests/vm/nested.sh appended it to the image:
	# first, while the devices are as the boot left them.
	if [ -x /opt/vfio-nested/nested ]; then
		/opt/vfio-nested/nested
	fi
	# vfioctl (glibc, libkmod, libpci) checks the result itself when the
	# image carries it.
	for v in /usr/sbin/vfioctl /usr/bin/vfioctl; do
		[ -x "$v" ] || continue
		"$v" verify >/run/vfio-test-verify 2>&1
		rc=$?
		while read -r l; do
			echo "VMREPORT verify $l"
		done </run/vfio-test-verify
		echo "VMREPORT verify-rc $rc"
		# The kernel's reset methods of each function ("-": no
		# reset_method, which the kernel hides when there is none).
		for d in /sys/bus/pci/devices/*; do
			m=-
			[ -e "$d/reset_method" ] && m=$(cat "$d/reset_method")
			echo "VMREPORT reset ${d##*/} ${m:-(empty)}"
		done
		"$v" groups >/run/vfio-test-groups 2>&1
		while read -r l; do
			echo "VMREPORT groups $l"
		done </run/vfio-test-groups
		# What bind would refuse as busy (a dry run writes nothing).
		for d in /sys/bus/pci/devices/*; do
			drv=none
			[ -e "$d/driver" ] && drv=$(readlink "$d/driver")
			case ${drv##*/} in vfio-pci) continue ;; esac
			"$v" -n bind "${d##*/}" >/run/vfio-test-busy 2>&1
			rc=$?
			why=- # no grep in every image
			while read -r l; do
				case $l in *"not bound:"*) why=$l ;; esac
			done </run/vfio-test-busy
			echo "VMREPORT busy ${d##*/} $rc $why"
		done
		read -r cmdline </proc/cmdline
		for w in $cmdline; do
			case $w in
			vfiotest.giveback=*) ;;
			*) continue ;;
			esac
			gb=${w#*=}
			a=${gb%:*} m=${gb##*:}
			modprobe -r "$m" >/run/vfio-test-gb 2>&1
			loaded=gone
			[ -d "/sys/module/$m" ] && loaded=stays
			"$v" unbind "$a" >>/run/vfio-test-gb 2>&1
			rc=$?
			x=none
			if [ -e "/sys/bus/pci/devices/$a/driver" ]; then
				x=$(readlink "/sys/bus/pci/devices/$a/driver")
				x=${x##*/}
			fi
			while read -r l; do
				echo "VMREPORT gblog $l"
			done </run/vfio-test-gb
			echo "VMREPORT giveback $loaded $rc $x"
		done
		for w in $cmdline; do
			case $w in
			vfiotest.roundtrip=*) rt=${w#*=} ;;
			*) continue ;;
			esac
			drv() {
				if [ -e "/sys/bus/pci/devices/$rt/driver" ]; then
					x=$(readlink "/sys/bus/pci/devices/$rt/driver")
					echo "${x##*/}"
				else
					echo none
				fi
			}
			d0=$(drv)
			"$v" bind "$rt" >/run/vfio-test-rt 2>&1
			rc1=$?
			d1=$(drv)
			"$v" unbind "$rt" >>/run/vfio-test-rt 2>&1
			rc2=$?
			d2=$(drv)
			while read -r l; do
				echo "VMREPORT rtlog $l"
			done </run/vfio-test-rt
			echo "VMREPORT roundtrip $d0 $rc1 $d1 $rc2 $d2"
		done
		break
	done
	echo "VMREPORT end"
} >"$out" 2>&1
echo o >/proc/sysrq-trigger
sleep 30
