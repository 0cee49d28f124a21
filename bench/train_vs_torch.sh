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
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
have_torch=0
/usr/bin/python3 -c "import torch" 2>/dev/null && have_torch=1
tuned=(env MALLOC_MMAP_THRESHOLD_=17179869184 MALLOC_TRIM_THRESHOLD_=17179869184 MALLOC_TOP_PAD_=1073741824)
for round in $(seq "$ROUNDS"); do
  echo "== round $round of $ROUNDS" >&2
  "$BUILD/bench/train_bench" --threads "$THREADS" --repeats "$REPEATS" --batch "$BATCH" >>"$T/ours"
  if [ $have_torch = 1 ]; then
    /usr/bin/python3 bench/torch_train.py "$THREADS" "$REPEATS" "$BATCH" >>"$T/torch"
    "${tuned[@]}" /usr/bin/python3 bench/torch_train.py "$THREADS" "$REPEATS" "$BATCH" >>"$T/tuned"
  fi
done
for f in ours torch tuned; do [ -f "$T/$f" ] && awk -f bench/best_of.awk "$T/$f" >"$T/$f.best"; done
echo "== PushPull Studio engine ($THREADS threads, best of $ROUNDS rounds)"
cat "$T/ours.best"
if [ $have_torch = 0 ]; then
  echo "(python3-torch not installed: no PyTorch comparison)"
  exit 0
fi
echo "== PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'), as run"
cat "$T/torch.best"
echo "== PyTorch, allocator tuned (MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_ raised)"
cat "$T/tuned.best"
echo "== speed ratio (PyTorch's best time / ours; > 1 means we are faster)"
paste "$T/ours.best" "$T/torch.best" "$T/tuned.best" |
  awk '{ best = ($7 < $12) ? $7 : $12; printf "%-28s ours %8.2f ms  torch %8.2f ms  ratio %.2fx\n", $1, $2, best, best / $2 }'
