#!/bin/sh
# The fixture and fault suites again, against the ASan+UBSan build (with
# fakekernel.so preloaded, and in place of the static binary where those
# run without it). Test names get an "asan/" prefix. A sanitizer report
# makes the binary exit 99/98, which every test counts as a failure.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
VC_BIN=${VC_ASAN:-$TOP/build/vfio-claim.asan}
VC_NOSHIM=$VC_BIN
VC_PREFIX=asan/
export VC_BIN VC_NOSHIM VC_PREFIX
if [ ! -x "$VC_BIN" ]; then
	echo "FAIL asan: $VC_BIN missing: run make build/vfio-claim.asan (needs libasan/libubsan)"
	exit 1
fi
rc=0
sh "$TOP/tests/fixtures/run.sh" || rc=1
sh "$TOP/tests/fault/run.sh" || rc=1
exit $rc
