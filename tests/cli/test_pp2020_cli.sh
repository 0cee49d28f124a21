#!/bin/bash
# The 2020 push-pull family and the PushPull-Conv variants from the command line:
# the files the official code writes, their outputs against PyTorch, the pull-kernel
# option kept in a converted file, and a bad option value as one clear error.
set -u
PUSHPULL=${PUSHPULL:?set by meson}
NPY_COMPARE=${NPY_COMPARE:?set by meson}
FIX=${PP_FIXTURES:?set by meson}/pp2020
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# PushPull ResNet-152 with pushpull-conv db07739's pull kernel (max + min per input channel)
net=$FIX/pushpull_resnet152_channel
"$PUSHPULL" info --pull-minmax channel "$net.ckpt" | grep -q "pull max + min per channel" || fail "info --pull-minmax"
"$PUSHPULL" info "$net.ckpt" | grep -q "pull max + min per filter" || fail "info default is HEAD's per filter"
"$PUSHPULL" convert --pull-minmax channel "$net.ckpt" "$T/r152.safetensors" >/dev/null || fail "convert exit"
"$PUSHPULL" info --json "$T/r152.safetensors" | grep -q '"pull_minmax": "channel"' || fail "converted file keeps the option"
"$PUSHPULL" --threads 2 forward "$T/r152.safetensors" "$FIX/input16_x.npy" "$T/logits.npy" || fail "forward exit"
"$NPY_COMPARE" "$T/logits.npy" "${net}_logits.npy" 1e-4 >/dev/null || fail "per-channel logits differ from PyTorch"
"$PUSHPULL" forward "$T/r152.safetensors" "$FIX/input16_x.npy" "$T/conv1.npy" --layer conv1 || fail "forward conv1"
"$NPY_COMPARE" "$T/conv1.npy" "${net}_conv1.npy" 1e-4 >/dev/null || fail "per-channel conv1 differs from PyTorch"
"$PUSHPULL" forward "$net.ckpt" "$FIX/input16_x.npy" "$T/head.npy" || fail "forward (per filter)"
"$NPY_COMPARE" "$T/head.npy" "${net}_logits.npy" 1e-4 >/dev/null 2>&1 && fail "per-filter kernel matches a db07739 net"

# modify_ckpt.py's float alpha: a fixed alpha of 1
net=$FIX/pushpull_resnet101_float_alpha
"$PUSHPULL" info "$net.ckpt" | grep -q "alpha fixed (min 1.0000" || fail "float alpha read as fixed 1"
"$PUSHPULL" forward "$net.ckpt" "$FIX/input32_x.npy" "$T/r101.npy" || fail "forward R101"
"$NPY_COMPARE" "$T/r101.npy" "${net}_logits.npy" 1e-4 >/dev/null || fail "R101 logits differ from PyTorch"

if "$PUSHPULL" info --pull-minmax diagonal "$net.ckpt" >/dev/null 2>"$T/err"; then fail "bad --pull-minmax: exit 0"; fi
grep -q "pull-minmax must be filter or channel" "$T/err" || fail "bad --pull-minmax message: $(cat "$T/err")"

[ $failures = 0 ] && echo "all pp2020 CLI checks passed"
exit $((failures > 0))
