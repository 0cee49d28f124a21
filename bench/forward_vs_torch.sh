#!/bin/bash
# Engine forward speed against PyTorch in the same run, on the same threads.
# PyTorch runs twice: as users run it, and with glibc's allocator tuned so big
# tensors are not mmapped afresh each op; the ratio is against the faster.
# The machine's speed drifts over seconds (shared host), so ROUNDS rounds run
# every contender in turn and each keeps its best time.
# Usage: bench/forward_vs_torch.sh [BUILD_DIR] (default build); THREADS=2 REPEATS=5 ROUNDS=3
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
THREADS=${THREADS:-2}
REPEATS=${REPEATS:-5}
ROUNDS=${ROUNDS:-3}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
have_torch=0
/usr/bin/python3 -c "import torch" 2>/dev/null && have_torch=1
tuned=(env MALLOC_MMAP_THRESHOLD_=17179869184 MALLOC_TRIM_THRESHOLD_=17179869184 MALLOC_TOP_PAD_=1073741824)
for round in $(seq "$ROUNDS"); do
  echo "== round $round of $ROUNDS" >&2
  "$BUILD/bench/forward_bench" --threads "$THREADS" --repeats "$REPEATS" >"$T/both"
  grep '^pushpull_' "$T/both" >>"$T/ours"
  grep '^plain_' "$T/both" >>"$T/plain"
  if [ $have_torch = 1 ]; then
    /usr/bin/python3 bench/torch_forward.py "$THREADS" "$REPEATS" >>"$T/torch"
    "${tuned[@]}" /usr/bin/python3 bench/torch_forward.py "$THREADS" "$REPEATS" >>"$T/tuned"
  fi
done
for f in ours plain torch tuned; do [ -f "$T/$f" ] && awk -f bench/best_of.awk "$T/$f" >"$T/$f.best"; done
echo "== PushPull Studio engine ($THREADS threads, best of $ROUNDS rounds)"
cat "$T/ours.best" "$T/plain.best"
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
echo "== push-pull cost over the plain net (ours; the two nets timed in turns)"
paste "$T/ours.best" "$T/plain.best" | awk '{ printf "%-28s %+.1f%%\n", $1, ($2 / $7 - 1) * 100 }'
