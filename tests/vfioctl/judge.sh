# shellcheck shell=sh
# One judgment, many renderings (issue 17): every verb gives the same
# verdict for the same device. Sourced by tests/vfioctl/run.sh, which
# calls judge_suite once every fixture is built; uses its fx_host, fail,
# pass and expect_eq.
#
# For each fake host under $OUT/fx (the suite's fixtures, and each spec in
# tests/vfioctl/hosts/, however many there are), and for each device in it
# that the boot's own rules would claim (plan names no other refusal),
# the verdict of plan, bind --dry-run, reserve --dry-run, verify, groups
# --json and qemu-args, each read from what the verb prints to a user:
#   host-uses          the host uses it ('... would take it from the
#                      host' from the verbs that claim, 'the host uses
#                      it (...)' from the others)
#   direct-mapped      its group needs a 1:1 mapping ('1:1 IOMMU mapping')
#   blocked-by:A,B,    group members on host drivers ('also holds A [..]
#                      on DRIVER'; groups --json: "blocks")
#   claimable          none of these
# and judge-verbs-agree-HOST fails when one verb differs from plan's.

# jv_word TEXT: the verdict a verb's output says.
jv_word() {
	if printf '%s\n' "$1" | grep -q -e 'would take it from the host' \
		-e 'the host uses it ('; then
		echo host-uses
	elif printf '%s\n' "$1" | grep -q '1:1 IOMMU mapping'; then
		echo direct-mapped
	else
		jv_g=$(printf '%s\n' "$1" |
			grep -o 'also holds [0-9a-f:.]* \[[0-9a-f]*:[0-9a-f]*\] on ' |
			awk '{ print $3 }' | sort -u | tr '\n' ,)
		if [ -n "$jv_g" ]; then
			echo "blocked-by:$jv_g"
		else
			echo claimable
		fi
	fi
}

# jv_groups ROOT ADDR: the verdict groups --json gives.
jv_groups() {
	"$JX" --root "$1" groups --json 2>/dev/null | jq -r --arg a "$2" '
		[.groups[] | select(any(.devices[]; .address == $a))][0] as $g
		| if $g == null then "claimable"
		  elif any($g.devices[]; .address == $a and .host_uses != null)
		  then "host-uses"
		  elif $g.direct != null then "direct-mapped"
		  else ([$g.devices[] | select(.address != $a and .blocks)
			 | .address] | sort | join(",")) as $b
		  | if $b == "" then "claimable" else "blocked-by:" + $b + "," end
		  end'
}

# jv_host ROOT: one line per device, "ADDR plan=W bind=W ...".
jv_host() {
	for jv_d in "$1"/sys/bus/pci/devices/*; do
		[ -e "$jv_d" ] || continue
		a=${jv_d##*/}
		case $(cat "$jv_d/class" 2>/dev/null) in 0x0604*) continue ;; esac
		p=$("$JX" --root "$1" plan "$a" 2>&1)
		pl=$(printf '%s\n' "$p" | grep "^plan $a ")
		# The boot's other refusals (no group, SR-IOV, ...): not ours.
		case $pl in
		*action=refuse*--force*) ;;
		*action=refuse* | *action=veto* | "") continue ;;
		esac
		w_plan=$(jv_word "$p")
		w_bind=$(jv_word "$("$JX" --root "$1" bind --dry-run "$a" 2>&1)")
		w_res=$(jv_word "$("$JX" --root "$1" reserve --dry-run \
			--no-rebuild "$a" 2>&1)")
		w_ver=$(jv_word "$("$JX" --root "$1" verify "$a" 2>&1)")
		w_grp=$(jv_groups "$1" "$a")
		w_qa=$(jv_word "$("$JX" --root "$1" qemu-args "$a" 2>&1)")
		echo "$a plan=$w_plan bind=$w_bind reserve=$w_res verify=$w_ver groups=$w_grp qemu-args=$w_qa"
	done
}

# judge_suite VFIOCTL SUFFIX
judge_suite() {
	JX=$1
	if ! command -v jq >/dev/null 2>&1; then
		skip "judge-verbs-agree$2" "no jq"
		return 0
	fi
	# Every real-host spec there is, as a fake host of its own.
	for jv_spec in "$HERE"/hosts/*.spec; do
		[ -e "$jv_spec" ] || continue
		jv_n=${jv_spec##*/}
		jv_n=judge-${jv_n%.spec}$2
		rm -rf "$OUT/fx/$jv_n"
		fx_host "$jv_n" "$jv_spec"
	done
	jv_hosts=0 jv_devs=0
	for jv_r in "$OUT"/fx/*/; do
		jv_r=${jv_r%/}
		jv_h=${jv_r##*/}
		case $jv_h in *.asan) continue ;; esac
		[ -d "$jv_r/sys/bus/pci/devices" ] || continue
		jv_out=$(jv_host "$jv_r")
		printf '%s\n' "$jv_out" >"$OUT/judge-$jv_h$2.txt"
		jv_hosts=$((jv_hosts + 1))
		jv_devs=$((jv_devs + $(printf '%s' "$jv_out" | grep -c .)))
		# The lines where a verb's word is not plan's.
		jv_bad=$(printf '%s\n' "$jv_out" | awk '{
			p = substr($2, 6)
			for (i = 3; i <= NF; i++) {
				w = $i; sub(/^[^=]*=/, "", w)
				if (w != p) { print; break }
			} }')
		if [ -n "$jv_bad" ]; then
			fail "judge-verbs-agree-$jv_h$2" "the verbs disagree: $(printf '%s\n' "$jv_bad" | tr '\n' '~')"
		else
			pass "judge-verbs-agree-$jv_h$2"
		fi
	done
	# Not vacuous: hosts and devices were compared.
	if [ "$jv_hosts" -ge 20 ] && [ "$jv_devs" -ge 50 ]; then
		pass "judge-verbs-agree-coverage$2"
	else
		fail "judge-verbs-agree-coverage$2" "only $jv_hosts hosts, $jv_devs devices"
	fi
}
