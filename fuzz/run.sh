#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in a separate build
# directory and runs each for a bounded time. Exits non-zero on any crash,
# leak, timeout, out-of-memory or sanitizer report.
#   FUZZ_SECONDS   seconds per target (default 30)
#   FUZZ_BUILD_DIR build directory (default build-fuzz)
#   FUZZ_TARGETS   space-separated subset (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-30}
build=${FUZZ_BUILD_DIR:-build-fuzz}
targets=${FUZZ_TARGETS:-"fuzz_pickle fuzz_torch_pickle fuzz_torch_zip fuzz_safetensors fuzz_npy fuzz_image fuzz_dataset"}

if ! command -v clang >/dev/null; then
    echo "fuzz/run.sh: clang is needed (apt install clang libclang-rt-dev)" >&2
    exit 2
fi
if [ ! -f "$build/build.ninja" ]; then
    CC=clang meson setup "$build" -Dfuzz=true -Dgui=disabled -Dbuildtype=debug >/dev/null
fi
build_targets=()
for t in $targets; do build_targets+=("fuzz/$t"); done
ninja -C "$build" "${build_targets[@]}"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
for t in $targets; do
    # New inputs go to a scratch corpus; the committed seeds stay as they are.
    work="$build/corpus/$t"
    artifacts="$build/artifacts/$t"
    mkdir -p "$work" "$artifacts"
    dict=()
    [ -f "fuzz/$t.dict" ] && dict=("-dict=fuzz/$t.dict")
    echo "== $t: ${seconds}s"
    if ! "$build/fuzz/$t" "$work" "fuzz/corpus/$t" "${dict[@]}" \
            -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
            -print_final_stats=1 -artifact_prefix="$artifacts/" 2>"$build/$t.log"; then
        echo "fuzz/run.sh: $t FAILED; log: $build/$t.log, inputs: $artifacts/" >&2
        tail -n 40 "$build/$t.log" >&2
        status=1
    else
        grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$build/$t.log" | sed 's/^/   /'
    fi
done
exit $status
