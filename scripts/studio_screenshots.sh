#!/bin/bash
# Renders the README's pictures of the studio window (docs/images/) with
# `pushpull-studio --screenshot`, under Xvfb when there is no display.
# Usage: scripts/studio_screenshots.sh [MODEL...]   (default: the bundled demo)
set -euo pipefail
cd "$(dirname "$0")/.."
ninja -C build ui/pushpull-studio >/dev/null
mkdir -p docs/images
args=()
for m in "$@"; do args+=(--model "$m"); done
run() {
  if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    build/ui/pushpull-studio "$@"
  else
    xvfb-run -a -s "-screen 0 1600x1000x24" build/ui/pushpull-studio "$@"
  fi
}
# a 1280x720 projector, as a teacher would show it (the metainfo's default screenshot)
run --screenshot docs/images/studio-1280x720.png --size 1280x720 --view kernels "${args[@]}"
# a small laptop screen: the sidebar folds away, the controls wrap
run --screenshot docs/images/studio-800x600.png --size 800x600 --view probe --image assets/images/fmnist-0000-ankle-boot.png \
  --corruption gaussian_noise --severity 2 "${args[@]}"
run --screenshot docs/images/studio-kernels.png --view kernels "${args[@]}"
run --screenshot docs/images/studio-spectra.png --view spectra "${args[@]}"
run --screenshot docs/images/studio-kernels-dark.png --view kernels --dark "${args[@]}"
run --screenshot docs/images/studio-probe.png --view probe --image assets/images/fmnist-0000-ankle-boot.png \
  --corruption gaussian_noise --severity 2 --sweep "${args[@]}"
run --screenshot docs/images/studio-probe-dark.png --view probe --dark --image assets/images/fmnist-0000-ankle-boot.png \
  --corruption gaussian_noise --severity 2 --sweep "${args[@]}"
echo "wrote docs/images/studio-{1280x720,800x600,kernels,spectra,kernels-dark,probe,probe-dark}.png"
run --screenshot docs/images/studio-jobs.png --view jobs --run-job eval --job-limit 200 "${args[@]}" >/dev/null
echo "wrote docs/images/studio-jobs.png"
run --screenshot docs/images/studio-grid.png --view grid --severity 3 "${args[@]}"
run --screenshot docs/images/studio-lab.png --view lab --corruption gaussian_noise --severity 3 --alpha 1 "${args[@]}"
echo "wrote docs/images/studio-{grid,lab}.png"
# the Compare view: the window, and the whole figure as its PNG export
run --screenshot docs/images/studio-compare.png --size 1280x720 --view compare --corruption fog --severity 4 \
  --export docs/images/compare-figure.png "${args[@]}"
echo "wrote docs/images/studio-compare.png, docs/images/compare-figure.png"
