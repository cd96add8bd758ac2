#!/bin/sh
# The documentation's examples, run (issue 23): every command that README.md,
# docs/*.md and the man pages show, with the output they show, so that the
# documentation cannot drift from the programs.
#
# Markdown: a ```console block right after the line <!-- example: HOST -->.
# Man pages: an .EX/.EE block right after the line .\" example: HOST.
# HOST is a host of tests/vfioctl/hosts (NAME.spec and NAME.host: a real
# machine's topology, built as the corpus builds it, tests/vfioctl/corpus.sh)
# or "none" (an empty fake root). In the block, a line "$ CMD" is a command,
# and the lines after it, up to the next "$ ", are its exact output, stdout
# and stderr together (the fake root's path shown as /); a line "..." alone matches any lines, none too.
# Commands run in sh with vfioctl, vfio-claim, sudo and reboot from
# tests/examples/bin first in PATH: the build's programs pointed at the fake
# host (--root, --sysfs) under tests/lib/fakekernel.so, never the real one.
# The commands of one block share one host, in order: reserve, then reboot
# (vfio-claim on the tree with what reserve wrote), then verify.
#
# A block that shows a vfioctl or vfio-claim command (a line that starts
# with it, after "$ ", "# " or "sudo ") and has no marker fails the suite,
# so a new example cannot be forgotten; <!-- example: not-run REASON -->
# (.\" example: not-run REASON) says why it is not run (a reboot of a real
# host, apt, a boot loader).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib/testlib.sh disable=SC1091
. "$TOP/tests/lib/testlib.sh"
SUITE=examples
OUT=$TOP/tests/out/examples
HERE=$TOP/tests/vfioctl
# shellcheck source=tests/vfioctl/fx.sh
. "$HERE/fx.sh"
# shellcheck source=tests/vfioctl/corpus.sh
. "$HERE/corpus.sh"
EXBIN=$TOP/tests/examples/bin
rm -rf "$OUT"
mkdir -p "$OUT/blocks"
cd "$TOP" || exit 2

# The documents, relative to the top.
DOCS=${EXAMPLE_DOCS:-$(ls README.md docs/*.md man/*.[0-9] 2>/dev/null)}

for need in "$BUILD/vfioctl" "$VC_BIN" "$FAKEKERNEL" "$MKTREE"; do
	if [ ! -e "$need" ]; then
		fail examples "no $need (make all build/vfio-claim.glibc build/fakekernel.so build/mktree)"
		exit 1
	fi
done

# extract DOC: one line per block into $OUT/index, "N DOC LINE STATE HOST",
# STATE run, not-run, bad (a marker on a block that cannot be run) or
# unmarked (a block that shows a command and has no marker); the body of
# a run block in $OUT/blocks/N (man escapes undone).
n_blocks=0
IDX=$OUT/index
extract() {
	awk -v doc="$1" -v dir="$OUT/blocks" -v n0="$n_blocks" '
	function cmdline(l) {
		sub(/^(\$|#) /, "", l)
		sub(/^sudo /, "", l)
		return l ~ /^(vfioctl|vfio-claim|build\/vfioctl|build\/vfio-claim)( |$)/
	}
	function unman(l) {
		gsub(/\\-/, "-", l); gsub(/\\\(dq/, "\"", l); gsub(/\\&/, "", l)
		gsub(/\\e/, "\\", l); gsub(/\\\\/, "\\", l)
		return l
	}
	function finish() {
		n++
		st = "unmarked"
		if (mark ~ /^not-run /) st = "not-run"
		else if (mark != "" && lang == "console") st = "run"
		else if (mark != "") st = "bad"
		else if (!shows) st = "plain"
		if (st == "plain") return
		printf "%d %s %d %s %s\n", n0 + n, doc, start, st, (st == "run" ? mark : "-")
		if (st == "run") printf "%s", body > (dir "/" (n0 + n))
		close(dir "/" (n0 + n))
	}
	BEGIN { man = doc ~ /\.[0-9]$/ }
	{
		l = $0
		if (!inb) {
			if (!man && l ~ /^```/) {
				inb = 1; start = NR; body = ""; shows = 0
				lang = substr(l, 4)
				mark = ""
				if (prev ~ /^<!-- example: .* -->$/) {
					mark = prev; sub(/^<!-- example: /, "", mark); sub(/ -->$/, "", mark)
				}
				next
			}
			if (man && (l == ".EX" || l == ".nf")) {
				inb = 1; start = NR; body = ""; shows = 0
				lang = (l == ".EX") ? "console" : "nf"
				mark = ""
				if (prev ~ /^\.\\" example: /) {
					mark = prev; sub(/^\.\\" example: /, "", mark)
				}
				next
			}
			if (l != "") prev = l
			next
		}
		if ((!man && l ~ /^```[ \t]*$/) || (man && (l == ".EE" || l == ".fi"))) {
			finish(); inb = 0; prev = ""
			next
		}
		if (man) l = unman(l)
		if (cmdline(l)) shows = 1
		body = body l "\n"
	}
	END {
		if (inb) printf "%d %s %d bad -\n", n0 + ++n, doc, start
		print n0 + n > (dir "/count")
	}
	' "$1" >>"$IDX"
	n_blocks=$(cat "$OUT/blocks/count")
}

# match EXPECTED GOT: exit 0 when GOT's lines are EXPECTED's, "..." matching
# any lines.
match() {
	awk -v ef="$1" -v gf="$2" '
	function m(i, j,   k) {
		if (i > ne) return j > ng
		if (e[i] == "...") {
			for (k = j; k <= ng + 1; k++) if (m(i + 1, k)) return 1
			return 0
		}
		if (j > ng || e[i] != g[j]) return 0
		return m(i + 1, j + 1)
	}
	BEGIN {
		while ((getline l < ef) > 0) e[++ne] = l
		while ((getline l < gf) > 0) g[++ng] = l
		exit !m(1, 1)
	}'
}

# host NAME HOST: the fake host for one block, in R. A Debian host: its
# initramfs generator is a fake update-initramfs that only logs.
host() {
	rm -rf "${OUT:?}/fx/$1"
	if [ "$2" = none ]; then
		R=$OUT/fx/$1
		mkdir -p "$R/proc" "$R/dev" "$R/run" "$R/etc"
	elif [ -f "$HOSTS/$2.spec" ]; then
		corpus_host "$2" "$1"
	else
		return 1
	fi
	mkdir -p "$R/etc/initramfs-tools" "$R/usr/sbin"
	printf '#!/bin/sh\necho "update-initramfs $*" >>"%s/gen.log"\n' "$R" \
		>"$R/usr/sbin/update-initramfs"
	chmod +x "$R/usr/sbin/update-initramfs"
}

# run_block N HOST NAME [EXPECTED-FILTER]: run block N's commands on a
# fresh HOST and compare; the FILTER (a sed script) changes what is
# expected, for the self-test. Sets why on a mismatch.
run_block() {
	eb=$OUT/blocks/$1
	host "ex-$1" "$2" || {
		why="no host $2 in tests/vfioctl/hosts (or 'none')"
		return 1
	}
	awk -v d="$eb" '
		/^\$ / { n++; print substr($0, 3) > (d ".cmd" n); printf "" > (d ".want" n); next }
		n { print > (d ".want" n) }
		END { print n + 0 > (d ".n") }' "$eb"
	enc=$(cat "$eb.n")
	if [ "$enc" -eq 0 ]; then
		why="the block has no '\$ ' command"
		return 1
	fi
	ei=1 why=
	while [ "$ei" -le "$enc" ]; do
		[ -n "${4:-}" ] && sed -i "$4" "$eb.want$ei"
		# Only the programs that bin/ points at the fake host: nothing
		# else may reach the real one.
		case $(cat "$eb.cmd$ei") in
		vfioctl\ * | vfio-claim\ * | "sudo vfioctl "* | "sudo vfio-claim "* | reboot | "sudo reboot") ;;
		*)
			why="\$ $(cat "$eb.cmd$ei"): not a command the examples run (vfioctl, vfio-claim, sudo, reboot)"
			return 1
			;;
		esac
		(cd "$R" && PATH=$EXBIN:$PATH EX_ROOT=$R EX_TOP=$TOP EX_BUILD=$BUILD \
			EX_FAKEKERNEL=$FAKEKERNEL EX_CLAIM=$VC_BIN LC_ALL=C \
			sh -c "$(cat "$eb.cmd$ei")" 2>&1 </dev/null) |
			# The fake host's root, as the user sees it: /.
			sed "s|$R/|/|g" >"$eb.got$ei"
		if ! match "$eb.want$ei" "$eb.got$ei" && [ -z "$why" ]; then
			why="\$ $(cat "$eb.cmd$ei"): the output differs: $(diff "$eb.want$ei" "$eb.got$ei" | grep '^[<>]' | head -n 6 | tr '\n' '|')"
		fi
		ei=$((ei + 1))
	done
	[ -z "$why" ]
}

start=$(date +%s)
for d in $DOCS; do
	extract "$d"
done

first_run=
unmarked=0
while read -r n doc line state h; do
	name=$doc:$line
	case $state in
	unmarked)
		unmarked=$((unmarked + 1))
		fail "marked/$name" "the block shows a vfioctl or vfio-claim command but has no marker: add <!-- example: HOST --> (man: .\\\" example: HOST) before it, or <!-- example: not-run REASON -->"
		;;
	bad)
		fail "marked/$name" "a marker on a block that is not a closed \`\`\`console (man: .EX/.EE) block"
		;;
	not-run) ;;
	run)
		[ -n "$first_run" ] || first_run="$n $h"
		t "$name" || continue
		if run_block "$n" "$h" "$name"; then
			pass "$name"
		else
			fail "$name" "$why"
		fi
		;;
	esac
done <"$OUT/index"
[ "$unmarked" -eq 0 ] && pass "marked"

# The suite itself: a wrong expected output must fail, and so must a block
# that shows a command without a marker.
if t selftest-wrong-output; then
	if [ -z "$first_run" ]; then
		fail selftest-wrong-output "no example to break"
	elif run_block "${first_run% *}" "${first_run#* }" selftest "\$a this line is not printed"; then
		fail selftest-wrong-output "a block with a line added to its expected output still passed"
	else
		pass selftest-wrong-output
	fi
fi
if t selftest-unmarked; then
	mkdir -p "$OUT/self"
	printf '%s\n' 'text' '```sh' 'sudo vfioctl reserve 01:00' '```' \
		'<!-- example: none -->' '```console' '$ vfioctl --version' '```' \
		>"$OUT/self/doc.md"
	printf '%s\n' '.SH X' '.EX' 'vfioctl verify' '.EE' \
		'.\" example: not-run a reboot' '.EX' 'vfioctl confirm' '.EE' \
		>"$OUT/self/doc.8"
	got=$(IDX=$OUT/self/index n_blocks=0
		extract "$OUT/self/doc.md"
		extract "$OUT/self/doc.8"
		awk '{ print $3, $4, $5 }' "$IDX" | tr '\n' ';')
	expect_eq selftest-unmarked "2 unmarked -;6 run none;2 unmarked -;6 not-run -;" "$got"
fi
echo "examples: $(grep -c ' run ' "$OUT/index") run, $(grep -c ' not-run ' "$OUT/index") not run, in $(($(date +%s) - start)) s"
