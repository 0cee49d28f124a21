#!/bin/bash
# Sets up, builds and runs PushPull Studio on its bundled demo: the two demo
# models (assets/models) on a few bundled Fashion-MNIST images (assets/images),
# clean and corrupted, then the studio window (or a screenshot of it without a display).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
PP=build/app/pushpull
PUSHPULL_MODEL=assets/models/fmnist-resnet18-pushpull-avg3.safetensors
BASE_MODEL=assets/models/fmnist-resnet18-baseline.safetensors
echo "== pushpull info $PUSHPULL_MODEL"
$PP info "$PUSHPULL_MODEL"
for img in assets/images/*.png; do
    echo
    echo "== $(basename "$img"): clean, then gaussian_noise at severity 3"
    $PP corrupt "$img" /tmp/pushpull-demo-noisy.png --corruption gaussian_noise --severity 3 --seed 1 2>/dev/null
    for m in "$BASE_MODEL" "$PUSHPULL_MODEL"; do
        printf '%-34s clean: %-28s noisy: %s\n' "$(basename "$m" .safetensors)" \
            "$($PP predict "$m" "$img" --top 1 | sed -n 2p | sed 's/^ *1\. *//')" \
            "$($PP predict "$m" /tmp/pushpull-demo-noisy.png --top 1 | sed -n 2p | sed 's/^ *1\. *//')"
    done
done
echo
echo "== robustness of the pair (assets/models/results.md)"
tail -3 assets/models/results.md

# The studio window on the bundled demo models (or a screenshot without a display)
if [ -x build/ui/pushpull-studio ]; then
  if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    echo; echo "== pushpull-studio (close the window to finish)"
    build/ui/pushpull-studio
  elif command -v xvfb-run >/dev/null; then
    xvfb-run -a -s "-screen 0 1600x1000x24" build/ui/pushpull-studio --screenshot /tmp/pushpull-studio.png
    echo; echo "== no display: the studio window rendered to /tmp/pushpull-studio.png"
  fi
fi
