#!/bin/bash
# OpenMP regions and barriers per training step (issue 14's "fewer regions"):
# runs train_bench with 1 and with 3 timed steps under an LD_PRELOAD shim that
# counts libgomp's region starts and barriers (bench/omp_regions.c, compiled
# here with cc), and prints the difference over the two extra steps. Counts,
# not times: they hold on a loaded machine.
# Usage: bench/omp_regions.sh [BUILD_DIR] (default build); CASE=demo28|cifar32 THREADS=2 PP_CPU=...
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
CASE=${CASE:-demo28}
THREADS=${THREADS:-2}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cc -O2 -shared -fPIC -o "$T/omp_regions.so" bench/omp_regions.c -ldl
count() {
    LD_PRELOAD="$T/omp_regions.so" "$BUILD/bench/train_bench" --case "$CASE" --threads "$THREADS" --repeats "$1" 2>&1 >/dev/null |
        awk '/^omp_regions:/ {print $3, $5}'
}
read -r r1 b1 < <(count 1)
read -r r3 b3 < <(count 3)
echo "case $CASE, path ${PP_CPU:-best}, $THREADS threads: $(((r3 - r1) / 2)) regions and $(((b3 - b1) / 2 / THREADS)) barriers per step"
