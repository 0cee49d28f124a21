# Shared by the *_vs_torch.sh scripts (sourced): the build folder and the
# usual settings, a scratch folder, whether python3-torch is there, the
# tuned-allocator environment, the CPU kinds to compare on, the rounds in
# turn, and the report of the best times over the rounds.
BUILD=${1:-build} # the script's first argument (a sourced file sees the caller's)
THREADS=${THREADS:-2}
REPEATS=${REPEATS:-3}
ROUNDS=${ROUNDS:-2}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# CPU kinds (core/cpu.h): the best path this CPU has, and on an AVX-512 CPU
# also the avx2 one, against PyTorch held to AVX2 as well (oneDNN's ISA cap,
# ATen's kernels, and OpenBLAS's, which our avx2 path calls for plain
# products), so the AVX2 ratios can be measured on any machine.
# A PP_CPU in the caller's environment does not change them: "best" is the
# CPU's best (the parenthesis of --version), and every run, in_rounds' or
# not, is on the path its label says (PP_CPU exported as the best here).
best_path=$("$BUILD/app/pushpull" --version | sed -n "s/^CPU path: .*(this CPU's best: \([a-z0-9]*\)).*/\1/p")
[ -n "$best_path" ] || { echo "rounds.sh: $BUILD/app/pushpull --version names no best CPU path" >&2; exit 1; }
export PP_CPU=$best_path
kinds=("$best_path")
[ "$best_path" = avx512 ] && kinds+=(avx2)
echo "== CPU paths: ${kinds[*]} (this CPU's best: $best_path)" >&2
# kind_env KIND: the environment both contenders run under for that kind
kind_env() {
  if [ "$1" = avx2 ] && [ "$best_path" = avx512 ]; then
    echo "PP_CPU=avx2 OPENBLAS_CORETYPE=Haswell DNNL_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2"
  else
    echo "PP_CPU=$1"
  fi
}
have_torch=0
/usr/bin/python3 -c "import torch" 2>/dev/null && have_torch=1
tuned=(env MALLOC_MMAP_THRESHOLD_=17179869184 MALLOC_TRIM_THRESHOLD_=17179869184 MALLOC_TOP_PAD_=1073741824)

# in_rounds FN [KIND...]: ROUNDS rounds, each running FN once per CPU kind
# (default: all of kinds) in turn, with $round, $kind and run=(env ...), the
# kind's environment, set: the machine's speed drifts over seconds, so every
# contender runs in every round and each keeps its best time.
in_rounds() {
  local fn=$1
  shift
  local ks=("$@")
  [ ${#ks[@]} = 0 ] && ks=("${kinds[@]}")
  for round in $(seq "$ROUNDS"); do
    for kind in "${ks[@]}"; do
      echo "== round $round of $ROUNDS, CPU path $kind" >&2
      run=(env $(kind_env "$kind"))
      "$fn"
    done
  done
}

# forward_case_vs_torch CASE: forward_bench --case CASE against torch_forward.py
# --CASE (as run and tuned), on this CPU's best path, and the report
forward_case_vs_torch() {
  forward_case=$1
  in_rounds forward_case_round "$best_path"
  report
}
forward_case_round() {
  "${run[@]}" "$BUILD/bench/forward_bench" --threads "$THREADS" --repeats "$REPEATS" --case "$forward_case" >>"$T/ours"
  if [ $have_torch = 1 ]; then
    "${run[@]}" /usr/bin/python3 bench/torch_forward.py "$THREADS" "$REPEATS" "--$forward_case" >>"$T/torch"
    "${run[@]}" "${tuned[@]}" /usr/bin/python3 bench/torch_forward.py "$THREADS" "$REPEATS" "--$forward_case" >>"$T/tuned"
  fi
}

# report: prints ours, PyTorch as run and tuned (best of the rounds) and the ratio
# of PyTorch's faster time to ours; files $T/ours, $T/torch, $T/tuned.
# report [KIND]: the files of that kind are $T/<KIND>.ours and so on
report() {
  local k=${1:+$1.}
  for f in ours torch tuned; do [ -f "$T/$k$f" ] && awk -f bench/best_of.awk "$T/$k$f" >"$T/$f.best"; done
  echo "== CPU path ${1:-default}: $(kind_env "${1:-$best_path}")"
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
