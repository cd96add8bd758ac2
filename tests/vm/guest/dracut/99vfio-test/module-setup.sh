#!/bin/bash
# Test-only dracut module: the drivers of the test machine, the guest report
# (after udev has settled) and the preload step (before pre-udev).
check() { return 255; }
depends() { return 0; }
installkernel() {
    hostonly='' instmods xhci-pci e1000e nvme bochs snd-hda-intel
}
install() {
    inst_multiple cat readlink dmesg modprobe sleep
    # shellcheck disable=SC2154 # moddir is set by dracut
    inst_simple "$moddir/report.sh" /usr/bin/vfio-test-report
    inst_simple "$moddir/preload.sh" /usr/bin/vfio-test-preload
    inst_hook cmdline 99 "$moddir/cmdline.sh"
    inst_hook initqueue/settled 99 "$moddir/settled.sh"
    # The report hook runs from the initqueue, in systemd images too.
    dracut_need_initqueue
    # VFIO_TEST_SD_ROOT: what the mkinitcpio harness made of sd-vfio-claim;
    # put its unit, wants link, binary and modules into this systemd image
    # (built with --omit vfio-claim) to boot vfio-claim.service for real.
    local r=${VFIO_TEST_SD_ROOT:-} ko
    if [[ -n $r ]]; then
        inst_simple "$r/usr/lib/systemd/system/vfio-claim.service" \
            /usr/lib/systemd/system/vfio-claim.service
        # shellcheck disable=SC2154 # initdir is set by dracut
        mkdir -p "$initdir/usr/lib/systemd/system/sysinit.target.wants"
        cp -P "$r/usr/lib/systemd/system/sysinit.target.wants/vfio-claim.service" \
            "$initdir/usr/lib/systemd/system/sysinit.target.wants/"
        inst_simple "$r/usr/lib/systemd/system/vfio-claim-finish.service" \
            /usr/lib/systemd/system/vfio-claim-finish.service
        mkdir -p "$initdir/usr/lib/systemd/system/initrd.target.wants"
        cp -P "$r/usr/lib/systemd/system/initrd.target.wants/vfio-claim-finish.service" \
            "$initdir/usr/lib/systemd/system/initrd.target.wants/"
        inst_simple "$r/usr/sbin/vfio-claim" /usr/sbin/vfio-claim
        while read -r ko; do
            ko=${ko##*/}
            hostonly='' instmods "${ko%%.ko*}"
        done < <(find "$r/usr/lib/modules" -name '*.ko*')
    fi
    if [[ -x /usr/sbin/vfioctl ]]; then
        inst_binary /usr/sbin/vfioctl
    fi
}
