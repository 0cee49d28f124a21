#!/bin/bash
# CKA of two CIFAR PushPull-ResNet18s (width 64) over N images, every pair of the
# 7 layers, minibatch CKA in batches of 250 (Nguyen et al.), against PyTorch on
# the same images in the same run. Only the CKA is timed on both sides (each
# computes its own activations first; `pushpull cka` reports seconds_cka apart
# from its forwards), and the two matrices must agree.
# Usage: bench/cka_vs_torch.sh [BUILD_DIR]; N=1000 BATCH=250 THREADS=2 ROUNDS=2
# CIFAR_DIR=folder-with-test_batch.bin uses CIFAR-10 test images, else blobs.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
N=${N:-1000}
BATCH=${BATCH:-250}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-2}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 bench/torch_cka.py make "$T" "$N"
best() { sort -g | head -1; }
for r in $(seq "$ROUNDS"); do
    "$BUILD/app/pushpull" --threads "$THREADS" cka "$T/a.safetensors" "$T/b.safetensors" --data "$T/images.npy" \
        --limit "$N" --batch "$BATCH" --layers stem,layer1,layer2,layer3,layer4,features,logits --in-order \
        --json "$T/ours.json" >/dev/null 2>&1
    /usr/bin/python3 -c "import json; print(json.load(open('$T/ours.json'))['seconds_cka'])" >>"$T/ours.times"
    MALLOC_MMAP_THRESHOLD_=17179869184 MALLOC_TRIM_THRESHOLD_=17179869184 \
        /usr/bin/python3 bench/torch_cka.py run "$T" "$N" "$BATCH" "$THREADS" "$T/theirs.npy" >"$T/theirs.out"
    grep '^efficient' "$T/theirs.out" | cut -d' ' -f2 >>"$T/efficient.times"
    grep '^torch_cka' "$T/theirs.out" | cut -d' ' -f2 >>"$T/torch_cka.times"
done
ours=$(best <"$T/ours.times")
eff=$(best <"$T/efficient.times")
tc=$(best <"$T/torch_cka.times")
diff=$(/usr/bin/python3 -c "
import json, numpy as np
print('%.1e' % np.abs(np.array(json.load(open('$T/ours.json'))['matrix']) - np.load('$T/theirs.npy')).max())")
echo "CKA, 2 x 7 layers, $N images in batches of $BATCH, $THREADS threads (best of $ROUNDS; forwards not timed)"
echo "ours:                          ${ours} s"
echo "PyTorch, efficient MinibatchCKA: ${eff} s"
echo "PyTorch, torch_cka (AntixK):     ${tc} s ($(grep agreement "$T/theirs.out"))"
echo "largest difference between our matrix and PyTorch's: $diff"
awk -v a="$ours" -v b="$eff" -v c="$tc" 'BEGIN {
    f = b < c ? b : c
    printf "ratio (faster PyTorch time / ours): %.2fx (target 2x); against torch_cka %.2fx\n", f / a, c / a }'
