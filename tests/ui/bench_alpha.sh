#!/bin/sh
# Frame times while the alpha knob moves every frame (target: 60 Hz).
# `meson test -C build --benchmark --suite ui`; prints the sweep statistics.
STUDIO="$1"
MODEL="${2:-${PP_FIXTURES:-tests/fixtures}/core/r50_imagenet_pp3.safetensors}"
command -v xvfb-run >/dev/null 2>&1 || { echo "skip: xvfb-run not installed"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export XDG_DATA_HOME="$TMP/data" GSETTINGS_BACKEND=memory NO_AT_BRIDGE=1
# Xvfb has no GPU: the cairo renderer redraws only what changed, GL runs in software
export GSK_RENDERER="${GSK_RENDERER:-cairo}"
xvfb-run -a -s "-screen 0 1600x1000x24" "$STUDIO" --bench-frames 300 --model "$MODEL"
