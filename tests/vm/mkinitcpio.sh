#!/bin/bash
# mkinitcpio is not packaged in Debian. This harness implements the
# build-time functions that mkinitcpio(8) documents for install hooks
# (add_module, add_binary, add_file, add_dir, add_symlink, add_runscript,
# add_systemd_unit, plus msg/warning/error), runs an install hook's build()
# into a BUILDROOT, and logs every call to BUILDROOT.calls.
#
#   mkinitcpio.sh build BUILDROOT KVER HOOK...   run the hooks' build()
#   mkinitcpio.sh help HOOK                      run the hook's help()
#   mkinitcpio.sh image OUT KVER BUILDROOT HOOK  build, then pack a bootable
#       test image: busybox, kmod, the test drivers and an /init that, like
#       mkinitcpio's init, sources /hooks/* and calls run_earlyhook before
#       its coldplug (every PCI modalias through modprobe, as udev's kmod
#       builtin does), then runs the guest report.
# As mkinitcpio does, hooks see KERNELVERSION and _d_kmoduledir.
# Hooks are read from INITCPIO_DIR (default /usr/lib/initcpio), units from
# /usr/lib/systemd/system, modules from /usr/lib/modules/KVER.
set -u
INITCPIO_DIR=${INITCPIO_DIR:-/usr/lib/initcpio}
here=$(cd "$(dirname "$0")" && pwd)
errors=0

msg() { echo "==> $*"; }
msg2() { echo "  -> $*"; }
plain() { echo "    $*"; }
warning() { echo "==> WARNING: $*" >&2; }
error() {
	echo "==> ERROR: $*" >&2
	errors=$((errors + 1))
	return 1
}
calls() { echo "$*" >>"$BUILDROOT.calls"; }

add_dir() {
	calls add_dir "$@"
	mkdir -p "$BUILDROOT$1"
}

add_symlink() {
	calls add_symlink "$@"
	mkdir -p "$BUILDROOT$(dirname "$1")"
	ln -sfn "${2:-$(readlink -f "$1")}" "$BUILDROOT$1"
}

# add_file SRC [DEST [MODE]]
add_file() {
	calls add_file "$@"
	local src=$1 dest=${2:-$1} mode=${3:-}
	[[ -f $src ]] || { error "file not found: '$src'"; return 1; }
	[[ -z $mode ]] && mode=$(stat -c %a "$src")
	install -D -m "$mode" "$src" "$BUILDROOT$dest"
}

# add_binary SRC [DEST]: the file and the shared libraries it needs.
add_binary() {
	calls add_binary "$@"
	local src=$1 dest=${2:-$1} lib
	if [[ $src != /* ]]; then
		src=$(type -P "$src") || { error "binary not found: '$1'"; return 1; }
		[[ -n ${2:-} ]] || dest=$src
	fi
	[[ -f $src ]] || { error "binary not found: '$src'"; return 1; }
	install -D -m 0755 "$src" "$BUILDROOT$dest"
	for lib in $(ldd "$src" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
		[[ -e $BUILDROOT$lib ]] || install -D -m 0755 "$(readlink -f "$lib")" "$BUILDROOT$lib"
	done
}

# add_module NAME: the module and its dependencies; "NAME?" is optional
# (a missing one is not an error), as in mkinitcpio.
add_module() {
	calls add_module "$@"
	local name=$1 optional=0 ko line
	if [[ $name == *\? ]]; then
		optional=1
		name=${name%\?}
	fi
	name=${name%.ko*}
	line=$(modprobe -S "$KVER" --show-depends --ignore-install "$name" 2>/dev/null)
	if [[ -z $line ]]; then
		((optional)) && return 0
		error "module not found: '$name'"
		return 1
	fi
	while read -r _ ko _; do
		[[ $ko == /* ]] || continue
		install -D -m 0644 "$ko" "$BUILDROOT/usr/lib/modules/$KVER/${ko#*/lib/modules/"$KVER"/}"
	done <<<"$line"
}

# add_all_modules PATTERN: every module whose path under the kernel's
# module directory matches PATTERN (as mkinitcpio's: a glob around it),
# each optional; 1 when none matches.
add_all_modules() {
	calls add_all_modules "$@"
	local ko n=0
	while read -r ko; do
		add_module "$(basename "${ko%.ko*}")?" && n=$((n + 1))
	done < <(find "/usr/lib/modules/$KVER/kernel" -name '*.ko*' 2>/dev/null |
		grep -e "$1")
	((n))
}

# add_runscript: the runtime hook of the same name as the install hook.
add_runscript() {
	calls add_runscript "$@"
	local f=$INITCPIO_DIR/hooks/$HOOK
	[[ -f $f ]] || { error "runtime hook not found: '$f'"; return 1; }
	install -D -m 0755 "$f" "$BUILDROOT/hooks/$HOOK"
}

# add_systemd_unit UNIT: the unit and the binaries of its Exec lines.
add_systemd_unit() {
	calls add_systemd_unit "$@"
	local u=/usr/lib/systemd/system/$1 key val bin
	[[ -f $u ]] || { error "unit not found: '$1'"; return 1; }
	add_file "$u" "/usr/lib/systemd/system/$1" 0644
	while IFS='=' read -r key val; do
		case $key in
		ExecStart | ExecStartPre | ExecStartPost)
			bin=${val%% *}
			bin=${bin#[-@!+:]}
			[[ -e $BUILDROOT$bin ]] || add_binary "$bin"
			;;
		esac
	done <"$u"
}

run_build() {
	local f
	for HOOK in "$@"; do
		f=$INITCPIO_DIR/install/$HOOK
		[[ -f $f ]] || { error "install hook not found: '$f'"; return 1; }
		unset -f build help
		# shellcheck source=/dev/null
		. "$f"
		declare -F build >/dev/null || { error "$HOOK: no build()"; return 1; }
		build
	done
}

base_layout() {
	mkdir -p "$BUILDROOT"/{usr/bin,usr/lib,dev,proc,sys,run,etc,hooks}
	ln -sfn usr/bin "$BUILDROOT/bin"
	ln -sfn usr/bin "$BUILDROOT/sbin"
	ln -sfn bin "$BUILDROOT/usr/sbin"
	ln -sfn usr/lib "$BUILDROOT/lib"
	ln -sfn usr/lib "$BUILDROOT/lib64"
	ln -sfn lib "$BUILDROOT/usr/lib64"
}

mode=$1
shift
case $mode in
build)
	BUILDROOT=$1 KVER=$2
	shift 2
	# shellcheck disable=SC2034 # read by the hooks it sources
	KERNELVERSION=$KVER _d_kmoduledir=/usr/lib/modules/$KVER
	rm -rf "$BUILDROOT" "$BUILDROOT.calls"
	base_layout
	run_build "$@"
	exit $((errors > 0))
	;;
help)
	HOOK=$1
	# shellcheck source=/dev/null
	. "$INITCPIO_DIR/install/$HOOK"
	help
	;;
image)
	out=$1 KVER=$2 BUILDROOT=$3
	shift 3
	# shellcheck disable=SC2034 # read by the hooks it sources
	KERNELVERSION=$KVER _d_kmoduledir=/usr/lib/modules/$KVER
	rm -rf "$BUILDROOT" "$BUILDROOT.calls"
	base_layout
	# What mkinitcpio's base and udev hooks would bring, for the test.
	install -m 0755 /bin/busybox "$BUILDROOT/usr/bin/busybox"
	add_binary /usr/bin/kmod /usr/bin/kmod
	for t in modprobe insmod lsmod rmmod modinfo depmod; do
		ln -sfn kmod "$BUILDROOT/usr/bin/$t"
	done
	for a in $(/bin/busybox --list); do
		[[ -e $BUILDROOT/usr/bin/$a ]] || ln -s busybox "$BUILDROOT/usr/bin/$a"
	done
	for m in xhci-pci e1000e nvme bochs snd-hda-intel; do add_module "$m"; done
	run_build "$@" || exit 1
	install -m 0755 "$here/guest/report.sh" "$BUILDROOT/usr/bin/vfio-test-report"
	install -m 0755 "$here/guest/mkinitcpio-init" "$BUILDROOT/init"
	echo "HOOKS=\"$*\"" >"$BUILDROOT/config"
	[[ -x /usr/sbin/vfioctl ]] && add_binary /usr/sbin/vfioctl
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		cp "/usr/lib/modules/$KVER/$f" "$BUILDROOT/usr/lib/modules/$KVER/"
	done
	depmod -b "$BUILDROOT" "$KVER"
	(cd "$BUILDROOT" && find . | cpio -o -H newc --quiet) >"$out"
	rm -rf "$BUILDROOT" "$BUILDROOT.calls"
	;;
*)
	echo "usage: $0 build|help|image ..." >&2
	exit 2
	;;
esac
