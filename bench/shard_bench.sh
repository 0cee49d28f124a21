#!/bin/bash
# The cost of sharding `pushpull eval` (issue 19's targets), on this machine:
#  1. overhead: a 1000-image CIFAR shard (a CIFAR PushPull-ResNet18, width 64,
#     clean and gaussian_noise at severity 3) as one process, `--shard 1/1`:
#     its wall time against the evaluation inside it (the shard JSON's
#     "seconds"); the rest is start, model load and hash, data set, JSON
#     (target: under 5 % of the shard's time);
#  2. scaling: 2000 images as one process on one core against 2 shards of 1000
#     run at once, one core each, then merged (target: at most 1.2/2 of the
#     single time). The merged result must equal the single run's.
# The contenders take turns in each round; the best of ROUNDS is kept. Prints
# the machine's load (`uptime`) beside the numbers: on a shared machine the
# parallel case needs two idle cores.
# Usage: bench/shard_bench.sh [BUILD_DIR]; N=1000 ROUNDS=2
# CIFAR_DIR=folder-with-test_batch.bin uses CIFAR-10 test images, else blobs.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
N=${N:-1000}
ROUNDS=${ROUNDS:-2}
PP="$BUILD/app/pushpull"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 bench/torch_cka.py make "$T" $((2 * N))
EVAL=(eval "$T/a.safetensors" --data "$T/images.npy" --corruptions gaussian_noise --severities 3)
now() { date +%s.%N; }
best() { sort -g | head -1; }
echo "load before: $(uptime)"
for r in $(seq "$ROUNDS"); do
    # 1. one 1000-image shard, wall time against the evaluation inside it
    rm -f "$T"/one.shard-*
    t0=$(now)
    "$PP" --threads 1 "${EVAL[@]}" --limit "$N" --shard 1/1 --json "$T/one.json" >/dev/null 2>&1
    t1=$(now)
    inside=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/one.shard-1-of-1.json'))['seconds'])")
    echo "$t0 $t1 $inside" | awk '{ print $2 - $1, $3 }' >>"$T/overhead.times"
    # 2. 2N images: one process on one core, then two shards at once
    t0=$(now)
    "$PP" --threads 1 "${EVAL[@]}" --limit $((2 * N)) --json "$T/single.json" >/dev/null 2>&1
    t1=$(now)
    echo "$t0 $t1" | awk '{ print $2 - $1 }' >>"$T/single.times"
    rm -f "$T"/two.shard-*
    t0=$(now)
    "$PP" --threads 1 "${EVAL[@]}" --limit $((2 * N)) --shard 1/2 --json "$T/two.json" >/dev/null 2>&1 &
    p1=$!
    "$PP" --threads 1 "${EVAL[@]}" --limit $((2 * N)) --shard 2/2 --json "$T/two.json" >/dev/null 2>&1 &
    p2=$!
    wait "$p1" "$p2"
    "$PP" merge "$T/merged.json" "$T"/two.shard-*-of-2.json >/dev/null
    t1=$(now)
    echo "$t0 $t1" | awk '{ print $2 - $1 }' >>"$T/two.times"
    diff <(grep -v '"seconds"' "$T/single.json") <(grep -v '"seconds"' "$T/merged.json") >/dev/null ||
        { echo "the merged shards differ from the single run"; exit 1; }
done
echo "load after:  $(uptime)"
read -r wall inside < <(sort -g "$T/overhead.times" | head -1)
single=$(best <"$T/single.times")
two=$(best <"$T/two.times")
echo "eval of a CIFAR PushPull-ResNet18 (width 64), clean + gaussian_noise 3, 1 thread per process (best of $ROUNDS)"
awk -v w="$wall" -v i="$inside" -v n="$N" 'BEGIN {
    printf "shard of %d images: %.2f s wall, %.2f s evaluating: overhead %.2f s = %.1f %% (target < 5 %%)\n",
        n, w, i, w - i, 100 * (w - i) / w }'
awk -v s="$single" -v t="$two" -v n=$((2 * N)) 'BEGIN {
    printf "%d images: one process %.2f s, 2 shards at once + merge %.2f s = %.3f of the single time (target <= 0.600)\n",
        n, s, t, t / s }'
