#!/bin/bash
# In an ASan/UBSan build: an evaluation job started and cancelled from the studio
# ends cleanly (exit 0, "cancelled"), with no leak and no sanitizer report from our
# code (system-library caches are suppressed), within a bounded time.
set -u
STUDIO=${1:?studio executable}
SUPP=${2:?suppressions file}
FIX=${PP_FIXTURES:?set by meson}
command -v xvfb-run >/dev/null || { echo "no xvfb-run"; exit 77; }
[ -r /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] || { echo "no Fashion-MNIST"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
LSAN_OPTIONS=suppressions=$SUPP:print_suppressions=0 \
timeout 120 xvfb-run -a -s "-screen 0 1600x1000x24" "$STUDIO" --screenshot "$T/jobs.png" --view jobs \
    --run-job eval --cancel-after-ms 300 \
    --model "$FIX/core/r18_cifar_gray_pp5.safetensors" --model "$FIX/core/r18_cifar_gray_base.safetensors" \
    >"$T/log" 2>&1
rc=$?
cat "$T/log"
[ $rc = 0 ] || { echo "FAIL: exit $rc"; exit 1; }
grep -q "job eval state cancelled" "$T/log" || { echo "FAIL: the job did not end cancelled"; exit 1; }
if grep -q -E "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error" "$T/log"; then
    echo "FAIL: sanitizer report"; exit 1
fi
echo "ok: cancelled cleanly, no leak"
