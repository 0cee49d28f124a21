#!/bin/bash
# Training-step speed against PyTorch in the same run, on the same threads:
# CIFAR ResNet18 and the demo network. PyTorch runs twice: as users run it, and
# with glibc's allocator tuned so big tensors are not mmapped afresh each op;
# the ratio is against the faster. ROUNDS rounds run every contender in turn
# (the machine's speed drifts) and each keeps its best time.
# Usage: bench/train_vs_torch.sh [BUILD_DIR] (default build); THREADS=2 REPEATS=3 BATCH=128 ROUNDS=2
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
THREADS=${THREADS:-2}
REPEATS=${REPEATS:-3}
BATCH=${BATCH:-128}
ROUNDS=${ROUNDS:-2}
source bench/rounds.sh
for round in $(seq "$ROUNDS"); do
  echo "== round $round of $ROUNDS" >&2
  "$BUILD/bench/train_bench" --threads "$THREADS" --repeats "$REPEATS" --batch "$BATCH" >>"$T/ours"
  if [ $have_torch = 1 ]; then
    /usr/bin/python3 bench/torch_train.py "$THREADS" "$REPEATS" "$BATCH" >>"$T/torch"
    "${tuned[@]}" /usr/bin/python3 bench/torch_train.py "$THREADS" "$REPEATS" "$BATCH" >>"$T/tuned"
  fi
done
report
