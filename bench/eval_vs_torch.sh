#!/bin/bash
# Evaluation throughput (clean Fashion-MNIST test images through a PushPull
# ResNet18, width 64, CIFAR stem, batch 64) against PyTorch in the same run.
# On an AVX-512 CPU both also run held to AVX2 (bench/rounds.sh).
# Usage: bench/eval_vs_torch.sh [BUILD_DIR]; LIMIT=2000 THREADS=2 ROUNDS=1
set -euo pipefail
cd "$(dirname "$0")/.."
LIMIT=${LIMIT:-2000}
ROUNDS=${ROUNDS:-1}
source bench/rounds.sh # BUILD, THREADS=2
# A model of the right shape (its accuracy does not matter for the timing).
"$BUILD/app/pushpull" --threads "$THREADS" train --width 64 --epochs 1 --limit 128 --batch 64 \
    --output "$T/m.safetensors" >/dev/null
cat >"$T/torch_eval.py" <<'PY'
import gzip, sys, time
import numpy as np, torch
sys.path.insert(0, "tests")
from make_fixtures import BasicBlock, ResNet
limit, threads = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(threads)
with gzip.open("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz") as f:
    images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)[:limit]
model = ResNet(BasicBlock, [2, 2, 2, 2], "cifar", 64, 1, 10, True, 3, True).eval()
t0 = time.perf_counter()
with torch.no_grad():
    for s in range(0, limit, 64):
        x = (torch.from_numpy(images[s:s + 64].astype(np.float32)) / 255.0 - 0.2860) / 0.3530
        model(x).argmax(1)
print(time.perf_counter() - t0)
PY
# the best of ROUNDS runs each, the CPU kinds (bench/rounds.sh) in turn
for round in $(seq "$ROUNDS"); do
  for kind in "${kinds[@]}"; do
    run=(env $(kind_env "$kind"))
    "${run[@]}" "$BUILD/app/pushpull" --threads "$THREADS" eval "$T/m.safetensors" --data fashion-mnist \
        --corruptions none --limit "$LIMIT" --batch 64 --json "$T/e.json" >/dev/null
    echo "x $(grep '"seconds"' "$T/e.json" | tr -dc '0-9.')" >>"$T/$kind.ours"
    if [ $have_torch = 1 ]; then
      echo "x $("${run[@]}" "${tuned[@]}" /usr/bin/python3 "$T/torch_eval.py" "$LIMIT" "$THREADS")" >>"$T/$kind.tuned"
    fi
  done
done
for kind in "${kinds[@]}"; do
  ours=$(awk -f bench/best_of.awk "$T/$kind.ours" | cut -d' ' -f2)
  echo "== CPU path $kind: $(kind_env "$kind")"
  echo "ours:    $LIMIT images in ${ours} s ($(awk -v n="$LIMIT" -v t="$ours" 'BEGIN{printf "%.0f", n/t}') img/s)"
  if [ $have_torch = 0 ]; then echo "(no python3-torch: no comparison)"; continue; fi
  theirs=$(awk -f bench/best_of.awk "$T/$kind.tuned" | cut -d' ' -f2)
  echo "PyTorch: $LIMIT images in $(printf %.2f "$theirs") s"
  awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "ratio (PyTorch time / ours): %.2fx\n", b / a }'
done
