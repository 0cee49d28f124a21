#!/bin/bash
# eval-p throughput against a PyTorch loop over the same frames, in the same run: the
# 10 test perturbation sequences of Fashion-MNIST test images (CIFAR-10-P schedules at
# 28 px, written by make-p) through a PushPull ResNet18 (width 64, CIFAR stem, batch
# 62 frames = 2 sequences of 31). Ours reads the sequences and computes FP / T5D as
# well; the PyTorch loop only normalises, runs the model and takes the argmax.
# Target: >= 1.5x, and sequence handling under 10 % of eval-p's time (printed by
# eval-p itself; `eval-p --data` makes the sequences on the fly and says the same).
# Usage: bench/eval_p_vs_torch.sh [BUILD_DIR]; LIMIT=40 THREADS=2
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
LIMIT=${LIMIT:-40}
THREADS=${THREADS:-2}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
P="$BUILD/app/pushpull"
"$P" --threads "$THREADS" train --width 64 --epochs 1 --limit 128 --batch 64 --output "$T/m.safetensors" >/dev/null
"$P" --threads "$THREADS" make-p "$T/p" --data fashion-mnist --limit "$LIMIT" 2>/dev/null
"$P" --threads "$THREADS" eval-p "$T/m.safetensors" --sequences "$T/p" --batch 62 --json "$T/e.json" | tail -1
ours=$(grep '"seconds"' "$T/e.json" | head -1 | tr -dc '0-9.')
frames=$(grep '"frames_evaluated"' "$T/e.json" | tr -dc '0-9\n' | awk '{s += $1} END {print s}')
echo "ours:    $frames frames in $(printf %.2f "$ours") s ($(awk -v n="$frames" -v t="$ours" 'BEGIN{printf "%.0f", n/t}') frames/s)"
"$P" --threads "$THREADS" eval-p "$T/m.safetensors" --data fashion-mnist --limit "$LIMIT" --batch 62 | tail -1
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then echo "(no python3-torch: no comparison)"; exit 0; fi
theirs=$(MALLOC_MMAP_THRESHOLD_=17179869184 MALLOC_TRIM_THRESHOLD_=17179869184 /usr/bin/python3 - "$T/p" "$THREADS" <<'PY'
import glob, os, sys, time
import numpy as np, torch
sys.path.insert(0, "tests")
from make_fixtures import BasicBlock, ResNet
folder, threads = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(threads)
model = ResNet(BasicBlock, [2, 2, 2, 2], "cifar", 64, 1, 10, True, 3, True).eval()
files = sorted(f for f in glob.glob(os.path.join(folder, "*.npy")) if not f.endswith("labels.npy"))
t0 = time.perf_counter()
with torch.no_grad():
    for f in files:
        seqs = np.load(f)                      # (N, T, 28, 28, 1)
        n, t = seqs.shape[:2]
        frames = seqs.reshape(n * t, 28, 28)
        for s in range(0, n * t, 62):
            x = (torch.from_numpy(frames[s:s + 62].astype(np.float32)).unsqueeze(1) / 255.0 - 0.2860) / 0.3530
            model(x).argmax(1)
print(time.perf_counter() - t0)
PY
)
echo "PyTorch: $frames frames in $(printf %.2f "$theirs") s"
awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "ratio (PyTorch time / ours): %.2fx (target >= 1.5x)\n", b / a }'
