#!/bin/sh
# make bench-boot: whole boots of the boot tests' machine (tests/vm/lib.sh:
# q35, VT-d, VGA 03.0 + HDA 03.1, two qemu-xhci 04.0/05.0), Debian's kernel,
# dracut shell images, four ways to reserve 03.0, 03.1 and 04.0 for vfio-pci:
#   claim   vfio-claim, vfio.devices=00:03,00:04.0 (its hooks: --background,
#           and --finish before the hand-over, issue 22)
#   fg      the same image, vfio.background=0: the claim in the foreground
#   kernel  vfio-pci.ids=1234:1111,8086:293e,1b36:000d + softdeps in modprobe.d
#   shell   a guide-style POSIX sh pre-udev hook (tests/bench/boot/99vfio-bench)
#   none    no reservation (the baseline)
# booted interleaved, claim fg kernel shell none, ROUNDS times (default 7).
# OLD=REV adds a way, "old": vfio-claim built from git revision REV (the
# same cmdline as claim), booted right after claim in each round (with
# WAYS too: WAYS="claim shell" OLD=REV boots claim, old and shell).
# Every time is the kernel's own printk clock. "to vfio-pci" is the last of
# the three devices' driver_bound debug lines (dyndbg="func driver_bound +p")
# naming vfio-pci; "rel" times count from the end of dracut's cmdline hooks,
# the last point before the ways differ. Ratios are medians of per-round
# ratios (each round's boots ran back to back), with min and max. "hook
# delay" is the pre-udev hooks' time (first pre-udev hook to the last, after
# which dracut starts udevd): what a way makes udevd wait. "finished": the
# initramfs's wait for vfio-claim's worker (its pre-pivot hook, run by the
# bench right after udev settled) is over.
# WAYS: a subset, e.g. WAYS="claim shell". Logs: tests/out/bench-boot/
# (BENCH_OUT: elsewhere).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
# A loaded 2-core machine stretches a TCG boot past lib.sh's 150 s.
VM_TIMEOUT=${VM_TIMEOUT:-400}
. "$TOP/tests/vm/lib.sh"
ROUNDS=${ROUNDS:-7}
OLD=${OLD:-}
WAYS=${WAYS:-claim fg kernel shell none}
if [ -n "$OLD" ]; then
	case " $WAYS " in
	*" old "*) ;;
	*" claim "*) WAYS=$(echo "$WAYS" | sed 's/\bclaim\b/claim old/') ;;
	*) WAYS="old $WAYS" ;;
	esac
fi
# PAR=2: the ways of a round boot two at a time, in WAYS order (claim with
# kernel, shell with none by default), a pair under the same load.
PAR=${PAR:-1}
OUT=${BENCH_OUT:-$TOP/tests/out/bench-boot}
rm -rf "$OUT"
mkdir -p "$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vfio-claim-bench-boot.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM
[ "$ROUNDS" -ge 1 ] 2>/dev/null || { echo "bench-boot: ROUNDS must be a number" >&2; exit 2; }
[ "$ROUNDS" -ge 5 ] || echo "bench-boot: ROUNDS=$ROUNDS: fewer than 5 rounds give no spread worth reporting" >&2
command -v "$QEMU" >/dev/null 2>&1 || { echo "bench-boot: $QEMU not found (tests/deps.sh)" >&2; exit 2; }
vm_setup "$WORK" >"$OUT/setup.log" 2>&1 || { echo "bench-boot: setup failed:"; tail -n 5 "$OUT/setup.log"; exit 1; }
cp -r "$TOP/tests/bench/boot/99vfio-bench" "$TLAYER/lib/dracut/modules.d/"

DEVS="00:03.0 00:03.1 00:04.0"
DBG='dyndbg="func driver_bound +p"'
cmdline() {
	case $1 in
	claim | old) echo "$DBG vfio.devices=00:03,00:04.0" ;;
	fg) echo "$DBG vfio.devices=00:03,00:04.0 vfio.background=0" ;;
	kernel) echo "$DBG vfio-pci.ids=1234:1111,8086:293e,1b36:000d" ;;
	*) echo "$DBG" ;;
	esac
}

# OLD: that revision's tree, built and installed beside ours.
if [ -n "$OLD" ]; then
	mkdir -p "$WORK/old-src"
	{ git -C "$TOP" archive "$OLD" | tar -x -C "$WORK/old-src" &&
		make -s -C "$WORK/old-src" all &&
		make -s -C "$WORK/old-src" install DESTDIR="$WORK/dest-old"; } >"$OUT/old.build" 2>&1 ||
		{ echo "bench-boot: cannot build OLD=$OLD:"; tail -n 5 "$OUT/old.build"; exit 1; }
fi
for w in $WAYS; do
	omit="--omit vfio-claim" dest=$DEST
	case $w in
	claim | fg) omit= ;;
	old) omit='' dest=$WORK/dest-old ;;
	esac
	# shellcheck disable=SC2086 # $omit is a word list
	(DEST=$dest VFIO_BENCH_WAY=$w VM_TESTMOD=vfio-bench build_dracut "$WORK/$w.img" shell "" \
		$omit) >>"$OUT/$w.build" 2>&1 || { echo "bench-boot: image $w failed:"; tail -n 5 "$OUT/$w.build"; exit 1; }
done

# One line per boot into $WORK/results:
#   WAY ROUND OK VFIO_ABS VFIO_REL UDEVD_REL SETTLED_ABS CLAIM_WALL D05 LAST_REL
#   HOOK FINISHED_ABS
# times in ms ("-" when absent), OK=1 when every named device ended on
# vfio-pci (the baseline: on its own driver), D05 the driver of 00:05.0.
# VFIO: when the last of the three was first bound to vfio-pci; LAST: when
# the last vfio-pci bind of any of them happened (the shell peer unbinds
# and probes again devices vfio-pci took while it loaded).
parse() { # WAY ROUND REPORT
	tr -d '\r' <"$3" | awk -v way="$1" -v round="$2" -v devs="$DEVS" '
	function ts(l) { sub(/^\[ */, "", l); sub(/\].*/, "", l); return l * 1000 }
	/^\[ *[0-9.]+\]/ {
		if ($0 ~ /vfio-bench: mark cmdline/) mark = ts($0)
		else if ($0 ~ /vfio-bench: mark pre-udev/) pre = ts($0)
		else if ($0 ~ /vfio-bench: mark udevd/) udevd = ts($0)
		else if ($0 ~ /vfio-bench: mark settled/) settled = ts($0)
		else if ($0 ~ /vfio-bench: mark finished/) finished = ts($0)
		else if ($0 ~ /vfio-claim: /) { t = ts($0); if (cfirst == "") cfirst = t; clast = t }
		else if ($0 ~ /driver: .vfio-pci.: driver_bound: bound to device/) {
			d = $0; sub(/.*device .0000:/, "", d); sub(/.$/, "", d)
			if (!(d in bound)) bound[d] = ts($0)
			again[d] = ts($0)
		}
	}
	/^VMBENCH dev / { a = $3; sub(/^0000:/, "", a); drv[a] = $4 }
	/^VMBENCH end/ { ended = 1 }
	END {
		n = split(devs, dv, " "); ok = ended && mark != ""; last = ""; fin = ""
		for (i = 1; i <= n; i++) {
			if (way == "none") { if (drv[dv[i]] == "vfio-pci") ok = 0; continue }
			if (drv[dv[i]] != "vfio-pci" || !(dv[i] in bound)) { ok = 0; continue }
			if (last == "" || bound[dv[i]] > last) last = bound[dv[i]]
			if (fin == "" || again[dv[i]] > fin) fin = again[dv[i]]
		}
		f = "%.1f"
		printf "%s %s %d %s %s %s %s %s %s %s %s %s\n", way, round, ok,
			last == "" ? "-" : sprintf(f, last),
			last == "" || mark == "" ? "-" : sprintf(f, last - mark),
			udevd == "" || mark == "" ? "-" : sprintf(f, udevd - mark),
			settled == "" ? "-" : sprintf(f, settled),
			cfirst == "" ? "-" : sprintf(f, clast - cfirst),
			drv["00:05.0"] == "" ? "-" : drv["00:05.0"],
			fin == "" || mark == "" ? "-" : sprintf(f, fin - mark),
			pre == "" || udevd == "" ? "-" : sprintf(f, udevd - pre),
			finished == "" ? "-" : sprintf(f, finished)
	}'
}

# Where a way's time goes, one line per boot into $WORK/steps (ms):
#   WAY DRACUT START TOMOD PLAN MODPROBE BIND TAIL UDEVD
# DRACUT: cmdline end to the first pre-udev hook; START: from there to
# vfio-claim's first kmsg line (exec, reading the cmdline); TOMOD: from
# there to "loading vfio-pci" (modprobe starts); PLAN: from the first line
# to the last "driver_override set" line (the plan and the overrides of
# devices with no driver: since modprobe starts first, they overlap it);
# MODPROBE: "loading vfio-pci" to the first vfio-pci bind; BIND: first to
# last bind; TAIL: to vfio-claim's last line; UDEVD: from there to the
# udevd mark. For the shell peer (no log lines of its own) DRACUT, then
# to its first bind (in MODPROBE) and BIND.
breakdown() { # WAY REPORT
	tr -d '\r' <"$2" | awk -v way="$1" '
	function ts(l) { sub(/^\[ */, "", l); sub(/\].*/, "", l); return l * 1000 }
	/^\[ *[0-9.]+\]/ {
		if ($0 ~ /vfio-bench: mark cmdline/) mark = ts($0)
		else if ($0 ~ /vfio-bench: mark udevd/) udevd = ts($0)
		else if ($0 ~ /vfio-bench: mark pre-udev/) pre = ts($0)
		else if ($0 ~ /vfio-claim: loading vfio-pci/) { load = ts($0); last = load }
		else if ($0 ~ /vfio-claim: /) {
			t = ts($0); if (first == "") first = t; last = t
			if ($0 ~ /driver_override set to/ && b1 == "") ovr = t
		}
		else if ($0 ~ /driver: .vfio-pci.: driver_bound: bound to device .0000:00:0[34]/) {
			t = ts($0); if (b1 == "") b1 = t; bl = t
		}
	}
	END {
		if (mark == "" || pre == "" || b1 == "") exit
		if (way == "shell") { printf "%s %.1f - - - %.1f %.1f - -\n", way, pre - mark, b1 - pre, bl - b1; exit }
		if (first == "" || load == "") exit
		printf "%s %.1f %.1f %.1f %s %.1f %.1f %.1f %.1f\n", way, pre - mark, first - pre, load - first,
			ovr == "" ? "-" : sprintf("%.1f", ovr - first), b1 - load, bl - b1, last - bl, udevd - last
	}'
}

t0=$(date +%s)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
r=1
while [ $r -le "$ROUNDS" ]; do
	i=0
	for w in $WAYS; do
		vm_boot "$w-$r" "$WORK/$w.img" "$(cmdline "$w")" &
		i=$((i + 1))
		[ $((i % PAR)) -eq 0 ] && wait
	done
	wait
	for w in $WAYS; do
		parse "$w" "$r" "$WORK/$w-$r.report" >>"$WORK/results"
		breakdown "$w" "$WORK/$w-$r.report" >>"$WORK/steps"
		cp "$WORK/$w-$r.report" "$WORK/$w-$r.console" "$WORK/$w-$r.qemu" "$OUT/" 2>/dev/null
	done
	echo "bench-boot: round $r of $ROUNDS done ($(($(date +%s) - t0)) s)" >&2
	r=$((r + 1))
done
cp "$WORK/results" "$OUT/results"
cp "$WORK/steps" "$OUT/steps" 2>/dev/null

# Bytes each image adds to the baseline's; the vfio modules, which every
# image carries, for reference.
base=
[ -f "$WORK/none.img" ] && base=$(wc -c <"$WORK/none.img")
mods=0
for m in vfio vfio_iommu_type1 vfio-pci vfio-pci-core vfio_virqfd; do
	f=$(find "$KROOT/lib/modules/$KVER" -name "$m.ko*" | head -n 1)
	[ -n "$f" ] && mods=$((mods + $(wc -c <"$f")))
done
for w in $WAYS; do
	if [ -n "$base" ]; then
		echo "$w $(($(wc -c <"$WORK/$w.img") - base))"
	else
		echo "$w -" # no baseline image among WAYS
	fi
done >"$WORK/sizes"

echo "bench-boot: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)), load $load0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo "kernel $KVER, $($QEMU --version | head -n 1), TCG, $ROUNDS rounds of $WAYS"
echo "claim: vfio-claim $(git -C "$TOP" describe --always --dirty 2>/dev/null)${OLD:+; old: $OLD}"
awk -v ways="$WAYS" -v mods="$mods" '
function med(s,   n, a, i, j, t) {
	n = split(s, a, " ")
	if (n == 0) return "-"
	for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
	lo = a[1]; hi = a[n]
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function spread(s,   m) { m = med(s); return m == "-" ? "-" : sprintf("%.0f [%.0f-%.0f]", m, lo, hi) }
function rspread(s,   m) { m = med(s); return m == "-" ? "-" : sprintf("%.2f [%.2f-%.2f]", m, lo, hi) }
FILENAME ~ /sizes$/ { size[$1] = $2; next }
{
	w = $1; r = $2; ok[w, r] = $3; n[w]++
	if (!$3) { bad[w]++; next }
	v[w, r] = $5; u[w, r] = $6; hk[w, r] = $11; sr[w, r] = $7; fr[w, r] = $12
	if ($11 != "-") hd[w] = hd[w] " " $11
	if ($12 != "-") fn[w] = fn[w] " " $12
	if ($4 != "-") va[w] = va[w] " " $4
	if ($5 != "-") vr[w] = vr[w] " " $5
	if ($7 != "-") st[w] = st[w] " " $7
	if ($8 != "-") cw[w] = cw[w] " " $8
	if ($10 != "-") lr[w] = lr[w] " " $10
	if (w == "kernel" && $9 == "vfio-pci") took05++
	rounds[r] = 1
}
END {
	printf "\n%-7s %5s %20s %20s %20s %20s %9s\n", "way", "boots", "to vfio-pci (abs ms)",
		"from cmdline end ms", "udevd starts at ms", "initramfs end ms", "image +B"
	nw = split(ways, W, " ")
	for (i = 1; i <= nw; i++) {
		w = W[i]; us = ""
		for (r in rounds) if (ok[w, r] && u[w, r] != "-") us = us " " u[w, r]
		printf "%-7s %2d/%-2d %20s %20s %20s %20s %9s\n", w, n[w] - bad[w], n[w],
			spread(va[w]), spread(vr[w]), spread(us),
			spread(st[w]), size[w]
	}
	printf "\nmedian [min-max] over boots; \"from cmdline end\" and \"udevd starts at\": ms after the end of the\n"
	printf "cmdline hooks (udevd: the last pre-udev hook, just before dracut starts udevd; the baseline shows the\n"
	printf "pre-udev time every image has); initramfs end: udev settled (printk clock from kernel start)\n"
	printf "last vfio-pci bind of a named device, from the cmdline end: claim %s, kernel %s, shell %s ms\n",
		spread(lr["claim"]), spread(lr["kernel"]), spread(lr["shell"])
	printf "vfio-claim wall time, first to last kmsg line: %s ms\n", spread(cw["claim"])
	if ("old" in n) printf "the same for old: %s ms\n", spread(cw["old"])
	printf "the kernel way also took 00:05.0 (a second xhci with the same ID, not named) in %d of %d boots\n", took05 + 0, n["kernel"] - bad["kernel"]
	printf "image bytes beyond the vfio modules (%d B, in every image): claim %s, kernel %s, shell %s\n",
		mods, size["claim"], size["kernel"], size["shell"]
	nways = split("kernel shell", P, " ")
	if ("old" in n) nways = split("kernel shell old", P, " ")
	printf "\nper-round ratios of vfio-claim, time to vfio-pci counted from the end of the cmdline hooks:\n"
	for (i = 1; i <= nways; i++) {
		s = ""; np = 0
		for (r in rounds) if (ok["claim", r] && ok[P[i], r] && v[P[i], r] > 0) { s = s " " v["claim", r] / v[P[i], r]; np++ }
		printf "  claim / %-6s %s (%d pairs)\n", P[i], rspread(s), np
	}
	s = ""; np = 0
	for (r in rounds) if (ok["claim", r] && ok["shell", r] && u["claim", r] != "-" && u["shell", r] != "-") { s = s " " (u["claim", r] - u["shell", r]); np++ }
	printf "  udevd start, claim minus shell: %s ms (%d pairs)\n", spread(s), np
	# Issue 22: what each way makes udevd wait (the pre-udev hooks), the
	# ratios of the foreground claim too, and what the initramfs pays.
	printf "\nhook delay before udevd (first to last pre-udev hook), ms:"
	for (i = 1; i <= nw; i++) printf " %s %s;", W[i], spread(hd[W[i]])
	printf "\nworker waited for (pre-pivot --finish done), ms from kernel start: claim %s\n", spread(fn["claim"])
	nq = split("claim/shell fg/shell claim/fg claim/none", Q, " ")
	printf "per-round ratios of the hook delay:\n"
	for (i = 1; i <= nq; i++) {
		a = Q[i]; sub(/\/.*/, "", a); b = Q[i]; sub(/.*\//, "", b); s = ""; np = 0
		for (r in rounds) if (ok[a, r] && ok[b, r] && hk[a, r] != "-" && hk[b, r] > 0) { s = s " " hk[a, r] / hk[b, r]; np++ }
		printf "  %-12s %s (%d pairs)\n", Q[i], rspread(s), np
	}
	nq = split("fg/shell fg/kernel claim/fg", Q, " ")
	printf "per-round ratios, time to vfio-pci from the end of the cmdline hooks:\n"
	for (i = 1; i <= nq; i++) {
		a = Q[i]; sub(/\/.*/, "", a); b = Q[i]; sub(/.*\//, "", b); s = ""; np = 0
		for (r in rounds) if (ok[a, r] && ok[b, r] && v[b, r] > 0) { s = s " " v[a, r] / v[b, r]; np++ }
		printf "  %-12s %s (%d pairs)\n", Q[i], rspread(s), np
	}
	printf "per-round cost against no reservation, ms (initramfs end: udev settled; finished: claim only):\n"
	for (i = 1; i <= nw; i++) {
		a = W[i]; if (a == "none") continue; s = ""; np = 0
		for (r in rounds) if (ok[a, r] && ok["none", r] && sr[a, r] != "-" && sr["none", r] != "-") { s = s " " (sr[a, r] - sr["none", r]); np++ }
		printf "  settled, %-6s minus none %s (%d pairs)\n", a, spread(s), np
	}
	s = ""; np = 0
	for (r in rounds) if (ok["claim", r] && ok["none", r] && fr["claim", r] != "-" && sr["none", r] != "-") { s = s " " (fr["claim", r] - sr["none", r]); np++ }
	printf "  finished, claim minus none settled %s (%d pairs)\n", spread(s), np
}' "$WORK/sizes" "$WORK/results"
awk '
function med(w, k,   n, a, i, j, t, s) {
	n = split(v[w, k], a, " ")
	if (n == 0) return "-"
	for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
	return sprintf("%.0f [%.0f-%.0f]", n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2, a[1], a[n])
}
{ w[$1] = 1; for (k = 2; k <= 9; k++) if ($k != "-") v[$1, k] = v[$1, k] " " $k }
END {
	printf "\nwhere the time goes, ms (median [min-max] per step):\n"
	printf "%-6s %14s %14s %14s %14s %14s %14s %14s %14s\n", "way", "dracut", "to 1st line", "to modprobe",
		"plan+overr.", "modprobe", "1st-last bind", "to last line", "to udevd"
	for (x in w) printf "%-6s %14s %14s %14s %14s %14s %14s %14s %14s\n", x, med(x, 2), med(x, 3),
		med(x, 4), med(x, 5), med(x, 6), med(x, 7), med(x, 8), med(x, 9)
	printf "(dracut: from the end of the cmdline hooks to the first pre-udev hook; to 1st line: to vfio-claim'"'"'s\n"
	printf "first kmsg line; to modprobe: from there to \"loading vfio-pci\"; plan+overr.: first line to the last\n"
	printf "\"driver_override set\" (overlaps modprobe when it started first); modprobe: \"loading vfio-pci\" to the\n"
	printf "first vfio-pci bind; shell: \"modprobe\" is all of its time from the first pre-udev hook to its first bind)\n"
}' "$WORK/steps" 2>/dev/null
bad=$(awk '!$3' "$WORK/results" | wc -l)
[ "$bad" -eq 0 ] || echo "bench-boot: $bad boot(s) did not end as expected; see $OUT"
