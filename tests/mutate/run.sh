#!/bin/sh
# Mutation testing: plants each fault of tests/mutate/mutants, one at a
# time, in a scratch copy of the tree (never in this one), builds there and
# runs the fast suites (unit, fault, fixtures, vfioctl without its VM boot).
# A mutant is KILLED when a suite fails, SURVIVED when they all pass,
# INVALID when it does not build (not counted as killed). Prints one line
# per mutant, then killed/total per file and in all; the same goes to
# tests/out/mutate/report.
#
# Usage: sh tests/mutate/run.sh [ID-GLOB...]     (make mutate)
#   MUTANTS=FILE       another list (default tests/mutate/mutants)
#   MUTATE_ASAN=1      also the vfioctl suite's .asan rerun (about twice
#                      the time of that suite)
#   MUTATE_KEEP=1      keep the scratch tree (its path is printed)
#   MUTATE_TIMEOUT=N   seconds one suite may take on one mutant (600)
#   MUTATE_CHECK=1     only check that every mutant applies (no build)
#   MUTATE_JOBS=N      N mutants at a time, each in its own scratch tree
#                      (default 2: the suites wait on the file system as
#                      much as on the CPU)
#   MUTATE_IGNORE=FILE tests that fail on the unmutated tree too, one
#                      SUITE:NAME a line: their FAIL lines kill nothing
#                      (say which, and why, with the figure)
#   MUTATE_CFLAGS=...  CFLAGS of the scratch builds (default -O1 -g0:
#                      faster to build than -O2 -g; no verdict needs -O2)
#
# The list's format: a block per mutant, blank lines and # comments
# between them:
#   @ ID FILE               the mutant's name and the file it changes
#   - TEXT                  the original, exactly (one or more lines, the
#                           text after "- "); it must occur once in FILE
#   + TEXT                  its replacement (none: the text is deleted)
#   = WHAT A USER WOULD SEE one line
# Only the suites whose binary the mutant changed run: a vfioctl-only
# mutant leaves build/vfio-claim and build/unit byte for byte the same, so
# their suites could not tell it from the original.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
LIST=${MUTANTS:-$TOP/tests/mutate/mutants}
TMO=${MUTATE_TIMEOUT:-600}
OUTD=$TOP/tests/out/mutate
JOBS=${MUTATE_JOBS:-2}
SHARD=${MUTATE_SHARD:-0/1}
CHECK=${MUTATE_CHECK:-0}
# A check leaves a real run's files alone.
[ "$CHECK" = 1 ] && JOBS=1 OUTD=$TOP/tests/out/mutate-check
mkdir -p "$OUTD"
REPORT=$OUTD/report

[ -f "$LIST" ] || {
	echo "mutate: no list $LIST" >&2
	exit 2
}

# summary SECONDS: killed/valid per file and in all, from $OUTD/perfile
# ("FILE RESULT" lines) and the counts in $OUTD/*.lines.
summary() {
	{
		echo ""
		echo "by file (killed/valid; invalid apart):"
		sort "$OUTD/perfile" | awk '
			{ n[$1]++; if ($2 == "KILLED") k[$1]++; if ($2 == "INVALID") inv[$1]++ }
			END { for (f in n) printf "  %-32s %d/%d%s\n", f, k[f], n[f] - inv[f], inv[f] ? " (" inv[f] " invalid)" : "" }' |
			sort
		awk -v secs="$1" '
			{ n++; c[$2]++ }
			END {
				v = c["KILLED"] + c["SURVIVED"]
				printf "mutate: %d killed, %d survived, %d invalid, %d not applied, of %d mutants: %d%% of the valid ones killed (%d s, %d s a mutant)\n",
					c["KILLED"], c["SURVIVED"], c["INVALID"], c["BADLIST"], n,
					v ? int(c["KILLED"] * 100 / v) : 0, secs, n ? secs / n : 0
			}' "$OUTD/perfile"
	} | tee -a "$REPORT"
	! grep -q ' BADLIST$' "$OUTD/perfile"
}

# ---- the parent of JOBS shards: each takes every JOBS-th mutant, in its
# own scratch tree; one report after, in the list's order. ----
if [ -z "${MUTATE_SHARD:-}" ] && [ "$JOBS" -gt 1 ]; then
	rm -f "$OUTD"/shard-*
	t0=$(date +%s)
	i=0
	while [ "$i" -lt "$JOBS" ]; do
		MUTATE_SHARD=$i/$JOBS sh "$0" "$@" >"$OUTD/shard-$i.log" 2>&1 &
		i=$((i + 1))
	done
	wait
	t1=$(date +%s)
	if grep -q '^mutate: the' "$OUTD"/shard-*.log; then
		cat "$OUTD"/shard-*.log >&2
		exit 1
	fi
	{
		cat "$OUTD/shard-0.head"
		echo "mutate: $JOBS mutants at a time (MUTATE_JOBS)"
		cat "$OUTD"/shard-*.lines | sort -n | cut -d' ' -f2-
	} | tee "$REPORT"
	cat "$OUTD"/shard-*.perfile >"$OUTD/perfile"
	summary "$((t1 - t0))"
	exit $?
fi
me=${SHARD%/*} of=${SHARD#*/}
[ "$of" -gt 1 ] || rm -f "$OUTD"/shard-*
: >"$OUTD/shard-$me.lines"
: >"$OUTD/shard-$me.perfile"

base=/dev/shm
{ [ -d "$base" ] && [ -w "$base" ]; } || base=${TMPDIR:-/tmp}
S=$(mktemp -d "$base/vfio-claim-mutate.XXXXXX") || exit 1
if [ "${MUTATE_KEEP:-0}" = 1 ]; then
	echo "mutate: scratch tree $S (kept)"
else
	trap 'rm -rf "$S"' EXIT
fi
trap 'exit 130' INT TERM

# The tree as it is now (tracked files and new ones, committed or not).
dirty=
[ -n "$(git -C "$TOP" status --porcelain -- src tests Makefile 2>/dev/null)" ] &&
	dirty=' (plus uncommitted changes)'
if git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$TOP" && git ls-files -co --exclude-standard -z) |
		(cd "$TOP" && cpio -p0dm --quiet "$S") || exit 1
else
	(cd "$TOP" && tar --exclude=./build --exclude=./tests/out -cf - .) |
		(cd "$S" && tar -xf -) || exit 1
fi
mkdir -p "$S/.orig"

TARGETS="all build/vfio-claim.glibc build/unit build/mktree build/fakekernel.so"
[ "${MUTATE_ASAN:-0}" = 1 ] && TARGETS="$TARGETS build/vfioctl.asan"
BINS="vfio-claim vfio-claim.glibc unit vfioctl"

build() {
	# shellcheck disable=SC2086 # one word per target
	make -C "$S" -s BUILD=build CFLAGS="${MUTATE_CFLAGS:--O1 -g0}" $TARGETS \
		>"$S/.build.log" 2>&1
}

sums() {
	for b in $BINS; do
		printf '%s %s\n' "$b" "$(cksum <"$S/build/$b")"
	done
}

# suites_for CHANGED-BINARIES: the suites that run those binaries.
suites_for() {
	s=
	case " $1 " in *" unit "*) s="$s unit" ;; esac
	case " $1 " in *" vfio-claim "* | *" vfio-claim.glibc "*) s="$s fault fixtures" ;; esac
	case " $1 " in *" vfioctl "*) s="$s vfioctl" ;; esac
	echo "$s"
}

# run_suites SUITE...: 0 when all pass; else the failures in $S/.fails.
# A suite stops at its first FAIL line (the mutant is killed; the rest of
# the suite would not change that), or when it exits non-zero.
run_suites() {
	: >"$S/.fails"
	for su in "$@"; do
		if [ "$su" = unit ]; then
			cmd=build/unit
		else
			cmd="sh tests/$su/run.sh"
		fi
		# shellcheck disable=SC2016 # expands in the child shell
		(cd "$S" && VFIOCTL_VM=0 timeout "$TMO" sh -c \
			'$1; echo "EXIT $?"' sh "$cmd" 2>&1 |
			awk -v su="$su" -v tmo="$TMO" -v ign="${MUTATE_IGNORE:-/dev/null}" '
				BEGIN { while ((getline l < ign) > 0) skip[l] = 1 }
				/^FAIL / {
					n = substr($0, 6); sub(/: .*/, "", n)
					if ((su ":" n) in skip) next
					print su ":" substr($0, 6); done = 1; exit 1
				}
				/^EXIT / {
					seen = 1
					if ($2 != 0 && ign == "/dev/null") { print su ": exit " $2 " with no FAIL line"; done = 1; exit 1 }
				}
				END { if (!done && !seen) print su ": did not finish (timed out after " tmo " s?)" }
			' | cut -c1-200) >"$S/.fails"
		[ -s "$S/.fails" ] && return 1
	done
	return 0
}

t0=$(date +%s)
if [ "$CHECK" != 1 ] && ! build; then
	echo "mutate: the unmutated tree does not build:" >&2
	tail -n 20 "$S/.build.log" >&2
	exit 1
fi
[ "$CHECK" = 1 ] || sums >"$S/.sums0"
b0=$(date +%s)
# The suites must pass on the unmutated tree (once, in the first shard).
if [ "$CHECK" != 1 ] && [ "$me" = 0 ] && ! run_suites unit fault fixtures vfioctl; then
	echo "mutate: the suites fail on the unmutated tree; fix that first:" >&2
	head -n 10 "$S/.fails" >&2
	exit 1
fi
b1=$(date +%s)
if [ "$me" = 0 ]; then
	{
		echo "mutate: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo "${MUTATE_COMMIT:-?}")$dirty, load average $(cut -d' ' -f1-3 /proc/loadavg)"
		echo "mutate: build $((b0 - t0)) s, the four suites on the unmutated tree $((b1 - b0)) s$(
			[ "${MUTATE_ASAN:-0}" = 1 ] && echo ' (with the .asan rerun)')"
		[ -z "${MUTATE_IGNORE:-}" ] ||
			echo "mutate: failing on the unmutated tree too, so ignored: $(tr '\n' ' ' <"$MUTATE_IGNORE")"
	} >"$OUTD/shard-0.head"
fi

# apply FILE: replaces $orig by $repl in FILE; 3 when orig is not there,
# 4 when it is there more than once.
apply() {
	ORIG=$orig REPL=$repl awk '
		{ t = t $0 "\n" }
		END {
			o = ENVIRON["ORIG"]; r = ENVIRON["REPL"]
			i = index(t, o)
			if (i == 0) exit 3
			if (index(substr(t, i + 1), o) > 0) exit 4
			printf "%s%s%s", substr(t, 1, i - 1), r, substr(t, i + length(o))
		}' "$1" >"$1.mut" || {
		rc=$?
		rm -f "$1.mut"
		return "$rc"
	}
	mv "$1.mut" "$1"
}

# line RESULT ID SECONDS DETAIL: one mutant's line, with its index first
# (the parent sorts the shards' lines by it), and its file's tally.
line() {
	printf '%d %-8s %-28s %4ss  %s\n' "$idx" "$1" "$2" "$3" "$4" >>"$OUTD/shard-$me.lines"
	[ "$1" = SURVIVED ] &&
		printf '%d          %s\n' "$idx" "$what" >>"$OUTD/shard-$me.lines"
	echo "$file $1" >>"$OUTD/shard-$me.perfile"
	printf '%-8s %-28s %4ss  %s\n' "$1" "$2" "$3" "$4"
}

idx=0
one() {
	[ -n "$id" ] || return 0
	if [ $# -gt 0 ]; then
		hit=
		for g in "$@"; do
			# shellcheck disable=SC2254 # a glob
			case $id in $g) hit=1 ;; esac
		done
		[ -n "$hit" ] || return 0
	fi
	idx=$((idx + 1))
	[ $((idx % of)) = "$me" ] || return 0
	f=$S/$file
	if [ ! -f "$f" ]; then
		line BADLIST "$id" 0 "no file $file"
		return 0
	fi
	mkdir -p "$S/.orig/${file%/*}"
	[ -f "$S/.orig/$file" ] || cp "$f" "$S/.orig/$file"
	m0=$(date +%s)
	apply "$f"
	arc=$?
	if [ "$arc" -ne 0 ]; then
		[ "$arc" -eq 4 ] && why="occurs more than once" || why="is not there"
		line BADLIST "$id" 0 "its original text $why in $file"
		return 0
	fi
	if [ "$CHECK" = 1 ]; then
		res=APPLIES detail=
	elif ! build; then
		res=INVALID
		detail=$(grep -m1 'error' "$S/.build.log" | cut -c1-120)
	else
		sums >"$S/.sums1"
		changed=$(diff "$S/.sums0" "$S/.sums1" | sed -n 's/^> \([^ ]*\) .*/\1/p' | tr '\n' ' ')
		# shellcheck disable=SC2046 # one word per suite
		set -- $(suites_for "$changed")
		if [ $# -eq 0 ]; then
			res=SURVIVED detail="(no binary changed: equivalent)"
		elif run_suites "$@"; then
			res=SURVIVED detail="($*: all pass)"
		else
			res=KILLED detail="by $(head -n 1 "$S/.fails")"
		fi
	fi
	cp "$S/.orig/$file" "$f"
	touch "$f"
	m1=$(date +%s)
	line "$res" "$id" "$((m1 - m0))" "$detail"
}

id='' file='' orig='' repl='' what='' in=''
nl='
'
while IFS= read -r l || [ -n "$l" ]; do
	case $l in
	"@ "*)
		one "$@"
		rest=${l#@ }
		id=${rest%% *} file=${rest#* } orig='' repl='' what='' in=''
		;;
	"- "* | "-")
		t=${l#-}
		t=${t# }
		if [ "$in" = o ]; then orig="$orig$nl$t"; else orig=$t; fi
		in=o
		;;
	"+ "* | "+")
		t=${l#+}
		t=${t# }
		if [ "$in" = r ]; then repl="$repl$nl$t"; else repl=$t; fi
		in=r
		;;
	"= "*) what=${l#= } ;;
	esac
done <"$LIST"
one "$@"

t1=$(date +%s)
if [ "$of" = 1 ]; then
	{
		cat "$OUTD/shard-0.head"
		sort -n "$OUTD/shard-0.lines" | cut -d' ' -f2-
	} >"$REPORT"
	cp "$OUTD/shard-0.perfile" "$OUTD/perfile"
	summary "$((t1 - b1))"
fi
