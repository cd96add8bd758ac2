#!/bin/sh
# shellcheck disable=SC2034 # why (the reasons a check failed) is run.sh's
# The nested proof (sourced by tests/vm/run.sh after lib.sh, POSIX sh): every
# test image gets a second cpio archive appended (the kernel unpacks
# concatenated archives in order) that holds, under /opt/vfio-nested, the
# host's qemu-system-x86_64 with its libraries, TCG module and firmware,
# busybox, and guest/nested.sh, which guest/report.sh runs last. There an
# inner QEMU gets exactly what `vfioctl qemu-args` prints for the devices
# on vfio-pci; the checks below read what it realized. One more boot
# (nested-boot) lets the inner guest run the same kernel with the xhci
# modules and checks, inside it, the passed USB controller and the keyboard
# plugged in behind it on the outer machine.

NESTED_QEMU=${NESTED_QEMU:-/usr/bin/qemu-system-x86_64}
NESTED_TIMEOUT=${NESTED_TIMEOUT:-1100}

# nested_stage DIR [boot]: the /opt/vfio-nested tree under DIR.
nested_stage() {
	n=$1/opt/vfio-nested
	mkdir -p "$n/bin" "$n/lib/qemu" "$n/share"
	cp "$NESTED_QEMU" "$n/bin/qemu-system-x86_64"
	m=/usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so
	cp "$m" "$n/lib/qemu/"
	# The libraries, at one place; the loader runs QEMU with --library-path,
	# so the image's own /lib layout does not matter.
	ldd "$NESTED_QEMU" "$m" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*ld-linux[^ ]*\) .*/\1/p' |
		sort -u | while read -r l; do
		cp "$(readlink -f "$l")" "$n/lib/${l##*/}"
	done
	[ -f "$n/lib/ld-linux-x86-64.so.2" ] || { vm_log "nested: no ld-linux-x86-64.so.2"; return 1; }
	for f in /usr/share/seabios/bios-256k.bin /usr/share/qemu/kvmvapic.bin \
		/usr/share/qemu/linuxboot.bin /usr/share/qemu/linuxboot_dma.bin; do
		cp "$(readlink -f "$f")" "$n/share/${f##*/}" || return 1
	done
	cp /bin/busybox "$n/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ -e "$n/bin/$a" ] || ln -s busybox "$n/bin/$a"
	done
	cp "$VM_DIR/guest/nested.sh" "$n/nested"
	chmod 0755 "$n/nested"
	if [ "${2:-}" = boot ]; then
		# The same kernel, unpacked here: QEMU boots an ELF vmlinux
		# through its PVH entry; inflating the xz bzImage in nested TCG
		# took minutes. The bzImage when it cannot be unpacked.
		if nested_vmlinux "$VMLINUZ" >"$n/vmlinux"; then
			cp /usr/share/qemu/pvh.bin "$n/share/"
		else
			rm -f "$n/vmlinux"
			cp "$VMLINUZ" "$n/vmlinux"
		fi
		nested_inner_initrd "$n/inner.img" || return 1
	fi
}

# nested_vmlinux BZIMAGE: the ELF kernel inside it (the first xz, zstd or
# gzip stream that inflates to an ELF file) on stdout.
nested_vmlinux() {
	for z in "xz:$(printf '\3757zXZ')" "zstd:$(printf '\050\265\057\375')" \
		"gzip:$(printf '\037\213\010')"; do
		for off in $(LC_ALL=C grep -abo "${z#*:}" "$1" 2>/dev/null | cut -d: -f1 | head -n 5); do
			tail -c +$((off + 1)) "$1" | "${z%%:*}" -dc 2>/dev/null | head -c 4 |
				grep -q "$(printf '\177ELF')" || continue
			tail -c +$((off + 1)) "$1" | "${z%%:*}" -dc 2>/dev/null
			return 0
		done
	done
	return 1
}

# nested_inner_initrd OUT: busybox, the xhci modules (decompressed: busybox
# insmod reads plain .ko) in load order, and guest/nested-init.sh as /init.
nested_inner_initrd() {
	r=$1.root
	rm -rf "$r"
	mkdir -p "$r/bin" "$r/lib/modules" "$r/proc" "$r/sys" "$r/dev"
	cp /bin/busybox "$r/bin/busybox"
	ln -s busybox "$r/bin/sh"
	cp "$VM_DIR/guest/nested-init.sh" "$r/init"
	chmod 0755 "$r/init"
	modprobe -d "$KROOT" -S "$KVER" --show-depends xhci-pci |
		sed -n 's/^insmod \([^ ]*\).*/\1/p' >"$r/order.full"
	[ -s "$r/order.full" ] || { vm_log "nested: no xhci-pci in $KROOT"; return 1; }
	while read -r ko; do
		b=${ko##*/}
		case $b in
		*.ko.xz) xz -dc "$ko" >"$r/lib/modules/${b%.xz}" && b=${b%.xz} ;;
		*.ko.zst) zstd -qdc "$ko" >"$r/lib/modules/${b%.zst}" && b=${b%.zst} ;;
		*.ko.gz) gzip -dc "$ko" >"$r/lib/modules/${b%.gz}" && b=${b%.gz} ;;
		*) cp "$ko" "$r/lib/modules/$b" ;;
		esac
		echo "$b"
	done <"$r/order.full" >"$r/lib/modules/order"
	rm -f "$r/order.full"
	(cd "$r" && find . | cpio -o -H newc --quiet) | gzip -1 >"$1"
	rc=$?
	rm -rf "$r"
	return $rc
}

# nested_payload OUT [boot]: the appended archive (uncompressed: the guest
# unpacks it faster than it inflates it).
nested_payload() {
	st=$1.stage
	rm -rf "$st"
	nested_stage "$st" "${2:-}" || return 1
	(cd "$st" && find . | cpio -o -H newc --quiet) >"$1"
	rc=$?
	rm -rf "$st"
	return $rc
}

# nested_append IMAGE CPIO: the kernel takes an uncompressed archive only
# at a 4-byte boundary of the initrd, and skips zero bytes before one: pad
# the image (a gzip one ends anywhere), then append.
nested_append() {
	pad=$(((4 - $(wc -c <"$1") % 4) % 4))
	head -c "$pad" /dev/zero >>"$1"
	cat "$2" >>"$1"
}

# nested_prepare IMAGE...: appends the payload to each $WORK/IMAGE.img and
# makes $WORK/nested-boot.img (dshell's image with the boot payload).
nested_prepare() {
	t=$(date +%s)
	{
		nested_payload "$WORK/nested.cpio" &&
			nested_payload "$WORK/nested-boot.cpio" boot
	} >"$WORK/nested.build" 2>&1 || {
		echo "nested payload failed: $(tail -n 3 "$WORK/nested.build")"
		return 1
	}
	if [ -f "$WORK/dshell.img" ]; then
		cp "$WORK/dshell.img" "$WORK/nested-boot.img"
		nested_append "$WORK/nested-boot.img" "$WORK/nested-boot.cpio"
	fi
	for i in "$@"; do
		[ -f "$WORK/$i.img" ] || continue
		nested_append "$WORK/$i.img" "$WORK/nested.cpio"
	done
	echo "nested payload: $(($(wc -c <"$WORK/nested.cpio") / 1048576)) MiB" \
		"(boot: $(($(wc -c <"$WORK/nested-boot.cpio") / 1048576)) MiB)," \
		"built in $(($(date +%s) - t)) s" | tee -a "$WORK/nested.build"
	rm -f "$WORK/nested.cpio" "$WORK/nested-boot.cpio"
}

# nested_boot: the full inner boot. 00:04.0 is claimed; a USB keyboard is
# plugged into it on the outer machine (its bus is usb-bus.0, the first
# xhci that vm_boot creates). Run it in the background (`nested_boot &`):
# it points QEMU at a wrapper and sets VM_TIMEOUT for its own boot only.
nested_boot() {
	vm_wanted nested-boot || return 0
	w=$WORK/qemu-kbd
	printf '#!/bin/sh\nexec %s "$@" -device usb-kbd,bus=usb-bus.0\n' "$QEMU" >"$w"
	chmod 0755 "$w"
	if [ -f "$WORK/nested-boot.img" ]; then
		# shellcheck disable=SC2034 # read by vm_boot
		QEMU=$w VM_TIMEOUT=$NESTED_TIMEOUT
		vm_boot nested-boot "$WORK/nested-boot.img" \
			"vfio.devices=00:04.0 vfiotest.nested=boot"
	else
		echo "image nested-boot was not built" >"$WORK/nested-boot.qemu"
	fi
}

nq() { sed -n "s/^VMREPORT nested $2 //p" "$WORK/$1.report" 2>/dev/null; }

# nested_check NAME: every device the report shows on vfio-pci was realized
# by the inner QEMU with its own ID, `info pci` lists it at the address
# qtree names, and verify called it in use while QEMU held its group.
nested_check() {
	n=$1
	[ -f "$WORK/$n.report" ] || return 0
	why=
	on=$(sed -n 's/^VMREPORT dev \([^ ]*\) \([^ ]*\) vfio-pci .*/\1 \2/p' "$WORK/$n.report")
	if [ -z "$on" ]; then
		grep -qx 'VMREPORT nested none' "$WORK/$n.report" || bad "no device on vfio-pci, and no 'nested none' line"
		end "nested/$n"
		return
	fi
	[ "$(nq "$n" qemu-args-rc)" = 0 ] || bad "qemu-args exit $(nq "$n" qemu-args-rc): $(nq "$n" args-err | head -n 2 | tr '\n' '|')"
	real=$(nq "$n" realized)
	pci=$(nq "$n" pci)
	k=0
	while read -r a id; do
		k=$((k + 1))
		# shellcheck disable=SC2046 # splits "HOST ID GUESTADDR"
		set -- $(echo "$real" | grep "^$a ")
		if [ "${2:-}" != "$id" ]; then
			bad "$a [$id] not realized by the inner QEMU (qtree: ${2:-nothing})"
			continue
		fi
		echo "$pci" | grep -qx "$3 $id" || bad "$a: info pci has no $id at ${3:-?}"
	done <<EOF
$on
EOF
	nargs=$(nq "$n" arg | grep -c '^-device vfio-pci,')
	[ "$nargs" = "$k" ] || bad "qemu-args printed $nargs -device vfio-pci lines for $k devices"
	[ "$(nq "$n" qemu-rc)" = 0 ] || bad "inner QEMU exit $(nq "$n" qemu-rc): $(nq "$n" qemu-err | grep -v 'Cannot reset' | head -n 2 | tr '\n' '|')"
	end "nested/$n"
	why=
	inuse=$(nq "$n" verify | grep -c ': in use by .*, vfio-pci')
	[ "$inuse" = "$k" ] || bad "verify called $inuse of $k devices in use: $(nq "$n" verify | tr '\n' '|')"
	[ "$(nq "$n" verify-rc)" = 0 ] || bad "verify exit $(nq "$n" verify-rc) while QEMU ran"
	end "nested-verify-in-use/$n"
	why=
	# The GPU and its audio function: one guest slot, functions 0 and 1.
	if echo "$on" | grep -q '^0000:00:03.0 ' && echo "$on" | grep -q '^0000:00:03.1 '; then
		g0=$(echo "$real" | sed -n 's/^0000:00:03.0 [^ ]* //p')
		g1=$(echo "$real" | sed -n 's/^0000:00:03.1 [^ ]* //p')
		if [ -z "$g0" ] || [ "${g0%.*}" != "${g1%.*}" ] || [ "${g0##*.}" != 0 ] || [ "${g1##*.}" != 1 ]; then
			bad "GPU at ${g0:-nothing}, audio at ${g1:-nothing}: not one slot, functions 0 and 1"
		fi
		end "nested-multifunction/$n"
	fi
	why=
	# qemu-args --libvirt in the same guest: a <hostdev managed='no'>
	# per device QEMU realized, its guest address (when it gives one) the
	# one QEMU realized it at, and libvirt's schema takes it.
	[ "$(nq "$n" xml-rc)" = 0 ] || bad "qemu-args --libvirt exit $(nq "$n" xml-rc)"
	nq "$n" xml >"$WORK/$n.hostdevs.xml"
	got=$(awk -F"'" '
		/^<hostdev / { h = ""; g = "" }
		/^    <address domain=/ { h = substr($2, 3) ":" substr($4, 3) ":" substr($6, 3) "." substr($8, 3) }
		/^  <address type=.pci./ { g = substr($6, 3) ":" substr($8, 3) "." substr($10, 3) }
		/^<\/hostdev>/ { print h, g }' "$WORK/$n.hostdevs.xml" | LC_ALL=C sort)
	want=$(echo "$real" | while read -r a _ ga; do
		# qemu-args gives an address to a slot's functions only.
		if echo "$got" | grep -q "^$a [0-9a-f]"; then echo "$a $ga"; else echo "$a "; fi
	done | LC_ALL=C sort)
	if [ -z "$got" ] || [ "$got" != "$want" ]; then
		bad "--libvirt [$(echo "$got" | tr '\n' '|')] vs realized [$(echo "$want" | tr '\n' '|')]"
	fi
	[ "$(grep -c "^<hostdev mode='subsystem' type='pci' managed='no'>$" "$WORK/$n.hostdevs.xml")" = "$k" ] ||
		bad "not $k <hostdev managed='no'> elements"
	if ! command -v virt-xml-validate >/dev/null 2>&1; then
		bad "no virt-xml-validate: install libvirt-clients (tests/deps.sh)"
	else
		{
			echo "<domain type='qemu'><name>nested</name><memory unit='MiB'>256</memory>"
			echo "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
			cat "$WORK/$n.hostdevs.xml"
			echo "</devices></domain>"
		} >"$WORK/$n.domain.xml"
		virt-xml-validate "$WORK/$n.domain.xml" domain >/dev/null 2>&1 ||
			bad "virt-xml-validate rejects $WORK/$n.domain.xml"
	fi
	end "nested-libvirt/$n"
	why=
}

# nested_boot_check: inside the inner guest, the passed xhci is on xhci_hcd,
# the keyboard behind it enumerated, and xhci_hcd took MSI interrupts.
nested_boot_check() {
	n=nested-boot
	begin $n || return 1
	nested_check $n
	inner=$(nq "$n" inner)
	echo "$inner" | grep -q '^dev [^ ]* 1b36:000d xhci_hcd$' || bad "inner guest: 1b36:000d not on xhci_hcd: $(echo "$inner" | grep '^dev' | tr '\n' '|')"
	echo "$inner" | grep -q '^usb [^ ]* QEMU USB Keyboard$' || bad "inner guest: no QEMU USB Keyboard: $(echo "$inner" | grep '^usb' | tr '\n' '|')"
	echo "$inner" | grep -q '^irq .*MSI.*xhci_hcd' || bad "inner guest: no MSI interrupt line for xhci_hcd"
	echo "$inner" | grep -qx 'end' || bad "inner guest did not finish (boot-s $(nq "$n" boot-s))"
	end nested-boot/inner-xhci-keyboard
	echo "nested-boot: inner QEMU realized in $(nq "$n" realize-ms) ms, inner boot $(nq "$n" boot-s) s; $(tail -n 1 "$WORK/$n.qemu")"
}
