#!/bin/sh
# Style gates: every C file is clang-format clean (the repo's .clang-format,
# kernel style), every shell file is shellcheck clean in its own dialect
# (POSIX sh unless its first line names bash).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib/testlib.sh"
cd "$TOP" || exit 2

files() {
	if git rev-parse --git-dir >/dev/null 2>&1; then
		git ls-files
	else
		find . -type f ! -path './.git/*' ! -path './build/*' | sed 's|^\./||'
	fi
}

if ! command -v clang-format >/dev/null 2>&1; then
	fail clang-format "clang-format not installed (tests/deps.sh installs it)"
else
	for f in $(files | grep -E '\.[ch]$'); do
		t "clang-format $f" || continue
		if o=$(clang-format --dry-run --Werror "$f" 2>&1); then
			pass "clang-format $f"
		else
			fail "clang-format $f" "$(echo "$o" | head -n 2 | tr '\n' ' ') (fix: clang-format -i $f)"
		fi
	done
fi

# -Wall -Wextra -Werror holds for clang as for gcc (klcc is gcc).
if ! t "clang -Werror build"; then
	:
elif ! command -v clang >/dev/null 2>&1; then
	fail clang-build "clang not installed (tests/deps.sh installs it)"
elif o=$(make -s -B CC=clang BUILD=tests/out/clang tests/out/clang/vfio-claim.glibc \
	tests/out/clang/vfioctl 2>&1) && [ -x tests/out/clang/vfioctl ]; then
	pass "clang -Werror build"
else
	fail "clang -Werror build" "$(echo "$o" | grep -m 3 -E 'error|warning' | tr '\n' ' ')"
fi
rm -rf tests/out/clang

# The core's boundary (README, "How the code is laid out"): a file of
# src/core/ includes only core headers by name and libc's by <...>, never
# vfioctl's, libkmod's or libpci's. -Isrc/core alone makes the first fail
# to build; this names the line for the ones a path or <...> would hide.
if t "core includes"; then
	bad=$(grep -n '^#[[:space:]]*include' src/core/*.[ch] |
		grep -E '"[^"]*/|"[^"]*vfioctl|<(libkmod|pci/|pciaccess|kmod)' || true)
	missing=$(grep -ho '^#[[:space:]]*include "[^"]*"' src/core/*.[ch] |
		sed 's/.*"\(.*\)"/\1/' | sort -u | while read -r f; do
		[ -f "src/core/$f" ] || echo "src/core: \"$f\" is not a core header;"
	done)
	bad="$bad$missing"
	if [ -z "$bad" ]; then
		pass "core includes"
	else
		fail "core includes" "$(echo "$bad" | head -n 3 | tr '\n' ' ') (the core builds with klibc alone: move the code to src/vfioctl/)"
	fi
fi

# The core's shape (issue 17): no file of src/core/ over 600 lines, and no
# two core files that need each other: a.c reaches b.h through its
# includes (directly or through other core headers) while b.c reaches a.h
# (core/iommu.c and pci.c did, through iommu.h -> pci.h).
if t "core shape"; then
	bad=$(wc -l src/core/*.[ch] | awk '$2 != "total" && $1 > 600 { printf "%s has %d lines; ", $2, $1 }')
	bad=$bad$(awk '
		FNR == 1 { f = FILENAME; sub(/.*\//, "", f); files[f] = 1 }
		/^#[ \t]*include "[^"\/]*\.h"/ {
			h = $0; sub(/^[^"]*"/, "", h); sub(/".*/, "", h)
			inc[f, ++n[f]] = h
		}
		# need[a, h]: a reaches header h through core headers.
		function reach(a, f,   i, h) {
			for (i = 1; i <= n[f]; i++) {
				h = inc[f, i]
				if ((a, h) in need) continue
				need[a, h] = 1
				if (h in files) reach(a, h)
			}
		}
		END {
			for (a in files) if (a ~ /\.c$/) reach(a, a)
			for (a in files) for (b in files) {
				if (a !~ /\.c$/ || b !~ /\.c$/ || a >= b) continue
				ha = a; sub(/\.c$/, ".h", ha); hb = b; sub(/\.c$/, ".h", hb)
				if ((a, hb) in need && (b, ha) in need)
					printf "src/core/%s and %s need each other; ", a, b
			}
		}' src/core/*.[ch])
	if [ -z "$bad" ]; then
		pass "core shape"
	else
		fail "core shape" "$bad(split a file along a seam; move what both need to the lower one)"
	fi
fi

# The size budget of the early binary (SIZE_BUDGET in the Makefile; make
# size shows where the bytes go). It is checked as built for make check.
if t "size build/vfio-claim"; then
	budget=${SIZE_BUDGET:-$(sed -n 's/^SIZE_BUDGET *?= *//p' Makefile)}
	bin=$BUILD/vfio-claim
	if [ ! -f "$bin" ]; then
		fail "size build/vfio-claim" "$bin missing: run make"
	elif [ "$(wc -c <"$bin")" -gt "${budget:-0}" ]; then
		fail "size build/vfio-claim" "$(wc -c <"$bin") bytes, over the budget of $budget by $(($(wc -c <"$bin") - budget)): make size names the biggest symbols"
	else
		pass "size build/vfio-claim"
	fi
fi

# Man pages: groff reads them with every warning on, as lintian does in
# the packages suite (a line beginning with "." is a request to groff:
# "..." in an example must be written "\&...").
if ! command -v groff >/dev/null 2>&1; then
	fail groff "groff not installed (tests/deps.sh installs groff-base)"
fi
for f in $(files | grep -E '^man/.*\.[0-9]$'); do
	command -v groff >/dev/null 2>&1 || break
	t "groff $f" || continue
	o=$(LC_ALL=C groff -man -ww -z "$f" 2>&1)
	if [ -z "$o" ]; then
		pass "groff $f"
	else
		fail "groff $f" "$(echo "$o" | head -n 2 | tr '\n' ' ')"
	fi
done

if ! command -v shellcheck >/dev/null 2>&1; then
	fail shellcheck "shellcheck not installed (tests/deps.sh installs it)"
	exit 1
fi
for f in $(files); do
	case $f in
	*.c | *.h | *.md | *.jq | *.conf | *.service | *.[0-9] | Makefile | .gitignore | .clang-format) continue ;;
	esac
	[ -f "$f" ] || continue
	t "shellcheck $f" || continue
	first=$(head -n 1 "$f")
	case $first in
	*bash*) dialect="bash" ;;
	'#!'*sh*) dialect="sh" ;;
	*)
		# Sourced files without a #! line: the ones we know are sh.
		case $f in
		*.sh | tests/vm/guest/*) dialect="sh" ;;
		*) continue ;;
		esac
		;;
	esac
	if o=$(shellcheck -s "$dialect" -x "$f" 2>&1); then
		pass "shellcheck $f"
	else
		fail "shellcheck $f" "$(echo "$o" | grep -m 3 'SC[0-9]' | tr '\n' ' ')"
	fi
done
