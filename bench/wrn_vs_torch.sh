#!/bin/bash
# AugMix's WRN-40-2 (plain stem; docs/spec/architectures-wrn-preact.md), CIFAR 32x32
# batch 128: forward and one training step (SGD momentum 0.9), the engine against
# PyTorch in the same run, on the same threads (PyTorch as run and with glibc's
# allocator tuned; ROUNDS rounds in turn, each contender's best time).
# Usage: bench/wrn_vs_torch.sh [BUILD_DIR] (default build); THREADS=2 REPEATS=3 ROUNDS=2
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/rounds.sh # BUILD, THREADS=2, REPEATS=3, ROUNDS=2
one_round() {
  "${run[@]}" "$BUILD/bench/forward_bench" --threads "$THREADS" --repeats "$REPEATS" --case wrn >>"$T/ours"
  "${run[@]}" "$BUILD/bench/train_bench" --threads "$THREADS" --repeats "$REPEATS" --batch 128 --case wrn >>"$T/ours"
  if [ $have_torch = 1 ]; then
    "${run[@]}" /usr/bin/python3 bench/torch_forward.py "$THREADS" "$REPEATS" --wrn >>"$T/torch"
    "${run[@]}" /usr/bin/python3 bench/torch_train.py "$THREADS" "$REPEATS" 128 --wrn >>"$T/torch"
    "${run[@]}" "${tuned[@]}" /usr/bin/python3 bench/torch_forward.py "$THREADS" "$REPEATS" --wrn >>"$T/tuned"
    "${run[@]}" "${tuned[@]}" /usr/bin/python3 bench/torch_train.py "$THREADS" "$REPEATS" 128 --wrn >>"$T/tuned"
  fi
}
in_rounds one_round "$best_path"
report
