#!/bin/bash
# AugMix's WRN-40-2 (plain stem; docs/spec/architectures-wrn-preact.md), CIFAR 32x32
# batch 128: forward and one training step (SGD momentum 0.9), the engine against
# PyTorch in the same run, on the same threads (PyTorch as run and with glibc's
# allocator tuned; ROUNDS rounds in turn, each contender's best time).
# Usage: bench/wrn_vs_torch.sh [BUILD_DIR] (default build); THREADS=2 REPEATS=3 ROUNDS=2
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
THREADS=${THREADS:-2}
REPEATS=${REPEATS:-3}
ROUNDS=${ROUNDS:-2}
source bench/rounds.sh
for round in $(seq "$ROUNDS"); do
  echo "== round $round of $ROUNDS" >&2
  "$BUILD/bench/forward_bench" --threads "$THREADS" --repeats "$REPEATS" --case wrn >>"$T/ours"
  "$BUILD/bench/train_bench" --threads "$THREADS" --repeats "$REPEATS" --batch 128 --case wrn >>"$T/ours"
  if [ $have_torch = 1 ]; then
    /usr/bin/python3 bench/torch_forward.py "$THREADS" "$REPEATS" --wrn >>"$T/torch"
    /usr/bin/python3 bench/torch_train.py "$THREADS" "$REPEATS" 128 --wrn >>"$T/torch"
    "${tuned[@]}" /usr/bin/python3 bench/torch_forward.py "$THREADS" "$REPEATS" --wrn >>"$T/tuned"
    "${tuned[@]}" /usr/bin/python3 bench/torch_train.py "$THREADS" "$REPEATS" 128 --wrn >>"$T/tuned"
  fi
done
report
