#!/bin/bash
# The studio probe's live slider at 224 (issue 14 part 4): two ResNet18s at
# 224 (a PushPull-ResNet18 and its baseline, made by bench/make_probe_models.py),
# the severity slider dragged frame by frame (--bench-frames), and the studio's
# own report: slider to panels (median, p90), how many moves got panels, and
# the two models' forward passes alone in the same run, with the ratio (target
# at most 1.3x; at least every third move gets panels), where the rest of the
# time went, and the main thread's CPU time over the drag. Each CPU path this
# machine has runs in turn (bench/rounds.sh), ROUNDS times. A run whose
# forwards' median is past VOID_MS (100) was contended (other work on the
# cores: the forwards alone take ~30 ms idle): its ratio is marked void.
# The latency is also given in frames of the frame clock: panels show at a
# frame's paint, so it is a whole number of frames plus the paint's offset,
# and the ratio's floor at that clock (an update starts at a frame and its
# forwards end no sooner than they take: that rounded up to whole frames).
# Usage: bench/probe_slider.sh [BUILD_DIR] (default build); FRAMES=120 ROUNDS=2 CORRUPTION=gaussian_noise
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
FRAMES=${FRAMES:-120}
ROUNDS=${ROUNDS:-2}
CORRUPTION=${CORRUPTION:-gaussian_noise}
THREADS=${THREADS:-2}
VOID_MS=${VOID_MS:-100}
source bench/rounds.sh
command -v xvfb-run >/dev/null 2>&1 || { echo "skip: xvfb-run not installed"; exit 77; }
/usr/bin/python3 bench/make_probe_models.py "$T" >&2
export XDG_DATA_HOME="$T/data" GSETTINGS_BACKEND=memory NO_AT_BRIDGE=1 GSK_RENDERER="${GSK_RENDERER:-cairo}"
echo "== load before: $(uptime)"
for round in $(seq "$ROUNDS"); do
  for kind in "${kinds[@]}"; do
    echo "== round $round of $ROUNDS, CPU path $kind, $FRAMES moves, $CORRUPTION, OMP_NUM_THREADS=$THREADS"
    env $(kind_env "$kind") OMP_NUM_THREADS="$THREADS" xvfb-run -a -s "-screen 0 1600x1000x24" \
      "$BUILD/ui/pushpull-studio" --view probe --corruption "$CORRUPTION" --bench-frames "$FRAMES" \
      --model "$T/r18_224_pushpull.safetensors" --model "$T/r18_224_baseline.safetensors" 2>/dev/null |
      grep '^severity sweep: \|^main thread: ' |
      awk -v void="$VOID_MS" '/^severity sweep: / && match($0, /forward passes alone: median [0-9.]+ ms/) {
          f = substr($0, RSTART + 29, RLENGTH - 32) + 0
          if (f > void) { sub(/ratio [0-9.]+ \([^)]*\)/, "ratio VOID (contended: the forwards took " f " ms, past " void " ms)") }
        } { print }' || echo "(no report)"
  done
done
echo "== load after: $(uptime)"
