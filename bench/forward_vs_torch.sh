#!/bin/bash
# Engine forward speed against PyTorch in the same run, on the same threads.
# The push-pull cost is also given as the median of the per-pass-pair ratios (the
# two nets run pass by pass), which one swing of the machine cannot move.
# PyTorch runs twice: as users run it, and with glibc's allocator tuned so big
# tensors are not mmapped afresh each op; the ratio is against the faster.
# The machine's speed drifts over seconds (shared host), so ROUNDS rounds run
# every contender in turn and each keeps its best time; on an AVX-512 CPU each
# round also runs both on AVX2 (bench/rounds.sh).
# Usage: bench/forward_vs_torch.sh [BUILD_DIR] (default build); THREADS=2 REPEATS=5 ROUNDS=3
set -euo pipefail
cd "$(dirname "$0")/.."
REPEATS=${REPEATS:-5}
ROUNDS=${ROUNDS:-3}
source bench/rounds.sh
one_round() {
  "${run[@]}" "$BUILD/bench/forward_bench" --threads "$THREADS" --repeats "$REPEATS" >"$T/both"
  grep '^pushpull_' "$T/both" >>"$T/$kind.ours"
  grep '^plain_' "$T/both" >>"$T/$kind.plain"
  grep '^cost_' "$T/both" >>"$T/$kind.cost"
  if [ $have_torch = 1 ]; then
    "${run[@]}" /usr/bin/python3 bench/torch_forward.py "$THREADS" "$REPEATS" >>"$T/$kind.torch"
    "${run[@]}" "${tuned[@]}" /usr/bin/python3 bench/torch_forward.py "$THREADS" "$REPEATS" >>"$T/$kind.tuned"
  fi
}
in_rounds one_round # the kinds interleave too
for kind in "${kinds[@]}"; do
  report "$kind"
  awk -f bench/best_of.awk "$T/$kind.plain" >"$T/plain.best"
  echo "== push-pull cost over the plain net (ours, CPU path $kind; the two nets timed in turns)"
  echo "   (best against best; and the median over all rounds of each pass pair's ratio, which one swing of the machine cannot move)"
  paste "$T/ours.best" "$T/plain.best" | while read -r name pp _ _ _ _ plain _; do
    c=${name#pushpull_}
    median=$(awk -v c="cost_$c" '$1 == c { print $2 }' "$T/$kind.cost" | sort -g |
      awk '{ v[n++] = $1 } END { print (n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) }')
    awk -v n="$name" -v a="$pp" -v b="$plain" -v m="$median" 'BEGIN { printf "%-28s %+.1f%%   paired median %+.1f%%\n", n, (a / b - 1) * 100, m }'
  done
done
