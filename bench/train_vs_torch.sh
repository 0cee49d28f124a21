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
BATCH=${BATCH:-128}
source bench/rounds.sh
one_round() {
  "${run[@]}" "$BUILD/bench/train_bench" --threads "$THREADS" --repeats "$REPEATS" --batch "$BATCH" >>"$T/$kind.ours"
  if [ $have_torch = 1 ]; then
    "${run[@]}" /usr/bin/python3 bench/torch_train.py "$THREADS" "$REPEATS" "$BATCH" >>"$T/$kind.torch"
    "${run[@]}" "${tuned[@]}" /usr/bin/python3 bench/torch_train.py "$THREADS" "$REPEATS" "$BATCH" >>"$T/$kind.tuned"
  fi
}
in_rounds one_round # the kinds interleave too
for kind in "${kinds[@]}"; do report "$kind"; done
