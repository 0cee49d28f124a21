#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in a separate build
# directory and runs each. Exits non-zero on any crash, leak, timeout,
# out-of-memory or sanitizer report.
#   fuzz/run.sh          bounded CI run: FUZZ_SECONDS per target (default 30); new
#                        inputs go to a scratch corpus, the committed seeds stay
#   fuzz/run.sh --long   FUZZ_RUNS executions per target (default 10 million), the
#                        grown corpus merged (minimised) back into fuzz/corpus/<target>,
#                        one table row per target appended to $build/long-table.md
#   FUZZ_BUILD_DIR build directory (default build-fuzz)
#   FUZZ_TARGETS   space-separated subset (default: all)
#   FUZZ_MAX_LEN   longest input tried (default 65536)
set -euo pipefail
cd "$(dirname "$0")/.."

long=0
[ "${1:-}" = --long ] && long=1
seconds=${FUZZ_SECONDS:-30}
runs=${FUZZ_RUNS:-10000000}
build=${FUZZ_BUILD_DIR:-build-fuzz}
targets=${FUZZ_TARGETS:-"fuzz_pickle fuzz_torch_pickle fuzz_torch_zip fuzz_safetensors fuzz_npy fuzz_image fuzz_dataset fuzz_eval_json"}

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
    work="$build/corpus/$t"
    artifacts="$build/artifacts/$t"
    mkdir -p "$work" "$artifacts"
    dict=()
    [ -f "fuzz/$t.dict" ] && dict=("-dict=fuzz/$t.dict")
    if [ $long = 1 ]; then
        budget=(-runs="$runs"); echo "== $t: $runs executions"
    else
        budget=(-max_total_time="$seconds"); echo "== $t: ${seconds}s"
    fi
    start=$(date +%s)
    if ! "$build/fuzz/$t" "$work" "fuzz/corpus/$t" "${dict[@]}" "${budget[@]}" \
            -timeout=10 -rss_limit_mb=2048 -max_len="${FUZZ_MAX_LEN:-65536}" \
            -print_final_stats=1 -artifact_prefix="$artifacts/" 2>"$build/$t.log"; then
        echo "fuzz/run.sh: $t FAILED; log: $build/$t.log, inputs: $artifacts/" >&2
        tail -n 40 "$build/$t.log" >&2
        status=1
        continue
    fi
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$build/$t.log" | sed 's/^/   /'
    if [ $long = 1 ]; then
        # The committed corpus keeps its seeds and gains only the grown inputs that
        # add coverage, so it stays small.
        "$build/fuzz/$t" -merge=1 "fuzz/corpus/$t" "$work" -max_len=65536 \
            2>"$build/$t.merge.log" >/dev/null
        execs=$(sed -n 's/^stat::number_of_executed_units: //p' "$build/$t.log")
        cov=$(grep -o 'cov: [0-9]*' "$build/$t.log" | tail -n 1 | cut -d' ' -f2)
        ft=$(grep -o 'ft: [0-9]*' "$build/$t.log" | tail -n 1 | cut -d' ' -f2)
        files=$(ls "fuzz/corpus/$t" | wc -l)
        printf '| %s | %s | %s | %s | %s | %s s | none |\n' "$t" "$execs" "$cov" "$ft" "$files" \
            "$(( $(date +%s) - start ))" | tee -a "$build/long-table.md"
    fi
done
exit $status
