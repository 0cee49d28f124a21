#!/bin/bash
# Sets up everything and runs the whole test suite:
#   meson tests (suites core, ckpt, corrupt, cli, ...) and, when present, the
#   bounded fuzzing run under ASan/UBSan. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }
BUILD=${BUILD_DIR:-build}
if [ -f "$BUILD/build.ninja" ]; then meson setup --reconfigure "$BUILD" >/dev/null
else meson setup "$BUILD" >/dev/null; fi || { echo "0 passed, 1 failed"; exit 1; }
ninja -C "$BUILD" || { echo "0 passed, 1 failed"; exit 1; }

meson test -C "$BUILD" --print-errorlogs --num-processes 2
passed=$(grep -c '"result": "OK"' "$BUILD/meson-logs/testlog.json" || true)
failed=$(grep -c -E '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$BUILD/meson-logs/testlog.json" || true)

if [ -f fuzz/run.sh ] && [ "${SKIP_FUZZ:-0}" != 1 ]; then
  if bash fuzz/run.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: fuzzing"; fi
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
