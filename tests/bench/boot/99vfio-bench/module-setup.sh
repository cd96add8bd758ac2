#!/bin/bash
# Benchmark-only dracut module (make bench-boot): every image carries the
# test machine's drivers and the vfio modules, so image sizes differ only by
# what a way adds. Marks in kmsg: the end of the cmdline hooks (the last
# point before the ways differ), the first pre-udev hook (just before the
# shell peer's or ours), the last one (udevd starts right after it), and
# udev settled (the end of the initramfs's work); then dmesg goes to ttyS1
# and the VM powers off. VFIO_BENCH_WAY (at build time) adds a way's parts:
#   kernel: modprobe.d softdeps (vfio-pci.ids= is on the command line)
#   shell:  the shell peer, a pre-udev hook at the same place as ours
check() { return 255; }
depends() { return 0; }
installkernel() {
    hostonly='' instmods xhci-pci e1000e nvme bochs snd-hda-intel
    hostonly='' instmods vfio vfio_iommu_type1 vfio-pci vfio-pci-core vfio_virqfd
}
install() {
    inst_multiple cat dmesg modprobe
    # shellcheck disable=SC2154 # moddir is set by dracut
    inst_hook cmdline 99 "$moddir/mark-cmdline.sh"
    inst_hook pre-udev 00 "$moddir/mark-pre-udev.sh"
    inst_hook pre-udev 99 "$moddir/mark-udevd.sh"
    inst_hook initqueue/settled 99 "$moddir/settled.sh"
    dracut_need_initqueue
    case ${VFIO_BENCH_WAY:-} in
    kernel)
        # shellcheck disable=SC2154 # initdir is set by dracut
        mkdir -p "$initdir/etc/modprobe.d"
        cp "$moddir/kernel-way.conf" "$initdir/etc/modprobe.d/vfio-bench.conf"
        ;;
    shell)
        inst_hook pre-udev 00 "$moddir/shell-peer.sh"
        ;;
    esac
}
