#!/bin/bash
# In an ASan/UBSan build: an evaluation job started and cancelled from the studio
# ends cleanly (exit 0, "cancelled"), with no leak and no sanitizer report from our
# code (only fontconfig's caches are suppressed), within a bounded time.
# With MODE=leak the studio loses a GLib allocation on purpose (PP_LEAK_ON_PURPOSE):
# the run must then fail with a LeakSanitizer report naming that function, which
# shows the suppressions do not hide our own leaks.
set -u
STUDIO=${1:?studio executable}
SUPP=${2:?suppressions file}
MODE=${3:-clean}
FIX=${PP_FIXTURES:?set by meson}
command -v xvfb-run >/dev/null || { echo "no xvfb-run"; exit 77; }
[ -r /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] || { echo "no Fashion-MNIST"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
leak=0
[ "$MODE" = leak ] && leak=1
start=$(date +%s)
# fast_unwind_on_malloc=0: the system libraries have no frame pointers, and the fast
# unwinder's stacks stop in them, losing both our frames and the library names the
# suppressions match.
PP_LEAK_ON_PURPOSE=$leak \
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:fast_unwind_on_malloc=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
LSAN_OPTIONS=suppressions=$SUPP:print_suppressions=0 \
timeout 120 xvfb-run -a -s "-screen 0 1600x1000x24" "$STUDIO" --screenshot "$T/jobs.png" --view jobs \
    --run-job eval --cancel-after-ms 300 \
    --model "$FIX/core/r18_cifar_gray_pp5.safetensors" --model "$FIX/core/r18_cifar_gray_base.safetensors" \
    >"$T/log" 2>&1
rc=$?
cat "$T/log"
echo "studio ran $(( $(date +%s) - start )) s, exit $rc"
grep -q "job eval state cancelled" "$T/log" || { echo "FAIL: the job did not end cancelled"; exit 1; }
if [ "$MODE" = leak ]; then
    grep -q "ERROR: LeakSanitizer" "$T/log" || { echo "FAIL: the planted leak was not reported"; exit 1; }
    grep -q "plant_leak_on_purpose" "$T/log" || { echo "FAIL: the leak report does not name our function"; exit 1; }
    [ $rc != 0 ] || { echo "FAIL: a leak in our code exited 0"; exit 1; }
    # The planted leak must be the only one: anything else is a leak of ours or an
    # unsuppressed system one, and either would make the clean run flaky.
    n=$(grep -c -E "^(Direct|Indirect) leak" "$T/log")
    [ "$n" = 1 ] || { echo "FAIL: $n leak reports, expected only the planted one"; exit 1; }
    echo "ok: our leak is reported and fails the run"
    exit 0
fi
[ $rc = 0 ] || { echo "FAIL: exit $rc"; exit 1; }
if grep -q -E "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error" "$T/log"; then
    echo "FAIL: sanitizer report"; exit 1
fi
echo "ok: cancelled cleanly, no leak"
