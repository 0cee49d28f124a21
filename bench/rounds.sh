# Shared by the *_vs_torch.sh scripts (sourced): a scratch folder, whether
# python3-torch is there, the tuned-allocator environment, and the report of
# the best times over the rounds.
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
have_torch=0
/usr/bin/python3 -c "import torch" 2>/dev/null && have_torch=1
tuned=(env MALLOC_MMAP_THRESHOLD_=17179869184 MALLOC_TRIM_THRESHOLD_=17179869184 MALLOC_TOP_PAD_=1073741824)

# report: prints ours, PyTorch as run and tuned (best of the rounds) and the ratio
# of PyTorch's faster time to ours; files $T/ours, $T/torch, $T/tuned.
report() {
  for f in ours torch tuned; do [ -f "$T/$f" ] && awk -f bench/best_of.awk "$T/$f" >"$T/$f.best"; done
  echo "== PushPull Studio engine ($THREADS threads, best of $ROUNDS rounds)"
  cat "$T/ours.best"
  if [ "$have_torch" = 0 ]; then
    echo "(python3-torch not installed: no PyTorch comparison)"
    return 0
  fi
  echo "== PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'), as run"
  cat "$T/torch.best"
  echo "== PyTorch, allocator tuned (MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_ raised)"
  cat "$T/tuned.best"
  echo "== speed ratio (PyTorch's best time / ours; > 1 means we are faster)"
  paste "$T/ours.best" "$T/torch.best" "$T/tuned.best" |
    awk '{ best = ($7 < $12) ? $7 : $12; printf "%-28s ours %8.2f ms  torch %8.2f ms  ratio %.2fx\n", $1, $2, best, best / $2 }'
}
