#!/bin/bash
# AugMix throughput against its references in the same run, on the same images and
# threads: ours (official AugMix and torchvision's variant) vs the official Python code
# and torchvision 0.14's transforms.AugMix in THREADS worker processes. Target
# (issue 16): >= 5x. Then the augmentation cost against a training step (augment_bench).
# Usage: bench/augment_vs_torchvision.sh [BUILD_DIR] (default build); THREADS=2 REPEATS=3 BATCH=128 ROUNDS=2
set -euo pipefail
cd "$(dirname "$0")/.."
BATCH=${BATCH:-128}
source bench/rounds.sh
one_round() {
  "${run[@]}" "$BUILD/bench/augment_bench" --threads "$THREADS" --repeats "$REPEATS" --batch "$BATCH" --case throughput >>"$T/ours"
  if [ $have_torch = 1 ]; then
    "${run[@]}" /usr/bin/python3 bench/augment_vs_torchvision.py "$THREADS" "$REPEATS" "$BATCH" >>"$T/torch"
  fi
}
in_rounds one_round "$best_path"
for f in ours torch; do [ -f "$T/$f" ] && awk -f bench/best_of.awk "$T/$f" >"$T/$f.best"; done
echo "== PushPull Studio engine ($THREADS threads, best of $ROUNDS rounds)"
cat "$T/ours.best"
if [ "$have_torch" = 1 ]; then
  echo "== references in $THREADS worker processes"
  cat "$T/torch.best"
  echo "== throughput ratio (ours / reference; target >= 5x)"
  paste "$T/ours.best" "$T/torch.best" |
    awk '{ printf "%-28s ours %9.1f img/s  reference %9.1f img/s  ratio %.1fx\n", $1, $4, $9, $4 / $9 }'
fi
echo "== augmentation cost against a CIFAR ResNet18 training step (batch $BATCH)"
"$BUILD/bench/augment_bench" --threads "$THREADS" --repeats "$REPEATS" --batch "$BATCH"
