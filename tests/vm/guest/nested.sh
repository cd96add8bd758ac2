#!/opt/vfio-nested/bin/sh
# Test-only, inside the test guest (tests/vm/nested.sh puts it, QEMU and
# busybox under /opt/vfio-nested): hands every device on vfio-pci to an
# inner QEMU with exactly the arguments `vfioctl qemu-args` prints, and
# reports on stdout (the guest report's serial port):
#   VMREPORT nested none                 no device is on vfio-pci
#   VMREPORT nested arg LINE             a line qemu-args printed
#   VMREPORT nested qemu-args-rc N
#   VMREPORT nested xml LINE             what qemu-args --libvirt printed
#   VMREPORT nested xml-rc N
#   VMREPORT nested realized HOST ID GUESTADDR   from `info qtree`
#   VMREPORT nested pci BUS:DEV.FN ID    from `info pci`
#   VMREPORT nested realize-ms N         inner QEMU start to `info pci` answer
#   VMREPORT nested verify LINE / verify-rc N   vfioctl verify, QEMU running
#   VMREPORT nested qemu-err LINE / qemu-rc N   the inner QEMU's stderr, exit
#   VMREPORT nested inner LINE           with vfiotest.nested=boot: the
#       inner guest's "INNER ..." lines (it boots /opt/vfio-nested/vmlinux)
#   VMREPORT nested progress N s: LINE   every 30 s of the inner boot
#   VMREPORT nested boot-s N             `cont` to the inner guest's power-off
#       (vfiotest.nested_s=N: give up after N s, default 700)
N=/opt/vfio-nested
# A write to the monitor after QEMU ended must not end this script.
trap '' PIPE
PATH=$N/bin:$PATH
export PATH
T=/run/vfio-nested
rm -rf "$T"
mkdir -p "$T"
mode=realize
cap=700
read -r cmdline </proc/cmdline
for w in $cmdline; do
	case $w in
	vfiotest.nested=*) mode=${w#*=} ;;
	vfiotest.nested_s=*) cap=${w#*=} ;;
	esac
done
[ "$mode" = off ] && exit 0
say() { echo "VMREPORT nested $*"; }
# ms: uptime in milliseconds.
ms() {
	read -r up _ </proc/uptime
	s=${up%.*} c=${up#*.}
	echo $((s * 1000 + ${c#0} * 10))
}

addrs=
for d in /sys/bus/pci/devices/*; do
	[ -e "$d/driver" ] || continue
	drv=$(readlink "$d/driver")
	[ "${drv##*/}" = vfio-pci ] && addrs="$addrs ${d##*/}"
done
if [ -z "$addrs" ]; then
	say none
	exit 0
fi
vfioctl=
for v in /usr/sbin/vfioctl /usr/bin/vfioctl; do
	[ -x "$v" ] && vfioctl=$v && break
done
[ -n "$vfioctl" ] || { say "error no vfioctl in the image"; exit 0; }
# shellcheck disable=SC2086 # a list of addresses
"$vfioctl" qemu-args $addrs >"$T/args" 2>"$T/args.err"
say "qemu-args-rc $?"
while read -r l; do say "arg $l"; done <"$T/args"
while read -r l; do say "args-err $l"; done <"$T/args.err"
# The same devices as libvirt XML: the host checks its guest addresses
# against what the inner QEMU realized from the words above.
# shellcheck disable=SC2086 # a list of addresses
"$vfioctl" qemu-args --libvirt $addrs >"$T/xml" 2>/dev/null
say "xml-rc $?"
while IFS= read -r l; do say "xml $l"; done <"$T/xml"

# The inner machine: the fixed options, then qemu-args' words as printed.
set -- -accel tcg -M q35 -nodefaults -display none -S -no-reboot
if [ "$mode" = boot ]; then
	set -- "$@" -m 256 -kernel "$N/vmlinux" -initrd "$N/inner.img" \
		-append "console=ttyS0 panic=-1" \
		-serial "file:$T/inner.console"
fi
# shellcheck disable=SC2046 # qemu-args prints words meant to be split
set -- "$@" $(cat "$T/args") -monitor stdio
mkfifo "$T/mon"
t0=$(ms)
(
	QEMU_MODULE_DIR=$N/lib/qemu timeout $((cap + 60)) "$N/lib/ld-linux-x86-64.so.2" \
		--library-path "$N/lib" "$N/bin/qemu-system-x86_64" -L "$N/share" \
		"$@" <"$T/mon" >"$T/mon.out" 2>"$T/qemu.err"
	echo $? >"$T/qemu.rc"
) &
exec 3>"$T/mon"
# prompts N: waits (60 s at most) for the Nth monitor prompt, or QEMU's end.
prompts() {
	i=0
	while [ "$i" -lt 600 ] && [ ! -f "$T/qemu.rc" ]; do
		[ "$(grep -o '(qemu)' "$T/mon.out" 2>/dev/null | wc -l)" -ge "$1" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
echo "info pci" >&3
if prompts 2; then
	say "realize-ms $(($(ms) - t0))"
	echo "info qtree" >&3
	prompts 3
	# The group is held by the inner QEMU now: verify, as users run it,
	# must say "in use" (whether it asks the node or reads /proc).
	# shellcheck disable=SC2086 # a list of addresses
	"$vfioctl" verify $addrs >"$T/verify" 2>&1
	vrc=$?
	while read -r l; do say "verify $l"; done <"$T/verify"
	say "verify-rc $vrc"
	if [ "$mode" = boot ]; then
		t1=$(ms)
		echo cont >&3
		# The inner guest powers itself off; QEMU then exits.
		# Every 30 s: the inner console's last line, to show where it is.
		i=0
		while [ ! -f "$T/qemu.rc" ] && [ $(($(ms) - t1)) -lt $((cap * 1000)) ]; do
			sleep 1
			i=$((i + 1))
			[ $((i % 30)) = 0 ] &&
				say "progress $i s: $(tr -d '\r' <"$T/inner.console" 2>/dev/null | tail -n 1)"
		done
		say "boot-s $((($(ms) - t1) / 1000))"
		tr -d '\r' <"$T/inner.console" >"$T/inner.txt"
		grep -a '^INNER ' "$T/inner.txt" |
			while read -r l; do say "inner ${l#INNER }"; done
		tail -n 15 "$T/inner.txt" | while read -r l; do say "inner-console $l"; done
	fi
fi
# After an inner power-off QEMU has gone: no quit, and no SIGPIPE.
[ -f "$T/qemu.rc" ] || echo quit >&3
exec 3>&-
wait
tr -d '\r' <"$T/mon.out" >"$T/mon.txt"
# info qtree: every vfio-pci device, its host= and the guest address and ID
# it was realized with.
awk '
	/dev: vfio-pci,/ { v = 1; host = ""; next }
	/dev: / { v = 0 }
	v && /host = "/ { host = $3; gsub("\"", "", host) }
	v && /class .*, addr .*, pci id / {
		for (i = 1; i <= NF; i++) {
			if ($i == "addr") a = $(i + 1)
			if ($i == "id") id = $(i + 1)
		}
		sub(",", "", a)
		print "VMREPORT nested realized", host, id, a
		v = 0
	}' "$T/mon.txt"
awk '
	/^ *Bus +[0-9]+, device +[0-9]+, function [0-9]+:/ {
		b = $2; d = $4; f = $6; sub(",", "", b); sub(",", "", d); sub(":", "", f)
		loc = sprintf("%02x:%02x.%x", b, d, f); next
	}
	loc != "" && /PCI device [0-9a-f]+:[0-9a-f]+/ {
		print "VMREPORT nested pci", loc, $NF; loc = ""
	}' "$T/mon.txt"
while read -r l; do say "qemu-err $l"; done <"$T/qemu.err"
say "qemu-rc $(cat "$T/qemu.rc" 2>/dev/null)"
