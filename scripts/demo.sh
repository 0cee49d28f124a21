#!/bin/bash
# Sets up, builds and runs PushPull Studio on its bundled demo data.
# (The studio window arrives with the GUI issues; until then the demo runs the
# command line on the bundled sample model and images.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
PP=build/app/pushpull
MODEL=tests/fixtures/core/r18_cifar_gray_pp5.safetensors
echo "== pushpull info $MODEL"
$PP info "$MODEL"
echo
echo "== pushpull predict (random-weight sample model: the classes are not meaningful yet)"
$PP predict "$MODEL" tests/fixtures/images/gray_28.png tests/fixtures/images/rgb_40x30.png --top 3
echo
echo "== first-layer push/pull responses of the same model"
$PP forward "$MODEL" tests/fixtures/core/r18_cifar_gray_pp5_x.npy /tmp/pushpull-demo-push.npy --layer push
echo "wrote /tmp/pushpull-demo-push.npy (push response, before ReLU)"

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
