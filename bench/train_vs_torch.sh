#!/bin/bash
# Training-step speed against PyTorch in the same run, on the same threads:
# CIFAR ResNet18 and the demo network. PyTorch runs twice: as users run it, and
# with glibc's allocator tuned so big tensors are not mmapped afresh each op;
# the ratio is against the faster. ROUNDS rounds run every contender in turn
# (the machine's speed drifts) and each keeps its best time; on an AVX-512 CPU
# each round also runs both on AVX2 (bench/rounds.sh).
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
  for kind in "${kinds[@]}"; do # the kinds interleave too
    echo "== round $round of $ROUNDS, CPU path $kind" >&2
    run=(env $(kind_env "$kind"))
    "${run[@]}" "$BUILD/bench/train_bench" --threads "$THREADS" --repeats "$REPEATS" --batch "$BATCH" >>"$T/$kind.ours"
    if [ $have_torch = 1 ]; then
      "${run[@]}" /usr/bin/python3 bench/torch_train.py "$THREADS" "$REPEATS" "$BATCH" >>"$T/$kind.torch"
      "${run[@]}" "${tuned[@]}" /usr/bin/python3 bench/torch_train.py "$THREADS" "$REPEATS" "$BATCH" >>"$T/$kind.tuned"
    fi
  done
done
for kind in "${kinds[@]}"; do report "$kind"; done
