# shellcheck shell=sh
# A group member with no driver (issue 17): it holds no DMA ownership, so
# it blocks nothing now (bind, qemu-args: about now); for the boot (plan,
# reserve) it blocks when a module of this kernel binds it by its
# modalias, and where there is no module directory to ask, today's state
# (no driver) is the evidence. Sourced by tests/vfioctl/run.sh; uses
# judge.sh's jd_desk and the suite's check and check_not.

# judge_later VFIOCTL SUFFIX
judge_later() {
	X=$1 s=$2
	if ! command -v depmod >/dev/null 2>&1; then
		skip "judge-later$s" "no depmod"
		return 0
	fi
	jd_desk "jd-later$s"
	# An audio function with no driver in the USB controller's group 30;
	# modprobe.d's alias (jd_desk) gives it to snd_hda_intel at boot.
	fx_dev 0000:0d:00.2 10de:10f0 040300 - 30
	jl=$OUT/fx/jd-later$s
	jl_mod="--modules-dir $jl/lib/modules/9.9-test"
	jl_later="IOMMU group 30 also holds 0000:0d:00.2 [10de:10f0] with no driver yet: snd_hda_intel binds it at boot"
	# shellcheck disable=SC2086 # jl_mod is two words
	check "judge-later-plan-module-binds$s" 0 "$jl_later|action=claim" \
		"$X" --root "$jl" $jl_mod plan 0d:00.3
	# shellcheck disable=SC2086
	check "judge-later-reserve-module-binds$s" 0 "$jl_later" \
		"$X" --root "$jl" $jl_mod reserve --dry-run --no-rebuild 0d:00.3
	# bind is about now: no driver, no DMA owner, nothing in the way
	# (failed before: bind named it as plan does).
	# shellcheck disable=SC2086
	check_not "judge-later-bind-now$s" "0000:0d:00.2|0000:0d:00.0|0000:0d:00.1" \
		"$X" --root "$jl" $jl_mod bind --dry-run 0d:00.3
	# shellcheck disable=SC2086
	check_not "judge-later-qemu-args-now$s" "0000:0d:00.2" \
		"$X" --root "$jl" $jl_mod qemu-args 0d:00.3
	# No module directory: today's state is the evidence (failed before:
	# plan said "its own driver may bind it at boot").
	check_not "judge-later-plan-no-moddir$s" "0000:0d:00.2|0000:0d:00.0|0000:0d:00.1" \
		"$X" --root "$jl" --modules-dir "$jl/no-such-dir" plan 0d:00.3
}
