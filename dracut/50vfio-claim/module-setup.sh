#!/bin/bash
# dracut module "vfio-claim": reserves PCI devices for vfio-pci from the
# pre-udev hook, before udev coldplug can bind any native driver.
#
# How it is enabled: check() returns 255, so dracut includes the module only
# when asked. `make install` puts dracut/vfio-claim.conf
# (add_dracutmodules+=" vfio-claim ") into dracut's dracut.conf.d, so after
# installing, `dracut -f` is all it takes; remove that file (or add
# omit_dracutmodules+=" vfio-claim ") to opt out. Works in shell and systemd
# images: dracut-pre-udev.service runs the same pre-udev hook.

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

check() {
    # Cannot work without the binary; otherwise only when asked for.
    vfio_claim_binary > /dev/null || return 1
    return 255
}

depends() {
    return 0
}

installkernel() {
    # hostonly='': the vfio modules are never loaded on the host that builds
    # the image (that is the point), so hostonly filtering would drop them.
    hostonly='' instmods -c vfio vfio_iommu_type1 vfio-pci || return 1
    # Split out or merged depending on the kernel version: optional.
    hostonly='' instmods vfio-pci-core vfio_virqfd
    # IOMMUs whose driver is a module (virtio-iommu, SMMUv3): vfio-claim
    # loads it before it plans. Optional: most kernels lack one or both.
    hostonly='' instmods virtio_iommu arm_smmu_v3
    # vfio variant drivers (drivers/vfio/pci/*/: mlx5_vfio_pci, ...), which
    # vfio-claim picks from modules.alias; a kernel may have none.
    hostonly='' instmods '=drivers/vfio/pci'
    return 0
}

install() {
    local bin
    bin=$(vfio_claim_binary) || return 1
    inst_simple "$bin" /usr/sbin/vfio-claim
    # vfio-claim loads vfio-pci itself once it has claimed a device.
    inst_multiple -o modprobe
    [[ -f ${dracutsysrootdir-}/etc/vfio-claim.conf ]] && inst_simple /etc/vfio-claim.conf
    # shellcheck disable=SC2154 # moddir is set by dracut
    inst_hook pre-udev 00 "$moddir/vfio-claim.sh"
}
