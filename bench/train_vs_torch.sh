#!/bin/bash
# Training-step speed against PyTorch in the same run, on the same threads.
# PyTorch runs twice: as users run it, and with glibc's allocator tuned so big
# tensors are not mmapped afresh each op; the ratio is against the faster.
# Usage: bench/train_vs_torch.sh [BUILD_DIR] (default build); THREADS=2 REPEATS=3 BATCH=128
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
THREADS=${THREADS:-2}
REPEATS=${REPEATS:-3}
BATCH=${BATCH:-128}
ours=$(mktemp) t1=$(mktemp) t2=$(mktemp)
trap 'rm -f "$ours" "$t1" "$t2"' EXIT
echo "== PushPull Studio engine ($THREADS threads)"
"$BUILD/bench/train_bench" --threads "$THREADS" --repeats "$REPEATS" --batch "$BATCH" | tee "$ours"
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "(python3-torch not installed: no PyTorch comparison)"
  exit 0
fi
echo "== PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'), as run"
/usr/bin/python3 bench/torch_train.py "$THREADS" "$REPEATS" "$BATCH" | tee "$t1"
echo "== PyTorch, allocator tuned (MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_ raised)"
MALLOC_MMAP_THRESHOLD_=17179869184 MALLOC_TRIM_THRESHOLD_=17179869184 MALLOC_TOP_PAD_=1073741824 \
  /usr/bin/python3 bench/torch_train.py "$THREADS" "$REPEATS" "$BATCH" | tee "$t2"
echo "== speed ratio (PyTorch's best time / ours; > 1 means we are faster)"
paste "$ours" "$t1" "$t2" | awk '{ best = ($7 < $12) ? $7 : $12; printf "%-28s ours %8.2f ms  torch %8.2f ms  ratio %.2fx\n", $1, $2, best, best / $2 }'
