#!/bin/bash
# dracut module "vfio-claim": reserves PCI devices for vfio-pci before udev
# coldplug can bind any native driver.
#
# How it is enabled: check() returns 255, so dracut includes the module only
# when asked. `make install` puts dracut/vfio-claim.conf
# (add_dracutmodules+=" vfio-claim ") into dracut's dracut.conf.d, so after
# installing, `dracut -f` is all it takes; remove that file (or add
# omit_dracutmodules+=" vfio-claim ") to opt out.
#
# Shell images run the claim from the pre-udev hook; systemd images from
# vfio-claim.service, which orders itself before systemd-udevd and
# systemd-modules-load (dracut-pre-udev.service is ordered after neither
# modules-load nor rd.modules-load=, so a driver named there could bind
# first).
#
# This module never fails an image build: the module is in every image
# through the conf snippet, and dracut exits without writing an image when
# a module in add_dracutmodules fails check() or installkernel(). When the
# kernel lacks vfio or vfio-pci, or the binary is missing, it warns, and
# the image is built without vfio-claim; /usr/lib/vfio-claim/absent in the
# image says why, and the pre-udev hook logs it to the kernel log at boot.
#
# vfio variant drivers (drivers/vfio/pci/*/: mlx5_vfio_pci, ...) follow their
# native drivers and firmware into the image, and udev then binds those to
# every matching device. Only the ones that a configured device's modalias
# matches go in (vfioctl plan --image-modules, hostonly images; vfioctl is
# installed beside vfio-claim), all of them only with
# vfio_claim_variants=all in a dracut.conf.d file.

# The binary lives where `make install` put it; in the image it is always
# /usr/sbin/vfio-claim.
vfio_claim_binary() {
    local p
    for p in "$(command -v vfio-claim 2>/dev/null)" /usr/sbin/vfio-claim \
        /usr/local/sbin/vfio-claim /sbin/vfio-claim; do
        [[ -n $p && -x ${dracutsysrootdir-}$p ]] && echo "$p" && return 0
    done
    return 1
}

# vfio_claim_absent: prints why this image cannot carry vfio-claim (status
# 0), or nothing (status 1) when it can: the binary exists and the kernel
# has vfio and vfio-pci, as modules or built in. vfio_iommu_type1 is not
# needed to claim (ppc64 has the spapr backend instead, and a kernel built
# with VFIO_CONTAINER=n has none): it goes in when the kernel has it.
vfio_claim_absent() {
    local m missing=
    if ! vfio_claim_binary > /dev/null; then
        echo "the vfio-claim binary is not installed on the build host (/usr/sbin/vfio-claim)"
        return 0
    fi
    # shellcheck disable=SC2154 # srcmods is set by dracut
    for m in vfio vfio_pci; do
        grep -qE "(^|/)(${m}|${m//_/-})\.ko" "$srcmods/modules.dep" \
            "$srcmods/modules.builtin" 2> /dev/null || missing+=" $m"
    done
    [[ -z $missing ]] && return 1
    # shellcheck disable=SC2154 # kernel is set by dracut
    echo "kernel $kernel has no${missing} (neither a module nor built in)"
}

check() {
    # Never 1: we are in add_dracutmodules, where a failed check() ends
    # dracut without an image. install() decides whether we can work.
    return 255
}

depends() {
    return 0
}

# The vfio variant modules this image needs, one per line.
vfio_claim_variants() {
    local bin
    # shellcheck disable=SC2154 # set in a dracut.conf.d file
    if [[ ${vfio_claim_variants-} == all ]]; then
        find "$srcmods/kernel/drivers/vfio/pci" -mindepth 2 -name '*.ko*' \
            2> /dev/null | sed 's|.*/||; s|\.ko.*||'
        return 0
    fi
    # A generic image carries no host's devices (nor its config).
    # shellcheck disable=SC2154 # hostonly is set by dracut
    [[ $hostonly ]] || return 0
    bin=$(vfio_claim_binary) || return 0
    bin=${dracutsysrootdir-}${bin%/*}/vfioctl
    if [[ ! -x $bin ]]; then
        dwarn "vfio-claim: no $bin to choose vfio variant drivers with: none in this image"
        return 0
    fi
    "$bin" plan --image-modules --modules-dir "$srcmods" \
        ${dracutsysrootdir:+--config "$dracutsysrootdir/etc/vfio-claim.conf"} \
        2> /dev/null
}

installkernel() {
    local mods
    vfio_claim_absent > /dev/null && return 0
    # hostonly='': the vfio modules are never loaded on the host that builds
    # the image (that is the point), so hostonly filtering would drop them.
    # Both are there (vfio_claim_absent): a failure here is a broken module
    # tree, which is worth a warning, never a missing image.
    hostonly='' instmods -c vfio vfio-pci ||
        dwarn "vfio-claim: cannot install the vfio or vfio-pci module of kernel $kernel"
    # Split out, merged or absent depending on the kernel: optional.
    hostonly='' instmods vfio_iommu_type1 vfio-pci-core vfio_virqfd
    # IOMMUs whose driver is a module (virtio-iommu, SMMUv3): vfio-claim
    # loads it before it plans. Optional: most kernels lack one or both.
    hostonly='' instmods virtio_iommu arm_smmu_v3
    mods=$(vfio_claim_variants | sort -u)
    if [[ $mods ]]; then
        # shellcheck disable=SC2086 # a list of module names
        hostonly='' instmods $mods
    fi
    return 0
}

# The unit for systemd images, from the host's unit directory.
vfio_claim_unit() {
    local d
    # shellcheck disable=SC2154 # systemdsystemunitdir is set by dracut
    for d in "$systemdsystemunitdir" /usr/lib/systemd/system /lib/systemd/system; do
        [[ -f ${dracutsysrootdir-}$d/vfio-claim.service ]] && echo "$d/vfio-claim.service" && return 0
    done
    return 1
}

install() {
    local bin why unit
    # shellcheck disable=SC2154 # moddir and initdir are set by dracut
    if why=$(vfio_claim_absent); then
        dwarn "vfio-claim: not in this image: $why; devices are not claimed for vfio-pci at boot"
        mkdir -p "$initdir/usr/lib/vfio-claim"
        echo "$why" > "$initdir/usr/lib/vfio-claim/absent"
        inst_hook pre-udev 00 "$moddir/vfio-claim.sh"
        return 0
    fi
    bin=$(vfio_claim_binary)
    inst_simple "$bin" /usr/sbin/vfio-claim
    # vfio-claim loads vfio-pci itself once it has claimed a device.
    inst_multiple -o modprobe
    # The build host's devices belong in its own images only, marked
    # host-only so that rd.hostonly=0 drops it (dracut.cmdline(7)).
    if [[ $hostonly && -f ${dracutsysrootdir-}/etc/vfio-claim.conf ]]; then
        inst_simple -H /etc/vfio-claim.conf
    fi
    if dracut_module_included systemd && unit=$(vfio_claim_unit); then
        inst_simple "$unit" "$systemdsystemunitdir/vfio-claim.service"
        mkdir -p "$initdir$systemdsystemunitdir/sysinit.target.wants"
        ln -sfn ../vfio-claim.service \
            "$initdir$systemdsystemunitdir/sysinit.target.wants/vfio-claim.service"
        # Waits for the claim's worker before switch-root stops the units.
        if [[ -f ${dracutsysrootdir-}${unit%/*}/vfio-claim-finish.service ]]; then
            inst_simple "${unit%/*}/vfio-claim-finish.service" \
                "$systemdsystemunitdir/vfio-claim-finish.service"
            mkdir -p "$initdir$systemdsystemunitdir/initrd.target.wants"
            ln -sfn ../vfio-claim-finish.service \
                "$initdir$systemdsystemunitdir/initrd.target.wants/vfio-claim-finish.service"
        fi
    else
        dracut_module_included systemd &&
            dwarn "vfio-claim: no vfio-claim.service in $systemdsystemunitdir: claiming from the pre-udev hook, which systemd-modules-load does not wait for"
        inst_hook pre-udev 00 "$moddir/vfio-claim.sh"
        # What the pre-udev hook leaves running ends before the pivot.
        inst_hook pre-pivot 00 "$moddir/vfio-claim-finish.sh"
    fi
}
