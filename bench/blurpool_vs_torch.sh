#!/bin/bash
# The anti-aliased ResNet50 (adobe/antialiased-cnns resnet50: BlurPool filter 4,
# pool_only; docs/arch-blurpool.md) forward at 224, batch 1 and 16: the engine
# against PyTorch in the same run, on the same threads, as forward_vs_torch.sh
# does for ResNet18 (PyTorch as run and with glibc's allocator tuned; ROUNDS
# rounds in turn, each contender's best time).
# Usage: bench/blurpool_vs_torch.sh [BUILD_DIR] (default build); THREADS=2 REPEATS=3 ROUNDS=3
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
source bench/rounds.sh
forward_case_vs_torch blurpool
