#!/bin/bash
# torchvision's EfficientNet-b0 (plain stem; model/efficientnet.h) forward at
# 224, batch 1 and 16: the engine against PyTorch in the same run, on the same
# threads, as blurpool_vs_torch.sh does for the anti-aliased ResNet50.
# Usage: bench/effnet_vs_torch.sh [BUILD_DIR] (default build); THREADS=2 REPEATS=3 ROUNDS=3
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
THREADS=${THREADS:-2}
REPEATS=${REPEATS:-3}
ROUNDS=${ROUNDS:-3}
source bench/rounds.sh
for round in $(seq "$ROUNDS"); do
  echo "== round $round of $ROUNDS" >&2
  "$BUILD/bench/forward_bench" --threads "$THREADS" --repeats "$REPEATS" --case effnet >>"$T/ours"
  if [ $have_torch = 1 ]; then
    /usr/bin/python3 bench/torch_forward.py "$THREADS" "$REPEATS" --effnet >>"$T/torch"
    "${tuned[@]}" /usr/bin/python3 bench/torch_forward.py "$THREADS" "$REPEATS" --effnet >>"$T/tuned"
  fi
done
report
