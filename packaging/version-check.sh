#!/bin/sh
# Usage: packaging/version-check.sh VERSION
# The Makefile's VERSION is the one place the version is written; every
# other file that has to carry it must say the same. Prints each mismatch
# with the file to fix and exits 1; exits 0 silently when all agree.
set -u
v=${1:?usage: version-check.sh VERSION}
top=$(cd "$(dirname "$0")/.." && pwd)
bad=0
check() { # FILE FOUND
	if [ "$2" != "$v" ]; then
		echo "version-check: $1 says '${2:-nothing}', the Makefile's VERSION is '$v': fix $1" >&2
		bad=1
	fi
}
# debian/changelog: native package, so the version is upstream's as it is.
check debian/changelog "$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$top/debian/changelog")"
check packaging/rpm/vfio-claim.spec \
	"$(sed -n 's/^Version:[[:space:]]*//p' "$top/packaging/rpm/vfio-claim.spec")"
check packaging/arch/PKGBUILD "$(sed -n 's/^pkgver=//p' "$top/packaging/arch/PKGBUILD")"
for m in "$top"/man/*.[0-9]; do
	check "man/${m##*/}" "$(sed -n '1s/^\.TH .* "vfio-claim \([^"]*\)".*/\1/p' "$m")"
done
exit $bad
