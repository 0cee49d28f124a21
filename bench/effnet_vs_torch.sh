#!/bin/bash
# torchvision's EfficientNet-b0 (plain stem; model/efficientnet.h) forward at
# 224, batch 1 and 16: the engine against PyTorch in the same run, on the same
# threads, as blurpool_vs_torch.sh does for the anti-aliased ResNet50.
# Usage: bench/effnet_vs_torch.sh [BUILD_DIR] (default build); THREADS=2 REPEATS=3 ROUNDS=3
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
source bench/rounds.sh
forward_case_vs_torch effnet
